//! Builds the primitives for one view of the open layers.

use geo::{Coord, Euclidean, Geometry, InterpolatableLine, InteriorPoint, Polygon};

use super::style::{self, ARROW_SIZE_PX, ARROW_SPACING_PX};
use super::{Anchor, Primitive, Px, Rgba, ScreenTransform, Stroke};
use crate::index::{LayerIndex, Part, Piece, parts};
use crate::model::{Feature, FeatureKind, FeatureRef, Layer};
use crate::projection::{LatToWorldY, WorldRect};

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
    let mut items: Vec<(Pass, FeatureRef, Primitive)> = Vec::new();
    let mut labels: Vec<Label> = Vec::new();
    let view = [[-VIEW_MARGIN_PX, -VIEW_MARGIN_PX], [size[0] + VIEW_MARGIN_PX, size[1] + VIEW_MARGIN_PX]];
    let view_world = WorldRect::from_corners(t.world_from_screen(view[0]), t.world_from_screen(view[1]));
    let lat_y = LatToWorldY::new();
    for input in layers.iter().filter(|l| l.opacity > 0.0) {
        for i in input.candidates(&view_world, &highlight) {
            let Some(f) = input.layer.features.get(i) else { continue };
            let Some(geometry) = &f.geometry else { continue };
            let at = FeatureRef { layer: input.index, feature: i };
            let fade = input.opacity * highlight.fade.map_or(1.0, |fade_of| fade_of(at, f));
            if fade <= 0.0 {
                continue;
            }
            let mut out = Emitter { t, at, fade, items: &mut items, view, lat_y };
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
                if inside(view, anchor) {
                    let priority = if selected || hovered { 3 } else if style::is_certain(f) { 1 } else { 0 };
                    labels.push(Label { at, anchor, text: f.name().unwrap_or_default().to_owned(), priority, fade });
                }
            }
        }
    }
    let mut taken = place_labels(&mut labels, size[0], &mut items);
    let background = place_names_in_view(place_names, t, size, &mut taken);
    items.sort_by_key(|(pass, _, _)| *pass);
    Scene { background, items: items.into_iter().map(|(_, at, p)| (at, p)).collect() }
}

/// The primitives of a layer's pieces in a view (a raster tile of a large layer), back to
/// front: only the `runs` of lines the index found there are projected. `fades[i]` is how
/// much feature `i` fades (0 hides it). No labels: they would be cut at tile edges.
pub fn pieces(layer: &Layer, runs: &[Piece], fades: &[f32], t: &ScreenTransform, size: Px) -> Vec<Primitive> {
    let mut items = Vec::new();
    let view = [[-VIEW_MARGIN_PX, -VIEW_MARGIN_PX], [size[0] + VIEW_MARGIN_PX, size[1] + VIEW_MARGIN_PX]];
    let lat_y = LatToWorldY::new();
    let mut current: Option<(u32, Vec<Part>)> = None;
    for run in runs {
        let Some(f) = layer.features.get(run.feature as usize) else { continue };
        let fade = fades.get(run.feature as usize).copied().unwrap_or(1.0);
        let Some(g) = f.geometry.as_ref().filter(|_| fade > 0.0) else { continue };
        if current.as_ref().is_none_or(|(id, _)| *id != run.feature) {
            current = Some((run.feature, parts(g)));
        }
        let Some(part) = current.as_ref().and_then(|(_, p)| p.get(run.part as usize)).copied() else { continue };
        let at = FeatureRef { layer: 0, feature: run.feature as usize };
        let mut out = Emitter { t, at, fade, items: &mut items, view, lat_y };
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
        let w = text_width_estimate(&name.text, s.size).max(second.map_or(0.0, |t| text_width_estimate(t, s.size * 0.85)));
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
    taken.iter().any(|t| r[0][0] < t[1][0] && r[1][0] > t[0][0] && r[0][1] < t[1][1] && r[1][1] > t[0][1])
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
        let Some((last, rest)) = coords.split_last() else { return out };
        let to_screen = |c: &Coord| self.t.screen_from_world([(c.x + 180.0) / 360.0, self.lat_y.y(c.y)]);
        let min2 = MIN_STEP_PX * MIN_STEP_PX;
        for c in rest {
            let p = to_screen(c);
            if out.last().is_none_or(|q| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) >= min2) {
                out.push(p);
            }
        }
        let end = to_screen(last);
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
        self.push(Pass::Fill, Primitive::Polygon { rings, fill, stroke: Some(stroke) });
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
    anchor: Px,
    text: String,
    priority: u8,
    fade: f32,
}

/// Rough text width, the same for every backend so that they keep the same labels.
pub fn text_width_estimate(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * size * 0.56
}

/// Keeps the labels that do not overlap a more important one, right of their marker, and
/// returns the space they take.
fn place_labels(labels: &mut [Label], view_width: f32, items: &mut Vec<(Pass, FeatureRef, Primitive)>) -> Vec<[Px; 2]> {
    labels.sort_by_key(|l| std::cmp::Reverse(l.priority));
    let size = style::LABEL_SIZE;
    let mut taken: Vec<[Px; 2]> = Vec::new();
    for l in labels.iter().filter(|l| !l.text.is_empty()) {
        let w = text_width_estimate(&l.text, size);
        let right = [l.anchor[0] + 10.0, l.anchor[1]];
        let left = [l.anchor[0] - 10.0, l.anchor[1]];
        let rect_of = |x0: f32| [[x0 - 2.0, l.anchor[1] - size * 0.7], [x0 + w + 2.0, l.anchor[1] + size * 0.7]];
        // Right of the marker, or left of it when that runs off the view.
        let (anchor, align, rect) = if right[0] + w > view_width && left[0] - w >= 0.0 {
            (left, Anchor::Right, rect_of(left[0] - w))
        } else {
            (right, Anchor::Left, rect_of(right[0]))
        };
        if overlaps(&taken, rect) && l.priority < 3 {
            continue;
        }
        taken.push(rect);
        let text = Primitive::Text {
            anchor,
            align,
            text: l.text.clone(),
            size,
            color: style::LABEL,
            halo: style::LABEL_HALO,
        };
        items.push((Pass::Label, l.at, fade(text, l.fade)));
    }
    taken
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
