//! A realistic day on a roads-only map, through the HTTP API as a client sees
//! it: hundreds of requests, walking, tricycle and van squads, chilled goods
//! and pharmacy pickups. Much of China's OSM data maps roads only, so doors
//! sit tens to hundreds of metres off any mapped way; the plan must pay that
//! walk on every leg.
//!
//! The default run uses the made-up district with its footways and paths
//! removed; with the shared data present, the same checks run on
//! `chengdu-roads-only.osm.pbf`.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::{Engine, EngineConfig, Store};
use axum::http::StatusCode;
use axum::Router;
use common::*;
use dayplan::demo::{district_day, osm_day, DemoConfig};
use dayplan::dto::{DayRequest, Profile};
use geo_data::snap::haversine_m;
use geo_data::{NoProgress, PreparedGraphs};
use serde_json::Value;

/// Posts the day, waits for the plan and returns its result.
async fn plan(app: &Router, day: &DayRequest) -> Value {
    let (s, v) = coord(
        app,
        "POST",
        "/api/v1/plans",
        Some(serde_json::to_vec(day).unwrap()),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["plan_id"].as_str().unwrap().to_string();
    let t = Instant::now();
    loop {
        let (s, v) = coord(app, "GET", &format!("/api/v1/plans/{id}"), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        match v["status"].as_str().unwrap() {
            "done" => break,
            "failed" => panic!("plan failed: {v}"),
            _ => {}
        }
        assert!(t.elapsed() < Duration::from_secs(300), "not done: {v}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (s, v) = coord(app, "GET", &format!("/api/v1/plans/{id}/result"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// The fastest a squad of this mode can cover straight-line distance, in m/s:
/// walking 5 km/h, tricycles 15 km/h, vans at most 120 km/h on any road class.
fn top_speed(p: Profile) -> f64 {
    match p {
        Profile::Walk => 5.0 / 3.6,
        Profile::Bike => 15.0 / 3.6,
        Profile::Car => 120.0 / 3.6,
    }
}

/// What the checks met, so a check that stops meeting anything fails.
#[derive(Debug, Default)]
struct Seen {
    legs: usize,
    door_legs_over_30m: usize,
    by_profile: HashMap<&'static str, usize>,
}

/// The checks a coordinator would make on the result, independently of the
/// planner: every request routed or unserved with a reason, no leg between
/// doors more than 30 m apart at 0 s, no leg faster than its mode.
fn check_day(day: &DayRequest, result: &Value) -> Seen {
    let mut seen = Seen::default();
    let routes = result["routes"].as_array().unwrap();
    let unserved = result["unserved"].as_array().unwrap();
    let mut served: HashSet<String> = HashSet::new();
    for u in unserved {
        let id = u["request"].as_str().unwrap().to_string();
        assert!(
            !u["explanation"].as_str().unwrap().is_empty() && u["reason"].is_string(),
            "unserved without a reason: {u}"
        );
        assert!(served.insert(id), "a request reported twice: {u}");
    }
    let depot: HashMap<&str, (f64, f64)> = day
        .depots
        .iter()
        .map(|d| (d.id.as_str(), (d.lat, d.lon)))
        .collect();
    for r in routes {
        let profile: Profile = serde_json::from_value(r["profile"].clone()).unwrap();
        let stops = r["stops"].as_array().unwrap();
        if stops.is_empty() {
            continue;
        }
        *seen
            .by_profile
            .entry(match profile {
                Profile::Walk => "walk",
                Profile::Bike => "bike",
                Profile::Car => "car",
            })
            .or_default() += 1;
        let start = depot[r["start_depot"].as_str().unwrap()];
        let mut prev: (f64, f64, i64, bool) =
            (start.0, start.1, r["start_s"].as_i64().unwrap(), false);
        for s in stops {
            let at = (s["lat"].as_f64().unwrap(), s["lon"].as_f64().unwrap());
            let is_door = matches!(s["kind"].as_str().unwrap(), "delivery" | "visit");
            if let Some(id) = s["request"].as_str() {
                if is_door {
                    assert!(served.insert(id.to_string()), "{id} served twice");
                }
            }
            let leg_s = s["arrival_s"].as_i64().unwrap() - prev.2;
            let straight = haversine_m((prev.0, prev.1), at);
            seen.legs += 1;
            if prev.3 && is_door && straight > 30.0 {
                seen.door_legs_over_30m += 1;
                assert!(
                    leg_s > 0,
                    "squad {} reaches {:?} {straight:.0} m away from the previous door in 0 s",
                    r["squad"],
                    s["request"]
                );
            }
            // One second of rounding per leg.
            assert!(
                leg_s as f64 + 1.0 >= straight / top_speed(profile),
                "squad {} ({profile:?}) covers {straight:.0} m in {leg_s} s before {:?}",
                r["squad"],
                s["request"]
            );
            prev = (at.0, at.1, s["departure_s"].as_i64().unwrap(), is_door);
        }
    }
    let all: HashSet<String> = day.requests.iter().map(|r| r.id.clone()).collect();
    assert_eq!(served, all, "every request routed or unserved, once");
    seen
}

fn engine_on(graphs: Arc<PreparedGraphs>, dir: &Path, budget: Duration) -> Arc<Engine> {
    let store = Arc::new(Store::open(&dir.join("plans.db")).unwrap());
    Engine::new(
        store,
        graphs,
        EngineConfig {
            budget_cap: Some(budget),
            solve_threads: 2,
            background_roads: true,
            ..EngineConfig::default()
        },
    )
}

fn roads_only_district() -> Arc<PreparedGraphs> {
    let data = geo_data::district::osm_data().roads_only();
    let (g, _) = PreparedGraphs::from_osm(&data, Path::new("district-roads-only"), &NoProgress)
        .expect("the roads-only district builds");
    Arc::new(g)
}

fn demo(requests: usize, squads: usize) -> DemoConfig {
    DemoConfig {
        requests,
        squads,
        seed: 7,
        budget_s: 3,
        ..DemoConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roads_only_day_pays_the_walk_to_every_door() {
    let graphs = roads_only_district();
    let dir = tmp_dir("real-day-district");
    let day = district_day(&demo(300, 20));
    let squads: Vec<String> = day.squads.iter().map(|s| s.id.clone()).collect();
    let app = api::app(
        engine_on(graphs, &dir, Duration::from_secs(3)),
        access(&squads),
    );
    let result = plan(&app, &day).await;
    let seen = check_day(&day, &result);
    assert!(seen.door_legs_over_30m > 20, "{seen:?}");
    assert_eq!(
        seen.by_profile.len(),
        3,
        "walking, tricycle and van squads used: {seen:?}"
    );
}

fn shared_osm(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("LASTMILE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let p = dir.join("osm").join(name);
    p.exists().then_some(p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_on_chengdu_roads_only() {
    let Some(pbf) = shared_osm("chengdu-roads-only.osm.pbf") else {
        let why = "../shared/data/osm/chengdu-roads-only.osm.pbf not found";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{why} (CI=true)"
        );
        eprintln!("SKIPPED: {why}");
        return;
    };
    let (graphs, _) = PreparedGraphs::import_pbf(&pbf, &NoProgress).unwrap();
    let day = osm_day(&graphs, &demo(400, 25)).unwrap();
    let dir = tmp_dir("real-day-chengdu");
    let squads: Vec<String> = day.squads.iter().map(|s| s.id.clone()).collect();
    let app = api::app(
        engine_on(Arc::new(graphs), &dir, Duration::from_secs(5)),
        access(&squads),
    );
    let result = plan(&app, &day).await;
    let seen = check_day(&day, &result);
    assert!(seen.door_legs_over_30m > 50, "{seen:?}");
    assert_eq!(seen.by_profile.len(), 3, "{seen:?}");
}
