//! SVG: the same page as the PNG, for designers to finish in Illustrator or Inkscape.
//!
//! * Text is real `<text>` (Noto Sans, as in the PNG), every string escaped; paragraphs that
//!   read right to left are kept as text between right-to-left embedding marks, for the
//!   renderer to order and shape (the PNG cannot: see [`super::text`]).
//! * Every group of the layout is a `<g>` with an `id` and an `inkscape:label` (Inkscape's layers
//!   panel shows the label, Illustrator the id): the basemap, place names, one group per case
//!   layer named after it with a sub-group per kind (sites, sea routes, …), labels, scale bar,
//!   locator, attribution, title, legend, source, credit.
//! * The basemap is an embedded PNG (`<image>`, base64), drawn by the same renderer as the
//!   screen and the PNG export at the export's `scale`. It is not vector because the
//!   Natural Earth layers behind a view are tens of thousands of paths that make design tools
//!   crawl, and designers restyle or replace the basemap rather than edit its coastlines; the
//!   case, the texts and the furniture, which they do edit, are vector.

use std::fmt::Write;

use base64::Engine;

use super::ExportError;
use super::layout::{Align, Group, ImageKind, Item, Page, Plate, Space, TextBlock};
use super::raster::{self, HALO_WIDTH};
use crate::fonts::{FAMILY, HANGUL_FAMILY};

/// The maths subset's family (arrows).
const MATH_FAMILY: &str = "Noto Sans Math";
use crate::scene::{Primitive, Px, Rgba, Stroke};

/// Writes the page; `map` is the basemap raster of the frame at `scale`.
pub fn write(page: &Page, map: &tiny_skia::Pixmap, scale: f32) -> Result<String, ExportError> {
    let [w, h] = page.size;
    let mut s = String::with_capacity(1 << 20);
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" version="1.1" width="{}" height="{}" viewBox="0 0 {} {}" font-family="'{FAMILY}', '{MATH_FAMILY}', '{HANGUL_FAMILY}', sans-serif">"#,
        num(w),
        num(h),
        num(w),
        num(h)
    );
    let _ = writeln!(s, "<title>{}</title>", escape(&page.meta.title));
    let desc: Vec<&str> =
        [page.meta.subtitle.as_str(), page.meta.source.as_str(), page.meta.credit.as_str()].into_iter().filter(|t| !t.is_empty()).collect();
    let mut desc = desc.join("\n");
    if !page.meta.attribution.is_empty() {
        desc.push_str(&format!("\nBasemap: {}", page.meta.attribution.join("; ")));
    }
    let _ = writeln!(s, "<desc>{}</desc>", escape(desc.trim()));
    let f = page.frame;
    let _ = writeln!(s, r#"<defs><clipPath id="map-clip"><rect x="0" y="0" width="{}" height="{}"/></clipPath></defs>"#, num(f.w), num(f.h));
    let _ = writeln!(s, r##"<rect id="page" x="0" y="0" width="{}" height="{}" fill="{}"/>"##, num(w), num(h), page.theme.background().to_hex_rgb());

    let locator = raster::locator_raster(page, scale)?;
    let detail = raster::detail_raster(page, scale)?;
    let images = Images {
        map: png_data_uri(map)?,
        locator: locator.as_ref().map(png_data_uri).transpose()?,
        detail: detail.as_ref().map(png_data_uri).transpose()?,
        overlays: overlay_images(page),
    };
    let _ = writeln!(
        s,
        r#"<g id="map" inkscape:groupmode="layer" inkscape:label="Map" transform="translate({} {})" clip-path="url(#map-clip)">"#,
        num(f.x),
        num(f.y)
    );
    for g in page.groups.iter().filter(|g| g.space == Space::Frame) {
        group(&mut s, g, page, &images, 1);
    }
    s.push_str("</g>\n");
    for g in page.groups.iter().filter(|g| g.space == Space::Page) {
        group(&mut s, g, page, &images, 0);
    }
    s.push_str("</svg>\n");
    Ok(s)
}

struct Images {
    map: String,
    locator: Option<String>,
    detail: Option<String>,
    /// Each overlay drawn through its mesh into a picture of the part of the frame it covers
    /// (at 2 pixels per layout pixel): `x, y, w, h` in frame pixels and the data URI.
    overlays: Vec<Option<([f32; 4], String)>>,
}

/// The overlays of a page as transparent PNGs, painted as the PNG export paints them.
fn overlay_images(page: &Page) -> Vec<Option<([f32; 4], String)>> {
    const K: f32 = 2.0;
    let pictures = super::raster::overlay_pixmaps(page);
    page.overlays
        .iter()
        .zip(pictures)
        .map(|(o, picture)| {
            let picture = picture?;
            let (min, max) = o.mesh.bounds();
            let (x0, y0) = (min[0].max(0.0).floor(), min[1].max(0.0).floor());
            let (x1, y1) = (max[0].min(page.frame.w).ceil(), max[1].min(page.frame.h).ceil());
            if x1 <= x0 || y1 <= y0 {
                return None;
            }
            let mut pm = tiny_skia::Pixmap::new(((x1 - x0) * K) as u32, ((y1 - y0) * K) as u32)?;
            let ts = tiny_skia::Transform::from_translate(-x0, -y0).post_scale(K, K);
            super::raster::paint_overlay(&mut pm.as_mut(), o, &picture, ts);
            let bytes = pm.encode_png().ok()?;
            Some(([x0, y0, x1 - x0, y1 - y0], format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))))
        })
        .collect()
}

fn png_data_uri(p: &tiny_skia::Pixmap) -> Result<String, ExportError> {
    // The rasters are opaque: RGB, compressed fast when big (as the PNG export does).
    let bytes = super::png::encode(p, 96.0, &super::layout::Meta::default())?;
    Ok(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
}

fn group(s: &mut String, g: &Group, page: &Page, images: &Images, depth: usize) {
    let indent = " ".repeat(depth);
    let _ = writeln!(s, r#"{indent}<g id="{}" inkscape:groupmode="layer" inkscape:label="{}">"#, escape(&g.id), escape(&g.label));
    for item in &g.items {
        s.push_str(&indent);
        s.push(' ');
        match item {
            Item::Shape(p) => primitive(s, p),
            Item::Text(t) => text(s, t),
            Item::Plate(p) => plate(s, p),
            Item::Image(kind) => {
                let placed = match kind {
                    ImageKind::Basemap => Some(([0.0, 0.0, page.frame.w, page.frame.h], &images.map)),
                    ImageKind::Detail => page.detail.as_ref().zip(images.detail.as_ref()).map(|(d, uri)| (d.rect.xywh(), uri)),
                    ImageKind::Locator => page.locator.as_ref().zip(images.locator.as_ref()).map(|(l, uri)| (l.rect.xywh(), uri)),
                    ImageKind::Overlay(i) => images.overlays.get(*i).and_then(Option::as_ref).map(|(xywh, uri)| (*xywh, uri)),
                };
                if let Some(([x, y, w, h], uri)) = placed {
                    let _ = write!(
                        s,
                        r#"<image x="{}" y="{}" width="{}" height="{}" preserveAspectRatio="none" xlink:href="{uri}"/>"#,
                        num(x),
                        num(y),
                        num(w),
                        num(h)
                    );
                }
            }
        }
        s.push('\n');
    }
    for child in &g.children {
        group(s, child, page, images, depth + 1);
    }
    let _ = writeln!(s, "{indent}</g>");
}

/// `fill` (or `stroke`) with its opacity attribute when not opaque.
fn paint_attr(kind: &str, c: Rgba) -> String {
    let [r, g, b, a] = c.0;
    let mut out = format!(r##"{kind}="#{r:02x}{g:02x}{b:02x}""##);
    if a < 255 {
        let _ = write!(out, r#" {kind}-opacity="{}""#, num(f32::from(a) / 255.0));
    }
    out
}

fn stroke_attrs(st: &Stroke) -> String {
    let mut out = format!(r#"{} stroke-width="{}" stroke-linejoin="miter" stroke-miterlimit="4""#, paint_attr("stroke", st.color), num(st.width));
    match st.dash {
        Some([on, off]) => {
            let _ = write!(out, r#" stroke-linecap="butt" stroke-dasharray="{} {}""#, num(on), num(off));
        }
        None => out.push_str(r#" stroke-linecap="round""#),
    }
    out
}

fn path_data(points: &[Px], close: bool) -> String {
    let mut d = String::with_capacity(points.len() * 14);
    for (i, p) in points.iter().filter(|p| p[0].is_finite() && p[1].is_finite()).enumerate() {
        d.push(if i == 0 { 'M' } else { 'L' });
        let _ = write!(d, "{} {}", num(p[0]), num(p[1]));
    }
    if close && !d.is_empty() {
        d.push('Z');
    }
    d
}

fn primitive(s: &mut String, p: &Primitive) {
    match p {
        Primitive::Line { points, stroke } => {
            let _ = write!(s, r#"<path d="{}" fill="none" {}/>"#, path_data(points, false), stroke_attrs(stroke));
        }
        Primitive::Polygon { rings, fill, stroke } => {
            let d: String = rings.iter().map(|r| path_data(r, true)).collect();
            let st = stroke.as_ref().map(stroke_attrs).unwrap_or_default();
            let _ = write!(s, r#"<path d="{d}" {} fill-rule="evenodd" {st}/>"#, paint_attr("fill", *fill));
        }
        Primitive::Circle { center, radius, fill, stroke } => {
            let st = stroke.as_ref().map(stroke_attrs).unwrap_or_default();
            let _ = write!(
                s,
                r#"<circle cx="{}" cy="{}" r="{}" {} {st}/>"#,
                num(center[0]),
                num(center[1]),
                num(*radius),
                paint_attr("fill", *fill)
            );
        }
        Primitive::Triangle { points, fill } => {
            let _ = write!(s, r#"<path d="{}" {}/>"#, path_data(points, true), paint_attr("fill", *fill));
        }
        // Text comes laid out, as a TextBlock.
        Primitive::Text { .. } => {}
    }
}

fn plate(s: &mut String, p: &Plate) {
    let r = p.rect;
    let fill = p.fill.map_or_else(|| r#"fill="none""#.to_owned(), |c| paint_attr("fill", c));
    let st = p.stroke.as_ref().map(stroke_attrs).unwrap_or_default();
    let rx = if p.radius > 0.0 { format!(r#" rx="{}""#, num(p.radius)) } else { String::new() };
    let _ = write!(s, r#"<rect x="{}" y="{}" width="{}" height="{}"{rx} {fill} {st}/>"#, num(r.x), num(r.y), num(r.w), num(r.h));
}

fn text(s: &mut String, t: &TextBlock) {
    // Anchors are visual (left, centre, right), as in the PNG. A right-to-left paragraph gets
    // its direction from embedding marks (RLE … PDF) around each line rather than from the
    // `direction` attribute, which flips what "start" and "end" mean in some renderers and
    // not in others; with the marks every renderer puts the text in the same place.
    let anchor = match t.align {
        Align::Left => "start",
        Align::Center => "middle",
        Align::Right => "end",
    };
    let line_text = |line: &str| if t.rtl { format!("\u{202B}{}\u{202C}", escape(line)) } else { escape(line) };
    let weight = if t.weight == super::text::Weight::Bold { r#" font-weight="bold""# } else { "" };
    let element = |s: &mut String, paint: &str| {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" font-size="{}"{weight} {paint} text-anchor="{anchor}" xml:space="preserve">"#,
            num(t.x),
            num(t.baseline),
            num(t.size)
        );
        if let [only] = t.lines.as_slice() {
            s.push_str(&line_text(only));
        } else {
            for (i, line) in t.lines.iter().enumerate() {
                let _ = write!(s, r#"<tspan x="{}" y="{}">{}</tspan>"#, num(t.x), num(t.baseline + i as f32 * t.line_height), line_text(line));
            }
        }
        s.push_str("</text>");
    };
    match t.halo {
        // The halo is a copy of the text, stroked, under it: `paint-order` would do it in one
        // element, but not every design tool reads it.
        Some(h) => {
            s.push_str("<g>");
            element(s, &format!(r#"fill="none" {} stroke-width="{}" stroke-linejoin="round""#, paint_attr("stroke", h), num(HALO_WIDTH)));
            element(s, &paint_attr("fill", t.color));
            s.push_str("</g>");
        }
        None => element(s, &paint_attr("fill", t.color)),
    }
}

/// A number for SVG: at most two decimals, no trailing zeros, no "-0".
pub fn num(v: f32) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 {
        return "0".into();
    }
    let s = format!("{r:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Text for XML content and attribute values: `&`, `<`, `>`, `"` and `'` as entities, and the
/// characters XML cannot hold (control characters, U+FFFE, U+FFFF) left out.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape(r#"a<b>&"c"'d'"#), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
        assert_eq!(escape("x]]>y"), "x]]&gt;y");
        assert_eq!(escape("a\u{0}\u{1b}b\u{FFFF}"), "ab");
        assert_eq!(escape("שלום مرحبا"), "שלום مرحبا");
    }

    #[test]
    fn numbers() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.256), "1.26");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f32::NAN), "0");
        assert_eq!(num(1920.0), "1920");
    }
}
