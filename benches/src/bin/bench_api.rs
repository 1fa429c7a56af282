//! The day-plan service on a real city: a 1,000-request day with 40 squads on
//! the Chengdu extract, from POST to every sheet available (30 s solve budget),
//! with the time spent in each stage; then GET-sheet throughput under load from
//! a small keep-alive client over loopback.
//!
//! ```text
//! cargo run --release -p lastmile-benches --bin bench_api [-- --requests 1000 --squads 40 --budget-s 30 --load-s 10 --connections 32]
//! ```
//! Reads ../shared/data/osm/chengdu-central.osm.pbf (or `$LASTMILE_SHARED_DATA/osm/…`, or `--osm FILE`,
//! or `--graph FILE` prepared by `lastmile prepare`). Talks to 127.0.0.1 only.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::auth::{Access, Principal, Role};
use api::{Engine, EngineConfig, Store};
use clap::Parser;
use dayplan::demo::{osm_day, DemoConfig, DEMO_OFFICE};
use geo_data::PreparedGraphs;
use serde_json::Value;
use tokio::io::BufReader;
use tokio::net::TcpStream;

const TOKEN: &str = "bench-coordinator-token-000001";

/// The day-plan service on a real city: a demo day on the Chengdu extract,
/// from POST to every sheet available, with the time spent in each stage; then
/// GET-sheet throughput under load from keep-alive clients over loopback.
#[derive(Parser)]
#[command(args_override_self = true)]
struct Args {
    /// OSM extract (default: the shared chengdu-central.osm.pbf).
    #[arg(long, value_name = "FILE")]
    osm: Option<PathBuf>,
    /// Graph file prepared by `lastmile prepare` (used instead of --osm).
    #[arg(long, value_name = "FILE")]
    graph: Option<PathBuf>,
    /// Requests in the demo day.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// Squads in the demo day.
    #[arg(long, default_value_t = 40)]
    squads: usize,
    /// Solve budget of the plan, in seconds.
    #[arg(long, default_value_t = 30)]
    budget_s: u32,
    /// Duration of the GET-sheet load test, in seconds.
    #[arg(long, default_value_t = 10)]
    load_s: u64,
    /// Keep-alive client connections in the load test.
    #[arg(long, default_value_t = 32)]
    connections: usize,
}

/// One HTTP/1.1 request on a kept-alive connection; returns status and body.
async fn request(
    conn: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    lastmile_benches::http(conn, TOKEN, method, path, body).await
}

async fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    BufReader::new(
        TcpStream::connect(addr)
            .await
            .expect("connect to the in-process server"),
    )
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let a = Args::parse();
    let shared = std::env::var("LASTMILE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("../shared/data"));
    let t = Instant::now();
    let graphs = match (&a.graph, &a.osm) {
        (Some(g), _) => PreparedGraphs::load(g).expect("load prepared graphs"),
        (None, osm) => {
            let path = osm
                .clone()
                .unwrap_or_else(|| shared.join("osm/chengdu-central.osm.pbf"));
            if !path.exists() {
                eprintln!(
                    "SKIPPED: {} not found (set LASTMILE_SHARED_DATA or pass --osm/--graph)",
                    path.display()
                );
                return;
            }
            PreparedGraphs::import_pbf(&path, &geo_data::NoProgress)
                .expect("import the extract")
                .0
        }
    };
    let load_graph = t.elapsed();
    let graphs = Arc::new(graphs);
    let cfg = DemoConfig {
        requests: a.requests,
        squads: a.squads,
        budget_s: a.budget_s,
        seed: 1,
        ..DemoConfig::default()
    };
    let day = osm_day(&graphs, &cfg).expect("a day on the extract");
    let body = serde_json::to_vec(&day).unwrap();
    let dir = std::env::temp_dir().join(format!("lastmile-bench-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(Store::open(&dir.join("plans.db")).unwrap());
    let mut access = Access::default();
    access
        .add(
            TOKEN,
            Principal {
                office: DEMO_OFFICE.into(),
                role: Role::Coordinator,
            },
        )
        .unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let engine = Engine::new(store, graphs, EngineConfig::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, api::app(engine, access)).await });

        let mut c = connect(addr).await;
        let t0 = Instant::now();
        let (st, resp) = request(&mut c, "POST", "/api/v1/plans", &body)
            .await
            .unwrap();
        let ack = t0.elapsed();
        assert_eq!(st, 202, "{}", String::from_utf8_lossy(&resp));
        let id = serde_json::from_slice::<Value>(&resp).unwrap()["plan_id"]
            .as_str()
            .unwrap()
            .to_string();
        let status = loop {
            let (_, s) = request(&mut c, "GET", &format!("/api/v1/plans/{id}"), b"")
                .await
                .unwrap();
            let s: Value = serde_json::from_slice(&s).unwrap();
            if s["status"] == "done" || s["status"] == "failed" {
                break s;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(status["status"], "done", "{status}");
        let (_, list) = request(&mut c, "GET", &format!("/api/v1/plans/{id}/sheets"), b"")
            .await
            .unwrap();
        let list: Value = serde_json::from_slice(&list).unwrap();
        let urls: Vec<String> = list["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["url"].as_str().unwrap().to_string())
            .collect();
        let mut sheet_bytes = 0;
        for u in &urls {
            let (st, b) = request(&mut c, "GET", u, b"").await.unwrap();
            assert_eq!(st, 200);
            sheet_bytes += b.len();
        }
        let all = t0.elapsed();
        let (_, res) = request(&mut c, "GET", &format!("/api/v1/plans/{id}/result"), b"")
            .await
            .unwrap();
        let res: Value = serde_json::from_slice(&res).unwrap();
        let tm = &status["timings"];
        let ms = |k: &str| tm[k].as_u64().unwrap_or(0);
        let non_solve = ms("parse_validate_ms")
            + ms("snap_ms")
            + ms("matrix_ms")
            + ms("render_ms")
            + ms("store_ms");
        println!(
            "bench_api: {} requests, {} squads, {} s budget, {} threads",
            a.requests,
            a.squads,
            a.budget_s,
            rayon_threads()
        );
        println!("| stage | ms |\n|---|---:|");
        println!(
            "| load/prepare graph (once, before serving) | {} |",
            load_graph.as_millis()
        );
        println!(
            "| POST acknowledged (parse, validate, snap, store) | {} |",
            ack.as_millis()
        );
        for k in [
            "parse_validate_ms",
            "snap_ms",
            "matrix_ms",
            "solve_ms",
            "render_ms",
            "store_ms",
        ] {
            println!("| {k} | {} |", ms(k));
        }
        println!("| everything but the solve | {non_solve} |");
        println!(
            "| POST → all {} sheets fetched | {} |",
            urls.len(),
            all.as_millis()
        );
        println!(
            "result: {} routed, {} unserved, {} squads used, {:.1} km; sheets {:.0} KB on average",
            res["summary"]["routed"],
            res["summary"]["unserved"],
            res["summary"]["squads_used"],
            res["summary"]["distance_m"].as_f64().unwrap_or(0.0) / 1000.0,
            sheet_bytes as f64 / urls.len().max(1) as f64 / 1024.0
        );

        // GET sheet under load: `connections` keep-alive clients for `load_s` seconds.
        let deadline = Instant::now() + Duration::from_secs(a.load_s);
        let urls = Arc::new(urls);
        let mut tasks = Vec::new();
        for k in 0..a.connections {
            let urls = urls.clone();
            tasks.push(tokio::spawn(async move {
                let mut c = connect(addr).await;
                let mut lat = Vec::new();
                let mut i = k;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let (st, _) = request(&mut c, "GET", &urls[i % urls.len()], b"")
                        .await
                        .expect("GET sheet");
                    assert_eq!(st, 200);
                    lat.push(t.elapsed());
                    i += 1;
                }
                lat
            }));
        }
        let mut lat: Vec<Duration> = Vec::new();
        for t in tasks {
            lat.extend(t.await.unwrap());
        }
        lat.sort();
        println!(
            "GET sheet: {} connections, {} s: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
            a.connections,
            a.load_s,
            lat.len() as f64 / a.load_s as f64,
            pct(&lat, 0.5).as_secs_f64() * 1000.0,
            pct(&lat, 0.99).as_secs_f64() * 1000.0
        );
    });
    let _ = std::fs::remove_dir_all(&dir);
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
