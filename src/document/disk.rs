//! What a file on disk looked like when the document last read or wrote it, so that a change
//! by someone else (a colleague, a sync folder, another tool) is noticed.

use std::path::Path;
use std::time::SystemTime;

/// Size and modification time of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified: Option<SystemTime>,
}

impl Stamp {
    /// The file as it is now; `None` when it is gone or unreadable.
    pub fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp { len: m.len(), modified: m.modified().ok() })
    }
}
