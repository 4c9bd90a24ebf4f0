//! The bundled fonts (SIL Open Font License, see `resources/fonts/`), compiled into the
//! program so that the window and the exports look the same on every machine.
//!
//! Noto Sans covers Latin, Greek and Cyrillic; the Hangul subset of Noto Sans CJK KR is the
//! fallback for Korean names (and carries ASCII, so it can stand in alone); Noto Sans Math
//! adds arrows and operators.

/// Noto Sans Regular, subset (Latin, Greek, Cyrillic, punctuation).
pub const NOTO_SANS: &[u8] = include_bytes!("../resources/fonts/NotoSans-Regular-subset.ttf");
/// Noto Sans Bold, subset (the same scripts), for titles.
pub const NOTO_SANS_BOLD: &[u8] = include_bytes!("../resources/fonts/NotoSans-Bold-subset.ttf");
/// Noto Sans CJK KR Regular, Hangul subset: the fallback for glyphs Noto Sans lacks.
pub const NOTO_HANGUL: &[u8] = include_bytes!("../resources/fonts/NotoSansKR-Hangul-subset.otf");

/// Noto Sans Math, subset to arrows and mathematical operators (→ in route names, − ...),
/// which Noto Sans lacks.
pub const NOTO_MATH: &[u8] = include_bytes!("../resources/fonts/NotoSansMath-arrows-subset.ttf");

/// The family names of the fonts above, as an SVG or CSS `font-family` lists them.
pub const FAMILY: &str = "Noto Sans";
pub const HANGUL_FAMILY: &str = "Noto Sans CJK KR";
