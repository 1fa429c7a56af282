//! HTTP handlers of the escalation desk: progress from the ground, urgent
//! orders (options, commit), re-planning. Thin: parse, check access, run the
//! work off the async threads, answer.
//!
//! Who may do what: coordinators and desks everything of their office; a
//! volunteer's token may record progress for its own squad only (the
//! volunteer is the one at the door), nothing else.

use axum::extract::{Request, State};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, ServiceCode};
use crate::extract::ApiPath as Path;
use crate::routes::{not_ready, readable_plan};
use crate::store::PlanRow;
use crate::AppState;
use dayplan::dto::*;

/// Desk bodies are small; a megabyte is plenty for one request with notes.
const MAX_DESK_BODY: usize = 1024 * 1024;

pub(crate) async fn body_json<T: DeserializeOwned>(
    st: &AppState,
    req: Request,
) -> Result<T, ApiError> {
    crate::routes::require_json(&req, "send JSON with Content-Type: application/json")?;
    let body = crate::routes::read_body(st, req, MAX_DESK_BODY, || {
        ApiError::new(
            ServiceCode::BodyTooLarge,
            "",
            "the body is larger than 1 MiB",
        )
    })
    .await?;
    dayplan::validate::parse_json::<T>(&body).map_err(|e| ApiError::many(vec![e]))
}

fn done_plan(st: &AppState, who: &Principal, id: &str) -> Result<PlanRow, ApiError> {
    let p = readable_plan(st, who, id)?;
    if p.status != PlanStatus::Done {
        return Err(not_ready(&p));
    }
    Ok(p)
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(&e))?
}

/// `POST /api/v1/plans/{id}/squads/{squad}/progress`.
pub async fn record_progress(
    State(st): State<AppState>,
    who: Principal,
    Path((id, squad)): Path<(String, String)>,
    req: Request,
) -> Result<Json<SquadProgressView>, ApiError> {
    // A volunteer records its own squad's progress, in its own office.
    let as_reader = match &who.role {
        Role::Volunteer { squad: own } if *own == squad => Principal {
            office: who.office.clone(),
            role: Role::Desk,
        },
        Role::Volunteer { .. } => {
            return Err(ApiError::forbidden(
                "a volunteer link records its own squad's progress only",
            ))
        }
        _ => who.clone(),
    };
    let ev: ProgressIn = body_json(&st, req).await?;
    let plan = done_plan(&st, &as_reader, &id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || crate::warm::record_progress(&engine, &plan, &squad, ev)).await?,
    ))
}

/// `GET /api/v1/plans/{id}/progress`.
pub async fn progress(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<ProgressView>, ApiError> {
    let plan = done_plan(&st, &who, &id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || crate::warm::progress_view(&engine, &plan)).await?,
    ))
}

/// `POST /api/v1/plans/{id}/urgent/options`.
pub async fn urgent_options(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    req: Request,
) -> Result<Json<OptionsView>, ApiError> {
    let input: UrgentIn = body_json(&st, req).await?;
    let plan = done_plan(&st, &who, &id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || crate::warm::options(&engine, &plan, &input)).await?,
    ))
}

/// `POST /api/v1/plans/{id}/urgent/commit`.
pub async fn urgent_commit(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    req: Request,
) -> Result<Json<CommitView>, ApiError> {
    let input: CommitIn = body_json(&st, req).await?;
    let plan = done_plan(&st, &who, &id)?;
    let engine = st.engine.clone();
    let view = blocking(move || crate::warm::commit(&engine, &plan, &input)).await?;
    tracing::info!(plan = %view.plan_id, version = view.plan_version, "urgent order committed");
    Ok(Json(view))
}

/// `POST /api/v1/plans/{id}/replan`.
pub async fn replan(
    State(st): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    req: Request,
) -> Result<Json<ReplanView>, ApiError> {
    let input: ReplanIn = body_json(&st, req).await?;
    let plan = done_plan(&st, &who, &id)?;
    let engine = st.engine.clone();
    Ok(Json(
        blocking(move || crate::warm::replan(&engine, &plan, &input)).await?,
    ))
}
