//! Fair shares and two echelons, measured: the same day planned four ways at
//! the same budget (`balance` off / fair × vehicles enter compounds / a
//! lockdown), through the planner the service runs (`dayplan::plan_day`).
//!
//! ```text
//! cargo run --release -p lastmile-benches --bin bench_shares [-- --requests 300 --squads 12 --budget-s 15]
//! cargo run --release -p lastmile-benches --bin bench_shares -- --osm ../shared/data/osm/chengdu-central.osm.pbf --requests 1000 --squads 40 --budget-s 30
//! ```
//! Without `--osm`: the demo day on the made-up district (five gated
//! compounds). With `--osm`: the demo day on the extract, its compounds and
//! gates found in the OSM data (`geo_data::compounds`), doors inside them
//! belonging to them. Every plan passes the solver's checker and the day's
//! own rules (`dayplan::day_check`); the table says so.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use dayplan::assemble::assemble;
use dayplan::convert::snap_day;
use dayplan::demo::{district_day, osm_day, DemoConfig};
use dayplan::dto::{Balance, DayRequest, PlanResult, Profile};
use dayplan::plan::Budget;
use geo_data::{NoProgress, PreparedGraphs};

/// Fair shares and two echelons: one day planned with and without each.
#[derive(Parser)]
#[command(args_override_self = true)]
struct Args {
    /// OSM extract (default: the made-up district).
    #[arg(long, value_name = "FILE")]
    osm: Option<PathBuf>,
    #[arg(long, default_value_t = 300)]
    requests: usize,
    #[arg(long, default_value_t = 12)]
    squads: usize,
    /// Budget of each plan, in seconds.
    #[arg(long, default_value_t = 15)]
    budget_s: u32,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Plan only these configurations (comma-separated of off-open,
    /// fair-open, off-lockdown, fair-lockdown).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Also print each walking squad's day (stops, trips, hours, waiting,
    /// start and end): where a long day comes from.
    #[arg(long)]
    per_squad: bool,
}

struct Row {
    name: String,
    served: usize,
    requests: usize,
    walk_h: f64,
    walk_km: f64,
    vehicle_km: f64,
    walk_used: usize,
    walk_squads: usize,
    longest_h: f64,
    mean_h: f64,
    vehicle_doors: usize,
    drops: usize,
    latest: String,
    wall_s: f64,
    violations: usize,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let cfg = DemoConfig {
        requests: a.requests,
        squads: a.squads,
        seed: a.seed,
        budget_s: a.budget_s,
        ..DemoConfig::default()
    };
    let (graphs, base) = match &a.osm {
        None => {
            let g = geo_data::district::prepared();
            let d = district_day(&cfg);
            (g, d)
        }
        Some(path) => {
            let (g, _) = PreparedGraphs::import_pbf(path, &NoProgress)
                .with_context(|| format!("importing {}", path.display()))?;
            let mut d = osm_day(&g, &cfg).map_err(anyhow::Error::msg)?;
            let found = with_osm_compounds(path, &g, &mut d)?;
            eprintln!("{found} compounds from the extract hold a door of the day");
            (g, d)
        }
    };
    println!(
        "{}: {} requests, {} squads ({} walking), {} compounds, {} s budget, {} threads",
        a.osm
            .as_ref()
            .map_or("district".into(), |p| p.display().to_string()),
        base.requests.len(),
        base.squads.len(),
        base.squads
            .iter()
            .filter(|s| s.profile == Profile::Walk)
            .count(),
        base.compounds.len(),
        a.budget_s,
        a.threads
    );
    let configs = [
        ("off-open", Balance::Off, true),
        ("fair-open", Balance::Fair, true),
        ("off-lockdown", Balance::Off, false),
        ("fair-lockdown", Balance::Fair, false),
    ];
    let mut rows = Vec::new();
    for (name, balance, enter) in configs {
        if !a.only.is_empty() && !a.only.iter().any(|o| o == name) {
            continue;
        }
        let mut day = base.clone();
        day.options.balance = balance;
        day.options.vehicles_enter_compounds = enter;
        rows.push(run(name, &day, &graphs, &a)?);
    }
    println!();
    println!("| plan | served | walking h | walking km | vehicle km | walking squads used | longest / mean walking day (h) | spread | van/tricycle door stops in compounds | drops | latest finish | wall s | rule violations |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} / {} | {:.1} | {:.1} | {:.1} | {} / {} | {:.2} / {:.2} | {:.2} | {} | {} | {} | {:.1} | {} |",
            r.name,
            r.served,
            r.requests,
            r.walk_h,
            r.walk_km,
            r.vehicle_km,
            r.walk_used,
            r.walk_squads,
            r.longest_h,
            r.mean_h,
            if r.mean_h > 0.0 { r.longest_h / r.mean_h } else { 0.0 },
            r.vehicle_doors,
            r.drops,
            r.latest,
            r.wall_s,
            r.violations
        );
    }
    Ok(())
}

fn run(name: &str, day: &DayRequest, graphs: &PreparedGraphs, a: &Args) -> anyhow::Result<Row> {
    let t = Instant::now();
    let snapped = snap_day(day, graphs).map_err(|e| anyhow::anyhow!("{}", e[0].message))?;
    let budget = Budget {
        time: Duration::from_secs(a.budget_s as u64),
        threads: a.threads,
        cancel: None,
        progress: None,
    };
    let p = dayplan::plan_day(day, snapped, graphs, &budget)?;
    let wall_s = t.elapsed().as_secs_f64();
    let checked = solver::check::check(&p.problem, &p.solution);
    let res: PlanResult = assemble(
        "bench",
        1,
        &p.day,
        &p.problem,
        &p.solution,
        &p.snapped,
        graphs,
        false,
    )
    .result;
    let rules = dayplan::day_check::violations(&p.day, &res);
    if a.per_squad {
        eprintln!("{name}: squad  doors stops trips  hours  wait_h  start-end  start_depot");
        let mut walk: Vec<_> = res.routes.iter().filter(|r| r.profile == Profile::Walk).collect();
        walk.sort_by_key(|r| std::cmp::Reverse(r.duration_s));
        for r in walk {
            let wait: i64 = r.stops.iter().map(|s| s.wait_s).sum();
            eprintln!(
                "{name}: {} {:>3} {:>3} {:>2} {:>5.2} {:>5.2} {}-{} {}",
                r.squad,
                r.doors,
                r.stops.len(),
                r.trips,
                r.duration_s as f64 / 3600.0,
                wait as f64 / 3600.0,
                r.start,
                r.end,
                r.start_depot
            );
        }
    }
    for v in checked.iter().take(3) {
        eprintln!("{name}: checker: {v}");
    }
    for v in rules.iter().take(3) {
        eprintln!("{name}: rule: {v}");
    }
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for u in &res.unserved {
        *reasons.entry(format!("{:?}", u.reason)).or_default() += 1;
    }
    if !reasons.is_empty() {
        eprintln!("{name}: unserved by reason {reasons:?}");
    }
    let walk = res
        .summary
        .shares
        .iter()
        .find(|s| s.profile == Profile::Walk);
    let members = dayplan::compound::membership(&p.day);
    let index: std::collections::HashMap<&str, usize> = p
        .day
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let vehicle_doors = res
        .routes
        .iter()
        .filter(|r| r.profile != Profile::Walk)
        .flat_map(|r| &r.stops)
        .filter_map(|s| s.request.as_deref())
        .filter(|q| index.get(q).is_some_and(|&i| members[i].is_some()))
        .count();
    let latest = res
        .summary
        .shares
        .iter()
        .filter(|s| s.squads_used > 0)
        .map(|s| s.latest_finish.clone())
        .max()
        .unwrap_or_default();
    Ok(Row {
        name: name.into(),
        served: res.summary.routed,
        requests: res.summary.requests,
        walk_h: walk.map_or(0.0, |w| w.working_s as f64 / 3600.0),
        walk_km: walk.map_or(0.0, |w| w.distance_m as f64 / 1000.0),
        vehicle_km: res
            .summary
            .shares
            .iter()
            .filter(|s| s.profile != Profile::Walk)
            .map(|s| s.distance_m as f64 / 1000.0)
            .sum(),
        walk_used: walk.map_or(0, |w| w.squads_used),
        walk_squads: walk.map_or(0, |w| w.squads),
        longest_h: walk.map_or(0.0, |w| w.longest_s as f64 / 3600.0),
        mean_h: walk.map_or(0.0, |w| w.mean_s as f64 / 3600.0),
        vehicle_doors,
        drops: res.summary.gate_drops,
        latest,
        wall_s,
        violations: checked.len() + rules.len(),
    })
}

/// Adds the extract's compounds that hold a door of the day (their gates as
/// depots); returns how many.
fn with_osm_compounds(
    path: &std::path::Path,
    graphs: &PreparedGraphs,
    day: &mut DayRequest,
) -> anyhow::Result<usize> {
    let data =
        geo_data::osm::read_pbf_keeping(path, geo_data::osm::Keep::RoadsAndAreas, &NoProgress)?;
    let found = dayplan::compound::from_osm(&geo_data::compounds::find_compounds(&data), graphs);
    let buildings: std::collections::HashMap<&str, (f64, f64)> = day
        .buildings
        .iter()
        .map(|b| (b.id.as_str(), (b.lat, b.lon)))
        .collect();
    let doors: Vec<(f64, f64)> = day
        .requests
        .iter()
        .filter_map(|r| {
            r.building
                .as_deref()
                .and_then(|b| buildings.get(b))
                .copied()
        })
        .collect();
    let mut kept = Vec::new();
    for mut c in found.compounds {
        if doors
            .iter()
            .any(|&(lat, lon)| geo_data::compounds::point_in_ring(lat, lon, &c.boundary))
        {
            // The day's own buildings belong by position; OSM's are not in it.
            c.buildings.clear();
            kept.push(c);
        }
    }
    for c in &kept {
        for g in &c.gates {
            if let Some(d) = found.depots.iter().find(|d| &d.id == g) {
                day.depots.push(d.clone());
            }
        }
    }
    let n = kept.len();
    day.compounds = kept;
    Ok(n)
}
