//! Draws the basemap into a tiny-skia pixmap: a tile, or any world rectangle at any scale
//! (the PNG export uses the same code, so the screen and the export agree).
//!
//! For each layer, in the order of the Natural Earth rendering notes (sea background, land,
//! urban areas, lakes, rivers, coastline, admin-1 lines, borders, railways, ports), the
//! features whose bounding boxes meet the view (plus a margin for line widths, plus the
//! copies across the antimeridian) are projected to pixels, thinned to about half a pixel,
//! clipped to the view, batched by style and drawn with antialiasing. No text is drawn: labels
//! come from [`super::labels`] and are drawn by the UI on top.
//!
//! This module knows tiny-skia and the style, not egui or the pack format.

use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, PixmapMut, Stroke, StrokeDash,
    Transform,
};

use super::Basemap;
use super::clip::{PxRect, WorldToPx, clip_polyline, clip_ring, project_thinned};
use super::layer::{
    BoundaryClass, FeatureAttrs, GeometryKind, LayerData, LayerKind, RailClass, RiverClass, Tier,
};
use super::style::{BasemapStyle, LineStyle, Rgba};
use crate::projection::WorldRect;

/// Where a pixmap sits on the world and what it is drawn for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RenderView {
    /// World position (Web Mercator, `[0, 1]²`) of the pixmap's top-left corner.
    pub origin_world: [f64; 2],
    /// Pixmap pixels per world unit: `256 · 2^zoom · pixel_ratio`.
    pub px_per_world: f64,
    /// The zoom the content is chosen for (tier, filters, widths). May be fractional.
    pub zoom: f64,
    /// Multiplies every width and size of the style: 1 for 256-pixel tiles, 2 for 512.
    pub pixel_ratio: f32,
}

impl RenderView {
    /// The view of tile `(z, x, y)` drawn at `size_px` pixels.
    pub fn tile(z: u8, x: u32, y: u32, size_px: u32) -> Self {
        let bounds = crate::projection::tile_world_bounds(z, x, y);
        let size = f64::from(size_px);
        RenderView {
            origin_world: bounds.min,
            px_per_world: size / bounds.width(),
            zoom: f64::from(z),
            pixel_ratio: size_px as f32 / 256.0,
        }
    }
}

/// Vertices closer than this to the previous one (in output pixels) are skipped.
const LOD_MIN_STEP_PX: f64 = 0.5;
/// Extra pixels around the view that geometry is clipped to, so that no outline or line end
/// of a clipped shape shows at the edge.
const CLIP_MARGIN_PX: f64 = 2.0;

/// Railways: trunk lines are scalerank ≤ this.
const RAIL_TRUNK_MAX_RANK: u8 = 5;
/// Railways with scalerank ≤ zoom are drawn (as the Natural Earth tile projects do), and at
/// least the trunk lines from zoom 3; from this zoom on, every railway.
const RAIL_ALL_FROM_ZOOM: f64 = 8.0;

/// Draws the basemap into `pixmap` as `view` says, with `style`, leaving out the `hidden`
/// layers.
pub(crate) fn render(
    basemap: &Basemap,
    style: &BasemapStyle,
    pixmap: &mut PixmapMut,
    view: &RenderView,
    hidden: &[LayerKind],
) {
    pixmap.fill(color(style.sea));
    let (w, h) = (f64::from(pixmap.width()), f64::from(pixmap.height()));
    let usable = view.px_per_world.is_finite() && view.px_per_world > 0.0 && view.zoom.is_finite();
    if !usable {
        return;
    }
    let mut r = Renderer {
        view: *view,
        clip: PxRect {
            x0: -CLIP_MARGIN_PX,
            y0: -CLIP_MARGIN_PX,
            x1: w + CLIP_MARGIN_PX,
            y1: h + CLIP_MARGIN_PX,
        },
        view_world: WorldRect {
            min: view.origin_world,
            max: [
                view.origin_world[0] + w / view.px_per_world,
                view.origin_world[1] + h / view.px_per_world,
            ],
        },
        scratch: Scratch::default(),
    };
    let zoom = view.zoom;
    let tier = Tier::for_zoom(zoom);
    let layer = |kind| if hidden.contains(&kind) { None } else { basemap.layer_for(kind, tier) };

    if let Some(land) = layer(LayerKind::Land) {
        // Natural Earth's min_zoom hides islands that are below a pixel anyway; one level of
        // slack keeps land and coastline (which has the same ranks) in step.
        r.fill(pixmap, land, style.land, |a| a.min_zoom() <= zoom + 1.0);
    }
    if zoom >= f64::from(style.urban_min_zoom)
        && let Some(urban) = layer(LayerKind::UrbanAreas)
    {
        let opacity = style.urban_opacity.at(zoom).clamp(0.0, 1.0);
        let alpha = (f32::from(style.urban.a()) * opacity).round() as u8;
        r.fill(pixmap, urban, style.urban.with_alpha(alpha), |a| {
            a.min_zoom() <= zoom
        });
    }
    if let Some(lakes) = layer(LayerKind::Lakes) {
        let visible = |a: &FeatureAttrs| a.min_zoom() <= zoom;
        r.fill(pixmap, lakes, style.lake, visible);
        r.stroke(
            pixmap,
            lakes,
            &[r.line(&style.lake_outline, LineCap::Round)],
            |a| visible(a).then_some(0),
        );
    }
    if let Some(rivers) = layer(LayerKind::Rivers) {
        // One batch per scalerank, so that widths follow the river's importance.
        let batches: Vec<Batch> = (0..=10u8)
            .map(|rank| {
                let s = &style.river;
                let line = LineStyle {
                    color: s.color,
                    width: s.width,
                    dash: None,
                    min_zoom: 0.0,
                };
                let mut b = r.line(&line, LineCap::Round);
                b.width_px *= s.factor(rank);
                b
            })
            .collect();
        r.stroke(pixmap, rivers, &batches, |a| {
            let river = RiverClass::from_code(a.class) == RiverClass::River;
            (river && a.min_zoom() <= zoom).then_some(usize::from(a.scalerank.min(10)))
        });
    }
    if let Some(coast) = layer(LayerKind::Coastline) {
        r.stroke(
            pixmap,
            coast,
            &[r.line(&style.coastline, LineCap::Round)],
            |a| (a.min_zoom() <= zoom + 1.0).then_some(0),
        );
    }
    if zoom >= f64::from(style.admin1.min_zoom)
        && let Some(admin1) = layer(LayerKind::Admin1Lines)
    {
        let batch = [r.line(&style.admin1, LineCap::Butt)];
        r.stroke(pixmap, admin1, &batch, |_| Some(0));
    }
    if let Some(borders) = layer(LayerKind::Boundaries) {
        let visible = |a: &FeatureAttrs| a.min_zoom() <= zoom + 1.0;
        let batches = [
            r.line(&style.maritime, LineCap::Round),
            r.line(&style.border_casing, LineCap::Round),
        ];
        r.stroke(pixmap, borders, &batches, |a| {
            if !visible(a) {
                return None;
            }
            match BoundaryClass::from_code(a.class) {
                BoundaryClass::Maritime => Some(0),
                BoundaryClass::Land => Some(1),
                _ => None,
            }
        });
        let batches = [
            r.line(&style.border_disputed, LineCap::Butt),
            r.line(&style.border, LineCap::Round),
        ];
        r.stroke(pixmap, borders, &batches, |a| {
            if !visible(a) {
                return None;
            }
            match BoundaryClass::from_code(a.class) {
                BoundaryClass::Maritime => None,
                BoundaryClass::Land => Some(1),
                BoundaryClass::Disputed | BoundaryClass::Indefinite => Some(0),
            }
        });
    }
    if let Some(rails) = layer(LayerKind::Railroads) {
        let shown = |a: &FeatureAttrs| {
            zoom >= RAIL_ALL_FROM_ZOOM
                || f64::from(a.scalerank) <= zoom.max(f64::from(RAIL_TRUNK_MAX_RANK) - 1.0)
        };
        let class = |a: &FeatureAttrs| -> Option<usize> {
            if !shown(a) {
                return None;
            }
            match RailClass::from_code(a.class) {
                RailClass::Ferry => Some(0),
                RailClass::Railroad if a.scalerank <= RAIL_TRUNK_MAX_RANK => Some(2),
                RailClass::Railroad => Some(1),
            }
        };
        let batches = [
            r.line(&style.rail_ferry, LineCap::Butt),
            r.line(&style.rail, LineCap::Round),
            r.line(&style.rail_trunk, LineCap::Round),
        ];
        r.stroke(pixmap, rails, &batches, class);
        if zoom >= f64::from(style.rail_ties.min_zoom) {
            let ties = [r.line(&style.rail_ties, LineCap::Butt)];
            r.stroke(pixmap, rails, &ties, |a| (class(a) >= Some(1)).then_some(0));
        }
    }
    if zoom >= f64::from(style.port.min_zoom)
        && let Some(ports) = layer(LayerKind::Ports)
    {
        r.ports(pixmap, ports, style);
    }
}

/// A resolved line style: everything in output pixels at this zoom.
#[derive(Clone, Debug)]
struct Batch {
    color: Rgba,
    width_px: f32,
    dash_px: Option<Vec<f32>>,
    cap: LineCap,
    visible: bool,
}

/// What one batch of [`Renderer::stroke`] gathers: solid round lines as device points, other
/// lines as a path.
#[derive(Default)]
struct Run {
    points: Vec<[f32; 2]>,
    lines: Vec<std::ops::Range<usize>>,
    path: PathBuilder,
}

#[derive(Default)]
struct Scratch {
    pts: Vec<[f64; 2]>,
    clipped: Vec<[f64; 2]>,
    tmp: Vec<[f64; 2]>,
}

struct Renderer {
    view: RenderView,
    clip: PxRect,
    view_world: WorldRect,
    scratch: Scratch,
}

impl Renderer {
    fn line(&self, s: &LineStyle, cap: LineCap) -> Batch {
        let ratio = self.view.pixel_ratio;
        Batch {
            color: s.color,
            width_px: s.width.at(self.view.zoom) * ratio,
            dash_px: s.dash.map(|d| d.iter().map(|v| v * ratio).collect()),
            cap,
            visible: self.view.zoom >= f64::from(s.min_zoom),
        }
    }

    /// Features of `layer` that meet the view grown by `margin_px`, with the world shift of
    /// the copy they are drawn for (features never cross the antimeridian; copies at ±1 world
    /// cover views that do, and line widths that spill across it).
    fn visible(&self, layer: &LayerData, margin_px: f64) -> Vec<(usize, f64)> {
        let view = self.view_world.expanded(margin_px / self.view.px_per_world);
        let mut out = Vec::new();
        for wrap in [0.0f64, -1.0, 1.0] {
            let query = WorldRect {
                min: [view.min[0] - wrap, view.min[1]],
                max: [view.max[0] - wrap, view.max[1]],
            };
            if query.intersects(&WorldRect::WORLD) {
                out.extend(layer.query(&query).map(|i| (i, wrap)));
            }
        }
        out
    }

    fn to_px(&self, wrap_dx: f64) -> WorldToPx {
        WorldToPx {
            origin_world: self.view.origin_world,
            px_per_world: self.view.px_per_world,
            wrap_dx,
        }
    }

    /// Fills every ring of the visible features that pass `keep` as one path, with the
    /// non-zero rule: neighbouring pieces (land is cut into 5° cells) then show no seams.
    fn fill(
        &mut self,
        pixmap: &mut PixmapMut,
        layer: &LayerData,
        rgba: Rgba,
        keep: impl Fn(&FeatureAttrs) -> bool,
    ) {
        let (mut points, mut rings) = (Vec::new(), Vec::new());
        for (i, wrap) in self.visible(layer, CLIP_MARGIN_PX) {
            let Some(feature) = layer.features.get(i) else {
                continue;
            };
            if !keep(&feature.attrs) {
                continue;
            }
            let to_px = self.to_px(wrap);
            for ring in layer.parts(feature) {
                let s = &mut self.scratch;
                project_thinned(ring, &to_px, LOD_MIN_STEP_PX, false, &mut s.pts);
                if s.pts.len() < 3 {
                    continue;
                }
                let pts = if self.clip.contains_all(&s.pts) {
                    &s.pts
                } else {
                    clip_ring(&s.pts, &self.clip, &mut s.clipped, &mut s.tmp);
                    &s.clipped
                };
                if pts.len() < 3 {
                    continue;
                }
                let start = points.len();
                points.extend(pts.iter().map(|p| [p[0] as f32, p[1] as f32]));
                rings.push(start..points.len());
            }
        }
        crate::painter::fills::paint(pixmap, &points, &rings, crate::painter::fills::Rule::NonZero, color(rgba));
    }

    /// Strokes the visible features of `layer`, each in the batch `class` picks (or none),
    /// batches drawn in order.
    fn stroke(
        &mut self,
        pixmap: &mut PixmapMut,
        layer: &LayerData,
        batches: &[Batch],
        class: impl Fn(&FeatureAttrs) -> Option<usize>,
    ) {
        let max_width = batches
            .iter()
            .filter(|b| b.visible)
            .map(|b| b.width_px)
            .fold(0.0f32, f32::max);
        if max_width <= 0.0 {
            return;
        }
        let margin = f64::from(max_width) / 2.0 + CLIP_MARGIN_PX;
        let clip = PxRect {
            x0: self.clip.x0 - margin,
            y0: self.clip.y0 - margin,
            x1: self.clip.x1 + margin,
            y1: self.clip.y1 + margin,
        };
        // Solid round lines go to the distance rasteriser (crate::painter::strokes), the
        // rest (dashes, flat ends) to tiny-skia as paths.
        let mut runs: Vec<Run> = batches.iter().map(|_| Run::default()).collect();
        let mut piece = Vec::new();
        let closed = layer.kind.geometry() == GeometryKind::Polygon;
        for (i, wrap) in self.visible(layer, margin) {
            let Some(feature) = layer.features.get(i) else {
                continue;
            };
            let Some(b) = class(&feature.attrs) else {
                continue;
            };
            let (Some(batch), Some(run)) = (batches.get(b), runs.get_mut(b)) else {
                continue;
            };
            if !batch.visible || batch.width_px <= 0.0 {
                continue;
            }
            let round = batch.dash_px.is_none() && batch.cap == LineCap::Round;
            let to_px = self.to_px(wrap);
            for part in layer.parts(feature) {
                let pts = &mut self.scratch.pts;
                project_thinned(part, &to_px, LOD_MIN_STEP_PX, !closed, pts);
                if closed {
                    // Rings are stored without their closing vertex.
                    match pts.first().copied() {
                        Some(first) if pts.len() >= 3 => pts.push(first),
                        _ => continue,
                    }
                }
                clip_polyline(pts, &clip, &mut piece, |line, start_px| {
                    match &batch.dash_px {
                        None if round => {
                            let start = run.points.len();
                            run.points.extend(line.iter().map(|p| [p[0] as f32, p[1] as f32]));
                            run.lines.push(start..run.points.len());
                        }
                        None => push_polyline(&mut run.path, line),
                        Some(dash) => push_dashed(&mut run.path, line, dash, start_px),
                    }
                });
            }
        }
        for (batch, run) in batches.iter().zip(runs) {
            crate::painter::strokes::paint(pixmap, &run.points, &run.lines, batch.width_px, color(batch.color));
            let Some(path) = run.path.finish() else { continue };
            // Dashes were applied per piece (with the phase along the whole line), so the
            // stroke itself is solid.
            let stroke = Stroke {
                width: batch.width_px,
                line_cap: batch.cap,
                line_join: LineJoin::Round,
                ..Stroke::default()
            };
            pixmap.stroke_path(
                &path,
                &paint(batch.color),
                &stroke,
                Transform::identity(),
                None,
            );
        }
    }

    fn ports(&mut self, pixmap: &mut PixmapMut, ports: &LayerData, style: &BasemapStyle) {
        let s = &style.port;
        let zoom = self.view.zoom;
        let ratio = self.view.pixel_ratio;
        let anchor = zoom >= f64::from(s.anchor_min_zoom);
        let size = if anchor {
            s.anchor_size.at(zoom)
        } else {
            s.dot_size
        } * ratio;
        let mut symbols = PathBuilder::new();
        for (i, wrap) in self.visible(ports, f64::from(size)) {
            let Some(feature) = ports.features.get(i) else {
                continue;
            };
            if f64::from(feature.attrs.scalerank) > zoom {
                continue;
            }
            let Some(p_world) = ports.point(feature) else {
                continue;
            };
            let [x, y] = self.to_px(wrap).apply(p_world);
            let (x, y) = (x as f32, y as f32);
            if anchor {
                push_anchor(&mut symbols, x, y, size);
            } else {
                symbols.push_circle(x, y, size / 2.0);
            }
        }
        let Some(path) = symbols.finish() else { return };
        let round = |width: f32| Stroke {
            width,
            line_cap: LineCap::Round,
            line_join: LineJoin::Round,
            ..Stroke::default()
        };
        if anchor {
            let line = (size / 8.0).max(1.0);
            pixmap.stroke_path(
                &path,
                &paint(s.halo),
                &round(line + 2.0 * ratio),
                Transform::identity(),
                None,
            );
            pixmap.stroke_path(
                &path,
                &paint(s.color),
                &round(line),
                Transform::identity(),
                None,
            );
        } else {
            pixmap.stroke_path(
                &path,
                &paint(s.halo),
                &round(1.5 * ratio),
                Transform::identity(),
                None,
            );
            pixmap.fill_path(
                &path,
                &paint(s.color),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
        }
    }
}

fn push_polyline(pb: &mut PathBuilder, pts: &[[f64; 2]]) {
    let mut it = pts.iter();
    let Some(first) = it.next() else { return };
    pb.move_to(first[0] as f32, first[1] as f32);
    for p in it {
        pb.line_to(p[0] as f32, p[1] as f32);
    }
}

/// Appends the dashes of one line piece, the pattern starting `start_px` along the whole line
/// so that it runs on across tile edges.
fn push_dashed(pb: &mut PathBuilder, line: &[[f64; 2]], dash_px: &[f32], start_px: f64) {
    let period: f64 = dash_px.iter().map(|&d| f64::from(d)).sum();
    let phase = if period > 0.0 {
        start_px.rem_euclid(period) as f32
    } else {
        0.0
    };
    let mut piece = PathBuilder::new();
    push_polyline(&mut piece, line);
    let Some(path) = piece.finish() else { return };
    let Some(dash) = StrokeDash::new(dash_px.to_vec(), phase) else {
        return;
    };
    if let Some(dashed) = path.dash(&dash, 1.0) {
        pb.push_path(&dashed);
    }
}

/// A small anchor, `size` pixels tall, centred on (x, y): ring, stock, shank, and arms.
fn push_anchor(pb: &mut PathBuilder, x: f32, y: f32, size: f32) {
    let s = size;
    pb.push_circle(x, y - 0.36 * s, 0.12 * s);
    pb.move_to(x, y - 0.24 * s);
    pb.line_to(x, y + 0.46 * s);
    pb.move_to(x - 0.2 * s, y - 0.1 * s);
    pb.line_to(x + 0.2 * s, y - 0.1 * s);
    pb.move_to(x - 0.38 * s, y + 0.1 * s);
    pb.cubic_to(
        x - 0.34 * s,
        y + 0.42 * s,
        x + 0.34 * s,
        y + 0.42 * s,
        x + 0.38 * s,
        y + 0.1 * s,
    );
}

fn color(c: Rgba) -> Color {
    Color::from_rgba8(c.r(), c.g(), c.b(), c.a())
}

fn paint(c: Rgba) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(color(c));
    p.anti_alias = true;
    p
}
