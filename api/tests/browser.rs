//! The route sheet in a real browser: Debian's headless Chromium prints it to
//! PDF (every page A4, a sensible number of pages, every stop present) and
//! renders it on an A4-wide screen (nothing wider than the printable width).
//! Needs /usr/bin/chromium and a Chinese font (`.ci/install-deps.sh` installs
//! both): without them the test is listed as ignored, with the reason (see
//! api/build.rs), and under `CI=true` it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;
use dayplan::sheet::Lang;

const CHROMIUM: &str = "/usr/bin/chromium";
/// A4 in PDF points.
const A4_PT: (f64, f64) = (595.0, 842.0);
/// A4 width at 96 px per inch, and the printable width (210 mm less 2 × 12 mm margins).
const A4_PX: u32 = 794;
const PRINTABLE_PX: f64 = 186.0 / 25.4 * 96.0;

fn chromium(profile: &Path, args: &[String], url: &str) -> std::process::Output {
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]);
    cmd.arg(format!("--user-data-dir={}", profile.display()));
    cmd.args(args).arg(url);
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    // Bounded: a hung browser must not hang CI.
    let (tx, rx) = std::sync::mpsc::channel();
    let id = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(90)) {
        Ok(out) => out.expect("chromium ran"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            panic!("chromium did not finish in 90 s");
        }
    }
}

fn pdf_pages(pdf: &[u8]) -> Vec<(f64, f64)> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox [")
        .filter_map(|(i, m)| {
            let rest = &text[i + m.len()..];
            let nums: Vec<f64> = rest
                .split(']')
                .next()?
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            (nums.len() == 4).then(|| (nums[2] - nums[0], nums[3] - nums[1]))
        })
        .collect()
}

fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[1..4], b"PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

fn sheet_html(dir: &Path) -> (PathBuf, usize, String) {
    let e = engine(dir);
    let day = small_day(80, 3, 5);
    let id = e.plan_now(day.clone()).expect("the day plans");
    // The squad with the most stops: the longest sheet.
    let res: dayplan::dto::PlanResult =
        serde_json::from_str(&e.store.result(&id).unwrap().unwrap().0).unwrap();
    let route = res
        .routes
        .iter()
        .max_by_key(|r| r.stops.len())
        .expect("a route");
    let (html, _) = e
        .store
        .sheet(&id, &route.squad, Lang::Zh.code())
        .unwrap()
        .unwrap();
    let path = dir.join("sheet.html");
    std::fs::write(&path, &html).unwrap();
    (path, route.stops.len(), html)
}

#[test]
#[cfg_attr(
    lastmile_no_browser,
    ignore = "needs /usr/bin/chromium and a Chinese font: run .ci/install-deps.sh"
)]
fn the_sheet_prints_on_a4_and_fits_the_page() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is absent: run .ci/install-deps.sh to install Debian's chromium"
    );
    let fonts = Command::new("fc-list").arg(":lang=zh").output();
    assert!(
        fonts.is_ok_and(|o| !o.stdout.is_empty()),
        "no Chinese font (fc-list :lang=zh): run .ci/install-deps.sh to install fonts-noto-cjk"
    );
    let dir = tmp_dir("browser");
    let (path, stops, html) = sheet_html(&dir);
    let url = format!("file://{}", path.display());

    let pdf_path = dir.join("sheet.pdf");
    chromium(
        &dir.join("profile-pdf"),
        &[
            "--no-pdf-header-footer".into(),
            format!("--print-to-pdf={}", pdf_path.display()),
        ],
        &url,
    );
    let pdf = std::fs::read(&pdf_path).expect("chromium wrote the PDF");
    let pages = pdf_pages(&pdf);
    assert!(!pages.is_empty(), "no page in the PDF");
    for (w, h) in &pages {
        assert!(
            (w - A4_PT.0).abs() < 2.0 && (h - A4_PT.1).abs() < 2.0,
            "page is {w} x {h} pt, not A4"
        );
    }
    // Large type costs paper, but not absurdly: at least four stops a page after the map.
    assert!(
        pages.len() <= 2 + stops / 4,
        "{} pages for {stops} stops",
        pages.len()
    );

    let png_path = dir.join("sheet.png");
    chromium(
        &dir.join("profile-png"),
        &[
            format!("--window-size={A4_PX},1400"),
            format!("--screenshot={}", png_path.display()),
        ],
        &url,
    );
    let png = std::fs::read(&png_path).expect("chromium wrote the PNG");
    assert_eq!(png_size(&png), (A4_PX, 1400));

    // Nothing sticks out of the printable width: measured in the page by the browser.
    // Shapes inside the map's <svg> are clipped to it, so the <svg> box is measured, not them.
    let probe = html.replace(
        "</body>",
        "<script>const r=Math.max(...[...document.querySelectorAll('body *')].filter(e=>!e.parentElement.closest('svg')).map(e=>e.getBoundingClientRect().right));\
         document.body.setAttribute('data-right', String(r));</script></body>",
    );
    let probe_path = dir.join("probe.html");
    std::fs::write(&probe_path, probe).unwrap();
    let out = chromium(
        &dir.join("profile-dom"),
        &[format!("--window-size={A4_PX},1400"), "--dump-dom".into()],
        &format!("file://{}", probe_path.display()),
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let right: f64 = dom
        .split("data-right=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("probe value missing from the DOM dump"));
    assert!(
        right <= PRINTABLE_PX + 1.0,
        "content reaches {right:.0} px, printable width is {PRINTABLE_PX:.0} px"
    );
    eprintln!(
        "sheet: {stops} stops, {} A4 pages, rightmost content at {right:.0} px; files in {}",
        pages.len(),
        dir.display()
    );
}
