//! The cost policy: route cost plus penalties for soft-ified constraints,
//! with weights adapted during the search so that a target share of visited
//! solutions is feasible (Vidal et al. 2013). Kept outside both the problem
//! and the search state.

use crate::search::data::{Data, VehicleData};
use crate::search::segment::Seg;

/// Weight of one arc with no path: never worth it.
pub(crate) const REACH_WEIGHT: i64 = 1 << 40;

/// Penalty weights, in cost units per unit of violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Weights {
    /// Per unit of load above capacity, and per stop above `max_stops`.
    pub load: i64,
    /// Per second of time warp, of duration above `max_duration`, of ride
    /// above `max_ride` or carry above `max_carry`, and per metre above
    /// `max_distance`.
    pub time: i64,
}

/// Raw violations of a whole route.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Violations {
    pub load: i64,
    pub stops: i64,
    pub time_warp: i64,
    pub duration: i64,
    pub distance: i64,
    pub ride: i64,
    /// Carry above `max_carry` (see [`crate::search::segment::Carry`]).
    pub carry: i64,
    pub unreach: i64,
}

impl Violations {
    pub fn of<const D: usize>(seg: &Seg<D>, vd: &VehicleData<D>, ride: i64) -> Self {
        Violations {
            load: seg.load_excess(&vd.cap),
            stops: (seg.stops as i64 - vd.max_stops as i64).max(0),
            time_warp: seg.tw,
            duration: (seg.dur - vd.max_dur).max(0),
            distance: (seg.dist - vd.max_dist).max(0),
            ride,
            carry: seg.carry.excess(),
            unreach: seg.unreach as i64,
        }
    }

    pub fn load_ok(&self) -> bool {
        self.load == 0 && self.stops == 0
    }

    pub fn time_ok(&self) -> bool {
        self.time_warp == 0
            && self.duration == 0
            && self.distance == 0
            && self.ride == 0
            && self.carry == 0
            && self.unreach == 0
    }

    pub fn feasible(&self) -> bool {
        self.load_ok() && self.time_ok()
    }
}

/// Routing cost (no penalty) of a whole-route segment for vehicle `vd`.
#[inline]
pub(crate) fn base_cost<const D: usize>(
    data: &Data<'_, D>,
    vd: &VehicleData<D>,
    seg: &Seg<D>,
) -> i64 {
    vd.fixed
        + data.vehicle_weight
        + vd.cps * seg.dur
        + vd.cpm * seg.dist
        + data.balance_cost(vd.profile, seg.dur)
}

/// Penalised cost of a whole route (start and end depots included) with
/// `ride` seconds of ride excess. Empty routes cost nothing.
#[inline]
pub(crate) fn route_cost<const D: usize>(
    data: &Data<'_, D>,
    v: u32,
    seg: &Seg<D>,
    ride: i64,
    w: &Weights,
) -> i64 {
    if seg.stops == 0 && !seg.reload {
        return 0;
    }
    let vd = &data.vehicles[v as usize];
    let mut c = base_cost(data, vd, seg);
    let load = seg.load_excess(&vd.cap) + (seg.stops as i64 - vd.max_stops as i64).max(0);
    let time = seg.tw
        + (seg.dur - vd.max_dur).max(0)
        + (seg.dist - vd.max_dist).max(0)
        + ride
        + seg.carry.excess();
    c = c.saturating_add(w.load.saturating_mul(load));
    c = c.saturating_add(w.time.saturating_mul(time));
    c.saturating_add(REACH_WEIGHT.saturating_mul(seg.unreach as i64))
}

/// Adapts the weights toward a target feasible share.
#[derive(Clone, Debug)]
pub(crate) struct PenaltyManager {
    pub weights: Weights,
    load_hist: u32,
    load_ok: u32,
    time_hist: u32,
    time_ok: u32,
    min_load: i64,
    min_time: i64,
}

/// Share of feasible solutions the adaptation aims at.
const TARGET: f64 = 0.45;
/// Registrations between two updates.
const WINDOW: u32 = 50;

impl PenaltyManager {
    pub fn new<const D: usize>(data: &Data<'_, D>) -> Self {
        let load = (data.avg_arc_cost / data.avg_demand.max(1)).clamp(1, 1 << 30);
        let rate = data
            .vehicles
            .iter()
            .map(|v| v.cps + v.cpm)
            .max()
            .unwrap_or(1)
            .max(1);
        PenaltyManager {
            weights: Weights { load, time: rate },
            load_hist: 0,
            load_ok: 0,
            time_hist: 0,
            time_ok: 0,
            min_load: 1,
            min_time: 1,
        }
    }

    /// Records one visited solution; returns true if the weights changed.
    pub fn register(&mut self, load_ok: bool, time_ok: bool) -> bool {
        self.load_hist += 1;
        self.load_ok += load_ok as u32;
        self.time_hist += 1;
        self.time_ok += time_ok as u32;
        if self.load_hist < WINDOW {
            return false;
        }
        let adapt = |w: i64, share: f64, min: i64| -> i64 {
            if share == 0.0 {
                // Nothing feasible at all (e.g. more required jobs than room):
                // grow fast so that leaving a job out can win over a violation.
                w.saturating_mul(2).min(1 << 40)
            } else if share < TARGET - 0.05 {
                (w + 1).max(w + w / 4).min(1 << 40)
            } else if share > TARGET + 0.05 {
                (w - w / 6).max(min)
            } else {
                w
            }
        };
        let old = self.weights;
        self.weights.load = adapt(
            self.weights.load,
            self.load_ok as f64 / self.load_hist as f64,
            self.min_load,
        );
        self.weights.time = adapt(
            self.weights.time,
            self.time_ok as f64 / self.time_hist as f64,
            self.min_time,
        );
        self.load_hist = 0;
        self.load_ok = 0;
        self.time_hist = 0;
        self.time_ok = 0;
        old != self.weights
    }
}
