//! From a checked [`DayRequest`] to the solver's [`Problem`], through the road
//! graph: snapping (at the edge, so a point off the map is a 4xx), matrices
//! per profile, then jobs and vehicles.
//!
//! Location numbering, shared by every profile's matrix: depots first (in
//! input order), then one location per request (its door), in input order.
//! Job `i` is request `i`; vehicle `k` is squad `k`. The [`Layout`] keeps that
//! mapping so results are turned back into request and squad ids.

use std::collections::HashMap;

use geo_data::{PreparedGraphs, SnappedPoint};
use solver::problem::{
    Job, JobIdx, JobKind, LocIdx, Matrix, Objective, Priority as SPriority, Problem,
    ProblemBuilder, ProfileIdx, Reload, Skills, Task, TimeWindow, Vehicle, VehicleIdx, UNREACHABLE,
};

use crate::dto::*;
use crate::error::{ErrorCode, FieldError};

/// Time to collect goods at a pharmacy or depot for a pickup-and-delivery:
/// queueing at a counter, checking the order.
pub const PICKUP_SERVICE_S: i64 = 180;

/// Time to take one parcel from the pile a van left at a compound gate: the
/// goods are already there, sorted per squad, so it is a matter of finding
/// the label. Pricing it like a pharmacy counter made a walking squad's 20
/// gate parcels cost an hour and inflated a lockdown day's walking ~2.8×.
pub const GATE_PICKUP_S: i64 = 20;

/// Per depot, in the day's order (its location index): the service time of
/// collecting a request's goods there. A compound gate is a pile of parcels
/// ([`GATE_PICKUP_S`]), anything else a counter ([`PICKUP_SERVICE_S`]).
pub fn pickup_services(day: &DayRequest) -> Vec<i64> {
    let gates: std::collections::HashSet<&str> = day
        .compounds
        .iter()
        .flat_map(|c| c.gates.iter().map(String::as_str))
        .collect();
    day.depots
        .iter()
        .map(|d| {
            if gates.contains(d.id.as_str()) {
                GATE_PICKUP_S
            } else {
                PICKUP_SERVICE_S
            }
        })
        .collect()
}

pub fn geo_profile(p: Profile) -> geo_data::Profile {
    match p {
        Profile::Walk => geo_data::Profile::Walk,
        Profile::Bike => geo_data::Profile::Bike,
        Profile::Car => geo_data::Profile::Car,
    }
}

/// A day whose every location has been placed on the road graphs.
pub struct Snapped {
    /// Requested coordinates of each location (depots, then request doors).
    pub points: Vec<(f64, f64)>,
    /// Profiles used by at least one squad, in [`ProfileIdx`] order.
    pub profiles: Vec<Profile>,
    /// `snapped[p][loc]`: the location on profile `p`'s graph, `None` if that
    /// graph has no road near it (the point is then unreachable for that profile).
    pub snapped: Vec<Vec<Option<SnappedPoint>>>,
    /// Seconds to park at each stop, per profile in use (the day's
    /// `options.park_s`), so that every matrix built from this day, at plan
    /// time or by the desk, adds the same.
    pub park_s: Vec<u32>,
}

impl Snapped {
    pub fn profile_idx(&self, p: Profile) -> ProfileIdx {
        ProfileIdx(self.profiles.iter().position(|&q| q == p).unwrap_or(0) as u32)
    }
}

pub use crate::places::{building_index, request_point};

/// Snaps every location on the graph of every profile in use. A location that
/// no profile in use can snap is an `off_map` error naming its JSON path.
pub fn snap_day(day: &DayRequest, graphs: &PreparedGraphs) -> Result<Snapped, Vec<FieldError>> {
    use rayon::prelude::*;
    let mut profiles: Vec<Profile> = Vec::new();
    for s in &day.squads {
        if !profiles.contains(&s.profile) {
            profiles.push(s.profile);
        }
    }
    let mut errors = Vec::new();
    let mut pgs = Vec::new();
    for (i, s) in day.squads.iter().enumerate() {
        if graphs.graph(geo_profile(s.profile)).is_none() {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                format!("squads[{i}].profile"),
                format!("the map has no {} graph", s.profile.name()),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for &p in &profiles {
        pgs.push(graphs.graph(geo_profile(p)).expect("checked above"));
    }
    let buildings = building_index(day);
    let mut points: Vec<(f64, f64)> = day.depots.iter().map(|d| (d.lat, d.lon)).collect();
    let mut paths: Vec<String> = (0..day.depots.len())
        .map(|i| format!("depots[{i}]"))
        .collect();
    for (i, r) in day.requests.iter().enumerate() {
        points.push(request_point(day, &buildings, r));
        paths.push(if r.building.is_some() {
            format!("requests[{i}].building")
        } else {
            format!("requests[{i}]")
        });
    }
    let snapped: Vec<Vec<Option<SnappedPoint>>> = pgs
        .iter()
        .map(|pg| {
            points
                .par_iter()
                .map(|&(lat, lon)| pg.snap(lat, lon).ok())
                .collect()
        })
        .collect();
    for (loc, &(lat, lon)) in points.iter().enumerate() {
        if snapped.iter().all(|per| per[loc].is_none()) {
            // Say why with the first profile's error (distance to the nearest road).
            let why = match pgs[0].snap(lat, lon) {
                Err(e) => e.to_string(),
                Ok(_) => "no road nearby".to_string(),
            };
            errors.push(FieldError::new(
                ErrorCode::OffMap,
                paths[loc].clone(),
                format!("this point is off the map for every squad's travel mode: {why}"),
            ));
            if errors.len() >= crate::error::MAX_LISTED_ERRORS {
                break;
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let park_s = profiles
        .iter()
        .map(|&p| day.options.park_s.for_profile(p))
        .collect();
    Ok(Snapped {
        points,
        profiles,
        snapped,
        park_s,
    })
}

/// Seconds to add to a leg from `a` to `b` for parking the vehicle at `b`:
/// `park_s` when the vehicle must move (the points are at different road
/// positions), 0 when the squad walks from one door to the next and leaves it
/// where it is. The desk extends matrices with the same rule.
pub fn park_between(park_s: u32, a: &SnappedPoint, b: &SnappedPoint) -> i32 {
    if park_s == 0 || a.same_road_position(b) {
        0
    } else {
        park_s as i32
    }
}

/// Travel matrices for every profile in use, in the solver's units: door to
/// door (the access walks included by geo-data), plus parking for vehicles.
pub fn matrices(snapped: &Snapped, graphs: &PreparedGraphs) -> Vec<Matrix> {
    let n = snapped.points.len();
    snapped
        .profiles
        .iter()
        .zip(&snapped.snapped)
        .zip(&snapped.park_s)
        .map(|((&p, per), &park_s)| {
            let pg = graphs
                .graph(geo_profile(p))
                .expect("profile checked when snapping");
            let present: Vec<usize> = (0..n).filter(|&i| per[i].is_some()).collect();
            let pts: Vec<SnappedPoint> =
                present.iter().map(|&i| per[i].expect("present")).collect();
            let m = pg.matrix(&pts);
            let mut dur = vec![UNREACHABLE; n * n];
            let mut dist = vec![UNREACHABLE; n * n];
            let conv = |v: u32| {
                if v == geo_data::UNREACHABLE {
                    UNREACHABLE
                } else {
                    v.min(UNREACHABLE as u32 - 1) as i32
                }
            };
            for (a, &i) in present.iter().enumerate() {
                for (b, &j) in present.iter().enumerate() {
                    let d = conv(m.durations[a * m.size + b]);
                    dur[i * n + j] = if d == UNREACHABLE {
                        d
                    } else {
                        d.saturating_add(park_between(park_s, &pts[a], &pts[b]))
                            .min(UNREACHABLE - 1)
                    };
                    dist[i * n + j] = conv(m.distances[a * m.size + b]);
                }
            }
            for i in 0..n {
                dur[i * n + i] = 0;
                dist[i * n + i] = 0;
            }
            Matrix::new(n, dur, dist).expect("sizes and signs are right by construction")
        })
        .collect()
}

/// Grams: the solver's integer weight unit.
pub fn grams(kg: f64) -> i64 {
    (kg * 1000.0).round() as i64
}

pub fn request_weight_kg(r: &Request) -> f64 {
    if r.kind == RequestKind::Visit {
        return 0.0;
    }
    r.items
        .iter()
        .map(|i| i.weight_kg * i.quantity as f64)
        .sum()
}

pub fn priority_of(r: &Request) -> Priority {
    r.priority
        .unwrap_or(if r.items.iter().any(|i| i.kind == ItemKind::Medicine) {
            Priority::Medicine
        } else {
            Priority::Routine
        })
}

/// Time at the door: the request's own (or the default for its kind) plus the
/// stairs when the building has no lift. A request given by lat/lon with a
/// floor is assumed to have no lift: older walk-ups are where homebound
/// residents live, and an early volunteer is better than a late one.
pub fn service_s(day: &DayRequest, buildings: &HashMap<&str, &Building>, r: &Request) -> i64 {
    let base = r.service_s.unwrap_or(match r.kind {
        RequestKind::Delivery => day.options.default_delivery_s,
        RequestKind::Visit => day.options.default_visit_s,
    }) as i64;
    let lift = r
        .building
        .as_deref()
        .and_then(|b| buildings.get(b))
        .is_some_and(|b| b.lift);
    let floors_up = (r.floor.unwrap_or(1) - 1).max(0) as i64;
    let stairs = if lift {
        0
    } else {
        floors_up * day.options.stairs_s_per_floor as i64
    };
    base + stairs
}

/// Skill names to bits, in first-seen order (validation caps them at 64).
pub fn skill_bits(day: &DayRequest) -> HashMap<&str, u32> {
    let mut bits = HashMap::new();
    for name in day
        .squads
        .iter()
        .flat_map(|s| &s.skills)
        .chain(day.requests.iter().flat_map(|r| &r.skills))
    {
        let next = bits.len() as u32;
        bits.entry(name.as_str()).or_insert(next);
    }
    bits
}

/// Skill names as bits. A name `bits` does not know (an urgent order's skill
/// that no squad and no request of the day has) is one no squad can have:
/// every bit set.
pub fn skills(names: &[String], bits: &HashMap<&str, u32>) -> Skills {
    if names.iter().any(|n| !bits.contains_key(n.as_str())) {
        return Skills(u64::MAX);
    }
    Skills(
        names
            .iter()
            .filter_map(|n| bits.get(n.as_str()))
            .fold(0u64, |acc, &b| acc | (1u64 << b)),
    )
}

/// What a request asks of the squad that takes it, in solver units: the one
/// rule for the morning plan ([`build_problem`]) and for an urgent order at
/// the desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobTerms {
    /// Seconds at the door (stairs included).
    pub service: i64,
    /// Grams carried.
    pub demand: i64,
    pub skills: Skills,
    /// Seconds its chilled goods may be out of the cold, if it has any.
    pub chilled: Option<i64>,
}

pub fn job_terms(
    day: &DayRequest,
    buildings: &HashMap<&str, &Building>,
    bits: &HashMap<&str, u32>,
    r: &Request,
) -> JobTerms {
    JobTerms {
        service: service_s(day, buildings, r),
        demand: grams(request_weight_kg(r)),
        skills: skills(&r.skills, bits),
        chilled: chilled_limit_s(day, r),
    }
}

/// How long a request's chilled goods may be out of the cold (seconds from
/// loading to the door): the request's own limit, else the day's; `None` if
/// it carries nothing chilled.
pub fn chilled_limit_s(day: &DayRequest, r: &Request) -> Option<i64> {
    r.items
        .iter()
        .any(|it| it.kind == ItemKind::Chilled)
        .then(|| r.chilled_max_s.unwrap_or(day.options.chilled_max_s) as i64)
}

/// When the goods may be collected: from `pickup_after` on, else any time.
pub fn pickup_windows(r: &Request) -> Vec<TimeWindow> {
    r.pickup_after
        .map(|t| vec![TimeWindow::new(t.seconds(), LATEST_END_S)])
        .unwrap_or_default()
}

/// The latest time of day a window may end (47:59, a window past midnight).
const LATEST_END_S: i64 = 47 * 3600 + 59 * 60;

/// Builds the solver problem. Job `i` is request `i`, vehicle `k` is squad `k`.
pub fn build_problem(
    day: &DayRequest,
    snapped: &Snapped,
    matrices: Vec<Matrix>,
) -> Result<Problem, solver::problem::ProblemError> {
    let depot_loc: HashMap<&str, LocIdx> = day
        .depots
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), LocIdx(i as u32)))
        .collect();
    let buildings = building_index(day);
    let bits = skill_bits(day);
    let mut b = ProblemBuilder::new(1);
    for m in matrices {
        b.matrix(m);
    }
    let fair = balance(day);
    b.objective(Objective {
        minimise_vehicles: false,
        balance: fair.as_ref().map(|f| f.0),
    });
    for (p, scale, target) in fair.iter().flat_map(|f| &f.1) {
        if snapped.profiles.contains(p) {
            b.balance_scale(snapped.profile_idx(*p), *scale);
            b.balance_target(snapped.profile_idx(*p), *target);
        }
    }
    let pickup_s = pickup_services(day);
    for (i, r) in day.requests.iter().enumerate() {
        let loc = LocIdx((day.depots.len() + i) as u32);
        let windows: Vec<TimeWindow> = r
            .windows
            .iter()
            .map(|w| TimeWindow::new(w.start.seconds(), w.end.seconds()))
            .collect();
        let terms = job_terms(day, &buildings, &bits, r);
        let door = Task::new(loc, terms.service, windows);
        let chilled = terms.chilled;
        let (kind, max_carry) = match (r.kind, &r.pickup) {
            (RequestKind::Visit, _) => (JobKind::Visit(door), None),
            (RequestKind::Delivery, Some(p)) => (
                JobKind::Shipment {
                    pickup: Task::new(
                        depot_loc[p.as_str()],
                        pickup_s[depot_loc[p.as_str()].get()],
                        pickup_windows(r),
                    ),
                    delivery: door,
                    max_ride: chilled,
                },
                None,
            ),
            // Loaded at the squad's depot: the time counts from the trip's start.
            (RequestKind::Delivery, None) => (JobKind::Delivery(door), chilled),
        };
        b.job(Job {
            id: r.id.clone(),
            kind,
            demand: vec![terms.demand],
            priority: match priority_of(r) {
                Priority::Routine => SPriority::Routine,
                Priority::Medicine => SPriority::Medicine,
                Priority::Urgent => SPriority::Urgent,
            },
            skills: terms.skills,
            prize: None,
            max_carry,
        });
    }
    for s in &day.squads {
        let start = depot_loc[s.depot.as_str()];
        let end = s.end_depot.as_deref().map_or(start, |e| depot_loc[e]);
        let mut v = Vehicle::new(
            s.id.clone(),
            snapped.profile_idx(s.profile),
            start,
            vec![grams(s.capacity_kg)],
        );
        v.end = Some(end);
        v.shift = TimeWindow::new(s.shift.start.seconds(), s.shift.end.seconds());
        v.skills = skills(&s.skills, &bits);
        // Volunteers' effort is walking time; a metre of walking and a metre of
        // driving are not worth the same, a second is.
        v.cost_per_second = 1;
        v.cost_per_metre = 0;
        v.max_stops = s.max_stops;
        v.max_duration = s.max_hours.map(|h| (h * 3600.0).round() as i64);
        v.reload = s.reload_s.map(|service| Reload {
            locations: vec![start],
            service: service as i64,
            max_trips: s.max_trips,
        });
        b.vehicle(v);
    }
    pairing(day, &mut b);
    b.build()
}

/// Fair shares in solver terms ([`solver::problem::Balance`]), per travel
/// mode: with a target (`options.balance_target_s`, set by the planner from
/// a first plan, [`tuned_scales`]) only time beyond it costs,
/// `(d − τ)² / S`; without one the spread of working days costs
/// `N·variance / S`, `S` twice the mode's mean shift unless given (more work
/// never pays as long as `S` is at least twice the mode's mean day).
pub fn balance(day: &DayRequest) -> Option<(solver::problem::Balance, Vec<(Profile, i64, i64)>)> {
    if day.options.balance == Balance::Off {
        return None;
    }
    let scales: Vec<(Profile, i64, i64)> = Profile::ALL
        .iter()
        .filter_map(|&p| {
            let shifts: Vec<i64> = day
                .squads
                .iter()
                .filter(|s| s.profile == p)
                .map(|s| (s.shift.end.seconds() - s.shift.start.seconds()).max(1))
                .collect();
            if shifts.is_empty() {
                return None;
            }
            let given = day.options.balance_scale_s.get(p).map(|s| s.max(1) as i64);
            let target = day.options.balance_target_s.get(p).unwrap_or(0) as i64;
            Some((
                p,
                given.unwrap_or(2 * shifts.iter().sum::<i64>() / shifts.len() as i64),
                target,
            ))
        })
        .collect();
    let default = scales.iter().map(|x| x.1).max()?;
    Some((
        solver::problem::Balance {
            weight: 1,
            scale: default,
            target: 0,
        },
        scales,
    ))
}

/// The scale of fair shares set by the planner, as a share of the target
/// (the mode's mean working day in a first plan). Only time beyond the
/// target pays, at `2 (d − τ) / S` per second: at 0.5 a second beyond 1.3 ×
/// the mean costs 2.2 seconds of walking, beyond 1.5 × 3 seconds. The
/// variance form (no target) could not be made that firm: below `S = 2 ×
/// mean` it paid a short day for detours, and above it a lockdown day kept
/// a spread of 1.5–2.3 (a parcel moved to an idle squad needs a walk to a
/// gate). Measured with `bench_shares` (README).
const TUNED_SCALE: f64 = 0.5;

/// Fair shares' scale and target from a plan of the day: per travel mode with
/// two squads or more and no scale given, the target is the mode's mean
/// working day (idle squads counted as 0), at least 30 minutes, and the
/// scale [`TUNED_SCALE`] of it.
pub fn tuned_scales(
    day: &DayRequest,
    solution: &solver::solution::Solution,
) -> (BalanceScales, BalanceScales) {
    let mut scales = day.options.balance_scale_s;
    let mut targets = day.options.balance_target_s;
    for p in Profile::ALL {
        let n = day.squads.iter().filter(|s| s.profile == p).count();
        if n < 2 || scales.get(p).is_some() {
            continue;
        }
        let total: i64 = solution
            .routes
            .iter()
            .filter(|r| day.squads[r.vehicle.get()].profile == p)
            .map(|r| r.duration)
            .sum();
        let target = (total as f64 / n as f64).max(1800.0);
        targets.set(p, target as u32);
        scales.set(p, (target * TUNED_SCALE).max(1.0) as u32);
    }
    (scales, targets)
}

/// Who may serve each request: behind a closed compound's fence only
/// walking squads, a van's gate drop only squads with a vehicle
/// ([`crate::compound::squads_allowed`]); a request's own `squad` only that
/// squad (one resident, one volunteer), and its `preferred_squad` costs the
/// day's penalty when another serves it. Ids were validated.
fn pairing(day: &DayRequest, b: &mut ProblemBuilder) {
    let squad_idx: HashMap<&str, usize> = day
        .squads
        .iter()
        .enumerate()
        .map(|(k, s)| (s.id.as_str(), k))
        .collect();
    let by_place = crate::compound::squads_allowed(day);
    for (i, r) in day.requests.iter().enumerate() {
        let job = JobIdx(i as u32);
        let own = r.squad.as_deref().and_then(|s| squad_idx.get(s)).copied();
        let allowed: Option<Vec<usize>> = match (&by_place[i], own) {
            (None, None) => None,
            (None, Some(k)) => Some(vec![k]),
            (Some(list), None) => Some(list.clone()),
            (Some(list), Some(k)) => Some(list.iter().copied().filter(|&x| x == k).collect()),
        };
        if let Some(list) = &allowed {
            b.allow(job, list.iter().map(|&k| VehicleIdx(k as u32)).collect());
        }
        if let Some(&k) = r.preferred_squad.as_deref().and_then(|s| squad_idx.get(s)) {
            if allowed.as_ref().is_none_or(|l| l.contains(&k)) {
                b.prefer(
                    job,
                    VehicleIdx(k as u32),
                    day.options.preferred_squad_penalty_s as i64,
                );
            }
        }
    }
}
