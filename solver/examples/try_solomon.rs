//! Quick experiment runner for Solomon VRPTW instances (DIMACS convention:
//! Euclidean distances truncated to one decimal, times equal distances).
//! The product's parser lives in `solver::formats`; this tiny private one
//! only serves quick tuning runs.
//!
//! `cargo run --release -p solver --example try_solomon -- 5 2 R101 C201 ...`
//! (seconds per instance, threads, instance names).

use std::time::Duration;

use solver::problem::*;
use solver::SolveConfig;

fn shared() -> std::path::PathBuf {
    std::env::var("LASTMILE_SHARED_DATA").map(Into::into).unwrap_or_else(|_| "../shared/data".into())
}

fn load(name: &str) -> Option<(Problem, f64)> {
    let base = shared().join("bench/solomon");
    let text = std::fs::read_to_string(base.join("instances").join(format!("{name}.txt"))).ok()?;
    let bks = std::fs::read_to_string(base.join("bks.csv")).ok()?;
    let bks: f64 = bks
        .lines()
        .find(|l| l.starts_with(&format!("{name},")) && l.contains("distance_only_dimacs_trunc1"))?
        .split(',')
        .nth(1)?
        .parse()
        .ok()?;
    let lines: Vec<&str> = text.lines().collect();
    let vl = lines.iter().position(|l| l.trim().starts_with("NUMBER"))? + 1;
    let v: Vec<i64> = lines[vl].split_whitespace().map(|x| x.parse().unwrap()).collect();
    let rows: Vec<Vec<f64>> = lines
        .iter()
        .skip_while(|l| !l.trim().starts_with("CUST"))
        .skip(1)
        .filter_map(|l| l.split_whitespace().map(|x| x.parse::<f64>().ok()).collect::<Option<Vec<_>>>())
        .filter(|r| r.len() == 7)
        .collect();
    let n = rows.len();
    let mut d = vec![0i32; n * n];
    for i in 0..n {
        for j in 0..n {
            let e = ((rows[i][1] - rows[j][1]).powi(2) + (rows[i][2] - rows[j][2]).powi(2)).sqrt();
            d[i * n + j] = (10.0 * e).floor() as i32;
        }
    }
    let mut b = ProblemBuilder::new(1);
    b.matrix(Matrix::from_distances(n, d).unwrap());
    for k in 0..v[0] {
        let mut veh = Vehicle::new(format!("v{k}"), ProfileIdx(0), LocIdx(0), vec![v[1]]);
        veh.shift = TimeWindow::new(rows[0][4] as i64 * 10, rows[0][5] as i64 * 10);
        b.vehicle(veh);
    }
    for (i, r) in rows.iter().enumerate().skip(1) {
        b.job(Job {
            id: format!("{i}"),
            kind: JobKind::Delivery(Task::new(
                LocIdx(i as u32),
                r[6] as i64 * 10,
                vec![TimeWindow::new(r[4] as i64 * 10, r[5] as i64 * 10)],
            )),
            demand: vec![r[3] as i64],
            priority: Priority::Routine,
            skills: Skills::NONE,
            prize: None,
        });
    }
    Some((b.build().unwrap(), bks))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secs: f64 = args[0].parse().unwrap();
    let threads: usize = args[1].parse().unwrap();
    let mut gaps = Vec::new();
    println!("{:<8} {:>10} {:>10} {:>7} {:>6} {:>9} {:>6}", "inst", "cost", "bks", "gap%", "routes", "iter/s", "unass");
    for name in &args[2..] {
        let Some((p, bks)) = load(name) else {
            println!("{name}: not found");
            continue;
        };
        let config = SolveConfig {
            seed: 1,
            threads,
            time_limit: Some(Duration::from_secs_f64(secs)),
            ..Default::default()
        };
        let (s, stats) = solver::solve_with_stats(&p, &config);
        let cost = s.cost as f64 / 10.0;
        let gap = 100.0 * (cost - bks) / bks;
        gaps.push(gap);
        println!(
            "{:<8} {:>10.1} {:>10.1} {:>7.2} {:>6} {:>9.0} {:>6}",
            name,
            cost,
            bks,
            gap,
            s.routes.len(),
            stats.iterations as f64 / stats.elapsed.as_secs_f64(),
            s.unassigned.len()
        );
    }
    if !gaps.is_empty() {
        println!("mean gap {:.3}% over {}", gaps.iter().sum::<f64>() / gaps.len() as f64, gaps.len());
    }
}
