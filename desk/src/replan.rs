//! Re-planning the rest of a day under way: the done stops and what squads
//! carry stay fixed, the rest is solved again (keeping the printed sheets by
//! a change penalty, or freely), and every request it would leave is named.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use dayplan::dto::*;
use solver::problem::{Time, VehicleIdx};
use solver::solution::ActivityKind;

use crate::commit::check_open;
use crate::error::{Code, DeskError, ErrorCode};
use crate::fixed::{fixed_stops, lcs, pinned_day};
use crate::ledger;
use crate::publish::{self, Change};
use crate::schedule::is_door;
use crate::state::DeskState;
use crate::travel::Travel;
use crate::Env;

/// A moved printed stop is worth this much walking by default.
pub(crate) const DEFAULT_CHANGE_PENALTY_S: u32 = 600;

/// Re-plans everything not fixed yet (`POST /replan`). A dry run, or a
/// re-plan refused (it would serve fewer, or break more), leaves the state as
/// it was and returns no change; else the state holds the new routes and the
/// [`Change`] is the caller's to store (the view's `plan_version` then set by
/// the caller). `clock` is the service's time of day, used unless the input
/// names its own `now`.
pub fn replan(
    st: &mut DeskState,
    input: &ReplanIn,
    clock: Time,
    env: Env<'_>,
    sheet_versions: &HashMap<String, u32>,
) -> Result<(ReplanView, Option<Change>), DeskError> {
    check_open(st, input.based_on_version, "")?;
    let budget = input.budget_s.unwrap_or(5);
    if !(1..=30).contains(&budget) {
        return Err(DeskError::new(
            ErrorCode::OutOfRange,
            "budget_s",
            "budget_s must be 1..30",
        ));
    }
    let now = input.now.map_or(clock, Clock::seconds);
    let mode = input.mode.unwrap_or_default();
    let penalty = match mode {
        ReplanMode::Free => 0,
        ReplanMode::KeepPrinted => input.change_penalty_s.unwrap_or(DEFAULT_CHANGE_PENALTY_S),
    } as i64;
    let day_changed = add_due_retries(st, now)?;
    let before = st.solution(now);
    let fixed = fixed_stops(st, now);
    let (sol, new_routes, solve_ms) =
        match solve_rest(st, &before, &fixed, now, mode, penalty, budget, env) {
            Ok(x) => x,
            Err(e) => {
                // Retries added to the day but not stored: start again from the store.
                st.needs_rebuild |= day_changed;
                return Err(e);
            }
        };
    let (changes, changed, total_moved) =
        sheet_changes(st, &fixed, &new_routes, sheet_versions, input.dry_run);
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
        if day_changed {
            // The retries it added to the day are not stored: start again from the store.
            st.needs_rebuild = true;
        }
        return match (input.dry_run, refused) {
            (false, Some(msg)) => Err(DeskError::new(Code::OptionStale, "", msg)),
            _ => Ok((view, None)),
        };
    }
    let change = match publish::change(st, &changed, now, day_changed, sheet_versions, env) {
        Ok(c) => c,
        Err(e) => {
            // The state holds the new routes already: start again from the store.
            st.needs_rebuild = true;
            return Err(e);
        }
    };
    view.plan_version = change.based_on + 1;
    Ok((view, Some(change)))
}

/// Retries due today join the day as requests (same door, not before their
/// time, by the latest shift end). Returns whether the day changed.
fn add_due_retries(st: &mut DeskState, now: Time) -> Result<bool, DeskError> {
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
            .map_err(|e| DeskError::internal(&e))?;
        let last = st.day.requests.len() - 1;
        st.reasons.insert(
            last,
            solver::solution::UnassignedReason::NoRoomLeft(
                solver::solution::Constraint::TimeWindow,
            ),
        );
        day_changed = true;
    }
    Ok(day_changed)
}

/// The search on the rest of the day: done stops and the door each squad is
/// heading to pinned at their times (`fixed`), squads not yet out leaving now
/// at the earliest, the current routes as the start (all of them when keeping
/// the printed sheets, only the fixed stops when free). Returns the solution,
/// the new routes and the search time.
#[allow(clippy::too_many_arguments)]
fn solve_rest(
    st: &DeskState,
    before: &solver::solution::Solution,
    fixed: &[usize],
    now: Time,
    mode: ReplanMode,
    penalty: i64,
    budget: u32,
    env: Env<'_>,
) -> Result<(solver::solution::Solution, Vec<Vec<ActivityKind>>, u64), DeskError> {
    // The day as of now: done stops pinned at their times, squads not yet out leave now at the earliest.
    // Fixed: the done stops, and the door a squad is heading to. A pickup it is
    // heading to is not fixed: the search moves a shipment as a pair, and a
    // fixed pickup at the boundary has been seen to move with it (solver issue).
    let pinned = pinned_day(st, before, fixed, now);
    let mats: Vec<solver::problem::Matrix> = st.problem.matrices().to_vec();
    let problem = dayplan::convert::build_problem(&pinned, &st.snapped, mats)
        .map_err(|e| DeskError::internal(&e))?;
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
        threads: env.solve_threads,
        time_limit: Some(Duration::from_secs(budget as u64)),
        max_iterations: None,
        cancel: None,
        progress: None,
    };
    let t = Instant::now();
    let sol = solver::solve_from(&problem, &cfg, &init).map_err(|e| DeskError::internal(&e))?;
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
            return Err(DeskError::internal(&format!(
                "re-plan moved a fixed stop of squad {k}"
            )));
        }
    }
    Ok((sol, new_routes, solve_ms))
}

/// What changed, sheet by sheet: stops added and removed, printed stops
/// moved (stops leaving the sheet plus those out of their old order), and
/// the sheet version each would get. Returns the changes, the squads whose
/// route changed and the printed stops moved in all.
fn sheet_changes(
    st: &DeskState,
    fixed: &[usize],
    new_routes: &[Vec<ActivityKind>],
    sheet_versions: &HashMap<String, u32>,
    dry_run: bool,
) -> (Vec<SheetChange>, Vec<usize>, usize) {
    let doors = |r: &[ActivityKind]| -> Vec<usize> {
        r.iter()
            .filter(|a| is_door(**a))
            .filter_map(|a| a.job())
            .map(|j| j.get())
            .collect()
    };
    let mut changes = Vec::new();
    let mut changed = Vec::new();
    let mut total_moved = 0;
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
        let sv = sheet_versions
            .get(&st.day.squads[k].id)
            .copied()
            .unwrap_or(0);
        if is_changed {
            changed.push(k);
        }
        if is_changed || !old.is_empty() {
            changes.push(SheetChange {
                squad: st.day.squads[k].id.clone(),
                sheet_version: if is_changed && !dry_run { sv + 1 } else { sv },
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
    (changes, changed, total_moved)
}

/// The start of a plan the solver accepts: every shipment whole, pickup first,
/// on one trip. A shipment cut by the end of `acts` (free mode keeps only the
/// fixed prefix) gets its delivery back right after it; an unfixed shipment
/// split by a reload (the solver has been seen to return such a route) is left
/// out, and the search inserts it again.
pub(crate) fn whole_shipments(
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
