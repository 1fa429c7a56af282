//! Where a request is: its building's coordinates or its own lat/lon. Shared
//! by the conversion to the solver's model and by compound membership, which
//! the conversion also reads (so neither imports the other for it).

use std::collections::HashMap;

use crate::dto::*;

/// The coordinates of every request's door.
pub fn request_point(
    day: &DayRequest,
    buildings: &HashMap<&str, &Building>,
    r: &Request,
) -> (f64, f64) {
    match (&r.building, r.lat, r.lon) {
        (Some(b), _, _) => buildings
            .get(b.as_str())
            .map_or((f64::NAN, f64::NAN), |b| (b.lat, b.lon)),
        (None, Some(lat), Some(lon)) => (lat, lon),
        _ => {
            let _ = day;
            (f64::NAN, f64::NAN)
        }
    }
}

pub fn building_index(day: &DayRequest) -> HashMap<&str, &Building> {
    day.buildings.iter().map(|b| (b.id.as_str(), b)).collect()
}
