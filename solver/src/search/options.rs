//! The escalation desk's question: where could this urgent job go in the
//! plan under way, on each vehicle, and what would it cost? Every position is
//! priced by one O(1) segment concatenation; only the best position of each
//! vehicle is walked once more to report arrival time and delays.

use crate::plan::{validate, InitialPlan, InsertionOption, PlanError, VehicleOption};
use crate::problem::{JobIdx, Problem, VehicleIdx};
use crate::search::alone::{fits_alone, Stage};
use crate::search::data::{Data, NONE};
use crate::search::initial::initial_state;
use crate::search::insert::{best_insertion, Blink, Scratch};
use crate::search::penalty::{Violations, Weights};
use crate::search::schedule::{forward, StopTimes};
use crate::search::setup::search_data;
use crate::search::state::State;
use crate::search::Rng;
use crate::solution::Constraint;

/// A plan prepared once for many fast insertion queries (the escalation
/// desk asks "where could this go?" for each urgent order).
pub struct PlanIndex<'p> {
    inner: ByDimensions<'p>,
}

/// [`Prepared`] for the number of load dimensions of the problem.
enum ByDimensions<'p> {
    D1(Prepared<'p, 1>),
    D2(Prepared<'p, 2>),
    D4(Prepared<'p, 4>),
    D8(Prepared<'p, 8>),
}

impl<'p> PlanIndex<'p> {
    /// Validates `plan` and caches its routes' segments (O(plan size), plus a
    /// feasibility check of every job against every vehicle).
    pub fn new(problem: &'p Problem, plan: &InitialPlan) -> Result<Self, PlanError> {
        validate(problem, plan)?;
        let inner = match problem.dimensions() {
            0 | 1 => ByDimensions::D1(Prepared::new(problem, plan)),
            2 => ByDimensions::D2(Prepared::new(problem, plan)),
            3 | 4 => ByDimensions::D4(Prepared::new(problem, plan)),
            _ => ByDimensions::D8(Prepared::new(problem, plan)),
        };
        Ok(PlanIndex { inner })
    }

    /// For each vehicle, the cheapest feasible place for `job` (a job not in
    /// the plan), or the constraint that rules the vehicle out. Each position
    /// is priced by O(1) segment concatenation. With `keep_order`, the plan's
    /// stops keep their order; without, the chosen route's unlocked stops may
    /// be re-sequenced around the job (slower: a short descent per vehicle).
    pub fn options(
        &mut self,
        job: JobIdx,
        keep_order: bool,
    ) -> Result<Vec<VehicleOption>, PlanError> {
        match &mut self.inner {
            ByDimensions::D1(p) => p.options(job, keep_order),
            ByDimensions::D2(p) => p.options(job, keep_order),
            ByDimensions::D4(p) => p.options(job, keep_order),
            ByDimensions::D8(p) => p.options(job, keep_order),
        }
    }
}

/// One-shot form of [`PlanIndex::options`]; build a [`PlanIndex`] once for
/// repeated queries on the same plan.
pub fn insertion_options(
    problem: &Problem,
    plan: &InitialPlan,
    job: JobIdx,
    keep_order: bool,
) -> Result<Vec<VehicleOption>, PlanError> {
    PlanIndex::new(problem, plan)?.options(job, keep_order)
}

/// Weights under which any violation outweighs any routing cost.
const HARD: Weights = Weights {
    load: 1 << 30,
    time: 1 << 30,
};

/// A plan prepared for fast insertion queries (one per dimension count).
struct Prepared<'p, const D: usize> {
    data: Data<'p, D>,
    state: State<D>,
    /// Service begin of every routed node in the plan's schedule.
    begin: Vec<i64>,
    scratch: Scratch,
    seq: Vec<u32>,
    times: Vec<StopTimes>,
}

impl<'p, const D: usize> Prepared<'p, D> {
    pub fn new(problem: &'p Problem, plan: &InitialPlan) -> Self {
        let mut data = search_data::<D>(problem, 0);
        let mut state = initial_state(&mut data, plan);
        state.set_weights(&data, HARD);
        let mut begin = vec![0; data.nodes.len()];
        let mut times = Vec::new();
        for r in &state.routes {
            if r.is_empty() {
                continue;
            }
            forward(
                &data,
                r.vehicle,
                &r.nodes,
                |x| state.nseg[x as usize],
                Some(&mut times),
            );
            for (k, &x) in r.nodes.iter().enumerate() {
                begin[x as usize] = times[k].begin;
            }
        }
        Prepared {
            data,
            state,
            begin,
            scratch: Scratch::default(),
            seq: Vec::new(),
            times,
        }
    }

    pub fn options(
        &mut self,
        job: JobIdx,
        keep_order: bool,
    ) -> Result<Vec<VehicleOption>, PlanError> {
        let data = &self.data;
        let j = job.0;
        if j as usize >= data.job_nodes.len() {
            return Err(PlanError::UnknownJob {
                route: usize::MAX,
                job: j,
            });
        }
        if !self.state.is_unassigned(j) && data.servable[j as usize] {
            return Err(PlanError::JobInPlan { job: j });
        }
        let mut out = Vec::with_capacity(self.state.routes.len());
        for v in 0..data.vehicles.len() as u32 {
            let vehicle = VehicleIdx(v);
            if let Err(stage) = fits_alone(data, j, v) {
                out.push(VehicleOption {
                    vehicle,
                    result: Err(stage_constraint(stage)),
                });
                continue;
            }
            let ins = best_insertion::<D, Rng>(
                data,
                &self.state,
                j,
                &mut self.scratch,
                None::<&mut Blink<'_, Rng>>,
                Some(v),
            );
            let Some(ins) = ins else {
                out.push(VehicleOption {
                    vehicle,
                    result: Err(Constraint::Skills),
                });
                continue;
            };
            let [a, b] = data.job_nodes[j as usize];
            // Without keep_order, the unlocked stops of this route may be
            // re-sequenced around the new job (a short descent, then undone).
            let mut saved = None;
            if !keep_order {
                let nodes = self.state.clone_route(v);
                crate::search::insert::apply(data, &mut self.state, j, &ins);
                reorder(data, &mut self.state, v);
                saved = Some(nodes);
            }
            let route = &self.state.routes[v as usize];
            self.seq.clear();
            if saved.is_some() {
                self.seq.extend_from_slice(&route.nodes);
            } else {
                ins.sequence(&route.nodes, a, b, &mut self.seq);
            }
            let index = self.seq.iter().position(|&x| x == a).expect("inserted") - 1;
            let sa = data.nodes[a as usize].seg(ins.wa);
            let sb = if b != NONE {
                data.nodes[b as usize].seg(ins.wb)
            } else {
                sa
            };
            let nseg = &self.state.nseg;
            let f = forward(
                data,
                v,
                &self.seq,
                |x| {
                    if x == a {
                        sa
                    } else if x == b {
                        sb
                    } else {
                        nseg[x as usize]
                    }
                },
                Some(&mut self.times),
            );
            let viol = Violations::of(&f.seg, &data.vehicles[v as usize], f.ride_excess);
            let old_total = self.old_total(v, saved.as_ref());
            if let Some(nodes) = saved {
                self.state.routes[v as usize].nodes = nodes;
                self.state.mark_unassigned(data, j);
                self.state.update(data, v);
            }
            let route = &self.state.routes[v as usize];
            if !viol.feasible() {
                out.push(VehicleOption {
                    vehicle,
                    result: Err(binding(&viol, f.job_warp, f.end_warp)),
                });
                continue;
            }
            let (mut max_delay, mut delayed, mut eta, mut delivery_index) = (0, 0, 0, None);
            let mut delivery_begin = None;
            for (k, &x) in self.seq.iter().enumerate() {
                if x == a {
                    eta = self.times[k].begin;
                } else if x == b {
                    delivery_index = Some(k - 1);
                    delivery_begin = Some(self.times[k].begin);
                } else if !route.is_empty() && data.nodes[x as usize].job != NONE {
                    let d = self.times[k].begin - self.begin[x as usize];
                    if d > 0 {
                        max_delay = max_delay.max(d);
                        delayed += 1;
                    }
                }
            }
            let vd = &data.vehicles[v as usize];
            let base = crate::search::penalty::base_cost(data, vd, &f.seg);
            let old = if route.is_empty() {
                0
            } else {
                crate::search::penalty::base_cost(data, vd, &old_total)
            };
            out.push(VehicleOption {
                vehicle,
                result: Ok(InsertionOption {
                    index,
                    delivery_index,
                    delivery_begin,
                    eta,
                    // A job served by another than its preferred vehicle
                    // pays the preference (one resident, one volunteer).
                    added_cost: base - old
                        + match data.preferred[j as usize] {
                            p if p != NONE && p != v => data.preference_cost[j as usize],
                            _ => 0,
                        },
                    max_delay,
                    stops_delayed: delayed,
                    route: self.seq[1..self.seq.len() - 1]
                        .iter()
                        .map(|&x| crate::search::export::activity_kind(data, x))
                        .collect(),
                }),
            });
        }
        Ok(out)
    }
}

impl<const D: usize> Prepared<'_, D> {
    /// The whole-route segment of vehicle `v` before the query changed it.
    fn old_total(&self, v: u32, saved: Option<&Vec<u32>>) -> crate::search::segment::Seg<D> {
        match saved {
            None => *self.state.routes[v as usize].total(),
            Some(nodes) => forward(&self.data, v, nodes, |x| self.state.nseg[x as usize], None).seg,
        }
    }
}

/// Intra-route descent on route `r`: relocate one stop and 2-opt, first improvement.
fn reorder<const D: usize>(data: &Data<'_, D>, st: &mut State<D>, r: u32) {
    let mut sc = crate::search::ops::MoveScratch::default();
    for _ in 0..1000 {
        let nodes = st.routes[r as usize].nodes.clone();
        let mut improved = false;
        'outer: for &u in &nodes[1..nodes.len() - 1] {
            for &v in &nodes[1..nodes.len() - 1] {
                if u != v
                    && (crate::search::ops::relocate::apply_best(data, st, &mut sc, u, v, 1)
                        || crate::search::ops::two_opt::apply_best(data, st, &mut sc, u, v))
                {
                    improved = true;
                    break 'outer;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

fn stage_constraint(s: Stage) -> Constraint {
    match s {
        Stage::Assigned => Constraint::AllowedVehicles,
        Stage::Skills => Constraint::Skills,
        Stage::Capacity => Constraint::Capacity,
        Stage::Reach => Constraint::Reach,
        Stage::Window => Constraint::TimeWindow,
        Stage::Ride => Constraint::MaxRide,
        Stage::Shift => Constraint::Shift,
    }
}

/// The constraint named for a violation, in a fixed order of precedence.
pub(crate) fn binding(v: &Violations, job_warp: i64, end_warp: i64) -> Constraint {
    if v.load > 0 {
        Constraint::Capacity
    } else if job_warp > 0 {
        Constraint::TimeWindow
    } else if end_warp > 0 {
        Constraint::Shift
    } else if v.duration > 0 {
        Constraint::MaxDuration
    } else if v.distance > 0 {
        Constraint::MaxDistance
    } else if v.stops > 0 {
        Constraint::MaxStops
    } else if v.ride > 0 || v.carry > 0 {
        Constraint::MaxRide
    } else if v.unreach > 0 {
        Constraint::Reach
    } else {
        Constraint::TimeWindow
    }
}
