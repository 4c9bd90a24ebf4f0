//! Writes the large benchmark inputs, deterministically (same seed, same bytes); see
//! `benches/support/generate.rs` for what each file holds:
//!
//! * `tracks_1m.geojson`: 1,000 AIS-like ship tracks × 1,000 vertices over lon 122–160,
//!   lat 22–50, with mmsi, vessel_name, vessel_type, flag, length_m, start_time, end_time;
//! * `tracks_5m.geojson`: the same with 5,000 tracks;
//! * `points_200k.geojson`: 200,000 points in clusters, with 6 properties;
//! * `sites_10k.geojson`: 10,000 polygons of 50 vertices;
//! * `mixed.geojson`: routes, multilines, polygons with holes, points and null geometries.
//!
//! Run: `cargo run --release --example gen_data -- [OUT_DIR] [--seed N]` (default `target/bench-data`).
//! Not committed: the files are hundreds of megabytes.

use std::path::PathBuf;

#[path = "../benches/support/generate.rs"]
mod generate;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from("target/bench-data");
    let mut seed = generate::SEED;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(seed),
            dir => out = PathBuf::from(dir),
        }
    }
    std::fs::create_dir_all(&out)?;
    for name in generate::FILES {
        let t = std::time::Instant::now();
        let path = generate::write(&out, name, seed)?;
        let bytes = std::fs::metadata(&path)?.len();
        println!("{:<22} {:>10.1} MB  {:>6.2} s", name, bytes as f64 / 1e6, t.elapsed().as_secs_f64());
    }
    Ok(())
}
