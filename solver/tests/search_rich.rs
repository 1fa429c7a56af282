//! Random problems using every feature at once: every solution must pass the
//! independent checker, and runs must be reproducible.

mod common;

use common::*;

#[test]
fn random_rich_problems_give_checked_solutions() {
    for seed in 0..24 {
        let p = rich(seed, 10 + (seed as usize % 4) * 10, 2 + seed as usize % 4);
        let s = solve_checked(&p, 150, 2, seed);
        // Every job is accounted for: routed or reported.
        let routed: usize = s
            .routes
            .iter()
            .map(|r| {
                r.activities
                    .iter()
                    .filter(|a| a.kind.job().is_some())
                    .count()
            })
            .sum();
        assert!(routed > 0 || !s.unassigned.is_empty() || p.jobs().is_empty());
    }
}

#[test]
fn same_seed_threads_and_iterations_give_the_same_solution() {
    let p = rich(7, 30, 4);
    let a = solve_checked(&p, 400, 2, 42);
    let b = solve_checked(&p, 400, 2, 42);
    assert_eq!(a, b);
    let c = solve_checked(&p, 400, 1, 42);
    let d = solve_checked(&p, 400, 1, 42);
    assert_eq!(c, d);
}

#[test]
fn large_days_use_the_nearby_insertion_and_stay_checked() {
    // Above 1,000 job nodes, insertion only looks next to the nearest stops.
    let mut g = Gen(99);
    let n = 1201;
    let points: Vec<(i64, i64)> = (0..n)
        .map(|_| (g.below(3000) as i64, g.below(3000) as i64))
        .collect();
    let mut b = solver::problem::ProblemBuilder::new(1);
    b.matrix(matrix(&points, 1));
    for v in 0..25 {
        let mut veh = solver::problem::Vehicle::new(
            format!("v{v}"),
            solver::problem::ProfileIdx(0),
            solver::problem::LocIdx(0),
            vec![60],
        );
        veh.shift = solver::problem::TimeWindow::new(0, 40_000);
        b.vehicle(veh);
    }
    for j in 1..n {
        let s = g.below(20_000) as i64;
        let w = if j % 2 == 0 {
            vec![solver::problem::TimeWindow::new(s, s + 8000)]
        } else {
            vec![]
        };
        b.job(job(
            format!("j{j}"),
            solver::problem::JobKind::Delivery(task(j as u32, 30, w)),
            vec![1],
        ));
    }
    let p = b.build().unwrap();
    let s = solve_checked(&p, 20, 2, 5);
    assert!(s.unassigned.len() < 50, "{} left out", s.unassigned.len());
}
