//! The finder on small hand-built extracts, and the point-in-ring test's edge
//! cases. Positions are written in metres north and east of a point in
//! central Chengdu, so each test reads like a site plan.

use super::geometry::Local;
use super::*;

/// `[lat, lon]` of a point `n` metres north and `e` metres east of the origin.
fn at(n: f64, e: f64) -> [f64; 2] {
    Local::at([30.67, 104.07]).latlon([n, e])
}

/// Builds an extract in metres; node ids are handed out in order.
struct Site {
    data: OsmData,
    next: i64,
}

impl Site {
    fn new() -> Site {
        Site {
            data: OsmData::default(),
            next: 1000,
        }
    }

    fn node(&mut self, n: f64, e: f64) -> i64 {
        self.next += 1;
        let [lat, lon] = at(n, e);
        self.data.add_node(self.next, lat, lon);
        self.next
    }

    fn gate(&mut self, n: f64, e: f64, tags: &[(&str, &str)]) -> i64 {
        self.next += 1;
        let [lat, lon] = at(n, e);
        self.data.add_gate_node(self.next, lat, lon, tags);
        self.next
    }

    /// A closed area through `pts`, as an area way with id `id`.
    fn area(&mut self, id: i64, pts: &[(f64, f64)], tags: &[(&str, &str)]) -> Vec<i64> {
        let mut refs: Vec<i64> = pts.iter().map(|&(n, e)| self.node(n, e)).collect();
        refs.push(refs[0]);
        self.data.add_area(id, refs.clone(), tags);
        refs
    }

    /// An axis-aligned rectangle from (n0, e0) to (n1, e1).
    fn rect(&mut self, id: i64, (n0, e0): (f64, f64), (n1, e1): (f64, f64), tags: &[(&str, &str)]) {
        self.area(id, &[(n0, e0), (n0, e1), (n1, e1), (n1, e0)], tags);
    }

    fn road(&mut self, id: i64, pts: &[(f64, f64)], tags: &[(&str, &str)]) {
        let refs = pts.iter().map(|&(n, e)| self.node(n, e)).collect();
        self.data.add_way(id, refs, tags);
    }
}

/// A 100 m square compound (way 1) with a named gate 3 m outside its south
/// fence, a road crossing its east fence, two buildings inside (one with a
/// door 10 m from the fence) and one outside.
fn square_site(tagged_gate: bool) -> Site {
    let mut s = Site::new();
    s.rect(
        1,
        (0.0, 0.0),
        (100.0, 100.0),
        &[("landuse", "residential"), ("name", "幸福小区")],
    );
    if tagged_gate {
        s.gate(-3.0, 50.0, &[("barrier", "gate"), ("name", "南门")]);
    }
    s.road(
        50,
        &[(50.0, 160.0), (50.0, 130.0), (50.0, 60.0)],
        &[("highway", "service"), ("name", "幸福路")],
    );
    s.rect(
        11,
        (10.0, 20.0),
        (30.0, 40.0),
        &[("building", "residential"), ("name", "1栋")],
    );
    // The door of building 11, on its south wall, 10 m from the fence.
    let door = s.gate(10.0, 30.0, &[("entrance", "yes")]);
    let b11 = s.data.areas.iter_mut().find(|w| w.id == 11).unwrap();
    b11.refs.insert(1, door);
    s.rect(
        12,
        (60.0, 20.0),
        (80.0, 40.0),
        &[("building", "yes"), ("addr:housenumber", "2")],
    );
    s.rect(
        13,
        (120.0, 20.0),
        (140.0, 40.0),
        &[("building", "yes"), ("name", "外面")],
    );
    s
}

fn near(g: &FoundGate, n: f64, e: f64) -> bool {
    let [lat, lon] = at(n, e);
    crate::distance::haversine_m((g.lat, g.lon), (lat, lon)) < 0.5
}

#[test]
fn a_square_compound_with_a_tagged_gate() {
    let found = find_compounds(&square_site(true).data);
    assert_eq!(found.len(), 1);
    let c = &found[0];
    assert_eq!(c.osm_way, 1);
    assert_eq!(c.name.as_deref(), Some("幸福小区"));
    assert_eq!(c.boundary.len(), 5);
    assert_eq!(c.boundary.first(), c.boundary.last());
    // The mapped gate only: the road crossing is for compounds without one,
    // and the building's door is not a compound gate.
    assert_eq!(c.gates.len(), 1, "{:?}", c.gates);
    let g = &c.gates[0];
    assert_eq!(g.kind, GateKind::Tagged);
    assert_eq!(g.name.as_deref(), Some("南门"));
    assert!(g.osm_node.is_some());
    assert!(near(g, -3.0, 50.0));
    let ids: Vec<i64> = c.buildings.iter().map(|b| b.osm_way).collect();
    assert_eq!(ids, [11, 12]);
    assert_eq!(c.buildings[0].name.as_deref(), Some("1栋"));
    assert_eq!(c.buildings[1].name.as_deref(), Some("2"));
    let [lat, lon] = at(70.0, 30.0);
    assert!((c.buildings[1].lat - lat).abs() < 1e-7 && (c.buildings[1].lon - lon).abs() < 1e-7);
}

#[test]
fn roads_only_the_gate_is_where_the_road_crosses() {
    let found = find_compounds(&square_site(false).data);
    assert_eq!(found.len(), 1);
    let gates = &found[0].gates;
    assert_eq!(gates.len(), 1, "{gates:?}");
    let g = &gates[0];
    assert_eq!(g.kind, GateKind::RoadCrossing);
    assert_eq!(g.name.as_deref(), Some("幸福路"));
    // Between two road nodes: no OSM node there.
    assert_eq!(g.osm_node, None);
    assert!(near(g, 50.0, 100.0), "{g:?}");
    assert_eq!(found[0].buildings.len(), 2);
}

#[test]
fn a_road_through_the_compound_gives_two_gates_in_order_along_the_fence() {
    let mut s = square_site(false);
    s.road(
        51,
        &[(-40.0, 70.0), (140.0, 70.0)],
        &[("highway", "residential")],
    );
    let gates = &find_compounds(&s.data)[0].gates;
    // The ring runs south fence (east-bound), east, north, west.
    assert_eq!(gates.len(), 3, "{gates:?}");
    assert!(near(&gates[0], 0.0, 70.0));
    assert!(near(&gates[1], 50.0, 100.0));
    assert!(near(&gates[2], 100.0, 70.0));
    assert!(gates[0].name.is_none());
}

#[test]
fn roads_along_or_touching_the_fence_cross_nothing() {
    let mut s = Site::new();
    let ring = s.area(
        1,
        &[(0.0, 0.0), (0.0, 100.0), (100.0, 100.0), (100.0, 0.0)],
        &[("landuse", "residential")],
    );
    // Along the south fence, sharing its corner nodes.
    s.data
        .add_way(60, vec![ring[0], ring[1]], &[("highway", "residential")]);
    // Along the west fence on nodes of its own, past both ends.
    s.road(
        61,
        &[(-20.0, 0.0), (120.0, 0.0)],
        &[("highway", "residential")],
    );
    // Up to the east fence and back out.
    s.road(
        62,
        &[(50.0, 130.0), (50.0, 100.0), (60.0, 130.0)],
        &[("highway", "service")],
    );
    // Through the north-east corner from outside to outside.
    s.road(
        63,
        &[(90.0, 120.0), (100.0, 100.0), (120.0, 90.0)],
        &[("highway", "service")],
    );
    let found = find_compounds(&s.data);
    assert_eq!(found.len(), 1);
    assert!(found[0].gates.is_empty(), "{:?}", found[0].gates);
}

#[test]
fn a_road_ending_on_a_fence_node_crosses_there() {
    let mut s = Site::new();
    let ring = s.area(
        1,
        &[(0.0, 0.0), (0.0, 100.0), (100.0, 100.0), (100.0, 0.0)],
        &[("landuse", "residential")],
    );
    let outside = s.node(-30.0, 50.0);
    let fence = s.node(0.0, 50.0);
    let inside = s.node(30.0, 50.0);
    // The fence gets the shared node, as when a mapper joins the two.
    let way = s.data.areas.iter_mut().find(|w| w.id == 1).unwrap();
    way.refs.insert(1, fence);
    assert_eq!(way.refs.len(), ring.len() + 1);
    s.data
        .add_way(70, vec![outside, fence, inside], &[("highway", "service")]);
    let gates = &find_compounds(&s.data)[0].gates;
    assert_eq!(gates.len(), 1, "{gates:?}");
    assert_eq!(gates[0].osm_node, Some(fence));
    assert!(near(&gates[0], 0.0, 50.0));
}

#[test]
fn gates_closer_than_ten_metres_are_one() {
    let mut s = Site::new();
    s.rect(1, (0.0, 0.0), (100.0, 100.0), &[("landuse", "residential")]);
    let unnamed = s.gate(0.0, 20.0, &[("barrier", "lift_gate")]);
    s.gate(0.0, 26.0, &[("barrier", "gate"), ("name", "东门")]);
    let far = s.gate(0.0, 45.0, &[("entrance", "main")]);
    // 25 m outside: too far to belong to the fence.
    s.gate(-25.0, 50.0, &[("barrier", "gate")]);
    // Within reach but not a gate.
    s.gate(-2.0, 80.0, &[("entrance", "no")]);
    let gates = &find_compounds(&s.data)[0].gates;
    let names: Vec<Option<&str>> = gates.iter().map(|g| g.name.as_deref()).collect();
    // The named one of the close pair stays.
    assert_eq!(names, [Some("东门"), None], "{gates:?}");
    assert_eq!(gates[1].osm_node, Some(far));
    assert!(gates.iter().all(|g| g.osm_node != Some(unnamed)));
}

#[test]
fn odd_areas_are_skipped_without_panicking() {
    let mut s = Site::new();
    // Too small (30 m × 30 m), too large (2 km × 2 km), not closed, a node
    // missing, not residential, and two rings of fewer than four refs.
    s.rect(1, (0.0, 0.0), (30.0, 30.0), &[("landuse", "residential")]);
    s.rect(
        2,
        (0.0, 0.0),
        (2000.0, 2000.0),
        &[("place", "neighbourhood")],
    );
    let open: Vec<i64> = [(0.0, 0.0), (0.0, 100.0), (100.0, 100.0), (100.0, 0.0)]
        .iter()
        .map(|&(n, e)| s.node(n, e))
        .collect();
    s.data.add_area(3, open, &[("landuse", "residential")]);
    let mut refs = s.area(
        4,
        &[(0.0, 0.0), (0.0, 100.0), (100.0, 100.0), (100.0, 0.0)],
        &[("landuse", "residential")],
    );
    refs[2] = 999_999;
    s.data.areas.last_mut().unwrap().refs = refs;
    s.rect(5, (0.0, 0.0), (100.0, 100.0), &[("landuse", "commercial")]);
    let a = s.node(0.0, 0.0);
    s.data
        .add_area(6, vec![a, a], &[("landuse", "residential")]);
    s.data.add_area(7, vec![], &[("residential", "urban")]);
    // A building with a missing node and a road with one.
    s.data
        .add_area(8, vec![a, 999_998, a, a], &[("building", "yes")]);
    s.data
        .add_way(9, vec![a, 999_997, a], &[("highway", "service")]);
    // A tagged node without coordinates.
    s.data.gate_nodes.push(crate::osm::OsmNode {
        id: 999_996,
        tags: vec![("barrier".into(), "gate".into())],
    });
    assert!(find_compounds(&s.data).is_empty());
    // Residential=* on its own, and the same way listed twice, count once.
    s.rect(10, (0.0, 0.0), (100.0, 100.0), &[("residential", "urban")]);
    let twice = s.data.areas.last().unwrap().clone();
    s.data.areas.push(twice);
    let found = find_compounds(&s.data);
    assert_eq!(found.iter().map(|c| c.osm_way).collect::<Vec<_>>(), [10]);
}

#[test]
fn compounds_come_by_way_id() {
    let mut s = Site::new();
    s.rect(
        30,
        (0.0, 0.0),
        (100.0, 100.0),
        &[("landuse", "residential")],
    );
    s.rect(
        10,
        (0.0, 200.0),
        (100.0, 300.0),
        &[("landuse", "residential")],
    );
    // A building inside both nested areas belongs to both.
    s.rect(
        20,
        (0.0, 0.0),
        (300.0, 300.0),
        &[("landuse", "residential")],
    );
    s.rect(40, (40.0, 40.0), (60.0, 60.0), &[("building", "yes")]);
    let found = find_compounds(&s.data);
    assert_eq!(
        found.iter().map(|c| c.osm_way).collect::<Vec<_>>(),
        [10, 20, 30]
    );
    assert_eq!(found[1].buildings.len(), 1);
    assert_eq!(found[2].buildings.len(), 1);
    assert!(found[0].buildings.is_empty());
}

#[cfg(feature = "fixtures")]
#[test]
fn the_reader_keeps_areas_only_when_asked() {
    use crate::osm::{read_pbf_from, read_pbf_from_keeping, Keep};
    use crate::NoProgress;
    use std::io::Cursor;
    use std::path::Path;

    let site = square_site(true);
    let mut bytes = Vec::new();
    crate::pbf_writer::write_pbf(&site.data, &mut bytes).unwrap();
    let name = Path::new("site.osm.pbf");
    let roads = read_pbf_from(Cursor::new(&bytes), name, &NoProgress).unwrap();
    let all =
        read_pbf_from_keeping(Cursor::new(&bytes), name, Keep::RoadsAndAreas, &NoProgress).unwrap();
    // The reader's tags come sorted by key.
    let sorted = |ways: &[OsmWay]| -> Vec<OsmWay> {
        let mut ways = ways.to_vec();
        ways.iter_mut().for_each(|w| w.tags.sort());
        ways
    };
    // The road import is what it was: the road and its three nodes.
    assert!(roads.areas.is_empty() && roads.gate_nodes.is_empty());
    assert_eq!(sorted(&roads.ways), sorted(&site.data.ways));
    assert_eq!(roads.nodes.len(), 3);
    assert!(find_compounds(&roads).is_empty());
    // With areas, the same ways and the compound as built in memory.
    assert_eq!(all.ways, roads.ways);
    assert_eq!(sorted(&all.areas), sorted(&site.data.areas));
    assert_eq!(all.gate_nodes, site.data.gate_nodes);
    assert_eq!(find_compounds(&all), find_compounds(&site.data));
}

#[test]
fn point_in_ring_on_a_square() {
    let sq = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]];
    assert!(point_in_ring(0.5, 0.5, &sq));
    assert!(point_in_ring(0.001, 0.999, &sq));
    assert!(!point_in_ring(1.5, 0.5, &sq));
    assert!(!point_in_ring(0.5, -0.001, &sq));
    // The closing vertex may be left out, and the winding does not matter.
    assert!(point_in_ring(0.5, 0.5, &sq[..4]));
    let mut rev = sq;
    rev.reverse();
    assert!(point_in_ring(0.5, 0.5, &rev));
    assert!(!point_in_ring(2.0, 2.0, &rev));
}

#[test]
fn point_in_ring_rays_through_vertices_and_along_edges() {
    // A diamond: the ray from (0, x) runs through the vertices at latitude 0.
    let diamond = [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [1.0, 0.0]];
    assert!(point_in_ring(0.0, 0.0, &diamond));
    assert!(!point_in_ring(0.0, -2.0, &diamond));
    assert!(!point_in_ring(0.0, 2.0, &diamond));
    assert!(!point_in_ring(1.0, -2.0, &diamond));
    // A horizontal edge at the point's latitude, and repeated vertices.
    let step = [
        [0.0, 0.0],
        [0.0, 2.0],
        [1.0, 2.0],
        [1.0, 1.0],
        [1.0, 1.0],
        [2.0, 1.0],
        [2.0, 0.0],
    ];
    assert!(point_in_ring(1.0, 0.5, &step));
    assert!(!point_in_ring(1.0, 3.0, &step));
    assert!(!point_in_ring(1.0, -1.0, &step));
    assert!(point_in_ring(0.5, 1.5, &step));
    assert!(!point_in_ring(1.5, 1.5, &step));
}

#[test]
fn point_in_ring_concave_self_crossing_and_degenerate() {
    // A U open to the north: the notch is outside.
    let u = [
        [0.0, 0.0],
        [0.0, 3.0],
        [3.0, 3.0],
        [3.0, 2.0],
        [1.0, 2.0],
        [1.0, 1.0],
        [3.0, 1.0],
        [3.0, 0.0],
    ];
    assert!(point_in_ring(2.0, 0.5, &u));
    assert!(point_in_ring(2.0, 2.5, &u));
    assert!(!point_in_ring(2.0, 1.5, &u));
    assert!(point_in_ring(0.5, 1.5, &u));
    // A bow tie crossing itself at (1, 1): both lobes (south and north) are
    // in, the sides between them are out.
    let bow = [[0.0, 0.0], [2.0, 2.0], [2.0, 0.0], [0.0, 2.0]];
    assert!(point_in_ring(0.2, 1.0, &bow));
    assert!(point_in_ring(1.8, 1.0, &bow));
    assert!(!point_in_ring(1.0, 0.2, &bow));
    assert!(!point_in_ring(1.0, 1.8, &bow));
    // Nested rings drawn as one (a square with its hole traced back): even-odd
    // leaves the hole out.
    let holed = [
        [0.0, 0.0],
        [0.0, 4.0],
        [4.0, 4.0],
        [4.0, 0.0],
        [0.0, 0.0],
        [1.0, 1.0],
        [3.0, 1.0],
        [3.0, 3.0],
        [1.0, 3.0],
        [1.0, 1.0],
    ];
    assert!(point_in_ring(0.5, 2.0, &holed));
    assert!(!point_in_ring(2.0, 2.0, &holed));
    // Nothing is inside fewer than three points, a flat ring or NaN.
    assert!(!point_in_ring(0.0, 0.0, &[]));
    assert!(!point_in_ring(0.0, 0.0, &[[0.0, 0.0], [1.0, 1.0]]));
    assert!(!point_in_ring(
        0.5,
        0.5,
        &[[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    ));
    assert!(!point_in_ring(f64::NAN, 0.5, &u));
    assert!(!point_in_ring(2.0, f64::NAN, &u));
}
