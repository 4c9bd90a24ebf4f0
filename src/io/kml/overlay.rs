//! KML GroundOverlay and ScreenOverlay: where the picture goes, and loading the picture.
//!
//! A picture comes from the KMZ's own files, a local path (relative to the KML file, or
//! absolute, or `file://`), or, only when the user allows online access
//! ([`super::super::ReadOptions::online`]), an http(s) link. Pictures are decoded under
//! limits (side, pixels, bytes per file) and scaled down to [`STORED_SIDE`] for drawing; the
//! file's own bytes are kept for saving a KMZ. An overlay whose picture cannot be had is kept
//! (listed, written back) and named in a warning.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use geo::Coord;
use kml::Kml;
use kml::types::Element;

use super::{attr, child, content, kml_colour, parse};
use crate::io::xml::escape;
use crate::io::{Diagnostic, Place};
use crate::model::overlay::{Placement, ScreenPoint, ScreenSize, Units};
use crate::model::{Overlay, OverlayImage};

/// A picture wider or taller than this is refused (Google Earth's own texture limit is lower).
pub const MAX_SIDE: u32 = 16_384;
/// A picture of more pixels than this is refused: 256 MiB decoded.
pub const MAX_PIXELS: u64 = 64 << 20;
/// Pictures are kept at most this wide and tall for drawing (a larger one is scaled down).
pub const STORED_SIDE: u32 = 8192;
/// The picture files read for one KML or KMZ, in all.
pub const MAX_PICTURE_BYTES: u64 = 768 << 20;
/// One picture fetched from the network.
const MAX_REMOTE_BYTES: u64 = 64 << 20;
const TIMEOUT: Duration = Duration::from_secs(20);

/// An overlay element (its text cleaned by `xml`), its picture not yet loaded.
pub(super) fn read(src: &str, name: Option<String>, description: Option<String>, folder: &[String]) -> Result<Overlay, String> {
    let e = match parse(src) {
        Ok(Kml::Element(e)) => e,
        Ok(_) => return Err("it could not be read as an overlay".into()),
        Err(message) => return Err(message),
    };
    let number = |e: &Element, name: &str| content(e, name).and_then(|v| v.parse::<f64>().ok()).filter(|v| v.is_finite());
    let href = child(&e, "Icon").and_then(|i| content(i, "href")).unwrap_or("").to_owned();
    let opacity = content(&e, "color").and_then(kml_colour).map_or(1.0, |(_, a)| a as f32);
    let draw_order = content(&e, "drawOrder").and_then(|v| v.parse::<f64>().ok()).map_or(0, |v| v.clamp(-1e9, 1e9) as i32);
    let placement = if e.name == "ScreenOverlay" {
        let point = |name: &str| child(&e, name).map(screen_point).unwrap_or_default();
        let size = child(&e, "size").map_or_else(ScreenSize::default, |s| {
            let p = screen_point(s);
            ScreenSize { x: p.x, y: p.y, x_units: p.x_units, y_units: p.y_units }
        });
        Placement::Screen { overlay_xy: point("overlayXY"), screen_xy: point("screenXY"), size }
    } else if let Some(quad) = child(&e, "LatLonQuad") {
        let text = content(quad, "coordinates").ok_or("its gx:LatLonQuad has no coordinates")?;
        let mut corners = Vec::with_capacity(4);
        for position in text.split_whitespace() {
            let mut parts = position.split(',').map(|p| p.trim().parse::<f64>());
            match (parts.next(), parts.next()) {
                (Some(Ok(lon)), Some(Ok(lat))) if lon.is_finite() && (-90.0..=90.0).contains(&lat) => corners.push(Coord { x: lon, y: lat }),
                _ => return Err(format!("{position:?} in its gx:LatLonQuad is not a longitude,latitude")),
            }
        }
        let corners: [Coord<f64>; 4] =
            corners.try_into().map_err(|c: Vec<_>| format!("its gx:LatLonQuad has {} corners, not 4", c.len()))?;
        Placement::Quad(corners)
    } else if let Some(b) = child(&e, "LatLonBox") {
        let side = |name: &str| number(b, name).ok_or_else(|| format!("its LatLonBox has no <{name}>"));
        let (north, south, east, west) = (side("north")?, side("south")?, side("east")?, side("west")?);
        let (north, south) = (north.max(south), north.min(south));
        if !(-90.0..=90.0).contains(&north) || !(-90.0..=90.0).contains(&south) || north == south {
            return Err(format!("its LatLonBox spans no latitudes ({south}..{north})"));
        }
        if !(-360.0..=360.0).contains(&east) || !(-360.0..=360.0).contains(&west) || east == west {
            return Err(format!("its LatLonBox spans no longitudes ({west}..{east})"));
        }
        let rotation = number(b, "rotation").unwrap_or(0.0).clamp(-360.0, 360.0);
        Placement::Box { north, south, east, west, rotation }
    } else {
        return Err("it has neither a LatLonBox nor a gx:LatLonQuad".into());
    };
    Ok(Overlay {
        name: name.unwrap_or_default(),
        description,
        href,
        image: None,
        opacity: opacity.clamp(0.0, 1.0),
        draw_order,
        folder: (!folder.is_empty()).then(|| folder.join("/")),
        placement,
    })
}

fn screen_point(e: &Element) -> ScreenPoint {
    let value = |name: &str| attr(e, name).and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| v.is_finite()).unwrap_or(0.0);
    let units = |name: &str| match attr(e, name).as_deref().map(str::trim) {
        Some("pixels") => Units::Pixels,
        Some("insetPixels") => Units::InsetPixels,
        _ => Units::Fraction,
    };
    ScreenPoint { x: value("x"), y: value("y"), x_units: units("xunits"), y_units: units("yunits") }
}

/// Reads an entry of a KMZ by name, counting its inflated bytes into the second argument;
/// `None` when there is no such entry.
pub(super) type ArchiveEntry<'a> = dyn FnMut(&str, &mut u64) -> Option<Result<Vec<u8>, String>> + 'a;

/// Where the pictures of one file come from.
pub(super) struct Pictures<'a> {
    /// The folder of the file, for relative links.
    pub dir: Option<&'a Path>,
    /// Entries of the KMZ the file came from: a link relative to the KML names one.
    pub archive: Option<&'a mut ArchiveEntry<'a>>,
    pub online: bool,
    /// Bytes of picture files still allowed.
    pub budget: u64,
}

impl Pictures<'_> {
    /// Loads the picture of each overlay; what cannot be loaded is a warning at the overlay.
    pub fn load(&mut self, overlays: Vec<(Overlay, Place)>, diagnostics: &mut Vec<Diagnostic>) -> Vec<Overlay> {
        let mut remote_skipped = 0;
        let mut out = Vec::with_capacity(overlays.len());
        // Overlays that link the same picture share it.
        let mut seen: std::collections::HashMap<String, Arc<OverlayImage>> = std::collections::HashMap::new();
        for (mut o, place) in overlays {
            let label = if o.name.is_empty() { "an overlay".to_owned() } else { format!("the overlay {:?}", o.name) };
            let href = o.href.trim();
            if let Some(image) = seen.get(href) {
                o.image = Some(image.clone());
                out.push(o);
                continue;
            }
            let bytes = if href.is_empty() {
                Err("it links no picture".to_owned())
            } else if is_remote(href) {
                if self.online {
                    fetch(href)
                } else {
                    remote_skipped += 1;
                    Err(format!("its picture {href:?} is online and online access is off"))
                }
            } else {
                self.local(href)
            };
            match bytes.and_then(|b| decode(b.into())) {
                Ok(image) => {
                    if let Some([w, h]) = image.original_size {
                        diagnostics.push(Diagnostic::info(
                            place.clone(),
                            format!("{label}: the picture is {w}×{h} pixels; drawn at {}×{}", image.width, image.height),
                        ));
                    }
                    let image = Arc::new(image);
                    seen.insert(href.to_owned(), image.clone());
                    o.image = Some(image);
                }
                Err(message) => diagnostics.push(Diagnostic::warning(place, format!("{label} is listed but not drawn: {message}"))),
            }
            out.push(o);
        }
        if remote_skipped > 0 {
            diagnostics.push(Diagnostic::info(
                Place::File,
                format!(
                    "{remote_skipped} overlay pictures are on the web and were not fetched: allow online access (Tiles menu, or --online) and open the file again"
                ),
            ));
        }
        out
    }

    fn local(&mut self, href: &str) -> Result<Vec<u8>, String> {
        if let Some(archive) = self.archive.as_mut()
            && let Some(found) = archive(href, &mut self.budget)
        {
            return found;
        }
        let path = match href.strip_prefix("file://") {
            Some(p) => PathBuf::from(p),
            None => PathBuf::from(href.replace('\\', "/")),
        };
        // Text read from no file (a paste, a fuzzer) reaches no file on the disk.
        let Some(dir) = self.dir else {
            return Err(format!("its picture {href:?} is a file, and this KML was not read from a folder"));
        };
        let path = if path.is_absolute() { path } else { dir.join(path) };
        let file = std::fs::File::open(&path).map_err(|e| format!("its picture {} cannot be opened: {e}", path.display()))?;
        let meta = file.metadata().map_err(|e| e.to_string())?;
        // Never a device or a pipe (`/dev/zero`, `/dev/stdin`): they have no end.
        if !meta.is_file() {
            return Err(format!("its picture {} is not a file", path.display()));
        }
        let len = meta.len();
        if len > self.budget {
            return Err(format!("its picture {} is larger than the {} MiB left for pictures", path.display(), self.budget >> 20));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(self.budget).read_to_end(&mut bytes).map_err(|e| format!("its picture {} cannot be read: {e}", path.display()))?;
        self.budget = self.budget.saturating_sub(bytes.len() as u64);
        Ok(bytes)
    }
}

fn is_remote(href: &str) -> bool {
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// One picture from the web: a User-Agent naming Portolan, a timeout, a bounded body.
fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .user_agent(crate::io::user_agent())
        .http_status_as_error(false)
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| format!("its picture {url:?} could not be fetched: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("its picture {url:?} could not be fetched: the server answered {}", response.status().as_u16()));
    }
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_REMOTE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("its picture {url:?} could not be fetched: {e}"))?;
    if bytes.len() as u64 > MAX_REMOTE_BYTES {
        return Err(format!("its picture {url:?} is larger than {} MiB", MAX_REMOTE_BYTES >> 20));
    }
    Ok(bytes)
}

/// Decodes a PNG or JPEG under the limits, scaled down to [`STORED_SIDE`].
pub fn decode(encoded: Arc<[u8]>) -> Result<OverlayImage, String> {
    let reader = image::ImageReader::new(std::io::Cursor::new(&encoded[..]))
        .with_guessed_format()
        .map_err(|e| format!("its picture cannot be read: {e}"))?;
    if reader.format().is_none() {
        return Err("its picture is not a PNG or JPEG".into());
    }
    let (w, h) = reader.into_dimensions().map_err(|e| format!("its picture cannot be read: {e}"))?;
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!("its picture is {w}×{h} pixels; Portolan draws pictures up to {MAX_SIDE} pixels a side and {} megapixels", MAX_PIXELS >> 20));
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(&encoded[..]))
        .with_guessed_format()
        .map_err(|e| format!("its picture cannot be read: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + (16 << 20));
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| format!("its picture cannot be decoded: {e}"))?;
    let mut rgba = decoded.into_rgba8();
    let mut original_size = None;
    if w > STORED_SIDE || h > STORED_SIDE {
        let k = f64::from(STORED_SIDE) / f64::from(w.max(h));
        let (nw, nh) = (((f64::from(w) * k).round() as u32).max(1), ((f64::from(h) * k).round() as u32).max(1));
        rgba = image::imageops::resize(&rgba, nw, nh, image::imageops::FilterType::Triangle);
        original_size = Some([w, h]);
    }
    let (width, height) = rgba.dimensions();
    Ok(OverlayImage { width, height, rgba: rgba.into_raw(), encoded, original_size })
}

/// Writes an overlay as KML (after the placemarks, as Google Earth saves them).
pub(super) fn write(out: &mut String, o: &Overlay, href: &str) {
    use std::fmt::Write;
    let tag = if o.is_screen() { "ScreenOverlay" } else { "GroundOverlay" };
    let _ = writeln!(out, "  <{tag}>");
    if !o.name.is_empty() {
        let _ = writeln!(out, "    <name>{}</name>", escape(&o.name));
    }
    if let Some(d) = &o.description {
        let _ = writeln!(out, "    <description>{}</description>", escape(d));
    }
    if o.opacity < 1.0 {
        let _ = writeln!(out, "    <color>{:02x}ffffff</color>", (o.opacity.clamp(0.0, 1.0) * 255.0).round() as u8);
    }
    if o.draw_order != 0 {
        let _ = writeln!(out, "    <drawOrder>{}</drawOrder>", o.draw_order);
    }
    let _ = writeln!(out, "    <Icon><href>{}</href></Icon>", escape(href));
    let units = |u: Units| match u {
        Units::Fraction => "fraction",
        Units::Pixels => "pixels",
        Units::InsetPixels => "insetPixels",
    };
    match &o.placement {
        Placement::Box { north, south, east, west, rotation } => {
            let _ = write!(out, "    <LatLonBox><north>{north}</north><south>{south}</south><east>{east}</east><west>{west}</west>");
            if *rotation != 0.0 {
                let _ = write!(out, "<rotation>{rotation}</rotation>");
            }
            out.push_str("</LatLonBox>\n");
        }
        Placement::Quad(q) => {
            let corners: Vec<String> = q.iter().map(|c| format!("{},{}", c.x, c.y)).collect();
            let _ = writeln!(out, "    <gx:LatLonQuad><coordinates>{}</coordinates></gx:LatLonQuad>", corners.join(" "));
        }
        Placement::Screen { overlay_xy, screen_xy, size } => {
            for (name, x, y, xu, yu) in [
                ("overlayXY", overlay_xy.x, overlay_xy.y, overlay_xy.x_units, overlay_xy.y_units),
                ("screenXY", screen_xy.x, screen_xy.y, screen_xy.x_units, screen_xy.y_units),
                ("size", size.x, size.y, size.x_units, size.y_units),
            ] {
                let _ = writeln!(out, r#"    <{name} x="{x}" y="{y}" xunits="{}" yunits="{}"/>"#, units(xu), units(yu));
            }
        }
    }
    let _ = writeln!(out, "  </{tag}>");
}
