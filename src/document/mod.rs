//! The open document: every open layer with its index and file, what is selected, and the
//! undo history.
//!
//! This is the one place that changes the data. [`Document::apply`] takes an [`Edit`], applies
//! it, rebuilds the layer's spatial index, and keeps the edit for undo; the window, the command
//! line and the tests all go through it. Saves, the external-change check and the merge with
//! the file on disk work here too, so the UI never writes files itself. No egui here.

pub mod disk;
pub mod edit;
pub mod recovery;
pub mod search;
pub mod selection;
pub mod vertices;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use edit::{Change, Edit, EditError, Info, Op};
use selection::{History, Selection};

use crate::index::LayerIndex;
use crate::io::{self, Diagnostic};
use crate::model::{Case, Event, Feature, FeatureRef, Layer, Source, Vessel};
use crate::tiles::layer::RASTER_ABOVE_VERTICES;

/// A layer's identity for as long as it is open, whatever its place in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LayerId(u64);

/// Numbers for layer ids and layer states, unique in the process.
static COUNTER: AtomicU64 = AtomicU64::new(1);

fn next_number() -> u64 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// A file opened as a layer, with what the viewer chose for it.
pub struct OpenLayer {
    pub id: LayerId,
    /// Shared with the threads that draw its raster tiles. Changed only by `Document::apply`.
    pub layer: Arc<Layer>,
    /// Its R-tree: what is in view, what is under the pointer.
    pub index: Arc<LayerIndex>,
    pub path: Option<PathBuf>,
    pub visible: bool,
    pub opacity: f32,
    /// Overlays (by index in the layer) switched off in the layers panel.
    pub hidden_overlays: std::collections::HashSet<usize>,
    pub diagnostics: Vec<Diagnostic>,
    /// The layer as the file on disk last had it (read or saved): the base of a merge.
    pub base: Arc<Layer>,
    /// The file on disk when it was last read or written.
    pub(crate) stamp: Option<disk::Stamp>,
    /// The file changed on disk since, and the layer has edits of its own.
    pub changed_on_disk: bool,
    /// What the layer is when it cannot be edited ("dprk as it was at …"): edits are refused.
    pub read_only: Option<String>,
    /// Which edit the layer is at, and which one was last saved: unsaved when they differ.
    state: u64,
    saved_state: u64,
    /// Its file was written by a save of this layer (so Save may write it again, whatever
    /// its format).
    wrote_file: bool,
}

impl OpenLayer {
    pub fn new(loaded: io::Loaded, path: Option<PathBuf>) -> Self {
        let index = LayerIndex::build(&loaded.layer);
        Self::indexed(loaded, index, path)
    }

    pub fn indexed(loaded: io::Loaded, index: LayerIndex, path: Option<PathBuf>) -> Self {
        let layer = Arc::new(loaded.layer);
        let stamp = path.as_deref().and_then(disk::Stamp::of);
        let state = next_number();
        OpenLayer {
            id: LayerId(next_number()),
            base: layer.clone(),
            layer,
            index: Arc::new(index),
            path,
            visible: true,
            opacity: 1.0,
            hidden_overlays: Default::default(),
            diagnostics: loaded.diagnostics,
            stamp,
            changed_on_disk: false,
            state,
            saved_state: state,
            wrote_file: false,
            read_only: None,
        }
    }

    /// Drawn as raster tiles: too many vertices to tessellate on every frame.
    pub fn is_raster(&self) -> bool {
        self.index.vertices() > RASTER_ABOVE_VERTICES
    }

    /// Has edits that are not in its file.
    pub fn is_dirty(&self) -> bool {
        self.state != self.saved_state
    }

    /// Edits a stopped session left: unsaved, compared with the file as that session knew it
    /// (`base`, `stamp`), so that a file changed since is noticed and merged, not overwritten.
    pub fn restored(loaded: io::Loaded, path: Option<PathBuf>, base: Option<Layer>, stamp: Option<disk::Stamp>) -> Self {
        let mut l = OpenLayer::new(loaded, path);
        if let Some(base) = base {
            l.base = Arc::new(base);
        }
        if stamp.is_some() {
            l.stamp = stamp;
        }
        l.saved_state = 0;
        l
    }

    /// The name to show: the file name, or the layer's name for the built-in sample and new
    /// cases.
    pub fn title(&self) -> String {
        match &self.path {
            Some(p) => p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()),
            None if self.layer.name.is_empty() => "untitled".into(),
            None => self.layer.name.clone(),
        }
    }

    /// Saving it needs a name first: it has no file, or its file is in a format Portolan
    /// reads but does not write (CSV), or one it was read from that holds more than Portolan
    /// reads (GPX, KMZ: see `io::saves_in_place`) and that this layer has not written yet.
    pub fn needs_name(&self) -> bool {
        !self.path.as_deref().is_some_and(|p| io::writes(p) && (io::saves_in_place(p) || self.wrote_file))
    }

    pub fn state(&self) -> u64 {
        self.state
    }
}

/// One undo step: the edit as applied, on which layer, and the layer states around it.
struct Step {
    layer: LayerId,
    edit: Edit,
    before: u64,
    after: u64,
    /// Further edits with this key join this step (one drag, one typed field) until sealed.
    key: Option<String>,
}

/// Why a save did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("choose a file name: this layer has no file Portolan writes over (GeoJSON or KML)")]
    NeedsName,
    #[error("{0} changed on disk since it was opened; reload it, merge, or save under another name")]
    ChangedOnDisk(PathBuf),
    #[error("no such layer")]
    NoLayer,
    #[error(transparent)]
    Write(#[from] io::SaveError),
}

/// A merge with the file on disk, waiting for the user's choices.
pub struct DiskMerge {
    layer: LayerId,
    /// The layer's state when the file was read: the merge is stale once it changes.
    state: u64,
    /// The file when it was read.
    stamp: Option<disk::Stamp>,
    pub merge: crate::model::merge::Merge,
    pub theirs: Layer,
}

/// Everything that is open.
#[derive(Default)]
pub struct Document {
    pub layers: Vec<OpenLayer>,
    /// What is selected, with back and forward.
    pub selection: History,
    undo: Vec<Step>,
    redo: Vec<Step>,
    /// The layer that new drawings go into and Save saves.
    active: Option<LayerId>,
    /// The last step may take more edits with its key.
    open_step: bool,
    /// Counts every change of the data (edits, undo, redo, reloads), for those who cache.
    revision: u64,
}

impl Document {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an opened layer at the end; returns its place.
    pub fn push(&mut self, layer: OpenLayer) -> usize {
        if self.active.is_none() || (layer.layer.case.is_some() && self.active_layer().is_none_or(|a| a.layer.case.is_none())) {
            self.active = Some(layer.id);
        }
        self.layers.push(layer);
        self.layers.len() - 1
    }

    /// A new, empty case: the active layer from now on.
    pub fn new_case(&mut self, title: &str, description: &str) -> usize {
        let case = Case { version: Case::VERSION, title: title.to_owned(), description: description.to_owned(), ..Case::default() };
        let layer = Layer { name: title.to_owned(), case: Some(case), ..Layer::default() };
        let open = OpenLayer::new(io::Loaded { layer, diagnostics: Vec::new() }, None);
        self.active = Some(open.id);
        self.layers.push(open);
        self.layers.len() - 1
    }

    pub fn position(&self, id: LayerId) -> Option<usize> {
        self.layers.iter().position(|l| l.id == id)
    }

    /// The place of the layer that new drawings go into and that Save saves.
    pub fn active(&self) -> Option<usize> {
        self.active.and_then(|id| self.position(id))
    }

    pub fn active_layer(&self) -> Option<&OpenLayer> {
        self.active().map(|i| &self.layers[i])
    }

    pub fn set_active(&mut self, index: usize) {
        if let Some(l) = self.layers.get(index) {
            self.active = Some(l.id);
        }
    }

    /// Closes a layer: its undo steps go with it, the selection forgets it.
    pub fn remove_layer(&mut self, index: usize) {
        if index >= self.layers.len() {
            return;
        }
        let gone = self.layers.remove(index).id;
        self.undo.retain(|s| s.layer != gone);
        self.redo.retain(|s| s.layer != gone);
        self.selection.retain_map(|s| s.on_layer_removed(index));
        if self.active == Some(gone) {
            self.active = self.layers.iter().find(|l| l.layer.case.is_some()).or(self.layers.first()).map(|l| l.id);
        }
    }

    /// Shows newly read data in a layer that mirrors a source outside the document (a
    /// database table read per view): the features are replaced, the layer keeps its place,
    /// visibility and opacity; it has no undo steps (nothing was edited) and what was
    /// selected in it is forgotten (the rows are not the same).
    pub fn refresh(&mut self, index: usize, layer: Layer) {
        let Some(old) = self.layers.get_mut(index) else { return };
        let new = OpenLayer::new(io::Loaded { layer, diagnostics: Vec::new() }, None);
        let id = old.id;
        (old.layer, old.index, old.base) = (new.layer, new.index, new.base);
        old.state = new.state;
        old.saved_state = new.saved_state;
        self.undo.retain(|s| s.layer != id);
        self.redo.retain(|s| s.layer != id);
        self.selection.retain_map(|s| (s.layer() != index).then_some(s));
        self.revision += 1;
    }

    /// Swaps a layer with the one above it in drawing order.
    pub fn move_up(&mut self, index: usize) {
        if index + 1 < self.layers.len() {
            self.layers.swap(index, index + 1);
            self.selection.retain_map(|s| Some(s.on_layers_swapped(index, index + 1)));
        }
    }

    pub fn feature(&self, at: FeatureRef) -> Option<&Feature> {
        self.layers.get(at.layer)?.layer.features.get(at.feature)
    }

    pub fn case(&self, layer: usize) -> Option<&Case> {
        self.layers.get(layer)?.layer.case.as_ref()
    }

    /// Changes whenever any layer's data changed.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    pub fn any_dirty(&self) -> bool {
        self.layers.iter().any(OpenLayer::is_dirty)
    }

    /// Applies an edit to a layer as a new undo step.
    pub fn apply(&mut self, layer: usize, edit: Edit) -> Result<(), EditError> {
        self.apply_keyed(layer, edit, None)
    }

    /// Applies an edit; while the last step has the same `key` and was not sealed, the edit
    /// joins it, so a drag or the letters typed into one field undo as one step.
    pub fn apply_keyed(&mut self, layer: usize, edit: Edit, key: Option<&str>) -> Result<(), EditError> {
        let id = self.layers.get(layer).ok_or(EditError::NoLayer)?.id;
        self.change(layer, &edit)?;
        let after = next_number();
        let l = &mut self.layers[layer];
        let before = std::mem::replace(&mut l.state, after);
        self.redo.clear();
        if let Some(last) = self.undo.last_mut().filter(|s| self.open_step && s.layer == id && key.is_some() && s.key.as_deref() == key)
            && let Some(joined) = last.edit.then(&edit)
        {
            last.edit = joined;
            last.after = after;
            return Ok(());
        }
        self.undo.push(Step { layer: id, edit, before, after, key: key.map(str::to_owned) });
        self.open_step = key.is_some();
        Ok(())
    }

    /// Ends the current step: the next edit starts a new one even with the same key (a drag
    /// ended, a field lost focus).
    pub fn seal(&mut self) {
        self.open_step = false;
        // A drag that ended where it began, a field typed back to what it was: no step.
        if let Some(last) = self.undo.last()
            && last.edit.is_noop()
            && let Some(i) = self.position(last.layer)
        {
            self.layers[i].state = last.before;
            self.undo.pop();
        }
    }

    /// Applies the ops to the layer's data, rebuilds its index and keeps the selection on the
    /// same items.
    fn change(&mut self, layer: usize, edit: &Edit) -> Result<(), EditError> {
        let l = self.layers.get_mut(layer).ok_or(EditError::NoLayer)?;
        if let Some(what) = &l.read_only {
            return Err(EditError::ReadOnly(what.clone()));
        }
        edit.apply(Arc::make_mut(&mut l.layer))?;
        // Features changed in place (a drag, a typed name) update their own index entries;
        // anything that moves features to other places rebuilds the tree.
        let in_place = edit.ops.iter().all(|op| !matches!(op, Op::Feature(Change { old: None, .. } | Change { new: None, .. }) | Op::Whole { .. }));
        if in_place {
            let index = Arc::make_mut(&mut l.index);
            for op in &edit.ops {
                if let Op::Feature(Change { at, old: Some(old), new: Some(new) }) = op
                    && old.geometry != new.geometry
                {
                    index.replace(*at, old.geometry.as_ref(), new.geometry.as_ref());
                }
            }
        } else {
            l.index = Arc::new(LayerIndex::build(&l.layer));
        }
        self.revision += 1;
        for op in &edit.ops {
            match op {
                Op::Feature(Change { at, old: None, new: Some(_) }) => {
                    let at = *at;
                    self.selection.retain_map(|s| Some(s.on_feature_inserted(layer, at)));
                }
                Op::Feature(Change { at, old: Some(_), new: None }) => {
                    let at = *at;
                    self.selection.retain_map(|s| s.on_feature_removed(layer, at));
                }
                Op::Whole { .. } => {
                    let n = self.layers[layer].layer.features.len();
                    self.selection.retain_map(|s| s.on_layer_replaced(layer, n));
                }
                _ => {}
            }
        }
        // Records that are gone are no longer selected.
        if edit.ops.iter().any(|op| matches!(op, Op::Source(_) | Op::Vessel(_) | Op::Event(_) | Op::Whole { .. })) {
            let case = self.layers[layer].layer.case.clone();
            self.selection.retain_map(|s| match &s {
                Selection::Source { layer: l, id } if *l == layer => case.as_ref()?.source(id).map(|_| s.clone()),
                Selection::Vessel { layer: l, id } if *l == layer => case.as_ref()?.vessel(id).map(|_| s.clone()),
                Selection::Event { layer: l, id } if *l == layer => case.as_ref()?.event(id).map(|_| s.clone()),
                _ => Some(s),
            });
        }
        Ok(())
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// What Undo would undo ("Move vertex").
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.last().map(|s| s.edit.label.as_str())
    }

    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|s| s.edit.label.as_str())
    }

    /// Undoes the last step; returns its label.
    pub fn undo(&mut self) -> Option<String> {
        let step = self.undo.pop()?;
        self.open_step = false;
        let layer = self.position(step.layer)?;
        if self.change(layer, &step.edit.inverse()).is_err() {
            // Cannot happen while every change goes through here; drop the history rather
            // than apply it to the wrong data.
            self.undo.clear();
            return None;
        }
        self.layers[layer].state = step.before;
        let label = step.edit.label.clone();
        self.redo.push(step);
        Some(label)
    }

    pub fn redo(&mut self) -> Option<String> {
        let step = self.redo.pop()?;
        self.open_step = false;
        let layer = self.position(step.layer)?;
        if self.change(layer, &step.edit).is_err() {
            self.redo.clear();
            return None;
        }
        self.layers[layer].state = step.after;
        let label = step.edit.label.clone();
        self.undo.push(step);
        Some(label)
    }

    /// Saves a layer to its own file, or to `to` (Save as). A file that changed on disk since
    /// it was read is not overwritten unless `overwrite` (the user chose to).
    pub fn save(&mut self, layer: usize, to: Option<&Path>, overwrite: bool) -> Result<PathBuf, SaveError> {
        let l = self.layers.get_mut(layer).ok_or(SaveError::NoLayer)?;
        let path = match to {
            Some(p) => p.to_owned(),
            None if l.needs_name() => return Err(SaveError::NeedsName),
            None => l.path.clone().ok_or(SaveError::NeedsName)?,
        };
        let own_file = l.path.as_deref() == Some(path.as_path());
        if own_file && !overwrite && l.file_changed() {
            l.changed_on_disk = true;
            return Err(SaveError::ChangedOnDisk(path));
        }
        io::save_path(&path, &l.layer)?;
        // A case written as KML, KMZ or GPX loses its evidence: that file is an export, and
        // the case stays tied to its own file, unsaved if it was.
        if l.layer.case.is_some() && !io::keeps_everything(&path) {
            return Ok(path);
        }
        l.wrote_file = true;
        l.stamp = disk::Stamp::of(&path);
        l.path = Some(path.clone());
        // A past state saved to a file of its own is the user's copy, to edit as any other.
        l.read_only = None;
        l.base = l.layer.clone();
        l.saved_state = l.state;
        l.changed_on_disk = false;
        self.open_step = false;
        Ok(path)
    }

    /// Looks at the files of open layers: a layer without edits is read again when its file
    /// changed; a layer with edits is marked `changed_on_disk`. Returns what was reloaded.
    pub fn check_disk(&mut self) -> Vec<usize> {
        let mut reloaded = Vec::new();
        for i in 0..self.layers.len() {
            let l = &mut self.layers[i];
            if l.changed_on_disk || !l.file_changed() {
                continue;
            }
            let Some(path) = l.path.clone() else { continue };
            let stamp = disk::Stamp::of(&path);
            let theirs = match io::read_path(&path) {
                Ok(t) => t,
                Err(_) => {
                    // Half written, or broken for good: look again when it changes next.
                    l.stamp = stamp;
                    continue;
                }
            };
            // Touched but not changed (a sync client, `touch`): nothing to do.
            if theirs.layer == *l.base {
                l.stamp = stamp;
                continue;
            }
            if l.is_dirty() {
                l.changed_on_disk = true;
            } else {
                self.replace_from_disk(i, theirs, stamp);
                reloaded.push(i);
            }
        }
        reloaded
    }

    /// Replaces a layer with what its file holds, saved as it is. Not a step: the layer's
    /// undo history goes (its edits are in the file, or kept elsewhere by the caller).
    pub fn replace_from_disk(&mut self, layer: usize, theirs: io::Loaded, stamp: Option<disk::Stamp>) {
        let Some(l) = self.layers.get_mut(layer) else { return };
        let id = l.id;
        l.layer = Arc::new(theirs.layer);
        l.index = Arc::new(LayerIndex::build(&l.layer));
        l.base = l.layer.clone();
        l.diagnostics = theirs.diagnostics;
        l.stamp = stamp;
        l.state = next_number();
        l.saved_state = l.state;
        l.changed_on_disk = false;
        let n = l.layer.features.len();
        self.undo.retain(|s| s.layer != id);
        self.redo.retain(|s| s.layer != id);
        self.revision += 1;
        self.selection.retain_map(|s| s.on_layer_replaced(layer, n));
    }

    /// Reads a layer's file again, dropping the edits made here.
    pub fn reload(&mut self, layer: usize) -> Result<(), io::ReadError> {
        let path = self.layers.get(layer).and_then(|l| l.path.clone()).ok_or_else(|| io::ReadError::Io(std::io::Error::other("the layer has no file")))?;
        let stamp = disk::Stamp::of(&path);
        let theirs = io::read_path(&path)?;
        self.replace_from_disk(layer, theirs, stamp);
        Ok(())
    }

    /// Reads an AIS layer's file again with other thresholds or ports, as one step that can
    /// be undone (the events found before come back with it).
    pub fn rerun_ais(&mut self, layer: usize, options: &io::ReadOptions) -> Result<(), EditError> {
        let l = self.layers.get(layer).ok_or(EditError::NoLayer)?;
        let path = l.path.clone().ok_or_else(|| EditError::Read("the layer has no file".into()))?;
        let mut new = io::read_path_options(&path, &io::Progress::default(), options).map_err(|e| EditError::Read(e.to_string()))?.layer;
        new.name.clone_from(&l.layer.name);
        let edit = Edit::new("Find AIS events again", vec![Op::Whole { old: Box::new((*l.layer).clone()), new: Box::new(new) }]);
        self.apply(layer, edit)
    }

    /// The three-way merge of a layer's edits with its file as it is now.
    pub fn merge_with_disk(&self, layer: usize) -> Result<DiskMerge, io::ReadError> {
        let l = self.layers.get(layer).ok_or_else(|| io::ReadError::Io(std::io::Error::other("no such layer")))?;
        let path = l.path.as_deref().ok_or_else(|| io::ReadError::Io(std::io::Error::other("the layer has no file")))?;
        let stamp = disk::Stamp::of(path);
        let theirs = io::read_path(path)?.layer;
        let merge = crate::model::merge::merge(&l.base, &l.layer, &theirs);
        Ok(DiskMerge { layer: l.id, state: l.state, stamp, merge, theirs })
    }

    /// Takes a merged layer as a step that can be undone; the file as it was read for the
    /// merge becomes the base, so the next save writes the merge unless the file changed
    /// again since. Refused when the layer changed while the user was choosing.
    pub fn accept_merge(&mut self, m: DiskMerge, merged: Layer) -> Result<usize, EditError> {
        let layer = self.position(m.layer).ok_or(EditError::NoLayer)?;
        let l = &self.layers[layer];
        if l.state != m.state {
            return Err(EditError::Stale);
        }
        let edit = Edit::new("Merge with the file on disk", vec![Op::Whole { old: Box::new((*l.layer).clone()), new: Box::new(merged) }]);
        self.apply(layer, edit)?;
        let l = &mut self.layers[layer];
        l.base = Arc::new(m.theirs);
        l.stamp = m.stamp;
        l.changed_on_disk = false;
        Ok(layer)
    }

    /// The layer was saved somewhere other than a file (a shared case in the database), which
    /// now holds `stored`: when that differs from the layer (colleagues' changes merged in),
    /// the layer becomes it as one undoable step; either way it is saved as of now.
    pub fn saved_elsewhere(&mut self, layer: usize, stored: Layer) -> Result<(), EditError> {
        let l = self.layers.get(layer).ok_or(EditError::NoLayer)?;
        if crate::io::geojson::to_value(&l.layer) != crate::io::geojson::to_value(&stored) {
            self.replace_whole(layer, stored, "Take in colleagues' changes")?;
        }
        let l = &mut self.layers[layer];
        l.base = l.layer.clone();
        l.saved_state = l.state;
        self.open_step = false;
        Ok(())
    }

    /// Replaces a layer's whole content as one undoable step named `label`.
    pub fn replace_whole(&mut self, layer: usize, new: Layer, label: &str) -> Result<(), EditError> {
        let l = self.layers.get(layer).ok_or(EditError::NoLayer)?;
        let mut new = new;
        new.name = l.layer.name.clone();
        self.apply(layer, Edit::new(label, vec![Op::Whole { old: Box::new((*l.layer).clone()), new: Box::new(new) }]))
    }

    // Edits the UI makes, each one step.

    /// Adds a feature at the end of a layer and selects it.
    pub fn add_feature(&mut self, layer: usize, feature: Feature, label: &str) -> Result<FeatureRef, EditError> {
        let at = self.layers.get(layer).ok_or(EditError::NoLayer)?.layer.features.len();
        self.apply(layer, Edit::new(label, vec![Op::Feature(Change::insert(at, feature))]))?;
        let r = FeatureRef { layer, feature: at };
        self.selection.select(Selection::Feature(r));
        Ok(r)
    }

    /// Replaces a feature; `key` joins repeated changes into one step (see `apply_keyed`).
    pub fn replace_feature(&mut self, at: FeatureRef, new: Feature, label: &str, key: Option<&str>) -> Result<(), EditError> {
        let old = self.feature(at).ok_or(EditError::Stale)?.clone();
        if old == new {
            return Ok(());
        }
        self.apply_keyed(at.layer, Edit::new(label, vec![Op::Feature(Change::replace(at.feature, old, new))]), key)
    }

    /// Deletes a feature, and the ids of it that events and routes hold.
    pub fn remove_feature(&mut self, at: FeatureRef) -> Result<(), EditError> {
        let layer = &self.layers.get(at.layer).ok_or(EditError::NoLayer)?.layer;
        let old = layer.features.get(at.feature).ok_or(EditError::Stale)?.clone();
        let mut ops = Vec::new();
        if let Some(key) = old.key() {
            ops.extend(unlink_feature_ids(layer, &key, &["from_site", "to_site", "site_id"]));
            if let Some(case) = &layer.case {
                ops.extend(records_without(&case.events, &key, Op::Event, |e| &mut e.site_ids));
            }
        }
        ops.push(Op::Feature(Change::remove(at.feature, old)));
        self.apply(at.layer, Edit::new("Delete feature", ops))
    }

    /// Adds or replaces a source, vessel or event (by id); `key` as for `replace_feature`.
    pub fn put<R: Record>(&mut self, layer: usize, record: R, key: Option<&str>) -> Result<(), EditError> {
        let case = self.case(layer).ok_or(EditError::NotACase)?;
        let list = R::list(case);
        let op = match list.iter().position(|r| r.id() == record.id()) {
            Some(at) if list[at] == record => return Ok(()),
            Some(at) => R::op(Change::replace(at, list[at].clone(), record)),
            None => R::op(Change::insert(list.len(), record)),
        };
        self.apply_keyed(layer, Edit::new(format!("Edit {}", R::NAME), vec![op]), key)
    }

    /// Adds an AIS event feature (of an AIS layer) to the case in layer `case_layer` as an
    /// event with evidence type "ais data", linked to its vessel (and the other ship of an
    /// encounter) by IMO, else MMSI; a vessel the case does not have is added. One step to
    /// undo. Returns the new event's id.
    pub fn add_ais_event(&mut self, case_layer: usize, event: &Feature) -> Result<String, EditError> {
        let l = &self.layers.get(case_layer).ok_or(EditError::NoLayer)?.layer;
        let case = l.case.as_ref().ok_or(EditError::NotACase)?;
        let text = |k: &str| match event.properties.get(k) {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Null) | None => String::new(),
            Some(v) => v.to_string(),
        };
        let mut ops = Vec::new();
        let mut vessels = case.vessels.clone();
        let mut vessel_ids = Vec::new();
        for (mmsi, imo, name) in [(text("mmsi"), text("imo"), text("vessel_name")), (text("other_mmsi"), String::new(), String::new())] {
            if mmsi.is_empty() {
                continue;
            }
            let known = vessels.iter().find(|v| (!imo.is_empty() && v.imo.as_deref() == Some(imo.as_str())) || v.mmsi.as_deref() == Some(mmsi.as_str()));
            let id = match known {
                Some(v) => v.id.clone(),
                None => {
                    // (Random ids: a second new vessel in this step draws again on a clash.)
                    let id = loop {
                        let id = edit::unique_id(l, "vessel");
                        if !vessels.iter().any(|v| v.id == id) {
                            break id;
                        }
                    };
                    let v = crate::model::Vessel {
                        id: id.clone(),
                        name: if name.is_empty() { format!("MMSI {mmsi}") } else { name.clone() },
                        imo: (!imo.is_empty()).then(|| imo.clone()),
                        mmsi: Some(mmsi.clone()),
                        ..crate::model::Vessel::default()
                    };
                    ops.push(Op::Vessel(Change::insert(vessels.len(), v.clone())));
                    vessels.push(v);
                    id
                }
            };
            vessel_ids.push(id);
        }
        let id = edit::unique_id(l, "event_ais");
        let new = crate::ais::output::case_event(event, id.clone(), vessel_ids);
        ops.push(Op::Event(Change::insert(case.events.len(), new)));
        self.apply(case_layer, Edit::new("Add AIS event to the case", ops))?;
        Ok(id)
    }

    /// Records a catalogue scene in the imagery ledger of the site at `site`: a source for
    /// the item and an event for the picture, linked from the site, as one step. A scene
    /// already recorded there is not added twice (`Ok(None)`); else the new event's id.
    pub fn add_imagery_scene(&mut self, site: FeatureRef, scene: &crate::imagery::Scene, catalogue: &str) -> Result<Option<String>, EditError> {
        let l = &self.layers.get(site.layer).ok_or(EditError::NoLayer)?.layer;
        let case = l.case.as_ref().ok_or(EditError::NotACase)?;
        let f = l.features.get(site.feature).ok_or(EditError::Stale)?;
        let site_id = f.key().ok_or(EditError::Stale)?;
        if imagery_events(case, &site_id).any(|(_, s)| crate::imagery::scene_of(s) == Some(scene.id.as_str())) {
            return Ok(None);
        }
        let source_id = edit::unique_id(l, "src_scene");
        let event_id = loop {
            let id = edit::unique_id(l, "event_image");
            if id != source_id {
                break id;
            }
        };
        let (source, event) = crate::imagery::ledger_entry(scene, catalogue, source_id, event_id.clone(), &site_id);
        let ops = vec![
            Op::Source(Change::insert(case.sources.len(), source)),
            Op::Event(Change::insert(case.events.len(), event)),
            Op::Feature(Change::replace(site.feature, f.clone(), edit::linked(f, "event_ids", &event_id, true))),
        ];
        self.apply(site.layer, Edit::new("Add scene to the imagery ledger", ops))?;
        Ok(Some(event_id))
    }

    /// Deletes a source, vessel or event and every reference to it, as one step.
    pub fn remove<R: Record>(&mut self, layer: usize, id: &str) -> Result<(), EditError> {
        let l = &self.layers.get(layer).ok_or(EditError::NoLayer)?.layer;
        let case = l.case.as_ref().ok_or(EditError::NotACase)?;
        let list = R::list(case);
        let at = list.iter().position(|r| r.id() == id).ok_or(EditError::Stale)?;
        let mut ops = R::unlink(l, id);
        ops.push(R::op(Change::remove(at, list[at].clone())));
        self.apply(layer, Edit::new(format!("Delete {}", R::NAME), ops))
    }

    /// Changes the case's title and description.
    pub fn set_info(&mut self, layer: usize, new: Info, key: Option<&str>) -> Result<(), EditError> {
        let case = self.case(layer).ok_or(EditError::NotACase)?;
        let old = Info { title: case.title.clone(), description: case.description.clone() };
        if old == new {
            return Ok(());
        }
        self.apply_keyed(layer, Edit::new("Edit case title", vec![Op::Info { old, new }]), key)
    }
}

impl OpenLayer {
    /// The file is not what this layer last read or wrote.
    fn file_changed(&self) -> bool {
        match (&self.path, &self.stamp) {
            (Some(p), Some(s)) => disk::Stamp::of(p).is_some_and(|now| now != *s),
            _ => false,
        }
    }
}

/// A source, vessel or event: the evidence records of a case, each in its list, by id.
pub trait Record: Clone + PartialEq {
    /// What the Edit menu calls it.
    const NAME: &'static str;
    fn id(&self) -> &str;
    fn list(case: &Case) -> &Vec<Self>;
    fn op(change: Change<Self>) -> Op;
    /// The ops that take every reference to the record `id` out of the layer.
    fn unlink(layer: &Layer, id: &str) -> Vec<Op>;
}

impl Record for Source {
    const NAME: &'static str = "source";
    fn id(&self) -> &str {
        &self.id
    }
    fn list(case: &Case) -> &Vec<Self> {
        &case.sources
    }
    fn op(change: Change<Self>) -> Op {
        Op::Source(change)
    }
    fn unlink(layer: &Layer, id: &str) -> Vec<Op> {
        let mut ops = unlink_feature_ids(layer, id, &["source_ids", "coord_source_ids"]);
        if let Some(case) = &layer.case {
            ops.extend(records_without(&case.events, id, Op::Event, |e| &mut e.source_ids));
            ops.extend(records_without(&case.vessels, id, Op::Vessel, |v| &mut v.source_ids));
        }
        ops
    }
}

impl Record for Vessel {
    const NAME: &'static str = "vessel";
    fn id(&self) -> &str {
        &self.id
    }
    fn list(case: &Case) -> &Vec<Self> {
        &case.vessels
    }
    fn op(change: Change<Self>) -> Op {
        Op::Vessel(change)
    }
    fn unlink(layer: &Layer, id: &str) -> Vec<Op> {
        let mut ops = unlink_feature_ids(layer, id, &["vessel_ids"]);
        if let Some(case) = &layer.case {
            ops.extend(records_without(&case.events, id, Op::Event, |e| &mut e.vessel_ids));
        }
        ops
    }
}

impl Record for Event {
    const NAME: &'static str = "event";
    fn id(&self) -> &str {
        &self.id
    }
    fn list(case: &Case) -> &Vec<Self> {
        &case.events
    }
    fn op(change: Change<Self>) -> Op {
        Op::Event(change)
    }
    fn unlink(layer: &Layer, id: &str) -> Vec<Op> {
        unlink_feature_ids(layer, id, &["event_ids"])
    }
}

/// Ops that take `id` out of the id lists `field` of every record that holds it.
fn records_without<T: Clone>(list: &[T], id: &str, op: fn(Change<T>) -> Op, field: impl Fn(&mut T) -> &mut Vec<String>) -> Vec<Op> {
    list.iter()
        .enumerate()
        .filter_map(|(at, r)| {
            let mut new = r.clone();
            let ids = field(&mut new);
            let n = ids.len();
            ids.retain(|x| x != id);
            (ids.len() != n).then(|| op(Change::replace(at, r.clone(), new)))
        })
        .collect()
}

/// Ops that take `id` out of the given properties of every feature (lists and single ids).
fn unlink_feature_ids(layer: &Layer, id: &str, props: &[&str]) -> Vec<Op> {
    use serde_json::Value;
    layer
        .features
        .iter()
        .enumerate()
        .filter_map(|(at, f)| {
            let mut new = f.clone();
            for key in props {
                match new.properties.get(key) {
                    Some(Value::Array(mut items)) => {
                        items.retain(|v| v.as_str() != Some(id));
                        new.properties.insert((*key).to_owned(), Value::Array(items));
                    }
                    Some(Value::String(s)) if s == id => {
                        new.properties.remove(key);
                    }
                    _ => {}
                }
            }
            (new != *f).then(|| Op::Feature(Change::replace(at, f.clone(), new)))
        })
        .collect()
}

/// The events at a site that record a catalogue scene, with the scene's source.
pub fn imagery_events<'a>(case: &'a Case, site_id: &'a str) -> impl Iterator<Item = (&'a Event, &'a Source)> {
    case.events.iter().filter(move |e| e.site_ids.iter().any(|s| s == site_id)).filter_map(|e| {
        let s = e.source_ids.iter().filter_map(|id| case.source(id)).find(|s| crate::imagery::scene_of(s).is_some())?;
        Some((e, s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Document {
        let mut d = Document::new();
        d.push(OpenLayer::new(io::sample_case(), None));
        d
    }

    #[test]
    fn undo_and_redo_walk_back_and_forth_through_exact_states() {
        let mut d = doc();
        let start = (*d.layers[0].layer).clone();
        let site = edit::new_site(&d.layers[0].layer, 131.0, 43.0);
        let at = d.add_feature(0, site, "Add site").unwrap();
        let after_add = (*d.layers[0].layer).clone();
        let mut moved = d.feature(at).unwrap().clone();
        moved.geometry = Some(geo::Geometry::Point(geo::Point::new(131.5, 43.5)));
        d.replace_feature(at, moved, "Move site", None).unwrap();
        // The index follows the moves in place as a rebuilt one would.
        let moved_index = &d.layers[0].index;
        let rebuilt = LayerIndex::build(&d.layers[0].layer);
        let world = crate::projection::WorldRect::from_corners([0.0, 0.0], [1.0, 1.0]);
        let mut a: Vec<_> = moved_index.pieces_in(&world).collect();
        let mut b: Vec<_> = rebuilt.pieces_in(&world).collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!((a, moved_index.vertices()), (b, rebuilt.vertices()));
        assert_eq!(d.undo_label(), Some("Move site"));
        assert!(d.layers[0].is_dirty());
        d.undo();
        assert_eq!(*d.layers[0].layer, after_add);
        d.undo();
        assert_eq!(*d.layers[0].layer, start);
        assert!(!d.layers[0].is_dirty(), "back at the state it was opened in");
        assert_eq!(d.selection.current(), None, "the removed site is no longer selected");
        d.redo();
        assert_eq!(*d.layers[0].layer, after_add);
        assert!(d.layers[0].layer.feature_by_key(&after_add.features.last().unwrap().key().unwrap()).is_some());
        // The index follows: the new site is found where it is.
        assert_eq!(d.layers[0].index.features_in(&crate::projection::WorldRect::from_corners([0.0, 0.0], [1.0, 1.0])).len(), after_add.features.len());
    }

    #[test]
    fn a_case_saved_as_kml_kmz_or_gpx_is_an_export() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = doc();
        let site = edit::new_site(&d.layers[0].layer, 131.0, 43.0);
        d.add_feature(0, site, "Add site").unwrap();
        for name in ["case.kml", "case.kmz", "case.gpx"] {
            let out = dir.path().join(name);
            assert_eq!(d.save(0, Some(&out), false).unwrap(), out);
            assert!(io::read_path(&out).is_ok(), "{name}");
            assert_eq!(d.layers[0].path, None, "{name}: the case stays tied to its own file");
            assert!(d.layers[0].is_dirty(), "{name}: and unsaved");
        }
        let out = dir.path().join("case.geojson");
        d.save(0, Some(&out), false).unwrap();
        assert_eq!(d.layers[0].path.as_deref(), Some(out.as_path()));
        assert!(!d.layers[0].is_dirty());
    }

    #[test]
    fn a_gpx_or_kmz_file_is_written_over_only_after_this_layer_wrote_it() {
        let dir = tempfile::tempdir().unwrap();
        let read = dir.path().join("unit.gpx");
        std::fs::write(&read, r#"<gpx version="1.1" creator="unit"><wpt lat="43" lon="131"><name>a</name><extensions><hr>90</hr></extensions></wpt></gpx>"#).unwrap();
        let mut d = Document::new();
        d.push(OpenLayer::new(io::read_path(&read).unwrap(), Some(read.clone())));
        // Writing it back would drop the extensions Portolan does not read: Save asks first.
        assert!(d.layers[0].needs_name());
        assert!(matches!(d.save(0, None, false), Err(SaveError::NeedsName)));
        for name in ["mine.gpx", "mine.kmz"] {
            let out = dir.path().join(name);
            d.save(0, Some(&out), false).unwrap();
            assert_eq!(d.layers[0].path.as_deref(), Some(out.as_path()), "{name}: a plain layer follows its new file");
            assert!(!d.layers[0].needs_name(), "{name}: Save now writes there");
            assert_eq!(d.save(0, None, false).unwrap(), out);
        }
    }

    #[test]
    fn keyed_edits_join_until_sealed() {
        let mut d = doc();
        let at = FeatureRef { layer: 0, feature: 0 };
        for name in ["D", "Du", "Dun"] {
            let mut f = d.feature(at).unwrap().clone();
            f.properties.insert("name".into(), serde_json::json!(name));
            d.replace_feature(at, f, "Edit name", Some("name")).unwrap();
        }
        d.seal();
        let mut f = d.feature(at).unwrap().clone();
        f.properties.insert("name".into(), serde_json::json!("Other"));
        d.replace_feature(at, f, "Edit name", Some("name")).unwrap();
        d.undo();
        assert_eq!(d.feature(at).unwrap().name(), Some("Dun"));
        d.undo();
        assert_ne!(d.feature(at).unwrap().name(), Some("D"));
        assert!(!d.can_undo());
    }

    #[test]
    fn deleting_a_source_unlinks_it_everywhere_and_undo_relinks() {
        let mut d = doc();
        let before = (*d.layers[0].layer).clone();
        let id = before.case.as_ref().unwrap().sources[0].id.clone();
        d.remove::<Source>(0, &id).unwrap();
        let after = &d.layers[0].layer;
        assert!(after.case.as_ref().unwrap().source(&id).is_none());
        assert!(crate::io::case_file::check_references(after).is_empty(), "no id points nowhere");
        d.undo();
        assert_eq!(*d.layers[0].layer, before);
    }

    #[test]
    fn undo_after_save_marks_the_layer_changed_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.portolan.geojson");
        let mut d = doc();
        assert!(matches!(d.save(0, None, false), Err(SaveError::NeedsName)));
        let site = edit::new_site(&d.layers[0].layer, 131.0, 43.0);
        d.add_feature(0, site, "Add site").unwrap();
        d.save(0, Some(&path), false).unwrap();
        assert!(!d.layers[0].is_dirty());
        d.undo();
        assert!(d.layers[0].is_dirty());
        d.redo();
        assert!(!d.layers[0].is_dirty(), "redo returns to the saved state");
    }

    #[test]
    fn a_file_changed_on_disk_is_not_overwritten_and_a_clean_layer_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.portolan.geojson");
        std::fs::write(&path, crate::io::geojson::to_string(&io::sample_case().layer)).unwrap();
        let mut d = Document::new();
        d.push(OpenLayer::new(io::read_path(&path).unwrap(), Some(path.clone())));
        // Someone else adds a site.
        let mut theirs = (*d.layers[0].layer).clone();
        theirs.features.push(edit::new_site(&theirs, 120.0, 40.0));
        std::fs::write(&path, crate::io::geojson::to_string(&theirs) + "\n").unwrap();
        assert_eq!(d.check_disk(), vec![0], "no edits here: read again");
        assert_eq!(d.layers[0].layer.features.len(), theirs.features.len());
        // Now both change it.
        let at = FeatureRef { layer: 0, feature: 0 };
        let mut mine = d.feature(at).unwrap().clone();
        mine.properties.insert("name".into(), serde_json::json!("Mine"));
        d.replace_feature(at, mine, "Edit name", None).unwrap();
        theirs.features.push(edit::new_site(&theirs, 121.0, 41.0));
        std::fs::write(&path, crate::io::geojson::to_string(&theirs)).unwrap();
        assert!(d.check_disk().is_empty());
        assert!(d.layers[0].changed_on_disk);
        assert!(matches!(d.save(0, None, false), Err(SaveError::ChangedOnDisk(_))));
        let m = d.merge_with_disk(0).unwrap();
        assert!(m.merge.conflicts.is_empty());
        let merged = m.merge.layer.clone();
        d.accept_merge(m, merged).unwrap();
        d.save(0, None, false).unwrap();
        let saved = io::read_path(&path).unwrap().layer;
        assert_eq!(saved.features[0].name(), Some("Mine"));
        assert_eq!(saved.features.len(), d.layers[0].layer.features.len());
        assert!(saved.feature_by_key(&theirs.features.last().unwrap().key().unwrap()).is_some(), "their second site is kept");
    }
}
