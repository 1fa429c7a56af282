//! Exact forward evaluation of one route: the schedule the solver reports.
//!
//! The search prices moves with segments; this walks a whole route once to
//! produce the reported schedule and to check what segments do not capture
//! (maximum ride time). Schedule policy: the route leaves its start at the
//! earliest time that still gives the minimal route duration (Vidal's `E` of
//! the whole route), then every stop begins service as early as its active
//! window allows. So there is no waiting at the start that a later departure
//! would avoid, and the route finishes as early as possible.

use crate::search::data::{Data, NodeKind};
use crate::search::segment::{travel, Seg};

/// Times of one stop.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StopTimes {
    pub arrival: i64,
    pub begin: i64,
    pub departure: i64,
}

/// Result of a forward evaluation.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Forward<const D: usize> {
    pub seg: Seg<D>,
    /// Total ride time above the limits of the shipments on the route.
    pub ride_excess: i64,
    /// Warp at job stops (window) and at the end depot (shift).
    pub job_warp: i64,
    pub end_warp: i64,
}

/// Evaluates `nodes` (start depot first, end depot last) of `vehicle`, with
/// the segment of each node given by `nseg`. Fills `times` if given.
pub(crate) fn forward<const D: usize>(
    data: &Data<'_, D>,
    vehicle: u32,
    nodes: &[u32],
    nseg: impl Fn(u32) -> Seg<D>,
    mut times: Option<&mut Vec<StopTimes>>,
) -> Forward<D> {
    let m = data.matrix(vehicle);
    let cap = &data.vehicles[vehicle as usize].cap;
    let mut seg = nseg(nodes[0]);
    for &n in &nodes[1..] {
        seg = seg.concat(&nseg(n), m, cap);
    }
    let start = seg.e.min(seg.l).max(nseg(nodes[0]).e);
    let mut out = Forward {
        seg,
        ..Default::default()
    };
    if let Some(t) = times.as_deref_mut() {
        t.clear();
    }
    let mut dep = start;
    let mut prev_loc = data.nodes[nodes[0] as usize].loc;
    // Shipments picked up and not yet delivered: (delivery node, pickup departure).
    let mut open: Vec<(u32, i64)> = Vec::new();
    for (i, &n) in nodes.iter().enumerate() {
        let node = &data.nodes[n as usize];
        let s = nseg(n);
        let (arrival, begin, warp) = if i == 0 {
            (start, start, 0)
        } else {
            let arr = dep + travel(m, prev_loc, node.loc).0;
            let b = arr.max(s.e);
            if b > s.l {
                (arr, s.l, b - s.l)
            } else {
                (arr, b, 0)
            }
        };
        dep = begin + node.service;
        prev_loc = node.loc;
        match node.kind {
            NodeKind::End => out.end_warp += warp,
            NodeKind::Start => {}
            _ => out.job_warp += warp,
        }
        if node.kind == NodeKind::Pickup {
            open.push((node.partner, dep));
        } else if node.kind == NodeKind::Delivery {
            if let Some(k) = open.iter().position(|&(d, _)| d == n) {
                let (_, pdep) = open.swap_remove(k);
                let lim = data.max_ride[node.job as usize];
                if lim != i64::MAX {
                    out.ride_excess += (begin - pdep - lim).max(0);
                }
            }
        }
        if let Some(t) = times.as_deref_mut() {
            t.push(StopTimes {
                arrival,
                begin,
                departure: dep,
            });
        }
    }
    out
}
