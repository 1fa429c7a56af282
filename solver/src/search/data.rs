//! Search-side view of a [`Problem`]: dense node arrays built once per solve
//! and shared read-only by every thread.
//!
//! Nodes are numbered densely: first the tasks of every job (one, or a
//! pickup then a delivery), then per vehicle its start depot, its end depot
//! and its reload slots. A route is a list of node numbers, so every hot
//! lookup is an index into a flat `Vec`.

use crate::problem::{JobIdx, JobKind, Matrix, Problem, Task, Time};
use crate::search::segment::{Carry, Seg, TripLoad, NOWHERE};

/// "No such index".
pub(crate) const NONE: u32 = u32::MAX;

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// The only task of a delivery, pickup or visit.
    Single,
    /// First task of a shipment.
    Pickup,
    /// Second task of a shipment.
    Delivery,
    /// A reload slot of one vehicle.
    Reload,
    Start,
    End,
}

#[derive(Clone, Debug)]
pub(crate) struct Node<const D: usize> {
    pub loc: u32,
    pub service: i64,
    /// Job served, or [`NONE`].
    pub job: u32,
    pub kind: NodeKind,
    /// The other task of a shipment, or [`NONE`].
    pub partner: u32,
    pub load: TripLoad<D>,
    /// Time windows (a single one for depots and reloads: the shift).
    pub windows: Vec<(Time, Time)>,
    /// Longest time from the trip's departure to the hand-over (a delivery's
    /// `max_carry`), or [`NO_LIMIT`].
    pub max_carry: i64,
    /// A loading point (route start, reload) in a problem with carry
    /// limits; without limits the carry part of segments stays empty.
    pub loads_carry: bool,
}

/// "No carry limit".
pub(crate) const NO_LIMIT: i64 = i64::MAX;

/// Carry limits are capped here so that the segment sums cannot overflow.
const MAX_LIMIT: i64 = 1 << 40;

impl<const D: usize> Node<D> {
    /// Segment of this node with window `w`.
    #[inline]
    pub fn seg(&self, w: (Time, Time)) -> Seg<D> {
        let stops = matches!(
            self.kind,
            NodeKind::Single | NodeKind::Pickup | NodeKind::Delivery
        ) as u32;
        let carry = match self.kind {
            NodeKind::Start | NodeKind::Reload if self.loads_carry => {
                Carry::loading(self.service, w)
            }
            _ if self.max_carry != NO_LIMIT => Carry::limited(self.max_carry, w.0),
            _ => Carry::NONE,
        };
        Seg::single(
            self.loc,
            self.service,
            w,
            self.load,
            stops,
            self.kind == NodeKind::Reload,
            carry,
        )
    }
}

#[derive(Clone, Debug)]
pub(crate) struct VehicleData<const D: usize> {
    pub start_node: u32,
    pub end_node: u32,
    pub cap: [i64; D],
    pub max_dur: i64,
    pub max_dist: i64,
    pub max_stops: u32,
    pub fixed: i64,
    pub cps: i64,
    pub cpm: i64,
    pub profile: usize,
    /// Reload slot nodes (empty for single-trip vehicles): `max_reloads`
    /// slots per distinct reload location, in the order of the locations.
    pub reloads: Vec<u32>,
    /// Most reloads one route may hold (trips - 1, bounded by what the day needs).
    pub max_reloads: usize,
    /// Vehicles with identical attributes share a class: an empty route of a
    /// class is tried once per insertion, not once per vehicle.
    pub class: u32,
}

/// Read-only search data for a problem.
pub(crate) struct Data<'p, const D: usize> {
    pub problem: &'p Problem,
    pub nodes: Vec<Node<D>>,
    /// Nodes of each job: `[first, second or NONE]`.
    pub job_nodes: Vec<[u32; 2]>,
    pub vehicles: Vec<VehicleData<D>>,
    /// Per job, a bit set over vehicles that can serve the job on their own.
    pub allowed: Vec<u64>,
    pub words: usize,
    /// Per job: whether any vehicle can serve it alone (else it is never inserted).
    pub servable: Vec<bool>,
    /// Whether every servable job may go on every vehicle (skips per-job checks).
    pub all_allowed: bool,
    /// Max ride per job (`i64::MAX` if none).
    pub max_ride: Vec<i64>,
    pub any_ride: bool,
    /// Whether any delivery has a carry limit (`max_carry`).
    pub any_carry: bool,
    /// Job nodes that may start a move (tasks of servable jobs).
    pub clients: Vec<u32>,
    /// Granular neighbours of each node (job nodes only).
    pub neighbours: Vec<Vec<u32>>,
    /// Longer proximity list used by ruin (job nodes only).
    pub adjacency: Vec<Vec<u32>>,
    /// Prize of each job in the search.
    pub prize: Vec<i64>,
    pub vehicle_weight: i64,
    /// Typical arc cost, to scale penalties and temperatures.
    pub avg_arc_cost: i64,
    pub avg_demand: i64,
    /// Vehicle of each job in an initial plan ([`NONE`] if none), and what
    /// serving it with another vehicle (or not at all) costs.
    pub home: Vec<u32>,
    /// Per job: total demand, distance from the first depot, latest deadline (recreate orders).
    pub demand_size: Vec<i64>,
    pub depot_dist: Vec<i64>,
    pub deadline: Vec<i64>,
    pub change_penalty: i64,
    /// Per job: the vehicle it prefers ([`NONE`] if none) and what serving
    /// it with another costs (one resident, one volunteer).
    pub preferred: Vec<u32>,
    pub preference_cost: Vec<i64>,
    pub any_preference: bool,
    /// Fair shares: the weight of the working-time cost, if any, and each
    /// kind's own terms ([`crate::problem::Problem::balance_of`]), whose
    /// formulas price it.
    pub balance: Option<i64>,
    pub kind_fair: Vec<crate::problem::Balance>,
    /// Fair shares are within a kind: the kind (profile) of each vehicle,
    /// and how many vehicles each kind has.
    pub kind: Vec<u32>,
    pub kind_size: Vec<i64>,
    /// Per node: the key ([`Data::link_key`]) of the stop before it on the
    /// printed sheet, or [`NONE`] (not printed, a depot or a reload slot).
    pub printed_pred: Vec<u32>,
    /// Added for each printed stop whose predecessor is not the printed one
    /// (a sheet read in a different order).
    pub reorder_penalty: i64,
}

/// Tag of a reload location in [`Data::link_key`] (node indices stay below it).
const RELOAD_KEY: u32 = 1 << 31;

fn windows(t: &Task) -> Vec<(Time, Time)> {
    t.windows.iter().map(|w| (w.start, w.end)).collect()
}

impl<'p, const D: usize> Data<'p, D> {
    /// The dense arrays of `problem`. Which vehicles may serve which job
    /// (`allowed`, `servable`, `all_allowed`, `clients`) and the granular
    /// lists (`neighbours`, `adjacency`) are left empty here: they need the
    /// schedule and the neighbourhood rules, which build on this data, so
    /// [`crate::search::setup::search_data`] fills them next.
    pub fn new(problem: &'p Problem) -> Self {
        let dims = problem.dimensions();
        let mut nodes = Vec::new();
        let mut job_nodes = Vec::with_capacity(problem.jobs().len());
        let mut max_ride = Vec::with_capacity(problem.jobs().len());
        let mut any_carry = false;
        let amount = |v: &[i64]| {
            let mut a = [0i64; D];
            a[..dims.min(D)].copy_from_slice(&v[..dims.min(D)]);
            a
        };
        let zero = [0i64; D];
        for (j, job) in problem.jobs().iter().enumerate() {
            let q = amount(&job.demand);
            let neg = q.map(|x| -x);
            let mk = |t: &Task, kind, load: TripLoad<D>| Node {
                loc: t.location.0,
                service: t.service,
                job: j as u32,
                kind,
                partner: NONE,
                load,
                windows: windows(t),
                max_carry: NO_LIMIT,
                loads_carry: false,
            };
            let first = nodes.len() as u32;
            match &job.kind {
                JobKind::Delivery(t) => {
                    let mut n = mk(
                        t,
                        NodeKind::Single,
                        TripLoad {
                            dsum: q,
                            delta: neg,
                            mx: zero,
                            open: 0,
                        },
                    );
                    if let Some(c) = job.max_carry {
                        n.max_carry = c.min(MAX_LIMIT);
                        any_carry = true;
                    }
                    nodes.push(n);
                    job_nodes.push([first, NONE]);
                    max_ride.push(i64::MAX);
                }
                JobKind::Pickup(t) => {
                    nodes.push(mk(
                        t,
                        NodeKind::Single,
                        TripLoad {
                            dsum: zero,
                            delta: q,
                            mx: q,
                            open: 0,
                        },
                    ));
                    job_nodes.push([first, NONE]);
                    max_ride.push(i64::MAX);
                }
                JobKind::Visit(t) => {
                    nodes.push(mk(t, NodeKind::Single, TripLoad::default()));
                    job_nodes.push([first, NONE]);
                    max_ride.push(i64::MAX);
                }
                JobKind::Shipment {
                    pickup,
                    delivery,
                    max_ride: r,
                } => {
                    let mut p = mk(
                        pickup,
                        NodeKind::Pickup,
                        TripLoad {
                            dsum: zero,
                            delta: q,
                            mx: q,
                            open: 1,
                        },
                    );
                    let mut d = mk(
                        delivery,
                        NodeKind::Delivery,
                        TripLoad {
                            dsum: zero,
                            delta: neg,
                            mx: zero,
                            open: -1,
                        },
                    );
                    p.partner = first + 1;
                    d.partner = first;
                    nodes.push(p);
                    nodes.push(d);
                    job_nodes.push([first, first + 1]);
                    max_ride.push(r.unwrap_or(i64::MAX));
                }
            }
        }
        let mut vehicles = Vec::with_capacity(problem.vehicles().len());
        let mut classes: Vec<(usize, u32)> = Vec::new();
        for (vi, v) in problem.vehicles().iter().enumerate() {
            let shift = (v.shift.start, v.shift.end);
            let depot = |loc: Option<crate::problem::LocIdx>, kind| Node {
                loc: loc.map_or(NOWHERE, |l| l.0),
                service: 0,
                job: NONE,
                kind,
                partner: NONE,
                load: TripLoad::default(),
                windows: vec![shift],
                max_carry: NO_LIMIT,
                loads_carry: false,
            };
            let start_node = nodes.len() as u32;
            nodes.push(depot(v.start, NodeKind::Start));
            nodes.push(depot(v.end, NodeKind::End));
            let mut reloads = Vec::new();
            let mut max_reloads = 0usize;
            if let Some(r) = &v.reload {
                let total: Vec<i64> = (0..dims)
                    .map(|d| problem.jobs().iter().map(|j| j.demand[d]).sum::<i64>())
                    .collect();
                let trips_needed = (0..dims)
                    .map(|d| {
                        if v.capacity[d] > 0 {
                            total[d] / v.capacity[d] + 1
                        } else {
                            1
                        }
                    })
                    .max()
                    .unwrap_or(1);
                let by_jobs = problem.jobs().len() as i64;
                let mut slots = (trips_needed + 2).min(by_jobs).min(64);
                if let Some(m) = r.max_trips {
                    slots = slots.min(m.saturating_sub(1) as i64);
                }
                max_reloads = slots.max(0) as usize;
                // Every reload location gets its own slots (a route may use
                // any of them, e.g. a gate on the way instead of the depot);
                // the reload operator keeps the count within `max_reloads`.
                // The first location's slots come first (plans load into them).
                let mut seen: Vec<u32> = Vec::new();
                for l in &r.locations {
                    if seen.contains(&l.0) {
                        continue;
                    }
                    seen.push(l.0);
                    for _ in 0..max_reloads {
                        reloads.push(nodes.len() as u32);
                        nodes.push(Node {
                            loc: l.0,
                            service: r.service,
                            job: NONE,
                            kind: NodeKind::Reload,
                            partner: NONE,
                            load: TripLoad::default(),
                            windows: vec![shift],
                            max_carry: NO_LIMIT,
                            loads_carry: false,
                        });
                    }
                }
            }
            // Class: identical vehicles apart from the id.
            let class = classes
                .iter()
                .find(|(o, _)| same_vehicle(&problem.vehicles()[*o], v))
                .map(|c| c.1)
                .unwrap_or_else(|| {
                    let c = classes.len() as u32;
                    classes.push((vi, c));
                    c
                });
            vehicles.push(VehicleData {
                start_node,
                end_node: start_node + 1,
                cap: {
                    let mut c = amount(&v.capacity);
                    for x in c.iter_mut().skip(dims) {
                        *x = i64::MAX / 4;
                    }
                    c
                },
                max_dur: v.max_duration.unwrap_or(i64::MAX / 4),
                max_dist: v.max_distance.unwrap_or(i64::MAX / 4),
                max_stops: v.max_stops.unwrap_or(u32::MAX),
                fixed: v.fixed_cost,
                cps: v.cost_per_second,
                cpm: v.cost_per_metre,
                profile: v.profile.get(),
                reloads,
                max_reloads,
                class,
            });
        }
        if any_carry {
            for n in &mut nodes {
                n.loads_carry = matches!(n.kind, NodeKind::Start | NodeKind::Reload);
            }
        }
        let njobs = problem.jobs().len();
        let words = problem.vehicles().len().div_ceil(64).max(1);
        let prize = (0..njobs)
            .map(|j| problem.prize(JobIdx(j as u32)))
            .collect();
        let mut data = Data {
            problem,
            nodes,
            job_nodes,
            vehicles,
            allowed: vec![0; njobs * words],
            words,
            servable: vec![false; njobs],
            all_allowed: true,
            any_ride: max_ride.iter().any(|&r| r != i64::MAX),
            any_carry,
            max_ride,
            clients: Vec::new(),
            neighbours: Vec::new(),
            adjacency: Vec::new(),
            prize,
            vehicle_weight: problem.vehicle_weight(),
            avg_arc_cost: 1,
            avg_demand: 1,
            home: vec![NONE; njobs],
            change_penalty: 0,
            preferred: (0..njobs)
                .map(|j| {
                    problem
                        .preference(JobIdx(j as u32))
                        .map_or(NONE, |(v, _)| v.0)
                })
                .collect(),
            preference_cost: (0..njobs)
                .map(|j| problem.preference(JobIdx(j as u32)).map_or(0, |(_, c)| c))
                .collect(),
            any_preference: (0..njobs).any(|j| problem.preference(JobIdx(j as u32)).is_some()),
            balance: problem.objective().balance.map(|b| b.weight),
            kind_fair: (0..problem.matrices().len())
                .map(|k| {
                    problem
                        .balance_of(crate::problem::ProfileIdx(k as u32))
                        .unwrap_or(crate::problem::Balance {
                            weight: 0,
                            scale: 1,
                            target: 0,
                        })
                })
                .collect(),
            kind: problem.vehicles().iter().map(|v| v.profile.0).collect(),
            kind_size: {
                let mut n = vec![0i64; problem.matrices().len()];
                for v in problem.vehicles() {
                    n[v.profile.get()] += 1;
                }
                n
            },
            printed_pred: Vec::new(),
            reorder_penalty: 0,
            demand_size: Vec::new(),
            depot_dist: Vec::new(),
            deadline: Vec::new(),
        };
        data.demand_size = problem
            .jobs()
            .iter()
            .map(|j| j.demand.iter().sum())
            .collect();
        let depot = data
            .vehicles
            .first()
            .map_or(NOWHERE, |v| data.nodes[v.start_node as usize].loc);
        data.depot_dist = data
            .job_nodes
            .iter()
            .map(|jn| {
                let l = data.nodes[jn[0] as usize].loc;
                crate::search::segment::travel(&problem.matrices()[0], depot, l)
                    .1
                    .min(i32::MAX as i64)
            })
            .collect();
        data.deadline = data
            .job_nodes
            .iter()
            .map(|jn| {
                let last = if jn[1] == NONE { jn[0] } else { jn[1] };
                data.nodes[last as usize]
                    .windows
                    .last()
                    .map_or(i64::MAX, |w| w.1)
            })
            .collect();
        data
    }

    #[inline]
    pub fn can_serve(&self, job: u32, vehicle: u32) -> bool {
        let v = vehicle as usize;
        self.allowed[job as usize * self.words + v / 64] & (1 << (v % 64)) != 0
    }

    #[inline]
    pub fn matrix(&self, vehicle: u32) -> &'p Matrix {
        &self.problem.matrices()[self.vehicles[vehicle as usize].profile]
    }

    /// The default (first) window of a node.
    #[inline]
    pub fn default_seg(&self, node: u32) -> Seg<D> {
        let n = &self.nodes[node as usize];
        n.seg(n.windows[0])
    }

    /// Whether segments cached for one vehicle's route are valid for the other's.
    #[inline]
    pub fn compatible(&self, a: u32, b: u32) -> bool {
        let (x, y) = (&self.vehicles[a as usize], &self.vehicles[b as usize]);
        x.profile == y.profile && x.cap == y.cap
    }

    /// What identifies node `x` as a predecessor on a sheet: itself, except
    /// that reload slots at one place are interchangeable.
    #[inline]
    pub fn link_key(&self, x: u32) -> u32 {
        let n = &self.nodes[x as usize];
        if n.kind == NodeKind::Reload {
            RELOAD_KEY | n.loc
        } else {
            x
        }
    }

    /// 1 if `y` is a printed stop and `x` is not its printed predecessor.
    #[inline]
    pub fn broken(&self, x: u32, y: u32) -> u32 {
        match self.printed_pred.get(y as usize) {
            Some(&k) if k != NONE => (self.link_key(x) != k) as u32,
            _ => 0,
        }
    }

    /// Whether the objective counts changes to a plan (then no distance-only bound holds).
    #[inline]
    pub fn counts_changes(&self) -> bool {
        self.change_penalty != 0 || self.reorder_penalty != 0
    }

    /// The per-kind part of fair shares for kind `k` whose used routes work
    /// `total` seconds together ([`crate::problem::Balance::kind_cost`]).
    #[inline]
    pub fn kind_balance(&self, k: u32, total: i64) -> i64 {
        match self.balance {
            None => 0,
            Some(_) => {
                self.kind_fair[k as usize].kind_cost(total, self.kind_size[k as usize] as usize)
            }
        }
    }

    /// Whether any job pays for being on some vehicle (a plan's change
    /// penalty or a preference): routes then keep their `away` sums.
    #[inline]
    pub fn any_away(&self) -> bool {
        self.change_penalty != 0 || self.any_preference
    }

    /// Penalty of job `job` when served by `vehicle`: instead of its initial
    /// one (re-planning), and instead of the one it prefers.
    #[inline]
    pub fn away(&self, job: u32, vehicle: u32) -> i64 {
        let j = job as usize;
        let h = self.home[j];
        let p = self.preferred[j];
        let mut c = 0;
        if h != NONE && h != vehicle {
            c += self.change_penalty;
        }
        if p != NONE && p != vehicle {
            c += self.preference_cost[j];
        }
        c
    }

    /// Fair-shares cost of a used route of kind `k` lasting `duration`
    /// seconds (0 without balance; beyond the kind's target if it has one):
    /// the per-route part of
    /// [`crate::problem::Balance`]; the state keeps the per-kind part
    /// ([`Data::kind_balance`]).
    #[inline]
    pub fn balance_cost(&self, k: usize, duration: i64) -> i64 {
        match self.balance {
            None => 0,
            Some(_) => self.kind_fair[k].route_cost(duration),
        }
    }
}

fn same_vehicle(a: &crate::problem::Vehicle, b: &crate::problem::Vehicle) -> bool {
    a.profile == b.profile
        && a.start == b.start
        && a.end == b.end
        && a.shift == b.shift
        && a.capacity == b.capacity
        && a.max_duration == b.max_duration
        && a.max_distance == b.max_distance
        && a.max_stops == b.max_stops
        && a.skills == b.skills
        && a.fixed_cost == b.fixed_cost
        && a.cost_per_second == b.cost_per_second
        && a.cost_per_metre == b.cost_per_metre
        && a.reload == b.reload
}
