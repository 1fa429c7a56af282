//! The schedule of a plan under way, from each route's order and what
//! happened on the ground: stops done keep their recorded time (never earlier
//! than the model allows), the next door of a squad that reports its doors is
//! not over before now, and a squad that has reported nothing follows its
//! printed sheet on schedule: it leaves at the time its sheet was printed with
//! (volunteers on paper report nothing, and that is the normal case), so its
//! times do not drift with the clock. Only a squad with nothing printed yet
//! leaves at its shift start or now, whichever is later. The output is a plain
//! [`Solution`], so the solver's independent checker can verify every state
//! of the day.
//!
//! The same walk prices an urgent order that is not in the problem yet
//! ([`NewStop`], its activities carry [`NEW`]): an option's stated effects are
//! what the schedule shows once it is committed, by construction.

use solver::problem::{JobIdx, JobKind, LocIdx, Problem, Task, Time, VehicleIdx};
use solver::solution::{Activity, ActivityKind, Route, Solution, Unassigned};

use crate::travel::DoorTravel;

/// The urgent order's job while it is only priced (not in the problem).
pub const NEW: JobIdx = JobIdx(u32::MAX);

/// Where [`NEW`]'s door stands in a route's [`Activity::location`].
pub const NEW_DOOR: LocIdx = LocIdx(u32::MAX);

/// What the schedule needs to know about one squad on the ground.
#[derive(Clone, Copy, Debug, Default)]
pub struct Anchor {
    /// Reported started (or a first door reported done): the squad reports.
    pub started_at: Option<Time>,
    /// The time its printed sheet leaves at (`None`: nothing printed yet).
    pub planned_start: Option<Time>,
    /// The first `locked` activities are done.
    pub locked: usize,
}

/// An urgent order not yet in the problem: its door (travel from `travel`),
/// and for a delivery the depot its goods are collected at.
pub struct NewStop<'a> {
    pub door: Task,
    /// Weight carried from the pickup to the door (grams).
    pub demand: i64,
    pub pickup: Option<(LocIdx, Time)>,
    pub travel: &'a dyn DoorTravel,
}

/// A stop's place: a location of the problem, or the new order's door.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Loc(LocIdx),
    Door,
}

/// Task of an activity (`None` for a reload).
pub fn task_of(problem: &Problem, a: ActivityKind) -> Option<&Task> {
    let j = a.job()?;
    Some(match (&problem.job(j).kind, a) {
        (JobKind::Shipment { pickup, .. }, ActivityKind::ShipmentPickup(_)) => pickup,
        (JobKind::Shipment { delivery, .. }, _) => delivery,
        (JobKind::Delivery(t) | JobKind::Pickup(t) | JobKind::Visit(t), _) => t,
    })
}

pub fn location_of(problem: &Problem, v: VehicleIdx, a: ActivityKind) -> LocIdx {
    match task_of(problem, a) {
        Some(t) => t.location,
        None => problem
            .vehicle(v)
            .reload
            .as_ref()
            .and_then(|r| r.locations.first().copied())
            .or(problem.vehicle(v).start)
            .unwrap_or(LocIdx(0)),
    }
}

/// Begin of service for an arrival: the first window still open, or the
/// arrival itself when every window has closed (late: the checker will say so).
pub fn begin_for(task: &Task, arrival: Time) -> Time {
    if task.windows.is_empty() {
        return arrival;
    }
    task.windows
        .iter()
        .find(|w| w.end >= arrival)
        .map_or(arrival, |w| arrival.max(w.start))
}

/// The load change of an activity, and whether it is loaded at the trip start.
fn demand(problem: &Problem, a: ActivityKind) -> (i64, bool) {
    let Some(j) = a.job() else { return (0, false) };
    let job = problem.job(j);
    let d = job.demand.first().copied().unwrap_or(0);
    match (&job.kind, a) {
        (JobKind::Delivery(_), _) => (-d, true),
        (JobKind::Pickup(_), _) | (JobKind::Shipment { .. }, ActivityKind::ShipmentPickup(_)) => {
            (d, false)
        }
        (JobKind::Shipment { .. }, _) => (-d, false),
        (JobKind::Visit(_), _) => (0, false),
    }
}

/// The time a squad leaves its start.
pub fn start_time(problem: &Problem, v: VehicleIdx, anchor: Anchor, now: Time) -> Time {
    let shift = problem.vehicle(v).shift.start;
    match (anchor.started_at, anchor.planned_start) {
        (Some(t), _) => t.max(shift),
        (None, Some(t)) => t,
        (None, None) => shift.max(now),
    }
}

/// Schedules one route. `done_at[k]` is the recorded completion time of activity `k` (locked ones).
pub fn schedule_route(
    problem: &Problem,
    v: VehicleIdx,
    acts: &[ActivityKind],
    anchor: Anchor,
    done_at: &[Option<Time>],
    now: Time,
) -> Route {
    schedule_with(problem, v, acts, anchor, done_at, now, None)
}

/// [`schedule_route`] with the urgent order's activities ([`NEW`]) priced by `new`.
pub fn schedule_with(
    problem: &Problem,
    v: VehicleIdx,
    acts: &[ActivityKind],
    anchor: Anchor,
    done_at: &[Option<Time>],
    now: Time,
    new: Option<&NewStop<'_>>,
) -> Route {
    let veh = problem.vehicle(v);
    let m = problem.matrix(veh.profile);
    let p = veh.profile.get();
    let start_loc = veh.start.unwrap_or(LocIdx(0));
    let start_time = start_time(problem, v, anchor, now);
    let is_new = |a: ActivityKind| a.job() == Some(NEW);
    let place = |a: ActivityKind| match (a, new) {
        (ActivityKind::ShipmentPickup(_), Some(n)) if is_new(a) => {
            Place::Loc(n.pickup.map_or(start_loc, |x| x.0))
        }
        _ if is_new(a) => Place::Door,
        _ => Place::Loc(location_of(problem, v, a)),
    };
    // Travel between two places; the new door's from `new` (unknown: unreachable, priced very late).
    let leg = |a: Place, b: Place| -> (Time, i64) {
        match (a, b) {
            (Place::Loc(x), Place::Loc(y)) => (m.duration(x, y), m.distance(x, y)),
            (Place::Loc(x), Place::Door) => new
                .and_then(|n| n.travel.to_door(p, x))
                .unwrap_or((Time::MAX / 16, 0)),
            (Place::Door, Place::Loc(y)) => new
                .and_then(|n| n.travel.from_door(p, y))
                .unwrap_or((Time::MAX / 16, 0)),
            (Place::Door, Place::Door) => (0, 0),
        }
    };
    let task_and_service = |a: ActivityKind| -> (Option<&Task>, Time) {
        match (a, new) {
            (ActivityKind::ShipmentPickup(_), Some(n)) if is_new(a) => {
                (None, n.pickup.map_or(0, |x| x.1))
            }
            (_, Some(n)) if is_new(a) => (Some(&n.door), n.door.service),
            _ => match task_of(problem, a) {
                Some(t) => (Some(t), t.service),
                None => (None, veh.reload.as_ref().map_or(0, |r| r.service)),
            },
        }
    };
    let demand_of = |a: ActivityKind| -> (i64, bool) {
        if is_new(a) {
            // Collected at its pickup, handed over at the door (nothing for a visit).
            let d = new.map_or(0, |n| n.demand);
            match a {
                ActivityKind::ShipmentPickup(_) => (d, false),
                ActivityKind::ShipmentDelivery(_) => (-d, false),
                _ => (0, false),
            }
        } else {
            demand(problem, a)
        }
    };
    // Loads: each trip's deliveries are on board from its start.
    let mut trip_start_load = Vec::new();
    let mut cur = 0i64;
    for &a in acts {
        if a == ActivityKind::Reload {
            trip_start_load.push(cur);
            cur = 0;
        } else {
            let (d, at_start) = demand_of(a);
            if at_start {
                cur += -d;
            }
        }
    }
    trip_start_load.push(cur);
    let mut trip = 0usize;
    let mut load = trip_start_load[0];
    let start_load = load;
    let mut t = start_time;
    let mut prev = Place::Loc(start_loc);
    let mut distance = 0i64;
    let mut activities = Vec::with_capacity(acts.len());
    let first_door = (anchor.locked..acts.len()).find(|&k| is_door(acts[k]));
    for (k, &a) in acts.iter().enumerate() {
        let here = place(a);
        let (dur, dist) = leg(prev, here);
        // Nobody sets out for the order's door before now, unless straight
        // from collecting its goods (the desk fixes that time in the door's
        // window at commit, so the committed route keeps it).
        if is_new(a)
            && is_door(a)
            && k.checked_sub(1).map(|p| acts[p]) != Some(ActivityKind::ShipmentPickup(NEW))
        {
            t = t.max(now);
        }
        let arrival = t + dur;
        distance += dist;
        let (task, service) = task_and_service(a);
        let mut begin = task.map_or(arrival, |task| begin_for(task, arrival));
        if a == ActivityKind::ShipmentPickup(NEW) {
            // An urgent order's goods exist from now on (its pickup window at commit).
            begin = begin.max(now);
        }
        if k < anchor.locked {
            if let Some(Some(done)) = done_at.get(k) {
                begin = begin.max(done - service);
            }
        } else if Some(k) == first_door && anchor.started_at.is_some() {
            // Under way: the next door is not done before now (pickups and
            // reloads on the way are not reported, so they keep their times).
            begin = begin.max(now - service);
        }
        let departure = begin + service;
        if a == ActivityKind::Reload {
            trip += 1;
            load = trip_start_load.get(trip).copied().unwrap_or(0);
        } else {
            load += demand_of(a).0;
        }
        activities.push(Activity {
            kind: a,
            location: match here {
                Place::Loc(l) => l,
                Place::Door => NEW_DOOR,
            },
            arrival,
            begin,
            departure,
            load_after: vec![load],
        });
        t = departure;
        prev = here;
    }
    let end_loc = veh.end.unwrap_or(start_loc);
    let (dur, dist) = leg(prev, Place::Loc(end_loc));
    let end_time = t + dur;
    distance += dist;
    let duration = end_time - start_time;
    let dims = problem.dimensions().max(1);
    let mut sl = vec![0; dims];
    sl[0] = start_load;
    for a in &mut activities {
        a.load_after.resize(dims, 0);
    }
    Route {
        vehicle: v,
        start_time,
        end_time,
        start_load: sl,
        activities,
        distance,
        duration,
        cost: veh.fixed_cost + veh.cost_per_second * duration + veh.cost_per_metre * distance,
    }
}

/// A stop at a resident's door (not a pickup or reload).
pub fn is_door(a: ActivityKind) -> bool {
    matches!(
        a,
        ActivityKind::Delivery(_) | ActivityKind::ShipmentDelivery(_) | ActivityKind::Visit(_)
    )
}

/// The whole plan as a [`Solution`].
pub fn solution(problem: &Problem, routes: Vec<Route>, unassigned: Vec<Unassigned>) -> Solution {
    let routes: Vec<Route> = routes
        .into_iter()
        .filter(|r| !r.activities.is_empty())
        .collect();
    let cost: i64 = routes.iter().map(|r| r.cost).sum();
    let objective = cost
        + unassigned.iter().map(|u| problem.prize(u.job)).sum::<i64>()
        + problem.vehicle_weight() * routes.len() as i64;
    Solution {
        routes,
        unassigned,
        cost,
        objective,
    }
}
