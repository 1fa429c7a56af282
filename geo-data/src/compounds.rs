//! Candidate residential compounds (小区), their gates and buildings, found in
//! an OpenStreetMap extract for a coordinator to review.
//!
//! In a Chinese city most deliveries end inside a walled compound: tricycles
//! and vans stop at a gate and volunteers walk from there. The day planner
//! needs each compound's outline and gates, and OSM often has them; this
//! module only proposes them (plain data, no planner types), and a person
//! decides what becomes the district's compound list.
//!
//! What counts:
//! * **a compound** is a closed way tagged `landuse=residential`,
//!   `place=neighbourhood` or `residential=*` whose enclosed area lies between
//!   [`MIN_AREA_M2`] and [`MAX_AREA_M2`]: smaller is a yard or a mapping slip,
//!   larger is a whole quarter mapped as residential land, which has streets
//!   rather than gates. Nested or overlapping areas are each reported;
//! * **its gates** are the nodes tagged `barrier=gate|lift_gate|entrance` or
//!   `entrance=*` within [`GATE_REACH_M`] of the boundary, inside or out
//!   (mappers put the gate on the road, a few metres off the drawn fence),
//!   except an `entrance=*` node on a building outline, which is that
//!   building's door. When a compound has none, its gates are the points where
//!   a routable road crosses the boundary ([`GateKind::RoadCrossing`]): much of
//!   China's OSM data maps roads and nothing else. Gates closer than
//!   [`GATE_MERGE_M`] are one;
//! * **its buildings** are the closed ways tagged `building=*` whose centroid
//!   lies inside the boundary.
//!
//! Left out, so a reviewer knows what to add by hand:
//! * multipolygon relations. Of chengdu-central's 121 relations, 16 are
//!   multipolygons (and 3 `type=polygon`): buildings with a courtyard or split
//!   outlines, a university, a library and a wood; none is residential land, so
//!   no compound is lost there, but those buildings are not counted. Holes
//!   (inner rings) are not subtracted either;
//! * ways with a node missing from the extract (clipped at its edge) or not
//!   closed: skipped rather than guessed.
//!
//! What to expect (chengdu-central, `tests/compounds.rs`): 186 compounds, but
//! only 1 with a tagged gate and 22 with road crossings; the other 163 get no
//! gate, because their outlines are drawn inside the surrounding streets and
//! no mapped road enters them. A street that runs through a large area gives
//! two crossings that are not gates; the reviewer drops them.
//!
//! The data comes from [`crate::osm::read_pbf_keeping`] with
//! [`crate::osm::Keep::RoadsAndAreas`]; the plain road import keeps no areas,
//! so on its data this finds nothing.

mod crossings;
mod geometry;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::area_tags::is_barrier_gate;
pub use crate::area_tags::{is_building, is_compound_area, is_gate_node};
use crate::osm::{OsmData, OsmWay};
pub use geometry::point_in_ring;
use geometry::{degrees_for, ring_area, ring_centroid, to_ring, Local};

/// Smallest area taken for a compound, in m² (about 45 m × 45 m: a few
/// buildings around a yard).
pub const MIN_AREA_M2: f64 = 2_000.0;
/// Largest area taken for a compound, in m² (2 km²; Chengdu's largest mapped
/// compounds are about 0.1 km²).
pub const MAX_AREA_M2: f64 = 2_000_000.0;
/// How far from the boundary a tagged gate node may lie, in metres.
pub const GATE_REACH_M: f64 = 20.0;
/// Gates closer than this are one gate, in metres.
pub const GATE_MERGE_M: f64 = 10.0;
/// A road point this close to the boundary runs along it rather than being in
/// or out, in metres: a road drawn along the fence crosses nothing.
const ON_BOUNDARY_M: f64 = 0.5;

/// Where a gate came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum GateKind {
    /// A node tagged as a gate or an entrance on or near the boundary.
    Tagged,
    /// Where a routable road crosses the boundary (no gate node mapped).
    RoadCrossing,
}

/// A candidate gate of a compound.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundGate {
    /// The gate node, or the road's node at the crossing when it has one there.
    pub osm_node: Option<i64>,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
    /// Tagged node or road crossing.
    pub kind: GateKind,
    /// The gate node's `name`; for a road crossing, the road's `name` (the
    /// street a coordinator would say the gate is on).
    pub name: Option<String>,
}

/// A building inside a compound.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundBuilding {
    /// The building's way.
    pub osm_way: i64,
    /// Latitude of the outline's centroid in degrees.
    pub lat: f64,
    /// Longitude of the outline's centroid in degrees.
    pub lon: f64,
    /// `name`, else `addr:housenumber` (how residents number their blocks).
    pub name: Option<String>,
}

/// A candidate compound.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundCompound {
    /// The area's way.
    pub osm_way: i64,
    /// The area's `name`.
    pub name: Option<String>,
    /// The outline as `[lat, lon]` pairs, closed (the last equals the first).
    pub boundary: Vec<[f64; 2]>,
    /// Gates in order along the boundary.
    pub gates: Vec<FoundGate>,
    /// Buildings by way id.
    pub buildings: Vec<FoundBuilding>,
}

/// Finds the candidate compounds in `data`, ordered by way id.
pub fn find_compounds(data: &OsmData) -> Vec<FoundCompound> {
    let ctx = Context::new(data);
    let mut areas: Vec<&OsmWay> = data
        .areas
        .iter()
        .filter(|w| is_compound_area(|k| w.tag(k)))
        .collect();
    areas.sort_by_key(|w| w.id);
    areas.dedup_by_key(|w| w.id);
    areas.par_iter().filter_map(|w| ctx.compound(w)).collect()
}

/// The outline of a closed way as `[lat, lon]`, or `None` when it is not
/// closed, too short or has a node missing from the data.
fn ring_of(data: &OsmData, refs: &[i64]) -> Option<Vec<[f64; 2]>> {
    if refs.len() < 4 || refs.first() != refs.last() {
        return None;
    }
    refs.iter().map(|r| node_at(data, *r)).collect()
}

fn node_at(data: &OsmData, id: i64) -> Option<[f64; 2]> {
    data.nodes
        .get(&id)
        .map(|&(lat, lon)| [lat as f64 * 1e-7, lon as f64 * 1e-7])
}

/// Lower and upper corners of the points' bounding box.
fn bbox(points: &[[f64; 2]]) -> ([f64; 2], [f64; 2]) {
    points.iter().fold(
        ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]),
        |(lo, hi), p| {
            (
                [lo[0].min(p[0]), lo[1].min(p[1])],
                [hi[0].max(p[0]), hi[1].max(p[1])],
            )
        },
    )
}

/// A tagged gate node as the finder needs it.
struct GateNode {
    id: i64,
    at: [f64; 2],
    name: Option<String>,
    /// An `entrance=*` on a building outline: the building's door.
    door: bool,
}

/// A gate found for one compound, with what ordering and merging need.
struct Candidate {
    gate: FoundGate,
    /// In the compound's local plane.
    xy: [f64; 2],
    /// Position along the boundary (edge index plus the parameter on it).
    along: f64,
}

/// The extract's buildings, gate nodes and roads, indexed once for all
/// compounds.
struct Context<'a> {
    data: &'a OsmData,
    buildings: Vec<FoundBuilding>,
    building_at: RTree<GeomWithData<[f64; 2], usize>>,
    gates: Vec<GateNode>,
    gate_at: RTree<GeomWithData<[f64; 2], usize>>,
    /// Bounding box of each road in `data.ways`, with its index there.
    roads: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl<'a> Context<'a> {
    fn new(data: &'a OsmData) -> Context<'a> {
        let building_ways: Vec<&OsmWay> = data
            .areas
            .iter()
            .filter(|w| is_building(|k| w.tag(k)))
            .collect();
        let mut buildings: Vec<FoundBuilding> = building_ways
            .iter()
            .filter_map(|w| building(data, w))
            .collect();
        buildings.sort_by_key(|b| b.osm_way);
        buildings.dedup_by_key(|b| b.osm_way);
        let building_at = RTree::bulk_load(
            buildings
                .iter()
                .enumerate()
                .map(|(i, b)| GeomWithData::new([b.lat, b.lon], i))
                .collect(),
        );

        let on_building: HashSet<i64> = building_ways
            .iter()
            .flat_map(|w| w.refs.iter().copied())
            .collect();
        let gates: Vec<GateNode> = data
            .gate_nodes
            .iter()
            .filter(|n| is_gate_node(|k| n.tag(k)))
            .filter_map(|n| {
                Some(GateNode {
                    id: n.id,
                    at: node_at(data, n.id)?,
                    name: n.tag("name").map(String::from),
                    door: !is_barrier_gate(|k| n.tag(k)) && on_building.contains(&n.id),
                })
            })
            .collect();
        let gate_at = RTree::bulk_load(
            gates
                .iter()
                .enumerate()
                .map(|(i, g)| GeomWithData::new(g.at, i))
                .collect(),
        );

        let roads = RTree::bulk_load(
            data.ways
                .iter()
                .enumerate()
                .filter(|(_, w)| w.tag("highway").is_some())
                .filter_map(|(i, w)| {
                    let pts: Vec<[f64; 2]> =
                        w.refs.iter().filter_map(|r| node_at(data, *r)).collect();
                    if pts.is_empty() {
                        return None;
                    }
                    let (lo, hi) = bbox(&pts);
                    Some(GeomWithData::new(Rectangle::from_corners(lo, hi), i))
                })
                .collect(),
        );
        Context {
            data,
            buildings,
            building_at,
            gates,
            gate_at,
            roads,
        }
    }

    /// The compound `way` outlines, if it is closed, complete and of a
    /// compound's size.
    fn compound(&self, way: &OsmWay) -> Option<FoundCompound> {
        let ring = ring_of(self.data, &way.refs)?;
        let local = Local::at(ring[0]);
        let xy: Vec<[f64; 2]> = ring.iter().map(|&p| local.xy(p)).collect();
        if !(MIN_AREA_M2..=MAX_AREA_M2).contains(&ring_area(&xy)) {
            return None;
        }
        let (lo, hi) = bbox(&ring);
        let mut gates = self.tagged_gates(way, &local, &xy, lo, hi);
        if gates.is_empty() {
            gates = self.road_crossings(&local, &xy, lo, hi);
        }
        Some(FoundCompound {
            osm_way: way.id,
            name: way.tag("name").map(String::from),
            gates: merge_close(gates),
            buildings: self.buildings_in(way.id, &ring, lo, hi),
            boundary: ring,
        })
    }

    /// Buildings whose centroid is inside `ring` (not the area's own way, should
    /// it be tagged as a building too).
    fn buildings_in(
        &self,
        id: i64,
        ring: &[[f64; 2]],
        lo: [f64; 2],
        hi: [f64; 2],
    ) -> Vec<FoundBuilding> {
        let mut inside: Vec<usize> = self
            .building_at
            .locate_in_envelope(&AABB::from_corners(lo, hi))
            .map(|e| e.data)
            .filter(|&i| {
                let b = &self.buildings[i];
                b.osm_way != id && point_in_ring(b.lat, b.lon, ring)
            })
            .collect();
        inside.sort_unstable();
        inside.iter().map(|&i| self.buildings[i].clone()).collect()
    }

    /// Tagged gate nodes near the boundary, best first (named, then by id) so
    /// that merging keeps the most telling of close ones.
    fn tagged_gates(
        &self,
        way: &OsmWay,
        local: &Local,
        ring: &[[f64; 2]],
        lo: [f64; 2],
        hi: [f64; 2],
    ) -> Vec<Candidate> {
        let [dlat, dlon] = degrees_for(GATE_REACH_M, lo[0].abs().max(hi[0].abs()));
        let env = AABB::from_corners([lo[0] - dlat, lo[1] - dlon], [hi[0] + dlat, hi[1] + dlon]);
        let mut found: Vec<&GateNode> = self
            .gate_at
            .locate_in_envelope(&env)
            .map(|e| &self.gates[e.data])
            .filter(|g| !g.door || way.refs.contains(&g.id))
            .collect();
        found.sort_by_key(|g| (g.name.is_none(), g.id));
        found
            .into_iter()
            .filter_map(|g| {
                let xy = local.xy(g.at);
                let (d, along) = to_ring(xy, ring)?;
                (d <= GATE_REACH_M).then(|| Candidate {
                    gate: FoundGate {
                        osm_node: Some(g.id),
                        lat: g.at[0],
                        lon: g.at[1],
                        kind: GateKind::Tagged,
                        name: g.name.clone(),
                    },
                    xy,
                    along,
                })
            })
            .collect()
    }

    /// Where routable roads cross the boundary, in order along it.
    fn road_crossings(
        &self,
        local: &Local,
        ring: &[[f64; 2]],
        lo: [f64; 2],
        hi: [f64; 2],
    ) -> Vec<Candidate> {
        let mut ways: Vec<usize> = self
            .roads
            .locate_in_envelope_intersecting(&AABB::from_corners(lo, hi))
            .map(|e| e.data)
            .collect();
        ways.sort_unstable();
        let (rlo, rhi) = bbox(ring);
        let margin = [ON_BOUNDARY_M; 2];
        let reach = (
            [rlo[0] - margin[0], rlo[1] - margin[1]],
            [rhi[0] + margin[0], rhi[1] + margin[1]],
        );
        let mut out = Vec::new();
        for i in ways {
            crossings::crossings_of(self.data, &self.data.ways[i], local, ring, reach, &mut out);
        }
        out.sort_by(|a, b| a.along.total_cmp(&b.along));
        out
    }
}

/// A building's centroid and name, if its way is a complete closed outline.
fn building(data: &OsmData, way: &OsmWay) -> Option<FoundBuilding> {
    let ring = ring_of(data, &way.refs)?;
    let local = Local::at(ring[0]);
    let xy: Vec<[f64; 2]> = ring.iter().map(|&p| local.xy(p)).collect();
    let [lat, lon] = local.latlon(ring_centroid(&xy)?);
    Some(FoundBuilding {
        osm_way: way.id,
        lat,
        lon,
        name: way
            .tag("name")
            .or_else(|| way.tag("addr:housenumber"))
            .map(String::from),
    })
}

/// Keeps the first of any gates closer than [`GATE_MERGE_M`] (the input is
/// best first) and returns them in order along the boundary.
fn merge_close(candidates: Vec<Candidate>) -> Vec<FoundGate> {
    let mut kept: Vec<Candidate> = Vec::new();
    for c in candidates {
        let close = kept
            .iter()
            .any(|k| (k.xy[0] - c.xy[0]).hypot(k.xy[1] - c.xy[1]) < GATE_MERGE_M);
        if !close {
            kept.push(c);
        }
    }
    kept.sort_by(|a, b| {
        a.along
            .total_cmp(&b.along)
            .then(a.gate.osm_node.cmp(&b.gate.osm_node))
    });
    kept.into_iter().map(|c| c.gate).collect()
}
