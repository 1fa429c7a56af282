//! The volunteer's phone page through HTTP (`oneshot`): the squad's own
//! stops as cards and nobody else's, a tap recorded once however often it
//! is sent (`event_id`), the sheet version the page polls, the printable
//! sheet one link away, and the page's security headers.

mod common;

use axum::http::{header, StatusCode};
use common::*;
use serde_json::json;

/// A tap as the page sends it: JSON to `uri`, no bearer token (the link is the key).
async fn tap(app: &axum::Router, uri: &str, body: serde_json::Value) -> Resp {
    call(
        app,
        "POST",
        uri,
        None,
        Some(serde_json::to_vec(&body).unwrap()),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_ticks_stops_on_the_phone() {
    let day = small_day(40, 4, 11);
    let squads: Vec<String> = day.squads.iter().map(|s| s.id.clone()).collect();
    let app = api::app(engine(&tmp_dir("phone")), access(&squads));
    let (s, v) = coord(
        &app,
        "POST",
        "/api/v1/plans",
        Some(serde_json::to_vec(&day).unwrap()),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["plan_id"].as_str().unwrap().to_string();
    assert_eq!(wait_plan(&app, &id).await["status"], "done");
    let (_, result) = coord(&app, "GET", &format!("/api/v1/plans/{id}/result"), None).await;
    let route = result["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["doors"].as_u64().unwrap_or(0) >= 2)
        .expect("a squad with two doors")
        .clone();
    let squad = route["squad"].as_str().unwrap().to_string();
    let token = volunteer_token(&squad);
    let doors: Vec<String> = route["stops"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "delivery" || s["kind"] == "visit")
        .map(|s| s["request"].as_str().unwrap().to_string())
        .collect();

    // The page: every door of the squad as a card with buttons, no other squad's.
    let page = call(&app, "GET", &format!("/s/{token}"), None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    for d in &doors {
        assert!(
            html.contains(&format!("data-request=\"{d}\"")),
            "{d} missing"
        );
    }
    for other in result["routes"].as_array().unwrap() {
        if other["squad"] == squad.as_str() {
            continue;
        }
        for s in other["stops"].as_array().unwrap() {
            if let Some(r) = s["request"].as_str() {
                assert!(
                    !html.contains(&format!("data-request=\"{r}\"")),
                    "another squad's {r} shown"
                );
            }
        }
    }
    assert!(html.contains("data-event=\"delivered\""));
    assert!(html.contains(&format!("/s/{token}/sheet")));
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(page.headers[header::CACHE_CONTROL], "private, no-store");
    assert!(!html.contains("<script>"), "no inline script");
    let js = call(&app, "GET", "/assets/phone.js", None, None).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.text().contains("event_id"));

    // The printable sheet is the coordinator's sheet, byte for byte.
    let sheet = call(&app, "GET", &format!("/s/{token}/sheet"), None, None).await;
    let own = call(
        &app,
        "GET",
        &format!("/api/v1/plans/{id}/sheets/{squad}"),
        Some(COORD),
        None,
    )
    .await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert_eq!(sheet.body, own.body);

    // Taps: started, then the first door delivered, sent three times (a
    // lost answer): recorded once.
    let post = format!("/s/{token}/progress");
    let r = tap(
        &app,
        &post,
        json!({"event": "started", "at": "08:00", "event_id": "t-start"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let delivered =
        json!({"event": "delivered", "request": doors[0], "at": "08:20:05", "event_id": "t-0001"});
    let first = tap(&app, &post, delivered.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(first.json()["done"], 1);
    assert!(first.json().get("duplicate").is_none());
    for _ in 0..2 {
        let again = tap(&app, &post, delivered.clone()).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text());
        assert_eq!(again.json()["duplicate"], true);
        assert_eq!(again.json()["done"], 1);
    }
    // The same stop under another name is refused: it is recorded already.
    let other_name = tap(
        &app,
        &post,
        json!({"event": "delivered", "request": doors[0], "at": "08:21", "event_id": "t-0002"}),
    )
    .await;
    assert_eq!(
        other_name.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other_name.text()
    );
    let bad_id = tap(
        &app,
        &post,
        json!({"event": "delivered", "request": doors[1], "event_id": "<b>"}),
    )
    .await;
    bad_id.error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        "event_id",
    );
    // A tap for another squad's stop is refused.
    let foreign = result["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["squad"] != squad.as_str())
        .flat_map(|r| r["stops"].as_array().unwrap().iter())
        .find(|s| s["kind"] == "delivery" || s["kind"] == "visit")
        .map(|s| s["request"].as_str().unwrap().to_string());
    if let Some(f) = foreign {
        let r = tap(
            &app,
            &post,
            json!({"event": "delivered", "request": f, "event_id": "t-0003"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    }
    let (_, progress) = coord(&app, "GET", &format!("/api/v1/plans/{id}/progress"), None).await;
    let mine = progress["squads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["squad"] == squad.as_str())
        .unwrap()
        .clone();
    assert_eq!(mine["done"], 1, "{mine}");
    assert_eq!(mine["state"], "under_way");
    let (_, events) = coord(&app, "GET", &format!("/api/v1/plans/{id}/result"), None).await;
    let stop = events["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["squad"] == squad.as_str())
        .unwrap()["stops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["request"] == doors[0].as_str() && s["kind"] != "pickup")
        .unwrap()
        .clone();
    assert_eq!(stop["status"], "delivered");
    assert_eq!(stop["done_at"], "08:20");

    // The page shows it done, without buttons for that door.
    let html = call(&app, "GET", &format!("/s/{token}?lang=en"), None, None)
        .await
        .text();
    let card = &html[html
        .find(&format!("data-request=\"{}\"", doors[0]))
        .unwrap()..];
    let card = &card[..card.find("</section>").unwrap()];
    assert!(
        card.contains("✓ Done") && !card.contains("<button"),
        "{card}"
    );
    assert!(!html.contains("We are starting"), "started already");

    // The version the page polls.
    let v = call(&app, "GET", &format!("/s/{token}/version"), None, None)
        .await
        .json();
    assert_eq!(v["plan"], id.as_str());
    assert_eq!(v["sheet_version"], route["sheet_version"]);

    // Bad links answer in words (page) or JSON (API), never a 500.
    let bad = call(&app, "GET", "/s/not-a-real-token-at-all", None, None).await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    let bad_post = tap(
        &app,
        "/s/not-a-real-token-at-all/progress",
        json!({"event": "started"}),
    )
    .await;
    assert_eq!(bad_post.status, StatusCode::NOT_FOUND);
    assert_eq!(
        call(&app, "GET", &format!("/s/{COORD}"), None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
