//! How a solve runs: the injected environment (seed, threads, limits, cancel
//! flag, progress callback). Same seed, thread count and iteration limit give
//! the same solution; with only a time limit, the result depends on how many
//! iterations were reached.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::problem::Cost;

/// Progress reported during a solve: a few times per second from start to
/// end (whether or not the plan improved), then once more when it is done.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Iterations done so far, summed over threads.
    pub iterations: u64,
    /// Share of the budget spent, from 0 to 1: elapsed time over the time
    /// limit, or iterations over the iteration limit, whichever is further
    /// (0 when only a cancel flag bounds the solve).
    pub budget_used: f64,
    /// Time since the solve began.
    pub elapsed: Duration,
    /// The best feasible plan so far; `None` until the first one is built.
    pub best: Option<BestSoFar>,
}

/// Summary of the best plan found so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BestSoFar {
    /// Objective (see [`crate::solution::Solution::objective`]).
    pub objective: Cost,
    /// Routing cost.
    pub cost: Cost,
    /// Jobs left out.
    pub unassigned: usize,
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
    /// Called from a reporting thread with the progress so far (see [`Progress`]).
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
