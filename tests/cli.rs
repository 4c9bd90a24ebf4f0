//! `portolan check` as a user runs it.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_portolan");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/dprk-russia-2023.portolan.geojson");

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn check_reports_the_sample_counts_and_exits_0() {
    let (code, out) = run(&["check", SAMPLE]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("features: 24 (16 site, 3 sea_route, 4 rail_corridor, 1 area)"), "{out}");
    assert!(out.contains("evidence: 55 sources, 4 vessels, 38 events"), "{out}");
    assert!(out.contains("extent: lon 39.6300 .. 135.0700, lat 42.1500 .. 57.1500"), "{out}");
    // Warnings do not fail the check: the sources have no archive URL or saved copy yet, and
    // one area names no source.
    assert!(out.contains("at /portolan/sources/0: warning: no archive URL or saved-copy hash"), "{out}");
    assert!(out.contains(r#"(id "poly_tikhoretsk_depot_extent"): warning: no source backs this area (unsourced)"#), "{out}");
    assert!(out.contains("0 errors, 56 warnings"), "{out}");
}

#[test]
fn check_on_broken_files_names_the_place_loads_the_rest_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.geojson");
    std::fs::write(
        &broken,
        r#"{"type":"FeatureCollection","features":[
  {"type":"Feature","id":"good","properties":{},"geometry":{"type":"Point","coordinates":[131.9,43.1]}},
  {"type":"Feature","id":"bad","properties":{},"geometry":{"type":"LineString","coordinates":[[1,2]]}}]}"#,
    )
    .unwrap();
    let truncated = dir.path().join("truncated.geojson");
    std::fs::write(&truncated, "{\"type\":\"FeatureCollection\",\n\"features\":[").unwrap();
    let (code, out) = run(&["check", broken.to_str().unwrap(), truncated.to_str().unwrap(), SAMPLE]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("features: 1 (1 feature)"), "{out}");
    assert!(out.contains(r#"broken.geojson: feature 1 (id "bad") at line 3 column 3: error: skipped: a line needs at least 2 positions"#), "{out}");
    assert!(out.contains("truncated.geojson: line 2 column 12: error: not valid JSON: the text ends early"), "{out}");
    assert!(out.contains("0 errors, 56 warnings"), "the sample after the broken files still loads: {out}");
    assert!(!out.contains("panicked"));
}

#[test]
fn check_on_a_collection_cut_after_its_100th_feature_keeps_100_and_names_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ais.geojson");
    let features: Vec<String> = (0..150)
        .map(|i| format!(r#"  {{"type":"Feature","id":"t{i}","properties":{{"mmsi":{}}},"geometry":{{"type":"LineString","coordinates":[[130.{i},42.5],[131.5,43.{i}]]}}}}"#, 273_000_000 + i))
        .collect();
    let text = format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", features.join(",\n"));
    // An interrupted download: the 101st feature (line 102) stops in the middle of a number.
    let start = text.find(r#""id":"t100""#).unwrap();
    let cut = start + text[start..].find("131.5").unwrap() + 3;
    std::fs::write(&path, &text[..cut]).unwrap();
    let (code, out) = run(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("features: 100 (100 feature)"), "{out}");
    let column = cut - (text[..cut].rfind('\n').unwrap() + 1);
    let error = format!("ais.geojson: line 102 column {column}: error: the file ends in the middle, as if cut short: kept the 100 features before the cut");
    assert!(out.contains(&error), "{out}");
    assert!(out.contains("1 errors, 0 warnings"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["check"]).0, 2);
    assert_eq!(run(&["--no-such-flag"]).0, 2);
}

#[test]
fn build_case_rebuilds_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("case.geojson");
    let tables = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/tables");
    let (code, text) = run(&["build-case", tables, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(SAMPLE).unwrap());
    let (code, text) = run(&["build-case", "/nonexistent", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(text.contains("/nonexistent/case.json"), "{text}");
}

#[test]
fn convert_moves_a_case_to_kml_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let kml = dir.path().join("case.kml");
    let (code, text) = run(&["convert", SAMPLE, "--out", kml.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("wrote") && text.contains("(24 features)"), "{text}");
    let back = dir.path().join("back.geojson");
    let (code, text) = run(&["convert", kml.to_str().unwrap(), "--out", back.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let (_, checked) = run(&["check", back.to_str().unwrap()]);
    assert!(checked.contains("features: 24"), "{checked}");
    let (code, text) = run(&["convert", SAMPLE, "--out", dir.path().join("x.shp").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(text.contains("Portolan writes .geojson, .json, .kml, .kmz and .gpx"), "{text}");
}

#[test]
fn convert_writes_kmz_and_gpx() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["case.kmz", "case.gpx"] {
        let out = dir.path().join(name);
        let (code, text) = run(&["convert", SAMPLE, "--out", out.to_str().unwrap()]);
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("(24 features)"), "{text}");
        let (code, checked) = run(&["check", out.to_str().unwrap()]);
        assert_eq!(code, 0, "{checked}");
        assert!(checked.contains("features: 24"), "{checked}");
    }
    // GPX holds positions only: a feature without one is left out, and said so.
    let unlocated = dir.path().join("unlocated.geojson");
    std::fs::write(&unlocated, r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"name": "here"}, "geometry": {"type": "Point", "coordinates": [1, 2]}},
      {"type": "Feature", "properties": {"name": "nowhere"}, "geometry": null}]}"#).unwrap();
    let (code, text) = run(&["convert", unlocated.to_str().unwrap(), "--out", dir.path().join("u.gpx").to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("(1 features)") && text.contains("1 features without a geometry were left out"), "{text}");
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_check_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(BIN).args(["check", SAMPLE, SAMPLE, SAMPLE]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
}
