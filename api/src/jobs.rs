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
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use geo_data::PreparedGraphs;
use tokio::sync::Semaphore;

use crate::assemble::assemble;
use crate::convert::{build_problem, matrices, request_point, snap_day, Snapped};
use crate::dto::*;
use crate::geojson::{plan_geojson, RouteGeometry};
use crate::sheet::{render, Lang};
use crate::store::{ResultIn, SheetIn, Store, StoreError};

/// The languages every sheet is rendered in when a plan finishes, so a GET is
/// a plain read.
pub const LANGS: [Lang; 2] = [Lang::Zh, Lang::En];

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
    waiting: std::sync::atomic::AtomicUsize,
    /// Warm states of plans under way (escalation desk).
    pub desk: crate::desk::Desk,
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
            desk: Default::default(),
        })
    }

    /// Plans accepted and not finished by this process.
    pub fn in_flight(&self) -> usize {
        self.waiting.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn progress(&self, id: &str) -> Option<Progress> {
        self.progress.lock().ok()?.get(id).cloned()
    }

    /// Starts solving a stored plan. `snapped` is passed when the caller
    /// already snapped the day (plan creation, with the time it took in `pre`);
    /// a resumed plan snaps again.
    /// Must be called inside a tokio runtime.
    pub fn submit(
        self: &Arc<Self>,
        plan_id: String,
        day: DayRequest,
        snapped: Option<Snapped>,
        pre: Timings,
    ) {
        self.waiting
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let engine = self.clone();
        tokio::spawn(async move {
            let permit = engine.slots.clone().acquire_owned().await;
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
            let failure = match outcome {
                Ok(Ok(Ok(()))) => None,
                Ok(Ok(Err(e))) => Some(e),
                Ok(Err(_)) | Err(_) => {
                    Some("the planner failed unexpectedly on this day (internal error)".to_string())
                }
            };
            if let Some(reason) = failure {
                tracing::warn!(plan = %plan_id, "plan failed");
                if let Err(e) = engine.store.fail(&plan_id, &reason) {
                    tracing::error!(plan = %plan_id, error = %e, "could not mark plan failed");
                }
            }
            if let Ok(mut p) = engine.progress.lock() {
                p.remove(&plan_id);
            }
            engine
                .waiting
                .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        });
    }

    /// Plans a day on the calling thread with the same steps as the service
    /// (check, snap, store, solve, render, store) and returns the plan id.
    /// For the CLI (`lastmile demo`) and the benchmarks.
    pub fn plan_now(&self, mut day: DayRequest) -> Result<String, String> {
        let show = |errs: Vec<crate::error::FieldError>| {
            errs.iter()
                .take(5)
                .map(|e| format!("{}: {}", e.path, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let t = Instant::now();
        let source = crate::validate::check_day_located(&mut day).map_err(show)?;
        let parse_validate_ms = t.elapsed().as_millis() as u64;
        let t = Instant::now();
        let snapped = snap_day(&day, &self.graphs).map_err(|errs| show(source.locate(errs)))?;
        let snap_ms = t.elapsed().as_millis() as u64;
        let id = format!("p{:016x}", rand::random::<u64>());
        let json = serde_json::to_string(&day).map_err(|e| e.to_string())?;
        self.store
            .insert_plan(&crate::store::NewPlan {
                id: &id,
                office: &day.street_office.id,
                date: &day.date,
                requests: day.requests.len(),
                squads: day.squads.len(),
                request_json: &json,
            })
            .map_err(|e| e.to_string())?;
        let pre = Timings {
            parse_validate_ms,
            snap_ms,
            ..Timings::default()
        };
        match self.run(&id, day, Some(snapped), pre) {
            Ok(()) => Ok(id),
            Err(reason) => {
                let _ = self.store.fail(&id, &reason);
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
                Ok(day) => self.submit(id.clone(), day, None, Timings::default()),
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
    ) -> Result<(), String> {
        let store_err = |e: StoreError| format!("storage error: {e}");
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
                    format!(
                        "the day no longer fits the loaded map: {} ({})",
                        errs[0].message, errs[0].path
                    )
                })?;
                timings.snap_ms = t.elapsed().as_millis() as u64;
                s
            }
        };
        let t = Instant::now();
        let m = matrices(&snapped, &self.graphs);
        timings.matrix_ms = t.elapsed().as_millis() as u64;
        let problem = build_problem(&day, &snapped, m)
            .map_err(|e| format!("the day could not be modelled: {e}"))?;

        let mut budget = Duration::from_secs(day.options.budget_s as u64);
        if let Some(cap) = self.config.budget_cap {
            budget = budget.min(cap);
        }
        let budget_s = budget.as_secs_f64().ceil() as u32;
        let progress_cb = {
            let id = id.to_string();
            let store = self.store.clone();
            let map = self.progress.clone();
            let last_store = Mutex::new(Instant::now() - PROGRESS_STORE_EVERY);
            move |p: solver::config::Progress| {
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
        };
        let cfg = solver::config::SolveConfig {
            seed: day.options.seed,
            threads: self.config.solve_threads,
            time_limit: Some(budget),
            max_iterations: None,
            cancel: None,
            progress: Some(Arc::new(progress_cb)),
        };
        let t = Instant::now();
        let solution = solver::solve(&problem, &cfg);
        timings.solve_ms = t.elapsed().as_millis() as u64;

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
        stored.result_json = serde_json::to_string(&result).map_err(|e| e.to_string())?;
        let version = self
            .store
            .store_result(id, based_on, &stored)
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
        crate::desk::seed(self, id, &office, version, day, snapped, problem, &solution);
        Ok(())
    }

    /// Assembles the result and renders the sheets whose route changed since
    /// the stored version (all of them for a new plan).
    fn render(
        &self,
        id: &str,
        day: &DayRequest,
        problem: &solver::problem::Problem,
        solution: &solver::solution::Solution,
        snapped: &Snapped,
    ) -> Result<(PlanResult, Vec<SheetIn>, String), StoreError> {
        let current = self.store.plan(id)?.map_or(0, |p| p.version);
        let state = self.store.sheet_state(id)?;
        let mut a = assemble(
            id,
            current + 1,
            day,
            problem,
            solution,
            snapped,
            &self.graphs,
            self.config.background_roads,
        );
        let mut sheets_in = Vec::new();
        let mut versions: HashMap<String, u32> = HashMap::new();
        use rayon::prelude::*;
        for sheet in &mut a.sheets {
            let hash = sheet.route_hash();
            let old = state.get(&(sheet.squad_id.clone(), Lang::Zh.code().to_string()));
            let (version, changed) = match old {
                Some((v, h)) if *h == hash => (*v, false),
                Some((v, _)) => (v + 1, true),
                None => (1, false),
            };
            sheet.sheet_version = version;
            sheet.changed = changed;
            versions.insert(sheet.squad_id.clone(), version);
            if old.is_none_or(|(_, h)| *h != hash) {
                sheets_in.push((sheet.clone(), hash));
            }
        }
        let rendered: Vec<SheetIn> = sheets_in
            .par_iter()
            .flat_map_iter(|(sheet, hash)| {
                LANGS.iter().map(move |&lang| SheetIn {
                    squad: sheet.squad_id.clone(),
                    lang: lang.code().to_string(),
                    sheet_version: sheet.sheet_version,
                    route_hash: hash.clone(),
                    html: render(sheet, lang),
                })
            })
            .collect();
        for r in &mut a.result.routes {
            r.sheet_version = versions.get(&r.squad).copied().unwrap_or(0);
        }
        let buildings = crate::convert::building_index(day);
        let points: HashMap<&str, (f64, f64)> = day
            .requests
            .iter()
            .map(|r| (r.id.as_str(), request_point(day, &buildings, r)))
            .collect();
        let geometry: Vec<RouteGeometry> = a
            .result
            .routes
            .iter()
            .map(|r| RouteGeometry {
                squad: &r.squad,
                legs: a.legs.get(&r.squad).map_or(&[][..], |l| l),
            })
            .collect();
        let geojson =
            plan_geojson(&a.result, &geometry, &|rid| points.get(rid).copied()).to_string();
        Ok((a.result, rendered, geojson))
    }
}
