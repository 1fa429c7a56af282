//! Seeding the search from a plan under way: the plan's routes become the
//! starting search state (locked prefixes included), and the plan's vehicles
//! and penalties for changing a sheet are recorded in the search data, where
//! every route cost reads them.

use crate::plan::InitialPlan;
use crate::search::data::{Data, NONE};
use crate::search::penalty::PenaltyManager;
use crate::search::state::State;
use crate::solution::ActivityKind;

/// The search state of a validated plan; records the plan's vehicles and
/// penalty in `data`.
pub(crate) fn initial_state<const D: usize>(
    data: &mut Data<'_, D>,
    plan: &InitialPlan,
) -> State<D> {
    data.change_penalty = plan.change_penalty;
    for r in &plan.routes {
        for a in &r.activities {
            if let Some(j) = a.job() {
                data.home[j.get()] = r.vehicle.0;
            }
        }
    }
    let data_mut: &mut Data<'_, D> = data;
    let data: &Data<'_, D> = &*data_mut;
    let mut st = State::new(data, PenaltyManager::new(data).weights);
    for r in &plan.routes {
        let v = r.vehicle.0;
        let vd = &data.vehicles[v as usize];
        let mut nodes = vec![vd.start_node];
        let mut slots = vd.reloads.iter();
        let mut locked = 0;
        // Jobs with a locked task keep all their tasks (a shipment picked up
        // already must still be delivered by this squad).
        let locked_jobs: Vec<u32> = r.activities[..r.locked]
            .iter()
            .filter_map(|a| a.job())
            .map(|j| j.0)
            .collect();
        for (k, a) in r.activities.iter().enumerate() {
            let is_locked = k < r.locked;
            let node = match *a {
                ActivityKind::Reload => slots.next().copied().unwrap_or(NONE),
                ActivityKind::ShipmentDelivery(j) => data.job_nodes[j.get()][1],
                ActivityKind::Delivery(j)
                | ActivityKind::Pickup(j)
                | ActivityKind::Visit(j)
                | ActivityKind::ShipmentPickup(j) => data.job_nodes[j.get()][0],
            };
            if node == NONE {
                continue;
            }
            let job = data.nodes[node as usize].job;
            // Unlocked jobs no vehicle can serve alone are left out and reported.
            if job != NONE
                && !is_locked
                && !locked_jobs.contains(&job)
                && (!data.servable[job as usize] || !data.can_serve(job, v))
            {
                continue;
            }
            nodes.push(node);
            if is_locked {
                locked = nodes.len() - 1;
            }
        }
        nodes.push(vd.end_node);
        // A shipment whose pickup was dropped loses its delivery too.
        let kept: Vec<u32> = nodes
            .iter()
            .copied()
            .filter(|&x| {
                let n = &data.nodes[x as usize];
                n.partner == NONE || nodes.contains(&n.partner)
            })
            .collect();
        let route = &mut st.routes[v as usize];
        route.nodes = kept;
        route.locked = locked;
        let jobs: Vec<u32> = route
            .nodes
            .iter()
            .map(|&x| data.nodes[x as usize].job)
            .filter(|&j| j != NONE)
            .collect();
        for j in jobs {
            st.place_job(data, j);
        }
        st.update(data, v);
    }
    if plan.reorder_penalty != 0 {
        // The printed predecessor of every stop of the plan, then the route
        // costs again with reordering counted.
        let mut pred = vec![NONE; data.nodes.len()];
        for route in &st.routes {
            for w in route.nodes[..route.nodes.len() - 1].windows(2) {
                if data.nodes[w[1] as usize].job != NONE {
                    pred[w[1] as usize] = data.link_key(w[0]);
                }
            }
        }
        let mut_data: &mut Data<'_, D> = data_mut;
        mut_data.printed_pred = pred;
        mut_data.reorder_penalty = plan.reorder_penalty;
        let data: &Data<'_, D> = mut_data;
        for v in 0..st.routes.len() as u32 {
            st.update(data, v);
        }
    }
    st.clear_dirty();
    st
}
