//! A guard in front of the XML parsers of the kml crate (quick-xml) and the gpx crate (xml-rs).
//!
//! Those parsers read whole documents and trust them: kml 0.15 panics on a `<Point>` without
//! coordinates, loops forever on some truncated files and recurses once per nesting level (a
//! file of 100,000 open tags overflows the stack), and xml-rs expands the entities a DTD
//! declares. So the readers never hand them a whole file. [`walk`] goes once over the text and
//! reports where each element starts and ends, without building a tree, with no recursion and
//! with nesting bounded by [`MAX_DEPTH`]. It checks that tags balance, marks every element
//! that was open when the markup broke as damaged (so a reader skips that placemark and keeps
//! the rest), and records [`Edit`]s that take DTDs and entity references out of the text.
//! The readers then give the parsers only the balanced, cleaned text of single elements.
//!
//! Entities are never expanded and nothing outside the file is ever read: a `<!DOCTYPE>` is
//! cut out whole, and a reference to any entity but the five XML predefines is left out.
//!
//! This is not an XML parser: it does not read attributes or resolve names, it only finds
//! markup boundaries (tags, comments, CDATA sections, processing instructions, DTDs).

use std::borrow::Cow;
use std::ops::Range;

use super::text::{self, CodePage};
use super::{Diagnostic, Place, ReadError};

/// Elements nested deeper than this stop the walk. KML and GPX need a dozen levels.
pub(crate) const MAX_DEPTH: usize = 100;

/// Structural errors reported before the walk gives up on the file.
const MAX_BROKEN: usize = 1000;

/// Repairs (entity references dropped, bare `&` and `<`) listed before the rest are counted.
const MAX_FIXES_LISTED: usize = 20;

#[derive(Clone, Debug)]
pub(crate) enum Event<'t> {
    /// `<name …>`, or `<name …/>` (`empty`, followed at once by its `End`). `depth` is 0 for
    /// the root element.
    Start { name: &'t str, start: usize, tag_end: usize, empty: bool, depth: usize },
    /// The end of an element: `span` covers it from `<` to the `>` of its end tag, `inner` its
    /// content. `damage` is the index of the first structural problem met while it was open;
    /// an element the file leaves open ends at the end of the text, damaged.
    End { name: &'t str, span: Range<usize>, inner: Range<usize>, damage: Option<usize>, depth: usize },
    /// Character data as written (`cdata` false: entity references not resolved), or the
    /// content of a CDATA section (`cdata` true).
    Text { raw: Range<usize>, cdata: bool },
}

/// What was wrong with the markup, at a byte offset of the text.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    pub offset: usize,
    pub message: String,
    /// Structural: elements open at the time are damaged and data may be lost. Otherwise the
    /// text was repaired (an entity left out, a DTD ignored) and nothing else is affected.
    pub broken: bool,
}

/// Replace `range` of the text by `with` when cleaning.
#[derive(Clone, Debug)]
pub(crate) struct Edit {
    pub range: Range<usize>,
    pub with: String,
}

#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Local name and start-tag range of the root element, if there is one.
    pub root: Option<(String, Range<usize>)>,
    pub problems: Vec<Problem>,
    /// Sorted for [`clean`].
    pub edits: Vec<Edit>,
    /// The problem that says the text ends early (a file cut short), if one does: readers
    /// add how many features they kept before the cut.
    pub cut: Option<usize>,
}

impl Scan {
    /// Problems that are repairs, or structural problems whose index is not in `claimed`
    /// (those a reader did not already report with the element they damaged), with their index.
    pub(crate) fn unclaimed(&self, claimed: &std::collections::HashSet<usize>) -> impl Iterator<Item = (usize, &Problem)> {
        self.problems.iter().enumerate().filter(|(i, _)| !claimed.contains(i))
    }
}

/// The bytes of an XML file as text. A declared ISO-8859-1, Windows-1252 or Windows-1251
/// encoding is honoured; anything else is read as UTF-8 or UTF-16 (see [`text::decode`]).
pub(crate) fn decode(bytes: &[u8], what: &str, diags: &mut Vec<Diagnostic>) -> Result<String, ReadError> {
    let head = &bytes[..bytes.len().min(200)];
    let declared = find(head, 0, b"encoding=").and_then(|at| {
        let rest = &head[at + 9..];
        let quote = *rest.first()?;
        let end = rest[1..].iter().position(|&c| c == quote)?;
        std::str::from_utf8(&rest[1..=end]).ok()
    });
    let page = match declared.map(str::to_ascii_lowercase).as_deref() {
        Some("iso-8859-1" | "latin1" | "latin-1" | "windows-1252" | "cp1252" | "iso_8859-1") => Some(CodePage::Windows1252),
        Some("windows-1251" | "cp1251") => Some(CodePage::Windows1251),
        _ => None,
    };
    match page {
        Some(page) if std::str::from_utf8(bytes).is_err() => {
            let name = declared.unwrap_or_default();
            diags.push(Diagnostic::info(Place::File, format!("the file is in {name}; read as {}", page.name())));
            Ok(text::decode_code_page(bytes, page))
        }
        _ => text::decode(bytes, what, diags),
    }
}

/// The part of a qualified name after its prefix (`gx:Track` → `Track`).
pub(crate) fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

struct Open<'t> {
    name: &'t str,
    start: usize,
    tag_end: usize,
    damage: Option<usize>,
}

struct Walker<'t, 'f, F> {
    text: &'t str,
    on: &'f mut F,
    stack: Vec<Open<'t>>,
    scan: Scan,
    root_closed: bool,
    broken: usize,
    fixes: usize,
    fixes_more: usize,
    outside_text_reported: bool,
}

/// Walks the text, calling `on` for every element start and end and every run of text
/// inside the root element. `on` may add edits of its own; they are sorted with the walker's.
pub(crate) fn walk<'t, F>(text: &'t str, mut on: F) -> Scan
where
    F: FnMut(Event<'t>, &mut Vec<Edit>),
{
    let mut w = Walker {
        text,
        on: &mut on,
        stack: Vec::new(),
        scan: Scan::default(),
        root_closed: false,
        broken: 0,
        fixes: 0,
        fixes_more: 0,
        outside_text_reported: false,
    };
    w.run();
    if w.fixes_more > 0 {
        let message = format!("{} more entity references or stray characters were repaired as above", w.fixes_more);
        w.scan.problems.push(Problem { offset: text.len(), message, broken: false });
    }
    let mut scan = w.scan;
    scan.edits.sort_by(|a, b| a.range.start.cmp(&b.range.start).then(b.range.end.cmp(&a.range.end)));
    scan
}

/// The text of `range` with the edits inside it applied. Edits nested in an earlier one (an
/// entity reference inside a removed element) are covered by it.
pub(crate) fn clean<'t>(text: &'t str, range: Range<usize>, edits: &[Edit]) -> Cow<'t, str> {
    let first = edits.partition_point(|e| e.range.start < range.start);
    let inside = edits[first..].iter().take_while(|e| e.range.start < range.end).filter(|e| e.range.end <= range.end);
    let mut out: Option<String> = None;
    let mut cursor = range.start;
    for e in inside {
        if e.range.start < cursor {
            continue;
        }
        let s = out.get_or_insert_with(|| String::with_capacity(range.len()));
        s.push_str(&text[cursor..e.range.start]);
        s.push_str(&e.with);
        cursor = e.range.end;
    }
    match out {
        None => Cow::Borrowed(&text[range]),
        Some(mut s) => {
            s.push_str(&text[cursor..range.end]);
            Cow::Owned(s)
        }
    }
}

/// Character data as written to the text it stands for: the five predefined entities and
/// character references are resolved; any other reference is left out (never expanded).
pub(crate) fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('&') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match reference(rest.as_bytes()) {
            Some((len, Reference::Char(c))) => {
                out.push(c);
                rest = &rest[len..];
            }
            Some((len, Reference::Predefined(c))) => {
                out.push(c);
                rest = &rest[len..];
            }
            Some((len, Reference::Entity | Reference::BadChar)) => rest = &rest[len..],
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Text with the characters XML forbids replaced by U+FFFD, for a writer that escapes.
pub(crate) fn sanitize(s: &str) -> String {
    s.chars().map(|c| if xml_char(c) { c } else { '\u{FFFD}' }).collect()
}

/// Text made safe to write as an element's content or an attribute value: forbidden
/// characters replaced, `&`, `<`, `>` and `"` escaped.
pub(crate) fn escape(s: &str) -> String {
    sanitize(s).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Text with `&`, `<` and `>` escaped, for a CDATA section turned into character data.
pub(crate) fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

enum Reference {
    Predefined(char),
    Char(char),
    /// A character reference to a character XML does not allow (`&#0;`).
    BadChar,
    /// A named entity other than the five predefined ones.
    Entity,
}

/// The reference at the start of `b` (which starts with `&`): its length and kind, or `None`
/// when the `&` starts no reference at all.
fn reference(b: &[u8]) -> Option<(usize, Reference)> {
    let semi = b.iter().take(40).position(|&c| c == b';')?;
    let body = std::str::from_utf8(&b[1..semi]).ok()?;
    let len = semi + 1;
    if let Some(num) = body.strip_prefix('#') {
        let value = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit()) => u32::from_str_radix(hex, 16).ok(),
            Some(_) => return None,
            None if !num.is_empty() && num.bytes().all(|c| c.is_ascii_digit()) => num.parse::<u32>().ok(),
            None => return None,
        };
        return Some((len, match value.and_then(char::from_u32).filter(|&c| xml_char(c)) {
            Some(c) => Reference::Char(c),
            None => Reference::BadChar,
        }));
    }
    let valid_name = body.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
        && body.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'));
    if !valid_name {
        return None;
    }
    Some((len, match body {
        "amp" => Reference::Predefined('&'),
        "lt" => Reference::Predefined('<'),
        "gt" => Reference::Predefined('>'),
        "quot" => Reference::Predefined('"'),
        "apos" => Reference::Predefined('\''),
        _ => Reference::Entity,
    }))
}

/// Whether XML 1.0 allows the character in a document.
pub(crate) fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

impl<'t, F> Walker<'t, '_, F>
where
    F: FnMut(Event<'t>, &mut Vec<Edit>),
{
    fn run(&mut self) {
        let text = self.text;
        let b = text.as_bytes();
        let mut pos = 0;
        while pos < b.len() {
            if b[pos] != b'<' {
                let end = b[pos..].iter().position(|&c| c == b'<').map_or(b.len(), |i| pos + i);
                self.text_run(pos..end);
                pos = end;
                continue;
            }
            let rest = &b[pos..];
            let next = if rest.starts_with(b"<!--") {
                match find(b, pos + 4, b"-->") {
                    Some(end) => end + 3,
                    None => return self.cut_short(pos, "a comment (<!--) is never closed; is the file truncated?"),
                }
            } else if rest.starts_with(b"<![CDATA[") {
                match find(b, pos + 9, b"]]>") {
                    Some(end) => {
                        if self.in_root() {
                            self.emit(Event::Text { raw: pos + 9..end, cdata: true });
                        } else {
                            self.outside_text(pos);
                        }
                        end + 3
                    }
                    None => return self.cut_short(pos, "a CDATA section is never closed; is the file truncated?"),
                }
            } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!DOCTYPE") {
                match self.doctype(pos) {
                    Some(end) => end,
                    None => return,
                }
            } else if rest.starts_with(b"<!") {
                let end = b[pos..].iter().position(|&c| c == b'>').map_or(b.len(), |i| pos + i + 1);
                self.broken(pos, "a markup declaration (<!…>) outside a DTD is not allowed here; ignored".into());
                end
            } else if rest.starts_with(b"<?") {
                match find(b, pos + 2, b"?>") {
                    Some(end) => {
                        // The XML declaration names the file's encoding; the text is UTF-8 now.
                        if rest[2..].starts_with(b"xml") && rest.get(5).is_some_and(|c| c.is_ascii_whitespace() || *c == b'?') {
                            self.scan.edits.push(Edit { range: pos..end + 2, with: String::new() });
                        }
                        end + 2
                    }
                    None => return self.cut_short(pos, "a processing instruction (<?) is never closed; is the file truncated?"),
                }
            } else if rest.starts_with(b"</") {
                let name_end = self.name_end(pos + 2);
                let Some(gt) = b[name_end..].iter().position(|&c| c == b'>').map(|i| name_end + i) else {
                    return self.cut_short(pos, "the file ends inside an end tag; is it truncated?");
                };
                let name = &text[pos + 2..name_end];
                if name.is_empty() || !b[name_end..gt].iter().all(u8::is_ascii_whitespace) {
                    self.broken(pos, format!("malformed end tag {:?}", &text[pos..=gt]));
                } else {
                    self.end_tag(name, pos..gt + 1);
                }
                gt + 1
            } else if rest.get(1).is_some_and(|&c| is_name_start(c)) {
                match self.start_tag(pos) {
                    Some(end) => end,
                    None => return,
                }
            } else {
                self.fix(pos, "a bare '<' in text (it should be written &lt;); read as '<'".into(), pos..pos + 1, "&lt;");
                pos + 1
            };
            if self.broken > MAX_BROKEN {
                return self.fatal(next, &format!("more than {MAX_BROKEN} markup errors; the rest of the file was not read"));
            }
            if self.root_closed && self.stack.is_empty() && self.after_root(next) {
                return;
            }
            pos = next;
        }
        self.finish_open(b.len(), None);
    }

    fn in_root(&self) -> bool {
        !self.stack.is_empty()
    }

    fn emit(&mut self, event: Event<'t>) {
        (self.on)(event, &mut self.scan.edits);
    }

    /// After the root element: only whitespace, comments and processing instructions may
    /// follow. Anything else ends the walk with a note. Returns whether to stop.
    fn after_root(&mut self, pos: usize) -> bool {
        let b = self.text.as_bytes();
        let mut i = pos;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i..].starts_with(b"<!--") || b[i..].starts_with(b"<?") || b[i..].starts_with(b"</") {
            return false;
        }
        let root = self.scan.root.as_ref().map_or("", |(n, _)| n.as_str()).to_owned();
        self.scan.problems.push(Problem {
            offset: i,
            message: format!("content after the end of the root element <{root}> was ignored"),
            broken: false,
        });
        true
    }

    fn name_end(&self, from: usize) -> usize {
        let b = self.text.as_bytes();
        let mut i = from;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'>' | b'/' | b'<' | b'=' | b'"' | b'\'') {
            i += 1;
        }
        i
    }

    /// A start tag at `pos`; returns where the text after it starts, or `None` when the walk
    /// must stop.
    fn start_tag(&mut self, pos: usize) -> Option<usize> {
        let text = self.text;
        let b = text.as_bytes();
        let name_end = self.name_end(pos + 1);
        let name = &text[pos + 1..name_end];
        let mut i = name_end;
        let mut quote: Option<u8> = None;
        loop {
            let Some(&c) = b.get(i) else {
                self.cut_short(pos, &format!("the file ends inside the tag <{name}; is it truncated?"));
                return None;
            };
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) if c == b'&' => i = self.ampersand(i) - 1,
                Some(_) => {}
                None if c == b'"' || c == b'\'' => quote = Some(c),
                None if c == b'>' => break,
                None if c == b'<' => {
                    self.broken(pos, format!("the tag <{name} is not closed with '>' before the next '<'"));
                    return Some(i);
                }
                None => {}
            }
            i += 1;
        }
        let tag_end = i + 1;
        let empty = b[i - 1] == b'/' && i > name_end;
        let depth = self.stack.len();
        if self.root_closed && depth == 0 {
            // Reported by after_root; not reached.
            return None;
        }
        if depth == 0 && self.scan.root.is_none() {
            self.scan.root = Some((local(name).to_owned(), pos..tag_end));
        }
        if depth >= MAX_DEPTH {
            self.fatal(pos, &format!("elements are nested more than {MAX_DEPTH} levels deep; the rest of the file was not read"));
            return None;
        }
        self.emit(Event::Start { name, start: pos, tag_end, empty, depth });
        if empty {
            self.emit(Event::End { name, span: pos..tag_end, inner: tag_end..tag_end, damage: None, depth });
            if depth == 0 {
                self.root_closed = true;
            }
        } else {
            self.stack.push(Open { name, start: pos, tag_end, damage: None });
        }
        Some(tag_end)
    }

    fn end_tag(&mut self, name: &'t str, range: Range<usize>) {
        let Some(at) = self.stack.iter().rposition(|o| o.name == name) else {
            self.broken(range.start, format!("</{name}> closes no open element; ignored"));
            return;
        };
        // Elements already damaged (after a mistyped end tag) close without a second report.
        if at + 1 != self.stack.len() && self.stack[at + 1..].iter().any(|o| o.damage.is_none()) {
            let open: Vec<String> = self.stack[at + 1..].iter().rev().map(|o| format!("</{}>", o.name)).collect();
            self.broken(range.start, format!("expected {} before </{name}>", open.join(", ")));
        }
        if at + 1 != self.stack.len() {
            while self.stack.len() > at + 1 {
                self.close_top(range.start, range.start);
            }
        }
        self.close_top(range.start, range.end);
        if self.stack.is_empty() {
            self.root_closed = true;
        }
    }

    fn close_top(&mut self, inner_end: usize, end: usize) {
        if let Some(open) = self.stack.pop() {
            let depth = self.stack.len();
            let event = Event::End {
                name: open.name,
                span: open.start..end,
                inner: open.tag_end..inner_end.max(open.tag_end),
                damage: open.damage,
                depth,
            };
            self.emit(event);
        }
    }

    /// Ends every open element at the end of the text, damaged by `problem` or by a new
    /// "the file ends inside" problem.
    fn finish_open(&mut self, end: usize, problem: Option<usize>) {
        if self.stack.is_empty() {
            return;
        }
        let problem = problem.unwrap_or_else(|| {
            let inner = self.stack.last().map_or("", |o| o.name);
            let (line, _) = super::text::line_column(self.text, self.stack.last().map_or(0, |o| o.start));
            let message = format!("the file ends inside <{inner}> (opened on line {line}); is it truncated?");
            let index = self.push_broken(end, message);
            self.scan.cut = Some(index);
            index
        });
        for open in &mut self.stack {
            open.damage.get_or_insert(problem);
        }
        while !self.stack.is_empty() {
            self.close_top(end, end);
        }
    }

    fn push_broken(&mut self, offset: usize, message: String) -> usize {
        self.broken += 1;
        self.scan.problems.push(Problem { offset, message, broken: true });
        let index = self.scan.problems.len() - 1;
        for open in &mut self.stack {
            open.damage.get_or_insert(index);
        }
        index
    }

    fn broken(&mut self, offset: usize, message: String) {
        self.push_broken(offset, message);
    }

    fn fatal(&mut self, offset: usize, message: &str) {
        let index = self.push_broken(offset, message.to_owned());
        self.finish_open(self.text.len(), Some(index));
    }

    /// [`fatal`](Self::fatal) for a construct the text ends inside: the file is cut short.
    fn cut_short(&mut self, offset: usize, message: &str) {
        self.scan.cut = Some(self.scan.problems.len());
        self.fatal(offset, message);
    }

    /// A repair: the edit is applied and a note kept (the first few are listed).
    fn fix(&mut self, offset: usize, message: String, range: Range<usize>, with: &str) {
        self.scan.edits.push(Edit { range, with: with.to_owned() });
        if self.fixes < MAX_FIXES_LISTED {
            self.fixes += 1;
            self.scan.problems.push(Problem { offset, message, broken: false });
        } else {
            self.fixes_more += 1;
        }
    }

    fn outside_text(&mut self, pos: usize) {
        if !self.outside_text_reported {
            self.outside_text_reported = true;
            let message = if self.scan.root.is_none() { "text before the root element was ignored" } else { "text after the root element was ignored" };
            self.scan.problems.push(Problem { offset: pos, message: message.into(), broken: false });
        }
    }

    fn text_run(&mut self, range: Range<usize>) {
        let b = self.text.as_bytes();
        if !self.in_root() {
            if !b[range.clone()].iter().all(u8::is_ascii_whitespace) {
                self.outside_text(range.start);
            }
            return;
        }
        let mut i = range.start;
        while let Some(amp) = b[i..range.end].iter().position(|&c| c == b'&') {
            i = self.ampersand(i + amp);
        }
        self.emit(Event::Text { raw: range, cdata: false });
    }

    /// Checks the reference at `at` (a `&`); returns the offset after it.
    fn ampersand(&mut self, at: usize) -> usize {
        let b = self.text.as_bytes();
        match reference(&b[at..]) {
            Some((_, Reference::Predefined(_) | Reference::Char(_))) => at + 1,
            Some((len, Reference::BadChar)) => {
                let r = &self.text[at..at + len];
                self.fix(at, format!("the character reference {r} is not allowed in XML; left out"), at..at + len, "");
                at + len
            }
            Some((len, Reference::Entity)) => {
                let r = &self.text[at..at + len];
                let message = format!("the entity reference {r} was left out: Portolan never expands entities");
                self.fix(at, message, at..at + len, "");
                at + len
            }
            None => {
                self.fix(at, "a bare '&' (it should be written &amp;); read as '&'".into(), at..at + 1, "&amp;");
                at + 1
            }
        }
    }

    /// A `<!DOCTYPE …>` at `pos`: cut out with a warning. Returns where the text after it
    /// starts, or `None` if the file ends inside it.
    fn doctype(&mut self, pos: usize) -> Option<usize> {
        let b = self.text.as_bytes();
        let mut i = pos + 9;
        let mut bracket = false;
        let mut quote: Option<u8> = None;
        let end = loop {
            let Some(&c) = b.get(i) else {
                self.cut_short(pos, "the file ends inside the DOCTYPE; is it truncated?");
                return None;
            };
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    b'"' | b'\'' => quote = Some(c),
                    b'[' => bracket = true,
                    b']' => bracket = false,
                    b'<' if bracket && b[i..].starts_with(b"<!--") => match find(b, i + 4, b"-->") {
                        Some(e) => i = e + 2,
                        None => {
                            self.cut_short(pos, "the file ends inside the DOCTYPE; is it truncated?");
                            return None;
                        }
                    },
                    b'>' if !bracket => break i + 1,
                    _ => {}
                },
            }
            i += 1;
        };
        let decl = &self.text[pos..end];
        let entities = decl.matches("<!ENTITY").count();
        let external = decl.contains("SYSTEM") || decl.contains("PUBLIC");
        let detail = match (entities, external) {
            (0, false) => String::new(),
            (0, true) => " (it refers to an external DTD, which was not fetched)".into(),
            (n, false) => format!(" (it declares {n} entities, which were not expanded)"),
            (n, true) => format!(" (it declares {n} entities, some external; none was expanded or fetched)"),
        };
        self.scan.edits.push(Edit { range: pos..end, with: String::new() });
        self.scan.problems.push(Problem {
            offset: pos,
            message: format!("the DOCTYPE was ignored: Portolan never reads DTDs{detail}"),
            broken: false,
        });
        Some(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> (Vec<String>, Scan) {
        let mut out = Vec::new();
        let scan = walk(text, |e, _| {
            out.push(match e {
                Event::Start { name, depth, .. } => format!("+{name}@{depth}"),
                Event::End { name, span, damage, .. } => {
                    format!("-{name}[{}]{}", &text[span], damage.map_or(String::new(), |d| format!("!{d}")))
                }
                Event::Text { raw, cdata } => format!("{}{:?}", if cdata { "C" } else { "T" }, &text[raw]),
            });
        });
        (out, scan)
    }

    #[test]
    fn balanced_document() {
        let (ev, scan) = events(r#"<?xml version="1.0"?><a x="1>2"><b/>t&amp;<!-- <c> --><![CDATA[<d>]]></a>"#);
        assert_eq!(ev, [
            "+a@0",
            "+b@1",
            "-b[<b/>]",
            "T\"t&amp;\"",
            "C\"<d>\"",
            r#"-a[<a x="1>2"><b/>t&amp;<!-- <c> --><![CDATA[<d>]]></a>]"#
        ]);
        assert!(scan.problems.is_empty(), "{:?}", scan.problems);
        assert_eq!(scan.root.unwrap().0, "a");
        assert_eq!(scan.edits.len(), 1); // the XML declaration
    }

    #[test]
    fn mismatch_damages_what_was_open_and_recovers() {
        let (ev, scan) = events("<r><p><n>x</m></p><p><n>y</n></p></r>");
        assert_eq!(scan.problems.len(), 1);
        assert!(scan.problems[0].message.contains("</m> closes no open element"));
        assert!(ev.contains(&"-p[<p><n>x</m></p>]!0".to_owned()), "{ev:?}");
        assert!(ev.contains(&"-p[<p><n>y</n></p>]".to_owned()), "{ev:?}");
    }

    #[test]
    fn truncation_closes_everything_damaged() {
        let (ev, scan) = events("<r><p>a</p><p><n>y");
        assert!(scan.problems[0].message.starts_with("the file ends inside <n>"), "{:?}", scan.problems);
        assert_eq!(scan.cut, Some(0));
        assert_eq!(ev.last().unwrap(), "-r[<r><p>a</p><p><n>y]!0");
        assert_eq!(events("<r><p>a</p><p x='1").1.cut, Some(0));
        assert_eq!(events("<r><a></b></r>").1.cut, None);
        assert!(ev.contains(&"-p[<p>a</p>]".to_owned()));
    }

    #[test]
    fn depth_is_bounded_without_recursion() {
        let text = "<a>".repeat(1_000_000);
        let (ev, scan) = events(&text);
        assert_eq!(ev.iter().filter(|e| e.starts_with('+')).count(), MAX_DEPTH);
        assert!(scan.problems[0].message.contains("nested more than"));
    }

    #[test]
    fn doctype_and_entities_are_cut_out() {
        let text = r#"<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd"><!-- ] > -->]><r a="&e;">&e; &amp; &#233; &#0; AT&T</r>"#;
        let (_, scan) = events(text);
        let cleaned = clean(text, 0..text.len(), &scan.edits);
        assert_eq!(cleaned, r#"<r a=""> &amp; &#233;  AT&amp;T</r>"#);
        assert!(scan.problems[0].message.contains("1 entities, some external"));
        assert_eq!(unescape("&e; &amp; &#233;&#x41; AT&T"), " & éA AT&T");
    }

    #[test]
    fn clean_skips_nested_edits() {
        let text = "0123456789";
        let edits = vec![
            Edit { range: 2..6, with: "x".into() },
            Edit { range: 3..4, with: "y".into() },
            Edit { range: 7..8, with: String::new() },
        ];
        assert_eq!(clean(text, 0..10, &edits), "01x689");
        assert_eq!(clean(text, 6..10, &edits), "689");
    }
}
