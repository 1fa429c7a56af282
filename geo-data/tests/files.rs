//! Prepared graph files and PBF input: round trips, and every kind of bad file
//! giving a typed error rather than a panic.

use std::path::{Path, PathBuf};

use geo_data::district::{self, point};
use geo_data::{ImportError, NoProgress, PreparedGraphs, Profile, StoreError, FORMAT_VERSION};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("geo-data-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn district_graphs() -> PreparedGraphs {
    PreparedGraphs::from_osm(&district::osm_data(), Path::new("district"), &NoProgress)
        .unwrap()
        .0
}

#[test]
fn saved_graphs_load_back_identical() {
    let g = district_graphs();
    let path = tmp("district.lmg");
    g.save(&path).unwrap();
    let h = PreparedGraphs::load(&path).unwrap();
    for p in Profile::ALL {
        let (a, b) = (g.graph(p).unwrap(), h.graph(p).unwrap());
        assert_eq!(a.road_graph().num_nodes(), b.road_graph().num_nodes());
        assert_eq!(a.components(), b.components());
        let stops: Vec<(f64, f64)> = district::compounds()
            .iter()
            .flat_map(|c| c.buildings.iter().map(|b| b.entrance))
            .collect();
        let pa: Vec<_> = stops.iter().map(|s| a.snap(s.0, s.1).unwrap()).collect();
        let pb: Vec<_> = stops.iter().map(|s| b.snap(s.0, s.1).unwrap()).collect();
        assert_eq!(a.matrix(&pa), b.matrix(&pb));
    }
}

fn expect_load_error(bytes: &[u8], name: &str) -> StoreError {
    let path = tmp(name);
    std::fs::write(&path, bytes).unwrap();
    PreparedGraphs::load(&path).expect_err("bad file must not load")
}

#[test]
fn damaged_graph_files_are_rejected() {
    let path = tmp("good.lmg");
    district_graphs().save(&path).unwrap();
    let good = std::fs::read(&path).unwrap();

    let e = expect_load_error(b"PK\x03\x04 not a graph", "zip.lmg");
    assert!(matches!(e, StoreError::NotAGraphFile { .. }), "{e}");

    let mut other_version = good.clone();
    other_version[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let e = expect_load_error(&other_version, "version.lmg");
    assert!(
        matches!(e, StoreError::VersionMismatch { found, .. } if found == FORMAT_VERSION + 1),
        "{e}"
    );
    assert!(e.to_string().contains("prepare it again"));

    let e = expect_load_error(&good[..good.len() / 2], "truncated.lmg");
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");

    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let e = expect_load_error(&flipped, "flipped.lmg");
    assert!(
        matches!(e, StoreError::Corrupt { .. }) && e.to_string().contains("checksum"),
        "{e}"
    );

    let e = PreparedGraphs::load(&tmp("does-not-exist.lmg")).unwrap_err();
    assert!(matches!(e, StoreError::Io { .. }), "{e}");
}

fn expect_import_error(bytes: &[u8], name: &str) -> ImportError {
    let path = tmp(name);
    std::fs::write(&path, bytes).unwrap();
    PreparedGraphs::import_pbf(&path, &NoProgress).expect_err("bad PBF must not import")
}

#[test]
fn corrupt_pbf_files_are_errors_not_panics() {
    let good = district::pbf_bytes();
    for cut in [3, 10, good.len() / 3, good.len() - 1] {
        let e = expect_import_error(&good[..cut], &format!("cut{cut}.osm.pbf"));
        assert!(
            matches!(e, ImportError::Corrupt { .. }),
            "cut at {cut}: {e}"
        );
    }
    let e = expect_import_error(b"", "empty.osm.pbf");
    assert!(matches!(e, ImportError::Corrupt { .. }), "{e}");
    let e = expect_import_error(b"<?xml version='1.0'?><osm></osm>", "xml.osm.pbf");
    assert!(matches!(e, ImportError::Corrupt { .. }), "{e}");
    // Damage inside a compressed block.
    let mut bad = good.clone();
    let n = bad.len();
    for b in &mut bad[n - 200..n - 100] {
        *b ^= 0x5a;
    }
    let e = expect_import_error(&bad, "damaged.osm.pbf");
    assert!(matches!(e, ImportError::Corrupt { .. }), "{e}");
    let e =
        PreparedGraphs::import_pbf(Path::new("/nonexistent/x.osm.pbf"), &NoProgress).unwrap_err();
    assert!(matches!(e, ImportError::Io { .. }), "{e}");
}

#[test]
fn an_extract_without_roads_is_an_error() {
    let mut data = geo_data::OsmData::default();
    let (lat, lon) = point(0.0, 0.0);
    data.add_node(1, lat, lon);
    data.add_node(2, lat + 0.001, lon);
    data.add_way(1, vec![1, 2], &[("building", "yes")]);
    let mut bytes = Vec::new();
    geo_data::pbf_writer::write_pbf(&data, &mut bytes).unwrap();
    let e = expect_import_error(&bytes, "noroads.osm.pbf");
    assert!(matches!(e, ImportError::NoRoads { .. }), "{e}");
}

#[test]
fn clipped_ways_keep_their_present_pieces() {
    // A street whose middle node lies outside the extract: two pieces survive
    // as separate components; the larger is kept.
    let mut data = geo_data::OsmData::default();
    for i in 0..6 {
        let (lat, lon) = point(i as f64 * 50.0, 0.0);
        if i != 2 {
            data.add_node(i + 1, lat, lon);
        }
    }
    data.add_way(1, vec![1, 2, 3, 4, 5, 6], &[("highway", "residential")]);
    let mut bytes = Vec::new();
    geo_data::pbf_writer::write_pbf(&data, &mut bytes).unwrap();
    let path = tmp("clipped.osm.pbf");
    std::fs::write(&path, bytes).unwrap();
    let (g, report) = PreparedGraphs::import_pbf(&path, &NoProgress).unwrap();
    assert_eq!(report.missing_refs, 1);
    let walk = g.graph(Profile::Walk).unwrap();
    assert_eq!(walk.road_graph().num_nodes(), 3);
    assert_eq!(walk.components().dropped_nodes, 2);
}
