//! What the walk from the road to the door does to a plan on a roads-only map.
//!
//! The same day (the demo day on an extract, doors at random places within
//! 150 m of a road node, walking, tricycle and van squads) is planned twice
//! with the same budget: once on matrices without the access walks (the model
//! before access legs: doors moved onto the road, no parking) and once as the
//! service plans it now. The plan made without the walks is then priced on the
//! true travel times, which is what its squads would have walked.
//!
//! ```text
//! cargo run --release -p lastmile-benches --bin bench_access [-- --osm FILE --requests 800 --squads 25 --budget-s 20]
//! ```
//! Reads ../shared/data/osm/chengdu-roads-only.osm.pbf by default (or
//! `$LASTMILE_SHARED_DATA/osm/…`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use dayplan::convert::{build_problem, matrices, snap_day, Snapped};
use dayplan::demo::{osm_day, DemoConfig};
use dayplan::dto::{DayRequest, Profile};
use geo_data::{NoProgress, PreparedGraphs, SnappedPoint};
use solver::problem::{LocIdx, Problem};
use solver::solution::Solution;
use solver::{solve, SolveConfig};

/// What the walk from the road to the door does to a plan on a roads-only map:
/// the same demo day planned on matrices without the access walks and as the
/// service plans it now, both priced on the true travel times.
#[derive(Parser)]
#[command(args_override_self = true)]
struct Args {
    /// OSM extract (default: the shared chengdu-roads-only.osm.pbf).
    #[arg(long, value_name = "FILE")]
    osm: Option<PathBuf>,
    /// Requests in the demo day.
    #[arg(long, default_value_t = 800)]
    requests: usize,
    /// Squads in the demo day (walking, tricycle and van).
    #[arg(long, default_value_t = 25)]
    squads: usize,
    /// Solve budget of each of the two plans, in seconds.
    #[arg(long, default_value_t = 20)]
    budget_s: u64,
    /// Search threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Seed of the demo day and of the search.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// One plan's figures, on the travel times of `truth` (`snapped` is the
/// day as snapped with its access walks).
struct Figures {
    routed: usize,
    travel_believed_s: i64,
    travel_true_s: i64,
    access_walk_s: i64,
    door_stops: [usize; 3],
    latest_finish_s: i64,
    squads_used: usize,
    mean_eta_error_s: f64,
}

fn profile_slot(p: Profile) -> usize {
    match p {
        Profile::Walk => 0,
        Profile::Bike => 1,
        Profile::Car => 2,
    }
}

fn figures(
    day: &DayRequest,
    snapped: &Snapped,
    planned: &Problem,
    truth: &Problem,
    s: &Solution,
) -> Figures {
    let mut f = Figures {
        routed: 0,
        travel_believed_s: 0,
        travel_true_s: 0,
        access_walk_s: 0,
        door_stops: [0; 3],
        latest_finish_s: 0,
        squads_used: 0,
        mean_eta_error_s: 0.0,
    };
    let mut eta_errors = Vec::new();
    for r in &s.routes {
        let v = r.vehicle.get();
        let squad = &day.squads[v];
        let p = snapped.profile_idx(squad.profile);
        let (mp, mt) = (
            &planned.matrices()[p.0 as usize],
            &truth.matrices()[p.0 as usize],
        );
        let start = planned.vehicles()[v]
            .start
            .expect("squads start at a depot");
        let mut prev: LocIdx = start;
        let mut delay = 0i64;
        let mut stops: Vec<LocIdx> = r.activities.iter().map(|a| a.location).collect();
        stops.push(planned.vehicles()[v].end.unwrap_or(start));
        for (k, &loc) in stops.iter().enumerate() {
            let (b, t) = (mp.duration(prev, loc) as i64, mt.duration(prev, loc) as i64);
            f.travel_believed_s += b;
            f.travel_true_s += t;
            delay += t - b;
            if k < r.activities.len() {
                let door = loc.get() >= day.depots.len();
                if door {
                    f.door_stops[profile_slot(squad.profile)] += 1;
                    f.routed += 1;
                    eta_errors.push(delay as f64);
                    let sp = snapped.snapped[p.0 as usize][loc.get()];
                    f.access_walk_s +=
                        2 * sp.map_or(0, |x: SnappedPoint| x.access().duration_s() as i64);
                }
            }
            prev = loc;
        }
        if !r.activities.is_empty() {
            f.squads_used += 1;
            f.latest_finish_s = f.latest_finish_s.max(r.end_time + delay);
        }
    }
    f.mean_eta_error_s = eta_errors.iter().sum::<f64>() / eta_errors.len().max(1) as f64;
    f
}

fn clock(s: i64) -> String {
    format!("{:02}:{:02}", s / 3600, (s % 3600) / 60)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let osm = args
        .osm
        .clone()
        .unwrap_or_else(|| lastmile_benches::shared_data().join("osm/chengdu-roads-only.osm.pbf"));
    let (graphs, _) = PreparedGraphs::import_pbf(&osm, &NoProgress)
        .with_context(|| format!("importing {}", osm.display()))?;
    let day = osm_day(
        &graphs,
        &DemoConfig {
            requests: args.requests,
            squads: args.squads,
            seed: args.seed,
            budget_s: args.budget_s as u32,
            ..DemoConfig::default()
        },
    )
    .map_err(anyhow::Error::msg)?;
    let snapped = snap_day(&day, &graphs).map_err(|e| anyhow::anyhow!("{}", e[0].message))?;
    // The model before access legs: every door on the road, nothing to park.
    let on_road = Snapped {
        points: snapped.points.clone(),
        profiles: snapped.profiles.clone(),
        snapped: snapped
            .snapped
            .iter()
            .map(|per| per.iter().map(|p| p.map(|p| p.without_access())).collect())
            .collect(),
        park_s: vec![0; snapped.profiles.len()],
    };
    let truth = build_problem(&day, &snapped, matrices(&snapped, &graphs))?;
    let before = build_problem(&day, &on_road, matrices(&on_road, &graphs))?;
    let cfg = SolveConfig {
        seed: args.seed,
        threads: args.threads,
        time_limit: Some(Duration::from_secs(args.budget_s)),
        ..SolveConfig::default()
    };
    let snaps: Vec<f64> = snapped.snapped[snapped.profile_idx(Profile::Walk).0 as usize]
        .iter()
        .skip(day.depots.len())
        .filter_map(|p| p.map(|p| p.snap_distance_m()))
        .collect();
    let mut sorted = snaps.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{}: {} requests, {} squads, {} s budget, {} threads; walking snap distance median {:.0} m, p95 {:.0} m, max {:.0} m",
        osm.file_name().unwrap_or_default().to_string_lossy(),
        day.requests.len(),
        day.squads.len(),
        args.budget_s,
        args.threads,
        sorted[sorted.len() / 2],
        sorted[sorted.len() * 95 / 100],
        sorted.last().copied().unwrap_or(0.0)
    );
    let old = solve(&before, &cfg);
    let new = solve(&truth, &cfg);
    assert!(
        solver::check::check(&truth, &new).is_empty(),
        "the plan passes the checker"
    );
    let a = figures(&day, &snapped, &before, &truth, &old);
    let b = figures(&day, &snapped, &truth, &truth, &new);
    println!();
    println!("| | without access legs | with access legs |");
    println!("|---|---:|---:|");
    println!("| requests routed | {} | {} |", a.routed, b.routed);
    println!("| squads used | {} | {} |", a.squads_used, b.squads_used);
    println!(
        "| travel the plan believes (s) | {} | {} |",
        a.travel_believed_s, b.travel_believed_s
    );
    println!(
        "| travel on true door-to-door times (s) | {} | {} |",
        a.travel_true_s, b.travel_true_s
    );
    println!(
        "| of which walking door ↔ road (s) | {} | {} |",
        a.access_walk_s, b.access_walk_s
    );
    println!(
        "| mean ETA error at the door (s) | {:.0} | {:.0} |",
        a.mean_eta_error_s, b.mean_eta_error_s
    );
    println!(
        "| door stops walk / tricycle / van | {} / {} / {} | {} / {} / {} |",
        a.door_stops[0],
        a.door_stops[1],
        a.door_stops[2],
        b.door_stops[0],
        b.door_stops[1],
        b.door_stops[2]
    );
    println!(
        "| latest finish (true times) | {} | {} |",
        clock(a.latest_finish_s),
        clock(b.latest_finish_s)
    );
    Ok(())
}
