//! The edges of the HTTP API, found by fuzzing: every rejection (also the
//! framework's own) is the documented JSON error; every answer, good or bad,
//! matches the OpenAPI document; trailing data after the JSON and impossible
//! calendar dates are refused; a body that never finishes times out;
//! `--max-queued` is exact under concurrent creations; a plan that failed on
//! a full disk is solved again after a restart.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use common::*;
use serde_json::{json, Value};

fn bytes(v: &Value) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(v).unwrap())
}

/// The OpenAPI document as a JSON Schema root: an answer is checked against
/// the schema of its operation and status.
struct Contract {
    doc: Value,
    checked: std::cell::Cell<usize>,
}

impl Contract {
    fn load() -> Self {
        let doc: Value = serde_json::from_str(api::openapi::DOCUMENT).unwrap();
        Self {
            doc,
            checked: Default::default(),
        }
    }

    /// `template` is the documented path (`/api/v1/plans/{id}`).
    fn check(&self, method: &str, template: &str, r: &Resp) {
        let op = &self.doc["paths"][template][method];
        assert!(
            op.is_object(),
            "{method} {template} is not in the OpenAPI document"
        );
        let status = r.status.as_u16().to_string();
        let mut answer = &op["responses"][&status];
        assert!(
            answer.is_object(),
            "{method} {template} answered {status}, which its OpenAPI entry does not list: {}",
            r.text()
        );
        if let Some(reference) = answer["$ref"].as_str() {
            answer = self.pointer(reference);
        }
        let ctype = r
            .headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let content = answer["content"].as_object().expect("answers have content");
        let (media, spec) = content
            .iter()
            .find(|(m, _)| ctype.starts_with(m.as_str()))
            .unwrap_or_else(|| {
                panic!("{method} {template} {status}: content type {ctype:?} is not documented")
            });
        if media == "application/json" {
            let pointer = format!(
                "#/paths/{}/{method}/responses/{status}/content/application~1json/schema",
                // A JSON pointer in a URI fragment: `{` and `}` percent-encoded.
                template
                    .replace('~', "~0")
                    .replace('/', "~1")
                    .replace('{', "%7B")
                    .replace('}', "%7D")
            );
            let schema_at = if op["responses"][&status]["$ref"].is_string() {
                format!(
                    "{}/content/application~1json/schema",
                    op["responses"][&status]["$ref"].as_str().unwrap()
                )
            } else {
                pointer
            };
            self.validate(
                &schema_at,
                &r.json(),
                &format!("{method} {template} {status}"),
            );
        } else {
            assert!(
                spec.get("schema").is_none(),
                "{media} schemas are not checked here"
            );
        }
        self.checked.set(self.checked.get() + 1);
    }

    fn pointer(&self, reference: &str) -> &Value {
        self.doc
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{reference} does not resolve"))
    }

    fn validator(&self, pointer: &str) -> jsonschema::Validator {
        let mut root = self.doc.clone();
        root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        root["$ref"] = json!(pointer);
        jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema at {pointer}: {e}"))
    }

    fn is_valid(&self, pointer: &str, value: &Value) -> bool {
        self.validator(pointer).is_valid(value)
    }

    /// Validates `value` against the schema at `pointer` in the document.
    fn validate(&self, pointer: &str, value: &Value, what: &str) {
        let v = self.validator(pointer);
        let errors: Vec<String> = v
            .iter_errors(value)
            .take(10)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: the answer does not match the OpenAPI document:\n{}",
            errors.join("\n")
        );
    }
}

async fn wait_done(app: &Router, id: &str) -> Value {
    wait_plan(app, id).await
}

/// Every operation, on its good path and on each way it refuses, answers
/// what the OpenAPI document says: a listed status, and a body valid
/// against its schema (format `date` included).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_matches_the_openapi_document() {
    let day = small_day(30, 3, 5);
    let squads: Vec<String> = day.squads.iter().map(|s| s.id.clone()).collect();
    let app_engine = engine(&tmp_dir("contract"));
    let app = api::app(app_engine.clone(), access(&squads));
    let c = Contract::load();
    let good = serde_json::to_value(&day).unwrap();

    c.check(
        "get",
        "/api/v1/health",
        &call(&app, "GET", "/api/v1/health", None, None).await,
    );
    c.check(
        "get",
        "/api/v1/openapi.json",
        &call(&app, "GET", "/api/v1/openapi.json", None, None).await,
    );
    let list = "/api/v1/plans";
    for (uri, token) in [
        (list, Some(COORD)),
        ("/api/v1/plans?limit=abc", Some(COORD)),
        (list, None),
        (list, Some(volunteer_token(&squads[0]).as_str())),
    ] {
        c.check("get", list, &call(&app, "GET", uri, token, None).await);
    }

    // Creation, refused in each way, then accepted.
    let mut trailing = serde_json::to_vec(&good).unwrap();
    trailing.extend_from_slice(b"{}");
    let mut bad_date = good.clone();
    bad_date["date"] = json!("2025-02-30");
    let mut unknown = good.clone();
    unknown["squads"][0]["colour"] = json!("red");
    for (token, body) in [
        (Some(COORD), Some(b"{\"date\": ".to_vec())),
        (Some(COORD), Some(trailing)),
        (Some(COORD), bytes(&bad_date)),
        (Some(COORD), bytes(&unknown)),
        (None, bytes(&good)),
        (Some(DESK), bytes(&good)),
    ] {
        c.check("post", list, &call(&app, "POST", list, token, body).await);
    }
    let plain = Request::post(list)
        .header(header::AUTHORIZATION, format!("Bearer {COORD}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from("id\n1\n"))
        .unwrap();
    c.check("post", list, &send(&app, plain).await);
    let created = call(&app, "POST", list, Some(COORD), bytes(&good)).await;
    c.check("post", list, &created);
    let id = created.json()["plan_id"].as_str().unwrap().to_string();

    // Before it is done: status answers, the outputs are "not ready".
    let plan = |suffix: &str| format!("/api/v1/plans/{id}{suffix}");
    c.check(
        "get",
        "/api/v1/plans/{id}",
        &call(&app, "GET", &plan(""), Some(COORD), None).await,
    );
    let early = call(&app, "GET", &plan("/sheets"), Some(COORD), None).await;
    if early.status == StatusCode::CONFLICT {
        c.check("get", "/api/v1/plans/{id}/sheets", &early);
    }
    assert_eq!(wait_done(&app, &id).await["status"], "done");

    for (template, suffix) in [
        ("/api/v1/plans/{id}", ""),
        ("/api/v1/plans/{id}/result", "/result"),
        ("/api/v1/plans/{id}/request", "/request"),
        ("/api/v1/plans/{id}/geojson", "/geojson"),
        ("/api/v1/plans/{id}/sheets", "/sheets"),
        ("/api/v1/plans/{id}/progress", "/progress"),
    ] {
        c.check(
            "get",
            template,
            &call(&app, "GET", &plan(suffix), Some(COORD), None).await,
        );
        // Another office does not see the plan; no token; a volunteer's token; an id that is not UTF-8.
        c.check(
            "get",
            template,
            &call(&app, "GET", &plan(suffix), Some(OTHER_COORD), None).await,
        );
        c.check(
            "get",
            template,
            &call(&app, "GET", &plan(suffix), None, None).await,
        );
        c.check(
            "get",
            template,
            &call(
                &app,
                "GET",
                &plan(suffix),
                Some(&volunteer_token(&squads[0])),
                None,
            )
            .await,
        );
        let bad_id = format!("/api/v1/plans/%FF%FE{suffix}");
        c.check(
            "get",
            template,
            &call(&app, "GET", &bad_id, Some(COORD), None).await,
        );
    }
    // A day stored by an older version, with `null` for every absent optional
    // field (what the fuzzing found: ten fields the schema says are never null),
    // is answered without them.
    let mut old_day = serde_json::to_value(&day).unwrap();
    for r in old_day["requests"].as_array_mut().unwrap() {
        for f in [
            "resident",
            "phone",
            "unit",
            "address",
            "notes",
            "pickup",
            "service_s",
            "priority",
            "floor",
        ] {
            if r.get(f).is_none() {
                r[f] = Value::Null;
            }
        }
    }
    let schema = "#/components/schemas/DayRequest";
    assert!(
        !c.is_valid(schema, &old_day),
        "the schema must refuse those nulls, or this check proves nothing"
    );
    let old_json = old_day.to_string();
    app_engine
        .store
        .insert_plan(&api::store::NewPlan {
            id: "p-old-format",
            office: dayplan::demo::DEMO_OFFICE,
            date: &day.date,
            requests: day.requests.len(),
            squads: day.squads.len(),
            request_json: &old_json,
        })
        .unwrap();
    let stored = call(
        &app,
        "GET",
        "/api/v1/plans/p-old-format/request",
        Some(COORD),
        None,
    )
    .await;
    c.check("get", "/api/v1/plans/{id}/request", &stored);
    assert_eq!(
        stored.json()["requests"].as_array().unwrap().len(),
        day.requests.len()
    );

    let sheet = "/api/v1/plans/{id}/sheets/{squad}";
    for uri in [
        plan(&format!("/sheets/{}", squads[0])),
        plan(&format!("/sheets/{}?lang=en", squads[0])),
        plan(&format!("/sheets/{}?lang=fr", squads[0])),
        plan("/sheets/no-such-squad"),
    ] {
        c.check(
            "get",
            sheet,
            &call(&app, "GET", &uri, Some(COORD), None).await,
        );
    }
    for uri in [
        format!("/s/{}", volunteer_token(&squads[0])),
        "/s/not-a-link-0000000000".to_string(),
        format!("/s/{}?lang=xx", volunteer_token(&squads[0])),
        "/s/%FF".to_string(),
    ] {
        c.check(
            "get",
            "/s/{token}",
            &call(&app, "GET", &uri, None, None).await,
        );
    }

    // The desk: good bodies, then trailing data, a wrong type, no token.
    let b = &day.buildings[1];
    let order = json!({"id": "URG1", "building": b.id, "floor": 2, "items": [{"name": "insulin", "weight_kg": 0.3, "kind": "medicine"}]});
    let progress = "/api/v1/plans/{id}/squads/{squad}/progress";
    let progress_uri = plan(&format!("/squads/{}/progress", squads[0]));
    c.check(
        "post",
        progress,
        &call(
            &app,
            "POST",
            &progress_uri,
            Some(DESK),
            bytes(&json!({"event": "started", "at": "08:00"})),
        )
        .await,
    );
    let options_uri = plan("/urgent/options");
    let opts = call(
        &app,
        "POST",
        &options_uri,
        Some(DESK),
        bytes(&json!({"request": order, "deadline": "11:30", "now": "08:30"})),
    )
    .await;
    c.check("post", "/api/v1/plans/{id}/urgent/options", &opts);
    let opts = opts.json();
    let commit = opts["options"][0]["commit"].clone();
    assert!(commit.is_object(), "an option to commit: {opts}");
    c.check(
        "post",
        "/api/v1/plans/{id}/urgent/commit",
        &call(
            &app,
            "POST",
            &plan("/urgent/commit"),
            Some(DESK),
            bytes(&commit),
        )
        .await,
    );
    // The same commit again: the plan moved on.
    c.check(
        "post",
        "/api/v1/plans/{id}/urgent/commit",
        &call(
            &app,
            "POST",
            &plan("/urgent/commit"),
            Some(DESK),
            bytes(&commit),
        )
        .await,
    );
    let version = call(&app, "GET", &plan(""), Some(COORD), None).await.json()["version"].clone();
    let replan =
        json!({"based_on_version": version, "budget_s": 1, "now": "08:40", "dry_run": true});
    c.check(
        "post",
        "/api/v1/plans/{id}/replan",
        &call(&app, "POST", &plan("/replan"), Some(DESK), bytes(&replan)).await,
    );
    for (template, uri, body) in [
        (
            progress,
            progress_uri.clone(),
            json!({"event": "started", "at": "08:00"}),
        ),
        (
            "/api/v1/plans/{id}/urgent/options",
            options_uri.clone(),
            json!({"request": order, "deadline": "11:30"}),
        ),
        (
            "/api/v1/plans/{id}/urgent/commit",
            plan("/urgent/commit"),
            commit.clone(),
        ),
        ("/api/v1/plans/{id}/replan", plan("/replan"), replan.clone()),
    ] {
        let mut trailing = serde_json::to_vec(&body).unwrap();
        trailing.extend_from_slice(b" 1");
        let r = call(&app, "POST", &uri, Some(DESK), Some(trailing)).await;
        r.error(StatusCode::BAD_REQUEST, "malformed_json", "");
        c.check("post", template, &r);
        c.check(
            "post",
            template,
            &call(&app, "POST", &uri, Some(DESK), bytes(&json!([1]))).await,
        );
        c.check(
            "post",
            template,
            &call(&app, "POST", &uri, None, bytes(&body)).await,
        );
        c.check(
            "post",
            template,
            &call(
                &app,
                "POST",
                &uri.replace(&id, "p0000"),
                Some(DESK),
                bytes(&body),
            )
            .await,
        );
    }

    // What the router refuses: an unknown method answers the E405 response.
    let r = call(&app, "DELETE", &plan(""), Some(COORD), None).await;
    r.error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "");
    c.validate(
        "#/components/responses/E405/content/application~1json/schema",
        &r.json(),
        "405",
    );
    assert!(c.checked.get() >= 75, "{} answers checked", c.checked.get());
}

/// The rejections axum raises itself (a query or path it cannot read, a
/// method a route does not take, no route) are the documented JSON error.
#[tokio::test]
async fn framework_rejections_are_json_errors() {
    let app = api::app(engine(&tmp_dir("reject")), access(&[]));
    call(&app, "GET", "/api/v1/plans?limit=abc", Some(COORD), None)
        .await
        .error(StatusCode::BAD_REQUEST, "invalid_parameter", "limit");
    call(&app, "GET", "/api/v1/plans?limit=-1", Some(COORD), None)
        .await
        .error(StatusCode::BAD_REQUEST, "invalid_parameter", "limit");
    call(&app, "GET", "/api/v1/plans/%FF", Some(COORD), None)
        .await
        .error(StatusCode::BAD_REQUEST, "invalid_parameter", "id");
    call(
        &app,
        "GET",
        "/api/v1/plans/p1/sheets/A?lang=fr",
        Some(COORD),
        None,
    )
    .await
    .error(StatusCode::BAD_REQUEST, "invalid_parameter", "lang");
    for (method, uri) in [
        ("POST", "/api/v1/health"),
        ("DELETE", "/api/v1/plans"),
        ("PUT", "/api/v1/plans/p1/result"),
        ("GET", "/api/v1/plans/p1/replan"),
    ] {
        let r = call(&app, method, uri, Some(COORD), None).await;
        r.error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "");
        assert!(
            r.headers.contains_key(header::ALLOW),
            "{method} {uri}: the Allow header stays"
        );
    }
    for uri in [
        "/",
        "/api/v2/plans",
        "/api/v1/plans/p1/nothing",
        "/api/v1/plans/",
    ] {
        call(&app, "GET", uri, Some(COORD), None).await.error(
            StatusCode::NOT_FOUND,
            "not_found",
            "",
        );
    }
}

#[tokio::test]
async fn trailing_data_and_impossible_dates_are_refused() {
    let app = api::app(engine(&tmp_dir("trailing")), access(&[]));
    let good = serde_json::to_value(small_day(5, 2, 3)).unwrap();
    for tail in [&b"{}"[..], b"x", b"\n{\"date\": \"2025-01-16\"}"] {
        let mut body = serde_json::to_vec(&good).unwrap();
        body.extend_from_slice(tail);
        call(&app, "POST", "/api/v1/plans", Some(COORD), Some(body))
            .await
            .error(StatusCode::BAD_REQUEST, "malformed_json", "");
    }
    for date in ["2025-02-30", "2025-04-31", "2023-02-29"] {
        let mut v = good.clone();
        v["date"] = json!(date);
        call(&app, "POST", "/api/v1/plans", Some(COORD), bytes(&v))
            .await
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_value", "date");
    }
    let mut v = good.clone();
    v["date"] = json!("2024-02-29");
    let r = call(&app, "POST", "/api/v1/plans", Some(COORD), bytes(&v)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
}

/// A client that sends half a body and stops gets 408 within the body time
/// limit instead of holding the request forever.
#[tokio::test]
async fn a_body_that_never_finishes_times_out() {
    let app = api::app_with(
        engine(&tmp_dir("slow-body")),
        access(&[]),
        Duration::from_millis(300),
    );
    for uri in ["/api/v1/plans", "/api/v1/plans/p1/urgent/options"] {
        let req = Request::post(uri)
            .header(header::AUTHORIZATION, format!("Bearer {COORD}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::new(Stalled(false)))
            .unwrap();
        let t = Instant::now();
        let r = send(&app, req).await;
        r.error(StatusCode::REQUEST_TIMEOUT, "request_timeout", "");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }
}

/// A body that sends its first bytes and then nothing, never ending.
struct Stalled(bool);

impl axum::body::HttpBody for Stalled {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        if self.0 {
            return std::task::Poll::Pending;
        }
        self.0 = true;
        std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(
            axum::body::Bytes::from_static(b"{\"date\": "),
        ))))
    }
}

/// `--max-queued 10`: forty creations at once, while the first plan solves,
/// admit exactly ten; the others get 503 `busy` and nothing of them is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn max_queued_is_exact_under_concurrency() {
    let dir = tmp_dir("queued");
    let store = Arc::new(api::Store::open(&dir.join("plans.db")).unwrap());
    let engine = api::Engine::new(
        store,
        graphs(),
        api::EngineConfig {
            max_queued: 10,
            max_solving: 1,
            solve_threads: 1,
            ..api::EngineConfig::default()
        },
    );
    let app = api::app(engine.clone(), access(&[]));
    let mut day = small_day(5, 2, 9);
    day.options.budget_s = 60; // the first plan solves while the others arrive
    let body = serde_json::to_vec(&day).unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let app = app.clone();
            let body = body.clone();
            tokio::spawn(async move {
                call(&app, "POST", "/api/v1/plans", Some(COORD), Some(body)).await
            })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            StatusCode::ACCEPTED => accepted += 1,
            StatusCode::SERVICE_UNAVAILABLE => r.error(StatusCode::SERVICE_UNAVAILABLE, "busy", ""),
            s => panic!("unexpected {s}: {}", r.text()),
        }
    }
    assert_eq!(accepted, 10);
    assert_eq!(engine.in_flight(), 10);
    let listed = call(&app, "GET", "/api/v1/plans?limit=100", Some(COORD), None)
        .await
        .json();
    assert_eq!(
        listed.as_array().unwrap().len(),
        10,
        "refused plans are not stored"
    );
    // A refused day gives its place back: once the queue drains, creation works again.
    engine.drain(Duration::ZERO).await;
    assert_eq!(engine.in_flight(), 0);
}

/// A plan accepted just before the disk filled fails with a storage error
/// that says it will be retried; after a restart with room again it is
/// solved. The "disk" is SQLite's page cap, which fails writes exactly as a
/// full disk does ("database or disk is full").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_failed_on_a_full_disk_is_solved_after_restart() {
    let dir = tmp_dir("disk-full");
    let day = small_day(20, 2, 4);
    let id = {
        let engine = engine(&dir);
        let app = api::app(engine.clone(), access(&[]));
        // Room for the accepted day (a few pages), not for its result and sheets.
        let pages = engine.store.page_count().unwrap();
        engine.store.cap_pages(pages + 12).unwrap();
        let r = call(
            &app,
            "POST",
            "/api/v1/plans",
            Some(COORD),
            bytes(&serde_json::to_value(&day).unwrap()),
        )
        .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
        let id = r.json()["plan_id"].as_str().unwrap().to_string();
        let st = wait_done(&app, &id).await;
        assert_eq!(st["status"], "failed", "{st}");
        let why = st["failure"].as_str().unwrap();
        assert!(
            why.contains("full") && why.contains("solved again when the service restarts"),
            "{why}"
        );
        id
    };
    // The restart: same file, no cap.
    let engine = engine(&dir);
    let rec = engine.resume_unfinished().unwrap();
    assert_eq!(rec.resumed, vec![id.clone()]);
    let app = api::app(engine, access(&[]));
    let st = wait_done(&app, &id).await;
    assert_eq!(st["status"], "done", "{st}");
    let res = call(
        &app,
        "GET",
        &format!("/api/v1/plans/{id}/result"),
        Some(COORD),
        None,
    )
    .await
    .json();
    let routed = res["summary"]["routed"].as_u64().unwrap();
    assert_eq!(
        routed + res["unserved"].as_array().unwrap().len() as u64,
        20
    );
}

/// Each error code is listed in the document under the status it is
/// answered with (`components/responses/E<status>`), and the list of codes
/// there is the whole enum: a code added to `ErrorCode` must be documented.
#[test]
fn every_error_code_is_documented_under_its_status() {
    let doc: Value = serde_json::from_str(api::openapi::DOCUMENT).unwrap();
    let mut documented = 0;
    for code in api::error::ErrorCode::all() {
        let name = serde_json::to_value(code).unwrap();
        let status = code.status().as_u16();
        let listed = &doc["components"]["responses"][format!("E{status}")]["content"]
            ["application/json"]["schema"]["allOf"][1]["properties"]["code"]["enum"];
        assert!(
            listed.as_array().is_some_and(|l| l.contains(&name)),
            "{name} ({status}) is not listed under components/responses/E{status}"
        );
        documented += 1;
    }
    let all = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        documented, all,
        "ErrorCode::all() and the document's enum differ"
    );
}
