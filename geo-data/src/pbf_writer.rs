//! A minimal OSM PBF writer, for fixtures only: the made-up district and the
//! synthetic city are authored in code and written as real `.osm.pbf` files, so
//! tests exercise exactly the import path real extracts take.
//!
//! It reuses the protobuf message types that `osmpbfreader` generates for
//! reading, so writing costs no extra dependency. Blocks are zlib-compressed
//! like those of real extracts; nodes are written as plain (non-dense) nodes,
//! which every reader supports.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use flate2::write::ZlibEncoder;
use flate2::Compression;
use osmpbfreader::fileformat::{Blob, BlobHeader};
use osmpbfreader::osmformat::{
    HeaderBlock, Node, PrimitiveBlock, PrimitiveGroup, StringTable, Way,
};
use protobuf::Message;

use crate::osm::{OsmData, OsmWay};

/// Elements per block; real writers use 8000.
const PER_BLOCK: usize = 8000;

fn write_blob(w: &mut impl Write, kind: &str, payload: &[u8]) -> io::Result<()> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(payload)?;
    let mut blob = Blob::new();
    blob.set_raw_size(payload.len() as i32);
    blob.set_zlib_data(z.finish()?);
    let blob = blob.write_to_bytes().map_err(io::Error::other)?;
    let mut header = BlobHeader::new();
    header.set_type(kind.to_string());
    header.set_datasize(blob.len() as i32);
    let header = header.write_to_bytes().map_err(io::Error::other)?;
    w.write_all(&(header.len() as u32).to_be_bytes())?;
    w.write_all(&header)?;
    w.write_all(&blob)
}

/// Interns strings for one block's string table (index 0 is reserved, empty).
struct Strings {
    table: Vec<String>,
}

impl Strings {
    fn new() -> Strings {
        Strings {
            table: vec![String::new()],
        }
    }
    fn id(&mut self, s: &str) -> u32 {
        if let Some(i) = self.table.iter().position(|x| x == s) {
            return i as u32;
        }
        self.table.push(s.to_string());
        (self.table.len() - 1) as u32
    }
    fn into_table(self) -> StringTable {
        let mut t = StringTable::new();
        t.s = self.table.into_iter().map(String::into_bytes).collect();
        t
    }
}

/// Writes `data` as an OSM PBF file (nodes sorted by id, gate nodes with their
/// tags, then the ways in order followed by the areas that are not also ways).
/// The output is deterministic: same data, same bytes.
pub fn write_pbf(data: &OsmData, w: &mut impl Write) -> io::Result<()> {
    let mut header = HeaderBlock::new();
    header.required_features.push("OsmSchema-V0.6".to_string());
    header.set_writingprogram("lastmile geo-data fixture writer".to_string());
    write_blob(
        w,
        "OSMHeader",
        &header.write_to_bytes().map_err(io::Error::other)?,
    )?;

    let mut nodes: Vec<(i64, (i32, i32))> = data.nodes.iter().map(|(&k, &v)| (k, v)).collect();
    nodes.sort_unstable_by_key(|n| n.0);
    let node_tags: HashMap<i64, &[(String, String)]> = data
        .gate_nodes
        .iter()
        .map(|n| (n.id, n.tags.as_slice()))
        .collect();
    for chunk in nodes.chunks(PER_BLOCK) {
        let mut strings = Strings::new();
        let mut group = PrimitiveGroup::new();
        for &(id, (lat, lon)) in chunk {
            let mut n = Node::new();
            n.set_id(id);
            // Granularity 100 nanodegrees = 1e-7 degree, the unit stored in OsmData.
            n.set_lat(lat as i64);
            n.set_lon(lon as i64);
            for (k, v) in node_tags.get(&id).copied().unwrap_or_default() {
                n.keys.push(strings.id(k));
                n.vals.push(strings.id(v));
            }
            group.nodes.push(n);
        }
        let mut block = PrimitiveBlock::new();
        block.stringtable = protobuf::MessageField::some(strings.into_table());
        block.primitivegroup.push(group);
        write_blob(
            w,
            "OSMData",
            &block.write_to_bytes().map_err(io::Error::other)?,
        )?;
    }
    let road_ids: HashSet<i64> = data.ways.iter().map(|w| w.id).collect();
    let ways: Vec<&OsmWay> = data
        .ways
        .iter()
        .chain(data.areas.iter().filter(|a| !road_ids.contains(&a.id)))
        .collect();
    for chunk in ways.chunks(PER_BLOCK) {
        let mut strings = Strings::new();
        let mut group = PrimitiveGroup::new();
        for way in chunk {
            let mut out = Way::new();
            out.set_id(way.id);
            for (k, v) in &way.tags {
                out.keys.push(strings.id(k));
                out.vals.push(strings.id(v));
            }
            let mut prev = 0i64;
            for &r in &way.refs {
                out.refs.push(r - prev);
                prev = r;
            }
            group.ways.push(out);
        }
        let mut block = PrimitiveBlock::new();
        block.stringtable = protobuf::MessageField::some(strings.into_table());
        block.primitivegroup.push(group);
        write_blob(
            w,
            "OSMData",
            &block.write_to_bytes().map_err(io::Error::other)?,
        )?;
    }
    Ok(())
}
