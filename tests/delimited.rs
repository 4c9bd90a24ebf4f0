//! CSV / TSV tables of places: spreadsheets as they are saved, and broken or hostile ones.

mod common;

use std::path::Path;

use common::of;
use geo::Geometry;
use portolan::io::delimited::{self, Options, Sniffed};
use portolan::io::{self, Place, ReadError, Severity};
use serde_json::json;

fn data(name: &str) -> String {
    format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn csv(text: &str) -> io::Loaded {
    match delimited::read_str(text) {
        Ok(l) => l,
        Err(e) => panic!("expected the table to load, got {e}"),
    }
}

fn messages(l: &io::Loaded) -> String {
    l.diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

fn point(f: &portolan::model::Feature) -> (f64, f64) {
    match &f.geometry {
        Some(Geometry::Point(p)) => ((p.x() * 1e6).round() / 1e6, (p.y() * 1e6).round() / 1e6),
        other => panic!("not a point: {other:?}"),
    }
}

#[test]
fn excel_csv_with_bom_crlf_and_bad_rows() {
    let l = io::read_path(Path::new(&data("ports-excel.csv"))).unwrap();
    let names: Vec<_> = l.layer.features.iter().map(|f| f.name().unwrap()).collect();
    assert_eq!(names, ["Rajin", "Vladivostok", "Vostochny", "Nakhodka", "Posyet", "Nampo", "Chongjin"]);
    let vlad = &l.layer.features[1];
    assert_eq!(point(vlad), (131.8735, 43.1056));
    assert_eq!(vlad.properties.value("Operator"), "Vladivostok Sea Commercial Port, PJSC");
    assert_eq!(vlad.properties.value("Berths"), json!(16));
    assert_eq!(vlad.properties.value("period"), "2023-10-16");
    assert!(!vlad.properties.contains_key("Latitude"));
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 2);
    assert_eq!((&e[0].place, e[0].message.as_str()), (&Place::Text { line: 6, column: 1 }, "row skipped: no coordinates"));
    assert_eq!((&e[1].place, e[1].message.as_str()), (&Place::Text { line: 7, column: 1 }, "row skipped: \"n/a\" is not a coordinate"));
    // Posyet's values are swapped in the file: placed the right way round, with a warning.
    assert_eq!(point(&l.layer.features[4]), (130.8033, 42.6519));
    let w = of(&l, Severity::Warning);
    assert_eq!(w[0].place, Place::Text { line: 8, column: 1 });
    assert!(w[0].message.starts_with("latitude 130.8033 is outside -90..90 but longitude 42.6519 would fit as one"), "{}", w[0]);
    assert!(messages(&l).contains("note: the column \"Port\" gives the names"));
}

#[test]
fn semicolons_decimal_commas_and_german_headers() {
    let l = io::read_path(Path::new(&data("ports-semicolon.csv"))).unwrap();
    assert_eq!(l.layer.features.len(), 4);
    let rajin = &l.layer.features[0];
    assert_eq!(point(rajin), (130.2856, 42.2294));
    assert_eq!(rajin.name(), Some("Rajin"));
    assert_eq!(rajin.properties.value("Tiefe (m)"), json!(9.5));
    assert_eq!(rajin.properties.value("period"), "2023-09-28");
    assert_eq!(l.layer.features[1].properties.value("Tiefe (m)"), json!(12));
    assert_eq!(of(&l, Severity::Error)[0].place, Place::Text { line: 6, column: 1 });
}

#[test]
fn degrees_minutes_seconds() {
    let l = io::read_path(Path::new(&data("ports-dms.csv"))).unwrap();
    let got: Vec<_> = l.layer.features.iter().map(|f| (f.name().unwrap(), point(f))).collect();
    assert_eq!(got, [
        ("Rajin", (130.285556, 42.229444)),
        ("Vladivostok", (131.873611, 43.105556)),
        ("Vostochny", (133.059167, 42.737222)),
        ("Novorossiysk", (37.785333, 44.723667)),
        ("Swapped columns", (130.285556, 42.229444)),
    ]);
    let e = of(&l, Severity::Error);
    assert_eq!(e[0].place, Place::Text { line: 6, column: 1 });
    assert!(e[0].message.contains("minutes and seconds under 60"), "{}", e[0]);
    assert!(of(&l, Severity::Warning)[0].message.contains("the columns look swapped"));
}

#[test]
fn wkt_column_as_qgis_exports_it() {
    let l = io::read_path(Path::new(&data("ports-wkt.csv"))).unwrap();
    let kinds: Vec<_> = l.layer.features.iter().map(|f| f.kind().as_str().to_owned()).collect();
    assert_eq!(kinds, ["site", "sea_route", "area"]);
    assert!(matches!(l.layer.features[1].geometry, Some(Geometry::LineString(_))));
    assert!(matches!(l.layer.features[2].geometry, Some(Geometry::Polygon(_))));
    assert_eq!(l.layer.features[1].properties.value("period"), "2023-08/2023-12");
    assert!(!l.layer.features[0].properties.contains_key("WKT"));
    let e = of(&l, Severity::Error);
    assert_eq!(e.iter().map(|d| d.place.clone()).collect::<Vec<_>>(), [Place::Text { line: 5, column: 1 }, Place::Text { line: 6, column: 1 }]);
}

#[test]
fn columns_found_by_name_in_several_languages_or_chosen() {
    for header in ["lat,lon", "Latitude,Longitude", "LAT_DD,LONG_DD", "y,x", "Breite,Länge", "широта,долгота", "위도,경도", "latitud,longitud", "Lat (WGS84),Lng (WGS84)"] {
        let l = csv(&format!("name,{header}\nRajin,42.2294,130.2856\n"));
        assert_eq!(point(&l.layer.features[0]), (130.2856, 42.2294), "{header}");
    }
    // Named latitude/longitude win over x/y (often projected metres).
    let l = csv("x,y,lat,lon\n500000,4650000,42.2,130.2\n");
    assert_eq!(point(&l.layer.features[0]), (130.2, 42.2));
    assert_eq!(l.layer.features[0].properties.value("x"), json!(500000));
    // One column as Google Maps copies it: "lat, lon".
    let l = csv("name;coordinates\nRajin;42.2294, 130.2856\nKhasan;42°25'55\"N 130°38'42\"E\n");
    assert_eq!(point(&l.layer.features[0]), (130.2856, 42.2294));
    assert_eq!(point(&l.layer.features[1]), (130.645, 42.431944));
    // Unknown names: a clear message listing the columns, then the user's choice.
    let text = "name,northing_deg,easting_deg\nRajin,42.2294,130.2856\n";
    let err = delimited::read_str(text).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"not a table of places: no latitude and longitude columns and no WKT column among "name", "northing_deg", "easting_deg"; name them lat and lon, or choose them"#
    );
    let options = Options { latitude: Some("Northing_deg".into()), longitude: Some("easting_deg".into()), ..Options::default() };
    let l = delimited::read_bytes_with(text.as_bytes(), &options).unwrap();
    assert_eq!(point(&l.layer.features[0]), (130.2856, 42.2294));
    let options = Options { latitude: Some("nope".into()), ..Options::default() };
    assert!(delimited::read_bytes_with(text.as_bytes(), &options).unwrap_err().to_string().contains(r#"there is no column "nope""#));
    assert_eq!(
        delimited::sniff("Port;Breite;Länge\nRajin;42,2;130,3\n".as_bytes()).unwrap(),
        Sniffed { delimiter: b';', columns: vec!["Port".into(), "Breite".into(), "Länge".into()], latitude: Some(1), longitude: Some(2), wkt: None, coordinates: None }
    );
}

#[test]
fn excel_unicode_text_is_utf16_tab_separated() {
    let text = "Name\tLatitude\tLongitude\r\nРаджин 라진\t42.2294\t130.2856\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ports.txt");
    std::fs::write(&path, &bytes).unwrap();
    let l = io::read_path(&path).unwrap();
    assert_eq!(l.layer.features[0].name(), Some("Раджин 라진"));
    assert!(messages(&l).contains("the file is UTF-16"));
    // A .tsv is tab-separated even when its values hold commas.
    let path = dir.path().join("ports.tsv");
    std::fs::write(&path, "name\tlat\tlon\nA, B and C\t42,5\t130,5\n").unwrap();
    let l = io::read_path(&path).unwrap();
    assert_eq!((l.layer.features[0].name(), point(&l.layer.features[0])), (Some("A, B and C"), (130.5, 42.5)));
}

// ---- hostile input ----------------------------------------------------------------------

#[test]
fn a_50_mb_single_line_is_refused_with_a_clear_message() {
    let mut bytes = b"name,lat,lon,".to_vec();
    bytes.resize(50 << 20, b'x');
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one-line.csv");
    std::fs::write(&path, &bytes).unwrap();
    let err = io::read_path(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a table of places: the first line is 52428800 bytes long with no line break; a header line has a limit of 16 MiB. Is this a table?"
    );
    // A huge line among good ones is skipped, with its line number.
    let mut text = String::from("name,lat,lon\nRajin,42.2,130.2\n");
    text.push_str(&"y".repeat(17 << 20));
    text.push_str("\nKhasan,42.4,130.6\n");
    let l = csv(&text);
    assert_eq!(l.layer.features.len(), 2);
    let e = of(&l, Severity::Error);
    assert_eq!(e[0].place, Place::Text { line: 3, column: 1 });
    assert_eq!(e[0].message, "this line is 17825792 bytes long, over the limit of 16 MiB; skipped");
}

#[test]
fn mixed_encodings_name_the_line() {
    let bytes = b"name,lat,lon\nRajin \xEB\x9D\xBC\xEC\xA7\x84,42.2,130.2\nS\xE3o Tom\xE9,0.3,6.7\nMoskva,55.7,37.6\n";
    let l = delimited::read_bytes(bytes).unwrap();
    let names: Vec<_> = l.layer.features.iter().map(|f| f.name().unwrap()).collect();
    assert_eq!(names, ["Rajin 라진", "São Tomé", "Moskva"]);
    let w = of(&l, Severity::Warning);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].place, Place::Text { line: 3, column: 2 });
    assert_eq!(w[0].message, "this line is not valid UTF-8; read as Windows-1252 (Western European)");
    // A whole file in the Cyrillic code page of Russian Excel.
    let mut cp1251 = b"name;lat;lon\n".to_vec();
    cp1251.extend_from_slice(b"\xC2\xEB\xE0\xE4\xE8\xE2\xEE\xF1\xF2\xEE\xEA;43,1;131,9\n");
    let l = delimited::read_bytes(&cp1251).unwrap();
    assert_eq!(l.layer.features[0].name(), Some("Владивосток"));
    assert!(messages(&l).contains("the file is not UTF-8; read as Windows-1251 (Cyrillic)"));
}

#[test]
fn wrong_coordinate_order_warns_or_names_the_row() {
    let l = csv("name,lat,lon\nswapped,130.28,42.22\nimpossible,500,600\nprojected,4650000,500000\nfine,42.22,130.28\n");
    let names: Vec<_> = l.layer.features.iter().map(|f| f.name().unwrap()).collect();
    assert_eq!(names, ["swapped", "fine"]);
    assert_eq!(point(&l.layer.features[0]), (130.28, 42.22));
    let e = of(&l, Severity::Error);
    assert_eq!(e[0].place, Place::Text { line: 3, column: 1 });
    assert_eq!(e[0].message, "row skipped: latitude 500 is outside -90..90 in (600, 500)");
    assert_eq!(e[1].place, Place::Text { line: 4, column: 1 });
    // Hemisphere letters that contradict the columns are an error, not a guess.
    let l = csv("name,lat,lon\nodd,42N,43S\n");
    assert!(of(&l, Severity::Error)[0].message.contains("mixed-up hemisphere letters"));
}

#[test]
fn empty_header_only_truncated_and_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(io::read_path(&empty).unwrap_err(), ReadError::Empty));
    assert!(matches!(delimited::read_str("\r\n \n").unwrap_err(), ReadError::Empty));
    let l = csv("name,lat,lon\n");
    assert!(l.layer.features.is_empty());
    assert_eq!(messages(&l), "warning: the table has a header but no rows");
    // Cut inside a quoted field: the last row is incomplete and named, the rest loads.
    let full = std::fs::read_to_string(data("ports-excel.csv")).unwrap();
    let cut = full.find("Sea Commercial").unwrap();
    let l = csv(&full[..cut]);
    assert_eq!(l.layer.features.len(), 2); // the cut row has its position before the cut
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 1, "{}", messages(&l));
    let line = full[..cut].lines().count();
    assert_eq!(e[0].place, Place::Text { line, column: full[..cut].rsplit('\n').next().unwrap().len() + 1 });
    assert_eq!(e[0].message, "the file ends inside a quoted value that starts on line 3, as if cut short: kept the 2 features before the cut");
    let l = csv("name,lat,lon\nA,42.1,130.1\nB,\"42.");
    assert_eq!(l.layer.features.len(), 1);
    assert_eq!(of(&l, Severity::Error)[0].place, Place::Text { line: 3, column: 7 });
    // Binary garbage: no panic, a message.
    let garbage: Vec<u8> = (0..65536u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    assert!(delimited::read_bytes(&garbage).is_err());
}

#[test]
fn a_table_cut_short_keeps_its_complete_rows_and_names_the_cut() {
    let full = "name,lat,lon,note,ref\nA,42.1,130.1,first,1\nB,42.2,130.2,second,2\nC,42.3,130.3,third,3\n";
    // Cut in the position of the last row: it is skipped, with the place of the cut.
    let cut = full.find("130.3").unwrap() + 2;
    let l = csv(&full[..cut]);
    assert_eq!(l.layer.features.iter().map(|f| f.name().unwrap()).collect::<Vec<_>>(), ["A", "B"]);
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 1, "{}", messages(&l));
    assert_eq!(e[0].place, Place::Text { line: 4, column: 10 });
    assert_eq!(e[0].message, "row skipped: the file ends after 3 of the 5 fields of this row, as if cut short: kept the 2 features before the cut");
    // Cut after the position: the row is kept, its cut value with it.
    let cut = full.find("third").unwrap() + 2;
    let l = csv(&full[..cut]);
    assert_eq!(l.layer.features.len(), 3);
    assert_eq!(l.layer.features[2].properties.value("note"), "th");
    assert_eq!(point(&l.layer.features[2]), (130.3, 42.3));
    let e = of(&l, Severity::Error);
    assert_eq!(e.len(), 1, "{}", messages(&l));
    assert_eq!(e[0].place, Place::Text { line: 4, column: 16 });
    // A last field cut inside quotes, and the same with a TSV file.
    let l = csv("name\tlat\tlon\tnote\nA\t42.1\t130.1\tx\nB\t42.2\t130.2\t\"multi\nline");
    assert_eq!(l.layer.features.len(), 2);
    assert_eq!(of(&l, Severity::Error)[0].to_string(), "line 4 column 5: error: the file ends inside a quoted value that starts on line 3, as if cut short: kept the 2 features before the cut");
    // Cut after a whole row: nothing to report, whether or not the last line break is there
    // (a last row with every field and no line break is taken as whole).
    for cut in [full.len(), full.len() - 1] {
        let l = csv(&full[..cut]);
        assert_eq!((l.layer.features.len(), l.diagnostics.len()), (3, 0), "{}", messages(&l));
    }
    // Cut anywhere: the rows before the cut line always load.
    for cut in 1..full.len() {
        if let Ok(l) = delimited::read_str(&full[..cut]) {
            let complete = full[..cut].matches('\n').count().saturating_sub(1);
            assert!(l.layer.features.len() >= complete, "{cut}: {}", messages(&l));
        }
    }
}

#[test]
fn thousands_of_bad_rows_do_not_flood_the_list() {
    let mut text = String::from("name,lat,lon\n");
    for i in 0..5000 {
        text.push_str(&format!("row {i},north,east\n"));
    }
    text.push_str("good,1,2\n");
    let l = csv(&text);
    assert_eq!(l.layer.features.len(), 1);
    assert_eq!(l.diagnostics.len(), 101);
    assert_eq!(l.diagnostics[100].message, "4900 more rows had problems like those above");
}
