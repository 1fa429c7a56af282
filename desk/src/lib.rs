//! The escalation desk: a plan under way. Progress from the ground, urgent
//! orders priced at every allowed position in milliseconds and committed with
//! one call, failed deliveries brought back, and re-planning of the rest.
//!
//! A plan under way is a [`DeskState`]: the day, its snapped points, the
//! solver problem with the day's matrices, the routes, the ledger of
//! progress. It is built once (from a finished solve, [`DeskState::new`], or
//! from what was stored, [`restore`]) and kept in step with every change.
//! Each entry point is a plain function of (state, input, clock, [`Env`]):
//! [`record_progress`], [`progress_view`], [`options`], [`commit`],
//! [`replan`]. A change returns a [`Change`] for the caller to store; the
//! caller then [confirms](DeskState::confirm) it, or drops the state when
//! the write failed (the store stays the truth).
//!
//! Codemap: [`state`] (the plan under way and its invariants), [`ledger`]
//! (what squads reported), [`schedule`] (times of a route from the ground
//! truth and the sheets), [`reach`] (travel from a new door, a geo-data
//! `PointIndex` per profile), [`insert`] (pricing one position in O(1)),
//! [`price`] (the exact effects of an option), [`order`] (an urgent order
//! resolved against the plan), [`options`](mod@options), [`reorder`],
//! [`commit`](mod@commit), [`replan`](mod@replan), [`publish`], [`restore`],
//! [`progress`](mod@progress).
//!
//! Deliberately absent: HTTP, storage and a clock of its own. The service
//! (`api`) keeps the warm states, reads the clock, stores changes and maps
//! [`DeskError`] to answers.

pub mod commit;
pub mod error;
pub mod fixed;
pub mod insert;
pub mod ledger;
pub mod options;
pub mod order;
pub mod price;
pub mod progress;
pub mod publish;
pub mod reach;
pub mod reorder;
pub mod replan;
pub mod restore;
pub mod schedule;
pub mod state;
pub mod travel;

pub use commit::commit;
pub use error::{Code, DeskError, Refusal};
pub use options::options;
pub use progress::{progress_view, record_progress, Recorded};
pub use publish::Change;
pub use replan::replan;
pub use restore::restore;
pub use state::DeskState;

/// What the desk needs from the service around it.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub graphs: &'a geo_data::PreparedGraphs,
    /// Draw the faint street pattern under each sheet's route.
    pub background_roads: bool,
    /// Search threads for a re-plan (0: the rayon pool's size).
    pub solve_threads: usize,
}

#[cfg(test)]
mod office;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_replan;
#[cfg(test)]
mod tests_sheets;
