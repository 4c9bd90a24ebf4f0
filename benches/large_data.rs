//! Large data against the speed targets: load + index of each generated file, what one frame
//! builds at zooms 3, 7 and 12, the raster tiles of a view, 10,000 hit tests, the export of
//! tracks_1m at 1x and 4x, one edit (a vertex moved, as one frame of a drag does, and undone)
//! on the sample case and on tracks_1m, and peak memory per file.
//!
//! ```sh
//! cargo bench --bench large_data            # everything (about 10 minutes on 2 cores)
//! cargo bench --bench large_data -- frame   # only the benchmarks whose name has "frame"
//! cargo bench --bench large_data -- memory  # only the peak-memory table
//! cargo bench --bench large_data -- mapnik  # only the export comparison with Mapnik
//! ```
//!
//! The Mapnik table times the whole `portolan export FILE --scale S` process against
//! `benches/mapnik_compare.py` (Mapnik 3.1's load + render + save of the same file, drawn the
//! same way, in one Python process; Debian's `python3-mapnik`), the median of three runs each,
//! with each side's peak memory. Portolan's page also has a basemap, place names, a locator,
//! a legend and a scale bar, which Mapnik's does not. Memory is also given beyond the floor:
//! the peak of exporting two points at the corners of the files' area (binary, basemap, one
//! page).
//!
//! The inputs are written to `target/bench-data` when missing (`benches/support/generate.rs`,
//! seed 7; the same bytes as `cargo run --release --example gen_data`). Peak memory is
//! measured first, each file in a fresh child process (Linux `getrusage` maximum resident set),
//! and printed as a table; criterion then times the rest.
//!
//! Views are 1920×1080 pixels centred on 141° E 36° N, inside the tracks' area.

use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion};
use portolan::export::{self, ExportLayer, ExportSpec, Format};
use portolan::index::LayerIndex;
use portolan::model::{FeatureRef, Layer};
use portolan::projection::world_from_lonlat;
use portolan::scene::{self, Highlight, LayerInput, ScreenTransform};

#[path = "support/generate.rs"]
mod generate;

/// Set in the child processes that measure peak memory: the file to load.
const PEAK_ENV: &str = "PORTOLAN_BENCH_PEAK_OF";
const VIEW: [f32; 2] = [1920.0, 1080.0];
const CENTRE: (f64, f64) = (141.0, 36.0);

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-data")
}

/// The input file, written first if it is missing.
fn input(name: &str) -> PathBuf {
    let dir = data_dir();
    let path = dir.join(name);
    if !path.is_file() {
        std::fs::create_dir_all(&dir).expect("the data folder can be made");
        eprintln!("writing {}", path.display());
        generate::write(&dir, name, generate::SEED).expect("the input is written");
    }
    path
}

fn load(path: &Path) -> (Layer, LayerIndex) {
    let loaded = portolan::io::read_path(path).expect("the generated file reads");
    let index = LayerIndex::build(&loaded.layer);
    (loaded.layer, index)
}

/// A 1920×1080 view at `zoom` around [`CENTRE`].
fn view(zoom: u8) -> ScreenTransform {
    let px_per_world = 256.0 * 2f64.powi(i32::from(zoom));
    let (x, y) = world_from_lonlat(CENTRE.0, CENTRE.1);
    let origin = [x - f64::from(VIEW[0]) / 2.0 / px_per_world, y - f64::from(VIEW[1]) / 2.0 / px_per_world];
    ScreenTransform { world_origin: origin, px_per_world }
}

fn bench_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load+index");
    g.sample_size(10);
    for name in generate::FILES {
        let path = input(name);
        g.bench_function(name.trim_end_matches(".geojson"), |b| b.iter(|| load(&path)));
    }
    g.finish();
}

/// Per frame, the UI thread builds the scene of the vector layers and of the highlighted
/// features of raster layers, and hit-tests the pointer; the tiles of a raster layer are drawn
/// on two background threads. Both are timed here, and, for comparison, the scene of the
/// whole layer as vectors (culled by the index, thinned to half a pixel).
fn bench_frames(c: &mut Criterion) {
    for name in ["tracks_1m.geojson", "tracks_5m.geojson"] {
        let (layer, index) = load(&input(name));
        let short = name.trim_end_matches(".geojson");
        let fades = vec![1.0f32; layer.features.len()];
        let selected = [FeatureRef { layer: 0, feature: 3 }];
        let mut g = c.benchmark_group(format!("frame/{short}"));
        g.sample_size(20);
        for zoom in [3u8, 7, 12] {
            let t = view(zoom);
            let highlight = Highlight { selected: &selected, hovered: Some(FeatureRef { layer: 0, feature: 9 }), fade: None };
            let raster = LayerInput { spatial: Some(&index), highlights_only: true, ..LayerInput::new(0, &layer, 1.0) };
            let tolerance = 6.0 / t.px_per_world;
            let pointer = t.world_from_screen([VIEW[0] / 2.0, VIEW[1] / 2.0]);
            g.bench_with_input(BenchmarkId::new("ui-thread", zoom), &zoom, |b, _| {
                b.iter(|| {
                    let scene = scene::build(std::slice::from_ref(&raster), &t, VIEW, highlight, &[]);
                    (scene, index.hit(&layer, pointer, tolerance))
                })
            });
            g.bench_with_input(BenchmarkId::new("view-tiles", zoom), &zoom, |b, _| b.iter(|| view_tiles(&layer, &index, &fades, &t)));
            let vector = LayerInput { spatial: Some(&index), ..LayerInput::new(0, &layer, 1.0) };
            g.bench_with_input(BenchmarkId::new("all-vector", zoom), &zoom, |b, _| {
                b.iter(|| scene::build(std::slice::from_ref(&vector), &t, VIEW, highlight, &[]))
            });
        }
        g.finish();
    }
}

/// Every 256-pixel tile the view needs, drawn one after the other (the window uses two
/// threads, so it waits about half this).
fn view_tiles(layer: &Layer, index: &LayerIndex, fades: &[f32], t: &ScreenTransform) -> usize {
    let zoom = (t.px_per_world / 256.0).log2().round() as u8;
    let tile_world = 1.0 / 2f64.powi(i32::from(zoom));
    let end = t.world_from_screen(VIEW);
    let (x0, y0) = ((t.world_origin[0] / tile_world) as u32, (t.world_origin[1] / tile_world) as u32);
    let (x1, y1) = ((end[0] / tile_world) as u32, (end[1] / tile_world) as u32);
    let mut painted = 0;
    for x in x0..=x1 {
        for y in y0..=y1 {
            let tile = portolan::tiles::layer::render_tile(layer, index, fades, zoom, x, y, 256);
            painted += tile.map_or(0, |p| p.data().len());
        }
    }
    painted
}

fn bench_hits(c: &mut Criterion) {
    let (layer, index) = load(&input("tracks_1m.geojson"));
    let mut g = c.benchmark_group("hit-tests");
    g.sample_size(20);
    for zoom in [3u8, 7, 12] {
        let t = view(zoom);
        // 10,000 pointer positions spread over the view (a fixed low-discrepancy sequence).
        let points: Vec<[f64; 2]> = (0..10_000)
            .map(|i| {
                let (u, v) = ((i as f32 * 0.618_034) % 1.0, (i as f32 * 0.754_878) % 1.0);
                t.world_from_screen([u * VIEW[0], v * VIEW[1]])
            })
            .collect();
        let tolerance = 6.0 / t.px_per_world;
        g.bench_with_input(BenchmarkId::new("tracks_1m x10000", zoom), &zoom, |b, _| {
            b.iter(|| points.iter().filter(|p| index.hit(&layer, **p, tolerance).is_some()).count())
        });
    }
    g.finish();
}

fn bench_export(c: &mut Criterion) {
    let (layer, _) = load(&input("tracks_1m.geojson"));
    let mut g = c.benchmark_group("export/tracks_1m");
    g.sample_size(10);
    for scale in [1.0f32, 4.0] {
        let mut spec = ExportSpec::new(vec![ExportLayer { layer: &layer, opacity: 1.0 }]);
        spec.scale = scale;
        spec.format = Format::Png;
        let _warm = export::export(&spec).expect("the export succeeds");
        g.bench_with_input(BenchmarkId::new("png", format!("{scale}x")), &scale, |b, _| {
            b.iter(|| export::export(&spec).expect("the export succeeds"))
        });
    }
    g.finish();
}

/// Runs in a child process: loads one file and prints the peak resident set in bytes.
fn peak_child(path: &Path) {
    let (layer, index) = load(path);
    std::hint::black_box((&layer, &index));
    println!("{}", peak_rss_bytes());
}

fn peak_rss_bytes() -> u64 {
    // SAFETY: getrusage only writes into the struct we hand it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    // Linux reports kilobytes.
    usage.ru_maxrss as u64 * 1024
}

/// Peak memory per file, each loaded (and indexed) in a fresh process.
fn memory_table() {
    let exe = std::env::current_exe().expect("the bench knows where it is");
    println!("\npeak memory (load + index, fresh process; target: under 3x the file)");
    println!("{:<22} {:>10} {:>10} {:>8}", "file", "file MB", "peak MB", "ratio");
    for name in generate::FILES {
        let path = input(name);
        let out = std::process::Command::new(&exe).env(PEAK_ENV, &path).output().expect("the child runs");
        let peak: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        let mb = |b: u64| b as f64 / 1e6;
        println!("{:<22} {:>10.1} {:>10.1} {:>8.2}", name, mb(size), mb(peak), peak as f64 / size.max(1) as f64);
    }
    println!();
}

/// Runs a command and returns its wall time in seconds and the peak resident set of the
/// child in bytes (`wait4`'s rusage), or `None` if it did not run or failed.
fn timed_child(cmd: &mut std::process::Command) -> Option<(f64, u64)> {
    let started = std::time::Instant::now();
    let child = cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().ok()?;
    let mut status = 0;
    // SAFETY: wait4 writes only into the status and the rusage we hand it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let seconds = started.elapsed().as_secs_f64();
    (pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0).then_some((seconds, usage.ru_maxrss as u64 * 1024))
}

/// The median time and the largest peak of some runs.
fn median_and_peak(runs: &[(f64, u64)]) -> (f64, u64) {
    (median(runs.iter().map(|r| r.0).collect()), runs.iter().map(|r| r.1).max().unwrap_or(0))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Runs of each side of a comparison, taken in turns (this machine's speed drifts over a
/// minute; pairs run side by side see the same machine).
const TURNS: usize = 5;

/// Whole `portolan export` processes against Mapnik's load + render + save of the same files.
fn mapnik_table() {
    let out = std::env::temp_dir().join(format!("portolan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("a temporary folder");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches").join("mapnik_compare.py");
    let has_mapnik = std::process::Command::new("/usr/bin/python3").args(["-c", "import mapnik"]).output().is_ok_and(|o| o.status.success());
    let portolan = |file: &Path, scale: u32| {
        timed_child(std::process::Command::new(env!("CARGO_BIN_EXE_portolan")).arg("export").arg(file).args(["--scale", &scale.to_string(), "--out"]).arg(out.join("p.png")))
    };
    let mapnik = |file: &Path, scale: u32| {
        if !has_mapnik {
            return None;
        }
        let o = std::process::Command::new("/usr/bin/python3").arg(&script).arg(file).arg(out.join("m.png")).arg(scale.to_string()).output().ok()?;
        // The script times itself (without Python's start-up) and reports its own peak.
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let field = |k: &str| text.split_whitespace().find_map(|w| w.strip_prefix(k)).and_then(|v| v.parse::<f64>().ok());
        Some((field("seconds=")?, field("peak_kb=")? as u64 * 1024))
    };
    // Extents from `portolan check` in a child: a file loaded here would count in every
    // child's peak (Linux carries the parent's peak across fork and exec).
    let extents: Vec<Option<[f64; 4]>> = generate::FILES
        .iter()
        .map(|name| {
            let o = std::process::Command::new(env!("CARGO_BIN_EXE_portolan")).arg("check").arg(input(name)).output().ok()?;
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            let line = text.lines().find_map(|l| l.trim().strip_prefix("extent: lon "))?;
            let n: Vec<f64> = line.split([' ', ',']).filter_map(|w| w.parse().ok()).collect();
            (n.len() == 4).then(|| [n[0], n[2], n[1], n[3]])
        })
        .collect();
    // The floor of each file: a page of two points at the corners of its extent (the same
    // zoom, the same basemap tier, the same place names and locator).
    let floor_of = |extent: Option<[f64; 4]>, scale: u32| -> u64 {
        let Some([west, south, east, north]) = extent else { return 0 };
        let one = out.join("floor.geojson");
        let point = |lon: f64, lat: f64| format!(r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon},{lat}]}},"properties":{{}}}}"#);
        std::fs::write(&one, format!(r#"{{"type":"FeatureCollection","features":[{},{}]}}"#, point(west, south), point(east, north))).expect("the floor file is written");
        let runs: Vec<(f64, u64)> = (0..3).filter_map(|_| portolan(&one, scale)).collect();
        median_and_peak(&runs).1
    };
    let mb = |b: u64| b as f64 / 1e6;
    println!("\nexport against Mapnik (whole process, {TURNS} turns each, medians; ratio: the median of the turns' ratios; target: at least 2x faster, memory beyond the floor under 3x the file)");
    if !has_mapnik {
        println!("(no Mapnik: install python3-mapnik for the Mapnik columns)");
    }
    println!("{:<18} {:>5} {:>9} {:>9} {:>7} {:>10} {:>10} {:>10} {:>12}", "file", "scale", "ours s", "mapnik s", "ratio", "ours MB", "floor MB", "mapnik MB", "beyond/file");
    for scale in [1, 4] {
        for (name, extent) in generate::FILES.iter().zip(&extents) {
            let path = input(name);
            let size = std::fs::metadata(&path).map_or(1, |m| m.len().max(1));
            let floor = floor_of(*extent, scale);
            let turns: Vec<((f64, u64), Option<(f64, u64)>)> = (0..TURNS).filter_map(|_| Some((portolan(&path, scale)?, mapnik(&path, scale)))).collect();
            if turns.len() < TURNS {
                println!("{name:<18} {scale:>4}x  the export failed");
                continue;
            }
            let (ours, peak) = median_and_peak(&turns.iter().map(|t| t.0).collect::<Vec<_>>());
            let theirs: Option<Vec<(f64, u64)>> = turns.iter().map(|t| t.1).collect();
            let ratio = theirs.as_ref().map(|t| median(t.iter().zip(&turns).map(|(m, o)| m.0 / o.0.0).collect()));
            let theirs = theirs.map(|t| median_and_peak(&t));
            let cell = |v: Option<String>| v.unwrap_or_else(|| "-".into());
            println!(
                "{:<18} {:>5} {:>9.3} {:>9} {:>7} {:>10.1} {:>10.1} {:>10} {:>12.2}",
                name.trim_end_matches(".geojson"),
                format!("{scale}x"),
                ours,
                cell(theirs.map(|t| format!("{:.3}", t.0))),
                cell(ratio.map(|r| format!("{r:.2}x"))),
                mb(peak),
                mb(floor),
                cell(theirs.map(|t| format!("{:.1}", mb(t.1)))),
                peak.saturating_sub(floor) as f64 / size as f64
            );
        }
    }
    println!();
    let _ = std::fs::remove_dir_all(&out);
}

/// One frame of a vertex drag: the edit through the document (which rebuilds the layer's
/// index) and its undo, on the sample case and on a million-vertex layer.
fn bench_edit(c: &mut Criterion) {
    use portolan::document::{Document, OpenLayer};
    let mut g = c.benchmark_group("edit");
    g.sample_size(10);
    let sample = portolan::io::sample_case();
    let tracks = portolan::io::read_path(&input("tracks_1m.geojson")).expect("the generated file reads");
    for (name, loaded) in [("sample case", sample), ("tracks_1m", tracks)] {
        let mut doc = Document::new();
        doc.push(OpenLayer::new(loaded, None));
        let at = FeatureRef { layer: 0, feature: 0 };
        let original = doc.feature(at).expect("a feature").clone();
        let mut moved = original.clone();
        if let Some(g) = &moved.geometry {
            let v = portolan::document::vertices::vertices(g)[0].0;
            moved.geometry = portolan::document::vertices::move_vertex(g, v, geo::coord! { x: 140.0, y: 35.0 });
        }
        g.bench_function(format!("move vertex and undo, {name}"), |b| {
            b.iter(|| {
                doc.replace_feature(at, moved.clone(), "Move vertex", None).expect("the edit applies");
                doc.undo();
            })
        });
    }
    g.finish();
}

fn main() {
    if let Some(path) = std::env::var_os(PEAK_ENV) {
        peak_child(Path::new(&path));
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    // The memory and Mapnik tables run with no filter, or alone with the filter `memory` or
    // `mapnik` (which name no criterion benchmark).
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if filters.is_empty() || filters.iter().any(|f| f == "memory") {
        memory_table();
    }
    if filters.is_empty() || filters.iter().any(|f| f == "mapnik") {
        mapnik_table();
    }
    bench_load(&mut c);
    bench_frames(&mut c);
    bench_hits(&mut c);
    bench_export(&mut c);
    bench_edit(&mut c);
    c.final_summary();
}
