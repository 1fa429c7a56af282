//! Local-search operators, one per file, all described the same way: a move
//! says what each touched route becomes, as a short list of [`Piece`]s (ranges
//! of current routes, possibly reversed, and single nodes). One evaluator
//! prices any such description from cached prefix/suffix segments (O(1) when
//! the ranges are prefixes or suffixes), and one function applies it, so
//! operators only enumerate candidate moves.

pub(crate) mod merge;
pub(crate) mod pair;
pub(crate) mod reload;
pub(crate) mod relocate;
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
    Range {
        r: u32,
        from: u32,
        to: u32,
        rev: bool,
    },
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
        NewRoute {
            r,
            pieces: p,
            len: pieces.len(),
        }
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pieces[..self.len]
    }
}

/// `Range` helper.
#[inline]
pub(crate) fn range(r: u32, from: usize, to: usize) -> Piece {
    Piece::Range {
        r,
        from: from as u32,
        to: to as u32,
        rev: false,
    }
}

#[inline]
pub(crate) fn rev(r: u32, from: usize, to: usize) -> Piece {
    Piece::Range {
        r,
        from: from as u32,
        to: to as u32,
        rev: true,
    }
}

/// Segment of a piece list for the vehicle of route `target`.
pub(crate) fn seg_of<const D: usize>(
    data: &Data<'_, D>,
    st: &State<D>,
    target: u32,
    pieces: &[Piece],
) -> Seg<D> {
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
                    let (la, lb) = (
                        data.nodes[src.nodes[f] as usize].loc,
                        data.nodes[src.nodes[t] as usize].loc,
                    );
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
        let new_cost = if count > 2 {
            vd.fixed + data.vehicle_weight + vd.cpm * dist
        } else {
            0
        };
        d += new_cost - old;
    }
    if data.counts_changes() {
        // Change penalties may fall; no bound then.
        return i64::MIN;
    }
    d
}

/// Printed stops of route `nr` whose predecessor is not the printed one:
/// inside each piece from the source route's prefix counts, at each joint
/// directly. O(pieces).
pub(crate) fn links_of<const D: usize>(data: &Data<'_, D>, st: &State<D>, nr: &NewRoute) -> u32 {
    let mut count = 0;
    let mut last = NONE;
    for p in nr.pieces() {
        let (first, end) = match *p {
            Piece::Node(x) => (x, x),
            Piece::Range { r, from, to, rev } => {
                if from >= to {
                    continue;
                }
                let route = &st.routes[r as usize];
                let (f, t) = (from as usize, to as usize - 1);
                if rev {
                    count += route.rbrk[t] - route.rbrk[f];
                    (route.nodes[t], route.nodes[f])
                } else {
                    count += route.brk[t] - route.brk[f];
                    (route.nodes[f], route.nodes[t])
                }
            }
        };
        if last != NONE {
            count += data.broken(last, first);
        }
        last = end;
    }
    count
}

/// Change penalty difference of route `nr`: pieces coming from other
/// routes, and printed stops with another predecessor.
fn away_delta<const D: usize>(data: &Data<'_, D>, st: &State<D>, nr: &NewRoute) -> i64 {
    if !data.counts_changes() && !data.any_preference {
        return 0;
    }
    let links = if data.reorder_penalty != 0 {
        data.reorder_penalty
            * (links_of(data, st, nr) as i64 - st.routes[nr.r as usize].links as i64)
    } else {
        0
    };
    if !data.any_away() {
        return links;
    }
    let v = st.routes[nr.r as usize].vehicle;
    let mut d = 0;
    let mut count = |x: u32| {
        let node = &data.nodes[x as usize];
        if matches!(node.kind, NodeKind::Single | NodeKind::Pickup) {
            let (r, _) = st.pos[x as usize];
            let from = if r == NONE {
                NONE
            } else {
                st.routes[r as usize].vehicle
            };
            if from != v {
                d += data.away(node.job, v)
                    - if from == NONE {
                        0
                    } else {
                        data.away(node.job, from)
                    };
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
    d + links
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
pub(crate) fn delta<const D: usize>(
    data: &Data<'_, D>,
    st: &State<D>,
    new: &[NewRoute],
    sc: &mut MoveScratch,
) -> i64 {
    if lower_bound(data, st, new) >= 0 {
        return i64::MAX;
    }
    let w = &st.weights;
    let mut d = 0i64;
    let mut ride = false;
    let mut durs = [(0u32, 0i64); 4];
    for (i, nr) in new.iter().enumerate() {
        let route = &st.routes[nr.r as usize];
        let seg = seg_of(data, st, nr.r, nr.pieces());
        let away = away_delta(data, st, nr);
        d += route_cost(data, route.vehicle, &seg, 0, w) + route.away + away
            - route.cost_without_ride(w);
        ride |= route.has_ride;
        if i < durs.len() {
            durs[i] = (nr.r, crate::search::route::used_duration(&seg));
        }
    }
    // Fair shares within a kind: the kind's total working time changed.
    let kind = st.kind_delta(data, &durs[..new.len().min(durs.len())]);
    d += kind;
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
        // `exact_cost` prices each route's kind change alone; the kinds'
        // totals move together.
        let alone: i64 = durs[..new.len().min(durs.len())]
            .iter()
            .map(|&c| st.kind_delta(data, &[c]))
            .sum();
        d += kind - alone;
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
                d += exact_cost(data, st, nr.r, &sc.a, [none, none])
                    + route.away
                    + away_delta(data, st, nr)
                    - route.cost;
            }
            let alone: i64 = durs[..new.len().min(durs.len())]
                .iter()
                .map(|&c| st.kind_delta(data, &[c]))
                .sum();
            d += kind - alone;
        }
    }
    if d < 0 {
        d
    } else {
        i64::MAX
    }
}

/// Applies a move described by `new`.
pub(crate) fn apply<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    new: &[NewRoute],
    sc: &mut MoveScratch,
) {
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

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::problem::*;
    use crate::search::insert::Scratch;
    use crate::search::recreate::{recreate, Order};
    use crate::search::Rng;

    fn problem() -> Problem {
        let n = 13;
        let pts: Vec<(i64, i64)> = (0..n)
            .map(|i| ((i * 37 % 11) as i64 * 10, (i * 53 % 7) as i64 * 10))
            .collect();
        let mut d = vec![0i32; n * n];
        for i in 0..n {
            for j in 0..n {
                // Asymmetric on purpose: reversed pieces must use the reverse arcs.
                d[i * n + j] = ((pts[i].0 - pts[j].0).abs() + (pts[i].1 - pts[j].1).abs()) as i32
                    + (i > j) as i32 * 3;
            }
        }
        let mut b = ProblemBuilder::new(1);
        b.matrix(Matrix::from_distances(n, d).unwrap());
        for v in 0..3 {
            let mut veh = Vehicle::new(format!("v{v}"), ProfileIdx(0), LocIdx(0), vec![4]);
            veh.shift = TimeWindow::new(0, 400);
            b.vehicle(veh);
        }
        for j in 1..n {
            let w = if j % 3 == 0 {
                vec![TimeWindow::new(j as i64 * 10, j as i64 * 10 + 60)]
            } else {
                vec![]
            };
            b.job(Job {
                id: format!("j{j}"),
                kind: JobKind::Delivery(Task::new(LocIdx(j as u32), 5, w)),
                demand: vec![1 + (j % 2) as i64],
                priority: Priority::Routine,
                skills: Skills::NONE,
                prize: None,
                max_carry: None,
            });
        }
        b.build().unwrap()
    }

    /// Every piece description priced from caches equals the plain fold of its nodes.
    #[test]
    fn pieces_are_priced_like_the_routes_they_describe() {
        let p = problem();
        let mut data = crate::search::setup::search_data::<1>(&p, 8);
        // A made-up printed order (every job's predecessor on a "sheet"), so
        // that reordering counts are exercised too.
        data.reorder_penalty = 5;
        data.printed_pred = (0..data.nodes.len() as u32)
            .map(|x| {
                if data.nodes[x as usize].job == NONE {
                    NONE
                } else {
                    (x * 7 + 3) % data.nodes.len() as u32
                }
            })
            .collect();
        let data = data;
        let w = crate::search::penalty::Weights { load: 3, time: 2 };
        let mut st = State::new(&data, w);
        let mut rng = Rng::seed_from_u64(3);
        let mut jobs = st.unassigned.clone();
        recreate(
            &data,
            &mut st,
            &mut rng,
            &mut jobs,
            Order::Random,
            0.0,
            &mut Scratch::default(),
        );
        let mut checked = 0;
        let mut buf = Vec::new();
        for ra in 0..st.routes.len() as u32 {
            for rb in 0..st.routes.len() as u32 {
                let (na, nb) = (
                    st.routes[ra as usize].nodes.len(),
                    st.routes[rb as usize].nodes.len(),
                );
                for i in 1..na - 1 {
                    for j in 0..nb - 1 {
                        let end_a = st.routes[ra as usize].nodes[na - 1];
                        let candidates = [
                            NewRoute::new(
                                ra,
                                &[range(ra, 0, i), rev(ra, i, na - 1), Piece::Node(end_a)],
                            ),
                            NewRoute::new(
                                ra,
                                &[
                                    range(ra, 0, i),
                                    range(rb, j + 1, nb - 1),
                                    Piece::Node(end_a),
                                ],
                            ),
                            NewRoute::new(
                                rb,
                                &[
                                    range(rb, 0, j + 1),
                                    range(ra, i, i + 1),
                                    range(rb, j + 1, nb),
                                ],
                            ),
                        ];
                        for nr in candidates {
                            build_nodes(&st, &nr, &mut buf);
                            let v = st.routes[nr.r as usize].vehicle;
                            let (m, cap) = (data.matrix(v), &data.vehicles[v as usize].cap);
                            let fold = buf[1..].iter().fold(st.nseg[buf[0] as usize], |acc, &x| {
                                acc.concat(&st.nseg[x as usize], m, cap)
                            });
                            assert_eq!(seg_of(&data, &st, nr.r, nr.pieces()), fold);
                            let direct: u32 = buf.windows(2).map(|w| data.broken(w[0], w[1])).sum();
                            assert_eq!(links_of(&data, &st, &nr), direct);
                            // The distance bound never exceeds the true change.
                            let lb = lower_bound(&data, &st, std::slice::from_ref(&nr));
                            let route = &st.routes[nr.r as usize];
                            let exact = crate::search::penalty::route_cost(&data, v, &fold, 0, &w)
                                - route.cost_without_ride(&w);
                            assert!(lb <= exact, "bound {lb} above exact {exact}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 50);
    }
}
