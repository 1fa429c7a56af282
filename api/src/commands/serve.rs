//! `lastmile serve`: the day-plan HTTP service.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use api::{Access, Engine, EngineConfig, Store};
use geo_data::PreparedGraphs;

#[derive(clap::Args)]
pub struct Args {
    /// Prepared road graphs (written by `lastmile prepare`).
    #[arg(long, conflicts_with_all = ["osm", "district"])]
    graph: Option<PathBuf>,
    /// An OSM .pbf extract, prepared in memory at start-up (slower start than --graph).
    #[arg(long, conflicts_with = "district")]
    osm: Option<PathBuf>,
    /// Use the made-up demo district (no files needed).
    #[arg(long)]
    district: bool,
    /// The embedded database file (created if absent).
    #[arg(long, default_value = "lastmile.db")]
    db: PathBuf,
    /// Tokens per street office (JSON; see the README).
    #[arg(long)]
    access: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Plans solved at the same time (each uses all cores).
    #[arg(long, default_value_t = 1)]
    max_solving: usize,
    /// Plans accepted and waiting beyond which creation answers 503.
    #[arg(long, default_value_t = 64)]
    max_queued: usize,
    /// Upper bound on any plan's solve budget, in seconds.
    #[arg(long)]
    budget_cap_s: Option<u64>,
    /// The street offices' time zone in hours from UTC: "now" for the escalation desk
    /// when a request gives none (default China Standard Time).
    #[arg(long, default_value_t = 8, allow_negative_numbers = true)]
    utc_offset_h: i64,
}

pub fn load_graphs(
    graph: Option<&PathBuf>,
    osm: Option<&PathBuf>,
    district: bool,
) -> anyhow::Result<PreparedGraphs> {
    Ok(match (graph, osm, district) {
        (Some(g), _, _) => PreparedGraphs::load(g)
            .with_context(|| format!("loading prepared graphs {}", g.display()))?,
        (_, Some(o), _) => {
            PreparedGraphs::import_pbf(o, &geo_data::NoProgress)
                .with_context(|| format!("importing {}", o.display()))?
                .0
        }
        (_, _, true) => {
            PreparedGraphs::from_osm(
                &geo_data::district::osm_data(),
                std::path::Path::new("district"),
                &geo_data::NoProgress,
            )
            .context("building the demo district")?
            .0
        }
        _ => bail!("give the road map: --graph <prepared file>, --osm <extract.pbf> or --district"),
    })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // Logs carry ids, counts and timings only: never request bodies, names, phones or tokens.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_target(false)
        .init();
    let access_text = std::fs::read_to_string(&args.access)
        .with_context(|| format!("reading {}", args.access.display()))?;
    let access = Access::from_json(&access_text)
        .with_context(|| format!("reading {}", args.access.display()))?;
    if access.is_empty() {
        bail!(
            "{} lists no tokens: nobody could use the service",
            args.access.display()
        );
    }
    let graphs = Arc::new(load_graphs(
        args.graph.as_ref(),
        args.osm.as_ref(),
        args.district,
    )?);
    let store = Arc::new(
        Store::open(&args.db).with_context(|| format!("opening database {}", args.db.display()))?,
    );
    let config = EngineConfig {
        max_solving: args.max_solving.max(1),
        max_queued: args.max_queued.max(1),
        budget_cap: args.budget_cap_s.map(Duration::from_secs),
        utc_offset_s: args.utc_offset_h * 3600,
        ..EngineConfig::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let engine = Engine::new(store, graphs, config);
        let rec = engine.resume_unfinished().context("recovering unfinished plans")?;
        let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
        tracing::info!(listen = %args.listen, tokens = access.len(), resumed = rec.resumed.len(), failed = rec.failed.len(), "lastmile serving");
        eprintln!("lastmile: listening on http://{}/api/v1/health", listener.local_addr()?);
        axum::serve(listener, api::app(engine, access))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("serving")?;
        // Plans still solving stay "solving" in the store and are resumed at the next start.
        Ok(())
    })
}
