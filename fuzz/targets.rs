//! What each fuzz target does with its input. The targets in `fuzz_targets/` call these under
//! libFuzzer; `tests/fuzz_regressions.rs` in the main crate replays the inputs in
//! `fuzz/regressions/` through the same functions, so a crash once found stays fixed.
//!
//! Every reader gets arbitrary bytes and must return (a layer with diagnostics, or an error),
//! never panic, hang or run out of memory. What it read is then indexed and written back in
//! the formats it can be saved in, and what the writer wrote must read again.

use portolan::basemap::Basemap;
use portolan::index::LayerIndex;
use portolan::io::{self, Loaded};
use portolan::projection::tile_world_bounds;

/// A target's name and its function.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by the name of its directory in `fuzz/regressions/` and `fuzz/corpus/`.
pub const TARGETS: [Target; 8] = [
    ("geojson", geojson),
    ("case_file", case_file),
    ("kml", kml),
    ("kmz", kmz),
    ("gpx", gpx),
    ("csv", csv),
    ("basemap_pack", basemap_pack),
    ("ais", ais),
];

pub fn geojson(data: &[u8]) {
    if let Ok(loaded) = io::geojson::read_bytes(data) {
        exercise(&loaded);
    }
}

/// A GeoJSON file with a `portolan` member: the evidence is checked as `portolan check` does.
pub fn case_file(data: &[u8]) {
    if let Ok(loaded) = io::geojson::read_bytes(data) {
        let _ = io::case_file::check_references(&loaded.layer);
        let _ = io::case_file::check_provenance(&loaded.layer);
        exercise(&loaded);
    }
}

pub fn kml(data: &[u8]) {
    if let Ok(loaded) = io::kml::read_bytes(data) {
        exercise(&loaded);
    }
}

pub fn kmz(data: &[u8]) {
    if let Ok(loaded) = io::kml::read_kmz(data) {
        exercise(&loaded);
    }
}

pub fn gpx(data: &[u8]) {
    if let Ok(loaded) = io::gpx::read_bytes(data) {
        exercise(&loaded);
    }
}

pub fn csv(data: &[u8]) {
    if let Ok(loaded) = io::delimited::read_bytes(data) {
        exercise(&loaded);
    }
}

/// AIS tables and NMEA: read, built into tracks, every detector run (embedded coastline, no
/// ports), made into a map layer, which must write and read back like any other.
pub fn ais(data: &[u8]) {
    use portolan::ais::{self, detect, shore};
    let Ok(mut d) = ais::read::read(std::io::Cursor::new(data.to_vec())) else { return };
    ais::tracks::build(&mut d);
    let ports = shore::Ports::new(Vec::new());
    let cx = detect::Context { params: detect::Params::default(), ports: &ports, shore: shore::Shore::embedded() };
    let events = detect::all(&d, &cx);
    let _ = ais::output::events_csv(&d, &events);
    let layer = ais::output::layer("fuzz", &d, &events, &cx.params);
    exercise(&Loaded { layer, diagnostics: Vec::new() });
}

/// The basemap pack is embedded, but `Basemap::from_bytes` treats it as untrusted: any bytes
/// open, decode and give labels or an error.
pub fn basemap_pack(data: &[u8]) {
    if let Ok(basemap) = Basemap::from_bytes(data.to_vec()) {
        let _ = basemap.decode_all();
        let _ = basemap.labels(tile_world_bounds(2, 3, 1), 2.0);
    }
}

/// Indexes what was read and writes it back: GeoJSON (the case format), KML and GPX. Each
/// output must read again.
fn exercise(loaded: &Loaded) {
    let layer = &loaded.layer;
    let _ = layer.extent();
    let _ = LayerIndex::build(layer);
    let geojson = io::geojson::to_string(layer);
    if let Err(e) = io::geojson::read_str(&geojson) {
        panic!("the GeoJSON written does not read back: {e}\n{geojson}");
    }
    let kml = io::kml::to_string(layer);
    if let Err(e) = io::kml::read_str(&kml) {
        panic!("the KML written does not read back: {e}\n{kml}");
    }
    let gpx = io::gpx::to_string(layer);
    if let Err(e) = io::gpx::read_str(&gpx) {
        panic!("the GPX written does not read back: {e}\n{gpx}");
    }
}
