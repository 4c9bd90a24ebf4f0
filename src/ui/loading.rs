//! Files that load on background threads: the thread, its progress bar and its Cancel button.
//!
//! Reading and indexing a big file takes a second or more; the window keeps drawing meanwhile.
//! Small files load at once on the UI thread (faster than a frame), so that opening a KML of
//! a few placemarks never flashes a progress bar.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crate::index::LayerIndex;
use crate::io::{self, Loaded, Progress, ReadError};

/// Files at least this big load in the background.
pub const BACKGROUND_FROM_BYTES: u64 = 1 << 20;

/// Whether `path` should load in the background: big files, and anything that is not a plain
/// file (a pipe could block).
pub fn in_background(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_dir() && (!m.is_file() || m.len() >= BACKGROUND_FROM_BYTES))
}

/// What a load gives: the data and its spatial index.
pub type Outcome = Result<(Loaded, LayerIndex), ReadError>;

/// Whether files may fetch what they link to on the web: `--online`, or the Tiles menu.
pub static ONLINE: AtomicBool = AtomicBool::new(false);

/// Whether files may fetch what they link to on the web ([`ONLINE`]).
pub fn online() -> bool {
    ONLINE.load(Ordering::Relaxed)
}

/// Reads and indexes a file on the calling thread; `indexing` is set between the two.
pub fn load(path: &Path, progress: &Progress, indexing: &AtomicBool) -> Outcome {
    let options = io::ReadOptions { online: ONLINE.load(Ordering::Relaxed), ..io::ReadOptions::default() };
    let loaded = io::read_path_options(path, progress, &options)?;
    indexing.store(true, Ordering::Relaxed);
    let index = LayerIndex::build(&loaded.layer);
    Ok((loaded, index))
}

/// How an opened file is to be shown once it has loaded.
#[derive(Clone, Copy, Debug)]
pub struct Shown {
    pub visible: bool,
    pub opacity: f32,
    pub fit: Fit,
}

/// Where the view goes once a file has loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Stay.
    No,
    /// Zoom to the file.
    File,
    /// Zoom to everything visible (files given at start).
    All,
}

/// One file loading in the background.
pub struct Loading {
    pub path: PathBuf,
    pub progress: Arc<Progress>,
    /// Read; the spatial index is being built.
    indexing: Arc<AtomicBool>,
    pub shown: Shown,
    thread: JoinHandle<Outcome>,
}

impl Loading {
    /// Starts loading `path` on its own thread; the window is asked to repaint when it is done.
    pub fn start(ctx: &egui::Context, path: &Path, shown: Shown) -> std::io::Result<Loading> {
        let (progress, indexing) = (Arc::new(Progress::default()), Arc::new(AtomicBool::new(false)));
        let (p, i, file, ctx) = (progress.clone(), indexing.clone(), path.to_owned(), ctx.clone());
        let thread = std::thread::Builder::new().name("load".into()).spawn(move || {
            let outcome = load(&file, &p, &i);
            ctx.request_repaint();
            outcome
        })?;
        Ok(Loading { path: path.to_owned(), progress, indexing, shown, thread })
    }

    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// The outcome; waits if the load is still running.
    pub fn finish(self) -> Outcome {
        self.thread.join().unwrap_or_else(|_| Err(ReadError::Io(std::io::Error::other("the reader stopped unexpectedly"))))
    }
}

/// The progress of each load, with a Cancel button. Returns the loads the user cancelled.
pub fn loading_ui(ui: &mut egui::Ui, loads: &[Loading]) -> Vec<usize> {
    let mut cancelled = Vec::new();
    for (i, l) in loads.iter().enumerate() {
        let p = l.progress.snapshot();
        let name = l.path.file_name().map_or_else(|| l.path.display().to_string(), |n| n.to_string_lossy().into_owned());
        ui.horizontal(|ui| {
            ui.spinner();
            let mb = |b: u64| b as f64 / 1e6;
            let read = if p.total_bytes > 0 {
                format!("{:.1} of {:.1} MB read", mb(p.bytes_read), mb(p.total_bytes))
            } else {
                format!("{:.1} MB read", mb(p.bytes_read))
            };
            let features = thousands(p.features);
            if l.indexing.load(Ordering::Relaxed) {
                ui.label(format!("Loading {name}: {read}, indexing {features} features"));
            } else {
                ui.label(format!("Loading {name}: {read}, {features} features"));
            }
            let bar = egui::ProgressBar::new(p.fraction()).desired_width(220.0).show_percentage();
            ui.add(bar);
            let cancelling = l.progress.is_cancelled();
            if ui.add_enabled(!cancelling, egui::Button::new(if cancelling { "Cancelling…" } else { "Cancel" })).clicked() {
                cancelled.push(i);
            }
        });
    }
    cancelled
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(5_000_000), "5,000,000");
    }
}
