//! 2-opt*: exchange the tails of two routes, cutting right after `u` and
//! right after `v` (or right before both).

use crate::search::data::{Data, NONE};
use crate::search::ops::{apply, delta, range, MoveScratch, NewRoute, Piece};
use crate::search::state::State;

/// Whether the tail of route `r` from index `from` may move to vehicle `veh`.
fn tail_ok<const D: usize>(
    data: &Data<'_, D>,
    st: &State<D>,
    r: u32,
    from: usize,
    veh: u32,
) -> bool {
    let route = &st.routes[r as usize];
    let n = route.nodes.len();
    if from <= n - 2 && route.sufx[from].reload {
        return false;
    }
    if data.all_allowed {
        return true;
    }
    route.nodes[from..n - 1]
        .iter()
        .all(|&x| data.can_serve(data.nodes[x as usize].job, veh))
}

pub(crate) fn apply_best<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    sc: &mut MoveScratch,
    u: u32,
    v: u32,
) -> bool {
    let (ra, i) = st.pos[u as usize];
    let (rb, j) = st.pos[v as usize];
    if ra == NONE || rb == NONE || ra == rb {
        return false;
    }
    let (i, j) = (i as usize, j as usize);
    let (va, vb) = (
        st.routes[ra as usize].vehicle,
        st.routes[rb as usize].vehicle,
    );
    let mut best = i64::MAX;
    let mut best_move = None;
    for (a, b) in [(i, j), (i - 1, j - 1)] {
        let (route_a, route_b) = (&st.routes[ra as usize], &st.routes[rb as usize]);
        if a < route_a.locked || b < route_b.locked || route_a.open[a] != 0 || route_b.open[b] != 0
        {
            continue;
        }
        let (na, nb) = (route_a.nodes.len(), route_b.nodes.len());
        if !tail_ok(data, st, ra, a + 1, vb) || !tail_ok(data, st, rb, b + 1, va) {
            continue;
        }
        let (ea, eb) = (route_a.nodes[na - 1], route_b.nodes[nb - 1]);
        let mv = [
            NewRoute::new(
                ra,
                &[
                    range(ra, 0, a + 1),
                    range(rb, b + 1, nb - 1),
                    Piece::Node(ea),
                ],
            ),
            NewRoute::new(
                rb,
                &[
                    range(rb, 0, b + 1),
                    range(ra, a + 1, na - 1),
                    Piece::Node(eb),
                ],
            ),
        ];
        let d = delta(data, st, &mv, sc);
        if d < best {
            best = d;
            best_move = Some(mv);
        }
    }
    if let Some(mv) = best_move {
        apply(data, st, &mv, sc);
        true
    } else {
        false
    }
}
