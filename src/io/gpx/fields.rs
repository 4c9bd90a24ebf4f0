//! Optional fields as GPS units write them: empty (`<fix></fix>`, `<sat></sat>`, `<ele/>`)
//! or malformed (`<hdop>abc</hdop>`, a `<time>` that is no date). The gpx crate refuses a whole
//! file, and then a whole point, for one of them; so they are taken out of the text before it
//! parses, each with a warning naming its point, which keeps its position and other fields.
//! Values with spaces around them (`<ele> 12.5 </ele>`), which the crate also refuses, are
//! trimmed.

use std::ops::Range;

use time::format_description::well_known::Iso8601;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::io::xml::{self, Event, local};

/// Fields left out that are listed one by one before the rest are only counted.
const MAX_LISTED: usize = 20;

/// What a field must hold for the gpx crate to take it.
#[derive(Clone, Copy)]
enum Kind {
    /// Any text but none.
    Text,
    /// A decimal number.
    Number,
    /// A whole number (`sat`: `u64`, `dgpsid`: `u16`, `number`: `u32`).
    Whole(u64),
    Time,
}

/// The fields the gpx crate parses strictly, by the element that holds them.
fn kind(owner: &str, field: &str) -> Option<Kind> {
    const POINTS: [&str; 3] = ["wpt", "rtept", "trkpt"];
    let point = POINTS.contains(&owner);
    Some(match field {
        "ele" | "geoidheight" | "hdop" | "vdop" | "pdop" | "ageofdgpsdata" | "speed" if point => Kind::Number,
        "sat" if point => Kind::Whole(u64::MAX),
        "dgpsid" if point => Kind::Whole(u16::MAX.into()),
        "fix" | "sym" if point => Kind::Text,
        "type" if point || owner == "rte" || owner == "trk" => Kind::Text,
        "name" if owner == "rte" => Kind::Text,
        "number" if owner == "rte" || owner == "trk" => Kind::Whole(u32::MAX.into()),
        "time" if point || owner == "metadata" => Kind::Time,
        _ => return None,
    })
}

/// Whether the gpx crate reads `s` as a time: ISO 8601 with or without an offset (then UTC),
/// within the years it can hold in UTC.
pub(super) fn is_time(s: &str) -> bool {
    let t = OffsetDateTime::parse(s, &Iso8601::PARSING).or_else(|_| PrimitiveDateTime::parse(s, &Iso8601::PARSING).map(PrimitiveDateTime::assume_utc));
    t.ok().and_then(|t| t.checked_to_offset(UtcOffset::UTC)).is_some()
}

/// Why the crate would refuse `value` (trimmed), or `None` when it takes it.
fn refusal(kind: Kind, name: &str, value: &str) -> Option<String> {
    let shown = || {
        let mut s: String = value.chars().take(40).collect();
        if s.len() < value.len() {
            s.push('…');
        }
        format!("{s:?}")
    };
    if value.is_empty() {
        return Some(format!("the <{name}> is empty"));
    }
    match kind {
        Kind::Text => None,
        Kind::Number => value.parse::<f64>().is_err().then(|| format!("the <{name}> {} is not a number", shown())),
        Kind::Whole(max) => match value.parse::<u64>() {
            Ok(n) if n <= max => None,
            _ => Some(format!("the <{name}> {} is not a whole number from 0 to {max}", shown())),
        },
        Kind::Time => (!is_time(value)).then(|| format!("the <{name}> {} is not an ISO 8601 date and time", shown())),
    }
}

/// Follows the walk of a GPX file, and takes out the fields the crate would refuse.
#[derive(Default)]
pub(super) struct Fields<'t> {
    /// Local names and start offsets of the open elements, the root first.
    open: Vec<(&'t str, usize)>,
    /// Waypoints, routes and tracks so far, and the points of the current route or track.
    counts: [usize; 3],
    point: usize,
    /// Warnings about fields of elements still open: the depth of the element, its start, the
    /// message. Kept when it ends whole (a damaged one is skipped with an error anyway).
    pending: Vec<(usize, usize, String)>,
    /// Warnings about fields left out: the start of their point (or route, track), the message.
    pub(super) warnings: Vec<(usize, String)>,
    /// Fields left out past the first [`MAX_LISTED`].
    pub(super) more: usize,
}

impl<'t> Fields<'t> {
    pub(super) fn on(&mut self, text: &'t str, event: &Event<'t>, edits: &mut Vec<xml::Edit>) {
        match *event {
            Event::Start { name, start, depth, .. } => {
                self.open.truncate(depth);
                let name = local(name);
                match (depth, name, self.open.last().map(|o| o.0)) {
                    (1, "wpt", _) => self.counts[0] += 1,
                    (1, "rte" | "trk", _) => {
                        self.counts[if name == "rte" { 1 } else { 2 }] += 1;
                        self.point = 0;
                    }
                    (2, "rtept", Some("rte")) | (3, "trkpt", Some("trkseg")) => self.point += 1,
                    _ => {}
                }
                self.open.push((name, start));
            }
            Event::End { name, ref span, ref inner, damage, depth } => {
                if damage.is_none() {
                    self.field(text, local(name), span, inner, depth, edits);
                }
                if self.pending.last().is_some_and(|p| p.0 == depth) {
                    let first = self.pending.partition_point(|p| p.0 != depth);
                    for (_, at, message) in self.pending.split_off(first) {
                        if damage.is_some() {
                            continue;
                        }
                        if self.warnings.len() < MAX_LISTED {
                            self.warnings.push((at, message));
                        } else {
                            self.more += 1;
                        }
                    }
                }
                self.open.truncate(depth);
            }
            Event::Text { .. } => {}
        }
    }

    /// A field that ended at `depth`: taken out (or trimmed) when the crate would refuse it.
    fn field(&mut self, text: &str, name: &str, span: &Range<usize>, inner: &Range<usize>, depth: usize, edits: &mut Vec<xml::Edit>) {
        let Some(&(owner, owner_start)) = depth.checked_sub(1).and_then(|d| self.open.get(d)) else { return };
        let Some(kind) = kind(owner, name) else { return };
        let label = match (depth - 1, owner) {
            (1, "wpt") => format!("waypoint {}", self.counts[0]),
            (2, "rtept") => format!("route {}, point {}", self.counts[1], self.point),
            (3, "trkpt") => format!("track {}, point {}", self.counts[2], self.point),
            (1, "rte") => format!("route {}", self.counts[1]),
            (1, "trk") => format!("track {}", self.counts[2]),
            (1, "metadata") => "the metadata".to_owned(),
            _ => return,
        };
        let raw = &text[inner.clone()];
        if raw.contains('<') {
            return; // CDATA, comments or child elements: left to the crate.
        }
        let value = xml::unescape(raw);
        let trimmed = value.trim();
        match refusal(kind, name, trimmed) {
            Some(why) => {
                edits.push(xml::Edit { range: span.clone(), with: String::new() });
                self.pending.push((depth - 1, owner_start, format!("{label}: {why}; left out")));
            }
            None if trimmed.len() != value.len() && !matches!(kind, Kind::Text) => {
                edits.push(xml::Edit { range: inner.clone(), with: xml::escape_text(trimmed) });
            }
            None => {}
        }
    }
}
