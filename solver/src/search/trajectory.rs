//! One search trajectory (one per thread): SISR ruin-and-recreate as the
//! perturbation, granular local search as the descent, simulated annealing
//! on the penalised cost as the acceptance, adaptive penalties, and a return
//! to the best solution after a long stall.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rand::Rng as _;
use rand::SeedableRng;

use crate::search::data::Data;
use crate::search::insert::Scratch;
use crate::search::local_search::LocalSearch;
use crate::search::penalty::PenaltyManager;
use crate::search::recreate::{recreate, Order};
use crate::search::ruin::{ruin, RuinParams};
use crate::search::state::State;
use crate::search::Rng;

/// Tunable parameters of a trajectory.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Params {
    pub ruin: RuinParams,
    pub blink_rate: f64,
    /// Start and final temperature as fractions of the average arc cost.
    pub t_start: f64,
    pub t_end: f64,
    /// Iterations without a new best before going back to the best.
    pub stall: u64,
    /// Share of iterations followed by a local-search descent.
    pub ls_rate: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            ruin: RuinParams::default(),
            blink_rate: 0.01,
            t_start: 0.15,
            t_end: 0.005,
            stall: 20_000,
            ls_rate: 1.0,
        }
    }
}

/// What one search thread publishes for the progress reporter. The search
/// only writes it, never reads it back, so reporting cannot change a result.
#[derive(Debug, Default)]
pub(crate) struct Published {
    pub iterations: AtomicU64,
    /// Objective, routing cost and jobs left out of the best feasible state.
    pub best: Mutex<Option<(i64, i64, usize)>>,
}

pub(crate) struct Trajectory<'d, 'p, const D: usize> {
    data: &'d Data<'p, D>,
    pub rng: Rng,
    pub cur: State<D>,
    cand: State<D>,
    /// Best feasible solution and its (unpenalised) objective.
    pub best: Option<(State<D>, i64)>,
    ls: LocalSearch,
    pm: PenaltyManager,
    scratch: Scratch,
    removed: Vec<u32>,
    touched: Vec<u32>,
    pub iterations: u64,
    since_best: u64,
    params: Params,
    published: Arc<Published>,
    /// Objective of the best state last published.
    published_best: i64,
}

/// Objective of a feasible state: its cost without penalties.
pub(crate) fn objective<const D: usize>(st: &State<D>) -> i64 {
    st.cost()
}

impl<'d, 'p, const D: usize> Trajectory<'d, 'p, D> {
    pub fn new(
        data: &'d Data<'p, D>,
        seed: u64,
        params: Params,
        initial: Option<&State<D>>,
        stop: Arc<dyn Fn() -> bool + Send + Sync>,
        published: Arc<Published>,
    ) -> Self {
        let mut rng = Rng::seed_from_u64(seed);
        let pm = PenaltyManager::new(data);
        let mut scratch = Scratch::default();
        let mut ls = LocalSearch::new(data);
        ls.stop = Some(stop);
        // Construction with violations priced out: a feasible first plan
        // (jobs that fit nowhere stay out), quickly, even on big days.
        let hard = crate::search::penalty::Weights {
            load: 1 << 30,
            time: 1 << 30,
        };
        let mut cur = match initial {
            Some(s) => {
                let mut s = s.clone();
                s.set_weights(data, hard);
                s
            }
            None => State::new(data, hard),
        };
        let mut jobs = cur.unassigned.clone();
        recreate(
            data,
            &mut cur,
            &mut rng,
            &mut jobs,
            Order::Far,
            0.0,
            &mut scratch,
        );
        let constructed = cur.feasible(data).then(|| cur.clone());
        cur.set_weights(data, pm.weights);
        cur.clear_dirty();
        let cand = cur.clone();
        let mut t = Trajectory {
            data,
            rng,
            cur,
            cand,
            best: None,
            ls,
            pm,
            scratch,
            removed: Vec::new(),
            touched: Vec::new(),
            iterations: 0,
            since_best: 0,
            params,
            published,
            published_best: i64::MAX,
        };
        if let Some(c) = constructed {
            let obj = objective(&c);
            t.best = Some((c, obj));
        }
        t.consider_best();
        t.publish();
        t
    }

    /// Publishes the iteration count, and the best state if it changed.
    fn publish(&mut self) {
        self.published
            .iterations
            .store(self.iterations, Ordering::Relaxed);
        if let Some((b, obj)) = &self.best {
            if *obj != self.published_best {
                self.published_best = *obj;
                if let Ok(mut p) = self.published.best.lock() {
                    *p = Some((*obj, b.routes_cost, b.unassigned.len()));
                }
            }
        }
    }

    /// The first descent, after construction (separate so that the
    /// constructed plan can be reported first).
    pub fn descend_initial(&mut self) {
        self.ls.run(self.data, &mut self.cur, &mut self.rng);
        self.cur.clear_dirty();
        self.cand = self.cur.clone();
        self.consider_best();
        self.publish();
    }

    fn consider_best(&mut self) {
        if !self.cur.feasible(self.data) {
            return;
        }
        let obj = objective(&self.cur);
        if self.best.as_ref().is_none_or(|(_, b)| obj < *b) {
            self.best = Some((self.cur.clone(), obj));
            self.since_best = 0;
        }
    }

    /// Best objective so far (`i64::MAX` if nothing feasible yet).
    pub fn best_objective(&self) -> i64 {
        self.best.as_ref().map_or(i64::MAX, |b| b.1)
    }

    /// Replaces the current and best solutions by `other` (solution exchange).
    pub fn adopt(&mut self, other: &State<D>, obj: i64) {
        let mut s = other.clone();
        s.set_weights(self.data, self.pm.weights);
        s.clear_dirty();
        self.best = Some((s.clone(), obj));
        self.cand = s.clone();
        self.cur = s;
        self.ls.reset();
        self.since_best = 0;
        self.publish();
    }

    /// One ruin, recreate, descent and acceptance step; `progress` in [0, 1].
    pub fn step(&mut self, progress: f64) {
        let data = self.data;
        self.iterations += 1;
        self.since_best += 1;
        ruin(
            data,
            &mut self.cand,
            &mut self.rng,
            &self.params.ruin,
            &mut self.removed,
            &mut self.touched,
        );
        let order = Order::pick(&mut self.rng);
        let mut removed = std::mem::take(&mut self.removed);
        recreate(
            data,
            &mut self.cand,
            &mut self.rng,
            &mut removed,
            order,
            self.params.blink_rate,
            &mut self.scratch,
        );
        self.removed = removed;
        if self.rng.gen::<f64>() < self.params.ls_rate {
            self.ls
                .run_from(data, &mut self.cand, &mut self.rng, &self.removed);
        }

        let (load_ok, time_ok) = self.cand.feasibility(data);
        if self.pm.register(load_ok, time_ok) {
            self.cand.set_weights(data, self.pm.weights);
            self.cur.set_weights(data, self.pm.weights);
        }
        let scale = data.avg_arc_cost as f64;
        let (t0, t1) = (self.params.t_start * scale, self.params.t_end * scale);
        let temp = t0 * (t1 / t0).powf(progress.clamp(0.0, 1.0));
        let threshold = self.cur.cost() as f64 - temp * self.rng.gen::<f64>().max(1e-12).ln();
        let accept = (self.cand.cost() as f64) < threshold;
        if load_ok && time_ok {
            let obj = objective(&self.cand);
            if self.best.as_ref().is_none_or(|(_, b)| obj < *b) {
                self.best = Some((self.cand.clone(), obj));
                self.since_best = 0;
            }
        }
        let dirty = std::mem::take(&mut self.cand.dirty);
        if accept {
            self.cur.sync_from(data, &self.cand, &dirty);
        } else {
            // Back to the current solution, a local optimum: its routes keep
            // their old stamps, so the next descent skips them unless perturbed.
            self.cand.sync_from(data, &self.cur, &dirty);
        }
        self.cand.dirty = dirty;
        self.cand.clear_dirty();
        self.cur.clear_dirty();
        if self.since_best > self.params.stall {
            if let Some((b, _)) = &self.best {
                let mut s = b.clone();
                s.set_weights(data, self.pm.weights);
                s.clear_dirty();
                self.cand = s.clone();
                self.cur = s;
                self.ls.reset();
            }
            self.since_best = 0;
        }
        self.publish();
    }
}
