//! Travel to and from a door that is not (yet) a location of the problem:
//! the rows the desk adds for an urgent order, and the one question pricing
//! asks of them. Kept apart so that state, pricing and the schedule depend on
//! it and not on each other.

use solver::problem::{LocIdx, Matrix, Time};

/// Travel to and from the door, per profile: `(seconds, metres)`, `None` when
/// unknown or unreachable.
pub trait DoorTravel {
    fn to_door(&self, profile: usize, from: LocIdx) -> Option<(Time, i64)>;
    fn from_door(&self, profile: usize, to: LocIdx) -> Option<(Time, i64)>;
}

/// Travel between a new point and every existing location, for one profile.
#[derive(Clone, Debug, Default)]
pub struct Travel {
    /// `(seconds, metres)` from location `a` to the new point.
    pub to_new: Vec<Option<(i32, i32)>>,
    /// `(seconds, metres)` from the new point to location `a`.
    pub from_new: Vec<Option<(i32, i32)>>,
}

impl Travel {
    /// The same travel as an existing location's (a retry at the same door).
    pub fn copy_of(m: &Matrix, loc: usize) -> Travel {
        let n = m.size();
        let l = LocIdx(loc as u32);
        let get = |a: LocIdx, b: LocIdx| {
            m.reachable(a, b)
                .then(|| (m.duration(a, b) as i32, m.distance(a, b) as i32))
        };
        Travel {
            to_new: (0..n).map(|a| get(LocIdx(a as u32), l)).collect(),
            from_new: (0..n).map(|a| get(l, LocIdx(a as u32))).collect(),
        }
    }
}
