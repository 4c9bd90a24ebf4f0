//! PostGIS in the window: the "Open from database" dialog (an address, Connect, the tables
//! with a geometry column and what is known of them without scanning them) and the layers it
//! opens, each read per view by a worker thread that owns its connection. When the view (or
//! the timeline's range) changes, the query in flight is cancelled and the new view asked
//! for; the layer shows the last answer until the next arrives, and a dropped connection is
//! made again on the next view.

use std::sync::mpsc;
use std::time::Duration;

use crate::db::{self, Canceller, DbError, Table, View};
use crate::document::{Document, LayerId, OpenLayer};
use crate::model::time::DateRange;

/// Features read per view at most (more are left out, and the status says so).
const VIEW_LIMIT: usize = 50_000;
/// The connection and each statement give up after this long.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The "Open from database" dialog.
pub struct DbDialog {
    pub url: String,
    listing: Option<mpsc::Receiver<Result<Vec<Table>, DbError>>>,
    tables: Vec<Table>,
    message: Option<String>,
}

impl DbDialog {
    pub fn new(url: &str) -> Self {
        DbDialog { url: url.to_owned(), listing: None, tables: Vec::new(), message: None }
    }

    /// Asks for the tables on a worker thread.
    pub fn connect(&mut self, ctx: &egui::Context) {
        let (tx, rx) = mpsc::channel();
        let (url, ctx) = (self.url.clone(), ctx.clone());
        std::thread::spawn(move || {
            let _ = tx.send(db::connect(&url, TIMEOUT).and_then(|mut c| c.tables()));
            ctx.request_repaint();
        });
        self.listing = Some(rx);
        self.message = None;
    }

    /// The dialog; the table the user chose to open, and whether it stays open.
    pub fn ui(&mut self, ctx: &egui::Context) -> (Option<Table>, bool) {
        if let Some(rx) = &self.listing {
            match rx.try_recv() {
                Ok(Ok(tables)) => {
                    self.message = tables.is_empty().then(|| "No table or view in this database has a geometry column".to_owned());
                    self.tables = tables;
                    self.listing = None;
                }
                Ok(Err(e)) => {
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
            ui.horizontal(|ui| {
                let l = ui.label("Address");
                ui.add(egui::TextEdit::singleline(&mut self.url).hint_text("postgres://user@host/database").desired_width(330.0)).labelled_by(l.id);
                if self.listing.is_some() {
                    ui.spinner();
                } else if ui.button("Connect").clicked() {
                    self.connect(ui.ctx());
                }
            });
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
                        if ui.button(t.title()).on_hover_text("Open as a layer read per view").clicked() {
                            chosen = Some(t.clone());
                        }
                        ui.label(format!("{} · EPSG:{}", t.geometry_type.to_lowercase(), t.srid));
                        ui.label(match t.estimated_extent {
                            Some([w, s, e, n]) => format!("about {w:.2}, {s:.2} – {e:.2}, {n:.2}"),
                            None => "extent not known yet".into(),
                        });
                        ui.label(t.time_column.as_deref().map_or(String::new(), |c| format!("time: {c}")));
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
    Read(View, Result<db::ViewRead, DbError>),
}

impl DbLayer {
    /// Opens `table` as a new, empty layer of `doc` (filled by the first view's answer).
    pub fn open(ctx: &egui::Context, doc: &mut Document, url: &str, table: Table) -> DbLayer {
        let layer = crate::model::Layer { name: table.title(), ..Default::default() };
        let open = OpenLayer::new(crate::io::Loaded { layer, diagnostics: Vec::new() }, None);
        let id = open.id;
        doc.push(open);
        let (requests, inbox) = mpsc::channel::<View>();
        let (outbox, answers) = mpsc::channel();
        let (url, worker_table, ctx) = (url.to_owned(), table.clone(), ctx.clone());
        std::thread::spawn(move || {
            let mut conn: Option<db::Connection> = None;
            while let Ok(mut view) = inbox.recv() {
                // Only the newest view matters.
                while let Ok(newer) = inbox.try_recv() {
                    view = newer;
                }
                if conn.is_none() {
                    match db::connect(&url, TIMEOUT) {
                        Ok(c) => {
                            let _ = outbox.send(Answer::Connected(c.canceller()));
                            conn = Some(c);
                        }
                        Err(e) => {
                            let _ = outbox.send(Answer::Read(view, Err(e)));
                            ctx.request_repaint();
                            continue;
                        }
                    }
                }
                let Some(c) = conn.as_mut() else { continue };
                let mut read = c.read_view(&worker_table, &view);
                // A connection the server dropped (a restart, a network change) is made again
                // at once, and the view asked again on it.
                if matches!(&read, Err(DbError::Unreachable(_))) {
                    conn = None;
                    if let Ok(mut c) = db::connect(&url, TIMEOUT) {
                        let _ = outbox.send(Answer::Connected(c.canceller()));
                        read = c.read_view(&worker_table, &view);
                        conn = Some(c);
                    }
                }
                if outbox.send(Answer::Read(view, read)).is_err() {
                    return;
                }
                ctx.request_repaint();
            }
        });
        DbLayer { table, layer: id, requests, answers, canceller: None, asked: None, in_flight: false, failed: None, status: "connecting…".into() }
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
                    match r {
                        Ok(read) => {
                            let n = read.layer.features.len();
                            let mut status = format!("{}: {n} features in view", self.table.title());
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
