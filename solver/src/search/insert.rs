//! Cheapest insertion of one job into the current routes, every position
//! priced by one or two segment concatenations. Used by construction,
//! recreate, unassigned reasons and the escalation desk's insertion options.

use rand::RngCore;

use crate::search::data::{Data, NodeKind, NONE};
use crate::search::penalty::route_cost;
use crate::search::route::used_duration;
use crate::search::schedule::forward;
use crate::search::segment::Seg;
use crate::search::state::State;

/// Where and at what price a job goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Insertion {
    pub route: u32,
    /// The first task goes right after index `p` of the current route.
    pub p: u32,
    /// The second task (shipments) goes right after index `q >= p` of the
    /// current route (`q == p`: right after the pickup).
    pub q: u32,
    pub wa: (i64, i64),
    pub wb: (i64, i64),
    /// A reload slot that goes right before the first task (a new trip
    /// starts there), or [`NONE`].
    pub reload: u32,
    /// Change of the penalised objective, prize not included.
    pub delta: i64,
}

impl Insertion {
    /// The node list of route `route` with the job `[a, b]` inserted.
    pub fn sequence(&self, route: &[u32], a: u32, b: u32, out: &mut Vec<u32>) {
        let (p, q) = (self.p as usize, self.q as usize);
        out.clear();
        out.extend_from_slice(&route[..=p]);
        if self.reload != NONE {
            out.push(self.reload);
        }
        out.push(a);
        if b != NONE {
            out.extend_from_slice(&route[p + 1..=q]);
            out.push(b);
            out.extend_from_slice(&route[q + 1..]);
        } else {
            out.extend_from_slice(&route[p + 1..]);
        }
    }
}

/// Change in the number of printed stops with another predecessor when job
/// `[a, b]` goes in after `p` (and `b` after `q`), behind reload `slot` if
/// not [`NONE`]. Zero unless the objective counts reordering.
#[inline]
fn link_delta<const D: usize>(
    data: &Data<'_, D>,
    nodes: &[u32],
    (p, q): (usize, usize),
    (a, b): (u32, u32),
    slot: u32,
) -> i64 {
    if data.reorder_penalty == 0 {
        return 0;
    }
    let br = |x: u32, y: u32| data.broken(x, y) as i64;
    let mut d = -br(nodes[p], nodes[p + 1]);
    d += if slot != NONE {
        br(nodes[p], slot) + br(slot, a)
    } else {
        br(nodes[p], a)
    };
    if b == NONE {
        d += br(a, nodes[p + 1]);
    } else if q == p {
        d += br(a, b) + br(b, nodes[p + 1]);
    } else {
        d += br(a, nodes[p + 1]) + br(nodes[q], b) + br(b, nodes[q + 1])
            - br(nodes[q], nodes[q + 1]);
    }
    d * data.reorder_penalty
}

/// Segment price of single-task node `a` (segment `sa`) right after index
/// `p` of route `r`, and behind a new reload if that is cheaper: (change of
/// the penalised objective with `away`, reload slot or [`NONE`]).
#[inline]
fn price_single<const D: usize>(
    data: &Data<'_, D>,
    st: &State<D>,
    r: usize,
    p: usize,
    (a, sa): (u32, &Seg<D>),
    away: i64,
) -> (i64, u32) {
    let route = &st.routes[r];
    let v = route.vehicle;
    let (m, cap, w) = (data.matrix(v), &data.vehicles[v as usize].cap, &st.weights);
    let old = route.cost_without_ride(w);
    let seg = route.pre[p]
        .concat(sa, m, cap)
        .concat(&route.suf[p + 1], m, cap);
    let links = |slot| link_delta(data, &route.nodes, (p, p), (a, NONE), slot);
    let kind = |seg: &Seg<D>| st.kind_delta(data, &[(r as u32, used_duration(seg))]);
    let mut best = (
        route_cost(data, v, &seg, 0, w) + away + links(NONE) - old + kind(&seg),
        NONE,
    );
    if let Some(slot) = new_trip_slot(data, st, r, p, seg.load_excess(cap) > 0) {
        let seg = route.pre[p]
            .concat(&st.nseg[slot as usize], m, cap)
            .concat(sa, m, cap)
            .concat(&route.suf[p + 1], m, cap);
        let d = route_cost(data, v, &seg, 0, w) + away + links(slot) - old + kind(&seg);
        if d < best.0 {
            best = (d, slot);
        }
    }
    best
}

/// The reload slot worth trying before a job inserted after index `p` of
/// route `r`: only where the plain insertion overloads the trip, the route
/// may take another reload, no shipment is open across the cut, and the cut
/// is not right after the start or another reload (a trip of nothing).
#[inline]
fn new_trip_slot<const D: usize>(
    data: &Data<'_, D>,
    st: &State<D>,
    r: usize,
    p: usize,
    overloaded: bool,
) -> Option<u32> {
    let route = &st.routes[r];
    let vd = &data.vehicles[route.vehicle as usize];
    if vd.max_reloads == 0
        || p == 0
        || route.open[p] != 0
        || data.nodes[route.nodes[p] as usize].kind == NodeKind::Reload
        || !overloaded
    {
        return None;
    }
    st.free_reload(data, r as u32)
}

/// Reusable buffers of one thread.
#[derive(Default)]
pub(crate) struct Scratch {
    pub seq: Vec<u32>,
    class_stamp: Vec<u64>,
    stamp: u64,
}

/// Random position skipping ("blinks", SISR): a position is skipped when a
/// random `u32` falls below `threshold`.
pub(crate) struct Blink<'a, R: RngCore> {
    pub rng: &'a mut R,
    pub threshold: u32,
}

impl<R: RngCore> Blink<'_, R> {
    #[inline]
    fn skip(&mut self) -> bool {
        self.threshold > 0 && self.rng.next_u32() < self.threshold
    }
}

/// Exact penalised cost of route `r` if its nodes were `seq`, with the
/// segments of the job nodes `a`, `b` overridden.
pub(crate) fn exact_cost<const D: usize>(
    data: &Data<'_, D>,
    st: &State<D>,
    r: u32,
    seq: &[u32],
    over: [(u32, Seg<D>); 2],
) -> i64 {
    let route = &st.routes[r as usize];
    let f = forward(
        data,
        route.vehicle,
        seq,
        |n| {
            if n == over[0].0 {
                over[0].1
            } else if n == over[1].0 {
                over[1].1
            } else {
                st.nseg[n as usize]
            }
        },
        None,
    );
    // Fair shares: this route's new working time moves its kind's total.
    route_cost(data, route.vehicle, &f.seg, f.ride_excess, &st.weights)
        + st.kind_delta(data, &[(r, used_duration(&f.seg))])
}

/// The cheapest insertion of `job` over all routes of vehicles that can
/// serve it alone, or `None` if no route is allowed. With `only_route`, only
/// that route is tried.
pub(crate) fn best_insertion<const D: usize, R: RngCore>(
    data: &Data<'_, D>,
    st: &State<D>,
    job: u32,
    scratch: &mut Scratch,
    mut blink: Option<&mut Blink<'_, R>>,
    only_route: Option<u32>,
) -> Option<Insertion> {
    let [a, b] = data.job_nodes[job as usize];
    let na = &data.nodes[a as usize];
    scratch.stamp += 1;
    let classes = data.vehicles.len();
    if scratch.class_stamp.len() < classes {
        scratch.class_stamp.resize(classes, 0);
    }
    let mut best: Option<Insertion> = None;
    let ride_job = data.max_ride[job as usize] != i64::MAX;
    if only_route.is_none() && b == NONE && data.clients.len() > RESTRICT_ABOVE {
        return near_insertion(data, st, job, scratch, blink);
    }
    let routes: &[_] = &st.routes;
    let range = match only_route {
        Some(r) => r as usize..r as usize + 1,
        None => 0..routes.len(),
    };
    for r in range {
        let route = &routes[r];
        let v = route.vehicle;
        if !data.can_serve(job, v) {
            continue;
        }
        if route.is_empty() && only_route.is_none() {
            let c = data.vehicles[v as usize].class as usize;
            if scratch.class_stamp[c] == scratch.stamp {
                continue;
            }
            scratch.class_stamp[c] = scratch.stamp;
        }
        let m = data.matrix(v);
        let cap = &data.vehicles[v as usize].cap;
        let w = &st.weights;
        let old = route.cost_without_ride(w);
        let away = route.away + data.away(job, v);
        let n = route.nodes.len();
        let exact_needed = route.has_ride || ride_job;
        let threshold = best.map_or(i64::MAX, |b| b.delta);
        let mut best_here = threshold;
        for &wa in &na.windows {
            let sa = na.seg(wa);
            if b == NONE {
                for p in route.locked..n - 1 {
                    if let Some(bl) = blink.as_deref_mut() {
                        if bl.skip() {
                            continue;
                        }
                    }
                    let links = |slot| link_delta(data, &route.nodes, (p, p), (a, NONE), slot);
                    let (delta, reload) = price_single(data, st, r, p, (a, &sa), away);
                    if delta >= best_here {
                        continue;
                    }
                    let mut ins = Insertion {
                        route: r as u32,
                        p: p as u32,
                        q: p as u32,
                        wa,
                        wb: wa,
                        reload,
                        delta,
                    };
                    if exact_needed {
                        ins.sequence(&route.nodes, a, NONE, &mut scratch.seq);
                        ins.delta =
                            exact_cost(data, st, r as u32, &scratch.seq, [(a, sa), (NONE, sa)])
                                + away
                                + links(reload)
                                - route.cost;
                        if ins.delta >= best_here {
                            continue;
                        }
                    }
                    best_here = ins.delta;
                    best = Some(ins);
                }
            } else {
                let nb = &data.nodes[b as usize];
                for &wb in &nb.windows {
                    let sb = nb.seg(wb);
                    for p in route.locked..n - 1 {
                        if let Some(bl) = blink.as_deref_mut() {
                            if bl.skip() {
                                continue;
                            }
                        }
                        // First the pair within the current trips; then, if that
                        // overloads a trip, the pair opening a new trip.
                        let mut slot = NONE;
                        let mut overloaded = false;
                        loop {
                            let head = if slot == NONE {
                                route.pre[p]
                            } else {
                                route.pre[p].concat(&st.nseg[slot as usize], m, cap)
                            };
                            let mut mid = head.concat(&sa, m, cap);
                            let mut q = p;
                            loop {
                                let seg = mid.concat(&sb, m, cap).concat(&route.suf[q + 1], m, cap);
                                if slot == NONE && !overloaded {
                                    overloaded = seg.load_excess(cap) > 0;
                                }
                                let links = link_delta(data, &route.nodes, (p, q), (a, b), slot);
                                let mut ins = Insertion {
                                    route: r as u32,
                                    p: p as u32,
                                    q: q as u32,
                                    wa,
                                    wb,
                                    reload: slot,
                                    delta: route_cost(data, v, &seg, 0, w) + away + links - old
                                        + st.kind_delta(data, &[(r as u32, used_duration(&seg))]),
                                };
                                if ins.delta < best_here && exact_needed {
                                    ins.sequence(&route.nodes, a, b, &mut scratch.seq);
                                    ins.delta = exact_cost(
                                        data,
                                        st,
                                        r as u32,
                                        &scratch.seq,
                                        [(a, sa), (b, sb)],
                                    ) + away
                                        + links
                                        - route.cost;
                                }
                                if ins.delta < best_here {
                                    best_here = ins.delta;
                                    best = Some(ins);
                                }
                                q += 1;
                                if q >= n - 1 {
                                    break;
                                }
                                let next = route.nodes[q];
                                if data.nodes[next as usize].kind == NodeKind::Reload {
                                    break;
                                }
                                mid = mid.concat(&st.nseg[next as usize], m, cap);
                            }
                            if slot != NONE || !overloaded {
                                break;
                            }
                            match new_trip_slot(data, st, r, p, overloaded) {
                                Some(s) => slot = s,
                                None => break,
                            }
                        }
                    }
                }
            }
        }
    }
    best
}

/// Above this many job nodes, a single-task job is only tried next to its
/// nearest stops (and in one empty route per vehicle class): on a 5,000-stop
/// day, pricing every position of every route for every job is memory-bound
/// (random matrix reads) and the far positions almost never win.
pub(crate) const RESTRICT_ABOVE: usize = 1000;

/// How many nearest stops [`near_insertion`] looks at.
const NEAR: usize = 60;

/// Cheapest insertion of a single-task job right before or after one of its
/// nearest routed stops, or into an empty route.
fn near_insertion<const D: usize, R: RngCore>(
    data: &Data<'_, D>,
    st: &State<D>,
    job: u32,
    scratch: &mut Scratch,
    mut blink: Option<&mut Blink<'_, R>>,
) -> Option<Insertion> {
    let a = data.job_nodes[job as usize][0];
    let na = &data.nodes[a as usize];
    let mut best: Option<Insertion> = None;
    let try_at = |r: usize, p: usize, best: &mut Option<Insertion>, scratch: &mut Scratch| {
        let route = &st.routes[r];
        let away = route.away + data.away(job, route.vehicle);
        for &wa in &na.windows {
            let sa = na.seg(wa);
            let links = |slot| link_delta(data, &route.nodes, (p, p), (a, NONE), slot);
            let (delta, reload) = price_single(data, st, r, p, (a, &sa), away);
            if best.is_some_and(|b| delta >= b.delta) {
                continue;
            }
            let mut ins = Insertion {
                route: r as u32,
                p: p as u32,
                q: p as u32,
                wa,
                wb: wa,
                reload,
                delta,
            };
            if route.has_ride {
                ins.sequence(&route.nodes, a, NONE, &mut scratch.seq);
                ins.delta = exact_cost(data, st, r as u32, &scratch.seq, [(a, sa), (NONE, sa)])
                    + away
                    + links(reload)
                    - route.cost;
                if best.is_some_and(|b| ins.delta >= b.delta) {
                    continue;
                }
            }
            *best = Some(ins);
        }
    };
    for &x in data.adjacency[a as usize].iter().take(NEAR) {
        let (r, i) = st.pos[x as usize];
        if r == NONE || !data.can_serve(job, st.routes[r as usize].vehicle) {
            continue;
        }
        let route = &st.routes[r as usize];
        let i = i as usize;
        for p in [i - 1, i] {
            if p < route.locked || p + 1 >= route.nodes.len() {
                continue;
            }
            if let Some(bl) = blink.as_deref_mut() {
                if bl.skip() {
                    continue;
                }
            }
            try_at(r as usize, p, &mut best, scratch);
        }
    }
    scratch.stamp += 1;
    let classes = data.vehicles.len();
    if scratch.class_stamp.len() < classes {
        scratch.class_stamp.resize(classes, 0);
    }
    for (r, route) in st.routes.iter().enumerate() {
        if !route.is_empty() || !data.can_serve(job, route.vehicle) {
            continue;
        }
        let c = data.vehicles[route.vehicle as usize].class as usize;
        if scratch.class_stamp[c] == scratch.stamp {
            continue;
        }
        scratch.class_stamp[c] = scratch.stamp;
        try_at(r, 0, &mut best, scratch);
    }
    // Nothing good nearby: fall back to every position.
    if best.is_none_or(|b| b.delta >= data.prize[job as usize]) {
        let mut b = best;
        for (r, route) in st.routes.iter().enumerate() {
            if route.is_empty() || !data.can_serve(job, route.vehicle) {
                continue;
            }
            for p in route.locked..route.nodes.len() - 1 {
                try_at(r, p, &mut b, scratch);
            }
        }
        best = b;
    }
    best
}

/// Applies an insertion found by [`best_insertion`].
pub(crate) fn apply<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    job: u32,
    ins: &Insertion,
) {
    let [a, b] = data.job_nodes[job as usize];
    st.nseg[a as usize] = data.nodes[a as usize].seg(ins.wa);
    let route = &mut st.routes[ins.route as usize];
    if b != NONE {
        st.nseg[b as usize] = data.nodes[b as usize].seg(ins.wb);
        route.nodes.insert(ins.q as usize + 1, b);
    }
    route.nodes.insert(ins.p as usize + 1, a);
    if ins.reload != NONE {
        route.nodes.insert(ins.p as usize + 1, ins.reload);
    }
    st.mark_assigned(data, job);
    st.update(data, ins.route);
}
