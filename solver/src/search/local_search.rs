//! Granular local search to a local optimum: for every job node `u` and each
//! of its granular neighbours `v`, try the operators and apply the first
//! improving move. Pairs whose routes have not changed since `u` was last
//! examined are skipped (the "what changed" test of PyVRP), so a descent
//! after a small perturbation only looks at the perturbed region.

use rand::seq::SliceRandom;

use crate::search::data::{Data, NodeKind, NONE};
use crate::search::insert::Scratch;
use crate::search::ops::{self, MoveScratch};
use crate::search::state::State;
use crate::search::Rng;

pub(crate) struct LocalSearch {
    order: Vec<u32>,
    last_tested: Vec<u64>,
    sc: MoveScratch,
    isc: Scratch,
    seen: Vec<u32>,
    route_tested: Vec<u64>,
    /// Longest chain moved by relocate and swap.
    pub max_chain: usize,
    /// Nodes worth examining: perturbed ones and those near an applied move.
    promising: Vec<bool>,
    /// Checked every few hundred nodes: a long descent (first one on a big
    /// instance) stops at the time limit or on cancel.
    pub stop: Option<std::sync::Arc<dyn Fn() -> bool + Send + Sync>>,
}

impl LocalSearch {
    pub fn new<const D: usize>(data: &Data<'_, D>) -> Self {
        LocalSearch {
            order: data.clients.clone(),
            last_tested: vec![0; data.nodes.len()],
            sc: MoveScratch::default(),
            isc: Scratch::default(),
            seen: Vec::new(),
            route_tested: vec![0; data.vehicles.len()],
            max_chain: 3,
            promising: vec![false; data.nodes.len()],
            stop: None,
        }
    }

    /// Forgets what was tested: the next descent examines everything.
    pub fn reset(&mut self) {
        self.last_tested.iter_mut().for_each(|x| *x = 0);
        self.route_tested.iter_mut().for_each(|x| *x = 0);
    }

    /// Marks `x` and its current route neighbours as worth examining.
    fn mark<const D: usize>(&mut self, st: &State<D>, x: u32) {
        self.promising[x as usize] = true;
        let (r, i) = st.pos[x as usize];
        if r != NONE {
            let nodes = &st.routes[r as usize].nodes;
            let i = i as usize;
            if i > 1 {
                self.promising[nodes[i - 1] as usize] = true;
            }
            if i + 2 < nodes.len() {
                self.promising[nodes[i + 1] as usize] = true;
            }
        }
    }

    /// Descends to a local optimum of `st` under its current weights,
    /// examining every job node.
    pub fn run<const D: usize>(&mut self, data: &Data<'_, D>, st: &mut State<D>, rng: &mut Rng) {
        for &c in &data.clients {
            self.promising[c as usize] = true;
        }
        self.descend(data, st, rng);
    }

    /// Descends starting from the nodes of `jobs` (just reinserted) and
    /// whatever the applied moves touch: after a small perturbation only
    /// the perturbed region is examined.
    pub fn run_from<const D: usize>(
        &mut self,
        data: &Data<'_, D>,
        st: &mut State<D>,
        rng: &mut Rng,
        jobs: &[u32],
    ) {
        for &j in jobs {
            for x in data.job_nodes[j as usize] {
                if x != NONE {
                    self.mark(st, x);
                }
            }
        }
        self.descend(data, st, rng);
    }

    fn descend<const D: usize>(&mut self, data: &Data<'_, D>, st: &mut State<D>, rng: &mut Rng) {
        self.order.shuffle(rng);
        let has_pairs = data.nodes.iter().any(|n| n.kind == NodeKind::Pickup);
        let has_reloads = data.vehicles.iter().any(|v| !v.reloads.is_empty());
        // Every applied move is priced as improving; a budget still bounds the
        // descent in case an estimate (ride times, window choice) was optimistic.
        let mut budget = 100 * (self.order.len() + 10);
        // The clock is read every few nodes examined (not every few nodes
        // listed): a pickup-and-delivery node's moves can take a millisecond
        // (pair insertion tries every pair of positions), and a descent from
        // a warm start may examine few nodes between long stretches of
        // skipped ones.
        let mut examined = 0u32;
        loop {
            let mut improved = false;
            for k in 0..self.order.len() {
                let u = self.order[k];
                let (ru, _) = st.pos[u as usize];
                if ru == NONE || !self.promising[u as usize] {
                    continue;
                }
                examined += 1;
                if examined.is_multiple_of(8) && self.stop.as_ref().is_some_and(|f| f()) {
                    self.promising.iter_mut().for_each(|p| *p = false);
                    return;
                }
                self.promising[u as usize] = false;
                let tested = self.last_tested[u as usize];
                self.last_tested[u as usize] = st.counter;
                let single = data.nodes[u as usize].kind == NodeKind::Single;
                for &v in &data.neighbours[u as usize] {
                    let (ru, _) = st.pos[u as usize];
                    let (rv, _) = st.pos[v as usize];
                    if rv == NONE || ru == NONE {
                        continue;
                    }
                    if st.routes[ru as usize].stamp <= tested
                        && st.routes[rv as usize].stamp <= tested
                    {
                        continue;
                    }
                    let applied = if single {
                        ops::relocate::apply_best(data, st, &mut self.sc, u, v, self.max_chain)
                            || ops::swap::apply_best(
                                data,
                                st,
                                &mut self.sc,
                                u,
                                v,
                                2.min(self.max_chain),
                            )
                            || (ru != rv
                                && ops::two_opt_star::apply_best(data, st, &mut self.sc, u, v))
                            || (ru == rv && ops::two_opt::apply_best(data, st, &mut self.sc, u, v))
                    } else {
                        (has_pairs
                            && ops::pair::apply_best(data, st, &mut self.sc, &mut self.isc, u, v))
                            || (ru != rv
                                && ops::two_opt_star::apply_best(data, st, &mut self.sc, u, v))
                            || (ru == rv && ops::two_opt::apply_best(data, st, &mut self.sc, u, v))
                    };
                    improved |= applied;
                    if applied {
                        self.mark(st, u);
                        self.mark(st, v);
                        budget = budget.saturating_sub(1);
                        if budget == 0 {
                            return;
                        }
                    }
                }
                let (ru, _) = st.pos[u as usize];
                if single
                    && ru != NONE
                    && st.routes[ru as usize].stamp > tested
                    && ops::relocate::to_empty(data, st, &mut self.sc, u, &mut self.seen)
                {
                    improved = true;
                    self.mark(st, u);
                }
            }
            if has_reloads {
                for r in 0..st.routes.len() {
                    if st.routes[r].stamp > self.route_tested[r] {
                        self.route_tested[r] = st.counter;
                        while ops::reload::apply_best(data, st, &mut self.sc, r as u32) {
                            improved = true;
                        }
                    }
                }
            }
            if !improved && ops::merge::apply_best(data, st, &mut self.sc, &mut self.seen) {
                improved = true;
            }
            if !improved {
                break;
            }
        }
    }
}
