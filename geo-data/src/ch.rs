//! Contraction hierarchy (CH) over a [`RoadGraph`]: the speed-up behind matrices
//! and paths.
//!
//! Preparation contracts nodes one by one in order of importance, adding a
//! shortcut `u→w` whenever the only best path from `u` to `w` ran through the
//! contracted node. Queries then only ever go *up* the hierarchy from both ends
//! and meet at the top, which visits a few hundred nodes instead of the whole
//! city. Many-to-many uses buckets: one backward search per target leaves its
//! distances at every node it reaches; one forward search per source scans them.
//!
//! Exactness: witness searches are only allowed to *skip* a shortcut when they
//! found a path at least as good, so a search cut short adds an unnecessary
//! shortcut, never a wrong one. Costs are lexicographic (duration, distance)
//! integers, so the optimum value is unique and equals plain Dijkstra's exactly.
//!
//! Nodes are renumbered by importance (0 = most important) so the top of the
//! hierarchy, which every search visits, sits in a few cache lines.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::graph::RoadGraph;
use crate::ids::{Cost, EdgeIdx};

/// Adjacency of one search direction in CH numbering.
#[derive(Clone, Debug, Default)]
pub(crate) struct UpGraph {
    pub(crate) first: Vec<u32>,
    pub(crate) head: Vec<u32>,
    pub(crate) cost: Vec<Cost>,
    /// CH edge id, for unpacking paths.
    pub(crate) edge: Vec<u32>,
}

impl UpGraph {
    #[inline]
    fn range(&self, v: u32) -> std::ops::Range<usize> {
        self.first[v as usize] as usize..self.first[v as usize + 1] as usize
    }
}

/// A prepared contraction hierarchy for one road graph.
#[derive(Clone, Debug, Default)]
pub struct ContractionHierarchy {
    /// Graph node → CH node.
    pub(crate) ch_of: Vec<u32>,
    /// CH node → graph node.
    pub(crate) node_of: Vec<u32>,
    /// At CH node `u`: edges `u→w` with `w` more important.
    pub(crate) fwd: UpGraph,
    /// At CH node `u`: edges `w→u` with `w` more important, stored as `w`.
    pub(crate) bwd: UpGraph,
    /// CH edge ids below this are graph edge ids; above, shortcuts.
    pub(crate) num_orig: u32,
    /// The two CH edges a shortcut replaces, in path order.
    pub(crate) children: Vec<[u32; 2]>,
}

#[derive(Copy, Clone, Debug)]
struct Arc {
    node: u32,
    cost: Cost,
    id: u32,
}

/// Witness searches stop after settling this many nodes: beyond it, adding the
/// shortcut is cheaper than proving it unnecessary.
const SIMULATE_SETTLE_LIMIT: usize = 60;
const CONTRACT_SETTLE_LIMIT: usize = 400;

struct Contractor {
    out: Vec<Vec<Arc>>,
    inc: Vec<Vec<Arc>>,
    contracted: Vec<bool>,
    deleted: Vec<u32>,
    level: Vec<u32>,
    children: Vec<[u32; 2]>,
    num_orig: u32,
    up_out: Vec<Vec<Arc>>,
    up_in: Vec<Vec<Arc>>,
    dist: Vec<Cost>,
    stamp: Vec<u32>,
    gen: u32,
    heap: BinaryHeap<Reverse<(Cost, u32)>>,
    shortcuts: Vec<(u32, u32, Cost, u32, u32)>,
}

impl Contractor {
    fn new(g: &RoadGraph) -> Contractor {
        let n = g.num_nodes();
        let mut c = Contractor {
            out: vec![Vec::new(); n],
            inc: vec![Vec::new(); n],
            contracted: vec![false; n],
            deleted: vec![0; n],
            level: vec![0; n],
            children: Vec::new(),
            num_orig: g.num_edges() as u32,
            up_out: vec![Vec::new(); n],
            up_in: vec![Vec::new(); n],
            dist: vec![Cost::INFINITY; n],
            stamp: vec![0; n],
            gen: 0,
            heap: BinaryHeap::new(),
            shortcuts: Vec::new(),
        };
        for e in 0..g.num_edges() {
            let (u, v) = (g.tail[e], g.head[e]);
            if u != v {
                c.add_arc(u, v, g.cost[e], e as u32);
            }
        }
        c
    }

    /// Adds `u→v` or improves an existing parallel arc; false when an arc at
    /// least as cheap already exists.
    fn add_arc(&mut self, u: u32, v: u32, cost: Cost, id: u32) -> bool {
        if let Some(a) = self.out[u as usize].iter_mut().find(|a| a.node == v) {
            if a.cost <= cost {
                return false;
            }
            a.cost = cost;
            a.id = id;
            let b = self.inc[v as usize]
                .iter_mut()
                .find(|a| a.node == u)
                .expect("arc lists agree");
            b.cost = cost;
            b.id = id;
        } else {
            self.out[u as usize].push(Arc { node: v, cost, id });
            self.inc[v as usize].push(Arc { node: u, cost, id });
        }
        true
    }

    #[inline]
    fn d(&self, v: u32) -> Cost {
        if self.stamp[v as usize] == self.gen {
            self.dist[v as usize]
        } else {
            Cost::INFINITY
        }
    }

    /// Dijkstra from `s` avoiding `skip`, up to cost `limit` or `max_settled` nodes.
    fn witness(&mut self, s: u32, skip: u32, limit: Cost, max_settled: usize) {
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            self.stamp.fill(0);
            self.gen = 1;
        }
        self.heap.clear();
        self.stamp[s as usize] = self.gen;
        self.dist[s as usize] = Cost::ZERO;
        self.heap.push(Reverse((Cost::ZERO, s)));
        let mut settled = 0;
        while let Some(Reverse((d, x))) = self.heap.pop() {
            if d > self.d(x) {
                continue;
            }
            if d > limit {
                break;
            }
            settled += 1;
            if settled > max_settled {
                break;
            }
            for i in 0..self.out[x as usize].len() {
                let a = self.out[x as usize][i];
                if a.node == skip {
                    continue;
                }
                let nd = d + a.cost;
                if nd < self.d(a.node) {
                    self.stamp[a.node as usize] = self.gen;
                    self.dist[a.node as usize] = nd;
                    self.heap.push(Reverse((nd, a.node)));
                }
            }
        }
    }

    /// Fills `self.shortcuts` with the shortcuts contracting `v` would need.
    fn find_shortcuts(&mut self, v: u32, max_settled: usize) {
        self.shortcuts.clear();
        for i in 0..self.inc[v as usize].len() {
            let ain = self.inc[v as usize][i];
            let u = ain.node;
            let limit = self.out[v as usize]
                .iter()
                .filter(|a| a.node != u)
                .map(|a| ain.cost + a.cost)
                .max();
            let Some(limit) = limit else { continue };
            self.witness(u, v, limit, max_settled);
            for j in 0..self.out[v as usize].len() {
                let aout = self.out[v as usize][j];
                if aout.node == u {
                    continue;
                }
                let c = ain.cost + aout.cost;
                if self.d(aout.node) > c {
                    self.shortcuts.push((u, aout.node, c, ain.id, aout.id));
                }
            }
        }
    }

    fn priority(&mut self, v: u32) -> i64 {
        self.find_shortcuts(v, SIMULATE_SETTLE_LIMIT);
        let removed = (self.inc[v as usize].len() + self.out[v as usize].len()) as i64;
        let edge_diff = self.shortcuts.len() as i64 - removed;
        // Edge difference keeps the graph sparse; deleted neighbours and level
        // spread contraction evenly so upward search spaces stay small.
        4 * edge_diff + 2 * self.deleted[v as usize] as i64 + self.level[v as usize] as i64
    }

    fn contract(&mut self, v: u32) -> Vec<u32> {
        self.find_shortcuts(v, CONTRACT_SETTLE_LIMIT);
        let vi = v as usize;
        self.up_out[vi] = std::mem::take(&mut self.out[vi]);
        self.up_in[vi] = std::mem::take(&mut self.inc[vi]);
        for a in &self.up_out[vi] {
            self.inc[a.node as usize].retain(|x| x.node != v);
        }
        for a in &self.up_in[vi] {
            self.out[a.node as usize].retain(|x| x.node != v);
        }
        let shortcuts = std::mem::take(&mut self.shortcuts);
        for &(u, w, c, i1, i2) in &shortcuts {
            let id = self.num_orig + self.children.len() as u32;
            if self.add_arc(u, w, c, id) {
                self.children.push([i1, i2]);
            }
        }
        self.shortcuts = shortcuts;
        self.contracted[vi] = true;
        let mut neighbours: Vec<u32> = self.up_out[vi]
            .iter()
            .chain(&self.up_in[vi])
            .map(|a| a.node)
            .collect();
        neighbours.sort_unstable();
        neighbours.dedup();
        for &x in &neighbours {
            self.deleted[x as usize] += 1;
            self.level[x as usize] = self.level[x as usize].max(self.level[vi] + 1);
        }
        neighbours
    }
}

impl ContractionHierarchy {
    /// Prepares the hierarchy (single-threaded; seconds for a city).
    pub fn build(g: &RoadGraph) -> ContractionHierarchy {
        let n = g.num_nodes();
        let mut c = Contractor::new(g);
        let mut prio = vec![0i64; n];
        let mut queue = BinaryHeap::with_capacity(n);
        for v in 0..n as u32 {
            prio[v as usize] = c.priority(v);
            queue.push(Reverse((prio[v as usize], v)));
        }
        let mut order = Vec::with_capacity(n);
        let mut old_level = vec![0u32; n];
        while let Some(Reverse((p, v))) = queue.pop() {
            if c.contracted[v as usize] || p != prio[v as usize] {
                continue;
            }
            // Lazy update: the priority may have gone up since it was queued.
            let fresh = c.priority(v);
            if let Some(Reverse((top, _))) = queue.peek() {
                if fresh > *top {
                    prio[v as usize] = fresh;
                    queue.push(Reverse((fresh, v)));
                    continue;
                }
            }
            // Neighbours' priorities only grow by the cheap terms here (one more
            // deleted neighbour, maybe a higher level); their edge difference is
            // re-simulated lazily when they reach the top of the queue. Simulating
            // every neighbour after every contraction costs O(degree³) witness
            // searches in the dense core and dominated preparation time.
            for x in c.contract(v) {
                let p = prio[x as usize]
                    + 2
                    + (c.level[x as usize] as i64 - old_level[x as usize] as i64);
                old_level[x as usize] = c.level[x as usize];
                prio[x as usize] = p;
                queue.push(Reverse((p, x)));
            }
            order.push(v);
        }
        debug_assert_eq!(order.len(), n);

        // CH id 0 = contracted last = most important.
        let mut ch_of = vec![0u32; n];
        let mut node_of = vec![0u32; n];
        for (rank, &v) in order.iter().enumerate() {
            let id = (n - 1 - rank) as u32;
            ch_of[v as usize] = id;
            node_of[id as usize] = v;
        }
        let fwd = to_up_graph(&node_of, &ch_of, &c.up_out);
        let bwd = to_up_graph(&node_of, &ch_of, &c.up_in);
        ContractionHierarchy {
            ch_of,
            node_of,
            fwd,
            bwd,
            num_orig: c.num_orig,
            children: c.children,
        }
    }

    /// Number of shortcuts added by preparation.
    pub fn num_shortcuts(&self) -> usize {
        self.children.len()
    }

    pub(crate) fn num_nodes(&self) -> usize {
        self.node_of.len()
    }

    /// Runs one upward search from `seeds` (graph-independent CH node ids with
    /// starting costs) and leaves every settled, non-stalled node in
    /// `s.settled`. With `parents`, also records how each node was reached.
    pub(crate) fn upward(&self, dir: Dir, seeds: &[(u32, Cost)], s: &mut Scratch, parents: bool) {
        let (g, other) = match dir {
            Dir::Forward => (&self.fwd, &self.bwd),
            Dir::Backward => (&self.bwd, &self.fwd),
        };
        s.begin();
        for &(v, c) in seeds {
            if c < s.dist(v) {
                s.set(v, c);
                if parents {
                    s.parent[v as usize] = (u32::MAX, u32::MAX);
                }
                s.heap.push(Reverse((c, v)));
            }
        }
        while let Some(Reverse((d, u))) = s.heap.pop() {
            if d > s.dist(u) {
                continue;
            }
            // Stall on demand: if a more important node reaches `u` more cheaply
            // through an edge pointing down to it, `u`'s distance is not exact and
            // nothing above it can be on a shortest path through here.
            let stalled = other.range(u).any(|i| {
                let w = other.head[i];
                let dw = s.dist(w);
                dw.is_finite() && dw + other.cost[i] < d
            });
            if stalled {
                continue;
            }
            s.settled.push((u, d));
            for i in g.range(u) {
                let w = g.head[i];
                let nd = d + g.cost[i];
                if nd < s.dist(w) {
                    s.set(w, nd);
                    if parents {
                        s.parent[w as usize] = (u, g.edge[i]);
                    }
                    s.heap.push(Reverse((nd, w)));
                }
            }
        }
    }

    /// One upward search per seed set, in parallel on the rayon pool: the
    /// settled nodes of each (its search space), ready for [`Buckets::from_spaces`].
    pub(crate) fn search_spaces(
        &self,
        dir: Dir,
        seeds: &[Vec<(u32, Cost)>],
        pool: &ScratchPool,
    ) -> Vec<Vec<(u32, Cost)>> {
        let n = self.num_nodes();
        seeds
            .par_iter()
            .map_init(
                || pool.take(n),
                |s, seeds| {
                    self.upward(dir, seeds, s, false);
                    s.settled.clone()
                },
            )
            .collect()
    }

    /// Exact many-to-many costs, row-major (`sources.len()` rows).
    ///
    /// Each source and target is a set of seeds (CH node, cost to/from the point),
    /// so points in the middle of an edge need no special graph.
    pub(crate) fn many_to_many(
        &self,
        sources: &[Vec<(u32, Cost)>],
        targets: &[Vec<(u32, Cost)>],
        pool: &ScratchPool,
    ) -> Vec<Cost> {
        let n = self.num_nodes();
        let spaces = self.search_spaces(Dir::Backward, targets, pool);
        let buckets = Buckets::from_spaces(n, &spaces);
        drop(spaces);

        let t = targets.len();
        let mut out = vec![Cost::INFINITY; sources.len() * t];
        if t == 0 {
            return out;
        }
        out.par_chunks_mut(t).zip(sources.par_iter()).for_each_init(
            || pool.take(n),
            |s, (row, seeds)| {
                self.upward(Dir::Forward, seeds, s, false);
                buckets.scan(&s.settled, row);
            },
        );
        out
    }

    /// Exact point-to-point query with the path as graph edges.
    ///
    /// Returns the cost, the graph node where the path leaves the source seeds,
    /// and the edges from there to the target seed node.
    pub(crate) fn path(
        &self,
        sources: &[(u32, Cost)],
        targets: &[(u32, Cost)],
        pool: &ScratchPool,
    ) -> Option<(Cost, u32, Vec<EdgeIdx>)> {
        let n = self.num_nodes();
        let mut f = pool.take(n);
        let mut b = pool.take(n);
        self.upward(Dir::Forward, sources, &mut f, true);
        self.upward(Dir::Backward, targets, &mut b, true);
        let mut best: Option<(Cost, u32)> = None;
        for &(u, db) in &b.settled {
            let df = f.dist(u);
            if df.is_finite() && best.is_none_or(|(c, _)| df + db < c) {
                best = Some((df + db, u));
            }
        }
        let (cost, meet) = best?;
        let mut up = Vec::new();
        let mut v = meet;
        loop {
            let (prev, e) = f.parent[v as usize];
            if prev == u32::MAX {
                break;
            }
            up.push(e);
            v = prev;
        }
        let start = self.node_of[v as usize];
        up.reverse();
        let mut v = meet;
        loop {
            let (next, e) = b.parent[v as usize];
            if next == u32::MAX {
                break;
            }
            up.push(e);
            v = next;
        }
        let mut edges = Vec::new();
        for e in up {
            self.unpack(e, &mut edges);
        }
        Some((cost, start, edges))
    }

    fn unpack(&self, e: u32, out: &mut Vec<EdgeIdx>) {
        let mut stack = vec![e];
        while let Some(e) = stack.pop() {
            if e < self.num_orig {
                out.push(EdgeIdx(e));
            } else {
                let [a, b] = self.children[(e - self.num_orig) as usize];
                stack.push(b);
                stack.push(a);
            }
        }
    }
}

fn to_up_graph(node_of: &[u32], ch_of: &[u32], lists: &[Vec<Arc>]) -> UpGraph {
    let mut g = UpGraph {
        first: Vec::with_capacity(node_of.len() + 1),
        ..Default::default()
    };
    g.first.push(0);
    for &v in node_of {
        let mut arcs: Vec<&Arc> = lists[v as usize].iter().collect();
        arcs.sort_by_key(|a| ch_of[a.node as usize]);
        for a in arcs {
            g.head.push(ch_of[a.node as usize]);
            g.cost.push(a.cost);
            g.edge.push(a.id);
        }
        g.first.push(g.head.len() as u32);
    }
    g
}

/// One bucket entry: a point and the cost between the bucket's node and it.
///
/// The cost is kept as its two `u32` halves so an entry is 12 bytes instead of
/// 16 (a `u64` would be padded next to the `u32`): the buckets of a 2,000-point
/// index hold millions of entries, and the scan is bound by memory bandwidth.
#[derive(Copy, Clone, Debug)]
pub(crate) struct BucketEntry {
    pub(crate) point: u32,
    duration_ms: u32,
    distance_cm: u32,
}

impl BucketEntry {
    #[inline]
    pub(crate) fn new(point: u32, cost: Cost) -> BucketEntry {
        BucketEntry {
            point,
            duration_ms: cost.duration_ms(),
            distance_cm: cost.distance_cm(),
        }
    }

    #[inline]
    pub(crate) fn cost(self) -> Cost {
        Cost::new(self.duration_ms, self.distance_cm)
    }
}

/// The search spaces of many points, turned inside out: for each CH node, the
/// points whose upward search settled it, with the cost between node and point.
///
/// Compressed sparse rows (`first[v]..first[v + 1]` are node `v`'s entries), so
/// a scan reads one contiguous run per settled node. Whether the costs are
/// *from* the node or *to* it depends on the direction of the searches that
/// filled it; the scan just adds.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buckets {
    first: Vec<u32>,
    entries: Vec<BucketEntry>,
}

impl Buckets {
    /// Buckets over `n` CH nodes from one search space per point (point `j` is
    /// `spaces[j]`).
    pub(crate) fn from_spaces(n: usize, spaces: &[Vec<(u32, Cost)>]) -> Buckets {
        let mut first = vec![0u32; n + 1];
        for space in spaces {
            for &(v, _) in space {
                first[v as usize + 1] += 1;
            }
        }
        for v in 0..n {
            first[v + 1] += first[v];
        }
        let total = first[n] as usize;
        let mut entries = vec![BucketEntry::new(0, Cost::ZERO); total];
        let mut pos = first.clone();
        for (j, space) in spaces.iter().enumerate() {
            for &(v, c) in space {
                let p = &mut pos[v as usize];
                entries[*p as usize] = BucketEntry::new(j as u32, c);
                *p += 1;
            }
        }
        Buckets { first, entries }
    }

    /// Number of entries in all buckets.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.first.capacity() * 4 + self.entries.capacity() * std::mem::size_of::<BucketEntry>()
    }

    /// Lowers `out[point]` to `d + c` for every settled node `(u, d)` and every
    /// entry `(point, c)` in `u`'s bucket.
    #[inline]
    pub(crate) fn scan(&self, settled: &[(u32, Cost)], out: &mut [Cost]) {
        for &(u, d) in settled {
            let r = self.first[u as usize] as usize..self.first[u as usize + 1] as usize;
            for e in &self.entries[r] {
                let x = d + e.cost();
                let cell = &mut out[e.point as usize];
                if x < *cell {
                    *cell = x;
                }
            }
        }
    }

    /// Adds `extra` entries `(node, entry)` in one pass over the existing ones,
    /// emptying `extra`. Order inside a bucket does not matter to [`Buckets::scan`].
    pub(crate) fn merge(&mut self, extra: &mut Vec<(u32, BucketEntry)>) {
        if extra.is_empty() {
            return;
        }
        extra.sort_unstable_by_key(|&(v, _)| v);
        let n = self.first.len() - 1;
        let mut entries = Vec::with_capacity(self.entries.len() + extra.len());
        let mut first = Vec::with_capacity(n + 1);
        first.push(0u32);
        let mut copied = 0usize;
        let mut k = 0usize;
        let mut added = 0u32;
        for v in 0..n {
            if k < extra.len() && extra[k].0 as usize == v {
                // Everything up to the end of `v`'s old bucket, in one copy.
                let end = self.first[v + 1] as usize;
                entries.extend_from_slice(&self.entries[copied..end]);
                copied = end;
                while k < extra.len() && extra[k].0 as usize == v {
                    entries.push(extra[k].1);
                    added += 1;
                    k += 1;
                }
            }
            first.push(self.first[v + 1] + added);
        }
        entries.extend_from_slice(&self.entries[copied..]);
        debug_assert_eq!(k, extra.len(), "extra entries name existing nodes");
        debug_assert_eq!(entries.len(), self.entries.len() + extra.len());
        self.first = first;
        self.entries = entries;
        extra.clear();
    }
}

/// Which way an upward search goes.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Dir {
    Forward,
    Backward,
}

/// Per-thread search state: distances stamped with a generation counter so a
/// new search does not have to clear an array the size of the graph.
pub(crate) struct Scratch {
    dist: Vec<Cost>,
    stamp: Vec<u32>,
    gen: u32,
    pub(crate) heap: BinaryHeap<Reverse<(Cost, u32)>>,
    pub(crate) parent: Vec<(u32, u32)>,
    pub(crate) settled: Vec<(u32, Cost)>,
}

impl Scratch {
    pub(crate) fn new(n: usize) -> Scratch {
        Scratch {
            dist: vec![Cost::INFINITY; n],
            stamp: vec![0; n],
            gen: 0,
            heap: BinaryHeap::new(),
            parent: vec![(u32::MAX, u32::MAX); n],
            settled: Vec::new(),
        }
    }

    fn begin(&mut self) {
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            self.stamp.fill(0);
            self.gen = 1;
        }
        self.heap.clear();
        self.settled.clear();
    }

    #[inline]
    pub(crate) fn dist(&self, v: u32) -> Cost {
        if self.stamp[v as usize] == self.gen {
            self.dist[v as usize]
        } else {
            Cost::INFINITY
        }
    }

    #[inline]
    fn set(&mut self, v: u32, c: Cost) {
        self.stamp[v as usize] = self.gen;
        self.dist[v as usize] = c;
    }
}

/// Scratch buffers kept between queries, one handed to each rayon task and
/// returned when it finishes, so repeated matrices allocate nothing big.
#[derive(Default)]
pub(crate) struct ScratchPool {
    free: Mutex<Vec<Scratch>>,
}

impl ScratchPool {
    pub(crate) fn take(&self, n: usize) -> PooledScratch<'_> {
        let found = self.free.lock().map(|mut f| f.pop()).unwrap_or(None);
        let s = match found {
            Some(s) if s.dist.len() == n => s,
            _ => Scratch::new(n),
        };
        PooledScratch {
            pool: self,
            scratch: Some(s),
        }
    }
}

impl std::fmt::Debug for ScratchPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScratchPool")
    }
}

/// A scratch buffer on loan from a [`ScratchPool`].
pub(crate) struct PooledScratch<'a> {
    pool: &'a ScratchPool,
    scratch: Option<Scratch>,
}

impl std::ops::Deref for PooledScratch<'_> {
    type Target = Scratch;
    fn deref(&self) -> &Scratch {
        self.scratch.as_ref().expect("present until drop")
    }
}

impl std::ops::DerefMut for PooledScratch<'_> {
    fn deref_mut(&mut self) -> &mut Scratch {
        self.scratch.as_mut().expect("present until drop")
    }
}

impl Drop for PooledScratch<'_> {
    fn drop(&mut self) {
        if let (Some(s), Ok(mut free)) = (self.scratch.take(), self.pool.free.lock()) {
            free.push(s);
        }
    }
}
