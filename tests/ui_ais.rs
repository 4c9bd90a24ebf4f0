//! An AIS table opened in the real window (egui_kittest): a click on a track shows the vessel
//! page with its events, a click on an event in the list selects it and fits the map to it,
//! and the event page shows its evidence.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use portolan::ui::{Options, PortolanApp};

#[path = "common/ui.rs"]
mod ui_support;
use ui_support::{click_at};

#[path = "support/fleet.rs"]
mod fleet;

#[test]
fn vessel_page_lists_events_and_an_event_click_shows_its_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.csv");
    let (rows, _) = fleet::fleet();
    std::fs::write(&path, fleet::noaa(&rows)).unwrap();
    let options = Options { files: vec![path], view: Some((152.0, 40.0, 6.0)), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    h.run_steps(10);
    // The track of DARK STAR runs along 40° N from 150° E: click on it, west of the gap.
    let p = h.state().map.screen_from_lonlat(151.0, 40.0).unwrap();
    click_at(&mut h, p);
    h.get_by_label("DARK STAR");
    h.get_by_label("273000001");
    h.get_by_label("Every vessel in the layer");
    // Its events by date: the gap and the suspect position; the filter hides the suspect.
    let gap = h.query_by_label_contains("AIS off 31 h").expect("the gap is listed");
    assert!(h.query_by_label_contains("Suspect position (").is_some());
    let _ = gap;
    h.get_by_label("Suspect positions").click();
    h.run_steps(3);
    assert!(h.query_by_label_contains("Suspect position (").is_none(), "filtered out");
    h.get_by_label_contains("AIS off 31 h").click();
    h.run_steps(30);
    let selected = h.state().selected_key();
    let state = h.state();
    let at = match state.doc.selection.current() {
        Some(portolan::document::selection::Selection::Feature(at)) => *at,
        other => panic!("a feature is selected, not {other:?} ({selected:?})"),
    };
    let f = state.doc.feature(at).unwrap();
    assert_eq!(f.str_prop("kind"), Some("ais_gap"));
    // The event page: the evidence and the caveat.
    h.get_by_label("Last seen:");
    h.get_by_label("2023-08-01 09:55 UTC");
    h.get_by_label("2023-08-02 17:00 UTC");
    h.get_by_label_contains("likely switched off");
    h.get_by_label_contains("A gap is not proof of intent");
    // The vessel link goes back to the vessel page.
    h.get_by_label("DARK STAR (MMSI 273000001)").click();
    h.run_steps(10);
    h.get_by_label("Every vessel in the layer");
}

#[test]
fn play_moves_a_time_cursor_and_the_steps_move_it_by_the_speed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.csv");
    let (rows, _) = fleet::fleet();
    std::fs::write(&path, fleet::noaa(&rows)).unwrap();
    let options = Options { files: vec![path], view: Some((152.0, 40.0, 6.0)), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    h.run_steps(10);
    // An AIS file alone gets a timeline over its span (2023-08-01 to 2023-08-03).
    let (start, end) = h.state().timeline.as_ref().expect("a timeline for the AIS layer").span_seconds();
    assert_eq!((start, end), (fleet::T0, fleet::T0 + 3 * 86_400));
    assert!(h.state().timeline.as_ref().unwrap().cursor.is_none());
    h.get_by_label("Play").click();
    h.run_steps(5);
    let t = h.state().timeline.as_ref().unwrap();
    assert!(t.playing && t.cursor.is_some_and(|c| c >= start && c < end), "Play starts the cursor at the start");
    h.get_by_label("Pause").click();
    h.run_steps(2);
    let before = h.state().timeline.as_ref().unwrap().cursor.unwrap();
    let speed = h.state().timeline.as_ref().unwrap().speed;
    h.get_by_label("Step ›").click();
    h.run_steps(2);
    assert_eq!(h.state().timeline.as_ref().unwrap().cursor, Some((before + speed).min(end)));
    h.get_by_label("‹ Step").click();
    h.get_by_label("‹ Step").click();
    h.run_steps(2);
    assert_eq!(h.state().timeline.as_ref().unwrap().cursor, Some((before - speed).max(start)));
    // The date and time are shown; everything dated after the cursor fades.
    h.get_by_label_contains("UTC");
    let range = h.state().timeline.as_ref().unwrap().range().unwrap();
    assert_eq!(range.first, portolan::model::time::Day::from_ymd(2023, 8, 1));
    h.get_by_label("All").click();
    h.run_steps(2);
    assert!(h.state().timeline.as_ref().unwrap().cursor.is_none());
}

#[test]
fn an_ais_event_goes_into_the_open_case_with_its_vessel_in_one_undoable_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.csv");
    let (rows, _) = fleet::fleet();
    std::fs::write(&path, fleet::noaa(&rows)).unwrap();
    let case = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data").join("dprk-russia-2023.portolan.geojson");
    let options = Options { files: vec![case, path], view: Some((152.0, 40.0, 6.0)), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    h.run_steps(10);
    let ais_layer = h.state().doc.layers.iter().position(|l| l.layer.case.is_none()).expect("the AIS layer");
    let case_layer = h.state().doc.layers.iter().position(|l| l.layer.case.is_some()).expect("the case");
    let gap = h.state().doc.layers[ais_layer].layer.features.iter().position(|f| f.str_prop("kind") == Some("ais_gap")).unwrap();
    let (events, vessels) = {
        let c = h.state().doc.layers[case_layer].layer.case.as_ref().unwrap();
        (c.events.len(), c.vessels.len())
    };
    h.state_mut().select(portolan::document::selection::Selection::Feature(portolan::model::FeatureRef { layer: ais_layer, feature: gap }));
    h.run_steps(5);
    h.get_by_label_contains("Add to “").click();
    h.run_steps(5);
    {
        let c = h.state().doc.layers[case_layer].layer.case.as_ref().unwrap();
        assert_eq!((c.events.len(), c.vessels.len()), (events + 1, vessels + 1));
        let e = c.events.last().unwrap();
        assert_eq!(e.evidence_types, ["ais data"]);
        assert_eq!((e.date_start.as_str(), e.date_end.as_deref(), e.kind.as_str()), ("2023-08-01", Some("2023-08-02"), "ais_gap"));
        assert!(e.summary.contains("not proof of intent") && e.summary.contains("31.08 h"), "{}", e.summary);
        let v = c.vessel(&e.vessel_ids[0]).unwrap();
        assert_eq!((v.name.as_str(), v.mmsi.as_deref(), v.imo.as_deref()), ("DARK STAR", Some("273000001"), Some("9000001")));
    }
    // The new event is selected: its page shows.
    h.get_by_label("AIS off 31 h");
    // One undo takes both out.
    h.state_mut().doc.undo();
    let c = h.state().doc.layers[case_layer].layer.case.as_ref().unwrap();
    assert_eq!((c.events.len(), c.vessels.len()), (events, vessels));
}

#[test]
fn thresholds_are_shown_and_a_preset_finds_the_events_again_as_one_undoable_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.csv");
    let (rows, _) = fleet::fleet();
    std::fs::write(&path, fleet::noaa(&rows)).unwrap();
    let options = Options { files: vec![path], view: Some((152.0, 40.0, 6.0)), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    h.run_steps(10);
    let p = h.state().map.screen_from_lonlat(151.0, 40.0).unwrap();
    click_at(&mut h, p);
    h.get_by_label("Detector thresholds").click();
    h.run_steps(3);
    h.get_by_label("Gap from");
    h.get_by_label("Encounter: within");
    let made_with = |h: &Harness<'_, PortolanApp>| portolan::ais::output::thresholds(&h.state().doc.layers[0].layer).unwrap();
    assert_eq!(made_with(&h).gap_hours, 6.0);
    h.get_by_label("terrestrial").click();
    h.run_steps(2);
    h.get_by_label("Find events again").click();
    h.run_steps(5);
    assert_eq!((made_with(&h).gap_hours, made_with(&h).shore_nm), (1.0, 0.0));
    assert!(h.state().doc.layers[0].layer.features.iter().any(|f| f.str_prop("kind") == Some("ais_gap")));
    h.state_mut().doc.undo();
    assert_eq!(made_with(&h).gap_hours, 6.0, "undone");
}
