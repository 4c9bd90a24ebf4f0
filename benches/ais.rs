//! AIS at scale: ten million positions of 1,000 vessels (`tests/support/ais_gen.rs`, bulk,
//! seed 7, NOAA MarineCadastre CSV, 1.17 GB), read, built into tracks and run through every
//! detector; the peak memory of the whole run (a fresh process); one UI-thread frame with the
//! file open as a map layer; and pandas doing the same read and gap detection on the same
//! file, in the same run.
//!
//! ```sh
//! cargo bench --bench ais          # about two minutes, plus writing the file the first time
//! ```
//!
//! Targets on the 2-core development machine: the whole run under 8 s, peak memory under
//! 1 GB, a UI frame under 16 ms, at least 3× faster than pandas (5× the aim). The pandas side
//! (`benches/pandas_ais.py`) runs when `python3 -c "import pandas"` works.

use std::path::{Path, PathBuf};
use std::time::Instant;

use portolan::ais::{self, detect};

#[path = "../tests/support/ais_gen.rs"]
mod ais_gen;

/// Set in the child process that measures peak memory: the file to analyse.
const PEAK_ENV: &str = "PORTOLAN_AIS_PEAK_OF";

fn input() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-data");
    let path = dir.join("bulk_noaa.csv");
    if !path.is_file() {
        std::fs::create_dir_all(&dir).expect("the data folder can be made");
        eprintln!("writing {} (1,000 vessels × 10,000 positions)", path.display());
        let s = ais_gen::bulk(7, 1000, 10_000);
        ais_gen::write_file(&s, ais_gen::Format::Noaa, &path).expect("the input is written");
    }
    path
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// The whole analysis, timed phase by phase.
fn run(path: &Path, print: bool) -> (ais::AisData, Vec<detect::Event>) {
    let all = Instant::now();
    let t = Instant::now();
    let mut data = ais::read::read_path(path).expect("the file reads");
    let read = secs(t);
    let t = Instant::now();
    ais::tracks::build(&mut data);
    let tracks = secs(t);
    let ports = ais::shore::Ports::with_embedded(Vec::new());
    let shore = ais::shore::Shore::embedded();
    let cx = detect::Context { params: detect::Params::default(), ports: &ports, shore };
    let mut phases = Vec::new();
    let mut events = Vec::new();
    for (name, f) in [
        ("gaps", detect::gaps as fn(&ais::Vessel, &detect::Context) -> Vec<detect::Event>),
        ("port calls", detect::port_calls),
        ("loitering", detect::loitering),
    ] {
        let t = Instant::now();
        for v in &data.vessels {
            events.extend(f(v, &cx));
        }
        phases.push((name, secs(t)));
    }
    let t = Instant::now();
    events.extend(detect::encounters(&data.vessels, &cx));
    phases.push(("encounters", secs(t)));
    let t = Instant::now();
    let all_events = detect::all(&data, &cx);
    let together = secs(t);
    if print {
        println!("positions {} of {} vessels; {} events", data.positions(), data.vessels.len(), all_events.len());
        println!("{:<34} {:>8.2} s", "read (2 threads)", read);
        println!("{:<34} {:>8.2} s", "tracks: sort, repeats, suspects", tracks);
        for (name, s) in &phases {
            println!("{:<34} {:>8.2} s", format!("detector: {name} (1 thread)"), s);
        }
        println!("{:<34} {:>8.2} s", "all detectors (2 threads)", together);
        println!("{:<34} {:>8.2} s  (read + tracks + all detectors; target < 8 s)", "whole run", read + tracks + together);
        let _ = all;
    }
    (data, all_events)
}

fn peak_rss_bytes() -> u64 {
    // SAFETY: getrusage only writes into the struct we hand it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    usage.ru_maxrss as u64 * 1024
}

/// One UI-thread frame with the file open as a map layer (tracks drawn as raster tiles off
/// the UI thread, as the window does for large layers): the scene of the highlights and a
/// hit test, at zooms 3, 6 and 10.
fn frame(data: &ais::AisData, events: &[detect::Event]) {
    use portolan::index::LayerIndex;
    use portolan::model::FeatureRef;
    use portolan::scene::{self, Highlight, LayerInput, ScreenTransform};
    let t = Instant::now();
    let layer = ais::output::layer("bulk", data, events, &detect::Params::default());
    let index = LayerIndex::build(&layer);
    println!("{:<34} {:>8.2} s", "map layer + index", secs(t));
    let selected = [FeatureRef { layer: 0, feature: 3 }];
    for zoom in [3u8, 6, 10] {
        let px = 256.0 * 2f64.powi(i32::from(zoom));
        let (x, y) = portolan::projection::world_from_lonlat(150.0, 37.0);
        let view = [1920.0f32, 1080.0];
        let tr = ScreenTransform { world_origin: [x - 960.0 / px, y - 540.0 / px], px_per_world: px };
        let highlight = Highlight { selected: &selected, hovered: Some(FeatureRef { layer: 0, feature: 9 }), fade: None };
        let input = LayerInput { spatial: Some(&index), highlights_only: true, ..LayerInput::new(0, &layer, 1.0) };
        let pointer = tr.world_from_screen([960.0, 540.0]);
        let n = 20;
        let (mut scene_s, mut hit_s) = (0.0, 0.0);
        for _ in 0..n {
            let t = Instant::now();
            std::hint::black_box(scene::build(std::slice::from_ref(&input), &tr, view, highlight, &[]));
            scene_s += secs(t);
            let t = Instant::now();
            std::hint::black_box(index.hit(&layer, pointer, 6.0 / tr.px_per_world));
            hit_s += secs(t);
        }
        let ms = |s: f64| s * 1000.0 / f64::from(n);
        println!("{:<34} {:>8.2} ms  (scene {:.2} + hit test {:.2}; target < 16 ms)", format!("UI frame at zoom {zoom}"), ms(scene_s + hit_s), ms(scene_s), ms(hit_s));
    }
}

fn main() {
    if let Some(path) = std::env::var_os(PEAK_ENV) {
        let (data, events) = run(Path::new(&path), false);
        std::hint::black_box((&data, &events));
        println!("{}", peak_rss_bytes());
        return;
    }
    // `cargo bench` passes --bench; a filter that names nothing here is ignored.
    let path = input();
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!("\nAIS: {} ({:.2} GB)", path.display(), size as f64 / 1e9);
    let (data, events) = run(&path, true);
    let exe = std::env::current_exe().expect("the bench knows where it is");
    let child = std::process::Command::new(&exe).env(PEAK_ENV, &path).output().expect("the child runs");
    let peak: u64 = String::from_utf8_lossy(&child.stdout).trim().parse().unwrap_or(0);
    println!("{:<34} {:>8.0} MB  (fresh process; target < 1,000 MB)", "peak memory", peak as f64 / 1e6);
    frame(&data, &events);
    drop((data, events));
    // pandas: the same read and gap detection.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches").join("pandas_ais.py");
    let t = Instant::now();
    let ours = {
        let t = Instant::now();
        let mut d = ais::read::read_path(&path).expect("the file reads");
        ais::tracks::build(&mut d);
        let ports = ais::shore::Ports::new(Vec::new());
        let cx = detect::Context { params: detect::Params::default(), ports: &ports, shore: ais::shore::Shore::embedded() };
        let gaps: usize = d.vessels.iter().map(|v| detect::gaps(v, &cx).len()).sum();
        (secs(t), gaps)
    };
    let _ = t;
    match std::process::Command::new("python3").arg(&script).arg(&path).output() {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            let field = |k: &str| text.split_whitespace().find_map(|w| w.strip_prefix(k)).and_then(|v| v.parse::<f64>().ok());
            let (Some(theirs), Some(gaps)) = (field("seconds="), field("gaps=")) else {
                println!("pandas: no result ({text})");
                return;
            };
            println!(
                "read + gaps: Portolan {:.2} s ({} gaps), pandas {:.2} s ({} gaps): {:.1}x faster (target 3x, aim 5x)",
                ours.0, ours.1, theirs, gaps as u64, theirs / ours.0
            );
        }
        Ok(o) => println!("pandas: not run ({})", String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("")),
        Err(e) => println!("pandas: not run ({e})"),
    }
}
