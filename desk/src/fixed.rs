//! What is fixed at a moment of the day: the stops each squad has done or is
//! heading to (and everything up to the hand-over of goods in its hands), and
//! the day as the search must see it then. Shared by re-planning, reordering
//! options and their commit.

use std::collections::HashSet;

use dayplan::dto::*;
use solver::problem::Time;
use solver::solution::ActivityKind;

use crate::schedule::is_door;
use crate::state::DeskState;

/// Per squad, how many of its stops a re-plan keeps first and in order: the
/// done stops, the door it is heading to, and everything up to the delivery
/// of goods already in its hands.
pub(crate) fn fixed_stops(st: &DeskState, now: Time) -> Vec<usize> {
    (0..st.routes.len())
        .map(|k| match st.finished(k) {
            Some(_) => st.routes[k].len(),
            None => {
                let ff = st.first_free(k, now);
                let next_is_door = ff > st.locked[k] && is_door(st.routes[k][ff - 1]);
                let mut f = if next_is_door { ff } else { st.locked[k] };
                // Goods collected are in this squad's hands: their deliveries stay
                // on this route, so the stretch up to them is fixed too (the search
                // has been seen to move a pair whose pickup was fixed).
                let r = &st.routes[k];
                let mut p = 0;
                while p < f.min(r.len()) {
                    if let ActivityKind::ShipmentPickup(j) = r[p] {
                        if let Some(d) = r
                            .iter()
                            .position(|a| *a == ActivityKind::ShipmentDelivery(j))
                        {
                            f = f.max(d + 1);
                        }
                    }
                    p += 1;
                }
                f
            }
        })
        .collect()
}

/// The day as the search must see it at `now`: the first `fixed[k]` stops of
/// each squad pinned at their times in `before`, nothing else before `now`,
/// squads not out yet leaving now at the earliest, finished squads closed.
pub(crate) fn pinned_day(
    st: &DeskState,
    before: &solver::solution::Solution,
    fixed: &[usize],
    now: Time,
) -> DayRequest {
    // The search sees the fixed stops pinned at their times and without ride
    // limits, skills or pairing: they happen (or happened) whatever the model says, and
    // a fixed stop the model finds infeasible must not be dropped from its route.
    let mut pinned = st.day.clone();
    for k in 0..st.routes.len() {
        let times = before.routes.iter().find(|r| r.vehicle.get() == k);
        for (i, a) in st.routes[k][..fixed[k]].iter().enumerate() {
            if let Some(j) = a.job() {
                let r = &mut pinned.requests[j.get()];
                // A fixed door happens at its time on the ground (recorded, or not
                // before now for the one under way): the search plans the rest
                // from there, not from the morning's model times. The time is at
                // or after the model's arrival, so the pin is always reachable.
                let at_door = is_door(*a);
                r.windows = match times.and_then(|t| t.activities.get(i)).filter(|_| at_door) {
                    Some(act) => vec![Window {
                        start: Clock(act.begin as u32),
                        end: Clock(act.begin as u32),
                    }],
                    None => Vec::new(),
                };
                r.skills.clear();
                r.pickup_after = None;
                // Done by whichever squad did it: the pairing no longer binds.
                r.squad = None;
                r.preferred_squad = None;
                for it in &mut r.items {
                    if it.kind == ItemKind::Chilled {
                        it.kind = ItemKind::Food;
                    }
                }
            }
        }
    }
    // Nothing not fixed happens before now: the search knows no clock.
    let fixed_jobs: HashSet<usize> = (0..st.routes.len())
        .flat_map(|k| {
            st.routes[k][..fixed[k]]
                .iter()
                .filter_map(|a| a.job())
                .map(|j| j.get())
        })
        .collect();
    for (j, r) in pinned.requests.iter_mut().enumerate() {
        if fixed_jobs.contains(&j) {
            continue;
        }
        let open: Vec<Window> = r
            .windows
            .iter()
            .filter(|w| w.end.seconds() >= now)
            .map(|w| Window {
                start: Clock(w.start.0.max(now as u32)),
                end: w.end,
            })
            .collect();
        if r.windows.is_empty() {
            r.windows = vec![Window {
                start: Clock(now as u32),
                end: Clock(47 * 3600 + 59 * 60),
            }];
        } else if !open.is_empty() {
            r.windows = open;
        }
    }
    for k in 0..st.routes.len() {
        let s = &mut pinned.squads[k];
        // A squad with nothing fixed leaves now at the earliest (one that
        // reported nothing but has left by its sheet has its stops so far fixed).
        if fixed[k] == 0 {
            s.shift.start = Clock(s.shift.start.0.max(now as u32).min(s.shift.end.0));
        }
        if let Some(r) = before.routes.iter().find(|r| r.vehicle.get() == k) {
            if st.finished(k).is_some() {
                s.shift.end = Clock(
                    s.shift
                        .end
                        .0
                        .min(r.end_time.max(s.shift.start.seconds()) as u32),
                );
            }
        }
    }
    pinned
}

/// Length of the longest common subsequence (stops keeping their relative order).
pub(crate) fn lcs(a: &[usize], b: &[usize]) -> usize {
    let mut dp = vec![0usize; b.len() + 1];
    for &x in a {
        let mut prev = 0;
        for (j, &y) in b.iter().enumerate() {
            let tmp = dp[j + 1];
            dp[j + 1] = if x == y {
                prev + 1
            } else {
                dp[j + 1].max(dp[j])
            };
            prev = tmp;
        }
    }
    dp[b.len()]
}
