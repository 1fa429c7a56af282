//! Pricing one urgent order at every allowed position of every squad's route.
//!
//! Each route's schedule is summarised once per question (arrival, begin,
//! wait, slack to the binding window, load) with prefix sums of waits and a
//! suffix minimum of `slack + waits`, so the effect of a delay on all later
//! stops is known in O(1): a delay δ entering at stop `s` reaches stop `x` as
//! `max(0, δ − waits between)`, breaks a window iff `δ + W[s] > min_{x≥s}(slack_x + W[x+1])`,
//! and the stops it delays are found by binary search on the prefix sums.
//! A delivery is a pickup at a depot plus the door, on the same trip; both
//! positions are swept together (O(n²) per route with O(1) steps).
//!
//! Positions before `first_free` (done stops and the stop under way) are never
//! offered, and the order of the printed stops never changes.

use solver::problem::{LocIdx, Problem, Skills, Time, VehicleIdx};
use solver::solution::{ActivityKind, Route};

use super::schedule::task_of;
use crate::travel::DoorTravel;

const BIG: Time = Time::MAX / 8;

/// The order to place.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Where the goods are collected: `None` for a visit; for a delivery, a
    /// depot location or `None` inside meaning "the squad's own depot".
    pub pickup: Option<Option<LocIdx>>,
    /// Time to collect the goods, per depot location (a compound gate's
    /// pile is quicker than a pharmacy counter): what the committed request
    /// will cost there, whichever depot the squad collects from.
    pub pickup_services: Vec<Time>,
    pub service: Time,
    /// Service may begin in `[lo, hi]`.
    pub lo: Time,
    pub hi: Time,
    pub demand: i64,
    pub skills: Skills,
    pub max_ride: Option<Time>,
}

impl Candidate {
    /// Time to collect the goods at depot location `at`.
    pub fn pickup_service(&self, at: LocIdx) -> Time {
        self.pickup_services
            .get(at.get())
            .copied()
            .unwrap_or(dayplan::convert::PICKUP_SERVICE_S)
    }
}

/// One squad's best placement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The door goes after node `gap` (node 0 is the start, node k the k-th stop).
    pub gap: usize,
    /// The pickup goes after node `pickup_gap` (≤ `gap`).
    pub pickup_gap: Option<usize>,
    pub pickup_loc: Option<LocIdx>,
    pub eta: Time,
    pub added_s: Time,
    pub added_m: i64,
    pub max_delay_s: Time,
    pub stops_delayed: usize,
    pub breaks_windows: bool,
    pub breaks_shift: bool,
}

impl Placement {
    pub fn breaks(&self) -> bool {
        self.breaks_windows || self.breaks_shift
    }
    /// Ranking: arrival plus the time added to the squad's day.
    pub fn score(&self) -> Time {
        self.eta + self.added_s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    LacksSkill,
    OutOfCapacity,
    Unreachable,
    TooFar {
        earliest: Time,
    },
    Finished,
    /// The order must go with its resident's own squad, and this is another.
    NotItsSquad,
}

/// The answer for one squad: the best placement (which may break something), or why none.
pub type SquadAnswer = Result<Placement, Why>;

/// The schedule of one route, summarised for O(1) delay questions.
pub struct Timeline {
    pub loc: Vec<LocIdx>,
    pub arr: Vec<Time>,
    pub begin: Vec<Time>,
    pub dep: Vec<Time>,
    pub slack: Vec<Time>,
    pub load: Vec<i64>,
    pub reload: Vec<bool>,
    pub service: Vec<Time>,
    /// `w[x]`: waits of stops `1..x` (exclusive), `x` in `1..=m+2`.
    w: Vec<Time>,
    /// Suffix minimum of `slack[x] + w[x+1]` over stops `x..=m`.
    ms: Vec<Time>,
    pub m: usize,
    /// The desk's clock: nobody sets out for a new door before it.
    pub now: Time,
}

impl Timeline {
    pub fn new(problem: &Problem, route: &Route, now: Time) -> Timeline {
        let v = problem.vehicle(route.vehicle);
        let m = route.activities.len();
        let start = v.start.unwrap_or(LocIdx(0));
        let mut t = Timeline {
            loc: Vec::with_capacity(m + 2),
            arr: Vec::with_capacity(m + 2),
            begin: Vec::with_capacity(m + 2),
            dep: Vec::with_capacity(m + 2),
            slack: Vec::with_capacity(m + 2),
            load: Vec::with_capacity(m + 2),
            reload: Vec::with_capacity(m + 2),
            service: Vec::with_capacity(m + 2),
            w: vec![0; m + 3],
            ms: vec![BIG; m + 3],
            m,
            now,
        };
        t.loc.push(start);
        t.arr.push(route.start_time);
        t.begin.push(route.start_time);
        t.dep.push(route.start_time);
        t.slack.push(BIG);
        t.load.push(route.start_load.first().copied().unwrap_or(0));
        t.reload.push(false);
        t.service.push(0);
        let mut pickup_dep: std::collections::HashMap<u32, Time> = Default::default();
        // Goods loaded at the depot leave with the trip (start or last reload).
        let mut loaded_at = route.start_time;
        for a in &route.activities {
            if a.kind == ActivityKind::Reload {
                loaded_at = a.departure;
            }
            t.loc.push(a.location);
            t.arr.push(a.arrival);
            t.begin.push(a.begin);
            t.dep.push(a.departure);
            t.service.push(a.departure - a.begin);
            t.load.push(a.load_after.first().copied().unwrap_or(0));
            t.reload.push(a.kind == ActivityKind::Reload);
            let mut slack = BIG;
            if let Some(task) = task_of(problem, a.kind) {
                if let Some(w) = task
                    .windows
                    .iter()
                    .find(|w| w.start <= a.begin && a.begin <= w.end)
                {
                    slack = w.end - a.begin;
                } else if !task.windows.is_empty() {
                    slack = BIG; // already outside its windows: not this order's doing
                }
            }
            if let ActivityKind::ShipmentPickup(j) = a.kind {
                pickup_dep.insert(j.0, a.departure);
            }
            if let ActivityKind::ShipmentDelivery(j) = a.kind {
                if let (
                    solver::problem::JobKind::Shipment {
                        max_ride: Some(r), ..
                    },
                    Some(pd),
                ) = (&problem.job(j).kind, pickup_dep.get(&j.0))
                {
                    let ride_slack = r - (a.begin - pd);
                    if ride_slack >= 0 {
                        slack = slack.min(ride_slack);
                    }
                }
            }
            // A chilled delivery's carry limit binds like a window end (as the
            // ride limit above: conservative for a delay that also moves the
            // trip's loading; the exact re-walk states the true effects).
            if let ActivityKind::Delivery(j) = a.kind {
                if let Some(lim) = problem.job(j).max_carry {
                    let carry_slack = lim - (a.begin - loaded_at);
                    if carry_slack >= 0 {
                        slack = slack.min(carry_slack);
                    }
                }
            }
            t.slack.push(slack);
        }
        let end = v.end.unwrap_or(start);
        t.loc.push(end);
        t.arr.push(route.end_time);
        t.begin.push(route.end_time);
        t.dep.push(route.end_time);
        let end_slack = v.shift.end - route.end_time;
        t.slack.push(if end_slack < 0 { BIG } else { end_slack });
        t.load.push(0);
        t.reload.push(false);
        t.service.push(0);
        for x in 1..=m + 1 {
            let wait = t.begin[x] - t.arr[x];
            t.w[x + 1] = t.w[x] + wait.max(0);
        }
        for x in (1..=m).rev() {
            t.ms[x] = t.ms[x + 1].min(t.slack[x].saturating_add(t.w[x + 1]));
        }
        t
    }

    /// Effects of a delay `delta` at the arrival of node `s` (1..=m+1) on it and every later node:
    /// `(breaks a window, breaks the shift, max begin delay of a stop, stops delayed, end delay)`.
    pub fn delay_from(&self, s: usize, delta: Time) -> (bool, bool, Time, usize, Time) {
        let m = self.m;
        if delta <= 0 {
            return (false, false, 0, 0, 0);
        }
        let end_delay = (delta - (self.w[m + 1] - self.w[s])).max(0);
        let breaks_shift = end_delay > self.slack[m + 1];
        if s > m {
            return (false, breaks_shift, 0, 0, end_delay);
        }
        let breaks_windows = delta + self.w[s] > self.ms[s];
        let max_delay = (delta - (self.begin[s] - self.arr[s]).max(0)).max(0);
        // Stop x (s..=m) is delayed iff w[x+1] < delta + w[s]; w is nondecreasing.
        let limit = delta + self.w[s];
        let delayed = self.w[s + 1..=m + 1].partition_point(|&w| w < limit);
        (breaks_windows, breaks_shift, max_delay, delayed, end_delay)
    }
}

/// Best placement of `c` on squad `k`'s route, over every door position from
/// `first_free` on (and, for a delivery, every pickup position before it on
/// the same trip). `travel` must know every location of the route.
pub fn best_for_squad(
    problem: &Problem,
    k: usize,
    tl: &Timeline,
    first_free: usize,
    c: &Candidate,
    travel: &dyn DoorTravel,
) -> SquadAnswer {
    let v = problem.vehicle(VehicleIdx(k as u32));
    if !v.skills.covers(c.skills) {
        return Err(Why::LacksSkill);
    }
    let cap = v.capacity.first().copied().unwrap_or(i64::MAX);
    if c.demand > cap {
        return Err(Why::OutOfCapacity);
    }
    let p = v.profile.get();
    let m = problem.matrix(v.profile);
    let pickup_loc = c.pickup.map(|d| d.or(v.start).unwrap_or(LocIdx(0)));
    let mut best: Option<Placement> = None;
    let mut earliest = BIG;
    let mut any_reach = false;
    let cap_blocked = std::cell::Cell::new(false);
    let consider = |pl: Placement, best: &mut Option<Placement>| {
        let better = match best {
            None => true,
            Some(b) => (pl.breaks(), pl.score(), pl.added_m) < (b.breaks(), b.score(), b.added_m),
        };
        if better {
            *best = Some(pl);
        }
    };
    // The door right after node y, reached from `(cur_dep, cur_loc)`, with the
    // pickup (if any) done at `pick` and `between` effects accumulated so far.
    let mut price_door = |y: usize,
                          cur_dep: Time,
                          cur_loc: LocIdx,
                          pick: Option<(usize, Time, i64)>,
                          between: (bool, Time, usize, i64),
                          best: &mut Option<Placement>| {
        let Some((t_in, d_in)) = travel.to_door(p, cur_loc) else {
            return;
        };
        let next = y + 1;
        let Some((t_out, d_out)) = travel.from_door(p, tl.loc[next]) else {
            return;
        };
        any_reach = true;
        // Nobody sets out for the door before now (a squad whose sheet is
        // over is not at the door at now); straight from the pickup, the
        // goods are collected first and the squad sets out from there.
        let sets_out = match pick {
            Some((i, _, _)) if i == y => cur_dep,
            _ => cur_dep.max(tl.now),
        };
        let arr = sets_out + t_in;
        let begin = arr.max(c.lo);
        earliest = earliest.min(begin);
        if begin > c.hi {
            return;
        }
        if let (Some(r), Some((_, pdep, _))) = (c.max_ride, pick) {
            if begin - pdep > r {
                return;
            }
        }
        if between.3 < 0 {
            cap_blocked.set(true);
            return;
        }
        let dep = begin + c.service;
        let delta = dep + t_out - tl.arr[next];
        let (bw, bs, md, nd, end_delay) = tl.delay_from(next, delta);
        let base_d = m.distance(tl.loc[y], tl.loc[next]);
        // Straight from the summaries; the chosen options are re-simulated exactly.
        let pick_m = match pick {
            None => 0,
            Some((i, _, to_depot)) if i == y => to_depot,
            Some((i, _, to_depot)) => {
                to_depot + m.distance(pickup_loc.unwrap_or(cur_loc), tl.loc[i + 1])
                    - m.distance(tl.loc[i], tl.loc[i + 1])
            }
        };
        let added_m = pick_m + d_in + d_out - base_d;
        let pl = Placement {
            gap: y,
            pickup_gap: pick.map(|x| x.0),
            pickup_loc: pick.and(pickup_loc),
            eta: begin,
            added_s: end_delay,
            added_m,
            max_delay_s: md.max(between.1),
            stops_delayed: nd + between.2,
            breaks_windows: bw || between.0,
            breaks_shift: bs,
        };
        consider(pl, best);
    };
    match pickup_loc {
        None => {
            for y in first_free..=tl.m {
                price_door(y, tl.dep[y], tl.loc[y], None, (false, 0, 0, 0), &mut best);
            }
        }
        Some(d) => {
            for i in first_free..=tl.m {
                if tl.load[i] + c.demand > cap {
                    cap_blocked.set(true);
                    continue;
                }
                let p_arr = tl.dep[i] + m.duration(tl.loc[i], d);
                // The order's goods exist from now on: not collected before.
                let p_dep = p_arr.max(tl.now) + c.pickup_service(d);
                let pick_d = m.distance(tl.loc[i], d);
                let (mut cur_dep, mut cur_loc) = (p_dep, d);
                let (mut b_break, mut b_delay, mut b_count, mut b_cap) = (false, 0, 0usize, 0i64);
                let mut y = i;
                loop {
                    price_door(
                        y,
                        cur_dep,
                        cur_loc,
                        Some((i, p_dep, pick_d)),
                        (b_break, b_delay, b_count, b_cap),
                        &mut best,
                    );
                    y += 1;
                    if y > tl.m || tl.reload[y] {
                        break;
                    }
                    let arr = cur_dep + m.duration(cur_loc, tl.loc[y]);
                    let begin = arr.max(tl.begin[y]);
                    let delay = begin - tl.begin[y];
                    if delay > 0 {
                        b_count += 1;
                        b_delay = b_delay.max(delay);
                        if delay > tl.slack[y] {
                            b_break = true;
                        }
                    }
                    if tl.load[y] + c.demand > cap {
                        b_cap = -1;
                    }
                    cur_dep = begin + tl.service[y];
                    cur_loc = tl.loc[y];
                }
            }
        }
    }
    match best {
        Some(b) => Ok(b),
        None if !any_reach => Err(Why::Unreachable),
        None if earliest > c.hi => Err(Why::TooFar { earliest }),
        None if cap_blocked.get() => Err(Why::OutOfCapacity),
        None => Err(Why::TooFar { earliest }),
    }
}
