//! GPX 1.0 / 1.1 reader (waypoints, routes, tracks) on the gpx crate, and GPX 1.1 writer
//! ([`to_string`], in `write`).
//!
//! The text first goes through [`xml::walk`] (DTDs and entity references taken out, nesting
//! bounded, broken markup located), and optional fields the gpx crate would refuse (empty or
//! malformed, as GPS units write them) are taken out with a warning (see `fields`). A sound
//! file is then parsed whole; otherwise, or when the gpx crate refuses it (it rejects a whole
//! file for one bad number or date), every waypoint, route and track is parsed on its own, and
//! a route or track that fails point by point, so a file cut short loads up to its last
//! complete point (the error at the cut says how many features were kept) and a bad point is
//! named by its line.
//!
//! In the model: a waypoint is a Point; a route a LineString, marked `gpx` = `route`; a track a
//! LineString, or a MultiLineString when it has several segments. Properties: `name`,
//! `description`, `comment`, `symbol`, `type`, `source`, `link`, `number`; `ele` for a
//! waypoint, `elevations` (one per position, null where missing) for routes and tracks;
//! `period` from the time of a waypoint, or the first and last times of a route or track, with
//! every time in `times` when all positions have one. The metadata `name` names the layer.

mod fields;
mod write;

use std::collections::HashSet;
use std::ops::Range;

use geo::{Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, Point};
use gpx::errors::GpxError;
use serde_json::{Map, Value};

use super::text::Lines;
use super::xml::{self, Event, local};
use super::{Diagnostic, Loaded, Place, ReadError, check_lon_lat};
use crate::model::{Feature, Layer};

pub use write::{save, to_string};

/// Bad points of one route or track listed one by one before the rest are only counted.
const MAX_POINTS_LISTED: usize = 20;

/// Reads GPX from the bytes of a file.
pub fn read_bytes(bytes: &[u8]) -> Result<Loaded, ReadError> {
    let mut diagnostics = Vec::new();
    let text = xml::decode(bytes, "GPX", &mut diagnostics)?;
    read_text(&text, diagnostics)
}

/// Reads GPX text.
pub fn read_str(text: &str) -> Result<Loaded, ReadError> {
    read_text(text, Vec::new())
}

/// An element of the outline: depth 1 (waypoints, routes, tracks, metadata), 2 (their
/// children: route points, track segments, names) or 3 (track points).
struct Node {
    name: String,
    span: Range<usize>,
    damage: Option<usize>,
    parent: Option<usize>,
}

fn not_gpx(message: impl Into<String>) -> ReadError {
    ReadError::NotFormat { format: "GPX", message: message.into() }
}

fn read_text(text: &str, mut diagnostics: Vec<Diagnostic>) -> Result<Loaded, ReadError> {
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let mut nodes: Vec<Node> = Vec::new();
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut root_tag: Option<Range<usize>> = None;
    let mut version_edit: Option<xml::Edit> = None;
    let mut fields = fields::Fields::default();
    let mut scan = xml::walk(text, |event, edits| {
        fields.on(text, &event, edits);
        match event {
            Event::Start { name, start, tag_end, depth, .. } => {
                if depth == 0 {
                    root_tag = Some(start..tag_end);
                    let tag = &text[start..tag_end];
                    if local(name) == "gpx" && !tag.contains("version=") {
                        let at = start + 1 + name.len();
                        version_edit = Some(xml::Edit { range: at..at, with: " version=\"1.1\"".into() });
                    }
                }
                let index = (1..=3).contains(&depth).then(|| {
                    let parent = open.get(depth - 1).copied().flatten();
                    nodes.push(Node { name: local(name).to_owned(), span: start..tag_end, damage: None, parent });
                    nodes.len() - 1
                });
                open.truncate(depth);
                open.push(index);
            }
            Event::End { span, damage, depth, .. } => {
                if let Some(Some(i)) = open.get(depth).copied()
                    && let Some(node) = nodes.get_mut(i)
                {
                    node.span = span;
                    node.damage = damage;
                }
                open.truncate(depth);
            }
            Event::Text { .. } => {}
        }
    });
    match scan.root.as_ref().map(|(n, _)| n.as_str()) {
        Some("gpx") => {}
        Some("kml") => return Err(not_gpx("the root element is <kml>; is this a KML file with the wrong extension?")),
        Some(other) => return Err(not_gpx(format!("the root element is <{other}>, not <gpx>"))),
        None => {
            let message = scan.problems.iter().find(|p| p.broken).map_or("no XML element found".to_owned(), |p| p.message.clone());
            return Err(not_gpx(message));
        }
    }
    if let Some(edit) = version_edit {
        diagnostics.push(Diagnostic::warning(Place::File, "the <gpx> element has no version; read as GPX 1.1"));
        let at = scan.edits.partition_point(|e| e.range.start < edit.range.start);
        scan.edits.insert(at, edit);
    }
    let root_tag = root_tag.map(|r| xml::clean(text, r, &scan.edits).into_owned()).unwrap_or_default();
    let mut children = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        if let Some(p) = n.parent
            && let Some(c) = children.get_mut(p)
        {
            c.push(i);
        }
    }
    let mut reader = Reader { text, lines: Lines::new(text), diagnostics, root_tag, nodes, children, scan, claimed: HashSet::new(), cut_at: None };
    for (at, message) in fields.warnings {
        let place = reader.lines.place(at);
        reader.warning(place, message);
    }
    if fields.more > 0 {
        reader.warning(Place::File, format!("{} more empty or malformed fields were left out like those above", fields.more));
    }
    let layer = reader.read();
    reader.report_unclaimed();
    if let Some(d) = reader.cut_at.and_then(|i| reader.diagnostics.get_mut(i)) {
        d.message = super::cut_message(&d.message, layer.features.len());
    }
    let mut diagnostics = reader.diagnostics;
    super::sort_by_place(&mut diagnostics);
    Ok(Loaded { layer, diagnostics })
}

struct Reader<'t> {
    text: &'t str,
    lines: Lines<'t>,
    diagnostics: Vec<Diagnostic>,
    /// The file's own `<gpx …>` start tag, cleaned: each part is parsed inside it, so
    /// namespaces and the version carry over.
    root_tag: String,
    nodes: Vec<Node>,
    /// The children of each node, in order.
    children: Vec<Vec<usize>>,
    scan: xml::Scan,
    claimed: HashSet<usize>,
    /// The diagnostic that reports the cut of a truncated file, told the features kept.
    cut_at: Option<usize>,
}

/// Parses with the gpx crate, catching a panic rather than trusting it never comes.
fn parse(src: &str) -> Result<gpx::Gpx, GpxError> {
    match std::panic::catch_unwind(|| gpx::read(src.as_bytes())) {
        Ok(r) => r,
        Err(_) => Err(GpxError::EventParsingError("the GPX library failed on this element")),
    }
}

fn gpx_error(e: &GpxError) -> String {
    match e {
        GpxError::XmlParseError(x) => format!("malformed XML: {}", x.msg()),
        GpxError::LonLatOutOfBoundsError(which, range, value) => {
            let hint = if *which == "latitude" && (-180.0..=180.0).contains(value) {
                "; are lat and lon swapped?"
            } else {
                ""
            };
            format!("{which} {value} is outside {range}{hint}")
        }
        GpxError::ParseFloatError(_) => "a number (lat, lon, ele, …) is not a number".into(),
        GpxError::Iso8601Error(_) => "a <time> is not an ISO 8601 date and time".into(),
        GpxError::InvalidChildElement(child, parent) => format!("<{child}> is not allowed in {parent}"),
        other => other.to_string(),
    }
}

impl Reader<'_> {
    fn error(&mut self, place: Place, message: String) {
        self.diagnostics.push(Diagnostic::error(place, message));
    }

    fn warning(&mut self, place: Place, message: String) {
        self.diagnostics.push(Diagnostic::warning(place, message));
    }

    /// Reports the structural problem `index` of the scan as an error, once.
    fn problem(&mut self, index: usize, message: impl FnOnce(&xml::Problem) -> String) {
        if !self.claimed.insert(index) {
            return;
        }
        let Some(problem) = self.scan.problems.get(index) else { return };
        let message = message(problem);
        let place = self.lines.place(problem.offset);
        if self.scan.cut == Some(index) {
            self.cut_at = Some(self.diagnostics.len());
        }
        self.error(place, message);
    }

    fn clean(&self, span: Range<usize>) -> String {
        xml::clean(self.text, span, &self.scan.edits).into_owned()
    }

    fn read(&mut self) -> Layer {
        let sound = !self.scan.problems.iter().any(|p| p.broken);
        if sound {
            let whole = xml::clean(self.text, 0..self.text.len(), &self.scan.edits);
            if let Ok(g) = parse(&whole) {
                return self.layer_from(&g);
            }
        }
        self.read_parts()
    }

    fn layer_from(&mut self, g: &gpx::Gpx) -> Layer {
        let mut layer = Layer::default();
        if let Some(name) = g.metadata.as_ref().and_then(|m| m.name.clone()) {
            layer.name = name;
        }
        for w in &g.waypoints {
            layer.features.push(self.waypoint(w, None));
        }
        for r in &g.routes {
            layer.features.push(self.route(r, None));
        }
        for t in &g.tracks {
            layer.features.push(self.track(t, None));
        }
        layer
    }

    /// One element at a time, for a file the gpx crate cannot take whole.
    fn read_parts(&mut self) -> Layer {
        let mut layer = Layer::default();
        let top: Vec<usize> = (0..self.nodes.len()).filter(|&i| self.nodes[i].parent.is_none()).collect();
        let (mut wpts, mut rtes, mut trks) = (Vec::new(), Vec::new(), Vec::new());
        let mut counts = [0usize; 3];
        for i in top {
            let name = self.nodes[i].name.clone();
            let kind = match name.as_str() {
                "metadata" => {
                    if self.nodes[i].damage.is_none() {
                        let src = format!("{}{}</gpx>", self.root_tag, self.clean(self.nodes[i].span.clone()));
                        if let Ok(g) = parse(&src)
                            && let Some(n) = g.metadata.and_then(|m| m.name)
                        {
                            layer.name = n;
                        }
                    }
                    continue;
                }
                "name" => {
                    // GPX 1.0 names the file at the top level.
                    if let Some(n) = self.text.get(self.nodes[i].span.clone()).map(|s| s.trim_start_matches("<name>").trim_end_matches("</name>")) {
                        layer.name = xml::unescape(n).trim().to_owned();
                    }
                    continue;
                }
                "wpt" => 0,
                "rte" => 1,
                "trk" => 2,
                _ => continue,
            };
            counts[kind] += 1;
            let label = format!("{} {}", ["waypoint", "route", "track"][kind], counts[kind]);
            let feature = match kind {
                0 => self.part_waypoint(i, &label),
                _ => self.part_line(i, &label, kind == 2),
            };
            if let Some(f) = feature {
                [&mut wpts, &mut rtes, &mut trks][kind].push(f);
            }
        }
        // The same order as a whole-file read: waypoints, routes, tracks.
        layer.features.extend(wpts);
        layer.features.extend(rtes);
        layer.features.extend(trks);
        layer
    }

    /// The damage of a node as an error, claimed so it is reported once.
    fn damaged(&mut self, node: usize, label: &str) -> bool {
        let Some(d) = self.nodes[node].damage else { return false };
        let (line, _) = self.lines.line_column(self.nodes[node].span.start);
        self.problem(d, |p| format!("{label} (line {line}) skipped: {}", p.message));
        true
    }

    /// Parses `<gpx>` + `open` + the element + `close` + `</gpx>`, retrying without a child
    /// element the gpx crate refuses (an unknown element, a bad time) with a warning.
    fn parse_part(&mut self, element: &str, open: &str, close: &str, place: &Place, label: &str) -> Result<gpx::Gpx, String> {
        let mut element = element.to_owned();
        for _ in 0..4 {
            let src = format!("{}{open}{element}{close}</gpx>", self.root_tag);
            match parse(&src) {
                Ok(g) => return Ok(g),
                Err(e) => {
                    let drop = match &e {
                        GpxError::InvalidChildElement(child, _) => Some(child.clone()),
                        GpxError::Iso8601Error(_) => Some("time".to_owned()),
                        _ => None,
                    };
                    let Some(child) = drop else { return Err(gpx_error(&e)) };
                    let stripped = strip_children(&element, &child);
                    if stripped.len() == element.len() {
                        return Err(gpx_error(&e));
                    }
                    self.warning(place.clone(), format!("{label}: {}; left out", gpx_error(&e)));
                    element = stripped;
                }
            }
        }
        Err("too many problems in one element".into())
    }

    fn part_waypoint(&mut self, node: usize, label: &str) -> Option<Feature> {
        if self.damaged(node, label) {
            return None;
        }
        let place = self.lines.place(self.nodes[node].span.start);
        let src = self.clean(self.nodes[node].span.clone());
        match self.parse_part(&src, "", "", &place, label) {
            Ok(g) => g.waypoints.first().map(|w| self.waypoint(w, Some(&place))),
            Err(message) => {
                self.error(place, format!("{label} skipped: {message}"));
                None
            }
        }
    }

    /// A route or track from its parts: its own fields (name, desc, …), then its points.
    fn part_line(&mut self, node: usize, label: &str, is_track: bool) -> Option<Feature> {
        let place = self.lines.place(self.nodes[node].span.start);
        let children = self.children[node].clone();
        let point_tag = if is_track { "trkseg" } else { "rtept" };
        let mut fields = String::new();
        for &c in &children {
            if self.nodes[c].name != point_tag && self.nodes[c].damage.is_none() {
                fields.push_str(&self.clean(self.nodes[c].span.clone()));
            }
        }
        let tag = if is_track { "trk" } else { "rte" };
        let skeleton = parse(&format!("{}<{tag}>{fields}</{tag}></gpx>", self.root_tag)).ok();
        let mut segments: Vec<Vec<gpx::Waypoint>> = Vec::new();
        let mut bad = 0usize;
        let mut damage_reported = false;
        let groups: Vec<Vec<usize>> = if is_track {
            children
                .iter()
                .filter(|&&c| self.nodes[c].name == "trkseg")
                .map(|&s| self.children[s].iter().copied().filter(|&i| self.nodes[i].name == "trkpt").collect())
                .collect()
        } else {
            vec![children.iter().copied().filter(|&c| self.nodes[c].name == "rtept").collect()]
        };
        let mut ordinal = 0usize;
        for group in groups {
            let mut good = Vec::with_capacity(group.len());
            for p in group {
                ordinal += 1;
                match self.nodes[p].damage {
                    None => good.push((p, ordinal)),
                    Some(d) => {
                        if !damage_reported {
                            damage_reported = true;
                            self.problem(d, |p| format!("{label}: point {ordinal} skipped: {}", p.message));
                        }
                    }
                }
            }
            let mut points = Vec::with_capacity(good.len());
            self.points(&good, is_track, label, &mut bad, &mut points);
            segments.push(points);
        }
        if bad > MAX_POINTS_LISTED {
            self.error(place.clone(), format!("{label}: {} more points were skipped", bad - MAX_POINTS_LISTED));
        }
        // The element itself may be damaged (cut short) after its last complete point.
        if let Some(d) = self.nodes[node].damage
            && !damage_reported
        {
            self.problem(d, |p| format!("{label} was read up to here: {}", p.message));
        }
        if is_track {
            let mut t = skeleton.and_then(|g| g.tracks.into_iter().next()).unwrap_or_default();
            t.segments = segments.into_iter().map(|points| gpx::TrackSegment { points }).collect();
            Some(self.track(&t, Some(&place)))
        } else {
            let mut r = skeleton.and_then(|g| g.routes.into_iter().next()).unwrap_or_default();
            r.points = segments.into_iter().flatten().collect();
            Some(self.route(&r, Some(&place)))
        }
    }

    /// Route or track points (node, number in the element), parsed together, or halves of
    /// them when that fails, down to single points whose error is reported: one bad point
    /// among thousands costs about two parses of the whole, not thousands of small ones.
    fn points(&mut self, items: &[(usize, usize)], is_track: bool, label: &str, bad: &mut usize, out: &mut Vec<gpx::Waypoint>) {
        let (open, close) = if is_track { ("<trk><trkseg>", "</trkseg></trk>") } else { ("<rte>", "</rte>") };
        let take = |g: gpx::Gpx| -> Vec<gpx::Waypoint> {
            if is_track {
                g.tracks.into_iter().next().and_then(|t| t.segments.into_iter().next()).map(|s| s.points).unwrap_or_default()
            } else {
                g.routes.into_iter().next().map(|r| r.points).unwrap_or_default()
            }
        };
        match items {
            [] => {}
            [(node, number)] => {
                let place = self.lines.place(self.nodes[*node].span.start);
                let src = self.clean(self.nodes[*node].span.clone());
                let point_label = format!("{label}, point {number}");
                match self.parse_part(&src, open, close, &place, &point_label) {
                    Ok(g) => out.extend(take(g)),
                    Err(message) => {
                        *bad += 1;
                        if *bad <= MAX_POINTS_LISTED {
                            self.error(place, format!("{point_label} skipped: {message}"));
                        }
                    }
                }
            }
            _ => {
                let mut src = String::new();
                for (node, _) in items {
                    src.push_str(&self.clean(self.nodes[*node].span.clone()));
                }
                if let Ok(g) = parse(&format!("{}{open}{src}{close}</gpx>", self.root_tag)) {
                    let points = take(g);
                    if points.len() == items.len() {
                        out.extend(points);
                        return;
                    }
                }
                let (a, b) = items.split_at(items.len() / 2);
                self.points(a, is_track, label, bad, out);
                self.points(b, is_track, label, bad, out);
            }
        }
    }

    fn report_unclaimed(&mut self) {
        let problems: Vec<(usize, xml::Problem)> = self.scan.unclaimed(&self.claimed).map(|(i, p)| (i, p.clone())).collect();
        for (i, p) in problems {
            if p.broken {
                self.problem(i, |p| p.message.clone());
            } else {
                let place = self.lines.place(p.offset);
                self.warning(place, p.message);
            }
        }
    }

    fn coord(&mut self, w: &gpx::Waypoint, place: Option<&Place>) -> Option<Coord<f64>> {
        let p = w.point();
        match check_lon_lat(p.x(), p.y(), "GPX has lat and lon attributes") {
            Ok(None) => Some(p.0),
            Ok(Some(warning)) => {
                self.warning(place.cloned().unwrap_or(Place::File), warning);
                Some(p.0)
            }
            Err(message) => {
                self.error(place.cloned().unwrap_or(Place::File), format!("a point was skipped: {message}"));
                None
            }
        }
    }

    fn waypoint(&mut self, w: &gpx::Waypoint, place: Option<&Place>) -> Feature {
        let mut properties = Map::new();
        put_str(&mut properties, "name", w.name.as_ref());
        put_str(&mut properties, "description", w.description.as_ref());
        put_str(&mut properties, "comment", w.comment.as_ref());
        put_str(&mut properties, "symbol", w.symbol.as_ref());
        put_str(&mut properties, "type", w.type_.as_ref());
        put_str(&mut properties, "source", w.source.as_ref());
        put_str(&mut properties, "link", w.links.first().map(|l| &l.href));
        if let Some(ele) = w.elevation.and_then(serde_json::Number::from_f64) {
            properties.insert("ele".into(), Value::Number(ele));
        }
        if let Some(t) = w.time.and_then(|t| time(&t)) {
            properties.insert("period".into(), t.into());
        }
        let geometry = self.coord(w, place).map(|c| Geometry::Point(Point(c)));
        Feature { geometry, properties: properties.into(), ..Feature::default() }
    }

    fn route(&mut self, r: &gpx::Route, place: Option<&Place>) -> Feature {
        let mut properties = Map::new();
        put_str(&mut properties, "name", r.name.as_ref());
        put_str(&mut properties, "description", r.description.as_ref());
        put_str(&mut properties, "comment", r.comment.as_ref());
        put_str(&mut properties, "type", r.type_.as_ref());
        put_str(&mut properties, "source", r.source.as_ref());
        put_str(&mut properties, "link", r.links.first().map(|l| &l.href));
        if let Some(n) = r.number {
            properties.insert("number".into(), n.into());
        }
        // So that a route is written back as one, not as a track.
        properties.insert("gpx".into(), "route".into());
        let geometry = self.lines_of(&[&r.points[..]], &mut properties, place);
        Feature { geometry, properties: properties.into(), ..Feature::default() }
    }

    fn track(&mut self, t: &gpx::Track, place: Option<&Place>) -> Feature {
        let mut properties = Map::new();
        put_str(&mut properties, "name", t.name.as_ref());
        put_str(&mut properties, "description", t.description.as_ref());
        put_str(&mut properties, "comment", t.comment.as_ref());
        put_str(&mut properties, "type", t.type_.as_ref());
        put_str(&mut properties, "source", t.source.as_ref());
        put_str(&mut properties, "link", t.links.first().map(|l| &l.href));
        if let Some(n) = t.number {
            properties.insert("number".into(), n.into());
        }
        let segments: Vec<&[gpx::Waypoint]> = t.segments.iter().map(|s| &s.points[..]).collect();
        let geometry = self.lines_of(&segments, &mut properties, place);
        Feature { geometry, properties: properties.into(), ..Feature::default() }
    }

    /// Segments of points as a geometry, with `period`, `times` and `elevations`.
    fn lines_of(&mut self, segments: &[&[gpx::Waypoint]], properties: &mut Map<String, Value>, place: Option<&Place>) -> Option<Geometry<f64>> {
        let mut lines = Vec::new();
        let mut singles = Vec::new();
        let mut times = Vec::new();
        let mut all_timed = true;
        let mut elevations = Vec::new();
        for segment in segments {
            let mut coords = Vec::with_capacity(segment.len());
            for w in *segment {
                let Some(c) = self.coord(w, place) else { continue };
                coords.push(c);
                match w.time.and_then(|t| time(&t)) {
                    Some(t) => times.push(t),
                    None => all_timed = false,
                }
                elevations.push(w.elevation.and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number));
            }
            match coords.len() {
                0 => {}
                1 => singles.push(Point(coords[0])),
                _ => lines.push(LineString(coords)),
            }
        }
        if let (Some(first), Some(last)) = (times.first(), times.last()) {
            let period = if first == last { first.clone() } else { format!("{first}/{last}") };
            properties.insert("period".into(), period.into());
        }
        let geometry = match (lines.len(), singles.len()) {
            (0, 0) => {
                let name = properties.get("name").and_then(Value::as_str).unwrap_or("");
                self.warning(place.cloned().unwrap_or(Place::File), format!("{name:?} has no points; loaded without a geometry"));
                return None;
            }
            (1, 0) => lines.pop().map(Geometry::LineString),
            (_, 0) => Some(Geometry::MultiLineString(MultiLineString(lines))),
            (0, 1) => singles.pop().map(Geometry::Point),
            (0, _) => Some(Geometry::MultiPoint(MultiPoint(singles))),
            _ => {
                let mut parts: Vec<Geometry<f64>> = lines.into_iter().map(Geometry::LineString).collect();
                parts.extend(singles.into_iter().map(Geometry::Point));
                Some(Geometry::GeometryCollection(GeometryCollection(parts)))
            }
        };
        if all_timed && !times.is_empty() && matches!(geometry, Some(Geometry::LineString(_) | Geometry::MultiLineString(_))) {
            properties.insert("times".into(), Value::Array(times.into_iter().map(Value::from).collect()));
        }
        if elevations.iter().any(|e| !e.is_null()) {
            properties.insert("elevations".into(), Value::Array(elevations));
        }
        geometry
    }
}

fn put_str(properties: &mut Map<String, Value>, key: &str, value: Option<&String>) {
    if let Some(v) = value {
        properties.insert(key.into(), v.clone().into());
    }
}

/// A GPX time as ISO 8601 without trailing zero fractions (`2023-10-16T08:30:00Z`).
fn time(t: &gpx::Time) -> Option<String> {
    let s = t.format().ok()?;
    let Some((head, rest)) = s.split_once('.') else { return Some(s) };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (frac, zone) = rest.split_at(digits);
    let frac = frac.trim_end_matches('0');
    Some(if frac.is_empty() { format!("{head}{zone}") } else { format!("{head}.{frac}{zone}") })
}

/// The element's text without its direct children named `child` (local name).
fn strip_children(element: &str, child: &str) -> String {
    let mut cut: Vec<Range<usize>> = Vec::new();
    xml::walk(element, |event, _| {
        if let Event::End { name, span, depth: 1, .. } = event
            && local(name) == child
        {
            cut.push(span);
        }
    });
    let mut out = String::with_capacity(element.len());
    let mut at = 0;
    for r in cut {
        out.push_str(&element[at..r.start]);
        at = r.end;
    }
    out.push_str(&element[at..]);
    out
}
