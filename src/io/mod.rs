//! Readers and writers, one file per format.
//!
//! Every reader returns the data it could read plus a list of [`Diagnostic`]s; it fails as a
//! whole ([`ReadError`]) only when nothing at all can be read (not a file, not text, not JSON).
//! Readers face hostile files: no panics, bounded nesting, bounded memory per byte read.

pub mod case_file;
pub mod case_tables;
pub mod delimited;
mod diagnostic;
pub mod geojson;
pub mod gpx;
mod json;
pub mod kml;
pub mod saved_copy;
mod text;
mod xml;

use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub use diagnostic::{Diagnostic, LineColumn, Place, Severity};

use crate::model::Layer;

/// Files larger than this are refused before reading: the reader holds the whole text in
/// memory, and a few gigabytes of GeoJSON would not fit on the machines we target anyway.
pub const MAX_FILE_BYTES: u64 = 2 << 30;

/// What a reader gives back: the layer plus whatever was wrong with the file.
#[derive(Debug)]
pub struct Loaded {
    pub layer: Layer,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("this is a directory, not a file")]
    IsDirectory,
    #[error("the file is empty")]
    Empty,
    #[error("the file is {bytes} bytes; the limit is {MAX_FILE_BYTES} bytes")]
    TooLarge { bytes: u64 },
    #[error("the text is not valid {encoding}")]
    Encoding { encoding: &'static str, line: usize, column: usize },
    #[error("not valid JSON: {message}")]
    Json { line: usize, column: usize, message: String },
    #[error("not GeoJSON: {0}")]
    NotGeoJson(String),
    #[error("unknown file type {0:?}: Portolan reads .geojson, .json, .kml, .kmz, .gpx, .csv, .tsv, .txt and AIS (.nmea, .ais, .gz, .zip)")]
    UnknownFormat(String),
    /// The file is readable text but not the format its name says (no `<kml>` root, no
    /// coordinate columns, ...).
    #[error("not {format}: {message}")]
    NotFormat { format: &'static str, message: String },
    /// A KMZ that is not a usable zip archive, or one refused by the limits (zip bombs).
    #[error("cannot read the KMZ: {0}")]
    Kmz(String),
    /// The user stopped the load ([`Progress::cancel`]).
    #[error("the load was cancelled")]
    Cancelled,
}

impl ReadError {
    /// The error as a diagnostic, with its line and column when it has them.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let place = match *self {
            ReadError::Encoding { line, column, .. } | ReadError::Json { line, column, .. } => {
                Place::Text { line, column }
            }
            _ => Place::File,
        };
        Diagnostic::error(place, self.to_string())
    }
}

/// The built-in sample case (North Korean munitions to Russia, 2023–2024), compiled into the
/// program so that it opens with no files and no network.
pub fn sample_case() -> Loaded {
    const TEXT: &str = include_str!("../../sample_data/dprk-russia-2023.portolan.geojson");
    match geojson::read_str(TEXT) {
        Ok(mut loaded) => {
            loaded.layer.name = "dprk-russia-2023".into();
            loaded
        }
        // The sample is checked by the tests; this only happens if it was edited by hand.
        Err(e) => Loaded { layer: Layer::default(), diagnostics: vec![e.to_diagnostic()] },
    }
}

/// How far a load has got, shared between the thread that reads and the one that shows it;
/// also how a load is stopped. Counters only grow.
#[derive(Debug, Default)]
pub struct Progress {
    total_bytes: AtomicU64,
    bytes_read: AtomicU64,
    bytes_parsed: AtomicU64,
    features: AtomicU64,
    cancelled: AtomicBool,
}

/// A reading of [`Progress`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgressSnapshot {
    /// The file's size.
    pub total_bytes: u64,
    /// Bytes read from the disk.
    pub bytes_read: u64,
    /// Bytes of text parsed, as far as the reader can tell (GeoJSON reports it per feature).
    pub bytes_parsed: u64,
    /// Features read so far.
    pub features: u64,
}

impl ProgressSnapshot {
    /// Done so far, 0..=1: reading the disk counts for a tenth, parsing for the rest.
    pub fn fraction(&self) -> f32 {
        if self.total_bytes == 0 {
            return 0.0;
        }
        let total = self.total_bytes as f64;
        (0.1 * self.bytes_read as f64 / total + 0.9 * self.bytes_parsed as f64 / total).min(1.0) as f32
    }
}

impl Progress {
    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            total_bytes: self.total_bytes.load(Ordering::Relaxed),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
            bytes_parsed: self.bytes_parsed.load(Ordering::Relaxed),
            features: self.features.load(Ordering::Relaxed),
        }
    }

    /// Asks the reader to stop; it returns [`ReadError::Cancelled`] soon after.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    pub(crate) fn feature_read(&self, parsed_up_to: u64) {
        self.features.fetch_add(1, Ordering::Relaxed);
        self.bytes_parsed.fetch_max(parsed_up_to, Ordering::Relaxed);
    }

    /// A feature read by one of several threads parsing parts of a text, `more` bytes further
    /// into its part.
    pub(crate) fn feature_read_more(&self, more: u64) {
        self.features.fetch_add(1, Ordering::Relaxed);
        self.bytes_parsed.fetch_add(more, Ordering::Relaxed);
    }

    /// Parsing starts again from the beginning (a split parse given up).
    pub(crate) fn restart_parsing(&self) {
        self.features.store(0, Ordering::Relaxed);
        self.bytes_parsed.store(0, Ordering::Relaxed);
    }

    fn finished_parsing(&self) {
        self.bytes_parsed.store(self.total_bytes.load(Ordering::Relaxed), Ordering::Relaxed);
    }
}

/// How a file is read, beyond its bytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadOptions {
    /// Readers may fetch what a file links to on the web (KML overlay pictures). Off unless
    /// the user allows online access.
    pub online: bool,
    /// The detectors' thresholds and extra ports for an AIS file (default: the satellite
    /// preset and the embedded ports).
    pub ais: crate::ais::AisOptions,
}

/// `Portolan/<version> (+<homepage>)`, sent with every request Portolan makes, as tile
/// servers' usage policies ask.
pub fn user_agent() -> String {
    format!("Portolan/{} (+https://github.com/portolan-gis/portolan)", env!("CARGO_PKG_VERSION"))
}

/// Reads a file of any format Portolan knows, chosen by its extension.
pub fn read_path(path: &Path) -> Result<Loaded, ReadError> {
    read_path_with(path, &Progress::default())
}

/// [`read_path`], reporting its progress and stopping when [`Progress::cancel`] is called.
pub fn read_path_with(path: &Path, progress: &Progress) -> Result<Loaded, ReadError> {
    read_path_options(path, progress, &ReadOptions::default())
}

/// [`read_path_with`] with [`ReadOptions`].
pub fn read_path_options(path: &Path, progress: &Progress, options: &ReadOptions) -> Result<Loaded, ReadError> {
    let bytes = read_bounded(path, progress)?;
    let dir = path.parent();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let ais_candidate = matches!(ext.as_str(), "csv" | "txt" | "nmea" | "ais" | "gz" | "zip");
    let mut loaded = match ext.as_str() {
        _ if ais_candidate && let Some(loaded) = read_ais(&bytes, &options.ais)? => loaded,
        "geojson" | "json" | "" => geojson::read_bytes_with(&bytes, progress)?,
        // Renamed files: a zip called .kml, a plain KML called .kmz.
        "kml" | "kmz" if bytes.starts_with(b"PK\x03\x04") => kml::read_kmz_from(&bytes, &kml::KmzLimits::default(), dir, options)?,
        "kml" | "kmz" => kml::read_bytes_from(&bytes, dir, options)?,
        "gpx" => gpx::read_bytes(&bytes)?,
        "csv" | "tsv" | "txt" => delimited::read_bytes_with(&bytes, &delimited::Options::for_extension(&ext))?,
        other => return Err(ReadError::UnknownFormat(other.to_owned())),
    };
    if loaded.layer.name.is_empty() {
        loaded.layer.name = layer_name(path);
    }
    progress.finished_parsing();
    Ok(loaded)
}

/// An AIS file (told from its header or sentences, through gzip or zip) as a map layer:
/// tracks cut at gaps, and the events the detectors find with their default thresholds.
/// `None` when the bytes are not AIS.
fn read_ais(bytes: &[u8], options: &crate::ais::AisOptions) -> Result<Option<Loaded>, ReadError> {
    use crate::ais;
    let inflated;
    let text: &[u8] = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(flate2::read::MultiGzDecoder::new(bytes), MAX_FILE_BYTES), &mut out)?;
        inflated = out;
        &inflated
    } else if bytes.starts_with(b"PK\x03\x04") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| ReadError::NotFormat { format: "a zip of AIS data", message: e.to_string() })?;
        let mut out = Vec::new();
        if let Ok(entry) = zip.by_index(0) {
            std::io::Read::read_to_end(&mut std::io::Read::take(entry, MAX_FILE_BYTES), &mut out)?;
        }
        inflated = out;
        &inflated
    } else {
        bytes
    };
    if ais::read::sniff(text).is_none() {
        return Ok(None);
    }
    let mut data = ais::read::read(std::io::Cursor::new(text)).map_err(|e| ReadError::NotFormat { format: "AIS", message: e.to_string() })?;
    ais::tracks::build(&mut data);
    let params = options.params;
    let ports = ais::shore::Ports::with_embedded(options.ports.clone());
    let cx = ais::detect::Context { params, ports: &ports, shore: ais::shore::Shore::embedded() };
    let events = ais::detect::all(&data, &cx);
    let mut diagnostics = vec![Diagnostic::info(
        Place::File,
        format!("{}: {} vessels, {} positions, {} events", data.format.name(), data.vessels.len(), data.positions(), events.len()),
    )];
    for (reason, (count, lines)) in &data.dropped.reasons {
        // AIS says "not available" with lat 91 / lon 181: expected, so only noted.
        let note = if reason.starts_with("position not available") { Diagnostic::info } else { Diagnostic::warning };
        for &line in lines {
            diagnostics.push(note(Place::Text { line: line as usize, column: 1 }, format!("row dropped: {reason}")));
        }
        if *count as usize > lines.len() {
            diagnostics.push(note(Place::File, format!("{} more rows dropped: {reason}", *count as usize - lines.len())));
        }
    }
    diagnostics.extend(data.notes.iter().map(|n| Diagnostic::info(Place::File, n.clone())));
    Ok(Some(Loaded { layer: ais::output::layer("", &data, &events, &params), diagnostics }))
}

/// Checks a position in degrees. `Err` when it cannot be a longitude and latitude (with a hint
/// when the two look swapped); `Ok(Some(warning))` for a longitude past ±180 that can still be
/// drawn (antimeridian-crossing data sometimes runs on to 190°).
pub(crate) fn check_lon_lat(x: f64, y: f64, order_hint: &str) -> Result<Option<String>, String> {
    if !x.is_finite() || !y.is_finite() {
        return Err(format!("the position ({x}, {y}) is not a pair of finite numbers"));
    }
    if !(-90.0..=90.0).contains(&y) {
        let hint = if (-90.0..=90.0).contains(&x) && (-180.0..=180.0).contains(&y) {
            format!("; are longitude and latitude swapped? {order_hint}")
        } else {
            String::new()
        };
        return Err(format!("latitude {y} is outside -90..90 in ({x}, {y}){hint}"));
    }
    if !(-540.0..=540.0).contains(&x) {
        return Err(format!("longitude {x} is outside -180..180 in ({x}, {y})"));
    }
    if !(-180.0..=180.0).contains(&x) {
        return Ok(Some(format!("longitude {x} is outside -180..180; drawn as it is")));
    }
    Ok(None)
}

/// The error at the cut of a file cut short, in the GeoJSON reader's words: what the text
/// ends inside, then how many features were kept (`the file ends inside <Placemark> (opened
/// on line 12), as if cut short: kept the 3 features before the cut`).
pub(crate) fn cut_message(what: &str, kept: usize) -> String {
    let what = what.trim_end_matches("; is it truncated?").trim_end_matches("; is the file truncated?");
    let features = if kept == 1 { "1 feature".to_owned() } else { format!("{kept} features") };
    format!("{what}, as if cut short: kept the {features} before the cut")
}

/// Puts diagnostics with a line and column in the order of the file, the others (notes about
/// the whole file) after them, each group keeping its order.
pub(crate) fn sort_by_place(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| d.place.line_column().map_or((1, 0, 0), |at| (0, at.line, at.column)));
}

/// The file name without its extensions (`case.portolan.geojson` → `case`).
pub fn layer_name(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("layer");
    name.split('.').next().filter(|s| !s.is_empty()).unwrap_or(name).to_owned()
}

/// Reads the whole file in chunks, counting bytes into `progress` as they arrive.
fn read_bounded(path: &Path, progress: &Progress) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    const CHUNK: usize = 1 << 20;
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(ReadError::IsDirectory);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge { bytes: meta.len() });
    }
    progress.total_bytes.store(meta.len(), Ordering::Relaxed);
    let mut file = std::fs::File::open(path)?;
    // The size may change under us (or be unknown, for a pipe): read to the end, within the
    // limit, a megabyte at most per read (so that progress and Cancel follow a pipe), straight
    // into the file's buffer (a second buffer to read through would hold the file twice).
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    loop {
        if progress.is_cancelled() {
            return Err(ReadError::Cancelled);
        }
        if bytes.len() == bytes.capacity() {
            bytes.reserve(CHUNK);
        }
        let len = bytes.len();
        bytes.resize(len + (bytes.capacity() - len).min(CHUNK), 0);
        let read = file.read(&mut bytes[len..]);
        bytes.truncate(len + *read.as_ref().unwrap_or(&0));
        let n = match read {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            break;
        }
        progress.bytes_read.store(bytes.len() as u64, Ordering::Relaxed);
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(ReadError::TooLarge { bytes: bytes.len() as u64 });
        }
    }
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(bytes)
}

/// Saves a layer in the format its file name asks for: `.geojson` or `.json` as GeoJSON (case
/// files keep their evidence), `.kml` as KML and `.kmz` as KMZ (for Google Earth), `.gpx` as
/// GPX (for GPS units). Atomic, like every save.
pub fn save_path(path: &Path, layer: &Layer) -> Result<(), SaveError> {
    match extension(path).as_str() {
        "geojson" | "json" => geojson::save(path, layer)?,
        "kml" => kml::save(path, layer)?,
        "kmz" => kml::save_kmz(path, layer)?,
        "gpx" => gpx::save(path, layer)?,
        other => return Err(SaveError::UnknownFormat(other.to_owned())),
    }
    Ok(())
}

/// Whether `save_path` writes files with this name (GeoJSON, KML, KMZ, GPX).
pub fn writes(path: &Path) -> bool {
    matches!(extension(path).as_str(), "geojson" | "json" | "kml" | "kmz" | "gpx")
}

/// Whether Save may write a layer back over the file of this format it was read from: GeoJSON
/// and KML. A GPX file holds sensor fields and extensions the reader skips, a KMZ its images;
/// writing over one would lose them, so those are written only under a name the user chose.
pub fn saves_in_place(path: &Path) -> bool {
    matches!(extension(path).as_str(), "geojson" | "json" | "kml")
}

/// Whether a file written in this format keeps everything in a layer, a case's evidence
/// included: GeoJSON only. A case saved as KML, KMZ or GPX is an export.
pub fn keeps_everything(path: &Path) -> bool {
    matches!(extension(path).as_str(), "geojson" | "json")
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

/// Why a layer could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("cannot write the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot save as {0:?}: Portolan writes .geojson, .json, .kml, .kmz and .gpx")]
    UnknownFormat(String),
}

/// Writes a file so that it is never half-written: the bytes go to a temporary file in the
/// same directory, which is then renamed over the target once it is on the disk.
pub fn save_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_atomic(path, true, |w| w.write_all(bytes))?
}

/// [`save_atomic`] without waiting for the disk: the file is still whole or absent, but a
/// power cut soon after may lose it. For what can be made again (exports), as image tools
/// write: waiting for the disk took 20 ms of a 4x page's 0.4 s.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_atomic(path, false, |w| w.write_all(bytes))?
}

/// [`write_atomic`] of a file made piece by piece: `write` gets the temporary file (buffered).
/// The outer error is the file system's; the inner one is `write`'s own, in which case the
/// temporary file is removed and nothing is left at `path`.
pub fn write_atomic_with<T, E>(path: &Path, write: impl FnOnce(&mut dyn std::io::Write) -> Result<T, E>) -> std::io::Result<Result<T, E>> {
    replace_atomic(path, false, write)
}

fn replace_atomic<T, E>(path: &Path, sync: bool, write: impl FnOnce(&mut dyn std::io::Write) -> Result<T, E>) -> std::io::Result<Result<T, E>> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
    let written = match write(&mut buffered) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    buffered.flush()?;
    drop(buffered);
    // The temporary file is private (0600); give the saved file the permissions of the one it
    // replaces, or the usual ones for a new document.
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions(),
        Err(_) => default_permissions(tmp.as_file())?,
    };
    tmp.as_file().set_permissions(permissions)?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(Ok(written))
}

#[cfg(unix)]
fn default_permissions(_: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}
