//! The exact effects of placing an urgent order at one position: the ETA, the
//! walking added, every later stop's delay, windows and shift broken, goods
//! carried too long; the O(1) ranking in `insert` picks, this confirms.

use std::collections::HashMap;

use solver::problem::{LocIdx, Time, VehicleIdx};
use solver::solution::ActivityKind;

use crate::insert::{Candidate, Timeline};
use crate::state::DeskState;
use crate::travel::DoorTravel;

/// The exact effects of one placement, by walking the whole route once with
/// the same schedule `/result` shows after the commit ([`crate::schedule::schedule_with`]):
/// the independent counterpart of the O(1) summaries (tests compare the two).
pub struct Exact {
    pub eta: Time,
    /// When the squad reaches the door (it waits from there to `eta`).
    pub door_arrival: Time,
    /// Requests whose window (or ride limit) holds now and would not.
    pub broken: Vec<String>,
    pub breaks_shift: bool,
    /// How much later the squad is back (negative: earlier).
    pub end_delay: Time,
    pub added_m: i64,
    /// The squad's other stops: the largest delay, and how many are delayed.
    pub max_delay: Time,
    pub delayed: usize,
    pub meets_deadline: bool,
}

/// The urgent order as a stop the schedule can price before it is in the problem.
pub(crate) fn new_stop<'a>(
    c: &Candidate,
    pickup: Option<LocIdx>,
    travel: &'a dyn DoorTravel,
) -> crate::schedule::NewStop<'a> {
    crate::schedule::NewStop {
        door: solver::problem::Task::new(
            crate::schedule::NEW_DOOR,
            c.service,
            vec![solver::problem::TimeWindow::new(c.lo, c.hi)],
        ),
        pickup: pickup.map(|l| (l, c.pickup_service(l))),
        demand: if pickup.is_some() { c.demand } else { 0 },
        travel,
    }
}

/// Squad `k`'s route with the order's door after node `gap` (and its pickup after node `pl_pick.0`).
pub(crate) fn exact(
    st: &DeskState,
    k: usize,
    now: Time,
    c: &Candidate,
    pl_pick: Option<(usize, LocIdx)>,
    gap: usize,
    travel: &dyn DoorTravel,
) -> Option<Exact> {
    let mut acts = st.routes[k].clone();
    let door = match c.pickup {
        Some(_) => ActivityKind::ShipmentDelivery(crate::schedule::NEW),
        None => ActivityKind::Visit(crate::schedule::NEW),
    };
    acts.insert(gap.min(acts.len()), door);
    if let Some((p, _)) = pl_pick {
        acts.insert(
            p.min(gap),
            ActivityKind::ShipmentPickup(crate::schedule::NEW),
        );
    }
    effects(st, k, now, &acts, c, pl_pick.map(|x| x.1), travel)
}

/// The best position of squad `k` that breaks nothing, every position walked
/// exactly: (door gap, pickup gap, effects). The fallback when the O(1)
/// ranking's choice breaks a limit it could not see.
pub(crate) fn exact_clean(
    st: &DeskState,
    k: usize,
    now: Time,
    tl: &Timeline,
    first_free: usize,
    c: &Candidate,
    travel: &dyn DoorTravel,
) -> Option<(usize, Option<usize>, Exact)> {
    let v = st.problem.vehicle(VehicleIdx(k as u32));
    let cap = v.capacity.first().copied().unwrap_or(i64::MAX);
    let pickup_loc = c.pickup.map(|d| d.or(v.start).unwrap_or(LocIdx(0)));
    let mut best: Option<(usize, Option<usize>, Exact)> = None;
    for y in first_free..=tl.m {
        let pickups: Vec<Option<usize>> = match pickup_loc {
            None => vec![None],
            Some(_) => (first_free..=y)
                .filter(|&i| {
                    (i + 1..=y).all(|x| !tl.reload[x])
                        && (i..=y).all(|x| tl.load[x] + c.demand <= cap)
                })
                .map(Some)
                .collect(),
        };
        for pg in pickups {
            let Some(e) = exact(st, k, now, c, pg.zip(pickup_loc), y, travel) else {
                continue;
            };
            if !e.meets_deadline || !e.broken.is_empty() || e.breaks_shift {
                continue;
            }
            let key = (e.eta + e.end_delay, e.added_m);
            if best
                .as_ref()
                .is_none_or(|b| key < (b.2.eta + b.2.end_delay, b.2.added_m))
            {
                best = Some((y, pg, e));
            }
        }
    }
    best
}

/// The effects of squad `k` taking the stops `acts` (its current stops, in
/// any order, plus the order's, marked [`crate::schedule::NEW`]) instead of its route.
pub(crate) fn effects(
    st: &DeskState,
    k: usize,
    now: Time,
    acts: &[ActivityKind],
    c: &Candidate,
    pickup: Option<LocIdx>,
    travel: &dyn DoorTravel,
) -> Option<Exact> {
    let v = VehicleIdx(k as u32);
    let ns = new_stop(c, pickup, travel);
    let before = st.route_schedule(k, &st.routes[k], now);
    let after = crate::schedule::schedule_with(
        &st.problem,
        v,
        acts,
        st.anchor(k),
        &st.done_times(k),
        now,
        Some(&ns),
    );
    if after.end_time >= Time::MAX / 32 {
        return None; // the door cannot be reached from, or left to, a neighbour
    }
    // No room on board somewhere it was not short before: not a placement.
    let cap = st
        .problem
        .vehicle(v)
        .capacity
        .first()
        .copied()
        .unwrap_or(i64::MAX);
    let over = |r: &solver::solution::Route| {
        r.activities
            .iter()
            .any(|a| a.load_after.first().is_some_and(|&l| l > cap))
    };
    if over(&after) && !over(&before) {
        return None;
    }
    let door = after
        .activities
        .iter()
        .find(|a| a.kind.job() == Some(crate::schedule::NEW) && crate::schedule::is_door(a.kind))?;
    let eta = door.begin;
    let pick_dep = after
        .activities
        .iter()
        .find(|a| a.kind == ActivityKind::ShipmentPickup(crate::schedule::NEW))
        .map(|a| a.departure);
    // The same stop before and after, matched by what it is (the n-th reload is the n-th reload).
    let keyed = |r: &solver::solution::Route| -> HashMap<(ActivityKind, usize), usize> {
        let mut seen: HashMap<ActivityKind, usize> = HashMap::new();
        r.activities
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let n = seen.entry(a.kind).or_default();
                *n += 1;
                ((a.kind, *n), i)
            })
            .collect()
    };
    let at_after = keyed(&after);
    let ok_before = holds(&st.problem, &before);
    let ok_after = holds(&st.problem, &after);
    let (mut max_delay, mut delayed, mut broken) = (0, 0, Vec::new());
    for ((kind, n), i) in keyed(&before) {
        let j = at_after[&(kind, n)];
        let d = after.activities[j].begin - before.activities[i].begin;
        if d > 0 {
            max_delay = max_delay.max(d);
            delayed += 1;
        }
        if ok_before[i] && !ok_after[j] {
            if let Some(job) = kind.job() {
                broken.push((i, st.day.requests[job.get()].id.clone()));
            }
        }
    }
    broken.sort();
    let mut broken: Vec<String> = broken.into_iter().map(|x| x.1).collect();
    broken.dedup();
    let shift_end = st.problem.vehicle(v).shift.end;
    let ride_ok = match (c.max_ride, pick_dep) {
        (Some(r), Some(pd)) => eta - pd <= r,
        _ => true,
    };
    Some(Exact {
        eta,
        door_arrival: door.arrival,
        broken,
        breaks_shift: after.end_time > shift_end && before.end_time <= shift_end,
        end_delay: after.end_time - before.end_time,
        added_m: after.distance - before.distance,
        max_delay,
        delayed,
        meets_deadline: eta <= c.hi && ride_ok,
    })
}

/// Per activity of a scheduled route: its window (and, for chilled goods,
/// the ride limit from the pharmacy or the carry limit from the depot) holds. The urgent order's own stops count
/// as holding: its deadline is checked apart.
pub(crate) fn holds(problem: &solver::problem::Problem, r: &solver::solution::Route) -> Vec<bool> {
    let mut picked: HashMap<solver::problem::JobIdx, Time> = HashMap::new();
    // Goods loaded at the depot leave with the trip: the route's start or
    // the last reload (the checker's `MaxCarry` rule).
    let mut loaded_at = r.start_time;
    r.activities
        .iter()
        .map(|a| {
            if a.kind == ActivityKind::Reload {
                loaded_at = a.departure;
            }
            if a.kind.job() == Some(crate::schedule::NEW) {
                return true;
            }
            if let ActivityKind::ShipmentPickup(j) = a.kind {
                picked.insert(j, a.departure);
            }
            if let ActivityKind::Delivery(j) = a.kind {
                if let Some(lim) = problem.job(j).max_carry {
                    if a.begin - loaded_at > lim {
                        return false;
                    }
                }
            }
            let Some(task) = crate::schedule::task_of(problem, a.kind) else {
                return true;
            };
            let in_window = task.windows.is_empty()
                || task
                    .windows
                    .iter()
                    .any(|w| w.start <= a.begin && a.begin <= w.end);
            let ride = match (
                a.kind,
                &problem.job(a.kind.job().expect("a task's job")).kind,
            ) {
                (
                    ActivityKind::ShipmentDelivery(j),
                    solver::problem::JobKind::Shipment {
                        max_ride: Some(lim),
                        ..
                    },
                ) => picked.get(&j).is_none_or(|pd| a.begin - pd <= *lim),
                _ => true,
            };
            in_window && ride
        })
        .collect()
}

pub(crate) fn seq_of_gap(gap: usize) -> u32 {
    gap as u32
}
