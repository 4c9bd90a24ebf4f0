//! The `portolan` command: opens the map window, or checks, builds and exports case files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use portolan::io::{self, Diagnostic, Severity};

#[derive(Parser)]
#[command(version, about = "Map viewer for logistics investigations", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Case or GeoJSON files to open (default: the built-in sample case).
    files: Vec<PathBuf>,
    /// Save a PNG of the window once the map is drawn, then quit (for tests and docs).
    #[arg(long, value_name = "OUT.png")]
    screenshot: Option<PathBuf>,
    /// Start at LON,LAT,ZOOM instead of fitting the view to the data.
    #[arg(long, value_name = "LON,LAT,ZOOM", value_parser = parse_view, allow_hyphen_values = true)]
    view: Option<(f64, f64, f64)>,
    /// Select this site, route, vessel, event or source (by id) at start.
    #[arg(long, value_name = "ID")]
    select: Option<String>,
    /// Tiles to show: `offline` (the built-in Natural Earth basemap), `osm`, or an XYZ URL
    /// template with {z}, {x} and {y}.
    #[arg(long, value_name = "offline|osm|URL", value_parser = parse_tiles)]
    tiles: Option<TilesArg>,
    /// Start with the timeline set to this ISO 8601 range, e.g. 2023-09/2023-10.
    #[arg(long, value_name = "FROM/TO", value_parser = parse_range)]
    time_range: Option<portolan::model::time::DateRange>,
    /// Allow files to fetch what they link to on the web (KML overlay pictures). Off by
    /// default: Portolan works offline.
    #[arg(long, global = true)]
    online: bool,
    /// A PostGIS database, postgres://USER@HOST:PORT/DATABASE (parts left out come from the
    /// PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD variables). With the window, its
    /// tables open from the "Open from database" dialog.
    #[arg(long, global = true, value_name = "postgres://…")]
    db: Option<String>,
}

#[derive(Clone)]
struct TilesArg(Option<portolan::tiles::XyzSource>);

fn parse_tiles(s: &str) -> Result<TilesArg, String> {
    match s {
        "offline" => Ok(TilesArg(None)),
        "osm" => Ok(TilesArg(Some(portolan::tiles::XyzSource::openstreetmap()))),
        url => portolan::tiles::XyzSource::custom(url, "").map(|s| TilesArg(Some(s))),
    }
}

fn parse_range(s: &str) -> Result<portolan::model::time::DateRange, String> {
    portolan::model::time::DateRange::parse(s).ok_or_else(|| format!("{s:?} is not an ISO 8601 date or range like 2023-09/2023-10"))
}

fn parse_view(s: &str) -> Result<(f64, f64, f64), String> {
    let parts: Vec<f64> = s.split(',').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    match parts[..] {
        // Longitudes past ±180° are the same places (190 is 170° W).
        [lon, lat, zoom] if lon.is_finite() && (-85.0..=85.0).contains(&lat) && (0.0..=20.0).contains(&zoom) => {
            Ok((portolan::projection::wrap_lon(lon), lat, zoom))
        }
        _ => Err("expected LON,LAT,ZOOM with lat in -85..85 and zoom in 0..20".into()),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Read files and report what they hold and every problem, with its place.
    ///
    /// Exits 0 when every file loaded without errors, 1 when any had errors.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Export the map as a PNG, SVG or PDF page for publication: title, subtitle, legend, scale bar,
    /// locator inset, source line, credit and basemap attribution.
    ///
    /// By default the page is 1920x1080 at 1x and shows everything in the files, with the
    /// case's title and its most cited sources. PNGs carry their resolution: 72 dpi at 1x,
    /// 144 at 2x, 300 from 3x on, unless --dpi says otherwise.
    Export(Box<ExportArgs>),
    /// Convert a file to GeoJSON, KML, KMZ or GPX, chosen by the output's extension (.geojson,
    /// .json, .kml, .kmz, .gpx): from Google Earth to QGIS or a GPS unit and back. Problems in
    /// the input are listed; exits 1 when the input had errors or the output cannot be written.
    Convert {
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Read AIS position reports and find where ships went dark, called at ports, waited and
    /// met. Prints the vessels, positions, rows dropped by reason and events by kind.
    ///
    /// Reads NOAA MarineCadastre, Danish Maritime Authority, Global Fishing Watch, MarineTraffic
    /// and Spire CSV, raw NMEA (!AIVDM), and any table with an MMSI, a time and a position;
    /// plain, .gz or .zip. Presets: satellite (default: a gap is 6 h; likely switched off at
    /// 12 h with both ends over 50 nm from shore) and terrestrial (a gap is 1 h).
    Ais(AisArgs),
    /// Find satellite scenes of a place in a STAC catalogue: which images exist between two
    /// dates, how cloudy, how sharp.
    ///
    /// Searches a box (--bbox) or a site of a case file (--site ID CASE, over the site's
    /// period unless --from/--to say otherwise) in Element 84 Earth Search (the default),
    /// Microsoft Planetary Computer, Copernicus Data Space or any STAC API URL; pages through
    /// every result; prints the scenes by date and writes them as CSV or GeoJSON footprints.
    /// Answers are kept in the cache folder, so a search can be reopened offline.
    Imagery(ImageryArgs),
    /// Work with a PostGIS database (--db postgres://… or the PG* variables).
    #[command(subcommand)]
    Db(DbCommand),
    /// Build a case file from CSV tables (see sample_data/README.md for the columns).
    BuildCase {
        /// Directory holding case.json, sources.csv, vessels.csv, events.csv, sites.csv,
        /// routes.csv, route_waypoints.csv and optionally areas.geojson.
        tables: PathBuf,
        /// Where to write the case file.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(clap::Args)]
struct AisArgs {
    /// AIS files (several are joined: one track per vessel across them).
    #[arg(required_unless_present = "table")]
    files: Vec<PathBuf>,
    /// Instead of files, an archive `portolan db import-ais` made (with --db): the vessels it
    /// saw in --bbox between --from and --to, with their whole tracks in that period.
    #[arg(long, value_name = "SCHEMA.TABLE", conflicts_with = "files", requires_all = ["bbox", "from", "to"])]
    table: Option<String>,
    /// With --table: the box, west,south,east,north in degrees.
    #[arg(long, value_name = "W,S,E,N", value_parser = parse_bbox, allow_hyphen_values = true)]
    bbox: Option<[f64; 4]>,
    /// With --table: the first day, 2023-08-01 (or month, 2023-08).
    #[arg(long, value_name = "DAY")]
    from: Option<String>,
    /// With --table: the last day, 2023-09-30 (or month, 2023-09).
    #[arg(long, value_name = "DAY")]
    to: Option<String>,
    /// Thresholds: satellite (default) or terrestrial.
    #[arg(long, value_name = "NAME", value_parser = parse_preset)]
    preset: Option<portolan::ais::detect::Preset>,
    /// Hours without a position that make a gap.
    #[arg(long, value_name = "H")]
    gap_hours: Option<f64>,
    /// Nautical miles from shore both ends of a long gap must be for "likely switched off";
    /// 0 turns the shore rule off.
    #[arg(long, value_name = "N")]
    shore_nm: Option<f64>,
    /// Write the events: .csv or .geojson.
    #[arg(long, value_name = "OUT.csv|OUT.geojson")]
    events: Option<PathBuf>,
    /// Write the tracks (cut at gaps) and events as GeoJSON.
    #[arg(long, value_name = "OUT.geojson")]
    tracks: Option<PathBuf>,
    /// More ports besides the embedded Natural Earth ones: the named points of any file the
    /// map reads (a case's sites, a table of berths).
    #[arg(long, value_name = "FILE")]
    ports: Vec<PathBuf>,
}

#[derive(clap::Args)]
struct ImageryArgs {
    /// The box to search: west,south,east,north in degrees.
    #[arg(long, value_name = "W,S,E,N", value_parser = parse_bbox, allow_hyphen_values = true, required_unless_present = "site", conflicts_with = "site")]
    bbox: Option<[f64; 4]>,
    /// A site of a case file, by its id: scenes that cover it.
    #[arg(long, value_names = ["ID", "CASE"], num_args = 2)]
    site: Option<Vec<String>>,
    /// First day (2023-08-01, or 2023-08 for the month).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last day (2023-10-31, or 2023-10 for the month).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// earth-search (default), planetary-computer, copernicus, or a STAC API URL.
    #[arg(long, value_name = "NAME|URL", default_value = "earth-search")]
    catalogue: String,
    /// A header to send with every request, such as an API key ("X-API-Key: …").
    #[arg(long, value_name = "NAME: VALUE")]
    header: Option<String>,
    /// Collections to search (the catalogue's Sentinel-2 L2A when none).
    #[arg(long, value_name = "C")]
    collection: Vec<String>,
    /// Leave out scenes cloudier than this per cent.
    #[arg(long, value_name = "P")]
    max_cloud: Option<f64>,
    /// At most this many scenes.
    #[arg(long, value_name = "N", default_value_t = 500)]
    limit: usize,
    /// Seconds to wait for each answer.
    #[arg(long, value_name = "S", default_value_t = 30)]
    timeout: u64,
    /// Write the scenes: .csv (id, collection, datetime, platform, constellation, gsd,
    /// cloud_cover, off_nadir, sun_elevation, thumbnail, self) or .geojson (footprints).
    #[arg(long, value_name = "scenes.csv|scenes.geojson")]
    out: Option<PathBuf>,
    /// Save each scene's thumbnail in this folder, named after the scene (fetched once, then
    /// kept in the cache).
    #[arg(long, value_name = "DIR")]
    thumbnails: Option<PathBuf>,
}

fn imagery(args: &ImageryArgs) -> ExitCode {
    use portolan::imagery::{self, Catalogue, Query, SearchOptions};
    let usage = |msg: String| {
        eprintln!("error: {msg}");
        ExitCode::from(2)
    };
    let out_ext = args.out.as_ref().map(|o| o.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase());
    if let Some(ext) = &out_ext
        && !matches!(ext.as_str(), "csv" | "geojson" | "json")
    {
        return usage("--out must end in .csv or .geojson".into());
    }
    let mut catalogue = match Catalogue::named(&args.catalogue) {
        Ok(c) => c,
        Err(e) => return usage(e.to_string()),
    };
    if let Some(h) = &args.header {
        match h.split_once(':') {
            Some((k, v)) if !k.trim().is_empty() => catalogue.header = Some((k.trim().to_owned(), v.trim().to_owned())),
            _ => return usage(format!("--header {h:?}: expected \"Name: value\"")),
        }
    }
    let day = |d: &Option<String>, last: bool| -> Result<Option<String>, String> {
        d.as_deref()
            .map(|t| {
                let r = portolan::model::time::DateRange::parse(t).ok_or_else(|| format!("{t:?} is not a date (2023-08-01, 2023-08 or 2023)"))?;
                Ok(if last { r.last } else { r.first }.to_string())
            })
            .transpose()
    };
    let (mut from, mut to) = match (day(&args.from, false), day(&args.to, true)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return usage(e),
    };
    let mut query = Query { bbox: args.bbox, collections: args.collection.clone(), max_cloud: args.max_cloud, limit: args.limit.max(1), ..Query::default() };
    if let Some([id, case]) = args.site.as_deref() {
        let layer = match portolan::io::read_path(std::path::Path::new(case)) {
            Ok(l) => l.layer,
            Err(e) => {
                eprintln!("error: {case}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let Some(site) = layer.features.iter().find(|f| f.key().as_deref() == Some(id.as_str())) else {
            return usage(format!("{case} has no feature with id {id:?}"));
        };
        let Some(geometry) = &site.geometry else { return usage(format!("{id} has no geometry")) };
        query.intersects = serde_json::to_value(geojson::Geometry::new(geojson::GeometryValue::from(geometry))).ok();
        // The site's period when no dates are given.
        if let Some(period) = site.str_prop("period").and_then(portolan::model::time::DateRange::parse) {
            from = from.or(Some(period.first.to_string()));
            to = to.or(Some(period.last.to_string()));
        }
        println!("{}: {}", id, site.name().unwrap_or("unnamed"));
    }
    query.from = from;
    query.to = to;
    let options = SearchOptions { timeout: std::time::Duration::from_secs(args.timeout.max(1)), ..SearchOptions::default() };
    let found = match imagery::search(&catalogue, &query, &options) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let span = format!("{} to {}", query.from.as_deref().unwrap_or("the start"), query.to.as_deref().unwrap_or("now"));
    match found.from_cache {
        Some(age) => println!("{}: offline; the answer kept from {} h ago", catalogue.name, age.as_secs() / 3600),
        None => println!("{}: {} scenes, {span}, in {} pages{}", catalogue.name, found.scenes.len(), found.pages, if found.truncated { format!(" (cut at --limit {})", query.limit) } else { String::new() }),
    }
    let f1 = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
    for s in &found.scenes {
        // To the minute, as the rows line up: "2023-08-01 02:05 UTC".
        let when = s.datetime.as_deref().and_then(|d| d.get(..16)).map_or("-".to_owned(), |d| format!("{} UTC", d.replacen('T', " ", 1)));
        println!("  {when:<20}  {:<14} cloud {:>5} %  gsd {:>5} m  {}", s.platform.as_deref().unwrap_or("-"), f1(s.cloud_cover), f1(s.gsd), s.id);
    }
    if let (Some(out), Some(ext)) = (&args.out, out_ext) {
        let text = if ext == "csv" { imagery::to_csv(&found.scenes) } else { imagery::to_geojson(&found.scenes).to_string() };
        if let Err(e) = portolan::io::save_atomic(out, text.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", out.display());
    }
    if let Some(dir) = &args.thumbnails {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("error: cannot make {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        let (mut saved, mut failed) = (0, 0);
        for s in found.scenes.iter().filter(|s| s.thumbnail.is_some()) {
            let bytes = match imagery::thumbnail_of(&catalogue, s, &options) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("  {}: {e}", s.id);
                    failed += 1;
                    continue;
                }
            };
            let ext = image::guess_format(&bytes).ok().and_then(|f| f.extensions_str().first().copied()).unwrap_or("img");
            // The id may hold anything a catalogue put there: only its safe characters name the file.
            let stem: String = s.id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
            match portolan::io::save_atomic(&dir.join(format!("{}.{ext}", stem.trim_start_matches('.'))), &bytes) {
                Ok(()) => saved += 1,
                Err(e) => {
                    eprintln!("  {}: {e}", s.id);
                    failed += 1;
                }
            }
        }
        println!("thumbnails: {saved} saved in {}{}", dir.display(), if failed > 0 { format!(", {failed} failed") } else { String::new() });
    }
    ExitCode::SUCCESS
}

fn parse_preset(s: &str) -> Result<portolan::ais::detect::Preset, String> {
    use portolan::ais::detect::Preset;
    Preset::parse(s).ok_or_else(|| format!("unknown preset {s:?}: {}", Preset::ALL.map(Preset::name).join(", ")))
}

#[derive(clap::Args)]
struct ExportArgs {
    /// Files to draw, back to front: case files, GeoJSON, KML/KMZ, GPX, CSV.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The file to write: .png, .svg or .pdf (or .gif or .mp4 with --animate). Written whole or
    /// not at all, with its alt text beside it (map.png.txt).
    #[arg(long, value_name = "map.png|map.svg|map.pdf|route.gif|route.mp4", value_parser = parse_out)]
    out: PathBuf,
    /// Animate the timeline over this ISO 8601 range, one frame per --step: the case as it was
    /// on each day, routes growing with a ship at their head, sites fading in as they become
    /// known, a date stamp with the events of the step. Written as a GIF or an MP4 (H.264).
    #[arg(long, value_name = "START/END", value_parser = parse_time_range, conflicts_with_all = ["artboards", "time_range"])]
    animate: Option<portolan::model::time::DateRange>,
    /// Time between frames of --animate: days, weeks or months (1d, 2w, 1mo; default 1w).
    #[arg(long, value_name = "STEP", value_parser = portolan::export::animate::Step::parse, requires = "animate")]
    step: Option<portolan::export::animate::Step>,
    /// Frames per second of --animate (default 2).
    #[arg(long, requires = "animate")]
    fps: Option<f32>,
    /// Show at least this box, in degrees (west,south,east,north).
    #[arg(long, value_name = "LON0,LAT0,LON1,LAT1", value_parser = parse_bbox, allow_hyphen_values = true, conflicts_with = "fit")]
    bbox: Option<[f64; 4]>,
    /// Add a magnified inset of this box (west,south,east,north), framed, with a leader to its
    /// place and its own scale bar; `auto` for where labelled sites crowd together.
    #[arg(long, value_name = "W,S,E,N|auto", value_parser = portolan::export::DetailBox::parse, allow_hyphen_values = true)]
    detail: Option<portolan::export::DetailBox>,
    /// Fit the map to everything drawn, with a margin (the default).
    #[arg(long)]
    fit: bool,
    /// Page size: layout pixels (1920x1080, the default; the output is this times --scale),
    /// or millimetres (107mmx90mm), printed at --dpi (300 unless given).
    #[arg(long, value_name = "WxH|WmmxHmm", value_parser = parse_size, conflicts_with = "artboards")]
    size: Option<portolan::export::artboard::PageSize>,
    /// Write one page per artboard, each named after it (--out map.png writes map-mobile.png,
    /// …): mobile (400 px wide, 2x), desktop (1200 px), wide (1920 px), square, vertical,
    /// story, print1, print2, print3 (one to three newspaper columns: 52, 107, 163 mm).
    #[arg(long, value_name = "NAME,...", value_delimiter = ',', value_parser = parse_artboard)]
    artboards: Vec<&'static portolan::export::artboard::Artboard>,
    /// Pixels per layout pixel, 1 to 4 (2 for sharp screens, 3–4 for print; default 1, or
    /// the artboard's).
    #[arg(long, value_parser = parse_scale)]
    scale: Option<f32>,
    /// Resolution written into the PNG, and that a PDF's page size follows (default: 72 at
    /// 1x, 144 at 2x, 300 from 3x).
    #[arg(long, value_parser = parse_dpi)]
    dpi: Option<f32>,
    /// Title (default: the case title). "" for none.
    #[arg(long)]
    title: Option<String>,
    /// Subtitle (default: the first sentence of the case description and the time range).
    #[arg(long)]
    subtitle: Option<String>,
    /// Source line (default: the most cited publishers of what is shown).
    #[arg(long)]
    source: Option<String>,
    /// Credit, bottom right (e.g. "Graphic: A. Name / Newsroom").
    #[arg(long)]
    credit: Option<String>,
    /// Only these layers (file names without extension) and feature kinds (site, sea_route,
    /// rail_corridor, area, ...), comma-separated.
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    layers: Vec<String>,
    /// Only what was current in this ISO 8601 date or interval (a feature's period, else the
    /// dates of its events; undated features stay), e.g. 2023-09/2023-10.
    #[arg(long, value_name = "START/END", value_parser = parse_time_range)]
    time_range: Option<portolan::model::time::DateRange>,
    /// The basemap: offline (Natural Earth, built in), osm (OpenStreetMap tiles), or an XYZ
    /// URL template with {z}, {x} and {y}. Online tiles fall back to offline on failure.
    #[arg(long, value_name = "offline|osm|URL", default_value = "offline", value_parser = parse_basemap)]
    basemap: BasemapArg,
    /// The page's look: light (default) or dark (a dark basemap, light text).
    #[arg(long, value_name = "light|dark", default_value = "light", value_parser = portolan::export::theme::Theme::parse)]
    theme: portolan::export::theme::Theme,
    /// The credit a custom tile server asks for (default: its host name).
    #[arg(long, value_name = "TEXT")]
    attribution: Option<String>,
}

#[derive(Clone, Debug)]
enum BasemapArg {
    Offline,
    Xyz(portolan::tiles::XyzSource),
}

fn parse_out(s: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(s);
    match portolan::export::Format::from_path(&path) {
        Some(_) => Ok(path),
        None if is_animation(&path) => Ok(path),
        None => Err("the output must end in .png, .svg, .pdf or (with --animate) .gif or .mp4".into()),
    }
}

/// A file name an animation is written to.
fn is_animation(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gif") || e.eq_ignore_ascii_case("mp4"))
}

fn parse_numbers(s: &str) -> Result<Vec<f64>, String> {
    s.split(',').map(|p| p.trim().parse::<f64>().map_err(|e| format!("{p:?}: {e}"))).collect()
}

fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    match parse_numbers(s)?[..] {
        [a, b, c, d] => Ok([a, b, c, d]),
        _ => Err("expected four numbers: west,south,east,north".into()),
    }
}

fn parse_size(s: &str) -> Result<portolan::export::artboard::PageSize, String> {
    use portolan::export::artboard::PageSize;
    let size = PageSize::parse(s)?;
    let range = portolan::export::MIN_SIZE..=portolan::export::MAX_SIZE;
    match size {
        PageSize::Px(px) if !px.iter().all(|v| range.contains(v)) => {
            Err(format!("each side must be {} to {} pixels", range.start(), range.end()))
        }
        size => Ok(size),
    }
}

fn parse_artboard(s: &str) -> Result<&'static portolan::export::artboard::Artboard, String> {
    use portolan::export::artboard;
    artboard::preset(s).ok_or_else(|| format!("no artboard is called {s:?}; there are: {}", artboard::preset_names()))
}

fn parse_scale(s: &str) -> Result<f32, String> {
    match s.trim().parse::<f32>() {
        Ok(v) if (1.0..=4.0).contains(&v) => Ok(v),
        _ => Err("expected a number from 1 to 4".into()),
    }
}

fn parse_dpi(s: &str) -> Result<f32, String> {
    match s.trim().parse::<f32>() {
        Ok(v) if (1.0..=10_000.0).contains(&v) => Ok(v),
        _ => Err("expected a number from 1 to 10000".into()),
    }
}

fn parse_time_range(s: &str) -> Result<portolan::model::time::DateRange, String> {
    portolan::model::time::DateRange::parse(s)
        .ok_or_else(|| "expected an ISO 8601 date or interval: 2023-10, 2023-09/2023-10, 2023-08-15/2024".into())
}

fn parse_basemap(s: &str) -> Result<BasemapArg, String> {
    match s.trim() {
        "offline" => Ok(BasemapArg::Offline),
        "osm" | "openstreetmap" => Ok(BasemapArg::Xyz(portolan::tiles::XyzSource::openstreetmap())),
        url => portolan::tiles::XyzSource::custom(url, "").map(BasemapArg::Xyz).map_err(|e| format!("offline, osm, or a tile URL: {e}")),
    }
}

fn main() -> ExitCode {
    quiet_broken_pipe();
    fixed_mmap_threshold();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Check { files }) => check(&files),
        Some(Command::BuildCase { tables, out }) => build_case(&tables, &out),
        Some(Command::Convert { input, out }) => convert(&input, &out),
        Some(Command::Export(args)) => export(args, cli.online),
        Some(Command::Ais(args)) => ais(&args, cli.db.as_deref().unwrap_or("")),
        Some(Command::Imagery(args)) => imagery(&args),
        Some(Command::Db(DbCommand::Tables)) => db_tables(cli.db.as_deref().unwrap_or("")),
        Some(Command::Db(DbCommand::ImportAis { files, table })) => db_import_ais(cli.db.as_deref().unwrap_or(""), &files, &table),
        Some(Command::Db(command)) => db_cases(cli.db.as_deref().unwrap_or(""), command),
        None => {
            let options = portolan::ui::Options {
                files: cli.files,
                screenshot: cli.screenshot,
                view: cli.view,
                select: cli.select,
                time_range: cli.time_range,
                tiles: cli.tiles.map(|t| t.0),
                recovery_dir: portolan::document::recovery::default_dir(),
                online: cli.online,
                db: cli.db,
            };
            match portolan::ui::run(options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

#[derive(Subcommand)]
enum DbCommand {
    /// List the tables and views with a geometry column: geometry type, SRID, the extent the
    /// database estimates (never a scan of the table) and the time column, if any.
    Tables,
    /// Load AIS files (any format `portolan ais` reads) with COPY into a table partitioned by
    /// month (GiST on the position, BRIN on the time, a B-tree on vessel and time), with
    /// TABLE_vessels (identifiers), TABLE_daily and TABLE_monthly (a line per vessel and day or
    /// month, for zoomed-out views) beside it. Appends. `portolan ais --table` runs the
    /// detectors on it.
    ImportAis {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The table, schema.table.
        #[arg(long, default_value = "ais.positions")]
        table: String,
    },
    /// Share a case file: store it in the database (schema `portolan`, made when missing)
    /// under NAME (default: the case's title, else the file's stem).
    Push {
        case: PathBuf,
        #[arg(long)]
        name: Option<String>,
    },
    /// Write a shared case to a file (GeoJSON keeps everything); --at a past time writes the
    /// case as it was then, from its history.
    Pull {
        name: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// List the shared cases, with their last change and who made it.
    Cases,
    /// The changes of a shared case, newest first: when, who, what.
    History {
        name: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

fn db_tables(url: &str) -> ExitCode {
    let tables = portolan::db::connect(url, std::time::Duration::from_secs(20)).and_then(|mut c| c.tables());
    match tables {
        Ok(tables) => {
            if tables.is_empty() {
                println!("no table or view with a geometry column");
            }
            for t in &tables {
                let extent = t.estimated_extent.map_or("extent not known yet".to_owned(), |[w, s, e, n]| format!("about {w:.4},{s:.4},{e:.4},{n:.4}"));
                let time = t.time_column.as_deref().map_or(String::new(), |c| format!("  time: {c}"));
                println!("{}  {} ({}, EPSG:{})  {extent}{time}", t.title(), t.column, t.geometry_type.to_lowercase(), t.srid);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `portolan db push | pull | cases | history`.
fn db_cases(url: &str, command: DbCommand) -> ExitCode {
    let run = || -> Result<(), String> {
        let mut conn = portolan::db::connect(url, std::time::Duration::from_secs(60)).map_err(|e| e.to_string())?;
        match command {
            DbCommand::Push { case, name } => {
                let layer = io::read_path(&case).map_err(|e| format!("{}: {e}", case.display()))?.layer;
                let stem = case.file_stem().map(|s| s.to_string_lossy().trim_end_matches(".portolan").to_owned()).unwrap_or_default();
                let name = name.or_else(|| layer.case.as_ref().map(|c| c.title.trim().to_owned()).filter(|t| !t.is_empty())).unwrap_or(stem);
                let n = conn.push(&name, &layer).map_err(|e| e.to_string())?;
                println!("shared {:?}: {n} items (features, sources, vessels, events)", name);
            }
            DbCommand::Pull { name, out, at } => {
                let layer = match &at {
                    Some(t) => conn.pull_at(&name, t).map_err(|e| e.to_string())?,
                    None => conn.pull(&name).map_err(|e| e.to_string())?.layer,
                };
                io::save_path(&out, &layer).map_err(|e| format!("{}: {e}", out.display()))?;
                let when = at.map_or(String::new(), |t| format!(" as it was at {t}"));
                println!("wrote {} ({} features){when}", out.display(), layer.features.len());
            }
            DbCommand::Cases => {
                let cases = conn.cases().map_err(|e| e.to_string())?;
                if cases.is_empty() {
                    println!("no shared case yet (portolan db push CASE)");
                }
                for c in cases {
                    let last = match (&c.changed_by, &c.changed_at) {
                        (Some(by), Some(at)) => format!("  last changed {at} UTC by {by}"),
                        _ => String::new(),
                    };
                    println!("{}  ({}; {} items){last}", c.name, c.title, c.items);
                }
            }
            DbCommand::History { name, limit } => {
                for h in conn.history(&name, limit).map_err(|e| e.to_string())? {
                    println!("{} UTC  {:<12} {:<6} {} (version {})", h.at, h.by, h.op, h.item, h.version);
                }
            }
            DbCommand::Tables | DbCommand::ImportAis { .. } => {}
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn db_import_ais(url: &str, files: &[PathBuf], table: &str) -> ExitCode {
    use portolan::ais;
    let fail = |m: String| {
        eprintln!("error: {m}");
        ExitCode::FAILURE
    };
    let name = match portolan::db::ais::TableName::parse(table) {
        Ok(n) => n,
        Err(e) => return fail(e.to_string()),
    };
    let started = std::time::Instant::now();
    let mut data = match read_ais_files(files) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    ais::tracks::build(&mut data);
    let read_s = started.elapsed().as_secs_f64();
    let mut conn = match portolan::db::connect(url, std::time::Duration::from_secs(3600)) {
        Ok(c) => c,
        Err(e) => return fail(e.to_string()),
    };
    match conn.import_ais(&name, &data) {
        Ok(done) => {
            println!(
                "{}.{}: {} positions of {} vessels in {} ({} vessel-days of daily tracks); read {read_s:.1} s, loaded {:.1} s",
                name.schema,
                name.name,
                done.positions,
                done.vessels,
                done.months.join(", "),
                done.days,
                started.elapsed().as_secs_f64() - read_s
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e.to_string()),
    }
}

/// `portolan check … | head` should stop quietly when `head` has seen enough, as other command
/// line tools do; Rust ignores SIGPIPE, so every print would panic instead.
fn quiet_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE at start-up, before any thread runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in files {
        println!("{}", path.display());
        match io::read_path(path) {
            Ok(mut loaded) => {
                print!("{}", summary(&loaded));
                // What the file lacks rather than what is wrong with it: claims without
                // sources, sources that cannot be checked if the page goes.
                loaded.diagnostics.extend(io::case_file::check_provenance(&loaded.layer));
                print_diagnostics(path, &loaded.diagnostics);
                failed |= loaded.has_errors();
            }
            Err(e) => {
                print_diagnostics(path, &[e.to_diagnostic()]);
                failed = true;
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn summary(loaded: &io::Loaded) -> String {
    use std::fmt::Write;
    let layer = &loaded.layer;
    let mut out = String::new();
    if let Some(case) = &layer.case {
        let _ = writeln!(out, "  case: {}", case.title);
    }
    let kinds: Vec<String> = layer.count_by_kind().iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect();
    let _ = writeln!(out, "  features: {} ({})", layer.features.len(), kinds.join(", "));
    if let Some(case) = &layer.case {
        let _ = writeln!(
            out,
            "  evidence: {} sources, {} vessels, {} events",
            case.sources.len(),
            case.vessels.len(),
            case.events.len()
        );
    }
    match layer.extent() {
        Some(r) => {
            let _ = writeln!(
                out,
                "  extent: lon {:.4} .. {:.4}{}, lat {:.4} .. {:.4}",
                r.min().x,
                portolan::projection::wrap_lon(r.max().x),
                if r.max().x > 180.0 { " (across 180°)" } else { "" },
                r.min().y,
                r.max().y
            );
        }
        None => out.push_str("  extent: none (no located features)\n"),
    }
    out
}

fn print_diagnostics(path: &std::path::Path, diags: &[Diagnostic]) {
    let count = |s| diags.iter().filter(|d| d.severity == s).count();
    for d in diags {
        println!("  {}: {d}", path.display());
    }
    let (e, w) = (count(Severity::Error), count(Severity::Warning));
    if e + w == 0 {
        println!("  ok: no errors, no warnings");
    } else {
        println!("  {e} errors, {w} warnings");
    }
}

/// Reads AIS files into one set of reports, saying what each one was.
fn read_ais_files(files: &[PathBuf]) -> Result<portolan::ais::AisData, String> {
    let mut data: Option<portolan::ais::AisData> = None;
    for path in files {
        let d = portolan::ais::read::read_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("{}: {} ({} rows)", path.display(), d.format.name(), d.rows);
        match &mut data {
            Some(all) => all.merge(d),
            None => data = Some(d),
        }
    }
    data.ok_or_else(|| "no file".to_owned())
}

/// The positions of the vessels an archive saw in `bbox` from `from` to `to`.
fn ais_from_db(url: &str, table: &str, bbox: [f64; 4], from: &str, to: &str) -> Result<portolan::ais::AisData, String> {
    use portolan::db;
    let mut conn = db::connect(url, std::time::Duration::from_secs(600)).map_err(|e| e.to_string())?;
    let tables = conn.tables().map_err(|e| e.to_string())?;
    let head = tables.iter().find(|t| t.title() == table || (!table.contains('.') && t.schema == "public" && t.name == table));
    let archive = head
        .and_then(|t| db::ais::Archive::of(&tables, t))
        .ok_or_else(|| format!("{table} is not an AIS archive here (make one with portolan db import-ais)"))?;
    use portolan::model::time::DateRange;
    let from = DateRange::parse(from).ok_or("--from is a day (2023-08-01) or a month (2023-08)")?.first;
    let to = DateRange::parse(to).ok_or("--to is a day (2023-09-30) or a month (2023-09)")?.last;
    let data = conn.read_ais(&archive, bbox, &from.to_string(), &to.to_string(), 50_000_000).map_err(|e| e.to_string())?;
    println!("{}: {} ({} positions of {} vessels)", archive.positions.title(), data.format.name(), data.rows, data.vessels.len());
    Ok(data)
}

fn ais(args: &AisArgs, db: &str) -> ExitCode {
    use portolan::ais::{self, detect, output};
    let fail = |msg: String| {
        eprintln!("error: {msg}");
        ExitCode::FAILURE
    };
    for out in [&args.events, &args.tracks].into_iter().flatten() {
        let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        let ok = if Some(out) == args.events.as_ref() { matches!(ext.as_str(), "csv" | "geojson" | "json") } else { matches!(ext.as_str(), "geojson" | "json") };
        if !ok {
            return fail(format!("cannot write {}: use .csv or .geojson for events, .geojson for tracks", out.display()));
        }
    }
    let started = std::time::Instant::now();
    let read = match (&args.table, args.bbox, &args.from, &args.to) {
        (Some(table), Some(bbox), Some(from), Some(to)) => ais_from_db(db, table, bbox, from, to),
        _ => read_ais_files(&args.files),
    };
    let mut data = match read {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let read_s = started.elapsed().as_secs_f64();
    ais::tracks::build(&mut data);
    let mut params = args.preset.unwrap_or_default().params();
    if let Some(h) = args.gap_hours {
        params.gap_hours = h;
    }
    if let Some(n) = args.shore_nm {
        params.shore_nm = n;
    }
    let mut extra = Vec::new();
    for path in &args.ports {
        match io::read_path(path) {
            Ok(l) => extra.extend(l.layer.features.iter().filter_map(|f| match f.geometry.as_ref()? {
                geo::Geometry::Point(p) => Some(ais::shore::Port { name: f.name().unwrap_or("port").to_owned(), lon: p.x(), lat: p.y() }),
                _ => None,
            })),
            Err(e) => return fail(format!("{}: {e}", path.display())),
        }
    }
    if !args.ports.is_empty() {
        println!("ports: {} more from {}", extra.len(), args.ports.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    let ports = ais::shore::Ports::with_embedded(extra);
    let cx = detect::Context { params, ports: &ports, shore: ais::shore::Shore::embedded() };
    let events = detect::all(&data, &cx);
    let suspects: usize = data.vessels.iter().map(|v| v.fixes.iter().filter(|f| f.suspect).count()).sum();
    println!("vessels: {}", data.vessels.len());
    println!("positions: {} ({suspects} suspect)", data.positions());
    if data.dropped.total() > 0 {
        println!("dropped rows: {}", data.dropped.total());
        for line in data.dropped.lines() {
            println!("  {line}");
        }
    }
    for note in &data.notes {
        println!("note: {note}");
    }
    println!(
        "thresholds: gap {} h; likely switched off from {} h{}; port call within {} km (out beyond {} km, at least {} h); loitering under {} kn for {} h; encounters within {} m for {} h under {} kn",
        params.gap_hours,
        params.off_hours,
        if params.shore_nm > 0.0 { format!(" with both ends over {} nm from shore", params.shore_nm) } else { String::new() },
        params.port_enter_km,
        params.port_exit_km,
        params.port_min_hours,
        params.loiter_knots,
        params.loiter_hours,
        params.meet_metres,
        params.meet_hours,
        params.meet_knots
    );
    println!("events:");
    for kind in detect::EventKind::ALL {
        let n = events.iter().filter(|e| e.kind == kind).count();
        let extra = if kind == detect::EventKind::Gap { format!(" ({} likely switched off)", events.iter().filter(|e| e.likely_off).count()) } else { String::new() };
        println!("  {}: {n}{extra}", kind.as_str());
    }
    if events.iter().any(|e| e.kind == detect::EventKind::Gap) {
        println!("{}", detect::GAP_CAVEAT);
    }
    let write = |path: &PathBuf, bytes: &[u8]| -> Result<(), String> { io::save_atomic(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display())) };
    if let Some(path) = &args.events {
        let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let bytes = if is_csv {
            match output::events_csv(&data, &events) {
                Ok(b) => b,
                Err(e) => return fail(e.to_string()),
            }
        } else {
            output::geojson(events.iter().map(|e| output::event_feature(&data, e)).collect()).into_bytes()
        };
        if let Err(e) = write(path, &bytes) {
            return fail(e);
        }
        println!("wrote {} ({} events)", path.display(), events.len());
    }
    if let Some(path) = &args.tracks {
        let layer = output::layer("AIS", &data, &events, &params);
        if let Err(e) = write(path, output::geojson(layer.features).as_bytes()) {
            return fail(e);
        }
        println!("wrote {} ({} tracks and {} events)", path.display(), data.vessels.len(), events.len());
    }
    eprintln!("read in {read_s:.2} s, all in {:.2} s", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

fn export(args: Box<ExportArgs>, online: bool) -> ExitCode {
    let args = *args;
    use portolan::export::{self, BasemapChoice, ExportLayer, ExportSpec, Extent};
    let fail = |msg: String| {
        eprintln!("error: {msg}");
        ExitCode::FAILURE
    };
    // Fail before the work if the file cannot be written where asked.
    let dir = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return fail(format!("cannot write {}: the folder {} does not exist", args.out.display(), dir.display()));
    }
    if args.out.is_dir() {
        return fail(format!("cannot write {}: it is a folder", args.out.display()));
    }
    // The basemap's low tier is decoded on the other core while the files are read.
    std::thread::spawn(|| portolan::basemap::Basemap::embedded().decode_tier(portolan::basemap::Tier::Low));
    let mut loaded = Vec::new();
    for path in &args.files {
        match io::read_path_options(path, &io::Progress::default(), &io::ReadOptions { online, ..io::ReadOptions::default() }) {
            Ok(l) => {
                for d in &l.diagnostics {
                    eprintln!("{}: {d}", path.display());
                }
                loaded.push(l.layer);
            }
            Err(e) => return fail(format!("{}: {e}", path.display())),
        }
    }
    let mut spec = ExportSpec::new(loaded.iter().map(|layer| ExportLayer { layer, opacity: 1.0 }).collect());
    spec.extent = match args.bbox {
        Some(b) => Extent::BBox(b),
        None => Extent::Fit,
    };
    spec.title = args.title;
    spec.subtitle = args.subtitle;
    spec.source = args.source;
    spec.credit = args.credit;
    spec.only = args.layers;
    spec.time_range = args.time_range;
    spec.theme = args.theme;
    spec.detail = args.detail;
    spec.basemap = match args.basemap {
        BasemapArg::Offline => BasemapChoice::Offline,
        BasemapArg::Xyz(mut source) => {
            if let Some(a) = args.attribution.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                source.attribution = a.to_owned();
            }
            let fetcher = portolan::tiles::TileFetcher::new(source, portolan::tiles::default_cache_dir());
            BasemapChoice::Tiles(std::sync::Arc::new(fetcher))
        }
    };
    use portolan::export::artboard::PageSize;
    let size = args.size.unwrap_or(PageSize::Px([1920, 1080]));
    if matches!(size, PageSize::Mm(_)) && args.scale.is_some() {
        return fail("a page in millimetres takes its resolution from --dpi, not --scale".into());
    }
    if let Some(range) = args.animate {
        size.apply(&mut spec, args.scale.unwrap_or(1.0), args.dpi);
        let (step, fps) = (args.step.unwrap_or(export::animate::Step::Weeks(1)), args.fps.unwrap_or(2.0));
        let anim = export::animate::Animation { range, step, fps };
        let started = std::time::Instant::now();
        return match export::animate::save(&spec, &anim, &args.out) {
            Ok(done) => {
                for n in &done.notices {
                    eprintln!("warning: {n}");
                }
                let [w, h] = done.size_px;
                println!(
                    "wrote {} ({} frames of {w}×{h} px, {:.1} s long, made in {:.1} s) and its alt text {}",
                    args.out.display(),
                    done.frames,
                    done.frames as f32 / fps,
                    started.elapsed().as_secs_f32(),
                    export::alt_text_path(&args.out).display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e.to_string()),
        };
    } else if is_animation(&args.out) {
        return fail(format!("{} is an animation: give --animate START/END (and --step, --fps)", args.out.display()));
    }
    // One page, or one per artboard, each written whole before the next.
    let mut pages: Vec<(PathBuf, ExportSpec)> = if args.artboards.is_empty() {
        size.apply(&mut spec, args.scale.unwrap_or(1.0), args.dpi);
        vec![(args.out.clone(), spec)]
    } else {
        args.artboards
            .iter()
            .map(|a| {
                let mut page = spec.clone();
                a.apply(&mut page, args.scale, args.dpi);
                (portolan::export::artboard::file_for(&args.out, a.name), page)
            })
            .collect()
    };
    let single = pages.len() == 1;
    let report = |out: &Path, detail: Option<export::DetailBox>, result: Result<export::Exported, export::ExportError>| match result {
        Ok(done) => {
            for n in &done.notices {
                eprintln!("warning: {n}");
            }
            println!("wrote {} ({}) and its alt text {}", out.display(), describe(&done), export::alt_text_path(out).display());
            if let (None, Some([w, s, e, n])) = (detail, done.suggested_detail) {
                eprintln!("note: labelled sites crowd together: --detail {w},{s},{e},{n} (or --detail auto) shows them in an inset");
            }
            Ok(())
        }
        Err(e) if single => Err(fail(e.to_string())),
        Err(e) => Err(fail(format!("{}: {e}", out.display()))),
    };
    let Some((out, last)) = pages.pop() else { return ExitCode::SUCCESS };
    for (out, spec) in &pages {
        if let Err(code) = report(out, spec.detail, export::save(spec, out)) {
            return code;
        }
    }
    // The last page is painted once the files read are freed (the laid-out page needs nothing
    // of them) and their memory given back to the system.
    let (laid, detail) = (export::lay_out_for(&last, &out), last.detail);
    drop(last);
    drop(pages);
    drop(loaded);
    give_back_freed_memory();
    match report(&out, detail, laid.and_then(|laid| laid.write(&out))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Returns the heap's free pages to the system. Small blocks freed in the middle of glibc's
/// heap stay in the process otherwise: a 0.8 MB file's features, freed before its page is
/// painted, still counted about half a megabyte in the export's peak.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's heaps to the system; it
    // takes the allocator's locks like any allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Makes glibc give every allocation of a megabyte or more back to the system when it is
/// freed. By default the threshold rises to the size of the biggest block freed so far (up to
/// 32 MB): once a file's text is freed, the pictures and buffers made after it stay in the
/// heap, and each thread's heap keeps its high-water mark (a 0.8 MB file exported at 1x held
/// 3 MB more than an empty page; with the threshold fixed, 2 MB).
fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator; it is called before any thread
    // of this program starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// What an export wrote, as `portolan export` reports it.
fn describe(done: &portolan::export::Exported) -> String {
    use portolan::export::Format;
    let [w, h] = done.size_px;
    let inches = |px: u32| f64::from(px) / f64::from(done.dpi);
    match done.format {
        Format::Png => format!("{w}×{h} px, {} dpi: {:.1} × {:.1} cm", done.dpi, inches(w) * 2.54, inches(h) * 2.54),
        Format::Svg => format!("{w}×{h}, {} bytes", done.bytes.len()),
        Format::Pdf => format!("{:.0} × {:.0} mm page, images at {} dpi", inches(w) * 25.4, inches(h) * 25.4, done.dpi),
    }
}

fn convert(input: &std::path::Path, out: &std::path::Path) -> ExitCode {
    let loaded = match io::read_path(input) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{}: {}", input.display(), e.to_diagnostic());
            return ExitCode::FAILURE;
        }
    };
    for d in &loaded.diagnostics {
        eprintln!("{}: {d}", input.display());
    }
    if let Err(e) = io::save_path(out, &loaded.layer) {
        eprintln!("error: {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    let features = &loaded.layer.features;
    let gpx = out.extension().is_some_and(|e| e.eq_ignore_ascii_case("gpx"));
    let unlocated = if gpx { features.iter().filter(|f| f.geometry.is_none()).count() } else { 0 };
    println!("wrote {} ({} features)", out.display(), features.len() - unlocated);
    if unlocated > 0 {
        eprintln!("note: {unlocated} features without a geometry were left out: GPX holds positions only");
    }
    if loaded.has_errors() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn build_case(tables: &std::path::Path, out: &std::path::Path) -> ExitCode {
    let layer = match io::case_tables::read_dir(tables) {
        Ok(layer) => layer,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for d in io::case_file::check_references(&layer).into_iter().chain(io::case_file::check_provenance(&layer)) {
        eprintln!("{d}");
    }
    if let Err(e) = io::geojson::save(out, &layer) {
        eprintln!("error: cannot write {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {} ({} features)", out.display(), layer.features.len());
    ExitCode::SUCCESS
}
