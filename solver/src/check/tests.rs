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
        ..Default::default()
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
