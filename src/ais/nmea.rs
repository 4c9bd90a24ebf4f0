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

/// The parts of a multi-part message read so far.
struct Pending {
    count: u8,
    next: u8,
    id: String,
    head: String,
    payload: String,
}

enum Assembled {
    /// A whole message the decoder can take, as one sentence.
    Whole(String),
    /// A part of a message still coming.
    Part,
    /// A message of a type that holds no position or identity.
    Other,
    /// Why the sentence was dropped.
    Bad(&'static str),
}

/// The value of a six-bit armour character (`0`–`W`, `` ` ``–`w`).
fn armour(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'W' => Some(b - 48),
        b'`'..=b'w' => Some(b - 56),
        _ => None,
    }
}

fn checksum(body: &str) -> u8 {
    body.bytes().fold(0, |x, b| x ^ b)
}

/// Checks a sentence (ASCII, its checksum, the payload's characters), joins the parts of
/// multi-part messages, and gives back whole messages of the types read (1, 2, 3, 5, 18, 19,
/// 24, 27) with payloads long enough for their fields, as single sentences.
fn assemble(sentence: &str, pending: &mut Option<Pending>) -> Assembled {
    if !sentence.is_ascii() {
        return Assembled::Bad("sentence not understood");
    }
    let (body, sum) = match sentence.rsplit_once('*') {
        Some((b, s)) => (b, Some(s.trim())),
        None => (sentence, None),
    };
    if let Some(sum) = sum.filter(|s| !s.is_empty()) {
        if u8::from_str_radix(sum.get(..2).unwrap_or(sum), 16).ok() != Some(checksum(&body[1..])) {
            return Assembled::Bad("checksum does not match");
        }
    }
    let f: Vec<&str> = body.split(',').collect();
    if f.len() < 7 || !(f[0].ends_with("VDM") || f[0].ends_with("VDO")) {
        return Assembled::Bad("sentence not understood");
    }
    let (Ok(count), Ok(number)) = (f[1].parse::<u8>(), f[2].parse::<u8>()) else { return Assembled::Bad("sentence not understood") };
    let fill: usize = f[6].parse().unwrap_or(0);
    if count == 0 || number == 0 || number > count || fill > 5 || !f[5].bytes().all(|b| armour(b).is_some()) {
        return Assembled::Bad("sentence not understood");
    }
    let payload = if count == 1 {
        *pending = None;
        f[5].to_owned()
    } else if number == 1 {
        *pending = Some(Pending { count, next: 2, id: f[3].to_owned(), head: format!("{},1,1,,{}", f[0], f[4]), payload: f[5].to_owned() });
        return Assembled::Part;
    } else {
        match pending.take() {
            Some(mut p) if p.count == count && p.next == number && p.id == f[3] => {
                p.payload.push_str(f[5]);
                if number < count {
                    p.next += 1;
                    *pending = Some(p);
                    return Assembled::Part;
                }
                let whole = p.payload;
                let head = p.head;
                return finish(&head, whole, fill);
            }
            _ => return Assembled::Bad("part of a message whose other parts are missing"),
        }
    };
    finish(&format!("{},1,1,,{}", f[0], f[4]), payload, fill)
}

/// A whole message as one sentence for the decoder, if its type is read and its payload
/// holds every field of it.
fn finish(head: &str, payload: String, fill: usize) -> Assembled {
    let Some(kind) = payload.bytes().next().and_then(armour) else { return Assembled::Bad("sentence not understood") };
    let bits = (payload.len() * 6).saturating_sub(fill);
    let needed = match kind {
        1..=3 | 18 => 168,
        19 => 312,
        27 => 96,
        5 => 424,
        // Part A (name) is 160 bits, part B (type, call sign) 168; the part number is bits 38–39.
        24 => {
            let part = payload.as_bytes().get(6).and_then(|&b| armour(b)).map_or(0, |v| (v >> 2) & 0b11);
            if part == 0 { 160 } else { 168 }
        }
        _ => return Assembled::Other,
    };
    if bits < needed {
        return Assembled::Bad("message shorter than its type");
    }
    let body = format!("{head},{payload},{fill}");
    let sum = checksum(&body[1..]);
    Assembled::Whole(format!("{body}*{sum:02X}"))
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
    let mut pending: Option<Pending> = None;
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
        // Multi-part messages are joined here, and only whole messages of the types read,
        // long enough for their fields, reach the decoder (`nmea-parser` indexes past the end
        // of short payloads).
        let sentence = match assemble(sentence, &mut pending) {
            Assembled::Whole(s) => s,
            Assembled::Part => {
                if message_time.is_none() || t.is_some() {
                    message_time = t.map(|t| (t, line_no));
                }
                rows -= 1; // counted once, with its last part
                continue;
            }
            Assembled::Other => {
                message_time = None;
                rows -= 1; // not a position or static report
                continue;
            }
            Assembled::Bad(reason) => {
                message_time = None;
                dropped.add(reason, line_no);
                continue;
            }
        };
        let parsed = parser.parse_sentence(&sentence);
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
