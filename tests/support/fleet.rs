//! A small fleet with planted AIS events (a 31-hour gap far at sea, a spoofed position, two
//! ships meeting and drifting together, a port call at Vladivostok), written as NOAA and
//! Danish Maritime Authority CSV. Shared by the AIS tests.

#![allow(dead_code)]

use std::fmt::Write as _;

use portolan::ais::{self, time::iso};

const NM: f64 = 1852.0;
/// 2023-08-01T00:00:00Z.
pub const T0: i64 = 1_690_848_000;

#[derive(Clone)]
pub struct Row {
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
pub fn fleet() -> (Vec<Row>, Vec<(&'static str, u32, i64, i64)>) {
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


pub fn noaa(rows: &[Row]) -> String {
    let mut s = String::from("MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass\n");
    for r in rows {
        let _ = writeln!(s, "{},{},{:.6},{:.6},{:.1},90.0,511,{},IMO{},,70,0,,,,,A", r.mmsi, &iso(r.t)[..19], r.lat, r.lon, r.sog.abs(), r.name, 9_000_000 + r.mmsi % 1000);
    }
    s.push_str("273000009,2023-08-01T00:00:00,91,181,0,360,511,NOWHERE,,,70,0,,,,,A\n");
    s
}

pub fn dma(rows: &[Row]) -> String {
    let mut s = String::from("# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,Name,Ship type\n");
    for r in rows {
        let iso = iso(r.t);
        let (y, m, d, hms) = (&iso[..4], &iso[5..7], &iso[8..10], &iso[11..19]);
        let _ = writeln!(s, "{d}/{m}/{y} {hms},Class A,{},{:.6},{:.6},Under way,0,{:.1},90,Unknown,Unknown,,{},Cargo", r.mmsi, r.lat, r.lon, r.sog.abs(), r.name);
    }
    s
}

