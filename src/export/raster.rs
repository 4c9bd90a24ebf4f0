//! Pixels: the basemap under the frame (offline, or online tiles stitched), the locator inset,
//! and the whole page painted with tiny-skia for the PNG and the preview.
//!
//! Scene primitives are painted as the screen paints them (`ui::paint`): round-capped lines,
//! dashes, even-odd polygon fills, circles, arrow triangles; text is glyph outlines of the
//! bundled fonts over a stroked halo. Everything is in layout pixels under a `scale`
//! transform, so a 4x export is the 1x page with four times the pixels.

use tiny_skia::{Color, FillRule, FilterQuality, LineJoin, Paint, PathBuilder, Pixmap, PixmapMut, PixmapPaint, Transform};

use super::layout::{Group, ImageKind, Item, Page, Plate, Space, TextBlock};
use super::text::fonts;
use super::{BasemapChoice, ExportError, ExportSpec};
use crate::basemap::{Basemap, RenderView};
pub use crate::painter::{color, paint_primitive, rounded_rect};
use crate::painter::{Batch, MapPoint, paint, skia_stroke};
use crate::projection::{WorldRect, tiles_per_axis};
use crate::scene::Px;
use crate::tiles::{TileError, TileFetcher};

/// Width of the light outline behind map text, in layout pixels (egui's halo is 1 px each side).
pub const HALO_WIDTH: f32 = 2.6;
/// More tiles than this for one export are not fetched: the zoom is lowered instead (tile
/// servers' usage policies forbid bulk downloads).
const MAX_TILES: usize = 256;

/// Where the frame sits in device pixels: whole pixels, so the basemap is never resampled.
#[derive(Clone, Copy, Debug)]
pub struct DeviceFrame {
    pub x: i32,
    pub y: i32,
    pub w: u32,
    pub h: u32,
}

impl DeviceFrame {
    pub fn of(page: &Page, scale: f32) -> DeviceFrame {
        let f = page.frame;
        let x = (f.x * scale).round();
        let y = (f.y * scale).round();
        let w = ((f.right() * scale).round() - x).max(1.0);
        let h = ((f.bottom() * scale).round() - y).max(1.0);
        DeviceFrame { x: x as i32, y: y as i32, w: w as u32, h: h as u32 }
    }

    /// Frame layout pixels → frame device pixels.
    pub fn transform(&self, page: &Page, scale: f32) -> Transform {
        Transform::from_row(scale, 0.0, 0.0, scale, page.frame.x * scale - self.x as f32, page.frame.y * scale - self.y as f32)
    }

    /// The world point at the device frame's top-left pixel corner.
    fn origin_world(&self, page: &Page, scale: f32) -> [f64; 2] {
        let t = &page.transform;
        let dx = f64::from(self.x as f32 / scale - page.frame.x);
        let dy = f64::from(self.y as f32 / scale - page.frame.y);
        [t.world_origin[0] + dx / t.px_per_world, t.world_origin[1] + dy / t.px_per_world]
    }
}

pub fn new_pixmap(w: u32, h: u32) -> Result<Pixmap, ExportError> {
    Pixmap::new(w.max(1), h.max(1)).ok_or(ExportError::Allocation(w, h))
}

/// The basemap for the frame at `scale`: the offline basemap, or the spec's tiles if the page
/// was laid out for them. `Ok(Err(notice))` when the tiles could not be had (the caller lays
/// the page out again for the offline basemap).
pub fn map_raster(page: &Page, spec: &ExportSpec, scale: f32) -> Result<Result<Pixmap, String>, ExportError> {
    let frame = DeviceFrame::of(page, scale);
    if page.tiles
        && let BasemapChoice::Tiles(fetcher) = &spec.basemap
    {
        return Ok(match tiles_raster(fetcher, page, frame, scale)? {
            Ok(p) => Ok(p),
            Err(e) => Err(format!("{}: {e}; the offline basemap (Natural Earth) was used instead", fetcher.source.name)),
        });
    }
    let mut pixmap = new_pixmap(frame.w, frame.h)?;
    Basemap::embedded().decode_for_zoom(page.zoom);
    let origin = frame.origin_world(page, scale);
    let px_per_world = page.transform.px_per_world * f64::from(scale);
    in_bands(&mut pixmap, |band, top| {
        let view = RenderView {
            origin_world: [origin[0], origin[1] + f64::from(top) / px_per_world],
            px_per_world,
            zoom: page.zoom,
            pixel_ratio: scale,
        };
        Basemap::embedded().render_view(band, &view, page.theme.basemap());
    });
    Ok(Ok(pixmap))
}

/// Online tiles at about the export's resolution, stitched at their own size (no seams) and
/// then scaled onto the frame once.
fn tiles_raster(fetcher: &TileFetcher, page: &Page, frame: DeviceFrame, scale: f32) -> Result<Result<Pixmap, TileError>, ExportError> {
    let ppw = page.transform.px_per_world * f64::from(scale);
    let origin = frame.origin_world(page, scale);
    let view = WorldRect { min: origin, max: [origin[0] + f64::from(frame.w) / ppw, origin[1] + f64::from(frame.h) / ppw] };
    // Tiles drawn at about their size at 1x, one zoom finer from 2x on (sharper, same labels).
    let wanted = (page.zoom + 0.5 * f64::from(scale).log2()).round();
    let mut z = wanted.clamp(0.0, f64::from(fetcher.source.max_zoom.min(22))) as u8;
    let (tx0, ty0, nx, ny) = loop {
        let n = tiles_per_axis(z);
        let tx0 = (view.min[0] * n).floor() as i64;
        let tx1 = (view.max[0] * n).floor() as i64;
        let ty0 = ((view.min[1] * n).floor() as i64).max(0);
        let ty1 = ((view.max[1] * n).floor() as i64).min(n as i64 - 1);
        let (nx, ny) = ((tx1 - tx0 + 1).max(0) as usize, (ty1 - ty0 + 1).max(0) as usize);
        if nx * ny <= MAX_TILES || z == 0 {
            break (tx0, ty0, nx, ny);
        }
        z -= 1;
    };
    let n = tiles_per_axis(z);
    let jobs: Vec<(usize, usize)> = (0..ny).flat_map(|j| (0..nx).map(move |i| (i, j))).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::with_capacity(jobs.len()));
    let work = || {
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&(i, j)) = jobs.get(k) else { break };
            let x = (tx0 + i as i64).rem_euclid(n as i64) as u32;
            let y = (ty0 + j as i64) as u32;
            let r = fetcher.fetch_pixmap(z, x, y, 256);
            if let Ok(mut all) = results.lock() {
                all.push((i, j, r));
            }
        }
    };
    // Two connections, as the OpenStreetMap tile policy asks.
    std::thread::scope(|s| {
        s.spawn(work);
        work();
    });
    let results = results.into_inner().unwrap_or_default();
    let mut mosaic = new_pixmap((nx * 256) as u32, (ny * 256) as u32)?;
    for (i, j, r) in results {
        match r {
            Ok(tile) => mosaic.draw_pixmap((i * 256) as i32, (j * 256) as i32, tile.as_ref(), &PixmapPaint::default(), Transform::identity(), None),
            Err(e) => return Ok(Err(e)),
        }
    }
    let mut out = new_pixmap(frame.w, frame.h)?;
    let sea = page.theme.basemap().sea;
    out.fill(Color::from_rgba8(sea.r(), sea.g(), sea.b(), sea.a()));
    // Mosaic pixel (0, 0) is world (tx0 / n, ty0 / n).
    let k = ppw / (256.0 * n);
    let tx = (tx0 as f64 / n - origin[0]) * ppw;
    let ty = (ty0 as f64 / n - origin[1]) * ppw;
    let paint = PixmapPaint { quality: FilterQuality::Bicubic, ..PixmapPaint::default() };
    out.draw_pixmap(0, 0, mosaic.as_ref(), &paint, Transform::from_row(k as f32, 0.0, 0.0, k as f32, tx as f32, ty as f32), None);
    Ok(Ok(out))
}

/// The locator inset's basemap at `scale`.
pub fn locator_raster(page: &Page, scale: f32) -> Result<Option<Pixmap>, ExportError> {
    let Some(l) = &page.locator else { return Ok(None) };
    let (w, h) = ((l.rect.w * scale).round().max(1.0) as u32, (l.rect.h * scale).round().max(1.0) as u32);
    let mut pixmap = new_pixmap(w, h)?;
    let ppw = f64::from(l.rect.w) / l.region.width();
    // A world smaller than a tile (a phone page's inset) is drawn as one of half a tile: its
    // land and coasts, without the borders of zoom 0.
    let view = RenderView { origin_world: l.region.min, px_per_world: ppw * f64::from(scale), zoom: (ppw / 256.0).log2().max(-0.5), pixel_ratio: scale };
    Basemap::embedded().render_view(&mut pixmap.as_mut(), &view, page.theme.basemap());
    Ok(Some(pixmap))
}

/// The offline basemap of the detail inset at `scale` (also under online tiles: the inset is
/// small, and its scale rarely matches the tiles').
pub fn detail_raster(page: &Page, scale: f32) -> Result<Option<Pixmap>, ExportError> {
    let Some(d) = &page.detail else { return Ok(None) };
    let (w, h) = ((d.rect.w * scale).round().max(1.0) as u32, (d.rect.h * scale).round().max(1.0) as u32);
    let mut pixmap = new_pixmap(w, h)?;
    let view = RenderView { origin_world: d.region.min, px_per_world: d.transform.px_per_world * f64::from(scale), zoom: d.zoom, pixel_ratio: scale };
    Basemap::embedded().render_view(&mut pixmap.as_mut(), &view, page.theme.basemap());
    Ok(Some(pixmap))
}

/// Paints the page: the frame groups over the basemap raster `map`, then the frame onto the
/// white page, then the page groups.
pub fn paint_page(page: &Page, mut map: Pixmap, scale: f32) -> Result<Pixmap, ExportError> {
    let w = (page.size[0] * scale).round() as u32;
    let h = (page.size[1] * scale).round() as u32;
    let mut out = new_pixmap(w, h)?;
    out.fill(color(page.theme.background()));
    let frame = DeviceFrame::of(page, scale);
    let rasters = Rasters { locator: locator_raster(page, scale)?, detail: detail_raster(page, scale)?, overlays: overlay_pixmaps(page) };
    let ts_frame = frame.transform(page, scale);
    in_bands(&mut map, |band, top| {
        let ts = ts_frame.post_translate(0.0, -(top as f32));
        for g in page.groups.iter().filter(|g| g.space == Space::Frame) {
            paint_group(band, g, ts, &rasters, page, scale);
        }
    });
    copy_into(&mut out, &map, frame.x, frame.y);
    let ts_page = Transform::from_scale(scale, scale);
    for g in page.groups.iter().filter(|g| g.space == Space::Page) {
        paint_group(&mut out.as_mut(), g, ts_page, &rasters, page, scale);
    }
    Ok(out)
}

/// Paints a pixmap in horizontal bands, one per core: `paint` gets a band and the row it starts
/// at, and paints it as if it were the whole pixmap moved up by that many rows. A pixel's value
/// depends only on what covers it, so the result is the same as in one piece.
fn in_bands(pixmap: &mut Pixmap, paint: impl Fn(&mut PixmapMut, u32) + Sync) {
    let (w, h) = (pixmap.width(), pixmap.height());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8) as u32;
    // Small pictures are not worth the threads.
    let bands = if u64::from(w) * u64::from(h) < 1_500_000 { 1 } else { cores.min(h / 64).max(1) };
    if bands == 1 {
        paint(&mut pixmap.as_mut(), 0);
        return;
    }
    let rows = h.div_ceil(bands);
    let paint = &paint;
    std::thread::scope(|scope| {
        for (i, chunk) in pixmap.data_mut().chunks_mut(rows as usize * w as usize * 4).enumerate() {
            let band_rows = (chunk.len() / (w as usize * 4)) as u32;
            scope.spawn(move || {
                if let Some(mut band) = PixmapMut::from_bytes(chunk, w, band_rows) {
                    paint(&mut band, i as u32 * rows);
                }
            });
        }
    });
}

/// Copies an opaque pixmap into another at whole-pixel `(x, y)`, row by row, clipped.
fn copy_into(dst: &mut Pixmap, src: &Pixmap, x: i32, y: i32) {
    let (dw, dh) = (dst.width() as i64, dst.height() as i64);
    let (sw, sh) = (src.width() as i64, src.height() as i64);
    let (x0, x1) = (i64::from(x).max(0), (i64::from(x) + sw).min(dw));
    if x1 <= x0 {
        return;
    }
    let src_data = src.data();
    let dst_data = dst.data_mut();
    for row in 0..sh {
        let dy = i64::from(y) + row;
        if dy < 0 || dy >= dh {
            continue;
        }
        let s0 = ((row * sw + (x0 - i64::from(x))) * 4) as usize;
        let d0 = ((dy * dw + x0) * 4) as usize;
        let n = ((x1 - x0) * 4) as usize;
        dst_data[d0..d0 + n].copy_from_slice(&src_data[s0..s0 + n]);
    }
}

/// Pictures made once per page, for the items that draw them.
pub struct Rasters {
    pub locator: Option<Pixmap>,
    pub detail: Option<Pixmap>,
    /// `Page::overlays`' pictures, premultiplied for tiny-skia (`None`: too small to be one).
    pub overlays: Vec<Option<Pixmap>>,
}

/// The overlay pictures of a page as tiny-skia pixmaps.
pub fn overlay_pixmaps(page: &Page) -> Vec<Option<Pixmap>> {
    page.overlays
        .iter()
        .map(|o| {
            let img = &o.image;
            let mut pm = Pixmap::new(img.width, img.height)?;
            for (dst, src) in pm.pixels_mut().iter_mut().zip(img.rgba.chunks_exact(4)) {
                *dst = tiny_skia::ColorU8::from_rgba(src[0], src[1], src[2], src[3]).premultiply();
            }
            Some(pm)
        })
        .collect()
}

/// Paints an overlay's picture through its mesh: each triangle filled with the picture under
/// the affine map that takes the triangle's picture corners to its page corners.
pub fn paint_overlay(pm: &mut PixmapMut, o: &super::layout::PlacedOverlay, picture: &Pixmap, ts: Transform) {
    let (w, h) = (picture.width() as f32, picture.height() as f32);
    let m = &o.mesh;
    for tri in m.indices.chunks_exact(3) {
        let [a, b, c] = [tri[0], tri[1], tri[2]].map(|i| i as usize);
        let (Some(p), Some(t)) = (
            [a, b, c].iter().map(|&i| m.positions.get(i).copied()).collect::<Option<Vec<Px>>>(),
            [a, b, c].iter().map(|&i| m.uvs.get(i).map(|uv| [uv[0] * w, uv[1] * h])).collect::<Option<Vec<Px>>>(),
        ) else {
            continue;
        };
        // Solve x = sx·u + kx·v + tx (and y alike) from the three corners.
        let (du1, dv1, du2, dv2) = (t[1][0] - t[0][0], t[1][1] - t[0][1], t[2][0] - t[0][0], t[2][1] - t[0][1]);
        let det = du1 * dv2 - du2 * dv1;
        if det.abs() < 1e-9 {
            continue;
        }
        let (dx1, dy1, dx2, dy2) = (p[1][0] - p[0][0], p[1][1] - p[0][1], p[2][0] - p[0][0], p[2][1] - p[0][1]);
        let sx = (dx1 * dv2 - dx2 * dv1) / det;
        let kx = (dx2 * du1 - dx1 * du2) / det;
        let ky = (dy1 * dv2 - dy2 * dv1) / det;
        let sy = (dy2 * du1 - dy1 * du2) / det;
        let tx = p[0][0] - sx * t[0][0] - kx * t[0][1];
        let ty = p[0][1] - ky * t[0][0] - sy * t[0][1];
        let shader = tiny_skia::Pattern::new(
            picture.as_ref(),
            tiny_skia::SpreadMode::Pad,
            tiny_skia::FilterQuality::Bilinear,
            o.opacity,
            Transform::from_row(sx, ky, kx, sy, tx, ty),
        );
        let mut path = PathBuilder::new();
        path.move_to(p[0][0], p[0][1]);
        path.line_to(p[1][0], p[1][1]);
        path.line_to(p[2][0], p[2][1]);
        path.close();
        let Some(path) = path.finish() else { continue };
        // No anti-aliasing: neighbouring triangles would show their shared edges as seams.
        let paint = Paint { shader, anti_alias: false, ..Paint::default() };
        pm.fill_path(&path, &paint, FillRule::Winding, ts, None);
    }
}

fn paint_group(pm: &mut PixmapMut, g: &Group, ts: Transform, rasters: &Rasters, page: &Page, scale: f32) {
    let mut batch = Batch::default();
    for item in &g.items {
        let Item::Shape(shape) = item else {
            batch.flush(pm, ts);
            paint_item(pm, item, ts, rasters, page, scale);
            continue;
        };
        batch.paint(pm, shape, ts);
    }
    batch.flush(pm, ts);
    for child in &g.children {
        paint_group(pm, child, ts, rasters, page, scale);
    }
}

/// Paints a page item that is not a scene shape.
fn paint_item(pm: &mut PixmapMut, item: &Item, ts: Transform, rasters: &Rasters, page: &Page, scale: f32) {
    match item {
        Item::Shape(p) => paint_primitive(pm, p, ts),
        Item::Text(t) => paint_text(pm, t, ts, scale),
        Item::Plate(p) => paint_plate(pm, p, ts),
        Item::Image(ImageKind::Basemap) => {}
        Item::Image(ImageKind::Overlay(i)) => {
            if let (Some(o), Some(Some(picture))) = (page.overlays.get(*i), rasters.overlays.get(*i)) {
                paint_overlay(pm, o, picture, ts);
            }
        }
        Item::Image(kind @ (ImageKind::Locator | ImageKind::Detail)) => {
            let placed = match kind {
                ImageKind::Locator => rasters.locator.as_ref().zip(page.locator.as_ref().map(|l| l.rect)),
                _ => rasters.detail.as_ref().zip(page.detail.as_ref().map(|d| d.rect)),
            };
            if let Some((img, r)) = placed {
                let (x, y) = ts.map_point_xy(r.x, r.y);
                pm.draw_pixmap(x.round() as i32, y.round() as i32, img.as_ref(), &PixmapPaint::default(), Transform::identity(), None);
            }
        }
    }
}

/// Paints a text block: per line, the halo (if any) then the glyphs.
pub fn paint_text(pm: &mut PixmapMut, t: &TextBlock, ts: Transform, scale: f32) {
    let f = fonts();
    for (i, line) in t.lines.iter().enumerate() {
        let width = f.width(line, t.size, t.weight);
        let x = t.line_x(width);
        let baseline = t.baseline + i as f32 * t.line_height;
        let Some(path) = f.path(line, t.size, t.weight, x, baseline, ts) else { continue };
        if let Some(halo) = t.halo {
            let stroke = tiny_skia::Stroke { width: HALO_WIDTH * scale, line_join: LineJoin::Round, ..tiny_skia::Stroke::default() };
            pm.stroke_path(&path, &paint(halo), &stroke, Transform::identity(), None);
        }
        pm.fill_path(&path, &paint(t.color), FillRule::Winding, Transform::identity(), None);
    }
}

fn paint_plate(pm: &mut PixmapMut, p: &Plate, ts: Transform) {
    let Some(path) = rounded_rect(p.rect.x, p.rect.y, p.rect.w, p.rect.h, p.radius) else { return };
    if let Some(fill) = p.fill {
        pm.fill_path(&path, &paint(fill), FillRule::Winding, ts, None);
    }
    if let Some(s) = &p.stroke {
        pm.stroke_path(&path, &paint(s.color), &skia_stroke(s), ts, None);
    }
}

