//! Shared helpers for the integration tests in tests/tests/:
//! - [`brute`]: the exact optimum of tiny problems by enumeration, an oracle
//!   independent of the search;
//! - [`tiny`]: seeded random tiny problems of every flavour of the model.
pub mod brute;
pub mod tiny;
