//! Concatenable route segments: the O(1) evaluation at the heart of the search.
//!
//! A [`Seg`] summarises a run of consecutive stops so that two runs can be
//! joined in constant time: duration and time warp (Vidal et al. 2013), the
//! load profile per dimension and per trip (multi-trip reloads reset the
//! load), distance, stop count and unreachable arcs. Every move is priced by
//! joining a few cached prefix/suffix segments; nothing walks the route.
//!
//! Each stop carries exactly one *active* time window in the search state
//! (see `state::SearchState::select_windows`), so the time part is the exact
//! single-window algebra; a schedule feasible for the active windows is
//! feasible for the job.

use crate::problem::{Matrix, UNREACHABLE};

/// Location sentinel of an open start or end: travel to or from it is free.
pub(crate) const NOWHERE: u32 = u32::MAX;

/// Load summary of the part of a segment that lies within one trip.
///
/// The load on board at any point of a trip is the sum of the trip's
/// depot-loaded deliveries still on board plus what was picked up so far.
/// `dsum` is the total depot-loaded delivery amount, `delta` the net change
/// along the segment and `mx` the highest prefix sum of changes (0 for the
/// empty prefix), so the peak of a whole trip is `dsum + mx`.
///
/// `open` counts shipment tasks: +1 per pickup, -1 per delivery. A shipment
/// must be picked up and delivered within one trip (the reload empties the
/// vehicle), and since a pickup always precedes its delivery in a route, the
/// first trip that leaves a shipment open has a positive count: so "every
/// whole trip sums to zero" is exactly "no shipment crosses a reload", and
/// that holds across any concatenation without naming the shipments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TripLoad<const D: usize> {
    pub dsum: [i64; D],
    pub delta: [i64; D],
    pub mx: [i64; D],
    pub open: i64,
}

impl<const D: usize> Default for TripLoad<D> {
    fn default() -> Self {
        TripLoad {
            dsum: [0; D],
            delta: [0; D],
            mx: [0; D],
            open: 0,
        }
    }
}

impl<const D: usize> TripLoad<D> {
    #[inline]
    pub fn concat(&self, o: &Self) -> Self {
        let mut r = *self;
        for d in 0..D {
            r.dsum[d] = self.dsum[d] + o.dsum[d];
            r.delta[d] = self.delta[d] + o.delta[d];
            r.mx[d] = self.mx[d].max(self.delta[d] + o.mx[d]);
        }
        r.open = self.open + o.open;
        r
    }

    /// Amount above capacity, summed over dimensions, if this is a whole
    /// trip; a shipment left open by the trip counts as one unit (it is a
    /// load violation: the reload would have to carry it through).
    #[inline]
    pub fn excess(&self, cap: &[i64; D]) -> i64 {
        let mut e = self.open.abs();
        for (d, c) in cap.iter().enumerate() {
            e += (self.dsum[d] + self.mx[d] - c).max(0);
        }
        e
    }
}

/// Summary of a run of consecutive stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seg<const D: usize> {
    /// Location of the first and last stop ([`NOWHERE`] for an open depot).
    pub first: u32,
    pub last: u32,
    /// Minimal duration from the start of service at the first stop to the
    /// end of service at the last, waiting included.
    pub dur: i64,
    /// Time warp: lateness that had to be forgiven.
    pub tw: i64,
    /// Earliest and latest service start at the first stop for a schedule of
    /// minimal duration and time warp.
    pub e: i64,
    pub l: i64,
    pub dist: i64,
    /// Job tasks (reloads and depots excluded).
    pub stops: u32,
    /// Arcs with no path.
    pub unreach: u32,
    /// Whether the segment contains a reload (then `head` and `tail` differ).
    pub reload: bool,
    /// The part before the first reload (the whole segment if none).
    pub head: TripLoad<D>,
    /// The part after the last reload.
    pub tail: TripLoad<D>,
    /// Load excess of the complete trips strictly inside the segment.
    pub inner_excess: i64,
}

impl<const D: usize> Default for Seg<D> {
    fn default() -> Self {
        Seg::single(NOWHERE, 0, (0, 0), TripLoad::default(), 0, false)
    }
}

/// Travel between two locations on one profile: (time, distance, unreachable arcs).
#[inline]
pub(crate) fn travel(m: &Matrix, a: u32, b: u32) -> (i64, i64, u32) {
    if a == NOWHERE || b == NOWHERE {
        return (0, 0, 0);
    }
    let t = m.duration(crate::problem::LocIdx(a), crate::problem::LocIdx(b));
    let d = m.distance(crate::problem::LocIdx(a), crate::problem::LocIdx(b));
    (t, d, (t == UNREACHABLE as i64) as u32)
}

impl<const D: usize> Seg<D> {
    /// The segment of one stop.
    pub fn single(
        loc: u32,
        service: i64,
        window: (i64, i64),
        load: TripLoad<D>,
        stops: u32,
        reload: bool,
    ) -> Self {
        Seg {
            first: loc,
            last: loc,
            dur: service,
            tw: 0,
            e: window.0,
            l: window.1,
            dist: 0,
            stops,
            unreach: 0,
            reload,
            head: load,
            tail: load,
            inner_excess: 0,
        }
    }

    /// `self` followed by `o`, travelling on matrix `m`, capacities `cap`.
    #[inline]
    pub fn concat(&self, o: &Self, m: &Matrix, cap: &[i64; D]) -> Self {
        let (t, dist, un) = travel(m, self.last, o.first);
        let delta = self.dur - self.tw + t;
        let wait = (o.e - delta - self.l).max(0);
        let warp = (self.e + delta - o.l).max(0);
        let (head, tail, inner_excess) = match (self.reload, o.reload) {
            (false, false) => {
                let h = self.head.concat(&o.head);
                (h, h, 0)
            }
            (true, false) => (self.head, self.tail.concat(&o.head), self.inner_excess),
            (false, true) => (self.head.concat(&o.head), o.tail, o.inner_excess),
            (true, true) => {
                let mid = self.tail.concat(&o.head).excess(cap);
                (self.head, o.tail, self.inner_excess + o.inner_excess + mid)
            }
        };
        Seg {
            first: self.first,
            last: o.last,
            dur: self.dur + o.dur + t + wait,
            tw: self.tw + o.tw + warp,
            e: (o.e - delta).max(self.e) - wait,
            l: (o.l - delta).min(self.l) + warp,
            dist: self.dist + o.dist + dist,
            stops: self.stops + o.stops,
            unreach: self.unreach + o.unreach + un,
            reload: self.reload || o.reload,
            head,
            tail,
            inner_excess,
        }
    }

    /// Load excess of a segment that is a whole route.
    #[inline]
    pub fn load_excess(&self, cap: &[i64; D]) -> i64 {
        if self.reload {
            self.head.excess(cap) + self.inner_excess + self.tail.excess(cap)
        } else {
            self.head.excess(cap)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Matrix {
        // 0 -- 1 -- 2 on a line, 10 apart.
        Matrix::from_distances(3, vec![0, 10, 20, 10, 0, 10, 20, 10, 0]).unwrap()
    }

    fn load(d: i64, p: i64) -> TripLoad<1> {
        TripLoad {
            dsum: [d],
            delta: [p - d],
            mx: [(p - d).max(0)],
            open: 0,
        }
    }

    fn shipment_task(pickup: bool) -> TripLoad<1> {
        TripLoad {
            dsum: [0],
            delta: [if pickup { 1 } else { -1 }],
            mx: [pickup as i64],
            open: if pickup { 1 } else { -1 },
        }
    }

    #[test]
    fn a_shipment_across_a_reload_is_a_load_violation() {
        let m = m();
        let cap = [10];
        let depot = Seg::single(0, 0, (0, 1000), TripLoad::default(), 0, false);
        let reload = Seg::single(0, 0, (0, 1000), TripLoad::default(), 0, true);
        let pick = Seg::single(1, 0, (0, 1000), shipment_task(true), 1, false);
        let drop = Seg::single(2, 0, (0, 1000), shipment_task(false), 1, false);
        let fold = |s: &[Seg<1>]| s[1..].iter().fold(s[0], |a, x| a.concat(x, &m, &cap));
        // Both in the first trip, both in the last, both in a middle trip: fine.
        for route in [
            vec![depot, pick, drop, reload, depot],
            vec![depot, reload, pick, drop, depot],
            vec![depot, reload, pick, drop, reload, depot],
        ] {
            assert_eq!(fold(&route).load_excess(&cap), 0);
        }
        // Split by one reload, or carried through a middle trip.
        assert!(fold(&[depot, pick, reload, drop, depot]).load_excess(&cap) > 0);
        assert!(fold(&[depot, pick, reload, reload, drop, depot]).load_excess(&cap) > 0);
        // Right-to-left folds agree.
        let r = [depot, pick, reload, drop, depot];
        let right = r[..4]
            .iter()
            .rev()
            .fold(r[4], |a, x| x.concat(&a, &m, &cap));
        assert_eq!(right, fold(&r));
    }

    #[test]
    fn waiting_and_warp_follow_the_windows() {
        let m = m();
        let cap = [100];
        let a = Seg::single(0, 0, (0, 100), load(0, 0), 0, false);
        let b = Seg::single(1, 5, (50, 60), load(0, 0), 1, false);
        let ab = a.concat(&b, &m, &cap);
        // Leave at 40, arrive 50, serve until 55.
        assert_eq!((ab.dur, ab.tw, ab.e, ab.l), (15, 0, 40, 50));
        let c = Seg::single(2, 0, (0, 30), load(0, 0), 1, false);
        let abc = ab.concat(&c, &m, &cap);
        // Arrive at 65 at a window closing at 30: 35 of warp.
        assert_eq!(abc.tw, 35);
        assert_eq!(abc.dist, 20);
    }

    #[test]
    fn concatenation_is_associative() {
        let m = m();
        let cap = [5];
        let segs = [
            Seg::single(0, 0, (0, 1000), load(0, 0), 0, false),
            Seg::single(1, 3, (20, 40), load(4, 0), 1, false),
            Seg::single(2, 2, (0, 25), load(0, 3), 1, false),
            Seg::single(1, 0, (0, 1000), TripLoad::default(), 0, true),
            Seg::single(2, 1, (30, 90), load(2, 0), 1, false),
            Seg::single(0, 0, (0, 1000), load(0, 0), 0, false),
        ];
        let left = segs[1..]
            .iter()
            .fold(segs[0], |acc, s| acc.concat(s, &m, &cap));
        let right = segs[..5]
            .iter()
            .rev()
            .fold(segs[5], |acc, s| s.concat(&acc, &m, &cap));
        assert_eq!(left, right);
        // Trip 1 carries 4 out and 3 back: peak 4 then 1+3 = 4 <= 5. Trip 2: 2.
        assert_eq!(left.load_excess(&cap), 0);
        assert_eq!(left.load_excess(&[3]), 1);
    }

    #[test]
    fn pickup_after_delivery_shares_the_vehicle() {
        let m = m();
        // Delivery of 4 then pickup of 5: peak is max(4, 5).
        let s = Seg::single(1, 0, (0, 99), load(4, 0), 1, false).concat(
            &Seg::single(2, 0, (0, 99), load(0, 5), 1, false),
            &m,
            &[5],
        );
        assert_eq!(s.load_excess(&[5]), 0);
        assert_eq!(s.load_excess(&[4]), 1);
        // Pickup first: 5 on board plus 4 still to deliver = 9.
        let s = Seg::single(2, 0, (0, 99), load(0, 5), 1, false).concat(
            &Seg::single(1, 0, (0, 99), load(4, 0), 1, false),
            &m,
            &[5],
        );
        assert_eq!(s.load_excess(&[5]), 4);
    }
}
