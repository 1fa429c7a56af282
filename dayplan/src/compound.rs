//! Which compound each door lies in, and who may go there.
//!
//! On a lockdown day (`options.vehicles_enter_compounds: false`) vans and
//! tricycles stop at compound gates; only walking squads go through the
//! fence to the doors. A request belongs to a compound when its building is
//! listed in the compound, or when its lat/lon lies inside the compound's
//! boundary ring. The solver learns the rule as allowed vehicles per job
//! ([`crate::convert::build_problem`]); [`crate::echelon`] plans the drops.

use std::collections::HashMap;

use crate::dto::*;
use crate::places::{building_index, request_point};

/// Per request: the index of its compound in `day.compounds`, if any.
pub fn membership(day: &DayRequest) -> Vec<Option<usize>> {
    if day.compounds.is_empty() {
        return vec![None; day.requests.len()];
    }
    let by_building = by_building(day);
    let buildings = building_index(day);
    day.requests
        .iter()
        .map(|r| place_of(day, &by_building, &buildings, r))
        .collect()
}

/// The compound of one request (an urgent order at the desk), if any.
pub fn compound_of(day: &DayRequest, r: &Request) -> Option<usize> {
    if day.compounds.is_empty() {
        return None;
    }
    place_of(day, &by_building(day), &building_index(day), r)
}

/// Whether squad `k` may go to `r`'s door today: behind a closed fence only
/// on foot, a gate drop only with a vehicle (the rule of
/// [`squads_allowed`], for one request).
pub fn may_go(day: &DayRequest, r: &Request, k: usize) -> bool {
    let foot = on_foot(&day.squads[k]);
    if r.gate_drop.is_some() {
        return !foot;
    }
    foot || !closed(day) || compound_of(day, r).is_none()
}

fn by_building(day: &DayRequest) -> HashMap<&str, usize> {
    day.compounds
        .iter()
        .enumerate()
        .flat_map(|(c, comp)| comp.buildings.iter().map(move |b| (b.as_str(), c)))
        .collect()
}

fn place_of(
    day: &DayRequest,
    by_building: &HashMap<&str, usize>,
    buildings: &HashMap<&str, &Building>,
    r: &Request,
) -> Option<usize> {
    if r.gate_drop.is_some() {
        return None;
    }
    if let Some(c) = r.building.as_deref().and_then(|b| by_building.get(b)) {
        return Some(*c);
    }
    let (lat, lon) = request_point(day, buildings, r);
    day.compounds.iter().position(|comp| {
        comp.boundary.len() >= 3 && geo_data::compounds::point_in_ring(lat, lon, &comp.boundary)
    })
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

/// Compounds found in OSM ([`geo_data::compounds::find_compounds`]) in the
/// day's format, for a coordinator to review: each gate becomes a depot of
/// kind `gate`, each building inside a building, each compound a
/// [`Compound`] naming them. A compound with no gate candidate in the data
/// (most of China's mapped compounds: their outlines sit inside the streets
/// and no mapped road enters) gets one at the corner of its outline nearest
/// to a road vans can drive (`graphs`' car graph), named so that a reviewer
/// checks it; without a car graph such compounds are left out.
pub fn from_osm(
    found: &[geo_data::compounds::FoundCompound],
    graphs: &geo_data::PreparedGraphs,
) -> OsmCompounds {
    let car = graphs.graph(geo_data::Profile::Car);
    let mut out = OsmCompounds::default();
    for (n, f) in found.iter().enumerate() {
        let id = format!("osm{}", f.osm_way);
        let name = f
            .name
            .clone()
            .unwrap_or_else(|| format!("小区 {} (OSM way {})", n + 1, f.osm_way));
        let mut gates: Vec<(f64, f64, String)> = f
            .gates
            .iter()
            .map(|g| {
                let what = match g.kind {
                    geo_data::compounds::GateKind::Tagged => "大门 gate",
                    geo_data::compounds::GateKind::RoadCrossing => "路口 road entrance",
                };
                let label = g
                    .name
                    .as_deref()
                    .map_or(what.to_string(), |x| format!("{what} {x}"));
                (g.lat, g.lon, label)
            })
            .collect();
        if gates.is_empty() {
            let nearest = car.and_then(|pg| {
                f.boundary
                    .iter()
                    .filter_map(|&[lat, lon]| {
                        pg.snap(lat, lon)
                            .ok()
                            .map(|s| (s.snap_distance_m(), lat, lon))
                    })
                    .min_by(|a, b| a.0.total_cmp(&b.0))
            });
            match nearest {
                Some((_, lat, lon)) => gates.push((lat, lon, "大门（待核实）gate to check".into())),
                None => continue,
            }
        }
        let gate_ids: Vec<String> = (0..gates.len())
            .map(|k| format!("{id}-g{}", k + 1))
            .collect();
        for ((lat, lon, label), gid) in gates.into_iter().zip(&gate_ids) {
            out.depots.push(Depot {
                id: gid.clone(),
                name: format!("{name} {label}"),
                lat,
                lon,
                kind: DepotKind::Gate,
            });
        }
        let building_ids: Vec<String> = f
            .buildings
            .iter()
            .map(|b| {
                let bid = format!("osm{}", b.osm_way);
                // Overlapping compounds may both hold a building: listed once.
                if out.buildings.iter().any(|x| x.id == bid) {
                    return bid;
                }
                out.buildings.push(Building {
                    id: bid.clone(),
                    name: b.name.clone(),
                    lat: b.lat,
                    lon: b.lon,
                    lift: false,
                });
                bid
            })
            .collect();
        out.compounds.push(Compound {
            id,
            name,
            gates: gate_ids,
            buildings: building_ids,
            boundary: f.boundary.clone(),
        });
    }
    out
}

/// Compounds in the day's format, with the depots (gates) and buildings
/// they name: what `lastmile compounds` writes.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct OsmCompounds {
    pub depots: Vec<Depot>,
    pub buildings: Vec<Building>,
    pub compounds: Vec<Compound>,
}
