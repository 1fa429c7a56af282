//! Signing in to the console: a coordinator or desk opens their one-time
//! link (`/signin/<code>`, made by `lastmile people add`, `lastmile demo`
//! or a coordinator on the people page); the link is used up and a session
//! cookie (`lm_session`: HttpOnly, SameSite=Strict) lasts one working day.
//! Forms post only with that cookie, and a post from another site (its
//! `Origin` not ours) is refused.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::{page, problem, Lang};
use crate::store::{now_unix, Person, PersonRole, SESSION_S};
use crate::AppState;

const COOKIE: &str = "lm_session";

/// The signed-in person of a console page.
#[derive(Clone, Debug)]
pub struct Signed {
    pub person: Person,
    pub lang: Lang,
}

impl Signed {
    pub fn is_coordinator(&self) -> bool {
        self.person.role == PersonRole::Coordinator
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A fresh secret (sign-in code, session id): 128 random bits, hex.
pub fn new_secret() -> String {
    crate::auth::new_token()
}

/// Makes a one-time sign-in link for `person`: the path to open
/// (`/signin/<code>`); the code is stored hashed.
pub fn new_signin_path(store: &crate::store::Store, person: i64) -> crate::store::Result<String> {
    let code = new_secret();
    store.add_signin_link(person, &code, now_unix())?;
    Ok(format!("/signin/{code}"))
}

/// Whether a form post comes from our own pages: no `Origin` (an old
/// browser, a curl user) or one naming our `Host`.
fn same_origin(parts: &Parts) -> bool {
    let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, h)| !host.is_empty() && h == host)
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Response> {
        let lang = Lang::of(&parts.headers, parts.uri.query());
        if parts.method == Method::POST && !same_origin(parts) {
            return Err(problem(
                lang,
                None,
                StatusCode::FORBIDDEN,
                "这个表单不是从本站提交的。",
                "This form was not sent from this site.",
            ));
        }
        let Some(id) = cookie(&parts.headers, COOKIE) else {
            return Err(Redirect::to("/signin").into_response());
        };
        let store = st.engine.store.clone();
        let found = tokio::task::spawn_blocking(move || store.session(&id, now_unix()))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        match found {
            Some(s) => Ok(Signed {
                person: s.person,
                lang,
            }),
            None => Err(Redirect::to("/signin").into_response()),
        }
    }
}

/// `GET /signin`: how to sign in (there is no password form: each person
/// has a link of their own).
pub async fn signin_page(headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let lang = Lang::of(&headers, uri.query());
    let body = format!(
        "<h1>{}</h1><div class=\"card\"><p>{}</p><p>{}</p></div>",
        lang.t("登录", "Sign in"),
        lang.t(
            "请打开协调员发给您的登录链接。每个链接只能用一次，24 小时内有效。",
            "Open the sign-in link your coordinator gave you. Each link works once, within 24 hours."
        ),
        lang.t(
            "第一位协调员的链接由 lastmile demo 或 lastmile people add 打印出来。",
            "The first coordinator's link is printed by lastmile demo or lastmile people add."
        ),
    );
    page(
        lang,
        lang.t("登录", "Sign in"),
        None,
        "/signin",
        &body,
        None,
    )
}

/// `GET /signin/{code}`: uses the link and opens a session.
pub async fn signin(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Path(code): Path<String>,
) -> Response {
    let lang = Lang::of(&headers, uri.query());
    let session = new_secret();
    let store = st.engine.store.clone();
    let sid = session.clone();
    let got = tokio::task::spawn_blocking(move || store.sign_in(&code, &sid, now_unix()))
        .await
        .ok()
        .and_then(Result::ok)
        .flatten();
    match got {
        Some(s) => {
            tracing::info!(person = s.person.id, "console sign-in");
            let mut r = Redirect::to("/console").into_response();
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{COOKIE}={session}; Path=/; Max-Age={SESSION_S}; HttpOnly; SameSite=Strict"
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        None => problem(
            lang,
            None,
            StatusCode::NOT_FOUND,
            "这个登录链接无效：已经用过、已过期或输错了。请向协调员要一个新链接。",
            "This sign-in link does not work: it was used already, it expired, or it is mistyped. Ask your coordinator for a new one.",
        ),
    }
}

/// `POST /signout`.
pub async fn signout(State(st): State<AppState>, who: Signed, headers: HeaderMap) -> Response {
    if let Some(id) = cookie(&headers, COOKIE) {
        let store = st.engine.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.end_session(&id, now_unix())).await;
    }
    let _ = who;
    let mut r = Redirect::to("/signin").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("lm_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
    );
    r
}
