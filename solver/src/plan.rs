//! Plans already under way (the escalation desk): start the search from an
//! initial plan whose first stops are fixed, and price the insertion of one
//! urgent job into a plan in microseconds.

use thiserror::Error;

use crate::config::SolveConfig;
use crate::problem::{Cost, JobKind, Problem, VehicleIdx};
use crate::search::data::{Data, NONE};
use crate::search::state::State;
use crate::solution::{ActivityKind, Solution};

/// The route of one vehicle in a plan under way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialRoute {
    pub vehicle: VehicleIdx,
    /// Stops in order (depots excluded).
    pub activities: Vec<ActivityKind>,
    /// The first `locked` stops are done or in progress: they stay first, in
    /// this order, and nothing is inserted before them.
    pub locked: usize,
}

/// A plan under way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InitialPlan {
    pub routes: Vec<InitialRoute>,
    /// Added to the objective for each job of the plan served by another
    /// vehicle than in the plan (a printed sheet changes hands).
    pub change_penalty: Cost,
    /// Added for each stop of the plan whose predecessor on its route is not
    /// the one in the plan (a sheet read in another order: moving one stop
    /// within a route changes about three predecessors).
    pub reorder_penalty: Cost,
}

/// Why a plan cannot be used with a problem.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("route {route}: vehicle {vehicle} does not exist")]
    UnknownVehicle { route: usize, vehicle: u32 },
    #[error("route {route}: vehicle {vehicle} has a second route")]
    DuplicateVehicle { route: usize, vehicle: u32 },
    #[error("route {route}: job {job} does not exist")]
    UnknownJob { route: usize, job: u32 },
    #[error("route {route}: job {job} appears twice in the plan or with the wrong activity kind")]
    BadActivity { route: usize, job: u32 },
    #[error("route {route}: shipment {job} must have its pickup before its delivery on the same trip of one route")]
    ShipmentSplit { route: usize, job: u32 },
    #[error("route {route}: {locked} locked stops but only {stops} stops")]
    LockedBeyondRoute {
        route: usize,
        locked: usize,
        stops: usize,
    },
    #[error("route {route}: more reloads than the vehicle's trips allow")]
    TooManyReloads { route: usize },
    #[error("change_penalty or reorder_penalty is negative")]
    NegativePenalty,
    #[error("job {job} is already in the plan")]
    JobInPlan { job: u32 },
}

/// Checks `plan` against `problem`.
pub fn validate(problem: &Problem, plan: &InitialPlan) -> Result<(), PlanError> {
    if plan.change_penalty < 0 || plan.reorder_penalty < 0 {
        return Err(PlanError::NegativePenalty);
    }
    let mut seen_job = vec![0u8; problem.jobs().len()];
    let mut seen_vehicle = vec![false; problem.vehicles().len()];
    for (ri, r) in plan.routes.iter().enumerate() {
        let v = r.vehicle.get();
        if v >= problem.vehicles().len() {
            return Err(PlanError::UnknownVehicle {
                route: ri,
                vehicle: r.vehicle.0,
            });
        }
        if std::mem::replace(&mut seen_vehicle[v], true) {
            return Err(PlanError::DuplicateVehicle {
                route: ri,
                vehicle: r.vehicle.0,
            });
        }
        if r.locked > r.activities.len() {
            return Err(PlanError::LockedBeyondRoute {
                route: ri,
                locked: r.locked,
                stops: r.activities.len(),
            });
        }
        let mut open: Vec<u32> = Vec::new();
        for a in &r.activities {
            let Some(j) = a.job() else {
                if !open.is_empty() {
                    return Err(PlanError::ShipmentSplit {
                        route: ri,
                        job: open[0],
                    });
                }
                continue;
            };
            if j.get() >= problem.jobs().len() {
                return Err(PlanError::UnknownJob {
                    route: ri,
                    job: j.0,
                });
            }
            let kind_ok = matches!(
                (a, &problem.job(j).kind),
                (ActivityKind::Delivery(_), JobKind::Delivery(_))
                    | (ActivityKind::Pickup(_), JobKind::Pickup(_))
                    | (ActivityKind::Visit(_), JobKind::Visit(_))
                    | (ActivityKind::ShipmentPickup(_), JobKind::Shipment { .. })
                    | (ActivityKind::ShipmentDelivery(_), JobKind::Shipment { .. })
            );
            let count = &mut seen_job[j.get()];
            let expected = if matches!(a, ActivityKind::ShipmentDelivery(_)) {
                1
            } else {
                0
            };
            if !kind_ok || *count != expected {
                return Err(PlanError::BadActivity {
                    route: ri,
                    job: j.0,
                });
            }
            *count += 1;
            match a {
                ActivityKind::ShipmentPickup(_) => open.push(j.0),
                ActivityKind::ShipmentDelivery(_) => {
                    if let Some(k) = open.iter().position(|&x| x == j.0) {
                        open.swap_remove(k);
                    } else {
                        return Err(PlanError::ShipmentSplit {
                            route: ri,
                            job: j.0,
                        });
                    }
                }
                _ => {}
            }
        }
        if let Some(&j) = open.first() {
            return Err(PlanError::ShipmentSplit { route: ri, job: j });
        }
        let reloads = r.activities.iter().filter(|a| a.job().is_none()).count();
        let veh = problem.vehicle(r.vehicle);
        let allowed = match &veh.reload {
            None => 0,
            Some(rl) => rl
                .max_trips
                .map_or(usize::MAX, |m| m.saturating_sub(1) as usize),
        };
        if reloads > allowed {
            return Err(PlanError::TooManyReloads { route: ri });
        }
    }
    Ok(())
}

/// Solves starting from `plan`: its locked stops stay first on their
/// routes, the rest may change, each job moved to another vehicle costs
/// `plan.change_penalty`. New jobs (not in the plan) are inserted.
pub fn solve_from(
    problem: &Problem,
    config: &SolveConfig,
    plan: &InitialPlan,
) -> Result<Solution, PlanError> {
    validate(problem, plan)?;
    Ok(crate::search::dispatch(problem, config, Some(plan)).0)
}

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
    let mut st = State::new(
        data,
        crate::search::penalty::PenaltyManager::new(data).weights,
    );
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

/// One vehicle's answer to "where would this job go?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VehicleOption {
    pub vehicle: VehicleIdx,
    pub result: Result<InsertionOption, crate::solution::Constraint>,
}

/// The best feasible insertion of a job on one vehicle's route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsertionOption {
    /// The job's (first) task goes at this index of the route's activities.
    pub index: usize,
    /// For a shipment, the index of the delivery in the new route's activities.
    pub delivery_index: Option<usize>,
    /// When service of the (first) task would begin.
    pub eta: crate::problem::Time,
    /// For a shipment, when service of the delivery would begin.
    pub delivery_begin: Option<crate::problem::Time>,
    /// Added route cost.
    pub added_cost: Cost,
    /// How much later the following stops begin, at most.
    pub max_delay: crate::problem::Time,
    /// How many stops begin later.
    pub stops_delayed: usize,
    /// The vehicle's stops with the job in (depots excluded): the printed
    /// order plus the job, or a new order when reordering was allowed.
    pub route: Vec<ActivityKind>,
}

/// A plan prepared once for many fast insertion queries (the escalation
/// desk asks "where could this go?" for each urgent order).
pub struct PlanIndex<'p> {
    inner: Prepared<'p>,
}

enum Prepared<'p> {
    D1(crate::search::options::Prepared<'p, 1>),
    D2(crate::search::options::Prepared<'p, 2>),
    D4(crate::search::options::Prepared<'p, 4>),
    D8(crate::search::options::Prepared<'p, 8>),
}

impl<'p> PlanIndex<'p> {
    /// Validates `plan` and caches its routes' segments (O(plan size), plus a
    /// feasibility check of every job against every vehicle).
    pub fn new(problem: &'p Problem, plan: &InitialPlan) -> Result<Self, PlanError> {
        use crate::search::options::Prepared as P;
        validate(problem, plan)?;
        let inner = match problem.dimensions() {
            0 | 1 => Prepared::D1(P::new(problem, plan)),
            2 => Prepared::D2(P::new(problem, plan)),
            3 | 4 => Prepared::D4(P::new(problem, plan)),
            _ => Prepared::D8(P::new(problem, plan)),
        };
        Ok(PlanIndex { inner })
    }

    /// For each vehicle, the cheapest feasible place for `job` (a job not in
    /// the plan), or the constraint that rules the vehicle out. Each position
    /// is priced by O(1) segment concatenation. With `keep_order`, the plan's
    /// stops keep their order; without, the chosen route's unlocked stops may
    /// be re-sequenced around the job (slower: a short descent per vehicle).
    pub fn options(
        &mut self,
        job: crate::problem::JobIdx,
        keep_order: bool,
    ) -> Result<Vec<VehicleOption>, PlanError> {
        match &mut self.inner {
            Prepared::D1(p) => p.options(job, keep_order),
            Prepared::D2(p) => p.options(job, keep_order),
            Prepared::D4(p) => p.options(job, keep_order),
            Prepared::D8(p) => p.options(job, keep_order),
        }
    }
}

/// One-shot form of [`PlanIndex::options`]; build a [`PlanIndex`] once for
/// repeated queries on the same plan.
pub fn insertion_options(
    problem: &Problem,
    plan: &InitialPlan,
    job: crate::problem::JobIdx,
    keep_order: bool,
) -> Result<Vec<VehicleOption>, PlanError> {
    PlanIndex::new(problem, plan)?.options(job, keep_order)
}
