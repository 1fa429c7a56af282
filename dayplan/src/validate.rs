//! Raw input turned into a checked [`DayRequest`] once, at the edge.
//!
//! Two stages: [`parse_day`] reads the JSON (syntax, types, unknown and missing
//! fields, each with its JSON path), then [`check_day`] checks meaning (ranges,
//! references, windows, limits) and lists every problem it finds, not only the
//! first, so a coordinator fixes a spreadsheet in one round.

use std::collections::{HashMap, HashSet};

use crate::csv_import::{CsvSource, Located};
use crate::dto::*;
use crate::error::{ErrorCode, FieldError, MAX_LISTED_ERRORS};

/// Most requests in one day. A street office has at most a few thousand
/// homebound residents; beyond this the matrix alone would not fit the budget.
pub const MAX_REQUESTS: usize = 5_000;
pub const MAX_SQUADS: usize = 500;
pub const MAX_DEPOTS: usize = 200;
pub const MAX_BUILDINGS: usize = 20_000;
pub const MAX_ITEMS_PER_REQUEST: usize = 100;
pub const MAX_WINDOWS: usize = 10;
/// The solver keeps skills in a 64-bit mask.
pub const MAX_SKILLS: usize = 64;
pub const MAX_TEXT_CHARS: usize = 2_000;
pub const MAX_BUDGET_S: u32 = 600;
/// Heavier than this per unit is surely grams typed as kilograms.
pub const MAX_ITEM_KG: f64 = 200.0;
pub const MAX_CAPACITY_KG: f64 = 5_000.0;

/// Parses a JSON body, naming the path of the first offending field.
pub fn parse_day(body: &[u8]) -> Result<DayRequest, FieldError> {
    parse_json(body)
}

/// Parses one JSON document; anything but white space after it is
/// `malformed_json` (two days pasted into one body must not pass as the first).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, FieldError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize::<_, T>(&mut *de).map_err(json_error)?;
    de.end().map_err(|e| {
        FieldError::new(
            ErrorCode::MalformedJson,
            "",
            format!("unexpected data after the JSON document: {e}"),
        )
    })?;
    Ok(value)
}

/// Maps a serde error onto a stable code and a JSON path.
pub fn json_error(err: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let mut path = err.path().to_string();
    if path == "." {
        path.clear();
    }
    let inner = err.inner();
    let msg = inner.to_string();
    use serde_json::error::Category;
    let code = match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => ErrorCode::MalformedJson,
        Category::Data => {
            if msg.starts_with("unknown field") {
                ErrorCode::UnknownField
            } else if let Some(rest) = msg.strip_prefix("missing field `") {
                // serde reports the parent's path; point at the missing field itself.
                if let Some(name) = rest.split('`').next() {
                    path = join(&path, name);
                }
                ErrorCode::MissingField
            } else if msg.starts_with("invalid type") {
                ErrorCode::InvalidType
            } else if msg.starts_with(CLOCK_ERROR) {
                ErrorCode::InvalidTime
            } else {
                ErrorCode::InvalidValue
            }
        }
    };
    // serde_json appends " at line L column C"; keep it, it helps with hand-written files.
    FieldError::new(code, path, msg)
}

fn join(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
}

struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, code: ErrorCode, path: impl Into<String>, msg: impl Into<String>) {
        if self.0.len() < MAX_LISTED_ERRORS {
            self.0.push(FieldError::new(code, path, msg));
        }
    }
    fn full(&self) -> bool {
        self.0.len() >= MAX_LISTED_ERRORS
    }
}

/// Checks meaning; on success the day is ready for conversion (CSV requests
/// have been moved into `requests`).
pub fn check_day(day: &mut DayRequest) -> Result<(), Vec<FieldError>> {
    check_day_located(day).map(|_| ())
}

/// Where the requests of a day came from, to name the place of a later error
/// (a point off the map) as the client wrote it.
#[derive(Debug, Default)]
pub struct InputSource {
    csv: Option<CsvSource>,
}

impl InputSource {
    /// Errors about `requests[i]…` moved to the CSV line and column their value
    /// came from (when the requests came as CSV), listed in the file's order
    /// after the errors elsewhere in the day; at most [`MAX_LISTED_ERRORS`].
    pub fn locate(&self, errors: Vec<FieldError>) -> Vec<FieldError> {
        self.merge(Vec::new(), errors)
    }

    fn merge(&self, read: Vec<Located>, checked: Vec<FieldError>) -> Vec<FieldError> {
        let Some(csv) = &self.csv else {
            return checked;
        };
        let mut all: Vec<(Option<(usize, usize)>, FieldError)> = read
            .into_iter()
            .map(|l| (Some((l.line, l.rank)), l.error))
            .collect();
        let unreadable_rows = !all.is_empty();
        for e in checked {
            // No requests left because every row was unreadable: the rows say why.
            if unreadable_rows && e.path == "requests" && e.code == ErrorCode::MissingField {
                continue;
            }
            all.extend(csv.locate(e));
        }
        all.sort_by_key(|(place, _)| *place);
        all.truncate(MAX_LISTED_ERRORS);
        all.into_iter().map(|(_, e)| e).collect()
    }
}

/// [`check_day`], also returning where the requests came from. Requests given
/// as CSV are read row by row first; reading errors and errors of meaning are
/// listed together, so one answer names every problem of the file.
pub fn check_day_located(day: &mut DayRequest) -> Result<InputSource, Vec<FieldError>> {
    let mut source = InputSource::default();
    let mut read = Vec::new();
    if let Some(csv) = day.requests_csv.take() {
        if !day.requests.is_empty() {
            return Err(vec![FieldError::new(
                ErrorCode::InvalidValue,
                "requests_csv",
                "give either requests or requests_csv, not both",
            )]);
        }
        let imp = crate::csv_import::parse_requests(&csv);
        if imp.fatal {
            return Err(imp.errors.into_iter().map(|l| l.error).collect());
        }
        day.requests = imp.requests;
        read = imp.errors;
        source.csv = Some(imp.source);
    }
    let checked = check_meaning(day).err().unwrap_or_default();
    if read.is_empty() && checked.is_empty() {
        Ok(source)
    } else {
        Err(source.merge(read, checked))
    }
}

/// The checks of meaning on a day whose requests are all in `requests`.
fn check_meaning(day: &DayRequest) -> Result<(), Vec<FieldError>> {
    let mut e = Errors(Vec::new());
    // Limits first: a 100,000-request day is refused without checking each request.
    limits(day, &mut e);
    if !e.0.is_empty() {
        return Err(e.0);
    }
    the_day(day, &mut e);
    options(&day.options, &mut e);
    let (depot_ids, building_ids) = places(day, &mut e);
    let mut skills: HashSet<&str> = HashSet::new();
    squads(day, &depot_ids, &mut skills, &mut e);
    let squad_ids: HashSet<&str> = day.squads.iter().map(|s| s.id.as_str()).collect();
    compounds(day, &depot_ids, &building_ids, &mut e);
    ids(
        day.requests.iter().map(|r| r.id.as_str()),
        "requests",
        &mut e,
    );
    for (i, r) in day.requests.iter().enumerate() {
        if e.full() {
            break;
        }
        let refs = Refs {
            depots: &depot_ids,
            buildings: &building_ids,
            squads: &squad_ids,
        };
        request(i, r, &refs, &mut skills, &mut e);
    }
    if skills.len() > MAX_SKILLS {
        e.push(
            ErrorCode::LimitExceeded,
            "squads",
            format!("{} distinct skills, at most {MAX_SKILLS}", skills.len()),
        );
    }
    if e.0.is_empty() {
        Ok(())
    } else {
        Err(e.0)
    }
}

/// A day larger than the service takes.
fn limits(day: &DayRequest, e: &mut Errors) {
    for (path, len, max) in [
        ("requests", day.requests.len(), MAX_REQUESTS),
        ("squads", day.squads.len(), MAX_SQUADS),
        ("depots", day.depots.len(), MAX_DEPOTS),
        ("buildings", day.buildings.len(), MAX_BUILDINGS),
    ] {
        if len > max {
            e.push(
                ErrorCode::LimitExceeded,
                path,
                format!("{len} {path} given, at most {max} per day; split the day"),
            );
        }
    }
}

/// The day itself: something to plan, a date, the street office.
fn the_day(day: &DayRequest, e: &mut Errors) {
    if day.requests.is_empty() {
        e.push(
            ErrorCode::MissingField,
            "requests",
            "the day has no requests (give requests or requests_csv)",
        );
    }
    if day.squads.is_empty() {
        e.push(ErrorCode::MissingField, "squads", "the day has no squads");
    }
    if day.depots.is_empty() {
        e.push(ErrorCode::MissingField, "depots", "the day has no depots");
    }

    check_date(&day.date, e);
    text(&day.street_office.id, "street_office.id", true, e);
    text(&day.street_office.name, "street_office.name", true, e);
    text(
        &day.street_office.coordinator_phone,
        "street_office.coordinator_phone",
        true,
        e,
    );
}

fn options(o: &Options, e: &mut Errors) {
    if o.budget_s == 0 || o.budget_s > MAX_BUDGET_S {
        e.push(
            ErrorCode::OutOfRange,
            "options.budget_s",
            format!("budget_s must be 1..={MAX_BUDGET_S} seconds"),
        );
    }
    if o.stairs_s_per_floor > 600 {
        e.push(
            ErrorCode::OutOfRange,
            "options.stairs_s_per_floor",
            "at most 600 seconds per floor",
        );
    }
    for p in Profile::ALL {
        if o.balance_target_s.get(p).is_some() && o.balance_scale_s.get(p).is_none() {
            e.push(
                ErrorCode::MissingField,
                format!("options.balance_scale_s.{}", p.name()),
                "a target working day needs its scale (how firmly days beyond it cost)",
            );
        }
        if o.balance_scale_s.get(p) == Some(0) {
            e.push(
                ErrorCode::OutOfRange,
                format!("options.balance_scale_s.{}", p.name()),
                "a scale is seconds: at least 1 (leave it out to let the planner set it)",
            );
        }
    }
    for (name, v) in [("park_s.bike", o.park_s.bike), ("park_s.car", o.park_s.car)] {
        if v > 1800 {
            e.push(
                ErrorCode::OutOfRange,
                format!("options.{name}"),
                "at most 30 minutes (1800 s) to park",
            );
        }
    }
    for (name, v) in [
        ("default_delivery_s", o.default_delivery_s),
        ("default_visit_s", o.default_visit_s),
    ] {
        if v > 4 * 3600 {
            e.push(
                ErrorCode::OutOfRange,
                format!("options.{name}"),
                "at most 4 hours (14400 s)",
            );
        }
    }
}

/// Depots and buildings; returns their ids (duplicates reported).
fn places<'a>(day: &'a DayRequest, e: &mut Errors) -> (HashSet<&'a str>, HashSet<&'a str>) {
    let depot_ids = ids(day.depots.iter().map(|d| d.id.as_str()), "depots", e);
    for (i, d) in day.depots.iter().enumerate() {
        let p = format!("depots[{i}]");
        text(&d.name, &format!("{p}.name"), true, e);
        lat_lon(d.lat, d.lon, &p, e);
    }
    let building_ids = ids(day.buildings.iter().map(|b| b.id.as_str()), "buildings", e);
    for (i, b) in day.buildings.iter().enumerate() {
        let p = format!("buildings[{i}]");
        lat_lon(b.lat, b.lon, &p, e);
        if let Some(n) = &b.name {
            text(n, &format!("{p}.name"), false, e);
        }
    }
    (depot_ids, building_ids)
}

/// Every squad: its depots, shift, capacity, skills (collected into `skills`).
fn squads<'a>(
    day: &'a DayRequest,
    depot_ids: &HashSet<&str>,
    skills: &mut HashSet<&'a str>,
    e: &mut Errors,
) {
    ids(day.squads.iter().map(|s| s.id.as_str()), "squads", e);
    for (i, s) in day.squads.iter().enumerate() {
        let p = format!("squads[{i}]");
        if !depot_ids.contains(s.depot.as_str()) {
            e.push(
                ErrorCode::UnknownReference,
                format!("{p}.depot"),
                format!("no depot with id {:?}", s.depot),
            );
        }
        if let Some(end) = &s.end_depot {
            if !depot_ids.contains(end.as_str()) {
                e.push(
                    ErrorCode::UnknownReference,
                    format!("{p}.end_depot"),
                    format!("no depot with id {end:?}"),
                );
            }
        }
        if let Err(msg) = s.shift.start.as_start() {
            e.push(ErrorCode::InvalidTime, format!("{p}.shift.start"), msg);
        } else if s.shift.end <= s.shift.start {
            e.push(
                ErrorCode::ImpossibleWindow,
                format!("{p}.shift"),
                "the shift ends before it starts",
            );
        }
        if !(s.capacity_kg.is_finite() && s.capacity_kg > 0.0 && s.capacity_kg <= MAX_CAPACITY_KG) {
            e.push(
                ErrorCode::OutOfRange,
                format!("{p}.capacity_kg"),
                format!("capacity_kg must be above 0 and at most {MAX_CAPACITY_KG}"),
            );
        }
        if s.max_hours
            .is_some_and(|h| !(h.is_finite() && h > 0.0 && h <= 24.0))
        {
            e.push(
                ErrorCode::OutOfRange,
                format!("{p}.max_hours"),
                "max_hours is a working day in hours: above 0 and at most 24",
            );
        }
        if s.max_stops == Some(0) {
            e.push(
                ErrorCode::OutOfRange,
                format!("{p}.max_stops"),
                "max_stops must be at least 1 (leave the squad out of the day instead)",
            );
        }
        if s.reload_s.is_some_and(|r| r > 4 * 3600) {
            e.push(
                ErrorCode::OutOfRange,
                format!("{p}.reload_s"),
                "at most 4 hours (14400 s)",
            );
        }
        for (k, sk) in s.skills.iter().enumerate() {
            text(sk, &format!("{p}.skills[{k}]"), true, e);
            skills.insert(sk);
        }
        for (k, m) in s.members.iter().enumerate() {
            text(m, &format!("{p}.members[{k}]"), false, e);
        }
    }
}

/// Compounds: their gates are gate depots, their buildings exist, their
/// boundary is a ring; a request's own squad can pass the fence; a drop
/// names a gate, a compound and requests of the day.
fn compounds(
    day: &DayRequest,
    depot_ids: &HashSet<&str>,
    building_ids: &HashSet<&str>,
    e: &mut Errors,
) {
    let ids_of = ids(day.compounds.iter().map(|c| c.id.as_str()), "compounds", e);
    for (i, c) in day.compounds.iter().enumerate() {
        let p = format!("compounds[{i}]");
        text(&c.name, &format!("{p}.name"), true, e);
        if c.gates.is_empty() {
            e.push(
                ErrorCode::MissingField,
                format!("{p}.gates"),
                "a compound needs at least one gate (a depot of kind \"gate\")",
            );
        }
        for (k, g) in c.gates.iter().enumerate() {
            if !depot_ids.contains(g.as_str()) {
                e.push(
                    ErrorCode::UnknownReference,
                    format!("{p}.gates[{k}]"),
                    format!("no depot with id {g:?}: add the gate to depots with kind \"gate\""),
                );
            }
        }
        for (k, b) in c.buildings.iter().enumerate() {
            if !building_ids.contains(b.as_str()) {
                e.push(
                    ErrorCode::UnknownReference,
                    format!("{p}.buildings[{k}]"),
                    format!("no building with id {b:?}"),
                );
            }
        }
        if !c.boundary.is_empty() && c.boundary.len() < 3 {
            e.push(
                ErrorCode::InvalidValue,
                format!("{p}.boundary"),
                "a boundary is a ring of at least 3 [lat, lon] points",
            );
        }
        for (k, &[lat, lon]) in c.boundary.iter().enumerate() {
            lat_lon(lat, lon, &format!("{p}.boundary[{k}]"), e);
        }
    }
    let closed = crate::compound::closed(day);
    let members = if closed {
        crate::compound::membership(day)
    } else {
        Vec::new()
    };
    let request_ids: HashSet<&str> = day.requests.iter().map(|r| r.id.as_str()).collect();
    for (i, r) in day.requests.iter().enumerate() {
        let p = format!("requests[{i}]");
        if let (true, Some(Some(c)), Some(own)) = (closed, members.get(i), &r.squad) {
            if let Some(s) = day.squads.iter().find(|s| &s.id == own) {
                if !crate::compound::on_foot(s) {
                    e.push(
                        ErrorCode::InvalidValue,
                        format!("{p}.squad"),
                        format!(
                            "squad {own:?} travels by {} and vehicles may not enter {} today: name a walking squad",
                            s.profile.name(),
                            day.compounds[*c].name
                        ),
                    );
                }
            }
        }
        let Some(d) = &r.gate_drop else { continue };
        if !depot_ids.contains(d.gate.as_str()) {
            e.push(
                ErrorCode::UnknownReference,
                format!("{p}.gate_drop.gate"),
                format!("no depot with id {:?}", d.gate),
            );
        }
        if !ids_of.contains(d.compound.as_str()) {
            e.push(
                ErrorCode::UnknownReference,
                format!("{p}.gate_drop.compound"),
                format!("no compound with id {:?}", d.compound),
            );
        }
        for (k, q) in d.parcels.iter().enumerate() {
            if !request_ids.contains(q.as_str()) {
                e.push(
                    ErrorCode::UnknownReference,
                    format!("{p}.gate_drop.parcels[{k}]"),
                    format!("no request with id {q:?}"),
                );
            }
        }
    }
}

/// The ids a request may refer to.
struct Refs<'a, 'b> {
    depots: &'b HashSet<&'a str>,
    buildings: &'b HashSet<&'a str>,
    squads: &'b HashSet<&'a str>,
}

/// Request `i`: where it is, what it carries, when, and what it needs
/// (its skills collected into `skills`).
fn request<'a>(
    i: usize,
    r: &'a Request,
    refs: &Refs<'_, '_>,
    skills: &mut HashSet<&'a str>,
    e: &mut Errors,
) {
    let p = format!("requests[{i}]");
    match (r.lat, r.lon, &r.building) {
        (Some(lat), Some(lon), None) => lat_lon(lat, lon, &p, e),
        (None, None, Some(b)) => {
            if !refs.buildings.contains(b.as_str()) {
                e.push(
                    ErrorCode::UnknownReference,
                    format!("{p}.building"),
                    format!("no building with id {b:?}"),
                );
            }
        }
        (None, None, None) => e.push(
            ErrorCode::MissingLocation,
            &p,
            "give lat and lon, or a building id",
        ),
        (Some(_), None, None) => e.push(
            ErrorCode::MissingField,
            format!("{p}.lon"),
            "lat given without lon",
        ),
        (None, Some(_), None) => e.push(
            ErrorCode::MissingField,
            format!("{p}.lat"),
            "lon given without lat",
        ),
        _ => e.push(
            ErrorCode::AmbiguousLocation,
            &p,
            "give either lat/lon or a building, not both",
        ),
    }
    if let Some(f) = r.floor {
        if !(-5..=100).contains(&f) {
            e.push(
                ErrorCode::OutOfRange,
                format!("{p}.floor"),
                "floor must be between -5 and 100 (ground floor is 1)",
            );
        }
    }
    if let Some(pk) = &r.pickup {
        if !refs.depots.contains(pk.as_str()) {
            e.push(
                ErrorCode::UnknownReference,
                format!("{p}.pickup"),
                format!("no depot with id {pk:?}"),
            );
        }
        if r.kind == RequestKind::Visit {
            e.push(
                ErrorCode::InvalidValue,
                format!("{p}.pickup"),
                "a visit carries nothing: no pickup",
            );
        }
    }
    if let Some(t) = r.pickup_after {
        if r.pickup.is_none() {
            e.push(
                ErrorCode::InvalidValue,
                format!("{p}.pickup_after"),
                "pickup_after goes with a pickup depot",
            );
        } else if let Err(msg) = t.as_start() {
            e.push(ErrorCode::InvalidTime, format!("{p}.pickup_after"), msg);
        }
    }
    if r.kind == RequestKind::Visit && r.items.iter().any(|it| it.weight_kg > 0.0) {
        e.push(
            ErrorCode::InvalidValue,
            format!("{p}.items"),
            "a visit carries nothing: use kind \"delivery\"",
        );
    }
    if r.items.len() > MAX_ITEMS_PER_REQUEST {
        e.push(
            ErrorCode::LimitExceeded,
            format!("{p}.items"),
            format!("at most {MAX_ITEMS_PER_REQUEST} items"),
        );
    }
    for (k, it) in r.items.iter().enumerate() {
        let ip = format!("{p}.items[{k}]");
        text(&it.name, &format!("{ip}.name"), true, e);
        if !(it.weight_kg.is_finite() && (0.0..=MAX_ITEM_KG).contains(&it.weight_kg)) {
            e.push(
                ErrorCode::OutOfRange,
                format!("{ip}.weight_kg"),
                format!("weight_kg is per unit, from 0 to {MAX_ITEM_KG} (grams? divide by 1000)"),
            );
        }
        if it.quantity == 0 || it.quantity > 1000 {
            e.push(
                ErrorCode::OutOfRange,
                format!("{ip}.quantity"),
                "quantity must be 1..=1000",
            );
        }
    }
    if r.windows.len() > MAX_WINDOWS {
        e.push(
            ErrorCode::LimitExceeded,
            format!("{p}.windows"),
            format!("at most {MAX_WINDOWS} windows"),
        );
    }
    for (k, w) in r.windows.iter().enumerate() {
        if let Err(msg) = w.start.as_start() {
            e.push(
                ErrorCode::InvalidTime,
                format!("{p}.windows[{k}].start"),
                msg,
            );
        } else if w.end < w.start {
            e.push(
                ErrorCode::ImpossibleWindow,
                format!("{p}.windows[{k}]"),
                format!("the window ends ({}) before it starts ({})", w.end, w.start),
            );
        }
    }
    if r.service_s.is_some_and(|s| s > 4 * 3600) {
        e.push(
            ErrorCode::OutOfRange,
            format!("{p}.service_s"),
            "at most 4 hours (14400 s)",
        );
    }
    for (name, v) in [
        ("resident", &r.resident),
        ("phone", &r.phone),
        ("notes", &r.notes),
        ("unit", &r.unit),
        ("address", &r.address),
    ] {
        if let Some(v) = v {
            text(v, &format!("{p}.{name}"), false, e);
        }
    }
    for (k, sk) in r.skills.iter().enumerate() {
        text(sk, &format!("{p}.skills[{k}]"), true, e);
        skills.insert(sk);
    }
    pairing(r, &p, refs, e);
}

/// A request's own squad and preferred squad name squads of the day, and
/// not two different ones.
fn pairing(r: &Request, p: &str, refs: &Refs<'_, '_>, e: &mut Errors) {
    for (name, v) in [("squad", &r.squad), ("preferred_squad", &r.preferred_squad)] {
        if let Some(id) = v {
            if !refs.squads.contains(id.as_str()) {
                e.push(
                    ErrorCode::UnknownReference,
                    format!("{p}.{name}"),
                    format!("no squad with id {id:?}"),
                );
            }
        }
    }
    if let (Some(a), Some(b)) = (&r.squad, &r.preferred_squad) {
        if a != b {
            e.push(
                ErrorCode::InvalidValue,
                format!("{p}.preferred_squad"),
                format!("the request must go with squad {a:?}: it cannot prefer {b:?}"),
            );
        }
    }
}

fn check_date(date: &str, e: &mut Errors) {
    let num = |r: std::ops::Range<usize>| {
        date.get(r)
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u32>().ok())
    };
    let ok = date.len() == 10
        && date.as_bytes()[4] == b'-'
        && date.as_bytes()[7] == b'-'
        && match (num(0..4), num(5..7), num(8..10)) {
            (Some(y), Some(m), Some(d)) => {
                (1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d)
            }
            _ => false,
        };
    if !ok {
        e.push(
            ErrorCode::InvalidValue,
            "date",
            format!("date must be a calendar day written \"YYYY-MM-DD\", got {date:?}"),
        );
    }
}

/// Days in a month of the Gregorian calendar (February 29 in leap years only).
// `u32::is_multiple_of` is newer than the workspace's rust-version (1.85).
#[allow(clippy::manual_is_multiple_of)]
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

fn text(s: &str, path: &str, required: bool, e: &mut Errors) {
    if required && s.trim().is_empty() {
        e.push(ErrorCode::InvalidValue, path, "must not be empty");
    }
    if s.chars().count() > MAX_TEXT_CHARS {
        e.push(
            ErrorCode::LimitExceeded,
            path,
            format!("at most {MAX_TEXT_CHARS} characters"),
        );
    }
}

fn lat_lon(lat: f64, lon: f64, parent: &str, e: &mut Errors) {
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        e.push(
            ErrorCode::OutOfRange,
            format!("{parent}.lat"),
            "latitude must be between -90 and 90 degrees",
        );
    }
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        e.push(
            ErrorCode::OutOfRange,
            format!("{parent}.lon"),
            "longitude must be between -180 and 180 degrees",
        );
    }
}

fn ids<'a>(it: impl Iterator<Item = &'a str>, list: &str, e: &mut Errors) -> HashSet<&'a str> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, id) in it.enumerate() {
        if id.trim().is_empty() {
            e.push(
                ErrorCode::InvalidValue,
                format!("{list}[{i}].id"),
                "id must not be empty",
            );
        } else if id.chars().count() > 200 {
            e.push(
                ErrorCode::LimitExceeded,
                format!("{list}[{i}].id"),
                "id: at most 200 characters",
            );
        } else if let Some(first) = seen.insert(id, i) {
            e.push(
                ErrorCode::DuplicateId,
                format!("{list}[{i}].id"),
                format!("id {id:?} already used by {list}[{first}]"),
            );
        }
    }
    seen.into_keys().collect()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod readme {
    /// The minimal day printed in the README parses and passes the checks.
    #[test]
    fn the_readme_example_is_a_valid_day() {
        let md = include_str!("../../README.md");
        let start = md
            .find("```json\n{\n  \"street_office\"")
            .expect("example in the README")
            + "```json\n".len();
        let end = start + md[start..].find("```").unwrap();
        let mut day = super::parse_day(&md.as_bytes()[start..end]).expect("README example parses");
        super::check_day(&mut day).expect("README example is valid");
        assert_eq!(day.requests.len(), 3);
    }
}
