//! `lastmile solve-instance`: solves a classic benchmark instance (Solomon
//! VRPTW or VRPLIB CVRP) and prints the solution in the CVRPLIB `.sol` format.
//! The result always goes through the independent checker: an infeasible plan
//! is an error, never printed as if it were a solution.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use solver::formats::{sol, Format, Instance};

#[derive(clap::Args)]
pub struct Args {
    /// The instance file.
    file: PathBuf,
    /// Its format: solomon (also Gehring–Homberger) or vrplib (CVRP).
    #[arg(long, value_parser = parse_format)]
    format: Format,
    /// Wall-clock budget in seconds.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Search threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Seed of the random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Iteration limit per thread (with it, the result is reproducible for a seed and thread count).
    #[arg(long)]
    iterations: Option<u64>,
    /// Also print the time taken and the number of routes on stderr.
    #[arg(long)]
    verbose: bool,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if !(args.seconds.is_finite() && args.seconds > 0.0) {
        bail!("--seconds must be a positive number, got {}", args.seconds);
    }
    let instance = Instance::read(&args.file, args.format)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let config = solver::SolveConfig {
        seed: args.seed,
        threads: args.threads,
        time_limit: Some(Duration::from_secs_f64(args.seconds)),
        max_iterations: args.iterations,
        ..Default::default()
    };
    let started = Instant::now();
    let solution = solver::solve(&instance.problem, &config);
    let elapsed = started.elapsed();
    let violations = solver::check::check(&instance.problem, &solution);
    if !violations.is_empty() {
        let shown: Vec<String> = violations.iter().take(5).map(|v| v.to_string()).collect();
        bail!(
            "the solver returned an infeasible plan ({} violations): {}",
            violations.len(),
            shown.join("; ")
        );
    }
    if !solution.unassigned.is_empty() {
        bail!(
            "{} customers could not be served (first: {})",
            solution.unassigned.len(),
            instance.problem.job(solution.unassigned[0].job).id
        );
    }
    print!("{}", sol::write(&instance, &solution));
    if args.verbose {
        eprintln!(
            "{}: {} routes in {:.2} s",
            instance.name,
            solution.routes.len(),
            elapsed.as_secs_f64()
        );
    }
    Ok(())
}
