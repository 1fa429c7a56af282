//! A made-up street-office district, authored in code: the test fixture, and
//! the map of `lastmile demo` and `lastmile serve --district` (so the `api`
//! crate enables the `fixtures` feature).
//!
//! Layout in metres east (`x`) and north (`y`) of an origin; streets form a
//! 3 × 2 grid of 400 m blocks:
//!
//! ```text
//!  y=800  +----- Guanghua Rd (tertiary) ---+-------------------+
//!         |               |             / |                   |
//!         | [Taoyuan]     |  Park path /  |  [Xingfu Court]   |
//!         |   (bikes ok)  ^ Wenhua Ln     v Shuguang Ln        |
//!  y=400  +----- Xinhua Rd (secondary) ---+--------- (office) -+
//!         | [Jinxiu]      ^  [Hehua]      v  [Nanyuan]        |
//!         |               | (steps)       |                   |
//!  y=0    +----- Renmin Rd (primary, 50) --+-------------------+
//!         ↓ on-ramp                                  off-ramp ↑
//!  y=-200 ==== Ring Expressway (motorway, eastbound) ===========     (islet at x=1500)
//!        x=0             x=400           x=800              x=1200
//! ```
//!
//! Wenhua Lane (x=400) is one-way northbound except for bicycles; Shuguang Lane
//! (x=800) is one-way southbound for everyone. Each compound has a main gate on
//! its south street (a 40 m private service road), a central path, eight
//! buildings on 30 m connectors, a footway loop and a pedestrian back gate to
//! the north street. Vans may not enter compounds; tricycles only Taoyuan.
//! Hehua's east-side buildings stand on a terrace reached by steps. An islet of
//! footpaths east of the map has no connection and must be dropped.
//!
//! Hand-checked times (5 km/h walking = 0.72 s per metre, steps 1.44 s/m) are in
//! `tests/district.rs`.

use std::collections::HashMap;

use crate::osm::OsmData;

/// Latitude of the district origin (the south-west street corner).
pub const ORIGIN_LAT: f64 = 30.650_0;
/// Longitude of the district origin.
pub const ORIGIN_LON: f64 = 104.050_0;

const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// `(lat, lon)` of a point `x` metres east and `y` metres north of the origin.
pub fn point(x: f64, y: f64) -> (f64, f64) {
    (
        ORIGIN_LAT + y / METRES_PER_DEGREE,
        ORIGIN_LON + x / (METRES_PER_DEGREE * ORIGIN_LAT.to_radians().cos()),
    )
}

/// A residential building of a compound.
#[derive(Clone, Debug, PartialEq)]
pub struct Building {
    /// Building name as residents say it, e.g. "锦绣花园 3栋".
    pub name: String,
    /// `(lat, lon)` of the entrance door.
    pub entrance: (f64, f64),
    /// Storeys (no lift in any of them).
    pub floors: u8,
    /// Whether the connector from the central path is a flight of steps.
    pub steps: bool,
}

/// A gated residential compound.
#[derive(Clone, Debug, PartialEq)]
pub struct Compound {
    /// Chinese name.
    pub name: &'static str,
    /// Pinyin name for logs and file names.
    pub pinyin: &'static str,
    /// `(lat, lon)` of the main gate.
    pub gate: (f64, f64),
    /// `(lat, lon)` of the pedestrian back gate.
    pub back_gate: (f64, f64),
    /// Whether tricycles may enter (vans never may).
    pub bikes_allowed: bool,
    /// The buildings.
    pub buildings: Vec<Building>,
}

struct CompoundSpec {
    name: &'static str,
    pinyin: &'static str,
    block: (f64, f64),
    bikes: bool,
    steps_east: bool,
}

const COMPOUNDS: [CompoundSpec; 5] = [
    CompoundSpec {
        name: "锦绣花园",
        pinyin: "Jinxiu Garden",
        block: (0.0, 0.0),
        bikes: false,
        steps_east: false,
    },
    CompoundSpec {
        name: "荷花小区",
        pinyin: "Hehua Compound",
        block: (400.0, 0.0),
        bikes: false,
        steps_east: true,
    },
    CompoundSpec {
        name: "南苑小区",
        pinyin: "Nanyuan Estate",
        block: (800.0, 0.0),
        bikes: false,
        steps_east: false,
    },
    CompoundSpec {
        name: "桃源小区",
        pinyin: "Taoyuan Compound",
        block: (0.0, 400.0),
        bikes: true,
        steps_east: false,
    },
    CompoundSpec {
        name: "幸福苑",
        pinyin: "Xingfu Court",
        block: (800.0, 400.0),
        bikes: false,
        steps_east: false,
    },
];

/// Rows of buildings, metres north of the compound's south street.
const ROWS: [f64; 4] = [100.0, 160.0, 220.0, 280.0];

/// The street office (depot) on Xinhua Road.
pub fn street_office() -> (f64, f64) {
    point(1100.0, 400.0)
}

/// The compounds with their gates and buildings.
pub fn compounds() -> Vec<Compound> {
    COMPOUNDS
        .iter()
        .map(|c| {
            let (bx, by) = c.block;
            let mut buildings = Vec::new();
            let mut no = 1;
            for (r, &row) in ROWS.iter().enumerate() {
                for (side, dx) in [(0, -30.0), (1, 30.0)] {
                    buildings.push(Building {
                        name: format!("{} {}栋", c.name, no),
                        entrance: point(bx + 200.0 + dx, by + row),
                        floors: 6 + ((r + side) % 2) as u8,
                        steps: c.steps_east && side == 1,
                    });
                    no += 1;
                }
            }
            Compound {
                name: c.name,
                pinyin: c.pinyin,
                gate: point(bx + 200.0, by + 40.0),
                back_gate: point(bx + 200.0, by + 340.0),
                bikes_allowed: c.bikes,
                buildings,
            }
        })
        .collect()
}

/// Authoring helper: nodes are created on demand by position (to the
/// decimetre), so ways that meet at a coordinate share a node — a junction.
struct Author {
    data: OsmData,
    by_pos: HashMap<(i64, i64), i64>,
    next_node: i64,
    next_way: i64,
}

impl Author {
    fn node(&mut self, x: f64, y: f64) -> i64 {
        let key = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
        if let Some(&id) = self.by_pos.get(&key) {
            return id;
        }
        let id = self.next_node;
        self.next_node += 1;
        let (lat, lon) = point(x, y);
        self.data.add_node(id, lat, lon);
        self.by_pos.insert(key, id);
        id
    }

    /// A way through `pts`, with extra nodes every `step` metres on each leg.
    fn way(&mut self, pts: &[(f64, f64)], step: f64, tags: &[(&str, &str)]) {
        let mut refs = vec![self.node(pts[0].0, pts[0].1)];
        for w in pts.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
            let k = (len / step).ceil().max(1.0) as usize;
            for i in 1..=k {
                let t = i as f64 / k as f64;
                refs.push(self.node(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t));
            }
        }
        let id = self.next_way;
        self.next_way += 1;
        self.data.add_way(id, refs, tags);
    }
}

/// The district prepared for queries (every profile): what the demo serves
/// and what the other crates' tests plan on.
pub fn prepared() -> crate::PreparedGraphs {
    crate::PreparedGraphs::from_osm(
        &osm_data(),
        std::path::Path::new("district"),
        &crate::NoProgress,
    )
    .expect("the made-up district builds")
    .0
}

/// The district as OSM data (nodes and ways with real OSM tags).
pub fn osm_data() -> OsmData {
    let mut a = Author {
        data: OsmData::default(),
        by_pos: HashMap::new(),
        next_node: 1,
        next_way: 1,
    };
    let street = 25.0;
    // East-west roads.
    a.way(
        &[(0.0, 0.0), (1200.0, 0.0)],
        street,
        &[
            ("highway", "primary"),
            ("name", "人民路"),
            ("maxspeed", "50"),
        ],
    );
    a.way(
        &[(0.0, 400.0), (1200.0, 400.0)],
        street,
        &[("highway", "secondary"), ("name", "新华路")],
    );
    a.way(
        &[(0.0, 800.0), (1200.0, 800.0)],
        street,
        &[("highway", "tertiary"), ("name", "光华路")],
    );
    // North-south lanes.
    a.way(
        &[(0.0, 0.0), (0.0, 800.0)],
        street,
        &[("highway", "residential"), ("name", "西巷")],
    );
    a.way(
        &[(400.0, 0.0), (400.0, 800.0)],
        street,
        &[
            ("highway", "residential"),
            ("name", "文化巷"),
            ("oneway", "yes"),
            ("oneway:bicycle", "no"),
        ],
    );
    a.way(
        &[(800.0, 800.0), (800.0, 0.0)],
        street,
        &[
            ("highway", "residential"),
            ("name", "曙光巷"),
            ("oneway", "yes"),
        ],
    );
    a.way(
        &[(1200.0, 0.0), (1200.0, 800.0)],
        street,
        &[("highway", "residential"), ("name", "东巷")],
    );
    // The expressway and its ramps (motorway implies one-way).
    a.way(
        &[(-300.0, -200.0), (1500.0, -200.0)],
        100.0,
        &[
            ("highway", "motorway"),
            ("name", "环城高速"),
            ("ref", "G4202"),
        ],
    );
    a.way(
        &[(0.0, 0.0), (0.0, -200.0)],
        100.0,
        &[("highway", "motorway_link")],
    );
    a.way(
        &[(1200.0, -200.0), (1200.0, 0.0)],
        100.0,
        &[("highway", "motorway_link")],
    );
    // A park path cutting diagonally across the middle-north block.
    a.way(
        &[(400.0, 400.0), (800.0, 800.0)],
        80.0,
        &[("highway", "footway"), ("name", "公园步道")],
    );
    // The compounds.
    for c in &COMPOUNDS {
        let (bx, by) = c.block;
        let cx = bx + 200.0;
        let private: Vec<(&str, &str)> = if c.bikes {
            vec![
                ("highway", "service"),
                ("access", "private"),
                ("bicycle", "yes"),
            ]
        } else {
            vec![("highway", "service"), ("access", "private")]
        };
        a.way(&[(cx, by), (cx, by + 40.0)], 40.0, &private);
        let mut central = vec![(cx, by + 40.0)];
        central.extend(ROWS.iter().map(|&r| (cx, by + r)));
        central.push((cx, by + 340.0));
        a.way(&central, 100.0, &private);
        for (side, dx) in [(0, -30.0), (1, 30.0)] {
            for &row in &ROWS {
                let tags: &[(&str, &str)] = if c.steps_east && side == 1 {
                    &[("highway", "steps"), ("step_count", "60")]
                } else {
                    &[("highway", "footway")]
                };
                a.way(&[(cx, by + row), (cx + dx, by + row)], 30.0, tags);
            }
        }
        // Footway loop around the buildings, from the gate to the back gate.
        a.way(
            &[
                (cx, by + 40.0),
                (cx - 80.0, by + 40.0),
                (cx - 80.0, by + 340.0),
                (cx, by + 340.0),
            ],
            60.0,
            &[("highway", "footway")],
        );
        a.way(
            &[
                (cx, by + 40.0),
                (cx + 80.0, by + 40.0),
                (cx + 80.0, by + 340.0),
                (cx, by + 340.0),
            ],
            60.0,
            &[("highway", "footway")],
        );
        // Pedestrian back gate to the north street.
        a.way(
            &[(cx, by + 340.0), (cx, by + 400.0)],
            60.0,
            &[("highway", "footway"), ("barrier", "gate")],
        );
    }
    // The unconnected islet.
    a.way(
        &[
            (1500.0, 100.0),
            (1560.0, 100.0),
            (1560.0, 160.0),
            (1500.0, 160.0),
            (1500.0, 100.0),
        ],
        60.0,
        &[("highway", "footway"), ("name", "小岛步道")],
    );
    a.data
}

/// The district written as an OSM PBF file (deterministic bytes).
pub fn pbf_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    crate::pbf_writer::write_pbf(&osm_data(), &mut out).expect("writing to memory cannot fail");
    out
}
