//! A lockdown day on the made-up district (five compounds whose gates are the
//! only vehicle entrances), fair shares, and one resident one volunteer,
//! through the planner the service runs. Every plan passes the solver's
//! checker and the day's own rules (`day_check`), checked on the published
//! result as a client reads it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use dayplan::assemble::assemble;
use dayplan::convert::snap_day;
use dayplan::demo::{district_day, DemoConfig};
use dayplan::dto::*;
use dayplan::plan::Budget;
use dayplan::{plan_day, Planned};
use geo_data::PreparedGraphs;

fn graphs() -> Arc<PreparedGraphs> {
    static G: OnceLock<Arc<PreparedGraphs>> = OnceLock::new();
    G.get_or_init(|| Arc::new(geo_data::district::prepared()))
        .clone()
}

fn day(requests: usize, squads: usize, seed: u64, lockdown: bool, balance: Balance) -> DayRequest {
    district_day(&DemoConfig {
        lockdown,
        balance,
        ..DemoConfig::small(requests, squads, seed)
    })
}

fn plan(day: &DayRequest, seconds: f64) -> (Planned, PlanResult) {
    let g = graphs();
    let snapped = snap_day(day, &g).expect("the district day snaps");
    let budget = Budget {
        time: Duration::from_secs_f64(seconds),
        threads: 1,
        ..Budget::default()
    };
    let p = plan_day(day, snapped, &g, &budget).expect("the day plans");
    let r = assemble(
        "t",
        1,
        &p.day,
        &p.problem,
        &p.solution,
        &p.snapped,
        &g,
        false,
    )
    .result;
    (p, r)
}

/// Every request of the posted day exactly once: a door stop, or unserved.
fn assert_conserved(posted: &DayRequest, r: &PlanResult) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for route in &r.routes {
        for s in &route.stops {
            if matches!(s.kind, StopKind::Delivery | StopKind::Visit) {
                *seen.entry(s.request.as_deref().unwrap()).or_default() += 1;
            }
        }
    }
    for u in &r.unserved {
        *seen.entry(u.request.as_str()).or_default() += 1;
    }
    for q in &posted.requests {
        assert_eq!(seen.get(q.id.as_str()), Some(&1), "request {} once", q.id);
    }
}

#[test]
fn lockdown_day_vans_drop_at_gates_and_walkers_carry_to_the_doors() {
    let posted = day(120, 10, 3, true, Balance::Off);
    assert!(dayplan::echelon::applies(&posted));
    let (p, r) = plan(&posted, 3.0);
    let report = p.echelons.clone().expect("two echelons");
    assert!(report.parcels > 0 && report.drops > 0, "{report:?}");
    assert_eq!(solver::check::check(&p.problem, &p.solution), vec![]);
    assert_eq!(
        dayplan::day_check::violations(&p.day, &r),
        Vec::<String>::new()
    );
    assert_conserved(&posted, &r);
    assert_eq!(r.summary.requests, posted.requests.len());
    assert_eq!(r.summary.gate_drops, report.drops);

    // Doors behind a fence: on foot only; each routed parcel collected at a
    // gate of its own compound, after its drop.
    let members = dayplan::compound::membership(&p.day);
    let squad: HashMap<&str, &Squad> = p.day.squads.iter().map(|s| (s.id.as_str(), s)).collect();
    let index: HashMap<&str, usize> = p
        .day
        .requests
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id.as_str(), i))
        .collect();
    let mut collected = HashSet::new();
    let mut doors_in_compounds = 0;
    for route in &r.routes {
        let on_foot = squad[route.squad.as_str()].profile == Profile::Walk;
        for s in &route.stops {
            let Some(q) = s.request.as_deref() else {
                continue;
            };
            let i = index[q];
            match s.kind {
                StopKind::Pickup => {
                    // A parcel at a gate of its own compound; a pharmacy
                    // order at its pharmacy, fetched on foot.
                    if let Some(c) = members[i] {
                        let at = s.depot.as_deref().unwrap();
                        match &posted.requests[i].pickup {
                            Some(own) => assert_eq!(at, own),
                            None => {
                                assert!(p.day.compounds[c].gates.iter().any(|g| g == at));
                                collected.insert(q);
                            }
                        }
                    }
                }
                StopKind::Delivery | StopKind::Visit if members[i].is_some() => {
                    assert!(on_foot, "{} is not on foot at {q}", route.squad);
                    doors_in_compounds += 1;
                }
                StopKind::Delivery if p.day.requests[i].gate_drop.is_some() => {
                    assert!(!on_foot, "a walking squad makes a van drop");
                }
                _ => {}
            }
        }
    }
    assert!(doors_in_compounds > 0 && !collected.is_empty());
    // Each served drop's sheet lists its parcels per walking squad.
    let a = assemble(
        "t",
        1,
        &p.day,
        &p.problem,
        &p.solution,
        &p.snapped,
        &graphs(),
        false,
    );
    let drop_stops: Vec<_> = a
        .sheets
        .iter()
        .flat_map(|s| &s.stops)
        .filter(|s| s.gate_drop)
        .collect();
    assert!(!drop_stops.is_empty());
    assert!(drop_stops
        .iter()
        .all(|s| s.items.iter().all(|i| i.name.starts_with('→'))));
}

#[test]
fn without_a_lockdown_the_day_is_planned_in_one_echelon() {
    let posted = day(60, 10, 4, false, Balance::Off);
    assert!(!dayplan::echelon::applies(&posted));
    let (p, r) = plan(&posted, 1.0);
    assert!(p.echelons.is_none());
    assert_eq!(r.summary.gate_drops, 0);
    assert_conserved(&posted, &r);
}

#[test]
fn fair_shares_even_out_the_walking_days() {
    let spread = |balance| {
        let posted = day(150, 8, 5, false, balance);
        let (p, r) = plan(&posted, 3.0);
        assert_eq!(solver::check::check(&p.problem, &p.solution), vec![]);
        assert_conserved(&posted, &r);
        let walk = r
            .summary
            .shares
            .iter()
            .find(|s| s.profile == Profile::Walk)
            .cloned()
            .unwrap();
        (walk.spread, walk.working_s)
    };
    let (off, off_work) = spread(Balance::Off);
    let (fair, fair_work) = spread(Balance::Fair);
    assert!(
        fair < off,
        "fair spread {fair} should be below {off} (working {fair_work} s vs {off_work} s)"
    );
}

#[test]
fn a_resident_stays_with_their_squad() {
    let mut posted = day(60, 6, 6, false, Balance::Off);
    let own = posted.squads[1].id.clone();
    let other = posted.squads[2].id.clone();
    for q in posted.requests.iter_mut().take(6) {
        q.squad = Some(own.clone());
    }
    posted.options.preferred_squad_penalty_s = 100_000;
    for q in posted.requests.iter_mut().skip(6).take(4) {
        q.preferred_squad = Some(other.clone());
    }
    let (p, r) = plan(&posted, 2.0);
    assert_eq!(solver::check::check(&p.problem, &p.solution), vec![]);
    assert_eq!(
        dayplan::day_check::violations(&p.day, &r),
        Vec::<String>::new()
    );
    let served_by: HashMap<&str, &str> = r
        .routes
        .iter()
        .flat_map(|rt| rt.stops.iter().map(move |s| (s, rt.squad.as_str())))
        .filter(|(s, _)| matches!(s.kind, StopKind::Delivery | StopKind::Visit))
        .map(|(s, sq)| (s.request.as_deref().unwrap(), sq))
        .collect();
    for q in posted.requests.iter().take(6) {
        match served_by.get(q.id.as_str()) {
            Some(sq) => assert_eq!(*sq, own),
            None => {
                let u = r.unserved.iter().find(|u| u.request == q.id).unwrap();
                assert_eq!(u.reason, UnservedReason::SquadCannotServe);
                assert!(u.explanation.contains(&own), "{}", u.explanation);
            }
        }
    }
    for q in posted.requests.iter().skip(6).take(4) {
        if let Some(sq) = served_by.get(q.id.as_str()) {
            assert_eq!(*sq, other, "{} prefers {other}", q.id);
        }
    }
}

#[test]
fn compound_and_pairing_mistakes_are_named() {
    let mut d = day(10, 10, 7, true, Balance::Off);
    d.compounds[0].gates.push("nowhere".into());
    let van = d
        .squads
        .iter()
        .find(|s| s.profile == Profile::Car)
        .unwrap()
        .id
        .clone();
    let inside = d.compounds[1].buildings[0].clone();
    d.requests[0].building = Some(inside);
    d.requests[0].squad = Some(van);
    d.requests[1].squad = Some("S99".into());
    d.requests[2].squad = Some(d.squads[0].id.clone());
    d.requests[2].preferred_squad = Some(d.squads[1].id.clone());
    let errs = dayplan::validate::check_day(&mut d).unwrap_err();
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    for want in [
        "compounds[0].gates[2]",
        "requests[0].squad",
        "requests[1].squad",
        "requests[2].preferred_squad",
    ] {
        assert!(paths.contains(&want), "{want} missing in {paths:?}");
    }
}
