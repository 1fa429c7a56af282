//! Reloads (multi-trip): add a return to a reload location where a route
//! carries too much, or drop a reload that no longer pays for itself.

use crate::search::data::{Data, NONE};
use crate::search::ops::{apply, delta, range, MoveScratch, NewRoute, Piece};
use crate::search::state::State;

/// Best improving reload insertion or removal on route `r`; applied if found.
pub(crate) fn apply_best<const D: usize>(data: &Data<'_, D>, st: &mut State<D>, sc: &mut MoveScratch, r: u32) -> bool {
    let route = &st.routes[r as usize];
    let slots = &data.vehicles[route.vehicle as usize].reloads;
    if slots.is_empty() || route.is_empty() {
        return false;
    }
    let n = route.nodes.len();
    let mut best = i64::MAX;
    let mut best_move = None;
    // Removal of a reload.
    for k in route.locked + 1..n - 1 {
        if data.nodes[route.nodes[k] as usize].kind == crate::search::data::NodeKind::Reload {
            let mv = [NewRoute::new(r, &[range(r, 0, k), range(r, k + 1, n)])];
            let d = delta(data, st, &mv, sc);
            if d < best {
                best = d;
                best_move = Some(mv);
            }
        }
    }
    // Insertion of a free slot where the load is too high.
    let cap = &data.vehicles[route.vehicle as usize].cap;
    if route.total().load_excess(cap) > 0 {
        if let Some(&free) = slots.iter().find(|&&s| st.pos[s as usize].0 == NONE) {
            for p in route.locked..n - 1 {
                if route.open[p] != 0 {
                    continue;
                }
                let mv = [NewRoute::new(r, &[range(r, 0, p + 1), Piece::Node(free), range(r, p + 1, n)])];
                let d = delta(data, st, &mv, sc);
                if d < best {
                    best = d;
                    best_move = Some(mv);
                }
            }
        }
    }
    if let Some(mv) = best_move {
        let removed: Vec<u32> = st.routes[r as usize].nodes.clone();
        apply(data, st, &mv, sc);
        for x in removed {
            if st.pos[x as usize].0 == r && st.routes[r as usize].nodes.get(st.pos[x as usize].1 as usize) != Some(&x) {
                st.pos[x as usize] = (NONE, 0);
            }
        }
        true
    } else {
        false
    }
}
