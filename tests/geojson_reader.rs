//! The GeoJSON reader on the forms RFC 7946 allows, and on broken features.

mod common;

use common::{of, read};
use geo::{Geometry, Winding};
use portolan::io::{self, LineColumn, Place, ReadError, Severity};
use portolan::model::FeatureId;

#[test]
fn feature_collection_with_ids_properties_and_foreign_members() {
    let l = read(r#"{"type":"FeatureCollection","name":"ports","bbox":[0,0,1,1],"custom":{"a":1},
        "features":[
          {"type":"Feature","id":"a","properties":{"name":"A"},"geometry":{"type":"Point","coordinates":[130.28,42.22]},"style":"red"},
          {"type":"Feature","id":7,"properties":null,"geometry":{"type":"Point","coordinates":[1,2]}}
        ]}"#);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.layer.name, "ports");
    assert_eq!(l.layer.features.len(), 2);
    let [a, b] = &l.layer.features[..] else { unreachable!() };
    assert_eq!(a.id, Some(FeatureId::Text("a".into())));
    assert_eq!(a.name(), Some("A"));
    assert_eq!(a.foreign["style"], "red");
    assert_eq!(b.id.as_ref().map(ToString::to_string).as_deref(), Some("7"));
    assert!(b.properties.is_empty());
    assert_eq!(l.layer.foreign["custom"]["a"], 1);
}

#[test]
fn single_feature_and_bare_geometry() {
    let f = read(r#"{"type":"Feature","properties":{"k":1},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}"#);
    assert_eq!(f.layer.features.len(), 1);
    assert!(matches!(f.layer.features[0].geometry, Some(Geometry::LineString(_))));
    let g = read(r#"{"type":"MultiPoint","coordinates":[[0,0],[1,1]]}"#);
    assert!(matches!(g.layer.features[0].geometry, Some(Geometry::MultiPoint(ref m)) if m.0.len() == 2));
}

#[test]
fn geometry_collection_nested() {
    let l = read(r#"{"type":"GeometryCollection","geometries":[
        {"type":"Point","coordinates":[1,1]},
        {"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[0,0],[2,2]]}]}]}"#);
    let Some(Geometry::GeometryCollection(gc)) = &l.layer.features[0].geometry else { panic!() };
    assert_eq!(gc.0.len(), 2);
}

#[test]
fn null_and_empty_geometries_load_as_unlocated_features() {
    let l = read(r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"n":1},"geometry":null},
        {"type":"Feature","properties":{"n":2},"geometry":{"type":"Point","coordinates":[]}},
        {"type":"Feature","properties":{"n":3},"geometry":{"type":"Polygon","coordinates":[]}},
        {"type":"Feature","properties":{"n":4},"geometry":{"type":"GeometryCollection","geometries":[]}}]}"#);
    assert_eq!(of(&l, Severity::Error), Vec::<&io::Diagnostic>::new());
    assert_eq!(l.layer.features.len(), 4);
    assert!(l.layer.features[..3].iter().all(|f| f.geometry.is_none()));
    assert_eq!(l.layer.extent(), None);
}

#[test]
fn heights_are_dropped_with_a_note() {
    let l = read(r#"{"type":"LineString","coordinates":[[10,20,100],[11,21,200.5]]}"#);
    let Some(Geometry::LineString(line)) = &l.layer.features[0].geometry else { panic!() };
    assert_eq!(line.0[1].x, 11.0);
    let notes = of(&l, Severity::Info);
    assert_eq!(notes.len(), 1);
    assert!(notes[0].message.contains("2 positions had heights"));
}

#[test]
fn clockwise_polygon_is_rewound_and_holes_stay_holes() {
    // Exterior clockwise, hole counter-clockwise: both the wrong way round for RFC 7946.
    let l = read(r#"{"type":"Polygon","coordinates":[
        [[0,0],[0,10],[10,10],[10,0],[0,0]],
        [[2,2],[4,2],[4,4],[2,4],[2,2]]]}"#);
    let Some(Geometry::Polygon(p)) = &l.layer.features[0].geometry else { panic!() };
    assert!(p.exterior().is_ccw());
    assert_eq!(p.interiors().len(), 1);
    assert!(p.interiors()[0].is_cw());
    assert!(of(&l, Severity::Info)[0].message.contains("1 polygons were wound clockwise"));
}

#[test]
fn antimeridian_cut_multipolygon_keeps_both_halves() {
    let l = read(r#"{"type":"MultiPolygon","coordinates":[
        [[[170,40],[180,40],[180,50],[170,50],[170,40]]],
        [[[-180,40],[-170,40],[-170,50],[-180,50],[-180,40]]]]}"#);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    // Its extent runs across the antimeridian, 170° E to 170° W, not round the world.
    let extent = l.layer.extent().unwrap();
    assert_eq!((extent.min().x, extent.max().x), (170.0, 190.0));
}

#[test]
fn bad_geometry_skips_that_feature_and_loads_the_rest() {
    let l = read(r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","id":"ok1","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}},
        {"type":"Feature","id":"short","properties":{},"geometry":{"type":"LineString","coordinates":[[1,2]]}},
        {"type":"Feature","id":"ring","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0]]]}},
        {"type":"Feature","id":"swapped","properties":{},"geometry":{"type":"Point","coordinates":[42.2,130.3]}},
        {"type":"Feature","id":"kind","properties":{},"geometry":{"type":"Circle","coordinates":[1,2]}},
        {"type":"Feature","id":"pos","properties":{},"geometry":{"type":"Point","coordinates":[1]}},
        {"type":"Feature","id":"str","properties":{},"geometry":{"type":"Point","coordinates":["a","b"]}},
        "not a feature",
        {"type":"Feature","id":"ok2","properties":{},"geometry":{"type":"Point","coordinates":[3,4]}}]}"#);
    let ids: Vec<String> = l.layer.features.iter().filter_map(|f| f.key()).collect();
    assert_eq!(ids, ["ok1", "ok2"]);
    let errors = of(&l, Severity::Error);
    assert_eq!(errors.len(), 7, "{errors:#?}");
    let at = |i: usize| errors.iter().find(|d| matches!(d.place, Place::Feature { index, .. } if index == i)).unwrap();
    assert_eq!(at(1).place, Place::Feature { index: 1, id: Some("short".into()), at: Some(LineColumn { line: 3, column: 9 }) });
    assert!(at(1).message.contains("at least 2 positions"));
    assert!(at(2).message.contains("ring 0 has 1 position: nothing to draw"));
    assert!(at(3).message.contains("latitude 130.3") && at(3).message.contains("swapped"));
    assert!(at(4).message.contains("Circle"));
    assert!(at(5).message.contains("two or more elements"));
    assert!(at(7).message.contains("must be an object"));
    assert_eq!(at(1).to_string(), r#"feature 1 (id "short") at line 3 column 9: error: skipped: a line needs at least 2 positions, this one has 1"#);
}

#[test]
fn unclosed_ring_is_closed_with_a_warning() {
    let l = read(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#);
    let Some(Geometry::Polygon(p)) = &l.layer.features[0].geometry else { panic!() };
    assert_eq!(p.exterior().0.first(), p.exterior().0.last());
    assert!(of(&l, Severity::Warning)[0].message.contains("not closed"));
}

#[test]
fn degenerate_polygons_keep_their_features_and_only_what_cannot_be_drawn_is_skipped() {
    let square = "[[0,0],[10,0],[10,10],[0,10],[0,0]]";
    let features = [
        ("open", r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#.to_owned()),
        ("open_triangle", r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}"#.to_owned()),
        ("open_clockwise", r#"{"type":"Polygon","coordinates":[[[0,0],[0,10],[10,10],[10,0]]]}"#.to_owned()),
        ("three", r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#.to_owned()),
        ("two", r#"{"type":"Polygon","coordinates":[[[0,0],[1,0]]]}"#.to_owned()),
        ("three_with_hole", r#"{"type":"Polygon","coordinates":[[[0,0],[9,0],[0,0]],[[2,2],[2,4],[4,4],[2,2]]]}"#.to_owned()),
        ("bad_hole", format!(r#"{{"type":"Polygon","coordinates":[{square},[[2,2],[3,2],[2,2]],[[5,5],[5,6],[6,6],[5,5]]]}}"#)),
        ("point", r#"{"type":"Polygon","coordinates":[[[0,0]]]}"#.to_owned()),
        ("multi", format!(r#"{{"type":"MultiPolygon","coordinates":[[{square}],[[[20,20],[21,20],[20,20]]],[[[30,30]]]]}}"#)),
        ("multi_lines", r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[0,0]]],[[[5,5],[6,6]]]]}"#.to_owned()),
        ("multi_nothing", r#"{"type":"MultiPolygon","coordinates":[[[[0,0]]],[[]]]}"#.to_owned()),
    ];
    let lines: Vec<String> = features
        .iter()
        .map(|(id, g)| format!(r#"{{"type":"Feature","id":"{id}","properties":{{}},"geometry":{g}}}"#))
        .collect();
    let l = read(&format!("{{\"type\":\"FeatureCollection\",\"features\":[\n{}]}}", lines.join(",\n")));
    let get = |id: &str| l.layer.features.iter().find(|f| f.key().as_deref() == Some(id)).and_then(|f| f.geometry.clone());
    let ring_ok = |r: &geo::LineString| r.0.len() >= 4 && r.0.first() == r.0.last();
    let polygon = |id: &str| match get(id) {
        Some(Geometry::Polygon(p)) => {
            assert!(ring_ok(p.exterior()) && p.exterior().is_ccw(), "{id}: {p:?}");
            assert!(p.interiors().iter().all(|h| ring_ok(h) && h.is_cw()), "{id}: {p:?}");
            p
        }
        other => panic!("{id}: {other:?}"),
    };
    let line = |id: &str| match get(id) {
        Some(Geometry::LineString(l)) => l.0.len(),
        other => panic!("{id}: {other:?}"),
    };
    // Closed (4 positions make a triangle once closed), and wound as RFC 7946 asks.
    assert_eq!(polygon("open").exterior().0.len(), 5);
    assert_eq!(polygon("open_triangle").exterior().0.len(), 4);
    assert_eq!(polygon("open_clockwise").exterior().0.len(), 5);
    // Too short for a polygon: the line of the positions as they were.
    assert_eq!((line("three"), line("two"), line("three_with_hole")), (3, 2, 3));
    assert_eq!(polygon("bad_hole").interiors().len(), 1);
    // A MultiPolygon keeps its good part as a polygon and its short one as a line.
    let Some(Geometry::GeometryCollection(gc)) = get("multi") else { panic!("{:?}", get("multi")) };
    assert!(matches!(&gc.0[..], [Geometry::MultiPolygon(p), Geometry::MultiLineString(m)] if p.0.len() == 1 && m.0.len() == 1), "{gc:?}");
    assert!(matches!(get("multi_lines"), Some(Geometry::MultiLineString(m)) if m.0.len() == 2));
    // Only what has nothing to draw is skipped.
    let kept: Vec<String> = l.layer.features.iter().filter_map(|f| f.key()).collect();
    assert_eq!(kept.len(), features.len() - 2, "{kept:?}");
    let named = |s: Severity| -> Vec<String> {
        of(&l, s).iter().map(|d| {
            let Place::Feature { id: Some(id), at: Some(at), .. } = &d.place else { panic!("{d:?}") };
            format!("{id} (line {}): {}", at.line, d.message)
        }).collect()
    };
    assert_eq!(named(Severity::Error), [
        "point (line 9): skipped: ring 0 has 1 position: nothing to draw",
        "multi_nothing (line 12): skipped: none of its 2 polygons can be drawn",
    ]);
    let short = "a polygon needs 4 (the last repeating the first), so it was kept as a line";
    assert_eq!(named(Severity::Warning), [
        "open (line 2): ring 0 is not closed; closed it".to_owned(),
        "open_triangle (line 3): ring 0 is not closed; closed it".into(),
        "open_clockwise (line 4): ring 0 is not closed; closed it".into(),
        format!("three (line 5): ring 0 has only 3 positions; {short}"),
        format!("two (line 6): ring 0 has only 2 positions; {short}"),
        format!("three_with_hole (line 7): ring 0 has only 3 positions; {short}; its hole was dropped"),
        "bad_hole (line 8): ring 1 (a hole) has only 3 positions; a ring needs 4 (the last repeating the first), so it was dropped".into(),
        format!("multi (line 10): polygon 1, ring 0 has only 3 positions; {short}"),
        "multi (line 10): polygon 2, ring 0 has 1 position: nothing to draw; dropped that polygon".into(),
        format!("multi_lines (line 11): polygon 0, ring 0 has only 3 positions; {short}"),
        format!("multi_lines (line 11): polygon 1, ring 0 has only 2 positions; {short}"),
        "multi_nothing (line 12): polygon 0, ring 0 has 1 position: nothing to draw; dropped that polygon".into(),
        "multi_nothing (line 12): polygon 1, ring 0 has 0 positions: nothing to draw; dropped that polygon".into(),
    ]);
    assert!(of(&l, Severity::Info)[0].message.contains("1 polygons were wound clockwise"), "{:?}", of(&l, Severity::Info));
}

#[test]
fn not_geojson_fails_with_one_clear_message() {
    for (text, expect) in [
        ("[1,2,3]", "the top level is an array"),
        (r#"{"a":1}"#, "no \"type\""),
        (r#"{"type":"Topology"}"#, "unknown type \"Topology\""),
        (r#"{"type":"FeatureCollection","features":{}}"#, "\"features\" is an object"),
        ("hello, world", "expected value"),
    ] {
        let err = io::geojson::read_str(text).unwrap_err();
        assert!(err.to_string().contains(expect), "{text}: {err}");
    }
    let err = io::geojson::read_str("{\n  \"type\": \"Feature\",\n  oops\n}").unwrap_err();
    assert!(matches!(err, ReadError::Json { line: 3, column: 3, .. }), "{err:?}");
}

#[test]
fn odd_ids_and_properties_are_warnings() {
    let l = read(r#"{"type":"Feature","id":{"x":1},"properties":[1],"geometry":null}"#);
    assert_eq!(l.layer.features.len(), 1);
    assert_eq!(of(&l, Severity::Warning).len(), 2);
}

#[test]
fn every_committed_fixture_reads_as_documented() {
    // tests/data holds small files as other tools write them.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let qgis = io::read_path(&std::path::Path::new(dir).join("qgis-export.geojson")).unwrap();
    assert!(of(&qgis, Severity::Error).is_empty() && of(&qgis, Severity::Warning).is_empty());
    assert_eq!(qgis.layer.features.len(), 3);
    assert_eq!(qgis.layer.name, "ports_qgis");
}

#[test]
fn progress_counts_features_and_bytes_and_reaches_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("points.geojson");
    let features: Vec<String> = (0..500)
        .map(|i| format!(r#"{{"type":"Feature","properties":{{"n":{i}}},"geometry":{{"type":"Point","coordinates":[{}.5,10]}}}}"#, i % 170))
        .collect();
    std::fs::write(&path, format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))).unwrap();
    let progress = portolan::io::Progress::default();
    let loaded = portolan::io::read_path_with(&path, &progress).unwrap();
    assert_eq!(loaded.layer.features.len(), 500);
    let p = progress.snapshot();
    let size = std::fs::metadata(&path).unwrap().len();
    assert_eq!((p.features, p.total_bytes, p.bytes_read, p.bytes_parsed), (500, size, size, size));
    assert_eq!(p.fraction(), 1.0);
}

#[test]
fn a_cancelled_load_stops_with_cancelled() {
    let text = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}},
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[3,4]}}]}"#;
    let progress = portolan::io::Progress::default();
    progress.cancel();
    let err = portolan::io::geojson::read_bytes_with(text.as_bytes(), &progress).unwrap_err();
    assert!(matches!(err, ReadError::Cancelled), "{err:?}");
    // Stopped at the first feature, not at the end of the file.
    assert_eq!(progress.snapshot().features, 1);
}

#[test]
fn coordinates_of_the_wrong_shape_are_named() {
    let l = read(r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4],5]}},
        {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[0,0],[1,0],[1,1],[0,0]]}},
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":{"x":1}}},
        {"type":"Feature","properties":{},"geometry":{"type":"Point"}},
        {"type":"Feature","properties":{},"geometry":"POINT (1 2)"},
        {"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]},
            {"type":"LineString","coordinates":[[1,2],[3,4]]}]}}]}"#);
    let errors: Vec<String> = of(&l, Severity::Error).iter().map(|d| d.message.clone()).collect();
    assert_eq!(errors, [
        "skipped: a position must be an array of numbers, found a number",
        "skipped: expected an array of rings, found positions",
        "skipped: a position must be an array of numbers, found an object",
        "skipped: a Point needs \"coordinates\"",
        "skipped: a geometry must be an object, this is a string",
    ]);
    assert_eq!(l.layer.features.len(), 1);
    assert!(matches!(&l.layer.features[0].geometry, Some(Geometry::GeometryCollection(g)) if g.0.len() == 2));
}

#[test]
fn feature_diagnostics_name_the_line_and_column_where_the_feature_starts() {
    let lines = [
        r#"{"type":"FeatureCollection","name":"Порты","features":[{"type":"Feature","id":"c","properties":7,"geometry":null},"#,
        r#"  {"type":"Feature","id":"far","properties":{},"geometry":{"type":"Point","coordinates":[200,2]}}, {"id":"b","type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[1,2]]}},"#,
        r#"  {"\u0074ype":"Feature","properties":[1],"geometry":null}, 7]}"#,
    ];
    let l = read(&lines.join("\n"));
    let place = |d: &io::Diagnostic| (d.place.to_string(), d.place.line_column());
    let at = |line: usize, column: usize| Some(LineColumn { line, column });
    let places: Vec<_> = l.diagnostics.iter().map(place).collect();
    // Columns count characters (the Cyrillic name is 5 of them, 10 bytes).
    let c = lines[0].find(r#"{"type":"Feature""#).unwrap();
    let b = lines[1].find(r#"{"id":"b""#).unwrap();
    assert_eq!(places, [
        (format!(r#"feature 0 (id "c") at line 1 column {}"#, lines[0][..c].chars().count() + 1), at(1, c - 4)),
        (r#"feature 1 (id "far") at line 2 column 3"#.to_owned(), at(2, 3)),
        (format!(r#"feature 2 (id "b") at line 2 column {}"#, b + 1), at(2, b + 1)),
        // A first key with an escape is not borrowed from the text, so its place is unknown;
        // a feature that is not an object has none either.
        ("feature 3".to_owned(), None),
        ("feature 4".to_owned(), None),
    ]);
    // A single feature and a bare geometry are placed too.
    let f = read("\n  {\"type\":\"Feature\",\"properties\":7,\"geometry\":null}");
    assert_eq!(f.diagnostics[0].place.line_column(), at(2, 3));
    let g = read(r#"{"type":"Point","coordinates":[200,2]}"#);
    assert_eq!(g.diagnostics[0].place.line_column(), at(1, 1));
}

#[test]
fn reference_checks_of_a_case_name_the_feature_in_the_file() {
    // The first feature is skipped, so the second is the layer's first but the file's second.
    let l = read(r#"{"type":"FeatureCollection","portolan":{"version":1,"title":"t","sources":[]},"features":[
        {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1]}},
        {"type":"Feature","properties":{"id":"site_x","kind":"site","source_ids":["src_gone"]},"geometry":null}]}"#);
    let w = of(&l, Severity::Warning);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].place, Place::Feature { index: 1, id: Some("site_x".into()), at: Some(LineColumn { line: 3, column: 9 }) });
}
