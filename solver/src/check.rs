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

/// One violated constraint. Routes and stops are positions in
/// [`Solution::routes`] and [`Route::activities`] (0-based).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Violation {
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
    let objective = cost_sum.saturating_add(prizes).saturating_add(
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

/// Checks one route of a known vehicle: locations, skills, loads, reloads,
/// shipments, schedule, limits and reported totals.
fn check_route(problem: &Problem, r: usize, route: &Route, out: &mut Vec<Violation>) {
    let vehicle = problem.vehicle(route.vehicle);
    let matrix = problem.matrix(vehicle.profile);
    let acts = &route.activities;

    // Locations, skills, service times and the stop count.
    let mut services: Vec<Option<Time>> = Vec::with_capacity(acts.len());
    let mut stops = 0u32;
    let mut reloads = 0u32;
    for (s, act) in acts.iter().enumerate() {
        let service = match act.kind.job() {
            Some(j) => {
                stops += 1;
                let Some(job) = problem.jobs().get(j.get()) else {
                    services.push(None);
                    continue;
                };
                if !vehicle.skills.covers(job.skills) {
                    out.push(Violation::Skills {
                        route: r,
                        stop: s,
                        job: j,
                    });
                }
                match task_of(act.kind, &job.kind) {
                    Ok((task, _)) => {
                        if act.location != task.location {
                            out.push(Violation::WrongLocation {
                                route: r,
                                stop: s,
                                expected: task.location,
                                got: act.location,
                            });
                        }
                        if !task
                            .windows
                            .iter()
                            .any(|w| w.start <= act.begin && act.begin <= w.end)
                        {
                            out.push(Violation::OutsideWindows {
                                route: r,
                                stop: s,
                                begin: act.begin,
                            });
                        }
                        Some(task.service)
                    }
                    Err(_) => None,
                }
            }
            None => {
                reloads += 1;
                match &vehicle.reload {
                    None => {
                        out.push(Violation::ReloadNotAllowed { route: r, stop: s });
                        None
                    }
                    Some(reload) => {
                        if !reload.locations.contains(&act.location) {
                            out.push(Violation::ReloadLocation {
                                route: r,
                                stop: s,
                                location: act.location,
                            });
                        }
                        Some(reload.service)
                    }
                }
            }
        };
        services.push(service);
    }
    if let Some(max) = vehicle.max_stops {
        if stops > max {
            out.push(Violation::MaxStops {
                route: r,
                stops,
                max,
            });
        }
    }
    if let Some(reload) = &vehicle.reload {
        if let Some(max) = reload.max_trips {
            if reloads + 1 > max {
                out.push(Violation::TooManyTrips {
                    route: r,
                    trips: reloads + 1,
                    max,
                });
            }
        }
    }

    check_loads(problem, r, route, out);
    check_shipments(problem, r, route, out);
    check_carry(problem, r, route, out);

    // Schedule and distance.
    let mut distance: Distance = 0;
    let mut prev: Option<(LocIdx, Time)> = vehicle.start.map(|s| (s, route.start_time));
    for (s, act) in acts.iter().enumerate() {
        if let Some((from, departure)) = prev {
            travel(
                matrix,
                r,
                Some(s),
                from,
                act.location,
                departure,
                act.arrival,
                &mut distance,
                out,
            );
        }
        if act.begin < act.arrival {
            out.push(Violation::BeginBeforeArrival {
                route: r,
                stop: s,
                arrival: act.arrival,
                begin: act.begin,
            });
        }
        if let Some(service) = services[s] {
            if act.departure != act.begin.saturating_add(service) {
                out.push(Violation::ServiceMismatch {
                    route: r,
                    stop: s,
                    begin: act.begin,
                    departure: act.departure,
                    service,
                });
            }
        }
        prev = Some((act.location, act.departure));
    }
    match (vehicle.end, prev) {
        (Some(end), Some((from, departure))) => {
            travel(
                matrix,
                r,
                None,
                from,
                end,
                departure,
                route.end_time,
                &mut distance,
                out,
            );
        }
        (None, Some((_, departure))) if !acts.is_empty() && route.end_time != departure => {
            out.push(Violation::OpenEndTime {
                route: r,
                end_time: route.end_time,
                last_departure: departure,
            });
        }
        _ => {}
    }
    if vehicle.start.is_none() {
        if let Some(first) = acts.first() {
            if route.start_time != first.arrival {
                out.push(Violation::OpenStartTime {
                    route: r,
                    start_time: route.start_time,
                    first_arrival: first.arrival,
                });
            }
        }
    }
    if route.start_time < vehicle.shift.start {
        out.push(Violation::ShiftStart {
            route: r,
            start_time: route.start_time,
            shift_start: vehicle.shift.start,
        });
    }
    if route.end_time > vehicle.shift.end {
        out.push(Violation::ShiftEnd {
            route: r,
            end_time: route.end_time,
            shift_end: vehicle.shift.end,
        });
    }

    // Limits and reported totals.
    let duration = route.end_time - route.start_time;
    if let Some(max) = vehicle.max_duration {
        if duration > max {
            out.push(Violation::MaxDuration {
                route: r,
                duration,
                max,
            });
        }
    }
    if let Some(max) = vehicle.max_distance {
        if distance > max {
            out.push(Violation::MaxDistance {
                route: r,
                distance,
                max,
            });
        }
    }
    if route.distance != distance {
        out.push(Violation::RouteDistance {
            route: r,
            reported: route.distance,
            expected: distance,
        });
    }
    if route.duration != duration {
        out.push(Violation::RouteDuration {
            route: r,
            reported: route.duration,
            expected: duration,
        });
    }
    let cost = vehicle
        .fixed_cost
        .saturating_add(vehicle.cost_per_second.saturating_mul(duration))
        .saturating_add(vehicle.cost_per_metre.saturating_mul(distance));
    if route.cost != cost {
        out.push(Violation::RouteCost {
            route: r,
            reported: route.cost,
            expected: cost,
        });
    }
}

/// Checks one arc: reachability, arrival after departure plus travel; adds its distance.
#[allow(clippy::too_many_arguments)]
fn travel(
    matrix: &crate::problem::Matrix,
    r: usize,
    stop: Option<usize>,
    from: LocIdx,
    to: LocIdx,
    departure: Time,
    arrival: Time,
    distance: &mut Distance,
    out: &mut Vec<Violation>,
) {
    if from.get() >= matrix.size() || to.get() >= matrix.size() || !matrix.reachable(from, to) {
        out.push(Violation::Unreachable {
            route: r,
            stop,
            from,
            to,
        });
        return;
    }
    *distance += matrix.distance(from, to);
    let earliest = departure.saturating_add(matrix.duration(from, to));
    if arrival < earliest {
        out.push(Violation::TravelTooShort {
            route: r,
            stop,
            earliest,
            arrival,
        });
    }
}

/// Recomputes the load along the route from the job kinds and compares it
/// with the capacity and with the reported loads.
fn check_loads(problem: &Problem, r: usize, route: &Route, out: &mut Vec<Violation>) {
    let dims = problem.dimensions();
    let capacity = &problem.vehicle(route.vehicle).capacity;
    let acts = &route.activities;
    let demand_of = |k: ActivityKind| problem.jobs().get(k.job()?.get()).map(|j| &j.demand);

    // What a trip starting at stop `from` (exclusive of that reload) loads: its deliveries.
    let trip_deliveries = |from: usize| {
        let mut load = vec![0 as Amount; dims];
        for act in acts[from..]
            .iter()
            .take_while(|a| a.kind != ActivityKind::Reload)
        {
            if let (ActivityKind::Delivery(_), Some(d)) = (act.kind, demand_of(act.kind)) {
                for (l, x) in load.iter_mut().zip(d) {
                    *l += x;
                }
            }
        }
        load
    };
    let over = |load: &[Amount], stop: Option<usize>, out: &mut Vec<Violation>| {
        for (dimension, (&l, &c)) in load.iter().zip(capacity).enumerate() {
            if l > c {
                out.push(Violation::Capacity {
                    route: r,
                    stop,
                    dimension,
                    load: l,
                    capacity: c,
                });
            }
        }
    };

    let mut load = trip_deliveries(0);
    if route.start_load.len() != dims {
        out.push(Violation::LoadDimensions {
            route: r,
            stop: None,
            got: route.start_load.len(),
            expected: dims,
        });
    } else {
        for (dimension, (&rep, &exp)) in route.start_load.iter().zip(&load).enumerate() {
            if rep != exp {
                out.push(Violation::StartLoadMismatch {
                    route: r,
                    dimension,
                    reported: rep,
                    expected: exp,
                });
            }
        }
    }
    over(&load, None, out);
    for (s, act) in acts.iter().enumerate() {
        match act.kind {
            ActivityKind::Reload => load = trip_deliveries(s + 1),
            k => {
                let sign = match k {
                    ActivityKind::Pickup(_) | ActivityKind::ShipmentPickup(_) => 1,
                    ActivityKind::Delivery(_) | ActivityKind::ShipmentDelivery(_) => -1,
                    _ => 0,
                };
                if let Some(d) = demand_of(k) {
                    for (l, x) in load.iter_mut().zip(d) {
                        *l += sign * x;
                    }
                }
            }
        }
        over(&load, Some(s), out);
        if act.load_after.len() != dims {
            out.push(Violation::LoadDimensions {
                route: r,
                stop: Some(s),
                got: act.load_after.len(),
                expected: dims,
            });
            continue;
        }
        for (dimension, (&rep, &exp)) in act.load_after.iter().zip(&load).enumerate() {
            if rep != exp {
                out.push(Violation::LoadMismatch {
                    route: r,
                    stop: s,
                    dimension,
                    reported: rep,
                    expected: exp,
                });
            }
        }
    }
}

/// The carry limit of deliveries loaded at the trip start: from the trip's
/// departure (route start or reload) to the begin of the hand-over.
fn check_carry(problem: &Problem, r: usize, route: &Route, out: &mut Vec<Violation>) {
    let mut loaded_at = route.start_time;
    for (s, act) in route.activities.iter().enumerate() {
        match act.kind {
            ActivityKind::Reload => loaded_at = act.departure,
            ActivityKind::Delivery(j) => {
                let Some(max) = problem.jobs().get(j.get()).and_then(|job| job.max_carry) else {
                    continue;
                };
                let carried = act.begin - loaded_at;
                if carried > max {
                    out.push(Violation::MaxCarry {
                        route: r,
                        stop: s,
                        job: j,
                        carried,
                        max,
                    });
                }
            }
            _ => {}
        }
    }
}

/// Where a shipment task was seen on a route: (stop index, trip number).
type Seen = Option<(usize, u32)>;

/// Pickup before delivery, same trip, and the ride limit, for shipments whose
/// two tasks are both on this route.
fn check_shipments(problem: &Problem, r: usize, route: &Route, out: &mut Vec<Violation>) {
    // job -> (pickup, delivery)
    let mut found: HashMap<JobIdx, (Seen, Seen)> = HashMap::new();
    let mut trip = 0u32;
    for (s, act) in route.activities.iter().enumerate() {
        match act.kind {
            ActivityKind::Reload => trip += 1,
            ActivityKind::ShipmentPickup(j) => {
                found.entry(j).or_default().0.get_or_insert((s, trip));
            }
            ActivityKind::ShipmentDelivery(j) => {
                found.entry(j).or_default().1.get_or_insert((s, trip));
            }
            _ => {}
        }
    }
    let mut jobs: Vec<_> = found.into_iter().collect();
    jobs.sort_by_key(|(j, _)| *j);
    for (j, pair) in jobs {
        let (Some((ps, pt)), Some((ds, dt))) = pair else {
            continue;
        };
        let Some(job) = problem.jobs().get(j.get()) else {
            continue;
        };
        let JobKind::Shipment { max_ride, .. } = &job.kind else {
            continue;
        };
        if ds < ps {
            out.push(Violation::DeliveryBeforePickup {
                route: r,
                job: j,
                pickup_stop: ps,
                delivery_stop: ds,
            });
        } else if pt != dt {
            out.push(Violation::ShipmentAcrossTrips { route: r, job: j });
        }
        if let Some(max) = *max_ride {
            let ride = route.activities[ds].begin - route.activities[ps].departure;
            if ride > max {
                out.push(Violation::MaxRide {
                    route: r,
                    job: j,
                    ride,
                    max,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::schedule::{build_route, build_solution};
    use crate::problem::*;
    use crate::solution::{Unassigned, UnassignedReason};
    use ActivityKind::*;

    // Jobs of the fixture, by index.
    const D2_SKILL: JobIdx = JobIdx(4);
    const D1: JobIdx = JobIdx(0);
    const P2: JobIdx = JobIdx(1);
    const V3: JobIdx = JobIdx(2);
    const S45: JobIdx = JobIdx(3);
    const U6: JobIdx = JobIdx(5);
    const D3: JobIdx = JobIdx(6);
    const V1: JobIdx = JobIdx(7);
    const VAN: VehicleIdx = VehicleIdx(0);
    const MULTI: VehicleIdx = VehicleIdx(1);
    const OPEN: VehicleIdx = VehicleIdx(2);

    fn job(id: &str, kind: JobKind, demand: [Amount; 2]) -> Job {
        Job {
            id: id.into(),
            kind,
            demand: demand.to_vec(),
            priority: Priority::Routine,
            skills: Skills::NONE,
            prize: None,
            max_carry: None,
        }
    }

    /// Seven places on a line, 10 s and 100 m apart; place 6 is cut off.
    /// Vehicles: a van with a skill, a multi-trip walker, an open-ended bike.
    fn problem_with(modify: impl FnOnce(&mut Vec<Vehicle>, &mut Vec<Job>)) -> Problem {
        let n = 7usize;
        let mut dur = vec![0; n * n];
        let mut dist = vec![0; n * n];
        for a in 0..n {
            for b in 0..n {
                let d = (a as i32 - b as i32).abs();
                let cut = (a == 6) != (b == 6);
                dur[a * n + b] = if cut { UNREACHABLE } else { 10 * d };
                dist[a * n + b] = if cut { UNREACHABLE } else { 100 * d };
            }
        }
        let t = |l: u32| Task::new(LocIdx(l), 0, vec![]);
        let mut jobs = vec![
            job("d1", JobKind::Delivery(t(1)), [3, 1]),
            job("p2", JobKind::Pickup(t(2)), [2, 0]),
            job(
                "v3",
                JobKind::Visit(Task::new(
                    LocIdx(3),
                    5,
                    vec![TimeWindow::new(0, 20), TimeWindow::new(100, 200)],
                )),
                [0, 0],
            ),
            job(
                "s45",
                JobKind::Shipment {
                    pickup: t(4),
                    delivery: t(5),
                    max_ride: Some(50),
                },
                [1, 1],
            ),
            Job {
                skills: Skills(1),
                ..job("d2", JobKind::Delivery(t(2)), [4, 0])
            },
            Job {
                prize: Some(1000),
                ..job("u6", JobKind::Delivery(t(6)), [1, 0])
            },
            job("d3", JobKind::Delivery(t(3)), [3, 0]),
            job("v1", JobKind::Visit(t(1)), [0, 0]),
        ];
        let mut van = Vehicle::new("van", ProfileIdx(0), LocIdx(0), vec![10, 2]);
        van.shift = TimeWindow::new(0, 1000);
        van.fixed_cost = 7;
        van.cost_per_second = 1;
        van.skills = Skills(1);
        let mut multi = Vehicle::new("multi", ProfileIdx(0), LocIdx(0), vec![4, 4]);
        multi.reload = Some(crate::problem::Reload {
            locations: vec![LocIdx(0)],
            service: 5,
            max_trips: Some(2),
        });
        let mut open = Vehicle::new("open", ProfileIdx(0), LocIdx(0), vec![10, 10]);
        open.start = None;
        open.end = None;
        open.cost_per_second = 2;
        let mut vehicles = vec![van, multi, open];
        modify(&mut vehicles, &mut jobs);
        let mut b = ProblemBuilder::new(2);
        b.matrix(Matrix::new(n, dur, dist).unwrap());
        for v in vehicles {
            b.vehicle(v);
        }
        for j in jobs {
            b.job(j);
        }
        b.build().unwrap()
    }

    fn problem() -> Problem {
        problem_with(|_, _| {})
    }

    fn routes(p: &Problem, plan: &[(VehicleIdx, Vec<ActivityKind>)]) -> Solution {
        let routes = plan
            .iter()
            .map(|(v, kinds)| build_route(p, *v, kinds))
            .collect();
        build_solution(p, routes, UnassignedReason::LeftOutForCost)
    }

    fn base_plan() -> Vec<(VehicleIdx, Vec<ActivityKind>)> {
        vec![
            (
                VAN,
                vec![
                    Delivery(D2_SKILL),
                    Pickup(P2),
                    Visit(V3),
                    ShipmentPickup(S45),
                    ShipmentDelivery(S45),
                ],
            ),
            (MULTI, vec![Delivery(D1), Reload, Delivery(D3)]),
            (OPEN, vec![Visit(V1)]),
        ]
    }

    fn base(p: &Problem) -> Solution {
        routes(p, &base_plan())
    }

    /// Re-totals a solution after a hand edit of route fields, so that only
    /// the intended violation remains.
    fn retotal(p: &Problem, mut s: Solution) -> Solution {
        s.cost = s.routes.iter().map(|r| r.cost).sum();
        s.objective = s.cost
            + s.unassigned.iter().map(|u| p.prize(u.job)).sum::<Cost>()
            + p.vehicle_weight() * s.routes.len() as Cost;
        s
    }

    fn has(v: &[Violation], pred: impl Fn(&Violation) -> bool) -> bool {
        v.iter().any(pred)
    }

    #[test]
    fn valid_solution_has_no_violation() {
        let p = problem();
        let s = base(&p);
        assert_eq!(check(&p, &s), vec![]);
        assert!(is_feasible(&p, &s));
        // The schedule is the one worked out by hand.
        let van = &s.routes[0];
        let begins: Vec<Time> = van.activities.iter().map(|a| a.begin).collect();
        assert_eq!(begins, vec![20, 20, 100, 115, 125]);
        assert_eq!(van.start_load, vec![4, 0]);
        assert_eq!(van.distance, 1000);
        assert_eq!(van.cost, 7 + 175 + 1000);
        assert_eq!(
            s.unassigned,
            vec![Unassigned {
                job: U6,
                reason: UnassignedReason::LeftOutForCost
            }]
        );
    }

    #[test]
    fn job_neither_routed_nor_unassigned() {
        let p = problem();
        let mut s = base(&p);
        s.unassigned.clear();
        let s = retotal(&p, s);
        assert_eq!(check(&p, &s), vec![Violation::JobMissing { job: U6 }]);
    }

    #[test]
    fn job_served_twice() {
        let p = problem();
        let mut plan = base_plan();
        plan[2].1.push(Visit(V1));
        let v = check(&p, &routes(&p, &plan));
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::ServedTwice {
                    job: V1,
                    route: 2,
                    stop: 1,
                    ..
                }
            )),
            "{v:?}"
        );
    }

    #[test]
    fn job_routed_and_unassigned() {
        let p = problem();
        let mut s = base(&p);
        s.unassigned.push(Unassigned {
            job: V1,
            reason: UnassignedReason::LeftOutForCost,
        });
        let s = retotal(&p, s);
        assert_eq!(
            check(&p, &s),
            vec![Violation::RoutedAndUnassigned { job: V1, route: 2 }]
        );
    }

    #[test]
    fn job_unassigned_twice() {
        let p = problem();
        let mut s = base(&p);
        s.unassigned.push(Unassigned {
            job: U6,
            reason: UnassignedReason::Unreachable,
        });
        let s = retotal(&p, s);
        assert_eq!(check(&p, &s), vec![Violation::UnassignedTwice { job: U6 }]);
    }

    #[test]
    fn unknown_indices_are_reported_not_followed() {
        let p = problem();
        let mut s = base(&p);
        s.routes[2].activities[0].kind = Visit(JobIdx(99));
        s.unassigned.push(Unassigned {
            job: JobIdx(77),
            reason: UnassignedReason::LeftOutForCost,
        });
        s.routes.push(Route {
            vehicle: VehicleIdx(9),
            ..s.routes[0].clone()
        });
        let v = check(&p, &s);
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::UnknownJob {
                    job: JobIdx(99),
                    ..
                }
            )),
            "{v:?}"
        );
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::UnknownUnassignedJob { job: JobIdx(77) }
            )),
            "{v:?}"
        );
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::UnknownVehicle { route: 3, .. }
            )),
            "{v:?}"
        );
    }

    #[test]
    fn wrong_activity_kind() {
        let p = problem();
        let mut s = base(&p);
        s.routes[2].activities[0].kind = Delivery(V1);
        let v = check(&p, &s);
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::WrongActivityKind {
                    job: V1,
                    expected: "Visit",
                    ..
                }
            )),
            "{v:?}"
        );
    }

    #[test]
    fn shipment_half_missing() {
        let p = problem();
        let mut plan = base_plan();
        plan[0].1.pop();
        let v = check(&p, &routes(&p, &plan));
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::TaskMissing {
                    job: S45,
                    task: "delivery"
                }
            )),
            "{v:?}"
        );
    }

    #[test]
    fn wrong_location() {
        let p = problem();
        let mut s = base(&p);
        s.routes[2].activities[0].location = LocIdx(2);
        let v = check(&p, &s);
        assert_eq!(
            v,
            vec![Violation::WrongLocation {
                route: 2,
                stop: 0,
                expected: LocIdx(1),
                got: LocIdx(2)
            }]
        );
    }

    #[test]
    fn shipment_split_over_routes() {
        let p = problem();
        let mut plan = base_plan();
        plan[0].1.pop();
        plan[2].1.push(ShipmentDelivery(S45));
        let v = check(&p, &routes(&p, &plan));
        assert!(has(&v, |x| matches!(
            x,
            Violation::ShipmentSplit {
                job: S45,
                pickup_route: 0,
                delivery_route: 2
            }
        )));
    }

    #[test]
    fn delivery_before_pickup() {
        let p = problem();
        let mut plan = base_plan();
        plan[0].1.swap(3, 4);
        let v = check(&p, &routes(&p, &plan));
        assert!(has(&v, |x| matches!(
            x,
            Violation::DeliveryBeforePickup {
                job: S45,
                pickup_stop: 4,
                delivery_stop: 3,
                ..
            }
        )));
    }

    #[test]
    fn shipment_across_trips() {
        let p = problem_with(|_, jobs| {
            if let JobKind::Shipment { max_ride, .. } = &mut jobs[3].kind {
                *max_ride = None;
            }
        });
        let mut plan = base_plan();
        plan[0].1.truncate(3);
        plan[1].1 = vec![
            ShipmentPickup(S45),
            Delivery(D1),
            Reload,
            ShipmentDelivery(S45),
            Delivery(D3),
        ];
        let v = check(&p, &routes(&p, &plan));
        assert_eq!(
            v,
            vec![Violation::ShipmentAcrossTrips { route: 1, job: S45 }]
        );
    }

    #[test]
    fn max_ride_exceeded() {
        let p = problem();
        let mut plan = base_plan();
        // Pickup at 4 (t=40), then the visit at 3 waits for its second window (100..105), delivery at 125.
        plan[0].1 = vec![
            Delivery(D2_SKILL),
            Pickup(P2),
            ShipmentPickup(S45),
            Visit(V3),
            ShipmentDelivery(S45),
        ];
        let v = check(&p, &routes(&p, &plan));
        assert_eq!(
            v,
            vec![Violation::MaxRide {
                route: 0,
                job: S45,
                ride: 85,
                max: 50
            }]
        );
    }

    #[test]
    fn max_carry_counts_from_the_trip_start() {
        // Multi: d1 at 1 (t=10), reload at 0 (20..25), d3 at 3 (t=55).
        let limits = |d1: Time, d3: Time| {
            problem_with(|_, jobs| {
                jobs[D1.get()].max_carry = Some(d1);
                jobs[D3.get()].max_carry = Some(d3);
            })
        };
        // d3 is 55 s after the route start but 30 s after its reload: in time.
        let p = limits(10, 30);
        assert_eq!(check(&p, &base(&p)), vec![]);
        let p = limits(9, 29);
        assert_eq!(
            check(&p, &base(&p)),
            vec![
                Violation::MaxCarry {
                    route: 1,
                    stop: 0,
                    job: D1,
                    carried: 10,
                    max: 9
                },
                Violation::MaxCarry {
                    route: 1,
                    stop: 2,
                    job: D3,
                    carried: 30,
                    max: 29
                }
            ]
        );
        // Waiting at the door counts; loading later at the reload (waiting in
        // the cold) instead does not.
        let p = limits(10, 30);
        let retime = |s: &mut Solution| {
            let r = &mut s.routes[1];
            let last = r.activities.last().expect("stops").departure;
            r.end_time = last + 30;
            r.duration = r.end_time - r.start_time;
            let v = p.vehicle(MULTI);
            r.cost = v.fixed_cost + v.cost_per_second * r.duration + v.cost_per_metre * r.distance;
        };
        let mut s = base(&p);
        s.routes[1].activities[2].begin += 5;
        s.routes[1].activities[2].departure += 5;
        retime(&mut s);
        let late = retotal(&p, s.clone());
        assert_eq!(
            check(&p, &late),
            vec![Violation::MaxCarry {
                route: 1,
                stop: 2,
                job: D3,
                carried: 35,
                max: 30
            }]
        );
        let acts = &mut s.routes[1].activities;
        acts[1].begin += 5;
        acts[1].departure += 5;
        acts[2].arrival += 5;
        assert_eq!(check(&p, &retotal(&p, s)), vec![]);
    }

    #[test]
    fn max_carry_is_only_for_deliveries() {
        let build = |kind: JobKind| {
            let mut b = ProblemBuilder::new(2);
            b.matrix(Matrix::from_distances(2, vec![0, 1, 1, 0]).unwrap());
            b.vehicle(Vehicle::new("v", ProfileIdx(0), LocIdx(0), vec![1, 1]));
            b.job(Job {
                max_carry: Some(60),
                ..job("j", kind, [1, 0])
            });
            b.build()
        };
        let t = || Task::new(LocIdx(1), 0, vec![]);
        assert!(build(JobKind::Delivery(t())).is_ok());
        assert!(matches!(
            build(JobKind::Pickup(t())),
            Err(ProblemError::MaxCarryNotOnDelivery { .. })
        ));
    }

    #[test]
    fn capacity_exceeded_without_reload() {
        let p = problem();
        let mut plan = base_plan();
        plan[1].1 = vec![Delivery(D1), Delivery(D3)];
        let v = check(&p, &routes(&p, &plan));
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::Capacity {
                    route: 1,
                    stop: None,
                    dimension: 0,
                    load: 6,
                    capacity: 4
                }
            )),
            "{v:?}"
        );
        // Second dimension too: the van's 2 parcels with a shipment on board and a pickup-free delivery.
        // The delivery of d1 (1 parcel) still on board when the shipment (1 parcel) is picked up.
        let mut plan = base_plan();
        plan[0].1.push(Delivery(D1));
        plan[1].1 = vec![Delivery(D3)];
        let p2 = problem_with(|vs, _| vs[0].capacity = vec![10, 1]);
        let v = check(&p2, &routes(&p2, &plan));
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::Capacity {
                    route: 0,
                    stop: Some(3),
                    dimension: 1,
                    load: 2,
                    capacity: 1
                }
            )),
            "{v:?}"
        );
    }

    #[test]
    fn pickups_stay_on_board_until_trip_end() {
        // The pickup of 2 after delivering 4 fits a capacity of 4, but not if
        // the pickup came first with the deliveries still on board.
        let p = problem_with(|vs, _| vs[0].capacity = vec![4, 2]);
        let mut plan = base_plan();
        assert_eq!(check(&p, &routes(&p, &plan)), vec![]);
        plan[0].1.swap(0, 1);
        let v = check(&p, &routes(&p, &plan));
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::Capacity {
                    route: 0,
                    stop: Some(0),
                    load: 6,
                    ..
                }
            )),
            "{v:?}"
        );
    }

    #[test]
    fn reported_loads_must_match() {
        let p = problem();
        let mut s = base(&p);
        s.routes[1].activities[1].load_after = vec![0, 0]; // after the reload, 3 are on board
        s.routes[0].start_load = vec![5, 0];
        let v = check(&p, &s);
        assert_eq!(
            v,
            vec![
                Violation::StartLoadMismatch {
                    route: 0,
                    dimension: 0,
                    reported: 5,
                    expected: 4
                },
                Violation::LoadMismatch {
                    route: 1,
                    stop: 1,
                    dimension: 0,
                    reported: 0,
                    expected: 3
                },
            ]
        );
        let mut s = base(&p);
        s.routes[2].activities[0].load_after = vec![0];
        assert_eq!(
            check(&p, &s),
            vec![Violation::LoadDimensions {
                route: 2,
                stop: Some(0),
                got: 1,
                expected: 2
            }]
        );
    }

    #[test]
    fn reload_rules() {
        let p = problem();
        let mut plan = base_plan();
        plan[0].1.insert(1, Reload);
        let v = check(&p, &routes(&p, &plan));
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::ReloadNotAllowed { route: 0, stop: 1 }
            )),
            "{v:?}"
        );

        let mut s = base(&p);
        s.routes[1].activities[1].location = LocIdx(1);
        let v = check(&p, &s);
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::ReloadLocation {
                    route: 1,
                    stop: 1,
                    location: LocIdx(1)
                }
            )),
            "{v:?}"
        );

        let mut plan = base_plan();
        plan[2].1.clear();
        plan.pop();
        plan[1].1.extend([Reload, Visit(V1)]);
        let v = check(&p, &routes(&p, &plan));
        assert_eq!(
            v,
            vec![Violation::TooManyTrips {
                route: 1,
                trips: 3,
                max: 2
            }]
        );
    }

    #[test]
    fn unreachable_arc() {
        let p = problem();
        let mut plan = base_plan();
        plan[0].1.push(Delivery(U6));
        let v = check(&p, &routes(&p, &plan));
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::Unreachable {
                    route: 0,
                    stop: Some(5),
                    to: LocIdx(6),
                    ..
                }
            )),
            "{v:?}"
        );
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::Unreachable {
                    route: 0,
                    stop: None,
                    from: LocIdx(6),
                    ..
                }
            )),
            "{v:?}"
        );
    }

    #[test]
    fn schedule_violations() {
        let p = problem();
        // Arrival earlier than travel allows.
        let mut s = base(&p);
        let a = &mut s.routes[0].activities[1];
        a.arrival -= 1;
        a.begin -= 1;
        a.departure -= 1;
        let v = check(&p, &s);
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::TravelTooShort {
                    route: 0,
                    stop: Some(1),
                    earliest: 20,
                    arrival: 19
                }
            )),
            "{v:?}"
        );
        // Begin before arrival.
        let mut s = base(&p);
        s.routes[0].activities[2].begin = 25;
        s.routes[0].activities[2].departure = 30;
        let v = check(&p, &s);
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::BeginBeforeArrival {
                    route: 0,
                    stop: 2,
                    ..
                }
            )),
            "{v:?}"
        );
        // Begin between the two windows of the visit.
        let mut s = base(&p);
        s.routes[0].activities[2].begin = 50;
        s.routes[0].activities[2].departure = 55;
        assert_eq!(
            check(&p, &s),
            vec![Violation::OutsideWindows {
                route: 0,
                stop: 2,
                begin: 50
            }]
        );
        // Departure not begin + service.
        let mut s = base(&p);
        s.routes[0].activities[2].departure = 101;
        let v = check(&p, &s);
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::ServiceMismatch {
                    route: 0,
                    stop: 2,
                    service: 5,
                    ..
                }
            )),
            "{v:?}"
        );
        // Arriving at the end too early.
        let mut s = base(&p);
        s.routes[0].end_time -= 1;
        s.routes[0].duration -= 1;
        s.routes[0].cost -= 1;
        let s = retotal(&p, s);
        let v = check(&p, &s);
        assert_eq!(
            v,
            vec![Violation::TravelTooShort {
                route: 0,
                stop: None,
                earliest: 175,
                arrival: 174
            }]
        );
    }

    #[test]
    fn shift_bounds() {
        let p = problem_with(|vs, _| vs[1].shift = TimeWindow::new(5, 1000));
        let mut s = base(&p);
        assert_eq!(s.routes[1].start_time, 5);
        s.routes[1].start_time = 4;
        s.routes[1].duration += 1; // the walker costs per metre only
        let s = retotal(&p, s);
        assert_eq!(
            check(&p, &s),
            vec![Violation::ShiftStart {
                route: 1,
                start_time: 4,
                shift_start: 5
            }]
        );

        let p = problem_with(|vs, _| vs[0].shift = TimeWindow::new(0, 150));
        let v = check(&p, &base(&p));
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::ShiftEnd {
                    route: 0,
                    end_time: 175,
                    shift_end: 150
                }
            )),
            "{v:?}"
        );
    }

    #[test]
    fn open_start_and_end() {
        let p = problem();
        let s = base(&p);
        let open = &s.routes[2];
        // An open route starts on arrival at its first stop and ends when leaving its last one.
        assert_eq!((open.start_time, open.end_time, open.distance), (0, 0, 0));
        let mut s2 = s.clone();
        s2.routes[2].start_time = -3;
        s2.routes[2].duration = 3;
        s2.routes[2].cost = 6 + 0;
        let s2 = retotal(&p, s2);
        let v = check(&p, &s2);
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::OpenStartTime {
                    route: 2,
                    start_time: -3,
                    first_arrival: 0
                }
            )),
            "{v:?}"
        );
        let mut s3 = s.clone();
        s3.routes[2].end_time = 9;
        s3.routes[2].duration = 9;
        s3.routes[2].cost = 18;
        let s3 = retotal(&p, s3);
        assert_eq!(
            check(&p, &s3),
            vec![Violation::OpenEndTime {
                route: 2,
                end_time: 9,
                last_departure: 0
            }]
        );
    }

    #[test]
    fn route_limits() {
        let p = problem_with(|vs, _| {
            vs[0].max_duration = Some(174);
            vs[0].max_distance = Some(999);
            vs[0].max_stops = Some(4);
        });
        let v = check(&p, &base(&p));
        assert_eq!(
            v,
            vec![
                Violation::MaxStops {
                    route: 0,
                    stops: 5,
                    max: 4
                },
                Violation::MaxDuration {
                    route: 0,
                    duration: 175,
                    max: 174
                },
                Violation::MaxDistance {
                    route: 0,
                    distance: 1000,
                    max: 999
                },
            ]
        );
        // Reloads are not stops.
        let p = problem_with(|vs, _| vs[1].max_stops = Some(2));
        assert_eq!(check(&p, &base(&p)), vec![]);
    }

    #[test]
    fn missing_skill() {
        let p = problem();
        let mut plan = base_plan();
        plan[0].1.remove(0);
        plan[1].1.push(Delivery(D2_SKILL));
        let v = check(&p, &routes(&p, &plan));
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::Skills {
                    route: 1,
                    stop: 3,
                    job: D2_SKILL
                }
            )),
            "{v:?}"
        );
    }

    #[test]
    fn reported_totals_must_match() {
        let p = problem();
        let mut s = base(&p);
        s.routes[0].distance += 1;
        s.routes[0].duration += 1;
        s.routes[0].cost += 1;
        let v = check(&p, &s);
        assert_eq!(
            v,
            vec![
                Violation::RouteDistance {
                    route: 0,
                    reported: 1001,
                    expected: 1000
                },
                Violation::RouteDuration {
                    route: 0,
                    reported: 176,
                    expected: 175
                },
                Violation::RouteCost {
                    route: 0,
                    reported: 1183,
                    expected: 1182
                },
                Violation::SolutionCost {
                    reported: s.cost,
                    expected: s.cost + 1
                },
                Violation::Objective {
                    reported: s.objective,
                    expected: s.objective + 1
                },
            ]
        );
        let mut s = base(&p);
        s.objective -= 1000; // forgets the prize of the unassigned job
        assert_eq!(
            check(&p, &s),
            vec![Violation::Objective {
                reported: s.objective,
                expected: s.objective + 1000
            }]
        );
    }

    #[test]
    fn vehicle_weight_counts_per_route() {
        let p = problem();
        let mut b = ProblemBuilder::new(2);
        b.matrix(p.matrix(ProfileIdx(0)).clone());
        for v in p.vehicles() {
            b.vehicle(v.clone());
        }
        for j in p.jobs() {
            b.job(j.clone());
        }
        b.objective(Objective {
            minimise_vehicles: true,
        });
        let pv = b.build().unwrap();
        assert!(pv.vehicle_weight() > 0);
        let s = base(&pv);
        assert_eq!(check(&pv, &s), vec![]);
        let mut wrong = s.clone();
        wrong.objective = wrong.cost + pv.prize(U6);
        let v = check(&pv, &wrong);
        assert_eq!(
            v,
            vec![Violation::Objective {
                reported: wrong.objective,
                expected: s.objective
            }]
        );
    }

    #[test]
    fn vehicle_twice_and_empty_route() {
        let p = problem();
        let mut s = base(&p);
        let mut empty = build_route(&p, OPEN, &[]);
        empty.vehicle = VAN;
        s.routes.push(empty);
        let s = retotal(&p, s);
        let v = check(&p, &s);
        assert!(
            has(&v, |x| matches!(
                x,
                Violation::VehicleUsedTwice {
                    route: 3,
                    vehicle: VAN,
                    first_route: 0
                }
            )),
            "{v:?}"
        );
        assert!(
            has(&v, |x| matches!(x, Violation::EmptyRoute { route: 3 })),
            "{v:?}"
        );
    }

    #[test]
    fn violations_read_well() {
        let v = Violation::Capacity {
            route: 2,
            stop: Some(4),
            dimension: 1,
            load: 7,
            capacity: 5,
        };
        assert_eq!(
            v.to_string(),
            "route 2 stop 4: load 7 in dimension 1 exceeds capacity 5"
        );
        let v = Violation::Capacity {
            route: 2,
            stop: None,
            dimension: 0,
            load: 7,
            capacity: 5,
        };
        assert_eq!(
            v.to_string(),
            "route 2 start: load 7 in dimension 0 exceeds capacity 5"
        );
        let v = Violation::Unreachable {
            route: 1,
            stop: None,
            from: LocIdx(3),
            to: LocIdx(0),
        };
        assert_eq!(v.to_string(), "route 1 end: no path from 3 to 0");
        let v = Violation::JobMissing { job: JobIdx(3) };
        assert_eq!(
            v.to_string(),
            "job 3: neither routed nor listed as unassigned"
        );
    }
}
