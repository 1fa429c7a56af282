//! `lastmile demo`: plans a realistic made-up day and writes the route sheets.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use api::{Engine, EngineConfig, Store};
use dayplan::demo::{district_day, osm_day, DemoConfig, DEMO_OFFICE};
use dayplan::dto::DayRequest;
use dayplan::sheet::Lang;

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
    let result: dayplan::dto::PlanResult =
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

/// Writes the finished plan's outputs to `out`: one sheet per squad and
/// language, the plan JSON, the GeoJSON, the day itself and an index page.
/// Returns the index page's path.
pub fn write_outputs(
    store: &Store,
    plan_id: &str,
    day: &DayRequest,
    out: &Path,
) -> std::io::Result<PathBuf> {
    let io = |e: api::store::StoreError| std::io::Error::other(e.to_string());
    let sheets_dir = out.join("sheets");
    std::fs::create_dir_all(&sheets_dir)?;
    let (result, geojson) = store
        .result(plan_id)
        .map_err(io)?
        .ok_or_else(|| std::io::Error::other("the plan has no result"))?;
    std::fs::write(out.join("plan.json"), pretty(&result))?;
    std::fs::write(out.join("plan.geojson"), geojson)?;
    std::fs::write(
        out.join("day.json"),
        serde_json::to_string_pretty(day).map_err(std::io::Error::other)?,
    )?;
    let mut index = String::from(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>路线单 Route sheets</title></head>\
         <body style=\"font-family:sans-serif;font-size:16pt\"><h1>路线单 Route sheets</h1><ul>",
    );
    for s in &day.squads {
        for lang in [Lang::Zh, Lang::En] {
            if let Some((html, _)) = store.sheet(plan_id, &s.id, lang.code()).map_err(io)? {
                let name = format!("{}.{}.html", file_safe(&s.id), lang.code());
                std::fs::write(sheets_dir.join(&name), html)?;
                if lang == Lang::Zh {
                    index.push_str(&format!(
                        "<li><a href=\"sheets/{name}\">{}</a> · <a href=\"sheets/{}.en.html\">English</a></li>",
                        dayplan::sheet::esc(s.name.as_deref().unwrap_or(&s.id)),
                        file_safe(&s.id)
                    ));
                }
            }
        }
    }
    index.push_str("</ul><p><a href=\"plan.json\">plan.json</a> · <a href=\"plan.geojson\">plan.geojson</a></p></body></html>");
    let path = out.join("index.html");
    std::fs::write(&path, index)?;
    Ok(path)
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| json.to_string())
}

/// A squad id as a file name (ids are free text).
pub fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
