//! The escalation desk on a real city: a 2,000-stop day with 60 squads on the
//! Chengdu extract, half-way through (squads have done every stop planned
//! before 10:00), then 1,000 random urgent orders asking for insertion options
//! through the HTTP API over loopback (latency p50 / p95, client side), and
//! re-planning the rest: keeping the printed sheets (change penalty) against a
//! free re-solve of everything not done, at the same budget. Then 20 urgent
//! orders committed one after the other (options, then commit of the best
//! option breaking nothing), commit latency over HTTP.
//!
//! The desk's travel index (a geo-data `PointIndex` per profile) is built when
//! the plan's state is kept warm; its build time is measured apart, and the
//! first question's latency is printed on its own (it pays for any lazy work).
//!
//! ```text
//! cargo run --release -p lastmile-benches --bin bench_desk [-- --requests 2000 --squads 60 --orders 1000 --budget-s 30 --replan-s 5 --silent]
//! ```
//! `--silent`: no squad reports anything; every squad follows its printed sheet.
//! Reads ../shared/data/osm/chengdu-central.osm.pbf (or `$LASTMILE_SHARED_DATA/osm/…`, or `--osm FILE`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use api::auth::{Access, Principal, Role};
use api::{Engine, EngineConfig, Store};
use clap::Parser;
use dayplan::demo::{osm_day, DemoConfig, DEMO_OFFICE};
use dayplan::dto::*;
use geo_data::PreparedGraphs;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::{json, Value};
use solver::solution::ActivityKind;
use tokio::io::BufReader;
use tokio::net::TcpStream;

const TOKEN: &str = "bench-desk-token-0000000001";
/// Squads work 08:00–18:00 in this benchmark, so a 2,000-request day fits 60 squads.
const HALF_WAY: i64 = 13 * 3600;

/// The escalation desk on a real city: a demo day on the Chengdu extract,
/// half-way through, then random urgent orders asking for insertion options
/// over HTTP (latency), re-planning the rest (keep the printed sheets against
/// a free re-solve), and urgent orders committed one after the other.
#[derive(Parser)]
#[command(args_override_self = true)]
struct Args {
    /// OSM extract (default: the shared chengdu-central.osm.pbf).
    #[arg(long, value_name = "FILE")]
    osm: Option<PathBuf>,
    /// Requests in the demo day.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Squads in the demo day.
    #[arg(long, default_value_t = 60)]
    squads: usize,
    /// Urgent orders asking for options (a tenth of as many with reordering).
    #[arg(long, default_value_t = 1000)]
    orders: usize,
    /// Solve budget of the initial plan, in seconds.
    #[arg(long, default_value_t = 30)]
    budget_s: u32,
    /// Budget of each re-plan of the rest, in seconds.
    #[arg(long, default_value_t = 5)]
    replan_s: u32,
    /// No squad reports anything (volunteers on paper): every squad follows its sheet.
    #[arg(long)]
    silent: bool,
}

async fn request(
    conn: &mut BufReader<TcpStream>,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    lastmile_benches::http(conn, TOKEN, method, path, body).await
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Every squad does, stop by stop, each door planned to be over by `until`.
fn progress_until(engine: &Engine, id: &str, until: i64) -> usize {
    let plan = engine.store.plan(id).unwrap().unwrap();
    let arc = api::warm::warm_state(engine, &plan).unwrap();
    let n = arc.lock().unwrap().day().squads.len();
    let mut recorded = 0;
    for k in 0..n {
        loop {
            let next = {
                let st = arc.lock().unwrap();
                let squad = st.day().squads[k].id.clone();
                if st.routes()[k].is_empty() {
                    None
                } else if st.started(k).is_none() {
                    let at = st.day().squads[k].shift.start;
                    Some((
                        squad,
                        ProgressIn {
                            event: ProgressKind::Started,
                            request: None,
                            at: Some(at),
                            reason: None,
                            retry: None,
                            retry_after: None,
                            lat: None,
                            lon: None,
                            event_id: None,
                        },
                    ))
                } else {
                    let t_k = st
                        .ledger()
                        .squads
                        .get(&squad)
                        .and_then(|l| l.done_order.last())
                        .and_then(|q| st.ledger().done.get(q))
                        .map_or(0, |d| d.at);
                    let r = st.route_schedule(k, &st.routes()[k], t_k);
                    r.activities
                        .iter()
                        .skip(st.locked()[k])
                        .find_map(|a| match a.kind {
                            ActivityKind::Delivery(j)
                            | ActivityKind::ShipmentDelivery(j)
                            | ActivityKind::Visit(j) => Some((j, a.departure)),
                            _ => None,
                        })
                        .filter(|&(_, dep)| dep <= until)
                        .map(|(j, dep)| {
                            let event = ProgressIn {
                                event: ProgressKind::Delivered,
                                request: Some(st.day().requests[j.get()].id.clone()),
                                at: Some(Clock(dep as u32)),
                                reason: None,
                                retry: None,
                                retry_after: None,
                                lat: None,
                                lon: None,
                                event_id: None,
                            };
                            (squad, event)
                        })
                }
            };
            let Some((squad, ev)) = next else { break };
            api::warm::record_progress(
                engine,
                &engine.store.plan(id).unwrap().unwrap(),
                &squad,
                ev,
            )
            .unwrap();
            recorded += 1;
        }
    }
    recorded
}

fn main() {
    let a = Args::parse();
    let shared = std::env::var("LASTMILE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("../shared/data"));
    let path = a
        .osm
        .clone()
        .unwrap_or_else(|| shared.join("osm/chengdu-central.osm.pbf"));
    if !path.exists() {
        eprintln!(
            "SKIPPED: {} not found (set LASTMILE_SHARED_DATA or pass --osm)",
            path.display()
        );
        return;
    }
    let graphs = Arc::new(
        PreparedGraphs::import_pbf(&path, &geo_data::NoProgress)
            .expect("import the extract")
            .0,
    );
    let cfg = DemoConfig {
        requests: a.requests,
        squads: a.squads,
        budget_s: a.budget_s,
        seed: 1,
        ..DemoConfig::default()
    };
    let mut day = osm_day(&graphs, &cfg).expect("a day on the extract");
    // A long day (08:00–18:00) for every squad: the demo's half-day shifts cannot
    // carry 2,000 stops with 60 squads, and the benchmark wants them routed.
    for s in &mut day.squads {
        s.shift.end = Clock(18 * 3600);
        s.max_trips = None;
    }
    let points: Vec<(f64, f64)> = day
        .requests
        .iter()
        .filter_map(|r| r.lat.zip(r.lon))
        .chain(day.buildings.iter().map(|b| (b.lat, b.lon)))
        .collect();
    assert!(!points.is_empty(), "the day has no places");
    let dir = std::env::temp_dir().join(format!("lastmile-bench-desk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(Store::open(&dir.join("plans.db")).unwrap());
    let engine = Engine::new(store, graphs, EngineConfig::default());
    let t = Instant::now();
    let id = engine.plan_now(day).expect("the day plans");
    let plan_s = t.elapsed().as_secs_f64();
    let routed_first =
        serde_json::from_str::<PlanResult>(&engine.store.result(&id).unwrap().unwrap().0)
            .unwrap()
            .summary
            .routed;
    let (result_json, _) = engine.store.result(&id).unwrap().unwrap();
    let result: PlanResult = serde_json::from_str(&result_json).unwrap();
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for u in &result.unserved {
        *reasons.entry(format!("{:?}", u.reason)).or_default() += 1;
    }
    let t = Instant::now();
    let recorded = if a.silent {
        0
    } else {
        progress_until(&engine, &id, HALF_WAY)
    };
    let progress_ms = t.elapsed().as_secs_f64() * 1000.0 / recorded.max(1) as f64;
    let version = engine.store.plan(&id).unwrap().unwrap().version;
    // What building the desk's travel index costs (done when the state is kept warm).
    let (index_ms, index_mb) = {
        let plan = engine.store.plan(&id).unwrap().unwrap();
        let arc = api::warm::warm_state(&engine, &plan).unwrap();
        let st = arc.lock().unwrap();
        let mut times = Vec::new();
        let mut mb = 0.0;
        for _ in 0..3 {
            let t = Instant::now();
            let r = desk::reach::Reach::build(&st.snapped(), &engine.graphs).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            mb = r.heap_bytes() as f64 / 1e6;
        }
        times.sort_by(f64::total_cmp);
        (times[1], mb)
    };

    let mut access = Access::default();
    access
        .add(
            TOKEN,
            Principal {
                office: DEMO_OFFICE.into(),
                role: Role::Desk,
            },
        )
        .unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine2 = engine.clone();
    let engine = engine.clone();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, api::app(engine2, access)).await });
        let sock = TcpStream::connect(addr).await.unwrap();
        sock.set_nodelay(true).unwrap();
        let mut c = BufReader::new(sock);
        let (_, p) = request(&mut c, "GET", &format!("/api/v1/plans/{id}/progress"), b"").await.unwrap();
        let p: Value = serde_json::from_slice(&p).unwrap();
        let done: u64 = p["squads"].as_array().unwrap().iter().map(|s| s["done"].as_u64().unwrap()).sum();
        let stops: u64 = p["squads"].as_array().unwrap().iter().map(|s| s["stops"].as_u64().unwrap()).sum();

        // 1,000 urgent orders at random places of the day's area.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut lat_ms = Vec::new();
        let mut first_ms = None;
        let mut server_ms = Vec::new();
        let (mut with_clean, mut with_any, mut none) = (0, 0, 0);
        for i in 0..a.orders {
            let (la, lo) = points[rng.gen_range(0..points.len())];
            let (la, lo) = (la + rng.gen_range(-0.0015..0.0015), lo + rng.gen_range(-0.0015..0.0015));
            let visit = i % 5 == 4;
            let deadline = HALF_WAY + rng.gen_range(45..=150) * 60;
            let body = json!({
                "request": {"id": format!("URG{i}"), "lat": la, "lon": lo, "floor": rng.gen_range(1..=7),
                            "kind": if visit { "visit" } else { "delivery" },
                            "items": if visit { json!([]) } else { json!([{"name": "insulin", "weight_kg": rng.gen_range(0.2..2.0), "kind": "medicine"}]) }},
                "deadline": Clock::format(deadline), "now": Clock::format(HALF_WAY), "limit": 5
            });
            let bytes = serde_json::to_vec(&body).unwrap();
            let t = Instant::now();
            let (st, resp) = request(&mut c, "POST", &format!("/api/v1/plans/{id}/urgent/options"), &bytes).await.unwrap();
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            // The first question of the day: reported apart (any lazy work lands there).
            if i == 0 {
                first_ms = Some(ms);
            } else {
                lat_ms.push(ms);
            }
            let v: Value = serde_json::from_slice(&resp).unwrap();
            if st != 200 {
                // A random point may fall off the map: a 422 is an answer too.
                none += 1;
                continue;
            }
            if i > 0 {
                server_ms.push(v["compute_ms"].as_f64().unwrap());
            }
            let opts = v["options"].as_array().unwrap();
            if opts.iter().any(|o| o["breaks_windows"].as_array().unwrap().is_empty() && o["breaks_shift"] == false) {
                with_clean += 1;
            } else if !opts.is_empty() {
                with_any += 1;
            } else {
                none += 1;
            }
        }
        lat_ms.sort_by(f64::total_cmp);
        server_ms.sort_by(f64::total_cmp);

        // The same kind of orders with reordering allowed (the solver re-sequences
        // the most promising squads' remaining stops): fewer, it is slower.
        let reorder_n = (a.orders / 10).max(1);
        let mut re_ms = Vec::new();
        let (mut re_first, mut re_offered) = (0, 0);
        for i in 0..reorder_n {
            let (la, lo) = points[rng.gen_range(0..points.len())];
            let (la, lo) = (la + rng.gen_range(-0.0015..0.0015), lo + rng.gen_range(-0.0015..0.0015));
            let deadline = HALF_WAY + rng.gen_range(45..=150) * 60;
            let body = json!({
                "request": {"id": format!("URR{i}"), "lat": la, "lon": lo, "floor": rng.gen_range(1..=7),
                            "items": [{"name": "insulin", "weight_kg": 0.5, "kind": "medicine"}]},
                "deadline": Clock::format(deadline), "now": Clock::format(HALF_WAY), "limit": 5, "allow_reorder": true
            });
            if i < 3 {
                let mut keep = body.clone();
                keep["allow_reorder"] = json!(false);
                let (_, r) = request(&mut c, "POST", &format!("/api/v1/plans/{id}/urgent/options"), &serde_json::to_vec(&keep).unwrap()).await.unwrap();
                let v: Value = serde_json::from_slice(&r).unwrap();
                if let Some(o) = v["options"].as_array().and_then(|o| o.first()) {
                    println!("  keep-order example {i}: best {} eta {} added {} s", o["squad"], o["eta"], o["added_s"]);
                }
            }
            let bytes = serde_json::to_vec(&body).unwrap();
            let t = Instant::now();
            let (st, resp) = request(&mut c, "POST", &format!("/api/v1/plans/{id}/urgent/options"), &bytes).await.unwrap();
            re_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            if st != 200 {
                continue;
            }
            let v: Value = serde_json::from_slice(&resp).unwrap();
            let opts = v["options"].as_array().unwrap();
            let moved = |o: &Value| o["printed_stops_moved"].as_u64().unwrap_or(0) > 0 || !o["commit"]["reorder"].is_null();
            re_offered += opts.iter().filter(|o| moved(o)).count();
            re_first += opts.first().is_some_and(moved) as usize;
            if let Some(o) = opts.first().filter(|_| i < 3) {
                println!("  reorder example {i}: best {} eta {} added {} s, {} printed stops moved", o["squad"], o["eta"], o["added_s"], o["printed_stops_moved"]);
            }
        }
        re_ms.sort_by(f64::total_cmp);

        // Re-planning the rest: keep the printed sheets vs a free re-solve, same budget.
        let replan = |mode: &str| {
            let body = json!({"based_on_version": version, "budget_s": a.replan_s, "mode": mode, "now": Clock::format(HALF_WAY), "dry_run": true});
            serde_json::to_vec(&body).unwrap()
        };
        let keep_b = replan("keep_printed");
        let free_b = replan("free");
        let (_, keep) = request(&mut c, "POST", &format!("/api/v1/plans/{id}/replan"), &keep_b).await.unwrap();
        let (_, free) = request(&mut c, "POST", &format!("/api/v1/plans/{id}/replan"), &free_b).await.unwrap();
        let keep: Value = serde_json::from_slice(&keep).unwrap();
        let free: Value = serde_json::from_slice(&free).unwrap();
        for v in [&keep, &free] {
            assert!(v["code"].is_null(), "re-plan refused: {v}");
        }

        // Commits: urgent orders taken one after the other (each changes the plan,
        // so each asks for options on the version it commits against).
        let mut commit_ms = Vec::new();
        let mut after_ms = Vec::new();
        let mut tried = 0;
        while commit_ms.len() < 20 && tried < 200 {
            let (la, lo) = points[rng.gen_range(0..points.len())];
            let (la, lo) = (la + rng.gen_range(-0.0015..0.0015), lo + rng.gen_range(-0.0015..0.0015));
            let body = json!({
                "request": {"id": format!("COMMIT{tried}"), "lat": la, "lon": lo, "floor": 2, "kind": "delivery",
                            "items": [{"name": "insulin", "weight_kg": 0.3, "kind": "medicine"}]},
                "deadline": Clock::format(HALF_WAY + 150 * 60), "now": Clock::format(HALF_WAY), "limit": 5
            });
            tried += 1;
            let t = Instant::now();
            let (st, resp) = request(&mut c, "POST", &format!("/api/v1/plans/{id}/urgent/options"), &serde_json::to_vec(&body).unwrap()).await.unwrap();
            if !commit_ms.is_empty() {
                after_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            if st != 200 {
                continue;
            }
            let v: Value = serde_json::from_slice(&resp).unwrap();
            let Some(o) = v["options"].as_array().unwrap().iter().find(|o| o["breaks_windows"].as_array().unwrap().is_empty() && o["breaks_shift"] == false) else {
                continue;
            };
            let t = Instant::now();
            let (st, resp) = request(&mut c, "POST", &format!("/api/v1/plans/{id}/urgent/commit"), &serde_json::to_vec(&o["commit"]).unwrap()).await.unwrap();
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(st, 200, "commit refused: {}", String::from_utf8_lossy(&resp));
            commit_ms.push(ms);
        }
        commit_ms.sort_by(f64::total_cmp);
        after_ms.sort_by(f64::total_cmp);
        // Where a commit's time goes, measured in process on the state after the
        // commits: the door's travel (index), a problem rebuilt with the
        // matrices (what adding the request costs), and publishing (schedule and
        // assemble with every route's geometry; rendering and storing come on top).
        let parts = {
            let plan = engine.store.plan(&id).unwrap().unwrap();
            let arc = api::warm::warm_state(&engine, &plan).unwrap();
            let st = arc.lock().unwrap();
            let reach = st.reach().expect("built by the questions");
            let prof = st.snapped().profiles[0];
            let pg = engine.graphs.graph(dayplan::convert::geo_profile(prof)).unwrap();
            let door = pg.snap(points[0].0, points[0].1).unwrap();
            let time3 = |f: &mut dyn FnMut()| {
                let mut v: Vec<f64> = (0..3)
                    .map(|_| {
                        let t = Instant::now();
                        f();
                        t.elapsed().as_secs_f64() * 1000.0
                    })
                    .collect();
                v.sort_by(f64::total_cmp);
                v[1]
            };
            let travel = time3(&mut || {
                std::hint::black_box(reach.travel(&engine.graphs, prof, 0, &door).unwrap());
            });
            let rebuild = time3(&mut || {
                let m = st.problem().matrices().to_vec();
                std::hint::black_box(dayplan::convert::build_problem(&st.day(), &st.snapped(), m).unwrap());
            });
            let mut sol = None;
            let schedule = time3(&mut || sol = Some(st.solution(HALF_WAY)));
            let sol = sol.unwrap();
            let assemble = time3(&mut || {
                std::hint::black_box(dayplan::assemble::assemble(&st.plan_id(), st.version(), &st.day(), &st.problem(), &sol, &st.snapped(), &engine.graphs, true));
            });
            (travel, rebuild, schedule, assemble)
        };

        println!("bench_desk: {} requests, {} squads on {}, initial plan {:.1} s ({} s budget)", a.requests, a.squads, path.display(), plan_s, a.budget_s);
        println!("solve: {routed_first} routed, {} unserved {:?}", result.summary.unserved, reasons);
        println!("half-way at {}: {done} of {stops} routed stops done ({recorded} progress events, {progress_ms:.1} ms each)", Clock::format(HALF_WAY));
        println!("\ndesk travel index (PointIndex per profile over the plan's locations): build {index_ms:.0} ms (median of 3), {index_mb:.1} MB");
        println!("first urgent question: {:.1} ms client", first_ms.unwrap_or(f64::NAN));
        println!("\n| urgent options over HTTP ({} orders after the first) | ms |\n|---|---:|", lat_ms.len());
        println!("| p50 client | {:.2} |", pct(&lat_ms, 0.5));
        println!("| p95 client | {:.2} |", pct(&lat_ms, 0.95));
        println!("| max client | {:.2} |", lat_ms.last().unwrap());
        println!("| p50 server compute | {:.2} |", pct(&server_ms, 0.5));
        println!("| p95 server compute | {:.2} |", pct(&server_ms, 0.95));
        println!("orders with an option breaking nothing: {with_clean}; only options that break a window or shift: {with_any}; none / refused: {none}");
        println!("\n| urgent options with allow_reorder ({reorder_n} orders) | ms |\n|---|---:|");
        println!("| p50 client | {:.2} |", pct(&re_ms, 0.5));
        println!("| p95 client | {:.2} |", pct(&re_ms, 0.95));
        println!("reordering options offered: {re_offered}; orders whose best option reorders the sheet: {re_first}");
        println!("\n| re-plan the rest ({} s each) | keep printed | free re-solve |\n|---|---:|---:|", a.replan_s);
        println!("| walking time before (s) | {} | {} |", keep["cost_before"], free["cost_before"]);
        println!("| walking time after (s) | {} | {} |", keep["cost_after"], free["cost_after"]);
        println!("| unserved before → after | {} → {} | {} → {} |", keep["unserved_before"], keep["unserved_after"], free["unserved_before"], free["unserved_after"]);
        println!("| printed stops moved | {} | {} |", keep["printed_stops_moved"], free["printed_stops_moved"]);
        println!("| solve ms | {} | {} |", keep["solve_ms"], free["solve_ms"]);
        println!("| checker violations before → after | {} → {} | {} → {} |", keep["violations_before"], keep["violations_after"], free["violations_before"], free["violations_after"]);
        if commit_ms.is_empty() {
            println!("\nno urgent order could be committed without breaking something");
        } else {
            println!("\n| urgent commit over HTTP ({} in sequence) | ms |\n|---|---:|", commit_ms.len());
            println!("| p50 commit | {:.1} |", pct(&commit_ms, 0.5));
            println!("| p95 commit | {:.1} |", pct(&commit_ms, 0.95));
            println!("| max commit | {:.1} |", commit_ms.last().unwrap());
            if !after_ms.is_empty() {
                println!("| p50 options after commits ({} questions) | {:.2} |", after_ms.len(), pct(&after_ms, 0.5));
            }
            let (travel, rebuild, schedule, assemble) = parts;
            println!("commit parts, in process (median of 3): door travel from the index {travel:.2} ms; problem rebuilt with the matrices {rebuild:.1} ms; schedule of the day {schedule:.1} ms; assemble with geometry {assemble:.1} ms");
        }
        let _ = &engine;
        let (k, f) = (keep["cost_after"].as_f64().unwrap_or(0.0), free["cost_after"].as_f64().unwrap_or(1.0));
        println!("keep-printed walking time / free re-solve: {:.3}", k / f.max(1.0));
    });
}
