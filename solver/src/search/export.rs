//! Turns a search state into the returned [`Solution`]: full schedules,
//! loads after each stop, route costs, and the objective.

use crate::problem::{JobIdx, LocIdx, VehicleIdx};
use crate::search::data::{Data, NodeKind, NONE};
use crate::search::schedule::{forward, StopTimes};
use crate::search::state::State;
use crate::solution::{Activity, ActivityKind, Route, Solution, Unassigned};

pub(crate) fn activity_kind<const D: usize>(data: &Data<'_, D>, n: u32) -> ActivityKind {
    let node = &data.nodes[n as usize];
    let j = JobIdx(node.job);
    match node.kind {
        NodeKind::Reload => ActivityKind::Reload,
        NodeKind::Pickup => ActivityKind::ShipmentPickup(j),
        NodeKind::Delivery => ActivityKind::ShipmentDelivery(j),
        _ => match data.problem.job(j).kind {
            crate::problem::JobKind::Delivery(_) => ActivityKind::Delivery(j),
            crate::problem::JobKind::Pickup(_) => ActivityKind::Pickup(j),
            _ => ActivityKind::Visit(j),
        },
    }
}

/// Builds the solution; `unassigned` carries the reasons.
pub(crate) fn export<const D: usize>(
    data: &Data<'_, D>,
    st: &State<D>,
    unassigned: Vec<Unassigned>,
) -> Solution {
    let dims = data.problem.dimensions();
    let mut routes = Vec::new();
    let mut times: Vec<StopTimes> = Vec::new();
    for r in &st.routes {
        if r.is_empty() {
            continue;
        }
        let v = r.vehicle;
        let vd = &data.vehicles[v as usize];
        let f = forward(data, v, &r.nodes, |x| st.nseg[x as usize], Some(&mut times));
        // Trip start loads: depot-loaded deliveries of each trip.
        let mut trip_loads: Vec<Vec<i64>> = vec![vec![0; dims]];
        for &x in &r.nodes[1..r.nodes.len() - 1] {
            let node = &data.nodes[x as usize];
            if node.kind == NodeKind::Reload {
                trip_loads.push(vec![0; dims]);
            } else {
                let t = trip_loads.last_mut().expect("one trip");
                for (d, slot) in t.iter_mut().enumerate() {
                    *slot += node.load.dsum[d];
                }
            }
        }
        let mut load = trip_loads[0].clone();
        let start_load = load.clone();
        let mut trip = 0;
        let mut activities = Vec::with_capacity(r.nodes.len() - 2);
        for (k, &x) in r.nodes.iter().enumerate().take(r.nodes.len() - 1).skip(1) {
            let node = &data.nodes[x as usize];
            if node.kind == NodeKind::Reload {
                trip += 1;
                load.clone_from(&trip_loads[trip]);
            } else {
                for (d, slot) in load.iter_mut().enumerate() {
                    *slot += node.load.delta[d];
                }
            }
            let t = times[k];
            activities.push(Activity {
                kind: activity_kind(data, x),
                location: LocIdx(node.loc),
                arrival: t.arrival,
                begin: t.begin,
                departure: t.departure,
                load_after: load.clone(),
            });
        }
        let start_time = times[0].departure;
        let end_time = times[r.nodes.len() - 1].arrival;
        let duration = end_time - start_time;
        let distance = f.seg.dist;
        routes.push(Route {
            vehicle: VehicleIdx(v),
            start_time,
            end_time,
            start_load,
            activities,
            distance,
            duration,
            cost: vd.fixed + vd.cps * duration + vd.cpm * distance,
        });
    }
    let cost: i64 = routes.iter().map(|r| r.cost).sum();
    let mut objective =
        cost.saturating_add(data.vehicle_weight.saturating_mul(routes.len() as i64));
    for u in &unassigned {
        objective = objective.saturating_add(data.prize[u.job.get()]);
    }
    // Fair shares and preferences are part of the objective (the checker
    // recomputes both); the plan's change penalties are not.
    let mut kind_total = vec![0i64; data.kind_size.len()];
    for r in &routes {
        kind_total[data.kind[r.vehicle.get()] as usize] += r.duration;
    }
    for (k, &t) in kind_total.iter().enumerate() {
        objective = objective.saturating_add(data.kind_balance(k as u32, t));
    }
    for r in &routes {
        objective = objective
            .saturating_add(data.balance_cost(data.kind[r.vehicle.get()] as usize, r.duration));
        for a in &r.activities {
            if let ActivityKind::Delivery(j)
            | ActivityKind::Pickup(j)
            | ActivityKind::Visit(j)
            | ActivityKind::ShipmentPickup(j) = a.kind
            {
                let p = data.preferred[j.get()];
                if p != NONE && p != r.vehicle.0 {
                    objective = objective.saturating_add(data.preference_cost[j.get()]);
                }
            }
        }
    }
    // Change penalties of `solve_from` steer the search but are not part of
    // the reported objective, whose definition the checker shares.
    Solution {
        routes,
        unassigned,
        cost,
        objective,
    }
}
