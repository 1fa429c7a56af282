//! Quick tuning runner on the shared benchmark instances, through the
//! product's parsers (`solver::formats`). The measured benchmark table is the
//! `benches` package's job; this is for short experiments.
//!
//! `cargo run --release -p solver --example try_bench -- <solomon|x|gh> <seconds> <threads> NAME...`

use std::path::PathBuf;
use std::time::Duration;

use solver::formats::{Format, Instance};
use solver::SolveConfig;

fn shared() -> PathBuf {
    std::env::var("LASTMILE_SHARED_DATA")
        .map(Into::into)
        .unwrap_or_else(|_| "../shared/data".into())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (set, secs, threads) = (
        args[0].as_str(),
        args[1].parse::<f64>().unwrap(),
        args[2].parse::<usize>().unwrap(),
    );
    let (dir, ext, format, convention) = match set {
        "solomon" => (
            "solomon/instances",
            "txt",
            Format::Solomon,
            "distance_only_dimacs_trunc1",
        ),
        "x" => ("cvrplib-x/instances", "vrp", Format::Vrplib, ""),
        _ => ("homberger/400", "txt", Format::Solomon, ""),
    };
    let bks_file = match set {
        "solomon" => "solomon/bks.csv",
        "x" => "cvrplib-x/bks.csv",
        _ => "homberger/bks.csv",
    };
    let bks_text =
        std::fs::read_to_string(shared().join("bench").join(bks_file)).unwrap_or_default();
    let mut gaps = Vec::new();
    println!(
        "{:<14} {:>10} {:>10} {:>7} {:>6} {:>9} {:>5}",
        "instance", "cost", "bks", "gap%", "routes", "iter/s", "unas"
    );
    for name in &args[3..] {
        let path = shared()
            .join("bench")
            .join(dir)
            .join(format!("{name}.{ext}"));
        let inst = match Instance::read(&path, format) {
            Ok(i) => i,
            Err(e) => {
                println!("{name}: {e}");
                continue;
            }
        };
        let bks: Option<f64> = bks_text
            .lines()
            .filter(|l| {
                l.split(',')
                    .next()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .find(|l| convention.is_empty() || l.contains(convention))
            .and_then(|l| l.split(',').nth(1)?.parse().ok());
        let config = SolveConfig {
            seed: 1,
            threads,
            time_limit: Some(Duration::from_secs_f64(secs)),
            ..Default::default()
        };
        let (s, stats) = solver::solve_with_stats(&inst.problem, &config);
        let violations = solver::check::check(&inst.problem, &s);
        assert!(violations.is_empty(), "{name}: {violations:?}");
        let cost = s.cost as f64 / inst.cost_scale() as f64;
        let gap = bks.map(|b| 100.0 * (cost - b) / b);
        if let Some(g) = gap {
            gaps.push(g);
        }
        println!(
            "{:<14} {:>10.1} {:>10.1} {:>7.2} {:>6} {:>9.0} {:>5}",
            name,
            cost,
            bks.unwrap_or(f64::NAN),
            gap.unwrap_or(f64::NAN),
            s.routes.len(),
            stats.iterations as f64 / stats.elapsed.as_secs_f64(),
            s.unassigned.len()
        );
    }
    if !gaps.is_empty() {
        println!(
            "mean gap {:.3}% over {}",
            gaps.iter().sum::<f64>() / gaps.len() as f64,
            gaps.len()
        );
    }
}
