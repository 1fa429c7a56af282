//! The escalation desk's inputs and views: progress from the ground, urgent
//! orders (options, commit), re-planning.

use serde::{Deserialize, Serialize};

use super::*;

/// What happened on the ground, posted by a volunteer, the desk or a coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressKind {
    /// The squad left its depot.
    Started,
    /// A stop was handed over (its pickup, if any, is done too).
    Delivered,
    /// A stop was attempted and failed (`reason` says why).
    Failed,
    /// A stop was passed without an attempt.
    Skipped,
    /// Where the squad is now (`lat`, `lon`).
    Position,
    /// The squad is back and stops for the day; stops left become pending.
    Finished,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailReason {
    NobodyHome,
    Refused,
    WrongAddress,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryWhen {
    Today,
    Tomorrow,
    /// Not retried: the request ends as failed with its reason.
    Never,
}

/// `POST /api/v1/plans/{id}/squads/{squad}/progress`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressIn {
    pub event: ProgressKind,
    /// The request of the stop (`delivered`, `failed`, `skipped`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// When it happened; defaults to the service's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Clock>,
    /// Required for `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<FailReason>,
    /// For `failed` and `skipped`: defaults by reason (nobody home → today,
    /// one hour later; wrong address → tomorrow, once corrected; refused → never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryWhen>,
    /// For a retry today: not before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<Clock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// A name the sender gives the event, e.g. a phone's queued tap (1–64
    /// letters, digits, `-` or `_`): sent again after a lost answer, it is
    /// recorded once and answered as before, with `duplicate: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

/// A request that is not (or no longer) in a route and must not be forgotten.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PendingView {
    /// The id to use with the desk (`{"pending": id}`); a retry has its own id (`R12~2`).
    pub request: String,
    /// The request it retries, for a failed or skipped stop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_of: Option<String>,
    /// `today`, `tomorrow` or `never` (failed for good).
    pub when: RetryWhen,
    /// Not before this time (`"HH:MM"`), for a retry today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    pub reason: String,
}

/// One squad's state on the ground.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SquadProgressView {
    pub squad: String,
    /// `not_started`, `under_way` or `finished`.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// Stops done (delivered, failed or skipped), of `stops`.
    pub done: usize,
    pub stops: usize,
    /// The last stop recorded done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_done: Option<String>,
    /// The stop the squad is on its way to: fixed for the desk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_progress: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<PositionView>,
    /// The event posted was already recorded (same `event_id`): nothing new.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PositionView {
    pub lat: f64,
    pub lon: f64,
    pub at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProgressView {
    pub plan_id: String,
    pub plan_version: u32,
    pub squads: Vec<SquadProgressView>,
    pub pending: Vec<PendingView>,
}

/// `POST /api/v1/plans/{id}/urgent/options` (and, with a placement, `/urgent/commit`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgentIn {
    /// A new request (as in a day; its `windows` are replaced by now → `deadline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    /// Or the id of a pending request: a failed delivery's retry, or an unserved request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
    /// Latest time service may begin. Required for a new request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Clock>,
    /// The desk's clock; defaults to the service's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Clock>,
    /// How many squads to rank (default 5, at most 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Allow a squad's remaining printed stops to change order around the
    /// order (default false: the sheet's order is kept). Each printed stop
    /// given another predecessor must pay for itself in walking time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_reorder: bool,
}

/// `POST /api/v1/plans/{id}/urgent/commit`: one option, as returned in `commit`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitIn {
    /// The plan version the option was computed against; another version → 409.
    pub based_on_version: u32,
    pub squad: String,
    /// The new stop goes after this stop of the squad's current sheet (0: first).
    pub insert_after_seq: u32,
    /// For a delivery: where the goods are collected (after this stop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_after_seq: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Clock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Clock>,
    /// Commit even though the option breaks another stop's window or the shift.
    #[serde(default)]
    pub accept_breaks: bool,
    /// A reordering option: the squad's stops after its fixed ones, in the
    /// new order (`R0042`, `pickup R0042`, `reload`); then `insert_after_seq`
    /// and `pickup_after_seq` are only informative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorder: Option<Vec<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InsertionOptionView {
    pub rank: usize,
    pub squad: String,
    /// The new stop comes after this stop of the squad's sheet (0: before the first).
    pub insert_after_seq: u32,
    /// Delivery: goods collected at `pickup_depot` after this stop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_after_seq: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_depot: Option<String>,
    pub eta: String,
    pub eta_s: i64,
    /// How much longer the squad's day becomes.
    pub added_s: i64,
    pub added_m: i64,
    /// The squad's other stops become at most this much later.
    pub max_delay_s: i64,
    pub stops_delayed: usize,
    /// Requests whose window this option breaks (empty when none).
    pub breaks_windows: Vec<String>,
    pub breaks_shift: bool,
    /// Printed stops that change squad or order: 0 for an insertion, which keeps the sheet's order.
    pub printed_stops_moved: usize,
    /// Printed stops whose number on the sheet goes up (they come after the new stop).
    pub stops_renumbered: usize,
    /// POST this to `/urgent/commit` to take the option.
    pub commit: CommitIn,
}

/// Why a squad cannot take the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoFitReason {
    LacksSkill,
    OutOfCapacity,
    Unreachable,
    TooFarForDeadline,
    ShiftEnds,
    BreaksOtherWindows,
    SquadFinished,
    /// The order names its resident's own squad (`squad`), and this is another.
    NotItsSquad,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SquadNoFit {
    pub squad: String,
    pub reason: NoFitReason,
    /// The earliest this squad could be there, when the reason is about time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest_eta: Option<String>,
    pub explanation: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OptionsView {
    pub plan_id: String,
    pub plan_version: u32,
    pub now: String,
    pub request: String,
    pub deadline: String,
    /// Best first: options that break nothing, then by arrival plus added time.
    pub options: Vec<InsertionOptionView>,
    /// Every squad without a feasible option, with the reason.
    pub no_fit: Vec<SquadNoFit>,
    /// What would make it fit, when no option breaks nothing.
    pub suggestions: Vec<String>,
    pub compute_ms: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommitView {
    pub plan_id: String,
    pub plan_version: u32,
    pub request: String,
    pub squad: String,
    pub eta: String,
    pub sheet_version: u32,
    pub sheet_url: String,
    /// Squads whose sheet changed (only the one that takes the order).
    pub sheets_changed: Vec<String>,
}

/// `POST /api/v1/plans/{id}/replan`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplanIn {
    pub based_on_version: u32,
    /// Search time (default 5 s, at most 30 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_s: Option<u32>,
    /// Seconds of walking a printed stop moved to another squad is worth
    /// (default 600); a printed stop with a new predecessor on its sheet
    /// costs a third of it. 0 in `free` mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_penalty_s: Option<u32>,
    /// `keep_printed` (default): start from the sheets, penalise changes.
    /// `free`: re-solve everything not done from scratch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ReplanMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<Clock>,
    /// Compute and answer, store nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Store the re-plan even if it serves fewer requests than the plan it
    /// replaces (default false: such a re-plan is refused, and named).
    #[serde(default)]
    pub allow_fewer: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ReplanMode {
    #[default]
    KeepPrinted,
    Free,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SheetChange {
    pub squad: String,
    pub sheet_version: u32,
    pub changed: bool,
    /// Requests new on this sheet.
    pub added: Vec<String>,
    /// Requests no longer on this sheet.
    pub removed: Vec<String>,
    /// Printed stops of this sheet that changed squad or relative order.
    pub printed_stops_moved: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplanView {
    pub plan_id: String,
    /// The new version, or the current one for a dry run.
    pub plan_version: u32,
    pub dry_run: bool,
    /// Walking time of the remaining day before and after (seconds).
    pub cost_before: i64,
    pub cost_after: i64,
    pub unserved_before: usize,
    pub unserved_after: usize,
    pub printed_stops_moved: usize,
    pub sheets: Vec<SheetChange>,
    pub solve_ms: u64,
    /// Constraints the plan breaks (late windows, shift ends, loads), by the
    /// solver's independent checker, before and after. A re-plan that would
    /// break more is not stored.
    pub violations_before: usize,
    pub violations_after: usize,
    /// Every request the re-plan leaves unserved, with the reason.
    pub unserved: Vec<Unserved>,
    /// Requests the current plan serves and the re-plan would not. Unless
    /// `allow_fewer`, a re-plan that serves fewer requests is not stored.
    pub newly_unserved: Vec<String>,
}
