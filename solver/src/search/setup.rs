//! Builds the search data of a problem in three steps, each in the module
//! that owns what it computes: the dense node arrays
//! ([`crate::search::data`]), which vehicles may serve each job on their own
//! ([`alone`], which schedules a job alone with [`crate::search::schedule`])
//! and the granular neighbourhoods ([`neighbours`]). The last two read the
//! arrays, so `data.rs` imports neither of them; this module runs the three
//! in order.

use crate::problem::Problem;
use crate::search::data::Data;
use crate::search::{alone, neighbours};

/// The search data of `problem`, complete: with granular neighbourhoods of
/// `granularity` nodes, or none at all for 0 (insertion queries run no
/// search, so they skip the O(n²) lists).
pub(crate) fn search_data<const D: usize>(problem: &Problem, granularity: usize) -> Data<'_, D> {
    let mut data = Data::new(problem);
    alone::mark_servable(&mut data);
    if granularity > 0 {
        neighbours::build(&mut data, granularity);
    } else {
        data.neighbours = vec![Vec::new(); data.nodes.len()];
        data.adjacency = vec![Vec::new(); data.nodes.len()];
    }
    data
}
