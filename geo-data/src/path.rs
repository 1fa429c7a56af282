//! Path geometry between two snapped points, for route sheets and maps.

use crate::ids::{Cost, EdgeIdx};
use crate::query::QueryGraph;
use crate::snap::{Shortcut, SnappedPoint};

/// A fastest path between two snapped points.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Exact cost, equal to the matrix entry for the same pair (access walks included).
    pub cost: Cost,
    /// Whole graph edges travelled, in order (partial edges at both ends excluded).
    pub edges: Vec<EdgeIdx>,
    /// The polyline as `(lat, lon)`, from the source door to the target door
    /// (through both points on the road, unless the doors are joined directly).
    pub coords: Vec<(f64, f64)>,
}

pub(crate) fn route(q: &QueryGraph, from: &SnappedPoint, to: &SnappedPoint) -> Option<Route> {
    q.check_point(from);
    q.check_point(to);
    let g = q.road_graph();
    let ch = q.hierarchy();
    let (door_from, door_to) = (from.door(), to.door());
    let start = (from.lat(), from.lon());
    let end = (to.lat(), to.lon());
    if from == to {
        return Some(Route {
            cost: Cost::ZERO,
            edges: Vec::new(),
            coords: vec![door_from],
        });
    }
    let shortcut = from.shortcut(to, g);
    let to_ch = |seeds: Vec<(crate::NodeIdx, Cost)>| -> Vec<(u32, Cost)> {
        seeds
            .into_iter()
            .map(|(v, c)| (ch.ch_of[v.ix()], c))
            .collect()
    };
    let found = ch.path(&to_ch(from.out_seeds(g)), &to_ch(to.in_seeds(g)), q.pool());
    // The polyline runs door to door: the access walks are part of the way.
    let (cost, edges, mut coords) = match (found, shortcut) {
        (Some((cost, first, edges)), s) if s.is_none_or(|s| cost < s.0) => {
            let mut coords = vec![door_from, start, g.coord(crate::NodeIdx(first))];
            coords.extend(edges.iter().map(|&e| g.coord(g.head(e))));
            coords.extend([end, door_to]);
            (cost, edges, coords)
        }
        (_, Some((cost, Shortcut::AlongRoad))) => {
            (cost, Vec::new(), vec![door_from, start, end, door_to])
        }
        (_, Some((cost, Shortcut::DirectWalk))) => (cost, Vec::new(), vec![door_from, door_to]),
        _ => return None,
    };
    coords.dedup();
    Some(Route {
        cost,
        edges,
        coords,
    })
}
