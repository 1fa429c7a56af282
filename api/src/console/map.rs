//! The board's map: every route in its own colour along the roads, stops
//! numbered, unserved requests as red crosses, over the streets of our own
//! road graph. Drawn as one SVG on the server from the plan's stored
//! GeoJSON: no tiles, no script, nothing fetched from elsewhere.

use std::fmt::Write as _;

use dayplan::dto::{PlanResult, StopKind};
use geo_data::PreparedGraphs;

use super::Lang;

/// Twelve colours told apart in print and by most colour-blind readers
/// (Okabe–Ito and Tol's "muted", darkened for white paper); routes beyond
/// twelve repeat them with a dashed line.
const PALETTE: [&str; 12] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#332288", "#882255",
    "#117733", "#999933", "#aa4499", "#44aa99",
];

pub fn color(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

/// Above this many stops, stops are dots without numbers (a city-wide day
/// would be a wall of digits; each squad's sheet numbers its own).
const NUMBERED_STOPS: usize = 400;
/// Street segments drawn at most (a city extract has millions).
const MAX_STREETS: usize = 40_000;

const W: f64 = 1000.0;
const PAD: f64 = 24.0;

pub fn board_svg(
    res: &PlanResult,
    geo: &serde_json::Value,
    graphs: &PreparedGraphs,
    lang: Lang,
) -> String {
    let feats = geo["features"].as_array().cloned().unwrap_or_default();
    let mut lines: Vec<(usize, Vec<(f64, f64)>)> = Vec::new();
    let mut unserved: Vec<(f64, f64)> = Vec::new();
    let point = |c: &serde_json::Value| Some((c[1].as_f64()?, c[0].as_f64()?));
    for f in &feats {
        match f["properties"]["kind"].as_str() {
            Some("route") => {
                let squad = f["properties"]["squad"].as_str().unwrap_or("");
                let Some(k) = res.routes.iter().position(|r| r.squad == squad) else {
                    continue;
                };
                let pts: Vec<(f64, f64)> = f["geometry"]["coordinates"]
                    .as_array()
                    .map(|a| a.iter().filter_map(point).collect())
                    .unwrap_or_default();
                lines.push((k, pts));
            }
            Some("unserved") => unserved.extend(point(&f["geometry"]["coordinates"])),
            _ => {}
        }
    }
    let all = lines
        .iter()
        .flat_map(|(_, l)| l.iter().copied())
        .chain(
            res.routes
                .iter()
                .flat_map(|r| r.stops.iter().map(|s| (s.lat, s.lon))),
        )
        .chain(unserved.iter().copied());
    let (mut a, mut b, mut c, mut d) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (la, lo) in all {
        a = a.min(la);
        b = b.max(la);
        c = c.min(lo);
        d = d.max(lo);
    }
    if a > b {
        return format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} 200\" role=\"img\" aria-label=\"{}\"></svg>",
            lang.t("空地图", "empty map"));
    }
    let k = ((a + b) / 2.0).to_radians().cos().max(0.1);
    let span_x = ((d - c) * k).max(0.002);
    let span_y = (b - a).max(0.002);
    let h = ((W - 2.0 * PAD) * span_y / span_x + 2.0 * PAD).clamp(300.0, 1400.0);
    let scale = ((W - 2.0 * PAD) / span_x).min((h - 2.0 * PAD) / span_y);
    let (cy, cx) = ((a + b) / 2.0, (c + d) / 2.0);
    let xy = |la: f64, lo: f64| (W / 2.0 + (lo - cx) * k * scale, h / 2.0 - (la - cy) * scale);
    let mut s = String::with_capacity(256 * 1024);
    let _ = write!(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {h:.0}\" role=\"img\" aria-label=\"{}\" font-family=\"DejaVu Sans, sans-serif\">",
        lang.t("所有路线的地图", "Map of all routes"));
    // Streets: the walking graph holds every way a squad may use.
    let graph = graphs
        .graph(geo_data::Profile::Walk)
        .or_else(|| graphs.graphs().first());
    if let Some(pg) = graph {
        let g = pg.road_graph();
        let margin = 0.1 * (b - a).max(0.002);
        let inside = |(la, lo): (f64, f64)| {
            la >= a - margin && la <= b + margin && lo >= c - margin / k && lo <= d + margin / k
        };
        s.push_str("<path fill=\"none\" stroke=\"#cfcfcf\" stroke-width=\"1.2\" d=\"");
        let mut n = 0;
        'nodes: for u in 0..g.num_nodes() {
            let u = geo_data::NodeIdx(u as u32);
            let pu = g.coord(u);
            if !inside(pu) {
                continue;
            }
            for e in g.out_edges(u) {
                let v = g.head(e);
                if v.0 < u.0 && g.twin(e).is_some() {
                    continue;
                }
                let (x0, y0) = xy(pu.0, pu.1);
                let pv = g.coord(v);
                let (x1, y1) = xy(pv.0, pv.1);
                let _ = write!(s, "M{x0:.0} {y0:.0}L{x1:.0} {y1:.0}");
                n += 1;
                if n >= MAX_STREETS {
                    break 'nodes;
                }
            }
        }
        s.push_str("\"/>");
    }
    for (k, line) in &lines {
        let _ = write!(s, "<path fill=\"none\" stroke=\"{}\" stroke-width=\"3\" stroke-linejoin=\"round\" stroke-linecap=\"round\" opacity=\"0.85\"{} d=\"",
            color(*k), if *k >= PALETTE.len() { " stroke-dasharray=\"8 4\"" } else { "" });
        for (i, &(la, lo)) in line.iter().enumerate() {
            let (x, y) = xy(la, lo);
            let _ = write!(s, "{}{x:.1} {y:.1}", if i == 0 { 'M' } else { 'L' });
        }
        s.push_str("\"/>");
    }
    let total: usize = res.routes.iter().map(|r| r.stops.len()).sum();
    let numbered = total <= NUMBERED_STOPS;
    for (k, r) in res.routes.iter().enumerate() {
        let col = color(k);
        for st in &r.stops {
            let (x, y) = xy(st.lat, st.lon);
            if st.kind == StopKind::Reload {
                let _ = write!(s, "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{col}\" stroke=\"#fff\"/>", x - 5.0, y - 5.0);
            } else if numbered {
                let _ = write!(s, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"8\" fill=\"{col}\" stroke=\"#fff\" stroke-width=\"1.5\"/><text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#fff\" text-anchor=\"middle\">{}</text>", y + 3.0, st.seq);
            } else {
                let _ = write!(
                    s,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"{col}\"/>"
                );
            }
        }
    }
    for &(la, lo) in &unserved {
        let (x, y) = xy(la, lo);
        let _ = write!(
            s,
            "<path d=\"M{:.1} {:.1}l12 12m0 -12l-12 12\" stroke=\"#d00\" stroke-width=\"3.5\"/>",
            x - 6.0,
            y - 6.0
        );
    }
    s.push_str("</svg>");
    s
}
