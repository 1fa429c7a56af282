//! Two echelons on a lockdown day: vans to the gates, walkers to the doors.
//!
//! When vehicles may not enter compounds (`vehicles_enter_compounds:
//! false`), a door behind a fence is served on foot, and its goods reach the
//! fence by van. The method is a sequential decomposition, iterated, and
//! every round is one ordinary solver problem built from the day, so the
//! plan stays one plan (one problem, one solution, the desk's usual tools):
//!
//! 1. **Door routes first.** Each parcel (a delivery inside a closed
//!    compound) is collected at its compound's gate nearest to the door; the
//!    goods may be collected from the earliest time any van can be at that
//!    gate. Walking squads alone may serve parcels. Solved with 30 % of the
//!    budget: the times each gate's goods are needed.
//! 2. **Drops.** Per gate, parcels sorted by the time they are needed are
//!    grouped into drops: one drop brings what is needed within eight hours
//!    of its first parcel (chilled goods within their limit; at most what one
//!    vehicle carries). A drop is a request
//!    of its own (`gate_drop`), served by squads with a vehicle only, by the
//!    time its first parcel is needed; its parcels are collected after the
//!    drop's latest end, never before.
//! 3. **Everything together.** The day with its drops is solved from the
//!    door routes (a warm start), with 40 % of what is left: vans serve drops
//!    and the doors outside compounds, walkers the parcels and the rest.
//! 4. **Repair.** A drop no vehicle can make in time is given two hours more
//!    (its parcels wait with it) and the day solved again from the last plan;
//!    then as late as a vehicle can still make it; in the last round the
//!    parcels of a drop still unserved cannot be collected at all, so no
//!    walker collects goods that never came.
//! 5. **Tighten.** Each drop's window is cut to when its van starts
//!    unloading in the last plan and its parcels become collectable from
//!    then on (the plan stays feasible); solved again from it, twice, with
//!    what is left. A drop grouped for a full-day squad's afternoon is often
//!    unloaded in the morning: its parcels can then go to a half-day squad.
//!
//! Synchronisation is by data, not by the search: a drop's window ends when
//! its parcels become collectable, so any feasible plan of the day keeps
//! "dropped before collected". A joint model (drops and collections as
//! linked tasks priced together) could trade van time against walker time,
//! which the decomposition does not; it would need inter-route precedence in
//! the solver's O(1) move evaluation, which no mainstream VRP engine has.

use std::sync::Arc;
use std::time::{Duration, Instant};

use geo_data::PreparedGraphs;
use solver::plan::{InitialPlan, InitialRoute};
use solver::problem::{LocIdx, Problem, Time};
use solver::solution::Solution;

use crate::compound::{closed, membership, on_foot};
use crate::convert::{building_index, request_point, request_weight_kg, snap_day, Snapped};
use crate::dto::*;
use crate::plan::{model, Budget, ModelError};

/// Parcels needed within this span after a drop's first one travel with it
/// (chilled ones within their limit out of the cold). Goods may wait at a
/// staffed gate for a working day; every extra drop is another van stop,
/// and vans are few on a lockdown day. With one hour the demo day's van and
/// tricycle made 39 drops and missed 23 parcels' drops; with three hours,
/// the Chengdu day (1,000 requests) missed 27 parcels and its gate-2 squads
/// waited 2.8 h for their second drop (longest day 2.4 × the mean); with
/// eight, every parcel came in the morning's drops, none was missed and the
/// longest day was 1.4 × the mean, for 19 % less walking.
pub const DROP_SPAN_S: Time = 8 * 3600;
/// Unloading at a gate: a fixed part, and per parcel.
pub const DROP_BASE_S: u32 = 120;
pub const DROP_PER_PARCEL_S: u32 = 10;
/// What an unserved drop is given in a repair round.
const REPAIR_STEP_S: Time = 2 * 3600;
/// Rounds of repair after the joint solve: two hours more, then as late as
/// a vehicle can, then (only if a drop is still not made) giving up on it.
const REPAIR_ROUNDS: usize = 3;
/// Solves after tightening the drops to the vans' planned times.
const TIGHTEN_ROUNDS: usize = 2;
/// A late drop ends this long before the last vehicle shift ends.
const LATEST_MARGIN_S: Time = 3600;
/// A pickup time no squad can meet: the goods never come.
const NEVER_S: u32 = 47 * 3600;

/// What the two-echelon plan did, for the log and the benchmark.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EchelonReport {
    pub parcels: usize,
    pub drops: usize,
    /// Solves after the door routes (the joint one and the repairs).
    pub rounds: usize,
    /// Drops no vehicle could make; their parcels are unserved.
    pub unserved_drops: usize,
}

/// A planned day: the day as planned (with its drops, when two echelons
/// applied), its snapped points, problem and solution.
pub struct Planned {
    pub day: DayRequest,
    pub snapped: Snapped,
    pub problem: Problem,
    pub solution: Solution,
    pub matrix_ms: u64,
    pub echelons: Option<EchelonReport>,
    /// Whether `day` differs from the day posted (drops added, fair-shares
    /// scales set): the service then stores it with the result.
    pub day_changed: bool,
}

/// Whether the day is planned in two echelons: vehicles stay outside
/// compounds, some delivery lies behind a fence, and the day has both
/// walking squads and squads with a vehicle. A day that already holds drops
/// (a planned day posted again) is planned as given.
pub fn applies(day: &DayRequest) -> bool {
    closed(day)
        && day.squads.iter().any(on_foot)
        && day.squads.iter().any(|s| !on_foot(s))
        && day.requests.iter().all(|r| r.gate_drop.is_none())
        && !parcels(day).is_empty()
}

/// Requests whose goods must come through a gate: deliveries inside a
/// closed compound with no pickup of their own (a pharmacy order is fetched
/// on foot), as (request, compound).
fn parcels(day: &DayRequest) -> Vec<(usize, usize)> {
    membership(day)
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let r = &day.requests[i];
            (r.kind == RequestKind::Delivery && r.pickup.is_none() && request_weight_kg(r) > 0.0)
                .then_some(())
                .and(c.map(|c| (i, c)))
        })
        .collect()
}

/// Plans the day: in two echelons when [`applies`], else in one solve.
/// The one entry point of the service, the desk's tests and the benches.
pub fn plan_day(
    day: &DayRequest,
    snapped: Snapped,
    graphs: &PreparedGraphs,
    budget: &Budget,
) -> Result<Planned, ModelError> {
    let t0 = Instant::now();
    let total = budget.time;
    if !applies(day) {
        let m = model(day, snapped, graphs)?;
        if !needs_tuning(day) {
            let solution = crate::plan::solve(day, &m.problem, budget.clone());
            return Ok(Planned {
                day: day.clone(),
                snapped: m.snapped,
                problem: m.problem,
                solution,
                matrix_ms: m.matrix_ms,
                echelons: None,
                day_changed: false,
            });
        }
        // Fair shares: a first plan on the shifts' scales, then the day's own.
        let first = crate::plan::solve(day, &m.problem, phase(budget, t0, total.mul_f64(0.3)));
        let mut tuned = day.clone();
        (
            tuned.options.balance_scale_s,
            tuned.options.balance_target_s,
        ) = crate::convert::tuned_scales(day, &first);
        let problem =
            crate::convert::build_problem(&tuned, &m.snapped, m.problem.matrices().to_vec())
                .map_err(|e| ModelError::new(e.to_string()))?;
        let solution = solve_from(
            &tuned,
            &problem,
            &first,
            &[],
            phase(budget, t0, remaining(total, t0)),
        );
        return Ok(Planned {
            day: tuned,
            snapped: m.snapped,
            problem,
            solution,
            matrix_ms: m.matrix_ms,
            echelons: None,
            day_changed: true,
        });
    }
    let parcels = parcels(day);
    let gates = nearest_gates(day, &parcels);

    // 1. Door routes, goods collectable from the first possible van arrival.
    let m0 = model(day, snapped, graphs)?;
    let mut matrix_ms = m0.matrix_ms;
    let earliest = earliest_at_gates(day, &m0.problem);
    let mut a = day.clone();
    for (&(i, _), gate) in parcels.iter().zip(&gates) {
        let r = &mut a.requests[i];
        r.pickup = Some(gate.clone());
        r.pickup_after = Some(Clock(
            earliest.get(gate.as_str()).map_or(NEVER_S, |&t| t as u32),
        ));
    }
    let ma = remodel(&a, graphs)?;
    matrix_ms += ma.matrix_ms;
    let sa = crate::plan::solve(&a, &ma.problem, phase(budget, t0, total.mul_f64(0.3)));
    if needs_tuning(&a) {
        (a.options.balance_scale_s, a.options.balance_target_s) =
            crate::convert::tuned_scales(&a, &sa);
    }

    // 2. Drops from the times the goods are needed.
    let needed = first_begins(&ma.problem, &sa);
    let mut b = a.clone();
    let drops = group_drops(&a, &parcels, &gates, &needed, &earliest);
    let first_drop = b.requests.len();
    let mut per_gate: std::collections::HashMap<&str, usize> = Default::default();
    for d in &drops {
        let seq = per_gate.entry(d.gate.as_str()).or_default();
        *seq += 1;
        b.requests.push(drop_request(&a, d, *seq));
        for &i in &d.parcels {
            b.requests[i].pickup_after = Some(Clock((d.window_end + d.service as Time) as u32));
        }
    }

    // 3. Everything together, from the door routes.
    let mut mb = remodel(&b, graphs)?;
    matrix_ms += mb.matrix_ms;
    let mut sb = solve_from(
        &b,
        &mb.problem,
        &sa,
        &[],
        phase(budget, t0, remaining(total, t0).mul_f64(0.4)),
    );
    let mut rounds = 1;

    // 4. Repairs: drops no vehicle made in time.
    for round in 0..REPAIR_ROUNDS {
        let late: Vec<usize> = (first_drop..b.requests.len())
            .filter(|&j| sb.unassigned.iter().any(|u| u.job.get() == j))
            .collect();
        if late.is_empty() {
            break;
        }
        let give_up = round + 1 == REPAIR_ROUNDS;
        // The latest a vehicle can still unload, and be back by its shift's end.
        let latest = b
            .squads
            .iter()
            .filter(|s| !on_foot(s))
            .map(|s| s.shift.end.seconds() - LATEST_MARGIN_S)
            .max()
            .unwrap_or(0);
        let mut dropped: Vec<usize> = Vec::new();
        for &j in &late {
            let d = &drops[j - first_drop];
            let w = &mut b.requests[j].windows[0];
            let end = match round {
                0 => w.end.seconds() + REPAIR_STEP_S,
                _ => latest.max(w.end.seconds()),
            };
            w.end = Clock(end as u32);
            let after = if give_up {
                NEVER_S
            } else {
                (end + d.service as Time) as u32
            };
            for &i in &d.parcels {
                b.requests[i].pickup_after = Some(Clock(after));
                dropped.push(i);
            }
        }
        let m = remodel(&b, graphs)?;
        matrix_ms += m.matrix_ms;
        let left = remaining(total, t0);
        // What is left after the last repair goes to tightening.
        let time = left.mul_f64(0.5).max(Duration::from_millis(200));
        sb = solve_from(&b, &m.problem, &sb, &dropped, phase(budget, t0, time));
        mb = m;
        rounds += 1;
    }
    // 5. Tighten: a drop made earlier than its window's end lets its parcels
    // be collected from then on, which the last plan already keeps; the
    // walkers' waits at the gates shrink in one more solve from it.
    // Twice: the second round's vans may unload earlier still.
    for round in 0..TIGHTEN_ROUNDS {
        if !tighten(&mut b, first_drop, &drops, &mb.problem, &sb) {
            break;
        }
        let m = remodel(&b, graphs)?;
        matrix_ms += m.matrix_ms;
        let left = remaining(total, t0);
        let share = if round + 1 == TIGHTEN_ROUNDS {
            1.0
        } else {
            0.5
        };
        let time = left.mul_f64(share).max(Duration::from_millis(200));
        sb = solve_from(&b, &m.problem, &sb, &[], phase(budget, t0, time));
        mb = m;
        rounds += 1;
    }
    let unserved_drops = (first_drop..b.requests.len())
        .filter(|&j| sb.unassigned.iter().any(|u| u.job.get() == j))
        .count();
    Ok(Planned {
        day: b,
        snapped: mb.snapped,
        problem: mb.problem,
        solution: sb,
        matrix_ms,
        echelons: Some(EchelonReport {
            parcels: parcels.len(),
            drops: drops.len(),
            rounds,
            unserved_drops,
        }),
        day_changed: true,
    })
}

/// Ends each routed drop's window at the time its van starts unloading in
/// `s`, and lets its parcels be collected from the end of that unloading.
/// `s` stays feasible (its drops begin by then, its collections start no
/// earlier than the old, later bound). Whether anything moved earlier.
fn tighten(
    day: &mut DayRequest,
    first_drop: usize,
    drops: &[Drop],
    problem: &Problem,
    s: &Solution,
) -> bool {
    let begins = first_begins(problem, s);
    let mut moved = false;
    for j in first_drop..day.requests.len() {
        let Some(begin) = begins[j] else { continue };
        let w = &mut day.requests[j].windows[0];
        if begin >= w.end.seconds() {
            continue;
        }
        w.end = Clock(begin as u32);
        w.start = w.start.min(w.end);
        let after = begin + day.requests[j].service_s.unwrap_or(0) as Time;
        for &i in &drops[j - first_drop].parcels {
            let r = &mut day.requests[i];
            if r.pickup_after.is_some_and(|p| p.seconds() > after) {
                r.pickup_after = Some(Clock(after as u32));
                moved = true;
            }
        }
    }
    moved
}

/// Whether fair shares are asked for with no scale given for a travel mode
/// of two squads or more: the planner then sets it from a first plan.
fn needs_tuning(day: &DayRequest) -> bool {
    day.options.balance == Balance::Fair
        && Profile::ALL.iter().any(|&p| {
            day.options.balance_scale_s.get(p).is_none()
                && day.squads.iter().filter(|s| s.profile == p).count() >= 2
        })
}

/// Snaps and models a day again (its drops sit on gates already snapped,
/// so this only repeats cheap work).
fn remodel(day: &DayRequest, graphs: &PreparedGraphs) -> Result<crate::plan::Modelled, ModelError> {
    let snapped = snap_day(day, graphs).map_err(|e| {
        ModelError::new(format!(
            "{} ({})",
            e.first().map_or("", |e| e.message.as_str()),
            e.first().map_or("", |e| e.path.as_str())
        ))
    })?;
    model(day, snapped, graphs)
}

fn remaining(total: Duration, t0: Instant) -> Duration {
    total.saturating_sub(t0.elapsed())
}

/// The budget of one phase: `time`, with progress reported on the whole
/// plan's clock (the bar does not jump back between phases).
fn phase(budget: &Budget, t0: Instant, time: Duration) -> Budget {
    let offset = t0.elapsed();
    let total = budget.time.as_secs_f64().max(1e-3);
    let progress = budget.progress.clone().map(|inner| {
        Arc::new(move |mut p: crate::plan::Progress| {
            p.elapsed += offset;
            p.budget_used = (p.elapsed.as_secs_f64() / total).min(1.0);
            inner(p)
        }) as Arc<dyn Fn(crate::plan::Progress) + Send + Sync>
    });
    Budget {
        time,
        threads: budget.threads,
        cancel: budget.cancel.clone(),
        progress,
    }
}

/// Solves `day` starting from `from` (same job numbering: drops are
/// appended), leaving out the stops of the requests in `without`.
fn solve_from(
    day: &DayRequest,
    problem: &Problem,
    from: &Solution,
    without: &[usize],
    budget: Budget,
) -> Solution {
    let routes = from
        .routes
        .iter()
        .map(|r| InitialRoute {
            vehicle: r.vehicle,
            activities: r
                .activities
                .iter()
                .map(|a| a.kind)
                .filter(|k| k.job().is_none_or(|j| !without.contains(&j.get())))
                .collect(),
            locked: 0,
        })
        .collect();
    let plan = InitialPlan {
        routes,
        change_penalty: 0,
        reorder_penalty: 0,
    };
    let config = budget.config(day);
    // The plan comes from the same day's jobs, so it is valid; should it not
    // be, a plain solve still plans the day.
    solver::solve_from(problem, &config, &plan).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "two echelons: warm start refused, solving afresh");
        solver::solve(problem, &config)
    })
}

/// Per parcel, the gate of its compound nearest to its door (straight
/// line: gates of one compound are a short walk apart, and the walk matrix
/// is not built yet).
fn nearest_gates(day: &DayRequest, parcels: &[(usize, usize)]) -> Vec<String> {
    let buildings = building_index(day);
    parcels
        .iter()
        .map(|&(i, c)| {
            let door = request_point(day, &buildings, &day.requests[i]);
            day.compounds[c]
                .gates
                .iter()
                .filter_map(|g| day.depots.iter().find(|d| &d.id == g))
                .min_by(|x, y| {
                    let dx = geo_data::snap::haversine_m(door, (x.lat, x.lon));
                    let dy = geo_data::snap::haversine_m(door, (y.lat, y.lon));
                    dx.total_cmp(&dy)
                })
                .map(|d| d.id.clone())
                .expect("a compound has at least one known gate (validated)")
        })
        .collect()
}

/// Per gate id, the earliest time any squad with a vehicle can be there
/// (its shift start plus the drive from its depot).
fn earliest_at_gates(
    day: &DayRequest,
    problem: &Problem,
) -> std::collections::HashMap<String, Time> {
    let mut out = std::collections::HashMap::new();
    for (g, depot) in day.depots.iter().enumerate() {
        if depot.kind != DepotKind::Gate {
            continue;
        }
        let best = problem
            .vehicles()
            .iter()
            .zip(&day.squads)
            .filter(|(_, s)| !on_foot(s))
            .filter_map(|(v, _)| {
                let start = v.start?;
                let m = problem.matrix(v.profile);
                m.reachable(start, LocIdx(g as u32))
                    .then(|| v.shift.start + m.duration(start, LocIdx(g as u32)))
            })
            .min();
        if let Some(t) = best {
            out.insert(depot.id.clone(), t);
        }
    }
    out
}

/// When each routed job is first served: a parcel's collection at its gate
/// (a shipment's pickup comes before its door), a drop's unloading.
fn first_begins(problem: &Problem, s: &Solution) -> Vec<Option<Time>> {
    let mut out = vec![None; problem.jobs().len()];
    for r in &s.routes {
        for a in &r.activities {
            if let Some(j) = a.kind.job() {
                out[j.get()].get_or_insert(a.begin);
            }
        }
    }
    out
}

/// One drop: a gate, its compound, the parcels, and by when it must start.
#[derive(Clone, Debug)]
struct Drop {
    gate: String,
    compound: usize,
    parcels: Vec<usize>,
    window_end: Time,
    service: u32,
    weight_kg: f64,
}

/// Per gate: parcels by the time they are needed, grouped into drops of at
/// most [`DROP_SPAN_S`] and one vehicle's load. Parcels no squad took in
/// the door routes ride with the gate's last drop.
fn group_drops(
    day: &DayRequest,
    parcels: &[(usize, usize)],
    gates: &[String],
    needed: &[Option<Time>],
    earliest: &std::collections::HashMap<String, Time>,
) -> Vec<Drop> {
    let max_load = day
        .squads
        .iter()
        .filter(|s| !on_foot(s))
        .map(|s| s.capacity_kg)
        .fold(0.0, f64::max);
    let mut gate_ids: Vec<&String> = gates.iter().collect();
    gate_ids.sort();
    gate_ids.dedup();
    let mut drops = Vec::new();
    for gate in gate_ids {
        let Some(&e) = earliest.get(gate.as_str()) else {
            continue; // no vehicle reaches the gate: its parcels stay unserved
        };
        let mut at: Vec<(Time, usize, usize)> = parcels
            .iter()
            .zip(gates)
            .filter(|(_, g)| *g == gate)
            .map(|(&(i, c), _)| (needed[i].unwrap_or(Time::MAX), i, c))
            .collect();
        at.sort();
        let mut current: Option<(Time, Drop)> = None;
        for (t, i, c) in at {
            let w = request_weight_kg(&day.requests[i]);
            // Chilled goods wait at the gate no longer than they may be out
            // of the cold.
            let span = crate::convert::chilled_limit_s(day, &day.requests[i])
                .map_or(DROP_SPAN_S, |c| c.min(DROP_SPAN_S));
            let fits = |d: &Drop| {
                (t == Time::MAX || t <= d.window_end.max(e) + span)
                    && d.weight_kg + w <= max_load
            };
            match current.as_mut() {
                Some((_, d)) if fits(d) || (t == Time::MAX && d.weight_kg + w <= max_load) => {
                    d.parcels.push(i);
                    d.weight_kg += w;
                }
                _ => {
                    if let Some((_, d)) = current.take() {
                        drops.push(d);
                    }
                    let first = if t == Time::MAX { e + DROP_SPAN_S } else { t };
                    current = Some((
                        first,
                        Drop {
                            gate: gate.clone(),
                            compound: c,
                            parcels: vec![i],
                            window_end: first,
                            service: 0,
                            weight_kg: w,
                        },
                    ));
                }
            }
        }
        drops.extend(current.map(|(_, d)| d));
    }
    // The window ends when the van must start unloading for the first parcel.
    for d in &mut drops {
        d.service = DROP_BASE_S + DROP_PER_PARCEL_S * d.parcels.len() as u32;
        let e = earliest[d.gate.as_str()];
        d.window_end = (d.window_end - d.service as Time).max(e);
    }
    drops
}

/// The request of a drop: at its gate, the parcels' weight, served by a
/// vehicle by the end of its window; urgent, since a missing drop leaves a
/// whole batch of doors without goods.
fn drop_request(day: &DayRequest, d: &Drop, seq: usize) -> Request {
    let gate = day
        .depots
        .iter()
        .find(|x| x.id == d.gate)
        .expect("gates are depots (validated)");
    let compound = &day.compounds[d.compound];
    let start = day
        .squads
        .iter()
        .filter(|s| !on_foot(s))
        .map(|s| s.shift.start)
        .min()
        .unwrap_or(Clock(0));
    Request {
        id: format!("DROP-{}-{seq}", d.gate),
        resident: None,
        phone: None,
        lat: Some(gate.lat),
        lon: Some(gate.lon),
        building: None,
        unit: None,
        floor: None,
        address: Some(format!("{} · {}", compound.name, gate.name)),
        kind: RequestKind::Delivery,
        items: vec![Item {
            name: format!("包裹 parcels ×{}", d.parcels.len()),
            weight_kg: (d.weight_kg * 1000.0).round() / 1000.0,
            quantity: 1,
            kind: ItemKind::Other,
        }],
        windows: vec![Window {
            start: start.min(Clock(d.window_end as u32)),
            end: Clock(d.window_end as u32),
        }],
        priority: Some(Priority::Urgent),
        service_s: Some(d.service),
        notes: Some("卸货给步行小分队 unload for the walking squads".into()),
        pickup: None,
        pickup_after: None,
        skills: vec![],
        chilled_max_s: None,
        squad: None,
        preferred_squad: None,
        gate_drop: Some(GateDrop {
            gate: d.gate.clone(),
            compound: compound.id.clone(),
            parcels: d
                .parcels
                .iter()
                .map(|&i| day.requests[i].id.clone())
                .collect(),
        }),
    }
}
