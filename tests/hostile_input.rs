//! Files nobody vetted: each must give a clear message with its place, never a panic or a hang.

mod common;

use common::of;
use portolan::io::{self, LineColumn, Place, ReadError, Severity};

fn read_bytes(bytes: &[u8]) -> Result<io::Loaded, ReadError> {
    io::geojson::read_bytes(bytes)
}

fn write_temp(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn nesting_100k_levels_deep_fails_fast() {
    let text = "[".repeat(100_000) + &"]".repeat(100_000);
    let err = read_bytes(text.as_bytes()).unwrap_err();
    assert!(matches!(err, ReadError::Json { line: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("nested more than 128 levels"), "{err}");
    // Inside a feature too, and with objects.
    let deep = format!(
        r#"{{"type":"Feature","geometry":null,"properties":{}{}}}"#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    assert!(read_bytes(deep.as_bytes()).unwrap_err().to_string().contains("128 levels"));
}

#[test]
fn a_32_mb_string_loads() {
    let big = "x".repeat(32 << 20);
    let text = format!(r#"{{"type":"Feature","properties":{{"note":"{big}"}},"geometry":{{"type":"Point","coordinates":[1,2]}}}}"#);
    let l = read_bytes(text.as_bytes()).unwrap();
    assert_eq!(l.layer.features[0].str_prop("note").map(str::len), Some(32 << 20));
}

#[test]
fn nan_and_infinity_are_not_json() {
    for bad in ["NaN", "Infinity", "-Infinity"] {
        let text = format!(r#"{{"type":"Point","coordinates":[{bad},1]}}"#);
        let err = read_bytes(text.as_bytes()).unwrap_err();
        assert!(matches!(err, ReadError::Json { line: 1, column: 29.., .. }), "{bad}: {err:?}");
    }
}

#[test]
fn numbers_out_of_range() {
    let err = read_bytes(br#"{"type":"Point","coordinates":[1e400,1]}"#).unwrap_err();
    assert!(err.to_string().contains("number out of range"), "{err}");
    assert!(matches!(err, ReadError::Json { line: 1, .. }));
    // A finite but impossible longitude skips the feature, with its place.
    let l = read_bytes(br#"{"type":"FeatureCollection","features":[
        {"type":"Feature","id":"far","properties":{},"geometry":{"type":"Point","coordinates":[1e300,1]}},
        {"type":"Feature","id":"ok","properties":{},"geometry":{"type":"Point","coordinates":[1,1]}}]}"#)
    .unwrap();
    assert_eq!(l.layer.features.len(), 1);
    assert_eq!(of(&l, Severity::Error)[0].place, Place::Feature { index: 0, id: Some("far".into()), at: Some(LineColumn { line: 2, column: 9 }) });
}

#[test]
fn duplicate_keys_are_warnings_with_their_place() {
    let l = read_bytes(br#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"name":"first","name":"second"},"geometry":null}]}"#)
    .unwrap();
    assert_eq!(l.layer.features[0].name(), Some("second"));
    let w = of(&l, Severity::Warning);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].place, Place::Member("/features/0/properties/name".into()));
    // Thousands of duplicates do not flood the list.
    let many: String = (0..5000).map(|_| r#""k":1,"#).collect();
    let text = format!(r#"{{"type":"Feature","properties":{{{many}"k":2}},"geometry":null}}"#);
    let l = read_bytes(text.as_bytes()).unwrap();
    assert_eq!(l.diagnostics.len(), 21);
    assert!(l.diagnostics[20].message.contains("4980 more duplicate keys"));
}

const POINT: &str = r#"{"type":"Feature","properties":{"name":"Раджин 라진"},"geometry":{"type":"Point","coordinates":[130.28,42.22]}}"#;

#[test]
fn utf8_bom_is_accepted() {
    let bytes = [b"\xEF\xBB\xBF".as_slice(), POINT.as_bytes()].concat();
    let l = read_bytes(&bytes).unwrap();
    assert_eq!(l.layer.features[0].name(), Some("Раджин 라진"));
    assert!(l.diagnostics.is_empty());
}

#[test]
fn utf16_with_and_without_bom_is_decoded_with_a_note() {
    let le: Vec<u8> = POINT.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = POINT.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for bytes in [[&[0xFF, 0xFE][..], &le].concat(), [&[0xFE, 0xFF][..], &be].concat(), le.clone(), be] {
        let l = read_bytes(&bytes).unwrap();
        assert_eq!(l.layer.features[0].name(), Some("Раджин 라진"));
        assert!(l.diagnostics[0].message.contains("UTF-16"));
    }
    // A lone surrogate is an encoding error, not a panic.
    let mut broken = [&[0xFF, 0xFE][..], &le].concat();
    broken.extend_from_slice(&0xD800u16.to_le_bytes());
    broken.extend_from_slice(&0x0041u16.to_le_bytes());
    assert!(matches!(read_bytes(&broken).unwrap_err(), ReadError::Encoding { encoding: "UTF-16", .. }));
}

#[test]
fn invalid_utf8_names_its_line() {
    let err = read_bytes(b"{\n\"type\":\"Point\",\n\"x\":\"\xFF\"}").unwrap_err();
    assert!(matches!(err, ReadError::Encoding { encoding: "UTF-8", line: 3, column: 6 }), "{err:?}");
}

#[test]
fn a_file_cut_before_its_features_says_so_with_its_place() {
    let full = std::fs::read_to_string(common::SAMPLE).unwrap();
    let features = full.find("\"features\"").unwrap();
    for cut in [1, 100, full.len() / 2, features + 12] {
        let err = read_bytes(&full.as_bytes()[..cut]).unwrap_err();
        let ReadError::Json { line, message, .. } = &err else { panic!("{err:?}") };
        assert!(*line >= 1);
        assert!(message.contains("truncated"), "{message}");
    }
    // A single feature or geometry has nothing complete before its end.
    for text in [POINT, r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#] {
        assert!(matches!(read_bytes(&text.as_bytes()[..text.len() - 2]), Err(ReadError::Json { .. })));
    }
}

/// A FeatureCollection of `n` lines (features on lines 2 to n + 1), as a GIS exports it.
fn collection(n: usize) -> String {
    let features: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"type":"Feature","id":"f{i}","properties":{{"name":"Порт {i}","n":{i}}},"geometry":{{"type":"LineString","coordinates":[[130.25,42.5],[131.125,43.0625]]}}}}"#))
        .collect();
    format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n", features.join(",\n"))
}

#[test]
fn a_collection_cut_in_its_features_keeps_every_feature_before_the_cut() {
    let full = collection(150);
    let start = full.find(r#"{"type":"Feature","id":"f100""#).unwrap();
    let feature = &full[start..start + full[start..].find('\n').unwrap()];
    let cut_after = |s: &str| start + feature.find(s).unwrap() + s.len();
    for (what, cut) in [
        ("mid-coordinate", cut_after("131.1")),
        ("mid-property", cut_after(r#""n":"#)),
        ("mid-string", cut_after(r#""name":"По"#)),
        ("mid-character", cut_after(r#""name":"П"#) - 1),
        ("mid-key", cut_after(r#""geom"#)),
        ("between features", start - 2),
    ] {
        let l = read_bytes(&full.as_bytes()[..cut]).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(l.layer.features.len(), 100, "{what}");
        assert_eq!(l.layer.features[99].key().as_deref(), Some("f99"));
        let errors = of(&l, Severity::Error);
        assert_eq!(errors.len(), 1, "{what}: {errors:?}");
        // serde_json's place of the end: the line, and the bytes on it (a character cut in
        // half is left out first).
        let end = (0..=cut).rev().find(|&i| full.is_char_boundary(i)).unwrap();
        let line_start = full[..end].rfind('\n').unwrap() + 1;
        let line = full[..line_start].matches('\n').count() + 1;
        assert_eq!(errors[0].place, Place::Text { line, column: end - line_start }, "{what}");
        assert_eq!(errors[0].message, "the file ends in the middle, as if cut short: kept the 100 features before the cut", "{what}");
    }
    // A character cut in half is left out with a warning.
    let l = read_bytes(&full.as_bytes()[..cut_after(r#""name":"П"#) - 1]).unwrap();
    assert!(of(&l, Severity::Warning)[0].message.contains("middle of a character"));
}

#[test]
fn a_collection_cut_after_its_features_keeps_them_all() {
    let full = collection(3);
    let end = full.rfind(']').unwrap() + 1;
    let l = read_bytes(&full.as_bytes()[..end]).unwrap();
    assert_eq!(l.layer.features.len(), 3);
    assert_eq!(of(&l, Severity::Error)[0].message, "the file ends in the middle, as if cut short, after the features: kept the 3 features");
    // A case file cut in its evidence, after the features: the features load, the evidence does not.
    let case = full.replace("\n]}\n", "\n],\"portolan\":{\"version\":1,\"title\":\"Draft\",\"sources\":[{\"id\":\"src_a\"}]}}\n");
    let cut = case.find("src_a").unwrap();
    let l = read_bytes(&case.as_bytes()[..cut]).unwrap();
    assert_eq!(l.layer.features.len(), 3);
    assert!(l.layer.case.is_none());
    let e = of(&l, Severity::Error);
    assert_eq!(e[0].message, "the file ends in the middle, as if cut short, in \"portolan\" after the features: kept the 3 features; the case's evidence was not read");
}

#[test]
fn a_case_file_cut_in_its_features_keeps_its_evidence() {
    let full = std::fs::read_to_string(common::SAMPLE).unwrap();
    let eleventh = full.match_indices(r#""type": "Feature""#).nth(10).unwrap().0;
    let l = read_bytes(&full.as_bytes()[..eleventh + 30]).unwrap();
    assert_eq!(l.layer.features.len(), 10);
    assert_eq!(l.layer.case.as_ref().map(|c| c.sources.len()), Some(55));
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.ends_with("kept the 10 features before the cut"), "{}", e[0].message);
    // Cut after the whole file but its last brace: everything loads, and the error says so.
    let l = read_bytes(&full.as_bytes()[..full.len() - 3]).unwrap();
    assert_eq!(l.layer.features.len(), 24);
    assert!(of(&l, Severity::Error)[0].message.ends_with("after the features: kept the 24 features"));
}

#[test]
fn garbage_in_the_features_keeps_those_before_it() {
    // An interrupted download written into a file of zeros, and a "type" that came last.
    let full = collection(5).replacen(r#"{"type":"FeatureCollection","#, "{", 1);
    let cut = full.find(r#"{"type":"Feature","id":"f3""#).unwrap() + 20;
    let bytes = [&full.as_bytes()[..cut], &[0u8; 64]].concat();
    let l = read_bytes(&bytes).unwrap();
    assert_eq!(l.layer.features.len(), 3);
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].message.starts_with("not valid JSON from here on (") && e[0].message.ends_with("kept the 3 features before this point"), "{}", e[0].message);
    assert!(matches!(e[0].place, Place::Text { line: 5, .. }), "{:?}", e[0].place);
}

#[test]
fn empty_and_blank_files() {
    let (_d, empty) = write_temp("empty.geojson", b"");
    assert!(matches!(io::read_path(&empty).unwrap_err(), ReadError::Empty));
    assert!(matches!(read_bytes(b" \n\t ").unwrap_err(), ReadError::Empty));
    assert!(matches!(read_bytes(b"\xEF\xBB\xBF").unwrap_err(), ReadError::Empty));
}

#[test]
fn directory_missing_and_unreadable_paths() {
    let dir = tempfile::tempdir().unwrap();
    let err = io::read_path(dir.path()).unwrap_err();
    assert_eq!(err.to_string(), "this is a directory, not a file");
    let err = io::read_path(&dir.path().join("missing.geojson")).unwrap_err();
    assert!(matches!(err, ReadError::Io(ref e) if e.kind() == std::io::ErrorKind::NotFound), "{err}");
    // A path through a file is unreadable whoever runs the test (chmod does not stop root).
    let (_d, file) = write_temp("plain.geojson", POINT.as_bytes());
    let err = io::read_path(&file.join("inside.geojson")).unwrap_err();
    assert!(matches!(err, ReadError::Io(_)), "{err}");
    assert_eq!(err.to_diagnostic().severity, Severity::Error);
}

#[test]
fn binary_garbage_is_refused() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    assert!(read_bytes(&garbage).is_err());
    let (_d, png) = write_temp("picture.png", &garbage);
    assert!(matches!(io::read_path(&png).unwrap_err(), ReadError::UnknownFormat(_)));
}

#[test]
fn a_cut_file_keeps_its_progress_and_can_still_be_cancelled() {
    let full = collection(40);
    let cut = full.find(r#""id":"f30""#).unwrap();
    let (_d, path) = write_temp("cut.geojson", &full.as_bytes()[..cut]);
    let progress = io::Progress::default();
    let l = io::read_path_with(&path, &progress).unwrap();
    assert_eq!(l.layer.features.len(), 30);
    let p = progress.snapshot();
    assert_eq!((p.features, p.fraction()), (30, 1.0));
    let progress = io::Progress::default();
    progress.cancel();
    assert!(matches!(io::read_path_with(&path, &progress), Err(ReadError::Cancelled)));
}

/// Runs `portolan check` on `path`; returns its exit code, output, wall time and (on Linux) the
/// peak resident memory of the child processes so far.
fn check_in_a_child(path: &std::path::Path) -> (i32, String, std::time::Duration, Option<u64>) {
    let started = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portolan")).arg("check").arg(path).output().unwrap();
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    #[cfg(target_os = "linux")]
    let peak = {
        // SAFETY: getrusage only writes the struct it is given.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        (unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } == 0).then(|| usage.ru_maxrss as u64 * 1024)
    };
    #[cfg(not(target_os = "linux"))]
    let peak = None;
    (out.status.code().unwrap_or(-1), text, elapsed, peak)
}

#[test]
fn a_50_mb_collection_cut_mid_way_loads_in_bounded_memory_and_time() {
    // AIS-like tracks of 400 positions, one per line, until past 50 MB; then cut in the
    // middle of a number of the last track.
    use std::fmt::Write;
    let mut text = String::with_capacity(52 << 20);
    text.push_str("{\"type\":\"FeatureCollection\",\"features\":[\n");
    let mut tracks = 0;
    while text.len() < 51 << 20 {
        let _ = write!(text, r#"{{"type":"Feature","properties":{{"mmsi":{},"vessel_name":"TRACK {tracks}"}},"geometry":{{"type":"LineString","coordinates":["#, 273_000_000 + tracks);
        for i in 0..400 {
            let _ = write!(text, "{}[{:.5},{:.5}]", if i == 0 { "" } else { "," }, 130.0 + (tracks % 20) as f64 + i as f64 * 0.001, 42.0 + i as f64 * 0.0007);
        }
        text.push_str("]}},\n");
        tracks += 1;
    }
    let last = text[..text.len() - 2].rfind('\n').unwrap();
    let cut = last + text[last..].find("coordinates").unwrap() + 2000;
    assert!(text.as_bytes()[cut - 1].is_ascii_digit());
    let (_d, path) = write_temp("ais.geojson", &text.as_bytes()[..cut]);
    drop(text);

    let (code, out, elapsed, peak) = check_in_a_child(&path);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("features: {0} ({0} feature)", tracks - 1)), "{out}");
    assert!(out.contains(&format!("line {} column ", tracks + 1)) && out.contains("kept the"), "{out}");
    // An unoptimised build reads it in a few seconds; the bound is for slow CI machines.
    assert!(elapsed.as_secs() < 60, "{elapsed:?}");
    if let Some(peak) = peak {
        // The text, its positions as f64 pairs, and the program: under 3x the file, as for
        // whole files (README, Speed).
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size > 50 << 20 && peak < 3 * size, "peak {} MB for a {} MB file", peak >> 20, size >> 20);
    }
}
