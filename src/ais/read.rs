//! AIS files to vessels and positions. The format is told from the header (or the sentences),
//! never from the file name; gzip and zip are opened on the way.
//!
//! Tables are read in blocks of whole lines, parsed on two threads (each keeps its own
//! vessels; they are joined at the end), so a file of ten million rows streams through in a
//! few seconds and is never held whole. Column names are matched case-insensitively, with
//! spaces, `_` and `#` ignored and the usual aliases. The "not available" values of AIS
//! (latitude 91, longitude 181, speed 102.3, course 360, heading 511) are dropped field by
//! field; a row without a vessel, a time or a position is counted by reason with its line.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::time::{self, DateOrder};
use super::{AisData, Dropped, Fix, Format, Vessel};

/// Lines longer than this are skipped: no AIS row is near it, and it bounds the memory a
/// block takes (a binary file has few newlines).
const MAX_LINE: usize = 64 << 10;
/// Bytes per block handed to a parsing thread.
const BLOCK: usize = 8 << 20;

#[derive(Debug, thiserror::Error)]
pub enum AisError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{0}")]
    NotAis(String),
}

/// Which column holds what; `None` for columns the file lacks.
#[derive(Clone, Debug, Default)]
struct Columns {
    mmsi: usize,
    time: usize,
    lat: usize,
    lon: usize,
    sog: Option<usize>,
    cog: Option<usize>,
    heading: Option<usize>,
    name: Option<usize>,
    imo: Option<usize>,
    callsign: Option<usize>,
    vessel_type: Option<usize>,
    seg_id: Option<usize>,
    /// Speeds in tenths of a knot (MarineTraffic's `SPEED`).
    speed_tenths: bool,
    width: usize,
}

/// A header name made comparable: lower case, without spaces, `_`, `-`, `#` and quotes.
fn norm(h: &str) -> String {
    h.trim().chars().filter(|c| !matches!(c, ' ' | '_' | '-' | '#' | '"' | '\u{feff}')).flat_map(char::to_lowercase).collect()
}

const MMSI: &[&str] = &["mmsi", "ssvid", "sourcemmsi", "userid", "vesselid", "shipmmsi", "vessel", "id"];
const TIME: &[&str] = &["basedatetime", "timestamp", "datetime", "timestamputc", "time", "postime", "positiontime", "date", "ts", "epoch", "msgtime"];
const LAT: &[&str] = &["lat", "latitude", "y"];
const LON: &[&str] = &["lon", "long", "longitude", "lng", "x"];
const SOG: &[&str] = &["sog", "speedknots", "speed", "speedoverground"];
const COG: &[&str] = &["cog", "course", "courseoverground"];
const HEADING: &[&str] = &["heading", "trueheading", "hdg"];
const NAME: &[&str] = &["vesselname", "shipname", "name"];
const IMO: &[&str] = &["imo", "imonumber", "imonr"];
const CALLSIGN: &[&str] = &["callsign"];
const TYPE: &[&str] = &["vesseltype", "shiptype", "shiptypename", "typeofship"];

fn find(names: &[String], aliases: &[&str]) -> Option<usize> {
    aliases.iter().find_map(|a| names.iter().position(|n| n == a))
}

/// The format and columns of a header row, or why it is not an AIS table.
fn columns(header: &[String]) -> Result<(Format, Columns), String> {
    let names: Vec<String> = header.iter().map(|h| norm(h)).collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    let first_raw = header.first().map(|h| h.trim_start_matches('\u{feff}').trim()).unwrap_or("");
    let format = if has("basedatetime") {
        if header.iter().any(|h| h.contains('_')) { Format::NoaaSnake } else { Format::Noaa }
    } else if first_raw.starts_with('#') && has("typeofmobile") {
        Format::Dma
    } else if has("segid") {
        Format::Gfw
    } else if has("shipid") && has("speed") {
        Format::MarineTraffic
    } else if has("msgtype") || has("navstatus") && has("callsign") {
        Format::Spire
    } else {
        Format::Generic
    };
    let need = |what: &str, aliases: &[&str]| find(&names, aliases).ok_or_else(|| format!("no {what} column (looked for {})", aliases.join(", ")));
    let cols = Columns {
        mmsi: need("vessel id (MMSI)", MMSI)?,
        time: need("time", TIME)?,
        lat: need("latitude", LAT)?,
        lon: need("longitude", LON)?,
        sog: find(&names, SOG),
        cog: find(&names, COG),
        heading: find(&names, HEADING),
        name: find(&names, NAME),
        imo: find(&names, IMO),
        callsign: find(&names, CALLSIGN),
        vessel_type: find(&names, TYPE),
        seg_id: find(&names, &["segid"]),
        speed_tenths: format == Format::MarineTraffic,
        width: names.len(),
    };
    Ok((format, cols))
}

/// What one thread parsed.
#[derive(Default)]
struct Partial {
    vessels: HashMap<u32, Vessel>,
    dropped: Dropped,
    rows: u64,
}

impl Partial {
    fn vessel(&mut self, mmsi: u32) -> &mut Vessel {
        self.vessels.entry(mmsi).or_insert_with(|| Vessel { mmsi, ..Vessel::default() })
    }
}

/// A missing value as the sources write it.
fn missing(s: &str) -> bool {
    matches!(s, "" | "None" | "none" | "NULL" | "null" | "NaN" | "nan" | "NA" | "N/A" | "n/a" | "Unknown" | "unknown" | "-")
}

fn field<'a>(rec: &'a csv::ByteRecord, i: Option<usize>) -> Option<&'a str> {
    let s = std::str::from_utf8(rec.get(i?)?).ok()?.trim();
    (!missing(s)).then_some(s)
}

fn number(rec: &csv::ByteRecord, i: Option<usize>) -> Option<f64> {
    field(rec, i)?.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// An MMSI or IMO: digits, possibly written as a float (`273123456.0`) or with `IMO` before.
fn id_number(s: &str) -> Option<u32> {
    let s = s.trim_start_matches("IMO").trim();
    s.parse::<u32>().ok().or_else(|| s.parse::<f64>().ok().filter(|v| v.fract() == 0.0 && *v > 0.0 && *v < 4.3e9).map(|v| v as u32))
}

/// Parses the rows of one block (whole lines; `first_line` is the first one's number).
fn parse_block(block: &[u8], first_line: u64, cols: &Columns, order: DateOrder, out: &mut Partial) {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(block);
    let mut rec = csv::ByteRecord::new();
    let mut line = first_line;
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                out.rows += 1;
                let at = e.position().map_or(line, |p| first_line + p.line() - 1);
                out.dropped.add("not a table row", at);
                line = at + 1;
                continue;
            }
        }
        line = rec.position().map_or(line + 1, |p| first_line + p.line() - 1);
        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        out.rows += 1;
        row(&rec, line, cols, order, out);
    }
}

fn row(rec: &csv::ByteRecord, line: u64, cols: &Columns, order: DateOrder, out: &mut Partial) {
    let mmsi = field(rec, Some(cols.mmsi))
        .and_then(id_number)
        .or_else(|| field(rec, cols.seg_id).and_then(|s| s.split('-').next()).and_then(id_number));
    let Some(mmsi) = mmsi.filter(|m| *m > 0) else {
        out.dropped.add(if rec.len() < cols.width.min(4) { "row too short" } else { "no vessel id (MMSI)" }, line);
        return;
    };
    let Some(t) = field(rec, Some(cols.time)) else {
        out.dropped.add("no time", line);
        return;
    };
    let Some(t) = time::parse(t, order) else {
        out.dropped.add("time not understood", line);
        return;
    };
    let (Some(lat), Some(lon)) = (number(rec, Some(cols.lat)), number(rec, Some(cols.lon))) else {
        out.dropped.add("no position", line);
        return;
    };
    if lat == 91.0 || lon == 181.0 {
        out.dropped.add("position not available (lat 91 / lon 181)", line);
        return;
    }
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        out.dropped.add("position out of range", line);
        return;
    }
    let mut fix = Fix::new(t, lon, lat);
    fix.line = line.min(u64::from(u32::MAX)) as u32;
    if let Some(v) = number(rec, cols.sog) {
        let v = if cols.speed_tenths { v / 10.0 } else { v };
        if (0.0..102.25).contains(&v) {
            fix.sog = v as f32;
        }
    }
    if let Some(v) = number(rec, cols.cog).filter(|v| (0.0..360.0).contains(v)) {
        fix.cog = v as f32;
    }
    if let Some(v) = number(rec, cols.heading).filter(|v| (0.0..360.0).contains(v)) {
        fix.heading = v as u16;
    }
    let vessel = out.vessel(mmsi);
    if vessel.fixes.is_empty() || vessel.name.is_none() {
        vessel.learn(field(rec, cols.name), field(rec, cols.imo).and_then(id_number), field(rec, cols.callsign), field(rec, cols.vessel_type));
    }
    vessel.fixes.push(fix);
}

/// Opens a file, through gzip or zip when its first bytes say so (the first table or NMEA
/// entry of a zip).
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>, AisError> {
    let io = |source| AisError::Io { path: path.display().to_string(), source };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic).map_err(io)?;
    drop(file);
    let file = std::fs::File::open(path).map_err(io)?;
    if n >= 2 && magic[..2] == [0x1f, 0x8b] {
        return Ok(Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file))));
    }
    if n == 4 && magic == *b"PK\x03\x04" {
        let mut zip = zip::ZipArchive::new(file).map_err(|e| AisError::NotAis(format!("{}: not a readable zip: {e}", path.display())))?;
        let entry = (0..zip.len())
            .find(|&i| zip.by_index(i).is_ok_and(|e| e.is_file() && !e.name().is_ok_and(|n| n.starts_with("__MACOSX"))))
            .ok_or_else(|| AisError::NotAis(format!("{}: the zip holds no file", path.display())))?;
        let mut bytes = Vec::new();
        zip.by_index(entry).map_err(|e| AisError::NotAis(e.to_string()))?.read_to_end(&mut bytes).map_err(io)?;
        return Ok(Box::new(std::io::Cursor::new(bytes)));
    }
    Ok(Box::new(BufReader::with_capacity(1 << 20, file)))
}

/// Reads an AIS file of any supported format.
pub fn read_path(path: &Path) -> Result<AisData, AisError> {
    let reader = open(path)?;
    read(reader).map_err(|e| match e {
        AisError::NotAis(m) => AisError::NotAis(format!("{}: {m}", path.display())),
        e => e,
    })
}

/// Whether these first bytes of a file look like AIS: NMEA sentences, or a table header the
/// readers know.
pub fn sniff(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 << 10)]);
    if super::nmea::looks_like(&text) {
        return Some(Format::Nmea);
    }
    let first = text.lines().next()?;
    let header = csv::ReaderBuilder::new().has_headers(false).from_reader(first.as_bytes()).records().next()?.ok()?;
    let header: Vec<String> = header.iter().map(str::to_owned).collect();
    let (format, _) = columns(&header).ok()?;
    // A generic table needs a column named like an MMSI, not just "id", to be taken as AIS.
    let names: Vec<String> = header.iter().map(|h| norm(h)).collect();
    (format != Format::Generic || names.iter().any(|n| matches!(n.as_str(), "mmsi" | "ssvid" | "sourcemmsi" | "userid"))).then_some(format)
}

/// Reads AIS from a stream: NMEA or a table, told from the first block.
pub fn read(mut reader: impl BufRead + Send) -> Result<AisData, AisError> {
    let io = |source| AisError::Io { path: String::from("input"), source };
    // The first block: the header, and enough rows to tell the date order.
    let mut first = Vec::with_capacity(BLOCK);
    (&mut reader).take(BLOCK as u64).read_to_end(&mut first).map_err(io)?;
    let text_head = String::from_utf8_lossy(&first[..first.len().min(64 << 10)]).into_owned();
    if super::nmea::looks_like(&text_head) {
        return super::nmea::read(std::io::Cursor::new(first).chain(reader));
    }
    if first.contains(&0) {
        return Err(AisError::NotAis("a binary file, not an AIS table or NMEA".into()));
    }
    let header_end = first.iter().position(|&b| b == b'\n').unwrap_or(first.len());
    if header_end > MAX_LINE {
        return Err(AisError::NotAis("the first line is not a table header (too long)".into()));
    }
    let header_line = String::from_utf8_lossy(&first[..header_end]).trim_end_matches('\r').to_owned();
    let header: Vec<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(header_line.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let (format, cols) = columns(&header).map_err(|m| AisError::NotAis(format!("not an AIS table: {m}")))?;
    let mut notes = Vec::new();
    let order = match format {
        Format::Dma => DateOrder::DayFirst,
        _ => {
            let sample = String::from_utf8_lossy(&first[header_end.min(first.len())..first.len().min(header_end + (1 << 20))]).into_owned();
            let times: Vec<String> = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(sample.as_bytes())
                .records()
                .filter_map(Result::ok)
                .filter_map(|r| r.get(cols.time).map(str::to_owned))
                .collect();
            match time::order_from(times.iter().map(String::as_str)) {
                Some(o) => {
                    if times.iter().any(|t| t.contains('/')) {
                        notes.push(format!("dates read {} (told from the data)", if o == DateOrder::DayFirst { "day-first" } else { "month-first" }));
                    }
                    o
                }
                None => {
                    if times.iter().any(|t| t.contains('/')) {
                        notes.push("dates with slashes read month-first: no day over 12 tells otherwise".into());
                    }
                    DateOrder::MonthFirst
                }
            }
        }
    };
    let mut rest = first.split_off((header_end + 1).min(first.len()));
    drop(first);
    // Blocks of whole lines go to two parsing threads.
    let (send, recv) = std::sync::mpsc::sync_channel::<(Vec<u8>, u64)>(2);
    let recv = std::sync::Mutex::new(recv);
    let parts: Vec<Partial> = std::thread::scope(|scope| -> Result<Vec<Partial>, AisError> {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (recv, cols) = (&recv, &cols);
                scope.spawn(move || {
                    let mut part = Partial::default();
                    loop {
                        let job = recv.lock().map_or(None, |r| r.recv().ok());
                        let Some((block, line)) = job else { break };
                        parse_block(&block, line, cols, order, &mut part);
                    }
                    part
                })
            })
            .collect();
        let mut line = 2u64;
        let mut carry = std::mem::take(&mut rest);
        let mut failed = None;
        loop {
            let mut block = std::mem::take(&mut carry);
            let want = BLOCK.saturating_sub(block.len()).max(1 << 16);
            let got = (&mut reader).take(want as u64).read_to_end(&mut block);
            let n = match got {
                Ok(n) => n,
                Err(e) => {
                    failed = Some(io(e));
                    0
                }
            };
            let at_end = n == 0;
            if !at_end && let Some(cut) = block.iter().rposition(|&b| b == b'\n') {
                carry = block.split_off(cut + 1);
            }
            if block.is_empty() && at_end {
                break;
            }
            let block = without_long_lines(block);
            let lines = block.iter().filter(|&&b| b == b'\n').count() as u64;
            if send.send((block, line)).is_err() {
                break;
            }
            line += lines;
            if at_end {
                break;
            }
        }
        drop(send);
        let parts = workers.into_iter().map(|w| w.join().unwrap_or_default()).collect();
        match failed {
            Some(e) => Err(e),
            None => Ok(parts),
        }
    })?;
    let mut data = AisData { format, vessels: Vec::new(), rows: 0, dropped: Dropped::default(), notes };
    let mut by_mmsi: HashMap<u32, Vessel> = HashMap::new();
    for part in parts {
        data.rows += part.rows;
        data.dropped.merge(part.dropped);
        for (mmsi, v) in part.vessels {
            match by_mmsi.get_mut(&mmsi) {
                Some(mine) => {
                    mine.learn(v.name.as_deref(), v.imo, v.callsign.as_deref(), v.vessel_type.as_deref());
                    mine.fixes.extend(v.fixes);
                }
                None => {
                    by_mmsi.insert(mmsi, v);
                }
            }
        }
    }
    data.vessels = by_mmsi.into_values().collect();
    data.vessels.sort_by_key(|v| v.mmsi);
    if data.vessels.is_empty() {
        let why = if data.dropped.total() > 0 { format!(": {}", data.dropped.lines().join("; ")) } else { String::new() };
        return Err(AisError::NotAis(format!("{} with no position that could be placed{why}", format.name())));
    }
    Ok(data)
}

/// Blanks lines longer than [`MAX_LINE`], keeping their newline so line numbers stay right:
/// they are dropped as rows too short, with their line.
fn without_long_lines(block: Vec<u8>) -> Vec<u8> {
    if block.len() <= MAX_LINE || !block.split(|&b| b == b'\n').any(|l| l.len() > MAX_LINE) {
        return block;
    }
    let mut out = Vec::with_capacity(block.len());
    for (i, l) in block.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        if l.len() > MAX_LINE {
            // A row with no fields: dropped as "row too short" with its line.
            out.extend_from_slice(b"\x01");
        } else {
            out.extend_from_slice(l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(s: &str) -> AisData {
        read(std::io::Cursor::new(s.as_bytes().to_vec())).unwrap()
    }

    #[test]
    fn noaa_rows_with_not_available_fields() {
        let d = read_str(
            "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass\n\
             273123456,2023-08-01T12:00:00,42.5,132.1,102.3,360.0,511,OCEAN STAR,IMO9876543,UBCD7,70,0,120,20,7,70,A\n\
             273123456,2023-08-01T12:05:00,91,181,10,90,90,OCEAN STAR,IMO9876543,UBCD7,70,0,120,20,7,70,A\n\
             ,2023-08-01T12:05:00,42.5,132.1,10,90,90,,,,,,,,,,\n\
             273123456,yesterday,42.5,132.1,10,90,90,,,,,,,,,,\n",
        );
        assert_eq!(d.format, Format::Noaa);
        let v = &d.vessels[0];
        assert_eq!((v.mmsi, v.name.as_deref(), v.imo, v.callsign.as_deref()), (273123456, Some("OCEAN STAR"), Some(9876543), Some("UBCD7")));
        assert_eq!(v.fixes.len(), 1);
        let f = v.fixes[0];
        assert!(f.sog.is_nan() && f.cog.is_nan() && f.heading == 511, "{f:?}");
        assert_eq!(f.line, 2);
        assert_eq!(d.rows, 4);
        let reasons: Vec<_> = d.dropped.reasons.iter().map(|(r, (n, l))| (*r, *n, l.clone())).collect();
        assert_eq!(
            reasons,
            vec![
                ("no vessel id (MMSI)", 1, vec![4]),
                ("position not available (lat 91 / lon 181)", 1, vec![3]),
                ("time not understood", 1, vec![5]),
            ]
        );
    }

    #[test]
    fn formats_are_told_from_headers() {
        let cases = [
            ("# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading\n14/08/2023 10:00:00,Class A,219000001,55.1,11.2,Under way,0,10,90,91\n", Format::Dma),
            ("ssvid,seg_id,timestamp,lon,lat,speed_knots,course\n,412000001-2023-08-01T00:00:00.000000Z,2023-08-14 10:00:00 UTC,132.0,42.0,11,80\n", Format::Gfw),
            ("MMSI,IMO,SHIP_ID,SHIPNAME,LAT,LON,SPEED,HEADING,COURSE,TIMESTAMP\n273000001,,77,X,42.0,132.0,105,90,90,2023-08-14T10:00:00.000Z\n", Format::MarineTraffic),
            ("timestamp,mmsi,imo,name,call_sign,ship_type,longitude,latitude,speed,course,heading,nav_status,msg_type\n2023-08-14T10:00:00Z,273000002,None,None,None,None,132.0,42.0,10.5,None,None,0,1\n", Format::Spire),
            ("vessel_id,time,latitude,longitude,speed\n273000003,08/14/2023 10:00:00,42.0,132.0,10\n", Format::Generic),
        ];
        let t = time::unix(2023, 8, 14, 10, 0, 0).unwrap();
        for (text, format) in cases {
            let d = read_str(text);
            assert_eq!(d.format, format, "{text}");
            assert_eq!(d.vessels.len(), 1, "{text}");
            assert_eq!(d.vessels[0].fixes[0].t, t, "{format:?}");
        }
        let mt = read_str(cases[2].0);
        assert_eq!(mt.vessels[0].fixes[0].sog, 10.5, "MarineTraffic speeds are tenths of a knot");
        let gfw = read_str(cases[1].0);
        assert_eq!((gfw.vessels[0].mmsi, gfw.vessels[0].fixes[0].lon), (412000001, 132.0), "the vessel from seg_id; lon before lat");
    }

    #[test]
    fn hostile_input_ends_with_a_message() {
        for bad in [&b"\x00\x01\x02binary"[..], b"just,some,columns\n1,2,3\n", b""] {
            assert!(read(std::io::Cursor::new(bad.to_vec())).is_err());
        }
        let long = "9".repeat(100_000);
        let d = read_str(&format!("mmsi,time,lat,lon\n1,2023-08-01T00:00:00,1e400,5\n{long}\n3,2023-08-01T00:00:00,10,10\n4,true,1,1\n2,2023-08-01T00:00:00,\"unterminated,5\n"));
        assert_eq!(d.positions(), 1);
        let lines: Vec<u64> = d.dropped.reasons.values().flat_map(|r| r.1.clone()).collect();
        assert!([2, 3, 5].iter().all(|l| lines.contains(l)), "{:?}", d.dropped);
    }
}
