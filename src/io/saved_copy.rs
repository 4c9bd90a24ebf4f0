//! Saved copies of sources: the PDF, web page or image a claim was read from, kept beside the
//! case so the claim can be checked after the page changes or goes.
//!
//! [`describe`] gives a copy's SHA-256, size and media type, reading it in chunks (a 1 GB scan
//! costs 64 KB of memory); [`relative_path`] is how a case file names it, and [`resolve`]
//! turns that back into a path to open.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::Source;

/// How much of the start of a file the media type is sniffed from.
const SNIFF_BYTES: usize = 8 * 1024;
const CHUNK_BYTES: usize = 64 * 1024;

/// What the case records about a saved copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedCopy {
    /// SHA-256 of the file's bytes, lower-case hex.
    pub sha256: String,
    pub bytes: u64,
    /// `application/pdf`, `text/html`, ...; `application/octet-stream` when unknown.
    pub media_type: String,
}

impl SavedCopy {
    /// Writes the copy into a source: `path` as [`relative_path`] gives it, the hash, the size
    /// and the media type.
    pub fn record_in(self, source: &mut Source, path: String) {
        source.saved_copy = Some(path);
        source.sha256 = Some(self.sha256);
        source.saved_copy_bytes = Some(self.bytes);
        source.saved_copy_type = Some(self.media_type);
    }
}

/// Hashes and sizes the file at `path` and names its media type: from its first bytes when
/// they are recognisable (PDF, images, archives, ...), else from the extension for the text
/// formats that have no magic bytes (HTML, plain text, JSON, CSV, XML, Markdown, MHTML).
pub fn describe(path: &Path) -> std::io::Result<SavedCopy> {
    let mut file = File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(std::io::Error::new(ErrorKind::InvalidInput, "this is a folder, not a file"));
    }
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut buf = vec![0u8; CHUNK_BYTES];
    let mut bytes = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        hasher.update(chunk);
        bytes += n as u64;
        let room = SNIFF_BYTES - head.len();
        head.extend_from_slice(&chunk[..room.min(n)]);
    }
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(SavedCopy { sha256, bytes, media_type: media_type(&head, path) })
}

fn media_type(head: &[u8], path: &Path) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let by_extension = match ext.as_str() {
        "html" | "htm" => "text/html",
        "txt" => "text/plain",
        "json" => "application/json",
        "csv" => "text/csv",
        "xml" => "application/xml",
        "md" => "text/markdown",
        "mhtml" | "mht" => "multipart/related",
        _ => "application/octet-stream",
    };
    by_extension.to_owned()
}

/// How a case file names its saved copy: relative to the case file's folder, with forward
/// slashes, when the copy lies in that folder or below it; else the absolute path (also when
/// the case has not been saved yet, `case_file` `None`).
pub fn relative_path(case_file: Option<&Path>, copy: &Path) -> String {
    let copy = std::path::absolute(copy).unwrap_or_else(|_| copy.to_owned());
    let folder = case_file.and_then(|c| std::path::absolute(c).ok()).and_then(|c| c.parent().map(Path::to_owned));
    if let Some(rest) = folder.as_deref().and_then(|f| copy.strip_prefix(f).ok()) {
        let parts: Option<Vec<&str>> =
            rest.components().filter(|c| *c != Component::CurDir).map(|c| if let Component::Normal(s) = c { s.to_str() } else { None }).collect();
        if let Some(parts) = parts.filter(|p| !p.is_empty()) {
            return parts.join("/");
        }
    }
    copy.to_string_lossy().into_owned()
}

/// The file a stored `saved_copy` names: a relative path is taken from the case file's folder.
pub fn resolve(case_file: Option<&Path>, stored: &str) -> PathBuf {
    let stored = Path::new(stored);
    match case_file.and_then(Path::parent) {
        Some(folder) if stored.is_relative() => folder.join(stored),
        _ => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn copies_in_or_beside_the_case_folder_are_relative() {
        let case = Path::new("/cases/dprk/case.portolan.geojson");
        let rel = |copy: &str| relative_path(Some(case), Path::new(copy));
        assert_eq!(rel("/cases/dprk/report.pdf"), "report.pdf");
        assert_eq!(rel("/cases/dprk/sources/2023/report.pdf"), "sources/2023/report.pdf");
        assert_eq!(rel("/cases/dprk/./sources/report.pdf"), "sources/report.pdf");
        assert_eq!(rel("/cases/other/report.pdf"), "/cases/other/report.pdf");
        assert_eq!(rel("/cases/dprk/../x.pdf"), "/cases/dprk/../x.pdf", "not inside once .. is followed");
        assert_eq!(relative_path(None, Path::new("/tmp/x.pdf")), "/tmp/x.pdf");
        assert_eq!(resolve(Some(case), "sources/2023/report.pdf"), Path::new("/cases/dprk/sources/2023/report.pdf"));
        assert_eq!(resolve(Some(case), "/cases/other/report.pdf"), Path::new("/cases/other/report.pdf"));
        assert_eq!(resolve(None, "report.pdf"), Path::new("report.pdf"));
    }
}
