//! A realistic made-up day for `lastmile demo`, the README's first command.
//!
//! On the made-up district (geo-data's fixture): the street office, a
//! pharmacy, the five compound gates, the forty buildings, a dozen squads
//! mostly on foot from the gates, and a few hundred requests of the kinds the
//! domain brief lists (food parcels with a 10 kg rice sack, chilled milk,
//! medicine bought at the pharmacy with a deadline, welfare checks before
//! 09:00, urgent orders). On a real extract, the same day is drawn around
//! the centre of the walking graph. Seeded: the same seed gives the same day.

use geo_data::PreparedGraphs;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::dto::*;

#[derive(Clone, Debug)]
pub struct DemoConfig {
    pub requests: usize,
    pub squads: usize,
    pub seed: u64,
    pub budget_s: u32,
    pub date: String,
    /// A lockdown: vehicles stay outside the compounds (two echelons).
    pub lockdown: bool,
    pub balance: Balance,
}

impl DemoConfig {
    /// A small day for tests and examples: `requests` requests for `squads`
    /// squads, a 1 s budget.
    pub fn small(requests: usize, squads: usize, seed: u64) -> Self {
        Self {
            requests,
            squads,
            seed,
            budget_s: 1,
            ..Self::default()
        }
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            requests: 300,
            squads: 12,
            seed: 1,
            budget_s: 15,
            date: "2025-01-15".into(),
            lockdown: false,
            balance: Balance::Off,
        }
    }
}

pub const DEMO_OFFICE: &str = "demo-office";

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const ADDRESSING: &[&str] = &["奶奶", "爷爷", "阿姨", "叔叔", "婆婆", "大爷"];
const NOTES: &[&str] = &[
    "敲门要用力：听力不好",
    "到了请先给女儿打电话",
    "老人行动不便，请等候开门",
    "请放在门口鞋柜上，敲门告知",
    "家里有狗，请先打电话",
    "药品需本人签收",
];

struct ItemSpec {
    name: &'static str,
    weight_kg: f64,
    kind: ItemKind,
}

const FOOD: &[ItemSpec] = &[
    ItemSpec {
        name: "大米",
        weight_kg: 10.0,
        kind: ItemKind::Food,
    },
    ItemSpec {
        name: "面粉",
        weight_kg: 5.0,
        kind: ItemKind::Food,
    },
    ItemSpec {
        name: "食用油",
        weight_kg: 5.0,
        kind: ItemKind::Food,
    },
    ItemSpec {
        name: "蔬菜包",
        weight_kg: 3.0,
        kind: ItemKind::Food,
    },
    ItemSpec {
        name: "鸡蛋",
        weight_kg: 1.5,
        kind: ItemKind::Food,
    },
    ItemSpec {
        name: "牛奶",
        weight_kg: 1.0,
        kind: ItemKind::Chilled,
    },
    ItemSpec {
        name: "猪肉",
        weight_kg: 1.0,
        kind: ItemKind::Chilled,
    },
    ItemSpec {
        name: "成人纸尿裤",
        weight_kg: 2.0,
        kind: ItemKind::Special,
    },
    ItemSpec {
        name: "儿童营养包",
        weight_kg: 2.5,
        kind: ItemKind::Food,
    },
];
const MEDICINE: &[&str] = &["胰岛素", "降压药", "透析用品", "心脏病药", "止痛药"];

/// A building on the map: `(name, lat, lon, floors, lift)`.
type Place = (String, f64, f64, u8, bool);

/// Depots `(id, name, lat, lon, kind)`; the first is the office, the second the pharmacy.
type DepotSpec = (String, String, f64, f64, DepotKind);

/// A compound `(id, name, gate ids (main first), indices of its places)`.
type CompoundSpec = (String, String, Vec<String>, Vec<usize>);

/// The demo day on the made-up district.
pub fn district_day(cfg: &DemoConfig) -> DayRequest {
    let office = geo_data::district::street_office();
    let compounds = geo_data::district::compounds();
    let mut depots: Vec<DepotSpec> = vec![
        (
            "office".into(),
            "街道办".into(),
            office.0,
            office.1,
            DepotKind::Office,
        ),
        (
            "pharmacy".into(),
            "仁心大药房".into(),
            geo_data::district::point(400.0, 400.0).0,
            geo_data::district::point(400.0, 400.0).1,
            DepotKind::Pharmacy,
        ),
    ];
    for (i, c) in compounds.iter().enumerate() {
        depots.push((
            format!("gate{}", i + 1),
            format!("{} 大门", c.name),
            c.gate.0,
            c.gate.1,
            DepotKind::Gate,
        ));
    }
    // The pedestrian back gates after the main ones: a van may unload on the
    // north street there, and squads still start from the main gates.
    for (i, c) in compounds.iter().enumerate() {
        depots.push((
            format!("gate{}b", i + 1),
            format!("{} 后门", c.name),
            c.back_gate.0,
            c.back_gate.1,
            DepotKind::Gate,
        ));
    }
    let mut first_place = 0;
    let specs: Vec<CompoundSpec> = compounds
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let places = (first_place..first_place + c.buildings.len()).collect();
            first_place += c.buildings.len();
            (
                format!("C{}", i + 1),
                c.name.to_string(),
                vec![format!("gate{}", i + 1), format!("gate{}b", i + 1)],
                places,
            )
        })
        .collect();
    let places: Vec<Place> = compounds
        .iter()
        .flat_map(|c| {
            c.buildings
                .iter()
                .map(|b| (b.name.clone(), b.entrance.0, b.entrance.1, b.floors, false))
        })
        .collect();
    make_day(cfg, "春熙街道（示例）", depots, places, specs)
}

/// The demo day on a real extract: depots and "buildings" at graph nodes
/// within about a kilometre of the walking graph's centre.
pub fn osm_day(graphs: &PreparedGraphs, cfg: &DemoConfig) -> Result<DayRequest, String> {
    let walk = graphs
        .graph(geo_data::Profile::Walk)
        .ok_or("the extract has no walking graph")?;
    let g = walk.road_graph();
    let n = g.num_nodes();
    if n < 50 {
        return Err(format!(
            "the walking graph has only {n} nodes: too small for a demo day"
        ));
    }
    let mut lats: Vec<f64> = (0..n)
        .map(|i| g.coord(geo_data::NodeIdx(i as u32)).0)
        .collect();
    let mut lons: Vec<f64> = (0..n)
        .map(|i| g.coord(geo_data::NodeIdx(i as u32)).1)
        .collect();
    lats.sort_by(f64::total_cmp);
    lons.sort_by(f64::total_cmp);
    let centre = (lats[n / 2], lons[n / 2]);
    let near: Vec<(f64, f64)> = (0..n)
        .map(|i| g.coord(geo_data::NodeIdx(i as u32)))
        .filter(|&p| geo_data::snap::haversine_m(p, centre) < 1_000.0)
        .collect();
    if near.len() < 20 {
        return Err("too few roads near the centre of the extract".into());
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(cfg.seed ^ 0x05f5);
    let closest = |target: (f64, f64)| {
        *near
            .iter()
            .min_by(|a, b| {
                geo_data::snap::haversine_m(**a, target)
                    .total_cmp(&geo_data::snap::haversine_m(**b, target))
            })
            .expect("non-empty")
    };
    let o = closest(centre);
    let mut depots: Vec<DepotSpec> = vec![(
        "office".into(),
        "街道办".into(),
        o.0,
        o.1,
        DepotKind::Office,
    )];
    let p = near[rng.gen_range(0..near.len())];
    depots.push((
        "pharmacy".into(),
        "药房".into(),
        p.0,
        p.1,
        DepotKind::Pharmacy,
    ));
    for i in 0..4 {
        let q = near[rng.gen_range(0..near.len())];
        depots.push((
            format!("gate{}", i + 1),
            format!("{}号小区大门", i + 1),
            q.0,
            q.1,
            DepotKind::Gate,
        ));
    }
    let buildings = (cfg.requests / 4).clamp(10, 400);
    // Buildings stand where buildings stand, not on the roads: a random point
    // within 150 m of a road node near the centre. On a roads-only extract
    // their doors sit tens to hundreds of metres off any mapped way, as in
    // much of China's OSM data, and the plan must pay that walk.
    let metres = |p: (f64, f64), dx: f64, dy: f64| {
        let k = 111_195.0;
        (p.0 + dy / k, p.1 + dx / (k * p.0.to_radians().cos()))
    };
    let places: Vec<Place> = (0..buildings)
        .map(|i| {
            let node = near[rng.gen_range(0..near.len())];
            let (r, a) = (
                150.0 * rng.gen::<f64>().sqrt(),
                rng.gen_range(0.0..std::f64::consts::TAU),
            );
            let q = metres(node, r * a.cos(), r * a.sin());
            (
                format!("{}栋", i + 1),
                q.0,
                q.1,
                rng.gen_range(5..=8),
                rng.gen_bool(0.2),
            )
        })
        .collect();
    Ok(make_day(cfg, "示例街道", depots, places, Vec::new()))
}

fn make_day(
    cfg: &DemoConfig,
    office_name: &str,
    depots: Vec<DepotSpec>,
    places: Vec<Place>,
    compounds: Vec<CompoundSpec>,
) -> DayRequest {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(cfg.seed);
    // Squads start from main gates only (a compound's first gate).
    let back: Vec<&String> = compounds.iter().flat_map(|c| c.2.iter().skip(1)).collect();
    let gates: Vec<&DepotSpec> = depots
        .iter()
        .filter(|d| d.4 == DepotKind::Gate && !back.contains(&&d.0))
        .collect();
    let squads = demo_squads(cfg, &depots, &gates);
    let buildings: Vec<Building> = places
        .iter()
        .enumerate()
        .map(|(i, (name, lat, lon, _, lift))| Building {
            id: format!("B{:03}", i + 1),
            name: Some(name.clone()),
            lat: *lat,
            lon: *lon,
            lift: *lift,
        })
        .collect();
    let requests: Vec<Request> = (0..cfg.requests)
        .map(|i| demo_request(i, &mut rng, &places, &buildings))
        .collect();
    DayRequest {
        street_office: StreetOffice {
            id: DEMO_OFFICE.into(),
            name: office_name.into(),
            coordinator_phone: "028-8888 6666".into(),
            coordinator_name: Some("刘主任".into()),
        },
        date: cfg.date.clone(),
        depots: depots
            .into_iter()
            .map(|(id, name, lat, lon, kind)| Depot {
                id,
                name,
                lat,
                lon,
                kind,
            })
            .collect(),
        compounds: compounds
            .into_iter()
            .map(|(id, name, gates, places)| Compound {
                id,
                name,
                gates,
                buildings: places.iter().map(|&p| buildings[p].id.clone()).collect(),
                boundary: Vec::new(),
            })
            .collect(),
        buildings,
        squads,
        requests,
        requests_csv: None,
        options: Options {
            budget_s: cfg.budget_s,
            seed: cfg.seed,
            vehicles_enter_compounds: !cfg.lockdown,
            balance: cfg.balance,
            ..Options::default()
        },
    }
}

/// The day's squads: every tenth a van and every other fifth an electric
/// tricycle, both from the office; the others walk from a compound gate.
fn demo_squads(cfg: &DemoConfig, depots: &[DepotSpec], gates: &[&DepotSpec]) -> Vec<Squad> {
    (0..cfg.squads)
        .map(|k| {
            // Every tenth squad is a van and every other fifth an electric
            // tricycle, both from the office (they can fetch from the
            // pharmacy); the others walk from a compound gate.
            let van = k % 10 == 9;
            let bike = k % 5 == 4 && !van;
            let depot = if bike || van || gates.is_empty() {
                &depots[0]
            } else {
                gates[k % gates.len()]
            };
            Squad {
                id: format!("S{:02}", k + 1),
                name: Some(format!("第{}小分队", k + 1)),
                members: vec![
                    format!("{}{}", SURNAMES[(k * 7) % SURNAMES.len()], "志愿者"),
                    format!("{}{}", SURNAMES[(k * 11 + 3) % SURNAMES.len()], "志愿者"),
                ],
                phone: Some(format!("139 0000 {:04}", 100 + k)),
                profile: if van {
                    Profile::Car
                } else if bike {
                    Profile::Bike
                } else {
                    Profile::Walk
                },
                depot: depot.0.clone(),
                end_depot: None,
                shift: Shift {
                    start: Clock(8 * 3600),
                    end: Clock(if k % 3 == 2 || van {
                        17 * 3600
                    } else {
                        12 * 3600
                    }),
                },
                capacity_kg: if van {
                    300.0
                } else if bike {
                    60.0
                } else {
                    20.0
                },
                skills: if k % 4 == 0 {
                    vec!["trusted".into()]
                } else {
                    vec![]
                },
                reload_s: Some(300),
                max_trips: None,
                max_stops: None,
                max_hours: None,
            }
        })
        .collect()
}

/// Request `i`: a random door of `places`, what it asks for drawn from the
/// domain brief's mix.
fn demo_request(
    i: usize,
    rng: &mut Xoshiro256PlusPlus,
    places: &[Place],
    buildings: &[Building],
) -> Request {
    let b = rng.gen_range(0..places.len());
    let floors = places[b].3.max(1) as i32;
    let floor = rng.gen_range(1..=floors);
    let unit = rng.gen_range(1..=3);
    let roll: f64 = rng.gen();
    let resident = format!(
        "{}{}",
        SURNAMES.choose(rng).expect("non-empty"),
        ADDRESSING.choose(rng).expect("non-empty")
    );
    let mut r = Request {
        id: format!("R{:04}", i + 1),
        resident: Some(resident),
        phone: rng
            .gen_bool(0.6)
            .then(|| format!("138 0000 {:04}", rng.gen_range(0..10_000))),
        lat: None,
        lon: None,
        building: Some(buildings[b].id.clone()),
        unit: Some(unit.to_string()),
        floor: Some(floor),
        address: Some(format!("{}{:02}室", floor, rng.gen_range(1..=4))),
        kind: RequestKind::Delivery,
        items: vec![],
        windows: vec![],
        priority: None,
        service_s: None,
        notes: rng
            .gen_bool(0.25)
            .then(|| NOTES.choose(rng).expect("non-empty").to_string()),
        pickup: None,
        pickup_after: None,
        skills: vec![],
        chilled_max_s: None,
        squad: None,
        preferred_squad: None,
        gate_drop: None,
    };
    if roll < 0.10 {
        // Welfare check: curtains not opened by 08:00, someone knocks before 09:30.
        r.kind = RequestKind::Visit;
        r.windows = vec![Window {
            start: Clock(8 * 3600),
            end: Clock(9 * 3600 + 1800),
        }];
        r.notes = Some("窗帘未拉开：上门确认老人平安".into());
    } else if roll < 0.18 {
        // Medicine bought on the resident's behalf at the pharmacy, with a deadline.
        r.items = vec![Item {
            name: MEDICINE.choose(rng).expect("non-empty").to_string(),
            weight_kg: 0.3,
            quantity: 1,
            kind: ItemKind::Medicine,
        }];
        r.pickup = Some("pharmacy".into());
        r.windows = vec![Window {
            start: Clock(8 * 3600),
            end: Clock(11 * 3600 + 1800),
        }];
        if roll < 0.12 {
            r.skills = vec!["trusted".into()];
        }
    } else {
        let n = rng.gen_range(1..=3);
        let mut items: Vec<Item> = Vec::new();
        for spec in FOOD.choose_multiple(rng, n) {
            items.push(Item {
                name: spec.name.into(),
                weight_kg: spec.weight_kg,
                quantity: 1,
                kind: spec.kind,
            });
        }
        r.items = items;
        if roll > 0.97 {
            r.priority = Some(Priority::Urgent);
            r.windows = vec![Window {
                start: Clock(8 * 3600),
                end: Clock(10 * 3600),
            }];
        }
    }
    r
}
