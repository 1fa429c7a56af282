//! Marks the real-data tests as ignored, with the reason, when the shared
//! data are absent, so `cargo test` shows them in its summary ("1 ignored")
//! instead of a silent `ok`. Under `CI=true` nothing is ignored: such a test
//! runs and fails on the missing data. See the README, "Tests".

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(lastmile_no_shared_osm)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=LASTMILE_SHARED_DATA");
    let root = std::env::var_os("LASTMILE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../../shared/data")
        });
    let osm = root.join("osm");
    let has_extract = std::fs::read_dir(&osm).is_ok_and(|d| {
        d.filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(".osm.pbf"))
    });
    // Watch the nearest folder that exists, where the data would appear.
    if let Some(dir) = [osm.clone(), root.clone()].into_iter().find(|d| d.is_dir()) {
        println!("cargo::rerun-if-changed={}", dir.display());
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !in_ci && !has_extract {
        println!("cargo::rustc-cfg=lastmile_no_shared_osm");
    }
}
