//! Sheets on the console: one squad's (`/console/plans/<id>/sheets/<squad>`)
//! and all of a plan's in one printable page
//! (`/console/plans/<id>/print`), each starting on a new page with the QR
//! code of its volunteers' link above it.

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dayplan::dto::PlanResult;
use dayplan::sheet::esc;

use super::session::Signed;
use super::{base_url, html_response, problem, qr_svg};
use crate::AppState;

/// The part of a stored sheet between `<body>` and `</body>`.
fn body_of(html: &str) -> &str {
    let start = html.find("<body>").map_or(0, |i| i + "<body>".len());
    let end = html.rfind("</body>").unwrap_or(html.len());
    &html[start..end.max(start)]
}

/// `GET /console/plans/{id}/sheets/{squad}`: the stored sheet as printed.
pub async fn one_sheet(
    State(st): State<AppState>,
    who: Signed,
    Path((id, squad)): Path<(String, String)>,
) -> Response {
    let lang = who.lang;
    let store = st.engine.store.clone();
    let office = who.person.office.clone();
    let code = lang.code();
    let got = tokio::task::spawn_blocking(move || -> crate::store::Result<Option<String>> {
        match store.plan(&id)? {
            Some(p) if p.office == office => Ok(store.sheet(&id, &squad, code)?.map(|x| x.0)),
            _ => Ok(None),
        }
    })
    .await;
    match got {
        Ok(Ok(Some(h))) => html_response(StatusCode::OK, h, lang),
        Ok(Ok(None)) => problem(
            lang,
            Some(&who),
            StatusCode::NOT_FOUND,
            "没有这张路线单。",
            "There is no such sheet.",
        ),
        _ => problem(
            lang,
            Some(&who),
            StatusCode::INTERNAL_SERVER_ERROR,
            "读取失败，请稍后再试。",
            "Could not read; try again in a moment.",
        ),
    }
}

/// A plan's result, its sheets as (squad, html) and the office's links as
/// (squad, token).
type Printable = (PlanResult, Vec<(String, String)>, Vec<(String, String)>);

/// `GET /console/plans/{id}/print`: every squad's sheet, one after the
/// other, each under its volunteers' QR code; the browser's "Print" (or
/// "Save as PDF") gives one document.
pub async fn all_sheets(
    State(st): State<AppState>,
    who: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let lang = who.lang;
    let st2 = st.clone();
    let office = who.person.office.clone();
    let code = lang.code();
    let got = tokio::task::spawn_blocking(move || -> crate::store::Result<Option<Printable>> {
        let Some(p) = st2.engine.store.plan(&id)?.filter(|p| p.office == office) else {
            return Ok(None);
        };
        let Some((json, _)) = st2.engine.store.result(&p.id)? else {
            return Ok(None);
        };
        let res: PlanResult = serde_json::from_str(&json)?;
        let mut sheets = Vec::new();
        for r in &res.routes {
            if let Some((h, _)) = st2.engine.store.sheet(&p.id, &r.squad, code)? {
                sheets.push((r.squad.clone(), h));
            }
        }
        let links = super::people::links_of_office(&st2, &office)?;
        Ok(Some((res, sheets, links)))
    })
    .await;
    let (res, sheets, links) = match got {
        Ok(Ok(Some(x))) => x,
        Ok(Ok(None)) => {
            return problem(
                lang,
                Some(&who),
                StatusCode::NOT_FOUND,
                "这个计划还没有路线单。",
                "This plan has no sheets yet.",
            )
        }
        _ => {
            return problem(
                lang,
                Some(&who),
                StatusCode::INTERNAL_SERVER_ERROR,
                "读取失败，请稍后再试。",
                "Could not read; try again in a moment.",
            )
        }
    };
    let base = base_url(&headers);
    let mut h = String::with_capacity(sheets.iter().map(|s| s.1.len()).sum::<usize>() + 64 * 1024);
    let _ = write!(h, "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} {}</title><style>{}\n\
        .qrhead {{ display: flex; gap: 6mm; align-items: center; border: 0.6mm dashed #000; padding: 3mm; margin-bottom: 4mm; break-inside: avoid; }}\n\
        .qrhead svg {{ width: 34mm; height: 34mm; flex: 0 0 34mm; }}\n\
        .qrhead .t {{ font-size: 16pt; }}\n\
        .qrhead .u {{ font-family: monospace; font-size: 9pt; word-break: break-all; }}\n\
        .onesheet + .onesheet {{ break-before: page; }}\n</style></head><body>",
        if lang == super::Lang::Zh { "zh-CN" } else { "en" },
        lang.t("全部路线单", "All sheets"), esc(&res.date), dayplan::sheet::CSS);
    for (squad, sheet) in &sheets {
        h.push_str("<section class=\"onesheet\">");
        match links.iter().find(|(q, _)| q == squad) {
            Some((_, token)) => {
                let url = format!("{base}/s/{token}");
                let _ = write!(h, "<div class=\"qrhead\">{}<div><div class=\"t\">{}</div><div class=\"u\">{}</div></div></div>",
                    qr_svg(&url),
                    lang.t("用手机扫一扫：查看本小分队的站点，送到后打勾。", "Scan with a phone: this squad's stops, ticked when done."),
                    esc(&url));
            }
            None => {
                let _ = write!(
                    h,
                    "<div class=\"qrhead\"><div class=\"t\">{}</div></div>",
                    lang.t(
                        "本小分队还没有手机链接（在“人员与链接”里生成）。",
                        "This squad has no phone link yet (make one under People and links)."
                    )
                );
            }
        }
        h.push_str(body_of(sheet));
        h.push_str("</section>");
    }
    h.push_str("</body></html>");
    html_response(StatusCode::OK, h, lang)
}
