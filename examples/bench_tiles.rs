//! Times the offline basemap: opening and decoding the embedded pack, and rendering tiles
//! around East Asia and southern Russia at 256 and 512 pixels.
//!
//! ```sh
//! cargo run --release --example bench_tiles            # figures
//! cargo run --release --example bench_tiles -- /tmp    # also writes the tiles as PNG
//! ```
//!
//! A benchmark, not a test: it prints medians and 95th percentiles and asserts nothing.

use std::time::{Duration, Instant};

use portolan::basemap::{Basemap, LayerKind, Tier};
use portolan::projection::tile_from_lonlat;

/// (what, zoom, lon, lat): the tile containing the position.
const TILES: &[(&str, u8, f64, f64)] = &[
    ("East Asia", 3, 120.0, 45.0),
    ("Korea", 5, 128.0, 40.0),
    ("Primorye", 5, 132.0, 44.0),
    ("Vladivostok", 6, 131.9, 43.1),
    ("Tikhoretsk", 6, 40.05, 45.88),
    ("Peter the Great Gulf", 8, 131.9, 43.0),
    ("Rajin", 8, 130.28, 42.23),
    ("Tikhoretsk", 8, 40.05, 45.88),
    ("Peter the Great Gulf", 10, 131.9, 43.0),
    ("Rajin", 10, 130.28, 42.23),
    ("Tikhoretsk", 10, 40.05, 45.88),
    ("Peter the Great Gulf", 12, 131.9, 43.0),
    ("Rajin", 12, 130.28, 42.23),
    ("Tikhoretsk", 12, 40.05, 45.88),
];

const RUNS: usize = 21;

fn main() {
    let png_dir = std::env::args().nth(1);
    let bytes = Basemap::embedded_bytes();
    println!(
        "pack: {} bytes ({:.2} MB)",
        bytes.len(),
        bytes.len() as f64 / 1e6
    );

    let open = measure(RUNS, || {
        let _ = Basemap::from_bytes(bytes);
    });
    println!(
        "open (header + directory): median {} p95 {}",
        ms(open.0),
        ms(open.1)
    );

    for tier in [Tier::Low, Tier::High] {
        let t = measure(5, || {
            let Ok(basemap) = Basemap::from_bytes(bytes) else {
                return;
            };
            for kind in LayerKind::ALL {
                let _ = basemap.feature_count(kind, tier);
            }
        });
        println!(
            "decode {tier:?} tier, one thread: median {} p95 {}",
            ms(t.0),
            ms(t.1)
        );
        if tier == Tier::High {
            let Ok(basemap) = Basemap::from_bytes(bytes) else {
                return;
            };
            for kind in LayerKind::ALL {
                let start = Instant::now();
                if basemap.feature_count(kind, tier).is_some() {
                    println!("    {:<14} {}", kind.file_stem(), ms(start.elapsed()));
                }
            }
        }
    }
    let all = measure(5, || {
        if let Ok(basemap) = Basemap::from_bytes(bytes) {
            let _ = basemap.decode_all();
        }
    });
    println!(
        "decode_all (two threads): median {} p95 {}",
        ms(all.0),
        ms(all.1)
    );

    let basemap = Basemap::embedded();
    if let Err(e) = basemap.decode_all() {
        println!("the embedded pack does not decode: {e}");
        return;
    }
    println!(
        "\n{:<22} {:>3} {:>9} {:>5} {:>9} {:>9}",
        "tile", "z", "x/y", "px", "median", "p95"
    );
    let mut all_256 = Vec::new();
    for &(name, z, lon, lat) in TILES {
        let (x, y) = tile_from_lonlat(z, lon, lat);
        for size in [256u32, 512] {
            let _ = basemap.render_tile(z, x, y, size); // warm-up
            let times = samples(RUNS, || {
                let _ = basemap.render_tile(z, x, y, size);
            });
            let (median, p95) = stats(&times);
            if size == 256 {
                all_256.extend(times);
            }
            println!(
                "{name:<22} {z:>3} {:>9} {size:>5} {:>9} {:>9}",
                format!("{x}/{y}"),
                ms(median),
                ms(p95)
            );
            if let Some(dir) = &png_dir {
                let path = format!("{dir}/basemap-bench-z{z}-{x}-{y}-{size}.png");
                if let Err(e) = basemap.render_tile(z, x, y, size).save_png(&path) {
                    println!("cannot write {path}: {e}");
                }
            }
        }
    }
    let (median, p95) = stats(&all_256);
    println!("all 256 px tiles: median {} p95 {}", ms(median), ms(p95));
}

fn samples(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect()
}

fn measure(runs: usize, f: impl FnMut()) -> (Duration, Duration) {
    stats(&samples(runs, f))
}

/// Median and 95th percentile (nearest rank).
fn stats(times: &[Duration]) -> (Duration, Duration) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let at = |q: f64| {
        sorted
            .get(((sorted.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .copied()
    };
    (at(0.5).unwrap_or_default(), at(0.95).unwrap_or_default())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}
