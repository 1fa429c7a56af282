//! The console through HTTP (`oneshot`), as a coordinator's browser uses
//! it: a one-time sign-in link opens a session once; the plan board shows
//! every squad and every unserved request with its reason, the map, and the
//! print page every sheet with its squad's QR link; a desk cannot manage
//! people; another office's plan is not found; a form from another site is
//! refused; every page escapes user text and sends its security headers.

mod common;

use api::store::PersonRole;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;

/// A browser's request: the session cookie, a form body if any.
async fn browse(
    app: &axum::Router,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    form: Option<&str>,
) -> Resp {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "console.test");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, format!("lm_session={c}"));
    }
    let req = match form {
        Some(f) => b
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, "http://console.test")
            .body(Body::from(f.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    send(app, req).await
}

/// Signs in with a fresh link for a new person; returns the session id.
async fn sign_in(
    app: &axum::Router,
    store: &api::Store,
    office: &str,
    name: &str,
    role: PersonRole,
) -> String {
    let id = store.add_person(office, name, role).unwrap();
    let path = api::console::session::new_signin_path(store, id).unwrap();
    let r = browse(app, "GET", &path, None, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let set = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    // The link works once.
    let again = browse(app, "GET", &path, None, None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    set.trim_start_matches("lm_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_signs_in_and_sees_the_board_and_prints() {
    let mut day = small_day(40, 4, 7);
    // A request no squad can serve (needs a skill nobody has), and user text with markup.
    day.requests[0].skills = vec!["crane".into()];
    day.squads[0].name = Some("<b>红队</b>".into());
    let squads: Vec<String> = day.squads.iter().map(|s| s.id.clone()).collect();
    let dir = tmp_dir("console");
    let engine = engine(&dir);
    let store = engine.store.clone();
    let app = api::app(engine, access(&squads));
    let (s, v) = coord(
        &app,
        "POST",
        "/api/v1/plans",
        Some(serde_json::to_vec(&day).unwrap()),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    let id = v["plan_id"].as_str().unwrap().to_string();
    assert_eq!(wait_plan(&app, &id).await["status"], "done");

    // Not signed in: every page sends to /signin.
    for uri in [
        "/console",
        &format!("/console/plans/{id}"),
        "/console/people",
    ] {
        let r = browse(&app, "GET", uri, None, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(r.headers[header::LOCATION], "/signin");
    }
    let r = browse(&app, "GET", "/console", Some("not-a-session"), None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let me = sign_in(
        &app,
        &store,
        dayplan::demo::DEMO_OFFICE,
        "王协调",
        PersonRole::Coordinator,
    )
    .await;
    let home = browse(&app, "GET", "/console", Some(&me), None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text().contains(&format!("/console/plans/{id}")));
    let csp = home.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(home.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

    // The board: every squad a row, the unserved request with its reason in words, a map.
    let board = browse(
        &app,
        "GET",
        &format!("/console/plans/{id}?lang=en"),
        Some(&me),
        None,
    )
    .await;
    assert_eq!(board.status, StatusCode::OK);
    let html = board.text();
    let (_, result) = coord(&app, "GET", &format!("/api/v1/plans/{id}/result"), None).await;
    for r in result["routes"].as_array().unwrap() {
        let sq = r["squad"].as_str().unwrap();
        assert!(
            html.contains(&format!("/console/plans/{id}/sheets/{sq}")),
            "{sq} has no row"
        );
    }
    let unserved = result["unserved"].as_array().unwrap();
    assert!(unserved
        .iter()
        .any(|u| u["request"] == day.requests[0].id.as_str()));
    for u in unserved {
        assert!(html.contains(u["request"].as_str().unwrap()));
    }
    assert!(
        html.contains("no squad has the skill it needs"),
        "reason in words"
    );
    assert!(html.contains("<svg") && html.contains("Map of all routes"));
    assert!(
        html.contains("&lt;b&gt;红队&lt;/b&gt;") && !html.contains("<b>红队</b>"),
        "escaped"
    );

    // Print all: one section per routed squad, each with its QR link to /s/<token>.
    let print = browse(
        &app,
        "GET",
        &format!("/console/plans/{id}/print"),
        Some(&me),
        None,
    )
    .await;
    assert_eq!(print.status, StatusCode::OK);
    let text = print.text();
    let routed = result["routes"].as_array().unwrap().len();
    assert_eq!(text.matches("<section class=\"onesheet\">").count(), routed);
    for r in result["routes"].as_array().unwrap() {
        let sq = r["squad"].as_str().unwrap();
        assert!(
            text.contains(&format!("http://console.test/s/{}", volunteer_token(sq))),
            "{sq}'s QR link"
        );
    }
    assert!(
        text.matches("<svg").count() >= 2 * routed,
        "a QR code and a map per sheet"
    );

    // A new volunteer link replaces the old one: the old link stops working.
    let sq = &squads[1];
    let made = browse(
        &app,
        "POST",
        "/console/links",
        Some(&me),
        Some(&format!("squad={sq}")),
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text());
    let old = call(
        &app,
        "GET",
        &format!("/s/{}", volunteer_token(sq)),
        None,
        None,
    )
    .await;
    assert_eq!(old.status, StatusCode::NOT_FOUND);
    let new_token = store.volunteer_links(dayplan::demo::DEMO_OFFICE).unwrap()[0]
        .1
        .clone();
    assert!(made.text().contains(&format!("/s/{new_token}")));
    let phone = call(&app, "GET", &format!("/s/{new_token}"), None, None).await;
    assert!(
        phone.status == StatusCode::OK || phone.status == StatusCode::NOT_FOUND,
        "a squad without a route has no page yet"
    );

    // Adding a desk shows its one-time link once; the desk signs in with it.
    let added = browse(
        &app,
        "POST",
        "/console/people",
        Some(&me),
        Some("name=%E6%9D%8E%E5%8F%B0&role=desk"),
    )
    .await;
    assert_eq!(added.status, StatusCode::OK);
    let t = added.text();
    let at = t
        .find("http://console.test/signin/")
        .expect("the link is shown");
    let link = &t[at + "http://console.test".len()..];
    let link = &link[..link.find('<').unwrap()];
    let r = browse(&app, "GET", link, None, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let desk = r.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .trim_start_matches("lm_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    // A desk reads the board but does not manage people.
    assert_eq!(
        browse(
            &app,
            "GET",
            &format!("/console/plans/{id}"),
            Some(&desk),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        browse(&app, "GET", "/console/people", Some(&desk), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        browse(
            &app,
            "POST",
            "/console/links",
            Some(&desk),
            Some("squad=S01")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // Another office's coordinator: the plan is not found, its sheets neither.
    let other = sign_in(
        &app,
        &store,
        "another-office",
        "赵",
        PersonRole::Coordinator,
    )
    .await;
    for uri in [
        format!("/console/plans/{id}"),
        format!("/console/plans/{id}/print"),
        format!("/console/plans/{id}/sheets/{}", squads[0]),
    ] {
        assert_eq!(
            browse(&app, "GET", &uri, Some(&other), None).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
    assert!(!browse(&app, "GET", "/console", Some(&other), None)
        .await
        .text()
        .contains(&id));

    // A form posted from another site is refused, whatever the cookie.
    let req = Request::builder()
        .method("POST")
        .uri("/console/links")
        .header(header::HOST, "console.test")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::COOKIE, format!("lm_session={me}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("squad=S01"))
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::FORBIDDEN);

    // Signing out ends the session.
    assert_eq!(
        browse(&app, "POST", "/signout", Some(&me), Some(""))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        browse(&app, "GET", "/console", Some(&me), None)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}
