//! The property editor: the side panel in edit mode. Forms for a feature, a source, a
//! vessel, an event, and the case itself; every change is an edit of the document, the
//! letters typed into one field one undo step.

use egui::{RichText, TextEdit};
use serde_json::{Value, json};

use crate::document::edit::{linked, unique_id};
use crate::document::selection::{Selection, feature_ref};
use crate::document::{Change, Document, Edit, Info, Op};
use crate::model::time::DateRange;
use crate::model::{Event, Feature, FeatureKind, FeatureRef, Figure, Source, Vessel};

/// Properties the feature form has its own fields for; the rest are listed as they are.
const KNOWN: [&str; 13] = [
    "id", "kind", "name", "alt_names", "confidence", "precision_m", "status", "ais", "period", "source_ids", "event_ids", "vessel_ids", "description",
];

/// What a form asks of the app once it is drawn.
#[derive(Default)]
pub struct Outcome {
    /// Show this item next (a link followed, a record just created).
    pub select: Option<Selection>,
    /// A field lost focus: the next edit starts a new undo step.
    pub seal: bool,
    /// An edit the document refused, or a saved copy that could not be read.
    pub problem: Option<String>,
    /// A field has the keyboard.
    pub typing: bool,
}

/// The form for the selection, or for the case when nothing is selected.
pub fn editor_ui(ui: &mut egui::Ui, doc: &mut Document, selection: Option<&Selection>) -> Outcome {
    let mut out = Outcome::default();
    // Fields keep drafts by id: one set per item, so a draft never shows on another item.
    ui.push_id(format!("{selection:?}"), |ui| editor_body_ui(ui, doc, selection, &mut out));
    out
}

fn editor_body_ui(ui: &mut egui::Ui, doc: &mut Document, selection: Option<&Selection>, out: &mut Outcome) {
    egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match selection {
        Some(Selection::Feature(at)) => feature_form(ui, doc, *at, out),
        Some(Selection::Source { layer, id }) => source_form(ui, doc, *layer, id, out),
        Some(Selection::Vessel { layer, id }) => vessel_form(ui, doc, *layer, id, out),
        Some(Selection::Event { layer, id }) => event_form(ui, doc, *layer, id, out),
        None => match doc.active() {
            Some(layer) => case_form(ui, doc, layer, out),
            None => {
                ui.label("Nothing is open to edit. File → New case starts one.");
            }
        },
    });
}

fn heading(ui: &mut egui::Ui, kind: &str, title: &str) {
    ui.label(RichText::new(format!("EDITING {}", kind.to_uppercase())).small().color(ui.visuals().weak_text_color()));
    // One line, cut short: the fields below must not jump while the title is typed.
    let title = if title.is_empty() { "Untitled" } else { title };
    ui.add(egui::Label::new(RichText::new(title).heading()).truncate()).on_hover_text(title);
    ui.separator();
}

/// A labelled single-line field bound to `value`.
fn text(ui: &mut egui::Ui, out: &mut Outcome, label: &str, value: &mut String) -> bool {
    let l = ui.label(label);
    let r = ui.add(TextEdit::singleline(value).desired_width(ui.available_width())).labelled_by(l.id);
    ui.end_row();
    watch(out, &r);
    r.changed()
}

/// Notes what a field's focus means for the document: losing it ends the undo step.
fn watch(out: &mut Outcome, r: &egui::Response) {
    out.seal |= r.lost_focus();
    out.typing |= r.has_focus();
}

/// A labelled field for an optional value: empty means none.
fn opt_text(ui: &mut egui::Ui, out: &mut Outcome, label: &str, value: &mut Option<String>) -> bool {
    let mut s = value.clone().unwrap_or_default();
    let changed = text(ui, out, label, &mut s);
    if changed {
        *value = (!s.trim().is_empty()).then_some(s);
    }
    changed
}

fn multiline(ui: &mut egui::Ui, out: &mut Outcome, label: &str, value: &mut String) -> bool {
    let l = ui.label(label);
    let r = ui.add(TextEdit::multiline(value).desired_rows(3).desired_width(ui.available_width())).labelled_by(l.id);
    ui.end_row();
    watch(out, &r);
    r.changed()
}

/// A field whose text must pass `check` before it is taken: what the user typed stays in the
/// field with the problem beside it, and the record keeps its last good value.
fn checked(ui: &mut egui::Ui, out: &mut Outcome, label: &str, value: &mut String, check: impl Fn(&str) -> Result<(), String>) -> bool {
    let l = ui.label(label);
    let id = ui.make_persistent_id(("draft", label));
    // A draft belongs to the value it was typed over; when the value changes (undo), it goes.
    let mut draft = ui.data(|d| d.get_temp::<(String, String)>(id)).filter(|(base, _)| base == value).map_or_else(|| value.clone(), |(_, d)| d);
    let mut changed = false;
    ui.vertical(|ui| {
        let r = ui.add(TextEdit::singleline(&mut draft).desired_width(ui.available_width())).labelled_by(l.id);
        watch(out, &r);
        if r.changed() {
            match check(&draft) {
                Ok(()) => {
                    changed = *value != draft;
                    *value = draft.clone();
                    ui.data_mut(|d| d.remove::<(String, String)>(id));
                }
                Err(_) => {
                    ui.data_mut(|d| d.insert_temp(id, (value.clone(), draft.clone())));
                }
            }
        }
        if let Err(e) = check(&draft) {
            ui.colored_label(ui.visuals().error_fg_color, format!("Not saved: {e}"));
        }
    });
    ui.end_row();
    changed
}

/// The number a text is, when it is written as the number would be written back (`1500`,
/// `2.5`): so that a field never rewrites what is being typed into it (`2.` is not one yet).
fn number(text: &str) -> Option<serde_json::Number> {
    let n = match text.parse::<i64>() {
        Ok(i) => serde_json::Number::from(i),
        Err(_) => serde_json::Number::from_f64(text.parse::<f64>().ok()?)?,
    };
    (n.to_string() == text).then_some(n)
}

/// An ISO 8601 date or range at any precision; empty is allowed when `optional`.
fn date_check(optional: bool) -> impl Fn(&str) -> Result<(), String> {
    move |s: &str| {
        if optional && s.trim().is_empty() {
            return Ok(());
        }
        DateRange::check(s).map(|_| ())
    }
}

/// A choice among `options`, or anything typed before (kept as it is).
fn choice(ui: &mut egui::Ui, label: &str, value: &mut String, options: &[&str]) -> bool {
    ui.label(label);
    let mut changed = false;
    let shown = if value.is_empty() { "(none)".to_owned() } else { value.replace('_', " ") };
    egui::ComboBox::from_id_salt(label).selected_text(shown).show_ui(ui, |ui| {
        for o in options {
            let text = if o.is_empty() { "(none)".to_owned() } else { o.replace('_', " ") };
            if ui.selectable_label(value == o, text).clicked() && value != o {
                *value = (*o).to_owned();
                changed = true;
            }
        }
    });
    ui.end_row();
    changed
}

/// A list of free texts (other names, image dates): each with a remove button, and a field
/// to add one. `check` guards what is added.
fn string_list(ui: &mut egui::Ui, out: &mut Outcome, label: &str, items: &mut Vec<String>, check: impl Fn(&str) -> Result<(), String>) -> bool {
    ui.label(label);
    let mut changed = false;
    ui.vertical(|ui| {
        let mut remove = None;
        for (i, item) in items.iter().enumerate() {
            ui.horizontal(|ui| {
                if ui.small_button("×").on_hover_text("Remove").clicked() {
                    remove = Some(i);
                }
                ui.add(egui::Label::new(item).truncate()).on_hover_text(item);
            });
        }
        if let Some(i) = remove {
            items.remove(i);
            changed = true;
        }
        let id = ui.make_persistent_id(("add", label));
        let mut new: String = ui.data(|d| d.get_temp(id)).unwrap_or_default();
        ui.horizontal(|ui| {
            let r = ui.add(TextEdit::singleline(&mut new).hint_text("add…").desired_width(160.0));
            watch(out, &r);
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let valid = check(&new);
            if (ui.add_enabled(!new.trim().is_empty() && valid.is_ok(), egui::Button::new("Add")).clicked() || (enter && valid.is_ok())) && !new.trim().is_empty() {
                items.push(new.trim().to_owned());
                new.clear();
                changed = true;
            }
            if let (Err(e), false) = (valid, new.trim().is_empty()) {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        });
        ui.data_mut(|d| d.insert_temp(id, new));
    });
    ui.end_row();
    changed
}

/// Links to records by id (sources, vessels, events, sites): each a link and a remove
/// button; a menu adds one of the `options` (id, name) not linked yet.
fn id_list(ui: &mut egui::Ui, out: &mut Outcome, label: &str, ids: &mut Vec<String>, options: &[(String, String)], target: impl Fn(&str) -> Selection) -> bool {
    ui.label(label);
    let mut changed = false;
    ui.vertical(|ui| {
        let mut remove = None;
        for (i, id) in ids.iter().enumerate() {
            let name = options.iter().find(|(o, _)| o == id).map_or_else(|| format!("{id} (not in the case)"), |(_, n)| n.clone());
            ui.horizontal(|ui| {
                if ui.small_button("×").on_hover_text("Unlink").clicked() {
                    remove = Some(i);
                }
                // A link, cut to the panel's width (source titles run long).
                let link = egui::Label::new(RichText::new(&name).color(ui.visuals().hyperlink_color)).truncate().sense(egui::Sense::click());
                if ui.add(link).on_hover_text(&name).on_hover_cursor(egui::CursorIcon::PointingHand).clicked() {
                    out.select = Some(target(id));
                }
            });
        }
        if let Some(i) = remove {
            ids.remove(i);
            changed = true;
        }
        let free: Vec<&(String, String)> = options.iter().filter(|(o, _)| !ids.contains(o)).collect();
        if !free.is_empty() {
            egui::ComboBox::from_id_salt(("link", label)).selected_text("Link…").width(200.0).show_ui(ui, |ui| {
                for (id, name) in free {
                    if ui.selectable_label(false, name).clicked() {
                        ids.push(id.clone());
                        changed = true;
                    }
                }
            });
        }
    });
    ui.end_row();
    changed
}

fn grid(ui: &mut egui::Ui, salt: &str, add: impl FnOnce(&mut egui::Ui)) {
    egui::Grid::new(salt).num_columns(2).spacing([8.0, 6.0]).striped(false).show(ui, add);
}

fn report(out: &mut Outcome, r: Result<(), crate::document::EditError>) {
    if let Err(e) = r {
        out.problem = Some(e.to_string());
    }
}

// Options of the id lists.

fn sources(doc: &Document, layer: usize) -> Vec<(String, String)> {
    doc.case(layer).map_or(Vec::new(), |c| c.sources.iter().map(|s| (s.id.clone(), source_name(s))).collect())
}

fn source_name(s: &Source) -> String {
    let name = [s.publisher.as_str(), s.date.as_str(), s.title.as_str()].iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(", ");
    if name.is_empty() { s.id.clone() } else { name }
}

fn vessels(doc: &Document, layer: usize) -> Vec<(String, String)> {
    doc.case(layer).map_or(Vec::new(), |c| c.vessels.iter().map(|v| (v.id.clone(), if v.name.is_empty() { v.id.clone() } else { v.name.clone() })).collect())
}

fn events(doc: &Document, layer: usize) -> Vec<(String, String)> {
    doc.case(layer).map_or(Vec::new(), |c| c.events.iter().map(|e| (e.id.clone(), format!("{} {}", e.date_start, e.title).trim().to_owned())).collect())
}

fn sites(doc: &Document, layer: usize) -> Vec<(String, String)> {
    doc.layers.get(layer).map_or(Vec::new(), |l| {
        l.layer.features.iter().filter(|f| f.kind() == FeatureKind::Site).filter_map(|f| Some((f.key()?, f.name().unwrap_or("unnamed site").to_owned()))).collect()
    })
}

fn feature_target(doc: &Document, layer: usize) -> impl Fn(&str) -> Selection + '_ {
    move |id: &str| match feature_ref(&doc.layers, layer, id) {
        Some(at) => Selection::Feature(at),
        None => Selection::Source { layer, id: id.to_owned() },
    }
}

// Features.

fn list_of(f: &Feature, key: &str) -> Vec<String> {
    f.list_prop(key).into_iter().map(str::to_owned).collect()
}

fn set_list(f: &mut Feature, key: &str, items: Vec<String>) {
    if items.is_empty() {
        f.properties.remove(key);
    } else {
        f.properties.insert(key.into(), json!(items));
    }
}

fn set_str(f: &mut Feature, key: &str, value: &str) {
    if value.trim().is_empty() {
        f.properties.remove(key);
    } else {
        f.properties.insert(key.into(), json!(value));
    }
}

fn feature_form(ui: &mut egui::Ui, doc: &mut Document, at: FeatureRef, out: &mut Outcome) {
    let Some(original) = doc.feature(at).cloned() else { return };
    let kind = original.kind();
    heading(ui, crate::scene::style::kind_label(&kind), original.name().unwrap_or(""));
    if original.is_unsourced() {
        ui.colored_label(ui.visuals().warn_fg_color, "Unsourced: no report backs this yet. Link a source below.");
    }
    let mut f = original.clone();
    let mut key = "";
    let is_case_layer = doc.case(at.layer).is_some();
    grid(ui, "feature", |ui| {
        let mut name = f.str_prop("name").unwrap_or_default().to_owned();
        if text(ui, out, "Name", &mut name) {
            set_str(&mut f, "name", &name);
            key = "name";
        }
        let mut alt = list_of(&f, "alt_names");
        if string_list(ui, out, "Other names", &mut alt, |_| Ok(())) {
            set_list(&mut f, "alt_names", alt);
        }
        let mut k = f.str_prop("kind").unwrap_or_default().to_owned();
        if choice(ui, "Kind", &mut k, &["site", "sea_route", "rail_corridor", "area", ""]) {
            set_str(&mut f, "kind", &k);
        }
        let mut confidence = f.str_prop("confidence").unwrap_or_default().to_owned();
        if text(ui, out, "Confidence", &mut confidence) {
            set_str(&mut f, "confidence", &confidence);
            key = "confidence";
        }
        let mut precision = f.properties.get("precision_m").map_or(String::new(), |v| match v {
            Value::String(s) => s,
            v => v.to_string(),
        });
        let positive = |s: &str| match s.trim() {
            "" => Ok(()),
            t => number(t).filter(|n| n.as_f64().is_some_and(|m| m >= 0.0)).map(|_| ()).ok_or_else(|| "write the radius in metres, e.g. 1500".to_owned()),
        };
        if checked(ui, out, "Precision (m)", &mut precision, positive) {
            match number(precision.trim()) {
                Some(n) => f.properties.insert("precision_m".into(), Value::Number(n)),
                None => f.properties.remove("precision_m"),
            };
            key = "precision_m";
        }
        let mut status = f.str_prop("status").unwrap_or_default().to_owned();
        if choice(ui, "Status", &mut status, &["observed", "reported", "schematic", "inferred", ""]) {
            set_str(&mut f, "status", &status);
        }
        if matches!(kind, FeatureKind::SeaRoute) || f.properties.contains_key("ais") {
            let mut ais = f.str_prop("ais").unwrap_or_default().to_owned();
            if choice(ui, "AIS", &mut ais, &["on", "off", "unknown", ""]) {
                set_str(&mut f, "ais", &ais);
            }
        }
        let mut period = f.str_prop("period").unwrap_or_default().to_owned();
        if checked(ui, out, "Period", &mut period, date_check(true)) {
            set_str(&mut f, "period", &period);
            key = "period";
        }
        let mut description = f.str_prop("description").unwrap_or_default().to_owned();
        if multiline(ui, out, "Description", &mut description) {
            set_str(&mut f, "description", &description);
            key = "description";
        }
        if is_case_layer {
            let mut v = list_of(&f, "vessel_ids");
            if id_list(ui, out, "Vessels", &mut v, &vessels(doc, at.layer), |id| Selection::Vessel { layer: at.layer, id: id.to_owned() }) {
                set_list(&mut f, "vessel_ids", v);
            }
            let mut s = list_of(&f, "source_ids");
            if id_list(ui, out, "Sources", &mut s, &sources(doc, at.layer), |id| Selection::Source { layer: at.layer, id: id.to_owned() }) {
                set_list(&mut f, "source_ids", s);
            }
            let mut e = list_of(&f, "event_ids");
            if id_list(ui, out, "Events", &mut e, &events(doc, at.layer), |id| Selection::Event { layer: at.layer, id: id.to_owned() }) {
                set_list(&mut f, "event_ids", e);
            }
        }
    });
    other_properties(ui, out, &mut f, &mut key);
    if f != original {
        let field_key = format!("feature {}:{} {key}", at.layer, at.feature);
        report(out, doc.replace_feature(at, f, &format!("Edit {}", if key.is_empty() { "feature" } else { key }), (!key.is_empty()).then_some(field_key.as_str())));
    }
    ui.separator();
    ui.horizontal_wrapped(|ui| {
        if is_case_layer {
            if ui.button("New source for this…").clicked() {
                new_linked_source(doc, at, out);
            }
            if ui.button("New event here…").clicked() {
                new_event_at(doc, at, out);
            }
        }
        if ui.button("Delete feature").clicked() {
            report(out, doc.remove_feature(at));
        }
    });
}

/// The properties the form has no field for, editable as text, with add and remove.
fn other_properties(ui: &mut egui::Ui, out: &mut Outcome, f: &mut Feature, key: &mut &str) {
    let keys: Vec<String> = f.properties.keys().filter(|k| !KNOWN.contains(k)).map(str::to_owned).collect();
    ui.separator();
    ui.strong("Other properties");
    grid(ui, "other-props", |ui| {
        for k in keys {
            let Some(v) = f.properties.get(&k) else { continue };
            let was_text = v.is_string();
            let mut s = match v {
                Value::String(s) => s,
                v => v.to_string(),
            };
            let l = ui.label(&k);
            ui.horizontal(|ui| {
                let r = ui.add(TextEdit::singleline(&mut s).desired_width(180.0)).labelled_by(l.id);
                watch(out, &r);
                if r.changed() {
                    // Numbers, booleans and lists stay what they were when they still parse.
                    let typed = if was_text { Value::String(s.clone()) } else { serde_json::from_str(&s).unwrap_or(Value::String(s.clone())) };
                    f.properties.insert(k.clone(), typed);
                    *key = "property";
                }
                if ui.small_button("×").on_hover_text("Remove this property").clicked() {
                    f.properties.remove(&k);
                }
            });
            ui.end_row();
        }
    });
    let id = ui.make_persistent_id("new-property");
    let (mut name, mut value): (String, String) = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    ui.horizontal(|ui| {
        ui.add(TextEdit::singleline(&mut name).hint_text("property").desired_width(100.0));
        ui.add(TextEdit::singleline(&mut value).hint_text("value").desired_width(120.0));
        let free = !name.trim().is_empty() && !f.properties.contains_key(name.trim());
        if ui.add_enabled(free, egui::Button::new("Add")).clicked() {
            f.properties.insert(name.trim().to_owned(), Value::String(value.clone()));
            name.clear();
            value.clear();
        }
    });
    ui.data_mut(|d| d.insert_temp(id, (name, value)));
}

/// The feature with `id` added to (or, when `link` is false, taken out of) its id list `key`.
/// A new source, linked to the feature, as one step; the form of the source comes next.
fn new_linked_source(doc: &mut Document, at: FeatureRef, out: &mut Outcome) {
    let (Some(case), Some(old)) = (doc.case(at.layer), doc.feature(at).cloned()) else { return };
    let id = unique_id(&doc.layers[at.layer].layer, "src");
    let source = Source { id: id.clone(), title: "New source".into(), ..Source::default() };
    let new = linked(&old, "source_ids", &id, true);
    let ops = vec![Op::Source(Change::insert(case.sources.len(), source)), Op::Feature(Change::replace(at.feature, old, new))];
    report(out, doc.apply(at.layer, Edit::new("New source", ops)));
    out.select = Some(Selection::Source { layer: at.layer, id });
}

/// A new event at a site (or on a route), linked both ways, as one step.
fn new_event_at(doc: &mut Document, at: FeatureRef, out: &mut Outcome) {
    let (Some(case), Some(old)) = (doc.case(at.layer), doc.feature(at).cloned()) else { return };
    let id = unique_id(&doc.layers[at.layer].layer, "evt");
    // An event needs a date: the start of the feature's period, else today, to be corrected.
    let date = old.str_prop("period").and_then(DateRange::parse).map_or_else(crate::model::time::Day::today, |r| r.first);
    let mut event = Event { id: id.clone(), title: "New event".into(), date_start: date.to_string(), date_precision: "day".into(), ..Event::default() };
    if let Some(key) = old.key() {
        event.site_ids.push(key);
    }
    let new = linked(&old, "event_ids", &id, true);
    let ops = vec![Op::Event(Change::insert(case.events.len(), event)), Op::Feature(Change::replace(at.feature, old, new))];
    report(out, doc.apply(at.layer, Edit::new("New event", ops)));
    out.select = Some(Selection::Event { layer: at.layer, id });
}

// Evidence.

fn source_form(ui: &mut egui::Ui, doc: &mut Document, layer: usize, id: &str, out: &mut Outcome) {
    let Some(original) = doc.case(layer).and_then(|c| c.source(id)).cloned() else { return };
    heading(ui, "source", &original.title);
    let mut s = original.clone();
    let mut key = "";
    grid(ui, "source", |ui| {
        if choice(ui, "Kind", &mut s.kind, &["report", "news", "statement", "imagery", "dataset", "social_media", "document", ""]) {
            key = "";
        }
        for (label, field, k) in [("Publisher", &mut s.publisher, "publisher"), ("Title", &mut s.title, "title"), ("URL", &mut s.url, "url")] {
            if text(ui, out, label, field) {
                key = k;
            }
        }
        if checked(ui, out, "Date", &mut s.date, date_check(true)) {
            key = "date";
        }
        if opt_text(ui, out, "Archive URL", &mut s.archive_url) {
            key = "archive_url";
        }
        let mut retrieved = s.retrieved.clone().unwrap_or_default();
        if checked(ui, out, "Retrieved", &mut retrieved, date_check(true)) {
            s.retrieved = (!retrieved.trim().is_empty()).then_some(retrieved);
            key = "retrieved";
        }
    });
    ui.separator();
    saved_copy_ui(ui, doc, layer, &mut s, out);
    if s != original {
        let field_key = format!("source {layer}:{id} {key}");
        report(out, doc.put(layer, s, (!key.is_empty()).then_some(field_key.as_str())));
    }
    ui.separator();
    if ui.button("Delete source").on_hover_text("Also unlinks it from every feature, event and vessel").clicked() {
        report(out, doc.remove::<Source>(layer, id));
    }
}

/// The saved copy of a source: a path typed or chosen with the file dialog; its SHA-256,
/// size and type are computed from the file.
fn saved_copy_ui(ui: &mut egui::Ui, doc: &Document, layer: usize, s: &mut Source, out: &mut Outcome) {
    ui.strong("Saved copy");
    let id = ui.make_persistent_id(("saved-copy", &s.id));
    let mut path: String = ui.data(|d| d.get_temp(id)).unwrap_or_else(|| s.saved_copy.clone().unwrap_or_default());
    let mut chosen = None;
    ui.horizontal(|ui| {
        let l = ui.label("File");
        let r = ui.add(TextEdit::singleline(&mut path).hint_text("path to the saved PDF, HTML or image").desired_width(200.0)).labelled_by(l.id);
        if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            chosen = Some(std::path::PathBuf::from(path.trim()));
        }
        if ui.button("Choose…").clicked()
            && let Some(p) = rfd::FileDialog::new().set_title("The saved copy of this source").pick_file()
        {
            path = p.display().to_string();
            chosen = Some(p);
        }
    });
    ui.data_mut(|d| d.insert_temp(id, path));
    let case_file = doc.layers.get(layer).and_then(|l| l.path.clone());
    if let Some(p) = chosen {
        let file = crate::io::saved_copy::resolve(case_file.as_deref(), &p.to_string_lossy());
        match crate::io::saved_copy::describe(&file) {
            Ok(copy) => {
                copy.record_in(s, crate::io::saved_copy::relative_path(case_file.as_deref(), &file));
                ui.data_mut(|d| d.remove::<String>(id));
            }
            Err(e) => out.problem = Some(format!("cannot read {}: {e}", file.display())),
        }
    }
    if let Some(hash) = &s.sha256 {
        let size = s.saved_copy_bytes.map_or(String::new(), |b| format!(" · {}", human_bytes(b)));
        let kind = s.saved_copy_type.as_deref().map_or(String::new(), |t| format!(" · {t}"));
        ui.label(RichText::new(format!("SHA-256 {hash}{size}{kind}")).monospace().small());
    } else {
        ui.label(RichText::new("No saved copy: if the page changes or goes, the claim cannot be checked.").small().color(ui.visuals().warn_fg_color));
    }
}

fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / 1048576.0),
        b if b >= 1 << 10 => format!("{:.1} kB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

fn vessel_form(ui: &mut egui::Ui, doc: &mut Document, layer: usize, id: &str, out: &mut Outcome) {
    let Some(original) = doc.case(layer).and_then(|c| c.vessel(id)).cloned() else { return };
    heading(ui, "vessel", &original.name);
    let mut v = original.clone();
    let mut key = "";
    let options = sources(doc, layer);
    grid(ui, "vessel", |ui| {
        if text(ui, out, "Name", &mut v.name) {
            key = "name";
        }
        string_list(ui, out, "Other names", &mut v.alt_names, |_| Ok(()));
        for (label, field, digits, k) in [("IMO", &mut v.imo, 7, "imo"), ("MMSI", &mut v.mmsi, 9, "mmsi")] {
            let check = |s: &str| match s.trim() {
                "" => Ok(()),
                t if t.len() == digits && t.chars().all(|c| c.is_ascii_digit()) => Ok(()),
                _ => Err(format!("an {label} has {digits} digits")),
            };
            let mut text = field.clone().unwrap_or_default();
            if checked(ui, out, label, &mut text, check) {
                *field = (!text.trim().is_empty()).then_some(text);
                key = k;
            }
        }
        for (label, field, k) in [
            ("Call sign", &mut v.call_sign, "call_sign"),
            ("Flag", &mut v.flag, "flag"),
            ("Type", &mut v.vessel_type, "vessel_type"),
            ("Owners", &mut v.owners, "owners"),
            ("Sanctions", &mut v.sanctions, "sanctions"),
            ("AIS behaviour", &mut v.ais_behaviour, "ais_behaviour"),
        ] {
            if opt_text(ui, out, label, field) {
                key = k;
            }
        }
        id_list(ui, out, "Sources", &mut v.source_ids, &options, |id| Selection::Source { layer, id: id.to_owned() });
    });
    if v != original {
        let field_key = format!("vessel {layer}:{id} {key}");
        report(out, doc.put(layer, v, (!key.is_empty()).then_some(field_key.as_str())));
    }
    ui.separator();
    if ui.button("Delete vessel").on_hover_text("Also unlinks it from every route and event").clicked() {
        report(out, doc.remove::<Vessel>(layer, id));
    }
}

fn event_form(ui: &mut egui::Ui, doc: &mut Document, layer: usize, id: &str, out: &mut Outcome) {
    let Some(original) = doc.case(layer).and_then(|c| c.event(id)).cloned() else { return };
    heading(ui, "event", &original.title);
    if original.is_unsourced() {
        ui.colored_label(ui.visuals().warn_fg_color, "Unsourced: link the report this comes from.");
    }
    let mut e = original.clone();
    let mut key = "";
    let (site_options, vessel_options, source_options) = (sites(doc, layer), vessels(doc, layer), sources(doc, layer));
    grid(ui, "event", |ui| {
        if text(ui, out, "Title", &mut e.title) {
            key = "title";
        }
        if text(ui, out, "Kind", &mut e.kind) {
            key = "kind";
        }
        if checked(ui, out, "Date", &mut e.date_start, date_check(false)) {
            key = "date_start";
        }
        let mut end = e.date_end.clone().unwrap_or_default();
        if checked(ui, out, "Until", &mut end, date_check(true)) {
            e.date_end = (!end.trim().is_empty()).then_some(end);
            key = "date_end";
        }
        choice(ui, "Date precision", &mut e.date_precision, &["day", "month", "year", "approximate", ""]);
        if multiline(ui, out, "Summary", &mut e.summary) {
            key = "summary";
        }
        let mut confidence = e.confidence.clone();
        if opt_text(ui, out, "Confidence", &mut confidence) {
            e.confidence = confidence;
            key = "confidence";
        }
        figure_ui(ui, out, &mut e.figure, &mut key);
        let feature_target = feature_target(doc, layer);
        id_list(ui, out, "Sites", &mut e.site_ids, &site_options, feature_target);
        id_list(ui, out, "Vessels", &mut e.vessel_ids, &vessel_options, |id| Selection::Vessel { layer, id: id.to_owned() });
        id_list(ui, out, "Sources", &mut e.source_ids, &source_options, |id| Selection::Source { layer, id: id.to_owned() });
        string_list(ui, out, "Evidence", &mut e.evidence_types, |_| Ok(()));
        let mut provider = e.imagery_provider.clone();
        if opt_text(ui, out, "Imagery provider", &mut provider) {
            e.imagery_provider = provider;
            key = "imagery_provider";
        }
        string_list(ui, out, "Image dates", &mut e.image_dates, |s| DateRange::check(s).map(|_| ()));
    });
    if e != original {
        // Linking a site here links the event on the site too, in the same step.
        let field_key = format!("event {layer}:{id} {key}");
        let r = put_event_linked(doc, layer, &original, e, (!key.is_empty()).then_some(field_key.as_str()));
        report(out, r);
    }
    ui.separator();
    if ui.button("Delete event").on_hover_text("Also unlinks it from every site").clicked() {
        report(out, doc.remove::<Event>(layer, id));
    }
}

/// Saves an event, keeping the sites' `event_ids` in step with its `site_ids`.
fn put_event_linked(doc: &mut Document, layer: usize, old: &Event, new: Event, key: Option<&str>) -> Result<(), crate::document::EditError> {
    if old.site_ids == new.site_ids {
        return doc.put(layer, new, key);
    }
    let l = &doc.layers[layer].layer;
    let Some(at) = l.case.as_ref().and_then(|c| c.events.iter().position(|x| x.id == old.id)) else { return doc.put(layer, new, key) };
    let mut ops = vec![Op::Event(Change::replace(at, old.clone(), new.clone()))];
    for (i, f) in l.features.iter().enumerate() {
        let Some(k) = f.key() else { continue };
        let (was, is) = (old.site_ids.contains(&k), new.site_ids.contains(&k));
        if was == is {
            continue;
        }
        ops.push(Op::Feature(Change::replace(i, f.clone(), linked(f, "event_ids", &new.id, is))));
    }
    doc.apply(layer, Edit::new("Link event", ops))
}

fn figure_ui(ui: &mut egui::Ui, out: &mut Outcome, figure: &mut Option<Figure>, key: &mut &str) {
    let mut fig = figure.clone().unwrap_or_default();
    let mut value = match &fig.value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let l = ui.label("Figure");
    let mut changed = false;
    ui.horizontal(|ui| {
        for (field, hint, width) in [(&mut fig.qualifier, "about", 60.0), (&mut value, "value", 70.0), (&mut fig.unit, "unit", 80.0)] {
            let r = ui.add(TextEdit::singleline(field).hint_text(hint).desired_width(width)).labelled_by(l.id);
            watch(out, &r);
            changed |= r.changed();
        }
    });
    ui.end_row();
    if changed {
        fig.value = match value.trim() {
            "" => Value::Null,
            t => number(t).map_or(Value::String(t.to_owned()), Value::Number),
        };
        *figure = (!(fig.value.is_null() && fig.unit.is_empty() && fig.qualifier.is_empty())).then_some(fig);
        *key = "figure";
    }
}

/// The case: title and description, and its evidence with buttons for new records.
fn case_form(ui: &mut egui::Ui, doc: &mut Document, layer: usize, out: &mut Outcome) {
    let Some(case) = doc.case(layer).cloned() else {
        heading(ui, "layer", &doc.layers[layer].title());
        ui.label("A plain layer: select a feature to edit it, or draw on the map (Edit menu).");
        return;
    };
    heading(ui, "case", &case.title);
    let mut info = Info { title: case.title.clone(), description: case.description.clone() };
    let mut changed = false;
    grid(ui, "case", |ui| {
        changed |= text(ui, out, "Title", &mut info.title);
        changed |= multiline(ui, out, "Description", &mut info.description);
    });
    if changed {
        report(out, doc.set_info(layer, info, Some(&format!("case {layer} info"))));
    }
    ui.separator();
    ui.horizontal_wrapped(|ui| {
        let l = &doc.layers[layer].layer;
        if ui.button("New source").clicked() {
            let s = Source { id: unique_id(l, "src"), title: "New source".into(), ..Source::default() };
            let id = s.id.clone();
            report(out, doc.put(layer, s, None));
            out.select = Some(Selection::Source { layer, id });
        } else if ui.button("New vessel").clicked() {
            let v = Vessel { id: unique_id(l, "ves"), name: "New vessel".into(), ..Vessel::default() };
            let id = v.id.clone();
            report(out, doc.put(layer, v, None));
            out.select = Some(Selection::Vessel { layer, id });
        } else if ui.button("New event").clicked() {
            let date = crate::model::time::Day::today().to_string();
            let e = Event { id: unique_id(l, "evt"), title: "New event".into(), date_start: date, date_precision: "day".into(), ..Event::default() };
            let id = e.id.clone();
            report(out, doc.put(layer, e, None));
            out.select = Some(Selection::Event { layer, id });
        }
    });
    for (title, list, make) in [
        ("Sources", sources(doc, layer), (|layer, id| Selection::Source { layer, id }) as fn(usize, String) -> Selection),
        ("Vessels", vessels(doc, layer), |layer, id| Selection::Vessel { layer, id }),
        ("Events", events(doc, layer), |layer, id| Selection::Event { layer, id }),
    ] {
        ui.separator();
        ui.strong(format!("{title} ({})", list.len()));
        for (id, name) in list {
            if ui.link(name).clicked() {
                out.select = Some(make(layer, id));
            }
        }
    }
}
