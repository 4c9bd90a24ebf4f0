//! Helpers shared by the integration tests.
#![allow(dead_code)]

use portolan::io::{self, Diagnostic, Loaded, Severity};

pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/dprk-russia-2023.portolan.geojson");

pub fn read(text: &str) -> Loaded {
    match io::geojson::read_str(text) {
        Ok(l) => l,
        Err(e) => panic!("expected the text to load, got {e}"),
    }
}

pub fn of(loaded: &Loaded, severity: Severity) -> Vec<&Diagnostic> {
    loaded.diagnostics.iter().filter(|d| d.severity == severity).collect()
}
