//! The side panel, search, timeline, measure tool, layers and file opening, driven through the
//! real UI with egui_kittest.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::Event;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use portolan::model::FeatureRef;
use portolan::model::time::DateRange;
use portolan::document::selection::Selection;
use portolan::ui::{Options, PortolanApp};

#[path = "common/ui.rs"]
mod ui_support;
use ui_support::{click_at};

fn app_with(options: Options, storage: Option<MemoryStorage>) -> Harness<'static, PortolanApp> {
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| {
        PortolanApp::new(&cc.egui_ctx, options, None, storage.as_ref().map(|s| s as &dyn eframe::Storage))
    });
    h.run_steps(3);
    h
}

fn app(view: Option<(f64, f64, f64)>) -> Harness<'static, PortolanApp> {
    app_with(Options { view, ..Options::default() }, None)
}

/// File → Export map…, as a user opens it.
fn open_export_dialog(h: &mut Harness<'static, PortolanApp>) {
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Export map…").click();
    h.run_steps(3);
}

/// Clicks into the search box and types, as a user does.
fn type_search(h: &mut Harness<'_, PortolanApp>, text: &str) {
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Search").click();
    h.run_steps(2);
    h.event(Event::Text(text.to_owned()));
    h.run_steps(2);
}

fn feature(h: &Harness<'_, PortolanApp>, key: &str) -> FeatureRef {
    portolan::document::selection::feature_ref(&h.state().doc.layers, 0, key).unwrap()
}

fn select_dunai(h: &mut Harness<'_, PortolanApp>) {
    let p = h.state().map.screen_from_lonlat(132.368, 42.893).unwrap();
    click_at(h, p);
    assert_eq!(h.state().selected_key().as_deref(), Some("site_dunai_port"));
}

#[test]
fn selecting_dunai_shows_names_events_imagery_and_sources() {
    let mut h = app(Some((132.3, 42.95, 11.0)));
    select_dunai(&mut h);
    h.get_by_label("Dunai (Dunay) naval port facility");
    h.get_by_label_contains("± 1500 m");
    // Events with their dates, oldest first.
    assert!(h.query_all_by_label_contains("2023-09-12").next().is_some());
    assert!(h.query_all_by_label_contains("Angara").next().is_some());
    // Image dates with the provider.
    h.get_by_label_contains("Satellite images");
    assert!(h.query_all_by_label_contains("Planet Labs").next().is_some());
    // Sources as links that open in the browser.
    h.query_all_by_label_contains("Orient Express: North Korea").next().expect("the RUSI report is listed").scroll_to_me();
    h.run_steps(3);
    h.query_all_by_label_contains("Orient Express: North Korea").next().unwrap().click();
    let mut opened: Vec<String> = Vec::new();
    for _ in 0..4 {
        h.step();
        opened.extend(h.output().platform_output.commands.iter().filter_map(|c| match c {
            egui::OutputCommand::OpenUrl(u) => Some(u.url.clone()),
            _ => None,
        }));
    }
    assert!(opened.iter().any(|u| u.starts_with("https://")), "{opened:?}");
}

#[test]
fn ids_in_the_panel_navigate_and_back_returns() {
    let mut h = app(Some((132.3, 42.95, 11.0)));
    select_dunai(&mut h);
    // The first event is a link; follow it, then a vessel from a route.
    h.query_all_by_label_contains("Angara").next().unwrap().click();
    h.run_steps(3);
    assert!(matches!(h.state().selection(), Some(Selection::Event { .. })), "{:?}", h.state().selection());
    h.get_by_label("Back").click();
    h.run_steps(3);
    assert_eq!(h.state().selected_key().as_deref(), Some("site_dunai_port"));
    h.get_by_label("Forward").click();
    h.run_steps(3);
    assert!(matches!(h.state().selection(), Some(Selection::Event { .. })));
}

#[test]
fn searching_najin_selects_rajin_port() {
    let mut h = app(None);
    type_search(&mut h, "Najin");
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
    assert_eq!(h.state().selected_key().as_deref(), Some("site_rajin_port"));
    // The map moved to it.
    let p = h.state().map.screen_from_lonlat(130.2826, 42.2271).unwrap();
    assert!(h.state().map.rect.unwrap().contains(p));
    assert!(h.state().map.memory.zoom() >= 8.0);
}

#[test]
fn searching_a_vessel_shows_it_and_highlights_its_routes() {
    let mut h = app(None);
    type_search(&mut h, "Lady R");
    h.get_by_label_contains("Lady R  ·  vessel").click();
    h.run_steps(3);
    assert_eq!(h.state().selection(), Some(&Selection::Vessel { layer: 0, id: "ves_lady_r".into() }));
    h.get_by_label("9161003");
    h.get_by_label_contains("Sea lane Rajin → Vladivostok");
}

#[test]
fn timeline_sep_oct_2023_dims_what_came_later() {
    let mut h = app(None);
    let anchorage = feature(&h, "site_anchorage_east_vladivostok");
    let dunai = feature(&h, "site_dunai_port");
    assert_eq!(h.state().feature_fade(anchorage), 1.0);
    h.state_mut().timeline.as_mut().unwrap().set(DateRange::parse("2023-09/2023-10").unwrap());
    h.run_steps(3);
    // Lady R's February 2024 wait off Vladivostok is all this site holds.
    assert!(h.state().feature_fade(anchorage) < 0.5);
    assert_eq!(h.state().feature_fade(dunai), 1.0);
    // The Vladivostok route's period (2023-08..2024-02) overlaps, so it stays.
    assert_eq!(h.state().feature_fade(feature(&h, "route_sea_rajin_vladivostok")), 1.0);
    h.get_by_label("All").click();
    h.run_steps(2);
    assert_eq!(h.state().feature_fade(anchorage), 1.0);
}

#[test]
fn measuring_rajin_to_dunai_matches_the_geodesic() {
    use geo::{Distance, Geodesic, Point};
    let mut h = app(Some((131.3, 42.6, 8.0)));
    h.get_by_label("Measure").click();
    h.run_steps(2);
    let rajin = (130.2826, 42.2271);
    let dunai = (132.368, 42.893);
    for (lon, lat) in [rajin, dunai] {
        let p = h.state().map.screen_from_lonlat(lon, lat).unwrap();
        click_at(&mut h, p);
    }
    let measured = h.state().measure.total_metres();
    let truth = Geodesic.distance(Point::new(rajin.0, rajin.1), Point::new(dunai.0, dunai.1));
    assert!((measured - truth).abs() / truth < 0.01, "{measured} vs {truth}");
    h.get_by_label_contains("Measured 18");
    // Measuring does not select; Esc clears.
    assert_eq!(h.state().selection(), None);
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(h.state().measure.points.is_empty());
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'_, PortolanApp>, path: &Path) {
    h.input_mut().dropped_files.push(Arc::new(Dropped(path.to_owned())));
    h.run_steps(3);
}

#[test]
fn a_dropped_geojson_becomes_a_layer_and_a_broken_one_lists_its_problems() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("ports.geojson");
    std::fs::write(&good, r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"name":"Zarubino"},"geometry":{"type":"Point","coordinates":[131.08,42.64]}}]}"#).unwrap();
    let broken = dir.path().join("broken.geojson");
    std::fs::write(&broken, r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","id":"bad","properties":{},"geometry":{"type":"LineString","coordinates":[[1,2]]}},
        {"type":"Feature","id":"ok","properties":{"name":"Posyet"},"geometry":{"type":"Point","coordinates":[130.8,42.65]}}]}"#).unwrap();
    let truncated = dir.path().join("cut.geojson");
    std::fs::write(&truncated, "{\"type\":\"FeatureColl").unwrap();

    let mut h = app(None);
    h.get_by_label("Layers").click();
    h.run_steps(2);
    drop_file(&mut h, &good);
    assert_eq!(h.state().doc.layers.len(), 2);
    h.get_by_label("ports");
    drop_file(&mut h, &broken);
    drop_file(&mut h, &truncated);
    // The broken file loads what it can; the truncated one is listed; nothing else changed.
    assert_eq!(h.state().doc.layers.len(), 3);
    assert_eq!(h.state().doc.layers[2].layer.features.len(), 1);
    assert_eq!(h.state().doc.layers[0].layer.features.len(), 24);
    h.get_by_label("Problems");
    h.get_by_label_contains("skipped: a line needs at least 2 positions");
    assert!(h.query_all_by_label_contains("cut.geojson: not valid JSON").next().is_some());
    assert_eq!(h.state().recent[0], truncated);
}

/// eframe's storage, in memory.
#[derive(Default, Clone)]
struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

#[test]
fn view_layers_and_recent_files_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("extra.geojson");
    std::fs::write(&extra, r#"{"type":"Point","coordinates":[131.9,43.1]}"#).unwrap();
    let mut h = app(Some((131.9, 43.0, 7.0)));
    drop_file(&mut h, &extra);
    h.state_mut().doc.layers[1].opacity = 0.5;
    h.state_mut().hidden_kinds.insert("rail_corridor".into());
    let mut storage = MemoryStorage::default();
    eframe::App::save(h.state_mut(), &mut storage);

    let h2 = app_with(Options::default(), Some(storage));
    let s = h2.state();
    assert_eq!(s.doc.layers.len(), 2, "the sample and the file opened last time");
    assert_eq!(s.doc.layers[1].opacity, 0.5);
    assert!(s.hidden_kinds.contains("rail_corridor"));
    assert_eq!(s.recent, vec![extra]);
    let centre = s.map.memory.detached().unwrap();
    assert!((centre.x() - 131.9).abs() < 0.5 && (centre.y() - 43.0).abs() < 0.5, "{centre:?}");
}

#[test]
fn basemap_layers_can_be_switched_off_and_back() {
    use portolan::basemap::{Basemap, LayerKind};
    let mut h = app(Some((131.9, 43.1, 8.0)));
    h.get_by_label("Layers").click();
    h.run_steps(2);
    h.get_by_label("Basemap layers").click();
    h.run_steps(2);
    h.get_by_label("Railways").click();
    h.run_steps(2);
    assert_eq!(h.state().map.hidden_basemap, vec![LayerKind::Railroads]);
    // The tiles are drawn without them: a tile over Vladivostok's rail junction changes.
    let basemap = Basemap::embedded();
    let (x, y) = portolan::projection::tile_from_lonlat(8, 131.9, 43.1);
    let with = basemap.render_tile(8, x, y, 256);
    let without = basemap.render_tile_without(8, x, y, 256, &[LayerKind::Railroads]);
    assert_ne!(with.data(), without.data());
    h.get_by_label("Railways").click();
    h.run_steps(2);
    assert!(h.state().map.hidden_basemap.is_empty());
    // Kinds of case features switch off too.
    h.get_by_label("Rail corridors").click();
    h.run_steps(2);
    let rail = feature(&h, "route_rail_rajin_khasan");
    assert_eq!(h.state().feature_fade(rail), 0.0);
}

#[test]
fn a_problem_naming_a_feature_selects_it() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("draft.portolan.geojson");
    std::fs::write(&case, r#"{"type":"FeatureCollection","portolan":{"version":1,"title":"Draft","sources":[]},
        "features":[{"type":"Feature","properties":{"id":"site_posyet","kind":"site","name":"Posyet","source_ids":["src_missing"]},
                     "geometry":{"type":"Point","coordinates":[130.8,42.65]}}]}"#).unwrap();
    let mut h = app(None);
    drop_file(&mut h, &case);
    h.get_by_label_contains("names \"src_missing\", which is not in the case").click();
    h.run_steps(3);
    assert_eq!(h.state().selected_key().as_deref(), Some("site_posyet"));
}

#[test]
fn a_layer_saves_as_kml_and_a_bad_target_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(None);
    let kml = dir.path().join("case.kml");
    assert!(h.state_mut().save_layer(0, Some(&kml)));
    let text = std::fs::read_to_string(&kml).unwrap();
    assert!(text.contains("Dunai (Dunay) naval port facility"));
    assert!(!h.state_mut().save_layer(0, Some(&dir.path().join("no/such/dir/x.geojson"))));
    assert!(h.state().load_errors[0].contains("cannot write the file"));
}

#[test]
fn the_export_dialog_previews_the_view_and_writes_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(Some((132.1, 43.0, 9.0)));
    open_export_dialog(&mut h);
    h.get_by_label("Preview of the exported page");
    h.get_by_label_contains("3840×2160 px");
    let title = "Peter the Great Gulf <test> & \"quotes\"";
    h.state_mut().export.as_mut().unwrap().title = title.into();
    let png = dir.path().join("gulf.png");
    let svg = dir.path().join("gulf.svg");
    {
        let state = h.state_mut();
        let spec = state.export.as_ref().unwrap().spec(&state.doc.layers, &state.map, None);
        assert!(matches!(spec.extent, portolan::export::Extent::View { zoom, .. } if zoom == 9.0));
        let mut dialog = state.export.take().unwrap();
        assert!(dialog.export_to(&spec, &png));
        let mut svg_spec = spec.clone();
        svg_spec.format = portolan::export::Format::Svg;
        assert!(dialog.export_to(&svg_spec, &svg));
        assert!(dialog.message.as_deref().unwrap().starts_with("Wrote"));
    }
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("Peter the Great Gulf &lt;test&gt; &amp;"), "the title is escaped text in the SVG");
}

#[test]
fn the_export_dialog_offers_artboards_pdf_and_a_dark_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(Some((132.1, 43.0, 9.0)));
    open_export_dialog(&mut h);
    // The size list holds the artboards: pick the phone.
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Size").click();
    h.run_steps(3);
    h.get_by_label_contains("Mobile (400 px wide)").click();
    h.run_steps(3);
    h.get_by_label_contains("800×1200 px at 144 dpi");
    h.get_by_label("PDF (print)").click();
    h.get_by_label("Dark page").click();
    h.run_steps(3);
    let pdf = dir.path().join("gulf.pdf");
    {
        let state = h.state_mut();
        let dialog = state.export.as_ref().unwrap();
        assert_eq!(dialog.format, portolan::export::Format::Pdf);
        let spec = dialog.spec(&state.doc.layers, &state.map, None);
        assert_eq!((spec.size, spec.scale), ([400, 600], 2.0));
        assert_eq!(spec.theme, portolan::export::theme::Theme::Dark);
        let mut dialog = state.export.take().unwrap();
        assert!(dialog.export_to(&spec, &pdf), "{:?}", dialog.message);
        assert!(dialog.message.as_deref().unwrap().contains("alt text"), "{:?}", dialog.message);
    }
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    assert!(dir.path().join("gulf.pdf.txt").is_file());
}

#[test]
fn the_export_dialog_animates_the_timeline_without_freezing() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(Some((132.1, 43.0, 6.0)));
    open_export_dialog(&mut h);
    h.get_by_label("Animate the timeline").click();
    h.run_steps(3);
    {
        let dialog = h.state_mut().export.as_mut().unwrap();
        dialog.animation.range = "2023-09/2023-10".into();
        // A small page, so that the test is quick.
        dialog.artboard = portolan::export::artboard::preset("mobile").unwrap();
        dialog.scale = 1.0;
    }
    h.run_steps(3);
    // A frame a week from 1 September to 31 October, at 2 frames a second.
    h.get_by_label_contains("10 frames, 5.0 s");
    h.get_by_label("Export animation…");
    let gif = dir.path().join("route.gif");
    {
        let state = h.state_mut();
        let spec = state.export.as_ref().unwrap().spec(&state.doc.layers, &state.map, None);
        let mut dialog = state.export.take().unwrap();
        let anim = dialog.animation(None, &state.doc.layers).unwrap();
        dialog.animate_to(&spec, &state.doc.layers, anim, gif.clone());
        assert!(dialog.busy());
        state.export = Some(dialog);
    }
    // The window keeps drawing while the frames are made, and shows the outcome.
    let started = std::time::Instant::now();
    while h.state().export.as_ref().is_some_and(|d| d.busy()) && started.elapsed() < std::time::Duration::from_secs(120) {
        h.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let message = h.state().export.as_ref().unwrap().message.clone().unwrap();
    assert!(message.starts_with("Wrote") && message.contains("10 frames"), "{message}");
    assert!(std::fs::read(&gif).unwrap().starts_with(b"GIF89a"));
}
