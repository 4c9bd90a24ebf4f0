//! PostGIS in the window: the "Open from database" dialog (an address, Connect, the tables
//! with a geometry column and what is known of them without scanning them) and the layers it
//! opens, each read per view by a worker thread that owns its connection. When the view (or
//! the timeline's range) changes, the query in flight is cancelled and the new view asked
//! for; the layer shows the last answer until the next arrives, and a dropped connection is
//! made again on the next view.
//!
//! An AIS archive (`portolan db import-ais`) is read at the level its zoom needs (monthly
//! lines, daily lines, positions), and "Find AIS events in view" extracts the positions of the
//! vessels in view over the timeline's period to a file that opens as an AIS layer, with the
//! detectors' events and the AIS pages of the side panel.

use std::sync::mpsc;
use std::time::Duration;

use std::path::PathBuf;

use crate::db::ais::{Archive, Level};
use crate::db::{self, Canceller, DbError, Table, View};
use crate::document::{Document, LayerId, OpenLayer};
use crate::model::time::DateRange;

/// Saved connections kept at most.
const SAVED: usize = 8;
/// Features read per view at most (more are left out, and the status says so).
const VIEW_LIMIT: usize = 50_000;
/// The connection and each statement give up after this long.
const TIMEOUT: Duration = Duration::from_secs(20);

type CaseRow = db::cases::CaseInfo;
/// The address asked, and what it listed.
type Listing = (String, Result<(Vec<Table>, Vec<CaseRow>), DbError>);

/// What the user opens from the dialog.
pub enum Chosen {
    Table(Table, Option<Archive>),
    Case(String),
}

/// The "Open from database" dialog.
pub struct DbDialog {
    pub url: String,
    /// Addresses connected to before, newest first, without passwords: the saved connections.
    pub saved: Vec<String>,
    listing: Option<mpsc::Receiver<Listing>>,
    tables: Vec<Table>,
    cases: Vec<CaseRow>,
    message: Option<String>,
}

impl DbDialog {
    pub fn new(url: &str, saved: &[String]) -> Self {
        DbDialog { url: url.to_owned(), saved: saved.to_vec(), listing: None, tables: Vec::new(), cases: Vec::new(), message: None }
    }

    /// Asks for the tables on a worker thread.
    pub fn connect(&mut self, ctx: &egui::Context) {
        let (tx, rx) = mpsc::channel();
        let (url, ctx) = (self.url.clone(), ctx.clone());
        std::thread::spawn(move || {
            // Shared cases need the portolan schema: a user who may not make it sees none.
            let listing = db::connect(&url, TIMEOUT).and_then(|mut c| Ok((c.tables()?, c.cases().unwrap_or_default())));
            let _ = tx.send((url, listing));
            ctx.request_repaint();
        });
        // What another address listed is not this one's.
        self.tables.clear();
        self.cases.clear();
        self.listing = Some(rx);
        self.message = None;
    }

    /// The dialog; the table the user chose to open, and whether it stays open.
    pub fn ui(&mut self, ctx: &egui::Context) -> (Option<Chosen>, bool) {
        if let Some(rx) = &self.listing {
            match rx.try_recv() {
                Ok((url, Ok((tables, cases)))) => {
                    // The tables open from the address that listed them.
                    self.url = url;
                    let address = db::without_password(&self.url);
                    if !address.trim().is_empty() {
                        self.saved.retain(|a| *a != address);
                        self.saved.insert(0, address);
                        self.saved.truncate(SAVED);
                    }
                    self.message = (tables.is_empty() && cases.is_empty()).then(|| "No table or view in this database has a geometry column, and no case is shared in it".to_owned());
                    self.tables = tables;
                    self.cases = cases;
                    self.listing = None;
                }
                Ok((_, Err(e))) => {
                    self.message = Some(e.to_string());
                    self.listing = None;
                }
                Err(mpsc::TryRecvError::Empty) => ctx.request_repaint_after(Duration::from_millis(100)),
                Err(mpsc::TryRecvError::Disconnected) => self.listing = None,
            }
        }
        let mut open = true;
        let mut chosen = None;
        egui::Window::new("Open from database").open(&mut open).default_width(520.0).show(ctx, |ui| {
            let mut connect = false;
            ui.horizontal(|ui| {
                let l = ui.label("Address");
                ui.add(egui::TextEdit::singleline(&mut self.url).hint_text("postgres://user@host/database").desired_width(330.0)).labelled_by(l.id);
                if self.listing.is_some() {
                    ui.spinner();
                } else if ui.button("Connect").clicked() {
                    self.connect(ui.ctx());
                }
            });
            let mut forget = None;
            for (i, address) in self.saved.iter().enumerate() {
                ui.horizontal(|ui| {
                    if ui.link(address).on_hover_text("Connect to this database again").clicked() && self.listing.is_none() {
                        self.url.clone_from(address);
                        connect = true;
                    }
                    if ui.small_button("×").on_hover_text("Forget this address").clicked() {
                        forget = Some(i);
                    }
                });
            }
            if let Some(i) = forget {
                self.saved.remove(i);
            }
            if connect {
                self.connect(ui.ctx());
            }
            ui.label(
                egui::RichText::new("Empty parts come from PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD; a password is never saved.")
                    .small()
                    .color(ui.visuals().weak_text_color()),
            );
            if let Some(m) = &self.message {
                ui.colored_label(ui.visuals().error_fg_color, m);
            }
            if !self.tables.is_empty() {
                ui.separator();
                egui::Grid::new("db-tables").striped(true).num_columns(4).show(ui, |ui| {
                    for t in &self.tables {
                        let archive = Archive::of(&self.tables, t);
                        let hint = if archive.is_some() { "An AIS archive: opens as a layer of monthly lines zoomed out, daily lines closer, positions closest" } else { "Open as a layer read per view" };
                        if ui.button(t.title()).on_hover_text(hint).clicked() {
                            let table = archive.as_ref().map_or_else(|| t.clone(), |a| a.positions.clone());
                            chosen = Some(Chosen::Table(table, archive.clone()));
                        }
                        ui.label(format!("{} · EPSG:{}", t.geometry_type.to_lowercase(), t.srid));
                        ui.label(match archive.as_ref().map_or(t.estimated_extent, |a| a.positions.estimated_extent) {
                            Some([w, s, e, n]) => format!("about {w:.2}, {s:.2} – {e:.2}, {n:.2}"),
                            None => "extent not known yet".into(),
                        });
                        ui.label(if archive.is_some() { "AIS archive".to_owned() } else { t.time_column.as_deref().map_or(String::new(), |c| format!("time: {c}")) });
                        ui.end_row();
                    }
                });
            }
            if !self.cases.is_empty() {
                ui.separator();
                ui.strong("Shared cases");
                egui::Grid::new("db-cases").striped(true).num_columns(3).show(ui, |ui| {
                    for c in &self.cases {
                        if ui.button(&c.name).on_hover_text("Open to edit with your team: Save writes to the database").clicked() {
                            chosen = Some(Chosen::Case(c.name.clone()));
                        }
                        ui.label(format!("{} ({} items)", c.title, c.items));
                        ui.label(match (&c.changed_by, &c.changed_at) {
                            (Some(by), Some(at)) => format!("changed {at} UTC by {by}"),
                            _ => String::new(),
                        });
                        ui.end_row();
                    }
                });
            }
        });
        (chosen, open)
    }
}

/// A table open as a layer: its worker, the view last asked for, what the layer shows.
pub struct DbLayer {
    pub table: Table,
    /// The tables beside it when it is an AIS archive.
    pub archive: Option<Archive>,
    url: String,
    pub layer: LayerId,
    requests: mpsc::Sender<View>,
    answers: mpsc::Receiver<Answer>,
    canceller: Option<Canceller>,
    asked: Option<View>,
    in_flight: bool,
    /// When the last read failed for want of the server: the view is asked again later.
    failed: Option<std::time::Instant>,
    /// What the status bar says about it.
    pub status: String,
}

enum Answer {
    Connected(Canceller),
    Read(View, Box<Result<db::ViewRead, DbError>>),
}

impl DbLayer {
    /// Opens `table` as a new, empty layer of `doc` (filled by the first view's answer).
    pub fn open(ctx: &egui::Context, doc: &mut Document, url: &str, table: Table, archive: Option<Archive>) -> DbLayer {
        let layer = crate::model::Layer { name: table.title(), ..Default::default() };
        let open = OpenLayer::new(crate::io::Loaded { layer, diagnostics: Vec::new() }, None);
        let id = open.id;
        doc.push(open);
        let (requests, inbox) = mpsc::channel::<View>();
        let (outbox, answers) = mpsc::channel();
        let (worker_url, worker_table, worker_archive, ctx) = (url.to_owned(), table.clone(), archive.clone(), ctx.clone());
        let read = move |c: &mut db::Connection, view: &View| match &worker_archive {
            Some(a) => c.read_archive(a, view),
            None => c.read_view(&worker_table, view),
        };
        std::thread::spawn(move || {
            let mut conn: Option<db::Connection> = None;
            while let Ok(mut view) = inbox.recv() {
                // Only the newest view matters.
                while let Ok(newer) = inbox.try_recv() {
                    view = newer;
                }
                if conn.is_none() {
                    match db::connect(&worker_url, TIMEOUT) {
                        Ok(c) => {
                            let _ = outbox.send(Answer::Connected(c.canceller()));
                            conn = Some(c);
                        }
                        Err(e) => {
                            let _ = outbox.send(Answer::Read(view, Box::new(Err(e))));
                            ctx.request_repaint();
                            continue;
                        }
                    }
                }
                let Some(c) = conn.as_mut() else { continue };
                let mut answer = read(c, &view);
                // A connection the server dropped (a restart, a network change) is made again
                // at once, and the view asked again on it.
                if matches!(&answer, Err(DbError::Unreachable(_))) {
                    conn = None;
                    if let Ok(mut c) = db::connect(&worker_url, TIMEOUT) {
                        let _ = outbox.send(Answer::Connected(c.canceller()));
                        answer = read(&mut c, &view);
                        conn = Some(c);
                    }
                }
                if outbox.send(Answer::Read(view, Box::new(answer))).is_err() {
                    return;
                }
                ctx.request_repaint();
            }
        });
        DbLayer { table, archive, url: url.to_owned(), layer: id, requests, answers, canceller: None, asked: None, in_flight: false, failed: None, status: "connecting…".into() }
    }

    /// A read is on its way, or one will be tried again.
    pub fn waiting(&self) -> bool {
        self.in_flight || self.failed.is_some()
    }

    /// Once a frame: asks for the view when it changed (cancelling a stale query), and shows
    /// what arrived. `view` is the map's box and width in pixels; `range` the timeline's.
    pub fn step(&mut self, doc: &mut Document, view: Option<([f64; 4], f64)>, range: Option<DateRange>, settled: bool) {
        while let Ok(a) = self.answers.try_recv() {
            match a {
                Answer::Connected(c) => self.canceller = Some(c),
                Answer::Read(v, r) => {
                    if Some(&v) != self.asked.as_ref() {
                        continue;
                    }
                    self.in_flight = false;
                    match *r {
                        Ok(read) => {
                            let n = read.layer.features.len();
                            let what = match read.level {
                                Some(Level::Monthly) => "lines in view, a line per vessel and month (zoom in for days)",
                                Some(Level::Daily) => "lines in view, a line per vessel and day (zoom in for positions)",
                                Some(Level::Positions) => "positions in view",
                                None => "features in view",
                            };
                            let mut status = format!("{}: {n} {what}", self.table.title());
                            if read.truncated {
                                status.push_str(&format!(" (the first {VIEW_LIMIT}: zoom in for the rest)"));
                            }
                            if read.simplified {
                                status.push_str(", simplified to the pixel");
                            }
                            self.status = status;
                            if let Some(i) = doc.position(self.layer) {
                                let mut layer = read.layer;
                                layer.name = self.table.title();
                                doc.refresh(i, layer);
                            }
                        }
                        Err(DbError::Cancelled) => {}
                        Err(e) => {
                            if matches!(e, DbError::Unreachable(_)) {
                                self.failed = Some(std::time::Instant::now());
                            }
                            self.status = format!("{}: {e}", self.table.title());
                        }
                    }
                }
            }
        }
        let Some((bbox, width)) = view else { return };
        let mut wanted = View::of_map(bbox, width, VIEW_LIMIT);
        if self.table.time_column.is_some() {
            wanted.time = range.map(|r| (r.first.to_string(), r.last.to_string()));
        }
        // A server that was not there is asked again every few seconds.
        let retry = !self.in_flight && self.failed.is_some_and(|t| t.elapsed() > Duration::from_secs(3));
        if !settled || (self.asked.as_ref() == Some(&wanted) && !retry) {
            return;
        }
        self.failed = None;
        if self.in_flight
            && let Some(c) = &self.canceller
        {
            c.cancel();
        }
        if self.requests.send(wanted.clone()).is_ok() {
            self.asked = Some(wanted);
            self.in_flight = true;
            if !self.status.ends_with('…') {
                self.status = format!("{}: reading…", self.table.title());
            }
        }
    }
}

/// An extract of an AIS archive on its way: the file it will be, once written.
pub type Extract = mpsc::Receiver<Result<PathBuf, String>>;

impl DbLayer {
    /// Reads, on a worker thread, the positions of the vessels the archive saw in `bbox` over
    /// `range` (else its last 30 days) and writes them as an AIS file in `dir`, to be opened
    /// like any other. `None` when this is not an archive.
    pub fn extract_ais(&self, ctx: &egui::Context, dir: PathBuf, bbox: [f64; 4], range: Option<DateRange>) -> Option<Extract> {
        let archive = self.archive.clone()?;
        let (tx, rx) = mpsc::channel();
        let (url, ctx) = (self.url.clone(), ctx.clone());
        std::thread::spawn(move || {
            let _ = tx.send(write_extract(&url, &archive, &dir, bbox, range));
            ctx.request_repaint();
        });
        Some(rx)
    }
}

/// Positions at most in an extract: about 4 GB in the window once read.
const EXTRACT_LIMIT: u64 = 20_000_000;

fn write_extract(url: &str, archive: &Archive, dir: &std::path::Path, bbox: [f64; 4], range: Option<DateRange>) -> Result<PathBuf, String> {
    let mut c = db::connect(url, Duration::from_secs(600)).map_err(|e| e.to_string())?;
    let (first, last) = match range {
        Some(r) => (r.first.to_string(), r.last.to_string()),
        None => {
            let (_, last) = c.archive_days(archive).map_err(|e| e.to_string())?.ok_or("the archive is empty")?;
            let day = crate::model::time::DateRange::parse(&last).ok_or("the archive's last day is not a date")?.last;
            (crate::model::time::Day(day.0 - 29).to_string(), last)
        }
    };
    let data = c.read_ais(archive, bbox, &first, &last, EXTRACT_LIMIT).map_err(|e| e.to_string())?;
    if data.vessels.is_empty() {
        return Err(format!("{}: no vessel in view from {first} to {last}", archive.positions.title()));
    }
    let bytes = crate::ais::output::positions_csv(&data).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let [w, s, e, n] = bbox;
    // No dot before the extension: the layer is named after the file up to its first dot.
    let (table, rounded) = (archive.positions.title().replace('.', "-"), format!("{},{},{},{}", w.floor(), s.floor(), e.ceil(), n.ceil()));
    let path = dir.join(format!("{table} {first} to {last} in {rounded}.csv"));
    crate::io::save_atomic(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// The History window of a shared case: its saves, newest first (who, when, what changed),
/// each of which opens as the case was right after it, read-only.
pub struct History {
    pub name: String,
    url: String,
    /// The saves: the changes that share a time and an author.
    saves: Vec<Vec<db::cases::HistoryEntry>>,
    message: Option<String>,
}

/// Changes listed at most.
const HISTORY_ROWS: i64 = 2_000;

impl History {
    pub fn open(url: &str, name: &str) -> History {
        let mut h = History { name: name.to_owned(), url: url.to_owned(), saves: Vec::new(), message: None };
        match db::connect(url, TIMEOUT).and_then(|mut c| c.history(name, HISTORY_ROWS)) {
            Ok(entries) => {
                for e in entries {
                    match h.saves.last_mut() {
                        Some(save) if save[0].exact == e.exact && save[0].by == e.by => save.push(e),
                        _ => h.saves.push(vec![e]),
                    }
                }
            }
            Err(e) => h.message = Some(e.to_string()),
        }
        h
    }

    /// The window; the save chosen to open (its time and last entry), and whether it stays
    /// open.
    pub fn ui(&mut self, ctx: &egui::Context) -> (Option<(String, i64)>, bool) {
        let mut open = true;
        let mut chosen = None;
        egui::Window::new(format!("History of {}", self.name)).open(&mut open).default_width(560.0).default_height(420.0).show(ctx, |ui| {
            if let Some(m) = &self.message {
                ui.colored_label(ui.visuals().error_fg_color, m);
            }
            egui::ScrollArea::vertical().show(ui, |ui| {
                for save in &self.saves {
                    let first = &save[0];
                    ui.horizontal(|ui| {
                        ui.strong(format!("{} UTC", first.at));
                        ui.label(format!("{} · {} changes", first.by, save.len()));
                        if ui.button("Open as it was then").on_hover_text("The case right after this save, as a read-only layer").clicked() {
                            // Newest first: the save's first row is its last entry.
                            chosen = Some((first.at.clone(), first.id));
                        }
                    });
                    let what: Vec<String> = save.iter().take(4).map(|e| format!("{} {} (version {})", e.op, e.item, e.version)).collect();
                    let more = if save.len() > 4 { format!(", and {} more", save.len() - 4) } else { String::new() };
                    ui.label(egui::RichText::new(format!("{}{more}", what.join(", "))).small());
                    ui.separator();
                }
            });
        });
        (chosen, open)
    }

    /// Opens the case as the save `(when, last entry)` left it, as a new read-only layer of
    /// `doc`.
    pub fn open_past(&self, doc: &mut Document, (when, entry): &(String, i64)) -> Result<LayerId, DbError> {
        let mut layer = db::connect(&self.url, TIMEOUT)?.pull_after(&self.name, *entry)?;
        layer.name = format!("{} at {when} UTC (read-only)", self.name);
        let mut open = OpenLayer::new(crate::io::Loaded { layer, diagnostics: Vec::new() }, None);
        open.read_only = Some(format!("{} as it was at {when} UTC", self.name));
        let id = open.id;
        doc.push(open);
        Ok(id)
    }
}

/// A shared case open in the window: the document layer, the state it was pulled at (each
/// item's version: the base of the next save), the conflicts of the last save, and a listener
/// for colleagues' saves.
pub struct SharedCase {
    pub name: String,
    /// The database it was opened from.
    pub url: String,
    pub layer: LayerId,
    pub base: db::cases::Pulled,
    pub conflicts: Vec<db::cases::Conflict>,
    saves: mpsc::Receiver<String>,
    /// A colleague saved the case while it had unsaved edits here: Save merges.
    pub colleague_saved: bool,
    /// Why the last "Use mine" could not be done.
    conflict_error: Option<String>,
}

impl SharedCase {
    /// Pulls the case `name` into a new layer of `doc`, and listens for saves.
    pub fn open(ctx: &egui::Context, doc: &mut Document, url: &str, name: &str) -> Result<SharedCase, DbError> {
        let mut conn = db::connect(url, TIMEOUT)?;
        let base = conn.pull(name)?;
        let mut layer = base.layer.clone();
        layer.name = name.to_owned();
        let open = OpenLayer::new(crate::io::Loaded { layer, diagnostics: Vec::new() }, None);
        let id = open.id;
        let i = doc.push(open);
        doc.set_active(i);
        let (tx, saves) = mpsc::channel();
        let (url2, name_here, ctx) = (url.to_owned(), name.to_owned(), ctx.clone());
        std::thread::spawn(move || {
            // Listens as long as the window does; a dropped connection is made again, and
            // whatever was saved while it was down is looked for once.
            let mut again = false;
            loop {
                let Ok(mut c) = db::connect(&url2, TIMEOUT) else {
                    std::thread::sleep(Duration::from_secs(3));
                    continue;
                };
                if c.listen().is_err() {
                    continue;
                }
                if std::mem::replace(&mut again, true) && tx.send(name_here.clone()).is_err() {
                    return;
                }
                while let Ok(names) = c.saved_cases(Duration::from_secs(30)) {
                    for n in names {
                        if tx.send(n).is_err() {
                            return;
                        }
                        ctx.request_repaint();
                    }
                }
            }
        });
        Ok(SharedCase { name: name.to_owned(), url: url.to_owned(), layer: id, base, conflicts: Vec::new(), saves, colleague_saved: false, conflict_error: None })
    }

    /// Saves the layer's edits as one changeset (merged with colleagues' saves, conflicts kept
    /// for the user), then shows the case as the database now has it. Returns a note.
    pub fn save(&mut self, doc: &mut Document) -> Result<String, String> {
        let i = doc.position(self.layer).ok_or("the layer was closed")?;
        let changes = db::cases::changes(&self.base, &doc.layers[i].layer);
        let mut conn = db::connect(&self.url, TIMEOUT).map_err(|e| e.to_string())?;
        let saved = conn.save(&self.name, &changes).map_err(|e| e.to_string())?;
        let now = conn.pull(&self.name).map_err(|e| e.to_string())?;
        let mut stored = now.layer.clone();
        stored.name = self.name.clone();
        doc.saved_elsewhere(i, stored).map_err(|e| e.to_string())?;
        self.base = now;
        self.colleague_saved = false;
        self.conflicts = saved.conflicts;
        let mut note = format!("Saved {} to the database: {} changes", self.name, saved.written);
        if saved.merged > 0 {
            note.push_str(&format!(", {} merged with colleagues' changes", saved.merged));
        }
        if !self.conflicts.is_empty() {
            note.push_str(&format!("; {} fields were changed by a colleague too: choose in the Conflicts window", self.conflicts.len()));
        }
        Ok(note)
    }

    /// Once a frame: a colleague's save of this case is taken in at once when nothing here is
    /// unsaved; otherwise the next Save merges it.
    pub fn step(&mut self, doc: &mut Document) -> Option<String> {
        let mut saved = false;
        while let Ok(n) = self.saves.try_recv() {
            saved |= n == self.name;
        }
        if !saved {
            return None;
        }
        let i = doc.position(self.layer)?;
        let now = db::connect(&self.url, TIMEOUT).and_then(|mut c| c.pull(&self.name)).ok()?;
        let versions = |p: &db::cases::Pulled| p.items.iter().map(|s| (s.item.kind, s.item.key.clone(), s.version)).collect::<Vec<_>>();
        if versions(&now) == versions(&self.base) && now.body == self.base.body {
            // Nothing new (this window's own save, or a look after a reconnection).
            return None;
        }
        if doc.layers[i].is_dirty() {
            self.colleague_saved = true;
            return Some(format!("{} was saved by a colleague: Save merges their changes with yours", self.name));
        }
        if crate::io::geojson::to_value(&now.layer) == crate::io::geojson::to_value(&doc.layers[i].layer) {
            self.base = now;
            return None;
        }
        let mut stored = now.layer.clone();
        stored.name = self.name.clone();
        doc.saved_elsewhere(i, stored).ok()?;
        self.base = now;
        Some(format!("{} was saved by a colleague: their changes are shown", self.name))
    }

    /// Who last changed an item of the case, and when: "alice, 2026-12-06 17:58:03 UTC
    /// (version 3)".
    pub fn changed(&self, kind: &str, key: &str) -> Option<String> {
        let s = self.base.items.iter().find(|s| s.item.kind == kind && s.item.key == key)?;
        Some(format!("{}, {} UTC (version {})", s.updated_by, s.updated_at, s.version))
    }

    /// The conflicts window: each field both sides changed, theirs (now in the case) and mine,
    /// with "Use mine" (an edit of the layer: Save then writes it). Returns false when closed.
    pub fn conflicts_ui(&mut self, ctx: &egui::Context, doc: &mut Document) -> bool {
        if self.conflicts.is_empty() {
            return true;
        }
        let mut open = true;
        let mut used = None;
        egui::Window::new("Conflicts").open(&mut open).default_width(560.0).show(ctx, |ui| {
            ui.label(format!("A colleague changed these fields of {} too. Their value is in the case now; yours is kept here.", self.name));
            if let Some(e) = &self.conflict_error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            egui::Grid::new("conflicts").striped(true).num_columns(4).show(ui, |ui| {
                ui.strong("what");
                ui.strong("theirs (saved)");
                ui.strong("mine");
                ui.end_row();
                for (k, c) in self.conflicts.iter().enumerate() {
                    ui.label(format!("{} {} · {}", c.kind, c.key, c.field));
                    ui.label(short(&c.theirs));
                    ui.label(short(&c.mine));
                    if ui.button("Use mine").clicked() {
                        used = Some(k);
                    }
                    ui.end_row();
                }
            });
        });
        if let Some(k) = used
            && let Some(i) = doc.position(self.layer)
        {
            match use_mine(doc, i, &self.conflicts[k]) {
                Ok(()) => {
                    self.conflicts.remove(k);
                    self.conflict_error = None;
                }
                Err(e) => self.conflict_error = Some(format!("Cannot use mine: {e}")),
            }
        }
        open
    }
}

fn short(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "(none)".into(),
        v => v.to_string(),
    };
    if s.chars().count() > 80 { format!("{}…", s.chars().take(80).collect::<String>()) } else { s }
}

/// Puts my value of a conflicting field back into the layer, as one undoable step.
fn use_mine(doc: &mut Document, i: usize, c: &db::cases::Conflict) -> Result<(), String> {
    let mut value = crate::io::geojson::to_value(&doc.layers[i].layer);
    let item = match c.kind {
        "case" => Some(&mut value),
        "feature" => value["features"].as_array_mut().and_then(|a| a.iter_mut().find(|f| f["properties"]["id"] == c.key.as_str() || f["id"] == c.key.as_str())),
        kind => {
            let list = format!("{kind}s");
            value["portolan"][list.as_str()].as_array_mut().and_then(|a| a.iter_mut().find(|r| r["id"] == c.key.as_str()))
        }
    }
    .ok_or("the item is no longer in the case")?;
    // Mine may be that I removed the field: then it goes.
    let (target, name) = match c.field.split_once('.').filter(|(outer, _)| ["properties", crate::io::case_file::MEMBER].contains(outer)) {
        Some((outer, inner)) => (&mut item[outer], inner),
        None => (item, c.field.as_str()),
    };
    match (target.as_object_mut(), &c.mine) {
        (Some(o), serde_json::Value::Null) => {
            o.remove(name);
        }
        (Some(o), mine) => {
            o.insert(name.to_owned(), mine.clone());
        }
        (None, _) => return Err("the item is no longer as it was".into()),
    }
    let was_case = doc.layers[i].layer.case.is_some();
    let layer = crate::io::geojson::read_str(&value.to_string()).map_err(|e| e.to_string())?.layer;
    if was_case && layer.case.is_none() {
        return Err(format!("my {} would not read back as a case", c.field));
    }
    doc.replace_whole(i, layer, &format!("Use my {}", c.field)).map_err(|e| e.to_string())
}
