//! Shared set-up for the api tests: the made-up district, a temporary store,
//! tokens for two street offices, and a small realistic day.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use api::auth::{Access, Principal, Role};
use api::{Engine, EngineConfig, Store};
use dayplan::demo::{district_day, DemoConfig, DEMO_OFFICE};
use dayplan::dto::DayRequest;
use geo_data::PreparedGraphs;

pub const COORD: &str = "coordinator-token-0001";
pub const DESK: &str = "desk-token-00000000001";
pub const OTHER_COORD: &str = "other-office-coordinator-1";

pub fn volunteer_token(squad: &str) -> String {
    format!("volunteer-link-{squad}-000000")
}

pub fn graphs() -> Arc<PreparedGraphs> {
    static G: OnceLock<Arc<PreparedGraphs>> = OnceLock::new();
    G.get_or_init(|| Arc::new(geo_data::district::prepared()))
        .clone()
}

pub fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "lastmile-{name}-{}-{:x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn access(squads: &[String]) -> Access {
    let mut a = Access::default();
    a.add(
        COORD,
        Principal {
            office: DEMO_OFFICE.into(),
            role: Role::Coordinator,
        },
    )
    .unwrap();
    a.add(
        DESK,
        Principal {
            office: DEMO_OFFICE.into(),
            role: Role::Desk,
        },
    )
    .unwrap();
    a.add(
        OTHER_COORD,
        Principal {
            office: "another-office".into(),
            role: Role::Coordinator,
        },
    )
    .unwrap();
    for s in squads {
        a.add(
            &volunteer_token(s),
            Principal {
                office: DEMO_OFFICE.into(),
                role: Role::Volunteer { squad: s.clone() },
            },
        )
        .unwrap();
    }
    a
}

/// A small day: `requests` requests, `squads` squads, a 1 s budget.
pub fn small_day(requests: usize, squads: usize, seed: u64) -> DayRequest {
    district_day(&DemoConfig::small(requests, squads, seed))
}

pub fn engine(dir: &std::path::Path) -> Arc<Engine> {
    let store = Arc::new(Store::open(&dir.join("plans.db")).unwrap());
    Engine::new(
        store,
        graphs(),
        EngineConfig {
            budget_cap: Some(Duration::from_secs(1)),
            solve_threads: 1,
            background_roads: true,
            ..EngineConfig::default()
        },
    )
}

/// One answer of the service, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The documented error, with this status and code.
    pub fn error(&self, status: StatusCode, code: &str, path: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        assert!(
            self.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{:?}",
            self.headers
        );
        let v = self.json();
        assert_eq!(
            (v["code"].as_str(), v["path"].as_str()),
            (Some(code), Some(path)),
            "{v}"
        );
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        assert_eq!(v["errors"][0]["code"], code, "{v}");
    }
}

/// Sends a request to the app (no socket) and reads the whole answer.
pub async fn send(app: &Router, req: Request<Body>) -> Resp {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

/// `method uri` with a bearer token and a JSON body, if given.
pub async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Vec<u8>>,
) -> Resp {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(bytes) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(bytes))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    send(app, req).await
}

/// [`call`] as the coordinator, answer read as JSON.
pub async fn coord(
    app: &Router,
    method: &str,
    uri: &str,
    body: Option<Vec<u8>>,
) -> (StatusCode, Value) {
    let r = call(app, method, uri, Some(COORD), body).await;
    (r.status, r.json())
}

/// Polls a plan's status until it is done or failed; returns the last status.
pub async fn wait_plan(app: &Router, id: &str) -> Value {
    let t = Instant::now();
    loop {
        let r = call(
            app,
            "GET",
            &format!("/api/v1/plans/{id}"),
            Some(COORD),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        match v["status"].as_str().unwrap() {
            "done" | "failed" => return v,
            _ => {}
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "plan not done in time: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
