//! The rich-model scale benchmark: a generated day of 5,000 stops in clusters,
//! with time windows, two load dimensions (kilograms, parcels), 100 squads
//! (half of them multi-trip walkers), some pickup-and-delivery pairs with a
//! ride limit, skills and priorities. Measures the time to the first feasible
//! plan (first progress report, every 250 ms, with no job left out, or the end of
//! construction), the final plan after the budget, and peak memory (VmHWM).
//!
//! ```text
//! cargo run --release -p lastmile-benches --bin bench_rich -- --stops 5000 --squads 100 --seconds 30 --threads 2
//! ```

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use solver::problem::*;

/// The rich-model scale benchmark: a generated day of clustered stops with
/// time windows, two load dimensions, multi-trip walkers, pickup-and-delivery
/// pairs, skills and priorities; time to the first feasible plan, the final
/// plan after the budget, and peak memory.
#[derive(Parser)]
#[command(args_override_self = true)]
struct Args {
    /// Number of stops (a pickup-and-delivery pair counts two).
    #[arg(long, default_value_t = 5000)]
    stops: usize,
    /// Number of squads (every second one a multi-trip walker).
    #[arg(long, default_value_t = 100)]
    squads: usize,
    /// Solve budget, in seconds.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// Search threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Seed of the generated day and of the search.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

const DAY_START: Time = 8 * 3600;
const DAY_END: Time = 18 * 3600;

/// The generated day. Deterministic for a seed.
fn generate(stops: usize, squads: usize, seed: u64) -> Problem {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // 4 depots in a 12 km square, then clusters of stops around 60 centres.
    let side = 12_000.0;
    let mut pts: Vec<(f64, f64)> = (0..4)
        .map(|_| {
            (
                rng.gen_range(2000.0..side - 2000.0),
                rng.gen_range(2000.0..side - 2000.0),
            )
        })
        .collect();
    let centres: Vec<(f64, f64)> = (0..60)
        .map(|_| (rng.gen_range(0.0..side), rng.gen_range(0.0..side)))
        .collect();
    let mut point = |rng: &mut Xoshiro256PlusPlus| {
        let c = centres[rng.gen_range(0..centres.len())];
        // Sum of uniforms: a cheap bell shape of about 600 m spread.
        let spread = |rng: &mut Xoshiro256PlusPlus| {
            (0..3).map(|_| rng.gen_range(-400.0..400.0)).sum::<f64>()
        };
        let p = (
            (c.0 + spread(rng)).clamp(0.0, side),
            (c.1 + spread(rng)).clamp(0.0, side),
        );
        pts.push(p);
        LocIdx(pts.len() as u32 - 1)
    };
    let pairs = stops / 20; // 5 % of the jobs are pharmacy-to-resident pairs
    let singles = stops - 2 * pairs;
    let mut jobs = Vec::with_capacity(singles + pairs);
    let window = |rng: &mut Xoshiro256PlusPlus| -> Vec<TimeWindow> {
        match rng.gen_range(0..10) {
            0..=5 => vec![],
            6..=8 => {
                let s = rng.gen_range(DAY_START..DAY_END - 2 * 3600);
                vec![TimeWindow::new(s, s + 2 * 3600)]
            }
            _ => vec![
                TimeWindow::new(DAY_START, DAY_START + 3 * 3600),
                TimeWindow::new(DAY_END - 3 * 3600, DAY_END),
            ],
        }
    };
    for i in 0..singles {
        let loc = point(&mut rng);
        let task = Task::new(loc, rng.gen_range(120..300), window(&mut rng));
        let visit = rng.gen_range(0..10) == 0;
        let priority = match rng.gen_range(0..20) {
            0 => Priority::Urgent,
            1 | 2 => Priority::Medicine,
            _ => Priority::Routine,
        };
        jobs.push(Job {
            id: format!("s{i}"),
            kind: if visit {
                JobKind::Visit(task)
            } else {
                JobKind::Delivery(task)
            },
            demand: if visit {
                vec![0, 0]
            } else {
                vec![rng.gen_range(1..6), rng.gen_range(1..3)]
            },
            priority,
            skills: Skills(if rng.gen_range(0..20) == 0 { 1 } else { 0 }),
            prize: None,
            max_carry: None,
        });
    }
    for i in 0..pairs {
        let (p, d) = (point(&mut rng), point(&mut rng));
        jobs.push(Job {
            id: format!("p{i}"),
            kind: JobKind::Shipment {
                pickup: Task::new(p, 180, vec![]),
                delivery: Task::new(d, 180, window(&mut rng)),
                max_ride: Some(2 * 3600),
            },
            demand: vec![1, 1],
            priority: Priority::Medicine,
            skills: Skills::NONE,
            prize: None,
            max_carry: None,
        });
    }
    // Bike travel, 4 m/s on Manhattan-ish distances (1.3 x Euclid).
    let n = pts.len();
    let mut dist = vec![0i32; n * n];
    let mut dur = vec![0i32; n * n];
    for a in 0..n {
        for b in 0..n {
            let d = 1.3 * (pts[a].0 - pts[b].0).hypot(pts[a].1 - pts[b].1);
            dist[a * n + b] = d as i32;
            dur[a * n + b] = (d / 4.0) as i32;
        }
    }
    let mut b = ProblemBuilder::new(2);
    let profile = b.matrix(Matrix::new(n, dur, dist).expect("consistent sizes"));
    for k in 0..squads {
        let depot = LocIdx((k % 4) as u32);
        let mut v = Vehicle::new(format!("squad{k}"), profile, depot, vec![250, 70]);
        v.shift = TimeWindow::new(DAY_START, DAY_END);
        v.cost_per_metre = 1;
        v.cost_per_second = 1;
        v.skills = Skills(if k % 3 == 0 { 1 } else { 0 });
        if k % 2 == 1 {
            v.capacity = vec![60, 20];
            v.reload = Some(Reload {
                locations: vec![depot],
                service: 600,
                max_trips: None,
            });
        }
        b.vehicle(v);
    }
    for j in jobs {
        b.job(j);
    }
    b.build().expect("the generated problem is valid")
}

/// Peak resident memory of this process in MiB (VmHWM), if the OS tells.
fn peak_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let t0 = Instant::now();
    let problem = generate(args.stops, args.squads, args.seed);
    let gen_secs = t0.elapsed().as_secs_f64();
    let mem_after_gen = peak_mib();

    let first_feasible: Arc<Mutex<Option<Duration>>> = Arc::default();
    let reports: Arc<Mutex<u64>> = Arc::default();
    let (ff, rc) = (first_feasible.clone(), reports.clone());
    let config = solver::SolveConfig {
        seed: args.seed,
        threads: args.threads,
        time_limit: Some(Duration::from_secs_f64(args.seconds)),
        progress: Some(Arc::new(move |p: solver::config::Progress| {
            *rc.lock().unwrap() += 1;
            let mut f = ff.lock().unwrap();
            if f.is_none() && p.best.is_some_and(|b| b.unassigned == 0) {
                *f = Some(p.elapsed);
            }
        })),
        ..Default::default()
    };
    let started = Instant::now();
    let solution = solver::solve(&problem, &config);
    let solve_secs = started.elapsed().as_secs_f64();
    let violations = solver::check::check(&problem, &solution);

    let jobs = problem.jobs().len();
    let stops: usize = problem.jobs().iter().map(|j| j.tasks().count()).sum();
    println!("| measure | value |\n|---|---:|");
    println!("| stops (jobs) | {stops} ({jobs}) |");
    println!("| squads | {} |", problem.vehicles().len());
    println!("| locations | {} |", problem.locations());
    println!("| generate + matrix s | {gen_secs:.2} |");
    match *first_feasible.lock().unwrap() {
        Some(d) => println!(
            "| first plan with every job served s | {:.2} |",
            d.as_secs_f64()
        ),
        None => println!("| first plan with every job served s | not reached |"),
    }
    println!("| progress reports | {} |", reports.lock().unwrap());
    println!(
        "| solve wall s (budget {}) | {solve_secs:.2} |",
        args.seconds
    );
    println!("| final cost | {} |", solution.cost);
    println!("| routes | {} |", solution.routes.len());
    println!("| unassigned | {} |", solution.unassigned.len());
    println!("| checker violations | {} |", violations.len());
    println!(
        "| peak memory after generation MiB | {} |",
        mem_after_gen.map_or("?".into(), |m| format!("{m:.0}"))
    );
    println!(
        "| peak memory MiB (VmHWM) | {} |",
        peak_mib().map_or("?".into(), |m| format!("{m:.0}"))
    );
    if let Some(v) = violations.first() {
        anyhow::bail!("the plan is infeasible: {v}");
    }
    Ok(())
}
