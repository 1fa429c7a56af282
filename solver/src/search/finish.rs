//! The last step before export: make the plan feasible if the search could
//! not (drop stops from violating routes), put in any job that still fits,
//! and give every job left out an honest reason (solver-notes §8).

use crate::problem::JobIdx;
use crate::search::alone::alone_reason;
use crate::search::data::{Data, NodeKind, NONE};
use crate::search::insert::{apply, best_insertion, Blink, Scratch};
use crate::search::options::binding;
use crate::search::penalty::{Violations, Weights};
use crate::search::schedule::forward;
use crate::search::state::State;
use crate::search::Rng;
use crate::solution::{Constraint, Unassigned, UnassignedReason};

/// Weights under which any violation outweighs any routing cost.
const HARD: Weights = Weights {
    load: 1 << 30,
    time: 1 << 30,
};

/// Removes job `job` from its route.
fn unassign<const D: usize>(data: &Data<'_, D>, st: &mut State<D>, job: u32) {
    let [a, b] = data.job_nodes[job as usize];
    let (r, _) = st.pos[a as usize];
    if r == NONE {
        return;
    }
    st.routes[r as usize].nodes.retain(|&x| x != a && x != b);
    st.mark_unassigned(data, job);
    st.update(data, r);
}

/// Undoes a trial insertion of `job` into route `r` (and any reload it opened).
fn undo<const D: usize>(data: &Data<'_, D>, st: &mut State<D>, r: u32, saved: Vec<u32>, job: u32) {
    st.routes[r as usize].nodes = saved;
    st.mark_unassigned(data, job);
    st.update(data, r);
}

/// Drops the reloads of route `r` that the route is as good without (a trip
/// emptied by the repair, say): they cost time a shift may not have.
fn drop_idle_reloads<const D: usize>(data: &Data<'_, D>, st: &mut State<D>, r: u32) {
    let mut k = st.routes[r as usize].locked + 1;
    while k + 1 < st.routes[r as usize].nodes.len() {
        let x = st.routes[r as usize].nodes[k];
        if data.nodes[x as usize].kind != NodeKind::Reload {
            k += 1;
            continue;
        }
        let before = st.routes[r as usize].cost;
        let saved = st.clone_route(r);
        st.routes[r as usize].nodes.remove(k);
        st.update(data, r);
        if st.routes[r as usize].cost > before {
            st.routes[r as usize].nodes = saved;
            st.update(data, r);
            k += 1;
        } else {
            st.pos[x as usize] = (NONE, 0);
        }
    }
}

/// Violations of route `r`, with the time warp split into windows and shift.
fn route_violations<const D: usize>(
    data: &Data<'_, D>,
    st: &State<D>,
    r: u32,
) -> (Violations, i64, i64) {
    let route = &st.routes[r as usize];
    let f = forward(
        data,
        route.vehicle,
        &route.nodes,
        |x| st.nseg[x as usize],
        None,
    );
    let v = Violations::of(
        &f.seg,
        &data.vehicles[route.vehicle as usize],
        f.ride_excess,
    );
    (v, f.job_warp, f.end_warp)
}

/// Makes `st` feasible, fills it, and returns the unassigned jobs with reasons.
pub(crate) fn finish<const D: usize>(data: &Data<'_, D>, st: &mut State<D>) -> Vec<Unassigned> {
    st.set_weights(data, HARD);
    // 1. Repair: drop the job that is cheapest to lose until each route is feasible.
    for r in 0..st.routes.len() as u32 {
        drop_idle_reloads(data, st, r);
        loop {
            if route_violations(data, st, r).0.feasible() {
                break;
            }
            let route = &st.routes[r as usize];
            // A job with a locked task (a shipment picked up already) stays.
            let locked_jobs: Vec<u32> = route.nodes[1..=route.locked]
                .iter()
                .map(|&x| data.nodes[x as usize].job)
                .collect();
            let candidates: Vec<u32> = route.nodes[route.locked + 1..route.nodes.len() - 1]
                .iter()
                .map(|&x| data.nodes[x as usize].job)
                .filter(|&j| j != NONE && !locked_jobs.contains(&j))
                .collect();
            if candidates.is_empty() {
                break;
            }
            let mut best = (i64::MAX, NONE);
            for j in candidates {
                let saved = st.clone_route(r);
                unassign(data, st, j);
                // Cheapest to lose: the route cost after removal plus the prize given up.
                let c = st.routes[r as usize]
                    .cost
                    .saturating_add(data.prize[j as usize]);
                if c < best.0 {
                    best = (c, j);
                }
                st.restore_route(data, r, saved, j);
            }
            unassign(data, st, best.1);
            drop_idle_reloads(data, st, r);
        }
    }
    // 2. Fill: insert what still fits, most valuable first.
    let mut scratch = Scratch::default();
    let mut jobs = st.unassigned.clone();
    jobs.sort_by_key(|&j| (std::cmp::Reverse(data.prize[j as usize]), j));
    for &j in &jobs {
        if let Some(ins) =
            best_insertion::<D, Rng>(data, st, j, &mut scratch, None::<&mut Blink<'_, Rng>>, None)
        {
            if ins.delta < data.prize[j as usize] {
                let saved = st.clone_route(ins.route);
                apply(data, st, j, &ins);
                if !route_violations(data, st, ins.route).0.feasible() {
                    undo(data, st, ins.route, saved, j);
                }
            }
        }
    }
    // 3. Reasons.
    let mut out = Vec::new();
    for j in 0..data.job_nodes.len() as u32 {
        if st.pos[data.job_nodes[j as usize][0] as usize].0 != NONE {
            continue;
        }
        if !data.servable[j as usize] {
            out.push(Unassigned {
                job: JobIdx(j),
                reason: alone_reason(data, j),
            });
            continue;
        }
        if !st.is_unassigned(j) {
            continue;
        }
        let reason = match best_insertion::<D, Rng>(
            data,
            st,
            j,
            &mut scratch,
            None::<&mut Blink<'_, Rng>>,
            None,
        ) {
            None => UnassignedReason::NoRoomLeft(Constraint::Skills),
            Some(ins) => {
                let saved = st.clone_route(ins.route);
                apply(data, st, j, &ins);
                let (v, job_warp, end_warp) = route_violations(data, st, ins.route);
                undo(data, st, ins.route, saved, j);
                if v.feasible() {
                    UnassignedReason::LeftOutForCost
                } else {
                    UnassignedReason::NoRoomLeft(binding(&v, job_warp, end_warp))
                }
            }
        };
        out.push(Unassigned {
            job: JobIdx(j),
            reason,
        });
    }
    out
}
