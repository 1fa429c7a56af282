//! What the query modules ([`crate::matrix`], [`crate::path`],
//! [`crate::point_index`]) read from a prepared profile: the road graph, its
//! contraction hierarchy, the scratch pool and the graph's fingerprint.
//!
//! [`crate::ProfileGraph`] owns one [`QueryGraph`] (plus the snapping index
//! and the component report) and hands it to the query modules, so they
//! depend on this module and never on `prepared.rs`: the arrows run
//! `prepared → {matrix, path, point_index} → query`.

use crate::ch::{ContractionHierarchy, ScratchPool};
use crate::graph::RoadGraph;
use crate::ids::Cost;
use crate::profile::Profile;
use crate::snap::SnappedPoint;

/// One profile's graph and hierarchy, ready for searches.
#[derive(Debug)]
pub(crate) struct QueryGraph {
    profile: Profile,
    graph: RoadGraph,
    ch: ContractionHierarchy,
    fingerprint: u64,
    pool: ScratchPool,
}

impl QueryGraph {
    pub(crate) fn new(profile: Profile, graph: RoadGraph, ch: ContractionHierarchy) -> QueryGraph {
        let fingerprint = fingerprint(profile, &graph);
        QueryGraph {
            profile,
            graph,
            ch,
            fingerprint,
            pool: ScratchPool::default(),
        }
    }

    /// The profile this graph is for.
    pub(crate) fn profile(&self) -> Profile {
        self.profile
    }

    /// The underlying road graph.
    pub(crate) fn road_graph(&self) -> &RoadGraph {
        &self.graph
    }

    /// The prepared hierarchy.
    pub(crate) fn hierarchy(&self) -> &ContractionHierarchy {
        &self.ch
    }

    /// Per-thread search buffers, reused across queries.
    pub(crate) fn pool(&self) -> &ScratchPool {
        &self.pool
    }

    /// Identifies the graph (profile, nodes, coordinates, edges), so a point
    /// or an index made on one graph is refused by another.
    pub(crate) fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The CH nodes a point can leave by, with the cost to reach each.
    pub(crate) fn ch_out_seeds(&self, p: &SnappedPoint) -> Vec<(u32, Cost)> {
        let ch = &self.ch;
        p.out_seeds(&self.graph)
            .into_iter()
            .map(|(v, c)| (ch.ch_of[v.ix()], c))
            .collect()
    }

    /// The CH nodes a point can be reached from, with the cost from each to it.
    pub(crate) fn ch_in_seeds(&self, p: &SnappedPoint) -> Vec<(u32, Cost)> {
        let ch = &self.ch;
        p.in_seeds(&self.graph)
            .into_iter()
            .map(|(v, c)| (ch.ch_of[v.ix()], c))
            .collect()
    }

    /// Panics if `p` was snapped on another graph.
    pub(crate) fn check_point(&self, p: &SnappedPoint) {
        assert_eq!(
            p.graph_fingerprint, self.fingerprint,
            "a point snapped on another graph was passed to the {} graph",
            self.profile
        );
    }
}

fn fingerprint(profile: Profile, g: &RoadGraph) -> u64 {
    let mut h = crc32fast::Hasher::new();
    for x in g.lat_e7.iter().chain(&g.lon_e7) {
        h.update(&x.to_le_bytes());
    }
    for x in &g.head {
        h.update(&x.to_le_bytes());
    }
    ((profile.tag() as u64) << 56) ^ ((g.num_nodes() as u64) << 32) ^ h.finalize() as u64
}
