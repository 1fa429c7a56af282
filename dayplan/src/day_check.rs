//! The day's own rules, checked on a published result ([`PlanResult`]) as a
//! client reads it: independent of the solver model and of the planner that
//! built it (the solver's checker verifies the model; this verifies that
//! the model said what the street office meant).
//!
//! - No van or tricycle stops at a door behind a closed compound's fence.
//! - Goods are collected at a gate only after a van dropped them there, and
//!   every collected parcel's drop was made.
//! - A request with its own `squad` is served by that squad only.

use std::collections::HashMap;

use crate::compound::{closed, membership, on_foot};
use crate::dto::*;

/// Every broken rule, in words naming the squad, stop and request.
pub fn violations(day: &DayRequest, result: &PlanResult) -> Vec<String> {
    let mut out = Vec::new();
    let index: HashMap<&str, usize> = day
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let squad_of: HashMap<&str, &Squad> = day.squads.iter().map(|s| (s.id.as_str(), s)).collect();
    let members = membership(day);
    let closed = closed(day);
    // Where and when each drop was made; who collected each parcel, where, when.
    let mut dropped: HashMap<&str, (&str, i64)> = HashMap::new();
    let mut collected: Vec<(&str, &str, &str, i64)> = Vec::new();
    for route in &result.routes {
        let Some(squad) = squad_of.get(route.squad.as_str()) else {
            out.push(format!("route of unknown squad {}", route.squad));
            continue;
        };
        for s in &route.stops {
            let Some(rid) = s.request.as_deref() else {
                continue;
            };
            let Some(&i) = index.get(rid) else {
                out.push(format!(
                    "{} stop {}: unknown request {rid}",
                    route.squad, s.seq
                ));
                continue;
            };
            let r = &day.requests[i];
            match s.kind {
                StopKind::Pickup => {
                    if let Some(d) = s.depot.as_deref() {
                        collected.push((route.squad.as_str(), rid, d, s.begin_s));
                    }
                }
                StopKind::Delivery | StopKind::Visit => {
                    if let Some(g) = &r.gate_drop {
                        if on_foot(squad) {
                            out.push(format!(
                                "{} stop {}: a walking squad makes the van drop {rid}",
                                route.squad, s.seq
                            ));
                        }
                        dropped.insert(rid, (g.gate.as_str(), s.departure_s));
                    } else if closed && !on_foot(squad) {
                        if let Some(c) = members[i] {
                            out.push(format!(
                                "{} ({}) stop {}: door of {rid} inside closed compound {}",
                                route.squad,
                                squad.profile.name(),
                                s.seq,
                                day.compounds[c].id
                            ));
                        }
                    }
                    if let Some(own) = &r.squad {
                        if own != &route.squad {
                            out.push(format!(
                                "{} stop {}: {rid} belongs to squad {own}",
                                route.squad, s.seq
                            ));
                        }
                    }
                }
                StopKind::Reload => {}
            }
        }
    }
    // Each collection at a gate: after its drop, at the drop's gate.
    let drop_of: HashMap<&str, &Request> = day
        .requests
        .iter()
        .filter_map(|r| r.gate_drop.as_ref().map(|g| (g, r)))
        .flat_map(|(g, r)| g.parcels.iter().map(move |p| (p.as_str(), r)))
        .collect();
    for (squad, rid, depot, begin) in collected {
        let Some(d) = drop_of.get(rid) else { continue };
        let gate = &d.gate_drop.as_ref().expect("a drop").gate;
        match dropped.get(d.id.as_str()) {
            None => out.push(format!(
                "{squad}: collects {rid} at {depot}, but its drop {} was not made",
                d.id
            )),
            Some((g, at)) => {
                if depot != *g {
                    out.push(format!(
                        "{squad}: collects {rid} at {depot}, but its drop {} is at {gate}",
                        d.id
                    ));
                }
                if begin < *at {
                    out.push(format!(
                        "{squad}: collects {rid} at {} before the van leaves the gate at {}",
                        Clock::format(begin),
                        Clock::format(*at)
                    ));
                }
            }
        }
    }
    out
}
