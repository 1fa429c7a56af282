//! `lastmile matrix --graph <file> --profile walk|bike|car --points <points.csv>`:
//! snaps points onto a prepared graph and writes travel times and distances
//! between all of them as JSON.
//!
//! Input: one point per line, `id,lat,lon`, with an optional header line.
//! Output:
//!
//! ```json
//! { "profile": "walk",
//!   "ids": ["a", "b"],
//!   "durations": [[0, 61], [61, 0]],      // seconds, row = from; null = unreachable
//!   "distances": [[0, 85], [85, 0]],      // metres; null = unreachable
//!   "snap_distance": [3.2, 11.0],         // metres from each point to its road
//!   "access_s": [2, 8], "access_m": [3, 11], // the walk door ↔ road, in every cell
//!   "refused": [{"id": "c", "line": 4, "lat": 0.0, "lon": 0.0, "reason": "…"}] }
//! ```
//!
//! Refused points (too far from any road of the profile) are listed, not fatal:
//! the rest of the matrix is still useful. A malformed line is an error naming it.

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use geo_data::{PreparedGraphs, Profile, SnapConfig, SnappedPoint, TravelMatrix, UNREACHABLE};
use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

#[derive(clap::Args)]
pub struct Args {
    /// Prepared graph file (from `lastmile prepare`).
    #[arg(long)]
    pub graph: PathBuf,
    /// Travel profile: walk, bike or car.
    #[arg(long)]
    pub profile: Profile,
    /// CSV of points: `id,lat,lon` per line, optional header.
    #[arg(long)]
    pub points: PathBuf,
    /// Write the JSON here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Refuse points farther than this from every road (metres).
    #[arg(long, default_value_t = geo_data::DEFAULT_MAX_SNAP_M)]
    pub max_snap_m: f64,
}

/// One input line.
struct InputPoint {
    id: String,
    line: usize,
    lat: f64,
    lon: f64,
}

#[derive(Serialize)]
struct Refused {
    id: String,
    line: usize,
    lat: f64,
    lon: f64,
    reason: String,
}

/// Row-major `u32` values written as nested arrays, `UNREACHABLE` as `null`,
/// without building a million JSON values in memory first.
struct Rows<'a> {
    values: &'a [u32],
    n: usize,
}

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.n))?;
        if self.n > 0 {
            for row in self.values.chunks(self.n) {
                let row: Vec<Option<u32>> = row
                    .iter()
                    .map(|&x| (x != UNREACHABLE).then_some(x))
                    .collect();
                seq.serialize_element(&row)?;
            }
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Output<'a> {
    profile: &'static str,
    ids: Vec<&'a str>,
    durations: Rows<'a>,
    distances: Rows<'a>,
    snap_distance: Vec<f64>,
    /// Seconds of the walk between each door and its road position (each way,
    /// included in every duration to or from that point).
    access_s: Vec<u32>,
    /// Metres of that walk (included in every distance).
    access_m: Vec<u32>,
    refused: Vec<Refused>,
}

/// Reads `id,lat,lon` lines; the first line may be a header.
fn read_points(path: &Path) -> anyhow::Result<Vec<InputPoint>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read points file {}", path.display()))?;
    let name = path.display();
    let mut points = Vec::new();
    let mut seen = HashSet::new();
    let mut first = true;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = raw.split(',').map(str::trim).collect();
        if fields.len() != 3 {
            bail!(
                "{name} line {line}: expected `id,lat,lon`, found {} fields",
                fields.len()
            );
        }
        let (lat, lon) = (fields[1].parse::<f64>(), fields[2].parse::<f64>());
        // The first line is a header when neither coordinate is a number.
        let header = first && lat.is_err() && lon.is_err();
        first = false;
        if header {
            continue;
        }
        let lat = lat.map_err(|_| {
            anyhow::anyhow!(
                "{name} line {line}: latitude {:?} is not a number",
                fields[1]
            )
        })?;
        let lon = lon.map_err(|_| {
            anyhow::anyhow!(
                "{name} line {line}: longitude {:?} is not a number",
                fields[2]
            )
        })?;
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            bail!("{name} line {line}: ({lat}, {lon}) is not a valid latitude/longitude");
        }
        let id = fields[0].to_string();
        if id.is_empty() {
            bail!("{name} line {line}: empty id");
        }
        if !seen.insert(id.clone()) {
            bail!("{name} line {line}: duplicate id {id:?}");
        }
        points.push(InputPoint { id, line, lat, lon });
    }
    if points.is_empty() {
        bail!("{name}: no points (expected `id,lat,lon` lines)");
    }
    Ok(points)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let points = read_points(&args.points)?;
    let graphs = PreparedGraphs::load(&args.graph)?;
    let graph = graphs
        .graph(args.profile)
        .with_context(|| format!("{} has no {} graph", args.graph.display(), args.profile))?;
    if graph.road_graph().num_nodes() == 0 {
        bail!(
            "{} has no roads usable by {}",
            args.graph.display(),
            args.profile
        );
    }
    let cfg = SnapConfig {
        max_distance_m: args.max_snap_m,
    };
    let mut kept: Vec<(&InputPoint, SnappedPoint)> = Vec::new();
    let mut refused = Vec::new();
    for p in &points {
        match graph.snap_with(p.lat, p.lon, &cfg) {
            Ok(s) => kept.push((p, s)),
            Err(e) => refused.push(Refused {
                id: p.id.clone(),
                line: p.line,
                lat: p.lat,
                lon: p.lon,
                reason: e.to_string(),
            }),
        }
    }
    let snapped: Vec<SnappedPoint> = kept.iter().map(|(_, s)| *s).collect();
    let m: TravelMatrix = graph.matrix(&snapped);
    let n = m.size;
    let out = Output {
        profile: args.profile.name(),
        ids: kept.iter().map(|(p, _)| p.id.as_str()).collect(),
        durations: Rows {
            values: &m.durations,
            n,
        },
        distances: Rows {
            values: &m.distances,
            n,
        },
        snap_distance: kept
            .iter()
            .map(|(_, s)| (s.snap_distance_m() * 10.0).round() / 10.0)
            .collect(),
        access_s: kept.iter().map(|(_, s)| s.access().duration_s()).collect(),
        access_m: kept.iter().map(|(_, s)| s.access().distance_m()).collect(),
        refused,
    };
    let unreachable = m.durations.iter().filter(|&&d| d == UNREACHABLE).count();
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = BufWriter::new(file);
            serde_json::to_writer(&mut w, &out)?;
            w.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            serde_json::to_writer(&mut w, &out)?;
            writeln!(w)?;
            w.flush()?;
        }
    }
    if !out.refused.is_empty() {
        eprintln!(
            "note: {} of {} points refused (listed under \"refused\" in the output)",
            out.refused.len(),
            points.len()
        );
    }
    if unreachable > 0 {
        eprintln!("note: {unreachable} ordered pairs are unreachable (null in the output)");
    }
    Ok(())
}
