//! Merge: two routes become one route of an unused vehicle that can serve
//! every job of both (e.g. the one vehicle holding both skills). No chain of
//! single-stop moves reaches that plan through improving steps: the first
//! stop moved pays the new vehicle's fixed cost alone, and ruin-and-recreate
//! greedily refills the cheaper, narrower vehicles.

use crate::search::data::{Data, NONE};
use crate::search::ops::{delta, range, MoveScratch, NewRoute};
use crate::search::state::State;

/// Above this many used routes the pair scan is skipped (quadratic; the
/// move matters for small fleets with distinct skills or costs).
const MAX_USED: usize = 40;

/// Whether every job of route `r` may go on vehicle `veh`; never for a route
/// with reloads (its reload slots belong to its own vehicle).
fn all_allowed<const D: usize>(data: &Data<'_, D>, st: &State<D>, r: usize, veh: u32) -> bool {
    let nodes = &st.routes[r].nodes;
    nodes[1..nodes.len() - 1].iter().all(|&x| {
        let j = data.nodes[x as usize].job;
        j != NONE && (data.all_allowed || data.can_serve(j, veh))
    })
}

/// Best improving merge of two used routes into an empty one; applied if found.
pub(crate) fn apply_best<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    sc: &mut MoveScratch,
    seen: &mut Vec<u32>,
) -> bool {
    let used: Vec<usize> = (0..st.routes.len())
        .filter(|&r| !st.routes[r].is_empty())
        .collect();
    if used.len() < 2 || used.len() > MAX_USED || used.iter().any(|&r| st.routes[r].locked > 0) {
        return false;
    }
    seen.clear();
    let mut best = i64::MAX;
    let mut best_move: Option<[NewRoute; 3]> = None;
    for (c, route) in st.routes.iter().enumerate() {
        if !route.is_empty() {
            continue;
        }
        let class = data.vehicles[route.vehicle as usize].class;
        if seen.contains(&class) {
            continue;
        }
        seen.push(class);
        let veh = route.vehicle;
        let c = c as u32;
        for (k, &a) in used.iter().enumerate() {
            if !all_allowed(data, st, a, veh) {
                continue;
            }
            for &b in &used[k + 1..] {
                if !all_allowed(data, st, b, veh) {
                    continue;
                }
                let (na, nb) = (st.routes[a].nodes.len(), st.routes[b].nodes.len());
                let (a32, b32) = (a as u32, b as u32);
                for (x, nx, y, ny) in [(a32, na, b32, nb), (b32, nb, a32, na)] {
                    let mv = [
                        NewRoute::new(
                            c,
                            &[
                                range(c, 0, 1),
                                range(x, 1, nx - 1),
                                range(y, 1, ny - 1),
                                range(c, 1, 2),
                            ],
                        ),
                        NewRoute::new(a32, &[range(a32, 0, 1), range(a32, na - 1, na)]),
                        NewRoute::new(b32, &[range(b32, 0, 1), range(b32, nb - 1, nb)]),
                    ];
                    let d = delta(data, st, &mv, sc);
                    if d < best {
                        best = d;
                        best_move = Some(mv);
                    }
                }
            }
        }
    }
    let Some(mv) = best_move else { return false };
    let mut lists: Vec<Vec<u32>> = Vec::with_capacity(3);
    for nr in &mv {
        let mut out = Vec::new();
        crate::search::ops::build_nodes(st, nr, &mut out);
        lists.push(out);
    }
    for (nr, nodes) in mv.iter().zip(lists) {
        st.routes[nr.r as usize].nodes = nodes;
    }
    for nr in &mv {
        st.update(data, nr.r);
    }
    true
}
