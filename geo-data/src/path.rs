//! Path geometry between two snapped points, for route sheets and maps.

use crate::ids::{Cost, EdgeIdx};
use crate::prepared::ProfileGraph;
use crate::snap::SnappedPoint;

/// A fastest path between two snapped points.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Exact cost, equal to the matrix entry for the same pair.
    pub cost: Cost,
    /// Whole graph edges travelled, in order (partial edges at both ends excluded).
    pub edges: Vec<EdgeIdx>,
    /// The polyline as `(lat, lon)`, from the source point to the target point.
    pub coords: Vec<(f64, f64)>,
}

pub(crate) fn route(pg: &ProfileGraph, from: &SnappedPoint, to: &SnappedPoint) -> Option<Route> {
    pg.check_point(from);
    pg.check_point(to);
    let g = pg.road_graph();
    let ch = pg.hierarchy();
    let start = (from.lat(), from.lon());
    let end = (to.lat(), to.lon());
    if from == to {
        return Some(Route {
            cost: Cost::ZERO,
            edges: Vec::new(),
            coords: vec![start],
        });
    }
    let direct = from.along_same_edge(to, g);
    let to_ch = |seeds: Vec<(crate::NodeIdx, Cost)>| -> Vec<(u32, Cost)> {
        seeds
            .into_iter()
            .map(|(v, c)| (ch.ch_of[v.ix()], c))
            .collect()
    };
    let found = ch.path(&to_ch(from.out_seeds(g)), &to_ch(to.in_seeds(g)), pg.pool());
    match (found, direct) {
        (Some((cost, first, edges)), d) if d.is_none_or(|d| cost < d) => {
            let mut coords = vec![start, g.coord(crate::NodeIdx(first))];
            coords.extend(edges.iter().map(|&e| g.coord(g.head(e))));
            coords.push(end);
            coords.dedup();
            Some(Route {
                cost,
                edges,
                coords,
            })
        }
        (_, Some(d)) => Some(Route {
            cost: d,
            edges: Vec::new(),
            coords: vec![start, end],
        }),
        _ => None,
    }
}
