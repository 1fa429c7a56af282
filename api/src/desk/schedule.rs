//! The schedule of a plan under way, from each route's order and what
//! happened on the ground: stops done keep their recorded time (never earlier
//! than the model allows), the next stop of a squad under way is not over
//! before now, and a squad not yet started leaves at its shift start or now,
//! whichever is later. The output is a plain [`Solution`], so the solver's
//! independent checker can verify every state of the day.

use solver::problem::{JobKind, LocIdx, Problem, Task, Time, VehicleIdx};
use solver::solution::{Activity, ActivityKind, Route, Solution, Unassigned};

/// What the schedule needs to know about one squad on the ground.
#[derive(Clone, Copy, Debug, Default)]
pub struct Anchor {
    pub started_at: Option<Time>,
    /// The first `locked` activities are done.
    pub locked: usize,
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

/// Schedules one route. `done_at[k]` is the recorded completion time of activity `k` (locked ones).
pub fn schedule_route(
    problem: &Problem,
    v: VehicleIdx,
    acts: &[ActivityKind],
    anchor: Anchor,
    done_at: &[Option<Time>],
    now: Time,
) -> Route {
    let veh = problem.vehicle(v);
    let m = problem.matrix(veh.profile);
    let start_loc = veh.start.unwrap_or(LocIdx(0));
    let start_time = match anchor.started_at {
        Some(t) => t.max(veh.shift.start),
        None => veh.shift.start.max(now),
    };
    // Loads: each trip's deliveries are on board from its start.
    let mut trip_start_load = Vec::new();
    let mut cur = 0i64;
    for &a in acts {
        if a == ActivityKind::Reload {
            trip_start_load.push(cur);
            cur = 0;
        } else {
            let (d, at_start) = demand(problem, a);
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
    let mut prev = start_loc;
    let mut distance = 0i64;
    let mut activities = Vec::with_capacity(acts.len());
    let first_door = (anchor.locked..acts.len()).find(|&k| {
        matches!(
            acts[k],
            ActivityKind::Delivery(_) | ActivityKind::ShipmentDelivery(_) | ActivityKind::Visit(_)
        )
    });
    for (k, &a) in acts.iter().enumerate() {
        let loc = location_of(problem, v, a);
        let arrival = t + m.duration(prev, loc);
        distance += m.distance(prev, loc);
        let (mut begin, service) = match task_of(problem, a) {
            Some(task) => (begin_for(task, arrival), task.service),
            None => (arrival, veh.reload.as_ref().map_or(0, |r| r.service)),
        };
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
            load += demand(problem, a).0;
        }
        activities.push(Activity {
            kind: a,
            location: loc,
            arrival,
            begin,
            departure,
            load_after: vec![load],
        });
        t = departure;
        prev = loc;
    }
    let end_loc = veh.end.unwrap_or(start_loc);
    let end_time = t + m.duration(prev, end_loc);
    distance += m.distance(prev, end_loc);
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
