//! Builds a case from CSV tables, the form researchers keep their notes in.
//!
//! A tables directory holds `case.json` (title, description), `sources.csv`, `vessels.csv`,
//! `events.csv`, `sites.csv`, `routes.csv`, `route_waypoints.csv` and optionally
//! `areas.geojson`. The columns are those of `sample_data/tables/` (see its README). Known
//! columns become the case format's fields; every other non-empty column is kept as a property,
//! split into a list when its name ends in `_ids` or `_files` (`;`-separated). `alt_names`
//! are `|`-separated. CSV coordinates are `lat, lon`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo::{Geometry, LineString, Point};
use serde_json::{Map, Value};

use crate::model::{Case, Event, Feature, FeatureId, Figure, Layer, Source, Vessel};

#[derive(Debug, thiserror::Error)]
pub enum TablesError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{}, line {line}: {message}", path.display())]
    Row { path: PathBuf, line: u64, message: String },
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
}

/// One CSV row: the columns in header order, with their line for messages.
struct Row {
    cells: Vec<(String, String)>,
    line: u64,
}

impl Row {
    /// Removes a column and returns its trimmed value ("" when absent).
    fn take(&mut self, column: &str) -> String {
        match self.cells.iter().position(|(c, _)| c == column) {
            Some(i) => self.cells.remove(i).1.trim().to_owned(),
            None => String::new(),
        }
    }

    fn take_opt(&mut self, column: &str) -> Option<String> {
        Some(self.take(column)).filter(|s| !s.is_empty())
    }

    fn take_list(&mut self, column: &str, sep: char) -> Vec<String> {
        split(&self.take(column), sep)
    }

    /// Every column not taken yet, as properties.
    fn rest(self) -> Map<String, Value> {
        let mut map = Map::new();
        for (column, value) in self.cells {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let v = if column.ends_with("_ids") || column.ends_with("_files") {
                Value::from(split(value, ';'))
            } else {
                Value::from(value)
            };
            map.insert(column, v);
        }
        map
    }
}

fn split(s: &str, sep: char) -> Vec<String> {
    s.split(sep).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn read_csv(dir: &Path, name: &str) -> Result<Vec<Row>, TablesError> {
    let path = dir.join(name);
    let csv_err = |source| TablesError::Csv { path: path.clone(), source };
    let mut reader = csv::Reader::from_path(&path).map_err(csv_err)?;
    let headers: Vec<String> = reader.headers().map_err(csv_err)?.iter().map(|h| h.trim().to_owned()).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_err)?;
        let line = record.position().map_or(0, |p| p.line());
        let cells = headers.iter().cloned().zip(record.iter().map(str::to_owned)).collect();
        rows.push(Row { cells, line });
    }
    Ok(rows)
}

/// A number as JSON, written without a fraction when it has none (`600`, not `600.0`).
fn json_number(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 1e15 { Value::from(v as i64) } else { Value::from(v) }
}

fn number(path: &Path, row: &Row, column: &str, text: &str) -> Result<f64, TablesError> {
    text.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| TablesError::Row {
        path: path.to_owned(),
        line: row.line,
        message: format!("{column} {text:?} is not a number"),
    })
}

/// Reads the tables in `dir` into a case layer.
pub fn read_dir(dir: &Path) -> Result<Layer, TablesError> {
    let meta_path = dir.join("case.json");
    let meta_text = std::fs::read_to_string(&meta_path).map_err(|source| TablesError::Io { path: meta_path.clone(), source })?;
    let mut case: Case = serde_json::from_str(&meta_text)
        .map_err(|e| TablesError::File { path: meta_path.clone(), message: e.to_string() })?;
    case.version = Case::VERSION;
    let sources_path = dir.join("sources.csv");
    case.sources = read_csv(dir, "sources.csv")?.into_iter().map(|r| source(&sources_path, r)).collect::<Result<_, _>>()?;
    case.vessels = read_csv(dir, "vessels.csv")?.into_iter().map(vessel).collect();
    case.events = read_csv(dir, "events.csv")?.into_iter().map(event).collect();

    let mut features = sites(dir, &case.events)?;
    features.extend(areas(dir)?);
    features.extend(routes(dir)?);
    Ok(Layer { name: String::new(), features, case: Some(case), foreign: Map::new(), overlays: Vec::new() })
}

fn source(path: &Path, mut r: Row) -> Result<Source, TablesError> {
    let bytes = r.take("saved_copy_bytes");
    let saved_copy_bytes = match bytes.as_str() {
        "" => None,
        text => Some(text.parse::<u64>().map_err(|_| TablesError::Row {
            path: path.to_owned(),
            line: r.line,
            message: format!("saved_copy_bytes {text:?} is not a whole number of bytes"),
        })?),
    };
    Ok(Source {
        id: r.take("source_id"),
        kind: r.take("kind"),
        publisher: r.take("publisher"),
        title: r.take("title"),
        date: r.take("date"),
        url: r.take("url"),
        archive_url: r.take_opt("archive_url"),
        retrieved: r.take_opt("retrieved"),
        sha256: r.take_opt("sha256"),
        saved_copy: r.take_opt("saved_copy"),
        saved_copy_bytes,
        saved_copy_type: r.take_opt("saved_copy_type"),
        extra: r.rest(),
    })
}

fn vessel(mut r: Row) -> Vessel {
    Vessel {
        id: r.take("vessel_id"),
        name: r.take("name"),
        alt_names: r.take_list("alt_names", '|'),
        imo: r.take_opt("imo"),
        mmsi: r.take_opt("mmsi"),
        call_sign: r.take_opt("call_sign"),
        flag: r.take_opt("flag"),
        vessel_type: r.take_opt("vessel_type"),
        owners: r.take_opt("owner_operator_reported"),
        sanctions: r.take_opt("sanctions_reported"),
        ais_behaviour: r.take_opt("ais_behaviour"),
        source_ids: r.take_list("source_ids", ';'),
        extra: r.rest(),
    }
}

fn event(mut r: Row) -> Event {
    let value = r.take("figure_value");
    let figure = (!value.is_empty()).then(|| Figure {
        value: value.parse::<f64>().map_or_else(|_| Value::from(value.as_str()), json_number),
        unit: r.take("figure_unit"),
        qualifier: r.take("figure_qualifier"),
    });
    Event {
        id: r.take("event_id"),
        date_start: r.take("date_start"),
        date_end: r.take_opt("date_end"),
        date_precision: r.take("date_precision"),
        kind: r.take("kind"),
        title: r.take("title"),
        summary: r.take("summary"),
        site_ids: r.take_list("site_ids", ';'),
        vessel_ids: r.take_list("vessel_ids", ';'),
        source_ids: r.take_list("source_ids", ';'),
        evidence_types: r.take_list("evidence_type", ';'),
        imagery_provider: r.take_opt("imagery_provider"),
        image_dates: r.take_list("image_dates", ';'),
        figure,
        confidence: r.take_opt("confidence"),
        extra: {
            // figure_unit and figure_qualifier were taken above when there is a figure.
            r.take("figure_unit");
            r.take("figure_qualifier");
            r.rest()
        },
    }
}

fn sites(dir: &Path, events: &[Event]) -> Result<Vec<Feature>, TablesError> {
    let path = dir.join("sites.csv");
    let mut events_at: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in events {
        for site in &e.site_ids {
            events_at.entry(site.as_str()).or_default().push(e.id.as_str());
        }
    }
    let mut features = Vec::new();
    for mut r in read_csv(dir, "sites.csv")? {
        let id = r.take("site_id");
        let lat = r.take("lat");
        let lat = number(&path, &r, "lat", &lat)?;
        let lon = r.take("lon");
        let lon = number(&path, &r, "lon", &lon)?;
        let mut p = Map::new();
        p.insert("id".into(), id.clone().into());
        p.insert("kind".into(), "site".into());
        p.insert("name".into(), r.take("name").into());
        p.insert("alt_names".into(), r.take_list("alt_names", '|').into());
        if let Some(precision) = r.take_opt("precision_m") {
            p.insert("precision_m".into(), json_number(number(&path, &r, "precision_m", &precision)?));
        }
        p.insert("source_ids".into(), r.take_list("report_source_ids", ';').into());
        let image_dates = r.take_list("image_dates_reported", ';');
        if !image_dates.is_empty() {
            p.insert("image_dates".into(), image_dates.into());
        }
        let event_ids = events_at.get(id.as_str()).cloned().unwrap_or_default();
        p.insert("event_ids".into(), event_ids.into());
        p.extend(r.rest());
        features.push(Feature {
            id: Some(FeatureId::Text(id)),
            geometry: Some(Geometry::Point(Point::new(lon, lat))),
            properties: p.into(),
            foreign: Map::new(),
        });
    }
    Ok(features)
}

fn areas(dir: &Path) -> Result<Vec<Feature>, TablesError> {
    let path = dir.join("areas.geojson");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let loaded = super::read_path(&path).map_err(|e| TablesError::File { path: path.clone(), message: e.to_string() })?;
    if let Some(d) = loaded.diagnostics.first() {
        return Err(TablesError::File { path, message: d.to_string() });
    }
    Ok(loaded.layer.features)
}

fn routes(dir: &Path) -> Result<Vec<Feature>, TablesError> {
    let wp_path = dir.join("route_waypoints.csv");
    let mut waypoints: BTreeMap<String, Vec<(u64, geo::Coord)>> = BTreeMap::new();
    for mut r in read_csv(dir, "route_waypoints.csv")? {
        let route = r.take("route_id");
        let seq = r.take("seq");
        let seq = number(&wp_path, &r, "seq", &seq)? as u64;
        let lat = r.take("lat");
        let lat = number(&wp_path, &r, "lat", &lat)?;
        let lon = r.take("lon");
        let lon = number(&wp_path, &r, "lon", &lon)?;
        waypoints.entry(route).or_default().push((seq, geo::Coord { x: lon, y: lat }));
    }
    let path = dir.join("routes.csv");
    let mut features = Vec::new();
    for mut r in read_csv(dir, "routes.csv")? {
        let id = r.take("route_id");
        let Some(mut points) = waypoints.remove(&id).filter(|w| w.len() >= 2) else {
            return Err(TablesError::Row { path, line: r.line, message: format!("route {id} has fewer than 2 waypoints") });
        };
        points.sort_by_key(|(seq, _)| *seq);
        let mode = r.take("mode");
        let kind = match mode.as_str() {
            "sea" => "sea_route",
            "rail" => "rail_corridor",
            _ => "route",
        };
        let status = r.take("status");
        let mut p = Map::new();
        p.insert("id".into(), id.clone().into());
        p.insert("kind".into(), kind.into());
        p.insert("name".into(), r.take("name").into());
        p.insert("mode".into(), mode.into());
        // The case format knows four statuses. The research tables refine them
        // ("schematic_context") or say "indicative" for lines drawn between known points,
        // which the format calls inferred; the table's wording is kept as status_detail.
        let base = ["observed", "reported", "schematic", "inferred"]
            .into_iter()
            .find(|s| status.starts_with(s))
            .or(status.starts_with("indicative").then_some("inferred"));
        match base {
            Some(base) if base != status => {
                p.insert("status".into(), base.into());
                p.insert("status_detail".into(), status.into());
            }
            _ => {
                p.insert("status".into(), status.into());
            }
        }
        if let Some(ais) = r.take_opt("ais") {
            p.insert("ais".into(), ais.into());
        }
        if let Some(period) = r.take_opt("period") {
            p.insert("period".into(), period.replace("..", "/").into());
        }
        if let Some(length) = r.take_opt("length_km") {
            p.insert("length_km".into(), json_number(number(&path, &r, "length_km", &length)?));
        }
        p.extend(r.rest());
        let line = LineString(points.into_iter().map(|(_, c)| c).collect());
        features.push(Feature {
            id: Some(FeatureId::Text(id)),
            geometry: Some(Geometry::LineString(line)),
            properties: p.into(),
            foreign: Map::new(),
        });
    }
    if let Some(orphan) = waypoints.keys().next() {
        return Err(TablesError::File { path: wp_path, message: format!("waypoints for unknown route {orphan}") });
    }
    Ok(features)
}
