//! What a route carries: loads per trip, chilled goods' time out of the cold,
//! and shipments (pickup before delivery, same trip, within their ride limit).

use super::*;

/// Recomputes the load along the route from the job kinds and compares it
/// with the capacity and with the reported loads.
pub(super) fn check_loads(problem: &Problem, r: usize, route: &Route, out: &mut Vec<Violation>) {
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
pub(super) fn check_carry(problem: &Problem, r: usize, route: &Route, out: &mut Vec<Violation>) {
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
pub(super) fn check_shipments(
    problem: &Problem,
    r: usize,
    route: &Route,
    out: &mut Vec<Violation>,
) {
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
