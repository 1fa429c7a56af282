//! Shared helpers of the search tests: a seeded generator of rich problems
//! and the one assertion every solution goes through (the independent checker).
#![allow(dead_code)]

use solver::check::check;
use solver::problem::*;
use solver::solution::Solution;
use solver::SolveConfig;

/// Solves with an iteration limit and asserts the checker finds nothing.
pub fn solve_checked(problem: &Problem, iterations: u64, threads: usize, seed: u64) -> Solution {
    let config = SolveConfig {
        seed,
        threads,
        time_limit: None,
        max_iterations: Some(iterations),
        ..Default::default()
    };
    let s = solver::solve(problem, &config);
    assert_checked(problem, &s);
    s
}

pub fn assert_checked(problem: &Problem, s: &Solution) {
    let v = check(problem, s);
    assert!(
        v.is_empty(),
        "checker found {} violations: {:#?}\nsolution: {:#?}",
        v.len(),
        &v[..v.len().min(10)],
        s.routes
    );
}

/// A tiny deterministic generator (splitmix64) so tests need no extra crate.
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// Euclidean matrix (rounded) over points; durations = distances * `speed`.
pub fn matrix(points: &[(i64, i64)], speed: i64) -> Matrix {
    let n = points.len();
    let mut d = vec![0i32; n * n];
    let mut t = vec![0i32; n * n];
    for i in 0..n {
        for j in 0..n {
            let (dx, dy) = (
                (points[i].0 - points[j].0) as f64,
                (points[i].1 - points[j].1) as f64,
            );
            let e = (dx * dx + dy * dy).sqrt().round() as i32;
            d[i * n + j] = e;
            t[i * n + j] = e * speed as i32;
        }
    }
    Matrix::new(n, t, d).unwrap()
}

pub fn task(loc: u32, service: Time, windows: Vec<TimeWindow>) -> Task {
    Task::new(LocIdx(loc), service, windows)
}

pub fn job(id: impl Into<String>, kind: JobKind, demand: Vec<Amount>) -> Job {
    Job {
        id: id.into(),
        kind,
        demand,
        priority: Priority::Routine,
        skills: Skills::NONE,
        prize: None,
        max_carry: None,
    }
}

/// A random problem using every feature of the model.
pub fn rich(seed: u64, jobs: usize, vehicles: usize) -> Problem {
    let mut g = Gen(seed);
    let n = jobs * 2 + 3;
    let points: Vec<(i64, i64)> = (0..n)
        .map(|_| (g.below(1000) as i64, g.below(1000) as i64))
        .collect();
    let mut b = ProblemBuilder::new(2);
    b.matrix(matrix(&points, 1));
    b.matrix(matrix(&points, 3));
    let horizon = 8000;
    let mut loc = 3u32;
    let mut next_loc = || {
        loc += 1;
        loc - 1
    };
    let window = |g: &mut Gen| -> Vec<TimeWindow> {
        match g.below(4) {
            0 => vec![],
            1 => {
                let s = g.below(horizon - 1500) as i64;
                vec![TimeWindow::new(s, s + 1500)]
            }
            2 => {
                let s = g.below(horizon / 2) as i64;
                vec![
                    TimeWindow::new(s, s + 600),
                    TimeWindow::new(s + 2000, s + 2600),
                ]
            }
            _ => {
                let s = g.below(horizon - 3000) as i64;
                vec![TimeWindow::new(s, s + 3000)]
            }
        }
    };
    for j in 0..jobs {
        let demand = vec![g.below(6) as i64, g.below(3) as i64];
        let service = g.below(60) as i64;
        let kind = match g.below(4) {
            0 => JobKind::Delivery(task(next_loc(), service, window(&mut g))),
            1 => JobKind::Pickup(task(next_loc(), service, window(&mut g))),
            2 => JobKind::Visit(task(next_loc(), service, window(&mut g))),
            _ => JobKind::Shipment {
                pickup: task(next_loc(), service, vec![]),
                delivery: task(next_loc(), service, window(&mut g)),
                max_ride: if g.chance(0.5) {
                    Some(1500 + g.below(1500) as i64)
                } else {
                    None
                },
            },
        };
        let is_delivery = matches!(kind, JobKind::Delivery(_));
        let mut jb = job(format!("j{j}"), kind, demand);
        if is_delivery && g.chance(0.4) {
            // Chilled goods: a limit from loading to the door.
            jb.max_carry = Some(600 + g.below(2400) as i64);
        }
        if g.chance(0.15) {
            jb.skills = Skills(1 << g.below(2));
        }
        if g.chance(0.2) {
            jb.prize = Some(g.below(3000) as i64);
        }
        jb.priority = match g.below(5) {
            0 => Priority::Urgent,
            1 => Priority::Medicine,
            _ => Priority::Routine,
        };
        b.job(jb);
    }
    for v in 0..vehicles {
        let depot = (v % 3) as u32;
        let mut veh = Vehicle::new(
            format!("v{v}"),
            ProfileIdx((v % 2) as u32),
            LocIdx(depot),
            vec![10 + g.below(10) as i64, 4 + g.below(4) as i64],
        );
        veh.skills = Skills(g.below(4));
        veh.shift = TimeWindow::new(g.below(500) as i64, horizon as i64 - g.below(1000) as i64);
        match g.below(5) {
            0 => veh.start = None,
            1 => veh.end = None,
            _ => {}
        }
        if g.chance(0.3) {
            veh.max_stops = Some(4 + g.below(6) as u32);
        }
        if g.chance(0.3) {
            veh.max_duration = Some(3000 + g.below(3000) as i64);
        }
        if g.chance(0.3) {
            veh.max_distance = Some(2000 + g.below(4000) as i64);
        }
        if g.chance(0.4) {
            veh.reload = Some(Reload {
                locations: vec![LocIdx(depot)],
                service: 30,
                max_trips: if g.chance(0.5) { Some(3) } else { None },
            });
        }
        veh.fixed_cost = g.below(100) as i64;
        veh.cost_per_second = g.below(2) as i64;
        b.vehicle(veh);
    }
    b.build().unwrap()
}
