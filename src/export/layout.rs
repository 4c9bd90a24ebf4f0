//! The page, in layout pixels: where the map frame, the texts, the legend, the scale bar, the
//! locator inset and the credits go, and what is drawn in each, as groups of items that the PNG
//! and the SVG writers paint alike.
//!
//! ```text
//!  ┌──────────────────────────────────────────────────────┐
//!  │ Title (bold, at most 2 lines)                        │
//!  │ Subtitle (at most 3 lines)                           │
//!  │ ● Site  ○ Site, low confidence  ─▶─ Sea route  ┼┼ …  │  legend: what is in view
//!  │ ┌──────────────────────────────────────────┬──────┐ │
//!  │ │ map (basemap, place names, case layers)  │locator│ │  inset in the emptiest corner
//!  │ │                                          └──────┘ │
//!  │ │ ┌scale bar┐                   ┌attribution─────┐ │
//!  │ └─┴─────────┴───────────────────┴─────────────────┴─┘ │
//!  │ Source: … (at most 3 lines)                   Credit │
//!  └──────────────────────────────────────────────────────┘
//! ```
//!
//! Text is measured with the bundled fonts, wrapped to its column and cut with an ellipsis
//! after its last allowed line, so no two texts overlap whatever their length. Type sizes grow
//! gently with the page width; map symbols keep the screen's sizes.

use super::prepare::{self, Prepared};
use super::text::{self, CENTRE_TO_BASELINE_EM, Weight, fonts};
use super::{BasemapChoice, DetailBox, ExportError, ExportSpec, Extent};
use crate::basemap::{self, Basemap};
use crate::model::time::{DateRange, Day};
use crate::model::{Feature, FeatureKind, FeatureRef, Layer};
use crate::projection::{WorldRect, lonlat_from_world, world_from_lonlat};
use crate::scene::style::{self, kind_label};
use crate::scene::{self, Anchor, Highlight, LayerInput, PlaceName, Primitive, Px, Rgba, ScreenTransform, Stroke};

/// A rectangle in layout pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub fn right(&self) -> f32 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }
    pub fn contains(&self, p: Px) -> bool {
        p[0] >= self.x && p[0] <= self.right() && p[1] >= self.y && p[1] <= self.bottom()
    }
    /// `[x, y, w, h]`.
    pub fn xywh(&self) -> [f32; 4] {
        [self.x, self.y, self.w, self.h]
    }
    pub fn expanded(&self, m: f32) -> Rect {
        Rect { x: self.x - m, y: self.y - m, w: self.w + 2.0 * m, h: self.h + 2.0 * m }
    }
}

/// Which coordinates a group's items are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    /// Page layout pixels.
    Page,
    /// Pixels of the map frame (origin at its top-left corner), clipped to the frame.
    Frame,
}

/// A named group of items (an SVG `<g>` a designer can select, hide or restyle).
#[derive(Clone, Debug)]
pub struct Group {
    /// A unique, XML-safe id.
    pub id: String,
    /// The name shown in Inkscape's and Illustrator's layers panel.
    pub label: String,
    pub space: Space,
    pub items: Vec<Item>,
    pub children: Vec<Group>,
}

impl Group {
    fn new(id: &str, label: &str, space: Space) -> Group {
        Group { id: id.to_owned(), label: label.to_owned(), space, items: Vec::new(), children: Vec::new() }
    }
}

/// One thing on the page. Scene primitives other than text are painted as the screen paints
/// them; text is laid out here, once, for both writers.
#[derive(Clone, Debug)]
pub enum Item {
    Shape(Primitive),
    Text(TextBlock),
    Plate(Plate),
    Image(ImageKind),
}

/// Pictures drawn from raster data: the basemap fills the map frame; the locator its inset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    Basemap,
    Locator,
    /// The basemap of the detail inset, filling its rectangle.
    Detail,
    /// The picture of `Page::overlays[i]`.
    Overlay(usize),
}

/// An overlay's picture on the page: the mesh in frame pixels (a ground overlay's grid, or a
/// screen overlay's rectangle), as the window draws it.
#[derive(Clone, Debug)]
pub struct PlacedOverlay {
    pub image: std::sync::Arc<crate::model::OverlayImage>,
    pub mesh: scene::overlay::Mesh,
    pub opacity: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Lines of text, each placed by `align` at `x`, the first on `baseline`.
#[derive(Clone, Debug)]
pub struct TextBlock {
    pub lines: Vec<String>,
    pub x: f32,
    pub baseline: f32,
    pub line_height: f32,
    pub size: f32,
    pub weight: Weight,
    pub color: Rgba,
    /// A light outline behind the glyphs (for text over the map).
    pub halo: Option<Rgba>,
    pub align: Align,
    /// The paragraph reads right to left (the SVG says so; see [`super::text`]).
    pub rtl: bool,
}

impl TextBlock {
    /// The x where a line starts, given its width.
    pub fn line_x(&self, width: f32) -> f32 {
        match self.align {
            Align::Left => self.x,
            Align::Center => self.x - width / 2.0,
            Align::Right => self.x - width,
        }
    }
}

/// A filled, optionally outlined, rounded rectangle: backgrounds of the scale bar and
/// attribution, the frame line, the locator's border.
#[derive(Clone, Copy, Debug)]
pub struct Plate {
    pub rect: Rect,
    pub fill: Option<Rgba>,
    pub stroke: Option<Stroke>,
    pub radius: f32,
}

/// The locator inset: where it sits (frame pixels) and which world rectangle it shows.
#[derive(Clone, Copy, Debug)]
pub struct Locator {
    pub rect: Rect,
    pub region: WorldRect,
}

/// Texts for the file's metadata (PNG text chunks, SVG `<title>`/`<desc>`).
#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub title: String,
    pub subtitle: String,
    pub source: String,
    pub credit: String,
    pub attribution: Vec<String>,
    /// A description of the map for screen readers ([`super::alt_text`]).
    pub alt_text: String,
}

/// The laid-out page.
#[derive(Clone, Debug)]
pub struct Page {
    /// Page size in layout pixels.
    pub size: [f32; 2],
    /// The map frame, in page pixels.
    pub frame: Rect,
    /// World → frame pixels.
    pub transform: ScreenTransform,
    /// The basemap zoom of the view (`px_per_world = 256 · 2^zoom`).
    pub zoom: f64,
    pub locator: Option<Locator>,
    /// Draw the online tiles of the spec (else the offline basemap).
    pub tiles: bool,
    /// Paint order, back to front.
    pub groups: Vec<Group>,
    /// The pictures the groups' `ImageKind::Overlay` items draw.
    pub overlays: Vec<PlacedOverlay>,
    pub meta: Meta,
    pub notices: Vec<String>,
    /// Light or dark: the page's background and the basemap's style.
    pub theme: super::theme::Theme,
    /// The magnified inset, when the spec asks for one and it has room.
    pub detail: Option<super::detail::Detail>,
    /// The box a detail inset should show, where labelled sites crowd together on this map.
    pub suggested_detail: Option<[f64; 4]>,
}

impl Page {
    /// The world rectangle the frame shows.
    pub fn view_world(&self) -> WorldRect {
        WorldRect::from_corners(self.transform.world_origin, self.transform.world_from_screen([self.frame.w, self.frame.h]))
    }
}

/// Type sizes and spacing, in layout pixels, for a page width.
struct Type {
    k: f32,
    /// The page margin: narrower on narrow pages (a phone, a newspaper column), where every
    /// pixel of map counts.
    margin: f32,
}

impl Type {
    fn new(width: f32) -> Type {
        // Pages from 400 px on: type grows gently with the width. Below (a one-column print
        // graphic is ~200 px), it shrinks more slowly than the page, to stay legible: 0.66 is
        // a 9 px legend, 7 pt in print.
        let k = if width >= 400.0 { (width / 1920.0).sqrt().clamp(0.8, 1.25) } else { (0.8 * (width / 400.0).sqrt()).max(0.66) };
        Type { k, margin: 28.0 * k * (width / 600.0).clamp(0.4, 1.0) }
    }
    fn margin(&self) -> f32 {
        self.margin
    }
    fn title(&self) -> f32 {
        30.0 * self.k
    }
    fn subtitle(&self) -> f32 {
        17.0 * self.k
    }
    fn legend(&self) -> f32 {
        13.5 * self.k
    }
    fn footer(&self) -> f32 {
        12.0 * self.k
    }
    fn small(&self) -> f32 {
        10.5 * self.k
    }
}

const TITLE_COLOR: Rgba = Rgba::rgb(0x16, 0x16, 0x16);
const SUBTITLE_COLOR: Rgba = Rgba::rgb(0x44, 0x44, 0x44);
const LEGEND_COLOR: Rgba = Rgba::rgb(0x2a, 0x2a, 0x2a);
const FOOTER_COLOR: Rgba = Rgba::rgb(0x55, 0x55, 0x55);
const FRAME_COLOR: Rgba = Rgba::rgb(0x9a, 0x9a, 0x9a);
const PLATE_FILL: Rgba = Rgba([255, 255, 255, 217]);
/// The view's outline in the locator inset.
const LOCATOR_VIEW: Rgba = Rgba::rgb(0xC0, 0x2B, 0x1E);
/// The legend's symbol box.
pub const SWATCH: [f32; 2] = [40.0, 18.0];

/// Text longer than this (characters) is cut before layout; the layout cuts further.
const MAX_TEXT_CHARS: usize = 2000;

/// Lays out the page for `spec`, assuming its online tiles (if any) can be had.
pub fn layout(spec: &ExportSpec) -> Result<Page, ExportError> {
    let tiles = matches!(spec.basemap, BasemapChoice::Tiles(_));
    layout_with(spec, tiles)
}

/// Lays out the page for the offline basemap, whatever the spec asks (the fallback when tiles
/// cannot be fetched).
pub fn layout_offline(spec: &ExportSpec) -> Result<Page, ExportError> {
    layout_with(spec, false)
}

/// How many lines each text may take; tightened when the map would get too small.
#[derive(Clone, Copy)]
struct Limits {
    title: usize,
    subtitle: usize,
    legend_rows: usize,
    source: usize,
}

fn layout_with(spec: &ExportSpec, tiles: bool) -> Result<Page, ExportError> {
    spec.validate()?;
    let (mut layers, mut notices) = prepare::filter(spec)?;
    let size = [spec.size[0] as f32, spec.size[1] as f32];
    let ty = Type::new(size[0]);
    let m = ty.margin();
    let inner_w = size[0] - 2.0 * m;

    let case = layers.iter().find_map(|p| p.layer.case.as_ref()).or_else(|| spec.layers.iter().find_map(|l| l.layer.case.as_ref()));
    let title = match &spec.title {
        Some(t) => text::sanitize(t, MAX_TEXT_CHARS),
        None => default_title(spec, case),
    };
    let subtitle = match &spec.subtitle {
        Some(t) => text::sanitize(t, MAX_TEXT_CHARS),
        None => default_subtitle(case, spec.time_range.as_ref()),
    };
    let credit = text::sanitize(spec.credit.as_deref().unwrap_or(""), MAX_TEXT_CHARS);

    // The legend and the source line name what is in view, and the view depends on the room
    // they leave: lay out for a guess of the view (the requested extent), then again for the
    // view that gave, until the texts no longer change (they always do within a few rounds).
    let requested = requested_world(spec, &layers)?;
    let texts_for = |view: &WorldRect, t: Option<&ScreenTransform>| {
        let entries = if spec.legend { legend_entries(&layers, view, t) } else { Vec::new() };
        let source = match &spec.source {
            Some(s) => source_line(&text::sanitize(s, MAX_TEXT_CHARS)),
            None => default_source(&layers, view),
        };
        (entries, source)
    };
    let (mut entries, mut source) = texts_for(&requested, None);
    let tight = Limits { title: 1, subtitle: 1, legend_rows: 2, source: 1 };
    let mut limits = Limits { title: 2, subtitle: 3, legend_rows: 3, source: 3 };
    let mut attempt = 0;
    let (header, frame, transform, footer) = loop {
        attempt += 1;
        let header = header_layout(&ty, m, inner_w, &title, &subtitle, &entries, limits);
        let footer = footer_layout(&ty, m, size, &source, &credit, limits);
        // Whole pixels, so that the basemap raster lands on device pixels at integer scales.
        let (fx, fy) = (m.round(), header.bottom.ceil());
        let frame = Rect { x: fx, y: fy, w: (size[0] - m).round() - fx, h: footer.top.floor() - fy };
        if frame.h < size[1] * 0.4 && limits.title > 1 {
            limits = tight;
            continue;
        }
        if frame.h < 100.0 || frame.w < 150.0 {
            return Err(ExportError::PageTooSmall);
        }
        let transform = view_transform(spec, &requested, frame)?;
        let view = WorldRect::from_corners(transform.world_origin, transform.world_from_screen([frame.w, frame.h]));
        let seen = texts_for(&view, Some(&transform));
        if seen != (entries.clone(), source.clone()) && attempt <= 4 {
            (entries, source) = seen;
            continue;
        }
        break (header, frame, transform, footer);
    };

    prepare::simplify(&mut layers, transform.px_per_world * f64::from(spec.scale));
    let frame_size = [frame.w, frame.h];
    // What the case covers, whole: where the locator and the detail inset go and where sites
    // crowd, the same in every frame of an animation.
    let (first, mut room) = {
        let whole: Vec<LayerInput> = layers.iter().map(|p| LayerInput::new(p.index, &p.layer, p.opacity)).collect();
        scene::build_features(&whole, &transform, frame_size, Highlight::default())
    };
    // A frame of an animation: routes under way cut to where they had got, and every feature
    // faded by how long it has been known.
    let mut heads = Vec::new();
    if let Some(m) = &spec.moment {
        for p in &mut layers {
            if p.layer.features.iter().any(|f| matches!(f.kind(), FeatureKind::SeaRoute | FeatureKind::RailCorridor)) {
                heads.extend(super::animate::trim_routes(p.layer.to_mut(), m));
            }
        }
    }
    let cases: Vec<(usize, Option<&crate::model::Case>)> = layers.iter().map(|p| (p.index, p.layer.case.as_ref())).collect();
    let moment_fade = spec.moment.map(|m| {
        move |at: FeatureRef, f: &Feature| {
            let case = cases.iter().find(|(i, _)| *i == at.layer).and_then(|(_, c)| *c);
            super::animate::fade_at(f, case, &m)
        }
    });
    let highlight = Highlight { fade: moment_fade.as_ref().map(|f| f as &scene::FadeFn), ..Highlight::default() };
    let inputs: Vec<LayerInput> = layers.iter().map(|p| LayerInput::new(p.index, &p.layer, p.opacity)).collect();
    let zoom = (transform.px_per_world / 256.0).log2();

    // Overlays inside the frame: scale bar (bottom left), attribution (bottom right), locator
    // (the emptiest corner left).
    let pad = 10.0 * ty.k;
    let mut attributions = Vec::new();
    if tiles && let BasemapChoice::Tiles(fetcher) = &spec.basemap {
        attributions.push(text::sanitize(&fetcher.source.attribution, 300));
    }
    if !tiles || spec.locator {
        attributions.push(basemap::ATTRIBUTION.to_owned());
    }
    let scale_bar = spec.scale_bar.then(|| scale_bar(&ty, &transform, frame_size, pad)).flatten();
    let bar_width = scale_bar.as_ref().map_or(0.0, |g| g.1.w + pad);
    let attribution = attribution_group(&ty, frame_size, pad, bar_width, &attributions);
    // The date stamp of an animation frame, top left.
    let stamp = spec.moment.map(|m| {
        let shown: Vec<&Layer> = layers.iter().map(|p| p.layer.as_ref()).collect();
        let (date, events) = super::animate::stamp(&shown, &m);
        stamp_group(&ty, pad, frame_size, &date, &events)
    });
    // Screen overlays (a file's legend, a logo) keep their corner: the locator and the
    // basemap's names stay off them.
    let pinned_rects: Vec<Rect> = layers
        .iter()
        .flat_map(|p| p.layer.overlays.iter().enumerate().map(move |(i, o)| (p.index, i, o)))
        .filter(|(l, i, o)| o.is_screen() && !spec.hidden_overlays.contains(&[*l, *i]))
        .filter_map(|(_, _, o)| {
            let image = o.image.as_ref()?;
            let [x, y, w, h] = scene::overlay::screen_rect(o, image.native_size(), frame_size, 1.0)?;
            Some(Rect { x, y, w, h })
        })
        .collect();
    let mut taken: Vec<Rect> =
        scale_bar.iter().map(|g| g.1).chain([attribution.1]).chain(pinned_rects.iter().copied()).chain(stamp.iter().map(|s| s.1)).collect();
    let locator = if spec.locator { locator_place(&ty, &transform, frame_size, pad, &taken, &first) } else { None };
    taken.extend(locator.iter().map(|l| l.rect));
    // Where labelled sites crowd together: what a detail inset should show.
    let markers: Vec<Px> = first
        .items
        .iter()
        .filter_map(|(at, p)| match p {
            Primitive::Circle { center, radius, .. } if *radius < 12.0 => {
                let f = layers.iter().find(|l| l.index == at.layer)?.layer.features.get(at.feature)?;
                (f.kind() == FeatureKind::Site && f.name().is_some()).then_some(*center)
            }
            _ => None,
        })
        .collect();
    let suggested_detail = super::detail::crowded(&markers, &transform, 40.0);
    let detail_box = match spec.detail {
        Some(DetailBox::Box(b)) => Some(b),
        Some(DetailBox::Auto) => suggested_detail,
        None => None,
    };
    let detail = detail_box.and_then(|b| {
        let max = [frame.w * 0.36, frame.h * 0.5];
        let cost = |r: &Rect| coverage(&first, &r.expanded(6.0));
        super::detail::place(super::detail::world_box(b), &transform, frame_size, pad, max, &taken, cost)
            .map_err(|why| notices.push(format!("detail inset: {why}")))
            .ok()
    });

    // Basemap names, kept off the overlays; none over online tiles, which have their own.
    let mut overlays: Vec<Rect> = vec![attribution.1];
    overlays.extend(scale_bar.iter().map(|g| g.1));
    overlays.extend(locator.iter().map(|l| l.rect));
    overlays.extend(pinned_rects.iter().copied());
    overlays.extend(stamp.iter().map(|s| s.1));
    overlays.extend(detail.iter().map(|d| d.rect));
    let names = if tiles {
        Vec::new()
    } else {
        let view = WorldRect::from_corners(transform.world_origin, transform.world_from_screen(frame_size));
        let all = PlaceName::from_basemap(Basemap::embedded().labels(view, zoom));
        all.into_iter().filter(|n| !name_hits(n, &transform, &overlays)).collect()
    };
    // A page that is not a moment of an animation draws the whole case: that scene is built.
    let built = match spec.moment {
        None => {
            let mut built = first;
            built.place_names(&names, &transform, frame_size, &mut room);
            built
        }
        Some(_) => scene::build(&inputs, &transform, frame_size, highlight, &names),
    };

    // Groups, back to front.
    let mut groups = Vec::new();
    let mut base = Group::new("basemap", "Basemap", Space::Frame);
    base.items.push(Item::Image(ImageKind::Basemap));
    groups.push(base);
    // Image overlays: pictures on the map over the basemap, pictures pinned to the frame
    // over everything in it (as the window draws them).
    let mut overlays = Vec::new();
    let mut ground = Group::new("image-overlays", "Image overlays", Space::Frame);
    let mut pinned = Group::new("screen-overlays", "Screen overlays", Space::Frame);
    for p in &layers {
        let hidden = |i: usize| spec.hidden_overlays.contains(&[p.index, i]);
        for (_, o) in scene::overlay::in_paint_order(&p.layer.overlays, &hidden) {
            let Some(image) = &o.image else { continue };
            let meshes: Vec<_> = if o.is_screen() {
                scene::overlay::screen_rect(o, image.native_size(), frame_size, 1.0).map(scene::overlay::rect_mesh).into_iter().collect()
            } else {
                // In each copy of the world the frame meets (a page across 180°).
                let view_x = [transform.world_origin[0], transform.world_from_screen(frame_size)[0]];
                crate::projection::world_copies(view_x, [-0.25, 1.25]).filter_map(|k| scene::overlay::ground_mesh(o, &transform.shifted(k), frame_size)).collect()
            };
            for mesh in meshes {
                let group = if o.is_screen() { &mut pinned } else { &mut ground };
                group.items.push(Item::Image(ImageKind::Overlay(overlays.len())));
                overlays.push(PlacedOverlay { image: image.clone(), mesh, opacity: (o.opacity * p.opacity).clamp(0.0, 1.0) });
            }
        }
    }
    if !ground.items.is_empty() {
        groups.push(ground);
    }
    let mut places = Group::new("place-names", "Place names", Space::Frame);
    places.items.extend(built.background.iter().map(to_item));
    if !places.items.is_empty() {
        groups.push(places);
    }
    groups.extend(case_groups(&layers, &built));
    if !pinned.items.is_empty() {
        groups.push(pinned);
    }
    if !heads.is_empty() {
        let mut ships = Group::new("ships", "Ships under way", Space::Frame);
        let (centre_lon, _) = transform.lonlat_from_screen([frame_size[0] / 2.0, frame_size[1] / 2.0]);
        for h in &heads {
            let center = transform.screen_from_lonlat(crate::projection::unwrap_lon(h.x, centre_lon), h.y);
            let stroke = Some(Stroke::solid(style::WHITE, 2.0));
            ships.items.push(Item::Shape(Primitive::Circle { center, radius: 6.5, fill: style::INK, stroke }));
        }
        groups.push(ships);
    }
    if let Some(d) = &detail {
        let names = if tiles { Vec::new() } else { PlaceName::from_basemap(Basemap::embedded().labels(d.region, d.zoom)) };
        groups.extend(detail_groups(&ty, d, &transform, &inputs, highlight, &names));
    }
    if let Some((g, _)) = stamp {
        groups.push(g);
    }
    if let Some((g, _)) = scale_bar {
        groups.push(g);
    }
    if let Some(l) = &locator {
        groups.push(locator_group(l, &transform, frame_size));
    }
    groups.push(attribution.0);
    let mut border = Group::new("frame", "Map frame", Space::Page);
    border.items.push(Item::Plate(Plate { rect: frame, fill: None, stroke: Some(Stroke::solid(FRAME_COLOR, 0.75)), radius: 0.0 }));
    groups.push(border);
    groups.extend(header.groups);
    if !entries.is_empty() {
        groups.push(legend_group(ty.legend(), &header.legend_rows, &entries, &layers));
    }
    groups.extend(footer.blocks);

    for (what, text) in [("title", &title), ("subtitle", &subtitle), ("source line", &source), ("credit", &credit)] {
        if let Some(c) = fonts().first_missing(text) {
            notices.push(format!(
                "the {what} has characters the bundled fonts cannot draw ({c:?}, U+{:04X}): they are blank in a PNG; an SVG keeps them as text",
                c as u32
            ));
        }
    }
    let label_missing = built.items.iter().find_map(|(_, p)| match p {
        Primitive::Text { text, .. } => fonts().first_missing(text),
        _ => None,
    });
    // Names the detail inset shows are not lost.
    let in_inset: Vec<&str> = groups
        .iter()
        .filter(|g| g.id == "detail-inset")
        .flat_map(|g| &g.items)
        .filter_map(|i| match i {
            Item::Text(t) => t.lines.first().map(String::as_str),
            _ => None,
        })
        .collect();
    let unplaced: Vec<String> = built.unplaced_labels.iter().filter(|n| !in_inset.contains(&n.as_str())).cloned().collect();
    if !unplaced.is_empty() {
        notices.push(unplaced_notice(&unplaced));
    }
    if let Some(c) = label_missing {
        notices.push(format!("map labels have characters the bundled fonts cannot draw ({c:?}, U+{:04X}): they are blank in a PNG", c as u32));
    }
    if layers.iter().all(|p| p.layer.features.is_empty()) {
        notices.push("nothing is drawn: no feature passes the layer and time filters".into());
    }
    let keyed: Vec<(String, SwatchShape, Rgba)> = entries
        .iter()
        .filter_map(|e| {
            let p = layers.iter().find(|p| p.index == e.sample.layer)?;
            let shape = if e.shape == SwatchShape::Uncertainty { SwatchShape::Point } else { e.shape };
            Some((e.label.clone(), shape, style::key_colour(p.layer.features.get(e.sample.feature)?)))
        })
        .collect();
    notices.extend(super::colour_check::check(&keyed));
    let alt_text = {
        let view = WorldRect::from_corners(transform.world_origin, transform.world_from_screen(frame_size));
        let shown: Vec<(&Feature, Option<&crate::model::Case>)> = layers
            .iter()
            .flat_map(|p| p.layer.features.iter().filter(|f| in_view(f, &view)).map(move |f| (f, p.layer.case.as_ref())))
            .collect();
        let period = spec.time_range.or_else(|| {
            shown.iter().filter_map(|(f, case)| crate::model::time::feature_range(f, *case)).reduce(|a, b| a.union(&b))
        });
        let names: Vec<String> = built
            .items
            .iter()
            .filter_map(|(_, p)| match p {
                Primitive::Text { text, .. } if text != "?" => Some(text.clone()),
                _ => None,
            })
            .collect();
        let legend: Vec<String> = entries.iter().map(|e| e.label.clone()).collect();
        super::alt_text::write(&super::alt_text::Shown {
            title: &title,
            subtitle: &subtitle,
            legend: &legend,
            names: &names,
            features: shown.len(),
            view,
            period,
            filtered: spec.time_range.is_some(),
            source: &source,
            credit: &credit,
            attribution: &attributions,
        })
    };
    let mut page = Page {
        size,
        frame,
        transform,
        zoom,
        locator,
        tiles,
        groups,
        overlays,
        meta: Meta { title, subtitle, source, credit, attribution: attributions, alt_text },
        notices,
        theme: spec.theme,
        detail,
        suggested_detail,
    };
    spec.theme.apply(&mut page);
    Ok(page)
}

/// "3 labels could not be placed without overlapping: A, B, C", naming at most ten.
fn unplaced_notice(names: &[String]) -> String {
    const NAMED: usize = 10;
    let n = names.len();
    let mut list = names.iter().take(NAMED).map(|s| text::sanitize(s, 80)).collect::<Vec<_>>().join(", ");
    if n > NAMED {
        list.push_str(&format!(" and {} more", n - NAMED));
    }
    let what = if n == 1 { "label" } else { "labels" };
    format!("{n} map {what} could not be placed without overlapping another label or a marker, and are left out: {list}")
}

// ---------------------------------------------------------------------------------------------
// Texts

fn default_title(spec: &ExportSpec, case: Option<&crate::model::Case>) -> String {
    if let Some(case) = case
        && !case.title.trim().is_empty()
    {
        return text::sanitize(&case.title, MAX_TEXT_CHARS);
    }
    let names: Vec<&str> = spec.layers.iter().map(|l| l.layer.name.as_str()).filter(|n| !n.is_empty()).collect();
    text::sanitize(&names.join(", "), MAX_TEXT_CHARS)
}

/// The first sentence of the case description, and the time range shown.
fn default_subtitle(case: Option<&crate::model::Case>, range: Option<&DateRange>) -> String {
    let description = case.map(|c| text::sanitize(&c.description, MAX_TEXT_CHARS)).unwrap_or_default();
    let mut first = first_sentence(&description).to_owned();
    if let Some(r) = range {
        if !first.is_empty() {
            first.push(' ');
        }
        first.push_str(&format!("Shown: {}.", human_range(r)));
    }
    first
}

pub(super) const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/// A range for a caption, at the precision it covers: "September–October 2023", "August 2023 –
/// February 2024", "2023", "14–30 September 2023", "16 October 2023".
pub fn human_range(r: &DateRange) -> String {
    let (y0, m0, d0) = r.first.ymd();
    let (y1, m1, d1) = r.last.ymd();
    let month = |m: u32| MONTHS.get(m.saturating_sub(1) as usize).copied().unwrap_or("?");
    let month_end = |y: i32, m: u32| {
        let next = if m == 12 { Day::from_ymd(y + 1, 1, 1) } else { Day::from_ymd(y, m + 1, 1) };
        Day(next.0 - 1).ymd().2
    };
    let whole_months = d0 == 1 && d1 == month_end(y1, m1);
    let whole_years = whole_months && m0 == 1 && m1 == 12;
    if whole_years {
        return if y0 == y1 { y0.to_string() } else { format!("{y0}–{y1}") };
    }
    if whole_months {
        return match (y0 == y1, m0 == m1) {
            (true, true) => format!("{} {y0}", month(m0)),
            (true, false) => format!("{}–{} {y0}", month(m0), month(m1)),
            _ => format!("{} {y0} – {} {y1}", month(m0), month(m1)),
        };
    }
    match (y0 == y1, m0 == m1, d0 == d1) {
        (true, true, true) => format!("{d0} {} {y0}", month(m0)),
        (true, true, false) => format!("{d0}–{d1} {} {y0}", month(m0)),
        (true, false, _) => format!("{d0} {} – {d1} {} {y0}", month(m0), month(m1)),
        _ => format!("{d0} {} {y0} – {d1} {} {y1}", month(m0), month(m1)),
    }
}

fn first_sentence(s: &str) -> &str {
    let mut from = 0;
    while let Some(i) = s[from..].find(". ") {
        let end = from + i + 1;
        if end >= 40 {
            return &s[..end];
        }
        from = end;
    }
    s
}

/// "Source: …" unless the user's text already says so.
fn source_line(s: &str) -> String {
    let lower = s.to_lowercase();
    if s.is_empty() || lower.starts_with("source") || lower.starts_with("data") {
        s.to_owned()
    } else {
        format!("Source: {s}")
    }
}

/// "Sources: the most cited publishers of what is in view, and how many others".
fn default_source(layers: &[Prepared], view: &WorldRect) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut plain_layers = Vec::new();
    // Catalogue scenes recorded at what is in view: provider and the years of the pictures.
    let mut imagery: Vec<(String, Vec<i32>)> = Vec::new();
    for p in layers {
        let Some(case) = &p.layer.case else {
            if !p.layer.name.is_empty() && !plain_layers.contains(&p.layer.name) {
                plain_layers.push(p.layer.name.clone());
            }
            continue;
        };
        for f in p.layer.features.iter().filter(|f| in_view(f, view)) {
            for (e, _) in f.key().iter().flat_map(|k| crate::document::imagery_events(case, k)) {
                let (Some(provider), Some(year)) = (&e.imagery_provider, e.date_start.get(..4).and_then(|y| y.parse().ok())) else { continue };
                match imagery.iter_mut().find(|(p, _)| p == provider) {
                    Some((_, years)) if !years.contains(&year) => years.push(year),
                    Some(_) => {}
                    None => imagery.push((provider.clone(), vec![year])),
                }
            }
            for id in f.list_prop("source_ids") {
                let Some(src) = case.source(id) else { continue };
                let name = publisher(&src.publisher);
                if name.is_empty() {
                    continue;
                }
                match counts.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                    Some((_, c)) => *c += 1,
                    None => counts.push((name, 1)),
                }
            }
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut parts = Vec::new();
    if !counts.is_empty() {
        let top: Vec<&str> = counts.iter().take(4).map(|(n, _)| n.as_str()).collect();
        let rest = counts.len().saturating_sub(4);
        let list = match rest {
            0 => join_and(&top),
            1 => format!("{} and one other", top.join(", ")),
            n => format!("{} and {n} others", top.join(", ")),
        };
        parts.push(format!("Sources: {list}"));
    }
    if !imagery.is_empty() {
        imagery.sort();
        let credits: Vec<String> = imagery
            .iter_mut()
            .map(|(p, years)| {
                years.sort_unstable();
                crate::imagery::credit(p, years)
            })
            .collect();
        parts.push(format!("Imagery: {}", credits.join("; ")));
    }
    if !plain_layers.is_empty() {
        parts.push(format!("Data: {}", plain_layers.join(", ")));
    }
    text::sanitize(&parts.join(". "), MAX_TEXT_CHARS)
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A publisher's short name: "CSIS Beyond Parallel (Center for …)" → "CSIS Beyond Parallel".
fn publisher(p: &str) -> String {
    let cut = p.find([',', '(', ';']).map_or(p, |i| &p[..i]);
    text::sanitize(cut, 120)
}

/// Whether a feature shows in the view, in any copy of the world the view meets.
fn in_view(f: &Feature, view: &WorldRect) -> bool {
    let Some(r) = f.geometry.as_ref().and_then(crate::projection::geometry_extent) else { return false };
    let (x0, y1) = world_from_lonlat(r.min().x, r.min().y);
    let (x1, y0) = world_from_lonlat(r.max().x, r.max().y);
    let box_ = WorldRect { min: [x0, y0], max: [x1, y1] };
    crate::projection::world_copies([view.min[0], view.max[0]], [x0, x1]).any(|k| view.intersects(&box_.shifted(f64::from(k))))
}

struct Header {
    groups: Vec<Group>,
    /// Top of the map frame.
    bottom: f32,
    /// Legend rows: (y of the row's centre, entries with their x).
    legend_rows: Vec<(f32, Vec<(usize, f32)>)>,
}

/// How a block of page text is set: size, line height, weight, colour.
#[derive(Clone, Copy)]
struct Setting {
    size: f32,
    line_height: f32,
    weight: Weight,
    color: Rgba,
}

/// Lines set from `top` (the first line's ascent starts there), placed by `align` at `x`.
fn block(lines: Vec<String>, x: f32, top: f32, set: Setting, align: Align) -> TextBlock {
    let rtl = lines.first().is_some_and(|l| text::is_rtl(l));
    let Setting { size, line_height, weight, color } = set;
    TextBlock { lines, x, baseline: top + size * 0.95, line_height, size, weight, color, halo: None, align, rtl }
}

fn header_layout(ty: &Type, m: f32, inner_w: f32, title: &str, subtitle: &str, entries: &[LegendEntry], limits: Limits) -> Header {
    let mut y = m;
    let mut groups = Vec::new();
    // Right-to-left titles sit at the right margin.
    let place = |t: &str| if text::is_rtl(t) { (Align::Right, m + inner_w) } else { (Align::Left, m) };
    if !title.is_empty() {
        let size = ty.title();
        let lines = text::wrap(title, size, Weight::Bold, inner_w, limits.title);
        let lh = size * 1.2;
        let (align, x) = place(title);
        let n = lines.len() as f32;
        let mut g = Group::new("title", "Title", Space::Page);
        g.items.push(Item::Text(block(lines, x, y, Setting { size, line_height: lh, weight: Weight::Bold, color: TITLE_COLOR }, align)));
        groups.push(g);
        y += n * lh + 4.0 * ty.k;
    }
    if !subtitle.is_empty() {
        let size = ty.subtitle();
        let lines = text::wrap(subtitle, size, Weight::Regular, inner_w, limits.subtitle);
        let lh = size * 1.35;
        let (align, x) = place(subtitle);
        let n = lines.len() as f32;
        let mut g = Group::new("subtitle", "Subtitle", Space::Page);
        g.items.push(Item::Text(block(lines, x, y, Setting { size, line_height: lh, weight: Weight::Regular, color: SUBTITLE_COLOR }, align)));
        groups.push(g);
        y += n * lh;
    }
    let mut legend_rows = Vec::new();
    if !entries.is_empty() {
        y += 10.0 * ty.k;
        let size = ty.legend();
        let row_h = (SWATCH[1] + 6.0).max(size * 1.6);
        let gap = 22.0 * ty.k;
        let mut row: Vec<(usize, f32)> = Vec::new();
        let mut x = m;
        for (i, e) in entries.iter().enumerate() {
            let w = SWATCH[0] + 7.0 + fonts().width(&e.label, size, Weight::Regular);
            if !row.is_empty() && x + w > m + inner_w {
                legend_rows.push((y + row_h / 2.0, std::mem::take(&mut row)));
                y += row_h;
                x = m;
                if legend_rows.len() == limits.legend_rows {
                    break;
                }
            }
            row.push((i, x));
            x += w + gap;
        }
        if !row.is_empty() && legend_rows.len() < limits.legend_rows {
            legend_rows.push((y + row_h / 2.0, row));
            y += row_h;
        }
    }
    Header { groups, bottom: y + 10.0 * ty.k, legend_rows }
}

struct Footer {
    blocks: Vec<Group>,
    /// Bottom of the map frame.
    top: f32,
}

fn footer_layout(ty: &Type, m: f32, size: [f32; 2], source: &str, credit: &str, limits: Limits) -> Footer {
    let fs = ty.footer();
    let lh = fs * 1.4;
    let inner_w = size[0] - 2.0 * m;
    let gap = 24.0 * ty.k;
    let credit_lines = if credit.is_empty() { Vec::new() } else { text::wrap(credit, fs, Weight::Regular, inner_w * 0.4, 2) };
    let credit_w = credit_lines.iter().map(|l| fonts().width(l, fs, Weight::Regular)).fold(0.0, f32::max);
    let source_w = if credit_lines.is_empty() { inner_w } else { inner_w - credit_w - gap };
    let source_lines = if source.is_empty() { Vec::new() } else { text::wrap(source, fs, Weight::Regular, source_w, limits.source) };
    let n = source_lines.len().max(credit_lines.len());
    if n == 0 {
        return Footer { blocks: Vec::new(), top: size[1] - m };
    }
    let height = n as f32 * lh;
    let top = size[1] - m - height;
    let set = Setting { size: fs, line_height: lh, weight: Weight::Regular, color: FOOTER_COLOR };
    let mut blocks = Vec::new();
    if !source_lines.is_empty() {
        let mut g = Group::new("source", "Source", Space::Page);
        g.items.push(Item::Text(block(source_lines, m, top, set, Align::Left)));
        blocks.push(g);
    }
    if !credit_lines.is_empty() {
        let mut g = Group::new("credit", "Credit", Space::Page);
        g.items.push(Item::Text(block(credit_lines, size[0] - m, top, set, Align::Right)));
        blocks.push(g);
    }
    Footer { blocks, top: top - 10.0 * ty.k }
}

// ---------------------------------------------------------------------------------------------
// The view

/// The world rectangle the spec asks to show (for `View`, a point).
fn requested_world(spec: &ExportSpec, layers: &[Prepared]) -> Result<WorldRect, ExportError> {
    match spec.extent {
        Extent::Fit => {
            let extent = crate::projection::merge_extents(layers.iter().filter_map(|p| p.layer.extent()));
            let Some(e) = extent else {
                let why = if spec.only.is_empty() && spec.time_range.is_none() { "" } else { " (after the layer and time filters)" };
                return Err(ExportError::NothingToFit(why.into()));
            };
            let (x0, y1) = world_from_lonlat(e.min().x, e.min().y);
            let (x1, y0) = world_from_lonlat(e.max().x, e.max().y);
            Ok(WorldRect { min: [x0, y0], max: [x1, y1] })
        }
        Extent::BBox([lon0, lat0, lon1, lat1]) => {
            let lon0 = crate::projection::wrap_lon(lon0);
            let lon1 = lon0 + super::bbox_width(lon0, crate::projection::wrap_lon(lon1));
            let (x0, y1) = world_from_lonlat(lon0, lat0);
            let (x1, y0) = world_from_lonlat(lon1, lat1);
            Ok(WorldRect { min: [x0, y0], max: [x1, y1] })
        }
        Extent::View { lon, lat, .. } => {
            let (x, y) = world_from_lonlat(lon, lat);
            Ok(WorldRect { min: [x, y], max: [x, y] })
        }
    }
}

/// The most zoomed-in a fit goes (a single site does not fill the page).
const FIT_MAX_ZOOM: f64 = 12.0;

fn view_transform(spec: &ExportSpec, requested: &WorldRect, frame: Rect) -> Result<ScreenTransform, ExportError> {
    let (fw, fh) = (f64::from(frame.w), f64::from(frame.h));
    let centre = [(requested.min[0] + requested.max[0]) / 2.0, (requested.min[1] + requested.max[1]) / 2.0];
    let px_per_world = match spec.extent {
        Extent::View { zoom, .. } => 256.0 * zoom.exp2(),
        Extent::BBox(_) => (fw / requested.width().max(1e-12)).min(fh / requested.height().max(1e-12)),
        Extent::Fit => {
            let pad = (0.06 * fw.min(fh)).clamp(32.0, 80.0);
            let fit = ((fw - 2.0 * pad) / requested.width().max(1e-12)).min((fh - 2.0 * pad) / requested.height().max(1e-12));
            fit.min(256.0 * FIT_MAX_ZOOM.exp2())
        }
    };
    if !(px_per_world.is_finite() && px_per_world > 0.0) {
        return Err(ExportError::Extent("the requested view is empty".into()));
    }
    let origin = [centre[0] - fw / 2.0 / px_per_world, centre[1] - fh / 2.0 / px_per_world];
    Ok(ScreenTransform { world_origin: origin, px_per_world })
}

// ---------------------------------------------------------------------------------------------
// Legend

/// One legend line: a symbol class seen in the view.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    /// The layer and feature whose style the swatch shows.
    pub sample: FeatureRef,
    pub shape: SwatchShape,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwatchShape {
    Point,
    /// A site marker with its uncertainty circle.
    Uncertainty,
    Line,
    Polygon,
}

/// The symbol classes of the features in `view`, in a fixed order: sites, uncertainty,
/// areas, sea routes, rail corridors, then plain layers.
fn legend_entries(layers: &[Prepared], view: &WorldRect, t: Option<&ScreenTransform>) -> Vec<LegendEntry> {
    let mut found: Vec<(u8, String, FeatureRef, SwatchShape)> = Vec::new();
    // The label of plain data of one kind and shape in one layer, made once.
    let mut others: Vec<((usize, String, &'static str), String)> = Vec::new();
    let mut entries = Vec::with_capacity(2);
    for p in layers {
        for (i, f) in p.layer.features.iter().enumerate() {
            entries.clear();
            let status = f.str_prop("status").filter(|_| !style::is_certain(f));
            match f.kind() {
                FeatureKind::Site => {
                    let low = f.str_prop("confidence").is_some_and(|c| c.starts_with("low"));
                    entries.push((0, if low { "Site, low confidence".into() } else { "Site".into() }, SwatchShape::Point));
                    let circle = match (f.f64_prop("precision_m"), t, point_of(f)) {
                        (Some(m), Some(t), Some(lat)) => (m * t.px_per_metre(lat)) as f32 >= style::MIN_UNCERTAINTY_RADIUS_PX,
                        (Some(m), None, _) => m > 0.0,
                        _ => false,
                    };
                    if circle {
                        entries.push((1, "Location uncertainty".into(), SwatchShape::Uncertainty));
                    }
                }
                FeatureKind::Area => {
                    let label = match status {
                        Some(s) => format!("Area, extent {s}"),
                        None => "Area".into(),
                    };
                    entries.push((2, label, SwatchShape::Polygon));
                }
                FeatureKind::SeaRoute => {
                    let mut label = String::from("Sea route");
                    if f.str_prop("ais") == Some("off") {
                        label.push_str(", AIS off");
                    }
                    if let Some(s) = status {
                        label.push_str(&format!(" ({s})"));
                    }
                    entries.push((3, label, SwatchShape::Line));
                }
                FeatureKind::RailCorridor => {
                    let label = match status {
                        Some(s) => format!("Rail corridor ({s})"),
                        None => "Rail corridor".into(),
                    };
                    entries.push((4, label, SwatchShape::Line));
                }
                kind @ FeatureKind::Other(_) => {
                    let (shape, what) = match f.geometry.as_ref() {
                        Some(geo::Geometry::Point(_) | geo::Geometry::MultiPoint(_)) => (SwatchShape::Point, "points"),
                        Some(geo::Geometry::LineString(_) | geo::Geometry::MultiLineString(_) | geo::Geometry::Line(_)) => (SwatchShape::Line, "lines"),
                        _ => (SwatchShape::Polygon, "areas"),
                    };
                    let FeatureKind::Other(kind_name) = &kind else { continue };
                    let label = match others.iter().find(|((l, k, w), _)| *l == p.index && k == kind_name && *w == what) {
                        Some((_, label)) => label.clone(),
                        None => {
                            let name = if kind_name.is_empty() { p.layer.name.clone() } else { kind_label(&kind).replace('_', " ") };
                            let label = text::sanitize(&format!("{name} ({what})"), 80);
                            others.push(((p.index, kind_name.clone(), what), label.clone()));
                            label
                        }
                    };
                    entries.push((5, label, shape));
                }
            }
            // Whether the feature is in view is asked only when it would add an entry: in a
            // big file most features repeat one that is there already.
            let new = |found: &[(u8, String, FeatureRef, SwatchShape)], label: &String| !found.iter().any(|(_, l, _, _)| l == label);
            if !entries.iter().any(|(_, label, _)| new(&found, label)) || !in_view(f, view) {
                continue;
            }
            let at = FeatureRef { layer: p.index, feature: i };
            for (order, label, shape) in entries.drain(..) {
                if new(&found, &label) {
                    found.push((order, label, at, shape));
                }
            }
        }
    }
    found.sort_by_key(|(order, _, _, _)| *order);
    found.into_iter().map(|(_, label, sample, shape)| LegendEntry { label, sample, shape }).collect()
}

fn point_of(f: &Feature) -> Option<f64> {
    match f.geometry.as_ref()? {
        geo::Geometry::Point(p) => Some(p.y()),
        geo::Geometry::MultiPoint(mp) => mp.0.first().map(|p| p.y()),
        _ => None,
    }
}

/// The legend: each entry's swatch is the scene's own drawing of a copy of a feature of that
/// class (same style functions, same arrows and ties), beside its label.
fn legend_group(ty_size: f32, rows: &[(f32, Vec<(usize, f32)>)], entries: &[LegendEntry], layers: &[Prepared]) -> Group {
    let mut g = Group::new("legend", "Legend", Space::Page);
    for (cy, row) in rows {
        for &(i, x) in row {
            let Some(e) = entries.get(i) else { continue };
            let Some(feature) = layers.iter().find(|p| p.index == e.sample.layer).and_then(|p| p.layer.features.get(e.sample.feature)) else {
                continue;
            };
            let mut item = Group::new(&format!("legend-{}", i + 1), &e.label, Space::Page);
            let origin = [x, cy - SWATCH[1] / 2.0];
            for p in swatch(feature, e.shape) {
                item.items.push(Item::Shape(offset(p, origin)));
            }
            item.items.push(Item::Text(TextBlock {
                lines: vec![e.label.clone()],
                x: x + SWATCH[0] + 7.0,
                baseline: cy + ty_size * CENTRE_TO_BASELINE_EM,
                line_height: ty_size,
                size: ty_size,
                weight: Weight::Regular,
                color: LEGEND_COLOR,
                halo: None,
                align: Align::Left,
                rtl: false,
            }));
            g.children.push(item);
        }
    }
    g
}

/// The primitives of a legend swatch, in swatch pixels (`SWATCH` box at the origin).
pub fn swatch(feature: &Feature, shape: SwatchShape) -> Vec<Primitive> {
    // A transform at a large zoom, so that the swatch is a tiny patch of the world and lon/lat
    // map to pixels without visible distortion.
    let t = ScreenTransform { world_origin: [0.5, 0.5], px_per_world: 256.0 * 2f64.powi(20) };
    let ll = |p: Px| {
        let (lon, lat) = t.lonlat_from_screen(p);
        geo::Coord { x: lon, y: lat }
    };
    let [w, h] = SWATCH;
    let mut f = feature.clone();
    f.properties.remove("name");
    f.properties.remove("precision_m");
    f.geometry = Some(match shape {
        SwatchShape::Point | SwatchShape::Uncertainty => geo::Geometry::Point(geo::Point(ll([w / 2.0, h / 2.0]))),
        SwatchShape::Line => geo::Geometry::LineString(geo::LineString(vec![ll([2.0, h / 2.0]), ll([w - 2.0, h / 2.0])])),
        SwatchShape::Polygon => {
            let ring = [[3.0, h - 2.0], [w - 3.0, h - 2.0], [w - 3.0, 2.0], [3.0, 2.0], [3.0, h - 2.0]];
            geo::Geometry::Polygon(geo::Polygon::new(geo::LineString(ring.iter().map(|p| ll(*p)).collect()), vec![]))
        }
    });
    if shape == SwatchShape::Uncertainty {
        let (_, lat) = t.lonlat_from_screen([w / 2.0, h / 2.0]);
        let radius_px = style::MIN_UNCERTAINTY_RADIUS_PX + 0.5;
        let metres = f64::from(radius_px) / t.px_per_metre(lat);
        f.properties.insert("precision_m".into(), serde_json::json!(metres));
    }
    let layer = Layer { features: vec![f], ..Layer::default() };
    let input = [LayerInput::new(0, &layer, 1.0)];
    let built = scene::build(&input, &t, SWATCH, Highlight::default(), &[]);
    built.items.into_iter().map(|(_, p)| p).filter(|p| !matches!(p, Primitive::Text { .. })).collect()
}

/// Moves a primitive by `d` pixels.
pub fn offset(p: Primitive, d: Px) -> Primitive {
    let mv = |q: Px| [q[0] + d[0], q[1] + d[1]];
    match p {
        Primitive::Line { points, stroke } => Primitive::Line { points: points.into_iter().map(mv).collect(), stroke },
        Primitive::Polygon { rings, fill, stroke } => {
            Primitive::Polygon { rings: rings.into_iter().map(|r| r.into_iter().map(mv).collect()).collect(), fill, stroke }
        }
        Primitive::Circle { center, radius, fill, stroke } => Primitive::Circle { center: mv(center), radius, fill, stroke },
        Primitive::Triangle { points, fill } => Primitive::Triangle { points: points.map(mv), fill },
        Primitive::Text { anchor, align, text, size, color, halo } => Primitive::Text { anchor: mv(anchor), align, text, size, color, halo },
    }
}

// ---------------------------------------------------------------------------------------------
// Map content

/// Scene text as a text block (baseline from the vertically centred anchor); other primitives
/// as they are.
fn to_item(p: &Primitive) -> Item {
    match p {
        Primitive::Text { anchor, align, text, size, color, halo } => Item::Text(TextBlock {
            lines: vec![text.clone()],
            x: anchor[0],
            baseline: anchor[1] + size * CENTRE_TO_BASELINE_EM,
            line_height: *size,
            size: *size,
            weight: Weight::Regular,
            color: *color,
            halo: Some(*halo),
            align: match align {
                Anchor::Left => Align::Left,
                Anchor::Center => Align::Center,
                Anchor::Right => Align::Right,
            },
            rtl: text::is_rtl(text),
        }),
        other => Item::Shape(other.clone()),
    }
}

/// The case: one group per layer, named after it, holding one group per kind of feature (in
/// the scene's drawing order); the case labels last, above every layer.
fn case_groups(layers: &[Prepared], built: &scene::Scene) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    let mut labels = Group::new("labels", "Labels", Space::Frame);
    // The labels of every layer, leaders first, in one group above them all.
    labels.items.extend(built.items.get(built.labels_from..).unwrap_or_default().iter().map(|(_, p)| to_item(p)));
    for (n, p) in layers.iter().enumerate() {
        let mut g = Group::new(&format!("layer-{}-{}", n + 1, slug(&p.layer.name)), &p.layer.name, Space::Frame);
        for (at, prim) in built.items.iter().take(built.labels_from).filter(|(at, _)| at.layer == p.index) {
            if matches!(prim, Primitive::Text { .. }) {
                labels.items.push(to_item(prim));
                continue;
            }
            let Some(f) = p.layer.features.get(at.feature) else { continue };
            let kind = f.kind();
            let dashed_circle = matches!(prim, Primitive::Circle { stroke: Some(Stroke { dash: Some(_), .. }), .. });
            let name = if kind == FeatureKind::Site && dashed_circle {
                "Location uncertainty".to_owned()
            } else {
                plural(&kind)
            };
            let idx = match g.children.iter().position(|c| c.label == name) {
                Some(i) => i,
                None => {
                    let id = format!("{}-{}", g.id, slug(&name));
                    g.children.push(Group::new(&id, &name, Space::Frame));
                    g.children.len() - 1
                }
            };
            g.children[idx].items.push(Item::Shape(prim.clone()));
        }
        if !g.children.is_empty() {
            out.push(g);
        }
    }
    if !labels.items.is_empty() {
        out.push(labels);
    }
    out
}

fn plural(kind: &FeatureKind) -> String {
    match kind {
        FeatureKind::Site => "Sites".into(),
        FeatureKind::SeaRoute => "Sea routes".into(),
        FeatureKind::RailCorridor => "Rail corridors".into(),
        FeatureKind::Area => "Areas".into(),
        FeatureKind::Other(s) if s.is_empty() => "Features".into(),
        FeatureKind::Other(s) => s.replace('_', " "),
    }
}

/// An XML-name-safe id part: ASCII letters, digits and hyphens.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 40 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() { "x".into() } else { out }
}

/// Whether a basemap name, as the scene would place it, would touch an overlay.
fn name_hits(n: &PlaceName, t: &ScreenTransform, overlays: &[Rect]) -> bool {
    let p = t.screen_from_lonlat(n.lon, n.lat);
    let s = n.style;
    let width = |t: &str, size: f32| fonts().width(t, size, Weight::Regular);
    let w = width(&n.text, s.size).max(n.secondary.as_deref().map_or(0.0, |x| width(x, s.size * 0.85)));
    let h = s.size * if n.secondary.is_some() { 2.1 } else { 1.2 };
    let x0 = if s.dot_radius > 0.0 { p[0] - s.dot_radius } else { p[0] - w / 2.0 };
    let w = if s.dot_radius > 0.0 { w + 2.0 * s.dot_radius + 4.0 } else { w };
    let r = Rect { x: x0, y: p[1] - s.size * 0.6, w, h }.expanded(4.0);
    overlays.iter().any(|o| o.intersects(&r))
}

// ---------------------------------------------------------------------------------------------
// Scale bar

const NMI_M: f64 = 1852.0;

/// The largest 1, 2 or 5 × 10ⁿ not above `x`.
pub fn nice_floor(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 0.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [5.0, 2.0, 1.0].into_iter().map(|m| m * p).find(|v| *v <= x * (1.0 + 1e-9)).unwrap_or(p)
}

fn format_length(v: f64, unit: &str) -> String {
    if v >= 1.0 {
        let n = v.round() as u64;
        // Thousands with a thin space: "1 000 km".
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) && s.len() > 4 {
                out.push('\u{202F}');
            }
            out.push(c);
        }
        format!("{out} {unit}")
    } else {
        format!("{} {unit}", (v * 1000.0).round() / 1000.0)
    }
}

/// A dual scale bar (km above the line, nautical miles below) for the latitude of the view's
/// centre, with a note of that latitude when the scale varies across the view.
fn scale_bar(ty: &Type, t: &ScreenTransform, frame: [f32; 2], pad: f32) -> Option<(Group, Rect)> {
    let (_, lat) = t.lonlat_from_screen([frame[0] / 2.0, frame[1] / 2.0]);
    let ppm = t.px_per_metre(lat);
    if !(ppm.is_finite() && ppm > 0.0) {
        return None;
    }
    let max_px = (frame[0] * 0.22).clamp(80.0, 170.0 * ty.k) as f64;
    let km = nice_floor(max_px / ppm / 1000.0);
    let nmi = nice_floor(max_px / ppm / NMI_M);
    let (km_px, nmi_px) = ((km * 1000.0 * ppm) as f32, (nmi * NMI_M * ppm) as f32);
    if km_px < 10.0 || nmi_px < 10.0 {
        return None;
    }
    let size = ty.small() + 0.5;
    let km_label = format_length(km, "km");
    let nmi_label = format_length(nmi, "nmi");
    // Mercator: the scale differs between the top and the bottom of the view.
    let (_, lat_top) = t.lonlat_from_screen([0.0, 0.0]);
    let (_, lat_bottom) = t.lonlat_from_screen([0.0, frame[1]]);
    let varies = (t.px_per_metre(lat_top) / t.px_per_metre(lat_bottom) - 1.0).abs() > 0.05;
    let note = varies.then(|| format!("Scale at {:.0}° {}", lat.abs(), if lat >= 0.0 { "N" } else { "S" }));
    let f = fonts();
    let note_size = size * 0.9;
    let km_w = f.width(&km_label, size, Weight::Regular);
    let nmi_w = f.width(&nmi_label, size, Weight::Regular);
    let inner = 7.0 * ty.k;
    let note_w = note.as_ref().map_or(0.0, |n| f.width(n, note_size, Weight::Regular));
    let gap = 6.0;
    // Two bars, one per unit, each labelled at its end: km above, nautical miles below.
    let w = (km_px + gap + km_w).max(nmi_px + gap + nmi_w).max(note_w) + 2.0 * inner;
    let row = (size * 1.35).max(10.0);
    let note_h = note.as_ref().map_or(0.0, |_| note_size * 1.5);
    let h = 2.0 * row + note_h + 2.0 * inner - 2.0;
    let rect = Rect { x: pad, y: (frame[1] - pad - h).round(), w: w.round(), h: h.round() };
    let mut g = Group::new("scale-bar", "Scale bar", Space::Frame);
    g.items.push(Item::Plate(Plate { rect, fill: Some(PLATE_FILL), stroke: None, radius: 3.0 }));
    let x0 = rect.x + inner;
    let ink = Stroke::solid(style::INK, 1.3);
    let tick = size * 0.4;
    let label = |text: String, x: f32, cy: f32, size: f32, color: Rgba| {
        Item::Text(TextBlock {
            lines: vec![text],
            x,
            baseline: cy + size * CENTRE_TO_BASELINE_EM,
            line_height: size,
            size,
            weight: Weight::Regular,
            color,
            halo: None,
            align: Align::Left,
            rtl: false,
        })
    };
    for (i, (len, text)) in [(km_px, km_label), (nmi_px, nmi_label)].into_iter().enumerate() {
        let cy = rect.y + inner + row * (i as f32 + 0.5) - 1.0;
        let y = cy + tick / 2.0;
        g.items.push(Item::Shape(Primitive::Line { points: vec![[x0, y - tick], [x0, y], [x0 + len, y], [x0 + len, y - tick]], stroke: ink }));
        g.items.push(label(text, x0 + len + gap, cy, size, style::INK));
    }
    if let Some(n) = note {
        g.items.push(label(n, x0, rect.y + inner + 2.0 * row + note_h / 2.0 - 1.0, note_size, FOOTER_COLOR));
    }
    Some((g, rect))
}

// ---------------------------------------------------------------------------------------------
// Detail inset

/// The detail inset: its box and a leader on the main map, then the inset itself (basemap,
/// place names, the case, its scale bar, a frame).
fn detail_groups(ty: &Type, d: &super::detail::Detail, main: &ScreenTransform, inputs: &[LayerInput], highlight: Highlight, names: &[PlaceName]) -> [Group; 2] {
    let ink = Stroke::solid(style::INK, 1.2);
    let a = main.screen_from_world(d.region.min);
    let b = main.screen_from_world(d.region.max);
    let mut marker = Group::new("detail-box", "Detail box", Space::Frame);
    marker.items.push(Item::Shape(Primitive::Line { points: vec![a, [b[0], a[1]], b, [a[0], b[1]], a], stroke: ink }));
    // The leader joins the box's corner nearest the inset to the inset's nearest corner.
    let r = d.rect;
    let inset_corners = [[r.x, r.y], [r.right(), r.y], [r.x, r.bottom()], [r.right(), r.bottom()]];
    let box_corners = [a, [b[0], a[1]], [a[0], b[1]], b];
    let dist = |p: Px, q: Px| (p[0] - q[0]).hypot(p[1] - q[1]);
    if let Some((p, q)) = box_corners.iter().flat_map(|p| inset_corners.iter().map(move |q| (*p, *q))).min_by(|x, y| dist(x.0, x.1).total_cmp(&dist(y.0, y.1))) {
        marker.items.push(Item::Shape(Primitive::Line { points: vec![p, q], stroke: Stroke::solid(style::INK, 0.9) }));
    }
    let mut inset = Group::new("detail-inset", "Detail inset", Space::Frame);
    inset.items.push(Item::Image(ImageKind::Detail));
    let size = [r.w, r.h];
    let built = scene::build(inputs, &d.transform, size, highlight, names);
    for p in built.background.iter().chain(built.items.iter().map(|(_, p)| p)) {
        inset.items.extend(super::detail::fit(p.clone(), &r).iter().map(to_item));
    }
    if let Some((bar, _)) = scale_bar(ty, &d.transform, size, 6.0 * ty.k) {
        inset.items.extend(bar.items.into_iter().map(|i| shift(i, [r.x, r.y])));
    }
    inset.items.push(Item::Plate(Plate { rect: r, fill: None, stroke: Some(ink), radius: 0.0 }));
    [marker, inset]
}

/// An item moved by `d`.
fn shift(item: Item, d: Px) -> Item {
    match item {
        Item::Shape(p) => Item::Shape(offset(p, d)),
        Item::Text(t) => Item::Text(TextBlock { x: t.x + d[0], baseline: t.baseline + d[1], ..t }),
        Item::Plate(p) => Item::Plate(Plate { rect: Rect { x: p.rect.x + d[0], y: p.rect.y + d[1], ..p.rect }, ..p }),
        Item::Image(i) => Item::Image(i),
    }
}

// ---------------------------------------------------------------------------------------------
// Date stamp

/// An animation frame's date, large, top left of the frame, with the events of the step below
/// it (at most three, each on one line).
fn stamp_group(ty: &Type, pad: f32, frame: [f32; 2], date: &str, events: &[String]) -> (Group, Rect) {
    let (size, small) = (ty.title() * 0.9, ty.legend());
    let inner = 8.0 * ty.k;
    let max_w = frame[0] * 0.45;
    let events: Vec<String> = events.iter().take(3).map(|e| text::ellipsize(&text::sanitize(e, 300), small, Weight::Regular, max_w, false)).collect();
    let date_w = fonts().width(date, size, Weight::Bold);
    let events_w = events.iter().map(|e| fonts().width(e, small, Weight::Regular)).fold(0.0, f32::max);
    let lh = small * 1.35;
    let rect = Rect { x: pad, y: pad, w: date_w.max(events_w) + 2.0 * inner, h: size * 1.2 + events.len() as f32 * lh + 2.0 * inner };
    let mut g = Group::new("date-stamp", "Date", Space::Frame);
    g.items.push(Item::Plate(Plate { rect, fill: Some(PLATE_FILL), stroke: None, radius: 3.0 }));
    let x = rect.x + inner;
    let top = rect.y + inner;
    g.items.push(Item::Text(block(vec![date.to_owned()], x, top, Setting { size, line_height: size * 1.2, weight: Weight::Bold, color: TITLE_COLOR }, Align::Left)));
    if !events.is_empty() {
        let set = Setting { size: small, line_height: lh, weight: Weight::Regular, color: SUBTITLE_COLOR };
        g.items.push(Item::Text(block(events, x, top + size * 1.2, set, Align::Left)));
    }
    (g, rect)
}

// ---------------------------------------------------------------------------------------------
// Attribution

/// The basemap credits, bottom right of the frame, wrapped to the room the scale bar leaves.
fn attribution_group(ty: &Type, frame: [f32; 2], pad: f32, left_taken: f32, credits: &[String]) -> (Group, Rect) {
    let size = ty.small();
    let text = credits.join(" · ");
    let inner = [6.0, 3.0];
    let max_w = (frame[0] - left_taken - 2.0 * pad - 2.0 * inner[0]).max(60.0);
    let lines = text::wrap(&text, size, Weight::Regular, max_w, 3);
    let w = lines.iter().map(|l| fonts().width(l, size, Weight::Regular)).fold(0.0, f32::max) + 2.0 * inner[0];
    let lh = size * 1.3;
    let h = lines.len() as f32 * lh + 2.0 * inner[1];
    let rect = Rect { x: frame[0] - pad - w, y: frame[1] - pad - h, w, h };
    let mut g = Group::new("attribution", "Basemap attribution", Space::Frame);
    g.items.push(Item::Plate(Plate { rect, fill: Some(PLATE_FILL), stroke: None, radius: 3.0 }));
    g.items.push(Item::Text(TextBlock {
        lines,
        x: rect.right() - inner[0],
        baseline: rect.y + inner[1] + lh / 2.0 + size * CENTRE_TO_BASELINE_EM,
        line_height: lh,
        size,
        weight: Weight::Regular,
        color: Rgba::rgb(0x33, 0x33, 0x33),
        halo: None,
        align: Align::Right,
        rtl: false,
    }));
    (g, rect)
}

// ---------------------------------------------------------------------------------------------
// Locator inset

const LOCATOR_ASPECT: f64 = 1.45;

/// Where the inset goes: the corner (top right, top left, bottom right, bottom left, above the
/// scale bar and attribution) that covers least of the case, and the region it shows: four
/// times the view, at least 60° of longitude, at most the world.
fn locator_place(ty: &Type, t: &ScreenTransform, frame: [f32; 2], pad: f32, taken: &[Rect], first: &scene::Scene) -> Option<Locator> {
    let w = (frame[0] * 0.17).clamp(140.0 * ty.k, 280.0 * ty.k);
    let h = (f64::from(w) / LOCATOR_ASPECT) as f32;
    if w > frame[0] * 0.4 || h > frame[1] * 0.4 {
        return None;
    }
    let above = |r: Option<&Rect>, x: f32| r.map(|r| Rect { x, y: r.y - pad * 0.6 - h, w, h });
    let bl = taken.first().map(|r| r.y).unwrap_or(frame[1] - pad);
    let br = taken.get(1).map(|r| r.y).unwrap_or(frame[1] - pad);
    let candidates = [
        Some(Rect { x: frame[0] - pad - w, y: pad, w, h }),
        Some(Rect { x: pad, y: pad, w, h }),
        above(Some(&Rect { x: 0.0, y: br, w: 0.0, h: 0.0 }), frame[0] - pad - w),
        above(Some(&Rect { x: 0.0, y: bl, w: 0.0, h: 0.0 }), pad),
    ];
    let rect = candidates
        .into_iter()
        .flatten()
        .filter(|r| r.y >= pad * 0.5 && !taken.iter().any(|o| o.intersects(r)))
        .map(|r| (coverage(first, &r.expanded(6.0)), r))
        .min_by(|a, b| a.0.total_cmp(&b.0))?
        .1;
    // The region: centred on the view, LOCATOR_ASPECT wide, in world units.
    let view = WorldRect::from_corners(t.world_origin, t.world_from_screen(frame));
    let centre = [(view.min[0] + view.max[0]) / 2.0, (view.min[1] + view.max[1]) / 2.0];
    let min_w = 60.0 / 360.0;
    let mut rw = (view.width() * 4.0).max(view.height() * 4.0 * LOCATOR_ASPECT).max(min_w);
    if rw > 1.0 {
        // The whole world's width; an inset that would need more (a tall view of half the
        // world, on a phone page) says nothing the map does not.
        rw = 1.0;
        if view.width() * 1.15 > rw || view.height() * 1.15 > rw / LOCATOR_ASPECT {
            return None;
        }
    }
    let rh = rw / LOCATOR_ASPECT;
    let cy = if rh < 1.0 { centre[1].clamp(rh / 2.0, 1.0 - rh / 2.0) } else { 0.5 };
    let region = WorldRect { min: [centre[0] - rw / 2.0, cy - rh / 2.0], max: [centre[0] + rw / 2.0, cy + rh / 2.0] };
    Some(Locator { rect, region })
}

/// How much of the case a rectangle would hide: markers and labels weigh most, then arrows,
/// then line length (sampled every 6 px).
fn coverage(scene: &scene::Scene, r: &Rect) -> f64 {
    let mut score = 0.0;
    for (_, p) in &scene.items {
        match p {
            Primitive::Circle { center, radius, .. } => {
                if r.expanded(*radius).contains(*center) {
                    score += if *radius < 12.0 { 50.0 } else { 5.0 };
                }
            }
            Primitive::Triangle { points, .. } => {
                if r.contains(points[0]) {
                    score += 3.0;
                }
            }
            Primitive::Line { points, .. } => score += line_inside(points, r, 6.0),
            Primitive::Polygon { rings, .. } => {
                for ring in rings {
                    score += line_inside(ring, r, 6.0) * 0.5;
                }
            }
            Primitive::Text { anchor, text, size, align, .. } => {
                let w = fonts().width(text, *size, Weight::Regular);
                let x = match align {
                    Anchor::Left => anchor[0],
                    Anchor::Center => anchor[0] - w / 2.0,
                    Anchor::Right => anchor[0] - w,
                };
                if r.intersects(&Rect { x, y: anchor[1] - size * 0.7, w, h: size * 1.4 }) {
                    score += 60.0;
                }
            }
        }
    }
    score
}

fn line_inside(points: &[Px], r: &Rect, step: f32) -> f64 {
    let mut n = 0.0;
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        // Skip segments whose box misses the rectangle.
        let bx = Rect { x: a[0].min(b[0]), y: a[1].min(b[1]), w: (a[0] - b[0]).abs(), h: (a[1] - b[1]).abs() };
        if !bx.expanded(0.5).intersects(r) {
            continue;
        }
        let len = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
        let steps = ((len / step).ceil() as usize).clamp(1, 10_000);
        for i in 0..=steps {
            let s = i as f32 / steps as f32;
            if r.contains([a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s]) {
                n += 1.0;
            }
        }
    }
    n
}

/// The inset: the basemap of its region, the view's outline (or a dot when it is too small to
/// see), a white rim and a hairline border.
fn locator_group(l: &Locator, t: &ScreenTransform, frame: [f32; 2]) -> Group {
    let mut g = Group::new("locator", "Locator", Space::Frame);
    let r = l.rect;
    g.items.push(Item::Plate(Plate { rect: r.expanded(2.0), fill: Some(style::WHITE), stroke: None, radius: 0.0 }));
    g.items.push(Item::Image(ImageKind::Locator));
    let k = f64::from(r.w) / l.region.width();
    let to_inset = |world: [f64; 2]| -> Px { [r.x + ((world[0] - l.region.min[0]) * k) as f32, r.y + ((world[1] - l.region.min[1]) * k) as f32] };
    let a = to_inset(t.world_origin);
    let b = to_inset(t.world_from_screen(frame));
    let (x0, y0, x1, y1) = (a[0].max(r.x), a[1].max(r.y), b[0].min(r.right()), b[1].min(r.bottom()));
    if x1 - x0 < 5.0 && y1 - y0 < 5.0 {
        let c = [(x0 + x1) / 2.0, (y0 + y1) / 2.0];
        g.items.push(Item::Shape(Primitive::Circle { center: c, radius: 3.5, fill: LOCATOR_VIEW, stroke: Some(Stroke::solid(style::WHITE, 1.2)) }));
    } else {
        let ring = vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
        g.items.push(Item::Shape(Primitive::Polygon {
            rings: vec![ring],
            fill: LOCATOR_VIEW.with_alpha(30),
            stroke: Some(Stroke::solid(LOCATOR_VIEW, 1.6)),
        }));
    }
    g.items.push(Item::Plate(Plate { rect: r.expanded(2.0), fill: None, stroke: Some(Stroke::solid(FRAME_COLOR, 0.75)), radius: 0.0 }));
    g
}

/// Lon/lat of the frame's centre (for notes and tests).
pub fn centre_lonlat(page: &Page) -> (f64, f64) {
    let c = page.transform.world_from_screen([page.frame.w / 2.0, page.frame.h / 2.0]);
    lonlat_from_world(c[0], c[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_numbers() {
        assert_eq!(nice_floor(0.9), 0.5);
        assert_eq!(nice_floor(1.0), 1.0);
        assert_eq!(nice_floor(3.7), 2.0);
        assert_eq!(nice_floor(740.0), 500.0);
        assert_eq!(nice_floor(1999.0), 1000.0);
        assert_eq!(nice_floor(0.0), 0.0);
        assert_eq!(format_length(1000.0, "km"), "1000 km");
        assert_eq!(format_length(20000.0, "km"), "20\u{202F}000 km");
        assert_eq!(format_length(0.5, "km"), "0.5 km");
    }

    #[test]
    fn slugs_are_xml_names() {
        assert_eq!(slug("dprk-russia-2023"), "dprk-russia-2023");
        assert_eq!(slug("Sea routes"), "sea-routes");
        assert_eq!(slug("\"<&>\""), "x");
        assert_eq!(slug("Нева river"), "river");
    }

    #[test]
    fn range_captions() {
        let h = |s: &str| human_range(&DateRange::parse(s).unwrap());
        assert_eq!(h("2023-09/2023-10"), "September–October 2023");
        assert_eq!(h("2023-08/2024-02"), "August 2023 – February 2024");
        assert_eq!(h("2023-10"), "October 2023");
        assert_eq!(h("2023/2024"), "2023–2024");
        assert_eq!(h("2024"), "2024");
        assert_eq!(h("2023-09-14/2023-09-30"), "14–30 September 2023");
        assert_eq!(h("2023-10-16"), "16 October 2023");
        assert_eq!(h("2024-02"), "February 2024");
    }

    #[test]
    fn first_sentences() {
        assert_eq!(first_sentence("Short. Then a much longer sentence that goes on. And more."), "Short. Then a much longer sentence that goes on.");
        assert_eq!(first_sentence("No full stop"), "No full stop");
    }
}

