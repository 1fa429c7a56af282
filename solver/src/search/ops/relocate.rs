//! Relocate: move a chain of 1 to 3 consecutive stops starting at `u` right
//! after or right before `v`, in order or reversed; or into an empty route.

use crate::search::data::{Data, NodeKind, NONE};
use crate::search::ops::{apply, delta, range, rev, MoveScratch, NewRoute, Piece};
use crate::search::state::State;

/// Whether node `x` may be moved on its own (a single-task job stop, not locked).
#[inline]
pub(crate) fn movable<const D: usize>(data: &Data<'_, D>, st: &State<D>, x: u32) -> bool {
    let (r, i) = st.pos[x as usize];
    r != NONE
        && data.nodes[x as usize].kind == NodeKind::Single
        && i as usize > st.routes[r as usize].locked
}

/// Length of the movable chain starting at index `i` of route `r`, up to `max`.
#[inline]
pub(crate) fn chain<const D: usize>(
    data: &Data<'_, D>,
    st: &State<D>,
    r: u32,
    i: usize,
    max: usize,
) -> usize {
    let nodes = &st.routes[r as usize].nodes;
    let mut k = 0;
    while k < max
        && i + k < nodes.len() - 1
        && data.nodes[nodes[i + k] as usize].kind == NodeKind::Single
    {
        k += 1;
    }
    k
}

/// Best improving relocation of a chain at `u` next to `v`; applied if found.
pub(crate) fn apply_best<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    sc: &mut MoveScratch,
    u: u32,
    v: u32,
    max_chain: usize,
) -> bool {
    if !movable(data, st, u) {
        return false;
    }
    let (ru, i) = st.pos[u as usize];
    let (rv, j) = st.pos[v as usize];
    if rv == NONE {
        return false;
    }
    let (i, j) = (i as usize, j as usize);
    let k_max = chain(data, st, ru, i, max_chain);
    let vehicle_v = st.routes[rv as usize].vehicle;
    let mut best = i64::MAX;
    let mut best_move: Option<([NewRoute; 2], usize)> = None;
    for k in 1..=k_max {
        // Every job of the chain must be allowed on the target vehicle.
        if ru != rv {
            let nodes = &st.routes[ru as usize].nodes;
            if !(i..i + k).all(|x| data.can_serve(data.nodes[nodes[x] as usize].job, vehicle_v)) {
                break;
            }
        }
        for reversed in [false, true] {
            if reversed && k == 1 {
                continue;
            }
            let ch = if reversed {
                rev(ru, i, i + k)
            } else {
                range(ru, i, i + k)
            };
            // Insert after v; before v only when v is first (after the start depot).
            for after in [j, if j == 1 { 0 } else { usize::MAX }] {
                if after == usize::MAX || after < st.routes[rv as usize].locked {
                    continue;
                }
                let mv = if ru != rv {
                    let nu = st.routes[ru as usize].nodes.len();
                    let nv = st.routes[rv as usize].nodes.len();
                    (
                        [
                            NewRoute::new(ru, &[range(ru, 0, i), range(ru, i + k, nu)]),
                            NewRoute::new(
                                rv,
                                &[range(rv, 0, after + 1), ch, range(rv, after + 1, nv)],
                            ),
                        ],
                        2,
                    )
                } else {
                    let n = st.routes[ru as usize].nodes.len();
                    if after + 1 >= i && after < i + k {
                        continue;
                    }
                    let pieces: [Piece; 4] = if after < i {
                        [
                            range(ru, 0, after + 1),
                            ch,
                            range(ru, after + 1, i),
                            range(ru, i + k, n),
                        ]
                    } else {
                        [
                            range(ru, 0, i),
                            range(ru, i + k, after + 1),
                            ch,
                            range(ru, after + 1, n),
                        ]
                    };
                    ([NewRoute::new(ru, &pieces), NewRoute::new(ru, &[])], 1)
                };
                let d = delta(data, st, &mv.0[..mv.1], sc);
                if d < best {
                    best = d;
                    best_move = Some(mv);
                }
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

/// Moves `u` alone into an empty route of each vehicle class, if that improves.
pub(crate) fn to_empty<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    sc: &mut MoveScratch,
    u: u32,
    seen: &mut Vec<u32>,
) -> bool {
    if !movable(data, st, u) {
        return false;
    }
    let (ru, i) = st.pos[u as usize];
    let i = i as usize;
    if st.routes[ru as usize].stops() == 1 {
        return false;
    }
    seen.clear();
    let job = data.nodes[u as usize].job;
    let mut best = i64::MAX;
    let mut best_move = None;
    for (r, route) in st.routes.iter().enumerate() {
        if !route.is_empty() || !data.can_serve(job, route.vehicle) {
            continue;
        }
        let c = data.vehicles[route.vehicle as usize].class;
        if seen.contains(&c) {
            continue;
        }
        seen.push(c);
        let nu = st.routes[ru as usize].nodes.len();
        let mv = [
            NewRoute::new(ru, &[range(ru, 0, i), range(ru, i + 1, nu)]),
            NewRoute::new(
                r as u32,
                &[range(r as u32, 0, 1), Piece::Node(u), range(r as u32, 1, 2)],
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
