//! The volunteer's phone (`/s/<token>`): the squad's stops in order as large
//! cards, each door with buttons (delivered, nobody home, refused, wrong
//! address, skipped); a tap goes to `POST /s/<token>/progress` with a name
//! of its own (`event_id`), so a tap sent again after a lost answer counts
//! once. The page's script (`assets/phone.js`, served from the binary)
//! keeps taps made without a connection in the phone's storage and sends
//! them, in order, when the connection returns; it asks
//! `GET /s/<token>/version` each minute and shows a banner when the sheet
//! changed. The printable sheet is at `/s/<token>/sheet`.
//!
//! Only the token's own squad is ever read: the page is built from the
//! newest plan with a sheet for that squad, that squad's route alone.

use std::collections::HashMap;

use crate::desk_routes::{blocking, body_json};
use crate::error::ApiError;
use crate::extract::{ApiPath as Path, ApiQuery as Query};
use crate::routes::{friendly, lang_of, stored_ledger, volunteer_of, SheetQuery};
use crate::store::PlanRow;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dayplan::dto::*;
use dayplan::sheet::{esc, Lang};

/// The page's script, served at `/assets/phone.js` (same origin: the
/// Content-Security-Policy allows no inline script).
pub const SCRIPT: &str = include_str!("../assets/phone.js");

/// The squad a volunteer link stands for, and the newest plan with its sheet.
fn volunteer_plan(st: &AppState, token: &str) -> Result<Option<(String, PlanRow)>, ApiError> {
    let Some((office, squad)) = volunteer_of(st, token) else {
        return Ok(None);
    };
    let Some((plan, _date)) = st.engine.store.latest_plan_with_sheet(&office, &squad)? else {
        return Ok(None);
    };
    let row = st
        .engine
        .store
        .plan(&plan)?
        .ok_or_else(|| ApiError::not_found("plan"))?;
    Ok(Some((squad, row)))
}

fn no_link() -> Response {
    friendly(
        StatusCode::NOT_FOUND,
        "此链接无效，或还没有您小分队的路线单。请联系协调员。",
        "This link is not valid, or there is no route sheet for your squad yet. Please call your coordinator.",
    )
}

/// `GET /s/{token}`: the phone page.
pub async fn page(
    State(st): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<SheetQuery>,
) -> Result<Response, ApiError> {
    let lang = lang_of(&q)?;
    let Some((squad, row)) = volunteer_plan(&st, &token)? else {
        return Ok(no_link());
    };
    let engine = st.engine.clone();
    let view = blocking(move || phone_view(&engine, &row, &squad)).await?;
    let Some(view) = view else {
        return Ok(no_link());
    };
    Ok(page_response(render(&view, &token, lang)))
}

/// `POST /s/{token}/progress`: a tap, recorded for the token's own squad on
/// its newest plan.
pub async fn progress(
    State(st): State<AppState>,
    Path(token): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let Some((squad, row)) = volunteer_plan(&st, &token)? else {
        return Err(ApiError::not_found("link"));
    };
    let ev: ProgressIn = body_json(&st, req).await?;
    let engine = st.engine.clone();
    let view = blocking(move || crate::warm::record_progress(&engine, &row, &squad, ev)).await?;
    Ok(Json(view).into_response())
}

/// `GET /s/{token}/version`: the plan and sheet version the page compares
/// with its own, to say when the sheet changed.
pub async fn version(
    State(st): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let Some((squad, row)) = volunteer_plan(&st, &token)? else {
        return Err(ApiError::not_found("link"));
    };
    let engine = st.engine.clone();
    let plan = row.id.clone();
    let v = blocking(move || {
        let state = engine.store.sheet_state(&plan)?;
        Ok::<_, ApiError>(state.get(&(squad, "zh".to_string())).map(|x| x.0))
    })
    .await?;
    let mut r = Json(serde_json::json!({"plan": row.id, "sheet_version": v})).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `GET /assets/phone.js`.
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        SCRIPT,
    )
        .into_response()
}

fn page_response(body: String) -> Response {
    let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    let h = r.headers_mut();
    // Personal data: never kept by shared caches.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// One stop as the phone shows it.
#[derive(Debug)]
pub struct Card {
    pub seq: u32,
    pub kind: StopKind,
    pub eta: String,
    pub request: Option<String>,
    /// Where: the depot's name, or building, unit, floor and flat.
    pub place: String,
    pub resident: Option<String>,
    pub phone: Option<String>,
    pub items: Vec<String>,
    pub notes: Option<String>,
    pub status: Option<StopStatus>,
    pub done_at: Option<String>,
}

/// What the phone page shows: the squad's route of the newest plan, with
/// what the ground reported so far.
#[derive(Debug)]
pub struct PhoneView {
    pub plan: String,
    pub squad: String,
    pub squad_name: Option<String>,
    pub date: String,
    pub sheet_version: u32,
    pub start: String,
    pub end: String,
    pub started: bool,
    pub finished: bool,
    pub cards: Vec<Card>,
}

/// Builds the page's view from what is stored: the result, the day and the
/// progress events (the same overlay as `GET /result`). `None` when the plan
/// has no route for the squad.
pub fn phone_view(
    engine: &crate::jobs::Engine,
    row: &PlanRow,
    squad: &str,
) -> Result<Option<PhoneView>, ApiError> {
    let store = &engine.store;
    let Some((json, _)) = store.result(&row.id)? else {
        return Ok(None);
    };
    let mut result: PlanResult = serde_json::from_str(&json).map_err(|e| ApiError::internal(&e))?;
    let ledger = stored_ledger(store, &row.id)?.unwrap_or_default();
    desk::ledger::overlay(&mut result, &ledger);
    let day: DayRequest = match store.request_json(&row.id)? {
        Some(j) => serde_json::from_str(&j).map_err(|e| ApiError::internal(&e))?,
        None => return Ok(None),
    };
    let Some(route) = result.routes.into_iter().find(|r| r.squad == squad) else {
        return Ok(None);
    };
    let requests: HashMap<&str, &Request> =
        day.requests.iter().map(|r| (r.id.as_str(), r)).collect();
    let buildings = dayplan::places::building_index(&day);
    let depots: HashMap<&str, &Depot> = day.depots.iter().map(|d| (d.id.as_str(), d)).collect();
    let cards = route
        .stops
        .iter()
        .map(|s| {
            let r = s
                .request
                .as_deref()
                .and_then(|id| requests.get(id))
                .copied();
            let depot = s.depot.as_deref().and_then(|d| depots.get(d));
            let place = match (s.kind, depot, r) {
                (StopKind::Pickup | StopKind::Reload, Some(d), _) => d.name.clone(),
                (_, _, Some(r)) => door_line(r, &buildings),
                _ => String::new(),
            };
            Card {
                seq: s.seq,
                kind: s.kind,
                eta: s.eta.clone(),
                request: s.request.clone(),
                place,
                resident: r.and_then(|r| r.resident.clone()),
                phone: r.and_then(|r| r.phone.clone()),
                items: r
                    .map(|r| {
                        r.items
                            .iter()
                            .map(|i| format!("{} ×{}", i.name, i.quantity))
                            .collect()
                    })
                    .unwrap_or_default(),
                notes: r.and_then(|r| r.notes.clone()),
                status: s.status,
                done_at: s.done_at.clone(),
            }
        })
        .collect();
    let l = ledger.squads.get(squad);
    Ok(Some(PhoneView {
        plan: row.id.clone(),
        squad: squad.to_string(),
        squad_name: route.squad_name.clone(),
        date: day.date.clone(),
        sheet_version: route.sheet_version,
        start: route.start.clone(),
        end: route.end.clone(),
        started: l.is_some_and(|l| l.started_at.is_some()),
        finished: l.is_some_and(|l| l.finished_at.is_some()),
        cards,
    }))
}

/// "3栋 2单元 5楼 501室", as the door is written on the day.
fn door_line(r: &Request, buildings: &HashMap<&str, &Building>) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(b) = r.building.as_deref() {
        let name = buildings.get(b).and_then(|b| b.name.clone());
        parts.push(name.unwrap_or_else(|| b.to_string()));
    }
    if let Some(u) = &r.unit {
        parts.push(format!("{u}单元"));
    }
    if let Some(f) = r.floor {
        parts.push(format!("{f}楼"));
    }
    if let Some(a) = &r.address {
        parts.push(a.clone());
    }
    parts.join(" ")
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The buttons of a door: (event, reason, label zh, label en).
const BUTTONS: [(&str, &str, &str, &str); 5] = [
    ("delivered", "", "已送达", "Delivered"),
    ("failed", "nobody_home", "无人在家", "Nobody home"),
    ("failed", "refused", "拒收", "Refused"),
    ("failed", "wrong_address", "地址错误", "Wrong address"),
    ("skipped", "", "跳过", "Skipped"),
];

fn status_text(s: StopStatus, lang: Lang) -> &'static str {
    match s {
        StopStatus::Delivered => t(lang, "✓ 已完成", "✓ Done"),
        StopStatus::Failed => t(lang, "✗ 未送达", "✗ Not delivered"),
        StopStatus::Skipped => t(lang, "↷ 已跳过", "↷ Skipped"),
        StopStatus::Planned | StopStatus::InProgress => "",
    }
}

/// The page. All user text goes through [`esc`].
pub fn render(v: &PhoneView, token: &str, lang: Lang) -> String {
    let tok = esc(token);
    let mut h = String::with_capacity(4096 + v.cards.len() * 900);
    let title = v.squad_name.clone().unwrap_or_else(|| v.squad.clone());
    h.push_str(&format!(
        "<!DOCTYPE html><html lang=\"{lc}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} · {date}</title><style>{css}</style></head><body>\
<header><h1>{title}</h1><p>{date} · {start}–{end} · <a href=\"/s/{tok}/sheet?lang={lc}\">{print}</a> · \
<a href=\"/s/{tok}?lang={other}\">{other_name}</a></p></header>\
<div id=\"banner\" role=\"status\" hidden>{changed} <a href=\"/s/{tok}?lang={lc}\">{reload}</a></div>\
<div id=\"net\" role=\"status\" hidden></div>\
<main id=\"stops\" data-post=\"/s/{tok}/progress\" data-version-url=\"/s/{tok}/version\" \
data-plan=\"{plan}\" data-version=\"{ver}\" data-squad=\"{squad}\" \
data-queued=\"{queued}\" data-sent=\"{sent}\" data-failed=\"{failed}\">",
        lc = lang.code(),
        title = esc(&title),
        date = esc(&v.date),
        css = CSS,
        start = esc(&v.start),
        end = esc(&v.end),
        print = t(lang, "打印路线单", "Printable sheet"),
        other = t(lang, "en", "zh"),
        other_name = t(lang, "English", "中文"),
        changed = t(lang, "路线单已更新。", "Your sheet has changed."),
        reload = t(lang, "刷新", "Reload"),
        plan = esc(&v.plan),
        ver = v.sheet_version,
        squad = esc(&v.squad),
        queued = t(lang, "已记下，联网后发送", "Saved, will be sent when online"),
        sent = t(lang, "已发送", "Sent"),
        failed = t(lang, "未能记录：", "Not recorded: "),
    ));
    if !v.started {
        h.push_str(&format!(
            "<section class=\"card day\"><button class=\"big\" data-event=\"started\">{}</button></section>",
            t(lang, "出发", "We are starting")
        ));
    }
    for c in &v.cards {
        render_card(&mut h, c, lang);
    }
    if !v.finished {
        h.push_str(&format!(
            "<section class=\"card day\"><button class=\"big\" data-event=\"finished\">{}</button></section>",
            t(lang, "今天收工", "We are done for today")
        ));
    } else {
        h.push_str(&format!(
            "<section class=\"card day\"><p>{}</p></section>",
            t(lang, "今天已收工。谢谢！", "Done for today. Thank you!")
        ));
    }
    h.push_str("</main><script src=\"/assets/phone.js\"></script></body></html>");
    h
}

fn render_card(h: &mut String, c: &Card, lang: Lang) {
    let (label, class) = match c.kind {
        StopKind::Delivery => (t(lang, "送货", "Deliver"), "door"),
        StopKind::Visit => (t(lang, "探访", "Visit"), "door"),
        StopKind::Pickup => (t(lang, "取货", "Collect"), "pickup"),
        StopKind::Reload => (t(lang, "回站装货", "Reload"), "reload"),
    };
    let done = c
        .status
        .filter(|s| !matches!(s, StopStatus::Planned | StopStatus::InProgress));
    // Only a door carries its request: the page's script finds the card a
    // tap belongs to by it (a pickup of the same request comes earlier).
    let door = matches!(c.kind, StopKind::Delivery | StopKind::Visit) && c.request.is_some();
    h.push_str(&format!(
        "<section class=\"card {class}{done_class}\" aria-labelledby=\"s{seq}\"{req}>\
<h2 id=\"s{seq}\"><span class=\"seq\">{seq}</span> <span class=\"eta\">{eta}</span> {label}</h2>",
        done_class = if done.is_some() { " done" } else { "" },
        seq = c.seq,
        req = c
            .request
            .as_deref()
            .filter(|_| door)
            .map(|r| format!(" data-request=\"{}\"", esc(r)))
            .unwrap_or_default(),
        eta = esc(&c.eta),
    ));
    if !c.place.is_empty() {
        h.push_str(&format!("<p class=\"place\">{}</p>", esc(&c.place)));
    }
    match (&c.resident, c.kind) {
        (Some(r), StopKind::Pickup) => h.push_str(&format!(
            "<p class=\"who\">{} {}</p>",
            t(lang, "给", "For"),
            esc(r)
        )),
        (Some(r), _) => h.push_str(&format!("<p class=\"who\">{}</p>", esc(r))),
        (None, _) => {}
    }
    if !c.items.is_empty() && c.kind != StopKind::Reload {
        h.push_str("<ul class=\"items\">");
        for i in &c.items {
            h.push_str(&format!("<li>{}</li>", esc(i)));
        }
        h.push_str("</ul>");
    }
    if let Some(n) = &c.notes {
        h.push_str(&format!("<p class=\"notes\">{}</p>", esc(n)));
    }
    if let Some(p) = c.phone.as_ref().filter(|_| door) {
        let digits: String = p
            .chars()
            .filter(|ch| ch.is_ascii_digit() || *ch == '+')
            .collect();
        h.push_str(&format!(
            "<p><a class=\"call\" href=\"tel:{}\">☎ {} {}</a></p>",
            esc(&digits),
            t(lang, "打电话", "Call"),
            esc(p)
        ));
    }
    match done {
        Some(s) => h.push_str(&format!(
            "<p class=\"state\">{} {}</p>",
            status_text(s, lang),
            esc(c.done_at.as_deref().unwrap_or(""))
        )),
        None if door => {
            h.push_str("<div class=\"buttons\">");
            for (event, reason, zh, en) in BUTTONS {
                let (zh, en) = match (c.kind, event) {
                    (StopKind::Visit, "delivered") => ("已探访", "Visited"),
                    _ => (zh, en),
                };
                h.push_str(&format!(
                    "<button data-event=\"{event}\" data-reason=\"{reason}\" class=\"{event}\">{}</button>",
                    t(lang, zh, en)
                ));
            }
            h.push_str("</div><p class=\"state\" aria-live=\"polite\"></p>");
        }
        None => {}
    }
    h.push_str("</section>");
}

/// Large type, one column, nothing wider than a 360 px phone.
const CSS: &str = "\
*{box-sizing:border-box}body{margin:0;font:20px/1.4 system-ui,'Noto Sans CJK SC',sans-serif;background:#f4f4f4;color:#111}\
header{padding:12px 14px;background:#123;color:#fff}header h1{margin:0;font-size:26px}header p{margin:4px 0 0}\
header a{color:#fff}#banner,#net{padding:12px 14px;font-weight:bold}#banner{background:#ffd54f}#net{background:#ffe0e0}\
main{padding:8px}.card{background:#fff;border-radius:10px;margin:0 0 12px;padding:12px 14px;box-shadow:0 1px 3px #0003;overflow-wrap:anywhere}\
.card h2{margin:0 0 6px;font-size:22px}.seq{display:inline-block;min-width:1.6em;text-align:center;background:#123;color:#fff;border-radius:50%}\
.eta{font-weight:bold}.place{font-size:22px;font-weight:bold;margin:4px 0}.who{margin:4px 0}.notes{background:#fff4d6;padding:6px;border-radius:6px}\
.items{margin:4px 0;padding-left:1.2em}.reload,.pickup{background:#eef3f8}.done{opacity:.65}\
.buttons{display:grid;grid-template-columns:1fr 1fr;gap:8px;margin-top:8px}\
button{font:inherit;font-size:20px;min-height:56px;border-radius:8px;border:2px solid #123;background:#fff;color:#123}\
button.delivered{grid-column:1/3;background:#1b5e20;border-color:#1b5e20;color:#fff;font-weight:bold}\
button.big{width:100%;background:#123;color:#fff}button:disabled{opacity:.5}\
.call{display:inline-block;padding:10px 14px;border-radius:8px;background:#e3f2fd;color:#0d47a1;text-decoration:none;font-weight:bold}\
.state{font-weight:bold;margin:8px 0 0}";
