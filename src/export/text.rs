//! Text with the bundled fonts: measuring, wrapping, and glyph outlines for the PNG.
//!
//! Noto Sans (regular or bold) draws what it has; Noto Sans Math (arrows, operators: the →
//! of route names) and the Hangul font (Korean names) are the fallbacks for the rest. Sizes are CSS-like: `size` is the em size in layout pixels, as an SVG
//! `font-size` is, so that the PNG and the SVG set the same text the same width.
//!
//! No shaping is done (no ligatures, no contextual forms) and right-to-left runs are not
//! reordered in the PNG: the SVG keeps such text as text, marked with its direction, for the
//! renderer to shape.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use ab_glyph::{Font, FontRef, GlyphId, OutlineCurve};
use tiny_skia::{Path, PathBuilder, Transform};

use crate::fonts::{NOTO_HANGUL, NOTO_MATH, NOTO_SANS, NOTO_SANS_BOLD};

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

const ELLIPSIS: char = '…';

pub struct Fonts {
    faces: [FontRef<'static>; 4],
    outlines: Mutex<HashMap<(usize, GlyphId), Option<Path>>>,
}

const REGULAR: usize = 0;
const BOLD: usize = 1;
const HANGUL: usize = 2;
const MATH: usize = 3;

/// The bundled fonts, parsed once.
pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        // The bundled fonts are checked by the tests; a failure here is a build mistake.
        let face = |bytes: &'static [u8]| FontRef::try_from_slice(bytes).expect("the bundled fonts parse");
        Fonts { faces: [face(NOTO_SANS), face(NOTO_SANS_BOLD), face(NOTO_HANGUL), face(NOTO_MATH)], outlines: Mutex::new(HashMap::new()) }
    })
}

/// One glyph placed on a line: which face, which glyph, its x in layout pixels from the start.
#[derive(Clone, Copy, Debug)]
struct Placed {
    face: usize,
    id: GlyphId,
    x: f32,
}

impl Fonts {
    /// The face and glyph for a character: the weight's face, else the fallbacks (regular,
    /// maths, Hangul), else the weight's face's "missing" glyph.
    fn pick(&self, c: char, weight: Weight) -> (usize, GlyphId) {
        let primary = if weight == Weight::Bold { BOLD } else { REGULAR };
        for face in [primary, REGULAR, MATH, HANGUL] {
            let id = self.faces[face].glyph_id(c);
            if id.0 != 0 {
                return (face, id);
            }
        }
        (primary, GlyphId(0))
    }

    fn em(&self, face: usize) -> f32 {
        self.faces[face].units_per_em().unwrap_or(1000.0)
    }

    fn layout(&self, text: &str, size: f32, weight: Weight) -> (Vec<Placed>, f32) {
        let mut out = Vec::with_capacity(text.len());
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
            out.push(Placed { face, id, x });
            x += font.h_advance_unscaled(id) * k;
            prev = Some((face, id));
        }
        (out, x)
    }

    /// The first character of `text` that no bundled font can draw (Arabic, Hebrew, Chinese, …),
    /// if any. Such characters are blank in the PNG.
    pub fn first_missing(&self, text: &str) -> Option<char> {
        text.chars().find(|&c| !c.is_whitespace() && !c.is_control() && !is_format(c) && self.pick(c, Weight::Regular).1.0 == 0)
    }

    /// The advance width of a line of text, in layout pixels.
    pub fn width(&self, text: &str, size: f32, weight: Weight) -> f32 {
        self.layout(text, size, weight).1
    }

    /// The outline of a line of text with its start at `x` on the baseline `baseline`, in
    /// layout pixels, then transformed by `ts`. `None` for blank text.
    pub fn path(&self, text: &str, size: f32, weight: Weight, x: f32, baseline: f32, ts: Transform) -> Option<Path> {
        let (glyphs, _) = self.layout(text, size, weight);
        let mut pb = PathBuilder::new();
        let Ok(mut cache) = self.outlines.lock() else { return None };
        for g in glyphs {
            let outline = cache.entry((g.face, g.id)).or_insert_with(|| glyph_path(&self.faces[g.face], g.id));
            let Some(outline) = outline else { continue };
            let k = size / self.em(g.face);
            let placed = Transform::from_row(k, 0.0, 0.0, k, x + g.x, baseline).post_concat(ts);
            if let Some(p) = outline.clone().transform(placed) {
                pb.push_path(&p);
            }
        }
        pb.finish()
    }
}

/// Invisible formatting characters (bidi marks and embeddings, joiners), which need no glyph.
fn is_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// A glyph's outline in font units, y down.
fn glyph_path(font: &FontRef<'static>, id: GlyphId) -> Option<Path> {
    let outline = font.outline(id)?;
    let mut pb = PathBuilder::new();
    let mut last: Option<ab_glyph::Point> = None;
    for curve in &outline.curves {
        let start = match curve {
            OutlineCurve::Line(a, _) | OutlineCurve::Quad(a, _, _) | OutlineCurve::Cubic(a, _, _, _) => *a,
        };
        if last != Some(start) {
            if last.is_some() {
                pb.close();
            }
            pb.move_to(start.x, -start.y);
        }
        match curve {
            OutlineCurve::Line(_, b) => {
                pb.line_to(b.x, -b.y);
                last = Some(*b);
            }
            OutlineCurve::Quad(_, c, b) => {
                pb.quad_to(c.x, -c.y, b.x, -b.y);
                last = Some(*b);
            }
            OutlineCurve::Cubic(_, c1, c2, b) => {
                pb.cubic_to(c1.x, -c1.y, c2.x, -c2.y, b.x, -b.y);
                last = Some(*b);
            }
        }
    }
    if last.is_some() {
        pb.close();
    }
    pb.finish()
}

/// A user's string made safe to lay out and to write into XML: control characters (C0, C1,
/// DEL) become spaces or vanish, runs of white space become one space, ends are trimmed, and
/// the text is cut at `max_chars` characters.
pub fn sanitize(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    let mut space = false;
    for c in text.chars() {
        // U+FFFE and U+FFFF are not characters XML allows.
        if c == '\u{FFFE}' || c == '\u{FFFF}' {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            // Tabs and line breaks separate words; other controls vanish.
            if c.is_whitespace() {
                space = !out.is_empty();
            }
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        if out.chars().count() >= max_chars {
            break;
        }
    }
    out
}

/// Whether a paragraph reads right to left: its first strong character is Hebrew, Arabic,
/// Syriac, Thaana, N'Ko or another right-to-left script (Unicode bidi rules P2–P3).
pub fn is_rtl(text: &str) -> bool {
    for c in text.chars() {
        let u = c as u32;
        let rtl = matches!(u, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF);
        if rtl {
            return true;
        }
        if c.is_alphabetic() {
            return false;
        }
    }
    false
}

/// Breaks text into lines no wider than `max_width`, at spaces (inside a word only when the
/// word alone is too wide), at most `max_lines` lines; text left over ends the last line in
/// an ellipsis.
pub fn wrap(text: &str, size: f32, weight: Weight, max_width: f32, max_lines: usize) -> Vec<String> {
    let f = fonts();
    let fits = |s: &str| f.width(s, size, weight) <= max_width;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut truncated = false;
    'words: for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        // Start a new line with the word, broken where it is too wide by itself.
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            if lines.len() == max_lines {
                truncated = true;
                break;
            }
        }
        for c in word.chars() {
            line.push(c);
            if !fits(&line) && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
                if lines.len() == max_lines {
                    truncated = true;
                    break 'words;
                }
            }
        }
    }
    if !truncated && !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        truncated = true;
    }
    if truncated && let Some(last) = lines.last_mut() {
        *last = ellipsize(last, size, weight, max_width, true);
    }
    lines
}

/// Cuts a line to `max_width`, ending it in an ellipsis when cut (or always, with `force`).
pub fn ellipsize(text: &str, size: f32, weight: Weight, max_width: f32, force: bool) -> String {
    let f = fonts();
    if !force && f.width(text, size, weight) <= max_width {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().collect();
    loop {
        let s: String = chars.iter().collect::<String>().trim_end().to_owned() + &ELLIPSIS.to_string();
        if chars.is_empty() || f.width(&s, size, weight) <= max_width {
            return s;
        }
        chars.pop();
    }
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
        assert!(f.path("나진 Rajin", 12.0, Weight::Regular, 0.0, 10.0, Transform::identity()).is_some());
        assert!(f.path("   ", 12.0, Weight::Regular, 0.0, 10.0, Transform::identity()).is_none());
        assert_eq!(f.first_missing("Rajin 나진 Раджин\u{200F}"), None);
        assert_eq!(f.first_missing("Haifa חיפה"), Some('ח'));
    }

    #[test]
    fn wrapping_keeps_to_the_width_and_line_count() {
        let text = "North Korean munitions to Russia by sea and rail, 2023–2024, as reported";
        let lines = wrap(text, 20.0, Weight::Bold, 300.0, 5);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text);
        for l in &lines {
            assert!(fonts().width(l, 20.0, Weight::Bold) <= 300.0, "{l}");
        }
        let cut = wrap(&"word ".repeat(2000), 20.0, Weight::Regular, 300.0, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'));
        let long_word = wrap(&"x".repeat(500), 20.0, Weight::Regular, 100.0, 3);
        assert_eq!(long_word.len(), 3);
        assert!(long_word.iter().all(|l| fonts().width(l, 20.0, Weight::Regular) <= 100.0));
    }

    #[test]
    fn sanitize_removes_controls_and_bounds_length() {
        assert_eq!(sanitize("  a\u{0}b\tc\r\n d\u{85}e\u{7f}  ", 100), "ab c d e");
        assert_eq!(sanitize(&"é".repeat(50), 10).chars().count(), 10);
        assert_eq!(sanitize("\u{FFFF}x", 10), "x");
    }

    #[test]
    fn rtl_is_the_first_strong_direction() {
        assert!(is_rtl("« שלום » Haifa"));
        assert!(is_rtl("123 مرحبا"));
        assert!(!is_rtl("Haifa שלום"));
        assert!(!is_rtl("123"));
    }
}
