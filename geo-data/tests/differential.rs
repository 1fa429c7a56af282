//! The fast matrix (contraction hierarchy, buckets) against plain Dijkstra on
//! random graphs: exact equality of duration *and* distance for every pair,
//! including points mid-edge, on one-way edges, on shared edges, at nodes and
//! duplicated. Small integer costs make ties frequent, which is where a wrong
//! tie-break would show.

use geo_data::{
    oracle, Cost, GraphBuilder, NodeIdx, Profile, ProfileGraph, SnapConfig, SnappedPoint,
};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn random_cost(rng: &mut Xoshiro256PlusPlus, tiny: bool) -> Cost {
    if tiny {
        Cost::new(rng.gen_range(0..4), rng.gen_range(0..3))
    } else {
        Cost::new(rng.gen_range(1..100_000), rng.gen_range(1..20_000))
    }
}

/// A random graph: `n` nodes in a 2 km box, a spanning path so something stays
/// connected, plus random extra segments of every kind.
fn random_graph(rng: &mut Xoshiro256PlusPlus, n: usize, extra: usize, tiny: bool) -> ProfileGraph {
    let mut b = GraphBuilder::new();
    let nodes: Vec<NodeIdx> = (0..n)
        .map(|i| {
            b.add_node(
                i as i64,
                30.0 + rng.gen_range(0.0..0.02),
                104.0 + rng.gen_range(0.0..0.02),
            )
        })
        .collect();
    let add =
        |b: &mut GraphBuilder, rng: &mut Xoshiro256PlusPlus, x: NodeIdx, y: NodeIdx, way: i64| {
            let c = random_cost(rng, tiny);
            match rng.gen_range(0..4) {
                0 => b.add_segment(x, y, Some(c), Some(c), way),
                1 => b.add_segment(x, y, Some(c), Some(random_cost(rng, tiny)), way),
                2 => b.add_segment(x, y, Some(c), None, way),
                _ => b.add_segment(x, y, None, Some(c), way),
            }
        };
    for i in 1..n {
        let j = i - 1 - rng.gen_range(0..i.min(5));
        add(&mut b, rng, nodes[i], nodes[j], i as i64);
    }
    for k in 0..extra {
        // Mostly local links (like streets), a few long ones (like arterials):
        // purely random links make an expander, which no road network is.
        let x = rng.gen_range(0..n);
        let y = if rng.gen_range(0..50) == 0 {
            rng.gen_range(0..n)
        } else {
            (x + rng.gen_range(1..8)).min(n - 1)
        };
        add(&mut b, rng, nodes[x], nodes[y], (n + k) as i64);
    }
    ProfileGraph::from_builder(Profile::Car, b)
}

fn random_points(rng: &mut Xoshiro256PlusPlus, g: &ProfileGraph, k: usize) -> Vec<SnappedPoint> {
    let far = SnapConfig {
        max_distance_m: 1e7,
    };
    let rg = g.road_graph();
    let mut pts: Vec<SnappedPoint> = Vec::new();
    while pts.len() < k {
        let p = match rng.gen_range(0..5) {
            0 => g.point_at_node(NodeIdx(rng.gen_range(0..rg.num_nodes() as u32))),
            1 if !pts.is_empty() => pts[rng.gen_range(0..pts.len())],
            2 => {
                // Somewhere along a random edge, so several points share edges.
                let e = geo_data::EdgeIdx(rng.gen_range(0..rg.num_edges() as u32));
                let (a, b) = (rg.coord(rg.tail(e)), rg.coord(rg.head(e)));
                let t = [0.25, 0.5, 0.75, rng.gen_range(0.0..1.0)][rng.gen_range(0..4)];
                g.snap_with(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, &far)
                    .unwrap()
            }
            _ => g
                .snap_with(
                    30.0 + rng.gen_range(0.0..0.02),
                    104.0 + rng.gen_range(0.0..0.02),
                    &far,
                )
                .unwrap(),
        };
        pts.push(p);
    }
    pts
}

fn check(g: &ProfileGraph, pts: &[SnappedPoint], label: &str) {
    let n = pts.len();
    let fast = g.matrix(pts);
    let slow = oracle::matrix(g.road_graph(), pts);
    for i in 0..n {
        for j in 0..n {
            let expected = if i == j {
                Some(Cost::ZERO)
            } else {
                slow[i * n + j]
            };
            assert_eq!(fast.cost(i, j), expected, "{label}: pair {i}→{j}");
            let unreachable = fast.durations[i * n + j] == geo_data::UNREACHABLE;
            assert_eq!(unreachable, expected.is_none());
        }
    }
    // Paths agree with the matrix on a few pairs.
    for i in 0..n.min(4) {
        let j = n - 1 - i;
        let r = g.route(&pts[i], &pts[j]);
        assert_eq!(r.map(|r| r.cost), fast.cost(i, j), "{label}: route {i}→{j}");
    }
}

#[test]
fn matrix_equals_dijkstra_on_small_random_graphs() {
    for seed in 0..400u64 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let n = rng.gen_range(2..30);
        let extra = rng.gen_range(0..3 * n);
        let g = random_graph(&mut rng, n, extra, seed % 2 == 0);
        if g.road_graph().num_nodes() == 0 {
            continue;
        }
        let k = rng.gen_range(1..12);
        let pts = random_points(&mut rng, &g, k);
        check(&g, &pts, &format!("seed {seed}"));
    }
}

#[test]
fn matrix_equals_dijkstra_on_larger_random_graphs() {
    for seed in 0..6u64 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1000 + seed);
        let n = 1500;
        let g = random_graph(&mut rng, n, 2 * n, seed % 3 == 0);
        let pts = random_points(&mut rng, &g, 60);
        check(&g, &pts, &format!("large seed {seed}"));
    }
}

#[test]
fn synthetic_city_matrix_equals_dijkstra() {
    let data = geo_data::synthetic::city(&geo_data::synthetic::CityConfig {
        width: 30,
        height: 30,
        block_m: 100.0,
        shape_nodes: 2,
        seed: 7,
    });
    for p in [Profile::Walk, Profile::Car] {
        let (rg, report) = geo_data::osm::build_graph(&data, p);
        let g = ProfileGraph::from_graph(p, rg, report);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let pts = random_points(&mut rng, &g, 80);
        check(&g, &pts, &format!("city {p}"));
    }
}
