//! Intra-route 2-opt: reverse the stops between `u` and `v` so that `u` is
//! followed by `v`.

use crate::search::data::{Data, NodeKind, NONE};
use crate::search::ops::{apply, delta, range, rev, MoveScratch, NewRoute};
use crate::search::state::State;

pub(crate) fn apply_best<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    sc: &mut MoveScratch,
    u: u32,
    v: u32,
) -> bool {
    let (ru, i) = st.pos[u as usize];
    let (rv, j) = st.pos[v as usize];
    if ru == NONE || ru != rv {
        return false;
    }
    let (a, b) = if i < j {
        (i as usize, j as usize)
    } else {
        (j as usize, i as usize)
    };
    let route = &st.routes[ru as usize];
    if b <= a + 1 || a < route.locked {
        return false;
    }
    // A shipment with both tasks inside the reversed part would be delivered first.
    let inside = &route.nodes[a + 1..=b];
    if inside.iter().any(|&x| {
        let node = &data.nodes[x as usize];
        node.kind == NodeKind::Pickup && {
            let (r, k) = st.pos[node.partner as usize];
            r == ru && (k as usize) <= b
        }
    }) {
        return false;
    }
    let n = route.nodes.len();
    let mv = [NewRoute::new(
        ru,
        &[
            range(ru, 0, a + 1),
            rev(ru, a + 1, b + 1),
            range(ru, b + 1, n),
        ],
    )];
    if delta(data, st, &mv, sc) < i64::MAX {
        apply(data, st, &mv, sc);
        true
    } else {
        false
    }
}
