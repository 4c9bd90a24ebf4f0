//! Raw AIS: `!AIVDM` / `!AIVDO` sentences of any talker (`AI`, `AB`, `BS`, …), multi-sentence
//! messages joined, decoded by the `nmea-parser` crate (positions from message types 1, 2, 3,
//! 18, 19 and 27; names, call signs, IMO numbers and ship types from 5 and 24).
//!
//! AIS messages carry no date, so each takes its time from what the receiver wrote with it:
//! an NMEA 4 tag block (`\s:rcv01,c:1690893296*hh\!AIVDM,…`, `c` in Unix seconds or
//! milliseconds), a Gatehouse `$PGHP,1,yyyy,mm,dd,hh,mm,ss,ms,…` line before the message, or
//! a receiver timestamp at the start of the line (`2023-08-01 12:34:56 !AIVDM,…`,
//! `1690893296.2 !AIVDM,…`). A message with none of them is dropped as "no time".

use std::collections::HashMap;
use std::io::{BufRead, Read};

use nmea_parser::{NmeaParser, ParsedMessage};

use super::read::AisError;
use super::time::{self, DateOrder};
use super::{AisData, Dropped, Fix, Format, Vessel};

/// Lines longer than this are not NMEA (a sentence is at most 82 characters, a tag block a
/// few dozen more).
const MAX_LINE: usize = 1024;

/// Whether the start of a file is AIS sentences: one of its first lines holds `VDM,`/`VDO,`
/// right after `!` and a two-letter talker.
pub fn looks_like(text: &str) -> bool {
    text.lines().take(50).any(|l| {
        l.find('!').is_some_and(|i| {
            let s = &l[i + 1..];
            s.len() > 6 && s.is_char_boundary(2) && s.is_char_boundary(6) && matches!(&s[2..6], "VDM," | "VDO,")
        })
    })
}

/// What `nmea-parser` can be handed safely: ASCII (it slices by byte), and a payload of
/// six-bit armour characters only (`0`–`W`, `` ` ``–`w`; it subtracts 48 from each).
fn well_formed(sentence: &str) -> bool {
    sentence.is_ascii()
        && sentence.split(',').nth(5).is_some_and(|payload| payload.bytes().all(|b| matches!(b, b'0'..=b'W' | b'`'..=b'w')))
}

/// The time in a tag block's `c:` field.
fn tag_block_time(block: &str) -> Option<i64> {
    let body = block.split('*').next()?;
    body.split(',').find_map(|f| f.strip_prefix("c:")).and_then(|c| time::parse(c, DateOrder::MonthFirst))
}

/// The time of a Gatehouse `$PGHP,1,yyyy,mm,dd,hh,mm,ss,ms,…` line.
fn gatehouse_time(line: &str) -> Option<i64> {
    let f: Vec<&str> = line.split(['*']).next()?.split(',').collect();
    if f.first() != Some(&"$PGHP") || f.get(1) != Some(&"1") {
        return None;
    }
    let n = |i: usize| f.get(i)?.trim().parse::<u32>().ok();
    time::unix(n(2)? as i32, n(3)?, n(4)?, n(5)?, n(6)?, n(7)?)
}

/// Reads NMEA sentences.
pub fn read(mut reader: impl BufRead) -> Result<AisData, AisError> {
    let mut parser = NmeaParser::new();
    let mut vessels: HashMap<u32, Vessel> = HashMap::new();
    let mut dropped = Dropped::default();
    let mut rows = 0u64;
    // A time seen on a line without a message (Gatehouse), for the next message; and the
    // time of the first part of a multi-part message.
    let mut next_time: Option<i64> = None;
    let mut message_time: Option<(i64, u64)> = None;
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = reader.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut buf).map_err(|source| AisError::Io { path: "input".into(), source })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
            // Skip the rest of an overlong line.
            let mut sink = Vec::new();
            let _ = reader.read_until(b'\n', &mut sink);
            dropped.add("line too long for NMEA", line_no);
            continue;
        }
        let Ok(line) = std::str::from_utf8(&buf) else {
            dropped.add("not text", line_no);
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with("$PGHP") {
            next_time = gatehouse_time(line);
            continue;
        }
        let Some(bang) = line.find('!') else {
            if !line.starts_with('$') {
                dropped.add("not an NMEA sentence", line_no);
            }
            continue;
        };
        let (before, sentence) = line.split_at(bang);
        // The time written with this sentence, if any.
        let mut t = None;
        let before = before.trim();
        if let Some(block) = before.strip_prefix('\\') {
            t = tag_block_time(block.trim_end_matches('\\'));
        } else if !before.is_empty() {
            t = time::parse(before.trim_matches(['[', ']', ' ', ',', ';']), DateOrder::MonthFirst);
        }
        let t = t.or(next_time.take());
        rows += 1;
        if !well_formed(sentence) {
            message_time = None;
            dropped.add("sentence not understood", line_no);
            continue;
        }
        let parsed = parser.parse_sentence(sentence);
        match parsed {
            Ok(ParsedMessage::Incomplete) => {
                if message_time.is_none() || t.is_some() {
                    message_time = t.map(|t| (t, line_no));
                }
                rows -= 1; // counted once, with its last part
            }
            Ok(ParsedMessage::VesselDynamicData(d)) => {
                let t = message_time.take().map(|m| m.0).or(t);
                let Some(t) = t else {
                    dropped.add("no time", line_no);
                    continue;
                };
                let (Some(lat), Some(lon)) = (d.latitude, d.longitude) else {
                    dropped.add("position not available (lat 91 / lon 181)", line_no);
                    continue;
                };
                if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                    dropped.add("position out of range", line_no);
                    continue;
                }
                let mut fix = Fix::new(t, lon, lat);
                fix.line = line_no.min(u64::from(u32::MAX)) as u32;
                fix.sog = d.sog_knots.filter(|s| (0.0..102.25).contains(s)).map_or(f32::NAN, |s| s as f32);
                fix.cog = d.cog.filter(|c| (0.0..360.0).contains(c)).map_or(f32::NAN, |c| c as f32);
                fix.heading = d.heading_true.filter(|h| (0.0..360.0).contains(h)).map_or(511, |h| h as u16);
                vessels.entry(d.mmsi).or_insert_with(|| Vessel { mmsi: d.mmsi, ..Vessel::default() }).fixes.push(fix);
            }
            Ok(ParsedMessage::VesselStaticData(s)) => {
                message_time = None;
                let v = vessels.entry(s.mmsi).or_insert_with(|| Vessel { mmsi: s.mmsi, ..Vessel::default() });
                let kind = format!("{}", s.ship_type);
                let kind = (!kind.is_empty() && kind != "NotAvailable" && kind != "not available").then_some(kind);
                v.learn(s.name.as_deref(), s.imo_number, s.call_sign.as_deref(), kind.as_deref());
                rows -= 1; // not a position
            }
            Ok(_) => {
                message_time = None;
                rows -= 1; // other messages (base stations, safety, …) are not positions
            }
            Err(e) => {
                message_time = None;
                let reason = match e {
                    nmea_parser::ParseError::CorruptedSentence(_) => "checksum does not match",
                    nmea_parser::ParseError::UnsupportedSentenceType(_) => {
                        rows -= 1;
                        continue;
                    }
                    _ => "sentence not understood",
                };
                dropped.add(reason, line_no);
            }
        }
    }
    let mut vessels: Vec<Vessel> = vessels.into_values().filter(|v| !v.fixes.is_empty()).collect();
    vessels.sort_by_key(|v| v.mmsi);
    if vessels.is_empty() {
        let why = if dropped.total() > 0 { format!(": {}", dropped.lines().join("; ")) } else { String::new() };
        return Err(AisError::NotAis(format!("NMEA with no position that could be placed{why}")));
    }
    Ok(AisData { format: Format::Nmea, vessels, rows, dropped, notes: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_from_tag_blocks_gatehouse_and_receiver_stamps() {
        // A type 1 report (from the gpsd AIVDM documentation's samples) under three kinds of
        // time, and one with none.
        let s = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A";
        let text = format!(
            "\\s:rcv01,c:1690893296*00\\{s}\n$PGHP,1,2023,8,1,12,40,0,0,,,,1,*00\n{s}\n2023-08-01 12:45:00 {s}\n{s}\n"
        );
        assert!(looks_like(&text));
        let d = read(std::io::Cursor::new(text.into_bytes())).unwrap();
        let v = &d.vessels[0];
        assert_eq!(v.mmsi, 371798000);
        let times: Vec<i64> = v.fixes.iter().map(|f| f.t).collect();
        let base = time::unix(2023, 8, 1, 12, 34, 56).unwrap();
        assert_eq!(times, vec![base, base + 304, base + 604]);
        assert_eq!(d.dropped.reasons.get("no time").map(|r| r.1.clone()), Some(vec![5]));
        assert!((v.fixes[0].lat - 48.38163).abs() < 1e-4 && (v.fixes[0].lon + 123.39538).abs() < 1e-4, "{:?}", v.fixes[0]);
    }
}
