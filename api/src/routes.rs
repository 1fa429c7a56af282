//! HTTP handlers, versioned under `/api/v1`, plus the volunteer link `/s/<token>`.
//! Thin on purpose: parse, check access, call the store or the engine.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ServiceCode};
use crate::extract::{ApiPath as Path, ApiQuery as Query};
use crate::store::{rfc3339, PlanRow};
use crate::AppState;
use dayplan::dto::*;
use dayplan::sheet::Lang;
use dayplan::validate::parse_day;

/// Largest body accepted. A 5,000-request day is about 2.5 MB of JSON; 16 MiB
/// leaves room for long notes and CSV text, and refuses a 50 MB upload unread.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub async fn health(State(st): State<AppState>) -> Json<serde_json::Value> {
    let profiles: Vec<serde_json::Value> = st
        .engine
        .graphs
        .graphs()
        .iter()
        .map(|g| serde_json::json!({"profile": g.profile().name(), "nodes": g.road_graph().num_nodes(), "edges": g.road_graph().num_edges()}))
        .collect();
    Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "graphs": profiles,
        "plans_in_flight": st.engine.in_flight(),
    }))
}

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::DOCUMENT,
    )
        .into_response()
}

/// A body must be declared JSON; `hint` tells the client how to send it.
pub fn require_json(req: &Request, hint: &str) -> Result<(), ApiError> {
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ctype.starts_with("application/json") {
        Ok(())
    } else {
        Err(ApiError::new(ServiceCode::UnsupportedMediaType, "", hint))
    }
}

/// `POST /api/v1/plans`: checks, snaps and stores the day, then answers 202
/// with the plan id while the solve runs in the background.
pub async fn create_plan(
    State(st): State<AppState>,
    who: Principal,
    req: Request,
) -> Result<Response, ApiError> {
    who.require_coordinator()?;
    require_json(
        &req,
        "send the day as JSON with Content-Type: application/json (CSV goes in the requests_csv field)",
    )?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let body = read_body(&st, req, MAX_BODY_BYTES, too_large).await?;
    // A place in the queue is taken here, atomically, and given back if the day is refused:
    // `--max-queued N` admits N plans however many arrive at once.
    let Some(place) = st.engine.reserve() else {
        return Err(ApiError::new(
            ServiceCode::Busy,
            "",
            "too many plans are waiting to be solved; nothing was stored, retry in a minute",
        ));
    };
    let engine = st.engine.clone();
    let office = who.office.clone();
    // Parsing a large body and snapping are CPU work: keep them off the async threads.
    let prepared = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let t = Instant::now();
        let day = parse_day(&body).map_err(|e| ApiError::many(vec![e]))?;
        let parse_ms = t.elapsed().as_millis() as u64;
        Ok(engine.admit(day, Some(&office), parse_ms)?)
    })
    .await
    .map_err(|e| ApiError::internal(&e))??;
    let crate::jobs::Admitted {
        id: plan_id,
        day,
        snapped,
        pre,
    } = prepared;
    tracing::info!(plan = %plan_id, requests = day.requests.len(), squads = day.squads.len(), "plan accepted");
    let accepted = PlanAccepted {
        status_url: format!("/api/v1/plans/{plan_id}"),
        result_url: format!("/api/v1/plans/{plan_id}/result"),
        plan_id: plan_id.clone(),
        status: PlanStatus::Queued,
        requests: day.requests.len(),
        squads: day.squads.len(),
    };
    st.engine.submit(place, plan_id, day, Some(snapped), pre);
    let mut resp = (StatusCode::ACCEPTED, Json(&accepted)).into_response();
    if let Ok(v) = HeaderValue::from_str(&accepted.status_url) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// Reads a whole body, at most `limit` bytes, within the app's body time
/// limit: a client that stops sending half-way gets 408 `request_timeout`
/// and its connection back, instead of holding a task and a socket forever.
pub(crate) async fn read_body(
    st: &AppState,
    req: Request,
    limit: usize,
    too_large: fn() -> ApiError,
) -> Result<axum::body::Bytes, ApiError> {
    match tokio::time::timeout(
        st.body_timeout,
        axum::body::to_bytes(req.into_body(), limit),
    )
    .await
    {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(too_large()),
        Err(_) => Err(ApiError::new(
            ServiceCode::RequestTimeout,
            "",
            format!(
                "the body did not arrive within {} s; send it again",
                st.body_timeout.as_secs()
            ),
        )),
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        ServiceCode::BodyTooLarge,
        "",
        format!(
            "the body is larger than {} MiB; split the day",
            MAX_BODY_BYTES / 1024 / 1024
        ),
    )
}

/// Loads a plan the caller may read: another office's plan is "not found".
pub(crate) fn readable_plan(st: &AppState, who: &Principal, id: &str) -> Result<PlanRow, ApiError> {
    who.require_office_reader()?;
    match st.engine.store.plan(id)? {
        Some(p) if p.office == who.office => Ok(p),
        _ => Err(ApiError::not_found("plan")),
    }
}

fn status_view(st: &AppState, p: PlanRow) -> PlanStatusView {
    let progress = match p.status {
        PlanStatus::Solving | PlanStatus::Queued => st.engine.progress(&p.id).or(p.progress),
        _ => None,
    };
    PlanStatusView {
        plan_id: p.id,
        status: p.status,
        version: p.version,
        created_at: rfc3339(p.created_at),
        date: p.date,
        requests: p.requests,
        squads: p.squads,
        progress,
        failure: p.failure,
        attempts: p.attempts,
        timings: p.timings,
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<usize>,
}

pub async fn list_plans(
    State(st): State<AppState>,
    who: Principal,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<PlanListItem>>, ApiError> {
    who.require_office_reader()?;
    let rows = st
        .engine
        .store
        .plans_of_office(&who.office, q.limit.unwrap_or(50).min(500))?;
    Ok(Json(
        rows.into_iter()
            .map(|p| PlanListItem {
                plan_id: p.id,
                status: p.status,
                version: p.version,
                date: p.date,
                created_at: rfc3339(p.created_at),
                requests: p.requests,
                squads: p.squads,
            })
            .collect(),
    ))
}

pub async fn plan_status(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<PlanStatusView>, ApiError> {
    let p = readable_plan(&st, &who, &id)?;
    Ok(Json(status_view(&st, p)))
}

pub(crate) fn not_ready(p: &PlanRow) -> ApiError {
    match (&p.status, &p.failure) {
        (PlanStatus::Failed, Some(f)) => ApiError::new(
            ServiceCode::PlanNotReady,
            "",
            format!("the plan failed: {f}"),
        ),
        _ => ApiError::new(
            ServiceCode::PlanNotReady,
            "",
            format!(
                "the plan is {}; poll /api/v1/plans/{}",
                p.status.as_str(),
                p.id
            ),
        ),
    }
}

pub async fn plan_result(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let p = readable_plan(&st, &who, &id)?;
    match st.engine.store.result(&id)? {
        Some((json, _)) => {
            // The ground truth (stop statuses, failed deliveries coming back) over the stored version.
            let Some(ledger) = stored_ledger(&st.engine.store, &id)? else {
                return Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response());
            };
            let mut result: PlanResult =
                serde_json::from_str(&json).map_err(|e| ApiError::internal(&e))?;
            desk::ledger::overlay(&mut result, &ledger);
            Ok(Json(result).into_response())
        }
        None => Err(not_ready(&p)),
    }
}

pub async fn plan_request(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    who.require_coordinator()?;
    readable_plan(&st, &who, &id)?;
    match st.engine.store.request_json(&id)? {
        // Read back and written again: a day stored by an older version still
        // has `null` for absent optional fields, which the schema does not allow.
        Some(json) => {
            let day: DayRequest =
                serde_json::from_str(&json).map_err(|e| ApiError::internal(&e))?;
            Ok(Json(day).into_response())
        }
        None => Err(ApiError::not_found("plan")),
    }
}

pub async fn plan_geojson(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let p = readable_plan(&st, &who, &id)?;
    match st.engine.store.result(&id)? {
        Some((_, geo)) => {
            Ok(([(header::CONTENT_TYPE, "application/geo+json")], geo).into_response())
        }
        None => Err(not_ready(&p)),
    }
}

pub async fn list_sheets(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let p = readable_plan(&st, &who, &id)?;
    if p.status != PlanStatus::Done {
        return Err(not_ready(&p));
    }
    let state = st.engine.store.sheet_state(&id)?;
    let mut squads: Vec<(&String, u32)> = state
        .iter()
        .filter(|((_, l), _)| l == "zh")
        .map(|((s, _), (v, _))| (s, *v))
        .collect();
    squads.sort();
    let list: Vec<serde_json::Value> = squads
        .into_iter()
        .map(|(s, v)| {
            serde_json::json!({
                "squad": s,
                "sheet_version": v,
                "url": format!("/api/v1/plans/{id}/sheets/{}", url_segment(s)),
                "url_en": format!("/api/v1/plans/{id}/sheets/{}?lang=en", url_segment(s)),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "plan_id": id, "sheets": list })))
}

/// Percent-encodes a path segment (squad ids are free text).
fn url_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Deserialize)]
pub struct SheetQuery {
    lang: Option<String>,
}

pub(crate) fn lang_of(q: &SheetQuery) -> Result<Lang, ApiError> {
    match q.lang.as_deref() {
        None => Ok(Lang::Zh),
        Some(l) => Lang::parse(l).ok_or_else(|| {
            ApiError::new(
                ServiceCode::InvalidParameter,
                "lang",
                "lang must be zh or en",
            )
        }),
    }
}

fn html(html: String, version: u32) -> Response {
    let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    r.headers_mut()
        .insert("x-sheet-version", HeaderValue::from(version));
    // Personal data: never kept by shared caches.
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    r
}

pub async fn sheet(
    State(st): State<AppState>,
    who: Principal,
    Path((id, squad)): Path<(String, String)>,
    Query(q): Query<SheetQuery>,
) -> Result<Response, ApiError> {
    let lang = lang_of(&q)?;
    let p = readable_plan(&st, &who, &id)?;
    match st.engine.store.sheet(&id, &squad, lang.code())? {
        Some((h, v)) => Ok(html(h, v)),
        None if p.status != PlanStatus::Done => Err(not_ready(&p)),
        None => Err(ApiError::not_found("squad")),
    }
}

/// `GET /s/<token>/sheet`: the printable sheet of a volunteer's link: the
/// newest sheet of the token's squad in its office and nothing else.
pub async fn volunteer_sheet(
    State(st): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<SheetQuery>,
) -> Result<Response, ApiError> {
    let lang = lang_of(&q)?;
    let Some((office, squad)) = volunteer_of(&st, &token) else {
        return Ok(friendly(
            StatusCode::NOT_FOUND,
            "此链接无效。请联系协调员。",
            "This link is not valid. Please call your coordinator.",
        ));
    };
    let found = st.engine.store.latest_plan_with_sheet(&office, &squad)?;
    let Some((plan, _date)) = found else {
        return Ok(friendly(
            StatusCode::NOT_FOUND,
            "还没有您小分队的路线单。请稍后再试。",
            "There is no route sheet for your squad yet. Please try again later.",
        ));
    };
    match st.engine.store.sheet(&plan, &squad, lang.code())? {
        Some((h, v)) => Ok(html(h, v)),
        None => Ok(friendly(
            StatusCode::NOT_FOUND,
            "还没有您小分队的路线单。",
            "There is no route sheet for your squad yet.",
        )),
    }
}

/// The plan's progress events as stored, replayed (`None` before the first):
/// the ground truth `GET /result` and the phone page lay over the result.
pub(crate) fn stored_ledger(
    store: &crate::store::Store,
    plan: &str,
) -> Result<Option<desk::ledger::Ledger>, ApiError> {
    let events: Vec<desk::ledger::StoredEvent> = store
        .progress_events(plan)?
        .iter()
        .filter_map(|(_, j)| serde_json::from_str(j).ok())
        .collect();
    Ok((!events.is_empty()).then(|| desk::ledger::Ledger::replay(&events)))
}

/// The office and squad of a volunteer link; `None` for any other token.
/// Links from the access file first, then those made on the console.
pub(crate) fn volunteer_of(st: &AppState, token: &str) -> Option<(String, String)> {
    match st.access.lookup(token).cloned() {
        // A link of the access file is replaced once the console made one
        // for its squad.
        Some(Principal {
            office,
            role: Role::Volunteer { squad },
        }) => {
            let replaced = st
                .engine
                .store
                .volunteer_links(&office)
                .map_or(true, |l| l.iter().any(|(q, _)| q == &squad));
            (!replaced).then_some((office, squad))
        }
        Some(_) => None,
        None if token.len() >= crate::auth::MIN_TOKEN_CHARS => {
            st.engine.store.volunteer_link(token).ok().flatten()
        }
        None => None,
    }
}

pub(crate) fn friendly(status: StatusCode, zh: &str, en: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>lastmile</title></head><body style=\"font-size:22pt;font-family:sans-serif;margin:2em\"><p>{zh}</p><p>{en}</p></body></html>"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        ServiceCode::NotFound,
        "",
        "no such endpoint; see /api/v1/openapi.json",
    )
}

/// Access log without personal data: the route template (never the URI,
/// which may hold a volunteer token), the status and the time taken.
pub async fn access_log(req: Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "(unmatched)".to_string(), |m| m.as_str().to_string());
    let t = Instant::now();
    let resp = next.run(req).await;
    tracing::info!(%method, route, status = resp.status().as_u16(), ms = t.elapsed().as_secs_f64() * 1000.0, "request");
    resp
}
