//! A brute-force optimum for tiny problems (up to about 8 jobs), sharing no
//! code with the search: every assignment of jobs to vehicles (or to the
//! unassigned list) and every order of each vehicle's stops, reloads included,
//! is tried; the best objective wins.
//!
//! How: for every vehicle and every subset of jobs, a depth-first search over
//! stop orders finds the cheapest feasible route (pruned by windows, stops and
//! a load bound on the prefix, everything re-checked on the complete route);
//! then a subset dynamic programme over vehicles picks disjoint subsets.
//!
//! Scheduling: for a fixed order the route starts at the best of a few
//! candidate times (the shift start, or so that the vehicle arrives, without
//! waiting, exactly at a window start or end of some stop) and then serves each
//! stop as early as possible. This is exact for the duration whenever service
//! at the earliest moment is optimal, which holds unless a shipment's ride
//! limit would need deliberate waiting at a stop: the oracle therefore refuses
//! problems that combine `max_ride` with time windows.

use solver::problem::{
    Amount, Cost, Distance, JobIdx, JobKind, LocIdx, Problem, Task, Time, TimeWindow, VehicleIdx,
};
use solver::solution::ActivityKind;

/// The optimum found: its objective and, per used vehicle, the stop order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Optimum {
    pub objective: Cost,
    /// Routing cost with fair shares and preference costs (no prizes, no
    /// vehicle weights).
    pub cost: Cost,
    pub routes: Vec<(VehicleIdx, Vec<(ActivityKind, LocIdx)>)>,
    pub unassigned: Vec<JobIdx>,
}

/// Largest number of jobs the oracle accepts (the work grows like n! per subset).
pub const MAX_JOBS: usize = 9;

/// The exact optimum of `problem`. Panics if the problem is too big or uses a
/// combination the oracle cannot solve exactly (see the module doc).
pub fn optimum(problem: &Problem) -> Optimum {
    if problem.objective().balance.is_some() {
        return balanced_optimum(problem);
    }
    let n = problem.jobs().len();
    assert!(n <= MAX_JOBS, "brute force is for at most {MAX_JOBS} jobs");
    let has_windows = problem
        .jobs()
        .iter()
        .any(|j| j.tasks().any(|t| t.windows != vec![TimeWindow::ALWAYS]));
    let has_ride = problem.jobs().iter().any(|j| {
        matches!(
            j.kind,
            JobKind::Shipment {
                max_ride: Some(_),
                ..
            }
        )
    });
    assert!(
        !(has_windows && has_ride),
        "brute force is not exact with both max_ride and time windows"
    );

    let full = 1usize << n;
    // best[v][mask]: cheapest route of vehicle v serving exactly `mask`.
    let best: Vec<Vec<Option<(Cost, Vec<(ActivityKind, LocIdx)>)>>> = (0..problem.vehicles().len())
        .map(|v| {
            (0..full)
                .map(|mask| best_route(problem, VehicleIdx(v as u32), mask))
                .collect()
        })
        .collect();

    // f[mask] after k vehicles: min cost of serving exactly `mask` with them.
    let inf = Cost::MAX;
    let mut f = vec![inf; full];
    let mut choice: Vec<Vec<usize>> = Vec::new();
    f[0] = 0;
    for route_of in &best {
        let mut g = f.clone();
        let mut pick = vec![0usize; full];
        for mask in 1..full {
            let mut sub = mask;
            while sub > 0 {
                if let (Some((c, _)), prev) = (&route_of[sub], f[mask ^ sub]) {
                    if prev != inf {
                        let total = prev + c + problem.vehicle_weight();
                        if total < g[mask] {
                            g[mask] = total;
                            pick[mask] = sub;
                        }
                    }
                }
                sub = (sub - 1) & mask;
            }
        }
        f = g;
        choice.push(pick);
    }
    let prize_of = |mask: usize| -> Cost {
        (0..n)
            .filter(|j| mask & (1 << j) == 0)
            .map(|j| problem.prize(JobIdx(j as u32)))
            .sum()
    };
    let (mask, objective) = (0..full)
        .filter(|&m| f[m] != inf)
        .map(|m| (m, f[m] + prize_of(m)))
        .min_by_key(|&(m, o)| (o, std::cmp::Reverse(m.count_ones())))
        .expect("the empty plan is always possible");

    // Walk the choices back.
    let mut routes = Vec::new();
    let mut rest = mask;
    let mut cost = 0;
    for v in (0..best.len()).rev() {
        let sub = choice[v][rest];
        if sub != 0 && rest != 0 {
            let (c, seq) = best[v][sub].clone().unwrap();
            cost += c;
            routes.push((VehicleIdx(v as u32), seq));
            rest ^= sub;
        }
    }
    routes.reverse();
    let unassigned = (0..n)
        .filter(|j| mask & (1 << j) == 0)
        .map(|j| JobIdx(j as u32))
        .collect();
    Optimum {
        objective,
        cost,
        routes,
        unassigned,
    }
}

fn task(problem: &Problem, kind: ActivityKind) -> Option<&Task> {
    let job = problem.job(kind.job()?);
    Some(match (&job.kind, kind) {
        (JobKind::Delivery(t) | JobKind::Pickup(t) | JobKind::Visit(t), _) => t,
        (JobKind::Shipment { delivery, .. }, ActivityKind::ShipmentDelivery(_)) => delivery,
        (JobKind::Shipment { pickup, .. }, _) => pickup,
    })
}

/// Depth-first search over the stop orders of vehicle `v` serving exactly `mask`.
fn best_route(
    problem: &Problem,
    v: VehicleIdx,
    mask: usize,
) -> Option<(Cost, Vec<(ActivityKind, LocIdx)>)> {
    if mask == 0 {
        return Some((0, Vec::new()));
    }
    let veh = problem.vehicle(v);
    let jobs: Vec<JobIdx> = (0..problem.jobs().len())
        .filter(|j| mask & (1 << j) != 0)
        .map(|j| JobIdx(j as u32))
        .collect();
    if jobs
        .iter()
        .any(|&j| !veh.skills.covers(problem.job(j).skills) || !problem.may_serve(j, v))
    {
        return None;
    }
    // Preferences cost the same whatever the order.
    let preference: Cost = jobs.iter().map(|&j| problem.preference_cost(j, v)).sum();
    // Pending single tasks and shipment halves.
    let mut pending: Vec<ActivityKind> = Vec::new();
    for &j in &jobs {
        match problem.job(j).kind {
            JobKind::Delivery(_) => pending.push(ActivityKind::Delivery(j)),
            JobKind::Pickup(_) => pending.push(ActivityKind::Pickup(j)),
            JobKind::Visit(_) => pending.push(ActivityKind::Visit(j)),
            JobKind::Shipment { .. } => pending.push(ActivityKind::ShipmentPickup(j)),
        }
    }
    let stops: usize = jobs.iter().map(|&j| problem.job(j).tasks().count()).sum();
    if veh.max_stops.is_some_and(|m| stops > m as usize) {
        return None;
    }
    let mut best: Option<(Cost, Vec<(ActivityKind, LocIdx)>)> = None;
    let mut seq = Vec::new();
    dfs(problem, v, &mut pending, &mut seq, stops, &mut best);
    best.map(|(c, seq)| (c + preference, seq))
}

fn dfs(
    problem: &Problem,
    v: VehicleIdx,
    pending: &mut Vec<ActivityKind>,
    seq: &mut Vec<(ActivityKind, LocIdx)>,
    remaining_tasks: usize,
    best: &mut Option<(Cost, Vec<(ActivityKind, LocIdx)>)>,
) {
    if remaining_tasks == 0 {
        if let Some((c, d)) = evaluate(problem, v, seq) {
            FRONT.with(|f| f.borrow_mut().push((c, d, seq.clone())));
            if best.as_ref().is_none_or(|(b, _)| c < *b) {
                *best = Some((c, seq.clone()));
            }
        }
        return;
    }
    if !prefix_ok(problem, v, seq) {
        return;
    }
    for i in 0..pending.len() {
        let kind = pending[i];
        let loc = task(problem, kind).unwrap().location;
        pending.swap_remove(i);
        let opened = if let ActivityKind::ShipmentPickup(j) = kind {
            pending.push(ActivityKind::ShipmentDelivery(j));
            true
        } else {
            false
        };
        seq.push((kind, loc));
        dfs(problem, v, pending, seq, remaining_tasks - 1, best);
        seq.pop();
        if opened {
            pending.pop();
        }
        pending.push(kind);
        let last = pending.len() - 1;
        pending.swap(i, last);
    }
    // A reload between two tasks, when no shipment is on board.
    let veh = problem.vehicle(v);
    if let Some(reload) = &veh.reload {
        let can = seq.last().is_some_and(|(k, _)| *k != ActivityKind::Reload)
            && !pending
                .iter()
                .any(|k| matches!(k, ActivityKind::ShipmentDelivery(_)));
        let trips = 1 + seq
            .iter()
            .filter(|(k, _)| *k == ActivityKind::Reload)
            .count() as u32;
        if can && reload.max_trips.is_none_or(|m| trips < m) {
            for &l in &reload.locations {
                seq.push((ActivityKind::Reload, l));
                dfs(problem, v, pending, seq, remaining_tasks, best);
                seq.pop();
            }
        }
    }
}

/// Cheap necessary conditions on a prefix: the as-early-as-possible schedule
/// meets every window so far, and the current trip's deliveries made so far
/// and pickups collected so far each fit.
fn prefix_ok(problem: &Problem, v: VehicleIdx, seq: &[(ActivityKind, LocIdx)]) -> bool {
    let veh = problem.vehicle(v);
    let m = problem.matrix(veh.profile);
    let mut t = veh.shift.start;
    let mut prev = veh.start;
    let dims = problem.dimensions();
    let (mut delivered, mut collected) = (vec![0 as Amount; dims], vec![0 as Amount; dims]);
    for &(kind, loc) in seq {
        if let Some(p) = prev {
            if !m.reachable(p, loc) {
                return false;
            }
            t += m.duration(p, loc);
        }
        match task(problem, kind) {
            Some(tk) => match tk.windows.iter().find(|w| w.end >= t) {
                Some(w) => t = t.max(w.start) + tk.service,
                None => return false,
            },
            None => t += veh.reload.as_ref().map_or(0, |r| r.service),
        }
        let demand = kind.job().map(|j| &problem.job(j).demand);
        match (kind, demand) {
            (ActivityKind::Reload, _) => {
                delivered.iter_mut().for_each(|x| *x = 0);
                collected.iter_mut().for_each(|x| *x = 0);
            }
            (ActivityKind::Delivery(_), Some(d)) => {
                delivered.iter_mut().zip(d).for_each(|(x, y)| *x += y)
            }
            (ActivityKind::Pickup(_) | ActivityKind::ShipmentPickup(_), Some(d)) => {
                collected.iter_mut().zip(d).for_each(|(x, y)| *x += y)
            }
            (ActivityKind::ShipmentDelivery(_), Some(d)) => {
                collected.iter_mut().zip(d).for_each(|(x, y)| *x -= y)
            }
            _ => {}
        }
        if delivered.iter().zip(&veh.capacity).any(|(x, c)| x > c)
            || collected.iter().zip(&veh.capacity).any(|(x, c)| x > c)
        {
            return false;
        }
        prev = Some(loc);
    }
    t <= veh.shift.end
}

/// The cost of a complete stop order, or `None` if no start time makes it feasible.
fn evaluate(
    problem: &Problem,
    v: VehicleIdx,
    seq: &[(ActivityKind, LocIdx)],
) -> Option<(Cost, Time)> {
    let veh = problem.vehicle(v);
    let m = problem.matrix(veh.profile);

    // Distance and reachability.
    let mut distance: Distance = 0;
    let mut prev = veh.start;
    for &(_, loc) in seq
        .iter()
        .chain(veh.end.map(|e| (ActivityKind::Reload, e)).iter())
    {
        if let Some(p) = prev {
            if !m.reachable(p, loc) {
                return None;
            }
            distance += m.distance(p, loc);
        }
        prev = Some(loc);
    }
    if veh.max_distance.is_some_and(|d| distance > d) {
        return None;
    }

    // Loads, trip by trip: deliveries on board from the trip start.
    let dims = problem.dimensions();
    let mut trip_start = 0;
    while trip_start <= seq.len() {
        let trip_end = seq[trip_start..]
            .iter()
            .position(|(k, _)| *k == ActivityKind::Reload)
            .map_or(seq.len(), |p| trip_start + p);
        let mut load = vec![0 as Amount; dims];
        for (k, _) in &seq[trip_start..trip_end] {
            if let ActivityKind::Delivery(j) = k {
                load.iter_mut()
                    .zip(&problem.job(*j).demand)
                    .for_each(|(x, y)| *x += y);
            }
        }
        let fits = |l: &[Amount]| l.iter().zip(&veh.capacity).all(|(x, c)| x <= c);
        if !fits(&load) {
            return None;
        }
        for (k, _) in &seq[trip_start..trip_end] {
            let sign = match k {
                ActivityKind::Delivery(_) | ActivityKind::ShipmentDelivery(_) => -1,
                ActivityKind::Pickup(_) | ActivityKind::ShipmentPickup(_) => 1,
                _ => 0,
            };
            load.iter_mut()
                .zip(&problem.job(k.job().unwrap()).demand)
                .for_each(|(x, y)| *x += sign * y);
            if !fits(&load) {
                return None;
            }
        }
        trip_start = trip_end + 1;
    }

    // Candidate start times: the shift start, or arriving without waiting at a window bound.
    let mut candidates = vec![veh.shift.start];
    let mut offset: Time = 0; // no-wait time from the start to the arrival at each stop
    let mut prev = veh.start;
    for &(kind, loc) in seq {
        if let Some(p) = prev {
            offset += m.duration(p, loc);
        }
        if let Some(t) = task(problem, kind) {
            for w in &t.windows {
                for bound in [w.start, w.end] {
                    if bound < TimeWindow::ALWAYS.end && bound - offset > veh.shift.start {
                        candidates.push(bound - offset);
                    }
                }
            }
            offset += t.service;
        } else {
            offset += veh.reload.as_ref().map_or(0, |r| r.service);
        }
        prev = Some(loc);
    }
    candidates.sort_unstable();
    candidates.dedup();
    let duration = candidates
        .into_iter()
        .filter_map(|t0| schedule(problem, v, seq, t0))
        .min()?;
    // Fair shares grow with the duration, so the shortest schedule is also
    // the cheapest for them.
    let balance = problem.balance_of(veh.profile).map_or(0, |b| {
        let d = (duration - b.target).max(0);
        b.weight * d * d / b.scale
    });
    Some((
        veh.fixed_cost + veh.cost_per_second * duration + veh.cost_per_metre * distance + balance,
        duration,
    ))
}

/// The duration of the as-early-as-possible schedule leaving at `t0`, if feasible.
fn schedule(
    problem: &Problem,
    v: VehicleIdx,
    seq: &[(ActivityKind, LocIdx)],
    t0: Time,
) -> Option<Time> {
    let veh = problem.vehicle(v);
    let m = problem.matrix(veh.profile);
    let mut t = t0;
    let mut prev = veh.start;
    let mut first_arrival = None;
    let mut pickup_departure: Vec<(JobIdx, Time)> = Vec::new();
    for &(kind, loc) in seq {
        if let Some(p) = prev {
            t += m.duration(p, loc);
        }
        first_arrival.get_or_insert(t);
        match task(problem, kind) {
            Some(tk) => {
                let w = tk.windows.iter().find(|w| w.end >= t)?;
                let begin = t.max(w.start);
                if let ActivityKind::ShipmentDelivery(j) = kind {
                    if let JobKind::Shipment {
                        max_ride: Some(r), ..
                    } = problem.job(j).kind
                    {
                        let dep = pickup_departure.iter().find(|(x, _)| *x == j)?.1;
                        if begin - dep > r {
                            return None;
                        }
                    }
                }
                t = begin + tk.service;
                if let ActivityKind::ShipmentPickup(j) = kind {
                    pickup_departure.push((j, t));
                }
            }
            None => t += veh.reload.as_ref().map_or(0, |r| r.service),
        }
        prev = Some(loc);
    }
    if let (Some(e), Some(p)) = (veh.end, prev) {
        t += m.duration(p, e);
    }
    let start = if veh.start.is_some() {
        t0
    } else {
        first_arrival.unwrap_or(t0)
    };
    if start < veh.shift.start || t > veh.shift.end {
        return None;
    }
    let duration = t - start;
    if veh.max_duration.is_some_and(|d| duration > d) {
        return None;
    }
    Some(duration)
}

thread_local! {
    /// Every complete order the last `dfs` evaluated: (cost, duration, stops).
    static FRONT: std::cell::RefCell<Vec<(Cost, Time, Vec<(ActivityKind, LocIdx)>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Per vehicle and subset: the orders not dominated in (cost, duration).
type Fronts = Vec<Vec<Vec<(Cost, Time, Vec<(ActivityKind, LocIdx)>)>>>;

/// The optimum with fair shares: the per-kind part couples the vehicles of
/// a kind through their total working time, so instead of the subset DP,
/// every assignment of jobs to vehicles (or to nobody) is tried with every
/// combination of each vehicle's undominated (cost, duration) orders.
fn balanced_optimum(problem: &Problem) -> Optimum {
    let n = problem.jobs().len();
    let nv = problem.vehicles().len();
    assert!(
        n <= 7 && nv <= 3,
        "the balanced oracle is for tiny problems"
    );
    let full = 1usize << n;
    let b = |k: usize| {
        problem
            .balance_of(solver::problem::ProfileIdx(k as u32))
            .expect("balance")
    };
    let fronts: Fronts = (0..nv)
        .map(|v| {
            (0..full)
                .map(|mask| {
                    if mask == 0 {
                        return vec![(0, 0, Vec::new())];
                    }
                    FRONT.with(|f| f.borrow_mut().clear());
                    let _ = best_route(problem, VehicleIdx(v as u32), mask);
                    let mut all = FRONT.with(|f| std::mem::take(&mut *f.borrow_mut()));
                    let preference: Cost = (0..n)
                        .filter(|j| mask & (1 << j) != 0)
                        .map(|j| problem.preference_cost(JobIdx(j as u32), VehicleIdx(v as u32)))
                        .sum();
                    // The objective grows with each duration (S ≥ 2·w·shift and
                    // a per-second cost), so an order is dominated by one with
                    // no more duration and no more of the rest of its cost.
                    let veh = problem.vehicle(VehicleIdx(v as u32));
                    let bv = b(veh.profile.get());
                    let rest = |c: Cost, d: Time| c - veh.cost_per_second * d - bv.route_cost(d);
                    all.sort_by_key(|x| (rest(x.0, x.1), x.1));
                    let mut front: Vec<(Cost, Time, Vec<(ActivityKind, LocIdx)>)> = Vec::new();
                    for (c, d, s) in all {
                        if front.iter().all(|f| f.1 > d) {
                            front.push((c + preference, d, s));
                        }
                    }
                    front
                })
                .collect()
        })
        .collect();
    let kinds = problem.matrices().len();
    let mut best: Option<Optimum> = None;
    // Each job to one of the vehicles or to nobody (index nv).
    let mut assign = vec![0usize; n];
    loop {
        let mut masks = vec![0usize; nv];
        for (j, &a) in assign.iter().enumerate() {
            if a < nv {
                masks[a] |= 1 << j;
            }
        }
        if masks
            .iter()
            .enumerate()
            .all(|(v, &m)| !fronts[v][m].is_empty())
        {
            let prizes: Cost = (0..n)
                .filter(|&j| assign[j] == nv)
                .map(|j| problem.prize(JobIdx(j as u32)))
                .sum();
            let mut pick = vec![0usize; nv];
            loop {
                let mut cost = 0;
                let mut total = vec![0 as Time; kinds];
                let mut used = 0;
                for v in 0..nv {
                    let (c, d, _) = &fronts[v][masks[v]][pick[v]];
                    cost += c;
                    if masks[v] != 0 {
                        used += 1;
                        total[problem.vehicles()[v].profile.get()] += d;
                    }
                }
                let kind_part: Cost = (0..kinds)
                    .map(|k| {
                        let nk = problem
                            .vehicles()
                            .iter()
                            .filter(|x| x.profile.get() == k)
                            .count();
                        b(k).kind_cost(total[k], nk)
                    })
                    .sum();
                let objective = cost + kind_part + prizes + problem.vehicle_weight() * used;
                if best.as_ref().is_none_or(|o| objective < o.objective) {
                    best = Some(Optimum {
                        objective,
                        cost,
                        routes: (0..nv)
                            .filter(|&v| masks[v] != 0)
                            .map(|v| (VehicleIdx(v as u32), fronts[v][masks[v]][pick[v]].2.clone()))
                            .collect(),
                        unassigned: (0..n)
                            .filter(|&j| assign[j] == nv)
                            .map(|j| JobIdx(j as u32))
                            .collect(),
                    });
                }
                // Next combination of undominated orders.
                let mut v = 0;
                while v < nv {
                    pick[v] += 1;
                    if pick[v] < fronts[v][masks[v]].len() {
                        break;
                    }
                    pick[v] = 0;
                    v += 1;
                }
                if v == nv {
                    break;
                }
            }
        }
        // Next assignment.
        let mut j = 0;
        while j < n {
            assign[j] += 1;
            if assign[j] <= nv {
                break;
            }
            assign[j] = 0;
            j += 1;
        }
        if j == n {
            break;
        }
    }
    best.expect("the empty plan is always possible")
}
