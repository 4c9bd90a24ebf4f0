//! Saved copies of sources: hash, size and media type, and how a case file records them.

use std::path::Path;
use std::process::Command;

use portolan::io::{self, saved_copy};
use serde_json::{Value, json};

/// What the system's `sha256sum` says of a file.
fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_owned()
}

#[test]
fn describe_hashes_sizes_and_names_the_media_type() {
    let dir = tempfile::tempdir().unwrap();
    // Bigger than one read chunk, so the hash is streamed over several.
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    pdf.extend((0..300_000u32).map(|i| (i % 251) as u8));
    let files = [
        ("report.pdf", pdf),
        ("page.html", b"<!DOCTYPE html>\n<html><head><title>Report</title></head><body>...</body></html>\n".to_vec()),
        // No doctype or tag at the start: only the extension says what it is.
        ("saved.htm", b"Saved from https://example.org\n<p>text</p>\n".to_vec()),
        ("notes.md", b"# Notes\n".to_vec()),
        ("page.mhtml", b"From: <Saved by Blink>\nSubject: Report\n".to_vec()),
        ("blob.bin", vec![0x01, 0x02, 0x03]),
        ("empty.txt", Vec::new()),
    ];
    let expected = ["application/pdf", "text/html", "text/html", "text/markdown", "multipart/related", "application/octet-stream", "text/plain"];
    for ((name, bytes), media_type) in files.iter().zip(expected) {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let copy = saved_copy::describe(&path).unwrap();
        assert_eq!(copy.sha256, sha256sum(&path), "{name}");
        assert_eq!(copy.bytes, bytes.len() as u64, "{name}");
        assert_eq!(copy.media_type, media_type, "{name}");
    }
    assert!(saved_copy::describe(dir.path()).is_err(), "a folder is not a saved copy");
    assert!(saved_copy::describe(&dir.path().join("missing.pdf")).is_err());
}

#[test]
fn a_recorded_copy_round_trips_and_validates_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let case_path = dir.path().join("case.portolan.geojson");
    std::fs::create_dir(dir.path().join("sources")).unwrap();
    let pdf = dir.path().join("sources/report.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\nreport\n").unwrap();

    let doc = json!({
        "type": "FeatureCollection",
        "portolan": {"version": 1, "title": "t", "sources": [{"id": "src_a", "url": "https://example.org/report"}]},
        "features": [{"type": "Feature", "properties": {"id": "site_a", "kind": "site", "source_ids": ["src_a"]},
                      "geometry": {"type": "Point", "coordinates": [132.0, 43.0]}}]
    });
    let mut layer = io::geojson::read_str(&doc.to_string()).unwrap().layer;
    let source = &mut layer.case.as_mut().unwrap().sources[0];
    saved_copy::describe(&pdf).unwrap().record_in(source, saved_copy::relative_path(Some(&case_path), &pdf));
    assert_eq!(source.saved_copy.as_deref(), Some("sources/report.pdf"));
    assert_eq!(saved_copy::resolve(Some(&case_path), "sources/report.pdf"), pdf);

    io::geojson::save(&case_path, &layer).unwrap();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&case_path).unwrap()).unwrap();
    let src = &saved["portolan"]["sources"][0];
    assert_eq!(src["sha256"], json!(sha256sum(&pdf)));
    assert_eq!((&src["saved_copy"], &src["saved_copy_bytes"], &src["saved_copy_type"]), (&json!("sources/report.pdf"), &json!(16), &json!("application/pdf")));

    let again = io::read_path(&case_path).unwrap();
    assert!(again.diagnostics.is_empty(), "a hashed, sourced case has nothing to warn of: {:?}", again.diagnostics);
    assert_eq!(again.layer.case, layer.case);

    let schema: Value = serde_json::from_str(include_str!("../docs/case.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&saved).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema knows the new fields: a size as text and a media type without a subtype fail.
    let mut bad = saved.clone();
    bad["portolan"]["sources"][0]["saved_copy_bytes"] = json!("16");
    bad["portolan"]["sources"][0]["saved_copy_type"] = json!("pdf");
    assert_eq!(validator.iter_errors(&bad).count(), 2);
}
