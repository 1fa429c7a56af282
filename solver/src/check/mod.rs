//! An independent solution checker.
//!
//! [`check`] recomputes everything a [`Solution`] claims from the problem data
//! and the order of the activities of each route: which jobs are served, loads,
//! the schedule, reloads, distances, durations and costs. It deliberately shares
//! no code with the search (only the plain data types of `problem` and
//! `solution`), so a bug in the search's incremental evaluation cannot hide
//! behind the same bug here. Every solution produced in tests goes through it.
//!
//! Semantics checked (the model's contract, stated once):
//! - every job is either routed (all its tasks, each once, in an activity of the
//!   right kind at the task's location) or listed once as unassigned;
//! - a trip starts at the route start or at a `Reload`; deliveries are on board
//!   from the trip start, pickups stay on board until the trip end, a shipment
//!   is on board between its pickup and its delivery, which are on the same
//!   route and trip, pickup first, within `max_ride` (end of pickup service to
//!   begin of delivery service);
//! - a delivery with `max_carry` begins service at most `max_carry` after its
//!   trip left its loading point (the route's `start_time`, or the departure
//!   of the `Reload` that begins the trip);
//! - `arrival >= previous departure + travel`, `begin >= arrival`, `begin` in one
//!   of the windows, `departure = begin + service`;
//! - the route leaves its start at `start_time >= shift.start` and reaches its
//!   end at `end_time <= shift.end`; with an open start `start_time` is the
//!   arrival at the first stop, with an open end `end_time` is the departure
//!   from the last stop;
//! - `duration = end_time - start_time`, `cost = fixed + per_second * duration +
//!   per_metre * distance`, `solution.cost` is their sum and `solution.objective`
//!   adds the prizes of unassigned jobs and `vehicle_weight` per route.

use std::collections::HashMap;

use thiserror::Error;

use crate::problem::{
    Amount, Cost, Distance, JobIdx, JobKind, LocIdx, Problem, Task, Time, VehicleIdx,
};
use crate::solution::{ActivityKind, Route, Solution};

mod loads;
mod schedule;
#[cfg(test)]
mod tests;

use loads::{check_carry, check_loads, check_shipments};
use schedule::check_route;

/// One violated constraint. Routes and stops are positions in
/// [`Solution::routes`] and [`Route::activities`] (0-based).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Violation {
    #[error("route {route} stop {stop}: job {job} may only be served by its own vehicles")]
    NotAllowedVehicle {
        route: usize,
        stop: usize,
        job: JobIdx,
    },
    #[error("route {route}: unknown vehicle {vehicle}")]
    UnknownVehicle { route: usize, vehicle: VehicleIdx },
    #[error("route {route}: vehicle {vehicle} already drives route {first_route}")]
    VehicleUsedTwice {
        route: usize,
        vehicle: VehicleIdx,
        first_route: usize,
    },
    #[error("route {route}: no stops (an unused vehicle must not be listed)")]
    EmptyRoute { route: usize },
    #[error("route {route} stop {stop}: unknown job {job}")]
    UnknownJob {
        route: usize,
        stop: usize,
        job: JobIdx,
    },
    #[error("unassigned list: unknown job {job}")]
    UnknownUnassignedJob { job: JobIdx },
    #[error(
        "route {route} stop {stop}: job {job} has the wrong activity kind, expected {expected}"
    )]
    WrongActivityKind {
        route: usize,
        stop: usize,
        job: JobIdx,
        expected: &'static str,
    },
    #[error("route {route} stop {stop}: {task} of job {job} served again (first at route {first_route} stop {first_stop})")]
    ServedTwice {
        route: usize,
        stop: usize,
        job: JobIdx,
        task: &'static str,
        first_route: usize,
        first_stop: usize,
    },
    #[error("job {job}: {task} is not in any route while the rest of the job is")]
    TaskMissing { job: JobIdx, task: &'static str },
    #[error("job {job}: routed (route {route}) and listed as unassigned")]
    RoutedAndUnassigned { job: JobIdx, route: usize },
    #[error("job {job}: listed as unassigned more than once")]
    UnassignedTwice { job: JobIdx },
    #[error("job {job}: neither routed nor listed as unassigned")]
    JobMissing { job: JobIdx },
    #[error("route {route} stop {stop}: at location {got}, expected {expected}")]
    WrongLocation {
        route: usize,
        stop: usize,
        expected: LocIdx,
        got: LocIdx,
    },
    #[error(
        "job {job}: shipment pickup on route {pickup_route} but delivery on route {delivery_route}"
    )]
    ShipmentSplit {
        job: JobIdx,
        pickup_route: usize,
        delivery_route: usize,
    },
    #[error("route {route}: shipment {job} picked up and delivered on different trips")]
    ShipmentAcrossTrips { route: usize, job: JobIdx },
    #[error("route {route}: shipment {job} delivered (stop {delivery_stop}) before its pickup (stop {pickup_stop})")]
    DeliveryBeforePickup {
        route: usize,
        job: JobIdx,
        pickup_stop: usize,
        delivery_stop: usize,
    },
    #[error("route {route}: shipment {job} rides {ride}, more than its limit {max}")]
    MaxRide {
        route: usize,
        job: JobIdx,
        ride: Time,
        max: Time,
    },
    #[error("route {route} stop {stop}: delivery {job} carried {carried} since loading, more than its limit {max}")]
    MaxCarry {
        route: usize,
        stop: usize,
        job: JobIdx,
        carried: Time,
        max: Time,
    },
    #[error("route {route} {}: load {load} in dimension {dimension} exceeds capacity {capacity}", start_or(.stop))]
    Capacity {
        route: usize,
        stop: Option<usize>,
        dimension: usize,
        load: Amount,
        capacity: Amount,
    },
    #[error("route {route} stop {stop}: reported load {reported} in dimension {dimension}, recomputed {expected}")]
    LoadMismatch {
        route: usize,
        stop: usize,
        dimension: usize,
        reported: Amount,
        expected: Amount,
    },
    #[error("route {route}: reported start load {reported} in dimension {dimension}, recomputed {expected}")]
    StartLoadMismatch {
        route: usize,
        dimension: usize,
        reported: Amount,
        expected: Amount,
    },
    #[error("route {route} {}: load has {got} dimensions, the problem has {expected}", start_or(.stop))]
    LoadDimensions {
        route: usize,
        stop: Option<usize>,
        got: usize,
        expected: usize,
    },
    #[error("route {route} stop {stop}: reload on a vehicle without multi-trip")]
    ReloadNotAllowed { route: usize, stop: usize },
    #[error("route {route} stop {stop}: reload at {location}, not one of the vehicle's reload locations")]
    ReloadLocation {
        route: usize,
        stop: usize,
        location: LocIdx,
    },
    #[error("route {route}: {trips} trips, the vehicle allows {max}")]
    TooManyTrips { route: usize, trips: u32, max: u32 },
    #[error("route {route} {}: no path from {from} to {to}", end_or(.stop))]
    Unreachable {
        route: usize,
        stop: Option<usize>,
        from: LocIdx,
        to: LocIdx,
    },
    #[error("route {route} {}: arrives at {arrival}, but cannot get there before {earliest}", end_or(.stop))]
    TravelTooShort {
        route: usize,
        stop: Option<usize>,
        earliest: Time,
        arrival: Time,
    },
    #[error("route {route} stop {stop}: service begins at {begin}, before arrival at {arrival}")]
    BeginBeforeArrival {
        route: usize,
        stop: usize,
        arrival: Time,
        begin: Time,
    },
    #[error("route {route} stop {stop}: service begins at {begin}, outside every time window")]
    OutsideWindows {
        route: usize,
        stop: usize,
        begin: Time,
    },
    #[error(
        "route {route} stop {stop}: departure {departure} is not begin {begin} + service {service}"
    )]
    ServiceMismatch {
        route: usize,
        stop: usize,
        begin: Time,
        departure: Time,
        service: Time,
    },
    #[error("route {route}: starts at {start_time}, before the shift starts at {shift_start}")]
    ShiftStart {
        route: usize,
        start_time: Time,
        shift_start: Time,
    },
    #[error("route {route}: ends at {end_time}, after the shift ends at {shift_end}")]
    ShiftEnd {
        route: usize,
        end_time: Time,
        shift_end: Time,
    },
    #[error("route {route}: open start, but start time {start_time} is not the first arrival {first_arrival}")]
    OpenStartTime {
        route: usize,
        start_time: Time,
        first_arrival: Time,
    },
    #[error("route {route}: open end, but end time {end_time} is not the last departure {last_departure}")]
    OpenEndTime {
        route: usize,
        end_time: Time,
        last_departure: Time,
    },
    #[error("route {route}: duration {duration} exceeds the maximum {max}")]
    MaxDuration {
        route: usize,
        duration: Time,
        max: Time,
    },
    #[error("route {route}: distance {distance} exceeds the maximum {max}")]
    MaxDistance {
        route: usize,
        distance: Distance,
        max: Distance,
    },
    #[error("route {route}: {stops} stops, the maximum is {max}")]
    MaxStops { route: usize, stops: u32, max: u32 },
    #[error("route {route} stop {stop}: the vehicle lacks a skill job {job} requires")]
    Skills {
        route: usize,
        stop: usize,
        job: JobIdx,
    },
    #[error("route {route}: reported distance {reported}, recomputed {expected}")]
    RouteDistance {
        route: usize,
        reported: Distance,
        expected: Distance,
    },
    #[error("route {route}: reported duration {reported}, recomputed {expected}")]
    RouteDuration {
        route: usize,
        reported: Time,
        expected: Time,
    },
    #[error("route {route}: reported cost {reported}, recomputed {expected}")]
    RouteCost {
        route: usize,
        reported: Cost,
        expected: Cost,
    },
    #[error("solution: reported cost {reported}, recomputed {expected}")]
    SolutionCost { reported: Cost, expected: Cost },
    #[error("solution: reported objective {reported}, recomputed {expected}")]
    Objective { reported: Cost, expected: Cost },
}

/// "stop N", or "start" for the route start (loads at the start).
fn start_or(stop: &Option<usize>) -> String {
    stop.map_or_else(|| "start".to_string(), |s| format!("stop {s}"))
}

/// "stop N", or "end" for the arrival at the route end.
fn end_or(stop: &Option<usize>) -> String {
    stop.map_or_else(|| "end".to_string(), |s| format!("stop {s}"))
}

/// Whether `solution` violates nothing.
pub fn is_feasible(problem: &Problem, solution: &Solution) -> bool {
    check(problem, solution).is_empty()
}

/// Every constraint `solution` violates, in route order, then job accounting,
/// then the totals. Never panics on malformed solutions (unknown indices are
/// reported, not followed).
pub fn check(problem: &Problem, solution: &Solution) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut vehicle_route: HashMap<VehicleIdx, usize> = HashMap::new();
    // Where each job's first and second task was seen: (route, stop).
    let mut seen: Vec<[Option<(usize, usize)>; 2]> = vec![[None, None]; problem.jobs().len()];
    let mut cost_sum: Cost = 0;
    // Fair shares and preferences: part of the objective, not of route costs.
    let mut extra: Cost = 0;

    for (r, route) in solution.routes.iter().enumerate() {
        cost_sum = cost_sum.saturating_add(route.cost);
        if route.vehicle.get() >= problem.vehicles().len() {
            out.push(Violation::UnknownVehicle {
                route: r,
                vehicle: route.vehicle,
            });
            continue;
        }
        if let Some(&first) = vehicle_route.get(&route.vehicle) {
            out.push(Violation::VehicleUsedTwice {
                route: r,
                vehicle: route.vehicle,
                first_route: first,
            });
        } else {
            vehicle_route.insert(route.vehicle, r);
        }
        if route.activities.is_empty() {
            out.push(Violation::EmptyRoute { route: r });
        }
        record_jobs(problem, r, route, &mut seen, &mut out);
        extra = extra.saturating_add(assignment_cost(problem, r, route, &mut out));
        check_route(problem, r, route, &mut out);
    }

    // Job accounting.
    let mut unassigned_count = vec![0u32; problem.jobs().len()];
    let mut prizes: Cost = 0;
    for u in &solution.unassigned {
        match unassigned_count.get_mut(u.job.get()) {
            Some(c) => {
                *c += 1;
                if *c == 2 {
                    out.push(Violation::UnassignedTwice { job: u.job });
                }
                prizes = prizes.saturating_add(problem.prize(u.job));
            }
            None => out.push(Violation::UnknownUnassignedJob { job: u.job }),
        }
    }
    for (j, job) in problem.jobs().iter().enumerate() {
        let jid = JobIdx(j as u32);
        let [first, second] = seen[j];
        let routed = first.or(second);
        match (routed, unassigned_count[j]) {
            (Some((route, _)), n) if n > 0 => {
                out.push(Violation::RoutedAndUnassigned { job: jid, route })
            }
            (None, 0) => out.push(Violation::JobMissing { job: jid }),
            _ => {}
        }
        if let JobKind::Shipment { .. } = job.kind {
            match (first, second) {
                (Some(_), None) => out.push(Violation::TaskMissing {
                    job: jid,
                    task: "delivery",
                }),
                (None, Some(_)) => out.push(Violation::TaskMissing {
                    job: jid,
                    task: "pickup",
                }),
                (Some((pr, _)), Some((dr, _))) if pr != dr => out.push(Violation::ShipmentSplit {
                    job: jid,
                    pickup_route: pr,
                    delivery_route: dr,
                }),
                _ => {}
            }
        }
    }

    if cost_sum != solution.cost {
        out.push(Violation::SolutionCost {
            reported: solution.cost,
            expected: cost_sum,
        });
    }
    // Fair shares, per kind (profile): minus w·T²/(S·N) of the kind's total.
    if let Some(b) = problem.objective().balance {
        let mut total: HashMap<usize, (i128, i128)> = HashMap::new();
        for v in problem.vehicles() {
            total.entry(v.profile.get()).or_default().1 += 1;
        }
        for route in &solution.routes {
            if let Some(v) = problem.vehicles().get(route.vehicle.get()) {
                total.entry(v.profile.get()).or_default().0 += i128::from(route.duration.max(0));
            }
        }
        for (&k, (t, n)) in &total {
            let own = problem.balance_of(crate::problem::ProfileIdx(k as u32));
            if own.is_some_and(|x| x.target > 0) {
                continue; // against a target: no per-kind part
            }
            let scale = own.map_or(b.scale, |x| x.scale);
            let part = i128::from(b.weight) * t * t / (i128::from(scale.max(1)) * n.max(&1));
            extra = extra.saturating_sub(part.min(i128::from(Cost::MAX / 4)) as Cost);
        }
    }
    let objective = cost_sum
        .saturating_add(prizes)
        .saturating_add(extra)
        .saturating_add(
            problem
                .vehicle_weight()
                .saturating_mul(solution.routes.len() as Cost),
        );
    if objective != solution.objective {
        out.push(Violation::Objective {
            reported: solution.objective,
            expected: objective,
        });
    }
    out
}

/// The name of the activity kind a task of `kind` must appear in; slot 0 is
/// the only or pickup task, slot 1 the shipment delivery.
fn expected_kind(kind: &JobKind, slot: usize) -> &'static str {
    match (kind, slot) {
        (JobKind::Delivery(_), _) => "Delivery",
        (JobKind::Pickup(_), _) => "Pickup",
        (JobKind::Visit(_), _) => "Visit",
        (JobKind::Shipment { .. }, 0) => "ShipmentPickup",
        (JobKind::Shipment { .. }, _) => "ShipmentDelivery",
    }
}

/// The task an activity serves, if the activity kind matches the job kind.
/// Returns the task and its slot (0 or 1) or the name of the expected kind.
fn task_of(kind: ActivityKind, job: &JobKind) -> Result<(&Task, usize), &'static str> {
    match (kind, job) {
        (ActivityKind::Delivery(_), JobKind::Delivery(t))
        | (ActivityKind::Pickup(_), JobKind::Pickup(t))
        | (ActivityKind::Visit(_), JobKind::Visit(t)) => Ok((t, 0)),
        (ActivityKind::ShipmentPickup(_), JobKind::Shipment { pickup, .. }) => Ok((pickup, 0)),
        (ActivityKind::ShipmentDelivery(_), JobKind::Shipment { delivery, .. }) => {
            Ok((delivery, 1))
        }
        (ActivityKind::ShipmentPickup(_), k) => Err(expected_kind(k, 0)),
        (_, k) => Err(expected_kind(k, 1)),
    }
}

/// Records where each task is served and reports duplicates and wrong kinds.
/// What `route` adds to the objective for fair shares (the per-route part,
/// `weight * d² / scale` of its duration, or of what exceeds the target) and for jobs served by another vehicle than the
/// one they prefer; a job on a vehicle it is not allowed on is a violation.
fn assignment_cost(problem: &Problem, r: usize, route: &Route, out: &mut Vec<Violation>) -> Cost {
    let mut c: Cost = 0;
    let balance = problem
        .vehicles()
        .get(route.vehicle.get())
        .and_then(|v| problem.balance_of(v.profile));
    if let Some(b) = balance {
        let d = i128::from((route.duration - b.target.max(0)).max(0));
        let v = i128::from(b.weight) * d * d / i128::from(b.scale.max(1));
        c = c.saturating_add(v.min(i128::from(Cost::MAX / 4)) as Cost);
    }
    for (s, act) in route.activities.iter().enumerate() {
        let job = match act.kind {
            ActivityKind::Delivery(j)
            | ActivityKind::Pickup(j)
            | ActivityKind::Visit(j)
            | ActivityKind::ShipmentPickup(j) => j,
            // A shipment is counted once, at its pickup; its delivery is
            // checked for the vehicle too.
            ActivityKind::ShipmentDelivery(j) => {
                if j.get() < problem.jobs().len() && !problem.may_serve(j, route.vehicle) {
                    out.push(Violation::NotAllowedVehicle {
                        route: r,
                        stop: s,
                        job: j,
                    });
                }
                continue;
            }
            ActivityKind::Reload => continue,
        };
        if job.get() >= problem.jobs().len() {
            continue;
        }
        if !problem.may_serve(job, route.vehicle) {
            out.push(Violation::NotAllowedVehicle {
                route: r,
                stop: s,
                job,
            });
        }
        if let Some((p, cost)) = problem.preference(job) {
            if p != route.vehicle {
                c = c.saturating_add(cost);
            }
        }
    }
    c
}

fn record_jobs(
    problem: &Problem,
    r: usize,
    route: &Route,
    seen: &mut [[Option<(usize, usize)>; 2]],
    out: &mut Vec<Violation>,
) {
    for (s, act) in route.activities.iter().enumerate() {
        let Some(j) = act.kind.job() else { continue };
        let Some(job) = problem.jobs().get(j.get()) else {
            out.push(Violation::UnknownJob {
                route: r,
                stop: s,
                job: j,
            });
            continue;
        };
        match task_of(act.kind, &job.kind) {
            Ok((_, slot)) => {
                let task = if matches!(job.kind, JobKind::Shipment { .. }) {
                    ["pickup", "delivery"][slot]
                } else {
                    "task"
                };
                match seen[j.get()][slot] {
                    Some((fr, fs)) => out.push(Violation::ServedTwice {
                        route: r,
                        stop: s,
                        job: j,
                        task,
                        first_route: fr,
                        first_stop: fs,
                    }),
                    None => seen[j.get()][slot] = Some((r, s)),
                }
            }
            Err(expected) => out.push(Violation::WrongActivityKind {
                route: r,
                stop: s,
                job: j,
                expected,
            }),
        }
    }
}
