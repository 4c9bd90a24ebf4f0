//! Shared cases in PostGIS, against a real PostgreSQL + PostGIS started by the test: a case
//! pushed and pulled back whole, two editors saving the same case (disjoint edits merge, the
//! same field changed by both is a conflict with both values, nothing is lost), the history
//! written by triggers with each editor's role, a past state read back, the history refusing
//! changes, and colleagues' saves announced with LISTEN/NOTIFY.

use std::time::Duration;

use portolan::db::cases::{self, Pulled};
use portolan::model::Layer;
use serde_json::json;

#[path = "support/pg.rs"]
mod pg;

const BIN: &str = env!("CARGO_BIN_EXE_portolan");
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/dprk-russia-2023.portolan.geojson");

fn cli(server: &pg::Pg, args: &[&str]) -> String {
    let out = std::process::Command::new(BIN).arg("db").args(args).args(["--db", &server.url()]).output().unwrap();
    assert!(out.status.success(), "portolan db {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A second role that may edit cases: `alice`.
fn alice(server: &pg::Pg) -> portolan::db::Connection {
    let mut admin = server.connect();
    admin
        .execute_batch(
            "CREATE ROLE alice LOGIN PASSWORD 'alice-pw';
             GRANT USAGE ON SCHEMA portolan TO alice;
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA portolan TO alice;
             GRANT USAGE ON ALL SEQUENCES IN SCHEMA portolan TO alice;",
        )
        .unwrap();
    portolan::db::connect(&format!("postgres://alice:alice-pw@127.0.0.1:{}/postgres", server.port), Duration::from_secs(10)).unwrap()
}

fn feature<'a>(l: &'a Layer, id: &str) -> &'a portolan::model::Feature {
    l.features.iter().find(|f| f.key().as_deref() == Some(id)).unwrap()
}

/// The layer with the feature `id` changed by `edit` (on its GeoJSON).
fn edited(l: &Layer, id: &str, edit: impl Fn(&mut serde_json::Value)) -> Layer {
    let mut doc = portolan::io::geojson::to_value(l);
    for f in doc["features"].as_array_mut().unwrap() {
        if f["properties"]["id"] == id {
            edit(f);
        }
    }
    portolan::io::geojson::read_str(&doc.to_string()).unwrap().layer
}

#[test]
fn a_case_goes_to_the_database_and_back_with_its_history() {
    let server = pg::Pg::start();
    let said = cli(&server, &["push", SAMPLE, "--name", "dprk"]);
    let original = portolan::io::read_path(std::path::Path::new(SAMPLE)).unwrap().layer;
    let n = cases::items_of(&original).len();
    assert!(said.contains(&format!("shared \"dprk\": {n} items")), "{said}");
    // A second push under the same name is refused.
    let again = std::process::Command::new(BIN).args(["db", "push", SAMPLE, "--name", "dprk", "--db", &server.url()]).output().unwrap();
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("already in the database"));

    // Pulled back into a file: the same features, sources, vessels and events.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pulled.portolan.geojson");
    cli(&server, &["pull", "dprk", "--out", out.to_str().unwrap()]);
    let pulled = portolan::io::read_path(&out).unwrap().layer;
    assert_eq!(cases::items_of(&pulled), cases::items_of(&original));
    assert_eq!(pulled.case.as_ref().unwrap().title, original.case.as_ref().unwrap().title);
    assert!(cli(&server, &["cases"]).contains(&format!("dprk  ({}; {n} items)", original.case.as_ref().unwrap().title)));

    // Alice renames Dunai; the history says who and when, and the state before her edit can
    // be read back.
    let mut before = server.connect();
    let before_edit: String = before.query_text("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || 'Z'").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let mut a = alice(&server);
    let base = a.pull("dprk").unwrap();
    let renamed = edited(&base.layer, "site_dunai_port", |f| f["properties"]["name"] = json!("Dunai naval pier"));
    let changes = cases::changes(&base, &renamed);
    assert_eq!(changes.len(), 1);
    let saved = a.save("dprk", &changes).unwrap();
    assert_eq!((saved.written, saved.merged, saved.conflicts.len()), (1, 0, 0));
    let history = cli(&server, &["history", "dprk", "--limit", "5"]);
    let newest = history.lines().next().unwrap();
    assert!(newest.contains("alice") && newest.contains("update") && newest.contains("feature site_dunai_port (version 2)"), "{history}");
    let now = a.pull("dprk").unwrap();
    assert_eq!(feature(&now.layer, "site_dunai_port").name(), Some("Dunai naval pier"));
    let stored = now.items.iter().find(|s| s.item.key == "site_dunai_port").unwrap();
    assert_eq!((stored.version, stored.updated_by.as_str()), (2, "alice"));
    let then = server.connect().pull_at("dprk", &before_edit).unwrap();
    assert_eq!(feature(&then, "site_dunai_port").name(), Some("Dunai (Dunay) naval port facility"));
    let past = dir.path().join("past.geojson");
    cli(&server, &["pull", "dprk", "--at", &before_edit, "--out", past.to_str().unwrap()]);
    assert_eq!(feature(&portolan::io::read_path(&past).unwrap().layer, "site_dunai_port").name(), Some("Dunai (Dunay) naval port facility"));

    // The history cannot be rewritten, not even by the owner.
    let mut owner = server.connect();
    assert!(owner.execute_batch("UPDATE portolan.history SET changed_by = 'nobody'").is_err());
    assert!(owner.execute_batch("DELETE FROM portolan.history").is_err());
}

#[test]
fn two_editors_disjoint_edits_merge_and_the_same_field_conflicts_without_loss() {
    let server = pg::Pg::start();
    let original = portolan::io::read_path(std::path::Path::new(SAMPLE)).unwrap().layer;
    let mut me = server.connect();
    me.push("dprk", &original).unwrap();
    let mut listener = server.connect();
    listener.listen().unwrap();
    let mut her = alice(&server);
    let mine: Pulled = me.pull("dprk").unwrap();
    let hers: Pulled = her.pull("dprk").unwrap();

    // She renames Dunai and saves first; I change its confidence and move it: different
    // fields of the same feature.
    let her_edit = edited(&hers.layer, "site_dunai_port", |f| f["properties"]["name"] = json!("Dunai pier"));
    her.save("dprk", &cases::changes(&hers, &her_edit)).unwrap();
    assert_eq!(listener.saved_cases(Duration::from_secs(5)).unwrap(), ["dprk"], "her save is announced");
    let my_edit = edited(&mine.layer, "site_dunai_port", |f| {
        f["properties"]["confidence"] = json!("high");
        f["geometry"]["coordinates"] = json!([132.37, 42.9]);
    });
    let saved = me.save("dprk", &cases::changes(&mine, &my_edit)).unwrap();
    assert_eq!((saved.written, saved.merged), (1, 1));
    assert!(saved.conflicts.is_empty(), "{:?}", saved.conflicts);
    let now = me.pull("dprk").unwrap();
    let dunai = feature(&now.layer, "site_dunai_port");
    assert_eq!(dunai.name(), Some("Dunai pier"), "her change kept");
    assert_eq!(dunai.str_prop("confidence"), Some("high"), "my change kept");
    assert!(matches!(dunai.geometry, Some(geo::Geometry::Point(p)) if (p.x() - 132.37).abs() < 1e-9), "my move kept");
    assert_eq!(now.items.iter().find(|s| s.item.key == "site_dunai_port").unwrap().version, 3);

    // Both of us change Fokino's description: her save lands, mine is a conflict that shows
    // both values; choosing mine and saving again writes it.
    let (mine, hers) = (me.pull("dprk").unwrap(), her.pull("dprk").unwrap());
    let her_edit = edited(&hers.layer, "site_fokino", |f| f["properties"]["description"] = json!("hers"));
    her.save("dprk", &cases::changes(&hers, &her_edit)).unwrap();
    let my_edit = edited(&mine.layer, "site_fokino", |f| f["properties"]["description"] = json!("mine"));
    let saved = me.save("dprk", &cases::changes(&mine, &my_edit)).unwrap();
    assert_eq!(saved.conflicts.len(), 1);
    let c = &saved.conflicts[0];
    assert_eq!((c.key.as_str(), c.field.as_str(), &c.mine, &c.theirs), ("site_fokino", "properties.description", &json!("mine"), &json!("hers")));
    let fresh = me.pull("dprk").unwrap();
    assert_eq!(feature(&fresh.layer, "site_fokino").str_prop("description"), Some("hers"));
    let chosen = edited(&fresh.layer, "site_fokino", |f| f["properties"]["description"] = c.mine.clone());
    let saved = me.save("dprk", &cases::changes(&fresh, &chosen)).unwrap();
    assert!(saved.conflicts.is_empty());
    assert_eq!(feature(&me.pull("dprk").unwrap().layer, "site_fokino").str_prop("description"), Some("mine"));
    // Every version is in the history: nothing was lost.
    let history = me.history("dprk", 100).unwrap();
    assert_eq!(history.iter().filter(|h| h.item == "feature site_fokino").count(), 3, "{history:?}");
}

/// The layer with the case's own title or description changed.
fn retitled(l: &Layer, member: &str, value: &str) -> Layer {
    let mut doc = portolan::io::geojson::to_value(l);
    doc["portolan"][member] = json!(value);
    portolan::io::geojson::read_str(&doc.to_string()).unwrap().layer
}

/// The case's own members (title, description) are saved, merged and kept in the history
/// like its items: her new title and my new description both land; both of us retitling is a
/// conflict with both titles; a past state has the title it had then.
#[test]
fn the_case_title_and_description_merge_and_conflict_like_items() {
    let server = pg::Pg::start();
    let original = portolan::io::read_path(std::path::Path::new(SAMPLE)).unwrap().layer;
    let mut me = server.connect();
    me.push("dprk", &original).unwrap();
    let mut her = alice(&server);
    let (mine, hers) = (me.pull("dprk").unwrap(), her.pull("dprk").unwrap());
    let old_title = original.case.as_ref().unwrap().title.clone();

    her.save("dprk", &cases::changes(&hers, &retitled(&hers.layer, "title", "Her title"))).unwrap();
    let before_mine = me.query_text("SELECT now()").unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let saved = me.save("dprk", &cases::changes(&mine, &retitled(&mine.layer, "description", "My description"))).unwrap();
    assert!(saved.conflicts.is_empty() && saved.merged == 1, "{:?}", saved.conflicts);
    let now = me.pull("dprk").unwrap();
    let case = now.layer.case.as_ref().unwrap();
    assert_eq!((case.title.as_str(), case.description.as_str()), ("Her title", "My description"));
    assert_eq!(now.layer.features.len(), original.features.len(), "the items are untouched");

    // Both retitle: hers is kept, mine is a conflict showing both.
    let (mine, hers) = (me.pull("dprk").unwrap(), her.pull("dprk").unwrap());
    her.save("dprk", &cases::changes(&hers, &retitled(&hers.layer, "title", "Her second title"))).unwrap();
    let saved = me.save("dprk", &cases::changes(&mine, &retitled(&mine.layer, "title", "My title"))).unwrap();
    assert_eq!(saved.conflicts.len(), 1, "{:?}", saved.conflicts);
    let c = &saved.conflicts[0];
    assert_eq!((c.kind, c.field.as_str(), c.mine.clone(), c.theirs.clone()), ("case", "portolan.title", json!("My title"), json!("Her second title")));
    assert_eq!(me.pull("dprk").unwrap().layer.case.unwrap().title, "Her second title");

    // The history has each change of them; a past state has its title.
    let then = me.pull_at("dprk", &before_mine).unwrap();
    assert_eq!(then.case.as_ref().unwrap().title, "Her title");
    assert_ne!(then.case.as_ref().unwrap().description, "My description");
    let history = me.history("dprk", 1000).unwrap();
    assert_eq!(history.iter().filter(|e| e.item.trim() == "case").count(), 4, "the push and three saves");
    assert_ne!(old_title, "Her title");
}
