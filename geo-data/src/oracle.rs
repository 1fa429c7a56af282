//! Plain Dijkstra: the slow, obviously-correct reference the fast matrix is
//! tested against.
//!
//! It shares nothing with the contraction hierarchy except the graph and the
//! definition of a partial edge's cost ([`Cost`] rounding) and of the access
//! walk. Snapped points become real nodes: every edge carrying points is cut
//! into pieces at them, so points on the same edge, on one-way edges and
//! exactly on nodes need no special case; each point's door is one more node,
//! joined to its road position by its access walk both ways. The one rule a
//! graph cannot express, the straight walk between two doors at the same road
//! position, is applied to the result.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::graph::RoadGraph;
use crate::ids::{Cost, EdgeIdx};
use crate::snap::{Anchor, SnappedPoint};

/// The road graph with the points cut in.
pub struct OracleGraph {
    adj: Vec<Vec<(u32, Cost)>>,
    /// The door node of each point.
    point_node: Vec<u32>,
    points: Vec<SnappedPoint>,
}

impl OracleGraph {
    /// Cuts `points` into `g`.
    pub fn new(g: &RoadGraph, points: &[SnappedPoint]) -> OracleGraph {
        let n = g.num_nodes() as u32;
        let mut next = n;
        let mut virtual_of: HashMap<(u32, u64), u32> = HashMap::new();
        // Points on each directed edge: (fraction from the segment's `a`, node).
        // Points on each directed edge, and whether fractions grow along it.
        let mut on_edge: HashMap<EdgeIdx, (bool, Vec<(f64, u32)>)> = HashMap::new();
        let mut point_node = Vec::with_capacity(points.len());
        for p in points {
            let id = match p.anchor {
                Anchor::Node(v) => v.0,
                Anchor::Edge { ab, ba, frac, .. } => {
                    let seg = ab.or(ba).expect("an edge anchor has an edge").0;
                    let id = *virtual_of.entry((seg, frac.to_bits())).or_insert_with(|| {
                        next += 1;
                        next - 1
                    });
                    for (e, forward) in [(ab, true), (ba, false)] {
                        let Some(e) = e else { continue };
                        let (_, list) = on_edge.entry(e).or_insert((forward, Vec::new()));
                        if !list.iter().any(|&(_, x)| x == id) {
                            list.push((frac, id));
                        }
                    }
                    id
                }
            };
            point_node.push(id);
        }
        let mut adj = vec![Vec::new(); next as usize];
        for e in 0..g.num_edges() as u32 {
            let e = EdgeIdx(e);
            let (u, v, c) = (g.tail(e).0, g.head(e).0, g.cost(e));
            let Some((forward, list)) = on_edge.get_mut(&e) else {
                adj[u as usize].push((v, c));
                continue;
            };
            let forward = *forward;
            // Position along this edge, as the part of its cost already travelled.
            let pos = |f: f64| if forward { c.part(f) } else { c - c.part(f) };
            if forward {
                list.sort_by(|x, y| x.0.total_cmp(&y.0));
            } else {
                list.sort_by(|x, y| y.0.total_cmp(&x.0));
            }
            let mut prev = (u, Cost::ZERO);
            for &(f, id) in list.iter() {
                adj[prev.0 as usize].push((id, pos(f) - prev.1));
                prev = (id, pos(f));
            }
            adj[prev.0 as usize].push((v, c - prev.1));
        }
        // A door node per point, joined to the road position by the access walk.
        let mut door_node = Vec::with_capacity(points.len());
        for (p, &road) in points.iter().zip(&point_node) {
            let door = adj.len() as u32;
            let walk = crate::snap::walk_cost(p.snap_distance_m());
            adj.push(vec![(road, walk)]);
            adj[road as usize].push((door, walk));
            door_node.push(door);
        }
        OracleGraph {
            adj,
            point_node: door_node,
            points: points.to_vec(),
        }
    }

    /// Costs from point `i` to every point (`None` = unreachable).
    pub fn row(&self, i: usize) -> Vec<Option<Cost>> {
        let n = self.adj.len();
        let mut dist = vec![Cost::INFINITY; n];
        let mut heap = BinaryHeap::new();
        let s = self.point_node[i];
        dist[s as usize] = Cost::ZERO;
        heap.push(Reverse((Cost::ZERO, s)));
        while let Some(Reverse((d, u))) = heap.pop() {
            if d > dist[u as usize] {
                continue;
            }
            for &(v, c) in &self.adj[u as usize] {
                let nd = d + c;
                if nd < dist[v as usize] {
                    dist[v as usize] = nd;
                    heap.push(Reverse((nd, v)));
                }
            }
        }
        let from = &self.points[i];
        self.point_node
            .iter()
            .zip(&self.points)
            .map(|(&t, to)| {
                let mut c = dist[t as usize];
                if from.position_key() == to.position_key() {
                    let walk = crate::snap::walk_cost(crate::distance::haversine_m(
                        from.door(),
                        to.door(),
                    ));
                    c = c.min(walk);
                }
                c.is_finite().then_some(c)
            })
            .collect()
    }
}

/// Row-major matrix by plain Dijkstra from every point.
pub fn matrix(g: &RoadGraph, points: &[SnappedPoint]) -> Vec<Option<Cost>> {
    let og = OracleGraph::new(g, points);
    (0..points.len()).flat_map(|i| og.row(i)).collect()
}
