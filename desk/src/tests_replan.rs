//! Re-planning a day under way, and the desk's suggestion of a new squad
//! when no squad can take an order: on the made-up district, through the
//! in-memory office.

use std::collections::HashSet;

use solver::problem::VehicleIdx;

use crate::office::{record_progress, replan, row, warm_state, Office};
use crate::options::{depot_suggestion, DepotSuggestion};
use crate::order::{point_travel, resolve_order};
use crate::tests_sheets::printed;
use crate::travel::DoorTravel;
use dayplan::demo::{district_day, DemoConfig};
use dayplan::dto::*;

fn day_of(requests: usize, squads: usize, seed: u64) -> DayRequest {
    district_day(&DemoConfig::small(requests, squads, seed))
}

/// At 10:30 with nobody reporting anything, the plan breaks nothing (the
/// finding: 550 violations before, because every squad was taken to leave
/// at 10:30), and a dry run names every request it leaves unserved.
#[test]
fn replan_of_a_silent_morning_is_the_sheets() {
    let engine = Office::new(super::tests::graphs());
    let id = engine.plan_now(day_of(120, 9, 21)).expect("planned");
    let now = 10 * 3600 + 1800;
    let r0 = engine.stored(&id);
    let input = ReplanIn {
        based_on_version: row(&engine, &id).version,
        budget_s: Some(1),
        change_penalty_s: None,
        mode: None,
        now: Some(Clock(now as u32)),
        dry_run: true,
        allow_fewer: false,
    };
    let v = replan(&engine, &row(&engine, &id), &input).unwrap();
    assert_eq!(v.violations_before, 0, "{v:?}");
    assert_eq!(v.unserved_before, r0.unserved.len(), "{v:?}");
    assert_eq!(
        v.unserved.len(),
        v.unserved_after,
        "every unserved request named: {v:?}"
    );
    assert!(v.unserved.iter().all(|u| !u.explanation.is_empty()));
    let named: HashSet<&str> = v.unserved.iter().map(|u| u.request.as_str()).collect();
    assert!(v.newly_unserved.iter().all(|q| named.contains(q.as_str())));
    // For real: stored only if it serves at least as many; sheets not changed keep their times.
    let real = ReplanIn {
        dry_run: false,
        ..input
    };
    let served = |r: &PlanResult| {
        r.routes
            .iter()
            .flat_map(|x| &x.stops)
            .filter(|s| matches!(s.kind, StopKind::Delivery | StopKind::Visit))
            .count()
    };
    match replan(&engine, &row(&engine, &id), &real) {
        Ok(v) => {
            let r1 = engine.stored(&id);
            assert!(served(&r1) >= served(&r0), "{v:?}");
            for s in &v.sheets {
                if !s.changed {
                    assert_eq!(
                        printed(&r1, &s.squad),
                        printed(&r0, &s.squad),
                        "{} re-timed",
                        s.squad
                    );
                }
            }
        }
        Err(e) => {
            let msg = format!("{e:?}");
            assert!(
                !v.newly_unserved.is_empty() || v.violations_after > 0,
                "refused without a reason: {msg}"
            );
            if let Some(q) = v.newly_unserved.first() {
                assert!(
                    msg.contains(q.as_str()),
                    "the refusal names what it would drop: {msg}"
                );
            }
        }
    }
}

/// A squad that said it started at 08:00 and nothing since is late by its
/// own account at 11:30: a re-plan that would drop requests to catch up is
/// refused by default, naming them, and stored with `allow_fewer`.
#[test]
fn replan_never_serves_fewer_by_default() {
    let engine = Office::new(super::tests::graphs());
    let id = engine.plan_now(day_of(120, 6, 7)).expect("planned");
    let r0 = engine.stored(&id);
    for r in &r0.routes {
        let ev = ProgressIn {
            event: ProgressKind::Started,
            request: None,
            at: Some(Clock(8 * 3600)),
            reason: None,
            retry: None,
            retry_after: None,
            lat: None,
            lon: None,
            event_id: None,
        };
        record_progress(&engine, &row(&engine, &id), &r.squad, ev).unwrap();
    }
    let now = 11 * 3600 + 1800;
    let input = ReplanIn {
        based_on_version: row(&engine, &id).version,
        budget_s: Some(1),
        change_penalty_s: None,
        mode: None,
        now: Some(Clock(now as u32)),
        dry_run: true,
        allow_fewer: false,
    };
    let dry = replan(&engine, &row(&engine, &id), &input).unwrap();
    assert!(
        !dry.newly_unserved.is_empty(),
        "the case must drop something: {dry:?}"
    );
    let named: HashSet<&str> = dry.unserved.iter().map(|u| u.request.as_str()).collect();
    for q in &dry.newly_unserved {
        assert!(named.contains(q.as_str()), "{q} dropped without a reason");
    }
    let real = ReplanIn {
        dry_run: false,
        ..input.clone()
    };
    let err = replan(&engine, &row(&engine, &id), &real).unwrap_err();
    let msg = format!("{err:?}");
    assert!(msg.contains(dry.newly_unserved[0].as_str()), "{msg}");
    assert_eq!(
        row(&engine, &id).version,
        input.based_on_version,
        "nothing stored"
    );
    // Asked for, it is stored (unless it would break more than the plan does).
    match replan(
        &engine,
        &row(&engine, &id),
        &ReplanIn {
            allow_fewer: true,
            ..real
        },
    ) {
        Ok(v) => assert_eq!(v.plan_version, input.based_on_version + 1),
        Err(e) => assert!(format!("{e:?}").contains("constraints"), "{e:?}"),
    }
}

/// The "new squad from a depot" suggestion travels as the squads based
/// there do (it priced every depot on the first profile).
#[test]
fn depot_suggestion_uses_each_squads_own_mode() {
    let engine = Office::new(super::tests::graphs());
    let mut day = day_of(40, 5, 3);
    // The first profile in use is walking; the tricycle squad (S05) is faster.
    assert_eq!(day.squads[0].profile, Profile::Walk);
    assert_eq!(day.squads[4].profile, Profile::Bike);
    let places: Vec<(f64, f64)> = day.buildings.iter().map(|b| (b.lat, b.lon)).collect();
    day.squads[4].skills = vec!["tricycle-only".into()];
    let id = engine.plan_now(day).expect("planned");
    let now = 9 * 3600;
    let mut checked = 0;
    for (i, p) in places.iter().enumerate().take(12) {
        let req: Request = serde_json::from_value(serde_json::json!({
            "id": format!("D{i}"), "lat": p.0, "lon": p.1, "kind": "visit", "skills": ["tricycle-only"],
        }))
        .unwrap();
        let arc = warm_state(&engine, &row(&engine, &id)).unwrap();
        let mut st = arc.lock().unwrap();
        let order =
            resolve_order(&st, Some(&req), None, Some(Clock(now as u32 + 7200)), now).unwrap();
        let travel = point_travel(&engine.graphs, &mut st, order.point).unwrap();
        let got =
            depot_suggestion(&st, &order.candidate, &travel, now).expect("the tricycle can go");
        // Only the tricycle has the skill: its depot, on its own profile.
        let v = st.problem.vehicle(VehicleIdx(4));
        let (t, _) = travel.to_door(v.profile.get(), v.start.unwrap()).unwrap();
        assert_eq!(
            got,
            DepotSuggestion {
                eta: (now + t).max(order.lo),
                depot: v.start.unwrap().get(),
                profile: Profile::Bike
            }
        );
        let (walk_t, _) = travel.to_door(0, v.start.unwrap()).unwrap();
        checked += usize::from(walk_t != t);
    }
    assert!(
        checked >= 6,
        "walking and cycling must differ for the test to mean anything ({checked})"
    );
}
