//! The crates depend on each other one way only (ARCHITECTURE.md, "Crate
//! arrows"): the binary on the service, the service on the desk, the desk on
//! the day plan, the day plan on the solver and geo-data, and those two on
//! nothing of ours. Cargo refuses cycles but not a new arrow that skips a
//! layer (the service calling the solver directly, say); this test does,
//! from `cargo metadata`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Every workspace crate of the product and the workspace crates it may use.
/// `lastmile-tests` and `lastmile-benches` sit outside the layers.
const ALLOWED: &[(&str, &[&str])] = &[
    ("solver", &[]),
    ("geo-data", &[]),
    ("dayplan", &["solver", "geo-data"]),
    ("desk", &["dayplan", "solver", "geo-data"]),
    ("api", &["desk", "dayplan", "geo-data"]),
    ("lastmile", &["api", "desk", "dayplan", "solver", "geo-data"]),
];

#[test]
fn crates_depend_one_way() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let ours: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut seen = BTreeMap::new();
    for p in packages {
        let name = p["name"].as_str().unwrap();
        if name == "lastmile-tests" || name == "lastmile-benches" {
            continue;
        }
        // Normal and build dependencies; a crate's own tests may use more (dev).
        let deps: BTreeSet<&str> = p["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].as_str() != Some("dev"))
            .filter_map(|d| d["name"].as_str())
            .filter(|d| ours.contains(d))
            .collect();
        seen.insert(name, deps);
    }
    let mut wrong = Vec::new();
    for (name, deps) in &seen {
        let Some((_, allowed)) = ALLOWED.iter().find(|(n, _)| n == name) else {
            wrong.push(format!("{name}: a crate the arrows do not list (add it to ARCHITECTURE.md and here)"));
            continue;
        };
        for d in deps {
            if !allowed.contains(d) {
                wrong.push(format!("{name} → {d} is not an allowed arrow"));
            }
        }
    }
    for (name, _) in ALLOWED {
        assert!(seen.contains_key(name), "crate {name} is missing from the workspace");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
