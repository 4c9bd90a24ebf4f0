//! App state and the frame: menu bar, map, status bar.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use walkers::MapMemory;

use super::files::{self, Choice, Conflicts, NewCase, OnDisk, Unsaved};
use super::layers::{self, LayerAction};
use super::loading::{self, Fit, Loading, Shown};
use super::map_view::{self, MapInputs, MapState, OnlineLayer};
use super::measure::Measure;
use super::panel::{self, Action, PanelCtx};
use super::timeline::Timeline;
use super::tools::{Tool, Tools};
use crate::basemap::LayerKind;
use crate::document::recovery::{self, Autosave, Recovered};
use crate::document::selection::{Selection, highlighted};
use crate::document::{Document, OpenLayer, SaveError, search};
use crate::io::{self, Severity};
use crate::model::{Feature, FeatureRef, time};
use crate::tiles::XyzSource;

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
    /// Where unsaved edits are kept for recovery (`recovery::default_dir()` for the real
    /// window); none are kept when `None`.
    pub recovery_dir: Option<PathBuf>,
    /// Files may fetch what they link to on the web (KML overlay pictures); the Tiles menu
    /// switches it.
    pub online: bool,
    /// A PostGIS database to open at start (`--db postgres://…`): the "Open from database"
    /// dialog opens connected to it.
    pub db: Option<String>,
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
    /// The database address last used, without its password.
    pub db: Option<String>,
    /// Addresses connected to, newest first, without their passwords.
    pub db_saved: Vec<String>,
}

/// Recent files kept in the File menu.
const MAX_RECENT: usize = 10;

pub struct PortolanApp {
    /// What is open, the selection and the undo history: every edit goes through it.
    pub doc: Document,
    pub map: MapState,
    /// Drawing and geometry editing on the map; edit mode.
    pub tools: Tools,
    pub timeline: Option<Timeline>,
    pub search: String,
    pub measure: Measure,
    pub hidden_kinds: BTreeSet<String>,
    pub recent: Vec<PathBuf>,
    pub show_layers: bool,
    pub show_problems: bool,
    /// The export dialog, while it is open.
    pub export: Option<super::ExportDialog>,
    /// The "Find imagery" window, while it is open.
    pub imagery: Option<super::imagery::FindImagery>,
    /// The "Open from database" dialog, while it is open, and the address last used.
    pub db_dialog: Option<super::database::DbDialog>,
    db_url: String,
    db_saved: Vec<String>,
    /// Database tables open as layers read per view.
    pub db_layers: Vec<super::database::DbLayer>,
    /// The History window of a shared case.
    pub history: Option<super::database::History>,
    /// Extracts of AIS archives being read ("Find AIS events in view").
    pub ais_extracts: Vec<super::database::Extract>,
    /// Shared cases open from the database.
    pub shared: Vec<super::database::SharedCase>,
    /// Messages for files that could not be opened at all.
    pub load_errors: Vec<String>,
    /// Files loading in the background.
    pub loading: Vec<Loading>,
    /// The last thing worth telling that is not a problem ("loading … cancelled").
    pub note: Option<String>,
    /// `--time-range` and `--select`, until the files given at start have loaded.
    at_start: Option<(Option<time::DateRange>, Option<String>)>,
    screenshot: Option<Screenshot>,
    /// Writes unsaved edits to recovery files; `None` in screenshot runs.
    pub autosave: Option<Autosave>,
    recovery_dir: Option<PathBuf>,
    /// Unsaved edits a stopped Portolan left, offered at start.
    pub recovered: Vec<Recovered>,
    new_case: Option<NewCase>,
    /// The window is closing and asks what to do with unsaved edits.
    closing: bool,
    /// The user chose to close without saving (or everything is saved).
    close_confirmed: bool,
    conflicts: Option<Conflicts>,
    /// A layer with unsaved edits the user asked to close.
    closing_layer: Option<usize>,
    /// A field of the property editor had the keyboard last frame: Ctrl+Z is the document's.
    editor_has_focus: bool,
    /// The document's revision the timeline was built for.
    timeline_revision: u64,
    /// When the files of open layers were last looked at.
    disk_checked: Option<std::time::Instant>,
    title: String,
}

impl PortolanApp {
    pub fn new(ctx: &egui::Context, options: Options, outcome: Option<ScreenshotOutcome>, storage: Option<&dyn eframe::Storage>) -> Self {
        super::fonts::install(ctx);
        ctx.set_theme(egui::Theme::Light);
        if options.online {
            loading::ONLINE.store(true, std::sync::atomic::Ordering::Relaxed);
        }
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
        let reproducible = options.screenshot.is_some();
        let screenshot = options.screenshot.map(|path| Screenshot {
            path,
            outcome: outcome.unwrap_or_default(),
            frames: 0,
            quiet_frames: 0,
            requested: false,
        });
        let mut map = MapState::new(memory, tiles, fit_pending);
        map.hidden_basemap = hidden_basemap;
        let recovery_dir = options.recovery_dir.clone();
        let recovered = match (&recovery_dir, reproducible) {
            (Some(dir), false) => recovery::find(dir, None),
            _ => Vec::new(),
        };
        let mut app = Self {
            doc: Document::new(),
            map,
            tools: Tools::default(),
            timeline: None,
            search: String::new(),
            measure: Measure::default(),
            hidden_kinds: persisted.hidden_kinds,
            recent: persisted.recent,
            show_layers: persisted.show_layers,
            show_problems: false,
            export: None,
            imagery: None,
            db_dialog: None,
            db_url: options.db.clone().or_else(|| persisted.db.clone()).unwrap_or_default(),
            db_layers: Vec::new(),
            ais_extracts: Vec::new(),
            history: None,
            db_saved: persisted.db_saved.clone(),
            shared: Vec::new(),
            load_errors: Vec::new(),
            loading: Vec::new(),
            note: None,
            at_start: None,
            screenshot,
            autosave: match (&recovery_dir, reproducible) {
                (Some(dir), false) => Some(Autosave::new(dir.clone())),
                _ => None,
            },
            recovery_dir,
            recovered,
            new_case: None,
            closing: false,
            close_confirmed: false,
            conflicts: None,
            closing_layer: None,
            timeline_revision: 0,
            editor_has_focus: false,
            disk_checked: None,
            title: String::new(),
        };
        let remembered = persisted.tiles.and_then(|(template, attribution)| {
            let source = XyzSource::custom(&template, &attribution).ok()?;
            Some(if template == XyzSource::openstreetmap().template { XyzSource::openstreetmap() } else { source })
        });
        if let Some(source) = options.tiles.clone().unwrap_or(remembered) {
            app.map.online = Some(OnlineLayer::new(ctx, source, crate::tiles::default_cache_dir()));
        }
        if options.files.is_empty() {
            app.doc.push(OpenLayer::new(io::sample_case(), None));
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
        if options.db.is_some() {
            let mut d = super::database::DbDialog::new(&app.db_url, &app.db_saved);
            d.connect(ctx);
            app.db_dialog = Some(d);
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
                    self.doc.selection.select(s);
                }
                None => self.load_errors.push(format!("--select: nothing has the id {id:?}")),
            }
        }
    }

    /// The item with this id in any open layer: a feature, vessel, event or source.
    pub fn find(&self, id: &str) -> Option<Selection> {
        self.doc.layers.iter().enumerate().find_map(|(layer, l)| {
            if let Some(at) = crate::document::selection::feature_ref(&self.doc.layers, layer, id) {
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
        self.remember(path);
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
                self.doc.push(layer);
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

    /// Saves a layer to its file, or under a new name when `to` is given or it has no file
    /// Portolan writes. A file that changed on disk is not overwritten: the bar over the map
    /// offers reload, save as and merge. Returns whether it saved.
    pub fn save_layer(&mut self, index: usize, to: Option<&Path>) -> bool {
        // A shared case saves to the database (Save as still writes a file).
        if to.is_none()
            && let Some(id) = self.doc.layers.get(index).map(|l| l.id)
            && let Some(s) = self.shared.iter_mut().find(|s| s.layer == id)
        {
            return match s.save(&mut self.doc) {
                Ok(note) => {
                    self.note = Some(note);
                    if let Some(a) = &mut self.autosave {
                        a.sync(&self.doc);
                    }
                    true
                }
                Err(e) => {
                    self.load_errors.push(format!("not saved to the database: {e}; your edits are kept"));
                    self.show_problems = true;
                    false
                }
            };
        }
        match self.doc.save(index, to, false) {
            Ok(path) => {
                self.note = Some(format!("Saved {}", path.display()));
                self.remember(&path);
                if let Some(a) = &mut self.autosave {
                    a.sync(&self.doc);
                }
                true
            }
            Err(SaveError::NeedsName) => match self.ask_save_path(index) {
                Some(path) => self.save_layer(index, Some(&path)),
                None => false,
            },
            Err(SaveError::ChangedOnDisk(_)) => {
                self.note = Some("Not saved: the file changed on disk (see the bar above the map)".into());
                false
            }
            Err(e) => {
                self.load_errors.push(e.to_string());
                self.show_problems = true;
                false
            }
        }
    }

    /// Save as: the native dialog, GeoJSON (keeps a case's evidence), KML, KMZ or GPX.
    fn ask_save_path(&self, index: usize) -> Option<PathBuf> {
        let l = self.doc.layers.get(index)?;
        let stem = l.path.as_deref().and_then(|p| p.file_stem()).map_or_else(|| l.title(), |s| s.to_string_lossy().into_owned());
        let stem = stem.trim_end_matches(".portolan").to_owned();
        let name = if l.layer.case.is_some() { format!("{stem}.portolan.geojson") } else { format!("{stem}.geojson") };
        rfd::FileDialog::new()
            .set_file_name(name)
            .add_filter("GeoJSON (QGIS, geojson.io; keeps a case's evidence)", &["geojson", "json"])
            .add_filter("KML (Google Earth)", &["kml"])
            .add_filter("KMZ (Google Earth, zipped)", &["kmz"])
            .add_filter("GPX (GPS units)", &["gpx"])
            .save_file()
    }

    fn remember(&mut self, path: &Path) {
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_owned());
        self.recent.truncate(MAX_RECENT);
    }

    fn rebuild_timeline(&mut self) {
        let span = self
            .doc
            .layers
            .iter()
            .filter_map(|l| match &l.layer.case {
                Some(c) => time::case_span(c, &l.layer.features),
                // Plain layers with dated features (an AIS file's tracks and events).
                None => l.layer.features.iter().filter_map(|f| f.str_prop("period").and_then(time::DateRange::parse)).reduce(|a, b| a.union(&b)),
            })
            .reduce(|a, b| a.union(&b));
        // A range the user narrowed stays (within the new span); the whole span follows the
        // data; playing goes on.
        let keep = self.timeline.as_ref().map(|t| (t.range(), t.playing));
        let new = span.map(Timeline::new);
        if let (Some(old), Some(new)) = (&self.timeline, &new)
            && old.same_span(new)
        {
            return;
        }
        self.timeline = new;
        if let (Some(t), Some((range, playing))) = (&mut self.timeline, keep) {
            if let Some(r) = range {
                t.set(r);
            }
            t.playing = playing;
        }
    }

    pub fn selection(&self) -> Option<&Selection> {
        self.doc.selection.current()
    }

    /// The selected feature's id, as the case names it.
    pub fn selected_key(&self) -> Option<String> {
        let Some(Selection::Feature(at)) = self.doc.selection.current() else { return None };
        self.doc.feature(*at)?.key()
    }

    /// Selects an item and shows it on the map.
    pub fn select(&mut self, s: Selection) {
        let shown: Vec<FeatureRef> = highlighted(&self.doc.layers, &s);
        let extent = crate::projection::merge_extents(shown.iter().filter_map(|at| crate::projection::geometry_extent(self.doc.feature(*at)?.geometry.as_ref()?)));
        if let Some(e) = extent {
            self.map.fit_to = Some(e);
        }
        self.doc.selection.select(s);
    }

    /// How much a feature fades on the map now (1 shown, 0 hidden).
    pub fn feature_fade(&self, at: FeatureRef) -> f32 {
        match self.doc.feature(at) {
            Some(f) => fade_of(&self.doc.layers, &self.hidden_kinds, self.timeline.as_ref(), at, f),
            None => 0.0,
        }
    }

    pub fn persisted(&self) -> Persisted {
        let view = self.map.memory.detached().map(|p| (p.x(), p.y(), self.map.memory.zoom()));
        Persisted {
            recent: self.recent.clone(),
            files: self.doc.layers.iter().filter_map(|l| Some((l.path.clone()?, l.visible, l.opacity))).collect(),
            view,
            hidden_kinds: self.hidden_kinds.clone(),
            hidden_basemap: self.map.hidden_basemap.iter().map(|k| k.file_stem().to_owned()).collect(),
            tiles: self.map.online.as_ref().map(|o| (o.fetcher.source.template.clone(), o.fetcher.source.attribution.clone())),
            show_layers: self.show_layers,
            db: Some(crate::db::without_password(&self.db_url)).filter(|u| !u.is_empty()),
            db_saved: self.db_saved.clone(),
        }
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui) {
        ui.menu_button("File", |ui| {
            if ui.add(egui::Button::new("New case…").shortcut_text("Ctrl+N")).clicked() {
                ui.close();
                self.new_case = Some(NewCase::default());
            }
            if ui.add(egui::Button::new("Open…").shortcut_text("Ctrl+O")).clicked() {
                ui.close();
                self.open_dialog(ui.ctx());
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
            if ui.button("Open from database…").on_hover_text("A PostGIS table or view, read for the part of the map in view").clicked() {
                ui.close();
                self.db_dialog = Some(super::database::DbDialog::new(&self.db_url, &self.db_saved));
            }
            ui.separator();
            let active = self.doc.active();
            let name = self.doc.active_layer().map(OpenLayer::title).unwrap_or_default();
            if ui.add_enabled(active.is_some(), egui::Button::new(format!("Save {name}")).shortcut_text("Ctrl+S")).clicked() {
                ui.close();
                self.save_active(false);
            }
            if ui.add_enabled(active.is_some(), egui::Button::new("Save as…").shortcut_text("Ctrl+Shift+S")).clicked() {
                ui.close();
                self.save_active(true);
            }
            ui.menu_button("Save layer as…", |ui| {
                for i in 0..self.doc.layers.len() {
                    if ui.button(self.doc.layers[i].title()).clicked() {
                        ui.close();
                        if let Some(path) = self.ask_save_path(i) {
                            self.save_layer(i, Some(&path));
                        }
                    }
                }
            });
            ui.separator();
            if ui.button("Export map…").clicked() {
                self.export = Some(super::ExportDialog::default());
                ui.close();
            }
            if ui.button("Problems…").clicked() {
                self.show_problems = true;
                ui.close();
            }
        });
        self.edit_menu_ui(ui);
    }

    /// The Edit menu: undo and redo named by their step, the drawing tools, edit mode.
    fn edit_menu_ui(&mut self, ui: &mut egui::Ui) {
        ui.menu_button("Edit", |ui| {
            let undo = self.doc.undo_label().map_or("Undo".to_owned(), |l| format!("Undo {l}"));
            if ui.add_enabled(self.doc.can_undo(), egui::Button::new(undo).shortcut_text("Ctrl+Z")).clicked() {
                self.undo();
            }
            let redo = self.doc.redo_label().map_or("Redo".to_owned(), |l| format!("Redo {l}"));
            if ui.add_enabled(self.doc.can_redo(), egui::Button::new(redo).shortcut_text("Ctrl+Shift+Z")).clicked() {
                self.redo();
            }
            ui.separator();
            for (tool, label, keys) in [(Tool::Site, "Add site", "Ctrl+Shift+P"), (Tool::Route, "Draw route", "Ctrl+Shift+T"), (Tool::Area, "Draw area", "Ctrl+Shift+G")] {
                if ui.add(egui::Button::new(label).shortcut_text(keys)).clicked() {
                    ui.close();
                    self.tools.start(tool);
                }
            }
            let selected = matches!(self.doc.selection.current(), Some(Selection::Feature(_)));
            if ui.add_enabled(selected && self.tools.editing, egui::Button::new("Delete").shortcut_text("Del")).clicked() {
                ui.close();
                self.tools.delete(&mut self.doc);
            }
            ui.separator();
            ui.checkbox(&mut self.tools.editing, "Edit mode").on_hover_text("Handles on the selection, the property editor in the panel (Ctrl+E)");
            if let Some(i) = self.doc.active() {
                ui.menu_button("Draw into", |ui| {
                    for j in 0..self.doc.layers.len() {
                        if ui.radio(i == j, self.doc.layers[j].title()).clicked() {
                            self.doc.set_active(j);
                            ui.close();
                        }
                    }
                });
            }
        });
    }

    fn open_dialog(&mut self, ctx: &egui::Context) {
        let picked = rfd::FileDialog::new()
            .add_filter("Map data", &["geojson", "json", "kml", "kmz", "gpx", "csv", "tsv", "txt", "nmea", "ais", "gz", "zip"])
            .add_filter("All files", &["*"])
            .pick_files();
        for path in picked.unwrap_or_default() {
            self.open_file(ctx, &path, true);
        }
    }

    /// Save (Ctrl+S) or Save as (Ctrl+Shift+S) of the active layer.
    pub fn save_active(&mut self, save_as: bool) -> bool {
        let Some(i) = self.doc.active() else { return false };
        if save_as {
            match self.ask_save_path(i) {
                Some(path) => self.save_layer(i, Some(&path)),
                None => false,
            }
        } else {
            self.save_layer(i, None)
        }
    }

    pub fn undo(&mut self) {
        self.tools.vertex = None;
        self.note = self.doc.undo().map(|l| format!("Undid {l}"));
    }

    pub fn redo(&mut self) {
        self.tools.vertex = None;
        self.note = self.doc.redo().map(|l| format!("Redid {l}"));
    }

    fn search_ui(&mut self, ui: &mut egui::Ui) {
        let label = ui.label("Search");
        let edit = egui::TextEdit::singleline(&mut self.search).hint_text("site, ship, report…").desired_width(220.0);
        let response = ui.add(edit).labelled_by(label.id);
        if self.search.trim().is_empty() {
            return;
        }
        let hits = search::search(&self.doc.layers, &self.search);
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
                Some((lon, lat)) => ui.monospace(crate::index::measure::format_lonlat(lon, lat)),
                None => ui.monospace("—"),
            };
            ui.separator();
            ui.label(format!("zoom {:.1}", self.map.memory.zoom()));
            if let Some(Selection::Feature(at)) = self.doc.selection.current()
                && let Some(f) = self.doc.feature(*at)
            {
                ui.separator();
                ui.label(format!("selected: {} ({})", f.name().unwrap_or("unnamed"), crate::scene::style::kind_label(&f.kind())));
            }
            if self.tools.editing && self.tools.tool == Tool::Select {
                ui.separator();
                let hint = match self.doc.selection.current() {
                    Some(Selection::Feature(_)) => "Editing: drag the feature, a vertex or a midpoint; Delete removes; Ctrl+Z undoes",
                    _ => "Editing: click a feature, or Ctrl+Shift+P / T / G to add a site, route or area",
                };
                ui.label(hint);
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
            for l in &self.db_layers {
                ui.separator();
                ui.label(&l.status);
            }
            if let Some(note) = &self.note {
                ui.separator();
                ui.label(note);
            }
            if let Some(e) = self.autosave.as_ref().and_then(|a| a.error.as_ref()) {
                ui.separator();
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            for e in &self.load_errors {
                ui.separator();
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        });
    }

    /// Keyboard shortcuts, as Google Earth Pro and every editor have them.
    fn keys(&mut self, ctx: &egui::Context) {
        use egui::{Key, KeyboardShortcut as Shortcut, Modifiers};
        let shortcut = |m: Modifiers, k: Key| ctx.input_mut(|i| i.consume_shortcut(&Shortcut::new(m, k)));
        let shift = Modifiers::COMMAND | Modifiers::SHIFT;
        // Saving works while typing in a field; the letters typed are already in the document.
        if shortcut(shift, Key::S) {
            self.save_active(true);
        } else if shortcut(Modifiers::COMMAND, Key::S) {
            self.save_active(false);
        }
        // Undo is the document's, also in a field of the property editor: what is typed there
        // is already an edit (one step per field). Other fields (search, dialogs) keep theirs.
        // The shifted shortcuts first: Ctrl+Z would also match Ctrl+Shift+Z.
        if !ctx.egui_wants_keyboard_input() || self.editor_has_focus {
            if shortcut(shift, Key::Z) || shortcut(Modifiers::COMMAND, Key::Y) {
                self.redo();
            } else if shortcut(Modifiers::COMMAND, Key::Z) {
                self.undo();
            }
        }
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        if shortcut(shift, Key::P) {
            self.tools.start(Tool::Site);
        } else if shortcut(shift, Key::T) {
            self.tools.start(Tool::Route);
        } else if shortcut(shift, Key::G) {
            self.tools.start(Tool::Area);
        } else if shortcut(Modifiers::COMMAND, Key::E) {
            self.tools.editing = !self.tools.editing;
            self.tools.cancel();
        } else if shortcut(Modifiers::COMMAND, Key::N) {
            self.new_case = Some(NewCase::default());
        } else if shortcut(Modifiers::COMMAND, Key::O) {
            self.open_dialog(ctx);
        }
        if self.tools.keys(ctx, &mut self.doc) {
            return;
        }
        if ctx.input(|i| i.key_pressed(Key::Escape)) {
            if self.measure.active && !self.measure.points.is_empty() {
                self.measure.points.clear();
            } else if self.measure.active {
                self.measure.active = false;
            } else {
                self.doc.selection.clear();
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

/// Files and editing: autosave, the disk check, the window title, closing, the side panel
/// and the dialogs.
impl PortolanApp {
    /// Once a frame: autosave, a look at the files on disk every two seconds, the title,
    /// and a close request held back while edits are unsaved.
    fn files_step(&mut self, ctx: &egui::Context) {
        let now = std::time::Instant::now();
        if let Some(a) = &mut self.autosave {
            a.tick(&self.doc, now);
        }
        if self.disk_checked.is_none_or(|t| now.duration_since(t) >= std::time::Duration::from_secs(2)) {
            self.disk_checked = Some(now);
            for i in self.doc.check_disk() {
                self.tools.vertex = None;
                self.note = Some(format!("Read {} again: it changed on disk", self.doc.layers[i].title()));
                self.rebuild_timeline();
            }
        }
        if self.doc.any_dirty() || self.autosave.is_some() {
            // Keep autosave and the disk check going while nothing else repaints.
            ctx.request_repaint_after(std::time::Duration::from_secs(1));
        }
        if self.doc.revision() != self.timeline_revision {
            self.timeline_revision = self.doc.revision();
            self.rebuild_timeline();
            // "Saved …" is no longer true once the data changed.
            if self.note.as_deref().is_some_and(|n| n.starts_with("Saved ")) {
                self.note = None;
            }
        }
        let title = self.window_title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
        let close = ctx.input(|i| i.viewport().close_requested());
        // Once the user chose (saved, or threw the edits away), nothing is to be kept.
        if close && !self.close_confirmed && let Some(a) = &mut self.autosave {
            a.sync(&self.doc);
        }
        if close && self.doc.any_dirty() && !self.close_confirmed {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.closing = true;
        }
    }

    /// "dprk-russia-2023.portolan.geojson • — Portolan": the active file, • when it has
    /// unsaved edits.
    pub fn window_title(&self) -> String {
        match self.doc.active_layer() {
            Some(l) => {
                let mark = if l.is_dirty() { " •" } else { "" };
                let others = self.doc.layers.iter().filter(|o| o.id != l.id && o.is_dirty()).count();
                let more = if others > 0 { format!(" (+{others} unsaved)") } else { String::new() };
                format!("{}{mark}{more} — Portolan", l.title())
            }
            None => "Portolan".into(),
        }
    }

    fn close_layer(&mut self, i: usize) {
        self.doc.remove_layer(i);
        self.rebuild_timeline();
    }

    /// The database dialog and the layers read per view: each asks for the map's view once it
    /// stands still, and shows what arrives.
    fn database_ui(&mut self, ctx: &egui::Context) {
        if let Some(d) = &mut self.db_dialog {
            let (chosen, open) = d.ui(ctx);
            self.db_url = d.url.clone();
            self.db_saved.clone_from(&d.saved);
            if let Some(super::database::Chosen::Table(table, archive)) = chosen {
                if let Some([w, s, e, n]) = table.estimated_extent {
                    // An estimate from statistics can fall a little short of the data: a margin.
                    let (dx, dy) = ((e - w).abs() * 0.1, (n - s).abs() * 0.1);
                    self.map.fit_to = geo::Rect::new(geo::coord! { x: w - dx, y: (s - dy).max(-85.0) }, geo::coord! { x: e + dx, y: (n + dy).min(85.0) }).into();
                }
                let layer = super::database::DbLayer::open(ctx, &mut self.doc, &self.db_url, table, archive);
                self.db_layers.push(layer);
                self.db_dialog = None;
            } else if let Some(super::database::Chosen::Case(name)) = chosen {
                match super::database::SharedCase::open(ctx, &mut self.doc, &self.db_url, &name) {
                    Ok(s) => {
                        self.shared.push(s);
                        self.map.fit_pending = true;
                        self.rebuild_timeline();
                        self.note = Some(format!("Opened the shared case {name}: Save writes to the database"));
                    }
                    Err(e) => self.load_errors.push(format!("{name}: {e}")),
                }
                self.db_dialog = None;
            } else if !open {
                self.db_dialog = None;
            }
        }
        if let Some(mut h) = self.history.take() {
            let (chosen, open) = h.ui(ctx);
            if let Some(save) = chosen {
                match h.open_past(&mut self.doc, &save) {
                    Ok(_) => {
                        self.rebuild_timeline();
                        self.note = Some(format!("Opened {} as it was at {} UTC, read-only", h.name, save.0));
                    }
                    Err(e) => self.tools.problem = Some(format!("Cannot open the past state: {e}")),
                }
            }
            if open {
                self.history = Some(h);
            }
        }
        self.shared.retain(|s| self.doc.position(s.layer).is_some());
        for s in &mut self.shared {
            if let Some(note) = s.step(&mut self.doc) {
                self.note = Some(note);
            }
            s.conflicts_ui(ctx, &mut self.doc);
        }
        if !self.shared.is_empty() {
            // Colleagues' saves arrive from the listener threads.
            ctx.request_repaint_after(std::time::Duration::from_secs(1));
        }
        let mut opened = Vec::new();
        self.ais_extracts.retain(|rx| match rx.try_recv() {
            Ok(done) => {
                opened.push(done);
                false
            }
            Err(e) => e == std::sync::mpsc::TryRecvError::Empty,
        });
        for done in opened {
            match done {
                Ok(path) => {
                    self.note = Some(format!("Extracted the positions to {}", path.display()));
                    self.open_file(ctx, &path, false);
                }
                Err(e) => self.tools.problem = Some(format!("Cannot find AIS events in view: {e}")),
            }
        }
        if !self.ais_extracts.is_empty() {
            ctx.request_repaint_after(std::time::Duration::from_millis(200));
        }
        self.db_layers.retain(|l| self.doc.position(l.layer).is_some());
        if self.db_layers.is_empty() {
            return;
        }
        let view = self.view_box();
        let settled = !ctx.input(|i| i.pointer.any_down() || i.smooth_scroll_delta != egui::Vec2::ZERO) && !self.map.fit_pending && self.map.fit_to.is_none();
        let range = self.timeline.as_ref().and_then(Timeline::range);
        for l in &mut self.db_layers {
            l.step(&mut self.doc, view, range, settled);
        }
        if self.db_layers.iter().any(super::database::DbLayer::waiting) {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    /// The map's box (west, south, east, north) and its width in pixels.
    fn view_box(&self) -> Option<([f64; 4], f64)> {
        let r = self.map.rect?;
        let (w, n) = self.map.lonlat_at(r.left_top())?;
        let (e, s) = self.map.lonlat_at(r.right_bottom())?;
        Some(([w, s.max(-85.0), e, n.min(85.0)], f64::from(r.width())))
    }

    /// Opens "Find imagery" for the selection, over the timeline's range.
    pub fn open_imagery(&mut self) {
        let range = self.timeline.as_ref().and_then(Timeline::range);
        self.imagery = Some(super::imagery::FindImagery::new(&self.doc, range));
    }

    /// The imagery window, and what it asks of the document: its footprints as a layer (the
    /// last search's replaced), scenes into a site's ledger, a footprint shown.
    fn imagery_ui(&mut self, ctx: &egui::Context) {
        use super::imagery::Act;
        let Some(w) = &mut self.imagery else { return };
        let mut acts = Vec::new();
        let open = w.ui(ctx, &self.doc, &self.map, &mut acts);
        for act in acts {
            match act {
                Act::Footprints(layer) => {
                    let Some(r) = self.imagery.as_mut().and_then(|w| w.results.as_mut()) else { continue };
                    let visible = match r.layer.and_then(|id| self.doc.position(id)) {
                        Some(i) => {
                            let visible = self.doc.layers[i].visible;
                            self.doc.remove_layer(i);
                            visible
                        }
                        None => true,
                    };
                    let mut open = OpenLayer::new(io::Loaded { layer, diagnostics: Vec::new() }, None);
                    open.visible = visible;
                    r.layer = Some(open.id);
                    self.doc.push(open);
                    self.rebuild_timeline();
                }
                Act::AddToLedger { site, scene, catalogue } => match self.doc.add_imagery_scene(site, &scene, &catalogue) {
                    Ok(Some(_)) => self.note = Some(format!("Added the {} scene of {} to the ledger", scene.provider(), scene.when())),
                    Ok(None) => {}
                    Err(e) => self.tools.problem = Some(format!("Cannot add the scene to the ledger: {e}")),
                },
                Act::Show(id) => {
                    let layer = self.imagery.as_ref().and_then(|w| w.results.as_ref()?.layer).and_then(|id| self.doc.position(id));
                    let Some(layer) = layer else { continue };
                    let Some(feature) = self.doc.layers[layer].layer.features.iter().position(|f| f.key().as_deref() == Some(id.as_str())) else { continue };
                    self.select(Selection::Feature(FeatureRef { layer, feature }));
                }
            }
        }
        if !open {
            self.imagery = None;
        }
    }

    /// The right panel: the drawing tool's questions, the property editor in edit mode, or
    /// the read-only view of the selection.
    fn side_panel_ui(&mut self, ui: &mut egui::Ui) {
        let selection = self.doc.selection.current().cloned();
        if !self.tools.editing && selection.is_none() {
            return;
        }
        let mut actions = Vec::new();
        let mut outcome = None;
        // Wide enough for a form, never so wide that long titles squeeze the map.
        egui::Panel::right("details").default_size(400.0).size_range(300.0..=560.0).show(ui, |ui| {
            if self.tools.tool != Tool::Select {
                self.tool_ui(ui);
                return;
            }
            if let Some(p) = &self.tools.problem {
                ui.colored_label(ui.visuals().error_fg_color, p);
            }
            if self.tools.editing {
                outcome = Some(super::editor::editor_ui(ui, &mut self.doc, selection.as_ref()));
            } else if let Some(selection) = &selection {
                let (layers, shared) = (&self.doc.layers, &self.shared);
                let changed = |layer: usize, kind: &str, key: &str| -> Option<String> {
                    let id = layers.get(layer)?.id;
                    shared.iter().find(|s| s.layer == id)?.changed(kind, key)
                };
                let mut pctx = PanelCtx { layers: &self.doc.layers, timeline: self.timeline.as_ref(), actions: Vec::new(), changed: &changed };
                panel::panel_ui(ui, &mut pctx, selection);
                actions = pctx.actions;
            }
        });
        for action in actions {
            match action {
                Action::Select(s) => self.select(s),
                Action::FindImagery => self.open_imagery(),
                Action::AddAisEvent { case_layer, event } => {
                    let Some(f) = self.doc.feature(event).cloned() else { continue };
                    match self.doc.add_ais_event(case_layer, &f) {
                        Ok(id) => self.select(Selection::Event { layer: case_layer, id }),
                        Err(e) => self.tools.problem = Some(format!("Cannot add the event to the case: {e}")),
                    }
                }
                Action::RerunAis { layer, params, case_sites, point_layers } => {
                    let mut ports = if case_sites { case_site_ports(&self.doc.layers) } else { Vec::new() };
                    if point_layers {
                        ports.extend(point_layer_ports(&self.doc.layers, layer));
                    }
                    let options = portolan_read_options(crate::ais::AisOptions { params, ports });
                    if let Err(e) = self.doc.rerun_ais(layer, &options) {
                        self.tools.problem = Some(format!("Cannot find the AIS events again: {e}"));
                    }
                }
            }
        }
        if let Some(o) = outcome {
            if o.seal {
                self.doc.seal();
            }
            if o.problem.is_some() {
                self.tools.problem = o.problem;
            }
            if let Some(s) = o.select {
                self.doc.selection.select(s);
            }
            self.editor_has_focus = o.typing;
        } else {
            self.editor_has_focus = false;
        }
    }

    /// What a drawing tool asks while it draws.
    fn tool_ui(&mut self, ui: &mut egui::Ui) {
        let target = self.doc.active_layer().map_or("a new case".to_owned(), OpenLayer::title);
        match self.tools.tool {
            Tool::Site => {
                ui.heading("Add a site");
                ui.label(format!("Click the map where the site is. It goes into {target}."));
            }
            Tool::Route => {
                ui.heading("Draw a route");
                ui.label("Click its points on the map; an end on a site snaps to it.");
                ui.label("Double-click or Enter ends, Backspace takes back the last point, Esc cancels.");
                ui.separator();
                let kind = self.tools.route_kind.get_or_insert(crate::model::FeatureKind::SeaRoute);
                ui.radio_value(kind, crate::model::FeatureKind::SeaRoute, "Sea route");
                ui.radio_value(kind, crate::model::FeatureKind::RailCorridor, "Rail corridor");
                ui.label(format!("{} points", self.tools.points.len()));
            }
            Tool::Area => {
                ui.heading("Draw an area");
                ui.label("Click its corners on the map. Double-click or Enter ends, Backspace takes back the last corner, Esc cancels.");
                if ui.add_enabled(self.tools.points.len() >= 3, egui::Button::new("Cut a hole (H)")).on_hover_text("Close this outline and draw a hole inside it").clicked() {
                    self.tools.start_hole();
                }
                ui.label(format!("{} corners, {} rings done", self.tools.points.len(), self.tools.rings.len()));
            }
            Tool::Select => {}
        }
        ui.separator();
        ui.horizontal(|ui| {
            if self.tools.tool != Tool::Site && ui.button("Finish").clicked() {
                self.tools.finish(&mut self.doc);
            }
            if ui.button("Cancel").clicked() {
                self.tools.cancel();
            }
        });
    }

    /// The bar over the map for files that changed on disk while they have edits here.
    fn disk_bar_ui(&mut self, ui: &mut egui::Ui) {
        let Some(i) = self.doc.layers.iter().position(|l| l.changed_on_disk) else { return };
        let name = self.doc.layers[i].title();
        let mut choice = None;
        egui::Panel::top("changed-on-disk").show(ui, |ui| choice = files::changed_on_disk_ui(ui, &name));
        match choice {
            Some(OnDisk::Reload) => self.reload_keeping_copy(i),
            Some(OnDisk::SaveAs) => {
                if let Some(path) = self.ask_save_path(i) {
                    self.save_layer(i, Some(&path));
                }
            }
            Some(OnDisk::Merge) => self.start_merge(i),
            None => {}
        }
    }

    /// Reads the file again; the edits made here go to a recovery copy first.
    fn reload_keeping_copy(&mut self, i: usize) {
        let l = &self.doc.layers[i];
        let Some(dir) = self.recovery_dir.clone() else { return };
        let copy = match recovery::write_copy(&dir, &l.title(), &l.layer) {
            Ok(p) => p,
            Err(e) => {
                self.load_errors.push(format!("not reloaded: cannot keep your edits in {}: {e}", dir.display()));
                return;
            }
        };
        match self.doc.reload(i) {
            Ok(()) => self.note = Some(format!("Read {} again; your edits are in {}", self.doc.layers[i].title(), copy.display())),
            Err(e) => self.load_errors.push(format!("not reloaded: {e}")),
        }
        self.rebuild_timeline();
    }

    /// Merges with the file on disk: at once when nothing conflicts, else after the user
    /// chose in the conflicts dialog.
    pub fn start_merge(&mut self, i: usize) {
        match self.doc.merge_with_disk(i) {
            Ok(m) if m.merge.conflicts.is_empty() => {
                let merged = m.merge.layer.clone();
                self.finish_merge(m, merged);
            }
            Ok(m) => {
                let choices = vec![crate::model::merge::Side::Mine; m.merge.conflicts.len()];
                self.conflicts = Some(Conflicts { disk: m, choices });
            }
            Err(e) => self.load_errors.push(format!("cannot merge: {e}")),
        }
    }

    fn finish_merge(&mut self, m: crate::document::DiskMerge, merged: crate::model::Layer) {
        match self.doc.accept_merge(m, merged) {
            Ok(i) => {
                if self.save_layer(i, None) {
                    self.note = Some(format!("Merged with the file on disk and saved {}", self.doc.layers[i].title()));
                }
            }
            Err(e) => self.load_errors.push(format!("merge not taken: {e}; merge again")),
        }
        self.rebuild_timeline();
    }

    /// Restores recovered edits as a layer with unsaved changes.
    fn restore(&mut self, r: Recovered) {
        let name = r.name.clone();
        let file = r.file.clone();
        let layer = OpenLayer::restored(r.loaded, r.path.clone(), r.base, r.stamp);
        // The file itself, if it was open, is replaced by the restored edits.
        if let Some(p) = &r.path
            && let Some(i) = self.doc.layers.iter().position(|l| l.path.as_ref() == Some(p) && !l.is_dirty())
        {
            self.doc.remove_layer(i);
        }
        let i = self.doc.push(layer);
        self.doc.set_active(i);
        // Kept under this session before the old file goes, so a crash now loses nothing.
        if self.autosave.as_mut().is_none_or(|a| a.sync(&self.doc)) {
            let _ = std::fs::remove_file(file);
        }
        self.rebuild_timeline();
        self.note = Some(format!("Restored unsaved edits to {name}"));
    }

    fn dialogs_ui(&mut self, ctx: &egui::Context) {
        if let Some(d) = &mut self.new_case {
            match files::new_case_ui(ctx, d) {
                Choice::Chosen(()) => {
                    let (title, description) = (d.title.trim().to_owned(), d.description.trim().to_owned());
                    self.new_case = None;
                    self.doc.new_case(&title, &description);
                    self.doc.selection.clear();
                    self.tools.editing = true;
                    self.rebuild_timeline();
                }
                Choice::Closed => self.new_case = None,
                Choice::Open => {}
            }
        }
        if !self.recovered.is_empty()
            && let Some((i, restore)) = files::recovered_ui(ctx, &self.recovered)
        {
            let r = self.recovered.remove(i);
            if restore {
                self.restore(r);
            } else {
                r.remove();
            }
        }
        if let Some(c) = &mut self.conflicts {
            match files::conflicts_ui(ctx, c) {
                Some(true) => {
                    let Some(c) = self.conflicts.take() else { return };
                    let merged = c.disk.merge.resolve(&c.choices);
                    self.finish_merge(c.disk, merged);
                }
                Some(false) => self.conflicts = None,
                None => {}
            }
        }
        if let Some(i) = self.closing_layer {
            let names = vec![self.doc.layers.get(i).map_or_else(String::new, OpenLayer::title)];
            match files::unsaved_ui(ctx, &names) {
                Some(Unsaved::Save) => {
                    self.closing_layer = None;
                    if self.save_layer(i, None) {
                        self.close_layer(i);
                    }
                }
                Some(Unsaved::Discard) => {
                    self.closing_layer = None;
                    self.close_layer(i);
                }
                Some(Unsaved::Cancel) => self.closing_layer = None,
                None => {}
            }
        }
        if self.closing {
            let names: Vec<String> = self.doc.layers.iter().filter(|l| l.is_dirty()).map(OpenLayer::title).collect();
            match files::unsaved_ui(ctx, &names) {
                Some(Unsaved::Save) => {
                    self.closing = false;
                    let dirty: Vec<usize> = (0..self.doc.layers.len()).filter(|i| self.doc.layers[*i].is_dirty()).collect();
                    if dirty.into_iter().all(|i| self.save_layer(i, None)) {
                        self.close_confirmed = true;
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                }
                Some(Unsaved::Discard) => {
                    self.closing = false;
                    self.close_confirmed = true;
                    if let Some(a) = &mut self.autosave {
                        a.discard_all();
                    }
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
                Some(Unsaved::Cancel) => self.closing = false,
                None => {}
            }
        }
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

/// The sites of the open cases, as ports for the AIS detectors (a call at a depot's quay).
fn case_site_ports(layers: &[OpenLayer]) -> Vec<crate::ais::shore::Port> {
    layers
        .iter()
        .filter(|l| l.layer.case.is_some())
        .flat_map(|l| l.layer.features.iter())
        .filter(|f| f.kind() == crate::model::FeatureKind::Site)
        .filter_map(|f| match f.geometry.as_ref()? {
            geo::Geometry::Point(p) => Some(crate::ais::shore::Port { name: f.name().unwrap_or("site").to_owned(), lon: p.x(), lat: p.y() }),
            _ => None,
        })
        .collect()
}

/// The named points of the plain layers other than `except` (a table of berths), as ports.
fn point_layer_ports(layers: &[OpenLayer], except: usize) -> Vec<crate::ais::shore::Port> {
    layers
        .iter()
        .enumerate()
        .filter(|(i, l)| *i != except && l.layer.case.is_none() && crate::ais::output::thresholds(&l.layer).is_none())
        .flat_map(|(_, l)| l.layer.features.iter())
        .filter_map(|f| match f.geometry.as_ref()? {
            geo::Geometry::Point(p) => Some(crate::ais::shore::Port { name: f.name().unwrap_or("port").to_owned(), lon: p.x(), lat: p.y() }),
            _ => None,
        })
        .collect()
}

/// Read options as the window reads files now (online if the user allowed it), with `ais`.
fn portolan_read_options(ais: crate::ais::AisOptions) -> crate::io::ReadOptions {
    crate::io::ReadOptions { online: super::loading::online(), ais }
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


impl eframe::App for PortolanApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.poll_loading(&ctx);
        self.dropped_files(&ctx);
        self.keys(&ctx);
        self.files_step(&ctx);
        egui::Panel::top("menu").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.strong("Portolan");
                ui.separator();
                self.menu_ui(ui);
                ui.toggle_value(&mut self.show_layers, "Layers");
                map_view::toolbar_ui(ui, &mut self.map, &self.doc.layers);
                if ui.toggle_value(&mut self.measure.active, "Measure").on_hover_text("Click points on the map; Esc clears").changed() {
                    self.measure.points.clear();
                }
                let mut imagery = self.imagery.is_some();
                if ui.toggle_value(&mut imagery, "Find imagery").on_hover_text("Satellite scenes of the selection or the view, from a STAC catalogue").changed() {
                    if imagery {
                        self.open_imagery();
                    } else {
                        self.imagery = None;
                    }
                }
                if ui.toggle_value(&mut self.tools.editing, "Edit mode").on_hover_text("Edit the selection on the map and in the panel (Ctrl+E)").changed() {
                    self.tools.cancel();
                }
                ui.separator();
                ui.add_enabled_ui(self.doc.selection.can_back(), |ui| {
                    if ui.button("Back").on_hover_text("The previous selection").clicked() {
                        self.doc.selection.back();
                    }
                });
                ui.add_enabled_ui(self.doc.selection.can_forward(), |ui| {
                    if ui.button("Forward").on_hover_text("The next selection").clicked() {
                        self.doc.selection.forward();
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
                .doc
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
                    let db = layers::DbRows {
                        archives: self.db_layers.iter().filter(|l| l.archive.is_some()).map(|l| l.layer).collect(),
                        shared: self.shared.iter().map(|s| s.layer).collect(),
                    };
                    actions = layers::layers_ui(ui, &mut self.doc.layers, &mut self.hidden_kinds, &basemap, &mut hidden_basemap, &db);
                    self.map.set_hidden_basemap(ui.ctx(), hidden_basemap);
                    ui.separator();
                    layers::legend_ui(ui, &self.doc.layers, &self.hidden_kinds);
                });
            });
            for a in actions {
                match a {
                    LayerAction::Remove(i) if self.doc.layers.get(i).is_some_and(OpenLayer::is_dirty) => self.closing_layer = Some(i),
                    LayerAction::Remove(i) => self.close_layer(i),
                    LayerAction::MoveUp(i) => self.doc.move_up(i),
                    LayerAction::ShowProblems => self.show_problems = true,
                    LayerAction::History(i) => {
                        let id = self.doc.layers.get(i).map(|l| l.id);
                        if let Some(s) = self.shared.iter().find(|s| Some(s.layer) == id) {
                            self.history = Some(super::database::History::open(&s.url, &s.name));
                        }
                    }
                    LayerAction::AisEventsInView(i) => {
                        let id = self.doc.layers.get(i).map(|l| l.id);
                        let range = self.timeline.as_ref().and_then(Timeline::range);
                        // Beside the recovery folder: Portolan's data folder.
                        let dir = self.recovery_dir.as_deref().and_then(Path::parent).map(Path::to_owned).or_else(crate::document::recovery::data_dir).unwrap_or_default().join("ais-extracts");
                        let extract = self.db_layers.iter().find(|l| Some(l.layer) == id).zip(self.view_box()).and_then(|(l, (bbox, _))| l.extract_ais(ui.ctx(), dir, bbox, range));
                        if let Some(rx) = extract {
                            self.ais_extracts.push(rx);
                            self.note = Some("Reading the positions of the vessels in view…".into());
                        }
                    }
                }
            }
        }
        self.side_panel_ui(ui);
        self.disk_bar_ui(ui);
        let mut highlighted = self.doc.selection.current().map(|s| highlighted(&self.doc.layers, s)).unwrap_or_default();
        highlighted.extend(self.imagery.as_ref().and_then(|w| w.highlighted(&self.doc)));
        let mut clicked = None;
        let pan = self.tools.begin_frame(&ctx, &mut self.doc, &self.map);
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let (layers, hidden, timeline) = (&self.doc.layers, &self.hidden_kinds, self.timeline.as_ref());
            let fade = |at: FeatureRef, f: &Feature| fade_of(layers, hidden, timeline, at, f);
            let fade_key = fade_key(hidden, timeline);
            let drawing = self.tools.tool != Tool::Select;
            let cursor = timeline.and_then(|t| Some((t.cursor?, super::timeline::trail_seconds(t.window))));
            let inputs = MapInputs { highlighted: &highlighted, fade: &fade, fade_key, measure: &mut self.measure, pan, drawing, cursor };
            clicked = map_view::map_ui(ui, &mut self.map, layers, inputs);
        });
        let clicked = self.tools.after_map(&ctx, &mut self.doc, &self.map, clicked);
        self.tools.paint(&ctx, &self.doc, &self.map);
        match clicked.map(|c| c.hit) {
            Some(Some(at)) => {
                self.doc.selection.select(Selection::Feature(at));
                if self.tools.editing {
                    self.doc.set_active(at.layer);
                }
            }
            Some(None) => self.doc.selection.clear(),
            None => {}
        }
        map_view::xyz_dialog_ui(&ctx, &mut self.map);
        if self.show_problems {
            let mut open = true;
            let mut picked = None;
            egui::Window::new("Problems").open(&mut open).default_width(520.0).show(&ctx, |ui| {
                picked = layers::problems_ui(ui, &self.doc.layers, &self.load_errors);
            });
            self.show_problems = open;
            if let Some(s) = picked {
                self.select(s);
            }
        }
        self.imagery_ui(&ctx);
        self.database_ui(&ctx);
        if let Some(dialog) = &mut self.export {
            let range = self.timeline.as_ref().and_then(|t| t.range());
            if !dialog.ui(&ctx, &self.doc.layers, &self.map, range) {
                self.export = None;
            }
        }
        self.dialogs_ui(&ctx);
        self.screenshot_step(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted());
    }
}
