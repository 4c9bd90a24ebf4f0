//! KML and KMZ: a Google Earth Pro export, the forms of KML geometry and style, and hostile
//! files (entities, zip bombs, traversal names, truncation).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::of;
use geo::{Geometry, Winding};
use portolan::io::{self, Place, ReadError, Severity};
use portolan::model::FeatureId;
use serde_json::json;

const SURVEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/google-earth-survey.kml");

fn kml(text: &str) -> io::Loaded {
    match io::kml::read_str(text) {
        Ok(l) => l,
        Err(e) => panic!("expected the KML to load, got {e}"),
    }
}

/// A document around placemarks.
fn doc(placemarks: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">
<Document>
<name>test</name>
{placemarks}
</Document>
</kml>
"#
    )
}

fn messages(l: &io::Loaded) -> String {
    l.diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

fn write_temp(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn zip(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method).large_file(false);
    for (name, bytes) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn kmz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip(entries, zip::CompressionMethod::Deflated)
}

#[test]
fn google_earth_export_loads_with_folders_styles_data_and_times() {
    let l = io::read_path(Path::new(SURVEY)).unwrap();
    assert_eq!(of(&l, Severity::Error), Vec::<&io::Diagnostic>::new());
    assert_eq!(of(&l, Severity::Warning), Vec::<&io::Diagnostic>::new());
    assert_eq!(l.layer.name, "Route survey");
    let names: Vec<_> = l.layer.features.iter().map(|f| f.name().unwrap()).collect();
    assert_eq!(names, ["Rajin port", "Vostochny port", "Rajin – Tumangang rail", "Tikhoretsk depot", "Khasan crossing", "Survey drive"]);
    let [rajin, vostochny, rail, depot, khasan, drive] = &l.layer.features[..] else { unreachable!() };

    // A pushpin through a StyleMap, with Data, a TimeStamp and an HTML description.
    assert_eq!(rajin.id, Some(FeatureId::Text("rajin".into())));
    assert_eq!(rajin.geometry, Some(Geometry::Point(geo::Point::new(130.2856, 42.2294))));
    assert_eq!(rajin.properties.value("folder"), "Route survey/Day 1");
    assert_eq!(rajin.properties.value("period"), "2023-09-28");
    assert_eq!(rajin.properties.value("marker-color"), "#ff0000");
    assert_eq!(rajin.properties.value("status"), "observed");
    assert_eq!(rajin.properties.value("source"), "CSIS Beyond Parallel");
    assert!(rajin.str_prop("description").unwrap().starts_with("<b>Rajin</b> (라진)"));

    // SchemaData typed by its Schema.
    assert_eq!(vostochny.properties.value("berths"), json!(8));
    assert_eq!(vostochny.properties.value("depth_m"), json!(16.5));
    assert_eq!(vostochny.properties.value("operator"), "Vostochny Port JSC");

    // A line through a StyleMap: aabbggrr ff00aaff is orange.
    let Some(Geometry::LineString(line)) = &rail.geometry else { panic!("{:?}", rail.geometry) };
    assert_eq!(line.0.len(), 4);
    assert_eq!((rail.properties.value("stroke").as_str(), &rail.properties.value("stroke-width")), (Some("#ffaa00"), &json!(4)));
    assert!(!rail.properties.contains_key("stroke-opacity"));

    // A polygon with a hole, a TimeSpan, a half-transparent fill.
    let Some(Geometry::Polygon(p)) = &depot.geometry else { panic!() };
    assert_eq!(p.interiors().len(), 1);
    assert!(p.exterior().is_ccw() && p.interiors()[0].is_cw());
    assert_eq!(depot.properties.value("period"), "2023-10/2024-02");
    assert_eq!(depot.properties.value("fill"), "#00ff00");
    assert_eq!(depot.properties.value("fill-opacity"), json!(0.5));
    assert_eq!(depot.properties.value("folder"), "Route survey/Day 2");

    // A MultiGeometry of unlike parts, with an inline style.
    let Some(Geometry::GeometryCollection(gc)) = &khasan.geometry else { panic!() };
    assert!(matches!(gc.0[..], [Geometry::Point(_), Geometry::LineString(_)]));
    assert_eq!(khasan.properties.value("stroke"), "#ff0000");
    assert_eq!(khasan.properties.value("stroke-opacity"), json!(0.8));
    assert_eq!(khasan.properties.value("marker-color"), "#ffff00");

    // gx:Track: a line, its times, and the period they span.
    let Some(Geometry::LineString(track)) = &drive.geometry else { panic!() };
    assert_eq!(track.0.len(), 3);
    assert_eq!(drive.list_prop("times"), ["2023-10-16T08:30:00Z", "2023-10-16T08:45:10Z", "2023-10-16T09:02:41Z"]);
    assert_eq!(drive.properties.value("period"), "2023-10-16T08:30:00Z/2023-10-16T09:02:41Z");

    // The only note: gx:coord altitudes (the 0 altitudes Google Earth writes are not counted).
    assert_eq!(messages(&l), "note: 3 positions had heights; Portolan draws in 2D and ignores them");
}

#[test]
fn multigeometry_parts_alike_become_multi_geometries() {
    let l = kml(&doc(r#"
<Placemark><name>points</name><MultiGeometry><Point><coordinates>1,2</coordinates></Point><Point><coordinates>3,4</coordinates></Point></MultiGeometry></Placemark>
<Placemark><name>polygons</name><MultiGeometry>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>5,5 6,5 6,6 5,5</coordinates></LinearRing></outerBoundaryIs></Polygon>
</MultiGeometry></Placemark>
<Placemark><name>ring</name><LinearRing><coordinates>0,0 1,0 1,1 0,0</coordinates></LinearRing></Placemark>
<Placemark><name>nowhere</name><MultiGeometry></MultiGeometry></Placemark>
<Placemark><name>lines</name><MultiGeometry><LineString><coordinates>0,0 1,1</coordinates></LineString><MultiGeometry><LineString><coordinates>2,2 3,3</coordinates></LineString></MultiGeometry></MultiGeometry></Placemark>
"#));
    assert_eq!(l.diagnostics, []);
    let g: Vec<_> = l.layer.features.iter().map(|f| f.geometry.clone()).collect();
    assert!(matches!(&g[0], Some(Geometry::MultiPoint(m)) if m.0.len() == 2));
    assert!(matches!(&g[1], Some(Geometry::MultiPolygon(m)) if m.0.len() == 2));
    assert!(matches!(&g[2], Some(Geometry::LineString(l)) if l.is_closed()));
    assert_eq!(g[3], None);
    // A nested MultiGeometry stays a collection.
    assert!(matches!(&g[4], Some(Geometry::GeometryCollection(c)) if c.0.len() == 2));
    assert!(l.layer.features.iter().all(|f| !f.properties.contains_key("folder")));
}

#[test]
fn shapes_kml_allows_and_google_earth_writes() {
    let l = kml(&doc(r#"
<Placemark><name>spaces after commas</name><Point><coordinates>130.28, 42.22, 0</coordinates></Point></Placemark>
<Placemark><name>raw html</name><description>Berth <b>3</b> &amp; 4<br></br></description><Point><coordinates>1,2</coordinates></Point></Placemark>
<Placemark><name>no coordinates</name><Point></Point></Placemark>
<Placemark><name>open ring</name><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 0,1 1,1 1,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>open span</name><TimeSpan><begin>2023-08</begin></TimeSpan></Placemark>
<Placemark><name>MultiTrack</name><gx:MultiTrack><gx:Track><when>2023-01-01</when><when>2023-01-02</when><gx:coord>1 2 0</gx:coord><gx:coord>2 3 0</gx:coord></gx:Track><gx:Track><when>2023-01-05</when><when>2023-01-06</when><gx:coord>5 6 0</gx:coord><gx:coord>6 7 0</gx:coord></gx:Track></gx:MultiTrack></Placemark>
"#));
    let f = &l.layer.features;
    assert_eq!(f.len(), 6, "{}", messages(&l));
    assert_eq!(f[0].geometry, Some(Geometry::Point(geo::Point::new(130.28, 42.22))));
    assert_eq!(f[1].properties.value("description"), "Berth <b>3</b> & 4<br></br>");
    assert_eq!(f[2].geometry, None);
    let Some(Geometry::Polygon(p)) = &f[3].geometry else { panic!() };
    assert!(p.exterior().is_closed() && p.exterior().is_ccw());
    assert_eq!(f[4].properties.value("period"), "2023-08/..");
    assert!(matches!(&f[5].geometry, Some(Geometry::MultiLineString(m)) if m.0.len() == 2));
    assert_eq!(f[5].properties.value("period"), "2023-01-01/2023-01-06");
    assert_eq!(f[5].list_prop("times").len(), 4);
    let text = messages(&l);
    assert!(text.contains(r#"warning: placemark "no coordinates": a <Point> without coordinates was left out"#), "{text}");
    assert!(text.contains(r#"warning: placemark "open ring": the outer ring is not closed; closed it"#), "{text}");
    assert!(text.contains("note: 1 polygons were wound clockwise; re-wound"), "{text}");
}

#[test]
fn coordinates_with_only_commas_read_as_google_earth_reads_them() {
    let text = doc(r#"
<Placemark><name>triples</name><LineString><coordinates>130.1,42.1,0,130.2,42.2,0,130.3,42.3,0</coordinates></LineString></Placemark>
<Placemark><name>pairs</name><LineString><coordinates>130.1,42.1,130.2,42.2,130.3,42.3,130.4,42.4</coordinates></LineString></Placemark>
<Placemark><name>pairs, not triples</name><LineString><coordinates>130.1,42.1,130.2,42.2,130.3,42.3</coordinates></LineString></Placemark>
<Placemark><name>either: libkml reads triples</name><LineString><coordinates>10,20,30,40,50,60</coordinates></LineString></Placemark>
<Placemark><name>spaces after commas</name><LineString><coordinates>130.1, 42.1, 5, 130.2, 42.2, 5</coordinates></LineString></Placemark>
<Placemark><name>ring</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
  0,0,0,1,0,0,1,1,0,0,0,0
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>mixed</name><LineString><coordinates>1,2,0 3,4,0,5,6,0</coordinates></LineString></Placemark>
<Placemark><name>as usual</name><LineString><coordinates>1,2,0 3,4,0</coordinates></LineString></Placemark>
"#);
    let (_dir, path) = write_temp("commas.kml", text.as_bytes());
    let l = io::read_path(&path).unwrap();
    let coords = |i: usize| -> Vec<(f64, f64)> {
        use geo::CoordsIter;
        l.layer.features[i].geometry.as_ref().unwrap().coords_iter().map(|c| (c.x, c.y)).collect()
    };
    assert_eq!(coords(0), [(130.1, 42.1), (130.2, 42.2), (130.3, 42.3)]);
    assert_eq!(coords(1), [(130.1, 42.1), (130.2, 42.2), (130.3, 42.3), (130.4, 42.4)]);
    assert_eq!(coords(2), [(130.1, 42.1), (130.2, 42.2), (130.3, 42.3)]);
    assert_eq!(coords(3), [(10.0, 20.0), (40.0, 50.0)]);
    assert_eq!(coords(4), [(130.1, 42.1), (130.2, 42.2)]);
    assert!(matches!(&l.layer.features[5].geometry, Some(Geometry::Polygon(p)) if p.exterior().0.len() == 4));
    assert_eq!(coords(6), [(1.0, 2.0), (3.0, 4.0), (5.0, 6.0)]);
    assert_eq!(coords(7), [(1.0, 2.0), (3.0, 4.0)]);
    assert_eq!(
        messages(&l),
        "note: 4 positions had heights; Portolan draws in 2D and ignores them\n\
         note: 5 lists of coordinates have only commas between positions; read as longitude,latitude,altitude as Google Earth does\n\
         note: 2 lists of coordinates have only commas between positions and can only be longitude,latitude pairs; read so"
    );
}

#[test]
fn a_bad_placemark_is_skipped_with_its_line_and_the_rest_loads() {
    let text = doc(
        r#"<Placemark><name>good</name><Point><coordinates>131.9,43.1</coordinates></Point></Placemark>
<Placemark><name>bad number</name><Point><coordinates>
  131.9,4x3.1</coordinates></Point></Placemark>
<Placemark><name>short line</name><LineString><coordinates>1,1</coordinates></LineString></Placemark>
<Placemark><name>swapped</name><Point><coordinates>42.22,130.28</coordinates></Point></Placemark>
<Placemark><name>typo</name><Point><coordinates>1,2</coordinates></Pont></Placemark>
<Placemark><name>also good</name><Point><coordinates>132,43</coordinates></Point></Placemark>"#,
    );
    let l = kml(&text);
    let names: Vec<_> = l.layer.features.iter().map(|f| f.name().unwrap()).collect();
    assert_eq!(names, ["good", "also good"]);
    let errors = of(&l, Severity::Error);
    assert_eq!(errors.len(), 4, "{}", messages(&l));
    assert_eq!(errors[0].place, Place::Text { line: 7, column: 9 });
    assert_eq!(errors[0].message, r#"placemark "bad number" skipped: "4x3.1" is not a number"#);
    assert!(errors[1].message.contains("a line needs at least 2 positions, this one has 1"));
    assert!(errors[2].message.contains("latitude 130.28 is outside -90..90 in (42.22, 130.28); are longitude and latitude swapped? KML writes longitude first"), "{}", errors[2]);
    assert_eq!(errors[3].place, Place::Text { line: 10, column: 66 });
    assert!(errors[3].message.starts_with(r#"placemark "typo" (line 10) skipped: </Pont> closes no open element"#), "{}", errors[3]);
}

#[test]
fn styles_resolve_through_style_maps_and_polygon_outlines() {
    let l = kml(&doc(r##"
<Style id="a"><LineStyle><color>7f0000ff</color><width>2.5</width></LineStyle><PolyStyle><color>4000ff00</color><outline>0</outline></PolyStyle></Style>
<StyleMap id="m"><Pair><key>normal</key><styleUrl>#a</styleUrl></Pair><Pair><key>highlight</key><styleUrl>#b</styleUrl></Pair></StyleMap>
<StyleMap id="mm"><Pair><key>normal</key><styleUrl>#m</styleUrl></Pair></StyleMap>
<Placemark><name>area</name><styleUrl>#mm</styleUrl><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>line</name><styleUrl>#m</styleUrl><LineString><coordinates>0,0 1,1</coordinates></LineString></Placemark>
<Placemark><name>elsewhere</name><styleUrl>styles.kml#x</styleUrl><Point><coordinates>0,0</coordinates></Point></Placemark>
<Placemark><name>own data wins</name><styleUrl>#a</styleUrl><ExtendedData><Data name="stroke"><value>red</value></Data></ExtendedData><LineString><coordinates>0,0 1,1</coordinates></LineString></Placemark>
"##));
    let [area, line, elsewhere, own] = &l.layer.features[..] else { panic!("{}", messages(&l)) };
    assert_eq!(area.properties.value("stroke"), "#ff0000");
    assert_eq!(area.properties.value("stroke-opacity"), json!(0)); // outline 0, on a polygon
    assert_eq!(area.properties.value("stroke-width"), json!(2.5));
    assert_eq!(area.properties.value("fill-opacity"), json!(0.25));
    assert_eq!(line.properties.value("stroke-opacity"), json!(0.5)); // outline does not apply to lines
    assert!(!elsewhere.properties.contains_key("marker-color"));
    assert_eq!(own.properties.value("stroke"), "red");
    assert!(messages(&l).contains("1 placemarks use styles from other files, which were not fetched"));
}

#[test]
fn not_kml_and_empty() {
    let err = io::kml::read_str("hello world").unwrap_err();
    assert_eq!(err.to_string(), "not KML: no XML element found");
    let err = io::kml::read_str(r#"<gpx version="1.1"><wpt lat="1" lon="2"/></gpx>"#).unwrap_err();
    assert!(err.to_string().contains("the root element is <gpx>; is this a GPX file"), "{err}");
    assert!(matches!(io::kml::read_str(" \n").unwrap_err(), ReadError::Empty));
    let (_d, empty) = write_temp("empty.kml", b"");
    assert!(matches!(io::read_path(&empty).unwrap_err(), ReadError::Empty));
    // A document with no placemarks loads empty.
    assert!(kml(&doc("")).layer.features.is_empty());
}

#[test]
fn check_command_reads_kml_kmz_gpx_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let kmz_path = dir.path().join("survey.kmz");
    std::fs::write(&kmz_path, kmz(&[("doc.kml", &std::fs::read(SURVEY).unwrap())])).unwrap();
    let data = |f: &str| format!("{}/tests/data/{f}", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portolan"))
        .args(["check", SURVEY, kmz_path.to_str().unwrap(), &data("garmin-gpsmap66i.gpx"), &data("ports-wkt.csv")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}"); // the CSV has two bad rows
    assert_eq!(text.matches("features: 6 (6 feature)").count(), 2, "{text}");
    assert!(text.contains("features: 4 (4 feature)"), "{text}");
    assert!(text.contains("features: 3 (1 site, 1 sea_route, 1 area)"), "{text}");
    assert!(text.contains("ports-wkt.csv: line 5 column 1: error: row skipped: a WKT position needs two numbers"), "{text}");
}

// ---- KMZ --------------------------------------------------------------------------------

#[test]
fn kmz_reads_doc_kml_and_the_kml_it_links_to_inside_the_archive() {
    let doc_kml = doc(
        r#"<Placemark><name>in doc</name><Point><coordinates>1,2</coordinates></Point></Placemark>
<Folder><name>More</name><NetworkLink><name>Day 3</name><Link><href>files/day3.kml</href></Link></NetworkLink></Folder>
<NetworkLink><name>Online</name><Link><href>https://example.org/live.kml</href></Link></NetworkLink>"#,
    );
    let day3 = doc(r#"<Folder><name>Morning</name><Placemark><name>in day 3</name><Point><coordinates>3,4</coordinates></Point></Placemark></Folder>"#);
    let bytes = kmz(&[("doc.kml", doc_kml.as_bytes()), ("files/day3.kml", day3.as_bytes()), ("files/icon.png", b"\x89PNG")]);
    let (_d, path) = write_temp("survey.kmz", &bytes);
    let l = io::read_path(&path).unwrap();
    let names: Vec<_> = l.layer.features.iter().map(|f| (f.name().unwrap(), f.str_prop("folder"))).collect();
    assert_eq!(names, [("in doc", None), ("in day 3", Some("More/Day 3/Morning"))]);
    assert_eq!(l.layer.name, "test");
    let text = messages(&l);
    assert!(text.contains(r#"the network link "Online" to "https://example.org/live.kml" was not followed"#), "{text}");
    assert!(text.contains("the archive also holds 1 other files"), "{text}");
    // A .kml that is really a zip is read as KMZ.
    let (_d, renamed) = write_temp("survey.kml", &bytes);
    assert_eq!(io::read_path(&renamed).unwrap().layer.features.len(), 2);
    // And a plain KML called .kmz is read as KML.
    let (_d, renamed) = write_temp("plain.kmz", doc_kml.as_bytes());
    assert_eq!(io::read_path(&renamed).unwrap().layer.features.len(), 1);
}

#[test]
fn kmz_links_cannot_loop_or_leave_the_archive() {
    let a = doc(r#"<NetworkLink><name>b</name><Link><href>b.kml</href></Link></NetworkLink><NetworkLink><name>up</name><Link><href>../../etc/passwd</href></Link></NetworkLink><Placemark><name>a</name></Placemark>"#);
    let b = doc(r#"<NetworkLink><name>a</name><Link><href>./doc.kml</href></Link></NetworkLink><Placemark><name>b</name></Placemark>"#);
    let l = io::kml::read_kmz(&kmz(&[("doc.kml", a.as_bytes()), ("b.kml", b.as_bytes())])).unwrap();
    let names: Vec<_> = l.layer.features.iter().map(|f| f.name().unwrap()).collect();
    assert_eq!(names, ["a", "b"]);
    assert!(messages(&l).contains(r#"to "../../etc/passwd" was not followed"#));
}

// ---- hostile input ----------------------------------------------------------------------

const LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE kml [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<kml><Document><Placemark><name>&lol9;</name><description>a &lol9; b</description><Point><coordinates>1,2</coordinates></Point></Placemark></Document></kml>
"#;

#[test]
fn billion_laughs_is_never_expanded() {
    let l = kml(LAUGHS);
    let f = &l.layer.features[0];
    assert_eq!(f.str_prop("name"), Some(""));
    assert_eq!(f.str_prop("description"), Some("a  b"));
    let w = of(&l, Severity::Warning);
    assert_eq!(w[0].place, Place::Text { line: 2, column: 1 });
    assert_eq!(w[0].message, "the DOCTYPE was ignored: Portolan never reads DTDs (it declares 10 entities, which were not expanded)");
    assert_eq!(w[1].place, Place::Text { line: 14, column: 33 });
    assert_eq!(w[1].message, "the entity reference &lol9; was left out: Portolan never expands entities");
    assert_eq!(of(&l, Severity::Error).len(), 0);
}

#[test]
fn external_entities_are_never_resolved() {
    let text = r#"<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY web SYSTEM "http://127.0.0.1:9/x">]>
<kml><Placemark id="&xxe;"><name>&xxe;</name><ExtendedData><Data name="d"><value>&web;</value></Data></ExtendedData><Point><coordinates>1,2</coordinates></Point></Placemark></kml>"#;
    let l = kml(text);
    let f = &l.layer.features[0];
    let all = serde_json::to_string(&f.properties).unwrap();
    assert!(!all.contains("root:"), "{all}");
    assert_eq!(f.properties.value("d"), "");
    assert_eq!(f.id, Some(FeatureId::Text(String::new())));
    assert!(messages(&l).contains("(it declares 2 entities, some external; none was expanded or fetched)"), "{}", messages(&l));
    // The same through GPX's parser, which would expand internal entities itself.
    let gpx = r#"<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<gpx version="1.1" creator="x"><wpt lat="1" lon="2"><name>&xxe;</name></wpt></gpx>"#;
    let l = io::gpx::read_str(gpx).unwrap();
    assert_eq!(l.layer.features[0].str_prop("name"), Some(""));
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let mut text = String::from("<kml><Document><Placemark><name>first</name><Point><coordinates>1,2</coordinates></Point></Placemark>");
    text.push_str(&"<Folder>".repeat(100_000));
    let l = kml(&text);
    assert_eq!(l.layer.features.len(), 1);
    let e = of(&l, Severity::Error);
    assert!(e[0].message.contains("elements are nested more than 100 levels deep"), "{}", e[0]);
    // Deep inside a placemark too.
    let text = format!("<kml><Placemark><name>x</name>{}</Placemark></kml>", "<a>".repeat(200_000));
    let l = kml(&text);
    assert!(l.layer.features.is_empty());
    assert!(of(&l, Severity::Error)[0].message.contains("nested more than 100 levels"));
}

#[test]
fn truncated_kml_loads_the_placemarks_before_the_cut() {
    let full = std::fs::read_to_string(SURVEY).unwrap();
    let cut = full.find("<name>Tikhoretsk depot</name>").unwrap() + 40;
    let l = kml(&full[..cut]);
    assert_eq!(l.layer.features.len(), 3);
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 1, "{}", messages(&l));
    assert_eq!(e[0].place, Place::Text { line: 128, column: 5 });
    assert_eq!(
        e[0].message,
        r#"placemark "Tikhoretsk depot" (line 126) skipped: the file ends inside the tag <TimeS, as if cut short: kept the 3 features before the cut"#
    );
    // Cut between placemarks: the cut is at the end of the text, inside the open Folder.
    let cut = full[..full.find("<name>Tikhoretsk depot").unwrap()].rfind("<Placemark>").unwrap();
    let l = kml(&full[..cut]);
    assert_eq!(l.layer.features.len(), 3);
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 1, "{}", messages(&l));
    let (line, column) = (full[..cut].lines().count(), full[..cut].rsplit('\n').next().unwrap().len() + 1);
    assert_eq!(e[0].place, Place::Text { line, column });
    assert!(e[0].message.starts_with("the file ends inside <Folder> (opened on line "), "{}", e[0]);
    assert!(e[0].message.ends_with(", as if cut short: kept the 3 features before the cut"), "{}", e[0]);
    // Cut anywhere: no panic, no hang, never more than the complete placemarks.
    for cut in (1..full.len()).step_by(97) {
        if let Ok(l) = io::kml::read_str(&full[..cut]) {
            assert!(l.layer.features.len() <= 6);
        }
    }
}

#[test]
fn latin1_bytes_in_utf8_kml_name_their_line() {
    let mut bytes = doc(r#"<Placemark><name>Rajin 라진</name><Point><coordinates>1,2</coordinates></Point></Placemark>
<Placemark><name>Caf_</name><Point><coordinates>1,2</coordinates></Point></Placemark>"#)
    .into_bytes();
    let at = bytes.windows(4).position(|w| w == b"Caf_").unwrap() + 3;
    bytes[at] = 0xE9;
    let l = io::kml::read_bytes(&bytes).unwrap();
    assert_eq!(l.layer.features[1].name(), Some("Café"));
    let w = of(&l, Severity::Warning);
    assert_eq!(w[0].place, Place::Text { line: 6, column: 21 });
    assert!(w[0].message.contains("not valid UTF-8; read as Windows-1252"));
    // A file declared ISO-8859-1 is read as such.
    let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><kml><Placemark><name>S\xE3o Paulo</name></Placemark></kml>";
    let l = io::kml::read_bytes(latin).unwrap();
    assert_eq!(l.layer.features[0].name(), Some("São Paulo"));
}

#[test]
fn zip_bomb_kmz_is_refused_while_inflating() {
    // 64 MB of spaces inside a valid document: about 64 KB compressed.
    let mut doc_kml = b"<kml><Document>".to_vec();
    doc_kml.resize(64 << 20, b' ');
    doc_kml.extend_from_slice(b"</Document></kml>");
    let bytes = kmz(&[("doc.kml", &doc_kml)]);
    drop(doc_kml);
    let err = io::kml::read_kmz(&bytes).unwrap_err();
    assert!(matches!(err, ReadError::Kmz(_)));
    assert!(err.to_string().starts_with("cannot read the KMZ: doc.kml inflates to more than 200 times its compressed size"), "{err}");
    // The total is bounded too, whatever the ratio (a smaller limit keeps the test small).
    let mut varied = String::from("<kml><Document>");
    let mut seed = 1u64;
    while varied.len() < 3 << 20 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        varied.push_str(&format!("<Placemark><name>{seed:x}</name></Placemark>"));
    }
    varied.push_str("</Document></kml>");
    let limits = io::kml::KmzLimits { max_inflated_bytes: 1 << 20, ..Default::default() };
    let err = io::kml::read_kmz_with(&kmz(&[("doc.kml", varied.as_bytes())]), &limits).unwrap_err();
    assert!(err.to_string().contains("doc.kml inflates to more than 1 MiB, the limit for KML in one KMZ"), "{err}");
}

#[test]
fn kmz_with_too_many_entries_is_refused_before_reading_them() {
    let names: Vec<String> = (0..10_001).map(|i| format!("f/{i}.png")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), b"x".as_slice())).collect();
    let err = io::kml::read_kmz(&zip(&entries, zip::CompressionMethod::Stored)).unwrap_err();
    assert_eq!(err.to_string(), "cannot read the KMZ: the archive lists 10001 entries; Portolan reads at most 10000 (is it a zip bomb?)");
}

#[test]
fn kmz_path_traversal_names_are_reported_and_never_written() {
    let good = doc(r#"<Placemark><name>ok</name><Point><coordinates>1,2</coordinates></Point></Placemark>"#);
    let evil = doc(r#"<Placemark><name>evil</name></Placemark>"#);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.kmz");
    std::fs::write(&path, kmz(&[("../../evil.kml", evil.as_bytes()), ("doc.kml", good.as_bytes()), ("/abs/evil.kml", evil.as_bytes())])).unwrap();
    let l = io::read_path(&path).unwrap();
    assert_eq!(l.layer.features.len(), 1);
    let w = of(&l, Severity::Warning);
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].message, r#"the archive entry "../../evil.kml" has an unsafe name (an absolute path, or one climbing out with ..); ignored. Portolan never extracts KMZ files to disk"#);
    // Only the traversal entry: refused, and nothing appears anywhere.
    let only = kmz(&[("../../evil.kml", evil.as_bytes()), ("..\\..\\evil2.kml", evil.as_bytes())]);
    let err = io::kml::read_kmz(&only).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"cannot read the KMZ: no KML document (doc.kml) in the archive; entries with unsafe names were ignored: ["../../evil.kml", "..\\..\\evil2.kml"]"#
    );
    let listing: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(listing, ["a.kmz"]);
    assert!(!dir.path().join("../../evil.kml").exists() && !dir.path().join("../evil.kml").exists());
}

#[test]
fn truncated_and_empty_kmz() {
    let survey = std::fs::read(SURVEY).unwrap();
    let bytes = kmz(&[("doc.kml", &survey), ("files/photo.jpg", &[7u8; 5000])]);
    // Cut after doc.kml's data: the directory is gone, doc.kml is read from its local header.
    let l = io::kml::read_kmz(&bytes[..bytes.len() - 200]).unwrap();
    assert_eq!(l.layer.features.len(), 6);
    assert!(of(&l, Severity::Error)[0].message.starts_with("the archive is damaged or cut short"), "{}", messages(&l));
    // Cut inside doc.kml: what inflates loads, up to the last complete placemark.
    let l = io::kml::read_kmz(&bytes[..700]).unwrap();
    assert!(l.layer.features.len() < 6);
    assert!(messages(&l).contains("doc.kml is cut short"), "{}", messages(&l));
    let kept = format!(", as if cut short: kept the {} features before the cut", l.layer.features.len());
    assert!(messages(&l).contains(&kept), "{}", messages(&l));
    // Cut in the local header: nothing to read.
    assert!(matches!(io::kml::read_kmz(&bytes[..20]).unwrap_err(), ReadError::Kmz(_)));
    // Not a zip at all, empty, and an empty doc.kml.
    assert_eq!(io::kml::read_kmz(b"<kml/>").unwrap_err().to_string().split(" (").next(), Some("cannot read the KMZ: not a zip archive"));
    assert!(matches!(io::kml::read_kmz(b"").unwrap_err(), ReadError::Empty));
    let err = io::kml::read_kmz(&kmz(&[("doc.kml", b"")])).unwrap_err();
    assert_eq!(err.to_string(), "cannot read the KMZ: doc.kml in the archive is empty");
}
