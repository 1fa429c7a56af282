//! The escalation desk: a plan under way (progress from the ground), urgent
//! orders priced at every allowed position in milliseconds and committed with
//! one call, failed deliveries brought back, and re-planning of the rest.
//!
//! Each plan a desk works on has a warm [`state::DeskState`] in memory (the
//! day, its snapped points, the solver problem with the day's matrices, the
//! routes, the ledger of progress), built once from the store (or handed over
//! by the solve that produced the plan) and kept in step with every write.
//! The store stays the truth: every change is committed there first, and a
//! state whose write failed is dropped and rebuilt from the store.

pub mod insert;
pub mod ledger;
pub mod reach;
pub mod reorder;
pub mod schedule;
pub mod state;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use solver::problem::{LocIdx, Time, VehicleIdx};
use solver::solution::ActivityKind;

use dayplan::assemble::assemble;
use dayplan::convert::{
    building_index, geo_profile, grams, matrices, priority_of, request_point, request_weight_kg,
    service_s, skill_bits, snap_day, PICKUP_SERVICE_S,
};
use dayplan::dto::*;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::jobs::{Engine, LANGS};
use dayplan::sheet::render;
use crate::store::{PlanRow, ResultIn, SheetIn};
use insert::{best_for_squad, Candidate, DoorTravel, Placement, Timeline, Why};
use ledger::{Ledger, StoredEvent};
use state::{DeskState, Travel};

/// Plans kept warm at once (a 2,000-stop day holds about 35 MB of matrices).
const WARM_PLANS: usize = 8;
/// Default number of squads ranked.
const DEFAULT_LIMIT: usize = 5;
/// A moved printed stop is worth this much walking by default.
const DEFAULT_CHANGE_PENALTY_S: u32 = 600;

/// Warm states by plan id.
#[derive(Default)]
pub struct Desk {
    warm: Mutex<(HashMap<String, Arc<Mutex<DeskState>>>, VecDeque<String>)>,
}

impl Desk {
    pub fn get(&self, id: &str) -> Option<Arc<Mutex<DeskState>>> {
        self.warm.lock().ok()?.0.get(id).cloned()
    }
    pub fn put(&self, st: DeskState) -> Arc<Mutex<DeskState>> {
        let id = st.plan_id.clone();
        let arc = Arc::new(Mutex::new(st));
        if let Ok(mut w) = self.warm.lock() {
            if w.0.insert(id.clone(), arc.clone()).is_none() {
                w.1.push_back(id);
            }
            while w.1.len() > WARM_PLANS {
                if let Some(old) = w.1.pop_front() {
                    w.0.remove(&old);
                }
            }
        }
        arc
    }
    /// Drops a state whose write failed: the next call rebuilds it from the store.
    pub fn evict(&self, id: &str) {
        if let Ok(mut w) = self.warm.lock() {
            w.0.remove(id);
            w.1.retain(|x| x != id);
        }
    }
}

/// Time of day now on the service's clock, in the street office's time zone.
pub fn clock_now(engine: &Engine) -> Time {
    (crate::store::now_unix() + engine.config.utc_offset_s).rem_euclid(86_400)
}

fn now_of(engine: &Engine, given: Option<Clock>) -> Time {
    given.map_or_else(|| clock_now(engine), Clock::seconds)
}

/// The warm state of a finished plan, built from the store if needed.
pub fn warm_state(engine: &Engine, plan: &PlanRow) -> Result<Arc<Mutex<DeskState>>, ApiError> {
    if let Some(s) = engine.desk.get(&plan.id) {
        return Ok(s);
    }
    let day_json = engine
        .store
        .request_json(&plan.id)?
        .ok_or_else(|| ApiError::not_found("plan"))?;
    let day: DayRequest = serde_json::from_str(&day_json).map_err(|e| ApiError::internal(&e))?;
    let (result_json, _) = engine
        .store
        .result(&plan.id)?
        .ok_or_else(|| ApiError::new(ErrorCode::PlanNotReady, "", "the plan has no result yet"))?;
    let result: PlanResult =
        serde_json::from_str(&result_json).map_err(|e| ApiError::internal(&e))?;
    let snapped = snap_day(&day, &engine.graphs).map_err(|e| {
        ApiError::internal(&format!("stored day no longer snaps: {}", e[0].message))
    })?;
    let m = matrices(&snapped, &engine.graphs);
    let problem =
        dayplan::convert::build_problem(&day, &snapped, m).map_err(|e| ApiError::internal(&e))?;
    let mut st = DeskState::new(
        &plan.id,
        &plan.office,
        plan.version,
        day,
        snapped,
        problem,
        &Default::default(),
    );
    st.routes_from_result(&result);
    for (squad, json) in engine.store.progress_events(&plan.id)? {
        let ev: StoredEvent = serde_json::from_str(&json).map_err(|e| ApiError::internal(&e))?;
        let _ = squad;
        st.ledger.apply(&ev);
    }
    for k in 0..st.routes.len() {
        st.sync_locks(k);
    }
    warm_reach(engine, &mut st);
    Ok(engine.desk.put(st))
}

/// Builds the travel index of a state about to be kept warm, so that the
/// first urgent question of the day is as quick as the rest: on a 2,000-stop
/// day the build takes 35–90 ms and 4.7 MB (bench_desk), which made the first
/// question 40–80 ms when it was built on demand. A failure here leaves the
/// build, and its error, to that question.
fn warm_reach(engine: &Engine, st: &mut DeskState) {
    if let Err(e) = st.sync_reach(&engine.graphs) {
        tracing::warn!(plan = %st.plan_id, "desk travel index not built: {e}");
    }
}

fn lock(st: &Arc<Mutex<DeskState>>) -> Result<std::sync::MutexGuard<'_, DeskState>, ApiError> {
    st.lock()
        .map_err(|_| ApiError::internal(&"desk state lock poisoned"))
}

// ---------------------------------------------------------------- progress

/// Records one event: checked against the routes, stored, then applied.
pub fn record_progress(
    engine: &Engine,
    plan: &PlanRow,
    squad: &str,
    mut ev: ProgressIn,
) -> Result<SquadProgressView, ApiError> {
    let arc = warm_state(engine, plan)?;
    let mut st = lock(&arc)?;
    if st.is_closed() {
        return Err(ApiError::new(
            ErrorCode::PlanFinished,
            "",
            "every squad has finished: the day is over",
        ));
    }
    if !st.squad_of.contains_key(squad) {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "squad",
            format!("no squad {squad:?} in this plan"),
        ));
    }
    let at = ev.at.map_or_else(|| clock_now(engine), Clock::seconds);
    ev.at = Some(Clock(at.max(0) as u32));
    if ev.retry_after.is_some() && ev.retry.is_some_and(|r| r != RetryWhen::Today) {
        return Err(ApiError::new(
            ErrorCode::InvalidValue,
            "retry_after",
            "retry_after goes with retry: today",
        ));
    }
    let stored = StoredEvent {
        squad: squad.to_string(),
        event: ev,
    };
    st.apply_event(&stored)
        .map_err(|e| ApiError::many(vec![e]))?;
    let json = serde_json::to_string(&stored).map_err(|e| ApiError::internal(&e))?;
    if let Err(e) = engine.store.add_progress(&plan.id, squad, &json) {
        drop(st);
        engine.desk.evict(&plan.id);
        return Err(e.into());
    }
    let k = st.squad_of[squad];
    Ok(squad_view(&st, k))
}

fn squad_view(st: &DeskState, k: usize) -> SquadProgressView {
    let s = &st.day.squads[k];
    let l = st.ledger.squads.get(&s.id);
    let doors = |a: &&ActivityKind| {
        matches!(
            a,
            ActivityKind::Delivery(_) | ActivityKind::ShipmentDelivery(_) | ActivityKind::Visit(_)
        )
    };
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
    }
}

/// `GET /progress`, from the warm state.
pub fn progress_view(engine: &Engine, plan: &PlanRow) -> Result<ProgressView, ApiError> {
    let arc = warm_state(engine, plan)?;
    let st = lock(&arc)?;
    let routed: HashSet<&str> = st
        .routes
        .iter()
        .flatten()
        .filter_map(|a| a.job())
        .map(|j| st.day.requests[j.get()].id.as_str())
        .collect();
    Ok(ProgressView {
        plan_id: plan.id.clone(),
        plan_version: st.version,
        squads: (0..st.day.squads.len())
            .map(|k| squad_view(&st, k))
            .collect(),
        pending: pending_views(&st.ledger, &|id| routed.contains(id)),
    })
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

// ---------------------------------------------------------------- the order

/// An urgent order resolved against the plan.
struct Order {
    request: Request,
    /// The door's location if it is already in the problem (a retry, an unserved request).
    existing_loc: Option<usize>,
    /// An unserved request of the day: already a job.
    existing_job: Option<usize>,
    point: (f64, f64),
    lo: Time,
    hi: Time,
    candidate: Candidate,
}

fn resolve_order(
    engine: &Engine,
    st: &DeskState,
    request: Option<&Request>,
    pending: Option<&str>,
    deadline: Option<Clock>,
    now: Time,
) -> Result<Order, ApiError> {
    let nd = st.day.depots.len();
    let latest_shift = st
        .day
        .squads
        .iter()
        .map(|s| s.shift.end.seconds())
        .max()
        .unwrap_or(0);
    let (mut req, existing_loc, existing_job, hi) = match (request, pending) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::new(
                ErrorCode::InvalidValue,
                "request",
                "give either request (a new order) or pending (the id of a pending request)",
            ))
        }
        (Some(r), None) => {
            let Some(d) = deadline else {
                return Err(ApiError::new(
                    ErrorCode::MissingField,
                    "deadline",
                    "an urgent order needs a deadline (\"HH:MM\")",
                ));
            };
            if st.job_of.contains_key(&r.id) {
                return Err(ApiError::new(
                    ErrorCode::DuplicateId,
                    "request.id",
                    format!("request {:?} is already in this plan", r.id),
                ));
            }
            if r.id.contains('~') {
                return Err(ApiError::new(
                    ErrorCode::InvalidValue,
                    "request.id",
                    "'~' is reserved for retries",
                ));
            }
            // The same checks as a day's request, on a day holding only this one.
            let mut mini = st.day.clone_without_requests();
            let mut r2 = r.clone();
            r2.windows.clear();
            mini.requests = vec![r2];
            dayplan::validate::check_day(&mut mini).map_err(|errs| {
                ApiError::many(
                    errs.into_iter()
                        .map(|e| {
                            FieldError::new(
                                e.code.into(),
                                e.path.replacen("requests[0]", "request", 1),
                                e.message,
                            )
                        })
                        .collect(),
                )
            })?;
            let mut r = mini.requests.pop().expect("one request");
            r.priority.get_or_insert(Priority::Urgent);
            (r, None, None, d.seconds())
        }
        (None, Some(id)) => {
            let routed: HashSet<usize> = st
                .routes
                .iter()
                .flatten()
                .filter_map(|a| a.job())
                .map(|j| j.get())
                .collect();
            if let Some(p) = st
                .ledger
                .pending
                .iter()
                .find(|p| p.id == id && p.is_retry && p.when != RetryWhen::Never)
            {
                if st.job_of.get(&p.id).is_some_and(|j| routed.contains(j)) {
                    return Err(ApiError::new(
                        ErrorCode::InvalidValue,
                        "pending",
                        format!("{id} is already on a route"),
                    ));
                }
                let of = st.job_of[&p.of];
                let mut r = st.day.requests[of].clone();
                r.id = p.id.clone();
                let lo = p.after.unwrap_or(now);
                let hi = deadline.map_or(latest_shift, Clock::seconds);
                r.windows = vec![];
                let existing = st.job_of.get(&p.id).copied();
                let mut o = (r, Some(nd + of), existing, hi);
                if let Some(j) = existing {
                    o.1 = Some(nd + j);
                }
                return finish_order(st, o, lo.max(now), now);
            }
            let Some(&j) = st.job_of.get(id) else {
                return Err(ApiError::new(
                    ErrorCode::UnknownReference,
                    "pending",
                    format!("no pending request {id:?} in this plan"),
                ));
            };
            if routed.contains(&j) {
                return Err(ApiError::new(
                    ErrorCode::InvalidValue,
                    "pending",
                    format!("{id} is already on a route"),
                ));
            }
            let r = st.day.requests[j].clone();
            let hi = deadline.map_or_else(
                || {
                    r.windows
                        .iter()
                        .map(|w| w.end.seconds())
                        .max()
                        .unwrap_or(latest_shift)
                },
                Clock::seconds,
            );
            (r, Some(nd + j), Some(j), hi)
        }
    };
    if hi <= now {
        return Err(ApiError::new(
            ErrorCode::DeadlinePassed,
            "deadline",
            format!(
                "the deadline {} is not after now ({})",
                Clock::format(hi),
                Clock::format(now)
            ),
        ));
    }
    let lo = req
        .windows
        .iter()
        .map(|w| w.start.seconds())
        .min()
        .unwrap_or(now)
        .max(now);
    req.windows.clear();
    let _ = engine;
    finish_order(st, (req, existing_loc, existing_job, hi), lo, now)
}

fn finish_order(
    st: &DeskState,
    (mut req, existing_loc, existing_job, hi): (Request, Option<usize>, Option<usize>, Time),
    lo: Time,
    now: Time,
) -> Result<Order, ApiError> {
    if hi <= now {
        return Err(ApiError::new(
            ErrorCode::DeadlinePassed,
            "deadline",
            format!(
                "the deadline {} is not after now ({})",
                Clock::format(hi),
                Clock::format(now)
            ),
        ));
    }
    if lo > hi {
        return Err(ApiError::new(
            ErrorCode::ImpossibleWindow,
            "deadline",
            format!(
                "not before {} but due by {}",
                Clock::format(lo),
                Clock::format(hi)
            ),
        ));
    }
    req.windows = vec![Window {
        start: Clock(lo as u32),
        end: Clock(hi as u32),
    }];
    let buildings = building_index(&st.day);
    let point = request_point(&st.day, &buildings, &req);
    let bits = skill_bits(&st.day);
    // A skill no squad or request of the day knows: no squad can have it.
    let unknown_skill = req.skills.iter().any(|s| !bits.contains_key(s.as_str()));
    let skills = solver::problem::Skills(if unknown_skill {
        u64::MAX
    } else {
        req.skills
            .iter()
            .filter_map(|s| bits.get(s.as_str()))
            .fold(0, |a, &b| a | (1 << b))
    });
    let depot_loc = |id: &str| {
        st.day
            .depots
            .iter()
            .position(|d| d.id == id)
            .map(|i| LocIdx(i as u32))
    };
    let pickup = match req.kind {
        RequestKind::Visit => None,
        RequestKind::Delivery => Some(req.pickup.as_deref().and_then(depot_loc)),
    };
    let candidate = Candidate {
        pickup,
        pickup_service: PICKUP_SERVICE_S,
        service: service_s(&st.day, &buildings, &req),
        lo,
        hi,
        demand: grams(request_weight_kg(&req)),
        skills,
        max_ride: dayplan::convert::chilled_limit_s(&st.day, &req),
    };
    let _ = priority_of;
    Ok(Order {
        request: req,
        existing_loc,
        existing_job,
        point,
        lo,
        hi,
        candidate,
    })
}

/// Travel from the problem's matrices (the door is an existing location).
struct MatrixTravel<'a> {
    problem: &'a solver::problem::Problem,
    door: LocIdx,
}

impl DoorTravel for MatrixTravel<'_> {
    fn to_door(&self, p: usize, from: LocIdx) -> Option<(Time, i64)> {
        let m = &self.problem.matrices()[p];
        m.reachable(from, self.door)
            .then(|| (m.duration(from, self.door), m.distance(from, self.door)))
    }
    fn from_door(&self, p: usize, to: LocIdx) -> Option<(Time, i64)> {
        let m = &self.problem.matrices()[p];
        m.reachable(self.door, to)
            .then(|| (m.duration(self.door, to), m.distance(self.door, to)))
    }
}

/// Travel between a new point and every location of the plan, per profile.
struct PointTravel {
    per_profile: Vec<Travel>,
    snapped: Vec<Option<geo_data::SnappedPoint>>,
}

impl DoorTravel for PointTravel {
    fn to_door(&self, p: usize, from: LocIdx) -> Option<(Time, i64)> {
        self.per_profile
            .get(p)?
            .to_new
            .get(from.get())
            .copied()
            .flatten()
            .map(|(t, d)| (t as Time, d as i64))
    }
    fn from_door(&self, p: usize, to: LocIdx) -> Option<(Time, i64)> {
        self.per_profile
            .get(p)?
            .from_new
            .get(to.get())
            .copied()
            .flatten()
            .map(|(t, d)| (t as Time, d as i64))
    }
}

/// Snaps the new point on every profile in use and computes travel between it
/// and every location of the plan: one upward search per direction and
/// profile against the warm state's index, brought up to date first.
fn point_travel(
    engine: &Engine,
    st: &mut DeskState,
    point: (f64, f64),
) -> Result<PointTravel, ApiError> {
    st.sync_reach(&engine.graphs)
        .map_err(|e| ApiError::internal(&e))?;
    let reach = st.reach.as_ref().expect("synced");
    let n = st.snapped.points.len();
    let mut per_profile = Vec::new();
    let mut snapped = Vec::new();
    let mut why = None;
    for (pi, &prof) in st.snapped.profiles.iter().enumerate() {
        let pg = engine
            .graphs
            .graph(geo_profile(prof))
            .ok_or_else(|| ApiError::internal(&"profile graph missing"))?;
        match pg.snap(point.0, point.1) {
            Err(e) => {
                why.get_or_insert(e.to_string());
                snapped.push(None);
                per_profile.push(Travel {
                    to_new: vec![None; n],
                    from_new: vec![None; n],
                });
            }
            Ok(sp) => {
                let t = reach
                    .travel(&engine.graphs, prof, pi, &sp)
                    .map_err(|e| ApiError::internal(&e))?;
                per_profile.push(t);
                snapped.push(Some(sp));
            }
        }
    }
    if snapped.iter().all(Option::is_none) {
        return Err(ApiError::new(
            ErrorCode::OffMap,
            "request",
            format!(
                "this point is off the map for every squad's travel mode: {}",
                why.unwrap_or_default()
            ),
        ));
    }
    Ok(PointTravel {
        per_profile,
        snapped,
    })
}

/// The exact effects of one placement, by walking the whole route once with
/// the same schedule `/result` shows after the commit ([`schedule::schedule_with`]):
/// the independent counterpart of the O(1) summaries (tests compare the two).
pub struct Exact {
    pub eta: Time,
    /// When the squad reaches the door (it waits from there to `eta`).
    pub door_arrival: Time,
    /// Requests whose window (or ride limit) holds now and would not.
    pub broken: Vec<String>,
    pub breaks_shift: bool,
    /// How much later the squad is back (negative: earlier).
    pub end_delay: Time,
    pub added_m: i64,
    /// The squad's other stops: the largest delay, and how many are delayed.
    pub max_delay: Time,
    pub delayed: usize,
    pub meets_deadline: bool,
}

/// The urgent order as a stop the schedule can price before it is in the problem.
fn new_stop<'a>(
    c: &Candidate,
    pickup: Option<LocIdx>,
    travel: &'a dyn DoorTravel,
) -> schedule::NewStop<'a> {
    schedule::NewStop {
        door: solver::problem::Task::new(
            schedule::NEW_DOOR,
            c.service,
            vec![solver::problem::TimeWindow::new(c.lo, c.hi)],
        ),
        pickup: pickup.map(|l| (l, c.pickup_service)),
        demand: if pickup.is_some() { c.demand } else { 0 },
        travel,
    }
}

/// Squad `k`'s route with the order's door after node `gap` (and its pickup after node `pl_pick.0`).
fn exact(
    st: &DeskState,
    k: usize,
    now: Time,
    c: &Candidate,
    pl_pick: Option<(usize, LocIdx)>,
    gap: usize,
    travel: &dyn DoorTravel,
) -> Option<Exact> {
    let mut acts = st.routes[k].clone();
    let door = match c.pickup {
        Some(_) => ActivityKind::ShipmentDelivery(schedule::NEW),
        None => ActivityKind::Visit(schedule::NEW),
    };
    acts.insert(gap.min(acts.len()), door);
    if let Some((p, _)) = pl_pick {
        acts.insert(p.min(gap), ActivityKind::ShipmentPickup(schedule::NEW));
    }
    effects(st, k, now, &acts, c, pl_pick.map(|x| x.1), travel)
}

/// The best position of squad `k` that breaks nothing, every position walked
/// exactly: (door gap, pickup gap, effects). The fallback when the O(1)
/// ranking's choice breaks a limit it could not see.
fn exact_clean(
    st: &DeskState,
    k: usize,
    now: Time,
    tl: &Timeline,
    first_free: usize,
    c: &Candidate,
    travel: &dyn DoorTravel,
) -> Option<(usize, Option<usize>, Exact)> {
    let v = st.problem.vehicle(VehicleIdx(k as u32));
    let cap = v.capacity.first().copied().unwrap_or(i64::MAX);
    let pickup_loc = c.pickup.map(|d| d.or(v.start).unwrap_or(LocIdx(0)));
    let mut best: Option<(usize, Option<usize>, Exact)> = None;
    for y in first_free..=tl.m {
        let pickups: Vec<Option<usize>> = match pickup_loc {
            None => vec![None],
            Some(_) => (first_free..=y)
                .filter(|&i| {
                    (i + 1..=y).all(|x| !tl.reload[x])
                        && (i..=y).all(|x| tl.load[x] + c.demand <= cap)
                })
                .map(Some)
                .collect(),
        };
        for pg in pickups {
            let Some(e) = exact(st, k, now, c, pg.zip(pickup_loc), y, travel) else {
                continue;
            };
            if !e.meets_deadline || !e.broken.is_empty() || e.breaks_shift {
                continue;
            }
            let key = (e.eta + e.end_delay, e.added_m);
            if best
                .as_ref()
                .is_none_or(|b| key < (b.2.eta + b.2.end_delay, b.2.added_m))
            {
                best = Some((y, pg, e));
            }
        }
    }
    best
}

/// The effects of squad `k` taking the stops `acts` (its current stops, in
/// any order, plus the order's, marked [`schedule::NEW`]) instead of its route.
fn effects(
    st: &DeskState,
    k: usize,
    now: Time,
    acts: &[ActivityKind],
    c: &Candidate,
    pickup: Option<LocIdx>,
    travel: &dyn DoorTravel,
) -> Option<Exact> {
    let v = VehicleIdx(k as u32);
    let ns = new_stop(c, pickup, travel);
    let before = st.route_schedule(k, &st.routes[k], now);
    let after = schedule::schedule_with(
        &st.problem,
        v,
        acts,
        st.anchor(k),
        &st.done_times(k),
        now,
        Some(&ns),
    );
    if after.end_time >= Time::MAX / 32 {
        return None; // the door cannot be reached from, or left to, a neighbour
    }
    // No room on board somewhere it was not short before: not a placement.
    let cap = st
        .problem
        .vehicle(v)
        .capacity
        .first()
        .copied()
        .unwrap_or(i64::MAX);
    let over = |r: &solver::solution::Route| {
        r.activities
            .iter()
            .any(|a| a.load_after.first().is_some_and(|&l| l > cap))
    };
    if over(&after) && !over(&before) {
        return None;
    }
    let door = after
        .activities
        .iter()
        .find(|a| a.kind.job() == Some(schedule::NEW) && schedule::is_door(a.kind))?;
    let eta = door.begin;
    let pick_dep = after
        .activities
        .iter()
        .find(|a| a.kind == ActivityKind::ShipmentPickup(schedule::NEW))
        .map(|a| a.departure);
    // The same stop before and after, matched by what it is (the n-th reload is the n-th reload).
    let keyed = |r: &solver::solution::Route| -> HashMap<(ActivityKind, usize), usize> {
        let mut seen: HashMap<ActivityKind, usize> = HashMap::new();
        r.activities
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let n = seen.entry(a.kind).or_default();
                *n += 1;
                ((a.kind, *n), i)
            })
            .collect()
    };
    let at_after = keyed(&after);
    let ok_before = holds(&st.problem, &before);
    let ok_after = holds(&st.problem, &after);
    let (mut max_delay, mut delayed, mut broken) = (0, 0, Vec::new());
    for ((kind, n), i) in keyed(&before) {
        let j = at_after[&(kind, n)];
        let d = after.activities[j].begin - before.activities[i].begin;
        if d > 0 {
            max_delay = max_delay.max(d);
            delayed += 1;
        }
        if ok_before[i] && !ok_after[j] {
            if let Some(job) = kind.job() {
                broken.push((i, st.day.requests[job.get()].id.clone()));
            }
        }
    }
    broken.sort();
    let mut broken: Vec<String> = broken.into_iter().map(|x| x.1).collect();
    broken.dedup();
    let shift_end = st.problem.vehicle(v).shift.end;
    let ride_ok = match (c.max_ride, pick_dep) {
        (Some(r), Some(pd)) => eta - pd <= r,
        _ => true,
    };
    Some(Exact {
        eta,
        door_arrival: door.arrival,
        broken,
        breaks_shift: after.end_time > shift_end && before.end_time <= shift_end,
        end_delay: after.end_time - before.end_time,
        added_m: after.distance - before.distance,
        max_delay,
        delayed,
        meets_deadline: eta <= c.hi && ride_ok,
    })
}

/// Per activity of a scheduled route: its window (and, for chilled goods,
/// the ride limit from the pharmacy or the carry limit from the depot) holds. The urgent order's own stops count
/// as holding: its deadline is checked apart.
fn holds(problem: &solver::problem::Problem, r: &solver::solution::Route) -> Vec<bool> {
    let mut picked: HashMap<solver::problem::JobIdx, Time> = HashMap::new();
    // Goods loaded at the depot leave with the trip: the route's start or
    // the last reload (the checker's `MaxCarry` rule).
    let mut loaded_at = r.start_time;
    r.activities
        .iter()
        .map(|a| {
            if a.kind == ActivityKind::Reload {
                loaded_at = a.departure;
            }
            if a.kind.job() == Some(schedule::NEW) {
                return true;
            }
            if let ActivityKind::ShipmentPickup(j) = a.kind {
                picked.insert(j, a.departure);
            }
            if let ActivityKind::Delivery(j) = a.kind {
                if let Some(lim) = problem.job(j).max_carry {
                    if a.begin - loaded_at > lim {
                        return false;
                    }
                }
            }
            let Some(task) = schedule::task_of(problem, a.kind) else {
                return true;
            };
            let in_window = task.windows.is_empty()
                || task
                    .windows
                    .iter()
                    .any(|w| w.start <= a.begin && a.begin <= w.end);
            let ride = match (
                a.kind,
                &problem.job(a.kind.job().expect("a task's job")).kind,
            ) {
                (
                    ActivityKind::ShipmentDelivery(j),
                    solver::problem::JobKind::Shipment {
                        max_ride: Some(lim),
                        ..
                    },
                ) => picked.get(&j).is_none_or(|pd| a.begin - pd <= *lim),
                _ => true,
            };
            in_window && ride
        })
        .collect()
}

fn seq_of_gap(gap: usize) -> u32 {
    gap as u32
}

/// Options with the squads' printed order allowed to change: for the most
/// promising squads (by their keep-order answer), the solver re-sequences
/// the stops after the fixed ones around the order (see [`reorder`]).
#[allow(clippy::too_many_arguments)]
fn reordered_options(
    st: &DeskState,
    order: &Order,
    answers: &[Result<Placement, Why>],
    travel: &dyn DoorTravel,
    now: Time,
    limit: usize,
    input: &UrgentIn,
) -> Vec<InsertionOptionView> {
    // Squads that could get there, best first, twice as many as asked.
    let mut cands: Vec<(bool, Time, usize)> = answers
        .iter()
        .enumerate()
        .filter_map(|(k, a)| match a {
            Ok(p) => Some((p.breaks(), p.score(), k)),
            Err(Why::TooFar { earliest }) if *earliest < Time::MAX / 16 => {
                Some((true, *earliest, k))
            }
            _ => None,
        })
        .collect();
    cands.sort();
    let fixed = fixed_stops(st, now);
    let before = st.solution(now);
    let pinned = pinned_day(st, &before, &fixed, now);
    let id_of = |j: solver::problem::JobIdx| {
        if j == reorder::NEW {
            order.request.id.clone()
        } else {
            st.day.requests[j.get()].id.clone()
        }
    };
    let mut out = Vec::new();
    for &(_, _, k) in cands.iter().take(2 * limit) {
        let v = st.problem.vehicle(VehicleIdx(k as u32));
        let own_depot = v
            .start
            .filter(|l| l.get() < st.day.depots.len())
            .map(|l| st.day.depots[l.get()].id.as_str());
        // A request of the day keeps its own model (its pickup, if any).
        let request = match order.existing_job {
            Some(j) => reorder::modelled_request(&pinned.requests[j], order.lo, order.hi, None),
            None => reorder::modelled_request(&order.request, order.lo, order.hi, own_depot),
        };
        let urgent = reorder::Urgent {
            request: &request,
            existing_loc: order.existing_loc,
            point: order.point,
            travel,
        };
        let Some(r) = reorder::reorder_squad(st, k, fixed[k], &pinned, &urgent) else {
            continue;
        };
        let route = &st.routes[k];
        let full: Vec<ActivityKind> = route[..fixed[k]].iter().chain(&r.tail).copied().collect();
        let doors = |acts: &[ActivityKind]| -> Vec<usize> {
            acts.iter()
                .filter(|a| {
                    matches!(
                        a,
                        ActivityKind::Delivery(_)
                            | ActivityKind::ShipmentDelivery(_)
                            | ActivityKind::Visit(_)
                    )
                })
                .filter_map(|a| a.job())
                .filter(|j| *j != reorder::NEW)
                .map(|j| j.get())
                .collect()
        };
        let old = doors(&route[fixed[k]..]);
        let moved = old.len() - lcs(&old, &doors(&r.tail));
        let pos = |want: fn(&ActivityKind) -> bool| full.iter().position(want);
        let gap = pos(|a| {
            matches!(
                a,
                ActivityKind::Delivery(j) | ActivityKind::ShipmentDelivery(j) | ActivityKind::Visit(j)
                    if *j == reorder::NEW
            )
        })
        .unwrap_or(full.len());
        let pick = pos(|a| matches!(a, ActivityKind::ShipmentPickup(j) if *j == reorder::NEW));
        // The solver's sub-problem ranks; the option states the desk's own
        // walk of the new order, which is what `/result` shows once committed.
        let pickup_loc = request
            .pickup
            .as_deref()
            .and_then(|id| st.day.depots.iter().position(|d| d.id == id))
            .map(|i| LocIdx(i as u32));
        let Some(ex) = effects(st, k, now, &full, &order.candidate, pickup_loc, travel) else {
            continue;
        };
        if !ex.meets_deadline {
            continue;
        }
        let breaks = !ex.broken.is_empty() || ex.breaks_shift;
        let squad = st.day.squads[k].id.clone();
        out.push(InsertionOptionView {
            rank: 0,
            squad: squad.clone(),
            insert_after_seq: seq_of_gap(gap),
            pickup_after_seq: pick.map(seq_of_gap),
            pickup_depot: pick.and(request.pickup.clone()),
            eta: Clock::format(ex.eta),
            eta_s: ex.eta,
            added_s: ex.end_delay,
            added_m: ex.added_m,
            max_delay_s: ex.max_delay,
            stops_delayed: ex.delayed,
            breaks_windows: ex.broken,
            breaks_shift: ex.breaks_shift,
            printed_stops_moved: moved,
            stops_renumbered: route.len().saturating_sub(gap),
            commit: CommitIn {
                based_on_version: st.version,
                squad,
                insert_after_seq: seq_of_gap(gap),
                pickup_after_seq: pick.map(seq_of_gap),
                request: input.request.clone(),
                pending: input.pending.clone(),
                deadline: input.deadline,
                now: Some(Clock(now as u32)),
                accept_breaks: breaks,
                reorder: Some(r.tail.iter().map(|a| reorder::label(a, &id_of)).collect()),
            },
        });
    }
    out
}

/// `POST /urgent/options`.
pub fn options(engine: &Engine, plan: &PlanRow, input: &UrgentIn) -> Result<OptionsView, ApiError> {
    let t0 = Instant::now();
    let arc = warm_state(engine, plan)?;
    let mut st = lock(&arc)?;
    if st.is_closed() {
        return Err(ApiError::new(
            ErrorCode::PlanFinished,
            "",
            "every squad has finished: the day is over",
        ));
    }
    let now = now_of(engine, input.now);
    let limit = input.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 20);
    let order = resolve_order(
        engine,
        &st,
        input.request.as_ref(),
        input.pending.as_deref(),
        input.deadline,
        now,
    )?;
    // Travel between the door and every location first: the index may grow.
    let point_travel_v = match order.existing_loc {
        Some(_) => None,
        None => Some(point_travel(engine, &mut st, order.point)?),
    };
    let st = &*st;
    let n_sq = st.day.squads.len();
    let timelines: Vec<Timeline> = (0..n_sq)
        .map(|k| Timeline::new(&st.problem, &st.route_schedule(k, &st.routes[k], now), now))
        .collect();
    let frees: Vec<usize> = (0..n_sq).map(|k| st.first_free(k, now)).collect();
    let matrix_travel;
    let travel: &dyn DoorTravel = match &point_travel_v {
        Some(pt) => pt,
        None => {
            matrix_travel = MatrixTravel {
                problem: &st.problem,
                door: LocIdx(order.existing_loc.expect("an existing location") as u32),
            };
            &matrix_travel
        }
    };
    let answers: Vec<Result<Placement, Why>> = (0..n_sq)
        .map(|k| {
            if st.finished(k).is_some() {
                return Err(Why::Finished);
            }
            best_for_squad(
                &st.problem,
                k,
                &timelines[k],
                frees[k],
                &order.candidate,
                travel,
            )
        })
        .collect();
    let mut ranked: Vec<(usize, &Placement)> = answers
        .iter()
        .enumerate()
        .filter_map(|(k, a)| a.as_ref().ok().map(|p| (k, p)))
        .collect();
    ranked.sort_by_key(|(k, p)| (p.breaks(), p.score(), p.added_m, *k));
    let mut opts = Vec::new();
    for (k, p) in ranked.iter().take(limit) {
        let k = *k;
        let pick = p.pickup_gap.zip(p.pickup_loc);
        // The option states the exact walk: what `/result` shows once committed.
        let Some(mut ex) = exact(st, k, now, &order.candidate, pick, p.gap, travel) else {
            continue;
        };
        let (mut gap, mut pickup_gap) = (p.gap, p.pickup_gap);
        // The O(1) ranking is conservative about limits that move with a trip
        // (chilled goods loaded at the depot): on a squad carrying such goods,
        // every position is walked exactly and the best kept.
        let carries_chilled = st.routes[k].iter().any(
            |a| matches!(a, ActivityKind::Delivery(j) if st.problem.job(*j).max_carry.is_some()),
        );
        if carries_chilled || !ex.broken.is_empty() || ex.breaks_shift {
            if let Some((g, pg, e)) = exact_clean(
                st,
                k,
                now,
                &timelines[k],
                frees[k],
                &order.candidate,
                travel,
            ) {
                let key = |e: &Exact| {
                    (
                        !e.broken.is_empty() || e.breaks_shift,
                        e.eta + e.end_delay,
                        e.added_m,
                    )
                };
                if key(&e) < key(&ex) {
                    (gap, pickup_gap, ex) = (g, pg, e);
                }
            }
        }
        let route = &st.routes[k];
        let squad = st.day.squads[k].id.clone();
        let breaks = !ex.broken.is_empty() || ex.breaks_shift;
        opts.push(InsertionOptionView {
            rank: opts.len() + 1,
            squad: squad.clone(),
            insert_after_seq: seq_of_gap(gap),
            pickup_after_seq: pickup_gap.map(seq_of_gap),
            pickup_depot: p.pickup_loc.map(|l| st.day.depots[l.get()].id.clone()),
            eta: Clock::format(ex.eta),
            eta_s: ex.eta,
            added_s: ex.end_delay,
            added_m: ex.added_m,
            max_delay_s: ex.max_delay,
            stops_delayed: ex.delayed,
            breaks_windows: ex.broken,
            breaks_shift: ex.breaks_shift,
            printed_stops_moved: 0,
            stops_renumbered: route.len() - gap.min(route.len()),
            commit: CommitIn {
                based_on_version: st.version,
                squad,
                insert_after_seq: seq_of_gap(gap),
                pickup_after_seq: pickup_gap.map(seq_of_gap),
                request: input.request.clone(),
                pending: input.pending.clone(),
                deadline: input.deadline,
                now: Some(Clock(now as u32)),
                accept_breaks: breaks,
                reorder: None,
            },
        });
    }
    // A fallback position may have turned a breaking option clean.
    opts.sort_by_key(|o| {
        (
            !o.breaks_windows.is_empty() || o.breaks_shift,
            o.eta_s + o.added_s,
        )
    });
    for (i, o) in opts.iter_mut().enumerate() {
        o.rank = i + 1;
    }
    if input.allow_reorder {
        let more = reordered_options(st, &order, &answers, travel, now, limit, input);
        // A squad's reordered option replaces its keep-order one when it breaks
        // less or comes sooner for less walking.
        for o in more {
            match opts.iter().position(|x| x.squad == o.squad) {
                Some(i) => {
                    let x = &opts[i];
                    let x_breaks = !x.breaks_windows.is_empty() || x.breaks_shift;
                    if x_breaks || o.eta_s + o.added_s < x.eta_s + x.added_s {
                        opts[i] = o;
                    }
                }
                None => opts.push(o),
            }
        }
        opts.sort_by_key(|o| {
            (
                !o.breaks_windows.is_empty() || o.breaks_shift,
                o.eta_s + o.added_s,
                o.printed_stops_moved,
            )
        });
        opts.truncate(limit);
        for (i, o) in opts.iter_mut().enumerate() {
            o.rank = i + 1;
        }
    }
    let fmt_dur = |s: Time| {
        if s >= 3600 {
            format!("{} h {:02} min", s / 3600, s % 3600 / 60)
        } else {
            format!("{} min", (s + 59) / 60)
        }
    };
    let mut no_fit = Vec::new();
    for (k, a) in answers.iter().enumerate() {
        let squad = st.day.squads[k].id.clone();
        let (reason, earliest, explanation) = match a {
            Ok(p) if !p.breaks() => continue,
            Ok(p) if p.breaks_shift => (
                NoFitReason::ShiftEnds,
                Some(p.eta),
                format!(
                    "could be there at {}, but would be back after the shift ends",
                    Clock::format(p.eta)
                ),
            ),
            Ok(p) => (
                NoFitReason::BreaksOtherWindows,
                Some(p.eta),
                format!(
                    "could be there at {}, but another resident's window would be missed",
                    Clock::format(p.eta)
                ),
            ),
            Err(Why::LacksSkill) => (
                NoFitReason::LacksSkill,
                None,
                "the squad lacks a skill the order needs".to_string(),
            ),
            Err(Why::OutOfCapacity) => (
                NoFitReason::OutOfCapacity,
                None,
                "no room left on board for this weight on any trip it could make in time"
                    .to_string(),
            ),
            Err(Why::Unreachable) => (
                NoFitReason::Unreachable,
                None,
                "no road for this squad's travel mode reaches the place".to_string(),
            ),
            Err(Why::Finished) => (
                NoFitReason::SquadFinished,
                None,
                "the squad has finished its day".to_string(),
            ),
            Err(Why::TooFar { earliest }) => (
                NoFitReason::TooFarForDeadline,
                (*earliest < Time::MAX / 16).then_some(*earliest),
                if *earliest < Time::MAX / 16 {
                    format!(
                        "cannot be there before {}, after the deadline {}",
                        Clock::format(*earliest),
                        Clock::format(order.hi)
                    )
                } else {
                    "cannot be there before the deadline".to_string()
                },
            ),
        };
        no_fit.push(SquadNoFit {
            squad,
            reason,
            earliest_eta: earliest.map(Clock::format),
            explanation,
        });
    }
    // A squad that fits once its sheet may change order is not a no-fit.
    no_fit.retain(|n| {
        !opts
            .iter()
            .any(|o| o.squad == n.squad && o.breaks_windows.is_empty() && !o.breaks_shift)
    });
    let mut suggestions = Vec::new();
    if !ranked.iter().any(|(_, p)| !p.breaks()) {
        if let Some((k, e)) = answers
            .iter()
            .enumerate()
            .filter_map(|(k, a)| match a {
                Ok(p) => Some((k, p.eta)),
                Err(Why::TooFar { earliest }) if *earliest < Time::MAX / 16 => Some((k, *earliest)),
                _ => None,
            })
            .min_by_key(|x| x.1)
        {
            suggestions.push(format!(
                "extend the deadline to {}: {} could be there then",
                Clock::format(e),
                st.day.squads[k].id
            ));
        }
        // Squads with spare time at the end of their day.
        let mut spare: Vec<(Time, usize)> = (0..n_sq)
            .filter(|&k| st.finished(k).is_none())
            .map(|k| {
                (
                    st.problem.vehicle(VehicleIdx(k as u32)).shift.end
                        - timelines[k].arr[timelines[k].m + 1],
                    k,
                )
            })
            .filter(|x| x.0 >= 1800)
            .collect();
        spare.sort_by_key(|x| std::cmp::Reverse(x.0));
        for (s, k) in spare.into_iter().take(2) {
            suggestions.push(format!("{} has {} spare after its last stop: move some of its stops or this order's deadline", st.day.squads[k].id, fmt_dur(s)));
        }
        // A new squad straight from a depot.
        if let Some(d) = depot_suggestion(st, &order.candidate, travel, now) {
            let fits = d.eta <= order.hi;
            let mode = match d.profile {
                Profile::Walk => "on foot",
                Profile::Bike => "by tricycle",
                Profile::Car => "by van",
            };
            suggestions.push(format!(
                "a new squad {mode} from {} ({}) leaving now would be there at {}{}",
                st.day.depots[d.depot].name,
                st.day.depots[d.depot].id,
                Clock::format(d.eta),
                if fits {
                    ", in time"
                } else {
                    ", still after the deadline"
                }
            ));
        }
    }
    Ok(OptionsView {
        plan_id: plan.id.clone(),
        plan_version: st.version,
        now: Clock::format(now),
        request: order.request.id.clone(),
        deadline: Clock::format(order.hi),
        options: opts,
        no_fit,
        suggestions,
        compute_ms: t0.elapsed().as_secs_f64() * 1000.0,
    })
}

/// A new squad leaving a depot now, as the squads based there travel.
#[derive(Debug, PartialEq)]
struct DepotSuggestion {
    eta: Time,
    depot: usize,
    profile: Profile,
}

/// The earliest a squad like one of the day's could be at the door leaving
/// its depot now: each squad's own depot, travel mode (its profile's
/// matrix and travel to the door) and skills; the goods collected on the way.
fn depot_suggestion(
    st: &DeskState,
    c: &Candidate,
    travel: &dyn DoorTravel,
    now: Time,
) -> Option<DepotSuggestion> {
    let nd = st.day.depots.len();
    let mut best: Option<DepotSuggestion> = None;
    for (k, squad) in st.day.squads.iter().enumerate() {
        let v = st.problem.vehicle(VehicleIdx(k as u32));
        let Some(d) = v.start.filter(|l| l.get() < nd) else {
            continue;
        };
        if st.finished(k).is_some() || !v.skills.covers(c.skills) {
            continue;
        }
        let m = st.problem.matrix(v.profile);
        let (pick, from) = match c.pickup {
            None => (0, d),
            Some(None) => (c.pickup_service, d),
            Some(Some(p)) if m.reachable(d, p) => (m.duration(d, p) + c.pickup_service, p),
            Some(Some(_)) => continue,
        };
        let Some((t, _)) = travel.to_door(v.profile.get(), from) else {
            continue;
        };
        let eta = (now + pick + t).max(c.lo);
        if best.as_ref().is_none_or(|b| eta < b.eta) {
            best = Some(DepotSuggestion {
                eta,
                depot: d.get(),
                profile: squad.profile,
            });
        }
    }
    best
}

/// A change is made against the version it was computed on, and while some
/// squad is still out: a stale version is a conflict (`then` tells the desk
/// what to do), a finished day is refused.
fn check_open(st: &DeskState, based_on: u32, then: &str) -> Result<(), ApiError> {
    if based_on != st.version {
        return Err(ApiError::new(
            ErrorCode::VersionConflict,
            "based_on_version",
            format!(
                "the plan is at version {}, not {}{then}",
                st.version, based_on
            ),
        ));
    }
    if st.is_closed() {
        return Err(ApiError::new(
            ErrorCode::PlanFinished,
            "",
            "every squad has finished: the day is over",
        ));
    }
    Ok(())
}

/// `POST /urgent/commit`.
pub fn commit(engine: &Engine, plan: &PlanRow, c: &CommitIn) -> Result<CommitView, ApiError> {
    let arc = warm_state(engine, plan)?;
    let mut st = lock(&arc)?;
    check_open(&st, c.based_on_version, ": ask for options again")?;
    let now = now_of(engine, c.now);
    let order = resolve_order(
        engine,
        &st,
        c.request.as_ref(),
        c.pending.as_deref(),
        c.deadline,
        now,
    )?;
    let Some(&k) = st.squad_of.get(&c.squad) else {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "squad",
            format!("no squad {:?} in this plan", c.squad),
        ));
    };
    if st.finished(k).is_some() {
        return Err(ApiError::new(
            ErrorCode::PlanFinished,
            "squad",
            format!("squad {} has finished its day", c.squad),
        ));
    }
    if let Some(labels) = &c.reorder {
        return commit_reordered(engine, plan, st, c, order, k, labels, now);
    }
    let gap = c.insert_after_seq as usize;
    let pick_gap = c.pickup_after_seq.map(|x| x as usize);
    let ff = st.first_free(k, now);
    let m = st.routes[k].len();
    let stale = |msg: String| ApiError::new(ErrorCode::OptionStale, "insert_after_seq", msg);
    if gap < ff || gap > m || pick_gap.is_some_and(|p| p < ff || p > gap) {
        return Err(stale(format!("squad {} has done or started stops up to {}: this position is fixed now; ask for options again", c.squad, ff)));
    }
    match (order.candidate.pickup.is_some(), pick_gap) {
        (true, None) => {
            return Err(ApiError::new(
                ErrorCode::MissingField,
                "pickup_after_seq",
                "a delivery needs where its goods are collected",
            ))
        }
        (false, Some(_)) => {
            return Err(ApiError::new(
                ErrorCode::InvalidValue,
                "pickup_after_seq",
                "a visit has nothing to collect",
            ))
        }
        _ => {}
    }
    if let Some(p) = pick_gap {
        if st.routes[k][p..gap].contains(&ActivityKind::Reload) {
            return Err(stale(
                "the pickup and the door must be on the same trip".into(),
            ));
        }
    }
    let v = st.problem.vehicle(VehicleIdx(k as u32));
    if !v.skills.covers(order.candidate.skills) {
        return Err(stale(format!(
            "squad {} lacks a skill this order needs",
            c.squad
        )));
    }
    let pickup_loc = order
        .candidate
        .pickup
        .map(|d| d.or(v.start).unwrap_or(LocIdx(0)));
    let cap = v.capacity.first().copied().unwrap_or(i64::MAX);
    // Travel to every location, so the new location is complete in the problem:
    // the index's row and column for a new point, the matrices' own for an old door.
    let door_travel = door_travel(engine, &mut st, &order)?;
    let tl = Timeline::new(&st.problem, &st.route_schedule(k, &st.routes[k], now), now);
    let travel: &dyn DoorTravel = &door_travel;
    let ex = exact(
        &st,
        k,
        now,
        &order.candidate,
        pick_gap.zip(pickup_loc),
        gap,
        travel,
    )
    .ok_or_else(|| stale(format!("squad {} cannot reach this place", c.squad)))?;
    if !ex.meets_deadline {
        return Err(stale(format!(
            "this squad would be there at {}, after the deadline; ask for options again",
            Clock::format(ex.eta)
        )));
    }
    let load_ok = match pick_gap {
        None => true,
        Some(p) => (p..=gap).all(|x| tl.load[x] + order.candidate.demand <= cap),
    };
    if !load_ok {
        return Err(stale("not enough room on board on that stretch".into()));
    }
    if (!ex.broken.is_empty() || ex.breaks_shift) && !c.accept_breaks {
        return Err(stale("this option breaks another stop's window or the shift: set accept_breaks to take it anyway".into()));
    }
    // Apply: the request joins the day (unless it is already a job), then the route.
    let mut req = order.request.clone();
    not_before(&mut req, ex.door_arrival);
    let (j, day_changed) = match order.existing_job {
        Some(j) => (j, false),
        None => {
            if let Some(pl) =
                pickup_loc.filter(|_| req.pickup.is_none() && req.kind == RequestKind::Delivery)
            {
                req.pickup = Some(st.day.depots[pl.get()].id.clone());
            }
            let j = add_order(engine, &mut st, req.clone(), order.point, &door_travel)?;
            (j, true)
        }
    };
    if order.existing_job.is_some() {
        // An existing job keeps its kind: its stored pickup (if any) is where the goods are.
    }
    let (pick_act, door_act) = stops_of(&st.problem, solver::problem::JobIdx(j as u32));
    let mut route = st.routes[k].clone();
    route.insert(gap, door_act);
    if let (Some(pa), Some(p)) = (pick_act, pick_gap) {
        route.insert(p, pa);
    }
    st.routes[k] = route;
    st.fix_start(k, now);
    publish_commit(engine, plan, st, k, &req.id, ex.eta, now, day_changed)
}

/// The order's window starts when its squad can be at the door: a squad
/// sets out for it at now at the earliest (from a stop its sheet had over
/// before now, say), and the committed route must keep that time.
fn not_before(req: &mut Request, arrival: Time) {
    if let Some(w) = req.windows.first_mut() {
        if (arrival as u32) > w.start.0 && (arrival as u32) <= w.end.0 {
            w.start = Clock(arrival as u32);
        }
    }
}

/// A job's stops on a sheet: (the pickup of a shipment, the door).
fn stops_of(
    problem: &solver::problem::Problem,
    j: solver::problem::JobIdx,
) -> (Option<ActivityKind>, ActivityKind) {
    match &problem.job(j).kind {
        solver::problem::JobKind::Shipment { .. } => (
            Some(ActivityKind::ShipmentPickup(j)),
            ActivityKind::ShipmentDelivery(j),
        ),
        solver::problem::JobKind::Visit(_) => (None, ActivityKind::Visit(j)),
        solver::problem::JobKind::Delivery(_) => (None, ActivityKind::Delivery(j)),
        solver::problem::JobKind::Pickup(_) => (None, ActivityKind::Pickup(j)),
    }
}

/// Commits an option that changes the order of a squad's remaining stops:
/// the labels must be exactly the squad's stops after its fixed ones plus the
/// order; the plan must break nothing more than before (checked by the
/// solver's independent checker on the whole day).
#[allow(clippy::too_many_arguments)]
fn commit_reordered(
    engine: &Engine,
    plan: &PlanRow,
    mut st: std::sync::MutexGuard<'_, DeskState>,
    c: &CommitIn,
    order: Order,
    k: usize,
    labels: &[String],
    now: Time,
) -> Result<CommitView, ApiError> {
    let stale = |msg: String| ApiError::new(ErrorCode::OptionStale, "reorder", msg);
    let v = st.problem.vehicle(VehicleIdx(k as u32));
    if !v.skills.covers(order.candidate.skills) {
        return Err(stale(format!(
            "squad {} lacks a skill this order needs",
            c.squad
        )));
    }
    let own_depot = v
        .start
        .filter(|l| l.get() < st.day.depots.len())
        .map(|l| st.day.depots[l.get()].id.clone());
    let violations_before = solver::check::check(&st.problem, &st.solution(now)).len();
    let fixed = fixed_stops(&st, now)[k];
    let door_travel = door_travel(engine, &mut st, &order)?;
    // Check the labels before anything changes.
    let id_probe = |j: solver::problem::JobIdx| {
        if j == reorder::NEW {
            order.request.id.clone()
        } else {
            st.day.requests[j.get()].id.clone()
        }
    };
    let (pick_probe, door_probe) = match order.existing_job {
        Some(j) => stops_of(&st.problem, solver::problem::JobIdx(j as u32)),
        None if order.request.kind == RequestKind::Visit => {
            (None, ActivityKind::Visit(reorder::NEW))
        }
        // A new delivery's goods are collected at a depot on the same trip.
        None => (
            Some(ActivityKind::ShipmentPickup(reorder::NEW)),
            ActivityKind::ShipmentDelivery(reorder::NEW),
        ),
    };
    let current: Vec<ActivityKind> = st.routes[k][fixed.min(st.routes[k].len())..].to_vec();
    reorder::parse_labels(labels, &current, door_probe, pick_probe, &id_probe).map_err(stale)?;
    // Apply: the request joins the day (unless it is already a job), then the route.
    let mut req =
        reorder::modelled_request(&order.request, order.lo, order.hi, own_depot.as_deref());
    req.windows = order.request.windows.clone();
    // The walk the option stated: when the squad can be at the door.
    if order.existing_job.is_none() {
        let tail = reorder::parse_labels(labels, &current, door_probe, pick_probe, &id_probe)
            .map_err(stale)?;
        let full: Vec<ActivityKind> = st.routes[k][..fixed].iter().chain(&tail).copied().collect();
        let pickup_loc = req
            .pickup
            .as_deref()
            .and_then(|id| st.day.depots.iter().position(|d| d.id == id))
            .map(|i| LocIdx(i as u32));
        if let Some(ex) = effects(
            &st,
            k,
            now,
            &full,
            &order.candidate,
            pickup_loc,
            &door_travel,
        ) {
            not_before(&mut req, ex.door_arrival);
        }
    }
    let (j, day_changed) = match order.existing_job {
        Some(j) => (j, false),
        None => {
            let j = add_order(engine, &mut st, req.clone(), order.point, &door_travel)?;
            (j, true)
        }
    };
    let (pick_act, door_act) = stops_of(&st.problem, solver::problem::JobIdx(j as u32));
    let id_of = |x: solver::problem::JobIdx| st.day.requests[x.get()].id.clone();
    let parsed = reorder::parse_labels(labels, &current, door_act, pick_act, &id_of);
    let outcome = parsed.map_err(stale).and_then(|tail| {
        let mut route = st.routes[k][..fixed].to_vec();
        route.extend(tail);
        let old_route = std::mem::replace(&mut st.routes[k], route);
        st.fix_start(k, now);
        let sol = st.solution(now);
        let after = solver::check::check(&st.problem, &sol);
        if after.len() > violations_before && !c.accept_breaks {
            st.routes[k] = old_route;
            return Err(stale(format!(
                "this order breaks {} constraint(s) now; ask for options again",
                after.len() - violations_before
            )));
        }
        let eta = sol
            .routes
            .iter()
            .find(|r| r.vehicle.get() == k)
            .and_then(|r| r.activities.iter().find(|a| a.kind == door_act))
            .map_or(0, |a| a.begin);
        Ok(eta)
    });
    let eta = match outcome {
        Ok(eta) => eta,
        Err(e) => {
            // The day may hold the new request already: start again from the store.
            drop(st);
            engine.desk.evict(&plan.id);
            return Err(e);
        }
    };
    publish_commit(engine, plan, st, k, &req.id, eta, now, day_changed)
}

/// The urgent request joins the day as a new job (its door a new location
/// with `travel` to every other), and the door joins the travel index now,
/// so the next question does not wait for it.
fn add_order(
    engine: &Engine,
    st: &mut DeskState,
    req: Request,
    point: (f64, f64),
    travel: &PointTravel,
) -> Result<usize, ApiError> {
    let j = st
        .add_request(req, point, travel.snapped.clone(), &travel.per_profile)
        .map_err(|e| ApiError::internal(&e))?;
    if st.reach.is_some() {
        st.sync_reach(&engine.graphs)
            .map_err(|e| ApiError::internal(&e))?;
    }
    Ok(j)
}

/// Travel between the order's door and every location: the matrices' own
/// for a door already in the plan, the travel index's row and column else.
fn door_travel(
    engine: &Engine,
    st: &mut DeskState,
    order: &Order,
) -> Result<PointTravel, ApiError> {
    Ok(match order.existing_loc {
        Some(l) => PointTravel {
            per_profile: st
                .problem
                .matrices()
                .iter()
                .map(|m| Travel::copy_of(m, l))
                .collect(),
            snapped: st.snapped.snapped.iter().map(|s| s[l]).collect(),
        },
        None => point_travel(engine, st, order.point)?,
    })
}

/// Stores a committed urgent order (squad `k`'s new sheet) and answers; on a
/// storage failure the warm state is dropped (it holds the change) and the
/// next question starts again from the store.
#[allow(clippy::too_many_arguments)]
fn publish_commit(
    engine: &Engine,
    plan: &PlanRow,
    mut st: std::sync::MutexGuard<'_, DeskState>,
    k: usize,
    request: &str,
    eta: Time,
    now: Time,
    day_changed: bool,
) -> Result<CommitView, ApiError> {
    let squad = st.day.squads[k].id.clone();
    match publish(engine, &mut st, &[k], now, day_changed) {
        Ok((version, sheet_version)) => Ok(CommitView {
            plan_id: plan.id.clone(),
            plan_version: version,
            request: request.to_string(),
            squad: squad.clone(),
            eta: Clock::format(eta),
            sheet_version,
            sheet_url: format!("/api/v1/plans/{}/sheets/{}", plan.id, squad),
            sheets_changed: vec![squad],
        }),
        Err(e) => {
            drop(st);
            engine.desk.evict(&plan.id);
            Err(e)
        }
    }
}

/// Writes the current state as the next plan version: the result (with the
/// ground truth over it), GeoJSON, and new sheets for `changed` squads only;
/// every other sheet keeps its stored bytes. Returns the new plan version and
/// the sheet version of the first changed squad.
fn publish(
    engine: &Engine,
    st: &mut DeskState,
    changed: &[usize],
    now: Time,
    day_changed: bool,
) -> Result<(u32, u32), ApiError> {
    let sol = st.solution_to_publish(now, changed);
    let new_version = st.version + 1;
    let mut a = assemble(
        &st.plan_id,
        new_version,
        &st.day,
        &st.problem,
        &sol,
        &st.snapped,
        &engine.graphs,
        engine.config.background_roads,
    );
    let state = engine.store.sheet_state(&st.plan_id)?;
    let mut versions: HashMap<String, u32> = state
        .iter()
        .filter(|((_, l), _)| l == "zh")
        .map(|((s, _), (v, _))| (s.clone(), *v))
        .collect();
    let mut sheets = Vec::new();
    let mut first_version = 0;
    for &k in changed {
        let sheet = &mut a.sheets[k];
        let v = versions.get(&sheet.squad_id).map_or(1, |v| v + 1);
        sheet.sheet_version = v;
        sheet.changed = true;
        versions.insert(sheet.squad_id.clone(), v);
        if first_version == 0 {
            first_version = v;
        }
        let hash = sheet.route_hash();
        for lang in LANGS {
            sheets.push(SheetIn {
                squad: sheet.squad_id.clone(),
                lang: lang.code().into(),
                sheet_version: v,
                route_hash: hash.clone(),
                html: render(sheet, lang),
            });
        }
    }
    for r in &mut a.result.routes {
        r.sheet_version = versions.get(&r.squad).copied().unwrap_or(0);
    }
    ledger::overlay(&mut a.result, &st.ledger);
    let buildings = building_index(&st.day);
    let points: HashMap<&str, (f64, f64)> = st
        .day
        .requests
        .iter()
        .map(|r| (r.id.as_str(), request_point(&st.day, &buildings, r)))
        .collect();
    let geometry: Vec<dayplan::geojson::RouteGeometry> = a
        .result
        .routes
        .iter()
        .map(|r| dayplan::geojson::RouteGeometry {
            squad: &r.squad,
            legs: a.legs.get(&r.squad).map_or(&[][..], |l| l),
        })
        .collect();
    let geojson =
        dayplan::geojson::plan_geojson(&a.result, &geometry, &|rid| points.get(rid).copied())
            .to_string();
    let result_json = serde_json::to_string(&a.result).map_err(|e| ApiError::internal(&e))?;
    let day_json = if day_changed {
        Some(serde_json::to_string(&st.day).map_err(|e| ApiError::internal(&e))?)
    } else {
        None
    };
    let stored = engine.store.store_desk_result(
        &st.plan_id,
        st.version,
        &ResultIn {
            result_json,
            geojson,
            sheets,
            timings: Timings::default(),
        },
        day_json.as_deref().map(|j| (j, st.day.requests.len())),
    )?;
    st.version = stored;
    // What `/result` shows now is what the next publish keeps for every squad nothing touches.
    let mut printed = vec![None; st.routes.len()];
    for r in sol.routes {
        let k = r.vehicle.get();
        printed[k] = Some(r);
    }
    st.printed = printed;
    Ok((stored, first_version))
}

// ---------------------------------------------------------------- re-planning

/// Per squad, how many of its stops a re-plan keeps first and in order: the
/// done stops, the door it is heading to, and everything up to the delivery
/// of goods already in its hands.
fn fixed_stops(st: &DeskState, now: Time) -> Vec<usize> {
    (0..st.routes.len())
        .map(|k| match st.finished(k) {
            Some(_) => st.routes[k].len(),
            None => {
                let ff = st.first_free(k, now);
                let next_is_door = ff > st.locked[k]
                    && matches!(
                        st.routes[k][ff - 1],
                        ActivityKind::Delivery(_)
                            | ActivityKind::ShipmentDelivery(_)
                            | ActivityKind::Visit(_)
                    );
                let mut f = if next_is_door { ff } else { st.locked[k] };
                // Goods collected are in this squad's hands: their deliveries stay
                // on this route, so the stretch up to them is fixed too (the search
                // has been seen to move a pair whose pickup was fixed).
                let r = &st.routes[k];
                let mut p = 0;
                while p < f.min(r.len()) {
                    if let ActivityKind::ShipmentPickup(j) = r[p] {
                        if let Some(d) = r
                            .iter()
                            .position(|a| *a == ActivityKind::ShipmentDelivery(j))
                        {
                            f = f.max(d + 1);
                        }
                    }
                    p += 1;
                }
                f
            }
        })
        .collect()
}

/// The day as the search must see it at `now`: the first `fixed[k]` stops of
/// each squad pinned at their times in `before`, nothing else before `now`,
/// squads not out yet leaving now at the earliest, finished squads closed.
fn pinned_day(
    st: &DeskState,
    before: &solver::solution::Solution,
    fixed: &[usize],
    now: Time,
) -> DayRequest {
    // The search sees the fixed stops pinned at their times and without ride
    // limits or skills: they happen (or happened) whatever the model says, and
    // a fixed stop the model finds infeasible must not be dropped from its route.
    let mut pinned = st.day.clone();
    for k in 0..st.routes.len() {
        let times = before.routes.iter().find(|r| r.vehicle.get() == k);
        for (i, a) in st.routes[k][..fixed[k]].iter().enumerate() {
            if let Some(j) = a.job() {
                let r = &mut pinned.requests[j.get()];
                // A fixed door happens at its time on the ground (recorded, or not
                // before now for the one under way): the search plans the rest
                // from there, not from the morning's model times. The time is at
                // or after the model's arrival, so the pin is always reachable.
                let at_door = matches!(
                    a,
                    ActivityKind::Delivery(_)
                        | ActivityKind::ShipmentDelivery(_)
                        | ActivityKind::Visit(_)
                );
                r.windows = match times.and_then(|t| t.activities.get(i)).filter(|_| at_door) {
                    Some(act) => vec![Window {
                        start: Clock(act.begin as u32),
                        end: Clock(act.begin as u32),
                    }],
                    None => Vec::new(),
                };
                r.skills.clear();
                for it in &mut r.items {
                    if it.kind == ItemKind::Chilled {
                        it.kind = ItemKind::Food;
                    }
                }
            }
        }
    }
    // Nothing not fixed happens before now: the search knows no clock.
    let fixed_jobs: HashSet<usize> = (0..st.routes.len())
        .flat_map(|k| {
            st.routes[k][..fixed[k]]
                .iter()
                .filter_map(|a| a.job())
                .map(|j| j.get())
        })
        .collect();
    for (j, r) in pinned.requests.iter_mut().enumerate() {
        if fixed_jobs.contains(&j) {
            continue;
        }
        let open: Vec<Window> = r
            .windows
            .iter()
            .filter(|w| w.end.seconds() >= now)
            .map(|w| Window {
                start: Clock(w.start.0.max(now as u32)),
                end: w.end,
            })
            .collect();
        if r.windows.is_empty() {
            r.windows = vec![Window {
                start: Clock(now as u32),
                end: Clock(47 * 3600 + 59 * 60),
            }];
        } else if !open.is_empty() {
            r.windows = open;
        }
    }
    for k in 0..st.routes.len() {
        let s = &mut pinned.squads[k];
        // A squad with nothing fixed leaves now at the earliest (one that
        // reported nothing but has left by its sheet has its stops so far fixed).
        if fixed[k] == 0 {
            s.shift.start = Clock(s.shift.start.0.max(now as u32).min(s.shift.end.0));
        }
        if let Some(r) = before.routes.iter().find(|r| r.vehicle.get() == k) {
            if st.finished(k).is_some() {
                s.shift.end = Clock(
                    s.shift
                        .end
                        .0
                        .min(r.end_time.max(s.shift.start.seconds()) as u32),
                );
            }
        }
    }
    pinned
}

/// `POST /replan`.
pub fn replan(engine: &Engine, plan: &PlanRow, input: &ReplanIn) -> Result<ReplanView, ApiError> {
    let arc = warm_state(engine, plan)?;
    let mut st = lock(&arc)?;
    check_open(&st, input.based_on_version, "")?;
    let budget = input.budget_s.unwrap_or(5);
    if !(1..=30).contains(&budget) {
        return Err(ApiError::new(
            ErrorCode::OutOfRange,
            "budget_s",
            "budget_s must be 1..30",
        ));
    }
    let now = now_of(engine, input.now);
    let mode = input.mode.unwrap_or_default();
    let penalty = match mode {
        ReplanMode::Free => 0,
        ReplanMode::KeepPrinted => input.change_penalty_s.unwrap_or(DEFAULT_CHANGE_PENALTY_S),
    } as i64;
    // Retries due today join the day as requests (same door, not before their time).
    let latest_shift = st
        .day
        .squads
        .iter()
        .map(|s| s.shift.end.seconds())
        .max()
        .unwrap_or(0);
    let retries: Vec<ledger::PendingEntry> = st
        .ledger
        .pending
        .iter()
        .filter(|p| p.is_retry && p.when == RetryWhen::Today && !st.job_of.contains_key(&p.id))
        .cloned()
        .collect();
    let mut day_changed = false;
    for p in retries {
        let of = st.job_of[&p.of];
        let loc = st.day.depots.len() + of;
        let mut r = st.day.requests[of].clone();
        r.id = p.id.clone();
        let lo = p.after.unwrap_or(now).max(now);
        if lo >= latest_shift {
            continue;
        }
        r.windows = vec![Window {
            start: Clock(lo as u32),
            end: Clock(latest_shift as u32),
        }];
        let travel: Vec<Travel> = st
            .problem
            .matrices()
            .iter()
            .map(|m| Travel::copy_of(m, loc))
            .collect();
        let sn: Vec<Option<geo_data::SnappedPoint>> =
            st.snapped.snapped.iter().map(|s| s[loc]).collect();
        let point = st.snapped.points[loc];
        st.add_request(r, point, sn, &travel)
            .map_err(|e| ApiError::internal(&e))?;
        let last = st.day.requests.len() - 1;
        st.reasons.insert(
            last,
            solver::solution::UnassignedReason::NoRoomLeft(
                solver::solution::Constraint::TimeWindow,
            ),
        );
        day_changed = true;
    }
    // The day as of now: done stops pinned at their times, squads not yet out leave now at the earliest.
    let before = st.solution(now);
    // Fixed: the done stops, and the door a squad is heading to. A pickup it is
    // heading to is not fixed: the search moves a shipment as a pair, and a
    // fixed pickup at the boundary has been seen to move with it (solver issue).
    let fixed = fixed_stops(&st, now);
    let pinned = pinned_day(&st, &before, &fixed, now);
    let mats: Vec<solver::problem::Matrix> = st.problem.matrices().to_vec();
    let problem = dayplan::convert::build_problem(&pinned, &st.snapped, mats)
        .map_err(|e| ApiError::internal(&e))?;
    let init = solver::InitialPlan {
        routes: (0..st.routes.len())
            .filter(|&k| !st.routes[k].is_empty())
            .map(|k| {
                let (activities, locked) = whole_shipments(
                    match mode {
                        ReplanMode::KeepPrinted => &st.routes[k],
                        ReplanMode::Free => &st.routes[k][..fixed[k]],
                    },
                    &st.routes[k],
                    fixed[k],
                );
                solver::InitialRoute {
                    vehicle: VehicleIdx(k as u32),
                    activities,
                    locked,
                }
            })
            .filter(|r| !r.activities.is_empty())
            .collect(),
        change_penalty: penalty,
        // Moving one stop within a sheet gives about three stops a new
        // predecessor: together about one `change_penalty_s`.
        reorder_penalty: penalty / 3,
    };
    let cfg = solver::SolveConfig {
        seed: st.day.options.seed,
        threads: engine.config.solve_threads,
        time_limit: Some(Duration::from_secs(budget as u64)),
        max_iterations: None,
        cancel: None,
        progress: None,
    };
    let t = Instant::now();
    let sol = solver::solve_from(&problem, &cfg, &init).map_err(|e| ApiError::internal(&e))?;
    let solve_ms = t.elapsed().as_millis() as u64;
    let mut new_routes = vec![Vec::new(); st.routes.len()];
    for r in &sol.routes {
        new_routes[r.vehicle.get()] = r.activities.iter().map(|a| a.kind).collect::<Vec<_>>();
    }
    for k in 0..st.routes.len() {
        // The fixed stops keep their order (a reload the squad is heading to with
        // nothing after it may be dropped by the search: it is not a stop).
        let jobs = |r: &[ActivityKind]| {
            r.iter()
                .filter(|a| **a != ActivityKind::Reload)
                .copied()
                .collect::<Vec<_>>()
        };
        let old_fixed = jobs(&st.routes[k][..fixed[k]]);
        if !jobs(&new_routes[k]).starts_with(&old_fixed) {
            return Err(ApiError::internal(&format!(
                "re-plan moved a fixed stop of squad {k}"
            )));
        }
    }
    // What changed, sheet by sheet.
    let doors = |r: &[ActivityKind]| -> Vec<usize> {
        r.iter()
            .filter(|a| {
                matches!(
                    a,
                    ActivityKind::Delivery(_)
                        | ActivityKind::ShipmentDelivery(_)
                        | ActivityKind::Visit(_)
                )
            })
            .filter_map(|a| a.job())
            .map(|j| j.get())
            .collect()
    };
    let mut changes = Vec::new();
    let mut changed = Vec::new();
    let mut total_moved = 0;
    let old_owner: HashMap<usize, usize> = (0..st.routes.len())
        .flat_map(|k| doors(&st.routes[k]).into_iter().map(move |j| (j, k)))
        .collect();
    let state = engine.store.sheet_state(&st.plan_id)?;
    for k in 0..st.routes.len() {
        let old = doors(&st.routes[k][fixed[k].min(st.routes[k].len())..]);
        let fixed_doors: HashSet<usize> = doors(&st.routes[k][..fixed[k].min(st.routes[k].len())])
            .into_iter()
            .collect();
        let new: Vec<usize> = doors(&new_routes[k])
            .into_iter()
            .filter(|j| !fixed_doors.contains(j))
            .collect();
        let old_set: HashSet<usize> = old.iter().copied().collect();
        let new_set: HashSet<usize> = new.iter().copied().collect();
        let stay_old: Vec<usize> = old
            .iter()
            .copied()
            .filter(|j| new_set.contains(j))
            .collect();
        let stay_new: Vec<usize> = new
            .iter()
            .copied()
            .filter(|j| old_set.contains(j))
            .collect();
        let moved = (old.len() - stay_old.len()) + (stay_old.len() - lcs(&stay_old, &stay_new));
        total_moved += moved;
        let is_changed = new_routes[k] != st.routes[k];
        let name = |j: &usize| st.day.requests[*j].id.clone();
        let sv = state
            .get(&(st.day.squads[k].id.clone(), "zh".to_string()))
            .map_or(0, |x| x.0);
        if is_changed {
            changed.push(k);
        }
        if is_changed || !old.is_empty() {
            changes.push(SheetChange {
                squad: st.day.squads[k].id.clone(),
                sheet_version: if is_changed && !input.dry_run {
                    sv + 1
                } else {
                    sv
                },
                changed: is_changed,
                added: new
                    .iter()
                    .filter(|j| !old_set.contains(j))
                    .map(name)
                    .collect(),
                removed: old
                    .iter()
                    .filter(|j| !new_set.contains(j))
                    .map(name)
                    .collect(),
                printed_stops_moved: moved,
            });
        }
    }
    let _ = old_owner;
    let cost_before = before.cost;
    let unserved_before = before.unassigned.len();
    let old_routes = std::mem::replace(&mut st.routes, new_routes);
    let old_reasons = st.reasons.clone();
    let old_starts = st.start_at.clone();
    for u in &sol.unassigned {
        st.reasons.insert(u.job.get(), u.reason.clone());
    }
    // A squad that has not left yet leaves when the new plan says; one that
    // has left keeps the time it left at.
    for r in &sol.routes {
        let k = r.vehicle.get();
        let left = st.started(k).is_some() || st.start_at[k].is_some_and(|t| t <= now);
        if changed.contains(&k) && !left {
            st.start_at[k] = Some(r.start_time);
        }
    }
    let after = st.solution(now);
    let violations_before = solver::check::check(&st.problem, &before).len();
    let after_v = solver::check::check(&st.problem, &after);
    let violations_after = after_v.len();
    let served = |routes: &[Vec<ActivityKind>]| -> HashSet<usize> {
        routes
            .iter()
            .flatten()
            .filter_map(|a| a.job())
            .map(|j| j.get())
            .collect()
    };
    let (served_before, served_after) = (served(&old_routes), served(&st.routes));
    let mut newly_unserved: Vec<String> = served_before
        .difference(&served_after)
        .map(|&j| st.day.requests[j].id.clone())
        .collect();
    newly_unserved.sort();
    let unserved: Vec<Unserved> = after
        .unassigned
        .iter()
        .map(|u| {
            let (reason, explanation) = dayplan::assemble::explain(&u.reason);
            Unserved {
                request: st.day.requests[u.job.get()].id.clone(),
                reason,
                explanation,
            }
        })
        .collect();
    let fewer = served_after.len() < served_before.len();
    let mut view = ReplanView {
        plan_id: st.plan_id.clone(),
        plan_version: st.version,
        dry_run: input.dry_run,
        cost_before,
        cost_after: after.cost,
        unserved_before,
        unserved_after: after.unassigned.len(),
        printed_stops_moved: total_moved,
        sheets: changes,
        solve_ms,
        violations_before,
        violations_after,
        unserved,
        newly_unserved,
    };
    let refused = if violations_after > violations_before {
        Some(format!("the re-plan would break {violations_after} constraints (now {violations_before}); nothing stored. Inspect it with dry_run"))
    } else if fewer && !input.allow_fewer {
        Some(format!(
            "the re-plan would serve {} requests instead of {}, leaving {} unserved; nothing stored. Inspect it with dry_run, or set allow_fewer",
            served_after.len(),
            served_before.len(),
            view.newly_unserved.join(", ")
        ))
    } else {
        None
    };
    if input.dry_run || refused.is_some() {
        st.routes = old_routes;
        st.reasons = old_reasons;
        st.start_at = old_starts;
        return match (input.dry_run, refused) {
            (false, Some(msg)) => Err(ApiError::new(ErrorCode::OptionStale, "", msg)),
            _ => Ok(view),
        };
    }
    match publish(engine, &mut st, &changed, now, day_changed) {
        Ok((v, _)) => {
            view.plan_version = v;
            Ok(view)
        }
        Err(e) => {
            drop(st);
            engine.desk.evict(&plan.id);
            Err(e)
        }
    }
}

/// The start of a plan the solver accepts: every shipment whole, pickup first,
/// on one trip. A shipment cut by the end of `acts` (free mode keeps only the
/// fixed prefix) gets its delivery back right after it; an unfixed shipment
/// split by a reload (the solver has been seen to return such a route) is left
/// out, and the search inserts it again.
fn whole_shipments(
    acts: &[ActivityKind],
    full: &[ActivityKind],
    fixed: usize,
) -> (Vec<ActivityKind>, usize) {
    let mut out: Vec<ActivityKind> = acts.to_vec();
    let mut fixed = fixed;
    // A done shipment split by a done reload cannot be undone: the reload
    // between its two tasks is left out of the fixed prefix.
    let mut p = 0;
    while p < fixed.min(out.len()) {
        if let ActivityKind::ShipmentPickup(j) = out[p] {
            if let Some(d) = out[..fixed]
                .iter()
                .position(|x| *x == ActivityKind::ShipmentDelivery(j))
            {
                let mut x = p + 1;
                let mut d = d;
                while x < d {
                    if out[x] == ActivityKind::Reload {
                        out.remove(x);
                        fixed -= 1;
                        d -= 1;
                    } else {
                        x += 1;
                    }
                }
            }
        }
        p += 1;
    }
    for (i, a) in acts.iter().enumerate() {
        if let ActivityKind::ShipmentPickup(j) = a {
            if !out.contains(&ActivityKind::ShipmentDelivery(*j))
                && full.contains(&ActivityKind::ShipmentDelivery(*j))
            {
                let _ = i;
                out.push(ActivityKind::ShipmentDelivery(*j));
            }
        }
    }
    // Goods already collected (pickup fixed) are handed over before the next reload.
    let mut p = 0;
    while p < out.len() {
        if let ActivityKind::ShipmentPickup(j) = out[p] {
            let d = out
                .iter()
                .position(|x| *x == ActivityKind::ShipmentDelivery(j));
            if let Some(d) = d {
                let at = fixed.max(p + 1);
                if p < fixed
                    && d > at
                    && out[p..d].contains(&ActivityKind::Reload)
                    && !out[p..at].contains(&ActivityKind::Reload)
                {
                    let x = out.remove(d);
                    out.insert(at, x);
                }
            }
        }
        p += 1;
    }
    let mut drop = Vec::new();
    for (p, a) in out.iter().enumerate() {
        let ActivityKind::ShipmentPickup(j) = a else {
            continue;
        };
        let d = out
            .iter()
            .position(|x| *x == ActivityKind::ShipmentDelivery(*j));
        let ok = d.is_some_and(|d| d > p && !out[p..d].contains(&ActivityKind::Reload));
        if !ok && p >= fixed && d.is_none_or(|d| d >= fixed) {
            drop.push(*j);
        }
    }
    out.retain(|a| !matches!(a, ActivityKind::ShipmentPickup(j) | ActivityKind::ShipmentDelivery(j) if drop.contains(j)));
    (out, fixed)
}

/// Length of the longest common subsequence (stops keeping their relative order).
fn lcs(a: &[usize], b: &[usize]) -> usize {
    let mut dp = vec![0usize; b.len() + 1];
    for &x in a {
        let mut prev = 0;
        for (j, &y) in b.iter().enumerate() {
            let tmp = dp[j + 1];
            dp[j + 1] = if x == y {
                prev + 1
            } else {
                dp[j + 1].max(dp[j])
            };
            prev = tmp;
        }
    }
    dp[b.len()]
}

/// Seeds the warm state from a solve that just finished (no second snap or matrix).
#[allow(clippy::too_many_arguments)]
pub fn seed(
    engine: &Engine,
    id: &str,
    office: &str,
    version: u32,
    day: DayRequest,
    snapped: dayplan::convert::Snapped,
    problem: solver::problem::Problem,
    sol: &solver::solution::Solution,
) {
    let mut st = DeskState::new(id, office, version, day, snapped, problem, sol);
    warm_reach(engine, &mut st);
    engine.desk.put(st);
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_sheets;
