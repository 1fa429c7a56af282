//! The day as posted: the street office, depots, buildings, squads, requests, options.

use serde::{Deserialize, Serialize};

use super::*;

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
    /// Residential compounds (小区) with their gates: when vehicles may not
    /// enter (`options.vehicles_enter_compounds: false`), vans and tricycles
    /// stop at the gates and walking squads carry to the doors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compounds: Vec<Compound>,
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

/// A residential compound (小区): a fence with gates, buildings inside.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Compound {
    pub id: String,
    /// What a volunteer reads, e.g. "锦绣花园".
    pub name: String,
    /// Ids of depots (kind `gate`) on the fence: where a van unloads and
    /// walking squads collect. At least one.
    pub gates: Vec<String>,
    /// Ids of the buildings inside.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buildings: Vec<String>,
    /// The fence as a ring of `[lat, lon]` points (first and last may be
    /// equal): a request given by lat/lon inside it belongs to the compound.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boundary: Vec<[f64; 2]>,
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
    /// Most doors (and pickups) the squad takes in the day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_stops: Option<u32>,
    /// Longest working day, from leaving the depot to coming back (an
    /// elderly volunteer's half day); the shift still bounds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_hours: Option<f64>,
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
    /// The goods cannot be collected before this time (a pharmacy that opens
    /// at 09:00; an urgent order's goods exist only once it is placed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_after: Option<Clock>,
    /// Skills the squad must have (e.g. "trusted" for signed medicine).
    #[serde(default)]
    pub skills: Vec<String>,
    /// This request's limit for its chilled items, overriding the day's
    /// `options.chilled_max_s` (ignored when nothing chilled is carried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chilled_max_s: Option<u32>,
    /// The squad responsible for this resident (包保, one resident one
    /// volunteer): only it serves the request, or the request is unserved
    /// with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub squad: Option<String>,
    /// The squad the resident knows: another squad serves the request only
    /// when that saves more than `options.preferred_squad_penalty_s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_squad: Option<String>,
    /// Set by the planner on a lockdown day: this request is a van's drop of
    /// parcels at a compound gate, carried on to the doors by walking squads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate_drop: Option<GateDrop>,
}

/// A van's drop at a compound gate (two echelons): which parcels it brings.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GateDrop {
    /// The gate (a depot id).
    pub gate: String,
    /// The compound (an id from `compounds`).
    pub compound: String,
    /// Ids of the requests whose goods it brings; each collects them at `gate`.
    pub parcels: Vec<String>,
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
    /// Fair shares among squads: `off` plans the least total effort; `fair`
    /// also evens out the working days (see the README for what it costs).
    #[serde(default)]
    pub balance: Balance,
    /// How firmly `balance: fair` evens out the working days of each travel
    /// mode, in seconds (smaller is firmer; see the README). Left out, the
    /// planner sets it and `balance_target_s` from a first plan of the day
    /// (half the mode's mean working day) and stores both with the day, so
    /// that re-plans even out the same way.
    #[serde(default, skip_serializing_if = "BalanceScales::is_empty")]
    pub balance_scale_s: BalanceScales,
    /// The working day, per travel mode in seconds, beyond which
    /// `balance: fair` makes time cost more (only days longer than it pay;
    /// 0 or left out with a scale given: every day pays by its square, less
    /// the mode's mean). Left out with the scale, the planner sets it from a
    /// first plan (the mode's mean working day) and stores it with the day.
    #[serde(default, skip_serializing_if = "BalanceScales::is_empty")]
    pub balance_target_s: BalanceScales,
    /// What serving a request with another squad than its
    /// `preferred_squad` must save, in squad-seconds, to be chosen.
    #[serde(default = "default_preferred_penalty_s")]
    pub preferred_squad_penalty_s: u32,
    /// Whether vans and tricycles may drive into compounds. `false` (a
    /// lockdown): they bring each compound's goods to its gates and walking
    /// squads carry them to the doors (two echelons).
    #[serde(default = "yes")]
    pub vehicles_enter_compounds: bool,
}

fn yes() -> bool {
    true
}

/// Per travel mode, the scale of fair shares in seconds (`None`: from the
/// mode's shifts, or set by the planner).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceScales {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walk: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bike: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub car: Option<u32>,
}

impl BalanceScales {
    pub fn is_empty(&self) -> bool {
        self.walk.is_none() && self.bike.is_none() && self.car.is_none()
    }
    pub fn get(&self, p: Profile) -> Option<u32> {
        match p {
            Profile::Walk => self.walk,
            Profile::Bike => self.bike,
            Profile::Car => self.car,
        }
    }
    pub fn set(&mut self, p: Profile, v: u32) {
        match p {
            Profile::Walk => self.walk = Some(v),
            Profile::Bike => self.bike = Some(v),
            Profile::Car => self.car = Some(v),
        }
    }
}

/// How work is shared among squads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Balance {
    /// The least total effort, however it falls on squads.
    #[default]
    Off,
    /// Even working days: a long day costs more than two half days.
    Fair,
}

fn default_preferred_penalty_s() -> u32 {
    1800
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
            balance: Balance::Off,
            balance_scale_s: BalanceScales::default(),
            balance_target_s: BalanceScales::default(),
            preferred_squad_penalty_s: default_preferred_penalty_s(),
            vehicles_enter_compounds: true,
        }
    }
}

impl DayRequest {
    /// The day without its requests (cheap to clone for checking one request).
    pub fn clone_without_requests(&self) -> DayRequest {
        DayRequest {
            street_office: self.street_office.clone(),
            date: self.date.clone(),
            buildings: self.buildings.clone(),
            depots: self.depots.clone(),
            compounds: self.compounds.clone(),
            squads: self.squads.clone(),
            requests: Vec::new(),
            requests_csv: None,
            options: self.options.clone(),
        }
    }
}
