//! Text with the bundled fonts: wrapping, and glyph outlines for the PNG. Measuring is
//! [`crate::fonts`]' (re-exported here), which the scene places map labels with.
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

pub use crate::fonts::{ASCENT_EM, CENTRE_TO_BASELINE_EM, DESCENT_EM, Fonts, Weight, fonts};

const ELLIPSIS: char = '…';

/// Glyph outlines by face and glyph.
type Outlines = Mutex<HashMap<(usize, GlyphId), Option<Path>>>;

/// The glyph outlines, each made once.
fn outlines() -> &'static Outlines {
    static OUTLINES: OnceLock<Outlines> = OnceLock::new();
    OUTLINES.get_or_init(|| Mutex::new(HashMap::new()))
}

impl Fonts {
    /// The outline of a line of text with its start at `x` on the baseline `baseline`, in
    /// layout pixels, then transformed by `ts`. `None` for blank text.
    pub fn path(&self, text: &str, size: f32, weight: Weight, x: f32, baseline: f32, ts: Transform) -> Option<Path> {
        let (glyphs, _) = self.layout(text, size, weight);
        let mut pb = PathBuilder::new();
        let Ok(mut cache) = outlines().lock() else { return None };
        for g in glyphs {
            let outline = cache.entry((g.face, g.id)).or_insert_with(|| glyph_path(self.face(g.face), g.id));
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
    fn outlines_of_every_face() {
        let f = fonts();
        assert!(f.path("나진 Rajin →", 12.0, Weight::Regular, 0.0, 10.0, Transform::identity()).is_some());
        assert!(f.path("   ", 12.0, Weight::Regular, 0.0, 10.0, Transform::identity()).is_none());
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
