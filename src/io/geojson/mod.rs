//! GeoJSON (RFC 7946) reader and writer, case files included.
//!
//! Reads a FeatureCollection, a single Feature or a bare geometry. A feature whose geometry is
//! broken is skipped with an error diagnostic and the rest loads; a collection whose text breaks
//! off (an interrupted download) keeps the features before the break. Degenerate polygons are
//! repaired as far as that is plain, with a warning: rings are closed, holes too short to be
//! rings are dropped, and an outer ring too short for a polygon is kept as a line. Every
//! feature diagnostic names the line and column where the feature starts. Positions are lon/lat
//! degrees; heights are dropped (with a note); polygon rings are re-wound to the RFC's
//! orientation (exterior counter-clockwise) so every consumer can rely on it.

use geo::Winding;
use geo::{Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use geojson::GeometryValue;
use serde_json::{Map, Value};

use super::text::Lines;
use super::{Diagnostic, LineColumn, Loaded, Place, Progress, ReadError, case_file, json};
use crate::model::{Feature, FeatureId, Layer};

mod raw;
use raw::{Coords, RawItem, RawObject};

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
    read_bytes_with(bytes, &Progress::default())
}

/// Reads GeoJSON from the bytes of a file, reporting progress and stopping when cancelled.
pub fn read_bytes_with(bytes: &[u8], progress: &Progress) -> Result<Loaded, ReadError> {
    let mut diagnostics = Vec::new();
    let text = json::decode(bytes, &mut diagnostics)?;
    read_text(&text, diagnostics, progress)
}

/// Reads GeoJSON text.
pub fn read_str(text: &str) -> Result<Loaded, ReadError> {
    read_text(text, Vec::new(), &Progress::default())
}

/// After this many features the reader sizes its vectors for the whole file.
const ESTIMATE_AFTER: usize = 1024;

fn read_text(text: &str, diagnostics: Vec<Diagnostic>, progress: &Progress) -> Result<Loaded, ReadError> {
    read_text_with(text, diagnostics, progress, true)
}

/// [`read_text`], parsing a big collection in two halves at once if `split`.
fn read_text_with(text: &str, mut diagnostics: Vec<Diagnostic>, progress: &Progress, split: bool) -> Result<Loaded, ReadError> {
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let mut ctx = Context { diagnostics: &mut diagnostics, lines: Lines::new(text), z_dropped: 0, rewound: 0 };
    // Where each kept feature was in the file (its index and opening brace), to place the
    // diagnostics of the checks that run on the layer.
    let (raw::Parsed { root, duplicates, cut }, Kept { mut features, mut origins, .. }) = match if split { read_split(text, &mut ctx, progress)? } else { None } {
        Some(read) => read,
        None => {
            let mut kept = Kept::new(text.len(), 0);
            (raw::parse(text, progress, &mut |item| kept.take(&mut ctx, item))?, kept)
        }
    };
    ctx.diagnostics.extend(duplicates);
    let mut root = match root {
        RawItem::Object(obj) => *obj,
        RawItem::Other(v) => {
            return Err(ReadError::NotGeoJson(format!("the top level is {}, not an object", json_kind(&v))));
        }
    };
    let kind = match root.members.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(other) => return Err(ReadError::NotGeoJson(format!("\"type\" is {}", json_kind(other)))),
        // A cut file may have had its "type" after the features.
        None if cut.is_some() => "FeatureCollection".into(),
        None => return Err(ReadError::NotGeoJson("the top-level object has no \"type\"".into())),
    };
    // Only a FeatureCollection has anything complete before a cut.
    let cut = match cut {
        Some(cut) if kind != "FeatureCollection" => return Err(json::json_error(cut.error)),
        cut => cut,
    };
    let mut layer = Layer::default();
    match kind.as_str() {
        "FeatureCollection" => {
            // The features were converted as they were parsed.
            if root.features.take().is_none() {
                return Err(ReadError::NotGeoJson(match root.members.get("features") {
                    Some(other) => format!("\"features\" is {}, not an array", json_kind(other)),
                    None => "the FeatureCollection has no \"features\"".into(),
                }));
            }
            features.shrink_to_fit();
            layer.features = features;
            let mut members = root.into_members();
            members.shift_remove("type");
            members.shift_remove("bbox");
            if let Some(member) = members.shift_remove(case_file::MEMBER) {
                layer.case = case_file::read_member(member, ctx.diagnostics);
            }
            if let Some(Value::String(name)) = members.get("name") {
                layer.name = name.clone();
            }
            layer.foreign = members;
            if let Some(cut) = cut {
                // Nothing before the cut is worth a layer: the file fails as it always did.
                if layer.features.is_empty() && layer.case.is_none() {
                    return Err(json::json_error(cut.error));
                }
                ctx.diagnostics.push(cut_diagnostic(cut, layer.features.len()));
            }
        }
        "Feature" => {
            origins.push((0, root.start));
            layer.features.extend(ctx.feature_at(0, RawItem::Object(Box::new(root))));
        }
        t if GEOMETRY_TYPES.contains(&t) => {
            let (first, start) = (ctx.diagnostics.len(), root.start);
            let place = Place::feature(0, None);
            match ctx.geometry(root, &place) {
                Ok(geometry) => layer.features.push(Feature { geometry, ..Feature::default() }),
                Err(message) => ctx.diagnostics.push(Diagnostic::error(place, format!("geometry skipped: {message}"))),
            }
            ctx.locate(first, start);
        }
        other => return Err(ReadError::NotGeoJson(format!("unknown type {other:?}"))),
    }
    ctx.summarise();
    if layer.case.is_some() {
        for mut d in case_file::check_references(&layer) {
            // The checks count the layer's features; the file may have had skipped ones too.
            if let Place::Feature { index, at, .. } = &mut d.place
                && let Some(&(in_file, start)) = origins.get(*index)
            {
                *index = in_file;
                *at = start.map(|s| ctx.line_column(s));
            }
            ctx.diagnostics.push(d);
        }
    }
    Ok(Loaded { layer, diagnostics })
}

/// The features of (a part of) a text converted as the parser hands them over.
struct Kept {
    features: Vec<Feature>,
    /// Each kept feature's index in the file and opening brace.
    origins: Vec<(usize, Option<usize>)>,
    /// Elements of `features` met so far (kept or skipped).
    next: usize,
    /// The part's length and where it starts, for the estimate of how many features it holds.
    len: usize,
    from: usize,
}

impl Kept {
    fn new(len: usize, from: usize) -> Self {
        Kept { features: Vec::new(), origins: Vec::new(), next: 0, len, from }
    }

    fn take(&mut self, ctx: &mut Context, item: RawItem) {
        let start = item.start();
        if self.next == ESTIMATE_AFTER
            && let Some(at) = start
        {
            // Room for the rest of the part at the bytes per feature so far, so that a big
            // collection is not copied as its vector doubles (a third of the peak memory of
            // 200,000 points otherwise); never more than one feature per `Feature`-size of
            // text, and trimmed at the end.
            let per_feature = (at.saturating_sub(self.from) / ESTIMATE_AFTER).max(1);
            let expected = (self.len / per_feature).min(self.len / std::mem::size_of::<Feature>());
            let more = (expected + expected / 32).saturating_sub(self.features.len());
            self.features.reserve_exact(more);
            self.origins.reserve_exact(more);
        }
        if let Some(f) = ctx.feature_at(self.next, item) {
            self.features.push(f);
            self.origins.push((self.next, start));
        }
        self.next += 1;
    }
}

/// A big FeatureCollection parsed in two halves at once (see `raw`): `None` when the text is
/// small, or the halves do not confirm the split (then nothing of it is kept, and the caller
/// parses the whole text). The second half's features, origins and diagnostics follow the
/// first's, numbered on from them.
fn read_split(text: &str, ctx: &mut Context, progress: &Progress) -> Result<Option<(raw::Parsed, Kept)>, ReadError> {
    if text.len() < raw::SPLIT_FROM_BYTES || std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        return Ok(None);
    }
    let Some((first_end, second)) = raw::split_guess(text) else { return Ok(None) };
    let mut worker_diagnostics = Vec::new();
    let mut worker = Context { diagnostics: &mut worker_diagnostics, lines: Lines::new(text), z_dropped: 0, rewound: 0 };
    let (before, mut first) = (ctx.diagnostics.len(), Kept::new(text.len(), 0));
    let (parsed, rest) = std::thread::scope(|scope| {
        let rest = scope.spawn(|| {
            let mut kept = Kept::new(text.len() - second, second);
            raw::parse_features_from(text, second, progress, &mut |item| kept.take(&mut worker, item)).map(|whole| whole.then_some(kept))
        });
        let parsed = raw::parse_before(&text[..first_end], progress, &mut |item| first.take(ctx, item));
        (parsed, rest.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let (parsed, rest) = match (parsed, rest) {
        (Err(ReadError::Cancelled), _) | (_, Err(ReadError::Cancelled)) => return Err(ReadError::Cancelled),
        (Ok(parsed), Ok(Some(rest))) if raw::broke_off_between_features(&parsed) => (parsed, rest),
        _ => {
            ctx.diagnostics.truncate(before);
            (ctx.z_dropped, ctx.rewound) = (0, 0);
            progress.restart_parsing();
            return Ok(None);
        }
    };
    let shift = first.next;
    ctx.z_dropped += worker.z_dropped;
    ctx.rewound += worker.rewound;
    for mut d in worker_diagnostics {
        if let Place::Feature { index, .. } = &mut d.place {
            *index += shift;
        }
        ctx.diagnostics.push(d);
    }
    first.features.extend(rest.features);
    first.origins.extend(rest.origins.into_iter().map(|(i, at)| (i + shift, at)));
    Ok(Some((raw::Parsed { cut: None, ..parsed }, first)))
}

/// The error for a file whose text breaks off after `kept` features: where, and what was kept.
fn cut_diagnostic(cut: raw::Cut, kept: usize) -> Diagnostic {
    let place = Place::Text { line: cut.error.line(), column: cut.error.column() };
    let (what, before) = match cut.error.classify() {
        serde_json::error::Category::Eof => ("the file ends in the middle, as if cut short".to_owned(), "the cut"),
        _ => (format!("not valid JSON from here on ({})", json::error_detail(&cut.error)), "this point"),
    };
    let features = if kept == 1 { "1 feature".to_owned() } else { format!("{kept} features") };
    let message = match cut.member.as_deref() {
        Some("features") => format!("{what}: kept the {features} before {before}"),
        Some(case_file::MEMBER) => {
            format!("{what}, in \"{}\" after the features: kept the {features}; the case's evidence was not read", case_file::MEMBER)
        }
        Some(member) => format!("{what}, in {member:?} after the features: kept the {features}"),
        None => format!("{what}, after the features: kept the {features}"),
    };
    Diagnostic::error(place, message)
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
    /// Turns the features' offsets into lines and columns, for their diagnostics.
    lines: Lines<'a>,
    z_dropped: usize,
    rewound: usize,
}

impl Context<'_> {
    /// A feature, with its diagnostics placed at its opening brace.
    fn feature_at(&mut self, index: usize, item: RawItem) -> Option<Feature> {
        let (first, start) = (self.diagnostics.len(), item.start());
        let feature = self.feature(index, item);
        self.locate(first, start);
        feature
    }

    /// Gives the feature diagnostics from `first` on the line and column of `start`.
    fn locate(&mut self, first: usize, start: Option<usize>) {
        let Some(start) = start.filter(|_| first < self.diagnostics.len()) else { return };
        let here = self.line_column(start);
        for d in &mut self.diagnostics[first..] {
            if let Place::Feature { at, .. } = &mut d.place {
                *at = Some(here);
            }
        }
    }

    fn line_column(&mut self, offset: usize) -> LineColumn {
        let (line, column) = self.lines.line_column(offset);
        LineColumn { line, column }
    }

    fn feature(&mut self, index: usize, item: RawItem) -> Option<Feature> {
        let place = |id: Option<&FeatureId>| Place::feature(index, id.map(ToString::to_string));
        let mut raw = match item {
            RawItem::Object(obj) => *obj,
            RawItem::Other(v) => {
                let msg = format!("skipped: a feature must be an object, this is {}", json_kind(&v));
                self.diagnostics.push(Diagnostic::error(place(None), msg));
                return None;
            }
        };
        let obj = &mut raw.members;
        let id = match obj.shift_remove("id") {
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
        match obj.shift_remove("type") {
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
        let properties = match obj.shift_remove("properties") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(p)) => p,
            Some(other) => {
                let msg = format!("\"properties\" is {}, not an object; ignored", json_kind(&other));
                self.diagnostics.push(Diagnostic::warning(here.clone(), msg));
                Map::new()
            }
        };
        obj.shift_remove("bbox");
        let geometry = match raw.geometry.take() {
            Some(RawItem::Other(Value::Null)) => None,
            None => {
                self.diagnostics.push(Diagnostic::warning(
                    here.clone(),
                    "no \"geometry\" member (RFC 7946 asks for one, null if unlocated)",
                ));
                None
            }
            Some(RawItem::Other(v)) => {
                let msg = format!("skipped: a geometry must be an object, this is {}", json_kind(&v));
                self.diagnostics.push(Diagnostic::error(here, msg));
                return None;
            }
            Some(RawItem::Object(g)) => match self.geometry(*g, &here) {
                Ok(g) => g,
                Err(message) => {
                    self.diagnostics.push(Diagnostic::error(here, format!("skipped: {message}")));
                    return None;
                }
            },
        };
        // Most features have no foreign members: an empty map keeps no room for the removed
        // ones (the map that held "type", "id" and "properties" costs ~300 bytes a feature).
        let foreign = raw.into_members();
        let foreign = if foreign.is_empty() { Map::new() } else { foreign };
        Some(Feature { id, geometry, properties: properties.into(), foreign })
    }

    /// A GeoJSON geometry object to a geo geometry; `None` for an empty geometry.
    fn geometry(&mut self, g: RawObject, place: &Place) -> Result<Option<Geometry<f64>>, String> {
        let kind = match g.members.get("type") {
            Some(Value::String(t)) => t.as_str(),
            Some(other) => return Err(format!("the geometry's \"type\" is {}", json_kind(other))),
            None => return Err("the geometry has no \"type\"".into()),
        };
        if kind == "GeometryCollection" {
            let Some(items) = g.geometries else {
                return Err("a GeometryCollection needs \"geometries\", an array".into());
            };
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    RawItem::Object(part) => parts.extend(self.geometry(*part, place)?),
                    RawItem::Other(v) => return Err(format!("a geometry must be an object, this is {}", json_kind(&v))),
                }
            }
            return Ok(Some(Geometry::GeometryCollection(GeometryCollection(parts))));
        }
        if !GEOMETRY_TYPES.contains(&kind) {
            return Err(format!("unknown geometry type {kind:?}"));
        }
        let Some(coords) = g.coordinates else {
            return Err(format!("a {kind} needs \"coordinates\""));
        };
        if coords == Coords::List(Vec::new()) {
            return Ok(None);
        }
        Ok(Some(match kind {
            "Point" => Geometry::Point(Point(self.position(coords, place)?)),
            "MultiPoint" => Geometry::MultiPoint(MultiPoint(self.positions(coords, place)?.into_iter().map(Point).collect())),
            "LineString" => Geometry::LineString(self.line(coords, place)?),
            "MultiLineString" => {
                let lines = list(coords, "lines")?.into_iter().map(|l| self.line(l, place)).collect::<Result<_, _>>()?;
                Geometry::MultiLineString(MultiLineString(lines))
            }
            "Polygon" => match self.polygon(coords, place, None)? {
                Rings::Empty => return Ok(None),
                Rings::Polygon(p) => Geometry::Polygon(p),
                Rings::Line(l) => Geometry::LineString(l),
                Rings::Nothing(why) => return Err(why),
            },
            _ => return self.multi_polygon(coords, place),
        }))
    }

    /// A MultiPolygon's parts as `polygon` reads them: a part too short for a polygon is kept
    /// as a line (the feature becomes a collection of its polygons and lines), one with nothing
    /// to draw is dropped.
    fn multi_polygon(&mut self, coords: Coords, place: &Place) -> Result<Option<Geometry<f64>>, String> {
        let (mut polygons, mut lines, mut dropped) = (Vec::new(), Vec::new(), 0);
        for (k, rings) in list(coords, "polygons")?.into_iter().enumerate() {
            match self.polygon(rings, place, Some(k))? {
                Rings::Empty => {}
                Rings::Polygon(p) => polygons.push(p),
                Rings::Line(l) => lines.push(l),
                Rings::Nothing(why) => {
                    self.diagnostics.push(Diagnostic::warning(place.clone(), format!("{why}; dropped that polygon")));
                    dropped += 1;
                }
            }
        }
        let (polygons, lines) = (MultiPolygon(polygons), MultiLineString(lines));
        Ok(match (polygons.0.is_empty(), lines.0.is_empty()) {
            (true, true) if dropped > 0 => return Err(format!("none of its {dropped} polygons can be drawn")),
            (true, true) => None,
            (false, true) => Some(Geometry::MultiPolygon(polygons)),
            (true, false) => Some(Geometry::MultiLineString(lines)),
            (false, false) => Some(Geometry::GeometryCollection(GeometryCollection(vec![
                Geometry::MultiPolygon(polygons),
                Geometry::MultiLineString(lines),
            ]))),
        })
    }

    fn position(&mut self, coords: Coords, place: &Place) -> Result<Coord<f64>, String> {
        match coords {
            Coords::Position { at, height } => {
                self.z_dropped += usize::from(height);
                self.check(at, place)
            }
            Coords::ShortPosition(n) => Err(format!(
                "a position needs two or more elements (longitude, latitude), this one has {n}"
            )),
            other => Err(format!("a position must be an array of numbers, found {}", describe(&other))),
        }
    }

    fn positions(&mut self, coords: Coords, place: &Place) -> Result<Vec<Coord<f64>>, String> {
        match coords {
            Coords::Positions { coords, heights } => {
                self.z_dropped += heights;
                for &c in &coords {
                    self.check(c, place)?;
                }
                Ok(coords)
            }
            // A single position where a list belongs, or a list with something else in it.
            Coords::Position { .. } | Coords::Number(_) => Err("expected an array of positions, found one position".into()),
            Coords::List(items) => items.into_iter().map(|c| self.position(c, place)).collect(),
            other => Err(format!("expected an array of positions, found {}", describe(&other))),
        }
    }

    fn check(&mut self, c: Coord<f64>, place: &Place) -> Result<Coord<f64>, String> {
        if let Some(warning) = super::check_lon_lat(c.x, c.y, "GeoJSON puts longitude first")? {
            self.diagnostics.push(Diagnostic::warning(place.clone(), warning));
        }
        Ok(c)
    }

    fn line(&mut self, coords: Coords, place: &Place) -> Result<LineString<f64>, String> {
        let positions = self.positions(coords, place)?;
        if positions.len() < 2 {
            return Err(format!("a line needs at least 2 positions, this one has {}", positions.len()));
        }
        Ok(LineString(positions))
    }

    /// The rings of a polygon (part `part` of a MultiPolygon), repaired where that is plain:
    /// a ring that is not closed is closed, a hole too short to be a ring is dropped, and an
    /// outer ring too short for a polygon is kept as the line of its positions, each with a
    /// warning. Exterior counter-clockwise, holes clockwise, as RFC 7946 asks.
    fn polygon(&mut self, coords: Coords, place: &Place, part: Option<usize>) -> Result<Rings, String> {
        let name = |i: usize| match part {
            Some(k) => format!("polygon {k}, ring {i}"),
            None => format!("ring {i}"),
        };
        let mut rings = Vec::new();
        for ring in list(coords, "rings")? {
            rings.push(self.positions(ring, place)?);
        }
        let mut rings = rings.into_iter();
        let Some(mut exterior) = rings.next() else { return Ok(Rings::Empty) };
        if closed_len(&exterior) < 4 {
            let n = exterior.len();
            if n < 2 {
                return Ok(Rings::Nothing(format!("{} has {n} position{}: nothing to draw", name(0), if n == 1 { "" } else { "s" })));
            }
            let holes = match rings.len() {
                0 => String::new(),
                1 => "; its hole was dropped".to_owned(),
                h => format!("; its {h} holes were dropped"),
            };
            let msg = format!("{} has only {n} positions; a polygon needs 4 (the last repeating the first), so it was kept as a line{holes}", name(0));
            self.diagnostics.push(Diagnostic::warning(place.clone(), msg));
            return Ok(Rings::Line(LineString(exterior)));
        }
        if close(&mut exterior) {
            self.diagnostics.push(Diagnostic::warning(place.clone(), format!("{} is not closed; closed it", name(0))));
        }
        let mut interiors = Vec::with_capacity(rings.len());
        for (i, mut hole) in rings.enumerate().map(|(i, h)| (i + 1, h)) {
            if closed_len(&hole) < 4 {
                let msg = format!("{} (a hole) has only {} positions; a ring needs 4 (the last repeating the first), so it was dropped", name(i), hole.len());
                self.diagnostics.push(Diagnostic::warning(place.clone(), msg));
                continue;
            }
            if close(&mut hole) {
                self.diagnostics.push(Diagnostic::warning(place.clone(), format!("{} is not closed; closed it", name(i))));
            }
            interiors.push(LineString(hole));
        }
        let mut polygon = Polygon::new(LineString(exterior), interiors);
        // RFC 7946 winding (exterior counter-clockwise, holes clockwise), fixed in place.
        let mut rewound = polygon.exterior().is_cw();
        if rewound {
            polygon.exterior_mut(|r| r.0.reverse());
        }
        polygon.interiors_mut(|holes| {
            for h in holes.iter_mut().filter(|h| h.is_ccw()) {
                h.0.reverse();
                rewound = true;
            }
        });
        self.rewound += usize::from(rewound);
        Ok(Rings::Polygon(polygon))
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

/// What the rings of a polygon make.
enum Rings {
    /// No rings: an empty geometry.
    Empty,
    Polygon(Polygon<f64>),
    /// An outer ring too short for a polygon, as the line of its positions.
    Line(LineString<f64>),
    /// An outer ring of fewer than 2 positions, and why.
    Nothing(String),
}

/// Closes a ring whose last position is not its first; whether it had to.
fn close(ring: &mut Vec<Coord<f64>>) -> bool {
    match (ring.first(), ring.last()) {
        (Some(&first), Some(&last)) if first != last => {
            ring.push(first);
            true
        }
        _ => false,
    }
}

/// The number of positions of a ring once closed.
fn closed_len(ring: &[Coord<f64>]) -> usize {
    ring.len() + usize::from(ring.first() != ring.last())
}

/// The members of a nested array (lines of a MultiLineString, rings of a Polygon, ...).
fn list(coords: Coords, what: &str) -> Result<Vec<Coords>, String> {
    match coords {
        Coords::List(items) => Ok(items),
        // An array of positions where arrays of positions belong: one level too shallow.
        Coords::Positions { .. } | Coords::Position { .. } => Err(format!("expected an array of {what}, found positions")),
        other => Err(format!("expected an array of {what}, found {}", describe(&other))),
    }
}

fn describe(c: &Coords) -> &'static str {
    match c {
        Coords::Number(_) => "a number",
        Coords::Position { .. } | Coords::ShortPosition(_) => "a position",
        Coords::Positions { .. } => "an array of positions",
        Coords::List(_) => "nested arrays",
        Coords::Invalid(what) => what,
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
    obj.insert("properties".into(), Value::Object(f.properties.to_map()));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A FeatureCollection of more than `SPLIT_FROM_BYTES`, with heights, clockwise rings,
    /// broken geometries, ids of every kind and names that look like element boundaries.
    fn big_collection() -> String {
        let mut out = String::from("{\"type\": \"FeatureCollection\", \"name\": \"big\", \"features\": [\n");
        let mut i = 0;
        while out.len() < raw::SPLIT_FROM_BYTES + 200_000 {
            if i > 0 {
                out.push_str(if i % 3 == 0 { ",\n" } else { "," });
            }
            let (x, y) = (f64::from(i % 3600) / 10.0 - 180.0, f64::from(i % 1700) / 10.0 - 85.0);
            let geometry = match i % 7 {
                0 => format!(r#"{{"type":"Point","coordinates":[{x},{y},12.5]}}"#),
                1 => format!(r#"{{"type":"Polygon","coordinates":[[[{x},{y}],[{x},{}],[{},{}],[{},{y}],[{x},{y}]]]}}"#, y + 1.0, x + 1.0, y + 1.0, x + 1.0),
                2 if i % 11 == 2 => r#"{"type":"LineString","coordinates":"not positions"}"#.to_owned(),
                _ => format!(r#"{{"type":"LineString","coordinates":[[{x},{y}],[{},{}]]}}"#, x + 0.5, y + 0.5),
            };
            let id = match i % 4 {
                0 => format!("{i}"),
                1 => format!("\"f{i}\""),
                2 => "true".to_owned(),
                _ => "null".to_owned(),
            };
            out.push_str(&format!(r#"{{"type":"Feature","id":{id},"properties":{{"name":"f{i} }},{{\"type\":\"Feature\"}}, {{","n":{i},"list":[{{"a":1}}]}},"geometry":{geometry}}}"#));
            i += 1;
        }
        out.push_str("\n]}\n");
        out
    }

    fn load(text: &str, split: bool) -> Result<Loaded, ReadError> {
        read_text_with(text, Vec::new(), &Progress::default(), split)
    }

    /// The same layer and the same diagnostics (features numbered and placed in the whole
    /// file) whether the text is parsed in two halves or in one.
    fn assert_same(text: &str) {
        let (split, whole) = (load(text, true).unwrap(), load(text, false).unwrap());
        assert_eq!(split.layer.features.len(), whole.layer.features.len());
        assert!(split.layer.features == whole.layer.features, "the same features");
        assert_eq!(split.layer.name, whole.layer.name);
        assert_eq!(split.diagnostics, whole.diagnostics);
    }

    #[test]
    fn a_big_collection_parses_in_two_halves_as_in_one() {
        let text = big_collection();
        let mut diagnostics = Vec::new();
        let mut ctx = Context { diagnostics: &mut diagnostics, lines: Lines::new(&text), z_dropped: 0, rewound: 0 };
        let read = read_split(&text, &mut ctx, &Progress::default()).unwrap().expect("the split is confirmed");
        assert!(read.1.features.len() > 10_000);
        assert!(ctx.z_dropped > 0 && ctx.rewound > 0, "heights and windings of both halves counted");
        let skipped: Vec<_> = diagnostics.iter().filter(|d| matches!(d.place, Place::Feature { .. })).collect();
        assert!(skipped.len() > 100, "broken geometries in both halves");
        assert_same(&text);
        let loaded = load(&text, true).unwrap();
        let last = loaded.diagnostics.iter().filter_map(|d| match &d.place {
            Place::Feature { index, at: Some(at), .. } => Some((index, at.line)),
            _ => None,
        });
        let (index, line) = last.last().map(|(i, l)| (*i, l)).expect("a feature diagnostic");
        assert!(index > 10_000 && line > 1000, "the second half's features are numbered and placed in the whole file ({index}, line {line})");
    }

    #[test]
    fn wrong_guesses_and_broken_second_halves_fall_back_to_one_parse() {
        // Guesses inside a feature's array of objects, and inside a string: not confirmed.
        let text = big_collection();
        let middle = text.len() / 2;
        let start = text[..middle].rfind("{\"type\":\"Feature\"").unwrap();
        for trap in [r#""list":[{"a":1},{"b":2}],"#, r#""name":"},{\"type\":\"Feature\"} ,{ ","#] {
            // Long enough that the new middle falls in it, just before the trap.
            let pad = " ".repeat(2 * (middle - start) + 200);
            let text = format!("{}{{\"type\":\"Feature\",\"properties\":{{\"pad\":\"{pad}\",{trap}\"n\":1}},\"geometry\":null}},{}", &text[..start], &text[start..]);
            let guess = raw::split_guess(&text).unwrap();
            assert!(guess.0 > start + pad.len() && guess.0 < start + pad.len() + 100, "the guess falls in the trap");
            let mut diagnostics = Vec::new();
            let mut ctx = Context { diagnostics: &mut diagnostics, lines: Lines::new(&text), z_dropped: 0, rewound: 0 };
            assert!(read_split(&text, &mut ctx, &Progress::default()).unwrap().is_none(), "{trap}: a guess inside a feature is not confirmed");
            assert!(ctx.diagnostics.is_empty() && ctx.z_dropped == 0, "nothing of the given-up split is kept");
            assert_same(&text);
        }
        let mut diagnostics = Vec::new();
        let mut ctx = Context { diagnostics: &mut diagnostics, lines: Lines::new(&text), z_dropped: 0, rewound: 0 };
        // A text cut in its second half: the break is reported as one parse reports it.
        let text = big_collection();
        let cut = &text[..text.len() - 5000];
        assert!(read_split(cut, &mut ctx, &Progress::default()).unwrap().is_none());
        assert_same(cut);
        // Members after the features, and a duplicate key in the second half.
        let after = text.replacen("\n]}\n", "\n], \"crs\": null}", 1);
        assert_same(&after);
        let duplicate = format!("{}, {{\"type\":\"Feature\",\"type\":\"Feature\",\"geometry\":null}}\n]}}", &text[..text.len() - 4]);
        assert_same(&duplicate);
        assert!(load(&duplicate, true).unwrap().diagnostics.iter().any(|d| d.message.contains("duplicate")));
    }
}
