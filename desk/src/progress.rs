//! Progress from the ground: an event recorded on the state, and the view of
//! where every squad stands.

use std::collections::HashSet;

use dayplan::dto::*;
use solver::problem::Time;
use solver::solution::ActivityKind;

use crate::error::{Code, DeskError, ErrorCode};
use crate::ledger::{Ledger, StoredEvent};
use crate::schedule::is_door;
use crate::state::DeskState;

/// One event recorded on the state; `stored` is what the caller keeps (the
/// ledger is rebuilt from these events when the state is restored).
pub struct Recorded {
    /// `None` for an event already recorded (same `event_id`): nothing to store.
    pub stored: Option<String>,
    pub view: SquadProgressView,
}

/// Records one event of `squad`: checked against the routes and applied; an
/// event without a time happened at `now`. The caller stores
/// [`Recorded::stored`] and drops the state if that fails.
pub fn record_progress(
    st: &mut DeskState,
    squad: &str,
    mut ev: ProgressIn,
    now: Time,
) -> Result<Recorded, DeskError> {
    if let Some(id) = &ev.event_id {
        if id.is_empty()
            || id.len() > 64
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(DeskError::new(
                ErrorCode::InvalidValue,
                "event_id",
                "1 to 64 letters, digits, '-' or '_'",
            ));
        }
        // Sent again (the answer was lost): answered as recorded, not applied.
        if st.ledger.event_ids.contains(id) {
            if let Some(&k) = st.squad_of.get(squad) {
                let mut view = squad_view(st, k);
                view.duplicate = true;
                return Ok(Recorded { stored: None, view });
            }
        }
    }
    if st.is_closed() {
        return Err(DeskError::new(
            Code::PlanFinished,
            "",
            "every squad has finished: the day is over",
        ));
    }
    if !st.squad_of.contains_key(squad) {
        return Err(DeskError::new(
            Code::NotFound,
            "squad",
            format!("no squad {squad:?} in this plan"),
        ));
    }
    let at = ev.at.map_or(now, Clock::seconds);
    ev.at = Some(Clock(at.max(0) as u32));
    if ev.retry_after.is_some() && ev.retry.is_some_and(|r| r != RetryWhen::Today) {
        return Err(DeskError::new(
            ErrorCode::InvalidValue,
            "retry_after",
            "retry_after goes with retry: today",
        ));
    }
    let stored = StoredEvent {
        squad: squad.to_string(),
        event: ev,
    };
    let json = serde_json::to_string(&stored).map_err(|e| DeskError::internal(&e))?;
    st.apply_event(&stored)?;
    let k = st.squad_of[squad];
    Ok(Recorded {
        stored: Some(json),
        view: squad_view(st, k),
    })
}

fn squad_view(st: &DeskState, k: usize) -> SquadProgressView {
    let s = &st.day.squads[k];
    let l = st.ledger.squads.get(&s.id);
    let doors = |a: &&ActivityKind| is_door(**a);
    let route = &st.routes[k];
    let locked = st.locked[k];
    let req = |a: &ActivityKind| a.job().map(|j| st.day.requests[j.get()].id.clone());
    SquadProgressView {
        squad: s.id.clone(),
        state: match l {
            Some(l) if l.finished_at.is_some() => "finished",
            Some(l) if l.started_at.is_some() => "under_way",
            _ => "not_started",
        }
        .into(),
        started_at: l.and_then(|l| l.started_at).map(Clock::format),
        finished_at: l.and_then(|l| l.finished_at).map(Clock::format),
        done: route[..locked].iter().filter(doors).count(),
        stops: route.iter().filter(doors).count(),
        last_done: l.and_then(|l| l.done_order.last().cloned()),
        in_progress: (st.started(k).is_some() && st.finished(k).is_none())
            .then(|| route.get(locked).and_then(req))
            .flatten(),
        position: l
            .and_then(|l| l.position)
            .map(|(lat, lon, at)| PositionView {
                lat,
                lon,
                at: Clock::format(at),
            }),
        duplicate: false,
    }
}

/// Where every squad stands and what is pending (`GET /progress`).
pub fn progress_view(st: &DeskState) -> ProgressView {
    let routed: HashSet<&str> = st
        .routes
        .iter()
        .flatten()
        .filter_map(|a| a.job())
        .map(|j| st.day.requests[j.get()].id.as_str())
        .collect();
    ProgressView {
        plan_id: st.plan_id.clone(),
        plan_version: st.version,
        squads: (0..st.day.squads.len())
            .map(|k| squad_view(st, k))
            .collect(),
        pending: pending_views(&st.ledger, &|id| routed.contains(id)),
    }
}

fn pending_views(l: &Ledger, routed: &dyn Fn(&str) -> bool) -> Vec<PendingView> {
    l.open_pending(routed)
        .into_iter()
        .map(|p| PendingView {
            request: p.id.clone(),
            retry_of: p.is_retry.then(|| p.of.clone()),
            when: p.when,
            after: p.after.map(Clock::format),
            reason: p.reason.clone(),
        })
        .collect()
}
