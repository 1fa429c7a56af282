//! One route of the search state: node indices plus cached prefix and suffix
//! segments, so that any move touching the route is priced from a few cached
//! summaries.

use crate::search::data::{Data, NodeKind};
use crate::search::penalty::{route_cost, Violations, Weights};
use crate::search::schedule::forward;
use crate::search::segment::Seg;

#[derive(Clone, Debug, Default)]
pub(crate) struct Route<const D: usize> {
    pub vehicle: u32,
    /// Start depot, stops, end depot.
    pub nodes: Vec<u32>,
    /// `pre[i]`: nodes `0..=i`; `suf[i]`: nodes `i..`.
    pub pre: Vec<Seg<D>>,
    pub suf: Vec<Seg<D>>,
    /// `sufx[i]`: nodes `i..n-1` (end depot excluded), for `1 <= i <= n-2`.
    pub sufx: Vec<Seg<D>>,
    /// `cum[i]`: distance from node 0 to node `i` along the route; `rcum[i]`:
    /// the same path travelled backwards (for reversed pieces).
    pub cum: Vec<i64>,
    pub rcum: Vec<i64>,
    /// `open[i]`: shipments picked up at or before `i` and delivered after it.
    /// A route may only be cut after `i` (2-opt*, reload insertion) if zero.
    pub open: Vec<u32>,
    /// Penalised cost, ride excess included.
    pub cost: i64,
    /// Working time (duration of the whole route; 0 when unused), for the
    /// per-kind part of fair shares.
    pub dur: i64,
    pub ride_excess: i64,
    /// Change penalties: jobs on this route that were planned on another
    /// vehicle, plus printed stops whose predecessor changed (`links`).
    pub away: i64,
    /// Printed stops on this route whose predecessor is not the printed one.
    pub links: u32,
    /// `brk[i]`: such broken links among the arcs into nodes `1..=i`;
    /// `rbrk[i]`: the same with every arc read backwards (reversed pieces).
    /// Empty unless the objective counts reordering.
    pub brk: Vec<u32>,
    pub rbrk: Vec<u32>,
    /// Whether a shipment with a ride limit is on the route (then moves are
    /// confirmed by a full evaluation).
    pub has_ride: bool,
    /// Whether a stop with several windows is on the route.
    pub multi_window: bool,
    /// Reloads on the route.
    pub reloads: u32,
    /// Stops `1..=locked` are fixed (done or in progress): nothing moves them
    /// and nothing is inserted before them.
    pub locked: usize,
    /// Search counter value of the last change.
    pub stamp: u64,
}

impl<const D: usize> Route<D> {
    pub fn new(vehicle: u32, start: u32, end: u32) -> Self {
        Route {
            vehicle,
            nodes: vec![start, end],
            ..Default::default()
        }
    }

    /// Number of stops (depots excluded).
    #[inline]
    pub fn stops(&self) -> usize {
        self.nodes.len() - 2
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 2
    }

    #[inline]
    pub fn total(&self) -> &Seg<D> {
        self.pre.last().expect("route caches are built")
    }

    /// Rebuilds the caches from `nodes`, with node segments `nseg`.
    pub fn rebuild(&mut self, data: &Data<'_, D>, nseg: &[Seg<D>], w: &Weights) {
        let m = data.matrix(self.vehicle);
        let cap = &data.vehicles[self.vehicle as usize].cap;
        let n = self.nodes.len();
        self.pre.clear();
        self.suf.clear();
        self.open.clear();
        self.cum.clear();
        self.rcum.clear();
        self.cum.push(0);
        self.rcum.push(0);
        for k in 1..n {
            let (a, b) = (
                data.nodes[self.nodes[k - 1] as usize].loc,
                data.nodes[self.nodes[k] as usize].loc,
            );
            self.cum
                .push(self.cum[k - 1] + crate::search::segment::travel(m, a, b).1);
            self.rcum
                .push(self.rcum[k - 1] + crate::search::segment::travel(m, b, a).1);
        }
        let mut acc = nseg[self.nodes[0] as usize];
        self.pre.push(acc);
        let mut open = 0u32;
        self.has_ride = false;
        self.multi_window = false;
        self.away = 0;
        self.reloads = 0;
        for (i, &x) in self.nodes.iter().enumerate() {
            let node = &data.nodes[x as usize];
            match node.kind {
                NodeKind::Reload => self.reloads += 1,
                NodeKind::Pickup => {
                    open += 1;
                    self.has_ride |= data.max_ride[node.job as usize] != i64::MAX;
                }
                NodeKind::Delivery => open = open.saturating_sub(1),
                _ => {}
            }
            if matches!(node.kind, NodeKind::Single | NodeKind::Pickup) && data.any_away() {
                self.away += data.away(node.job, self.vehicle);
            }
            self.multi_window |= node.windows.len() > 1;
            self.open.push(open);
            if i > 0 {
                acc = acc.concat(&nseg[x as usize], m, cap);
                self.pre.push(acc);
            }
        }
        self.brk.clear();
        self.rbrk.clear();
        self.links = 0;
        if data.reorder_penalty != 0 {
            self.brk.push(0);
            self.rbrk.push(0);
            for k in 1..n {
                let (a, b) = (self.nodes[k - 1], self.nodes[k]);
                self.brk.push(self.brk[k - 1] + data.broken(a, b));
                self.rbrk.push(self.rbrk[k - 1] + data.broken(b, a));
            }
            self.links = self.brk[n - 1];
            self.away += data.reorder_penalty * self.links as i64;
        }
        self.suf.resize(n, Seg::default());
        self.sufx.clear();
        self.sufx.resize(n, Seg::default());
        let mut acc = nseg[self.nodes[n - 1] as usize];
        self.suf[n - 1] = acc;
        for i in (0..n - 1).rev() {
            acc = nseg[self.nodes[i] as usize].concat(&acc, m, cap);
            self.suf[i] = acc;
        }
        if n > 2 {
            let mut acc = nseg[self.nodes[n - 2] as usize];
            self.sufx[n - 2] = acc;
            for i in (1..n - 2).rev() {
                acc = nseg[self.nodes[i] as usize].concat(&acc, m, cap);
                self.sufx[i] = acc;
            }
        }
        self.ride_excess = if self.has_ride {
            forward(data, self.vehicle, &self.nodes, |x| nseg[x as usize], None).ride_excess
        } else {
            0
        };
        self.cost = route_cost(data, self.vehicle, self.total(), self.ride_excess, w) + self.away;
        self.dur = used_duration(self.total());
    }

    /// The cost without the ride penalty: what segment evaluation compares with.
    #[inline]
    pub fn cost_without_ride(&self, w: &Weights) -> i64 {
        self.cost - w.time.saturating_mul(self.ride_excess)
    }

    /// Recomputes the cost after a change of weights.
    pub fn reprice(&mut self, data: &Data<'_, D>, w: &Weights) {
        self.cost = route_cost(data, self.vehicle, self.total(), self.ride_excess, w) + self.away;
    }

    pub fn violations(&self, data: &Data<'_, D>) -> Violations {
        if self.is_empty() {
            return Violations::default();
        }
        Violations::of(
            self.total(),
            &data.vehicles[self.vehicle as usize],
            self.ride_excess,
        )
    }
}

/// The working time a whole-route segment counts for fair shares: its
/// duration, or 0 for an unused route (as [`route_cost`] prices it).
#[inline]
pub(crate) fn used_duration<const D: usize>(seg: &Seg<D>) -> i64 {
    if seg.stops == 0 && !seg.reload {
        0
    } else {
        seg.dur
    }
}
