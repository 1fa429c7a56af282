//! OpenStreetMap road graphs, snapping and travel-time matrices.
