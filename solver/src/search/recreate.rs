//! SISR recreate: sort the removed jobs (random, by demand, far from the
//! depot first, or close first) and insert each at its cheapest position,
//! skipping positions with a small probability ("blinks").

use rand::seq::SliceRandom;
use rand::Rng as _;

use crate::search::data::Data;
use crate::search::insert::{apply, best_insertion, Blink, Scratch};
use crate::search::state::State;
use crate::search::Rng;

/// Order in which removed jobs are reinserted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Random,
    Demand,
    Far,
    Close,
    Deadline,
}

impl Order {
    /// SISR's weights 4:4:2:1, plus earliest deadline first for windows.
    pub fn pick(rng: &mut Rng) -> Order {
        match rng.gen_range(0..12) {
            0..=3 => Order::Random,
            4..=6 => Order::Demand,
            7..=8 => Order::Far,
            9 => Order::Close,
            _ => Order::Deadline,
        }
    }
}

/// Inserts `jobs` one by one; jobs whose best insertion costs more than
/// their prize (or that fit nowhere) stay unassigned.
pub(crate) fn recreate<const D: usize>(
    data: &Data<'_, D>,
    st: &mut State<D>,
    rng: &mut Rng,
    jobs: &mut [u32],
    order: Order,
    blink_rate: f64,
    scratch: &mut Scratch,
) {
    match order {
        Order::Random => jobs.shuffle(rng),
        Order::Demand => {
            jobs.shuffle(rng);
            jobs.sort_by_key(|&j| std::cmp::Reverse(data.demand_size[j as usize]));
        }
        Order::Far => {
            jobs.shuffle(rng);
            jobs.sort_by_key(|&j| std::cmp::Reverse(data.depot_dist[j as usize]));
        }
        Order::Close => {
            jobs.shuffle(rng);
            jobs.sort_by_key(|&j| data.depot_dist[j as usize]);
        }
        Order::Deadline => {
            jobs.shuffle(rng);
            jobs.sort_by_key(|&j| data.deadline[j as usize]);
        }
    }
    let threshold = (blink_rate * u32::MAX as f64) as u32;
    for &j in jobs.iter() {
        if !st.is_unassigned(j) {
            continue;
        }
        let mut blink = Blink {
            rng: &mut *rng,
            threshold,
        };
        let ins = best_insertion(data, st, j, scratch, Some(&mut blink), None);
        if let Some(ins) = ins {
            if ins.delta < data.prize[j as usize] {
                apply(data, st, j, &ins);
            }
        }
    }
}
