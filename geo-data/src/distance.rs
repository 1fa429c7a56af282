//! Distances on the sphere, for the modules that measure straight lines: the
//! graph builder (segment lengths), snapping (snap distance, door to door)
//! and the oracle. A module of its own so that none of them has to import
//! another for one function.

use geo::{Distance, Haversine, Point};

/// Great-circle distance between two `(lat, lon)` pairs in metres (mean Earth radius).
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0))
}
