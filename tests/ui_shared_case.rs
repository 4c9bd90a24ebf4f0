//! A shared case in the real window (egui_kittest), against a PostgreSQL + PostGIS started by
//! the test: opened from the database dialog, the panel says who changed a feature last,
//! Ctrl+S saves to the database, a colleague's save is shown at once when nothing here is
//! unsaved, and a field both changed opens the Conflicts window, where "Use mine" and a second
//! save put mine in the case. History… opens a past save read-only; after a server restart an
//! unsaved edit stays and merges with what a colleague saved meanwhile.

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use portolan::db::cases;
use portolan::model::{Feature, FeatureRef};
use portolan::ui::{Options, PortolanApp};
use serde_json::json;

#[path = "common/ui.rs"]
mod ui_support;
use ui_support::{click_in_layers, frames_until, wait_for_label};

#[path = "support/pg.rs"]
mod pg;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/dprk-russia-2023.portolan.geojson");

fn shared_layer(app: &PortolanApp) -> Option<usize> {
    app.doc.position(app.shared.first()?.layer)
}

fn site(app: &PortolanApp, id: &str) -> Option<(FeatureRef, Feature)> {
    let layer = shared_layer(app)?;
    let feature = app.doc.layers[layer].layer.features.iter().position(|f| f.key().as_deref() == Some(id))?;
    Some((FeatureRef { layer, feature }, app.doc.layers[layer].layer.features[feature].clone()))
}

/// A colleague's edit of one property, saved through her own connection.
fn colleague_sets(server: &pg::Pg, id: &str, key: &str, value: &str) {
    let mut her = server.connect();
    let base = her.pull("dprk").unwrap();
    let mut doc = portolan::io::geojson::to_value(&base.layer);
    for f in doc["features"].as_array_mut().unwrap() {
        if f["properties"]["id"] == id {
            f["properties"][key] = json!(value);
        }
    }
    let now = portolan::io::geojson::read_str(&doc.to_string()).unwrap().layer;
    her.save("dprk", &cases::changes(&base, &now)).unwrap();
}

fn my_edit(h: &mut Harness<'_, PortolanApp>, id: &str, key: &str, value: &str) {
    let (at, mut f) = site(h.state(), id).unwrap();
    f.properties.insert(key.into(), json!(value));
    h.state_mut().doc.replace_feature(at, f, "Edit", None).unwrap();
}

#[test]
fn a_shared_case_is_edited_saved_and_kept_in_step_with_a_colleague() {
    let server = pg::Pg::start();
    let case = portolan::io::read_path(std::path::Path::new(SAMPLE)).unwrap().layer;
    server.connect().push("dprk", &case).unwrap();

    let options = Options { db: Some(server.url()), files: vec![], ..Options::default() };
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_eframe(move |cc| PortolanApp::new(&cc.egui_ctx, options, None, None));
    wait_for_label(&mut h, "dprk", "the shared case is listed");
    h.get_by_label("dprk").click();
    h.run_steps(5);
    assert!(shared_layer(h.state()).is_some(), "opened as a layer");

    // The panel says who changed Dunai last.
    let (at, _) = site(h.state(), "site_dunai_port").unwrap();
    h.state_mut().doc.selection.select(portolan::document::selection::Selection::Feature(at));
    h.run_steps(3);
    h.get_by_label_contains("Last changed by portolan");

    // My edit, Ctrl+S: written to the database.
    my_edit(&mut h, "site_dunai_port", "name", "Dunai pier");
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(3);
    assert!(h.state().note.as_deref().is_some_and(|n| n.starts_with("Saved dprk to the database: 1 changes")), "{:?}", h.state().note);
    assert!(!h.state().doc.layers[shared_layer(h.state()).unwrap()].is_dirty());
    let stored = server.connect().pull("dprk").unwrap();
    assert_eq!(stored.layer.features.iter().find(|f| f.key().as_deref() == Some("site_dunai_port")).unwrap().name(), Some("Dunai pier"));
    h.get_by_label_contains("(version 2)");

    // A colleague's save shows here at once (nothing unsaved here).
    colleague_sets(&server, "site_dunai_port", "confidence", "high");
    frames_until(&mut h, |app| site(app, "site_dunai_port").is_some_and(|(_, f)| f.str_prop("confidence") == Some("high")));

    // Both of us change Fokino's description: hers lands first, mine is a conflict.
    my_edit(&mut h, "site_fokino", "description", "mine");
    colleague_sets(&server, "site_fokino", "description", "hers");
    frames_until(&mut h, |app| app.shared[0].colleague_saved);
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(5);
    h.get_by_label("Conflicts");
    h.get_by_label("hers");
    assert_eq!(h.get_all_by_label("mine").count(), 2, "the column and my value");
    assert_eq!(site(h.state(), "site_fokino").unwrap().1.str_prop("description"), Some("hers"), "the saved value is shown");
    h.get_by_label("Use mine").click();
    h.run_steps(3);
    assert_eq!(site(h.state(), "site_fokino").unwrap().1.str_prop("description"), Some("mine"));
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(3);
    let stored = server.connect().pull("dprk").unwrap();
    assert_eq!(stored.layer.features.iter().find(|f| f.key().as_deref() == Some("site_fokino")).unwrap().str_prop("description"), Some("mine"));

    // History…: every save, newest first; the first one (the push) opens read-only as it was.
    let original = case.features.iter().find(|f| f.key().as_deref() == Some("site_dunai_port")).unwrap().name().map(str::to_owned);
    click_in_layers(&mut h, "History…");
    h.run_steps(3);
    h.get_by_label("History of dprk");
    let saves = h.get_all_by_label("Open as it was then").count();
    assert_eq!(saves, 6, "the push, her two saves, my three (the one that met the conflict too)");
    h.get_all_by_label("Open as it was then").last().unwrap().click();
    h.run_steps(3);
    let past = h.state().doc.layers.iter().position(|l| l.read_only.is_some()).unwrap_or_else(|| panic!("a read-only layer: {:?} {:?}", h.state().tools.problem, h.state().note));
    let past_layer = &h.state().doc.layers[past].layer;
    assert!(past_layer.name.starts_with("dprk at ") && past_layer.name.ends_with("(read-only)"), "{}", past_layer.name);
    let dunai = past_layer.features.iter().position(|f| f.key().as_deref() == Some("site_dunai_port")).unwrap();
    assert_eq!(past_layer.features[dunai].name().map(str::to_owned), original, "Dunai before my edit");
    assert_eq!(past_layer.features.len(), case.features.len());
    let mut f = past_layer.features[dunai].clone();
    f.properties.insert("name".into(), json!("changed"));
    let refused = h.state_mut().doc.replace_feature(FeatureRef { layer: past, feature: dunai }, f, "Edit", None);
    assert!(matches!(refused, Err(portolan::document::EditError::ReadOnly(_))), "{refused:?}");
    // The live case is as it was.
    assert_eq!(site(h.state(), "site_dunai_port").unwrap().1.name(), Some("Dunai pier"));

    // The server restarts while an edit here is unsaved: the edit stays, the listener connects
    // again and notices a colleague's save made meanwhile, and Save merges the two.
    my_edit(&mut h, "site_fokino", "confidence", "low");
    server.restart();
    colleague_sets(&server, "site_dunai_port", "description", "after the restart");
    frames_until(&mut h, |app| app.shared[0].colleague_saved);
    assert_eq!(site(h.state(), "site_fokino").unwrap().1.str_prop("confidence"), Some("low"), "the unsaved edit stays");
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(3);
    let stored = server.connect().pull("dprk").unwrap();
    let stored = |id: &str, key: &str| stored.layer.features.iter().find(|f| f.key().as_deref() == Some(id)).unwrap().str_prop(key).map(str::to_owned);
    assert_eq!(stored("site_fokino", "confidence").as_deref(), Some("low"));
    assert_eq!(stored("site_dunai_port", "description").as_deref(), Some("after the restart"));
}
