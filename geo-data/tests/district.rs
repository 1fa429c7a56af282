//! The made-up district, read from its committed PBF fixture, with travel times
//! checked by hand. Speeds: walking 5 km/h = 0.72 s/m, steps 1.44 s/m; vans
//! 0.08 s/m on Renmin Rd (50 km/h limit, driven at 90 %) and Xinhua Rd (45 km/h),
//! 0.144 s/m on lanes (25 km/h), 0.04 s/m on the expressway (90 km/h), 0.08 s/m
//! on ramps (45 km/h); tricycles 0.24 s/m (15 km/h).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use geo_data::district::{self, point};
use geo_data::{
    oracle, NoProgress, PreparedGraphs, Profile, ProfileGraph, SnapConfig, SnapError, SnappedPoint,
};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/district.osm.pbf")
}

fn graphs() -> &'static PreparedGraphs {
    static G: OnceLock<PreparedGraphs> = OnceLock::new();
    G.get_or_init(|| {
        PreparedGraphs::import_pbf(&fixture(), &NoProgress)
            .expect("fixture imports")
            .0
    })
}

fn snap(g: &ProfileGraph, x: f64, y: f64) -> SnappedPoint {
    let (lat, lon) = point(x, y);
    g.snap(lat, lon)
        .unwrap_or_else(|e| panic!("({x}, {y}) on {}: {e}", g.profile()))
}

/// Seconds and metres from (x1, y1) to (x2, y2), checked against plain Dijkstra.
fn trip(p: Profile, from: (f64, f64), to: (f64, f64)) -> (u32, u32) {
    let g = graphs().graph(p).unwrap();
    let pts = [snap(g, from.0, from.1), snap(g, to.0, to.1)];
    let m = g.matrix(&pts);
    let reference = oracle::matrix(g.road_graph(), &pts);
    assert_eq!(m.cost(0, 1), reference[1], "matrix vs Dijkstra");
    let route = g.route(&pts[0], &pts[1]).expect("route exists");
    assert_eq!(Some(route.cost), m.cost(0, 1), "route vs matrix");
    (m.duration_s(0, 1).unwrap(), m.distance_m(0, 1).unwrap())
}

#[test]
fn committed_fixture_matches_its_generator() {
    let committed = std::fs::read(fixture()).unwrap();
    assert!(
        committed == district::pbf_bytes(),
        "regenerate with `cargo run -p geo-data --example make_district_pbf`"
    );
}

#[test]
fn district_is_big_enough_to_be_interesting() {
    let walk = graphs().graph(Profile::Walk).unwrap().road_graph();
    assert!(walk.num_nodes() > 300, "walk nodes: {}", walk.num_nodes());
    let compounds = district::compounds();
    assert_eq!(compounds.len(), 5);
    assert!(compounds.iter().all(|c| c.buildings.len() == 8));
}

#[test]
fn walking_through_a_compound_gate_to_a_door() {
    // Street → gate road 40 m → central path 60 m → connector 30 m.
    assert_eq!(trip(Profile::Walk, (200.0, 0.0), (170.0, 100.0)), (94, 130)); // 93.6 s
                                                                              // The back gate: 60 m + 60 m + 30 m.
    assert_eq!(
        trip(Profile::Walk, (200.0, 400.0), (170.0, 280.0)),
        (108, 150)
    );
}

#[test]
fn steps_take_twice_as_long() {
    // 100 m of path (72 s) then 30 m of steps (43.2 s) to Hehua building 2.
    assert_eq!(
        trip(Profile::Walk, (600.0, 0.0), (630.0, 100.0)),
        (115, 130)
    );
    // The mirror building on flat ground: 130 m at 0.72 s/m.
    assert_eq!(trip(Profile::Walk, (600.0, 0.0), (570.0, 100.0)), (94, 130));
}

#[test]
fn walkers_cut_through_the_park() {
    // The diagonal: 400·√2 = 565.7 m → 407.3 s, instead of 800 m of streets.
    assert_eq!(
        trip(Profile::Walk, (400.0, 400.0), (800.0, 800.0)),
        (407, 566)
    );
}

#[test]
fn points_in_the_middle_of_edges() {
    // 180 m along Renmin Rd between two points that are not nodes.
    assert_eq!(trip(Profile::Walk, (110.0, 0.0), (290.0, 0.0)), (130, 180)); // 129.6 s
    assert_eq!(trip(Profile::Car, (110.0, 0.0), (290.0, 0.0)), (14, 180)); // 14.4 s
    assert_eq!(trip(Profile::Car, (290.0, 0.0), (110.0, 0.0)), (14, 180));
    // Both on one segment of a one-way lane, going with the traffic: 10 m.
    assert_eq!(trip(Profile::Car, (400.0, 105.0), (400.0, 115.0)), (1, 10)); // 1.44 s
}

#[test]
fn vans_follow_one_way_streets() {
    // With the traffic on Wenhua Lane: 200 m at 0.144 s/m.
    assert_eq!(
        trip(Profile::Car, (400.0, 100.0), (400.0, 300.0)),
        (29, 200)
    ); // 28.8 s
       // Against it: north 100 m, round a block (400 m Xinhua Rd, 400 m lane,
       // 400 m Renmin Rd) and north 100 m: 14.4 + 32 + 57.6 + 32 + 14.4 = 150.4 s.
    assert_eq!(
        trip(Profile::Car, (400.0, 300.0), (400.0, 100.0)),
        (150, 1400)
    );
    // Mid-edge, against the traffic: 110 m + 1200 m + 110 m = 153.3 s.
    assert_eq!(
        trip(Profile::Car, (400.0, 290.0), (400.0, 110.0)),
        (153, 1420)
    );
}

#[test]
fn tricycles_may_go_against_one_way_only_where_signed() {
    // Wenhua Lane is signed `oneway:bicycle=no`: 200 m at 0.24 s/m.
    assert_eq!(
        trip(Profile::Bike, (400.0, 300.0), (400.0, 100.0)),
        (48, 200)
    );
    // Shuguang Lane is not: 1400 m around the block.
    assert_eq!(
        trip(Profile::Bike, (800.0, 100.0), (800.0, 300.0)),
        (336, 1400)
    );
}

#[test]
fn vans_take_the_expressway() {
    // Ramps 2 × 200 m at 0.08 s/m + 1200 m at 0.04 s/m = 80 s, against 96 s on Renmin Rd.
    assert_eq!(trip(Profile::Car, (0.0, 0.0), (1200.0, 0.0)), (80, 1600));
    // Walkers may not: 1200 m at 0.72 s/m.
    assert_eq!(trip(Profile::Walk, (0.0, 0.0), (1200.0, 0.0)), (864, 1200));
}

#[test]
fn vans_stop_at_the_gate_and_tricycles_enter_only_taoyuan() {
    let car = graphs().graph(Profile::Car).unwrap();
    let bike = graphs().graph(Profile::Bike).unwrap();
    // Jinxiu building 1: the nearest van road is Renmin Rd, 100 m south.
    let p = snap(car, 170.0, 100.0);
    assert!(
        (p.snap_distance_m() - 100.0).abs() < 0.5,
        "{}",
        p.snap_distance_m()
    );
    let p = snap(bike, 170.0, 100.0);
    assert!(
        (p.snap_distance_m() - 100.0).abs() < 0.5,
        "{}",
        p.snap_distance_m()
    );
    // Taoyuan building 1: tricycles ride the central path, 30 m from the door.
    let p = snap(bike, 170.0, 500.0);
    assert!(
        (p.snap_distance_m() - 30.0).abs() < 0.5,
        "{}",
        p.snap_distance_m()
    );
    assert_eq!(
        trip(Profile::Bike, (200.0, 400.0), (200.0, 500.0)),
        (24, 100)
    );
}

#[test]
fn motorway_and_islet_are_not_walkable() {
    let walk = graphs().graph(Profile::Walk).unwrap();
    // On the expressway: a walker snaps to Renmin Rd, 200 m north.
    let p = snap(walk, 600.0, -200.0);
    assert!(
        (p.snap_distance_m() - 200.0).abs() < 0.5,
        "{}",
        p.snap_distance_m()
    );
    // The islet was dropped; its path is 300 m from East Lane.
    let c = walk.components();
    assert_eq!((c.dropped_components, c.dropped_nodes), (1, 4));
    let p = snap(walk, 1500.0, 130.0);
    assert!((p.snap_distance_m() - 300.0).abs() < 0.5);
    let (lat, lon) = point(1500.0, 130.0);
    let err = walk
        .snap_with(
            lat,
            lon,
            &SnapConfig {
                max_distance_m: 250.0,
            },
        )
        .unwrap_err();
    assert!(matches!(err, SnapError::TooFar { .. }), "{err}");
    assert!(err.to_string().contains("300 m"), "{err}");
}

#[test]
fn dead_ends_of_the_expressway_are_dropped_for_vans() {
    let car = graphs().graph(Profile::Car).unwrap().components();
    // Three nodes before the on-ramp, three after the off-ramp.
    assert_eq!((car.dropped_components, car.dropped_nodes), (2, 6));
    let bike = graphs().graph(Profile::Bike).unwrap().components();
    assert_eq!(bike.dropped_nodes, 0);
}

#[test]
fn far_and_invalid_points_are_refused_with_their_coordinates() {
    let walk = graphs().graph(Profile::Walk).unwrap();
    let (lat, lon) = point(5000.0, 5000.0);
    let err = walk.snap(lat, lon).unwrap_err();
    assert!(matches!(err, SnapError::TooFar { .. }));
    assert!(err.to_string().contains(&format!("{lat}")), "{err}");
    assert!(matches!(
        walk.snap(f64::NAN, 104.0),
        Err(SnapError::InvalidCoordinate { .. })
    ));
    assert!(matches!(
        walk.snap(91.0, 104.0),
        Err(SnapError::InvalidCoordinate { .. })
    ));
}

/// Every door of every compound, the gates and the office.
fn all_stops(g: &ProfileGraph) -> Vec<SnappedPoint> {
    let mut pts = vec![];
    for c in district::compounds() {
        for ll in std::iter::once(c.gate)
            .chain(std::iter::once(c.back_gate))
            .chain(c.buildings.iter().map(|b| b.entrance))
        {
            pts.push(g.snap(ll.0, ll.1).unwrap());
        }
    }
    let o = district::street_office();
    pts.push(g.snap(o.0, o.1).unwrap());
    pts
}

#[test]
fn matrix_properties_on_the_district() {
    for p in Profile::ALL {
        let g = graphs().graph(p).unwrap();
        let pts = all_stops(g);
        let n = pts.len();
        let m = g.matrix(&pts);
        let reference = oracle::matrix(g.road_graph(), &pts);
        for i in 0..n {
            assert_eq!(m.cost(i, i).map(|c| c.duration_ms()), Some(0));
            for j in 0..n {
                assert_eq!(m.cost(i, j), reference[i * n + j], "{p} {i}→{j}");
                let cij = m.cost(i, j).expect("the district is connected");
                if p == Profile::Walk {
                    assert_eq!(Some(cij), m.cost(j, i), "walking is symmetric");
                }
                for k in 0..n {
                    let (cjk, cik) = (m.cost(j, k).unwrap(), m.cost(i, k).unwrap());
                    assert!(cik <= cij + cjk, "triangle {i} {j} {k}");
                }
            }
        }
    }
}

#[test]
fn paths_follow_the_road() {
    let g = graphs().graph(Profile::Walk).unwrap();
    let a = snap(g, 110.0, 0.0);
    let b = snap(g, 170.0, 100.0);
    let r = g.route(&a, &b).unwrap();
    let rg = g.road_graph();
    for w in r.edges.windows(2) {
        assert_eq!(rg.head(w[0]), rg.tail(w[1]));
    }
    let path = g.path(&a, &b).unwrap();
    // Door to door (here the doors are on the road, to a rounding error).
    assert_eq!(path.first(), Some(&a.door()));
    assert_eq!(path.last(), Some(&b.door()));
    // 90 m east, 40 + 60 m north, 30 m west: the polyline has the same length.
    let len: f64 = path
        .windows(2)
        .map(|w| geo_data::snap::haversine_m(w[0], w[1]))
        .sum();
    assert!((len - 220.0).abs() < 0.5, "{len}");
    assert_eq!(r.cost.distance_m(), 220);
    // On one segment the path is the straight piece between the points.
    let c = snap(g, 120.0, 0.0);
    // (door, road point, road point, door: the doors are on the road here).
    let straight = g.path(&a, &c).unwrap();
    assert!(straight.len() <= 4, "{straight:?}");
    let len: f64 = straight
        .windows(2)
        .map(|w| geo_data::snap::haversine_m(w[0], w[1]))
        .sum();
    assert!((len - 10.0).abs() < 0.01, "{len}");
}

#[test]
fn doors_off_the_road_pay_their_walk_whatever_the_mode() {
    // Vans may not enter Jinxiu Garden: building 1's door (170, 100) snaps onto
    // Renmin Rd 100 m south. The van parks there and someone walks: 100 m at
    // 0.72 s/m = 72 s, then 230 m of Renmin Rd at 0.08 s/m = 18.4 s.
    assert_eq!(trip(Profile::Car, (170.0, 100.0), (400.0, 0.0)), (90, 330));
    assert_eq!(trip(Profile::Car, (400.0, 0.0), (170.0, 100.0)), (90, 330));
    // A walker on the expressway snaps 200 m north onto Renmin Rd: 200 m off
    // the road and 200 m along it, all on foot.
    assert_eq!(
        trip(Profile::Walk, (600.0, -200.0), (800.0, 0.0)),
        (288, 400)
    );
    let car = graphs().graph(Profile::Car).unwrap();
    let p = snap(car, 170.0, 100.0);
    assert_eq!(
        (p.access().duration_s(), p.access().distance_m()),
        (72, 100)
    );
    assert_eq!(p.door(), point(170.0, 100.0));
}

#[test]
fn doors_at_one_road_position_are_not_zero_apart() {
    // Two doors 100 m north of Renmin Rd, 15 m apart, on one segment of it
    // (nodes every 25 m): by road they would walk 100 m out, drive 15 m and
    // walk 100 m back in (145.2 s); straight from door to door is 15 m, 10.8 s.
    assert_eq!(trip(Profile::Car, (155.0, 100.0), (170.0, 100.0)), (11, 15));
    // Two doors on either side of the road that snap to the very same road
    // point (160, 0), 100 m north and 60 m south: 160 m apart, never 0 s.
    let car = graphs().graph(Profile::Car).unwrap();
    let (a, b) = (snap(car, 160.0, 100.0), snap(car, 160.0, -60.0));
    assert_eq!((a.lat(), a.lon()), (b.lat(), b.lon()), "same road point");
    assert_eq!(
        trip(Profile::Car, (160.0, 100.0), (160.0, -60.0)),
        (115, 160)
    );
    // The path runs door to door through the road point.
    let path = car.path(&a, &b).unwrap();
    assert_eq!(path.first(), Some(&a.door()));
    assert_eq!(path.last(), Some(&b.door()));
    let len: f64 = path
        .windows(2)
        .map(|w| geo_data::snap::haversine_m(w[0], w[1]))
        .sum();
    assert!((len - 160.0).abs() < 0.5, "{len}");
    // A door 100 m off the road, to a door at the road 230 m further: the
    // polyline includes the 100 m walk.
    let c = snap(car, 400.0, 0.0);
    let path = car.path(&snap(car, 170.0, 100.0), &c).unwrap();
    let len: f64 = path
        .windows(2)
        .map(|w| geo_data::snap::haversine_m(w[0], w[1]))
        .sum();
    assert!((len - 330.0).abs() < 0.5, "{len}");
}
