//! Exact forward evaluation of one route: the schedule the solver reports.
//!
//! The search prices moves with segments; this walks a whole route once to
//! produce the reported schedule and to check what segments do not capture
//! (maximum ride time). Schedule policy: the route leaves its start at the
//! earliest time that still gives the minimal route duration (Vidal's `E` of
//! the whole route), then every stop begins service as early as its active
//! window allows. So there is no waiting at the start that a later departure
//! would avoid, and the route finishes as early as possible.
//!
//! One exception keeps chilled goods cold: a reload that begins a trip with a
//! carry limit (`max_carry`) is loaded as late as the trip allows without
//! delaying its last limited delivery (the earliest start of the trip's
//! minimal-duration schedule up to that delivery), so the goods wait in the
//! cold room rather than in the van. The route start needs no such delay:
//! Vidal's `E` of the whole route is already at least that late.

use crate::search::data::{Data, NodeKind, NO_LIMIT};
use crate::search::segment::{travel, Seg, Span};

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
    /// Per trip, the worst carried time above its limit of the trip's limited
    /// deliveries (`max_carry`), summed over trips: the same measure as
    /// [`crate::search::segment::Carry`], here on the reported schedule.
    pub carry_excess: i64,
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
    let load_by = if data.any_carry {
        latest_loading(data, vehicle, nodes, &nseg)
    } else {
        Vec::new()
    };
    let mut dep = start;
    let mut prev_loc = data.nodes[nodes[0] as usize].loc;
    // Departure of the trip's loading point and its worst carry excess so far.
    let mut trip_dep = start;
    let mut trip_worst = i64::MIN;
    // Shipments picked up and not yet delivered: (delivery node, pickup departure).
    let mut open: Vec<(u32, i64)> = Vec::new();
    for (i, &n) in nodes.iter().enumerate() {
        let node = &data.nodes[n as usize];
        let s = nseg(n);
        let (arrival, mut begin, warp) = if i == 0 {
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
        if let Some(&want) = load_by.get(i) {
            if node.kind == NodeKind::Reload && want != i64::MIN {
                begin = begin.max((want - node.service).min(s.l));
            }
        }
        dep = begin + node.service;
        if matches!(node.kind, NodeKind::Reload | NodeKind::End) {
            out.carry_excess += trip_worst.max(0);
            trip_worst = i64::MIN;
            trip_dep = dep;
        } else if node.max_carry != NO_LIMIT {
            trip_worst = trip_worst.max(begin - trip_dep - node.max_carry);
        }
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

/// Per position of `nodes`: for a reload, the latest departure that delays
/// none of its trip's limited deliveries (Vidal's earliest start of the
/// trip's span from the departure up to its last limited delivery), or
/// `i64::MIN` when the trip has none; `i64::MIN` elsewhere.
fn latest_loading<const D: usize>(
    data: &Data<'_, D>,
    vehicle: u32,
    nodes: &[u32],
    nseg: &impl Fn(u32) -> Seg<D>,
) -> Vec<i64> {
    let m = data.matrix(vehicle);
    let mut out = vec![i64::MIN; nodes.len()];
    for (i, &n) in nodes.iter().enumerate() {
        let node = &data.nodes[n as usize];
        if node.kind != NodeKind::Reload {
            continue;
        }
        let w = nseg(n);
        let mut span = Span {
            dur: 0,
            tw: 0,
            e: w.e + node.service,
            l: w.l + node.service,
        };
        let mut prev = node.loc;
        for &x in &nodes[i + 1..] {
            let next = &data.nodes[x as usize];
            if matches!(next.kind, NodeKind::Reload | NodeKind::End) {
                break;
            }
            let t = travel(m, prev, next.loc).0;
            span = span.then(&nseg(x).span(), t).0;
            prev = next.loc;
            if next.max_carry != NO_LIMIT {
                out[i] = span.e;
            }
        }
    }
    out
}
