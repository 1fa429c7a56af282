//! Snapping a coordinate onto the nearest road of a profile's graph.
//!
//! A stop is snapped onto an *edge*, not a node: a building entrance half-way
//! along a 200 m footpath is reached by walking half of it, not the whole of it
//! to the nearest junction. The R-tree holds one straight segment per road piece
//! in a local planar projection (metres, equirectangular around the graph's
//! centre), which is accurate to well under a metre at city scale; the reported
//! snap distance is then measured on the sphere.

use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;

use crate::graph::{RoadGraph, COORD_SCALE};
use crate::ids::{Cost, EdgeIdx, NodeIdx};

// Kept at its old path (`geo_data::snap::haversine_m`) for callers.
pub use crate::distance::haversine_m;

/// Default refusal distance: a stop farther than this from any road of the
/// profile is almost certainly a wrong coordinate, not a remote building.
pub const DEFAULT_MAX_SNAP_M: f64 = 500.0;

/// Snapping options.
#[derive(Clone, Copy, Debug)]
pub struct SnapConfig {
    /// Points farther than this (metres) from every road are refused.
    pub max_distance_m: f64,
}

impl Default for SnapConfig {
    fn default() -> SnapConfig {
        SnapConfig {
            max_distance_m: DEFAULT_MAX_SNAP_M,
        }
    }
}

/// Why a point could not be snapped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SnapError {
    /// The coordinate is not a valid latitude/longitude.
    #[error("point ({lat}, {lon}) is not a valid latitude/longitude")]
    InvalidCoordinate {
        /// Latitude given.
        lat: f64,
        /// Longitude given.
        lon: f64,
    },
    /// The nearest road is beyond the configured limit.
    #[error(
        "point ({lat}, {lon}) is {distance_m:.0} m from the nearest road (limit {limit_m:.0} m)"
    )]
    TooFar {
        /// Latitude given.
        lat: f64,
        /// Longitude given.
        lon: f64,
        /// Distance to the nearest road in metres.
        distance_m: f64,
        /// The limit in force.
        limit_m: f64,
    },
    /// The profile's graph has no roads at all.
    #[error("the graph has no roads for this profile")]
    EmptyGraph,
}

/// Where on the graph a snapped point sits.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum Anchor {
    /// Exactly on a node (the projection fell on a segment's end).
    Node(NodeIdx),
    /// Strictly inside the segment `a→b`, at fraction `frac` from `a`.
    /// `ab`/`ba` are the directed edges over it (at least one exists).
    Edge {
        a: NodeIdx,
        b: NodeIdx,
        ab: Option<EdgeIdx>,
        ba: Option<EdgeIdx>,
        frac: f64,
    },
}

/// Milliseconds per metre of the access walk between a door and its road
/// position: walking speed ([`crate::profile::WALK_KMH`]) whatever the
/// squad's mode, because a tricycle or a van parks on the road and someone
/// walks the rest.
pub const ACCESS_MS_PER_M: f64 = 3_600.0 / crate::profile::WALK_KMH;

/// The cost of walking `metres` in a straight line at walking speed.
pub(crate) fn walk_cost(metres: f64) -> Cost {
    Cost::new(
        (metres * ACCESS_MS_PER_M).round() as u32,
        (metres * 100.0).round() as u32,
    )
}

/// A stop placed on a profile's road graph.
///
/// The point remembers both its door (the coordinate asked for) and its
/// position on the road, and every cost to or from it includes the **access
/// leg** between the two, walked in a straight line at walking speed: in
/// roads-only data (much of China's OSM) doors sit tens to hundreds of metres
/// off the nearest mapped way, and dropping that walk made two doors 300 m
/// apart cost 0 s.
///
/// Only valid with the graph that produced it (matrix and path check the
/// graph's fingerprint and panic on a mix-up, which is a programming error).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct SnappedPoint {
    pub(crate) anchor: Anchor,
    pub(crate) graph_fingerprint: u64,
    lat: f64,
    lon: f64,
    door: (f64, f64),
    snap_distance_m: f64,
    access: Cost,
}

/// How the cheapest way between two points near the same road position goes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Shortcut {
    /// Door to road, straight along the shared segment, road to door.
    AlongRoad,
    /// Straight from door to door on foot.
    DirectWalk,
}

impl SnappedPoint {
    pub(crate) fn new(
        anchor: Anchor,
        fingerprint: u64,
        at: (f64, f64),
        door: (f64, f64),
        snap_distance_m: f64,
    ) -> SnappedPoint {
        SnappedPoint {
            anchor,
            graph_fingerprint: fingerprint,
            lat: at.0,
            lon: at.1,
            door,
            snap_distance_m,
            access: walk_cost(snap_distance_m),
        }
    }

    /// The coordinate that was snapped (the door), as `(lat, lon)`.
    pub fn door(&self) -> (f64, f64) {
        self.door
    }

    /// The access leg between the door and the road, each way: milliseconds
    /// at walking speed and centimetres in a straight line. Included in every
    /// matrix cell, index query and path to or from this point.
    pub fn access(&self) -> Cost {
        self.access
    }

    /// The same point with its door moved onto the road (no access walk):
    /// the model before access legs, kept so benchmarks can show what
    /// ignoring the walk did to a plan, and for callers whose coordinates
    /// are already on the road.
    pub fn without_access(&self) -> SnappedPoint {
        SnappedPoint {
            door: (self.lat, self.lon),
            snap_distance_m: 0.0,
            access: Cost::ZERO,
            ..*self
        }
    }

    /// Latitude of the point on the road.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude of the point on the road.
    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Distance in metres from the requested coordinate to the road.
    pub fn snap_distance_m(&self) -> f64 {
        self.snap_distance_m
    }

    /// The node the point sits on, if it sits exactly on one.
    pub fn node(&self) -> Option<NodeIdx> {
        match self.anchor {
            Anchor::Node(n) => Some(n),
            Anchor::Edge { .. } => None,
        }
    }

    /// Graph nodes the point can leave by, with the cost to reach each (the
    /// access walk from the door included).
    pub(crate) fn out_seeds(&self, g: &RoadGraph) -> Vec<(NodeIdx, Cost)> {
        let mut v = self.road_out_seeds(g);
        for s in &mut v {
            s.1 = s.1 + self.access;
        }
        v
    }

    /// Graph nodes the point can be reached from, with the cost from each to
    /// it (the access walk included).
    pub(crate) fn in_seeds(&self, g: &RoadGraph) -> Vec<(NodeIdx, Cost)> {
        let mut v = self.road_in_seeds(g);
        for s in &mut v {
            s.1 = s.1 + self.access;
        }
        v
    }

    /// As [`SnappedPoint::out_seeds`], from the road position (no access walk).
    fn road_out_seeds(&self, g: &RoadGraph) -> Vec<(NodeIdx, Cost)> {
        match self.anchor {
            Anchor::Node(n) => vec![(n, Cost::ZERO)],
            Anchor::Edge { a, b, ab, ba, frac } => {
                let mut v = Vec::with_capacity(2);
                if let Some(e) = ab {
                    let c = g.cost(e);
                    v.push((b, c - c.part(frac)));
                }
                if let Some(e) = ba {
                    v.push((a, g.cost(e).part(frac)));
                }
                v
            }
        }
    }

    /// As [`SnappedPoint::in_seeds`], to the road position (no access walk).
    fn road_in_seeds(&self, g: &RoadGraph) -> Vec<(NodeIdx, Cost)> {
        match self.anchor {
            Anchor::Node(n) => vec![(n, Cost::ZERO)],
            Anchor::Edge { a, b, ab, ba, frac } => {
                let mut v = Vec::with_capacity(2);
                if let Some(e) = ab {
                    v.push((a, g.cost(e).part(frac)));
                }
                if let Some(e) = ba {
                    let c = g.cost(e);
                    v.push((b, c - c.part(frac)));
                }
                v
            }
        }
    }

    /// Where on the road the point sits, as a key: the segment it lies inside
    /// (its two directed edges packed in a `u64`) or the node it sits on
    /// (`n` twice, which no segment has: twin edges differ). Points with equal
    /// keys are the only ones [`SnappedPoint::shortcut`] can join.
    pub(crate) fn position_key(&self) -> u64 {
        match self.anchor {
            Anchor::Edge { ab, ba, .. } => {
                ((ab.map_or(u32::MAX, |e| e.0) as u64) << 32) | ba.map_or(u32::MAX, |e| e.0) as u64
            }
            Anchor::Node(n) => ((n.0 as u64) << 32) | n.0 as u64,
        }
    }

    /// True when both points sit at the same road position (one segment, or
    /// one node): a squad can walk between them without moving its vehicle.
    pub fn same_road_position(&self, other: &SnappedPoint) -> bool {
        self.position_key() == other.position_key()
    }

    /// The cheapest way from `self` to `to` that needs no graph search, for
    /// two points at the same road position (same segment or same node):
    /// their access legs plus the stretch of the segment between them, or the
    /// straight walk from door to door when that is shorter (two doors of one
    /// building snapped to one road point are not 0 m apart, and not twice
    /// their access walk either). `None` for points elsewhere.
    pub(crate) fn shortcut(&self, to: &SnappedPoint, g: &RoadGraph) -> Option<(Cost, Shortcut)> {
        if self.position_key() != to.position_key() {
            return None;
        }
        let road = match self.anchor {
            Anchor::Node(_) => Some(Cost::ZERO),
            Anchor::Edge { .. } => self.along_same_edge(to, g),
        };
        let via_road = road.map(|c| (c + self.access + to.access, Shortcut::AlongRoad));
        let direct = (
            walk_cost(haversine_m(self.door, to.door)),
            Shortcut::DirectWalk,
        );
        Some(match via_road {
            Some(r) if r.0 <= direct.0 => r,
            _ => direct,
        })
    }

    /// The cost of going straight along a shared segment from `self`'s road
    /// position to `to`'s, without passing a node (no access walks); `None` if
    /// they are not on one segment or the segment's direction forbids it.
    pub(crate) fn along_same_edge(&self, to: &SnappedPoint, g: &RoadGraph) -> Option<Cost> {
        let (
            Anchor::Edge {
                ab, ba, frac: f1, ..
            },
            Anchor::Edge {
                ab: ab2,
                ba: ba2,
                frac: f2,
                ..
            },
        ) = (self.anchor, to.anchor)
        else {
            return None;
        };
        if (ab, ba) != (ab2, ba2) {
            return None;
        }
        let mut best: Option<Cost> = None;
        if let Some(e) = ab {
            if f1 <= f2 {
                let c = g.cost(e);
                best = Some(c.part(f2) - c.part(f1));
            }
        }
        if let Some(e) = ba {
            if f1 >= f2 {
                let c = g.cost(e);
                let x = c.part(f1) - c.part(f2);
                best = Some(best.map_or(x, |b| b.min(x)));
            }
        }
        best
    }
}

/// One road segment in the index: its representative directed edge.
type SegmentEntry = GeomWithData<Line<[f64; 2]>, u32>;

/// The R-tree over a graph's segments, with its planar projection.
pub(crate) struct SnapIndex {
    tree: RTree<SegmentEntry>,
    origin: (f64, f64),
    kx: f64,
    ky: f64,
}

impl std::fmt::Debug for SnapIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SnapIndex({} segments)", self.tree.size())
    }
}

const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

impl SnapIndex {
    pub(crate) fn build(g: &RoadGraph) -> SnapIndex {
        let n = g.num_nodes().max(1) as f64;
        let lat0 = g.lat_e7.iter().map(|&x| x as f64).sum::<f64>() / n / COORD_SCALE;
        let lon0 = g.lon_e7.iter().map(|&x| x as f64).sum::<f64>() / n / COORD_SCALE;
        let mut idx = SnapIndex {
            tree: RTree::new(),
            origin: (lat0, lon0),
            kx: METRES_PER_DEGREE * lat0.to_radians().cos(),
            ky: METRES_PER_DEGREE,
        };
        let mut entries = Vec::with_capacity(g.num_edges());
        for e in 0..g.num_edges() as u32 {
            // One entry per segment: the edge itself if it has no twin, else the lower id.
            let t = g.twin[e as usize];
            if t != crate::graph::NO_EDGE && t < e {
                continue;
            }
            let a = idx.project(g.coord(g.tail(EdgeIdx(e))));
            let b = idx.project(g.coord(g.head(EdgeIdx(e))));
            entries.push(GeomWithData::new(Line::new(a, b), e));
        }
        idx.tree = RTree::bulk_load(entries);
        idx
    }

    fn project(&self, (lat, lon): (f64, f64)) -> [f64; 2] {
        [
            (lon - self.origin.1) * self.kx,
            (lat - self.origin.0) * self.ky,
        ]
    }

    pub(crate) fn snap(
        &self,
        g: &RoadGraph,
        fingerprint: u64,
        lat: f64,
        lon: f64,
        cfg: &SnapConfig,
    ) -> Result<SnappedPoint, SnapError> {
        if !(lat.is_finite()
            && lon.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon))
        {
            return Err(SnapError::InvalidCoordinate { lat, lon });
        }
        let q = self.project((lat, lon));
        let Some(seg) = self.tree.nearest_neighbor(&q) else {
            return Err(SnapError::EmptyGraph);
        };
        let e = EdgeIdx(seg.data);
        let (a, b) = (g.tail(e), g.head(e));
        let (pa, pb) = (seg.geom().from, seg.geom().to);
        let (dx, dy) = (pb[0] - pa[0], pb[1] - pa[1]);
        let len2 = dx * dx + dy * dy;
        let frac = if len2 > 0.0 {
            (((q[0] - pa[0]) * dx + (q[1] - pa[1]) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (ca, cb) = (g.coord(a), g.coord(b));
        let at = (ca.0 + (cb.0 - ca.0) * frac, ca.1 + (cb.1 - ca.1) * frac);
        let d = haversine_m((lat, lon), at);
        if d > cfg.max_distance_m {
            return Err(SnapError::TooFar {
                lat,
                lon,
                distance_m: d,
                limit_m: cfg.max_distance_m,
            });
        }
        let anchor = if frac <= 0.0 {
            Anchor::Node(a)
        } else if frac >= 1.0 {
            Anchor::Node(b)
        } else {
            Anchor::Edge {
                a,
                b,
                ab: Some(e),
                ba: g.twin(e),
                frac,
            }
        };
        Ok(SnappedPoint::new(anchor, fingerprint, at, (lat, lon), d))
    }
}
