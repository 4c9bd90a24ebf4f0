//! The map: walkers for the tiles and gestures, the case drawn on top, hover and selection.

use egui::{Align2, Key, Pos2, Rect, Vec2};
use walkers::{Map, MapMemory, Projector};

use std::sync::Arc;

use crate::document::OpenLayer;
use super::paint;
use super::tiles::LocalTiles;
use crate::basemap::LayerKind;
use crate::model::{Feature, FeatureRef, Layer};
use crate::tiles::{TileFetcher, XyzSource};
use crate::projection::{WorldRect, lonlat_from_world, unwrap_lon, world_copies, world_from_lonlat, wrap_lon};
use crate::scene::{self, Highlight, LayerInput, PlaceName, ScreenTransform};

/// Longitude, latitude and zoom of the view when there is nothing to fit: East Asia, far
/// enough west of the antimeridian that a wide window shows no edge of the world.
const EMPTY_VIEW: (f64, f64, f64) = (100.0, 40.0, 4.0);

/// Pixels around the pointer within which a click or hover finds a feature.
pub const HIT_TOLERANCE_PX: f32 = 6.0;

/// What the map remembers between frames.
pub struct MapState {
    pub memory: MapMemory,
    /// The offline basemap.
    pub tiles: LocalTiles,
    /// Online tiles the user chose instead, if any.
    pub online: Option<OnlineLayer>,
    /// The custom XYZ dialog, while it is open.
    pub xyz_dialog: Option<XyzDialog>,
    pub hovered: Option<FeatureRef>,
    pub pointer_lonlat: Option<(f64, f64)>,
    /// Fit the view to the data on the next frame (at start, or on "Fit to data").
    pub fit_pending: bool,
    /// Show this extent (lon/lat) on the next frame: a selection, an opened file.
    pub fit_to: Option<geo::Rect<f64>>,
    /// Basemap layers switched off in the layers panel.
    pub hidden_basemap: Vec<LayerKind>,
    /// Where the map was drawn last frame, in screen points, and how the world mapped onto it.
    pub rect: Option<Rect>,
    pub transform: Option<ScreenTransform>,
    /// Raster tiles of the large layers in view.
    pub layer_tiles: Vec<LayerTiles>,
    /// Textures of overlay pictures, by the address of the picture.
    pub overlay_textures: std::collections::HashMap<*const crate::model::OverlayImage, egui::TextureHandle>,
    /// How many overlay pictures the last frame drew.
    pub overlays_drawn: usize,
    /// The timed tracks of each layer, by the address of its data, for the time cursor.
    pub timed: std::collections::HashMap<*const Layer, std::sync::Arc<crate::scene::cursor::Timed>>,
}

/// The raster tiles of one large layer, drawn with the fades they were made for.
pub struct LayerTiles {
    /// Which layer: the address of its data, which stays put while layers are reordered.
    layer: *const Layer,
    fade_key: u64,
    pub tiles: LocalTiles,
}

impl MapState {
    pub fn new(memory: MapMemory, tiles: LocalTiles, fit_pending: bool) -> Self {
        Self {
            memory,
            tiles,
            online: None,
            xyz_dialog: None,
            hidden_basemap: Vec::new(),
            hovered: None,
            pointer_lonlat: None,
            fit_pending,
            fit_to: None,
            rect: None,
            transform: None,
            layer_tiles: Vec::new(),
            overlay_textures: Default::default(),
            overlays_drawn: 0,
            timed: Default::default(),
        }
    }

    /// Tiles asked for and not drawn yet, basemap and layers.
    pub fn pending_tiles(&self) -> usize {
        let base = self.online.as_ref().map_or(self.tiles.pending(), |o| o.tiles.pending());
        base + self.layer_tiles.iter().map(|t| t.tiles.pending()).sum::<usize>()
    }

    /// Keeps raster tiles for every visible large layer, made anew when what fades changes.
    fn sync_layer_tiles(&mut self, ctx: &egui::Context, layers: &[OpenLayer], fade: &dyn Fn(FeatureRef, &Feature) -> f32, fade_key: u64) {
        let wanted: Vec<(usize, &OpenLayer)> = layers.iter().enumerate().filter(|(_, l)| l.visible && l.is_raster()).collect();
        self.layer_tiles.retain(|t| t.fade_key == fade_key && wanted.iter().any(|(_, l)| Arc::as_ptr(&l.layer) == t.layer));
        for (i, l) in wanted {
            if self.layer_tiles.iter().any(|t| t.layer == Arc::as_ptr(&l.layer)) {
                continue;
            }
            let fades: Vec<f32> = l.layer.features.iter().enumerate().map(|(j, f)| fade(FeatureRef { layer: i, feature: j }, f)).collect();
            let (data, index) = (l.layer.clone(), l.index.clone());
            let render = Arc::new(move |z, x, y, size| crate::tiles::layer::render_tile(&data, &index, &fades, z, x, y, size));
            let attribution = walkers::sources::Attribution { text: "", url: "", logo_light: None, logo_dark: None };
            let tiles = LocalTiles::new(ctx.clone(), render, attribution, 2);
            self.layer_tiles.push(LayerTiles { layer: Arc::as_ptr(&l.layer), fade_key, tiles });
        }
        // Draw in layer order.
        let order = |t: &LayerTiles| layers.iter().position(|l| Arc::as_ptr(&l.layer) == t.layer);
        self.layer_tiles.sort_by_key(order);
    }

    /// Switches basemap layers off (and the rest on): the offline tiles are drawn anew.
    pub fn set_hidden_basemap(&mut self, ctx: &egui::Context, hidden: Vec<LayerKind>) {
        if hidden != self.hidden_basemap {
            self.tiles = offline_tiles(ctx, hidden.clone());
            self.hidden_basemap = hidden;
        }
    }

    /// Where a place was drawn last frame, in screen points: in the copy of the world
    /// nearest the middle of the view (the view may look across the antimeridian).
    pub fn screen_from_lonlat(&self, lon: f64, lat: f64) -> Option<Pos2> {
        let (rect, t) = (self.rect?, self.transform?);
        let (centre_lon, _) = t.lonlat_from_screen([rect.width() / 2.0, rect.height() / 2.0]);
        let [x, y] = t.screen_from_lonlat(unwrap_lon(lon, centre_lon), lat);
        Some(rect.min + Vec2::new(x, y))
    }

    /// The place under a screen position, as the map was drawn last frame (longitude in
    /// −180..180).
    pub fn lonlat_at(&self, pos: Pos2) -> Option<(f64, f64)> {
        let (rect, t) = (self.rect?, self.transform?);
        Some(lonlat_at(&t, [pos.x - rect.min.x, pos.y - rect.min.y]))
    }

    /// Zooms and centres so that every visible layer fits in `rect`.
    pub fn fit(&mut self, layers: &[OpenLayer], rect: Rect) {
        let extent = crate::projection::merge_extents(layers.iter().filter(|l| l.visible).filter_map(|l| l.layer.extent()));
        match extent {
            Some(extent) => self.fit_extent(extent, rect, 16.0),
            // Nothing to show yet (files still loading): a region, not a blank street-level
            // view.
            None => {
                self.memory.center_at(walkers::lon_lat(EMPTY_VIEW.0, EMPTY_VIEW.1));
                let _ = self.memory.set_zoom(EMPTY_VIEW.2);
            }
        }
    }

    /// Zooms and centres on an extent in lon/lat, no closer than `max_zoom`.
    pub fn fit_extent(&mut self, extent: geo::Rect<f64>, rect: Rect, max_zoom: f64) {
        let (x0, y1) = world_from_lonlat(extent.min().x, extent.min().y);
        let (x1, y0) = world_from_lonlat(extent.max().x, extent.max().y);
        let margin = 60.0;
        let (w, h) = ((rect.width() - 2.0 * margin).max(50.0) as f64, (rect.height() - 2.0 * margin).max(50.0) as f64);
        let (dx, dy) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
        let zoom = (w / (dx * 256.0)).min(h / (dy * 256.0)).log2().clamp(1.0, max_zoom);
        let (lon, lat) = lonlat_from_world((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        self.memory.center_at(walkers::lon_lat(lon, lat));
        let _ = self.memory.set_zoom(zoom);
    }
}

/// The offline basemap as tiles, rendered on two worker threads, without the `hidden` layers.
pub fn offline_tiles(ctx: &egui::Context, hidden: Vec<LayerKind>) -> LocalTiles {
    let basemap = crate::basemap::Basemap::embedded();
    let render = Arc::new(move |z, x, y, size| Some(basemap.render_tile_without(z, x, y, size, &hidden)));
    let attribution = walkers::sources::Attribution {
        text: crate::basemap::ATTRIBUTION,
        url: "https://www.naturalearthdata.com",
        logo_light: None,
        logo_dark: None,
    };
    LocalTiles::new(ctx.clone(), render, attribution, 2)
}

/// Online tiles: a fetcher, and tiles drawn from it (or from the offline basemap when a tile
/// cannot be fetched).
pub struct OnlineLayer {
    pub fetcher: Arc<TileFetcher>,
    pub tiles: LocalTiles,
}

impl OnlineLayer {
    pub fn new(ctx: &egui::Context, source: XyzSource, cache_root: Option<std::path::PathBuf>) -> Self {
        let fetcher = Arc::new(TileFetcher::new(source, cache_root));
        let basemap = crate::basemap::Basemap::embedded();
        let f = fetcher.clone();
        let render = Arc::new(move |z, x, y, size| {
            Some(f.fetch_pixmap(z, x, y, size).unwrap_or_else(|_| basemap.render_tile(z, x, y, size)))
        });
        let attribution = walkers::sources::Attribution { text: "", url: "", logo_light: None, logo_dark: None };
        // Tile servers ask for few parallel connections; two is polite and enough.
        Self { fetcher, tiles: LocalTiles::new(ctx.clone(), render, attribution, 2) }
    }
}

/// The fields of the custom XYZ dialog.
#[derive(Default)]
pub struct XyzDialog {
    pub template: String,
    pub attribution: String,
    pub error: Option<String>,
}

/// The "Tiles" menu: offline basemap, OpenStreetMap, or a custom XYZ server.
fn tiles_menu_ui(ui: &mut egui::Ui, map: &mut MapState) {
    let current = map.online.as_ref().map(|o| o.fetcher.source.name.clone());
    ui.menu_button("Tiles", |ui| {
        if ui.radio(current.is_none(), "Offline basemap (Natural Earth)").clicked() {
            map.online = None;
            ui.close();
        }
        if ui.radio(current.as_deref() == Some("OpenStreetMap"), "OpenStreetMap (online)").clicked() {
            map.online = Some(OnlineLayer::new(ui.ctx(), XyzSource::openstreetmap(), crate::tiles::default_cache_dir()));
            ui.close();
        }
        let custom = current.as_deref().is_some_and(|n| n != "OpenStreetMap");
        if ui.radio(custom, "Custom XYZ server…").clicked() {
            map.xyz_dialog = Some(XyzDialog::default());
            ui.close();
        }
        ui.separator();
        let mut online = super::loading::ONLINE.load(std::sync::atomic::Ordering::Relaxed);
        if ui
            .checkbox(&mut online, "Allow files to fetch from the web")
            .on_hover_text("KML overlays may link pictures on the web; they are fetched when files are opened with this on")
            .changed()
        {
            super::loading::ONLINE.store(online, std::sync::atomic::Ordering::Relaxed);
        }
    });
}

/// The dialog for a custom XYZ template, e.g. a satellite imagery service.
pub fn xyz_dialog_ui(ctx: &egui::Context, map: &mut MapState) {
    let Some(dialog) = &mut map.xyz_dialog else { return };
    let mut open = true;
    let mut chosen = None;
    egui::Window::new("Custom XYZ tiles").open(&mut open).collapsible(false).show(ctx, |ui| {
        ui.label("URL template, with {z}, {x} and {y}:");
        ui.add(egui::TextEdit::singleline(&mut dialog.template).hint_text("https://example.org/tiles/{z}/{x}/{y}.png").desired_width(420.0));
        ui.label("Attribution, as the provider asks for it:");
        ui.add(egui::TextEdit::singleline(&mut dialog.attribution).hint_text("© Provider").desired_width(420.0));
        if let Some(e) = &dialog.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if ui.button("Use these tiles").clicked() {
            match XyzSource::custom(&dialog.template, &dialog.attribution) {
                Ok(source) => chosen = Some(source),
                Err(e) => dialog.error = Some(e),
            }
        }
    });
    if let Some(source) = chosen {
        map.online = Some(OnlineLayer::new(ctx, source, crate::tiles::default_cache_dir()));
        map.xyz_dialog = None;
    } else if !open {
        map.xyz_dialog = None;
    }
}

/// Buttons for the map: tiles, fit, zoom in, zoom out.
pub fn toolbar_ui(ui: &mut egui::Ui, map: &mut MapState, _layers: &[OpenLayer]) {
    tiles_menu_ui(ui, map);
    if ui.button("Fit to data").on_hover_text("Show everything that is visible").clicked() {
        map.fit_pending = true;
    }
    if ui.button("+").on_hover_text("Zoom in (+)").clicked() {
        let _ = map.memory.zoom_in();
    }
    if ui.button("−").on_hover_text("Zoom out (−)").clicked() {
        let _ = map.memory.zoom_out();
    }
}

/// The place at a point of the map (pixels from its top left), its longitude in −180..180
/// whichever copy of the world the view shows there.
fn lonlat_at(t: &ScreenTransform, local: scene::Px) -> (f64, f64) {
    let (lon, lat) = t.lonlat_from_screen(local);
    (wrap_lon(lon), lat)
}

/// The world `x` range the map shows.
fn view_x(t: &ScreenTransform, rect: Rect) -> [f64; 2] {
    [t.world_origin[0], t.world_from_screen([rect.width(), 0.0])[0]]
}

/// A tile layer drawn in every copy of the world the view meets. Walkers draws one world
/// (tiles 0..2^z); east of the antimeridian the view sees the next copy, so each copy is
/// drawn by walkers with the view moved by whole worlds (a projector whose centre is 360°
/// away), and the copies join seamlessly.
struct Wrapped<'t>(&'t mut dyn walkers::Tiles);

impl walkers::Layer for Wrapped<'_> {
    fn draw(&mut self, canvas: &mut walkers::Canvas, projector: &Projector) {
        let rect = projector.clip_rect();
        let x = |p: Pos2| (projector.unproject(p.to_vec2()).x() + 180.0) / 360.0;
        let centre = projector.unproject(rect.center().to_vec2());
        for k in world_copies([x(rect.left_center()), x(rect.right_center())], [0.0, 1.0]) {
            let mut tiles: &mut dyn walkers::Tiles = &mut *self.0;
            if k == 0 {
                walkers::Layer::draw(&mut tiles, canvas, projector);
                continue;
            }
            let mut memory = MapMemory::default();
            if memory.set_zoom(projector.zoom()).is_err() {
                continue;
            }
            memory.center_at(walkers::lon_lat(centre.x() - 360.0 * f64::from(k), centre.y()));
            let shifted = Projector::new(rect, projector.projection(), &memory, centre);
            walkers::Layer::draw(&mut tiles, canvas, &shifted);
        }
    }
}

/// The screen transform of the map widget, from walkers' projector.
fn transform(projector: &Projector, rect: Rect) -> ScreenTransform {
    let world = |p: Pos2| {
        let ll = projector.unproject(p.to_vec2());
        world_from_lonlat(ll.x(), ll.y())
    };
    let (a, b) = (world(rect.min), world(rect.max));
    let px_per_world = rect.width() as f64 / (b.0 - a.0).max(1e-12);
    ScreenTransform { world_origin: [a.0, a.1], px_per_world }
}

/// What the app tells the map to show besides the layers.
pub struct MapInputs<'a> {
    pub highlighted: &'a [FeatureRef],
    pub fade: &'a dyn Fn(FeatureRef, &Feature) -> f32,
    /// Changes whenever `fade` may give other answers (raster tiles are then drawn anew).
    pub fade_key: u64,
    pub measure: &'a mut super::measure::Measure,
    /// Dragging pans the map (not while a handle is dragged).
    pub pan: bool,
    /// A drawing tool takes the clicks: a double click ends the line instead of zooming.
    pub drawing: bool,
    /// The timeline's cursor and trail length, Unix seconds: timed tracks show where they were.
    pub cursor: Option<(i64, i64)>,
}

/// A click on the map (outside the measure tool).
#[derive(Clone, Copy, Debug)]
pub struct MapClick {
    /// The feature under the pointer, if any.
    pub hit: Option<FeatureRef>,
    pub lonlat: (f64, f64),
    pub pos: Pos2,
    /// The second click of a double click.
    pub double: bool,
}

/// Draws the map; returns the click, if the user clicked it.
pub fn map_ui(ui: &mut egui::Ui, map: &mut MapState, layers: &[OpenLayer], inputs: MapInputs) -> Option<MapClick> {
    let rect = ui.available_rect_before_wrap();
    if map.fit_pending && rect.width() > 10.0 {
        map.fit(layers, rect);
        map.fit_pending = false;
    }
    if let Some(extent) = map.fit_to.take() {
        map.fit_extent(extent, rect, 10.0);
    }
    keyboard(ui, map);
    map.sync_layer_tiles(ui.ctx(), layers, inputs.fade, inputs.fade_key);
    let hovered = map.hovered;
    let hidden_basemap = map.hidden_basemap.clone();
    let mut overlay_textures = std::mem::take(&mut map.overlay_textures);
    // The timed tracks of the visible layers (read once per version of a layer).
    let timed: Vec<std::sync::Arc<crate::scene::cursor::Timed>> = match inputs.cursor {
        Some(_) => {
            map.timed.retain(|k, _| layers.iter().any(|l| std::sync::Arc::as_ptr(&l.layer) == *k));
            layers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.visible)
                .map(|(i, l)| map.timed.entry(std::sync::Arc::as_ptr(&l.layer)).or_insert_with(|| std::sync::Arc::new(crate::scene::cursor::Timed::of(i, &l.layer))).clone())
                .filter(|t| !t.is_empty())
                .collect()
        }
        None => Vec::new(),
    };
    let mut overlays_drawn = 0;
    let measure = inputs.measure;
    let mut picked: Option<MapClick> = None;
    let mut hover: Option<FeatureRef> = None;
    let mut pointer = None;
    let mut drawn_transform = None;
    let center = walkers::lon_lat(EMPTY_VIEW.0, EMPTY_VIEW.1);
    let online_failure = map.online.as_ref().and_then(|o| o.fetcher.failure());
    let mut credits = vec![crate::basemap::ATTRIBUTION.to_owned()];
    if let Some(o) = &map.online {
        credits.insert(0, o.fetcher.source.attribution.clone());
    }
    // Panning past the antimeridian leaves the centre beyond ±180°; once the map stands
    // still it is brought back into −180..180, which shows the same place.
    if !map.memory.animating()
        && let Some(p) = map.memory.detached()
        && p.x().abs() > 180.0
    {
        map.memory.center_at(walkers::lon_lat(wrap_lon(p.x()), p.y()));
    }
    let tiles: &mut dyn walkers::Tiles = match &mut map.online {
        Some(o) => &mut o.tiles,
        None => &mut map.tiles,
    };
    let pan_buttons = if inputs.pan { egui::DragPanButtons::PRIMARY } else { egui::DragPanButtons::empty() };
    let mut widget = Map::new(None, &mut map.memory, center)
        .with_layer(Wrapped(tiles), 1.0)
        .double_click_to_zoom(!inputs.drawing)
        .drag_pan_buttons(pan_buttons)
        .zoom_with_ctrl(false);
    for t in &mut map.layer_tiles {
        let opacity = layers.iter().find(|l| Arc::as_ptr(&l.layer) == t.layer).map_or(1.0, |l| l.opacity);
        widget = widget.with_layer(Wrapped(&mut t.tiles), opacity);
    }
    widget.show(ui, |ui, response, projector, _memory| {
        let rect = response.rect;
        let t = transform(projector, rect);
        drawn_transform = Some(t);
        let layer_inputs: Vec<LayerInput> = layers
            .iter()
            .enumerate()
            .filter(|(_, l)| l.visible)
            .map(|(index, l)| LayerInput {
                spatial: Some(&l.index),
                highlights_only: l.is_raster(),
                mark_unsourced: true,
                ..LayerInput::new(index, &l.layer, l.opacity)
            })
            .collect();
        let size = [rect.width(), rect.height()];
        let view_world = WorldRect::from_corners(t.world_origin, t.world_from_screen(size));
        let labels = crate::basemap::Basemap::embedded().labels_without(view_world, projector.zoom(), &hidden_basemap);
        let names = PlaceName::from_basemap(labels);
        let highlight = Highlight { selected: inputs.highlighted, hovered, fade: Some(inputs.fade) };
        let scene = scene::build(&layer_inputs, &t, size, highlight, &names);
        let painter = ui.painter_at(rect);
        // What is drawn straight from lon/lat here (pictures, ships at the cursor, the
        // measured path) is drawn in each copy of the world the view meets, the copy shifted
        // one world east each time (the layers are, in the scene).
        let copies = || world_copies(view_x(&t, rect), [-0.25, 1.25]).map(|k| t.shifted(k));
        overlays_drawn = copies().map(|t| paint_overlays(&painter, &mut overlay_textures, layers, &t, size, false)).sum();
        paint::paint_scene(&painter, &scene, rect.min);
        if let Some((at_time, trail)) = inputs.cursor {
            let fade = |at: FeatureRef| layers.get(at.layer).and_then(|l| l.layer.features.get(at.feature)).map_or(0.0, |f| (inputs.fade)(at, f));
            for (timed, t) in timed.iter().flat_map(|timed| copies().map(move |t| (timed, t))) {
                for (_, p) in timed.at(at_time, trail, &t, &fade) {
                    paint::paint_primitive(&painter, &p, rect.min);
                }
            }
        }
        overlays_drawn += paint_overlays(&painter, &mut overlay_textures, layers, &t, size, true);
        attribution(&painter, rect, &credits.join(" · "));
        if let Some(e) = &online_failure {
            notice(&painter, rect, &format!("Tile server unreachable, showing the offline basemap where tiles are missing ({e})"));
        }

        if let Some(pos) = response.hover_pos() {
            let local = [pos.x - rect.min.x, pos.y - rect.min.y];
            pointer = Some(lonlat_at(&t, local));
            hover = pick(&scene, layers, &t, local, inputs.fade);
            if let Some(at) = hover
                && let Some(f) = layers.get(at.layer).and_then(|l| l.layer.features.get(at.feature))
            {
                let name = f.name().unwrap_or("unnamed").to_owned();
                let kind = scene::style::kind_label(&f.kind()).to_owned();
                response.clone().on_hover_ui_at_pointer(|ui| {
                    ui.strong(name);
                    ui.label(kind);
                });
            }
        }
        if response.clicked()
            && let Some(pos) = response.interact_pointer_pos()
        {
            let local = [pos.x - rect.min.x, pos.y - rect.min.y];
            if measure.active {
                measure.points.push(lonlat_at(&t, local));
            } else {
                let hit = pick(&scene, layers, &t, local, inputs.fade);
                picked = Some(MapClick { hit, lonlat: lonlat_at(&t, local), pos, double: response.double_clicked() });
            }
        }
        for t in copies() {
            measure.paint(&painter, |lon, lat| {
                let [x, y] = t.screen_from_lonlat(lon, lat);
                rect.min + Vec2::new(x, y)
            });
        }
    });
    // Textures of pictures no longer open are let go.
    overlay_textures.retain(|k, _| layers.iter().any(|l| l.layer.overlays.iter().any(|o| o.image.as_ref().is_some_and(|i| Arc::as_ptr(i) == *k))));
    map.overlay_textures = overlay_textures;
    map.overlays_drawn = overlays_drawn;
    map.rect = Some(rect);
    map.transform = drawn_transform;
    map.hovered = hover;
    map.pointer_lonlat = pointer;
    picked
}

/// The feature under a screen position: what the scene drew (markers, labels, vector layers)
/// first, then the large layers drawn as tiles, top layer first, through their R-trees.
fn pick(scene: &scene::Scene, layers: &[OpenLayer], t: &ScreenTransform, local: scene::Px, fade: &dyn Fn(FeatureRef, &Feature) -> f32) -> Option<FeatureRef> {
    if let Some(hit) = scene::hit_test(scene, local, HIT_TOLERANCE_PX) {
        return Some(hit);
    }
    let world = t.world_from_screen(local);
    let tolerance = f64::from(HIT_TOLERANCE_PX) / t.px_per_world;
    layers.iter().enumerate().rev().filter(|(_, l)| l.visible && l.opacity > 0.0 && l.is_raster()).find_map(|(i, l)| {
        let hit = l.index.hit(&l.layer, world, tolerance)?;
        let at = FeatureRef { layer: i, feature: hit.feature };
        let f = l.layer.features.get(hit.feature)?;
        (fade(at, f) > 0.0).then_some(at)
    })
}

fn keyboard(ui: &egui::Ui, map: &mut MapState) {
    if ui.ctx().egui_wants_keyboard_input() {
        return;
    }
    let (zoom_in, zoom_out) = ui.input(|i| {
        (i.key_pressed(Key::Plus) || i.key_pressed(Key::Equals), i.key_pressed(Key::Minus))
    });
    if zoom_in {
        let _ = map.memory.zoom_in();
    }
    if zoom_out {
        let _ = map.memory.zoom_out();
    }
}

/// The data credit, bottom right on the map, on a light plate.
fn attribution(painter: &egui::Painter, rect: Rect, text: &str) {
    let pos = rect.right_bottom() - Vec2::new(6.0, 4.0);
    let galley = painter.layout_no_wrap(text.to_owned(), egui::FontId::proportional(11.0), egui::Color32::from_gray(40));
    let plate = Align2::RIGHT_BOTTOM.anchor_size(pos, galley.size()).expand2(Vec2::new(4.0, 1.0));
    painter.rect_filled(plate, 2.0, egui::Color32::from_white_alpha(200));
    painter.galley(plate.min + Vec2::new(4.0, 1.0), galley, egui::Color32::from_gray(40));
}

/// A notice across the top of the map.
fn notice(painter: &egui::Painter, rect: Rect, text: &str) {
    let galley = painter.layout(text.to_owned(), egui::FontId::proportional(13.0), egui::Color32::from_rgb(90, 40, 0), rect.width() - 40.0);
    let plate = Align2::CENTER_TOP.anchor_size(rect.center_top() + Vec2::new(0.0, 8.0), galley.size()).expand2(Vec2::new(8.0, 4.0));
    painter.rect_filled(plate, 4.0, egui::Color32::from_rgb(255, 236, 200));
    painter.galley(plate.min + Vec2::new(8.0, 4.0), galley, egui::Color32::from_rgb(90, 40, 0));
}

/// Paints the visible layers' ground overlays (under the case) or screen overlays (over it),
/// each picture uploaded once as a texture (scaled to what the GPU takes).
fn paint_overlays(
    painter: &egui::Painter,
    textures: &mut std::collections::HashMap<*const crate::model::OverlayImage, egui::TextureHandle>,
    layers: &[OpenLayer],
    t: &ScreenTransform,
    size: [f32; 2],
    screen: bool,
) -> usize {
    let mut drawn = 0;
    let origin = painter.clip_rect().min;
    let max_side = painter.ctx().input(|i| i.max_texture_side).min(8192);
    for l in layers.iter().filter(|l| l.visible && l.opacity > 0.0) {
        let hidden = |i: usize| l.hidden_overlays.contains(&i);
        for (_, o) in scene::overlay::in_paint_order(&l.layer.overlays, &hidden) {
            if o.is_screen() != screen {
                continue;
            }
            let Some(image) = &o.image else { continue };
            let mesh = if screen {
                scene::overlay::screen_rect(o, image.native_size(), size, 1.0).map(scene::overlay::rect_mesh)
            } else {
                scene::overlay::ground_mesh(o, t, size)
            };
            let Some(mesh) = mesh else { continue };
            let texture = textures.entry(Arc::as_ptr(image)).or_insert_with(|| {
                let (mut w, mut h) = (image.width as usize, image.height as usize);
                let mut pixels = std::borrow::Cow::Borrowed(&image.rgba[..]);
                if w.max(h) > max_side {
                    let k = max_side as f64 / w.max(h) as f64;
                    let (nw, nh) = (((w as f64 * k) as u32).max(1), ((h as f64 * k) as u32).max(1));
                    if let Some(buf) = image::RgbaImage::from_raw(image.width, image.height, image.rgba.clone()) {
                        let small = image::imageops::resize(&buf, nw, nh, image::imageops::FilterType::Triangle);
                        (w, h) = (nw as usize, nh as usize);
                        pixels = std::borrow::Cow::Owned(small.into_raw());
                    }
                }
                let color = egui::ColorImage::from_rgba_unmultiplied([w, h], &pixels);
                painter.ctx().load_texture(format!("overlay-{:p}", Arc::as_ptr(image)), color, egui::TextureOptions::LINEAR)
            });
            let alpha = (o.opacity * l.opacity).clamp(0.0, 1.0);
            let tint = egui::Color32::from_white_alpha((alpha * 255.0).round() as u8);
            let mut m = egui::epaint::Mesh::with_texture(texture.id());
            for (p, uv) in mesh.positions.iter().zip(&mesh.uvs) {
                m.vertices.push(egui::epaint::Vertex { pos: Pos2::new(origin.x + p[0], origin.y + p[1]), uv: Pos2::new(uv[0], uv[1]), color: tint });
            }
            m.indices = mesh.indices;
            painter.add(egui::Shape::mesh(m));
            drawn += 1;
        }
    }
    drawn
}
