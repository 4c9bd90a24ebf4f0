//! Build-time checks of the embedded resources.
//!
//! The basemap pack and the fonts are compiled into the program (`include_bytes!`), so a
//! missing file would otherwise surface as a confusing compile error deep in `src/`. This
//! names the file and the command that makes it, and makes cargo rebuild when they change.

use std::path::Path;

const RESOURCES: [(&str, &str); 5] = [
    ("resources/basemap.bin", "cargo run --release --example pack_basemap -- ../shared/basemap resources/basemap.bin"),
    ("resources/fonts/NotoSans-Regular-subset.ttf", "see resources/fonts/README.md"),
    ("resources/fonts/NotoSans-Bold-subset.ttf", "see resources/fonts/README.md"),
    ("resources/fonts/NotoSansKR-Hangul-subset.otf", "see resources/fonts/README.md"),
    ("resources/fonts/NotoSansMath-arrows-subset.ttf", "see resources/fonts/README.md"),
];

fn main() {
    for (file, how) in RESOURCES {
        println!("cargo:rerun-if-changed={file}");
        let ok = Path::new(file).metadata().is_ok_and(|m| m.len() > 0);
        assert!(ok, "{file} is missing or empty; it is made with: {how}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
