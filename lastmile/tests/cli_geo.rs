//! `lastmile prepare` and `lastmile matrix` as a user runs them, on the made-up
//! district: the happy path, and bad input giving one line on stderr, a
//! non-zero exit and never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use geo_data::district::point;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("lastmile-cli-geo-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn lastmile(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lastmile"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A clean failure: non-zero exit, exactly one line on stderr naming `needle`.
fn assert_one_line_error(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should fail: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    assert!(err.contains(needle), "{needle:?} not in: {err}");
}

/// Prepares the district into a graph file of its own (tests run in parallel).
fn prepared_district(name: &str) -> PathBuf {
    let d = dir();
    let pbf = d.join(format!("{name}.osm.pbf"));
    std::fs::write(&pbf, geo_data::district::pbf_bytes()).unwrap();
    let graph = d.join(format!("{name}.lmg"));
    let out = lastmile(&["prepare", s(&pbf), "-o", s(&graph)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    for p in ["walk", "bike", "car", "dropped"] {
        assert!(summary.contains(p), "summary lacks {p}: {summary}");
    }
    graph
}

#[test]
fn prepare_then_matrix_on_the_district() {
    let graph = prepared_district("happy");
    let csv = dir().join("points.csv");
    let (a, b, far) = (
        point(200.0, 0.0),
        point(170.0, 100.0),
        point(9000.0, 9000.0),
    );
    std::fs::write(
        &csv,
        format!(
            "id,lat,lon\nstreet,{},{}\ndoor,{},{}\nfar,{},{}\n",
            a.0, a.1, b.0, b.1, far.0, far.1
        ),
    )
    .unwrap();
    let json_path = dir().join("m.json");
    let out = lastmile(&[
        "matrix",
        "--graph",
        s(&graph),
        "--profile",
        "walk",
        "--points",
        s(&csv),
        "-o",
        s(&json_path),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(v["ids"], serde_json::json!(["street", "door"]));
    // Hand-checked in geo-data/tests/district.rs: 130 m at 5 km/h.
    assert_eq!(v["durations"], serde_json::json!([[0, 94], [94, 0]]));
    assert_eq!(v["distances"], serde_json::json!([[0, 130], [130, 0]]));
    assert_eq!(v["snap_distance"].as_array().unwrap().len(), 2);
    let refused = &v["refused"][0];
    assert_eq!(refused["id"], "far");
    assert_eq!(refused["line"], 4);
    assert!(refused["reason"]
        .as_str()
        .unwrap()
        .contains("from the nearest road"));

    // Without -o the JSON goes to stdout.
    let out = lastmile(&[
        "matrix",
        "--graph",
        s(&graph),
        "--profile",
        "car",
        "--points",
        s(&csv),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profile"], "car");
}

#[test]
fn bad_points_files_name_the_line() {
    let graph = prepared_district("badcsv");
    let cases = [
        ("id,lat,lon\na,30.65,104.05\nb,abc,104.05\n", "line 3"),
        ("a,30.65,104.05\nb,30.65\n", "line 2"),
        ("a,30.65,104.05\na,30.65,104.05\n", "duplicate id"),
        ("a,95.0,104.05\n", "not a valid latitude"),
        ("id,lat,lon\n", "no points"),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let csv = dir().join(format!("bad{i}.csv"));
        std::fs::write(&csv, text).unwrap();
        let out = lastmile(&[
            "matrix",
            "--graph",
            s(&graph),
            "--profile",
            "walk",
            "--points",
            s(&csv),
        ]);
        assert_one_line_error(&out, needle);
    }
    let out = lastmile(&[
        "matrix",
        "--graph",
        s(&graph),
        "--profile",
        "walk",
        "--points",
        "/nonexistent.csv",
    ]);
    assert_one_line_error(&out, "/nonexistent.csv");
}

#[test]
fn bad_graph_and_pbf_files_are_one_line_errors() {
    let d = dir();
    let csv = d.join("ok.csv");
    std::fs::write(&csv, "a,30.65,104.05\n").unwrap();

    let out = lastmile(&[
        "prepare",
        "/nonexistent/x.osm.pbf",
        "-o",
        s(&d.join("x.lmg")),
    ]);
    assert_one_line_error(&out, "/nonexistent/x.osm.pbf");

    let bad = d.join("bad.osm.pbf");
    let good = geo_data::district::pbf_bytes();
    std::fs::write(&bad, &good[..good.len() / 2]).unwrap();
    let out = lastmile(&["prepare", s(&bad), "-o", s(&d.join("bad.lmg"))]);
    assert_one_line_error(&out, "not a valid OSM PBF file");

    let mut empty = geo_data::OsmData::default();
    empty.add_node(1, 30.65, 104.05);
    let mut bytes = Vec::new();
    geo_data::pbf_writer::write_pbf(&empty, &mut bytes).unwrap();
    let empty_pbf = d.join("empty.osm.pbf");
    std::fs::write(&empty_pbf, bytes).unwrap();
    let out = lastmile(&["prepare", s(&empty_pbf), "-o", s(&d.join("empty.lmg"))]);
    assert_one_line_error(&out, "contains no roads");

    let graph = prepared_district("badfiles");
    let mut old = std::fs::read(&graph).unwrap();
    old[8] = old[8].wrapping_add(1);
    let old_graph = d.join("old.lmg");
    std::fs::write(&old_graph, old).unwrap();
    let out = lastmile(&[
        "matrix",
        "--graph",
        s(&old_graph),
        "--profile",
        "walk",
        "--points",
        s(&csv),
    ]);
    assert_one_line_error(&out, "prepare it again");

    let out = lastmile(&[
        "matrix",
        "--graph",
        s(&csv),
        "--profile",
        "walk",
        "--points",
        s(&csv),
    ]);
    assert_one_line_error(&out, "not a lastmile graph file");

    let out = lastmile(&[
        "matrix",
        "--graph",
        s(&graph),
        "--profile",
        "boat",
        "--points",
        s(&csv),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown profile"));
}
