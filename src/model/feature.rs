//! Features and layers.

use geo::{Geometry, Rect};
use serde_json::{Map, Value};

use super::{Case, Properties};

/// A feature id as GeoJSON allows it: a string or a number.
#[derive(Clone, Debug, PartialEq)]
pub enum FeatureId {
    Text(String),
    Number(serde_json::Number),
}

impl std::fmt::Display for FeatureId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeatureId::Text(s) => f.write_str(s),
            FeatureId::Number(n) => write!(f, "{n}"),
        }
    }
}

/// What a feature stands for in a case, from its `kind` property.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeatureKind {
    Site,
    SeaRoute,
    RailCorridor,
    Area,
    /// Any other `kind` value, or none (`""`): plain GIS data.
    Other(String),
}

impl FeatureKind {
    pub fn parse(kind: &str) -> Self {
        match kind {
            "site" => Self::Site,
            "sea_route" => Self::SeaRoute,
            "rail_corridor" => Self::RailCorridor,
            "area" => Self::Area,
            other => Self::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Site => "site",
            Self::SeaRoute => "sea_route",
            Self::RailCorridor => "rail_corridor",
            Self::Area => "area",
            Self::Other(s) if s.is_empty() => "feature",
            Self::Other(s) => s,
        }
    }
}

/// One GeoJSON feature: geometry in lon/lat degrees (WGS84), properties, and any foreign
/// members kept as they were read so that a save gives them back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Feature {
    pub id: Option<FeatureId>,
    pub geometry: Option<Geometry<f64>>,
    pub properties: Properties,
    pub foreign: Map<String, Value>,
}

impl Feature {
    /// The id used to cross-reference: the `id` property if there is one, else the feature id.
    pub fn key(&self) -> Option<String> {
        match self.str_prop("id") {
            Some(id) => Some(id.to_owned()),
            None => self.id.as_ref().map(ToString::to_string),
        }
    }

    pub fn kind(&self) -> FeatureKind {
        FeatureKind::parse(self.str_prop("kind").unwrap_or(""))
    }

    /// The `name` property, or for plain data the first of a few common spellings of it
    /// (`Name`, `NAME`, `vessel_name` in AIS exports, `title`, `label`).
    pub fn name(&self) -> Option<&str> {
        const NAME_KEYS: [&str; 6] = ["name", "Name", "NAME", "vessel_name", "title", "label"];
        NAME_KEYS.iter().find_map(|k| self.str_prop(k).filter(|s| !s.trim().is_empty()))
    }

    pub fn str_prop(&self, key: &str) -> Option<&str> {
        self.properties.str(key)
    }

    pub fn f64_prop(&self, key: &str) -> Option<f64> {
        self.properties.f64(key)
    }

    /// A site, sea route, rail corridor or area that names no source, neither for the claim
    /// (`source_ids`) nor for its coordinates (`coord_source_ids`). Plain data is never
    /// unsourced: it makes no claim of its own.
    pub fn is_unsourced(&self) -> bool {
        let names_none = |key| self.list_prop(key).iter().all(|id| id.trim().is_empty());
        !matches!(self.kind(), FeatureKind::Other(_)) && names_none("source_ids") && names_none("coord_source_ids")
    }

    /// A property holding a list of strings (`source_ids`, `alt_names`, ...). A single string
    /// counts as a list of one.
    pub fn list_prop(&self, key: &str) -> Vec<&str> {
        self.properties.list(key)
    }
}

/// A set of features read from one file. A case file is a layer that also carries a `Case`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layer {
    pub name: String,
    pub features: Vec<Feature>,
    /// The evidence, when the file is a Portolan case file.
    pub case: Option<Case>,
    /// Top-level foreign members other than `portolan`, kept for a lossless save.
    pub foreign: Map<String, Value>,
    /// Pictures laid on the map or pinned to the view (KML GroundOverlay, ScreenOverlay).
    pub overlays: Vec<super::Overlay>,
}

impl Layer {
    /// The bounding box of every geometry and placed overlay, in lon/lat degrees. Data on
    /// both sides of the antimeridian (Kamchatka and Alaska, a route cut at ±180°) get the
    /// box across it, its east edge beyond 180° (see `projection::lon_cover`).
    pub fn extent(&self) -> Option<Rect<f64>> {
        let features = self.features.iter().filter_map(|f| crate::projection::geometry_extent(f.geometry.as_ref()?));
        crate::projection::merge_extents(features.chain(self.overlays.iter().filter_map(super::Overlay::extent)))
    }

    /// Number of features per kind, in kind order.
    pub fn count_by_kind(&self) -> Vec<(FeatureKind, usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for f in &self.features {
            *counts.entry(f.kind()).or_insert(0) += 1;
        }
        counts.into_iter().collect()
    }

    pub fn feature_by_key(&self, key: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.key().as_deref() == Some(key))
    }
}

/// Which feature of which open layer: indexes into the app's list of layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct FeatureRef {
    pub layer: usize,
    pub feature: usize,
}
