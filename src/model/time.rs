//! Dates as investigations know them: ISO 8601 at the precision known (`2023-10-16`,
//! `2023-10`, `2023`), single or as a range (`2023-08/2023-12`, or `2023-08..2023-12` as the
//! research tables write it).
//!
//! A date at month precision stands for the whole month, so every date is a range of days,
//! and comparisons are by overlap.

use std::fmt;

/// A day, counted from 0000-03-01 in the proleptic Gregorian calendar (any fixed epoch works:
/// only differences and order matter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

impl Day {
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Day {
        // Days from civil, after Howard Hinnant's algorithm (shifting the year to start in March).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m as i32 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Day(era * 146_097 + doe)
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        let era = self.0.div_euclid(146_097);
        let doe = self.0 - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i32::from(m <= 2);
        (y, m, d)
    }
}

impl Day {
    /// Today (UTC), by the system clock.
    pub fn today() -> Day {
        let secs = std::time::SystemTime::now().duration_since(std::time::SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Day(Day::from_ymd(1970, 1, 1).0 + (secs / 86_400) as i32)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

fn days_in_month(y: i32, m: u32) -> u32 {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// An inclusive range of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateRange {
    pub first: Day,
    pub last: Day,
}

impl DateRange {
    /// Parses one date at any precision, or a range `a/b` or `a..b`. A time of day after `T`
    /// is ignored. Open ends (`2023-08/..`) are not accepted.
    pub fn parse(text: &str) -> Option<DateRange> {
        let text = text.trim();
        let (a, b) = match text.split_once('/').or_else(|| text.split_once("..")) {
            Some((a, b)) => (a, b),
            None => (text, text),
        };
        let (first, _) = Self::one(a)?;
        let (_, last) = Self::one(b)?;
        (first <= last).then_some(DateRange { first, last })
    }

    /// Like [`DateRange::parse`], with what is wrong when it is not a date or range, for a
    /// form to show beside the field.
    pub fn check(text: &str) -> Result<DateRange, String> {
        if let Some(r) = Self::parse(text) {
            return Ok(r);
        }
        let text = text.trim();
        let parts: Vec<&str> = match text.split_once('/').or_else(|| text.split_once("..")) {
            Some((a, b)) => vec![a, b],
            None => vec![text],
        };
        let open_end = parts.len() == 2 && parts.iter().filter(|p| p.trim().is_empty()).count() == 1 && parts.iter().any(|p| Self::one(p).is_some());
        match parts.iter().find(|p| Self::one(p).is_none()) {
            Some(_) if open_end => Err("an open end is not allowed: give both dates".into()),
            Some(bad) if bad.trim().is_empty() => Err(format!("{text:?} is not a date: write 2023, 2023-10 or 2023-10-16")),
            Some(bad) => Err(format!("{:?} is not a date: write 2023, 2023-10 or 2023-10-16", bad.trim())),
            None => Err("the range ends before it starts".into()),
        }
    }

    /// The first and last day of a single date at its precision.
    fn one(text: &str) -> Option<(Day, Day)> {
        let date = text.trim().split('T').next()?;
        let mut parts = date.split('-');
        let y: i32 = parts.next().filter(|p| p.len() == 4)?.parse().ok()?;
        let m: Option<u32> = match parts.next() {
            Some(p) => Some(p.parse().ok().filter(|m| (1..=12).contains(m))?),
            None => None,
        };
        let d: Option<u32> = match parts.next() {
            Some(p) => Some(p.parse().ok()?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        match (m, d) {
            (None, None) => Some((Day::from_ymd(y, 1, 1), Day::from_ymd(y, 12, 31))),
            (Some(m), None) => Some((Day::from_ymd(y, m, 1), Day::from_ymd(y, m, days_in_month(y, m)))),
            (Some(m), Some(d)) if (1..=days_in_month(y, m)).contains(&d) => Some((Day::from_ymd(y, m, d), Day::from_ymd(y, m, d))),
            _ => None,
        }
    }

    pub fn overlaps(&self, other: &DateRange) -> bool {
        self.first <= other.last && other.first <= self.last
    }

    pub fn union(&self, other: &DateRange) -> DateRange {
        DateRange { first: self.first.min(other.first), last: self.last.max(other.last) }
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last { write!(f, "{}", self.first) } else { write!(f, "{}/{}", self.first, self.last) }
    }
}

/// When an event happened: from its start to its end date.
pub fn event_range(e: &super::Event) -> Option<DateRange> {
    let start = DateRange::parse(&e.date_start)?;
    match e.date_end.as_deref().and_then(DateRange::parse) {
        Some(end) => Some(start.union(&end)),
        None => Some(start),
    }
}

/// When a feature was current: its `period`, else the span of the events it lists, else
/// `None` (timeless: always shown).
pub fn feature_range(f: &super::Feature, case: Option<&super::Case>) -> Option<DateRange> {
    if let Some(p) = f.str_prop("period").and_then(DateRange::parse) {
        return Some(p);
    }
    let case = case?;
    f.list_prop("event_ids").iter().filter_map(|id| case.event(id)).filter_map(event_range).reduce(|a, b| a.union(&b))
}

/// The span of a case: every event and dated feature.
pub fn case_span(case: &super::Case, features: &[super::Feature]) -> Option<DateRange> {
    let events = case.events.iter().filter_map(event_range);
    let periods = features.iter().filter_map(|f| f.str_prop("period").and_then(DateRange::parse));
    events.chain(periods).reduce(|a, b| a.union(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_says_what_is_wrong() {
        assert!(DateRange::check("2023-08/2023-12").is_ok());
        assert!(DateRange::check("2023-13").unwrap_err().contains("\"2023-13\" is not a date"));
        assert!(DateRange::check("2023-08/").unwrap_err().contains("open end"));
        assert!(DateRange::check("/tmp/x.pdf").unwrap_err().contains("is not a date"));
        assert!(DateRange::check("2023-12/2023-08").unwrap_err().contains("ends before it starts"));
    }

    #[test]
    fn days_round_trip_and_order() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (2023, 10, 16), (2024, 2, 29), (2100, 12, 31)] {
            assert_eq!(Day::from_ymd(y, m, d).ymd(), (y, m, d));
        }
        assert_eq!(Day::from_ymd(2024, 3, 1).0 - Day::from_ymd(2024, 2, 28).0, 2);
        assert_eq!(Day::from_ymd(2023, 10, 16).to_string(), "2023-10-16");
    }

    #[test]
    fn precision_becomes_a_range() {
        let r = |s| DateRange::parse(s).unwrap().to_string();
        assert_eq!(r("2023-10-16"), "2023-10-16");
        assert_eq!(r("2023-02"), "2023-02-01/2023-02-28");
        assert_eq!(r("2024"), "2024-01-01/2024-12-31");
        assert_eq!(r("2023-08..2023-12"), "2023-08-01/2023-12-31");
        assert_eq!(r("2023-08/2024-02"), "2023-08-01/2024-02-29");
        assert_eq!(r("2023-10-16T08:30:00Z"), "2023-10-16");
        for bad in ["", "23-10", "2023-13", "2023-02-30", "2023-10/2023-09", "soon", "2023-10-16-1"] {
            assert_eq!(DateRange::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn overlap_is_inclusive() {
        let sep_oct = DateRange::parse("2023-09/2023-10").unwrap();
        assert!(sep_oct.overlaps(&DateRange::parse("2023-10-31").unwrap()));
        assert!(sep_oct.overlaps(&DateRange::parse("2023").unwrap()));
        assert!(!sep_oct.overlaps(&DateRange::parse("2024-02-27").unwrap()));
    }
}
