//! Three-way merge of a layer: the user's edits and the file's, against what both started from.
//!
//! A case file open in the app may change on disk meanwhile (a colleague, a sync folder).
//! Saving must never silently overwrite it, so the app can merge: `base` is the file as it was
//! loaded, `mine` the layer being edited, `theirs` the file as it is now on disk.
//!
//! Rules:
//! * Items are matched across the three versions: features by [`Feature::key`], sources,
//!   vessels and events by `id`. Features without a key are matched by full equality, so a
//!   keyless feature changed on one side is a deletion plus an addition. (The nth item with a
//!   given key matches the nth on each side, so duplicate keys are not lost.)
//! * Per item, "changed" meaning not equal (`PartialEq`): unchanged on both sides → kept;
//!   changed, added or deleted on one side only → that side; changed identically on both →
//!   that; changed differently on both, deleted on one side and changed on the other, or added
//!   on both with different content → a [`Conflict`].
//! * The case's title, description, version and unknown members, together with the layer's
//!   top-level foreign members, are one item, [`Item::CaseInfo`], under the same rules. The
//!   layer's name is mine. A side with no case at all (a plain layer, or a tool that dropped
//!   the `portolan` member) counts as having left the base's case as it was; the result has a
//!   case when mine or theirs has one.
//! * Order: mine's, with the items only theirs has inserted after the item that precedes them
//!   in theirs (or at the start), so a colleague's new site appears where they put it. When
//!   mine kept the base's order and theirs reordered, the roles swap (a reorder on one side
//!   only is that side's change). Deleted items vanish.
//!
//! [`Merge::layer`] has every conflict resolved as mine; [`Merge::resolve`] gives the layer for
//! any choice of sides. Pure data in, data out: no I/O, no GUI.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hasher};

use serde_json::{Map, Value};

use crate::model::{Case, Event, Feature, Layer, Source, Vessel};

/// What a conflict is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A feature, by its [`Feature::key`].
    Feature(String),
    Source(String),
    Vessel(String),
    Event(String),
    /// The case's title, description, version and unknown members, plus the layer's top-level
    /// foreign members.
    CaseInfo,
}

/// One version of an item as one side has it (`None` in a [`Conflict`] = deleted on that side).
#[derive(Clone, Debug, PartialEq)]
pub enum Version {
    Feature(Feature),
    Source(Source),
    Vessel(Vessel),
    Event(Event),
    CaseInfo(CaseInfo),
}

/// The parts of a layer and its case that are not lists of records, merged as one item.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CaseInfo {
    pub title: String,
    pub description: String,
    /// The case's format version.
    pub version: u32,
    /// Members of the `portolan` member that Portolan does not know.
    pub case_extra: Map<String, Value>,
    /// The layer's top-level foreign members.
    pub layer_foreign: Map<String, Value>,
}

/// An item both sides changed in different ways.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    pub item: Item,
    /// A human name: the feature's name or key, the source's title, "case title and description".
    pub label: String,
    pub mine: Option<Version>,
    pub theirs: Option<Version>,
}

/// Shown for a side that deleted the item.
const DELETED: &str = "(deleted)";
/// Shown for a member one side has and the other has not.
const ABSENT: &str = "(none)";
/// Geometry text is cut to about this many characters.
const GEOMETRY_CHARS: usize = 120;

impl Conflict {
    /// The fields that differ, for a side-by-side view: (field, mine as text, theirs as text).
    ///
    /// Field names are as in the file: a feature's property keys, `geometry` (compact GeoJSON,
    /// cut to ~120 characters with an ellipsis), and its top-level `id` and foreign members; a
    /// record's member names (`title`, `url`, …); for the case info `title`, `description`,
    /// `version`, unknown members of the case and top-level members of the file. Strings are
    /// shown as they are, other values as compact JSON, a member one side lacks as "(none)".
    /// When one side deleted the item, every field of the other is listed against
    /// "(deleted)". Order: mine's fields, then those only theirs has.
    pub fn fields(&self) -> Vec<(String, String, String)> {
        let mine = self.mine.as_ref().map(entries);
        let theirs = self.theirs.as_ref().map(entries);
        let mut names: Vec<&String> = mine.iter().flat_map(|m| m.keys()).collect();
        if let Some(t) = &theirs {
            names.extend(t.keys().filter(|k| !mine.as_ref().is_some_and(|m| m.contains_key(*k))));
        }
        let text = |side: &Option<Map<String, Value>>, name: &str| match side {
            None => DELETED.to_owned(),
            Some(map) => map.get(name).map_or_else(|| ABSENT.to_owned(), |v| render(name, v)),
        };
        names
            .into_iter()
            .filter(|name| match (&mine, &theirs) {
                (Some(m), Some(t)) => m.get(*name) != t.get(*name),
                _ => true,
            })
            .map(|name| (name.clone(), text(&mine, name), text(&theirs, name)))
            .collect()
    }
}

/// One version's fields by name, in the file's order.
fn entries(version: &Version) -> Map<String, Value> {
    match version {
        Version::Feature(f) => {
            let mut map = f.properties.to_map();
            let geometry = f.geometry.as_ref().map_or(Value::Null, |g| {
                let g = geojson::Geometry::new(geojson::GeometryValue::from(g));
                serde_json::to_value(g).unwrap_or(Value::Null)
            });
            add(&mut map, "geometry", geometry, "feature ");
            if let Some(id) = &f.id {
                add(&mut map, "id", Value::String(id.to_string()), "feature ");
            }
            for (k, v) in &f.foreign {
                add(&mut map, k, v.clone(), "feature ");
            }
            map
        }
        Version::Source(s) => members(s),
        Version::Vessel(v) => members(v),
        Version::Event(e) => members(e),
        Version::CaseInfo(info) => {
            let mut map = Map::new();
            map.insert("title".into(), info.title.clone().into());
            map.insert("description".into(), info.description.clone().into());
            map.insert("version".into(), info.version.into());
            for (k, v) in &info.case_extra {
                add(&mut map, k, v.clone(), "portolan.");
            }
            for (k, v) in &info.layer_foreign {
                add(&mut map, k, v.clone(), "top-level ");
            }
            map
        }
    }
}

/// Inserts under `name`, or under `prefix` + `name` when a field of that name is already there.
fn add(map: &mut Map<String, Value>, name: &str, value: Value, prefix: &str) {
    let name = if map.contains_key(name) { format!("{prefix}{name}") } else { name.to_owned() };
    map.insert(name, value);
}

/// A record's members as its serde form writes them (so names are as in the file).
fn members<T: serde::Serialize>(record: &T) -> Map<String, Value> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn render(name: &str, value: &Value) -> String {
    let text = match value {
        Value::String(s) => return s.clone(),
        other => other.to_string(),
    };
    if name.ends_with("geometry") && text.chars().count() > GEOMETRY_CHARS {
        let cut: String = text.chars().take(GEOMETRY_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Which side to take for a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Mine,
    Theirs,
}

/// The outcome of [`merge`].
#[derive(Clone, Debug)]
pub struct Merge {
    /// The merged layer with every conflict resolved as mine (so it is usable as is).
    pub layer: Layer,
    pub conflicts: Vec<Conflict>,
    /// How many items were taken from theirs without conflict (changes, additions, deletions).
    pub taken_from_theirs: usize,
    plan: Plan,
}

impl Merge {
    /// The layer with conflict `i` resolved as `choices[i]` (missing choices = mine).
    pub fn resolve(&self, choices: &[Side]) -> Layer {
        let choose = |i: usize| {
            let conflict = self.conflicts.get(i)?;
            match choices.get(i).copied().unwrap_or(Side::Mine) {
                Side::Mine => conflict.mine.as_ref(),
                Side::Theirs => conflict.theirs.as_ref(),
            }
        };
        let plan = &self.plan;
        let info = match &plan.info {
            Slot::Take(info) => info.clone(),
            Slot::Conflict(i) => match choose(*i) {
                Some(Version::CaseInfo(info)) => info.clone(),
                _ => CaseInfo::default(),
            },
        };
        let case = plan.has_case.then(|| Case {
            version: info.version,
            title: info.title,
            description: info.description,
            sources: build(&plan.sources, choose),
            vessels: build(&plan.vessels, choose),
            events: build(&plan.events, choose),
            extra: info.case_extra,
        });
        Layer {
            name: plan.name.clone(),
            features: build(&plan.features, choose),
            case,
            foreign: info.layer_foreign,
            overlays: plan.overlays.clone(),
        }
    }
}

/// How to build the merged layer: each list's items in order, conflicts by index.
#[derive(Clone, Debug)]
struct Plan {
    name: String,
    features: Vec<Slot<Feature>>,
    sources: Vec<Slot<Source>>,
    vessels: Vec<Slot<Vessel>>,
    events: Vec<Slot<Event>>,
    info: Slot<CaseInfo>,
    has_case: bool,
    /// Overlays are not edited: the file's own, as it is now.
    overlays: Vec<crate::model::Overlay>,
}

#[derive(Clone, Debug)]
enum Slot<T> {
    Take(T),
    /// Index into [`Merge::conflicts`].
    Conflict(usize),
}

fn build<'a, T: Record>(slots: &[Slot<T>], choose: impl Fn(usize) -> Option<&'a Version>) -> Vec<T> {
    slots
        .iter()
        .filter_map(|slot| match slot {
            Slot::Take(x) => Some(x.clone()),
            Slot::Conflict(i) => choose(*i).and_then(T::from_version).cloned(),
        })
        .collect()
}

/// Merges `mine` and `theirs`, two edits of `base`; see the module documentation for the rules.
pub fn merge(base: &Layer, mine: &Layer, theirs: &Layer) -> Merge {
    let mut out = Outcome::default();
    // A side without a case left the base's case alone.
    let base_case = base.case.as_ref();
    let mine_case = mine.case.as_ref().or(base_case);
    let theirs_case = theirs.case.as_ref().or(base_case);
    let cases = [base_case, mine_case, theirs_case];

    let features = merge_list([&base.features, &mine.features, &theirs.features].map(Vec::as_slice), &mut out);
    let sources = merge_list(lists(cases, |c| &c.sources), &mut out);
    let vessels = merge_list(lists(cases, |c| &c.vessels), &mut out);
    let events = merge_list(lists(cases, |c| &c.events), &mut out);

    let [b, m, t] = [(base, base_case), (mine, mine_case), (theirs, theirs_case)].map(|(l, c)| info(l, c));
    let info = match pick(Some(&b), Some(&m), Some(&t)) {
        Pick::Take(x, from_theirs) => {
            out.taken_from_theirs += usize::from(from_theirs);
            Slot::Take(x.cloned().unwrap_or_default())
        }
        Pick::Conflict => Slot::Conflict(out.conflict(Conflict {
            item: Item::CaseInfo,
            label: "case title and description".into(),
            mine: Some(Version::CaseInfo(m)),
            theirs: Some(Version::CaseInfo(t)),
        })),
    };

    let plan = Plan {
        name: mine.name.clone(),
        features,
        sources,
        vessels,
        events,
        info,
        has_case: mine.case.is_some() || theirs.case.is_some(),
        overlays: theirs.overlays.clone(),
    };
    let mut merged =
        Merge { layer: Layer::default(), conflicts: out.conflicts, taken_from_theirs: out.taken_from_theirs, plan };
    merged.layer = merged.resolve(&[]);
    merged
}

/// One list of records of each side's case (none without a case).
fn lists<T>(cases: [Option<&Case>; 3], list: fn(&Case) -> &Vec<T>) -> [&[T]; 3] {
    cases.map(|c| c.map_or(&[][..], |c| list(c).as_slice()))
}

fn info(layer: &Layer, case: Option<&Case>) -> CaseInfo {
    CaseInfo {
        title: case.map(|c| c.title.clone()).unwrap_or_default(),
        description: case.map(|c| c.description.clone()).unwrap_or_default(),
        version: case.map_or(Case::VERSION, |c| c.version),
        case_extra: case.map(|c| c.extra.clone()).unwrap_or_default(),
        layer_foreign: layer.foreign.clone(),
    }
}

#[derive(Default)]
struct Outcome {
    conflicts: Vec<Conflict>,
    taken_from_theirs: usize,
}

impl Outcome {
    fn conflict(&mut self, conflict: Conflict) -> usize {
        self.conflicts.push(conflict);
        self.conflicts.len() - 1
    }
}

enum Pick<'a, T> {
    /// This version (`None`: the item is gone); true when it is theirs' change.
    Take(Option<&'a T>, bool),
    Conflict,
}

/// The three-way rule for one item.
fn pick<'a, T: PartialEq>(base: Option<&'a T>, mine: Option<&'a T>, theirs: Option<&'a T>) -> Pick<'a, T> {
    if mine == theirs || base == theirs {
        Pick::Take(mine, false)
    } else if base == mine {
        Pick::Take(theirs, true)
    } else {
        Pick::Conflict
    }
}

/// What the list merge needs of features, sources, vessels and events.
trait Record: Clone + PartialEq + std::fmt::Debug {
    /// The id it is matched by; `None` = matched by equality.
    fn key(&self) -> Option<String>;
    fn item(key: String) -> Item;
    fn label(&self) -> String;
    fn version(&self) -> Version;
    fn from_version(version: &Version) -> Option<&Self>;
}

impl Record for Feature {
    fn key(&self) -> Option<String> {
        Feature::key(self)
    }
    fn item(key: String) -> Item {
        Item::Feature(key)
    }
    fn label(&self) -> String {
        self.name().map(str::to_owned).or_else(|| Feature::key(self)).unwrap_or_else(|| "feature".into())
    }
    fn version(&self) -> Version {
        Version::Feature(self.clone())
    }
    fn from_version(version: &Version) -> Option<&Self> {
        match version {
            Version::Feature(x) => Some(x),
            _ => None,
        }
    }
}

impl Record for Source {
    fn key(&self) -> Option<String> {
        Some(self.id.clone())
    }
    fn item(key: String) -> Item {
        Item::Source(key)
    }
    fn label(&self) -> String {
        or_id(&self.title, &self.id)
    }
    fn version(&self) -> Version {
        Version::Source(self.clone())
    }
    fn from_version(version: &Version) -> Option<&Self> {
        match version {
            Version::Source(x) => Some(x),
            _ => None,
        }
    }
}

impl Record for Vessel {
    fn key(&self) -> Option<String> {
        Some(self.id.clone())
    }
    fn item(key: String) -> Item {
        Item::Vessel(key)
    }
    fn label(&self) -> String {
        or_id(&self.name, &self.id)
    }
    fn version(&self) -> Version {
        Version::Vessel(self.clone())
    }
    fn from_version(version: &Version) -> Option<&Self> {
        match version {
            Version::Vessel(x) => Some(x),
            _ => None,
        }
    }
}

impl Record for Event {
    fn key(&self) -> Option<String> {
        Some(self.id.clone())
    }
    fn item(key: String) -> Item {
        Item::Event(key)
    }
    fn label(&self) -> String {
        or_id(&self.title, &self.id)
    }
    fn version(&self) -> Version {
        Version::Event(self.clone())
    }
    fn from_version(version: &Version) -> Option<&Self> {
        match version {
            Version::Event(x) => Some(x),
            _ => None,
        }
    }
}

fn or_id(name: &str, id: &str) -> String {
    if name.trim().is_empty() { id.to_owned() } else { name.to_owned() }
}

/// How an item is matched: its id, or for keyless items the index of an equal value in a pool
/// shared by the three sides; plus which occurrence of that id in its list it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Ident {
    Id(String),
    Keyless(usize),
}

type Key = (Ident, usize);

/// The keys of every item of base, mine and theirs.
fn keys<T: Record>(lists: [&[T]; 3]) -> [Vec<Key>; 3] {
    // Keyless values by a hash of their Debug text, then compared for equality, so that large
    // plain layers (tracks without ids) are matched in linear time.
    let mut pool: Vec<&T> = Vec::new();
    let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
    lists.map(|list| {
        let mut seen: HashMap<Ident, usize> = HashMap::new();
        list.iter()
            .map(|x| {
                let ident = match x.key() {
                    Some(id) => Ident::Id(id),
                    None => {
                        let bucket = buckets.entry(debug_hash(x)).or_default();
                        let i = match bucket.iter().copied().find(|&i| pool[i] == x) {
                            Some(i) => i,
                            None => {
                                pool.push(x);
                                bucket.push(pool.len() - 1);
                                pool.len() - 1
                            }
                        };
                        Ident::Keyless(i)
                    }
                };
                let nth = seen.entry(ident.clone()).or_insert(0);
                *nth += 1;
                (ident, *nth - 1)
            })
            .collect()
    })
}

fn debug_hash(x: &impl std::fmt::Debug) -> u64 {
    struct HashWriter(DefaultHasher);
    impl std::fmt::Write for HashWriter {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut w = HashWriter(DefaultHasher::new());
    // Writing to a hasher cannot fail.
    let _ = std::fmt::Write::write_fmt(&mut w, format_args!("{x:?}"));
    w.0.finish()
}

/// The three-way merge of one list of records.
fn merge_list<T: Record>(lists: [&[T]; 3], out: &mut Outcome) -> Vec<Slot<T>> {
    let keys = keys(lists);
    let [base, mine, theirs] = [0, 1, 2].map(|i| -> HashMap<&Key, &T> { keys[i].iter().zip(lists[i]).collect() });
    // Mine's order, unless mine kept the base's and theirs did not.
    let kept_order = |side: &HashMap<&Key, &T>, i: usize| {
        let common =
            |a: usize, other: &HashMap<&Key, &T>| keys[a].iter().filter(|k| other.contains_key(k)).collect::<Vec<_>>();
        common(i, &base) == common(0, side)
    };
    let order = if kept_order(&mine, 1) && !kept_order(&theirs, 2) {
        interleave(&keys[2], &keys[1])
    } else {
        interleave(&keys[1], &keys[2])
    };
    let mut slots = Vec::with_capacity(order.len());
    for key in order {
        let (b, m, t) = (base.get(key).copied(), mine.get(key).copied(), theirs.get(key).copied());
        match pick(b, m, t) {
            Pick::Take(x, from_theirs) => {
                out.taken_from_theirs += usize::from(from_theirs);
                slots.extend(x.cloned().map(Slot::Take));
            }
            Pick::Conflict => {
                let Some(named) = m.or(t) else { continue };
                let id = match &key.0 {
                    Ident::Id(id) => id.clone(),
                    Ident::Keyless(_) => String::new(),
                };
                slots.push(Slot::Conflict(out.conflict(Conflict {
                    item: T::item(id),
                    label: named.label(),
                    mine: m.map(T::version),
                    theirs: t.map(T::version),
                })));
            }
        }
    }
    slots
}

/// `primary`'s keys in order, with the keys only `secondary` has inserted after the key that
/// precedes them in `secondary` (or at the start).
fn interleave<'a>(primary: &'a [Key], secondary: &'a [Key]) -> Vec<&'a Key> {
    let in_primary: std::collections::HashSet<&Key> = primary.iter().collect();
    // Runs of secondary-only keys, by the key before them (None = the start).
    let mut after: HashMap<Option<&Key>, Vec<&Key>> = HashMap::new();
    let mut anchor = None;
    for key in secondary {
        if in_primary.contains(key) {
            anchor = Some(key);
        } else {
            after.entry(anchor).or_default().push(key);
        }
    }
    let mut order = after.remove(&None).unwrap_or_default();
    for key in primary {
        order.push(key);
        order.extend(after.remove(&Some(key)).unwrap_or_default());
    }
    order
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::FeatureId;

    fn sample() -> Layer {
        crate::io::sample_case().layer
    }

    fn feature_mut<'a>(layer: &'a mut Layer, key: &str) -> &'a mut Feature {
        let Some(f) = layer.features.iter_mut().find(|f| f.key().as_deref() == Some(key)) else {
            panic!("no feature {key}")
        };
        f
    }

    fn set_prop(layer: &mut Layer, key: &str, prop: &str, value: Value) {
        feature_mut(layer, key).properties.insert(prop.into(), value);
    }

    fn case_mut(layer: &mut Layer) -> &mut Case {
        layer.case.as_mut().expect("the sample is a case")
    }

    fn event_mut<'a>(layer: &'a mut Layer, id: &str) -> &'a mut Event {
        case_mut(layer).events.iter_mut().find(|e| e.id == id).expect("event in the sample")
    }

    fn site(key: &str, name: &str, lon: f64, lat: f64) -> Feature {
        let mut properties = Map::new();
        properties.insert("id".into(), key.into());
        properties.insert("kind".into(), "site".into());
        properties.insert("name".into(), name.into());
        Feature {
            id: Some(FeatureId::Text(key.into())),
            geometry: Some(geo::Point::new(lon, lat).into()),
            properties: properties.into(),
            foreign: Map::new(),
        }
    }

    fn keys(layer: &Layer) -> Vec<String> {
        layer.features.iter().map(|f| f.key().unwrap_or_default()).collect()
    }

    fn name_of(layer: &Layer, key: &str) -> Option<String> {
        layer.feature_by_key(key).and_then(|f| f.name()).map(str::to_owned)
    }

    #[test]
    fn edits_of_different_features_are_both_kept() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        set_prop(&mut mine, "site_rajin_port", "name", "Rajin port (mine)".into());
        set_prop(&mut theirs, "site_dunai_port", "precision_m", 500.into());

        let m = merge(&base, &mine, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.taken_from_theirs, 1);
        assert_eq!(name_of(&m.layer, "site_rajin_port").as_deref(), Some("Rajin port (mine)"));
        let dunai = m.layer.feature_by_key("site_dunai_port").expect("kept");
        assert_eq!(dunai.f64_prop("precision_m"), Some(500.0));
        assert_eq!(keys(&m.layer), keys(&base));
        assert_eq!(m.layer.case, base.case);
    }

    #[test]
    fn same_name_edited_differently_is_one_conflict() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        set_prop(&mut mine, "site_fokino", "name", "Fokino (mine)".into());
        set_prop(&mut theirs, "site_fokino", "name", "Fokino (theirs)".into());

        let m = merge(&base, &mine, &theirs);
        assert_eq!(m.conflicts.len(), 1);
        let c = &m.conflicts[0];
        assert_eq!(c.item, Item::Feature("site_fokino".into()));
        assert_eq!(c.label, "Fokino (mine)");
        assert_eq!(c.fields(), [("name".to_owned(), "Fokino (mine)".to_owned(), "Fokino (theirs)".to_owned())]);
        assert_eq!(m.taken_from_theirs, 0);

        assert_eq!(m.layer, mine);
        assert_eq!(m.resolve(&[Side::Mine]), mine);
        assert_eq!(m.resolve(&[]), mine);
        assert_eq!(m.resolve(&[Side::Theirs]), theirs);
    }

    #[test]
    fn sites_added_on_both_sides_appear_where_each_put_them() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        mine.features.push(site("site_mine", "Mine", 131.0, 43.0));
        let dunai = theirs.features.iter().position(|f| f.key().as_deref() == Some("site_dunai_port"));
        let dunai = dunai.expect("in the sample");
        theirs.features.insert(dunai + 1, site("site_theirs", "Theirs", 132.0, 42.9));
        theirs.features.insert(dunai + 2, site("site_theirs_2", "Theirs 2", 132.1, 42.9));
        theirs.features.insert(0, site("site_first", "First", 130.0, 42.0));

        let m = merge(&base, &mine, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.taken_from_theirs, 3);
        let mut expected = keys(&base);
        expected.insert(dunai + 1, "site_theirs".into());
        expected.insert(dunai + 2, "site_theirs_2".into());
        expected.insert(0, "site_first".into());
        expected.push("site_mine".into());
        assert_eq!(keys(&m.layer), expected);
    }

    #[test]
    fn deletion_of_an_untouched_feature_is_taken() {
        let base = sample();
        let mine = base.clone();
        let mut theirs = base.clone();
        theirs.features.retain(|f| f.key().as_deref() != Some("site_strelok_bay"));
        let mut mine_edited = mine.clone();
        set_prop(&mut mine_edited, "site_fokino", "confidence", "low".into());

        let m = merge(&base, &mine_edited, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.taken_from_theirs, 1);
        assert!(m.layer.feature_by_key("site_strelok_bay").is_none());
        assert_eq!(m.layer.features.len(), base.features.len() - 1);
        assert_eq!(m.layer.feature_by_key("site_fokino").and_then(|f| f.str_prop("confidence")), Some("low"));
    }

    #[test]
    fn deletion_of_a_feature_mine_edited_is_a_conflict() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        set_prop(&mut mine, "site_strelok_bay", "confidence", "high".into());
        theirs.features.retain(|f| f.key().as_deref() != Some("site_strelok_bay"));

        let m = merge(&base, &mine, &theirs);
        assert_eq!(m.conflicts.len(), 1);
        let c = &m.conflicts[0];
        assert_eq!(c.item, Item::Feature("site_strelok_bay".into()));
        assert!(matches!(c.mine, Some(Version::Feature(_))));
        assert_eq!(c.theirs, None);
        let fields = c.fields();
        assert!(fields.iter().all(|(_, _, theirs)| theirs == DELETED), "{fields:?}");
        assert!(fields.contains(&("confidence".into(), "high".into(), DELETED.into())), "{fields:?}");
        assert!(fields.iter().any(|(name, _, _)| name == "geometry"));

        assert_eq!(m.layer, mine);
        assert_eq!(m.resolve(&[Side::Theirs]), theirs);
    }

    #[test]
    fn deletion_on_mine_of_a_feature_theirs_edited_comes_back_in_place_if_chosen() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        mine.features.retain(|f| f.key().as_deref() != Some("site_fokino"));
        set_prop(&mut theirs, "site_fokino", "name", "Fokino base".into());

        let m = merge(&base, &mine, &theirs);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].mine, None);
        assert_eq!(m.conflicts[0].label, "Fokino base");
        assert_eq!(m.layer, mine);
        assert_eq!(m.resolve(&[Side::Theirs]), theirs);
    }

    #[test]
    fn evidence_is_merged_record_by_record() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        let events: Vec<String> = case_mut(&mut mine).events.iter().map(|e| e.id.clone()).collect();
        event_mut(&mut mine, &events[1]).summary = "mine's summary".into();
        event_mut(&mut theirs, &events[2]).title = "theirs' title".into();
        let new_source = Source { id: "src_new".into(), title: "A new report".into(), ..Source::default() };
        case_mut(&mut theirs).sources.insert(3, new_source.clone());

        let m = merge(&base, &mine, &theirs);
        assert!(m.conflicts.is_empty(), "{:?}", m.conflicts);
        assert_eq!(m.taken_from_theirs, 2);
        let case = m.layer.case.as_ref().expect("a case");
        assert_eq!(case.sources[3], new_source);
        assert_eq!(case.sources.len(), base.case.as_ref().map_or(0, |c| c.sources.len()) + 1);
        assert_eq!(case.event(&events[1]).map(|e| e.summary.as_str()), Some("mine's summary"));
        assert_eq!(case.event(&events[2]).map(|e| e.title.as_str()), Some("theirs' title"));
        assert_eq!(m.layer.features, base.features);
    }

    #[test]
    fn a_source_edited_on_both_sides_shows_its_members() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        case_mut(&mut mine).sources[0].url = "https://mine.example".into();
        case_mut(&mut theirs).sources[0].url = "https://theirs.example".into();
        case_mut(&mut theirs).sources[0].archive_url = Some("https://archive.example".into());

        let m = merge(&base, &mine, &theirs);
        assert_eq!(m.conflicts.len(), 1);
        let c = &m.conflicts[0];
        assert_eq!(c.item, Item::Source("src_seed000_babel".into()));
        assert_eq!(c.label, case_mut(&mut mine).sources[0].title);
        assert_eq!(
            c.fields(),
            [
                ("url".into(), "https://mine.example".into(), "https://theirs.example".into()),
                ("archive_url".into(), ABSENT.into(), "https://archive.example".into()),
            ]
        );
        assert_eq!(m.resolve(&[Side::Theirs]), theirs);
    }

    #[test]
    fn title_changed_on_both_sides_is_a_case_info_conflict() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        case_mut(&mut mine).title = "Mine".into();
        case_mut(&mut theirs).title = "Theirs".into();
        theirs.foreign.insert("note".into(), json!({"by": "colleague"}));

        let m = merge(&base, &mine, &theirs);
        assert_eq!(m.conflicts.len(), 1);
        let c = &m.conflicts[0];
        assert_eq!(c.item, Item::CaseInfo);
        assert_eq!(c.label, "case title and description");
        assert_eq!(
            c.fields(),
            [
                ("title".into(), "Mine".into(), "Theirs".into()),
                ("note".into(), ABSENT.into(), r#"{"by":"colleague"}"#.into()),
            ]
        );
        assert_eq!(m.layer, mine);
        assert_eq!(m.resolve(&[Side::Theirs]), theirs);
    }

    #[test]
    fn a_description_changed_on_one_side_is_taken() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        case_mut(&mut theirs).description = "Updated".into();
        set_prop(&mut mine, "site_fokino", "name", "Fokino".into());

        let m = merge(&base, &mine, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.taken_from_theirs, 1);
        assert_eq!(m.layer.case.as_ref().map(|c| c.description.as_str()), Some("Updated"));
        assert_eq!(name_of(&m.layer, "site_fokino").as_deref(), Some("Fokino"));
    }

    #[test]
    fn identical_changes_on_both_sides_are_no_conflict() {
        let base = sample();
        let mut edited = base.clone();
        set_prop(&mut edited, "site_fokino", "name", "Fokino".into());
        edited.features.retain(|f| f.key().as_deref() != Some("site_strelok_bay"));
        edited.features.push(site("site_new", "New", 131.5, 43.1));
        case_mut(&mut edited).title = "Same new title".into();
        case_mut(&mut edited).events.remove(0);
        case_mut(&mut edited).vessels[0].flag = Some("KP".into());

        let m = merge(&base, &edited, &edited.clone());
        assert!(m.conflicts.is_empty());
        assert_eq!(m.taken_from_theirs, 0);
        assert_eq!(m.layer, edited);
    }

    #[test]
    fn added_on_both_with_the_same_key_and_different_content_is_a_conflict() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        mine.features.push(site("site_new", "New", 131.5, 43.1));
        theirs.features.push(site("site_new", "New", 131.6, 43.2));

        let m = merge(&base, &mine, &theirs);
        assert_eq!(m.conflicts.len(), 1);
        let fields = m.conflicts[0].fields();
        assert_eq!(
            fields,
            [(
                "geometry".into(),
                r#"{"type":"Point","coordinates":[131.5,43.1]}"#.into(),
                r#"{"type":"Point","coordinates":[131.6,43.2]}"#.into()
            )]
        );
        assert_eq!(m.resolve(&[Side::Theirs]), theirs);
    }

    #[test]
    fn long_geometry_text_is_shortened() {
        let mut base = Layer::default();
        let line = |dx: f64| {
            let mut f = site("route", "Route", 0.0, 0.0);
            f.geometry = Some((0..50).map(|i| (130.0 + f64::from(i) * 0.01 + dx, 42.0)).collect::<geo::LineString>().into());
            f
        };
        base.features.push(line(0.0));
        let mine = Layer { features: vec![line(0.5)], ..base.clone() };
        let theirs = Layer { features: vec![line(1.0)], ..base.clone() };

        let m = merge(&base, &mine, &theirs);
        let fields = m.conflicts[0].fields();
        assert_eq!(fields.len(), 1);
        let (name, mine_text, theirs_text) = &fields[0];
        assert_eq!(name, "geometry");
        for text in [mine_text, theirs_text] {
            assert_eq!(text.chars().count(), GEOMETRY_CHARS);
            assert!(text.starts_with(r#"{"type":"LineString","coordinates":[[13"#), "{text}");
            assert!(text.ends_with('…'));
        }
    }

    #[test]
    fn base_equal_to_mine_gives_theirs_exactly() {
        let base = sample();
        let mut theirs = base.clone();
        set_prop(&mut theirs, "site_fokino", "name", "Fokino".into());
        theirs.features.retain(|f| f.key().as_deref() != Some("site_strelok_bay"));
        theirs.features.insert(2, site("site_new", "New", 131.5, 43.1));
        theirs.features.swap(0, 1);
        case_mut(&mut theirs).title = "New title".into();
        case_mut(&mut theirs).sources.pop();
        case_mut(&mut theirs).events.reverse();
        case_mut(&mut theirs).extra.insert("x_note".into(), "kept".into());
        theirs.foreign.insert("crs_note".into(), "WGS84".into());

        let m = merge(&base, &base, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.layer, theirs);
        assert_eq!(m.resolve(&[Side::Theirs]), theirs);
    }

    #[test]
    fn base_equal_to_theirs_gives_mine_exactly() {
        let base = sample();
        let mut mine = base.clone();
        set_prop(&mut mine, "site_dunai_port", "status", "observed".into());
        mine.features.remove(3);
        mine.features.push(site("site_new", "New", 131.5, 43.1));
        mine.features.swap(0, 5);
        case_mut(&mut mine).description = "New description".into();
        case_mut(&mut mine).vessels.remove(1);
        event_mut(&mut mine, "evt_202308_ais_dark").confidence = Some("medium".into());
        mine.name = "renamed".into();

        let m = merge(&base, &mine, &base);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.taken_from_theirs, 0);
        assert_eq!(m.layer, mine);
    }

    #[test]
    fn keyless_features_are_matched_by_equality() {
        let keyless = |lon: f64| Feature { geometry: Some(geo::Point::new(lon, 0.0).into()), ..Feature::default() };
        let base = Layer {
            name: "plain".into(),
            features: vec![keyless(1.0), keyless(2.0), keyless(2.0)],
            ..Layer::default()
        };
        let mut mine = base.clone();
        mine.features.push(keyless(4.0));
        let mut theirs = base.clone();
        theirs.features[0] = keyless(1.5);
        theirs.features.pop();

        let m = merge(&base, &mine, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.layer.features, [keyless(1.5), keyless(2.0), keyless(4.0)]);
        assert_eq!(m.layer.case, None);
        // The change is a deletion and an addition; the removed duplicate is a third.
        assert_eq!(m.taken_from_theirs, 3);
    }

    #[test]
    fn duplicate_keys_match_in_order() {
        let base = Layer {
            features: vec![site("dup", "First", 1.0, 1.0), site("dup", "Second", 2.0, 2.0)],
            ..Layer::default()
        };
        let mut mine = base.clone();
        mine.features[0].properties.insert("name".into(), "First (mine)".into());
        let mut theirs = base.clone();
        theirs.features[1].properties.insert("name".into(), "Second (theirs)".into());

        let m = merge(&base, &mine, &theirs);
        assert!(m.conflicts.is_empty());
        let names: Vec<_> = m.layer.features.iter().filter_map(Feature::name).collect();
        assert_eq!(names, ["First (mine)", "Second (theirs)"]);
    }

    #[test]
    fn a_case_on_one_side_only_is_kept() {
        let case_layer = sample();
        let plain = Layer { case: None, ..case_layer.clone() };

        // A tool that dropped the evidence on disk: mine's case and edits stay.
        let mut mine = case_layer.clone();
        case_mut(&mut mine).title = "Mine".into();
        let m = merge(&case_layer, &mine, &plain);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.layer, mine);

        // A colleague made the plain layer a case.
        let m = merge(&plain, &plain, &case_layer);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.layer, case_layer);
        let m = merge(&plain, &case_layer, &plain);
        assert_eq!(m.layer, case_layer);

        // Neither side has a case.
        let m = merge(&case_layer, &plain, &plain);
        assert_eq!(m.layer.case, None);
        assert_eq!(m.layer.features, plain.features);
    }

    #[test]
    fn choices_apply_to_their_own_conflicts() {
        let base = sample();
        let (mut mine, mut theirs) = (base.clone(), base.clone());
        for (layer, who) in [(&mut mine, "mine"), (&mut theirs, "theirs")] {
            set_prop(layer, "site_rajin_port", "name", format!("Rajin {who}").into());
            set_prop(layer, "site_fokino", "name", format!("Fokino {who}").into());
            case_mut(layer).title = format!("Title {who}");
        }

        let m = merge(&base, &mine, &theirs);
        assert_eq!(m.conflicts.len(), 3);
        let fokino = m.conflicts.iter().position(|c| c.item == Item::Feature("site_fokino".into()));
        let info = m.conflicts.iter().position(|c| c.item == Item::CaseInfo);
        let mut choices = vec![Side::Mine; 3];
        choices[fokino.expect("a conflict")] = Side::Theirs;
        choices[info.expect("a conflict")] = Side::Theirs;
        let layer = m.resolve(&choices);
        assert_eq!(name_of(&layer, "site_rajin_port").as_deref(), Some("Rajin mine"));
        assert_eq!(name_of(&layer, "site_fokino").as_deref(), Some("Fokino theirs"));
        assert_eq!(layer.case.as_ref().map(|c| c.title.as_str()), Some("Title theirs"));
        assert_eq!(keys(&layer), keys(&base));
    }
}
