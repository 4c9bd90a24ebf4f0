//! The tiny-skia painter of scene primitives, below both the export (`export::raster`) and
//! the window's raster tiles of large layers (`tiles::layer`): round-capped lines, dashes,
//! even-odd polygon fills, circles and arrow triangles, painted as the screen paints them
//! (`ui::paint`), runs of lines or areas of one style painted as one path, markers stamped.
//! Solid strokes (lines and outlines) are rasterised by [`strokes`], polygon fills by
//! [`fills`]; both give a pixel the same value whichever band of a page it is painted in.

pub mod fills;
mod mask;
pub mod strokes;

use std::ops::Range;

use tiny_skia::{Color, FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, PixmapMut, Transform};

use crate::scene::{Primitive, Px, Rgba, Stroke};

/// Areas per batch. Batches save tiny-skia's per-path set-up; very large ones lose it again
/// to sorting the edges that cross each scanline.
const BATCH_AREAS: usize = 256;
/// Lines and points per run of lines: the run keeps their pixels until it is painted, and
/// every area or marker painted meanwhile is checked against each line's box.
const BATCH_LINES: usize = 1024;
const BATCH_POINTS: usize = 1 << 16;

/// Runs of scene primitives painted as few paths, with the same pixels as painting them one
/// by one, in a fraction of the time when there are thousands:
///
/// * solid, opaque lines of one style are stroked as one ([`strokes`]: opaque paint over
///   itself is unchanged): a 1M-vertex file of ship tracks;
/// * areas of one fill and solid outline whose boxes (with the outline's reach and a pixel of
///   anti-aliasing) touch no other area of the run are filled as one path and outlined as one
///   path: no pixel is painted by two of them, so their order, and the translucent fill, do
///   not matter (10,000 site polygons);
/// * markers are stamped ([`Stamps`]).
///
/// A run of lines and a run of areas stay open side by side while no box of the one touches a
/// box of the other, and a marker clear of both is stamped at once: what is painted out of
/// order never shares a pixel, so a file that mixes lines, areas and points (in any order)
/// still paints in runs. Whatever lies wholly outside the picture (the other band of a page
/// painted in bands) is skipped.
#[derive(Default)]
pub struct Batch {
    lines: LineRun,
    areas: AreaRun,
    markers: Stamps,
}

/// The lines of a [`Batch`]: their stroke, device points, and the device boxes they paint in.
#[derive(Default)]
struct LineRun {
    stroke: Option<Stroke>,
    lines: DevicePolylines,
    boxes: Boxes,
}

/// The areas of a [`Batch`]: their style, rings, and the device boxes they paint in.
#[derive(Default)]
struct AreaRun {
    style: Option<(Rgba, Option<Stroke>)>,
    rings: DevicePolylines,
    boxes: Boxes,
}

/// Polylines in device pixels, for [`strokes::paint`] (and closed ones for [`fills::paint`]).
#[derive(Default)]
struct DevicePolylines {
    points: Vec<[f32; 2]>,
    lines: Vec<Range<usize>>,
}

impl DevicePolylines {
    /// Adds `points` mapped by `ts` (the first again at the end if `close`); non-finite
    /// points are left out.
    fn push(&mut self, points: &[Px], close: bool, ts: Transform) {
        let start = self.points.len();
        self.points.extend(points.iter().filter(|p| p[0].is_finite() && p[1].is_finite()).map(|p| {
            let (x, y) = ts.map_point_xy(p[0], p[1]);
            [x, y]
        }));
        if close && self.points.len() > start + 2 {
            self.points.push(self.points[start]);
        }
        if self.points.len() - start >= 2 {
            self.lines.push(start..self.points.len());
        } else {
            self.points.truncate(start);
        }
    }

    /// Strokes them as one, and empties them.
    fn paint(&mut self, pm: &mut PixmapMut, stroke: &Stroke, ts: Transform) {
        strokes::paint(pm, &self.points, &self.lines, stroke.width * uniform_scale(ts).unwrap_or(1.0), color(stroke.color));
        self.clear();
    }

    /// Fills them (closed) as one shape by the even-odd rule, as the screen fills a polygon.
    fn fill(&self, pm: &mut PixmapMut, rgba: Rgba) {
        fills::paint(pm, &self.points, &self.lines, fills::Rule::EvenOdd, color(rgba));
    }

    fn clear(&mut self) {
        self.points.clear();
        self.lines.clear();
    }
}

/// The scale of a transform that scales evenly and moves, flipping or not: what a stroke's
/// width is multiplied by. `None` for skews and uneven scales.
fn uniform_scale(ts: Transform) -> Option<f32> {
    (ts.kx == 0.0 && ts.ky == 0.0 && ts.sx.abs() == ts.sy.abs() && ts.sx != 0.0).then_some(ts.sx.abs())
}

/// Strokes that [`strokes`] paints: solid, under a transform that scales evenly.
fn by_distance(s: &Stroke, ts: Transform) -> bool {
    s.dash.is_none() && uniform_scale(ts).is_some()
}

/// Device boxes of a run and their union, for the question "does this touch any of them?".
#[derive(Default)]
struct Boxes {
    each: Vec<tiny_skia::Rect>,
    union: Option<tiny_skia::Rect>,
}

impl Boxes {
    fn len(&self) -> usize {
        self.each.len()
    }

    fn touches(&self, r: &tiny_skia::Rect) -> bool {
        self.union.as_ref().is_some_and(|u| meet(u, r)) && self.each.iter().any(|b| meet(b, r))
    }

    fn push(&mut self, r: tiny_skia::Rect) {
        self.union = Some(match self.union {
            Some(u) => tiny_skia::Rect::from_ltrb(u.left().min(r.left()), u.top().min(r.top()), u.right().max(r.right()), u.bottom().max(r.bottom())).unwrap_or(u),
            None => r,
        });
        self.each.push(r);
    }

    fn clear(&mut self) {
        self.each.clear();
        self.union = None;
    }
}

fn meet(a: &tiny_skia::Rect, b: &tiny_skia::Rect) -> bool {
    !(a.right() < b.left() || b.right() < a.left() || a.bottom() < b.top() || b.bottom() < a.top())
}

/// A box that meets everything: for primitives whose reach is not known.
fn everywhere() -> tiny_skia::Rect {
    tiny_skia::Rect::from_ltrb(-1e30, -1e30, 1e30, 1e30).expect("a finite box")
}

impl Batch {
    /// Solid and opaque: painting it in a batch changes no pixel.
    fn batchable(s: &Stroke) -> bool {
        s.dash.is_none() && s.color.0[3] == 255
    }

    /// Adds a primitive: one that can be batched joins (or starts) a run, a marker is stamped,
    /// anything else ends the runs and is painted.
    pub fn paint(&mut self, pm: &mut PixmapMut, p: &Primitive, ts: Transform) {
        let reach = reach(p, ts);
        let picture = tiny_skia::Rect::from_xywh(0.0, 0.0, pm.width() as f32, pm.height() as f32);
        if let (Some(r), Some(pic)) = (&reach, &picture) {
            if !meet(r, pic) {
                return;
            }
        }
        match p {
            Primitive::Line { points, stroke } if Self::batchable(stroke) && by_distance(stroke, ts) => {
                let r = reach.unwrap_or_else(everywhere);
                if self.areas.boxes.touches(&r) {
                    self.flush_areas(pm, ts);
                }
                let run = &self.lines;
                if !(run.stroke.is_none_or(|b| b == *stroke) && run.boxes.len() < BATCH_LINES && run.lines.points.len() < BATCH_POINTS) {
                    self.flush_lines(pm, ts);
                }
                self.lines.lines.push(points, false, ts);
                self.lines.stroke = Some(*stroke);
                self.lines.boxes.push(r);
            }
            Primitive::Polygon { rings, fill, stroke } if reach.is_some() && stroke.is_none_or(|s| by_distance(&s, ts)) => {
                let r = reach.unwrap_or_else(everywhere);
                if self.lines.boxes.touches(&r) {
                    self.flush_lines(pm, ts);
                }
                if !self.areas.takes((*fill, *stroke), &r) {
                    self.flush_areas(pm, ts);
                }
                self.areas.push(rings, (*fill, *stroke), r, ts);
            }
            Primitive::Circle { .. } | Primitive::Triangle { .. } if reach.is_some() => {
                let r = reach.unwrap_or_else(everywhere);
                if self.lines.boxes.touches(&r) {
                    self.flush_lines(pm, ts);
                }
                if self.areas.boxes.touches(&r) {
                    self.flush_areas(pm, ts);
                }
                self.markers.paint(pm, p, ts);
            }
            _ => {
                self.flush(pm, ts);
                self.markers.paint(pm, p, ts);
            }
        }
    }

    /// Paints what the runs hold.
    pub fn flush(&mut self, pm: &mut PixmapMut, ts: Transform) {
        self.flush_lines(pm, ts);
        self.flush_areas(pm, ts);
    }

    fn flush_lines(&mut self, pm: &mut PixmapMut, ts: Transform) {
        let run = &mut self.lines;
        run.boxes.clear();
        if let Some(stroke) = run.stroke.take() {
            run.lines.paint(pm, &stroke, ts);
        }
    }

    fn flush_areas(&mut self, pm: &mut PixmapMut, ts: Transform) {
        let run = &mut self.areas;
        run.boxes.clear();
        let Some((fill, stroke)) = run.style.take() else { return };
        run.rings.fill(pm, fill);
        match stroke {
            Some(s) => run.rings.paint(pm, &s, ts),
            None => run.rings.clear(),
        }
    }
}

impl AreaRun {
    /// Same style, room left, and the box clear of every area in the run.
    fn takes(&self, style: (Rgba, Option<Stroke>), reach: &tiny_skia::Rect) -> bool {
        self.style.is_none_or(|s| s == style) && self.boxes.len() < BATCH_AREAS && !self.boxes.touches(reach)
    }

    fn push(&mut self, rings: &[Vec<Px>], style: (Rgba, Option<Stroke>), reach: tiny_skia::Rect, ts: Transform) {
        for ring in rings {
            self.rings.push(ring, true, ts);
        }
        self.style = Some(style);
        self.boxes.push(reach);
    }
}

/// The device pixels a primitive can paint: its points' box under `ts` (which must only scale
/// and move), widened by the outline's reach (a mitre is at most 4 half-widths long) and two
/// pixels of anti-aliasing. `None` for text, when the transform skews, or when no point is
/// finite.
fn reach(p: &Primitive, ts: Transform) -> Option<tiny_skia::Rect> {
    if ts.kx != 0.0 || ts.ky != 0.0 {
        return None;
    }
    let scale = ts.sx.abs().max(ts.sy.abs());
    let (points, stroke, grow): (&mut dyn Iterator<Item = &Px>, Option<&Stroke>, f32) = match p {
        Primitive::Line { points, stroke } => (&mut points.iter(), Some(stroke), 0.0),
        Primitive::Polygon { rings, stroke, .. } => (&mut rings.iter().flatten(), stroke.as_ref(), 0.0),
        Primitive::Circle { center, radius, stroke, .. } => (&mut std::iter::once(center), stroke.as_ref(), radius.abs() * scale),
        Primitive::Triangle { points, .. } => (&mut points.iter(), None, 0.0),
        Primitive::Text { .. } => return None,
    };
    let mut b = [f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY];
    for p in points.filter(|p| p[0].is_finite() && p[1].is_finite()) {
        let (x, y) = ts.map_point_xy(p[0], p[1]);
        b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
    let pad = grow + stroke.map_or(0.0, |s| s.width * scale * 2.0) + 2.0;
    tiny_skia::Rect::from_ltrb(b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad)
}

/// Markers (small circles of one style) drawn once per style, scale and quarter-pixel offset,
/// then copied into the picture wherever one goes: a file of 200,000 points is 200,000 copies
/// of a few dozen pixels instead of 200,000 circles filled and stroked (which tiny-skia takes
/// ~20 µs each to set up). The copy is placed to a quarter of a device pixel.
#[derive(Default)]
pub struct Stamps {
    drawn: std::collections::HashMap<StampKey, Option<tiny_skia::Pixmap>>,
}

/// A marker's look at one scale and sub-pixel offset (floats as bits: exact keys).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct StampKey {
    radius: u32,
    fill: Rgba,
    stroke: Option<(Rgba, u32)>,
    scale: u32,
    quarter: [u8; 2],
}

/// Circles up to this radius (layout pixels) are stamped; bigger ones (uncertainty circles)
/// are few and drawn as paths.
const STAMP_MAX_RADIUS: f32 = 12.0;

impl Stamps {
    /// Paints a primitive: a marker as a stamp, anything else as a path.
    pub fn paint(&mut self, pm: &mut PixmapMut, p: &Primitive, ts: Transform) {
        match p {
            Primitive::Circle { center, radius, fill, stroke } if Self::takes(*radius, stroke.as_ref(), ts) => {
                self.stamp(pm, *center, *radius, *fill, *stroke, ts);
            }
            _ => paint_primitive(pm, p, ts),
        }
    }

    /// A solid marker under a transform that only scales and moves.
    fn takes(radius: f32, stroke: Option<&Stroke>, ts: Transform) -> bool {
        radius > 0.0
            && radius <= STAMP_MAX_RADIUS
            && stroke.is_none_or(|s| s.dash.is_none())
            && ts.kx == 0.0
            && ts.ky == 0.0
            && ts.sx == ts.sy
            && ts.sx > 0.0
            && ts.sx <= 8.0
    }

    fn stamp(&mut self, pm: &mut PixmapMut, center: Px, radius: f32, fill: Rgba, stroke: Option<Stroke>, ts: Transform) {
        let (cx, cy) = ts.map_point_xy(center[0], center[1]);
        if !(cx.is_finite() && cy.is_finite()) {
            return;
        }
        let scale = ts.sx;
        // Whole pixels and quarters of the centre.
        let (qx, qy) = ((cx * 4.0).round(), (cy * 4.0).round());
        let (ix, iy) = ((qx / 4.0).floor(), (qy / 4.0).floor());
        let quarter = [(qx - ix * 4.0) as u8, (qy - iy * 4.0) as u8];
        let reach = (radius + stroke.map_or(0.0, |s| s.width / 2.0)) * scale;
        let half = reach.ceil() as i32 + 2;
        let key = StampKey {
            radius: radius.to_bits(),
            fill,
            stroke: stroke.map(|s| (s.color, s.width.to_bits())),
            scale: scale.to_bits(),
            quarter,
        };
        let sprite = self.drawn.entry(key).or_insert_with(|| {
            let side = (2 * half + 1) as u32;
            let mut sprite = tiny_skia::Pixmap::new(side, side)?;
            let c = [half as f32 + f32::from(quarter[0]) / 4.0, half as f32 + f32::from(quarter[1]) / 4.0];
            let stroke = stroke.map(|s| Stroke { width: s.width * scale, ..s });
            let circle = Primitive::Circle { center: c, radius: radius * scale, fill, stroke };
            paint_primitive(&mut sprite.as_mut(), &circle, Transform::identity());
            Some(sprite)
        });
        if let Some(sprite) = sprite {
            blend(pm, sprite, ix as i32 - half, iy as i32 - half);
        }
    }
}

/// Source-over of a premultiplied sprite into the picture at `(x, y)`, clipped.
fn blend(pm: &mut PixmapMut, sprite: &tiny_skia::Pixmap, x: i32, y: i32) {
    let (w, h) = (pm.width() as i32, pm.height() as i32);
    let (sw, sh) = (sprite.width() as i32, sprite.height() as i32);
    let (x0, x1) = (x.max(0), (x + sw).min(w));
    let (y0, y1) = (y.max(0), (y + sh).min(h));
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let src = sprite.data();
    let dst = pm.data_mut();
    for row in y0..y1 {
        let s = ((row - y) * sw + (x0 - x)) as usize * 4;
        let d = (row * w + x0) as usize * 4;
        let n = (x1 - x0) as usize * 4;
        for (sp, dp) in src[s..s + n].chunks_exact(4).zip(dst[d..d + n].chunks_exact_mut(4)) {
            let a = u16::from(sp[3]);
            if a == 0 {
                continue;
            }
            let keep = 255 - a;
            for k in 0..4 {
                dp[k] = (u16::from(sp[k]) + (u16::from(dp[k]) * keep + 127) / 255) as u8;
            }
        }
    }
}

pub trait MapPoint {
    fn map_point_xy(&self, x: f32, y: f32) -> (f32, f32);
}

impl MapPoint for Transform {
    fn map_point_xy(&self, x: f32, y: f32) -> (f32, f32) {
        (self.sx * x + self.kx * y + self.tx, self.ky * x + self.sy * y + self.ty)
    }
}

pub fn color(c: Rgba) -> Color {
    let [r, g, b, a] = c.0;
    Color::from_rgba8(r, g, b, a)
}

pub fn paint(c: Rgba) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(color(c));
    p.anti_alias = true;
    p
}

pub fn polyline(points: &[Px], close: bool) -> Option<Path> {
    let mut pb = PathBuilder::new();
    let mut it = points.iter().filter(|p| p[0].is_finite() && p[1].is_finite());
    let first = it.next()?;
    pb.move_to(first[0], first[1]);
    for p in it {
        pb.line_to(p[0], p[1]);
    }
    if close {
        pb.close();
    }
    pb.finish()
}

/// A scene stroke for tiny-skia (dashed strokes, and any under a skewing transform; solid ones
/// go to [`strokes`], with round joins): mitred joins (limit 4, then bevelled), as egui joins
/// the screen's lines and as SVG does by default; round ends on solid lines, flat ends on
/// dashes.
pub fn skia_stroke(s: &Stroke) -> tiny_skia::Stroke {
    let dash = s.dash.and_then(|[on, off]| tiny_skia::StrokeDash::new(vec![on, off], 0.0));
    tiny_skia::Stroke {
        width: s.width,
        line_cap: if dash.is_some() { LineCap::Butt } else { LineCap::Round },
        line_join: LineJoin::Miter,
        miter_limit: 4.0,
        dash,
    }
}

/// Paints one scene primitive (text excepted: see [`paint_text`]).
pub fn paint_primitive(pm: &mut PixmapMut, p: &Primitive, ts: Transform) {
    match p {
        Primitive::Line { points, stroke } if by_distance(stroke, ts) => {
            let mut line = DevicePolylines::default();
            line.push(points, false, ts);
            line.paint(pm, stroke, ts);
        }
        Primitive::Line { points, stroke } => {
            if let Some(path) = polyline(points, false) {
                pm.stroke_path(&path, &paint(stroke.color), &skia_stroke(stroke), ts, None);
            }
        }
        Primitive::Polygon { rings, fill, stroke } => {
            let mut device = DevicePolylines::default();
            for ring in rings {
                device.push(ring, true, ts);
            }
            device.fill(pm, *fill);
            match stroke {
                Some(s) if by_distance(s, ts) => device.paint(pm, s, ts),
                Some(s) => {
                    let mut pb = PathBuilder::new();
                    for path in rings.iter().filter_map(|r| polyline(r, true)) {
                        pb.push_path(&path);
                    }
                    if let Some(path) = pb.finish() {
                        pm.stroke_path(&path, &paint(s.color), &skia_stroke(s), ts, None);
                    }
                }
                None => {}
            }
        }
        Primitive::Circle { center, radius, fill, stroke } => {
            let Some(path) = PathBuilder::from_circle(center[0], center[1], radius.max(0.01)) else { return };
            pm.fill_path(&path, &paint(*fill), FillRule::Winding, ts, None);
            if let Some(s) = stroke {
                pm.stroke_path(&path, &paint(s.color), &skia_stroke(s), ts, None);
            }
        }
        Primitive::Triangle { points, fill } => {
            if let Some(path) = polyline(points, true) {
                pm.fill_path(&path, &paint(*fill), FillRule::Winding, ts, None);
            }
        }
        Primitive::Text { .. } => {}
    }
}

/// A rectangle with corners rounded by `r` (quarter circles as cubic curves).
pub fn rounded_rect(x: f32, y: f32, w: f32, h: f32, r: f32) -> Option<Path> {
    let r = r.min(w / 2.0).min(h / 2.0).max(0.0);
    let mut pb = PathBuilder::new();
    if r <= 0.0 {
        pb.push_rect(tiny_skia::Rect::from_xywh(x, y, w, h)?);
        return pb.finish();
    }
    let k = r * 0.552_284_8;
    pb.move_to(x + r, y);
    pb.line_to(x + w - r, y);
    pb.cubic_to(x + w - r + k, y, x + w, y + r - k, x + w, y + r);
    pb.line_to(x + w, y + h - r);
    pb.cubic_to(x + w, y + h - r + k, x + w - r + k, y + h, x + w - r, y + h);
    pb.line_to(x + r, y + h);
    pb.cubic_to(x + r - k, y + h, x, y + h - r + k, x, y + h - r);
    pb.line_to(x, y + r);
    pb.cubic_to(x, y + r - k, x + r - k, y, x + r, y);
    pb.close();
    pb.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markers stamped look like markers drawn as paths.
    #[test]
    fn stamped_markers_match_painted_ones() {
        let fill = crate::scene::style::ORANGE;
        let stroke = Some(Stroke::solid(crate::scene::style::INK, 1.5));
        for scale in [1.0f32, 2.0, 4.0] {
            let (w, h) = ((64.0 * scale) as u32, (48.0 * scale) as u32);
            let mut painted = tiny_skia::Pixmap::new(w, h).unwrap();
            let mut stamped = tiny_skia::Pixmap::new(w, h).unwrap();
            painted.fill(Color::WHITE);
            stamped.fill(Color::WHITE);
            let ts = Transform::from_scale(scale, scale);
            let mut batch = Batch::default();
            for (i, c) in [[10.3, 10.8], [30.0, 20.0], [31.6, 21.1], [60.5, 40.0], [-2.0, 5.0]].iter().enumerate() {
                let radius = if i % 2 == 0 { 5.5 } else { 4.5 };
                let marker = Primitive::Circle { center: *c, radius, fill, stroke };
                paint_primitive(&mut painted.as_mut(), &marker, ts);
                batch.paint(&mut stamped.as_mut(), &marker, ts);
            }
            batch.flush(&mut stamped.as_mut(), ts);
            let differing = painted.data().chunks(4).zip(stamped.data().chunks(4)).filter(|(a, b)| a.iter().zip(*b).any(|(x, y)| x.abs_diff(*y) > 64)).count();
            let total: u64 = painted.data().iter().zip(stamped.data()).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
            eprintln!("scale {scale}: {differing} pixels differ by more than 64, total difference {total}");
            // At most an edge pixel here and there (a quarter-pixel offset, rounding).
            assert!(differing <= (scale * scale) as usize * 4, "scale {scale}: {differing} pixels differ");
            assert!(total < u64::from(w * h * 4), "scale {scale}: mean difference over 1: {total}");
            assert!(!batch.markers.drawn.is_empty(), "the markers were stamped");
        }
    }

    /// Translucent outlined areas, overlapping and apart, with lines between them: painted in
    /// runs they give exactly the pixels of painting each on its own, and the runs did form.
    #[test]
    fn batched_areas_and_lines_match_painted_ones() {
        let fill = crate::scene::style::SKY.with_alpha(50);
        let outline = Some(Stroke::solid(crate::scene::style::SKY, 1.5));
        let square = |x: f32, y: f32, r: f32| vec![vec![[x - r, y - r], [x + r, y - r], [x + r, y + r], [x - r, y + r]]];
        let mut prims = Vec::new();
        for i in 0..40 {
            let (x, y) = ((i % 8) as f32 * 24.0 + 10.0, (i / 8) as f32 * 22.0 + 10.0);
            // Every fifth square is big enough to overlap its neighbours.
            let r = if i % 5 == 0 { 21.0 } else { 4.5 };
            let mut rings = square(x, y, r);
            if i % 7 == 0 {
                rings.push(square(x, y, 2.0).remove(0)); // a hole
            }
            prims.push(Primitive::Polygon { rings, fill, stroke: outline });
            if i % 13 == 0 {
                prims.push(Primitive::Line { points: vec![[0.0, y], [190.0, y + 3.0]], stroke: Stroke::solid(crate::scene::style::VERMILLION, 2.0) });
            }
        }
        for scale in [1.0f32, 3.0] {
            let (w, h) = ((190.0 * scale) as u32, (110.0 * scale) as u32);
            let mut painted = tiny_skia::Pixmap::new(w, h).unwrap();
            let mut batched = tiny_skia::Pixmap::new(w, h).unwrap();
            painted.fill(Color::WHITE);
            batched.fill(Color::WHITE);
            let ts = Transform::from_scale(scale, scale);
            let mut batch = Batch::default();
            let mut longest_run = 0;
            for p in &prims {
                paint_primitive(&mut painted.as_mut(), p, ts);
                batch.paint(&mut batched.as_mut(), p, ts);
                longest_run = longest_run.max(batch.areas.boxes.len());
            }
            batch.flush(&mut batched.as_mut(), ts);
            assert!(painted.data() == batched.data(), "scale {scale}: the runs changed pixels");
            assert!(longest_run >= 4, "scale {scale}: areas apart were painted in runs ({longest_run})");
        }
    }

    /// Lines, areas, markers and arrows interleaved as a mixed file has them (and some off
    /// the picture): painted with both runs open they give exactly the pixels of painting each
    /// on its own, and the runs still form across the interleaving.
    #[test]
    fn interleaved_lines_areas_and_markers_paint_in_runs_with_the_same_pixels() {
        let fill = crate::scene::style::SKY.with_alpha(50);
        let outline = Some(Stroke::solid(crate::scene::style::SKY, 1.5));
        let line = Stroke::solid(crate::scene::style::VERMILLION, 2.0);
        let mut prims = Vec::new();
        // One primitive per cell of a grid (lines never cross lines: overlapping strokes of one
        // run blend their anti-aliased edges differently), every seventh area big enough to
        // cover its neighbours of every kind, and the grid reaching past the picture's edges.
        for i in 0..200 {
            let (x, y) = ((i % 9) as f32 * 30.0 - 12.0, (i / 9) as f32 * 30.0 - 8.0);
            let r = if i % 7 == 2 { 22.0 } else { 6.0 };
            prims.push(match i % 5 {
                0 => Primitive::Line { points: (0..6).map(|k| [x + k as f32 * 2.5, y + (k * k) as f32 * 0.1]).collect(), stroke: line },
                1 => Primitive::Line { points: vec![[x, y], [x + 9.0, y + 4.0]], stroke: line },
                2 => Primitive::Polygon { rings: vec![vec![[x - r, y - r], [x + r, y - r + 1.0], [x + r - 1.0, y + r], [x - r, y + r - 1.0]]], fill, stroke: outline },
                3 => Primitive::Circle { center: [x, y], radius: 4.5, fill: crate::scene::style::ORANGE, stroke: Some(Stroke::solid(crate::scene::style::INK, 1.5)) },
                _ => Primitive::Triangle { points: [[x, y], [x + 5.0, y + 2.0], [x, y + 4.0]], fill: crate::scene::style::INK },
            });
        }
        // Far off the picture: skipped.
        prims.push(Primitive::Line { points: vec![[5000.0, 5000.0], [5100.0, 5000.0]], stroke: line });
        for scale in [1.0f32, 2.0] {
            let (w, h) = ((250.0 * scale) as u32, (600.0 * scale) as u32);
            let mut painted = tiny_skia::Pixmap::new(w, h).unwrap();
            let mut batched = tiny_skia::Pixmap::new(w, h).unwrap();
            painted.fill(Color::WHITE);
            batched.fill(Color::WHITE);
            let ts = Transform::from_scale(scale, scale);
            let mut batch = Batch::default();
            let (mut longest_lines, mut longest_areas) = (0, 0);
            for p in &prims {
                match p {
                    // Stamps place markers to a quarter pixel: compare them as stamps on both.
                    Primitive::Circle { .. } => batch.markers.paint(&mut painted.as_mut(), p, ts),
                    _ => paint_primitive(&mut painted.as_mut(), p, ts),
                }
                batch.paint(&mut batched.as_mut(), p, ts);
                longest_lines = longest_lines.max(batch.lines.boxes.len());
                longest_areas = longest_areas.max(batch.areas.boxes.len());
            }
            batch.flush(&mut batched.as_mut(), ts);
            assert!(painted.data() == batched.data(), "scale {scale}: painting in runs changed pixels");
            assert!(longest_lines >= 4 && longest_areas >= 3, "scale {scale}: runs formed across the interleaving ({longest_lines} lines, {longest_areas} areas)");
        }
    }
}
