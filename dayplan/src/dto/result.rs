//! What the service answers about a plan: its status, progress, result, routes and stops.

use serde::{Deserialize, Serialize};

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Stored, waiting for a solver slot.
    Queued,
    Solving,
    Done,
    Failed,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Queued => "queued",
            PlanStatus::Solving => "solving",
            PlanStatus::Done => "done",
            PlanStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => PlanStatus::Queued,
            "solving" => PlanStatus::Solving,
            "done" => PlanStatus::Done,
            "failed" => PlanStatus::Failed,
            _ => return None,
        })
    }
}

/// Answer to a plan creation: the plan is stored; poll `status_url`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanAccepted {
    pub plan_id: String,
    pub status: PlanStatus,
    pub status_url: String,
    pub result_url: String,
    pub requests: usize,
    pub squads: usize,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Search iterations so far (all threads).
    pub iterations: u64,
    pub elapsed_s: f64,
    /// The solve's time budget (the day's `budget_s`, or the server's cap if lower).
    pub budget_s: u32,
    /// Share of the budget spent, from 0 to 1: the progress bar.
    #[serde(default)]
    pub budget_used: f64,
    /// Cost of the best plan so far (squad-seconds); absent until the first plan is built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_cost: Option<i64>,
    /// Requests left out by the best plan so far; absent until the first plan is built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unserved_so_far: Option<usize>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanStatusView {
    pub plan_id: String,
    pub status: PlanStatus,
    pub version: u32,
    pub created_at: String,
    pub date: String,
    pub requests: usize,
    pub squads: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// How many times the solve was started (more than one after a restart).
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timings: Option<Timings>,
}

/// Where the time went, in milliseconds; stored with the plan.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Timings {
    pub parse_validate_ms: u64,
    pub snap_ms: u64,
    pub matrix_ms: u64,
    pub solve_ms: u64,
    pub render_ms: u64,
    pub store_ms: u64,
}

/// The finished plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanResult {
    pub plan_id: String,
    /// Increases whenever a route changes (urgent orders, re-planning).
    pub version: u32,
    pub date: String,
    pub street_office: String,
    pub summary: Summary,
    pub routes: Vec<RouteView>,
    /// Every request not in a route, with the reason.
    pub unserved: Vec<Unserved>,
    /// Failed or skipped deliveries coming back (retry later today or
    /// tomorrow), and deliveries that failed for good: never dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingView>,
    pub timings: Timings,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub requests: usize,
    pub routed: usize,
    pub unserved: usize,
    pub squads: usize,
    pub squads_used: usize,
    pub distance_m: i64,
    pub duration_s: i64,
    pub weight_kg: f64,
    /// Two echelons: the vans' drops at compound gates (not counted in
    /// `requests`, `routed` or `unserved`).
    #[serde(default)]
    pub gate_drops: usize,
    /// How the work falls on squads, per travel mode (fair shares).
    #[serde(default)]
    pub shares: Vec<Share>,
}

/// The work of the squads of one travel mode: what a coordinator checks
/// before handing out sheets (is anyone walking twice as long as the rest?).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Share {
    pub profile: Profile,
    pub squads: usize,
    pub squads_used: usize,
    /// Doors served (deliveries and visits; pickups and reloads not counted).
    pub doors: usize,
    pub distance_m: i64,
    /// Working time of all used squads together.
    pub working_s: i64,
    /// The longest and the mean working day of the used squads.
    pub longest_s: i64,
    pub mean_s: i64,
    /// `longest_s / mean_s` (1.0 is perfectly even; 0 when none is used).
    pub spread: f64,
    /// When the last squad of this mode is back (`"HH:MM"`).
    pub latest_finish: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RouteView {
    pub squad: String,
    pub squad_name: Option<String>,
    pub profile: Profile,
    /// Version of this squad's sheet: bumped only when this route changes.
    pub sheet_version: u32,
    pub start_depot: String,
    pub end_depot: String,
    pub start: String,
    pub end: String,
    pub start_s: i64,
    pub end_s: i64,
    pub distance_m: i64,
    pub duration_s: i64,
    pub trips: u32,
    pub load_start_kg: f64,
    /// Doors on the route (deliveries and visits).
    #[serde(default)]
    pub doors: usize,
    pub stops: Vec<StopView>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopKind {
    Delivery,
    Visit,
    /// Collect goods (medicine at a pharmacy) for a later stop.
    Pickup,
    /// Back to the depot to load the next trip.
    Reload,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StopView {
    /// 1-based order on the route.
    pub seq: u32,
    pub kind: StopKind,
    /// The request served (absent for a reload).
    pub request: Option<String>,
    /// Depot id for pickups and reloads.
    pub depot: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub eta: String,
    pub arrival_s: i64,
    pub begin_s: i64,
    pub departure_s: i64,
    pub wait_s: i64,
    pub load_after_kg: f64,
    /// The trip this stop belongs to (1-based).
    pub trip: u32,
    /// What happened at this stop, once the day is under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StopStatus>,
    /// When the stop was recorded done (`"HH:MM"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopStatus {
    Planned,
    /// The squad is on its way to (or at) this stop: fixed, nothing goes before it.
    InProgress,
    Delivered,
    Failed,
    Skipped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnservedReason {
    NoSkilledSquad,
    OverCapacity,
    Unreachable,
    WindowClosed,
    /// Chilled goods cannot reach the door within their limit from loading.
    ChilledTooFar,
    ShiftTooShort,
    NoRoomLeft,
    LeftOutForCost,
    /// The request names its squad (`squad`), and that squad cannot take it.
    SquadCannotServe,
    /// Two echelons: no van could bring the goods to the compound's gate in time.
    GoodsNotAtGate,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Unserved {
    pub request: String,
    pub reason: UnservedReason,
    /// What the coordinator can do about it, in words.
    pub explanation: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanListItem {
    pub plan_id: String,
    pub status: PlanStatus,
    pub version: u32,
    pub date: String,
    pub created_at: String,
    pub requests: usize,
    pub squads: usize,
}
