//! The immutable problem data: matrices, jobs, vehicles and the objective.
//!
//! A [`Problem`] is built once through [`ProblemBuilder`], which validates every
//! input and returns a typed [`ProblemError`] naming the offending item. After
//! that the search only reads it: nothing in here is mutated during solving, so
//! it can be shared by reference across rayon threads.
//!
//! Units: durations and times are integer seconds (or any integer time unit the
//! caller chooses consistently, e.g. deci-units for Solomon instances),
//! distances are integer metres (same remark), costs are integers. Floats never
//! enter the solver.

use std::fmt;

use thiserror::Error;

/// A point in time or a duration, in seconds since the start of the planning day.
pub type Time = i64;
/// A distance, in metres.
pub type Distance = i64;
/// A cost in the objective's integer unit.
pub type Cost = i64;
/// One dimension of a load (kilograms, parcels, chilled parcels, ...).
pub type Amount = i64;

/// The value stored in a matrix for a pair with no path. Large enough that any
/// route using it is infeasible, small enough that sums of a few of them do not
/// overflow an `i64`.
pub const UNREACHABLE: i32 = i32::MAX;

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub $inner);
        impl $name {
            /// The index as a `usize`, for indexing `Vec`s.
            #[inline]
            pub fn get(self) -> usize {
                self.0 as usize
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

index_type!(
    /// Index of a location: a row/column of every profile's matrix.
    LocIdx(u32)
);
index_type!(
    /// Index of a job in [`Problem::jobs`].
    JobIdx(u32)
);
index_type!(
    /// Index of a vehicle (squad) in [`Problem::vehicles`].
    VehicleIdx(u32)
);
index_type!(
    /// Index of a travel profile (walk, bike, car, ...) in [`Problem::matrices`].
    ProfileIdx(u32)
);

/// A square travel matrix for one profile: durations and distances, row = from.
///
/// Stored as `i32` to halve memory on large days (5,000 stops is 100 MB per
/// array); read as `i64` through the accessors.
#[derive(Clone, Debug)]
pub struct Matrix {
    size: usize,
    durations: Vec<i32>,
    distances: Vec<i32>,
}

impl Matrix {
    /// Builds a matrix from row-major arrays of `size * size` entries. Use
    /// [`UNREACHABLE`] for pairs with no path. Negative entries are refused.
    pub fn new(
        size: usize,
        durations: Vec<i32>,
        distances: Vec<i32>,
    ) -> Result<Self, ProblemError> {
        let expected = size * size;
        for (what, len) in [
            ("durations", durations.len()),
            ("distances", distances.len()),
        ] {
            if len != expected {
                return Err(ProblemError::MatrixSize {
                    what,
                    expected,
                    got: len,
                });
            }
        }
        if let Some(pos) = durations
            .iter()
            .chain(distances.iter())
            .position(|&v| v < 0)
        {
            let (from, to) = ((pos % expected) / size, pos % size);
            return Err(ProblemError::NegativeMatrixEntry { from, to });
        }
        Ok(Self {
            size,
            durations,
            distances,
        })
    }

    /// A matrix where distance and duration are the same numbers (classic benchmarks).
    pub fn from_distances(size: usize, distances: Vec<i32>) -> Result<Self, ProblemError> {
        Self::new(size, distances.clone(), distances)
    }

    /// Number of locations (rows).
    #[inline]
    pub fn size(&self) -> usize {
        self.size
    }

    /// Travel time from `a` to `b`.
    #[inline]
    pub fn duration(&self, a: LocIdx, b: LocIdx) -> Time {
        self.durations[a.get() * self.size + b.get()] as Time
    }

    /// Travel distance from `a` to `b`.
    #[inline]
    pub fn distance(&self, a: LocIdx, b: LocIdx) -> Distance {
        self.distances[a.get() * self.size + b.get()] as Distance
    }

    /// Whether there is a path from `a` to `b`.
    #[inline]
    pub fn reachable(&self, a: LocIdx, b: LocIdx) -> bool {
        self.durations[a.get() * self.size + b.get()] != UNREACHABLE
    }
}

/// A closed interval `[start, end]` in which service may *begin*.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeWindow {
    pub start: Time,
    pub end: Time,
}

impl TimeWindow {
    /// The whole representable day: no constraint.
    pub const ALWAYS: TimeWindow = TimeWindow {
        start: 0,
        end: Time::MAX / 4,
    };

    pub fn new(start: Time, end: Time) -> Self {
        Self { start, end }
    }
}

/// Priority class of a job. Leaving out a job of a higher class always costs
/// more than leaving out any [`PRIORITY_RATIO`] jobs of the class below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Priority {
    #[default]
    Routine,
    Medicine,
    Urgent,
}

/// How much a job of one class outweighs a job of the class below in the
/// "serve the most priority-weighted jobs" objective.
pub const PRIORITY_RATIO: i64 = 10;

impl Priority {
    /// Weight of one job of this class in the served-jobs objective.
    pub fn weight(self) -> i64 {
        match self {
            Priority::Routine => 1,
            Priority::Medicine => PRIORITY_RATIO,
            Priority::Urgent => PRIORITY_RATIO * PRIORITY_RATIO,
        }
    }
}

/// A set of skills as a bit mask (at most 64 distinct skills per problem; the
/// API layer maps skill names to bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Skills(pub u64);

impl Skills {
    pub const NONE: Skills = Skills(0);

    /// Whether `self` (a vehicle's skills) covers every skill in `required`.
    #[inline]
    pub fn covers(self, required: Skills) -> bool {
        self.0 & required.0 == required.0
    }
}

/// One place where a job requires the vehicle to stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    pub location: LocIdx,
    /// Time spent at the stop (handing over, climbing stairs).
    pub service: Time,
    /// Sorted, disjoint windows; service begins inside one of them. Never empty
    /// after building (an absent window list means [`TimeWindow::ALWAYS`]).
    pub windows: Vec<TimeWindow>,
}

impl Task {
    pub fn new(location: LocIdx, service: Time, windows: Vec<TimeWindow>) -> Self {
        Self {
            location,
            service,
            windows,
        }
    }

    /// The earliest window start.
    pub fn earliest(&self) -> Time {
        self.windows.first().map_or(0, |w| w.start)
    }

    /// The latest window end.
    pub fn latest(&self) -> Time {
        self.windows
            .last()
            .map_or(TimeWindow::ALWAYS.end, |w| w.end)
    }
}

/// What a job moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobKind {
    /// Goods loaded at the start of the trip (depot or last reload) and handed over at the task.
    Delivery(Task),
    /// Goods collected at the task and carried to the end of the trip.
    Pickup(Task),
    /// A stop with service time and nothing to carry (a welfare check).
    Visit(Task),
    /// Goods collected at `pickup` and handed over at `delivery`, on the same
    /// route and trip, pickup first. `max_ride` bounds the time from the end of
    /// the pickup service to the start of the delivery service (chilled goods;
    /// [`Job::max_carry`] is the same bound for goods loaded at a depot).
    Shipment {
        pickup: Task,
        delivery: Task,
        max_ride: Option<Time>,
    },
}

/// One request: something for one resident.
#[derive(Clone, Debug)]
pub struct Job {
    /// The caller's id, echoed in solutions and errors.
    pub id: String,
    pub kind: JobKind,
    /// Amount per dimension; length equals [`Problem::dimensions`].
    pub demand: Vec<Amount>,
    pub priority: Priority,
    pub skills: Skills,
    /// Penalty for leaving the job out, in cost units. `None` at build time
    /// means a required job: the builder sets a prize tier that outweighs any
    /// route cost (see [`Problem::prize`]).
    pub prize: Option<Cost>,
    /// For a [`JobKind::Delivery`] only: the longest time from leaving the
    /// place where the goods were loaded (the route start, or the reload that
    /// begins the trip) to the start of the hand-over. Chilled goods may only
    /// be out of the cold so long; a shipment's `max_ride` is the same bound
    /// counted from its pickup.
    pub max_carry: Option<Time>,
}

impl Job {
    /// The job's tasks in visiting order (one, or pickup then delivery).
    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        let (a, b) = match &self.kind {
            JobKind::Delivery(t) | JobKind::Pickup(t) | JobKind::Visit(t) => (t, None),
            JobKind::Shipment {
                pickup, delivery, ..
            } => (pickup, Some(delivery)),
        };
        std::iter::once(a).chain(b)
    }
}

/// Multi-trip: where a vehicle may go back to reload between trips.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reload {
    /// Places where a reload can happen (the depot, a compound gate).
    pub locations: Vec<LocIdx>,
    /// Time to reload.
    pub service: Time,
    /// Upper bound on the number of trips; `None` means as many as the shift allows.
    pub max_trips: Option<u32>,
}

/// A squad: a volunteer team (on foot, bike, tricycle or van) working as one vehicle.
#[derive(Clone, Debug)]
pub struct Vehicle {
    pub id: String,
    pub profile: ProfileIdx,
    /// Where the route starts; `None` starts at the first stop (open start).
    pub start: Option<LocIdx>,
    /// Where the route ends; `None` ends at the last stop (open end).
    pub end: Option<LocIdx>,
    /// The route leaves the start no earlier than `shift.start` and reaches the
    /// end no later than `shift.end`.
    pub shift: TimeWindow,
    /// Capacity per dimension; length equals [`Problem::dimensions`].
    pub capacity: Vec<Amount>,
    pub max_duration: Option<Time>,
    pub max_distance: Option<Distance>,
    /// Maximum number of job tasks on the route (reloads excluded).
    pub max_stops: Option<u32>,
    pub skills: Skills,
    pub fixed_cost: Cost,
    pub cost_per_second: Cost,
    pub cost_per_metre: Cost,
    /// `None`: a single trip.
    pub reload: Option<Reload>,
}

impl Vehicle {
    /// A vehicle with the given profile and capacity, open 0..ALWAYS, starting
    /// and ending at `depot`, costing one unit per metre: the classic CVRP vehicle.
    pub fn new(
        id: impl Into<String>,
        profile: ProfileIdx,
        depot: LocIdx,
        capacity: Vec<Amount>,
    ) -> Self {
        Self {
            id: id.into(),
            profile,
            start: Some(depot),
            end: Some(depot),
            shift: TimeWindow::ALWAYS,
            capacity,
            max_duration: None,
            max_distance: None,
            max_stops: None,
            skills: Skills::NONE,
            fixed_cost: 0,
            cost_per_second: 0,
            cost_per_metre: 1,
            reload: None,
        }
    }
}

/// What the objective minimises after "serve the most priority-weighted jobs".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Objective {
    /// Minimise the number of vehicles used before minimising cost.
    pub minimise_vehicles: bool,
    /// Fair shares: every used route also costs a convex function of its
    /// working time, so that work moves from the longest days to the shortest
    /// (see [`Balance`]).
    pub balance: Option<Balance>,
}

/// Fair shares as a cost: the spread of working days within each kind of
/// vehicle (vehicles of one profile: walkers, tricycles, vans). With `d_r`
/// the duration of used route `r` (0 for an unused vehicle), `T_k` the sum
/// over the routes of kind `k` and `N_k` the number of vehicles of that
/// kind, the objective gains
///
/// `Σ_r ⌊w·d_r²/S⌋ − Σ_k ⌊w·T_k²/(S·N_k)⌋`,
///
/// that is `w/S` times `N_k` times the variance of the kind's working days
/// (up to rounding): zero when every vehicle of a kind works as long, and
/// blind to how work is split *between* kinds (that stays a matter of the
/// routing costs). Moves are priced in O(routes touched): the per-route part
/// from each new route's duration, the per-kind part from the kind totals
/// the search keeps. A day much longer than the kind's mean costs most, so
/// stops move from the longest days to the shortest and idle vehicles are
/// brought in. Keep `S ≥ 2·w·(longest shift)`: then adding work to any route
/// never lowers the objective (no detour pays for itself by evening out the
/// days).
///
/// **With a target** `τ > 0` (a working day the kind should not exceed,
/// e.g. the mean day of a first plan) the term is instead
///
/// `Σ_r ⌊w·max(0, d_r − τ)²/S⌋`,
///
/// with no per-kind part: only days above the target pay, increasingly so.
/// Adding work never lowers it whatever `S`, so it can be made firm without
/// rewarding a detour on a short day (which the variance form does once
/// `S < 2·w·mean`). O(1) per route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Balance {
    pub weight: Cost,
    /// Seconds; at least 1.
    pub scale: Time,
    /// Seconds; 0 for the variance form.
    pub target: Time,
}

impl Balance {
    /// The per-route part for a used route of `duration` seconds.
    pub fn route_cost(&self, duration: Time) -> Cost {
        let d = (duration - self.target.max(0)).max(0) as i128;
        (self.weight as i128 * d * d / self.scale.max(1) as i128).min(Cost::MAX as i128 / 4) as Cost
    }
    /// The per-kind part for a kind of `vehicles` vehicles whose used
    /// routes last `total` seconds together (not positive; 0 with a target).
    pub fn kind_cost(&self, total: Time, vehicles: usize) -> Cost {
        if self.target > 0 {
            return 0;
        }
        let t = total.max(0) as i128;
        let n = vehicles.max(1) as i128;
        -((self.weight as i128 * t * t / (self.scale.max(1) as i128 * n)).min(Cost::MAX as i128 / 4)
            as Cost)
    }
}

/// Errors found while building a [`Problem`]. Each names the offending item.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProblemError {
    #[error("matrix {what} has {got} entries, expected {expected}")]
    MatrixSize {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("matrix entry from {from} to {to} is negative")]
    NegativeMatrixEntry { from: usize, to: usize },
    #[error("profile {profile} matrix has size {got}, expected {expected} (all profiles share the locations)")]
    ProfileSizeMismatch {
        profile: usize,
        expected: usize,
        got: usize,
    },
    #[error("no travel matrix given")]
    NoMatrix,
    #[error("{owner}: location {location} is out of range (the matrices have {size} locations)")]
    LocationOutOfRange {
        owner: String,
        location: u32,
        size: usize,
    },
    #[error("{owner}: time window [{start}, {end}] ends before it starts")]
    WindowEndsBeforeStart {
        owner: String,
        start: Time,
        end: Time,
    },
    #[error("{owner}: negative {what}")]
    Negative { owner: String, what: &'static str },
    #[error("{owner}: {what} has {got} dimensions, the problem has {expected}")]
    DimensionMismatch {
        owner: String,
        what: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("vehicle {vehicle}: unknown profile {profile} (there are {count} matrices)")]
    UnknownProfile {
        vehicle: String,
        profile: u32,
        count: usize,
    },
    #[error("duplicate {what} id {id:?}")]
    DuplicateId { what: &'static str, id: String },
    #[error("job {job}: max_ride is only allowed on a pickup-and-delivery job")]
    MaxRideWithoutShipment { job: String },
    #[error("job {job}: max_carry is only allowed on a delivery (a shipment has max_ride)")]
    MaxCarryNotOnDelivery { job: String },
    #[error("vehicle {vehicle}: a reload needs at least one location")]
    ReloadWithoutLocation { vehicle: String },
    #[error("too many jobs or vehicles for 32-bit indices")]
    TooLarge,
    #[error("{got} load dimensions, at most {max} are supported")]
    TooManyDimensions { got: usize, max: usize },
    #[error("job {job}: vehicle index {vehicle} is out of range (there are {count} vehicles)")]
    UnknownVehicle {
        job: String,
        vehicle: u32,
        count: usize,
    },
    #[error("job {job}: preferred vehicle {vehicle} is not among its allowed vehicles")]
    PreferredNotAllowed { job: String, vehicle: String },
    #[error("balance scale must be at least one second, and a balance target not negative")]
    BalanceScale,
}

/// Most load dimensions a problem may have (the search keeps loads in fixed-size arrays).
pub const MAX_DIMENSIONS: usize = 8;

/// The immutable routing problem. Build it with [`ProblemBuilder`].
#[derive(Clone, Debug)]
pub struct Problem {
    matrices: Vec<Matrix>,
    jobs: Vec<Job>,
    vehicles: Vec<Vehicle>,
    dimensions: usize,
    objective: Objective,
    /// Prize of each job: what leaving it out adds to the objective.
    prizes: Vec<Cost>,
    /// Added to a route's cost for using a vehicle when minimising vehicles.
    vehicle_weight: Cost,
    /// Which vehicles may serve each job, and which one it prefers.
    assignment: Assignment,
    /// Fair shares' scale and target per kind (profile), where they differ
    /// from the objective's.
    balance_scales: Vec<Option<Time>>,
    balance_targets: Vec<Option<Time>>,
}

impl Problem {
    pub fn matrices(&self) -> &[Matrix] {
        &self.matrices
    }
    pub fn matrix(&self, profile: ProfileIdx) -> &Matrix {
        &self.matrices[profile.get()]
    }
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }
    pub fn job(&self, j: JobIdx) -> &Job {
        &self.jobs[j.get()]
    }
    pub fn vehicles(&self) -> &[Vehicle] {
        &self.vehicles
    }
    pub fn vehicle(&self, v: VehicleIdx) -> &Vehicle {
        &self.vehicles[v.get()]
    }
    /// Number of load dimensions.
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }
    pub fn objective(&self) -> Objective {
        self.objective
    }
    /// Number of locations (the size of every matrix).
    pub fn locations(&self) -> usize {
        self.matrices[0].size()
    }
    /// What leaving job `j` out adds to the objective. Required jobs get
    /// `priority.weight() * unit`, where `unit` exceeds any possible total
    /// routing cost (and, when minimising vehicles, any vehicle term), so the
    /// objective is lexicographic: served priority weight first.
    pub fn prize(&self, j: JobIdx) -> Cost {
        self.prizes[j.get()]
    }
    /// What using one vehicle adds to the objective on top of its fixed cost
    /// (zero unless [`Objective::minimise_vehicles`]).
    pub fn vehicle_weight(&self) -> Cost {
        self.vehicle_weight
    }
    /// The vehicles allowed to serve job `j`; `None` means any.
    pub fn allowed_vehicles(&self, j: JobIdx) -> Option<&[VehicleIdx]> {
        self.assignment.allowed(j)
    }
    /// Whether vehicle `v` may serve job `j` (skills aside).
    pub fn may_serve(&self, j: JobIdx, v: VehicleIdx) -> bool {
        self.assignment.allowed(j).is_none_or(|a| a.contains(&v))
    }
    /// The vehicle job `j` prefers and what serving it with another costs.
    pub fn preference(&self, j: JobIdx) -> Option<(VehicleIdx, Cost)> {
        self.assignment.preferred(j)
    }
    /// Fair shares as they apply to vehicles of `profile` (the objective's
    /// weight, the kind's own scale and target where set).
    pub fn balance_of(&self, profile: ProfileIdx) -> Option<Balance> {
        let own = |v: &[Option<Time>]| v.get(profile.get()).copied().flatten();
        self.objective.balance.map(|b| Balance {
            weight: b.weight,
            scale: own(&self.balance_scales).unwrap_or(b.scale),
            target: own(&self.balance_targets).unwrap_or(b.target),
        })
    }
    /// What serving job `j` with vehicle `v` adds for the preference.
    pub fn preference_cost(&self, j: JobIdx, v: VehicleIdx) -> Cost {
        match self.assignment.preferred(j) {
            Some((p, c)) if p != v => c,
            _ => 0,
        }
    }
}

/// Builds and validates a [`Problem`].
///
/// ```
/// use solver::problem::*;
/// let m = Matrix::from_distances(3, vec![0, 5, 7, 5, 0, 4, 7, 4, 0]).unwrap();
/// let mut b = ProblemBuilder::new(1);
/// b.matrix(m);
/// b.vehicle(Vehicle::new("van", ProfileIdx(0), LocIdx(0), vec![10]));
/// b.job(Job {
///     id: "a".into(),
///     kind: JobKind::Delivery(Task::new(LocIdx(1), 0, vec![])),
///     demand: vec![3],
///     priority: Priority::Routine,
///     skills: Skills::NONE,
///     prize: None,
///     max_carry: None,
/// });
/// let problem = b.build().unwrap();
/// assert_eq!(problem.jobs().len(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ProblemBuilder {
    dimensions: usize,
    matrices: Vec<Matrix>,
    jobs: Vec<Job>,
    vehicles: Vec<Vehicle>,
    objective: Objective,
    assignment: Assignment,
    balance_scales: Vec<Option<Time>>,
    balance_targets: Vec<Option<Time>>,
}

impl ProblemBuilder {
    /// A builder for loads with `dimensions` dimensions (at least one is
    /// recommended; zero is allowed for pure visit problems).
    pub fn new(dimensions: usize) -> Self {
        Self {
            dimensions,
            ..Self::default()
        }
    }
    /// Adds the matrix of the next profile; returns its index.
    pub fn matrix(&mut self, m: Matrix) -> ProfileIdx {
        self.matrices.push(m);
        ProfileIdx(self.matrices.len() as u32 - 1)
    }
    /// Adds a job; returns its index.
    pub fn job(&mut self, job: Job) -> JobIdx {
        self.jobs.push(job);
        JobIdx(self.jobs.len() as u32 - 1)
    }
    /// Adds a vehicle; returns its index.
    pub fn vehicle(&mut self, v: Vehicle) -> VehicleIdx {
        self.vehicles.push(v);
        VehicleIdx(self.vehicles.len() as u32 - 1)
    }
    pub fn objective(&mut self, objective: Objective) -> &mut Self {
        self.objective = objective;
        self
    }
    /// Only `vehicles` may serve job `job` (one resident, one volunteer: the
    /// squad responsible for them; walking squads only behind a compound's
    /// fence). An empty list: no vehicle may. Checked at
    /// [`ProblemBuilder::build`].
    pub fn allow(&mut self, job: JobIdx, vehicles: Vec<VehicleIdx>) -> &mut Self {
        self.assignment.allow(job, vehicles);
        self
    }
    /// Fair shares among vehicles of `profile` on their own scale (a kind
    /// whose days are short needs a smaller scale to be evened out as firmly
    /// as one whose days are long; see [`Balance`]).
    pub fn balance_scale(&mut self, profile: ProfileIdx, scale: Time) -> &mut Self {
        if self.balance_scales.len() <= profile.get() {
            self.balance_scales.resize(profile.get() + 1, None);
        }
        self.balance_scales[profile.get()] = Some(scale);
        self
    }
    /// Fair shares among vehicles of `profile` against a target working day
    /// (see [`Balance`]; 0 for the variance form).
    pub fn balance_target(&mut self, profile: ProfileIdx, target: Time) -> &mut Self {
        if self.balance_targets.len() <= profile.get() {
            self.balance_targets.resize(profile.get() + 1, None);
        }
        self.balance_targets[profile.get()] = Some(target);
        self
    }
    /// Job `job` prefers `vehicle`: serving it with another costs `cost`.
    pub fn prefer(&mut self, job: JobIdx, vehicle: VehicleIdx, cost: Cost) -> &mut Self {
        self.assignment.prefer(job, vehicle, cost);
        self
    }

    /// Validates everything and freezes the problem.
    pub fn build(mut self) -> Result<Problem, ProblemError> {
        let size = self.matrices.first().ok_or(ProblemError::NoMatrix)?.size();
        for (p, m) in self.matrices.iter().enumerate() {
            if m.size() != size {
                return Err(ProblemError::ProfileSizeMismatch {
                    profile: p,
                    expected: size,
                    got: m.size(),
                });
            }
        }
        if self.jobs.len() >= u32::MAX as usize
            || self.vehicles.len() >= u32::MAX as usize
            || size >= u32::MAX as usize
        {
            return Err(ProblemError::TooLarge);
        }
        let dims = self.dimensions;
        if dims > MAX_DIMENSIONS {
            return Err(ProblemError::TooManyDimensions {
                got: dims,
                max: MAX_DIMENSIONS,
            });
        }
        let check_loc = |owner: &dyn Fn() -> String, l: LocIdx| {
            if l.get() >= size {
                Err(ProblemError::LocationOutOfRange {
                    owner: owner(),
                    location: l.0,
                    size,
                })
            } else {
                Ok(())
            }
        };
        let check_window = |owner: &dyn Fn() -> String, w: &TimeWindow| {
            if w.end < w.start {
                Err(ProblemError::WindowEndsBeforeStart {
                    owner: owner(),
                    start: w.start,
                    end: w.end,
                })
            } else {
                Ok(())
            }
        };
        let mut seen = std::collections::HashSet::new();
        for job in &mut self.jobs {
            let owner = || format!("job {}", job.id);
            if !seen.insert(job.id.clone()) {
                return Err(ProblemError::DuplicateId {
                    what: "job",
                    id: job.id.clone(),
                });
            }
            if job.demand.len() != dims {
                return Err(ProblemError::DimensionMismatch {
                    owner: owner(),
                    what: "demand",
                    expected: dims,
                    got: job.demand.len(),
                });
            }
            if job.demand.iter().any(|&a| a < 0) {
                return Err(ProblemError::Negative {
                    owner: owner(),
                    what: "demand",
                });
            }
            if job.prize.is_some_and(|p| p < 0) {
                return Err(ProblemError::Negative {
                    owner: owner(),
                    what: "prize",
                });
            }
            if let Some(c) = job.max_carry {
                if !matches!(job.kind, JobKind::Delivery(_)) {
                    return Err(ProblemError::MaxCarryNotOnDelivery {
                        job: job.id.clone(),
                    });
                }
                if c < 0 {
                    return Err(ProblemError::Negative {
                        owner: owner(),
                        what: "max_carry",
                    });
                }
            }
            if let JobKind::Shipment {
                max_ride: Some(r), ..
            } = &job.kind
            {
                if *r < 0 {
                    return Err(ProblemError::Negative {
                        owner: owner(),
                        what: "max_ride",
                    });
                }
            }
            let tasks: Vec<&mut Task> = match &mut job.kind {
                JobKind::Delivery(t) | JobKind::Pickup(t) | JobKind::Visit(t) => vec![t],
                JobKind::Shipment {
                    pickup, delivery, ..
                } => vec![pickup, delivery],
            };
            for t in tasks {
                check_loc(&owner, t.location)?;
                if t.service < 0 {
                    return Err(ProblemError::Negative {
                        owner: owner(),
                        what: "service time",
                    });
                }
                for w in &t.windows {
                    check_window(&owner, w)?;
                }
                normalise_windows(&mut t.windows);
            }
        }
        seen.clear();
        for v in &self.vehicles {
            let owner = || format!("vehicle {}", v.id);
            if !seen.insert(v.id.clone()) {
                return Err(ProblemError::DuplicateId {
                    what: "vehicle",
                    id: v.id.clone(),
                });
            }
            if v.profile.get() >= self.matrices.len() {
                return Err(ProblemError::UnknownProfile {
                    vehicle: v.id.clone(),
                    profile: v.profile.0,
                    count: self.matrices.len(),
                });
            }
            for l in v.start.iter().chain(v.end.iter()) {
                check_loc(&owner, *l)?;
            }
            check_window(&owner, &v.shift)?;
            if v.capacity.len() != dims {
                return Err(ProblemError::DimensionMismatch {
                    owner: owner(),
                    what: "capacity",
                    expected: dims,
                    got: v.capacity.len(),
                });
            }
            let negatives = [
                ("capacity", v.capacity.iter().any(|&c| c < 0)),
                ("max_duration", v.max_duration.is_some_and(|d| d < 0)),
                ("max_distance", v.max_distance.is_some_and(|d| d < 0)),
                ("fixed_cost", v.fixed_cost < 0),
                ("cost_per_second", v.cost_per_second < 0),
                ("cost_per_metre", v.cost_per_metre < 0),
            ];
            if let Some((what, _)) = negatives.iter().find(|(_, bad)| *bad) {
                return Err(ProblemError::Negative {
                    owner: owner(),
                    what,
                });
            }
            if let Some(r) = &v.reload {
                if r.locations.is_empty() {
                    return Err(ProblemError::ReloadWithoutLocation {
                        vehicle: v.id.clone(),
                    });
                }
                for l in &r.locations {
                    check_loc(&owner, *l)?;
                }
                if r.service < 0 {
                    return Err(ProblemError::Negative {
                        owner: owner(),
                        what: "reload service time",
                    });
                }
            }
        }

        self.assignment.validate(&self.jobs, &self.vehicles)?;
        if self.objective.balance.is_some_and(|b| b.scale < 1)
            || self.balance_scales.iter().flatten().any(|&s| s < 1)
            || self.objective.balance.is_some_and(|b| b.target < 0)
            || self.balance_targets.iter().flatten().any(|&t| t < 0)
        {
            return Err(ProblemError::BalanceScale);
        }

        // A bound on the total routing cost of any sensible solution: every job
        // reached by its most expensive arc, with its service, by the most
        // expensive vehicle, plus every fixed cost. Prizes above it make
        // "serve more weight" dominate cost.
        // Longest reachable duration and distance per profile, computed once
        // (per vehicle it would cost vehicles x locations^2, e.g. 10^9 steps for
        // a CVRP instance of 1,000 customers with one vehicle per customer).
        // Their weighted sum bounds every arc's cost from above.
        let longest: Vec<(Cost, Cost)> = self
            .matrices
            .iter()
            .map(|m| {
                m.durations
                    .iter()
                    .zip(&m.distances)
                    .filter(|(d, _)| **d != UNREACHABLE)
                    .fold((0, 0), |(a, b), (&d, &l)| {
                        (a.max(d as Cost), b.max(l as Cost))
                    })
            })
            .collect();
        let max_arc: Cost = self
            .vehicles
            .iter()
            .map(|v| {
                let (d, l) = longest[v.profile.get()];
                v.cost_per_second
                    .saturating_mul(d)
                    .saturating_add(v.cost_per_metre.saturating_mul(l))
            })
            .max()
            .unwrap_or(0);
        let max_rate = self
            .vehicles
            .iter()
            .map(|v| v.cost_per_second)
            .max()
            .unwrap_or(0);
        let mut bound: Cost = self
            .vehicles
            .iter()
            .map(|v| v.fixed_cost + 2 * max_arc)
            .sum();
        for job in &self.jobs {
            for t in job.tasks() {
                bound = bound.saturating_add(2 * max_arc + max_rate * t.service);
            }
        }
        // Waiting time also costs when cost_per_second > 0: bound it by the shifts.
        let max_shift = self
            .vehicles
            .iter()
            .map(|v| (v.shift.end.min(1 << 40) - v.shift.start).max(0))
            .max()
            .unwrap_or(0);
        bound = bound.saturating_add(
            max_rate
                .saturating_mul(max_shift)
                .saturating_mul(self.vehicles.len() as Cost),
        );
        // Fair shares and preferences add at most a full shift per vehicle
        // and every preference cost.
        if let Some(b) = self.objective.balance {
            let smallest = self
                .balance_scales
                .iter()
                .flatten()
                .fold(b.scale, |a, &s| a.min(s));
            let b = Balance {
                weight: b.weight,
                scale: smallest,
                target: 0,
            };
            bound = bound.saturating_add(
                b.route_cost(max_shift.min(7 * 86_400))
                    .saturating_mul(self.vehicles.len() as Cost),
            );
        }
        bound = bound.saturating_add(self.assignment.total_preference_cost());
        let vehicle_weight = if self.objective.minimise_vehicles {
            bound + 1
        } else {
            0
        };
        let unit = (bound + 1)
            .saturating_add(vehicle_weight.saturating_mul(self.vehicles.len() as Cost + 1));
        let prizes = self
            .jobs
            .iter()
            .map(|j| {
                j.prize
                    .unwrap_or_else(|| unit.saturating_mul(j.priority.weight()))
            })
            .collect();

        Ok(Problem {
            matrices: self.matrices,
            jobs: self.jobs,
            vehicles: self.vehicles,
            dimensions: dims,
            objective: self.objective,
            prizes,
            vehicle_weight,
            assignment: self.assignment,
            balance_scales: self.balance_scales,
            balance_targets: self.balance_targets,
        })
    }
}

/// Sorts windows and merges overlapping ones; an empty list means always open.
fn normalise_windows(windows: &mut Vec<TimeWindow>) {
    if windows.is_empty() {
        windows.push(TimeWindow::ALWAYS);
        return;
    }
    windows.sort();
    let mut merged: Vec<TimeWindow> = Vec::with_capacity(windows.len());
    for w in windows.drain(..) {
        match merged.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => merged.push(w),
        }
    }
    *windows = merged;
}

mod assignment;
pub use assignment::Assignment;

#[cfg(test)]
mod tests;
