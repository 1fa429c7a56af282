//! The point index (one new point against a fixed set, for the escalation desk)
//! against the matrix it replaces: `from_point` and `to_point` must equal row
//! and column `N` of `matrix(points ++ [P])` exactly, on duration, distance and
//! the exact cost, before and after points are appended. Points sit at nodes,
//! mid-edge, on shared segments (also one-way ones) and on top of each other.
//! Graphs with unreachable pairs are covered by the unit test in
//! `src/point_index.rs`, which can build one.
//!
//! The Chengdu test reads ../shared/data/osm/chengdu-central.osm.pbf (or
//! `$LASTMILE_SHARED_DATA/osm/…`) and prints a note and passes when it is absent.

use std::path::{Path, PathBuf};

use geo_data::district::{self, point};
use geo_data::synthetic::{city, CityConfig};
use geo_data::{
    Cost, EdgeIdx, NoProgress, NodeIdx, PointIndex, PreparedGraphs, Profile, ProfileGraph,
    SnapConfig, SnappedPoint, UNREACHABLE,
};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Asserts that the index answers for `p` exactly what the matrix does.
fn check(g: &ProfileGraph, idx: &PointIndex, p: &SnappedPoint, label: &str) {
    let pts = idx.points();
    let n = pts.len();
    let mut all = pts.to_vec();
    all.push(*p);
    let m = g.matrix(&all);
    let from = g.from_point(idx, p);
    let to = g.to_point(idx, p);
    assert_eq!((from.len(), to.len()), (n, n), "{label}");
    for i in 0..n {
        let (row, col) = (n * (n + 1) + i, i * (n + 1) + n);
        assert_eq!(from.cost(i), m.cost(n, i), "{label}: P → {i}");
        assert_eq!(to.cost(i), m.cost(i, n), "{label}: {i} → P");
        assert_eq!(
            (from.durations[i], from.distances[i]),
            (m.durations[row], m.distances[row]),
            "{label}: P → {i}, rounded"
        );
        assert_eq!(
            (to.durations[i], to.distances[i]),
            (m.durations[col], m.distances[col]),
            "{label}: {i} → P, rounded"
        );
        assert_eq!(from.duration_s(i), m.duration_s(n, i));
        assert_eq!(to.distance_m(i), m.distance_m(i, n));
        // Every graph here is one strongly connected component.
        assert_ne!(from.durations[i], UNREACHABLE, "{label}: P → {i}");
        assert_ne!(to.durations[i], UNREACHABLE, "{label}: {i} → P");
    }
}

/// Points of every kind: at random nodes, copies of earlier points, along
/// random edges (so several share a segment), and snapped from anywhere in
/// `bbox` (min lat, min lon, max lat, max lon).
fn random_points(
    rng: &mut Xoshiro256PlusPlus,
    g: &ProfileGraph,
    bbox: (f64, f64, f64, f64),
    k: usize,
) -> Vec<SnappedPoint> {
    let far = SnapConfig {
        max_distance_m: 1e7,
    };
    let rg = g.road_graph();
    let mut pts: Vec<SnappedPoint> = Vec::new();
    while pts.len() < k {
        let p = match rng.gen_range(0..5) {
            0 => g.point_at_node(NodeIdx(rng.gen_range(0..rg.num_nodes() as u32))),
            1 if !pts.is_empty() => pts[rng.gen_range(0..pts.len())],
            2 | 3 => {
                let e = EdgeIdx(rng.gen_range(0..rg.num_edges() as u32));
                let (a, b) = (rg.coord(rg.tail(e)), rg.coord(rg.head(e)));
                let t = [0.25, 0.5, 0.75, rng.gen_range(0.0..1.0)][rng.gen_range(0..4)];
                g.snap_with(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, &far)
                    .unwrap()
            }
            _ => g
                .snap_with(
                    rng.gen_range(bbox.0..bbox.2),
                    rng.gen_range(bbox.1..bbox.3),
                    &far,
                )
                .unwrap(),
        };
        pts.push(p);
    }
    pts
}

fn bbox_of(g: &ProfileGraph) -> (f64, f64, f64, f64) {
    let rg = g.road_graph();
    let mut b = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for v in 0..rg.num_nodes() as u32 {
        let (lat, lon) = rg.coord(NodeIdx(v));
        b = (b.0.min(lat), b.1.min(lon), b.2.max(lat), b.3.max(lon));
    }
    b
}

/// Builds an index on the first `built` points, checks `queries` new points,
/// then appends the rest one by one, checking a new point after each, and
/// finally compares the grown index with one built from scratch.
fn check_build_and_append(
    g: &ProfileGraph,
    pts: &[SnappedPoint],
    queries: &[SnappedPoint],
    built: usize,
    label: &str,
) {
    let mut idx = g.point_index(&pts[..built]);
    for (q, p) in queries.iter().enumerate() {
        check(g, &idx, p, &format!("{label}, query {q}"));
    }
    for (k, p) in pts[built..].iter().enumerate() {
        assert_eq!(g.append_point(&mut idx, p), built + k);
        let q = &queries[k % queries.len()];
        check(g, &idx, q, &format!("{label}, after {} appended", k + 1));
    }
    assert_eq!(idx.points(), pts);
    let fresh = g.point_index(pts);
    assert_eq!(idx.num_entries(), fresh.num_entries(), "{label}");
    for p in queries.iter().chain(&pts[..3]) {
        assert_eq!(g.from_point(&idx, p), g.from_point(&fresh, p), "{label}");
        assert_eq!(g.to_point(&idx, p), g.to_point(&fresh, p), "{label}");
    }
}

#[test]
fn from_and_to_point_equal_the_matrix_on_the_district() {
    let (graphs, _) =
        PreparedGraphs::from_osm(&district::osm_data(), Path::new("district"), &NoProgress)
            .unwrap();
    let snap = |g: &ProfileGraph, x: f64, y: f64| {
        let (lat, lon) = point(x, y);
        g.snap(lat, lon).unwrap()
    };
    for p in Profile::ALL {
        let g = graphs.graph(p).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        // Every door, gate and the office; points on one segment of Renmin Rd
        // and of the one-way Wenhua Lane; then random ones.
        let mut pts: Vec<SnappedPoint> = district::compounds()
            .iter()
            .flat_map(|c| {
                [c.gate, c.back_gate]
                    .into_iter()
                    .chain(c.buildings.iter().map(|b| b.entrance))
            })
            .map(|(lat, lon)| g.snap(lat, lon).unwrap())
            .collect();
        let o = district::street_office();
        pts.push(g.snap(o.0, o.1).unwrap());
        for (x, y) in [(110.0, 0.0), (290.0, 0.0), (400.0, 105.0), (400.0, 290.0)] {
            pts.push(snap(g, x, y));
        }
        let bbox = bbox_of(g);
        pts.extend(random_points(&mut rng, g, bbox, 40));
        let mut queries = vec![
            snap(g, 120.0, 0.0),   // same segment as (110, 0), east of it
            snap(g, 100.0, 0.0),   // and west of it
            snap(g, 400.0, 115.0), // one-way lane, ahead of (400, 105)
            snap(g, 400.0, 100.0), // behind it
            pts[3],                // exactly on an indexed point
            pts[pts.len() - 1],
            g.point_at_node(NodeIdx(0)),
        ];
        queries.extend(random_points(&mut rng, g, bbox, 10));
        let built = pts.len() - 15;
        check_build_and_append(g, &pts, &queries, built, &format!("district {p}"));

        // A point on top of an indexed one is 0 away from it both ways, as in
        // the matrix (which is what `check` compared).
        let idx = g.point_index(&pts);
        for i in [3, pts.len() - 1] {
            assert_eq!(g.from_point(&idx, &pts[i]).cost(i), Some(Cost::ZERO));
            assert_eq!(g.to_point(&idx, &pts[i]).cost(i), Some(Cost::ZERO));
        }
    }
}

#[test]
fn from_and_to_point_equal_the_matrix_on_a_synthetic_city() {
    let data = city(&CityConfig {
        width: 30,
        height: 30,
        block_m: 100.0,
        shape_nodes: 2,
        seed: 7,
    });
    for p in [Profile::Walk, Profile::Car] {
        let (rg, report) = geo_data::osm::build_graph(&data, p);
        let g = ProfileGraph::from_graph(p, rg, report);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let bbox = bbox_of(&g);
        let pts = random_points(&mut rng, &g, bbox, 100);
        // Queries drawn together with indexed points share their segments.
        let mut queries = random_points(&mut rng, &g, bbox, 20);
        queries.extend_from_slice(&pts[40..45]);
        check_build_and_append(&g, &pts, &queries, 60, &format!("city {p}"));
    }
}

fn shared_osm(file: &str) -> Option<PathBuf> {
    let root = std::env::var_os("LASTMILE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let path = root.join("osm").join(file);
    if path.is_file() {
        Some(path)
    } else {
        // Under CI a missing prerequisite fails: a run without the data must not look like a full one.
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "CI=true and {} is missing: set LASTMILE_SHARED_DATA",
            path.display()
        );
        eprintln!(
            "note: {} not found, skipping the real-data point index test",
            path.display()
        );
        None
    }
}

#[test]
fn from_and_to_point_equal_the_matrix_on_chengdu() {
    let Some(file) = shared_osm("chengdu-central.osm.pbf") else {
        return;
    };
    let data = geo_data::osm::read_pbf(&file, &NoProgress).unwrap();
    let (rg, report) = geo_data::osm::build_graph(&data, Profile::Walk);
    let g = ProfileGraph::from_graph(Profile::Walk, rg, report);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let bbox = bbox_of(&g);
    let pts = random_points(&mut rng, &g, bbox, 330);
    let mut queries = random_points(&mut rng, &g, bbox, 12);
    queries.extend_from_slice(&pts[100..103]);
    check_build_and_append(&g, &pts, &queries, 300, "chengdu walk");
}
