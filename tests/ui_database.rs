//! A PostGIS table in the real window (egui_kittest), against a PostgreSQL + PostGIS started
//! by the test: `--db` opens the dialog connected, a click opens the table as a layer that
//! holds what is in view, panning reads the new view, and after the server restarts the layer
//! reads again (the connection is made anew).

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use portolan::ui::{Options, PortolanApp};

#[path = "common/ui.rs"]
mod ui_support;
use ui_support::{click_in_layers, drag, frames_until, wait_for_label};

#[path = "support/pg.rs"]
mod pg;

/// The layer's features, once it has some.
fn shown(app: &PortolanApp) -> Option<Vec<(f64, f64)>> {
    let l = app.db_layers.first()?;
    let layer = &app.doc.layers[app.doc.position(l.layer)?].layer;
    let pts: Vec<(f64, f64)> = layer.features.iter().filter_map(|f| match f.geometry {
        Some(geo::Geometry::Point(p)) => Some((p.x(), p.y())),
        _ => None,
    }).collect();
    (!pts.is_empty()).then_some(pts)
}

#[test]
fn a_table_opens_as_a_layer_read_per_view_and_survives_a_restart() {
    let server = pg::Pg::start();
    let mut c = server.connect();
    // A grid of ports every 0.1° over 128–138° E, 34–44° N.
    c.execute_batch(
        "CREATE TABLE ports (id serial PRIMARY KEY, name text, geom geometry(Point, 4326));
         INSERT INTO ports (name, geom) SELECT 'port ' || i, ST_SetSRID(ST_MakePoint(128 + (i % 100) * 0.1, 34 + (i / 100) * 0.1), 4326) FROM generate_series(0, 9999) i;
         CREATE INDEX ON ports USING gist (geom); ANALYZE ports;",
    )
    .unwrap();
    let options = Options { db: Some(server.url()), view: Some((131.0, 37.0, 9.0)), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    h.run_steps(5);
    frames_until(&mut h, |_| true);
    // The dialog lists the table with what the database knows of it.
    wait_for_label(&mut h, "public.ports", "the table is listed");
    h.get_by_label_contains("point · EPSG:4326");
    // The address is saved, without its password, and offered again.
    let address = portolan::db::without_password(&server.url());
    assert!(!address.contains(pg::PASSWORD) && address.starts_with("postgres://"), "{address}");
    assert_eq!(h.state().persisted().db_saved, vec![address.clone()]);
    h.run_steps(2);
    h.get_by_label(&address);
    h.get_by_label("public.ports").click();
    h.run_steps(3);
    // Opening fits the map to the estimated extent; then the view is read.
    frames_until(&mut h, |app| shown(app).is_some() && app.db_layers[0].status.contains("features in view"));
    let first = shown(h.state()).unwrap();
    let rect = h.state().map.rect.unwrap();
    let (w, n) = h.state().map.lonlat_at(rect.left_top()).unwrap();
    let (e, s) = h.state().map.lonlat_at(rect.right_bottom()).unwrap();
    assert!(first.iter().all(|&(x, y)| x >= w - 1e-9 && x <= e + 1e-9 && y >= s - 1e-9 && y <= n + 1e-9), "only what is in view");
    // The whole grid fits the view after the fit, so all 10,000 are there.
    assert_eq!(first.len(), 10_000);

    // Zoom in with the + button: the layer then holds the new view only.
    let centre = rect.center();
    for _ in 0..4 {
        h.get_by_label("+").click();
        h.run_steps(20);
    }
    h.run_steps(30);
    frames_until(&mut h, |app| shown(app).is_some_and(|p| p.len() < 10_000) && !app.db_layers[0].waiting());
    let zoomed = shown(h.state()).unwrap();
    assert!(zoomed.len() < 2_000, "{} in view", zoomed.len());

    // The server restarts: the next view is read on a new connection.
    server.restart();
    drag(&mut h, centre, centre + egui::vec2(300.0, 150.0));
    frames_until(&mut h, |app| app.db_layers[0].status.contains("features in view") && shown(app).is_some_and(|p| p != zoomed));
    let moved = shown(h.state()).unwrap();
    assert!(!moved.is_empty());
    // Closing the layer stops its reads.
    let i = h.state().doc.position(h.state().db_layers[0].layer).unwrap();
    h.state_mut().doc.remove_layer(i);
    h.run_steps(3);
    assert!(h.state().db_layers.is_empty());
}

#[path = "support/fleet.rs"]
mod fleet;

/// An AIS archive in the window: listed as one, read as monthly lines zoomed out, and "Find
/// AIS events in view" extracts the vessels in view to a file that opens as an AIS layer with
/// the detectors' events.
#[test]
fn an_ais_archive_reads_by_zoom_and_finds_events_in_view() {
    let server = pg::Pg::start();
    let dir = tempfile::tempdir().unwrap();
    let (rows, _) = fleet::fleet();
    let file = dir.path().join("fleet.csv");
    std::fs::write(&file, fleet::noaa(&rows)).unwrap();
    let mut data = portolan::ais::read::read_path(&file).unwrap();
    portolan::ais::tracks::build(&mut data);
    let mut c = server.connect();
    c.import_ais(&portolan::db::ais::TableName::parse("ais.positions").unwrap(), &data).unwrap();

    let recovery = dir.path().join("data").join("recovery");
    let options = Options { db: Some(server.url()), view: Some((140.0, 40.0, 4.0)), recovery_dir: Some(recovery), ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    h.run_steps(5);
    wait_for_label(&mut h, "ais.positions", "the archive is listed");
    h.get_by_label("AIS archive");
    h.get_by_label("ais.positions").click();
    h.run_steps(3);
    frames_until(&mut h, |app| app.db_layers.first().is_some_and(|l| l.status.contains("a line per vessel and month")));
    let lines = &h.state().doc.layers[h.state().doc.position(h.state().db_layers[0].layer).unwrap()].layer;
    assert!(lines.features.iter().all(|f| matches!(f.geometry, Some(geo::Geometry::LineString(_) | geo::Geometry::Point(_)))));
    let months = lines.features.len();
    assert!(months > 0);

    // The Layers panel offers the extract for the archive's layer.
    let layers_before = h.state().doc.layers.len();
    click_in_layers(&mut h, "Find AIS events in view");
    frames_until(&mut h, |app| app.doc.layers.len() > layers_before);
    let extract = h.state().doc.layers.last().unwrap();
    let path = extract.path.clone().expect("opened from the extract's file");
    assert!(path.starts_with(dir.path().join("data").join("ais-extracts")), "{}", path.display());
    let tracks = extract.layer.features.iter().filter(|f| f.str_prop("kind") == Some("ais_track")).count();
    let gaps = extract.layer.features.iter().filter(|f| f.str_prop("kind") == Some("ais_gap")).count();
    assert_eq!(tracks, data.vessels.len(), "every vessel of the fleet is in view");
    assert!(gaps >= 1, "the planted gap is found");
}
