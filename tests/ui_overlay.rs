//! Image overlays in the window: a KMZ's ground and screen overlays drawn on the map, listed
//! in the layers panel, and switched off there (egui_kittest, the real UI).

use std::io::{Cursor, Write};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use portolan::ui::{Options, PortolanApp};

#[path = "common/ui.rs"]
mod ui_support;
use ui_support::click_in_layers;

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([200, 30, 30, 255]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

const DOC: &str = r#"<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Yard</name>
  <Placemark><name>Depot</name><Point><coordinates>40.1,45.8</coordinates></Point></Placemark>
  <GroundOverlay><name>Depot crop</name><Icon><href>crop.png</href></Icon>
    <LatLonBox><north>45.9</north><south>45.7</south><east>40.3</east><west>39.9</west></LatLonBox></GroundOverlay>
  <ScreenOverlay><name>Logo</name><Icon><href>crop.png</href></Icon>
    <overlayXY x="1" y="0" xunits="fraction" yunits="fraction"/><screenXY x="1" y="0" xunits="fraction" yunits="fraction"/></ScreenOverlay>
  <GroundOverlay><name>Far away</name><Icon><href>crop.png</href></Icon>
    <LatLonBox><north>-30</north><south>-31</south><east>-60</east><west>-61</west></LatLonBox></GroundOverlay>
</Document></kml>"#;

#[test]
fn overlays_are_drawn_listed_and_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("yard.kmz");
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("doc.kml", options).unwrap();
    zip.write_all(DOC.as_bytes()).unwrap();
    zip.start_file("crop.png", options).unwrap();
    zip.write_all(&png(32, 16)).unwrap();
    std::fs::write(&path, zip.finish().unwrap().into_inner()).unwrap();

    let mut h = Harness::builder().with_size(egui::vec2(1200.0, 800.0)).build_eframe(move |cc| {
        let options = Options { files: vec![path], view: Some((40.1, 45.8, 9.0)), ..Options::default() };
        PortolanApp::new(&cc.egui_ctx, options, None, None)
    });
    h.run_steps(5);
    // The crop in view and the logo in its corner; the one in South America is culled.
    assert_eq!(h.state().map.overlays_drawn, 2);
    assert_eq!(h.state().map.overlay_textures.len(), 1, "one picture, one texture");

    click_in_layers(&mut h, "Depot crop");
    h.run_steps(3);
    assert_eq!(h.state().map.overlays_drawn, 1, "the crop switched off, the logo still drawn");
    h.get_by_label("Logo").click();
    h.run_steps(3);
    assert_eq!(h.state().map.overlays_drawn, 0);
    h.get_by_label("Depot crop").click();
    h.run_steps(3);
    assert_eq!(h.state().map.overlays_drawn, 1);
}
