//! OpenStreetMap road graphs, snapping and travel-time matrices.
//!
//! This crate is the product's only view of the streets. It works in two
//! stages, like the routing engines it is modelled on:
//!
//! * **prepare** (offline, seconds): [`osm`] reads a PBF extract, [`profile`]
//!   decides which ways walkers, tricycles and vans may use, [`graph`] freezes
//!   each profile into CSR arrays keeping the largest strongly connected
//!   component, [`ch`] builds a contraction hierarchy, and [`store`] writes all
//!   three profiles into one checksummed file;
//! * **query** (milliseconds): [`PreparedGraphs::load`], then per profile
//!   [`ProfileGraph::snap`] (R-tree onto edges), [`ProfileGraph::matrix`]
//!   (bucket many-to-many on the hierarchy, parallel) and
//!   [`ProfileGraph::path`]; for a fixed set of points,
//!   [`ProfileGraph::point_index`] then answers one new point against all of
//!   them ([`ProfileGraph::from_point`], [`ProfileGraph::to_point`]) without a
//!   new matrix.
//!
//! Beside the graphs, [`compounds`] proposes residential compounds, their
//! gates and buildings from the same extract, read with [`Keep::RoadsAndAreas`].
//!
//! Costs are integers ([`Cost`]: milliseconds, centimetres) minimised
//! lexicographically, so every result is exact and `oracle` (plain Dijkstra)
//! can check it to the millisecond.
//!
//! The fixtures sit behind the `fixtures` feature: `district` (a made-up
//! street-office district, also used by `lastmile demo`), `pbf_writer`,
//! `synthetic` (a large generated city) and `oracle`. Crates that use them
//! enable the feature on their geo-data dependency; this crate's own tests,
//! examples and doctests always have it.
//!
//! ```
//! use geo_data::{district, Profile, PreparedGraphs, NoProgress};
//! use std::path::Path;
//!
//! let (graphs, _report) =
//!     PreparedGraphs::from_osm(&district::osm_data(), Path::new("district"), &NoProgress).unwrap();
//! let walk = graphs.graph(Profile::Walk).unwrap();
//! let gate = district::point(0.0, 0.0);
//! let a = walk.snap(gate.0, gate.1).unwrap();
//! let b = walk.snap(district::point(200.0, 0.0).0, district::point(200.0, 0.0).1).unwrap();
//! let m = walk.matrix(&[a, b]);
//! // 200 m along a street at 5 km/h is 144 s.
//! assert_eq!(m.duration_s(0, 1), Some(144));
//! assert_eq!(m.duration_s(1, 1), Some(0));
//! ```

pub mod area_tags;
pub mod ch;
pub mod compounds;
pub mod distance;
#[cfg(feature = "fixtures")]
pub mod district;
pub mod graph;
pub mod ids;
pub mod matrix;
#[cfg(feature = "fixtures")]
pub mod oracle;
pub mod osm;
pub mod path;
#[cfg(feature = "fixtures")]
pub mod pbf_writer;
pub mod point_index;
pub mod prepared;
pub mod profile;
mod query;
pub mod snap;
pub mod store;
#[cfg(feature = "fixtures")]
pub mod synthetic;

pub use ch::ContractionHierarchy;
pub use compounds::{find_compounds, FoundBuilding, FoundCompound, FoundGate, GateKind};
pub use graph::{ComponentReport, GraphBuilder, RoadGraph};
pub use ids::{Cost, EdgeIdx, NodeIdx};
pub use matrix::{TravelMatrix, UNREACHABLE};
pub use osm::{ImportError, Keep, NoProgress, OsmData, OsmNode, OsmWay, Progress};
pub use path::Route;
pub use point_index::{PointCosts, PointIndex};
pub use prepared::{PrepareReport, PreparedGraphs, ProfileGraph, ProfileSummary};
pub use profile::{Profile, UnknownProfile};
pub use snap::{SnapConfig, SnapError, SnappedPoint, DEFAULT_MAX_SNAP_M};
pub use store::{StoreError, FORMAT_VERSION};
