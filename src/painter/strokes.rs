//! Solid strokes with round ends and round joins, rasterised by distance: a pixel's coverage
//! is how far its centre lies inside the stroke (the union of one capsule per segment), and
//! the polylines of a run are gathered into one coverage mask that is painted once.
//!
//! Written by hand because tiny-skia's general path filler spends most of an export of
//! thousands of thin tracks on stroking (outlines of every segment, round joins as curves) and
//! on sorting the resulting edges on four sub-scanlines per pixel; here a segment costs the
//! few pixels along it (a 5M-vertex file of tracks: about 20 times less painting). The union
//! is exact (a pixel takes the largest coverage of any segment), so a polyline crossing
//! itself, a run of lines of one colour, and a line cut by the picture's edge (the other band
//! of a page) all paint as one stroke. Coverage ramps over one pixel across the stroke's edge,
//! which equals the area covered for straight edges; strokes thinner than a pixel are drawn a
//! pixel wide and faded by their width, as hairlines are.
//!
//! This module knows tiny-skia's pixmaps and nothing of scenes or styles; segments reaching
//! far outside are cut with the basemap's pixel-space clipping (`basemap::clip`).

use std::ops::Range;

use tiny_skia::{Color, Path, PathSegment, PixmapMut};

use super::mask::{ByStrip, Mask, STRIP_ROWS, ceil, floor};
use crate::basemap::clip::{PxRect, clip_segment};


/// Paints `lines` (ranges of `points`, in the picture's pixels) as one stroke of `width`
/// pixels in `color` (straight alpha), with round ends and joins. Segments with a non-finite
/// end are left out; lines of one point draw nothing.
pub fn paint(pm: &mut PixmapMut, points: &[[f32; 2]], lines: &[Range<usize>], width: f32, color: Color) {
    if !(width > 0.0 && width.is_finite()) || lines.is_empty() {
        return;
    }
    let h = pm.height() as usize;
    // The distance from a segment at which coverage reaches 0.
    let reach = width.max(1.0) / 2.0 + 0.5;
    let fade = width.min(1.0);
    // Each segment (by the index of its first point) in the strips it reaches.
    let strips = h.div_ceil(STRIP_ROWS);
    let strips_of = |i: usize| -> Option<Range<usize>> {
        let (a, b) = (points[i], points[i + 1]);
        if !a.iter().chain(&b).all(|v| v.is_finite()) {
            return None;
        }
        let lo = ((a[1].min(b[1]) - reach).max(0.0) as usize / STRIP_ROWS).min(strips);
        let hi = ((a[1].max(b[1]) + reach).max(0.0).min(h as f32) as usize / STRIP_ROWS + 1).min(strips);
        (lo < hi).then_some(lo..hi)
    };
    let segments = || lines.iter().filter(|r| r.start < r.end && r.end <= points.len()).flat_map(|r| (r.start..r.end - 1).map(|i| i as u32));
    ByStrip::new(strips, segments, |&i| strips_of(i as usize)).paint(pm, color, |mask, here| {
        for &i in here {
            mask.capsule(points[i as usize], points[i as usize + 1], reach, fade);
        }
    });
}

/// A path's contours as polylines for [`paint`], curves cut into segments that stray at most
/// `tolerance` pixels from them, closed contours closed (a glyph outline, for its halo).
pub fn flatten(path: &Path, tolerance: f32) -> (Vec<[f32; 2]>, Vec<Range<usize>>) {
    let mut points: Vec<[f32; 2]> = Vec::new();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut end_contour = |points: &mut Vec<[f32; 2]>, start: &mut usize, close: bool| {
        if close && points.len() > *start + 1 {
            points.push(points[*start]);
        }
        if points.len() > *start + 1 {
            lines.push(*start..points.len());
        } else {
            points.truncate(*start);
        }
        *start = points.len();
    };
    // Segments for a curve whose second derivative is at most `bend`: chords of 1/n of the
    // parameter stray at most bend/8/n² from the curve (a quadratic's second derivative is
    // twice its control points' second difference; a cubic's at most six times the larger).
    let pieces = |bend: f32| ((bend / (8.0 * tolerance)).sqrt().ceil() as usize).clamp(1, 64);
    for seg in path.segments() {
        let last = points.last().copied().unwrap_or([0.0, 0.0]);
        match seg {
            PathSegment::MoveTo(p) => {
                end_contour(&mut points, &mut start, false);
                points.push([p.x, p.y]);
            }
            PathSegment::LineTo(p) => points.push([p.x, p.y]),
            PathSegment::QuadTo(c, p) => {
                let n = pieces(2.0 * (last[0] - 2.0 * c.x + p.x).hypot(last[1] - 2.0 * c.y + p.y));
                for i in 1..=n {
                    let t = i as f32 / n as f32;
                    let (a, b, d) = ((1.0 - t) * (1.0 - t), 2.0 * t * (1.0 - t), t * t);
                    points.push([a * last[0] + b * c.x + d * p.x, a * last[1] + b * c.y + d * p.y]);
                }
            }
            PathSegment::CubicTo(c1, c2, p) => {
                let bend = (last[0] - 2.0 * c1.x + c2.x).hypot(last[1] - 2.0 * c1.y + c2.y).max((c1.x - 2.0 * c2.x + p.x).hypot(c1.y - 2.0 * c2.y + p.y));
                let n = pieces(6.0 * bend);
                for i in 1..=n {
                    let t = i as f32 / n as f32;
                    let u = 1.0 - t;
                    let (a, b, c, d) = (u * u * u, 3.0 * t * u * u, 3.0 * t * t * u, t * t * t);
                    points.push([a * last[0] + b * c1.x + c * c2.x + d * p.x, a * last[1] + b * c1.y + c * c2.y + d * p.y]);
                }
            }
            PathSegment::Close => end_contour(&mut points, &mut start, true),
        }
    }
    end_contour(&mut points, &mut start, false);
    (points, lines)
}

impl Mask {
    /// Adds the coverage of the capsule around segment a–b, `reach` pixels from it at zero.
    fn capsule(&mut self, a: [f32; 2], b: [f32; 2], reach: f32, fade: f32) {
        // A segment reaching far outside is cut to the strip (grown by more than the reach,
        // so that its cut ends show no cap) before distances are taken in f32.
        let grow = f64::from(reach) + 2.0;
        let outer = PxRect { x0: -grow, y0: self.top as f64 - grow, x1: self.w as f64 + grow, y1: (self.top + self.rows) as f64 + grow };
        let (a, b) = if outer.contains_all(&[a, b].map(|p| p.map(f64::from))) {
            (a, b)
        } else {
            let (a, b) = (a.map(f64::from), b.map(f64::from));
            let Some((t0, t1)) = clip_segment(a, b, &outer) else { return };
            let at = |t: f64| [(a[0] + (b[0] - a[0]) * t) as f32, (a[1] + (b[1] - a[1]) * t) as f32];
            (at(t0), at(t1))
        };
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        let inv = if len2 > 1e-12 { 1.0 / len2 } else { 0.0 };
        // Rows and columns whose pixel centres (at +0.5) lie within `reach` of the segment.
        let first = |lo: f32| ceil(lo - reach - 0.5);
        let past = |hi: f32| floor(hi + reach - 0.5) + 1.0;
        let (top, bottom) = (self.top as f32, (self.top + self.rows) as f32);
        let y0 = first(a[1].min(b[1])).max(top);
        let y1 = past(a[1].max(b[1])).min(bottom);
        if !(y0 < y1) {
            return;
        }
        let w = self.w as f32;
        let inv_dy = if dy.abs() < 1e-6 { 0.0 } else { 1.0 / dy };
        let full = fade * 255.0;
        // The columns within `reach` of the part of the segment `reach` rows from a row's
        // centre, widened to whole runs of four pixels (a pixel's coverage is its distance
        // from the segment wherever it is, so a few more than needed do no harm): the loop
        // below is then four pixels at a time throughout, with no pixel-by-pixel tail, which
        // cost more than the run itself on the two to six pixels a short segment crosses.
        let columns = |xa: f32, xb: f32| -> Option<(usize, usize)> {
            let (x0, x1) = (first(xa.min(xb)).max(0.0), past(xa.max(xb)).min(w));
            if !(x0 < x1) {
                return None;
            }
            let (x0, x1) = (x0 as usize, x1 as usize);
            let n = (x1 - x0).next_multiple_of(4);
            Some(if n > self.w { (x0, x1) } else if x0 + n <= self.w { (x0, x0 + n) } else { (self.w - n, self.w) })
        };
        // A segment no more than a few pixels wide takes the columns of its whole capsule in
        // every row: working them out row by row cost more than the pixels it saved.
        let narrow = if dx.abs() <= 3.0 { Some(columns(a[0], b[0])) } else { None };
        for row in y0 as usize..y1 as usize {
            let yc = row as f32 + 0.5;
            let span = narrow.unwrap_or_else(|| {
                let (t0, t1) = if inv_dy == 0.0 {
                    (0.0, 1.0)
                } else {
                    let (ta, tb) = ((yc - reach - a[1]) * inv_dy, (yc + reach - a[1]) * inv_dy);
                    (ta.min(tb).clamp(0.0, 1.0), ta.max(tb).clamp(0.0, 1.0))
                };
                columns(a[0] + dx * t0, a[0] + dx * t1)
            });
            let Some((x0, x1)) = span else { continue };
            let r = row - self.top;
            let py = yc - a[1];
            let (pdy, ax) = (py * dy, 0.5 - a[0]);
            let coverage = |px: f32| {
                let t = ((px * dx + pdy) * inv).clamp(0.0, 1.0);
                let (ex, ey) = (px - t * dx, py - t * dy);
                (((reach - (ex * ex + ey * ey).sqrt()) * full).clamp(0.0, full) + 0.5) as u8
            };
            let mut quads = self.coverage[r * self.w + x0..r * self.w + x1].chunks_exact_mut(4);
            let mut px = x0 as f32 + ax;
            for m in &mut quads {
                for (k, m) in m.iter_mut().enumerate() {
                    *m = (*m).max(coverage(px + k as f32));
                }
                px += 4.0;
            }
            for m in quads.into_remainder() {
                *m = (*m).max(coverage(px));
                px += 1.0;
            }
            let span = &mut self.touched[r];
            *span = (span.0.min(x0), span.1.max(x1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::painter::mask::difference;
    use tiny_skia::{LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform};

    fn skia(pm: &mut Pixmap, pts: &[[f32; 2]], width: f32, color: Color) {
        let mut pb = PathBuilder::new();
        pb.move_to(pts[0][0], pts[0][1]);
        for p in &pts[1..] {
            pb.line_to(p[0], p[1]);
        }
        let mut paint = Paint::default();
        paint.set_color(color);
        let stroke = Stroke { width, line_cap: LineCap::Round, line_join: LineJoin::Round, ..Stroke::default() };
        pm.stroke_path(&pb.finish().unwrap(), &paint, &stroke, Transform::identity(), None);
    }

    /// Zigzags, a spiral crossing itself and a dot-like short line look as tiny-skia strokes
    /// them: the same pixels inside, edges within a few levels.
    #[test]
    fn strokes_look_like_tiny_skias() {
        let lines: Vec<Vec<[f32; 2]>> = vec![
            (0..12).map(|i| [10.0 + i as f32 * 13.7, if i % 2 == 0 { 20.3 } else { 48.9 }]).collect(),
            (0..200).map(|i| { let a = i as f32 * 0.11; [100.0 + a.cos() * (10.0 + a * 4.0), 120.0 + a.sin() * (10.0 + a * 3.0)] }).collect(),
            vec![[30.0, 150.0], [30.4, 150.2]],
            vec![[5.5, 190.5], [195.5, 190.5]],
        ];
        for width in [0.6f32, 1.5, 2.0, 5.0] {
            let color = Color::from_rgba8(0, 114, 178, 255);
            let mut theirs = Pixmap::new(200, 200).unwrap();
            let mut ours = Pixmap::new(200, 200).unwrap();
            theirs.fill(Color::WHITE);
            ours.fill(Color::WHITE);
            let mut points = Vec::new();
            let mut ranges = Vec::new();
            for l in &lines {
                skia(&mut theirs, l, width, color);
                ranges.push(points.len()..points.len() + l.len());
                points.extend_from_slice(l);
            }
            paint(&mut ours.as_mut(), &points, &ranges, width, color);
            let (mean, _) = difference(&theirs, &ours);
            let ink = |p: &Pixmap| p.data().chunks(4).map(|px| f64::from(255 - px[0])).sum::<f64>();
            let solid = |p: &Pixmap| p.data().chunks(4).filter(|px| px[0] == 0).count();
            eprintln!("width {width}: mean difference {mean:.3}, ink {} vs {}, solid {} vs {}", ink(&ours), ink(&theirs), solid(&ours), solid(&theirs));
            assert!(mean < 1.5, "width {width}: mean difference {mean}");
            // The stroke's area (its length times its width; crossings and caps aside).
            let length: f32 = lines.iter().flat_map(|l| l.windows(2)).map(|s| (s[1][0] - s[0][0]).hypot(s[1][1] - s[0][1])).sum();
            let area = f64::from(length * width) * 255.0;
            assert!((ink(&ours) / area - 1.0).abs() < 0.04, "width {width}: ink for the stroke's area");
            // tiny-skia draws strokes under a pixel as hairlines, a tenth lighter.
            if width >= 1.0 {
                assert!((ink(&ours) / ink(&theirs) - 1.0).abs() < 0.02, "width {width}: as much ink as tiny-skia");
            }
            assert!(solid(&ours).abs_diff(solid(&theirs)) <= solid(&theirs) / 10 + 2, "width {width}: the same pixels wholly inside");
        }
    }

    /// A line painted in two bands (two pictures, the second moved up) gives the pixels of
    /// one picture: the edge between bands does not show.
    #[test]
    fn bands_join_without_seams() {
        let line: Vec<[f32; 2]> = (0..50).map(|i| [4.0 + i as f32 * 3.9, 60.0 + (i as f32 * 0.4).sin() * 50.0]).collect();
        let color = Color::from_rgba8(213, 94, 0, 200);
        let mut whole = Pixmap::new(200, 120).unwrap();
        paint(&mut whole.as_mut(), &line, &[0..line.len()], 2.5, color);
        let mut halves = Vec::new();
        for top in [0.0f32, 57.0] {
            let mut band = Pixmap::new(200, if top == 0.0 { 57 } else { 63 }).unwrap();
            let moved: Vec<[f32; 2]> = line.iter().map(|p| [p[0], p[1] - top]).collect();
            paint(&mut band.as_mut(), &moved, &[0..moved.len()], 2.5, color);
            halves.extend_from_slice(band.data());
        }
        let differing = whole.data().iter().zip(&halves).filter(|(a, b)| a.abs_diff(**b) > 1).count();
        assert_eq!(differing, 0);
        assert!(whole.data().iter().any(|&v| v > 0), "the line was painted");
    }

    /// Curves flattened stay within the tolerance: points of a flattened circle lie on it, and
    /// contours come out closed.
    #[test]
    fn flattened_curves_stay_on_the_curve() {
        let circle = PathBuilder::from_circle(50.0, 40.0, 30.0).unwrap();
        let mut pb = PathBuilder::new();
        pb.move_to(0.0, 0.0);
        pb.quad_to(10.0, 20.0, 20.0, 0.0);
        pb.push_path(&circle);
        let (points, lines) = flatten(&pb.finish().unwrap(), 0.1);
        assert_eq!(lines.len(), 2);
        let ring = &points[lines[1].clone()];
        assert!(ring.len() > 16 && ring.first() == ring.last(), "the circle is closed, in enough pieces");
        for w in ring.windows(2) {
            let mid = [(w[0][0] + w[1][0]) / 2.0, (w[0][1] + w[1][1]) / 2.0];
            let off = 30.0 - (mid[0] - 50.0).hypot(mid[1] - 40.0);
            assert!(off.abs() < 0.12, "a chord strays {off} px");
        }
        let quad = &points[lines[0].clone()];
        assert_eq!((quad[0], *quad.last().unwrap()), ([0.0, 0.0], [20.0, 0.0]));
        assert!(quad.iter().any(|p| (p[1] - 10.0).abs() < 0.1), "the quadratic's apex is reached");
    }

    /// Hostile coordinates: non-finite points and lines far outside paint nothing and do not
    /// panic; an empty run is a no-op.
    #[test]
    fn hostile_points_are_skipped() {
        let mut pm = Pixmap::new(50, 50).unwrap();
        let pts = [[f32::NAN, 3.0], [10.0, 10.0], [f32::INFINITY, 5.0], [1e30, -1e30], [-5e9, 20.0], [40.0, 40.0]];
        paint(&mut pm.as_mut(), &pts, &[0..pts.len(), 3..4, 4..9], 3.0, Color::BLACK);
        paint(&mut pm.as_mut(), &pts, &[], 3.0, Color::BLACK);
        paint(&mut pm.as_mut(), &pts, &[0..2], f32::NAN, Color::BLACK);
        // The only finite segment on the picture: (-5e9, 20) – (40, 40), level at y = 40
        // across the picture.
        assert_eq!(pm.pixel(30, 40).unwrap().alpha(), 255);
        assert_eq!(pm.pixel(30, 35).unwrap().alpha(), 0);
    }
}

#[cfg(test)]
mod speed {
    /// `cargo test --release --lib strokes_speed -- --ignored --nocapture`: a basemap's worth
    /// of short segments and a track's worth of longer ones.
    #[test]
    #[ignore]
    fn strokes_speed() {
        let mut pm = tiny_skia::Pixmap::new(1920, 540).unwrap();
        let mut points = Vec::new();
        let mut lines = Vec::new();
        let mut seed = 1u32;
        let mut rnd = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed % 10000) as f32 / 10000.0
        };
        for _ in 0..2000 {
            let start = points.len();
            let (mut x, mut y) = (rnd() * 1920.0, rnd() * 540.0);
            for _ in 0..50 {
                points.push([x, y]);
                x += rnd() * 1.6 - 0.8;
                y += rnd() * 1.6 - 0.8;
            }
            lines.push(start..points.len());
        }
        for width in [0.8f32, 2.0, 8.0] {
            let t = std::time::Instant::now();
            for _ in 0..10 {
                super::paint(&mut pm.as_mut(), &points, &lines, width, tiny_skia::Color::BLACK);
            }
            eprintln!("width {width}: {:.2} ms per 100k segments", t.elapsed().as_secs_f64() * 1000.0 / 10.0);
        }
    }
}
