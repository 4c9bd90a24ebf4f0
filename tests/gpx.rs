//! GPX: a Garmin unit's file, and broken or hostile ones.

mod common;

use std::path::Path;

use common::of;
use geo::Geometry;
use portolan::io::{self, Place, ReadError, Severity};
use serde_json::json;

const GARMIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/garmin-gpsmap66i.gpx");

fn gpx(text: &str) -> io::Loaded {
    match io::gpx::read_str(text) {
        Ok(l) => l,
        Err(e) => panic!("expected the GPX to load, got {e}"),
    }
}

fn messages(l: &io::Loaded) -> String {
    l.diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="test">
"#;

fn track(points: &str) -> String {
    format!("{HEAD}<trk><name>T</name><trkseg>\n{points}</trkseg></trk>\n</gpx>\n")
}

#[test]
fn garmin_file_loads_waypoints_route_and_track() {
    let l = io::read_path(Path::new(GARMIN)).unwrap();
    assert!(l.diagnostics.is_empty(), "{}", messages(&l));
    assert_eq!(l.layer.name, "garmin-gpsmap66i"); // Garmin writes no metadata name
    let [gate, bridge, route, trk] = &l.layer.features[..] else { panic!() };
    assert_eq!(gate.geometry, Some(Geometry::Point(geo::Point::new(130.2856, 42.2294))));
    assert_eq!(gate.name(), Some("RAJIN GATE"));
    assert_eq!(gate.properties.value("ele"), json!(4.21));
    assert_eq!(gate.properties.value("period"), "2023-10-16T08:12:45Z");
    assert_eq!(gate.properties.value("symbol"), "Flag, Blue");
    assert_eq!(gate.properties.value("comment"), "north gate, guard post");
    assert_eq!(bridge.name(), Some("KHASAN BRIDGE"));

    assert_eq!(route.name(), Some("RAJIN-KHASAN"));
    assert!(matches!(&route.geometry, Some(Geometry::LineString(l)) if l.0.len() == 3));
    assert_eq!(route.properties.value("elevations"), json!([4.21, null, 11.87]));
    assert!(!route.properties.contains_key("period"));

    // Two segments (the signal was lost between them): a MultiLineString.
    let Some(Geometry::MultiLineString(m)) = &trk.geometry else { panic!("{:?}", trk.geometry) };
    assert_eq!(m.0.iter().map(|l| l.0.len()).collect::<Vec<_>>(), [3, 2]);
    assert_eq!(trk.properties.value("period"), "2023-10-16T08:30:00Z/2023-10-16T09:02:41Z");
    assert_eq!(trk.list_prop("times").len(), 5);
    assert_eq!(trk.properties.value("elevations")[4], json!(14.02));
}

#[test]
fn metadata_name_names_the_layer_and_gpx_1_0_reads() {
    let l = gpx(&format!("{HEAD}<metadata><name>Ride &amp; walk</name></metadata><wpt lat=\"1\" lon=\"2\"/></gpx>"));
    assert_eq!(l.layer.name, "Ride & walk");
    let l = gpx(r#"<gpx version="1.0" creator="x" xmlns="http://www.topografix.com/GPX/1/0"><name>Old</name><wpt lat="1" lon="2"><speed>3</speed></wpt></gpx>"#);
    assert_eq!(l.layer.features.len(), 1);
    // No version at all: read as 1.1, with a warning.
    let l = gpx(r#"<gpx creator="x"><wpt lat="1" lon="2"/></gpx>"#);
    assert_eq!(l.layer.features.len(), 1);
    assert_eq!(messages(&l), "warning: the <gpx> element has no version; read as GPX 1.1");
}

#[test]
fn a_bad_point_is_skipped_with_its_line_and_the_track_keeps_the_rest() {
    let l = gpx(&track(
        r#"<trkpt lat="42.1" lon="130.1"><time>2023-10-16T08:00:00Z</time></trkpt>
<trkpt lat="abc" lon="130.2"><time>2023-10-16T08:01:00Z</time></trkpt>
<trkpt lat="130.3" lon="42.3"></trkpt>
<trkpt lat="42.4" lon="130.4"><time>yesterday</time></trkpt>
<trkpt lat="42.5" lon="130.5"><time>2023-10-16T08:05:00Z</time><heartrate>99</heartrate></trkpt>
"#,
    ));
    let [t] = &l.layer.features[..] else { panic!("{}", messages(&l)) };
    assert_eq!(t.name(), Some("T"));
    let Some(Geometry::LineString(line)) = &t.geometry else { panic!() };
    assert_eq!(line.0.iter().map(|c| c.y).collect::<Vec<_>>(), [42.1, 42.4, 42.5]);
    assert_eq!(t.properties.value("period"), "2023-10-16T08:00:00Z/2023-10-16T08:05:00Z");
    assert!(!t.properties.contains_key("times")); // one point has no time
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 2, "{}", messages(&l));
    assert_eq!(e[0].place, Place::Text { line: 5, column: 1 });
    assert_eq!(e[0].message, "track 1, point 2 skipped: a number (lat, lon, ele, …) is not a number");
    assert_eq!(e[1].place, Place::Text { line: 6, column: 1 });
    assert_eq!(e[1].message, "track 1, point 3 skipped: latitude 130.3 is outside [-90.0, 90.0]; are lat and lon swapped?");
    let w = of(&l, Severity::Warning);
    assert_eq!(w[0].message, "track 1, point 4: the <time> \"yesterday\" is not an ISO 8601 date and time; left out");
    assert_eq!(w[1].message, "track 1, point 5: <heartrate> is not allowed in waypoint; left out");
}

#[test]
fn empty_or_malformed_optional_fields_drop_the_field_never_the_point() {
    let cases = [
        ("<fix></fix>", "the <fix> is empty"),
        ("<sat></sat>", "the <sat> is empty"),
        ("<ele></ele>", "the <ele> is empty"),
        ("<time>yesterday</time>", "the <time> \"yesterday\" is not an ISO 8601 date and time"),
        ("<time>2023-10-16T25:00:00Z</time>", "the <time> \"2023-10-16T25:00:00Z\" is not an ISO 8601 date and time"),
        ("<time></time>", "the <time> is empty"),
        ("<hdop>abc</hdop>", "the <hdop> \"abc\" is not a number"),
        ("<vdop></vdop>", "the <vdop> is empty"),
        ("<sat>-1</sat>", "the <sat> \"-1\" is not a whole number from 0 to 18446744073709551615"),
        ("<dgpsid>70000</dgpsid>", "the <dgpsid> \"70000\" is not a whole number from 0 to 65535"),
        ("<sym/>", "the <sym> is empty"),
        ("<type></type>", "the <type> is empty"),
    ];
    for (field, why) in cases {
        let text = format!(
            "{HEAD}<wpt lat=\"42.1\" lon=\"130.1\"><ele>4.5</ele>{field}<name>gate</name></wpt>\n<trk><name>T</name><trkseg>\n\
             <trkpt lat=\"42.2\" lon=\"130.2\">{field}<time>2023-10-16T08:00:00Z</time></trkpt>\n\
             <trkpt lat=\"42.3\" lon=\"130.3\"><time>2023-10-16T08:01:00Z</time></trkpt>\n</trkseg></trk>\n</gpx>\n"
        );
        let l = gpx(&text);
        let [wpt, trk] = &l.layer.features[..] else { panic!("{field}: {}", messages(&l)) };
        assert_eq!(wpt.geometry, Some(Geometry::Point(geo::Point::new(130.1, 42.1))), "{field}");
        assert_eq!((wpt.name(), &wpt.properties.value("ele")), (Some("gate"), &json!(4.5)), "{field}");
        assert!(matches!(&trk.geometry, Some(Geometry::LineString(line)) if line.0.len() == 2), "{field}");
        assert_eq!(trk.list_prop("times"), ["2023-10-16T08:00:00Z", "2023-10-16T08:01:00Z"], "{field}");
        let w: Vec<String> = l.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(w, [
            format!("line 3 column 1: warning: waypoint 1: {why}; left out"),
            format!("line 5 column 1: warning: track 1, point 1: {why}; left out"),
        ]);
    }
    // A unit that writes an empty field on every point: every point loads, the list stays short.
    let points: String = (0..100).map(|i| format!("<trkpt lat=\"42.{i:02}\" lon=\"130\"><sat></sat></trkpt>\n")).collect();
    let l = gpx(&track(&points));
    assert!(matches!(&l.layer.features[0].geometry, Some(Geometry::LineString(line)) if line.0.len() == 100));
    assert_eq!(l.diagnostics.len(), 21, "{}", messages(&l));
    assert_eq!(l.diagnostics[20].to_string(), "warning: 80 more empty or malformed fields were left out like those above");
    // Spaces around a value are trimmed without a word; a route keeps a bad name and number out.
    let l = gpx(&format!(
        "{HEAD}<rte><name></name><number>one</number><rtept lat=\"1\" lon=\"2\"><ele> 12.5 </ele><time> 2023-10-16T08:00:00Z </time></rtept><rtept lat=\"3\" lon=\"4\"/></rte></gpx>"
    ));
    let [rte] = &l.layer.features[..] else { panic!("{}", messages(&l)) };
    assert_eq!(rte.properties.value("elevations"), json!([12.5, null]));
    assert_eq!(rte.properties.value("period"), "2023-10-16T08:00:00Z");
    assert_eq!(
        messages(&l),
        "line 3 column 1: warning: route 1: the <name> is empty; left out\n\
         line 3 column 1: warning: route 1: the <number> \"one\" is not a whole number from 0 to 4294967295; left out"
    );
}

#[test]
fn truncated_gpx_loads_up_to_the_last_complete_point() {
    let full = std::fs::read_to_string(GARMIN).unwrap();
    let cut = full.find("<time>2023-10-16T08:58:03Z").unwrap();
    let l = gpx(&full[..cut]);
    assert_eq!(l.layer.features.len(), 4);
    let Some(Geometry::LineString(line)) = &l.layer.features[3].geometry else { panic!() };
    assert_eq!(line.0.len(), 3);
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 1, "{}", messages(&l));
    assert_eq!(e[0].place, Place::Text { line: 84, column: 9 });
    assert_eq!(
        e[0].message,
        "track 1: point 4 skipped: the file ends inside <trkpt> (opened on line 82), as if cut short: kept the 4 features before the cut"
    );
    // Cut after the last point: the track keeps every point, the cut is at the end.
    let cut = full.find("</trkseg>").unwrap();
    let l = gpx(&full[..cut]);
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 1, "{}", messages(&l));
    assert_eq!(e[0].place, Place::Text { line: 80, column: 5 });
    assert_eq!(
        e[0].message,
        "track 1 was read up to here: the file ends inside <trkseg> (opened on line 62), as if cut short: kept the 4 features before the cut"
    );
    let Some(Geometry::LineString(line)) = &l.layer.features[3].geometry else { panic!() };
    assert_eq!(line.0.len(), 3);
    // Cut anywhere: never a panic or a hang.
    for cut in (1..full.len()).step_by(89) {
        let _ = io::gpx::read_str(&full[..cut]);
    }
}

#[test]
fn waypoint_errors_name_the_waypoint() {
    let l = gpx(&format!(
        "{HEAD}<wpt lat=\"42\" lon=\"130\"><name>ok</name></wpt>\n<wpt lat=\"95\" lon=\"130\"><name>north of the pole</name></wpt>\n<wpt lon=\"1\"><name>no lat</name></wpt>\n</gpx>"
    ));
    assert_eq!(l.layer.features.len(), 1);
    let e = of(&l, Severity::Error);
    assert_eq!(e[0].place, Place::Text { line: 4, column: 1 });
    assert_eq!(e[0].message, "waypoint 2 skipped: latitude 95 is outside [-90.0, 90.0]; are lat and lon swapped?");
    assert!(e[1].message.starts_with("waypoint 3 skipped: invalid element, `waypoint` lacks required attribute `latitude`"), "{}", e[1]);
}

#[test]
fn billion_laughs_in_gpx_is_never_expanded() {
    let text = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">{}]>
<gpx version="1.1" creator="x"><wpt lat="1" lon="2"><name>&e9;</name></wpt></gpx>"#,
        (1..10).map(|i| format!("<!ENTITY e{i} \"{}\">", format!("&{};", if i == 1 { "a".into() } else { format!("e{}", i - 1) }).repeat(10))).collect::<String>()
    );
    let l = gpx(&text);
    assert_eq!(l.layer.features[0].str_prop("name"), Some(""));
    let w = of(&l, Severity::Warning);
    assert_eq!(w[0].message, "the DOCTYPE was ignored: Portolan never reads DTDs (it declares 10 entities, which were not expanded)");
    assert_eq!(w[1].message, "the entity reference &e9; was left out: Portolan never expands entities");
}

#[test]
fn empty_not_gpx_and_garbage() {
    assert!(matches!(io::gpx::read_str("").unwrap_err(), ReadError::Empty));
    let err = io::gpx::read_str("<kml><Placemark/></kml>").unwrap_err();
    assert_eq!(err.to_string(), "not GPX: the root element is <kml>; is this a KML file with the wrong extension?");
    assert_eq!(io::gpx::read_str("lat,lon\n1,2\n").unwrap_err().to_string(), "not GPX: no XML element found");
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    assert!(io::gpx::read_bytes(&garbage).is_err());
    // A GPX with nothing in it loads empty.
    assert!(gpx(&format!("{HEAD}</gpx>")).layer.features.is_empty());
    // A track without points loads unlocated, with a warning.
    let l = gpx(&format!("{HEAD}<trk><name>none</name><trkseg></trkseg></trk></gpx>"));
    assert_eq!(l.layer.features[0].geometry, None);
    assert_eq!(messages(&l), "warning: \"none\" has no points; loaded without a geometry");
}
