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
    /// Plans accepted and not finished (waiting or solving) beyond which creation answers 503.
    #[arg(long, default_value_t = 64)]
    max_queued: usize,
    /// Seconds a client has to send a request's headers; also the longest a
    /// kept-alive connection may idle between requests.
    #[arg(long, default_value_t = 30)]
    header_timeout_s: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, default_value_t = 60)]
    body_timeout_s: u64,
    /// Connections open at once; more wait until one closes. Keep it well under
    /// the process's open-file limit (`ulimit -n`, often 1024).
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
    /// On SIGTERM or Ctrl-C: seconds running solves get to finish before they are
    /// interrupted and queued for the next start (open requests get as long).
    #[arg(long, default_value_t = 8)]
    drain_s: u64,
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
        let limits = api::server::ServeLimits {
            header_timeout: Duration::from_secs(args.header_timeout_s.max(1)),
            max_connections: args.max_connections.max(1),
            drain: Duration::from_secs(args.drain_s),
        };
        let app = api::app_with(engine.clone(), access, Duration::from_secs(args.body_timeout_s.max(1)));
        let (stopped_tx, mut stopped) = tokio::sync::watch::channel(false);
        let stop = async move {
            api::server::stop_signal().await;
            let _ = stopped_tx.send(true);
        };
        let serving = tokio::spawn(api::server::serve(listener, app, limits, stop));
        let _ = stopped.changed().await;
        // From here no connection is accepted; open requests finish while the
        // running solves get the same time to finish or go back to the queue.
        tracing::info!(solving = engine.in_flight(), "stopping");
        engine.drain(Duration::from_secs(args.drain_s)).await;
        serving.await.context("the server loop")?;
        tracing::info!("stopped");
        Ok(())
    })
}
