//! AIS end to end: a small fleet written as NOAA and Danish Maritime Authority CSV (and
//! gzipped), read back to the same tracks, with every planted event found at its time and no
//! other; the `portolan ais` command and the map layer the window opens.

use std::fmt::Write as _;
use std::path::Path;

use portolan::ais::{self, detect, time::iso};

const NM: f64 = 1852.0;
/// 2023-08-01T00:00:00Z.
const T0: i64 = 1_690_848_000;

#[derive(Clone)]
struct Row {
    mmsi: u32,
    name: &'static str,
    t: i64,
    lon: f64,
    lat: f64,
    sog: f64,
}

/// Moves east at `knots` from (lon, lat) for `minutes`, a report every 5 minutes.
fn sail(rows: &mut Vec<Row>, mmsi: u32, name: &'static str, t: &mut i64, lon: &mut f64, lat: f64, knots: f64, minutes: i64) {
    for _ in 0..minutes / 5 {
        rows.push(Row { mmsi, name, t: *t, lon: *lon, lat, sog: knots });
        *t += 300;
        *lon += knots * NM * 300.0 / 3600.0 / (111_320.0 * lat.to_radians().cos());
    }
}

/// The fleet, and the events planted in it: (kind, mmsi, start, end).
fn fleet() -> (Vec<Row>, Vec<(&'static str, u32, i64, i64)>) {
    let mut rows = Vec::new();
    let mut planted = Vec::new();
    // 1. East of Japan, far from shore: 10 h under way, 31 h dark, 8 h under way, with one
    //    spoofed position.
    let (mut t, mut lon) = (T0, 150.0);
    sail(&mut rows, 273_000_001, "DARK STAR", &mut t, &mut lon, 40.0, 12.0, 600);
    let gap_start = t - 300;
    t += 31 * 3600;
    lon += 12.0 * 31.0 * NM / (111_320.0 * 40f64.to_radians().cos());
    planted.push(("gap", 273_000_001, gap_start, t));
    sail(&mut rows, 273_000_001, "DARK STAR", &mut t, &mut lon, 40.0, 12.0, 480);
    let jump = rows.len() - 40;
    rows[jump].lat += 4.0;
    planted.push(("suspect_jump", 273_000_001, rows[jump].t, rows[jump].t));
    // 2 and 3. Two ships come from opposite sides, drift 150 m apart for 5 h at sea, and part.
    let t_meet = T0 + 3600;
    let degrees = |knots: f64, minutes: f64| knots * NM * minutes / 60.0 / (111_320.0 * 38f64.to_radians().cos());
    let mut meet_end = 0;
    for (mmsi, name, at, knots) in [(273_000_002u32, "MEETER A", 148.0, 12.0), (273_000_003, "MEETER B", 148.0018, -12.0)] {
        let (mut t, mut lon) = (T0, at - degrees(knots, 60.0));
        sail(&mut rows, mmsi, name, &mut t, &mut lon, 38.0, knots, 60);
        let start = t;
        sail(&mut rows, mmsi, name, &mut t, &mut lon, 38.0, 0.5, 300);
        // Slow up to the first report of the next leg (the segment into it is slow).
        planted.push(("loitering", mmsi, start, t));
        meet_end = t;
        sail(&mut rows, mmsi, name, &mut t, &mut lon, 38.0, knots, 60);
        assert_eq!(start, t_meet);
    }
    planted.push(("encounter", 273_000_002, t_meet, meet_end));
    // 4. A call at a Natural Earth port: sails in, waits 12 h at the quay, sails out.
    let ports = ais::shore::Ports::with_embedded(Vec::new());
    let (port, _) = ports.within(131.89, 43.10, 10_000.0).expect("Vladivostok is a port");
    let (mut t, mut lon) = (T0, port.lon - 0.5);
    sail(&mut rows, 273_000_004, "CALLER", &mut t, &mut lon, port.lat, 12.0, 240);
    // Where it came within 3 km, and left 4 km.
    rows.retain(|r| !(r.mmsi == 273_000_004 && r.lon > port.lon));
    let mut t = rows.iter().filter(|r| r.mmsi == 273_000_004).map(|r| r.t).max().unwrap() + 300;
    let mut at = port.lon;
    sail(&mut rows, 273_000_004, "CALLER", &mut t, &mut at, port.lat, 0.0, 720);
    let mut away = port.lon;
    sail(&mut rows, 273_000_004, "CALLER", &mut t, &mut away, port.lat + 0.0, -12.0, 120);
    let inside: Vec<i64> = rows.iter().filter(|r| r.mmsi == 273_000_004).filter(|r| ais::distance_m(r.lon, r.lat, port.lon, port.lat) <= 3000.0).map(|r| r.t).collect();
    let until: Vec<i64> = rows.iter().filter(|r| r.mmsi == 273_000_004).filter(|r| ais::distance_m(r.lon, r.lat, port.lon, port.lat) <= 4000.0).map(|r| r.t).collect();
    planted.push(("port_call", 273_000_004, inside[0], *until.last().unwrap()));
    // Unsorted, with a repeat.
    rows.reverse();
    let dup = rows[10].clone();
    rows.push(dup);
    (rows, planted)
}


fn noaa(rows: &[Row]) -> String {
    let mut s = String::from("MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass\n");
    for r in rows {
        let _ = writeln!(s, "{},{},{:.6},{:.6},{:.1},90.0,511,{},IMO{},,70,0,,,,,A", r.mmsi, &iso(r.t)[..19], r.lat, r.lon, r.sog.abs(), r.name, 9_000_000 + r.mmsi % 1000);
    }
    s.push_str("273000009,2023-08-01T00:00:00,91,181,0,360,511,NOWHERE,,,70,0,,,,,A\n");
    s
}

fn dma(rows: &[Row]) -> String {
    let mut s = String::from("# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,Name,Ship type\n");
    for r in rows {
        let iso = iso(r.t);
        let (y, m, d, hms) = (&iso[..4], &iso[5..7], &iso[8..10], &iso[11..19]);
        let _ = writeln!(s, "{d}/{m}/{y} {hms},Class A,{},{:.6},{:.6},Under way,0,{:.1},90,Unknown,Unknown,,{},Cargo", r.mmsi, r.lat, r.lon, r.sog.abs(), r.name);
    }
    s
}

fn analyse(path: &Path) -> (ais::AisData, Vec<detect::Event>) {
    let mut data = ais::read::read_path(path).expect("the file reads");
    ais::tracks::build(&mut data);
    let ports = ais::shore::Ports::with_embedded(Vec::new());
    let cx = detect::Context { params: detect::Params::default(), ports: &ports, shore: ais::shore::Shore::embedded() };
    let events = detect::all(&data, &cx);
    (data, events)
}

#[test]
fn planted_events_are_found_in_every_format_and_no_others() {
    let (rows, planted) = fleet();
    let dir = tempfile::tempdir().unwrap();
    let files = [("fleet_noaa.csv", noaa(&rows).into_bytes()), ("fleet_dma.csv", dma(&rows).into_bytes())];
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &files[0].1).unwrap();
    let gz = gz.finish().unwrap();
    let mut tracks = Vec::new();
    for (name, bytes) in files.iter().chain([&("fleet.csv.gz", gz)]) {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (data, events) = analyse(&path);
        assert_eq!(data.vessels.len(), 4, "{name}");
        let found: Vec<(&str, u32, i64, i64)> = events.iter().map(|e| (e.kind.as_str(), e.mmsi, e.start, e.end)).collect();
        for p in &planted {
            let tolerance = if p.0 == "encounter" { 600 } else { 0 };
            assert!(
                found.iter().any(|f| f.0 == p.0 && f.1 == p.1 && (f.2 - p.2).abs() <= tolerance && (f.3 - p.3).abs() <= tolerance),
                "{name}: planted {} of {} {}..{} not found in {found:?}",
                p.0,
                p.1,
                iso(p.2),
                iso(p.3)
            );
        }
        assert_eq!(found.len(), planted.len(), "{name}: events not planted: {found:?}");
        let gap = events.iter().find(|e| e.kind == detect::EventKind::Gap).unwrap();
        assert!(gap.likely_off && gap.shore_nm.unwrap() > 50.0, "{gap:?}");
        assert_eq!(gap.label(), "AIS off 31 h");
        if name.ends_with("noaa.csv") {
            assert_eq!(data.dropped.reasons.get("position not available (lat 91 / lon 181)").map(|r| r.0), Some(1));
            assert!(data.notes.iter().any(|n| n.contains("1 repeated report")), "{:?}", data.notes);
        }
        tracks.push(data.vessels.iter().map(|v| (v.mmsi, v.fixes.iter().map(|f| (f.t, (f.lon * 1e5).round() as i64, (f.lat * 1e5).round() as i64)).collect::<Vec<_>>())).collect::<Vec<_>>());
    }
    assert!(tracks.windows(2).all(|w| w[0] == w[1]), "every format reads to the same tracks");
}

#[test]
fn the_command_prints_and_writes_events_and_the_window_opens_the_file() {
    let (rows, _) = fleet();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("fleet.csv");
    std::fs::write(&input, noaa(&rows)).unwrap();
    let events = dir.path().join("events.csv");
    let tracks = dir.path().join("tracks.geojson");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portolan"))
        .arg("ais")
        .arg(&input)
        .arg("--events")
        .arg(&events)
        .arg("--tracks")
        .arg(&tracks)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for line in ["vessels: 4", "gap: 1 (1 likely switched off)", "encounter: 1", "port_call: 1", "suspect_jump: 1", "position not available (lat 91 / lon 181): 1 (line "] {
        assert!(stdout.contains(line), "{line:?} in {stdout}");
    }
    let csv = std::fs::read_to_string(&events).unwrap();
    assert!(csv.starts_with("kind,mmsi,vessel_name,other_mmsi,start,end,hours,start_lon,start_lat,end_lon,end_lat,distance_km,implied_knots,shore_nm,port\n"), "{csv}");
    assert!(csv.contains("gap,273000001,DARK STAR,,2023-08-01T09:55:00Z,2023-08-02T17:00:00Z,31.08,"), "{csv}");
    assert!(portolan::io::read_path(&tracks).is_ok());
    // The terrestrial preset: an hour is a gap, and nothing else in this fleet is one.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portolan")).args(["ais", "--preset", "terrestrial"]).arg(&input).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("gap: 1 ("));
    // The window's reader: tracks cut at the gap, the gap as a dashed, labelled line.
    let loaded = portolan::io::read_path(&input).expect("an AIS table opens as a layer");
    let gap = loaded.layer.features.iter().find(|f| f.str_prop("kind") == Some("ais_gap")).expect("a gap feature");
    assert_eq!(gap.str_prop("name"), Some("AIS off 31 h"));
    assert!(portolan::scene::style::plain_line(gap).dash.is_some());
    let track = loaded.layer.features.iter().find(|f| f.str_prop("name") == Some("DARK STAR") && f.str_prop("kind") == Some("ais_track")).unwrap();
    assert!(matches!(track.geometry, Some(geo::Geometry::MultiLineString(ref m)) if m.0.len() == 2), "cut at the gap");
    assert!(loaded.diagnostics.iter().any(|d| d.message.contains("4 vessels")));
    // Not AIS: a places table still reads as places.
    let places = dir.path().join("places.csv");
    std::fs::write(&places, "name,lat,lon\nA,43.1,131.9\n").unwrap();
    assert!(portolan::io::read_path(&places).unwrap().layer.features[0].str_prop("kind").is_none());
}
