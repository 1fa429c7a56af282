//! Swap: exchange a chain of 1–2 stops starting at `u` with a chain of 1–2
//! stops starting at `v` (swaps 1-1, 2-1, 1-2, 2-2).

use crate::search::data::Data;
use crate::search::ops::relocate::{chain, movable};
use crate::search::ops::{apply, delta, range, MoveScratch, NewRoute};
use crate::search::state::State;

pub(crate) fn apply_best<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    sc: &mut MoveScratch,
    u: u32,
    v: u32,
    max_chain: usize,
) -> bool {
    if !movable(data, st, u) || !movable(data, st, v) {
        return false;
    }
    let (ru, i) = st.pos[u as usize];
    let (rv, j) = st.pos[v as usize];
    let (i, j) = (i as usize, j as usize);
    let ku_max = chain(data, st, ru, i, max_chain);
    let kv_max = chain(data, st, rv, j, max_chain);
    let (vu, vv) = (
        st.routes[ru as usize].vehicle,
        st.routes[rv as usize].vehicle,
    );
    let allowed = |r: u32, from: usize, k: usize, veh: u32| {
        let nodes = &st.routes[r as usize].nodes;
        (from..from + k).all(|x| data.can_serve(data.nodes[nodes[x] as usize].job, veh))
    };
    let mut best = i64::MAX;
    let mut best_move: Option<([NewRoute; 2], usize)> = None;
    for ku in 1..=ku_max {
        for kv in 1..=kv_max {
            let mv = if ru != rv {
                if !allowed(ru, i, ku, vv) || !allowed(rv, j, kv, vu) {
                    continue;
                }
                let nu = st.routes[ru as usize].nodes.len();
                let nv = st.routes[rv as usize].nodes.len();
                (
                    [
                        NewRoute::new(
                            ru,
                            &[range(ru, 0, i), range(rv, j, j + kv), range(ru, i + ku, nu)],
                        ),
                        NewRoute::new(
                            rv,
                            &[range(rv, 0, j), range(ru, i, i + ku), range(rv, j + kv, nv)],
                        ),
                    ],
                    2,
                )
            } else {
                let n = st.routes[ru as usize].nodes.len();
                let (a, ka, b, kb) = if i < j {
                    (i, ku, j, kv)
                } else {
                    (j, kv, i, ku)
                };
                if a + ka > b {
                    continue;
                }
                (
                    [
                        NewRoute::new(
                            ru,
                            &[
                                range(ru, 0, a),
                                range(ru, b, b + kb),
                                range(ru, a + ka, b),
                                range(ru, a, a + ka),
                                range(ru, b + kb, n),
                            ],
                        ),
                        NewRoute::new(ru, &[]),
                    ],
                    1,
                )
            };
            let d = delta(data, st, &mv.0[..mv.1], sc);
            if d < best {
                best = d;
                best_move = Some(mv);
            }
        }
    }
    if let Some((mv, n)) = best_move {
        apply(data, st, &mv[..n], sc);
        true
    } else {
        false
    }
}
