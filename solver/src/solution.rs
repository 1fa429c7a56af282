//! The result returned to callers: routes with a full schedule, and every job
//! left out with a reason. Plain data, independent of the search state that
//! produced it, so the checker can verify it from scratch.

use crate::problem::{Amount, Cost, Distance, JobIdx, LocIdx, Time, VehicleIdx};

/// What happens at one stop of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActivityKind {
    /// The task of a [`crate::problem::JobKind::Delivery`] job.
    Delivery(JobIdx),
    /// The task of a [`crate::problem::JobKind::Pickup`] job.
    Pickup(JobIdx),
    /// The task of a [`crate::problem::JobKind::Visit`] job.
    Visit(JobIdx),
    /// The pickup task of a [`crate::problem::JobKind::Shipment`].
    ShipmentPickup(JobIdx),
    /// The delivery task of a [`crate::problem::JobKind::Shipment`].
    ShipmentDelivery(JobIdx),
    /// A return to a reload location between two trips (multi-trip).
    Reload,
}

impl ActivityKind {
    /// The job served, if any.
    pub fn job(self) -> Option<JobIdx> {
        match self {
            ActivityKind::Delivery(j)
            | ActivityKind::Pickup(j)
            | ActivityKind::Visit(j)
            | ActivityKind::ShipmentPickup(j)
            | ActivityKind::ShipmentDelivery(j) => Some(j),
            ActivityKind::Reload => None,
        }
    }
}

/// One stop of a route with its schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub kind: ActivityKind,
    pub location: LocIdx,
    /// When the vehicle arrives.
    pub arrival: Time,
    /// When service begins (arrival plus any wait for the window).
    pub begin: Time,
    /// When service ends and the vehicle leaves.
    pub departure: Time,
    /// Load on board after this stop, per dimension.
    pub load_after: Vec<Amount>,
}

/// The route of one vehicle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub vehicle: VehicleIdx,
    /// When the vehicle leaves its start (or reaches its first stop if the start is open).
    pub start_time: Time,
    /// When it reaches its end (or leaves its last stop if the end is open).
    pub end_time: Time,
    /// Load on board when leaving the start, per dimension.
    pub start_load: Vec<Amount>,
    /// Stops in order, start and end excluded.
    pub activities: Vec<Activity>,
    pub distance: Distance,
    /// `end_time - start_time`.
    pub duration: Time,
    /// Fixed cost + per-second and per-metre costs of this route.
    pub cost: Cost,
}

/// Why a job is not in any route. Each reason is one a coordinator can act on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnassignedReason {
    /// No vehicle is allowed to serve the job (its allowed list is empty).
    NoAllowedVehicle,
    /// No vehicle has every skill the job requires.
    NoSkilledVehicle,
    /// The demand exceeds every skilled vehicle's capacity in some dimension.
    OverCapacity,
    /// No skilled vehicle can reach the job's location(s) from its start, or get back.
    Unreachable,
    /// Every window closes before any skilled vehicle can arrive.
    WindowUnreachable,
    /// The goods cannot reach the door within their time limit from loading
    /// (a shipment's `max_ride`, a delivery's `max_carry`: chilled goods), even
    /// on a direct trip from the pickup or the nearest loading point.
    RideTooLong,
    /// The job fits a vehicle on its own, but not within its shift, maximum
    /// duration, distance or stops.
    ShiftTooShort,
    /// The job fits an empty vehicle, but no room is left in the plan; the
    /// constraint that binds at the best insertion found is named.
    NoRoomLeft(Constraint),
    /// An optional job left out because serving it costs more than its prize.
    LeftOutForCost,
}

/// A constraint of the model, used to explain reasons and violations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Constraint {
    Capacity,
    TimeWindow,
    Shift,
    MaxDuration,
    MaxDistance,
    MaxStops,
    MaxRide,
    Skills,
    Reach,
    /// The job may only be served by its own vehicles (its squad).
    AllowedVehicles,
}

/// A job left out of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unassigned {
    pub job: JobIdx,
    pub reason: UnassignedReason,
}

/// A complete plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Solution {
    /// One entry per used vehicle.
    pub routes: Vec<Route>,
    pub unassigned: Vec<Unassigned>,
    /// Sum of route costs (no prizes).
    pub cost: Cost,
    /// `cost` plus the prizes of unassigned jobs plus vehicle weights: what the search minimised.
    pub objective: Cost,
}

impl Solution {
    /// Total distance over all routes.
    pub fn distance(&self) -> Distance {
        self.routes.iter().map(|r| r.distance).sum()
    }
}
