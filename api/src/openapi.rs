//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.
//!
//! Hand-written JSON (api/doc/openapi.json) rather than derive macros: the
//! schema is small, and a test checks that every route of [`crate::app`] and
//! every error code is in it, so it cannot drift silently.

pub const DOCUMENT: &str = include_str!("../doc/openapi.json");
