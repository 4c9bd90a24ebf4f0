//! Work moves to Google Earth and QGIS and back: GeoJSON → KML → GeoJSON, and what KML cannot
//! carry.

mod common;

use geo::{CoordsIter, Geometry};
use portolan::io::{self, Severity};
use portolan::model::{Feature, FeatureId, Layer};
use serde_json::json;

const SURVEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/google-earth-survey.kml");

/// Same kind of geometry, same number of positions, each within 1e-9 degrees.
fn same_geometry(a: &Option<Geometry<f64>>, b: &Option<Geometry<f64>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            std::mem::discriminant(a) == std::mem::discriminant(b)
                && a.coords_count() == b.coords_count()
                && a.coords_iter().zip(b.coords_iter()).all(|(p, q)| (p.x - q.x).abs() < 1e-9 && (p.y - q.y).abs() < 1e-9)
        }
        _ => false,
    }
}

fn through_kml(layer: &Layer) -> io::Loaded {
    let text = io::kml::to_string(layer);
    match io::kml::read_str(&text) {
        Ok(l) => l,
        Err(e) => panic!("the KML written does not read back: {e}\n{text}"),
    }
}

const COLLECTION: &str = r##"{"type": "FeatureCollection", "name": "round trip", "features": [
  {"type": "Feature", "id": "p1", "properties": {
     "name": "Rajin <port> & \"harbour\" 'north'", "description": "line one\nline two — 라진 Раджин",
     "kind": "site", "precision_m": 250, "depth": -9.5, "big": 12345678901234, "active": true,
     "stroke": "#ff8800", "stroke-width": 3, "stroke-opacity": 0.5, "fill": "#00ff00", "fill-opacity": 0.25,
     "marker-color": "#123456", "period": "2023-10-16", "folder": "Survey/Day 1", "empty": ""},
   "geometry": {"type": "Point", "coordinates": [130.28555555555556, 42.22944444444445]}},
  {"type": "Feature", "id": "track", "properties": {"name": "drive", "folder": "Survey/Day 1",
     "times": ["2023-10-16T08:30:00Z", "2023-10-16T08:45:10Z", "2023-10-16T09:02:41.5+09:00"],
     "period": "2023-10-16T08:30:00Z/2023-10-16T09:02:41.5+09:00", "stroke-width": 2.5},
   "geometry": {"type": "LineString", "coordinates": [[130.6372, 42.4236], [130.645, 42.432], [130.6537, 42.4286]]}},
  {"type": "Feature", "properties": {"name": "depot", "period": "2023-08/2023-12", "stroke": "red", "fill": "#FF0000",
     "stroke-opacity": 1, "kind": "area", "folder": "Survey/Day 2"},
   "geometry": {"type": "Polygon", "coordinates": [[[40.101, 45.851], [40.121, 45.851], [40.121, 45.865], [40.101, 45.865], [40.101, 45.851]],
      [[40.108, 45.856], [40.108, 45.86], [40.114, 45.86], [40.114, 45.856], [40.108, 45.856]]]}},
  {"type": "Feature", "properties": {"name": "open ended", "period": "2024-02/..", "folder": "Survey"},
   "geometry": {"type": "MultiPoint", "coordinates": [[1, 2], [3, 4]]}},
  {"type": "Feature", "properties": {"name": "lines", "period": 2023},
   "geometry": {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[2, 2], [3, 3], [4, 2]]]}},
  {"type": "Feature", "properties": {"name": "polys", "folder": "a//b"},
   "geometry": {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]]]]}},
  {"type": "Feature", "properties": {"name": "mixed"},
   "geometry": {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1, 2]}, {"type": "LineString", "coordinates": [[0, 0], [-179.9999999, 1e-7]]}]}},
  {"type": "Feature", "properties": {"name": "unlocated", "note": "no geometry"}, "geometry": null}
]}"##;

#[test]
fn geojson_to_kml_to_geojson_keeps_geometry_and_properties() {
    let original = common::read(COLLECTION).layer;
    let back = through_kml(&original);
    assert_eq!(back.diagnostics, [], "{}", io::kml::to_string(&original));
    assert_eq!(back.layer.name, "round trip");
    assert_eq!(back.layer.features.len(), original.features.len());
    for (a, b) in original.features.iter().zip(&back.layer.features) {
        assert!(same_geometry(&a.geometry, &b.geometry), "{:?}\n{:?}", a.geometry, b.geometry);
        assert_eq!(a.properties, b.properties, "{:?}", a.name());
        assert_eq!(a.id.as_ref().map(ToString::to_string), b.id.as_ref().map(ToString::to_string));
    }
    // And on through GeoJSON text again.
    let again = common::read(&io::geojson::to_string(&back.layer)).layer;
    assert_eq!(again.features, back.layer.features);
}

#[test]
fn the_kml_written_is_what_google_earth_reads() {
    let text = io::kml::to_string(&common::read(COLLECTION).layer);
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\""));
    assert!(text.contains("<Folder>\n    <name>Survey</name>\n    <Folder>\n      <name>Day 1</name>\n"), "{text}");
    assert!(text.contains(r#"<SimpleField name="precision_m" type="int"></SimpleField>"#));
    assert!(text.contains(r#"<SimpleField name="depth" type="double"></SimpleField>"#));
    assert!(text.contains(r#"<SimpleField name="active" type="bool"></SimpleField>"#));
    assert!(text.contains("<TimeStamp><when>2023-10-16</when></TimeStamp>"));
    assert!(text.contains("<TimeSpan><begin>2023-08</begin><end>2023-12</end></TimeSpan>"));
    assert!(text.contains("<LineStyle><color>800088ff</color><width>3</width></LineStyle>"), "{text}");
    assert!(text.contains("<gx:Track><when>2023-10-16T08:30:00Z</when>"));
    assert!(text.contains("<name>Rajin &lt;port&gt; &amp; &quot;harbour&quot; &apos;north&apos;</name>"), "{text}");
    // Every placemark on its own line, so diffs stay readable.
    assert_eq!(text.lines().filter(|l| l.trim_start().starts_with("<Placemark")).count(), 8);
}

#[test]
fn what_kml_cannot_carry() {
    let original = common::read(
        r#"{"type": "FeatureCollection", "portolan": {"title": "case"}, "custom": 1, "features": [
      {"type": "Feature", "id": 7, "properties": {"alt_names": ["Rajin", "라진"], "meta": {"a": 1}, "gone": null,
         "mixed": "text", "bell": "a\u0007b"}, "geometry": {"type": "Point", "coordinates": [1, 2, 30]}},
      {"type": "Feature", "properties": {"mixed": 5}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}"#,
    )
    .layer;
    let back = through_kml(&original).layer;
    let [a, b] = &back.features[..] else { panic!() };
    // Numeric ids become text; arrays and objects their JSON text; nulls are left out; a field
    // with values of several types is text; characters XML forbids are replaced.
    assert_eq!(a.id, Some(FeatureId::Text("7".into())));
    assert_eq!(a.properties["alt_names"], r#"["Rajin","라진"]"#);
    assert_eq!(a.properties["meta"], r#"{"a":1}"#);
    assert!(!a.properties.contains_key("gone"));
    assert_eq!(b.properties["mixed"], "5");
    assert_eq!(a.properties["bell"], "a\u{FFFD}b");
    // The case evidence and foreign members stay behind (save the case as GeoJSON).
    assert_eq!(back.case, None);
    assert!(back.foreign.is_empty());
}

#[test]
fn the_sample_case_through_kml_keeps_its_features() {
    let sample = io::sample_case().layer;
    assert_eq!(sample.features.len(), 24);
    let back = through_kml(&sample);
    assert_eq!(of_errors(&back), 0);
    assert_eq!(back.layer.features.len(), 24);
    for (a, b) in sample.features.iter().zip(&back.layer.features) {
        assert_eq!(a.name(), b.name());
        assert_eq!(a.kind(), b.kind());
        assert_eq!(a.key(), b.key());
        assert!(same_geometry(&a.geometry, &b.geometry), "{:?}", a.name());
        for (k, v) in &a.properties {
            match v {
                serde_json::Value::Array(_) | serde_json::Value::Object(_) => assert_eq!(b.properties[k], v.to_string()),
                v => assert_eq!(&b.properties[k], v, "{:?} {k}", a.name()),
            }
        }
    }
}

fn of_errors(l: &io::Loaded) -> usize {
    common::of(l, Severity::Error).len() + common::of(l, Severity::Warning).len()
}

#[test]
fn google_earth_kml_through_portolan_and_back_is_unchanged() {
    let first = io::kml::read_bytes(&std::fs::read(SURVEY).unwrap()).unwrap().layer;
    let second = through_kml(&first).layer;
    assert_eq!(first.name, second.name);
    assert_eq!(first.features.len(), second.features.len());
    for (a, b) in first.features.iter().zip(&second.features) {
        assert!(same_geometry(&a.geometry, &b.geometry), "{:?}", a.name());
        assert_eq!(a.properties, b.properties);
    }
}

#[test]
fn save_writes_kml_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.kml");
    let layer = Layer {
        name: "saved".into(),
        features: vec![Feature {
            geometry: Some(Geometry::Point(geo::Point::new(131.9, 43.1))),
            properties: json!({"name": "Vladivostok"}).as_object().unwrap().clone(),
            ..Feature::default()
        }],
        ..Layer::default()
    };
    io::kml::save(&path, &layer).unwrap();
    io::kml::save(&path, &layer).unwrap(); // over an existing file
    let l = io::read_path(&path).unwrap();
    assert_eq!(l.layer.name, "saved");
    assert_eq!(l.layer.features[0].name(), Some("Vladivostok"));
    let listing: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(listing, ["out.kml"]);
}
