//! Satellite imagery catalogues: which scenes of a place exist between two dates, how cloudy
//! and how sharp. Catalogues speak STAC (the SpatioTemporal Asset Catalog API); `stac.rs`
//! asks them, `Scene` is what an answer's item says that an analyst needs, and the writers
//! here put scenes in a CSV table or a GeoJSON file of footprints. No GUI, no egui.

pub mod stac;

use serde_json::{Map, Value};

pub use stac::{Catalogue, ImageryError, Progress, Query, SearchOptions, Searched, search, signed, thumbnail, thumbnail_of};

use crate::model::{Event, Layer, Source};

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

impl Scene {
    /// Who made the picture, as a credit line names it: "Copernicus Sentinel-2",
    /// "USGS Landsat 9", else the platform, constellation or collection as the item says.
    pub fn provider(&self) -> String {
        let said = |v: &Option<String>| v.as_deref().map(str::to_lowercase).unwrap_or_default();
        let (constellation, platform, collection) = (said(&self.constellation), said(&self.platform), said(&self.collection));
        let any = |s: &str| constellation.contains(s) || platform.contains(s) || collection.contains(s);
        for n in ["1", "2", "3", "5"] {
            if any(&format!("sentinel-{n}")) || any(&format!("sentinel {n}")) {
                return format!("Copernicus Sentinel-{n}");
            }
        }
        if any("landsat") {
            let number = platform.trim_start_matches("landsat").trim_start_matches(['-', '_', ' ']).trim_start_matches('0');
            return if number.is_empty() { "USGS Landsat".into() } else { format!("USGS Landsat {number}") };
        }
        if any("cop-dem") || any("copernicus dem") {
            return "Copernicus DEM".into();
        }
        self.platform.clone().or_else(|| self.constellation.clone()).or_else(|| self.collection.clone()).unwrap_or_else(|| "unnamed platform".into())
    }

    /// The acquisition day (`2023-09-05`), if the item has a time.
    pub fn day(&self) -> Option<&str> {
        self.datetime.as_deref().and_then(|d| d.get(..10))
    }

    /// "2023-09-05 02:05 UTC" (or the time as the catalogue wrote it).
    pub fn when(&self) -> String {
        match self.datetime.as_deref() {
            Some(d) if d.len() >= 16 => format!("{} {} UTC", &d[..10], &d[11..16]),
            Some(d) => d.to_owned(),
            None => "time not given".into(),
        }
    }

    /// What a row says about the picture: "10 m · 12 % cloud · off-nadir 3° · sun 35°".
    pub fn details(&self) -> String {
        let mut parts = Vec::new();
        if let Some(g) = self.gsd {
            parts.push(format!("{g} m"));
        }
        match self.cloud_cover {
            Some(c) => parts.push(format!("{c:.0} % cloud")),
            None => parts.push("no cloud cover".into()),
        }
        if let Some(o) = self.off_nadir {
            parts.push(format!("off-nadir {o:.0}°"));
        }
        if let Some(s) = self.sun_elevation {
            parts.push(format!("sun {s:.0}°"));
        }
        parts.join(" · ")
    }
}

/// The credit an export names for images of `provider` taken in `years`: Copernicus data
/// carries its own line, as its licence asks.
pub fn credit(provider: &str, years: &[i32]) -> String {
    let years: Vec<String> = years.iter().map(ToString::to_string).collect();
    if provider.starts_with("Copernicus Sentinel") && !years.is_empty() {
        format!("{provider} (contains modified Copernicus Sentinel data {})", years.join(", "))
    } else {
        provider.to_owned()
    }
}

/// The member of a source that says it is a catalogue scene, with what the item said.
pub const SCENE_MEMBER: &str = "scene";

/// A scene recorded as case evidence: a source (the catalogue item: provider, scene id,
/// item and thumbnail URLs, cloud cover) and the event of the picture being taken at the site,
/// which the panel's imagery ledger and the export's credit line read.
pub fn ledger_entry(scene: &Scene, catalogue: &str, source_id: String, event_id: String, site_id: &str) -> (Source, Event) {
    let provider = scene.provider();
    let day = scene.day().unwrap_or_default().to_owned();
    let mut kept = Map::new();
    for (k, v) in [("id", Some(scene.id.clone())), ("collection", scene.collection.clone()), ("datetime", scene.datetime.clone()), ("platform", scene.platform.clone()), ("thumbnail", scene.thumbnail.clone())] {
        if let Some(v) = v {
            kept.insert(k.into(), v.into());
        }
    }
    for (k, v) in [("gsd", scene.gsd), ("cloud_cover", scene.cloud_cover), ("off_nadir", scene.off_nadir), ("sun_elevation", scene.sun_elevation)] {
        if let Some(v) = v {
            kept.insert(k.into(), v.into());
        }
    }
    kept.insert("provider".into(), provider.clone().into());
    let mut extra = Map::new();
    extra.insert(SCENE_MEMBER.into(), Value::Object(kept));
    let source = Source {
        id: source_id.clone(),
        kind: "imagery".into(),
        publisher: catalogue.to_owned(),
        title: format!("{provider} scene {}", scene.id),
        date: day.clone(),
        url: scene.self_href.clone().unwrap_or_default(),
        retrieved: Some(crate::model::time::Day::today().to_string()),
        extra,
        ..Source::default()
    };
    let cloud = scene.cloud_cover.map(|c| format!(", {c:.0} % cloud")).unwrap_or_default();
    let event = Event {
        id: event_id,
        date_start: day.clone(),
        date_precision: "day".into(),
        kind: "satellite_image".into(),
        title: format!("{provider} image{cloud}"),
        summary: format!("Scene {} taken {} ({}), found in {catalogue}.", scene.id, scene.when(), scene.details()),
        site_ids: vec![site_id.to_owned()],
        source_ids: vec![source_id],
        evidence_types: vec!["satellite_imagery".into()],
        imagery_provider: Some(provider),
        image_dates: if day.is_empty() { Vec::new() } else { vec![day] },
        ..Event::default()
    };
    (source, event)
}

/// The scene id a source records, when it is a catalogue scene.
pub fn scene_of(source: &Source) -> Option<&str> {
    source.extra.get(SCENE_MEMBER)?.get("id")?.as_str()
}

/// Colour of footprints on the map (simplestyle): a violet apart from the case's colours.
const FOOTPRINT_STROKE: &str = "#7b3294";

/// The scenes' footprints as a plain map layer named `name`: one outlined polygon per scene
/// (no fill, as footprints of one tile lie on top of each other), dated by acquisition day so
/// that the timeline filters them, with the CSV's fields as properties.
pub fn footprints_layer(scenes: &[Scene], name: &str) -> Layer {
    let mut collection = to_geojson(scenes);
    if let Some(features) = collection.get_mut("features").and_then(Value::as_array_mut) {
        for (f, s) in features.iter_mut().zip(scenes) {
            let Some(p) = f.get_mut("properties").and_then(Value::as_object_mut) else { continue };
            p.insert("name".into(), format!("{} · {}", s.when(), s.provider()).into());
            if let Some(day) = s.day() {
                p.insert("period".into(), day.into());
            }
            p.insert("stroke".into(), FOOTPRINT_STROKE.into());
            p.insert("stroke-width".into(), 1.5.into());
            p.insert("fill".into(), FOOTPRINT_STROKE.into());
            p.insert("fill-opacity".into(), 0.0.into());
        }
    }
    let mut layer = crate::io::geojson::read_str(&collection.to_string()).map(|l| l.layer).unwrap_or_default();
    layer.name = name.to_owned();
    layer
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
