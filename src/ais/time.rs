//! AIS times to Unix seconds and back. Written by hand rather than through the `time` crate's
//! format descriptions: a file has ten million of them in a handful of shapes, and this reads
//! one in a few nanoseconds.
//!
//! Understood: `2023-08-01T12:34:56`, with a space for the `T`, a fraction, and `Z`, ` UTC`
//! or `+hh:mm`; `01/08/2023 12:34:56` and `01.08.2023 12:34` day- or month-first as told;
//! Unix seconds (`1690893296`, `1690893296.5`) and milliseconds (13 digits).

use crate::model::time::Day;

/// How a date with slashes is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// `08/14/2023`: US files, and the guess when the data does not tell.
    #[default]
    MonthFirst,
    /// `14/08/2023`: the Danish Maritime Authority, most of Europe.
    DayFirst,
}

fn epoch_day() -> i64 {
    i64::from(Day::from_ymd(1970, 1, 1).0)
}

/// Unix seconds of a calendar date and time (UTC); `None` if out of range.
pub fn unix(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let day = i64::from(Day::from_ymd(y, mo, d).0) - epoch_day();
    Some(day * 86_400 + i64::from(h * 3600 + mi * 60 + s.min(59)))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `2023-08-01T12:34:56Z` (whole seconds, UTC).
pub fn iso(t: i64) -> String {
    let day = Day((t.div_euclid(86_400) + epoch_day()) as i32);
    let s = t.rem_euclid(86_400);
    format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// Reads digits at `*i`, at most `max`, at least one.
fn digits(b: &[u8], i: &mut usize, max: usize) -> Option<u32> {
    let start = *i;
    let mut v: u32 = 0;
    while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
        v = v * 10 + u32::from(b[*i] - b'0');
        *i += 1;
    }
    (*i > start).then_some(v)
}

/// Parses a time; `None` if it is not one of the shapes above.
pub fn parse(text: &str, order: DateOrder) -> Option<i64> {
    let b = text.trim().as_bytes();
    if b.is_empty() {
        return None;
    }
    // Unix seconds or milliseconds.
    if b.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
        let v: f64 = text.trim().parse().ok()?;
        let whole = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let secs = if whole >= 13 { v / 1000.0 } else { v };
        // From 1973 (nine digits) to about the year 5000: beyond is not a receiver's clock.
        return (whole >= 9 && (0.0..1e11).contains(&secs)).then_some(secs.floor() as i64);
    }
    let mut i = 0;
    let first = digits(b, &mut i, 4)?;
    let sep = *b.get(i)?;
    i += 1;
    let (y, mo, d) = if sep == b'-' && i == 5 {
        let mo = digits(b, &mut i, 2)?;
        (b.get(i) == Some(&b'-')).then_some(())?;
        i += 1;
        let d = digits(b, &mut i, 2)?;
        (first as i32, mo, d)
    } else if sep == b'/' || sep == b'.' {
        let second = digits(b, &mut i, 2)?;
        (b.get(i) == Some(&sep)).then_some(())?;
        i += 1;
        let year = digits(b, &mut i, 4)?;
        let year = if year < 100 { 2000 + year } else { year } as i32;
        // Dots are always day-first (German, Russian, Scandinavian dates).
        if sep == b'.' || order == DateOrder::DayFirst { (year, second, first) } else { (year, first, second) }
    } else {
        return None;
    };
    let (mut h, mut mi, mut s) = (0, 0, 0);
    let mut offset = 0i64;
    if matches!(b.get(i), Some(b'T' | b' ')) {
        i += 1;
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        h = digits(b, &mut i, 2)?;
        (b.get(i) == Some(&b':')).then_some(())?;
        i += 1;
        mi = digits(b, &mut i, 2)?;
        if b.get(i) == Some(&b':') {
            i += 1;
            s = digits(b, &mut i, 2)?;
        }
        if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
        let rest = std::str::from_utf8(&b[i..]).ok()?.trim();
        offset = match rest {
            "" | "Z" | "z" | "UTC" | "GMT" | "+00" | "+0000" | "+00:00" => 0,
            r if (r.starts_with('+') || r.starts_with('-')) && r.len() >= 3 => {
                let sign = if r.starts_with('-') { -1 } else { 1 };
                let digits: String = r[1..].chars().filter(char::is_ascii_digit).collect();
                let (hh, mm) = (digits.get(..2)?.parse::<i64>().ok()?, digits.get(2..4).map_or(Some(0), |m| m.parse::<i64>().ok())?);
                sign * (hh * 3600 + mm * 60)
            }
            _ => return None,
        };
    } else if i != b.len() {
        return None;
    }
    Some(unix(y, mo, d, h, mi, s)? - offset)
}

/// Tells day-first from month-first from dates with slashes: a first number over 12 means
/// day-first, a second over 12 month-first. `None` when nothing tells (all both ≤ 12) or the
/// dates are not of that shape.
pub fn order_from<'a>(samples: impl Iterator<Item = &'a str>) -> Option<DateOrder> {
    for s in samples {
        let s = s.trim();
        let mut parts = s.split(['/', ' ', 'T']);
        let (Some(a), Some(b)) = (parts.next(), parts.next()) else { continue };
        let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) else { continue };
        if !s.contains('/') {
            continue;
        }
        if a > 12 && b <= 12 {
            return Some(DateOrder::DayFirst);
        }
        if b > 12 && a <= 12 {
            return Some(DateOrder::MonthFirst);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let t = 1_690_893_296; // 2023-08-01T12:34:56Z
        for s in [
            "2023-08-01T12:34:56",
            "2023-08-01 12:34:56",
            "2023-08-01T12:34:56Z",
            "2023-08-01T12:34:56.000Z",
            "2023-08-01 12:34:56 UTC",
            "2023-08-01T14:34:56+02:00",
            "1690893296",
            "1690893296000",
            "01/08/2023 12:34:56",
            "01.08.2023 12:34:56",
        ] {
            assert_eq!(parse(s, DateOrder::DayFirst), Some(t), "{s}");
        }
        assert_eq!(parse("08/01/2023 12:34:56", DateOrder::MonthFirst), Some(t));
        assert_eq!(iso(t), "2023-08-01T12:34:56Z");
        for bad in ["", "yesterday", "2023-13-01T00:00:00", "2023-02-30 00:00", "2023-08-01T25:00:00", "1e400", "12", "99999999999999999999999"] {
            assert_eq!(parse(bad, DateOrder::MonthFirst), None, "{bad}");
        }
        assert_eq!(order_from(["01/08/2023", "14/08/2023 00:00"].into_iter()), Some(DateOrder::DayFirst));
        assert_eq!(order_from(["08/14/2023 10:00:00"].into_iter()), Some(DateOrder::MonthFirst));
        assert_eq!(order_from(["08/01/2023"].into_iter()), None);
    }
}
