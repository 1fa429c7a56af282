//! A generated 5,000-stop day: clustered stops, windows, two load
//! dimensions, 100 squads. Reports when the first feasible plan is ready
//! (through the progress callback) and the peak memory.
//!
//! `cargo run --release -p solver --example big_rich -- [seconds]`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use solver::problem::*;
use solver::SolveConfig;

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    let (stops, squads) = (5000usize, 100usize);
    let mut seed = 11u64;
    let mut rnd = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n.max(1)
    };
    // Clustered points: 60 compounds, stops around them, depot in the middle.
    let centres: Vec<(i64, i64)> = (0..60)
        .map(|_| (rnd(20000) as i64, rnd(20000) as i64))
        .collect();
    let mut pts = vec![(10000i64, 10000i64)];
    for _ in 0..stops {
        let c = centres[rnd(60) as usize];
        pts.push((c.0 + rnd(600) as i64 - 300, c.1 + rnd(600) as i64 - 300));
    }
    let n = pts.len();
    let mut d = vec![0i32; n * n];
    for i in 0..n {
        for j in 0..n {
            let (dx, dy) = ((pts[i].0 - pts[j].0) as f64, (pts[i].1 - pts[j].1) as f64);
            d[i * n + j] = (dx * dx + dy * dy).sqrt() as i32;
        }
    }
    let mut b = ProblemBuilder::new(2);
    // Times in seconds at 5 m/s: a van-like squad.
    b.matrix(Matrix::new(n, d.iter().map(|x| x / 5).collect(), d).unwrap());
    for v in 0..squads {
        let mut veh = Vehicle::new(format!("squad{v}"), ProfileIdx(0), LocIdx(0), vec![400, 80]);
        veh.shift = TimeWindow::new(8 * 3600, 18 * 3600);
        veh.cost_per_second = 1;
        b.vehicle(veh);
    }
    for j in 0..stops {
        let windows = match rnd(3) {
            0 => vec![],
            1 => {
                let s = (8 + rnd(6) as i64) * 3600;
                vec![TimeWindow::new(s, s + 4 * 3600)]
            }
            _ => vec![
                TimeWindow::new(9 * 3600, 11 * 3600),
                TimeWindow::new(14 * 3600, 17 * 3600),
            ],
        };
        b.job(Job {
            id: format!("s{j}"),
            kind: JobKind::Delivery(Task::new(
                LocIdx(j as u32 + 1),
                120 + rnd(180) as i64,
                windows,
            )),
            demand: vec![1 + rnd(10) as i64, 1 + rnd(2) as i64],
            priority: Priority::Routine,
            skills: Skills::NONE,
            prize: None,
            max_carry: None,
        });
    }
    let problem = b.build().unwrap();
    let start = Instant::now();
    let first: Arc<Mutex<Option<(Duration, i64)>>> = Arc::default();
    let sink = first.clone();
    let config = SolveConfig {
        seed: 1,
        threads: 2,
        time_limit: Some(Duration::from_secs_f64(secs)),
        progress: Some(Arc::new(move |p: solver::config::Progress| {
            let mut f = sink.lock().unwrap();
            if let (None, Some(b)) = (&*f, p.best) {
                *f = Some((start.elapsed(), b.objective));
            }
        })),
        ..Default::default()
    };
    let (s, stats) = solver::solve_with_stats(&problem, &config);
    let total = start.elapsed();
    let violations = solver::check::check(&problem, &s);
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.to_string())
        })
        .unwrap_or_default();
    println!(
        "{stops} stops, {squads} squads: first feasible report {:?}, done in {:?}, {} iterations, {} routes, {} unassigned, cost {}, {} violations, {}",
        first.lock().unwrap().map(|f| f.0),
        total,
        stats.iterations,
        s.routes.len(),
        s.unassigned.len(),
        s.cost,
        violations.len(),
        rss
    );
}
