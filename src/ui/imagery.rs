//! The "Find imagery" window: which satellite scenes of the selected site, the map view or a
//! typed box exist between two dates, asked of a STAC catalogue on a worker thread (progress
//! and Cancel), listed with their thumbnails, filtered by cloud cover and platform, drawn as
//! footprints on the map (hovering a row or a footprint highlights the other), and recorded
//! in the site's imagery ledger ("Add to ledger", an undoable edit of the case).
//!
//! The window only asks and shows: the footprints layer and the ledger entries go to the app
//! as [`Act`]s, which it applies to the document.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use egui::{Color32, RichText, Sense, Stroke, Vec2, pos2};

use super::map_view::MapState;
use crate::document::selection::Selection;
use crate::document::{Document, LayerId};
use crate::imagery::{self, Catalogue, ImageryError, Progress, Query, Scene, SearchOptions, Searched};
use crate::model::time::{self, DateRange, Day};
use crate::model::{FeatureRef, Layer};

/// What the window asks the app to do to the document.
pub enum Act {
    /// Show these footprints, replacing the ones shown before.
    Footprints(Layer),
    /// Record the scene in the ledger of the case feature at `site`.
    AddToLedger { site: FeatureRef, scene: Scene, catalogue: String },
    /// Fit the map to a footprint and select it.
    Show(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Area {
    Selection,
    View,
    Box,
}

/// Where a search looks and for whom: the catalogue, and the case feature whose ledger its
/// scenes can go to.
#[derive(Clone)]
struct Target {
    catalogue: Catalogue,
    site: Option<(FeatureRef, String)>,
    what: String,
}

struct Running {
    progress: Arc<Progress>,
    answer: mpsc::Receiver<Result<Searched, ImageryError>>,
    target: Target,
}

pub struct FindImagery {
    area: Area,
    bbox: String,
    from: String,
    to: String,
    /// Index into the built-in catalogues; one past them is "another STAC API".
    catalogue: usize,
    url: String,
    header: String,
    collections: String,
    max_cloud: f32,
    limit: usize,
    running: Option<Running>,
    message: Option<String>,
    /// The search form is shown (folded away while results are listed, for room).
    form: bool,
    pub results: Option<Results>,
}

/// A search's answer as the window shows it.
pub struct Results {
    searched: Searched,
    target: Target,
    /// Rows cloudier than this are hidden (scenes without cloud cover never are).
    cloud: f32,
    platforms: BTreeMap<String, bool>,
    /// The filters the footprints on the map were made for.
    drawn: Option<(u32, Vec<String>)>,
    /// The footprints layer in the document.
    pub layer: Option<LayerId>,
    /// The scene whose row the pointer is on.
    pub hovered: Option<String>,
    thumbs: Thumbnails,
}

impl Default for FindImagery {
    fn default() -> Self {
        let today = Day::today();
        FindImagery {
            area: Area::Selection,
            bbox: String::new(),
            from: Day(today.0 - 90).to_string(),
            to: today.to_string(),
            catalogue: 0,
            url: String::new(),
            header: String::new(),
            collections: Catalogue::builtin()[0].default_collections.join(", "),
            max_cloud: 100.0,
            limit: 500,
            running: None,
            message: None,
            form: true,
            results: None,
        }
    }
}

impl FindImagery {
    /// Opened for what is selected, over the timeline's range (or the feature's period).
    pub fn new(doc: &Document, range: Option<DateRange>) -> Self {
        let mut w = FindImagery::default();
        let period = match doc.selection.current() {
            Some(Selection::Feature(at)) => doc.feature(*at).and_then(|f| time::feature_range(f, doc.case(at.layer))),
            _ => None,
        };
        if let Some(r) = range.or(period) {
            (w.from, w.to) = (r.first.to_string(), r.last.to_string());
        }
        if !matches!(doc.selection.current(), Some(Selection::Feature(_))) {
            w.area = Area::View;
        }
        w
    }

    pub fn is_searching(&self) -> bool {
        self.running.is_some()
    }

    /// The footprint to highlight on the map: the hovered row's.
    pub fn highlighted(&self, doc: &Document) -> Option<FeatureRef> {
        let r = self.results.as_ref()?;
        let layer = doc.position(r.layer?)?;
        let id = r.hovered.as_deref()?;
        let feature = doc.layers[layer].layer.features.iter().position(|f| f.key().as_deref() == Some(id))?;
        Some(FeatureRef { layer, feature })
    }

    /// The window; false once it is closed.
    pub fn ui(&mut self, ctx: &egui::Context, doc: &Document, map: &MapState, acts: &mut Vec<Act>) -> bool {
        self.poll(ctx);
        let mut open = true;
        egui::Window::new("Find imagery").open(&mut open).default_width(460.0).default_pos(pos2(12.0, 40.0)).show(ctx, |ui| {
            if self.form || self.results.is_none() {
                self.form_ui(ui, doc, map);
            } else if ui.button("Change the search…").clicked() {
                self.form = true;
            }
            if let Some(m) = &self.message {
                ui.colored_label(ui.visuals().error_fg_color, m);
            }
            if let Some(r) = &mut self.results {
                ui.separator();
                r.ui(ui, doc, map, acts);
            }
        });
        if let Some(r) = &mut self.results {
            r.thumbs.poll(ctx);
            let key = r.filter_key();
            if r.drawn.as_ref() != Some(&key) {
                let shown: Vec<Scene> = r.shown().cloned().collect();
                acts.push(Act::Footprints(imagery::footprints_layer(&shown, &format!("Imagery: {}", r.target.what))));
                r.drawn = Some(key);
            }
        }
        if !open && let Some(r) = &self.running {
            r.progress.cancel();
        }
        open
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, doc: &Document, map: &MapState) {
        let selected = selected_feature(doc);
        egui::Grid::new("imagery-form").num_columns(2).spacing([8.0, 6.0]).show(ui, |ui| {
            ui.label("Area");
            ui.vertical(|ui| {
                let name = selected.as_ref().map_or("nothing selected".to_owned(), |(_, name, _)| name.clone());
                ui.add_enabled_ui(selected.is_some(), |ui| ui.radio_value(&mut self.area, Area::Selection, format!("Selected: {name}")));
                ui.radio_value(&mut self.area, Area::View, "The map view");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut self.area, Area::Box, "Box");
                    let r = ui.add(egui::TextEdit::singleline(&mut self.bbox).hint_text("west, south, east, north").desired_width(220.0));
                    if r.gained_focus() {
                        self.area = Area::Box;
                    }
                });
            });
            ui.end_row();
            let l = ui.label("From");
            ui.horizontal(|ui| {
                ui.add(egui::TextEdit::singleline(&mut self.from).desired_width(90.0)).labelled_by(l.id).on_hover_text("First day, YYYY-MM-DD");
                let l = ui.label("to");
                ui.add(egui::TextEdit::singleline(&mut self.to).desired_width(90.0)).labelled_by(l.id).on_hover_text("Last day, YYYY-MM-DD");
            });
            ui.end_row();
            ui.label("Catalogue");
            ui.vertical(|ui| {
                let builtin = Catalogue::builtin();
                let title = |i: usize| builtin.get(i).map_or("Another STAC API…".to_owned(), Catalogue::title);
                let before = self.catalogue;
                for i in 0..=builtin.len() {
                    ui.radio_value(&mut self.catalogue, i, title(i));
                }
                if self.catalogue != before {
                    self.collections = builtin.get(self.catalogue).map(|c| c.default_collections.join(", ")).unwrap_or_default();
                }
                if self.catalogue >= builtin.len() {
                    ui.horizontal(|ui| {
                        let l = ui.label("URL");
                        ui.add(egui::TextEdit::singleline(&mut self.url).hint_text("https://… (the API's root)").desired_width(260.0)).labelled_by(l.id);
                    });
                    ui.horizontal(|ui| {
                        let l = ui.label("Header");
                        ui.add(egui::TextEdit::singleline(&mut self.header).hint_text("x-api-key: …  (optional)").desired_width(260.0)).labelled_by(l.id);
                    });
                }
            });
            ui.end_row();
            let l = ui.label("Collections");
            ui.add(egui::TextEdit::singleline(&mut self.collections).hint_text("all the catalogue has").desired_width(300.0)).labelled_by(l.id);
            ui.end_row();
            ui.label("Cloud cover");
            ui.add(egui::Slider::new(&mut self.max_cloud, 0.0..=100.0).suffix(" % at most").integer());
            ui.end_row();
            ui.label("At most");
            ui.add(egui::DragValue::new(&mut self.limit).range(1..=10_000).suffix(" scenes"));
            ui.end_row();
        });
        ui.horizontal(|ui| match &self.running {
            Some(r) => {
                ui.spinner();
                let (pages, scenes) = (r.progress.pages.load(Ordering::Relaxed), r.progress.scenes.load(Ordering::Relaxed));
                ui.label(format!("Searching {}… {pages} pages, {scenes} scenes", r.target.catalogue.title()));
                if ui.button("Cancel").clicked() {
                    r.progress.cancel();
                    self.running = None;
                    self.message = Some("Search cancelled".into());
                }
            }
            None => {
                if ui.button("Search").clicked() {
                    self.start(ui.ctx(), doc, map);
                }
            }
        });
    }

    /// Starts the search the form describes on a worker thread.
    fn start(&mut self, ctx: &egui::Context, doc: &Document, map: &MapState) {
        match self.query(doc, map) {
            Ok((query, target)) => {
                let progress = Arc::new(Progress::default());
                let options = SearchOptions { progress: progress.clone(), ..SearchOptions::default() };
                let (tx, answer) = mpsc::channel();
                let (catalogue, ctx) = (target.catalogue.clone(), ctx.clone());
                std::thread::spawn(move || {
                    let _ = tx.send(imagery::search(&catalogue, &query, &options));
                    ctx.request_repaint();
                });
                self.message = None;
                self.running = Some(Running { progress, answer, target });
            }
            Err(e) => self.message = Some(e),
        }
    }

    /// The query and target the form describes, or what is wrong with it.
    fn query(&self, doc: &Document, map: &MapState) -> Result<(Query, Target), String> {
        let builtin = Catalogue::builtin();
        let mut catalogue = match builtin.get(self.catalogue) {
            Some(c) => c.clone(),
            None => Catalogue::named(&self.url).map_err(|e| e.to_string())?,
        };
        if !self.header.trim().is_empty() {
            let (k, v) = self.header.split_once(':').ok_or("the header is \"Name: value\"")?;
            catalogue.header = Some((k.trim().to_owned(), v.trim().to_owned()));
        }
        let day = |s: &str, what: &str| -> Result<Option<String>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            DateRange::parse(s).map(|_| Some(s.to_owned())).ok_or(format!("the {what} date {s:?} is not a date (YYYY-MM-DD)"))
        };
        let (from, to) = (day(&self.from, "first")?, day(&self.to, "last")?);
        let mut query = Query {
            from,
            to,
            collections: self.collections.split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect(),
            max_cloud: (self.max_cloud < 100.0).then_some(f64::from(self.max_cloud)),
            limit: self.limit.max(1),
            ..Query::default()
        };
        let mut site = None;
        let what = match self.area {
            Area::Selection => {
                let (at, name, geometry) = selected_feature(doc).ok_or("select a site or an area first, or search the map view")?;
                let bbox = crate::projection::geometry_extent(&geometry).ok_or("the selection has no place on the map")?;
                // A site is a point: a box a few hundred metres wide around it.
                let pad = if bbox.width() < 1e-3 && bbox.height() < 1e-3 { 0.003 } else { 0.0 };
                query.bbox = Some([bbox.min().x - pad, bbox.min().y - pad, crate::projection::wrap_lon(bbox.max().x + pad), bbox.max().y + pad]);
                if doc.case(at.layer).is_some() {
                    site = Some((at, name.clone()));
                }
                name
            }
            Area::View => {
                let rect = map.rect.ok_or("the map is not drawn yet")?;
                let (w, n) = map.lonlat_at(rect.left_top()).ok_or("the map is not drawn yet")?;
                let (e, s) = map.lonlat_at(rect.right_bottom()).ok_or("the map is not drawn yet")?;
                if rect.width() as f64 * 360.0 / (256.0 * 2f64.powf(map.memory.zoom())) >= 360.0 {
                    return Err("the view shows the whole world: zoom in, or type a box".into());
                }
                query.bbox = Some([w, s.max(-85.0), e, n.min(85.0)]);
                "the map view".into()
            }
            Area::Box => {
                let v: Vec<f64> =
                    self.bbox.split(',').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| "the box is four numbers: west, south, east, north")?;
                let [w, s, e, n] = v[..] else {
                    return Err("the box is four numbers: west, south, east, north".into());
                };
                if !(-90.0..=90.0).contains(&s) || !(-90.0..=90.0).contains(&n) || s >= n || !(-180.0..=360.0).contains(&w) || !(-180.0..=360.0).contains(&e) {
                    return Err("the box is west, south, east, north in degrees, south below north".into());
                }
                query.bbox = Some([w, s, crate::projection::wrap_lon(e), n]);
                format!("box {w}, {s}, {e}, {n}")
            }
        };
        let what = match (&query.from, &query.to) {
            (Some(f), Some(t)) => format!("{what}, {f} – {t}"),
            _ => what,
        };
        Ok((query, Target { catalogue, site, what }))
    }

    /// Takes the answer of a search that has finished.
    fn poll(&mut self, ctx: &egui::Context) {
        let Some(r) = &self.running else { return };
        match r.answer.try_recv() {
            Ok(Ok(searched)) => {
                let target = r.target.clone();
                self.running = None;
                let mut platforms = BTreeMap::new();
                for s in &searched.scenes {
                    platforms.insert(platform_of(s), true);
                }
                let thumbs = Thumbnails::start(ctx, &target.catalogue, &searched.scenes);
                self.form = false;
                self.results = Some(Results { searched, target, cloud: 100.0, platforms, drawn: None, layer: None, hovered: None, thumbs });
            }
            Ok(Err(e)) => {
                self.running = None;
                self.message = Some(e.to_string());
            }
            Err(mpsc::TryRecvError::Empty) => ctx.request_repaint_after(std::time::Duration::from_millis(100)),
            Err(mpsc::TryRecvError::Disconnected) => {
                self.running = None;
                self.message = Some("the search stopped without an answer".into());
            }
        }
    }
}

impl Results {
    /// How many thumbnails have arrived (pictures or failures).
    pub fn thumbnails_arrived(&self) -> usize {
        self.thumbs.shown.len()
    }

    /// The scenes the filters let through.
    pub fn shown_count(&self) -> usize {
        self.shown().count()
    }

    fn filter_key(&self) -> (u32, Vec<String>) {
        (self.cloud as u32, self.platforms.iter().filter(|(_, on)| !**on).map(|(p, _)| p.clone()).collect())
    }

    /// The scenes the filters let through, oldest first.
    fn shown(&self) -> impl Iterator<Item = &Scene> {
        self.searched.scenes.iter().filter(|s| s.cloud_cover.is_none_or(|c| c <= f64::from(self.cloud)) && self.platforms.get(&platform_of(s)).copied().unwrap_or(true))
    }

    fn ui(&mut self, ui: &mut egui::Ui, doc: &Document, map: &MapState, acts: &mut Vec<Act>) {
        let s = &self.searched;
        let mut said = format!("{} scenes of {} in {}", s.scenes.len(), self.target.what, self.target.catalogue.title());
        if s.truncated {
            said.push_str(" (more matched: raise the limit)");
        }
        ui.strong(said);
        if let Some(age) = s.from_cache {
            ui.colored_label(ui.visuals().warn_fg_color, format!("Offline: the answer kept from {} ago", age_text(age)));
        }
        if let Some(l) = self.layer.and_then(|id| doc.position(id)) {
            ui.label(
                RichText::new(format!("Footprints: the layer \"{}\" (Layers panel: show, hide, save as GeoJSON)", doc.layers[l].title()))
                    .small()
                    .color(ui.visuals().weak_text_color()),
            );
        }
        ui.horizontal(|ui| {
            ui.label("Cloud cover");
            ui.add(egui::Slider::new(&mut self.cloud, 0.0..=100.0).suffix(" % at most").integer());
        });
        if self.platforms.len() > 1 {
            ui.horizontal_wrapped(|ui| {
                ui.label("Platforms");
                for (p, on) in &mut self.platforms {
                    ui.checkbox(on, p.as_str());
                }
            });
        }
        let shown: Vec<Scene> = self.shown().cloned().collect();
        let map_hover = map.hovered.filter(|at| self.layer.and_then(|id| doc.position(id)) == Some(at.layer)).and_then(|at| doc.feature(at)?.key());
        date_strip(ui, &shown, map_hover.as_deref().or(self.hovered.as_deref()));
        let ledger = self.target.site.as_ref().and_then(|(at, _)| {
            let case = doc.case(at.layer)?;
            let key = doc.feature(*at)?.key()?;
            Some(crate::document::imagery_events(case, &key).filter_map(|(_, s)| imagery::scene_of(s).map(str::to_owned)).collect::<Vec<_>>())
        });
        ui.label(format!("{} shown", shown.len()));
        let mut hovered = None;
        // The list scrolls within the screen: the window never runs off its bottom.
        let room = (ui.ctx().content_rect().bottom() - ui.cursor().top() - 40.0).max(160.0);
        egui::ScrollArea::vertical().max_height(room).auto_shrink([false, true]).show(ui, |ui| {
            for scene in &shown {
                let lit = map_hover.as_deref() == Some(scene.id.as_str()) || self.hovered.as_deref() == Some(scene.id.as_str());
                let frame =
                    egui::Frame::new().inner_margin(4.0).corner_radius(3.0).fill(if lit { ui.visuals().selection.bg_fill.gamma_multiply(0.35) } else { Color32::TRANSPARENT });
                let row = frame.show(ui, |ui| {
                    ui.set_min_width(ui.available_width());
                    ui.horizontal(|ui| {
                        self.thumbs.ui(ui, scene);
                        ui.vertical(|ui| {
                            ui.label(RichText::new(scene.when()).monospace().strong());
                            ui.label(format!("{} ({})", scene.provider(), platform_of(scene)));
                            ui.label(RichText::new(scene.details()).small());
                            ui.horizontal(|ui| {
                                let recorded = ledger.as_ref().is_some_and(|l| l.contains(&scene.id));
                                match (&self.target.site, recorded) {
                                    (Some(_), true) => {
                                        ui.label(RichText::new("In the ledger").small());
                                    }
                                    (Some((at, name)), false) => {
                                        if ui.small_button("Add to ledger").on_hover_text(format!("Record this scene as evidence at {name}")).clicked() {
                                            acts.push(Act::AddToLedger { site: *at, scene: scene.clone(), catalogue: self.target.catalogue.title() });
                                        }
                                    }
                                    (None, _) => {}
                                }
                                if ui.small_button("Show").on_hover_text("Fit the map to the footprint").clicked() {
                                    acts.push(Act::Show(scene.id.clone()));
                                }
                                if let Some(url) = &scene.self_href {
                                    ui.hyperlink_to(RichText::new("item").small(), url).on_hover_text(url);
                                }
                            });
                        });
                    });
                });
                if lit && map_hover.is_some() {
                    row.response.scroll_to_me(None);
                }
                if row.response.contains_pointer() {
                    hovered = Some(scene.id.clone());
                }
            }
        });
        self.hovered = hovered;
    }
}

/// Acquisition times on a line from the first to the last, the hovered one drawn tall.
fn date_strip(ui: &mut egui::Ui, scenes: &[Scene], lit: Option<&str>) {
    let days: Vec<(i32, bool)> = scenes.iter().filter_map(|s| Some((DateRange::parse(s.day()?)?.first.0, lit == Some(s.id.as_str())))).collect();
    let (Some(first), Some(last)) = (days.iter().map(|d| d.0).min(), days.iter().map(|d| d.0).max()) else {
        return;
    };
    let last = last.max(first + 1);
    let (rect, _) = ui.allocate_exact_size(Vec2::new(ui.available_width(), 32.0), Sense::hover());
    let painter = ui.painter_at(rect);
    let weak = ui.visuals().weak_text_color();
    // Ticks on a line in the upper part, the first and last day under it.
    let y = rect.top() + 11.0;
    painter.line_segment([pos2(rect.left(), y), pos2(rect.right(), y)], Stroke::new(1.0, weak));
    let x = |d: i32| rect.left() + 4.0 + (rect.width() - 8.0) * (d - first) as f32 / (last - first) as f32;
    for (d, on) in &days {
        let (h, colour) = if *on { (10.0, Color32::from_rgb(123, 50, 148)) } else { (5.0, Color32::from_rgb(0, 114, 178)) };
        painter.line_segment([pos2(x(*d), y - h), pos2(x(*d), y + h)], Stroke::new(2.0, colour));
    }
    let font = egui::FontId::proportional(10.0);
    painter.text(pos2(rect.left(), rect.bottom()), egui::Align2::LEFT_BOTTOM, Day(first).to_string(), font.clone(), weak);
    painter.text(pos2(rect.right(), rect.bottom()), egui::Align2::RIGHT_BOTTOM, Day(last).to_string(), font, weak);
}

/// The selected feature, its name and geometry.
fn selected_feature(doc: &Document) -> Option<(FeatureRef, String, geo::Geometry<f64>)> {
    let Some(Selection::Feature(at)) = doc.selection.current() else {
        return None;
    };
    let f = doc.feature(*at)?;
    Some((*at, f.name().unwrap_or("the selection").to_owned(), f.geometry.clone()?))
}

fn platform_of(s: &Scene) -> String {
    s.platform.clone().or_else(|| s.constellation.clone()).or_else(|| s.collection.clone()).unwrap_or_else(|| "unnamed".into())
}

fn age_text(age: std::time::Duration) -> String {
    let s = age.as_secs();
    match s {
        0..120 => format!("{s} s"),
        120..7200 => format!("{} min", s / 60),
        7200..172_800 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

/// Thumbnails fetched (and cached) one after another on a worker thread, made small there.
struct Thumbnails {
    shown: HashMap<String, Thumb>,
    arriving: mpsc::Receiver<(String, Result<egui::ColorImage, String>)>,
    stop: Arc<AtomicBool>,
}

enum Thumb {
    Ready(egui::TextureHandle),
    Failed(String),
}

/// Thumbnails are drawn this many points a side.
const THUMB: f32 = 72.0;

impl Thumbnails {
    fn start(ctx: &egui::Context, catalogue: &Catalogue, scenes: &[Scene]) -> Self {
        let wanted: Vec<Scene> = scenes.iter().filter(|s| s.thumbnail.is_some()).cloned().collect();
        let (tx, arriving) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let (stop2, ctx, catalogue) = (stop.clone(), ctx.clone(), catalogue.clone());
        std::thread::spawn(move || {
            let options = SearchOptions { timeout: std::time::Duration::from_secs(15), ..SearchOptions::default() };
            for scene in wanted {
                if stop2.load(Ordering::Relaxed) {
                    return;
                }
                let picture = imagery::thumbnail_of(&catalogue, &scene, &options).map_err(|e| e.to_string()).and_then(|bytes| {
                    let img = image::load_from_memory(&bytes).map_err(|e| e.to_string())?.thumbnail(2 * THUMB as u32, 2 * THUMB as u32).to_rgba8();
                    Ok(egui::ColorImage::from_rgba_unmultiplied([img.width() as usize, img.height() as usize], img.as_raw()))
                });
                if tx.send((scene.id, picture)).is_err() {
                    return;
                }
                ctx.request_repaint();
            }
        });
        Thumbnails { shown: HashMap::new(), arriving, stop }
    }

    fn poll(&mut self, ctx: &egui::Context) {
        while let Ok((id, picture)) = self.arriving.try_recv() {
            let thumb = match picture {
                Ok(img) => Thumb::Ready(ctx.load_texture(format!("scene-{id}"), img, egui::TextureOptions::LINEAR)),
                Err(e) => Thumb::Failed(e),
            };
            self.shown.insert(id, thumb);
        }
    }

    fn ui(&self, ui: &mut egui::Ui, scene: &Scene) {
        let size = Vec2::splat(THUMB);
        match self.shown.get(&scene.id) {
            Some(Thumb::Ready(t)) => {
                ui.add(egui::Image::new(t).fit_to_exact_size(size).corner_radius(2.0));
            }
            other => {
                let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
                ui.painter().rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
                let text = match (other, &scene.thumbnail) {
                    (Some(Thumb::Failed(e)), _) => {
                        response.on_hover_text(e);
                        "no picture"
                    }
                    (_, None) => "no thumbnail",
                    _ => "…",
                };
                ui.painter().text(rect.center(), egui::Align2::CENTER_CENTER, text, egui::FontId::proportional(10.0), ui.visuals().weak_text_color());
            }
        }
    }
}

impl Drop for Thumbnails {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
