//! geo-data benchmark: import, graph loading, matrices on Chengdu and on a
//! ~500k-node synthetic city, and the whole `lastmile matrix` command.
//!
//! ```sh
//! cargo build --release -p lastmile -p lastmile-benches
//! target/release/bench_geo            # CARGO_TARGET_DIR may move target/
//! ```
//!
//! `bench_geo --point-index` runs only the point-index rows (one new point
//! against a 2,000-point plan, the escalation desk's query), on Chengdu and on
//! the ~500k-node synthetic walk graph.
//!
//! Reads ../shared/data/osm (or $LASTMILE_SHARED_DATA/osm); rows whose data is
//! missing are skipped with a note. Times are medians of several runs; peak
//! memory of an import is measured in a child process (VmHWM), so one import
//! does not inherit another's high-water mark.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use geo_data::synthetic::{city, CityConfig};
use geo_data::{oracle, NoProgress, PreparedGraphs, Profile, ProfileGraph, SnappedPoint};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// geo-data benchmark: import, graph loading, matrices on Chengdu and on a
/// ~500k-node synthetic city, and the whole `lastmile matrix` command.
#[derive(Parser)]
#[command(args_override_self = true)]
struct Args {
    /// Only the point-index rows (the escalation desk's query), on Chengdu and the synthetic city.
    #[arg(long)]
    point_index: bool,
    /// Internal: import FILE and print "seconds peak_mb nodes" (an import row's child process).
    #[arg(long, value_name = "FILE", hide = true)]
    import_child: Option<PathBuf>,
}

fn shared_osm() -> PathBuf {
    lastmile_benches::shared_data().join("osm")
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn time_runs(runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm-up: scratch buffers, page cache
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn row(what: &str, value: String, note: String) {
    println!("| {what:<52} | {value:>12} | {note} |");
}

/// Points near random road nodes, snapped.
fn points(g: &ProfileGraph, k: usize, seed: u64) -> Vec<SnappedPoint> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let rg = g.road_graph();
    let mut pts = Vec::with_capacity(k);
    while pts.len() < k {
        let (lat, lon) = rg.coord(geo_data::NodeIdx(rng.gen_range(0..rg.num_nodes() as u32)));
        if let Ok(p) = g.snap(
            lat + rng.gen_range(-0.0002..0.0002),
            lon + rng.gen_range(-0.0002..0.0002),
        ) {
            pts.push(p);
        }
    }
    pts
}

/// Median, 95th percentile and maximum of single measurements.
fn spread(mut xs: Vec<Duration>) -> (Duration, Duration, Duration) {
    xs.sort();
    let at = |q: f64| xs[((xs.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95), at(1.0))
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// The escalation desk's query: a plan of 2,000 walk points, then costs from
/// and to each of 1,000 new points one at a time (single-threaded, as the desk
/// asks), and 100 urgent orders appended to the plan.
fn point_index_rows(walk: &ProfileGraph, place: &str, runs: usize) {
    let plan = points(walk, 2000, 1);
    let build = time_runs(runs, || {
        walk.point_index(&plan);
    });
    let mut index = walk.point_index(&plan);
    row(
        &format!("point index: build for 2,000 walk points, {place}"),
        ms(build),
        format!(
            "{} bucket entries, {:.1} MB; graph of {} nodes",
            index.num_entries(),
            index.heap_bytes() as f64 / 1e6,
            walk.road_graph().num_nodes()
        ),
    );
    let new_points = points(walk, 1000, 3);
    let mut plus_one = plan.clone();
    plus_one.push(new_points[0]);
    let matrix = time_runs(3, || {
        walk.matrix(&plus_one);
    });
    row(
        "  the alternative: matrix on 2,001 points",
        ms(matrix),
        "what one new point cost before the index".into(),
    );
    let query = |index: &geo_data::PointIndex| {
        let mut both = Vec::with_capacity(new_points.len());
        let mut from = Vec::with_capacity(new_points.len());
        for p in &new_points {
            let t = Instant::now();
            std::hint::black_box(walk.from_point(index, p));
            let f = t.elapsed();
            std::hint::black_box(walk.to_point(index, p));
            both.push(t.elapsed());
            from.push(f);
        }
        (spread(both), spread(from).0)
    };
    query(&index); // warm-up
    let ((med, p95, max), from_med) = query(&index);
    row(
        "  from_point + to_point, 1,000 new points",
        us(med),
        format!(
            "median (from_point alone {}); p95 {}, max {}; one thread",
            us(from_med),
            us(p95),
            us(max)
        ),
    );
    let mut appends = Vec::with_capacity(100);
    for p in &new_points[..100] {
        let t = Instant::now();
        walk.append_point(&mut index, p);
        appends.push(t.elapsed());
    }
    let (med, _, max) = spread(appends);
    row(
        "  append_point, 100 urgent orders one by one",
        us(med),
        format!("median; max {}", us(max)),
    );
    let ((med, p95, _), _) = query(&index);
    row(
        "  from_point + to_point after the 100 appends",
        us(med),
        format!("median, p95 {}; index of {} points", us(p95), index.len()),
    );
}

/// Child mode: import one file, print "seconds peak_mb".
fn import_child(file: &Path) {
    let t = Instant::now();
    let (g, _) = PreparedGraphs::import_pbf(file, &NoProgress).expect("import");
    let secs = t.elapsed().as_secs_f64();
    let nodes: usize = g.graphs().iter().map(|x| x.road_graph().num_nodes()).sum();
    println!("{secs} {} {nodes}", peak_rss_mb());
}

fn main() {
    let args = Args::parse();
    if let Some(file) = &args.import_child {
        import_child(file);
        return;
    }
    let runs = 7;
    if args.point_index {
        println!("| {:<52} | {:>12} | note |", "what", "time");
        println!("|{}|{}|------|", "-".repeat(54), "-".repeat(14));
        let chengdu = shared_osm().join("chengdu-central.osm.pbf");
        if chengdu.exists() {
            let (graphs, _) = PreparedGraphs::import_pbf(&chengdu, &NoProgress).expect("import");
            let walk = graphs.graph(Profile::Walk).expect("walk graph");
            point_index_rows(walk, "chengdu", runs);
        } else {
            row(
                "point index rows, chengdu",
                "skipped".into(),
                "no data".into(),
            );
        }
        let data = city(&CityConfig::with_nodes(500_000, 1));
        let (rg, report) = geo_data::osm::build_graph(&data, Profile::Walk);
        let g = ProfileGraph::from_graph(Profile::Walk, rg, report);
        point_index_rows(&g, "synthetic city", runs);
        return;
    }
    let threads = rayon::current_num_threads();
    println!(
        "geo-data benchmark, release build, {threads} rayon threads, medians of {runs} runs\n"
    );
    println!("| {:<52} | {:>12} | note |", "what", "time");
    println!("|{}|{}|------|", "-".repeat(54), "-".repeat(14));

    let osm = shared_osm();
    for name in ["monaco", "chengdu-central"] {
        let file = osm.join(format!("{name}.osm.pbf"));
        if !file.exists() {
            row(
                &format!("import {name} (3 profiles + hierarchies)"),
                "skipped".into(),
                "no data".into(),
            );
            continue;
        }
        let exe = std::env::current_exe().expect("own path");
        let out = Command::new(exe)
            .arg("--import-child")
            .arg(&file)
            .output()
            .expect("child runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let v: Vec<f64> = text
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        row(
            &format!("import {name} (3 profiles + hierarchies)"),
            format!("{:.2} s", v[0]),
            format!("peak RSS {:.0} MB, {} graph nodes in all", v[1], v[2]),
        );
    }

    let chengdu = osm.join("chengdu-central.osm.pbf");
    if chengdu.exists() {
        let dir = std::env::temp_dir().join(format!("bench-geo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let graph_file = dir.join("chengdu.lmg");
        PreparedGraphs::import_pbf(&chengdu, &NoProgress)
            .unwrap()
            .0
            .save(&graph_file)
            .unwrap();
        let load = time_runs(runs, || {
            PreparedGraphs::load(&graph_file).unwrap();
        });
        row(
            "load chengdu graph file (all profiles)",
            ms(load),
            format!(
                "{:.1} MB",
                std::fs::metadata(&graph_file).unwrap().len() as f64 / 1e6
            ),
        );
        let graphs = PreparedGraphs::load(&graph_file).unwrap();
        let walk = graphs.graph(Profile::Walk).unwrap();
        let all = points(walk, 2000, 1);
        let snap_t = time_runs(runs, || {
            for p in &all[..1000] {
                walk.snap(p.lat(), p.lon()).unwrap();
            }
        });
        row(
            "snap 1,000 points (walk, chengdu)",
            ms(snap_t),
            "R-tree built on first use".into(),
        );
        for k in [100, 1000, 2000] {
            let pts = &all[..k];
            let t = time_runs(runs, || {
                walk.matrix(pts);
            });
            row(
                &format!("matrix {k}x{k} walk, chengdu (CH buckets)"),
                ms(t),
                format!("{:.0} ns per cell", t.as_secs_f64() * 1e9 / (k * k) as f64),
            );
        }
        point_index_rows(walk, "chengdu", runs);
        let pts = &all[..1000];
        let t = time_runs(3, || {
            let og = oracle::OracleGraph::new(walk.road_graph(), pts);
            let _rows: Vec<_> = (0..pts.len()).into_par_iter().map(|i| og.row(i)).collect();
        });
        row(
            "  baseline: 1000 plain Dijkstras in parallel, chengdu",
            ms(t),
            "the test oracle".into(),
        );

        // The whole command, as a user runs it.
        let lastmile = std::env::current_exe().unwrap().with_file_name("lastmile");
        if lastmile.exists() {
            let csv = dir.join("points.csv");
            let mut text = String::from("id,lat,lon\n");
            for (i, p) in pts.iter().enumerate() {
                text.push_str(&format!("p{i},{},{}\n", p.lat(), p.lon()));
            }
            std::fs::write(&csv, text).unwrap();
            let out = dir.join("m.json");
            let t = time_runs(5, || {
                let st = Command::new(&lastmile)
                    .args(["matrix", "--profile", "walk", "--graph"])
                    .arg(&graph_file)
                    .arg("--points")
                    .arg(&csv)
                    .arg("-o")
                    .arg(&out)
                    .status()
                    .unwrap();
                assert!(st.success());
            });
            row(
                "`lastmile matrix` 1,000 points walk, chengdu",
                ms(t),
                format!(
                    "load + snap + matrix + {:.1} MB JSON",
                    std::fs::metadata(&out).unwrap().len() as f64 / 1e6
                ),
            );
        } else {
            row(
                "`lastmile matrix` 1,000 points",
                "skipped".into(),
                "build it: cargo build --release -p lastmile".into(),
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    } else {
        row("chengdu rows", "skipped".into(), "no data".into());
    }

    // The synthetic city.
    let cfg = CityConfig::with_nodes(500_000, 1);
    let t = Instant::now();
    let data = city(&cfg);
    let gen = t.elapsed();
    for p in [Profile::Walk, Profile::Car] {
        let t = Instant::now();
        let (rg, report) = geo_data::osm::build_graph(&data, p);
        let build = t.elapsed();
        let t = Instant::now();
        let g = ProfileGraph::from_graph(p, rg, report);
        let prep = t.elapsed();
        row(
            &format!("synthetic city {p}: graph + hierarchy"),
            format!("{:.2} s", (build + prep).as_secs_f64()),
            format!(
                "{} nodes, {} edges, {} shortcuts; graph {:.2} s, CH {:.2} s (generation {:.2} s)",
                g.road_graph().num_nodes(),
                g.road_graph().num_edges(),
                g.hierarchy().num_shortcuts(),
                build.as_secs_f64(),
                prep.as_secs_f64(),
                gen.as_secs_f64()
            ),
        );
        let pts = points(&g, 1000, 2);
        let t = time_runs(runs, || {
            g.matrix(&pts);
        });
        row(
            &format!("matrix 1000x1000 {p}, synthetic city (CH buckets)"),
            ms(t),
            format!("{:.0} ns per cell", t.as_secs_f64() * 1e9 / 1e6),
        );
        if p == Profile::Walk {
            point_index_rows(&g, "synthetic city", runs);
            let og = oracle::OracleGraph::new(g.road_graph(), &pts);
            let t = Instant::now();
            let _rows: Vec<_> = (0..20usize).into_par_iter().map(|i| og.row(i)).collect();
            let per_row = t.elapsed() / 20;
            row(
                "  baseline: plain Dijkstra, extrapolated to 1000 rows",
                format!("{:.1} s", per_row.as_secs_f64() * 1000.0),
                "20 rows measured, in parallel".into(),
            );
        }
    }
    println!("\npeak RSS of this process: {:.0} MB", peak_rss_mb());
}
