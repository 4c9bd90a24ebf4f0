//! "Find imagery" in the real window (egui_kittest) against a STAC API on 127.0.0.1: select
//! Dunai, search August to October 2023, and the rows, thumbnails and footprints appear; the
//! platform filter thins rows and footprints alike; hovering a row lights its footprint;
//! "Add to ledger" records a scene in the case (one undo step) and the site's page lists it.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use portolan::ui::{Options, PortolanApp};

#[path = "common/ui.rs"]
mod ui_support;
use ui_support::{frames_until, type_into};

#[path = "support/stac.rs"]
mod stac_fixture;

#[test]
fn find_imagery_of_dunai_lists_scenes_draws_footprints_and_fills_the_ledger() {
    let (url, _server) = stac_fixture::stac_server_with_thumbnails(stac_fixture::items());
    let options = Options { select: Some("site_dunai_port".into()), view: Some((132.37, 42.9, 8.0)), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    h.run_steps(10);
    // The button is below the site's events: scrolled into view first, as a user would.
    h.get_by_label("Find imagery of this site…").scroll_to_me();
    h.run_steps(5);
    h.get_by_label("Find imagery of this site…").click();
    h.run_steps(5);
    assert!(h.state().imagery.is_some(), "the window opens");
    h.get_by_label_contains("Selected: Dunai");
    type_into(&mut h, "From", "2023-08-01");
    type_into(&mut h, "to", "2023-10-31");
    h.get_by_label("Another STAC API…").click();
    h.run_steps(3);
    type_into(&mut h, "URL", &url);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Search").click();
    frames_until(&mut h, |app| app.imagery.as_ref().is_some_and(|w| w.results.is_some() && !w.is_searching()));
    h.run_steps(5);

    // 20 Sentinel-2 and 3 Sentinel-1 scenes over Dunai in the period; none from July,
    // November or the Black Sea.
    h.get_by_label_contains("23 scenes of Dunai (Dunay) naval port facility, 2023-08-01 – 2023-10-31");
    h.get_by_label("2023-08-01 02:05 UTC");
    h.get_by_label("2023-10-31 02:05 UTC");
    assert!(h.query_by_label("2023-07-20 02:05 UTC").is_none() && h.query_by_label("2023-11-03 02:05 UTC").is_none());
    let footprints = |app: &PortolanApp| {
        let id = app.imagery.as_ref()?.results.as_ref()?.layer?;
        let l = &app.doc.layers[app.doc.position(id)?];
        Some((l.layer.name.clone(), l.layer.features.len()))
    };
    assert_eq!(footprints(h.state()), Some(("Imagery: Dunai (Dunay) naval port facility, 2023-08-01 – 2023-10-31".into(), 23)));

    // Thumbnails arrive from the server.
    frames_until(&mut h, |app| app.imagery.as_ref().and_then(|w| w.results.as_ref()).is_some_and(|r| r.thumbnails_arrived() == 23));

    // The platform filter: radar off, 20 rows and 20 footprints.
    h.get_by_label("sentinel-1a").click();
    h.run_steps(5);
    assert_eq!(h.state().imagery.as_ref().unwrap().results.as_ref().unwrap().shown_count(), 20);
    assert_eq!(footprints(h.state()).unwrap().1, 20);

    // Hovering a row lights its footprint on the map.
    h.get_by_label("2023-09-06 02:05 UTC").scroll_to_me();
    h.run_steps(5);
    let row = h.get_by_label("2023-09-06 02:05 UTC").rect().center();
    assert!(row.y < 900.0, "the list scrolls within the window");
    h.hover_at(row);
    h.run_steps(3);
    let lit = h.state().imagery.as_ref().unwrap().highlighted(&h.state().doc).expect("a footprint is lit");
    assert_eq!(h.state().doc.feature(lit).unwrap().key().as_deref(), Some("S2B_52TGN_20230906_0_L2A"));

    // Add to ledger: the first row's scene goes into the case as one step, and its row says so.
    let events = h.state().doc.case(0).unwrap().events.len();
    h.get_all_by_label("Add to ledger").next().unwrap().scroll_to_me();
    h.run_steps(5);
    h.get_all_by_label("Add to ledger").next().unwrap().click();
    h.run_steps(5);
    let case = h.state().doc.case(0).unwrap();
    assert_eq!(case.events.len(), events + 1);
    let e = case.events.last().unwrap();
    assert_eq!((e.date_start.as_str(), e.imagery_provider.as_deref()), ("2023-08-01", Some("Copernicus Sentinel-2")));
    h.get_by_label("In the ledger");
    // The site's page (still selected) lists the image in its ledger.
    h.get_by_label_contains("2023-08-01 — Copernicus Sentinel-2");
    h.state_mut().undo();
    h.run_steps(5);
    assert_eq!(h.state().doc.case(0).unwrap().events.len(), events);
    assert!(h.query_by_label("In the ledger").is_none());
}

/// A catalogue that never answers: the window says it is searching and keeps drawing, Cancel
/// stops it; a catalogue that fails says why in the window.
#[test]
fn a_hanging_search_can_be_cancelled_and_a_failing_one_says_why() {
    use std::io::{Read, Write};
    // Accepts and never answers.
    let hang = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hang_url = format!("http://{}", hang.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in hang.incoming().flatten() {
            held.push(s);
        }
    });
    // Answers every request with a 500.
    let fail = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let fail_url = format!("http://{}", fail.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut s in fail.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = br#"{"code": "InternalError", "description": "the index is rebuilding"}"#;
            let _ = write!(s, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = s.write_all(body);
        }
    });
    let options = Options { view: Some((132.37, 42.9, 8.0)), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    h.run_steps(10);
    h.get_by_label("Find imagery").click();
    h.run_steps(5);
    // Nothing is selected: the map view is searched.
    h.get_by_label("Another STAC API…").click();
    h.run_steps(3);
    type_into(&mut h, "URL", &hang_url);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Search").click();
    h.run_steps(10);
    assert!(h.state().imagery.as_ref().unwrap().is_searching());
    h.get_by_label_contains("Searching 127.0.0.1");
    h.get_by_label("Cancel").click();
    h.run_steps(5);
    assert!(!h.state().imagery.as_ref().unwrap().is_searching());
    h.get_by_label("Search cancelled");

    type_into(&mut h, "URL", &fail_url);
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Search").click();
    h.run_steps(3);
    frames_until(&mut h, |app| app.imagery.as_ref().is_some_and(|w| !w.is_searching()));
    h.run_steps(3);
    h.get_by_label_contains("the catalogue failed (500): the index is rebuilding");
    assert!(h.state().imagery.as_ref().unwrap().results.is_none());
}
