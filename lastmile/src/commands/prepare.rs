//! `lastmile prepare <file.osm.pbf> -o <graph file>`: imports an OSM extract
//! into road graphs for walking, tricycles and vans, prepares them for fast
//! queries and writes them to one file.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use geo_data::{PreparedGraphs, Progress};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(clap::Args)]
pub struct Args {
    /// OpenStreetMap extract to import (.osm.pbf).
    pub input: PathBuf,
    /// Where to write the prepared graph file.
    #[arg(short, long)]
    pub output: PathBuf,
}

/// Draws the import stages as a bar on stderr (only on a terminal, so logs and
/// CI output stay clean).
struct Bar(ProgressBar);

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.set_message(name.to_string());
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let bar = if std::io::stderr().is_terminal() {
        let pb = ProgressBar::new(0);
        pb.set_style(
            ProgressStyle::with_template("{spinner} {msg:32} [{bar:30}] {pos}/{len}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        Some(Bar(pb))
    } else {
        None
    };
    let progress: &dyn Progress = match &bar {
        Some(b) => b,
        None => &geo_data::NoProgress,
    };
    let (graphs, report) = PreparedGraphs::import_pbf(&args.input, progress)?;
    if let Some(b) = &bar {
        b.0.finish_and_clear();
    }
    graphs.save(&args.output)?;
    let size = std::fs::metadata(&args.output)
        .with_context(|| format!("reading back {}", args.output.display()))?
        .len();

    println!(
        "read {} routable ways in {:.2} s ({} references to nodes outside the extract skipped)",
        report.ways,
        report.read_time.as_secs_f64(),
        report.missing_refs
    );
    println!(
        "{:<8}{:>10}{:>10}{:>11}{:>20}{:>15}{:>9}",
        "profile", "nodes", "edges", "shortcuts", "dropped components", "dropped nodes", "time"
    );
    for p in &report.profiles {
        let c = &p.components;
        println!(
            "{:<8}{:>10}{:>10}{:>11}{:>20}{:>15}{:>8.2}s",
            p.profile.name(),
            c.kept_nodes,
            c.kept_edges,
            p.shortcuts,
            c.dropped_components,
            c.dropped_nodes,
            p.build_time.as_secs_f64()
        );
        if c.kept_nodes == 0 {
            println!(
                "        (no roads usable by {} in this extract)",
                p.profile.name()
            );
        }
    }
    println!(
        "wrote {} ({:.1} MB) in {:.2} s",
        args.output.display(),
        size as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
