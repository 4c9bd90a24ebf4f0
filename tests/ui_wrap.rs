//! The map window across the antimeridian, driven through its real UI (egui_kittest): panning
//! east from 170° E past 180° keeps drawing tiles and features, a feature at 175° W can be
//! clicked, a route cut at ±180° is one continuous line, and coordinates read −180..180.

use std::path::PathBuf;

use egui::{Pos2, Shape};
use egui_kittest::Harness;
use portolan::model::FeatureRef;
use portolan::ui::{Options, PortolanApp};

#[path = "common/ui.rs"]
mod ui_support;
use ui_support::{drag, frames_until, hover_then_click as click_at};

fn pacific() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pacific-antimeridian.geojson")
}

fn app(view: (f64, f64, f64)) -> Harness<'static, PortolanApp> {
    let options = Options { files: vec![pacific()], view: Some(view), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1200.0, 800.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    frames_until(&mut h, |a| a.loading.is_empty() && !a.doc.layers.is_empty());
    h.run_steps(3);
    h
}

fn feature(h: &Harness<'_, PortolanApp>, name: &str) -> FeatureRef {
    let layer = &h.state().doc.layers[0].layer;
    let i = layer.features.iter().position(|f| f.name() == Some(name)).unwrap();
    FeatureRef { layer: 0, feature: i }
}

fn shapes(h: &Harness<'_, PortolanApp>) -> Vec<Shape> {
    h.output().shapes.iter().map(|c| c.shape.clone()).collect()
}

/// The screen rectangles of the tile pictures drawn (textured meshes other than text).
fn tiles_drawn(h: &Harness<'_, PortolanApp>) -> Vec<egui::Rect> {
    shapes(h)
        .into_iter()
        .filter_map(|s| match s {
            Shape::Mesh(m) if m.texture_id != egui::TextureId::default() && m.vertices.len() >= 4 => {
                Some(egui::Rect::from_points(&m.vertices.iter().map(|v| v.pos).collect::<Vec<_>>()))
            }
            _ => None,
        })
        .collect()
}

/// The polylines drawn (lines of the layers).
fn paths(h: &Harness<'_, PortolanApp>) -> Vec<Vec<Pos2>> {
    shapes(h)
        .into_iter()
        .filter_map(|s| match s {
            Shape::Path(p) if !p.closed && p.points.len() >= 2 => Some(p.points),
            _ => None,
        })
        .collect()
}

#[test]
fn panning_east_past_180_draws_tiles_and_features_there_and_a_click_selects_one() {
    let mut h = app((170.0, 55.0, 5.0));
    let map = h.state().map.rect.unwrap();
    // Drag the map 700 px to the left: the view moves east past the antimeridian.
    let y = map.center().y;
    drag(&mut h, Pos2::new(map.right() - 150.0, y), Pos2::new(map.right() - 850.0, y));
    frames_until(&mut h, |a| a.map.pending_tiles() == 0 && !a.map.memory.animating());
    h.run_steps(2);
    // 700 px at zoom 5 is 30.8°: the centre is at 159.2° W, east of 180° and kept in
    // −180..180.
    let centre = h.state().map.memory.detached().unwrap();
    assert!((-162.0..-156.0).contains(&centre.x()), "centre {centre:?}");
    let (lon, _) = h.state().map.lonlat_at(map.center()).unwrap();
    assert!((-162.0..-156.0).contains(&lon), "{lon}");
    // 180° is on screen, left of the middle; tiles fill both sides of it.
    let seam = h.state().map.screen_from_lonlat(180.0, 55.0).unwrap();
    assert!(seam.x > map.left() + 50.0 && seam.x < map.center().x, "seam at {seam:?}");
    let tiles = tiles_drawn(&h);
    let west: f32 = tiles.iter().filter(|r| r.max.x <= seam.x + 1.0).map(|r| r.intersect(map).area()).sum();
    let east: f32 = tiles.iter().filter(|r| r.min.x >= seam.x - 1.0).map(|r| r.intersect(map).area()).sum();
    let (west_want, east_want) = ((seam.x - map.left()) * map.height(), (map.right() - seam.x) * map.height());
    assert!(west >= 0.8 * west_want && east >= 0.99 * east_want, "tiles cover {west}/{west_want} west and {east}/{east_want} east of 180°");
    // The point at 175° W is drawn east of the seam, and a click on it selects it.
    let buoy = h.state().map.screen_from_lonlat(-175.0, 57.0).unwrap();
    assert!(buoy.x > seam.x && map.contains(buoy), "{buoy:?}");
    let marker = shapes(&h).into_iter().any(|s| matches!(s, Shape::Circle(c) if c.center.distance(buoy) < 1.5));
    assert!(marker, "a marker at 175° W");
    // The status bar's coordinates there read 175° W, not 185° E.
    h.hover_at(buoy);
    h.run_steps(2);
    let (lon, _) = h.state().map.pointer_lonlat.unwrap();
    assert!((lon + 175.0).abs() < 0.2, "{lon}");
    click_at(&mut h, buoy);
    assert_eq!(h.state().doc.selection.current(), Some(&portolan::document::selection::Selection::Feature(feature(&h, "Buoy 175W"))));
}

#[test]
fn a_route_cut_at_180_is_one_continuous_line_and_a_jumping_track_crosses_the_short_way() {
    // --view accepts 180 and beyond: 181 is 179° W.
    let mut h = app((181.0, 54.0, 5.0));
    frames_until(&mut h, |a| a.map.pending_tiles() == 0);
    let map = h.state().map.rect.unwrap();
    let seam = h.state().map.screen_from_lonlat(180.0, 54.5).unwrap();
    assert!(map.contains(seam));
    let paths = paths(&h);
    // One part of the cut route ends at the seam where the other begins.
    let ends_at_seam = paths.iter().any(|p| p.last().unwrap().distance(seam) < 1.0 && p.first().unwrap().x < seam.x);
    let starts_at_seam = paths.iter().any(|p| p.first().unwrap().distance(seam) < 1.0 && p.last().unwrap().x > seam.x);
    assert!(ends_at_seam && starts_at_seam, "the two parts meet at 180°: {paths:?}");
    // The track from 175° E to 178° W runs across the seam, not back round the world: no
    // segment of any line is longer than the window.
    let naive_at_seam = h.state().map.screen_from_lonlat(180.0, 49.0 + 0.5 * 5.0 / 7.0).unwrap();
    let crosses = paths.iter().any(|p| p.windows(2).any(|w| w[0].x < naive_at_seam.x && w[1].x > naive_at_seam.x && (w[0].y - naive_at_seam.y).abs() < 30.0));
    assert!(crosses, "the track crosses 180° on screen");
    let longest = paths.iter().flat_map(|p| p.windows(2).map(|w| w[0].distance(w[1]))).fold(0.0, f32::max);
    assert!(longest < map.width(), "a segment {longest} px long");
    // A click on the track just east of the seam selects it.
    let on_track = h.state().map.screen_from_lonlat(-179.0, 49.0 + 0.5 * 6.0 / 7.0).unwrap();
    click_at(&mut h, on_track);
    assert_eq!(h.state().doc.selection.current(), Some(&portolan::document::selection::Selection::Feature(feature(&h, "Naive track"))));
}

#[test]
fn fit_to_data_across_180_shows_both_sides() {
    // Opened with no view: the window fits the data the short way, across 180°.
    let options = Options { files: vec![pacific()], ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1200.0, 800.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    frames_until(&mut h, |a| a.loading.is_empty() && !a.doc.layers.is_empty() && !a.map.fit_pending);
    h.run_steps(5);
    let map = h.state().map.rect.unwrap();
    for (lon, lat) in [(158.65, 53.02), (-149.9, 61.22)] {
        let p = h.state().map.screen_from_lonlat(lon, lat).unwrap();
        assert!(map.contains(p), "{lon},{lat} at {p:?}");
    }
    // Zoomed in on the Bering Sea, not out to the whole world.
    assert!(h.state().map.memory.zoom() > 3.0, "zoom {}", h.state().map.memory.zoom());
}
