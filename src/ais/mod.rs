//! AIS: ship position reports as analysts get them, one time-sorted track per vessel, and the
//! detectors that say where ships went dark, called at ports, waited and met.
//!
//! * `read`: the tables (NOAA MarineCadastre, Danish Maritime Authority, Global Fishing Watch,
//!   MarineTraffic, Spire, any table with a vessel, a time and a position), chosen by header,
//!   plain, gzip or zip; rows are parsed on two threads in blocks, so a file of ten million
//!   rows is never held whole.
//! * `nmea`: raw `!AIVDM`/`!AIVDO` sentences with their times.
//! * `tracks`: per-vessel sorting, duplicates, and positions too far from their neighbours to
//!   have been sailed (suspect).
//! * `shore`: distance from the embedded coastline, and the ports a call is made at.
//! * `detect`: gaps, port calls, loitering, encounters, with their thresholds and presets.
//! * `output`: events and tracks as CSV and GeoJSON, and as a map layer for the window.
//!
//! No GUI here; the window and `portolan ais` both use this module.

pub mod detect;
pub mod nmea;
pub mod output;
pub mod read;
pub mod shore;
pub mod time;
pub mod tracks;

use std::collections::BTreeMap;

/// One position report. 40 bytes: ten million fit in 400 MB.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fix {
    /// Unix seconds, UTC.
    pub t: i64,
    pub lon: f64,
    pub lat: f64,
    /// Speed over ground in knots; NaN when not available.
    pub sog: f32,
    /// Course over ground in degrees; NaN when not available.
    pub cog: f32,
    /// The line of the file the report came from (1-based).
    pub line: u32,
    /// True heading in degrees; 511 when not available (as AIS sends it).
    pub heading: u16,
    /// Too far from its neighbours to have been sailed: a bad fix or a spoofed position. Not
    /// drawn as travel and not used by the detectors.
    pub suspect: bool,
}

impl Fix {
    pub fn new(t: i64, lon: f64, lat: f64) -> Fix {
        Fix { t, lon, lat, sog: f32::NAN, cog: f32::NAN, line: 0, heading: 511, suspect: false }
    }
}

/// One vessel: its identifiers from the static fields (the first value seen of each) and its
/// positions, sorted by time once [`tracks::build`] has run.
#[derive(Clone, Debug, Default)]
pub struct Vessel {
    pub mmsi: u32,
    pub name: Option<String>,
    pub imo: Option<u32>,
    pub callsign: Option<String>,
    pub vessel_type: Option<String>,
    pub fixes: Vec<Fix>,
}

impl Vessel {
    /// The name, else "MMSI 273123456".
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| format!("MMSI {}", self.mmsi))
    }

    /// Fills identifiers not known yet.
    pub fn learn(&mut self, name: Option<&str>, imo: Option<u32>, callsign: Option<&str>, vessel_type: Option<&str>) {
        let fill = |slot: &mut Option<String>, v: Option<&str>| {
            if slot.is_none()
                && let Some(v) = v.map(str::trim).filter(|v| !v.is_empty())
            {
                *slot = Some(v.to_owned());
            }
        };
        fill(&mut self.name, name);
        fill(&mut self.callsign, callsign);
        fill(&mut self.vessel_type, vessel_type);
        if self.imo.is_none() {
            self.imo = imo.filter(|i| *i > 0);
        }
    }
}

/// The file formats, as told from the header (or, for NMEA, from the sentences).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// NOAA MarineCadastre, 2015–2024 column names (`MMSI`, `BaseDateTime`, `LAT`, `LON`, …).
    Noaa,
    /// NOAA MarineCadastre from 2024 on (`mmsi`, `base_date_time`, `latitude`, …).
    NoaaSnake,
    /// Danish Maritime Authority (`# Timestamp`, day-first times).
    Dma,
    /// Global Fishing Watch tracks (`seg_id`, lon before lat).
    Gfw,
    /// MarineTraffic exports (`SHIP_ID`, `SPEED` in tenths of a knot).
    MarineTraffic,
    /// Spire / exactEarth (`None` for missing values).
    Spire,
    /// Any other table with a vessel id, a time and a position.
    Generic,
    /// Raw `!AIVDM` / `!AIVDO` sentences.
    Nmea,
    /// An archive in PostGIS (`portolan db import-ais`).
    PostGis,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Noaa => "NOAA MarineCadastre CSV",
            Format::NoaaSnake => "NOAA MarineCadastre CSV (2024 columns)",
            Format::Dma => "Danish Maritime Authority CSV",
            Format::Gfw => "Global Fishing Watch tracks CSV",
            Format::MarineTraffic => "MarineTraffic export",
            Format::Spire => "Spire / exactEarth CSV",
            Format::Generic => "AIS table",
            Format::Nmea => "NMEA AIVDM/AIVDO",
            Format::PostGis => "PostGIS AIS archive",
        }
    }
}

/// Rows that could not be placed, by reason: how many, and the first lines of each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dropped {
    pub reasons: BTreeMap<&'static str, (u64, Vec<u64>)>,
}

/// Lines listed per reason; the rest are counted.
const LINES_LISTED: usize = 10;

impl Dropped {
    pub fn add(&mut self, reason: &'static str, line: u64) {
        let entry = self.reasons.entry(reason).or_default();
        entry.0 += 1;
        if entry.1.len() < LINES_LISTED {
            entry.1.push(line);
        }
    }

    pub fn total(&self) -> u64 {
        self.reasons.values().map(|r| r.0).sum()
    }

    pub fn merge(&mut self, other: Dropped) {
        for (reason, (count, lines)) in other.reasons {
            let entry = self.reasons.entry(reason).or_default();
            entry.0 += count;
            entry.1.extend(lines);
            entry.1.sort_unstable();
            entry.1.truncate(LINES_LISTED);
        }
    }

    /// "no position: 3 (lines 4, 9, 12)" per reason.
    pub fn lines(&self) -> Vec<String> {
        self.reasons
            .iter()
            .map(|(reason, (count, lines))| {
                let list = lines.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
                let more = if *count as usize > lines.len() { ", …" } else { "" };
                format!("{reason}: {count} (line{} {list}{more})", if lines.len() == 1 { "" } else { "s" })
            })
            .collect()
    }
}

/// What a file held: the vessels (tracks once built), the rows dropped and why, and notes
/// (duplicates removed, the date order chosen).
#[derive(Clone, Debug)]
pub struct AisData {
    pub format: Format,
    pub vessels: Vec<Vessel>,
    /// Rows (or sentences) read, placed or not.
    pub rows: u64,
    pub dropped: Dropped,
    pub notes: Vec<String>,
}

impl AisData {
    pub fn positions(&self) -> usize {
        self.vessels.iter().map(|v| v.fixes.len()).sum()
    }

    pub fn vessel(&self, mmsi: u32) -> Option<&Vessel> {
        self.vessels.iter().find(|v| v.mmsi == mmsi)
    }

    /// Appends another file's reports (the same vessel in several files becomes one track
    /// once [`tracks::build`] runs again).
    pub fn merge(&mut self, other: AisData) {
        let mut at: std::collections::HashMap<u32, usize> = self.vessels.iter().enumerate().map(|(i, v)| (v.mmsi, i)).collect();
        for v in other.vessels {
            match at.get(&v.mmsi) {
                Some(&i) => {
                    let mine = &mut self.vessels[i];
                    mine.learn(v.name.as_deref(), v.imo, v.callsign.as_deref(), v.vessel_type.as_deref());
                    mine.fixes.extend(v.fixes);
                }
                None => {
                    at.insert(v.mmsi, self.vessels.len());
                    self.vessels.push(v);
                }
            }
        }
        self.rows += other.rows;
        self.dropped.merge(other.dropped);
        self.notes.extend(other.notes);
    }
}

/// How an AIS file is analysed when it is read as a map layer: the thresholds, and ports
/// beyond the embedded ones (a case's sites, a point layer).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AisOptions {
    pub params: detect::Params,
    pub ports: Vec<shore::Port>,
}

/// Nautical mile in metres.
pub const NM: f64 = 1852.0;

/// Great-circle distance in metres (haversine, mean Earth radius).
pub fn distance_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    const R: f64 = 6_371_008.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R * a.sqrt().min(1.0).asin()
}

/// The speed in knots needed to go from `a` to `b` in the time between them (infinite when
/// they are at the same time and apart).
pub fn implied_knots(a: &Fix, b: &Fix) -> f64 {
    let d = distance_m(a.lon, a.lat, b.lon, b.lat) / NM;
    let h = (b.t - a.t).abs() as f64 / 3600.0;
    if h == 0.0 {
        if d < 0.01 { 0.0 } else { f64::INFINITY }
    } else {
        d / h
    }
}
