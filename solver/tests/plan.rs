//! Plans under way: solving from a plan with locked stops, and the fast
//! insertion options checked against brute force through the independent
//! checker and the formats' schedule builder (no search code).

mod common;

use common::*;
use solver::formats::schedule::{build_route, build_solution};
use solver::problem::*;
use solver::solution::{ActivityKind, Solution, UnassignedReason};
use solver::{insertion_options, solve_from, InitialPlan, InitialRoute, PlanError, PlanIndex};

/// Deliveries and pickups with single windows, cost per metre only.
fn simple(seed: u64, jobs: usize, vehicles: usize) -> Problem {
    let mut g = Gen(seed);
    let points: Vec<(i64, i64)> = (0..jobs + 1)
        .map(|_| (g.below(500) as i64, g.below(500) as i64))
        .collect();
    let mut b = ProblemBuilder::new(1);
    b.matrix(matrix(&points, 1));
    for v in 0..vehicles {
        let mut veh = Vehicle::new(
            format!("v{v}"),
            ProfileIdx(0),
            LocIdx(0),
            vec![8 + g.below(6) as i64],
        );
        veh.shift = TimeWindow::new(0, 4000);
        if g.chance(0.3) {
            veh.skills = Skills(1);
        }
        b.vehicle(veh);
    }
    for j in 0..jobs {
        let loc = LocIdx(j as u32 + 1);
        let w = if g.chance(0.5) {
            let s = g.below(2500) as i64;
            vec![TimeWindow::new(s, s + 600)]
        } else {
            vec![]
        };
        let t = Task::new(loc, g.below(30) as i64, w);
        let kind = if g.chance(0.7) {
            JobKind::Delivery(t)
        } else {
            JobKind::Pickup(t)
        };
        let mut jb = job(format!("j{j}"), kind, vec![1 + g.below(3) as i64]);
        if g.chance(0.1) {
            jb.skills = Skills(1);
        }
        b.job(jb);
    }
    b.build().unwrap()
}

fn plan_of(s: &Solution, locked: impl Fn(usize) -> usize) -> InitialPlan {
    InitialPlan {
        routes: s
            .routes
            .iter()
            .enumerate()
            .map(|(i, r)| InitialRoute {
                vehicle: r.vehicle,
                activities: r.activities.iter().map(|a| a.kind).collect(),
                locked: locked(i).min(r.activities.len()),
            })
            .collect(),
        change_penalty: 0,
        reorder_penalty: 0,
    }
}

/// Cost of the plan's routes with `extra` replacing the route of its vehicle;
/// `None` if the checker finds a route-level violation.
fn brute_cost(
    p: &Problem,
    plan: &InitialPlan,
    vehicle: VehicleIdx,
    kinds: &[ActivityKind],
) -> Option<Cost> {
    let mut routes = Vec::new();
    for r in &plan.routes {
        if r.vehicle != vehicle {
            routes.push(build_route(p, r.vehicle, &r.activities));
        }
    }
    if !kinds.is_empty() {
        routes.push(build_route(p, vehicle, kinds));
    }
    let s = build_solution(p, routes, UnassignedReason::LeftOutForCost);
    if solver::check::check(p, &s).is_empty() {
        Some(s.cost)
    } else {
        None
    }
}

#[test]
fn insertion_options_match_brute_force() {
    let mut compared = 0;
    for seed in 0..12 {
        let p = simple(seed, 25, 4);
        let s = solve_checked(&p, 100, 1, seed);
        let mut plan = plan_of(&s, |i| i % 3);
        // Take one unlocked job out of the plan and ask where it could go.
        let Some((ri, k)) = plan
            .routes
            .iter()
            .enumerate()
            .find_map(|(ri, r)| (r.locked < r.activities.len()).then_some((ri, r.locked)))
        else {
            continue;
        };
        let job = plan.routes[ri].activities.remove(k).job().unwrap();
        plan.routes.retain(|r| !r.activities.is_empty());
        let options = insertion_options(&p, &plan, job, true).unwrap();
        assert_eq!(options.len(), p.vehicles().len());
        for opt in options {
            let current: Vec<ActivityKind> = plan
                .routes
                .iter()
                .find(|r| r.vehicle == opt.vehicle)
                .map(|r| r.activities.clone())
                .unwrap_or_default();
            let locked = plan
                .routes
                .iter()
                .find(|r| r.vehicle == opt.vehicle)
                .map_or(0, |r| r.locked);
            let Some(base) = brute_cost(&p, &plan, opt.vehicle, &current) else {
                continue;
            };
            let kind = solver::formats::schedule::activity_kind(&p, job, false);
            let mut best: Option<(Cost, usize)> = None;
            for pos in locked..=current.len() {
                let mut kinds = current.clone();
                kinds.insert(pos, kind);
                if let Some(c) = brute_cost(&p, &plan, opt.vehicle, &kinds) {
                    if best.is_none_or(|b| c - base < b.0) {
                        best = Some((c - base, pos));
                    }
                }
            }
            match (best, &opt.result) {
                (None, Err(_)) => {}
                (Some((added, _)), Ok(o)) => {
                    assert_eq!(o.added_cost, added, "seed {seed} vehicle {}", opt.vehicle);
                    // The route returned is the printed one with the job at `index`.
                    let mut kinds = current.clone();
                    kinds.insert(o.index, kind);
                    assert_eq!(o.route, kinds);
                    compared += 1;
                }
                (b, r) => panic!(
                    "seed {seed} vehicle {}: brute force {b:?}, options {r:?}",
                    opt.vehicle
                ),
            }
        }
    }
    assert!(compared > 10);
}

#[test]
fn a_plan_index_answers_repeated_queries() {
    let p = simple(3, 30, 4);
    let s = solve_checked(&p, 100, 1, 3);
    let mut plan = plan_of(&s, |_| 1);
    let mut removed = Vec::new();
    for r in &mut plan.routes {
        if r.activities.len() > 2 {
            removed.push(r.activities.pop().unwrap().job().unwrap());
        }
    }
    let mut index = PlanIndex::new(&p, &plan).unwrap();
    for &j in &removed {
        let opts = index.options(j, true).unwrap();
        assert!(opts.iter().any(|o| o.result.is_ok()));
        // Re-sequencing may only help.
        let free = index.options(j, false).unwrap();
        for (a, b) in opts.iter().zip(&free) {
            if let (Ok(a), Ok(b)) = (&a.result, &b.result) {
                assert!(b.added_cost <= a.added_cost);
            }
        }
    }
    // A job of the plan is refused.
    let planned = plan.routes[0].activities[0].job().unwrap();
    assert_eq!(
        index.options(planned, true),
        Err(PlanError::JobInPlan { job: planned.0 })
    );
}

#[test]
fn solving_from_a_plan_keeps_the_locked_stops() {
    let p = simple(5, 30, 4);
    let first = solve_checked(&p, 150, 1, 5);
    let mut plan = plan_of(&first, |_| 2);
    // The last stop of each route is "new": drop it from the plan.
    for r in &mut plan.routes {
        if r.activities.len() > 2 {
            r.activities.pop();
        }
    }
    let config = solver::SolveConfig {
        max_iterations: Some(200),
        time_limit: None,
        threads: 2,
        ..Default::default()
    };
    let s = solve_from(&p, &config, &plan).unwrap();
    assert_checked(&p, &s);
    for r in &plan.routes {
        let new = s
            .routes
            .iter()
            .find(|x| x.vehicle == r.vehicle)
            .expect("route kept");
        let kinds: Vec<ActivityKind> = new.activities.iter().map(|a| a.kind).collect();
        assert_eq!(&kinds[..r.locked], &r.activities[..r.locked]);
    }
    assert!(s.unassigned.len() <= first.unassigned.len());
}

#[test]
fn a_high_change_penalty_keeps_jobs_on_their_squads() {
    let p = simple(8, 30, 4);
    let first = solve_checked(&p, 150, 1, 8);
    let mut plan = plan_of(&first, |_| 0);
    plan.change_penalty = 1_000_000;
    let config = solver::SolveConfig {
        max_iterations: Some(200),
        time_limit: None,
        threads: 1,
        ..Default::default()
    };
    let s = solve_from(&p, &config, &plan).unwrap();
    assert_checked(&p, &s);
    for r in &plan.routes {
        let new = s
            .routes
            .iter()
            .find(|x| x.vehicle == r.vehicle)
            .expect("route kept");
        let mut a: Vec<_> = r.activities.iter().filter_map(|k| k.job()).collect();
        let mut b: Vec<_> = new.activities.iter().filter_map(|k| k.kind.job()).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}

#[test]
fn bad_plans_are_refused_with_a_reason() {
    let p = simple(1, 5, 2);
    let route = |v: u32, acts: Vec<ActivityKind>, locked| InitialPlan {
        routes: vec![InitialRoute {
            vehicle: VehicleIdx(v),
            activities: acts,
            locked,
        }],
        change_penalty: 0,
        reorder_penalty: 0,
    };
    let config = solver::SolveConfig {
        max_iterations: Some(10),
        time_limit: None,
        ..Default::default()
    };
    let d = |j| solver::formats::schedule::activity_kind(&p, JobIdx(j), false);
    assert!(matches!(
        solve_from(&p, &config, &route(9, vec![], 0)),
        Err(PlanError::UnknownVehicle { .. })
    ));
    assert!(matches!(
        solve_from(&p, &config, &route(0, vec![d(0), d(0)], 0)),
        Err(PlanError::BadActivity { .. })
    ));
    assert!(matches!(
        solve_from(&p, &config, &route(0, vec![d(0)], 2)),
        Err(PlanError::LockedBeyondRoute { .. })
    ));
    assert!(matches!(
        solve_from(
            &p,
            &config,
            &route(0, vec![ActivityKind::Visit(JobIdx(99))], 0)
        ),
        Err(PlanError::UnknownJob { .. })
    ));
}

#[test]
fn a_small_change_penalty_lets_jobs_move_and_the_objective_stays_checked() {
    let p = simple(9, 30, 4);
    // A poor plan: every job on the first squads in index order.
    let first = solve_checked(&p, 5, 1, 9);
    let mut plan = plan_of(&first, |_| 0);
    plan.change_penalty = 1;
    let config = solver::SolveConfig {
        max_iterations: Some(300),
        time_limit: None,
        threads: 2,
        ..Default::default()
    };
    let s = solve_from(&p, &config, &plan).unwrap();
    assert_checked(&p, &s);
    assert!(s.objective <= first.objective);
}

#[test]
fn a_shipment_picked_up_already_is_delivered_by_the_same_squad() {
    let points = [(0, 0), (10, 0), (20, 0), (30, 0)];
    let mut b = ProblemBuilder::new(1);
    b.matrix(matrix(&points, 1));
    b.vehicle(Vehicle::new("near", ProfileIdx(0), LocIdx(0), vec![5]));
    b.vehicle(Vehicle::new("far", ProfileIdx(0), LocIdx(3), vec![5]));
    b.job(job(
        "med",
        JobKind::Shipment {
            pickup: task(1, 0, vec![]),
            delivery: task(2, 0, vec![]),
            max_ride: None,
        },
        vec![1],
    ));
    b.job(job("other", JobKind::Delivery(task(1, 0, vec![])), vec![1]));
    let p = b.build().unwrap();
    let plan = InitialPlan {
        routes: vec![InitialRoute {
            vehicle: VehicleIdx(1),
            activities: vec![
                ActivityKind::ShipmentPickup(JobIdx(0)),
                ActivityKind::ShipmentDelivery(JobIdx(0)),
            ],
            locked: 1,
        }],
        change_penalty: 0,
        reorder_penalty: 0,
    };
    let config = solver::SolveConfig {
        max_iterations: Some(200),
        time_limit: None,
        threads: 2,
        ..Default::default()
    };
    let s = solve_from(&p, &config, &plan).unwrap();
    assert_checked(&p, &s);
    let far = s
        .routes
        .iter()
        .find(|r| r.vehicle == VehicleIdx(1))
        .expect("the far squad keeps its route");
    assert_eq!(
        far.activities[0].kind,
        ActivityKind::ShipmentPickup(JobIdx(0))
    );
    assert!(far
        .activities
        .iter()
        .any(|a| a.kind == ActivityKind::ShipmentDelivery(JobIdx(0))));
}

/// Reordering a printed sheet costs: a plan whose routes are scrambled is put
/// back in good order when reordering is free, and left in its order (jobs
/// and routes the same) when each changed predecessor costs more than any
/// saving can be.
#[test]
fn reorder_penalty_keeps_the_printed_order() {
    let p = simple(21, 30, 3);
    let s = solve_checked(&p, 300, 1, 21);
    // Scramble each route's stops (deliveries and pickups: any order is load-feasible
    // only if the capacity allows, so keep pickups last within the route).
    let mut scrambled = plan_of(&s, |_| 0);
    for r in &mut scrambled.routes {
        r.activities.reverse();
    }
    let as_built = |plan: &InitialPlan| {
        let routes = plan
            .routes
            .iter()
            .map(|r| build_route(&p, r.vehicle, &r.activities))
            .collect();
        build_solution(&p, routes, UnassignedReason::LeftOutForCost)
    };
    if !solver::check::check(&p, &as_built(&scrambled)).is_empty() {
        // The reversed plan must itself be feasible for the test to mean anything.
        scrambled = plan_of(&s, |_| 0);
    }
    let cfg = solver::SolveConfig {
        seed: 3,
        threads: 1,
        time_limit: None,
        max_iterations: Some(300),
        ..Default::default()
    };
    let order = |s: &Solution| -> Vec<(u32, Vec<ActivityKind>)> {
        let mut v: Vec<_> = s
            .routes
            .iter()
            .map(|r| {
                (
                    r.vehicle.0,
                    r.activities
                        .iter()
                        .map(|a| a.kind)
                        .filter(|k| *k != ActivityKind::Reload)
                        .collect(),
                )
            })
            .collect();
        v.sort_by_key(|x| x.0);
        v
    };
    let start = order(&as_built(&scrambled));
    let mut strict = scrambled.clone();
    strict.change_penalty = 1 << 30;
    strict.reorder_penalty = 1 << 30;
    let kept = solve_from(&p, &cfg, &strict).unwrap();
    assert_checked(&p, &kept);
    assert_eq!(order(&kept), start, "a printed order changed");
    let free = solve_from(&p, &cfg, &scrambled).unwrap();
    assert_checked(&p, &free);
    assert!(free.cost <= kept.cost);
}
