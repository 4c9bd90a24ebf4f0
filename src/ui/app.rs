//! App state and the frame: menu bar, map, status bar.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use walkers::MapMemory;

use super::map_view::{self, MapState};
use super::tiles::LocalTiles;
use crate::io::{self, Diagnostic};
use crate::model::{FeatureRef, Layer};

/// How the app was started.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Files to open; the built-in sample case when empty.
    pub files: Vec<PathBuf>,
    /// Save a screenshot here once the view is drawn, then quit.
    pub screenshot: Option<PathBuf>,
    /// Start at this longitude, latitude and zoom instead of fitting the data.
    pub view: Option<(f64, f64, f64)>,
}

/// A file opened as a layer, with what the viewer chose for it.
pub struct OpenLayer {
    pub layer: Layer,
    pub path: Option<PathBuf>,
    pub visible: bool,
    pub opacity: f32,
    pub diagnostics: Vec<Diagnostic>,
}

/// The result of a `--screenshot` run, handed back to `ui::run` when the window closes.
#[derive(Clone, Default)]
pub struct ScreenshotOutcome(Arc<Mutex<Option<Result<(), String>>>>);

impl ScreenshotOutcome {
    fn set(&self, r: Result<(), String>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(r);
        }
    }

    pub(crate) fn take(&self) -> Option<Result<(), String>> {
        self.0.lock().ok().and_then(|mut s| s.take())
    }
}

struct Screenshot {
    path: PathBuf,
    outcome: ScreenshotOutcome,
    frames: u32,
    quiet_frames: u32,
    requested: bool,
}

pub struct PortolanApp {
    pub layers: Vec<OpenLayer>,
    pub map: MapState,
    /// Messages for files that could not be opened at all.
    pub load_errors: Vec<String>,
    screenshot: Option<Screenshot>,
}

impl PortolanApp {
    pub fn new(ctx: &egui::Context, options: Options, outcome: Option<ScreenshotOutcome>) -> Self {
        super::fonts::install(ctx);
        ctx.set_theme(egui::Theme::Light);
        let mut load_errors = Vec::new();
        let mut layers = Vec::new();
        if options.files.is_empty() {
            layers.push(open_layer(io::sample_case(), None));
        }
        for path in &options.files {
            match io::read_path(path) {
                Ok(loaded) => {
                    for d in &loaded.diagnostics {
                        eprintln!("{}: {d}", path.display());
                    }
                    layers.push(open_layer(loaded, Some(path.clone())));
                }
                Err(e) => {
                    let msg = format!("{}: {e}", path.display());
                    eprintln!("{msg}");
                    load_errors.push(msg);
                }
            }
        }
        let basemap = crate::basemap::Basemap::embedded();
        let render = Arc::new(move |z, x, y, size| basemap.render_tile(z, x, y, size));
        let attribution = walkers::sources::Attribution {
            text: crate::basemap::ATTRIBUTION,
            url: "https://www.naturalearthdata.com",
            logo_light: None,
            logo_dark: None,
        };
        let tiles = LocalTiles::new(ctx.clone(), render, attribution, 2);
        let mut memory = MapMemory::default();
        let fit_pending = match options.view {
            Some((lon, lat, zoom)) => {
                memory.center_at(walkers::lon_lat(lon, lat));
                let _ = memory.set_zoom(zoom);
                false
            }
            None => true,
        };
        let screenshot = options.screenshot.map(|path| Screenshot {
            path,
            outcome: outcome.unwrap_or_default(),
            frames: 0,
            quiet_frames: 0,
            requested: false,
        });
        Self { layers, map: MapState::new(memory, tiles, fit_pending), load_errors, screenshot }
    }

    pub fn selection(&self) -> Option<FeatureRef> {
        self.map.selected
    }

    /// The selected feature's id, as the case names it.
    pub fn selected_key(&self) -> Option<String> {
        let at = self.map.selected?;
        self.layers.get(at.layer)?.layer.features.get(at.feature)?.key()
    }

    fn status_bar_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            match self.map.pointer_lonlat {
                Some((lon, lat)) => ui.monospace(format_lonlat(lon, lat)),
                None => ui.monospace("—"),
            };
            ui.separator();
            ui.label(format!("zoom {:.1}", self.map.memory.zoom()));
            if let Some(at) = self.map.selected
                && let Some(f) = self.layers.get(at.layer).and_then(|l| l.layer.features.get(at.feature))
            {
                ui.separator();
                ui.label(format!("selected: {} ({})", f.name().unwrap_or("unnamed"), crate::scene::style::kind_label(&f.kind())));
            }
            let pending = self.map.tiles.pending();
            if pending > 0 {
                ui.separator();
                ui.label(format!("drawing {pending} tiles…"));
            }
            for e in &self.load_errors {
                ui.separator();
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        });
    }

    fn screenshot_step(&mut self, ctx: &egui::Context) {
        let Some(shot) = &mut self.screenshot else { return };
        if shot.requested {
            return;
        }
        shot.frames += 1;
        let pending = self.map.online.as_ref().map_or(self.map.tiles.pending(), |o| o.tiles.pending());
        let settled = pending == 0 && !self.map.fit_pending;
        shot.quiet_frames = if settled { shot.quiet_frames + 1 } else { 0 };
        // Wait until every tile in view is drawn; give up waiting after about a minute.
        if (shot.quiet_frames >= 5 && shot.frames >= 10) || shot.frames > 3600 {
            shot.requested = true;
            let (path, outcome, ctx2) = (shot.path.clone(), shot.outcome.clone(), ctx.clone());
            ctx.request_screenshot(move |image: Arc<egui::ColorImage>| {
                outcome.set(save_png(&path, &image));
                ctx2.send_viewport_cmd(egui::ViewportCommand::Close);
                ctx2.request_repaint();
            });
        }
        ctx.request_repaint();
    }
}

fn open_layer(loaded: io::Loaded, path: Option<PathBuf>) -> OpenLayer {
    OpenLayer { layer: loaded.layer, path, visible: true, opacity: 1.0, diagnostics: loaded.diagnostics }
}

fn save_png(path: &std::path::Path, image: &egui::ColorImage) -> Result<(), String> {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let size = tiny_skia::IntSize::from_wh(w as u32, h as u32).ok_or("the screenshot is empty")?;
    let pixmap = tiny_skia::Pixmap::from_vec(bytes, size).ok_or("cannot make a picture of the screenshot")?;
    let png = pixmap.encode_png().map_err(|e| e.to_string())?;
    io::save_atomic(path, &png).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn format_lonlat(lon: f64, lat: f64) -> String {
    let ns = if lat >= 0.0 { 'N' } else { 'S' };
    let ew = if lon >= 0.0 { 'E' } else { 'W' };
    format!("{:.4}° {ns}  {:.4}° {ew}", lat.abs(), lon.abs())
}

impl eframe::App for PortolanApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        egui::Panel::top("menu").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong("Portolan");
                ui.separator();
                map_view::toolbar_ui(ui, &mut self.map, &self.layers);
            });
        });
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar_ui(ui));
        egui::CentralPanel::no_frame().show(ui, |ui| {
            map_view::map_ui(ui, &mut self.map, &self.layers);
        });
        map_view::xyz_dialog_ui(&ctx, &mut self.map);
        self.screenshot_step(&ctx);
    }
}
