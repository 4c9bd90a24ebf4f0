//! The tiny-skia painter of scene primitives, below both the export (`export::raster`) and
//! the window's raster tiles of large layers (`tiles::layer`): round-capped lines, dashes,
//! even-odd polygon fills, circles and arrow triangles, painted as the screen paints them
//! (`ui::paint`), and runs of lines of one style stroked as one path.

use tiny_skia::{Color, FillRule, LineCap, LineJoin, Paint, Path, PathBuilder, PixmapMut, Transform};

use crate::scene::{Primitive, Px, Rgba, Stroke};

/// Lines per batch. Batches save tiny-skia's per-path set-up; very large ones lose it again
/// to sorting the edges that cross each scanline.
const BATCH_LINES: usize = 256;

/// Consecutive solid, opaque lines of one style, stroked as one path: the same pixels as one
/// by one (opaque paint over itself is unchanged), in a fraction of the time when there are
/// thousands (a 1M-vertex file of ship tracks).
#[derive(Default)]
pub struct LineBatch {
    stroke: Option<Stroke>,
    path: PathBuilder,
    lines: usize,
}

impl LineBatch {
    /// Solid and opaque: painting it in a batch changes no pixel.
    fn batchable(s: &Stroke) -> bool {
        s.dash.is_none() && s.color.0[3] == 255
    }

    /// Adds a line that can be batched; anything else ends the batch and is painted.
    pub fn paint(&mut self, pm: &mut PixmapMut, p: &Primitive, ts: Transform) {
        match p {
            Primitive::Line { points, stroke } if Self::batchable(stroke) => {
                if !self.takes(stroke) {
                    self.flush(pm, ts);
                }
                self.push(points, *stroke);
            }
            _ => {
                self.flush(pm, ts);
                paint_primitive(pm, p, ts);
            }
        }
    }

    /// Whether the line can join this batch (same style, room left).
    fn takes(&self, s: &Stroke) -> bool {
        self.stroke.is_none_or(|b| b == *s) && self.lines < BATCH_LINES
    }

    fn push(&mut self, points: &[Px], stroke: Stroke) {
        if let Some(p) = polyline(points, false) {
            self.path.push_path(&p);
            self.stroke = Some(stroke);
            self.lines += 1;
        }
    }

    pub fn flush(&mut self, pm: &mut PixmapMut, ts: Transform) {
        let (Some(stroke), path) = (self.stroke.take(), std::mem::take(&mut self.path)) else { return };
        self.lines = 0;
        if let Some(path) = path.finish() {
            pm.stroke_path(&path, &paint(stroke.color), &skia_stroke(&stroke), ts, None);
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

/// A scene stroke for tiny-skia: mitred joins (limit 4, then bevelled), as egui joins the
/// screen's lines and as SVG does by default; round ends on solid lines, flat ends on dashes.
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
        Primitive::Line { points, stroke } => {
            if let Some(path) = polyline(points, false) {
                pm.stroke_path(&path, &paint(stroke.color), &skia_stroke(stroke), ts, None);
            }
        }
        Primitive::Polygon { rings, fill, stroke } => {
            let mut pb = PathBuilder::new();
            for ring in rings {
                if let Some(path) = polyline(ring, true) {
                    pb.push_path(&path);
                }
            }
            let Some(path) = pb.finish() else { return };
            pm.fill_path(&path, &paint(*fill), FillRule::EvenOdd, ts, None);
            if let Some(s) = stroke {
                pm.stroke_path(&path, &paint(s.color), &skia_stroke(s), ts, None);
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
