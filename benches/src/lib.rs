//! Shared helpers for the benchmark binaries.

use std::path::{Path, PathBuf};

/// The shared data folder: `$LASTMILE_SHARED_DATA`, else `shared/data` beside
/// the repository (`benches/../../shared/data`, wherever the binary runs from).
pub fn shared_data() -> PathBuf {
    std::env::var_os("LASTMILE_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"))
}
