//! Helpers for the tests that drive the real window with egui_kittest: clicks and waiting
//! for background work. Included with `#[path = "common/ui.rs"] mod ui_support;`.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use egui::{Event, Modifiers, PointerButton, Pos2};
use egui_kittest::Harness;
use portolan::ui::PortolanApp;

/// The primary button pressed or released at `p`.
pub fn press(h: &Harness<'_, PortolanApp>, p: Pos2, pressed: bool) {
    h.event(Event::PointerButton { pos: p, button: PointerButton::Primary, pressed, modifiers: Modifiers::NONE });
}

/// A click at `p`, then half a second of frames, so that the next click is not taken for a
/// double click.
pub fn click_at(h: &mut Harness<'_, PortolanApp>, p: Pos2) {
    h.hover_at(p);
    press(h, p, true);
    press(h, p, false);
    h.run_steps(30);
}

/// A click at `p` after the pointer has rested there for two frames (as a hand moves onto a
/// handle or a feature before clicking), then half a second of frames.
pub fn hover_then_click(h: &mut Harness<'_, PortolanApp>, p: Pos2) {
    h.hover_at(p);
    h.run_steps(2);
    press(h, p, true);
    press(h, p, false);
    h.run_steps(30);
}

/// Frames until `done` holds (files load and tiles render on other threads); fails after a
/// minute.
pub fn frames_until(h: &mut Harness<'_, PortolanApp>, done: impl Fn(&PortolanApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Clicks a text field by its label and types into it, replacing what it held.
pub fn type_into(h: &mut Harness<'_, PortolanApp>, label: &str, text: &str) {
    use egui_kittest::kittest::Queryable;
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, label).click();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    h.event(Event::Text(text.to_owned()));
    h.run_steps(3);
}

/// Drags the map from `from` to `to` in small steps, holding still before letting go (no
/// inertia).
pub fn drag(h: &mut Harness<'_, PortolanApp>, from: Pos2, to: Pos2) {
    h.hover_at(from);
    h.run_steps(2);
    press(h, from, true);
    h.run_steps(1);
    for i in 1..=20 {
        h.hover_at(from + (to - from) * (i as f32 / 20.0));
        h.run_steps(1);
    }
    h.run_steps(10);
    press(h, to, false);
    h.run_steps(10);
}

/// Frames until a widget labelled `label` is shown (a listing from a server arrives); fails
/// after `what` has not shown in 30 s.
pub fn wait_for_label(h: &mut Harness<'_, PortolanApp>, label: &str, what: &str) {
    use egui_kittest::kittest::Queryable;
    let start = Instant::now();
    while h.query_by_label(label).is_none() {
        assert!(start.elapsed() < Duration::from_secs(30), "{what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Clicks the button `label` of the Layers panel, opening the panel first if it is closed.
pub fn click_in_layers(h: &mut Harness<'_, PortolanApp>, label: &str) {
    use egui_kittest::kittest::Queryable;
    if h.query_by_label(label).is_none() {
        h.get_by_label("Layers").click();
        h.run_steps(3);
    }
    h.get_by_label(label).click();
}
