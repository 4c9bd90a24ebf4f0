//! CSV, TSV and "Unicode text" tables of places, as spreadsheets save them.
//!
//! * Encoding: UTF-8 with or without a BOM, UTF-16 (Excel's "Unicode text"), and lines in a
//!   legacy code page, each named (see `text`).
//! * The separator (`,` `;` tab `|`) is detected from the first lines, and Excel's `sep=;`
//!   line is understood. With `;`, decimal commas (`42,2294`) are the rule.
//! * The position comes from a WKT column (`wkt`, `geometry`, `geom`, `the_geom`, `shape`, or
//!   any column whose first value is WKT), else from latitude and longitude columns found by
//!   name in common spellings and a few languages (`lat`, `latitude`, `y`, `lon`, `lng`,
//!   `long`, `x`, `Breite`, `Länge`, `широта`, `долгота`, `위도`, `경도`, …), else from one
//!   `coordinates` column holding "lat, lon" as Google Maps copies it. [`Options`] lets the
//!   user choose the columns instead; [`sniff`] shows what would be chosen.
//! * Values in decimal degrees or degrees-minutes-seconds (`42°13'46"N`, `42 13 46 N`,
//!   `N42°13.77'`, `130d17m08sE`), with hemisphere letters or signs.
//! * Every other column becomes a property; a column whose values are all plain numbers is
//!   numeric. A date column (`date`, `datum`, `fecha`, `дата`, …) or a start/end pair with
//!   ISO or `DD.MM.YYYY` dates gives `period`.
//! * A row that cannot be placed is skipped with an error naming its line; the rest loads.
//!   Latitudes out of range whose longitude would fit are taken as swapped, with a warning.
//! * A file cut short keeps its complete rows; the error names the place of the cut and the
//!   rows kept, and a cut last row is kept only when its position is whole.

use std::collections::HashMap;

use geo::orient::{Direction, Orient};
use geo::{Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde_json::{Map, Value};

use super::{Diagnostic, Loaded, Place, ReadError, check_lon_lat, text};
use crate::model::{Feature, Layer};

/// Longer lines are skipped (or refused, for the header): a table line of this size is a
/// sign of a file that is not a table, and bounds the memory one record takes.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Columns in one table.
const MAX_COLUMNS: usize = 10_000;

/// Problems with rows listed one by one before the rest are only counted.
const MAX_ROWS_LISTED: usize = 100;

/// How to read a table; by default everything is detected.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The field separator (`b','`, `b';'`, `b'\t'`, `b'|'`); detected when `None`.
    pub delimiter: Option<u8>,
    /// Header of the latitude column (case and surrounding spaces ignored).
    pub latitude: Option<String>,
    /// Header of the longitude column.
    pub longitude: Option<String>,
    /// Header of a WKT geometry column.
    pub wkt: Option<String>,
}

impl Options {
    /// The defaults for a file extension: `.tsv` is tab-separated.
    pub fn for_extension(ext: &str) -> Self {
        Options { delimiter: ext.eq_ignore_ascii_case("tsv").then_some(b'\t'), ..Options::default() }
    }
}

/// What [`read_bytes_with`] would make of a table: its separator, columns and the columns
/// that would place the rows (indexes into `columns`).
#[derive(Clone, Debug, PartialEq)]
pub struct Sniffed {
    pub delimiter: u8,
    pub columns: Vec<String>,
    pub latitude: Option<usize>,
    pub longitude: Option<usize>,
    pub wkt: Option<usize>,
    pub coordinates: Option<usize>,
}

/// Reads a table with everything detected.
pub fn read_bytes(bytes: &[u8]) -> Result<Loaded, ReadError> {
    read_bytes_with(bytes, &Options::default())
}

/// Reads a table from text.
pub fn read_str(text: &str) -> Result<Loaded, ReadError> {
    read_text(text, &Options::default(), Vec::new())
}

/// Reads a table with the given options.
pub fn read_bytes_with(bytes: &[u8], options: &Options) -> Result<Loaded, ReadError> {
    let mut diagnostics = Vec::new();
    let text = text::decode(bytes, "CSV", &mut diagnostics)?;
    read_text(&text, options, diagnostics)
}

/// The separator, columns and chosen position columns of a table, for a dialog.
pub fn sniff(bytes: &[u8]) -> Result<Sniffed, ReadError> {
    let mut diagnostics = Vec::new();
    let text = text::decode(bytes, "CSV", &mut diagnostics)?;
    let table = Table::prepare(&text, &Options::default(), &mut diagnostics)?;
    let roles = Roles::find(&table.columns, &Options::default(), &table.first_values)?;
    Ok(Sniffed {
        delimiter: table.delimiter,
        columns: table.columns,
        latitude: roles.lat,
        longitude: roles.lon,
        wkt: roles.wkt,
        coordinates: roles.coordinates,
    })
}

fn not_table(message: impl Into<String>) -> ReadError {
    ReadError::NotFormat { format: "a table of places", message: message.into() }
}

/// The text ready for the csv crate, with what is known before reading the rows.
struct Table<'t> {
    body: std::borrow::Cow<'t, str>,
    /// Lines before `body` (a `sep=` line).
    line_offset: usize,
    delimiter: u8,
    columns: Vec<String>,
    /// The first non-empty value of each column, to recognise WKT.
    first_values: Vec<Option<String>>,
}

impl<'t> Table<'t> {
    fn prepare(text: &'t str, options: &Options, diagnostics: &mut Vec<Diagnostic>) -> Result<Table<'t>, ReadError> {
        if text.trim().is_empty() {
            return Err(ReadError::Empty);
        }
        let mut body = text;
        let mut line_offset = 0;
        let mut delimiter = options.delimiter;
        // Excel writes "sep=;" as a first line to name the separator.
        if let Some(first) = body.lines().next()
            && let Some(sep) = first.trim().strip_prefix("sep=")
            && sep.len() == 1
        {
            delimiter = delimiter.or(sep.bytes().next());
            body = body.split_once('\n').map_or("", |(_, rest)| rest);
            line_offset = 1;
        }
        let first_len = body.find('\n').unwrap_or(body.len());
        if first_len > MAX_LINE_BYTES {
            let what = if first_len == body.len() { " with no line break" } else { "" };
            return Err(not_table(format!(
                "the first line is {first_len} bytes long{what}; a header line has a limit of {} MiB. Is this a table?",
                MAX_LINE_BYTES >> 20
            )));
        }
        let body = drop_long_lines(body, line_offset, diagnostics);
        let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(&body));
        let mut reader = reader(&body, delimiter);
        let mut records = reader.records();
        let header = match records.next() {
            Some(Ok(r)) => r,
            _ => return Err(not_table("no header line")),
        };
        if header.len() > MAX_COLUMNS {
            return Err(not_table(format!("the header has {} columns; the limit is {MAX_COLUMNS}", header.len())));
        }
        let columns = column_names(&header);
        let mut first_values: Vec<Option<String>> = vec![None; columns.len()];
        for record in records.take(20).flatten() {
            for (i, v) in record.iter().enumerate().take(columns.len()) {
                if first_values[i].is_none() && !v.trim().is_empty() {
                    first_values[i] = Some(v.trim().to_owned());
                }
            }
        }
        Ok(Table { body, line_offset, delimiter, columns, first_values })
    }
}

fn reader(body: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(body.as_bytes())
}

/// Blanks lines longer than [`MAX_LINE_BYTES`] (keeping the line count), with an error each.
fn drop_long_lines<'t>(body: &'t str, line_offset: usize, diagnostics: &mut Vec<Diagnostic>) -> std::borrow::Cow<'t, str> {
    if body.len() <= MAX_LINE_BYTES || !body.split('\n').any(|l| l.len() > MAX_LINE_BYTES) {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len());
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.len() > MAX_LINE_BYTES {
            diagnostics.push(Diagnostic::error(
                Place::Text { line: i + 1 + line_offset, column: 1 },
                format!("this line is {} bytes long, over the limit of {} MiB; skipped", line.len(), MAX_LINE_BYTES >> 20),
            ));
        } else {
            out.push_str(line);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The separator that splits the first lines into the same number of fields most often.
fn detect_delimiter(body: &str) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut lines: Vec<[usize; 4]> = Vec::new();
    let mut in_quotes = false;
    for line in body.lines().filter(|l| !l.trim().is_empty()).take(50) {
        let mut counts = [0usize; 4];
        for b in line.bytes() {
            if b == b'"' {
                in_quotes = !in_quotes;
            } else if !in_quotes && let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
        lines.push(counts);
    }
    let Some(header) = lines.first().copied() else { return b',' };
    let mut best = (b',', 0usize, 0usize);
    for (i, &c) in CANDIDATES.iter().enumerate() {
        if header[i] == 0 {
            continue;
        }
        let same = lines.iter().filter(|counts| counts[i] == header[i]).count();
        if (same, header[i]) > (best.1, best.2) {
            best = (c, same, header[i]);
        }
    }
    best.0
}

fn column_names(header: &csv::StringRecord) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = h.trim();
            let mut name = if h.is_empty() {
                format!("column_{}", i + 1)
            } else if h.eq_ignore_ascii_case("name") || h.eq_ignore_ascii_case("description") {
                h.to_ascii_lowercase()
            } else {
                h.to_owned()
            };
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                name = format!("{name}_{n}");
            }
            name
        })
        .collect()
}

/// A header reduced for matching: lower case, no units in brackets, no separators.
fn normalise(header: &str) -> String {
    let h = header.trim().to_lowercase();
    let h = h.split(['(', '[']).next().unwrap_or("").trim();
    h.chars().filter(|c| c.is_alphanumeric()).collect()
}

const LAT_NAMES: &[&str] = &[
    "lat", "latitude", "y", "ycoord", "ycoordinate", "pointy", "latdd", "latdeg", "latwgs84", "latitudewgs84", "latitudedd",
    "latdec", "latitudedecimal", "decimallatitude", "breite", "breitengrad", "latitud", "latitudine", "широта", "위도",
    "纬度", "緯度", "enlem", "szerokość", "szerokosc", "leveysaste", "breddegrad", "breedtegraad",
];
const LON_NAMES: &[&str] = &[
    "lon", "lng", "long", "longitude", "x", "xcoord", "xcoordinate", "pointx", "londd", "londeg", "lonwgs84", "longdd",
    "longitudewgs84", "longitudedd", "londec", "longitudedecimal", "decimallongitude", "länge", "laenge", "längengrad",
    "laengengrad", "longitud", "longitudine", "долгота", "경도", "经度", "経度", "boylam", "długość", "dlugosc",
    "pituusaste", "lengdegrad", "længdegrad", "lengtegraad",
];
const WKT_NAMES: &[&str] = &["wkt", "geometry", "geom", "thegeom", "shape", "wktgeom", "geometrie", "geometría", "геометрия"];
const COORDINATE_NAMES: &[&str] = &[
    "coordinates", "coords", "coordinate", "latlon", "latlng", "latlong", "location", "position", "koordinaten", "coordenadas",
    "coordonnées", "coordonnees", "координаты", "좌표", "坐标", "座標",
];
const DATE_NAMES: &[&str] = &[
    "date", "datetime", "timestamp", "time", "when", "day", "datum", "fecha", "data", "дата", "날짜", "日期", "日付", "dateobserved",
    "observationdate", "observed", "imagerydate",
];
const NAME_NAMES: &[&str] = &[
    "title", "label", "port", "portname", "site", "sitename", "place", "placename", "station", "stationname", "locationname",
    "hafen", "ort", "nameen", "название", "имя", "nom", "nombre", "nome", "이름", "명칭", "名称", "名前", "haven", "puerto", "порт",
];
const START_NAMES: &[&str] = &["start", "startdate", "datestart", "begin", "from", "datefrom", "since", "von", "début", "debut", "inicio", "начало"];
const END_NAMES: &[&str] = &["end", "enddate", "dateend", "to", "until", "dateto", "bis", "fin", "конец"];

/// Which columns place the rows and date them.
#[derive(Debug, Default)]
struct Roles {
    lat: Option<usize>,
    lon: Option<usize>,
    wkt: Option<usize>,
    coordinates: Option<usize>,
    date: Option<usize>,
    start: Option<usize>,
    end: Option<usize>,
}

impl Roles {
    fn find(columns: &[String], options: &Options, first_values: &[Option<String>]) -> Result<Roles, ReadError> {
        let norm: Vec<String> = columns.iter().map(|c| normalise(c)).collect();
        let by_name = |names: &[&str]| norm.iter().position(|n| names.contains(&n.as_str()));
        let chosen = |name: &Option<String>| -> Result<Option<usize>, ReadError> {
            let Some(name) = name else { return Ok(None) };
            match columns.iter().position(|c| c.trim().eq_ignore_ascii_case(name.trim())) {
                Some(i) => Ok(Some(i)),
                None => Err(not_table(format!("there is no column {name:?}; the columns are {}", list(columns)))),
            }
        };
        let mut roles = Roles {
            lat: chosen(&options.latitude)?,
            lon: chosen(&options.longitude)?,
            wkt: chosen(&options.wkt)?,
            ..Roles::default()
        };
        let user_chose = roles.lat.is_some() || roles.lon.is_some() || roles.wkt.is_some();
        if !user_chose {
            // Named latitude/longitude before x/y, which are often projected metres.
            let named = |names: &[&str], xy: &str| {
                norm.iter().position(|n| names.contains(&n.as_str()) && n != xy).or_else(|| by_name(names))
            };
            roles.lat = named(LAT_NAMES, "y");
            roles.lon = named(LON_NAMES, "x");
            roles.wkt = by_name(WKT_NAMES).or_else(|| {
                first_values.iter().position(|v| v.as_deref().is_some_and(wkt::looks_like))
            });
            if roles.lat.is_none() || roles.lon.is_none() {
                roles.coordinates = by_name(COORDINATE_NAMES);
            }
        }
        if roles.lat.is_some() != roles.lon.is_some() && roles.wkt.is_none() {
            let (has, lacks) = if roles.lat.is_some() { ("latitude", "longitude") } else { ("longitude", "latitude") };
            return Err(not_table(format!("there is a {has} column but no {lacks} column; the columns are {}", list(columns))));
        }
        if roles.lat.is_none() && roles.wkt.is_none() && roles.coordinates.is_none() {
            return Err(not_table(format!(
                "no latitude and longitude columns and no WKT column among {}; name them lat and lon, or choose them",
                list(columns)
            )));
        }
        let used = [roles.lat, roles.lon, roles.wkt, roles.coordinates];
        let free = |i: &usize| !used.contains(&Some(*i));
        roles.date = (0..norm.len()).filter(free).find(|&i| DATE_NAMES.contains(&norm[i].as_str()));
        roles.start = (0..norm.len()).filter(free).find(|&i| START_NAMES.contains(&norm[i].as_str()));
        roles.end = (0..norm.len()).filter(free).find(|&i| END_NAMES.contains(&norm[i].as_str()));
        Ok(roles)
    }
}

fn list(columns: &[String]) -> String {
    let mut s: Vec<String> = columns.iter().take(20).map(|c| format!("{c:?}")).collect();
    if columns.len() > 20 {
        s.push(format!("and {} more", columns.len() - 20));
    }
    s.join(", ")
}

struct Row {
    geometry: Geometry<f64>,
    values: Vec<String>,
}

fn read_text(text: &str, options: &Options, mut diagnostics: Vec<Diagnostic>) -> Result<Loaded, ReadError> {
    let table = Table::prepare(text, options, &mut diagnostics)?;
    let roles = Roles::find(&table.columns, options, &table.first_values)?;
    let columns = &table.columns;
    let mut reader = reader(&table.body, table.delimiter);
    let mut lines = text::Lines::new(&table.body);
    let mut records = reader.records().peekable();
    records.next(); // the header
    let open_quote = unclosed_quote(table.body.as_bytes());
    // Where the text ends inside its last row, and whether that row was kept.
    let mut cut: Option<(Place, String, bool)> = None;
    let mut rows: Vec<Row> = Vec::new();
    let mut listed = 0usize;
    let mut more = 0usize;
    let mut report = |diagnostics: &mut Vec<Diagnostic>, d: Diagnostic| {
        if listed < MAX_ROWS_LISTED {
            listed += 1;
            diagnostics.push(d);
        } else {
            more += 1;
        }
    };
    while let Some(record) = records.next() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = line_of(&mut lines, table.body.as_bytes(), e.position()) + table.line_offset;
                report(&mut diagnostics, Diagnostic::error(Place::Text { line: line.max(1), column: 1 }, format!("the table cannot be read past here: {e}")));
                break;
            }
        };
        let line = line_of(&mut lines, table.body.as_bytes(), record.position()) + table.line_offset;
        let place = Place::Text { line, column: 1 };
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        // A file cut short ends inside its last row: inside a quoted value, or with no line
        // break after it and fewer fields than the header. Its last field may be cut too, so
        // the row is kept only when its position lies in the fields before that one.
        if records.peek().is_none() && (open_quote.is_some() || !table.body.ends_with('\n') && record.len() < columns.len()) {
            let (line, column) = lines.line_column(table.body.len());
            let what = match open_quote {
                Some(at) => format!("inside a quoted value that starts on line {}", lines.line_column(at).0 + table.line_offset),
                None => format!("after {} of the {} fields of this row", record.len(), columns.len()),
            };
            let position = [roles.wkt, roles.lat, roles.lon, roles.coordinates];
            let kept = !position.iter().flatten().any(|&i| i + 1 >= record.len());
            cut = Some((Place::Text { line: line + table.line_offset, column }, what, kept));
            if !kept {
                continue;
            }
        }
        if record.len() > columns.len() && record.iter().skip(columns.len()).any(|v| !v.trim().is_empty()) {
            report(&mut diagnostics, Diagnostic::warning(
                place.clone(),
                format!("this row has {} fields, the header {}; the extra fields were ignored", record.len(), columns.len()),
            ));
        }
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).map(str::trim).filter(|v| !v.is_empty());
        let mut warnings = Vec::new();
        let geometry = match (cell(roles.wkt), cell(roles.lat), cell(roles.lon), cell(roles.coordinates)) {
            (Some(w), ..) => wkt::parse(w, &mut warnings),
            (None, Some(lat), Some(lon), _) => lat_lon(lat, lon, &mut warnings),
            (None, _, _, Some(pair)) => coordinate_pair(pair, &mut warnings),
            (None, Some(_), None, _) | (None, None, Some(_), _) => Err("only one of latitude and longitude is given".to_owned()),
            (None, None, None, _) => Err("no coordinates".to_owned()),
        };
        for w in warnings {
            report(&mut diagnostics, Diagnostic::warning(place.clone(), w));
        }
        match geometry {
            Ok(geometry) => {
                let values = (0..columns.len()).map(|i| record.get(i).unwrap_or("").to_owned()).collect();
                rows.push(Row { geometry, values });
            }
            Err(message) => report(&mut diagnostics, Diagnostic::error(place, format!("row skipped: {message}"))),
        }
    }
    if more > 0 {
        diagnostics.push(Diagnostic::warning(Place::File, format!("{more} more rows had problems like those above")));
    }
    match cut {
        Some((place, what, kept)) => {
            let skipped = if kept { "" } else { "row skipped: " };
            let message = super::cut_message(&format!("{skipped}the file ends {what}"), rows.len());
            diagnostics.push(Diagnostic::error(place, message));
        }
        None => {
            if let Some(open) = open_quote {
                let line = lines.line_column(open).0 + table.line_offset;
                let message = "the file ends inside a quoted value that starts on this line; is it truncated?";
                diagnostics.push(Diagnostic::error(Place::Text { line, column: 1 }, message));
            }
        }
    }
    let layer = Layer { features: features(rows, columns, &roles, table.delimiter == b';', &mut diagnostics), ..Layer::default() };
    super::sort_by_place(&mut diagnostics);
    if layer.features.is_empty() && !diagnostics.iter().any(|d| d.severity == super::Severity::Error) {
        diagnostics.push(Diagnostic::warning(Place::File, "the table has a header but no rows"));
    }
    Ok(Loaded { layer, diagnostics })
}

/// Where the quoted value the text ends inside starts, if it does (`""` inside quotes is an
/// escaped quote and toggles twice).
fn unclosed_quote(body: &[u8]) -> Option<usize> {
    let mut open = None;
    for (i, &b) in body.iter().enumerate() {
        if b == b'"' {
            open = if open.is_some() { None } else { Some(i) };
        }
    }
    open
}

/// The line a record starts on. The csv crate's own line count goes wrong after CRLF line
/// ends, and its byte offset points at the line end before the record (or before the blank
/// lines it skipped), so the offset is moved past those first.
fn line_of(lines: &mut text::Lines<'_>, body: &[u8], position: Option<&csv::Position>) -> usize {
    let mut at = position.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX)).min(body.len());
    while at < body.len() && matches!(body[at], b'\r' | b'\n') {
        at += 1;
    }
    lines.line_column(at).0
}

/// Rows to features: every column not used for the position is a property, numeric when all
/// its values are plain numbers; dates give `period`.
fn features(rows: Vec<Row>, columns: &[String], roles: &Roles, decimal_comma: bool, diagnostics: &mut Vec<Diagnostic>) -> Vec<Feature> {
    let geometry_columns = [roles.lat, roles.lon, roles.wkt, roles.coordinates];
    let number = |v: &str| {
        plain_number(v).or_else(|| {
            // "16,5" in a semicolon-separated table from a decimal-comma locale.
            let (int, frac) = v.split_once(',').filter(|_| decimal_comma)?;
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            (digits(int.trim_start_matches('-')) && digits(frac)).then(|| plain_number(&format!("{int}.{frac}"))).flatten()
        })
    };
    let numeric: Vec<bool> = (0..columns.len())
        .map(|i| {
            let mut values = rows.iter().map(|r| r.values[i].trim()).filter(|v| !v.is_empty()).peekable();
            values.peek().is_some() && values.all(|v| number(v).is_some())
        })
        .collect();
    let dated = |i: Option<usize>| i.filter(|&i| rows.iter().any(|r| iso_date(&r.values[i]).is_some()));
    let (mut date, start, end) = (dated(roles.date), dated(roles.start), dated(roles.end));
    if date.is_none() && start.is_none() && end.is_none() {
        // No date column by name: one column holding only full dates ("Last call") will do.
        let full_dates: Vec<usize> = (0..columns.len())
            .filter(|i| !geometry_columns.contains(&Some(*i)))
            .filter(|&i| {
                let mut values = rows.iter().map(|r| r.values[i].trim()).filter(|v| !v.is_empty()).peekable();
                values.peek().is_some() && values.all(|v| v.len() >= 7 && iso_date(v).is_some())
            })
            .collect();
        if let [only] = full_dates[..] {
            date = Some(only);
            diagnostics.push(Diagnostic::info(Place::File, format!("the dates in the column {:?} give each row its period", columns[only])));
        }
    }
    // Labels on the map come from `name`: a "Port" or "Hafen" column gives it.
    let name = if columns.iter().any(|c| c == "name") {
        None
    } else {
        (0..columns.len()).find(|&i| !geometry_columns.contains(&Some(i)) && NAME_NAMES.contains(&normalise(&columns[i]).as_str()))
    };
    if let Some(i) = name {
        diagnostics.push(Diagnostic::info(Place::File, format!("the column {:?} gives the names", columns[i])));
    }
    rows.into_iter()
        .map(|row| {
            let mut properties = Map::new();
            if let Some(v) = name.map(|i| row.values[i].trim()).filter(|v| !v.is_empty()) {
                properties.insert("name".into(), v.into());
            }
            for (i, v) in row.values.iter().enumerate() {
                if geometry_columns.contains(&Some(i)) {
                    continue;
                }
                let v = v.trim();
                if v.is_empty() {
                    continue;
                }
                let value = if numeric[i] { number(v).unwrap_or_else(|| v.into()) } else { Value::from(v) };
                properties.insert(columns[i].clone(), value);
            }
            let at = |i: Option<usize>| i.and_then(|i| iso_date(&row.values[i]));
            let period = match (at(start), at(end)) {
                (Some(a), Some(b)) if a != b => Some(format!("{a}/{b}")),
                (Some(a), Some(_)) => Some(a),
                (Some(a), None) => Some(format!("{a}/..")),
                (None, Some(b)) => Some(format!("../{b}")),
                (None, None) => at(date),
            };
            if let Some(p) = period {
                properties.entry("period").or_insert(p.into());
            }
            Feature { geometry: Some(row.geometry), properties: properties.into(), ..Feature::default() }
        })
        .collect()
}

/// A number written as JSON would write it back (`16.5`, `8`, `-3`): not `007`, `1.10`, `1e5`.
fn plain_number(s: &str) -> Option<Value> {
    if let Ok(i) = s.parse::<i64>() {
        return (i.to_string() == s).then(|| Value::from(i));
    }
    let f = s.parse::<f64>().ok().filter(|f| f.is_finite())?;
    let n = serde_json::Number::from_f64(f)?;
    (n.to_string() == s).then_some(Value::Number(n))
}

/// A date as ISO 8601: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, with a time (`T` or a space) and zone;
/// also `DD.MM.YYYY` and `YYYY/MM/DD`. Other forms (`03/04/2023`) are ambiguous and ignored.
fn iso_date(s: &str) -> Option<String> {
    let s = s.trim();
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    if let [d, m, y] = s.split('.').collect::<Vec<_>>()[..]
        && digits(y, 4)
        && (1..=2).contains(&d.len())
        && (1..=2).contains(&m.len())
        && d.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())
    {
        let (d, m): (u32, u32) = (d.parse().ok()?, m.parse().ok()?);
        return ((1..=31).contains(&d) && (1..=12).contains(&m)).then(|| format!("{y}-{m:02}-{d:02}"));
    }
    let s = s.replace('/', "-");
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d.to_owned(), Some(t.trim())),
        None => (s.clone(), None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let ok = match parts[..] {
        [y] => digits(y, 4),
        [y, m] => digits(y, 4) && digits(m, 2) && (1..=12).contains(&m.parse::<u32>().ok()?),
        [y, m, d] => {
            digits(y, 4) && digits(m, 2) && digits(d, 2) && (1..=12).contains(&m.parse::<u32>().ok()?) && (1..=31).contains(&d.parse::<u32>().ok()?)
        }
        _ => false,
    };
    if !ok {
        return None;
    }
    match time {
        None => Some(date),
        Some(t) if parts.len() == 3 && t.len() >= 5 && t.as_bytes()[2] == b':' && t[..2].bytes().all(|b| b.is_ascii_digit()) => {
            let t = t.replace(' ', "");
            t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b':' | b'.' | b'+' | b'-' | b'Z')).then(|| format!("{date}T{t}"))
        }
        Some(_) => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Hemisphere {
    NorthSouth,
    EastWest,
}

/// One angle: decimal degrees or degrees, minutes and seconds, with a sign or a hemisphere
/// letter (`42°13'46"N`, `N 42 13.77`, `-130.28`, `42,2294`).
fn angle(s: &str) -> Result<(f64, Option<Hemisphere>), String> {
    let t = s.trim();
    let mut hemisphere = None;
    let mut negative = false;
    let mut body = t;
    let letter = |c: char| match c.to_ascii_uppercase() {
        'N' => Some((Hemisphere::NorthSouth, false)),
        'S' => Some((Hemisphere::NorthSouth, true)),
        'E' => Some((Hemisphere::EastWest, false)),
        'W' => Some((Hemisphere::EastWest, true)),
        _ => None,
    };
    if let Some(c) = body.chars().next()
        && let Some((h, neg)) = letter(c)
    {
        hemisphere = Some(h);
        negative = neg;
        body = &body[c.len_utf8()..];
    } else if let Some(c) = body.chars().next_back()
        && let Some((h, neg)) = letter(c)
    {
        hemisphere = Some(h);
        negative = neg;
        body = &body[..body.len() - c.len_utf8()];
    }
    let body = body.trim();
    let (sign, body) = match body.strip_prefix('-').or_else(|| body.strip_prefix('−')) {
        Some(rest) => (true, rest),
        None => (false, body.strip_prefix('+').unwrap_or(body)),
    };
    if sign && hemisphere.is_some() {
        return Err(format!("{t:?} has both a sign and a hemisphere letter"));
    }
    // Decimal commas: "42,2294"; a comma can never separate thousands in degrees.
    let body = if body.contains(',') && !body.contains('.') { body.replace(',', ".") } else { body.to_owned() };
    let separators = |c: char| c.is_whitespace() || "°º˚'′’‘\"″”“:dDmMsS".contains(c);
    let numbers: Vec<&str> = body.split(separators).filter(|p| !p.is_empty()).collect();
    let values: Vec<f64> = numbers.iter().map(|p| p.parse::<f64>()).collect::<Result<_, _>>().map_err(|_| format!("{t:?} is not a coordinate"))?;
    let value = match values[..] {
        [d] => d,
        [d, m] | [d, m, 0.0] if d.fract() == 0.0 && (0.0..60.0).contains(&m) => d + m / 60.0,
        [d, m, s] if d.fract() == 0.0 && m.fract() == 0.0 && (0.0..60.0).contains(&m) && (0.0..60.0).contains(&s) => d + m / 60.0 + s / 3600.0,
        [] => return Err(format!("{t:?} is not a coordinate")),
        _ => return Err(format!("{t:?} is not a coordinate in degrees, minutes and seconds (minutes and seconds under 60)")),
    };
    if !value.is_finite() {
        return Err(format!("{t:?} is not a finite number"));
    }
    Ok((if sign || negative { -value } else { value }, hemisphere))
}

/// A latitude and a longitude cell to a point, swapping them when they are clearly swapped.
fn lat_lon(lat_cell: &str, lon_cell: &str, warnings: &mut Vec<String>) -> Result<Geometry<f64>, String> {
    let (mut lat, lat_h) = angle(lat_cell)?;
    let (mut lon, lon_h) = angle(lon_cell)?;
    if lat_h == Some(Hemisphere::EastWest) || lon_h == Some(Hemisphere::NorthSouth) {
        if lat_h == Some(Hemisphere::NorthSouth) || lon_h == Some(Hemisphere::EastWest) {
            return Err(format!("the latitude {lat_cell:?} and longitude {lon_cell:?} have mixed-up hemisphere letters"));
        }
        warnings.push(format!("the latitude column holds {lat_cell:?} and the longitude column {lon_cell:?}; the columns look swapped, so the values were swapped"));
        std::mem::swap(&mut lat, &mut lon);
    }
    point(lon, lat, warnings)
}

fn point(lon: f64, lat: f64, warnings: &mut Vec<String>) -> Result<Geometry<f64>, String> {
    match check_lon_lat(lon, lat, "") {
        Ok(w) => {
            warnings.extend(w);
            Ok(Geometry::Point(Point::new(lon, lat)))
        }
        Err(message) => {
            if (-90.0..=90.0).contains(&lon) && (-180.0..=180.0).contains(&lat) {
                warnings.push(format!(
                    "latitude {lat} is outside -90..90 but longitude {lon} would fit as one: latitude and longitude look swapped, so the point was placed at longitude {lat}, latitude {lon}; check this row"
                ));
                return Ok(Geometry::Point(Point::new(lat, lon)));
            }
            Err(message)
        }
    }
}

/// "lat, lon" in one cell, as Google Maps copies a position (or with hemisphere letters in
/// either order).
fn coordinate_pair(cell: &str, warnings: &mut Vec<String>) -> Result<Geometry<f64>, String> {
    let parts: Vec<&str> = if cell.contains(';') {
        cell.split(';').collect()
    } else if cell.matches(',').count() == 1 {
        cell.split(',').collect()
    } else if let Some(i) = cell.find(['N', 'S', 'n', 's']).filter(|&i| i + 1 < cell.len()) {
        // 42°13'46"N 130°17'08"E
        vec![&cell[..=i], &cell[i + 1..]]
    } else {
        cell.split_whitespace().collect()
    };
    let [a, b] = parts[..] else {
        return Err(format!("{cell:?} is not \"latitude, longitude\""));
    };
    let (va, ha) = angle(a)?;
    let (vb, hb) = angle(b)?;
    match (ha, hb) {
        (Some(Hemisphere::EastWest), _) | (_, Some(Hemisphere::NorthSouth)) => point(va, vb, warnings),
        _ => point(vb, va, warnings),
    }
}

/// Well-known text (OGC simple features), in longitude/latitude degrees.
mod wkt {
    use super::*;

    const MAX_NESTING: usize = 32;

    /// Whether a value starts like WKT (so a column can be recognised by its content).
    pub(super) fn looks_like(v: &str) -> bool {
        let v = v.trim_start();
        let v = match v.get(..5) {
            Some(p) if p.eq_ignore_ascii_case("SRID=") => v.split_once(';').map_or("", |(_, r)| r),
            _ => v,
        };
        let word: String = v.chars().take_while(char::is_ascii_alphabetic).collect::<String>().to_ascii_uppercase();
        matches!(word.as_str(), "POINT" | "LINESTRING" | "POLYGON" | "MULTIPOINT" | "MULTILINESTRING" | "MULTIPOLYGON" | "GEOMETRYCOLLECTION")
            && v[word.len()..].trim_start().starts_with(['(', 'Z', 'M', 'E', 'z', 'm', 'e'])
    }

    #[derive(Debug, PartialEq)]
    enum Token<'a> {
        Word(&'a str),
        Number(f64),
        Open,
        Close,
        Comma,
    }

    struct Parser<'a> {
        tokens: Vec<Token<'a>>,
        at: usize,
        warnings: &'a mut Vec<String>,
        rewound: bool,
    }

    fn tokens(s: &str) -> Result<Vec<Token<'_>>, String> {
        let mut out = Vec::new();
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            match c {
                b'(' => out.push(Token::Open),
                b')' => out.push(Token::Close),
                b',' => out.push(Token::Comma),
                c if c.is_ascii_whitespace() => {}
                c if c.is_ascii_alphabetic() => {
                    let start = i;
                    while i < b.len() && b[i].is_ascii_alphabetic() {
                        i += 1;
                    }
                    out.push(Token::Word(&s[start..i]));
                    continue;
                }
                c if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.') => {
                    let start = i;
                    while i < b.len() && (b[i].is_ascii_digit() || matches!(b[i], b'-' | b'+' | b'.' | b'e' | b'E')) {
                        i += 1;
                    }
                    let n = s[start..i].parse::<f64>().map_err(|_| format!("{:?} is not a number", &s[start..i]))?;
                    out.push(Token::Number(n));
                    continue;
                }
                _ => return Err(format!("unexpected {:?} in WKT", char::from(c))),
            }
            i += 1;
        }
        Ok(out)
    }

    /// Parses a WKT value (optionally `SRID=4326;`-prefixed).
    pub(super) fn parse(s: &str, warnings: &mut Vec<String>) -> Result<Geometry<f64>, String> {
        let mut s = s.trim();
        if s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("SRID=")) {
            let (srid, rest) = s.split_once(';').ok_or("SRID= without ';'")?;
            let srid = srid[5..].trim();
            if srid != "4326" {
                return Err(format!("the WKT is in SRID {srid}; Portolan reads longitude/latitude (SRID 4326) only"));
            }
            s = rest;
        }
        let tokens = tokens(s)?;
        let mut p = Parser { tokens, at: 0, warnings, rewound: false };
        let g = p.geometry(0)?;
        if p.at != p.tokens.len() {
            return Err("unexpected text after the WKT geometry".into());
        }
        if p.rewound {
            p.warnings.push("a polygon was wound clockwise; re-wound".into());
        }
        g.ok_or_else(|| "the WKT geometry is EMPTY".to_owned())
    }

    impl Parser<'_> {
        fn next(&mut self) -> Option<&Token<'_>> {
            let t = self.tokens.get(self.at);
            self.at += 1;
            t
        }

        fn peek(&self) -> Option<&Token<'_>> {
            self.tokens.get(self.at)
        }

        fn expect(&mut self, t: Token<'static>, what: &str) -> Result<(), String> {
            if self.next() == Some(&t) { Ok(()) } else { Err(format!("expected {what} in WKT")) }
        }

        /// A geometry; `None` for EMPTY.
        fn geometry(&mut self, depth: usize) -> Result<Option<Geometry<f64>>, String> {
            if depth > MAX_NESTING {
                return Err(format!("WKT nested more than {MAX_NESTING} levels deep"));
            }
            let Some(Token::Word(word)) = self.next() else { return Err("expected a WKT geometry type".into()) };
            let kind = word.to_ascii_uppercase();
            // Dimension markers: Z, M, ZM (as a separate word or glued: POINTZ).
            let kind = kind.trim_end_matches("ZM").trim_end_matches('Z').trim_end_matches('M').to_owned();
            let kind = if kind.is_empty() { word.to_ascii_uppercase() } else { kind };
            if let Some(Token::Word(w)) = self.peek()
                && matches!(w.to_ascii_uppercase().as_str(), "Z" | "M" | "ZM")
            {
                self.at += 1;
            }
            if let Some(Token::Word(w)) = self.peek()
                && w.eq_ignore_ascii_case("EMPTY")
            {
                self.at += 1;
                return Ok(None);
            }
            Ok(Some(match kind.as_str() {
                "POINT" => {
                    self.expect(Token::Open, "'('")?;
                    let c = self.position()?;
                    self.expect(Token::Close, "')'")?;
                    Geometry::Point(Point(c))
                }
                "LINESTRING" => Geometry::LineString(self.line()?),
                "POLYGON" => Geometry::Polygon(self.polygon()?),
                "MULTIPOINT" => {
                    let points = self.list(|p| {
                        let bracketed = p.peek() == Some(&Token::Open);
                        if bracketed {
                            p.at += 1;
                        }
                        let c = p.position()?;
                        if bracketed {
                            p.expect(Token::Close, "')'")?;
                        }
                        Ok(Point(c))
                    })?;
                    Geometry::MultiPoint(MultiPoint(points))
                }
                "MULTILINESTRING" => Geometry::MultiLineString(MultiLineString(self.list(Parser::line)?)),
                "MULTIPOLYGON" => Geometry::MultiPolygon(MultiPolygon(self.list(Parser::polygon)?)),
                "GEOMETRYCOLLECTION" => {
                    let parts = self.list(|p| p.geometry(depth + 1))?;
                    Geometry::GeometryCollection(GeometryCollection(parts.into_iter().flatten().collect()))
                }
                other => return Err(format!("unknown WKT geometry type {other:?}")),
            }))
        }

        fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T, String>) -> Result<Vec<T>, String> {
            self.expect(Token::Open, "'('")?;
            let mut out = vec![item(self)?];
            loop {
                match self.next() {
                    Some(Token::Comma) => out.push(item(self)?),
                    Some(Token::Close) => return Ok(out),
                    _ => return Err("expected ',' or ')' in WKT".into()),
                }
            }
        }

        fn position(&mut self) -> Result<Coord<f64>, String> {
            let mut numbers = Vec::new();
            while let Some(Token::Number(n)) = self.peek() {
                numbers.push(*n);
                self.at += 1;
            }
            let [x, y, ..] = numbers[..] else { return Err("a WKT position needs two numbers".into()) };
            if numbers.len() > 4 {
                return Err("a WKT position has more than four numbers".into());
            }
            if let Some(w) = check_lon_lat(x, y, "WKT puts longitude first")? {
                self.warnings.push(w);
            }
            Ok(Coord { x, y })
        }

        fn line(&mut self) -> Result<LineString<f64>, String> {
            let coords = self.list(Parser::position)?;
            if coords.len() < 2 {
                return Err("a WKT line needs at least 2 positions".into());
            }
            Ok(LineString(coords))
        }

        fn polygon(&mut self) -> Result<Polygon<f64>, String> {
            let rings = self.list(|p| {
                let mut ring = p.list(Parser::position)?;
                if ring.first() != ring.last()
                    && let Some(&first) = ring.first()
                {
                    ring.push(first);
                    p.warnings.push("a WKT ring is not closed; closed it".into());
                }
                if ring.len() < 4 {
                    return Err(format!("a WKT ring has {} positions; a closed ring needs at least 4", ring.len()));
                }
                Ok(LineString(ring))
            })?;
            let mut rings = rings.into_iter();
            let exterior = rings.next().ok_or("a WKT polygon without rings")?;
            let polygon = Polygon::new(exterior, rings.collect());
            let oriented = polygon.orient(Direction::Default);
            if oriented != polygon {
                self.rewound = true;
            }
            Ok(oriented)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angles() {
        let a = |s| angle(s).map(|(v, _)| (v * 1e6).round() / 1e6);
        assert_eq!(a("42.2294"), Ok(42.2294));
        assert_eq!(a("42,2294"), Ok(42.2294));
        assert_eq!(a("-130.5"), Ok(-130.5));
        assert_eq!(a("42°13'46\"N"), Ok(42.229444));
        assert_eq!(a("42° 13′ 46.0″ S"), Ok(-42.229444));
        assert_eq!(a("N42 13.77"), Ok(42.2295));
        assert_eq!(a("130d17m08sE"), Ok(130.285556));
        assert_eq!(a("W 70:30:00"), Ok(-70.5));
        assert!(a("42°75'N").is_err());
        assert!(a("-42 S").is_err());
        assert!(a("abc").is_err());
        assert_eq!(angle("130°E").map(|(_, h)| h), Ok(Some(Hemisphere::EastWest)));
    }

    #[test]
    fn dates() {
        assert_eq!(iso_date("2023-10-16").as_deref(), Some("2023-10-16"));
        assert_eq!(iso_date("16.10.2023").as_deref(), Some("2023-10-16"));
        assert_eq!(iso_date("2023/10/16").as_deref(), Some("2023-10-16"));
        assert_eq!(iso_date("2023-10-16 08:30:00").as_deref(), Some("2023-10-16T08:30:00"));
        assert_eq!(iso_date("2023-10").as_deref(), Some("2023-10"));
        assert_eq!(iso_date("10/16/2023"), None);
        assert_eq!(iso_date("soon"), None);
    }

    #[test]
    fn numbers_only_when_lossless() {
        assert_eq!(plain_number("16.5"), Some(Value::from(16.5)));
        assert_eq!(plain_number("8"), Some(Value::from(8)));
        assert_eq!(plain_number("007"), None);
        assert_eq!(plain_number("1.10"), None);
        assert_eq!(plain_number("1e5"), None);
    }

    #[test]
    fn wkt_forms() {
        let mut w = Vec::new();
        assert_eq!(wkt::parse("POINT (130.28 42.22)", &mut w), Ok(Geometry::Point(Point::new(130.28, 42.22))));
        assert!(matches!(wkt::parse("SRID=4326;POINT Z (1 2 3)", &mut w), Ok(Geometry::Point(_))));
        assert!(matches!(wkt::parse("MULTIPOINT ((1 2), (3 4))", &mut w), Ok(Geometry::MultiPoint(m)) if m.0.len() == 2));
        assert!(matches!(wkt::parse("MULTIPOINT (1 2, 3 4)", &mut w), Ok(Geometry::MultiPoint(m)) if m.0.len() == 2));
        assert!(matches!(wkt::parse("polygon((0 0, 0 1, 1 1, 1 0, 0 0), (0.2 0.2, 0.4 0.2, 0.4 0.4, 0.2 0.2))", &mut w), Ok(Geometry::Polygon(p)) if p.interiors().len() == 1));
        assert!(matches!(wkt::parse("GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))", &mut w), Ok(Geometry::GeometryCollection(c)) if c.0.len() == 2));
        assert!(wkt::parse("SRID=3857;POINT (1 2)", &mut w).unwrap_err().contains("3857"));
        assert!(wkt::parse("POINT (1)", &mut w).is_err());
        assert!(wkt::parse("POINT EMPTY", &mut w).unwrap_err().contains("EMPTY"));
        let deep = format!("{}POINT (1 2){}", "GEOMETRYCOLLECTION (".repeat(1000), ")".repeat(1000));
        assert!(wkt::parse(&deep, &mut w).unwrap_err().contains("nested"));
        assert!(wkt::looks_like("LINESTRING (0 0, 1 1)"));
        assert!(!wkt::looks_like("Pointe-Noire"));
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("name;lat;lon\nA;42,1;130,2\n"), b';');
        assert_eq!(detect_delimiter("name,lat,lon\n\"A, B\",42.1,130.2\n"), b',');
        assert_eq!(detect_delimiter("name\tlat\tlon\nA\t1\t2\n"), b'\t');
    }
}
