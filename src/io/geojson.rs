//! GeoJSON (RFC 7946) reader and writer, case files included.
//!
//! Reads a FeatureCollection, a single Feature or a bare geometry. A feature whose geometry is
//! broken is skipped with an error diagnostic and the rest loads. Positions are lon/lat degrees;
//! heights are dropped (with a note); polygon rings are re-wound to the RFC's orientation
//! (exterior counter-clockwise) so every consumer can rely on it.

use geo::orient::{Direction, Orient};
use geo::{Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use geojson::{GeometryValue, Position};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Diagnostic, Loaded, Place, ReadError, case_file, json};
use crate::model::{Feature, FeatureId, Layer};

const GEOMETRY_TYPES: [&str; 7] = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

/// Reads GeoJSON from the bytes of a file (UTF-8, UTF-16 or with a BOM).
pub fn read_bytes(bytes: &[u8]) -> Result<Loaded, ReadError> {
    let mut diagnostics = Vec::new();
    let text = json::decode(bytes, &mut diagnostics)?;
    read_text(&text, diagnostics)
}

/// Reads GeoJSON text.
pub fn read_str(text: &str) -> Result<Loaded, ReadError> {
    read_text(text, Vec::new())
}

fn read_text(text: &str, mut diagnostics: Vec<Diagnostic>) -> Result<Loaded, ReadError> {
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let root = json::parse(text, &mut diagnostics)?;
    let Value::Object(mut root) = root else {
        return Err(ReadError::NotGeoJson(format!(
            "the top level is {}, not an object",
            json_kind(&root)
        )));
    };
    let kind = match root.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(other) => return Err(ReadError::NotGeoJson(format!("\"type\" is {}", json_kind(other)))),
        None => return Err(ReadError::NotGeoJson("the top-level object has no \"type\"".into())),
    };
    let mut layer = Layer::default();
    let mut ctx = Context { diagnostics: &mut diagnostics, z_dropped: 0, rewound: 0 };
    match kind.as_str() {
        "FeatureCollection" => {
            root.remove("type");
            root.remove("bbox");
            let features = match root.remove("features") {
                Some(Value::Array(items)) => items,
                Some(other) => {
                    return Err(ReadError::NotGeoJson(format!("\"features\" is {}, not an array", json_kind(&other))));
                }
                None => return Err(ReadError::NotGeoJson("the FeatureCollection has no \"features\"".into())),
            };
            layer.features.reserve(features.len());
            for (index, item) in features.into_iter().enumerate() {
                if let Some(f) = ctx.feature(index, item) {
                    layer.features.push(f);
                }
            }
            if let Some(member) = root.remove(case_file::MEMBER) {
                layer.case = case_file::read_member(member, ctx.diagnostics);
            }
            if let Some(Value::String(name)) = root.get("name") {
                layer.name = name.clone();
            }
            layer.foreign = root;
        }
        "Feature" => {
            if let Some(f) = ctx.feature(0, Value::Object(root)) {
                layer.features.push(f);
            }
        }
        t if GEOMETRY_TYPES.contains(&t) => {
            let place = Place::Feature { index: 0, id: None };
            match ctx.geometry(Value::Object(root), &place) {
                Ok(geometry) => layer.features.push(Feature { geometry, ..Feature::default() }),
                Err(message) => ctx.diagnostics.push(Diagnostic::error(place, format!("geometry skipped: {message}"))),
            }
        }
        other => return Err(ReadError::NotGeoJson(format!("unknown type {other:?}"))),
    }
    ctx.summarise();
    if layer.case.is_some() {
        diagnostics.extend(case_file::check_references(&layer));
    }
    Ok(Loaded { layer, diagnostics })
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Context<'a> {
    diagnostics: &'a mut Vec<Diagnostic>,
    z_dropped: usize,
    rewound: usize,
}

impl Context<'_> {
    fn feature(&mut self, index: usize, item: Value) -> Option<Feature> {
        let place = |id: Option<&FeatureId>| Place::Feature { index, id: id.map(ToString::to_string) };
        let Value::Object(mut obj) = item else {
            let msg = format!("skipped: a feature must be an object, this is {}", json_kind(&item));
            self.diagnostics.push(Diagnostic::error(place(None), msg));
            return None;
        };
        let id = match obj.remove("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(FeatureId::Text(s)),
            Some(Value::Number(n)) => Some(FeatureId::Number(n)),
            Some(other) => {
                let msg = format!("the id is {}; ids must be strings or numbers, so it was ignored", json_kind(&other));
                self.diagnostics.push(Diagnostic::warning(place(None), msg));
                None
            }
        };
        let here = place(id.as_ref());
        match obj.remove("type") {
            Some(Value::String(t)) if t == "Feature" => {}
            other => {
                let found = other.as_ref().map_or("nothing".to_owned(), |v| match v {
                    Value::String(s) => format!("{s:?}"),
                    v => json_kind(v).to_owned(),
                });
                let msg = format!("skipped: \"type\" must be \"Feature\", found {found}");
                self.diagnostics.push(Diagnostic::error(here, msg));
                return None;
            }
        }
        let properties = match obj.remove("properties") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(p)) => p,
            Some(other) => {
                let msg = format!("\"properties\" is {}, not an object; ignored", json_kind(&other));
                self.diagnostics.push(Diagnostic::warning(here.clone(), msg));
                Map::new()
            }
        };
        let geometry = match obj.remove("geometry") {
            Some(Value::Null) => None,
            None => {
                self.diagnostics.push(Diagnostic::warning(
                    here.clone(),
                    "no \"geometry\" member (RFC 7946 asks for one, null if unlocated)",
                ));
                None
            }
            Some(g) => match self.geometry(g, &here) {
                Ok(g) => g,
                Err(message) => {
                    self.diagnostics.push(Diagnostic::error(here, format!("skipped: {message}")));
                    return None;
                }
            },
        };
        obj.remove("bbox");
        Some(Feature { id, geometry, properties, foreign: obj })
    }

    /// A GeoJSON geometry object to a geo geometry; `None` for an empty geometry.
    fn geometry(&mut self, value: Value, place: &Place) -> Result<Option<Geometry<f64>>, String> {
        if value.get("coordinates").and_then(Value::as_array).is_some_and(Vec::is_empty) {
            return Ok(None);
        }
        let parsed = geojson::Geometry::deserialize(value).map_err(|e| e.to_string())?;
        self.convert(&parsed.value, place)
    }

    fn convert(&mut self, value: &GeometryValue, place: &Place) -> Result<Option<Geometry<f64>>, String> {
        Ok(Some(match value {
            GeometryValue::Point { coordinates } => Geometry::Point(Point(self.coord(coordinates, place)?)),
            GeometryValue::MultiPoint { coordinates } => {
                let points = coordinates.iter().map(|p| self.coord(p, place).map(Point)).collect::<Result<Vec<_>, _>>()?;
                if points.is_empty() {
                    return Ok(None);
                }
                Geometry::MultiPoint(MultiPoint(points))
            }
            GeometryValue::LineString { coordinates } => Geometry::LineString(self.line(coordinates, place)?),
            GeometryValue::MultiLineString { coordinates } => {
                let lines = coordinates.iter().map(|l| self.line(l, place)).collect::<Result<Vec<_>, _>>()?;
                if lines.is_empty() {
                    return Ok(None);
                }
                Geometry::MultiLineString(MultiLineString(lines))
            }
            GeometryValue::Polygon { coordinates } => match self.polygon(coordinates, place)? {
                Some(p) => Geometry::Polygon(p),
                None => return Ok(None),
            },
            GeometryValue::MultiPolygon { coordinates } => {
                let mut polys = Vec::with_capacity(coordinates.len());
                for rings in coordinates {
                    polys.extend(self.polygon(rings, place)?);
                }
                if polys.is_empty() {
                    return Ok(None);
                }
                Geometry::MultiPolygon(MultiPolygon(polys))
            }
            GeometryValue::GeometryCollection { geometries } => {
                let mut parts = Vec::with_capacity(geometries.len());
                for g in geometries {
                    parts.extend(self.convert(&g.value, place)?);
                }
                Geometry::GeometryCollection(GeometryCollection(parts))
            }
        }))
    }

    fn coord(&mut self, p: &Position, place: &Place) -> Result<Coord<f64>, String> {
        let &[x, y, ref rest @ ..] = p.as_slice() else {
            return Err("a position needs a longitude and a latitude".into());
        };
        if !rest.is_empty() {
            self.z_dropped += 1;
        }
        if !(-90.0..=90.0).contains(&y) {
            let hint = if (-90.0..=90.0).contains(&x) && (-180.0..=180.0).contains(&y) {
                "; are longitude and latitude swapped? GeoJSON puts longitude first"
            } else {
                ""
            };
            return Err(format!("latitude {y} is outside -90..90 in [{x}, {y}]{hint}"));
        }
        if !(-540.0..=540.0).contains(&x) {
            return Err(format!("longitude {x} is outside -180..180 in [{x}, {y}]"));
        }
        if !(-180.0..=180.0).contains(&x) {
            let msg = format!("longitude {x} is outside -180..180; drawn as it is");
            self.diagnostics.push(Diagnostic::warning(place.clone(), msg));
        }
        Ok(Coord { x, y })
    }

    fn line(&mut self, positions: &[Position], place: &Place) -> Result<LineString<f64>, String> {
        if positions.len() < 2 {
            return Err(format!("a line needs at least 2 positions, this one has {}", positions.len()));
        }
        let coords = positions.iter().map(|p| self.coord(p, place)).collect::<Result<Vec<_>, _>>()?;
        Ok(LineString(coords))
    }

    fn polygon(&mut self, rings: &[Vec<Position>], place: &Place) -> Result<Option<Polygon<f64>>, String> {
        let mut rings = rings.iter().enumerate().map(|(i, ring)| {
            if ring.len() < 4 {
                return Err(format!("ring {i} has {} positions; a closed ring needs at least 4", ring.len()));
            }
            let line = self.line(ring, place)?;
            if line.0.first() != line.0.last() {
                let msg = format!("ring {i} is not closed; closed it");
                self.diagnostics.push(Diagnostic::warning(place.clone(), msg));
            }
            Ok(line)
        });
        let Some(exterior) = rings.next().transpose()? else {
            return Ok(None);
        };
        let interiors = rings.collect::<Result<Vec<_>, _>>()?;
        let polygon = Polygon::new(exterior, interiors);
        let oriented = polygon.orient(Direction::Default);
        if oriented != polygon {
            self.rewound += 1;
        }
        Ok(Some(oriented))
    }

    fn summarise(&mut self) {
        if self.z_dropped > 0 {
            let msg = format!("{} positions had heights; Portolan draws in 2D and ignores them", self.z_dropped);
            self.diagnostics.push(Diagnostic::info(Place::File, msg));
        }
        if self.rewound > 0 {
            let msg = format!("{} polygons were wound clockwise; re-wound as RFC 7946 asks", self.rewound);
            self.diagnostics.push(Diagnostic::info(Place::File, msg));
        }
    }
}

/// The layer as a GeoJSON document; a case file when the layer carries a case.
pub fn to_value(layer: &Layer) -> Value {
    let mut root = Map::new();
    root.insert("type".into(), "FeatureCollection".into());
    for (k, v) in &layer.foreign {
        if !matches!(k.as_str(), "type" | "features" | "bbox" | case_file::MEMBER) {
            root.insert(k.clone(), v.clone());
        }
    }
    if let Some(case) = &layer.case {
        root.insert(case_file::MEMBER.into(), case_file::write_member(case));
    }
    let features = layer.features.iter().map(feature_to_value).collect();
    root.insert("features".into(), Value::Array(features));
    Value::Object(root)
}

fn feature_to_value(f: &Feature) -> Value {
    let mut obj = Map::new();
    obj.insert("type".into(), "Feature".into());
    match &f.id {
        Some(FeatureId::Text(s)) => obj.insert("id".into(), s.clone().into()),
        Some(FeatureId::Number(n)) => obj.insert("id".into(), Value::Number(n.clone())),
        None => None,
    };
    obj.insert("properties".into(), Value::Object(f.properties.clone()));
    let geometry = f.geometry.as_ref().map_or(Value::Null, |g| {
        serde_json::to_value(geojson::Geometry::new(GeometryValue::from(g))).unwrap_or(Value::Null)
    });
    obj.insert("geometry".into(), geometry);
    for (k, v) in &f.foreign {
        if !matches!(k.as_str(), "type" | "id" | "properties" | "geometry" | "bbox") {
            obj.insert(k.clone(), v.clone());
        }
    }
    Value::Object(obj)
}

/// The layer as pretty-printed GeoJSON text, ending in a newline.
pub fn to_string(layer: &Layer) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(layer)).unwrap_or_default();
    text.push('\n');
    text
}

/// Saves the layer (and its case) as GeoJSON, atomically.
pub fn save(path: &std::path::Path, layer: &Layer) -> std::io::Result<()> {
    super::save_atomic(path, to_string(layer).as_bytes())
}
