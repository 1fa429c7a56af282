//! Requests from a spreadsheet export (CSV with a header row).
//!
//! One row is one item of one request; further rows with the same `id` add
//! items to that request (their other columns are ignored). Errors name the
//! line and column: `requests_csv[line 7].weight_kg`.

use std::collections::HashMap;

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
    "notes",
];

pub fn parse_requests(text: &str) -> Result<Vec<Request>, Vec<FieldError>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(err) => {
            return Err(vec![FieldError::new(
                ErrorCode::CsvError,
                "requests_csv[line 1]",
                err.to_string(),
            )])
        }
    };
    let mut col: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if let Some(known) = COLUMNS.iter().find(|c| **c == h) {
            col.insert(known, i);
        } else {
            errors.push(FieldError::new(
                ErrorCode::UnknownField,
                format!("requests_csv[line 1].{h}"),
                format!(
                    "unknown column {h:?}; known columns: {}",
                    COLUMNS.join(", ")
                ),
            ));
        }
    }
    if !col.contains_key("id") {
        errors.push(FieldError::new(
            ErrorCode::MissingField,
            "requests_csv[line 1].id",
            "the header has no id column",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut out: Vec<Request> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for rec in rdr.records() {
        if errors.len() >= MAX_LISTED_ERRORS {
            break;
        }
        let rec = match rec {
            Ok(r) => r,
            Err(err) => {
                let line = err.position().map_or(0, |p| p.line());
                errors.push(FieldError::new(
                    ErrorCode::CsvError,
                    format!("requests_csv[line {line}]"),
                    err.to_string(),
                ));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let get = |name: &str| {
            col.get(name)
                .and_then(|&i| rec.get(i))
                .filter(|s| !s.is_empty())
        };
        let path = |name: &str| format!("requests_csv[line {line}].{name}");
        let mut bad = |name: &str, code: ErrorCode, msg: String| {
            errors.push(FieldError::new(code, path(name), msg))
        };

        let num = |name: &str, bad: &mut dyn FnMut(&str, ErrorCode, String)| -> Option<f64> {
            let v = get(name)?;
            match v.parse::<f64>() {
                Ok(x) => Some(x),
                Err(_) => {
                    bad(name, ErrorCode::InvalidType, format!("{v:?} is not a number (write the number only, the unit is in the column name)"));
                    None
                }
            }
        };
        let id = get("id").unwrap_or("").to_string();
        let item = get("item").map(|name| Item {
            name: name.to_string(),
            weight_kg: num("weight_kg", &mut bad).unwrap_or(0.0),
            quantity: num("quantity", &mut bad).map_or(1, |q| q.max(0.0) as u32),
            kind: get("item_kind").map_or(ItemKind::Food, |k| {
                word(k, "item_kind", &mut bad).unwrap_or_default()
            }),
        });
        if let Some(&existing) = by_id.get(&id).filter(|_| !id.is_empty()) {
            out[existing].items.extend(item);
            continue;
        }
        let windows = match (get("window_start"), get("window_end")) {
            (None, None) => vec![],
            (s, e) => {
                let parse =
                    |name: &str,
                     v: Option<&str>,
                     default: &str,
                     bad: &mut dyn FnMut(&str, ErrorCode, String)| {
                        Clock::parse(v.unwrap_or(default))
                            .map_err(|m| bad(name, ErrorCode::InvalidTime, m))
                            .ok()
                    };
                match (
                    parse("window_start", s, "00:00", &mut bad),
                    parse("window_end", e, "47:59", &mut bad),
                ) {
                    (Some(start), Some(end)) => vec![Window { start, end }],
                    _ => vec![],
                }
            }
        };
        let req = Request {
            id: id.clone(),
            resident: get("resident").map(str::to_string),
            phone: get("phone").map(str::to_string),
            lat: num("lat", &mut bad),
            lon: num("lon", &mut bad),
            building: get("building").map(str::to_string),
            unit: get("unit").map(str::to_string),
            floor: num("floor", &mut bad).map(|f| f as i32),
            address: get("address").map(str::to_string),
            kind: get("kind")
                .and_then(|k| word(k, "kind", &mut bad))
                .unwrap_or_default(),
            items: item.into_iter().collect(),
            windows,
            priority: get("priority").and_then(|k| word(k, "priority", &mut bad)),
            service_s: num("service_s", &mut bad).map(|s| s.max(0.0) as u32),
            chilled_max_s: num("chilled_max_s", &mut bad).map(|s| s.max(0.0) as u32),
            notes: get("notes").map(str::to_string),
            pickup: get("pickup").map(str::to_string),
            skills: get("skills")
                .map(|s| {
                    s.split([';', ',', ' '])
                        .filter(|x| !x.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        };
        if !id.is_empty() {
            by_id.insert(id, out.len());
        }
        out.push(req);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Reads an enum word (`urgent`, `chilled`, ...) with serde, so the accepted
/// words are exactly the JSON ones.
fn word<T: serde::de::DeserializeOwned>(
    v: &str,
    name: &str,
    bad: &mut dyn FnMut(&str, ErrorCode, String),
) -> Option<T> {
    match serde_json::from_value::<T>(serde_json::Value::String(v.to_lowercase())) {
        Ok(x) => Some(x),
        Err(err) => {
            bad(name, ErrorCode::InvalidValue, err.to_string());
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_the_same_id_add_items() {
        let csv = "id,resident,lat,lon,item,weight_kg,item_kind,priority,window_start,window_end\n\
                   r1,Wang,30.1,104.1,rice,10,food,,08:00,10:00\n\
                   r1,,,,milk,1,chilled,,,\n\
                   r2,Li,30.2,104.2,insulin,0.1,medicine,urgent,,\n";
        let reqs = parse_requests(csv).unwrap();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].items.len(), 2);
        assert_eq!(reqs[0].items[1].kind, ItemKind::Chilled);
        assert_eq!(reqs[0].windows[0].end, Clock(10 * 3600));
        assert_eq!(reqs[1].priority, Some(Priority::Urgent));
    }

    #[test]
    fn errors_name_line_and_column() {
        let csv = "id,lat,lon,item,weight_kg\nr1,30.1,104.1,rice,10kg\n";
        let errs = parse_requests(csv).unwrap_err();
        assert_eq!(errs[0].path, "requests_csv[line 2].weight_kg");
        assert_eq!(errs[0].code, ErrorCode::InvalidType);
        let errs = parse_requests("id,weight\nr1,3\n").unwrap_err();
        assert_eq!(
            (errs[0].code, errs[0].path.as_str()),
            (ErrorCode::UnknownField, "requests_csv[line 1].weight")
        );
    }
}
