//! Autosave of unsaved edits to recovery files, and finding them again after a crash.
//!
//! Every few seconds each layer with unsaved edits is written, whole, to a file of its own in
//! the recovery folder (in the platform's data directory, or `PORTOLAN_DATA_DIR`). A layer
//! that is saved, or undone back to its saved state, loses its recovery file. When Portolan
//! starts, files left by a process that is no longer running are offered for restoring.
//!
//! A recovery file is JSON: `{"portolan_recovery": 1, "session", "pid", "path", "name",
//! "saved_at", "stamp", "layer", "base"}`: `layer` as a GeoJSON case file would hold it,
//! `base` the file as the session last read or wrote it (what a merge compares with), and
//! `stamp` that file's size and time then. Files are named by a random session token, so a
//! process id the system gives out again cannot hide or overwrite another session's edits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use super::{Document, LayerId, disk::Stamp};
use crate::io;
use crate::model::Layer;

/// How often unsaved edits are written out.
pub const EVERY: Duration = Duration::from_secs(3);

/// The folder recovery files go to: `$PORTOLAN_DATA_DIR/recovery`, else the platform's data
/// directory (`~/.local/share/portolan/recovery` on Linux).
pub fn default_dir() -> Option<PathBuf> {
    Some(data_dir()?.join("recovery"))
}

/// Portolan's own folder for what it keeps between sessions: `$PORTOLAN_DATA_DIR`, else the
/// platform's data directory (`~/.local/share/portolan` on Linux).
pub fn data_dir() -> Option<PathBuf> {
    match std::env::var_os("PORTOLAN_DATA_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None => Some(directories::ProjectDirs::from("org", "Portolan", "portolan")?.data_dir().to_owned()),
    }
}

/// Writes this process's recovery files.
pub struct Autosave {
    dir: PathBuf,
    /// This session's token, in its file names and records.
    pub session: String,
    pid: u32,
    /// The layer state each file holds.
    written: HashMap<LayerId, u64>,
    last: Option<Instant>,
    /// The last write that failed (a full or read-only disk), to show.
    pub error: Option<String>,
}

impl Autosave {
    pub fn new(dir: PathBuf) -> Self {
        use std::hash::BuildHasher;
        let session = format!("{:016x}", std::hash::RandomState::new().hash_one(std::process::id()));
        Autosave { dir, session, pid: std::process::id(), written: HashMap::new(), last: None, error: None }
    }

    fn file(&self, id: LayerId) -> PathBuf {
        self.dir.join(format!("{}-{}.json", self.session, id.0))
    }

    /// Writes what changed since the last time, at most every [`EVERY`]; removes the files of
    /// layers that no longer have unsaved edits. Returns whether it wrote anything.
    pub fn tick(&mut self, doc: &Document, now: Instant) -> bool {
        if self.last.is_some_and(|t| now.duration_since(t) < EVERY) {
            return false;
        }
        self.last = Some(now);
        self.sync(doc)
    }

    /// Brings the recovery files in line with the document now.
    pub fn sync(&mut self, doc: &Document) -> bool {
        let mut wrote = false;
        let open: Vec<LayerId> = doc.layers.iter().map(|l| l.id).collect();
        let gone: Vec<LayerId> = self.written.keys().copied().filter(|id| !open.contains(id)).collect();
        for id in gone {
            self.forget(id);
        }
        for l in &doc.layers {
            if !l.is_dirty() {
                if self.written.contains_key(&l.id) {
                    self.forget(l.id);
                }
                continue;
            }
            if self.written.get(&l.id) == Some(&l.state) {
                continue;
            }
            let saved_at = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let stamp = l.stamp.map(|s| {
                let t = s.modified.and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok()).unwrap_or_default();
                json!({ "len": s.len, "secs": t.as_secs(), "nanos": t.subsec_nanos() })
            });
            let record = json!({
                "portolan_recovery": 1,
                "session": self.session,
                "pid": self.pid,
                "path": l.path.as_ref().map(|p| p.display().to_string()),
                "name": l.title(),
                "saved_at": saved_at,
                "stamp": stamp,
                "layer": io::geojson::to_value(&l.layer),
                "base": io::geojson::to_value(&l.base),
            });
            let result = std::fs::create_dir_all(&self.dir).and_then(|()| io::save_atomic(&self.file(l.id), record.to_string().as_bytes()));
            match result {
                Ok(()) => {
                    self.written.insert(l.id, l.state);
                    self.error = None;
                    wrote = true;
                }
                Err(e) => self.error = Some(format!("cannot write the recovery copy in {}: {e}", self.dir.display())),
            }
        }
        wrote
    }

    fn forget(&mut self, id: LayerId) {
        let _ = std::fs::remove_file(self.file(id));
        self.written.remove(&id);
    }

    /// Removes every recovery file of this process (the user chose to discard the edits).
    pub fn discard_all(&mut self) {
        let ids: Vec<LayerId> = self.written.keys().copied().collect();
        for id in ids {
            self.forget(id);
        }
    }
}

/// Unsaved edits a process left behind.
#[derive(Debug)]
pub struct Recovered {
    /// The recovery file.
    pub file: PathBuf,
    /// The file the edits were for, if it had one.
    pub path: Option<PathBuf>,
    pub name: String,
    pub saved_at: SystemTime,
    pub loaded: io::Loaded,
    /// The file as the stopped session last read or wrote it, and its stamp then.
    pub base: Option<Layer>,
    pub stamp: Option<Stamp>,
}

impl Recovered {
    /// Deletes the recovery file (restored or discarded).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

/// Recovery files in `dir` left by sessions whose process is no longer running (other than
/// `own`, this session), newest first. Unreadable files are skipped (and kept, for a person
/// to look at).
pub fn find(dir: &Path, own: Option<&str>) -> Vec<Recovered> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<Recovered> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|file| read(&file, own))
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r.saved_at));
    found
}

fn read(file: &Path, own: Option<&str>) -> Option<Recovered> {
    let text = std::fs::read_to_string(file).ok()?;
    let mut record: Value = serde_json::from_str(&text).ok()?;
    record.get("portolan_recovery")?;
    let session = record.get("session").and_then(Value::as_str).unwrap_or_default();
    let pid = record.get("pid").and_then(Value::as_u64)? as u32;
    // Our own process id on a file of another session: that process stopped and the id was
    // given to us.
    if Some(session) == own || (pid != std::process::id() && is_running(pid)) {
        return None;
    }
    let layer = record.get_mut("layer").map(Value::take)?;
    let mut loaded = io::geojson::read_str(&layer.to_string()).ok()?;
    let base = record.get_mut("base").map(Value::take).and_then(|b| io::geojson::read_str(&b.to_string()).ok()).map(|l| l.layer);
    let stamp = record.get("stamp").filter(|s| !s.is_null()).map(|s| Stamp {
        len: s.get("len").and_then(Value::as_u64).unwrap_or(0),
        modified: Some(SystemTime::UNIX_EPOCH + Duration::new(s.get("secs").and_then(Value::as_u64).unwrap_or(0), s.get("nanos").and_then(Value::as_u64).unwrap_or(0) as u32)),
    });
    let name = record.get("name").and_then(Value::as_str).unwrap_or("untitled").to_owned();
    loaded.layer.name = name.clone();
    let saved_at = SystemTime::UNIX_EPOCH + Duration::from_secs(record.get("saved_at").and_then(Value::as_u64).unwrap_or(0));
    let path = record.get("path").and_then(Value::as_str).map(PathBuf::from);
    Some(Recovered { file: file.to_owned(), path, name, saved_at, loaded, base, stamp })
}

/// Whether a process is running. Where this cannot be asked, every other process counts as
/// stopped, so edits are offered rather than lost.
fn is_running(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
        // Signal 0 checks that the process exists without touching it.
        // SAFETY: kill with signal 0 sends nothing; it only reports whether `pid` exists.
        let r = unsafe { libc::kill(pid, 0) };
        let exists = r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        // A killed process lingers as a zombie until its parent collects it: stopped all the same.
        exists && !is_zombie(pid)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        false
    }
}

/// Whether Linux lists the process as a zombie (state `Z` or `X` in `/proc/PID/stat`).
#[cfg(unix)]
fn is_zombie(pid: libc::pid_t) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // The state follows the command name, which is in parentheses and may hold spaces.
    stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()).is_some_and(|s| s == "Z" || s == "X")
}

/// The layer of a recovery copy, for writing one outside the autosave (reload keeps the
/// user's edits this way).
pub fn write_copy(dir: &Path, name: &str, layer: &Layer) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stamp = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let safe: String = name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' }).collect();
    let path = dir.join(format!("{safe}.my-edits-{stamp}.geojson"));
    io::save_atomic(&path, io::geojson::to_string(layer).as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{OpenLayer, edit};

    #[test]
    fn unsaved_edits_are_written_and_removed_once_saved() {
        let dir = tempfile::tempdir().unwrap();
        let mut doc = Document::new();
        doc.push(OpenLayer::new(io::sample_case(), None));
        let mut auto = Autosave::new(dir.path().to_owned());
        assert!(!auto.sync(&doc), "nothing to write");
        let site = edit::new_site(&doc.layers[0].layer, 131.0, 43.0);
        doc.add_feature(0, site, "Add site").unwrap();
        assert!(auto.sync(&doc));
        assert!(!auto.sync(&doc), "written once per state");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Our own files are not offered while we run; another session sees them as left
        // behind only once we stop (our process id is alive, so not even then here).
        assert!(find(dir.path(), Some(&auto.session)).is_empty());
        let found = find(dir.path(), None);
        assert_eq!(found.len(), 1, "the same process id under another session counts as stopped");
        assert_eq!(found[0].base.as_ref().map(|b| &b.features), Some(&doc.layers[0].base.features));
        doc.undo();
        auto.sync(&doc);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "undone back to the file: nothing to recover");
    }
}
