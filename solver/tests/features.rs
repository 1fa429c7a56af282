//! One test per model feature and per unassigned reason. Each reason is
//! tested by removing its cause and seeing the job get served. Every
//! solution goes through the independent checker.

mod common;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use solver::problem::*;
use solver::solution::{ActivityKind, Constraint, Solution, UnassignedReason};

const ITER: u64 = 200;

/// A problem over `points` (point 0 is the depot) with the given vehicles and jobs.
fn problem(points: &[(i64, i64)], vehicles: Vec<Vehicle>, jobs: Vec<Job>, dims: usize) -> Problem {
    let mut b = ProblemBuilder::new(dims);
    b.matrix(matrix(points, 1));
    for v in vehicles {
        b.vehicle(v);
    }
    for j in jobs {
        b.job(j);
    }
    b.build().unwrap()
}

fn van(id: &str, cap: Vec<Amount>) -> Vehicle {
    Vehicle::new(id, ProfileIdx(0), LocIdx(0), cap)
}

fn delivery(id: &str, loc: u32, demand: Vec<Amount>) -> Job {
    job(id, JobKind::Delivery(task(loc, 0, vec![])), demand)
}

fn reason(s: &Solution, j: u32) -> Option<UnassignedReason> {
    s.unassigned
        .iter()
        .find(|u| u.job == JobIdx(j))
        .map(|u| u.reason.clone())
}

fn served(s: &Solution, j: u32) -> bool {
    s.routes
        .iter()
        .any(|r| r.activities.iter().any(|a| a.kind.job() == Some(JobIdx(j))))
}

const LINE: [(i64, i64); 6] = [(0, 0), (10, 0), (20, 0), (30, 0), (0, 10), (0, 20)];

#[test]
fn capacities_are_per_dimension() {
    let jobs = (1..=4)
        .map(|i| delivery(&format!("j{i}"), i as u32, vec![1, 1]))
        .collect();
    // The second dimension (parcels) binds: two per vehicle.
    let p = problem(
        &LINE,
        vec![van("a", vec![10, 2]), van("b", vec![10, 2])],
        jobs,
        2,
    );
    let s = solve_checked(&p, ITER, 2, 1);
    assert!(s.unassigned.is_empty());
    assert!(s.routes.iter().all(|r| r.activities.len() == 2));
}

#[test]
fn a_second_window_is_used_when_the_first_cannot_be_met() {
    let j = job(
        "w",
        JobKind::Delivery(task(
            3,
            5,
            vec![TimeWindow::new(0, 10), TimeWindow::new(100, 110)],
        )),
        vec![1],
    );
    let p = problem(&LINE, vec![van("a", vec![5])], vec![j], 1);
    let s = solve_checked(&p, ITER, 1, 1);
    let a = &s.routes[0].activities[0];
    assert!((100..=110).contains(&a.begin), "begin {}", a.begin);
}

#[test]
fn shipments_are_picked_up_first_within_their_ride_limit() {
    // Pickup at 3 (x=30), delivery at 5 (0,20); a delivery at 1 lies in between
    // on the way out, but the ride limit forbids a detour after the pickup.
    let ship = job(
        "s",
        JobKind::Shipment {
            pickup: task(3, 0, vec![]),
            delivery: task(5, 0, vec![]),
            max_ride: Some(37),
        },
        vec![1],
    );
    let other = delivery("d", 4, vec![1]);
    let p = problem(&LINE, vec![van("a", vec![5])], vec![ship, other], 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert!(s.unassigned.is_empty());
    let kinds: Vec<ActivityKind> = s.routes[0].activities.iter().map(|a| a.kind).collect();
    let pi = kinds
        .iter()
        .position(|k| *k == ActivityKind::ShipmentPickup(JobIdx(0)))
        .unwrap();
    let di = kinds
        .iter()
        .position(|k| *k == ActivityKind::ShipmentDelivery(JobIdx(0)))
        .unwrap();
    assert_eq!(di, pi + 1, "no stop between pickup and delivery: {kinds:?}");
    // A ride limit shorter than the direct trip makes the job impossible, and says so.
    let ship = job(
        "s",
        JobKind::Shipment {
            pickup: task(3, 0, vec![]),
            delivery: task(5, 0, vec![]),
            max_ride: Some(30),
        },
        vec![1],
    );
    let p = problem(&LINE, vec![van("a", vec![5])], vec![ship], 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert_eq!(reason(&s, 0), Some(UnassignedReason::RideTooLong));
}

#[test]
fn skills_pick_the_vehicle_and_their_absence_is_reported() {
    let mut j = delivery("med", 1, vec![1]);
    j.skills = Skills(0b10);
    let mut trusted = van("trusted", vec![5]);
    trusted.skills = Skills(0b11);
    let p = problem(
        &LINE,
        vec![van("plain", vec![5]), trusted.clone()],
        vec![j.clone()],
        1,
    );
    let s = solve_checked(&p, ITER, 1, 1);
    assert_eq!(s.routes[0].vehicle, VehicleIdx(1));
    let p = problem(&LINE, vec![van("plain", vec![5])], vec![j], 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert_eq!(reason(&s, 0), Some(UnassignedReason::NoSkilledVehicle));
}

#[test]
fn open_routes_do_not_pay_for_the_missing_legs() {
    let mut v = van("a", vec![5]);
    v.end = None;
    let p = problem(&LINE, vec![v], vec![delivery("x", 3, vec![1])], 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert_eq!(s.routes[0].distance, 30);
    let mut v = van("a", vec![5]);
    v.start = None;
    let p = problem(
        &LINE,
        vec![v],
        vec![delivery("x", 3, vec![1]), delivery("y", 2, vec![1])],
        1,
    );
    let s = solve_checked(&p, ITER, 1, 1);
    // Start at x=30, then 20, then home: 10 + 20.
    assert_eq!(s.routes[0].distance, 30);
}

#[test]
fn max_stops_duration_and_distance_bind_and_are_named() {
    // Each job alone is a round trip of at most 40; all three take 54.
    let jobs = || {
        vec![
            delivery("a", 1, vec![1]),
            delivery("b", 2, vec![1]),
            delivery("c", 4, vec![1]),
        ]
    };
    type Limit = fn(&mut Vehicle);
    let cases: [(Limit, Limit, Constraint); 3] = [
        (
            |v| v.max_stops = Some(2),
            |v| v.max_stops = Some(3),
            Constraint::MaxStops,
        ),
        (
            |v| v.max_duration = Some(40),
            |v| v.max_duration = Some(60),
            Constraint::MaxDuration,
        ),
        (
            |v| v.max_distance = Some(40),
            |v| v.max_distance = Some(60),
            Constraint::MaxDistance,
        ),
    ];
    for (tight, loose, constraint) in cases {
        let mut v = van("a", vec![5]);
        tight(&mut v);
        let p = problem(&LINE, vec![v], jobs(), 1);
        let s = solve_checked(&p, ITER, 1, 1);
        assert_eq!(s.unassigned.len(), 1, "{constraint:?}");
        assert_eq!(
            s.unassigned[0].reason,
            UnassignedReason::NoRoomLeft(constraint)
        );
        let mut v = van("a", vec![5]);
        loose(&mut v);
        let p = problem(&LINE, vec![v], jobs(), 1);
        let s = solve_checked(&p, ITER, 1, 1);
        assert!(s.unassigned.is_empty(), "{constraint:?}");
    }
}

#[test]
fn reloads_let_a_small_squad_do_several_trips() {
    let jobs = || {
        (1..=5)
            .map(|i| delivery(&format!("j{i}"), i as u32, vec![1]))
            .collect::<Vec<_>>()
    };
    let p = problem(&LINE, vec![van("walk", vec![2])], jobs(), 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert_eq!(s.unassigned.len(), 3);
    assert!(s
        .unassigned
        .iter()
        .all(|u| u.reason == UnassignedReason::NoRoomLeft(Constraint::Capacity)));
    let mut v = van("walk", vec![2]);
    v.reload = Some(Reload {
        locations: vec![LocIdx(0)],
        service: 5,
        max_trips: None,
    });
    let p = problem(&LINE, vec![v], jobs(), 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert!(s.unassigned.is_empty());
    let reloads = s.routes[0]
        .activities
        .iter()
        .filter(|a| a.kind == ActivityKind::Reload)
        .count();
    assert_eq!(reloads, 2);
    // With pickups: the load goes back at the reload too.
    let mut v = van("walk", vec![2]);
    v.reload = Some(Reload {
        locations: vec![LocIdx(0)],
        service: 5,
        max_trips: Some(2),
    });
    let jobs = (1..=4)
        .map(|i| {
            job(
                format!("p{i}"),
                JobKind::Pickup(task(i, 0, vec![])),
                vec![1],
            )
        })
        .collect();
    let p = problem(&LINE, vec![v], jobs, 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert!(s.unassigned.is_empty());
}

#[test]
fn optional_jobs_are_left_out_when_not_worth_it() {
    let mut far = delivery("far", 3, vec![1]);
    far.prize = Some(10);
    let p = problem(
        &LINE,
        vec![van("a", vec![5])],
        vec![delivery("near", 1, vec![1]), far.clone()],
        1,
    );
    let s = solve_checked(&p, ITER, 1, 1);
    assert_eq!(reason(&s, 1), Some(UnassignedReason::LeftOutForCost));
    far.prize = Some(1000);
    let p = problem(
        &LINE,
        vec![van("a", vec![5])],
        vec![delivery("near", 1, vec![1]), far],
        1,
    );
    let s = solve_checked(&p, ITER, 1, 1);
    assert!(served(&s, 1));
}

#[test]
fn higher_priorities_are_served_first() {
    let mut v = van("a", vec![5]);
    v.max_stops = Some(1);
    let mut urgent = delivery("urgent", 3, vec![1]);
    urgent.priority = Priority::Urgent;
    let p = problem(
        &LINE,
        vec![v],
        vec![delivery("routine", 1, vec![1]), urgent],
        1,
    );
    let s = solve_checked(&p, ITER, 1, 1);
    assert!(served(&s, 1));
    assert_eq!(
        reason(&s, 0),
        Some(UnassignedReason::NoRoomLeft(Constraint::MaxStops))
    );
}

#[test]
fn fewer_vehicles_when_asked() {
    let points = [(0, 0), (100, 0), (1, 0), (99, 0)];
    let build = |minimise: bool| {
        let mut b = ProblemBuilder::new(1);
        b.matrix(matrix(&points, 1));
        b.vehicle(Vehicle::new("west", ProfileIdx(0), LocIdx(0), vec![5]));
        b.vehicle(Vehicle::new("east", ProfileIdx(0), LocIdx(1), vec![5]));
        b.job(delivery("a", 2, vec![1]));
        b.job(delivery("b", 3, vec![1]));
        b.objective(Objective {
            minimise_vehicles: minimise,
            ..Default::default()
        });
        b.build().unwrap()
    };
    let s = solve_checked(&build(false), ITER, 1, 1);
    assert_eq!(s.routes.len(), 2);
    assert_eq!(s.cost, 4);
    let s = solve_checked(&build(true), ITER, 1, 1);
    assert_eq!(s.routes.len(), 1);
}

#[test]
fn every_reason_for_a_job_no_vehicle_can_serve_goes_away_with_its_cause() {
    // Over capacity.
    let p = problem(
        &LINE,
        vec![van("a", vec![5])],
        vec![delivery("heavy", 1, vec![6])],
        1,
    );
    assert_eq!(
        reason(&solve_checked(&p, ITER, 1, 1), 0),
        Some(UnassignedReason::OverCapacity)
    );
    let p = problem(
        &LINE,
        vec![van("a", vec![6])],
        vec![delivery("heavy", 1, vec![6])],
        1,
    );
    assert!(served(&solve_checked(&p, ITER, 1, 1), 0));
    // Window closed before anyone can arrive (30 away, closes at 20).
    let late = |end| {
        job(
            "late",
            JobKind::Delivery(task(3, 0, vec![TimeWindow::new(0, end)])),
            vec![1],
        )
    };
    let p = problem(&LINE, vec![van("a", vec![5])], vec![late(20)], 1);
    assert_eq!(
        reason(&solve_checked(&p, ITER, 1, 1), 0),
        Some(UnassignedReason::WindowUnreachable)
    );
    let p = problem(&LINE, vec![van("a", vec![5])], vec![late(30)], 1);
    assert!(served(&solve_checked(&p, ITER, 1, 1), 0));
    // Shift too short for the round trip and the service.
    let long = job("long", JobKind::Visit(task(3, 50, vec![])), vec![0]);
    let mut v = van("a", vec![5]);
    v.shift = TimeWindow::new(0, 100);
    let p = problem(&LINE, vec![v.clone()], vec![long.clone()], 1);
    assert_eq!(
        reason(&solve_checked(&p, ITER, 1, 1), 0),
        Some(UnassignedReason::ShiftTooShort)
    );
    v.shift = TimeWindow::new(0, 110);
    let p = problem(&LINE, vec![v], vec![long], 1);
    assert!(served(&solve_checked(&p, ITER, 1, 1), 0));
    // Unreachable location.
    let unreachable = |cut: bool| {
        let n = 3;
        let mut d = vec![10i32; n * n];
        for i in 0..n {
            d[i * n + i] = 0;
        }
        if cut {
            d[2] = UNREACHABLE;
            d[2 * n] = UNREACHABLE;
            d[n + 2] = UNREACHABLE;
            d[2 * n + 1] = UNREACHABLE;
        }
        let mut b = ProblemBuilder::new(1);
        b.matrix(Matrix::from_distances(n, d).unwrap());
        b.vehicle(van("a", vec![5]));
        b.job(delivery("island", 2, vec![1]));
        b.job(delivery("mainland", 1, vec![1]));
        b.build().unwrap()
    };
    let s = solve_checked(&unreachable(true), ITER, 1, 1);
    assert_eq!(reason(&s, 0), Some(UnassignedReason::Unreachable));
    assert!(served(&s, 1));
    assert!(served(&solve_checked(&unreachable(false), ITER, 1, 1), 0));
}

#[test]
fn no_room_left_names_the_window_and_goes_away_with_a_second_squad() {
    // Two jobs at opposite ends, both due at 30: one squad can serve only one.
    let due = |id: &str, loc| {
        job(
            id,
            JobKind::Delivery(task(loc, 0, vec![TimeWindow::new(0, 30)])),
            vec![1],
        )
    };
    let p = problem(
        &LINE,
        vec![van("a", vec![5])],
        vec![due("x", 3), due("y", 5)],
        1,
    );
    let s = solve_checked(&p, ITER, 1, 1);
    assert_eq!(s.unassigned.len(), 1);
    assert_eq!(
        s.unassigned[0].reason,
        UnassignedReason::NoRoomLeft(Constraint::TimeWindow)
    );
    let p = problem(
        &LINE,
        vec![van("a", vec![5]), van("b", vec![5])],
        vec![due("x", 3), due("y", 5)],
        1,
    );
    assert!(solve_checked(&p, ITER, 1, 1).unassigned.is_empty());
}

#[test]
fn odd_inputs_never_panic() {
    // No vehicles.
    let p = problem(&LINE, vec![], vec![delivery("a", 1, vec![1])], 1);
    let s = solve_checked(&p, ITER, 2, 1);
    assert_eq!(s.unassigned.len(), 1);
    // No jobs.
    let p = problem(&LINE, vec![van("a", vec![5])], vec![], 1);
    let s = solve_checked(&p, ITER, 2, 1);
    assert!(s.routes.is_empty());
    // Zero-capacity vehicle: visits still go, deliveries cannot.
    let visit = job("v", JobKind::Visit(task(2, 10, vec![])), vec![0]);
    let p = problem(
        &LINE,
        vec![van("z", vec![0])],
        vec![delivery("d", 1, vec![1]), visit],
        1,
    );
    let s = solve_checked(&p, ITER, 2, 1);
    assert_eq!(reason(&s, 0), Some(UnassignedReason::OverCapacity));
    assert!(served(&s, 1));
    // Zero dimensions.
    let mut b = ProblemBuilder::new(0);
    b.matrix(matrix(&LINE, 1));
    b.vehicle(van("a", vec![]));
    b.job(job("v", JobKind::Visit(task(2, 10, vec![])), vec![]));
    let p = b.build().unwrap();
    assert!(solve_checked(&p, ITER, 1, 1).unassigned.is_empty());
    // Everything unreachable from the depot.
    let mut b = ProblemBuilder::new(1);
    b.matrix(Matrix::from_distances(2, vec![0, UNREACHABLE, UNREACHABLE, 0]).unwrap());
    b.vehicle(van("a", vec![5]));
    b.job(delivery("x", 1, vec![1]));
    let p = b.build().unwrap();
    assert_eq!(
        reason(&solve_checked(&p, ITER, 2, 1), 0),
        Some(UnassignedReason::Unreachable)
    );
}

#[test]
fn the_cancel_flag_stops_a_long_solve() {
    let p = rich(3, 40, 4);
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let config = solver::SolveConfig {
        time_limit: Some(Duration::from_secs(60)),
        cancel: Some(cancel),
        threads: 2,
        ..Default::default()
    };
    let t = Instant::now();
    let s = solver::solve(&p, &config);
    stopper.join().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
    assert_checked(&p, &s);
}

#[test]
fn progress_reports_improving_objectives() {
    let p = rich(5, 30, 4);
    let seen: Arc<Mutex<Vec<solver::config::Progress>>> = Arc::default();
    let sink = seen.clone();
    let config = solver::SolveConfig {
        max_iterations: Some(2000),
        time_limit: None,
        threads: 2,
        progress: Some(Arc::new(move |p: solver::config::Progress| {
            sink.lock().unwrap().push(p)
        })),
        ..Default::default()
    };
    let s = solver::solve(&p, &config);
    assert_checked(&p, &s);
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty());
    let best: Vec<i64> = seen
        .iter()
        .filter_map(|p| p.best)
        .map(|b| b.objective)
        .collect();
    assert!(!best.is_empty());
    // During the search the best only improves; the last report is the plan returned.
    let (last_best, searching) = best.split_last().unwrap();
    assert!(searching.windows(2).all(|w| w[1] <= w[0]), "{best:?}");
    assert_eq!(*last_best, s.objective);
    assert!(seen.windows(2).all(|w| w[1].iterations >= w[0].iterations));
    // The last report is the end of the search: every iteration done.
    let last = seen.last().unwrap();
    assert_eq!(last.iterations, 2 * 2000);
    assert_eq!(last.budget_used, 1.0);
}

/// The coordinator watches a progress bar: on a timed solve, reports come at
/// least once a second from the start, with iterations and the budget share
/// moving, whether or not the plan improves.
#[test]
fn progress_is_reported_every_second_of_a_timed_solve() {
    let p = rich(11, 60, 5);
    let seen: Arc<Mutex<Vec<(Instant, solver::config::Progress)>>> = Arc::default();
    let sink = seen.clone();
    let budget = 3;
    let config = solver::SolveConfig {
        time_limit: Some(Duration::from_secs(budget)),
        threads: 2,
        progress: Some(Arc::new(move |p: solver::config::Progress| {
            sink.lock().unwrap().push((Instant::now(), p))
        })),
        ..Default::default()
    };
    let start = Instant::now();
    let s = solver::solve(&p, &config);
    assert_checked(&p, &s);
    let seen = seen.lock().unwrap();
    assert!(
        seen.len() as u64 >= budget * 2,
        "{} reports in {budget} s",
        seen.len()
    );
    // The first report within a second, then no gap of a second or more.
    assert!(seen[0].0 - start < Duration::from_secs(1));
    for w in seen.windows(2) {
        assert!(
            w[1].0 - w[0].0 < Duration::from_secs(1),
            "a gap of {:?}",
            w[1].0 - w[0].0
        );
        assert!(w[1].1.iterations >= w[0].1.iterations);
        assert!(w[1].1.budget_used >= w[0].1.budget_used);
    }
    let last = seen.last().unwrap().1;
    assert!(last.iterations > seen[0].1.iterations);
    assert!(last.budget_used > 0.9, "{last:?}");
    // Iterations rise during the solve, not only at its end.
    let mid = seen
        .iter()
        .filter(|(t, _)| *t - start < Duration::from_secs(budget - 1))
        .map(|(_, p)| p.iterations)
        .max()
        .unwrap_or(0);
    assert!(mid > 0, "no iteration reported before the last second");
    let best = last.best.expect("a plan");
    assert_eq!(best.unassigned, s.unassigned.len());
}

/// Reporting reads what the search publishes and never feeds back: the same
/// seed, threads and iteration limit give the same plan with or without it.
#[test]
fn progress_reporting_does_not_change_the_plan() {
    let p = rich(3, 40, 4);
    let run = |report: bool| {
        let config = solver::SolveConfig {
            max_iterations: Some(600),
            time_limit: None,
            threads: 2,
            seed: 9,
            progress: report.then(|| {
                Arc::new(|_: solver::config::Progress| {}) as Arc<dyn Fn(_) + Send + Sync>
            }),
            ..Default::default()
        };
        solver::solve(&p, &config)
    };
    assert_eq!(run(true), run(false));
}

/// Chilled goods loaded at the depot: the time from leaving the depot to the
/// door is bounded, and a delivery that cannot make it is left out with the reason.
#[test]
fn chilled_deliveries_from_the_depot_arrive_within_their_limit() {
    // Depot 0; the chilled parcel goes to 5 (0,20), the rest on the x axis
    // and at 4 (0,10), 5 s at each door. Any stop before 5 makes it 25 s or more.
    let chilled = |limit: Option<Time>| Job {
        max_carry: limit,
        ..job("c", JobKind::Delivery(task(5, 5, vec![])), vec![1])
    };
    let others = || {
        [1, 2, 3, 4].map(|l| {
            job(
                format!("d{l}"),
                JobKind::Delivery(task(l, 5, vec![])),
                vec![1],
            )
        })
    };
    let jobs = |limit| [vec![chilled(limit)], others().to_vec()].concat();
    let p = problem(&LINE, vec![van("a", vec![10])], jobs(Some(20)), 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert!(s.unassigned.is_empty());
    let r = &s.routes[0];
    let first = &r.activities[0];
    assert_eq!(
        first.kind,
        ActivityKind::Delivery(JobIdx(0)),
        "{:?}",
        r.activities
    );
    assert!(first.begin - r.start_time <= 20);
    // One second too tight: not even a direct trip makes it.
    let p = problem(&LINE, vec![van("a", vec![10])], jobs(Some(19)), 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert_eq!(reason(&s, 0), Some(UnassignedReason::RideTooLong));
    // Without the limit it is served.
    let p = problem(&LINE, vec![van("a", vec![10])], jobs(None), 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert!(served(&s, 0));
}

/// On a second trip, the squad loads the chilled parcel as late as the trip
/// allows: it waits at the depot, not in the van.
#[test]
fn a_reload_waits_in_the_cold_for_a_late_window() {
    // Capacity 1: two trips. Trip 1 serves 1 (window closes at 50); the
    // chilled parcel at 3 (30 s away) opens at 200, limit 40.
    let early = job(
        "e",
        JobKind::Delivery(task(1, 0, vec![TimeWindow::new(0, 50)])),
        vec![1],
    );
    let chilled = Job {
        max_carry: Some(40),
        ..job(
            "c",
            JobKind::Delivery(task(3, 0, vec![TimeWindow::new(200, 300)])),
            vec![1],
        )
    };
    let mut v = van("a", vec![1]);
    v.reload = Some(Reload {
        locations: vec![LocIdx(0)],
        service: 30,
        max_trips: None,
    });
    let p = problem(&LINE, vec![v], vec![early, chilled], 1);
    let s = solve_checked(&p, ITER, 1, 1);
    assert!(s.unassigned.is_empty(), "{:?}", s.unassigned);
    let acts = &s.routes[0].activities;
    let kinds: Vec<ActivityKind> = acts.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ActivityKind::Delivery(JobIdx(0)),
            ActivityKind::Reload,
            ActivityKind::Delivery(JobIdx(1))
        ]
    );
    // The route leaves at 40 (the first window closes at 50), is back at 60,
    // loads from 140 to 170 and is at the door at 200.
    assert_eq!(
        (acts[1].arrival, acts[1].begin, acts[1].departure),
        (60, 140, 170)
    );
    assert_eq!(acts[2].begin, 200);
}

/// A walking squad carries a few parcels per trip: the first plan must open
/// new trips as it goes (1,200 stops, 12 squads of capacity 4 with a reload at
/// their gate: about 30 trips each). Before insertion could open a trip, construction stopped at
/// the first full trip of each squad and a big day ended half unserved.
#[test]
fn construction_opens_new_trips_on_a_big_day() {
    let mut g = Gen(5);
    let mut points = vec![(500, 500)];
    points.extend((0..1_200).map(|_| (g.below(1_000) as i64, g.below(1_000) as i64)));
    let vehicles: Vec<Vehicle> = (0..12)
        .map(|k| {
            let mut v = van(&format!("s{k}"), vec![4]);
            v.reload = Some(Reload {
                locations: vec![LocIdx(0)],
                service: 30,
                max_trips: None,
            });
            v
        })
        .collect();
    let jobs: Vec<Job> = (1..=1_200u32)
        .map(|i| delivery(&format!("j{i}"), i, vec![1 + (i % 2) as i64]))
        .collect();
    let p = problem(&points, vehicles, jobs, 1);
    // No search at all: the constructed plan.
    let s = solve_checked(&p, 0, 1, 1);
    assert!(s.unassigned.is_empty(), "{} left out", s.unassigned.len());
}

/// Pickup-and-delivery pairs on multi-trip vehicles stay within one trip
/// whatever the search does (the checker's `ShipmentAcrossTrips`), over
/// seeds that once produced a split.
#[test]
fn shipments_never_straddle_a_reload() {
    for seed in 1..=6 {
        let mut g = Gen(seed);
        let mut points = vec![(0, 0)];
        points.extend((0..40).map(|_| (g.below(100) as i64, g.below(100) as i64)));
        let mut v = van("walk", vec![4]);
        v.reload = Some(Reload {
            locations: vec![LocIdx(0)],
            service: 5,
            max_trips: None,
        });
        let mut jobs = Vec::new();
        for i in 0..10u32 {
            jobs.push(job(
                format!("s{i}"),
                JobKind::Shipment {
                    pickup: task(1 + 2 * i, 0, vec![]),
                    delivery: task(2 + 2 * i, 0, vec![]),
                    max_ride: None,
                },
                vec![1 + (i % 3) as i64],
            ));
        }
        for i in 21..=40u32 {
            jobs.push(delivery(&format!("d{i}"), i, vec![1]));
        }
        let p = problem(&points, vec![v], jobs, 1);
        let s = solve_checked(&p, 400, 1, seed);
        assert!(s.unassigned.is_empty(), "seed {seed}: {:?}", s.unassigned);
    }
}
