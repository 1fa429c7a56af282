//! From the solver's [`Solution`] back to the API's words: routes with ETAs
//! and loads per squad, every unserved request with a reason a coordinator
//! can act on, the route geometry, and the data of each squad's sheet.
//!
//! Invariant (tested as a property): every request of the day appears exactly
//! once, either as a stop of one route or in `unserved`. A job the solver
//! neither routed nor explained is reported as unserved (`no_room_left`)
//! rather than dropped; that would be a solver bug, and it is logged.

use std::collections::HashMap;

use geo_data::PreparedGraphs;
use solver::problem::Problem;
use solver::solution::{ActivityKind, Solution, UnassignedReason};

use crate::convert::{building_index, geo_profile, priority_of, request_weight_kg, Snapped};
use crate::dto::*;
use crate::sheet::{MapData, SheetData, SheetItem, SheetStop};

mod gates;
use gates::GateView;

pub struct Assembled {
    pub result: PlanResult,
    /// One per squad (used or not), in squad order.
    pub sheets: Vec<SheetData>,
    /// Route geometry per squad id, leg by leg.
    pub legs: HashMap<String, Vec<Vec<(f64, f64)>>>,
}

pub fn explain(reason: &UnassignedReason) -> (UnservedReason, String) {
    use UnassignedReason as R;
    match reason {
        R::NoSkilledVehicle => (UnservedReason::NoSkilledSquad, "no squad has every skill this request needs: add the skill to a squad".into()),
        R::OverCapacity => (UnservedReason::OverCapacity, "heavier than any capable squad can carry in one trip: split the items or send a bigger squad".into()),
        R::Unreachable => (UnservedReason::Unreachable, "no squad can reach this place from its depot on the road map: check the location or send another travel mode".into()),
        R::WindowUnreachable => (UnservedReason::WindowClosed, "the time window closes before any squad can get there: widen the window or plan it for later".into()),
        R::RideTooLong => (UnservedReason::ChilledTooFar, "its chilled goods cannot reach the door within their time limit from loading, even on a direct trip: raise chilled_max_s for this request or the day, or serve it from a nearer depot".into()),
        R::ShiftTooShort => (UnservedReason::ShiftTooShort, "no squad's shift is long enough to get there and back: extend a shift or start a squad nearer".into()),
        R::NoRoomLeft(c) => (UnservedReason::NoRoomLeft, format!("every squad is full today (binding: {c:?}): add a squad or move lower-priority requests to another day")),
        R::LeftOutForCost => (UnservedReason::LeftOutForCost, "left out as optional: costs more than it is worth".into()),
        R::NoAllowedVehicle => (UnservedReason::SquadCannotServe, "its squad is not in today's plan: add the squad or clear the request's squad".into()),
    }
}

/// The reason for a request kept with its own squad (`squad`): whatever
/// stopped that squad, said as "its squad cannot reach it in time".
fn explain_for_squad(squad: &str, reason: &UnassignedReason) -> (UnservedReason, String) {
    let (_, why) = explain(reason);
    (
        UnservedReason::SquadCannotServe,
        format!(
            "its squad {squad} cannot reach it in time ({why}); or clear the request's squad so that another squad may take it"
        ),
    )
}

fn kg(grams: i64) -> f64 {
    grams as f64 / 1000.0
}

/// Everything the API shows, from a solution. `sheet_version` gives each
/// squad's sheet version (decided by the caller from the stored hashes).
pub fn assemble(
    plan_id: &str,
    version: u32,
    day: &DayRequest,
    problem: &Problem,
    solution: &Solution,
    snapped: &Snapped,
    graphs: &PreparedGraphs,
    background: bool,
) -> Assembled {
    let buildings = building_index(day);
    let c = Ctx {
        day,
        problem,
        snapped,
        graphs,
        background,
        buildings: &buildings,
        gates: GateView::of(day, solution),
    };
    let mut routes = Vec::new();
    let mut sheets = Vec::new();
    let mut legs_by_squad = HashMap::new();
    let mut seen = vec![false; day.requests.len()];
    let by_vehicle: HashMap<usize, &solver::solution::Route> = solution
        .routes
        .iter()
        .map(|r| (r.vehicle.get(), r))
        .collect();
    for (k, squad) in day.squads.iter().enumerate() {
        let (route, sheet, legs) = squad_route(&c, k, squad, by_vehicle.get(&k), &mut seen);
        routes.extend(route);
        sheets.push(sheet);
        legs_by_squad.insert(squad.id.clone(), legs);
    }
    let unserved = unserved_of(day, solution, &mut seen, plan_id, &c.gates);
    let is_drop: std::collections::HashSet<&str> = day
        .requests
        .iter()
        .filter(|r| r.gate_drop.is_some())
        .map(|r| r.id.as_str())
        .collect();
    let routed: usize = routes
        .iter()
        .flat_map(|r| &r.stops)
        .filter(|s| s.kind != StopKind::Pickup)
        .filter(|s| s.request.as_deref().is_some_and(|q| !is_drop.contains(q)))
        .count();
    let summary = Summary {
        // The residents' requests: a van's gate drops are the plan's own.
        requests: day.requests.len() - is_drop.len(),
        gate_drops: is_drop.len(),
        routed,
        unserved: unserved
            .iter()
            .filter(|u| !is_drop.contains(u.request.as_str()))
            .count(),
        squads: day.squads.len(),
        squads_used: routes.len(),
        distance_m: routes.iter().map(|r| r.distance_m).sum(),
        duration_s: routes.iter().map(|r| r.duration_s).sum(),
        weight_kg: day.requests.iter().map(request_weight_kg).sum(),
        shares: shares_of(day, &routes),
    };
    let result = PlanResult {
        plan_id: plan_id.to_string(),
        version,
        date: day.date.clone(),
        street_office: day.street_office.id.clone(),
        summary,
        routes,
        unserved,
        pending: Vec::new(),
        timings: Timings::default(),
    };
    Assembled {
        result,
        sheets,
        legs: legs_by_squad,
    }
}

/// What every squad's assembly reads.
struct Ctx<'a> {
    day: &'a DayRequest,
    problem: &'a Problem,
    snapped: &'a Snapped,
    graphs: &'a PreparedGraphs,
    background: bool,
    buildings: &'a HashMap<&'a str, &'a Building>,
    gates: GateView,
}

impl Ctx<'_> {
    fn place_of_loc(&self, loc: usize) -> (f64, f64) {
        self.snapped.points[loc]
    }
}

/// Squad `k`'s route (if it has one), its sheet and the geometry of its legs.
fn squad_route(
    c: &Ctx<'_>,
    k: usize,
    squad: &Squad,
    route: Option<&&solver::solution::Route>,
    seen: &mut [bool],
) -> (Option<RouteView>, SheetData, Vec<Vec<(f64, f64)>>) {
    let Ctx {
        day,
        problem,
        snapped,
        graphs,
        background,
        ..
    } = *c;
    let place_of_loc = |loc: usize| c.place_of_loc(loc);
    let start_depot = &day.depots[problem
        .vehicle(solver::problem::VehicleIdx(k as u32))
        .start
        .map_or(0, |l| l.get())];
    let end_id = squad.end_depot.as_deref().unwrap_or(&squad.depot);
    let end_depot = day
        .depots
        .iter()
        .find(|d| d.id == end_id)
        .unwrap_or(start_depot);
    let (stops, sheet_stops, locs, trip) = stops_of(c, route.copied(), &squad.depot, seen);
    let mut locs = locs;
    locs.push(start_depot_idx(day, end_id));
    let pg = graphs.graph(geo_profile(squad.profile));
    let pidx = snapped.profile_idx(squad.profile).get();
    let mut legs: Vec<Vec<(f64, f64)>> = Vec::new();
    if route.is_some() {
        for w in locs.windows(2) {
            let (a, b) = (w[0], w[1]);
            let path = match (pg, snapped.snapped[pidx][a], snapped.snapped[pidx][b]) {
                (Some(pg), Some(pa), Some(pb)) => pg.path(&pa, &pb),
                _ => None,
            };
            // Off-road ends: from the requested point to the road and back, so the
            // line reaches the door the volunteer walks to.
            let mut leg = vec![place_of_loc(a)];
            leg.extend(path.unwrap_or_default());
            leg.push(place_of_loc(b));
            legs.push(leg);
        }
    }
    let (start_s, end_s, distance_m, duration_s, load_start) = match route {
        Some(r) => (
            r.start_time,
            r.end_time,
            r.distance,
            r.duration,
            r.start_load.first().copied().unwrap_or(0),
        ),
        None => (
            squad.shift.start.seconds(),
            squad.shift.start.seconds(),
            0,
            0,
            0,
        ),
    };
    let map = MapData {
        background: if background && route.is_some() {
            background_roads(graphs, squad.profile, &legs)
        } else {
            vec![]
        },
        start: Some(place_of_loc(locs[0])),
        stops: stops
            .iter()
            .filter(|s| s.kind != StopKind::Reload)
            .map(|s| (s.seq, s.lat, s.lon))
            .collect(),
        legs: legs.clone(),
    };
    let sheet = SheetData {
        office_name: day.street_office.name.clone(),
        coordinator_name: day.street_office.coordinator_name.clone(),
        coordinator_phone: day.street_office.coordinator_phone.clone(),
        date: day.date.clone(),
        squad_id: squad.id.clone(),
        squad_name: squad.name.clone(),
        members: squad.members.clone(),
        squad_phone: squad.phone.clone(),
        profile: squad.profile,
        start_s,
        end_s,
        start_place: start_depot.name.clone(),
        end_place: end_depot.name.clone(),
        distance_m,
        trips: if route.is_some() { trip } else { 0 },
        stops: sheet_stops,
        map,
        sheet_version: 0,
        changed: false,
    };
    let route_view = route.is_some().then(|| RouteView {
        squad: squad.id.clone(),
        squad_name: squad.name.clone(),
        profile: squad.profile,
        sheet_version: 0,
        start_depot: start_depot.id.clone(),
        end_depot: end_depot.id.clone(),
        start: Clock::format(start_s),
        end: Clock::format(end_s),
        start_s,
        end_s,
        distance_m,
        duration_s,
        trips: trip,
        load_start_kg: kg(load_start),
        // Residents' doors: a van's drops at gates are not doors.
        doors: stops
            .iter()
            .filter(|s| matches!(s.kind, StopKind::Delivery | StopKind::Visit))
            .filter(|s| s.request.as_deref().is_none_or(|q| !c.gates.is_drop(q)))
            .count(),
        stops,
    });
    (route_view, sheet, legs)
}

/// The stops of a route as the API and the sheet show them; the locations
/// passed (depot first) and the number of trips. Marks each request served.
#[allow(clippy::type_complexity)]
fn stops_of(
    c: &Ctx<'_>,
    route: Option<&solver::solution::Route>,
    start_depot: &str,
    seen: &mut [bool],
) -> (Vec<StopView>, Vec<SheetStop>, Vec<usize>, u32) {
    let (day, buildings) = (c.day, c.buildings);
    let nd = day.depots.len();
    let place_of_loc = |loc: usize| c.place_of_loc(loc);
    let mut stops = Vec::new();
    let mut sheet_stops = Vec::new();
    let mut locs: Vec<usize> = vec![start_depot_idx(day, start_depot)];
    let mut trip = 1u32;
    if let Some(route) = route {
        for (n, a) in route.activities.iter().enumerate() {
            let seq = n as u32 + 1;
            let loc = a.location.get();
            locs.push(loc);
            let (lat, lon) = place_of_loc(loc);
            let (kind, req_idx) = match a.kind {
                ActivityKind::Delivery(j)
                | ActivityKind::ShipmentDelivery(j)
                | ActivityKind::Pickup(j) => (StopKind::Delivery, Some(j.get())),
                ActivityKind::Visit(j) => (StopKind::Visit, Some(j.get())),
                ActivityKind::ShipmentPickup(j) => (StopKind::Pickup, Some(j.get())),
                ActivityKind::Reload => (StopKind::Reload, None),
            };
            if kind == StopKind::Reload {
                trip += 1;
            }
            if let (Some(j), true) = (req_idx, kind != StopKind::Pickup) {
                seen[j] = true;
            }
            let depot = (loc < nd).then(|| day.depots[loc].id.clone());
            let load = a.load_after.first().copied().unwrap_or(0);
            stops.push(StopView {
                seq,
                kind,
                request: req_idx.map(|j| day.requests[j].id.clone()),
                depot: depot.clone(),
                lat,
                lon,
                eta: Clock::format(a.begin),
                arrival_s: a.arrival,
                begin_s: a.begin,
                departure_s: a.departure,
                wait_s: a.begin - a.arrival,
                load_after_kg: kg(load),
                trip,
                status: None,
                done_at: None,
            });
            let mut stop = sheet_stop(
                day,
                buildings,
                seq,
                kind,
                req_idx,
                loc,
                a.begin,
                trip,
                kg(load),
            );
            c.gates.annotate(day, &mut stop, req_idx);
            sheet_stops.push(stop);
        }
    }
    (stops, sheet_stops, locs, trip)
}

/// Per travel mode: squads, doors, distance, working time, and the spread
/// of working days among the used squads.
fn shares_of(day: &DayRequest, routes: &[RouteView]) -> Vec<Share> {
    Profile::ALL
        .iter()
        .filter_map(|&p| {
            let squads = day.squads.iter().filter(|s| s.profile == p).count();
            if squads == 0 {
                return None;
            }
            let used: Vec<&RouteView> = routes.iter().filter(|r| r.profile == p).collect();
            let working_s: i64 = used.iter().map(|r| r.duration_s).sum();
            let longest_s = used.iter().map(|r| r.duration_s).max().unwrap_or(0);
            let mean_s = if used.is_empty() {
                0
            } else {
                working_s / used.len() as i64
            };
            Some(Share {
                profile: p,
                squads,
                squads_used: used.len(),
                doors: used.iter().map(|r| r.doors).sum(),
                distance_m: used.iter().map(|r| r.distance_m).sum(),
                working_s,
                longest_s,
                mean_s,
                spread: if mean_s > 0 {
                    (longest_s as f64 / mean_s as f64 * 100.0).round() / 100.0
                } else {
                    0.0
                },
                latest_finish: used
                    .iter()
                    .map(|r| r.end_s)
                    .max()
                    .map_or_else(|| "–".to_string(), Clock::format),
            })
        })
        .collect()
}

/// Requests in no route: the solver's reason, or an internal failure when
/// it returned a job neither routed nor unassigned (reported, never dropped).
fn unserved_of(
    day: &DayRequest,
    solution: &Solution,
    seen: &mut [bool],
    plan_id: &str,
    gates: &GateView,
) -> Vec<Unserved> {
    let mut unserved = Vec::new();
    for u in &solution.unassigned {
        let j = u.job.get();
        if j < seen.len() && !seen[j] {
            seen[j] = true;
            let (reason, explanation) =
                match (&day.requests[j].squad, gates.unserved_parcel(day, j)) {
                    (_, Some(why)) => (UnservedReason::GoodsNotAtGate, why),
                    (Some(squad), None) => explain_for_squad(squad, &u.reason),
                    (None, None) => explain(&u.reason),
                };
            unserved.push(Unserved {
                request: day.requests[j].id.clone(),
                reason,
                explanation,
            });
        }
    }
    for (j, s) in seen.iter().enumerate() {
        if !s {
            tracing::error!(
                plan = plan_id,
                job = j,
                "solver returned a job neither routed nor unassigned; reported as unserved"
            );
            unserved.push(Unserved {
                request: day.requests[j].id.clone(),
                reason: UnservedReason::NoRoomLeft,
                explanation:
                    "not placed by the planner (internal): plan it by hand or submit the day again"
                        .into(),
            });
        }
    }

    unserved
}

fn start_depot_idx(day: &DayRequest, id: &str) -> usize {
    day.depots.iter().position(|d| d.id == id).unwrap_or(0)
}

#[allow(clippy::too_many_arguments)]
fn sheet_stop(
    day: &DayRequest,
    buildings: &HashMap<&str, &Building>,
    seq: u32,
    kind: StopKind,
    req: Option<usize>,
    loc: usize,
    begin: i64,
    trip: u32,
    load_after_kg: f64,
) -> SheetStop {
    let nd = day.depots.len();
    let depot = (loc < nd).then(|| &day.depots[loc]);
    let r = req.map(|j| &day.requests[j]);
    let place = match (kind, depot, r) {
        (StopKind::Reload | StopKind::Pickup, Some(d), _) => d.name.clone(),
        (_, _, Some(r)) => match &r.building {
            Some(b) => buildings
                .get(b.as_str())
                .and_then(|b| b.name.clone())
                .unwrap_or_else(|| b.clone()),
            None => r.address.clone().unwrap_or_else(|| r.id.clone()),
        },
        _ => String::new(),
    };
    let at_door = matches!(kind, StopKind::Delivery | StopKind::Visit);
    SheetStop {
        seq,
        kind,
        eta_s: begin,
        window: r.filter(|_| at_door).and_then(|r| {
            (!r.windows.is_empty()).then(|| {
                r.windows
                    .iter()
                    .map(|w| format!("{}–{}", w.start, w.end))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        }),
        place,
        unit: r.filter(|_| at_door).and_then(|r| r.unit.clone()),
        floor: r.filter(|_| at_door).and_then(|r| r.floor),
        // The address line is the place itself when there is no building.
        address: r
            .filter(|r| at_door && r.building.is_some())
            .and_then(|r| r.address.clone()),
        resident: r.filter(|_| at_door).and_then(|r| r.resident.clone()),
        phone: r.filter(|_| at_door).and_then(|r| r.phone.clone()),
        items: r
            .map(|r| {
                r.items
                    .iter()
                    .map(|i| SheetItem {
                        name: i.name.clone(),
                        quantity: i.quantity,
                        weight_kg: i.weight_kg,
                        kind: i.kind,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        notes: r.filter(|_| at_door).and_then(|r| r.notes.clone()),
        priority: r.map_or(Priority::Routine, priority_of),
        request_id: r.map(|r| r.id.clone()),
        trip,
        load_after_kg,
        gate_drop: false,
    }
}

/// Roads of the squad's graph inside the route's bounding box (plus a margin),
/// each undirected segment once: the faint street pattern under the route.
fn background_roads(
    graphs: &PreparedGraphs,
    profile: Profile,
    legs: &[Vec<(f64, f64)>],
) -> Vec<Vec<(f64, f64)>> {
    let Some(pg) = graphs.graph(geo_profile(profile)) else {
        return vec![];
    };
    let (mut a, mut b, mut c, mut d) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(la, lo) in legs.iter().flatten() {
        a = a.min(la);
        b = b.max(la);
        c = c.min(lo);
        d = d.max(lo);
    }
    if a > b {
        return vec![];
    }
    // The sheet's map shows at least ~300 m around the route; cover that, plus a margin.
    let k = ((a + b) / 2.0).to_radians().cos().max(0.1);
    let half_lat = ((b - a) / 2.0).max(0.0014) * 1.25;
    let half_lon = ((d - c) / 2.0).max(0.0014 / k) * 1.25;
    let (clat, clon) = ((a + b) / 2.0, (c + d) / 2.0);
    let inside =
        |(la, lo): (f64, f64)| (la - clat).abs() <= half_lat && (lo - clon).abs() <= half_lon;
    let g = pg.road_graph();
    let mut out = Vec::new();
    for n in 0..g.num_nodes() {
        let u = geo_data::NodeIdx(n as u32);
        let pu = g.coord(u);
        if !inside(pu) {
            continue;
        }
        for e in g.out_edges(u) {
            let v = g.head(e);
            // One direction of each two-way segment is enough to draw it.
            if v.0 < u.0 && g.twin(e).is_some() {
                continue;
            }
            out.push(vec![pu, g.coord(v)]);
        }
    }
    out
}
