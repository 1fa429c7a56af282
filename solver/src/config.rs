//! How a solve runs: the injected environment (seed, threads, limits, cancel
//! flag, progress callback). Same seed, thread count and iteration limit give
//! the same solution; with only a time limit, the result depends on how many
//! iterations were reached.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::problem::Cost;

/// Progress reported during a solve, at most a few times per second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Iterations done so far, summed over threads.
    pub iterations: u64,
    /// Objective of the best solution so far (see [`crate::solution::Solution::objective`]).
    pub best_objective: Cost,
    /// Routing cost of that solution.
    pub best_cost: Cost,
    /// Jobs left out in that solution.
    pub unassigned: usize,
    /// Time since the solve began.
    pub elapsed: Duration,
}

/// Parameters of one solve.
#[derive(Clone)]
pub struct SolveConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of search threads (trajectories); 0 means rayon's current pool size.
    pub threads: usize,
    /// Wall-clock limit for the whole solve.
    pub time_limit: Option<Duration>,
    /// Iteration limit per thread; with it, the result is reproducible.
    pub max_iterations: Option<u64>,
    /// Set to `true` from another thread to stop early; the best solution so far is returned.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Called with the best solution so far as the search improves.
    pub progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
}

impl Default for SolveConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            threads: 0,
            time_limit: Some(Duration::from_secs(10)),
            max_iterations: None,
            cancel: None,
            progress: None,
        }
    }
}

impl std::fmt::Debug for SolveConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveConfig")
            .field("seed", &self.seed)
            .field("threads", &self.threads)
            .field("time_limit", &self.time_limit)
            .field("max_iterations", &self.max_iterations)
            .finish_non_exhaustive()
    }
}
