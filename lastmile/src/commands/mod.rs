//! One module per `lastmile` subcommand.
pub mod compounds;
pub mod demo;
pub mod matrix;
pub mod people;
pub mod prepare;
pub mod serve;
pub mod solve_instance;
