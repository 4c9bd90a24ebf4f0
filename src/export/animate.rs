//! Animated maps of the timeline: one page per step of a period, written as a GIF or an MP4.
//!
//! Every frame is the same page (laid out once for the whole case, so the map, the legend and
//! the texts stand still) with the case as it was on the frame's day ([`Moment`]): sites and
//! areas fade in as they become known (their `period`, else their first event), routes grow
//! along their line through their period with a ship marker at the head of the trail, and a
//! stamp in the map's corner gives the date and the events of the step. Undated features are
//! always there. Frames are painted on every core; the GIF is written by the `gif` crate with
//! one palette of 256 colours for all frames (NeuQuant, `color_quant`), the MP4 by
//! [`super::video`] (OpenH264 built from source).

use std::path::Path;

use super::{ExportError, ExportSpec};
use crate::model::time::{DateRange, Day, feature_range};
use crate::model::{Feature, FeatureKind, Layer};

/// The most frames one animation may have (10 years by week is 520).
pub const MAX_FRAMES: usize = 1000;

/// How far apart frames are: days, weeks or months.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Days(u32),
    Weeks(u32),
    Months(u32),
}

impl Step {
    /// `1d`, `3d`, `1w`, `2w`, `1mo`, `3mo`.
    pub fn parse(s: &str) -> Result<Step, String> {
        let s = s.trim().to_ascii_lowercase();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (n, unit) = s.split_at(split);
        let n: u32 = if n.is_empty() { 1 } else { n.parse().map_err(|_| format!("{s:?}: the number is too big"))? };
        if n == 0 || n > 1000 {
            return Err(format!("{s:?}: a step is 1 to 1000 units"));
        }
        match unit {
            "d" | "day" | "days" => Ok(Step::Days(n)),
            "w" | "wk" | "week" | "weeks" => Ok(Step::Weeks(n)),
            "mo" | "m" | "month" | "months" => Ok(Step::Months(n)),
            _ => Err(format!("{s:?}: expected a step in days, weeks or months: 1d, 1w, 1mo")),
        }
    }

    /// The day `k` steps after `start` (months keep the day of the month where they can).
    pub fn nth(self, start: Day, k: u32) -> Day {
        match self {
            Step::Days(n) => Day(start.0 + (n * k) as i32),
            Step::Weeks(n) => Day(start.0 + (7 * n * k) as i32),
            Step::Months(n) => {
                let (y, m, d) = start.ymd();
                let months = (m - 1) as i32 + (n * k) as i32;
                let (y, m) = (y + months.div_euclid(12), months.rem_euclid(12) as u32 + 1);
                let mut day = d;
                while day > 28 && Day::from_ymd(y, m, day).ymd() != (y, m, day) {
                    day -= 1;
                }
                Day::from_ymd(y, m, day)
            }
        }
    }

    /// The days of the frames: the start of `range`, every step, and its last day.
    pub fn days(self, range: DateRange) -> Vec<Day> {
        let mut days = Vec::new();
        for k in 0.. {
            let day = self.nth(range.first, k);
            if day >= range.last || days.len() >= MAX_FRAMES {
                break;
            }
            days.push(day);
        }
        days.push(range.last);
        days
    }
}

/// What to animate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Animation {
    pub range: DateRange,
    pub step: Step,
    /// Frames per second, 0.1 to 50 (GIF delays are in hundredths of a second).
    pub fps: f32,
}

/// The day a frame shows, and the day of the frame before (what happened in between is "new").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment {
    pub day: Day,
    pub since: Day,
    /// The stamp names the month only (monthly steps).
    pub monthly: bool,
}

/// How a feature looks at a moment: 0 not yet known, up to 1 in full; a route under way is
/// also cut to the share of its line sailed so far.
pub fn fade_at(f: &Feature, case: Option<&crate::model::Case>, m: &Moment) -> f32 {
    let Some(when) = feature_range(f, case) else { return 1.0 };
    if when.first > m.day {
        return 0.0;
    }
    if matches!(f.kind(), FeatureKind::SeaRoute | FeatureKind::RailCorridor) {
        return 1.0;
    }
    // Known since `first`: from a third of its strength to full over two steps.
    let step = (m.day.0 - m.since.0).max(1) as f32;
    (0.35 + 0.65 * (m.day.0 - when.first.0) as f32 / (2.0 * step)).min(1.0)
}

/// Cuts the routes under way at `m` to the part travelled (their period's share of their
/// length) and returns where each head is, in lon/lat degrees.
pub fn trim_routes(layer: &mut Layer, m: &Moment) -> Vec<geo::Coord> {
    let Layer { features, case, .. } = layer;
    let mut heads = Vec::new();
    for f in features {
        if !matches!(f.kind(), FeatureKind::SeaRoute | FeatureKind::RailCorridor) {
            continue;
        }
        let Some(when) = feature_range(f, case.as_ref()) else { continue };
        if when.first > m.day || when.last <= m.day {
            continue;
        }
        let share = f64::from(m.day.0 - when.first.0) / f64::from((when.last.0 - when.first.0).max(1));
        if let Some(geo::Geometry::LineString(line)) = &mut f.geometry {
            let (cut, head) = travelled(&line.0, share);
            line.0 = cut;
            heads.extend(head);
        }
    }
    heads
}

/// The first `share` (0–1) of a polyline by length (in degrees: routes are schematic) and its
/// end point. Written here because geo interpolates a point along a line but does not cut one.
fn travelled(points: &[geo::Coord], share: f64) -> (Vec<geo::Coord>, Option<geo::Coord>) {
    let len = |a: &geo::Coord, b: &geo::Coord| (b.x - a.x).hypot(b.y - a.y);
    let total: f64 = points.windows(2).map(|w| len(&w[0], &w[1])).sum();
    let mut left = total * share.clamp(0.0, 1.0);
    let mut out = Vec::with_capacity(points.len());
    for w in points.windows(2) {
        out.push(w[0]);
        let d = len(&w[0], &w[1]);
        if d >= left {
            let t = if d > 0.0 { left / d } else { 0.0 };
            let head = geo::coord! { x: w[0].x + (w[1].x - w[0].x) * t, y: w[0].y + (w[1].y - w[0].y) * t };
            out.push(head);
            return (out, Some(head));
        }
        left -= d;
    }
    let head = points.last().copied();
    (points.to_vec(), head)
}

/// The text of a frame's date stamp: the day (or the month, for monthly steps), and the
/// titles of the case's events that happened since the frame before.
pub fn stamp(layers: &[&Layer], m: &Moment) -> (String, Vec<String>) {
    let (y, mo, d) = m.day.ymd();
    let month = super::layout::MONTHS[(mo - 1) as usize];
    let date = if m.monthly { format!("{month} {y}") } else { format!("{d} {month} {y}") };
    let new = DateRange { first: Day(m.since.0 + 1), last: m.day };
    let mut events: Vec<(Day, String)> = layers
        .iter()
        .filter_map(|l| l.case.as_ref())
        .flat_map(|c| &c.events)
        .filter_map(|e| {
            let when = crate::model::time::event_range(e)?;
            (m.since != m.day && new.overlaps(&DateRange { first: when.first, last: when.first }) && !e.title.trim().is_empty())
                .then(|| (when.first, e.title.clone()))
        })
        .collect();
    events.sort();
    (date, events.into_iter().map(|(_, t)| t).collect())
}

/// The spec of every frame. The map stands still because every frame keeps every feature
/// (a moment fades and cuts them only after the page is laid out), so the fitted view, the
/// legend and the texts are the same in all of them.
fn frame_specs<'a>(spec: &ExportSpec<'a>, anim: &Animation) -> Vec<ExportSpec<'a>> {
    let mut base = spec.clone();
    base.time_range = None;
    let days = anim.step.days(anim.range);
    days
        .iter()
        .enumerate()
        .map(|(i, &day)| {
            let mut s = base.clone();
            let since = if i == 0 { day } else { days[i - 1] };
            s.moment = Some(Moment { day, since, monthly: matches!(anim.step, Step::Months(_)) });
            s
        })
        .collect()
}

/// A finished animation.
#[derive(Debug)]
pub struct Animated {
    pub bytes: Vec<u8>,
    pub frames: usize,
    pub size_px: [u32; 2],
    pub notices: Vec<String>,
    pub alt_text: String,
}

/// Paints every frame (on every core) and writes the GIF.
///
/// One palette serves every frame, so that colours do not flicker from frame to frame
/// ([`palette`], from the last frame: the fullest, by then everything has appeared). Each
/// worker maps its frames' pixels to it with a cache, since a map page has few distinct
/// colours.
pub fn gif(spec: &ExportSpec, anim: &Animation) -> Result<Animated, ExportError> {
    spec.validate()?;
    if !(anim.fps.is_finite() && (0.1..=50.0).contains(&anim.fps)) {
        return Err(ExportError::Animation(format!("{} frames per second is outside 0.1..50", anim.fps)));
    }
    let specs = frame_specs(spec, anim);
    let [w, h] = spec.output_size();
    let (w16, h16) = (u16::try_from(w), u16::try_from(h));
    let (Ok(w16), Ok(h16)) = (w16, h16) else {
        return Err(ExportError::Animation(format!("{w}x{h} pixels is larger than a GIF can be (65535 a side)")));
    };
    let first = super::layout(&specs[0])?;
    let palette = palette(&paint(specs.last().unwrap_or(spec))?, spec.theme);
    let delay = (100.0 / anim.fps).round().clamp(2.0, 65535.0) as u16;
    let frames = paint_all(&specs, |pixmap| {
        let mut cache: std::collections::HashMap<[u8; 3], u8> = std::collections::HashMap::new();
        let indices: Vec<u8> = pixmap
            .data()
            .chunks_exact(4)
            .map(|p| {
                let key = [p[0], p[1], p[2]];
                *cache.entry(key).or_insert_with(|| nearest(&palette, key))
            })
            .collect();
        indices
    })?;
    let mut bytes = Vec::new();
    {
        let palette: Vec<u8> = palette.iter().flatten().copied().collect();
        let mut encoder = ::gif::Encoder::new(&mut bytes, w16, h16, &palette).map_err(|e| ExportError::Encode(format!("GIF: {e}")))?;
        encoder.set_repeat(::gif::Repeat::Infinite).map_err(|e| ExportError::Encode(format!("GIF: {e}")))?;
        for (i, indices) in frames.iter().enumerate() {
            // After the first frame, only the rectangle that changed (the stamp, the heads of
            // the routes, what appeared), kept over the frame before: a page stands still.
            let [x, y, w, h] = if i == 0 { [0, 0, w16, h16] } else { changed(&frames[i - 1], indices, w16, h16) };
            let buffer: Vec<u8> = (y..y + h).flat_map(|row| {
                let at = usize::from(row) * usize::from(w16) + usize::from(x);
                indices[at..at + usize::from(w)].iter().copied()
            }).collect();
            let frame = ::gif::Frame {
                left: x,
                top: y,
                width: w,
                height: h,
                buffer: buffer.into(),
                delay,
                dispose: ::gif::DisposalMethod::Keep,
                ..::gif::Frame::default()
            };
            encoder.write_frame(&frame).map_err(|e| ExportError::Encode(format!("GIF: {e}")))?;
        }
    }
    Ok(Animated { bytes, frames: frames.len(), size_px: [w, h], notices: first.notices, alt_text: first.meta.alt_text })
}

/// The animation's 256 colours: the symbology's and the page's own colours exactly (NeuQuant
/// alone gives the few saturated symbols too few entries and washes them out), and 240
/// learnt by NeuQuant from a frame (sampling factor 3: near its best quality, a third of the
/// time).
fn palette(frame: &tiny_skia::Pixmap, theme: super::theme::Theme) -> Vec<[u8; 3]> {
    use crate::scene::style;
    let basemap = theme.basemap();
    let fixed = [
        style::VERMILLION,
        style::BLUE,
        style::ORANGE,
        style::GREEN,
        style::SKY,
        style::PURPLE,
        style::YELLOW,
        style::INK,
        style::WHITE,
        theme.background(),
        basemap.land,
        basemap.sea,
        crate::scene::Rgba::rgb(0x44, 0x44, 0x44),
        crate::scene::Rgba::rgb(0x88, 0x88, 0x88),
        crate::scene::Rgba::rgb(0xc0, 0x2b, 0x1e),
        crate::scene::Rgba::rgb(0xe9, 0xe9, 0xe9),
    ];
    let learnt = color_quant::NeuQuant::new(3, 256 - fixed.len(), frame.data()).color_map_rgb();
    fixed.iter().map(|c| [c.0[0], c.0[1], c.0[2]]).chain(learnt.chunks_exact(3).map(|c| [c[0], c[1], c[2]])).collect()
}

/// The smallest rectangle `[x, y, w, h]` holding every pixel that differs between two frames
/// (a single pixel when none does: a GIF frame cannot be empty).
fn changed(before: &[u8], after: &[u8], w: u16, h: u16) -> [u16; 4] {
    let (w, h) = (usize::from(w), usize::from(h));
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        let (a, b) = (&before[y * w..(y + 1) * w], &after[y * w..(y + 1) * w]);
        if a == b {
            continue;
        }
        let first = a.iter().zip(b).position(|(p, q)| p != q).unwrap_or(0);
        let last = w - 1 - a.iter().rev().zip(b.iter().rev()).position(|(p, q)| p != q).unwrap_or(0);
        (x0, x1, y0, y1) = (x0.min(first), x1.max(last), y0.min(y), y1.max(y));
    }
    if x0 > x1 || y0 > y1 {
        return [0, 0, 1, 1];
    }
    [x0 as u16, y0 as u16, (x1 - x0 + 1) as u16, (y1 - y0 + 1) as u16]
}

/// The palette entry closest to a colour (squared RGB distance).
fn nearest(palette: &[[u8; 3]], c: [u8; 3]) -> u8 {
    let d = |p: &[u8; 3]| (0..3).map(|i| (i32::from(p[i]) - i32::from(c[i])).pow(2)).sum::<i32>();
    palette.iter().enumerate().min_by_key(|(_, p)| d(p)).map_or(0, |(i, _)| i as u8)
}

/// Lays out and paints one frame.
fn paint(spec: &ExportSpec) -> Result<tiny_skia::Pixmap, ExportError> {
    let page = super::layout(spec)?;
    let base = super::raster::map_base(&page, spec, spec.scale)?.map_err(ExportError::Encode)?;
    super::raster::paint_page(&page, base, spec.scale)
}

/// Lays out and paints each spec's page and turns it into a frame, on every core; frames come
/// back in order.
fn paint_all<T: Send>(specs: &[ExportSpec], to_frame: impl Fn(tiny_skia::Pixmap) -> T + Sync) -> Result<Vec<T>, ExportError> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(specs.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Vec<(usize, Result<T, ExportError>)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(spec) = specs.get(i) else { break };
                        done.push((i, paint(spec).map(&to_frame)));
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_default()).collect()
    });
    let mut all: Vec<(usize, Result<T, ExportError>)> = results.into_iter().flatten().collect();
    if all.len() != specs.len() {
        return Err(ExportError::Animation("a frame could not be painted".into()));
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, f)| f).collect()
}

/// Paints every frame (on every core) and encodes them as an MP4 video (H.264, [`super::video`]).
/// The frames are held until they are encoded: a minute of 1080p at 2 frames per second is
/// 120 frames, 1 GB; more is refused.
pub fn mp4(spec: &ExportSpec, anim: &Animation) -> Result<Animated, ExportError> {
    const MAX_BYTES: u64 = 1 << 30;
    spec.validate()?;
    let specs = frame_specs(spec, anim);
    let [w, h] = spec.output_size();
    let bytes = specs.len() as u64 * u64::from(w) * u64::from(h) * 4;
    if bytes > MAX_BYTES {
        return Err(ExportError::Animation(format!(
            "{} frames of {w}x{h} pixels are {} MB, more than {} MB: use a longer --step or a smaller --size",
            specs.len(),
            bytes >> 20,
            MAX_BYTES >> 20
        )));
    }
    let first = super::layout(&specs[0])?;
    let frames = paint_all(&specs, |p| p)?;
    let bytes = super::video::mp4(&frames, anim.fps)?;
    Ok(Animated { bytes, frames: frames.len(), size_px: [w & !1, h & !1], notices: first.notices, alt_text: first.meta.alt_text })
}

/// Writes the animation to `path` (.gif or .mp4) atomically, with its alt text beside it.
pub fn save(spec: &ExportSpec, anim: &Animation, path: &Path) -> Result<Animated, ExportError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let done = match ext.as_str() {
        "gif" => gif(spec, anim)?,
        "mp4" => mp4(spec, anim)?,
        _ => return Err(ExportError::Animation(format!("{}: an animation is written as .gif or .mp4", path.display()))),
    };
    crate::io::write_atomic(path, &done.bytes).map_err(|source| ExportError::Write { path: path.to_owned(), source })?;
    let alt = super::alt_text_path(path);
    let text = format!("{}\nAn animation of {} frames, {} to {}.\n", done.alt_text.trim_end(), done.frames, anim.range.first, anim.range.last);
    crate::io::write_atomic(&alt, text.as_bytes()).map_err(|source| ExportError::Write { path: alt, source })?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        DateRange::parse(s).unwrap().first
    }

    #[test]
    fn steps_parse_and_count() {
        assert_eq!(Step::parse("1w"), Ok(Step::Weeks(1)));
        assert_eq!(Step::parse("3d"), Ok(Step::Days(3)));
        assert_eq!(Step::parse("1mo"), Ok(Step::Months(1)));
        assert_eq!(Step::parse("mo"), Ok(Step::Months(1)));
        for bad in ["0d", "1y", "w1", "99999999999d", ""] {
            assert!(Step::parse(bad).is_err(), "{bad:?}");
        }
        let range = DateRange::parse("2023-08/2024-03").unwrap();
        let months = Step::Months(1).days(range);
        assert_eq!(months.len(), 9, "Aug … Mar and the last day of March");
        assert_eq!(months[1], day("2023-09-01"));
        assert_eq!(*months.last().unwrap(), day("2024-03-31"));
        assert_eq!(Step::Months(1).nth(day("2024-01-31"), 1), day("2024-02-29"), "the end of a shorter month");
        let weeks = Step::Weeks(1).days(DateRange::parse("2023-09-01/2023-09-30").unwrap());
        assert_eq!(weeks.len(), 6);
        assert_eq!(weeks[4], day("2023-09-29"));
    }

    #[test]
    fn only_the_changed_rectangle_is_written() {
        let before = vec![0u8; 6 * 4];
        let mut after = before.clone();
        after[6 + 2] = 1;
        after[2 * 6 + 4] = 1;
        assert_eq!(changed(&before, &after, 6, 4), [2, 1, 3, 2]);
        assert_eq!(changed(&before, &before, 6, 4), [0, 0, 1, 1]);
    }

    #[test]
    fn routes_grow_through_their_period() {
        let line: Vec<geo::Coord> = vec![geo::coord! { x: 0.0, y: 0.0 }, geo::coord! { x: 10.0, y: 0.0 }, geo::coord! { x: 10.0, y: 10.0 }];
        let (cut, head) = travelled(&line, 0.25);
        assert_eq!(cut.len(), 2);
        assert_eq!(head, Some(geo::coord! { x: 5.0, y: 0.0 }));
        let (cut, head) = travelled(&line, 0.75);
        assert_eq!(cut.len(), 3);
        assert_eq!(head, Some(geo::coord! { x: 10.0, y: 5.0 }));
        assert_eq!(travelled(&line, 1.0).0, line);
    }
}
