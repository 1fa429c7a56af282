//! The route sheet a volunteer holds: one printable A4 HTML page (or a few)
//! per squad, Chinese by default, English on request.
//!
//! Written for an elderly volunteer reading paper in a stairwell: large type,
//! one stop per block with its number, time and door in the biggest letters,
//! what to hand over, notes highlighted, two tick boxes (delivered / not
//! delivered), the coordinator's phone at the top and the bottom, and a map of
//! the route drawn as SVG from our own road graph (works offline, no tiles).
//!
//! The HTML depends only on [`SheetData`] (no clock, no plan version), so the
//! same route renders to the same bytes, and [`SheetData::route_hash`] decides
//! whether a re-plan changed a sheet.

use std::fmt::Write;

use serde::Serialize;

use crate::dto::{Clock, ItemKind, Priority, StopKind};

/// Everything a sheet shows.
#[derive(Clone, Debug, Serialize)]
pub struct SheetData {
    pub office_name: String,
    pub coordinator_name: Option<String>,
    pub coordinator_phone: String,
    pub date: String,
    pub squad_id: String,
    pub squad_name: Option<String>,
    pub members: Vec<String>,
    pub squad_phone: Option<String>,
    pub profile: crate::dto::Profile,
    pub start_s: i64,
    pub end_s: i64,
    pub start_place: String,
    pub end_place: String,
    pub distance_m: i64,
    pub trips: u32,
    pub stops: Vec<SheetStop>,
    pub map: MapData,
    /// Shown in the footer: bumped when this squad's route changes.
    pub sheet_version: u32,
    /// Printed when the route changed since the previous version (escalation desk).
    pub changed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SheetStop {
    pub seq: u32,
    pub kind: StopKind,
    pub eta_s: i64,
    /// The window the resident expects, if any (`"09:00–10:00"`).
    pub window: Option<String>,
    pub place: String,
    pub unit: Option<String>,
    pub floor: Option<i32>,
    pub address: Option<String>,
    pub resident: Option<String>,
    pub phone: Option<String>,
    pub items: Vec<SheetItem>,
    pub notes: Option<String>,
    pub priority: Priority,
    pub request_id: Option<String>,
    pub trip: u32,
    /// Weight carried after this stop.
    pub load_after_kg: f64,
    /// A van's drop at a compound gate (two echelons): the items are the
    /// parcels to unload, one line per walking squad.
    #[serde(default)]
    pub gate_drop: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SheetItem {
    pub name: String,
    pub quantity: u32,
    pub weight_kg: f64,
    pub kind: ItemKind,
}

/// Geometry of the map, in (lat, lon).
#[derive(Clone, Debug, Default, Serialize)]
pub struct MapData {
    /// The route, leg by leg, along the roads.
    pub legs: Vec<Vec<(f64, f64)>>,
    /// Where the squad starts.
    pub start: Option<(f64, f64)>,
    /// Numbered stops: (number, lat, lon).
    pub stops: Vec<(u32, f64, f64)>,
    /// Other roads of the graph around the route, drawn faintly for orientation.
    pub background: Vec<Vec<(f64, f64)>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "cn" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

struct Words {
    title: &'static str,
    squad: &'static str,
    date: &'static str,
    start: &'static str,
    from: &'static str,
    coordinator: &'static str,
    members: &'static str,
    stops: &'static str,
    map: &'static str,
    delivered: &'static str,
    not_delivered: &'static str,
    done: &'static str,
    floor: &'static str,
    unit: &'static str,
    reload: &'static str,
    pickup: &'static str,
    visit: &'static str,
    trip: &'static str,
    total_stops: &'static str,
    total_weight: &'static str,
    total_distance: &'static str,
    expected_back: &'static str,
    window: &'static str,
    urgent: &'static str,
    medicine: &'static str,
    chilled: &'static str,
    call: &'static str,
    version: &'static str,
    changed: &'static str,
    no_stops: &'static str,
    carry: &'static str,
    unload: &'static str,
    if_stuck: &'static str,
    walk: &'static str,
    bike: &'static str,
    car: &'static str,
    nothing: &'static str,
}

const ZH: Words = Words {
    title: "送货路线单",
    squad: "小分队",
    date: "日期",
    start: "出发",
    from: "从",
    coordinator: "协调员电话",
    members: "队员",
    stops: "站",
    map: "路线图（数字为站点顺序，★为出发点）",
    delivered: "已送达",
    not_delivered: "未送达",
    done: "完成",
    floor: "楼",
    unit: "单元",
    reload: "回站点取货",
    pickup: "取药/取货",
    visit: "上门探访（无需携带物品）",
    trip: "趟",
    total_stops: "站点数",
    total_weight: "总重量",
    total_distance: "总路程",
    expected_back: "预计返回时间",
    window: "约定时间",
    urgent: "紧急",
    medicine: "药品",
    chilled: "冷藏",
    call: "电话",
    version: "版本",
    changed: "本单已更新，请以此版为准",
    no_stops: "今天本小分队没有任务。",
    carry: "携带",
    unload: "卸货",
    if_stuck: "遇到问题请打",
    walk: "步行",
    bike: "骑车",
    car: "开车",
    nothing: "无",
};

const EN: Words = Words {
    title: "Route sheet",
    squad: "Squad",
    date: "Date",
    start: "Start",
    from: "from",
    coordinator: "Coordinator",
    members: "Members",
    stops: "stops",
    map: "Route map (numbers = stop order, ★ = start)",
    delivered: "Delivered",
    not_delivered: "Not delivered",
    done: "Done",
    floor: "floor",
    unit: "unit",
    reload: "Back to depot to load",
    pickup: "Pick up",
    visit: "Home visit (nothing to carry)",
    trip: "trip",
    total_stops: "Stops",
    total_weight: "Weight",
    total_distance: "Distance",
    expected_back: "Expected back",
    window: "Expected",
    urgent: "URGENT",
    medicine: "Medicine",
    chilled: "Chilled",
    call: "Phone",
    version: "version",
    changed: "This sheet was updated: use this version",
    no_stops: "No stops for this squad today.",
    carry: "Carry",
    unload: "Unload",
    if_stuck: "If stuck, call",
    walk: "on foot",
    bike: "by bike",
    car: "by car",
    nothing: "none",
};

/// HTML-escapes text (the only place user text enters the page).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn kg(w: f64) -> String {
    let r = (w * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0} kg")
    } else {
        format!("{r:.1} kg")
    }
}

fn km(m: i64) -> String {
    format!("{:.1} km", m as f64 / 1000.0)
}

impl SheetData {
    /// FNV-1a over what the sheet shows of the route, version and "changed"
    /// marker excluded: equal hashes mean the volunteer's paper is still right.
    pub fn route_hash(&self) -> String {
        let mut copy = self.clone();
        copy.sheet_version = 0;
        copy.changed = false;
        let bytes = serde_json::to_vec(&copy).unwrap_or_default();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }

    pub fn total_weight_kg(&self) -> f64 {
        self.stops
            .iter()
            .filter(|s| matches!(s.kind, StopKind::Delivery))
            .flat_map(|s| &s.items)
            .map(|i| i.weight_kg * i.quantity as f64)
            .sum()
    }
}

/// The sheet's style sheet; the console's "print all sheets" page uses it
/// once for all the sheets it holds.
pub const CSS: &str = r#"
@page { size: A4; margin: 12mm 12mm 14mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "DejaVu Sans", sans-serif;
       font-size: 15pt; line-height: 1.35; color: #000; margin: 0; width: 186mm; }
h1 { font-size: 24pt; margin: 0 0 2mm 0; }
.head { border-bottom: 1.2mm solid #000; padding-bottom: 2mm; margin-bottom: 3mm; }
.head .line { font-size: 16pt; margin: 1mm 0; }
.big { font-size: 20pt; font-weight: bold; }
.phone { font-size: 20pt; font-weight: bold; white-space: nowrap; }
.changed { border: 1mm solid #000; padding: 2mm; font-weight: bold; font-size: 17pt; margin: 2mm 0; }
.map { border: 0.5mm solid #000; margin: 2mm 0 3mm 0; break-inside: avoid; }
.map svg { display: block; width: 100%; height: auto; }
.map .cap { font-size: 12pt; padding: 1mm 2mm; border-top: 0.3mm solid #000; }
.stop { display: flex; border: 0.6mm solid #000; border-radius: 2mm; margin: 0 0 2mm 0; padding: 1.5mm 2mm; break-inside: avoid; page-break-inside: avoid; }
.stop .num { flex: 0 0 15mm; height: 15mm; border-radius: 50%; background: #000; color: #fff; font-size: 22pt; font-weight: bold;
             display: flex; align-items: center; justify-content: center; margin-right: 3mm; }
.stop .body { flex: 1 1 auto; min-width: 0; overflow-wrap: anywhere; }
.stop .when { font-size: 20pt; font-weight: bold; margin-right: 3mm; }
.stop .where { font-size: 20pt; font-weight: bold; }
.stop .who { font-size: 15pt; }
.stop .what { font-size: 15pt; margin-top: 1mm; }
.stop .note { font-size: 15pt; font-weight: bold; background: #eee; border-left: 1.5mm solid #000; padding: 1mm 2mm; margin-top: 1mm; }
.stop .ticks { flex: 0 0 38mm; margin-left: 3mm; font-size: 14pt; }
.tick { display: flex; align-items: center; margin-bottom: 1.5mm; }
.box { display: inline-block; width: 9mm; height: 9mm; border: 0.8mm solid #000; margin-right: 2mm; flex: 0 0 9mm; }
.nw { white-space: nowrap; }
.tag { display: inline-block; border: 0.5mm solid #000; border-radius: 1mm; padding: 0 1.5mm; font-size: 13pt; font-weight: bold; margin-right: 1.5mm; }
.tag.inv { background: #000; color: #fff; }
.reload { border-style: dashed; }
.trip { font-size: 17pt; font-weight: bold; margin: 3mm 0 2mm 0; border-bottom: 0.5mm solid #000; }
.totals { border-top: 1.2mm solid #000; margin-top: 3mm; padding-top: 2mm; break-inside: avoid; }
.totals table { border-collapse: collapse; font-size: 16pt; }
.totals td { padding: 0.5mm 6mm 0.5mm 0; }
.foot { font-size: 11pt; margin-top: 3mm; color: #333; }
"#;

/// Renders the sheet as a complete HTML document.
pub fn render(d: &SheetData, lang: Lang) -> String {
    let w = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    let mut h = String::with_capacity(32 * 1024);
    let squad_label = match &d.squad_name {
        Some(n) => format!("{} ({})", n, d.squad_id),
        None => d.squad_id.clone(),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} {squad}</title><style>{CSS}</style></head><body>\n",
        lang = if lang == Lang::Zh { "zh-CN" } else { "en" },
        title = w.title,
        squad = esc(&squad_label),
    );
    head_html(&mut h, d, w, &squad_label);
    stops_html(&mut h, d, w, lang);
    totals_html(&mut h, d, w, &squad_label);
    h
}

/// The sheet's head: who, when, where from, whom to call; the changed banner.
fn head_html(h: &mut String, d: &SheetData, w: &Words, squad_label: &str) {
    let how = match d.profile {
        crate::dto::Profile::Walk => w.walk,
        crate::dto::Profile::Bike => w.bike,
        crate::dto::Profile::Car => w.car,
    };
    // Header: who, when, where from, whom to call.
    let _ = write!(
        h,
        "<div class=\"head\"><h1>{title} · {squad_w} {squad}</h1>\
         <div class=\"line\">{date_w}: <b>{date}</b> · {office}</div>\
         <div class=\"line big\">{start_w} {start} {from} {place} ({how})</div>\
         <div class=\"line\">{coord_w}: {coord_name}<span class=\"phone\">{phone}</span></div>",
        title = w.title,
        squad_w = w.squad,
        squad = esc(squad_label),
        date_w = w.date,
        date = esc(&d.date),
        office = esc(&d.office_name),
        start_w = w.start,
        start = Clock::format(d.start_s),
        from = w.from,
        place = esc(&d.start_place),
        coord_w = w.coordinator,
        coord_name = d
            .coordinator_name
            .as_deref()
            .map(|n| format!("{} ", esc(n)))
            .unwrap_or_default(),
        phone = esc(&d.coordinator_phone),
    );
    if !d.members.is_empty() || d.squad_phone.is_some() {
        let _ = write!(
            h,
            "<div class=\"line\">{}: {}",
            w.members,
            esc(&d.members.join("、"))
        );
        if let Some(p) = &d.squad_phone {
            let _ = write!(h, " · {} {}", w.call, esc(p));
        }
        h.push_str("</div>");
    }
    h.push_str("</div>\n");
    if d.changed {
        let _ = write!(
            h,
            "<div class=\"changed\">⚠ {} ({} {})</div>\n",
            w.changed, w.version, d.sheet_version
        );
    }
}

/// The map, then every stop, with a heading per trip when there are several.
fn stops_html(h: &mut String, d: &SheetData, w: &Words, lang: Lang) {
    if d.stops.is_empty() {
        let _ = write!(h, "<p class=\"big\">{}</p>\n", w.no_stops);
    } else {
        let _ = write!(
            h,
            "<div class=\"map\">{}<div class=\"cap\">{}</div></div>\n",
            map_svg(&d.map),
            w.map
        );
    }

    let multi_trip = d.trips > 1;
    let mut current_trip = 0;
    for s in &d.stops {
        if multi_trip && s.trip != current_trip && s.kind != StopKind::Reload {
            current_trip = s.trip;
            let carry: f64 = d
                .stops
                .iter()
                .filter(|x| x.trip == s.trip && x.kind == StopKind::Delivery)
                .flat_map(|x| &x.items)
                .map(|i| i.weight_kg * i.quantity as f64)
                .sum();
            let heading = match lang {
                Lang::Zh => format!("第 {} {}", s.trip, w.trip),
                Lang::En => format!("Trip {}", s.trip),
            };
            let _ = write!(
                h,
                "<div class=\"trip\">{heading} · {} {}</div>\n",
                w.carry,
                kg(carry)
            );
        }
        stop_html(h, s, w, lang);
    }
}

/// Totals and the phone again at the end, where the volunteer finishes.
fn totals_html(h: &mut String, d: &SheetData, w: &Words, squad_label: &str) {
    let deliveries = d
        .stops
        .iter()
        .filter(|s| s.kind != StopKind::Reload)
        .count();
    let _ = write!(
        h,
        "<div class=\"totals\"><table>\
         <tr><td>{ts}</td><td><b>{n}</b></td><td>{tw}</td><td><b>{wt}</b></td></tr>\
         <tr><td>{td}</td><td><b>{dist}</b></td><td>{eb}</td><td><b>{end} {place}</b></td></tr>\
         </table><div class=\"line\">{stuck} <span class=\"phone\">{phone}</span></div></div>\n",
        ts = w.total_stops,
        n = deliveries,
        tw = w.total_weight,
        wt = kg(d.total_weight_kg()),
        td = w.total_distance,
        dist = km(d.distance_m),
        eb = w.expected_back,
        end = Clock::format(d.end_s),
        place = esc(&d.end_place),
        stuck = w.if_stuck,
        phone = esc(&d.coordinator_phone),
    );
    let _ = write!(
        h,
        "<div class=\"foot\">{squad} · {date} · {v} {ver} · {ts}: {n} {stops}</div>\n</body></html>\n",
        squad = esc(squad_label),
        date = esc(&d.date),
        v = w.version,
        ver = d.sheet_version,
        ts = w.total_stops,
        n = deliveries,
        stops = w.stops,
    );
}

fn stop_html(h: &mut String, s: &SheetStop, w: &Words, lang: Lang) {
    let reload = s.kind == StopKind::Reload;
    let _ = write!(
        h,
        "<div class=\"stop{}\"><div class=\"num\">{}</div><div class=\"body\">",
        if reload { " reload" } else { "" },
        s.seq
    );
    let when = format!("<span class=\"when\">{}</span>", Clock::format(s.eta_s));
    // Where: building, unit, floor in the biggest letters.
    // Each piece is kept whole on a line: "304室" never splits into "304 / 室".
    let mut place = format!("<span class=\"nw\">{}</span>", esc(&s.place));
    if let Some(u) = &s.unit {
        if lang == Lang::Zh {
            let _ = write!(place, " <span class=\"nw\">{}{}</span>", esc(u), w.unit);
        } else {
            let _ = write!(place, ", <span class=\"nw\">{} {}</span>", w.unit, esc(u));
        }
    }
    if let Some(f) = s.floor {
        if lang == Lang::Zh {
            let _ = write!(place, " <span class=\"nw\">{f}{}</span>", w.floor);
        } else {
            let _ = write!(place, ", <span class=\"nw\">{} {f}</span>", w.floor);
        }
    }
    if let Some(a) = &s.address {
        let _ = write!(place, " · <span class=\"nw\">{}</span>", esc(a));
    }
    match s.kind {
        StopKind::Reload => {
            let _ = write!(
                h,
                "<div class=\"where\">{when} {} · {}</div>",
                w.reload, place
            );
        }
        StopKind::Pickup => {
            let _ = write!(
                h,
                "<div class=\"where\">{when} {} · {}</div>",
                w.pickup, place
            );
        }
        _ if s.gate_drop => {
            let _ = write!(
                h,
                "<div class=\"where\">{when} {} · {}</div>",
                w.unload, place
            );
        }
        _ => {
            let _ = write!(h, "<div class=\"where\">{when} {place}</div>");
        }
    }
    if !reload {
        let mut tags = String::new();
        if s.priority == Priority::Urgent {
            let _ = write!(tags, "<span class=\"tag inv\">{}</span>", w.urgent);
        }
        if s.items.iter().any(|i| i.kind == ItemKind::Medicine) || s.priority == Priority::Medicine
        {
            let _ = write!(tags, "<span class=\"tag\">{}</span>", w.medicine);
        }
        if s.items.iter().any(|i| i.kind == ItemKind::Chilled) {
            let _ = write!(tags, "<span class=\"tag\">{}</span>", w.chilled);
        }
        let who = match (&s.resident, &s.phone) {
            (Some(r), Some(p)) => format!("{} · {} {}", esc(r), w.call, esc(p)),
            (Some(r), None) => esc(r),
            (None, Some(p)) => format!("{} {}", w.call, esc(p)),
            (None, None) => String::new(),
        };
        if let Some(win) = &s.window {
            let _ = write!(tags, "<span class=\"tag\">{} {}</span>", w.window, esc(win));
        }
        if !tags.is_empty() || !who.is_empty() {
            let _ = write!(h, "<div class=\"who\">{tags}{who}</div>");
        }
        let what = if s.kind == StopKind::Visit {
            w.visit.to_string()
        } else if s.items.is_empty() {
            w.nothing.to_string()
        } else {
            s.items
                .iter()
                .map(|i| {
                    let q = if i.quantity > 1 {
                        format!(" ×{}", i.quantity)
                    } else {
                        String::new()
                    };
                    let wt = if i.weight_kg > 0.0 {
                        format!(" ({})", kg(i.weight_kg * i.quantity as f64))
                    } else {
                        String::new()
                    };
                    format!("{}{q}{wt}", esc(&i.name))
                })
                .collect::<Vec<_>>()
                .join("、")
        };
        if s.kind == StopKind::Visit {
            let _ = write!(h, "<div class=\"what\">{what}</div>");
        } else {
            let _ = write!(
                h,
                "<div class=\"what\">{}: {what}</div>",
                if s.kind == StopKind::Pickup {
                    w.pickup
                } else if s.gate_drop {
                    w.unload
                } else {
                    w.carry
                }
            );
        }
        if let Some(n) = &s.notes {
            let _ = write!(h, "<div class=\"note\">{}</div>", esc(n));
        }
    }
    h.push_str("</div><div class=\"ticks\">");
    if reload || s.kind == StopKind::Pickup {
        let _ = write!(
            h,
            "<div class=\"tick\"><span class=\"box\"></span>{}</div>",
            w.done
        );
    } else {
        let _ = write!(
            h,
            "<div class=\"tick\"><span class=\"box\"></span>{}</div><div class=\"tick\"><span class=\"box\"></span>{}</div>",
            w.delivered, w.not_delivered
        );
    }
    h.push_str("</div></div>\n");
}

/// Draws the route: faint background roads, the path leg by leg, the start as
/// a star and numbered stops as black discs. Equirectangular projection
/// around the route's centre: accurate enough at the scale of a district.
pub fn map_svg(m: &MapData) -> String {
    const W: f64 = 700.0;
    const PAD: f64 = 40.0;
    // At least ~300 m shown, so a route inside one compound still shows its streets.
    const MIN_SPAN_DEG: f64 = 0.0027;
    let pts = m
        .legs
        .iter()
        .flatten()
        .copied()
        .chain(m.start)
        .chain(m.stops.iter().map(|&(_, la, lo)| (la, lo)));
    let (mut min_lat, mut max_lat, mut min_lon, mut max_lon) =
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (la, lo) in pts {
        min_lat = min_lat.min(la);
        max_lat = max_lat.max(la);
        min_lon = min_lon.min(lo);
        max_lon = max_lon.max(lo);
    }
    if min_lat > max_lat {
        return format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} 300\"></svg>");
    }
    let k = ((min_lat + max_lat) / 2.0).to_radians().cos();
    let span_x = ((max_lon - min_lon) * k).max(MIN_SPAN_DEG);
    let span_y = (max_lat - min_lat).max(MIN_SPAN_DEG);
    // The map's height follows the route's shape, within what fits on page one.
    let h = ((W - 2.0 * PAD) * span_y / span_x + 2.0 * PAD).clamp(320.0, 560.0);
    let scale = ((W - 2.0 * PAD) / span_x).min((h - 2.0 * PAD) / span_y);
    let cx = (min_lon + max_lon) / 2.0;
    let cy = (min_lat + max_lat) / 2.0;
    let xy = |la: f64, lo: f64| (W / 2.0 + (lo - cx) * k * scale, h / 2.0 - (la - cy) * scale);
    let mut s = String::with_capacity(16 * 1024);
    let _ = write!(s, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {h:.0}\" font-family=\"DejaVu Sans, sans-serif\">");
    s.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>");
    let poly = |s: &mut String, line: &[(f64, f64)]| {
        for (i, &(la, lo)) in line.iter().enumerate() {
            let (x, y) = xy(la, lo);
            let _ = write!(s, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
    };
    if !m.background.is_empty() {
        s.push_str(
            "<path fill=\"none\" stroke=\"#aaa\" stroke-width=\"2\" stroke-linecap=\"round\" d=\"",
        );
        for line in &m.background {
            poly(&mut s, line);
        }
        s.push_str("\"/>");
    }
    s.push_str("<path fill=\"none\" stroke=\"#000\" stroke-width=\"4\" stroke-linejoin=\"round\" stroke-linecap=\"round\" d=\"");
    for leg in &m.legs {
        if leg.len() >= 2 {
            poly(&mut s, leg);
        }
    }
    s.push_str("\"/>");
    if let Some((la, lo)) = m.start {
        let (x, y) = xy(la, lo);
        let _ = write!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"36\" text-anchor=\"middle\" stroke=\"#fff\" stroke-width=\"4\" paint-order=\"stroke\">★</text>",
            y + 13.0
        );
    }
    // Stops at one building share one dot; its label lists every stop number there.
    let mut groups: Vec<((i64, i64), (f64, f64), Vec<u32>)> = Vec::new();
    for &(n, la, lo) in &m.stops {
        let (x, y) = xy(la, lo);
        let key = ((x / 8.0).round() as i64, (y / 8.0).round() as i64);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.2.push(n),
            None => groups.push((key, (x, y), vec![n])),
        }
    }
    dots_and_labels(&mut s, &groups, W, h);
    s.push_str("</svg>");
    s
}

/// Stop groups at one building, as one dot each and a label listing their
/// numbers. Greedy placement: each label takes the first of right, left,
/// above, below (then further out) that overlaps no dot and no label placed
/// before, inside the map (`width` × `h`).
#[allow(clippy::type_complexity)]
fn dots_and_labels(
    s: &mut String,
    groups: &[((i64, i64), (f64, f64), Vec<u32>)],
    width: f64,
    h: f64,
) {
    for (_, (x, y), _) in groups {
        let _ = write!(s, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"8\" fill=\"#000\" stroke=\"#fff\" stroke-width=\"2\"/>");
    }
    let mut taken: Vec<(f64, f64, f64, f64)> = groups
        .iter()
        .map(|(_, (x, y), _)| (x - 9.0, y - 9.0, x + 9.0, y + 9.0))
        .collect();
    let overlaps = |r: &(f64, f64, f64, f64), taken: &[(f64, f64, f64, f64)]| {
        taken
            .iter()
            .any(|t| r.0 < t.2 && t.0 < r.2 && r.1 < t.3 && t.1 < r.3)
    };
    for (i, (_, (x, y), nums)) in groups.iter().enumerate() {
        let lines: Vec<String> = nums
            .chunks(4)
            .map(|c| {
                c.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        let tw = lines.iter().map(|l| l.len()).max().unwrap_or(1) as f64 * 12.5;
        let th = lines.len() as f64 * 20.0;
        // Candidate top-left corners.
        let mut cands = Vec::new();
        for d in [0.0, 14.0, 28.0] {
            cands.push((x + 12.0 + d, y - th / 2.0));
            cands.push((x - 12.0 - d - tw, y - th / 2.0));
            cands.push((x - tw / 2.0, y - 12.0 - d - th));
            cands.push((x - tw / 2.0, y + 12.0 + d));
        }
        let own = (x - 9.0, y - 9.0, x + 9.0, y + 9.0);
        let fits = |c: &(f64, f64)| {
            c.0 >= 2.0 && c.0 + tw <= width - 2.0 && c.1 >= 2.0 && c.1 + th <= h - 2.0
        };
        let others: Vec<(f64, f64, f64, f64)> = taken
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != i)
            .map(|(_, r)| *r)
            .collect();
        let pick = cands
            .iter()
            .find(|c| {
                fits(c)
                    && !overlaps(&(c.0, c.1, c.0 + tw, c.1 + th), &others)
                    && !overlaps(&(c.0, c.1, c.0 + tw, c.1 + th), &[own])
            })
            .or_else(|| cands.iter().find(|c| fits(c)))
            .copied()
            .unwrap_or(cands[0]);
        taken.push((pick.0, pick.1, pick.0 + tw, pick.1 + th));
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"20\" font-weight=\"bold\" stroke=\"#fff\" stroke-width=\"5\" paint-order=\"stroke\">",
            pick.0,
            pick.1 + 16.0
        );
        for (k, line) in lines.iter().enumerate() {
            let _ = write!(
                s,
                "<tspan x=\"{:.1}\" dy=\"{}\">{line}</tspan>",
                pick.0,
                if k == 0 { 0 } else { 20 }
            );
        }
        s.push_str("</text>");
    }
}

#[cfg(test)]
mod tests;
