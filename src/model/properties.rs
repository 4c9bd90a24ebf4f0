//! A feature's properties, stored compactly.
//!
//! A `serde_json::Map` costs about 1.5 kB for six short properties (a hash table, a 32-byte
//! `Value` and a heap string per key and per value): 200,000 points from an AIS or OSM export
//! took 9 times their file size. Here the keys are one shared list (features read from one
//! file nearly always have the same keys in the same order, so consecutive features share
//! one `Arc`), and each value is a 24-byte [`Prop`] that holds strings of up to 24 bytes
//! inline. Arrays and objects, rare in properties, stay `serde_json::Value`s behind a box.
//!
//! The order of the keys is kept as read, so saves write properties back as they came.
//! Lookups scan the keys: features have a handful of properties, and a scan of a few short
//! strings beats hashing them.

use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

use compact_str::CompactString;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Number, Value};

/// The keys of one or more features' properties, in order.
type Keys = Arc<[Box<str>]>;

/// A property's value: JSON, with short strings inline.
#[derive(Clone, Debug, PartialEq)]
enum Prop {
    Null,
    Bool(bool),
    Number(Number),
    Text(CompactString),
    /// An array or an object.
    Json(Box<Value>),
}

impl From<Value> for Prop {
    fn from(v: Value) -> Self {
        match v {
            Value::Null => Prop::Null,
            Value::Bool(b) => Prop::Bool(b),
            Value::Number(n) => Prop::Number(n),
            Value::String(s) => Prop::Text(CompactString::from(s)),
            other => Prop::Json(Box::new(other)),
        }
    }
}

impl Prop {
    fn to_value(&self) -> Value {
        match self {
            Prop::Null => Value::Null,
            Prop::Bool(b) => Value::Bool(*b),
            Prop::Number(n) => Value::Number(n.clone()),
            Prop::Text(s) => Value::String(s.as_str().to_owned()),
            Prop::Json(v) => (**v).clone(),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Prop::Text(s) => Value::String(s.into_string()),
            Prop::Json(v) => *v,
            other => other.to_value(),
        }
    }
}

impl Serialize for Prop {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Prop::Null => s.serialize_unit(),
            Prop::Bool(b) => s.serialize_bool(*b),
            Prop::Number(n) => n.serialize(s),
            Prop::Text(t) => s.serialize_str(t),
            Prop::Json(v) => v.serialize(s),
        }
    }
}

/// The properties of a feature: JSON members in their order, with the API of a map.
#[derive(Clone)]
pub struct Properties {
    keys: Keys,
    values: Box<[Prop]>,
}

impl Default for Properties {
    fn default() -> Self {
        static EMPTY: LazyLock<Keys> = LazyLock::new(|| Arc::from(Vec::new()));
        Properties { keys: EMPTY.clone(), values: Box::default() }
    }
}

impl Properties {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.keys.iter().position(|k| &**k == key)
    }

    fn prop(&self, key: &str) -> Option<&Prop> {
        self.position(key).map(|i| &self.values[i])
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| &**k)
    }

    /// The value of `key` as JSON (a copy).
    pub fn get(&self, key: &str) -> Option<Value> {
        self.prop(key).map(Prop::to_value)
    }

    /// The value of `key`, or `null` when there is none (as indexing a JSON object gives).
    pub fn value(&self, key: &str) -> Value {
        self.get(key).unwrap_or(Value::Null)
    }

    /// The value of `key` when it is a string.
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.prop(key)? {
            Prop::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value of `key` when it is a number.
    pub fn f64(&self, key: &str) -> Option<f64> {
        match self.prop(key)? {
            Prop::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// A list of strings (`source_ids`, `alt_names`, ...); a single non-empty string counts
    /// as a list of one, anything else as none.
    pub fn list(&self, key: &str) -> Vec<&str> {
        match self.prop(key) {
            Some(Prop::Json(v)) => v.as_array().map_or_else(Vec::new, |items| items.iter().filter_map(Value::as_str).collect()),
            Some(Prop::Text(s)) if !s.is_empty() => vec![s.as_str()],
            _ => Vec::new(),
        }
    }

    /// Every member in order, as JSON values (copies).
    pub fn iter(&self) -> impl Iterator<Item = (&str, Value)> {
        self.keys().zip(self.values.iter().map(Prop::to_value))
    }

    /// Sets `key` (in its place when it is there, else last) and returns the value it had.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        let value = Prop::from(value);
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.values[i], value).into_value()),
            None => {
                let keys = self.keys.iter().cloned().chain([key.into_boxed_str()]).collect();
                self.keys = shared(keys);
                let mut values = std::mem::take(&mut self.values).into_vec();
                values.push(value);
                self.values = values.into_boxed_slice();
                None
            }
        }
    }

    /// Takes `key` out, keeping the order of the rest.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        let keys = self.keys.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, k)| k.clone()).collect();
        self.keys = shared(keys);
        let mut values = std::mem::take(&mut self.values).into_vec();
        let old = values.remove(i);
        self.values = values.into_boxed_slice();
        Some(old.into_value())
    }

    /// The properties as a JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }
}

impl From<Map<String, Value>> for Properties {
    fn from(map: Map<String, Value>) -> Self {
        let (keys, values): (Vec<Box<str>>, Vec<Prop>) = map.into_iter().map(|(k, v)| (k.into_boxed_str(), Prop::from(v))).unzip();
        Properties { keys: shared(keys), values: values.into_boxed_slice() }
    }
}

/// Later duplicates replace earlier ones, in the earlier one's place, as in a JSON map.
impl FromIterator<(String, Value)> for Properties {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Map::from_iter(iter).into()
    }
}

impl Extend<(String, Value)> for Properties {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        let mut map = self.to_map();
        map.extend(iter);
        *self = map.into();
    }
}

/// Equal when they hold the same members, in any order (as JSON objects compare).
impl PartialEq for Properties {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.keys().zip(self.values.iter()).all(|(k, v)| other.prop(k) == Some(v))
    }
}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.keys().zip(self.values.iter())).finish()
    }
}

impl Serialize for Properties {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for (k, v) in self.keys().zip(self.values.iter()) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The key list `keys`, shared with recent features that have the same one. Each thread keeps
/// the last few lists it made (a reader runs on one thread and makes them in file order), so
/// a file whose features alternate between a few schemas shares those too. Long lists are not
/// compared, only made.
fn shared(keys: Vec<Box<str>>) -> Keys {
    const RECENT: usize = 8;
    const LONGEST_SHARED: usize = 64;
    thread_local! {
        static RECENT_KEYS: RefCell<Vec<Keys>> = const { RefCell::new(Vec::new()) };
    }
    if keys.len() > LONGEST_SHARED {
        return Arc::from(keys);
    }
    RECENT_KEYS.with_borrow_mut(|recent| {
        if let Some(i) = recent.iter().position(|k| **k == *keys) {
            let found = recent.remove(i);
            recent.insert(0, found.clone());
            return found;
        }
        let made: Keys = Arc::from(keys);
        recent.insert(0, made.clone());
        recent.truncate(RECENT);
        made
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn props(v: Value) -> Properties {
        match v {
            Value::Object(map) => map.into(),
            _ => unreachable!("the tests pass objects"),
        }
    }

    #[test]
    fn a_value_is_24_bytes_and_short_strings_stay_inline() {
        assert_eq!(std::mem::size_of::<Prop>(), 24);
        assert_eq!(std::mem::size_of::<Properties>(), 32);
        let p = props(json!({"observed": "2023-10-16T08:12:45Z"}));
        assert!(matches!(&p.values[0], Prop::Text(s) if !s.is_heap_allocated()));
    }

    #[test]
    fn features_with_the_same_keys_share_them() {
        let a = props(json!({"name": "a", "kind": "site"}));
        let b = props(json!({"name": "b", "kind": "area"}));
        assert!(Arc::ptr_eq(&a.keys, &b.keys));
        let c = props(json!({"kind": "site", "name": "c"}));
        assert!(!Arc::ptr_eq(&a.keys, &c.keys), "another order is another list");
    }

    #[test]
    fn reads_and_edits_as_a_json_map_does() {
        let mut p = props(json!({"name": "Rajin", "n": 3, "ok": true, "ids": ["a", "b"], "none": null, "obj": {"x": 1}}));
        assert_eq!((p.str("name"), p.f64("n"), p.list("ids")), (Some("Rajin"), Some(3.0), vec!["a", "b"]));
        assert_eq!((p.get("ok"), p.value("missing"), p.get("obj")), (Some(json!(true)), Value::Null, Some(json!({"x": 1}))));
        assert_eq!(p.list("name"), vec!["Rajin"]);
        assert_eq!(p.insert("n".into(), json!(4)), Some(json!(3)));
        assert_eq!(p.insert("new".into(), json!("last")), None);
        assert_eq!(p.remove("ok"), Some(json!(true)));
        assert_eq!(p.keys().collect::<Vec<_>>(), ["name", "n", "ids", "none", "obj", "new"]);
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"name":"Rajin","n":4,"ids":["a","b"],"none":null,"obj":{"x":1},"new":"last"}"#);
        assert_eq!(Value::Object(p.to_map()), json!({"name": "Rajin", "n": 4, "ids": ["a", "b"], "none": null, "obj": {"x": 1}, "new": "last"}));
    }

    #[test]
    fn equal_whatever_the_order_as_json_objects_are() {
        assert_eq!(props(json!({"a": 1, "b": "x"})), props(json!({"b": "x", "a": 1})));
        assert_ne!(props(json!({"a": 1})), props(json!({"a": 1.0})));
        assert_ne!(props(json!({"a": 1})), props(json!({"a": 1, "b": 2})));
    }

    #[test]
    fn later_duplicates_win_in_the_earlier_place() {
        let p: Properties = [("a".to_owned(), json!(1)), ("b".to_owned(), json!(2)), ("a".to_owned(), json!(3))].into_iter().collect();
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"a":3,"b":2}"#);
    }
}
