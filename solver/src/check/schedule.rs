//! One route's schedule, recomputed from its activities: travel, waits,
//! windows, shift, distance, duration and cost.

use super::*;

/// Checks one route of a known vehicle: locations, skills, loads, reloads,
/// shipments, schedule, limits and reported totals.
pub(super) fn check_route(problem: &Problem, r: usize, route: &Route, out: &mut Vec<Violation>) {
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
