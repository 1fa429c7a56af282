//! What can be wrong with a day as posted: one [`FieldError`] per problem,
//! located by its JSON path (`requests[3].weight_kg`) or, for a spreadsheet,
//! its row (`requests_csv[line 7].pickup`), with a stable [`ErrorCode`].
//!
//! These are the input's own mistakes, found before anything is solved; the
//! HTTP service turns them into 422s (or 400s for unreadable bodies) in one
//! place and adds its own codes (authentication, plans, the desk) beside
//! them. Nothing here knows HTTP.

use serde::Serialize;

/// Stable codes for a mistake in a day; clients may match on them (listed in
/// the README together with the service's own codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not JSON (or not UTF-8), is cut short, or has anything but
    /// white space after the JSON document.
    MalformedJson,
    /// A field the schema does not know (often a unit missing from the name: `weight` for `weight_kg`).
    UnknownField,
    MissingField,
    /// A value of the wrong JSON type (a string where a number is expected, ...).
    InvalidType,
    /// A value of the right type but not allowed (an unknown enum word, an empty id, a bad date).
    InvalidValue,
    /// A time of day not written `"HH:MM"`.
    InvalidTime,
    /// A number outside its plausible range (latitude, weight, capacity, floor).
    OutOfRange,
    /// A window or shift that ends before it starts.
    ImpossibleWindow,
    DuplicateId,
    /// A reference (depot, building) to an id that is not in the day.
    UnknownReference,
    /// A request with neither lat/lon nor a building.
    MissingLocation,
    /// A request with both lat/lon and a building.
    AmbiguousLocation,
    /// More requests, squads, items or skills than one day may hold.
    LimitExceeded,
    /// A point too far from every road of the map.
    OffMap,
    /// A CSV row that cannot be read.
    CsvError,
}

impl ErrorCode {
    /// Every code (the service's documentation test reads them all).
    pub const ALL: [ErrorCode; 15] = {
        use ErrorCode::*;
        [
            MalformedJson,
            UnknownField,
            MissingField,
            InvalidType,
            InvalidValue,
            InvalidTime,
            OutOfRange,
            ImpossibleWindow,
            DuplicateId,
            UnknownReference,
            MissingLocation,
            AmbiguousLocation,
            LimitExceeded,
            OffMap,
            CsvError,
        ]
    };
}

/// One problem with the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub code: ErrorCode,
    /// JSON path from the document root (or the CSV row); empty for the whole body.
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// At most this many errors are listed in one answer: enough to fix a batch,
/// small enough that a 100,000-row mistake does not produce a huge reply.
pub const MAX_LISTED_ERRORS: usize = 100;
