//! Writes the seed inputs of the fuzz targets (`fuzz/`) from the project's own test fixtures:
//! `cargo run --example fuzz_seeds -- fuzz/seeds` makes `fuzz/seeds/<target>/`.
//!
//! Seeds are kept small (libFuzzer mutates small inputs much faster): the fixtures of
//! `tests/data`, the sample case cut to a few features with its evidence, that case written
//! as KML, KMZ and GPX, and tiny basemap packs encoded from a few synthetic features of each
//! kind of layer. `fuzz/run.sh` calls this before fuzzing.

use std::path::{Path, PathBuf};

use portolan::basemap::pack::{self, SourceFeature, SourceLayer};
use portolan::basemap::layer::FeatureAttrs;
use portolan::basemap::{LayerKind, Tier};
use portolan::io;

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/seeds".into()));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = root.join("tests/data");
    let fixture = |name: &str| std::fs::read(fixtures.join(name));

    let mut case = io::sample_case().layer;
    case.features.truncate(6);
    let case_json = io::geojson::to_string(&case);
    let mut plain = case.clone();
    plain.case = None;

    let survey = io::kml::read_bytes(&fixture("google-earth-survey.kml")?).expect("the fixture reads").layer;
    let seeds: Vec<(&str, &str, Vec<u8>)> = vec![
        ("geojson", "qgis-export.geojson", fixture("qgis-export.geojson")?),
        ("geojson", "plain.geojson", io::geojson::to_string(&plain).into_bytes()),
        ("geojson", "cut.geojson", case_json.as_bytes()[..case_json.len() / 2].to_vec()),
        ("case_file", "case.portolan.geojson", case_json.clone().into_bytes()),
        ("kml", "google-earth-survey.kml", fixture("google-earth-survey.kml")?),
        ("kml", "case.kml", io::kml::to_string(&case).into_bytes()),
        ("kmz", "survey.kmz", io::kml::to_kmz(&survey)?),
        ("kmz", "case.kmz", io::kml::to_kmz(&case)?),
        ("gpx", "garmin-gpsmap66i.gpx", fixture("garmin-gpsmap66i.gpx")?),
        ("gpx", "case.gpx", io::gpx::to_string(&case).into_bytes()),
        ("csv", "ports-dms.csv", fixture("ports-dms.csv")?),
        ("csv", "ports-excel.csv", fixture("ports-excel.csv")?),
        ("csv", "ports-semicolon.csv", fixture("ports-semicolon.csv")?),
        ("csv", "ports-wkt.csv", fixture("ports-wkt.csv")?),
        ("ais", "noaa.csv", AIS_NOAA.as_bytes().to_vec()),
        ("ais", "dma.csv", AIS_DMA.as_bytes().to_vec()),
        ("ais", "aivdm.nmea", AIS_NMEA.as_bytes().to_vec()),
        ("basemap_pack", "lines-and-polygons.bin", tiny_pack(&[LayerKind::Land, LayerKind::Coastline, LayerKind::Rivers])),
        ("basemap_pack", "labels.bin", tiny_pack(&[LayerKind::Places, LayerKind::Ports, LayerKind::CountryLabels])),
    ];
    for (target, name, bytes) in seeds {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)?;
    }
    println!("seeds written to {}", out.display());
    Ok(())
}

/// Small AIS files in the shapes the readers know (a gap, a meeting, a not-available row).
const AIS_NOAA: &str = "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass
273000001,2023-08-01T00:00:00,40.0,150.0,12,90,90,DARK STAR,IMO9000001,UAAA,70,0,,,,,A
273000001,2023-08-01T00:05:00,40.0,150.02,12,90,90,DARK STAR,IMO9000001,UAAA,70,0,,,,,A
273000001,2023-08-02T08:00:00,40.0,155.0,12,90,511,DARK STAR,IMO9000001,UAAA,70,0,,,,,A
273000002,2023-08-01T00:00:00,91,181,102.3,360,511,MEETER,,,70,0,,,,,A
273000002,2023-08-01T00:10:00,38.0,148.0,0.5,360,511,MEETER,,,70,0,,,,,A
273000003,2023-08-01T00:10:00,38.0,148.001,0.5,360,511,OTHER,,,70,0,,,,,A
";
const AIS_DMA: &str = "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,Name,Ship type
14/08/2023 10:00:00,Class A,219000001,55.1,11.2,Under way,0,10,90,91,Unknown,OXYZ,DANE,Cargo
14/08/2023 10:06:00,Class A,219000001,55.1,11.25,Under way,0,10,90,91,Unknown,OXYZ,DANE,Cargo
";
const AIS_NMEA: &str = "\\s:rcv01,c:1690893296*00\\!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A
$PGHP,1,2023,8,1,12,40,0,0,,,,1,*00
!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A
2023-08-01 12:45:00 !BSVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A
";

/// A pack of a few features per layer, low tier, around Vladivostok.
fn tiny_pack(kinds: &[LayerKind]) -> Vec<u8> {
    let layers: Vec<SourceLayer> = kinds
        .iter()
        .map(|&kind| {
            let strings = kind.string_fields().iter().map(|f| format!("{f} of {}", kind.file_stem())).collect();
            let parts = match kind {
                LayerKind::Places | LayerKind::Ports | LayerKind::CountryLabels => vec![vec![[131.9, 43.1]]],
                LayerKind::Land => vec![vec![[130.0, 42.0], [134.0, 42.0], [134.0, 45.0], [130.0, 45.0], [130.0, 42.0]]],
                _ => vec![vec![[130.5, 42.5], [131.9, 43.1], [133.0, 44.0]]],
            };
            let attrs = FeatureAttrs { scalerank: 2, min_zoom_x10: 10, min_label_x10: 20, max_label_x10: 80, class: 1, extra: 3 };
            SourceLayer { kind, tier: Tier::Low, features: vec![SourceFeature { attrs, strings, parts }] }
        })
        .collect();
    pack::encode(&layers).expect("a tiny pack encodes")
}
