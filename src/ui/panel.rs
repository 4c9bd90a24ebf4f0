//! The side panel: everything known about the selection, with every id a link to its item.

use egui::{Color32, RichText, Sense, Stroke, Vec2, pos2};

use crate::document::OpenLayer;
use crate::document::selection::{Selection, case_of, feature_ref};
use super::timeline::Timeline;
use crate::model::time::{DateRange, event_range};
use crate::model::{Case, Event, Feature, FeatureKind, FeatureRef, Source};

/// What the user asked for by clicking in the panel.
pub enum Action {
    Select(Selection),
    /// Add an AIS event feature to the case in `case_layer` (`Document::add_ais_event`).
    AddAisEvent { case_layer: usize, event: FeatureRef },
    /// Find an AIS layer's events again with these thresholds (and the open cases' sites as
    /// ports too, if asked).
    RerunAis { layer: usize, params: crate::ais::detect::Params, case_sites: bool, point_layers: bool },
    /// Open "Find imagery" for the selection.
    FindImagery,
}

/// Context the panel reads: the layers and the timeline (for dimming).
pub struct PanelCtx<'a> {
    pub layers: &'a [OpenLayer],
    pub timeline: Option<&'a Timeline>,
    pub actions: Vec<Action>,
    /// Who last changed an item of a shared case, and when (layer, kind, key).
    pub changed: &'a dyn Fn(usize, &str, &str) -> Option<String>,
}

impl PanelCtx<'_> {
    fn fade(&self, when: Option<DateRange>) -> f32 {
        self.timeline.map_or(1.0, |t| t.fade(when))
    }

    /// A link to another item; clicking it selects that item.
    pub(super) fn link(&mut self, ui: &mut egui::Ui, text: &str, target: Selection, faded: bool) {
        let mut rich = RichText::new(text);
        if faded {
            rich = rich.color(ui.visuals().weak_text_color());
        }
        if ui.link(rich).clicked() {
            self.actions.push(Action::Select(target));
        }
    }
}

pub fn panel_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, selection: &Selection) {
    let (kind, key) = match selection {
        Selection::Feature(at) => ("feature", ctx.layers.get(at.layer).and_then(|l| l.layer.features.get(at.feature)).and_then(|f| f.key()).unwrap_or_default()),
        Selection::Vessel { id, .. } => ("vessel", id.clone()),
        Selection::Source { id, .. } => ("source", id.clone()),
        Selection::Event { id, .. } => ("event", id.clone()),
    };
    if let Some(who) = (ctx.changed)(selection.layer(), kind, &key) {
        ui.label(RichText::new(format!("Last changed by {who}")).small().color(ui.visuals().weak_text_color()));
    }
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match selection {
        Selection::Feature(at) => {
            let Some(f) = ctx.layers.get(at.layer).and_then(|l| l.layer.features.get(at.feature)) else { return };
            let case = case_of(ctx.layers, at.layer);
            match f.kind() {
                _ if super::ais_panel::is_ais(f) => super::ais_panel::ais_ui(ui, ctx, *at, f),
                FeatureKind::Site => site_ui(ui, ctx, *at, f, case),
                FeatureKind::SeaRoute | FeatureKind::RailCorridor => route_ui(ui, ctx, *at, f, case),
                _ => plain_ui(ui, ctx, *at, f, case),
            }
        }
        Selection::Vessel { layer, id } => {
            if let Some(v) = case_of(ctx.layers, *layer).and_then(|c| c.vessel(id)) {
                vessel_ui(ui, ctx, *layer, v);
            }
        }
        Selection::Source { layer, id } => {
            if let Some(s) = case_of(ctx.layers, *layer).and_then(|c| c.source(id)) {
                source_ui(ui, ctx, *layer, s);
            }
        }
        Selection::Event { layer, id } => {
            if let Some(e) = case_of(ctx.layers, *layer).and_then(|c| c.event(id)) {
                event_ui(ui, ctx, *layer, e);
            }
        }
    });
}

pub(super) fn heading(ui: &mut egui::Ui, title: &str, kind: &str) {
    ui.label(RichText::new(kind.to_uppercase()).small().color(ui.visuals().weak_text_color()));
    ui.heading(title);
}

/// The mark of a claim no source backs yet.
fn unsourced_ui(ui: &mut egui::Ui, unsourced: bool) {
    if unsourced {
        ui.label(RichText::new("Unsourced: no report backs this").color(ui.visuals().warn_fg_color))
            .on_hover_text("Link a source in edit mode; `portolan check` lists every unsourced claim");
    }
}

pub(super) fn row(ui: &mut egui::Ui, key: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(format!("{key}:")).strong());
        ui.label(value);
    });
}

fn str_or(v: Option<&str>) -> &str {
    v.unwrap_or("")
}

fn site_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, at: FeatureRef, f: &Feature, case: Option<&Case>) {
    heading(ui, f.name().unwrap_or("Unnamed site"), str_or(f.str_prop("site_type")).replace('_', " ").as_str());
    unsourced_ui(ui, f.is_unsourced());
    let alt = f.list_prop("alt_names");
    if !alt.is_empty() {
        ui.label(format!("Also: {}", alt.join(" · ")));
    }
    ui.separator();
    let place = [f.str_prop("country"), f.str_prop("admin_area")].into_iter().flatten().collect::<Vec<_>>().join(", ");
    row(ui, "Where", &place);
    if let Some(geo::Geometry::Point(p)) = &f.geometry {
        let precision = f.f64_prop("precision_m").map_or(String::new(), |m| format!(" ± {m:.0} m"));
        row(ui, "Coordinates", &format!("{}{precision}", crate::index::measure::format_lonlat(p.x(), p.y())));
    }
    row(ui, "Coordinate from", str_or(f.str_prop("coord_basis")));
    sources_inline(ui, ctx, at.layer, case, &f.list_prop("coord_source_ids"));
    row(ui, "Confidence", str_or(f.str_prop("confidence")));
    if let Some(d) = f.str_prop("description") {
        ui.label(d);
    }
    let Some(case) = case else { return };
    let mut events: Vec<&Event> = f.list_prop("event_ids").iter().filter_map(|id| case.event(id)).collect();
    events.sort_by_key(|e| event_range(e).map(|r| r.first));
    ui.separator();
    ui.strong(format!("Events here ({})", events.len()));
    for e in &events {
        event_row(ui, ctx, at.layer, case, e);
    }
    imagery_ui(ui, ctx, &events);
    if ui.button("Find imagery of this site…").on_hover_text("Search a satellite catalogue for scenes of this place").clicked() {
        ctx.actions.push(Action::FindImagery);
    }
    ui.separator();
    ui.strong("Reports");
    sources_list(ui, ctx, at.layer, case, &f.list_prop("source_ids"));
}

/// One event in a list: its date (event time), title, evidence and figure, and when it was
/// first reported when that differs.
fn event_row(ui: &mut egui::Ui, ctx: &mut PanelCtx, layer: usize, case: &Case, e: &Event) {
    let when = event_range(e);
    let faded = ctx.fade(when) < 1.0;
    ui.horizontal_wrapped(|ui| {
        let date = match &e.date_end {
            Some(end) => format!("{} – {end}", e.date_start),
            None => e.date_start.clone(),
        };
        let mut text = RichText::new(date).monospace();
        if faded {
            text = text.color(ui.visuals().weak_text_color());
        }
        ui.label(text);
        ctx.link(ui, &e.title, Selection::Event { layer, id: e.id.clone() }, faded);
    });
    ui.indent(&e.id, |ui| {
        let weak = ui.visuals().weak_text_color();
        let mut details = Vec::new();
        if !e.evidence_types.is_empty() {
            details.push(e.evidence_types.join(", ").replace('_', " "));
        }
        if let Some(fig) = &e.figure {
            let value = match &fig.value {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            details.push(format!("{} {value} {}", fig.qualifier, fig.unit).trim().to_owned());
        }
        if let Some(reported) = first_report(case, e).filter(|r| Some(r.first) != when.map(|w| w.first)) {
            details.push(format!("reported {}", reported.first));
        }
        if !details.is_empty() {
            ui.label(RichText::new(details.join(" · ")).small().color(weak));
        }
    });
}

/// When the event was first reported: the earliest dated source behind it.
fn first_report(case: &Case, e: &Event) -> Option<DateRange> {
    e.source_ids.iter().filter_map(|id| case.source(id)).filter_map(|s| DateRange::parse(&s.date)).min_by_key(|r| r.first)
}

/// Image dates with their provider, and a strip of them over time.
fn imagery_ui(ui: &mut egui::Ui, ctx: &PanelCtx, events: &[&Event]) {
    let mut images: Vec<(DateRange, String, String)> = Vec::new();
    for e in events {
        let provider = e.imagery_provider.clone().unwrap_or_else(|| "provider not named".into());
        for d in &e.image_dates {
            if let Some(r) = DateRange::parse(d) {
                images.push((r, d.clone(), provider.clone()));
            }
        }
    }
    if images.is_empty() {
        return;
    }
    images.sort_by_key(|(r, _, _)| r.first);
    images.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
    ui.separator();
    ui.strong(format!("Satellite images ({})", images.len()));
    let first = images.iter().map(|i| i.0.first.0).min().unwrap_or(0);
    let last = images.iter().map(|i| i.0.last.0).max().unwrap_or(first).max(first + 1);
    let (rect, _) = ui.allocate_exact_size(Vec2::new(ui.available_width(), 18.0), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.line_segment([pos2(rect.left(), rect.center().y), pos2(rect.right(), rect.center().y)], Stroke::new(1.0, ui.visuals().weak_text_color()));
    let x = |d: i32| rect.left() + 4.0 + (rect.width() - 8.0) * (d - first) as f32 / (last - first) as f32;
    for (r, _, _) in &images {
        let color = if ctx.fade(Some(*r)) < 1.0 { Color32::from_gray(170) } else { Color32::from_rgb(0, 114, 178) };
        let (a, b) = (x(r.first.0), x(r.last.0).max(x(r.first.0) + 3.0));
        painter.rect_filled(egui::Rect::from_x_y_ranges(a..=b, rect.top() + 4.0..=rect.bottom() - 4.0), 1.0, color);
    }
    for (r, text, provider) in &images {
        let mut line = RichText::new(format!("{text} — {provider}")).small();
        if ctx.fade(Some(*r)) < 1.0 {
            line = line.color(ui.visuals().weak_text_color());
        }
        ui.label(line);
    }
}

/// Source ids as short inline links (publisher, date).
fn sources_inline(ui: &mut egui::Ui, ctx: &mut PanelCtx, layer: usize, case: Option<&Case>, ids: &[&str]) {
    let Some(case) = case else { return };
    if ids.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        for id in ids {
            let label = case.source(id).map_or(id.to_string(), short_source);
            ctx.link(ui, &label, Selection::Source { layer, id: id.to_string() }, false);
        }
    });
}

fn short_source(s: &Source) -> String {
    let publisher = s.publisher.split(" (").next().unwrap_or(&s.publisher);
    if s.date.is_empty() { publisher.to_owned() } else { format!("{publisher}, {}", s.date) }
}

/// Source reports: publisher and date (a link to the source's page in the panel), and the
/// title as a hyperlink that opens the report in the browser, its URL shown on hover.
fn sources_list(ui: &mut egui::Ui, ctx: &mut PanelCtx, layer: usize, case: &Case, ids: &[&str]) {
    for id in ids {
        let Some(s) = case.source(id) else {
            ui.label(RichText::new(format!("{id} (not in the case)")).italics());
            continue;
        };
        let faded = ctx.fade(DateRange::parse(&s.date)) < 1.0;
        ctx.link(ui, &short_source(s), Selection::Source { layer, id: s.id.clone() }, faded);
        ui.indent(&s.id, |ui| {
            if s.url.is_empty() {
                ui.label(&s.title);
            } else {
                ui.hyperlink_to(&s.title, &s.url).on_hover_text(&s.url);
            }
        });
    }
}

fn route_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, at: FeatureRef, f: &Feature, case: Option<&Case>) {
    heading(ui, f.name().unwrap_or("Unnamed route"), crate::scene::style::kind_label(&f.kind()));
    unsourced_ui(ui, f.is_unsourced());
    ui.separator();
    row(ui, "Mode", str_or(f.str_prop("mode")));
    let status = match f.str_prop("status_detail") {
        Some(d) => format!("{} ({})", str_or(f.str_prop("status")), d.replace('_', " ")),
        None => str_or(f.str_prop("status")).to_owned(),
    };
    row(ui, "Status", &status);
    row(ui, "AIS", str_or(f.str_prop("ais")));
    row(ui, "Period", str_or(f.str_prop("period")));
    if let Some(metres) = geodesic_length(f) {
        row(ui, "Length", &format!("{:.0} km · {:.0} nmi (as drawn)", metres / 1000.0, metres / 1852.0));
    }
    for (key, label) in [("from_site", "From"), ("to_site", "To")] {
        if let Some(id) = f.str_prop(key)
            && let Some(target) = feature_ref(ctx.layers, at.layer, id)
        {
            let name = ctx.layers[at.layer].layer.features[target.feature].name().unwrap_or(id).to_owned();
            ui.horizontal(|ui| {
                ui.label(RichText::new(format!("{label}:")).strong());
                ctx.link(ui, &name, Selection::Feature(target), false);
            });
        }
    }
    if let Some(case) = case {
        let vessels = f.list_prop("vessel_ids");
        if !vessels.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new("Vessels:").strong());
                for id in vessels {
                    let name = case.vessel(id).map_or(id.to_owned(), |v| v.name.clone());
                    ctx.link(ui, &name, Selection::Vessel { layer: at.layer, id: id.to_owned() }, false);
                }
            });
        }
        if let Some(note) = f.str_prop("note") {
            ui.label(RichText::new(note).small());
        }
        ui.separator();
        ui.strong("Reports");
        sources_list(ui, ctx, at.layer, case, &f.list_prop("source_ids"));
    }
}

/// Geodesic length of a feature's lines in metres (WGS84).
pub fn geodesic_length(f: &Feature) -> Option<f64> {
    use geo::{Geodesic, Length};
    match f.geometry.as_ref()? {
        geo::Geometry::LineString(l) => Some(Geodesic.length(l)),
        geo::Geometry::MultiLineString(ml) => Some(ml.0.iter().map(|l| Geodesic.length(l)).sum()),
        _ => None,
    }
}

fn plain_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, at: FeatureRef, f: &Feature, case: Option<&Case>) {
    heading(ui, f.name().unwrap_or("Unnamed feature"), crate::scene::style::kind_label(&f.kind()));
    unsourced_ui(ui, f.is_unsourced());
    if let Some(l) = ctx.layers.get(at.layer) {
        ui.label(RichText::new(format!("layer {}", l.layer.name)).small());
    }
    ui.separator();
    egui::Grid::new("props").striped(true).num_columns(2).show(ui, |ui| {
        for (k, v) in f.properties.iter() {
            ui.label(RichText::new(k).strong());
            let text = match v {
                serde_json::Value::String(s) => s,
                v => v.to_string(),
            };
            ui.label(text);
            ui.end_row();
        }
    });
    if let Some(case) = case {
        sources_list(ui, ctx, at.layer, case, &f.list_prop("source_ids"));
    }
}

fn vessel_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, layer: usize, v: &crate::model::Vessel) {
    heading(ui, &v.name, "vessel");
    if !v.alt_names.is_empty() {
        ui.label(format!("Also: {}", v.alt_names.join(" · ")));
    }
    ui.separator();
    for (k, val) in [
        ("IMO", &v.imo),
        ("MMSI", &v.mmsi),
        ("Call sign", &v.call_sign),
        ("Flag", &v.flag),
        ("Type", &v.vessel_type),
        ("Owners", &v.owners),
        ("Sanctions", &v.sanctions),
        ("AIS", &v.ais_behaviour),
    ] {
        row(ui, k, val.as_deref().unwrap_or("not known"));
    }
    let routes: Vec<(FeatureRef, String)> = ctx.layers.get(layer).map_or(Vec::new(), |l| {
        l.layer.features.iter().enumerate()
            .filter(|(_, f)| f.list_prop("vessel_ids").contains(&v.id.as_str()))
            .map(|(i, f)| (FeatureRef { layer, feature: i }, f.name().unwrap_or("route").to_owned()))
            .collect()
    });
    ui.separator();
    ui.strong(format!("Routes ({}, highlighted on the map)", routes.len()));
    for (at, name) in routes {
        ctx.link(ui, &name, Selection::Feature(at), false);
    }
    if let Some(case) = case_of(ctx.layers, layer) {
        let mut events: Vec<&Event> = case.events.iter().filter(|e| e.vessel_ids.contains(&v.id)).collect();
        events.sort_by_key(|e| event_range(e).map(|r| r.first));
        ui.separator();
        ui.strong(format!("Events ({})", events.len()));
        for e in events {
            event_row(ui, ctx, layer, case, e);
        }
        ui.separator();
        ui.strong("Reports");
        let ids: Vec<&str> = v.source_ids.iter().map(String::as_str).collect();
        sources_list(ui, ctx, layer, case, &ids);
    }
}

fn source_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, layer: usize, s: &Source) {
    heading(ui, &s.title, if s.kind.is_empty() { "source" } else { &s.kind });
    ui.separator();
    row(ui, "Publisher", &s.publisher);
    row(ui, "Date", &s.date);
    if !s.url.is_empty() {
        ui.hyperlink_to(&s.url, &s.url).on_hover_text("Open in the browser");
    }
    if let Some(a) = &s.archive_url {
        ui.hyperlink_to("Archived copy", a).on_hover_text(a);
    }
    let Some(case) = case_of(ctx.layers, layer) else { return };
    ui.separator();
    ui.strong("Supports (highlighted on the map)");
    let features: Vec<(FeatureRef, String)> = ctx.layers[layer].layer.features.iter().enumerate()
        .filter(|(_, f)| f.list_prop("source_ids").contains(&s.id.as_str()) || f.list_prop("coord_source_ids").contains(&s.id.as_str()))
        .map(|(i, f)| (FeatureRef { layer, feature: i }, f.name().unwrap_or("feature").to_owned()))
        .collect();
    for (at, name) in features {
        ctx.link(ui, &name, Selection::Feature(at), false);
    }
    let mut events: Vec<&Event> = case.events.iter().filter(|e| e.source_ids.contains(&s.id)).collect();
    events.sort_by_key(|e| event_range(e).map(|r| r.first));
    for e in events {
        event_row(ui, ctx, layer, case, e);
    }
    for v in case.vessels.iter().filter(|v| v.source_ids.contains(&s.id)) {
        ctx.link(ui, &format!("Vessel {}", v.name), Selection::Vessel { layer, id: v.id.clone() }, false);
    }
}

fn event_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, layer: usize, e: &Event) {
    let kind = if e.kind.is_empty() { "event".to_owned() } else { e.kind.replace('_', " ") };
    heading(ui, &e.title, &kind);
    unsourced_ui(ui, e.is_unsourced());
    ui.separator();
    let date = match &e.date_end {
        Some(end) => format!("{} – {end}", e.date_start),
        None => e.date_start.clone(),
    };
    row(ui, "When", &format!("{date} ({})", e.date_precision));
    let Some(case) = case_of(ctx.layers, layer) else { return };
    if let Some(r) = first_report(case, e) {
        row(ui, "First reported", &r.first.to_string());
    }
    ui.label(&e.summary);
    ui.horizontal_wrapped(|ui| {
        for id in &e.site_ids {
            if let Some(at) = feature_ref(ctx.layers, layer, id) {
                let name = ctx.layers[layer].layer.features[at.feature].name().unwrap_or(id).to_owned();
                ctx.link(ui, &name, Selection::Feature(at), false);
            }
        }
        for id in &e.vessel_ids {
            let name = case.vessel(id).map_or(id.clone(), |v| v.name.clone());
            ctx.link(ui, &name, Selection::Vessel { layer, id: id.clone() }, false);
        }
    });
    imagery_ui(ui, ctx, &[e]);
    ui.separator();
    ui.strong("Reports");
    let ids: Vec<&str> = e.source_ids.iter().map(String::as_str).collect();
    sources_list(ui, ctx, layer, case, &ids);
}
