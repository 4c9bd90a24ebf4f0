//! The layers panel (basemap, kinds, files: visibility, opacity, order), the legend, and the
//! list of problems found in opened files.

use egui::{RichText, Sense, Vec2};

use crate::document::OpenLayer;
use crate::basemap::LayerKind;
use crate::document::selection::Selection;
use crate::io::{Place, Severity};
use crate::model::{FeatureKind, FeatureRef};
use crate::scene::legend;

/// Kinds the user can switch off, with their names in the panel.
pub const KINDS: [(&str, &str); 5] = [
    ("site", "Sites"),
    ("sea_route", "Sea routes"),
    ("rail_corridor", "Rail corridors"),
    ("area", "Areas"),
    ("other", "Other features"),
];

/// The key of a kind in the visibility settings.
pub fn kind_key(kind: &FeatureKind) -> &'static str {
    match kind {
        FeatureKind::Site => "site",
        FeatureKind::SeaRoute => "sea_route",
        FeatureKind::RailCorridor => "rail_corridor",
        FeatureKind::Area => "area",
        FeatureKind::Other(_) => "other",
    }
}

/// What the panel asks the app to do.
pub enum LayerAction {
    Remove(usize),
    MoveUp(usize),
    ShowProblems,
    /// Extract the AIS archive's vessels in view and find their events.
    AisEventsInView(usize),
    /// The history of a shared case.
    History(usize),
}

/// The layers that come from a database, for the buttons only they have.
#[derive(Default)]
pub struct DbRows {
    pub archives: Vec<crate::document::LayerId>,
    pub shared: Vec<crate::document::LayerId>,
}

/// The offline basemap's layers the user can switch off, with their names in the panel.
const BASEMAP_LAYERS: [(LayerKind, &str); 11] = [
    (LayerKind::Land, "Land"),
    (LayerKind::Coastline, "Coastlines"),
    (LayerKind::Boundaries, "Country borders"),
    (LayerKind::Admin1Lines, "Province borders"),
    (LayerKind::Rivers, "Rivers"),
    (LayerKind::Lakes, "Lakes"),
    (LayerKind::UrbanAreas, "Urban areas"),
    (LayerKind::Railroads, "Railways"),
    (LayerKind::Ports, "Ports"),
    (LayerKind::Places, "Place names"),
    (LayerKind::CountryLabels, "Country names"),
];

pub fn layers_ui(
    ui: &mut egui::Ui,
    layers: &mut [OpenLayer],
    hidden_kinds: &mut std::collections::BTreeSet<String>,
    basemap_name: &str,
    hidden_basemap: &mut Vec<LayerKind>,
    db: &DbRows,
) -> Vec<LayerAction> {
    let mut actions = Vec::new();
    ui.strong("Basemap");
    ui.label(basemap_name).on_hover_text("Change it in the Tiles menu");
    egui::CollapsingHeader::new("Basemap layers").show(ui, |ui| {
        for (kind, label) in BASEMAP_LAYERS {
            let mut shown = !hidden_basemap.contains(&kind);
            if ui.checkbox(&mut shown, label).changed() {
                if shown {
                    hidden_basemap.retain(|k| *k != kind);
                } else {
                    hidden_basemap.push(kind);
                }
            }
        }
    });
    ui.separator();
    ui.strong("Case layers");
    for (key, label) in KINDS {
        let mut shown = !hidden_kinds.contains(key);
        if ui.checkbox(&mut shown, label).changed() {
            if shown {
                hidden_kinds.remove(key);
            } else {
                hidden_kinds.insert(key.to_owned());
            }
        }
    }
    ui.separator();
    ui.strong("Files (top is drawn last)");
    let n = layers.len();
    for (i, l) in layers.iter_mut().enumerate().rev() {
        ui.horizontal(|ui| {
            let name = if l.layer.name.is_empty() { "layer".to_owned() } else { l.layer.name.clone() };
            let origin = l.path.as_ref().map_or("built-in sample case".into(), |p| p.display().to_string());
            ui.checkbox(&mut l.visible, RichText::new(name).strong()).on_hover_text(origin);
            let problems = l.diagnostics.iter().filter(|d| d.severity >= Severity::Warning).count();
            if problems > 0 && ui.link(format!("{problems} problems")).clicked() {
                actions.push(LayerAction::ShowProblems);
            }
        });
        ui.horizontal(|ui| {
            ui.add(egui::Slider::new(&mut l.opacity, 0.0..=1.0).text("opacity").show_value(false));
            if i + 1 < n && ui.small_button("Up").on_hover_text("Draw above the next layer").clicked() {
                actions.push(LayerAction::MoveUp(i));
            }
            if ui.small_button("×").on_hover_text("Close this layer").clicked() {
                actions.push(LayerAction::Remove(i));
            }
        });
        if db.shared.contains(&l.id) && ui.button("History…").on_hover_text("Every save of this shared case: who, when, what; any of them opens read-only").clicked() {
            actions.push(LayerAction::History(i));
        }
        if db.archives.contains(&l.id)
            && ui.button("Find AIS events in view").on_hover_text("The positions of the vessels in view over the timeline's period, extracted to a file and opened with the detectors' events").clicked()
        {
            actions.push(LayerAction::AisEventsInView(i));
        }
        overlay_switches(ui, l);
    }
    actions
}

/// The legend of what is visible, painted with the map's own symbols.
pub fn legend_ui(ui: &mut egui::Ui, layers: &[OpenLayer], hidden_kinds: &std::collections::BTreeSet<String>) {
    let mut kinds: Vec<FeatureKind> = Vec::new();
    let (mut ais_off, mut low) = (false, false);
    for l in layers.iter().filter(|l| l.visible && l.opacity > 0.0) {
        for f in &l.layer.features {
            let k = match f.kind() {
                FeatureKind::Other(_) => FeatureKind::Other(String::new()),
                k => k,
            };
            if hidden_kinds.contains(kind_key(&k)) {
                continue;
            }
            ais_off |= f.str_prop("ais") == Some("off");
            low |= f.kind() == FeatureKind::Site && f.str_prop("confidence").is_some_and(|c| c.starts_with("low"));
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
    }
    kinds.sort();
    ui.strong("Legend");
    for entry in legend::entries(&kinds, ais_off, low) {
        ui.horizontal(|ui| {
            let (rect, _) = ui.allocate_exact_size(Vec2::new(legend::SWATCH[0], legend::SWATCH[1]), Sense::hover());
            let painter = ui.painter_at(rect.expand(2.0));
            for p in &entry.swatch {
                super::paint::paint_primitive(&painter, p, rect.min);
            }
            ui.label(entry.label);
        });
    }
}

/// Every problem of every opened file; one naming a feature selects it when clicked.
pub fn problems_ui(ui: &mut egui::Ui, layers: &[OpenLayer], load_errors: &[String]) -> Option<Selection> {
    let mut picked = None;
    egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
        for e in load_errors {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        for (li, l) in layers.iter().enumerate() {
            if l.diagnostics.is_empty() {
                continue;
            }
            ui.strong(l.path.as_ref().map_or(l.layer.name.clone(), |p| p.display().to_string()));
            for d in &l.diagnostics {
                let color = match d.severity {
                    Severity::Error => ui.visuals().error_fg_color,
                    Severity::Warning => ui.visuals().warn_fg_color,
                    Severity::Info => ui.visuals().weak_text_color(),
                };
                let target = match &d.place {
                    Place::Feature { id: Some(id), .. } => crate::document::selection::feature_ref(layers, li, id),
                    _ => None,
                };
                let text = RichText::new(d.to_string()).color(color);
                match target {
                    Some(at) => {
                        if ui.link(text).on_hover_text("Select this feature").clicked() {
                            picked = Some(Selection::Feature(FeatureRef { layer: at.layer, feature: at.feature }));
                        }
                    }
                    None => {
                        ui.label(text);
                    }
                }
            }
        }
    });
    picked
}

/// A switch per image overlay of a layer (GroundOverlay, ScreenOverlay), indented under it.
fn overlay_switches(ui: &mut egui::Ui, l: &mut OpenLayer) {
    let layer = l.layer.clone();
    for (i, o) in layer.overlays.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.add_space(18.0);
            let name = if o.name.is_empty() { format!("overlay {}", i + 1) } else { o.name.clone() };
            let what = if o.is_screen() { "screen overlay" } else { "image overlay" };
            let mut shown = !l.hidden_overlays.contains(&i);
            let hover = match &o.image {
                Some(img) => format!("{what}, {}×{} pixels, from {}", img.width, img.height, o.href),
                None => format!("{what}: its picture {} could not be loaded (see the problems)", o.href),
            };
            let response = ui.add_enabled(o.image.is_some(), egui::Checkbox::new(&mut shown, name)).on_hover_text(hover);
            if response.changed() {
                if shown {
                    l.hidden_overlays.remove(&i);
                } else {
                    l.hidden_overlays.insert(i);
                }
            }
        });
    }
}
