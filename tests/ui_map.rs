//! The map window driven through its real UI with egui_kittest (no GPU needed).

use egui::Pos2;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use portolan::ui::{Options, PortolanApp};

#[path = "common/ui.rs"]
mod ui_support;
use ui_support::{click_at};

const DUNAI: (f64, f64) = (132.368, 42.893);

fn app(view: Option<(f64, f64, f64)>) -> Harness<'static, PortolanApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, Options { view, ..Options::default() }, None, None));
    h.run_steps(3);
    h
}

fn dunai_on_screen(h: &Harness<'_, PortolanApp>) -> Pos2 {
    h.state().map.screen_from_lonlat(DUNAI.0, DUNAI.1).expect("the map was drawn")
}

#[test]
fn clicking_the_dunai_marker_selects_it() {
    let mut h = app(Some((132.3, 42.95, 11.0)));
    assert_eq!(h.state().selected_key(), None);
    let p = dunai_on_screen(&h);
    click_at(&mut h, p);
    assert_eq!(h.state().selected_key().as_deref(), Some("site_dunai_port"));
    // The status bar names the selection.
    h.get_by_label_contains("selected: Dunai (Dunay) naval port facility");
    // Clicking where nothing is drawn clears it.
    click_at(&mut h, p + egui::vec2(-250.0, -200.0));
    assert_eq!(h.state().selected_key(), None);
}

#[test]
fn clicking_a_few_pixels_off_still_selects_the_nearest_feature() {
    let mut h = app(Some((132.3, 42.95, 11.0)));
    let p = dunai_on_screen(&h) + egui::vec2(4.0, -3.0);
    click_at(&mut h, p);
    assert_eq!(h.state().selected_key().as_deref(), Some("site_dunai_port"));
}

#[test]
fn hovering_dunai_shows_its_name_and_kind() {
    let mut h = app(Some((132.3, 42.95, 11.0)));
    let p = dunai_on_screen(&h);
    h.hover_at(p);
    // Tooltips wait half a second before they show.
    h.run_steps(45);
    assert_eq!(h.state().map.hovered.map(|at| at.feature), Some(4));
    h.get_by_label("Dunai (Dunay) naval port facility");
    h.get_by_label("site");
    // The pointer's coordinates are in the status bar.
    h.get_by_label_contains("42.89");
}

#[test]
fn zoom_buttons_and_keys_change_the_zoom() {
    let mut h = app(Some((131.9, 43.0, 6.0)));
    let zoom = |h: &Harness<'_, PortolanApp>| h.state().map.memory.zoom();
    assert_eq!(zoom(&h), 6.0);
    h.get_by_label("+").click();
    h.run_steps(2);
    assert_eq!(zoom(&h), 7.0);
    h.get_by_label("−").click();
    h.get_by_label("−").click();
    h.run_steps(2);
    assert_eq!(zoom(&h), 5.0);
    h.key_press(egui::Key::Plus);
    h.run_steps(2);
    assert_eq!(zoom(&h), 6.0);
    h.key_press(egui::Key::Minus);
    h.run_steps(2);
    assert_eq!(zoom(&h), 5.0);
}

#[test]
fn the_view_starts_fitted_to_the_sample_and_fit_returns_to_it() {
    let mut h = app(None);
    let fitted = h.state().map.memory.zoom();
    assert!((2.0..5.0).contains(&fitted), "the sample spans Tikhoretsk to Vladivostok: zoom {fitted}");
    // Both ends of the case are on screen.
    let rect = h.state().map.rect.unwrap();
    for (lon, lat) in [(40.05, 45.88), (132.37, 42.89), (130.28, 42.23)] {
        let p = h.state().map.screen_from_lonlat(lon, lat).unwrap();
        assert!(rect.contains(p), "{lon},{lat} at {p:?} outside {rect:?}");
    }
    h.get_by_label("+").click();
    h.run_steps(2);
    h.get_by_label("Fit to data").click();
    h.run_steps(2);
    assert_eq!(h.state().map.memory.zoom(), fitted);
}
