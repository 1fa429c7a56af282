//! Which OSM elements the compound finder reads: the tag rules for compound
//! areas, buildings and gate nodes, in one place like [`crate::profile`]'s
//! road rules. A module of their own because two use them: [`crate::osm`]
//! decides with them what to keep while reading, and [`crate::compounds`]
//! what to make of it (also of data built in memory); neither imports the
//! other for them.
//!
//! `tag` looks a key up in an element's tags, as in [`crate::Profile::rule`].

/// Whether a way with these tags may outline a compound (when closed):
/// `landuse=residential`, `place=neighbourhood` or `residential=*` (its
/// subtag, sometimes mapped alone).
pub fn is_compound_area<'a>(tag: impl Fn(&str) -> Option<&'a str>) -> bool {
    tag("landuse") == Some("residential")
        || tag("place") == Some("neighbourhood")
        || tag("residential").is_some_and(|v| v != "no")
}

/// Whether a way with these tags outlines a building (when closed).
pub fn is_building<'a>(tag: impl Fn(&str) -> Option<&'a str>) -> bool {
    tag("building").is_some_and(|v| v != "no")
}

/// Whether a node with these tags is a gate or an entrance:
/// `barrier=gate|lift_gate|entrance` or `entrance=*`.
pub fn is_gate_node<'a>(tag: impl Fn(&str) -> Option<&'a str> + Copy) -> bool {
    is_barrier_gate(tag) || tag("entrance").is_some_and(|v| v != "no")
}

/// Whether a node is a gap or gate in a barrier (as opposed to an
/// `entrance=*` alone, which on a building outline is the building's door).
pub(crate) fn is_barrier_gate<'a>(tag: impl Fn(&str) -> Option<&'a str>) -> bool {
    matches!(tag("barrier"), Some("gate" | "lift_gate" | "entrance"))
}
