//! Reloads (multi-trip): add a return to a reload location where a route
//! carries too much, move a reload to another of the vehicle's reload
//! locations, or drop a reload that no longer pays for itself.

use crate::search::data::{Data, NodeKind, NONE};
use crate::search::ops::{apply, delta, range, MoveScratch, NewRoute, Piece};
use crate::search::state::State;

/// Best improving reload insertion or removal on route `r`; applied if found.
pub(crate) fn apply_best<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    sc: &mut MoveScratch,
    r: u32,
) -> bool {
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
        if data.nodes[route.nodes[k] as usize].kind == NodeKind::Reload {
            let mv = [NewRoute::new(r, &[range(r, 0, k), range(r, k + 1, n)])];
            let d = delta(data, st, &mv, sc);
            if d < best {
                best = d;
                best_move = Some(mv);
            }
        }
    }
    // One free slot per reload location: every location is a candidate for
    // each reload (the best one depends on the neighbours of the slot).
    let mut free: Vec<u32> = Vec::new();
    for &s in slots {
        if !st.on_route(s)
            && !free
                .iter()
                .any(|&f| data.nodes[f as usize].loc == data.nodes[s as usize].loc)
        {
            free.push(s);
        }
    }
    // Moving a reload to another location, in place.
    for k in route.locked + 1..n - 1 {
        let x = route.nodes[k];
        if data.nodes[x as usize].kind != NodeKind::Reload {
            continue;
        }
        for &f in &free {
            if data.nodes[f as usize].loc == data.nodes[x as usize].loc {
                continue;
            }
            let mv = [NewRoute::new(
                r,
                &[range(r, 0, k), Piece::Node(f), range(r, k + 1, n)],
            )];
            let d = delta(data, st, &mv, sc);
            if d < best {
                best = d;
                best_move = Some(mv);
            }
        }
    }
    // Insertion of a free slot where the load is too high, or where a trip
    // carries limited (chilled) goods too long.
    let cap = &data.vehicles[route.vehicle as usize].cap;
    let used = route
        .nodes
        .iter()
        .filter(|&&x| data.nodes[x as usize].kind == NodeKind::Reload)
        .count();
    if (route.total().load_excess(cap) > 0 || route.total().carry.excess() > 0)
        && used < data.vehicles[route.vehicle as usize].max_reloads
    {
        for &f in &free {
            for p in route.locked..n - 1 {
                if route.open[p] != 0 {
                    continue;
                }
                let mv = [NewRoute::new(
                    r,
                    &[range(r, 0, p + 1), Piece::Node(f), range(r, p + 1, n)],
                )];
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
            if st.pos[x as usize].0 == r
                && st.routes[r as usize]
                    .nodes
                    .get(st.pos[x as usize].1 as usize)
                    != Some(&x)
            {
                st.pos[x as usize] = (NONE, 0);
            }
        }
        true
    } else {
        false
    }
}
