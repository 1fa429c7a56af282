//! From an assembled plan to what is stored and served: the result with each
//! squad's sheet version, the GeoJSON, and the sheets rendered in every
//! language. One path for a plan's first solve and for every change the desk
//! publishes; they differ only in which sheets get a new version (the caller's
//! [`SheetVersion`] rule).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::assemble::Assembled;
use crate::convert::{building_index, request_point};
use crate::dto::{DayRequest, PlanResult};
use crate::geojson::{plan_geojson, RouteGeometry};
use crate::sheet::{render, Lang, SheetData};

/// The languages every sheet is rendered in when it changes, so that reading
/// a sheet is a plain read.
pub const LANGS: [Lang; 2] = [Lang::Zh, Lang::En];

/// What becomes of one squad's sheet in this publication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SheetVersion {
    pub version: u32,
    /// Printed as changed since the last version the squad had.
    pub changed: bool,
    /// Rendered and stored anew (else the stored bytes stay).
    pub render: bool,
}

/// One rendered sheet.
#[derive(Clone, Debug)]
pub struct RenderedSheet {
    pub squad: String,
    pub lang: Lang,
    pub sheet_version: u32,
    /// What the sheet shows of the route, hashed: equal hash, same sheet.
    pub route_hash: String,
    pub html: String,
}

/// What one publication stores.
#[derive(Clone, Debug)]
pub struct Publication {
    pub result: PlanResult,
    pub geojson: String,
    /// Only the sheets whose [`SheetVersion::render`] was set.
    pub sheets: Vec<RenderedSheet>,
}

/// Versions every sheet by `version_of(sheet, route_hash)`, renders those
/// that need it (in parallel), and writes the GeoJSON of `a.result` as it
/// stands (the caller may have laid the ground truth over it first).
pub fn publish(
    mut a: Assembled,
    day: &DayRequest,
    mut version_of: impl FnMut(&SheetData, &str) -> SheetVersion,
) -> Publication {
    let mut versions: HashMap<String, u32> = HashMap::new();
    let mut to_render = Vec::new();
    for sheet in &mut a.sheets {
        let hash = sheet.route_hash();
        let v = version_of(sheet, &hash);
        sheet.sheet_version = v.version;
        sheet.changed = v.changed;
        versions.insert(sheet.squad_id.clone(), v.version);
        if v.render {
            to_render.push((sheet.clone(), hash));
        }
    }
    let sheets: Vec<RenderedSheet> = to_render
        .par_iter()
        .flat_map_iter(|(sheet, hash)| {
            LANGS.iter().map(move |&lang| RenderedSheet {
                squad: sheet.squad_id.clone(),
                lang,
                sheet_version: sheet.sheet_version,
                route_hash: hash.clone(),
                html: render(sheet, lang),
            })
        })
        .collect();
    for r in &mut a.result.routes {
        r.sheet_version = versions.get(&r.squad).copied().unwrap_or(0);
    }
    let buildings = building_index(day);
    let points: HashMap<&str, (f64, f64)> = day
        .requests
        .iter()
        .map(|r| (r.id.as_str(), request_point(day, &buildings, r)))
        .collect();
    let geometry: Vec<RouteGeometry> = a
        .result
        .routes
        .iter()
        .map(|r| RouteGeometry {
            squad: &r.squad,
            legs: a.legs.get(&r.squad).map_or(&[][..], |l| l),
        })
        .collect();
    let geojson = plan_geojson(&a.result, &geometry, &|rid| points.get(rid).copied()).to_string();
    Publication {
        result: a.result,
        geojson,
        sheets,
    }
}
