//! The benchmark inputs, written deterministically (same seed, same bytes). Shared by
//! `examples/gen_data.rs` (which writes them for a user) and `benches/large_data.rs` (which
//! writes them when they are missing).
//!
//! * `tracks_1m.geojson`: 1,000 AIS-like ship tracks × 1,000 vertices over lon 122–160,
//!   lat 22–50, with mmsi, vessel_name, vessel_type, flag, length_m, start_time, end_time;
//! * `tracks_5m.geojson`: the same with 5,000 tracks;
//! * `points_200k.geojson`: 200,000 points in clusters, with 6 properties;
//! * `sites_10k.geojson`: 10,000 polygons of 50 vertices;
//! * `mixed.geojson`: routes, multilines, polygons with holes, points and null geometries.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// SplitMix64: a tiny, well-known generator. Written out here so the files stay identical
/// whatever version of a random-number crate is in the lock file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const TYPES: [&str; 6] = ["cargo", "tanker", "container", "ro-ro", "fishing", "passenger"];
const FLAGS: [&str; 8] = ["RU", "KP", "CN", "PA", "LR", "MH", "KR", "JP"];
const NAMES: [&str; 8] = ["OCEAN", "STAR", "PACIFIC", "NORTH", "GOLDEN", "SEA", "EAST", "BRIGHT"];

fn iso(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let day = portolan::model::time::Day(portolan::model::time::Day::from_ymd(2023, 1, 1).0 + days as i32);
    let s = seconds.rem_euclid(86_400);
    format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

fn tracks(path: &Path, count: usize, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng(seed);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    let mut line = String::new();
    for i in 0..count {
        line.clear();
        let (mut lon, mut lat) = (rng.range(124.0, 158.0), rng.range(24.0, 48.0));
        let mut heading = rng.range(0.0, std::f64::consts::TAU);
        let start = (rng.range(0.0, 500.0 * 86_400.0)) as i64;
        let name = format!("{} {}", rng.pick(&NAMES), rng.pick(&NAMES));
        let _ = write!(
            line,
            "{}{{\"type\":\"Feature\",\"properties\":{{\"mmsi\":{},\"vessel_name\":\"{name}\",\"vessel_type\":\"{}\",\"flag\":\"{}\",\"length_m\":{:.0},\"start_time\":\"{}\",\"end_time\":\"{}\"}},\"geometry\":{{\"type\":\"LineString\",\"coordinates\":[",
            if i == 0 { "" } else { ",\n" },
            200_000_000 + i,
            rng.pick(&TYPES),
            rng.pick(&FLAGS),
            rng.range(30.0, 300.0),
            iso(start),
            iso(start + 1000 * 300),
        );
        for v in 0..1000 {
            heading += rng.range(-0.15, 0.15);
            lon = (lon + heading.cos() * 0.03).clamp(122.0, 160.0);
            lat = (lat + heading.sin() * 0.03).clamp(22.0, 50.0);
            if lon <= 122.0 || lon >= 160.0 || lat <= 22.0 || lat >= 50.0 {
                heading += std::f64::consts::PI;
            }
            let _ = write!(line, "{}[{lon:.5},{lat:.5}]", if v == 0 { "" } else { "," });
        }
        line.push_str("]}}");
        out.write_all(line.as_bytes())?;
    }
    out.write_all(b"\n]}\n")?;
    out.flush()
}

fn points(path: &Path, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng(seed);
    let centres: Vec<(f64, f64)> = (0..200).map(|_| (rng.range(100.0, 170.0), rng.range(0.0, 60.0))).collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for i in 0..200_000 {
        let (cx, cy) = centres[(rng.next() % centres.len() as u64) as usize];
        let (lon, lat) = (cx + rng.range(-0.5, 0.5) * rng.range(0.0, 1.0), cy + rng.range(-0.5, 0.5) * rng.range(0.0, 1.0));
        let sep = if i == 0 { "" } else { ",\n" };
        writeln!(
            out,
            "{sep}{{\"type\":\"Feature\",\"id\":{i},\"properties\":{{\"name\":\"P{i}\",\"kind\":\"{}\",\"flag\":\"{}\",\"speed_kn\":{:.1},\"observed\":\"{}\",\"confidence\":\"{}\"}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{lon:.5},{lat:.5}]}}}}",
            rng.pick(&TYPES),
            rng.pick(&FLAGS),
            rng.range(0.0, 20.0),
            iso((rng.range(0.0, 500.0) * 86_400.0) as i64),
            rng.pick(&["high", "medium", "low"]),
        )?;
    }
    out.write_all(b"]}\n")?;
    out.flush()
}

fn ring(rng: &mut Rng, cx: f64, cy: f64, r: f64, n: usize, ccw: bool) -> String {
    let mut pts: Vec<String> = (0..n)
        .map(|k| {
            let a = k as f64 / n as f64 * std::f64::consts::TAU;
            let rr = r * rng.range(0.7, 1.0);
            format!("[{:.5},{:.5}]", cx + rr * a.cos(), cy + rr * a.sin())
        })
        .collect();
    if !ccw {
        pts.reverse();
    }
    pts.push(pts[0].clone());
    format!("[{}]", pts.join(","))
}

fn sites(path: &Path, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng(seed);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for i in 0..10_000 {
        let (cx, cy) = (rng.range(100.0, 170.0), rng.range(0.0, 60.0));
        let sep = if i == 0 { "" } else { ",\n" };
        let radius = rng.range(0.005, 0.05);
        let r = ring(&mut rng, cx, cy, radius, 49, true);
        write!(out, "{sep}{{\"type\":\"Feature\",\"properties\":{{\"id\":\"site_{i}\",\"name\":\"Site {i}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[{r}]}}}}")?;
    }
    out.write_all(b"\n]}\n")?;
    out.flush()
}

fn mixed(path: &Path, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng(seed);
    let mut features = Vec::new();
    for i in 0..2_000 {
        let (cx, cy) = (rng.range(100.0, 170.0), rng.range(0.0, 60.0));
        let f = match i % 5 {
            0 => {
                let pts: Vec<String> = (0..20).map(|k| format!("[{:.5},{:.5}]", cx + k as f64 * 0.05, cy + rng.range(-0.05, 0.05))).collect();
                format!("{{\"type\":\"LineString\",\"coordinates\":[{}]}}", pts.join(","))
            }
            1 => format!(
                "{{\"type\":\"MultiLineString\",\"coordinates\":[[[{cx:.4},{cy:.4}],[{:.4},{:.4}]],[[{:.4},{:.4}],[{:.4},{:.4}]]]}}",
                cx + 0.3, cy + 0.1, cx, cy + 0.5, cx + 0.4, cy + 0.6
            ),
            2 => {
                let outer = ring(&mut rng, cx, cy, 0.5, 30, true);
                let hole = ring(&mut rng, cx, cy, 0.15, 12, false);
                format!("{{\"type\":\"Polygon\",\"coordinates\":[{outer},{hole}]}}")
            }
            3 => format!("{{\"type\":\"Point\",\"coordinates\":[{cx:.5},{cy:.5}]}}"),
            _ => "null".to_owned(),
        };
        features.push(format!("{{\"type\":\"Feature\",\"id\":\"m{i}\",\"properties\":{{\"n\":{i}}},\"geometry\":{f}}}"));
    }
    std::fs::write(path, format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", features.join(",\n")))
}

/// The seed the documented figures were measured with.
pub const SEED: u64 = 7;

/// File names, in the order they are written.
pub const FILES: [&str; 5] = ["tracks_1m.geojson", "tracks_5m.geojson", "points_200k.geojson", "sites_10k.geojson", "mixed.geojson"];

/// Writes one input file (one of [`FILES`]) into `dir`.
pub fn write(dir: &Path, name: &str, seed: u64) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    match name {
        "tracks_1m.geojson" => tracks(&path, 1_000, seed),
        "tracks_5m.geojson" => tracks(&path, 5_000, seed + 1),
        "points_200k.geojson" => points(&path, seed + 2),
        "sites_10k.geojson" => sites(&path, seed + 3),
        "mixed.geojson" => mixed(&path, seed + 4),
        other => return Err(std::io::Error::other(format!("no generator for {other}"))),
    }?;
    Ok(path)
}
