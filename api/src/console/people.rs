//! The office's people and links (`/console/people`, coordinators only):
//! add a coordinator or a desk and hand them their one-time sign-in link
//! (shown once, with its QR code); make or replace a squad's volunteer link
//! (`/s/<token>`), shown as a QR code to print or send.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use dayplan::sheet::esc;
use serde::Deserialize;

use super::session::{new_signin_path, Signed};
use super::{base_url, page, problem, qr_svg, role_name};
use crate::store::PersonRole;
use crate::AppState;

/// The office's volunteer links, (squad, token): the access file's, with
/// those made on the console taking their squad's place.
pub fn links_of_office(st: &AppState, office: &str) -> crate::store::Result<Vec<(String, String)>> {
    let mut links = st.access.volunteers(office);
    for (squad, token) in st.engine.store.volunteer_links(office)? {
        links.retain(|(q, _)| q != &squad);
        links.push((squad, token));
    }
    links.sort();
    Ok(links)
}

fn coordinator_only(who: &Signed) -> Option<Response> {
    (!who.is_coordinator()).then(|| {
        problem(
            who.lang,
            Some(who),
            StatusCode::FORBIDDEN,
            "只有协调员可以管理人员和链接。",
            "Only a coordinator manages people and links.",
        )
    })
}

/// The squads of the office's newest finished plan, with their names.
fn squads_of_office(
    st: &AppState,
    office: &str,
) -> crate::store::Result<Vec<(String, Option<String>)>> {
    let plans = st.engine.store.plans_of_office(office, 20)?;
    for p in plans {
        if let Some(json) = st.engine.store.request_json(&p.id)? {
            if let Ok(day) = serde_json::from_str::<dayplan::dto::DayRequest>(&json) {
                return Ok(day.squads.into_iter().map(|s| (s.id, s.name)).collect());
            }
        }
    }
    Ok(vec![])
}

/// The people page, with a link just made shown on top.
async fn page_handler(st: AppState, who: Signed, shown: Option<String>) -> Response {
    if let Some(r) = coordinator_only(&who) {
        return r;
    }
    let lang = who.lang;
    let st2 = st.clone();
    let office = who.person.office.clone();
    let loaded = tokio::task::spawn_blocking(move || -> crate::store::Result<_> {
        Ok((
            st2.engine.store.people_of_office(&office)?,
            links_of_office(&st2, &office)?,
            squads_of_office(&st2, &office)?,
        ))
    })
    .await;
    let Ok(Ok((people, links, squads))) = loaded else {
        return problem(
            lang,
            Some(&who),
            StatusCode::INTERNAL_SERVER_ERROR,
            "读取失败，请稍后再试。",
            "Could not read; try again in a moment.",
        );
    };
    let mut b = String::new();
    let _ = write!(b, "<h1>{}</h1>", lang.t("人员与链接", "People and links"));
    if let Some(s) = shown {
        b.push_str(&s);
    }
    let _ = write!(b, "<h2>{}</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        lang.t("协调员和调度台", "Coordinators and desks"), lang.t("姓名", "Name"), lang.t("角色", "Role"));
    for p in &people {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&p.name),
            role_name(lang, p.role)
        );
    }
    b.push_str("</tbody></table></div>");
    let _ = write!(b, "<form method=\"post\" action=\"/console/people\" class=\"card\"><h2>{}</h2>\
        <label for=\"name\">{}</label><input id=\"name\" name=\"name\" required maxlength=\"60\" autocomplete=\"off\">\
        <label for=\"role\">{}</label><select id=\"role\" name=\"role\"><option value=\"desk\">{}</option><option value=\"coordinator\">{}</option></select><br>\
        <button class=\"main\" type=\"submit\">{}</button></form>",
        lang.t("添加一个人", "Add a person"), lang.t("姓名", "Name"), lang.t("角色", "Role"),
        role_name(lang, PersonRole::Desk), role_name(lang, PersonRole::Coordinator),
        lang.t("添加并生成登录链接", "Add and make a sign-in link"));
    let _ = write!(b, "<h2>{}</h2><p>{}</p><div class=\"scroll\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\"></th></tr></thead><tbody>",
        lang.t("志愿者链接", "Volunteer links"),
        lang.t("每个小分队一个链接：手机打开即可看到自己的站点并打勾。丢了就换一个新的，旧的立即失效。",
            "One link per squad: opened on a phone it shows the squad's own stops to tick. If one is lost, make a new one; the old one stops working at once."),
        lang.t("小分队", "Squad"), lang.t("链接", "Link"));
    let mut all: Vec<(String, Option<String>)> = squads;
    for (q, _) in &links {
        if !all.iter().any(|(s, _)| s == q) {
            all.push((q.clone(), None));
        }
    }
    for (q, name) in &all {
        let has = links.iter().any(|(s, _)| s == q);
        let label = name.as_ref().map_or(q.clone(), |n| format!("{n} ({q})"));
        let _ = write!(b, "<tr><td>{}</td><td>{}</td><td><form method=\"post\" action=\"/console/links\"><input type=\"hidden\" name=\"squad\" value=\"{}\"><button type=\"submit\">{}</button></form></td></tr>",
            esc(&label),
            if has { lang.t("有", "yes") } else { lang.t("没有", "none") },
            esc(q),
            if has { lang.t("换新链接", "Replace the link") } else { lang.t("生成链接", "Make a link") });
    }
    b.push_str("</tbody></table></div>");
    page(
        lang,
        lang.t("人员与链接", "People and links"),
        Some(&who),
        "/console/people",
        &b,
        None,
    )
}

/// `GET /console/people`.
pub async fn people_page(State(st): State<AppState>, who: Signed) -> Response {
    page_handler(st, who, None).await
}

#[derive(Deserialize)]
pub struct NewPerson {
    name: String,
    role: String,
}

/// A link shown once, with its QR code.
fn shown_link(title: &str, url: &str, note: &str) -> String {
    format!("<div class=\"card ok\" role=\"status\"><h2>{}</h2><div class=\"qr\">{}</div><p class=\"link\">{}</p><p>{}</p></div>",
        esc(title), qr_svg(url), esc(url), esc(note))
}

/// `POST /console/people`: adds a coordinator or desk, shows their link.
pub async fn add_person(
    State(st): State<AppState>,
    who: Signed,
    headers: HeaderMap,
    Form(f): Form<NewPerson>,
) -> Response {
    if let Some(r) = coordinator_only(&who) {
        return r;
    }
    let lang = who.lang;
    let name = f.name.trim().to_string();
    let Some(role) = PersonRole::parse(&f.role) else {
        return problem(
            lang,
            Some(&who),
            StatusCode::UNPROCESSABLE_ENTITY,
            "角色只能是协调员或调度台。",
            "The role must be coordinator or desk.",
        );
    };
    if name.is_empty() || name.chars().count() > 60 {
        return problem(
            lang,
            Some(&who),
            StatusCode::UNPROCESSABLE_ENTITY,
            "请填写姓名（最多 60 个字）。",
            "Give a name (at most 60 characters).",
        );
    }
    let store = st.engine.store.clone();
    let office = who.person.office.clone();
    let made = tokio::task::spawn_blocking(move || -> crate::store::Result<String> {
        let id = store.add_person(&office, &name, role)?;
        new_signin_path(&store, id)
    })
    .await;
    let Ok(Ok(path)) = made else {
        return problem(
            lang,
            Some(&who),
            StatusCode::INTERNAL_SERVER_ERROR,
            "保存失败，请再试一次。",
            "Could not save; try again.",
        );
    };
    let url = format!("{}{path}", base_url(&headers));
    let shown = shown_link(
        lang.t(
            "登录链接（只显示这一次）",
            "Sign-in link (shown only this once)",
        ),
        &url,
        lang.t(
            "把这个链接或二维码交给本人。链接只能用一次，24 小时内有效。",
            "Give this link or QR code to the person. It works once, within 24 hours.",
        ),
    );
    page_handler(st, who, Some(shown)).await
}

#[derive(Deserialize)]
pub struct NewLink {
    squad: String,
}

/// `POST /console/links`: a new volunteer link for a squad (the old one
/// stops working).
pub async fn new_link(
    State(st): State<AppState>,
    who: Signed,
    headers: HeaderMap,
    Form(f): Form<NewLink>,
) -> Response {
    if let Some(r) = coordinator_only(&who) {
        return r;
    }
    let lang = who.lang;
    let squad = f.squad.trim().to_string();
    if squad.is_empty() || squad.len() > 64 {
        return problem(
            lang,
            Some(&who),
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择一个小分队。",
            "Choose a squad.",
        );
    }
    let token = crate::auth::new_token();
    let store = st.engine.store.clone();
    let office = who.person.office.clone();
    let (t2, q2) = (token.clone(), squad.clone());
    let made =
        tokio::task::spawn_blocking(move || store.replace_volunteer_link(&office, &q2, &t2)).await;
    if !matches!(made, Ok(Ok(()))) {
        return problem(
            lang,
            Some(&who),
            StatusCode::INTERNAL_SERVER_ERROR,
            "保存失败，请再试一次。",
            "Could not save; try again.",
        );
    }
    let url = format!("{}/s/{token}", base_url(&headers));
    let shown = shown_link(
        &format!(
            "{} {}",
            lang.t("小分队的新链接：", "New link of squad"),
            squad
        ),
        &url,
        lang.t(
            "打印或发给小分队。旧链接已失效。",
            "Print it or send it to the squad. The old link no longer works.",
        ),
    );
    page_handler(st, who, Some(shown)).await
}
