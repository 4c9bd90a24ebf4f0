//! PNG encoding with the resolution written in (`pHYs`), the colour space declared (`sRGB`) and
//! the page's texts as metadata (`iTXt`: Title, Description, Source, Author, Comment, Software).
//!
//! tiny-skia's own `encode_png` writes neither `pHYs` nor text, so this uses the `png` crate
//! directly (the one tiny-skia and `image` use). The page is opaque, so it is written as 8-bit
//! RGB, row by row from the premultiplied pixmap (premultiplied equals straight when opaque).
//! Compression is the `png` crate's fastest: the Up filter on every row and `fdeflate`. A 1x
//! page takes about 5 ms of encoding (100 ms with zlib's default), for a file about 15 % bigger
//! than with filters chosen per row (which took twice as long) and a half bigger than zlib's:
//! a large file's export is due in a fraction of a second (see `benches/large_data.rs`), and a
//! desk recompresses for the web anyway.

use std::io::Write;

use super::ExportError;
use super::layout::Meta;

/// Pixels per metre for a resolution in dots per inch (300 dpi → 11 811).
pub fn pixels_per_metre(dpi: f32) -> u32 {
    (f64::from(dpi) / 0.0254).round() as u32
}

/// Encodes an opaque pixmap as an RGB PNG at `dpi`, with the page's texts.
pub fn encode(pixmap: &tiny_skia::Pixmap, dpi: f32, meta: &Meta) -> Result<Vec<u8>, ExportError> {
    let mut png = Vec::new();
    encode_rows(&mut png, [pixmap.width(), pixmap.height()], dpi, meta, |rows| rows(pixmap.data()))?;
    Ok(png)
}

/// Encodes an opaque picture of `size` pixels as an RGB PNG at `dpi`, with the page's texts,
/// into `out`, from its rows as `paint` hands them over (premultiplied RGBA, whole rows, top
/// to bottom, in as many calls as it likes): the encoder works while the rest of the page is
/// painted.
pub fn encode_rows<T>(
    out: &mut dyn Write,
    size: [u32; 2],
    dpi: f32,
    meta: &Meta,
    paint: impl FnOnce(&mut dyn FnMut(&[u8]) -> Result<(), ExportError>) -> Result<T, ExportError>,
) -> Result<T, ExportError> {
    let err = |e: png::EncodingError| ExportError::Encode(format!("PNG: {e}"));
    let [w, h] = size;
    let mut enc = png::Encoder::new(out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let ppm = pixels_per_metre(dpi);
    enc.set_pixel_dims(Some(png::PixelDimensions { xppu: ppm, yppu: ppm, unit: png::Unit::Meter }));
    enc.set_source_srgb(png::SrgbRenderingIntent::Perceptual);
    enc.set_compression(png::Compression::Fastest);
    let basemap = if meta.attribution.is_empty() { String::new() } else { format!("Basemap: {}", meta.attribution.join("; ")) };
    let texts = [
        ("Title", meta.title.as_str()),
        ("Description", meta.subtitle.as_str()),
        ("Source", meta.source.as_str()),
        ("Author", meta.credit.as_str()),
        ("Comment", &basemap),
        ("Software", &format!("Portolan {}", env!("CARGO_PKG_VERSION"))),
    ];
    for (key, value) in texts {
        if !value.is_empty() {
            enc.add_itxt_chunk(key.to_owned(), value.to_owned()).map_err(err)?;
        }
    }
    let mut writer = enc.write_header().map_err(err)?;
    let mut stream = writer.stream_writer().map_err(err)?;
    let mut row = vec![0u8; w as usize * 3];
    let painted = paint(&mut |rgba: &[u8]| {
        for src in rgba.chunks_exact(w as usize * 4) {
            for (dst, px) in row.chunks_exact_mut(3).zip(src.chunks_exact(4)) {
                dst.copy_from_slice(&px[..3]);
            }
            stream.write_all(&row).map_err(|e| ExportError::Encode(format!("PNG: {e}")))?;
        }
        Ok(())
    })?;
    stream.finish().map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(painted)
}

/// The resolution a PNG declares, in pixels per metre (x, y), if it has a `pHYs` chunk in
/// metres. For tests and for checking files.
pub fn read_pixels_per_metre(bytes: &[u8]) -> Option<(u32, u32)> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().ok()?;
    let dims = reader.info().pixel_dims?;
    (dims.unit == png::Unit::Meter).then_some((dims.xppu, dims.yppu))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpi_round_trips_through_phys() {
        assert_eq!(pixels_per_metre(300.0), 11811);
        assert_eq!(pixels_per_metre(72.0), 2835);
        let mut p = tiny_skia::Pixmap::new(3, 2).unwrap();
        p.fill(tiny_skia::Color::WHITE);
        let meta = Meta { title: "Ünïcode <title> & \"quotes\"".into(), ..Meta::default() };
        let bytes = encode(&p, 300.0, &meta).unwrap();
        assert_eq!(read_pixels_per_metre(&bytes), Some((11811, 11811)));
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (3, 2));
    }
}
