//! Turns a plain sequence of stops into a [`Route`] with a full schedule and
//! loads, and routes into a [`Solution`] with totals.
//!
//! This is what a reader of `.sol` files needs (they carry only the order of
//! customers), and what tests use to write down a solution by hand. It shares
//! no code with the search: the schedule is the plain "as early as possible"
//! one, with the departure from a closed start delayed so that the vehicle
//! does not wait at its first stop. It does not judge feasibility: whatever it
//! builds goes through [`crate::check::check`].

use crate::problem::{Amount, Cost, JobIdx, JobKind, LocIdx, Problem, Task, Time, VehicleIdx};
use crate::solution::{Activity, ActivityKind, Route, Solution, Unassigned, UnassignedReason};

/// The activity kind of the task of job `j` (for a shipment, its pickup when
/// `delivery` is false).
pub fn activity_kind(problem: &Problem, j: JobIdx, delivery: bool) -> ActivityKind {
    match problem.job(j).kind {
        JobKind::Delivery(_) => ActivityKind::Delivery(j),
        JobKind::Pickup(_) => ActivityKind::Pickup(j),
        JobKind::Visit(_) => ActivityKind::Visit(j),
        JobKind::Shipment { .. } if delivery => ActivityKind::ShipmentDelivery(j),
        JobKind::Shipment { .. } => ActivityKind::ShipmentPickup(j),
    }
}

/// The kinds of a sequence of single-task jobs (deliveries, pickups, visits),
/// e.g. a route read from a `.sol` file.
pub fn job_sequence(problem: &Problem, jobs: &[JobIdx]) -> Vec<ActivityKind> {
    jobs.iter()
        .map(|&j| activity_kind(problem, j, false))
        .collect()
}

fn task(problem: &Problem, kind: ActivityKind) -> Option<&Task> {
    let job = problem.jobs().get(kind.job()?.get())?;
    match (&job.kind, kind) {
        (JobKind::Delivery(t) | JobKind::Pickup(t) | JobKind::Visit(t), _) => Some(t),
        (JobKind::Shipment { delivery, .. }, ActivityKind::ShipmentDelivery(_)) => Some(delivery),
        (JobKind::Shipment { pickup, .. }, _) => Some(pickup),
    }
}

/// The earliest begin at or after `arrival` inside one of `task`'s windows
/// (`arrival` itself when every window has closed).
fn earliest_begin(task: Option<&Task>, arrival: Time) -> Time {
    task.and_then(|t| {
        t.windows
            .iter()
            .find(|w| w.end >= arrival)
            .map(|w| w.start.max(arrival))
    })
    .unwrap_or(arrival)
}

/// Builds the route of `vehicle` visiting `kinds` in order. A `Reload` goes to
/// the vehicle's first reload location.
pub fn build_route(problem: &Problem, vehicle: VehicleIdx, kinds: &[ActivityKind]) -> Route {
    let v = problem.vehicle(vehicle);
    let reload_loc = v
        .reload
        .as_ref()
        .and_then(|r| r.locations.first().copied())
        .unwrap_or(LocIdx(0));
    let stops: Vec<(ActivityKind, LocIdx)> = kinds
        .iter()
        .map(|&k| (k, task(problem, k).map_or(reload_loc, |t| t.location)))
        .collect();
    build_route_at(problem, vehicle, &stops)
}

/// Like [`build_route`], with the location of every stop given (a reload may
/// be at any of the vehicle's reload locations).
pub fn build_route_at(
    problem: &Problem,
    vehicle: VehicleIdx,
    stops: &[(ActivityKind, LocIdx)],
) -> Route {
    let v = problem.vehicle(vehicle);
    let m = problem.matrix(v.profile);
    let dims = problem.dimensions();
    let kinds: Vec<ActivityKind> = stops.iter().map(|s| s.0).collect();
    let reload_service = v.reload.as_ref().map_or(0, |r| r.service);
    let demand_of = |k: ActivityKind| {
        k.job()
            .map(|j| problem.job(j).demand.clone())
            .unwrap_or_else(|| vec![0; dims])
    };

    // Loads: each trip starts with its deliveries on board.
    let trip_start_load = |from: usize| {
        let mut load = vec![0 as Amount; dims];
        for k in kinds[from..]
            .iter()
            .take_while(|k| **k != ActivityKind::Reload)
        {
            if let ActivityKind::Delivery(_) = k {
                for (l, d) in load.iter_mut().zip(demand_of(*k)) {
                    *l += d;
                }
            }
        }
        load
    };
    let start_load = trip_start_load(0);
    let mut load = start_load.clone();

    // Where and when the route starts.
    let mut start_time = v.shift.start;
    if let Some(&first) = kinds.first() {
        let travel = v.start.map_or(0, |s| m.duration(s, stops[0].1));
        let begin = earliest_begin(task(problem, first), v.shift.start.saturating_add(travel));
        start_time = start_time.max(begin - travel);
    }
    let mut prev: Option<(LocIdx, Time)> = v.start.map(|s| (s, start_time));
    let mut distance = 0;
    let mut activities = Vec::with_capacity(kinds.len());
    for (i, &(kind, location)) in stops.iter().enumerate() {
        let arrival = match prev {
            Some((from, t)) => {
                distance += m.distance(from, location);
                t.saturating_add(m.duration(from, location))
            }
            None => start_time,
        };
        let t = task(problem, kind);
        let begin = earliest_begin(t, arrival);
        let departure = begin + t.map_or(reload_service, |t| t.service);
        match kind {
            ActivityKind::Reload => load = trip_start_load(i + 1),
            ActivityKind::Pickup(_) | ActivityKind::ShipmentPickup(_) => {
                for (l, d) in load.iter_mut().zip(demand_of(kind)) {
                    *l += d;
                }
            }
            ActivityKind::Delivery(_) | ActivityKind::ShipmentDelivery(_) => {
                for (l, d) in load.iter_mut().zip(demand_of(kind)) {
                    *l -= d;
                }
            }
            ActivityKind::Visit(_) => {}
        }
        activities.push(Activity {
            kind,
            location,
            arrival,
            begin,
            departure,
            load_after: load.clone(),
        });
        prev = Some((location, departure));
    }
    let end_time = match (v.end, prev) {
        (Some(end), Some((from, t))) => {
            distance += m.distance(from, end);
            t.saturating_add(m.duration(from, end))
        }
        (None, Some((_, t))) => t,
        (_, None) => start_time,
    };
    let duration = end_time - start_time;
    let cost = v.fixed_cost + v.cost_per_second * duration + v.cost_per_metre * distance;
    Route {
        vehicle,
        start_time,
        end_time,
        start_load,
        activities,
        distance,
        duration,
        cost,
    }
}

/// A solution from routes; every job not in a route is listed as unassigned
/// with `reason`, and the totals are computed as the model defines them.
pub fn build_solution(problem: &Problem, routes: Vec<Route>, reason: UnassignedReason) -> Solution {
    let mut routed = vec![false; problem.jobs().len()];
    for r in &routes {
        for a in &r.activities {
            if let Some(j) = a.kind.job() {
                if let Some(x) = routed.get_mut(j.get()) {
                    *x = true;
                }
            }
        }
    }
    let unassigned: Vec<Unassigned> = (0..problem.jobs().len())
        .filter(|&j| !routed[j])
        .map(|j| Unassigned {
            job: JobIdx(j as u32),
            reason: reason.clone(),
        })
        .collect();
    let cost: Cost = routes.iter().map(|r| r.cost).sum();
    let objective = cost
        + unassigned
            .iter()
            .map(|u| problem.prize(u.job))
            .sum::<Cost>()
        + problem.vehicle_weight() * routes.len() as Cost
        + routes.iter().map(|r| extra_cost(problem, r)).sum::<Cost>()
        + kind_balance(problem, &routes);
    Solution {
        routes,
        unassigned,
        cost,
        objective,
    }
}

/// What a route adds to the objective beyond its cost: fair shares on its
/// duration, and jobs served by another vehicle than the one they prefer.
fn extra_cost(problem: &Problem, route: &Route) -> Cost {
    let balance = problem
        .balance_of(problem.vehicle(route.vehicle).profile)
        .map_or(0, |b| b.route_cost(route.duration));
    let preference: Cost = route
        .activities
        .iter()
        .filter(|a| !matches!(a.kind, ActivityKind::ShipmentDelivery(_)))
        .filter_map(|a| a.kind.job())
        .filter(|j| j.get() < problem.jobs().len())
        .map(|j| problem.preference_cost(j, route.vehicle))
        .sum();
    balance + preference
}

/// The per-kind part of fair shares (see [`crate::problem::Balance`]).
fn kind_balance(problem: &Problem, routes: &[Route]) -> Cost {
    if problem.objective().balance.is_none() {
        return 0;
    }
    (0..problem.matrices().len())
        .filter_map(|k| {
            let b = problem.balance_of(crate::problem::ProfileIdx(k as u32))?;
            let n = problem
                .vehicles()
                .iter()
                .filter(|v| v.profile.get() == k)
                .count();
            let t: Time = routes
                .iter()
                .filter(|r| problem.vehicle(r.vehicle).profile.get() == k)
                .map(|r| r.duration)
                .sum();
            Some(b.kind_cost(t, n))
        })
        .sum()
}
