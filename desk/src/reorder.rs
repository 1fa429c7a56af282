//! When the desk allows a squad's printed order to change: the squad's
//! remaining stops re-sequenced around the urgent order by the solver itself
//! (`PlanIndex::options` without keep-order: best insertion, then a short
//! descent), on a problem made of that squad alone with its fixed stops
//! pinned. A reorder penalty per printed stop given a new predecessor keeps
//! the sheet as it is unless a change pays (or is needed to fit).
//!
//! The order travels to `/urgent/commit` as labels (`R0042`, `pickup R0042`,
//! `reload`), which the commit checks against the squad's current sheet.

use std::collections::HashMap;

use solver::problem::{JobIdx, LocIdx, Matrix, Time, VehicleIdx, UNREACHABLE};
use solver::solution::ActivityKind;

use super::state::DeskState;
use crate::travel::DoorTravel;
use dayplan::dto::{DayRequest, Request, RequestKind, Window};

/// Each printed stop that gets another predecessor costs this much walking
/// (seconds): moving one stop within a sheet changes about three.
pub const REORDER_PENALTY_S: i64 = 120;

/// The urgent order's job in [`Reordered::tail`].
pub use super::schedule::NEW;

/// One squad's answer with reordering allowed.
#[derive(Clone, Debug)]
pub struct Reordered {
    /// The squad's stops after its fixed ones, in the new order (the urgent
    /// order's activities carry [`NEW`]).
    pub tail: Vec<ActivityKind>,
    pub eta: Time,
    pub added_s: Time,
    pub max_delay_s: Time,
    pub stops_delayed: usize,
}

/// The urgent order to place.
pub struct Urgent<'a> {
    /// The request with its window set to now → deadline and its pickup depot
    /// set for a delivery.
    pub request: &'a Request,
    /// Its door when it is already a location of the plan.
    pub existing_loc: Option<usize>,
    pub point: (f64, f64),
    pub travel: &'a dyn DoorTravel,
}

/// Squad `k`'s best placement of `u` with reordering allowed; `None` when the
/// order does not fit this squad even so (or the squad's sheet cannot be
/// modelled alone, e.g. a pinned stop the model finds infeasible).
pub fn reorder_squad(
    st: &DeskState,
    k: usize,
    fixed: usize,
    pinned: &DayRequest,
    u: &Urgent<'_>,
) -> Option<Reordered> {
    let nd = pinned.depots.len();
    let route = &st.routes[k];
    // The squad's jobs, each once, in route order; then the urgent order.
    let mut jobs: Vec<usize> = Vec::new();
    let mut sub_of: HashMap<usize, u32> = HashMap::new();
    for a in route {
        if let Some(j) = a.job() {
            sub_of.entry(j.get()).or_insert_with(|| {
                jobs.push(j.get());
                (jobs.len() - 1) as u32
            });
        }
    }
    let new_sub = jobs.len() as u32;
    let mut day = pinned.clone_without_requests();
    day.squads = vec![pinned.squads[k].clone()];
    day.requests = jobs.iter().map(|&j| pinned.requests[j].clone()).collect();
    day.requests.push(u.request.clone());
    // Locations: the depots, then each job's door (the day's numbering).
    let orig: Vec<Option<usize>> = (0..nd)
        .map(Some)
        .chain(jobs.iter().map(|&j| Some(nd + j)))
        .chain(std::iter::once(u.existing_loc))
        .collect();
    let mats = sub_matrices(st, &orig, u)?;
    let snapped = sub_snapped(st, &orig, u);
    let problem = dayplan::convert::build_problem(&day, &snapped, mats).ok()?;
    let map = |a: &ActivityKind| -> ActivityKind {
        let sub = |j: JobIdx| JobIdx(sub_of[&j.get()]);
        match *a {
            ActivityKind::Delivery(j) => ActivityKind::Delivery(sub(j)),
            ActivityKind::Pickup(j) => ActivityKind::Pickup(sub(j)),
            ActivityKind::Visit(j) => ActivityKind::Visit(sub(j)),
            ActivityKind::ShipmentPickup(j) => ActivityKind::ShipmentPickup(sub(j)),
            ActivityKind::ShipmentDelivery(j) => ActivityKind::ShipmentDelivery(sub(j)),
            ActivityKind::Reload => ActivityKind::Reload,
        }
    };
    let plan = solver::InitialPlan {
        routes: vec![solver::InitialRoute {
            vehicle: VehicleIdx(0),
            activities: route.iter().map(map).collect(),
            locked: fixed,
        }],
        change_penalty: 0,
        reorder_penalty: REORDER_PENALTY_S,
    };
    let mut index = solver::PlanIndex::new(&problem, &plan).ok()?;
    let opt = index
        .options(JobIdx(new_sub), false)
        .ok()?
        .into_iter()
        .next()?
        .result
        .ok()?;
    // The same stops as the sheet plus the order, or nothing: a stop the
    // sub-problem refused would vanish from the sheet.
    let expected = route[fixed..]
        .iter()
        .filter(|a| **a != ActivityKind::Reload)
        .count()
        + u.request.pickup.is_some() as usize
        + 1;
    let got = opt.route[fixed.min(opt.route.len())..]
        .iter()
        .filter(|a| **a != ActivityKind::Reload)
        .count();
    if got != expected || opt.route.len() < fixed {
        return None;
    }
    let back = |j: JobIdx| {
        if j.0 == new_sub {
            NEW
        } else {
            JobIdx(jobs[j.get()] as u32)
        }
    };
    let tail = opt.route[fixed.min(opt.route.len())..]
        .iter()
        .map(|a| match *a {
            ActivityKind::Delivery(j) => ActivityKind::Delivery(back(j)),
            ActivityKind::Pickup(j) => ActivityKind::Pickup(back(j)),
            ActivityKind::Visit(j) => ActivityKind::Visit(back(j)),
            ActivityKind::ShipmentPickup(j) => ActivityKind::ShipmentPickup(back(j)),
            ActivityKind::ShipmentDelivery(j) => ActivityKind::ShipmentDelivery(back(j)),
            ActivityKind::Reload => ActivityKind::Reload,
        })
        .collect();
    Some(Reordered {
        tail,
        // The door's time: a delivery's first task is collecting the goods.
        eta: opt.delivery_begin.unwrap_or(opt.eta),
        added_s: opt.added_cost,
        max_delay_s: opt.max_delay,
        stops_delayed: opt.stops_delayed,
    })
}

/// The sub-problem's matrices: between the day's locations listed in `orig`
/// (`None`: the urgent order's door, from the travel index), per profile.
fn sub_matrices(st: &DeskState, orig: &[Option<usize>], u: &Urgent<'_>) -> Option<Vec<Matrix>> {
    let n = orig.len();
    st.problem
        .matrices()
        .iter()
        .enumerate()
        .map(|(p, m)| {
            let mut dur = vec![UNREACHABLE; n * n];
            let mut dist = vec![UNREACHABLE; n * n];
            for a in 0..n {
                for b in 0..n {
                    let cell = match (orig[a], orig[b]) {
                        _ if a == b => Some((0, 0)),
                        (Some(x), Some(y)) => {
                            let (x, y) = (LocIdx(x as u32), LocIdx(y as u32));
                            m.reachable(x, y)
                                .then(|| (m.duration(x, y), m.distance(x, y)))
                        }
                        (Some(x), None) => u.travel.to_door(p, LocIdx(x as u32)),
                        (None, Some(y)) => u.travel.from_door(p, LocIdx(y as u32)),
                        (None, None) => Some((0, 0)),
                    };
                    if let Some((t, d)) = cell {
                        dur[a * n + b] = t.min(UNREACHABLE as Time - 1) as i32;
                        dist[a * n + b] = d.min(UNREACHABLE as i64 - 1) as i32;
                    }
                }
            }
            Matrix::new(n, dur, dist).ok()
        })
        .collect()
}

/// The sub-problem's snapped points, in the order of `orig`.
fn sub_snapped(
    st: &DeskState,
    orig: &[Option<usize>],
    u: &Urgent<'_>,
) -> dayplan::convert::Snapped {
    dayplan::convert::Snapped {
        points: orig
            .iter()
            .map(|o| o.map_or(u.point, |l| st.snapped.points[l]))
            .collect(),
        profiles: st.snapped.profiles.clone(),
        snapped: st
            .snapped
            .snapped
            .iter()
            .map(|per| orig.iter().map(|o| o.and_then(|l| per[l])).collect())
            .collect(),
        park_s: st.snapped.park_s.clone(),
    }
}

/// The commit label of a stop: the request id, `pickup <id>` for collecting a
/// request's goods, `reload` for going back to load.
pub fn label(a: &ActivityKind, id_of: &dyn Fn(JobIdx) -> String) -> String {
    match a {
        ActivityKind::Reload => "reload".into(),
        ActivityKind::ShipmentPickup(j) => format!("pickup {}", id_of(*j)),
        other => id_of(other.job().expect("a job's stop")),
    }
}

/// The stops of `labels` for a squad whose sheet after its fixed stops is
/// `current`, with the urgent order's `door` (and `pickup`) added: `Err`
/// names the first label that is not one of exactly those stops.
pub fn parse_labels(
    labels: &[String],
    current: &[ActivityKind],
    door: ActivityKind,
    pickup: Option<ActivityKind>,
    id_of: &dyn Fn(JobIdx) -> String,
) -> Result<Vec<ActivityKind>, String> {
    let mut pool: Vec<ActivityKind> = current.to_vec();
    pool.push(door);
    pool.extend(pickup);
    let mut out = Vec::with_capacity(labels.len());
    for l in labels {
        let Some(i) = pool.iter().position(|a| label(a, id_of) == *l) else {
            return Err(format!(
                "{l:?} is not a remaining stop of this squad's sheet (or appears twice)"
            ));
        };
        out.push(pool.swap_remove(i));
    }
    if let Some(a) = pool.iter().find(|a| **a != ActivityKind::Reload) {
        return Err(format!("{:?} is missing from the order", label(a, id_of)));
    }
    Ok(out)
}

/// The urgent request as the sub-problem models it: its window now →
/// deadline, and for a delivery the depot its goods come from.
pub fn modelled_request(
    request: &Request,
    lo: Time,
    hi: Time,
    pickup_depot: Option<&str>,
) -> Request {
    let mut r = request.clone();
    r.windows = vec![Window {
        start: dayplan::dto::Clock(lo as u32),
        end: dayplan::dto::Clock(hi as u32),
    }];
    if r.kind == RequestKind::Delivery && r.pickup.is_none() {
        r.pickup = pickup_depot.map(str::to_string);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_refuse_strangers() {
        let id = |j: JobIdx| format!("R{}", j.0);
        let current = vec![
            ActivityKind::Delivery(JobIdx(1)),
            ActivityKind::Reload,
            ActivityKind::Visit(JobIdx(2)),
        ];
        let door = ActivityKind::ShipmentDelivery(NEW);
        let pick = Some(ActivityKind::ShipmentPickup(NEW));
        let want = vec![
            ActivityKind::ShipmentPickup(NEW),
            ActivityKind::ShipmentDelivery(NEW),
            ActivityKind::Visit(JobIdx(2)),
            ActivityKind::Delivery(JobIdx(1)),
        ];
        let labels: Vec<String> = want.iter().map(|a| label(a, &id)).collect();
        assert_eq!(labels[0], format!("pickup R{}", u32::MAX));
        assert_eq!(parse_labels(&labels, &current, door, pick, &id), Ok(want));
        // A stop of another squad, a stop twice, a stop left out.
        let mut bad = labels.clone();
        bad[2] = "R77".into();
        assert!(parse_labels(&bad, &current, door, pick, &id).is_err());
        let mut twice = labels.clone();
        twice[3] = labels[2].clone();
        assert!(parse_labels(&twice, &current, door, pick, &id).is_err());
        assert!(parse_labels(&labels[..3], &current, door, pick, &id).is_err());
    }
}
