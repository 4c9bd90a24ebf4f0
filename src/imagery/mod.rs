//! Satellite imagery catalogues: which scenes of a place exist between two dates, how cloudy
//! and how sharp. Catalogues speak STAC (the SpatioTemporal Asset Catalog API); `stac.rs`
//! asks them, `Scene` is what an answer's item says that an analyst needs, and the writers
//! here put scenes in a CSV table or a GeoJSON file of footprints. No GUI, no egui.

pub mod stac;

use serde_json::{Map, Value};

pub use stac::{Catalogue, ImageryError, Query, SearchOptions, Searched, search, thumbnail};

/// One scene of a catalogue, as an item describes it. Fields real items often lack (gsd and
/// view angles; cloud cover for radar and elevation) are `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub id: String,
    pub collection: Option<String>,
    /// Acquisition time (the item's `datetime`, or the start of its range), ISO 8601 UTC as
    /// the catalogue wrote it; never a publication date.
    pub datetime: Option<String>,
    pub platform: Option<String>,
    pub constellation: Option<String>,
    /// Ground sample distance in metres.
    pub gsd: Option<f64>,
    /// Scene cloud cover, per cent.
    pub cloud_cover: Option<f64>,
    pub off_nadir: Option<f64>,
    pub sun_elevation: Option<f64>,
    pub thumbnail: Option<String>,
    /// The item's own URL in the catalogue (its `self` link).
    pub self_href: Option<String>,
    /// The footprint (GeoJSON geometry), as the catalogue gave it.
    pub footprint: Option<Value>,
}

impl Scene {
    /// A scene from a STAC item (a GeoJSON Feature). `None` when it has no `id`.
    pub fn from_item(item: &Value) -> Option<Scene> {
        let id = item.get("id")?.as_str()?.to_owned();
        let props = item.get("properties").and_then(Value::as_object);
        let text = |k: &str| props.and_then(|p| p.get(k)).and_then(Value::as_str).map(str::to_owned);
        let number = |k: &str| props.and_then(|p| p.get(k)).and_then(Value::as_f64);
        let link = |rel: &str| {
            item.get("links")?.as_array()?.iter().find(|l| l.get("rel").and_then(Value::as_str) == Some(rel))?.get("href")?.as_str().map(str::to_owned)
        };
        let asset = |k: &str| item.get("assets")?.get(k)?.get("href")?.as_str().map(str::to_owned);
        Some(Scene {
            id,
            collection: item.get("collection").and_then(Value::as_str).map(str::to_owned),
            datetime: text("datetime").or_else(|| text("start_datetime")),
            platform: text("platform"),
            constellation: text("constellation"),
            gsd: number("gsd"),
            cloud_cover: number("eo:cloud_cover"),
            off_nadir: number("view:off_nadir"),
            sun_elevation: number("view:sun_elevation"),
            thumbnail: asset("thumbnail").or_else(|| asset("rendered_preview")),
            self_href: link("self"),
            footprint: item.get("geometry").filter(|g| !g.is_null()).cloned(),
        })
    }
}

/// The CSV columns, in this order.
pub const CSV_COLUMNS: [&str; 11] = ["id", "collection", "datetime", "platform", "constellation", "gsd", "cloud_cover", "off_nadir", "sun_elevation", "thumbnail", "self"];

/// Scenes as a CSV table ([`CSV_COLUMNS`]; empty where an item lacks the field).
pub fn to_csv(scenes: &[Scene]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_COLUMNS);
    let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for s in scenes {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let row = [
            s.id.clone(),
            o(&s.collection),
            o(&s.datetime),
            o(&s.platform),
            o(&s.constellation),
            num(s.gsd),
            num(s.cloud_cover),
            num(s.off_nadir),
            num(s.sun_elevation),
            o(&s.thumbnail),
            o(&s.self_href),
        ];
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Scenes as a GeoJSON FeatureCollection of their footprints, with the CSV's columns as
/// properties (absent fields left out).
pub fn to_geojson(scenes: &[Scene]) -> Value {
    let features: Vec<Value> = scenes
        .iter()
        .map(|s| {
            let mut p = Map::new();
            let mut put = |k: &str, v: Option<Value>| {
                if let Some(v) = v {
                    p.insert(k.to_owned(), v);
                }
            };
            put("collection", s.collection.clone().map(Value::from));
            put("datetime", s.datetime.clone().map(Value::from));
            put("platform", s.platform.clone().map(Value::from));
            put("constellation", s.constellation.clone().map(Value::from));
            put("gsd", s.gsd.map(Value::from));
            put("cloud_cover", s.cloud_cover.map(Value::from));
            put("off_nadir", s.off_nadir.map(Value::from));
            put("sun_elevation", s.sun_elevation.map(Value::from));
            put("thumbnail", s.thumbnail.clone().map(Value::from));
            put("self", s.self_href.clone().map(Value::from));
            serde_json::json!({"type": "Feature", "id": s.id, "properties": p, "geometry": s.footprint.clone().unwrap_or(Value::Null)})
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}
