//! The mutable search state of one trajectory: routes with caches, where each
//! node is, the active window of each node, and the unassigned jobs.

use crate::search::data::{Data, NodeKind, NONE};
use crate::search::penalty::Weights;
use crate::search::route::Route;
use crate::search::segment::{travel, Seg};

#[derive(Clone, Debug)]
pub(crate) struct State<const D: usize> {
    pub routes: Vec<Route<D>>,
    /// Per node: (route, index in route), route [`NONE`] if not routed.
    pub pos: Vec<(u32, u32)>,
    /// Per node: its segment with its active window.
    pub nseg: Vec<Seg<D>>,
    /// Servable jobs not in any route.
    pub unassigned: Vec<u32>,
    uidx: Vec<u32>,
    /// Sum of route costs.
    pub routes_cost: i64,
    /// Sum of prizes of unassigned jobs (servable or not).
    pub prizes: i64,
    /// Working time of the used routes of each kind (fair shares), and the
    /// per-kind part of the objective it gives ([`Data::kind_balance`]).
    pub kind_total: Vec<i64>,
    pub kind_part: i64,
    /// Change counter: stamps routes for the local search's "what changed" test.
    pub counter: u64,
    /// Routes changed since the last `clear_dirty`.
    pub dirty: Vec<u32>,
    dirty_flag: Vec<bool>,
    /// Penalty weights the route costs are priced with.
    pub weights: Weights,
    saved: Vec<(u32, Seg<D>)>,
}

impl<const D: usize> State<D> {
    /// All routes empty, every servable job unassigned.
    pub fn new(data: &Data<'_, D>, weights: Weights) -> Self {
        let nseg: Vec<Seg<D>> = (0..data.nodes.len() as u32)
            .map(|n| data.default_seg(n))
            .collect();
        let mut s = State {
            routes: Vec::with_capacity(data.vehicles.len()),
            pos: vec![(NONE, 0); data.nodes.len()],
            nseg,
            unassigned: Vec::new(),
            uidx: vec![NONE; data.job_nodes.len()],
            routes_cost: 0,
            prizes: 0,
            kind_total: vec![0; data.kind_size.len()],
            kind_part: 0,
            counter: 1,
            dirty: Vec::new(),
            dirty_flag: vec![false; data.vehicles.len()],
            weights,
            saved: Vec::new(),
        };
        for (v, vd) in data.vehicles.iter().enumerate() {
            let mut r = Route::new(v as u32, vd.start_node, vd.end_node);
            r.rebuild(data, &s.nseg, &weights);
            s.routes.push(r);
        }
        for j in 0..data.job_nodes.len() as u32 {
            s.prizes = s.prizes.saturating_add(data.prize[j as usize]);
            if data.servable[j as usize] {
                s.uidx[j as usize] = s.unassigned.len() as u32;
                s.unassigned.push(j);
            }
        }
        s
    }

    /// The penalised objective.
    #[inline]
    pub fn cost(&self) -> i64 {
        self.routes_cost
            .saturating_add(self.prizes)
            .saturating_add(self.kind_part)
    }

    /// Change of the per-kind part of fair shares if the routes `r` (of
    /// their vehicles' kinds) got the working times `new`, in O(routes).
    pub fn kind_delta(&self, data: &Data<'_, D>, changes: &[(u32, i64)]) -> i64 {
        if data.balance.is_none() {
            return 0;
        }
        let mut per: [(u32, i64); 4] = [(u32::MAX, 0); 4];
        let mut extra = 0;
        for &(r, new) in changes {
            let k = data.kind[self.routes[r as usize].vehicle as usize];
            let d = new - self.routes[r as usize].dur;
            match per.iter_mut().find(|x| x.0 == k || x.0 == u32::MAX) {
                Some(x) => {
                    x.0 = k;
                    x.1 += d;
                }
                None => {
                    let t = self.kind_total[k as usize];
                    extra += data.kind_balance(k, t + d) - data.kind_balance(k, t);
                }
            }
        }
        extra
            + per
                .iter()
                .filter(|x| x.0 != u32::MAX && x.1 != 0)
                .map(|&(k, d)| {
                    let t = self.kind_total[k as usize];
                    data.kind_balance(k, t + d) - data.kind_balance(k, t)
                })
                .sum::<i64>()
    }

    pub fn is_unassigned(&self, job: u32) -> bool {
        self.uidx[job as usize] != NONE
    }

    /// Bookkeeping when a job enters a route (its nodes are placed by the caller).
    pub fn mark_assigned(&mut self, data: &Data<'_, D>, job: u32) {
        let k = self.uidx[job as usize];
        if k == NONE {
            return;
        }
        let last = *self.unassigned.last().expect("nonempty");
        self.unassigned.swap_remove(k as usize);
        if last != job {
            self.uidx[last as usize] = k;
        }
        self.uidx[job as usize] = NONE;
        self.prizes = self.prizes.saturating_sub(data.prize[job as usize]);
    }

    /// Bookkeeping for a job placed from an initial plan: also accepts jobs
    /// no vehicle can serve alone (locked stops of a plan under way).
    pub fn place_job(&mut self, data: &Data<'_, D>, job: u32) {
        if self.uidx[job as usize] != NONE {
            self.mark_assigned(data, job);
        } else if !data.servable[job as usize] {
            self.prizes = self.prizes.saturating_sub(data.prize[job as usize]);
        }
    }

    /// Bookkeeping when a job leaves the routes (its nodes are removed by the caller).
    pub fn mark_unassigned(&mut self, data: &Data<'_, D>, job: u32) {
        if self.uidx[job as usize] != NONE {
            return;
        }
        self.uidx[job as usize] = self.unassigned.len() as u32;
        self.unassigned.push(job);
        self.prizes = self.prizes.saturating_add(data.prize[job as usize]);
        for n in data.job_nodes[job as usize] {
            if n != NONE {
                self.pos[n as usize] = (NONE, 0);
            }
        }
    }

    /// Re-derives everything cached for route `r` after its node list changed.
    pub fn update(&mut self, data: &Data<'_, D>, r: u32) {
        self.counter += 1;
        let route = &mut self.routes[r as usize];
        self.routes_cost -= route.cost;
        let old_dur = route.dur;
        if route
            .nodes
            .iter()
            .any(|&n| data.nodes[n as usize].windows.len() > 1)
        {
            // Re-choose windows, but never at a loss: the move was priced with
            // the windows it carried in, so keep those if they are better.
            route.rebuild(data, &self.nseg, &self.weights);
            let before = route.cost;
            self.saved.clear();
            self.saved
                .extend(route.nodes.iter().map(|&n| (n, self.nseg[n as usize])));
            select_windows(data, route.vehicle, &route.nodes, &mut self.nseg);
            route.rebuild(data, &self.nseg, &self.weights);
            if route.cost > before {
                for &(n, s) in &self.saved {
                    self.nseg[n as usize] = s;
                }
                route.rebuild(data, &self.nseg, &self.weights);
            }
        } else {
            route.rebuild(data, &self.nseg, &self.weights);
        }
        route.stamp = self.counter;
        self.routes_cost += route.cost;
        if data.balance.is_some() && route.dur != old_dur {
            let k = data.kind[route.vehicle as usize] as usize;
            let t = self.kind_total[k];
            self.kind_part -= data.kind_balance(k as u32, t);
            self.kind_total[k] = t + route.dur - old_dur;
            self.kind_part += data.kind_balance(k as u32, self.kind_total[k]);
        }
        for (i, &n) in route.nodes.iter().enumerate() {
            self.pos[n as usize] = (r, i as u32);
        }
        if !self.dirty_flag[r as usize] {
            self.dirty_flag[r as usize] = true;
            self.dirty.push(r);
        }
    }

    /// Changes the penalty weights and reprices every route.
    pub fn set_weights(&mut self, data: &Data<'_, D>, w: Weights) {
        self.weights = w;
        self.routes_cost = 0;
        for r in &mut self.routes {
            r.reprice(data, &w);
            self.routes_cost += r.cost;
        }
    }

    pub fn clear_dirty(&mut self) {
        for &r in &self.dirty {
            self.dirty_flag[r as usize] = false;
        }
        self.dirty.clear();
    }

    /// Makes `self` equal to `src`, copying only the routes in `routes`
    /// (the others must already be equal).
    pub fn sync_from(&mut self, data: &Data<'_, D>, src: &State<D>, routes: &[u32]) {
        for &r in routes {
            // Reload slots are not jobs: one the source does not use on this
            // route must not look used here (the loop below re-marks the rest).
            for &n in &self.routes[r as usize].nodes {
                if data.nodes[n as usize].kind == NodeKind::Reload {
                    self.pos[n as usize] = (NONE, 0);
                }
            }
            let (dst, s) = (&mut self.routes[r as usize], &src.routes[r as usize]);
            dst.clone_from(s);
            for &n in &s.nodes {
                self.pos[n as usize] = src.pos[n as usize];
                self.nseg[n as usize] = src.nseg[n as usize];
            }
        }
        for &j in &self.unassigned {
            self.uidx[j as usize] = NONE;
        }
        self.unassigned.clone_from(&src.unassigned);
        for (k, &j) in self.unassigned.iter().enumerate() {
            self.uidx[j as usize] = k as u32;
            for n in data.job_nodes[j as usize] {
                if n != NONE {
                    self.pos[n as usize] = (NONE, 0);
                }
            }
        }
        self.routes_cost = src.routes_cost;
        self.prizes = src.prizes;
        self.kind_total.clone_from(&src.kind_total);
        self.kind_part = src.kind_part;
        self.counter = self.counter.max(src.counter);
        self.weights = src.weights;
    }

    /// Whether node `x` (a reload slot, say) is on a route now: `pos` alone
    /// may be stale for a slot dropped by replacing a route's node list.
    #[inline]
    pub fn on_route(&self, x: u32) -> bool {
        let (r, i) = self.pos[x as usize];
        r != NONE && self.routes[r as usize].nodes.get(i as usize) == Some(&x)
    }

    /// A free reload slot of route `r`'s vehicle at its first reload
    /// location, if the route may take one more reload.
    pub fn free_reload(&self, data: &Data<'_, D>, r: u32) -> Option<u32> {
        let route = &self.routes[r as usize];
        let vd = &data.vehicles[route.vehicle as usize];
        if route.reloads as usize >= vd.max_reloads {
            return None;
        }
        let first = data.nodes[*vd.reloads.first()? as usize].loc;
        vd.reloads
            .iter()
            .copied()
            .take_while(|&s| data.nodes[s as usize].loc == first)
            .find(|&s| !self.on_route(s))
    }

    /// A copy of route `r`'s nodes, to undo a trial change with [`Self::restore_route`].
    pub fn clone_route(&self, r: u32) -> Vec<u32> {
        self.routes[r as usize].nodes.clone()
    }

    /// Puts back route `r` as saved, with job `job` (removed meanwhile) in it again.
    pub fn restore_route(&mut self, data: &Data<'_, D>, r: u32, nodes: Vec<u32>, job: u32) {
        self.routes[r as usize].nodes = nodes;
        self.mark_assigned(data, job);
        self.update(data, r);
    }

    /// Whether every route satisfies every constraint.
    pub fn feasible(&self, data: &Data<'_, D>) -> bool {
        self.routes.iter().all(|r| r.violations(data).feasible())
    }

    /// (load-feasible, time-feasible) over all routes.
    pub fn feasibility(&self, data: &Data<'_, D>) -> (bool, bool) {
        let mut l = true;
        let mut t = true;
        for r in &self.routes {
            let v = r.violations(data);
            l &= v.load_ok();
            t &= v.time_ok();
        }
        (l, t)
    }
}

/// Chooses, for each stop with several windows, the window in which service
/// begins on the earliest schedule of the route (the dominant choice for
/// feasibility), and stores the matching node segment.
pub(crate) fn select_windows<const D: usize>(
    data: &Data<'_, D>,
    vehicle: u32,
    nodes: &[u32],
    nseg: &mut [Seg<D>],
) {
    let m = data.matrix(vehicle);
    let first = &data.nodes[nodes[0] as usize];
    let mut dep = first.windows[0].0;
    let mut loc = first.loc;
    for &n in &nodes[1..] {
        let node = &data.nodes[n as usize];
        let arr = dep + travel(m, loc, node.loc).0;
        let w = node
            .windows
            .iter()
            .copied()
            .find(|w| w.1 >= arr)
            .unwrap_or(*node.windows.last().expect("windows"));
        if node.windows.len() > 1 {
            nseg[n as usize] = node.seg(w);
        }
        let begin = arr.max(w.0).min(w.1);
        dep = begin + node.service;
        loc = node.loc;
    }
}
