//! Big files through the real UI (egui_kittest): loading in the background with progress and
//! Cancel while the window keeps drawing, raster tiles for a large layer, and picking a track
//! in it through the spatial index.
//!
//! The big file comes through a named pipe (Unix), so the test decides when the bytes arrive:
//! the load is caught half-way every time, whatever the speed of the machine.

#![cfg(unix)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use portolan::model::FeatureRef;
use portolan::ui::{Options, PortolanApp};

#[path = "common/ui.rs"]
mod ui_support;
use ui_support::{click_at, frames_until};

/// Tracks: `n` lines of 1,000 vertices along parallels 0.2° apart from 30° N, lon 130–150.
/// 150 of them make 150,000 vertices, more than the raster threshold.
fn tracks(n: usize) -> String {
    let features: Vec<String> = (0..n)
        .map(|i| {
            let lat = 30.0 + i as f64 * 0.2;
            let coords: Vec<String> = (0..1000).map(|j| format!("[{:.4},{lat:.4}]", 130.0 + j as f64 * 0.02)).collect();
            format!(r#"{{"type":"Feature","properties":{{"id":"track-{i}","vessel_name":"SHIP {i}"}},"geometry":{{"type":"LineString","coordinates":[{}]}}}}"#, coords.join(","))
        })
        .collect();
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

fn fifo(dir: &Path) -> PathBuf {
    let path = dir.join("tracks.geojson");
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid, NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    path
}

/// Feeds `bytes` into the pipe: the first `first` of them at once, the rest when told.
fn feed(path: PathBuf, bytes: Vec<u8>, first: usize) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (go, wait) = mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        let mut pipe = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        pipe.write_all(&bytes[..first]).unwrap();
        pipe.flush().unwrap();
        let _ = wait.recv();
        // The reader may have stopped (cancel): a broken pipe is fine then.
        let _ = pipe.write_all(&bytes[first..]);
    });
    (go, writer)
}

fn app() -> Harness<'static, PortolanApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_eframe(|cc| PortolanApp::new(&cc.egui_ctx, Options { view: Some((140.0, 38.0, 4.0)), ..Options::default() }, None, None));
    h.run_steps(3);
    h
}

/// Runs frames until `done` (which may already hold: a background thread can be quicker than
/// the first frame), or fails after 60 s.
#[test]
fn a_big_file_loads_in_the_background_while_the_map_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let path = fifo(dir.path());
    let text = tracks(150).into_bytes();
    let half = text.len() / 2;
    let (go, writer) = feed(path.clone(), text, half);
    let mut h = app();
    let ctx = h.ctx.clone();
    h.state_mut().open_file(&ctx, &path, true);
    assert_eq!(h.state().loading.len(), 1, "a pipe always loads in the background");

    // Half the file is in: the progress shows it, and the window goes on drawing and zooming.
    frames_until(&mut h, |app| app.loading[0].progress.snapshot().bytes_read >= half as u64);
    h.run_steps(2);
    h.get_by_label_contains(&format!("Loading tracks.geojson: {:.1} MB read", half as f64 / 1e6));
    h.get_by_label("Cancel");
    let zoom = h.state().map.memory.zoom();
    h.get_by_label("+").click();
    h.run_steps(3);
    assert_eq!(h.state().map.memory.zoom(), zoom + 1.0, "the map still answers while the file loads");
    assert_eq!(h.state().loading.len(), 1, "still loading: those frames were drawn during the load");
    assert_eq!(h.state().doc.layers.len(), 1, "only the sample so far");

    go.send(()).unwrap();
    writer.join().unwrap();
    frames_until(&mut h, |app| app.loading.is_empty());
    h.run_steps(3);
    assert_eq!(h.state().doc.layers.len(), 2);
    let layer = &h.state().doc.layers[1];
    assert_eq!(layer.layer.features.len(), 150);
    assert!(layer.is_raster(), "150,000 vertices are drawn as raster tiles");
    assert_eq!(h.state().map.layer_tiles.len(), 1);
    assert!(h.query_by_label_contains("Loading").is_none(), "the progress bar is gone");

    // Tracks 0.2° apart, seen at zoom 9: clicking on one selects that one, through the index.
    h.state_mut().map.memory.center_at(walkers::lon_lat(140.0, 36.0));
    let _ = h.state_mut().map.memory.set_zoom(9.0);
    h.run_steps(3);
    let on_track_30 = h.state().map.screen_from_lonlat(140.01, 36.0).expect("the map was drawn");
    click_at(&mut h, on_track_30 + egui::vec2(0.0, 2.0));
    assert_eq!(h.state().selected_key().as_deref(), Some("track-30"));
    let selected = h.state().selection().cloned();
    assert_eq!(selected, Some(portolan::document::selection::Selection::Feature(FeatureRef { layer: 1, feature: 30 })));
    // Between two tracks, more than the tolerance from both: nothing.
    let between = h.state().map.screen_from_lonlat(140.01, 36.1).unwrap();
    click_at(&mut h, between);
    assert_eq!(h.state().selected_key(), None);
}

#[test]
fn cancel_stops_a_load_and_leaves_the_session_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = fifo(dir.path());
    let text = tracks(150).into_bytes();
    // Less than a pipe holds, so the writer never waits: the reader takes it all, then waits
    // for more, and cannot finish before the test lets it.
    const FIRST: usize = 32 << 10;
    let (go, writer) = feed(path.clone(), text, FIRST);
    let mut h = app();
    let ctx = h.ctx.clone();
    h.state_mut().open_file(&ctx, &path, true);
    frames_until(&mut h, |app| app.loading[0].progress.snapshot().bytes_read == FIRST as u64);
    // The reader may have got there before any frame was drawn: draw the bar.
    h.run_steps(2);
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.state().loading[0].progress.is_cancelled());
    go.send(()).unwrap();
    writer.join().unwrap();
    frames_until(&mut h, |app| app.loading.is_empty());
    h.run_steps(2);
    assert_eq!(h.state().doc.layers.len(), 1);
    assert!(h.state().load_errors.is_empty(), "{:?}", h.state().load_errors);
    h.get_by_label_contains("was cancelled");
}

#[test]
fn a_failed_background_load_changes_nothing_but_the_problems_list() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.geojson");
    // One feature cut short: nothing complete to keep (a cut collection keeps what came
    // before the cut; see the next test).
    let text = format!("{{\"type\":\"Feature\",\"properties\":{{\"note\":\"{}", "x".repeat(1 << 21));
    std::fs::write(&path, &text).unwrap();
    assert!(text.len() as u64 >= 1 << 20, "big enough to load in the background");
    let mut h = app();
    let view = h.state().map.memory.zoom();
    let ctx = h.ctx.clone();
    h.state_mut().open_file(&ctx, &path, true);
    assert_eq!(h.state().loading.len(), 1);
    frames_until(&mut h, |app| app.loading.is_empty());
    h.run_steps(2);
    assert_eq!(h.state().doc.layers.len(), 1);
    assert_eq!(h.state().map.memory.zoom(), view, "the view did not move");
    let errors = &h.state().load_errors;
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("cut.geojson"), "{errors:?}");
}

#[test]
fn a_big_collection_cut_short_loads_what_came_before_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.geojson");
    let mut text = tracks(150);
    text.truncate(text.len() * 2 / 3);
    std::fs::write(&path, &text).unwrap();
    let mut h = app();
    let ctx = h.ctx.clone();
    h.state_mut().open_file(&ctx, &path, true);
    frames_until(&mut h, |app| app.loading.is_empty());
    h.run_steps(2);
    let layers = &h.state().doc.layers;
    assert_eq!(layers.len(), 2, "the features before the cut are a layer");
    let kept = layers[1].layer.features.len();
    assert!(kept > 50 && kept < 150, "{kept}");
    assert!(layers[1].diagnostics.iter().any(|d| d.message.contains(&format!("kept the {kept} features"))), "{:?}", layers[1].diagnostics);
    assert!(h.state().show_problems, "the cut is listed with the problems");
}

#[test]
fn select_given_at_start_applies_once_a_big_file_has_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tracks.geojson");
    std::fs::write(&path, tracks(150)).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() >= 1 << 20, "big enough to load in the background");
    let options = Options { files: vec![path], select: Some("track-3".into()), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1200.0, 800.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options.clone(), None, None));
    frames_until(&mut h, |app| app.loading.is_empty());
    h.run_steps(2);
    assert_eq!(h.state().selected_key().as_deref(), Some("track-3"));
    assert!(h.state().load_errors.is_empty(), "{:?}", h.state().load_errors);
}
