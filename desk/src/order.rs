//! An urgent order resolved against the plan (a new request, or a pending
//! retry): its window from now to the deadline, its door, and travel between
//! that door and every location of the plan.

use std::collections::HashSet;

use dayplan::convert::{
    building_index, geo_profile, job_terms, pickup_services, request_point, skill_bits,
};
use dayplan::dto::*;
use geo_data::PreparedGraphs;
use solver::problem::{LocIdx, Time};

use crate::error::{Code, DeskError, ErrorCode};
use crate::insert::Candidate;
use crate::state::DeskState;
use crate::travel::DoorTravel;
use crate::travel::Travel;

/// An urgent order resolved against the plan.
pub(crate) struct Order {
    pub(crate) request: Request,
    /// The door's location if it is already in the problem (a retry, an unserved request).
    pub(crate) existing_loc: Option<usize>,
    /// An unserved request of the day: already a job.
    pub(crate) existing_job: Option<usize>,
    pub(crate) point: (f64, f64),
    pub(crate) lo: Time,
    pub(crate) hi: Time,
    pub(crate) candidate: Candidate,
}

pub(crate) fn resolve_order(
    st: &DeskState,
    request: Option<&Request>,
    pending: Option<&str>,
    deadline: Option<Clock>,
    now: Time,
) -> Result<Order, DeskError> {
    let (mut req, existing_loc, existing_job, hi) = match (request, pending) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(DeskError::new(
                ErrorCode::InvalidValue,
                "request",
                "give either request (a new order) or pending (the id of a pending request)",
            ))
        }
        (Some(r), None) => new_order(st, r, deadline)?,
        (None, Some(id)) => match pending_order(st, id, deadline, now)? {
            Pending::Retry(order) => return Ok(order),
            Pending::Request(found) => found,
        },
    };
    // The deadline is checked (once) in `finish_order`.
    let lo = req
        .windows
        .iter()
        .map(|w| w.start.seconds())
        .min()
        .unwrap_or(now)
        .max(now);
    req.windows.clear();
    finish_order(st, (req, existing_loc, existing_job, hi), lo, now)
}

/// A request of the plan as an order: itself, its location, its job, its deadline.
type Found = (Request, Option<usize>, Option<usize>, Time);

/// The latest shift end of the day: a retry or pending request's deadline
/// when none is given.
fn latest_shift(st: &DeskState) -> Time {
    st.day
        .squads
        .iter()
        .map(|s| s.shift.end.seconds())
        .max()
        .unwrap_or(0)
}

/// A new urgent request: checked as a day's request would be.
fn new_order(st: &DeskState, r: &Request, deadline: Option<Clock>) -> Result<Found, DeskError> {
    let Some(d) = deadline else {
        return Err(DeskError::new(
            ErrorCode::MissingField,
            "deadline",
            "an urgent order needs a deadline (\"HH:MM\")",
        ));
    };
    if st.job_of.contains_key(&r.id) {
        return Err(DeskError::new(
            ErrorCode::DuplicateId,
            "request.id",
            format!("request {:?} is already in this plan", r.id),
        ));
    }
    if r.id.contains('~') {
        return Err(DeskError::new(
            ErrorCode::InvalidValue,
            "request.id",
            "'~' is reserved for retries",
        ));
    }
    // The same checks as a day's request, on a day holding only this one.
    let mut mini = st.day.clone_without_requests();
    let mut r2 = r.clone();
    r2.windows.clear();
    mini.requests = vec![r2];
    dayplan::validate::check_day(&mut mini).map_err(|errs| {
        DeskError::many(
            errs.into_iter()
                .map(|e| {
                    dayplan::FieldError::new(
                        e.code.into(),
                        e.path.replacen("requests[0]", "request", 1),
                        e.message,
                    )
                })
                .collect(),
        )
    })?;
    let mut r = mini.requests.pop().expect("one request");
    r.priority.get_or_insert(Priority::Urgent);
    Ok((r, None, None, d.seconds()))
}

/// A pending request (a failed delivery coming back, or one the plan left
/// unserved): a retry is resolved whole, another request found.
enum Pending {
    Retry(Order),
    Request(Found),
}

fn pending_order(
    st: &DeskState,
    id: &str,
    deadline: Option<Clock>,
    now: Time,
) -> Result<Pending, DeskError> {
    let nd = st.day.depots.len();
    let latest_shift = latest_shift(st);
    let routed: HashSet<usize> = st
        .routes
        .iter()
        .flatten()
        .filter_map(|a| a.job())
        .map(|j| j.get())
        .collect();
    if let Some(p) = st
        .ledger
        .pending
        .iter()
        .find(|p| p.id == id && p.is_retry && p.when != RetryWhen::Never)
    {
        if st.job_of.get(&p.id).is_some_and(|j| routed.contains(j)) {
            return Err(DeskError::new(
                ErrorCode::InvalidValue,
                "pending",
                format!("{id} is already on a route"),
            ));
        }
        let of = st.job_of[&p.of];
        let mut r = st.day.requests[of].clone();
        r.id = p.id.clone();
        let lo = p.after.unwrap_or(now);
        let hi = deadline.map_or(latest_shift, Clock::seconds);
        r.windows = vec![];
        let existing = st.job_of.get(&p.id).copied();
        let mut o = (r, Some(nd + of), existing, hi);
        if let Some(j) = existing {
            o.1 = Some(nd + j);
        }
        return finish_order(st, o, lo.max(now), now).map(Pending::Retry);
    }
    let Some(&j) = st.job_of.get(id) else {
        return Err(DeskError::new(
            ErrorCode::UnknownReference,
            "pending",
            format!("no pending request {id:?} in this plan"),
        ));
    };
    if routed.contains(&j) {
        return Err(DeskError::new(
            ErrorCode::InvalidValue,
            "pending",
            format!("{id} is already on a route"),
        ));
    }
    let r = st.day.requests[j].clone();
    let hi = deadline.map_or_else(
        || {
            r.windows
                .iter()
                .map(|w| w.end.seconds())
                .max()
                .unwrap_or(latest_shift)
        },
        Clock::seconds,
    );
    Ok(Pending::Request((r, Some(nd + j), Some(j), hi)))
}

pub(crate) fn finish_order(
    st: &DeskState,
    (mut req, existing_loc, existing_job, hi): (Request, Option<usize>, Option<usize>, Time),
    lo: Time,
    now: Time,
) -> Result<Order, DeskError> {
    if hi <= now {
        return Err(DeskError::new(
            Code::DeadlinePassed,
            "deadline",
            format!(
                "the deadline {} is not after now ({})",
                Clock::format(hi),
                Clock::format(now)
            ),
        ));
    }
    if lo > hi {
        return Err(DeskError::new(
            ErrorCode::ImpossibleWindow,
            "deadline",
            format!(
                "not before {} but due by {}",
                Clock::format(lo),
                Clock::format(hi)
            ),
        ));
    }
    req.windows = vec![Window {
        start: Clock(lo as u32),
        end: Clock(hi as u32),
    }];
    // Its goods exist from the moment it is placed: nobody collects them before now.
    if req.kind == RequestKind::Delivery && existing_job.is_none() {
        req.pickup_after = Some(Clock(now.max(0) as u32));
    }
    let buildings = building_index(&st.day);
    let point = request_point(&st.day, &buildings, &req);
    // The same terms as a request of the morning's day; a skill the day does
    // not know is one no squad has.
    let terms = job_terms(&st.day, &buildings, &skill_bits(&st.day), &req);
    let depot_loc = |id: &str| {
        st.day
            .depots
            .iter()
            .position(|d| d.id == id)
            .map(|i| LocIdx(i as u32))
    };
    let pickup = match req.kind {
        RequestKind::Visit => None,
        RequestKind::Delivery => Some(req.pickup.as_deref().and_then(depot_loc)),
    };
    let candidate = Candidate {
        pickup,
        // Without a named pickup the goods are loaded at the squad's own
        // depot, and a commit names that depot: priced as the day will be.
        pickup_services: pickup_services(&st.day),
        service: terms.service,
        lo,
        hi,
        demand: terms.demand,
        skills: terms.skills,
        max_ride: terms.chilled,
    };
    Ok(Order {
        request: req,
        existing_loc,
        existing_job,
        point,
        lo,
        hi,
        candidate,
    })
}

/// Travel from the problem's matrices (the door is an existing location).
pub(crate) struct MatrixTravel<'a> {
    pub(crate) problem: &'a solver::problem::Problem,
    pub(crate) door: LocIdx,
}

impl DoorTravel for MatrixTravel<'_> {
    fn to_door(&self, p: usize, from: LocIdx) -> Option<(Time, i64)> {
        let m = &self.problem.matrices()[p];
        m.reachable(from, self.door)
            .then(|| (m.duration(from, self.door), m.distance(from, self.door)))
    }
    fn from_door(&self, p: usize, to: LocIdx) -> Option<(Time, i64)> {
        let m = &self.problem.matrices()[p];
        m.reachable(self.door, to)
            .then(|| (m.duration(self.door, to), m.distance(self.door, to)))
    }
}

/// Travel between a new point and every location of the plan, per profile.
pub(crate) struct PointTravel {
    pub(crate) per_profile: Vec<Travel>,
    pub(crate) snapped: Vec<Option<geo_data::SnappedPoint>>,
}

impl DoorTravel for PointTravel {
    fn to_door(&self, p: usize, from: LocIdx) -> Option<(Time, i64)> {
        self.per_profile
            .get(p)?
            .to_new
            .get(from.get())
            .copied()
            .flatten()
            .map(|(t, d)| (t as Time, d as i64))
    }
    fn from_door(&self, p: usize, to: LocIdx) -> Option<(Time, i64)> {
        self.per_profile
            .get(p)?
            .from_new
            .get(to.get())
            .copied()
            .flatten()
            .map(|(t, d)| (t as Time, d as i64))
    }
}

/// Snaps the new point on every profile in use and computes travel between it
/// and every location of the plan: one upward search per direction and
/// profile against the warm state's index, brought up to date first.
pub(crate) fn point_travel(
    graphs: &PreparedGraphs,
    st: &mut DeskState,
    point: (f64, f64),
) -> Result<PointTravel, DeskError> {
    st.sync_reach(graphs).map_err(|e| DeskError::internal(&e))?;
    let reach = st.reach.as_ref().expect("synced");
    let n = st.snapped.points.len();
    let mut per_profile = Vec::new();
    let mut snapped = Vec::new();
    let mut why = None;
    for (pi, &prof) in st.snapped.profiles.iter().enumerate() {
        let pg = graphs
            .graph(geo_profile(prof))
            .ok_or_else(|| DeskError::internal(&"profile graph missing"))?;
        match pg.snap(point.0, point.1) {
            Err(e) => {
                why.get_or_insert(e.to_string());
                snapped.push(None);
                per_profile.push(Travel {
                    to_new: vec![None; n],
                    from_new: vec![None; n],
                });
            }
            Ok(sp) => {
                let t = reach
                    .travel(graphs, prof, pi, &sp)
                    .map_err(|e| DeskError::internal(&e))?;
                per_profile.push(t);
                snapped.push(Some(sp));
            }
        }
    }
    if snapped.iter().all(Option::is_none) {
        return Err(DeskError::new(
            ErrorCode::OffMap,
            "request",
            format!(
                "this point is off the map for every squad's travel mode: {}",
                why.unwrap_or_default()
            ),
        ));
    }
    Ok(PointTravel {
        per_profile,
        snapped,
    })
}

/// The urgent request joins the day as a new job (its door a new location
/// with `travel` to every other), and the door joins the travel index now,
/// so the next question does not wait for it.
pub(crate) fn add_order(
    graphs: &PreparedGraphs,
    st: &mut DeskState,
    req: Request,
    point: (f64, f64),
    travel: &PointTravel,
) -> Result<usize, DeskError> {
    // A failure half-way leaves the day changed and not stored: start again from the store.
    let failed = |e: &dyn std::fmt::Display, st: &mut DeskState| {
        st.needs_rebuild = true;
        DeskError::internal(e)
    };
    let j = match st.add_request(req, point, travel.snapped.clone(), &travel.per_profile) {
        Ok(j) => j,
        Err(e) => return Err(failed(&e, st)),
    };
    if st.reach.is_some() {
        if let Err(e) = st.sync_reach(graphs) {
            return Err(failed(&e, st));
        }
    }
    Ok(j)
}

/// Travel between the order's door and every location: the matrices' own
/// for a door already in the plan, the travel index's row and column else.
pub(crate) fn door_travel(
    graphs: &PreparedGraphs,
    st: &mut DeskState,
    order: &Order,
) -> Result<PointTravel, DeskError> {
    Ok(match order.existing_loc {
        Some(l) => PointTravel {
            per_profile: st
                .problem
                .matrices()
                .iter()
                .map(|m| Travel::copy_of(m, l))
                .collect(),
            snapped: st.snapped.snapped.iter().map(|s| s[l]).collect(),
        },
        None => point_travel(graphs, st, order.point)?,
    })
}
