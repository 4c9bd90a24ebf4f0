//! Pixels: the basemap under the frame (offline, or online tiles stitched), the locator inset,
//! and the whole page painted with tiny-skia for the PNG and the preview.
//!
//! Scene primitives are painted as the screen paints them (`ui::paint`): round-capped lines,
//! dashes, even-odd polygon fills, circles, arrow triangles; text is glyph outlines of the
//! bundled fonts over a stroked halo. Everything is in layout pixels under a `scale`
//! transform, so a 4x export is the 1x page with four times the pixels.

use tiny_skia::{Color, FillRule, FilterQuality, Paint, PathBuilder, Pixmap, PixmapMut, PixmapPaint, Transform};

use super::layout::{Group, ImageKind, Item, Page, Plate, Space, TextBlock};
use super::text::fonts;
use super::{BasemapChoice, ExportError, ExportSpec};
use crate::basemap::{Basemap, LayerKind, RenderView};
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

/// What lies under the frame's groups.
pub enum MapBase {
    /// The offline basemap, painted straight into the page ([`paint_page`]).
    Offline,
    /// A picture of the frame's device pixels (online tiles, stitched).
    Picture(Pixmap),
}

/// The basemap for the frame at `scale`: the offline basemap, or the spec's tiles if the page
/// was laid out for them. `Ok(Err(notice))` when the tiles could not be had (the caller lays
/// the page out again for the offline basemap).
pub fn map_base(page: &Page, spec: &ExportSpec, scale: f32) -> Result<Result<MapBase, String>, ExportError> {
    if page.tiles
        && let BasemapChoice::Tiles(fetcher) = &spec.basemap
    {
        return Ok(match tiles_raster(fetcher, page, DeviceFrame::of(page, scale), scale)? {
            Ok(p) => Ok(MapBase::Picture(p)),
            Err(e) => Err(format!("{}: {e}; the offline basemap (Natural Earth) was used instead", fetcher.source.name)),
        });
    }
    Ok(Ok(MapBase::Offline))
}

/// The basemap of the frame as a picture of its device pixels (the SVG and PDF embed it).
pub fn map_raster(page: &Page, spec: &ExportSpec, scale: f32) -> Result<Result<Pixmap, String>, ExportError> {
    let frame = DeviceFrame::of(page, scale);
    Ok(match map_base(page, spec, scale)? {
        Ok(MapBase::Picture(p)) => Ok(p),
        Ok(MapBase::Offline) => {
            let mut pixmap = new_pixmap(frame.w, frame.h)?;
            let (w, h) = (pixmap.width(), pixmap.height());
            Basemap::embedded().decode_for_zoom(page.zoom);
            in_bands(pixmap.data_mut(), w, h, |band, top| offline_basemap(band, page, scale, frame, 0, top));
            Ok(pixmap)
        }
        Err(notice) => Err(notice),
    })
}

/// Paints the offline basemap into a band whose pixel (0, 0) is the frame's device pixel
/// (`-left`, `top`); the layers for the page's zoom are decoded already.
fn offline_basemap(band: &mut PixmapMut, page: &Page, scale: f32, frame: DeviceFrame, left: u32, top: u32) {
    let basemap = Basemap::embedded();
    let origin = frame.origin_world(page, scale);
    let px_per_world = page.transform.px_per_world * f64::from(scale);
    let view = RenderView {
        origin_world: [origin[0] - f64::from(left) / px_per_world, origin[1] + f64::from(top) / px_per_world],
        px_per_world,
        zoom: page.zoom,
        pixel_ratio: scale,
    };
    basemap.render_view(band, &view, page.theme.basemap());
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

/// What the locator map leaves out: at the scale of a continent or the world, rivers, railways,
/// provinces, towns and ports are clutter (and, stroked over the whole world at 4x, most of
/// the time a print export spent on the inset).
const LOCATOR_HIDES: &[LayerKind] = &[LayerKind::Rivers, LayerKind::Railroads, LayerKind::Admin1Lines, LayerKind::UrbanAreas, LayerKind::Ports];

/// The locator inset's basemap at `scale`.
pub fn locator_raster(page: &Page, scale: f32) -> Result<Option<Pixmap>, ExportError> {
    let Some(l) = &page.locator else { return Ok(None) };
    let (w, h) = ((l.rect.w * scale).round().max(1.0) as u32, (l.rect.h * scale).round().max(1.0) as u32);
    let mut pixmap = new_pixmap(w, h)?;
    let ppw = f64::from(l.rect.w) / l.region.width();
    // A world smaller than a tile (a phone page's inset) is drawn as one of half a tile: its
    // land and coasts, without the borders of zoom 0.
    let view = RenderView { origin_world: l.region.min, px_per_world: ppw * f64::from(scale), zoom: (ppw / 256.0).log2().max(-0.5), pixel_ratio: scale };
    Basemap::embedded().render_view_without(&mut pixmap.as_mut(), &view, page.theme.basemap(), LOCATOR_HIDES);
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

/// The page's size in device pixels at `scale`.
pub fn page_pixels(page: &Page, scale: f32) -> [u32; 2] {
    [(page.size[0] * scale).round() as u32, (page.size[1] * scale).round() as u32]
}

/// Paints the page ([`paint_page_into`] with nobody waiting for rows).
pub fn paint_page(page: &Page, base: MapBase, scale: f32) -> Result<Pixmap, ExportError> {
    paint_page_into(page, base, scale, &mut |_| Ok(()))
}

/// A run of whole rows of the page, painted on its own.
struct Band<'a> {
    /// Its first row on the page.
    top: u32,
    data: &'a mut [u8],
    /// Rows of the map frame (else rows above or below it).
    frame: bool,
}

/// Paints the page in bands of rows on every core, and hands the rows to `rows`, top to
/// bottom, as the bands are finished (so that the PNG encoder works while the rest is
/// painted).
///
/// The bands are the rows above the frame, the frame's rows (in one band per core when they
/// are many), and the rows below. Each band is painted as if it were the whole page moved up:
/// in a frame band the basemap (painted in place, or the picture copied in) across the page's
/// width, then the frame groups, then the margins beside the frame filled with the page colour
/// again (which clips what reaches past the frame as a picture of the frame alone would); in
/// every band, the page groups. A pixel's value depends only on what covers it and in what
/// order, so the page is the same as painted in one piece, and no second picture of the frame
/// is made (a 4x page would hold 100 MB more).
pub fn paint_page_into(page: &Page, base: MapBase, scale: f32, rows: &mut dyn FnMut(&[u8]) -> Result<(), ExportError>) -> Result<Pixmap, ExportError> {
    let [w, h] = page_pixels(page, scale);
    let mut out = new_pixmap(w, h)?;
    let background = color(page.theme.background());
    let page_px = background.premultiply().to_color_u8();
    let page_px = [page_px.red(), page_px.green(), page_px.blue(), page_px.alpha()];
    let frame = DeviceFrame::of(page, scale);
    let y0 = frame.y.clamp(0, h as i32) as u32;
    let y1 = (frame.y + frame.h as i32).clamp(y0 as i32, h as i32) as u32;
    let x0 = frame.x.clamp(0, w as i32) as u32;
    let x1 = (frame.x + frame.w as i32).clamp(x0 as i32, w as i32) as u32;
    if matches!(base, MapBase::Offline) {
        Basemap::embedded().decode_for_zoom(page.zoom);
    }
    let frame_bands = band_count(w, y1 - y0);
    let row_bytes = w as usize * 4;
    let mut bands = Vec::new();
    let (above, rest) = out.data_mut().split_at_mut(y0 as usize * row_bytes);
    let (mut frame_rows, below) = rest.split_at_mut((y1 - y0) as usize * row_bytes);
    bands.push(Band { top: 0, data: above, frame: false });
    let per_band = (y1 - y0).div_ceil(frame_bands).max(1);
    let mut top = y0;
    while !frame_rows.is_empty() {
        let n = (per_band as usize * row_bytes).min(frame_rows.len());
        let (band, rest) = std::mem::take(&mut frame_rows).split_at_mut(n);
        bands.push(Band { top, data: band, frame: true });
        top += per_band;
        frame_rows = rest;
    }
    bands.push(Band { top: y1, data: below, frame: false });
    bands.retain(|b| !b.data.is_empty());

    let rasters: std::sync::OnceLock<Result<Rasters, ExportError>> = std::sync::OnceLock::new();
    let ts_frame = frame.transform(page, scale);
    let paint_band = |band: &mut Band| {
        let Some(mut pm) = PixmapMut::from_bytes(band.data, w, (band.data.len() / row_bytes) as u32) else { return };
        // Waits, when a picture is first drawn, for the main thread to make the locator, detail
        // and overlay pictures (the basemap, and the texts above the map, are painted
        // meanwhile).
        let rasters = || rasters.wait().as_ref().ok();
        if band.frame {
            let top = band.top - y0;
            match &base {
                MapBase::Offline => offline_basemap(&mut pm, page, scale, frame, x0, top),
                MapBase::Picture(p) => {
                    pm.fill(background);
                    pm.draw_pixmap(x0 as i32, -(top as i32), p.as_ref(), &PixmapPaint::default(), Transform::identity(), None);
                }
            }
            let ts = ts_frame.post_translate(x0 as f32, -(top as f32));
            for g in page.groups.iter().filter(|g| g.space == Space::Frame) {
                paint_group(&mut pm, g, ts, &rasters, page, scale);
            }
            for row in pm.data_mut().chunks_exact_mut(row_bytes) {
                fill_pixels(&mut row[..x0 as usize * 4], page_px);
                fill_pixels(&mut row[x1 as usize * 4..], page_px);
            }
        } else {
            fill_pixels(pm.data_mut(), page_px);
        }
        let ts_page = Transform::from_row(scale, 0.0, 0.0, scale, 0.0, -(band.top as f32));
        for g in page.groups.iter().filter(|g| g.space == Space::Page) {
            paint_group(&mut pm, g, ts_page, &rasters, page, scale);
        }
    };
    let tasks = std::sync::Mutex::new(bands.into_iter().enumerate());
    let mut failed = None;
    std::thread::scope(|scope| {
        let (done, finished) = std::sync::mpsc::channel::<(usize, &[u8])>();
        for _ in 0..cores().min(2 + frame_bands) {
            let (done, tasks, paint_band) = (done.clone(), &tasks, &paint_band);
            scope.spawn(move || {
                loop {
                    let Some((i, mut band)) = tasks.lock().unwrap_or_else(|e| e.into_inner()).next() else { break };
                    paint_band(&mut band);
                    let _ = done.send((i, &*band.data));
                }
            });
        }
        drop(done);
        let made = || -> Result<Rasters, ExportError> {
            Ok(Rasters { locator: locator_raster(page, scale)?, detail: detail_raster(page, scale)?, overlays: overlay_pixmaps(page) })
        };
        let _ = rasters.set(made());
        // The rows in order, as their bands come in.
        let mut waiting = std::collections::BTreeMap::new();
        let mut next = 0;
        for (i, data) in finished {
            waiting.insert(i, data);
            while let Some(data) = waiting.remove(&next) {
                if failed.is_none()
                    && let Err(e) = rows(data)
                {
                    failed = Some(e);
                }
                next += 1;
            }
        }
    });
    if let Some(Err(e)) = rasters.into_inner() {
        return Err(e);
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Cores to paint (and simplify) on, at most 8.
pub(super) fn cores() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8) as u32
}

/// Bands to paint `w`×`h` pixels in: one per core, at least 64 rows each; one for pictures
/// too small to be worth the threads.
fn band_count(w: u32, h: u32) -> u32 {
    if u64::from(w) * u64::from(h) < 1_500_000 { 1 } else { cores().min(h / 64).max(1) }
}

/// Sets every pixel of `data` (RGBA bytes) to `px`.
fn fill_pixels(data: &mut [u8], px: [u8; 4]) {
    for d in data.chunks_exact_mut(4) {
        d.copy_from_slice(&px);
    }
}

/// Paints `w`-pixel-wide rows (RGBA bytes) in horizontal bands, one per core: `paint` gets a
/// band and the row it starts at, and paints it as if it were the whole picture moved up by
/// that many rows. A pixel's value depends only on what covers it, so the result is the same
/// as in one piece.
fn in_bands(data: &mut [u8], w: u32, h: u32, paint: impl Fn(&mut PixmapMut, u32) + Sync) {
    let bands = band_count(w, h);
    if h == 0 || w == 0 {
        return;
    }
    let rows = h.div_ceil(bands);
    let paint = &paint;
    let mut chunks = data.chunks_mut(rows as usize * w as usize * 4).enumerate();
    let Some((_, first)) = chunks.next() else { return };
    std::thread::scope(|scope| {
        for (i, chunk) in chunks {
            let band_rows = (chunk.len() / (w as usize * 4)) as u32;
            scope.spawn(move || {
                if let Some(mut band) = PixmapMut::from_bytes(chunk, w, band_rows) {
                    paint(&mut band, i as u32 * rows);
                }
            });
        }
        // The first band on this thread.
        let band_rows = (first.len() / (w as usize * 4)) as u32;
        if let Some(mut band) = PixmapMut::from_bytes(first, w, band_rows) {
            paint(&mut band, 0);
        }
    });
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

/// Paints a group; `rasters` gives the page's pictures (waiting for them) when one is drawn.
fn paint_group<'r>(pm: &mut PixmapMut, g: &Group, ts: Transform, rasters: &dyn Fn() -> Option<&'r Rasters>, page: &Page, scale: f32) {
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
fn paint_item<'r>(pm: &mut PixmapMut, item: &Item, ts: Transform, rasters: &dyn Fn() -> Option<&'r Rasters>, page: &Page, scale: f32) {
    match item {
        Item::Shape(p) => paint_primitive(pm, p, ts),
        Item::Text(t) => paint_text(pm, t, ts, scale),
        Item::Plate(p) => paint_plate(pm, p, ts),
        Item::Image(ImageKind::Basemap) => {}
        Item::Image(ImageKind::Overlay(i)) => {
            let Some(rasters) = rasters() else { return };
            if let (Some(o), Some(Some(picture))) = (page.overlays.get(*i), rasters.overlays.get(*i)) {
                paint_overlay(pm, o, picture, ts);
            }
        }
        Item::Image(kind @ (ImageKind::Locator | ImageKind::Detail)) => {
            let Some(rasters) = rasters() else { return };
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
        let baseline = t.baseline + i as f32 * t.line_height;
        // Lines wholly above or below the picture (another band of the page) are not shaped:
        // no glyph reaches more than 1.3 sizes above its baseline or 0.6 below, halo included.
        if ts.kx == 0.0 && ts.ky == 0.0 {
            let (_, top) = ts.map_point_xy(0.0, baseline - 1.3 * t.size - HALO_WIDTH);
            let (_, bottom) = ts.map_point_xy(0.0, baseline + 0.6 * t.size + HALO_WIDTH);
            if top.max(bottom) < 0.0 || top.min(bottom) > pm.height() as f32 {
                continue;
            }
        }
        let width = f.width(line, t.size, t.weight);
        let x = t.line_x(width);
        let Some(path) = f.path(line, t.size, t.weight, x, baseline, ts) else { continue };
        // The outlines' curves cut into segments a tenth of a pixel from them; the halo (round
        // joins, as it has always had) stroked by distance, the glyphs filled by area.
        let (points, contours) = crate::painter::strokes::flatten(&path, 0.1);
        if let Some(halo) = t.halo {
            crate::painter::strokes::paint(pm, &points, &contours, HALO_WIDTH * scale, color(halo));
        }
        crate::painter::fills::paint(pm, &points, &contours, crate::painter::fills::Rule::NonZero, color(t.color));
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

