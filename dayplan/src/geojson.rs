//! GeoJSON of a plan for GIS tools: one LineString per squad along the roads,
//! one Point per stop and per unserved request.
//!
//! Deliberately without personal data (no names, phones, notes): a GIS layer
//! travels further than a volunteer's sheet. Coordinates are `[lon, lat]` as
//! RFC 7946 requires.

use serde_json::{json, Value};

use crate::dto::PlanResult;

/// The route geometry of one squad: legs along the roads, in (lat, lon).
pub struct RouteGeometry<'a> {
    pub squad: &'a str,
    pub legs: &'a [Vec<(f64, f64)>],
}

/// `unserved_at` gives the location of an unserved request, if known.
pub fn plan_geojson(
    plan: &PlanResult,
    geometry: &[RouteGeometry],
    unserved_at: &dyn Fn(&str) -> Option<(f64, f64)>,
) -> Value {
    let mut features = Vec::new();
    for g in geometry {
        let Some(route) = plan.routes.iter().find(|r| r.squad == g.squad) else {
            continue;
        };
        let mut coords: Vec<[f64; 2]> = Vec::new();
        for leg in g.legs {
            for &(lat, lon) in leg {
                let c = [round6(lon), round6(lat)];
                if coords.last() != Some(&c) {
                    coords.push(c);
                }
            }
        }
        if coords.len() == 1 {
            coords.push(coords[0]);
        }
        if coords.len() >= 2 {
            features.push(json!({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "kind": "route",
                    "squad": route.squad,
                    "profile": route.profile,
                    "stops": route.stops.len(),
                    "distance_m": route.distance_m,
                    "duration_s": route.duration_s,
                    "start": route.start,
                    "end": route.end,
                    "sheet_version": route.sheet_version,
                }
            }));
        }
    }
    for r in &plan.routes {
        for s in &r.stops {
            features.push(json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round6(s.lon), round6(s.lat)]},
                "properties": {
                    "kind": "stop",
                    "stop_kind": s.kind,
                    "squad": r.squad,
                    "seq": s.seq,
                    "request": s.request,
                    "eta": s.eta,
                    "trip": s.trip,
                }
            }));
        }
    }
    for u in &plan.unserved {
        if let Some((lat, lon)) = unserved_at(&u.request) {
            features.push(json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round6(lon), round6(lat)]},
                "properties": {"kind": "unserved", "request": u.request, "reason": u.reason}
            }));
        }
    }
    json!({"type": "FeatureCollection", "features": features})
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
