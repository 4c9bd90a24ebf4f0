//! Bytes to text for the XML and table readers, which meet files from every kind of tool.
//!
//! UTF-8 (with or without a BOM) and UTF-16 (with a BOM, or recognised by the zero bytes of
//! ASCII text) are decoded as such. Text that is not valid UTF-8 is not refused: the lines that
//! fail are decoded as Windows-1252 (Western European) or Windows-1251 (Cyrillic), whichever the
//! bytes look like, with a warning naming each line, so a spreadsheet saved in a legacy code
//! page, or one with a few pasted Latin-1 cells, still opens.

use super::{Diagnostic, Place, ReadError};

/// Lines listed one by one before the rest are only counted.
const MAX_LINES_LISTED: usize = 20;

/// A legacy single-byte code page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CodePage {
    Windows1252,
    Windows1251,
}

impl CodePage {
    pub(crate) fn name(self) -> &'static str {
        match self {
            CodePage::Windows1252 => "Windows-1252 (Western European)",
            CodePage::Windows1251 => "Windows-1251 (Cyrillic)",
        }
    }

    fn decode_into(self, bytes: &[u8], out: &mut String) {
        out.reserve(bytes.len());
        for &b in bytes {
            out.push(match (self, b) {
                (_, 0..=0x7F) => char::from(b),
                (CodePage::Windows1252, 0x80..=0x9F) => WINDOWS_1252_80[usize::from(b - 0x80)],
                (CodePage::Windows1252, _) => char::from(b),
                (CodePage::Windows1251, 0x80..=0xBF) => WINDOWS_1251_80[usize::from(b - 0x80)],
                // А..я are contiguous from 0xC0.
                (CodePage::Windows1251, _) => char::from_u32(0x0410 + u32::from(b - 0xC0)).unwrap_or('\u{FFFD}'),
            });
        }
    }
}

/// Windows-1252 0x80..0x9F; the rest of the page is Latin-1. Undefined bytes become U+FFFD.
const WINDOWS_1252_80: [char; 32] = [
    '€', '\u{FFFD}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{FFFD}', 'Ž', '\u{FFFD}',
    '\u{FFFD}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{FFFD}', 'ž', 'Ÿ',
];

/// Windows-1251 0x80..0xBF; 0xC0..0xFF are А..я.
const WINDOWS_1251_80: [char; 64] = [
    'Ђ', 'Ѓ', '‚', 'ѓ', '„', '…', '†', '‡', '€', '‰', 'Љ', '‹', 'Њ', 'Ќ', 'Ћ', 'Џ',
    'ђ', '‘', '’', '“', '”', '•', '–', '—', '\u{FFFD}', '™', 'љ', '›', 'њ', 'ќ', 'ћ', 'џ',
    '\u{A0}', 'Ў', 'ў', 'Ј', '¤', 'Ґ', '¦', '§', 'Ё', '©', 'Є', '«', '¬', '\u{AD}', '®', 'Ї',
    '°', '±', 'І', 'і', 'ґ', 'µ', '¶', '·', 'ё', '№', 'є', '»', 'ј', 'Ѕ', 'ѕ', 'ї',
];

/// Which code page a run of non-UTF-8 bytes most likely is. Cyrillic words are whole runs of
/// bytes from 0xC0 up; Western European text has an accented letter here and there.
pub(crate) fn guess_code_page<'a>(chunks: impl Iterator<Item = &'a [u8]>) -> CodePage {
    let (mut in_runs, mut high) = (0usize, 0usize);
    for chunk in chunks {
        let mut run = 0usize;
        for &b in chunk.iter().chain(std::iter::once(&b' ')) {
            if b >= 0xC0 {
                run += 1;
            } else {
                if run >= 3 {
                    in_runs += run;
                }
                run = 0;
            }
            if b >= 0x80 {
                high += 1;
            }
        }
    }
    if high > 0 && in_runs * 2 >= high { CodePage::Windows1251 } else { CodePage::Windows1252 }
}

/// Decodes `bytes` as a single-byte code page.
pub(crate) fn decode_code_page(bytes: &[u8], page: CodePage) -> String {
    let mut out = String::new();
    page.decode_into(bytes, &mut out);
    out
}

/// The bytes of a file as text. `what` names the format in notes ("KML", "CSV").
pub(crate) fn decode(bytes: &[u8], what: &str, diags: &mut Vec<Diagnostic>) -> Result<String, ReadError> {
    if let Some(text) = decode_utf16(bytes, what, diags)? {
        return Ok(text);
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(body) {
        return Ok(text.to_owned());
    }
    Ok(decode_mixed(body, diags))
}

/// UTF-16 with a BOM, or without one when ASCII text shows its zero bytes; `None` otherwise.
pub(crate) fn decode_utf16(bytes: &[u8], what: &str, diags: &mut Vec<Diagnostic>) -> Result<Option<String>, ReadError> {
    let (little_endian, body) = match bytes {
        [0xFF, 0xFE, ..] => (true, &bytes[2..]),
        [0xFE, 0xFF, ..] => (false, &bytes[2..]),
        [a, 0, ..] if *a != 0 => (true, bytes),
        [0, b, ..] if *b != 0 => (false, bytes),
        _ => return Ok(None),
    };
    diags.push(Diagnostic::info(Place::File, format!("the file is UTF-16; read as such ({what} is usually UTF-8)")));
    let units = body.chunks(2).map(|pair| match (pair, little_endian) {
        ([lo, hi], true) => u16::from_le_bytes([*lo, *hi]),
        ([hi, lo], false) => u16::from_be_bytes([*hi, *lo]),
        _ => 0xD800, // an odd trailing byte: an unpaired surrogate, reported below
    });
    let mut text = String::with_capacity(body.len() / 2);
    for ch in char::decode_utf16(units) {
        match ch {
            Ok(c) => text.push(c),
            Err(_) => {
                let (line, column) = line_column(&text, text.len());
                return Err(ReadError::Encoding { encoding: "UTF-16", line, column });
            }
        }
    }
    Ok(Some(text.strip_prefix('\u{FEFF}').map(str::to_owned).unwrap_or(text)))
}

/// Text that is not all UTF-8: valid lines as UTF-8, the others in a legacy code page.
fn decode_mixed(body: &[u8], diags: &mut Vec<Diagnostic>) -> String {
    let lines = || body.split_inclusive(|&b| b == b'\n');
    let bad = || lines().filter(|l| std::str::from_utf8(l).is_err());
    let page = guess_code_page(bad());
    // Non-ASCII lines that are valid UTF-8 show that the file is UTF-8 with some lines pasted
    // from elsewhere; without any, the whole file is in the code page.
    let any_utf8 = lines().any(|l| !l.is_ascii() && std::str::from_utf8(l).is_ok());
    let mut text = String::with_capacity(body.len() + body.len() / 8);
    let mut listed = 0usize;
    let mut more = 0usize;
    for (i, line) in lines().enumerate() {
        match std::str::from_utf8(line) {
            Ok(s) => text.push_str(s),
            Err(e) => {
                if any_utf8 {
                    if listed < MAX_LINES_LISTED {
                        let column = std::str::from_utf8(&line[..e.valid_up_to()]).map_or(1, |s| s.chars().count() + 1);
                        diags.push(Diagnostic::warning(
                            Place::Text { line: i + 1, column },
                            format!("this line is not valid UTF-8; read as {}", page.name()),
                        ));
                        listed += 1;
                    } else {
                        more += 1;
                    }
                }
                page.decode_into(line, &mut text);
            }
        }
    }
    if !any_utf8 {
        diags.push(Diagnostic::warning(
            Place::File,
            format!("the file is not UTF-8; read as {}. If names look wrong, save it as UTF-8", page.name()),
        ));
    } else if more > 0 {
        diags.push(Diagnostic::warning(Place::File, format!("{more} more lines are not valid UTF-8; read as {}", page.name())));
    }
    text
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Line and column of many offsets in one text, cheaply when asked in increasing order: each
/// call counts only the bytes since the last one, so even a file on one line is scanned once.
pub(crate) struct Lines<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    /// Characters between the start of the line and `offset`.
    chars: usize,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, offset: 0, line: 1, chars: 0 }
    }

    pub(crate) fn place(&mut self, offset: usize) -> Place {
        let (line, column) = self.line_column(offset);
        Place::Text { line, column }
    }

    pub(crate) fn line_column(&mut self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        if offset < self.offset {
            *self = Self::new(self.text);
        }
        for &b in &self.text.as_bytes()[self.offset..offset] {
            if b == b'\n' {
                self.line += 1;
                self.chars = 0;
            } else if b & 0xC0 != 0x80 {
                // Not a UTF-8 continuation byte: a character starts here.
                self.chars += 1;
            }
        }
        self.offset = offset;
        (self.line, self.chars + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_pages() {
        assert_eq!(decode_code_page(b"Caf\xE9 \x80", CodePage::Windows1252), "Café €");
        assert_eq!(decode_code_page(b"\xC2\xEB\xE0\xE4\xE8\xE2\xEE\xF1\xF2\xEE\xEA", CodePage::Windows1251), "Владивосток");
        assert_eq!(guess_code_page([b"\xC2\xEB\xE0\xE4\xE8\xE2\xEE\xF1\xF2\xEE\xEA".as_slice()].into_iter()), CodePage::Windows1251);
        assert_eq!(guess_code_page([b"S\xE3o Paulo, M\xFCnchen".as_slice()].into_iter()), CodePage::Windows1252);
    }

    #[test]
    fn mixed_lines_are_named() {
        let mut diags = Vec::new();
        let text = decode("name\nRajin 라진\nCaf\u{e9}\n".as_bytes(), "CSV", &mut diags).unwrap();
        assert!(diags.is_empty());
        assert!(text.contains("라진"));
        let text = decode(b"name\nRajin \xEB\x9D\xBC\xEC\xA7\x84\nCaf\xE9\n", "CSV", &mut diags).unwrap();
        assert_eq!(text, "name\nRajin 라진\nCafé\n");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].place, Place::Text { line: 3, column: 4 });
    }

    #[test]
    fn lines_in_order_and_back() {
        let text = "ab\nцd\n\nx";
        let mut lines = Lines::new(text);
        assert_eq!(lines.line_column(0), (1, 1));
        assert_eq!(lines.line_column("ab\nц".len()), (2, 2));
        assert_eq!(lines.line_column(text.len()), (4, 2));
        assert_eq!(lines.line_column(1), (1, 2));
        assert_eq!(line_column(text, "ab\nц".len()), (2, 2));
    }
}
