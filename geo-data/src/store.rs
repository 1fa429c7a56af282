//! The prepared graph file: every profile's graph and hierarchy in one file.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic     8 bytes  "LMGRAPH\0"
//! version   u32      FORMAT_VERSION
//! crc32     u32      of the payload
//! length    u64      payload bytes
//! payload            per profile: tag u8, then each array as (count u64, items)
//! ```
//!
//! Raw little-endian arrays rather than a general serialisation format: the file
//! is nothing but a handful of large integer arrays, which load with one
//! bounds-checked copy each (no per-element decoding, no extra dependency), and
//! the checksum catches a truncated or damaged file before any index is trusted.

use std::path::{Path, PathBuf};

use crate::ch::{ContractionHierarchy, UpGraph};
use crate::graph::{ComponentReport, RoadGraph};
use crate::ids::Cost;
use crate::profile::Profile;

/// Identifies a prepared graph file.
pub const MAGIC: &[u8; 8] = b"LMGRAPH\0";
/// Bumped whenever the layout or the meaning of a stored number changes.
pub const FORMAT_VERSION: u32 = 1;

/// Why a prepared graph file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file does not start with the graph file magic.
    #[error("{path} is not a lastmile graph file (prepare one with `lastmile prepare`)")]
    NotAGraphFile {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by another format version.
    #[error("{path} has graph format version {found}, this build reads version {expected}: prepare it again")]
    VersionMismatch {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// The file is damaged or truncated.
    #[error("{path} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
}

/// One profile's stored parts.
pub(crate) struct StoredProfile {
    pub(crate) profile: Profile,
    pub(crate) graph: RoadGraph,
    pub(crate) ch: ContractionHierarchy,
    pub(crate) report: ComponentReport,
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    fn u32(&mut self, x: u32) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }
    fn u32s(&mut self, xs: &[u32]) {
        self.u64(xs.len() as u64);
        self.0.reserve(xs.len() * 4);
        for x in xs {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn i32s(&mut self, xs: &[i32]) {
        self.u64(xs.len() as u64);
        for x in xs {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn i64s(&mut self, xs: &[i64]) {
        self.u64(xs.len() as u64);
        for x in xs {
            self.0.extend_from_slice(&x.to_le_bytes());
        }
    }
    fn costs(&mut self, xs: &[Cost]) {
        self.u64(xs.len() as u64);
        for x in xs {
            self.0.extend_from_slice(&x.0.to_le_bytes());
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or("unexpected end of data")?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn array<const W: usize, T>(&mut self, f: impl Fn([u8; W]) -> T) -> Result<Vec<T>, String> {
        let n = usize::try_from(self.u64()?).map_err(|_| "array too long")?;
        let bytes = self.take(n.checked_mul(W).ok_or("array too long")?)?;
        Ok(bytes
            .chunks_exact(W)
            .map(|c| f(c.try_into().expect("chunk width")))
            .collect())
    }
    fn u32s(&mut self) -> Result<Vec<u32>, String> {
        self.array(u32::from_le_bytes)
    }
    fn i32s(&mut self) -> Result<Vec<i32>, String> {
        self.array(i32::from_le_bytes)
    }
    fn i64s(&mut self) -> Result<Vec<i64>, String> {
        self.array(i64::from_le_bytes)
    }
    fn costs(&mut self) -> Result<Vec<Cost>, String> {
        self.array(|b| Cost(u64::from_le_bytes(b)))
    }
}

fn write_up(w: &mut Writer, g: &UpGraph) {
    w.u32s(&g.first);
    w.u32s(&g.head);
    w.costs(&g.cost);
    w.u32s(&g.edge);
}

fn read_up(r: &mut Reader) -> Result<UpGraph, String> {
    Ok(UpGraph {
        first: r.u32s()?,
        head: r.u32s()?,
        cost: r.costs()?,
        edge: r.u32s()?,
    })
}

/// Serialises profiles into the file format.
pub(crate) fn encode(profiles: &[StoredProfile]) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.u32(profiles.len() as u32);
    for p in profiles {
        w.u8(p.profile.tag());
        let g = &p.graph;
        w.i32s(&g.lat_e7);
        w.i32s(&g.lon_e7);
        w.i64s(&g.osm_node);
        w.u32s(&g.first_out);
        w.u32s(&g.tail);
        w.u32s(&g.head);
        w.costs(&g.cost);
        w.i64s(&g.way);
        w.u32s(&g.twin);
        let c = &p.ch;
        w.u32s(&c.ch_of);
        w.u32s(&c.node_of);
        write_up(&mut w, &c.fwd);
        write_up(&mut w, &c.bwd);
        w.u32(c.num_orig);
        let flat: Vec<u32> = c.children.iter().flatten().copied().collect();
        w.u32s(&flat);
        let r = &p.report;
        for x in [
            r.kept_nodes,
            r.kept_edges,
            r.dropped_components,
            r.dropped_nodes,
            r.dropped_edges,
            r.largest_dropped,
        ] {
            w.u32(x);
        }
    }
    let payload = w.0;
    let mut out = Vec::with_capacity(payload.len() + 24);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Writes profiles to `path` (through a temporary file, so a crash never leaves
/// a half-written graph under the final name).
pub(crate) fn save(path: &Path, profiles: &[StoredProfile]) -> Result<(), StoreError> {
    let bytes = encode(profiles);
    let io = |source| StoreError::Io {
        path: path.into(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, &bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Reads and validates a graph file.
pub(crate) fn load(path: &Path) -> Result<Vec<StoredProfile>, StoreError> {
    let bytes = std::fs::read(path).map_err(|source| StoreError::Io {
        path: path.into(),
        source,
    })?;
    decode(&bytes, path)
}

/// Validates and decodes file bytes (`path` names the file in errors).
pub(crate) fn decode(bytes: &[u8], path: &Path) -> Result<Vec<StoredProfile>, StoreError> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(StoreError::NotAGraphFile { path: path.into() });
    }
    let corrupt = |reason: String| StoreError::Corrupt {
        path: path.into(),
        reason,
    };
    if bytes.len() < 24 {
        return Err(corrupt("header is truncated".into()));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(StoreError::VersionMismatch {
            path: path.into(),
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let crc = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes"));
    let len = u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes"));
    let payload = &bytes[24..];
    if payload.len() as u64 != len {
        return Err(corrupt(format!(
            "expected {len} bytes of data, found {}",
            payload.len()
        )));
    }
    if crc32fast::hash(payload) != crc {
        return Err(corrupt("checksum mismatch".into()));
    }
    decode_payload(payload).map_err(corrupt)
}

fn decode_payload(payload: &[u8]) -> Result<Vec<StoredProfile>, String> {
    let mut r = Reader {
        buf: payload,
        pos: 0,
    };
    let count = r.u32()?;
    let mut out = Vec::new();
    for _ in 0..count {
        let profile = Profile::from_tag(r.u8()?).ok_or("unknown profile tag")?;
        let graph = RoadGraph {
            lat_e7: r.i32s()?,
            lon_e7: r.i32s()?,
            osm_node: r.i64s()?,
            first_out: r.u32s()?,
            tail: r.u32s()?,
            head: r.u32s()?,
            cost: r.costs()?,
            way: r.i64s()?,
            twin: r.u32s()?,
        };
        let ch_of = r.u32s()?;
        let node_of = r.u32s()?;
        let fwd = read_up(&mut r)?;
        let bwd = read_up(&mut r)?;
        let num_orig = r.u32()?;
        let flat = r.u32s()?;
        if flat.len() % 2 != 0 {
            return Err("odd shortcut table".into());
        }
        let children = flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
        let ch = ContractionHierarchy {
            ch_of,
            node_of,
            fwd,
            bwd,
            num_orig,
            children,
        };
        let mut x = [0u32; 6];
        for v in &mut x {
            *v = r.u32()?;
        }
        let report = ComponentReport {
            kept_nodes: x[0],
            kept_edges: x[1],
            dropped_components: x[2],
            dropped_nodes: x[3],
            dropped_edges: x[4],
            largest_dropped: x[5],
        };
        validate(&graph, &ch)?;
        out.push(StoredProfile {
            profile,
            graph,
            ch,
            report,
        });
    }
    if r.pos != payload.len() {
        return Err("trailing data".into());
    }
    Ok(out)
}

/// Structural checks so a file that passes the checksum but was written by a
/// buggy or foreign writer cannot make a query index out of bounds.
fn validate(g: &RoadGraph, ch: &ContractionHierarchy) -> Result<(), String> {
    let n = g.lat_e7.len();
    let m = g.head.len();
    let same = [
        g.lon_e7.len(),
        g.osm_node.len(),
        ch.ch_of.len(),
        ch.node_of.len(),
    ];
    if same.iter().any(|&x| x != n) || g.first_out.len() != n + 1 {
        return Err("node arrays disagree in length".into());
    }
    if [g.tail.len(), g.cost.len(), g.way.len(), g.twin.len()]
        .iter()
        .any(|&x| x != m)
    {
        return Err("edge arrays disagree in length".into());
    }
    if g.first_out[0] != 0
        || g.first_out[n] as usize != m
        || g.first_out.windows(2).any(|w| w[0] > w[1])
    {
        return Err("edge offsets are not monotone".into());
    }
    if g.tail.iter().chain(&g.head).any(|&v| v as usize >= n) {
        return Err("edge endpoint out of range".into());
    }
    if g.twin
        .iter()
        .any(|&t| t != crate::graph::NO_EDGE && t as usize >= m)
    {
        return Err("twin edge out of range".into());
    }
    if ch.ch_of.iter().chain(&ch.node_of).any(|&v| v as usize >= n) || ch.num_orig as usize != m {
        return Err("hierarchy node map out of range".into());
    }
    let num_ch_edges = m + ch.children.len();
    for up in [&ch.fwd, &ch.bwd] {
        let k = up.head.len();
        if up.first.len() != n + 1
            || up.first[0] != 0
            || up.first[n] as usize != k
            || up.first.windows(2).any(|w| w[0] > w[1])
        {
            return Err("hierarchy offsets are not monotone".into());
        }
        if up.cost.len() != k || up.edge.len() != k || up.head.iter().any(|&v| v as usize >= n) {
            return Err("hierarchy edge out of range".into());
        }
        if up.edge.iter().any(|&e| e as usize >= num_ch_edges) {
            return Err("hierarchy edge id out of range".into());
        }
    }
    // A shortcut's children were created before it, so unpacking always ends.
    for (i, c) in ch.children.iter().enumerate() {
        if c.iter().any(|&x| x as usize >= m + i) {
            return Err("shortcut refers to a later edge".into());
        }
    }
    Ok(())
}
