//! Solution quality on the classic benchmarks, against best-known solutions
//! and, optionally, peer solvers run on the same matrices and budget.
//!
//! ```text
//! cargo run --release -p lastmile-benches --bin bench_vrp -- --set solomon --seconds 10 --threads 2 [--peers peers.csv]
//! ```
//!
//! Prints a markdown table: instance, cost, BKS, gap %, routes (BKS routes),
//! time, one gap column per peer solver; then the mean and max gap per column.
//! Conventions: Solomon against `distance_only_dimacs_trunc1`; X against
//! `cvrplib_rounded_int`; Gehring–Homberger against `hierarchical_sintef`
//! (vehicles first): there the cost column is the double-precision distance
//! of our routes, and vehicles are shown next to the BKS vehicles.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use solver::formats::{Format, Instance};

/// Solution quality on the classic benchmarks, against best-known solutions
/// and, optionally, peer solvers run on the same matrices and budget.
#[derive(Parser)]
#[command(args_override_self = true)]
struct Args {
    /// Instance set: solomon, x (CVRPLIB X up to --max-customers), gh200 or gh400.
    #[arg(long)]
    set: String,
    /// Only instances whose name contains this text (or any of a comma-separated list).
    #[arg(long, default_value = "")]
    filter: String,
    /// At most this many instances (after filtering).
    #[arg(long)]
    limit: Option<usize>,
    /// X set: the largest number of customers.
    #[arg(long, default_value_t = 400)]
    max_customers: usize,
    /// Solve budget per instance, in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Search threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Random seed of the search.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Peer results (instance,solver,cost,routes,time) from benches/peers/run_peers.py.
    #[arg(long, value_name = "FILE")]
    peers: Option<PathBuf>,
    /// The shared data folder (default: LASTMILE_SHARED_DATA or ../shared/data).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

struct SetSpec {
    dir: &'static str,
    instances: &'static str,
    ext: &'static str,
    format: Format,
    convention: &'static str,
}

fn spec(set: &str) -> anyhow::Result<SetSpec> {
    Ok(match set {
        "solomon" => SetSpec {
            dir: "solomon",
            instances: "instances",
            ext: "txt",
            format: Format::Solomon,
            convention: "distance_only_dimacs_trunc1",
        },
        "x" => SetSpec {
            dir: "cvrplib-x",
            instances: "instances",
            ext: "vrp",
            format: Format::Vrplib,
            convention: "cvrplib_rounded_int",
        },
        "gh200" => SetSpec {
            dir: "homberger",
            instances: "200",
            ext: "txt",
            format: Format::Solomon,
            convention: "hierarchical_sintef",
        },
        "gh400" => SetSpec {
            dir: "homberger",
            instances: "400",
            ext: "txt",
            format: Format::Solomon,
            convention: "hierarchical_sintef",
        },
        other => bail!("unknown set {other:?} (solomon, x, gh200, gh400)"),
    })
}

/// `instance -> (cost, vehicles)` of one convention.
fn read_bks(path: &Path, convention: &str) -> anyhow::Result<HashMap<String, (f64, usize)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.splitn(5, ',').collect();
        if f.len() >= 4 && f[3] == convention {
            let cost = f[1]
                .parse()
                .with_context(|| format!("{}:{}: cost", path.display(), i + 1))?;
            let veh = f[2]
                .parse()
                .with_context(|| format!("{}:{}: vehicles", path.display(), i + 1))?;
            out.insert(f[0].to_string(), (cost, veh));
        }
    }
    Ok(out)
}

/// `instance -> solver -> (cost, routes)`; an infeasible peer run has no cost.
type Peers = BTreeMap<String, HashMap<String, (Option<f64>, Option<usize>)>>;

fn read_peers(path: &Path) -> anyhow::Result<(Vec<String>, Peers)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut solvers: Vec<String> = Vec::new();
    let mut peers = Peers::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 4 {
            continue;
        }
        if !solvers.iter().any(|s| s == f[1]) {
            solvers.push(f[1].to_string());
        }
        peers
            .entry(f[0].to_string())
            .or_default()
            .insert(f[1].to_string(), (f[2].parse().ok(), f[3].parse().ok()));
    }
    Ok((solvers, peers))
}

/// Double-precision length of the routes (the SINTEF convention).
fn double_distance(inst: &Instance, sol: &solver::solution::Solution) -> f64 {
    let c = &inst.coords;
    let d = |a: usize, b: usize| (c[a].0 - c[b].0).hypot(c[a].1 - c[b].1);
    sol.routes
        .iter()
        .map(|r| {
            let locs: Vec<usize> = std::iter::once(0)
                .chain(r.activities.iter().map(|a| a.location.get()))
                .chain([0])
                .collect();
            locs.windows(2).map(|w| d(w[0], w[1])).sum::<f64>()
        })
        .sum()
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let s = spec(&args.set)?;
    let data = args.data.unwrap_or_else(lastmile_benches::shared_data);
    let dir = data.join("bench").join(s.dir);
    let bks = read_bks(&dir.join("bks.csv"), s.convention)?;
    let (peer_names, peers) = match &args.peers {
        Some(p) => read_peers(p)?,
        None => (Vec::new(), Peers::new()),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(s.instances))
        .with_context(|| format!("listing {}", dir.join(s.instances).display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == s.ext))
        .filter(|p| {
            // A comma-separated list of name fragments; an instance matches any of them.
            let name = p.file_name().unwrap().to_string_lossy();
            args.filter.split(',').any(|f| name.contains(f))
        })
        .collect();
    // Natural order: by size for X (X-n101 < X-n1001), by name otherwise.
    let size = |p: &PathBuf| {
        p.file_stem()
            .unwrap()
            .to_string_lossy()
            .split('-')
            .nth(1)
            .and_then(|n| n[1..].parse::<usize>().ok())
            .unwrap_or(0)
    };
    files.sort_by_key(|p| (size(p), p.clone()));
    if args.set == "x" {
        files.retain(|p| size(p).saturating_sub(1) <= args.max_customers);
    }
    if let Some(l) = args.limit {
        files.truncate(l);
    }
    let gh = args.set.starts_with("gh");

    let mut header = String::from("| instance | cost | BKS | gap % | routes (BKS) | time s |");
    let mut rule = String::from("|---|---:|---:|---:|---:|---:|");
    for p in &peer_names {
        header += &format!(" {p} gap % | {p} routes |");
        rule += "---:|---:|";
    }
    println!("{header}\n{rule}");
    let mut gaps: Vec<Vec<f64>> = vec![Vec::new(); 1 + peer_names.len()];
    let mut infeasible = 0;
    for path in &files {
        let inst = Instance::read(path, s.format)
            .with_context(|| format!("reading {}", path.display()))?;
        let key = path.file_stem().unwrap().to_string_lossy().to_string();
        let config = solver::SolveConfig {
            seed: args.seed,
            threads: args.threads,
            time_limit: Some(Duration::from_secs_f64(args.seconds)),
            ..Default::default()
        };
        let started = Instant::now();
        let sol = solver::solve(&inst.problem, &config);
        let secs = started.elapsed().as_secs_f64();
        let violations = solver::check::check(&inst.problem, &sol);
        let (best, best_routes) = bks
            .get(&key)
            .or_else(|| bks.get(&inst.name))
            .copied()
            .unwrap_or((f64::NAN, 0));
        let ok = violations.is_empty() && sol.unassigned.is_empty();
        let cost = if gh {
            double_distance(&inst, &sol)
        } else {
            sol.cost as f64 / inst.cost_scale() as f64
        };
        let gap = 100.0 * (cost - best) / best;
        let mut row = if ok {
            gaps[0].push(gap);
            format!(
                "| {key} | {cost:.1} | {best} | {gap:.2} | {} ({best_routes}) | {secs:.1} |",
                sol.routes.len()
            )
        } else {
            infeasible += 1;
            format!(
                "| {key} | INFEASIBLE ({} violations, {} unassigned) | {best} | – | {} ({best_routes}) | {secs:.1} |",
                violations.len(),
                sol.unassigned.len(),
                sol.routes.len()
            )
        };
        for (k, p) in peer_names.iter().enumerate() {
            match peers
                .get(&key)
                .or_else(|| peers.get(&inst.name))
                .and_then(|m| m.get(p))
            {
                Some((Some(c), r)) => {
                    let g = 100.0 * (c - best) / best;
                    gaps[k + 1].push(g);
                    row += &format!(" {g:.2} | {} |", r.map_or("?".into(), |r| r.to_string()));
                }
                Some((None, _)) => row += " infeasible | – |",
                None => row += " – | – |",
            }
        }
        println!("{row}");
    }
    let stat = |g: &Vec<f64>| {
        if g.is_empty() {
            ("–".to_string(), "–".to_string())
        } else {
            let mean = g.iter().sum::<f64>() / g.len() as f64;
            let max = g.iter().cloned().fold(f64::MIN, f64::max);
            (format!("{mean:.2}"), format!("{max:.2}"))
        }
    };
    let (mean, max) = stat(&gaps[0]);
    let mut mean_row = format!("| **mean gap** | | | **{mean}** | | |");
    let mut max_row = format!("| **max gap** | | | **{max}** | | |");
    for g in &gaps[1..] {
        let (m, x) = stat(g);
        mean_row += &format!(" {m} ({} inst.) | |", g.len());
        max_row += &format!(" {x} | |");
    }
    println!("{mean_row}\n{max_row}");
    println!(
        "\n{} instances, {} s each, {} threads, seed {}; {} infeasible. BKS convention: {}.",
        files.len(),
        args.seconds,
        args.threads,
        args.seed,
        infeasible,
        s.convention
    );
    if gh {
        println!("Gehring–Homberger BKS minimise vehicles first: compare routes with the BKS vehicles; cost is double-precision distance.");
    }
    Ok(())
}
