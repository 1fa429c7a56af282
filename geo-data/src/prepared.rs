//! The query-side types: one [`ProfileGraph`] per travel profile, and
//! [`PreparedGraphs`], the three of them as prepared from one OSM extract.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::ch::ContractionHierarchy;
use crate::graph::{ComponentReport, GraphBuilder, RoadGraph};
use crate::ids::NodeIdx;
use crate::matrix::TravelMatrix;
use crate::osm::{self, ImportError, OsmData, Progress};
use crate::path::Route;
use crate::point_index::{PointCosts, PointIndex};
use crate::profile::Profile;
use crate::query::QueryGraph;
use crate::snap::{Anchor, SnapConfig, SnapError, SnapIndex, SnappedPoint};
use crate::store::{self, StoreError, StoredProfile};

/// A profile's road graph with everything needed to answer queries: the
/// contraction hierarchy and a pool of scratch buffers (the `QueryGraph`
/// that the query modules read), and the snapping index (built on first use,
/// so loading a file for a matrix of another profile costs nothing).
#[derive(Debug)]
pub struct ProfileGraph {
    query: QueryGraph,
    report: ComponentReport,
    index: OnceLock<SnapIndex>,
}

impl ProfileGraph {
    /// Freezes a builder (largest strongly connected component) and prepares it.
    pub fn from_builder(profile: Profile, builder: GraphBuilder) -> ProfileGraph {
        let (graph, report) = builder.build();
        ProfileGraph::from_graph(profile, graph, report)
    }

    /// Prepares the hierarchy for a frozen graph.
    pub fn from_graph(profile: Profile, graph: RoadGraph, report: ComponentReport) -> ProfileGraph {
        let ch = ContractionHierarchy::build(&graph);
        ProfileGraph::from_parts(profile, graph, ch, report)
    }

    pub(crate) fn from_parts(
        profile: Profile,
        graph: RoadGraph,
        ch: ContractionHierarchy,
        report: ComponentReport,
    ) -> ProfileGraph {
        ProfileGraph {
            query: QueryGraph::new(profile, graph, ch),
            report,
            index: OnceLock::new(),
        }
    }

    /// The profile this graph is for.
    pub fn profile(&self) -> Profile {
        self.query.profile()
    }

    /// The underlying road graph.
    pub fn road_graph(&self) -> &RoadGraph {
        self.query.road_graph()
    }

    /// The prepared hierarchy.
    pub fn hierarchy(&self) -> &ContractionHierarchy {
        self.query.hierarchy()
    }

    /// What the import dropped outside the largest component.
    pub fn components(&self) -> &ComponentReport {
        &self.report
    }

    fn index(&self) -> &SnapIndex {
        self.index
            .get_or_init(|| SnapIndex::build(self.road_graph()))
    }

    /// Snaps a coordinate onto the nearest road, refusing points more than
    /// [`crate::DEFAULT_MAX_SNAP_M`] away.
    pub fn snap(&self, lat: f64, lon: f64) -> Result<SnappedPoint, SnapError> {
        self.snap_with(lat, lon, &SnapConfig::default())
    }

    /// Snaps with explicit options.
    pub fn snap_with(
        &self,
        lat: f64,
        lon: f64,
        cfg: &SnapConfig,
    ) -> Result<SnappedPoint, SnapError> {
        let graph = self.road_graph();
        if graph.num_nodes() == 0 {
            return Err(SnapError::EmptyGraph);
        }
        self.index()
            .snap(graph, self.query.fingerprint(), lat, lon, cfg)
    }

    /// A point exactly at a graph node (tests, debugging).
    pub fn point_at_node(&self, n: NodeIdx) -> SnappedPoint {
        let at = self.road_graph().coord(n);
        SnappedPoint::new(Anchor::Node(n), self.query.fingerprint(), at, at, 0.0)
    }

    /// Exact travel times and distances between all pairs of points, computed in
    /// parallel on the rayon pool.
    ///
    /// # Panics
    /// If a point was snapped on another graph.
    pub fn matrix(&self, points: &[SnappedPoint]) -> TravelMatrix {
        crate::matrix::compute(&self.query, points)
    }

    /// Precomputes the upward search spaces of `points` in both directions (in
    /// parallel on the rayon pool), so that costs between all of them and one
    /// new point take one search instead of a matrix; see [`PointIndex`].
    ///
    /// # Panics
    /// If a point was snapped on another graph.
    pub fn point_index(&self, points: &[SnappedPoint]) -> PointIndex {
        crate::point_index::build(&self.query, points)
    }

    /// Exact costs from `p` to every indexed point: row `N` of
    /// `matrix(points ++ [p])`, cell for cell, where `N` is the index's length.
    ///
    /// # Panics
    /// If `p` or `index` was made on another graph.
    pub fn from_point(&self, index: &PointIndex, p: &SnappedPoint) -> PointCosts {
        crate::point_index::from_point(&self.query, index, p)
    }

    /// Exact costs from every indexed point to `p`: column `N` of
    /// `matrix(points ++ [p])`, cell for cell.
    ///
    /// # Panics
    /// If `p` or `index` was made on another graph.
    pub fn to_point(&self, index: &PointIndex, p: &SnappedPoint) -> PointCosts {
        crate::point_index::to_point(&self.query, index, p)
    }

    /// Adds `p` to the index as its next point (a committed urgent order joins
    /// the plan) and returns its number: two upward searches, no rebuild.
    ///
    /// # Panics
    /// If `p` or `index` was made on another graph.
    pub fn append_point(&self, index: &mut PointIndex, p: &SnappedPoint) -> usize {
        crate::point_index::append(&self.query, index, p)
    }

    /// The fastest path between two points with its geometry; `None` if unreachable.
    pub fn route(&self, from: &SnappedPoint, to: &SnappedPoint) -> Option<Route> {
        crate::path::route(&self.query, from, to)
    }

    /// The polyline `(lat, lon)` of the fastest path; `None` if unreachable.
    pub fn path(&self, from: &SnappedPoint, to: &SnappedPoint) -> Option<Vec<(f64, f64)>> {
        self.route(from, to).map(|r| r.coords)
    }
}

/// Per-profile figures from a preparation run.
#[derive(Clone, Debug)]
pub struct ProfileSummary {
    /// The profile.
    pub profile: Profile,
    /// Component statistics (nodes and edges kept and dropped).
    pub components: ComponentReport,
    /// Shortcuts added by the hierarchy.
    pub shortcuts: usize,
    /// Time to build the graph and its hierarchy.
    pub build_time: Duration,
}

/// What a preparation run did.
#[derive(Clone, Debug)]
pub struct PrepareReport {
    /// Routable ways read.
    pub ways: usize,
    /// Way node references to nodes absent from the file (clipped ways).
    pub missing_refs: u64,
    /// Time spent reading the file.
    pub read_time: Duration,
    /// One entry per profile.
    pub profiles: Vec<ProfileSummary>,
}

/// The graphs of all profiles, prepared from one OSM extract.
#[derive(Debug)]
pub struct PreparedGraphs {
    graphs: Vec<ProfileGraph>,
}

impl PreparedGraphs {
    /// Reads a PBF file and prepares every profile.
    pub fn import_pbf(
        path: &Path,
        progress: &dyn Progress,
    ) -> Result<(PreparedGraphs, PrepareReport), ImportError> {
        let t = Instant::now();
        let data = osm::read_pbf(path, progress)?;
        let read_time = t.elapsed();
        let (graphs, mut report) = PreparedGraphs::from_osm(&data, path, progress)?;
        report.read_time = read_time;
        Ok((graphs, report))
    }

    /// Prepares every profile from OSM data already in memory (`name` is used in
    /// errors). Fails when no profile has a single road.
    pub fn from_osm(
        data: &OsmData,
        name: &Path,
        progress: &dyn Progress,
    ) -> Result<(PreparedGraphs, PrepareReport), ImportError> {
        progress.stage("building graphs and hierarchies", Profile::ALL.len() as u64);
        let built: Vec<(ProfileGraph, Duration)> = Profile::ALL
            .par_iter()
            .map(|&p| {
                let t = Instant::now();
                let (g, report) = osm::build_graph(data, p);
                let pg = ProfileGraph::from_graph(p, g, report);
                progress.advance(1);
                (pg, t.elapsed())
            })
            .collect();
        if built.iter().all(|(g, _)| g.road_graph().num_nodes() == 0) {
            return Err(ImportError::NoRoads { path: name.into() });
        }
        let profiles = built
            .iter()
            .map(|(g, t)| ProfileSummary {
                profile: g.profile(),
                components: g.report.clone(),
                shortcuts: g.hierarchy().num_shortcuts(),
                build_time: *t,
            })
            .collect();
        let report = PrepareReport {
            ways: data.ways.len(),
            missing_refs: data.missing_refs,
            read_time: Duration::ZERO,
            profiles,
        };
        Ok((
            PreparedGraphs {
                graphs: built.into_iter().map(|x| x.0).collect(),
            },
            report,
        ))
    }

    /// Builds from already prepared profile graphs (one per profile).
    pub fn from_graphs(mut graphs: Vec<ProfileGraph>) -> PreparedGraphs {
        graphs.sort_by_key(|g| g.profile());
        PreparedGraphs { graphs }
    }

    /// Loads a file written by [`PreparedGraphs::save`].
    pub fn load(path: &Path) -> Result<PreparedGraphs, StoreError> {
        let stored = store::load(path)?;
        let graphs = stored
            .into_iter()
            .map(|s| ProfileGraph::from_parts(s.profile, s.graph, s.ch, s.report))
            .collect();
        Ok(PreparedGraphs::from_graphs(graphs))
    }

    /// Writes every profile to one file.
    pub fn save(&self, path: &Path) -> Result<(), StoreError> {
        let stored: Vec<StoredProfile> = self
            .graphs
            .iter()
            .map(|g| StoredProfile {
                profile: g.profile(),
                graph: g.road_graph().clone(),
                ch: g.hierarchy().clone(),
                report: g.report.clone(),
            })
            .collect();
        store::save(path, &stored)
    }

    /// The graph of one profile, `None` if the file lacks it.
    pub fn graph(&self, profile: Profile) -> Option<&ProfileGraph> {
        self.graphs.iter().find(|g| g.profile() == profile)
    }

    /// All profile graphs.
    pub fn graphs(&self) -> &[ProfileGraph] {
        &self.graphs
    }
}
