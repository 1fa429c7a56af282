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
        let routed: usize = s.routes.iter().map(|r| r.activities.iter().filter(|a| a.kind.job().is_some()).count()).sum();
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
