//! Seeded synthetic AIS: a small scenario with planted events (gaps, port calls, loitering,
//! encounters, suspect jumps) for the AIS reader and detector tests, a bulk generator for the
//! benchmark, and writers for the formats the reader accepts (NOAA old and new headers, DMA,
//! Global Fishing Watch, MarineTraffic, Spire, raw NMEA AIVDM, and a generic table).
//!
//! Included by tests with `#[path = "support/ais_gen.rs"] mod ais_gen;` and by
//! `examples/gen_ais.rs`. Same seed, same bytes: the random numbers come from a SplitMix64
//! written out here, dates from a days-from-civil conversion written out here.
//!
//! # The scenario (`scenario(seed)`)
//!
//! Twelve vessels between 2023-08-14 00:00 UTC and about 2023-08-17 00:00 UTC in the Sea of
//! Japan, Peter the Great Gulf, the Korean east coast and the Pacific east of Japan. Routes are
//! fixed (checked against the Natural Earth 1:10m land of `../shared/basemap`: every fix is in
//! the water); the seed changes times, speeds, durations, jitter, names and MMSIs. Ships report
//! every 2–6 minutes (some fixes nudged by up to a few tens of seconds, see port calls). Planted:
//!
//! * `gap`: the ship stops reporting for H hours and reappears where it would be (it kept
//!   sailing). start/end = the fixes either side, end − start = H h exactly. Four: 31 h far out
//!   in the Pacific (both ends > 150 nm from any coast; `likely_off`), 8 h along the Korean
//!   east coast (both ends 4–8 nm from the coast), 14 h starting ≈ 12 nm off the coast at the
//!   mouth of Peter the Great Gulf and ending ~80 nm out in the Sea of Japan, 7 h in the open
//!   Sea of Japan (both ends > 85 nm from any coast, but shorter than 12 h). Only the 31 h gap
//!   is `likely_off`. (Distances to the Natural Earth 1:10m coastline, over seeds 0–160.)
//!   No other interval between consecutive fixes of a vessel reaches 1 h (unplaceable rows
//!   dropped or not).
//! * `port_call` (Vladivostok, Nakhodka, Busan, Niigata; `PORTS`): the ship sails in (the last
//!   few km at 6 kn), lies within ~50 m of a berth ≤ 330 m from the port point (so within 1 km)
//!   at 0–0.2 kn for 10–30 h, and sails out. **start = the first fix within 3 km of the port
//!   point; end = the last fix within 4 km before the first fix beyond 4 km** (haversine, R =
//!   6371.0088 km), i.e. what a detector with entry radius 3 km and exit radius 4 km finds. No
//!   fix lies within 40 m of either radius (such fixes are moved by 40 s), so other distance
//!   formulas give the same answer.
//! * `loitering`: > 30 km from any port, 0.3–1.4 kn for 5–9 h, normal speed before and after;
//!   start/end = the first/last fix of the slow stretch. Two on their own, plus one for each
//!   vessel of each encounter (same start/end as the encounter).
//! * `encounter`: two vessels arrive at one point at sea at the same second, drift together
//!   (≈ 120 m apart, never 200 m, 0.3–1.4 kn) for 3–5 h and part. mmsi < other_mmsi. Both
//!   vessels have a fix at exactly start and exactly end.
//! * `suspect_jump`: one fix displaced by 3–8 degrees (great circle), the track then goes on as
//!   before; start = end = that fix's time.
//!
//! Also in the fixes: not-available values (heading 511, cog 360, sog 102.3) on some fixes
//! while sailing, and `unplaceable` fixes with lat 91 and lon 181; none of these is an end of a
//! planted event or next to one. `SynthVessel::fixes` holds every fix (unplaceable ones
//! included) in time order.
//!
//! # Written files (`write`)
//!
//! Every format writes the same rows in the same order ([`row_order`]): vessels interleaved,
//! blocks of rows shuffled locally, a few neighbouring rows of one vessel swapped, and
//! `duplicates` rows written twice (exact duplicates, next to each other before the block
//! shuffle). So every table has `fix_count + duplicates` data rows, and the NMEA file that many
//! type 1 sentences plus one two-sentence type 5 message per vessel. Not-available values are
//! written raw only where the source carries them raw (NOAA both headers, DMA, MarineTraffic,
//! Spire, NMEA); GFW and Generic write the vessel's previous available sog/cog instead.

#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

// ------------------------------------------------------------------------------------------
// Public types
// ------------------------------------------------------------------------------------------

/// A planted event: what a detector should find.
#[derive(Clone, Debug, PartialEq)]
pub struct Planted {
    /// "gap" | "port_call" | "loitering" | "encounter" | "suspect_jump"
    pub kind: &'static str,
    pub mmsi: u32,
    /// The other vessel of an encounter (always > mmsi).
    pub other_mmsi: Option<u32>,
    /// Unix seconds UTC.
    pub start: i64,
    pub end: i64,
    /// Gaps only: ≥ 12 h with both ends > 50 nm from shore.
    pub likely_off: bool,
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub vessels: Vec<SynthVessel>,
    /// Sorted by (start, kind, mmsi).
    pub planted: Vec<Planted>,
    /// Fixes with lat 91 / lon 181 (in `fixes`, written in every format).
    pub unplaceable: usize,
    /// Rows written twice by `write`.
    pub duplicates: usize,
    /// Decides the row order, the duplicates and the per-row choices of the writers.
    pub seed: u64,
}

#[derive(Clone, Debug)]
pub struct SynthVessel {
    pub mmsi: u32,
    pub name: String,
    /// 0: none.
    pub imo: u32,
    pub callsign: String,
    /// AIS ship type code (70 cargo, 80 tanker, 30 fishing, 60 passenger, …).
    pub vessel_type: u16,
    /// In time order.
    pub fixes: Vec<SynthFix>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SynthFix {
    pub t: i64,
    pub lon: f64,
    pub lat: f64,
    /// Knots, 0.1 steps; `SOG_NA` = not available.
    pub sog: f64,
    /// Degrees, 0.1 steps in [0, 360); `COG_NA` = not available.
    pub cog: f64,
    /// Degrees 0–359; `HEADING_NA` = not available.
    pub heading: u16,
}

pub const SOG_NA: f64 = 102.3;
pub const COG_NA: f64 = 360.0;
pub const HEADING_NA: u16 = 511;
pub const LAT_NA: f64 = 91.0;
pub const LON_NA: f64 = 181.0;

impl SynthFix {
    /// False for the lat 91 / lon 181 fixes.
    pub fn placeable(&self) -> bool {
        self.lat.abs() <= 90.0 && self.lon.abs() <= 180.0
    }
}

impl Scenario {
    pub fn fix_count(&self) -> usize {
        self.vessels.iter().map(|v| v.fixes.len()).sum()
    }
    /// Data rows every table format writes (NMEA: type 1 sentences).
    pub fn row_count(&self) -> usize {
        self.fix_count() + self.duplicates
    }
    pub fn vessel(&self, mmsi: u32) -> Option<&SynthVessel> {
        self.vessels.iter().find(|v| v.mmsi == mmsi)
    }
}

/// Ports used by the scenario: (name, lon, lat), Natural Earth coordinates.
pub const PORTS: [(&str, f64, f64); 4] = [
    ("Vladivostok", 131.89, 43.10),
    ("Nakhodka", 132.89, 42.80),
    ("Busan", 129.04, 35.10),
    ("Niigata", 139.05, 37.95),
];

/// 2023-08-14T00:00:00Z: the scenario starts here (a day > 12, so day-first and month-first
/// dates can be told apart from the first row on).
pub const SCENARIO_START: i64 = 1_691_971_200;
/// Bulk tracks start within a day of this (also 2023-08-14T00:00:00Z).
pub const BULK_START: i64 = SCENARIO_START;

/// Port-call radii the planted start/end follow (metres).
pub const PORT_ENTRY_M: f64 = 3000.0;
pub const PORT_EXIT_M: f64 = 4000.0;

// ------------------------------------------------------------------------------------------
// Random numbers
// ------------------------------------------------------------------------------------------

/// SplitMix64, written out so the output never depends on a crate version.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + self.unit() * (hi - lo)
    }
    /// Uniform in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// Uniform integer in [lo, hi].
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

/// A hash of three numbers (for per-row choices that must not depend on the order rows are
/// visited in).
fn mix(a: u64, b: u64, c: u64) -> u64 {
    let mut r = Rng(a ^ b.wrapping_mul(0xA24B_AED4_963E_E407) ^ c.wrapping_mul(0x9FB2_1C65_1E98_DF25));
    r.next_u64()
}

const SALT_DUP: u64 = 0xD0B1_E000;
const SALT_SWAP: u64 = 0x5A4B_0000;
const SALT_ROW: u64 = 0x0C0F_FEE0;
const SALT_ORDER: u64 = 0x0BDE_4000;

/// Whether fix `i` of vessel `mmsi` is written twice.
pub fn is_duplicated(seed: u64, mmsi: u32, i: usize) -> bool {
    mix(seed ^ SALT_DUP, mmsi as u64, i as u64) % 400 == 0
}

/// Whether fixes `i` and `i + 1` of vessel `mmsi` are written in swapped order (`i` even).
fn is_swapped(seed: u64, mmsi: u32, i: usize) -> bool {
    i % 2 == 0 && mix(seed ^ SALT_SWAP, mmsi as u64, i as u64) % 300 == 0
}

// ------------------------------------------------------------------------------------------
// Dates
// ------------------------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of `days_from_civil`).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A UTC moment split into fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utc {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

pub fn utc(t: i64) -> Utc {
    let (year, month, day) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400) as u32;
    Utc {
        year,
        month,
        day,
        hour: s / 3600,
        minute: s / 60 % 60,
        second: s % 60,
    }
}

pub fn unix(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> i64 {
    days_from_civil(year, month, day) * 86_400 + (hour * 3600 + minute * 60 + second) as i64
}

/// `2023-08-14T12:34:56Z`
pub fn iso(t: i64) -> String {
    let u = utc(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        u.year, u.month, u.day, u.hour, u.minute, u.second
    )
}

// ------------------------------------------------------------------------------------------
// Geometry (degrees, great circles on a sphere)
// ------------------------------------------------------------------------------------------

const R_KM: f64 = 6371.0088;
const KN_KMH: f64 = 1.852;

pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * R_KM * 1000.0 * a.sqrt().min(1.0).asin()
}

fn dist_km(a: [f64; 2], b: [f64; 2]) -> f64 {
    haversine_m(a[0], a[1], b[0], b[1]) / 1000.0
}

fn unit_vec(p: [f64; 2]) -> [f64; 3] {
    let (lo, la) = (p[0].to_radians(), p[1].to_radians());
    [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
}

fn from_vec(v: [f64; 3]) -> [f64; 2] {
    [v[1].atan2(v[0]).to_degrees(), v[2].atan2(v[0].hypot(v[1])).to_degrees()]
}

/// The point a fraction `f` of the way from a to b along the great circle.
fn slerp(a: [f64; 2], b: [f64; 2], f: f64) -> [f64; 2] {
    let (va, vb) = (unit_vec(a), unit_vec(b));
    let dot = (va[0] * vb[0] + va[1] * vb[1] + va[2] * vb[2]).clamp(-1.0, 1.0);
    let d = dot.acos();
    if d < 1e-12 {
        return a;
    }
    let s = d.sin();
    let (w1, w2) = (((1.0 - f) * d).sin() / s, (f * d).sin() / s);
    from_vec([
        w1 * va[0] + w2 * vb[0],
        w1 * va[1] + w2 * vb[1],
        w1 * va[2] + w2 * vb[2],
    ])
}

/// Initial great-circle bearing from a to b, degrees [0, 360).
fn bearing(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (p1, p2) = (a[1].to_radians(), b[1].to_radians());
    let dl = (b[0] - a[0]).to_radians();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    norm360(y.atan2(x).to_degrees())
}

/// The point `km` from p along the great circle leaving at `bearing_deg`.
fn destination(p: [f64; 2], bearing_deg: f64, km: f64) -> [f64; 2] {
    let d = km / R_KM;
    let (p1, l1, b) = (p[1].to_radians(), p[0].to_radians(), bearing_deg.to_radians());
    let p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * b.cos()).asin();
    let l2 = l1 + (b.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * p2.sin());
    [l2.to_degrees(), p2.to_degrees()]
}

/// p moved by metres east and north (flat, for offsets of metres to a few km).
fn offset_m(p: [f64; 2], east: f64, north: f64) -> [f64; 2] {
    [
        p[0] + east / (111_320.0 * p[1].to_radians().cos()),
        p[1] + north / 111_320.0,
    ]
}

fn norm360(d: f64) -> f64 {
    d.rem_euclid(360.0)
}

/// Course rounded to 0.1 degree in [0, 360).
fn round_cog(d: f64) -> f64 {
    ((norm360(d) * 10.0).round() as i64 % 3600) as f64 / 10.0
}

fn round_heading(d: f64) -> u16 {
    (norm360(d).round() as i64 % 360) as u16
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A random point within `r` metres of p (uniform over the disk).
fn jitter(rng: &mut Rng, p: [f64; 2], r: f64) -> [f64; 2] {
    let rr = r * rng.unit().sqrt();
    let a = rng.range(0.0, std::f64::consts::TAU);
    offset_m(p, rr * a.cos(), rr * a.sin())
}

// ------------------------------------------------------------------------------------------
// Tracks: legs in time, fixes sampled from them
// ------------------------------------------------------------------------------------------

enum Motion {
    /// Along a polyline of great-circle legs at constant speed.
    Sail {
        path: Vec<[f64; 2]>,
        cum_km: Vec<f64>,
        kn: f64,
    },
    /// Lying at a berth (jitter 50 m, 0–0.2 kn).
    Berth { center: [f64; 2], heading: f64 },
    /// Drifting from a point at a slow speed, offset by metres east/north (for encounters).
    Drift {
        from: [f64; 2],
        bearing: f64,
        kn: f64,
        east: f64,
        north: f64,
        heading: f64,
    },
}

struct Leg {
    t0: i64,
    t1: i64,
    motion: Motion,
}

impl Leg {
    fn hold(&self) -> bool {
        !matches!(self.motion, Motion::Sail { .. })
    }
}

fn path_km(from: [f64; 2], waypoints: &[[f64; 2]]) -> f64 {
    let mut prev = from;
    let mut sum = 0.0;
    for &w in waypoints {
        sum += dist_km(prev, w);
        prev = w;
    }
    sum
}

fn sail_secs(from: [f64; 2], waypoints: &[[f64; 2]], kn: f64) -> i64 {
    (path_km(from, waypoints) / (kn * KN_KMH) * 3600.0).round() as i64
}

struct Track {
    legs: Vec<Leg>,
    forced: Vec<i64>,
    gaps: Vec<(i64, i64)>,
    t: i64,
    pos: [f64; 2],
    end: Option<i64>,
}

impl Track {
    fn new(t: i64, pos: [f64; 2]) -> Self {
        Track {
            legs: Vec::new(),
            forced: vec![t],
            gaps: Vec::new(),
            t,
            pos,
            end: None,
        }
    }

    /// Sails from the current position through `waypoints` at `kn`.
    fn sail(&mut self, waypoints: &[[f64; 2]], kn: f64) {
        let mut path = vec![self.pos];
        path.extend_from_slice(waypoints);
        let mut cum_km = vec![0.0];
        for k in 1..path.len() {
            let d = dist_km(path[k - 1], path[k]);
            cum_km.push(cum_km[k - 1] + d);
        }
        let secs = sail_secs(self.pos, waypoints, kn);
        let t1 = self.t + secs;
        self.legs.push(Leg {
            t0: self.t,
            t1,
            motion: Motion::Sail { path, cum_km, kn },
        });
        self.t = t1;
        self.pos = *waypoints.last().expect("a waypoint");
    }

    /// Lies at a berth for `secs` (fixes forced at both ends).
    fn berth(&mut self, center: [f64; 2], secs: i64, heading: f64) {
        let t1 = self.t + secs;
        self.forced.push(self.t);
        self.forced.push(t1);
        self.legs.push(Leg {
            t0: self.t,
            t1,
            motion: Motion::Berth { center, heading },
        });
        self.t = t1;
        self.pos = center;
    }

    /// Drifts for `secs` (fixes forced at both ends); returns (start, end).
    #[allow(clippy::too_many_arguments)]
    fn drift(&mut self, secs: i64, bearing_deg: f64, kn: f64, east: f64, north: f64, heading: f64) -> (i64, i64) {
        let t0 = self.t;
        let t1 = t0 + secs;
        self.forced.push(t0);
        self.forced.push(t1);
        let from = self.pos;
        self.legs.push(Leg {
            t0,
            t1,
            motion: Motion::Drift {
                from,
                bearing: bearing_deg,
                kn,
                east,
                north,
                heading,
            },
        });
        self.t = t1;
        self.pos = destination(from, bearing_deg, kn * KN_KMH * secs as f64 / 3600.0);
        (t0, t1)
    }

    /// No fixes strictly between `start` and `start + secs` (both ends are fixes).
    fn gap(&mut self, start: i64, secs: i64) -> (i64, i64) {
        let g = (start, start + secs);
        self.forced.push(g.0);
        self.forced.push(g.1);
        self.gaps.push(g);
        g
    }

    /// The track ends at `t` (≤ the end of its legs).
    fn end_at(&mut self, t: i64) {
        assert!(t <= self.t, "track end {t} beyond its legs {}", self.t);
        self.end = Some(t);
    }

    fn end_time(&self) -> i64 {
        self.end.unwrap_or(self.t)
    }

    /// The leg for time t (a hold leg wins at a boundary).
    fn leg_at(&self, t: i64) -> &Leg {
        let mut best: Option<&Leg> = None;
        for leg in &self.legs {
            if leg.t0 <= t && t <= leg.t1 {
                if leg.hold() {
                    return leg;
                }
                best.get_or_insert(leg);
            }
        }
        best.unwrap_or_else(|| panic!("no leg at {t}"))
    }

    fn fix_at(&self, t: i64, rng: &mut Rng) -> SynthFix {
        let leg = self.leg_at(t);
        let (p, sog, cog, heading) = match &leg.motion {
            Motion::Sail { path, cum_km, kn } => {
                let total = *cum_km.last().unwrap();
                let d = (kn * KN_KMH * (t - leg.t0) as f64 / 3600.0).min(total);
                let mut k = 0;
                while k + 2 < path.len() && cum_km[k + 1] < d {
                    k += 1;
                }
                let seg = cum_km[k + 1] - cum_km[k];
                let f = if seg > 0.0 {
                    ((d - cum_km[k]) / seg).clamp(0.0, 1.0)
                } else {
                    1.0
                };
                let p = slerp(path[k], path[k + 1], f);
                let course = if dist_km(p, path[k + 1]) > 0.05 {
                    bearing(p, path[k + 1])
                } else {
                    bearing(path[k], path[k + 1])
                };
                let cog = course + rng.range(-1.5, 1.5);
                (p, kn + rng.range(-0.3, 0.3), cog, cog + rng.range(-3.0, 3.0))
            }
            Motion::Berth { center, heading } => {
                let p = jitter(rng, *center, 50.0);
                (
                    p,
                    rng.range(0.0, 0.2),
                    rng.range(0.0, 360.0),
                    heading + rng.range(-1.0, 1.0),
                )
            }
            Motion::Drift {
                from,
                bearing: b,
                kn,
                east,
                north,
                heading,
            } => {
                let c = destination(*from, *b, kn * KN_KMH * (t - leg.t0) as f64 / 3600.0);
                let p = jitter(rng, offset_m(c, *east, *north), 15.0);
                let sog = (kn + rng.range(-0.15, 0.15)).clamp(0.3, 1.4);
                (p, sog, b + rng.range(-20.0, 20.0), heading + rng.range(-5.0, 5.0))
            }
        };
        SynthFix {
            t,
            lon: round6(p[0]),
            lat: round6(p[1]),
            sog: round1(sog),
            cog: round_cog(cog),
            heading: round_heading(heading),
        }
    }

    /// The fixes, and whether each is forced (an end of a hold or a gap, or of the track).
    fn sample(&self, rng: &mut Rng) -> (Vec<SynthFix>, Vec<bool>) {
        let end = self.end_time();
        let mut forced: Vec<i64> = self.forced.iter().copied().filter(|&t| t <= end).collect();
        forced.push(end);
        forced.sort_unstable();
        forced.dedup();
        for &(a, b) in &self.gaps {
            assert!(!forced.iter().any(|&t| t > a && t < b), "a forced fix inside a gap");
        }
        let mut times = vec![(forced[0], true)];
        for w in forced.windows(2) {
            let (a, b) = (w[0], w[1]);
            if !self.gaps.contains(&(a, b)) {
                let mut t = a;
                loop {
                    let rem = b - t;
                    if rem <= 360 {
                        break;
                    }
                    let mut u = rng.int(120, 360);
                    if rem - u < 120 {
                        u = rem / 2;
                    }
                    t += u;
                    times.push((t, false));
                }
            }
            times.push((b, true));
        }
        let mut fixes: Vec<SynthFix> = times.iter().map(|&(t, _)| self.fix_at(t, rng)).collect();
        let flags: Vec<bool> = times.iter().map(|&(_, f)| f).collect();
        // Keep fixes off the port-call radii, so the planted start/end do not depend on the
        // distance formula or on rounding.
        for k in 1..fixes.len().saturating_sub(1) {
            if flags[k] {
                continue;
            }
            let before = fixes[k].t - fixes[k - 1].t;
            let after = fixes[k + 1].t - fixes[k].t;
            let step = if after > before { 40 } else { -40 };
            for _ in 0..(before.max(after) - 60) / 40 {
                if !near_port_radius(&fixes[k]) {
                    break;
                }
                let t = fixes[k].t + step;
                fixes[k] = self.fix_at(t, rng);
            }
            assert!(!near_port_radius(&fixes[k]), "fix stays near a port radius");
        }
        (fixes, flags)
    }
}

fn near_port_radius(f: &SynthFix) -> bool {
    PORTS.iter().any(|&(_, lon, lat)| {
        let d = haversine_m(f.lon, f.lat, lon, lat);
        (d - PORT_ENTRY_M).abs() < 40.0 || (d - PORT_EXIT_M).abs() < 40.0
    })
}

fn min_port_km(lon: f64, lat: f64) -> f64 {
    PORTS
        .iter()
        .map(|&(_, plon, plat)| haversine_m(lon, lat, plon, plat) / 1000.0)
        .fold(f64::INFINITY, f64::min)
}

// ------------------------------------------------------------------------------------------
// Vessel identities
// ------------------------------------------------------------------------------------------

const NAME_A: [&str; 14] = [
    "PACIFIC", "OCEAN", "NORTH", "GOLDEN", "EAST", "SEA", "BRIGHT", "GRAND", "SILVER", "POLAR", "AMUR", "NEW", "KOREA",
    "BLUE",
];
const NAME_B: [&str; 14] = [
    "STAR", "PIONEER", "WAVE", "GLORY", "HARMONY", "BREEZE", "FORTUNE", "SPIRIT", "VOYAGER", "TRADER", "PEARL",
    "EAGLE", "DAWN", "LINK",
];

/// Maritime identification digits used: Russia, Korea, Japan, DPRK, Panama, China, Liberia,
/// Marshall Islands.
const MIDS: [u32; 8] = [273, 440, 431, 445, 352, 412, 636, 538];

fn callsign_prefix(mid: u32) -> &'static str {
    match mid {
        273 => "U",
        440 => "DS",
        431 => "J",
        445 => "HM",
        352 => "3E",
        412 => "B",
        636 => "A8",
        _ => "V7",
    }
}

struct Identity {
    mmsi: u32,
    name: String,
    imo: u32,
    callsign: String,
    vessel_type: u16,
}

fn imo_number(rng: &mut Rng) -> u32 {
    let body = rng.int(900_000, 999_999) as u32;
    let digits: Vec<u32> = body.to_string().bytes().map(|b| (b - b'0') as u32).collect();
    let check: u32 = digits.iter().zip([7, 6, 5, 4, 3, 2]).map(|(d, w)| d * w).sum::<u32>() % 10;
    body * 10 + check
}

fn identity(rng: &mut Rng, mid: u32, vessel_type: u16, with_imo: bool, used: &mut Vec<(u32, String)>) -> Identity {
    let mmsi = loop {
        let m = mid * 1_000_000 + rng.int(100_000, 999_999) as u32;
        if !used.iter().any(|u| u.0 == m) {
            break m;
        }
    };
    let name = loop {
        let n = format!(
            "{} {}",
            NAME_A[rng.below(NAME_A.len() as u64) as usize],
            NAME_B[rng.below(NAME_B.len() as u64) as usize]
        );
        if !used.iter().any(|u| u.1 == n) {
            break n;
        }
    };
    used.push((mmsi, name.clone()));
    let imo = if with_imo { imo_number(rng) } else { 0 };
    let mut callsign = callsign_prefix(mid).to_string();
    while callsign.len() < 5 {
        let c = rng.below(36) as u8;
        callsign.push(if c < 26 {
            (b'A' + c) as char
        } else {
            (b'0' + c - 26) as char
        });
    }
    Identity {
        mmsi,
        name,
        imo,
        callsign,
        vessel_type,
    }
}

/// Length, width (m) and draught (m) of a vessel, from its type and MMSI.
fn dimensions(v: &SynthVessel) -> (u32, u32, f64) {
    let h = mix(0xD1_3E45, v.mmsi as u64, 0);
    let (base, spread) = match v.vessel_type {
        30..=39 => (28, 30),
        50..=59 => (25, 15),
        60..=69 => (150, 50),
        80..=89 => (100, 90),
        _ => (110, 90),
    };
    let length = base + (h % spread) as u32;
    let width = (length / 6).max(6) + ((h >> 20) % 4) as u32;
    let draught = round1(length as f64 / 22.0 + ((h >> 30) % 10) as f64 / 10.0);
    (length, width, draught)
}

const DESTINATIONS: [&str; 6] = ["VLADIVOSTOK", "NAKHODKA", "BUSAN", "NIIGATA", "YOKOHAMA", "SHANGHAI"];

fn destination_of(v: &SynthVessel) -> &'static str {
    DESTINATIONS[(mix(0xDE57, v.mmsi as u64, 0) % DESTINATIONS.len() as u64) as usize]
}

// ------------------------------------------------------------------------------------------
// The scenario
// ------------------------------------------------------------------------------------------

const VLA_BERTH: [f64; 2] = [131.89, 43.10];
const NAK_BERTH: [f64; 2] = [132.8935, 42.8015];
const BUS_BERTH: [f64; 2] = [129.0425, 35.098];
const NII_BERTH: [f64; 2] = [139.049, 37.952];
const HARBOUR_KN: f64 = 6.0;

/// One vessel of the scenario while it is being built.
struct Plan {
    id: Identity,
    track: Track,
    /// Index into PORTS of a port call.
    port: Option<usize>,
    /// (time after which the jump fix is taken, bearing range, distance range in degrees)
    jump: Option<(i64, (f64, f64), (f64, f64))>,
    /// Loitering/encounter stretches: (start, end).
    holds: Vec<(i64, i64)>,
    /// Gaps: (start, end, likely_off).
    gaps: Vec<(i64, i64, bool)>,
}

fn plan(id: Identity, track: Track) -> Plan {
    Plan {
        id,
        track,
        port: None,
        jump: None,
        holds: Vec::new(),
        gaps: Vec::new(),
    }
}

/// The small scenario: 12 vessels over ~3 days, every planted kind at least twice (see the
/// module documentation).
pub fn scenario(seed: u64) -> Scenario {
    let mut rng = Rng::new(seed ^ 0x5CE7_A210_0000_0001);
    let t0 = SCENARIO_START;
    let h = |x: f64| (x * 3600.0).round() as i64;
    let mut used = Vec::new();
    let mut plans: Vec<Plan> = Vec::new();

    // V0: eastbound far out in the Pacific; 31 h gap with both ends > 100 nm from any coast.
    {
        let id = identity(&mut rng, 352, 70, true, &mut used);
        let kn = rng.range(10.0, 14.0);
        let start = t0 + h(rng.range(0.5, 3.0));
        let mut tr = Track::new(start, [144.5, 38.0]);
        tr.sail(&[[158.5, 41.8]], kn);
        let g = tr.gap(start + h(rng.range(3.0, 5.0)), h(31.0));
        let end = (t0 + h(rng.range(60.0, 70.0))).min(tr.t);
        tr.end_at(end);
        let mut p = plan(id, tr);
        p.gaps.push((g.0, g.1, true));
        p.jump = Some((g.1 + h(rng.range(5.0, 8.0)), (200.0, 250.0), (3.0, 6.0)));
        plans.push(p);
    }

    // V1: Busan port call, then north along the Korean east coast with an 8 h gap near shore.
    {
        let id = identity(&mut rng, 440, 71, true, &mut used);
        let kn = rng.range(11.0, 13.0);
        let mut tr = Track::new(t0 + h(rng.range(0.0, 2.0)), [128.6, 34.45]);
        tr.sail(&[[129.03, 35.02]], kn);
        tr.sail(&[[129.033, 35.07], [129.04, 35.09], BUS_BERTH], HARBOUR_KN);
        tr.berth(BUS_BERTH, h(rng.range(10.0, 30.0)), rng.range(0.0, 360.0));
        tr.sail(&[[129.04, 35.09], [129.033, 35.07], [129.03, 35.02]], HARBOUR_KN);
        tr.sail(&[[129.25, 35.05], [129.55, 35.40]], kn);
        let gs = tr.t + h(rng.range(0.0, 0.5));
        tr.sail(
            &[
                [129.72, 36.05],
                [129.62, 36.6],
                [129.52, 37.1],
                [129.30, 37.55],
                [128.85, 38.2],
            ],
            kn,
        );
        let g = tr.gap(gs, h(8.0));
        tr.end_at(g.1 + h(rng.range(2.0, 4.0)));
        let mut p = plan(id, tr);
        p.port = Some(2);
        p.gaps.push((g.0, g.1, false));
        plans.push(p);
    }

    // V2: Vladivostok port call, then south; a 14 h gap starting ~12–16 nm off the coast.
    {
        let id = identity(&mut rng, 273, 70, true, &mut used);
        let kn = rng.range(10.0, 13.0);
        let mut tr = Track::new(t0 + h(rng.range(0.0, 4.0)), [132.2, 42.3]);
        tr.sail(&[[132.05, 42.8], [132.0, 43.0]], kn);
        tr.sail(
            &[
                [131.95, 43.064],
                [131.89, 43.078],
                [131.879, 43.088],
                [131.885, 43.095],
                VLA_BERTH,
            ],
            HARBOUR_KN,
        );
        tr.berth(VLA_BERTH, h(rng.range(10.0, 30.0)), rng.range(0.0, 360.0));
        tr.sail(
            &[
                [131.885, 43.095],
                [131.879, 43.088],
                [131.89, 43.078],
                [131.95, 43.064],
                [132.0, 43.0],
            ],
            HARBOUR_KN,
        );
        tr.sail(&[[132.05, 42.8]], kn);
        let gs = tr.t + h(rng.range(0.0, 0.3));
        tr.sail(&[[131.2, 40.0], [130.0, 37.0]], kn);
        let g = tr.gap(gs, h(14.0));
        tr.end_at(g.1 + h(rng.range(2.0, 4.0)));
        let mut p = plan(id, tr);
        p.port = Some(0);
        p.gaps.push((g.0, g.1, false));
        plans.push(p);
    }

    // V3: across the Sea of Japan; a 7 h gap in the open sea (far from shore, but < 12 h).
    {
        let id = identity(&mut rng, 636, 80, true, &mut used);
        let kn = rng.range(10.0, 13.0);
        let mut tr = Track::new(t0 + h(rng.range(6.0, 12.0)), [130.0, 36.3]);
        tr.sail(&[[133.18, 38.32]], kn);
        let gs = tr.t + h(rng.range(0.0, 1.0));
        tr.sail(&[[138.5, 41.3]], kn);
        let g = tr.gap(gs, h(7.0));
        let mut p = plan(id, tr);
        p.gaps.push((g.0, g.1, false));
        plans.push(p);
    }

    // V4: Niigata port call (passenger ship from the west, leaving north-west).
    {
        let id = identity(&mut rng, 431, 60, true, &mut used);
        let kn = rng.range(11.0, 14.0);
        let mut tr = Track::new(t0 + h(rng.range(2.0, 6.0)), [136.8, 38.9]);
        tr.sail(&[[138.2, 38.75], [139.0, 38.15]], kn);
        tr.sail(&[NII_BERTH], HARBOUR_KN);
        tr.berth(NII_BERTH, h(rng.range(10.0, 30.0)), rng.range(0.0, 360.0));
        tr.sail(&[[139.0, 38.15]], HARBOUR_KN);
        tr.sail(&[[137.5, 40.0]], kn);
        let mut p = plan(id, tr);
        p.port = Some(3);
        plans.push(p);
    }

    // V5: a fishing vessel loitering in the middle of the Sea of Japan.
    {
        let id = identity(&mut rng, 412, 30, false, &mut used);
        let kn = rng.range(9.0, 11.0);
        let mut tr = Track::new(t0 + h(rng.range(0.0, 10.0)), [131.5, 38.0]);
        tr.sail(&[[133.7, 39.4]], kn);
        let hd = rng.range(0.0, 360.0);
        let s = tr.drift(
            h(rng.range(5.0, 9.0)),
            rng.range(0.0, 360.0),
            rng.range(0.5, 1.2),
            0.0,
            0.0,
            hd,
        );
        tr.sail(&[[135.5, 40.5], [137.5, 41.5]], kn);
        let mut p = plan(id, tr);
        p.holds.push(s);
        plans.push(p);
    }

    // V6: loitering in the Pacific east of Japan.
    {
        let id = identity(&mut rng, 538, 79, true, &mut used);
        let kn = rng.range(10.0, 14.0);
        let mut tr = Track::new(t0 + h(rng.range(0.0, 12.0)), [142.5, 35.5]);
        tr.sail(&[[146.5, 36.7]], kn);
        let hd = rng.range(0.0, 360.0);
        let s = tr.drift(
            h(rng.range(5.0, 9.0)),
            rng.range(0.0, 360.0),
            rng.range(0.5, 1.2),
            0.0,
            0.0,
            hd,
        );
        tr.sail(&[[150.0, 37.5], [152.0, 38.0]], kn);
        let mut p = plan(id, tr);
        p.holds.push(s);
        plans.push(p);
    }

    // V7 + V8 and V9 + V10: encounters (ship-to-ship) in the open Sea of Japan.
    let encounters = [
        // (meeting point, from A, after A, from B, after B, meeting time range (h), MIDs, types)
        (
            [131.6, 40.6],
            [133.3, 42.3],
            [133.6, 42.0],
            [129.8, 38.0],
            [130.2, 38.8],
            (19.0, 24.0),
            (273, 445),
            (80, 70),
        ),
        (
            [137.2, 41.3],
            [139.2, 40.6],
            [138.6, 39.6],
            [135.0, 42.4],
            [135.6, 43.0],
            (40.0, 46.0),
            (352, 273),
            (84, 70),
        ),
    ];
    let mut encounter_pairs = Vec::new();
    for (m, a_from, a_after, b_from, b_after, (lo, hi), (mid_a, mid_b), (ty_a, ty_b)) in encounters {
        let id_a = identity(&mut rng, mid_a, ty_a, true, &mut used);
        let id_b = identity(&mut rng, mid_b, ty_b, mid_b != 445, &mut used);
        let meet = t0 + h(rng.range(lo, hi));
        let secs = h(rng.range(3.0, 5.0));
        let (bearing_d, kn_d) = (rng.range(0.0, 360.0), rng.range(0.5, 1.0));
        let side = (bearing_d + 90.0).to_radians();
        let (e, n) = (60.0 * side.sin(), 60.0 * side.cos());
        let hd = rng.range(0.0, 360.0);
        let mut out = Vec::new();
        for (id, from, after, sign) in [(id_a, a_from, a_after, 1.0), (id_b, b_from, b_after, -1.0)] {
            let kn = rng.range(10.0, 13.0);
            let mut tr = Track::new(meet - sail_secs(from, &[m], kn), from);
            tr.sail(&[m], kn);
            assert_eq!(tr.t, meet);
            let s = tr.drift(
                secs,
                bearing_d,
                kn_d,
                sign * e,
                sign * n,
                hd + if sign > 0.0 { 0.0 } else { 8.0 },
            );
            tr.sail(&[after], kn);
            tr.end_at((s.1 + h(rng.range(6.0, 9.0))).min(tr.t));
            let mut p = plan(id, tr);
            p.holds.push(s);
            out.push(p);
        }
        let s = out[0].holds[0];
        encounter_pairs.push((out[0].id.mmsi, out[1].id.mmsi, s));
        plans.extend(out);
    }

    // V11: Nakhodka port call, then south-east with a suspect jump in the open sea.
    {
        let id = identity(&mut rng, 445, 70, true, &mut used);
        let kn = rng.range(10.0, 13.0);
        let mut tr = Track::new(t0 + h(rng.range(0.0, 6.0)), [133.5, 41.9]);
        tr.sail(&[[132.93, 42.65]], kn);
        tr.sail(&[[132.915, 42.78], [132.912, 42.797], NAK_BERTH], HARBOUR_KN);
        tr.berth(NAK_BERTH, h(rng.range(10.0, 30.0)), rng.range(0.0, 360.0));
        tr.sail(&[[132.912, 42.797], [132.915, 42.78], [132.93, 42.65]], HARBOUR_KN);
        tr.sail(&[[134.3, 41.0]], kn);
        let jump_after = tr.t + h(rng.range(0.5, 1.5));
        tr.sail(&[[136.0, 39.8]], kn);
        tr.end_at(jump_after + h(rng.range(3.0, 5.0)));
        let mut p = plan(id, tr);
        p.port = Some(1);
        p.jump = Some((jump_after, (200.0, 230.0), (3.0, 4.0)));
        plans.push(p);
    }

    // Sample the fixes, then plant the special rows.
    let mut vessels = Vec::new();
    let mut planted = Vec::new();
    let mut candidates: Vec<Vec<usize>> = Vec::new();
    for p in &plans {
        let (mut fixes, forced) = p.track.sample(&mut rng);
        // Fixes that may carry odd values: sailing, away from planted ends and from ports.
        let forced_idx: Vec<usize> = (0..fixes.len()).filter(|&k| forced[k]).collect();
        let sailing = |k: usize, fixes: &[SynthFix]| {
            let f = &fixes[k];
            !p.track.leg_at(f.t).hold()
                && forced_idx.iter().all(|&j| j.abs_diff(k) >= 4)
                && min_port_km(f.lon, f.lat) > 10.0
        };
        let cand: Vec<usize> = (0..fixes.len()).filter(|&k| sailing(k, &fixes)).collect();
        let v = SynthVessel {
            mmsi: p.id.mmsi,
            name: p.id.name.clone(),
            imo: p.id.imo,
            callsign: p.id.callsign.clone(),
            vessel_type: p.id.vessel_type,
            fixes: Vec::new(),
        };
        for &(a, b, likely_off) in &p.gaps {
            planted.push(Planted {
                kind: "gap",
                mmsi: v.mmsi,
                other_mmsi: None,
                start: a,
                end: b,
                likely_off,
            });
        }
        // A slow stretch is loitering only from 4 h on (an encounter's drift may be shorter).
        for &(a, b) in p.holds.iter().filter(|(a, b)| b - a >= 4 * 3600) {
            planted.push(Planted {
                kind: "loitering",
                mmsi: v.mmsi,
                other_mmsi: None,
                start: a,
                end: b,
                likely_off: false,
            });
        }
        if let Some(port) = p.port {
            let (_, plon, plat) = PORTS[port];
            let d = |f: &SynthFix| haversine_m(f.lon, f.lat, plon, plat);
            let first = fixes
                .iter()
                .position(|f| d(f) <= PORT_ENTRY_M)
                .expect("port call entry");
            let out = first
                + fixes[first..]
                    .iter()
                    .position(|f| d(f) > PORT_EXIT_M)
                    .expect("port call exit");
            planted.push(Planted {
                kind: "port_call",
                mmsi: v.mmsi,
                other_mmsi: None,
                start: fixes[first].t,
                end: fixes[out - 1].t,
                likely_off: false,
            });
        }
        if let Some((after, (b0, b1), (d0, d1))) = p.jump {
            let k = *cand.iter().find(|&&k| fixes[k].t >= after).expect("a fix for the jump");
            let f = &mut fixes[k];
            let q = destination([f.lon, f.lat], rng.range(b0, b1), rng.range(d0, d1) * R_KM.to_radians());
            f.lon = round6(q[0]);
            f.lat = round6(q[1]);
            planted.push(Planted {
                kind: "suspect_jump",
                mmsi: v.mmsi,
                other_mmsi: None,
                start: f.t,
                end: f.t,
                likely_off: false,
            });
        }
        vessels.push((v, fixes));
        candidates.push(cand);
    }
    for &(a, b, (s, e)) in &encounter_pairs {
        let (lo, hi) = (a.min(b), a.max(b));
        planted.push(Planted {
            kind: "encounter",
            mmsi: lo,
            other_mmsi: Some(hi),
            start: s,
            end: e,
            likely_off: false,
        });
    }

    // Special rows on candidate fixes, apart from each other and from the jumps.
    let mut special: Vec<Vec<usize>> = vessels
        .iter()
        .map(|(v, fixes)| {
            planted
                .iter()
                .filter(|p| p.kind == "suspect_jump" && p.mmsi == v.mmsi)
                .map(|p| fixes.iter().position(|f| f.t == p.start).unwrap())
                .collect()
        })
        .collect();
    let free = |special: &[usize], k: usize| special.iter().all(|&j| j.abs_diff(k) >= 3);
    let mut unplaceable = 0;
    while unplaceable < 6 {
        let vi = rng.below(vessels.len() as u64) as usize;
        let cand = &candidates[vi];
        let k = cand[rng.below(cand.len() as u64) as usize];
        if !free(&special[vi], k) {
            continue;
        }
        let f = &mut vessels[vi].1[k];
        f.lat = LAT_NA;
        f.lon = LON_NA;
        special[vi].push(k);
        unplaceable += 1;
    }
    for (vi, (_, fixes)) in vessels.iter_mut().enumerate() {
        for &k in &candidates[vi] {
            let (a, b, c) = (rng.unit(), rng.unit(), rng.unit());
            if !free(&special[vi], k) {
                continue;
            }
            let f = &mut fixes[k];
            if a < 0.03 {
                f.heading = HEADING_NA;
            }
            if b < 0.006 {
                f.cog = COG_NA;
            }
            if c < 0.004 {
                f.sog = SOG_NA;
            }
        }
    }

    let vessels: Vec<SynthVessel> = vessels
        .into_iter()
        .map(|(v, fixes)| SynthVessel { fixes, ..v })
        .collect();
    finish(vessels, planted, unplaceable, seed)
}

fn finish(vessels: Vec<SynthVessel>, mut planted: Vec<Planted>, unplaceable: usize, seed: u64) -> Scenario {
    planted.sort_by(|a, b| (a.start, a.kind, a.mmsi).cmp(&(b.start, b.kind, b.mmsi)));
    let duplicates = vessels
        .iter()
        .map(|v| (0..v.fixes.len()).filter(|&i| is_duplicated(seed, v.mmsi, i)).count())
        .sum();
    Scenario {
        vessels,
        planted,
        unplaceable,
        duplicates,
        seed,
    }
}

// ------------------------------------------------------------------------------------------
// Bulk
// ------------------------------------------------------------------------------------------

/// Open-sea boxes (lon0, lat0, lon1, lat1): the Pacific east of Japan and the middle of the Sea
/// of Japan. Track points are drawn 0.5° inside them, where there is no land and every point is
/// > 90 nm from any coast (Natural Earth 1:10m).
const BULK_BOXES: [[f64; 4]; 2] = [[145.0, 32.0, 159.0, 42.0], [132.0, 38.5, 137.0, 41.5]];

/// `vessels` tracks of exactly `positions` fixes each (2–6 min apart, 10–14 kn, straight legs
/// between random points of an open-sea box), starting within a day of `BULK_START`. About 30%
/// of the vessels have one gap of 1.5–40 h (planted; `likely_off` when ≥ 12 h, as every point
/// of the boxes is > 90 nm from shore), some Pacific vessels one suspect jump (planted), some
/// fixes unplaceable or with not-available values, and the usual duplicates.
pub fn bulk(seed: u64, vessels: usize, positions: usize) -> Scenario {
    assert!(vessels <= 900_000, "at most 900,000 vessels");
    let mut rng = Rng::new(seed ^ 0xB01C_0000_0000_0002);
    let mut out = Vec::with_capacity(vessels);
    let mut planted = Vec::new();
    let mut unplaceable = 0;
    for k in 0..vessels {
        let mid = MIDS[rng.below(MIDS.len() as u64) as usize];
        let vessel_type = [70u16, 71, 79, 80, 84, 30, 60, 52][rng.below(8) as usize];
        let name = format!(
            "{} {} {}",
            NAME_A[rng.below(NAME_A.len() as u64) as usize],
            NAME_B[rng.below(NAME_B.len() as u64) as usize],
            k + 1
        );
        let imo = if rng.unit() < 0.85 { imo_number(&mut rng) } else { 0 };
        let mut callsign = callsign_prefix(mid).to_string();
        while callsign.len() < 6 {
            callsign.push((b'A' + rng.below(26) as u8) as char);
        }
        let mmsi = mid * 1_000_000 + 100_000 + k as u32;
        let pacific = rng.unit() < 0.7;
        let bx = BULK_BOXES[if pacific { 0 } else { 1 }];
        let point = |rng: &mut Rng| [rng.range(bx[0] + 0.5, bx[2] - 0.5), rng.range(bx[1] + 0.5, bx[3] - 0.5)];
        let mut pos = point(&mut rng);
        let mut target = point(&mut rng);
        let mut kn = rng.range(10.0, 14.0);
        let mut t = BULK_START + rng.int(0, 86_400);
        let n = positions;
        let gap = if n >= 8 && rng.unit() < 0.3 {
            Some((
                rng.int(n as i64 / 4, 3 * n as i64 / 4) as usize,
                (rng.range(1.5, 40.0) * 3600.0).round() as i64,
            ))
        } else {
            None
        };
        let jump = if n >= 16 && pacific && rng.unit() < 0.1 {
            Some(rng.int(4, n as i64 - 5) as usize)
        } else {
            None
        };
        let lost = if n >= 16 && rng.unit() < 0.2 {
            Some(rng.int(4, n as i64 - 5) as usize)
        } else {
            None
        };
        let mut fixes = Vec::with_capacity(n);
        for i in 0..n {
            if i > 0 {
                let dt = match gap {
                    Some((g, secs)) if g == i => secs,
                    _ => rng.int(120, 360),
                };
                t += dt;
                let mut km = kn * KN_KMH * dt as f64 / 3600.0;
                loop {
                    let left = dist_km(pos, target);
                    if left > km {
                        pos = destination(pos, bearing(pos, target), km);
                        break;
                    }
                    km -= left;
                    pos = target;
                    target = point(&mut rng);
                    kn = rng.range(10.0, 14.0);
                }
            }
            let course = bearing(pos, target) + rng.range(-1.5, 1.5);
            let mut f = SynthFix {
                t,
                lon: round6(pos[0]),
                lat: round6(pos[1]),
                sog: round1(kn + rng.range(-0.3, 0.3)),
                cog: round_cog(course),
                heading: round_heading(course + rng.range(-3.0, 3.0)),
            };
            let odd = gap.is_some_and(|(g, _)| i + 1 == g || i == g) || i == 0 || i + 1 == n;
            if jump == Some(i) && !odd {
                for _ in 0..50 {
                    let q = point(&mut rng);
                    let deg = dist_km(pos, q) / R_KM.to_radians();
                    if (3.0..=8.0).contains(&deg) {
                        f.lon = round6(q[0]);
                        f.lat = round6(q[1]);
                        planted.push(Planted {
                            kind: "suspect_jump",
                            mmsi,
                            other_mmsi: None,
                            start: t,
                            end: t,
                            likely_off: false,
                        });
                        break;
                    }
                }
            } else if lost == Some(i) && !odd && jump.is_none_or(|j| j.abs_diff(i) >= 3) {
                f.lon = LON_NA;
                f.lat = LAT_NA;
                unplaceable += 1;
            } else if !odd {
                let r = rng.unit();
                if r < 0.03 {
                    f.heading = HEADING_NA;
                } else if r < 0.036 {
                    f.cog = COG_NA;
                } else if r < 0.04 {
                    f.sog = SOG_NA;
                }
            }
            fixes.push(f);
        }
        if let Some((g, secs)) = gap {
            let start = fixes[g - 1].t;
            planted.push(Planted {
                kind: "gap",
                mmsi,
                other_mmsi: None,
                start,
                end: start + secs,
                likely_off: secs >= 12 * 3600,
            });
        }
        out.push(SynthVessel {
            mmsi,
            name,
            imo,
            callsign,
            vessel_type,
            fixes,
        });
    }
    finish(out, planted, unplaceable, seed)
}

// ------------------------------------------------------------------------------------------
// Row order
// ------------------------------------------------------------------------------------------

/// The order `write` writes rows in: (vessel index, fix index), duplicates included. Vessels
/// interleaved by time, a few neighbouring fixes of one vessel swapped, duplicated fixes twice
/// in a row, then blocks of 4–40 rows shuffled within a window of six blocks.
pub fn row_order(s: &Scenario) -> Vec<(u32, u32)> {
    let mut heap = BinaryHeap::with_capacity(s.vessels.len());
    for (vi, v) in s.vessels.iter().enumerate() {
        if let Some(f) = v.fixes.first() {
            heap.push(Reverse((f.t, vi as u32, 0u32)));
        }
    }
    let mut out = Vec::with_capacity(s.row_count());
    let mut window: Vec<Vec<(u32, u32)>> = Vec::new();
    let mut rng = Rng::new(s.seed ^ SALT_ORDER);
    let mut block = Vec::new();
    let mut want = rng.int(4, 40) as usize;
    let mut emit = |e: (u32, u32),
                    block: &mut Vec<(u32, u32)>,
                    window: &mut Vec<Vec<(u32, u32)>>,
                    rng: &mut Rng,
                    out: &mut Vec<(u32, u32)>| {
        block.push(e);
        if block.len() >= want {
            window.push(std::mem::take(block));
            want = rng.int(4, 40) as usize;
            if window.len() == 6 {
                let k = rng.below(6) as usize;
                out.extend(window.swap_remove(k));
            }
        }
    };
    while let Some(Reverse((_, vi, i))) = heap.pop() {
        let v = &s.vessels[vi as usize];
        let (i, n) = (i as usize, v.fixes.len());
        if i + 1 < n {
            heap.push(Reverse((v.fixes[i + 1].t, vi, i as u32 + 1)));
        }
        let j = if i + 1 < n && is_swapped(s.seed, v.mmsi, i) {
            i + 1
        } else if i >= 1 && is_swapped(s.seed, v.mmsi, i - 1) {
            i - 1
        } else {
            i
        };
        emit((vi, j as u32), &mut block, &mut window, &mut rng, &mut out);
        if is_duplicated(s.seed, v.mmsi, j) {
            emit((vi, j as u32), &mut block, &mut window, &mut rng, &mut out);
        }
    }
    if !block.is_empty() {
        window.push(block);
    }
    while !window.is_empty() {
        let k = rng.below(window.len() as u64) as usize;
        out.extend(window.swap_remove(k));
    }
    out
}

// ------------------------------------------------------------------------------------------
// Writers
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Noaa,
    NoaaSnake,
    Dma,
    Gfw,
    MarineTraffic,
    Spire,
    Nmea,
    Generic,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Noaa,
        Format::NoaaSnake,
        Format::Dma,
        Format::Gfw,
        Format::MarineTraffic,
        Format::Spire,
        Format::Nmea,
        Format::Generic,
    ];

    /// Short name, used in file names (`scenario.<name>.csv`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Noaa => "noaa",
            Format::NoaaSnake => "noaa_snake",
            Format::Dma => "dma",
            Format::Gfw => "gfw",
            Format::MarineTraffic => "marinetraffic",
            Format::Spire => "spire",
            Format::Nmea => "nmea",
            Format::Generic => "generic",
        }
    }

    /// The header row (None for NMEA).
    pub fn header(self) -> Option<&'static str> {
        Some(match self {
            Format::Noaa => {
                "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass"
            }
            Format::NoaaSnake => {
                "mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign,vessel_type,status,length,width,draft,cargo,transceiver"
            }
            Format::Dma => {
                "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,Destination,ETA,Data source type,A,B,C,D"
            }
            Format::Gfw => "ssvid,seg_id,timestamp,lon,lat,speed_knots,course",
            Format::MarineTraffic => {
                "MMSI,IMO,SHIP_ID,SHIPNAME,CALLSIGN,SHIPTYPE,LAT,LON,SPEED,HEADING,COURSE,STATUS,TIMESTAMP"
            }
            Format::Spire => {
                "timestamp,mmsi,imo,name,call_sign,ship_type,longitude,latitude,speed,course,heading,nav_status,msg_type"
            }
            Format::Generic => "vessel_id,time,latitude,longitude,speed",
            Format::Nmea => return None,
        })
    }
}

/// AIS navigational status of a fix: 5 moored below 0.25 kn, 7 engaged in fishing for fishing
/// vessels below 5 kn, else 0 under way using engine.
pub fn nav_status(v: &SynthVessel, f: &SynthFix) -> u8 {
    if f.sog != SOG_NA && f.sog < 0.25 {
        5
    } else if v.vessel_type == 30 && f.sog < 5.0 {
        7
    } else {
        0
    }
}

fn status_text(s: u8) -> &'static str {
    match s {
        0 => "Under way using engine",
        1 => "At anchor",
        5 => "Moored",
        7 => "Engaged in fishing",
        _ => "Unknown value",
    }
}

fn ship_type_text(t: u16) -> &'static str {
    match t {
        30 => "Fishing",
        31 | 32 => "Towing",
        52 => "Tug",
        60..=69 => "Passenger",
        70..=79 => "Cargo",
        80..=89 => "Tanker",
        _ => "Undefined",
    }
}

/// The latest available sog/cog at or before fix i (for formats without not-available values).
fn filled(v: &SynthVessel, i: usize) -> (f64, f64) {
    let sog = (0..=i)
        .rev()
        .map(|k| v.fixes[k].sog)
        .find(|&s| s != SOG_NA)
        .unwrap_or(0.0);
    let cog = (0..=i)
        .rev()
        .map(|k| v.fixes[k].cog)
        .find(|&c| c != COG_NA)
        .unwrap_or(0.0);
    (sog, cog)
}

/// Writes the scenario in one format (see the module documentation for what every format shares).
pub fn write(s: &Scenario, format: Format, out: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    if let Some(h) = format.header() {
        w.write_all(h.as_bytes())?;
        w.write_all(b"\n")?;
    }
    let order = row_order(s);
    // GFW segments: a new one after every interval of 6 h or more.
    let segments: Vec<Vec<usize>> = if format == Format::Gfw {
        s.vessels
            .iter()
            .map(|v| {
                let mut starts = vec![0];
                starts.extend((1..v.fixes.len()).filter(|&i| v.fixes[i].t - v.fixes[i - 1].t >= 6 * 3600));
                starts
            })
            .collect()
    } else {
        Vec::new()
    };
    let dims: Vec<(u32, u32, f64)> = s.vessels.iter().map(dimensions).collect();
    let mut nmea = Nmea {
        static_sent: vec![false; s.vessels.len()],
        seq: 0,
    };
    let mut line = String::with_capacity(256);
    for (vi, i) in order {
        let (vi, i) = (vi as usize, i as usize);
        let v = &s.vessels[vi];
        let f = &v.fixes[i];
        let u = utc(f.t);
        let (length, width, draught) = dims[vi];
        let status = nav_status(v, f);
        let row = mix(s.seed ^ SALT_ROW, v.mmsi as u64, i as u64);
        line.clear();
        match format {
            Format::Noaa | Format::NoaaSnake => {
                let imo = if v.imo > 0 {
                    format!("IMO{}", v.imo)
                } else {
                    String::new()
                };
                let (a, b) = if format == Format::Noaa {
                    (f.lat, f.lon)
                } else {
                    (f.lon, f.lat)
                };
                if format == Format::Noaa {
                    write!(
                        line,
                        "{},{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                        v.mmsi, u.year, u.month, u.day, u.hour, u.minute, u.second
                    )
                    .unwrap();
                } else {
                    write!(
                        line,
                        "{},{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                        v.mmsi, u.year, u.month, u.day, u.hour, u.minute, u.second
                    )
                    .unwrap();
                }
                write!(
                    line,
                    ",{:.5},{:.5},{:.1},{:.1},{},{},{},{},{},{},{},{},{:.1},{},A",
                    a,
                    b,
                    f.sog,
                    f.cog,
                    f.heading,
                    v.name,
                    imo,
                    v.callsign,
                    v.vessel_type,
                    status,
                    length,
                    width,
                    draught,
                    v.vessel_type
                )
                .unwrap();
            }
            Format::Dma => {
                let imo = if v.imo > 0 {
                    v.imo.to_string()
                } else {
                    "Unknown".to_string()
                };
                let eta = utc(f.t - f.t.rem_euclid(86_400) + 2 * 86_400 + 6 * 3600);
                let (a, c) = (length * 2 / 3, width / 2);
                write!(
                    line,
                    "{:02}/{:02}/{:04} {:02}:{:02}:{:02},Class A,{},{:.6},{:.6},{},0.0,{:.1},{:.1},{},{},{},{},{},,{},{},GPS,{:.1},{},{:02}/{:02}/{:04} {:02}:{:02}:{:02},AIS,{},{},{},{}",
                    u.day, u.month, u.year, u.hour, u.minute, u.second, v.mmsi, f.lat, f.lon, status_text(status), f.sog, f.cog, f.heading,
                    imo, v.callsign, v.name, ship_type_text(v.vessel_type), width, length, draught, destination_of(v),
                    eta.day, eta.month, eta.year, eta.hour, eta.minute, eta.second, a, length - a, c, width - c
                )
                .unwrap();
            }
            Format::Gfw => {
                let seg = &segments[vi];
                let k = seg.partition_point(|&st| st <= i) - 1;
                let su = utc(v.fixes[seg[k]].t);
                let (sog, cog) = filled(v, i);
                write!(
                    line,
                    "{},{}-{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000000Z,{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC,{:.6},{:.6},{:.1},{:.1}",
                    v.mmsi, v.mmsi, su.year, su.month, su.day, su.hour, su.minute, su.second,
                    u.year, u.month, u.day, u.hour, u.minute, u.second, f.lon, f.lat, sog, cog
                )
                .unwrap();
            }
            Format::MarineTraffic => {
                let speed = if f.sog == SOG_NA {
                    1023
                } else {
                    (f.sog * 10.0).round() as u32
                };
                let course = if f.cog == COG_NA {
                    360
                } else {
                    f.cog.round() as u32 % 360
                };
                let ship_id = 1_000_000 + mix(0x5A1D, v.mmsi as u64, 0) % 8_000_000;
                write!(
                    line,
                    "{},{},{},{},{},{},{:.6},{:.6},{},{},{},{},{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
                    v.mmsi,
                    v.imo,
                    ship_id,
                    v.name,
                    v.callsign,
                    v.vessel_type,
                    f.lat,
                    f.lon,
                    speed,
                    f.heading,
                    course,
                    status,
                    u.year,
                    u.month,
                    u.day,
                    u.hour,
                    u.minute,
                    u.second
                )
                .unwrap();
            }
            Format::Spire => {
                let imo = if v.imo > 0 {
                    v.imo.to_string()
                } else {
                    "None".to_string()
                };
                let heading = if f.heading == HEADING_NA && row & 1 == 1 {
                    "None".to_string()
                } else {
                    f.heading.to_string()
                };
                write!(
                    line,
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z,{},{},{},{},{},{:.6},{:.6},{:.1},{:.1},{},{},{}",
                    u.year,
                    u.month,
                    u.day,
                    u.hour,
                    u.minute,
                    u.second,
                    v.mmsi,
                    imo,
                    v.name,
                    v.callsign,
                    v.vessel_type,
                    f.lon,
                    f.lat,
                    f.sog,
                    f.cog,
                    heading,
                    status,
                    if row & 6 == 6 { 3 } else { 1 }
                )
                .unwrap();
            }
            Format::Generic => {
                let (sog, _) = filled(v, i);
                write!(
                    line,
                    "{},{:02}/{:02}/{:04} {:02}:{:02}:{:02},{:.6},{:.6},{:.1}",
                    v.mmsi, u.month, u.day, u.year, u.hour, u.minute, u.second, f.lat, f.lon, sog
                )
                .unwrap();
            }
            Format::Nmea => {
                if !nmea.static_sent[vi] {
                    nmea.static_sent[vi] = true;
                    nmea.type5(&mut line, s.seed, v, f.t, (length, width, draught));
                }
                let payload = type1(v.mmsi, status, f, (row >> 8) as u32 & 0x7FFFF, row & 16 == 16);
                let (text, fill) = armor(&payload);
                let talker = ["AI", "AB", "BS"][(row >> 40) as usize % 3];
                let channel = if row & 32 == 32 { 'B' } else { 'A' };
                let sentence = with_checksum('!', &format!("{talker}VDM,1,1,,{channel},{text},{fill}"));
                timestamped(&mut line, (row >> 50) as u8 % 3, f.t, &sentence);
            }
        }
        if format != Format::Nmea {
            line.push('\n');
        }
        w.write_all(line.as_bytes())?;
    }
    w.flush()
}

/// Writes to a file, gzip-compressed when the path ends in `.gz`.
pub fn write_file(s: &Scenario, format: Format, path: &Path) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut gz = flate2::write::GzEncoder::new(io::BufWriter::new(file), flate2::Compression::default());
        write(s, format, &mut gz)?;
        gz.finish()?.flush()
    } else {
        let mut f = io::BufWriter::new(file);
        write(s, format, &mut f)?;
        f.flush()
    }
}

/// Writes `kind,mmsi,other_mmsi,start,end,likely_off` with ISO times.
pub fn write_planted(s: &Scenario, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "kind,mmsi,other_mmsi,start,end,likely_off")?;
    for p in &s.planted {
        writeln!(
            out,
            "{},{},{},{},{},{}",
            p.kind,
            p.mmsi,
            p.other_mmsi.map(|m| m.to_string()).unwrap_or_default(),
            iso(p.start),
            iso(p.end),
            p.likely_off
        )?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// NMEA
// ------------------------------------------------------------------------------------------

/// XOR of the bytes (the NMEA checksum of the text between `!`/`$` and `*`, or of a tag block).
pub fn nmea_checksum(text: &str) -> u8 {
    text.bytes().fold(0, |a, b| a ^ b)
}

fn with_checksum(lead: char, body: &str) -> String {
    format!("{lead}{body}*{:02X}", nmea_checksum(body))
}

/// Bits, most significant first.
struct Bits(Vec<u8>);

impl Bits {
    fn put(&mut self, v: u64, n: u32) {
        for k in (0..n).rev() {
            self.0.push(((v >> k) & 1) as u8);
        }
    }
    fn put_signed(&mut self, v: i64, n: u32) {
        self.put((v as u64) & ((1u64 << n) - 1), n);
    }
    /// AIS six-bit text, padded with '@'.
    fn text(&mut self, s: &str, chars: usize) {
        let mut b = s.bytes();
        for _ in 0..chars {
            let c = b.next().unwrap_or(b'@').to_ascii_uppercase();
            let v = match c {
                64..=95 => c - 64,
                32..=63 => c,
                _ => 0,
            };
            self.put(v as u64, 6);
        }
    }
}

/// Six-bit armouring: the payload characters and the number of fill bits.
fn armor(bits: &Bits) -> (String, u8) {
    let fill = (6 - bits.0.len() % 6) % 6;
    let mut out = String::with_capacity(bits.0.len() / 6 + 1);
    for chunk in bits.0.chunks(6) {
        let mut v = 0u8;
        for k in 0..6 {
            v = (v << 1) | chunk.get(k).copied().unwrap_or(0);
        }
        out.push((if v < 40 { v + 48 } else { v + 56 }) as char);
    }
    (out, fill as u8)
}

/// Message 1 (class A position report), 168 bits.
fn type1(mmsi: u32, status: u8, f: &SynthFix, radio: u32, accurate: bool) -> Bits {
    let mut b = Bits(Vec::with_capacity(168));
    b.put(1, 6);
    b.put(0, 2);
    b.put(mmsi as u64, 30);
    b.put(status as u64, 4);
    b.put_signed(-128, 8);
    let sog = if f.sog == SOG_NA {
        1023
    } else {
        ((f.sog * 10.0).round() as u64).min(1022)
    };
    b.put(sog, 10);
    b.put(accurate as u64, 1);
    let (lon, lat) = if f.placeable() {
        (f.lon, f.lat)
    } else {
        (LON_NA, LAT_NA)
    };
    b.put_signed((lon * 600_000.0).round() as i64, 28);
    b.put_signed((lat * 600_000.0).round() as i64, 27);
    let cog = if f.cog == COG_NA {
        3600
    } else {
        (f.cog * 10.0).round() as u64 % 3600
    };
    b.put(cog, 12);
    b.put(f.heading.min(511) as u64, 9);
    b.put(f.t.rem_euclid(60) as u64, 6);
    b.put(0, 2);
    b.put(0, 3);
    b.put(0, 1);
    b.put(radio as u64, 19);
    b
}

/// Message 5 (static and voyage data), 424 bits.
fn type5(v: &SynthVessel, (length, width, draught): (u32, u32, f64), destination: &str) -> Bits {
    let mut b = Bits(Vec::with_capacity(424));
    b.put(5, 6);
    b.put(0, 2);
    b.put(v.mmsi as u64, 30);
    b.put(0, 2);
    b.put(v.imo as u64, 30);
    b.text(&v.callsign, 7);
    b.text(&v.name, 20);
    b.put(v.vessel_type as u64, 8);
    let a = length * 2 / 3;
    let c = width / 2;
    b.put(a as u64, 9);
    b.put((length - a) as u64, 9);
    b.put(c as u64, 6);
    b.put((width - c) as u64, 6);
    b.put(1, 4);
    b.put(8, 4);
    b.put(20, 5);
    b.put(12, 5);
    b.put(0, 6);
    b.put((draught * 10.0).round() as u64, 8);
    b.text(destination, 20);
    b.put(0, 1);
    b.put(0, 1);
    b
}

struct Nmea {
    static_sent: Vec<bool>,
    seq: u8,
}

impl Nmea {
    /// The two sentences of a message 5, each with the vessel's timestamp style.
    fn type5(&mut self, line: &mut String, seed: u64, v: &SynthVessel, t: i64, dims: (u32, u32, f64)) {
        let bits = type5(v, dims, destination_of(v));
        let (text, fill) = armor(&bits);
        let h = mix(seed ^ SALT_ROW, v.mmsi as u64, u64::MAX);
        let talker = ["AI", "AB", "BS"][(h >> 40) as usize % 3];
        let channel = if h & 32 == 32 { 'B' } else { 'A' };
        let style = (h >> 50) as u8 % 3;
        let seq = self.seq;
        self.seq = (self.seq + 1) % 10;
        let (p1, p2) = text.split_at(60);
        let s1 = with_checksum('!', &format!("{talker}VDM,2,1,{seq},{channel},{p1},0"));
        let s2 = with_checksum('!', &format!("{talker}VDM,2,2,{seq},{channel},{p2},{fill}"));
        if style == 1 {
            // One Gatehouse line before the message.
            timestamped(line, 1, t, &s1);
            line.push_str(&s2);
            line.push('\n');
        } else {
            timestamped(line, style, t, &s1);
            timestamped(line, style, t, &s2);
        }
    }
}

/// Appends a sentence with its time: 0 NMEA 4 tag block, 1 Gatehouse `$PGHP` line before it,
/// 2 a leading `YYYY-MM-DD hh:mm:ss ` receiver timestamp.
fn timestamped(line: &mut String, style: u8, t: i64, sentence: &str) {
    let u = utc(t);
    match style {
        0 => {
            let tag = format!("s:rcv01,c:{t}");
            write!(line, "\\{tag}*{:02X}\\{sentence}", nmea_checksum(&tag)).unwrap();
        }
        1 => {
            let body = format!(
                "PGHP,1,{},{},{},{},{},{},0,,,,1,",
                u.year, u.month, u.day, u.hour, u.minute, u.second
            );
            write!(line, "{}\n{sentence}", with_checksum('$', &body)).unwrap();
        }
        _ => {
            write!(
                line,
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {sentence}",
                u.year, u.month, u.day, u.hour, u.minute, u.second
            )
            .unwrap();
        }
    }
    line.push('\n');
}
