//! The dialogs around files: a new case, unsaved edits when closing, recovered edits after a
//! crash, a file that changed on disk, and the side-by-side view of a merge's conflicts.
//! The document does the work; these only ask.

use egui::RichText;

use crate::document::DiskMerge;
use crate::document::recovery::Recovered;
use crate::model::merge::{Conflict, Side};

/// The fields of File → New case.
#[derive(Default)]
pub struct NewCase {
    pub title: String,
    pub description: String,
}

/// What the user chose in a dialog.
pub enum Choice<T> {
    Open,
    Chosen(T),
    Closed,
}

/// File → New case: a title and a description. `Chosen` when Create was clicked.
pub fn new_case_ui(ctx: &egui::Context, d: &mut NewCase) -> Choice<()> {
    let mut open = true;
    let mut create = false;
    egui::Window::new("New case").open(&mut open).collapsible(false).default_width(420.0).show(ctx, |ui| {
        egui::Grid::new("new-case").num_columns(2).show(ui, |ui| {
            let l = ui.label("Title");
            let r = ui.add(egui::TextEdit::singleline(&mut d.title).hint_text("what the investigation is about").desired_width(300.0)).labelled_by(l.id);
            if !r.has_focus() && d.title.is_empty() && !ui.ctx().memory(|m| m.focused().is_some()) {
                r.request_focus();
            }
            ui.end_row();
            let l = ui.label("Description");
            ui.add(egui::TextEdit::multiline(&mut d.description).desired_rows(3).desired_width(300.0)).labelled_by(l.id);
            ui.end_row();
        });
        create = ui.add_enabled(!d.title.trim().is_empty(), egui::Button::new("Create")).clicked();
    });
    match (open, create) {
        (_, true) => Choice::Chosen(()),
        (false, _) => Choice::Closed,
        _ => Choice::Open,
    }
}

/// What to do with unsaved edits when the window closes or a layer is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsaved {
    Save,
    Discard,
    Cancel,
}

pub fn unsaved_ui(ctx: &egui::Context, names: &[String]) -> Option<Unsaved> {
    let mut choice = None;
    egui::Modal::new(egui::Id::unique("unsaved")).show(ctx, |ui| {
        ui.set_width(420.0);
        ui.heading("Save your edits?");
        ui.label(format!("{} unsaved edits. If you don't save, they are lost.", names.join(", ")));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() {
                choice = Some(Unsaved::Save);
            }
            if ui.button("Don't save").clicked() {
                choice = Some(Unsaved::Discard);
            }
            if ui.button("Cancel").clicked() {
                choice = Some(Unsaved::Cancel);
            }
        });
    });
    choice
}

/// Recovered edits at start: restore or discard each.
pub fn recovered_ui(ctx: &egui::Context, found: &[Recovered]) -> Option<(usize, bool)> {
    let mut choice = None;
    egui::Window::new("Recover unsaved edits").collapsible(false).default_width(480.0).show(ctx, |ui| {
        ui.label("Portolan stopped before these edits were saved:");
        for (i, r) in found.iter().enumerate() {
            ui.separator();
            let age = std::time::SystemTime::now().duration_since(r.saved_at).map_or(0, |d| d.as_secs() / 60);
            ui.strong(&r.name);
            let file = r.path.as_ref().map_or("never saved".to_owned(), |p| p.display().to_string());
            ui.label(RichText::new(format!("{file} · {} features · autosaved {age} min ago", r.loaded.layer.features.len())).small());
            ui.horizontal(|ui| {
                if ui.button("Restore").clicked() {
                    choice = Some((i, true));
                }
                if ui.button("Discard").clicked() {
                    choice = Some((i, false));
                }
            });
        }
    });
    choice
}

/// What to do about a file that changed on disk while it has edits here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDisk {
    /// Read the file again; the edits here are kept as a recovery copy.
    Reload,
    SaveAs,
    Merge,
}

/// The bar over the map for a layer whose file changed on disk.
pub fn changed_on_disk_ui(ui: &mut egui::Ui, name: &str) -> Option<OnDisk> {
    let mut choice = None;
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(ui.visuals().warn_fg_color, format!("{name} changed on disk while you were editing it. Saving will not overwrite it."));
        if ui.button("Reload").on_hover_text("Read the file again; your edits are kept as a recovery copy").clicked() {
            choice = Some(OnDisk::Reload);
        }
        if ui.button("Save as…").clicked() {
            choice = Some(OnDisk::SaveAs);
        }
        if ui.button("Merge").on_hover_text("Take their edits and yours; choose where you both changed the same thing").clicked() {
            choice = Some(OnDisk::Merge);
        }
    });
    choice
}

/// A merge waiting for the user's choices on its conflicts.
pub struct Conflicts {
    pub disk: DiskMerge,
    pub choices: Vec<Side>,
}

/// The conflicts side by side, mine and theirs, with a choice for each. `Chosen(true)`
/// when the merge is to be taken, `Chosen(false)` when it is cancelled.
pub fn conflicts_ui(ctx: &egui::Context, c: &mut Conflicts) -> Option<bool> {
    let mut done = None;
    // Modal: the layer must not change while the user chooses.
    egui::Modal::new(egui::Id::unique("merge-conflicts")).show(ctx, |ui| {
        ui.set_width(720.0);
        ui.heading("Merge with the file on disk");
        let merge = &c.disk.merge;
        ui.label(format!(
            "{} changes from the file were taken as they are. Both sides changed {} item(s): choose which version to keep.",
            merge.taken_from_theirs,
            merge.conflicts.len()
        ));
        egui::ScrollArea::vertical().max_height(420.0).show(ui, |ui| {
            for (i, conflict) in merge.conflicts.iter().enumerate() {
                ui.separator();
                conflict_ui(ui, i, conflict, &mut c.choices[i]);
            }
        });
        ui.separator();
        ui.horizontal(|ui| {
            if ui.button("Merge and save").clicked() {
                done = Some(true);
            }
            if ui.button("Cancel").clicked() {
                done = Some(false);
            }
        });
    });
    done
}

fn conflict_ui(ui: &mut egui::Ui, i: usize, conflict: &Conflict, choice: &mut Side) {
    ui.strong(&conflict.label);
    egui::Grid::new(("conflict", i)).num_columns(3).striped(true).show(ui, |ui| {
        ui.label("");
        ui.radio_value(choice, Side::Mine, RichText::new("Mine").strong());
        ui.radio_value(choice, Side::Theirs, RichText::new("Theirs (on disk)").strong());
        ui.end_row();
        for (field, mine, theirs) in conflict.fields() {
            ui.label(field);
            ui.label(mine);
            ui.label(theirs);
            ui.end_row();
        }
    });
}
