//! The one flow of a posted day, after it was checked and snapped at the edge
//! (once: [`crate::validate`], [`crate::convert::snap_day`]): modelled
//! (travel matrices, the solver problem), solved within a budget, then
//! assembled and published ([`crate::publish`]). The service runs it on its
//! solve queue; the desk's tests and the benches run it as is.
//!
//! The solver's own types that a caller holds on to (the problem, the
//! solution, a progress report) are re-exported here, so that the service
//! depends on the day plan and not on the solver.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use geo_data::PreparedGraphs;
pub use solver::config::Progress;
pub use solver::problem::{Problem, Time};
pub use solver::solution::Solution;

use crate::convert::{build_problem, matrices, Snapped};
use crate::dto::DayRequest;

/// A day ready to solve.
pub struct Modelled {
    pub snapped: Snapped,
    pub problem: Problem,
    /// Time spent on the travel matrices.
    pub matrix_ms: u64,
}

/// The day cannot be modelled (a reference the checks should have caught).
#[derive(Debug, thiserror::Error)]
#[error("the day could not be modelled: {0}")]
pub struct ModelError(String);

impl ModelError {
    pub(crate) fn new(msg: String) -> Self {
        ModelError(msg)
    }
}

/// Travel matrices on the snapped points and the solver problem.
pub fn model(
    day: &DayRequest,
    snapped: Snapped,
    graphs: &PreparedGraphs,
) -> Result<Modelled, ModelError> {
    let t = Instant::now();
    let m = matrices(&snapped, graphs);
    let matrix_ms = t.elapsed().as_millis() as u64;
    let problem = build_problem(day, &snapped, m).map_err(|e| ModelError(e.to_string()))?;
    Ok(Modelled {
        snapped,
        problem,
        matrix_ms,
    })
}

/// How long and how a solve may run.
#[derive(Clone, Default)]
pub struct Budget {
    pub time: Duration,
    /// Search threads (0: the rayon pool's size).
    pub threads: usize,
    /// Set from outside to stop the search now (the service stopping).
    pub cancel: Option<Arc<AtomicBool>>,
    /// Called about four times a second while the search runs.
    pub progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
}

impl Budget {
    /// The solver's configuration for this budget and the day's seed.
    pub(crate) fn config(self, day: &DayRequest) -> solver::SolveConfig {
        solver::SolveConfig {
            seed: day.options.seed,
            threads: self.threads,
            time_limit: Some(self.time),
            max_iterations: None,
            cancel: self.cancel,
            progress: self.progress,
        }
    }
}

/// Solves the day with its own seed.
pub fn solve(day: &DayRequest, problem: &Problem, budget: Budget) -> Solution {
    solver::solve(problem, &budget.config(day))
}
