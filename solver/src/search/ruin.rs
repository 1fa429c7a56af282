//! SISR ruin (Christiaens & Vanden Berghe 2020): remove strings of
//! consecutive stops from a few routes near a random seed stop, sometimes
//! keeping a middle part ("split string"), to create slack that the
//! recreate step fills better.

use rand::Rng as _;

use crate::search::data::{Data, NodeKind, NONE};
use crate::search::state::State;
use crate::search::Rng;

/// Parameters of the ruin.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RuinParams {
    /// Average number of removed jobs.
    pub avg_removed: f64,
    /// Longest string.
    pub max_string: f64,
    /// Probability of a split string.
    pub split_rate: f64,
    /// Split depth: chance to stop growing the kept part.
    pub split_depth: f64,
}

impl Default for RuinParams {
    fn default() -> Self {
        RuinParams {
            avg_removed: 10.0,
            max_string: 10.0,
            split_rate: 0.5,
            split_depth: 0.01,
        }
    }
}

/// Ruins `st`; the removed jobs, and unassigned jobs found near the seed,
/// are appended to `out`.
pub(crate) fn ruin<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    rng: &mut Rng,
    p: &RuinParams,
    out: &mut Vec<u32>,
    touched: &mut Vec<u32>,
) {
    out.clear();
    touched.clear();
    if data.clients.is_empty() {
        return;
    }
    let (mut stops, mut used) = (0usize, 0usize);
    for r in &st.routes {
        if r.stops() > r.locked {
            stops += r.stops() - r.locked;
            used += 1;
        }
    }
    if used == 0 {
        // Nothing routed: offer a few unassigned jobs instead.
        out.extend(st.unassigned.iter().take(p.avg_removed as usize));
        return;
    }
    let avg_card = stops as f64 / used as f64;
    let ls_max = p.max_string.min(avg_card).max(1.0);
    let ks_max = (4.0 * p.avg_removed / (1.0 + ls_max) - 1.0).max(1.0);
    let ks = (rng.gen_range(1.0..ks_max + 1.0)).floor() as usize;
    // Seed: a random routed client.
    let mut seed = NONE;
    for _ in 0..20 {
        let c = data.clients[rng.gen_range(0..data.clients.len())];
        if st.pos[c as usize].0 != NONE {
            seed = c;
            break;
        }
    }
    if seed == NONE {
        out.extend(st.unassigned.iter().take(p.avg_removed as usize));
        return;
    }
    let mut near_unassigned = 0;
    for &c in std::iter::once(&seed).chain(data.adjacency[seed as usize].iter()) {
        if touched.len() >= ks {
            break;
        }
        let (r, i) = st.pos[c as usize];
        if r == NONE {
            let job = data.nodes[c as usize].job;
            if near_unassigned < 3 && st.is_unassigned(job) && !out.contains(&job) {
                out.push(job);
                near_unassigned += 1;
            }
            continue;
        }
        if touched.contains(&r) {
            continue;
        }
        let route = &st.routes[r as usize];
        let (lo, hi) = (route.locked + 1, route.nodes.len() - 2);
        if (i as usize) < lo {
            continue;
        }
        let card = hi + 1 - lo;
        let lmax = ls_max.min(card as f64);
        let l = (rng.gen_range(1.0..lmax + 1.0)).floor() as usize;
        touched.push(r);
        // Positions removed: a string of length l (+ m kept in the middle).
        let split = l < card && rng.gen_bool(p.split_rate);
        let mut m = 0;
        if split {
            m = 1;
            while l + m < card && rng.gen::<f64>() > p.split_depth {
                m += 1;
            }
        }
        let total = l + m;
        let i = i as usize;
        // String [s, s + total) containing i, inside [lo, hi].
        let s_min = i.saturating_sub(total - 1).max(lo);
        let s_max = i.min(hi + 1 - total);
        let s = if s_max > s_min {
            rng.gen_range(s_min..=s_max)
        } else {
            s_min
        };
        let keep_from = if m > 0 {
            s + rng.gen_range(0..=l)
        } else {
            usize::MAX
        };
        let mut remove_nodes: Vec<u32> = Vec::with_capacity(total);
        for k in s..s + total {
            if k >= keep_from && k < keep_from + m {
                continue;
            }
            remove_nodes.push(route.nodes[k]);
        }
        for x in remove_nodes {
            remove_node(data, st, x, out, touched);
        }
    }
    for &r in touched.iter() {
        st.update(data, r);
    }
}

/// Removes node `x` (and its partner) from its route without rebuilding caches.
fn remove_node<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    x: u32,
    out: &mut Vec<u32>,
    touched: &mut Vec<u32>,
) {
    let node = &data.nodes[x as usize];
    let targets: [u32; 2] = match node.kind {
        NodeKind::Single | NodeKind::Reload => [x, NONE],
        NodeKind::Pickup | NodeKind::Delivery => [x, node.partner],
        _ => return,
    };
    // A job with a locked task stays where it is.
    for t in targets {
        if t != NONE {
            let (r, k) = st.pos[t as usize];
            if r != NONE && k as usize <= st.routes[r as usize].locked {
                return;
            }
        }
    }
    for t in targets {
        if t == NONE {
            continue;
        }
        let (r, _) = st.pos[t as usize];
        if r == NONE {
            continue;
        }
        let route = &mut st.routes[r as usize];
        if let Some(k) = route.nodes.iter().position(|&n| n == t) {
            route.nodes.remove(k);
        }
        st.pos[t as usize] = (NONE, 0);
        if !touched.contains(&r) {
            touched.push(r);
        }
    }
    if node.job != NONE && !st.is_unassigned(node.job) {
        st.mark_unassigned(data, node.job);
        out.push(node.job);
    }
}
