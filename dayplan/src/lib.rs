//! A street office's day, requests in, routes and sheets out.
//!
//! The path of one day, one way: [`dto`] (the JSON schema) → [`validate`] /
//! [`csv_import`] (every mistake found at once, on its field or spreadsheet
//! row) → [`convert`] (snapped onto the road graphs once, travel matrices,
//! the one rule that turns a request into a solver job) → the solver →
//! [`assemble`] (routes and reasons back in the day's words) → [`sheet`] /
//! [`geojson`] (what people and GIS tools read). [`demo`] draws up the
//! made-up day of `lastmile demo`.
//!
//! Deliberately absent: HTTP, a database, a clock, threads of its own (the
//! matrices use rayon). The service stores and serves what this crate makes;
//! the desk re-uses its conversion and assembly for a day under way.

pub mod assemble;
pub mod compound;
pub mod convert;
pub mod csv_import;
pub mod day_check;
pub mod demo;
pub mod dto;
pub mod echelon;
pub mod error;
pub mod geojson;
pub mod places;
pub mod plan;
pub mod publish;
pub mod sheet;
pub mod validate;

pub use echelon::{plan_day, Planned};
pub use error::{ErrorCode, FieldError, MAX_LISTED_ERRORS};
