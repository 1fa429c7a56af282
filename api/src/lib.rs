//! The day-plan service: a coordinator posts a street office's day, the
//! service plans it on the road graph (geo-data) with the solver, stores
//! everything in an embedded database, and serves the result, GeoJSON and one
//! printable route sheet per squad.
//!
//! Codemap: [`dto`] (the JSON schema) → [`validate`] / [`csv_import`] (checked
//! once at the edge) → [`convert`] (snapping, matrices, solver problem) →
//! [`jobs`] (solving on the rayon pool, bounded) → [`assemble`] (routes and
//! reasons back in API words) → [`sheet`] / [`geojson`] (outputs) → [`store`]
//! (SQLite). [`routes`] holds the thin HTTP handlers, [`auth`] the tokens,
//! [`demo`] the made-up day of `lastmile demo`. [`desk`] is the escalation
//! desk (progress, urgent orders, re-planning a plan under way), with its
//! handlers in [`desk_routes`]. [`server`] runs the connections of
//! `lastmile serve` (time limits, connection cap, graceful stop); [`extract`]
//! and [`error::json_rejections`] keep every refusal in the JSON error format.
//!
//! Tests build the whole service with [`app`] and call it with `oneshot`.

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub mod auth;
pub mod console;
pub mod desk_routes;
pub mod error;
pub mod extract;
pub mod jobs;
pub mod openapi;
pub mod phone;
pub mod routes;
pub mod server;
pub mod store;
pub mod warm;
pub mod warm_cache;

pub use auth::Access;
pub use jobs::{Engine, EngineConfig};
pub use store::Store;

/// Shared by every handler.
pub struct AppInner {
    pub engine: Arc<Engine>,
    pub access: Access,
    /// How long a request body may take to arrive (see [`routes::read_body`]).
    pub body_timeout: std::time::Duration,
}

/// Default time for a body to arrive: a 16 MiB day over a slow 3 Mbit/s
/// office line takes about 45 s.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Clone)]
pub struct AppState(pub Arc<AppInner>);

impl std::ops::Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

impl AsRef<Access> for AppState {
    fn as_ref(&self) -> &Access {
        &self.0.access
    }
}

/// The whole HTTP application.
pub fn app(engine: Arc<Engine>, access: Access) -> Router {
    app_with(engine, access, BODY_TIMEOUT)
}

/// [`app`] with another body time limit (`lastmile serve --body-timeout-s`).
pub fn app_with(engine: Arc<Engine>, access: Access, body_timeout: std::time::Duration) -> Router {
    let state = AppState(Arc::new(AppInner {
        engine,
        access,
        body_timeout,
    }));
    Router::new()
        .route("/api/v1/health", get(routes::health))
        .route("/api/v1/openapi.json", get(routes::openapi))
        .route(
            "/api/v1/plans",
            post(routes::create_plan).get(routes::list_plans),
        )
        .route("/api/v1/plans/{id}", get(routes::plan_status))
        .route("/api/v1/plans/{id}/result", get(routes::plan_result))
        .route("/api/v1/plans/{id}/request", get(routes::plan_request))
        .route("/api/v1/plans/{id}/geojson", get(routes::plan_geojson))
        .route("/api/v1/plans/{id}/sheets", get(routes::list_sheets))
        .route("/api/v1/plans/{id}/sheets/{squad}", get(routes::sheet))
        .route("/api/v1/plans/{id}/progress", get(desk_routes::progress))
        .route(
            "/api/v1/plans/{id}/squads/{squad}/progress",
            post(desk_routes::record_progress),
        )
        .route(
            "/api/v1/plans/{id}/urgent/options",
            post(desk_routes::urgent_options),
        )
        .route(
            "/api/v1/plans/{id}/urgent/commit",
            post(desk_routes::urgent_commit),
        )
        .route("/api/v1/plans/{id}/replan", post(desk_routes::replan))
        .route("/s/{token}", get(phone::page))
        .route("/s/{token}/sheet", get(routes::volunteer_sheet))
        .route("/s/{token}/progress", post(phone::progress))
        .route("/s/{token}/version", get(phone::version))
        .route("/assets/phone.js", get(phone::script))
        .merge(console::routes())
        .fallback(routes::not_found)
        // Bodies are read by the handler with its own limit and error; lift axum's default.
        .layer(axum::extract::DefaultBodyLimit::disable())
        // Whatever axum itself refuses (a method, a route's 405) answers the JSON error too.
        .layer(axum::middleware::from_fn(error::json_rejections))
        .layer(axum::middleware::from_fn(routes::access_log))
        .layer(panic_layer())
        .with_state(state)
}

/// Turns a panic in a handler into the API's JSON `internal` error (a 500 the
/// client can read) instead of a dropped connection. The panic's message is
/// not logged: it may quote the data being handled.
pub fn panic_layer() -> tower_http::catch_panic::CatchPanicLayer<
    fn(Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response,
> {
    fn answer(_panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
        use axum::response::IntoResponse;
        error::ApiError::internal(&"a handler panicked").into_response()
    }
    tower_http::catch_panic::CatchPanicLayer::custom(
        answer as fn(Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response,
    )
}
