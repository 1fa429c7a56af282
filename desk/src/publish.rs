//! What a change at the desk hands to storage, and what the state learns
//! once it is stored.
//!
//! The desk never writes anywhere itself: a commit or a re-plan changes the
//! warm state and returns a [`Change`] (the next plan version's result,
//! GeoJSON and the sheets of the squads it touched). The caller stores it in
//! one transaction and then calls [`DeskState::confirm`]; when the write
//! fails the caller drops the state (it holds the change) and rebuilds it
//! from what was stored.

use std::collections::HashMap;

use dayplan::assemble::assemble;
use dayplan::publish::{publish, Publication, SheetVersion};
use solver::problem::Time;
use solver::solution::Route;

use crate::ledger;
use crate::state::DeskState;
use crate::Env;

/// A change ready to be stored as version `based_on + 1`.
#[derive(Debug)]
pub struct Change {
    pub based_on: u32,
    pub publication: Publication,
    /// The day with the requests it gained (an urgent order), when it changed.
    pub day_json: Option<String>,
    /// The sheet version of the first squad it changed.
    pub first_sheet_version: u32,
    /// What every squad's sheet shows after the change (see [`DeskState::printed`]).
    printed: Vec<Option<Route>>,
}

/// The state as the next plan version: the result (with the ground truth
/// over it), GeoJSON, and new sheets for `changed` squads only; every other
/// sheet keeps its version (`sheet_versions`, by squad id) and its stored
/// bytes.
pub(crate) fn change(
    st: &DeskState,
    changed: &[usize],
    now: Time,
    day_changed: bool,
    sheet_versions: &HashMap<String, u32>,
    env: Env<'_>,
) -> Result<Change, crate::DeskError> {
    let sol = st.solution_to_publish(now, changed);
    let mut a = assemble(
        &st.plan_id,
        st.version + 1,
        &st.day,
        &st.problem,
        &sol,
        &st.snapped,
        env.graphs,
        env.background_roads,
    );
    ledger::overlay(&mut a.result, &st.ledger);
    let changed_ids: Vec<&str> = changed
        .iter()
        .map(|&k| st.day.squads[k].id.as_str())
        .collect();
    let mut first_sheet_version = 0;
    let publication = publish(a, &st.day, |sheet, _hash| {
        let old = sheet_versions.get(&sheet.squad_id).copied();
        if changed_ids.contains(&sheet.squad_id.as_str()) {
            let version = old.map_or(1, |v| v + 1);
            if first_sheet_version == 0 || sheet.squad_id == changed_ids[0] {
                first_sheet_version = version;
            }
            SheetVersion {
                version,
                changed: true,
                render: true,
            }
        } else {
            SheetVersion {
                version: old.unwrap_or(0),
                changed: sheet.changed,
                render: false,
            }
        }
    });
    let day_json = if day_changed {
        Some(serde_json::to_string(&st.day).map_err(|e| crate::DeskError::internal(&e))?)
    } else {
        None
    };
    let mut printed = vec![None; st.routes.len()];
    for r in sol.routes {
        let k = r.vehicle.get();
        printed[k] = Some(r);
    }
    Ok(Change {
        based_on: st.version,
        publication,
        day_json,
        first_sheet_version,
        printed,
    })
}

impl DeskState {
    /// The change was stored as plan version `version`: what `/result` shows
    /// now is what the next change keeps for every squad nothing touches.
    pub fn confirm(&mut self, change: Change, version: u32) {
        self.version = version;
        self.printed = change.printed;
    }
}
