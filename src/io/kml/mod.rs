//! KML and KMZ reader and writer.
//!
//! Reading: [`xml::walk`] finds the structure (Documents and Folders, Placemarks, shared
//! styles, schemas) and cleans the text; each Placemark is then parsed on its own by the kml
//! crate, so a broken placemark is skipped with an error naming it and the rest loads (a file
//! cut short keeps every placemark before the cut, and says how many). Names and descriptions
//! are taken from the text as written (descriptions are often HTML). Coordinates are tidied
//! first as Google Earth reads them: spaces after commas, and commas only between positions
//! (see `comma_run`).
//!
//! What becomes of KML in the model:
//!
//! * Point, LineString, LinearRing (as a closed LineString), Polygon with holes, MultiGeometry
//!   (as Multi* when its parts are alike, else a GeometryCollection), `gx:Track` (a LineString
//!   with the `times` property) and `gx:MultiTrack`.
//! * `name`, `description`; ExtendedData `Data` as strings, `SchemaData` typed by its
//!   `Schema` (int, double, bool, string), `gx:SimpleArrayData` as arrays.
//! * TimeStamp / TimeSpan as `period` (`when`, or `begin/end` with `..` for an open end);
//!   tracks without one get `period` from their first and last `when`.
//! * Styles (inline, or shared through `styleUrl` and the `normal` pair of a StyleMap) as
//!   simplestyle properties: `stroke`, `stroke-opacity`, `stroke-width`, `fill`,
//!   `fill-opacity`, `marker-color`. KML colours are `aabbggrr`.
//! * The Folders and Documents around a placemark as `folder` (`Route survey/Day 2`); the
//!   outermost Document names the layer.
//!
//! * GroundOverlay (LatLonBox with rotation, gx:LatLonQuad) and ScreenOverlay as
//!   `Layer::overlays`, their pictures loaded by `overlay` (from the KMZ, beside the file, or
//!   from the web only with [`ReadOptions::online`]).
//!
//! KMZ: the zip's `doc.kml` (or its first `.kml`), and KML files it links to inside the
//! archive through NetworkLinks. Entries are inflated in memory only, under [`KmzLimits`].
//! Nothing is ever written to disk.
//!
//! Writing: [`to_string`] (KML 2.2, with what it cannot carry; overlays after the
//! placemarks), [`to_kmz`] (that KML as the archive's `doc.kml`, with the overlays' pictures).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};
use std::ops::Range;
use std::path::Path;

use geo::orient::{Direction, Orient};
use geo::{Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use kml::types::Element;
use kml::{Kml, KmlReader, KmlWriter};
use serde_json::{Map, Number, Value};

use super::text::Lines;
use super::xml::{self, Event, escape, local, sanitize};
use super::{Diagnostic, Loaded, Place, ReadError, ReadOptions, check_lon_lat};
use crate::model::{Feature, FeatureId, Layer, Overlay};

mod overlay;
pub use overlay::{MAX_PICTURE_BYTES, MAX_PIXELS, MAX_SIDE, STORED_SIDE, decode as decode_picture};

const ORDER_HINT: &str = "KML writes longitude first";

/// Reads KML from the bytes of a file.
pub fn read_bytes(bytes: &[u8]) -> Result<Loaded, ReadError> {
    read_bytes_from(bytes, None, &ReadOptions::default())
}

/// Reads the bytes of a KML file that lives in `dir` (overlay pictures beside it are found).
pub fn read_bytes_from(bytes: &[u8], dir: Option<&Path>, options: &ReadOptions) -> Result<Loaded, ReadError> {
    let mut diagnostics = Vec::new();
    let text = xml::decode(bytes, "KML", &mut diagnostics)?;
    read_text(&text, diagnostics, dir, options)
}

/// Reads KML text.
pub fn read_str(text: &str) -> Result<Loaded, ReadError> {
    read_text(text, Vec::new(), None, &ReadOptions::default())
}

fn read_text(text: &str, mut diagnostics: Vec<Diagnostic>, dir: Option<&Path>, options: &ReadOptions) -> Result<Loaded, ReadError> {
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let doc = Document::read(text, "", &mut diagnostics)?;
    let mut layer = Layer { name: doc.name.clone().unwrap_or_default(), ..Layer::default() };
    layer.features = doc.features;
    let mut pictures = overlay::Pictures { dir, archive: None, online: options.online, budget: overlay::MAX_PICTURE_BYTES };
    layer.overlays = pictures.load(doc.overlays, &mut diagnostics);
    for link in &doc.links {
        diagnostics.push(Diagnostic::info(
            Place::File,
            format!("the network link {:?} to {:?} was not followed: Portolan opens local files only", link.name, link.href),
        ));
    }
    Ok(Loaded { layer, diagnostics })
}

/// A KML document read into features.
struct Document {
    name: Option<String>,
    features: Vec<Feature>,
    /// Overlays as the file places them; their pictures are loaded by the caller, which
    /// knows where the file came from (`overlay::Pictures`).
    overlays: Vec<(Overlay, Place)>,
    links: Vec<NetworkLink>,
}

struct NetworkLink {
    name: String,
    href: String,
    /// The folder path of the link itself, for the features of the document it links to.
    folder: Option<String>,
}

#[derive(Default)]
struct Container {
    name: Option<String>,
    parent: Option<usize>,
}

#[derive(Default)]
struct Job {
    start: usize,
    span: Range<usize>,
    damage: Option<usize>,
    container: Option<usize>,
    name: Option<String>,
    description: Option<String>,
    inline_styles: Vec<Range<usize>>,
    notes: Vec<String>,
    /// A GroundOverlay or ScreenOverlay rather than a Placemark.
    overlay: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Name,
    Description,
}

enum Owner {
    Placemark(usize),
    Container(usize),
}

struct Capture {
    owner: Owner,
    field: Field,
    depth: usize,
    text: String,
}

/// What the walk finds, before any placemark is parsed.
#[derive(Default)]
struct Outline {
    stack: Vec<String>,
    containers: Vec<Container>,
    open_containers: Vec<usize>,
    jobs: Vec<Job>,
    placemark: Option<(usize, usize)>,
    capture: Option<Capture>,
    points: Vec<bool>,
    shared_styles: Vec<Range<usize>>,
    schemas: Vec<Range<usize>>,
    links: Vec<(Range<usize>, Option<usize>)>,
    overlays: usize,
    models: usize,
    /// Coordinates written with commas only, read as triples and as pairs.
    comma_runs: [usize; 2],
}

impl Outline {
    fn on<'t>(&mut self, text: &'t str, event: Event<'t>, edits: &mut Vec<xml::Edit>) {
        match event {
            Event::Start { name, start, tag_end, empty, depth } => {
                if let Some(c) = &mut self.capture {
                    c.text.push_str(&text[start..tag_end]);
                    self.stack.push(String::new());
                    return;
                }
                let l = local(name);
                let parent = self.stack.last().map(String::as_str);
                if empty && self.stack.iter().any(|s| matches!(s.as_str(), "Schema" | "ExtendedData" | "ScreenOverlay" | "GroundOverlay")) {
                    // The kml crate skips self-closed elements it does not know
                    // (`<SimpleField name="a" type="int"/>`): write them out in full.
                    let tag = text[start..tag_end - 2].trim_end();
                    edits.push(xml::Edit { range: start..tag_end, with: format!("{tag}></{name}>") });
                }
                match (l, self.placemark) {
                    ("Document" | "Folder", None) => {
                        self.containers.push(Container { name: None, parent: self.open_containers.last().copied() });
                        self.open_containers.push(self.containers.len() - 1);
                    }
                    ("Placemark" | "GroundOverlay" | "ScreenOverlay", None) => {
                        self.jobs.push(Job {
                            start,
                            container: self.open_containers.last().copied(),
                            overlay: l != "Placemark",
                            ..Job::default()
                        });
                        self.placemark = Some((self.jobs.len() - 1, depth));
                    }
                    ("name" | "description", Some((job, pm_depth))) if depth == pm_depth + 1 => {
                        let field = if l == "name" { Field::Name } else { Field::Description };
                        self.capture = Some(Capture { owner: Owner::Placemark(job), field, depth, text: String::new() });
                    }
                    ("name", None) if matches!(parent, Some("Document" | "Folder")) => {
                        if let Some(&c) = self.open_containers.last() {
                            self.capture = Some(Capture { owner: Owner::Container(c), field: Field::Name, depth, text: String::new() });
                        }
                    }
                    ("Point", Some(_)) => self.points.push(false),
                    _ => {}
                }
                self.stack.push(l.to_owned());
            }
            Event::Text { raw, cdata } => {
                if let Some(c) = &mut self.capture {
                    let s = &text[raw];
                    if cdata {
                        c.text.push_str(s);
                    } else {
                        c.text.push_str(&xml::unescape(s));
                    }
                } else if self.placemark.is_some() {
                    if cdata {
                        // The kml crate drops CDATA in elements it does not know (ExtendedData).
                        edits.push(xml::Edit { range: raw.start - 9..raw.end + 3, with: xml::escape_text(&text[raw]) });
                    } else if self.stack.last().is_some_and(|s| s == "coordinates")
                        && self.stack.iter().rev().nth(1).is_some_and(|s| s == "Point")
                        && !text[raw].trim().is_empty()
                        && let Some(p) = self.points.last_mut()
                    {
                        *p = true;
                    }
                }
            }
            Event::End { name, span, inner, damage, depth } => {
                self.stack.pop();
                if let Some(c) = &mut self.capture {
                    if depth != c.depth {
                        c.text.push_str(&text[inner.end..span.end]);
                        return;
                    }
                    let Some(c) = self.capture.take() else { return };
                    let value = if c.field == Field::Name { c.text.trim().to_owned() } else { c.text };
                    match c.owner {
                        Owner::Placemark(job) => {
                            if let Some(job) = self.jobs.get_mut(job) {
                                match c.field {
                                    Field::Name => job.name = Some(value),
                                    Field::Description => job.description = Some(value),
                                }
                            }
                            // Taken from the text as written; the kml crate fails on HTML in them.
                            edits.push(xml::Edit { range: span, with: String::new() });
                        }
                        Owner::Container(i) => {
                            if let Some(container) = self.containers.get_mut(i) {
                                container.name.get_or_insert(value);
                            }
                        }
                    }
                    return;
                }
                let l = local(name);
                match (l, self.placemark) {
                    ("Placemark" | "GroundOverlay" | "ScreenOverlay", Some((job, pm_depth))) if depth == pm_depth => {
                        if let Some(job) = self.jobs.get_mut(job) {
                            job.span = span;
                            job.damage = damage;
                        }
                        self.placemark = None;
                    }
                    ("Document" | "Folder", None) => {
                        self.open_containers.pop();
                    }
                    // kml 0.15 panics on a Point without coordinates.
                    ("Point", Some((job, _))) if !self.points.pop().unwrap_or(true) => {
                        edits.push(xml::Edit { range: span, with: String::new() });
                        if let Some(job) = self.jobs.get_mut(job) {
                            job.notes.push("a <Point> without coordinates was left out".into());
                        }
                    }
                    ("altitudeMode", Some(_)) => {
                        // Portolan draws in 2D, and the kml crate refuses gx:altitudeMode values.
                        edits.push(xml::Edit { range: span, with: String::new() });
                    }
                    ("coordinates", Some(_)) => {
                        let raw = &text[inner.clone()];
                        let mut tidy = Cow::Borrowed(raw);
                        if raw.contains(", ") || raw.contains(" ,") || raw.contains(",\t") || raw.contains(",\n") {
                            // "lon, lat" with spaces: the kml crate splits positions on whitespace.
                            tidy = Cow::Owned(raw.split(',').map(str::trim).collect::<Vec<_>>().join(","));
                        }
                        if tidy.split_whitespace().any(|run| run.matches(',').count() > 2) {
                            let mut pairs = None;
                            let mut split = String::with_capacity(tidy.len() + 16);
                            for run in tidy.split_whitespace() {
                                if !split.is_empty() {
                                    split.push(' ');
                                }
                                match comma_run(run) {
                                    Some((tuples, as_pairs)) => {
                                        pairs = Some(pairs.unwrap_or(false) || as_pairs);
                                        split.push_str(&tuples);
                                    }
                                    None => split.push_str(run),
                                }
                            }
                            if let Some(pairs) = pairs {
                                self.comma_runs[usize::from(pairs)] += 1;
                                tidy = Cow::Owned(split);
                            }
                        }
                        if let Cow::Owned(with) = tidy {
                            edits.push(xml::Edit { range: inner, with });
                        }
                    }
                    ("Style", Some((job, _))) if self.stack.last().is_some_and(|s| s == "Placemark") => {
                        if let Some(job) = self.jobs.get_mut(job) {
                            job.inline_styles.push(span);
                        }
                    }
                    ("Style" | "StyleMap", None) if damage.is_none() && self.stack.last().is_none_or(|s| s != "Pair") => {
                        self.shared_styles.push(span);
                    }
                    ("Schema", None) if damage.is_none() => self.schemas.push(span),
                    ("NetworkLink", None) if damage.is_none() => self.links.push((span, self.open_containers.last().copied())),
                    ("PhotoOverlay", None) => self.overlays += 1,
                    ("Model", Some(_)) => self.models += 1,
                    _ => {}
                }
            }
        }
    }

    fn folder_path(&self, container: Option<usize>) -> Vec<String> {
        let mut path = Vec::new();
        let mut at = container;
        while let Some(i) = at {
            let Some(c) = self.containers.get(i) else { break };
            // The outermost container names the layer, not a folder.
            if c.parent.is_some() {
                path.push(c.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "(unnamed)".into()));
            }
            at = c.parent;
        }
        path.reverse();
        path
    }
}

/// Simplestyle properties of a style, and whether polygons lose their outline.
#[derive(Clone, Default)]
struct StyleProps {
    props: Map<String, Value>,
    no_outline: bool,
}

#[derive(Default)]
struct Styles {
    shared: HashMap<String, StyleProps>,
    /// StyleMap id → the style url of its `normal` pair.
    maps: HashMap<String, String>,
}

impl Styles {
    fn resolve(&self, url: &str) -> Option<&StyleProps> {
        let mut id = url.trim().strip_prefix('#')?;
        for _ in 0..8 {
            if let Some(s) = self.shared.get(id) {
                return Some(s);
            }
            id = self.maps.get(id)?.trim().strip_prefix('#')?;
        }
        None
    }
}

struct Reader<'a, 't> {
    text: &'t str,
    lines: Lines<'t>,
    diagnostics: &'a mut Vec<Diagnostic>,
    /// Prefixed to messages for documents linked from a KMZ (`in files/b.kml: `).
    prefix: String,
    styles: Styles,
    schemas: HashMap<String, HashMap<String, String>>,
    heights: usize,
    rewound: usize,
    external_styles: usize,
    shadowed: usize,
}

impl Document {
    fn read(text: &str, prefix: &str, diagnostics: &mut Vec<Diagnostic>) -> Result<Document, ReadError> {
        let first = diagnostics.len();
        let mut outline = Outline::default();
        let scan = xml::walk(text, |event, edits| outline.on(text, event, edits));
        match scan.root.as_ref().map(|(name, _)| name.as_str()) {
            Some("kml" | "Document" | "Folder" | "Placemark") => {}
            Some("gpx") => return Err(not_kml("the root element is <gpx>; is this a GPX file with the wrong extension?")),
            Some(other) => return Err(not_kml(&format!("the root element is <{other}>, not <kml>"))),
            None => {
                let message = match scan.problems.iter().find(|p| p.broken) {
                    Some(p) => p.message.clone(),
                    None => "no XML element found".into(),
                };
                return Err(not_kml(&message));
            }
        }
        let mut reader = Reader {
            text,
            lines: Lines::new(text),
            diagnostics,
            prefix: prefix.to_owned(),
            styles: Styles::default(),
            schemas: HashMap::new(),
            heights: 0,
            rewound: 0,
            external_styles: 0,
            shadowed: 0,
        };
        for span in &outline.schemas {
            reader.schema(&xml::clean(text, span.clone(), &scan.edits));
        }
        for span in &outline.shared_styles {
            reader.shared_style(span.start, &xml::clean(text, span.clone(), &scan.edits));
        }
        let mut claimed = HashSet::new();
        // The diagnostic that reports the cut of a truncated file, told the features kept.
        let mut cut_at = None;
        let mut features = Vec::with_capacity(outline.jobs.len());
        let mut overlays = Vec::new();
        for (n, job) in outline.jobs.iter().enumerate() {
            let what = if job.overlay { "overlay" } else { "placemark" };
            let label = match &job.name {
                Some(name) if !name.is_empty() => format!("{what} {name:?}"),
                _ => format!("{what} {}", n + 1),
            };
            if let Some(p) = job.damage.and_then(|d| scan.problems.get(d).map(|p| (d, p))) {
                claimed.insert(p.0);
                if scan.cut == Some(p.0) {
                    cut_at = Some(reader.diagnostics.len());
                }
                let (line, _) = reader.lines.line_column(job.start);
                let place = reader.lines.place(p.1.offset);
                reader.error(place, format!("{label} (line {line}) skipped: {}", p.1.message));
                continue;
            }
            let folder = outline.folder_path(job.container);
            if job.overlay {
                let src = xml::clean(text, job.span.clone(), &scan.edits);
                match overlay::read(&src, job.name.clone(), job.description.clone(), &folder) {
                    Ok(o) => overlays.push((o, reader.lines.place(job.start))),
                    Err(message) => {
                        let place = reader.lines.place(job.start);
                        reader.error(place, format!("{label} skipped: {message}"));
                    }
                }
                continue;
            }
            if let Some(f) = reader.placemark(job, &label, &folder, &scan.edits) {
                features.push(f);
            }
        }
        for (i, p) in scan.unclaimed(&claimed) {
            let place = reader.lines.place(p.offset);
            if scan.cut == Some(i) {
                cut_at = Some(reader.diagnostics.len());
            }
            if p.broken {
                reader.error(place, p.message.clone());
            } else {
                reader.warning(place, p.message.clone());
            }
        }
        if let Some(d) = cut_at.and_then(|i| reader.diagnostics.get_mut(i)) {
            d.message = super::cut_message(&d.message, features.len());
        }
        let mut links = Vec::new();
        for (span, container) in &outline.links {
            if let Some((name, href)) = network_link(&xml::clean(text, span.clone(), &scan.edits)) {
                let path = outline.folder_path(*container);
                links.push(NetworkLink { name, href, folder: (!path.is_empty()).then(|| path.join("/")) });
            }
        }
        reader.summarise(&outline);
        super::sort_by_place(&mut diagnostics[first..]);
        let name = outline.containers.first().and_then(|c| c.name.clone()).map(|n| {
            let lower = n.to_ascii_lowercase();
            if lower.ends_with(".kml") || lower.ends_with(".kmz") { n[..n.len() - 4].to_owned() } else { n }
        });
        Ok(Document { name, features, overlays, links })
    }
}

fn not_kml(message: &str) -> ReadError {
    ReadError::NotFormat { format: "KML", message: message.to_owned() }
}

/// Parses one element with the kml crate. The text is balanced and free of DTDs and entity
/// references (see `xml`); a panic inside the crate is still caught rather than trusted away.
fn parse(src: &str) -> Result<Kml<f64>, String> {
    match std::panic::catch_unwind(|| KmlReader::<_, f64>::from_string(src).read()) {
        Ok(Ok(k)) => Ok(k),
        Ok(Err(e)) => Err(kml_error(&e)),
        Err(_) => Err("the KML library failed on this element".into()),
    }
}

fn kml_error(e: &kml::Error) -> String {
    match e {
        kml::Error::NumParse(s) => format!("{s:?} is not a number"),
        kml::Error::CoordEmpty => "a position has fewer than two numbers".into(),
        kml::Error::InvalidGeometry(s) => s.clone(),
        kml::Error::MalformedXml(e) => format!("malformed XML: {e}"),
        kml::Error::InvalidXmlEvent(_) | kml::Error::InvalidInput(_) => "unexpected markup".into(),
        other => other.to_string(),
    }
}

/// Elements of a style or a style map, generic (they are wrapped in a Placemark for the kml
/// crate, which then keeps every child as written; its typed styles fill in defaults and so
/// cannot tell an absent colour from white).
fn generic(src: &str) -> Option<Element> {
    match parse(&format!("<Placemark>{src}</Placemark>")) {
        Ok(Kml::Placemark(p)) => p.children.into_iter().next(),
        _ => None,
    }
}

fn child<'e>(e: &'e Element, name: &str) -> Option<&'e Element> {
    e.children.iter().find(|c| c.name == name)
}

fn content<'e>(e: &'e Element, name: &str) -> Option<&'e str> {
    child(e, name).map(|c| c.content.as_deref().unwrap_or("").trim())
}

fn attr(e: &Element, name: &str) -> Option<String> {
    // The kml crate hands attribute values over still escaped.
    e.attrs.get(name).map(|v| xml::unescape(v).into_owned())
}

fn network_link(src: &str) -> Option<(String, String)> {
    let Ok(Kml::Element(e)) = parse(src) else { return None };
    let name = content(&e, "name").unwrap_or("").to_owned();
    let href = child(&e, "Link").or_else(|| child(&e, "Url")).and_then(|l| content(l, "href"))?.to_owned();
    Some((name, href))
}

/// `aabbggrr` (or `bbggrr`) to `#rrggbb` and an opacity.
fn kml_colour(s: &str) -> Option<(String, f64)> {
    let s = s.trim().trim_start_matches('#');
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (a, bgr) = match s.len() {
        8 => (&s[0..2], &s[2..8]),
        6 => ("ff", s),
        _ => return None,
    };
    let alpha = u8::from_str_radix(a, 16).ok()?;
    let rgb = format!("#{}{}{}", &bgr[4..6], &bgr[2..4], &bgr[0..2]).to_ascii_lowercase();
    Some((rgb, (f64::from(alpha) / 255.0 * 100.0).round() / 100.0))
}

fn number(v: f64) -> Option<Value> {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        return Some(Value::from(v as i64));
    }
    Number::from_f64(v).map(Value::Number)
}

/// A number as written: integers stay integers (`3`), anything else is a float (`3.0`).
fn number_text(s: &str) -> Option<Value> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::from(i));
    }
    if let Ok(u) = s.parse::<u64>() {
        return Some(Value::from(u));
    }
    let f = s.parse::<f64>().ok().filter(|f| f.is_finite())?;
    Number::from_f64(f).map(Value::Number)
}

fn style_props(style: &Element) -> StyleProps {
    let mut out = StyleProps::default();
    let mut put = |k: &str, v: Value| {
        out.props.insert(k.to_owned(), v);
    };
    if let Some(line) = child(style, "LineStyle") {
        if let Some((rgb, opacity)) = content(line, "color").and_then(kml_colour) {
            put("stroke", rgb.into());
            if opacity < 1.0 {
                put("stroke-opacity", number(opacity).unwrap_or(Value::Null));
            }
        }
        if let Some(w) = content(line, "width").and_then(number_text).filter(|w| w.as_f64().is_some_and(|w| w >= 0.0)) {
            put("stroke-width", w);
        }
    }
    let mut no_outline = false;
    if let Some(poly) = child(style, "PolyStyle") {
        if let Some((rgb, opacity)) = content(poly, "color").and_then(kml_colour) {
            put("fill", rgb.into());
            if opacity < 1.0 {
                put("fill-opacity", number(opacity).unwrap_or(Value::Null));
            }
        }
        if content(poly, "fill").is_some_and(|f| f == "0" || f == "false") {
            put("fill-opacity", Value::from(0));
        }
        no_outline = content(poly, "outline").is_some_and(|f| f == "0" || f == "false");
    }
    if let Some(icon) = child(style, "IconStyle")
        && let Some(c) = content(icon, "color").filter(|c| !c.eq_ignore_ascii_case("ffffffff"))
        && let Some((rgb, _)) = kml_colour(c)
    {
        put("marker-color", rgb.into());
    }
    out.no_outline = no_outline;
    out
}

impl Reader<'_, '_> {
    fn error(&mut self, place: Place, message: String) {
        self.diagnostics.push(Diagnostic::error(place, format!("{}{message}", self.prefix)));
    }

    fn warning(&mut self, place: Place, message: String) {
        self.diagnostics.push(Diagnostic::warning(place, format!("{}{message}", self.prefix)));
    }

    fn info(&mut self, message: String) {
        self.diagnostics.push(Diagnostic::info(Place::File, format!("{}{message}", self.prefix)));
    }

    fn schema(&mut self, src: &str) {
        let Ok(Kml::Element(e)) = parse(src) else { return };
        let fields: HashMap<String, String> = e
            .children
            .iter()
            .filter(|f| f.name == "SimpleField" || f.name == "SimpleArrayField")
            .filter_map(|f| Some((attr(f, "name")?, attr(f, "type").unwrap_or_default())))
            .collect();
        for key in [attr(&e, "id"), attr(&e, "name")].into_iter().flatten() {
            self.schemas.entry(key).or_insert_with(|| fields.clone());
        }
    }

    fn shared_style(&mut self, start: usize, src: &str) {
        let Some(e) = generic(src) else {
            let place = self.lines.place(start);
            self.warning(place, "a shared style could not be read; ignored".into());
            return;
        };
        let Some(id) = attr(&e, "id") else { return };
        if e.name == "StyleMap" {
            let normal = e.children.iter().find(|p| p.name == "Pair" && content(p, "key") == Some("normal"));
            if let Some(url) = normal.and_then(|p| content(p, "styleUrl")) {
                self.styles.maps.entry(id).or_insert_with(|| url.to_owned());
            }
        } else {
            self.styles.shared.entry(id).or_insert_with(|| style_props(&e));
        }
    }

    fn placemark(&mut self, job: &Job, label: &str, folder: &[String], edits: &[xml::Edit]) -> Option<Feature> {
        let src = xml::clean(self.text, job.span.clone(), edits);
        let pm = match parse(&src) {
            Ok(Kml::Placemark(p)) => p,
            Ok(_) => {
                let place = self.lines.place(job.start);
                self.error(place, format!("{label} skipped: it could not be read as a placemark"));
                return None;
            }
            Err(message) => {
                // Point at the offending text when the message quotes it.
                let within = &self.text[job.span.clone()];
                let after = within.find("coordinates>").unwrap_or(0);
                let at = message
                    .split('"')
                    .nth(1)
                    .filter(|q| !q.is_empty())
                    .and_then(|q| within[after..].find(q).map(|i| after + i).or_else(|| within.find(q)))
                    .map_or(job.start, |i| job.span.start + i);
                let place = self.lines.place(at);
                self.error(place, format!("{label} skipped: {message}"));
                return None;
            }
        };
        let place = self.lines.place(job.start);
        for note in &job.notes {
            self.warning(place.clone(), format!("{label}: {note}"));
        }
        let mut warnings = Vec::new();
        let mut times: Option<Vec<String>> = None;
        let geometry = match &pm.geometry {
            Some(g) => self.geometry(g, &mut warnings),
            None => match pm.children.iter().find(|c| c.name == "Track" || c.name == "MultiTrack") {
                Some(track) => self.track_with_times(track, &mut warnings).map(|(g, t)| {
                    times = Some(t);
                    g
                }),
                None => Ok(None),
            },
        };
        for w in warnings {
            self.warning(place.clone(), format!("{label}: {w}"));
        }
        let geometry = match geometry {
            Ok(g) => g,
            Err(message) => {
                self.error(place, format!("{label} skipped: {message}"));
                return None;
            }
        };

        let mut properties = Map::new();
        if let Some(name) = &job.name {
            properties.insert("name".into(), name.clone().into());
        }
        if let Some(description) = &job.description {
            properties.insert("description".into(), description.clone().into());
        }
        if let Some(data) = pm.children.iter().find(|c| c.name == "ExtendedData") {
            self.extended_data(data, &mut properties);
        }
        let mut derived: Vec<(String, Value)> = Vec::new();
        if let Some(period) = time_primitive(&pm.children) {
            derived.push(("period".into(), period.into()));
        }
        if let Some(times) = times {
            let first = times.iter().find(|t| !t.is_empty());
            let last = times.iter().rev().find(|t| !t.is_empty());
            if let (Some(a), Some(b)) = (first, last) {
                let period = if a == b { a.clone() } else { format!("{a}/{b}") };
                derived.push(("period".into(), period.into()));
            }
            derived.push(("times".into(), Value::Array(times.into_iter().map(Value::from).collect())));
        }
        let mut style = StyleProps::default();
        if let Some(url) = &pm.style_url {
            match self.styles.resolve(url) {
                Some(s) => style = s.clone(),
                None if !url.trim().starts_with('#') => self.external_styles += 1,
                None => {}
            }
        }
        for span in &job.inline_styles {
            let src = xml::clean(self.text, span.clone(), edits);
            if let Some(e) = generic(&src) {
                let inline = style_props(&e);
                style.no_outline |= inline.no_outline;
                style.props.extend(inline.props);
            }
        }
        let polygonal = matches!(geometry, Some(Geometry::Polygon(_) | Geometry::MultiPolygon(_)));
        if style.no_outline && polygonal {
            style.props.insert("stroke-opacity".into(), Value::from(0));
        }
        derived.extend(style.props);
        if !folder.is_empty() {
            derived.push(("folder".into(), folder.join("/").into()));
        }
        for (k, v) in derived {
            properties.entry(k).or_insert(v);
        }
        let id = pm.attrs.get("id").map(|id| FeatureId::Text(xml::unescape(id).into_owned()));
        Some(Feature { id, geometry, properties: properties.into(), foreign: Map::new() })
    }

    fn extended_data(&mut self, data: &Element, properties: &mut Map<String, Value>) {
        let mut put = |k: String, v: Value, shadowed: &mut usize| {
            if matches!(k.as_str(), "name" | "description") && properties.contains_key(&k) {
                *shadowed += 1;
            } else {
                properties.insert(k, v);
            }
        };
        for item in &data.children {
            match item.name.as_str() {
                "Data" => {
                    let Some(key) = attr(item, "name") else { continue };
                    let value = child(item, "value").and_then(|v| v.content.clone()).unwrap_or_default();
                    put(key, value.into(), &mut self.shadowed);
                }
                "SchemaData" => {
                    let url = attr(item, "schemaUrl").unwrap_or_default();
                    let fields = self.schemas.get(url.trim().trim_start_matches('#'));
                    for field in &item.children {
                        let Some(key) = attr(field, "name") else { continue };
                        let ty = fields.and_then(|f| f.get(&key)).map(String::as_str);
                        match field.name.as_str() {
                            "SimpleData" => {
                                let raw = field.content.clone().unwrap_or_default();
                                put(key, typed(raw, ty), &mut self.shadowed);
                            }
                            "SimpleArrayData" => {
                                let values = field
                                    .children
                                    .iter()
                                    .filter(|v| v.name == "value")
                                    .map(|v| typed(v.content.clone().unwrap_or_default(), ty))
                                    .collect();
                                put(key, Value::Array(values), &mut self.shadowed);
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn coord(&mut self, c: &kml::types::Coord<f64>, warnings: &mut Vec<String>) -> Result<Coord<f64>, String> {
        if let Some(w) = check_lon_lat(c.x, c.y, ORDER_HINT)? {
            warnings.push(w);
        }
        if c.z.is_some_and(|z| z != 0.0) {
            self.heights += 1;
        }
        Ok(Coord { x: c.x, y: c.y })
    }

    fn line(&mut self, coords: &[kml::types::Coord<f64>], warnings: &mut Vec<String>) -> Result<LineString<f64>, String> {
        if coords.len() < 2 {
            return Err(format!("a line needs at least 2 positions, this one has {}", coords.len()));
        }
        let line = coords.iter().map(|c| self.coord(c, warnings)).collect::<Result<Vec<_>, _>>()?;
        Ok(LineString(line))
    }

    fn ring(&mut self, ring: &kml::types::LinearRing<f64>, which: &str, warnings: &mut Vec<String>) -> Result<LineString<f64>, String> {
        let mut line = ring.coords.iter().map(|c| self.coord(c, warnings)).collect::<Result<Vec<_>, _>>()?;
        if line.first() != line.last() {
            if let Some(&first) = line.first() {
                line.push(first);
            }
            warnings.push(format!("the {which} ring is not closed; closed it"));
        }
        if line.len() < 4 {
            return Err(format!("the {which} ring has {} positions; a closed ring needs at least 4", line.len()));
        }
        Ok(LineString(line))
    }

    fn geometry(&mut self, g: &kml::types::Geometry<f64>, warnings: &mut Vec<String>) -> Result<Option<Geometry<f64>>, String> {
        use kml::types::Geometry as K;
        Ok(Some(match g {
            K::Point(p) => Geometry::Point(Point(self.coord(&p.coord, warnings)?)),
            K::LineString(l) => Geometry::LineString(self.line(&l.coords, warnings)?),
            K::LinearRing(r) => Geometry::LineString(self.ring(r, "", warnings)?),
            K::Polygon(p) => {
                let outer = self.ring(&p.outer, "outer", warnings)?;
                let inner = p.inner.iter().map(|r| self.ring(r, "inner", warnings)).collect::<Result<Vec<_>, _>>()?;
                let polygon = Polygon::new(outer, inner);
                let oriented = polygon.orient(Direction::Default);
                if oriented != polygon {
                    self.rewound += 1;
                }
                Geometry::Polygon(oriented)
            }
            K::MultiGeometry(m) => {
                let mut parts = Vec::with_capacity(m.geometries.len());
                for g in &m.geometries {
                    parts.extend(self.geometry(g, warnings)?);
                }
                return Ok(collect(parts));
            }
            _ => return Ok(None),
        }))
    }

    /// A gx:Track (or gx:MultiTrack) as a line and its times.
    fn track(&mut self, e: &Element, warnings: &mut Vec<String>) -> Result<Option<Geometry<f64>>, String> {
        if e.name == "MultiTrack" {
            let mut lines = Vec::new();
            let mut parts = Vec::new();
            for t in e.children.iter().filter(|c| c.name == "Track") {
                let coords = self.track_points(t, warnings)?;
                match coords.len() {
                    0 => {}
                    1 => parts.push(Geometry::Point(Point(coords[0]))),
                    _ => lines.push(LineString(coords)),
                }
            }
            if parts.is_empty() {
                return Ok((!lines.is_empty()).then_some(Geometry::MultiLineString(MultiLineString(lines))));
            }
            parts.extend(lines.into_iter().map(Geometry::LineString));
            return Ok(collect(parts));
        }
        let coords = self.track_points(e, warnings)?;
        Ok(match coords.len() {
            0 => None,
            1 => Some(Geometry::Point(Point(coords[0]))),
            _ => Some(Geometry::LineString(LineString(coords))),
        })
    }

    fn track_points(&mut self, e: &Element, warnings: &mut Vec<String>) -> Result<Vec<Coord<f64>>, String> {
        let whens = e.children.iter().filter(|c| c.name == "when").count();
        let mut coords = Vec::new();
        for c in e.children.iter().filter(|c| c.name == "coord") {
            let raw = c.content.as_deref().unwrap_or("");
            let numbers: Vec<f64> = raw.split_whitespace().map(str::parse).collect::<Result<_, _>>().map_err(|_| format!("gx:coord {raw:?} is not \"longitude latitude altitude\""))?;
            let &[x, y, ref z @ ..] = numbers.as_slice() else {
                return Err(format!("gx:coord {raw:?} has fewer than two numbers"));
            };
            let c = kml::types::Coord { x, y, z: z.first().copied() };
            coords.push(self.coord(&c, warnings)?);
        }
        if whens > 0 && whens != coords.len() {
            warnings.push(format!("the track has {whens} <when> for {} <gx:coord>", coords.len()));
        }
        Ok(coords)
    }

    fn summarise(&mut self, outline: &Outline) {
        if self.heights > 0 {
            self.info(format!("{} positions had heights; Portolan draws in 2D and ignores them", self.heights));
        }
        if self.rewound > 0 {
            self.info(format!("{} polygons were wound clockwise; re-wound as RFC 7946 asks", self.rewound));
        }
        if self.external_styles > 0 {
            self.info(format!("{} placemarks use styles from other files, which were not fetched", self.external_styles));
        }
        if self.shadowed > 0 {
            self.info(format!("{} ExtendedData values named \"name\" or \"description\" were ignored: the placemark's own <name> and <description> come first", self.shadowed));
        }
        if outline.overlays > 0 {
            self.info(format!("{} photo overlays are not shown", outline.overlays));
        }
        if outline.models > 0 {
            self.info(format!("{} 3D models are not shown", outline.models));
        }
        let lists = |n: usize| if n == 1 { "1 list of coordinates has".to_owned() } else { format!("{n} lists of coordinates have") };
        let [triples, pairs] = outline.comma_runs;
        if triples > 0 {
            self.info(format!("{} only commas between positions; read as longitude,latitude,altitude as Google Earth does", lists(triples)));
        }
        if pairs > 0 {
            self.info(format!("{} only commas between positions and can only be longitude,latitude pairs; read so", lists(pairs)));
        }
    }
}

impl Reader<'_, '_> {
    /// A gx:Track or gx:MultiTrack: its geometry, and the `<when>` of every position.
    fn track_with_times(&mut self, e: &Element, warnings: &mut Vec<String>) -> Result<(Option<Geometry<f64>>, Vec<String>), String> {
        let times = if e.name == "MultiTrack" {
            let mut all = Vec::new();
            for t in e.children.iter().filter(|c| c.name == "Track") {
                all.extend(t.children.iter().filter(|c| c.name == "when").map(|c| c.content.as_deref().unwrap_or("").trim().to_owned()));
            }
            all
        } else {
            e.children.iter().filter(|c| c.name == "when").map(|c| c.content.as_deref().unwrap_or("").trim().to_owned()).collect()
        };
        Ok((self.track(e, warnings)?, times))
    }
}

/// A run of numbers with only commas between them (`lon,lat,alt,lon,lat,alt`), as some
/// generators write KML, split into positions (`lon,lat,alt lon,lat,alt`) the way Google Earth
/// reads it, and whether it was read as pairs; `None` when it is left as it is.
///
/// libkml (`Coordinates::ParseVec3`) reads a longitude, skips to the next comma, reads a
/// latitude, and reads an altitude only when the next character after the latitude (and any
/// whitespace) is a comma: so a comma-only run is read greedily as lon,lat,alt triples, the
/// last tuple taking what is left. That is followed here, except when triples cannot be
/// positions and lon,lat pairs can (the count is not a multiple of three, or a triple's
/// latitude is out of range): then the run is read as pairs, which libkml would misread.
/// Runs of up to three numbers, or with anything that is not a number, are left as they are.
fn comma_run(run: &str) -> Option<(String, bool)> {
    // One pass to check the numbers, read as triples and as pairs, without holding them.
    let (mut count, mut lon) = (0usize, 0.0);
    let (mut triples, mut pairs) = (true, true);
    for value in run.split(',') {
        let v: f64 = value.parse().ok()?;
        if count % 3 == 1 {
            triples &= check_lon_lat(lon, v, "").is_ok();
        }
        if count % 2 == 1 {
            pairs &= check_lon_lat(lon, v, "").is_ok();
        }
        (count, lon) = (count + 1, v);
    }
    if count <= 3 {
        return None;
    }
    let pairs = !(triples && count.is_multiple_of(3)) && pairs && count.is_multiple_of(2);
    let size = if pairs { 2 } else { 3 };
    let mut out = String::with_capacity(run.len());
    for (i, value) in run.split(',').enumerate() {
        if i > 0 {
            out.push(if i % size == 0 { ' ' } else { ',' });
        }
        out.push_str(value);
    }
    Some((out, pairs))
}

/// Parts of a MultiGeometry: Multi* when alike, a GeometryCollection otherwise.
fn collect(parts: Vec<Geometry<f64>>) -> Option<Geometry<f64>> {
    if parts.is_empty() {
        return None;
    }
    if parts.iter().all(|g| matches!(g, Geometry::Point(_))) {
        let points = parts.into_iter().filter_map(|g| if let Geometry::Point(p) = g { Some(p) } else { None });
        return Some(Geometry::MultiPoint(MultiPoint(points.collect())));
    }
    if parts.iter().all(|g| matches!(g, Geometry::LineString(_))) {
        let lines = parts.into_iter().filter_map(|g| if let Geometry::LineString(l) = g { Some(l) } else { None });
        return Some(Geometry::MultiLineString(MultiLineString(lines.collect())));
    }
    if parts.iter().all(|g| matches!(g, Geometry::Polygon(_))) {
        let polys = parts.into_iter().filter_map(|g| if let Geometry::Polygon(p) = g { Some(p) } else { None });
        return Some(Geometry::MultiPolygon(MultiPolygon(polys.collect())));
    }
    Some(Geometry::GeometryCollection(GeometryCollection(parts)))
}

/// A TimeStamp or TimeSpan among a placemark's children, as an ISO 8601 instant or interval.
fn time_primitive(children: &[Element]) -> Option<String> {
    for c in children {
        match c.name.as_str() {
            "TimeStamp" => {
                if let Some(when) = content(c, "when").filter(|w| !w.is_empty()) {
                    return Some(when.to_owned());
                }
            }
            "TimeSpan" => {
                let begin = content(c, "begin").filter(|w| !w.is_empty());
                let end = content(c, "end").filter(|w| !w.is_empty());
                if begin.is_some() || end.is_some() {
                    return Some(format!("{}/{}", begin.unwrap_or(".."), end.unwrap_or("..")));
                }
            }
            _ => {}
        }
    }
    None
}

/// A SimpleData value typed by its SimpleField.
fn typed(raw: String, ty: Option<&str>) -> Value {
    match ty {
        Some("int" | "uint" | "short" | "ushort") => {
            let t = raw.trim();
            t.parse::<i64>().map(Value::from).or_else(|_| t.parse::<u64>().map(Value::from)).unwrap_or(Value::String(raw))
        }
        Some("float" | "double") => number_text(&raw).unwrap_or(Value::String(raw)),
        Some("bool") => match raw.trim() {
            "1" | "true" => Value::Bool(true),
            "0" | "false" => Value::Bool(false),
            _ => Value::String(raw),
        },
        _ => Value::String(raw),
    }
}

/// What a KMZ may make Portolan inflate. Sizes are counted as the bytes come out of the
/// decompressor, not taken from the archive's headers.
#[derive(Clone, Debug)]
pub struct KmzLimits {
    /// Entries in the archive (counted from its directory before anything is read).
    pub max_entries: usize,
    /// Bytes of KML inflated from one archive, linked documents included.
    pub max_inflated_bytes: u64,
    /// Inflated bytes per compressed byte of an entry…
    pub max_ratio: u64,
    /// …once more than this many bytes came out (small files compress well).
    pub ratio_floor: u64,
    /// KML documents followed through NetworkLinks inside the archive.
    pub max_linked_documents: usize,
}

impl Default for KmzLimits {
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_inflated_bytes: 512 << 20,
            max_ratio: 200,
            ratio_floor: 1 << 20,
            max_linked_documents: 100,
        }
    }
}

/// Reads a KMZ (zipped KML) from the bytes of a file, with the default limits.
pub fn read_kmz(bytes: &[u8]) -> Result<Loaded, ReadError> {
    read_kmz_with(bytes, &KmzLimits::default())
}

/// Reads a KMZ with the given limits.
pub fn read_kmz_with(bytes: &[u8], limits: &KmzLimits) -> Result<Loaded, ReadError> {
    read_kmz_from(bytes, limits, None, &ReadOptions::default())
}

/// Reads a KMZ that lives in `dir` (overlay pictures outside the archive are found there).
pub fn read_kmz_from(bytes: &[u8], limits: &KmzLimits, dir: Option<&Path>, options: &ReadOptions) -> Result<Loaded, ReadError> {
    let kmz_error = |m: String| ReadError::Kmz(m);
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if let Some(n) = declared_entries(bytes)
        && n > limits.max_entries as u64
    {
        return Err(kmz_error(format!("the archive lists {n} entries; Portolan reads at most {} (is it a zip bomb?)", limits.max_entries)));
    }
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => return salvage(bytes, limits, &e.to_string()),
    };
    if archive.len() > limits.max_entries {
        return Err(kmz_error(format!("the archive has {} entries; Portolan reads at most {} (is it a zip bomb?)", archive.len(), limits.max_entries)));
    }
    let mut diagnostics = Vec::new();
    let mut names: Vec<(usize, String)> = Vec::new();
    let mut unsafe_names = Vec::new();
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else { continue };
        if entry.is_dir() {
            continue;
        }
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if safe_entry_name(&name) && entry.enclosed_name().is_some() {
            names.push((i, name));
        } else {
            unsafe_names.push(name);
        }
    }
    for name in &unsafe_names {
        diagnostics.push(Diagnostic::warning(
            Place::File,
            format!("the archive entry {name:?} has an unsafe name (an absolute path, or one climbing out with ..); ignored. Portolan never extracts KMZ files to disk"),
        ));
    }
    let is_kml = |n: &str| n.to_ascii_lowercase().ends_with(".kml");
    let doc = names
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case("doc.kml"))
        .or_else(|| names.iter().find(|(_, n)| is_kml(n) && !n.contains('/')))
        .or_else(|| names.iter().find(|(_, n)| is_kml(n)))
        .cloned();
    let Some((index, doc_name)) = doc else {
        let mut message = "no KML document (doc.kml) in the archive".to_owned();
        if !unsafe_names.is_empty() {
            message.push_str(&format!("; entries with unsafe names were ignored: {unsafe_names:?}"));
        }
        return Err(kmz_error(message));
    };
    let mut budget = limits.max_inflated_bytes;
    let (data, damage) = inflate(&mut archive, index, &doc_name, bytes.len() as u64, limits, &mut budget).map_err(kmz_error)?;
    if let Some(damage) = damage {
        diagnostics.push(Diagnostic::error(Place::File, format!("{doc_name} is damaged ({damage}); what could be read was loaded")));
    }
    let text = xml::decode(&data, "KML", &mut diagnostics)?;
    drop(data);
    if text.trim().is_empty() {
        return Err(kmz_error(format!("{doc_name} in the archive is empty")));
    }
    let document = Document::read(&text, "", &mut diagnostics)?;
    let mut layer = Layer { name: document.name.clone().unwrap_or_default(), ..Layer::default() };
    layer.features = document.features;
    // Pictures are looked for in the archive first, relative to the document that links them.
    let mut picture_budget = overlay::MAX_PICTURE_BYTES;
    let mut load_pictures = |archive: &mut zip::ZipArchive<Cursor<&[u8]>>, from: &str, overlays, diagnostics: &mut Vec<Diagnostic>| {
        let mut in_archive = |href: &str, budget: &mut u64| {
            let (index, name) = resolve_href(from, href).and_then(|t| names.iter().find(|(_, n)| *n == t).cloned())?;
            let mut picture_limits = limits.clone();
            picture_limits.max_inflated_bytes = *budget;
            Some(inflate(archive, index, &name, bytes.len() as u64, &picture_limits, budget).map(|(data, _)| data))
        };
        let mut pictures = overlay::Pictures { dir, archive: Some(&mut in_archive), online: options.online, budget: picture_budget };
        let loaded: Vec<Overlay> = pictures.load(overlays, diagnostics);
        picture_budget = pictures.budget;
        loaded
    };
    layer.overlays = load_pictures(&mut archive, &doc_name, document.overlays, &mut diagnostics);

    // NetworkLinks to other KML files inside the archive, breadth first, each file once.
    let mut visited: HashSet<String> = HashSet::from([doc_name.clone()]);
    let mut queue: std::collections::VecDeque<(String, NetworkLink, usize)> =
        document.links.into_iter().map(|l| (doc_name.clone(), l, 1)).collect();
    while let Some((from, link, depth)) = queue.pop_front() {
        let target = resolve_href(&from, &link.href).and_then(|t| names.iter().find(|(_, n)| *n == t).cloned());
        let Some((index, name)) = target else {
            diagnostics.push(Diagnostic::info(
                Place::File,
                format!("the network link {:?} to {:?} was not followed: Portolan opens files inside the KMZ only", link.name, link.href),
            ));
            continue;
        };
        if !is_kml(&name) || !visited.insert(name.clone()) {
            continue;
        }
        if visited.len() > limits.max_linked_documents + 1 || depth > 8 {
            diagnostics.push(Diagnostic::warning(Place::File, format!("the network link to {name:?} was not followed: too many linked documents")));
            continue;
        }
        let (data, damage) = inflate(&mut archive, index, &name, bytes.len() as u64, limits, &mut budget).map_err(kmz_error)?;
        if let Some(damage) = damage {
            diagnostics.push(Diagnostic::error(Place::File, format!("{name} is damaged ({damage}); what could be read was loaded")));
        }
        let prefix = format!("in {name}: ");
        let linked = xml::decode(&data, "KML", &mut diagnostics).and_then(|text| Document::read(&text, &prefix, &mut diagnostics));
        let linked = match linked {
            Ok(d) => d,
            Err(e) => {
                diagnostics.push(Diagnostic::error(Place::File, format!("{prefix}{e}")));
                continue;
            }
        };
        let base: Vec<&str> = [link.folder.as_deref(), Some(link.name.as_str()).filter(|n| !n.is_empty())].into_iter().flatten().collect();
        let mut linked_overlays = load_pictures(&mut archive, &name, linked.overlays, &mut diagnostics);
        for o in &mut linked_overlays {
            if !base.is_empty() {
                o.folder = Some(match &o.folder {
                    Some(inner) => format!("{}/{inner}", base.join("/")),
                    None => base.join("/"),
                });
            }
        }
        layer.overlays.extend(linked_overlays);
        for mut f in linked.features {
            if !base.is_empty() {
                let folder = match f.properties.str("folder") {
                    Some(inner) => format!("{}/{inner}", base.join("/")),
                    None => base.join("/"),
                };
                f.properties.insert("folder".into(), folder.into());
            }
            layer.features.push(f);
        }
        queue.extend(linked.links.into_iter().map(|l| (name.clone(), l, depth + 1)));
    }
    let used: HashSet<String> = layer.overlays.iter().filter_map(|o| resolve_href(&doc_name, &o.href)).collect();
    let others = names.iter().filter(|(_, n)| !is_kml(n) && !used.contains(n)).count();
    if others > 0 {
        diagnostics.push(Diagnostic::info(
            Place::File,
            format!("the archive also holds {others} other files (icons, models); Portolan shows the placemarks and overlays"),
        ));
    }
    Ok(Loaded { layer, diagnostics })
}

/// The entry count an archive's end-of-central-directory record declares, read before the
/// zip crate builds its directory (so a forged count cannot make it allocate).
fn declared_entries(bytes: &[u8]) -> Option<u64> {
    let tail_start = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[tail_start..];
    let at = tail.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let eocd = tail.get(at..at + 22)?;
    let total = u16::from_le_bytes([eocd[10], eocd[11]]);
    if total != u16::MAX {
        return Some(u64::from(total));
    }
    let locator_at = (tail_start + at).checked_sub(20)?;
    let locator = bytes.get(locator_at..locator_at + 20)?;
    if &locator[0..4] != b"PK\x06\x07" {
        return None;
    }
    let offset = usize::try_from(u64::from_le_bytes(locator[8..16].try_into().ok()?)).ok()?;
    let record = bytes.get(offset..offset.checked_add(56)?)?;
    if &record[0..4] != b"PK\x06\x06" {
        return None;
    }
    Some(u64::from_le_bytes(record[32..40].try_into().ok()?))
}

/// Whether an entry name stays inside the archive: relative, no `..`, no drive, no NUL.
fn safe_entry_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.starts_with('\\')
        && !name.contains('\0')
        && name.as_bytes().get(1).is_none_or(|&c| c != b':')
        && name.split(['/', '\\']).all(|part| part != "..")
}

/// A NetworkLink href relative to the entry that holds it, as an entry name; `None` for
/// links out of the archive (URLs, absolute paths, climbing above its root).
fn resolve_href(from: &str, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.contains("://") || href.starts_with('/') || href.starts_with('\\') || href.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in href.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Inflates one entry under the limits. `Err` when a limit refuses it; `Ok` with a note when
/// the data ends early or fails its checksum (what came out is returned).
fn inflate<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    index: usize,
    name: &str,
    archive_len: u64,
    limits: &KmzLimits,
    budget: &mut u64,
) -> Result<(Vec<u8>, Option<String>), String> {
    let mut entry = archive.by_index(index).map_err(|e| format!("{name} cannot be read: {e}"))?;
    let compressed = entry.compressed_size().min(archive_len);
    read_limited(&mut entry, compressed, name, limits, budget)
}

fn read_limited(r: &mut impl Read, compressed: u64, name: &str, limits: &KmzLimits, budget: &mut u64) -> Result<(Vec<u8>, Option<String>), String> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut damage = None;
    loop {
        let n = match r.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                damage = Some(e.to_string());
                break;
            }
        };
        let total = out.len() as u64 + n as u64;
        if total > *budget {
            return Err(format!(
                "{name} inflates to more than {} MiB, the limit for KML in one KMZ; refused (is it a zip bomb?)",
                limits.max_inflated_bytes >> 20
            ));
        }
        if total > limits.ratio_floor && total > compressed.max(1).saturating_mul(limits.max_ratio) {
            return Err(format!(
                "{name} inflates to more than {} times its compressed size ({compressed} bytes); refused as a likely zip bomb",
                limits.max_ratio
            ));
        }
        out.extend_from_slice(&chunk[..n]);
    }
    *budget -= out.len() as u64;
    Ok((out, damage))
}

/// A KMZ whose directory cannot be read (cut short, damaged): the KML is looked for through
/// the local headers from the start of the file, where `doc.kml` usually comes first.
fn salvage(bytes: &[u8], limits: &KmzLimits, why: &str) -> Result<Loaded, ReadError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(ReadError::Kmz(format!("not a zip archive ({why})")));
    }
    let mut cursor = Cursor::new(bytes);
    let mut budget = limits.max_inflated_bytes;
    for _ in 0..limits.max_entries {
        let mut entry = match zip::read::read_zipfile_from_stream(&mut cursor) {
            Ok(Some(e)) => e,
            Ok(None) | Err(_) => break,
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if !safe_entry_name(&name) || !name.to_ascii_lowercase().ends_with(".kml") {
            continue;
        }
        let compressed = entry.compressed_size().min(bytes.len() as u64);
        let (data, damage) = read_limited(&mut entry, compressed, &name, limits, &mut budget).map_err(ReadError::Kmz)?;
        drop(entry);
        let mut diagnostics = vec![Diagnostic::error(
            Place::File,
            format!("the archive is damaged or cut short ({why}); {name} was read from its local header"),
        )];
        if let Some(damage) = damage {
            diagnostics.push(Diagnostic::error(Place::File, format!("{name} is cut short ({damage}); what could be read was loaded")));
        }
        let text = xml::decode(&data, "KML", &mut diagnostics)?;
        if text.trim().is_empty() {
            return Err(ReadError::Kmz(format!("the archive is damaged or cut short ({why}), and {name} in it is empty")));
        }
        let document = Document::read(&text, "", &mut diagnostics)?;
        // The directory cannot be read, so pictures inside the archive cannot be found.
        let mut pictures = overlay::Pictures { dir: None, archive: None, online: false, budget: 0 };
        let overlays = pictures.load(document.overlays, &mut diagnostics);
        let layer = Layer { name: document.name.unwrap_or_default(), features: document.features, overlays, ..Layer::default() };
        return Ok(Loaded { layer, diagnostics });
    }
    Err(ReadError::Kmz(format!("the archive is damaged or cut short ({why}), and no KML document could be read from it")))
}

// ---------------------------------------------------------------------------------------------
// Writing

const SCHEMA_ID: &str = "portolan";
const STYLE_KEYS: [&str; 6] = ["stroke", "stroke-opacity", "stroke-width", "fill", "fill-opacity", "marker-color"];

/// The layer as KML 2.2 text, for Google Earth and QGIS. Features are written in order; the
/// `folder` property becomes nested Folders, `period` a TimeStamp or TimeSpan, a LineString
/// with a `times` list a `gx:Track`, simplestyle properties an inline Style, and every other
/// property ExtendedData typed by a Schema (string, int, double, bool).
///
/// What KML cannot hold: the case evidence and foreign members (save the case as GeoJSON);
/// numeric feature ids (they become text); null properties (left out); arrays and objects
/// (their JSON text); a property whose values mix types across features (all text); heights
/// (the model has none); characters XML forbids (control characters, replaced by U+FFFD).
/// Wherever the Style, TimeSpan or folder would not read back exactly, the property is also
/// written to ExtendedData, which the reader prefers.
pub fn to_string(layer: &Layer) -> String {
    let hrefs: Vec<&str> = layer.overlays.iter().map(|o| o.href.as_str()).collect();
    to_string_with(layer, &hrefs)
}

/// [`to_string`] with the overlays linking `hrefs` (a KMZ's own copies of the pictures).
fn to_string_with(layer: &Layer, hrefs: &[&str]) -> String {
    let written: Vec<Written> = layer.features.iter().map(written).collect();
    let schema = schema(&written);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<kml xmlns=\"http://www.opengis.net/kml/2.2\" xmlns:gx=\"http://www.google.com/kml/ext/2.2\">\n<Document>\n");
    if !layer.name.is_empty() {
        out.push_str(&format!("  <name>{}</name>\n", escape(&layer.name)));
    }
    if !schema.is_empty() {
        out.push_str(&format!("  <Schema name=\"{SCHEMA_ID}\" id=\"{SCHEMA_ID}\">\n"));
        for (name, ty) in &schema {
            out.push_str(&format!("    <SimpleField name=\"{}\" type=\"{ty}\"></SimpleField>\n", escape(name)));
        }
        out.push_str("  </Schema>\n");
    }
    let mut open: Vec<String> = Vec::new();
    for w in written {
        let common = open.iter().zip(&w.folder).take_while(|(a, b)| a == b).count();
        while open.len() > common {
            open.pop();
            out.push_str(&"  ".repeat(open.len() + 1));
            out.push_str("</Folder>\n");
        }
        for name in &w.folder[common..] {
            let indent = "  ".repeat(open.len() + 1);
            out.push_str(&format!("{indent}<Folder>\n{indent}  <name>{}</name>\n", escape(name)));
            open.push(name.clone());
        }
        let mut placemark = w.placemark;
        if !w.data.is_empty() {
            let data = w
                .data
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| Element {
                    name: "SimpleData".into(),
                    attrs: HashMap::from([("name".to_owned(), sanitize(k))]),
                    content: Some(sanitize(&text_of(v))),
                    children: Vec::new(),
                })
                .collect();
            let schema_data = Element {
                name: "SchemaData".into(),
                attrs: HashMap::from([("schemaUrl".to_owned(), format!("#{SCHEMA_ID}"))]),
                content: None,
                children: data,
            };
            let extended = Element { name: "ExtendedData".into(), children: vec![schema_data], ..Element::default() };
            // ExtendedData comes before a gx:Track (a geometry) in KML's order.
            let at = placemark.children.iter().position(|c| c.name == "gx:Track").unwrap_or(placemark.children.len());
            placemark.children.insert(at, extended);
        }
        let mut buf = Vec::new();
        let indent = "  ".repeat(open.len() + 1);
        match KmlWriter::<_, f64>::from_writer(&mut buf).write(&Kml::Placemark(placemark)) {
            Ok(()) => {
                out.push_str(&indent);
                out.push_str(&String::from_utf8_lossy(&buf));
                out.push('\n');
            }
            Err(e) => out.push_str(&format!("{indent}<!-- a feature could not be written: {} -->\n", escape(&e.to_string()).replace("--", "- -"))),
        }
    }
    while open.pop().is_some() {
        out.push_str(&"  ".repeat(open.len() + 1));
        out.push_str("</Folder>\n");
    }
    for (o, href) in layer.overlays.iter().zip(hrefs) {
        overlay::write(&mut out, o, href);
    }
    out.push_str("</Document>\n</kml>\n");
    out
}

/// Saves the layer as KML, atomically.
pub fn save(path: &std::path::Path, layer: &Layer) -> std::io::Result<()> {
    super::save_atomic(path, to_string(layer).as_bytes())
}

/// The layer as a KMZ: [`to_string`]'s KML as `doc.kml`, deflated, with the overlays'
/// pictures as `files/overlay-N.png` (or `.jpg`), stored as they came.
pub fn to_kmz(layer: &Layer) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut hrefs = Vec::with_capacity(layer.overlays.len());
    for (i, o) in layer.overlays.iter().enumerate() {
        match &o.image {
            Some(image) => {
                let ext = if image.encoded.starts_with(&[0xff, 0xd8]) { "jpg" } else { "png" };
                let name = format!("files/overlay-{}.{ext}", i + 1);
                zip.start_file(name.as_str(), stored).map_err(std::io::Error::other)?;
                zip.write_all(&image.encoded)?;
                hrefs.push(name);
            }
            None => hrefs.push(o.href.clone()),
        }
    }
    let hrefs: Vec<&str> = hrefs.iter().map(String::as_str).collect();
    zip.start_file("doc.kml", options).map_err(std::io::Error::other)?;
    zip.write_all(to_string_with(layer, &hrefs).as_bytes())?;
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// Saves the layer as KMZ, atomically.
pub fn save_kmz(path: &std::path::Path, layer: &Layer) -> std::io::Result<()> {
    super::save_atomic(path, &to_kmz(layer)?)
}

struct Written {
    placemark: kml::types::Placemark<f64>,
    data: Vec<(String, Value)>,
    folder: Vec<String>,
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn leaf(name: &str, content: String) -> Element {
    Element { name: name.into(), content: Some(content), ..Element::default() }
}

fn node(name: &str, children: Vec<Element>) -> Element {
    Element { name: name.into(), children, ..Element::default() }
}

/// `#rrggbb` (or `#rgb`) and an opacity in 0..1 to KML's `aabbggrr`.
fn to_kml_colour(css: &str, opacity: Option<&Value>) -> Option<String> {
    let hex = css.trim().strip_prefix('#')?;
    let hex: String = match hex.len() {
        6 => hex.to_owned(),
        3 => hex.chars().flat_map(|c| [c, c]).collect(),
        _ => return None,
    };
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let alpha = match opacity {
        None => 255,
        Some(v) => {
            let o = v.as_f64().filter(|o| (0.0..=1.0).contains(o))?;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let a = (o * 255.0).round() as u8;
            a
        }
    };
    let hex = hex.to_ascii_lowercase();
    Some(format!("{alpha:02x}{}{}{}", &hex[4..6], &hex[2..4], &hex[0..2]))
}

fn style_element(p: &Map<String, Value>) -> Option<Element> {
    let s = |k: &str| p.get(k).and_then(Value::as_str);
    let mut parts = Vec::new();
    let mut line = Vec::new();
    if let Some(c) = s("stroke").and_then(|c| to_kml_colour(c, p.get("stroke-opacity"))) {
        line.push(leaf("color", c));
    }
    if let Some(w) = p.get("stroke-width").filter(|w| w.as_f64().is_some_and(|w| w >= 0.0)) {
        line.push(leaf("width", w.to_string()));
    }
    if !line.is_empty() {
        parts.push(node("LineStyle", line));
    }
    if let Some(c) = s("fill").and_then(|c| to_kml_colour(c, p.get("fill-opacity"))) {
        parts.push(node("PolyStyle", vec![leaf("color", c)]));
    }
    if let Some(c) = s("marker-color").and_then(|c| to_kml_colour(c, None)) {
        parts.push(node("IconStyle", vec![leaf("color", c)]));
    }
    (!parts.is_empty()).then(|| node("Style", parts))
}

fn period_element(period: &str) -> Element {
    match period.split_once('/') {
        None => node("TimeStamp", vec![leaf("when", period.to_owned())]),
        Some((a, b)) => {
            let mut span = Vec::new();
            if !a.is_empty() && a != ".." {
                span.push(leaf("begin", a.to_owned()));
            }
            if !b.is_empty() && b != ".." {
                span.push(leaf("end", b.to_owned()));
            }
            node("TimeSpan", span)
        }
    }
}

fn kml_coord(c: Coord<f64>) -> kml::types::Coord<f64> {
    kml::types::Coord { x: c.x, y: c.y, z: None }
}

fn kml_ring(line: &LineString<f64>) -> kml::types::LinearRing<f64> {
    kml::types::LinearRing { coords: line.0.iter().map(|&c| kml_coord(c)).collect(), tessellate: true, ..Default::default() }
}

fn kml_geometry(g: &Geometry<f64>) -> Option<kml::types::Geometry<f64>> {
    use kml::types::Geometry as K;
    let multi = |parts: Vec<Option<K<f64>>>| {
        let geometries: Vec<K<f64>> = parts.into_iter().flatten().collect();
        (!geometries.is_empty()).then(|| K::MultiGeometry(kml::types::MultiGeometry { geometries, ..Default::default() }))
    };
    let line = |l: &LineString<f64>| {
        (l.0.len() >= 2).then(|| K::LineString(kml::types::LineString { coords: l.0.iter().map(|&c| kml_coord(c)).collect(), tessellate: true, ..Default::default() }))
    };
    let polygon = |p: &Polygon<f64>| {
        (p.exterior().0.len() >= 4).then(|| {
            K::Polygon(kml::types::Polygon {
                outer: kml_ring(p.exterior()),
                inner: p.interiors().iter().map(kml_ring).collect(),
                tessellate: true,
                ..Default::default()
            })
        })
    };
    match g {
        Geometry::Point(p) => Some(K::Point(kml::types::Point { coord: kml_coord(p.0), ..Default::default() })),
        Geometry::Line(l) => line(&LineString(vec![l.start, l.end])),
        Geometry::LineString(l) => line(l),
        Geometry::Polygon(p) => polygon(p),
        Geometry::MultiPoint(m) => multi(m.0.iter().map(|p| kml_geometry(&Geometry::Point(*p))).collect()),
        Geometry::MultiLineString(m) => multi(m.0.iter().map(line).collect()),
        Geometry::MultiPolygon(m) => multi(m.0.iter().map(polygon).collect()),
        Geometry::GeometryCollection(c) => multi(c.0.iter().map(kml_geometry).collect()),
        Geometry::Rect(r) => polygon(&r.to_polygon()),
        Geometry::Triangle(t) => polygon(&t.to_polygon()),
    }
}

/// One feature as a placemark, with the properties left for ExtendedData.
fn written(f: &Feature) -> Written {
    let p = &f.properties.to_map();
    let mut data: Vec<(String, Value)> = Vec::new();
    let mut children = Vec::new();
    let text = |k: &str| p.get(k).map(text_of);

    if let Some(period) = p.get("period") {
        let element = period.as_str().map(period_element);
        let back = element.as_ref().and_then(|e| time_primitive(std::slice::from_ref(e)));
        if let Some(e) = element.filter(|e| !e.children.is_empty()) {
            children.push(e);
        }
        if period.as_str().is_none() || back.as_deref() != period.as_str() {
            data.push(("period".into(), period.clone()));
        }
    }
    if let Some(style) = style_element(p) {
        let back = style_props(&style);
        for k in STYLE_KEYS {
            if let Some(v) = p.get(k)
                && back.props.get(k) != Some(v)
            {
                data.push((k.into(), v.clone()));
            }
        }
        children.push(style);
    } else {
        data.extend(STYLE_KEYS.iter().filter_map(|&k| p.get(k).map(|v| (k.to_owned(), v.clone()))));
    }

    let mut geometry = f.geometry.as_ref().and_then(kml_geometry);
    let mut track = None;
    if let Some(times) = p.get("times") {
        let strings: Option<Vec<&str>> = times.as_array().and_then(|a| a.iter().map(Value::as_str).collect());
        match (&f.geometry, strings) {
            (Some(Geometry::LineString(line)), Some(times)) if times.len() == line.0.len() && line.0.len() >= 2 => {
                let mut parts: Vec<Element> = times.iter().map(|t| leaf("when", sanitize(t))).collect();
                parts.extend(line.0.iter().map(|c| leaf("gx:coord", format!("{} {} 0", c.x, c.y))));
                track = Some(node("gx:Track", parts));
                geometry = None;
            }
            _ => data.push(("times".into(), times.clone())),
        }
    }

    let mut folder = Vec::new();
    if let Some(v) = p.get("folder") {
        folder = v.as_str().map(|s| s.split('/').map(str::trim).filter(|s| !s.is_empty()).map(sanitize).collect()).unwrap_or_default();
        if v.as_str() != Some(folder.join("/").as_str()) || folder.is_empty() {
            data.push(("folder".into(), v.clone()));
        }
    }
    for (k, v) in p {
        if !matches!(k.as_str(), "name" | "description" | "period" | "times" | "folder") && !STYLE_KEYS.contains(&k.as_str()) {
            data.push((k.clone(), v.clone()));
        }
    }
    // Keep the properties' own order in ExtendedData.
    let order: HashMap<&str, usize> = p.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    data.sort_by_key(|(k, _)| order.get(k.as_str()).copied().unwrap_or(usize::MAX));
    if let Some(t) = track {
        children.push(t);
    }

    let mut attrs = HashMap::new();
    if let Some(id) = &f.id {
        attrs.insert("id".to_owned(), sanitize(&id.to_string()));
    }
    let placemark = kml::types::Placemark {
        name: text("name").map(|s| sanitize(&s)),
        description: text("description").map(|s| sanitize(&s)),
        geometry,
        style_url: None,
        attrs,
        children: children.into_iter().map(sanitize_element).collect(),
    };
    Written { placemark, data, folder }
}

fn sanitize_element(mut e: Element) -> Element {
    e.content = e.content.map(|c| sanitize(&c));
    e.children = e.children.into_iter().map(sanitize_element).collect();
    e
}

/// The ExtendedData fields of all features, in first-seen order, each with the KML type its
/// values share (string when they differ).
fn schema(written: &[Written]) -> Vec<(String, &'static str)> {
    let mut fields: Vec<(String, &'static str)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for w in written {
        for (k, v) in &w.data {
            let ty = match v {
                Value::Null => continue,
                Value::Bool(_) => "bool",
                Value::Number(n) if n.is_i64() || n.is_u64() => "int",
                Value::Number(_) => "double",
                _ => "string",
            };
            match at.get(k) {
                None => {
                    at.insert(k.clone(), fields.len());
                    fields.push((k.clone(), ty));
                }
                Some(&i) => {
                    let old = fields[i].1;
                    fields[i].1 = match (old, ty) {
                        (a, b) if a == b => a,
                        ("int" | "double", "int" | "double") => "double",
                        _ => "string",
                    };
                }
            }
        }
    }
    fields
}
