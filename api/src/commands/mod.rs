//! One module per `lastmile` subcommand.
pub mod demo;
pub mod serve;
pub mod matrix;
pub mod prepare;
pub mod solve_instance;
