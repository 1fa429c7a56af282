//! Relocate pair: move a pickup-and-delivery job, both tasks together, into
//! another route, pickup and delivery each at their best positions.

use crate::search::data::{Data, NodeKind, NONE};
use crate::search::insert::{self, best_insertion, Blink, Scratch};
use crate::search::ops::{apply, range, MoveScratch, NewRoute};
use crate::search::state::State;
use crate::search::Rng;

pub(crate) fn apply_best<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    sc: &mut MoveScratch,
    isc: &mut Scratch,
    u: u32,
    v: u32,
) -> bool {
    let node = &data.nodes[u as usize];
    if !matches!(node.kind, NodeKind::Pickup | NodeKind::Delivery) {
        return false;
    }
    let job = node.job;
    let [p, d] = data.job_nodes[job as usize];
    let (ru, i) = st.pos[p as usize];
    let (_, k) = st.pos[d as usize];
    let (rv, _) = st.pos[v as usize];
    if ru == NONE || rv == NONE || ru == rv || (i as usize) <= st.routes[ru as usize].locked {
        return false;
    }
    let (i, k) = (i as usize, k as usize);
    let n = st.routes[ru as usize].nodes.len();
    let removal = [NewRoute::new(
        ru,
        &[range(ru, 0, i), range(ru, i + 1, k), range(ru, k + 1, n)],
    )];
    // `delta` only reports improvements; price the removal directly instead.
    let seg = crate::search::ops::seg_of(data, st, ru, removal[0].pieces());
    let route = &st.routes[ru as usize];
    let w = st.weights;
    let removed = crate::search::penalty::route_cost(data, route.vehicle, &seg, 0, &w) + route.away
        - data.away(job, route.vehicle)
        - route.cost
        + st.kind_delta(data, &[(ru, crate::search::route::used_duration(&seg))]);
    let Some(ins) =
        best_insertion::<D, Rng>(data, st, job, isc, None::<&mut Blink<'_, Rng>>, Some(rv))
    else {
        return false;
    };
    // Fair shares: the removal and the insertion were each priced against
    // the kind totals as they stand; together the totals move by both.
    let cross = if data.balance.is_some() && ins.route != ru {
        let mut seq = Vec::new();
        ins.sequence(&st.routes[ins.route as usize].nodes, p, d, &mut seq);
        let v = st.routes[ins.route as usize].vehicle;
        let seg_of = |n: u32| {
            if n == p {
                data.nodes[p as usize].seg(ins.wa)
            } else if n == d {
                data.nodes[d as usize].seg(ins.wb)
            } else {
                st.nseg[n as usize]
            }
        };
        let f = crate::search::schedule::forward(data, v, &seq, seg_of, None);
        let (a, b) = (
            (ru, crate::search::route::used_duration(&seg)),
            (ins.route, crate::search::route::used_duration(&f.seg)),
        );
        st.kind_delta(data, &[a, b]) - st.kind_delta(data, &[a]) - st.kind_delta(data, &[b])
    } else {
        0
    };
    if removed + ins.delta + cross >= 0 {
        return false;
    }
    if route.has_ride {
        // The removal's ride effect was not priced exactly; accept anyway only
        // if the exact evaluation agrees.
        let mut seq = Vec::new();
        crate::search::ops::build_nodes(st, &removal[0], &mut seq);
        let none = (NONE, crate::search::segment::Seg::default());
        let exact = insert::exact_cost(data, st, ru, &seq, [none, none]) + route.away
            - data.away(job, route.vehicle)
            - route.cost;
        if exact + ins.delta + cross >= 0 {
            return false;
        }
    }
    apply(data, st, &removal, sc);
    st.pos[p as usize] = (NONE, 0);
    st.pos[d as usize] = (NONE, 0);
    insert::apply(data, st, job, &ins);
    true
}
