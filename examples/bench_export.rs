//! Export timings: the sample case and a generated 1M-vertex file, as PNG at 1x and 4x and as
//! SVG, 1920×1080 pages.
//!
//! ```sh
//! cargo run --release --example bench_export
//! ```
//!
//! The big file: `target/bench-data/tracks_1m.geojson` (1,000 ship tracks of 1,000 vertices;
//! written first if missing, as `cargo run --release --example gen_data` does), read as a
//! user's file would be. `cargo bench --bench large_data` times the same exports with
//! criterion. Each figure is the best of a few runs (after one warm-up run that decodes
//! the basemap layers), in wall-clock seconds, with the CPU seconds of that run (Linux; the
//! painting runs on every core, so CPU can exceed wall time) and the output size.

use std::time::Instant;

use portolan::export::{self, ExportLayer, ExportSpec, Format};
use portolan::model::Layer;

#[path = "../benches/support/generate.rs"]
mod generate;

fn main() {
    let sample = portolan::io::sample_case().layer;
    let dir = std::path::PathBuf::from("target/bench-data");
    let path = dir.join("tracks_1m.geojson");
    if !path.is_file() {
        std::fs::create_dir_all(&dir).expect("the data folder can be made");
        generate::write(&dir, "tracks_1m.geojson", generate::SEED).expect("the file is written");
    }
    let t = Instant::now();
    let tracks = match portolan::io::read_path(&path) {
        Ok(l) => l.layer,
        Err(e) => panic!("cannot read the generated file: {e}"),
    };
    println!("read {} features in {:.2} s\n", tracks.features.len(), t.elapsed().as_secs_f64());

    // Warm-up: decode the basemap layers both views use.
    let _ = export::export(&spec(&sample, 1.0, Format::Png));
    let _ = export::export(&spec(&tracks, 1.0, Format::Png));

    println!("{:<28} {:>8} {:>8} {:>8} {:>12}", "export (1920×1080 page)", "seconds", "cpu s", "MB", "pixels");
    for (name, layer) in [("sample case", &sample), ("1M-vertex tracks", &tracks)] {
        for (scale, format) in [(1.0, Format::Png), (4.0, Format::Png), (1.0, Format::Svg), (4.0, Format::Svg)] {
            let s = spec(layer, scale, format);
            let (mut best, mut best_cpu) = (f64::MAX, None);
            let mut last = None;
            let runs = if scale > 1.0 { 2 } else { 3 };
            for _ in 0..runs {
                let (t, c) = (Instant::now(), cpu_seconds());
                let done = export::export(&s).expect("the export succeeds");
                let wall = t.elapsed().as_secs_f64();
                if wall < best {
                    best = wall;
                    best_cpu = c.zip(cpu_seconds()).map(|(a, b)| b - a);
                }
                last = Some(done);
            }
            let done = last.expect("at least one run");
            let label = format!("{name}, {scale}x {}", if format == Format::Png { "PNG" } else { "SVG" });
            let [w, h] = done.size_px;
            let cpu = best_cpu.map_or_else(|| "-".to_owned(), |c| format!("{c:.2}"));
            println!("{label:<28} {best:>8.3} {cpu:>8} {:>8.2} {:>12}", done.bytes.len() as f64 / 1e6, format!("{w}×{h}"));
        }
    }
}

/// CPU time of this process (user + system, every thread), from `/proc/self/stat` (Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports in USER_HZ, 100 per second on every common configuration.
    Some(ticks / 100.0)
}

fn spec(layer: &Layer, scale: f32, format: Format) -> ExportSpec<'_> {
    let mut s = ExportSpec::new(vec![ExportLayer { layer, opacity: 1.0 }]);
    s.scale = scale;
    s.format = format;
    s
}
