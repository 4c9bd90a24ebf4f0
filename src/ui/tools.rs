//! Drawing and geometry editing on the map: add a site, draw a route or an area, drag a
//! feature, its vertices and its midpoints. Every change goes to the document as an edit;
//! one drag is one undo step.

use egui::{Color32, Key, Pos2, Stroke, Vec2};

use crate::document::selection::Selection;
use crate::document::vertices::{self, Vertex};
use crate::document::{Document, edit};
use crate::model::{Feature, FeatureKind, FeatureRef};

use super::map_view::{MapClick, MapState};

/// A route end or a vertex lands on a site this close to it, in screen points.
pub const SNAP_PX: f32 = 10.0;
/// A handle is grabbed this close to it, in screen points.
const HANDLE_PX: f32 = 7.0;
/// Handles are drawn for at most this many vertices in view (a big track stays usable).
const MAX_HANDLES: usize = 3000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tool {
    /// Click selects; in edit mode the selection's handles can be dragged.
    #[default]
    Select,
    Site,
    Route,
    Area,
}

/// What a press grabbed.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Grab {
    Vertex(Vertex),
    /// The midpoint handle of the segment a new vertex `Vertex` would be inserted into.
    Midpoint(Vertex),
    Feature,
}

struct Drag {
    at: FeatureRef,
    grab: Grab,
    origin: Pos2,
    original: Feature,
    key: String,
    moved: bool,
}

/// The editing state of the map.
#[derive(Default)]
pub struct Tools {
    /// Edit mode: handles on the selection, the property editor in the panel.
    pub editing: bool,
    pub tool: Tool,
    /// The corners clicked so far (lon/lat) of the route or ring being drawn.
    pub points: Vec<(f64, f64)>,
    /// An area's rings finished so far: the outline, then holes.
    pub rings: Vec<Vec<(f64, f64)>>,
    /// A route drawn now becomes this: a sea route or a rail corridor.
    pub route_kind: Option<FeatureKind>,
    /// The site the route being drawn starts at.
    from_site: Option<String>,
    drag: Option<Drag>,
    drags: u64,
    /// The selected vertex, which Delete removes.
    pub vertex: Option<(FeatureRef, Vertex)>,
    /// The last edit that could not be made, to show.
    pub problem: Option<String>,
    /// The press that just ended grabbed a handle: its release is not a click on the map.
    released_grab: bool,
}

impl Tools {
    pub fn start(&mut self, tool: Tool) {
        self.cancel();
        self.tool = tool;
        if tool != Tool::Select {
            self.editing = true;
        }
    }

    /// Drops what is being drawn, back to selecting.
    pub fn cancel(&mut self) {
        self.tool = Tool::Select;
        self.points.clear();
        self.rings.clear();
        self.from_site = None;
    }

    pub fn is_drawing(&self) -> bool {
        matches!(self.tool, Tool::Route | Tool::Area)
    }

    /// Whether the map may pan by dragging this frame: not while a handle or the selected
    /// feature is being dragged. Call before the map is drawn; it starts and ends drags.
    pub fn begin_frame(&mut self, ctx: &egui::Context, doc: &mut Document, map: &MapState) -> bool {
        let (pressed, origin, down) = ctx.input(|i| (i.pointer.primary_pressed(), i.pointer.press_origin(), i.pointer.primary_down()));
        if self.drag.is_some() && !down {
            self.end_drag(doc);
        }
        if self.editing && self.tool == Tool::Select && pressed && self.drag.is_none()
            && let (Some(origin), Some(Selection::Feature(at))) = (origin, doc.selection.current().cloned())
            && map.rect.is_some_and(|r| r.contains(origin))
            && ctx.layer_id_at(origin).is_none_or(|l| l.order == egui::Order::Background)
            && let Some(f) = doc.feature(at)
        {
            let grab = handle_at(f, map, origin).or((map.hovered == Some(at)).then_some(Grab::Feature));
            if let Some(grab) = grab {
                self.drags += 1;
                let key = format!("drag {}", self.drags);
                self.drag = Some(Drag { at, grab, origin, original: f.clone(), key, moved: false });
            }
        }
        self.drag.is_none()
    }

    fn end_drag(&mut self, doc: &mut Document) {
        let Some(d) = self.drag.take() else { return };
        self.released_grab = true;
        doc.seal();
        if !d.moved {
            // A click on a vertex selects it.
            self.vertex = match d.grab {
                Grab::Vertex(v) => Some((d.at, v)),
                _ => None,
            };
        }
    }

    /// After the map: follows a drag, takes the clicks of a drawing tool. Returns the click
    /// the app should treat as a selection, if any.
    pub fn after_map(&mut self, ctx: &egui::Context, doc: &mut Document, map: &MapState, click: Option<MapClick>) -> Option<MapClick> {
        if let Some(d) = &mut self.drag {
            if let Some(pos) = ctx.input(|i| i.pointer.latest_pos())
                && (d.moved || pos.distance(d.origin) > 2.0)
            {
                d.moved = true;
                let result = dragged(d, doc, map, pos);
                if let Err(e) = result {
                    self.problem = Some(e);
                }
                ctx.request_repaint();
            }
            // The release of a drag is not a click on the map.
            return None;
        }
        if std::mem::take(&mut self.released_grab) {
            return None;
        }
        let click = click?;
        match self.tool {
            Tool::Select => {
                self.vertex = None;
                Some(click)
            }
            Tool::Site => {
                let layer = target_layer(doc);
                let site = edit::new_site(&doc.layers[layer].layer, click.lonlat.0, click.lonlat.1);
                self.report(doc.add_feature(layer, site, "Add site").map(|_| ()));
                self.tool = Tool::Select;
                None
            }
            Tool::Route | Tool::Area => {
                if click.double {
                    // The first click of the double click already placed the last point.
                    self.finish(doc);
                    return None;
                }
                let (p, site) = snap(doc, map, click.pos).map_or((click.lonlat, None), |(p, id)| (p, Some(id)));
                if self.tool == Tool::Route && self.points.is_empty() {
                    self.from_site = site;
                }
                if self.points.last() != Some(&p) {
                    self.points.push(p);
                }
                None
            }
        }
    }

    fn report(&mut self, r: Result<(), crate::document::EditError>) {
        self.problem = r.err().map(|e| e.to_string());
    }

    /// Ends the route or area being drawn and adds it to the document.
    pub fn finish(&mut self, doc: &mut Document) {
        let enough = match self.tool {
            Tool::Route => self.points.len() >= 2,
            Tool::Area => self.points.len() >= 3 || !self.rings.is_empty(),
            _ => false,
        };
        if !enough {
            self.cancel();
            return;
        }
        let layer = target_layer(doc);
        match self.tool {
            Tool::Route if self.points.len() >= 2 => {
                let kind = self.route_kind.clone().unwrap_or(FeatureKind::SeaRoute);
                let to = self.points.last().and_then(|last| site_at(doc, *last));
                let from = self.from_site.take();
                let route = edit::new_route(&doc.layers[layer].layer, &kind, &self.points, from, to);
                let label = if kind == FeatureKind::RailCorridor { "Draw rail corridor" } else { "Draw sea route" };
                let r = doc.add_feature(layer, route, label);
                self.report(r.map(|_| ()));
            }
            Tool::Area => {
                let mut rings = std::mem::take(&mut self.rings);
                rings.push(std::mem::take(&mut self.points));
                match edit::new_area(&doc.layers[layer].layer, &rings) {
                    Some(area) => {
                        let r = doc.add_feature(layer, area, "Draw area");
                        self.report(r.map(|_| ()));
                    }
                    None => self.problem = Some("an area needs at least three corners".into()),
                }
            }
            _ => {}
        }
        self.cancel();
    }

    /// Closes the ring being drawn; the next clicks draw a hole in the area.
    pub fn start_hole(&mut self) {
        if self.tool == Tool::Area && self.points.len() >= 3 {
            self.rings.push(std::mem::take(&mut self.points));
        }
    }

    /// Keys of the tools: Enter ends, Esc cancels, Backspace takes back the last point,
    /// H starts a hole, Delete removes the selected vertex or feature. Returns whether a key
    /// was used.
    pub fn keys(&mut self, ctx: &egui::Context, doc: &mut Document) -> bool {
        let pressed = |k: Key| ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, k));
        if self.tool != Tool::Select {
            if pressed(Key::Escape) {
                self.cancel();
            } else if pressed(Key::Enter) {
                self.finish(doc);
            } else if pressed(Key::Backspace) {
                self.points.pop();
            } else if pressed(Key::H) {
                self.start_hole();
            } else {
                return false;
            }
            return true;
        }
        if self.editing && pressed(Key::Delete) {
            self.delete(doc);
            return true;
        }
        false
    }

    /// Deletes the selected vertex, or else the selected feature.
    pub fn delete(&mut self, doc: &mut Document) {
        let Some(Selection::Feature(at)) = doc.selection.current().cloned() else { return };
        let Some(f) = doc.feature(at) else { return };
        if let Some((vat, v)) = self.vertex.take().filter(|(vat, _)| *vat == at)
            && let Some(g) = f.geometry.as_ref().and_then(|g| vertices::remove_vertex(g, v))
        {
            let mut new = f.clone();
            new.geometry = Some(g);
            let r = doc.replace_feature(vat, new, "Delete vertex", None);
            self.report(r);
            return;
        }
        let r = doc.remove_feature(at);
        self.report(r);
    }

    /// Paints what is being drawn and the handles of the selection.
    pub fn paint(&self, ctx: &egui::Context, doc: &Document, map: &MapState) {
        let Some(rect) = map.rect else { return };
        // On the map's own layer, after the map: under every window and menu.
        let painter = ctx.layer_painter(egui::LayerId::background()).with_clip_rect(rect);
        let ink = Color32::from_rgb(20, 20, 20);
        let accent = Color32::from_rgb(230, 97, 0);
        let to_screen = |p: &(f64, f64)| map.screen_from_lonlat(p.0, p.1);
        let pointer = ctx.input(|i| i.pointer.hover_pos()).filter(|p| rect.contains(*p));
        if self.is_drawing() {
            for ring in &self.rings {
                let pts: Vec<Pos2> = ring.iter().filter_map(to_screen).collect();
                painter.add(egui::Shape::closed_line(pts, Stroke::new(2.0, accent)));
            }
            let mut pts: Vec<Pos2> = self.points.iter().filter_map(to_screen).collect();
            let snapped = pointer.and_then(|p| snap(doc, map, p));
            if let Some(p) = pointer {
                pts.push(snapped.as_ref().and_then(|(ll, _)| to_screen(ll)).unwrap_or(p));
            }
            painter.line(pts.clone(), Stroke::new(4.0, Color32::WHITE));
            painter.line(pts.clone(), Stroke::new(2.0, accent));
            if self.tool == Tool::Area && pts.len() >= 3 {
                painter.line_segment([pts[pts.len() - 1], pts[0]], Stroke::new(1.0, accent));
            }
            for p in &pts[..self.points.len().min(pts.len())] {
                painter.circle(*p, 4.0, Color32::WHITE, Stroke::new(2.0, accent));
            }
            if let Some((ll, _)) = &snapped
                && let Some(p) = to_screen(ll)
            {
                painter.circle_stroke(p, SNAP_PX, Stroke::new(2.0, accent));
            }
        }
        if !self.editing || self.tool != Tool::Select {
            return;
        }
        let Some(Selection::Feature(at)) = doc.selection.current() else { return };
        let Some(f) = doc.feature(*at) else { return };
        let handles = handles(f, map);
        if handles.len() > MAX_HANDLES {
            return;
        }
        for (grab, p) in handles {
            match grab {
                Grab::Vertex(v) => {
                    let selected = self.vertex == Some((*at, v));
                    let fill = if selected { accent } else { Color32::WHITE };
                    painter.rect(egui::Rect::from_center_size(p, Vec2::splat(9.0)), 1.0, fill, Stroke::new(1.5, ink), egui::StrokeKind::Middle);
                }
                Grab::Midpoint(_) => {
                    painter.circle(p, 3.5, Color32::from_white_alpha(200), Stroke::new(1.0, ink));
                }
                Grab::Feature => {}
            }
        }
    }
}

/// The layer new drawings go into: the active one, or a new case when nothing is open.
fn target_layer(doc: &mut Document) -> usize {
    match doc.active() {
        Some(i) => i,
        None => doc.new_case("Untitled case", ""),
    }
}

/// The handles of a feature in view, in screen points: vertices, then segment midpoints.
fn handles(f: &Feature, map: &MapState) -> Vec<(Grab, Pos2)> {
    let (Some(g), Some(rect)) = (&f.geometry, map.rect) else { return Vec::new() };
    let view = rect.expand(HANDLE_PX);
    let mut out: Vec<(Grab, Pos2)> = vertices::vertices(g)
        .into_iter()
        .filter_map(|(v, c)| Some((Grab::Vertex(v), map.screen_from_lonlat(c.x, c.y)?)))
        .filter(|(_, p)| view.contains(*p))
        .collect();
    for (v, a, b) in vertices::segments(g) {
        if let (Some(pa), Some(pb)) = (map.screen_from_lonlat(a.x, a.y), map.screen_from_lonlat(b.x, b.y))
            && pa.distance(pb) > 4.0 * HANDLE_PX
        {
            let mid = pa + (pb - pa) / 2.0;
            if view.contains(mid) {
                out.push((Grab::Midpoint(v), mid));
            }
        }
    }
    out
}

/// The handle under a screen position, vertices before midpoints.
fn handle_at(f: &Feature, map: &MapState, pos: Pos2) -> Option<Grab> {
    let hs = handles(f, map);
    if hs.len() > MAX_HANDLES {
        return None;
    }
    hs.into_iter().filter(|(_, p)| p.distance(pos) <= HANDLE_PX).min_by(|a, b| a.1.distance(pos).total_cmp(&b.1.distance(pos))).map(|(g, _)| g)
}

/// The site of the layer being drawn into nearest a screen position, within [`SNAP_PX`]:
/// its place and id. (A site of another layer has an id this layer cannot point at.)
fn snap(doc: &Document, map: &MapState, pos: Pos2) -> Option<((f64, f64), String)> {
    let mut best: Option<(f32, (f64, f64), String)> = None;
    if let Some(l) = doc.active_layer().filter(|l| l.visible) {
        for f in l.layer.features.iter().filter(|f| f.kind() == FeatureKind::Site) {
            let Some(c) = f.geometry.as_ref().and_then(edit::point_of) else { continue };
            let Some(p) = map.screen_from_lonlat(c.x, c.y) else { continue };
            let d = p.distance(pos);
            if d <= SNAP_PX && best.as_ref().is_none_or(|b| d < b.0) {
                best = Some((d, (c.x, c.y), f.key().unwrap_or_default()));
            }
        }
    }
    best.map(|(_, p, id)| (p, id)).filter(|(_, id)| !id.is_empty())
}

/// The id of a site of the layer being drawn into exactly at a place (a snapped point).
fn site_at(doc: &Document, p: (f64, f64)) -> Option<String> {
    doc.active_layer()?.layer.features.iter().find_map(|f| {
        let c = f.geometry.as_ref().and_then(edit::point_of)?;
        (f.kind() == FeatureKind::Site && (c.x, c.y) == p).then(|| f.key()).flatten()
    })
}

/// Applies a drag to the pointer position `pos`, as one step with the drag's other moves.
fn dragged(d: &Drag, doc: &mut Document, map: &MapState, pos: Pos2) -> Result<(), String> {
    let lonlat = |p: Pos2| map.lonlat_at(p);
    let Some(ll) = lonlat(pos) else { return Ok(()) };
    let Some(g) = &d.original.geometry else { return Ok(()) };
    let mut new = d.original.clone();
    let (geometry, label) = match d.grab {
        Grab::Vertex(v) => {
            let is_point = matches!(g, geo::Geometry::Point(_) | geo::Geometry::MultiPoint(_));
            let is_route = matches!(new.kind(), FeatureKind::SeaRoute | FeatureKind::RailCorridor);
            let snapped = if is_point { None } else { snap(doc, map, pos) };
            let to = snapped.as_ref().map_or(ll, |(p, _)| *p);
            if is_route && matches!(g, geo::Geometry::LineString(_)) {
                let last = vertices::vertices(g).len().saturating_sub(1);
                let end = if v.index == 0 { Some("from_site") } else if v.index == last { Some("to_site") } else { None };
                if let Some(key) = end {
                    match &snapped {
                        Some((_, id)) => new.properties.insert(key.into(), serde_json::json!(id)),
                        None => new.properties.remove(key),
                    };
                }
            }
            (vertices::move_vertex(g, v, geo::coord! { x: to.0, y: to.1 }), if is_point { "Move site" } else { "Move vertex" })
        }
        Grab::Midpoint(v) => (vertices::insert_vertex(g, v, geo::coord! { x: ll.0, y: ll.1 }), "Add vertex"),
        Grab::Feature => {
            let Some(start) = lonlat(d.origin) else { return Ok(()) };
            (Some(vertices::translate(g, ll.0 - start.0, ll.1 - start.1)), "Move feature")
        }
    };
    let Some(geometry) = geometry else { return Ok(()) };
    new.geometry = Some(geometry);
    doc.replace_feature(d.at, new, label, Some(&d.key)).map_err(|e| e.to_string())
}
