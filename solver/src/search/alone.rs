//! Can a vehicle serve a job on an otherwise empty route? The first filter of
//! every insertion, and the source of honest reasons for jobs no vehicle can
//! ever serve. [`mark_servable`] records the answers in the search data.

use crate::search::data::{Data, NONE, NO_LIMIT};
use crate::search::schedule::forward;
use crate::search::segment::NOWHERE;
use crate::solution::UnassignedReason;

/// How far a job got in the checks against one vehicle; the order is the
/// order of the checks, so the furthest stage over all vehicles is the most
/// specific reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    /// Not among the job's allowed vehicles (its responsible squad).
    Assigned,
    Skills,
    Capacity,
    Reach,
    Window,
    Ride,
    Shift,
}

impl Stage {
    pub fn reason(self) -> UnassignedReason {
        match self {
            Stage::Assigned => UnassignedReason::NoAllowedVehicle,
            Stage::Skills => UnassignedReason::NoSkilledVehicle,
            Stage::Capacity => UnassignedReason::OverCapacity,
            Stage::Reach => UnassignedReason::Unreachable,
            Stage::Window => UnassignedReason::WindowUnreachable,
            Stage::Ride => UnassignedReason::RideTooLong,
            Stage::Shift => UnassignedReason::ShiftTooShort,
        }
    }
}

/// `Ok` if vehicle `v` can serve job `j` alone, else the failing stage.
pub(crate) fn fits_alone<const D: usize>(data: &Data<'_, D>, j: u32, v: u32) -> Result<(), Stage> {
    let job = data.problem.job(crate::problem::JobIdx(j));
    let veh = data.problem.vehicle(crate::problem::VehicleIdx(v));
    if !data
        .problem
        .may_serve(crate::problem::JobIdx(j), crate::problem::VehicleIdx(v))
    {
        return Err(Stage::Assigned);
    }
    if !veh.skills.covers(job.skills) {
        return Err(Stage::Skills);
    }
    if job.demand.iter().zip(&veh.capacity).any(|(d, c)| d > c) {
        return Err(Stage::Capacity);
    }
    let vd = &data.vehicles[v as usize];
    let [a, b] = data.job_nodes[j as usize];
    let m = data.matrix(v);
    let reach = |x: u32, y: u32| {
        x == NOWHERE
            || y == NOWHERE
            || m.reachable(crate::problem::LocIdx(x), crate::problem::LocIdx(y))
    };
    let (s, e) = (
        data.nodes[vd.start_node as usize].loc,
        data.nodes[vd.end_node as usize].loc,
    );
    let la = data.nodes[a as usize].loc;
    let lb = if b == NONE {
        la
    } else {
        data.nodes[b as usize].loc
    };
    if !reach(s, la) || !reach(la, lb) || !reach(lb, e) {
        return Err(Stage::Reach);
    }
    // Try every combination of windows: feasible if one combination is. A
    // delivery with a carry limit may also be loaded at a reload location.
    let wa = &data.nodes[a as usize].windows;
    let wb: &[(i64, i64)] = if b == NONE {
        &[(0, 0)]
    } else {
        &data.nodes[b as usize].windows
    };
    let tasks: Vec<u32> = if b == NONE { vec![a] } else { vec![a, b] };
    let mut seqs = vec![[&[vd.start_node][..], &tasks, &[vd.end_node]].concat()];
    if data.nodes[a as usize].max_carry != NO_LIMIT {
        let mut seen = Vec::new();
        for &r in &vd.reloads {
            let l = data.nodes[r as usize].loc;
            if !seen.contains(&l) && reach(s, l) && reach(l, la) {
                seen.push(l);
                seqs.push([&[vd.start_node, r][..], &tasks, &[vd.end_node]].concat());
            }
        }
    }
    let mut window_ok = false;
    let mut ride_ok = false;
    for seq in &seqs {
        for &x in wa {
            for &y in wb {
                let f = forward(
                    data,
                    v,
                    seq,
                    |n| {
                        let node = &data.nodes[n as usize];
                        if n == a {
                            node.seg(x)
                        } else if n == b {
                            node.seg(y)
                        } else {
                            node.seg(node.windows[0])
                        }
                    },
                    None,
                );
                if f.job_warp != 0 {
                    continue;
                }
                window_ok = true;
                if f.ride_excess != 0 || f.carry_excess != 0 {
                    continue;
                }
                ride_ok = true;
                let seg = f.seg;
                if f.end_warp == 0
                    && seg.tw == 0
                    && seg.dur <= vd.max_dur
                    && seg.dist <= vd.max_dist
                    && seg.stops <= vd.max_stops
                {
                    return Ok(());
                }
            }
        }
    }
    if ride_ok {
        Err(Stage::Shift)
    } else if window_ok {
        Err(Stage::Ride)
    } else {
        Err(Stage::Window)
    }
}

/// Fills which vehicles may serve which job in `data`: a vehicle may serve a
/// job it [fits alone](fits_alone); a job no vehicle fits is never inserted
/// (and is reported with [`alone_reason`]), and its tasks start no move.
pub(crate) fn mark_servable<const D: usize>(data: &mut Data<'_, D>) {
    let njobs = data.job_nodes.len();
    let words = data.words;
    for j in 0..njobs {
        for v in 0..data.vehicles.len() {
            if fits_alone(data, j as u32, v as u32).is_ok() {
                data.allowed[j * words + v / 64] |= 1 << (v % 64);
                data.servable[j] = true;
            }
        }
    }
    data.all_allowed = (0..njobs).all(|j| {
        !data.servable[j] || (0..data.vehicles.len() as u32).all(|v| data.can_serve(j as u32, v))
    });
    data.clients = (0..njobs)
        .filter(|&j| data.servable[j])
        .flat_map(|j| data.job_nodes[j].into_iter().filter(|&n| n != NONE))
        .collect();
}

/// The reason a job no vehicle can serve alone is left out.
pub(crate) fn alone_reason<const D: usize>(data: &Data<'_, D>, j: u32) -> UnassignedReason {
    (0..data.vehicles.len() as u32)
        .map(|v| match fits_alone(data, j, v) {
            Ok(()) => Stage::Shift,
            Err(s) => s,
        })
        .max()
        .unwrap_or(Stage::Assigned)
        .reason()
}
