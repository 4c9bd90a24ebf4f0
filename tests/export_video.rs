//! MP4 export of animation frames, read back with ffprobe and ffmpeg (Debian's `ffmpeg`
//! package, which `.ci/run` installs). They are part of the test set-up: a missing one fails
//! the test rather than skipping it. The app itself needs neither.

use std::path::{Path, PathBuf};
use std::process::Command;

use portolan::export::video;
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Transform};

const W: u32 = 320;
const H: u32 = 240;
const FRAMES: usize = 12;
const FPS: f32 = 6.0;
const RADIUS: f32 = 30.0;
const RED: [u8; 3] = [210, 40, 40];

/// Where frame `i`'s circle is drawn.
fn centre(i: usize) -> (f32, f32) {
    (50.0 + 20.0 * i as f32, 80.0 + 5.0 * i as f32)
}

/// A filled red circle moving across a white page.
fn frame(i: usize) -> Pixmap {
    let mut pm = Pixmap::new(W, H).unwrap();
    pm.fill(Color::WHITE);
    let mut paint = Paint::default();
    paint.set_color_rgba8(RED[0], RED[1], RED[2], 255);
    let (x, y) = centre(i);
    let circle = PathBuilder::from_circle(x, y, RADIUS).unwrap();
    pm.fill_path(&circle, &paint, FillRule::Winding, Transform::identity(), None);
    pm
}

/// Runs `tool` (ffprobe or ffmpeg) and returns its standard output; fails the test with a clear
/// message if the tool is missing or fails.
fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {tool} ({e}): the MP4 tests need ffprobe and ffmpeg, from Debian's ffmpeg package (apt-get install ffmpeg)")
    });
    assert!(out.status.success(), "{tool} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn write_mp4(name: &str, frames: &[Pixmap], fps: f32) -> PathBuf {
    let bytes = video::mp4(frames, fps).expect("the frames encode");
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

struct Probe {
    codec: String,
    width: u64,
    height: u64,
    frames: u64,
    rate: f64,
    duration: f64,
}

fn probe(path: &Path) -> Probe {
    let json = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames,avg_frame_rate",
            "-show_entries",
            "format=duration",
            "-of",
            "json",
            path.to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("ffprobe's JSON ({e}): {json}"));
    let s = &v["streams"][0];
    let number = |x: &serde_json::Value| -> f64 {
        let t = x.as_str().unwrap_or_else(|| panic!("not a string: {x} in {json}"));
        match t.split_once('/') {
            Some((a, b)) => a.parse::<f64>().unwrap() / b.parse::<f64>().unwrap(),
            None => t.parse().unwrap(),
        }
    };
    Probe {
        codec: s["codec_name"].as_str().unwrap_or_default().to_owned(),
        width: s["width"].as_u64().unwrap_or_default(),
        height: s["height"].as_u64().unwrap_or_default(),
        frames: number(&s["nb_read_frames"]) as u64,
        rate: number(&s["avg_frame_rate"]),
        duration: number(&v["format"]["duration"]),
    }
}

#[test]
fn mp4_is_h264_with_every_frame_and_the_right_duration() {
    let frames: Vec<Pixmap> = (0..FRAMES).map(frame).collect();
    let path = write_mp4("moving_circle.mp4", &frames, FPS);
    let p = probe(&path);
    assert_eq!(p.codec, "h264");
    assert_eq!((p.width, p.height), (W as u64, H as u64));
    assert_eq!(p.frames, FRAMES as u64);
    let want = FRAMES as f64 / FPS as f64;
    assert!((p.duration - want).abs() < 0.02, "duration {} s, expected {want} s", p.duration);
    assert!((p.rate - FPS as f64).abs() < 0.01, "frame rate {}, expected {FPS}", p.rate);

    // Frame 5 decoded back: red where its circle was drawn, white where it was not (frame 4's
    // and frame 6's circles are partly elsewhere), whatever H.264's losses.
    let png = Path::new(env!("CARGO_TARGET_TMPDIR")).join("moving_circle_5.png");
    let _ = std::fs::remove_file(&png);
    run(
        "ffmpeg",
        &["-v", "error", "-y", "-i", path.to_str().unwrap(), "-vf", r"select=eq(n\,5)", "-vframes", "1", png.to_str().unwrap()],
    );
    let img = image::open(&png).expect("ffmpeg wrote the frame").to_rgb8();
    assert_eq!(img.dimensions(), (W, H));
    let near = |x: f32, y: f32, want: [u8; 3]| {
        let got = img.get_pixel(x as u32, y as u32).0;
        let ok = got.iter().zip(want).all(|(&g, w)| g.abs_diff(w) <= 24);
        assert!(ok, "pixel ({x}, {y}) of frame 5 is {got:?}, expected about {want:?}");
    };
    let (cx, cy) = centre(5);
    near(cx, cy, RED);
    for (dx, dy) in [(0.7, 0.0), (-0.7, 0.0), (0.0, 0.7), (0.0, -0.7)] {
        near(cx + dx * RADIUS, cy + dy * RADIUS, RED);
    }
    for (dx, dy) in [(1.4, 0.0), (-1.4, 0.0), (0.0, 1.4), (0.0, -1.4)] {
        near(cx + dx * RADIUS, cy + dy * RADIUS, [255, 255, 255]);
    }
    // The circle's centre of mass is where it was drawn, within a pixel or two.
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[0] > 150 && p.0[1] < 110 && p.0[2] < 110 {
            sx += x as f64 + 0.5;
            sy += y as f64 + 0.5;
            n += 1.0;
        }
    }
    let area = std::f64::consts::PI * (RADIUS as f64).powi(2);
    assert!((n - area).abs() < 0.1 * area, "{n} red pixels, the circle has {area:.0}");
    assert!((sx / n - cx as f64).abs() < 1.5 && (sy / n - cy as f64).abs() < 1.5, "red centred at ({}, {})", sx / n, sy / n);
}

#[test]
fn odd_sizes_many_frames_and_a_single_frame() {
    // 321×241 is encoded as 320×240; 40 frames are encoded in runs on several cores and joined.
    let frames: Vec<Pixmap> = (0..40)
        .map(|i| {
            let mut pm = Pixmap::new(W + 1, H + 1).unwrap();
            pm.draw_pixmap(0, 0, frame(i % FRAMES).as_ref(), &Default::default(), Transform::identity(), None);
            pm
        })
        .collect();
    let p = probe(&write_mp4("odd_size.mp4", &frames, 25.0));
    assert_eq!((p.codec.as_str(), p.width, p.height, p.frames), ("h264", W as u64, H as u64, 40));
    assert!((p.duration - 1.6).abs() < 0.02, "duration {}", p.duration);

    // One frame at 2 fps lasts half a second (two half-length samples of the same picture).
    let p = probe(&write_mp4("single.mp4", &[frame(3)], 2.0));
    assert_eq!((p.codec.as_str(), p.width, p.height), ("h264", W as u64, H as u64));
    assert!((p.duration - 0.5).abs() < 0.02, "duration {}", p.duration);
}
