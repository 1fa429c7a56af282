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
    // The day must have gone down every path it claims to test.
    // Reordering is priced exactly now and seldom beats keeping the printed
    // order on this small day, and whether it is offered depends on a
    // time-limited solve: reported, not required (a fixture where reordering
    // reliably pays is still to be written; the property tests check every
    // reordered option that is offered).
    eprintln!("reordering options offered {offered}, committed {reordered}");
    assert!(
        retries_inserted >= 1,
        "no failed delivery came back on a route"
    );
    println!("urgent committed {committed} ({reordered} with a new order, {offered} offered), reported {}, failures {failed_n}, retries inserted {retries_inserted}", reported.len());
}
