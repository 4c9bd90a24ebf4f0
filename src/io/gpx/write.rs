//! GPX 1.1 writer, for GPS units and the apps that read their files.
//!
//! Points become waypoints; lines become tracks (one segment per line), or routes (one per
//! line) when the feature is one (`gpx` = `route`, as the reader marks GPX routes, or a
//! Portolan sea route or rail corridor). Times and heights are written the way the readers store them: per vertex
//! from `times` (GPX and KML tracks) and `elevations`, else a waypoint's `time` or `period`
//! instant and `ele`, and a line's `period` on its first and last vertex.
//!
//! What GPX cannot hold stays behind (save as GeoJSON or KML to keep it): features without a
//! geometry; the inside of polygons (their rings are written as closed track segments);
//! properties other than `name`, `description`, `comment`, `source`, `link`, `symbol`, `type`
//! and `number`; ids; dates without a time of day (GPX times are instants); a case's evidence.
//! Longitudes are written within -180..180, as GPX requires.

use geo::{Coord, Geometry, LineString, Polygon};
use serde_json::Value;

use super::fields::is_time;
use crate::io::xml::escape;
use crate::model::{Feature, FeatureKind, Layer};

/// The layer as GPX 1.1 text: its waypoints, then routes, then tracks, as the schema orders
/// them; within each, the features in order.
pub fn to_string(layer: &Layer) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<gpx version=\"1.1\" creator=\"Portolan\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n");
    if !layer.name.is_empty() {
        out.push_str(&format!("  <metadata><name>{}</name></metadata>\n", escape(&layer.name)));
    }
    let (mut routes, mut tracks) = (String::new(), String::new());
    for f in &layer.features {
        let Some(g) = &f.geometry else { continue };
        let mut parts = Parts::default();
        parts.add(g);
        if !parts.points.is_empty() {
            let time = text(f, "time").or_else(|| text(f, "period")).filter(|t| is_time(t));
            let ele = f.properties.f64("ele");
            let fields = format!("{}{}", point_fields(ele, time.as_deref()), fields(f, true));
            for &c in &parts.points {
                out.push_str(&format!("  <wpt {}>{fields}</wpt>\n", lat_lon(c)));
            }
        }
        if parts.lines.is_empty() {
            continue;
        }
        let vertices = parts.lines.iter().map(|l| l.0.len()).sum::<usize>();
        let times = vertex_times(f, vertices);
        let elevations = per_vertex(f, "elevations", vertices, Value::as_f64);
        let mut at = 0;
        if is_route(f) {
            for line in &parts.lines {
                routes.push_str(&format!("  <rte>{}\n", fields(f, false)));
                for &c in &line.0 {
                    routes.push_str(&format!("    <rtept {}>{}</rtept>\n", lat_lon(c), vertex(&elevations, &times, at)));
                    at += 1;
                }
                routes.push_str("  </rte>\n");
            }
        } else {
            tracks.push_str(&format!("  <trk>{}\n", fields(f, false)));
            for line in &parts.lines {
                tracks.push_str("    <trkseg>\n");
                for &c in &line.0 {
                    tracks.push_str(&format!("      <trkpt {}>{}</trkpt>\n", lat_lon(c), vertex(&elevations, &times, at)));
                    at += 1;
                }
                tracks.push_str("    </trkseg>\n");
            }
            tracks.push_str("  </trk>\n");
        }
    }
    out.push_str(&routes);
    out.push_str(&tracks);
    out.push_str("</gpx>\n");
    out
}

/// Saves the layer as GPX, atomically.
pub fn save(path: &std::path::Path, layer: &Layer) -> std::io::Result<()> {
    crate::io::save_atomic(path, to_string(layer).as_bytes())
}

/// A geometry as GPX can hold it: points, and lines (polygon rings among them).
#[derive(Default)]
struct Parts {
    points: Vec<Coord<f64>>,
    lines: Vec<LineString<f64>>,
}

impl Parts {
    fn add(&mut self, g: &Geometry<f64>) {
        match g {
            Geometry::Point(p) => self.points.push(p.0),
            Geometry::MultiPoint(m) => self.points.extend(m.0.iter().map(|p| p.0)),
            Geometry::Line(l) => self.line(&LineString(vec![l.start, l.end])),
            Geometry::LineString(l) => self.line(l),
            Geometry::MultiLineString(m) => m.0.iter().for_each(|l| self.line(l)),
            Geometry::Polygon(p) => self.polygon(p),
            Geometry::MultiPolygon(m) => m.0.iter().for_each(|p| self.polygon(p)),
            Geometry::Rect(r) => self.polygon(&r.to_polygon()),
            Geometry::Triangle(t) => self.polygon(&t.to_polygon()),
            Geometry::GeometryCollection(c) => c.0.iter().for_each(|g| self.add(g)),
        }
    }

    fn line(&mut self, l: &LineString<f64>) {
        if l.0.len() >= 2 {
            self.lines.push(l.clone());
        }
    }

    fn polygon(&mut self, p: &Polygon<f64>) {
        self.line(p.exterior());
        p.interiors().iter().for_each(|l| self.line(l));
    }
}

/// A line is written as a route when the feature says it is one.
fn is_route(f: &Feature) -> bool {
    f.str_prop("gpx") == Some("route") || matches!(f.kind(), FeatureKind::SeaRoute | FeatureKind::RailCorridor)
}

/// A property as text: strings as they are, numbers and booleans as JSON writes them.
fn text(f: &Feature, key: &str) -> Option<String> {
    match f.properties.get(key)? {
        Value::String(s) => Some(s),
        v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
        _ => None,
    }
}

/// One value per vertex from an array property of exactly that length, else none.
fn per_vertex<T>(f: &Feature, key: &str, vertices: usize, value: impl Fn(&Value) -> Option<T>) -> Vec<Option<T>> {
    match f.properties.get(key) {
        Some(Value::Array(a)) if a.len() == vertices => a.iter().map(value).collect(),
        _ => std::iter::repeat_with(|| None).take(vertices).collect(),
    }
}

/// The time of each vertex: from `times`, else the `period`'s start and end on the first and
/// last vertex (an instant on the first), so that the period reads back.
fn vertex_times(f: &Feature, vertices: usize) -> Vec<Option<String>> {
    let valid = |t: &Value| t.as_str().filter(|t| is_time(t)).map(str::to_owned);
    let mut times = per_vertex(f, "times", vertices, valid);
    if times.iter().all(Option::is_none)
        && let Some(period) = text(f, "period")
    {
        let (start, end) = period.split_once('/').unwrap_or((&period, ""));
        if let Some(first) = times.first_mut() {
            *first = Some(start.to_owned()).filter(|t| is_time(t));
        }
        if vertices > 1
            && let Some(last) = times.last_mut()
        {
            *last = Some(end.to_owned()).filter(|t| is_time(t));
        }
    }
    times
}

fn lat_lon(c: Coord<f64>) -> String {
    // GPX longitudes are -180 ≤ lon < 180; the model allows a little past ±180.
    let lon = if (-180.0..180.0).contains(&c.x) { c.x } else { (c.x + 180.0).rem_euclid(360.0) - 180.0 };
    format!("lat=\"{}\" lon=\"{lon}\"", c.y)
}

/// The fields of the vertex `at` of a route or track.
fn vertex(elevations: &[Option<f64>], times: &[Option<String>], at: usize) -> String {
    point_fields(elevations.get(at).copied().flatten(), times.get(at).and_then(Option::as_deref))
}

/// `<ele>` and `<time>` of a point, the first fields GPX lists.
fn point_fields(ele: Option<f64>, time: Option<&str>) -> String {
    let mut s = String::new();
    if let Some(e) = ele.filter(|e| e.is_finite()) {
        s.push_str(&format!("<ele>{e}</ele>"));
    }
    if let Some(t) = time {
        s.push_str(&format!("<time>{}</time>", escape(t)));
    }
    s
}

/// The descriptive fields of a waypoint, route or track, in the order GPX lists them.
fn fields(f: &Feature, waypoint: bool) -> String {
    let put = |s: &mut String, tag: &str, key: &str| {
        if let Some(v) = text(f, key).filter(|v| !v.is_empty()) {
            s.push_str(&format!("<{tag}>{}</{tag}>", escape(&v)));
        }
    };
    let mut s = String::new();
    put(&mut s, "name", "name");
    put(&mut s, "cmt", "comment");
    put(&mut s, "desc", "description");
    put(&mut s, "src", "source");
    if let Some(href) = text(f, "link").filter(|v| !v.is_empty()) {
        s.push_str(&format!("<link href=\"{}\"/>", escape(&href)));
    }
    if waypoint {
        put(&mut s, "sym", "symbol");
    } else if let Some(n) = f.properties.get("number").as_ref().and_then(Value::as_u64).filter(|&n| u32::try_from(n).is_ok()) {
        s.push_str(&format!("<number>{n}</number>"));
    }
    put(&mut s, "type", "type");
    s
}
