//! What the sheets say about two echelons: on a van's sheet, the parcels of
//! each drop per walking squad; on a walking squad's sheet, from when and by
//! whom its goods wait at the gate; and why a parcel whose drop no van made
//! is unserved.

use std::collections::HashMap;

use solver::problem::Time;
use solver::solution::{ActivityKind, Solution};

use crate::convert::request_weight_kg;
use crate::dto::*;
use crate::sheet::{SheetItem, SheetStop};

/// Who drops and who collects what, read from a solution of a day with
/// gate drops. Empty (and free) on other days.
#[derive(Default)]
pub(crate) struct GateView {
    /// Request index of each parcel's drop.
    drop_of: HashMap<usize, usize>,
    /// Per served drop: the squad and when it leaves the gate.
    dropped: HashMap<usize, (usize, Time)>,
    /// Per parcel collected: the squad collecting it.
    collected_by: HashMap<usize, usize>,
    /// Ids of the drop requests.
    drops: std::collections::HashSet<String>,
    /// Per drop: the request indices of its parcels (found once, not per stop).
    parcels_of: HashMap<usize, Vec<usize>>,
}

impl GateView {
    pub fn of(day: &DayRequest, solution: &Solution) -> Self {
        if day.requests.iter().all(|r| r.gate_drop.is_none()) {
            return GateView::default();
        }
        let index: HashMap<&str, usize> = day
            .requests
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i))
            .collect();
        let mut v = GateView::default();
        for (d, r) in day.requests.iter().enumerate() {
            if r.gate_drop.is_some() {
                v.drops.insert(r.id.clone());
            }
            for p in r.gate_drop.iter().flat_map(|g| &g.parcels) {
                if let Some(&i) = index.get(p.as_str()) {
                    v.drop_of.insert(i, d);
                    v.parcels_of.entry(d).or_default().push(i);
                }
            }
        }
        for route in &solution.routes {
            let k = route.vehicle.get();
            for a in &route.activities {
                match a.kind {
                    ActivityKind::Delivery(j) if day.requests[j.get()].gate_drop.is_some() => {
                        v.dropped.insert(j.get(), (k, a.departure));
                    }
                    ActivityKind::ShipmentPickup(j) => {
                        v.collected_by.insert(j.get(), k);
                    }
                    _ => {}
                }
            }
        }
        v
    }

    /// Whether request `id` is a van's drop at a gate (not a resident's door).
    pub fn is_drop(&self, id: &str) -> bool {
        self.drops.contains(id)
    }

    /// Fills in a stop of the sheet: a drop lists its parcels per walking
    /// squad; a collection at a gate says from when the goods wait there.
    pub fn annotate(&self, day: &DayRequest, stop: &mut SheetStop, req: Option<usize>) {
        let Some(j) = req else { return };
        let r = &day.requests[j];
        if r.gate_drop.is_some() {
            stop.gate_drop = true;
            let mut per_squad: Vec<(String, Vec<&str>, f64)> = Vec::new();
            let mut waiting: (Vec<&str>, f64) = (Vec::new(), 0.0);
            for &i in self.parcels_of.get(&j).into_iter().flatten() {
                let p = day.requests[i].id.as_str();
                let w = request_weight_kg(&day.requests[i]);
                match self.collected_by.get(&i) {
                    Some(&k) => {
                        let sq = &day.squads[k].id;
                        match per_squad.iter_mut().find(|x| &x.0 == sq) {
                            Some(x) => {
                                x.1.push(p);
                                x.2 += w;
                            }
                            None => per_squad.push((sq.clone(), vec![p], w)),
                        }
                    }
                    None => {
                        waiting.0.push(p);
                        waiting.1 += w;
                    }
                }
            }
            per_squad.sort_by(|a, b| a.0.cmp(&b.0));
            stop.items = per_squad
                .into_iter()
                .map(|(sq, ps, w)| SheetItem {
                    name: format!("→ {sq}: {}", ps.join(" ")),
                    quantity: 1,
                    weight_kg: (w * 10.0).round() / 10.0,
                    kind: ItemKind::Other,
                })
                .collect();
            if !waiting.0.is_empty() {
                stop.items.push(SheetItem {
                    name: format!("→ 暂无人取 not collected today: {}", waiting.0.join(" ")),
                    quantity: 1,
                    weight_kg: (waiting.1 * 10.0).round() / 10.0,
                    kind: ItemKind::Other,
                });
            }
            return;
        }
        if stop.kind == StopKind::Pickup {
            if let Some(&(k, at)) = self.drop_of.get(&j).and_then(|d| self.dropped.get(d)) {
                let note = format!(
                    "货物 {} 由 {} 送到 · goods at the gate from {} (van {})",
                    Clock::format(at),
                    day.squads[k].id,
                    Clock::format(at),
                    day.squads[k].id
                );
                stop.notes = Some(match stop.notes.take() {
                    Some(n) => format!("{note}; {n}"),
                    None => note,
                });
            }
        }
    }

    /// Why a parcel is unserved when its drop was not made, if so.
    pub fn unserved_parcel(&self, day: &DayRequest, j: usize) -> Option<String> {
        let d = *self.drop_of.get(&j)?;
        if self.dropped.contains_key(&d) {
            return None;
        }
        let g = day.requests[d].gate_drop.as_ref()?;
        Some(format!(
            "its goods cannot be brought to gate {} in time (drop {} unserved): add a van or tricycle, or let vehicles enter the compound",
            g.gate, day.requests[d].id
        ))
    }
}
