//! Which compound each door lies in, and who may go there.
//!
//! On a lockdown day (`options.vehicles_enter_compounds: false`) vans and
//! tricycles stop at compound gates; only walking squads go through the
//! fence to the doors. A request belongs to a compound when its building is
//! listed in the compound, or when its lat/lon lies inside the compound's
//! boundary ring. The solver learns the rule as allowed vehicles per job
//! ([`crate::convert::build_problem`]); [`crate::echelon`] plans the drops.

use std::collections::HashMap;

use crate::convert::{building_index, request_point};
use crate::dto::*;

/// Per request: the index of its compound in `day.compounds`, if any.
pub fn membership(day: &DayRequest) -> Vec<Option<usize>> {
    if day.compounds.is_empty() {
        return vec![None; day.requests.len()];
    }
    let by_building: HashMap<&str, usize> = day
        .compounds
        .iter()
        .enumerate()
        .flat_map(|(c, comp)| comp.buildings.iter().map(move |b| (b.as_str(), c)))
        .collect();
    let buildings = building_index(day);
    day.requests
        .iter()
        .map(|r| {
            if r.gate_drop.is_some() {
                return None;
            }
            if let Some(c) = r.building.as_deref().and_then(|b| by_building.get(b)) {
                return Some(*c);
            }
            let (lat, lon) = request_point(day, &buildings, r);
            day.compounds.iter().position(|comp| {
                comp.boundary.len() >= 3 && point_in_ring(lat, lon, &comp.boundary)
            })
        })
        .collect()
}

/// Whether vehicles stay outside compounds today.
pub fn closed(day: &DayRequest) -> bool {
    !day.options.vehicles_enter_compounds && !day.compounds.is_empty()
}

/// Whether squad `s` moves on foot (may pass a compound's fence when
/// vehicles may not).
pub fn on_foot(s: &Squad) -> bool {
    s.profile == Profile::Walk
}

/// Per request, the squads that may serve it because of where it is, or
/// `None` when any may: behind a closed fence only walking squads; a van's
/// gate drop only squads with a vehicle. (A request's own `squad` narrows
/// this further in [`crate::convert`].)
pub fn squads_allowed(day: &DayRequest) -> Vec<Option<Vec<usize>>> {
    let closed = closed(day);
    let members = membership(day);
    let walkers: Vec<usize> = (0..day.squads.len())
        .filter(|&k| on_foot(&day.squads[k]))
        .collect();
    let vehicles: Vec<usize> = (0..day.squads.len())
        .filter(|&k| !on_foot(&day.squads[k]))
        .collect();
    day.requests
        .iter()
        .zip(&members)
        .map(|(r, m)| {
            if r.gate_drop.is_some() {
                Some(vehicles.clone())
            } else if closed && m.is_some() {
                Some(walkers.clone())
            } else {
                None
            }
        })
        .collect()
}

/// Even-odd rule on a `[lat, lon]` ring (compounds are small: planar is exact enough).
pub fn point_in_ring(lat: f64, lon: f64, ring: &[[f64; 2]]) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let [ay, ax] = ring[i];
        let [by, bx] = ring[(i + n - 1) % n];
        if (ay > lat) != (by > lat) && lon < (bx - ax) * (lat - ay) / (by - ay) + ax {
            inside = !inside;
        }
    }
    inside
}
