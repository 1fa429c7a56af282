//! Costs between a plan's points and one new point, without a new matrix.
//!
//! An escalation desk holds a plan of N ≈ 2,000 snapped points and, for every
//! urgent order at a new point P, needs the cost from each plan point to P and
//! from P to each plan point, many times per plan. A matrix on N + 1 points
//! would redo all 2N upward searches of the plan points (≈ 100 ms on Chengdu)
//! to learn one row and one column. [`PointIndex`] keeps those searches instead:
//! the plan points' backward search spaces as buckets (node → point, cost from
//! node to point) and their forward search spaces likewise (node → point, cost
//! from point to node). A query is then one upward search from P and a scan of
//! the buckets of the nodes it settles — the second half of the bucket
//! many-to-many, for one row.
//!
//! Exactness: the searches, seeds and same-position rule are the matrix's own
//! (the bucket many-to-many in [`crate::ch`], the same-edge pass in
//! [`crate::matrix`]), so every value equals the matching cell of
//! `matrix(points ++ [P])` on both duration and distance; the differential
//! tests assert equality, not closeness.
//!
//! A committed urgent order joins the index with [`ProfileGraph::append_point`]:
//! its two search spaces wait in a small sorted list per direction, scanned
//! like the buckets, and are merged into the buckets in one pass once that
//! list grows, so appending never rebuilds the index.
//!
//! [`ProfileGraph::append_point`]: crate::ProfileGraph::append_point

use crate::ch::{BucketEntry, Buckets, Dir};
use crate::ids::Cost;
use crate::matrix::seconds_and_metres;
use crate::query::QueryGraph;
use crate::snap::SnappedPoint;

/// Appended entries per direction beyond which an append merges them into the
/// buckets. Each append keeps the pending list sorted with one merge pass over
/// it, so this bounds that pass (1 MB) on a large index.
const PENDING_MAX: usize = 65_536;

/// Merge also when the pending entries reach this fraction (1/8) of the
/// buckets, so the copying a merge does is at most 8 entries per appended one.
const PENDING_SHARE: usize = 8;

/// The search spaces of the indexed points in one direction.
///
/// Appended points go to a second, small level first: an append then costs its
/// two upward searches and a pass over that level, not a copy of the whole
/// index. Measured on a 2,000-point Chengdu walk index (bench_geo): merging
/// into the buckets on every append cost 170 µs per append, this level 20 µs;
/// an unsorted level, scanned by looking up the query's distance at every
/// pending entry, made queries 50 % slower after 100 appends, this one 12 %
/// (for 5 % more points).
#[derive(Clone, Default)]
struct Side {
    buckets: Buckets,
    /// Entries of appended points not merged yet, (CH node, entry), sorted by
    /// node: each settled node of a query finds its own by binary search.
    pending: Vec<(u32, BucketEntry)>,
}

impl Side {
    fn push(&mut self, point: u32, space: &[(u32, Cost)]) {
        let mut new: Vec<(u32, BucketEntry)> = space
            .iter()
            .map(|&(v, c)| (v, BucketEntry::new(point, c)))
            .collect();
        new.sort_unstable_by_key(|&(v, _)| v);
        // Merge the sorted `new` into the sorted `pending` in place, from the back.
        let (mut i, mut j) = (self.pending.len(), new.len());
        self.pending.extend_from_slice(&new);
        let mut k = self.pending.len();
        while j > 0 {
            k -= 1;
            if i > 0 && self.pending[i - 1].0 > new[j - 1].0 {
                i -= 1;
                self.pending[k] = self.pending[i];
            } else {
                j -= 1;
                self.pending[k] = new[j];
            }
        }
        if self.pending.len() >= PENDING_MAX
            || self.pending.len() * PENDING_SHARE >= self.buckets.len()
        {
            self.buckets.merge(&mut self.pending);
        }
    }

    /// Lowers `out[i]` to the best cost through this side's search spaces,
    /// given the settled nodes of an upward search in the opposite direction.
    fn scan(&self, settled: &[(u32, Cost)], out: &mut [Cost]) {
        self.buckets.scan(settled, out);
        if self.pending.is_empty() {
            return;
        }
        for &(u, d) in settled {
            let from = self.pending.partition_point(|&(v, _)| v < u);
            for &(_, e) in self.pending[from..].iter().take_while(|&&(v, _)| v == u) {
                let x = d + e.cost();
                let cell = &mut out[e.point as usize];
                if x < *cell {
                    *cell = x;
                }
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        self.buckets.heap_bytes()
            + self.pending.capacity() * std::mem::size_of::<(u32, BucketEntry)>()
    }
}

/// Precomputed search spaces of a fixed set of snapped points on one
/// [`ProfileGraph`], answering "from a new point to all of them" and "from all
/// of them to a new point" in one upward search each.
///
/// Built by [`ProfileGraph::point_index`], queried with
/// [`ProfileGraph::from_point`] and [`ProfileGraph::to_point`], grown with
/// [`ProfileGraph::append_point`]. Points keep the numbering they were given
/// (built points first, then appended ones in order). Only valid with the graph
/// that built it; the query methods panic on a mix-up, like
/// [`ProfileGraph::matrix`] does for points.
///
/// [`ProfileGraph`]: crate::ProfileGraph
/// [`ProfileGraph::point_index`]: crate::ProfileGraph::point_index
/// [`ProfileGraph::from_point`]: crate::ProfileGraph::from_point
/// [`ProfileGraph::to_point`]: crate::ProfileGraph::to_point
/// [`ProfileGraph::append_point`]: crate::ProfileGraph::append_point
/// [`ProfileGraph::matrix`]: crate::ProfileGraph::matrix
#[derive(Clone)]
pub struct PointIndex {
    fingerprint: u64,
    points: Vec<SnappedPoint>,
    /// Backward search spaces: at node `v`, (point `i`, cost `v → i`). A forward
    /// search from a new point scans them: costs *to* the indexed points.
    to_points: Side,
    /// Forward search spaces: at node `v`, (point `i`, cost `i → v`). A backward
    /// search to a new point scans them: costs *from* the indexed points.
    from_points: Side,
    /// (road position key, point) for every point, sorted: the candidates for
    /// the trip along a shared segment or door to door on foot.
    by_position: Vec<(u64, u32)>,
}

impl PointIndex {
    /// Number of indexed points.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True when no point is indexed.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The indexed points, in index order.
    pub fn points(&self) -> &[SnappedPoint] {
        &self.points
    }

    /// Bucket entries in both directions (merged and pending): the index's size
    /// in the unit its memory and scan time grow with.
    pub fn num_entries(&self) -> usize {
        [&self.to_points, &self.from_points]
            .iter()
            .map(|s| s.buckets.len() + s.pending.len())
            .sum()
    }

    /// Heap memory held, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.to_points.heap_bytes()
            + self.from_points.heap_bytes()
            + self.points.capacity() * std::mem::size_of::<SnappedPoint>()
            + self.by_position.capacity() * std::mem::size_of::<(u64, u32)>()
    }

    /// Indexed points at the same road position as `p` (its segment or node).
    fn same_position(&self, p: &SnappedPoint) -> impl Iterator<Item = usize> + '_ {
        let k = p.position_key();
        let lo = self.by_position.partition_point(|&(x, _)| x < k);
        let hi = self.by_position.partition_point(|&(x, _)| x <= k);
        self.by_position[lo..hi].iter().map(|&(_, i)| i as usize)
    }

    fn insert_position_key(&mut self, p: &SnappedPoint, i: u32) {
        let k = p.position_key();
        let at = self.by_position.partition_point(|&x| x < (k, i));
        self.by_position.insert(at, (k, i));
    }
}

impl std::fmt::Debug for PointIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PointIndex({} points, {} bucket entries)",
            self.points.len(),
            self.num_entries()
        )
    }
}

/// Costs between one point and every point of a [`PointIndex`], in index order.
///
/// Rounded exactly like [`crate::TravelMatrix`]: whole seconds and metres from
/// the exact costs ([`PointCosts::cost`]), [`crate::UNREACHABLE`] when there is
/// no path, never a silent zero.
#[derive(Clone, Debug, PartialEq)]
pub struct PointCosts {
    /// Seconds per indexed point, `UNREACHABLE` for no path.
    pub durations: Vec<u32>,
    /// Metres per indexed point, `UNREACHABLE` for no path.
    pub distances: Vec<u32>,
    costs: Vec<Cost>,
}

impl PointCosts {
    fn from_costs(costs: Vec<Cost>) -> PointCosts {
        let (durations, distances) = seconds_and_metres(&costs);
        PointCosts {
            durations,
            distances,
            costs,
        }
    }

    /// Number of indexed points covered.
    pub fn len(&self) -> usize {
        self.costs.len()
    }

    /// True for an empty index.
    pub fn is_empty(&self) -> bool {
        self.costs.is_empty()
    }

    /// The exact cost for indexed point `i` (milliseconds and centimetres),
    /// `None` if unreachable.
    pub fn cost(&self, i: usize) -> Option<Cost> {
        let c = self.costs[i];
        c.is_finite().then_some(c)
    }

    /// Seconds for indexed point `i`, `None` if unreachable.
    pub fn duration_s(&self, i: usize) -> Option<u32> {
        self.cost(i).map(Cost::duration_s)
    }

    /// Metres for indexed point `i`, `None` if unreachable.
    pub fn distance_m(&self, i: usize) -> Option<u32> {
        self.cost(i).map(Cost::distance_m)
    }
}

/// A point's number in the index; 4 billion points is far beyond any plan, and
/// `u32` keeps every bucket entry at 12 bytes.
fn point_number(i: usize) -> u32 {
    u32::try_from(i).expect("a point index holds fewer than 2^32 points")
}

/// Builds the index; see [`crate::ProfileGraph::point_index`].
pub(crate) fn build(q: &QueryGraph, points: &[SnappedPoint]) -> PointIndex {
    for p in points {
        q.check_point(p);
    }
    point_number(points.len());
    let ch = q.hierarchy();
    let n = ch.num_nodes();
    // One direction at a time, so only one set of raw search spaces is alive.
    let side = |dir: Dir| {
        let seeds: Vec<_> = points
            .iter()
            .map(|p| match dir {
                Dir::Backward => q.ch_in_seeds(p),
                Dir::Forward => q.ch_out_seeds(p),
            })
            .collect();
        let spaces = ch.search_spaces(dir, &seeds, q.pool());
        Side {
            buckets: Buckets::from_spaces(n, &spaces),
            pending: Vec::new(),
        }
    };
    let to_points = side(Dir::Backward);
    let from_points = side(Dir::Forward);
    let mut by_position: Vec<(u64, u32)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (p.position_key(), i as u32))
        .collect();
    by_position.sort_unstable();
    PointIndex {
        fingerprint: q.fingerprint(),
        points: points.to_vec(),
        to_points,
        from_points,
        by_position,
    }
}

fn check_index(q: &QueryGraph, index: &PointIndex) {
    assert_eq!(
        index.fingerprint,
        q.fingerprint(),
        "a point index built on another graph was passed to the {} graph",
        q.profile()
    );
}

/// Costs from `p` to every indexed point; see [`crate::ProfileGraph::from_point`].
pub(crate) fn from_point(q: &QueryGraph, index: &PointIndex, p: &SnappedPoint) -> PointCosts {
    q.check_point(p);
    check_index(q, index);
    let ch = q.hierarchy();
    let mut out = vec![Cost::INFINITY; index.len()];
    let mut s = q.pool().take(ch.num_nodes());
    ch.upward(Dir::Forward, &q.ch_out_seeds(p), &mut s, false);
    index.to_points.scan(&s.settled, &mut out);
    drop(s);
    let g = q.road_graph();
    for i in index.same_position(p) {
        if let Some((c, _)) = p.shortcut(&index.points[i], g) {
            out[i] = out[i].min(c);
        }
    }
    PointCosts::from_costs(out)
}

/// Costs from every indexed point to `p`; see [`crate::ProfileGraph::to_point`].
pub(crate) fn to_point(q: &QueryGraph, index: &PointIndex, p: &SnappedPoint) -> PointCosts {
    q.check_point(p);
    check_index(q, index);
    let ch = q.hierarchy();
    let mut out = vec![Cost::INFINITY; index.len()];
    let mut s = q.pool().take(ch.num_nodes());
    ch.upward(Dir::Backward, &q.ch_in_seeds(p), &mut s, false);
    index.from_points.scan(&s.settled, &mut out);
    drop(s);
    let g = q.road_graph();
    for i in index.same_position(p) {
        if let Some((c, _)) = index.points[i].shortcut(p, g) {
            out[i] = out[i].min(c);
        }
    }
    PointCosts::from_costs(out)
}

/// Adds `p` as the next point; see [`crate::ProfileGraph::append_point`].
pub(crate) fn append(q: &QueryGraph, index: &mut PointIndex, p: &SnappedPoint) -> usize {
    q.check_point(p);
    check_index(q, index);
    let i = point_number(index.points.len());
    let ch = q.hierarchy();
    let mut s = q.pool().take(ch.num_nodes());
    ch.upward(Dir::Backward, &q.ch_in_seeds(p), &mut s, false);
    index.to_points.push(i, &s.settled);
    ch.upward(Dir::Forward, &q.ch_out_seeds(p), &mut s, false);
    index.from_points.push(i, &s.settled);
    index.insert_position_key(p, i);
    index.points.push(*p);
    i as usize
}

#[cfg(test)]
mod tests {
    //! Graphs with unreachable pairs cannot come out of [`crate::GraphBuilder`]
    //! (it keeps one strongly connected component), so this test builds the
    //! road graph's arrays directly: random one-way streets on two grids joined
    //! by a one-way bridge, and an island, with tiny costs so ties abound.

    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::*;
    use crate::graph::{RoadGraph, COORD_SCALE, NO_EDGE};
    use crate::ids::{EdgeIdx, NodeIdx};
    use crate::{ComponentReport, Profile, ProfileGraph, SnapConfig};

    type Segment = (u32, u32, Option<Cost>, Option<Cost>);

    /// CSR arrays straight from segments, every node kept.
    fn raw_graph(coords: &[(f64, f64)], segments: &[Segment]) -> RoadGraph {
        let mut dirs: Vec<(u32, u32, Cost, usize)> = Vec::new();
        for (s, &(a, b, fw, bw)) in segments.iter().enumerate() {
            if let Some(c) = fw {
                dirs.push((a, b, c, s));
            }
            if let Some(c) = bw {
                dirs.push((b, a, c, s));
            }
        }
        dirs.sort_by_key(|d| d.0);
        let n = coords.len();
        let mut g = RoadGraph::default();
        for (i, &(lat, lon)) in coords.iter().enumerate() {
            g.lat_e7.push((lat * COORD_SCALE).round() as i32);
            g.lon_e7.push((lon * COORD_SCALE).round() as i32);
            g.osm_node.push(i as i64);
        }
        g.first_out = vec![0; n + 1];
        for d in &dirs {
            g.first_out[d.0 as usize + 1] += 1;
        }
        for v in 0..n {
            g.first_out[v + 1] += g.first_out[v];
        }
        for d in &dirs {
            g.tail.push(d.0);
            g.head.push(d.1);
            g.cost.push(d.2);
            g.way.push(d.3 as i64);
        }
        let m = dirs.len();
        g.twin = vec![NO_EDGE; m];
        for e in 0..m {
            for f in 0..m {
                if e != f && dirs[e].3 == dirs[f].3 {
                    g.twin[e] = f as u32;
                }
            }
        }
        g
    }

    fn tiny(rng: &mut Xoshiro256PlusPlus) -> Cost {
        Cost::new(rng.gen_range(0..5), rng.gen_range(0..4))
    }

    /// Two 5×5 grids of random one-way and two-way streets, a one-way bridge
    /// from the first to the second, and a two-node island.
    fn broken_city(rng: &mut Xoshiro256PlusPlus) -> ProfileGraph {
        let mut coords = Vec::new();
        let mut segments: Vec<Segment> = Vec::new();
        for grid in 0..2u32 {
            let base = coords.len() as u32;
            for y in 0..5 {
                for x in 0..5 {
                    let lon = 104.0 + (grid as f64 * 6.0 + x as f64) * 1e-3;
                    coords.push((30.0 + y as f64 * 1e-3, lon));
                }
            }
            for y in 0..5u32 {
                for x in 0..5u32 {
                    let v = base + y * 5 + x;
                    for (dx, dy) in [(1, 0), (0, 1)] {
                        if x + dx >= 5 || y + dy >= 5 {
                            continue;
                        }
                        let w = base + (y + dy) * 5 + x + dx;
                        let (c, d) = (tiny(rng), tiny(rng));
                        let seg = match rng.gen_range(0..4) {
                            0 => (v, w, Some(c), None),
                            1 => (v, w, None, Some(c)),
                            2 => (v, w, Some(c), Some(c)),
                            _ => (v, w, Some(c), Some(d)),
                        };
                        segments.push(seg);
                    }
                }
            }
        }
        // Bridge: east edge of grid 0, middle row → west edge of grid 1.
        segments.push((14, 35, Some(tiny(rng)), None));
        let island = coords.len() as u32;
        coords.push((30.01, 104.0));
        coords.push((30.01, 104.001));
        segments.push((island, island + 1, Some(tiny(rng)), Some(tiny(rng))));
        let g = raw_graph(&coords, &segments);
        ProfileGraph::from_graph(Profile::Car, g, ComponentReport::default())
    }

    fn random_points(
        rng: &mut Xoshiro256PlusPlus,
        g: &ProfileGraph,
        k: usize,
    ) -> Vec<SnappedPoint> {
        let far = SnapConfig {
            max_distance_m: 1e7,
        };
        let rg = g.road_graph();
        let mut pts: Vec<SnappedPoint> = Vec::new();
        while pts.len() < k {
            let p = match rng.gen_range(0..5) {
                0 => g.point_at_node(NodeIdx(rng.gen_range(0..rg.num_nodes() as u32))),
                1 if !pts.is_empty() => pts[rng.gen_range(0..pts.len())],
                2 | 3 => {
                    let e = EdgeIdx(rng.gen_range(0..rg.num_edges() as u32));
                    let (a, b) = (rg.coord(rg.tail(e)), rg.coord(rg.head(e)));
                    let t = [0.25, 0.5, 0.75, rng.gen_range(0.0..1.0)][rng.gen_range(0..4)];
                    g.snap_with(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, &far)
                        .expect("on the graph")
                }
                _ => g
                    .snap_with(
                        30.0 + rng.gen_range(0.0..0.011),
                        104.0 + rng.gen_range(0.0..0.011),
                        &far,
                    )
                    .expect("on the graph"),
            };
            pts.push(p);
        }
        pts
    }

    /// What the checks met, so the test fails if it stops meeting them.
    #[derive(Default)]
    struct Seen {
        unreachable: usize,
        along_segment: usize,
    }

    fn check(g: &ProfileGraph, idx: &PointIndex, p: &SnappedPoint, seen: &mut Seen) {
        let pts = idx.points();
        let n = pts.len();
        let mut all = pts.to_vec();
        all.push(*p);
        let m = g.matrix(&all);
        let (from, to) = (g.from_point(idx, p), g.to_point(idx, p));
        assert_eq!((from.len(), to.len()), (n, n));
        let rg = g.road_graph();
        for (i, q) in pts.iter().enumerate() {
            let (row, col) = (n * (n + 1) + i, i * (n + 1) + n);
            assert_eq!(from.cost(i), m.cost(n, i), "from P to {i}");
            assert_eq!(to.cost(i), m.cost(i, n), "from {i} to P");
            assert_eq!(from.durations[i], m.durations[row]);
            assert_eq!(from.distances[i], m.distances[row]);
            assert_eq!(to.durations[i], m.durations[col]);
            assert_eq!(to.distances[i], m.distances[col]);
            seen.unreachable += (from.durations[i] == crate::UNREACHABLE) as usize
                + (to.durations[i] == crate::UNREACHABLE) as usize;
            let direct = p.shortcut(q, rg).map(|x| x.0);
            seen.along_segment += (direct.is_some() && direct == from.cost(i)) as usize;
        }
    }

    #[test]
    fn equals_the_matrix_with_unreachable_pairs_and_ties() {
        let mut seen = Seen::default();
        for seed in 0..40u64 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let g = broken_city(&mut rng);
            let pts = random_points(&mut rng, &g, 30);
            let mut idx = g.point_index(&pts[..20]);
            for p in random_points(&mut rng, &g, 6).iter().chain(&pts[..3]) {
                check(&g, &idx, p, &mut seen);
            }
            for p in &pts[20..] {
                g.append_point(&mut idx, p);
                let q = pts[rng.gen_range(0..pts.len())];
                check(&g, &idx, &q, &mut seen);
            }
            assert_eq!(idx.len(), 30);
            assert_eq!(idx.points(), &pts[..]);
        }
        assert!(seen.unreachable > 1000, "{}", seen.unreachable);
        assert!(seen.along_segment > 50, "{}", seen.along_segment);
    }

    #[test]
    fn an_empty_index_answers_empty() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let g = broken_city(&mut rng);
        let p = g.point_at_node(NodeIdx(3));
        let mut idx = g.point_index(&[]);
        assert!(idx.is_empty());
        assert!(g.from_point(&idx, &p).is_empty());
        assert!(g.to_point(&idx, &p).is_empty());
        assert_eq!(g.append_point(&mut idx, &p), 0);
        let from = g.from_point(&idx, &p);
        assert_eq!(from.cost(0), Some(Cost::ZERO));
    }

    #[test]
    #[should_panic(expected = "another graph")]
    fn an_index_from_another_graph_is_refused() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let g = broken_city(&mut rng);
        let h = broken_city(&mut rng);
        let idx = g.point_index(&[g.point_at_node(NodeIdx(0))]);
        let p = h.point_at_node(NodeIdx(0));
        h.from_point(&idx, &p);
    }
}
