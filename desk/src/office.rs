//! A street office without a database, for the desk's own tests: plans a day
//! the way the service does (checked, snapped once, solved, published), keeps
//! the last published result and sheet versions in memory, and calls the
//! desk's entry points the way the service does (the change published, then
//! confirmed). Its functions take the names of the service's so the tests
//! read like a desk's day.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dayplan::assemble::assemble;
use dayplan::convert::snap_day;
use dayplan::dto::*;
use dayplan::publish::{publish, SheetVersion};
use geo_data::PreparedGraphs;

use crate::{Change, DeskError, DeskState, Env};

/// The clock when a question names no `now`: tests always name one.
const CLOCK: i64 = 8 * 3600;

pub(crate) struct Office {
    pub graphs: Arc<PreparedGraphs>,
    plans: Mutex<HashMap<String, Plan>>,
}

struct Plan {
    st: Arc<Mutex<DeskState>>,
    /// The last published result, as `/result` shows it.
    result: PlanResult,
    sheet_versions: HashMap<String, u32>,
}

/// A plan as the caller knows it: its id and the version it last saw.
pub(crate) struct Row {
    pub id: String,
    pub version: u32,
}

impl Office {
    pub fn new(graphs: Arc<PreparedGraphs>) -> Arc<Office> {
        Arc::new(Office {
            graphs,
            plans: Mutex::new(HashMap::new()),
        })
    }

    fn env(&self) -> Env<'_> {
        Env {
            graphs: &self.graphs,
            background_roads: true,
            solve_threads: 1,
        }
    }

    /// Plans a day (1 s of search on one thread) and keeps its state warm.
    pub fn plan_now(&self, mut day: DayRequest) -> Result<String, String> {
        dayplan::validate::check_day(&mut day).map_err(|e| format!("{e:?}"))?;
        let snapped = snap_day(&day, &self.graphs).map_err(|e| format!("{e:?}"))?;
        // The service's planner (two echelons on a lockdown day), 1 s on one
        // thread as the service's test configuration.
        let planned = dayplan::plan_day(
            &day,
            snapped,
            &self.graphs,
            &dayplan::plan::Budget {
                time: Duration::from_secs(1),
                threads: 1,
                ..Default::default()
            },
        )
        .map_err(|e| e.to_string())?;
        let dayplan::Planned {
            day,
            snapped,
            problem,
            solution,
            ..
        } = planned;
        let id = format!("p{:016x}", rand::random::<u64>());
        let a = assemble(
            &id,
            1,
            &day,
            &problem,
            &solution,
            &snapped,
            &self.graphs,
            false,
        );
        let p = publish(a, &day, |_, _| SheetVersion {
            version: 1,
            changed: false,
            render: false,
        });
        let sheet_versions = day.squads.iter().map(|s| (s.id.clone(), 1)).collect();
        let office = day.street_office.id.clone();
        let mut st = DeskState::new(&id, &office, 1, day, snapped, problem, &solution);
        crate::restore::warm(&mut st, &self.graphs);
        self.plans.lock().unwrap().insert(
            id.clone(),
            Plan {
                st: Arc::new(Mutex::new(st)),
                result: p.result,
                sheet_versions,
            },
        );
        Ok(id)
    }

    /// Publishes a change the way the service stores it.
    fn keep(&self, id: &str, st: &mut DeskState, change: Change) -> u32 {
        let mut plans = self.plans.lock().unwrap();
        let plan = plans.get_mut(id).unwrap();
        plan.result = change.publication.result.clone();
        for s in &change.publication.sheets {
            plan.sheet_versions.insert(s.squad.clone(), s.sheet_version);
        }
        let v = change.based_on + 1;
        st.confirm(change, v);
        v
    }

    fn versions(&self, id: &str) -> HashMap<String, u32> {
        self.plans.lock().unwrap()[id].sheet_versions.clone()
    }

    /// What `/result` shows.
    pub fn stored(&self, id: &str) -> PlanResult {
        self.plans.lock().unwrap()[id].result.clone()
    }
}

pub(crate) fn row(o: &Office, id: &str) -> Row {
    let arc = warm_state(
        o,
        &Row {
            id: id.into(),
            version: 0,
        },
    )
    .unwrap();
    let version = arc.lock().unwrap().version;
    Row {
        id: id.into(),
        version,
    }
}

pub(crate) fn warm_state(o: &Office, row: &Row) -> Result<Arc<Mutex<DeskState>>, DeskError> {
    Ok(o.plans.lock().unwrap()[&row.id].st.clone())
}

pub(crate) fn record_progress(
    o: &Office,
    row: &Row,
    squad: &str,
    ev: ProgressIn,
) -> Result<SquadProgressView, DeskError> {
    let arc = warm_state(o, row)?;
    let mut st = arc.lock().unwrap();
    Ok(crate::record_progress(&mut st, squad, ev, CLOCK)?.view)
}

pub(crate) fn options(o: &Office, row: &Row, input: &UrgentIn) -> Result<OptionsView, DeskError> {
    let arc = warm_state(o, row)?;
    let mut st = arc.lock().unwrap();
    crate::options(&mut st, input, CLOCK, o.env())
}

pub(crate) fn commit(o: &Office, row: &Row, c: &CommitIn) -> Result<CommitView, DeskError> {
    let arc = warm_state(o, row)?;
    let mut st = arc.lock().unwrap();
    let (mut view, change) = crate::commit(&mut st, c, CLOCK, o.env(), &o.versions(&row.id))?;
    view.plan_version = o.keep(&row.id, &mut st, change);
    Ok(view)
}

pub(crate) fn replan(o: &Office, row: &Row, input: &ReplanIn) -> Result<ReplanView, DeskError> {
    let arc = warm_state(o, row)?;
    let mut st = arc.lock().unwrap();
    let (mut view, change) = crate::replan(&mut st, input, CLOCK, o.env(), &o.versions(&row.id))?;
    if let Some(change) = change {
        view.plan_version = o.keep(&row.id, &mut st, change);
    }
    Ok(view)
}
