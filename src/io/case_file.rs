//! The `portolan` member of a case file: the evidence beside the features.
//!
//! A case file is a GeoJSON FeatureCollection with one foreign member, `portolan`, that other
//! GIS tools ignore. See `docs/case-format.md` and `docs/case.schema.json`. Once read, a case
//! is checked for ids that point nowhere (`check_references`) and for claims without
//! provenance (`check_provenance`); both give warnings, never errors.

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Diagnostic, Place};
use crate::model::{Case, Layer};

/// The name of the foreign member that holds the case.
pub const MEMBER: &str = "portolan";

/// Reads the member. A source, vessel or event that does not fit the format is skipped with an
/// error naming it; the rest of the case loads.
pub(crate) fn read_member(value: Value, diags: &mut Vec<Diagnostic>) -> Option<Case> {
    let Value::Object(mut obj) = value else {
        diags.push(Diagnostic::error(Place::Member(format!("/{MEMBER}")), "the case member is not an object; evidence ignored"));
        return None;
    };
    let sources = take_items(&mut obj, "sources", diags);
    let vessels = take_items(&mut obj, "vessels", diags);
    let events = take_items(&mut obj, "events", diags);
    match serde_json::from_value::<Case>(Value::Object(obj)) {
        Ok(mut case) => {
            if case.version > Case::VERSION {
                let msg = format!("written for case format version {}; this Portolan reads version {}", case.version, Case::VERSION);
                diags.push(Diagnostic::warning(Place::Member(format!("/{MEMBER}/version")), msg));
            }
            case.sources = sources;
            case.vessels = vessels;
            case.events = events;
            Some(case)
        }
        Err(e) => {
            diags.push(Diagnostic::error(Place::Member(format!("/{MEMBER}")), format!("evidence ignored: {e}")));
            None
        }
    }
}

fn take_items<T: DeserializeOwned>(obj: &mut Map<String, Value>, key: &str, diags: &mut Vec<Diagnostic>) -> Vec<T> {
    let items = match obj.remove(key) {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            diags.push(Diagnostic::error(Place::Member(format!("/{MEMBER}/{key}")), "not an array; ignored"));
            return Vec::new();
        }
    };
    items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| match serde_json::from_value(item) {
            Ok(v) => Some(v),
            Err(e) => {
                diags.push(Diagnostic::error(Place::Member(format!("/{MEMBER}/{key}/{i}")), format!("skipped: {e}")));
                None
            }
        })
        .collect()
}

pub(crate) fn write_member(case: &Case) -> Value {
    serde_json::to_value(case).unwrap_or(Value::Null)
}

/// Warnings for ids that point nowhere and ids used twice.
pub fn check_references(layer: &Layer) -> Vec<Diagnostic> {
    let Some(case) = &layer.case else { return Vec::new() };
    let mut diags = Vec::new();
    let sources = ids("source", case.sources.iter().map(|s| s.id.as_str()).collect(), &mut diags);
    let vessels = ids("vessel", case.vessels.iter().map(|v| v.id.as_str()).collect(), &mut diags);
    let events = ids("event", case.events.iter().map(|e| e.id.as_str()).collect(), &mut diags);
    let keys: Vec<String> = layer.features.iter().filter_map(|f| f.key()).collect();
    let features = ids("feature", keys.iter().map(String::as_str).collect(), &mut diags);

    let mut dangling = |place: Place, field: &str, id: &str, known: &HashSet<&str>| {
        if !known.contains(id) {
            diags.push(Diagnostic::warning(place, format!("{field} names {id:?}, which is not in the case")));
        }
    };
    for (index, f) in layer.features.iter().enumerate() {
        let place = || Place::feature(index, f.key());
        for field in ["source_ids", "coord_source_ids"] {
            f.list_prop(field).iter().for_each(|id| dangling(place(), field, id, &sources));
        }
        f.list_prop("vessel_ids").iter().for_each(|id| dangling(place(), "vessel_ids", id, &vessels));
        f.list_prop("event_ids").iter().for_each(|id| dangling(place(), "event_ids", id, &events));
        for field in ["site_id", "from_site", "to_site"] {
            f.list_prop(field).iter().for_each(|id| dangling(place(), field, id, &features));
        }
    }
    for (i, e) in case.events.iter().enumerate() {
        let place = || Place::Member(format!("/{MEMBER}/events/{i}"));
        e.site_ids.iter().for_each(|id| dangling(place(), "site_ids", id, &features));
        e.vessel_ids.iter().for_each(|id| dangling(place(), "vessel_ids", id, &vessels));
        e.source_ids.iter().for_each(|id| dangling(place(), "source_ids", id, &sources));
    }
    for (i, v) in case.vessels.iter().enumerate() {
        let place = || Place::Member(format!("/{MEMBER}/vessels/{i}"));
        v.source_ids.iter().for_each(|id| dangling(place(), "source_ids", id, &sources));
    }
    diags
}

/// Warnings for claims that no source backs (sites, routes, corridors, areas and events that
/// name none), and for sources that could not be checked again if the page changed: neither an
/// archive URL nor the hash of a saved copy.
pub fn check_provenance(layer: &Layer) -> Vec<Diagnostic> {
    let Some(case) = &layer.case else { return Vec::new() };
    let mut diags = Vec::new();
    for (index, f) in layer.features.iter().enumerate().filter(|(_, f)| f.is_unsourced()) {
        let what = f.kind().as_str().replace('_', " ");
        let message = format!("no source backs this {what} (unsourced): it has no source_ids or coord_source_ids");
        diags.push(Diagnostic::warning(Place::feature(index, f.key()), message));
    }
    for (i, _) in case.events.iter().enumerate().filter(|(_, e)| e.is_unsourced()) {
        let place = Place::Member(format!("/{MEMBER}/events/{i}"));
        diags.push(Diagnostic::warning(place, "no source backs this event (unsourced): it has no source_ids"));
    }
    for (i, _) in case.sources.iter().enumerate().filter(|(_, s)| !s.is_preserved()) {
        let place = Place::Member(format!("/{MEMBER}/sources/{i}"));
        diags.push(Diagnostic::warning(place, "no archive URL or saved-copy hash: the claim cannot be checked if the page changes"));
    }
    diags
}

/// The set of ids, with a warning for each one used twice.
fn ids<'a>(kind: &str, list: Vec<&'a str>, diags: &mut Vec<Diagnostic>) -> HashSet<&'a str> {
    let mut seen = HashSet::new();
    for id in list {
        if !seen.insert(id) {
            diags.push(Diagnostic::warning(Place::File, format!("{kind} id {id:?} is used twice")));
        }
    }
    seen
}
