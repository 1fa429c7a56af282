//! The compound finder on the real Chengdu extracts: it must run through them
//! without a panic, return well-formed candidates, and leave the road import
//! as it was. It prints what it found and how long it took, the figures a
//! coordinator's review starts from (`cargo test -p geo-data --test compounds
//! -- --nocapture`).
//!
//! Reads ../shared/data/osm/chengdu-central.osm.pbf and
//! chengdu-roads-only.osm.pbf (or `$LASTMILE_SHARED_DATA/osm/…`) and prints a
//! note and passes when they are absent.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use geo_data::compounds::{point_in_ring, GATE_REACH_M};
use geo_data::osm::{read_pbf, read_pbf_keeping, Keep};
use geo_data::snap::haversine_m;
use geo_data::{find_compounds, FoundCompound, GateKind, NoProgress, OsmData};

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
            "note: {} not found, skipping the real-data compound test",
            path.display()
        );
        None
    }
}

/// Distance from a point to a `[lat, lon]` ring's edges, in metres (sampled
/// along each edge: a check, not the finder's own geometry).
fn to_boundary_m(p: (f64, f64), ring: &[[f64; 2]]) -> f64 {
    ring.windows(2)
        .flat_map(|e| {
            (0..=50).map(move |i| {
                let t = i as f64 / 50.0;
                (
                    e[0][0] + (e[1][0] - e[0][0]) * t,
                    e[0][1] + (e[1][1] - e[0][1]) * t,
                )
            })
        })
        .map(|q| haversine_m(p, q))
        .fold(f64::INFINITY, f64::min)
}

/// Asserts what every candidate must satisfy, whatever the data.
fn check_well_formed(found: &[FoundCompound]) {
    assert!(found.windows(2).all(|w| w[0].osm_way < w[1].osm_way));
    for c in found {
        assert!(c.boundary.len() >= 4 && c.boundary.first() == c.boundary.last());
        for b in &c.buildings {
            assert!(
                point_in_ring(b.lat, b.lon, &c.boundary),
                "{}: {b:?}",
                c.osm_way
            );
        }
        for g in &c.gates {
            // The finder measures in a local plane, this in great circles.
            let d = to_boundary_m((g.lat, g.lon), &c.boundary);
            assert!(
                d <= GATE_REACH_M + 0.5,
                "{}: {g:?} is {d:.1} m off",
                c.osm_way
            );
        }
        let tagged = c
            .gates
            .iter()
            .filter(|g| g.kind == GateKind::Tagged)
            .count();
        assert!(
            tagged == 0 || tagged == c.gates.len(),
            "{}: mixed kinds",
            c.osm_way
        );
    }
}

/// Runs the finder, prints its figures and returns the candidates.
fn report(label: &str, data: &OsmData, read: Duration) -> Vec<FoundCompound> {
    let t = Instant::now();
    let found = find_compounds(data);
    let took = t.elapsed();
    check_well_formed(&found);
    let tagged = found
        .iter()
        .filter(|c| c.gates.first().is_some_and(|g| g.kind == GateKind::Tagged))
        .count();
    let crossing = found
        .iter()
        .filter(|c| {
            c.gates
                .first()
                .is_some_and(|g| g.kind == GateKind::RoadCrossing)
        })
        .count();
    let gates: usize = found.iter().map(|c| c.gates.len()).sum();
    let buildings: usize = found.iter().map(|c| c.buildings.len()).sum();
    let distinct: std::collections::HashSet<i64> = found
        .iter()
        .flat_map(|c| c.buildings.iter().map(|b| b.osm_way))
        .collect();
    let with_buildings = found.iter().filter(|c| !c.buildings.is_empty()).count();
    let named = found.iter().filter(|c| c.name.is_some()).count();
    eprintln!(
        "{label}: {} areas, {} gate nodes kept; {} compounds ({named} named): {tagged} with tagged \
         gates, {crossing} with road-crossing gates only, {} with no gate; {gates} gates; \
         {buildings} buildings ({} distinct) in {with_buildings} compounds; read {read:.2?}, find_compounds {took:.2?}",
        data.areas.len(),
        data.gate_nodes.len(),
        found.len(),
        found.len() - tagged - crossing,
        distinct.len(),
    );
    found
}

#[test]
fn compounds_on_the_chengdu_extracts() {
    let (Some(central), Some(roads_only)) = (
        shared_osm("chengdu-central.osm.pbf"),
        shared_osm("chengdu-roads-only.osm.pbf"),
    ) else {
        return;
    };

    // Keeping areas leaves the routable part exactly as the road import reads it.
    let t = Instant::now();
    let plain = read_pbf(&central, &NoProgress).unwrap();
    let plain_read = t.elapsed();
    let t = Instant::now();
    let data = read_pbf_keeping(&central, Keep::RoadsAndAreas, &NoProgress).unwrap();
    let read = t.elapsed();
    assert_eq!(data.ways, plain.ways);
    assert_eq!(data.missing_refs, plain.missing_refs);
    assert!(plain
        .nodes
        .iter()
        .all(|(id, at)| data.nodes.get(id) == Some(at)));
    assert!(plain.areas.is_empty() && plain.gate_nodes.is_empty());
    assert!(find_compounds(&plain).is_empty());
    eprintln!(
        "chengdu-central: road import {plain_read:.2?} ({} nodes), with areas {read:.2?} ({} nodes)",
        plain.nodes.len(),
        data.nodes.len()
    );

    let found = report("chengdu-central", &data, read);
    assert!(!found.is_empty(), "chengdu-central maps residential land");

    // The same areas with the roads-only road set and no gate nodes: what the
    // finder proposes where only roads and land use are mapped.
    let bare = OsmData {
        ways: data.roads_only().ways,
        gate_nodes: Vec::new(),
        ..data.clone()
    };
    let bare_found = report("chengdu-central, roads only, no gate nodes", &bare, read);
    assert_eq!(bare_found.len(), found.len());
    // Road crossings of compounds that have a tagged gate, farther than the
    // reach from all of them: openings the tagged gates do not account for.
    let all_roads = OsmData {
        gate_nodes: Vec::new(),
        ..data.clone()
    };
    let crossings = find_compounds(&all_roads);
    let (mut with_both, mut extra) = (0, 0);
    for (c, x) in found.iter().zip(&crossings) {
        if c.gates.first().is_none_or(|g| g.kind != GateKind::Tagged) {
            continue;
        }
        let n = x
            .gates
            .iter()
            .filter(|r| {
                c.gates
                    .iter()
                    .all(|g| haversine_m((g.lat, g.lon), (r.lat, r.lon)) > GATE_REACH_M)
            })
            .count();
        with_both += usize::from(n > 0);
        extra += n;
    }
    eprintln!(
        "chengdu-central: {with_both} compounds with tagged gates also have {extra} road crossings \
         more than {GATE_REACH_M} m from any of them (not reported: tagged gates win)"
    );

    let t = Instant::now();
    let data = read_pbf_keeping(&roads_only, Keep::RoadsAndAreas, &NoProgress).unwrap();
    let read = t.elapsed();
    report("chengdu-roads-only", &data, read);
}
