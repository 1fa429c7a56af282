//! The day on the ground, replayed from the stored progress events alone (no
//! map, no solver): who started, which stops are done and how, and which
//! requests came back (retries) or were left behind. The desk state applies
//! it to the routes; `GET /result` and `GET /progress` read it directly.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use dayplan::dto::*;

/// One stored event: the squad and the event with `at` always filled in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredEvent {
    pub squad: String,
    pub event: ProgressIn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Failed(FailReason),
    Skipped,
}

#[derive(Clone, Debug)]
pub struct Done {
    pub squad: String,
    pub outcome: Outcome,
    pub at: i64,
}

#[derive(Clone, Debug, Default)]
pub struct SquadLedger {
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub position: Option<(f64, f64, i64)>,
    /// Requests recorded done, in the order they were recorded.
    pub done_order: Vec<String>,
}

/// A request that must come back: a retry of a failed or skipped stop, a stop
/// left when its squad finished, or a delivery that failed for good.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingEntry {
    /// The id to insert with: a new id for a retry (`R12~2`), the request's own
    /// id for a stop left behind.
    pub id: String,
    pub of: String,
    pub when: RetryWhen,
    pub after: Option<i64>,
    pub reason: String,
    /// A left-behind stop is the request itself; a retry is a new request.
    pub is_retry: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub squads: HashMap<String, SquadLedger>,
    pub done: HashMap<String, Done>,
    pub pending: Vec<PendingEntry>,
    /// The senders' names of the events recorded (`ProgressIn::event_id`):
    /// a phone that lost the answer sends its tap again, and it must not
    /// count twice.
    pub event_ids: std::collections::HashSet<String>,
}

fn root(id: &str) -> &str {
    id.split('~').next().unwrap_or(id)
}

impl Ledger {
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a StoredEvent>) -> Ledger {
        let mut l = Ledger::default();
        for e in events {
            l.apply(e);
        }
        l
    }

    /// The id a new retry of `of` gets: `R12~2`, `R12~3`, ...
    pub fn next_retry_id(&self, of: &str) -> String {
        let r = root(of);
        let n = self
            .pending
            .iter()
            .filter(|p| p.is_retry && root(&p.of) == r)
            .count();
        format!("{r}~{}", n + 2)
    }

    /// Applies one event (already checked against the routes by the desk state).
    pub fn apply(&mut self, e: &StoredEvent) {
        let ev = &e.event;
        if let Some(id) = &ev.event_id {
            self.event_ids.insert(id.clone());
        }
        let at = ev.at.map_or(0, Clock::seconds);
        let sq = self.squads.entry(e.squad.clone()).or_default();
        match ev.event {
            ProgressKind::Started => {
                sq.started_at.get_or_insert(at);
            }
            ProgressKind::Position => {
                if let (Some(lat), Some(lon)) = (ev.lat, ev.lon) {
                    sq.position = Some((lat, lon, at));
                }
            }
            ProgressKind::Finished => {
                sq.started_at.get_or_insert(at);
                sq.finished_at = Some(at);
            }
            ProgressKind::Delivered | ProgressKind::Failed | ProgressKind::Skipped => {
                let Some(req) = ev.request.clone() else {
                    return;
                };
                sq.started_at.get_or_insert(at);
                sq.done_order.push(req.clone());
                let outcome = match ev.event {
                    ProgressKind::Delivered => Outcome::Delivered,
                    ProgressKind::Failed => Outcome::Failed(ev.reason.unwrap_or(FailReason::Other)),
                    _ => Outcome::Skipped,
                };
                self.done.insert(
                    req.clone(),
                    Done {
                        squad: e.squad.clone(),
                        outcome,
                        at,
                    },
                );
                if outcome == Outcome::Delivered {
                    return;
                }
                let (when, after) = retry_policy(ev, outcome, at);
                let what = match outcome {
                    Outcome::Failed(FailReason::NobodyHome) => "nobody home",
                    Outcome::Failed(FailReason::Refused) => "refused at the door",
                    Outcome::Failed(FailReason::WrongAddress) => {
                        "wrong address: correct it before the next attempt"
                    }
                    Outcome::Failed(FailReason::Other) => "failed",
                    _ => "skipped",
                };
                let reason = format!("{what} ({} at {})", e.squad, Clock::format(at));
                let id = if when == RetryWhen::Never {
                    req.clone()
                } else {
                    self.next_retry_id(&req)
                };
                self.pending.push(PendingEntry {
                    id,
                    of: req,
                    when,
                    after,
                    reason,
                    is_retry: when != RetryWhen::Never,
                });
            }
        }
    }

    /// Requests pending (not inserted anywhere yet), given the ids now on routes.
    pub fn open_pending(&self, routed: &dyn Fn(&str) -> bool) -> Vec<&PendingEntry> {
        self.pending
            .iter()
            .filter(|p| p.when == RetryWhen::Never || !routed(&p.id))
            .collect()
    }
}

/// When a failed or skipped stop comes back.
pub fn retry_policy(ev: &ProgressIn, outcome: Outcome, at: i64) -> (RetryWhen, Option<i64>) {
    let default = match outcome {
        Outcome::Failed(FailReason::Refused) => RetryWhen::Never,
        Outcome::Failed(FailReason::WrongAddress) => RetryWhen::Tomorrow,
        _ => RetryWhen::Today,
    };
    let when = ev.retry.unwrap_or(default);
    let after = match when {
        RetryWhen::Today => Some(ev.retry_after.map_or_else(
            || {
                if outcome == Outcome::Failed(FailReason::NobodyHome) {
                    at + 3600
                } else {
                    at
                }
            },
            Clock::seconds,
        )),
        _ => None,
    };
    (when, after)
}

/// Stop statuses and pending requests written over a stored result.
pub fn overlay(result: &mut PlanResult, ledger: &Ledger) {
    if ledger.squads.is_empty() {
        return;
    }
    let routed: std::collections::HashSet<String> = result
        .routes
        .iter()
        .flat_map(|r| &r.stops)
        .filter_map(|s| s.request.clone())
        .collect();
    for r in &mut result.routes {
        let sq = ledger.squads.get(&r.squad);
        let started = sq.is_some_and(|s| s.started_at.is_some());
        let finished = sq.is_some_and(|s| s.finished_at.is_some());
        let mut first_open = true;
        for s in &mut r.stops {
            let done = s
                .request
                .as_ref()
                .and_then(|q| ledger.done.get(q))
                .filter(|d| d.squad == r.squad);
            s.status = Some(match done {
                Some(d) => {
                    s.done_at = Some(Clock::format(d.at));
                    match d.outcome {
                        Outcome::Delivered => StopStatus::Delivered,
                        Outcome::Failed(_) => StopStatus::Failed,
                        Outcome::Skipped => StopStatus::Skipped,
                    }
                }
                None if s.kind == StopKind::Reload || s.kind == StopKind::Pickup => {
                    StopStatus::Planned
                }
                None if finished => StopStatus::Skipped,
                None if started && first_open => {
                    first_open = false;
                    StopStatus::InProgress
                }
                None => StopStatus::Planned,
            });
        }
    }
    let mut pending: Vec<PendingView> = ledger
        .open_pending(&|id| routed.contains(id))
        .into_iter()
        .map(|p| PendingView {
            request: p.id.clone(),
            retry_of: p.is_retry.then(|| p.of.clone()),
            when: p.when,
            after: p.after.map(Clock::format),
            reason: p.reason.clone(),
        })
        .collect();
    // Stops left on the route of a squad that finished its day.
    for r in &result.routes {
        let Some(fin) = ledger.squads.get(&r.squad).and_then(|s| s.finished_at) else {
            continue;
        };
        for s in &r.stops {
            if let (Some(q), StopKind::Delivery | StopKind::Visit) = (&s.request, s.kind) {
                if !ledger.done.contains_key(q) {
                    pending.push(PendingView {
                        request: q.clone(),
                        retry_of: None,
                        when: RetryWhen::Today,
                        after: None,
                        reason: format!(
                            "{} finished its day at {} before this stop",
                            r.squad,
                            Clock::format(fin)
                        ),
                    });
                }
            }
        }
    }
    let listed: std::collections::HashSet<String> =
        pending.iter().map(|p| p.request.clone()).collect();
    result.unserved.retain(|u| !listed.contains(&u.request));
    result.pending = pending;
}
