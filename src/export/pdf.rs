//! PDF: the SVG page turned into a print PDF by svg2pdf (Typst's converter).
//!
//! The page is the one [`super::svg`] writes, so the PDF has the same layout as the PNG and
//! the SVG: vector geometry for the case and the page furniture, the basemap and locator as
//! images at the export's scale, and real text, selectable and searchable, in the bundled
//! Noto fonts, embedded as subsets. A hand-written PDF writer would have to redo font
//! subsetting, text encoding and image embedding that svg2pdf already does well.
//!
//! The page's physical size comes from the export's resolution: `size · scale` device pixels
//! at `dpi` (a 1920×1080 page at 4x and 300 dpi is 650 × 366 mm, as the PNG would print).

use std::sync::{Arc, OnceLock};

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, TextStr};
use svg2pdf::usvg;

use super::ExportError;
use super::layout::Page;
use crate::fonts::{FAMILY, NOTO_HANGUL, NOTO_MATH, NOTO_SANS, NOTO_SANS_BOLD};

/// Writes the page as a one-page PDF; `map` is the basemap raster of the frame at `scale`,
/// and `dpi` the resolution the page's device pixels print at.
pub fn write(page: &Page, map: &tiny_skia::Pixmap, scale: f32, dpi: f32) -> Result<Vec<u8>, ExportError> {
    let svg = super::svg::write(page, map, scale)?;
    let mut options = usvg::Options { font_family: FAMILY.to_owned(), ..usvg::Options::default() };
    options.fontdb = fonts();
    let tree = usvg::Tree::from_str(&svg, &options).map_err(|e| ExportError::Encode(format!("PDF: the page's SVG: {e}")))?;
    let (chunk, drawing) = svg2pdf::to_chunk(&tree, svg2pdf::ConversionOptions::default())
        .map_err(|e| ExportError::Encode(format!("PDF: {e}")))?;

    let mut next = Ref::new(1);
    let [catalog, pages, page_id, content_id, info] = std::array::from_fn(|_| next.bump());
    let mut renumbered = std::collections::HashMap::new();
    let chunk = chunk.renumber(|old| *renumbered.entry(old).or_insert_with(|| next.bump()));
    let drawing = renumbered[&drawing];

    // The SVG's user units are layout pixels; a layout pixel is `scale` device pixels, which
    // print at `dpi`: points = px · scale / dpi · 72.
    let pt = scale / dpi * 72.0;
    let [w, h] = [page.size[0] * pt, page.size[1] * pt];
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page_id]).count(1);
    let mut p = pdf.page(page_id);
    p.media_box(Rect::new(0.0, 0.0, w, h)).parent(pages).contents(content_id);
    p.resources().x_objects().pair(Name(b"Map"), drawing);
    p.finish();
    // The drawing is a one-point square (as svg2pdf makes it) stretched over the page.
    let mut content = Content::new();
    content.transform([w, 0.0, 0.0, h, 0.0, 0.0]).x_object(Name(b"Map"));
    pdf.stream(content_id, &content.finish());
    let mut doc = pdf.document_info(info);
    if !page.meta.title.trim().is_empty() {
        doc.title(TextStr(&page.meta.title));
    }
    if !page.meta.subtitle.trim().is_empty() {
        doc.subject(TextStr(&page.meta.subtitle));
    }
    doc.creator(TextStr(concat!("Portolan ", env!("CARGO_PKG_VERSION"))));
    doc.finish();
    pdf.extend(&chunk);
    Ok(pdf.finish())
}

/// The bundled fonts, loaded once: the only fonts the PDF uses, so it looks the same made on
/// any machine.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        for font in [NOTO_SANS, NOTO_SANS_BOLD, NOTO_MATH, NOTO_HANGUL] {
            db.load_font_data(font.to_vec());
        }
        db.set_sans_serif_family(FAMILY);
        Arc::new(db)
    })
    .clone()
}

