//! The service through its HTTP interface, with `oneshot` (no socket), on the
//! made-up district: the coordinator's whole day, access control, and bad input.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn get(app: &Router, uri: &str, token: Option<&str>) -> Resp {
    call(app, "GET", uri, token, None).await
}

async fn post_json(app: &Router, token: &str, v: &Value) -> Resp {
    call(
        app,
        "POST",
        "/api/v1/plans",
        Some(token),
        Some(serde_json::to_vec(v).unwrap()),
    )
    .await
}

fn setup(name: &str, squads: &[String]) -> Router {
    let dir = tmp_dir(name);
    api::app(engine(&dir), access(squads))
}

async fn wait_done(app: &Router, id: &str) -> Value {
    let v = wait_plan(app, id).await;
    assert_eq!(v["status"], "done", "plan failed: {v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinators_day_end_to_end() {
    let day = small_day(40, 4, 7);
    let squads: Vec<String> = day.squads.iter().map(|s| s.id.clone()).collect();
    let app = setup("e2e", &squads);

    let h = get(&app, "/api/v1/health", None).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json()["status"], "ok");

    let r = post_json(&app, COORD, &serde_json::to_value(&day).unwrap()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let id = r.json()["plan_id"].as_str().unwrap().to_string();
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/api/v1/plans/{id}").as_str()
    );

    let status = wait_done(&app, &id).await;
    assert_eq!(status["version"], 1);
    assert!(status["timings"]["matrix_ms"].is_u64());

    let res = get(&app, &format!("/api/v1/plans/{id}/result"), Some(DESK)).await;
    assert_eq!(res.status, StatusCode::OK);
    let res = res.json();
    // Every request in is a request out: routed once, or unserved with a reason.
    let mut out: Vec<String> = res["routes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["stops"].as_array().unwrap().iter())
        .filter(|s| s["kind"] == "delivery" || s["kind"] == "visit")
        .map(|s| s["request"].as_str().unwrap().to_string())
        .chain(
            res["unserved"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["request"].as_str().unwrap().to_string()),
        )
        .collect();
    out.sort();
    let mut inp: Vec<String> = day.requests.iter().map(|r| r.id.clone()).collect();
    inp.sort();
    assert_eq!(out, inp);
    assert_eq!(res["summary"]["requests"], 40);

    // One sheet per squad, in both languages; GeoJSON without personal data.
    let list = get(&app, &format!("/api/v1/plans/{id}/sheets"), Some(COORD))
        .await
        .json();
    assert_eq!(list["sheets"].as_array().unwrap().len(), squads.len());
    for s in &squads {
        let zh = get(&app, &format!("/api/v1/plans/{id}/sheets/{s}"), Some(COORD)).await;
        assert_eq!(zh.status, StatusCode::OK);
        assert!(zh.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(zh.text().contains("028-8888 6666") && zh.text().contains("已送达"));
        let en = get(
            &app,
            &format!("/api/v1/plans/{id}/sheets/{s}?lang=en"),
            Some(COORD),
        )
        .await;
        assert!(en.text().contains("Delivered"));
    }
    let geo = get(&app, &format!("/api/v1/plans/{id}/geojson"), Some(COORD)).await;
    assert_eq!(geo.headers[header::CONTENT_TYPE], "application/geo+json");
    let geo_text = geo.text();
    assert_eq!(geo.json()["type"], "FeatureCollection");
    for r in &day.requests {
        if let Some(name) = &r.resident {
            assert!(
                !geo_text.contains(name.as_str()),
                "GeoJSON leaks a resident name"
            );
        }
    }
    let plans = get(&app, "/api/v1/plans", Some(DESK)).await.json();
    assert_eq!(plans.as_array().unwrap().len(), 1);
    let stored = get(&app, &format!("/api/v1/plans/{id}/request"), Some(COORD))
        .await
        .json();
    assert_eq!(stored["requests"].as_array().unwrap().len(), 40);

    // Access: a volunteer's link opens its own sheet, byte for byte, and nothing else.
    let s0 = &squads[0];
    let own = get(
        &app,
        &format!("/api/v1/plans/{id}/sheets/{s0}"),
        Some(COORD),
    )
    .await
    .body;
    let link = get(&app, &format!("/s/{}/sheet", volunteer_token(s0)), None).await;
    assert_eq!(link.status, StatusCode::OK);
    assert_eq!(link.body, own);
    assert_eq!(link.headers[header::CACHE_CONTROL], "private, no-store");
    let vt = volunteer_token(s0);
    for uri in [
        format!("/api/v1/plans/{id}/sheets/{}", squads[1]),
        format!("/api/v1/plans/{id}/sheets/{s0}"),
        format!("/api/v1/plans/{id}/result"),
        format!("/api/v1/plans/{id}/geojson"),
        "/api/v1/plans".to_string(),
    ] {
        assert_eq!(
            get(&app, &uri, Some(&vt)).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    let bad_link = get(&app, "/s/not-a-real-token-at-all", None).await;
    assert_eq!(bad_link.status, StatusCode::NOT_FOUND);
    // A coordinator token is not a volunteer link.
    assert_eq!(
        get(&app, &format!("/s/{COORD}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    // Another office does not even see that the plan exists.
    let other = get(
        &app,
        &format!("/api/v1/plans/{id}/result"),
        Some(OTHER_COORD),
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(other.json()["code"], "not_found");
    assert!(get(&app, "/api/v1/plans", Some(OTHER_COORD))
        .await
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    // No token, a wrong token.
    assert_eq!(
        get(&app, &format!("/api/v1/plans/{id}"), None).await.json()["code"],
        "unauthorized"
    );
    assert_eq!(
        get(
            &app,
            &format!("/api/v1/plans/{id}"),
            Some("wrong-token-wrong-token")
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    // A desk reads but does not create plans.
    let r = post_json(&app, DESK, &serde_json::to_value(&day).unwrap()).await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (StatusCode::FORBIDDEN, json!("forbidden"))
    );
    // A coordinator cannot post for another office.
    let r = post_json(&app, OTHER_COORD, &serde_json::to_value(&day).unwrap()).await;
    assert_eq!(
        (r.status, r.json()["path"].clone()),
        (StatusCode::FORBIDDEN, json!("street_office.id"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_stable_code_and_a_path() {
    let app = setup("bad", &[]);
    let good = serde_json::to_value(small_day(5, 2, 3)).unwrap();

    let check = |r: Resp, status: StatusCode, code: &str, path: &str| {
        assert_eq!(r.status, status, "{}", r.text());
        let v = r.json();
        assert_eq!(v["code"], code, "{v}");
        assert_eq!(v["path"], path, "{v}");
    };

    let r = call(
        &app,
        "POST",
        "/api/v1/plans",
        Some(COORD),
        Some(b"{\"date\": \"2025-".to_vec()),
    )
    .await;
    check(r, StatusCode::BAD_REQUEST, "malformed_json", "date");

    let mut v = good.clone();
    v["requests"][2]["items"][0]["weight"] = json!(3);
    check(
        post_json(&app, COORD, &v).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_field",
        "requests[2].items[0].weight",
    );

    let mut v = good.clone();
    v["squads"][1].as_object_mut().unwrap().remove("shift");
    check(
        post_json(&app, COORD, &v).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_field",
        "squads[1].shift",
    );

    let mut v = good.clone();
    v["squads"][0]["capacity_kg"] = json!("20 kg");
    check(
        post_json(&app, COORD, &v).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_type",
        "squads[0].capacity_kg",
    );

    let mut v = good.clone();
    v["squads"][0]["shift"]["start"] = json!(480);
    check(
        post_json(&app, COORD, &v).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_type",
        "squads[0].shift.start",
    );

    let mut v = good.clone();
    v["requests"][1]["windows"] = json!([{"start": "11:00", "end": "10:00"}]);
    check(
        post_json(&app, COORD, &v).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "impossible_window",
        "requests[1].windows[0]",
    );

    let mut v = good.clone();
    v["requests"][3]["building"] = Value::Null;
    v["requests"][3]["lat"] = json!(31.2);
    v["requests"][3]["lon"] = json!(121.5);
    check(
        post_json(&app, COORD, &v).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "off_map",
        "requests[3]",
    );

    let mut v = good.clone();
    v["requests"][0]["lat"] = json!(95.0);
    check(
        post_json(&app, COORD, &v).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ambiguous_location",
        "requests[0]",
    );

    let mut v = good.clone();
    v["requests"][0]["building"] = json!("no-such-building");
    check(
        post_json(&app, COORD, &v).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_reference",
        "requests[0].building",
    );

    // 100,000 requests: refused as a whole, with the path of the list.
    let mut v = good.clone();
    let r0 = json!({"id": "x", "lat": 30.651, "lon": 104.051});
    v["requests"] = Value::Array(
        (0..100_000)
            .map(|i| {
                let mut r = r0.clone();
                r["id"] = json!(format!("r{i}"));
                r
            })
            .collect(),
    );
    check(
        post_json(&app, COORD, &v).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "limit_exceeded",
        "requests",
    );

    // 50 MB: refused before it is read.
    let big = vec![b' '; 50 * 1024 * 1024];
    check(
        call(&app, "POST", "/api/v1/plans", Some(COORD), Some(big)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        "",
    );

    let r = app
        .clone()
        .oneshot(
            Request::post("/api/v1/plans")
                .header(header::AUTHORIZATION, format!("Bearer {COORD}"))
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("hi"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // CSV requests, with errors naming line and column.
    let mut v = good.clone();
    v["requests"] = json!([]);
    v["requests_csv"] =
        json!("id,building,floor,item,weight_kg\nc1,B001,3,rice,10\nc2,B002,2,oil,5kg\n");
    check(
        post_json(&app, COORD, &v).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_type",
        "requests_csv[line 3].weight_kg",
    );
    v["requests_csv"] =
        json!("id,building,floor,item,weight_kg\nc1,B001,3,rice,10\nc2,B002,2,oil,5\n");
    let r = post_json(&app, COORD, &v).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.json()["requests"], 2);

    // Unknown endpoints and plans.
    assert_eq!(
        get(&app, "/api/v1/nope", Some(COORD)).await.json()["code"],
        "not_found"
    );
    assert_eq!(
        get(&app, "/api/v1/plans/p0000/result", Some(COORD))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/api/v1/plans/p0000/sheets/A?lang=fr", Some(COORD))
            .await
            .json()["code"],
        "invalid_parameter"
    );
}

#[tokio::test]
async fn openapi_lists_every_route_and_error_code() {
    let app = setup("openapi", &[]);
    let doc = get(&app, "/api/v1/openapi.json", None).await.json();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/health",
        "/api/v1/openapi.json",
        "/api/v1/plans",
        "/api/v1/plans/{id}",
        "/api/v1/plans/{id}/result",
        "/api/v1/plans/{id}/request",
        "/api/v1/plans/{id}/geojson",
        "/api/v1/plans/{id}/sheets",
        "/api/v1/plans/{id}/sheets/{squad}",
        "/api/v1/plans/{id}/progress",
        "/api/v1/plans/{id}/squads/{squad}/progress",
        "/api/v1/plans/{id}/urgent/options",
        "/api/v1/plans/{id}/urgent/commit",
        "/api/v1/plans/{id}/replan",
        "/s/{token}",
        "/s/{token}/sheet",
        "/s/{token}/progress",
        "/s/{token}/version",
        "/assets/phone.js",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    // The router source and the document agree on the set of routes.
    let src = include_str!("../src/lib.rs");
    // Count `.route(` calls whatever rustfmt does with their layout.
    let routed = src.matches(".route(").count();
    assert_eq!(
        routed,
        paths.len(),
        "a route was added without documenting it (or the reverse)"
    );
    let codes: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    // Every variant of both enums, counted in their sources, is in the list
    // (so a code added to an enum but not to its ALL is caught too).
    let variants = |src: &str, name: &str| {
        let start = src.find(&format!("pub enum {name} {{")).unwrap();
        let end = start + src[start..].find("\n}").unwrap();
        src[start..end]
            .lines()
            .map(str::trim)
            .filter(|l| l.ends_with(',') && !l.starts_with("//"))
            .count()
    };
    let variants = variants(include_str!("../../dayplan/src/error.rs"), "ErrorCode")
        + variants(include_str!("../src/error.rs"), "ServiceCode");
    assert_eq!(variants, api::error::ErrorCode::all().len());
    assert_eq!(
        variants,
        codes.len(),
        "ErrorCode and the document's list differ"
    );
}

/// A handler that panics still answers: the service's panic layer turns it
/// into the JSON `internal` error instead of a dropped connection.
#[tokio::test]
async fn a_panicking_handler_answers_a_json_500() {
    async fn boom() -> &'static str {
        panic!("a bug with a resident's name in it")
    }
    let app: Router = Router::new()
        .route("/boom", axum::routing::get(boom))
        .layer(api::panic_layer());
    let resp = app
        .oneshot(Request::builder().uri("/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["code"], "internal");
    assert!(!String::from_utf8_lossy(&body).contains("resident"));
}

/// The spreadsheet path as a coordinator meets it: a file exported by Excel
/// (`\r\n` line endings) with several mistakes is answered once, with every
/// mistake at the line and column the spreadsheet shows; the corrected file is
/// accepted with every item kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spreadsheet_with_mistakes_is_fixed_in_one_pass() {
    let app = setup("csv", &[]);
    let mut day = serde_json::to_value(small_day(5, 2, 3)).unwrap();
    day["requests"] = json!([]);
    let (lat, lon) = (
        day["buildings"][0]["lat"].as_f64().unwrap(),
        day["buildings"][0]["lon"].as_f64().unwrap(),
    );
    let head = "id,resident,lat,lon,building,floor,item,weight_kg,quantity,item_kind,window_start,window_end,pickup";
    let rows = [
        head.to_string(),
        "c1,王,,,B001,3,rice,10,,food,08:00,10:00,".into(),
        "c1,,,,,,milk,1,,chilled,,,nowhere".into(),
        "c2,李,,,B002,2,oil,5kg,,,,,".into(),
        "c3,张,,,B003,4,insulin,0.3,1,medicine,25:00,26:00,pharmacy".into(),
        "c4,赵,,,B004,1,,,,,,,no-such-pharmacy".into(),
        "c5,刘,,,B001,2,rice,500,,,,,".into(),
        "c5,,,,,,,abc,-7,teleport,,,".into(),
        format!("A,王,{lat},{lon},,,,25,3,medicine,,,"),
    ];
    day["requests_csv"] = json!(rows.join("\r\n"));
    let r = post_json(&app, COORD, &day).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let v = r.json();
    let got: Vec<(&str, &str)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap(), e["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("invalid_value", "requests_csv[line 3].pickup"),
            ("invalid_type", "requests_csv[line 4].weight_kg"),
            ("invalid_time", "requests_csv[line 5].window_start"),
            ("unknown_reference", "requests_csv[line 6].pickup"),
            ("out_of_range", "requests_csv[line 7].weight_kg"),
            ("invalid_type", "requests_csv[line 8].weight_kg"),
            ("out_of_range", "requests_csv[line 8].quantity"),
            ("invalid_value", "requests_csv[line 8].item_kind"),
        ],
        "{v:#}"
    );
    assert_eq!(
        (v["code"].as_str(), v["path"].as_str()),
        (Some(got[0].0), Some(got[0].1))
    );
    // The spreadsheet's cell is in the message: column M, row 6.
    assert!(
        v["errors"][3]["message"]
            .as_str()
            .unwrap()
            .ends_with("(cell M6)"),
        "{v:#}"
    );

    // The corrected file: accepted, every item of every row kept.
    let fixed = [
        head.to_string(),
        "c1,王,,,B001,3,rice,10,,food,08:00,10:00,".into(),
        "c1,,,,,,milk,1,,chilled,,,".into(),
        "c2,李,,,B002,2,oil,5,,,,,".into(),
        "c3,张,,,B003,4,insulin,0.3,1,medicine,08:00,11:00,pharmacy".into(),
        "c4,赵,,,B004,1,,,,,,,pharmacy".into(),
        "c5,刘,,,B001,2,rice,5,,,,,".into(),
        "c5,,,,,,,1.5,2,chilled,,,".into(),
        format!("A,王,{lat},{lon},,,,25,3,medicine,,,"),
    ];
    day["requests_csv"] = json!(fixed.join("\r\n"));
    let r = post_json(&app, COORD, &day).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.json()["requests"], 6);
    let id = r.json()["plan_id"].as_str().unwrap().to_string();
    let stored = get(&app, &format!("/api/v1/plans/{id}/request"), Some(COORD))
        .await
        .json();
    let reqs = stored["requests"].as_array().unwrap();
    let items = |k: usize| reqs[k]["items"].as_array().unwrap().clone();
    assert_eq!(items(0).len(), 2);
    assert_eq!(items(4).len(), 2);
    assert_eq!(items(4)[1]["kind"], "chilled");
    assert_eq!(items(4)[1]["quantity"], 2);
    assert_eq!(items(4)[1]["weight_kg"], 1.5);
    let a = &items(5)[0];
    assert_eq!(
        (&a["weight_kg"], &a["quantity"], &a["kind"]),
        (&json!(25.0), &json!(3), &json!("medicine"))
    );
    assert!(!a["name"].as_str().unwrap().is_empty());

    // A point off the map is named at its CSV line too.
    let off = [
        "id,lat,lon,item,weight_kg".to_string(),
        format!("r1,{lat},{lon},rice,10"),
        "r2,31.2,121.5,rice,10".into(),
    ];
    day["requests_csv"] = json!(off.join("\n"));
    let r = post_json(&app, COORD, &day).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        (r.json()["code"].as_str(), r.json()["path"].as_str()),
        (Some("off_map"), Some("requests_csv[line 3]"))
    );

    // JSON requests keep their JSON paths; a start of 25:00 is not a time of day.
    let mut v = serde_json::to_value(small_day(5, 2, 3)).unwrap();
    v["requests"][1]["windows"] = json!([{"start": "25:00", "end": "10:00"}]);
    v["requests"][2]["pickup"] = json!("nowhere");
    let r = post_json(&app, COORD, &v).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let got: Vec<(String, String)> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap().into(),
                e["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("invalid_time".into(), "requests[1].windows[0].start".into()),
            ("unknown_reference".into(), "requests[2].pickup".into()),
        ]
    );
}
