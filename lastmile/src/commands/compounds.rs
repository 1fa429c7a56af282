//! `lastmile compounds <file.osm.pbf>`: candidate residential compounds, their
//! gates and buildings, from OpenStreetMap, written in the day's format for a
//! coordinator to review and paste into a day (`depots`, `buildings`,
//! `compounds`).
//!
//! Gates come from gate and entrance nodes on the outline, else from roads
//! crossing it, else (most of China's mapped compounds) from the corner of
//! the outline nearest to a road vans can drive, named "gate to check".

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use geo_data::osm::{read_pbf_keeping, Keep};
use geo_data::{NoProgress, PreparedGraphs};

#[derive(clap::Args)]
pub struct Args {
    /// The OpenStreetMap extract.
    pub pbf: PathBuf,
    /// Write the JSON here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let data = read_pbf_keeping(&args.pbf, Keep::RoadsAndAreas, &NoProgress)
        .with_context(|| format!("reading {}", args.pbf.display()))?;
    let found = geo_data::compounds::find_compounds(&data);
    drop(data);
    // The car graph places a gate where the data has none.
    let (graphs, _) = PreparedGraphs::import_pbf(&args.pbf, &NoProgress)
        .with_context(|| format!("importing the roads of {}", args.pbf.display()))?;
    let out = dayplan::compound::from_osm(&found, &graphs);
    let tagged = found.iter().filter(|f| !f.gates.is_empty()).count();
    eprintln!(
        "lastmile compounds: {} compounds ({} with gates in the data, {} with a gate to check, {} left out), {} gates, {} buildings",
        out.compounds.len(),
        tagged,
        out.compounds.len() - tagged,
        found.len() - out.compounds.len(),
        out.depots.len(),
        out.buildings.len()
    );
    let json = serde_json::to_string_pretty(&out)?;
    match &args.output {
        Some(p) => std::fs::write(p, json).with_context(|| format!("writing {}", p.display()))?,
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(json.as_bytes())?;
            o.write_all(b"\n")?;
        }
    }
    Ok(())
}
