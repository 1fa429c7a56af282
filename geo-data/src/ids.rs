//! Dense typed indices and the integer travel cost.
//!
//! Everything inside the crate indexes `Vec`s with these newtypes; OSM ids only
//! appear at the boundary (import, debugging output).

use std::fmt;

/// Index of a node in one profile's [`crate::RoadGraph`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeIdx(pub u32);

/// Index of a directed edge in one profile's [`crate::RoadGraph`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EdgeIdx(pub u32);

impl NodeIdx {
    /// The index as a `usize`, for indexing arrays.
    #[inline]
    pub fn ix(self) -> usize {
        self.0 as usize
    }
}

impl EdgeIdx {
    /// The index as a `usize`, for indexing arrays.
    #[inline]
    pub fn ix(self) -> usize {
        self.0 as usize
    }
}

/// The travel metric every search in this crate minimises.
///
/// A cost is the pair (duration in milliseconds, distance in centimetres),
/// compared lexicographically: the fastest path wins and, among equally fast
/// paths, the shortest. Packing the pair into one `u64` (duration in the high
/// 32 bits) makes addition and comparison single integer operations, and makes
/// the optimum *value* unique, so the contraction hierarchy and the plain
/// Dijkstra oracle must agree exactly on both numbers, not just on duration.
///
/// The packing is exact as long as a path's distance stays below 2^32 cm
/// (42,949 km), which no city or country graph approaches.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cost(pub(crate) u64);

impl Cost {
    /// The zero cost (a point to itself).
    pub const ZERO: Cost = Cost(0);
    /// Marker for "no path"; never produced by adding finite costs.
    pub(crate) const INFINITY: Cost = Cost(u64::MAX);

    /// A cost from its two parts.
    #[inline]
    pub fn new(duration_ms: u32, distance_cm: u32) -> Cost {
        Cost(((duration_ms as u64) << 32) | distance_cm as u64)
    }

    /// Travel time in milliseconds.
    #[inline]
    pub fn duration_ms(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// Travel distance in centimetres.
    #[inline]
    pub fn distance_cm(self) -> u32 {
        self.0 as u32
    }

    /// Travel time rounded to whole seconds (half up), as reported by the API.
    #[inline]
    pub fn duration_s(self) -> u32 {
        ((self.duration_ms() as u64 + 500) / 1000) as u32
    }

    /// Travel distance rounded to whole metres (half up), as reported by the API.
    #[inline]
    pub fn distance_m(self) -> u32 {
        ((self.distance_cm() as u64 + 50) / 100) as u32
    }

    /// The cost of the first `frac` (0..=1) of an edge of cost `self`.
    ///
    /// Both parts are rounded independently; rounding is monotone in `frac`, so
    /// points further along an edge never cost less to reach, and the rest of the
    /// edge is `self - part` with both parts non-negative.
    #[inline]
    pub(crate) fn part(self, frac: f64) -> Cost {
        let d = (self.duration_ms() as f64 * frac).round() as u32;
        let l = (self.distance_cm() as f64 * frac).round() as u32;
        Cost::new(d.min(self.duration_ms()), l.min(self.distance_cm()))
    }

    #[inline]
    pub(crate) fn is_finite(self) -> bool {
        self != Cost::INFINITY
    }
}

impl std::ops::Add for Cost {
    type Output = Cost;
    #[inline]
    fn add(self, rhs: Cost) -> Cost {
        Cost(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Cost {
    type Output = Cost;
    /// Only used for `edge - part_of_edge`, where both components are smaller.
    #[inline]
    fn sub(self, rhs: Cost) -> Cost {
        Cost(self.0 - rhs.0)
    }
}

impl fmt::Debug for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Cost::INFINITY {
            write!(f, "Cost(unreachable)")
        } else {
            write!(
                f,
                "Cost({} ms, {} cm)",
                self.duration_ms(),
                self.distance_cm()
            )
        }
    }
}
