//! Real OpenStreetMap extracts from `../shared/data/osm` (or
//! `$LASTMILE_SHARED_DATA/osm`): import all three profiles, snap points, compute
//! matrices and compare sampled rows with plain Dijkstra, exactly.
//!
//! Without the data the test is listed as ignored, with the reason (see
//! tests/build.rs), so a fresh clone passes and says so; under `CI=true` it fails.
//! Run alone with `cargo test --release -p lastmile-tests --test real_osm -- --nocapture`.

use std::path::PathBuf;

use geo_data::{oracle, NoProgress, PreparedGraphs, Profile, SnappedPoint};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn extracts() -> Option<Vec<PathBuf>> {
    let root = std::env::var_os("LASTMILE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let dir = root.join("osm");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".osm.pbf"))
        .collect();
    files.sort();
    (!files.is_empty()).then_some(files)
}

/// Points near random road nodes (jittered up to ~30 m), plus a few far away.
fn sample_points(
    g: &geo_data::ProfileGraph,
    rng: &mut Xoshiro256PlusPlus,
    k: usize,
) -> (Vec<SnappedPoint>, usize) {
    let rg = g.road_graph();
    let mut pts = Vec::new();
    let mut refused = 0;
    for i in 0..k {
        let v = geo_data::NodeIdx(rng.gen_range(0..rg.num_nodes() as u32));
        let (lat, lon) = rg.coord(v);
        let (lat, lon) = if i % 50 == 49 {
            (lat + 0.5, lon) // ~55 km north: must be refused, not snapped.
        } else {
            (
                lat + rng.gen_range(-0.0003..0.0003),
                lon + rng.gen_range(-0.0003..0.0003),
            )
        };
        match g.snap(lat, lon) {
            Ok(p) => pts.push(p),
            Err(geo_data::SnapError::TooFar { .. }) => refused += 1,
            Err(e) => panic!("unexpected snap error: {e}"),
        }
    }
    (pts, refused)
}

#[test]
#[cfg_attr(
    lastmile_no_shared_osm,
    ignore = "no ../shared/data/osm/*.osm.pbf (set LASTMILE_SHARED_DATA)"
)]
fn real_extracts_import_snap_and_match_dijkstra() {
    let Some(files) = extracts() else {
        panic!("no ../shared/data/osm/*.osm.pbf: set LASTMILE_SHARED_DATA (tests/build.rs lists this test as ignored outside CI)");
    };
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let (graphs, report) = PreparedGraphs::import_pbf(&file, &NoProgress)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        eprintln!(
            "{name}: {} ways, {} missing node refs",
            report.ways, report.missing_refs
        );
        assert!(
            graphs
                .graph(Profile::Walk)
                .unwrap()
                .road_graph()
                .num_nodes()
                > 100,
            "{name}: walk graph too small"
        );

        // The file round trip gives the same answers.
        let path = std::env::temp_dir().join(format!("real-osm-{}-{name}.lmg", std::process::id()));
        graphs.save(&path).unwrap();
        let loaded = PreparedGraphs::load(&path).unwrap();
        std::fs::remove_file(&path).ok();

        for p in Profile::ALL {
            let g = loaded.graph(p).unwrap();
            let c = g.components();
            eprintln!(
                "  {p}: {} nodes, {} edges, dropped {} components / {} nodes",
                c.kept_nodes, c.kept_edges, c.dropped_components, c.dropped_nodes
            );
            if g.road_graph().num_nodes() == 0 {
                continue;
            }
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
            let (pts, refused) = sample_points(g, &mut rng, 150);
            assert_eq!(refused, 3, "{name} {p}: points 55 km away must be refused");
            let n = pts.len();
            let m = g.matrix(&pts);
            let og = oracle::OracleGraph::new(g.road_graph(), &pts);
            for i in (0..n).step_by(n / 12) {
                let row = og.row(i);
                for j in 0..n {
                    let expected = if i == j {
                        Some(geo_data::Cost::ZERO)
                    } else {
                        row[j]
                    };
                    assert_eq!(m.cost(i, j), expected, "{name} {p}: {i}→{j}");
                }
            }
            // The largest strongly connected component is all there is: every pair is reachable.
            assert!(
                m.durations.iter().all(|&d| d != geo_data::UNREACHABLE),
                "{name} {p}: unreachable pair"
            );
            if p == Profile::Walk {
                for i in 0..n {
                    for j in 0..i {
                        assert_eq!(m.cost(i, j), m.cost(j, i), "{name} walk symmetric {i} {j}");
                    }
                }
            }
            // A path's polyline is at least as long as the straight line and matches the matrix.
            let r = g.route(&pts[0], &pts[n - 1]).unwrap();
            assert_eq!(Some(r.cost), m.cost(0, n - 1));
        }
    }
}
