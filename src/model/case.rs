//! The evidence behind a case: sources, vessels and dated events.
//!
//! These types are what the `portolan` member of a case file holds. Each keeps the members it
//! does not know in `extra`, so that a file written by a newer version survives a load → save.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The evidence of one investigation, held beside its map features.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Format version; files without one are read as version 1.
    #[serde(default = "Case::default_version")]
    pub version: u32,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vessels: Vec<Vessel>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Case {
    pub const VERSION: u32 = 1;

    fn default_version() -> u32 {
        Self::VERSION
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    pub fn vessel(&self, id: &str) -> Option<&Vessel> {
        self.vessels.iter().find(|v| v.id == id)
    }

    pub fn event(&self, id: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.id == id)
    }
}

/// A report, statement, dataset or reference that supports a claim.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub publisher: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// ISO 8601 at the precision known (`2023-10-16`, `2023-10`, `2023`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub date: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrieved: Option<String>,
    /// SHA-256 of the saved copy, lower-case hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Where the saved copy is: relative to the case file's folder (forward slashes) when it
    /// lies in it, else an absolute path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_copy: Option<String>,
    /// Size of the saved copy in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_copy_bytes: Option<u64>,
    /// Media type of the saved copy (`application/pdf`, `text/html`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_copy_type: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Source {
    /// Whether the claim can still be checked if the page changes or goes: the source has an
    /// archive URL or the hash of a saved copy.
    pub fn is_preserved(&self) -> bool {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        given(&self.archive_url) || given(&self.sha256)
    }
}

/// A ship named in the case.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Vessel {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mmsi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_sign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vessel_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owners: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanctions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ais_behaviour: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_ids: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Something that happened or was observed, at a date known to some precision.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    /// ISO 8601 at the precision known.
    pub date_start: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_end: Option<String>,
    /// `day`, `month`, `year`, or a note on how the date is approximate.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub date_precision: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vessel_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imagery_provider: Option<String>,
    /// Dates of the satellite images behind the event (ISO 8601; `a..b` for a range).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_dates: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figure: Option<Figure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Event {
    /// The event names no source.
    pub fn is_unsourced(&self) -> bool {
        self.source_ids.iter().all(|id| id.trim().is_empty())
    }
}

/// A headline number, as the source gives it: a number or a word ("several hundred").
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub value: Value,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// `exact`, `at least`, `more than`, `about`, ...
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub qualifier: String,
}
