//! The `portolan` command: opens the map window, or checks, builds and exports case files.

use std::path::PathBuf;
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
        [lon, lat, zoom] if (-180.0..=180.0).contains(&lon) && (-85.0..=85.0).contains(&lat) && (0.0..=20.0).contains(&zoom) => {
            Ok((lon, lat, zoom))
        }
        _ => Err("expected LON,LAT,ZOOM with lon in -180..180, lat in -85..85, zoom in 0..20".into()),
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Check { files }) => check(&files),
        Some(Command::BuildCase { tables, out }) => build_case(&tables, &out),
        None => {
            let options = portolan::ui::Options {
                files: cli.files,
                screenshot: cli.screenshot,
                view: cli.view,
                select: cli.select,
                time_range: cli.time_range,
                tiles: cli.tiles.map(|t| t.0),
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

fn check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in files {
        println!("{}", path.display());
        match io::read_path(path) {
            Ok(loaded) => {
                print!("{}", summary(&loaded));
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
                "  extent: lon {:.4} .. {:.4}, lat {:.4} .. {:.4}",
                r.min().x,
                r.max().x,
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

fn build_case(tables: &std::path::Path, out: &std::path::Path) -> ExitCode {
    let layer = match io::case_tables::read_dir(tables) {
        Ok(layer) => layer,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for d in io::case_file::check_references(&layer) {
        eprintln!("{d}");
    }
    if let Err(e) = io::geojson::save(out, &layer) {
        eprintln!("error: cannot write {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {} ({} features)", out.display(), layer.features.len());
    ExitCode::SUCCESS
}
