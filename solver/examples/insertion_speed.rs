//! Measures the escalation desk's query: insertion options for one urgent
//! job into a plan of 2,000 stops on 60 vehicles. Prints the median time per
//! query over a few hundred queries.
//!
//! `cargo run --release -p solver --example insertion_speed`

use std::time::Instant;

use solver::problem::*;
use solver::{InitialPlan, InitialRoute, PlanIndex};

fn main() {
    let (stops, vehicles, queries) = (2000usize, 60usize, 200usize);
    let mut seed = 7u64;
    let mut rnd = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let n = stops + queries + 1;
    let pts: Vec<(i64, i64)> = (0..n)
        .map(|_| (rnd(5000) as i64, rnd(5000) as i64))
        .collect();
    let mut d = vec![0i32; n * n];
    for i in 0..n {
        for j in 0..n {
            let (dx, dy) = ((pts[i].0 - pts[j].0) as f64, (pts[i].1 - pts[j].1) as f64);
            d[i * n + j] = (dx * dx + dy * dy).sqrt() as i32;
        }
    }
    let mut b = ProblemBuilder::new(2);
    b.matrix(Matrix::from_distances(n, d).unwrap());
    for v in 0..vehicles {
        let mut veh = Vehicle::new(format!("v{v}"), ProfileIdx(0), LocIdx(0), vec![1000, 1000]);
        veh.shift = TimeWindow::new(0, 1_000_000);
        b.vehicle(veh);
    }
    for j in 0..stops + queries {
        let s = rnd(500_000) as i64;
        b.job(Job {
            id: format!("j{j}"),
            kind: JobKind::Delivery(Task::new(
                LocIdx(j as u32 + 1),
                60,
                vec![TimeWindow::new(s, s + 400_000)],
            )),
            demand: vec![1, 1],
            priority: Priority::Routine,
            skills: Skills::NONE,
            prize: None,
            max_carry: None,
        });
    }
    let problem = b.build().unwrap();
    // A plan: stops dealt round-robin, in window order.
    let mut routes: Vec<InitialRoute> = (0..vehicles)
        .map(|v| InitialRoute {
            vehicle: VehicleIdx(v as u32),
            activities: Vec::new(),
            locked: 3,
        })
        .collect();
    let mut order: Vec<usize> = (0..stops).collect();
    order.sort_by_key(|&j| match &problem.jobs()[j].kind {
        JobKind::Delivery(t) => t.windows[0].start,
        _ => 0,
    });
    for (k, j) in order.into_iter().enumerate() {
        routes[k % vehicles]
            .activities
            .push(solver::solution::ActivityKind::Delivery(JobIdx(j as u32)));
    }
    let plan = InitialPlan {
        routes,
        change_penalty: 0,
        reorder_penalty: 0,
    };
    let t = Instant::now();
    let mut index = PlanIndex::new(&problem, &plan).unwrap();
    let prepare = t.elapsed();
    let mut times = Vec::new();
    let mut feasible = 0;
    for q in 0..queries {
        let t = Instant::now();
        let opts = index.options(JobIdx((stops + q) as u32), true).unwrap();
        times.push(t.elapsed());
        feasible += opts.iter().filter(|o| o.result.is_ok()).count();
    }
    times.sort();
    println!(
        "{stops} stops, {vehicles} vehicles: prepare {:?}, query median {:?} (min {:?}, max {:?}), {:.1} feasible vehicles per query",
        prepare,
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        feasible as f64 / queries as f64
    );
}
