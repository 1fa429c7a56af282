//! Shared set-up for the api tests: the made-up district, a temporary store,
//! tokens for two street offices, and a small realistic day.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use api::auth::{Access, Principal, Role};
use dayplan::demo::{district_day, DemoConfig, DEMO_OFFICE};
use dayplan::dto::DayRequest;
use api::{Engine, EngineConfig, Store};
use geo_data::PreparedGraphs;

pub const COORD: &str = "coordinator-token-0001";
pub const DESK: &str = "desk-token-00000000001";
pub const OTHER_COORD: &str = "other-office-coordinator-1";

pub fn volunteer_token(squad: &str) -> String {
    format!("volunteer-link-{squad}-000000")
}

pub fn graphs() -> Arc<PreparedGraphs> {
    static G: OnceLock<Arc<PreparedGraphs>> = OnceLock::new();
    G.get_or_init(|| {
        let (g, _) = PreparedGraphs::from_osm(
            &geo_data::district::osm_data(),
            std::path::Path::new("district"),
            &geo_data::NoProgress,
        )
        .expect("the district builds");
        Arc::new(g)
    })
    .clone()
}

pub fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "lastmile-{name}-{}-{:x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn access(squads: &[String]) -> Access {
    let mut a = Access::default();
    a.add(
        COORD,
        Principal {
            office: DEMO_OFFICE.into(),
            role: Role::Coordinator,
        },
    )
    .unwrap();
    a.add(
        DESK,
        Principal {
            office: DEMO_OFFICE.into(),
            role: Role::Desk,
        },
    )
    .unwrap();
    a.add(
        OTHER_COORD,
        Principal {
            office: "another-office".into(),
            role: Role::Coordinator,
        },
    )
    .unwrap();
    for s in squads {
        a.add(
            &volunteer_token(s),
            Principal {
                office: DEMO_OFFICE.into(),
                role: Role::Volunteer { squad: s.clone() },
            },
        )
        .unwrap();
    }
    a
}

/// A small day: `requests` requests, `squads` squads, a 1 s budget.
pub fn small_day(requests: usize, squads: usize, seed: u64) -> DayRequest {
    district_day(&DemoConfig {
        requests,
        squads,
        seed,
        budget_s: 1,
        ..DemoConfig::default()
    })
}

pub fn engine(dir: &std::path::Path) -> Arc<Engine> {
    let store = Arc::new(Store::open(&dir.join("plans.db")).unwrap());
    Engine::new(
        store,
        graphs(),
        EngineConfig {
            budget_cap: Some(Duration::from_secs(1)),
            solve_threads: 1,
            background_roads: true,
            ..EngineConfig::default()
        },
    )
}
