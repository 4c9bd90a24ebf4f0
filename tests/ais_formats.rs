//! Every AIS format the readers know, from the seeded generator (`support/ais_gen.rs`): the
//! same scenario written as NOAA (both column sets), DMA, GFW, MarineTraffic, Spire, NMEA and
//! a generic table, unsorted with repeated rows and not-available values, reads to the same
//! tracks, and the detectors find every planted event at its times and nothing else.

use std::collections::BTreeMap;

use portolan::ais::{self, detect};

#[path = "support/ais_gen.rs"]
mod ais_gen;

/// The scenario's ports, as a user adds a point layer of the berths (Busan is not among
/// Natural Earth's ports, and the generator's berths sit a little off Natural Earth's points).
fn ports() -> ais::shore::Ports {
    ais::shore::Ports::new(ais_gen::PORTS.iter().map(|(name, lon, lat)| ais::shore::Port { name: (*name).to_owned(), lon: *lon, lat: *lat }).collect())
}

type Tracks = BTreeMap<u32, Vec<(i64, f64, f64)>>;

fn track_key(data: &ais::AisData) -> Tracks {
    data.vessels.iter().map(|v| (v.mmsi, v.fixes.iter().map(|f| (f.t, f.lon, f.lat)).collect())).collect()
}

/// The same positions at the same times, to the precision the formats write (NMEA: 1/10,000
/// of a minute; tables: 5 or 6 decimals): within 2e-5° (about 2 m).
fn same_tracks(a: &Tracks, b: &Tracks) -> Result<(), String> {
    if a.keys().ne(b.keys()) {
        return Err(format!("vessels {:?} and {:?}", a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>()));
    }
    for (mmsi, fa) in a {
        let fb = &b[mmsi];
        if fa.len() != fb.len() {
            return Err(format!("{mmsi}: {} and {} positions", fa.len(), fb.len()));
        }
        if let Some((x, y)) = fa.iter().zip(fb).find(|(x, y)| x.0 != y.0 || (x.1 - y.1).abs() > 2e-5 || (x.2 - y.2).abs() > 2e-5) {
            return Err(format!("{mmsi}: {x:?} and {y:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_format_reads_to_the_same_tracks_and_every_planted_event_is_found() {
    let scenario = ais_gen::scenario(7);
    let dir = tempfile::tempdir().unwrap();
    let ports = ports();
    let cx = detect::Context { params: detect::Params::default(), ports: &ports, shore: ais::shore::Shore::embedded() };
    let mut first: Option<(String, Tracks)> = None;
    for format in ais_gen::Format::ALL {
        let path = dir.path().join(format!("scenario-{}.{}", format.name(), if format == ais_gen::Format::Nmea { "nmea" } else { "csv" }));
        ais_gen::write_file(&scenario, format, &path).unwrap();
        let mut data = ais::read::read_path(&path).unwrap_or_else(|e| panic!("{}: {e}", format.name()));
        ais::tracks::build(&mut data);
        let name = format.name();
        assert_eq!(data.vessels.len(), scenario.vessels.len(), "{name}");
        assert_eq!(
            data.dropped.reasons.get("position not available (lat 91 / lon 181)").map(|r| r.0),
            Some(scenario.unplaceable as u64),
            "{name}: {:?}",
            data.dropped
        );
        assert_eq!(data.dropped.total(), scenario.unplaceable as u64, "{name}: only the unplaceable rows drop: {:?}", data.dropped);
        let key = track_key(&data);
        match &first {
            None => first = Some((name.to_owned(), key)),
            Some((first_name, k)) => {
                if let Err(e) = same_tracks(k, &key) {
                    panic!("{first_name} and {name} read to different tracks: {e}");
                }
            }
        }
        let events = detect::all(&data, &cx);
        let found: Vec<(&str, u32, Option<u32>, i64, i64)> = events.iter().map(|e| (e.kind.as_str(), e.mmsi, e.other_mmsi, e.start, e.end)).collect();
        for p in &scenario.planted {
            // Encounters are compared on a 10-minute grid.
            let slack = if p.kind == "encounter" { 600 } else { 0 };
            let hit = events.iter().find(|e| {
                e.kind.as_str() == p.kind && e.mmsi == p.mmsi && e.other_mmsi == p.other_mmsi && (e.start - p.start).abs() <= slack && (e.end - p.end).abs() <= slack
            });
            let Some(hit) = hit else {
                panic!("{name}: planted {} of {} {}..{} not found among {found:?}", p.kind, p.mmsi, ais::time::iso(p.start), ais::time::iso(p.end));
            };
            if p.kind == "gap" {
                assert_eq!(hit.likely_off, p.likely_off, "{name}: gap of {} at {}: {hit:?}", p.mmsi, ais::time::iso(p.start));
            }
        }
        assert_eq!(events.len(), scenario.planted.len(), "{name}: events that were not planted: {found:?}");
    }
}

#[test]
fn gzipped_files_read_as_the_plain_ones() {
    let scenario = ais_gen::scenario(11);
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("s.csv");
    let gz = dir.path().join("s.csv.gz");
    ais_gen::write_file(&scenario, ais_gen::Format::Noaa, &plain).unwrap();
    ais_gen::write_file(&scenario, ais_gen::Format::Noaa, &gz).unwrap();
    let read = |p: &std::path::Path| {
        let mut d = ais::read::read_path(p).unwrap();
        ais::tracks::build(&mut d);
        track_key(&d)
    };
    same_tracks(&read(&plain), &read(&gz)).unwrap();
}

#[test]
fn hostile_files_end_with_a_located_message() {
    let scenario = ais_gen::scenario(7);
    let dir = tempfile::tempdir().unwrap();
    let mut good = Vec::new();
    ais_gen::write(&scenario, ais_gen::Format::Noaa, &mut good).unwrap();
    // Truncated mid-row: the rows before load, the cut row is dropped with its line.
    let cut = dir.path().join("cut.csv");
    std::fs::write(&cut, &good[..good.len() / 2]).unwrap();
    let d = ais::read::read_path(&cut).unwrap();
    assert!(d.positions() > 1000);
    // Huge lines, wrong types and 1e400 among good rows: each dropped with its line.
    let header_end = good.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut bad = good[..header_end].to_vec();
    bad.extend_from_slice(format!("{}\n", "x".repeat(200_000)).as_bytes());
    bad.extend_from_slice(b"273000001,2023-08-14T00:00:00,1e400,132.0,10,90,90,,,,,,,,,,A\n");
    bad.extend_from_slice(b"not-a-number,2023-08-14T00:00:00,42.0,132.0,10,90,90,,,,,,,,,,A\n");
    bad.extend_from_slice(b"273000001,2023-08-14T00:00:00,42.0,132.0,fast,90,90,,,,,,,,,,A\n");
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, &bad).unwrap();
    let d = ais::read::read_path(&path).unwrap();
    assert_eq!(d.positions(), 1, "the row with a word for its speed still places");
    let lines: Vec<u64> = d.dropped.reasons.values().flat_map(|r| r.1.clone()).collect();
    assert_eq!(lines.len(), 3, "{:?}", d.dropped);
    assert!([2, 3, 4].iter().all(|l| lines.contains(l)), "{:?}", d.dropped);
    // Binary and empty files are refused with a message.
    for (name, bytes) in [("bin.csv", (0..=255u8).cycle().take(100_000).collect::<Vec<u8>>()), ("empty.csv", Vec::new())] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let e = ais::read::read_path(&p).unwrap_err().to_string();
        assert!(e.contains(name), "{e}");
    }
}
