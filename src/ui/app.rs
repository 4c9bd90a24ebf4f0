//! App state and the frame: menu bar, map, status bar.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use geo::BoundingRect;
use walkers::MapMemory;

use super::layers::{self, LayerAction};
use super::loading::{self, Fit, Loading, Shown};
use super::map_view::{self, MapInputs, MapState, OnlineLayer};
use super::measure::Measure;
use super::panel::{self, Action, PanelCtx};
use super::search;
use super::selection::{History, Selection, highlighted};
use super::timeline::Timeline;
use crate::basemap::LayerKind;
use crate::index::LayerIndex;
use crate::io::{self, Diagnostic, Severity};
use crate::model::{Feature, FeatureRef, Layer, time};
use crate::tiles::XyzSource;
use crate::tiles::layer::RASTER_ABOVE_VERTICES;

/// How the app was started.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Files to open; the built-in sample case when empty.
    pub files: Vec<PathBuf>,
    /// Save a screenshot here once the view is drawn, then quit.
    pub screenshot: Option<PathBuf>,
    /// Start at this longitude, latitude and zoom instead of fitting the data.
    pub view: Option<(f64, f64, f64)>,
    /// Select the item with this id at start (a feature, vessel, event or source).
    pub select: Option<String>,
    /// Start with the timeline on this range.
    pub time_range: Option<time::DateRange>,
    /// Start with these tiles: `Some(None)` the offline basemap, `Some(Some(source))` online
    /// tiles; `None` keeps the last session's choice.
    pub tiles: Option<Option<XyzSource>>,
}

/// A file opened as a layer, with what the viewer chose for it.
pub struct OpenLayer {
    /// Shared with the threads that draw its raster tiles.
    pub layer: Arc<Layer>,
    /// Its R-tree: what is in view, what is under the pointer.
    pub index: Arc<LayerIndex>,
    pub path: Option<PathBuf>,
    pub visible: bool,
    pub opacity: f32,
    pub diagnostics: Vec<Diagnostic>,
}

impl OpenLayer {
    pub fn new(loaded: io::Loaded, path: Option<PathBuf>) -> Self {
        let index = LayerIndex::build(&loaded.layer);
        Self::indexed(loaded, index, path)
    }

    fn indexed(loaded: io::Loaded, index: LayerIndex, path: Option<PathBuf>) -> Self {
        OpenLayer { layer: Arc::new(loaded.layer), index: Arc::new(index), path, visible: true, opacity: 1.0, diagnostics: loaded.diagnostics }
    }

    /// Drawn as raster tiles: too many vertices to tessellate on every frame.
    pub fn is_raster(&self) -> bool {
        self.index.vertices() > RASTER_ABOVE_VERTICES
    }
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

/// What survives a restart (eframe persistence).
#[derive(Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Persisted {
    pub recent: Vec<PathBuf>,
    /// Files open when the app closed, with their visibility and opacity.
    pub files: Vec<(PathBuf, bool, f32)>,
    /// Centre lon, lat and zoom.
    pub view: Option<(f64, f64, f64)>,
    pub hidden_kinds: BTreeSet<String>,
    /// Basemap layers switched off, by name (`rivers`, `railroads`, ...).
    pub hidden_basemap: BTreeSet<String>,
    /// Online tiles: template and attribution.
    pub tiles: Option<(String, String)>,
    pub show_layers: bool,
}

/// Recent files kept in the File menu.
const MAX_RECENT: usize = 10;

pub struct PortolanApp {
    pub layers: Vec<OpenLayer>,
    pub map: MapState,
    pub history: History,
    pub timeline: Option<Timeline>,
    pub search: String,
    pub measure: Measure,
    pub hidden_kinds: BTreeSet<String>,
    pub recent: Vec<PathBuf>,
    pub show_layers: bool,
    pub show_problems: bool,
    /// The export dialog, while it is open.
    pub export: Option<super::ExportDialog>,
    /// Messages for files that could not be opened at all.
    pub load_errors: Vec<String>,
    /// Files loading in the background.
    pub loading: Vec<Loading>,
    /// The last thing worth telling that is not a problem ("loading … cancelled").
    pub note: Option<String>,
    /// `--time-range` and `--select`, until the files given at start have loaded.
    at_start: Option<(Option<time::DateRange>, Option<String>)>,
    screenshot: Option<Screenshot>,
}

impl PortolanApp {
    pub fn new(ctx: &egui::Context, options: Options, outcome: Option<ScreenshotOutcome>, storage: Option<&dyn eframe::Storage>) -> Self {
        super::fonts::install(ctx);
        ctx.set_theme(egui::Theme::Light);
        // Decode every basemap layer now, off the UI thread, so zooming in never waits.
        std::thread::spawn(|| {
            if let Err(e) = crate::basemap::Basemap::embedded().decode_all() {
                eprintln!("portolan: the built-in basemap is damaged: {e}");
            }
        });
        // A screenshot run is reproducible: it ignores what the last session left.
        let persisted: Persisted = match (&options.screenshot, storage) {
            (None, Some(s)) => eframe::get_value(s, eframe::APP_KEY).unwrap_or_default(),
            _ => Persisted::default(),
        };
        let hidden_basemap: Vec<LayerKind> = LayerKind::ALL.into_iter().filter(|k| persisted.hidden_basemap.contains(k.file_stem())).collect();
        let tiles = map_view::offline_tiles(ctx, hidden_basemap.clone());
        let mut memory = MapMemory::default();
        let view = options.view.or(if options.files.is_empty() { persisted.view } else { None });
        let fit_pending = match view {
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
        let mut map = MapState::new(memory, tiles, fit_pending);
        map.hidden_basemap = hidden_basemap;
        let mut app = Self {
            layers: Vec::new(),
            map,
            history: History::default(),
            timeline: None,
            search: String::new(),
            measure: Measure::default(),
            hidden_kinds: persisted.hidden_kinds,
            recent: persisted.recent,
            show_layers: persisted.show_layers,
            show_problems: false,
            export: None,
            load_errors: Vec::new(),
            loading: Vec::new(),
            note: None,
            at_start: None,
            screenshot,
        };
        let remembered = persisted.tiles.and_then(|(template, attribution)| {
            let source = XyzSource::custom(&template, &attribution).ok()?;
            Some(if template == XyzSource::openstreetmap().template { XyzSource::openstreetmap() } else { source })
        });
        if let Some(source) = options.tiles.clone().unwrap_or(remembered) {
            app.map.online = Some(OnlineLayer::new(ctx, source, crate::tiles::default_cache_dir()));
        }
        if options.files.is_empty() {
            app.layers.push(OpenLayer::new(io::sample_case(), None));
            for (path, visible, opacity) in persisted.files {
                if path.is_file() {
                    app.open_file_as(ctx, &path, Shown { visible, opacity, fit: Fit::No });
                }
            }
        }
        // Files given at start are fitted when they arrive, unless a view was asked for.
        let fit = if options.view.is_none() { Fit::All } else { Fit::No };
        for path in &options.files {
            app.open_file_as(ctx, path, Shown { visible: true, opacity: 1.0, fit });
        }
        app.rebuild_timeline();
        // The time range and the selection asked for at start apply once the files are in.
        app.at_start = Some((options.time_range, options.select));
        app.apply_start_options();
        app
    }

    /// Applies `--time-range` and `--select` when no file given at start is still loading.
    fn apply_start_options(&mut self) {
        if !self.loading.is_empty() {
            return;
        }
        let Some((range, select)) = self.at_start.take() else { return };
        if let (Some(t), Some(r)) = (&mut self.timeline, range) {
            t.set(r);
        }
        if let Some(id) = select {
            match self.find(&id) {
                Some(s) => {
                    self.history.select(s);
                }
                None => self.load_errors.push(format!("--select: nothing has the id {id:?}")),
            }
        }
    }

    /// The item with this id in any open layer: a feature, vessel, event or source.
    pub fn find(&self, id: &str) -> Option<Selection> {
        self.layers.iter().enumerate().find_map(|(layer, l)| {
            if let Some(at) = super::selection::feature_ref(&self.layers, layer, id) {
                return Some(Selection::Feature(at));
            }
            let case = l.layer.case.as_ref()?;
            let id = id.to_owned();
            if case.vessel(&id).is_some() {
                Some(Selection::Vessel { layer, id })
            } else if case.event(&id).is_some() {
                Some(Selection::Event { layer, id })
            } else if case.source(&id).is_some() {
                Some(Selection::Source { layer, id })
            } else {
                None
            }
        })
    }

    /// Opens a file as a new layer, zooming to it if `fit`. Big files load in the background
    /// (see [`loading`]); the layer appears when they are done.
    pub fn open_file(&mut self, ctx: &egui::Context, path: &Path, fit: bool) {
        let fit = if fit { Fit::File } else { Fit::No };
        self.open_file_as(ctx, path, Shown { visible: true, opacity: 1.0, fit });
    }

    fn open_file_as(&mut self, ctx: &egui::Context, path: &Path, shown: Shown) {
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_owned());
        self.recent.truncate(MAX_RECENT);
        if loading::in_background(path) {
            match Loading::start(ctx, path, shown) {
                Ok(l) => self.loading.push(l),
                Err(e) => self.loaded(path, Err(e.into()), shown),
            }
        } else {
            let outcome = loading::load(path, &io::Progress::default(), &Default::default());
            self.loaded(path, outcome, shown);
        }
    }

    /// Adds a loaded file as a layer. Its problems go to the problems list; a file that cannot
    /// be read at all leaves everything else as it was.
    fn loaded(&mut self, path: &Path, outcome: loading::Outcome, shown: Shown) {
        match outcome {
            Ok((loaded, index)) => {
                if loaded.diagnostics.iter().any(|d| d.severity >= Severity::Warning) {
                    self.show_problems = true;
                }
                let extent = loaded.layer.extent();
                let mut layer = OpenLayer::indexed(loaded, index, Some(path.to_owned()));
                (layer.visible, layer.opacity) = (shown.visible, shown.opacity);
                self.layers.push(layer);
                match shown.fit {
                    Fit::No => {}
                    Fit::File => self.map.fit_to = extent,
                    Fit::All => self.map.fit_pending = true,
                }
                self.rebuild_timeline();
            }
            Err(io::ReadError::Cancelled) => {
                self.note = Some(format!("Loading {} was cancelled", path.display()));
            }
            Err(e) => {
                self.load_errors.push(format!("{}: {e}", path.display()));
                self.show_problems = true;
            }
        }
    }

    /// Takes in the background loads that have finished, in the order they were started.
    fn poll_loading(&mut self, ctx: &egui::Context) {
        while let Some(i) = self.loading.iter().position(Loading::is_finished) {
            let l = self.loading.remove(i);
            let (path, shown) = (l.path.clone(), l.shown);
            self.loaded(&path, l.finish(), shown);
        }
        self.apply_start_options();
        if !self.loading.is_empty() {
            // Keep the progress bar moving.
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    /// Saves an open layer as GeoJSON or KML (by the file name); a failure is listed with the
    /// problems.
    pub fn save_layer(&mut self, index: usize, path: &Path) -> bool {
        let Some(l) = self.layers.get(index) else { return false };
        match io::save_path(path, &l.layer) {
            Ok(()) => true,
            Err(e) => {
                self.load_errors.push(format!("{}: {e}", path.display()));
                self.show_problems = true;
                false
            }
        }
    }

    fn rebuild_timeline(&mut self) {
        let span = self
            .layers
            .iter()
            .filter_map(|l| l.layer.case.as_ref().and_then(|c| time::case_span(c, &l.layer.features)))
            .reduce(|a, b| a.union(&b));
        let keep = self.timeline.as_ref().map(|t| (t.from, t.to));
        self.timeline = span.map(Timeline::new);
        if let (Some(t), Some((from, to))) = (&mut self.timeline, keep) {
            (t.from, t.to) = (from, to);
        }
    }

    pub fn selection(&self) -> Option<&Selection> {
        self.history.current()
    }

    /// The selected feature's id, as the case names it.
    pub fn selected_key(&self) -> Option<String> {
        let Some(Selection::Feature(at)) = self.history.current() else { return None };
        self.layers.get(at.layer)?.layer.features.get(at.feature)?.key()
    }

    /// Selects an item and shows it on the map.
    pub fn select(&mut self, s: Selection) {
        let shown: Vec<FeatureRef> = highlighted(&self.layers, &s);
        let extent = shown
            .iter()
            .filter_map(|at| self.layers.get(at.layer)?.layer.features.get(at.feature)?.geometry.as_ref()?.bounding_rect())
            .reduce(|a, b| geo::Rect::new((a.min().x.min(b.min().x), a.min().y.min(b.min().y)), (a.max().x.max(b.max().x), a.max().y.max(b.max().y))));
        if let Some(e) = extent {
            self.map.fit_to = Some(e);
        }
        self.history.select(s);
    }


    /// How much a feature fades on the map now (1 shown, 0 hidden).
    pub fn feature_fade(&self, at: FeatureRef) -> f32 {
        match self.layers.get(at.layer).and_then(|l| l.layer.features.get(at.feature)) {
            Some(f) => fade_of(&self.layers, &self.hidden_kinds, self.timeline.as_ref(), at, f),
            None => 0.0,
        }
    }

    pub fn persisted(&self) -> Persisted {
        let view = self.map.memory.detached().map(|p| (p.x(), p.y(), self.map.memory.zoom()));
        Persisted {
            recent: self.recent.clone(),
            files: self.layers.iter().filter_map(|l| Some((l.path.clone()?, l.visible, l.opacity))).collect(),
            view,
            hidden_kinds: self.hidden_kinds.clone(),
            hidden_basemap: self.map.hidden_basemap.iter().map(|k| k.file_stem().to_owned()).collect(),
            tiles: self.map.online.as_ref().map(|o| (o.fetcher.source.template.clone(), o.fetcher.source.attribution.clone())),
            show_layers: self.show_layers,
        }
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui) {
        ui.menu_button("File", |ui| {
            if ui.button("Open…").clicked() {
                ui.close();
                let picked = rfd::FileDialog::new()
                    .add_filter("Map data", &["geojson", "json", "kml", "kmz", "gpx", "csv", "tsv", "txt"])
                    .add_filter("All files", &["*"])
                    .pick_files();
                for path in picked.unwrap_or_default() {
                    self.open_file(ui.ctx(), &path, true);
                }
            }
            ui.menu_button("Open recent", |ui| {
                if self.recent.is_empty() {
                    ui.label("No recent files");
                }
                for path in self.recent.clone() {
                    if ui.button(path.display().to_string()).clicked() {
                        ui.close();
                        self.open_file(ui.ctx(), &path, true);
                    }
                }
            });
            ui.menu_button("Save layer as…", |ui| {
                for i in 0..self.layers.len() {
                    let name = if self.layers[i].layer.name.is_empty() { "layer".to_owned() } else { self.layers[i].layer.name.clone() };
                    if ui.button(&name).clicked() {
                        ui.close();
                        let picked = rfd::FileDialog::new()
                            .set_file_name(format!("{name}.geojson"))
                            .add_filter("GeoJSON (QGIS, geojson.io; keeps a case's evidence)", &["geojson", "json"])
                            .add_filter("KML (Google Earth)", &["kml"])
                            .save_file();
                        if let Some(path) = picked {
                            self.save_layer(i, &path);
                        }
                    }
                }
            });
            if ui.button("Export map…").clicked() {
                self.export = Some(super::ExportDialog::default());
                ui.close();
            }
            if ui.button("Problems…").clicked() {
                self.show_problems = true;
                ui.close();
            }
        });
    }

    fn search_ui(&mut self, ui: &mut egui::Ui) {
        let label = ui.label("Search");
        let edit = egui::TextEdit::singleline(&mut self.search).hint_text("site, ship, report…").desired_width(220.0);
        let response = ui.add(edit).labelled_by(label.id);
        if self.search.trim().is_empty() {
            return;
        }
        let hits = search::search(&self.layers, &self.search);
        let enter = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let mut picked = None;
        if enter {
            picked = hits.first().map(|h| h.selection.clone());
        }
        let below = response.rect.left_bottom() + egui::vec2(0.0, 4.0);
        egui::Area::new(egui::Id::unique("search-results")).fixed_pos(below).order(egui::Order::Foreground).show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(420.0);
                if hits.is_empty() {
                    ui.label("Nothing found");
                }
                for h in &hits {
                    if ui.selectable_label(false, format!("{}  ·  {}", h.label, h.kind)).clicked() {
                        picked = Some(h.selection.clone());
                    }
                }
            });
        });
        if let Some(s) = picked {
            self.select(s);
            self.search.clear();
        }
    }

    fn status_bar_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            match self.map.pointer_lonlat {
                Some((lon, lat)) => ui.monospace(format_lonlat(lon, lat)),
                None => ui.monospace("—"),
            };
            ui.separator();
            ui.label(format!("zoom {:.1}", self.map.memory.zoom()));
            if let Some(Selection::Feature(at)) = self.history.current()
                && let Some(f) = self.layers.get(at.layer).and_then(|l| l.layer.features.get(at.feature))
            {
                ui.separator();
                ui.label(format!("selected: {} ({})", f.name().unwrap_or("unnamed"), crate::scene::style::kind_label(&f.kind())));
            }
            if self.measure.active {
                ui.separator();
                let n = self.measure.points.len();
                if n < 2 {
                    ui.label("Measure: click points on the map; Esc clears");
                } else {
                    ui.strong(format!("Measured {}", crate::index::measure::format_distance(self.measure.total_metres())));
                }
            }
            let pending = self.map.pending_tiles();
            if pending > 0 {
                ui.separator();
                ui.label(format!("drawing {pending} tiles…"));
            }
            if let Some(note) = &self.note {
                ui.separator();
                ui.label(note);
            }
            for e in &self.load_errors {
                ui.separator();
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        });
    }

    fn keys(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        if ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
            if self.measure.active && !self.measure.points.is_empty() {
                self.measure.points.clear();
            } else if self.measure.active {
                self.measure.active = false;
            } else {
                self.history.clear();
            }
        }
    }

    fn dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_owned()).collect());
        for path in dropped {
            self.open_file(ctx, &path, true);
        }
    }

    fn screenshot_step(&mut self, ctx: &egui::Context) {
        let Some(shot) = &mut self.screenshot else { return };
        if shot.requested {
            return;
        }
        shot.frames += 1;
        let settled = self.map.pending_tiles() == 0 && !self.map.fit_pending && self.loading.is_empty();
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

/// Changes whenever [`fade_of`] may give other answers: the kinds switched off, the range.
fn fade_key(hidden: &BTreeSet<String>, timeline: Option<&Timeline>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    hidden.hash(&mut h);
    timeline.and_then(Timeline::range).map(|r| (r.first.0, r.last.0)).hash(&mut h);
    h.finish()
}

/// How much a feature fades: 0 when its kind is switched off, dim outside the timeline.
fn fade_of(layers: &[OpenLayer], hidden: &BTreeSet<String>, timeline: Option<&Timeline>, at: FeatureRef, f: &Feature) -> f32 {
    if hidden.contains(super::layers::kind_key(&f.kind())) {
        return 0.0;
    }
    let case = layers.get(at.layer).and_then(|l| l.layer.case.as_ref());
    timeline.map_or(1.0, |t| t.fade(time::feature_range(f, case)))
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
        self.poll_loading(&ctx);
        self.dropped_files(&ctx);
        self.keys(&ctx);
        egui::Panel::top("menu").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong("Portolan");
                ui.separator();
                self.menu_ui(ui);
                ui.toggle_value(&mut self.show_layers, "Layers");
                map_view::toolbar_ui(ui, &mut self.map, &self.layers);
                if ui.toggle_value(&mut self.measure.active, "Measure").on_hover_text("Click points on the map; Esc clears").changed() {
                    self.measure.points.clear();
                }
                ui.separator();
                ui.add_enabled_ui(self.history.can_back(), |ui| {
                    if ui.button("Back").on_hover_text("The previous selection").clicked() {
                        self.history.back();
                    }
                });
                ui.add_enabled_ui(self.history.can_forward(), |ui| {
                    if ui.button("Forward").on_hover_text("The next selection").clicked() {
                        self.history.forward();
                    }
                });
                ui.separator();
                self.search_ui(ui);
            });
        });
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar_ui(ui));
        if !self.loading.is_empty() {
            let mut cancelled = Vec::new();
            egui::Panel::bottom("loading").show(ui, |ui| cancelled = loading::loading_ui(ui, &self.loading));
            for i in cancelled {
                if let Some(l) = self.loading.get(i) {
                    l.progress.cancel();
                }
            }
        }
        if let Some(timeline) = &mut self.timeline {
            let marks: Vec<time::DateRange> = self
                .layers
                .iter()
                .filter_map(|l| l.layer.case.as_ref())
                .flat_map(|c| c.events.iter().filter_map(time::event_range))
                .collect();
            egui::Panel::bottom("timeline").show(ui, |ui| timeline.ui(ui, &marks));
        }
        if self.show_layers {
            let basemap = self.map.online.as_ref().map_or("Offline (Natural Earth)".to_owned(), |o| o.fetcher.source.name.clone());
            let mut actions = Vec::new();
            egui::Panel::left("layers").default_size(240.0).show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    let mut hidden_basemap = self.map.hidden_basemap.clone();
                    actions = layers::layers_ui(ui, &mut self.layers, &mut self.hidden_kinds, &basemap, &mut hidden_basemap);
                    self.map.set_hidden_basemap(ui.ctx(), hidden_basemap);
                    ui.separator();
                    layers::legend_ui(ui, &self.layers, &self.hidden_kinds);
                });
            });
            for a in actions {
                match a {
                    LayerAction::Remove(i) => {
                        self.layers.remove(i);
                        self.history = History::default();
                        self.rebuild_timeline();
                    }
                    LayerAction::MoveUp(i) => self.layers.swap(i, i + 1),
                    LayerAction::ShowProblems => self.show_problems = true,
                }
            }
        }
        if let Some(selection) = self.history.current().cloned() {
            let mut pctx = PanelCtx { layers: &self.layers, timeline: self.timeline.as_ref(), actions: Vec::new() };
            egui::Panel::right("details").default_size(380.0).show(ui, |ui| panel::panel_ui(ui, &mut pctx, &selection));
            for Action::Select(s) in std::mem::take(&mut pctx.actions) {
                self.select(s);
            }
        }
        let highlighted = self.history.current().map(|s| highlighted(&self.layers, s)).unwrap_or_default();
        let mut clicked = None;
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let (layers, hidden, timeline) = (&self.layers, &self.hidden_kinds, self.timeline.as_ref());
            let fade = |at: FeatureRef, f: &Feature| fade_of(layers, hidden, timeline, at, f);
            let fade_key = fade_key(hidden, timeline);
            let inputs = MapInputs { highlighted: &highlighted, fade: &fade, fade_key, measure: &mut self.measure };
            clicked = map_view::map_ui(ui, &mut self.map, &self.layers, inputs);
        });
        match clicked {
            Some(Some(at)) => self.history.select(Selection::Feature(at)),
            Some(None) => self.history.clear(),
            None => {}
        }
        map_view::xyz_dialog_ui(&ctx, &mut self.map);
        if self.show_problems {
            let mut open = true;
            let mut picked = None;
            egui::Window::new("Problems").open(&mut open).default_width(520.0).show(&ctx, |ui| {
                picked = layers::problems_ui(ui, &self.layers, &self.load_errors);
            });
            self.show_problems = open;
            if let Some(s) = picked {
                self.select(s);
            }
        }
        if let Some(dialog) = &mut self.export {
            let range = self.timeline.as_ref().and_then(|t| t.range());
            if !dialog.ui(&ctx, &self.layers, &self.map, range) {
                self.export = None;
            }
        }
        self.screenshot_step(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted());
    }
}
