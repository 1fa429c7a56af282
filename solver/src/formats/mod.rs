//! Readers and writers for the classic benchmark formats, so that the solver
//! can be measured against published best-known solutions:
//! - [`solomon`]: Solomon VRPTW text files (also Gehring–Homberger), with the
//!   DIMACS convention (Euclidean distances truncated to one decimal, scaled
//!   by ten so that they are integers);
//! - [`vrplib`]: VRPLIB/TSPLIB CVRP files with `EUC_2D` distances rounded to
//!   the nearest integer (CVRPLIB X instances);
//! - [`sol`]: the CVRPLIB `.sol` route format (and the SINTEF variant);
//! - [`schedule`]: turns a stop sequence into a scheduled route, for `.sol`
//!   files and for solutions written by hand in tests.
//!
//! In both instance formats location 0 is the depot and every customer is a
//! delivery job whose id is its customer number in the file, the number used
//! in `.sol` files.

use std::path::Path;

use thiserror::Error;

use crate::problem::{Problem, ProblemError};

pub mod schedule;
pub mod sol;
pub mod solomon;
pub mod vrplib;

/// Which file format an instance is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Solomon / Gehring–Homberger VRPTW; times and distances are in tenths.
    Solomon,
    /// VRPLIB CVRP with `EUC_2D` rounded distances.
    Vrplib,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "solomon" | "homberger" | "gh" => Ok(Format::Solomon),
            "vrplib" | "cvrplib" | "tsplib" => Ok(Format::Vrplib),
            other => Err(format!(
                "unknown instance format {other:?} (expected solomon or vrplib)"
            )),
        }
    }
}

/// A benchmark instance turned into a [`Problem`].
#[derive(Clone, Debug)]
pub struct Instance {
    /// The name given in the file.
    pub name: String,
    pub format: Format,
    pub problem: Problem,
    /// Coordinates of every location as read (location 0 is the depot), for
    /// computing costs in other conventions (e.g. double precision).
    pub coords: Vec<(f64, f64)>,
}

impl Instance {
    /// Parses the text of an instance file.
    pub fn parse(text: &str, format: Format) -> Result<Self, FormatError> {
        match format {
            Format::Solomon => solomon::parse(text),
            Format::Vrplib => vrplib::parse(text),
        }
    }

    /// Reads and parses an instance file.
    pub fn read(path: &Path, format: Format) -> Result<Self, FormatError> {
        let text = std::fs::read_to_string(path).map_err(|e| FormatError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::parse(&text, format)
    }

    /// Factor between the problem's integer costs and the published ones
    /// (ten for Solomon, whose distances are kept in tenths).
    pub fn cost_scale(&self) -> i64 {
        match self.format {
            Format::Solomon => 10,
            Format::Vrplib => 1,
        }
    }
}

/// A malformed instance or solution file. Line numbers start at 1.
#[derive(Debug, Error, PartialEq)]
pub enum FormatError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("line {line}: {field}: {text:?} is not a valid number")]
    BadNumber {
        line: usize,
        field: &'static str,
        text: String,
    },
    #[error("line {line}: expected {expected} fields, found {found}")]
    FieldCount {
        line: usize,
        expected: usize,
        found: usize,
    },
    #[error("missing {what}")]
    Missing { what: &'static str },
    #[error("line {line}: {what} is not supported")]
    Unsupported { line: usize, what: String },
    #[error("line {line}: {message}")]
    Invalid { line: usize, message: String },
    #[error("line {line}: unknown customer {customer}")]
    UnknownCustomer { line: usize, customer: String },
    #[error("the solution has {routes} routes, the instance has {vehicles} vehicles")]
    TooManyRoutes { routes: usize, vehicles: usize },
    #[error("invalid problem: {0}")]
    Problem(#[from] ProblemError),
}

/// Parses one whitespace-separated field as a number, naming the line and field on failure.
fn number<T: std::str::FromStr>(
    text: &str,
    line: usize,
    field: &'static str,
) -> Result<T, FormatError> {
    text.parse().map_err(|_| FormatError::BadNumber {
        line,
        field,
        text: text.to_string(),
    })
}

/// Whether every coordinate is a whole number (then distances can be computed exactly in integers).
fn integral(coords: &[(f64, f64)]) -> bool {
    coords
        .iter()
        .all(|&(x, y)| x.fract() == 0.0 && y.fract() == 0.0 && x.abs() < 1e7 && y.abs() < 1e7)
}

/// `floor(sqrt(n))` exactly, for the integer distance conventions.
fn isqrt(n: i64) -> i64 {
    let mut r = (n as f64).sqrt() as i64;
    while r * r > n {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= n {
        r += 1;
    }
    r
}
