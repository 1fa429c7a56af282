//! The office's plans (`/console`) and one plan's board
//! (`/console/plans/<id>`): a moving progress bar while it is solved, then
//! the map of all routes, a row per squad (stops, kilometres, working hours,
//! start and finish, the sheet, the volunteers' link) and every unserved
//! request with its reason and what would fix it.

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use dayplan::dto::{PlanResult, PlanStatus, Profile, StopKind, UnservedReason};
use dayplan::sheet::esc;

use super::session::Signed;
use super::{page, problem, Lang};
use crate::store::{rfc3339, PlanRow};
use crate::AppState;

/// Plans listed on the home page.
const LISTED: usize = 30;

fn status_name(lang: Lang, s: PlanStatus) -> &'static str {
    match s {
        PlanStatus::Queued => lang.t("排队中", "queued"),
        PlanStatus::Solving => lang.t("计算中", "planning"),
        PlanStatus::Done => lang.t("已完成", "done"),
        PlanStatus::Failed => lang.t("失败", "failed"),
    }
}

pub fn profile_name(lang: Lang, p: Profile) -> &'static str {
    match p {
        Profile::Walk => lang.t("步行", "on foot"),
        Profile::Bike => lang.t("三轮车", "tricycle"),
        Profile::Car => lang.t("货车", "van"),
    }
}

/// A reason in a coordinator's words, and what would fix it.
pub fn reason_words(lang: Lang, r: UnservedReason) -> (&'static str, &'static str) {
    use UnservedReason::*;
    match r {
        NoSkilledSquad => (
            lang.t(
                "没有具备所需资质的小分队",
                "no squad has the skill it needs",
            ),
            lang.t(
                "给一个小分队加上这项资质，或去掉该要求",
                "give a squad the skill, or drop the requirement",
            ),
        ),
        OverCapacity => (
            lang.t("太重，任何小分队都拿不动", "too heavy for any squad"),
            lang.t("拆成几份，或派货车", "split it, or send a van"),
        ),
        Unreachable => (
            lang.t(
                "地图上走不到这个门口",
                "the door cannot be reached on the map",
            ),
            lang.t("检查地址或坐标", "check the address or the point"),
        ),
        WindowClosed => (
            lang.t(
                "时间窗内赶不到",
                "no squad can arrive within its time window",
            ),
            lang.t(
                "放宽时间窗，或增加小分队",
                "widen the window, or add a squad",
            ),
        ),
        ChilledTooFar => (
            lang.t(
                "冷藏物品路上太久",
                "chilled goods would be out of the cold too long",
            ),
            lang.t(
                "从更近的站点出发，或单独送",
                "load it nearer, or deliver it on its own",
            ),
        ),
        ShiftTooShort => (
            lang.t("小分队的班次太短", "the squads' shifts are too short"),
            lang.t("延长班次，或增加小分队", "lengthen a shift, or add a squad"),
        ),
        NoRoomLeft => (
            lang.t("小分队已经排满", "the squads are full"),
            lang.t("增加小分队或延长班次", "add a squad or lengthen a shift"),
        ),
        LeftOutForCost => (
            lang.t(
                "为了其他更紧急的请求而被放下",
                "left out for more urgent requests",
            ),
            lang.t(
                "提高优先级，或增加小分队",
                "raise its priority, or add a squad",
            ),
        ),
        SquadCannotServe => (
            lang.t("指定的小分队接不了", "its own squad cannot take it"),
            lang.t(
                "换一个负责小分队，或改成优先小分队",
                "name another squad, or make it preferred only",
            ),
        ),
        GoodsNotAtGate => (
            lang.t(
                "货车没能及时把货送到小区门口",
                "no van could bring the goods to the gate in time",
            ),
            lang.t(
                "增加货车或三轮车，或放宽时间",
                "add a van or tricycle, or allow more time",
            ),
        ),
    }
}

fn hours(s: i64) -> String {
    format!("{:.1}", s as f64 / 3600.0)
}

fn km(m: i64) -> String {
    format!("{:.1}", m as f64 / 1000.0)
}

fn office_plan(
    st: &AppState,
    who: &Signed,
    id: &str,
) -> Result<Option<PlanRow>, crate::store::StoreError> {
    Ok(st
        .engine
        .store
        .plan(id)?
        .filter(|p| p.office == who.person.office))
}

/// `GET /console`: the office's plans, newest first.
pub async fn home(State(st): State<AppState>, who: Signed) -> Response {
    let lang = who.lang;
    let store = st.engine.store.clone();
    let office = who.person.office.clone();
    let plans =
        match tokio::task::spawn_blocking(move || store.plans_of_office(&office, LISTED)).await {
            Ok(Ok(p)) => p,
            _ => {
                return problem(
                    lang,
                    Some(&who),
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "读取计划失败，请稍后再试。",
                    "The plans could not be read; try again in a moment.",
                )
            }
        };
    let mut b = String::new();
    let _ = write!(b, "<h1>{}</h1>", lang.t("计划", "Plans"));
    if plans.is_empty() {
        let _ = write!(
            b,
            "<div class=\"card\">{}</div>",
            lang.t("还没有计划。", "There is no plan yet.")
        );
    } else {
        let _ = write!(b, "<div class=\"scroll\"><table><caption class=\"noprint\" style=\"text-align:left\">{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"n\">{}</th><th scope=\"col\" class=\"n\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            lang.t("最新的在前", "Newest first"),
            lang.t("日期", "Date"), lang.t("状态", "Status"), lang.t("请求", "Requests"),
            lang.t("小分队", "Squads"), lang.t("创建时间", "Created"));
        for p in &plans {
            let _ = write!(b, "<tr><td><a href=\"/console/plans/{id}\">{date}</a></td><td>{status}</td><td class=\"n\">{r}</td><td class=\"n\">{s}</td><td>{c}</td></tr>",
                id = esc(&p.id), date = esc(&p.date), status = status_name(lang, p.status),
                r = p.requests, s = p.squads, c = esc(&rfc3339(p.created_at)));
        }
        b.push_str("</tbody></table></div>");
    }
    page(
        lang,
        lang.t("计划", "Plans"),
        Some(&who),
        "/console",
        &b,
        None,
    )
}

/// `GET /console/plans/{id}`: the plan's board.
pub async fn board(State(st): State<AppState>, who: Signed, Path(id): Path<String>) -> Response {
    let lang = who.lang;
    let st2 = st.clone();
    let who2 = who.clone();
    let id2 = id.clone();
    let loaded = tokio::task::spawn_blocking(move || -> Result<_, crate::store::StoreError> {
        let Some(p) = office_plan(&st2, &who2, &id2)? else {
            return Ok(None);
        };
        let result = if p.status == PlanStatus::Done {
            st2.engine.store.result(&id2)?
        } else {
            None
        };
        let links = super::people::links_of_office(&st2, &who2.person.office)?;
        Ok(Some((p, result, links)))
    })
    .await;
    let (p, result, links) = match loaded {
        Ok(Ok(Some(x))) => x,
        Ok(Ok(None)) => {
            return problem(
                lang,
                Some(&who),
                StatusCode::NOT_FOUND,
                "没有这个计划。",
                "There is no such plan.",
            )
        }
        _ => {
            return problem(
                lang,
                Some(&who),
                StatusCode::INTERNAL_SERVER_ERROR,
                "读取计划失败，请稍后再试。",
                "The plan could not be read; try again in a moment.",
            )
        }
    };
    let back = format!("/console/plans/{id}");
    let title = format!("{} {}", lang.t("计划", "Plan"), p.date);
    match p.status {
        PlanStatus::Queued | PlanStatus::Solving => {
            let prog = st.engine.progress(&p.id).or(p.progress.clone());
            let used = prog.as_ref().map_or(0.0, |g| g.budget_used);
            let mut b = format!(
                "<h1>{}</h1><div class=\"card\" role=\"status\"><p>{}</p>",
                esc(&title),
                status_name(lang, p.status)
            );
            let _ = write!(b, "<label for=\"bar\">{}</label><progress id=\"bar\" max=\"100\" value=\"{:.0}\">{:.0} %</progress>",
                lang.t("进度", "Progress"), used * 100.0, used * 100.0);
            if let Some(g) = &prog {
                let _ = write!(
                    b,
                    "<p>{} {:.0} s / {} s</p>",
                    lang.t("已用时间", "Time used"),
                    g.elapsed_s,
                    g.budget_s
                );
            }
            let _ = write!(
                b,
                "<p>{}</p></div>",
                lang.t("页面会自动刷新。", "This page refreshes itself.")
            );
            page(lang, &title, Some(&who), &back, &b, Some(2))
        }
        PlanStatus::Failed => {
            let b = format!(
                "<h1>{}</h1><div class=\"card bad\" role=\"alert\"><p>{}</p><p>{}</p></div>",
                esc(&title),
                lang.t("这个计划没有算出来：", "This plan could not be made:"),
                esc(p.failure.as_deref().unwrap_or(""))
            );
            page(lang, &title, Some(&who), &back, &b, None)
        }
        PlanStatus::Done => {
            let Some((json, geojson)) = result else {
                return problem(
                    lang,
                    Some(&who),
                    StatusCode::NOT_FOUND,
                    "没有这个计划的结果。",
                    "This plan has no result.",
                );
            };
            let Ok(res) = serde_json::from_str::<PlanResult>(&json) else {
                return problem(
                    lang,
                    Some(&who),
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "结果无法读取。",
                    "The result cannot be read.",
                );
            };
            let geo: serde_json::Value = serde_json::from_str(&geojson).unwrap_or_default();
            let svg = super::map::board_svg(&res, &geo, &st.engine.graphs, lang);
            let b = done_board(lang, &res, &svg, &links, &title);
            page(lang, &title, Some(&who), &back, &b, None)
        }
    }
}

/// The board of a finished plan.
fn done_board(
    lang: Lang,
    res: &PlanResult,
    svg: &str,
    links: &[(String, String)],
    title: &str,
) -> String {
    let s = &res.summary;
    let mut b = String::with_capacity(64 * 1024 + svg.len());
    let _ = write!(b, "<h1>{}</h1>", esc(title));
    let cls = if s.unserved == 0 { "ok" } else { "warn" };
    let _ = write!(b, "<div class=\"card {cls}\"><p><strong>{}</strong> {} · <strong>{}</strong> {} · <strong>{}</strong> {} · {} / {} {} · {} km</p>",
        s.routed, lang.t("个已安排", "routed"), s.unserved, lang.t("个未安排", "unserved"),
        s.requests, lang.t("个请求", "requests"), s.squads_used, s.squads, lang.t("个小分队在用", "squads used"),
        km(s.distance_m));
    for sh in &s.shares {
        let _ = write!(
            b,
            "<p>{}: {} / {} {} · {} {} · {} {} h, {} {} h ({} {:.2}) · {} {}</p>",
            profile_name(lang, sh.profile),
            sh.squads_used,
            sh.squads,
            lang.t("在用", "used"),
            sh.doors,
            lang.t("户", "doors"),
            lang.t("最长", "longest"),
            hours(sh.longest_s),
            lang.t("平均", "mean"),
            hours(sh.mean_s),
            lang.t("比值", "spread"),
            sh.spread,
            lang.t("最晚回到", "last back"),
            esc(&sh.latest_finish)
        );
    }
    let _ = write!(b, "<p class=\"noprint\"><a class=\"main\" href=\"/console/plans/{id}/print\">{}</a></p></div>",
        lang.t("打印全部路线单（含二维码）", "Print all sheets (with QR codes)"), id = esc(&res.plan_id));
    let _ = write!(b, "<h2 id=\"map\">{}</h2><figure class=\"map\" aria-labelledby=\"map\">{svg}<figcaption>{}</figcaption></figure>",
        lang.t("地图", "Map"),
        lang.t("每条路线一种颜色；数字是站点顺序；红色叉号是未安排的请求。地图数据 © OpenStreetMap 贡献者",
            "One colour per route; numbers are the stops' order; red crosses are unserved requests. Map data © OpenStreetMap contributors"));
    let _ = write!(b, "<h2>{}</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"n\">{}</th><th scope=\"col\" class=\"n\">{}</th><th scope=\"col\" class=\"n\">km</th><th scope=\"col\" class=\"n\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        lang.t("各小分队", "Squads"), lang.t("小分队", "Squad"), lang.t("方式", "Mode"),
        lang.t("户数", "Doors"), lang.t("站点", "Stops"), lang.t("工时", "Hours"),
        lang.t("出发—完成", "Start–finish"), lang.t("路线单", "Sheet"));
    for (k, r) in res.routes.iter().enumerate() {
        let name = r
            .squad_name
            .as_ref()
            .map_or(r.squad.clone(), |n| format!("{n} ({})", r.squad));
        let stops = r
            .stops
            .iter()
            .filter(|s| s.kind != StopKind::Reload)
            .count();
        let link = links
            .iter()
            .find(|(q, _)| q == &r.squad)
            .map_or("", |_| " ✓");
        let _ = write!(b, "<tr><td><span class=\"swatch\" style=\"background:{c}\" aria-hidden=\"true\"></span>{name}</td><td>{mode}</td><td class=\"n\">{d}</td><td class=\"n\">{s}</td><td class=\"n\">{km}</td><td class=\"n\">{h}</td><td>{a}–{e}</td><td><a href=\"/console/plans/{id}/sheets/{q}\">{v}{link}</a></td></tr>",
            c = super::map::color(k), name = esc(&name), mode = profile_name(lang, r.profile),
            d = r.doors, s = stops, km = km(r.distance_m), h = hours(r.end_s - r.start_s),
            a = esc(&r.start), e = esc(&r.end), id = esc(&res.plan_id), q = esc(&url_segment(&r.squad)),
            v = lang.t("查看", "open"));
    }
    b.push_str("</tbody></table></div>");
    let _ = write!(
        b,
        "<h2 id=\"unserved\">{} ({})</h2>",
        lang.t("未安排的请求", "Unserved requests"),
        res.unserved.len()
    );
    if res.unserved.is_empty() {
        let _ = write!(
            b,
            "<div class=\"card ok\">{}</div>",
            lang.t("每个请求都安排了。", "Every request is routed.")
        );
    } else {
        let _ = write!(b, "<div class=\"scroll\"><table aria-labelledby=\"unserved\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            lang.t("请求", "Request"), lang.t("原因", "Reason"), lang.t("怎么解决", "What would fix it"));
        for u in &res.unserved {
            let (why, fix) = reason_words(lang, u.reason);
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}<br><small>{}</small></td><td>{}</td></tr>",
                esc(&u.request),
                why,
                esc(&u.explanation),
                fix
            );
        }
        b.push_str("</tbody></table></div>");
    }
    b
}

/// Percent-encodes a path segment (squad ids are free text).
pub fn url_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
