//! The antimeridian: data on both sides of 180° (cut there as RFC 7946 asks, written past 180°,
//! or jumping from 179° E to 179° W) are drawn whole and continuous, found by the index and
//! the hit test from either side, fitted the short way round, and exported in place when the
//! page's box straddles 180°.

use std::path::Path;

use portolan::export::{self, ExportLayer, ExportSpec, Extent};
use portolan::index::LayerIndex;
use portolan::model::Layer;
use portolan::projection::world_from_lonlat;

fn pacific() -> Layer {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pacific-antimeridian.geojson");
    portolan::io::read_path(&path).unwrap().layer
}

fn layer(geojson: &str) -> Layer {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.geojson");
    std::fs::write(&path, geojson).unwrap();
    portolan::io::read_path(&path).unwrap().layer
}

fn feature(layer: &Layer, name: &str) -> usize {
    layer.features.iter().position(|f| f.name() == Some(name)).unwrap_or_else(|| panic!("no feature {name}"))
}

/// The Bering Sea page: 160° E to 150° W.
const BERING: [f64; 4] = [160.0, 40.0, -150.0, 65.0];

fn page_png(layers: &[&Layer], bbox: [f64; 4]) -> (image::RgbImage, export::layout::Page) {
    let mut s = ExportSpec::new(layers.iter().map(|layer| ExportLayer { layer, opacity: 1.0 }).collect());
    s.size = [1280, 720];
    s.title = Some("Bering Sea".into());
    s.extent = Extent::BBox(bbox);
    let page = export::layout(&s).unwrap();
    let done = export::export(&s).unwrap();
    (image::load_from_memory(&done.bytes).unwrap().to_rgb8(), page)
}

/// Page pixel of a place, its longitude taken in the copy of the world the page shows.
fn on_page(page: &export::layout::Page, lon: f64, lat: f64) -> (u32, u32) {
    let (cx, _) = portolan::export::layout::centre_lonlat(page);
    let lon = portolan::projection::unwrap_lon(lon, cx);
    let [x, y] = page.transform.screen_from_lonlat(lon, lat);
    ((page.frame.x + x).round() as u32, (page.frame.y + y).round() as u32)
}

/// Largest colour difference between two pictures within 2 pixels of a point.
fn ink(a: &image::RgbImage, b: &image::RgbImage, (x, y): (u32, u32)) -> u8 {
    let mut most = 0;
    for py in y.saturating_sub(2)..=y + 2 {
        for px in x.saturating_sub(2)..=x + 2 {
            let (p, q) = (a.get_pixel(px, py), b.get_pixel(px, py));
            most = most.max((0..3).map(|c| p[c].abs_diff(q[c])).max().unwrap_or(0));
        }
    }
    most
}

#[test]
fn a_page_across_180_draws_every_feature_in_place_on_both_sides() {
    let data = pacific();
    let empty = layer(r#"{"type":"FeatureCollection","features":[]}"#);
    let (with, page) = page_png(&[&data], BERING);
    let (without, _) = page_png(&[&empty], BERING);
    // The box straddles 180°: its middle is at 175° W, and 180° is inside the frame.
    let (cx, _) = portolan::export::layout::centre_lonlat(&page);
    assert!((cx - 185.0).abs() < 0.5 || (cx + 175.0).abs() < 0.5, "centre {cx}");
    let (seam_x, _) = on_page(&page, 180.0, 50.0);
    assert!(seam_x > page.frame.x as u32 + 100 && seam_x < (page.frame.x + page.frame.w) as u32 - 100, "seam at {seam_x}");
    let drawn = |lon: f64, lat: f64| ink(&with, &without, on_page(&page, lon, lat));
    // The point at 175° W, east of the seam.
    assert!(drawn(-175.0, 57.0) > 60, "the buoy at 175° W");
    // The route cut at ±180° (RFC 7946), just west and just east of the cut.
    assert!(drawn(179.0, 54.4) > 60, "cut route west of 180°");
    assert!(drawn(-179.0, 54.6) > 60, "cut route east of 180°");
    // The track written from 175° E to 178° W crosses 180° the short way.
    assert!(drawn(180.0, 49.0 + 0.5 * 5.0 / 7.0) > 60, "naive track at 180°");
    // The line written with longitudes past 180° (185°, 195°).
    assert!(drawn(190.0, 61.5) > 60, "uncut line at 190°");
    // The area cut at 180°: filled on both sides.
    assert!(drawn(179.0, 45.0) > 60 && drawn(-179.0, 45.0) > 60, "cut area");
    // And the basemap: Attu Island's sea and the Alaska Peninsula's land both drawn (the
    // page is not the grey of nothing east of 180°).
    let (ax, ay) = on_page(&page, -150.0, 61.0);
    let land = without.get_pixel(ax.min(with.width() - 1), ay);
    let (sx, sy) = on_page(&page, -170.0, 50.0);
    let sea = without.get_pixel(sx, sy);
    assert_ne!(land, sea, "land and sea east of 180°");
}

#[test]
fn a_route_cut_at_180_looks_like_the_same_route_written_past_180() {
    let cut = layer(
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"r"},"geometry":{"type":"MultiLineString","coordinates":
        [[[160,52],[170,53.5],[180,54.5]],[[-180,54.5],[-170,55.5],[-160,57]]]}}]}"#,
    );
    let whole = layer(
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"r"},"geometry":{"type":"LineString","coordinates":
        [[160,52],[170,53.5],[180,54.5],[190,55.5],[200,57]]}}]}"#,
    );
    let (a, _) = page_png(&[&cut], BERING);
    let (b, _) = page_png(&[&whole], BERING);
    let differing = a.pixels().zip(b.pixels()).filter(|(p, q)| (0..3).any(|c| p[c].abs_diff(q[c]) > 40)).count();
    // Only the join at 180° may differ by a few antialiased pixels.
    assert!(differing < 20, "{differing} pixels differ");
}

#[test]
fn the_extent_takes_the_short_way_round_and_the_index_finds_features_from_either_side() {
    let data = pacific();
    let e = data.extent().unwrap();
    // From Kamchatka (158.65° E) east to 150° W (210°), not round the world.
    assert!((e.min().x - 158.65).abs() < 1e-9 && (e.max().x - 210.1).abs() < 1e-9, "{e:?}");
    let index = LayerIndex::build(&data);
    let naive = feature(&data, "Naive track");
    let tolerance = 1e-4;
    for lon in [179.5, -179.5, 180.5] {
        // Where the track is at that longitude, on its segment from 175° E to 178° W.
        let t = (portolan::projection::unwrap_lon(lon, 180.0) - 175.0) / 7.0;
        let (x, y) = world_from_lonlat(lon, 49.0 + 0.5 * t);
        for k in [-1.0, 0.0, 1.0] {
            let hit = index.hit(&data, [x + k, y], tolerance).map(|h| h.feature);
            assert_eq!(hit, Some(naive), "at {lon}° in copy {k}");
        }
    }
    // The point at 175° W is hit in a view past the antimeridian (world x beyond 1).
    let buoy = feature(&data, "Buoy 175W");
    let (x, y) = world_from_lonlat(185.0, 57.0);
    assert_eq!(index.hit(&data, [x, y], tolerance).map(|h| h.feature), Some(buoy));
    // A view across 180° finds the features on both sides.
    let view = portolan::projection::WorldRect::from_corners([world_from_lonlat(178.0, 0.0).0, 0.2], [world_from_lonlat(182.0, 0.0).0, 0.4]);
    let found = index.features_in(&view);
    assert!(found.contains(&naive) && found.contains(&feature(&data, "Uncut 0-360")), "{found:?}");
}

#[test]
fn view_and_bbox_past_180_are_taken_as_the_same_places() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.png");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pacific-antimeridian.geojson");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_portolan")).arg("export").arg(&data).args(args).arg("--out").arg(&out).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        image::open(&out).unwrap().to_rgb8()
    };
    let west_gt_east = run(&["--bbox", "160,40,-150,65", "--size", "800x500"]);
    let past_180 = run(&["--bbox", "160,40,210,65", "--size", "800x500"]);
    assert!(west_gt_east == past_180, "the same box written two ways draws the same page");
}
