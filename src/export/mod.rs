//! Publication export: the map as a PNG or SVG page with title, subtitle, legend, scale bar,
//! locator inset, source line, credit and basemap attribution.
//!
//! One page layout ([`layout::Page`], in layout pixels) is computed from an [`ExportSpec`],
//! then written by [`png`] (tiny-skia, at `scale` device pixels per layout pixel) or [`svg`]
//! (a hand-written SVG with real text and named groups). Both paint the primitives that
//! [`crate::scene::build`] makes for the screen, so the export and the map agree.
//!
//! ```no_run
//! # use portolan::export::{ExportSpec, Format};
//! # use portolan::export::ExportLayer;
//! let sample = portolan::io::sample_case();
//! let mut spec = ExportSpec::new(vec![ExportLayer { layer: &sample.layer, opacity: 1.0 }]);
//! spec.title = Some("Munitions by sea and rail".into());
//! spec.scale = 2.0;
//! let done = portolan::export::save(&spec, std::path::Path::new("map.png"))?;
//! # Ok::<(), portolan::export::ExportError>(())
//! ```
//!
//! This module knows no GUI type: the app's export dialog builds an `ExportSpec` from the
//! current view and calls [`preview`] and [`save`].

pub mod alt_text;
pub mod animate;
pub mod artboard;
pub mod colour_check;
pub mod detail;
pub mod layout;
pub mod pdf;
pub mod png;
mod prepare;
pub mod raster;
pub mod svg;
pub mod text;
pub mod theme;
pub mod video;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use layout::{Page, layout};

use crate::model::Layer;
use crate::tiles::TileFetcher;
use crate::model::time::DateRange;

/// Page sizes outside this range (layout pixels, per side) are refused.
pub const MIN_SIZE: u32 = 160;
pub const MAX_SIZE: u32 = 8192;
/// The largest output, in device pixels per side and in total (a 4x export of 1920×1080 is
/// 33 Mpx; this allows 4x of 3000×2000).
pub const MAX_OUTPUT_SIDE: u32 = 16384;
pub const MAX_OUTPUT_PIXELS: u64 = 100_000_000;

/// A layer to draw and its opacity (0 hides it, 1 is as the map draws it).
#[derive(Clone, Copy, Debug)]
pub struct ExportLayer<'a> {
    pub layer: &'a Layer,
    pub opacity: f32,
}

/// What part of the world the map shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Extent {
    /// Everything that is drawn, with a margin.
    Fit,
    /// At least this box: `[lon0, lat0, lon1, lat1]` in degrees (west, south, east, north;
    /// `lon1 < lon0` crosses the antimeridian), centred in the map frame.
    BBox([f64; 4]),
    /// A centre (lon, lat in degrees) and a zoom (`256 · 2^zoom` layout pixels per world),
    /// as the app's map view has it.
    View { lon: f64, lat: f64, zoom: f64 },
}

/// The basemap under the case.
#[derive(Clone)]
pub enum BasemapChoice {
    /// The built-in Natural Earth basemap ("Made with Natural Earth").
    Offline,
    /// Online XYZ tiles (OpenStreetMap or a custom server), stitched at the export's
    /// resolution. Their attribution is drawn on the map; if any tile cannot be had, the
    /// export falls back to the offline basemap and says so in [`Exported::notices`].
    Tiles(Arc<TileFetcher>),
}

impl std::fmt::Debug for BasemapChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BasemapChoice::Offline => f.write_str("Offline"),
            BasemapChoice::Tiles(t) => write!(f, "Tiles({})", t.source.template),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
    /// A print PDF: vector case and furniture, real text in the embedded fonts.
    Pdf,
}

impl Format {
    /// The format a file name asks for, by its extension (`.png`, `.svg`, `.pdf`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "png" => Some(Format::Png),
            "svg" => Some(Format::Svg),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }
}

/// Everything an export needs. Start from [`ExportSpec::new`] and change what the user chose.
///
/// Texts: `None` means the default (the case title; a subtitle from the case description and
/// the time range; a source line naming the most cited publishers); `Some("")` means none.
#[derive(Clone, Debug)]
pub struct ExportSpec<'a> {
    /// The layers to draw, back to front, with their opacity (as the map view has them).
    pub layers: Vec<ExportLayer<'a>>,
    /// Only these layers (by name) and feature kinds (`site`, `sea_route`, `rail_corridor`,
    /// `area`, or any other `kind`; plurals and spaces are accepted). Empty: everything.
    pub only: Vec<String>,
    /// Only features current in this range, by the rule of the app's timeline
    /// ([`crate::model::time::feature_range`]: the `period`, else the span of the feature's
    /// events); undated features are always kept.
    pub time_range: Option<DateRange>,
    pub extent: Extent,
    /// Page size in layout pixels (CSS-like pixels). The output is `size · scale` pixels.
    pub size: [u32; 2],
    /// Device pixels per layout pixel, 1 to 4: 2 for sharp screens, 3–4 for print.
    pub scale: f32,
    /// Resolution written into the PNG (`pHYs`); `None` for [`default_dpi`].
    pub dpi: Option<f32>,
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub source: Option<String>,
    pub credit: Option<String>,
    pub basemap: BasemapChoice,
    pub format: Format,
    pub legend: bool,
    pub scale_bar: bool,
    pub locator: bool,
    /// Image overlays left out, as `[index in layers, index in the layer's overlays]` (the
    /// ones switched off in the window's layers panel).
    pub hidden_overlays: Vec<[usize; 2]>,
    /// One frame of an animation: the case as it was on a day, with a date stamp
    /// ([`animate`]).
    pub moment: Option<animate::Moment>,
    /// A light or dark page.
    pub theme: theme::Theme,
    /// A magnified inset of a box ([`detail`]).
    pub detail: Option<DetailBox>,
}

/// What a detail inset shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DetailBox {
    /// `[west, south, east, north]` in degrees.
    Box([f64; 4]),
    /// Where labelled sites crowd together on the map, if they do.
    Auto,
}

impl DetailBox {
    /// `auto`, or `W,S,E,N`.
    pub fn parse(s: &str) -> Result<DetailBox, String> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(DetailBox::Auto);
        }
        let v: Vec<f64> = s.split(',').map(|p| p.trim().parse::<f64>().map_err(|e| format!("{p:?}: {e}"))).collect::<Result<_, _>>()?;
        match v[..] {
            [w, s, e, n] => check_bbox([w, s, e, n]).map(|()| DetailBox::Box([w, s, e, n])).map_err(|e| e.to_string()),
            _ => Err("expected auto or four numbers: west,south,east,north".into()),
        }
    }
}

impl<'a> ExportSpec<'a> {
    /// A 1920×1080 PNG at 1x of everything in `layers`, fitted, with the default texts and
    /// every page element, on the offline basemap.
    pub fn new(layers: Vec<ExportLayer<'a>>) -> Self {
        ExportSpec {
            layers,
            only: Vec::new(),
            time_range: None,
            extent: Extent::Fit,
            size: [1920, 1080],
            scale: 1.0,
            dpi: None,
            title: None,
            subtitle: None,
            source: None,
            credit: None,
            basemap: BasemapChoice::Offline,
            format: Format::Png,
            legend: true,
            scale_bar: true,
            locator: true,
            hidden_overlays: Vec::new(),
            moment: None,
            theme: theme::Theme::Light,
            detail: None,
        }
    }

    /// The same export of other layers (the window hands a copy to a worker thread this way).
    pub fn with_layers<'b>(&self, layers: Vec<ExportLayer<'b>>) -> ExportSpec<'b> {
        ExportSpec {
            layers,
            only: self.only.clone(),
            time_range: self.time_range,
            extent: self.extent,
            size: self.size,
            scale: self.scale,
            dpi: self.dpi,
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            source: self.source.clone(),
            credit: self.credit.clone(),
            basemap: self.basemap.clone(),
            format: self.format,
            legend: self.legend,
            scale_bar: self.scale_bar,
            locator: self.locator,
            hidden_overlays: self.hidden_overlays.clone(),
            moment: self.moment,
            theme: self.theme,
            detail: self.detail,
        }
    }

    /// The output size in device pixels.
    pub fn output_size(&self) -> [u32; 2] {
        [(self.size[0] as f32 * self.scale).round() as u32, (self.size[1] as f32 * self.scale).round() as u32]
    }

    /// Checks the numbers a user typed, with a message that says what is allowed.
    pub fn validate(&self) -> Result<(), ExportError> {
        let [w, h] = self.size;
        if !(MIN_SIZE..=MAX_SIZE).contains(&w) || !(MIN_SIZE..=MAX_SIZE).contains(&h) {
            return Err(ExportError::Size(format!("{w}x{h} is outside {MIN_SIZE}..{MAX_SIZE} pixels per side")));
        }
        if !(self.scale.is_finite() && (1.0..=4.0).contains(&self.scale)) {
            return Err(ExportError::Scale(self.scale));
        }
        let [ow, oh] = self.output_size();
        if ow > MAX_OUTPUT_SIDE || oh > MAX_OUTPUT_SIDE || u64::from(ow) * u64::from(oh) > MAX_OUTPUT_PIXELS {
            return Err(ExportError::Size(format!(
                "{ow}x{oh} output pixels is more than this export allows ({MAX_OUTPUT_SIDE} per side, {} Mpx)",
                MAX_OUTPUT_PIXELS / 1_000_000
            )));
        }
        if let Some(dpi) = self.dpi
            && !(dpi.is_finite() && (1.0..=10_000.0).contains(&dpi))
        {
            return Err(ExportError::Dpi(dpi));
        }
        if let Some(DetailBox::Box(b)) = self.detail {
            check_bbox(b)?;
        }
        match self.extent {
            Extent::Fit => {}
            Extent::BBox(b) => check_bbox(b)?,
            Extent::View { lon, lat, zoom } => {
                if !(lon.is_finite() && lat.is_finite() && zoom.is_finite() && (-85.0..=85.0).contains(&lat) && (0.0..=20.0).contains(&zoom)) {
                    return Err(ExportError::Extent(format!("view {lon},{lat} at zoom {zoom} is outside lat −85..85, zoom 0..20")));
                }
            }
        }
        Ok(())
    }

    /// The resolution to write into the PNG.
    pub fn effective_dpi(&self) -> f32 {
        self.dpi.unwrap_or_else(|| default_dpi(self.scale))
    }
}

/// The default PNG resolution for a scale: 72 dpi at 1x and 144 at 2x (the screen
/// conventions, so a web image places at its pixel size), 300 dpi from 3x on, where the export
/// is a print master (a 4x 1920×1080 page prints 65 × 37 cm at 300 dpi).
pub fn default_dpi(scale: f32) -> f32 {
    if scale >= 3.0 { 300.0 } else { (72.0 * scale).round() }
}

fn check_bbox(b: [f64; 4]) -> Result<(), ExportError> {
    let [lon0, lat0, lon1, lat1] = b;
    let finite = b.iter().all(|v| v.is_finite());
    // West beyond east crosses the antimeridian; longitudes past ±180° are the same places
    // (190 is 170° W), so long as the box is less than a turn wide.
    let lons = lon0.abs() <= 540.0 && lon1.abs() <= 540.0 && bbox_width(lon0, lon1) > 0.0 && bbox_width(lon0, lon1) <= 360.0;
    let lats = (-85.06..=85.06).contains(&lat0) && (-85.06..=85.06).contains(&lat1) && lat0 < lat1;
    if finite && lons && lats {
        Ok(())
    } else {
        Err(ExportError::Extent(format!(
            "bbox {lon0},{lat0},{lon1},{lat1}: expected west,south,east,north, at most 360° wide, latitudes in −85..85, south < north"
        )))
    }
}

/// Degrees of longitude from `west` east to `east`: across the antimeridian when `east` is
/// less than `west`.
pub(crate) fn bbox_width(west: f64, east: f64) -> f64 {
    let d = east - west;
    if d < 0.0 { d + 360.0 * (-d / 360.0).ceil() } else { d }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("page size {0}")]
    Size(String),
    #[error("scale {0} is outside 1..4")]
    Scale(f32),
    #[error("dpi {0} is outside 1..10000")]
    Dpi(f32),
    #[error("{0}")]
    Extent(String),
    #[error("nothing to fit the map to: the layers hold no located features{0}; give a bbox")]
    NothingToFit(String),
    #[error("no layer or feature kind is called {name:?}; there are: {known}")]
    UnknownLayer { name: String, known: String },
    #[error("the page is too small for its texts; make it larger or the texts shorter")]
    PageTooSmall,
    #[error("cannot allocate a {0}x{1} picture")]
    Allocation(u32, u32),
    #[error("cannot encode: {0}")]
    Encode(String),
    #[error("unknown output format for {0:?}: use .png, .svg or .pdf")]
    UnknownFormat(PathBuf),
    #[error("animation: {0}")]
    Animation(String),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// A finished export.
#[derive(Debug)]
pub struct Exported {
    /// The file's bytes: a PNG, the SVG text as UTF-8, or a PDF. Empty for a PNG that
    /// [`save`] (or [`LaidOut::write`]) encoded straight into its file.
    pub bytes: Vec<u8>,
    pub format: Format,
    /// Size in device pixels (for the SVG: its nominal size in layout pixels; for the PDF,
    /// the pixels that print at `dpi` to the page's size).
    pub size_px: [u32; 2],
    /// The resolution written into the PNG (for the PDF: the one its page size follows).
    pub dpi: f32,
    /// What the user should know: the tile server failed and the offline basemap was used,
    /// features with unreadable periods, ...
    pub notices: Vec<String>,
    /// What the map shows, for screen readers ([`alt_text`]); [`save`] writes it beside the
    /// file.
    pub alt_text: String,
    /// Where labelled sites crowd together, for a detail inset ([`Page::suggested_detail`]).
    pub suggested_detail: Option<[f64; 4]>,
}

/// Lays out and writes the page in `spec.format`.
pub fn export(spec: &ExportSpec) -> Result<Exported, ExportError> {
    lay_out(spec)?.finish()
}

/// A page laid out in its format, with its basemap: all that is left to do of an export needs
/// nothing of the spec's layers. [`lay_out`] makes it; the command line drops the files it
/// read before [`LaidOut::write`] paints it, so that they are not held beside the page.
pub struct LaidOut {
    page: Page,
    map: MapFor,
    format: Format,
    /// As [`Exported::size_px`].
    size_px: [u32; 2],
    scale: f32,
    dpi: f32,
}

/// The basemap as each format takes it.
enum MapFor {
    /// Painted with the page, band by band (PNG).
    Page(raster::MapBase),
    /// A picture of the frame, embedded (SVG, PDF).
    Picture(tiny_skia::Pixmap),
}

/// Lays out the page of `spec` in `spec.format`, with its basemap.
pub fn lay_out(spec: &ExportSpec) -> Result<LaidOut, ExportError> {
    spec.validate()?;
    let (page, map, size_px) = match spec.format {
        Format::Png => {
            let (page, base) = page_and(spec, spec.scale, raster::map_base)?;
            let size = raster::page_pixels(&page, spec.scale);
            (page, MapFor::Page(base), size)
        }
        Format::Svg => page_and(spec, spec.scale, raster::map_raster).map(|(page, map)| (page, MapFor::Picture(map), spec.size))?,
        Format::Pdf => page_and(spec, spec.scale, raster::map_raster).map(|(page, map)| (page, MapFor::Picture(map), spec.output_size()))?,
    };
    Ok(LaidOut { page, map, format: spec.format, size_px, scale: spec.scale, dpi: spec.effective_dpi() })
}

impl LaidOut {
    /// Paints and encodes the page.
    pub fn finish(self) -> Result<Exported, ExportError> {
        let mut png = Vec::new();
        let done = self.paint(&mut png)?;
        Ok(if done.format == Format::Png { Exported { bytes: png, ..done } } else { done })
    }

    /// Paints and encodes the page and writes the file atomically, with its alt text beside it
    /// (`map.png.txt`): on any failure no file, and no partial file, is left at `path`. A PNG
    /// goes into the file as it is encoded (its `bytes` are left empty), SVG and PDF are
    /// written whole.
    pub fn write(self, path: &Path) -> Result<Exported, ExportError> {
        let failed = |source| ExportError::Write { path: path.to_owned(), source };
        let done = match self.map {
            MapFor::Page(_) => crate::io::write_atomic_with(path, |file| self.paint(file)).map_err(failed)??,
            MapFor::Picture(_) => {
                let done = self.paint(&mut std::io::sink())?;
                crate::io::write_atomic(path, &done.bytes).map_err(failed)?;
                done
            }
        };
        let alt = alt_text_path(path);
        crate::io::write_atomic(&alt, done.alt_text.as_bytes()).map_err(|source| ExportError::Write { path: alt, source })?;
        Ok(done)
    }

    /// Paints the page: a PNG is encoded into `png` as it is painted (its `Exported` has no
    /// `bytes`), an SVG or PDF is made in memory.
    fn paint(self, png: &mut dyn std::io::Write) -> Result<Exported, ExportError> {
        let LaidOut { page, map, format, size_px, scale, dpi } = self;
        let bytes = match map {
            MapFor::Page(base) => {
                png::encode_rows(png, size_px, dpi, &page.meta, |rows| raster::paint_page_into(&page, base, scale, rows))?;
                Vec::new()
            }
            MapFor::Picture(map) if format == Format::Svg => svg::write(&page, &map, scale)?.into_bytes(),
            MapFor::Picture(map) => pdf::write(&page, &map, scale, dpi)?,
        };
        Ok(Exported { bytes, format, size_px, dpi, notices: page.notices, alt_text: page.meta.alt_text, suggested_detail: page.suggested_detail })
    }
}

/// The page and its basemap at `scale` (as `base` gives it: [`raster::map_base`] or
/// [`raster::map_raster`]); when the tiles cannot be had, the page laid out again for the
/// offline basemap (its place names, its attribution), with a notice.
fn page_and<T>(
    spec: &ExportSpec,
    scale: f32,
    base: impl Fn(&Page, &ExportSpec, f32) -> Result<Result<T, String>, ExportError>,
) -> Result<(Page, T), ExportError> {
    let page = layout(spec)?;
    match base(&page, spec, scale)? {
        Ok(map) => Ok((page, map)),
        Err(notice) => {
            let mut page = layout::layout_offline(spec)?;
            page.notices.insert(0, notice);
            match base(&page, spec, scale)? {
                Ok(map) => Ok((page, map)),
                Err(notice) => Err(ExportError::Encode(notice)),
            }
        }
    }
}

/// Exports in the format of `path`'s extension (overriding `spec.format`) and writes the file
/// atomically, with its alt text beside it ([`LaidOut::write`]).
pub fn save(spec: &ExportSpec, path: &Path) -> Result<Exported, ExportError> {
    lay_out_for(spec, path)?.write(path)
}

/// [`lay_out`] in the format of `path`'s extension (overriding `spec.format`).
pub fn lay_out_for(spec: &ExportSpec, path: &Path) -> Result<LaidOut, ExportError> {
    let format = Format::from_path(path).ok_or_else(|| ExportError::UnknownFormat(path.to_owned()))?;
    lay_out(&ExportSpec { format, ..spec.clone() })
}

/// Where [`save`] writes the alt text of `path`: beside it, `map.png.txt`.
pub fn alt_text_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".txt");
    path.with_file_name(name)
}

/// A quick picture of the page for a dialog: the same layout drawn at whatever scale makes it
/// fit `max_px` (width, height), typically well under 1. With online tiles in the spec this
/// may fetch them (through the disk cache): call it off the UI thread, or preview with
/// [`BasemapChoice::Offline`].
pub fn preview(spec: &ExportSpec, max_px: [u32; 2]) -> Result<tiny_skia::Pixmap, ExportError> {
    let mut quick = spec.clone();
    quick.scale = 1.0;
    quick.validate()?;
    let scale = (max_px[0].max(16) as f32 / spec.size[0] as f32).min(max_px[1].max(16) as f32 / spec.size[1] as f32).min(4.0);
    let (page, base) = page_and(&quick, scale, raster::map_base)?;
    raster::paint_page(&page, base, scale)
}
