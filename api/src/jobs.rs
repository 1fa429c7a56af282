//! Solving plans off the async runtime.
//!
//! A plan is stored (queued) before it is acknowledged; then a tokio task waits
//! for one of a fixed number of solver slots (a semaphore), and the work runs
//! on the rayon pool: matrix, solve (itself parallel), assembly, sheet
//! rendering, and one transaction that stores the result and the sheets.
//! Progress is kept in memory for the status endpoint and written to the store
//! every few seconds. On start-up, plans left queued or solving are resumed
//! from their stored request (see [`crate::store::Store::startup_recovery`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use geo_data::PreparedGraphs;
use tokio::sync::Semaphore;

use crate::store::{ResultIn, SheetIn, Store, StoreError};
use dayplan::assemble::assemble;
use dayplan::convert::{snap_day, Snapped};
use dayplan::dto::*;
use dayplan::plan;
use dayplan::publish::{publish, SheetVersion};
use dayplan::sheet::Lang;

/// How often progress is written to the store (it is in memory at once).
const PROGRESS_STORE_EVERY: Duration = Duration::from_secs(3);

#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Plans solved at the same time; each uses the whole rayon pool.
    pub max_solving: usize,
    /// Plans waiting beyond this make creation answer 503 (nothing is stored then).
    pub max_queued: usize,
    /// Search threads per solve (0: the rayon pool's size).
    pub solve_threads: usize,
    /// Caps every plan's `options.budget_s` (tests and benches lower it).
    pub budget_cap: Option<Duration>,
    /// Draw the faint street pattern under each sheet's route.
    pub background_roads: bool,
    /// The street offices' time zone, for "now" at the escalation desk (China: +8 h).
    pub utc_offset_s: i64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_solving: 1,
            max_queued: 64,
            solve_threads: 0,
            budget_cap: None,
            background_roads: true,
            utc_offset_s: 8 * 3600,
        }
    }
}

pub struct Engine {
    pub store: Arc<Store>,
    pub graphs: Arc<PreparedGraphs>,
    pub config: EngineConfig,
    slots: Arc<Semaphore>,
    progress: Arc<Mutex<HashMap<String, Progress>>>,
    /// Plans accepted (or resumed) and not finished by this process.
    waiting: AtomicUsize,
    /// Set when the service stops and a running solve must end now; the plan
    /// goes back to `queued` and is solved again at the next start.
    interrupt: Arc<AtomicBool>,
    /// Warm states of plans under way (escalation desk).
    pub desk: crate::warm_cache::WarmStates,
}

impl Engine {
    pub fn new(store: Arc<Store>, graphs: Arc<PreparedGraphs>, config: EngineConfig) -> Arc<Self> {
        Arc::new(Self {
            store,
            graphs,
            slots: Arc::new(Semaphore::new(config.max_solving.max(1))),
            config,
            progress: Arc::new(Mutex::new(HashMap::new())),
            waiting: Default::default(),
            interrupt: Default::default(),
            desk: Default::default(),
        })
    }

    /// Plans accepted and not finished by this process.
    pub fn in_flight(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Takes a place in the queue if fewer than `max_queued` plans are in
    /// flight. Check and take are one atomic step, so concurrent creations
    /// never admit more than the limit; the place is given back when the
    /// [`Place`] is dropped unused (the day was refused).
    pub fn reserve(self: &Arc<Self>) -> Option<Place> {
        let max = self.config.max_queued;
        self.waiting
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()?;
        Some(Place {
            engine: Some(self.clone()),
        })
    }

    pub fn progress(&self, id: &str) -> Option<Progress> {
        self.progress.lock().ok()?.get(id).cloned()
    }

    /// Starts solving a stored plan in the place taken by [`Engine::reserve`].
    /// `snapped` is passed when the caller already snapped the day (plan
    /// creation, with the time it took in `pre`); a resumed plan snaps again.
    /// Must be called inside a tokio runtime.
    pub fn submit(
        self: &Arc<Self>,
        mut place: Place,
        plan_id: String,
        day: DayRequest,
        snapped: Option<Snapped>,
        pre: Timings,
    ) {
        // From here the task gives the place back when the plan is finished.
        place.engine = None;
        let engine = self.clone();
        tokio::spawn(async move {
            let Ok(permit) = engine.slots.clone().acquire_owned().await else {
                // The service is stopping: the plan stays queued in the store
                // and is solved at the next start.
                engine.waiting.fetch_sub(1, Ordering::SeqCst);
                return;
            };
            let (tx, rx) = tokio::sync::oneshot::channel();
            let worker = engine.clone();
            let id = plan_id.clone();
            rayon::spawn(move || {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    worker.run(&id, day, snapped, pre)
                }));
                let _ = tx.send(outcome);
            });
            let outcome = rx.await;
            drop(permit);
            let outcome = match outcome {
                Ok(Ok(r)) => r,
                Ok(Err(_)) | Err(_) => Err(RunError::Day(
                    "the planner failed unexpectedly on this day (internal error)".to_string(),
                )),
            };
            engine.settle(&plan_id, outcome);
            if let Ok(mut p) = engine.progress.lock() {
                p.remove(&plan_id);
            }
            engine.waiting.fetch_sub(1, Ordering::SeqCst);
        });
    }

    /// Records how a solve ended that did not store a result.
    fn settle(&self, plan_id: &str, outcome: Result<(), RunError>) {
        let written = match outcome {
            Ok(()) => return,
            Err(RunError::Day(reason)) => {
                tracing::warn!(plan = %plan_id, "plan failed");
                self.store.fail(plan_id, &reason)
            }
            Err(RunError::Storage(cause)) => {
                // The cause (an SQLite or I/O message) holds no personal data.
                tracing::error!(plan = %plan_id, %cause, "plan failed on a storage error; retried at the next start");
                self.store.fail_storage(plan_id, &cause)
            }
            Err(RunError::Interrupted) => {
                tracing::info!(plan = %plan_id, "solve interrupted by the stop; queued for the next start");
                self.store.requeue(plan_id)
            }
        };
        if let Err(e) = written {
            // Left `solving` in the store: the next start resumes it anyway.
            tracing::error!(plan = %plan_id, error = %e, "could not record how the plan ended");
        }
    }

    /// Stops solving for a graceful exit: plans not started stay queued in
    /// the store; running solves get `grace` to finish and store their
    /// result, then are interrupted and put back to `queued` (their stored
    /// request is the checkpoint: the next start solves them again, and the
    /// interruption does not count as a failed attempt). Returns when no
    /// solve of this process is left.
    pub async fn drain(&self, grace: Duration) {
        self.slots.close();
        let t = Instant::now();
        while self.in_flight() > 0 {
            if t.elapsed() >= grace && !self.interrupt.swap(true, Ordering::SeqCst) {
                tracing::info!(
                    running = self.in_flight(),
                    "stopping: interrupting the running solves"
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Admits a day: checked in full (errors located on the spreadsheet's
    /// rows for a CSV day), refused if it belongs to another office than
    /// `office`, snapped once, and stored (fsynced) as a queued plan. The one
    /// way in for `POST /plans` and for [`Engine::plan_now`]; what it returns
    /// goes to [`Engine::submit`] or [`Engine::run`] with its snapping.
    pub fn admit(
        &self,
        mut day: DayRequest,
        office: Option<&str>,
        parse_ms: u64,
    ) -> Result<Admitted, AdmitError> {
        let t = Instant::now();
        let source = dayplan::validate::check_day_located(&mut day).map_err(AdmitError::Invalid)?;
        if office.is_some_and(|o| o != day.street_office.id) {
            return Err(AdmitError::OtherOffice);
        }
        let parse_validate_ms = parse_ms + t.elapsed().as_millis() as u64;
        let t = Instant::now();
        let snapped = snap_day(&day, &self.graphs)
            .map_err(|errs| AdmitError::Invalid(source.locate(errs)))?;
        let snap_ms = t.elapsed().as_millis() as u64;
        let id = format!("p{:016x}", rand::random::<u64>());
        let json = serde_json::to_string(&day).map_err(|e| AdmitError::Internal(e.to_string()))?;
        self.store.insert_plan(&crate::store::NewPlan {
            id: &id,
            office: &day.street_office.id,
            date: &day.date,
            requests: day.requests.len(),
            squads: day.squads.len(),
            request_json: &json,
        })?;
        Ok(Admitted {
            id,
            day,
            snapped,
            pre: Timings {
                parse_validate_ms,
                snap_ms,
                ..Timings::default()
            },
        })
    }

    /// Plans a day on the calling thread with the same steps as the service
    /// ([`Engine::admit`], then solve, render, store) and returns the plan id.
    /// For the CLI (`lastmile demo`) and the benchmarks.
    pub fn plan_now(&self, day: DayRequest) -> Result<String, String> {
        let a = self.admit(day, None, 0).map_err(|e| e.to_string())?;
        match self.run(&a.id, a.day, Some(a.snapped), a.pre) {
            Ok(()) => Ok(a.id),
            Err(e) => {
                let reason = e.to_string();
                self.settle(&a.id, Err(e));
                Err(reason)
            }
        }
    }

    /// Resumes every plan a previous process left unfinished.
    pub fn resume_unfinished(self: &Arc<Self>) -> Result<crate::store::Recovery, StoreError> {
        let rec = self.store.startup_recovery()?;
        for id in &rec.resumed {
            let Some(json) = self.store.request_json(id)? else {
                continue;
            };
            match serde_json::from_str::<DayRequest>(&json) {
                Ok(day) => {
                    // Resumed plans were admitted before: they take a place whatever the limit.
                    self.waiting.fetch_add(1, Ordering::SeqCst);
                    let place = Place {
                        engine: Some(self.clone()),
                    };
                    self.submit(place, id.clone(), day, None, Timings::default());
                }
                Err(e) => self.store.fail(
                    id,
                    &format!("the stored request could not be read back: {e}"),
                )?,
            }
        }
        if !rec.resumed.is_empty() || !rec.failed.is_empty() {
            tracing::info!(
                resumed = rec.resumed.len(),
                failed = rec.failed.len(),
                "recovered unfinished plans"
            );
        }
        Ok(rec)
    }

    /// The whole pipeline for one plan, on a rayon thread. Errors are reasons for the coordinator.
    fn run(
        &self,
        id: &str,
        day: DayRequest,
        snapped: Option<Snapped>,
        pre: Timings,
    ) -> Result<(), RunError> {
        let store_err = |e: StoreError| RunError::Storage(e.to_string());
        let attempt = self.store.start_attempt(id).map_err(store_err)?;
        tracing::info!(
            plan = id,
            attempt,
            requests = day.requests.len(),
            squads = day.squads.len(),
            "solving"
        );
        let mut timings = pre;
        let snapped = match snapped {
            Some(s) => s,
            None => {
                let t = Instant::now();
                let s = snap_day(&day, &self.graphs).map_err(|errs| {
                    RunError::Day(format!(
                        "the day no longer fits the loaded map: {} ({})",
                        errs[0].message, errs[0].path
                    ))
                })?;
                timings.snap_ms = t.elapsed().as_millis() as u64;
                s
            }
        };
        let mut budget = Duration::from_secs(day.options.budget_s as u64);
        if let Some(cap) = self.config.budget_cap {
            budget = budget.min(cap);
        }
        let budget_s = budget.as_secs_f64().ceil() as u32;
        let progress_cb = self.progress_reporter(id, budget_s);
        let budget = plan::Budget {
            time: budget,
            threads: self.config.solve_threads,
            cancel: Some(self.interrupt.clone()),
            progress: Some(Arc::new(progress_cb)),
        };
        let t = Instant::now();
        // On a lockdown day the planner adds the vans' gate drops to the
        // day: the day stored with the result is the day as planned.
        let planned = dayplan::plan_day(&day, snapped, &self.graphs, &budget)
            .map_err(|e| RunError::Day(e.to_string()))?;
        let dayplan::Planned {
            day: planned_day,
            snapped,
            problem,
            solution,
            matrix_ms,
            echelons,
            day_changed,
        } = planned;
        timings.matrix_ms = matrix_ms;
        timings.solve_ms = (t.elapsed().as_millis() as u64).saturating_sub(matrix_ms);
        if let Some(e) = &echelons {
            tracing::info!(
                plan = id,
                parcels = e.parcels,
                drops = e.drops,
                rounds = e.rounds,
                unserved_drops = e.unserved_drops,
                "two echelons"
            );
        }
        let day = planned_day;
        if self.interrupt.load(Ordering::SeqCst) {
            // Cut short by the stop: not the plan the day's budget promised.
            return Err(RunError::Interrupted);
        }

        let t = Instant::now();
        let (result, sheets, geojson) = self
            .render(id, &day, &problem, &solution, &snapped)
            .map_err(store_err)?;
        timings.render_ms = t.elapsed().as_millis() as u64;
        let t = Instant::now();
        let based_on = result.version - 1;
        let mut stored = ResultIn {
            result_json: String::new(),
            geojson,
            sheets,
            timings: timings.clone(),
        };
        let mut result = result;
        // The store time is known only after the write; the stored JSON carries the rest.
        result.timings = timings.clone();
        stored.result_json =
            serde_json::to_string(&result).map_err(|e| RunError::Day(e.to_string()))?;
        let day_json = if day_changed {
            Some(serde_json::to_string(&day).map_err(|e| RunError::Day(e.to_string()))?)
        } else {
            None
        };
        let version = self
            .store
            .store_result(
                id,
                based_on,
                &stored,
                day_json.as_deref().map(|j| (j, day.requests.len())),
            )
            .map_err(store_err)?;
        timings.store_ms = t.elapsed().as_millis() as u64;
        // The status endpoint shows the store time too; the result JSON was written before it was known.
        self.store.set_timings(id, &timings).map_err(store_err)?;
        tracing::info!(
            plan = id,
            routed = result.summary.routed,
            unserved = result.summary.unserved,
            snap_ms = timings.snap_ms,
            matrix_ms = timings.matrix_ms,
            solve_ms = timings.solve_ms,
            render_ms = timings.render_ms,
            store_ms = timings.store_ms,
            "plan done"
        );
        // The desk starts warm: the problem and its matrices are already here.
        let office = day.street_office.id.clone();
        self.desk.seed(
            desk::DeskState::new(id, &office, version, day, snapped, problem, &solution),
            &self.graphs,
        );
        Ok(())
    }

    /// What a solve calls about four times a second: the status endpoint's
    /// view kept in memory at once, and written to the store every few
    /// seconds (a restart shows where the solve was).
    fn progress_reporter(&self, id: &str, budget_s: u32) -> impl Fn(plan::Progress) + Send + Sync {
        let id = id.to_string();
        let store = self.store.clone();
        let map = self.progress.clone();
        let last_store = Mutex::new(Instant::now() - PROGRESS_STORE_EVERY);
        move |p: plan::Progress| {
            let view = Progress {
                iterations: p.iterations,
                elapsed_s: (p.elapsed.as_millis() as f64) / 1000.0,
                budget_s,
                budget_used: (p.budget_used * 1000.0).round() / 1000.0,
                best_cost: p.best.map(|b| b.cost),
                unserved_so_far: p.best.map(|b| b.unassigned),
            };
            if let Ok(mut m) = map.lock() {
                m.insert(id.clone(), view.clone());
            }
            if let Ok(mut last) = last_store.lock() {
                if last.elapsed() >= PROGRESS_STORE_EVERY {
                    *last = Instant::now();
                    let _ = store.set_progress(&id, &view);
                }
            }
        }
    }

    /// Assembles the result and renders the sheets whose route changed since
    /// the stored version (all of them for a new plan).
    fn render(
        &self,
        id: &str,
        day: &DayRequest,
        problem: &plan::Problem,
        solution: &plan::Solution,
        snapped: &Snapped,
    ) -> Result<(PlanResult, Vec<SheetIn>, String), StoreError> {
        let current = self.store.plan(id)?.map_or(0, |p| p.version);
        let state = self.store.sheet_state(id)?;
        let a = assemble(
            id,
            current + 1,
            day,
            problem,
            solution,
            snapped,
            &self.graphs,
            self.config.background_roads,
        );
        let p = publish(a, day, |sheet, hash| {
            match state.get(&(sheet.squad_id.clone(), Lang::Zh.code().to_string())) {
                Some((v, h)) if h == hash => SheetVersion {
                    version: *v,
                    changed: false,
                    render: false,
                },
                Some((v, _)) => SheetVersion {
                    version: v + 1,
                    changed: true,
                    render: true,
                },
                None => SheetVersion {
                    version: 1,
                    changed: false,
                    render: true,
                },
            }
        });
        let sheets = p.sheets.into_iter().map(SheetIn::from).collect();
        Ok((p.result, sheets, p.geojson))
    }
}

/// A day admitted: stored as queued, snapped, with the time that took.
pub struct Admitted {
    pub id: String,
    pub day: DayRequest,
    pub snapped: Snapped,
    pub pre: Timings,
}

/// Why a day was not admitted (nothing was stored).
#[derive(Debug, thiserror::Error)]
pub enum AdmitError {
    /// Every mistake found, located on the JSON path or spreadsheet row.
    #[error("{}", .0.iter().take(5).map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<dayplan::FieldError>),
    /// The day is another street office's.
    #[error("this token belongs to another street office")]
    OtherOffice,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

/// How a solve ended without a result: the cases are handled differently.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Something about the day itself (it no longer fits the map, it cannot
    /// be modelled, the planner failed on it): `failed` for good, with this
    /// reason for the coordinator.
    #[error("{0}")]
    Day(String),
    /// The store could not be written (disk full, I/O error): nothing is
    /// wrong with the day, so the plan is retried at the next start.
    #[error("storage error: {0}")]
    Storage(String),
    /// The service stopped during the solve: the plan goes back to `queued`.
    #[error("the service stopped during the solve")]
    Interrupted,
}

/// A place in the queue of plans (see [`Engine::reserve`]); given back on
/// drop unless [`Engine::submit`] used it.
pub struct Place {
    engine: Option<Arc<Engine>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Some(e) = self.engine.take() {
            e.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
