//! The service side of the escalation desk: the warm [`DeskState`]s of plans
//! under way (a small cache), the clock, and storage around the desk's plain
//! functions. Every change is stored first; a state whose write failed (or
//! whose change failed half-way) is dropped and rebuilt from the store by the
//! next question.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use dayplan::dto::*;
use dayplan::plan::Time;
use desk::{Change, DeskState, Env};

use crate::error::{ApiError, ServiceCode};
use crate::jobs::Engine;
use crate::store::{PlanRow, ResultIn, SheetIn};

/// Time of day now on the service's clock, in the street office's time zone.
pub fn clock_now(engine: &Engine) -> Time {
    (crate::store::now_unix() + engine.config.utc_offset_s).rem_euclid(86_400)
}

fn env(engine: &Engine) -> Env<'_> {
    Env {
        graphs: &engine.graphs,
        background_roads: engine.config.background_roads,
        solve_threads: engine.config.solve_threads,
    }
}

/// The warm state of a finished plan, restored from the store if needed.
pub fn warm_state(engine: &Engine, plan: &PlanRow) -> Result<Arc<Mutex<DeskState>>, ApiError> {
    if let Some(s) = engine.desk.get(&plan.id) {
        return Ok(s);
    }
    let day_json = engine
        .store
        .request_json(&plan.id)?
        .ok_or_else(|| ApiError::not_found("plan"))?;
    let day: DayRequest = serde_json::from_str(&day_json).map_err(|e| ApiError::internal(&e))?;
    let (result_json, _) = engine.store.result(&plan.id)?.ok_or_else(|| {
        ApiError::new(ServiceCode::PlanNotReady, "", "the plan has no result yet")
    })?;
    let result: PlanResult =
        serde_json::from_str(&result_json).map_err(|e| ApiError::internal(&e))?;
    let events: Vec<String> = engine
        .store
        .progress_events(&plan.id)?
        .into_iter()
        .map(|(_squad, json)| json)
        .collect();
    let st = desk::restore(
        desk::restore::Stored {
            plan_id: &plan.id,
            office: &plan.office,
            version: plan.version,
            day,
            result: &result,
            events: &events,
        },
        &engine.graphs,
    )?;
    Ok(engine.desk.put(st))
}

fn lock(st: &Arc<Mutex<DeskState>>) -> Result<MutexGuard<'_, DeskState>, ApiError> {
    st.lock()
        .map_err(|_| ApiError::internal(&"desk state lock poisoned"))
}

/// Runs `f` on the plan's warm state; an error that left the state half-changed drops it.
fn with_state<T>(
    engine: &Engine,
    plan: &PlanRow,
    f: impl FnOnce(&mut DeskState) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let arc = warm_state(engine, plan)?;
    let mut st = lock(&arc)?;
    let out = f(&mut st);
    if out.is_err() && st.needs_rebuild() {
        drop(st);
        engine.desk.evict(&plan.id);
    }
    out
}

/// Each squad's current sheet version, as stored.
fn sheet_versions(engine: &Engine, plan: &str) -> Result<HashMap<String, u32>, ApiError> {
    Ok(engine
        .store
        .sheet_state(plan)?
        .into_iter()
        .filter(|((_, lang), _)| lang == "zh")
        .map(|((squad, _), (v, _))| (squad, v))
        .collect())
}

/// Stores a change as the next plan version and confirms it on the state;
/// when the write fails the state (which holds the change) is marked for a
/// rebuild from the store.
fn store_change(engine: &Engine, st: &mut DeskState, change: Change) -> Result<u32, ApiError> {
    let p = &change.publication;
    let stored = (|| {
        let result_json = serde_json::to_string(&p.result).map_err(|e| ApiError::internal(&e))?;
        let sheets = p.sheets.iter().cloned().map(SheetIn::from).collect();
        let v = engine.store.store_desk_result(
            st.plan_id(),
            change.based_on,
            &ResultIn {
                result_json,
                geojson: p.geojson.clone(),
                sheets,
                timings: Timings::default(),
            },
            change
                .day_json
                .as_deref()
                .map(|j| (j, st.day().requests.len())),
        )?;
        Ok(v)
    })();
    match stored {
        Ok(v) => {
            st.confirm(change, v);
            Ok(v)
        }
        Err(e) => {
            st.mark_for_rebuild();
            Err(e)
        }
    }
}

/// Records one progress event (stored, then kept).
pub fn record_progress(
    engine: &Engine,
    plan: &PlanRow,
    squad: &str,
    ev: ProgressIn,
) -> Result<SquadProgressView, ApiError> {
    let now = clock_now(engine);
    with_state(engine, plan, |st| {
        let rec = desk::record_progress(st, squad, ev, now)?;
        if let Some(stored) = &rec.stored {
            if let Err(e) = engine.store.add_progress(&plan.id, squad, stored) {
                st.mark_for_rebuild();
                return Err(e.into());
            }
        }
        Ok(rec.view)
    })
}

pub fn progress_view(engine: &Engine, plan: &PlanRow) -> Result<ProgressView, ApiError> {
    with_state(engine, plan, |st| Ok(desk::progress_view(st)))
}

pub fn options(engine: &Engine, plan: &PlanRow, input: &UrgentIn) -> Result<OptionsView, ApiError> {
    let now = clock_now(engine);
    with_state(engine, plan, |st| {
        Ok(desk::options(st, input, now, env(engine))?)
    })
}

pub fn commit(engine: &Engine, plan: &PlanRow, input: &CommitIn) -> Result<CommitView, ApiError> {
    let now = clock_now(engine);
    let versions = sheet_versions(engine, &plan.id)?;
    with_state(engine, plan, |st| {
        let (mut view, change) = desk::commit(st, input, now, env(engine), &versions)?;
        view.plan_version = store_change(engine, st, change)?;
        Ok(view)
    })
}

pub fn replan(engine: &Engine, plan: &PlanRow, input: &ReplanIn) -> Result<ReplanView, ApiError> {
    let now = clock_now(engine);
    let versions = sheet_versions(engine, &plan.id)?;
    with_state(engine, plan, |st| {
        let (mut view, change) = desk::replan(st, input, now, env(engine), &versions)?;
        if let Some(change) = change {
            view.plan_version = store_change(engine, st, change)?;
        }
        Ok(view)
    })
}
