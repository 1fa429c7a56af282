//! Concatenable route segments: the O(1) evaluation at the heart of the search.
//!
//! A [`Seg`] summarises a run of consecutive stops so that two runs can be
//! joined in constant time: duration and time warp (Vidal et al. 2013), the
//! load profile per dimension and per trip (multi-trip reloads reset the
//! load), distance, stop count and unreachable arcs, and the time each
//! limited delivery spends between leaving its trip's loading point and its
//! hand-over ([`Carry`], chilled goods). Every move is priced by joining a few
//! cached prefix/suffix segments; nothing walks the route.
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

/// "No limited delivery" in the [`Carry`] maxima.
pub(crate) const NO_CARRY: i64 = i64::MIN / 4;

/// The time part of a segment in Vidal's algebra: duration, time warp,
/// earliest and latest start for a schedule of minimal duration and warp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub dur: i64,
    pub tw: i64,
    pub e: i64,
    pub l: i64,
}

impl Span {
    /// `self` followed, `t` later, by `o`; also returns the waiting added.
    #[inline]
    pub fn then(&self, o: &Span, t: i64) -> (Span, i64) {
        let delta = self.dur - self.tw + t;
        let wait = (o.e - delta - self.l).max(0);
        let warp = (self.e + delta - o.l).max(0);
        (
            Span {
                dur: self.dur + o.dur + t + wait,
                tw: self.tw + o.tw + warp,
                e: (o.e - delta).max(self.e) - wait,
                l: (o.l - delta).min(self.l) + warp,
            },
            wait,
        )
    }
}

/// Time out of the cold: per limited delivery `j` (limit `L_j`), the time
/// from the departure of its trip's loading point (route start or reload) to
/// the start of its hand-over must stay within `L_j`.
///
/// The time is taken in the minimal-duration schedule of the trip from its
/// loading point to `j` (the vehicle may load later to avoid waiting on the
/// way; [`crate::search::schedule`] does so). For a stop `j` of the part
/// before a segment's first loading point, with `σ_j` the segment's prefix up
/// to `j`, let `a_j = dur(σ_j) - service_j - L_j`. Joined behind a run `T`
/// that starts at a departure (`Δ = T.dur - T.tw + t`), Vidal's formula gives
/// `dur(T ⊕ σ_j) - service_j - L_j = T.dur + t + a_j + max(0, e(σ_j) - Δ - T.l)`,
/// so the worst stop of the run is `T.dur + t + max(m1, m2 - Δ - T.l)` with
/// `m1 = max a_j` and `m2 = max (a_j + e(σ_j))`: two numbers per segment make
/// the per-trip worst excess concatenable in O(1). A route's penalty is the
/// sum over trips of the worst excess in each trip (zero exactly when every
/// limited delivery is in time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Carry {
    /// Whether the segment holds a loading point (route start or reload).
    pub loads: bool,
    /// Maxima `m1`, `m2` over the limited stops before the first loading
    /// point ([`NO_CARRY`] if none).
    pub m1: i64,
    pub m2: i64,
    /// From the departure of the last loading point to the end: its time
    /// span and the worst `carried - L_j` of its limited stops.
    pub tail: Span,
    pub tx: i64,
    /// Summed worst excess of the trips that start and end inside.
    pub inner: i64,
}

impl Carry {
    /// A stop that neither loads nor is limited.
    pub const NONE: Carry = Carry {
        loads: false,
        m1: NO_CARRY,
        m2: NO_CARRY,
        tail: Span {
            dur: 0,
            tw: 0,
            e: 0,
            l: 0,
        },
        tx: NO_CARRY,
        inner: 0,
    };

    /// A delivery handed over within `limit` of its trip's departure.
    pub fn limited(limit: i64, window_start: i64) -> Carry {
        Carry {
            m1: -limit,
            m2: window_start - limit,
            ..Carry::NONE
        }
    }

    /// A loading point with `service` and `window`: the carried time starts
    /// at its departure, i.e. a stop of no service with the window shifted by
    /// `service`.
    pub fn loading(service: i64, window: (i64, i64)) -> Carry {
        Carry {
            loads: true,
            tail: Span {
                dur: 0,
                tw: 0,
                e: window.0 + service,
                l: window.1 + service,
            },
            ..Carry::NONE
        }
    }

    /// Worst `carried - L_j` of the limited stops of `o`'s head when they
    /// follow the run `t` (which starts at a departure) `travel` later.
    #[inline]
    fn after(t: &Span, o: &Carry, travel: i64) -> i64 {
        if o.m1 == NO_CARRY {
            return NO_CARRY;
        }
        let delta = t.dur - t.tw + travel;
        t.dur + travel + o.m1.max(o.m2 - delta - t.l)
    }

    /// `self` (time span `a`) followed `travel` later by `o` (time span `b`).
    #[inline]
    pub fn then(&self, a: &Span, o: &Carry, b: &Span, travel: i64) -> Carry {
        let mut r = *self;
        if !self.loads {
            if o.m1 != NO_CARRY {
                let delta = a.dur - a.tw + travel;
                r.m1 = self.m1.max(a.dur + travel + o.m1.max(o.m2 - delta - a.l));
                r.m2 = self.m2.max(a.dur + travel + (o.m2 - delta).max(o.m1 + a.e));
            }
            if o.loads {
                r.loads = true;
                r.tail = o.tail;
                r.tx = o.tx;
                r.inner = o.inner;
            }
        } else {
            let reach = Carry::after(&self.tail, o, travel);
            if o.loads {
                r.inner = self.inner + o.inner + self.tx.max(reach).max(0);
                r.tail = o.tail;
                r.tx = o.tx;
            } else {
                r.tx = self.tx.max(reach);
                r.tail = self.tail.then(b, travel).0;
            }
        }
        r
    }

    /// Total excess, for a segment that is a whole route.
    #[inline]
    pub fn excess(&self) -> i64 {
        self.inner + self.tx.max(0) + self.m1.max(0)
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
    /// Time carried by limited deliveries.
    pub carry: Carry,
}

impl<const D: usize> Default for Seg<D> {
    fn default() -> Self {
        Seg::single(
            NOWHERE,
            0,
            (0, 0),
            TripLoad::default(),
            0,
            false,
            Carry::NONE,
        )
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
        carry: Carry,
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
            carry,
        }
    }

    #[inline]
    pub fn span(&self) -> Span {
        Span {
            dur: self.dur,
            tw: self.tw,
            e: self.e,
            l: self.l,
        }
    }

    /// `self` followed by `o`, travelling on matrix `m`, capacities `cap`.
    #[inline]
    pub fn concat(&self, o: &Self, m: &Matrix, cap: &[i64; D]) -> Self {
        let (t, dist, un) = travel(m, self.last, o.first);
        let (a, b) = (self.span(), o.span());
        let (time, _) = a.then(&b, t);
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
            dur: time.dur,
            tw: time.tw,
            e: time.e,
            l: time.l,
            dist: self.dist + o.dist + dist,
            stops: self.stops + o.stops,
            unreach: self.unreach + o.unreach + un,
            reload: self.reload || o.reload,
            head,
            tail,
            inner_excess,
            carry: self.carry.then(&a, &o.carry, &b, t),
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
        let depot = Seg::single(0, 0, (0, 1000), TripLoad::default(), 0, false, Carry::NONE);
        let reload = Seg::single(0, 0, (0, 1000), TripLoad::default(), 0, true, Carry::NONE);
        let pick = Seg::single(1, 0, (0, 1000), shipment_task(true), 1, false, Carry::NONE);
        let drop = Seg::single(2, 0, (0, 1000), shipment_task(false), 1, false, Carry::NONE);
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
        let a = Seg::single(0, 0, (0, 100), load(0, 0), 0, false, Carry::NONE);
        let b = Seg::single(1, 5, (50, 60), load(0, 0), 1, false, Carry::NONE);
        let ab = a.concat(&b, &m, &cap);
        // Leave at 40, arrive 50, serve until 55.
        assert_eq!((ab.dur, ab.tw, ab.e, ab.l), (15, 0, 40, 50));
        let c = Seg::single(2, 0, (0, 30), load(0, 0), 1, false, Carry::NONE);
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
            Seg::single(0, 0, (0, 1000), load(0, 0), 0, false, Carry::NONE),
            Seg::single(1, 3, (20, 40), load(4, 0), 1, false, Carry::NONE),
            Seg::single(2, 2, (0, 25), load(0, 3), 1, false, Carry::NONE),
            Seg::single(1, 0, (0, 1000), TripLoad::default(), 0, true, Carry::NONE),
            Seg::single(2, 1, (30, 90), load(2, 0), 1, false, Carry::NONE),
            Seg::single(0, 0, (0, 1000), load(0, 0), 0, false, Carry::NONE),
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
        let s = Seg::single(1, 0, (0, 99), load(4, 0), 1, false, Carry::NONE).concat(
            &Seg::single(2, 0, (0, 99), load(0, 5), 1, false, Carry::NONE),
            &m,
            &[5],
        );
        assert_eq!(s.load_excess(&[5]), 0);
        assert_eq!(s.load_excess(&[4]), 1);
        // Pickup first: 5 on board plus 4 still to deliver = 9.
        let s = Seg::single(2, 0, (0, 99), load(0, 5), 1, false, Carry::NONE).concat(
            &Seg::single(1, 0, (0, 99), load(4, 0), 1, false, Carry::NONE),
            &m,
            &[5],
        );
        assert_eq!(s.load_excess(&[5]), 4);
    }

    /// A stop of the carry tests: a loading point, a limited delivery or a plain stop.
    #[derive(Clone, Copy, Debug)]
    enum Kind {
        Load,
        Limited(i64),
        Plain,
    }

    #[derive(Clone, Copy, Debug)]
    struct Stop {
        loc: u32,
        service: i64,
        window: (i64, i64),
        kind: Kind,
    }

    fn seg_of(x: &Stop) -> Seg<1> {
        let carry = match x.kind {
            Kind::Load => Carry::loading(x.service, x.window),
            Kind::Limited(l) => Carry::limited(l, x.window.0),
            Kind::Plain => Carry::NONE,
        };
        Seg::single(
            x.loc,
            x.service,
            x.window,
            TripLoad::default(),
            1,
            matches!(x.kind, Kind::Load),
            carry,
        )
    }

    fn span_of(x: &Stop) -> Span {
        Span {
            dur: x.service,
            tw: 0,
            e: x.window.0,
            l: x.window.1,
        }
    }

    /// The carry excess computed directly: for every limited stop, the
    /// duration of the span from its trip's departure (or from the first
    /// stop, before any loading point) up to it, prefix by prefix.
    fn direct(m: &Matrix, stops: &[Stop]) -> i64 {
        let mut total = 0;
        let mut worst = i64::MIN;
        let mut span: Option<(Span, u32)> = None;
        for x in stops {
            if let Kind::Load = x.kind {
                total += worst.max(0);
                worst = i64::MIN;
                let virt = Span {
                    dur: 0,
                    tw: 0,
                    e: x.window.0 + x.service,
                    l: x.window.1 + x.service,
                };
                span = Some((virt, x.loc));
                continue;
            }
            let next = match span {
                None => span_of(x),
                Some((sp, last)) => sp.then(&span_of(x), travel(m, last, x.loc).0).0,
            };
            span = Some((next, x.loc));
            if let Kind::Limited(l) = x.kind {
                worst = worst.max(next.dur - x.service - l);
            }
        }
        total + worst.max(0)
    }

    /// Smallest `begin_j - departure` over whole departure times of the
    /// loading point `stops[0]` with no lateness up to `j` (earliest starts),
    /// or `None` if every departure is late somewhere.
    fn brute_carried(m: &Matrix, stops: &[Stop]) -> Option<i64> {
        let k = stops[0];
        let mut best = None;
        for begin in k.window.0..=k.window.1 {
            let dep = begin + k.service;
            let (mut t, mut last, mut late) = (dep, k.loc, false);
            for x in &stops[1..] {
                let b = (t + travel(m, last, x.loc).0).max(x.window.0);
                late |= b > x.window.1;
                t = b + x.service;
                last = x.loc;
            }
            let carried = t - stops.last().unwrap().service - dep;
            if !late && best.is_none_or(|c| carried < c) {
                best = Some(carried);
            }
        }
        best
    }

    fn stop_strategy() -> impl proptest::strategy::Strategy<Value = Stop> {
        use proptest::prelude::*;
        (0u32..3, 0i64..6, 0i64..120, 0i64..80, 0u8..3, 0i64..70).prop_map(
            |(loc, service, a, w, k, lim)| Stop {
                loc,
                service,
                window: (a, a + w),
                kind: match k {
                    0 => Kind::Load,
                    1 => Kind::Limited(lim),
                    _ => Kind::Plain,
                },
            },
        )
    }

    proptest::proptest! {
        /// Every bracketing of a sequence gives the same carry summary, and
        /// its excess is the direct per-prefix computation.
        #[test]
        fn carry_concatenation_matches_the_direct_computation(
            stops in proptest::collection::vec(stop_strategy(), 1..12)
        ) {
            let m = m();
            let cap = [100];
            let segs: Vec<Seg<1>> = stops.iter().map(seg_of).collect();
            let fold = |s: &[Seg<1>]| s[1..].iter().fold(s[0], |a, x| a.concat(x, &m, &cap));
            let left = fold(&segs);
            let right = segs[..segs.len() - 1]
                .iter()
                .rev()
                .fold(segs[segs.len() - 1], |a, x| x.concat(&a, &m, &cap));
            proptest::prop_assert_eq!(left.carry, right.carry);
            for k in 1..segs.len() {
                let split = fold(&segs[..k]).concat(&fold(&segs[k..]), &m, &cap);
                proptest::prop_assert_eq!(split.carry, left.carry);
            }
            proptest::prop_assert_eq!(left.carry.excess(), direct(&m, &stops));
        }

        /// On a trip that can be run without lateness, the carried time the
        /// segment prices is the least achievable: a departure search agrees.
        #[test]
        fn carried_time_is_the_least_over_departures(
            mut stops in proptest::collection::vec(stop_strategy(), 2..7),
            limit in 0i64..70,
        ) {
            let m = m();
            let cap = [100];
            stops[0].kind = Kind::Load;
            for x in &mut stops[1..] {
                x.kind = Kind::Plain;
            }
            let last = stops.len() - 1;
            stops[last].kind = Kind::Limited(limit);
            let Some(carried) = brute_carried(&m, &stops) else {
                return Ok(());
            };
            let segs: Vec<Seg<1>> = stops.iter().map(seg_of).collect();
            let whole = segs[1..].iter().fold(segs[0], |a, x| a.concat(x, &m, &cap));
            proptest::prop_assert_eq!(whole.tw, 0);
            proptest::prop_assert_eq!(whole.carry.excess(), (carried - limit).max(0));
            proptest::prop_assert_eq!(whole.carry.tx, carried - limit);
        }
    }

    #[test]
    fn a_limited_delivery_counts_from_its_own_trip() {
        let m = m();
        let cap = [100];
        // Depot at 0, deliveries at 1 (10 s) and 2 (20 s), limit 15.
        let depot = Stop {
            loc: 0,
            service: 0,
            window: (0, 1000),
            kind: Kind::Load,
        };
        let reload = Stop {
            service: 5,
            ..depot
        };
        let near = Stop {
            loc: 1,
            service: 3,
            window: (0, 1000),
            kind: Kind::Limited(15),
        };
        let far = Stop { loc: 2, ..near };
        let fold = |s: &[Stop]| {
            let segs: Vec<Seg<1>> = s.iter().map(seg_of).collect();
            segs[1..].iter().fold(segs[0], |a, x| a.concat(x, &m, &cap))
        };
        // Far first: 20 s, 5 over; then near: 20 + 3 + 10 = 33, 18 over; one trip: worst 18.
        assert_eq!(fold(&[depot, far, near, depot]).carry.excess(), 18);
        // Near first: 10 then 23: 8 over.
        assert_eq!(fold(&[depot, near, far, depot]).carry.excess(), 8);
        // A reload between them: 10 in trip 1, then 10 + 10 (back) ... far is 20 from the reload: 5 over.
        assert_eq!(fold(&[depot, near, reload, far, depot]).carry.excess(), 5);
        // Waiting for a window opens no gap: loading waits instead.
        let late = Stop {
            window: (500, 600),
            ..near
        };
        assert_eq!(fold(&[depot, late, depot]).carry.excess(), 0);
    }
}
