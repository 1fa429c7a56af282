//! Local-search operators, one per file, all described the same way: a move
//! says what each touched route becomes, as a short list of [`Piece`]s (ranges
//! of current routes, possibly reversed, and single nodes). One evaluator
//! prices any such description from cached prefix/suffix segments (O(1) when
//! the ranges are prefixes or suffixes), and one function applies it, so
//! operators only enumerate candidate moves.

pub(crate) mod pair;
pub(crate) mod relocate;
pub(crate) mod reload;
pub(crate) mod swap;
pub(crate) mod two_opt;
pub(crate) mod two_opt_star;

use crate::search::data::{Data, NodeKind, NONE};
use crate::search::insert::exact_cost;
use crate::search::penalty::route_cost;
use crate::search::segment::Seg;
use crate::search::state::State;

/// A part of a new route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Nodes `from..to` of current route `r`, reversed if `rev`.
    Range { r: u32, from: u32, to: u32, rev: bool },
    Node(u32),
}

/// Most pieces a route description needs.
pub(crate) const MAX_PIECES: usize = 6;

/// The new content of one route.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NewRoute {
    pub r: u32,
    pub pieces: [Piece; MAX_PIECES],
    pub len: usize,
}

impl NewRoute {
    pub fn new(r: u32, pieces: &[Piece]) -> Self {
        let mut p = [Piece::Node(NONE); MAX_PIECES];
        p[..pieces.len()].copy_from_slice(pieces);
        NewRoute { r, pieces: p, len: pieces.len() }
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pieces[..self.len]
    }
}

/// `Range` helper.
#[inline]
pub(crate) fn range(r: u32, from: usize, to: usize) -> Piece {
    Piece::Range { r, from: from as u32, to: to as u32, rev: false }
}

#[inline]
pub(crate) fn rev(r: u32, from: usize, to: usize) -> Piece {
    Piece::Range { r, from: from as u32, to: to as u32, rev: true }
}

/// Segment of a piece list for the vehicle of route `target`.
pub(crate) fn seg_of<const D: usize>(data: &Data<'_, D>, st: &State<D>, target: u32, pieces: &[Piece]) -> Seg<D> {
    let v = st.routes[target as usize].vehicle;
    let m = data.matrix(v);
    let cap = &data.vehicles[v as usize].cap;
    let mut acc: Option<Seg<D>> = None;
    let push = |s: &Seg<D>, acc: &mut Option<Seg<D>>| {
        *acc = Some(match acc {
            None => *s,
            Some(a) => a.concat(s, m, cap),
        });
    };
    for p in pieces {
        match *p {
            Piece::Node(x) => push(&st.nseg[x as usize], &mut acc),
            Piece::Range { r, from, to, rev } => {
                if from >= to {
                    continue;
                }
                let route = &st.routes[r as usize];
                let n = route.nodes.len() as u32;
                let same = r == target || data.compatible(route.vehicle, v);
                if !rev && from == 0 && r == target {
                    push(&route.pre[to as usize - 1], &mut acc);
                } else if !rev && to == n && r == target {
                    push(&route.suf[from as usize], &mut acc);
                } else if !rev && to == n - 1 && from > 0 && same {
                    push(&route.sufx[from as usize], &mut acc);
                } else if !rev {
                    for i in from..to {
                        push(&st.nseg[route.nodes[i as usize] as usize], &mut acc);
                    }
                } else {
                    for i in (from..to).rev() {
                        push(&st.nseg[route.nodes[i as usize] as usize], &mut acc);
                    }
                }
            }
        }
    }
    acc.expect("a route has at least its depots")
}

/// A lower bound of the change of the objective, from distances only: the
/// new routes cost at least their fixed and per-metre costs (penalties and
/// durations are non-negative). Most candidate moves fail here, in O(pieces).
fn lower_bound<const D: usize>(data: &Data<'_, D>, st: &State<D>, new: &[NewRoute]) -> i64 {
    let mut d = 0i64;
    for nr in new {
        let route = &st.routes[nr.r as usize];
        let v = route.vehicle;
        let vd = &data.vehicles[v as usize];
        let m = data.matrix(v);
        let mut dist = 0i64;
        let mut count = 0u32;
        let mut last = crate::search::segment::NOWHERE;
        let mut first = true;
        for p in nr.pieces() {
            let (a, b, inner, len) = match *p {
                Piece::Node(x) => {
                    let l = data.nodes[x as usize].loc;
                    (l, l, 0, 1)
                }
                Piece::Range { r, from, to, rev } => {
                    if from >= to {
                        continue;
                    }
                    let src = &st.routes[r as usize];
                    if data.vehicles[src.vehicle as usize].profile != vd.profile {
                        return i64::MIN;
                    }
                    let (f, t) = (from as usize, to as usize - 1);
                    let (la, lb) = (data.nodes[src.nodes[f] as usize].loc, data.nodes[src.nodes[t] as usize].loc);
                    if rev {
                        (lb, la, src.rcum[t] - src.rcum[f], to - from)
                    } else {
                        (la, lb, src.cum[t] - src.cum[f], to - from)
                    }
                }
            };
            if !first {
                dist += crate::search::segment::travel(m, last, a).1;
            }
            first = false;
            dist += inner;
            last = b;
            count += len;
        }
        let old = route.cost_without_ride(&st.weights);
        let new_cost = if count > 2 { vd.fixed + data.vehicle_weight + vd.cpm * dist } else { 0 };
        d += new_cost - old;
    }
    if data.change_penalty != 0 {
        // Change penalties may fall; no bound then.
        return i64::MIN;
    }
    d
}

/// Change penalty difference of the pieces of `nr` coming from other routes.
fn away_delta<const D: usize>(data: &Data<'_, D>, st: &State<D>, nr: &NewRoute) -> i64 {
    if data.change_penalty == 0 {
        return 0;
    }
    let v = st.routes[nr.r as usize].vehicle;
    let mut d = 0;
    let mut count = |x: u32| {
        let node = &data.nodes[x as usize];
        if matches!(node.kind, NodeKind::Single | NodeKind::Pickup) {
            let (r, _) = st.pos[x as usize];
            let from = if r == NONE { NONE } else { st.routes[r as usize].vehicle };
            if from != v {
                d += data.away(node.job, v) - if from == NONE { 0 } else { data.away(node.job, from) };
            }
        }
    };
    for p in nr.pieces() {
        match *p {
            Piece::Node(x) => count(x),
            Piece::Range { r, from, to, .. } => {
                if r != nr.r {
                    for i in from..to {
                        count(st.routes[r as usize].nodes[i as usize]);
                    }
                }
            }
        }
    }
    // A node leaving route A for route B is charged `away(B) - away(A)` here,
    // on arrival; A's cached `away` still holds `away(A)`, so the sum is exact.
    d
}

/// Builds the node list of `nr` into `out`.
pub(crate) fn build_nodes<const D: usize>(st: &State<D>, nr: &NewRoute, out: &mut Vec<u32>) {
    out.clear();
    for p in nr.pieces() {
        match *p {
            Piece::Node(x) => out.push(x),
            Piece::Range { r, from, to, rev } => {
                let nodes = &st.routes[r as usize].nodes[from as usize..to as usize];
                if rev {
                    out.extend(nodes.iter().rev());
                } else {
                    out.extend_from_slice(nodes);
                }
            }
        }
    }
}

/// Scratch buffers for evaluating and applying moves.
#[derive(Default)]
pub(crate) struct MoveScratch {
    a: Vec<u32>,
    b: Vec<u32>,
}

/// Change of the penalised objective if the routes became `new`. Segment
/// evaluation first; routes with ride limits are confirmed exactly when the
/// move looks improving. Returns `i64::MAX` when not improving.
pub(crate) fn delta<const D: usize>(data: &Data<'_, D>, st: &State<D>, new: &[NewRoute], sc: &mut MoveScratch) -> i64 {
    if lower_bound(data, st, new) >= 0 {
        return i64::MAX;
    }
    let w = &st.weights;
    let mut d = 0i64;
    let mut ride = false;
    for nr in new {
        let route = &st.routes[nr.r as usize];
        let seg = seg_of(data, st, nr.r, nr.pieces());
        let away = away_delta(data, st, nr);
        d += route_cost(data, route.vehicle, &seg, 0, w) + route.away + away - route.cost_without_ride(w);
        ride |= route.has_ride;
    }
    if ride && d < 0 {
        // A ride-limited shipment may have moved to a route without any.
        d = 0;
        for nr in new {
            let route = &st.routes[nr.r as usize];
            build_nodes(st, nr, &mut sc.a);
            let none = (NONE, Seg::default());
            let c = exact_cost(data, st, nr.r, &sc.a, [none, none]);
            d += c + route.away + away_delta(data, st, nr) - route.cost;
        }
    } else if !ride && d < 0 && data.any_ride {
        // Nodes with a ride limit may have entered a route that had none.
        let enters = new.iter().any(|nr| {
            nr.pieces().iter().any(|p| match *p {
                Piece::Node(x) => data.nodes[x as usize].partner != NONE,
                Piece::Range { r, .. } => r != nr.r && st.routes[r as usize].has_ride,
            })
        });
        if enters {
            d = 0;
            for nr in new {
                let route = &st.routes[nr.r as usize];
                build_nodes(st, nr, &mut sc.a);
                let none = (NONE, Seg::default());
                d += exact_cost(data, st, nr.r, &sc.a, [none, none]) + route.away + away_delta(data, st, nr) - route.cost;
            }
        }
    }
    if d < 0 {
        d
    } else {
        i64::MAX
    }
}

/// Applies a move described by `new`.
pub(crate) fn apply<const D: usize>(data: &Data<'_, D>, st: &mut State<D>, new: &[NewRoute], sc: &mut MoveScratch) {
    debug_assert!(new.len() <= 2);
    build_nodes(st, &new[0], &mut sc.a);
    if new.len() > 1 {
        build_nodes(st, &new[1], &mut sc.b);
    }
    std::mem::swap(&mut st.routes[new[0].r as usize].nodes, &mut sc.a);
    if new.len() > 1 {
        std::mem::swap(&mut st.routes[new[1].r as usize].nodes, &mut sc.b);
    }
    for nr in new {
        st.update(data, nr.r);
    }
}


