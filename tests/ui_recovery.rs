//! Never lose work: a Portolan process holding unsaved edits is killed, and the next start
//! offers them back.
//!
//! The child is this test binary run again on the ignored test `child_edits_and_waits`: it
//! drives the real app (egui_kittest) to add a site, waits for the autosave, says READY and
//! sleeps until it is killed (SIGKILL: no chance to clean up).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use egui::{Event, Key, Modifiers, PointerButton};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use portolan::ui::{Options, PortolanApp};

const CTRL_SHIFT: Modifiers = Modifiers { ctrl: true, shift: true, command: true, alt: false, mac_cmd: false };

fn app(case: &Path, recovery: &Path) -> Harness<'static, PortolanApp> {
    let options = Options { files: vec![case.to_owned()], view: Some((131.5, 43.0, 7.0)), recovery_dir: Some(recovery.to_owned()), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    h.run_steps(3);
    h
}

fn sites(path: &Path) -> usize {
    portolan::io::read_path(path).unwrap().layer.features.iter().filter(|f| f.kind() == portolan::model::FeatureKind::Site).count()
}

#[test]
#[ignore = "run by killed_process_edits_are_restored as its child"]
fn child_edits_and_waits() {
    let Some(dir) = std::env::var_os("PORTOLAN_TEST_CHILD").map(PathBuf::from) else { return };
    let mut h = app(&dir.join("case.portolan.geojson"), &dir.join("recovery"));
    h.key_press_modifiers(CTRL_SHIFT, Key::P);
    h.run_steps(2);
    let p = h.state().map.screen_from_lonlat(131.3, 42.8).unwrap();
    h.hover_at(p);
    h.event(Event::PointerButton { pos: p, button: PointerButton::Primary, pressed: true, modifiers: Modifiers::NONE });
    h.event(Event::PointerButton { pos: p, button: PointerButton::Primary, pressed: false, modifiers: Modifiers::NONE });
    h.run_steps(10);
    assert!(h.state().doc.layers[0].is_dirty());
    // The autosave runs every few seconds while the window is up.
    let start = Instant::now();
    while std::fs::read_dir(dir.join("recovery")).map_or(0, |d| d.count()) == 0 {
        assert!(start.elapsed() < Duration::from_secs(30), "no recovery file was written");
        h.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("READY");
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
fn killed_process_edits_are_restored() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case.portolan.geojson");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/dprk-russia-2023.portolan.geojson"), &case).unwrap();
    let before = sites(&case);

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_edits_and_waits", "--ignored", "--nocapture", "--test-threads=1"])
        .env("PORTOLAN_TEST_CHILD", dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let ready = BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.contains("READY"));
    assert!(ready, "the child never held autosaved edits");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(sites(&case), before, "the child never saved");

    // The next start offers the edits; Restore brings them back as unsaved edits of the file.
    let mut h = app(&case, &dir.path().join("recovery"));
    h.get_by_label_contains("Portolan stopped before these edits were saved");
    h.get_by_label("Restore").click();
    h.run_steps(3);
    let layers = &h.state().doc.layers;
    assert_eq!(layers.len(), 1, "the restored edits replace the file's unchanged copy");
    assert!(layers[0].is_dirty());
    assert_eq!(layers[0].path.as_deref(), Some(case.as_path()));
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(3);
    assert_eq!(sites(&case), before + 1, "saved with the site the killed process added");
    assert_eq!(std::fs::read_dir(dir.path().join("recovery")).unwrap().count(), 0, "nothing left to recover");
}
