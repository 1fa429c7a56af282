//! The warm state of one plan under way, kept in memory so that a desk
//! question costs a snap, one upward search per direction and profile, and
//! O(1) work per position: the day, its snapped locations with their search
//! index ([`Reach`]), the solver [`Problem`] with the day's matrices, the
//! current routes, and the ledger of what happened.

use std::collections::HashMap;

use solver::problem::{JobIdx, LocIdx, Matrix, Problem, Time, VehicleIdx, UNREACHABLE};
use solver::solution::{ActivityKind, Constraint, Route, Solution, Unassigned, UnassignedReason};

use super::ledger::{Ledger, StoredEvent};
use super::reach::Reach;
use super::schedule::{schedule_route, solution, Anchor};
use crate::error::{Code, DeskError, ErrorCode};
use crate::travel::Travel;
use dayplan::convert::{build_problem, Snapped};
use dayplan::dto::*;

/// A plan under way. Its fields are the desk's own: every change goes through
/// the desk's entry points (which keep routes, locks, the ledger, the travel
/// index and the problem's matrices in step); callers read it through the
/// getters below.
pub struct DeskState {
    pub(crate) plan_id: String,
    pub(crate) office: String,
    pub(crate) version: u32,
    pub(crate) day: DayRequest,
    pub(crate) snapped: Snapped,
    pub(crate) problem: Problem,
    /// Per squad (vehicle index), the stops in order.
    pub(crate) routes: Vec<Vec<ActivityKind>>,
    /// Per squad, how many leading stops are recorded done.
    pub(crate) locked: Vec<usize>,
    /// Per squad, the time its printed sheet leaves at (`None`: nothing
    /// printed). A squad that reports nothing is taken to follow its sheet
    /// from this time on, whatever the clock says.
    pub(crate) start_at: Vec<Option<Time>>,
    /// Per squad, its route as last published; `None` once an event or a
    /// change touches it. A publish shows these times unchanged, so `/result`
    /// never re-times a squad that nothing touched.
    pub(crate) printed: Vec<Option<Route>>,
    /// Reasons for requests not in any route (from the last solve).
    pub(crate) reasons: HashMap<usize, UnassignedReason>,
    pub(crate) ledger: Ledger,
    pub(crate) job_of: HashMap<String, usize>,
    pub(crate) squad_of: HashMap<String, usize>,
    /// Travel to and from a new door, per profile: built when the state is
    /// kept warm (or, failing that, on the first urgent question), then grown
    /// with every location the plan gains (see [`DeskState::sync_reach`]).
    pub(crate) reach: Option<Reach>,
    /// A change failed half-way (the day may already hold its request): the
    /// caller must drop this state and restore it from what was stored.
    pub(crate) needs_rebuild: bool,
}

/// Read access for callers outside the desk (the service, tests, benches).
impl DeskState {
    pub fn plan_id(&self) -> &str {
        &self.plan_id
    }
    /// The street office whose plan this is.
    pub fn office(&self) -> &str {
        &self.office
    }
    /// The plan version this state is at.
    pub fn version(&self) -> u32 {
        self.version
    }
    pub fn day(&self) -> &DayRequest {
        &self.day
    }
    pub fn snapped(&self) -> &Snapped {
        &self.snapped
    }
    /// The solver problem with the day's matrices (grown by every urgent door).
    pub fn problem(&self) -> &Problem {
        &self.problem
    }
    /// The job (and request) index of a request id.
    pub fn job_of(&self, request: &str) -> Option<usize> {
        self.job_of.get(request).copied()
    }
    /// Per squad, the stops in order.
    pub fn routes(&self) -> &[Vec<ActivityKind>] {
        &self.routes
    }
    /// Per squad, how many leading stops are recorded done.
    pub fn locked(&self) -> &[usize] {
        &self.locked
    }
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
    /// The travel index, once built.
    pub fn reach(&self) -> Option<&Reach> {
        self.reach.as_ref()
    }
    /// Whether a change failed half-way and the state must be rebuilt.
    pub fn needs_rebuild(&self) -> bool {
        self.needs_rebuild
    }
    /// The caller could not store a change this state already holds.
    pub fn mark_for_rebuild(&mut self) {
        self.needs_rebuild = true;
    }
}

impl DeskState {
    pub fn new(
        plan_id: &str,
        office: &str,
        version: u32,
        day: DayRequest,
        snapped: Snapped,
        problem: Problem,
        sol: &Solution,
    ) -> Self {
        let n = day.squads.len();
        let mut routes = vec![Vec::new(); n];
        let mut start_at = vec![None; n];
        let mut printed = vec![None; n];
        for r in &sol.routes {
            routes[r.vehicle.get()] = r.activities.iter().map(|a| a.kind).collect();
            start_at[r.vehicle.get()] = Some(r.start_time);
            printed[r.vehicle.get()] = Some(r.clone());
        }
        let reasons = sol
            .unassigned
            .iter()
            .map(|u| (u.job.get(), u.reason.clone()))
            .collect();
        let job_of = day
            .requests
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let squad_of = day
            .squads
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        Self {
            plan_id: plan_id.into(),
            office: office.into(),
            version,
            day,
            snapped,
            problem,
            routes,
            locked: vec![0; n],
            start_at,
            printed,
            reasons,
            ledger: Ledger::default(),
            job_of,
            squad_of,
            reach: None,
            needs_rebuild: false,
        }
    }

    /// Builds the travel index on first use and appends the locations added
    /// since (committed doors, retries joining the day).
    pub fn sync_reach(&mut self, graphs: &geo_data::PreparedGraphs) -> Result<&Reach, String> {
        match &mut self.reach {
            Some(r) => r.sync(&self.snapped, graphs)?,
            None => self.reach = Some(Reach::build(&self.snapped, graphs)?),
        }
        Ok(self.reach.as_ref().expect("just built"))
    }

    /// Routes from a stored result (after a restart).
    pub fn routes_from_result(&mut self, result: &PlanResult) {
        for r in &mut self.routes {
            r.clear();
        }
        for rv in &result.routes {
            let Some(&k) = self.squad_of.get(&rv.squad) else {
                continue;
            };
            let acts = rv
                .stops
                .iter()
                .filter_map(|s| {
                    let j = s.request.as_ref().and_then(|q| self.job_of.get(q)).copied();
                    let kind = &self
                        .problem
                        .jobs()
                        .get(j.unwrap_or(usize::MAX))
                        .map(|x| &x.kind);
                    Some(match (s.kind, j, kind) {
                        (StopKind::Reload, _, _) => ActivityKind::Reload,
                        (StopKind::Pickup, Some(j), _) => {
                            ActivityKind::ShipmentPickup(JobIdx(j as u32))
                        }
                        (StopKind::Visit, Some(j), _) => ActivityKind::Visit(JobIdx(j as u32)),
                        (
                            StopKind::Delivery,
                            Some(j),
                            Some(solver::problem::JobKind::Shipment { .. }),
                        ) => ActivityKind::ShipmentDelivery(JobIdx(j as u32)),
                        (StopKind::Delivery, Some(j), _) => {
                            ActivityKind::Delivery(JobIdx(j as u32))
                        }
                        _ => return None,
                    })
                })
                .collect();
            self.routes[k] = acts;
            self.start_at[k] = Some(rv.start_s);
        }
        let routed: std::collections::HashSet<usize> = self
            .routes
            .iter()
            .flatten()
            .filter_map(|a| a.job())
            .map(|j| j.get())
            .collect();
        let by_id: HashMap<&str, UnservedReason> = result
            .unserved
            .iter()
            .map(|u| (u.request.as_str(), u.reason))
            .collect();
        self.reasons = (0..self.day.requests.len())
            .filter(|j| !routed.contains(j))
            .map(|j| {
                let r = match by_id.get(self.day.requests[j].id.as_str()) {
                    Some(UnservedReason::NoSkilledSquad) => UnassignedReason::NoSkilledVehicle,
                    Some(UnservedReason::OverCapacity) => UnassignedReason::OverCapacity,
                    Some(UnservedReason::Unreachable) => UnassignedReason::Unreachable,
                    Some(UnservedReason::WindowClosed) => UnassignedReason::WindowUnreachable,
                    Some(UnservedReason::ChilledTooFar) => UnassignedReason::RideTooLong,
                    Some(UnservedReason::ShiftTooShort) => UnassignedReason::ShiftTooShort,
                    Some(UnservedReason::LeftOutForCost) => UnassignedReason::LeftOutForCost,
                    _ => UnassignedReason::NoRoomLeft(Constraint::TimeWindow),
                };
                (j, r)
            })
            .collect();
    }

    pub fn is_closed(&self) -> bool {
        !self.day.squads.is_empty()
            && self.day.squads.iter().all(|s| {
                self.ledger
                    .squads
                    .get(&s.id)
                    .is_some_and(|l| l.finished_at.is_some())
            })
    }

    pub fn started(&self, k: usize) -> Option<Time> {
        self.ledger
            .squads
            .get(&self.day.squads[k].id)
            .and_then(|l| l.started_at)
    }

    pub fn finished(&self, k: usize) -> Option<Time> {
        self.ledger
            .squads
            .get(&self.day.squads[k].id)
            .and_then(|l| l.finished_at)
    }

    /// The first activity the desk may put something before, at `now`.
    ///
    /// A squad that reports: after its recorded stops and the next door it
    /// is heading to (with the pickups and reloads on the way there). A squad
    /// that has reported nothing is where its sheet has it: once it has left,
    /// every stop its sheet has over by now counts as done, and the stop it
    /// is heading to is fixed; before it leaves, everything is free.
    pub fn first_free(&self, k: usize, now: Time) -> usize {
        let route = &self.routes[k];
        let l = self.locked[k];
        if self.started(k).is_some() {
            return match (l..route.len()).find(|&i| super::schedule::is_door(route[i])) {
                Some(d) => d + 1,
                None => route.len(),
            };
        }
        let sched = self.route_schedule(k, route, now);
        if route.is_empty() || now < sched.start_time {
            return l;
        }
        let over = sched
            .activities
            .iter()
            .take_while(|a| a.departure <= now)
            .count();
        (over + 1).min(route.len()).max(l)
    }

    /// Validates an event against the routes and applies it. Errors name the field.
    pub fn apply_event(&mut self, e: &StoredEvent) -> Result<(), DeskError> {
        let Some(&k) = self.squad_of.get(&e.squad) else {
            return Err(DeskError::new(
                Code::NotFound,
                "squad",
                "no such squad in this plan",
            ));
        };
        if self.finished(k).is_some() {
            return Err(DeskError::new(
                Code::PlanFinished,
                "event",
                format!("squad {} has finished its day", e.squad),
            ));
        }
        let ev = &e.event;
        match ev.event {
            ProgressKind::Started | ProgressKind::Finished => {}
            ProgressKind::Position => match (ev.lat, ev.lon) {
                (Some(lat), Some(lon))
                    if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
                (Some(_), Some(_)) => {
                    return Err(DeskError::new(
                        ErrorCode::OutOfRange,
                        "lat",
                        "lat must be in −90..90 and lon in −180..180",
                    ))
                }
                _ => {
                    return Err(DeskError::new(
                        ErrorCode::MissingField,
                        "lat",
                        "a position needs lat and lon",
                    ))
                }
            },
            ProgressKind::Delivered | ProgressKind::Failed | ProgressKind::Skipped => {
                let Some(req) = &ev.request else {
                    return Err(DeskError::new(
                        ErrorCode::MissingField,
                        "request",
                        "which stop: give the request id",
                    ));
                };
                if ev.event == ProgressKind::Failed && ev.reason.is_none() {
                    return Err(DeskError::new(
                        ErrorCode::MissingField,
                        "reason",
                        "why it failed: nobody_home, refused, wrong_address or other",
                    ));
                }
                if ev.event == ProgressKind::Delivered
                    && (ev.reason.is_some() || ev.retry.is_some() || ev.retry_after.is_some())
                {
                    return Err(DeskError::new(
                        ErrorCode::InvalidValue,
                        "reason",
                        "a delivered stop has no reason or retry",
                    ));
                }
                let Some(&j) = self.job_of.get(req) else {
                    return Err(DeskError::new(
                        ErrorCode::UnknownReference,
                        "request",
                        format!("request {req:?} is not in this plan"),
                    ));
                };
                let route = &self.routes[k];
                let pos: Vec<usize> = route
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.job().is_some_and(|x| x.get() == j))
                    .map(|(i, _)| i)
                    .collect();
                if pos.is_empty() {
                    return Err(DeskError::new(
                        ErrorCode::InvalidValue,
                        "request",
                        format!("request {req:?} is not on squad {}'s route", e.squad),
                    ));
                }
                if pos.iter().all(|&p| p < self.locked[k]) {
                    return Err(DeskError::new(
                        ErrorCode::InvalidValue,
                        "request",
                        format!("request {req:?} is already recorded"),
                    ));
                }
            }
        }
        self.ledger.apply(e);
        self.sync_locks(k);
        self.printed[k] = None;
        Ok(())
    }

    /// Moves the squad's recorded stops to the front of its route (in the order
    /// recorded: a volunteer may take stops out of the printed order) and locks them.
    /// A finished squad's remaining stops leave the route (they become pending).
    pub fn sync_locks(&mut self, k: usize) {
        let sid = self.day.squads[k].id.clone();
        let Some(l) = self.ledger.squads.get(&sid) else {
            return;
        };
        let done: Vec<usize> = l
            .done_order
            .iter()
            .filter_map(|q| self.job_of.get(q).copied())
            .collect();
        let finished = l.finished_at.is_some();
        let route = std::mem::take(&mut self.routes[k]);
        let mut locked: Vec<ActivityKind> = Vec::new();
        let mut rest = route;
        for j in done {
            // Everything of this job still in `rest` (its pickup, then its door) moves
            // to the done prefix, with the pickups and reloads passed on the way.
            let idx: Vec<usize> = rest
                .iter()
                .enumerate()
                .filter(|(_, a)| a.job().is_some_and(|x| x.get() == j))
                .map(|(i, _)| i)
                .collect();
            let Some(&last) = idx.last() else { continue };
            let mut moved = Vec::new();
            let mut keep = Vec::new();
            for (i, a) in rest.into_iter().enumerate() {
                // Pickups and reloads before it were passed on the way: done too.
                let passed = i < last
                    && matches!(
                        a,
                        ActivityKind::Reload
                            | ActivityKind::ShipmentPickup(_)
                            | ActivityKind::Pickup(_)
                    );
                if idx.contains(&i) || passed {
                    moved.push(a);
                } else {
                    keep.push(a);
                }
            }
            locked.extend(moved);
            rest = keep;
        }
        self.locked[k] = locked.len();
        if finished {
            for a in &rest {
                if let Some(j) = a.job() {
                    self.reasons
                        .insert(j.get(), UnassignedReason::ShiftTooShort);
                }
            }
            rest.clear();
        }
        locked.extend(rest);
        // A trailing reload is pointless once the stops after it are gone.
        while self.routes_trailing_reload(&locked) {
            locked.pop();
        }
        self.locked[k] = self.locked[k].min(locked.len());
        self.routes[k] = locked;
    }

    fn routes_trailing_reload(&self, r: &[ActivityKind]) -> bool {
        r.last() == Some(&ActivityKind::Reload)
    }

    /// Recorded completion time of each locked activity of squad `k`.
    pub fn done_times(&self, k: usize) -> Vec<Option<Time>> {
        self.routes[k]
            .iter()
            .take(self.locked[k])
            .map(|a| match a {
                // Only doors are reported; a pickup keeps its planned time.
                ActivityKind::Delivery(j)
                | ActivityKind::ShipmentDelivery(j)
                | ActivityKind::Visit(j) => self
                    .ledger
                    .done
                    .get(&self.day.requests[j.get()].id)
                    .map(|d| d.at),
                _ => None,
            })
            .collect()
    }

    /// A squad given its first stops leaves when the desk priced it to: its
    /// shift start or `now`, whichever is later (and keeps that time after).
    pub fn fix_start(&mut self, k: usize, now: Time) {
        if self.start_at[k].is_none() && self.started(k).is_none() {
            let shift = self.problem.vehicle(VehicleIdx(k as u32)).shift.start;
            self.start_at[k] = Some(shift.max(now));
        }
    }

    /// What the schedule needs to know about squad `k` on the ground.
    pub fn anchor(&self, k: usize) -> Anchor {
        Anchor {
            started_at: self.started(k),
            planned_start: self.start_at[k],
            locked: self.locked[k],
        }
    }

    pub fn route_schedule(&self, k: usize, acts: &[ActivityKind], now: Time) -> Route {
        let anchor = self.anchor(k);
        schedule_route(
            &self.problem,
            VehicleIdx(k as u32),
            acts,
            anchor,
            &self.done_times(k),
            now,
        )
    }

    /// The plan as it stands, as a solver [`Solution`] (checked by `solver::check`).
    pub fn solution(&self, now: Time) -> Solution {
        let routes: Vec<Route> = (0..self.routes.len())
            .map(|k| self.route_schedule(k, &self.routes[k], now))
            .collect();
        let routed: std::collections::HashSet<usize> = self
            .routes
            .iter()
            .flatten()
            .filter_map(|a| a.job())
            .map(|j| j.get())
            .collect();
        let unassigned = (0..self.problem.jobs().len())
            .filter(|j| !routed.contains(j))
            .map(|j| Unassigned {
                job: JobIdx(j as u32),
                reason: self
                    .reasons
                    .get(&j)
                    .cloned()
                    .unwrap_or(UnassignedReason::NoRoomLeft(Constraint::TimeWindow)),
            })
            .collect();
        solution(&self.problem, routes, unassigned)
    }

    /// The plan as `/result` shows it after a publish that changed the
    /// squads in `changed`: every other squad whose printed route nothing
    /// touched keeps it, times included (a reporting squad's projection moves
    /// with the clock, its sheet does not).
    pub fn solution_to_publish(&self, now: Time, changed: &[usize]) -> Solution {
        let mut sol = self.solution(now);
        for r in &mut sol.routes {
            let k = r.vehicle.get();
            if changed.contains(&k) {
                continue;
            }
            if let Some(p) = &self.printed[k] {
                let same = p.activities.len() == self.routes[k].len()
                    && p.activities
                        .iter()
                        .zip(&self.routes[k])
                        .all(|(a, b)| a.kind == *b);
                if same {
                    *r = p.clone();
                }
            }
        }
        let cost: i64 = sol.routes.iter().map(|r| r.cost).sum();
        sol.objective += cost - sol.cost;
        sol.cost = cost;
        sol
    }

    /// Adds a request (and its location, at the end) to the day and rebuilds the problem.
    /// `travel[p]` gives, for profile `p`, `(to_new[loc], from_new[loc])` in seconds and
    /// metres for every existing location, `None` when unreachable.
    pub fn add_request(
        &mut self,
        req: Request,
        point: (f64, f64),
        snapped: Vec<Option<geo_data::SnappedPoint>>,
        travel: &[Travel],
    ) -> Result<usize, String> {
        let n = self.snapped.points.len();
        let mats: Vec<Matrix> = self
            .problem
            .matrices()
            .iter()
            .zip(travel)
            .map(|(m, t)| {
                let size = n + 1;
                let mut dur = vec![UNREACHABLE; size * size];
                let mut dist = vec![UNREACHABLE; size * size];
                for a in 0..n {
                    let la = LocIdx(a as u32);
                    let (row_d, row_s) = (
                        &mut dur[a * size..a * size + n],
                        &mut dist[a * size..a * size + n],
                    );
                    for (b, (d, s)) in row_d.iter_mut().zip(row_s.iter_mut()).enumerate() {
                        let lb = LocIdx(b as u32);
                        if m.reachable(la, lb) {
                            *d = m.duration(la, lb) as i32;
                            *s = m.distance(la, lb) as i32;
                        }
                    }
                    if let Some((d, s)) = t.to_new[a] {
                        dur[a * size + n] = d;
                        dist[a * size + n] = s;
                    }
                    if let Some((d, s)) = t.from_new[a] {
                        dur[n * size + a] = d;
                        dist[n * size + a] = s;
                    }
                }
                dur[n * size + n] = 0;
                dist[n * size + n] = 0;
                Matrix::new(size, dur, dist).expect("sizes right by construction")
            })
            .collect();
        let mut day = self.day.clone();
        let id = req.id.clone();
        day.requests.push(req);
        let mut snapped_new = Snapped {
            points: self.snapped.points.clone(),
            profiles: self.snapped.profiles.clone(),
            snapped: self.snapped.snapped.clone(),
            park_s: self.snapped.park_s.clone(),
        };
        snapped_new.points.push(point);
        for (p, s) in snapped_new.snapped.iter_mut().zip(snapped) {
            p.push(s);
        }
        let problem = build_problem(&day, &snapped_new, mats).map_err(|e| e.to_string())?;
        let j = day.requests.len() - 1;
        self.day = day;
        self.snapped = snapped_new;
        self.problem = problem;
        self.job_of.insert(id, j);
        Ok(j)
    }
}
