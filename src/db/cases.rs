//! Cases kept in PostGIS, shared by a team. Portolan creates (and migrates) the schema
//! `portolan`:
//!
//! * `cases`: one row per case (its name, and the case file's members other than the lists);
//! * `items`: every feature, source, vessel and event of a case as its own row (its JSON as
//!   the case file has it, the geometry as PostGIS geometry for spatial queries), with a
//!   `version` that each change raises, and who changed it last and when;
//! * `history`: append-only, written by a trigger on `items` for every insert, update and
//!   delete (the editing user is the database role); rows there cannot be changed or
//!   removed.
//!
//! A save is one changeset in one transaction with optimistic locking: an item is written only
//! if it is still at the version the editor started from (`… WHERE version = $base`). When a
//! colleague changed it meanwhile, the two are merged field by field (a feature's properties
//! and geometry, a record's members): fields changed on one side only are taken from that
//! side; a field changed on both sides to different values is a [`Conflict`] with both values,
//! and nothing of either is lost. A case moves between a file and the database both ways
//! (`push`, `pull`), and any past state can be read back from the history (`pull_at`).

use serde_json::{Map, Value, json};

use super::{Connection, DbError};
use crate::model::Layer;

/// The version of the schema this code writes (kept in `portolan.meta`).
pub const SCHEMA_VERSION: i32 = 2;

const SCHEMA: &str = r#"
CREATE SCHEMA IF NOT EXISTS portolan;
CREATE TABLE IF NOT EXISTS portolan.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS portolan.cases (
    id bigserial PRIMARY KEY,
    name text UNIQUE NOT NULL,
    body jsonb NOT NULL,
    created_by text NOT NULL DEFAULT current_user,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS portolan.items (
    case_id bigint NOT NULL REFERENCES portolan.cases ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('feature', 'source', 'vessel', 'event')),
    key text NOT NULL,
    position integer NOT NULL,
    body jsonb NOT NULL,
    geom geometry(Geometry, 4326),
    version integer NOT NULL DEFAULT 1,
    updated_by text NOT NULL DEFAULT current_user,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, kind, key));
CREATE INDEX IF NOT EXISTS items_geom ON portolan.items USING gist (geom);
CREATE TABLE IF NOT EXISTS portolan.history (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL,
    kind text NOT NULL,
    key text NOT NULL,
    op text NOT NULL,
    version integer NOT NULL,
    position integer,
    body jsonb,
    changed_by text NOT NULL DEFAULT current_user,
    changed_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS history_case ON portolan.history (case_id, changed_at);
-- Version 2: one time for all the changes of a save (the transaction's), so that a save is
-- one moment of the history to open the case at.
ALTER TABLE portolan.history ALTER COLUMN changed_at SET DEFAULT now();
ALTER TABLE portolan.items ALTER COLUMN updated_at SET DEFAULT now();
CREATE OR REPLACE FUNCTION portolan.record_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO portolan.history (case_id, kind, key, op, version, position, body)
        VALUES (OLD.case_id, OLD.kind, OLD.key, 'delete', OLD.version + 1, OLD.position, NULL);
        RETURN OLD;
    END IF;
    INSERT INTO portolan.history (case_id, kind, key, op, version, position, body)
    VALUES (NEW.case_id, NEW.kind, NEW.key, lower(TG_OP), NEW.version, NEW.position, NEW.body);
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS items_history ON portolan.items;
CREATE TRIGGER items_history AFTER INSERT OR UPDATE OR DELETE ON portolan.items
    FOR EACH ROW EXECUTE FUNCTION portolan.record_history();
CREATE OR REPLACE FUNCTION portolan.history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the history of a case is append-only';
END $$;
DROP TRIGGER IF EXISTS history_append_only ON portolan.history;
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON portolan.history
    FOR EACH ROW EXECUTE FUNCTION portolan.history_is_append_only();
"#;

/// One item of a case: a feature, source, vessel or event.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: &'static str,
    pub key: String,
    pub body: Value,
}

/// An item as the database has it.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub item: Item,
    pub version: i32,
    pub updated_by: String,
    pub updated_at: String,
}

/// A case as read from the database: the layer, and each item's version (the base of the
/// next save) and who changed it last, and when.
pub struct Pulled {
    pub layer: Layer,
    pub items: Vec<Stored>,
    /// The case's own members (title, description, …): the base of the next save's.
    pub body: Value,
}

/// One change of a save: the item as the editor has it now (`None`: deleted), and the version
/// it started from (`None`: new).
#[derive(Clone, Debug)]
pub struct Change {
    pub kind: &'static str,
    pub key: String,
    pub base: Option<(i32, Value)>,
    pub mine: Option<Value>,
}

/// A field both sides changed to different values: both are kept here for the user to choose.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    pub kind: &'static str,
    pub key: String,
    /// `properties.name`, `geometry`, `title`…
    pub field: String,
    pub mine: Value,
    pub theirs: Value,
}

/// What a save did.
#[derive(Debug, Default)]
pub struct Saved {
    pub written: usize,
    /// Items a colleague changed meanwhile whose changes were merged with these.
    pub merged: usize,
    /// Fields changed on both sides: written as theirs, mine kept here (choose, then save
    /// again).
    pub conflicts: Vec<Conflict>,
}

/// The items of a case layer, in order: features, sources, vessels, events.
pub fn items_of(layer: &Layer) -> Vec<Item> {
    let doc = crate::io::geojson::to_value(layer);
    let mut items = Vec::new();
    for (i, f) in doc.get("features").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let key = f.get("properties").and_then(|p| p.get("id")).and_then(Value::as_str).map(str::to_owned).or_else(|| f.get("id").map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))).unwrap_or_else(|| format!("#{i}"));
        items.push(Item { kind: "feature", key, body: f.clone() });
    }
    if let Some(p) = doc.get(crate::io::case_file::MEMBER) {
        for (kind, list) in [("source", "sources"), ("vessel", "vessels"), ("event", "events")] {
            for r in p.get(list).and_then(Value::as_array).into_iter().flatten() {
                let key = r.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
                items.push(Item { kind, key, body: r.clone() });
            }
        }
    }
    items
}

/// The case file's members other than the lists (title, description, other members).
fn case_body(layer: &Layer) -> Value {
    let mut doc = crate::io::geojson::to_value(layer);
    if let Some(o) = doc.as_object_mut() {
        o.remove("features");
        if let Some(Value::Object(p)) = o.get_mut(crate::io::case_file::MEMBER) {
            for list in ["sources", "vessels", "events"] {
                p.remove(list);
            }
        }
    }
    doc
}

/// A case layer again from its body and items.
fn assemble(body: &Value, items: &[Item]) -> Result<Layer, DbError> {
    let mut doc = body.clone();
    let root = doc.as_object_mut().ok_or_else(|| DbError::Query("a case without a body".into()))?;
    let of = |kind: &str| -> Vec<Value> { items.iter().filter(|i| i.kind == kind).map(|i| i.body.clone()).collect() };
    root.insert("features".into(), Value::Array(of("feature")));
    if let Some(Value::Object(p)) = root.get_mut(crate::io::case_file::MEMBER) {
        p.insert("sources".into(), Value::Array(of("source")));
        p.insert("vessels".into(), Value::Array(of("vessel")));
        p.insert("events".into(), Value::Array(of("event")));
    }
    crate::io::geojson::read_str(&doc.to_string()).map(|l| l.layer).map_err(|e| DbError::Query(format!("the case in the database does not read back: {e}")))
}

/// A feature's geometry for the `geom` column, as GeoJSON text.
fn geometry_text(item: &Item) -> Option<String> {
    (item.kind == "feature").then(|| item.body.get("geometry").filter(|g| !g.is_null()).map(Value::to_string)).flatten()
}

/// The fields a merge compares: a feature's properties one by one and its geometry; a
/// record's members; a case's own members (title, description, …) one by one.
fn fields(v: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(o) = v.as_object() else { return out };
    for (k, val) in o {
        match val.as_object().filter(|_| NESTED.contains(&k.as_str())) {
            Some(p) => {
                for (pk, pv) in p {
                    out.insert(format!("{k}.{pk}"), pv.clone());
                }
            }
            None => {
                out.insert(k.clone(), val.clone());
            }
        }
    }
    out
}

/// The members whose own members merge one by one: a feature's properties, and the case
/// file's member in the case's body.
const NESTED: [&str; 2] = ["properties", crate::io::case_file::MEMBER];

fn from_fields(f: &Map<String, Value>) -> Value {
    let mut o = Map::new();
    let mut nested: [Option<Map<String, Value>>; 2] = [None, None];
    for (k, v) in f {
        match NESTED.iter().position(|n| k.strip_prefix(n).is_some_and(|rest| rest.starts_with('.'))) {
            Some(n) => {
                nested[n].get_or_insert_with(Map::new).insert(k[NESTED[n].len() + 1..].to_owned(), v.clone());
            }
            None => {
                o.insert(k.clone(), v.clone());
            }
        }
    }
    if o.get("type").and_then(Value::as_str) == Some("Feature") && nested[0].is_none() {
        nested[0] = Some(Map::new());
    }
    for (n, members) in nested.into_iter().enumerate() {
        if let Some(m) = members {
            o.insert(NESTED[n].to_owned(), Value::Object(m));
        }
    }
    Value::Object(o)
}

/// Three-way merge of one item: `base` what both started from, `mine` and `theirs` now.
pub fn merge(kind: &'static str, key: &str, base: &Value, mine: &Value, theirs: &Value) -> (Value, Vec<Conflict>) {
    let (b, m, t) = (fields(base), fields(mine), fields(theirs));
    let mut names: Vec<&String> = b.keys().chain(m.keys()).chain(t.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Map::new();
    let mut conflicts = Vec::new();
    for name in names {
        let (bv, mv, tv) = (b.get(name), m.get(name), t.get(name));
        let chosen = if mv == tv {
            mv
        } else if mv == bv {
            tv
        } else if tv == bv {
            mv
        } else {
            conflicts.push(Conflict { kind, key: key.to_owned(), field: name.clone(), mine: mv.cloned().unwrap_or(Value::Null), theirs: tv.cloned().unwrap_or(Value::Null) });
            tv
        };
        if let Some(v) = chosen {
            out.insert(name.clone(), v.clone());
        }
    }
    (from_fields(&out), conflicts)
}

impl Connection {
    /// Creates the `portolan` schema, or brings an older one up to this version.
    pub fn migrate(&mut self) -> Result<(), DbError> {
        // Up to date: nothing to do (editors need no right to create schemas).
        let made: bool = self.client.query_one("SELECT to_regclass('portolan.meta') IS NOT NULL", &[])?.get(0);
        if made {
            let version = self.client.query_opt("SELECT value FROM portolan.meta WHERE key = 'schema_version'", &[])?;
            if version.map(|r| r.get::<_, String>(0)) == Some(SCHEMA_VERSION.to_string()) {
                return Ok(());
            }
        }
        let mut tx = self.client.transaction()?;
        tx.batch_execute("SELECT pg_advisory_xact_lock(7151)")?;
        tx.batch_execute(SCHEMA)?;
        tx.execute("INSERT INTO portolan.meta VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", &[&SCHEMA_VERSION.to_string()])?;
        tx.commit()?;
        Ok(())
    }

    /// The shared cases, with their last change and who made it.
    pub fn cases(&mut self) -> Result<Vec<CaseInfo>, DbError> {
        self.migrate()?;
        let rows = self.client.query(
            "SELECT c.name, coalesce(c.body #>> '{portolan,title}', ''), count(i.key),
                    (SELECT changed_by FROM portolan.history h WHERE h.case_id = c.id ORDER BY h.id DESC LIMIT 1),
                    (SELECT to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM portolan.history h WHERE h.case_id = c.id ORDER BY h.id DESC LIMIT 1)
             FROM portolan.cases c LEFT JOIN portolan.items i ON i.case_id = c.id GROUP BY c.id ORDER BY c.name",
            &[],
        )?;
        Ok(rows.iter().map(|r| CaseInfo { name: r.get(0), title: r.get(1), items: r.get(2), changed_by: r.get(3), changed_at: r.get(4) }).collect())
    }

    /// Stores a case file's layer under `name` (a new shared case; an existing name is
    /// refused, to be pulled and saved instead).
    pub fn push(&mut self, name: &str, layer: &Layer) -> Result<usize, DbError> {
        if layer.case.is_none() {
            return Err(DbError::Usage("only a case file can be shared (this layer has no evidence)".into()));
        }
        self.migrate()?;
        let items = items_of(layer);
        let mut tx = self.client.transaction()?;
        let exists = tx.query_opt("SELECT 1 FROM portolan.cases WHERE name = $1", &[&name])?;
        if exists.is_some() {
            return Err(DbError::Usage(format!("a case named {name:?} is already in the database: pull it, or push under another name")));
        }
        let body = case_body(layer);
        let id: i64 = tx.query_one("INSERT INTO portolan.cases (name, body) VALUES ($1, $2) RETURNING id", &[&name, &body])?.get(0);
        tx.execute("INSERT INTO portolan.history (case_id, kind, key, op, version, body) VALUES ($1, 'case', '', 'insert', 1, $2)", &[&id, &body])?;
        let insert = tx.prepare(
            "INSERT INTO portolan.items (case_id, kind, key, position, body, geom) VALUES ($1, $2, $3, $4, $5, ST_SetSRID(ST_GeomFromGeoJSON($6), 4326))",
        )?;
        for (i, item) in items.iter().enumerate() {
            tx.execute(&insert, &[&id, &item.kind, &item.key, &(i as i32), &item.body, &geometry_text(item)])?;
        }
        tx.commit()?;
        Ok(items.len())
    }

    /// The shared case `name` as it is now.
    pub fn pull(&mut self, name: &str) -> Result<Pulled, DbError> {
        self.migrate()?;
        let Some(case) = self.client.query_opt("SELECT id, body FROM portolan.cases WHERE name = $1", &[&name])? else {
            return Err(DbError::Usage(format!("no case named {name:?} in the database")));
        };
        let (id, body): (i64, Value) = (case.get(0), case.get(1));
        let rows = self.client.query(
            "SELECT kind, key, body, version, updated_by, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM portolan.items WHERE case_id = $1
             ORDER BY array_position(ARRAY['feature', 'source', 'vessel', 'event'], kind), position, key",
            &[&id],
        )?;
        let items: Vec<Stored> = rows
            .iter()
            .map(|r| Stored { item: Item { kind: kind_name(r.get(0)), key: r.get(1), body: r.get(2) }, version: r.get(3), updated_by: r.get(4), updated_at: r.get(5) })
            .collect();
        let layer = assemble(&body, &items.iter().map(|s| s.item.clone()).collect::<Vec<_>>())?;
        Ok(Pulled { layer, items, body })
    }

    /// The shared case `name` as it was at `at` (a timestamp PostgreSQL reads, e.g.
    /// `2026-12-06 18:00Z`), from its history: read-only.
    pub fn pull_at(&mut self, name: &str, at: &str) -> Result<Layer, DbError> {
        self.pull_until(name, "changed_at <= $2::text::timestamptz", &at)
    }

    /// The shared case `name` as the save whose last history entry is `entry` left it
    /// ([`HistoryEntry::id`]): exact even when saves overlapped in time, since a save's
    /// entries are numbered while it holds the case's lock.
    pub fn pull_after(&mut self, name: &str, entry: i64) -> Result<Layer, DbError> {
        self.pull_until(name, "id <= $2", &entry)
    }

    /// The case from its history, up to the entries `cut` (an SQL condition on `$2`) keeps.
    fn pull_until(&mut self, name: &str, cut: &str, until: &(dyn postgres::types::ToSql + Sync)) -> Result<Layer, DbError> {
        self.migrate()?;
        let Some(case) = self.client.query_opt("SELECT id, body FROM portolan.cases WHERE name = $1", &[&name])? else {
            return Err(DbError::Usage(format!("no case named {name:?} in the database")));
        };
        let (id, now): (i64, Value) = (case.get(0), case.get(1));
        // The case's own members as they were then (cases shared before their changes were
        // recorded have only the present ones).
        let then = self.client.query_opt(&format!("SELECT body FROM portolan.history WHERE case_id = $1 AND kind = 'case' AND {cut} ORDER BY id DESC LIMIT 1"), &[&id, until])?;
        let body: Value = then.map_or(now, |r| r.get(0));
        let rows = self.client.query(
            &format!(
                "SELECT kind, key, body FROM (
                     SELECT DISTINCT ON (kind, key) kind, key, op, body, position FROM portolan.history
                     WHERE case_id = $1 AND kind <> 'case' AND {cut} ORDER BY kind, key, id DESC) last
                 WHERE op <> 'delete'
                 ORDER BY array_position(ARRAY['feature', 'source', 'vessel', 'event'], kind), position, key"
            ),
            &[&id, until],
        )?;
        let items: Vec<Item> = rows.iter().map(|r| Item { kind: kind_name(r.get(0)), key: r.get(1), body: r.get(2) }).collect();
        assemble(&body, &items)
    }

    /// Saves a changeset to the shared case `name` (see the module docs).
    pub fn save(&mut self, name: &str, changes: &[Change]) -> Result<Saved, DbError> {
        let mut tx = self.client.transaction()?;
        let Some(case) = tx.query_opt("SELECT id FROM portolan.cases WHERE name = $1 FOR UPDATE", &[&name])? else {
            return Err(DbError::Usage(format!("no case named {name:?} in the database")));
        };
        let id: i64 = case.get(0);
        let mut saved = Saved::default();
        for c in changes {
            if c.kind == "case" {
                // The case's own members: locked with the case's row above, compared by value.
                let (Some((_, base)), Some(mine)) = (&c.base, &c.mine) else { continue };
                let current: Value = tx.query_one("SELECT body FROM portolan.cases WHERE id = $1", &[&id])?.get(0);
                let write = if &current == base {
                    mine.clone()
                } else {
                    let (merged, conflicts) = merge("case", "", base, mine, &current);
                    saved.merged += 1;
                    saved.conflicts.extend(conflicts);
                    merged
                };
                if write != current {
                    tx.execute("UPDATE portolan.cases SET body = $2 WHERE id = $1", &[&id, &write])?;
                    tx.execute("INSERT INTO portolan.history (case_id, kind, key, op, version, body) VALUES ($1, 'case', '', 'update', 0, $2)", &[&id, &write])?;
                    saved.written += 1;
                }
                continue;
            }
            let current = tx.query_opt("SELECT version, body FROM portolan.items WHERE case_id = $1 AND kind = $2 AND key = $3 FOR UPDATE", &[&id, &c.kind, &c.key])?;
            let current: Option<(i32, Value)> = current.map(|r| (r.get(0), r.get(1)));
            // What to write: mine, or mine merged with what a colleague saved meanwhile.
            let write: Option<Value> = match (&c.base, &current, &c.mine) {
                (Some((v, _)), Some((now, _)), mine) if v == now => mine.clone(),
                (Some((_, base)), Some((_, theirs)), Some(mine)) => {
                    let (merged, conflicts) = merge(c.kind, &c.key, base, mine, theirs);
                    saved.merged += 1;
                    saved.conflicts.extend(conflicts);
                    Some(merged)
                }
                // Deleted here, changed there: their changes stay.
                (Some(_), Some((_, theirs)), None) => {
                    saved.conflicts.push(Conflict { kind: c.kind, key: c.key.clone(), field: "(deleted here)".into(), mine: Value::Null, theirs: theirs.clone() });
                    continue;
                }
                // Changed here, deleted there: mine comes back.
                (Some(_), None, Some(mine)) => Some(mine.clone()),
                (Some(_), None, None) => continue,
                // New here, and someone added one with the same key meanwhile.
                (None, Some((_, theirs)), Some(mine)) => {
                    let (merged, conflicts) = merge(c.kind, &c.key, &json!({}), mine, theirs);
                    saved.merged += 1;
                    saved.conflicts.extend(conflicts);
                    Some(merged)
                }
                (None, _, mine) => mine.clone(),
            };
            let item = write.as_ref().map(|body| Item { kind: c.kind, key: c.key.clone(), body: body.clone() });
            match (item, &current) {
                (Some(item), Some((now, _))) => {
                    let n = tx.execute(
                        "UPDATE portolan.items SET body = $4, geom = ST_SetSRID(ST_GeomFromGeoJSON($5), 4326), version = version + 1,
                             updated_by = current_user, updated_at = now()
                         WHERE case_id = $1 AND kind = $2 AND key = $3 AND version = $6",
                        &[&id, &c.kind, &c.key, &item.body, &geometry_text(&item), now],
                    )?;
                    if n != 1 {
                        return Err(DbError::Query(format!("{} {} changed while it was being saved: save again", c.kind, c.key)));
                    }
                }
                (Some(item), None) => {
                    tx.execute(
                        "INSERT INTO portolan.items (case_id, kind, key, position, body, geom)
                         VALUES ($1, $2, $3, (SELECT coalesce(max(position), -1) + 1 FROM portolan.items WHERE case_id = $1 AND kind = $2), $4,
                                 ST_SetSRID(ST_GeomFromGeoJSON($5), 4326))",
                        &[&id, &c.kind, &c.key, &item.body, &geometry_text(&item)],
                    )?;
                }
                (None, Some((now, _))) => {
                    tx.execute("DELETE FROM portolan.items WHERE case_id = $1 AND kind = $2 AND key = $3 AND version = $4", &[&id, &c.kind, &c.key, now])?;
                }
                (None, None) => continue,
            }
            saved.written += 1;
        }
        tx.execute("SELECT pg_notify('portolan_case', $1)", &[&name])?;
        tx.commit()?;
        Ok(saved)
    }

    /// Starts listening for colleagues' saves (each save notifies `portolan_case` with the
    /// case's name).
    pub fn listen(&mut self) -> Result<(), DbError> {
        Ok(self.client.batch_execute("LISTEN portolan_case")?)
    }

    /// The names of the cases saved since the last call, waiting up to `wait` for the first.
    pub fn saved_cases(&mut self, wait: std::time::Duration) -> Result<Vec<String>, DbError> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut names = Vec::new();
        let mut notes = self.client.notifications();
        let first = notes.timeout_iter(wait).next()?.map(|n| n.payload().to_owned());
        if let Some(name) = first {
            names.push(name);
            let mut rest = notes.iter();
            while let Some(n) = rest.next()? {
                names.push(n.payload().to_owned());
            }
        }
        Ok(names)
    }

    /// The changes of a shared case, newest first: who, when, what.
    pub fn history(&mut self, name: &str, limit: i64) -> Result<Vec<HistoryEntry>, DbError> {
        let rows = self.client.query(
            "SELECT to_char(h.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), h.changed_by, h.op, h.kind || ' ' || h.key, h.version, h.changed_at::text, h.id
             FROM portolan.history h JOIN portolan.cases c ON c.id = h.case_id WHERE c.name = $1 ORDER BY h.id DESC LIMIT $2",
            &[&name, &limit],
        )?;
        Ok(rows.iter().map(|r| HistoryEntry { at: r.get(0), by: r.get(1), op: r.get(2), item: r.get(3), version: r.get(4), exact: r.get(5), id: r.get(6) }).collect())
    }
}

/// A shared case as listed.
#[derive(Clone, Debug)]
pub struct CaseInfo {
    pub name: String,
    pub title: String,
    pub items: i64,
    pub changed_by: Option<String>,
    /// UTC, to the minute.
    pub changed_at: Option<String>,
}

/// One change in a case's history.
#[derive(Clone, Debug)]
pub struct HistoryEntry {
    /// UTC, to the second.
    pub at: String,
    pub by: String,
    /// insert, update or delete.
    pub op: String,
    /// "feature site_dunai_port".
    pub item: String,
    pub version: i32,
    /// The time to the microsecond, as the database writes it: one for all the changes of
    /// one save.
    pub exact: String,
    /// Its number in the history: [`Connection::pull_after`] the last of a save's opens the
    /// case as that save left it.
    pub id: i64,
}

fn kind_name(s: String) -> &'static str {
    match s.as_str() {
        "feature" => "feature",
        "source" => "source",
        "vessel" => "vessel",
        _ => "event",
    }
}

/// The changes between the case as pulled (`base`, with versions) and as it is now
/// (`now`): what a save sends.
pub fn changes(base: &Pulled, now: &Layer) -> Vec<Change> {
    let before: std::collections::HashMap<(&str, &str), &Stored> = base.items.iter().map(|s| ((s.item.kind, s.item.key.as_str()), s)).collect();
    let after = items_of(now);
    let mut out = Vec::new();
    let body = case_body(now);
    if body != base.body {
        out.push(Change { kind: "case", key: String::new(), base: Some((0, base.body.clone())), mine: Some(body) });
    }
    let mut seen = std::collections::HashSet::new();
    for item in &after {
        seen.insert((item.kind, item.key.clone()));
        match before.get(&(item.kind, item.key.as_str())) {
            Some(s) if s.item.body == item.body => {}
            Some(s) => out.push(Change { kind: item.kind, key: item.key.clone(), base: Some((s.version, s.item.body.clone())), mine: Some(item.body.clone()) }),
            None => out.push(Change { kind: item.kind, key: item.key.clone(), base: None, mine: Some(item.body.clone()) }),
        }
    }
    for s in &base.items {
        if !seen.contains(&(s.item.kind, s.item.key.clone())) {
            out.push(Change { kind: s.item.kind, key: s.item.key.clone(), base: Some((s.version, s.item.body.clone())), mine: None });
        }
    }
    out
}
