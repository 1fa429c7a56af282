//! Plans already under way (the escalation desk): what a caller hands the
//! solver ([`InitialPlan`]: routes with locked first stops, penalties for
//! changing a printed sheet), why a plan is refused ([`PlanError`],
//! [`validate`]) and what an insertion query answers ([`VehicleOption`],
//! [`InsertionOption`]).
//!
//! These are plain data, like [`crate::problem`] and [`crate::solution`]:
//! this module imports nothing from the search. The search reads them:
//! `search::initial` turns a plan into the starting search state,
//! [`crate::solve_from`] searches from it and [`crate::PlanIndex`] prices
//! insertions into it.

use thiserror::Error;

use crate::problem::{Cost, JobKind, Problem, VehicleIdx};
use crate::solution::ActivityKind;

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
