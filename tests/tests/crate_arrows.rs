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
    (
        "lastmile",
        &["api", "desk", "dayplan", "solver", "geo-data"],
    ),
];

#[test]
fn crates_depend_one_way() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
            wrong.push(format!(
                "{name}: a crate the arrows do not list (add it to ARCHITECTURE.md and here)"
            ));
            continue;
        };
        for d in deps {
            if !allowed.contains(d) {
                wrong.push(format!("{name} → {d} is not an allowed arrow"));
            }
        }
    }
    for (name, _) in ALLOWED {
        assert!(
            seen.contains_key(name),
            "crate {name} is missing from the workspace"
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Inside each crate, modules depend one way too: no cycle among the
/// modules' `use crate::…` / `super::…` edges (comments and unit-test files
/// left out), and two named rules: the solver's `plan.rs` (plain data) never
/// imports the search, and geo-data's query modules never import
/// `prepared.rs` (they read a `QueryGraph`).
#[test]
fn modules_depend_one_way() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut wrong = Vec::new();
    for krate in ["solver", "geo-data", "dayplan", "desk", "api", "lastmile"] {
        let edges = module_edges(&root.join(krate).join("src"));
        if let Some(cycle) = find_cycle(&edges) {
            wrong.push(format!(
                "{krate}: modules in a cycle: {}",
                cycle.join(" → ")
            ));
        }
        let uses = |from: &str, to: &str| edges.get(from).is_some_and(|d| d.contains(to));
        if krate == "solver" && uses("plan", "search") {
            wrong.push("solver: plan.rs imports search".into());
        }
        if krate == "geo-data" {
            for m in ["matrix", "path", "point_index"] {
                if uses(m, "prepared") {
                    wrong.push(format!("geo-data: {m}.rs imports prepared.rs"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Module name (top-level: `search`, not `search::ops`) → the top-level
/// modules it names through `crate::`.  Only top-level edges: a parent and
/// its children are one room.
fn module_edges(src: &std::path::Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let top = |path: &std::path::Path| -> String {
        let rel = path.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_string()
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mods: BTreeSet<String> = files.iter().map(|f| top(f)).collect();
    for f in &files {
        if f.file_name()
            .is_some_and(|n| n == "tests.rs" || n.to_string_lossy().starts_with("tests_"))
        {
            continue;
        }
        let from = top(f);
        let text = std::fs::read_to_string(f).unwrap();
        // Stop at inline unit tests: they may reach anywhere.
        let code = text.split("#[cfg(test)]\nmod tests {").next().unwrap();
        for line in code.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
            let mut rest = line;
            while let Some(i) = rest.find("crate::") {
                rest = &rest[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if name != from && mods.contains(&name) {
                    edges.entry(from.clone()).or_default().insert(name);
                }
            }
        }
    }
    edges
}

/// One cycle of the graph, if there is one (depth-first search).
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let at = path.iter().position(|p| p == n).unwrap();
                let mut cycle = path[at..].to_vec();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if let Some(c) = visit(n, edges, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}
