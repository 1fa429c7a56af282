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
    /// Share work evenly among squads (`fair`) or plan the least total effort (`off`).
    #[arg(long, value_enum, default_value_t = BalanceArg::Fair)]
    balance: BalanceArg,
    /// Let vans and tricycles drive into the compounds; by default the demo
    /// is a lockdown day: vehicles stop at the gates, volunteers carry on foot.
    #[arg(long)]
    vehicles_enter_compounds: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum BalanceArg {
    Off,
    Fair,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let cfg = DemoConfig {
        requests: args.requests,
        squads: args.squads,
        seed: args.seed,
        budget_s: args.budget_s,
        lockdown: !args.vehicles_enter_compounds,
        balance: match args.balance {
            BalanceArg::Off => dayplan::dto::Balance::Off,
            BalanceArg::Fair => dayplan::dto::Balance::Fair,
        },
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
    // The day as planned: on a lockdown day it holds the vans' gate drops.
    let day: DayRequest = serde_json::from_str(
        &store
            .request_json(&plan_id)?
            .context("the plan's day is not stored")?,
    )
    .context("reading the planned day back")?;
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
    for sh in &s.shares {
        println!(
            "  {}: {} of {} squads, {} doors, {:.1} km; working days {:.1} h longest, {:.1} h mean (spread {:.2}); last back {}.",
            sh.profile.name(),
            sh.squads_used,
            sh.squads,
            sh.doors,
            sh.distance_m as f64 / 1000.0,
            sh.longest_s as f64 / 3600.0,
            sh.mean_s as f64 / 3600.0,
            sh.spread,
            sh.latest_finish
        );
    }
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
        let signin = super::people::signin_link(
            &store,
            DEMO_OFFICE,
            "演示协调员",
            api::store::PersonRole::Coordinator,
        )?;
        println!(
            "Serve them: lastmile serve --district --db {} --access {}",
            db.display(),
            access_path.display()
        );
        println!(
            "  then open the console in a browser (this sign-in link works once, within 24 h):\n  http://127.0.0.1:8080{signin}"
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
    let plan: Option<dayplan::dto::PlanResult> = serde_json::from_str(&result).ok();
    let mut index = String::from(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>路线单 Route sheets</title>\
         <style>body{font-family:sans-serif;font-size:14pt}table{border-collapse:collapse}\
         td,th{border:1px solid #999;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}</style>\
         </head><body><h1>路线单 Route sheets</h1>\
         <table><tr><th>小分队 Squad</th><th>方式 Mode</th><th>门户 Doors</th><th>公里 km</th>\
         <th>工作时长 Hours</th><th>出发 Start</th><th>结束 Finish</th><th>路线单 Sheet</th></tr>",
    );
    for s in &day.squads {
        let route = plan
            .as_ref()
            .and_then(|p| p.routes.iter().find(|r| r.squad == s.id));
        let name = dayplan::sheet::esc(s.name.as_deref().unwrap_or(&s.id));
        let figures = match route {
            Some(r) => format!(
                "<td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{}</td><td>{}</td>",
                r.doors,
                r.distance_m as f64 / 1000.0,
                r.duration_s as f64 / 3600.0,
                r.start,
                r.end
            ),
            None => "<td>0</td><td>–</td><td>–</td><td>–</td><td>未派 unused</td>".to_string(),
        };
        let mut links = String::new();
        for lang in [Lang::Zh, Lang::En] {
            if let Some((html, _)) = store.sheet(plan_id, &s.id, lang.code()).map_err(io)? {
                let file = format!("{}.{}.html", file_safe(&s.id), lang.code());
                std::fs::write(sheets_dir.join(&file), html)?;
                links.push_str(&format!(
                    "<a href=\"sheets/{file}\">{}</a> ",
                    if lang == Lang::Zh {
                        "中文"
                    } else {
                        "English"
                    }
                ));
            }
        }
        index.push_str(&format!(
            "<tr><td>{} {name}</td><td>{}</td>{figures}<td>{links}</td></tr>",
            dayplan::sheet::esc(&s.id),
            s.profile.name()
        ));
    }
    index.push_str("</table>");
    if let Some(p) = &plan {
        index.push_str(
            "<h2>分工 Shares</h2><table><tr><th>方式 Mode</th><th>小分队 Squads used</th><th>门户 Doors</th>\
             <th>公里 km</th><th>最长 Longest h</th><th>平均 Mean h</th><th>最长/平均 Spread</th><th>最晚结束 Last back</th></tr>",
        );
        for sh in &p.summary.shares {
            index.push_str(&format!(
                "<tr><td>{}</td><td>{} / {}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.2}</td><td>{}</td></tr>",
                sh.profile.name(),
                sh.squads_used,
                sh.squads,
                sh.doors,
                sh.distance_m as f64 / 1000.0,
                sh.longest_s as f64 / 3600.0,
                sh.mean_s as f64 / 3600.0,
                sh.spread,
                sh.latest_finish
            ));
        }
        index.push_str("</table>");
        if !p.unserved.is_empty() {
            index.push_str(&format!(
                "<p>未能安排 Unserved: {} (see plan.json for each reason)</p>",
                p.unserved.len()
            ));
        }
    }
    index.push_str("<p><a href=\"plan.json\">plan.json</a> · <a href=\"plan.geojson\">plan.geojson</a></p></body></html>");
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
