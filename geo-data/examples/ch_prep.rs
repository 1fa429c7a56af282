//! Times contraction-hierarchy preparation and a 1000×1000 matrix on a synthetic
//! city (tuning aid): `cargo run --release -p geo-data --example ch_prep -- 200000 walk`.

use std::time::Instant;

use geo_data::synthetic::{city, CityConfig};
use geo_data::{Profile, ProfileGraph};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let nodes: u32 = args.get(1).and_then(|x| x.parse().ok()).unwrap_or(200_000);
    let profile: Profile = args
        .get(2)
        .and_then(|x| x.parse().ok())
        .unwrap_or(Profile::Walk);
    let data = city(&CityConfig::with_nodes(nodes, 1));
    let (rg, report) = geo_data::osm::build_graph(&data, profile);
    let t = Instant::now();
    let g = ProfileGraph::from_graph(profile, rg, report);
    let prep = t.elapsed();
    let rg = g.road_graph();
    let pts: Vec<_> = (0..1000u32)
        .map(|i| {
            g.point_at_node(geo_data::NodeIdx(
                (i as u64 * 7919 % rg.num_nodes() as u64) as u32,
            ))
        })
        .collect();
    g.matrix(&pts);
    let t = Instant::now();
    for _ in 0..3 {
        g.matrix(&pts);
    }
    println!(
        "{profile}: {} nodes, {} shortcuts, CH {:.2} s, matrix 1000x1000 {:.0} ms",
        rg.num_nodes(),
        g.hierarchy().num_shortcuts(),
        prep.as_secs_f64(),
        t.elapsed().as_secs_f64() * 1e3 / 3.0
    );
}
