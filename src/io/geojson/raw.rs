//! The GeoJSON document as the parser streams through it.
//!
//! Objects on the feature and geometry paths (the root, `features[i]`, `geometry`,
//! `geometries[i]`) become [`RawObject`]s whose `coordinates` go straight into flat vectors of
//! positions ([`Coords`]); every other member (properties, foreign members) becomes a
//! `serde_json::Value`, with duplicate keys noted as `json::ValueSeed` does.
//!
//! Why not a `Value` tree first: in a tree every number is a 32-byte `Value` and every position
//! its own heap `Vec`, about 20 bytes of tree per byte of coordinates. A 21 MB track file
//! peaked at 419 MB that way; streaming the positions keeps it near the file size.
//!
//! The parser also reports progress (bytes parsed, features read) and stops when asked to.
//! When the text breaks off once the features have begun (an interrupted download), the
//! features before the break have already been handed on, and the root is returned as far as
//! it was read, with the place of the break ([`Cut`]).

use std::borrow::Cow;
use std::fmt;

use geo::Coord;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::io::json::{Duplicates, Path, ValueSeed, json_error};
use crate::io::{Diagnostic, Progress, ReadError};

/// Which members of an object hold GeoJSON structure rather than plain JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The top level: any GeoJSON object.
    Root,
    /// An element of `features`.
    Feature,
    /// A `geometry` or an element of `geometries`.
    Geometry,
}

/// An object on the feature/geometry path.
#[derive(Default, Debug)]
pub(crate) struct RawObject {
    /// Byte offset of its opening brace, when its first key has no escapes (the parser knows
    /// where it is only from the address of a borrowed key).
    pub start: Option<usize>,
    /// Every member not listed below, in file order.
    pub members: Map<String, Value>,
    pub features: Option<Vec<RawItem>>,
    pub geometry: Option<RawItem>,
    pub geometries: Option<Vec<RawItem>>,
    pub coordinates: Option<Coords>,
}

/// A value where an object of the feature/geometry path belongs: the object, or whatever else
/// the file put there (so that a message can name it).
#[derive(Debug)]
pub(crate) enum RawItem {
    Object(Box<RawObject>),
    Other(Value),
}

/// The `coordinates` member, shaped by its nesting.
#[derive(Debug, PartialEq)]
pub(crate) enum Coords {
    Number(f64),
    /// An array of numbers with at least two of them; `height` when it had more.
    Position { at: Coord<f64>, height: bool },
    /// An array of fewer than two numbers.
    ShortPosition(usize),
    /// An array of positions; `heights` counts those that had a third number.
    Positions { coords: Vec<Coord<f64>>, heights: usize },
    /// Any other array (of lines, of polygons, or mixed).
    List(Vec<Coords>),
    /// Something that is neither a number nor an array: "a string", "null", ...
    Invalid(&'static str),
}

/// State shared by every seed of one parse.
struct Shared<'a> {
    duplicates: std::cell::RefCell<Duplicates>,
    progress: &'a Progress,
    /// The text, to turn borrowed keys into byte offsets.
    text: &'a str,
    /// Offset of the last key seen: how far the parser has got.
    offset: std::cell::Cell<usize>,
    cancelled: std::cell::Cell<bool>,
    /// Whether the root's `features` array has begun.
    features_started: std::cell::Cell<bool>,
    /// The root as far as it was read when the text broke off, and the member being read.
    unfinished: std::cell::RefCell<Option<(RawObject, Option<String>)>>,
    on_feature: std::cell::RefCell<&'a mut dyn FnMut(RawItem)>,
    /// This is the other thread's half of a split parse ([`parse`]).
    tail: bool,
    /// Where another thread parses the rest of the features ([`parse`]), until this parse
    /// gets there.
    split: std::cell::RefCell<Option<Split>>,
    /// The other thread's features, once this parse has reached where they start.
    switched: std::cell::RefCell<Option<Vec<RawItem>>>,
}

/// The features from a feature's opening brace on, parsed by another thread: `None` when that
/// parse did not end cleanly (this one then reads on as usual).
struct Split {
    at: usize,
    tail: std::sync::mpsc::Receiver<Option<Vec<RawItem>>>,
}

impl<'a> Shared<'a> {
    fn new(text: &'a str, progress: &'a Progress, on_feature: &'a mut dyn FnMut(RawItem)) -> Self {
        Shared {
            duplicates: Default::default(),
            progress,
            text,
            offset: Default::default(),
            cancelled: Default::default(),
            features_started: Default::default(),
            unfinished: Default::default(),
            on_feature: std::cell::RefCell::new(on_feature),
            tail: false,
            split: Default::default(),
            switched: Default::default(),
        }
    }

    /// Byte offset of a key borrowed from the text.
    fn offset_of(&self, key: &str) -> Option<usize> {
        let at = (key.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        (at <= self.text.len()).then_some(at)
    }

    /// Byte offset of the `{` before an object's first key, borrowed from the text.
    fn brace_before(&self, key: &str) -> Option<usize> {
        let before_quote = &self.text.as_bytes()[..self.offset_of(key)?.checked_sub(1)?];
        let brace = before_quote.iter().rposition(|b| !b" \t\n\r".contains(b))?;
        (before_quote[brace] == b'{').then_some(brace)
    }

    /// Whether the feature starting at `start` is where the other thread's features begin,
    /// and they were read: then they are this parse's from here on.
    fn switch_at(&self, start: Option<usize>) -> bool {
        let mut split = self.split.borrow_mut();
        if start.is_none() || split.as_ref().map(|s| s.at) != start {
            return false;
        }
        // Waits for the other thread (a thread that died sends nothing: read on).
        let tail = split.take().and_then(|s| s.tail.recv().ok().flatten());
        let switched = tail.is_some();
        *self.switched.borrow_mut() = tail;
        switched
    }
}

/// The document as parsed.
pub(crate) struct Parsed {
    pub root: RawItem,
    /// Warnings for duplicate keys.
    pub duplicates: Vec<Diagnostic>,
    /// Where the text broke off, when it did after the features had begun.
    pub cut: Option<Cut>,
}

/// Where the text stopped being JSON (its end, for a cut file) after the features had begun.
pub(crate) struct Cut {
    pub error: serde_json::Error,
    /// The member of the root being read there (`features`, `portolan`, ...); none between
    /// members.
    pub member: Option<String>,
}

/// Parses GeoJSON text into its raw structure. The elements of a top-level `features` array
/// go to `on_feature` as soon as each is parsed (so that a big file is never held twice) and
/// the array is left empty. Fails when the text is not JSON, unless it broke off after the
/// features had begun: then the root is what was read of it, and `cut` says where.
///
/// A big collection is parsed on two threads: another thread parses the features from about
/// the middle of the text on (from a place that looks like the start of a feature), while
/// this one reads from the start. When this parse meets a feature that
/// starts exactly there, it takes the other thread's features and skips over their text;
/// if it never does (the guess was inside a string, say), or the other parse failed, noted
/// a duplicate key or was cancelled, this parse reads on as it always does. Either way the
/// result is the same as on one thread.
pub(crate) fn parse(text: &str, progress: &Progress, on_feature: &mut dyn FnMut(RawItem)) -> Result<Parsed, ReadError> {
    parse_split(text, progress, on_feature, split_point(text))
}

/// [`parse`], with the other thread from `at` (a byte offset after a `,`), or on one thread.
fn parse_split(text: &str, progress: &Progress, on_feature: &mut dyn FnMut(RawItem), at: Option<usize>) -> Result<Parsed, ReadError> {
    let Some(at) = at.filter(|a| *a > 0 && text.is_char_boundary(*a)) else { return parse_from(text, progress, on_feature, None) };
    std::thread::scope(|scope| {
        let (send, tail) = std::sync::mpsc::channel();
        scope.spawn(move || {
            let _ = send.send(parse_tail(text, at, progress));
        });
        parse_from(text, progress, on_feature, Some(Split { at, tail }))
    })
}

/// Texts smaller than this are parsed on one thread.
const SPLIT_ABOVE_BYTES: usize = 4 << 20;

/// Where a second thread could start: the opening brace of what looks like a feature (`,`
/// then `{"type":"Feature"`, with any white space) within a megabyte after the middle.
fn split_point(text: &str) -> Option<usize> {
    if text.len() < SPLIT_ABOVE_BYTES {
        return None;
    }
    let bytes = text.as_bytes();
    let ws = |mut i: usize| {
        while bytes.get(i).is_some_and(|b| b" \t\n\r".contains(b)) {
            i += 1;
        }
        i
    };
    let from = text.len() / 2;
    let to = (from + (1 << 20)).min(text.len());
    let mut i = from;
    while let Some(k) = bytes[i..to].iter().position(|b| *b == b',') {
        let comma = i + k;
        i = comma + 1;
        let brace = ws(comma + 1);
        if bytes.get(brace) != Some(&b'{') {
            continue;
        }
        let key = ws(brace + 1);
        if !bytes[key..].starts_with(b"\"type\"") {
            continue;
        }
        let colon = ws(key + 6);
        if bytes.get(colon) != Some(&b':') {
            continue;
        }
        if bytes[ws(colon + 1)..].starts_with(b"\"Feature\"") {
            return Some(brace);
        }
    }
    None
}

/// The other thread's part: the features from `at` to the end of their array, each parsed
/// on its own from its slice of the text (found by [`object_end`]), so that offsets are the
/// file's. `None` unless the array ends cleanly, with objects only and no duplicate key.
fn parse_tail(text: &str, at: usize, progress: &Progress) -> Option<Vec<RawItem>> {
    let bytes = text.as_bytes();
    let ws = |mut i: usize| {
        while bytes.get(i).is_some_and(|b| b" \t\n\r".contains(b)) {
            i += 1;
        }
        i
    };
    let mut ignore = |_: RawItem| {};
    let mut shared = Shared::new(text, progress, &mut ignore);
    shared.tail = true;
    let mut items = Vec::new();
    let mut start = at;
    loop {
        if progress.is_cancelled() {
            return None;
        }
        let end = object_end(bytes, start)?;
        let mut de = serde_json::Deserializer::from_str(text.get(start..end)?);
        let item = ItemSeed { role: Role::Feature, path: &Path::Root, shared: &shared }.deserialize(&mut de).ok()?;
        de.end().ok()?;
        items.push(item);
        let next = ws(end);
        match bytes.get(next)? {
            b',' => start = ws(next + 1),
            b']' => break,
            _ => return None,
        }
    }
    shared.duplicates.borrow().is_empty().then_some(items)
}

/// The end (one past the closing brace) of the JSON object whose `{` is at `start`, by its
/// brackets outside strings; `None` if it has none or is not an object.
fn object_end(bytes: &[u8], start: usize) -> Option<usize> {
    if bytes.get(start) != Some(&b'{') {
        return None;
    }
    let (mut depth, mut i, mut in_string) = (0usize, start, false);
    while let Some(&b) = bytes.get(i) {
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

fn parse_from(text: &str, progress: &Progress, on_feature: &mut dyn FnMut(RawItem), split: Option<Split>) -> Result<Parsed, ReadError> {
    let shared = Shared::new(text, progress, on_feature);
    *shared.split.borrow_mut() = split;
    let mut de = serde_json::Deserializer::from_str(text);
    let root = ItemSeed { role: Role::Root, path: &Path::Root, shared: &shared }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    let (root, cut) = match root {
        Ok(root) => (root, None),
        Err(_) if shared.cancelled.get() => return Err(ReadError::Cancelled),
        Err(error) => match shared.unfinished.take() {
            Some((mut root, member)) if shared.features_started.get() => {
                root.features.get_or_insert_with(Vec::new);
                (RawItem::Object(Box::new(root)), Some(Cut { error, member }))
            }
            _ => return Err(json_error(error)),
        },
    };
    let mut duplicates = Vec::new();
    shared.duplicates.into_inner().report(&mut duplicates);
    Ok(Parsed { root, duplicates, cut })
}

#[derive(Clone, Copy)]
struct ItemSeed<'s, 'a> {
    role: Role,
    path: &'s Path<'s>,
    shared: &'s Shared<'a>,
}

impl ItemSeed<'_, '_> {
    fn value_seed(&self) -> ValueSeed<'_> {
        ValueSeed { path: self.path, duplicates: &self.shared.duplicates }
    }
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_, '_> {
    type Value = RawItem;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<RawItem, D::Error> {
        d.deserialize_any(self)
    }
}

/// Anything but an object is kept as a `Value`, for the message that names it.
macro_rules! delegate_to_value {
    ($wrap:path) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            self.value_seed().visit_bool(v).map($wrap)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            self.value_seed().visit_i64(v).map($wrap)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.value_seed().visit_u64(v).map($wrap)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            self.value_seed().visit_f64(v).map($wrap)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            self.value_seed().visit_str(v).map($wrap)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            self.value_seed().visit_unit().map($wrap)
        }
    };
}

impl<'de> Visitor<'de> for ItemSeed<'_, '_> {
    type Value = RawItem;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON object")
    }

    delegate_to_value!(RawItem::Other);

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawItem, A::Error> {
        self.value_seed().visit_seq(seq).map(RawItem::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawItem, A::Error> {
        let mut obj = RawObject::default();
        let mut reading = None;
        match self.members(&mut map, &mut obj, &mut reading) {
            Ok(()) => Ok(RawItem::Object(Box::new(obj))),
            Err(e) => {
                if self.role == Role::Root {
                    self.shared.unfinished.replace(Some((obj, reading)));
                }
                Err(e)
            }
        }
    }
}

impl ItemSeed<'_, '_> {
    /// Reads the members of an object into `obj`; `reading` names the root's member whose
    /// value is being read, for the message if the text breaks off there.
    fn members<'de, A: MapAccess<'de>>(&self, map: &mut A, obj: &mut RawObject, reading: &mut Option<String>) -> Result<(), A::Error> {
        let shared = self.shared;
        let mut first = true;
        while let Some(key) = map.next_key_seed(KeySeed { shared })? {
            if std::mem::take(&mut first)
                && let Cow::Borrowed(key) = &key
            {
                obj.start = shared.brace_before(key);
                if self.role == Role::Feature && !shared.tail && shared.switch_at(obj.start) {
                    // This feature and the rest were read by the other thread.
                    map.next_value::<IgnoredAny>()?;
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    return Ok(());
                }
            }
            if self.role == Role::Root {
                *reading = Some(key.to_string());
            }
            let path = Path::Key(&key, self.path);
            let child = |role| ItemSeed { role, path: &path, shared };
            let duplicate = match (self.role, key.as_ref()) {
                (Role::Root, "features") => match map.next_value_seed(ListSeed(child(Role::Feature)))? {
                    Ok(items) => obj.features.replace(items).is_some(),
                    Err(value) => obj.members.insert(key.to_string(), value).is_some(),
                },
                (Role::Root | Role::Feature, "geometry") => {
                    obj.geometry.replace(map.next_value_seed(child(Role::Geometry))?).is_some()
                }
                (Role::Root | Role::Geometry, "geometries") => match map.next_value_seed(ListSeed(child(Role::Geometry)))? {
                    Ok(items) => obj.geometries.replace(items).is_some(),
                    Err(value) => obj.members.insert(key.to_string(), value).is_some(),
                },
                (Role::Root | Role::Geometry, "coordinates") => {
                    obj.coordinates.replace(map.next_value_seed(CoordsSeed)?).is_some()
                }
                _ => {
                    let value = map.next_value_seed(ValueSeed { path: &path, duplicates: &shared.duplicates })?;
                    obj.members.insert(key.to_string(), value).is_some()
                }
            };
            if duplicate {
                shared.duplicates.borrow_mut().note(&path);
            }
            *reading = None;
        }
        Ok(())
    }
}

/// An object key, borrowed from the text when it has no escapes; its address tells how far
/// the parser has got (serde_json has no public offset for a `Deserializer`).
struct KeySeed<'s, 'a> {
    shared: &'s Shared<'a>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_, '_> {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, '_> {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        if let Some(at) = self.shared.offset_of(v) {
            self.shared.offset.set(at);
        }
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

/// An array of items (`features`, `geometries`), or the `Value` that stood in its place.
struct ListSeed<'s, 'a>(ItemSeed<'s, 'a>);

impl<'de> DeserializeSeed<'de> for ListSeed<'_, '_> {
    type Value = Result<Vec<RawItem>, Value>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl ListSeed<'_, '_> {
    fn value_seed(&self) -> ValueSeed<'_> {
        self.0.value_seed()
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, '_> {
    type Value = Result<Vec<RawItem>, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }

    delegate_to_value!(Err);

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.value_seed().visit_map(map).map(Err)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let ItemSeed { role, path, shared } = self.0;
        shared.features_started.set(shared.features_started.get() || role == Role::Feature);
        let mut items = Vec::new();
        for i in 0.. {
            let here = Path::Index(i, path);
            let Some(item) = seq.next_element_seed(ItemSeed { role, path: &here, shared })? else { break };
            if role != Role::Feature {
                items.push(item);
                continue;
            }
            let switched = shared.switched.borrow_mut().take();
            if let Some(rest) = switched {
                // Their text is skipped; they are handed on as if read here.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                for item in rest {
                    let at = item.start().unwrap_or(0);
                    (*shared.on_feature.borrow_mut())(item);
                    shared.progress.feature_read(at as u64);
                }
                break;
            }
            (*shared.on_feature.borrow_mut())(item);
            // The other half of a split parse leaves the counting to this one.
            if !shared.tail {
                shared.progress.feature_read(shared.offset.get() as u64);
            }
            if shared.progress.is_cancelled() {
                shared.cancelled.set(true);
                return Err(de::Error::custom("cancelled"));
            }
        }
        Ok(Ok(items))
    }
}

/// Parses `coordinates` without a tree: positions are collected into one vector per line.
#[derive(Clone, Copy)]
struct CoordsSeed;

impl<'de> DeserializeSeed<'de> for CoordsSeed {
    type Value = Coords;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Coords, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CoordsSeed {
    type Value = Coords;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("coordinates")
    }

    fn visit_i64<E>(self, v: i64) -> Result<Coords, E> {
        Ok(Coords::Number(v as f64))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Coords, E> {
        Ok(Coords::Number(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Coords, E> {
        Ok(Coords::Number(v))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Coords, E> {
        Ok(Coords::Invalid("a boolean"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Coords, E> {
        Ok(Coords::Invalid("a string"))
    }

    fn visit_unit<E>(self) -> Result<Coords, E> {
        Ok(Coords::Invalid("null"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Coords, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Coords::Invalid("an object"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
        let Some(first) = seq.next_element_seed(self)? else {
            return Ok(Coords::List(Vec::new()));
        };
        match first {
            Coords::Number(x) => {
                // A position: the first two numbers count, more are heights (or measures).
                let (mut count, mut y, mut invalid) = (1, 0.0, None);
                while let Some(c) = seq.next_element_seed(self)? {
                    match c {
                        Coords::Number(v) if count == 1 => y = v,
                        Coords::Number(_) => {}
                        _ => invalid = invalid.or(Some("an array inside a position")),
                    }
                    count += 1;
                }
                Ok(match invalid {
                    Some(what) => Coords::Invalid(what),
                    None if count < 2 => Coords::ShortPosition(count),
                    None => Coords::Position { at: Coord { x, y }, height: count > 2 },
                })
            }
            Coords::Position { at, height } => {
                let mut coords = vec![at];
                let mut heights = usize::from(height);
                while let Some(c) = seq.next_element_seed(self)? {
                    match c {
                        Coords::Position { at, height } => {
                            coords.push(at);
                            heights += usize::from(height);
                        }
                        other => {
                            // Mixed content: keep it as a list for the message.
                            let mut list: Vec<Coords> =
                                coords.into_iter().map(|at| Coords::Position { at, height: false }).collect();
                            list.push(other);
                            while let Some(c) = seq.next_element_seed(self)? {
                                list.push(c);
                            }
                            return Ok(Coords::List(list));
                        }
                    }
                }
                coords.shrink_to_fit();
                Ok(Coords::Positions { coords, heights })
            }
            other => {
                let mut list = vec![other];
                while let Some(c) = seq.next_element_seed(self)? {
                    list.push(c);
                }
                Ok(Coords::List(list))
            }
        }
    }
}

impl RawItem {
    /// Byte offset of the object's opening brace, when known.
    pub fn start(&self) -> Option<usize> {
        match self {
            RawItem::Object(obj) => obj.start,
            RawItem::Other(_) => None,
        }
    }

    /// Back to plain JSON, for a structural member that turned out to be a foreign member
    /// (a FeatureCollection with a `geometry`, say). Heights are not kept.
    pub fn into_value(self) -> Value {
        match self {
            RawItem::Other(v) => v,
            RawItem::Object(obj) => Value::Object(obj.into_members()),
        }
    }
}

impl RawObject {
    /// Every member as plain JSON.
    pub fn into_members(self) -> Map<String, Value> {
        let mut members = self.members;
        let list = |items: Vec<RawItem>| Value::Array(items.into_iter().map(RawItem::into_value).collect());
        if let Some(items) = self.features {
            members.insert("features".into(), list(items));
        }
        if let Some(item) = self.geometry {
            members.insert("geometry".into(), item.into_value());
        }
        if let Some(items) = self.geometries {
            members.insert("geometries".into(), list(items));
        }
        if let Some(coords) = self.coordinates {
            members.insert("coordinates".into(), coords.into_value());
        }
        members
    }
}

impl Coords {
    fn into_value(self) -> Value {
        let pos = |at: Coord<f64>| serde_json::json!([at.x, at.y]);
        match self {
            Coords::Number(v) => serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
            Coords::Position { at, .. } => pos(at),
            Coords::ShortPosition(_) | Coords::Invalid(_) => Value::Null,
            Coords::Positions { coords, .. } => Value::Array(coords.into_iter().map(pos).collect()),
            Coords::List(list) => Value::Array(list.into_iter().map(Coords::into_value).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A collection of `n` short tracks, each feature with `extra` among its properties.
    fn collection(n: usize, extra: &str) -> String {
        let features: Vec<String> = (0..n)
            .map(|i| {
                let coords: Vec<String> = (0..8).map(|k| format!("[{}.{k}5,{}.25]", 100 + i % 50, i % 60)).collect();
                format!(r#"{{"type":"Feature","properties":{{"name":"F{i}","n":{i}{extra}}},"geometry":{{"type":"LineString","coordinates":[{}]}}}}"#, coords.join(","))
            })
            .collect();
        format!("{{\"type\":\"FeatureCollection\",\"name\":\"t\",\"features\":[\n{}\n],\"after\":[1,2]}}", features.join(",\n"))
    }

    /// Everything a parse hands on (features with their starts, root, notes, cut), split at
    /// `at` and on one thread.
    fn both(text: &str, at: Option<usize>) -> (String, String) {
        let run = |at: Option<usize>| {
            let mut seen = Vec::new();
            let parsed = parse_split(text, &Progress::default(), &mut |item| seen.push(item), at);
            let parsed = parsed.map(|p| (p.root, p.duplicates, p.cut.map(|c| (c.error.to_string(), c.member))));
            format!("{seen:?}\n{parsed:?}")
        };
        (run(at), run(None))
    }

    #[test]
    fn a_split_parse_gives_what_one_thread_gives() {
        let text = collection(20_000, "");
        let at = split_point(&text).expect("a big collection is split");
        assert!(text[at..].starts_with(r#"{"type":"Feature""#) && text[..at].trim_end().ends_with(','));
        let (split, single) = both(&text, Some(at));
        assert_eq!(split, single);
        assert!(split.matches("F19999").count() == 1, "every feature is there once");
    }

    #[test]
    fn a_wrong_guess_a_duplicate_or_a_cut_in_the_second_half_changes_nothing() {
        // A feature inside a property looks like the start of one.
        let text = collection(2_000, r#","related":[0,{"type":"Feature","properties":{},"geometry":null}]"#);
        let decoy = text.find(r#"[0,{"type"#).expect("the decoy is there") + 3;
        let (split, single) = both(&text, Some(decoy));
        assert_eq!(split, single);
        // A duplicate key after the split: noted with its place in the whole file.
        let mut text = collection(2_000, "");
        let at = text.len() / 2 + text[text.len() / 2..].find(",\n{").expect("a boundary") + 2;
        text.insert_str(at + 1, r#""type":"Feature","#);
        let (split, single) = both(&text, Some(at));
        assert_eq!(split, single);
        assert!(split.contains("duplicate") || split.contains("Member"), "the duplicate is reported: {}", &split[split.len() - 300..]);
        // The text breaks off after the split.
        let text = collection(2_000, "");
        let at = text.len() / 2 + text[text.len() / 2..].find(",\n{").expect("a boundary") + 2;
        let cut = &text[..text.len() - 5_000];
        let (split, single) = both(cut, Some(at));
        assert_eq!(split, single);
        assert!(split.contains("EOF"), "the cut is reported");
    }
}
