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
    /// Progress is reported as bytes added (`Some`: the offset last reported), when another
    /// thread parses another part of the text; else as the offset reached.
    added: Option<std::cell::Cell<usize>>,
}

impl<'a> Shared<'a> {
    fn new(text: &'a str, progress: &'a Progress, on_feature: &'a mut dyn FnMut(RawItem)) -> Self {
        Shared {
            added: None,
            duplicates: Default::default(),
            progress,
            text,
            offset: Default::default(),
            cancelled: Default::default(),
            features_started: Default::default(),
            unfinished: Default::default(),
            on_feature: std::cell::RefCell::new(on_feature),
        }
    }

    /// Counts a feature read, and reports how far the parser has got.
    fn feature_read(&self) {
        let at = self.offset.get();
        match &self.added {
            None => self.progress.feature_read(at as u64),
            Some(reported) => self.progress.feature_read_more(at.saturating_sub(reported.replace(at)) as u64),
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
pub(crate) fn parse(text: &str, progress: &Progress, on_feature: &mut dyn FnMut(RawItem)) -> Result<Parsed, ReadError> {
    parse_with(Shared::new(text, progress, on_feature))
}

/// [`parse`] for the first half of a split parse (see below): progress counts as bytes added
/// to the other half's.
pub(crate) fn parse_before(text: &str, progress: &Progress, on_feature: &mut dyn FnMut(RawItem)) -> Result<Parsed, ReadError> {
    let mut shared = Shared::new(text, progress, on_feature);
    shared.added = Some(std::cell::Cell::new(0));
    parse_with(shared)
}

fn parse_with(shared: Shared) -> Result<Parsed, ReadError> {
    let text = shared.text;
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

// ---------------------------------------------------------------------------------------------
// A big collection parsed in two halves at once.
//
// serde_json parses on one thread, and a FeatureCollection of 100 MB spends half a second
// there while the other cores wait. Its features are split at an element boundary after the
// middle: this thread parses the text up to the boundary (the parse breaks off there, as for a
// cut file), another thread the elements after it, one at a time. The boundary is only a guess
// (`}`, `,`, `{` with whitespace between: it could lie inside a string or a nested array), so
// the split is used only when both halves confirm it: the first parse must break off between
// two elements of `features` ("EOF while parsing a list", the root reading `features`), and the
// second must find whole elements up to the array's `]` and then only the root's `}`. A guess
// inside a string breaks the first parse off inside the string; one inside a nested array or
// object leaves the second half with more closing brackets than opening ones. Otherwise (and
// for duplicate keys after the boundary, whose paths would need renumbering) the caller parses
// the whole text as before.

/// Texts at least this long are parsed in two halves at once.
pub(crate) const SPLIT_FROM_BYTES: usize = 4 << 20;

/// How far past the middle a boundary is looked for.
const SPLIT_SEARCH_BYTES: usize = 1 << 20;

/// A guess at a boundary between two elements of the root's `features` after the middle of
/// `text`: the byte offset of the first's closing `}` plus one, and of the second's `{`.
pub(crate) fn split_guess(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let blank = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let end = (b.len() / 2 + SPLIT_SEARCH_BYTES).min(b.len());
    let mut i = b.len() / 2;
    while i < end {
        let comma = i + b[i..end].iter().position(|&c| c == b',')?;
        let before = b[..comma].iter().rposition(|c| !blank(c))?;
        let after = comma + 1 + b[comma + 1..].iter().position(|c| !blank(c))?;
        if b[before] == b'}' && b[after] == b'{' {
            return Some((before + 1, after));
        }
        i = comma + 1;
    }
    None
}

/// Whether a parse of `text[..first_end]` (from [`split_guess`]) broke off between two
/// elements of the root's `features`, as the first half of a split parse must.
pub(crate) fn broke_off_between_features(parsed: &Parsed) -> bool {
    parsed.cut.as_ref().is_some_and(|cut| {
        cut.member.as_deref() == Some("features") && cut.error.classify() == serde_json::error::Category::Eof && cut.error.to_string().starts_with("EOF while parsing a list")
    })
}

/// The second half of a split parse: the elements of the root's `features` from `start` (the
/// `{` of one) to the end of the array, each handed to `on_feature` (offsets in diagnostics
/// are the whole text's). `Ok(false)` unless they are whole elements up to the array's `]`,
/// then only the root's `}`, with no duplicate keys.
pub(crate) fn parse_features_from(text: &str, start: usize, progress: &Progress, on_feature: &mut dyn FnMut(RawItem)) -> Result<bool, ReadError> {
    let mut shared = Shared::new(text, progress, on_feature);
    shared.added = Some(std::cell::Cell::new(start));
    let b = text.as_bytes();
    let skip_blank = |mut i: usize| {
        while b.get(i).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
            i += 1;
        }
        i
    };
    let root = Path::Root;
    let features = Path::Key("features", &root);
    let mut at = start;
    for i in 0.. {
        let Some(end) = object_end(b, at) else { return Ok(false) };
        let here = Path::Index(i, &features);
        let mut de = serde_json::Deserializer::from_str(&text[at..end]);
        let Ok(item) = ItemSeed { role: Role::Feature, path: &here, shared: &shared }.deserialize(&mut de).and_then(|v| de.end().map(|()| v)) else {
            return Ok(false);
        };
        (*shared.on_feature.borrow_mut())(item);
        shared.feature_read();
        if progress.is_cancelled() {
            return Err(ReadError::Cancelled);
        }
        at = skip_blank(end);
        match b.get(at) {
            Some(b',') => at = skip_blank(at + 1),
            Some(b']') => break,
            _ => return Ok(false),
        }
    }
    let root_closed = b.get(skip_blank(at + 1)) == Some(&b'}') && skip_blank(skip_blank(at + 1) + 1) == b.len();
    let no_duplicates = shared.duplicates.borrow().is_empty();
    Ok(root_closed && no_duplicates)
}

/// One past the `}` that closes the object whose `{` is at `start`, skipping strings (with
/// their escapes) and nested arrays and objects; `None` if `b[start]` is not `{` or the text
/// ends first. Only finds the end: the object is then parsed by serde_json, which checks it.
fn object_end(b: &[u8], start: usize) -> Option<usize> {
    if b.get(start) != Some(&b'{') {
        return None;
    }
    let mut depth = 0usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                loop {
                    match *b.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
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
            } else {
                (*shared.on_feature.borrow_mut())(item);
                shared.feature_read();
                if shared.progress.is_cancelled() {
                    shared.cancelled.set(true);
                    return Err(de::Error::custom("cancelled"));
                }
            }
        }
        Ok(Ok(items))
    }
}

/// Parses `coordinates` without a tree: positions are collected into one vector per line.
#[derive(Clone, Copy)]
struct CoordsSeed;

/// The buffer is not kept past a line longer than this (a million-vertex line would
/// otherwise hold its size for as long as the thread lives).
const KEEP_POSITIONS: usize = 1 << 16;

thread_local! {
    /// The positions of the line being read ([`CoordsSeed`]; a line holds no lines).
    static POSITIONS: std::cell::Cell<Vec<Coord<f64>>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Hands the positions buffer back for the next line, unless a very long line grew it.
fn keep_for_next_line(buffer: Vec<Coord<f64>>) {
    if buffer.capacity() <= KEEP_POSITIONS {
        POSITIONS.set(buffer);
    }
}

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
                // Gathered in a buffer kept for the next line, then copied once at their
                // number (a line of a thousand positions is not grown and copied ten times).
                let mut coords = POSITIONS.take();
                coords.clear();
                coords.push(at);
                let mut heights = usize::from(height);
                while let Some(c) = seq.next_element_seed(self)? {
                    match c {
                        Coords::Position { at, height } => {
                            coords.push(at);
                            heights += usize::from(height);
                        }
                        other => {
                            // Mixed content: keep it as a list for the message.
                            let mut list: Vec<Coords> = coords.drain(..).map(|at| Coords::Position { at, height: false }).collect();
                            keep_for_next_line(coords);
                            list.push(other);
                            while let Some(c) = seq.next_element_seed(self)? {
                                list.push(c);
                            }
                            return Ok(Coords::List(list));
                        }
                    }
                }
                let line = coords.as_slice().to_vec();
                keep_for_next_line(coords);
                Ok(Coords::Positions { coords: line, heights })
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
