//! Taking an option: checked again against the state as it is now, applied
//! to the squad's route, and handed back as a change to store.

use std::collections::HashMap;

use dayplan::dto::*;
use solver::problem::{LocIdx, Time, VehicleIdx};
use solver::solution::ActivityKind;

use crate::error::{Code, DeskError, ErrorCode};
use crate::fixed::fixed_stops;
use crate::insert::Timeline;
use crate::order::*;
use crate::price::*;
use crate::publish::{self, Change};
use crate::reorder;
use crate::state::DeskState;
use crate::travel::DoorTravel;
use crate::Env;

/// A change is made against the version it was computed on, and while some
/// squad is still out: a stale version is a conflict (`then` tells the desk
/// what to do), a finished day is refused.
pub(crate) fn check_open(st: &DeskState, based_on: u32, then: &str) -> Result<(), DeskError> {
    if based_on != st.version {
        return Err(DeskError::new(
            Code::VersionConflict,
            "based_on_version",
            format!(
                "the plan is at version {}, not {}{then}",
                st.version, based_on
            ),
        ));
    }
    if st.is_closed() {
        return Err(DeskError::new(
            Code::PlanFinished,
            "",
            "every squad has finished: the day is over",
        ));
    }
    Ok(())
}

/// Takes an option (`POST /urgent/commit`): checked again against the state
/// as it is now, applied, and returned with the [`Change`] to store (the
/// view's `plan_version` is the caller's to set once stored). `clock` is the
/// service's time of day, used unless the input names its own `now`.
pub fn commit(
    st: &mut DeskState,
    c: &CommitIn,
    clock: Time,
    env: Env<'_>,
    sheet_versions: &HashMap<String, u32>,
) -> Result<(CommitView, Change), DeskError> {
    let graphs = env.graphs;
    check_open(st, c.based_on_version, ": ask for options again")?;
    let now = c.now.map_or(clock, Clock::seconds);
    let order = resolve_order(
        &st,
        c.request.as_ref(),
        c.pending.as_deref(),
        c.deadline,
        now,
    )?;
    let Some(&k) = st.squad_of.get(&c.squad) else {
        return Err(DeskError::new(
            Code::NotFound,
            "squad",
            format!("no squad {:?} in this plan", c.squad),
        ));
    };
    if st.finished(k).is_some() {
        return Err(DeskError::new(
            Code::PlanFinished,
            "squad",
            format!("squad {} has finished its day", c.squad),
        ));
    }
    if let Some(labels) = &c.reorder {
        return commit_reordered(st, c, order, k, labels, now, env, sheet_versions);
    }
    let (gap, pick_gap) = check_position(st, c, &order, k, now)?;
    let v = st.problem.vehicle(VehicleIdx(k as u32));
    let stale = |msg: String| DeskError::new(Code::OptionStale, "insert_after_seq", msg);
    let pickup_loc = order
        .candidate
        .pickup
        .map(|d| d.or(v.start).unwrap_or(LocIdx(0)));
    let cap = v.capacity.first().copied().unwrap_or(i64::MAX);
    // Travel to every location, so the new location is complete in the problem:
    // the index's row and column for a new point, the matrices' own for an old door.
    let door_travel = door_travel(graphs, st, &order)?;
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
            let j = add_order(graphs, st, req.clone(), order.point, &door_travel)?;
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
    let at = Committed {
        k,
        request: &req.id,
        eta: ex.eta,
        now,
        day_changed,
    };
    publish_commit(st, at, env, sheet_versions)
}

/// The option's positions (door gap, pickup gap) still make sense for squad
/// `k` now: after its fixed stops, a pickup for a delivery only, on the door's
/// trip, and a squad with the skills.
fn check_position(
    st: &DeskState,
    c: &CommitIn,
    order: &Order,
    k: usize,
    now: Time,
) -> Result<(usize, Option<usize>), DeskError> {
    let gap = c.insert_after_seq as usize;
    let pick_gap = c.pickup_after_seq.map(|x| x as usize);
    let ff = st.first_free(k, now);
    let m = st.routes[k].len();
    let stale = |msg: String| DeskError::new(Code::OptionStale, "insert_after_seq", msg);
    if gap < ff || gap > m || pick_gap.is_some_and(|p| p < ff || p > gap) {
        return Err(stale(format!("squad {} has done or started stops up to {}: this position is fixed now; ask for options again", c.squad, ff)));
    }
    match (order.candidate.pickup.is_some(), pick_gap) {
        (true, None) => {
            return Err(DeskError::new(
                ErrorCode::MissingField,
                "pickup_after_seq",
                "a delivery needs where its goods are collected",
            ))
        }
        (false, Some(_)) => {
            return Err(DeskError::new(
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
    if !st
        .problem
        .vehicle(VehicleIdx(k as u32))
        .skills
        .covers(order.candidate.skills)
    {
        return Err(stale(format!(
            "squad {} lacks a skill this order needs",
            c.squad
        )));
    }
    if !crate::options::own_squad_allows(st, &order.request, k) {
        return Err(stale(format!(
            "squad {} may not take this order (its resident's own squad: {}; vehicles stay outside closed compounds)",
            c.squad,
            order.request.squad.as_deref().unwrap_or("any")
        )));
    }
    Ok((gap, pick_gap))
}

/// The order's window starts when its squad can be at the door: a squad
/// sets out for it at now at the earliest (from a stop its sheet had over
/// before now, say), and the committed route must keep that time.
pub(crate) fn not_before(req: &mut Request, arrival: Time) {
    if let Some(w) = req.windows.first_mut() {
        if (arrival as u32) > w.start.0 && (arrival as u32) <= w.end.0 {
            w.start = Clock(arrival as u32);
        }
    }
}

/// A job's stops on a sheet: (the pickup of a shipment, the door).
pub(crate) fn stops_of(
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
pub(crate) fn commit_reordered(
    st: &mut DeskState,
    c: &CommitIn,
    order: Order,
    k: usize,
    labels: &[String],
    now: Time,
    env: Env<'_>,
    sheet_versions: &HashMap<String, u32>,
) -> Result<(CommitView, Change), DeskError> {
    let graphs = env.graphs;
    let stale = |msg: String| DeskError::new(Code::OptionStale, "reorder", msg);
    let v = st.problem.vehicle(VehicleIdx(k as u32));
    if !v.skills.covers(order.candidate.skills) {
        return Err(stale(format!(
            "squad {} lacks a skill this order needs",
            c.squad
        )));
    }
    if !crate::options::own_squad_allows(&st, &order.request, k) {
        return Err(stale(format!(
            "squad {} may not take this order (its resident's own squad: {}; vehicles stay outside closed compounds)",
            c.squad,
            order.request.squad.as_deref().unwrap_or("any")
        )));
    }
    let own_depot = v
        .start
        .filter(|l| l.get() < st.day.depots.len())
        .map(|l| st.day.depots[l.get()].id.clone());
    let violations_before = solver::check::check(&st.problem, &st.solution(now)).len();
    let fixed = fixed_stops(&st, now)[k];
    let door_travel = door_travel(graphs, st, &order)?;
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
            let j = add_order(graphs, st, req.clone(), order.point, &door_travel)?;
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
            // The day may hold the new request already: start again from what was stored.
            st.needs_rebuild = true;
            return Err(e);
        }
    };
    let at = Committed {
        k,
        request: &req.id,
        eta,
        now,
        day_changed,
    };
    publish_commit(st, at, env, sheet_versions)
}

/// A committed urgent order: squad `k` takes `request`, there at `eta`.
pub(crate) struct Committed<'a> {
    pub(crate) k: usize,
    pub(crate) request: &'a str,
    pub(crate) eta: Time,
    pub(crate) now: Time,
    pub(crate) day_changed: bool,
}

/// The answer to a commit (squad `k`'s new sheet) and the change to store.
pub(crate) fn publish_commit(
    st: &mut DeskState,
    at: Committed<'_>,
    env: Env<'_>,
    sheet_versions: &HashMap<String, u32>,
) -> Result<(CommitView, Change), DeskError> {
    let k = at.k;
    let squad = st.day.squads[k].id.clone();
    let change = match publish::change(st, &[k], at.now, at.day_changed, sheet_versions, env) {
        Ok(c) => c,
        Err(e) => {
            // The state holds the committed order already: start again from the store.
            st.needs_rebuild = true;
            return Err(e);
        }
    };
    let view = CommitView {
        plan_id: st.plan_id.clone(),
        plan_version: change.based_on + 1,
        request: at.request.to_string(),
        squad: squad.clone(),
        eta: Clock::format(at.eta),
        sheet_version: change.first_sheet_version,
        sheet_url: format!("/api/v1/plans/{}/sheets/{}", st.plan_id, squad),
        sheets_changed: vec![squad],
    };
    Ok((view, change))
}
