//! The JSON schema of the API: what a coordinator (or a spreadsheet export) writes,
//! and what the service answers.
//!
//! Written for people who type it by hand: obvious names, units in the names
//! (`weight_kg`, `service_s`, `capacity_kg`), times of day as `"08:30"`, and
//! defaults for everything that has a sensible one. Every input struct denies
//! unknown fields, so a typo (`weight` for `weight_kg`) is an error naming the
//! field, not a silently ignored value. Only these types are serialised: the
//! solver and geo-data types never cross the HTTP edge.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A time of day in seconds since midnight, written `"HH:MM"` (or `"HH:MM:SS"`).
///
/// Hours 24 to 47 parse, because a window or shift may run past midnight, but
/// only as its *end*: `22:00`–`26:30` ends at 02:30 the next day. A start must
/// be a time of day, 00:00–23:59 ([`Clock::as_start`], checked at the edge), so
/// a typed `25:00` is reported as what it is instead of as a backwards window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Clock(pub u32);

/// Marker at the start of every clock parse error, so the HTTP edge can give it
/// its own error code (`invalid_time`).
pub const CLOCK_ERROR: &str = "invalid time of day";

impl Clock {
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("{CLOCK_ERROR} {s:?}: expected \"HH:MM\" such as \"08:30\"");
        let parts: Vec<&str> = s.trim().split(':').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 2) {
            return Err(bad());
        }
        let num = |p: &str| p.parse::<u32>().map_err(|_| bad());
        let h = num(parts[0])?;
        let m = num(parts[1])?;
        let sec = if parts.len() == 3 { num(parts[2])? } else { 0 };
        if h > 47 || m > 59 || sec > 59 {
            return Err(bad());
        }
        Ok(Clock(h * 3600 + m * 60 + sec))
    }

    /// Seconds in a day: every start is below this; only an end may reach it or beyond.
    pub const DAY: u32 = 86_400;

    /// This clock as the start of a window or shift: a time of day, 00:00–23:59.
    /// The error names the rule, so a coordinator sees why `25:00` is refused.
    pub fn as_start(self) -> Result<Self, String> {
        if self.0 < Self::DAY {
            Ok(self)
        } else {
            Err(format!(
                "{CLOCK_ERROR} \"{self}\": a start is a time of day, 00:00 to 23:59 \
                 (only an end may run past midnight: 22:00 to 26:30 ends at 02:30 the next day)"
            ))
        }
    }

    pub fn seconds(self) -> i64 {
        self.0 as i64
    }

    /// Formats seconds since midnight as `"HH:MM"`, rounding down.
    pub fn format(seconds: i64) -> String {
        let s = seconds.max(0);
        format!("{:02}:{:02}", s / 3600, (s % 3600) / 60)
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Clock::format(self.0 as i64))
    }
}

impl<'de> Deserialize<'de> for Clock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Clock;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a time of day as a string \"HH:MM\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Clock, E> {
                Clock::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl Serialize for Clock {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

// ---------------------------------------------------------------- input

/// One street office's day: everything needed to plan it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DayRequest {
    pub street_office: StreetOffice,
    /// The day planned, `"YYYY-MM-DD"`; printed on every sheet.
    pub date: String,
    /// Residential buildings that requests may refer to by id instead of lat/lon.
    #[serde(default)]
    pub buildings: Vec<Building>,
    /// Places goods come from and squads start at: the office, pharmacies, compound gates.
    pub depots: Vec<Depot>,
    pub squads: Vec<Squad>,
    /// The requests as JSON objects; or give `requests_csv` instead.
    #[serde(default)]
    pub requests: Vec<Request>,
    /// The requests as CSV text with a header row (see the README for the columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_csv: Option<String>,
    #[serde(default)]
    pub options: Options,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StreetOffice {
    /// Must match the office of the coordinator's token.
    pub id: String,
    pub name: String,
    /// Printed at the foot of every sheet: whom a volunteer calls when stuck.
    pub coordinator_phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinator_name: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DepotKind {
    #[default]
    Office,
    Pharmacy,
    Gate,
    Warehouse,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Depot {
    pub id: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub kind: DepotKind,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Building {
    pub id: String,
    /// What a volunteer reads, e.g. "3栋" or "Building 3, Rose Garden".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// Whether the building has a working lift; without one, service time grows with the floor.
    #[serde(default)]
    pub lift: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    #[default]
    Walk,
    Bike,
    Car,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Walk, Profile::Bike, Profile::Car];
    pub fn name(self) -> &'static str {
        match self {
            Profile::Walk => "walk",
            Profile::Bike => "bike",
            Profile::Car => "car",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Shift {
    pub start: Clock,
    pub end: Clock,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Squad {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Volunteers' names, printed on the squad's own sheet only.
    #[serde(default)]
    pub members: Vec<String>,
    /// The squad leader's phone, printed on the squad's own sheet only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default)]
    pub profile: Profile,
    /// Id of the depot the squad starts from (and reloads at).
    pub depot: String,
    /// Id of the depot where the squad ends; defaults to `depot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_depot: Option<String>,
    pub shift: Shift,
    /// What the squad carries in one trip.
    #[serde(default = "default_capacity_kg")]
    pub capacity_kg: f64,
    #[serde(default)]
    pub skills: Vec<String>,
    /// Time to reload at the depot between trips; `null` means a single trip.
    #[serde(default = "default_reload_s")]
    pub reload_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_trips: Option<u32>,
}

fn default_capacity_kg() -> f64 {
    15.0
}
fn default_reload_s() -> Option<u32> {
    Some(300)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Goods handed over at the door (with a `pickup`, collected there first).
    #[default]
    Delivery,
    /// A welfare check: a stop with nothing to carry.
    Visit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Routine,
    Medicine,
    Urgent,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    #[default]
    Food,
    Chilled,
    Medicine,
    Special,
    Other,
}

impl ItemKind {
    /// The name of an item given without one (a spreadsheet with weight and
    /// kind columns but no `item` column): what a volunteer reads on the sheet,
    /// in Chinese and English since the sheet prints the name as given.
    pub fn default_name(self) -> &'static str {
        match self {
            ItemKind::Food => "食品 food",
            ItemKind::Chilled => "冷藏品 chilled food",
            ItemKind::Medicine => "药品 medicine",
            ItemKind::Special => "特需物资 special supplies",
            ItemKind::Other => "物品 goods",
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub name: String,
    /// Weight of one unit.
    #[serde(default)]
    pub weight_kg: f64,
    #[serde(default = "one")]
    pub quantity: u32,
    #[serde(default)]
    pub kind: ItemKind,
}

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// Service may begin from this time...
    pub start: Clock,
    /// ...up to this time.
    pub end: Clock,
}

/// One thing for one resident.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub id: String,
    /// How the volunteer addresses the resident (a name, or a register reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident: Option<String>,
    /// A phone to call on arrival (the resident's, or a relative's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Either `lat`+`lon`, or `building` (an id from `buildings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    /// Unit (entrance) of the building, e.g. "2".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Floor; ground floor is 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<i32>,
    /// The flat number or a free address line, printed as is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default)]
    pub kind: RequestKind,
    #[serde(default)]
    pub items: Vec<Item>,
    /// When service may begin; none means any time in the squad's shift.
    #[serde(default)]
    pub windows: Vec<Window>,
    /// Defaults to `medicine` when an item is medicine, else `routine`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Time at the door, stairs excluded (they are added from the floor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Id of a depot (pharmacy) where the goods are collected first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup: Option<String>,
    /// Skills the squad must have (e.g. "trusted" for signed medicine).
    #[serde(default)]
    pub skills: Vec<String>,
    /// This request's limit for its chilled items, overriding the day's
    /// `options.chilled_max_s` (ignored when nothing chilled is carried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chilled_max_s: Option<u32>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Wall-clock budget of the solve.
    #[serde(default = "default_budget_s")]
    pub budget_s: u32,
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// Time to park or lock a vehicle at each stop, by travel mode.
    #[serde(default)]
    pub park_s: ParkTimes,
    /// Extra time per floor above the ground floor in a building without a lift (up and down).
    #[serde(default = "default_stairs_s")]
    pub stairs_s_per_floor: u32,
    /// Service time of a delivery when a request gives none.
    #[serde(default = "default_delivery_s")]
    pub default_delivery_s: u32,
    /// Service time of a visit when a request gives none.
    #[serde(default = "default_visit_s")]
    pub default_visit_s: u32,
    /// Longest time chilled goods may spend out of the cold: from loading
    /// (leaving the depot or a reload with them, or the pharmacy pickup) to
    /// the hand-over at the door. A request may set its own `chilled_max_s`.
    #[serde(default = "default_chilled_s")]
    pub chilled_max_s: u32,
}

/// Seconds to park a tricycle or a van (and lock it) before walking to a
/// door. Walkers have nothing to park. Paid on every leg that moves the
/// vehicle; doors at one road position are walked between without moving it.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ParkTimes {
    #[serde(default = "default_park_bike_s")]
    pub bike: u32,
    #[serde(default = "default_park_car_s")]
    pub car: u32,
}

impl ParkTimes {
    /// Seconds for one profile (0 on foot).
    pub fn for_profile(&self, p: Profile) -> u32 {
        match p {
            Profile::Walk => 0,
            Profile::Bike => self.bike,
            Profile::Car => self.car,
        }
    }
}

impl Default for ParkTimes {
    fn default() -> Self {
        ParkTimes {
            bike: default_park_bike_s(),
            car: default_park_car_s(),
        }
    }
}

fn default_park_bike_s() -> u32 {
    30
}
fn default_park_car_s() -> u32 {
    60
}

fn default_budget_s() -> u32 {
    20
}
fn one_u64() -> u64 {
    1
}
fn default_stairs_s() -> u32 {
    40
}
fn default_delivery_s() -> u32 {
    120
}
fn default_visit_s() -> u32 {
    300
}
fn default_chilled_s() -> u32 {
    3600
}

impl Default for Options {
    fn default() -> Self {
        Self {
            budget_s: default_budget_s(),
            seed: 1,
            park_s: ParkTimes::default(),
            stairs_s_per_floor: default_stairs_s(),
            default_delivery_s: default_delivery_s(),
            default_visit_s: default_visit_s(),
            chilled_max_s: default_chilled_s(),
        }
    }
}

// ---------------------------------------------------------------- output

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

// ---------------------------------------------------------------- escalation desk

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

impl DayRequest {
    /// The day without its requests (cheap to clone for checking one request).
    pub fn clone_without_requests(&self) -> DayRequest {
        DayRequest {
            street_office: self.street_office.clone(),
            date: self.date.clone(),
            buildings: self.buildings.clone(),
            depots: self.depots.clone(),
            squads: self.squads.clone(),
            requests: Vec::new(),
            requests_csv: None,
            options: self.options.clone(),
        }
    }
}
