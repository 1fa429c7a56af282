//! Regenerates `tests/fixtures/district.osm.pbf` from the district authored in
//! `src/district.rs`:
//!
//! ```sh
//! cargo run -p geo-data --example make_district_pbf
//! ```
//!
//! A test checks that the committed file matches these bytes.

fn main() -> std::io::Result<()> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/district.osm.pbf");
    std::fs::write(&path, geo_data::district::pbf_bytes())?;
    println!("wrote {}", path.display());
    Ok(())
}
