//! Rich vehicle-routing engine for relief deliveries.
//!
//! The solver knows nothing of maps or HTTP: it takes integer travel-time and
//! distance matrices per profile ([`problem::Matrix`]) and returns routes.
//! Four separate kinds of type, as in PyVRP:
//! - [`problem::Problem`]: immutable data, validated once by [`problem::ProblemBuilder`];
//! - [`solution::Solution`]: the returned plan with a schedule and reasons for left-out jobs;
//! - the mutable search state with its caches (private to the search modules);
//! - the cost policy (penalty weights) kept outside both.
//!
//! Entry points: [`solve`] (a fresh plan), [`solve_from`] (a plan under way,
//! with locked stops and a penalty per job moved to another squad), and
//! [`PlanIndex`] / [`insertion_options`] (where could one urgent job go, on
//! every squad, in microseconds). How the search works: `src/search/mod.rs`.
pub mod check;
pub mod config;
pub mod formats;
pub mod plan;
pub mod problem;
pub(crate) mod search;
pub mod solution;

pub use config::SolveConfig;
pub use plan::{InitialPlan, InitialRoute, InsertionOption, PlanError, VehicleOption};
pub use search::options::{insertion_options, PlanIndex};
pub use search::{solve, solve_from, solve_with_stats, SolveStats};
