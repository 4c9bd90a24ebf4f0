//! Edits: the only way the open data changes.
//!
//! An [`Edit`] is a list of [`Op`]s on one layer. Each op holds the value before and after, so
//! the same edit applied backwards undoes it. The document (`super::Document`) applies edits,
//! keeps them for undo and redo, and merges the steps of one drag or one typed field.

use geo::{Coord, Geometry, LineString, Point, Polygon};
use serde_json::{Map, Value, json};

use crate::model::{Event, Feature, FeatureId, FeatureKind, Layer, Source, Vessel};

/// One value in a list (features, sources, vessels, events) replaced, inserted or removed:
/// `old: None` inserts `new` at `at`, `new: None` removes the item at `at`.
#[derive(Clone, Debug, PartialEq)]
pub struct Change<T> {
    pub at: usize,
    pub old: Option<T>,
    pub new: Option<T>,
}

impl<T> Change<T> {
    pub fn insert(at: usize, new: T) -> Self {
        Change { at, old: None, new: Some(new) }
    }

    pub fn remove(at: usize, old: T) -> Self {
        Change { at, old: Some(old), new: None }
    }

    pub fn replace(at: usize, old: T, new: T) -> Self {
        Change { at, old: Some(old), new: Some(new) }
    }

    fn inverse(self) -> Self {
        Change { at: self.at, old: self.new, new: self.old }
    }

    /// Applies the change to a list; refuses (and leaves the list alone) when the list does
    /// not have the item where the change expects it.
    fn apply(&self, list: &mut Vec<T>) -> Result<(), EditError>
    where
        T: Clone,
    {
        match (&self.old, &self.new) {
            (None, Some(new)) if self.at <= list.len() => list.insert(self.at, new.clone()),
            (Some(_), None) if self.at < list.len() => {
                list.remove(self.at);
            }
            (Some(_), Some(new)) if self.at < list.len() => list[self.at] = new.clone(),
            _ => return Err(EditError::Stale),
        }
        Ok(())
    }
}

/// The case's title and description.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Info {
    pub title: String,
    pub description: String,
}

/// One change to a layer.
// An op holds a record before and after (an event is ~0.5 kB); undo steps keep a handful
// each, so boxing them would cost an allocation per op for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Feature(Change<Feature>),
    Source(Change<Source>),
    Vessel(Change<Vessel>),
    Event(Change<Event>),
    Info { old: Info, new: Info },
    /// Everything at once: a reload or a merge with the file on disk.
    Whole { old: Box<Layer>, new: Box<Layer> },
}

impl Op {
    pub fn inverse(self) -> Op {
        match self {
            Op::Feature(c) => Op::Feature(c.inverse()),
            Op::Source(c) => Op::Source(c.inverse()),
            Op::Vessel(c) => Op::Vessel(c.inverse()),
            Op::Event(c) => Op::Event(c.inverse()),
            Op::Info { old, new } => Op::Info { old: new, new: old },
            Op::Whole { old, new } => Op::Whole { old: new, new: old },
        }
    }

    pub fn apply(&self, layer: &mut Layer) -> Result<(), EditError> {
        match self {
            Op::Feature(c) => c.apply(&mut layer.features),
            Op::Source(c) => c.apply(&mut case_mut(layer)?.sources),
            Op::Vessel(c) => c.apply(&mut case_mut(layer)?.vessels),
            Op::Event(c) => c.apply(&mut case_mut(layer)?.events),
            Op::Info { new, .. } => {
                let case = case_mut(layer)?;
                (case.title, case.description) = (new.title.clone(), new.description.clone());
                Ok(())
            }
            Op::Whole { new, .. } => {
                *layer = (**new).clone();
                Ok(())
            }
        }
    }

    /// This op followed by `next` as one op, when both change the same item one after the
    /// other (the steps of a drag, the keys typed into a field).
    fn then(&self, next: &Op) -> Option<Op> {
        fn chain<T: Clone>(a: &Change<T>, b: &Change<T>) -> Option<Change<T>> {
            (a.at == b.at && a.new.is_some() && b.old.is_some() && b.new.is_some()).then(|| Change { at: a.at, old: a.old.clone(), new: b.new.clone() })
        }
        Some(match (self, next) {
            (Op::Feature(a), Op::Feature(b)) => Op::Feature(chain(a, b)?),
            (Op::Source(a), Op::Source(b)) => Op::Source(chain(a, b)?),
            (Op::Vessel(a), Op::Vessel(b)) => Op::Vessel(chain(a, b)?),
            (Op::Event(a), Op::Event(b)) => Op::Event(chain(a, b)?),
            (Op::Info { old, .. }, Op::Info { new, .. }) => Op::Info { old: old.clone(), new: new.clone() },
            _ => return None,
        })
    }
}

fn case_mut(layer: &mut Layer) -> Result<&mut crate::model::Case, EditError> {
    layer.case.as_mut().ok_or(EditError::NotACase)
}

/// Why an edit was refused. Nothing changes when an edit is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error("the item changed or is gone")]
    Stale,
    #[error("this layer is plain data, not a case: it has no evidence")]
    NotACase,
    #[error("no such layer")]
    NoLayer,
    #[error("cannot read the file again: {0}")]
    Read(String),
    #[error("{0} is read-only")]
    ReadOnly(String),
}

/// A named group of ops on one layer: one undo step.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    /// What the Edit menu calls it ("Move vertex", "Add site").
    pub label: String,
    pub ops: Vec<Op>,
}

impl Edit {
    pub fn new(label: impl Into<String>, ops: Vec<Op>) -> Self {
        Edit { label: label.into(), ops }
    }

    /// Applies every op, or none: a refused op rolls back those before it.
    pub fn apply(&self, layer: &mut Layer) -> Result<(), EditError> {
        for (i, op) in self.ops.iter().enumerate() {
            if let Err(e) = op.apply(layer) {
                for done in self.ops[..i].iter().rev() {
                    let _ = done.clone().inverse().apply(layer);
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Changes nothing (every op gives back what it takes).
    pub fn is_noop(&self) -> bool {
        self.ops.iter().all(|op| match op {
            Op::Feature(c) => c.old == c.new,
            Op::Source(c) => c.old == c.new,
            Op::Vessel(c) => c.old == c.new,
            Op::Event(c) => c.old == c.new,
            Op::Info { old, new } => old == new,
            Op::Whole { old, new } => old == new,
        })
    }

    pub fn inverse(&self) -> Edit {
        Edit { label: self.label.clone(), ops: self.ops.iter().rev().cloned().map(Op::inverse).collect() }
    }

    /// This edit followed by `next` as one step, when `next` changes the same items again.
    pub fn then(&self, next: &Edit) -> Option<Edit> {
        if self.ops.len() != next.ops.len() {
            return None;
        }
        let ops = self.ops.iter().zip(&next.ops).map(|(a, b)| a.then(b)).collect::<Option<Vec<_>>>()?;
        Some(Edit { label: self.label.clone(), ops })
    }
}

/// An id not used by any feature or record of the layer: the prefix and six random hex
/// digits (`site_3fa91c`), so that two people adding a site to copies of one case do not both
/// make `site_4`, which a merge could not tell apart.
pub fn unique_id(layer: &Layer, prefix: &str) -> String {
    use std::hash::BuildHasher;
    let taken = |id: &str| {
        layer.features.iter().any(|f| f.key().as_deref() == Some(id))
            || layer.case.as_ref().is_some_and(|c| c.source(id).is_some() || c.vessel(id).is_some() || c.event(id).is_some())
    };
    // The standard library's randomly keyed hasher is random enough for ids.
    let random = std::hash::RandomState::new();
    (0u64..).map(|n| format!("{prefix}_{:06x}", random.hash_one(n) & 0xff_ffff)).find(|id| !taken(id)).unwrap_or_else(|| prefix.to_owned())
}

/// A new case feature: its id both as the feature id and the `id` property, as case files
/// written by Portolan have it.
fn new_feature(id: &str, kind: &FeatureKind, name: &str, geometry: Geometry<f64>, extra: Map<String, Value>) -> Feature {
    let mut properties = Map::new();
    properties.insert("id".into(), json!(id));
    properties.insert("kind".into(), json!(kind.as_str()));
    properties.insert("name".into(), json!(name));
    properties.extend(extra);
    Feature { id: Some(FeatureId::Text(id.to_owned())), geometry: Some(geometry), properties: properties.into(), foreign: Map::new() }
}

/// A site at a point.
pub fn new_site(layer: &Layer, lon: f64, lat: f64) -> Feature {
    let id = unique_id(layer, "site");
    let n = layer.features.iter().filter(|f| f.kind() == FeatureKind::Site).count() + 1;
    new_feature(&id, &FeatureKind::Site, &format!("New site {n}"), Geometry::Point(Point::new(lon, lat)), Map::new())
}

/// A sea route or rail corridor through `points`; `from`/`to` are the ids of the sites its
/// ends were snapped to.
pub fn new_route(layer: &Layer, kind: &FeatureKind, points: &[(f64, f64)], from: Option<String>, to: Option<String>) -> Feature {
    let prefix = if *kind == FeatureKind::RailCorridor { "rail" } else { "route" };
    let id = unique_id(layer, prefix);
    let mut extra = Map::new();
    if let Some(from) = from {
        extra.insert("from_site".into(), json!(from));
    }
    if let Some(to) = to {
        extra.insert("to_site".into(), json!(to));
    }
    if *kind == FeatureKind::SeaRoute {
        extra.insert("ais".into(), json!("unknown"));
    }
    let name = if *kind == FeatureKind::RailCorridor { "New rail corridor" } else { "New sea route" };
    let line = LineString::from(points.to_vec());
    new_feature(&id, kind, name, Geometry::LineString(line), extra)
}

/// An area: an outline and any holes, each a list of corners (closed here).
pub fn new_area(layer: &Layer, rings: &[Vec<(f64, f64)>]) -> Option<Feature> {
    let mut rings = rings.iter().filter(|r| r.len() >= 3).map(|r| LineString::from(r.clone()));
    let exterior = rings.next()?;
    let polygon = super::vertices::wound(Polygon::new(exterior, rings.collect()));
    let id = unique_id(layer, "area");
    Some(new_feature(&id, &FeatureKind::Area, "New area", Geometry::Polygon(polygon), Map::new()))
}

/// The point of a geometry, if it is one (sites).
pub fn point_of(g: &Geometry<f64>) -> Option<Coord<f64>> {
    match g {
        Geometry::Point(p) => Some(p.0),
        Geometry::MultiPoint(mp) => mp.0.first().map(|p| p.0),
        _ => None,
    }
}

/// The feature with `id` added to (`link`) or taken out of its list property `key`
/// (`event_ids`, `source_ids`); the property goes when the list is empty.
pub fn linked(f: &Feature, key: &str, id: &str, link: bool) -> Feature {
    let mut ids: Vec<String> = f.list_prop(key).into_iter().filter(|x| *x != id).map(str::to_owned).collect();
    if link {
        ids.push(id.to_owned());
    }
    let mut g = f.clone();
    if ids.is_empty() {
        g.properties.remove(key);
    } else {
        g.properties.insert(key.into(), json!(ids));
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> Layer {
        crate::io::sample_case().layer
    }

    #[test]
    fn an_edit_and_its_inverse_give_back_the_layer() {
        let before = layer();
        let mut l = before.clone();
        let site = new_site(&l, 130.0, 42.0);
        let renamed = {
            let mut f = l.features[0].clone();
            f.properties.insert("name".into(), json!("Renamed"));
            f
        };
        let edit = Edit::new("test", vec![Op::Feature(Change::insert(3, site)), Op::Feature(Change::replace(0, l.features[0].clone(), renamed))]);
        edit.apply(&mut l).unwrap();
        assert_eq!(l.features.len(), before.features.len() + 1);
        assert_eq!(l.features[0].name(), Some("Renamed"));
        edit.inverse().apply(&mut l).unwrap();
        assert_eq!(l, before);
    }

    #[test]
    fn a_refused_op_leaves_nothing_half_done() {
        let before = layer();
        let mut l = before.clone();
        let site = new_site(&l, 130.0, 42.0);
        let edit = Edit::new("test", vec![Op::Feature(Change::insert(0, site.clone())), Op::Feature(Change::remove(10_000, site))]);
        assert_eq!(edit.apply(&mut l), Err(EditError::Stale));
        assert_eq!(l, before);
        let mut plain = Layer::default();
        let src = Op::Source(Change::insert(0, Source::default()));
        assert_eq!(src.apply(&mut plain), Err(EditError::NotACase));
    }

    #[test]
    fn ids_are_new() {
        let mut l = layer();
        let a = new_site(&l, 0.0, 0.0);
        let id = a.key().unwrap();
        assert!(id.starts_with("site_") && id.len() == 11, "{id}");
        l.features.push(a);
        let b = new_site(&l, 0.0, 0.0).key().unwrap();
        assert_ne!(b, id);
        assert_eq!(new_site(&l, 0.0, 0.0).name(), Some("New site 18"), "named by count");
    }

    #[test]
    fn steps_on_one_item_chain_into_one() {
        let f0 = layer().features[0].clone();
        let mut f1 = f0.clone();
        f1.properties.insert("name".into(), json!("A"));
        let mut f2 = f0.clone();
        f2.properties.insert("name".into(), json!("AB"));
        let a = Edit::new("Edit name", vec![Op::Feature(Change::replace(0, f0.clone(), f1.clone()))]);
        let b = Edit::new("Edit name", vec![Op::Feature(Change::replace(0, f1, f2.clone()))]);
        assert_eq!(a.then(&b), Some(Edit::new("Edit name", vec![Op::Feature(Change::replace(0, f0, f2.clone()))])));
        let other = Edit::new("x", vec![Op::Feature(Change::replace(1, f2.clone(), f2))]);
        assert_eq!(a.then(&other), None);
    }
}
