//! The search: a parallel, deterministic metaheuristic on concatenated
//! route segments.
//!
//! Design (see `docs/solver-notes.md` in the shared folder for the sources):
//! - [`data`]: the problem turned into dense node arrays, read-only, shared by threads
//!   (built by [`setup`], which adds [`alone`]'s servable jobs and [`neighbours`]);
//! - [`segment`]: O(1) concatenation of load / time-warp / distance summaries;
//! - [`route`], [`state`]: the mutable search state with cached prefix and suffix segments;
//! - [`penalty`]: the cost policy (penalised infeasible search with adaptive weights);
//! - [`insert`], [`recreate`], [`ruin`]: cheapest insertion and SISR ruin-and-recreate;
//! - [`ops`], [`local_search`]: granular local search, one operator per file;
//! - [`trajectory`]: one thread's loop (ruin-recreate, descent, simulated annealing);
//! - [`finish`], [`export`]: repair, unassigned reasons, schedules;
//! - [`initial`], [`options`]: a plan under way ([`crate::plan`]) as the
//!   starting state, and insertion queries into it ([`options::PlanIndex`]).
//!
//! Threads run independent trajectories with different seeds and exchange
//! the best solution every [`EPOCH`] iterations, at fixed iteration counts,
//! so a run with an iteration limit is reproducible for a given seed and
//! thread count. With only a time limit, the result depends on how far each
//! thread got. Progress is reported by a separate thread every
//! [`REPORT_EVERY`] from what the search threads publish after each
//! iteration: exchange points can be far apart on a big day, and the
//! reporter never feeds anything back into the search.

pub(crate) mod alone;
pub(crate) mod data;
pub(crate) mod export;
pub(crate) mod finish;
pub(crate) mod initial;
pub(crate) mod insert;
pub(crate) mod local_search;
pub(crate) mod neighbours;
pub(crate) mod ops;
pub(crate) mod options;
pub(crate) mod penalty;
pub(crate) mod recreate;
pub(crate) mod route;
pub(crate) mod ruin;
pub(crate) mod schedule;
pub(crate) mod segment;
pub(crate) mod setup;
pub(crate) mod state;
pub(crate) mod trajectory;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::{BestSoFar, Progress, SolveConfig};
use crate::plan::{validate, InitialPlan, PlanError};
use crate::problem::Problem;
use crate::solution::Solution;
use state::State;
use trajectory::{Params, Published, Trajectory};

/// The random generator of the search: fast, small, seedable.
pub(crate) type Rng = rand_xoshiro::Xoshiro256PlusPlus;

/// Iterations between two solution exchanges between threads.
pub const EPOCH: u64 = 250;

/// Iterations per thread when neither a time nor an iteration limit is given.
pub const DEFAULT_ITERATIONS: u64 = 20_000;

/// Granular neighbourhood size.
const GRANULARITY: usize = 40;

/// Time between two progress reports.
const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Solves `problem`: the best feasible plan found within the limits of
/// `config`, with every job left out reported with a reason.
///
/// ```
/// use solver::problem::*;
/// let m = Matrix::from_distances(3, vec![0, 5, 7, 5, 0, 4, 7, 4, 0]).unwrap();
/// let mut b = ProblemBuilder::new(1);
/// b.matrix(m);
/// b.vehicle(Vehicle::new("van", ProfileIdx(0), LocIdx(0), vec![10]));
/// for (id, loc) in [("a", 1), ("b", 2)] {
///     b.job(Job {
///         id: id.into(),
///         kind: JobKind::Delivery(Task::new(LocIdx(loc), 0, vec![])),
///         demand: vec![3],
///         priority: Priority::Routine,
///         skills: Skills::NONE,
///         prize: None,
///         max_carry: None,
///     });
/// }
/// let problem = b.build().unwrap();
/// let config = solver::SolveConfig { max_iterations: Some(50), time_limit: None, ..Default::default() };
/// let solution = solver::solve(&problem, &config);
/// assert_eq!(solution.cost, 16);
/// assert!(solution.unassigned.is_empty());
/// ```
pub fn solve(problem: &Problem, config: &SolveConfig) -> Solution {
    dispatch(problem, config, None).0
}

/// Like [`solve`], also returning statistics (iterations done).
pub fn solve_with_stats(problem: &Problem, config: &SolveConfig) -> (Solution, SolveStats) {
    dispatch(problem, config, None)
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
    Ok(dispatch(problem, config, Some(plan)).0)
}

/// Runs the search for the number of load dimensions of `problem`.
fn dispatch(
    problem: &Problem,
    config: &SolveConfig,
    plan: Option<&InitialPlan>,
) -> (Solution, SolveStats) {
    match problem.dimensions() {
        0 | 1 => run::<1>(problem, config, plan),
        2 => run::<2>(problem, config, plan),
        3 | 4 => run::<4>(problem, config, plan),
        _ => run::<8>(problem, config, plan),
    }
}

fn run<const D: usize>(
    problem: &Problem,
    config: &SolveConfig,
    plan: Option<&InitialPlan>,
) -> (Solution, SolveStats) {
    let started = Instant::now();
    let threads = if config.threads == 0 {
        rayon::current_num_threads()
    } else {
        config.threads
    }
    .max(1);
    let max_iter = match (config.max_iterations, config.time_limit) {
        (Some(m), _) => Some(m),
        (None, None) if config.cancel.is_none() => Some(DEFAULT_ITERATIONS),
        _ => None,
    };
    let published: Vec<Arc<Published>> = (0..threads).map(|_| Arc::default()).collect();
    let unservable = std::sync::atomic::AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let reporter = Reporter {
        config,
        started,
        max_iter,
        threads,
        published: &published,
        unservable: &unservable,
    };
    std::thread::scope(|scope| {
        // The reporter only reads what the threads publish: the search runs
        // the same with or without it.
        let handle = config.progress.as_ref().map(|_| {
            scope.spawn(|| {
                while !done.load(Ordering::Acquire) {
                    std::thread::park_timeout(REPORT_EVERY);
                    if !done.load(Ordering::Acquire) {
                        reporter.report();
                    }
                }
            })
        });
        let out = search::<D>(
            problem,
            config,
            plan,
            started,
            threads,
            max_iter,
            &published,
            &unservable,
        );
        done.store(true, Ordering::Release);
        if let Some(h) = handle {
            h.thread().unpark();
            let _ = h.join();
        }
        reporter.report_final(&out.0, &out.1);
        out
    })
}

/// Reads what the search threads publish and calls the progress callback.
struct Reporter<'a> {
    config: &'a SolveConfig,
    started: Instant,
    max_iter: Option<u64>,
    threads: usize,
    published: &'a [Arc<Published>],
    /// Jobs no vehicle can serve (never in a state's unassigned list).
    unservable: &'a std::sync::atomic::AtomicUsize,
}

impl Reporter<'_> {
    fn report(&self) {
        let Some(cb) = &self.config.progress else {
            return;
        };
        let iterations: u64 = self
            .published
            .iter()
            .map(|p| p.iterations.load(Ordering::Relaxed))
            .sum();
        let best = self
            .published
            .iter()
            .filter_map(|p| *p.best.lock().ok()?)
            .min_by_key(|b| b.0)
            .map(|(objective, cost, unassigned)| BestSoFar {
                objective,
                cost,
                unassigned: unassigned + self.unservable.load(Ordering::Relaxed),
            });
        let elapsed = self.started.elapsed();
        let by_time = match self.config.time_limit {
            Some(t) if !t.is_zero() => elapsed.as_secs_f64() / t.as_secs_f64(),
            Some(_) => 1.0,
            None => 0.0,
        };
        let by_iterations = self.max_iter.map_or(0.0, |m| {
            iterations as f64 / (m.max(1) as f64 * self.threads as f64)
        });
        cb(Progress {
            iterations,
            budget_used: by_time.max(by_iterations).clamp(0.0, 1.0),
            elapsed,
            best,
        });
    }
}

impl Reporter<'_> {
    /// The last report: the returned plan itself (the repair at the end may
    /// serve more than the search's best).
    fn report_final(&self, s: &Solution, stats: &SolveStats) {
        let Some(cb) = &self.config.progress else {
            return;
        };
        let done = match (self.config.time_limit, self.max_iter) {
            (Some(t), _) if stats.elapsed >= t => 1.0,
            (_, Some(m)) if stats.iterations >= m * self.threads as u64 => 1.0,
            (Some(t), _) if !t.is_zero() => stats.elapsed.as_secs_f64() / t.as_secs_f64(),
            _ => 0.0,
        };
        cb(Progress {
            iterations: stats.iterations,
            budget_used: done.clamp(0.0, 1.0),
            elapsed: stats.elapsed,
            best: Some(BestSoFar {
                objective: s.objective,
                cost: s.cost,
                unassigned: s.unassigned.len(),
            }),
        });
    }
}

/// The search proper: construction, then epochs of iterations with
/// exchanges of the best solution at fixed iteration counts.
#[allow(clippy::too_many_arguments)]
fn search<const D: usize>(
    problem: &Problem,
    config: &SolveConfig,
    plan: Option<&InitialPlan>,
    started: Instant,
    threads: usize,
    max_iter: Option<u64>,
    published: &[Arc<Published>],
    unservable: &std::sync::atomic::AtomicUsize,
) -> (Solution, SolveStats) {
    let mut data = setup::search_data::<D>(problem, GRANULARITY);
    let initial = plan.map(|p| initial::initial_state(&mut data, p));
    let data = data;
    unservable.store(
        data.servable.iter().filter(|s| !**s).count(),
        Ordering::Relaxed,
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .ok();
    let deadline = config.time_limit.map(|t| started + t);
    let stop = || {
        config
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
            || deadline.is_some_and(|d| Instant::now() >= d)
    };
    let params = Params::default();
    let seeds: Vec<u64> = (0..threads as u64)
        .map(|t| {
            config
                .seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(t.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        })
        .collect();
    let cancel = config.cancel.clone();
    let shared_stop: Arc<dyn Fn() -> bool + Send + Sync> = Arc::new(move || {
        cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed))
            || deadline.is_some_and(|d| Instant::now() >= d)
    });
    let build = || -> Vec<Trajectory<'_, '_, D>> {
        seeds
            .par_iter()
            .zip(published)
            .map(|(&s, p)| {
                Trajectory::new(
                    &data,
                    s,
                    params,
                    initial.as_ref(),
                    shared_stop.clone(),
                    p.clone(),
                )
            })
            .collect()
    };
    let mut trajectories = match &pool {
        Some(p) => p.install(build),
        None => build(),
    };
    let time_fraction = |now: Instant| match config.time_limit {
        Some(t) if !t.is_zero() => (now - started).as_secs_f64() / t.as_secs_f64(),
        _ => 1.0,
    };
    match &pool {
        Some(p) => p.install(|| {
            trajectories
                .par_iter_mut()
                .for_each(|t| t.descend_initial())
        }),
        None => trajectories.iter_mut().for_each(|t| t.descend_initial()),
    }
    loop {
        let done = trajectories[0].iterations;
        if stop() || max_iter.is_some_and(|m| done >= m) {
            break;
        }
        let epoch = max_iter.map_or(EPOCH, |m| EPOCH.min(m - done));
        let work = |tr: &mut Trajectory<'_, '_, D>| {
            for _ in 0..epoch {
                if stop() {
                    break;
                }
                let progress = match max_iter {
                    Some(m) => tr.iterations as f64 / m as f64,
                    None => time_fraction(Instant::now()),
                };
                tr.step(progress);
            }
        };
        match &pool {
            Some(p) => p.install(|| trajectories.par_iter_mut().for_each(work)),
            None => trajectories.iter_mut().for_each(work),
        }
        // Exchange: every trajectory behind the best one restarts from it.
        let (bi, bo) = trajectories
            .iter()
            .enumerate()
            .map(|(i, t)| (i, t.best_objective()))
            .min_by_key(|&(i, o)| (o, i))
            .expect("one thread");
        if bo < i64::MAX {
            let best = trajectories[bi]
                .best
                .as_ref()
                .expect("feasible best")
                .0
                .clone();
            for (i, t) in trajectories.iter_mut().enumerate() {
                if i != bi && t.best_objective() > bo {
                    t.adopt(&best, bo);
                }
            }
        }
    }
    let mut final_state: State<D> = match trajectories
        .iter()
        .filter_map(|t| t.best.as_ref())
        .min_by_key(|b| b.1)
    {
        Some((s, _)) => s.clone(),
        None => trajectories
            .iter()
            .min_by_key(|t| t.cur.cost())
            .expect("one thread")
            .cur
            .clone(),
    };
    let unassigned = finish::finish(&data, &mut final_state);
    let stats = SolveStats {
        iterations: trajectories.iter().map(|t| t.iterations).sum(),
        threads,
        elapsed: started.elapsed(),
    };
    (export::export(&data, &final_state, unassigned), stats)
}

/// Statistics of a finished solve, for benchmarks.
#[derive(Clone, Copy, Debug, Default)]
pub struct SolveStats {
    /// Ruin-recreate-descent iterations, summed over threads.
    pub iterations: u64,
    pub threads: usize,
    pub elapsed: std::time::Duration,
}
