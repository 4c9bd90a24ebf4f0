//! The side panel's pages for AIS layers (`ais::output` features): a vessel page (identifiers,
//! time span, positions, its events by date, filterable) and an event page (the evidence: the
//! last and first positions, duration, distance, implied speed, distance from shore).
//! Clicking an event selects it, and the map fits to it.

use egui::RichText;

use super::panel::{Action, PanelCtx, heading, row};
use crate::document::selection::Selection;
use crate::model::{Feature, FeatureRef};

/// The AIS event kinds as the layer writes them, with their names in the panel.
const KINDS: [(&str, &str); 5] = [
    ("ais_gap", "Gaps"),
    ("ais_port_call", "Port calls"),
    ("ais_loitering", "Loitering"),
    ("ais_encounter", "Encounters"),
    ("ais_suspect_jump", "Suspect positions"),
];

/// Which kinds the events list shows, and whether it lists every vessel's; kept per window.
#[derive(Clone)]
struct Filter {
    shown: [bool; KINDS.len()],
    all_vessels: bool,
}

impl Default for Filter {
    fn default() -> Self {
        Filter { shown: [true; KINDS.len()], all_vessels: false }
    }
}

/// Whether `f` is a feature of an AIS layer.
pub fn is_ais(f: &Feature) -> bool {
    f.str_prop("kind").is_some_and(|k| k.starts_with("ais_"))
}

fn text(f: &Feature, key: &str) -> String {
    match f.properties.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// "2023-08-01T09:55:00Z" as "2023-08-01 09:55 UTC".
fn when(iso: &str) -> String {
    if iso.len() >= 16 { format!("{} {} UTC", &iso[..10], &iso[11..16]) } else { iso.to_owned() }
}

pub fn ais_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, at: FeatureRef, f: &Feature) {
    if f.str_prop("kind") == Some("ais_track") {
        vessel_ui(ui, ctx, at, f);
    } else {
        event_ui(ui, ctx, at, f);
    }
}

fn vessel_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, at: FeatureRef, f: &Feature) {
    heading(ui, f.name().unwrap_or("Vessel"), "vessel (AIS)");
    ui.separator();
    for (key, label) in [("mmsi", "MMSI"), ("imo", "IMO"), ("call_sign", "Call sign"), ("vessel_type", "Type")] {
        row(ui, label, &text(f, key));
    }
    row(ui, "From", &when(&text(f, "start")));
    row(ui, "To", &when(&text(f, "end")));
    let suspect = text(f, "suspect_positions");
    let positions = text(f, "positions");
    row(ui, "Positions", &if suspect.is_empty() || suspect == "0" { positions } else { format!("{positions} ({suspect} suspect, not drawn)") });
    ui.separator();
    let id = ui.make_persistent_id("ais-events-filter");
    let mut filter: Filter = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    ui.strong("Events");
    ui.horizontal_wrapped(|ui| {
        for (i, (_, name)) in KINDS.iter().enumerate() {
            ui.checkbox(&mut filter.shown[i], *name);
        }
    });
    ui.checkbox(&mut filter.all_vessels, "Every vessel in the layer");
    ui.data_mut(|d| d.insert_temp(id, filter.clone()));
    let mmsi = text(f, "mmsi");
    let Some(layer) = ctx.layers.get(at.layer) else { return };
    thresholds_ui(ui, ctx, at.layer, &layer.layer);
    let mut events: Vec<(FeatureRef, &Feature)> = layer
        .layer
        .features
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let kind = e.str_prop("kind").unwrap_or("");
            KINDS.iter().position(|(k, _)| *k == kind).is_some_and(|i| filter.shown[i])
                && (filter.all_vessels || text(e, "mmsi") == mmsi || text(e, "other_mmsi") == mmsi)
        })
        .map(|(i, e)| (FeatureRef { layer: at.layer, feature: i }, e))
        .collect();
    events.sort_by(|a, b| text(a.1, "start").cmp(&text(b.1, "start")));
    ui.label(RichText::new(format!("{} events, by date; click one to show it", events.len())).small());
    for (to, e) in events.iter().take(500) {
        let who = if filter.all_vessels { format!("{} · ", text(e, "vessel_name").if_empty(|| text(e, "mmsi"))) } else { String::new() };
        let line = format!("{} · {who}{}", when(&text(e, "start")), e.name().unwrap_or("event"));
        ctx.link(ui, &line, Selection::Feature(*to), false);
    }
    if events.len() > 500 {
        ui.label(format!("… and {} more (narrow the filter)", events.len() - 500));
    }
    if events.iter().any(|(_, e)| e.str_prop("kind") == Some("ais_gap")) {
        ui.label(RichText::new(crate::ais::detect::GAP_CAVEAT).small().italics());
    }
}

/// The thresholds the layer's events were found with, editable, and "Find events again".
fn thresholds_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, layer_index: usize, layer: &crate::model::Layer) {
    use crate::ais::detect::{Params, Preset};
    let made_with = crate::ais::output::thresholds(layer).unwrap_or_default();
    let id = ui.make_persistent_id(("ais-thresholds", layer_index));
    let (mut p, mut case_sites, mut point_layers): (Params, bool, bool) = ui.data(|d| d.get_temp(id)).unwrap_or((made_with, false, false));
    egui::CollapsingHeader::new("Detector thresholds").id_salt(id).show(ui, |ui| {
        ui.horizontal(|ui| {
            for preset in Preset::ALL {
                if ui.selectable_label(p == preset.params(), preset.name()).on_hover_text("Use this preset (see the README's table)").clicked() {
                    p = preset.params();
                }
            }
        });
        egui::Grid::new(id.with("grid")).num_columns(2).show(ui, |ui| {
            let field = |ui: &mut egui::Ui, name: &str, v: &mut f64, unit: &str, max: f64| {
                let l = ui.label(name);
                ui.add(egui::DragValue::new(v).range(0.0..=max).speed(0.1).suffix(unit)).labelled_by(l.id);
                ui.end_row();
            };
            field(ui, "Gap from", &mut p.gap_hours, " h", 720.0);
            field(ui, "Likely switched off from", &mut p.off_hours, " h", 720.0);
            field(ui, "… both ends from shore (0: off)", &mut p.shore_nm, " nm", 1000.0);
            field(ui, "Port call: within", &mut p.port_enter_km, " km", 100.0);
            field(ui, "… over beyond", &mut p.port_exit_km, " km", 100.0);
            field(ui, "… at least", &mut p.port_min_hours, " h", 240.0);
            field(ui, "Loitering: under", &mut p.loiter_knots, " kn", 20.0);
            field(ui, "… for at least", &mut p.loiter_hours, " h", 240.0);
            field(ui, "Encounter: within", &mut p.meet_metres, " m", 10_000.0);
            field(ui, "… lasting at least", &mut p.meet_hours, " h", 240.0);
            field(ui, "… at a median under", &mut p.meet_knots, " kn", 20.0);
            field(ui, "Away from ports by", &mut p.port_clear_km, " km", 200.0);
        });
        ui.checkbox(&mut case_sites, "Count the open cases' sites as ports");
        ui.checkbox(&mut point_layers, "Count the points of the other layers as ports");
        let changed = p != made_with || case_sites || point_layers;
        if ui.add_enabled(changed, egui::Button::new("Find events again")).clicked() {
            ctx.actions.push(Action::RerunAis { layer: layer_index, params: p, case_sites, point_layers });
        }
    });
    ui.data_mut(|d| d.insert_temp(id, (p, case_sites, point_layers)));
}

fn event_ui(ui: &mut egui::Ui, ctx: &mut PanelCtx, at: FeatureRef, f: &Feature) {
    let kind = f.str_prop("kind").unwrap_or("");
    let kind_name = KINDS.iter().find(|(k, _)| *k == kind).map_or("AIS event", |(_, n)| n.trim_end_matches('s'));
    heading(ui, f.name().unwrap_or("AIS event"), kind_name);
    let mmsi = text(f, "mmsi");
    if let Some(layer) = ctx.layers.get(at.layer) {
        let track = |m: &str| layer.layer.features.iter().position(|t| t.str_prop("kind") == Some("ais_track") && text(t, "mmsi") == m);
        for (label, m) in [("Vessel", mmsi.clone()), ("With", text(f, "other_mmsi"))] {
            if m.is_empty() {
                continue;
            }
            if let Some(i) = track(&m) {
                let name = layer.layer.features[i].name().unwrap_or("vessel").to_owned();
                ui.horizontal(|ui| {
                    ui.label(RichText::new(format!("{label}:")).strong());
                    ctx.link(ui, &format!("{name} (MMSI {m})"), Selection::Feature(FeatureRef { layer: at.layer, feature: i }), false);
                });
            }
        }
    }
    ui.separator();
    let gap = kind == "ais_gap";
    row(ui, if gap { "Last seen" } else { "From" }, &when(&text(f, "start")));
    row(ui, if gap { "Seen again" } else { "To" }, &when(&text(f, "end")));
    row(ui, "Hours", &text(f, "hours"));
    if let Some(geo::Geometry::LineString(l)) = &f.geometry
        && let (Some(a), Some(b)) = (l.0.first(), l.0.last())
    {
        row(ui, "Last position", &format!("{:.4}° N {:.4}° E", a.y, a.x));
        row(ui, "First position after", &format!("{:.4}° N {:.4}° E", b.y, b.x));
    }
    row(ui, "Distance", &format!("{} km", text(f, "distance_km")));
    row(ui, "Implied speed", &format!("{} kn", text(f, "implied_knots")));
    row(ui, "From shore", &text(f, "shore_nm").if_empty_then(|s| format!("{s} nm")));
    row(ui, "Port", &text(f, "port"));
    if gap {
        let off = f.properties.get("likely_switched_off").is_some_and(|v| v.as_bool() == Some(true));
        row(ui, "Verdict", if off { "likely switched off (12 h or more, both ends far from shore)" } else { "a gap in reception" });
        ui.label(RichText::new(crate::ais::detect::GAP_CAVEAT).small().italics());
    }
    ui.separator();
    // Into the case: the first open case (a new one from File → New case).
    let case = ctx.layers.iter().enumerate().find_map(|(i, l)| Some((i, l.layer.case.as_ref()?.title.clone())));
    match case {
        Some((case_layer, title)) => {
            let title = if title.is_empty() { "the case".to_owned() } else { format!("“{title}”") };
            if ui.button(format!("Add to {title}")).on_hover_text("As an event with evidence type “ais data”, linked to the vessel (added to the case if it is not there)").clicked() {
                ctx.actions.push(Action::AddAisEvent { case_layer, event: at });
            }
        }
        None => {
            ui.add_enabled(false, egui::Button::new("Add to a case")).on_disabled_hover_text("Open a case, or start one with File → New case, to add this event to it");
        }
    }
}

trait IfEmpty {
    fn if_empty(self, other: impl FnOnce() -> String) -> String;
    fn if_empty_then(self, f: impl FnOnce(&str) -> String) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, other: impl FnOnce() -> String) -> String {
        if self.is_empty() { other() } else { self }
    }
    /// Formats a value that is there; empty stays empty (and the row is left out).
    fn if_empty_then(self, f: impl FnOnce(&str) -> String) -> String {
        if self.is_empty() { self } else { f(&self) }
    }
}
