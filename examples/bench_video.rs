//! MP4 (H.264) encoding time: 60 frames of a 1920×1080 page.
//!
//! ```sh
//! cargo run --release --example bench_video
//! ```
//!
//! The page is the sample case's export (map, legend, texts, scale bar, offline basemap), and
//! each frame adds what an animation changes: a ship marker moving along a line and a date
//! stamp with a few lines of "text" (bars). Only [`portolan::export::video::mp4`] is timed
//! (best of 3, wall clock and CPU seconds), not the painting. Set `BENCH_VIDEO_OUT=file.mp4`
//! to keep the video.

use std::time::Instant;

use portolan::export::{self, ExportLayer, ExportSpec};
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Rect, Stroke, Transform};

const FRAMES: usize = 60;
const FPS: f32 = 10.0;

fn main() {
    let sample = portolan::io::sample_case().layer;
    let spec = ExportSpec::new(vec![ExportLayer { layer: &sample, opacity: 1.0 }]);
    let page = export::preview(&spec, [1920, 1080]).expect("the page paints");
    assert_eq!((page.width(), page.height()), (1920, 1080));
    let frames: Vec<Pixmap> = (0..FRAMES).map(|i| frame(&page, i)).collect();

    let (mut best, mut best_cpu, mut bytes) = (f64::MAX, None, Vec::new());
    for _ in 0..3 {
        let (t, c) = (Instant::now(), cpu_seconds());
        bytes = export::video::mp4(&frames, FPS).expect("the frames encode");
        let wall = t.elapsed().as_secs_f64();
        if wall < best {
            best = wall;
            best_cpu = c.zip(cpu_seconds()).map(|(a, b)| b - a);
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{FRAMES} frames of 1920x1080 at {FPS} fps: {best:.2} s wall ({:.1} ms a frame), {} CPU, {cores} cores, {:.2} MB",
        1000.0 * best / FRAMES as f64,
        best_cpu.map_or("?".into(), |c| format!("{c:.2} s")),
        bytes.len() as f64 / 1e6
    );
    if let Some(out) = std::env::var_os("BENCH_VIDEO_OUT") {
        std::fs::write(&out, &bytes).expect("the video is written");
    }
}

/// The page with frame `i`'s moving parts.
fn frame(page: &Pixmap, i: usize) -> Pixmap {
    let mut pm = page.clone();
    let t = i as f32 / (FRAMES - 1) as f32;
    let mut paint = Paint::default();

    // The route sailed so far, and the ship at its head.
    let (x0, y0, x1, y1) = (300.0, 700.0, 1500.0, 300.0);
    let (hx, hy) = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t + 80.0 * (t * 6.0).sin());
    let mut pb = PathBuilder::new();
    pb.move_to(x0, y0);
    for k in 1..=i {
        let s = k as f32 / (FRAMES - 1) as f32;
        pb.line_to(x0 + (x1 - x0) * s, y0 + (y1 - y0) * s + 80.0 * (s * 6.0).sin());
    }
    if let Some(path) = pb.finish() {
        paint.set_color_rgba8(20, 60, 160, 230);
        let stroke = Stroke { width: 4.0, ..Stroke::default() };
        pm.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
    }
    paint.set_color_rgba8(200, 30, 30, 255);
    let ship = PathBuilder::from_circle(hx, hy, 12.0).expect("a circle");
    pm.fill_path(&ship, &paint, FillRule::Winding, Transform::identity(), None);

    // The date stamp: a box with "text" lines whose lengths change every frame.
    paint.set_color(Color::from_rgba8(255, 255, 255, 235));
    pm.fill_rect(Rect::from_xywh(1500.0, 820.0, 360.0, 170.0).expect("a box"), &paint, Transform::identity(), None);
    paint.set_color_rgba8(30, 30, 30, 255);
    for line in 0..6 {
        let len = 120.0 + ((i * 37 + line * 53) % 200) as f32;
        let h = if line == 0 { 18.0 } else { 9.0 };
        let y = 835.0 + line as f32 * 25.0;
        let r = Rect::from_xywh(1515.0, y, len, h).expect("a bar");
        pm.fill_rect(r, &paint, Transform::identity(), None);
    }
    pm
}

/// This process's user + system CPU seconds (Linux), or None.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports in USER_HZ, 100 per second on every common configuration.
    Some(ticks / 100.0)
}
