//! The frozen road graph of one profile: compressed sparse rows (CSR) over dense
//! node indices, built once by [`GraphBuilder`] and never mutated afterwards.
//!
//! Only the largest strongly connected component is kept: a stop snapped onto a
//! dead-end fragment (a clipped way at the extract border, a one-way stub) would
//! otherwise make whole rows of the matrix unreachable. What is dropped is
//! reported in [`ComponentReport`].

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::ids::{Cost, EdgeIdx, NodeIdx};

/// Sentinel for "no such edge" in `u32` edge arrays.
pub(crate) const NO_EDGE: u32 = u32::MAX;

/// Coordinates are stored as OSM does, in units of 1e-7 degree: exact and compact.
pub(crate) const COORD_SCALE: f64 = 1e7;

/// A road graph for one profile.
///
/// Edges leaving node `v` are `first_out[v]..first_out[v + 1]`. Every edge
/// remembers the OSM way it came from and its reverse twin (the edge over the
/// same segment in the other direction, if that direction is allowed), which
/// snapping uses to place a point on a two-way street.
#[derive(Clone, Debug, Default)]
pub struct RoadGraph {
    pub(crate) lat_e7: Vec<i32>,
    pub(crate) lon_e7: Vec<i32>,
    pub(crate) osm_node: Vec<i64>,
    pub(crate) first_out: Vec<u32>,
    pub(crate) tail: Vec<u32>,
    pub(crate) head: Vec<u32>,
    pub(crate) cost: Vec<Cost>,
    pub(crate) way: Vec<i64>,
    pub(crate) twin: Vec<u32>,
}

impl RoadGraph {
    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.lat_e7.len()
    }

    /// Number of directed edges.
    pub fn num_edges(&self) -> usize {
        self.head.len()
    }

    /// `(lat, lon)` of a node in degrees.
    pub fn coord(&self, n: NodeIdx) -> (f64, f64) {
        (
            self.lat_e7[n.ix()] as f64 / COORD_SCALE,
            self.lon_e7[n.ix()] as f64 / COORD_SCALE,
        )
    }

    /// The OSM id of a node (negative ids come from synthetic or in-memory graphs).
    pub fn osm_node_id(&self, n: NodeIdx) -> i64 {
        self.osm_node[n.ix()]
    }

    /// Edges leaving `n`.
    pub fn out_edges(&self, n: NodeIdx) -> impl Iterator<Item = EdgeIdx> + '_ {
        (self.first_out[n.ix()]..self.first_out[n.ix() + 1]).map(EdgeIdx)
    }

    /// Start node of an edge.
    pub fn tail(&self, e: EdgeIdx) -> NodeIdx {
        NodeIdx(self.tail[e.ix()])
    }

    /// End node of an edge.
    pub fn head(&self, e: EdgeIdx) -> NodeIdx {
        NodeIdx(self.head[e.ix()])
    }

    /// Travel cost of a whole edge.
    pub fn cost(&self, e: EdgeIdx) -> Cost {
        self.cost[e.ix()]
    }

    /// The OSM way an edge was cut from.
    pub fn osm_way_id(&self, e: EdgeIdx) -> i64 {
        self.way[e.ix()]
    }

    /// The edge over the same segment in the opposite direction, if allowed.
    pub fn twin(&self, e: EdgeIdx) -> Option<EdgeIdx> {
        let t = self.twin[e.ix()];
        (t != NO_EDGE).then_some(EdgeIdx(t))
    }

    /// Finds a node by OSM id (linear scan: for tests and debugging only).
    pub fn find_osm_node(&self, osm_id: i64) -> Option<NodeIdx> {
        self.osm_node
            .iter()
            .position(|&x| x == osm_id)
            .map(|i| NodeIdx(i as u32))
    }
}

/// What keeping the largest strongly connected component threw away.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ComponentReport {
    /// Nodes kept (the largest component).
    pub kept_nodes: u32,
    /// Directed edges kept.
    pub kept_edges: u32,
    /// Number of other components dropped.
    pub dropped_components: u32,
    /// Nodes in the dropped components.
    pub dropped_nodes: u32,
    /// Directed edges touching a dropped node.
    pub dropped_edges: u32,
    /// Size of the largest dropped component (0 when none was dropped).
    pub largest_dropped: u32,
}

#[derive(Clone, Debug)]
struct Segment {
    a: u32,
    b: u32,
    forward: Option<Cost>,
    backward: Option<Cost>,
    way: i64,
}

/// Collects nodes and road segments, then freezes them into a [`RoadGraph`].
///
/// Used by the OSM import, by the synthetic city generator and by tests that draw
/// small networks by hand. A segment is one straight piece of road between two
/// nodes, travelled in one or both directions with its own cost each way.
#[derive(Clone, Debug, Default)]
pub struct GraphBuilder {
    index: HashMap<i64, u32>,
    lat_e7: Vec<i32>,
    lon_e7: Vec<i32>,
    osm_node: Vec<i64>,
    segments: Vec<Segment>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> GraphBuilder {
        GraphBuilder::default()
    }

    /// Adds a node (or returns the existing one with this external id).
    pub fn add_node(&mut self, external_id: i64, lat: f64, lon: f64) -> NodeIdx {
        let (lat_e7, lon_e7) = (
            (lat * COORD_SCALE).round() as i32,
            (lon * COORD_SCALE).round() as i32,
        );
        self.add_node_e7(external_id, lat_e7, lon_e7)
    }

    pub(crate) fn add_node_e7(&mut self, external_id: i64, lat_e7: i32, lon_e7: i32) -> NodeIdx {
        let next = self.lat_e7.len() as u32;
        let idx = *self.index.entry(external_id).or_insert(next);
        if idx == next {
            self.lat_e7.push(lat_e7);
            self.lon_e7.push(lon_e7);
            self.osm_node.push(external_id);
        }
        NodeIdx(idx)
    }

    /// The node with this external id, if added.
    pub fn node(&self, external_id: i64) -> Option<NodeIdx> {
        self.index.get(&external_id).map(|&i| NodeIdx(i))
    }

    /// Number of nodes added so far.
    pub fn num_nodes(&self) -> usize {
        self.lat_e7.len()
    }

    /// Adds a segment from `a` to `b`; `forward` is the cost a→b (if allowed),
    /// `backward` the cost b→a (if allowed). Self-loops are ignored: they never
    /// shorten a path and would only confuse snapping.
    pub fn add_segment(
        &mut self,
        a: NodeIdx,
        b: NodeIdx,
        forward: Option<Cost>,
        backward: Option<Cost>,
        way: i64,
    ) {
        if a == b || (forward.is_none() && backward.is_none()) {
            return;
        }
        self.segments.push(Segment {
            a: a.0,
            b: b.0,
            forward,
            backward,
            way,
        });
    }

    /// Great-circle length of the straight segment between two added nodes, in metres.
    pub fn segment_length_m(&self, a: NodeIdx, b: NodeIdx) -> f64 {
        crate::distance::haversine_m(
            (
                self.lat_e7[a.ix()] as f64 / COORD_SCALE,
                self.lon_e7[a.ix()] as f64 / COORD_SCALE,
            ),
            (
                self.lat_e7[b.ix()] as f64 / COORD_SCALE,
                self.lon_e7[b.ix()] as f64 / COORD_SCALE,
            ),
        )
    }

    /// Freezes the graph, keeping only the largest strongly connected component.
    pub fn build(self) -> (RoadGraph, ComponentReport) {
        let n = self.lat_e7.len();
        let keep = largest_scc(n, &self.segments);
        let kept_count = keep.iter().filter(|&&k| k).count();

        // Component statistics for the report.
        let mut report = component_stats(n, &self.segments, &keep);

        // Renumber kept nodes densely, in insertion order (deterministic).
        let mut new_id = vec![u32::MAX; n];
        let mut g = RoadGraph::default();
        for v in 0..n {
            if keep[v] {
                new_id[v] = g.lat_e7.len() as u32;
                g.lat_e7.push(self.lat_e7[v]);
                g.lon_e7.push(self.lon_e7[v]);
                g.osm_node.push(self.osm_node[v]);
            }
        }
        debug_assert_eq!(g.lat_e7.len(), kept_count);

        // Directed edges with a link back to their segment, sorted by tail (counting sort).
        struct Dir {
            tail: u32,
            head: u32,
            cost: Cost,
            way: i64,
            seg: u32,
        }
        let mut dirs = Vec::new();
        for (s, seg) in self.segments.iter().enumerate() {
            let (a, b) = (new_id[seg.a as usize], new_id[seg.b as usize]);
            if a == u32::MAX || b == u32::MAX {
                continue;
            }
            if let Some(c) = seg.forward {
                dirs.push(Dir {
                    tail: a,
                    head: b,
                    cost: c,
                    way: seg.way,
                    seg: s as u32,
                });
            }
            if let Some(c) = seg.backward {
                dirs.push(Dir {
                    tail: b,
                    head: a,
                    cost: c,
                    way: seg.way,
                    seg: s as u32,
                });
            }
        }
        let nn = g.lat_e7.len();
        let mut first_out = vec![0u32; nn + 1];
        for d in &dirs {
            first_out[d.tail as usize + 1] += 1;
        }
        for v in 0..nn {
            first_out[v + 1] += first_out[v];
        }
        let m = dirs.len();
        let mut pos = first_out.clone();
        let mut order = vec![0u32; m];
        for (i, d) in dirs.iter().enumerate() {
            order[pos[d.tail as usize] as usize] = i as u32;
            pos[d.tail as usize] += 1;
        }
        let mut seg_edges: Vec<[u32; 2]> = vec![[NO_EDGE, NO_EDGE]; self.segments.len()];
        g.tail.reserve(m);
        for (e, &i) in order.iter().enumerate() {
            let d = &dirs[i as usize];
            g.tail.push(d.tail);
            g.head.push(d.head);
            g.cost.push(d.cost);
            g.way.push(d.way);
            let slot = &mut seg_edges[d.seg as usize];
            if slot[0] == NO_EDGE {
                slot[0] = e as u32;
            } else {
                slot[1] = e as u32;
            }
        }
        g.twin = vec![NO_EDGE; m];
        for [x, y] in seg_edges {
            if x != NO_EDGE && y != NO_EDGE {
                g.twin[x as usize] = y;
                g.twin[y as usize] = x;
            }
        }
        g.first_out = first_out;
        report.kept_nodes = nn as u32;
        report.kept_edges = m as u32;
        (g, report)
    }
}

/// Marks the nodes of the largest strongly connected component (ties: the one
/// holding the lowest node index, so the result does not depend on hashing).
fn largest_scc(n: usize, segments: &[Segment]) -> Vec<bool> {
    let mut pg: DiGraph<(), (), u32> = DiGraph::with_capacity(n, segments.len() * 2);
    for _ in 0..n {
        pg.add_node(());
    }
    for s in segments {
        if s.forward.is_some() {
            pg.add_edge(
                NodeIndex::new(s.a as usize),
                NodeIndex::new(s.b as usize),
                (),
            );
        }
        if s.backward.is_some() {
            pg.add_edge(
                NodeIndex::new(s.b as usize),
                NodeIndex::new(s.a as usize),
                (),
            );
        }
    }
    // Kosaraju is iterative in petgraph, so deep chains cannot overflow the stack.
    let sccs = petgraph::algo::kosaraju_scc(&pg);
    let best = sccs.iter().max_by_key(|c| {
        (
            c.len(),
            std::cmp::Reverse(c.iter().map(|x| x.index()).min().unwrap_or(0)),
        )
    });
    let mut keep = vec![false; n];
    if let Some(c) = best {
        if c.len() > 1 {
            for v in c {
                keep[v.index()] = true;
            }
        }
    }
    keep
}

fn component_stats(n: usize, segments: &[Segment], keep: &[bool]) -> ComponentReport {
    // Dropped components are counted as weakly connected pieces of the dropped
    // nodes: a dangling one-way stub is one thing to a reader, not one per node.
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let mut dropped_edges = 0u32;
    for s in segments {
        let dirs = s.forward.is_some() as u32 + s.backward.is_some() as u32;
        if !keep[s.a as usize] || !keep[s.b as usize] {
            dropped_edges += dirs;
        }
        if !keep[s.a as usize] && !keep[s.b as usize] {
            let (x, y) = (find(&mut parent, s.a), find(&mut parent, s.b));
            if x != y {
                parent[x as usize] = y;
            }
        }
    }
    let mut size: HashMap<u32, u32> = HashMap::new();
    for v in 0..n as u32 {
        if !keep[v as usize] {
            let r = find(&mut parent, v);
            *size.entry(r).or_default() += 1;
        }
    }
    ComponentReport {
        kept_nodes: 0,
        kept_edges: 0,
        dropped_components: size.len() as u32,
        dropped_nodes: size.values().sum(),
        dropped_edges,
        largest_dropped: size.values().copied().max().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_largest_component_and_pairs_twins() {
        let mut b = GraphBuilder::new();
        let n: Vec<NodeIdx> = (0..6)
            .map(|i| b.add_node(i, 30.0 + i as f64 * 1e-3, 104.0))
            .collect();
        let c = Some(Cost::new(1000, 100));
        b.add_segment(n[0], n[1], c, c, 1);
        b.add_segment(n[1], n[2], c, c, 1);
        b.add_segment(n[2], n[0], c, None, 2);
        // A one-way stub leaving the big component: not strongly connected.
        b.add_segment(n[2], n[3], c, None, 3);
        // An island.
        b.add_segment(n[4], n[5], c, c, 4);
        let (g, r) = b.build();
        assert_eq!(g.num_nodes(), 3);
        assert_eq!(g.num_edges(), 5);
        assert_eq!(r.dropped_nodes, 3);
        assert_eq!(r.dropped_components, 2);
        assert_eq!(r.dropped_edges, 3);
        for e in 0..g.num_edges() as u32 {
            let e = EdgeIdx(e);
            if let Some(t) = g.twin(e) {
                assert_eq!(g.tail(t), g.head(e));
                assert_eq!(g.twin(t), Some(e));
            } else {
                assert_eq!(g.osm_way_id(e), 2);
            }
        }
    }
}
