//! A large synthetic city for benchmarks: a jittered street grid with OSM-like
//! shape nodes along every street, a few arterial roads and some one-way
//! streets, returned as [`OsmData`] so it goes through the same import as a
//! real extract.

use crate::osm::OsmData;

/// Parameters of a synthetic city.
#[derive(Clone, Copy, Debug)]
pub struct CityConfig {
    /// Intersections east-west.
    pub width: u32,
    /// Intersections north-south.
    pub height: u32,
    /// Street length between intersections, metres.
    pub block_m: f64,
    /// Intermediate (shape) nodes on each street, like OSM geometry.
    pub shape_nodes: u32,
    /// Random seed (same seed, same city).
    pub seed: u64,
}

impl CityConfig {
    /// About `nodes` nodes in total (intersections plus shape nodes).
    pub fn with_nodes(nodes: u32, seed: u64) -> CityConfig {
        let shape_nodes = 3;
        // Each intersection brings itself plus two streets' shape nodes.
        let side = ((nodes as f64 / (1.0 + 2.0 * shape_nodes as f64)).sqrt()).ceil() as u32;
        CityConfig {
            width: side,
            height: side,
            block_m: 100.0,
            shape_nodes,
            seed,
        }
    }
}

/// SplitMix64: a tiny deterministic generator, enough for jitter and choices
/// (a dependency would be heavier than these few lines).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Generates the city centred on (30.65, 104.05).
pub fn city(cfg: &CityConfig) -> OsmData {
    let mut rng = Rng(cfg.seed);
    let mut data = OsmData::default();
    let (lat0, lon0) = (30.65, 104.05);
    let m_per_deg = 6_371_008.8 * std::f64::consts::PI / 180.0;
    let to_ll = |x: f64, y: f64| {
        (
            lat0 + y / m_per_deg,
            lon0 + x / (m_per_deg * lat0.to_radians().cos()),
        )
    };
    let (w, h) = (cfg.width as i64, cfg.height as i64);
    let mut xy = Vec::with_capacity((w * h) as usize);
    for j in 0..h {
        for i in 0..w {
            let jx = (rng.unit() - 0.5) * cfg.block_m * 0.3;
            let jy = (rng.unit() - 0.5) * cfg.block_m * 0.3;
            let (x, y) = (i as f64 * cfg.block_m + jx, j as f64 * cfg.block_m + jy);
            let (lat, lon) = to_ll(x, y);
            data.add_node(j * w + i, lat, lon);
            xy.push((x, y));
        }
    }
    let mut next_node = w * h;
    let mut next_way = 1i64;
    let mut street = |data: &mut OsmData, rng: &mut Rng, a: i64, b: i64, arterial: bool| {
        // Residential streets: 4 % missing (dead ends, blocks merged), 10 % one-way.
        if !arterial && rng.unit() < 0.04 {
            return;
        }
        let (pa, pb) = (xy[a as usize], xy[b as usize]);
        let bend = (rng.unit() - 0.5) * cfg.block_m * 0.1;
        let mut refs = vec![a];
        for k in 1..=cfg.shape_nodes {
            let t = k as f64 / (cfg.shape_nodes + 1) as f64;
            let s = (t * std::f64::consts::PI).sin() * bend;
            let (dx, dy) = (pb.0 - pa.0, pb.1 - pa.1);
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            let (x, y) = (pa.0 + dx * t - dy / len * s, pa.1 + dy * t + dx / len * s);
            let (lat, lon) = to_ll(x, y);
            data.add_node(next_node, lat, lon);
            refs.push(next_node);
            next_node += 1;
        }
        refs.push(b);
        let mut tags: Vec<(&str, &str)> =
            vec![("highway", if arterial { "primary" } else { "residential" })];
        if !arterial && rng.unit() < 0.10 {
            tags.push(("oneway", "yes"));
        }
        data.add_way(next_way, refs, &tags);
        next_way += 1;
    };
    for j in 0..h {
        for i in 0..w {
            let v = j * w + i;
            if i + 1 < w {
                street(&mut data, &mut rng, v, v + 1, j % 10 == 0);
            }
            if j + 1 < h {
                street(&mut data, &mut rng, v, v + w, i % 10 == 0);
            }
        }
    }
    data
}
