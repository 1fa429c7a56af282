//! A day simulated stop by stop on the made-up district: squads start and
//! work through their sheets at the planned times, some deliveries fail and
//! come back, urgent orders arrive and are committed when an option breaks
//! nothing. After every step the plan passes the solver's independent checker
//! and nothing done (or under way) has moved; at the end every request is
//! delivered, pending with a time, or reported with a reason.

mod common;

use std::collections::{HashMap, HashSet};

use api::warm;
use common::*;
use dayplan::dto::*;
use desk::ledger::{self, Ledger};
use solver::solution::ActivityKind;

fn plan_row(engine: &api::Engine, id: &str) -> api::store::PlanRow {
    engine.store.plan(id).unwrap().unwrap()
}

#[test]
fn a_day_under_way_stop_by_stop() {
    let dir = tmp_dir("desk-sim");
    let engine = engine(&dir);
    let day = small_day(60, 5, 11);
    let id = engine.plan_now(day.clone()).expect("planned");
    // The day starts from a plan that breaks nothing.
    {
        let arc = warm::warm_state(&engine, &plan_row(&engine, &id)).unwrap();
        let st = arc.lock().unwrap();
        let v = solver::check::check(&st.problem(), &st.solution(8 * 3600));
        assert!(v.is_empty(), "the initial plan: {v:?}");
    }
    let buildings: Vec<Building> = day.buildings.clone();
    let mut urgent_ids: Vec<String> = Vec::new();
    let mut reported: HashMap<String, String> = HashMap::new();
    let mut committed = 0;
    let mut reordered = 0;
    let mut offered = 0;
    let mut failed_n = 0;
    let mut retries_inserted = 0;
    // What each squad has done, in order: must stay first on its route forever.
    let mut done_prefix: Vec<Vec<ActivityKind>> = vec![Vec::new(); day.squads.len()];
    let mut step = 0;
    // The squads leave at 08:00 (a squad not reported started by now leaves now at the earliest).
    let mut now = 8 * 3600;
    while now <= 12 * 3600 {
        step += 1;
        let plan = plan_row(&engine, &id);
        let arc = warm::warm_state(&engine, &plan).unwrap();
        // 1. Squads progress stop by stop: each squad's next door is recorded done at
        // its planned time while that time is before the end of this step.
        let squads_n = day.squads.len();
        for k in 0..squads_n {
            loop {
                let next = {
                    let st = arc.lock().unwrap();
                    let squad = st.day().squads[k].id.clone();
                    if st.routes()[k].is_empty() {
                        None
                    } else if st.started(k).is_none() {
                        Some((
                            squad,
                            ProgressIn {
                                event: ProgressKind::Started,
                                request: None,
                                at: Some(Clock(now as u32)),
                                reason: None,
                                retry: None,
                                retry_after: None,
                                lat: None,
                                lon: None,
                                event_id: None,
                            },
                        ))
                    } else {
                        let t_k = st
                            .ledger()
                            .squads
                            .get(&squad)
                            .and_then(|l| l.done_order.last())
                            .and_then(|q| st.ledger().done.get(q))
                            .map_or(now, |d| d.at);
                        let r = st.route_schedule(k, &st.routes()[k], t_k);
                        r.activities
                            .iter()
                            .skip(st.locked()[k])
                            .find_map(|a| match a.kind {
                                ActivityKind::Delivery(j)
                                | ActivityKind::ShipmentDelivery(j)
                                | ActivityKind::Visit(j) => Some((j, a.departure)),
                                _ => None,
                            })
                            .filter(|&(_, dep)| dep <= now + 600)
                            .map(|(j, dep)| {
                                let rid = st.day().requests[j.get()].id.clone();
                                // Every 7th door has nobody home: it comes back later today.
                                let fail = j.get() % 7 == 3 && !rid.contains('~');
                                (
                                    squad,
                                    ProgressIn {
                                        event: if fail {
                                            ProgressKind::Failed
                                        } else {
                                            ProgressKind::Delivered
                                        },
                                        request: Some(rid),
                                        at: Some(Clock(dep as u32)),
                                        reason: fail.then_some(FailReason::NobodyHome),
                                        retry: None,
                                        retry_after: None,
                                        lat: None,
                                        lon: None,
                                        event_id: None,
                                    },
                                )
                            })
                    }
                };
                let Some((squad, ev)) = next else { break };
                if ev.event == ProgressKind::Failed {
                    failed_n += 1;
                }
                warm::record_progress(&engine, &plan_row(&engine, &id), &squad, ev).unwrap();
            }
        }
        let now_end = now + 600;
        // 2. Every 40 minutes an urgent order (insulin by a deadline, or a welfare check).
        if step % 4 == 0 {
            let b = &buildings[(step * 7) % buildings.len()];
            let rid = format!("U{step}");
            let visit = step % 8 == 0;
            let req: Request = serde_json::from_value(serde_json::json!({
                "id": rid, "building": b.id, "floor": 3,
                "kind": if visit { "visit" } else { "delivery" },
                "items": if visit { serde_json::json!([]) } else { serde_json::json!([{"name": "insulin", "weight_kg": 0.3, "kind": "medicine"}]) },
            }))
            .unwrap();
            urgent_ids.push(rid.clone());
            let input = UrgentIn {
                request: Some(req),
                pending: None,
                deadline: Some(Clock((now_end + 5400) as u32)),
                now: Some(Clock(now_end as u32)),
                limit: Some(3),
                // Every other step the desk lets sheets change order.
                allow_reorder: step % 2 == 0,
            };
            let opts = warm::options(&engine, &plan_row(&engine, &id), &input).unwrap();
            let clean = |o: &&InsertionOptionView| o.breaks_windows.is_empty() && !o.breaks_shift;
            offered += opts
                .options
                .iter()
                .filter(|o| o.commit.reorder.is_some())
                .count();
            // A new order is taken whenever one is offered (to exercise its commit).
            let pick = opts
                .options
                .iter()
                .filter(clean)
                .find(|o| o.commit.reorder.is_some())
                .or_else(|| opts.options.iter().find(clean));
            match pick {
                Some(o) => {
                    let c = warm::commit(&engine, &plan_row(&engine, &id), &o.commit).unwrap();
                    assert_eq!(c.squad, o.squad);
                    committed += 1;
                    reordered += o.commit.reorder.is_some() as usize;
                    if !input.allow_reorder {
                        assert_eq!(o.printed_stops_moved, 0);
                    }
                }
                None => {
                    assert!(!opts.no_fit.is_empty(), "no option and no reason");
                    reported.insert(rid, format!("{:?}", opts.no_fit[0].reason));
                }
            }
        }
        // 3. Retries due now go back in with the desk when they fit.
        if step % 3 == 0 {
            let pending: Vec<String> = {
                let st = arc.lock().unwrap();
                let routed: HashSet<String> = st
                    .routes()
                    .iter()
                    .flatten()
                    .filter_map(|a| a.job())
                    .map(|j| st.day().requests[j.get()].id.clone())
                    .collect();
                st.ledger()
                    .open_pending(&|x| routed.contains(x))
                    .iter()
                    .filter(|p| p.is_retry && p.after.is_some_and(|a| a <= now_end + 1800))
                    .map(|p| p.id.clone())
                    .collect()
            };
            for p in pending {
                let input = UrgentIn {
                    request: None,
                    pending: Some(p),
                    deadline: None,
                    now: Some(Clock(now_end as u32)),
                    limit: Some(3),
                    allow_reorder: false,
                };
                let Ok(opts) = warm::options(&engine, &plan_row(&engine, &id), &input) else {
                    continue;
                };
                if let Some(o) = opts
                    .options
                    .iter()
                    .find(|o| o.breaks_windows.is_empty() && !o.breaks_shift)
                {
                    warm::commit(&engine, &plan_row(&engine, &id), &o.commit).unwrap();
                    retries_inserted += 1;
                }
            }
        }
        // 4. Invariants after every step.
        let st = arc.lock().unwrap();
        let sol = st.solution(now_end);
        let v = solver::check::check(&st.problem(), &sol);
        assert!(
            v.is_empty(),
            "step {step} at {}: checker: {:?}",
            Clock::format(now),
            &v[..v.len().min(5)]
        );
        for k in 0..st.routes().len() {
            let prefix = &st.routes()[k][..st.locked()[k]];
            assert!(
                prefix.starts_with(&done_prefix[k]),
                "squad {k}: a done stop moved"
            );
            done_prefix[k] = prefix.to_vec();
        }
        drop(st);
        now = now_end;
    }
    // The day ends: every squad finishes.
    for s in &day.squads {
        warm::record_progress(
            &engine,
            &plan_row(&engine, &id),
            &s.id,
            ProgressIn {
                event: ProgressKind::Finished,
                request: None,
                at: Some(Clock(12 * 3600)),
                reason: None,
                retry: None,
                retry_after: None,
                lat: None,
                lon: None,
                event_id: None,
            },
        )
        .unwrap();
    }
    // Accounting from what the coordinator reads: the result with the ground truth over it.
    let (json, _) = engine.store.result(&id).unwrap().unwrap();
    let mut result: PlanResult = serde_json::from_str(&json).unwrap();
    let evs: Vec<ledger::StoredEvent> = engine
        .store
        .progress_events(&id)
        .unwrap()
        .iter()
        .map(|(_, j)| serde_json::from_str(j).unwrap())
        .collect();
    ledger::overlay(&mut result, &Ledger::replay(&evs));
    let mut fate: HashMap<String, String> = HashMap::new();
    for r in &result.routes {
        for s in &r.stops {
            if let (Some(q), StopKind::Delivery | StopKind::Visit) = (&s.request, s.kind) {
                fate.insert(q.clone(), format!("{:?}", s.status.unwrap()));
            }
        }
    }
    for u in &result.unserved {
        fate.entry(u.request.clone())
            .or_insert(format!("unserved: {}", u.explanation));
    }
    for p in &result.pending {
        assert!(
            p.when != RetryWhen::Today || p.after.is_some() || p.reason.contains("finished"),
            "pending today without a time: {p:?}"
        );
        fate.insert(p.request.clone(), format!("pending {:?}", p.when));
    }
    let stored_day: DayRequest =
        serde_json::from_str(&engine.store.request_json(&id).unwrap().unwrap()).unwrap();
    for r in &stored_day.requests {
        let f = fate
            .get(&r.id)
            .unwrap_or_else(|| panic!("request {} lost", r.id));
        assert!(
            f == "Delivered"
                || f == "Failed"
                || f.starts_with("pending")
                || f.starts_with("unserved")
                || f == "Skipped",
            "{}: {f}",
            r.id
        );
        if f == "Failed" {
            // A failed stop comes back: its retry is routed, pending, or unserved.
            assert!(
                fate.keys().any(|k| k.starts_with(&format!("{}~", r.id))),
                "failed {} has no retry",
                r.id
            );
        }
    }
    for u in &urgent_ids {
        assert!(
            fate.contains_key(u) || reported.contains_key(u),
            "urgent order {u} neither placed nor reported"
        );
    }
    assert!(committed >= 3, "only {committed} urgent orders committed");
    assert!(failed_n >= 2, "the day had {failed_n} failures");
    // The day must have gone down every path it claims to test: failed
    // doors came back on a route through the desk.
    assert!(
        retries_inserted >= 1,
        "no failed delivery came back on a route"
    );
    // Reordering is priced exactly and seldom beats keeping the printed order
    // on this small random day: here it is reported; the scene where it
    // reliably pays, and its counters, are the next test
    // (`reordering_pays_when_the_urgent_door_is_beside_the_last_stop`).
    eprintln!("reordering options offered {offered}, committed {reordered}");
    println!("urgent committed {committed} ({reordered} with a new order, {offered} offered), reported {}, failures {failed_n}, retries inserted {retries_inserted}", reported.len());
}

/// The scene where reordering a printed sheet reliably pays. One walking
/// squad leaves Hehua's gate (the middle of Renmin Road) for two doors on
/// opposite sides, one in Jinxiu Garden to the west and one in Nanyuan Estate
/// to the east, both with windows wide open: "A" is the first stop of its
/// printed sheet, "B" the second (which side comes first is the solver's
/// choice). Before it sets out, an urgent order comes in for B's building
/// with a deadline before the sheet reaches B: kept in order, the squad must
/// go to B's building first, then A, then back to B (across the map twice);
/// reordered, it goes to B's building, does B, then A. The option with a new
/// order is offered, ranks first, saves far more than the reorder penalty,
/// and after its commit `/result`, the desk's solution and the solver's
/// checker show what it announced.
#[test]
fn reordering_pays_when_the_urgent_door_is_beside_the_last_stop() {
    use desk::reorder::REORDER_PENALTY_S;
    let dir = tmp_dir("desk-reorder");
    let engine = engine(&dir);
    let mut day = small_day(2, 1, 11);
    let building_at = |name: &str| -> String {
        day.buildings
            .iter()
            .find(|b| b.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no building {name}"))
            .id
            .clone()
    };
    let (west, east) = (building_at("锦绣花园 1栋"), building_at("南苑小区 1栋"));
    day.squads.truncate(1);
    let squad = &mut day.squads[0];
    squad.id = "S01".into();
    squad.profile = Profile::Walk;
    squad.depot = "gate2".into();
    squad.end_depot = None;
    squad.shift = Shift {
        start: Clock(8 * 3600 + 1800),
        end: Clock(12 * 3600),
    };
    squad.capacity_kg = 20.0;
    squad.skills = vec![];
    let door = |id: &str, building: &str| -> Request {
        serde_json::from_value(serde_json::json!({
            "id": id, "building": building, "floor": 2, "kind": "delivery",
            "items": [{"name": "蔬菜包", "weight_kg": 3.0, "kind": "food"}],
            "windows": [{"start": "08:30", "end": "11:30"}],
        }))
        .unwrap()
    };
    day.requests = vec![door("RW", &west), door("RE", &east)];
    let id = engine.plan_now(day.clone()).expect("planned");

    // The printed sheet: which door comes first is the solver's choice (the
    // two sides are alike); A is the first, B the second.
    let sheet_of = |engine: &api::Engine| -> RouteView {
        let (json, _) = engine.store.result(&id).unwrap().unwrap();
        let r: PlanResult = serde_json::from_str(&json).unwrap();
        assert!(r.unserved.is_empty(), "{:?}", r.unserved);
        r.routes.into_iter().find(|r| r.squad == "S01").unwrap()
    };
    let before = sheet_of(&engine);
    let doors = |r: &RouteView| -> Vec<(String, i64)> {
        r.stops
            .iter()
            .filter(|s| matches!(s.kind, StopKind::Delivery | StopKind::Visit))
            .map(|s| (s.request.clone().unwrap(), s.begin_s))
            .collect()
    };
    let printed = doors(&before);
    assert_eq!(printed.len(), 2, "{before:?}");
    let (a, b) = (printed[0].0.clone(), printed[1].0.clone());
    let b_building = if b == "RE" { &east } else { &west };
    let b_arrival = before
        .stops
        .iter()
        .find(|s| s.request.as_deref() == Some(&b))
        .unwrap()
        .arrival_s;
    // Nothing is under way yet: the squad leaves at 08:30, the desk asks at 08:15.
    let now: i64 = 8 * 3600 + 900;
    assert!(before.start_s > now, "{before:?}");
    // Insulin for B's neighbour, due a minute before the sheet reaches B: after
    // A it is too late, so it comes first (and B's building is then at hand).
    let deadline = b_arrival - 60;
    let urgent: Request = serde_json::from_value(serde_json::json!({
        "id": "U1", "building": b_building, "floor": 3, "kind": "delivery",
        "items": [{"name": "insulin", "weight_kg": 0.3, "kind": "medicine"}],
    }))
    .unwrap();
    let ask = |allow_reorder: bool| -> OptionsView {
        let input = UrgentIn {
            request: Some(urgent.clone()),
            pending: None,
            deadline: Some(Clock(deadline as u32)),
            now: Some(Clock(now as u32)),
            limit: Some(3),
            allow_reorder,
        };
        warm::options(&engine, &plan_row(&engine, &id), &input).unwrap()
    };
    let clean = |o: &InsertionOptionView| o.breaks_windows.is_empty() && !o.breaks_shift;

    // Kept in order: the order first, then A, then back to B.
    let kept = ask(false);
    let keep = kept
        .options
        .first()
        .unwrap_or_else(|| panic!("{kept:?}"))
        .clone();
    assert!(clean(&keep) && keep.commit.reorder.is_none(), "{keep:?}");
    assert_eq!(keep.printed_stops_moved, 0);
    assert_eq!(keep.insert_after_seq, 0, "the order comes first: {keep:?}");

    // Reordering allowed: counted as the day simulation counts them.
    let view = ask(true);
    let offered = view
        .options
        .iter()
        .filter(|o| o.commit.reorder.is_some())
        .count();
    assert!(offered > 0, "no reordering option offered: {view:?}");
    let o = view.options[0].clone();
    assert!(
        o.commit.reorder.is_some() && clean(&o),
        "the reordered option ranks first and breaks nothing: {view:?}"
    );
    let labels = o.commit.reorder.clone().unwrap();
    let door_labels: Vec<&str> = labels
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("pickup ") && *l != "reload")
        .collect();
    assert_eq!(door_labels, ["U1", b.as_str(), a.as_str()], "{o:?}");
    assert_eq!(o.printed_stops_moved, 1, "{o:?}");
    assert_eq!(o.eta_s, keep.eta_s, "both go to the order first");
    // Saves a walk across the map, far more than the penalty for the stops moved.
    let saved = keep.added_s - o.added_s;
    assert!(
        saved > 4 * REORDER_PENALTY_S * o.printed_stops_moved as i64,
        "kept {} s, reordered {} s",
        keep.added_s,
        o.added_s
    );
    println!(
        "keep order: added {} s ({} m); reordered: added {} s ({} m), {} printed stop moved; ETA {}",
        keep.added_s, keep.added_m, o.added_s, o.added_m, o.printed_stops_moved, o.eta
    );

    let v_before = {
        let arc = warm::warm_state(&engine, &plan_row(&engine, &id)).unwrap();
        let st = arc.lock().unwrap();
        solver::check::check(&st.problem(), &st.solution(now)).len()
    };
    assert_eq!(v_before, 0);
    let c = warm::commit(&engine, &plan_row(&engine, &id), &o.commit).unwrap();
    let reordered = usize::from(o.commit.reorder.is_some());
    assert_eq!((c.squad.as_str(), c.eta.as_str()), ("S01", o.eta.as_str()));
    assert_eq!(c.sheets_changed, ["S01"]);
    assert!(reordered > 0);

    // What the coordinator reads now: the order at the announced ETA, the
    // new order of the doors, the announced added time.
    let after = sheet_of(&engine);
    let now_doors = doors(&after);
    let ids: Vec<&str> = now_doors.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(ids, ["U1", b.as_str(), a.as_str()], "{after:?}");
    assert_eq!(
        now_doors[0].1, o.eta_s,
        "/result's ETA of the order: {after:?}"
    );
    assert_eq!(
        after.start_s, before.start_s,
        "the squad leaves when its sheet said"
    );
    assert_eq!(
        after.end_s - before.end_s,
        o.added_s,
        "added time: {after:?}"
    );
    let moved = {
        let (old, new): (Vec<&str>, Vec<&str>) = (
            printed.iter().map(|d| d.0.as_str()).collect(),
            ids.iter().copied().filter(|x| *x != "U1").collect(),
        );
        // Printed doors left out of the longest run kept in order.
        let mut dp = vec![vec![0usize; new.len() + 1]; old.len() + 1];
        for i in 0..old.len() {
            for j in 0..new.len() {
                dp[i + 1][j + 1] = if old[i] == new[j] {
                    dp[i][j] + 1
                } else {
                    dp[i][j + 1].max(dp[i + 1][j])
                };
            }
        }
        old.len() - dp[old.len()][new.len()]
    };
    assert_eq!(moved, o.printed_stops_moved);
    // The desk's state agrees and the solver's checker finds nothing wrong.
    let arc = warm::warm_state(&engine, &plan_row(&engine, &id)).unwrap();
    let st = arc.lock().unwrap();
    let sol = st.solution(now);
    let v = solver::check::check(&st.problem(), &sol);
    assert!(v.is_empty(), "checker after the reordered commit: {v:?}");
    let u = st.job_of("U1").expect("the order joined the day");
    let at = sol
        .routes
        .iter()
        .flat_map(|r| &r.activities)
        .find(|x| {
            matches!(x.kind, ActivityKind::Delivery(j) | ActivityKind::ShipmentDelivery(j) if j.get() == u)
        })
        .expect("the order is routed");
    assert_eq!(at.begin, o.eta_s, "the desk's solution: ETA of the order");
    println!("reordering options offered {offered}, committed {reordered}");
}
