//! `lastmile demo`: plans a realistic made-up day and writes the route sheets.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use api::demo::{district_day, osm_day, write_outputs, DemoConfig, DEMO_OFFICE};
use api::{Engine, EngineConfig, Store};

#[derive(clap::Args)]
pub struct Args {
    /// Plan on a real OSM .pbf extract instead of the made-up district.
    #[arg(long)]
    osm: Option<PathBuf>,
    /// Where to write the sheets, the plan and a database to serve them from.
    #[arg(long, default_value = "lastmile-demo")]
    out: PathBuf,
    #[arg(long, default_value_t = 300)]
    requests: usize,
    #[arg(long, default_value_t = 12)]
    squads: usize,
    /// Solve budget in seconds.
    #[arg(long, default_value_t = 15)]
    budget_s: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let cfg = DemoConfig {
        requests: args.requests,
        squads: args.squads,
        seed: args.seed,
        budget_s: args.budget_s,
        ..DemoConfig::default()
    };
    eprintln!("lastmile demo: building the road map…");
    let graphs = Arc::new(crate::commands::serve::load_graphs(
        None,
        args.osm.as_ref(),
        args.osm.is_none(),
    )?);
    let day = match &args.osm {
        None => district_day(&cfg),
        Some(_) => osm_day(&graphs, &cfg).map_err(anyhow::Error::msg)?,
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let db = args.out.join("plans.db");
    let store = Arc::new(Store::open(&db).with_context(|| format!("opening {}", db.display()))?);
    let engine = Engine::new(
        store.clone(),
        graphs,
        EngineConfig {
            budget_cap: Some(Duration::from_secs(600)),
            ..EngineConfig::default()
        },
    );
    eprintln!(
        "lastmile demo: planning {} requests for {} squads ({} s budget)…",
        day.requests.len(),
        day.squads.len(),
        args.budget_s
    );
    let plan_id = engine
        .plan_now(day.clone())
        .map_err(anyhow::Error::msg)
        .context("planning the demo day")?;
    let index = write_outputs(&store, &plan_id, &day, &args.out).context("writing the sheets")?;
    let result: api::dto::PlanResult =
        serde_json::from_str(&store.result(&plan_id)?.context("no result stored")?.0)
            .context("reading the result back")?;

    // Tokens to try the service on this database: `lastmile serve --district --db … --access …`.
    let access_path = args.out.join("access.json");
    let coordinator = api::auth::new_token();
    let volunteers: Vec<serde_json::Value> = day
        .squads
        .iter()
        .map(|s| serde_json::json!({"squad": s.id, "token": api::auth::new_token()}))
        .collect();
    let access = serde_json::json!({"offices": [{"id": DEMO_OFFICE, "coordinators": [coordinator], "desks": [], "volunteers": volunteers}]});
    std::fs::write(&access_path, serde_json::to_string_pretty(&access)?)?;

    let s = &result.summary;
    println!(
        "Planned {} requests: {} routed, {} unserved, {} of {} squads used, {:.1} km in all.",
        s.requests,
        s.routed,
        s.unserved,
        s.squads_used,
        s.squads,
        s.distance_m as f64 / 1000.0
    );
    let t = &result.timings;
    println!(
        "Time: snapping {} ms, matrix {} ms, solve {} ms, sheets {} ms; {:.1} s in all.",
        t.snap_ms,
        t.matrix_ms,
        t.solve_ms,
        t.render_ms,
        t0.elapsed().as_secs_f64()
    );
    println!(
        "Route sheets (open in a browser and print): {}",
        index.display()
    );
    println!(
        "  one per squad, Chinese and English: {}",
        args.out.join("sheets").display()
    );
    println!(
        "Plan: {}  GeoJSON: {}",
        args.out.join("plan.json").display(),
        args.out.join("plan.geojson").display()
    );
    if args.osm.is_none() {
        println!(
            "Serve them: lastmile serve --district --db {} --access {}",
            db.display(),
            access_path.display()
        );
    }
    Ok(())
}
