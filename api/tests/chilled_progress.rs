//! Chilled goods loaded at the depot keep to their time limit, and a solve
//! shows its progress while it runs, both through the HTTP interface on the
//! made-up district.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::Router;
use common::*;
use dayplan::dto::{DayRequest, Item, ItemKind, PlanResult, RequestKind};
use serde_json::Value;
use solver::problem::{JobIdx, JobKind, VehicleIdx};

async fn submit(app: &Router, day: &DayRequest) -> String {
    let (s, v) = coord(
        app,
        "POST",
        "/api/v1/plans",
        Some(serde_json::to_vec(day).unwrap()),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    v["plan_id"].as_str().unwrap().to_string()
}

/// Polls the status until the plan is done; returns every status seen.
async fn statuses_until_done(app: &Router, id: &str, every: Duration) -> Vec<Value> {
    let t = Instant::now();
    let mut seen = Vec::new();
    loop {
        let (s, v) = coord(app, "GET", &format!("/api/v1/plans/{id}"), None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let state = v["status"].as_str().unwrap().to_string();
        seen.push(v);
        match state.as_str() {
            "done" => return seen,
            "failed" => panic!("plan failed: {:?}", seen.last()),
            _ => {}
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "plan not done in time"
        );
        tokio::time::sleep(every).await;
    }
}

async fn result(app: &Router, id: &str) -> PlanResult {
    statuses_until_done(app, id, Duration::from_millis(100)).await;
    let (s, v) = coord(app, "GET", &format!("/api/v1/plans/{id}/result"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    serde_json::from_value(v).unwrap()
}

/// One squad with reloads, plain deliveries from the depot and one chilled
/// parcel (request 0); returns the day and the direct travel time from the
/// depot to the chilled parcel's door, as the solver sees it.
fn chilled_day() -> (DayRequest, i64) {
    let mut day = small_day(10, 1, 3);
    for r in &mut day.requests {
        r.kind = RequestKind::Delivery;
        r.pickup = None;
        r.windows.clear();
        r.priority = None;
        r.skills.clear();
        r.items = vec![Item {
            name: "rice".into(),
            weight_kg: 2.0,
            quantity: 1,
            kind: ItemKind::Food,
        }];
    }
    day.requests[0].items[0].kind = ItemKind::Chilled;
    let squad = &mut day.squads[0];
    squad.skills.clear();
    squad.capacity_kg = 8.0;
    squad.reload_s = Some(120);
    squad.max_trips = None;
    let g = graphs();
    let snapped = dayplan::convert::snap_day(&day, &g).expect("the day snaps");
    let m = dayplan::convert::matrices(&snapped, &g);
    let p = dayplan::convert::build_problem(&day, &snapped, m).expect("the day models");
    let v = p.vehicle(VehicleIdx(0));
    let JobKind::Delivery(door) = &p.job(JobIdx(0)).kind else {
        panic!("request 0 is a delivery from the depot");
    };
    let direct = p
        .matrix(v.profile)
        .duration(v.start.expect("a depot"), door.location);
    (day, direct)
}

/// When its trip left the depot: the route start, or the last reload before it.
fn carried(route: &dayplan::dto::RouteView, request: &str) -> (i64, bool) {
    let k = route
        .stops
        .iter()
        .position(|s| s.request.as_deref() == Some(request))
        .expect("routed");
    let (loaded, first) = match route.stops[..k]
        .iter()
        .rposition(|s| s.kind == dayplan::dto::StopKind::Reload)
    {
        Some(r) => (route.stops[r].departure_s, r + 1 == k),
        None => (route.start_s, k == 0),
    };
    (route.stops[k].begin_s - loaded, first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chilled_delivery_from_the_depot_goes_first_in_its_trip_or_is_unserved() {
    let (mut day, direct) = chilled_day();
    let app = api::app(engine(&tmp_dir("chilled")), access(&[]));
    let id = day.requests[0].id.clone();
    // Any door before it costs its hand-over (2 min or more): only a direct
    // trip makes it. The day's limit is tighter still: the request's own wins.
    day.options.chilled_max_s = 1;
    day.requests[0].chilled_max_s = Some(direct as u32 + 60);
    let res = result(&app, &submit(&app, &day).await).await;
    assert!(res.unserved.is_empty(), "{:?}", res.unserved);
    let route = &res.routes[0];
    assert!(route.trips >= 2, "reloads expected: {} trips", route.trips);
    let (time, first) = carried(route, &id);
    assert!(first, "the chilled parcel is not first in its trip");
    assert!(
        time <= direct + 60,
        "carried {time} s, limit {}",
        direct + 60
    );

    // One second short of the direct trip: left out, and the reason says why.
    day.requests[0].chilled_max_s = Some(direct as u32 - 1);
    let res = result(&app, &submit(&app, &day).await).await;
    assert_eq!(res.unserved.len(), 1, "{:?}", res.unserved);
    let u = &res.unserved[0];
    assert_eq!(u.request, id);
    assert_eq!(
        serde_json::to_value(u.reason).unwrap(),
        serde_json::json!("chilled_too_far")
    );
    assert!(u.explanation.contains("chilled_max_s"), "{}", u.explanation);

    // Without chilled goods the same request may go anywhere in its trip.
    day.requests[0].items[0].kind = ItemKind::Food;
    let res = result(&app, &submit(&app, &day).await).await;
    assert!(res.unserved.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_shows_the_solve_moving() {
    let mut day = small_day(120, 6, 5);
    day.options.budget_s = 3;
    let dir = tmp_dir("progress");
    let store = Arc::new(api::Store::open(&dir.join("plans.db")).unwrap());
    let engine = api::Engine::new(
        store,
        graphs(),
        api::EngineConfig {
            budget_cap: Some(Duration::from_secs(3)),
            solve_threads: 1,
            background_roads: true,
            ..api::EngineConfig::default()
        },
    );
    let app = api::app(engine, access(&[]));
    let id = submit(&app, &day).await;
    let seen = statuses_until_done(&app, &id, Duration::from_millis(200)).await;
    let progress: Vec<&Value> = seen
        .iter()
        .filter(|v| v["status"] == "solving")
        .filter_map(|v| v.get("progress"))
        .collect();
    assert!(
        progress.len() >= 5,
        "{} progress views: {seen:?}",
        progress.len()
    );
    let field = |p: &Value, f: &str| p[f].as_f64().unwrap_or_else(|| panic!("{f} in {p}"));
    let iterations: Vec<f64> = progress.iter().map(|p| field(p, "iterations")).collect();
    let used: Vec<f64> = progress.iter().map(|p| field(p, "budget_used")).collect();
    assert!(
        iterations.windows(2).all(|w| w[1] >= w[0]),
        "{iterations:?}"
    );
    assert!(used.windows(2).all(|w| w[1] >= w[0]), "{used:?}");
    // The numbers move while solving: several distinct values, not one jump at the end.
    let distinct = |v: &[f64]| {
        let mut d = v.to_vec();
        d.dedup();
        d.len()
    };
    assert!(distinct(&iterations) >= 3, "{iterations:?}");
    assert!(distinct(&used) >= 3, "{used:?}");
    assert!(used.iter().all(|u| (0.0..=1.0).contains(u)));
    let last = progress.last().unwrap();
    assert!(last["best_cost"].as_i64().is_some_and(|c| c > 0), "{last}");
    assert!(last["unserved_so_far"].as_u64().is_some(), "{last}");
    assert_eq!(last["budget_s"], 3);
}
