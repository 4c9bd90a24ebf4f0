//! Problems found in a file, each with a severity and a place.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something was adjusted (a ring re-wound, heights dropped); nothing was lost.
    Info,
    /// Suspicious but loaded: an id that points nowhere, a duplicate key.
    Warning,
    /// Data was lost: a feature was skipped, or the file could not be read.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// Where in the file a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole.
    File,
    /// 1-based line and column in the text.
    Text { line: usize, column: usize },
    /// A feature by its 0-based index in the file, with its id when it has one, and where its
    /// text starts (the opening brace) when the reader knows. The index and id let the app
    /// select the feature; the line and column let a user find it in the file.
    Feature { index: usize, id: Option<String>, at: Option<LineColumn> },
    /// A member of the JSON document, as a JSON Pointer (`/portolan/events/3`).
    Member(String),
}

/// 1-based line and column in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

impl Place {
    /// A feature by index and id, with no place in the text.
    pub fn feature(index: usize, id: Option<String>) -> Self {
        Place::Feature { index, id, at: None }
    }

    /// The line and column, for places in the text.
    pub fn line_column(&self) -> Option<LineColumn> {
        match *self {
            Place::Text { line, column } => Some(LineColumn { line, column }),
            Place::Feature { at, .. } => at,
            Place::File | Place::Member(_) => None,
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::File => Ok(()),
            Place::Text { line, column } => write!(f, "line {line} column {column}"),
            Place::Feature { index, id, at } => {
                write!(f, "feature {index}")?;
                if let Some(id) = id {
                    write!(f, " (id {id:?})")?;
                }
                if let Some(LineColumn { line, column }) = at {
                    write!(f, " at line {line} column {column}")?;
                }
                Ok(())
            }
            Place::Member(pointer) => write!(f, "at {pointer}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub place: Place,
    pub message: String,
}

impl Diagnostic {
    pub fn new(severity: Severity, place: Place, message: impl Into<String>) -> Self {
        Self { severity, place, message: message.into() }
    }

    pub fn error(place: Place, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, place, message)
    }

    pub fn warning(place: Place, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, place, message)
    }

    pub fn info(place: Place, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, place, message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Place::File => write!(f, "{}: {}", self.severity, self.message),
            _ => write!(f, "{}: {}: {}", self.place, self.severity, self.message),
        }
    }
}
