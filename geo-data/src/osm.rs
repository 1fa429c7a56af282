//! Reading OpenStreetMap PBF files and turning ways into per-profile graphs.
//!
//! Two passes over the file: first the ways any profile can use, then only the
//! nodes those ways reference, so memory follows the road network rather than
//! the whole extract. Extracts are cut at a boundary, so ways routinely refer to
//! nodes that are not in the file: such a way is split at the missing nodes and
//! its present pieces are kept (counted in [`OsmData::missing_refs`]).
//!
//! The compound finder ([`crate::compounds`]) also needs residential areas,
//! buildings and gate nodes. The road-graph import never keeps them
//! ([`Keep::Roads`], what [`read_pbf`] does); [`read_pbf_keeping`] with
//! [`Keep::RoadsAndAreas`] adds them in the same two passes, so the routing
//! import pays nothing for a feature it does not use.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use osmpbfreader::{blocks, fileformat::BlobHeader, primitive_block_from_blob, OsmPbfReader};
use protobuf::Message;
use rayon::prelude::*;

use crate::area_tags;
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

/// One OSM node kept for its tags (a gate or an entrance); its coordinates are
/// in [`OsmData::nodes`].
#[derive(Clone, Debug, PartialEq)]
pub struct OsmNode {
    /// OSM node id.
    pub id: i64,
    /// All tags of the node.
    pub tags: Vec<(String, String)>,
}

impl OsmNode {
    /// The value of a tag.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The part of an OSM extract that routing needs (and, when asked for, what the
/// compound finder needs), read from a PBF file or built in memory (fixtures,
/// synthetic cities).
#[derive(Clone, Debug, Default)]
pub struct OsmData {
    /// Node id → (lat, lon) in 1e-7 degrees.
    pub nodes: HashMap<i64, (i32, i32)>,
    /// Ways usable by at least one profile, in file order.
    pub ways: Vec<OsmWay>,
    /// Way node references that point to nodes absent from the file (of
    /// [`OsmData::ways`] only).
    pub missing_refs: u64,
    /// Closed ways that may outline a residential compound or a building
    /// ([`crate::area_tags::is_compound_area`], [`crate::area_tags::is_building`]),
    /// in file order. Empty unless read with [`Keep::RoadsAndAreas`]; routing
    /// never looks at them.
    pub areas: Vec<OsmWay>,
    /// Nodes tagged as gates or entrances ([`crate::area_tags::is_gate_node`]),
    /// in file order. Empty unless read with [`Keep::RoadsAndAreas`].
    pub gate_nodes: Vec<OsmNode>,
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
    /// `chengdu-roads-only.osm.pbf` (see the shared data's README): no areas
    /// and no gate nodes either.
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
            areas: Vec::new(),
            gate_nodes: Vec::new(),
        }
    }

    /// Adds a way.
    pub fn add_way(&mut self, id: i64, refs: Vec<i64>, tags: &[(&str, &str)]) {
        let tags = owned(tags);
        self.ways.push(OsmWay { id, refs, tags });
    }

    /// Adds an area way (a compound outline or a building; see [`OsmData::areas`]).
    pub fn add_area(&mut self, id: i64, refs: Vec<i64>, tags: &[(&str, &str)]) {
        self.areas.push(OsmWay {
            id,
            refs,
            tags: owned(tags),
        });
    }

    /// Adds a node tagged as a gate or an entrance (see [`OsmData::gate_nodes`]).
    pub fn add_gate_node(&mut self, id: i64, lat: f64, lon: f64, tags: &[(&str, &str)]) {
        self.add_node(id, lat, lon);
        self.gate_nodes.push(OsmNode {
            id,
            tags: owned(tags),
        });
    }
}

fn owned(tags: &[(&str, &str)]) -> Vec<(String, String)> {
    tags.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// What a PBF read keeps besides the routable ways and their nodes.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    /// Roads only: the road-graph import.
    #[default]
    Roads,
    /// Also compound areas, buildings and gate nodes ([`OsmData::areas`],
    /// [`OsmData::gate_nodes`]), for [`crate::compounds::find_compounds`].
    RoadsAndAreas,
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
    read_pbf_keeping(path, Keep::Roads, progress)
}

/// Reads the routable part of a PBF file and, with [`Keep::RoadsAndAreas`],
/// the areas and gate nodes the compound finder needs.
pub fn read_pbf_keeping(
    path: &Path,
    keep: Keep,
    progress: &dyn Progress,
) -> Result<OsmData, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Io {
        path: path.into(),
        source,
    })?;
    read_pbf_from_keeping(BufReader::new(file), path, keep, progress)
}

/// Reads the routable part of PBF data from any seekable reader (`name` is used
/// in error messages).
pub fn read_pbf_from<R: Read + Seek + Send>(
    r: R,
    name: &Path,
    progress: &dyn Progress,
) -> Result<OsmData, ImportError> {
    read_pbf_from_keeping(r, name, Keep::Roads, progress)
}

/// [`read_pbf_from`] keeping what `keep` says.
pub fn read_pbf_from_keeping<R: Read + Seek + Send>(
    mut r: R,
    name: &Path,
    keep: Keep,
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
        read_two_passes(r, total, keep, progress)
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
    keep: Keep,
    progress: &dyn Progress,
) -> Result<OsmData, String> {
    let mut reader = OsmPbfReader::new(r);
    let areas_too = keep == Keep::RoadsAndAreas;
    let owned_tags = |tags: &osmpbfreader::Tags| -> Vec<(String, String)> {
        tags.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };

    progress.stage("reading ways", total);
    type WayChunk = (usize, Vec<OsmWay>, Vec<OsmWay>);
    let mut chunks: Vec<WayChunk> = reader
        .blobs()
        .enumerate()
        .par_bridge()
        .map(|(i, blob)| -> Result<WayChunk, String> {
            let block = primitive_block_from_blob(&blob.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
            let mut ways = Vec::new();
            let mut areas = Vec::new();
            for w in blocks::ways(&block) {
                let tag = |k: &str| w.tags.get(k).map(|v| v.as_str());
                // Only closed ways can outline an area; unclosed ones are not kept.
                let area = areas_too
                    && w.nodes.len() >= 4
                    && w.nodes.first() == w.nodes.last()
                    && (area_tags::is_compound_area(tag) || area_tags::is_building(tag));
                let road = any_profile_uses(tag);
                if !road && !area {
                    continue;
                }
                let way = OsmWay {
                    id: w.id.0,
                    refs: w.nodes.iter().map(|n| n.0).collect(),
                    tags: owned_tags(&w.tags),
                };
                match (road, area) {
                    (true, true) => {
                        areas.push(way.clone());
                        ways.push(way);
                    }
                    (true, false) => ways.push(way),
                    _ => areas.push(way),
                }
            }
            progress.advance(1);
            Ok((i, ways, areas))
        })
        .collect::<Result<_, String>>()?;
    chunks.sort_by_key(|c| c.0);
    let mut ways = Vec::new();
    let mut areas = Vec::new();
    for (_, w, a) in chunks {
        ways.extend(w);
        areas.extend(a);
    }
    let needed: HashSet<i64> = ways
        .iter()
        .chain(&areas)
        .flat_map(|w| w.refs.iter().copied())
        .collect();

    reader.rewind().map_err(|e| e.to_string())?;
    progress.stage("reading nodes", total);
    type NodeChunk = (usize, Vec<(i64, (i32, i32))>, Vec<OsmNode>);
    let mut node_chunks: Vec<NodeChunk> = reader
        .blobs()
        .enumerate()
        .par_bridge()
        .map(|(i, blob)| -> Result<NodeChunk, String> {
            let block = primitive_block_from_blob(&blob.map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
            let mut coords = Vec::new();
            let mut gates = Vec::new();
            for n in blocks::nodes(&block) {
                let gate =
                    areas_too && area_tags::is_gate_node(|k| n.tags.get(k).map(|v| v.as_str()));
                if gate {
                    gates.push(OsmNode {
                        id: n.id.0,
                        tags: owned_tags(&n.tags),
                    });
                }
                if gate || needed.contains(&n.id.0) {
                    coords.push((n.id.0, (n.decimicro_lat, n.decimicro_lon)));
                }
            }
            progress.advance(1);
            Ok((i, coords, gates))
        })
        .collect::<Result<_, String>>()?;
    // Gate nodes in file order, like the ways; coordinates need no order.
    node_chunks.sort_by_key(|c| c.0);
    let mut nodes = HashMap::new();
    let mut gate_nodes = Vec::new();
    for (_, c, g) in node_chunks {
        nodes.extend(c);
        gate_nodes.extend(g);
    }
    let missing_refs = ways
        .iter()
        .flat_map(|w| &w.refs)
        .filter(|r| !nodes.contains_key(r))
        .count() as u64;
    Ok(OsmData {
        nodes,
        ways,
        missing_refs,
        areas,
        gate_nodes,
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
