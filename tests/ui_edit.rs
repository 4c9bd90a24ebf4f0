//! Case authoring driven through the real UI with egui_kittest: a new case, a site added by
//! click, a route drawn by clicks snapped to two sites, a vertex dragged, properties edited
//! (a bad period rejected in place), a source with a saved copy, an event linked to the
//! site; undo back to the empty case and redo forward; save, reopen, schema, unknown members.

use std::path::{Path, PathBuf};

use egui::{Key, Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use portolan::document::selection::Selection;
use portolan::model::{FeatureKind, FeatureRef, Layer};
use portolan::ui::{Options, PortolanApp};

#[path = "common/ui.rs"]
mod ui_support;
use ui_support::{hover_then_click as click_at, press, type_into};

const CTRL_SHIFT: Modifiers = Modifiers { ctrl: true, shift: true, command: true, alt: false, mac_cmd: false };

fn app(options: Options) -> Harness<'static, PortolanApp> {
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    h.run_steps(3);
    h
}

/// Presses at `from`, moves in steps to `to`, releases there.
fn drag(h: &mut Harness<'_, PortolanApp>, from: Pos2, to: Pos2) {
    h.hover_at(from);
    h.run_steps(2);
    press(h, from, true);
    h.run_steps(1);
    for i in 1..=10 {
        let t = i as f32 / 10.0;
        h.hover_at(from + (to - from) * t);
        h.run_steps(1);
    }
    press(h, to, false);
    h.run_steps(5);
}

fn screen(h: &Harness<'_, PortolanApp>, lon: f64, lat: f64) -> Pos2 {
    h.state().map.screen_from_lonlat(lon, lat).expect("the map was drawn")
}

fn lonlat(h: &Harness<'_, PortolanApp>, p: Pos2) -> (f64, f64) {
    h.state().map.lonlat_at(p).unwrap()
}

fn layer(h: &Harness<'_, PortolanApp>, i: usize) -> Layer {
    (*h.state().doc.layers[i].layer).clone()
}

fn new_case(h: &mut Harness<'_, PortolanApp>, title: &str) {
    h.key_press_modifiers(Modifiers::COMMAND, Key::N);
    h.run_steps(3);
    type_into(h, "Title", title);
    h.get_by_label("Create").click();
    h.run_steps(3);
}

fn sha256sum(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum").arg(path).output().expect("sha256sum runs");
    String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_owned()
}

fn options(dir: &Path, view: (f64, f64, f64)) -> Options {
    Options { view: Some(view), recovery_dir: Some(dir.join("recovery")), ..Options::default() }
}

#[test]
fn a_case_is_authored_on_the_map_and_undo_and_redo_walk_its_states() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(options(dir.path(), (131.0, 43.0, 7.0)));
    let mut states: Vec<Layer> = Vec::new();

    // File → New case.
    new_case(&mut h, "Port calls at Zarubino");
    assert_eq!(h.state().doc.layers.len(), 2);
    let case = 1;
    assert_eq!(h.state().doc.active(), Some(case));
    assert_eq!(layer(&h, case).case.unwrap().title, "Port calls at Zarubino");
    assert!(h.state().window_title().starts_with("Port calls at Zarubino"));
    states.push(layer(&h, case));

    // Two sites, each Ctrl+Shift+P and a click.
    let (a, b) = (screen(&h, 130.6, 42.7), screen(&h, 131.6, 43.2));
    for p in [a, b] {
        h.key_press_modifiers(CTRL_SHIFT, Key::P);
        h.run_steps(2);
        click_at(&mut h, p);
        states.push(layer(&h, case));
    }
    let l = layer(&h, case);
    assert_eq!(l.features.len(), 2);
    assert!(l.features.iter().all(|f| f.kind() == FeatureKind::Site));
    assert!(h.state().window_title().contains('•'), "unsaved: {}", h.state().window_title());

    // A rail corridor: Ctrl+Shift+T, the kind asked in the panel, clicks a few pixels off
    // each site (they snap), a bend in between, Enter.
    h.key_press_modifiers(CTRL_SHIFT, Key::T);
    h.run_steps(2);
    h.get_by_label("Rail corridor").click();
    h.run_steps(2);
    let bend = screen(&h, 131.1, 42.6);
    for p in [a + egui::vec2(4.0, -3.0), bend, b + egui::vec2(-3.0, 4.0)] {
        click_at(&mut h, p);
    }
    h.key_press(Key::Enter);
    h.run_steps(3);
    states.push(layer(&h, case));
    let l = layer(&h, case);
    let route = &l.features[2];
    assert_eq!(route.kind(), FeatureKind::RailCorridor);
    assert_eq!(route.str_prop("from_site"), l.features[0].key().as_deref());
    assert_eq!(route.str_prop("to_site"), l.features[1].key().as_deref());
    let Some(geo::Geometry::LineString(line)) = &route.geometry else { panic!("{:?}", route.geometry) };
    assert_eq!(line.0.len(), 3);
    let Some(geo::Geometry::Point(site_a)) = &l.features[0].geometry else { panic!() };
    assert_eq!(line.0[0], site_a.0, "the start is exactly on the site");

    // Edit mode is on; the route is selected. Drag its bend: the vertex moves, the map does not.
    assert!(h.state().tools.editing);
    assert_eq!(h.state().selection(), Some(&Selection::Feature(FeatureRef { layer: case, feature: 2 })));
    let centre = h.state().map.memory.detached();
    let bend = screen(&h, line.0[1].x, line.0[1].y);
    let to = bend + egui::vec2(40.0, 30.0);
    drag(&mut h, bend, to);
    assert_eq!(h.state().map.memory.detached(), centre, "the map did not pan");
    let Some(geo::Geometry::LineString(moved)) = layer(&h, case).features[2].geometry.clone() else { panic!() };
    let want = lonlat(&h, to);
    assert!((moved.0[1].x - want.0).abs() < 1e-3 && (moved.0[1].y - want.1).abs() < 1e-3, "{:?} vs {want:?}", moved.0[1]);
    assert_eq!(h.state().doc.undo_label(), Some("Move vertex"), "one drag, one step");
    states.push(layer(&h, case));

    // Select the first site and edit it in the panel: a name, a bad period, a good one.
    // (Esc first: with the route selected, a press on its end grabs the route's vertex.)
    h.key_press(Key::Escape);
    h.run_steps(2);
    click_at(&mut h, a);
    assert_eq!(h.state().selection(), Some(&Selection::Feature(FeatureRef { layer: case, feature: 0 })));
    type_into(&mut h, "Name", "Zarubino port");
    h.key_press(Key::Tab);
    h.run_steps(2);
    states.push(layer(&h, case));
    type_into(&mut h, "Period", "2023-13");
    assert!(h.query_all_by_label_contains("Not saved:").next().is_some(), "the problem is shown beside the field");
    assert_eq!(layer(&h, case).features[0].str_prop("period"), None, "a bad period is not taken");
    type_into(&mut h, "Period", "2023-08/2023-12");
    h.key_press(Key::Tab);
    h.run_steps(2);
    assert_eq!(layer(&h, case).features[0].str_prop("period"), Some("2023-08/2023-12"));
    assert!(h.query_all_by_label_contains("Not saved:").next().is_none());
    states.push(layer(&h, case));

    // A source with a saved copy: the hash is sha256sum's.
    let copy = dir.path().join("report.pdf");
    std::fs::write(&copy, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n").unwrap();
    h.get_by_label("New source for this…").click();
    h.run_steps(3);
    states.push(layer(&h, case));
    assert!(matches!(h.state().selection(), Some(Selection::Source { .. })));
    type_into(&mut h, "Title", "Satellite images show ships at Zarubino");
    h.key_press(Key::Tab);
    h.run_steps(2);
    states.push(layer(&h, case));
    type_into(&mut h, "File", &copy.display().to_string());
    h.key_press(Key::Enter);
    h.run_steps(3);
    states.push(layer(&h, case));
    let l = layer(&h, case);
    let source = &l.case.as_ref().unwrap().sources[0];
    assert_eq!(source.sha256.as_deref(), Some(sha256sum(&copy).as_str()));
    assert_eq!(source.saved_copy_type.as_deref(), Some("application/pdf"));
    assert_eq!(l.features[0].list_prop("source_ids"), vec![source.id.as_str()]);

    // Back to the site; an event there, linked both ways.
    h.get_by_label("Back").click();
    h.run_steps(3);
    h.get_by_label("New event here…").click();
    h.run_steps(3);
    states.push(layer(&h, case));
    let l = layer(&h, case);
    let event = &l.case.as_ref().unwrap().events[0];
    assert_eq!(event.site_ids, vec![l.features[0].key().unwrap()]);
    assert_eq!(l.features[0].list_prop("event_ids"), vec![event.id.as_str()]);

    // Undo everything: each step gives back the state before it; redo walks forward again.
    for want in states.iter().rev().skip(1) {
        h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
        h.run_steps(2);
        assert_eq!(&layer(&h, case), want, "after undo of {:?}", h.state().doc.redo_label());
    }
    assert!(!h.state().doc.can_undo());
    assert!(layer(&h, case).features.is_empty(), "back to the empty case");
    for (i, want) in states.iter().enumerate().skip(1) {
        let redo = if i % 2 == 0 { (CTRL_SHIFT, Key::Z) } else { (Modifiers::COMMAND, Key::Y) };
        h.key_press_modifiers(redo.0, redo.1);
        h.run_steps(2);
        assert_eq!(&layer(&h, case), want);
    }

    // Save, reopen: the same case, valid against the published schema.
    let path = dir.path().join("zarubino.portolan.geojson");
    assert!(h.state_mut().save_layer(case, Some(&path)));
    assert!(!h.state().window_title().contains('•'));
    let reopened = portolan::io::read_path(&path).unwrap();
    assert!(reopened.diagnostics.is_empty(), "{:?}", reopened.diagnostics);
    let saved = layer(&h, case);
    assert_eq!(reopened.layer.features, saved.features);
    assert_eq!(reopened.layer.case, saved.case);
    let schema: serde_json::Value = serde_json::from_str(include_str!("../docs/case.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Undo after the save marks the file changed again.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert!(h.state().window_title().contains('•'));
}

/// The sample case with members Portolan does not know at every level.
fn case_with_unknown_members(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/dprk-russia-2023.portolan.geojson")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["x_top"] = serde_json::json!({"kept": true});
    doc["portolan"]["x_case"] = serde_json::json!([1, 2]);
    doc["portolan"]["sources"][0]["x_source"] = serde_json::json!("s");
    doc["portolan"]["events"][0]["x_event"] = serde_json::json!(3);
    doc["portolan"]["vessels"][0]["x_vessel"] = serde_json::json!(null);
    doc["features"][0]["x_feature"] = serde_json::json!({"a": 1});
    doc["features"][0]["properties"]["x_prop"] = serde_json::json!("p");
    let path = dir.join("case.portolan.geojson");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path
}

#[test]
fn an_edited_case_keeps_members_it_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let path = case_with_unknown_members(dir.path());
    let mut h = app(Options { files: vec![path.clone()], ..options(dir.path(), (132.0, 43.0, 6.0)) });
    // Rename the first feature through the panel, then Ctrl+S.
    h.get_by_label("Edit mode").click();
    h.run_steps(2);
    h.state_mut().doc.selection.select(Selection::Feature(FeatureRef { layer: 0, feature: 0 }));
    h.run_steps(3);
    type_into(&mut h, "Name", "Renamed in Portolan");
    h.key_press(Key::Tab);
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(3);
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["features"][0]["properties"]["name"], "Renamed in Portolan");
    assert_eq!(saved["x_top"]["kept"], true);
    assert_eq!(saved["portolan"]["x_case"], serde_json::json!([1, 2]));
    assert_eq!(saved["portolan"]["sources"][0]["x_source"], "s");
    assert_eq!(saved["portolan"]["events"][0]["x_event"], 3);
    assert!(saved["portolan"]["vessels"][0].as_object().unwrap().contains_key("x_vessel"));
    assert_eq!(saved["features"][0]["x_feature"]["a"], 1);
    assert_eq!(saved["features"][0]["properties"]["x_prop"], "p");
}

#[test]
fn a_file_changed_on_disk_is_not_overwritten_and_merge_keeps_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let path = case_with_unknown_members(dir.path());
    let mut h = app(Options { files: vec![path.clone()], ..options(dir.path(), (132.0, 43.0, 6.0)) });
    // My edit: a new site.
    h.get_by_label("Edit mode").click();
    h.run_steps(2);
    h.key_press_modifiers(CTRL_SHIFT, Key::P);
    h.run_steps(2);
    let p = screen(&h, 131.5, 42.5);
    click_at(&mut h, p);
    let mine = layer(&h, 0);
    // Their edit, to another feature, written by another program.
    let mut theirs: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    theirs["features"][3]["properties"]["name"] = serde_json::json!("Renamed by a colleague");
    std::fs::write(&path, serde_json::to_string(&theirs).unwrap()).unwrap();
    // Portolan notices within a few seconds.
    let start = std::time::Instant::now();
    while !h.state().doc.layers[0].changed_on_disk {
        assert!(start.elapsed().as_secs() < 20, "the change was not noticed");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    h.run_steps(2);
    // Saving does not overwrite their file.
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(3);
    let on_disk: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(on_disk, theirs);
    // Merge: both edits, saved.
    h.get_by_label("Merge").click();
    h.run_steps(3);
    let merged = portolan::io::read_path(&path).unwrap().layer;
    assert_eq!(merged.features.len(), mine.features.len(), "my new site is there");
    assert_eq!(merged.features[3].name(), Some("Renamed by a colleague"));
    assert!(merged.feature_by_key(mine.features.last().unwrap().key().as_deref().unwrap()).is_some());
    assert!(!h.state().doc.layers[0].is_dirty());
    assert!(!h.state().doc.layers[0].changed_on_disk);
}

#[test]
fn deleting_with_the_delete_key_and_undo() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(options(dir.path(), (132.3, 42.95, 11.0)));
    h.key_press_modifiers(Modifiers::COMMAND, Key::E);
    h.run_steps(2);
    let dunai = screen(&h, 132.368, 42.893);
    click_at(&mut h, dunai);
    assert_eq!(h.state().selected_key().as_deref(), Some("site_dunai_port"));
    let before = layer(&h, 0);
    h.key_press(Key::Delete);
    h.run_steps(3);
    let after = layer(&h, 0);
    assert!(after.feature_by_key("site_dunai_port").is_none());
    assert!(portolan::io::case_file::check_references(&after).is_empty(), "nothing points at the deleted site");
    assert_eq!(h.state().doc.undo_label(), Some("Delete feature"));
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(3);
    assert_eq!(layer(&h, 0), before);
}

#[test]
fn a_clicked_vertex_is_what_delete_removes() {
    let sample = portolan::io::sample_case().layer;
    let depot = sample.features.iter().position(|f| f.key().as_deref() == Some("poly_tikhoretsk_depot_extent")).unwrap();
    let Some(geo::Geometry::Polygon(p)) = &sample.features[depot].geometry else { panic!() };
    let corners = p.exterior().0.len() - 1;
    let c = geo::Centroid::centroid(p).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(options(dir.path(), (c.x(), c.y(), 14.0)));
    h.state_mut().doc.selection.select(Selection::Feature(FeatureRef { layer: 0, feature: depot }));
    h.run_steps(3);
    // No source backs the depot's outline: the panel says so.
    h.get_by_label_contains("Unsourced: no report backs this");
    h.key_press_modifiers(Modifiers::COMMAND, Key::E);
    h.run_steps(3);
    let corner = p.exterior().0[1];
    let at = screen(&h, corner.x, corner.y);
    click_at(&mut h, at);
    assert_eq!(h.state().selection(), Some(&Selection::Feature(FeatureRef { layer: 0, feature: depot })), "still the area");
    assert!(h.state().tools.vertex.is_some(), "the vertex is selected");
    h.key_press(Key::Delete);
    h.run_steps(3);
    let Some(geo::Geometry::Polygon(after)) = layer(&h, 0).features[depot].geometry.clone() else { panic!("the area is still there") };
    assert_eq!(after.exterior().0.len() - 1, corners - 1);
    assert!(!after.exterior().0.contains(&corner));
    assert_eq!(h.state().doc.undo_label(), Some("Delete vertex"));
}

/// Asks the window to close, as the title bar's close button does.
fn request_close(h: &mut Harness<'_, PortolanApp>) -> Vec<egui::ViewportCommand> {
    h.input_mut().viewports.entry(egui::ViewportId::ROOT).or_default().events.push(egui::ViewportEvent::Close);
    h.step();
    h.output().viewport_output.get(&egui::ViewportId::ROOT).map(|v| v.commands.clone()).unwrap_or_default()
}

#[test]
fn closing_with_unsaved_edits_asks_and_dont_save_leaves_nothing_to_recover() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(options(dir.path(), (131.5, 43.0, 7.0)));
    // Nothing to save: the window just closes.
    assert!(!request_close(&mut h).contains(&egui::ViewportCommand::CancelClose));
    h.run_steps(2);
    h.key_press_modifiers(CTRL_SHIFT, Key::P);
    h.run_steps(2);
    let p = screen(&h, 131.2, 42.9);
    click_at(&mut h, p);
    // As the autosave every few seconds would: the edit is in a recovery file.
    let app = h.state_mut();
    assert!(app.autosave.as_mut().unwrap().sync(&app.doc));
    assert_eq!(std::fs::read_dir(dir.path().join("recovery")).unwrap().count(), 1);
    let commands = request_close(&mut h);
    assert!(commands.contains(&egui::ViewportCommand::CancelClose), "{commands:?}");
    h.run_steps(2);
    h.get_by_label_contains("unsaved edits. If you don't save, they are lost.");
    h.get_by_label("Don't save").click();
    h.step();
    let commands: Vec<_> = h.output().viewport_output.get(&egui::ViewportId::ROOT).map(|v| v.commands.clone()).unwrap_or_default();
    assert!(commands.contains(&egui::ViewportCommand::Close), "{commands:?}");
    // The close that follows keeps nothing.
    assert!(!request_close(&mut h).contains(&egui::ViewportCommand::CancelClose));
    let left = std::fs::read_dir(dir.path().join("recovery")).map_or(0, |d| d.count());
    assert_eq!(left, 0, "discarded edits are not offered again");
}

#[test]
fn an_area_with_a_hole_and_a_plain_gpx_layer_saved_as_geojson() {
    let dir = tempfile::tempdir().unwrap();
    let gpx = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/garmin-gpsmap66i.gpx"));
    let loaded = portolan::io::read_path(&gpx).unwrap().layer;
    let e = loaded.extent().unwrap();
    let view = ((e.min().x + e.max().x) / 2.0, (e.min().y + e.max().y) / 2.0, 12.0);
    let mut h = app(Options { files: vec![gpx.clone()], ..options(dir.path(), view) });
    let plain = 0;
    assert_eq!(h.state().doc.active(), Some(plain), "a plain layer is drawn into when it is all there is");
    // Ctrl+Shift+G: an outline of four corners, H, a hole of three, Enter.
    h.key_press_modifiers(CTRL_SHIFT, Key::G);
    h.run_steps(2);
    let c = screen(&h, view.0, view.1);
    for d in [(-200.0, -150.0), (200.0, -150.0), (200.0, 150.0), (-200.0, 150.0)] {
        click_at(&mut h, c + egui::vec2(d.0, d.1));
    }
    h.key_press(Key::H);
    h.run_steps(2);
    for d in [(-50.0, -40.0), (50.0, -40.0), (0.0, 50.0)] {
        click_at(&mut h, c + egui::vec2(d.0, d.1));
    }
    h.key_press(Key::Enter);
    h.run_steps(3);
    let l = layer(&h, plain);
    let area = l.features.last().unwrap();
    assert_eq!(area.kind(), FeatureKind::Area);
    let Some(geo::Geometry::Polygon(p)) = &area.geometry else { panic!("{:?}", area.geometry) };
    assert_eq!((p.exterior().0.len(), p.interiors().len(), p.interiors()[0].0.len()), (5, 1, 4));
    assert!(geo::Winding::is_ccw(p.exterior()) && geo::Winding::is_cw(&p.interiors()[0]), "wound as RFC 7946 asks");
    // A GPX file is saved under a new name, as GeoJSON; the original stays as it was.
    assert!(h.state().doc.layers[plain].needs_name());
    let before = std::fs::read(&gpx).unwrap();
    let out = dir.path().join("track.geojson");
    assert!(h.state_mut().save_layer(plain, Some(&out)));
    assert_eq!(std::fs::read(&gpx).unwrap(), before);
    let saved = portolan::io::read_path(&out).unwrap().layer;
    assert_eq!(saved.features.len(), l.features.len());
    assert_eq!(h.state().doc.layers[plain].path.as_deref(), Some(out.as_path()), "Ctrl+S now saves the GeoJSON");
}
