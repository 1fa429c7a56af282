//! Granular neighbourhoods: each job node only considers moves toward its `k`
//! nearest job nodes, where "near" mixes travel with time-window
//! compatibility (a node whose window closes before the other's opens is far,
//! whatever the distance). The single largest speed-up of local search.

use crate::problem::LocIdx;
use crate::search::data::Data;
use crate::search::segment::NOWHERE;

/// How many nodes the ruin step may scan around its seed.
const ADJACENCY: usize = 100;

pub(crate) fn build<const D: usize>(data: &mut Data<'_, D>, k: usize) {
    let n = data.nodes.len();
    let clients = data.clients.clone();
    let m = &data.problem.matrices()[0];
    let info: Vec<(u32, i64, i64, i64)> = clients
        .iter()
        .map(|&c| {
            let node = &data.nodes[c as usize];
            let e = node.windows.first().map_or(0, |w| w.0);
            let l = node.windows.last().map_or(i64::MAX / 4, |w| w.1);
            (node.loc, node.service, e, l)
        })
        .collect();
    let arc = |a: u32, b: u32| -> (i64, i64) {
        if a == NOWHERE || b == NOWHERE {
            return (0, 0);
        }
        let (a, b) = (LocIdx(a), LocIdx(b));
        (
            m.duration(a, b).min(i32::MAX as i64 / 2),
            m.distance(a, b).min(i32::MAX as i64 / 2),
        )
    };
    let mut neighbours = vec![Vec::new(); n];
    let mut adjacency = vec![Vec::new(); n];
    let mut scratch: Vec<(i64, i64, u32)> = Vec::with_capacity(clients.len());
    let mut arc_sum: i64 = 0;
    let mut arc_count: i64 = 0;
    for (i, &u) in clients.iter().enumerate() {
        scratch.clear();
        let (lu, su, eu, luu) = info[i];
        for (j, &v) in clients.iter().enumerate() {
            if u == v {
                continue;
            }
            let (lv, sv, ev, lvv) = info[j];
            let (tuv, duv) = arc(lu, lv);
            let (tvu, _) = arc(lv, lu);
            // Time-window cost of u then v, and of v then u; keep the better order.
            let uv = duv + (ev - (eu + su + tuv)).max(0) / 5 + (eu + su + tuv - lvv).max(0);
            let vu = duv + (eu - (ev + sv + tvu)).max(0) / 5 + (ev + sv + tvu - luu).max(0);
            scratch.push((uv.min(vu), duv, v));
            if arc_count < 1_000_000 {
                arc_sum += duv;
                arc_count += 1;
            }
        }
        let kk = k.min(scratch.len());
        if kk > 0 {
            scratch.select_nth_unstable_by_key(kk - 1, |x| (x.0, x.2));
            let mut near: Vec<(i64, u32)> = scratch[..kk].iter().map(|x| (x.0, x.2)).collect();
            near.sort_unstable();
            neighbours[u as usize] = near.into_iter().map(|x| x.1).collect();
        }
        let ka = ADJACENCY.min(scratch.len());
        if ka > 0 {
            scratch.select_nth_unstable_by_key(ka - 1, |x| (x.1, x.2));
            let mut near: Vec<(i64, u32)> = scratch[..ka].iter().map(|x| (x.1, x.2)).collect();
            near.sort_unstable();
            adjacency[u as usize] = near.into_iter().map(|x| x.1).collect();
        }
    }
    data.neighbours = neighbours;
    data.adjacency = adjacency;
    let cpm = data
        .vehicles
        .iter()
        .map(|v| v.cpm + v.cps)
        .max()
        .unwrap_or(1)
        .max(1);
    data.avg_arc_cost = (arc_sum / arc_count.max(1) * cpm).max(1);
    let demands: Vec<i64> = data
        .problem
        .jobs()
        .iter()
        .map(|j| j.demand.iter().sum::<i64>())
        .collect();
    data.avg_demand = (demands.iter().sum::<i64>() / (demands.len() as i64).max(1)).max(1);
}
