//! Many-to-many travel times and distances between snapped points.

use crate::ids::Cost;
use crate::query::QueryGraph;
use crate::snap::SnappedPoint;

/// The value of an unreachable pair in [`TravelMatrix::durations`] and
/// [`TravelMatrix::distances`]: never a silent zero.
pub const UNREACHABLE: u32 = u32::MAX;

/// Travel times and distances between every ordered pair of points.
///
/// Row `i` holds the costs *from* point `i`; entry `(i, j)` is at `i * size + j`.
/// Durations are whole seconds and distances whole metres, both rounded from the
/// exact integer costs ([`TravelMatrix::cost`]) of the fastest path (shortest
/// among equally fast ones). Unreachable pairs hold [`UNREACHABLE`].
#[derive(Clone, Debug, PartialEq)]
pub struct TravelMatrix {
    /// Number of points (rows and columns).
    pub size: usize,
    /// Seconds, row-major, `UNREACHABLE` for no path.
    pub durations: Vec<u32>,
    /// Metres, row-major, `UNREACHABLE` for no path.
    pub distances: Vec<u32>,
    costs: Vec<Cost>,
}

impl TravelMatrix {
    pub(crate) fn from_costs(size: usize, costs: Vec<Cost>) -> TravelMatrix {
        let (durations, distances) = seconds_and_metres(&costs);
        TravelMatrix {
            size,
            durations,
            distances,
            costs,
        }
    }

    /// The exact cost from `i` to `j` (milliseconds and centimetres), `None` if unreachable.
    pub fn cost(&self, i: usize, j: usize) -> Option<Cost> {
        let c = self.costs[i * self.size + j];
        c.is_finite().then_some(c)
    }

    /// Seconds from `i` to `j`, `None` if unreachable.
    pub fn duration_s(&self, i: usize, j: usize) -> Option<u32> {
        self.cost(i, j).map(Cost::duration_s)
    }

    /// Metres from `i` to `j`, `None` if unreachable.
    pub fn distance_m(&self, i: usize, j: usize) -> Option<u32> {
        self.cost(i, j).map(Cost::distance_m)
    }
}

/// Whole seconds and metres from exact costs, [`UNREACHABLE`] for no path: the
/// one rounding every result type of the crate shares, so a matrix and a
/// one-to-many query never disagree by a second.
pub(crate) fn seconds_and_metres(costs: &[Cost]) -> (Vec<u32>, Vec<u32>) {
    let round = |f: fn(Cost) -> u32| {
        costs
            .iter()
            .map(|&c| if c.is_finite() { f(c) } else { UNREACHABLE })
            .collect()
    };
    (round(Cost::duration_s), round(Cost::distance_m))
}

/// Computes the matrix with the contraction hierarchy; see [`crate::ProfileGraph::matrix`].
pub(crate) fn compute(q: &QueryGraph, points: &[SnappedPoint]) -> TravelMatrix {
    let g = q.road_graph();
    let ch = q.hierarchy();
    for p in points {
        q.check_point(p);
    }
    let sources: Vec<_> = points.iter().map(|p| q.ch_out_seeds(p)).collect();
    let targets: Vec<_> = points.iter().map(|p| q.ch_in_seeds(p)).collect();
    let mut costs = ch.many_to_many(&sources, &targets, q.pool());
    let n = points.len();
    // Points at the same road position (one segment, or one node) may also
    // reach each other without a search: along the segment, or door to door
    // on foot. The diagonal is zero by definition.
    let mut by_position: Vec<(u64, usize)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (p.position_key(), i))
        .collect();
    by_position.sort_unstable();
    for group in by_position.chunk_by(|x, y| x.0 == y.0) {
        for &(_, i) in group {
            for &(_, j) in group {
                if let Some((c, _)) = points[i].shortcut(&points[j], g) {
                    let cell = &mut costs[i * n + j];
                    *cell = (*cell).min(c);
                }
            }
        }
    }
    for i in 0..n {
        costs[i * n + i] = Cost::ZERO;
    }
    TravelMatrix::from_costs(n, costs)
}
