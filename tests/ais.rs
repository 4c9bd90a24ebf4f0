//! AIS end to end: a small fleet written as NOAA and Danish Maritime Authority CSV (and
//! gzipped), read back to the same tracks, with every planted event found at its time and no
//! other; the `portolan ais` command and the map layer the window opens.

use std::path::Path;

use portolan::ais::{self, detect, time::iso};

#[path = "support/fleet.rs"]
mod fleet;

use fleet::{dma, fleet, noaa};

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

#[test]
fn events_join_the_case_linked_to_vessels_by_imo_or_mmsi() {
    use portolan::document::{Document, OpenLayer};
    let (rows, _) = fleet();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("fleet.csv");
    std::fs::write(&input, noaa(&rows)).unwrap();
    let mut doc = Document::new();
    doc.push(OpenLayer::new(portolan::io::read_path(&input).unwrap(), None));
    let case_layer = doc.new_case("Test case", "");
    // The case knows DARK STAR by IMO only, under another name.
    let known = portolan::model::Vessel { id: "v_dark".into(), name: "DARK STAR (ex-BRIGHT SEA)".into(), imo: Some("9000001".into()), ..Default::default() };
    doc.put(case_layer, known, None).unwrap();
    let features = doc.layers[0].layer.features.clone();
    let of = |kind: &str, mmsi: u32| features.iter().find(|f| f.str_prop("kind") == Some(kind) && f.properties.get("mmsi").and_then(|v| v.as_u64()) == Some(u64::from(mmsi))).unwrap().clone();
    let a = doc.add_ais_event(case_layer, &of("ais_gap", 273_000_001)).unwrap();
    let b = doc.add_ais_event(case_layer, &of("ais_suspect_jump", 273_000_001)).unwrap();
    let c = doc.add_ais_event(case_layer, &of("ais_encounter", 273_000_002)).unwrap();
    let case = doc.layers[case_layer].layer.case.as_ref().unwrap();
    assert_eq!(case.event(&a).unwrap().vessel_ids, ["v_dark"], "by IMO");
    assert_eq!(case.event(&b).unwrap().vessel_ids, ["v_dark"]);
    let meet = case.event(&c).unwrap().clone();
    assert_eq!(meet.vessel_ids.len(), 2, "both ships of the encounter");
    assert_eq!(case.vessels.len(), 3, "the two meeting ships were added, once each");
    let d = doc.add_ais_event(case_layer, &of("ais_loitering", 273_000_003)).unwrap();
    let case = doc.layers[case_layer].layer.case.as_ref().unwrap();
    assert_eq!(case.vessels.len(), 3, "MEETER B is found again by MMSI");
    assert_eq!(case.event(&d).unwrap().vessel_ids, [meet.vessel_ids[1].clone()]);
}

#[test]
fn ports_from_a_file_count_for_calls_and_keep_meetings_out() {
    let (rows, _) = fleet();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("fleet.csv");
    std::fs::write(&input, noaa(&rows)).unwrap();
    // A berth where the two ships drift together.
    let berths = dir.path().join("berths.csv");
    std::fs::write(&berths, "name,lat,lon\nMid-sea buoy,38.0,148.002\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portolan")).arg("ais").arg(&input).arg("--ports").arg(&berths).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    for line in ["ports: 1 more from", "port_call: 3", "encounter: 0", "loitering: 0"] {
        assert!(stdout.contains(line), "{line:?} in {stdout}");
    }
}
