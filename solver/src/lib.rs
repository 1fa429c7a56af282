//! Rich vehicle-routing engine.
