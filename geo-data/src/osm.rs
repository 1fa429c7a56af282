//! Reading OpenStreetMap PBF files and turning ways into per-profile graphs.
//!
//! Two passes over the file: first the ways any profile can use, then only the
//! nodes those ways reference, so memory follows the road network rather than
//! the whole extract. Extracts are cut at a boundary, so ways routinely refer to
//! nodes that are not in the file: such a way is split at the missing nodes and
//! its present pieces are kept (counted in [`OsmData::missing_refs`]).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use osmpbfreader::{blocks, fileformat::BlobHeader, primitive_block_from_blob, OsmPbfReader};
use protobuf::Message;
use rayon::prelude::*;

use crate::graph::{ComponentReport, GraphBuilder, RoadGraph};
use crate::ids::Cost;
use crate::profile::Profile;

/// One OSM way kept for routing.
#[derive(Clone, Debug, PartialEq)]
pub struct OsmWay {
    /// OSM way id.
    pub id: i64,
    /// Node ids in order.
    pub refs: Vec<i64>,
    /// All tags of the way.
    pub tags: Vec<(String, String)>,
}

impl OsmWay {
    /// The value of a tag.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The part of an OSM extract that routing needs, read from a PBF file or built
/// in memory (fixtures, synthetic cities).
#[derive(Clone, Debug, Default)]
pub struct OsmData {
    /// Node id → (lat, lon) in 1e-7 degrees.
    pub nodes: HashMap<i64, (i32, i32)>,
    /// Ways usable by at least one profile, in file order.
    pub ways: Vec<OsmWay>,
    /// Way node references that point to nodes absent from the file.
    pub missing_refs: u64,
}

impl OsmData {
    /// Adds a node by coordinates in degrees.
    pub fn add_node(&mut self, id: i64, lat: f64, lon: f64) {
        self.nodes
            .insert(id, ((lat * 1e7).round() as i32, (lon * 1e7).round() as i32));
    }

    /// The same data with roads only: footways, paths, steps, pedestrian
    /// ways, cycleways, tracks, bridleways and corridors removed, as in much of
    /// China's OSM data, where doors then sit tens to hundreds of metres off
    /// any mapped way. Keeps what `osmium tags-filter` kept for
    /// `chengdu-roads-only.osm.pbf` (see the shared data's README).
    pub fn roads_only(&self) -> OsmData {
        const FOOT_ONLY: [&str; 8] = [
            "footway",
            "path",
            "steps",
            "pedestrian",
            "cycleway",
            "track",
            "bridleway",
            "corridor",
        ];
        OsmData {
            nodes: self.nodes.clone(),
            ways: self
                .ways
                .iter()
                .filter(|w| !w.tag("highway").is_some_and(|h| FOOT_ONLY.contains(&h)))
                .cloned()
                .collect(),
            missing_refs: self.missing_refs,
        }
    }

    /// Adds a way.
    pub fn add_way(&mut self, id: i64, refs: Vec<i64>, tags: &[(&str, &str)]) {
        let tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.ways.push(OsmWay { id, refs, tags });
    }
}

/// Why an OSM file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The bytes are not a valid OSM PBF file.
    #[error("{path} is not a valid OSM PBF file: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The file holds no road any profile can use.
    #[error("{path} contains no roads usable on foot, by bike or by car")]
    NoRoads {
        /// The file.
        path: PathBuf,
    },
}

/// Receives import progress (the CLI draws a bar; libraries pass [`NoProgress`]).
pub trait Progress: Sync {
    /// A new stage begins with `total` steps (0 = unknown).
    fn stage(&self, _name: &str, _total: u64) {}
    /// `n` more steps of the current stage are done.
    fn advance(&self, _n: u64) {}
}

/// Ignores progress.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Largest blob header and blob the PBF format allows (its own specification).
const MAX_HEADER: u64 = 64 * 1024;
const MAX_BLOB: u64 = 32 * 1024 * 1024;

/// Walks the file's blob framing without decoding blocks, returning the number
/// of data blobs. The reader library trusts the framing and would panic on a
/// truncated file; checking it first turns that into an error.
fn check_framing<R: Read + Seek>(r: &mut R) -> Result<u64, String> {
    let len = r.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
    r.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let mut pos = 0u64;
    let mut blobs = 0u64;
    let mut saw_header = false;
    while pos < len {
        if len - pos < 4 {
            return Err(format!("truncated at byte {pos}"));
        }
        let mut size = [0u8; 4];
        r.read_exact(&mut size).map_err(|e| e.to_string())?;
        let size = u32::from_be_bytes(size) as u64;
        if size == 0 || size > MAX_HEADER || pos + 4 + size > len {
            return Err(format!("bad blob header size {size} at byte {pos}"));
        }
        let mut buf = vec![0u8; size as usize];
        r.read_exact(&mut buf).map_err(|e| e.to_string())?;
        let header = BlobHeader::parse_from_bytes(&buf)
            .map_err(|e| format!("bad blob header at byte {pos}: {e}"))?;
        let data = header.datasize() as u64;
        if data > MAX_BLOB || pos + 4 + size + data > len {
            return Err(format!("truncated blob at byte {pos}"));
        }
        match header.type_() {
            "OSMHeader" => saw_header = true,
            "OSMData" => blobs += 1,
            other => return Err(format!("unknown blob type {other:?} at byte {pos}")),
        }
        r.seek(SeekFrom::Current(data as i64))
            .map_err(|e| e.to_string())?;
        pos += 4 + size + data;
    }
    if !saw_header {
        return Err("no OSMHeader block (empty or not a PBF file)".into());
    }
    r.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    Ok(blobs)
}

fn any_profile_uses<'a>(tag: impl Fn(&str) -> Option<&'a str> + Copy) -> bool {
    tag("highway").is_some() && Profile::ALL.iter().any(|p| p.rule(tag).is_some())
}

/// Reads the routable part of a PBF file.
pub fn read_pbf(path: &Path, progress: &dyn Progress) -> Result<OsmData, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Io {
        path: path.into(),
        source,
    })?;
    read_pbf_from(BufReader::new(file), path, progress)
}

/// Reads the routable part of PBF data from any seekable reader (`name` is used
/// in error messages).
pub fn read_pbf_from<R: Read + Seek + Send>(
    mut r: R,
    name: &Path,
    progress: &dyn Progress,
) -> Result<OsmData, ImportError> {
    let corrupt = |reason: String| ImportError::Corrupt {
        path: name.into(),
        reason,
    };
    let total = check_framing(&mut r).map_err(corrupt)?;
    // The reader may still panic on well-framed but inconsistent blocks (an
    // out-of-range string index, say); a corrupt file must be an error, not a crash.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_two_passes(r, total, progress)
    }));
    match result {
        Ok(Ok(data)) => Ok(data),
        Ok(Err(reason)) => Err(corrupt(reason)),
        Err(_) => Err(corrupt("inconsistent block contents".into())),
    }
}

fn read_two_passes<R: Read + Seek + Send>(
    r: R,
    total: u64,
    progress: &dyn Progress,
) -> Result<OsmData, String> {
    let mut reader = OsmPbfReader::new(r);

    progress.stage("reading ways", total);
    let mut chunks: Vec<(usize, Vec<OsmWay>)> = reader
        .blobs()
        .enumerate()
        .par_bridge()
        .map(|(i, blob)| -> Result<(usize, Vec<OsmWay>), String> {
            let block = primitive_block_from_blob(&blob.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
            let mut ways = Vec::new();
            for w in blocks::ways(&block) {
                let tag = |k: &str| w.tags.get(k).map(|v| v.as_str());
                if any_profile_uses(tag) {
                    ways.push(OsmWay {
                        id: w.id.0,
                        refs: w.nodes.iter().map(|n| n.0).collect(),
                        tags: w
                            .tags
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                    });
                }
            }
            progress.advance(1);
            Ok((i, ways))
        })
        .collect::<Result<_, String>>()?;
    chunks.sort_by_key(|c| c.0);
    let ways: Vec<OsmWay> = chunks.into_iter().flat_map(|c| c.1).collect();
    let needed: HashSet<i64> = ways.iter().flat_map(|w| w.refs.iter().copied()).collect();

    reader.rewind().map_err(|e| e.to_string())?;
    progress.stage("reading nodes", total);
    type NodeChunk = Vec<(i64, (i32, i32))>;
    let node_chunks: Vec<NodeChunk> = reader
        .blobs()
        .par_bridge()
        .map(|blob| -> Result<NodeChunk, String> {
            let block = primitive_block_from_blob(&blob.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
            let v = blocks::nodes(&block)
                .filter(|n| needed.contains(&n.id.0))
                .map(|n| (n.id.0, (n.decimicro_lat, n.decimicro_lon)))
                .collect();
            progress.advance(1);
            Ok(v)
        })
        .collect::<Result<_, String>>()?;
    let nodes: HashMap<i64, (i32, i32)> = node_chunks.into_iter().flatten().collect();
    let missing_refs = ways
        .iter()
        .flat_map(|w| &w.refs)
        .filter(|r| !nodes.contains_key(r))
        .count() as u64;
    Ok(OsmData {
        nodes,
        ways,
        missing_refs,
    })
}

/// Builds one profile's graph from OSM data (largest strongly connected component).
pub fn build_graph(data: &OsmData, profile: Profile) -> (RoadGraph, ComponentReport) {
    let mut b = GraphBuilder::new();
    for way in &data.ways {
        let Some(rule) = profile.rule(|k| way.tag(k)) else {
            continue;
        };
        let mut prev = None;
        for r in &way.refs {
            let Some(&(lat, lon)) = data.nodes.get(r) else {
                // A clipped way: continue with the next piece that is present.
                prev = None;
                continue;
            };
            let v = b.add_node_e7(*r, lat, lon);
            if let Some(u) = prev {
                let len = b.segment_length_m(u, v);
                let cost = Cost::new(
                    (len * 3600.0 / rule.speed_kmh).round() as u32,
                    (len * 100.0).round() as u32,
                );
                b.add_segment(
                    u,
                    v,
                    rule.forward.then_some(cost),
                    rule.backward.then_some(cost),
                    way.id,
                );
            }
            prev = Some(v);
        }
    }
    b.build()
}
