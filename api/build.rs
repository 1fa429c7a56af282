//! Marks the tests whose prerequisites outside the repository are missing as
//! ignored, with the reason, so `cargo test` shows them in its summary
//! ("1 ignored") and on the test's own line instead of a silent `ok`.
//! Under `CI=true` nothing is ignored: such a test runs and fails on the
//! missing prerequisite. See the README, "Tests".
//!
//! Prerequisites checked here: Debian's Chromium and a Chinese font (the
//! printed-sheet check in tests/browser.rs), and ChromeDriver besides them for
//! the console's end-to-end tests (tests/e2e.rs); `.ci/install-deps.sh`
//! installs all three.
//! The shared OSM extracts (the real-day test on Chengdu in tests/real_day.rs),
//! as `tests/build.rs` checks them for the real-data tests.

use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(lastmile_no_browser)");
    println!("cargo::rustc-check-cfg=cfg(lastmile_no_webdriver)");
    println!("cargo::rustc-check-cfg=cfg(lastmile_no_shared_osm)");
    println!("cargo::rerun-if-env-changed=LASTMILE_SHARED_DATA");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    let chromium = Path::new(CHROMIUM).exists();
    // Watch only where an install would show up, so an unrelated change never rebuilds the crate.
    println!(
        "cargo::rerun-if-changed={}",
        if chromium { CHROMIUM } else { "/usr/bin" }
    );
    let cjk_font = Command::new("fc-list")
        .arg(":lang=zh")
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.is_empty());
    if !cjk_font && Path::new("/usr/share/fonts").is_dir() {
        println!("cargo::rerun-if-changed=/usr/share/fonts");
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !(in_ci || chromium && cjk_font) {
        println!("cargo::rustc-cfg=lastmile_no_browser");
    }
    // The console's end-to-end tests (tests/e2e.rs) drive Chromium through ChromeDriver.
    let driver = Path::new(CHROMEDRIVER).exists();
    println!(
        "cargo::rerun-if-changed={}",
        if driver { CHROMEDRIVER } else { "/usr/bin" }
    );
    if !(in_ci || chromium && cjk_font && driver) {
        println!("cargo::rustc-cfg=lastmile_no_webdriver");
    }
    let shared = std::env::var_os("LASTMILE_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../../shared/data")
        });
    let chengdu = shared.join("osm/chengdu-roads-only.osm.pbf");
    if chengdu.exists() {
        println!("cargo::rerun-if-changed={}", chengdu.display());
    }
    if !in_ci && !chengdu.exists() {
        println!("cargo::rustc-cfg=lastmile_no_shared_osm");
    }
}
