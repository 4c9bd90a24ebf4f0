//! The synthetic AIS generator's own invariants (tests/support/ais_gen.rs): the AIS reader and
//! detector tests rely on them.

#[path = "support/ais_gen.rs"]
mod ais_gen;

use std::collections::HashMap;
use std::sync::OnceLock;

use ais_gen::*;

fn s7() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| scenario(7))
}

fn written(format: Format) -> &'static str {
    static FILES: OnceLock<HashMap<Format, String>> = OnceLock::new();
    FILES
        .get_or_init(|| {
            Format::ALL
                .iter()
                .map(|&f| {
                    let mut out = Vec::new();
                    write(s7(), f, &mut out).unwrap();
                    (f, String::from_utf8(out).unwrap())
                })
                .collect()
        })
        .get(&format)
        .unwrap()
}

fn fix_of(s: &Scenario, mmsi: u32, t: i64) -> &SynthFix {
    let v = s.vessel(mmsi).unwrap_or_else(|| panic!("no vessel {mmsi}"));
    v.fixes
        .iter()
        .find(|f| f.t == t)
        .unwrap_or_else(|| panic!("no fix of {mmsi} at {}", iso(t)))
}

fn dist_m(a: &SynthFix, b: &SynthFix) -> f64 {
    haversine_m(a.lon, a.lat, b.lon, b.lat)
}

#[test]
fn dates_convert_both_ways() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(unix(2023, 8, 1, 12, 34, 56), 1_690_893_296);
    assert_eq!(unix(2023, 8, 14, 0, 0, 0), SCENARIO_START);
    assert_eq!(iso(1_690_893_296), "2023-08-01T12:34:56Z");
    assert_eq!(
        utc(-1),
        Utc {
            year: 1969,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
            second: 59
        }
    );
    assert_eq!(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28), 2);
    assert_eq!(days_from_civil(2023, 3, 1) - days_from_civil(2023, 2, 28), 1);
    assert_eq!(days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28), 1);
    assert_eq!(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);
    for z in (-800_000..800_000).step_by(997) {
        let (y, m, d) = civil_from_days(z);
        assert!((1..=12).contains(&m) && (1..=31).contains(&d));
        assert_eq!(days_from_civil(y, m, d), z);
        assert_eq!(civil_from_days(z + 1).2 == 1, d == days_in_month(y, m));
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1)) as u32
}

#[test]
fn same_seed_same_bytes() {
    let again = scenario(7);
    assert_eq!(again.planted, s7().planted);
    for (a, b) in again.vessels.iter().zip(&s7().vessels) {
        assert_eq!(
            (a.mmsi, &a.name, a.imo, &a.callsign, a.vessel_type),
            (b.mmsi, &b.name, b.imo, &b.callsign, b.vessel_type)
        );
        assert_eq!(a.fixes, b.fixes);
    }
    for f in Format::ALL {
        let mut out = Vec::new();
        write(&again, f, &mut out).unwrap();
        assert!(out == written(f).as_bytes(), "{f:?} differs between two runs");
    }
    let mut other = Vec::new();
    write(&scenario(8), Format::Noaa, &mut other).unwrap();
    assert!(other != written(Format::Noaa).as_bytes());
}

#[test]
fn every_kind_is_planted_at_least_twice() {
    check_planted(s7());
}

fn check_planted(s: &Scenario) {
    assert_eq!(s.vessels.len(), 12);
    for kind in ["gap", "port_call", "loitering", "encounter", "suspect_jump"] {
        let n = s.planted.iter().filter(|p| p.kind == kind).count();
        assert!(n >= 2, "{kind}: {n}");
    }
    let gaps: Vec<(i64, bool)> = s
        .planted
        .iter()
        .filter(|p| p.kind == "gap")
        .map(|p| (p.end - p.start, p.likely_off))
        .collect();
    assert!(gaps.contains(&(31 * 3600, true)));
    assert!(gaps.contains(&(8 * 3600, false)));
    assert!(gaps.contains(&(14 * 3600, false)));
    assert_eq!(
        gaps.iter().filter(|g| g.1).count(),
        1,
        "only the 31 h gap is likely off"
    );
    for p in &s.planted {
        assert!(p.start <= p.end);
        assert!(
            p.start >= SCENARIO_START && p.end < SCENARIO_START + 4 * 86_400,
            "{p:?}"
        );
        assert_eq!(p.other_mmsi.is_some(), p.kind == "encounter");
        if let Some(o) = p.other_mmsi {
            assert!(p.mmsi < o);
        }
    }
    // The two vessels of an encounter of 4 h or more are each planted as loitering over the
    // same stretch (a shorter drift is not loitering).
    for e in s.planted.iter().filter(|p| p.kind == "encounter" && p.end - p.start >= 4 * 3600) {
        for m in [e.mmsi, e.other_mmsi.unwrap()] {
            assert!(
                s.planted
                    .iter()
                    .any(|p| p.kind == "loitering" && p.mmsi == m && (p.start, p.end) == (e.start, e.end))
            );
        }
    }
}

/// Every interval of 1 h or more between consecutive fixes of a vessel is a planted gap, and
/// every other interval is 1–7 minutes, with the unplaceable fixes or without them.
fn check_intervals(s: &Scenario) {
    let gaps: Vec<(u32, i64, i64)> = s
        .planted
        .iter()
        .filter(|p| p.kind == "gap")
        .map(|p| (p.mmsi, p.start, p.end))
        .collect();
    let mut found = 0;
    for v in &s.vessels {
        for w in v.fixes.windows(2) {
            let dt = w[1].t - w[0].t;
            if dt >= 3600 {
                assert!(
                    gaps.contains(&(v.mmsi, w[0].t, w[1].t)),
                    "unplanned interval of {dt} s for {} at {}",
                    v.mmsi,
                    iso(w[0].t)
                );
                found += 1;
            } else {
                assert!(
                    (60..=420).contains(&dt),
                    "interval of {dt} s for {} at {}",
                    v.mmsi,
                    iso(w[0].t)
                );
            }
        }
        let placeable: Vec<&SynthFix> = v.fixes.iter().filter(|f| f.placeable()).collect();
        for w in placeable.windows(2) {
            let dt = w[1].t - w[0].t;
            assert!(dt < 3600 || gaps.contains(&(v.mmsi, w[0].t, w[1].t)));
        }
    }
    assert_eq!(found, gaps.len());
}

#[test]
fn only_planted_gaps_reach_one_hour() {
    check_intervals(s7());
    check_intervals(&scenario(1));
}

#[test]
fn port_calls_follow_the_entry_and_exit_radii() {
    check_port_calls(s7());
}

fn check_port_calls(s: &Scenario) {
    for p in s.planted.iter().filter(|p| p.kind == "port_call") {
        let v = s.vessel(p.mmsi).unwrap();
        let (_, plon, plat) = *PORTS
            .iter()
            .min_by(|a, b| {
                let f = fix_of(s, p.mmsi, p.start);
                haversine_m(f.lon, f.lat, a.1, a.2).total_cmp(&haversine_m(f.lon, f.lat, b.1, b.2))
            })
            .unwrap();
        let d = |f: &SynthFix| haversine_m(f.lon, f.lat, plon, plat);
        let first = v.fixes.iter().position(|f| d(f) <= PORT_ENTRY_M).unwrap();
        let out = first + v.fixes[first..].iter().position(|f| d(f) > PORT_EXIT_M).unwrap();
        assert_eq!((v.fixes[first].t, v.fixes[out - 1].t), (p.start, p.end));
        assert!(
            v.fixes
                .iter()
                .all(|f| !f.placeable() || ((d(f) - 3000.0).abs() >= 40.0 && (d(f) - 4000.0).abs() >= 40.0))
        );
        let berth: Vec<&SynthFix> = v.fixes[first..out].iter().filter(|f| f.sog < 0.3).collect();
        assert!(berth.iter().all(|f| d(f) < 1000.0));
        let hours = (berth.last().unwrap().t - berth[0].t) as f64 / 3600.0;
        assert!((10.0..=30.0).contains(&hours), "{hours} h at the berth");
    }
}

#[test]
fn loitering_and_encounters_are_slow_at_sea() {
    check_slow(s7());
}

fn check_slow(s: &Scenario) {
    for p in s.planted.iter().filter(|p| p.kind == "loitering") {
        let v = s.vessel(p.mmsi).unwrap();
        let k0 = v.fixes.iter().position(|f| f.t == p.start).unwrap();
        let k1 = v.fixes.iter().position(|f| f.t == p.end).unwrap();
        let hours = (p.end - p.start) as f64 / 3600.0;
        assert!((3.0..=9.0).contains(&hours));
        for f in &v.fixes[k0..=k1] {
            assert!((0.3..=1.5).contains(&f.sog), "{}", f.sog);
            let port_km = PORTS
                .iter()
                .map(|q| haversine_m(f.lon, f.lat, q.1, q.2))
                .fold(f64::MAX, f64::min)
                / 1000.0;
            assert!(port_km > 30.0);
        }
        assert!(v.fixes[k0 - 1].sog >= 5.0 && v.fixes[k1 + 1].sog >= 5.0);
    }
    for e in s.planted.iter().filter(|p| p.kind == "encounter") {
        let (a, b) = (s.vessel(e.mmsi).unwrap(), s.vessel(e.other_mmsi.unwrap()).unwrap());
        let hours = (e.end - e.start) as f64 / 3600.0;
        assert!((3.0..=5.0).contains(&hours));
        for f in a.fixes.iter().filter(|f| f.t >= e.start && f.t <= e.end) {
            // b at f.t, interpolated between its fixes.
            let k = b.fixes.partition_point(|g| g.t < f.t);
            let g = if b.fixes[k].t == f.t {
                b.fixes[k]
            } else {
                let (g0, g1) = (&b.fixes[k - 1], &b.fixes[k]);
                let r = (f.t - g0.t) as f64 / (g1.t - g0.t) as f64;
                SynthFix {
                    lon: g0.lon + r * (g1.lon - g0.lon),
                    lat: g0.lat + r * (g1.lat - g0.lat),
                    ..*g0
                }
            };
            assert!(dist_m(f, &g) < 200.0, "{} m apart at {}", dist_m(f, &g), iso(f.t));
        }
        fix_of(s, b.mmsi, e.start);
        fix_of(s, b.mmsi, e.end);
    }
}

#[test]
fn jumps_are_single_fixes_far_away() {
    check_jumps(s7());
}

fn check_jumps(s: &Scenario) {
    for p in s.planted.iter().filter(|p| p.kind == "suspect_jump") {
        let v = s.vessel(p.mmsi).unwrap();
        let k = v.fixes.iter().position(|f| f.t == p.start).unwrap();
        let (prev, f, next) = (&v.fixes[k - 1], &v.fixes[k], &v.fixes[k + 1]);
        let deg = dist_m(prev, f) / 1000.0 / 111.195;
        assert!((3.0..=8.0).contains(&deg), "{deg}");
        let kn = dist_m(prev, f) / 1852.0 / ((f.t - prev.t) as f64 / 3600.0);
        assert!(kn > 500.0);
        assert!(dist_m(prev, next) < 8000.0, "the track goes on where it was");
    }
}

#[test]
fn odd_values_are_present() {
    let s = s7();
    check_values(s);
    let noaa = written(Format::Noaa);
    assert!(noaa.contains(",511,") && noaa.contains(",360.0,") && noaa.contains(",102.3,"));
    assert!(noaa.contains(",91.00000,181.00000,"));
    assert!(written(Format::MarineTraffic).contains(",1023,"));
    assert!(written(Format::Spire).contains(",None,"));
    // GFW and Generic have no not-available values.
    for line in written(Format::Gfw).lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        assert!(c[5] != "102.3" && c[6] != "360.0", "{line}");
    }
    assert!(written(Format::Generic).lines().all(|l| !l.ends_with(",102.3")));
}

fn check_values(s: &Scenario) {
    let all = || s.vessels.iter().flat_map(|v| v.fixes.iter());
    assert!(all().filter(|f| f.heading == HEADING_NA).count() >= 20);
    assert!(all().filter(|f| f.cog == COG_NA).count() >= 3);
    assert!(all().filter(|f| f.sog == SOG_NA).count() >= 2);
    assert_eq!(all().filter(|f| !f.placeable()).count(), s.unplaceable);
    assert!(s.unplaceable >= 3);
    assert!(
        all()
            .filter(|f| !f.placeable())
            .all(|f| f.lat == LAT_NA && f.lon == LON_NA)
    );
    assert!(s.duplicates >= 3);
    for f in all() {
        assert!(f.heading < 360 || f.heading == HEADING_NA);
        assert!((0.0..360.0).contains(&f.cog) || f.cog == COG_NA);
        assert!((0.0..=20.0).contains(&f.sog) || f.sog == SOG_NA);
        assert!(
            !f.placeable() || (128.0..=160.0).contains(&f.lon) && (30.0..=50.0).contains(&f.lat),
            "{f:?}"
        );
    }
}

/// (mmsi, unix time, lon, lat) of each data row of a table format.
fn table_rows(format: Format, text: &str) -> Vec<(u32, i64, f64, f64)> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), format.header());
    let num = |s: &str| -> u32 { s.parse().unwrap() };
    lines
        .map(|line| {
            let c: Vec<&str> = line.split(',').collect();
            let ymd_hms = |d: &str, order: [usize; 3], sep: char, time: &str| -> i64 {
                let p: Vec<u32> = d.split(sep).map(num).collect();
                let h: Vec<u32> = time.split(':').map(num).collect();
                unix(p[order[0]] as i64, p[order[1]], p[order[2]], h[0], h[1], h[2])
            };
            let iso_like = |s: &str| -> i64 { ymd_hms(&s[..10], [0, 1, 2], '-', &s[11..19]) };
            let f = |s: &str| -> f64 { s.parse().unwrap() };
            match format {
                Format::Noaa => (num(c[0]), iso_like(c[1]), f(c[3]), f(c[2])),
                Format::NoaaSnake => {
                    assert_eq!(&c[1][10..11], " ");
                    (num(c[0]), iso_like(c[1]), f(c[2]), f(c[3]))
                }
                Format::Dma => (
                    num(c[2]),
                    ymd_hms(&c[0][..10], [2, 1, 0], '/', &c[0][11..]),
                    f(c[4]),
                    f(c[3]),
                ),
                Format::Gfw => {
                    assert!(
                        c[2].ends_with(" UTC") && c[1].starts_with(&format!("{}-", c[0])) && c[1].ends_with(".000000Z")
                    );
                    (num(c[0]), iso_like(c[2]), f(c[3]), f(c[4]))
                }
                Format::MarineTraffic => {
                    assert!(c[12].ends_with(".000Z"));
                    (num(c[0]), iso_like(c[12]), f(c[7]), f(c[6]))
                }
                Format::Spire => {
                    assert!(c[0].ends_with('Z'));
                    (num(c[1]), iso_like(c[0]), f(c[6]), f(c[7]))
                }
                Format::Generic => (
                    num(c[0]),
                    ymd_hms(&c[1][..10], [2, 0, 1], '/', &c[1][11..]),
                    f(c[3]),
                    f(c[2]),
                ),
                Format::Nmea => unreachable!(),
            }
        })
        .collect()
}

#[test]
fn every_format_writes_the_same_rows() {
    let s = s7();
    let order = row_order(s);
    assert_eq!(order.len(), s.row_count());
    let expected: Vec<&SynthFix> = order
        .iter()
        .map(|&(v, i)| &s.vessels[v as usize].fixes[i as usize])
        .collect();
    let mmsis: Vec<u32> = order.iter().map(|&(v, _)| s.vessels[v as usize].mmsi).collect();
    for format in Format::ALL {
        if format == Format::Nmea {
            continue;
        }
        let rows = table_rows(format, written(format));
        assert_eq!(rows.len(), s.row_count(), "{format:?}");
        for ((r, f), m) in rows.iter().zip(&expected).zip(&mmsis) {
            assert_eq!((r.0, r.1), (*m, f.t), "{format:?}");
            let tol = if matches!(format, Format::Noaa | Format::NoaaSnake) {
                6e-6
            } else {
                6e-7
            };
            assert!(
                (r.2 - f.lon).abs() < tol && (r.3 - f.lat).abs() < tol,
                "{format:?}: {r:?} vs {f:?}"
            );
        }
        let cols = format.header().unwrap().split(',').count();
        assert!(
            written(format).lines().all(|l| l.split(',').count() == cols),
            "{format:?}"
        );
    }
    // Not in time order, with a few neighbouring fixes of one vessel swapped.
    assert!(expected.windows(2).filter(|w| w[1].t < w[0].t).count() > 50);
    let mut swapped = 0;
    let mut last: HashMap<u32, usize> = HashMap::new();
    for &(v, i) in &order {
        let i = i as usize;
        if last.get(&v) == Some(&(i + 1)) {
            swapped += 1;
        }
        last.insert(v, i);
    }
    assert!(swapped >= 3, "{swapped} swapped pairs");
    // Exact duplicate lines, as many as `duplicates`, in every format.
    for format in Format::ALL {
        if format == Format::Nmea {
            continue;
        }
        let mut seen = std::collections::HashSet::new();
        let dups = written(format).lines().filter(|l| !seen.insert(*l)).count();
        assert_eq!(dups, s.duplicates, "{format:?}");
    }
}

#[test]
fn generic_dates_show_a_day_over_12_at_once() {
    let first = written(Format::Generic).lines().nth(1).unwrap();
    let day: u32 = first.split(',').nth(1).unwrap()[3..5].parse().unwrap();
    assert!(day > 12, "{first}");
    let dma = written(Format::Dma).lines().nth(1).unwrap();
    assert!(dma[..2].parse::<u32>().unwrap() > 12, "{dma}");
}

#[test]
fn gzip_file_holds_the_same_bytes() {
    let dir = std::env::temp_dir().join(format!("ais_gen_selfcheck_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scenario.noaa.csv.gz");
    write_file(s7(), Format::Noaa, &path).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()),
        &mut text,
    )
    .unwrap();
    assert_eq!(text, written(Format::Noaa));
    let plain = dir.join("scenario.noaa.csv");
    write_file(s7(), Format::Noaa, &plain).unwrap();
    assert_eq!(std::fs::read_to_string(&plain).unwrap(), written(Format::Noaa));
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- NMEA: decoded with a decoder written here, independent of the encoder ----

fn nmea_sum(s: &str) -> String {
    format!("{:02X}", s.bytes().fold(0u8, |a, b| a ^ b))
}

/// Checks `<lead>body*hh` and returns body.
fn checked<'a>(sentence: &'a str, lead: char) -> &'a str {
    assert!(sentence.starts_with(lead), "{sentence}");
    let (body, sum) = sentence[1..]
        .rsplit_once('*')
        .unwrap_or_else(|| panic!("no checksum: {sentence}"));
    assert_eq!(sum, nmea_sum(body), "bad checksum: {sentence}");
    body
}

fn payload_bits(payload: &str, fill: usize) -> Vec<u8> {
    let mut bits = Vec::new();
    for c in payload.bytes() {
        assert!(
            (48..=87).contains(&c) || (96..=119).contains(&c),
            "not a payload character: {}",
            c as char
        );
        let v = if c >= 96 { c - 56 } else { c - 48 };
        for k in (0..6).rev() {
            bits.push((v >> k) & 1);
        }
    }
    bits.truncate(bits.len() - fill);
    bits
}

fn uint(bits: &[u8], start: usize, len: usize) -> u64 {
    bits[start..start + len].iter().fold(0, |a, &b| (a << 1) | b as u64)
}

fn int(bits: &[u8], start: usize, len: usize) -> i64 {
    let u = uint(bits, start, len) as i64;
    if u >> (len - 1) & 1 == 1 { u - (1 << len) } else { u }
}

fn text(bits: &[u8], start: usize, chars: usize) -> String {
    const T: &[u8] = b"@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?";
    (0..chars)
        .map(|k| T[uint(bits, start + 6 * k, 6) as usize] as char)
        .collect::<String>()
        .trim_end_matches('@')
        .to_string()
}

#[test]
fn nmea_sentences_check_and_decode() {
    let s = s7();
    let by_time: HashMap<(u32, i64), &SynthFix> = s
        .vessels
        .iter()
        .flat_map(|v| v.fixes.iter().map(move |f| ((v.mmsi, f.t), f)))
        .collect();
    let order = row_order(s);
    let mut expected = order
        .iter()
        .map(|&(v, i)| (s.vessels[v as usize].mmsi, s.vessels[v as usize].fixes[i as usize].t));
    let mut pending_pghp: Option<i64> = None;
    let mut part1: Option<(String, String, Vec<u8>)> = None; // (seq id, channel, bits)
    let (mut styles, mut talkers) = ([0usize; 3], HashMap::new());
    let (mut type1, mut type5) = (0, 0);
    let mut statics = Vec::new();
    for line in written(Format::Nmea).lines() {
        if line.starts_with('$') {
            let body = checked(line, '$');
            let f: Vec<&str> = body.split(',').collect();
            assert_eq!((f[0], f[1], f[8], f[12], f[13]), ("PGHP", "1", "0", "1", ""), "{line}");
            let n: Vec<u32> = f[2..8].iter().map(|x| x.parse().unwrap()).collect();
            pending_pghp = Some(unix(n[0] as i64, n[1], n[2], n[3], n[4], n[5]));
            styles[1] += 1;
            continue;
        }
        let (time, sentence) = if let Some(rest) = line.strip_prefix('\\') {
            let (tag, sentence) = rest.split_once('\\').unwrap();
            let (content, sum) = tag.rsplit_once('*').unwrap();
            assert_eq!(sum, nmea_sum(content), "bad tag block checksum: {line}");
            let c = content.split(',').find_map(|kv| kv.strip_prefix("c:")).unwrap();
            styles[0] += 1;
            (Some(c.parse::<i64>().unwrap()), sentence)
        } else if line.starts_with('!') {
            (pending_pghp.take(), line)
        } else {
            let (d, rest) = line.split_at(20);
            let t = unix(
                d[..4].parse().unwrap(),
                d[5..7].parse().unwrap(),
                d[8..10].parse().unwrap(),
                d[11..13].parse().unwrap(),
                d[14..16].parse().unwrap(),
                d[17..19].parse().unwrap(),
            );
            assert_eq!(&d[19..], " ");
            styles[2] += 1;
            (Some(t), rest)
        };
        let body = checked(sentence, '!');
        let f: Vec<&str> = body.split(',').collect();
        assert_eq!(f.len(), 7, "{line}");
        assert_eq!(&f[0][2..], "VDM");
        *talkers.entry(f[0][..2].to_string()).or_insert(0) += 1;
        let fill: usize = f[6].parse().unwrap();
        let bits = payload_bits(f[5], fill);
        match (f[1], f[2]) {
            ("1", "1") => {
                assert_eq!(f[3], "");
                assert!(f[4] == "A" || f[4] == "B");
                assert_eq!(bits.len(), 168);
                assert_eq!(uint(&bits, 0, 6), 1);
                let mmsi = uint(&bits, 8, 30) as u32;
                let t = time.expect("a time for every position report");
                assert_eq!(expected.next(), Some((mmsi, t)));
                let fix = by_time[&(mmsi, t)];
                let sog = uint(&bits, 50, 10);
                assert_eq!(
                    sog,
                    if fix.sog == SOG_NA {
                        1023
                    } else {
                        (fix.sog * 10.0).round() as u64
                    }
                );
                let (lon, lat) = (
                    int(&bits, 61, 28) as f64 / 600_000.0,
                    int(&bits, 89, 27) as f64 / 600_000.0,
                );
                assert!(
                    (lon - fix.lon).abs() < 1e-6 && (lat - fix.lat).abs() < 1e-6,
                    "{lon} {lat} vs {fix:?}"
                );
                let cog = uint(&bits, 116, 12);
                assert_eq!(
                    cog,
                    if fix.cog == COG_NA {
                        3600
                    } else {
                        (fix.cog * 10.0).round() as u64
                    }
                );
                assert_eq!(uint(&bits, 128, 9) as u16, fix.heading);
                assert_eq!(uint(&bits, 137, 6) as i64, t % 60);
                type1 += 1;
            }
            ("2", "1") => {
                assert!(part1.is_none());
                assert_eq!(fill, 0);
                part1 = Some((f[3].to_string(), f[4].to_string(), bits));
            }
            ("2", "2") => {
                let (seq, channel, mut all) = part1.take().expect("part 1 before part 2");
                assert_eq!((seq.as_str(), channel.as_str()), (f[3], f[4]));
                assert!(seq.len() == 1 && seq.as_bytes()[0].is_ascii_digit());
                all.extend(bits);
                assert_eq!(all.len(), 424);
                assert_eq!(uint(&all, 0, 6), 5);
                let mmsi = uint(&all, 8, 30) as u32;
                let v = s.vessel(mmsi).unwrap();
                assert_eq!(uint(&all, 40, 30) as u32, v.imo);
                assert_eq!(text(&all, 70, 7), v.callsign);
                assert_eq!(text(&all, 112, 20), v.name);
                assert_eq!(uint(&all, 232, 8) as u16, v.vessel_type);
                statics.push(mmsi);
                type5 += 1;
            }
            other => panic!("unexpected fragment {other:?}: {line}"),
        }
    }
    assert_eq!(expected.next(), None);
    assert_eq!(type1, s.row_count());
    assert_eq!(type5, s.vessels.len());
    statics.sort_unstable();
    statics.dedup();
    assert_eq!(statics.len(), s.vessels.len());
    assert!(styles.iter().all(|&n| n > 100), "{styles:?}");
    assert!(
        ["AI", "AB", "BS"]
            .iter()
            .all(|t| talkers.get(*t).copied().unwrap_or(0) > 100),
        "{talkers:?}"
    );
}

#[test]
fn bulk_tracks_have_their_sizes_and_gaps() {
    let s = bulk(3, 60, 400);
    assert_eq!(s.vessels.len(), 60);
    assert!(s.vessels.iter().all(|v| v.fixes.len() == 400));
    let mut mmsis: Vec<u32> = s.vessels.iter().map(|v| v.mmsi).collect();
    mmsis.sort_unstable();
    mmsis.dedup();
    assert_eq!(mmsis.len(), 60);
    check_intervals(&s);
    let gaps = s.planted.iter().filter(|p| p.kind == "gap").count();
    assert!(gaps >= 5, "{gaps} gaps");
    for p in s.planted.iter().filter(|p| p.kind == "gap") {
        assert_eq!(p.likely_off, p.end - p.start >= 12 * 3600);
    }
    assert_eq!(
        s.vessels
            .iter()
            .flat_map(|v| &v.fixes)
            .filter(|f| !f.placeable())
            .count(),
        s.unplaceable
    );
    let mut out = Vec::new();
    write(&s, Format::Noaa, &mut out).unwrap();
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), s.row_count() + 1);
    let mut again = Vec::new();
    write(&bulk(3, 60, 400), Format::Noaa, &mut again).unwrap();
    assert!(out == again);
}

/// The invariants over many seeds (slow in a debug build: run with `-- --ignored`).
#[test]
#[ignore]
fn many_seeds() {
    for seed in 0..300 {
        let s = scenario(seed);
        check_planted(&s);
        check_intervals(&s);
        check_port_calls(&s);
        check_slow(&s);
        check_jumps(&s);
        check_values(&s);
    }
}
