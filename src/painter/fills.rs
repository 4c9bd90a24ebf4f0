//! Polygon fills rasterised by exact area coverage: each edge adds, to the pixels it crosses,
//! the signed area it sweeps (the accumulation rasteriser of font-rs and stb_truetype), and a
//! running sum along each row gives every pixel the winding number weighted by how much of
//! it is inside. The rings of a run are gathered into one coverage mask, painted once.
//!
//! Written by hand because tiny-skia's path filler is most of the time a basemap takes to
//! draw: it sorts edges on four sub-scanlines per pixel row, and the land of a continent at
//! zoom 5 is thousands of rings. Here an edge costs the pixels along it, and the pixels
//! between edges take a run of one coverage. Neighbouring rings that share an edge (land cut
//! into 5° cells) cancel exactly along it: no seam, as with one non-zero path. Coverage is
//! the area covered (clamped to one pixel's worth for the non-zero rule, folded for even-odd),
//! which is exact for shapes that do not overlap inside a pixel and close to it where they do.
//!
//! This module knows tiny-skia's pixmaps and nothing of scenes or styles.

use std::cell::RefCell;
use std::ops::Range;

use tiny_skia::{Color, PixmapMut};

use super::mask::{ByStrip, Mask, STRIP_ROWS, ceil, floor, written_zeros};

/// Which points are inside: a non-zero winding number, or an odd one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    NonZero,
    EvenOdd,
}

/// Fills `rings` (ranges of `points`, in the picture's pixels, each closed by an edge from its
/// last point back to its first) as one shape in `color` (straight alpha), inside by `rule`.
/// Edges with a non-finite end are left out.
pub fn paint(pm: &mut PixmapMut, points: &[[f32; 2]], rings: &[Range<usize>], rule: Rule, color: Color) {
    let (w, h) = (pm.width() as usize, pm.height() as usize);
    if w == 0 || h == 0 || rings.is_empty() {
        return;
    }
    // Each edge (by its two points) in the strips it reaches. Edges right of the picture
    // cover no pixel of it; edges left of it still do (everything to their right), so they
    // stay.
    let strips = h.div_ceil(STRIP_ROWS);
    let strips_of = |&(i, j): &(u32, u32)| -> Option<Range<usize>> {
        let (a, b) = (points[i as usize], points[j as usize]);
        if !a.iter().chain(&b).all(|v| v.is_finite()) || a[1] == b[1] || a[0].min(b[0]) >= w as f32 {
            return None;
        }
        let lo = (a[1].min(b[1]).max(0.0) as usize / STRIP_ROWS).min(strips);
        let hi = (a[1].max(b[1]).clamp(0.0, h as f32).ceil() as usize).div_ceil(STRIP_ROWS).min(strips);
        (lo < hi).then_some(lo..hi)
    };
    let edges = || {
        rings.iter().filter(|r| r.end <= points.len() && r.end >= r.start + 3).flat_map(|r| {
            (r.start..r.end).map(move |i| (i as u32, if i + 1 == r.end { r.start } else { i + 1 } as u32))
        })
    };
    AREA.with_borrow_mut(|area| {
        ByStrip::new(strips, edges, strips_of).paint(pm, color, |mask, here| {
            area.start(w, mask.top, mask.top + mask.rows);
            for &(i, j) in here {
                area.edge(points[i as usize], points[j as usize]);
            }
            area.coverage_into(mask, rule);
        })
    });
}

thread_local! {
    /// One accumulation buffer per thread, kept between runs (it is left all clear).
    static AREA: RefCell<Area> = RefCell::new(Area::default());
}

/// Signed areas of a strip of picture rows, with a bit per cell that an edge touched.
#[derive(Default)]
struct Area {
    w: usize,
    top: usize,
    rows: usize,
    /// `w + 2` cells per row: an edge at the right border reaches two cells past it.
    cells: Vec<f32>,
    /// Per row, a bit per cell: set where `cells` may be non-zero.
    touched: Vec<u64>,
}

impl Area {
    fn stride(&self) -> usize {
        self.w + 2
    }

    fn words(&self) -> usize {
        self.stride().div_ceil(64)
    }

    /// Makes the buffer cover picture rows `top..end`, `w` wide (it is already clear).
    fn start(&mut self, w: usize, top: usize, end: usize) {
        (self.w, self.top, self.rows) = (w, top, end - top);
        let (cells, words) = (self.stride() * self.rows, self.words() * self.rows);
        if self.cells.len() < cells {
            self.cells = written_zeros(cells);
        }
        if self.touched.len() < words {
            self.touched = written_zeros(words);
        }
    }

    /// Adds the area edge a→b sweeps in the strip: the part above or below it is left out,
    /// the part left of the picture runs down its left border (it still covers what is to
    /// its right), the part right of it is left out. Where the edge is at a row's top and
    /// bottom is worked out from its ends alone, so that a row gets the same pixels whichever
    /// strip or band it is painted in.
    fn edge(&mut self, a: [f32; 2], b: [f32; 2]) {
        // In f64: far-away points (a track's vertex a continent away) lose nothing.
        let (a, b) = (a.map(f64::from), b.map(f64::from));
        let (dir, p, q) = if a[1] < b[1] { (1.0, a, b) } else { (-1.0, b, a) };
        let (y_lo, y_hi) = (p[1].max(self.top as f64), q[1].min((self.top + self.rows) as f64));
        if !(y_lo < y_hi) {
            return;
        }
        let slope = (q[0] - p[0]) / (q[1] - p[1]);
        let x_at = |y: f64| p[0] + slope * (y - p[1]);
        // Where the edge crosses the picture's left and right borders, in order down it.
        let w = self.w as f64;
        let mut cuts = [y_hi; 3];
        for (k, x) in [0.0, w].into_iter().enumerate() {
            if (p[0] - x) * (q[0] - x) < 0.0 {
                cuts[k] = (p[1] + (x - p[0]) / slope).clamp(y_lo, y_hi);
            }
        }
        cuts.sort_by(f64::total_cmp);
        let mut from = y_lo;
        for to in cuts {
            if to > from && x_at((from + to) / 2.0) < w {
                self.line(from, to, |y| x_at(y).clamp(0.0, w) as f32, dir);
            }
            from = from.max(to);
        }
    }

    /// The area of the piece of an edge between heights `y_lo` and `y_hi` (inside the strip),
    /// with `x_at` where it is at a height (inside the picture's columns), `dir` its sign (+1
    /// going down).
    fn line(&mut self, y_lo: f64, y_hi: f64, x_at: impl Fn(f64) -> f32, dir: f32) {
        let (stride, words) = (self.stride(), self.words());
        let rows = (y_lo.floor() as usize).max(self.top)..(y_hi.ceil() as usize).min(self.top + self.rows);
        let mut x = x_at(y_lo);
        for y in rows {
            let r = y - self.top;
            let (y0, y1) = ((y as f64).max(y_lo), ((y + 1) as f64).min(y_hi));
            let x_next = x_at(y1);
            let d = (y1 - y0) as f32 * dir;
            let (x0, x1) = if x < x_next { (x, x_next) } else { (x_next, x) };
            let (x0_floor, x1_ceil) = (floor(x0), ceil(x1));
            let (i0, i1) = (x0_floor as usize, (x1_ceil as usize).max(x0_floor as usize + 1));
            let cells = &mut self.cells[r * stride..(r + 1) * stride];
            if i1 == i0 + 1 {
                // Within one column: the part right of the edge's middle, then the rest.
                let right = 0.5 * (x + x_next) - x0_floor;
                cells[i0] += d * (1.0 - right);
                cells[i0 + 1] += d * right;
            } else {
                // Across columns: a triangle in the first, trapezoids of slope `s` between,
                // a triangle in the last, then the rest of the row's height.
                let s = 1.0 / (x1 - x0);
                let f0 = x0 - x0_floor;
                let a0 = 0.5 * s * (1.0 - f0) * (1.0 - f0);
                let f1 = x1 - x1_ceil + 1.0;
                let am = 0.5 * s * f1 * f1;
                cells[i0] += d * a0;
                if i1 == i0 + 2 {
                    cells[i0 + 1] += d * (1.0 - a0 - am);
                } else {
                    let a1 = s * (1.5 - f0);
                    cells[i0 + 1] += d * (a1 - a0);
                    for c in &mut cells[i0 + 2..i1 - 1] {
                        *c += d * s;
                    }
                    let a2 = a1 + (i1 - i0 - 3) as f32 * s;
                    cells[i1 - 1] += d * (1.0 - a2 - am);
                }
                cells[i1] += d * am;
            }
            mark(&mut self.touched[r * words..(r + 1) * words], i0, i1 + 1);
            x = x_next;
        }
    }

    /// Writes each row's coverage (the running sum of its cells, by `rule`) into `mask`, and
    /// clears the cells and their bits.
    fn coverage_into(&mut self, mask: &mut Mask, rule: Rule) {
        let (w, stride, words) = (self.w, self.stride(), self.words());
        let level = |sum: f32| -> u8 {
            let c = match rule {
                Rule::NonZero => sum.abs().min(1.0),
                Rule::EvenOdd => (sum - 2.0 * floor(0.5 * sum + 0.5)).abs(),
            };
            (c * 255.0 + 0.5) as u8
        };
        for r in 0..self.rows {
            let cells = &mut self.cells[r * stride..(r + 1) * stride];
            let bits = &mut self.touched[r * words..(r + 1) * words];
            let cov = &mut mask.coverage[r * w..(r + 1) * w];
            let (mut sum, mut x, mut first, mut last) = (0.0f32, 0, usize::MAX, 0);
            for (k, word) in bits.iter_mut().enumerate() {
                let mut b = std::mem::take(word);
                while b != 0 {
                    let i = k * 64 + b.trailing_zeros() as usize;
                    b &= b - 1;
                    // Between touched cells the coverage stays what it was.
                    let v = level(sum);
                    if v != 0 && x < i.min(w) {
                        cov[x..i.min(w)].fill(v);
                        last = i.min(w);
                    }
                    sum += std::mem::take(&mut cells[i]);
                    if i < w {
                        let v = level(sum);
                        cov[i] = v;
                        first = first.min(i);
                        if v != 0 {
                            last = i + 1;
                        }
                    }
                    x = i + 1;
                }
            }
            let v = level(sum);
            if v != 0 && x < w {
                cov[x..].fill(v);
                last = w;
            }
            // Columns written outside first..last were written 0.
            if first < last {
                mask.touched[r] = (first, last);
            }
        }
    }
}

/// Sets bits `from..to` of a row's bit set.
fn mark(bits: &mut [u64], from: usize, to: usize) {
    for i in from..to {
        bits[i / 64] |= 1 << (i % 64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::painter::mask::difference;
    use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Transform};

    fn skia(pm: &mut Pixmap, points: &[[f32; 2]], rings: &[Range<usize>], rule: FillRule, color: Color) {
        let mut pb = PathBuilder::new();
        for r in rings {
            pb.move_to(points[r.start][0], points[r.start][1]);
            for p in &points[r.start + 1..r.end] {
                pb.line_to(p[0], p[1]);
            }
            pb.close();
        }
        let mut paint = Paint::default();
        paint.set_color(color);
        pm.fill_path(&pb.finish().unwrap(), &paint, rule, Transform::identity(), None);
    }

    fn ours(pm: &mut Pixmap, points: &[[f32; 2]], rings: &[Range<usize>], rule: Rule, color: Color) {
        paint(&mut pm.as_mut(), points, rings, rule, color);
    }

    /// A star (self-crossing), a square with a hole wound the other way, a sliver, and a
    /// polygon reaching far outside on every side.
    fn shapes() -> (Vec<[f32; 2]>, Vec<Range<usize>>) {
        let mut points = Vec::new();
        let mut rings = Vec::new();
        let mut ring = |pts: &[[f32; 2]]| {
            rings.push(points.len()..points.len() + pts.len());
            points.extend_from_slice(pts);
        };
        let star: Vec<[f32; 2]> = (0..5)
            .map(|k| {
                let t = std::f32::consts::TAU * (k * 2 % 5) as f32 / 5.0 - std::f32::consts::FRAC_PI_2;
                [60.0 + 45.0 * t.cos(), 60.0 + 45.0 * t.sin()]
            })
            .collect();
        ring(&star);
        ring(&[[130.3, 20.7], [230.1, 20.2], [229.6, 120.9], [130.8, 119.4]]);
        ring(&[[160.5, 50.5], [160.2, 90.3], [200.7, 90.8], [200.1, 50.2]]);
        ring(&[[20.0, 150.0], [230.0, 153.0], [230.0, 154.0]]);
        ring(&[[-5000.0, 170.0], [90.0, -300.0], [9000.0, 200.0], [90.0, 4000.0]]);
        (points, rings)
    }

    #[test]
    fn fills_look_like_tiny_skias() {
        let (points, rings) = shapes();
        let colour = Color::from_rgba8(30, 90, 200, 255);
        for (rule, skia_rule) in [(Rule::NonZero, FillRule::Winding), (Rule::EvenOdd, FillRule::EvenOdd)] {
            // Each shape alone, on white: the same pixels but for anti-aliasing (tiny-skia
            // samples four sub-rows; this takes the exact area).
            for r in 0..rings.len() {
                let mut a = Pixmap::new(256, 256).unwrap();
                let mut b = Pixmap::new(256, 256).unwrap();
                a.fill(Color::WHITE);
                b.fill(Color::WHITE);
                ours(&mut a, &points, &rings[r..r + 1], rule, colour);
                skia(&mut b, &points, &rings[r..r + 1], skia_rule, colour);
                let (mean, _) = difference(&a, &b);
                assert!(mean < 0.6, "{rule:?}, ring {r}: mean difference {mean}");
                let ink = |p: &Pixmap| p.data().chunks_exact(4).map(|px| 255 - u32::from(px[0])).sum::<u32>();
                let (ia, ib) = (ink(&a), ink(&b));
                assert!(ia.abs_diff(ib) as f64 <= 0.01 * f64::from(ib) + 255.0, "{rule:?}, ring {r}: ink {ia} against {ib}");
            }
        }
        // The square with its hole: a hole by either rule (it is wound the other way).
        let mut a = Pixmap::new(256, 256).unwrap();
        ours(&mut a, &points, &rings[1..3], Rule::NonZero, colour);
        assert_eq!(a.pixel(180, 70).unwrap().alpha(), 0, "the hole is empty");
        assert_eq!(a.pixel(140, 30).unwrap().alpha(), 255);
        // The star's centre is wound twice: inside by non-zero, outside by even-odd.
        let mut a = Pixmap::new(256, 256).unwrap();
        ours(&mut a, &points, &rings[0..1], Rule::NonZero, colour);
        assert_eq!(a.pixel(60, 62).unwrap().alpha(), 255);
        let mut a = Pixmap::new(256, 256).unwrap();
        ours(&mut a, &points, &rings[0..1], Rule::EvenOdd, colour);
        assert_eq!(a.pixel(60, 62).unwrap().alpha(), 0);
    }

    #[test]
    fn the_area_is_exact() {
        // A triangle of area 50·40/2 at sub-pixel positions: the coverage sums to its area.
        let points = [[10.3, 10.7], [60.3, 10.7], [10.3, 50.7]];
        let mut a = Pixmap::new(80, 80).unwrap();
        ours(&mut a, &points, &[0..3], Rule::NonZero, Color::BLACK);
        let area: f64 = a.pixels().iter().map(|p| f64::from(p.alpha()) / 255.0).sum();
        assert!((area - 1000.0).abs() < 1.0, "{area}");
    }

    #[test]
    fn cells_sharing_an_edge_show_no_seam() {
        // Two squares sharing a diagonal-free edge at a fractional column, and two triangles
        // sharing a slanted one: inside, every pixel is fully covered.
        let points = [[10.0, 10.0], [40.6, 10.0], [40.6, 60.0], [10.0, 60.0], [40.6, 10.0], [70.0, 10.0], [70.0, 60.0], [40.6, 60.0], [10.0, 70.0], [70.0, 70.0], [10.0, 99.0], [70.0, 70.0], [70.0, 99.0], [10.0, 99.0]];
        let rings = [0..4, 4..8, 8..11, 11..14];
        let mut a = Pixmap::new(80, 100).unwrap();
        ours(&mut a, &points, &rings, Rule::NonZero, Color::BLACK);
        for y in (11..59).chain(71..98) {
            for x in 11..69 {
                assert_eq!(a.pixel(x, y).unwrap().alpha(), 255, "a seam at {x}, {y}");
            }
        }
    }

    #[test]
    fn bands_join_without_seams() {
        let (points, rings) = shapes();
        let colour = Color::from_rgba8(200, 40, 40, 180);
        let mut whole = Pixmap::new(256, 256).unwrap();
        ours(&mut whole, &points, &rings, Rule::NonZero, colour);
        let mut banded = Pixmap::new(256, 256).unwrap();
        for (top, rows) in [(0u32, 77u32), (77, 100), (177, 79)] {
            let moved: Vec<[f32; 2]> = points.iter().map(|p| [p[0], p[1] - top as f32]).collect();
            let data = &mut banded.data_mut()[(top * 256 * 4) as usize..((top + rows) * 256 * 4) as usize];
            let mut pm = PixmapMut::from_bytes(data, 256, rows).unwrap();
            paint(&mut pm, &moved, &rings, Rule::NonZero, colour);
        }
        assert_eq!(difference(&whole, &banded).1, 0);
    }

    #[test]
    fn hostile_points_are_skipped() {
        let points = [[f32::NAN, 3.0], [50.0, 50.0], [10.0, 90.0], [f32::INFINITY, 1.0], [1e30, -1e30], [-5e9, 40.0], [30.0, 30.0]];
        let mut a = Pixmap::new(64, 64).unwrap();
        ours(&mut a, &points, &[0..3, 3..7, 5..7, 2..1, 6..99], Rule::NonZero, Color::BLACK);
        ours(&mut a, &points, &[4..7], Rule::EvenOdd, Color::BLACK);
        // Nothing to test but that it returns; and an empty picture takes nothing.
        let mut empty = [0u8; 0];
        if let Some(mut pm) = PixmapMut::from_bytes(&mut empty, 0, 0) {
            paint(&mut pm, &points, &[1..4], Rule::NonZero, Color::BLACK);
        }
    }
}
