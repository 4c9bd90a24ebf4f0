//! The case file: the sample, its schema, round trips, atomic saves, dangling references.

mod common;

use std::path::Path;

use common::{SAMPLE, of};
use portolan::io::{self, LineColumn, Place, Severity};
use portolan::model::FeatureKind;
use serde_json::{Value, json};

fn sample() -> io::Loaded {
    io::read_path(Path::new(SAMPLE)).unwrap()
}

#[test]
fn sample_holds_the_researched_case_and_every_reference_resolves() {
    let l = sample();
    assert!(l.diagnostics.is_empty(), "{:#?}", l.diagnostics);
    let count = |k: FeatureKind| l.layer.features.iter().filter(|f| f.kind() == k).count();
    assert_eq!(count(FeatureKind::Site), 16);
    assert_eq!(count(FeatureKind::Area), 1);
    assert_eq!(count(FeatureKind::SeaRoute), 3);
    assert_eq!(count(FeatureKind::RailCorridor), 4);
    let case = l.layer.case.as_ref().unwrap();
    assert_eq!((case.vessels.len(), case.events.len(), case.sources.len()), (4, 38, 55));
    assert!(l.layer.feature_by_key("poly_strelok_bay_water").is_none());
    let dunai = l.layer.feature_by_key("site_dunai_port").unwrap();
    assert!(dunai.list_prop("event_ids").contains(&"evt_20230912_angara_at_dunay"), "{:?}", dunai.list_prop("event_ids"));
    let lady_r = case.vessel("ves_lady_r").unwrap();
    assert_eq!(lady_r.imo.as_deref(), Some("9161003"));
    assert!(io::case_file::check_references(&l.layer).is_empty());
}

#[test]
fn sample_is_rebuilt_exactly_from_its_tables() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/tables");
    let layer = io::case_tables::read_dir(&dir).unwrap();
    let rebuilt = io::geojson::to_string(&layer);
    let committed = std::fs::read_to_string(SAMPLE).unwrap();
    assert!(
        rebuilt == committed,
        "sample_data/dprk-russia-2023.portolan.geojson is stale: run \
         `cargo run -- build-case sample_data/tables --out sample_data/dprk-russia-2023.portolan.geojson`"
    );
}

#[test]
fn sample_validates_against_the_published_schema() {
    let schema: Value = serde_json::from_str(include_str!("../docs/case.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema is not vacuous: a bad status and a missing title are caught.
    let mut bad = doc.clone();
    bad["features"][0]["properties"]["status"] = json!("rumoured");
    bad["portolan"].as_object_mut().unwrap().remove("title");
    assert_eq!(validator.iter_errors(&bad).count(), 2);
}

#[test]
fn unknown_members_survive_load_and_save() {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
    doc["x_top"] = json!({"keep": [1, 2]});
    doc["portolan"]["x_case"] = json!("kept");
    doc["portolan"]["events"][0]["x_event"] = json!(true);
    doc["portolan"]["sources"][3]["x_source"] = json!(3.5);
    doc["portolan"]["vessels"][1]["x_vessel"] = json!(null);
    doc["features"][2]["x_feature"] = json!({"a": "b"});
    doc["features"][2]["properties"]["x_prop"] = json!(["p"]);
    let loaded = io::geojson::read_str(&doc.to_string()).unwrap();
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.portolan.geojson");
    io::geojson::save(&path, &loaded.layer).unwrap();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved, doc);
    let again = io::read_path(&path).unwrap();
    assert_eq!(again.layer.case, loaded.layer.case);
    assert_eq!(again.layer.features, loaded.layer.features);
}

#[test]
fn saves_are_atomic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.geojson");
    std::fs::write(&path, "old contents").unwrap();
    let layer = sample().layer;
    io::geojson::save(&path, &layer).unwrap();
    // Only the target is left: no temporary file beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["case.geojson"]);
    assert_eq!(io::read_path(&path).unwrap().layer.features.len(), 24);
    // A save that cannot finish leaves the old file as it was.
    let missing_dir = dir.path().join("no/such/dir/case.geojson");
    assert!(io::geojson::save(&missing_dir, &layer).is_err());
    let target_is_dir = dir.path().join("sub");
    std::fs::create_dir(&target_is_dir).unwrap();
    std::fs::write(target_is_dir.join("f"), "x").unwrap();
    assert!(io::geojson::save(&target_is_dir, &layer).is_err());
    assert!(target_is_dir.join("f").exists());
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn ids_that_point_nowhere_are_warnings() {
    let l = io::geojson::read_str(
        r#"{"type":"FeatureCollection",
            "portolan":{"version":1,"title":"t",
              "sources":[{"id":"src_a"},{"id":"src_a"}],
              "events":[{"id":"evt_1","date_start":"2023-10","title":"e","site_ids":["site_gone"],"source_ids":["src_missing"]}]},
            "features":[{"type":"Feature","properties":{"id":"site_x","kind":"site","source_ids":["src_a","src_nowhere"],"event_ids":["evt_1"]},
                         "geometry":{"type":"Point","coordinates":[1,2]}}]}"#,
    )
    .unwrap();
    assert_eq!(l.layer.features.len(), 1);
    let w = of(&l, Severity::Warning);
    let text: Vec<String> = w.iter().map(|d| d.to_string()).collect();
    assert_eq!(w.len(), 4, "{text:#?}");
    assert!(text.contains(&"warning: source id \"src_a\" is used twice".to_owned()));
    assert!(w.iter().any(|d| d.place == Place::Feature { index: 0, id: Some("site_x".into()), at: Some(LineColumn { line: 5, column: 25 }) } && d.message.contains("src_nowhere")));
    assert!(w.iter().any(|d| d.place == Place::Member("/portolan/events/0".into()) && d.message.contains("site_gone")));
}

#[test]
fn a_bad_event_is_skipped_and_the_rest_of_the_case_loads() {
    let l = io::geojson::read_str(
        r#"{"type":"FeatureCollection","features":[],
            "portolan":{"version":1,"title":"t","events":[{"id":"evt_ok","date_start":"2023","title":"fine"},{"id":5}],
                        "sources":"oops"}}"#,
    )
    .unwrap();
    let case = l.layer.case.unwrap();
    assert_eq!(case.events.len(), 1);
    let errors = of_vec(&l.diagnostics, Severity::Error);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].place, Place::Member("/portolan/sources".into()));
    assert_eq!(errors[1].place, Place::Member("/portolan/events/1".into()));
}

fn of_vec(d: &[io::Diagnostic], s: Severity) -> Vec<&io::Diagnostic> {
    d.iter().filter(|x| x.severity == s).collect()
}

#[test]
fn provenance_of_the_sample() {
    let l = sample();
    let diags = io::case_file::check_provenance(&l.layer);
    assert!(diags.iter().all(|d| d.severity == Severity::Warning));
    let at = |prefix: &str| diags.iter().filter(|d| matches!(&d.place, Place::Member(p) if p.starts_with(prefix))).count();
    let unsourced: Vec<_> = diags.iter().filter_map(|d| if let Place::Feature { id, .. } = &d.place { id.clone() } else { None }).collect();
    // Counted from the file itself: no source has an archive URL or a hash yet, every event
    // cites a source, and one feature, the depot's extent, names none.
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(SAMPLE).unwrap()).unwrap();
    let blank = |v: &Value, key: &str| v.get(key).is_none_or(|x| x.as_str().is_some_and(str::is_empty) || x.as_array().is_some_and(Vec::is_empty));
    let items = |key: &str| doc["portolan"][key].as_array().unwrap().clone();
    let bare_sources = items("sources").iter().filter(|s| blank(s, "archive_url") && blank(s, "sha256")).count();
    let bare_events = items("events").iter().filter(|e| blank(e, "source_ids")).count();
    let claims = ["site", "sea_route", "rail_corridor", "area"];
    let bare_features: Vec<String> = doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| claims.contains(&p["kind"].as_str().unwrap_or("")) && blank(p, "source_ids") && blank(p, "coord_source_ids"))
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!((bare_sources, bare_events, bare_features.len()), (55, 0, 1));
    assert_eq!((at("/portolan/sources/"), at("/portolan/events/")), (bare_sources, bare_events));
    assert_eq!(unsourced, bare_features);
    assert_eq!(unsourced, ["poly_tikhoretsk_depot_extent"]);
    assert_eq!(diags.len(), 56);
    let depot = l.layer.feature_by_key("poly_tikhoretsk_depot_extent").unwrap();
    assert!(depot.is_unsourced());
    assert!(!l.layer.feature_by_key("site_dunai_port").unwrap().is_unsourced());
}

#[test]
fn unsourced_claims_and_unpreserved_sources_are_warnings() {
    let hash = "a".repeat(64);
    let text = r#"{"type":"FeatureCollection",
        "portolan":{"version":1,"title":"t",
          "sources":[{"id":"src_archived","archive_url":"https://web.archive.org/x"},{"id":"src_hashed","sha256":"HASH"},
                     {"id":"src_bare","url":"https://example.org"},{"id":"src_blank","archive_url":" "}],
          "events":[{"id":"evt_sourced","date_start":"2023","title":"e","source_ids":["src_bare"]},
                    {"id":"evt_bare","date_start":"2023","title":"e"}]},
        "features":[
          {"type":"Feature","properties":{"id":"site_sourced","kind":"site","source_ids":["src_archived"]},"geometry":{"type":"Point","coordinates":[1,2]}},
          {"type":"Feature","properties":{"id":"site_coords","kind":"site","coord_source_ids":["src_hashed"]},"geometry":{"type":"Point","coordinates":[1,2]}},
          {"type":"Feature","properties":{"id":"site_bare","kind":"site","source_ids":[]},"geometry":{"type":"Point","coordinates":[1,2]}},
          {"type":"Feature","properties":{"id":"rail_bare","kind":"rail_corridor"},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}},
          {"type":"Feature","properties":{"name":"plain data claims nothing"},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#
        .replace("HASH", &hash);
    let l = io::geojson::read_str(&text).unwrap();
    let diags = io::case_file::check_provenance(&l.layer);
    let got: Vec<String> = diags.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            r#"feature 2 (id "site_bare"): warning: no source backs this site (unsourced): it has no source_ids or coord_source_ids"#,
            r#"feature 3 (id "rail_bare"): warning: no source backs this rail corridor (unsourced): it has no source_ids or coord_source_ids"#,
            "at /portolan/events/1: warning: no source backs this event (unsourced): it has no source_ids",
            "at /portolan/sources/2: warning: no archive URL or saved-copy hash: the claim cannot be checked if the page changes",
            "at /portolan/sources/3: warning: no archive URL or saved-copy hash: the claim cannot be checked if the page changes",
        ]
    );
    // They are what `portolan check` adds; opening the file reports nothing wrong with it.
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let case = l.layer.case.as_ref().unwrap();
    assert_eq!(case.events.iter().map(|e| e.is_unsourced()).collect::<Vec<_>>(), [false, true]);
    assert_eq!(l.layer.features.iter().map(|f| f.is_unsourced()).collect::<Vec<_>>(), [false, false, true, true, false]);
    // A plain file has no case, so nothing to check.
    let plain = io::geojson::read_str(r#"{"type":"Feature","properties":{"kind":"site"},"geometry":{"type":"Point","coordinates":[1,2]}}"#).unwrap();
    assert!(io::case_file::check_provenance(&plain.layer).is_empty());
}
