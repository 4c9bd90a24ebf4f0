//! AIS results written out: the events table (CSV, with the columns in the order analysts'
//! scripts expect), events and tracks as GeoJSON, and the map layer the window draws (tracks
//! cut at gaps, each gap a dashed line labelled with its length, events as points, suspect
//! positions marked).

use geo::{Geometry, LineString, MultiLineString, Point};
use serde_json::{Value, json};

use super::detect::{Event, EventKind, Params};
use super::time::iso;
use super::{AisData, Vessel};
use crate::model::{Feature, Layer};

/// The member of an AIS layer that keeps the thresholds it was made with.
pub const THRESHOLDS: &str = "ais_thresholds";

/// The thresholds an AIS layer was made with (`None` for other layers).
pub fn thresholds(layer: &Layer) -> Option<Params> {
    serde_json::from_value(layer.foreign.get(THRESHOLDS)?.clone()).ok()
}

/// The events CSV's columns, in order.
pub const EVENT_COLUMNS: [&str; 15] = [
    "kind", "mmsi", "vessel_name", "other_mmsi", "start", "end", "hours", "start_lon", "start_lat", "end_lon", "end_lat", "distance_km", "implied_knots", "shore_nm", "port",
];

fn name_of(data: &AisData, mmsi: u32) -> String {
    data.vessel(mmsi).and_then(|v| v.name.clone()).unwrap_or_default()
}

/// The events as CSV.
pub fn events_csv(data: &AisData, events: &[Event]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(EVENT_COLUMNS)?;
    for e in events {
        w.write_record([
            e.kind.as_str().to_owned(),
            e.mmsi.to_string(),
            name_of(data, e.mmsi),
            e.other_mmsi.map(|m| m.to_string()).unwrap_or_default(),
            iso(e.start),
            iso(e.end),
            format!("{:.2}", e.hours()),
            format!("{:.5}", e.start_pos.0),
            format!("{:.5}", e.start_pos.1),
            format!("{:.5}", e.end_pos.0),
            format!("{:.5}", e.end_pos.1),
            format!("{:.3}", e.distance_km),
            format!("{:.2}", e.implied_knots),
            e.shore_nm.map(|s| format!("{s:.1}")).unwrap_or_default(),
            e.port.clone().unwrap_or_default(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// An event's properties (the CSV's columns, plus the label and the gap rule's verdict).
fn event_properties(data: &AisData, e: &Event) -> serde_json::Map<String, Value> {
    let mut p = serde_json::Map::new();
    p.insert("kind".into(), json!(format!("ais_{}", e.kind.as_str())));
    p.insert("name".into(), json!(e.label()));
    p.insert("mmsi".into(), json!(e.mmsi));
    let vessel = name_of(data, e.mmsi);
    if !vessel.is_empty() {
        p.insert("vessel_name".into(), json!(vessel));
    }
    if let Some(imo) = data.vessel(e.mmsi).and_then(|v| v.imo) {
        p.insert("imo".into(), json!(imo));
    }
    if let Some(o) = e.other_mmsi {
        p.insert("other_mmsi".into(), json!(o));
    }
    p.insert("start".into(), json!(iso(e.start)));
    p.insert("end".into(), json!(iso(e.end)));
    p.insert("period".into(), json!(format!("{}/{}", &iso(e.start)[..10], &iso(e.end)[..10])));
    p.insert("hours".into(), json!((e.hours() * 100.0).round() / 100.0));
    p.insert("distance_km".into(), json!((e.distance_km * 1000.0).round() / 1000.0));
    p.insert("implied_knots".into(), json!((e.implied_knots * 100.0).round() / 100.0));
    if let Some(s) = e.shore_nm {
        p.insert("shore_nm".into(), json!((s * 10.0).round() / 10.0));
    }
    if let Some(port) = &e.port {
        p.insert("port".into(), json!(port));
    }
    if e.kind == EventKind::Gap {
        p.insert("likely_switched_off".into(), json!(e.likely_off));
        p.insert("note".into(), json!(super::detect::GAP_CAVEAT));
    }
    let (color, width) = match e.kind {
        EventKind::Gap => ("#D55E00", 2.5),
        EventKind::PortCall => ("#009E73", 2.0),
        EventKind::Loitering => ("#E69F00", 2.0),
        EventKind::Encounter => ("#CC79A7", 2.0),
        EventKind::SuspectJump => ("#222222", 1.0),
    };
    if e.kind == EventKind::Gap {
        p.insert("stroke".into(), json!(color));
        p.insert("stroke-width".into(), json!(width));
    } else {
        p.insert("marker-color".into(), json!(color));
    }
    p
}

/// The positions as a NOAA MarineCadastre CSV, which every AIS reader knows: what an extract
/// from a PostGIS archive is saved as, so that it opens, and is found again, like any file.
pub fn positions_csv(data: &AisData) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["MMSI", "BaseDateTime", "LAT", "LON", "SOG", "COG", "Heading", "VesselName", "IMO", "CallSign", "VesselType"])?;
    let num = |v: f32| if v.is_finite() { v.to_string() } else { String::new() };
    for v in &data.vessels {
        let (name, imo, call, kind) = (v.name.as_deref().unwrap_or(""), v.imo.map(|i| format!("IMO{i}")).unwrap_or_default(), v.callsign.as_deref().unwrap_or(""), v.vessel_type.as_deref().unwrap_or(""));
        for f in &v.fixes {
            let time = iso(f.t);
            let heading = if f.heading < 360 { f.heading.to_string() } else { "511".into() };
            w.write_record([&v.mmsi.to_string(), &time[..19], &f.lat.to_string(), &f.lon.to_string(), &num(f.sog), &num(f.cog), &heading, name, &imo, call, kind])?;
        }
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The feature of an event: a gap is the straight line between its last and first
/// positions; other events are points where they began.
pub fn event_feature(data: &AisData, e: &Event) -> Feature {
    let geometry = match e.kind {
        EventKind::Gap => Geometry::LineString(LineString::from(vec![e.start_pos, e.end_pos])),
        EventKind::SuspectJump => Geometry::Point(Point::new(e.end_pos.0, e.end_pos.1)),
        _ => Geometry::Point(Point::new(e.start_pos.0, e.start_pos.1)),
    };
    Feature { id: None, geometry: Some(geometry), properties: event_properties(data, e).into(), foreign: Default::default() }
}

/// A vessel's track: its good positions as lines, cut where it went quiet for a gap.
pub fn track_feature(v: &Vessel, params: &Params) -> Option<Feature> {
    let gap = (params.gap_hours * 3600.0) as i64;
    let mut parts: Vec<LineString<f64>> = Vec::new();
    // One time per vertex (Unix seconds), for the timeline's cursor (`scene::cursor`).
    let mut times: Vec<Value> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let mut last_t: Option<i64> = None;
    let mut close = |current: &mut Vec<(f64, f64)>, times: &mut Vec<Value>, last: Option<i64>| {
        // A part of one position is drawn as a tiny line.
        if current.len() == 1 {
            current.push(current[0]);
            times.push(json!(last));
        }
        parts.push(LineString::from(std::mem::take(current)));
    };
    for f in v.fixes.iter().filter(|f| !f.suspect) {
        if last_t.is_some_and(|t| f.t - t >= gap) && !current.is_empty() {
            close(&mut current, &mut times, last_t);
        }
        current.push((f.lon, f.lat));
        times.push(json!(f.t));
        last_t = Some(f.t);
    }
    if !current.is_empty() {
        close(&mut current, &mut times, last_t);
    }
    let geometry = match parts.len() {
        0 => return None,
        1 => Geometry::LineString(parts.remove(0)),
        _ => Geometry::MultiLineString(MultiLineString(parts)),
    };
    let (first, last) = (v.fixes.first()?, v.fixes.last()?);
    let mut p = serde_json::Map::new();
    p.insert("kind".into(), json!("ais_track"));
    p.insert("name".into(), json!(v.label()));
    p.insert("mmsi".into(), json!(v.mmsi));
    if let Some(imo) = v.imo {
        p.insert("imo".into(), json!(imo));
    }
    if let Some(c) = &v.callsign {
        p.insert("call_sign".into(), json!(c));
    }
    if let Some(t) = &v.vessel_type {
        p.insert("vessel_type".into(), json!(t));
    }
    p.insert("positions".into(), json!(v.fixes.len()));
    p.insert("suspect_positions".into(), json!(v.fixes.iter().filter(|f| f.suspect).count()));
    p.insert("start".into(), json!(iso(first.t)));
    p.insert("end".into(), json!(iso(last.t)));
    p.insert("period".into(), json!(format!("{}/{}", &iso(first.t)[..10], &iso(last.t)[..10])));
    p.insert("stroke".into(), json!("#0072B2"));
    p.insert("stroke-width".into(), json!(1.5));
    p.insert("times".into(), Value::Array(times));
    Some(Feature { id: None, geometry: Some(geometry), properties: p.into(), foreign: Default::default() })
}

/// The map layer of an AIS file: tracks, then events on top.
pub fn layer(name: &str, data: &AisData, events: &[Event], params: &Params) -> Layer {
    let mut features: Vec<Feature> = data.vessels.iter().filter_map(|v| track_feature(v, params)).collect();
    features.extend(events.iter().map(|e| event_feature(data, e)));
    let mut foreign = serde_json::Map::new();
    if let Ok(p) = serde_json::to_value(params) {
        foreign.insert(THRESHOLDS.into(), p);
    }
    Layer { name: name.to_owned(), features, case: None, foreign, overlays: Vec::new() }
}

/// Features as a GeoJSON FeatureCollection.
pub fn geojson(features: Vec<Feature>) -> String {
    let layer = Layer { name: String::new(), features, case: None, foreign: Default::default(), overlays: Vec::new() };
    crate::io::geojson::to_string(&layer)
}

/// A case event made from an AIS event feature ([`event_feature`]): dated by its days, kind
/// `ais_gap` (…), evidence type "ais data", its evidence in the summary, linked to the
/// `vessel_ids` given (the vessel, and the other ship of an encounter).
pub fn case_event(f: &Feature, id: String, vessel_ids: Vec<String>) -> crate::model::Event {
    let text = |k: &str| match f.properties.get(k) {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    };
    let (start, end) = (text("start"), text("end"));
    let day = |iso: &str| iso.get(..10).unwrap_or("").to_owned();
    let when = |iso: &str| if iso.len() >= 16 { format!("{} {} UTC", &iso[..10], &iso[11..16]) } else { iso.to_owned() };
    let mut summary = vec![format!("From {} to {} ({} h).", when(&start), when(&end), text("hours"))];
    if let Some(Geometry::LineString(l)) = &f.geometry
        && let (Some(a), Some(b)) = (l.0.first(), l.0.last())
    {
        summary.push(format!("Last position {:.4}° N {:.4}° E; first after {:.4}° N {:.4}° E.", a.y, a.x, b.y, b.x));
    }
    summary.push(format!("{} km apart, implied speed {} kn.", text("distance_km"), text("implied_knots")));
    if !text("shore_nm").is_empty() {
        summary.push(format!("{} nm from shore.", text("shore_nm")));
    }
    if !text("port").is_empty() {
        summary.push(format!("Port: {}.", text("port")));
    }
    if f.str_prop("kind") == Some("ais_gap") {
        summary.push(super::detect::GAP_CAVEAT.to_owned());
    }
    crate::model::Event {
        id,
        date_start: day(&start),
        date_end: (day(&end) != day(&start)).then(|| day(&end)),
        date_precision: "day".into(),
        kind: f.str_prop("kind").unwrap_or("ais_event").to_owned(),
        title: f.name().unwrap_or("AIS event").to_owned(),
        summary: summary.join(" "),
        vessel_ids,
        evidence_types: vec!["ais data".into()],
        ..crate::model::Event::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ais::{Fix, Format};

    #[test]
    fn an_extract_reads_back_as_the_same_positions() {
        let fix = |t, lon, lat| Fix { sog: 11.5, cog: 270.0, heading: 268, ..Fix::new(t, lon, lat) };
        let vessel = |mmsi, name: Option<&str>, fixes| Vessel { mmsi, name: name.map(Into::into), imo: Some(9_123_456).filter(|_| mmsi == 273_000_001), fixes, ..Vessel::default() };
        let data = AisData {
            format: Format::PostGis,
            vessels: vec![
                vessel(273_000_001, Some("ANGARA, \"the\" ship"), vec![fix(1_690_848_000, 131.873_456_78, 42.83), fix(1_690_851_600, 131.9, 42.85)]),
                vessel(273_000_002, None, vec![Fix::new(1_690_848_060, -179.5, -12.25)]),
            ],
            rows: 3,
            dropped: Default::default(),
            notes: Vec::new(),
        };
        let bytes = positions_csv(&data).unwrap();
        let mut back = crate::ais::read::read(std::io::Cursor::new(bytes)).unwrap();
        crate::ais::tracks::build(&mut back);
        assert_eq!(back.format, Format::Noaa);
        assert_eq!(back.vessels.len(), 2);
        for (a, b) in data.vessels.iter().zip(&back.vessels) {
            assert_eq!((a.mmsi, &a.name, a.imo), (b.mmsi, &b.name, b.imo));
            let strip = |f: &Fix| (f.t, f.lon, f.lat, f.sog.to_bits(), f.cog.to_bits(), f.heading);
            assert_eq!(a.fixes.iter().map(strip).collect::<Vec<_>>(), b.fixes.iter().map(strip).collect::<Vec<_>>());
        }
    }
}
