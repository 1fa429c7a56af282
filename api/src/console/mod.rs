//! The street-office console: server-rendered pages for coordinators and
//! desks, signed in with a one-time link (`/signin/<code>`), on the same
//! store and the same rules as the API (office and role checked on every
//! page; another office's plan is "not found").
//!
//! - [`session`]: sign-in links, the session cookie, the [`session::Signed`]
//!   extractor every page takes;
//! - [`board`]: the office's plans and a plan's board (progress while
//!   solving; then map, per-squad table, unserved requests with reasons);
//! - [`map`]: the board's map, drawn as SVG from the plan's GeoJSON and our
//!   own road graph (no tile server: it works offline);
//! - [`people`]: the office's coordinators and desks, and the volunteers'
//!   links with their QR codes;
//! - [`print`]: every squad's sheet in one printable page, each with the QR
//!   code of its volunteers' link.
//!
//! Pages carry no script (a solving plan's page refreshes itself with a meta
//! tag), so the Content-Security-Policy allows none; every user text goes
//! through [`esc`]. Chinese first; `?lang=en` (remembered in a cookie)
//! switches to English.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use dayplan::sheet::esc;

use crate::AppState;

pub mod board;
pub mod map;
pub mod people;
pub mod print;
pub mod session;

/// The console's routes (merged into the app by [`crate::app_with`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin", get(session::signin_page))
        .route("/signin/{code}", get(session::signin))
        .route("/signout", post(session::signout))
        .route("/console", get(board::home))
        .route("/console/plans/{id}", get(board::board))
        .route("/console/plans/{id}/sheets/{squad}", get(print::one_sheet))
        .route("/console/plans/{id}/print", get(print::all_sheets))
        .route(
            "/console/people",
            get(people::people_page).post(people::add_person),
        )
        .route("/console/links", post(people::new_link))
}

/// The page's language: `?lang=` first, then the `lm_lang` cookie, else Chinese.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn of(headers: &HeaderMap, query: Option<&str>) -> Lang {
        let from_query = query.and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "lang")
                .map(|(_, v)| v.into_owned())
        });
        match from_query
            .as_deref()
            .or(session::cookie(headers, "lm_lang").as_deref())
        {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
    /// Chinese or English text.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn sheet(self) -> dayplan::sheet::Lang {
        match self {
            Lang::Zh => dayplan::sheet::Lang::Zh,
            Lang::En => dayplan::sheet::Lang::En,
        }
    }
}

/// The shared page style: large type, one column on a phone, no
/// horizontal scrolling at 360 px.
const STYLE: &str = r#"
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", "DejaVu Sans", sans-serif;
       font-size: 17px; line-height: 1.45; margin: 0; color: #111; background: #f6f6f4; }
header { background: #1d3557; color: #fff; padding: 10px 16px; display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: center; }
header a, header button { color: #fff; font-size: 17px; }
header .who { margin-left: auto; }
header form { display: inline; }
header button { background: none; border: 1px solid #fff; border-radius: 4px; padding: 2px 10px; cursor: pointer; }
nav a { margin-right: 16px; }
main { padding: 16px; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 26px; margin: 4px 0 12px; }
h2 { font-size: 21px; margin: 22px 0 8px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #e9ecef; }
td.n, th.n { text-align: right; white-space: nowrap; }
.scroll { overflow-x: auto; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 12px 16px; margin: 10px 0; }
.warn { background: #fff3cd; border-color: #e0b000; }
.bad { background: #fde2e1; border-color: #c0392b; }
.ok { background: #e3f5e1; border-color: #2e7d32; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; vertical-align: -2px; margin-right: 6px; }
progress { width: 100%; height: 28px; }
.map svg { width: 100%; height: auto; background: #fff; border: 1px solid #ccc; }
label { display: block; margin: 8px 0 4px; font-weight: bold; }
input, select { font-size: 18px; padding: 6px 8px; max-width: 100%; }
button.main, a.main { display: inline-block; font-size: 19px; padding: 8px 18px; background: #1d3557; color: #fff; border: none; border-radius: 6px; text-decoration: none; cursor: pointer; margin: 8px 8px 8px 0; }
.qr svg { width: 180px; height: 180px; }
.link { word-break: break-all; font-family: monospace; font-size: 15px; }
@media print { header, .noprint { display: none; } body { background: #fff; } }
"#;

/// One console page: the shell (header with office, person and language
/// switch; `<main>` landmark) around `body`.
pub fn page(
    lang: Lang,
    title: &str,
    who: Option<&session::Signed>,
    back: &str,
    body: &str,
    refresh_s: Option<u32>,
) -> Response {
    let mut h = String::with_capacity(body.len() + 4096);
    h.push_str("<!DOCTYPE html><html lang=\"");
    h.push_str(if lang == Lang::Zh { "zh-CN" } else { "en" });
    h.push_str("\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    if let Some(s) = refresh_s {
        h.push_str(&format!("<meta http-equiv=\"refresh\" content=\"{s}\">"));
    }
    h.push_str(&format!(
        "<title>{} · lastmile</title><style>{STYLE}</style></head><body><header>",
        esc(title)
    ));
    if let Some(w) = who {
        h.push_str(&format!(
            "<nav aria-label=\"{}\"><a href=\"/console\">{}</a><a href=\"/console/people\">{}</a></nav>",
            lang.t("主菜单", "Main menu"),
            lang.t("计划", "Plans"),
            lang.t("人员与链接", "People and links"),
        ));
        h.push_str(&format!(
            "<span class=\"who\">{} · {} · {}</span>",
            esc(&w.person.office),
            esc(&w.person.name),
            role_name(lang, w.person.role)
        ));
    }
    let other = if lang == Lang::Zh { "en" } else { "zh" };
    let sep = if back.contains('?') { '&' } else { '?' };
    h.push_str(&format!(
        "<a href=\"{}{sep}lang={other}\" lang=\"{}\">{}</a>",
        esc(back),
        if lang == Lang::Zh { "en" } else { "zh-CN" },
        lang.t("English", "中文")
    ));
    if who.is_some() {
        h.push_str(&format!(
            "<form method=\"post\" action=\"/signout\"><button type=\"submit\">{}</button></form>",
            lang.t("退出", "Sign out")
        ));
    }
    h.push_str("</header><main>");
    h.push_str(body);
    h.push_str("</main></body></html>");
    html_response(StatusCode::OK, h, lang)
}

pub fn role_name(lang: Lang, role: crate::store::PersonRole) -> &'static str {
    match role {
        crate::store::PersonRole::Coordinator => lang.t("协调员", "coordinator"),
        crate::store::PersonRole::Desk => lang.t("调度台", "desk"),
    }
}

/// An HTML answer with the console's headers: no caching (personal data),
/// nosniff, no script, forms only to this site, never framed; the language
/// remembered.
pub fn html_response(status: StatusCode, body: String, lang: Lang) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    let h = r.headers_mut();
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
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "lm_lang={}; Path=/; Max-Age=31536000; SameSite=Strict",
        lang.code()
    )) {
        h.insert(header::SET_COOKIE, v);
    }
    r
}

/// A page that says what went wrong, in words, with the status code.
pub fn problem(
    lang: Lang,
    who: Option<&session::Signed>,
    status: StatusCode,
    zh: &str,
    en: &str,
) -> Response {
    let body = format!(
        "<div class=\"card bad\" role=\"alert\"><p>{}</p><p><a href=\"/console\">{}</a></p></div>",
        esc(lang.t(zh, en)),
        lang.t("回到计划列表", "Back to the plans")
    );
    let mut r = page(
        lang,
        lang.t("出错了", "Something went wrong"),
        who,
        "/console",
        &body,
        None,
    );
    *r.status_mut() = status;
    r
}

/// The QR code of `text` as inline SVG (dark modules on white; quiet zone
/// included), sized by the page's CSS.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(160, 160)
            .dark_color(qrcode::render::svg::Color("#000"))
            .light_color(qrcode::render::svg::Color("#fff"))
            .build(),
        Err(_) => String::new(),
    }
}

/// The site's own address as the browser used it (for the links printed
/// as QR codes): `http://<Host>`.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}
