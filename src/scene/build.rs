//! Builds the primitives for one view of the open layers.

use geo::{Coord, Euclidean, Geometry, InterpolatableLine, InteriorPoint, Polygon};

use super::style::{self, ARROW_SIZE_PX, ARROW_SPACING_PX};
use super::{Anchor, Primitive, Px, Rgba, ScreenTransform, Stroke};
use crate::index::{LayerIndex, Part, Piece, parts};
use crate::model::{Feature, FeatureKind, FeatureRef, Layer};
use crate::projection::{LatToWorldY, WorldRect, unwrap_lon, unwrapped_lons, world_copies};

/// Level of detail: a vertex closer than this to the last one kept is not drawn.
const MIN_STEP_PX: f32 = 0.5;
/// Margin around the view within which features are still built (markers, halos, arrows).
const VIEW_MARGIN_PX: f32 = 64.0;

/// Everything to paint for one view, back to front: the basemap's place names first, then
/// the case, each primitive tagged with its feature.
#[derive(Debug, Default)]
pub struct Scene {
    pub background: Vec<Primitive>,
    pub items: Vec<(FeatureRef, Primitive)>,
    /// `items[labels_from..]` are the site labels: the leaders of labels moved away from their
    /// marker, then the texts.
    pub labels_from: usize,
    /// The labels that found no place free of other labels and markers inside the view, most
    /// important first: they are not drawn.
    pub unplaced_labels: Vec<String>,
}

/// The layers in drawing order, with what the viewer chose for each.
pub struct LayerInput<'a> {
    pub index: usize,
    pub layer: &'a Layer,
    /// 0 (invisible) to 1.
    pub opacity: f32,
    /// The layer's spatial index, when it has one: then only features in view are visited.
    pub spatial: Option<&'a LayerIndex>,
    /// The layer is drawn elsewhere (raster tiles, see `tiles::layer`): only its selected and
    /// hovered features are built here, on top.
    pub highlights_only: bool,
    /// Mark the case features that name no source (see `style::UNSOURCED`); for the screen,
    /// not for exports.
    pub mark_unsourced: bool,
}

impl<'a> LayerInput<'a> {
    /// A layer drawn in full, feature by feature.
    pub fn new(index: usize, layer: &'a Layer, opacity: f32) -> Self {
        LayerInput { index, layer, opacity, spatial: None, highlights_only: false, mark_unsourced: false }
    }

    /// The world `x` range the layer is drawn in (from its index when it has one).
    fn x_range(&self) -> Option<[f64; 2]> {
        match self.spatial {
            Some(index) => index.x_range(),
            None => crate::index::drawn_x_range(self.layer),
        }
    }

    /// The features to visit for a view.
    fn candidates(&self, view: &WorldRect, highlight: &Highlight) -> Vec<usize> {
        if self.highlights_only {
            let mut ids: Vec<usize> = highlight.selected.iter().chain(&highlight.hovered).filter(|r| r.layer == self.index).map(|r| r.feature).collect();
            ids.sort_unstable();
            ids.dedup();
            return ids;
        }
        match self.spatial {
            Some(index) => index.features_in(view),
            None => (0..self.layer.features.len()).collect(),
        }
    }
}

/// The state that changes how features look: what is selected (a site, or every route of a
/// vessel), what the pointer is over, and how much each feature fades (0 hides it), e.g.
/// because it lies outside the timeline's range or its kind is switched off.
#[derive(Clone, Copy, Default)]
pub struct Highlight<'a> {
    pub selected: &'a [FeatureRef],
    pub hovered: Option<FeatureRef>,
    pub fade: Option<&'a FadeFn<'a>>,
}

/// How much a feature fades (0 hides it, 1 shows it in full).
pub type FadeFn<'a> = dyn Fn(FeatureRef, &Feature) -> f32 + 'a;

/// Draw passes, back to front: fills under lines under markers under labels.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pass {
    Fill,
    Circle,
    Line,
    Marker,
    /// Marks on markers: "unsourced".
    Mark,
    Label,
}

/// Builds the scene for a viewport of `size` pixels, with the basemap's place names.
pub fn build(layers: &[LayerInput], t: &ScreenTransform, size: Px, highlight: Highlight<'_>, place_names: &[PlaceName]) -> Scene {
    let (mut scene, mut room) = build_features(layers, t, size, highlight);
    scene.place_names(place_names, t, size, &mut room);
    scene
}

/// What the labels and markers of a scene take, for the basemap's names placed later
/// ([`Scene::place_names`]).
pub struct Taken(Vec<[Px; 2]>);

impl Scene {
    /// Places the basemap's names where the scene's labels and markers leave room (the scene
    /// [`build_features`] made, whose room it was).
    pub fn place_names(&mut self, place_names: &[PlaceName], t: &ScreenTransform, size: Px, room: &mut Taken) {
        self.background = place_names_in_view(place_names, t, size, &mut room.0);
    }
}

/// The scene without the basemap's names, and the room its labels and markers take: an
/// export lays out the locator and the inset on the scene before it knows which names to keep.
pub fn build_features(layers: &[LayerInput], t: &ScreenTransform, size: Px, highlight: Highlight<'_>) -> (Scene, Taken) {
    let mut items: Vec<(Pass, FeatureRef, Primitive)> = Vec::new();
    let mut labels: Vec<Label> = Vec::new();
    let view = [[-VIEW_MARGIN_PX, -VIEW_MARGIN_PX], [size[0] + VIEW_MARGIN_PX, size[1] + VIEW_MARGIN_PX]];
    let view_world = WorldRect::from_corners(t.world_from_screen(view[0]), t.world_from_screen(view[1]));
    let lat_y = LatToWorldY::new();
    let view_x = [view_world.min[0], view_world.max[0]];
    // Each layer in every copy of the world the view meets: across the antimeridian, or
    // where lines run on past it (see `projection::world_copies`).
    let copies = layers.iter().filter(|l| l.opacity > 0.0).flat_map(|input| input.x_range().map(|data_x| world_copies(view_x, data_x)).into_iter().flatten().map(move |k| (input, k)));
    for (input, k) in copies {
        let t = &t.shifted(k);
        let view_world = view_world.shifted(-f64::from(k));
        for i in input.candidates(&view_world, &highlight) {
            let Some(f) = input.layer.features.get(i) else { continue };
            let Some(geometry) = &f.geometry else { continue };
            let at = FeatureRef { layer: input.index, feature: i };
            let fade = input.opacity * highlight.fade.map_or(1.0, |fade_of| fade_of(at, f));
            if fade <= 0.0 {
                continue;
            }
            let mut out = Emitter { t, at, fade, items: &mut items, view, lat_y, turns: 0 };
            let selected = highlight.selected.contains(&at);
            let hovered = highlight.hovered == Some(at);
            out.feature(f, geometry, selected, hovered);
            if input.mark_unsourced && input.layer.case.is_some() && f.is_unsourced() {
                out.unsourced_mark(f, geometry);
            }
            if f.kind() == FeatureKind::Site
                && let Some(p) = first_point(geometry)
            {
                let anchor = t.screen_from_lonlat(p.x, p.y);
                let text = f.name().unwrap_or_default();
                if inside([[0.0, 0.0], size], anchor) && !text.is_empty() {
                    // Selected first, then the sites the case documents most (five events or
                    // more: where the story happens), then the other certain ones.
                    let documented = f.list_prop("event_ids").len() >= 5;
                    let priority = if selected || hovered {
                        3
                    } else if style::is_certain(f) {
                        1 + u8::from(documented)
                    } else {
                        0
                    };
                    let (_, stroke, r) = style::site_marker(f);
                    let radius = r + stroke.width / 2.0 + if selected || hovered { 4.0 } else { 0.0 };
                    labels.push(Label { at, anchor, radius, text: text.to_owned(), priority, fade, along: None });
                }
            } else if f.str_prop("kind") == Some("ais_gap")
                && let Geometry::LineString(l) = geometry
                && let (Some(a), Some(b)) = (l.0.first(), l.0.last())
            {
                // An AIS gap is named by its length ("AIS off 31 h") at its middle.
                let (pa, pb) = (t.screen_from_lonlat(a.x, a.y), t.screen_from_lonlat(unwrap_lon(b.x, a.x), b.y));
                let anchor = [(pa[0] + pb[0]) / 2.0, (pa[1] + pb[1]) / 2.0];
                if inside([[0.0, 0.0], size], anchor) && let Some(text) = f.name() {
                    labels.push(Label { at, anchor, radius: 3.0, text: text.to_owned(), priority: 1, fade, along: Some([pa, pb]) });
                }
            }
        }
    }
    // Labels keep off every marker (not the large uncertainty circles).
    let markers: Vec<(Px, f32)> = items
        .iter()
        .filter_map(|(pass, _, p)| match p {
            Primitive::Circle { center, radius, stroke, .. } if *pass == Pass::Marker && *radius <= MAX_MARKER_RADIUS_PX => {
                Some((*center, radius + stroke.map_or(0.0, |s| s.width / 2.0)))
            }
            _ => None,
        })
        .collect();
    let Placement { mut taken, unplaced } = place_labels(&mut labels, size, &markers, &mut items);
    // Basemap names keep off the labels and the markers too.
    taken.extend(markers.iter().map(|(c, r)| [[c[0] - r, c[1] - r], [c[0] + r, c[1] + r]]));
    items.sort_by_key(|(pass, _, _)| *pass);
    let labels_from = items.iter().position(|(pass, _, _)| *pass == Pass::Label).unwrap_or(items.len());
    let scene = Scene { background: Vec::new(), items: items.into_iter().map(|(_, at, p)| (at, p)).collect(), labels_from, unplaced_labels: unplaced };
    (scene, Taken(taken))
}

/// The primitives of a layer's pieces in a view (a raster tile of a large layer), back to
/// front: only the `runs` of lines the index found there are projected, each list of runs in
/// its copy of the world (`(k, runs)`: drawn `k` worlds east). `fades[i]` is how much
/// feature `i` fades (0 hides it). No labels: they would be cut at tile edges.
pub fn pieces(layer: &Layer, copies: &[(i32, Vec<Piece>)], fades: &[f32], t: &ScreenTransform, size: Px) -> Vec<Primitive> {
    let mut items = Vec::new();
    let view = [[-VIEW_MARGIN_PX, -VIEW_MARGIN_PX], [size[0] + VIEW_MARGIN_PX, size[1] + VIEW_MARGIN_PX]];
    let lat_y = LatToWorldY::new();
    let mut current: Option<(u32, Vec<Part>)> = None;
    for (k, run) in copies.iter().flat_map(|(k, runs)| runs.iter().map(move |r| (*k, r))) {
        let t = &t.shifted(k);
        let Some(f) = layer.features.get(run.feature as usize) else { continue };
        let fade = fades.get(run.feature as usize).copied().unwrap_or(1.0);
        let Some(g) = f.geometry.as_ref().filter(|_| fade > 0.0) else { continue };
        if current.as_ref().is_none_or(|(id, _)| *id != run.feature) {
            current = Some((run.feature, parts(g)));
        }
        let Some(part) = current.as_ref().and_then(|(_, p)| p.get(run.part as usize)).copied() else { continue };
        let at = FeatureRef { layer: 0, feature: run.feature as usize };
        let mut out = Emitter { t, at, fade, items: &mut items, view, lat_y, turns: run.turns };
        match part {
            Part::Point(c) => out.point(f, c, false, false),
            Part::Line(coords) => out.line(f, coords.get(run.start as usize..=run.end as usize).unwrap_or_default(), false, false),
            Part::Polygon(p) => out.polygon(f, p, false, false),
        }
    }
    items.sort_by_key(|(pass, _, _)| *pass);
    items.into_iter().map(|(_, _, p)| p).collect()
}

/// A basemap name to place: the text, an optional second line in another script, where, how
/// it looks and how important it is.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceName {
    pub text: String,
    pub secondary: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub style: style::PlaceStyle,
    pub priority: i32,
}

impl PlaceName {
    /// The names the offline basemap shows in a view, styled by what they name.
    pub fn from_basemap(labels: Vec<crate::basemap::Label>) -> Vec<PlaceName> {
        use crate::basemap::LabelKind;
        labels
            .into_iter()
            .map(|l| PlaceName {
                style: match l.kind {
                    LabelKind::Country => style::COUNTRY_NAME,
                    LabelKind::Capital => style::CAPITAL_NAME,
                    LabelKind::RegionCapital | LabelKind::City => style::CITY_NAME,
                    LabelKind::Town => style::TOWN_NAME,
                    LabelKind::Port => style::PORT_NAME,
                },
                text: if l.kind == LabelKind::Country { l.text.to_uppercase() } else { l.text },
                secondary: l.secondary,
                lon: l.lon,
                lat: l.lat,
                priority: l.priority,
            })
            .collect()
    }
}

/// Places basemap names that do not collide with what is placed already, most important
/// first, each with its dot when it has one.
fn place_names_in_view(names: &[PlaceName], t: &ScreenTransform, size: Px, taken: &mut Vec<[Px; 2]>) -> Vec<Primitive> {
    let mut order: Vec<&PlaceName> = names.iter().collect();
    order.sort_by_key(|n| std::cmp::Reverse(n.priority));
    let mut out = Vec::new();
    for name in order {
        let p = t.screen_from_lonlat(name.lon, name.lat);
        if !inside([[0.0, 0.0], size], p) {
            continue;
        }
        let s = name.style;
        let (align, anchor) = if s.dot_radius > 0.0 { (Anchor::Left, [p[0] + s.dot_radius + 4.0, p[1]]) } else { (Anchor::Center, p) };
        let second = name.secondary.as_deref().filter(|t| !t.is_empty());
        let w = text_width(&name.text, s.size).max(second.map_or(0.0, |t| text_width(t, s.size * 0.85)));
        let h = s.size * if second.is_some() { 2.1 } else { 1.2 };
        let x0 = if align == Anchor::Left { anchor[0] } else { anchor[0] - w / 2.0 };
        let y0 = anchor[1] - s.size * 0.6;
        let rect = [[x0 - 2.0, y0 - 1.0], [x0 + w + 2.0, y0 + h + 1.0]];
        if rect[0][0] < 0.0 || rect[1][0] > size[0] || rect[0][1] < 0.0 || rect[1][1] > size[1] || overlaps(taken, rect) {
            continue;
        }
        taken.push(rect);
        if s.dot_radius > 0.0 {
            out.push(Primitive::Circle { center: p, radius: s.dot_radius, fill: s.color, stroke: Some(Stroke::solid(style::WHITE, 1.0)) });
        }
        out.push(Primitive::Text { anchor, align, text: name.text.clone(), size: s.size, color: s.color, halo: style::LABEL_HALO });
        if let Some(second) = second {
            let below = [anchor[0], anchor[1] + s.size * 1.05];
            out.push(Primitive::Text { anchor: below, align, text: second.to_owned(), size: s.size * 0.85, color: s.color.faded(0.8), halo: style::LABEL_HALO });
        }
    }
    out
}

fn overlaps(taken: &[[Px; 2]], r: [Px; 2]) -> bool {
    taken.iter().any(|t| rects_overlap(r, *t))
}

fn inside(view: [Px; 2], p: Px) -> bool {
    p[0] >= view[0][0] && p[1] >= view[0][1] && p[0] <= view[1][0] && p[1] <= view[1][1]
}

fn first_point(g: &Geometry) -> Option<Coord> {
    match g {
        Geometry::Point(p) => Some(p.0),
        Geometry::MultiPoint(mp) => mp.0.first().map(|p| p.0),
        Geometry::GeometryCollection(gc) => gc.0.iter().find_map(first_point),
        _ => None,
    }
}

struct Emitter<'a, 'b> {
    t: &'a ScreenTransform,
    at: FeatureRef,
    fade: f32,
    items: &'b mut Vec<(Pass, FeatureRef, Primitive)>,
    view: [Px; 2],
    lat_y: LatToWorldY,
    /// Whole turns the first vertex of the next line is moved by (a piece of a line that
    /// crossed the antimeridian before it; see `index::Piece`).
    turns: i32,
}

impl Emitter<'_, '_> {
    fn push(&mut self, pass: Pass, p: Primitive) {
        self.items.push((pass, self.at, fade(p, self.fade)));
    }

    fn feature(&mut self, f: &Feature, g: &Geometry, selected: bool, hovered: bool) {
        match g {
            Geometry::Point(p) => self.point(f, p.0, selected, hovered),
            Geometry::MultiPoint(mp) => mp.0.iter().for_each(|p| self.point(f, p.0, selected, hovered)),
            Geometry::LineString(l) => self.line(f, &l.0, selected, hovered),
            Geometry::MultiLineString(ml) => ml.0.iter().for_each(|l| self.line(f, &l.0, selected, hovered)),
            Geometry::Polygon(p) => self.polygon(f, p, selected, hovered),
            Geometry::MultiPolygon(mp) => mp.0.iter().for_each(|p| self.polygon(f, p, selected, hovered)),
            Geometry::GeometryCollection(gc) => gc.0.iter().for_each(|g| self.feature(f, g, selected, hovered)),
            Geometry::Line(l) => self.line(f, &[l.start, l.end], selected, hovered),
            Geometry::Rect(r) => self.polygon(f, &r.to_polygon(), selected, hovered),
            Geometry::Triangle(tr) => self.polygon(f, &tr.to_polygon(), selected, hovered),
        }
    }

    /// Screen positions of a line or ring, thinned to [`MIN_STEP_PX`] (level of detail: at
    /// low zoom most vertices of a dense track fall on the pixel of the one before). The last
    /// vertex is always kept, so rings stay closed and lines end where they should.
    fn project(&self, coords: &[Coord]) -> Vec<Px> {
        let mut out: Vec<Px> = Vec::with_capacity(coords.len().min(4096));
        if coords.is_empty() {
            return out;
        }
        let to_screen = |c: &Coord, lon: f64| self.t.screen_from_world([(lon + 180.0) / 360.0, self.lat_y.y(c.y)]);
        let min2 = MIN_STEP_PX * MIN_STEP_PX;
        let mut lons = unwrapped_lons(coords, self.turns);
        for c in &coords[..coords.len() - 1] {
            let p = to_screen(c, lons.next().unwrap_or(c.x));
            if out.last().is_none_or(|q| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) >= min2) {
                out.push(p);
            }
        }
        let last = &coords[coords.len() - 1];
        let end = to_screen(last, lons.next().unwrap_or(last.x));
        if out.len() > 1 && out.last().is_some_and(|q| (end[0] - q[0]).powi(2) + (end[1] - q[1]).powi(2) < min2) {
            out.pop();
        }
        out.push(end);
        out
    }

    fn visible(&self, pts: &[Px]) -> bool {
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in pts {
            lo = [lo[0].min(p[0]), lo[1].min(p[1])];
            hi = [hi[0].max(p[0]), hi[1].max(p[1])];
        }
        lo[0] <= self.view[1][0] && lo[1] <= self.view[1][1] && hi[0] >= self.view[0][0] && hi[1] >= self.view[0][1]
    }

    fn point(&mut self, f: &Feature, c: Coord, selected: bool, hovered: bool) {
        let center = self.t.screen_from_lonlat(c.x, c.y);
        let (fill, stroke, radius) = match f.kind() {
            FeatureKind::Site => {
                if let Some(precision) = f.f64_prop("precision_m").filter(|m| *m > 0.0) {
                    let r = (precision * self.t.px_per_metre(c.y)) as f32;
                    let (cfill, cstroke) = style::uncertainty_circle();
                    if (style::MIN_UNCERTAINTY_RADIUS_PX..1e5).contains(&r) {
                        self.push(Pass::Circle, Primitive::Circle { center, radius: r, fill: cfill, stroke: Some(cstroke) });
                    }
                }
                style::site_marker(f)
            }
            _ => style::plain_point(f),
        };
        if !inside(self.view, center) {
            return;
        }
        if selected || hovered {
            let halo = if selected { style::SELECTION_HALO } else { style::SELECTION_HALO.with_alpha(140) };
            self.push(Pass::Marker, Primitive::Circle { center, radius: radius + 4.0, fill: halo, stroke: None });
        }
        let stroke = if hovered { Stroke { width: stroke.width + 1.0, ..stroke } } else { stroke };
        self.push(Pass::Marker, Primitive::Circle { center, radius, fill, stroke: Some(stroke) });
    }

    fn line(&mut self, f: &Feature, l: &[Coord], selected: bool, hovered: bool) {
        let pts = self.project(l);
        if pts.len() < 2 || !self.visible(&pts) {
            return;
        }
        let kind = f.kind();
        let stroke = match kind {
            FeatureKind::SeaRoute => style::sea_route(f),
            FeatureKind::RailCorridor => style::rail_corridor(f),
            _ => style::plain_line(f),
        };
        if selected || hovered {
            let alpha = if selected { 255 } else { 140 };
            let halo = Stroke::solid(style::SELECTION_HALO.with_alpha(alpha), style::halo_width(stroke.width));
            self.push(Pass::Line, Primitive::Line { points: pts.clone(), stroke: halo });
        }
        if kind == FeatureKind::RailCorridor {
            for tie in ties(&pts, self.view) {
                let s = Stroke::solid(stroke.color, style::TIE_WIDTH_PX);
                self.push(Pass::Line, Primitive::Line { points: tie.to_vec(), stroke: s });
            }
        }
        if kind == FeatureKind::SeaRoute {
            for tri in arrows(&pts, self.view) {
                self.push(Pass::Line, Primitive::Triangle { points: tri, fill: stroke.color.with_alpha(255) });
            }
        }
        self.push(Pass::Line, Primitive::Line { points: pts, stroke });
    }

    fn polygon(&mut self, f: &Feature, p: &Polygon, selected: bool, hovered: bool) {
        let outline = self.project(&p.exterior().0);
        if outline.len() < 3 || !self.visible(&outline) {
            return;
        }
        let mut rings = vec![outline];
        rings.extend(p.interiors().iter().map(|r| self.project(&r.0)));
        let (fill, stroke) = match f.kind() {
            FeatureKind::Area => style::area(f),
            _ => style::plain_polygon(f),
        };
        if selected || hovered {
            let alpha = if selected { 255 } else { 140 };
            let halo = Stroke::solid(style::SELECTION_HALO.with_alpha(alpha), style::halo_width(stroke.width));
            for ring in &rings {
                self.push(Pass::Fill, Primitive::Line { points: ring.clone(), stroke: halo });
            }
        }
        if !on_the_seam(&p.exterior().0) {
            self.push(Pass::Fill, Primitive::Polygon { rings, fill, stroke: Some(stroke) });
            return;
        }
        // An area cut at the antimeridian (RFC 7946): its halves meet there, so the cut is not
        // outlined; the rest of the outline is.
        self.push(Pass::Fill, Primitive::Polygon { rings, fill, stroke: None });
        let ring = &p.exterior().0;
        let mut from = 0;
        for i in 1..=ring.len() {
            let cut_here = i == ring.len() || (ring[i - 1].x.abs() == 180.0 && ring[i].x == ring[i - 1].x);
            if cut_here {
                let outline = self.project(&ring[from..i]);
                if outline.len() > 1 {
                    self.push(Pass::Fill, Primitive::Line { points: outline, stroke });
                }
                from = i;
            }
        }
        for hole in p.interiors() {
            let outline = self.project(&hole.0);
            self.push(Pass::Fill, Primitive::Line { points: outline, stroke });
        }
    }

    /// The "unsourced" mark: at a site marker's upper right, half-way along a route (its ends
    /// are usually sites, with marks of their own), inside an area. Once per feature, above
    /// every marker.
    fn unsourced_mark(&mut self, f: &Feature, g: &Geometry) {
        let at = match f.kind() {
            FeatureKind::Site => first_point(g).map(|c| {
                let p = self.t.screen_from_lonlat(c.x, c.y);
                let d = style::site_marker(f).2 * 0.9;
                [p[0] + d, p[1] - d]
            }),
            FeatureKind::SeaRoute | FeatureKind::RailCorridor => middle(g).map(|p| self.t.screen_from_lonlat(p.x(), p.y())),
            FeatureKind::Area => g.interior_point().map(|p| self.t.screen_from_lonlat(p.x(), p.y())),
            FeatureKind::Other(_) => None,
        };
        let Some(center) = at.filter(|p| inside(self.view, *p)) else { return };
        for p in style::unsourced_mark(center) {
            self.push(Pass::Mark, p);
        }
    }
}

/// Whether a ring has an edge along the antimeridian (both ends at 180° or both at −180°).
fn on_the_seam(ring: &[Coord]) -> bool {
    ring.windows(2).any(|w| w[0].x.abs() == 180.0 && w[1].x == w[0].x)
}

/// Half-way along a line (in degrees, which is near enough to place a mark), or along the
/// first line of several.
fn middle(g: &Geometry) -> Option<geo::Point> {
    match g {
        Geometry::LineString(l) => l.point_at_ratio_from_start(&Euclidean, 0.5),
        Geometry::MultiLineString(ml) => ml.0.iter().find_map(|l| l.point_at_ratio_from_start(&Euclidean, 0.5)),
        Geometry::GeometryCollection(gc) => gc.0.iter().find_map(middle),
        Geometry::Line(l) => Some(l.point_at_ratio_from_start(&Euclidean, 0.5)),
        _ => None,
    }
}

/// Applies a layer's opacity to a primitive.
fn fade(mut p: Primitive, factor: f32) -> Primitive {
    if factor >= 1.0 {
        return p;
    }
    let f = |c: &mut Rgba| *c = c.faded(factor);
    match &mut p {
        Primitive::Line { stroke, .. } => f(&mut stroke.color),
        Primitive::Polygon { fill, stroke, .. } | Primitive::Circle { fill, stroke, .. } => {
            f(fill);
            if let Some(s) = stroke {
                f(&mut s.color);
            }
        }
        Primitive::Triangle { fill, .. } => f(fill),
        Primitive::Text { color, halo, .. } => {
            f(color);
            f(halo);
        }
    }
    p
}

/// Walks a polyline and yields the position and unit direction every `spacing` pixels,
/// starting half a spacing in. Only the parts of segments inside `view` are walked (the rest is
/// counted, so the marks sit at the same places whatever the view): a long line seen up close
/// would otherwise get ties and arrows along all of its length. Distances are f64 because
/// lines at high zoom run to hundreds of millions of pixels.
fn along(pts: &[Px], spacing: f32, view: [Px; 2], mut visit: impl FnMut(Px, [f32; 2])) {
    let spacing = f64::from(spacing);
    let mut next = spacing / 2.0;
    let mut travelled = 0.0f64;
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let d = [f64::from(b[0] - a[0]), f64::from(b[1] - a[1])];
        let len = (d[0] * d[0] + d[1] * d[1]).sqrt();
        if len <= 1e-6 {
            continue;
        }
        if let Some((t0, t1)) = clip(a, d, view) {
            let (enter, exit) = (travelled + t0 * len, travelled + t1 * len);
            if next < enter {
                next += ((enter - next) / spacing).ceil() * spacing;
            }
            let dir = [(d[0] / len) as f32, (d[1] / len) as f32];
            while next <= exit {
                let s = (next - travelled) as f32;
                visit([a[0] + dir[0] * s, a[1] + dir[1] * s], dir);
                next += spacing;
            }
        }
        travelled += len;
        if next < travelled {
            next += ((travelled - next) / spacing).ceil() * spacing;
        }
    }
}

/// The part of the segment `a + t·d`, t in 0..1, inside `view` (Liang–Barsky).
fn clip(a: Px, d: [f64; 2], view: [Px; 2]) -> Option<(f64, f64)> {
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for axis in 0..2 {
        let (p, lo, hi) = (f64::from(a[axis]), f64::from(view[0][axis]), f64::from(view[1][axis]));
        if d[axis].abs() < 1e-12 {
            if p < lo || p > hi {
                return None;
            }
            continue;
        }
        let (u0, u1) = ((lo - p) / d[axis], (hi - p) / d[axis]);
        t0 = t0.max(u0.min(u1));
        t1 = t1.min(u0.max(u1));
    }
    (t0 <= t1).then_some((t0, t1))
}

/// Cross ties along a rail line, within `view`.
fn ties(pts: &[Px], view: [Px; 2]) -> Vec<[Px; 2]> {
    let half = style::TIE_LENGTH_PX / 2.0;
    let mut out = Vec::new();
    along(pts, style::TIE_SPACING_PX, view, |p, d| {
        let n = [-d[1] * half, d[0] * half];
        out.push([[p[0] - n[0], p[1] - n[1]], [p[0] + n[0], p[1] + n[1]]]);
    });
    out
}

/// Direction arrows along a sea route: triangles pointing the way the route runs. A route too
/// short on screen for the usual spacing still gets one arrow, at its middle.
fn arrows(pts: &[Px], view: [Px; 2]) -> Vec<[Px; 3]> {
    let (len, half) = (ARROW_SIZE_PX, ARROW_SIZE_PX * 0.45);
    let total: f32 = pts.windows(2).map(|w| ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt()).sum();
    if total < 3.0 * len {
        return Vec::new();
    }
    let mut out = Vec::new();
    along(pts, ARROW_SPACING_PX.min(total), view, |p, d| {
        let tip = [p[0] + d[0] * len * 0.5, p[1] + d[1] * len * 0.5];
        let base = [p[0] - d[0] * len * 0.5, p[1] - d[1] * len * 0.5];
        let n = [-d[1] * half, d[0] * half];
        out.push([tip, [base[0] + n[0], base[1] + n[1]], [base[0] - n[0], base[1] - n[1]]]);
    });
    out
}

struct Label {
    at: FeatureRef,
    /// The line a label names (an AIS gap), which no label may cover.
    along: Option<[Px; 2]>,
    anchor: Px,
    /// The marker's radius, outline and selection halo included.
    radius: f32,
    text: String,
    priority: u8,
    fade: f32,
}

/// Circles wider than this are uncertainty circles, not markers (which labels keep off).
pub(super) const MAX_MARKER_RADIUS_PX: f32 = 16.0;
/// Between a marker's edge and its label's text.
const LABEL_GAP_PX: f32 = 4.0;
/// Kept free around a label's text (its halo, and air between labels).
const LABEL_PAD_PX: f32 = 2.0;
/// A label's text box is this many ems high, centred on its anchor (the glyphs of Noto Sans
/// reach from 0.59 em above the centre to 0.61 em below it).
const LABEL_HEIGHT_EM: f32 = 1.2;
/// Where a label may go around its marker, in cartographic order of preference: right, left,
/// upper right, lower right, upper left, lower left, above, below (unit vectors, y down).
const DIRECTIONS: [[f32; 2]; 8] = {
    const D: f32 = std::f32::consts::FRAC_1_SQRT_2;
    [[1.0, 0.0], [-1.0, 0.0], [D, -D], [D, D], [-D, -D], [-D, D], [0.0, -1.0], [0.0, 1.0]]
};
/// On the rings further out, after those: the directions half-way between them, nearer the
/// horizontal first (more heights for a label beside a knot of markers).
const BETWEEN: [[f32; 2]; 8] = {
    const C: f32 = 0.923_879_5; // cos 22.5°
    const S: f32 = 0.382_683_43; // sin 22.5°
    [[C, -S], [C, S], [-C, -S], [-C, S], [S, -C], [S, C], [-S, -C], [-S, C]]
};
/// The distances tried, in multiples of the nearest one (the marker's radius and the gap):
/// next to the marker, then further out with a leader (up to about 80 pixels away).
const RINGS: [f32; 8] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];

/// Markers nearer than this to a label's marker crowd it, the more the nearer (see
/// [`place_labels`]).
const CROWD_PX: f32 = 40.0;

/// The width of a label's text: the bundled font's, as the exports set it (the window's egui
/// sets the same font within a pixel).
pub fn text_width(text: &str, size: f32) -> f32 {
    crate::fonts::fonts().width(text, size, crate::fonts::Weight::Regular)
}

/// A label's place: its text box (without pad), the anchor and alignment of its text, and
/// the leader from the marker when it sits further out.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Spot {
    rect: [Px; 2],
    anchor: Px,
    align: Anchor,
    leader: Option<[Px; 2]>,
}

/// The places tried for a text box of `w`×`h` around a marker at `c` of `radius`, in order:
/// the eight [`DIRECTIONS`] next to the marker, then on each ring further out those and the
/// eight [`BETWEEN`] them. The box touches the point at that distance in that direction with
/// its nearest side or corner (a box right or left of the marker is centred on it in height).
fn candidates(c: Px, radius: f32, w: f32, h: f32) -> impl Iterator<Item = Spot> {
    let near = radius + LABEL_GAP_PX;
    RINGS.into_iter().flat_map(move |ring| {
        let between: &'static [[f32; 2]] = if ring > 1.0 { &BETWEEN } else { &[] };
        DIRECTIONS.iter().chain(between).map(move |u| {
            let p = [c[0] + u[0] * near * ring, c[1] + u[1] * near * ring];
            let x0 = match u[0] {
                v if v > 0.3 => p[0],
                v if v < -0.3 => p[0] - w,
                _ => p[0] - w / 2.0,
            };
            let y0 = match u[1] {
                v if v > 0.5 => p[1],
                v if v < -0.5 => p[1] - h,
                _ => p[1] - h / 2.0,
            };
            let rect = [[x0, y0], [x0 + w, y0 + h]];
            let (align, x) = match u[0] {
                v if v > 0.3 => (Anchor::Left, x0),
                v if v < -0.3 => (Anchor::Right, x0 + w),
                _ => (Anchor::Center, x0 + w / 2.0),
            };
            let leader = (ring > 1.0).then(|| leader(c, radius, rect));
            Spot { rect, anchor: [x, y0 + h / 2.0], align, leader }
        })
    })
}

/// A leader from the edge of a marker at `c` to a little short of the nearest point of `rect`.
fn leader(c: Px, radius: f32, rect: [Px; 2]) -> [Px; 2] {
    let p = [c[0].clamp(rect[0][0], rect[1][0]), c[1].clamp(rect[0][1], rect[1][1])];
    let len = ((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2)).sqrt().max(1e-3);
    let u = [(p[0] - c[0]) / len, (p[1] - c[1]) / len];
    let (from, to) = (radius + 1.0, (len - 2.0).max(radius + 1.0));
    [[c[0] + u[0] * from, c[1] + u[1] * from], [c[0] + u[0] * to, c[1] + u[1] * to]]
}

fn padded(r: [Px; 2], pad: f32) -> [Px; 2] {
    [[r[0][0] - pad, r[0][1] - pad], [r[1][0] + pad, r[1][1] + pad]]
}

/// What labels keep off, in a grid of cells so that each test looks at the few things near it
/// (a few hundred labels, each trying up to 120 places among a few hundred markers).
struct Obstacles {
    cell: f32,
    cols: usize,
    rows: usize,
    cells: Vec<Vec<u32>>,
    shapes: Vec<Shape>,
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    /// A placed label, padded.
    Rect([Px; 2]),
    /// A marker.
    Circle(Px, f32),
    /// A leader.
    Segment(Px, Px),
}

impl Shape {
    fn bounds(&self) -> [Px; 2] {
        match *self {
            Shape::Rect(r) => r,
            Shape::Circle(c, r) => [[c[0] - r, c[1] - r], [c[0] + r, c[1] + r]],
            Shape::Segment(a, b) => [[a[0].min(b[0]), a[1].min(b[1])], [a[0].max(b[0]), a[1].max(b[1])]],
        }
    }
}

impl Obstacles {
    fn new(size: Px) -> Self {
        // About 64 pixels a cell, at most 128 cells a side.
        let cell = (size[0].max(size[1]) / 128.0).max(64.0);
        let (cols, rows) = (((size[0] / cell).ceil() as usize).max(1), ((size[1] / cell).ceil() as usize).max(1));
        Obstacles { cell, cols, rows, cells: vec![Vec::new(); cols * rows], shapes: Vec::new() }
    }

    /// The cells a box touches (clamped to the grid: things off the view land in edge cells).
    fn cells(&self, b: [Px; 2]) -> impl Iterator<Item = usize> + use<> {
        let idx = |v: f32, n: usize| ((v / self.cell).floor().max(0.0) as usize).min(n - 1);
        let (c0, c1, r0, r1, cols) = (idx(b[0][0], self.cols), idx(b[1][0], self.cols), idx(b[0][1], self.rows), idx(b[1][1], self.rows), self.cols);
        (r0..=r1).flat_map(move |r| (c0..=c1).map(move |c| r * cols + c))
    }

    fn add(&mut self, s: Shape) {
        let i = self.shapes.len() as u32;
        self.shapes.push(s);
        for c in self.cells(s.bounds()) {
            self.cells[c].push(i);
        }
    }

    /// Whether anything for which `counts` holds lies in the cells of `b` and `hits`.
    fn any(&self, b: [Px; 2], mut hits: impl FnMut(&Shape) -> bool) -> bool {
        self.cells(b).any(|c| self.cells[c].iter().any(|&i| hits(&self.shapes[i as usize])))
    }

    /// Whether a box overlaps a placed label, a marker or a leader.
    fn hits_rect(&self, r: [Px; 2]) -> bool {
        self.any(r, |s| match *s {
            Shape::Rect(t) => rects_overlap(r, t),
            Shape::Circle(c, radius) => {
                let q = [c[0].clamp(r[0][0], r[1][0]), c[1].clamp(r[0][1], r[1][1])];
                (q[0] - c[0]).powi(2) + (q[1] - c[1]).powi(2) < radius * radius
            }
            Shape::Segment(a, b) => clip(a, [f64::from(b[0] - a[0]), f64::from(b[1] - a[1])], r).is_some(),
        })
    }

    /// Whether a leader from a marker at `c` crosses a placed label, another leader or, when
    /// `markers` is on, another marker.
    fn hits_leader(&self, l: [Px; 2], c: Px, markers: bool) -> bool {
        let [a, b] = l;
        self.any(Shape::Segment(a, b).bounds(), |s| match *s {
            Shape::Rect(r) => clip(a, [f64::from(b[0] - a[0]), f64::from(b[1] - a[1])], r).is_some(),
            // Markers under this one (at the same place) do not count.
            Shape::Circle(m, radius) => {
                markers && (m[0] - c[0]).powi(2) + (m[1] - c[1]).powi(2) > radius * radius && segment_distance(m, a, b) < radius
            }
            Shape::Segment(p, q) => segments_cross(a, b, p, q),
        })
    }
}

fn rects_overlap(a: [Px; 2], b: [Px; 2]) -> bool {
    a[0][0] < b[1][0] && a[1][0] > b[0][0] && a[0][1] < b[1][1] && a[1][1] > b[0][1]
}

fn segment_distance(p: Px, a: Px, b: Px) -> f32 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 <= f32::EPSILON { 0.0 } else { (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0) };
    ((p[0] - a[0] - t * dx).powi(2) + (p[1] - a[1] - t * dy).powi(2)).sqrt()
}

fn segments_cross(a: Px, b: Px, p: Px, q: Px) -> bool {
    let side = |o: Px, u: Px, v: Px| (u[0] - o[0]) * (v[1] - o[1]) - (u[1] - o[1]) * (v[0] - o[0]);
    let (d1, d2, d3, d4) = (side(p, q, a), side(p, q, b), side(a, b, p), side(a, b, q));
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

/// Where the labels went: the space they take (padded, leaders left out) and the texts of
/// those that found no place.
struct Placement {
    taken: Vec<[Px; 2]>,
    unplaced: Vec<String>,
}

/// Places the labels, most important first, each at the first place around its marker (see
/// [`candidates`]) that lies inside the view and touches no placed label, no marker and no
/// leader; a label moved out to a ring gets a leader that crosses no label and no other leader,
/// and no other marker unless there is no place where it would not. A label
/// with no such place is left out, unless it is selected or hovered (priority 3): that one
/// takes its first place in view regardless.
fn place_labels(labels: &mut [Label], size: Px, markers: &[(Px, f32)], items: &mut Vec<(Pass, FeatureRef, Primitive)>) -> Placement {
    // Most important first; among equals, those in the thick of a knot of markers first, while
    // their leaders still have a way out between the labels of the markers around them.
    let crowd = |l: &Label| {
        let near: f32 = markers.iter().map(|(c, _)| (CROWD_PX - (c[0] - l.anchor[0]).hypot(c[1] - l.anchor[1])).max(0.0)).sum();
        (near * 16.0) as u32
    };
    labels.sort_by_cached_key(|l| (std::cmp::Reverse(l.priority), std::cmp::Reverse(crowd(l))));
    let font_size = style::LABEL_SIZE;
    let h = font_size * LABEL_HEIGHT_EM;
    let mut obstacles = Obstacles::new(size);
    for &(c, r) in markers {
        obstacles.add(Shape::Circle(c, r));
    }
    for [a, b] in labels.iter().filter_map(|l| l.along) {
        obstacles.add(Shape::Segment(a, b));
    }
    let in_view = |r: [Px; 2]| r[0][0] >= 0.0 && r[0][1] >= 0.0 && r[1][0] <= size[0] && r[1][1] <= size[1];
    let (mut taken, mut unplaced, mut leaders, mut texts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for l in labels.iter() {
        let w = text_width(&l.text, font_size);
        let free = |s: &Spot, markers: bool| {
            let r = padded(s.rect, LABEL_PAD_PX);
            in_view(r) && !obstacles.hits_rect(r) && s.leader.is_none_or(|ld| !obstacles.hits_leader(ld, l.anchor, markers))
        };
        // A leader that crosses other markers (inside a knot of them) only when there is no
        // other way.
        let mut spot = candidates(l.anchor, l.radius, w, h).find(|s| free(s, true)).or_else(|| candidates(l.anchor, l.radius, w, h).find(|s| free(s, false)));
        if spot.is_none() && l.priority >= 3 {
            let near: Vec<Spot> = candidates(l.anchor, l.radius, w, h).take(DIRECTIONS.len()).collect();
            spot = near.iter().copied().find(|s| in_view(padded(s.rect, LABEL_PAD_PX))).or(near.first().copied());
        }
        let Some(spot) = spot else {
            unplaced.push(l.text.clone());
            continue;
        };
        let rect = padded(spot.rect, LABEL_PAD_PX);
        obstacles.add(Shape::Rect(rect));
        taken.push(rect);
        if let Some([a, b]) = spot.leader {
            obstacles.add(Shape::Segment(a, b));
            leaders.push((l.at, fade(Primitive::Line { points: vec![a, b], stroke: style::LEADER }, l.fade)));
        }
        let text = Primitive::Text { anchor: spot.anchor, align: spot.align, text: l.text.clone(), size: font_size, color: style::LABEL, halo: style::LABEL_HALO };
        texts.push((l.at, fade(text, l.fade)));
    }
    // Leaders under every text.
    items.extend(leaders.into_iter().chain(texts).map(|(at, p)| (Pass::Label, at, p)));
    Placement { taken, unplaced }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_are_spaced_and_perpendicular() {
        const ALL: [Px; 2] = [[-1e6, -1e6], [1e6, 1e6]];
        let t = ties(&[[0.0, 0.0], [90.0, 0.0]], ALL);
        assert_eq!(t.len(), 10);
        assert_eq!(t[0], [[4.5, -4.0], [4.5, 4.0]]);
        // Only the part in view gets ties, at the same places.
        let line = [[-10_000.0, 0.0], [0.0, 0.0], [90.0, 0.0], [50_000.0, 0.0]];
        let view = [[0.0, -10.0], [100.0, 10.0]];
        let seen = ties(&line, view);
        assert_eq!(seen.len(), 11);
        let all: Vec<_> = ties(&line, ALL).into_iter().filter(|t| (0.0..=100.0).contains(&t[0][0])).collect();
        for (a, b) in seen.iter().zip(&all) {
            assert!((a[0][0] - b[0][0]).abs() < 0.01, "same places as drawing the whole line: {a:?} {b:?}");
        }
    }

    fn dense_line_layer() -> Layer {
        // 1,000 vertices 0.01° apart along 40° N, and a point far away.
        let line: geo::LineString = (0..1000).map(|i| (130.0 + f64::from(i) * 0.01, 40.0)).collect();
        let features = [Geometry::LineString(line), Geometry::Point(geo::Point::new(-60.0, -30.0))]
            .into_iter()
            .map(|g| Feature { geometry: Some(g), ..Feature::default() })
            .collect();
        Layer { features, ..Layer::default() }
    }

    fn view_at(lon: f64, lat: f64, zoom: i32, size: Px) -> ScreenTransform {
        let px_per_world = 256.0 * 2f64.powi(zoom);
        let (x, y) = crate::projection::world_from_lonlat(lon, lat);
        let origin = [x - f64::from(size[0]) / 2.0 / px_per_world, y - f64::from(size[1]) / 2.0 / px_per_world];
        ScreenTransform { world_origin: origin, px_per_world }
    }

    fn lines(scene: &Scene) -> Vec<&Vec<Px>> {
        scene.items.iter().filter_map(|(_, p)| if let Primitive::Line { points, .. } = p { Some(points) } else { None }).collect()
    }

    #[test]
    fn lines_are_thinned_to_half_a_pixel_and_keep_their_ends() {
        let layer = dense_line_layer();
        let size = [800.0, 600.0];
        let build_at = |zoom| build(&[LayerInput::new(0, &layer, 1.0)], &view_at(135.0, 40.0, zoom, size), size, Highlight::default(), &[]);
        // Zoom 3: 0.01° is 0.06 px, so the ten degrees of line are a few dozen pixels long.
        let far = build_at(3);
        let far = lines(&far);
        assert_eq!(far.len(), 1);
        assert!(far[0].len() < 150, "{} points", far[0].len());
        let t = view_at(135.0, 40.0, 3, size);
        let close = |a: Px, b: Px| (a[0] - b[0]).abs() < 0.01 && (a[1] - b[1]).abs() < 0.01;
        assert!(close(far[0][0], t.screen_from_lonlat(130.0, 40.0)));
        assert!(close(*far[0].last().unwrap(), t.screen_from_lonlat(139.99, 40.0)));
        // Zoom 10: every vertex is pixels apart and is kept (those in and near the view).
        let near = build_at(10);
        assert_eq!(lines(&near)[0].len(), 1000);
    }

    #[test]
    fn with_an_index_only_what_is_in_view_is_built() {
        let layer = dense_line_layer();
        let index = LayerIndex::build(&layer);
        let size = [800.0, 600.0];
        let input = LayerInput { spatial: Some(&index), ..LayerInput::new(0, &layer, 1.0) };
        let scene = build(&[input], &view_at(135.0, 40.0, 6, size), size, Highlight::default(), &[]);
        assert!(scene.items.iter().all(|(at, _)| at.feature == 0), "the far point is not built");
        let elsewhere = build(&[LayerInput { spatial: Some(&index), ..LayerInput::new(0, &layer, 1.0) }], &view_at(-60.0, -30.0, 6, size), size, Highlight::default(), &[]);
        assert!(!elsewhere.items.is_empty() && elsewhere.items.iter().all(|(at, _)| at.feature == 1));
        // A raster layer builds only its highlighted features.
        let raster = LayerInput { spatial: Some(&index), highlights_only: true, ..LayerInput::new(0, &layer, 1.0) };
        let hovered = Highlight { hovered: Some(FeatureRef { layer: 0, feature: 0 }), ..Highlight::default() };
        let highlighted = build(std::slice::from_ref(&raster), &view_at(135.0, 40.0, 6, size), size, hovered, &[]);
        assert_eq!(lines(&highlighted).len(), 2, "the line and its halo");
        assert!(build(&[raster], &view_at(135.0, 40.0, 6, size), size, Highlight::default(), &[]).items.is_empty());
    }

    /// A sourced site, then an unsourced site, sea route and area, all around 132° E 43° N.
    fn case_layer() -> Layer {
        let feature = |props: serde_json::Value, g: Geometry| Feature { properties: props.as_object().cloned().unwrap_or_default().into(), geometry: Some(g), ..Feature::default() };
        let route: geo::LineString = vec![(131.0, 42.0), (132.5, 42.5)].into();
        let area = Polygon::new(vec![(133.0, 43.0), (133.5, 43.0), (133.5, 43.5), (133.0, 43.0)].into(), vec![]);
        let features = vec![
            feature(serde_json::json!({"kind": "site", "source_ids": ["src_a"]}), Geometry::Point(geo::Point::new(132.0, 43.0))),
            feature(serde_json::json!({"kind": "site"}), Geometry::Point(geo::Point::new(132.2, 43.1))),
            feature(serde_json::json!({"kind": "sea_route", "source_ids": []}), Geometry::LineString(route)),
            feature(serde_json::json!({"kind": "area"}), Geometry::Polygon(area)),
        ];
        Layer { features, case: Some(crate::model::Case::default()), ..Layer::default() }
    }

    fn is_mark(p: &Primitive) -> bool {
        matches!(p, Primitive::Circle { stroke: Some(s), .. } if s.color == style::UNSOURCED)
    }

    #[test]
    fn unsourced_case_features_get_a_mark_only_when_asked() {
        let layer = case_layer();
        let size = [800.0, 600.0];
        let t = view_at(132.5, 43.0, 7, size);
        let scene_of = |mark_unsourced| build(&[LayerInput { mark_unsourced, ..LayerInput::new(0, &layer, 1.0) }], &t, size, Highlight::default(), &[]);
        let marked = scene_of(true);
        let marks: Vec<usize> = marked.items.iter().filter(|(_, p)| is_mark(p)).map(|(at, _)| at.feature).collect();
        assert_eq!(marks, [1, 2, 3], "the unsourced site, route and area; not the sourced site");
        // At the site marker's upper right, and half-way along the route.
        let center_of = |feature| marked.items.iter().find_map(|(at, p)| match p {
            Primitive::Circle { center, .. } if at.feature == feature && is_mark(p) => Some(*center),
            _ => None,
        });
        let (site, mark) = (t.screen_from_lonlat(132.2, 43.1), center_of(1).unwrap());
        assert!(mark[0] > site[0] && mark[1] < site[1], "{mark:?} beside {site:?}");
        let middle = t.screen_from_lonlat(131.75, 42.25);
        assert!((center_of(2).unwrap()[0] - middle[0]).abs() < 0.01);
        // Off (as in exports), the scene is what it was: the same items without the marks.
        let plain = scene_of(false);
        assert!(plain.items.iter().all(|(_, p)| !is_mark(p) && !matches!(p, Primitive::Text { text, .. } if text == "?")));
        let unmarked: Vec<_> = marked.items.iter().filter(|(_, p)| !is_mark(p) && !matches!(p, Primitive::Text { text, .. } if text == "?")).cloned().collect();
        assert_eq!(plain.items, unmarked);
        // A layer that is not a case has no sources to name: no marks.
        let no_case = Layer { case: None, ..case_layer() };
        let scene = build(&[LayerInput { mark_unsourced: true, ..LayerInput::new(0, &no_case, 1.0) }], &t, size, Highlight::default(), &[]);
        assert!(!scene.items.iter().any(|(_, p)| is_mark(p)));
    }

    fn label(feature: usize, anchor: Px, text: &str, priority: u8) -> Label {
        Label { at: FeatureRef { layer: 0, feature }, anchor, radius: 6.25, text: text.into(), priority, fade: 1.0, along: None }
    }

    /// The text box of a placed label, as `place_labels` measures it.
    fn text_rect(p: &Primitive) -> Option<[Px; 2]> {
        let Primitive::Text { anchor, align, text, size, .. } = p else { return None };
        let w = text_width(text, *size);
        let x0 = match align {
            Anchor::Left => anchor[0],
            Anchor::Center => anchor[0] - w / 2.0,
            Anchor::Right => anchor[0] - w,
        };
        let h = size * LABEL_HEIGHT_EM / 2.0;
        Some([[x0, anchor[1] - h], [x0 + w, anchor[1] + h]])
    }

    #[test]
    fn candidates_go_round_the_marker_in_cartographic_order_then_further_out() {
        let c = [100.0, 100.0];
        let (w, h) = (50.0, 15.6);
        let spots: Vec<Spot> = candidates(c, 6.0, w, h).collect();
        assert_eq!(spots.len(), 8 + 16 * (RINGS.len() - 1));
        let near = 6.0 + LABEL_GAP_PX;
        let centre = |s: &Spot| [(s.rect[0][0] + s.rect[1][0]) / 2.0, (s.rect[0][1] + s.rect[1][1]) / 2.0];
        // Right, left, upper right, lower right, upper left, lower left, above, below.
        let sides: Vec<[i8; 2]> = spots[..8]
            .iter()
            .map(|s| {
                let m = centre(s);
                let sign = |v: f32| if v.abs() < 0.01 { 0 } else { v.signum() as i8 };
                [sign(m[0] - c[0]), sign(m[1] - c[1])]
            })
            .collect();
        assert_eq!(sides, [[1, 0], [-1, 0], [1, -1], [1, 1], [-1, -1], [-1, 1], [0, -1], [0, 1]]);
        // Next to the marker: the text starts (or ends) the gap beyond its edge, and has no leader.
        assert_eq!((spots[0].rect[0][0], spots[0].align, spots[0].anchor), (c[0] + near, Anchor::Left, [c[0] + near, c[1]]));
        assert_eq!((spots[1].rect[1][0], spots[1].align, spots[1].anchor), (c[0] - near, Anchor::Right, [c[0] - near, c[1]]));
        assert_eq!((spots[6].rect[1][1], spots[6].align), (c[1] - near, Anchor::Center));
        assert_eq!(spots[7].rect[0][1], c[1] + near);
        assert!(spots[..8].iter().all(|s| s.leader.is_none()));
        // The diagonal places touch the marker's circle of `near` at their corner.
        let corner = [spots[2].rect[0][0], spots[2].rect[1][1]];
        assert!((((corner[0] - c[0]).powi(2) + (corner[1] - c[1]).powi(2)).sqrt() - near).abs() < 0.01);
        // Then, on rings twice, three times… as far, the same order and the directions half-way
        // between them, with leaders from the marker's edge to the text.
        for (ring, chunk) in spots[8..].chunks(16).enumerate() {
            assert_eq!(chunk[0].rect[0][0], c[0] + near * (ring as f32 + 2.0));
            assert_eq!(chunk[0].anchor[1], c[1]);
            let between = chunk[8].anchor;
            assert!(between[0] > c[0] + near && between[1] < c[1] && between[1] > chunk[2].anchor[1], "right and a little up: {between:?}");
        }
        let [a, b] = spots[8].leader.unwrap();
        assert_eq!(a, [c[0] + 7.0, c[1]]);
        assert_eq!(b, [c[0] + 2.0 * near - 2.0, c[1]]);
        let [a, b] = spots[10].leader.unwrap();
        assert!(a[0] > c[0] && a[1] < c[1] && b[0] < spots[10].rect[0][0] && b[1] > spots[10].rect[1][1], "up and right: {a:?} {b:?}");
    }

    #[test]
    fn labels_take_the_first_free_place_most_important_first() {
        let size = [400.0, 300.0];
        let mut items = Vec::new();
        // A marker right of A's marker takes its right place; B's label is more important and
        // takes the right place of its own even though A's marker came first.
        let markers = [([100.0, 100.0], 6.25), ([130.0, 100.0], 6.25), ([390.0, 200.0], 6.25)];
        let mut labels = vec![label(0, [100.0, 100.0], "Alpha", 0), label(1, [130.0, 100.0], "Bravo", 1), label(2, [390.0, 200.0], "Charlie", 0)];
        let placed = place_labels(&mut labels, size, &markers, &mut items);
        assert!(placed.unplaced.is_empty());
        let texts: Vec<(&str, Anchor, Px)> = items
            .iter()
            .filter_map(|(_, _, p)| if let Primitive::Text { text, align, anchor, .. } = p { Some((text.as_str(), *align, *anchor)) } else { None })
            .collect();
        assert_eq!(texts[0], ("Bravo", Anchor::Left, [130.0 + 10.25, 100.0]));
        assert_eq!(texts[1], ("Alpha", Anchor::Right, [100.0 - 10.25, 100.0]), "left: Bravo's marker is on its right");
        assert_eq!(texts[2], ("Charlie", Anchor::Right, [390.0 - 10.25, 200.0]), "left at the view's right edge");
        assert_eq!(placed.taken.len(), 3);
    }

    #[test]
    fn a_knot_of_markers_gets_leaders_and_no_label_overlaps_anything() {
        let size = [600.0, 400.0];
        let names = ["Rajin (Najin) port", "Tumangang", "Khasan", "Dunai naval port", "Fokino (Pacific Fleet base, ZATO)", "Strelok Bay", "Vladivostok"];
        let anchors: Vec<Px> = (0..names.len()).map(|i| [300.0 + (i as f32 * 7.0) % 16.0, 200.0 + i as f32 * 3.5]).collect();
        let markers: Vec<(Px, f32)> = anchors.iter().map(|a| (*a, 6.25)).collect();
        let mut labels: Vec<Label> = names.iter().zip(&anchors).enumerate().map(|(i, (n, a))| label(i, *a, n, 0)).collect();
        let mut items = Vec::new();
        let placed = place_labels(&mut labels, size, &markers, &mut items);
        assert!(placed.unplaced.is_empty(), "{:?}", placed.unplaced);
        let rects: Vec<[Px; 2]> = items.iter().filter_map(|(_, _, p)| text_rect(p)).collect();
        assert_eq!(rects.len(), names.len());
        let leaders: Vec<[Px; 2]> = items.iter().filter_map(|(_, _, p)| if let Primitive::Line { points, .. } = p { Some([points[0], points[1]]) } else { None }).collect();
        assert!(!leaders.is_empty(), "labels moved away from the knot have leaders");
        // Leaders come first, under the texts, drawn thin and grey.
        let first_text = items.iter().position(|(_, _, p)| matches!(p, Primitive::Text { .. })).unwrap();
        assert!(items[..first_text].iter().all(|(_, _, p)| matches!(p, Primitive::Line { stroke, .. } if *stroke == style::LEADER)));
        for (i, r) in rects.iter().enumerate() {
            assert!(r[0][0] >= 0.0 && r[0][1] >= 0.0 && r[1][0] <= size[0] && r[1][1] <= size[1]);
            for q in &rects[i + 1..] {
                assert!(!rects_overlap(*r, *q), "{r:?} {q:?}");
            }
            for (c, radius) in &markers {
                let q = [c[0].clamp(r[0][0], r[1][0]), c[1].clamp(r[0][1], r[1][1])];
                assert!((q[0] - c[0]).hypot(q[1] - c[1]) >= *radius, "a label over a marker: {r:?} {c:?}");
            }
            for [a, b] in &leaders {
                assert!(clip(*a, [f64::from(b[0] - a[0]), f64::from(b[1] - a[1])], *r).is_none(), "a leader crosses a label: {a:?} {b:?} {r:?}");
            }
        }
    }

    #[test]
    fn labels_with_no_room_are_listed_not_drawn_unless_selected() {
        // A view too narrow for the long name either side or above.
        let size = [160.0, 60.0];
        let long = "Yegorlykskaya airfield used as ammunition store (town-level placeholder)";
        let mut labels = vec![label(0, [80.0, 30.0], long, 0), label(1, [20.0, 30.0], "Ok", 0)];
        let mut items = Vec::new();
        let placed = place_labels(&mut labels, size, &[([80.0, 30.0], 6.25), ([20.0, 30.0], 6.25)], &mut items);
        assert_eq!(placed.unplaced, [long]);
        assert_eq!(items.len(), 1, "only the short label is drawn");
        // Selected (priority 3), it is drawn all the same, next to its marker.
        let mut labels = vec![label(0, [80.0, 30.0], long, 3)];
        let mut items = Vec::new();
        let placed = place_labels(&mut labels, size, &[([80.0, 30.0], 6.25)], &mut items);
        assert!(placed.unplaced.is_empty());
        assert!(matches!(&items[0].2, Primitive::Text { anchor, .. } if *anchor == [90.25, 30.0]));
    }

    #[test]
    fn scenes_list_unplaced_labels_and_where_the_labels_start() {
        let layer = case_layer();
        let size = [800.0, 600.0];
        let t = view_at(132.5, 43.0, 7, size);
        let mut named = layer.clone();
        for (i, f) in named.features.iter_mut().enumerate().take(2) {
            f.properties.insert("name".into(), serde_json::json!(format!("Site {i}")));
        }
        let scene = build(&[LayerInput::new(0, &named, 1.0)], &t, size, Highlight::default(), &[]);
        assert!(scene.unplaced_labels.is_empty());
        let labels: Vec<&Primitive> = scene.items[scene.labels_from..].iter().map(|(_, p)| p).collect();
        assert_eq!(labels.len(), 2);
        assert!(labels.iter().all(|p| matches!(p, Primitive::Text { .. })));
        assert!(!scene.items[..scene.labels_from].iter().any(|(_, p)| matches!(p, Primitive::Text { .. })));
    }

    #[test]
    fn arrows_point_along_the_line() {
        const ALL: [Px; 2] = [[-1e6, -1e6], [1e6, 1e6]];
        let a = arrows(&[[0.0, 0.0], [0.0, 300.0]], ALL);
        assert_eq!(a.len(), 2);
        assert!(a[0][0][1] > a[0][1][1], "the tip is further down the line than the base");
        // A short route gets one arrow in its middle; a tiny one none.
        let short = arrows(&[[0.0, 0.0], [60.0, 0.0]], ALL);
        assert_eq!(short.len(), 1);
        assert!((short[0][0][0] - 35.5).abs() < 0.01, "{short:?}");
        assert!(arrows(&[[0.0, 0.0], [20.0, 0.0]], ALL).is_empty());
    }
}
