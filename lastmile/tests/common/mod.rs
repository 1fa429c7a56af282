//! Set-up shared by the binary's tests: a temporary folder, a coordinator
//! token and a small day on the made-up district.
#![allow(dead_code)]

use std::path::PathBuf;

use dayplan::demo::{district_day, DemoConfig};
use dayplan::dto::DayRequest;

pub const COORD: &str = "coordinator-token-0001";

pub fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "lastmile-{name}-{}-{:x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A small day: `requests` requests, `squads` squads, a 1 s budget.
pub fn small_day(requests: usize, squads: usize, seed: u64) -> DayRequest {
    district_day(&DemoConfig::small(requests, squads, seed))
}
