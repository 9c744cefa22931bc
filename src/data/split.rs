//! Splits a file of concatenated XML documents into records without loading
//! it: one streaming pass builds an index of (offset, length) per record,
//! and workers later read their own records with positioned reads.
//!
//! A record is one `<us-patent-application>` document: it begins at its
//! root start tag (`<us-patent-application` followed by white space, `>` or
//! `/`), together with the XML declaration and DOCTYPE before it, wherever
//! they sit on a line; it ends after its root end tag and the white space
//! that follows. So files made with `cat`, with or without newlines between
//! documents, with or without declarations, with a byte-order mark or CRLF
//! line ends, split one record per document, and the number of records
//! equals the number of root elements. Markup inside comments and CDATA
//! sections is not a tag.
//!
//! Broken documents still become records of their own (a document cut off
//! before its end tag ends where the next one begins; a document whose root
//! start tag is missing spans its prolog and body), so the parser
//! quarantines each one with its reason instead of merging it into a
//! neighbour. Bytes outside every record (a wrapper element such as
//! `<root>…</root>`) are counted and reported, never silently lost.

use super::fault::InputError;
use aho_corasick::{AhoCorasick, MatchKind};
use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

/// The root element of one application record.
pub const ROOT_TAG: &[u8] = b"<us-patent-application";

/// Where one record lies in the input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSpan {
    /// Byte offset of the record's root start tag.
    pub offset: u64,
    /// Its length in bytes, through its root end tag.
    pub len: u32,
}

/// Non-white-space bytes that belong to no record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outside {
    /// How many such bytes.
    pub bytes: u64,
    /// Offset of the first such byte.
    pub first_offset: Option<u64>,
    /// The first few of them, for the message.
    pub sample: String,
}

/// The index of every record in a file.
#[derive(Debug, Clone)]
pub struct RecordIndex {
    /// Every record, in file order.
    pub spans: Vec<RecordSpan>,
    /// Per record, [`app_id_key`] of the app_id as read by a byte scan (the
    /// first `<doc-number>` after `<application-reference`), or 0 when the
    /// scan cannot tell (no such element, markup or an entity inside it).
    /// The duplicate rule uses it to know before parsing which records may
    /// share an app_id; the parser's own app_id is always checked against it.
    pub keys: Vec<u64>,
    /// Size of the file.
    pub bytes: u64,
    /// Root start tags seen (outside comments and CDATA).
    pub roots: u64,
    /// Bytes outside every record (reported, never silently dropped).
    pub outside: Outside,
}

impl RecordIndex {
    /// Records in the file.
    pub fn len(&self) -> usize {
        self.spans.len()
    }
    /// True for a file without records.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
    /// A one-line note when bytes lie outside every record.
    pub fn outside_note(&self) -> Option<String> {
        let o = &self.outside;
        o.first_offset.map(|at| {
            format!(
                "{} byte(s) outside any record were ignored, the first at byte {at}: {:?} (a wrapper element around the records?)",
                o.bytes, o.sample
            )
        })
    }
}

/// Read size; records are found across chunk boundaries.
const CHUNK: usize = 4 << 20;
/// Bytes a match may look ahead (the rest of a tag, white space after it).
const PEEK: usize = 4096;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pat {
    RootStart,
    RootEnd,
    Decl,
    Doctype,
    Comment,
    CData,
    AppRef,
    DocNumber,
}

const PATTERNS: [(&[u8], Pat); 8] = [
    (ROOT_TAG, Pat::RootStart),
    (b"</us-patent-application", Pat::RootEnd),
    (b"<?xml", Pat::Decl),
    (b"<!DOCTYPE", Pat::Doctype),
    (b"<!--", Pat::Comment),
    (b"<![CDATA[", Pat::CData),
    (b"<application-reference", Pat::AppRef),
    (b"<doc-number>", Pat::DocNumber),
];

/// The key of an app_id: a 64-bit hash of its trimmed text, never 0.
pub fn app_id_key(id: &str) -> u64 {
    key_of_bytes(id.trim().as_bytes())
}

fn key_of_bytes(b: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(b).max(1)
}

fn matcher() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(PATTERNS.iter().map(|p| p.0))
            .expect("fixed patterns build")
    })
}

fn is_ws(b: u8) -> bool {
    // The bytes of a UTF-8 byte-order mark count as white space between
    // documents: `cat` of files that each start with one puts them there.
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0xEF | 0xBB | 0xBF)
}

/// Scans `path` once and returns the record index. Errors name the file:
/// missing, unreadable, UTF-16, not XML, or holding no application record.
pub fn index_file(path: &Path) -> Result<RecordIndex> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot open input file '{}'", path.display()))?;
    if !meta.is_file() {
        return Err(InputError::NotRegularFile(path.display().to_string()).into());
    }
    let file =
        File::open(path).with_context(|| format!("cannot open input file '{}'", path.display()))?;
    index_reader(file).with_context(|| format!("input file '{}'", path.display()))
}

/// The scanner behind [`index_file`], over any reader (tests use slices).
pub fn index_reader<R: Read>(mut r: R) -> Result<RecordIndex> {
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + PEEK);
    let mut base = 0u64; // file offset of buf[0]
    let mut from = 0usize; // where scanning resumes in buf
    let mut s = Splitter::default();
    let mut first = true;
    loop {
        let eof = fill(&mut r, &mut buf, CHUNK)?;
        if first {
            sniff(&buf)?;
            first = false;
        }
        let limit = if eof {
            buf.len()
        } else {
            buf.len().saturating_sub(PEEK)
        };
        from = s.scan(&buf, base, from, limit, eof);
        if eof {
            break;
        }
        // Keep what is not scanned yet.
        let keep = from.min(limit);
        buf.drain(..keep);
        base += keep as u64;
        from -= keep;
    }
    s.finish(base + buf.len() as u64)
}

/// Appends up to `want` bytes; true at the end of the input.
fn fill<R: Read>(r: &mut R, buf: &mut Vec<u8>, want: usize) -> Result<bool> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut got = 0;
    while got < want {
        match r.read(&mut buf[start + got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context("read error"),
        }
    }
    buf.truncate(start + got);
    Ok(got < want)
}

/// Recognises what the file is before splitting it.
fn sniff(head: &[u8]) -> Result<()> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(InputError::Utf16Bom.into());
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let Some(k) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Ok(()); // empty: reported as "no record found"
    };
    if body[k..].starts_with(b"<\0") || (k > 0 && body[k - 1] == 0 && body[k] == b'<') {
        return Err(InputError::Utf16NoBom.into());
    }
    if body[k] != b'<' {
        let first = String::from_utf8_lossy(&body[k..(k + 1).min(body.len())]);
        return Err(InputError::NotXml(first.into_owned()).into());
    }
    Ok(())
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Mode {
    #[default]
    Markup,
    Comment,
    CData,
}

#[derive(Default)]
struct Splitter {
    spans: Vec<RecordSpan>,
    mode: Mode,
    /// Start of the record whose root element is open.
    open: Option<u64>,
    /// The open record's app_id key so far, and how far the scan for it
    /// got: 0 looking for `<application-reference`, 1 for its first
    /// `<doc-number>`, 2 done.
    open_key: u64,
    key_stage: u8,
    keys: Vec<u64>,
    /// Start of a prolog (declaration, DOCTYPE) that no record claimed yet.
    prolog: Option<u64>,
    prolog_has_doctype: bool,
    /// Where the last closed record's root end tag ended.
    last_end: Option<u64>,
    /// Everything before `cursor` has been looked at for stray bytes.
    cursor: u64,
    /// Non-white-space bytes since the last record ended (or the file
    /// began), outside any prolog: where they start and how many.
    stray_at: Option<u64>,
    stray_bytes: u64,
    /// A byte-order mark between two documents belongs to the next one's
    /// file, not to the record before it: the previous record stops there.
    gap_bom_at: Option<u64>,
    roots: u64,
    outside: Outside,
    error: Option<String>,
}

impl Splitter {
    /// Processes every match starting in `buf[from..limit]`; returns where
    /// the next scan resumes.
    fn scan(&mut self, buf: &[u8], base: u64, mut from: usize, limit: usize, eof: bool) -> usize {
        loop {
            if let Some(next) = self.skip_special(buf, from, eof) {
                from = next;
            } else {
                // The comment or CDATA section goes on past this buffer:
                // keep its last declaration (and what a closer needs).
                let last_decl = memchr::memmem::rfind(&buf[from..], b"<?xml ").map(|d| from + d);
                return last_decl
                    .unwrap_or(buf.len().saturating_sub(ROOT_TAG.len() + 8))
                    .max(from);
            }
            if from >= limit {
                return from;
            }
            let Some(m) = matcher().find(&buf[from..]) else {
                self.account(buf, base, limit);
                return limit;
            };
            let at = from + m.start();
            if at >= limit {
                self.account(buf, base, limit);
                return limit;
            }
            self.account(buf, base, at);
            from = self.on_match(
                buf,
                base,
                at,
                m.end() - m.start(),
                PATTERNS[m.pattern().as_usize()].1,
            );
        }
    }

    /// In a comment or CDATA section, the position after its end, or None
    /// when the end is not in `buf` yet. A section never runs into the
    /// next document: one that would (an XML declaration followed by a
    /// root start tag comes before its end) ends at that declaration, so
    /// one broken record cannot swallow the records after it.
    fn skip_special(&mut self, buf: &[u8], from: usize, eof: bool) -> Option<usize> {
        let close: &[u8] = match self.mode {
            Mode::Markup => return Some(from),
            Mode::Comment => b"-->",
            Mode::CData => b"]]>",
        };
        let rest = &buf[from.min(buf.len())..];
        let end = memchr::memmem::find(rest, close);
        let limit = end.unwrap_or(rest.len());
        let mut search = 0;
        while let Some(d) = memchr::memmem::find(&rest[search..limit], b"<?xml ") {
            let d = search + d;
            if memchr::memmem::find(&rest[d..limit], ROOT_TAG).is_some() {
                self.mode = Mode::Markup;
                return Some(from + d);
            }
            search = d + 1;
        }
        match end {
            Some(e) => {
                self.mode = Mode::Markup;
                Some(from + e + close.len())
            }
            None if eof => Some(buf.len()),
            None => None,
        }
    }

    /// Handles one pattern found at `buf[at..at + len]`; returns where
    /// scanning resumes.
    fn on_match(&mut self, buf: &[u8], base: u64, at: usize, len: usize, pat: Pat) -> usize {
        let pos = base + at as u64;
        let next = buf.get(at + len).copied();
        let after = at + len;
        match pat {
            Pat::Comment => self.mode = Mode::Comment,
            Pat::CData => self.mode = Mode::CData,
            Pat::Decl if next.is_some_and(|b| b.is_ascii_whitespace()) => {
                self.on_prolog(pos, false)
            }
            Pat::Doctype => self.on_prolog(pos, true),
            Pat::RootStart
                if next.is_some_and(|b| b.is_ascii_whitespace() || b == b'>' || b == b'/') =>
            {
                self.on_root_start(pos)
            }
            Pat::AppRef if self.open.is_some() && self.key_stage == 0 => self.key_stage = 1,
            Pat::DocNumber if self.open.is_some() && self.key_stage == 1 => {
                self.key_stage = 2;
                self.open_key = guess_key(&buf[after..]);
            }
            Pat::RootEnd if next.is_some_and(|b| b.is_ascii_whitespace() || b == b'>') => {
                let end = match memchr::memchr(b'>', &buf[after..]) {
                    Some(i) => after + i + 1,
                    None => after,
                };
                self.on_root_end(base + end as u64);
                self.cursor = base + end as u64;
                return end;
            }
            _ => {}
        }
        self.cursor = self.cursor.max(base + after as u64);
        after
    }

    /// Looks at `buf[cursor..upto]` for bytes that belong to no record.
    fn account(&mut self, buf: &[u8], base: u64, upto: usize) {
        let start = (self.cursor.saturating_sub(base)) as usize;
        if upto > start && self.open.is_none() && self.prolog.is_none() {
            for (k, &b) in buf[start..upto].iter().enumerate() {
                if b == 0xEF {
                    self.gap_bom_at.get_or_insert(base + (start + k) as u64);
                }
                if !is_ws(b) {
                    let at = base + (start + k) as u64;
                    self.stray_at.get_or_insert(at);
                    self.stray_bytes += 1;
                    if self.outside.first_offset.is_none() {
                        self.outside.first_offset = Some(at);
                    }
                    if self.outside.sample.len() < 40 {
                        self.outside.sample.push(b as char);
                    }
                    self.outside.bytes += 1;
                }
            }
        }
        self.cursor = self.cursor.max(base + upto as u64);
    }

    fn push(&mut self, start: u64, end: u64, key: u64) {
        match u32::try_from(end.saturating_sub(start)) {
            Ok(len) => {
                self.spans.push(RecordSpan { offset: start, len });
                self.keys.push(key);
            }
            Err(_) => {
                self.error
                    .get_or_insert(format!("the record at byte {start} is larger than 4 GiB"));
            }
        }
    }

    /// A new record starts at `start`: close what is open, and let the
    /// previous record keep the white space between the two.
    fn begin_record(&mut self, start: u64) {
        if let Some(open) = self.open.take() {
            // Cut off before its end tag: it ends where this one begins.
            self.push(open, start, self.open_key);
        } else {
            self.extend_last(start);
        }
    }

    /// Gives the white space between the last record and `to` to the last
    /// record, unless something else lies there.
    fn extend_last(&mut self, to: u64) {
        let to = to.min(self.gap_bom_at.unwrap_or(to));
        if let (Some(_), None) = (self.last_end, self.stray_at)
            && let Some(last) = self.spans.last_mut()
            && to > last.offset
        {
            last.len = (to - last.offset) as u32;
        }
    }

    fn on_prolog(&mut self, pos: u64, doctype: bool) {
        if self.open.is_some() {
            self.begin_record(pos);
        } else if let Some(p) = self.prolog {
            // A second declaration, or a second DOCTYPE: the document that
            // began at `p` has no root element; it is a record of its own.
            if !doctype || self.prolog_has_doctype {
                self.push(p, pos, 0);
                self.prolog = None;
            }
        }
        if self.prolog.is_none() {
            self.begin_record(pos);
            self.prolog = Some(pos);
            self.prolog_has_doctype = false;
            self.clear_stray();
        }
        self.prolog_has_doctype |= doctype;
    }

    fn on_root_start(&mut self, pos: u64) {
        self.roots += 1;
        let start = match self.prolog.take() {
            Some(p) => p,
            None => {
                self.begin_record(pos);
                pos
            }
        };
        self.open = Some(start);
        self.open_key = 0;
        self.key_stage = 0;
        self.clear_stray();
    }

    fn on_root_end(&mut self, end: u64) {
        let key = if self.open.is_some() {
            self.open_key
        } else {
            0
        };
        let start = match (self.open.take(), self.prolog.take(), self.stray_at) {
            (Some(s), ..) => Some(s),
            // No start tag: the prolog and body form a broken record.
            (None, Some(p), _) => Some(p),
            // No start tag and no prolog: the stray bytes are its body.
            (None, None, Some(s)) => {
                self.outside.bytes -= self.stray_bytes;
                Some(s)
            }
            (None, None, None) => None,
        };
        if let Some(s) = start {
            self.push(s, end, key);
            self.last_end = Some(end);
            self.clear_stray();
        }
    }

    fn clear_stray(&mut self) {
        self.stray_at = None;
        self.stray_bytes = 0;
        self.gap_bom_at = None;
    }

    fn finish(mut self, eof: u64) -> Result<RecordIndex> {
        if let Some(open) = self.open.take() {
            self.push(open, eof, self.open_key);
        } else if let Some(p) = self.prolog.take() {
            self.push(p, eof, 0);
        } else {
            self.extend_last(eof);
        }
        if let Some(e) = self.error {
            bail!("{e}");
        }
        if self.roots == 0 {
            return Err(InputError::NoRecords.into());
        }
        if self.outside.bytes == 0 {
            self.outside = Outside::default();
        }
        Ok(RecordIndex {
            spans: self.spans,
            keys: self.keys,
            bytes: eof,
            roots: self.roots,
            outside: self.outside,
        })
    }
}

/// The key of the text at the start of `rest` up to the next `<`, or 0
/// when it holds an entity or markup or does not end within `rest`.
fn guess_key(rest: &[u8]) -> u64 {
    let Some(end) = memchr::memchr(b'<', rest) else {
        return 0;
    };
    let text = rest[..end].trim_ascii();
    if text.is_empty() || text.contains(&b'&') || !rest[end..].starts_with(b"</doc-number>") {
        return 0;
    }
    key_of_bytes(text)
}

/// Reads records by span with positioned reads, so many workers can share
/// one file handle without seeking.
pub struct RecordReader {
    file: File,
}

impl RecordReader {
    /// Opens the file at `path` for reading records by their spans.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(RecordReader {
            file: File::open(path)
                .with_context(|| format!("cannot open input file '{}'", path.display()))?,
        })
    }

    /// Reads one record's bytes into `buf` (cleared first).
    pub fn read(&self, span: RecordSpan, buf: &mut Vec<u8>) -> Result<()> {
        use std::os::unix::fs::FileExt;
        buf.clear();
        buf.resize(span.len as usize, 0);
        self.file
            .read_exact_at(buf, span.offset)
            .context("reading a record from the input file")?;
        Ok(())
    }

    /// Reads the contiguous records `spans` with one read into `buf` and
    /// returns each record's range in it (cheaper than a read per record).
    pub fn read_run(
        &self,
        spans: &[RecordSpan],
        buf: &mut Vec<u8>,
    ) -> Result<Vec<std::ops::Range<usize>>> {
        use std::os::unix::fs::FileExt;
        buf.clear();
        let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
            return Ok(Vec::new());
        };
        let end = last.offset + last.len as u64;
        buf.resize((end - first.offset) as usize, 0);
        self.file
            .read_exact_at(buf, first.offset)
            .context("reading records from the input file")?;
        Ok(spans
            .iter()
            .map(|s| {
                let a = (s.offset - first.offset) as usize;
                a..a + s.len as usize
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    const DOCTYPE: &str =
        "<!DOCTYPE us-patent-application SYSTEM \"us-patent-application-v40-2004-12-02.dtd\" [ ]>";

    fn doc(body: &str) -> String {
        format!(
            "{DECL}\n{DOCTYPE}\n<us-patent-application lang=\"EN\">\n{body}\n</us-patent-application>"
        )
    }

    fn idx(s: &[u8]) -> Result<RecordIndex> {
        index_reader(s)
    }

    fn pieces(s: &[u8]) -> Vec<String> {
        idx(s)
            .unwrap()
            .spans
            .iter()
            .map(|sp| {
                String::from_utf8_lossy(
                    &s[sp.offset as usize..(sp.offset + sp.len as u64) as usize],
                )
                .into_owned()
            })
            .collect()
    }

    fn roots(s: &[u8]) -> usize {
        s.windows(ROOT_TAG.len() + 1)
            .filter(|w| w.starts_with(ROOT_TAG) && matches!(w[ROOT_TAG.len()], b' ' | b'>' | b'\n'))
            .count()
    }

    /// Every shape a user's concatenation can take: one record per root
    /// element, each beginning at its own prolog or root tag.
    #[test]
    fn one_record_per_root_element_in_every_shape() {
        let (a, b, c) = (doc("<a/>"), doc("<b/>"), doc("<c/>"));
        let bare = |d: &str| d.replacen(&format!("{DECL}\n{DOCTYPE}\n"), "", 1);
        let shapes: Vec<(&str, String)> = vec![
            ("cat, no newline", format!("{a}{b}{c}")),
            ("cat, newline after each", format!("{a}\n{b}\n{c}\n")),
            ("CRLF", format!("{a}\n{b}\n{c}\n").replace('\n', "\r\n")),
            ("CR only", format!("{a}\n{b}\n{c}\n").replace('\n', "\r")),
            ("BOM at start", format!("\u{feff}{a}\n{b}\n{c}")),
            (
                "BOM before every document",
                format!("\u{feff}{a}\u{feff}{b}\n\u{feff}{c}"),
            ),
            (
                "one without a declaration",
                format!("{a}\n{}\n{c}", bare(&b)),
            ),
            (
                "none with a declaration",
                format!("{}{}\n{}", bare(&a), bare(&b), bare(&c)),
            ),
            ("declaration mid-line", format!("{a}   {b}  {c}")),
            ("all on one line", format!("{a}{b}{c}").replace('\n', " ")),
            (
                "blank lines and tabs",
                format!("\n\n{a}\n\t\n{b}\n\n\n{c}\n\n"),
            ),
        ];
        for (what, s) in shapes {
            let p = pieces(s.as_bytes());
            assert_eq!(p.len(), 3, "{what}: {p:#?}");
            assert_eq!(roots(s.as_bytes()), 3, "{what}");
            assert_eq!(idx(s.as_bytes()).unwrap().roots, 3, "{what}");
            for (k, tag) in ["<a/>", "<b/>", "<c/>"].iter().enumerate() {
                assert!(p[k].contains(tag), "{what}: record {k} is {:?}", p[k]);
                let t = p[k].trim_start_matches('\u{feff}');
                assert!(
                    t.starts_with("<?xml") || t.starts_with("<us-patent-application"),
                    "{what}: {t:?}"
                );
                assert!(
                    p[k].trim_end().ends_with("</us-patent-application>"),
                    "{what}: {:?}",
                    p[k]
                );
            }
            assert!(
                idx(s.as_bytes()).unwrap().outside_note().is_none(),
                "{what}"
            );
        }
    }

    #[test]
    fn clean_files_split_into_pieces_that_concatenate_back() {
        let s = format!("{}\n{}\n", doc("<a/>"), doc("<b/>"));
        assert_eq!(pieces(s.as_bytes()).concat(), s);
    }

    #[test]
    fn a_truncated_record_does_not_swallow_the_next() {
        let cut = "<?xml version=\"1.0\"?>\n<us-patent-application>\n<claims>\n";
        for s in [
            format!("{cut}{}", doc("<b/>")),
            format!(
                "{cut}{}",
                doc("<b/>").replacen(&format!("{DECL}\n{DOCTYPE}\n"), "", 1)
            ),
        ] {
            let p = pieces(s.as_bytes());
            assert_eq!(p.len(), 2, "{p:#?}");
            assert_eq!(p[0], cut);
            assert!(p[1].contains("<b/>"));
        }
    }

    #[test]
    fn a_document_without_its_root_start_tag_is_its_own_record() {
        let broken = format!(
            "{DECL}\n{DOCTYPE}\n<us-bibliographic-data-application/>\n</us-patent-application>\n"
        );
        let s = format!("{}\n{broken}{}\n", doc("<a/>"), doc("<c/>"));
        let p = pieces(s.as_bytes());
        assert_eq!(p.len(), 3, "{p:#?}");
        assert!(p[1].starts_with("<?xml") && p[1].contains("us-bibliographic"));
        assert_eq!(idx(s.as_bytes()).unwrap().roots, 2);
        // Without a prolog either, the orphan body is still a record.
        let s = format!(
            "{}\n<x>body</x></us-patent-application>\n{}",
            doc("<a/>"),
            doc("<c/>")
        );
        let i = idx(s.as_bytes()).unwrap();
        assert_eq!(i.len(), 3);
        assert_eq!(i.outside.bytes, 0, "claimed by the orphan record");
    }

    #[test]
    fn a_wrapper_element_costs_no_record_and_is_reported() {
        let s = format!("<root>\n{}\n{}\n</root>\n", doc("<a/>"), doc("<b/>"));
        let i = idx(s.as_bytes()).unwrap();
        assert_eq!(i.len(), 2);
        let p = pieces(s.as_bytes());
        assert!(!p[1].contains("</root>"), "{:?}", p[1]);
        assert_eq!(i.outside.bytes, "<root></root>".len() as u64);
        assert!(
            i.outside_note().unwrap().contains("<root>"),
            "{:?}",
            i.outside_note()
        );
    }

    #[test]
    fn tags_in_comments_and_cdata_are_not_records() {
        let s = format!(
            "{}\n{}",
            doc(
                "<!-- <us-patent-application lang=\"x\"> --><t><![CDATA[ </us-patent-application> <?xml version ]]></t>"
            ),
            doc("<b/>")
        );
        let p = pieces(s.as_bytes());
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(p[0].contains("CDATA"));
    }

    #[test]
    fn records_split_across_read_chunks() {
        // More than one CHUNK of data, so boundaries fall inside records.
        let one = doc(&"<p>text</p>".repeat(300));
        let n = CHUNK / one.len() + 40;
        let s = format!("{one}\n").repeat(n);
        let i = idx(s.as_bytes()).unwrap();
        assert_eq!((i.len(), i.roots as usize), (n, n));
        assert!(
            i.spans
                .windows(2)
                .all(|w| w[0].offset + w[0].len as u64 == w[1].offset)
        );
    }

    #[test]
    fn says_what_the_file_is() {
        let err = |s: &[u8]| {
            let e = idx(s).unwrap_err();
            e.downcast_ref::<InputError>()
                .unwrap_or_else(|| panic!("an input error: {e:#}"))
                .clone()
        };
        assert_eq!(err(b"hello, world\n"), InputError::NotXml("h".into()));
        assert_eq!(err(b"<root/>\n"), InputError::NoRecords);
        assert_eq!(err(b""), InputError::NoRecords);
        let utf16: Vec<u8> = "\u{feff}<?xml version=\"1.0\"?>"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(err(&utf16), InputError::Utf16Bom);
        assert_eq!(err(&utf16[2..]), InputError::Utf16NoBom);
        assert!(err(&utf16).to_string().contains("iconv"));
    }

    #[test]
    fn a_run_of_records_is_read_with_one_call() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.xml");
        let s = format!("{}\n{}\n", doc("<a/>"), doc("<b/>"));
        std::fs::write(&path, &s).unwrap();
        let i = index_file(&path).unwrap();
        let r = RecordReader::open(&path).unwrap();
        let mut buf = Vec::new();
        let ranges = r.read_run(&i.spans, &mut buf).unwrap();
        assert_eq!(ranges.len(), 2);
        let mut one = Vec::new();
        r.read(i.spans[1], &mut one).unwrap();
        assert_eq!(&buf[ranges[1].clone()], &one[..]);
    }

    #[test]
    fn app_id_keys_match_the_text_or_say_they_cannot() {
        let body = |id: &str| {
            doc(&format!(
                "<us-bibliographic-data-application><publication-reference><document-id><doc-number>999</doc-number></document-id></publication-reference><application-reference appl-type=\"utility\"><document-id><doc-number>{id}</doc-number></document-id></application-reference></us-bibliographic-data-application>"
            ))
        };
        let s = [
            body(" 16000001\n"),
            body("16000002"),
            body("1600&#x30;003"),
            doc("<x/>"),
        ]
        .join("\n");
        let i = idx(s.as_bytes()).unwrap();
        assert_eq!(i.keys.len(), 4);
        assert_eq!(i.keys[0], app_id_key("16000001"));
        assert_eq!(i.keys[1], app_id_key("16000002"));
        assert_eq!(i.keys[2], 0, "an entity: the scan cannot tell");
        assert_eq!(i.keys[3], 0, "no application-reference");
    }

    #[test]
    fn an_unterminated_comment_ends_at_the_next_document() {
        let s = format!("{}\n{}\n", doc("<!-- never closed <x/>"), doc("<b/>"));
        let p = pieces(s.as_bytes());
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(p[1].contains("<b/>"));
    }
}
