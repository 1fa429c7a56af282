//! Urgent options: every squad that could take the order, best first, with
//! what taking it changes, and a new squad from a depot when none fits.

use std::time::Instant;

use dayplan::dto::*;
use solver::problem::{LocIdx, Time, VehicleIdx};
use solver::solution::ActivityKind;

use crate::error::{Code, DeskError};
use crate::fixed::{fixed_stops, lcs, pinned_day};
use crate::insert::{best_for_squad, Candidate, Placement, Timeline, Why};
use crate::order::*;
use crate::price::*;
use crate::reorder;
use crate::schedule::is_door;
use crate::state::DeskState;
use crate::travel::DoorTravel;
use crate::Env;

/// Default number of squads ranked.
pub(crate) const DEFAULT_LIMIT: usize = 5;
/// Options with the squads' printed order allowed to change: for the most
/// promising squads (by their keep-order answer), the solver re-sequences
/// the stops after the fixed ones around the order (see [`reorder`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn reordered_options(
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
                .filter(|a| is_door(**a))
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

/// Every squad that could take an urgent order, best first, each with what
/// taking it changes (`POST /urgent/options`). `clock` is the service's time
/// of day, used unless the input names its own `now`.
pub fn options(
    st: &mut DeskState,
    input: &UrgentIn,
    clock: Time,
    env: Env<'_>,
) -> Result<OptionsView, DeskError> {
    let graphs = env.graphs;
    let t0 = Instant::now();
    if st.is_closed() {
        return Err(DeskError::new(
            Code::PlanFinished,
            "",
            "every squad has finished: the day is over",
        ));
    }
    let now = input.now.map_or(clock, Clock::seconds);
    let limit = input.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 20);
    let order = resolve_order(
        st,
        input.request.as_ref(),
        input.pending.as_deref(),
        input.deadline,
        now,
    )?;
    // Travel between the door and every location first: the index may grow.
    let point_travel_v = match order.existing_loc {
        Some(_) => None,
        None => Some(point_travel(graphs, st, order.point)?),
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
    let ask = Ask {
        st,
        order: &order,
        travel,
        timelines: &timelines,
        frees: &frees,
        now,
        input,
    };
    // Every squad's best position, priced in O(1) per position.
    let answers: Vec<Result<Placement, Why>> = (0..n_sq)
        .map(|k| {
            if st.finished(k).is_some() {
                return Err(Why::Finished);
            }
            if !own_squad_allows(st, &order.request, k) {
                return Err(Why::NotItsSquad);
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
    ranked.sort_by_key(|(k, p)| {
        (
            p.breaks(),
            p.score() + preference_s(st, &order.request, *k),
            p.added_m,
            *k,
        )
    });
    // The best few, walked exactly: what `/result` shows once committed.
    let mut opts: Vec<InsertionOptionView> = ranked
        .iter()
        .take(limit)
        .filter_map(|&(k, p)| ask.keep_order_option(k, p))
        .collect();
    // A fallback position may have turned a breaking option clean.
    let squad_k = |id: &str| st.day.squads.iter().position(|s| s.id == id).unwrap_or(0);
    opts.sort_by_key(|o| {
        (
            breaks(o),
            o.eta_s + o.added_s + preference_s(st, &order.request, squad_k(&o.squad)),
        )
    });
    if input.allow_reorder {
        let more = reordered_options(st, &order, &answers, travel, now, limit, input);
        merge_reordered(&mut opts, more, limit);
    }
    for (i, o) in opts.iter_mut().enumerate() {
        o.rank = i + 1;
    }
    let mut no_fit = ask.no_fit(&answers);
    // A squad that fits once its sheet may change order is not a no-fit.
    no_fit.retain(|n| !opts.iter().any(|o| o.squad == n.squad && !breaks(o)));
    let suggestions = if ranked.iter().any(|(_, p)| !p.breaks()) {
        Vec::new()
    } else {
        ask.suggestions(&answers)
    };
    Ok(OptionsView {
        plan_id: st.plan_id.clone(),
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

/// Whether squad `k` may take `request`: not a vehicle behind a closed
/// compound's fence on a lockdown day, and only the resident's own squad
/// when the request names one (one resident, one volunteer).
pub(crate) fn own_squad_allows(st: &DeskState, request: &Request, k: usize) -> bool {
    dayplan::compound::may_go(&st.day, request, k)
        && request
            .squad
            .as_deref()
            .is_none_or(|own| st.day.squads[k].id == own)
}

/// What ranking squad `k` first must save when the request prefers another
/// squad (the day's `preferred_squad_penalty_s`, as in the morning plan).
pub(crate) fn preference_s(st: &DeskState, request: &Request, k: usize) -> Time {
    match request.preferred_squad.as_deref() {
        Some(p) if st.day.squads[k].id != p => st.day.options.preferred_squad_penalty_s as Time,
        _ => 0,
    }
}

fn breaks(o: &InsertionOptionView) -> bool {
    !o.breaks_windows.is_empty() || o.breaks_shift
}

/// A squad's reordered option replaces its keep-order one when it breaks
/// less or comes sooner for less walking; the list is ranked again and cut
/// to `limit`.
fn merge_reordered(
    opts: &mut Vec<InsertionOptionView>,
    more: Vec<InsertionOptionView>,
    limit: usize,
) {
    for o in more {
        match opts.iter().position(|x| x.squad == o.squad) {
            Some(i) => {
                let x = &opts[i];
                if breaks(x) || o.eta_s + o.added_s < x.eta_s + x.added_s {
                    opts[i] = o;
                }
            }
            None => opts.push(o),
        }
    }
    opts.sort_by_key(|o| (breaks(o), o.eta_s + o.added_s, o.printed_stops_moved));
    opts.truncate(limit);
}

/// One urgent question at one moment: what every part of the answer reads.
struct Ask<'a> {
    st: &'a DeskState,
    order: &'a Order,
    travel: &'a dyn DoorTravel,
    timelines: &'a [Timeline],
    frees: &'a [usize],
    now: Time,
    input: &'a UrgentIn,
}

impl Ask<'_> {
    /// Squad `k`'s option at the position the ranking chose, walked exactly
    /// (or a better position found by walking them all, see below).
    fn keep_order_option(&self, k: usize, p: &Placement) -> Option<InsertionOptionView> {
        let Ask {
            st,
            order,
            travel,
            timelines,
            frees,
            now,
            input,
        } = *self;
        let pick = p.pickup_gap.zip(p.pickup_loc);
        // The option states the exact walk: what `/result` shows once committed.
        let mut ex = exact(st, k, now, &order.candidate, pick, p.gap, travel)?;
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
        if !ex.meets_deadline {
            // The exact walk is the promise: never offer what it says is late.
            return None;
        }
        let route = &st.routes[k];
        let squad = st.day.squads[k].id.clone();
        let breaks = !ex.broken.is_empty() || ex.breaks_shift;
        Some(InsertionOptionView {
            rank: 0,
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
        })
    }

    /// Why each squad cannot take the order cleanly.
    fn no_fit(&self, answers: &[Result<Placement, Why>]) -> Vec<SquadNoFit> {
        let Ask { st, order, .. } = *self;
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
                Err(Why::NotItsSquad) => (
                    NoFitReason::NotItsSquad,
                    None,
                    match order.request.squad.as_deref() {
                        Some(own) if own != st.day.squads[k].id => format!(
                            "the resident's own squad is {own}: clear the order's squad to let another take it"
                        ),
                        _ => "vehicles may not enter this compound today: a walking squad must take it"
                            .to_string(),
                    },
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
        no_fit
    }

    /// When no squad takes the order cleanly: a later deadline, squads with
    /// spare time, a new squad from a depot.
    fn suggestions(&self, answers: &[Result<Placement, Why>]) -> Vec<String> {
        let Ask {
            st,
            order,
            travel,
            timelines,
            now,
            ..
        } = *self;
        let n_sq = st.day.squads.len();
        let fmt_dur = |s: Time| {
            if s >= 3600 {
                format!("{} h {:02} min", s / 3600, s % 3600 / 60)
            } else {
                format!("{} min", (s + 59) / 60)
            }
        };
        let mut suggestions = Vec::new();
        {
            if let Some((k, e)) = answers
                .iter()
                .enumerate()
                .filter_map(|(k, a)| match a {
                    Ok(p) => Some((k, p.eta)),
                    Err(Why::TooFar { earliest }) if *earliest < Time::MAX / 16 => {
                        Some((k, *earliest))
                    }
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
        suggestions
    }
}

/// A new squad leaving a depot now, as the squads based there travel.
#[derive(Debug, PartialEq)]
pub(crate) struct DepotSuggestion {
    pub(crate) eta: Time,
    pub(crate) depot: usize,
    pub(crate) profile: Profile,
}

/// The earliest a squad like one of the day's could be at the door leaving
/// its depot now: each squad's own depot, travel mode (its profile's
/// matrix and travel to the door) and skills; the goods collected on the way.
pub(crate) fn depot_suggestion(
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
            Some(None) => (c.pickup_service(d), d),
            Some(Some(p)) if m.reachable(d, p) => (m.duration(d, p) + c.pickup_service(p), p),
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
