//! Plane geometry for the compound finder: the even-odd point-in-ring test,
//! areas and centroids, distances to a ring and segment intersections.
//!
//! A compound is at most a couple of kilometres across, so each one is measured
//! in a local plane (metres north and east of one of its corners): the error of
//! that projection is far below the metres the finder works in, and every test
//! becomes a few multiplications instead of spherical trigonometry.

/// Metres per degree of latitude on the mean Earth sphere (the radius
/// [`crate::distance::haversine_m`] uses).
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// Parameter tolerance for intersections: segments that touch count as meeting.
const EPS_T: f64 = 1e-9;

/// Whether `(lat, lon)` lies inside `ring` (`[lat, lon]` pairs), by the
/// even-odd rule: a ray from the point crosses the ring's edges an odd number
/// of times. The ring may repeat its first vertex at the end or not; a
/// self-intersecting ring's overlaps alternate in and out. A ring of fewer
/// than three points contains nothing, and coordinates that are not numbers
/// are outside. A point exactly on an edge may come out either way, so
/// callers that care (the finder's gate search) measure the distance to the
/// boundary instead.
///
/// It only compares and interpolates coordinates, so it works the same on any
/// pair of axes, e.g. metres north and east in a local plane.
pub fn point_in_ring(lat: f64, lon: f64, ring: &[[f64; 2]]) -> bool {
    if ring.len() < 3 {
        return false;
    }
    let mut inside = false;
    let mut j = ring.len() - 1;
    for i in 0..ring.len() {
        let [yi, xi] = ring[i];
        let [yj, xj] = ring[j];
        // Half-open in latitude, so a ray through a vertex counts it once.
        if (yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// A local plane around one point: `[north, east]` in metres.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Local {
    lat0: f64,
    lon0: f64,
    /// Metres per degree of longitude at `lat0`.
    kx: f64,
}

impl Local {
    /// The plane whose origin is `[lat, lon]`.
    pub(crate) fn at([lat, lon]: [f64; 2]) -> Local {
        Local {
            lat0: lat,
            lon0: lon,
            kx: M_PER_DEG * lat.to_radians().cos(),
        }
    }

    /// `[lat, lon]` to `[north, east]` metres.
    pub(crate) fn xy(&self, [lat, lon]: [f64; 2]) -> [f64; 2] {
        [(lat - self.lat0) * M_PER_DEG, (lon - self.lon0) * self.kx]
    }

    /// `[north, east]` metres back to `[lat, lon]`.
    pub(crate) fn latlon(&self, [n, e]: [f64; 2]) -> [f64; 2] {
        let lon = if self.kx > 0.0 {
            self.lon0 + e / self.kx
        } else {
            self.lon0
        };
        [self.lat0 + n / M_PER_DEG, lon]
    }
}

/// Degrees of latitude and of longitude that `m` metres span at `lat`, to
/// widen a search box.
pub(crate) fn degrees_for(m: f64, lat: f64) -> [f64; 2] {
    let cos = lat.to_radians().cos().max(1e-6);
    [m / M_PER_DEG, m / (M_PER_DEG * cos)]
}

/// Signed shoelace sum over a ring (twice the signed area), closing it if needed.
fn twice_signed_area(ring: &[[f64; 2]]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let [y0, x0] = ring[i];
            let [y1, x1] = ring[(i + 1) % n];
            x0 * y1 - x1 * y0
        })
        .sum()
}

/// Area enclosed by a ring in the plane (m² for a ring in metres).
pub(crate) fn ring_area(ring: &[[f64; 2]]) -> f64 {
    twice_signed_area(ring).abs() / 2.0
}

/// Centroid of the surface a ring encloses; the mean of its vertices when it
/// encloses none (a degenerate outline), `None` for an empty ring.
pub(crate) fn ring_centroid(ring: &[[f64; 2]]) -> Option<[f64; 2]> {
    // A repeated closing vertex would weigh twice in the mean.
    let pts = match ring {
        [first, .., last] if first == last => &ring[..ring.len() - 1],
        _ => ring,
    };
    if pts.is_empty() {
        return None;
    }
    // Relative to the first vertex, so large coordinates lose no precision.
    let [oy, ox] = pts[0];
    let rel: Vec<[f64; 2]> = pts.iter().map(|[y, x]| [y - oy, x - ox]).collect();
    let a2 = twice_signed_area(&rel);
    let n = rel.len();
    let extent = rel
        .iter()
        .flat_map(|p| p.iter().map(|c| c.abs()))
        .fold(0.0, f64::max);
    if a2.abs() <= 1e-12 * extent * extent || !a2.is_finite() {
        let [sy, sx] = rel
            .iter()
            .fold([0.0, 0.0], |[sy, sx], [y, x]| [sy + y, sx + x]);
        return Some([oy + sy / n as f64, ox + sx / n as f64]);
    }
    let (mut cy, mut cx) = (0.0, 0.0);
    for i in 0..n {
        let [y0, x0] = rel[i];
        let [y1, x1] = rel[(i + 1) % n];
        let cross = x0 * y1 - x1 * y0;
        cy += (y0 + y1) * cross;
        cx += (x0 + x1) * cross;
    }
    Some([oy + cy / (3.0 * a2), ox + cx / (3.0 * a2)])
}

/// Distance from `p` to segment `ab` and the parameter of the nearest point.
pub(crate) fn to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, f64) {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = lerp(a, b, t);
    ((p[0] - q[0]).hypot(p[1] - q[1]), t)
}

/// Distance from `p` to a ring's boundary and where along the ring the nearest
/// point lies (edge index plus the parameter on that edge), `None` for a ring
/// without edges.
pub(crate) fn to_ring(p: [f64; 2], ring: &[[f64; 2]]) -> Option<(f64, f64)> {
    ring.windows(2)
        .enumerate()
        .map(|(i, e)| {
            let (d, t) = to_segment(p, e[0], e[1]);
            (d, i as f64 + t)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
}

/// The point at `t` along `ab`.
pub(crate) fn lerp(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

/// Pushes onto `out` the parameters along `ab` where it meets `cd`: the
/// crossing point, both ends of a collinear overlap, nothing when apart.
/// Touching counts as meeting, so a road that passes exactly through a fence
/// corner is seen.
pub(crate) fn meet_params(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2], out: &mut Vec<f64>) {
    let r = [b[0] - a[0], b[1] - a[1]];
    let s = [d[0] - c[0], d[1] - c[1]];
    let ac = [c[0] - a[0], c[1] - a[1]];
    let cross = |u: [f64; 2], v: [f64; 2]| u[0] * v[1] - u[1] * v[0];
    let denom = cross(r, s);
    let rr = r[0] * r[0] + r[1] * r[1];
    let scale = rr.sqrt() * (s[0] * s[0] + s[1] * s[1]).sqrt();
    if denom.abs() > 1e-12 * scale {
        let t = cross(ac, s) / denom;
        let u = cross(ac, r) / denom;
        if (-EPS_T..=1.0 + EPS_T).contains(&t) && (-EPS_T..=1.0 + EPS_T).contains(&u) {
            out.push(t.clamp(0.0, 1.0));
        }
        return;
    }
    // Parallel: only a collinear overlap (within a micrometre) meets.
    if rr == 0.0 || cross(ac, r).abs() > 1e-6 * rr.sqrt() {
        return;
    }
    let proj = |q: [f64; 2]| ((q[0] - a[0]) * r[0] + (q[1] - a[1]) * r[1]) / rr;
    let (t0, t1) = (proj(c), proj(d));
    let (lo, hi) = (t0.min(t1).max(0.0), t0.max(t1).min(1.0));
    if lo <= hi {
        out.push(lo);
        out.push(hi);
    }
}
