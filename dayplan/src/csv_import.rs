//! Requests from a spreadsheet export (CSV with a header row).
//!
//! One row is one item of one request; further rows with the same `id`
//! (continuation rows) add items to that request. Request-level cells of a
//! continuation row must be empty or repeat the first row's value: a different
//! value would otherwise be silently ignored.
//!
//! Written so that a coordinator fixes a file in one pass: every row is read
//! and every problem is listed (up to [`MAX_LISTED_ERRORS`]), each at the line
//! the spreadsheet shows (the header is line 1) and the column, e.g.
//! `requests_csv[line 7].weight_kg`. Checks of meaning (ranges, references)
//! run later on the assembled requests, in [`crate::validate`]; their errors
//! are moved back to the CSV cell the value came from by [`CsvSource::locate`].

use std::collections::{HashMap, HashSet};

use csv::StringRecord;

use crate::dto::*;
use crate::error::{ErrorCode, FieldError, MAX_LISTED_ERRORS};

/// Column names, in the order the README documents them.
pub const COLUMNS: &[&str] = &[
    "id",
    "resident",
    "phone",
    "lat",
    "lon",
    "building",
    "unit",
    "floor",
    "address",
    "kind",
    "priority",
    "item",
    "weight_kg",
    "quantity",
    "item_kind",
    "window_start",
    "window_end",
    "service_s",
    "chilled_max_s",
    "pickup",
    "skills",
    "squad",
    "preferred_squad",
    "notes",
];

/// Columns that describe one item; a row with any of them has an item.
const ITEM_COLUMNS: &[&str] = &["item", "weight_kg", "quantity", "item_kind"];

/// What a CSV text gave: the requests that could be read, where each of their
/// values came from, and the problems found while reading.
#[derive(Debug, Default)]
pub struct CsvImport {
    pub requests: Vec<Request>,
    pub source: CsvSource,
    /// Reading problems, in the order of the file.
    pub errors: Vec<Located>,
    /// The header cannot be used (no `id` column, empty text): no row was read,
    /// so checking the (missing) requests would only add noise.
    pub fatal: bool,
}

/// An error with its place in the file, for listing errors in reading order.
#[derive(Debug)]
pub struct Located {
    pub line: usize,
    /// Position of the column in the header (0 for the row as a whole).
    pub rank: usize,
    pub error: FieldError,
}

impl Located {
    /// An error about a row as a whole.
    fn row(line: usize, code: ErrorCode, msg: String) -> Self {
        Located {
            line,
            rank: 0,
            error: FieldError::new(code, path(line, None), msg),
        }
    }
}

/// Where the values of each request came from.
#[derive(Debug, Default)]
pub struct CsvSource {
    /// Column name → position in the header.
    columns: HashMap<&'static str, usize>,
    /// Per request: its first row's line, and the line of each item.
    requests: Vec<RequestLines>,
    /// Cells (line, column; "" for the row) that already have a reading error:
    /// a later check of the placeholder left there would repeat it wrongly.
    unreadable: HashSet<(usize, &'static str)>,
}

#[derive(Debug)]
struct RequestLines {
    line: usize,
    items: Vec<usize>,
}

impl CsvSource {
    /// Moves an error about `requests[i]…` (from the checks of meaning or from
    /// snapping) to the CSV line and column the value came from; other paths
    /// are returned unchanged, with `None` as their place. Returns `None` for an
    /// error that only repeats a reading error already listed.
    pub fn locate(&self, mut e: FieldError) -> Option<(Option<(usize, usize)>, FieldError)> {
        if e.path == "requests" {
            e.path = "requests_csv".into();
            return Some((None, e));
        }
        let Some((i, rest)) = e
            .path
            .strip_prefix("requests[")
            .and_then(|r| r.split_once(']'))
            .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)))
        else {
            return Some((None, e));
        };
        let Some(req) = self.requests.get(i) else {
            return Some((None, e));
        };
        let (line, column) = cell_of(req, rest);
        if self.unreadable.contains(&(line, column.unwrap_or(""))) {
            return None;
        }
        let rank = self.rank(column);
        e.path = path(line, column);
        if let Some(c) = column.and_then(|c| self.columns.get(c)) {
            e.message = format!("{} (cell {})", e.message, cell_name(*c, line));
        }
        Some((Some((line, rank)), e))
    }

    fn rank(&self, column: Option<&str>) -> usize {
        column
            .and_then(|c| self.columns.get(c))
            .map_or(0, |&i| i + 1)
    }
}

/// The line and column that a path below `requests[i]` refers to.
fn cell_of(req: &RequestLines, rest: &str) -> (usize, Option<&'static str>) {
    let field = rest.strip_prefix('.').unwrap_or(rest);
    if let Some(after) = field.strip_prefix("items[") {
        let (k, tail) = after.split_once(']').unwrap_or((after, ""));
        let line = k
            .parse::<usize>()
            .ok()
            .and_then(|k| req.items.get(k).copied())
            .unwrap_or(req.line);
        let column = match tail {
            ".name" => Some("item"),
            ".weight_kg" => Some("weight_kg"),
            ".quantity" => Some("quantity"),
            ".kind" => Some("item_kind"),
            _ => None,
        };
        return (line, column);
    }
    if let Some(after) = field.strip_prefix("windows[") {
        let tail = after.split_once(']').map_or("", |(_, t)| t);
        let column = if tail == ".start" {
            "window_start"
        } else {
            "window_end"
        };
        return (req.line, Some(column));
    }
    let name = field.split(['.', '[']).next().unwrap_or("");
    (req.line, COLUMNS.iter().copied().find(|c| *c == name))
}

fn path(line: usize, column: Option<&str>) -> String {
    match column {
        Some(c) => format!("requests_csv[line {line}].{c}"),
        None => format!("requests_csv[line {line}]"),
    }
}

/// A spreadsheet's name of a cell: column letters and row number (`S7`).
fn cell_name(col: usize, line: usize) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{line}", String::from_utf8(letters).unwrap_or_default())
}

/// Counts lines as a spreadsheet shows rows: `\n`, `\r\n` and `\r` all end a
/// row, an empty line is an (empty) row, and a quoted cell holding a line
/// break stays one row. (The csv crate's own line count treats `\r\n` as two
/// breaks in some places and counts breaks inside quotes.)
struct Rows<'a> {
    text: &'a [u8],
    last: usize,
}

impl Rows<'_> {
    /// The row of the record the reader says starts at byte `at` (just after
    /// the previous record's line break, before any empty lines).
    fn next(&mut self, at: usize) -> usize {
        let mut i = at;
        if i > 0 && self.text.get(i - 1) == Some(&b'\r') && self.text.get(i) == Some(&b'\n') {
            i += 1;
        }
        let mut empty = 0;
        loop {
            match self.text.get(i..) {
                Some([b'\r', b'\n', ..]) => i += 2,
                Some([b'\n' | b'\r', ..]) => i += 1,
                _ => break,
            }
            empty += 1;
        }
        self.last += 1 + empty;
        self.last
    }
}

/// The header: which column is where.
struct Header {
    line: usize,
    /// Number of cells in the header; every row has as many.
    width: usize,
    index: HashMap<&'static str, usize>,
    /// Columns with an empty name: a value under one would be lost.
    unnamed: Vec<usize>,
}

impl Header {
    fn read(rec: &StringRecord, line: usize, errors: &mut Vec<Located>) -> Option<Header> {
        let mut index = HashMap::new();
        let mut unnamed = Vec::new();
        let mut err = |rank: usize, code, name: &str, msg: String| {
            errors.push(Located {
                line,
                rank,
                error: FieldError::new(code, path(line, Some(name)), msg),
            })
        };
        for (i, raw) in rec.iter().enumerate() {
            let h = raw.to_lowercase();
            if h.is_empty() {
                unnamed.push(i);
            } else if let Some(known) = COLUMNS.iter().copied().find(|c| *c == h) {
                if let Some(first) = index.insert(known, i) {
                    index.insert(known, first);
                    err(
                        i + 1,
                        ErrorCode::InvalidValue,
                        known,
                        format!(
                            "column {known} appears twice; keep one (cell {})",
                            cell_name(i, line)
                        ),
                    );
                }
            } else {
                err(
                    i + 1,
                    ErrorCode::UnknownField,
                    raw,
                    format!(
                        "unknown column {raw:?} (cell {}); known columns: {}",
                        cell_name(i, line),
                        COLUMNS.join(", ")
                    ),
                );
            }
        }
        if !index.contains_key("id") {
            errors.push(Located {
                line,
                rank: 0,
                error: FieldError::new(
                    ErrorCode::MissingField,
                    path(line, Some("id")),
                    "the header has no id column: each row needs the id of its request",
                ),
            });
            return None;
        }
        Some(Header {
            line,
            width: rec.len(),
            index,
            unnamed,
        })
    }

    fn get<'r>(&self, rec: &'r StringRecord, name: &str) -> Option<&'r str> {
        self.index
            .get(name)
            .and_then(|&i| rec.get(i))
            .filter(|s| !s.is_empty())
    }
}

/// Reads the CSV text of `requests_csv`. Never stops at the first problem:
/// see [`CsvImport`].
pub fn parse_requests(text: &str) -> CsvImport {
    let mut imp = CsvImport::default();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Rows {
        text: text.as_bytes(),
        last: 0,
    };
    let Some(header) = read_header(&mut rdr, &mut rows, &mut imp) else {
        imp.fatal = true;
        return imp;
    };
    imp.source.columns = header.index.clone();

    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut firsts: Vec<Row> = Vec::new();
    let mut any_row = false;
    for rec in rdr.records() {
        if imp.errors.len() >= MAX_LISTED_ERRORS {
            break;
        }
        let at = |p: Option<&csv::Position>| p.map_or(text.len(), |p| p.byte() as usize);
        let rec = match rec {
            Ok(r) => r,
            Err(err) => {
                let line = rows.next(at(err.position()));
                imp.errors
                    .push(Located::row(line, ErrorCode::CsvError, csv_reason(&err)));
                continue;
            }
        };
        let line = rows.next(at(rec.position()));
        // A spreadsheet exports trailing empty rows as a line of commas.
        if rec.iter().all(str::is_empty) {
            continue;
        }
        any_row = true;
        if rec.len() != header.width {
            let msg = format!(
                "this row has {} cells but the header has {} columns; \
                 a value holding a comma must be in double quotes",
                rec.len(),
                header.width
            );
            imp.errors
                .push(Located::row(line, ErrorCode::CsvError, msg));
            continue;
        }
        let row = Row::read(&rec, &header, line, &mut imp);
        if row.id.is_empty() {
            // Its cells are checked all the same, but it belongs to no request.
            let i = header.index["id"];
            imp.errors.push(Located {
                line,
                rank: i + 1,
                error: FieldError::new(
                    ErrorCode::MissingField,
                    path(line, Some("id")),
                    format!(
                        "every row needs the id of its request; a merged cell keeps the id on \
                         its first row only: fill it down (cell {})",
                        cell_name(i, line)
                    ),
                ),
            });
            continue;
        }
        match by_id.get(&row.id) {
            Some(&i) => {
                continuation(&row, &firsts[i], &header, &mut imp.errors);
                if let Some(item) = row.item {
                    imp.requests[i].items.push(item);
                    imp.source.requests[i].items.push(line);
                }
            }
            None => {
                by_id.insert(row.id.clone(), imp.requests.len());
                let req = row.request(&header, &mut imp.errors);
                imp.source.requests.push(RequestLines {
                    line,
                    items: req.items.iter().map(|_| line).collect(),
                });
                imp.requests.push(req);
                firsts.push(row);
            }
        }
    }
    // In the order a coordinator reads the sheet: row by row, left to right.
    imp.errors.sort_by_key(|l| (l.line, l.rank));
    if !any_row && imp.errors.is_empty() {
        imp.errors.push(Located {
            line: header.line,
            rank: 0,
            error: FieldError::new(
                ErrorCode::MissingField,
                "requests_csv",
                "the CSV has a header but no rows: one row per item of each request",
            ),
        });
    }
    imp
}

/// The header row, or `None` (its errors listed) when no row can be read
/// against it.
fn read_header(
    rdr: &mut csv::Reader<&[u8]>,
    rows: &mut Rows,
    imp: &mut CsvImport,
) -> Option<Header> {
    let bom = if rows.text.starts_with("\u{feff}".as_bytes()) {
        3
    } else {
        0
    };
    let line = rows.next(bom);
    match rdr.headers() {
        Ok(h) if h.iter().any(|c| !c.is_empty()) => Header::read(h, line, &mut imp.errors),
        Ok(_) => {
            imp.errors.push(Located::row(
                line,
                ErrorCode::CsvError,
                "the CSV is empty: its first line names the columns (id, lat, lon, item, ...)"
                    .into(),
            ));
            None
        }
        Err(err) => {
            let msg = format!("the header cannot be read: {}", csv_reason(&err));
            imp.errors
                .push(Located::row(line, ErrorCode::CsvError, msg));
            None
        }
    }
}

/// Why the csv crate could not read a row, without its own position (which
/// counts lines differently from a spreadsheet: the line is in the path).
fn csv_reason(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "not UTF-8 text: save the spreadsheet as \"CSV UTF-8\"".to_string()
        }
        _ => "this row cannot be read as CSV; check its double quotes".to_string(),
    }
}

/// The request-level values of one row as read; `None` when the cell is empty
/// (or unreadable: the reading error is listed already).
#[derive(Debug, Default, PartialEq)]
struct Fields {
    resident: Option<String>,
    phone: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    building: Option<String>,
    unit: Option<String>,
    floor: Option<i32>,
    address: Option<String>,
    kind: Option<RequestKind>,
    priority: Option<Priority>,
    window_start: Option<Clock>,
    window_end: Option<Clock>,
    service_s: Option<u32>,
    chilled_max_s: Option<u32>,
    pickup: Option<String>,
    skills: Option<Vec<String>>,
    squad: Option<String>,
    preferred_squad: Option<String>,
    notes: Option<String>,
}

impl Fields {
    /// Columns this (continuation) row fills with a value other than `first`'s.
    fn differing(&self, first: &Fields) -> Vec<&'static str> {
        let mut out = Vec::new();
        macro_rules! compare {
            ($($f:ident),*) => {
                $( if self.$f.is_some() && self.$f != first.$f { out.push(stringify!($f)); } )*
            };
        }
        compare!(
            resident,
            phone,
            lat,
            lon,
            building,
            unit,
            floor,
            address,
            kind,
            priority,
            window_start,
            window_end,
            service_s,
            chilled_max_s,
            pickup,
            skills,
            squad,
            preferred_squad,
            notes
        );
        out
    }
}

/// One row, every cell read.
struct Row {
    line: usize,
    id: String,
    raw: StringRecord,
    fields: Fields,
    item: Option<Item>,
    /// Columns whose cell could not be read.
    failed: Vec<&'static str>,
}

/// Reading the cells of one row, listing each unreadable one.
struct Cells<'a> {
    rec: &'a StringRecord,
    header: &'a Header,
    line: usize,
    imp: &'a mut CsvImport,
    failed: Vec<&'static str>,
}

type Parsed<T> = Result<T, (ErrorCode, String)>;

impl Cells<'_> {
    fn text(&self, col: &str) -> Option<String> {
        self.header.get(self.rec, col).map(str::to_string)
    }

    fn parse<T>(&mut self, col: &'static str, f: impl FnOnce(&str) -> Parsed<T>) -> Option<T> {
        let v = self.header.get(self.rec, col)?;
        match f(v) {
            Ok(x) => Some(x),
            Err((code, msg)) => {
                self.bad(col, code, msg);
                None
            }
        }
    }

    fn bad(&mut self, col: &'static str, code: ErrorCode, msg: String) {
        let i = self.header.index[col];
        self.imp.errors.push(Located {
            line: self.line,
            rank: i + 1,
            error: FieldError::new(
                code,
                path(self.line, Some(col)),
                format!("{msg} (cell {})", cell_name(i, self.line)),
            ),
        });
        self.failed.push(col);
        self.imp.source.unreadable.insert((self.line, col));
        if matches!(col, "lat" | "lon") {
            // The location as a whole is unknown, not missing.
            self.imp.source.unreadable.insert((self.line, ""));
        }
    }
}

impl Row {
    fn read(rec: &StringRecord, header: &Header, line: usize, imp: &mut CsvImport) -> Row {
        let mut c = Cells {
            rec,
            header,
            line,
            imp,
            failed: Vec::new(),
        };
        for &i in &header.unnamed {
            if rec.get(i).is_some_and(|v| !v.is_empty()) {
                c.imp.errors.push(Located {
                    line,
                    rank: i + 1,
                    error: FieldError::new(
                        ErrorCode::UnknownField,
                        path(line, None),
                        format!(
                            "a value in a column without a name (cell {}): name the column in line {} or clear the cell",
                            cell_name(i, line),
                            header.line
                        ),
                    ),
                });
            }
        }
        let fields = Fields {
            resident: c.text("resident"),
            phone: c.text("phone"),
            lat: c.parse("lat", number),
            lon: c.parse("lon", number),
            building: c.text("building"),
            unit: c.text("unit"),
            floor: c.parse("floor", |v| {
                whole(v).map(|f| f.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
            }),
            address: c.text("address"),
            kind: c.parse("kind", word),
            priority: c.parse("priority", word),
            window_start: c.parse("window_start", |v| {
                Clock::parse(v)
                    .and_then(Clock::as_start)
                    .map_err(|m| (ErrorCode::InvalidTime, m))
            }),
            window_end: c.parse("window_end", |v| {
                Clock::parse(v).map_err(|m| (ErrorCode::InvalidTime, m))
            }),
            service_s: c.parse("service_s", |v| {
                non_negative(v, "service_s is seconds at the door: 0 or more")
            }),
            chilled_max_s: c.parse("chilled_max_s", |v| {
                non_negative(v, "chilled_max_s is seconds out of the cold: 0 or more")
            }),
            pickup: c.text("pickup"),
            skills: c.text("skills").map(|s| {
                s.split([';', ',', ' ', '；', '，', '、'])
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect()
            }),
            squad: c.text("squad"),
            preferred_squad: c.text("preferred_squad"),
            notes: c.text("notes"),
        };
        let item = ITEM_COLUMNS
            .iter()
            .any(|col| header.get(rec, col).is_some())
            .then(|| {
                let kind: ItemKind = c.parse("item_kind", word).unwrap_or_default();
                Item {
                    name: c
                        .text("item")
                        .unwrap_or_else(|| kind.default_name().to_string()),
                    weight_kg: c.parse("weight_kg", number).unwrap_or(0.0),
                    quantity: c
                        .parse("quantity", |v| non_negative(v, "quantity must be 1..=1000"))
                        .unwrap_or(1),
                    kind,
                }
            });
        Row {
            line,
            id: header.get(rec, "id").unwrap_or("").to_string(),
            raw: rec.clone(),
            fields,
            item,
            failed: c.failed,
        }
    }

    /// The request this (first) row opens.
    fn request(&self, header: &Header, errors: &mut Vec<Located>) -> Request {
        let f = &self.fields;
        Request {
            id: self.id.clone(),
            resident: f.resident.clone(),
            phone: f.phone.clone(),
            lat: f.lat,
            lon: f.lon,
            building: f.building.clone(),
            unit: f.unit.clone(),
            floor: f.floor,
            address: f.address.clone(),
            kind: f.kind.unwrap_or_default(),
            items: self.item.clone().into_iter().collect(),
            windows: self.window(header, errors).into_iter().collect(),
            priority: f.priority,
            service_s: f.service_s,
            chilled_max_s: f.chilled_max_s,
            notes: f.notes.clone(),
            pickup: f.pickup.clone(),
            pickup_after: None,
            skills: f.skills.clone().unwrap_or_default(),
            squad: f.squad.clone(),
            preferred_squad: f.preferred_squad.clone(),
            gate_drop: None,
        }
    }

    /// The window of the first row. An end past midnight (`26:30`) needs its
    /// start: alone it is more likely a typo than a night-time delivery.
    fn window(&self, header: &Header, errors: &mut Vec<Located>) -> Option<Window> {
        if self
            .failed
            .iter()
            .any(|c| matches!(*c, "window_start" | "window_end"))
        {
            return None;
        }
        /// The latest end a clock can write, for a window given only its start.
        const LAST: Clock = Clock(47 * 3600 + 59 * 60);
        match (self.fields.window_start, self.fields.window_end) {
            (None, None) => None,
            (Some(start), None) => Some(Window { start, end: LAST }),
            (None, Some(end)) if end.0 > Clock::DAY => {
                let i = header.index["window_end"];
                errors.push(Located {
                    line: self.line,
                    rank: i + 1,
                    error: FieldError::new(
                        ErrorCode::InvalidTime,
                        path(self.line, Some("window_end")),
                        format!(
                            "{end} is past midnight: a window that runs into the next day needs its \
                             window_start (22:00 to 26:30 ends at 02:30 the next day) (cell {})",
                            cell_name(i, self.line)
                        ),
                    ),
                });
                None
            }
            (None, Some(end)) => Some(Window {
                start: Clock(0),
                end,
            }),
            (Some(start), Some(end)) => Some(Window { start, end }),
        }
    }
}

/// A continuation row's request-level cells must be empty or repeat the first
/// row's value: anything else would be ignored without a word.
fn continuation(row: &Row, first: &Row, header: &Header, errors: &mut Vec<Located>) {
    for col in row.fields.differing(&first.fields) {
        if first.failed.contains(&col) {
            continue; // the first row's cell is reported already
        }
        let i = header.index[col];
        let msg = match header.get(&first.raw, col) {
            Some(was) => format!(
                "request {:?} has {col} {was:?} on its first row (line {}); on its other rows \
                 leave this cell empty or repeat that value",
                row.id, first.line
            ),
            None => format!(
                "request {:?} has no {col} on its first row (line {}); request-level values go \
                 on a request's first row, its other rows only add items",
                row.id, first.line
            ),
        };
        errors.push(Located {
            line: row.line,
            rank: i + 1,
            error: FieldError::new(
                ErrorCode::InvalidValue,
                path(row.line, Some(col)),
                format!("{msg} (cell {})", cell_name(i, row.line)),
            ),
        });
    }
}

fn number(v: &str) -> Parsed<f64> {
    v.parse::<f64>().map_err(|_| {
        (
            ErrorCode::InvalidType,
            format!(
                "{v:?} is not a number (write the number only, the unit is in the column name)"
            ),
        )
    })
}

fn whole(v: &str) -> Parsed<i64> {
    let x = number(v)?;
    if x.is_finite() && x.fract() == 0.0 {
        Ok(x as i64)
    } else {
        Err((
            ErrorCode::InvalidValue,
            format!("{v:?} is not a whole number"),
        ))
    }
}

fn non_negative(v: &str, rule: &str) -> Parsed<u32> {
    let x = whole(v)?;
    if x < 0 {
        return Err((ErrorCode::OutOfRange, format!("{v:?}: {rule}")));
    }
    Ok(x.min(u32::MAX as i64) as u32)
}

/// Reads an enum word (`urgent`, `chilled`, ...) with serde, so the accepted
/// words are exactly the JSON ones.
fn word<T: serde::de::DeserializeOwned>(v: &str) -> Parsed<T> {
    serde_json::from_value::<T>(serde_json::Value::String(v.to_lowercase()))
        .map_err(|err| (ErrorCode::InvalidValue, err.to_string()))
}

#[cfg(test)]
mod tests;
