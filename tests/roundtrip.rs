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
    assert_eq!(a.properties.value("alt_names"), r#"["Rajin","라진"]"#);
    assert_eq!(a.properties.value("meta"), r#"{"a":1}"#);
    assert!(!a.properties.contains_key("gone"));
    assert_eq!(b.properties.value("mixed"), "5");
    assert_eq!(a.properties.value("bell"), "a\u{FFFD}b");
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
        for (k, v) in a.properties.iter() {
            match v {
                serde_json::Value::Array(_) | serde_json::Value::Object(_) => assert_eq!(b.properties.value(k), v.to_string()),
                v => assert_eq!(b.properties.value(k), v, "{:?} {k}", a.name()),
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
            properties: json!({"name": "Vladivostok"}).as_object().unwrap().clone().into(),
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

// ---------------------------------------------------------------------------------------------
// GPX and KMZ

const GARMIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/garmin-gpsmap66i.gpx");

fn through_gpx(layer: &Layer) -> io::Loaded {
    let text = io::gpx::to_string(layer);
    match io::gpx::read_str(&text) {
        Ok(l) => l,
        Err(e) => panic!("the GPX written does not read back: {e}\n{text}"),
    }
}

/// Waypoints with times and heights, a route, and a track of two timed segments.
const WALK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="test">
<metadata><name>Survey &amp; drive</name></metadata>
<wpt lat="42.2294" lon="130.2856"><ele>4.21</ele><time>2023-10-16T08:12:45Z</time><name>Rajin gate</name><cmt>guard post</cmt><desc>north &lt;gate&gt;</desc><src>GPSMAP 66i</src><link href="https://example.org/rajin?a=1&amp;b=2"/><sym>Flag, Blue</sym><type>user</type></wpt>
<wpt lat="42.432" lon="130.645"><name>Khasan bridge</name></wpt>
<rte><name>Rajin-Khasan</name><number>3</number><rtept lat="42.2294" lon="130.2856"><ele>4.21</ele></rtept><rtept lat="42.3795" lon="130.4512"/><rtept lat="42.432" lon="130.645"><ele>11.87</ele></rtept></rte>
<trk><name>drive</name><type>car</type>
<trkseg><trkpt lat="42.4236" lon="130.6372"><ele>12.08</ele><time>2023-10-16T08:30:00Z</time></trkpt><trkpt lat="42.4281" lon="130.6410"><ele>12.5</ele><time>2023-10-16T08:35:12.25Z</time></trkpt></trkseg>
<trkseg><trkpt lat="42.432" lon="130.645"><time>2023-10-16T08:58:03Z</time></trkpt><trkpt lat="42.4286" lon="130.6537"><ele>14.02</ele><time>2023-10-16T09:02:41Z</time></trkpt></trkseg>
</trk>
</gpx>
"#;

#[test]
fn gpx_waypoints_route_and_timed_track_through_gpx_are_unchanged() {
    for original in [io::gpx::read_str(WALK).unwrap(), io::read_path(std::path::Path::new(GARMIN)).unwrap()] {
        assert_eq!(original.diagnostics, []);
        let back = through_gpx(&original.layer);
        assert_eq!(back.diagnostics, [], "{}", io::gpx::to_string(&original.layer));
        assert_eq!(back.layer.name, original.layer.name);
        assert_eq!(back.layer.features.len(), original.layer.features.len());
        for (a, b) in original.layer.features.iter().zip(&back.layer.features) {
            assert!(same_geometry(&a.geometry, &b.geometry), "{:?}\n{:?}", a.geometry, b.geometry);
            assert_eq!(a.properties, b.properties, "{:?}", a.name());
        }
    }
    let walk = io::gpx::read_str(WALK).unwrap().layer;
    let [gate, _, route, drive] = &walk.features[..] else { panic!() };
    assert_eq!(gate.properties.value("link"), "https://example.org/rajin?a=1&b=2");
    assert_eq!(route.properties.value("gpx"), "route");
    assert!(matches!(&drive.geometry, Some(Geometry::MultiLineString(m)) if m.0.len() == 2));
    assert_eq!(drive.list_prop("times"), ["2023-10-16T08:30:00Z", "2023-10-16T08:35:12.25Z", "2023-10-16T08:58:03Z", "2023-10-16T09:02:41Z"]);
    let text = io::gpx::to_string(&walk);
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"Portolan\""));
    // The schema's order: waypoints, routes, tracks.
    let at = |s: &str| text.find(s).unwrap();
    assert!(at("<wpt ") < at("<rte>") && at("<rte>") < at("<trk>"), "{text}");
    assert!(text.contains("<trkpt lat=\"42.4281\" lon=\"130.641\"><ele>12.5</ele><time>2023-10-16T08:35:12.25Z</time></trkpt>"), "{text}");
}

#[test]
fn any_layer_through_gpx_keeps_positions_names_and_times() {
    // A KML gx:Track: its times are written per point and read back.
    let survey = io::kml::read_bytes(&std::fs::read(SURVEY).unwrap()).unwrap().layer;
    let back = through_gpx(&survey).layer;
    let drive = back.features.iter().find(|f| f.name() == Some("Survey drive")).unwrap();
    assert_eq!(drive.list_prop("times"), ["2023-10-16T08:30:00Z", "2023-10-16T08:45:10Z", "2023-10-16T09:02:41Z"]);
    // The sample case: sites as waypoints, sea routes and rail corridors as routes, the area's
    // ring as a track; what GPX cannot hold (kinds, sources, the evidence) stays behind.
    let sample = io::sample_case().layer;
    let back = through_gpx(&sample);
    assert_eq!(of_errors(&back), 0);
    assert_eq!(back.layer.features.len(), sample.features.len());
    assert_eq!(back.layer.name, "dprk-russia-2023");
    let names = |l: &Layer| {
        let mut n: Vec<String> = l.features.iter().map(|f| f.name().unwrap_or("").to_owned()).collect();
        n.sort();
        n
    };
    assert_eq!(names(&back.layer), names(&sample));
    for a in &sample.features {
        let b = back.layer.features.iter().find(|f| f.name() == a.name()).unwrap();
        let polygon = matches!(a.geometry, Some(Geometry::Polygon(_)));
        let kind = a.kind();
        if polygon {
            assert!(matches!(&b.geometry, Some(Geometry::LineString(l)) if l.is_closed()), "{:?}", a.name());
        } else {
            assert!(same_geometry(&a.geometry, &b.geometry), "{:?}", a.name());
        }
        let route = matches!(kind, portolan::model::FeatureKind::SeaRoute | portolan::model::FeatureKind::RailCorridor);
        assert_eq!(b.str_prop("gpx") == Some("route"), route, "{:?}", a.name());
        assert_eq!(b.str_prop("description"), a.str_prop("description"), "{:?}", a.name());
        if let Some(period) = a.str_prop("period").filter(|p| p.contains('T')) {
            assert_eq!(b.str_prop("period"), Some(period), "{:?}", a.name());
        }
    }
    // Times in other zones are instants in UTC; longitudes past 180 are wrapped, as GPX wants.
    let layer = common::read(
        r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"name": "east", "time": "2024-02-01T09:00:00+09:00", "ele": 3},
       "geometry": {"type": "Point", "coordinates": [180.5, 65.0]}},
      {"type": "Feature", "properties": {"name": "leg", "period": "2024-02-01T00:00:00Z/2024-02-02T12:30:00Z", "elevations": [1, null, 3]},
       "geometry": {"type": "LineString", "coordinates": [[179.5, 65], [180, 65.1], [-179.5, 65.2]]}},
      {"type": "Feature", "properties": {"name": "day only", "period": "2024-02-01"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}"#,
    )
    .layer;
    let back = through_gpx(&layer).layer;
    let [east, day, leg] = &back.features[..] else { panic!("{:?}", back.features) };
    assert_eq!(east.geometry, Some(Geometry::Point(geo::Point::new(-179.5, 65.0))));
    assert_eq!((&east.properties.value("period"), &east.properties.value("ele")), (&json!("2024-02-01T00:00:00Z"), &json!(3.0)));
    assert!(!day.properties.contains_key("period"), "GPX times are instants, not days");
    assert_eq!(leg.properties.value("period"), "2024-02-01T00:00:00Z/2024-02-02T12:30:00Z");
    assert_eq!(leg.properties.value("elevations"), json!([1.0, null, 3.0]));
    assert!(matches!(&leg.geometry, Some(Geometry::LineString(l)) if l.0[1].x == -180.0));
}

#[test]
fn a_layer_through_kmz_reads_back_as_through_kml() {
    let original = common::read(COLLECTION).layer;
    let bytes = io::kml::to_kmz(&original).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
    assert_eq!(archive.len(), 1);
    assert_eq!(archive.by_index(0).unwrap().name().unwrap(), "doc.kml");
    let back = io::kml::read_kmz(&bytes).unwrap();
    assert_eq!(back.diagnostics, []);
    let kml = through_kml(&original).layer;
    assert_eq!(back.layer.name, kml.name);
    assert_eq!(back.layer.features, kml.features);
    // Saved by extension, atomically, and opened again by extension.
    let dir = tempfile::tempdir().unwrap();
    for name in ["out.kmz", "out.gpx"] {
        let path = dir.path().join(name);
        assert!(io::writes(&path));
        io::save_path(&path, &original).unwrap();
        io::save_path(&path, &original).unwrap();
        let l = io::read_path(&path).unwrap();
        assert_eq!(l.layer.name, "round trip", "{name}");
        assert_eq!(l.layer.features[0].name(), original.features[0].name(), "{name}");
    }
    let mut listing: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    listing.sort();
    assert_eq!(listing, ["out.gpx", "out.kmz"]);
}
