//! The bundled fonts (SIL Open Font License, see `resources/fonts/`), compiled into the
//! program so that the window and the exports look the same on every machine.
//!
//! Noto Sans covers Latin, Greek and Cyrillic; the Hangul subset of Noto Sans CJK KR is the
//! fallback for Korean names (and carries ASCII, so it can stand in alone); Noto Sans Math
//! adds arrows and operators.
//!
//! [`fonts`] measures text with them (ab_glyph), for the scene's label placement and the
//! export's layout alike; `export::text` adds wrapping and glyph outlines.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId};

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

// ---------------------------------------------------------------------------------------------
// Measuring

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Weight {
    Regular,
    Bold,
}

/// Where the baseline sits below a vertically centred anchor, in ems: half the cap height of
/// Noto Sans (714/1000), so that capitals and digits centre on the anchor.
pub const CENTRE_TO_BASELINE_EM: f32 = 0.357;
/// Ascent of Noto Sans above the baseline, in ems, for laying out lines from their top.
pub const ASCENT_EM: f32 = 1.069;
pub const DESCENT_EM: f32 = 0.293;

/// The bundled fonts parsed (ab_glyph), for measuring text the way the exports set it: the
/// scene places map labels with these widths, the export lays out and draws with them
/// (`export::text` adds the glyph outlines). Sizes are CSS-like: `size` is the em size in
/// pixels.
pub struct Fonts {
    faces: [FontRef<'static>; 4],
}

pub(crate) const REGULAR: usize = 0;
pub(crate) const BOLD: usize = 1;
pub(crate) const HANGUL: usize = 2;
pub(crate) const MATH: usize = 3;

/// The bundled fonts, parsed once.
pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        // The bundled fonts are checked by the tests; a failure here is a build mistake.
        let face = |bytes: &'static [u8]| FontRef::try_from_slice(bytes).expect("the bundled fonts parse");
        Fonts { faces: [face(NOTO_SANS), face(NOTO_SANS_BOLD), face(NOTO_HANGUL), face(NOTO_MATH)] }
    })
}

/// One glyph placed on a line: which face, which glyph, its x in pixels from the start.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placed {
    pub face: usize,
    pub id: GlyphId,
    pub x: f32,
}

impl Fonts {
    /// The face and glyph for a character: the weight's face, else the fallbacks (regular,
    /// maths, Hangul), else the weight's face's "missing" glyph.
    pub(crate) fn pick(&self, c: char, weight: Weight) -> (usize, GlyphId) {
        let primary = if weight == Weight::Bold { BOLD } else { REGULAR };
        for face in [primary, REGULAR, MATH, HANGUL] {
            let id = self.faces[face].glyph_id(c);
            if id.0 != 0 {
                return (face, id);
            }
        }
        (primary, GlyphId(0))
    }

    pub(crate) fn face(&self, face: usize) -> &FontRef<'static> {
        &self.faces[face]
    }

    pub(crate) fn em(&self, face: usize) -> f32 {
        self.faces[face].units_per_em().unwrap_or(1000.0)
    }

    /// Calls `visit` with each glyph of a line and its x, and returns the line's width.
    fn walk(&self, text: &str, size: f32, weight: Weight, mut visit: impl FnMut(Placed)) -> f32 {
        let mut x = 0.0f32;
        let mut prev: Option<(usize, GlyphId)> = None;
        for c in text.chars() {
            let (face, id) = self.pick(c, weight);
            let font = &self.faces[face];
            let k = size / self.em(face);
            if let Some((pf, pid)) = prev
                && pf == face
            {
                x += font.kern_unscaled(pid, id) * k;
            }
            visit(Placed { face, id, x });
            x += font.h_advance_unscaled(id) * k;
            prev = Some((face, id));
        }
        x
    }

    /// The glyphs of a line, placed, and its width.
    pub(crate) fn layout(&self, text: &str, size: f32, weight: Weight) -> (Vec<Placed>, f32) {
        let mut out = Vec::with_capacity(text.len());
        let width = self.walk(text, size, weight, |g| out.push(g));
        (out, width)
    }

    /// The first character of `text` that no bundled font can draw (Arabic, Hebrew, Chinese, …),
    /// if any. Such characters are blank in the PNG.
    pub fn first_missing(&self, text: &str) -> Option<char> {
        text.chars().find(|&c| !c.is_whitespace() && !c.is_control() && !is_format(c) && self.pick(c, Weight::Regular).1.0 == 0)
    }

    /// The advance width of a line of text, in pixels.
    pub fn width(&self, text: &str, size: f32, weight: Weight) -> f32 {
        self.walk(text, size, weight, |_| {})
    }
}

/// Invisible formatting characters (bidi marks and embeddings, joiners), which need no glyph.
fn is_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_parse_and_fall_back_to_hangul() {
        let f = fonts();
        assert_eq!(f.pick('A', Weight::Regular).0, REGULAR);
        assert_eq!(f.pick('A', Weight::Bold).0, BOLD);
        assert_eq!(f.pick('Ж', Weight::Regular).0, REGULAR);
        assert_eq!(f.pick('나', Weight::Regular).0, HANGUL);
        assert_eq!(f.pick('→', Weight::Bold).0, MATH);
        assert!(f.width("Rajin", 10.0, Weight::Regular) > 20.0);
        assert!(f.width("Rajin", 10.0, Weight::Bold) > f.width("Rajin", 10.0, Weight::Regular));
        assert_eq!(f.width("Rajin 나진", 12.0, Weight::Regular), f.layout("Rajin 나진", 12.0, Weight::Regular).1);
        assert_eq!(f.first_missing("Rajin 나진 Раджин\u{200F}"), None);
        assert_eq!(f.first_missing("Haifa חיפה"), Some('ח'));
    }
}
