//! JSON decoding for files nobody vetted: the pieces the GeoJSON parser is built from.
//!
//! On top of serde_json this handles byte-order marks and UTF-16 text, turns parser errors
//! into messages with line and column, and reports duplicate keys (serde_json silently keeps the
//! last one). Nesting is bounded by serde_json's recursion limit (128 levels), so a file of
//! 100,000 open brackets fails fast with a clear message instead of overflowing the stack.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::text::{self, line_column};
use super::{Diagnostic, Place, ReadError};

/// Duplicate keys reported one by one before the rest are only counted.
const MAX_DUPLICATES_LISTED: usize = 20;

/// Bytes to text: UTF-8 (with or without a BOM) or UTF-16 (with a BOM, or recognised by the
/// zero bytes of ASCII text). RFC 8259 asks for UTF-8, so other encodings get a note. UTF-8 cut
/// in the middle of its last character is read up to that character, with a warning.
pub(crate) fn decode<'a>(bytes: &'a [u8], diags: &mut Vec<Diagnostic>) -> Result<Cow<'a, str>, ReadError> {
    if let Some(text) = text::decode_utf16(bytes, "JSON", diags)? {
        return Ok(Cow::Owned(text));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        // Cut in the middle of a character: read up to it (the parser will name the cut).
        Err(e) if e.error_len().is_none() => {
            let bytes = body.len() - e.valid_up_to();
            let message = format!("the file ends in the middle of a character; its last {bytes} bytes were left out");
            diags.push(Diagnostic::warning(Place::File, message));
            Ok(Cow::Borrowed(std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default()))
        }
        Err(e) => {
            let valid = std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default();
            let (line, column) = line_column(valid, valid.len());
            Err(ReadError::Encoding { encoding: "UTF-8", line, column })
        }
    }
}

pub(crate) fn json_error(e: serde_json::Error) -> ReadError {
    let message = match e.classify() {
        serde_json::error::Category::Eof => format!("the text ends early ({}); is the file truncated?", error_detail(&e)),
        _ => error_detail(&e),
    };
    ReadError::Json { line: e.line(), column: e.column(), message }
}

/// What serde_json says went wrong, without its place.
pub(crate) fn error_detail(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rsplit_once(" at line ").map_or(full.as_str(), |(msg, _)| msg) {
        "recursion limit exceeded" => "arrays and objects are nested more than 128 levels deep".to_owned(),
        detail => detail.to_owned(),
    }
}

/// Duplicate keys met so far: the first few by place, the rest counted.
#[derive(Default)]
pub(crate) struct Duplicates {
    listed: Vec<String>,
    more: usize,
}

impl Duplicates {
    pub fn is_empty(&self) -> bool {
        self.listed.is_empty() && self.more == 0
    }

    pub fn note(&mut self, path: &Path) {
        if self.listed.len() < MAX_DUPLICATES_LISTED {
            self.listed.push(path.pointer());
        } else {
            self.more += 1;
        }
    }

    /// Adds the duplicates to `diags` as warnings.
    pub fn report(self, diags: &mut Vec<Diagnostic>) {
        for pointer in self.listed {
            diags.push(Diagnostic::warning(Place::Member(pointer), "duplicate key; the last value is used"));
        }
        if self.more > 0 {
            let msg = format!("{} more duplicate keys; the last value of each is used", self.more);
            diags.push(Diagnostic::warning(Place::File, msg));
        }
    }
}

/// Where a value sits in the document, built on the stack as the parser descends, and turned
/// into a JSON Pointer only when a duplicate key is found.
pub(crate) enum Path<'a> {
    Root,
    Key(&'a str, &'a Path<'a>),
    Index(usize, &'a Path<'a>),
}

impl Path<'_> {
    fn pointer(&self) -> String {
        let mut parts = Vec::new();
        let mut at = self;
        loop {
            match at {
                Path::Root => break,
                Path::Key(k, up) => {
                    parts.push(k.replace('~', "~0").replace('/', "~1"));
                    at = up;
                }
                Path::Index(i, up) => {
                    parts.push(i.to_string());
                    at = up;
                }
            }
        }
        parts.iter().rev().fold(String::new(), |acc, p| acc + "/" + p)
    }
}

/// Builds a `Value` like serde_json's own, and remembers duplicate keys.
pub(crate) struct ValueSeed<'a> {
    pub path: &'a Path<'a>,
    pub duplicates: &'a RefCell<Duplicates>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // serde_json rejects NaN, Infinity and out-of-range numbers before they get here.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            let path = Path::Index(items.len(), self.path);
            let seed = ValueSeed { path: &path, duplicates: self.duplicates };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = Path::Key(&key, self.path);
            let value = map.next_value_seed(ValueSeed { path: &path, duplicates: self.duplicates })?;
            if members.contains_key(&key) {
                self.duplicates.borrow_mut().note(&path);
            }
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escapes_slash_and_tilde() {
        let root = Path::Root;
        let a = Path::Key("a/b~c", &root);
        let b = Path::Index(3, &a);
        assert_eq!(b.pointer(), "/a~1b~0c/3");
    }

}
