//! The solver against the true optimum on tiny problems.
//!
//! First the brute-force oracle itself is validated: on hand-solved cases, and
//! by passing its optimal plans through the independent checker. Then every
//! flavour of random tiny problem is solved and must come out feasible (the
//! checker finds nothing) and optimal (the oracle's objective).

use lastmile_tests::brute::{optimum, Optimum};
use lastmile_tests::tiny::{self, Flavour};
use solver::check::check;
use solver::formats::schedule::{build_route_at, build_solution};
use solver::problem::*;
use solver::solution::{ActivityKind, UnassignedReason};
use solver::SolveConfig;

/// Places on a line, 10 apart (distance and time), depot at 0.
fn line(n: usize) -> Matrix {
    let d: Vec<i32> = (0..n * n)
        .map(|i| 10 * ((i / n) as i32 - (i % n) as i32).abs())
        .collect();
    Matrix::from_distances(n, d).unwrap()
}

fn delivery(id: &str, loc: u32, demand: Amount, windows: Vec<TimeWindow>) -> Job {
    Job {
        id: id.into(),
        kind: JobKind::Delivery(Task::new(LocIdx(loc), 0, windows)),
        demand: vec![demand],
        priority: Priority::Routine,
        skills: Skills::NONE,
        prize: None,
        max_carry: None,
    }
}

fn build(jobs: Vec<Job>, vehicles: Vec<Vehicle>) -> Problem {
    let mut b = ProblemBuilder::new(1);
    b.matrix(line(5));
    for j in jobs {
        b.job(j);
    }
    for (k, mut v) in vehicles.into_iter().enumerate() {
        v.id = format!("{}{k}", v.id);
        b.vehicle(v);
    }
    b.build().unwrap()
}

fn van(cap: Amount) -> Vehicle {
    Vehicle::new("van", ProfileIdx(0), LocIdx(0), vec![cap])
}

#[test]
fn oracle_on_hand_solved_cases() {
    // One tour along the line and back.
    let p = build(
        (1..4)
            .map(|l| delivery(&format!("{l}"), l, 1, vec![]))
            .collect(),
        vec![van(10)],
    );
    assert_eq!(optimum(&p).objective, 60);

    // Capacity splits the work over two vehicles: 0-1-0 and 0-3-0.
    let p = build(
        vec![delivery("a", 1, 6, vec![]), delivery("b", 3, 6, vec![])],
        vec![van(10), van(10)],
    );
    let o = optimum(&p);
    assert_eq!((o.objective, o.routes.len()), (80, 2));

    // With one vehicle, the far job is left out at the cost of its prize.
    let mut far = delivery("b", 3, 6, vec![]);
    far.prize = Some(45);
    let p = build(vec![delivery("a", 1, 6, vec![]), far], vec![van(10)]);
    let o = optimum(&p);
    assert_eq!(
        (o.objective, o.cost, o.unassigned.clone()),
        (20 + 45, 20, vec![JobIdx(1)])
    );

    // Windows force the far job first: 0-3-1-0 = 30 + 20 + 10.
    let p = build(
        vec![
            delivery("a", 1, 1, vec![TimeWindow::new(40, 100)]),
            delivery("b", 3, 1, vec![TimeWindow::new(0, 35)]),
        ],
        vec![van(10)],
    );
    let o = optimum(&p);
    assert_eq!(o.objective, 60);
    assert_eq!(
        o.routes[0].1.iter().map(|(_, l)| l.0).collect::<Vec<_>>(),
        vec![3, 1]
    );

    // A shipment from 3 to 1, and a delivery at 2 on the way: 0-3-2-1-0 = 60.
    let ship = Job {
        id: "s".into(),
        kind: JobKind::Shipment {
            pickup: Task::new(LocIdx(3), 0, vec![]),
            delivery: Task::new(LocIdx(1), 0, vec![]),
            max_ride: Some(20),
        },
        demand: vec![5],
        priority: Priority::Routine,
        skills: Skills::NONE,
        prize: None,
        max_carry: None,
    };
    let p = build(
        vec![ship.clone(), delivery("d", 2, 5, vec![])],
        vec![van(10)],
    );
    assert_eq!(optimum(&p).objective, 60);
    // The delivery at 2 must be carried from the depot while the shipment is
    // aboard: with capacity 7 it cannot, and the ride limit of 20 forbids the
    // detour 3-4-... so the only plan is 0-2-3-1-0 = 20 + 10 + 20 + 10.
    let p = build(vec![ship, delivery("d", 2, 5, vec![])], vec![van(7)]);
    assert_eq!(optimum(&p).objective, 60);

    // Multi-trip: two loads of 6 with capacity 6 and a reload at the depot: 0-1-0-3-0 = 80.
    let mut walker = van(6);
    walker.reload = Some(Reload {
        locations: vec![LocIdx(0)],
        service: 0,
        max_trips: None,
    });
    let p = build(
        vec![delivery("a", 1, 6, vec![]), delivery("b", 3, 6, vec![])],
        vec![walker.clone()],
    );
    let o = optimum(&p);
    assert_eq!(o.objective, 80);
    assert!(o.routes[0]
        .1
        .iter()
        .any(|(k, _)| *k == ActivityKind::Reload));
    // A reload at 2 instead (the gate on the way) saves the return: 0-1-2-3-0 = 60.
    walker.reload = Some(Reload {
        locations: vec![LocIdx(2)],
        service: 0,
        max_trips: Some(2),
    });
    let p = build(
        vec![delivery("a", 1, 6, vec![]), delivery("b", 3, 6, vec![])],
        vec![walker],
    );
    assert_eq!(optimum(&p).objective, 60);

    // Per-second cost: leaving late to avoid waiting. Job at 1 opens at 100:
    // leave at 90, back at 110, duration 20.
    let mut clock = van(10);
    clock.cost_per_metre = 0;
    clock.cost_per_second = 1;
    let p = build(
        vec![delivery("a", 1, 1, vec![TimeWindow::new(100, 200)])],
        vec![clock.clone()],
    );
    assert_eq!(optimum(&p).objective, 20);
    // Two windows and a ride between: job at 1 in [100, 110], job at 3 in [0, 125]:
    // leave at 90 and serve 3 at 120: duration 60 (not 50+).
    let p = build(
        vec![
            delivery("a", 1, 1, vec![TimeWindow::new(100, 110)]),
            delivery("b", 3, 1, vec![TimeWindow::new(0, 125)]),
        ],
        vec![clock],
    );
    assert_eq!(optimum(&p).objective, 60);

    // Open end: the route stops at its last job.
    let mut open = van(10);
    open.end = None;
    let p = build(
        (1..4)
            .map(|l| delivery(&format!("{l}"), l, 1, vec![]))
            .collect(),
        vec![open],
    );
    assert_eq!(optimum(&p).objective, 30);

    // A missing skill leaves the job out, whatever its prize.
    let mut skilled = delivery("a", 1, 1, vec![]);
    skilled.skills = Skills(4);
    let p = build(vec![skilled], vec![van(10)]);
    let o = optimum(&p);
    assert_eq!(
        (o.unassigned.clone(), o.objective),
        (vec![JobIdx(0)], p.prize(JobIdx(0)))
    );
}

/// The oracle's plan turned into a `Solution` through the formats' scheduler.
fn as_solution(p: &Problem, o: &Optimum) -> solver::solution::Solution {
    let routes = o
        .routes
        .iter()
        .map(|(v, seq)| build_route_at(p, *v, seq))
        .collect();
    build_solution(p, routes, UnassignedReason::LeftOutForCost)
}

#[test]
fn oracle_plans_pass_the_checker() {
    // Flavours whose costs do not depend on the start time (no per-second
    // cost, no duration limit) and whose reloads are at the first location.
    for flavour in [
        Flavour::Cvrp,
        Flavour::Vrptw,
        Flavour::Shipments,
        Flavour::MultiDim,
        Flavour::Skills,
        Flavour::Optional,
        Flavour::FewestVehicles,
        Flavour::Paired,
    ] {
        for seed in 0..3 {
            let p = tiny::problem(flavour, seed);
            let o = optimum(&p);
            let s = as_solution(&p, &o);
            assert_eq!(check(&p, &s), vec![], "{flavour:?} seed {seed}");
            assert_eq!(s.objective, o.objective, "{flavour:?} seed {seed}");
        }
    }
}

#[test]
fn oracle_multi_trip_plans_pass_the_checker() {
    for seed in 0..4 {
        let p = tiny::problem(Flavour::MultiTrip, seed);
        let o = optimum(&p);
        let s = as_solution(&p, &o);
        assert_eq!(check(&p, &s), vec![], "seed {seed}");
        assert_eq!(s.objective, o.objective, "seed {seed}");
        assert!(
            o.unassigned.is_empty(),
            "seed {seed}: one walker with reloads serves everything"
        );
    }
}

fn config(seed: u64) -> SolveConfig {
    SolveConfig {
        seed,
        threads: 1,
        max_iterations: Some(1000),
        time_limit: None,
        ..Default::default()
    }
}

/// Solves four seeded problems of `flavour` and compares with the oracle.
fn solver_matches_oracle(flavour: Flavour) {
    let mut failures = Vec::new();
    for seed in 0..4 {
        let p = tiny::problem(flavour, seed);
        let best = optimum(&p);
        let s = solver::solve(&p, &config(seed));
        let v = check(&p, &s);
        assert_eq!(
            v,
            vec![],
            "{flavour:?} seed {seed}: the solver returned an infeasible plan"
        );
        assert!(
            s.objective >= best.objective,
            "{flavour:?} seed {seed}: better than the optimum? {} < {}",
            s.objective,
            best.objective
        );
        if s.objective != best.objective {
            failures.push(format!(
                "{flavour:?} seed {seed}: objective {} (cost {}, {} unassigned), optimum {} (cost {}, {} unassigned) with {:?}",
                s.objective,
                s.cost,
                s.unassigned.len(),
                best.objective,
                best.cost,
                best.unassigned.len(),
                best.routes
            ));
        }
    }
    assert!(failures.is_empty(), "not optimal:\n{}", failures.join("\n"));
}

macro_rules! per_flavour {
    ($($name:ident: $flavour:ident,)*) => {$(
        #[test]
        fn $name() {
            solver_matches_oracle(Flavour::$flavour);
        }
    )*};
}

per_flavour! {
    optimum_cvrp: Cvrp,
    optimum_vrptw: Vrptw,
    optimum_shipments: Shipments,
    optimum_multi_dim: MultiDim,
    optimum_skills: Skills,
    optimum_optional: Optional,
    optimum_multi_trip: MultiTrip,
    optimum_open_and_limits: OpenAndLimits,
    optimum_fewest_vehicles: FewestVehicles,
    optimum_paired: Paired,
    optimum_balanced: Balanced,
    optimum_balanced_target: BalancedTarget,
}
