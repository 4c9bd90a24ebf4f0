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
fn truncated_file_says_so_with_its_place() {
    let full = std::fs::read_to_string(common::SAMPLE).unwrap();
    for cut in [1, 100, full.len() / 2, full.len() - 3] {
        let err = read_bytes(&full.as_bytes()[..cut]).unwrap_err();
        let ReadError::Json { line, message, .. } = &err else { panic!("{err:?}") };
        assert!(*line >= 1);
        assert!(message.contains("truncated"), "{message}");
    }
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
