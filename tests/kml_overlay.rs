//! KML GroundOverlay and ScreenOverlay: read from KMZ files and local folders, drawn by the
//! scene's meshes, written back. Fixtures (pictures, archives) are made here.

use std::io::{Cursor, Write};
use std::path::Path;

use portolan::io::{self, Severity};
use portolan::model::overlay::{Placement, Units};

/// A `w × h` PNG, red on the left half and blue on the right, half transparent at the top row.
fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        let a = if y == 0 { 128 } else { 255 };
        if x < w / 2 { image::Rgba([255, 0, 0, a]) } else { image::Rgba([0, 0, 255, a]) }
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

fn kmz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const DOC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">
<Document>
  <name>Tumen crossing</name>
  <Placemark><name>Bridge</name><Point><coordinates>130.64,42.43</coordinates></Point></Placemark>
  <Folder>
    <name>Imagery</name>
    <GroundOverlay>
      <name>Rail yard <b>2023-09-28</b></name>
      <description><![CDATA[<p>Crop of a <b>Sentinel-2</b> scene</p>]]></description>
      <color>80ffffff</color>
      <drawOrder>2</drawOrder>
      <Icon><href>files/yard.png</href></Icon>
      <LatLonBox><north>42.5</north><south>42.4</south><east>130.7</east><west>130.5</west><rotation>10</rotation></LatLonBox>
    </GroundOverlay>
  </Folder>
  <GroundOverlay>
    <name>Skewed chart</name>
    <Icon><href>chart.png</href></Icon>
    <gx:LatLonQuad><coordinates>130.0,42.0 131.0,42.1 131.1,43.0 129.9,42.9</coordinates></gx:LatLonQuad>
  </GroundOverlay>
  <ScreenOverlay>
    <name>Legend</name>
    <Icon><href>files/legend.png</href></Icon>
    <overlayXY x="0" y="1" xunits="fraction" yunits="fraction"/>
    <screenXY x="10" y="10" xunits="pixels" yunits="insetPixels"/>
    <size x="0" y="0" xunits="fraction" yunits="fraction"/>
  </ScreenOverlay>
  <GroundOverlay>
    <name>Remote</name>
    <Icon><href>https://example.org/tile.png</href></Icon>
    <LatLonBox><north>1</north><south>0</south><east>1</east><west>0</west></LatLonBox>
  </GroundOverlay>
</Document>
</kml>"#;

fn sample_kmz() -> Vec<u8> {
    kmz(&[("doc.kml", DOC.as_bytes()), ("files/yard.png", &png(64, 32)), ("files/legend.png", &png(20, 10))])
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn kmz_overlays_are_read_with_their_pictures_and_places() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "crossing.kmz", &sample_kmz());
    write(dir.path(), "chart.png", &png(40, 40));
    let loaded = io::read_path(&path).unwrap();
    let layer = &loaded.layer;
    assert_eq!(layer.features.len(), 1, "the placemark loads beside the overlays");
    assert_eq!(layer.overlays.len(), 4, "{:#?}", loaded.diagnostics);

    let yard = &layer.overlays[0];
    assert_eq!(yard.name, "Rail yard <b>2023-09-28</b>");
    assert!(yard.description.as_deref().unwrap().contains("Sentinel-2"));
    assert_eq!(yard.folder.as_deref(), Some("Imagery"));
    assert!((yard.opacity - 0.5).abs() < 0.01);
    assert_eq!(yard.draw_order, 2);
    assert_eq!(yard.placement, Placement::Box { north: 42.5, south: 42.4, east: 130.7, west: 130.5, rotation: 10.0 });
    let image = yard.image.as_ref().expect("the picture inside the archive");
    assert_eq!((image.width, image.height), (64, 32));
    assert_eq!(&image.rgba[..4], &[255, 0, 0, 128]);

    // The picture beside the KMZ on disk, when the archive lacks it.
    let chart = &layer.overlays[1];
    assert!(matches!(chart.placement, Placement::Quad(q) if q[2].x == 131.1 && q[2].y == 43.0));
    assert_eq!(chart.image.as_ref().map(|i| i.width), Some(40));

    let legend = &layer.overlays[2];
    assert!(legend.is_screen());
    let Placement::Screen { screen_xy, .. } = legend.placement else { panic!() };
    assert_eq!((screen_xy.x_units, screen_xy.y_units), (Units::Pixels, Units::InsetPixels));

    // Online pictures are not fetched while online access is off: listed, not drawn, said.
    let remote = &layer.overlays[3];
    assert!(remote.image.is_none());
    let warning = loaded.diagnostics.iter().find(|d| d.message.contains("Remote")).expect("a warning names it");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(warning.message.contains("online access is off"), "{}", warning.message);
    assert!(loaded.diagnostics.iter().any(|d| d.message.contains("--online")));

    // The view fits the placed overlays too.
    let extent = layer.extent().unwrap();
    assert!(extent.min().x <= 129.9 && extent.max().y >= 43.0, "{extent:?}");
}

#[test]
fn kml_beside_its_pictures_and_missing_pictures() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("files")).unwrap();
    write(&dir.path().join("files"), "yard.png", &png(8, 8));
    write(dir.path(), "chart.png", b"not a picture at all");
    let path = write(dir.path(), "crossing.kml", DOC.as_bytes());
    let loaded = io::read_path(&path).unwrap();
    let o = &loaded.layer.overlays;
    assert_eq!(o.len(), 4);
    assert!(o[0].image.is_some(), "relative to the KML's folder");
    assert!(o[1].image.is_none());
    assert!(o[2].image.is_none(), "files/legend.png does not exist");
    let messages: Vec<&str> = loaded.diagnostics.iter().filter(|d| d.severity == Severity::Warning).map(|d| d.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("Skewed chart") && m.contains("not a PNG or JPEG")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("Legend") && m.contains("cannot be opened")), "{messages:?}");
    // Each warning is placed at its overlay's line.
    let legend = loaded.diagnostics.iter().find(|d| d.message.contains("Legend")).unwrap();
    assert!(legend.to_string().contains("line 22"), "{legend}");
}

#[test]
fn broken_overlays_are_named_and_the_rest_loads() {
    let text = r#"<kml><Document>
      <GroundOverlay><name>No box</name><Icon><href>a.png</href></Icon></GroundOverlay>
      <GroundOverlay><name>Flat</name><LatLonBox><north>1</north><south>1</south><east>2</east><west>1</west></LatLonBox></GroundOverlay>
      <GroundOverlay><name>Three corners</name><gx:LatLonQuad><coordinates>0,0 1,0 1,1</coordinates></gx:LatLonQuad></GroundOverlay>
      <GroundOverlay><name>Fine</name><LatLonBox><north>1</north><south>0</south><east>2</east><west>1</west></LatLonBox></GroundOverlay>
    </Document></kml>"#;
    let loaded = io::kml::read_str(text).unwrap();
    assert_eq!(loaded.layer.overlays.len(), 1);
    assert_eq!(loaded.layer.overlays[0].name, "Fine");
    let errors: Vec<String> = loaded.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.message.clone()).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("No box") && errors[0].contains("neither a LatLonBox"));
    assert!(errors[1].contains("spans no latitudes"));
    assert!(errors[2].contains("3 corners"));
    // Fine has no picture link: listed, not drawn.
    assert!(loaded.diagnostics.iter().any(|d| d.message.contains("links no picture")));
}

#[test]
fn hostile_pictures_are_refused() {
    // A PNG header claiming 100000 × 100000 pixels: refused before any pixel is decoded.
    let mut huge = png(4, 4);
    huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    let e = io::kml::decode_picture(huge.into()).unwrap_err();
    assert!(e.contains("100000×100000"), "{e}");
    // Truncated.
    let cut = png(64, 64)[..60].to_vec();
    assert!(io::kml::decode_picture(cut.into()).is_err());
    // Larger than the stored side: scaled down, the original size kept.
    let big = io::kml::decode_picture(png(9000, 10).into()).unwrap();
    assert_eq!(big.width, io::kml::STORED_SIDE);
    assert_eq!(big.original_size, Some([9000, 10]));
}

#[test]
fn kmz_round_trip_keeps_overlays_and_their_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "crossing.kmz", &sample_kmz());
    let layer = io::read_path(&path).unwrap().layer;
    let out = dir.path().join("again.kmz");
    io::kml::save_kmz(&out, &layer).unwrap();
    // Read from another folder, so nothing beside the file can stand in.
    let other = tempfile::tempdir().unwrap();
    let moved = other.path().join("again.kmz");
    std::fs::rename(&out, &moved).unwrap();
    let again = io::read_path(&moved).unwrap().layer;
    assert_eq!(again.overlays.len(), 4);
    for (a, b) in layer.overlays.iter().zip(&again.overlays) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.placement, b.placement);
        assert!((a.opacity - b.opacity).abs() < 0.01);
        assert_eq!(a.draw_order, b.draw_order);
        assert_eq!(a.image.as_ref().map(|i| (&i.rgba, i.width)), b.image.as_ref().map(|i| (&i.rgba, i.width)), "{}", a.name);
    }
    // KML text keeps the links as written.
    let text = io::kml::to_string(&layer);
    assert!(text.contains("<href>files/yard.png</href>") && text.contains("<gx:LatLonQuad>") && text.contains("<ScreenOverlay>"));
    assert!(io::kml::read_str(&text).unwrap().layer.overlays.len() == 4);
}

#[test]
fn overlays_switch_off_and_on_in_the_scene_order() {
    use portolan::scene::overlay::in_paint_order;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "crossing.kmz", &sample_kmz());
    write(dir.path(), "chart.png", &png(40, 40));
    let layer = io::read_path(&path).unwrap().layer;
    let none = |_: usize| false;
    let order: Vec<usize> = in_paint_order(&layer.overlays, &none).iter().map(|(i, _)| *i).collect();
    // drawOrder 2 goes last; the remote one has no picture.
    assert_eq!(order, vec![1, 2, 0]);
    let hide_chart = |i: usize| i == 1;
    let order: Vec<usize> = in_paint_order(&layer.overlays, &hide_chart).iter().map(|(i, _)| *i).collect();
    assert_eq!(order, vec![2, 0]);
}

#[test]
fn exports_draw_overlays_where_the_window_does() {
    use portolan::export::{self, ExportLayer, ExportSpec, Extent, Format};
    let dir = tempfile::tempdir().unwrap();
    // A solid red picture over a box near Rajin, and a solid picture pinned bottom-left.
    let red = {
        let img = image::RgbaImage::from_pixel(16, 16, image::Rgba([255, 0, 0, 255]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    };
    let doc = r#"<kml><Document>
      <GroundOverlay><name>Red</name><Icon><href>red.png</href></Icon>
        <LatLonBox><north>42.4</north><south>42.2</south><east>130.4</east><west>130.2</west></LatLonBox></GroundOverlay>
      <ScreenOverlay><name>Pin</name><Icon><href>red.png</href></Icon>
        <overlayXY x="0" y="0" xunits="fraction" yunits="fraction"/><screenXY x="0" y="0" xunits="fraction" yunits="fraction"/>
        <size x="40" y="40" xunits="pixels" yunits="pixels"/></ScreenOverlay>
    </Document></kml>"#;
    let path = write(dir.path(), "red.kmz", &kmz(&[("doc.kml", doc.as_bytes()), ("red.png", &red)]));
    let layer = io::read_path(&path).unwrap().layer;
    let mut spec = ExportSpec::new(vec![ExportLayer { layer: &layer, opacity: 1.0 }]);
    spec.extent = Extent::BBox([129.8, 42.0, 130.8, 42.6]);
    spec.size = [800, 600];
    spec.legend = false;
    spec.locator = false;
    let page = export::layout(&spec).unwrap();
    assert_eq!(page.overlays.len(), 2);
    let png = export::export(&spec).unwrap().bytes;
    if let Ok(out) = std::env::var("OVERLAY_PNG") {
        std::fs::write(out, &png).unwrap();
    }
    let img = image::load_from_memory(&png).unwrap().to_rgba8();
    let t = &page.transform;
    let at = |lon: f64, lat: f64| {
        let p = t.screen_from_lonlat(lon, lat);
        *img.get_pixel((page.frame.x + p[0]) as u32, (page.frame.y + p[1]) as u32)
    };
    assert_eq!(at(130.3, 42.3).0[..3], [255, 0, 0], "inside the box");
    assert_ne!(at(130.5, 42.3).0[..3], [255, 0, 0], "east of the box");
    // The pinned picture: 40 pixels square in the frame's lower-left corner (under the
    // scale bar's plate, which starts a few pixels in).
    let corner = *img.get_pixel((page.frame.x + 3.0) as u32, (page.frame.y + page.frame.h - 20.0) as u32);
    assert_eq!(corner.0[..3], [255, 0, 0]);

    // Switched off, it is not on the page.
    spec.hidden_overlays = vec![[0, 0]];
    assert_eq!(export::layout(&spec).unwrap().overlays.len(), 1);

    // The SVG carries both as pictures in their own groups.
    spec.hidden_overlays.clear();
    spec.format = Format::Svg;
    let svg = String::from_utf8(export::export(&spec).unwrap().bytes).unwrap();
    assert!(svg.contains(r#"inkscape:label="Image overlays""#) && svg.contains(r#"inkscape:label="Screen overlays""#));
}
