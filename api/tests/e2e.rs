//! The console and the volunteer's phone in a real browser: Debian's
//! headless Chromium driven through its ChromeDriver (WebDriver, with
//! fantoccini), against the service listening on a loopback port.
//!
//! - a coordinator opens their sign-in link, finds the plan, reads the
//!   board (map, squads, unserved) and opens "print all sheets";
//! - a volunteer on a 360 × 740 screen ticks two doors, the second while
//!   the phone is offline (ChromeDriver's network emulation): the tap waits
//!   in the page, goes when the network returns, and each tap is recorded
//!   exactly once, also after the page is reloaded.
//!
//! Screenshots of every screen are written to
//! `target/tmp/e2e-screens/` (look at them). Needs /usr/bin/chromium and
//! /usr/bin/chromedriver (`.ci/install-deps.sh`); without them the tests
//! are listed as ignored with the reason (api/build.rs), and fail under
//! `CI=true`.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use api::store::PersonRole;
use common::*;
use fantoccini::{Client, ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The service on a loopback port, for as long as the test runs.
async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        api::server::serve(
            listener,
            app,
            api::server::ServeLimits::default(),
            std::future::pending(),
        )
        .await;
    });
    addr
}

/// ChromeDriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn driver() -> Driver {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts (run .ci/install-deps.sh)");
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, port }
}

/// A headless Chromium window of `w` × `h` CSS pixels.
async fn browser(d: &Driver, w: u32, h: u32) -> Client {
    let profile = tmp_dir("chromium-profile");
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                format!("--window-size={w},{h}"),
                format!("--user-data-dir={}", profile.display()),
            ],
            "mobileEmulation": if w < 600 {
                serde_json::json!({"deviceMetrics": {"width": w, "height": h, "pixelRatio": 2.0}})
            } else { serde_json::Value::Null },
        }
    }))
    .unwrap();
    let mut caps = caps;
    if let Some(o) = caps
        .get_mut("goog:chromeOptions")
        .and_then(|o| o.as_object_mut())
    {
        o.retain(|_, v| !v.is_null());
    }
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", d.port))
        .await
        .expect("a Chromium session")
}

fn screens() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-screens");
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(screens().join(format!("{name}.png")), png).unwrap();
}

/// Waits up to 20 s for `cond`.
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut cond: impl FnMut() -> F) {
    let t = Instant::now();
    while !cond().await {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// ChromeDriver's own command for network emulation: offline or back.
#[derive(Debug)]
struct Network {
    offline: bool,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Network {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.unwrap_or("")
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({"network_conditions": {
            "offline": self.offline, "latency": 0,
            "download_throughput": 1_000_000, "upload_throughput": 1_000_000,
        }});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

async fn no_horizontal_scroll(c: &Client) -> bool {
    c.execute(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
        vec![],
    )
    .await
    .unwrap()
    .as_bool()
    .unwrap()
}

/// A planned small day in a running service: (base URL, plan id, store, day).
async fn planned(
    name: &str,
) -> (
    String,
    String,
    std::sync::Arc<api::Store>,
    dayplan::dto::DayRequest,
) {
    let mut day = small_day(40, 4, 5);
    day.requests[0].skills = vec!["crane".into()];
    let squads: Vec<String> = day.squads.iter().map(|s| s.id.clone()).collect();
    let engine = engine(&tmp_dir(name));
    let store = engine.store.clone();
    let app = api::app(engine, access(&squads));
    let (s, v) = coord(
        &app,
        "POST",
        "/api/v1/plans",
        Some(serde_json::to_vec(&day).unwrap()),
    )
    .await;
    assert_eq!(s, axum::http::StatusCode::ACCEPTED, "{v}");
    let id = v["plan_id"].as_str().unwrap().to_string();
    assert_eq!(wait_plan(&app, &id).await["status"], "done");
    let addr = serve(app).await;
    (format!("http://{addr}"), id, store, day)
}

#[cfg_attr(
    lastmile_no_webdriver,
    ignore = "needs /usr/bin/chromium, /usr/bin/chromedriver and a Chinese font: run .ci/install-deps.sh"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_signs_in_reads_the_board_and_prints() {
    let (base, id, store, day) = planned("e2e-coord").await;
    let d = driver();
    let c = browser(&d, 1280, 900).await;
    let person = store
        .add_person(
            dayplan::demo::DEMO_OFFICE,
            "王协调",
            PersonRole::Coordinator,
        )
        .unwrap();
    let link = api::console::session::new_signin_path(&store, person).unwrap();
    c.goto(&format!("{base}{link}")).await.unwrap();
    assert_eq!(c.current_url().await.unwrap().path(), "/console");
    shot(&c, "console-plans").await;
    c.find(Locator::Css(&format!("a[href='/console/plans/{id}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let rows = c
        .find_all(Locator::Css("main table tbody tr"))
        .await
        .unwrap();
    assert!(rows.len() >= 2, "squad rows and the unserved row");
    let text = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(&day.requests[0].id),
        "the unserved request is listed"
    );
    assert!(
        text.contains("没有具备所需资质的小分队"),
        "its reason in words"
    );
    assert!(
        c.find(Locator::Css("figure.map svg path")).await.is_ok(),
        "the map is drawn"
    );
    shot(&c, "console-board").await;
    // English on the switch, remembered.
    c.find(Locator::Css("header a[lang='en']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("Unserved requests"), "{text}");
    shot(&c, "console-board-en").await;
    c.find(Locator::Css("a[href$='/print']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let sections = c.find_all(Locator::Css("section.onesheet")).await.unwrap();
    assert!(!sections.is_empty());
    let qrs = c
        .find_all(Locator::Css("section.onesheet .qrhead svg"))
        .await
        .unwrap();
    assert_eq!(qrs.len(), sections.len(), "every sheet has its QR code");
    shot(&c, "console-print").await;
    c.close().await.unwrap();
}

#[cfg_attr(
    lastmile_no_webdriver,
    ignore = "needs /usr/bin/chromium, /usr/bin/chromedriver and a Chinese font: run .ci/install-deps.sh"
)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_ticks_two_doors_one_offline_and_each_arrives_once() {
    let (base, id, store, _day) = planned("e2e-phone").await;
    let result: dayplan::dto::PlanResult =
        serde_json::from_str(&store.result(&id).unwrap().unwrap().0).unwrap();
    let route = result
        .routes
        .iter()
        .find(|r| r.doors >= 2)
        .expect("a squad with two doors");
    let doors: Vec<String> = route
        .stops
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                dayplan::dto::StopKind::Delivery | dayplan::dto::StopKind::Visit
            )
        })
        .filter_map(|s| s.request.clone())
        .collect();
    let recorded = || store.progress_events(&id).unwrap().len();
    let d = driver();
    let c = browser(&d, 360, 740).await;
    c.goto(&format!("{base}/s/{}", volunteer_token(&route.squad)))
        .await
        .unwrap();
    assert!(
        no_horizontal_scroll(&c).await,
        "no horizontal scrolling at 360 px"
    );
    shot(&c, "phone-start").await;
    let button = |r: &str| format!("section[data-request='{r}'] button[data-event='delivered']");

    // Online: the tap is on the server at once.
    c.find(Locator::Css(&button(&doors[0])))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until("the first tap on the server", || async { recorded() == 1 }).await;

    // Offline: the tap waits in the page.
    c.issue_cmd(Network { offline: true }).await.unwrap();
    c.find(Locator::Css(&button(&doors[1])))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(recorded(), 1, "nothing reached the server while offline");
    let queued = c
        .execute("return Object.keys(localStorage).filter(k => k.startsWith('lastmile-queue-')).map(k => JSON.parse(localStorage.getItem(k)).length).reduce((a, b) => a + b, 0);", vec![])
        .await
        .unwrap();
    assert_eq!(queued.as_u64(), Some(1), "the tap is kept in the phone");
    shot(&c, "phone-offline").await;

    // Back online: the queued tap goes, once.
    c.issue_cmd(Network { offline: false }).await.unwrap();
    until("the queued tap on the server", || async { recorded() == 2 }).await;
    c.refresh().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(recorded(), 2, "a reload sends nothing twice");
    let events: Vec<String> = store
        .progress_events(&id)
        .unwrap()
        .into_iter()
        .map(|(_, j)| j)
        .collect();
    for door in &doors[..2] {
        assert_eq!(
            events
                .iter()
                .filter(|j| j.contains(&format!("\"{door}\"")))
                .count(),
            1,
            "{door} recorded once"
        );
    }
    shot(&c, "phone-after").await;
    c.close().await.unwrap();
}
