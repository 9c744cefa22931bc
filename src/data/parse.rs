//! Extracts the `app_base` fields from one record's XML with quick-xml's
//! streaming reader. A record that is not well-formed, holds a character
//! XML forbids, misses a required field or holds an impossible date is
//! returned as an error with its reason; the caller quarantines it and the
//! run goes on.
//!
//! Speed: the extractor walks a small tree of the elements it reads (see
//! [`Node::child`]) and skips every other subtree (the description,
//! drawings, tables, claim texts) by jumping from tag to tag without
//! tokenizing them into events (see [`super::skip`]), so it keeps pace
//! with quick-xml's bare event loop. Skipped subtrees are still checked
//! for valid UTF-8 and matching end tags, so a mismatched end tag
//! anywhere is still an error.
//!
//! Layouts: the USPTO application layouts v4.0 to v4.2 put the parties in
//! `<parties><applicants><applicant>`, where inventors are the applicants
//! with `app-type="applicant-inventor"`; v4.3 to v4.6 use
//! `<us-parties><us-applicants><us-applicant>` and list inventors in
//! `<inventors>`. CPC classifications exist from v4.3 on; older records
//! store NULL for `cpc_main`.

use super::fault::{Failed, Fault, ParseError};
use super::record::AppRecord;
use super::skip::{SkipError, Skipped, skip_content};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;

/// The text fields being collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    PubNumber,
    Kind,
    PubDate,
    AppId,
    FilingDate,
    Section,
    Class,
    Subclass,
    MainGroup,
    Subgroup,
    Title,
    Orgname,
    FirstName,
    LastName,
    Abstract,
}

const N_FIELDS: usize = 15;

impl Field {
    /// Repeated elements of these fields are joined with a space; every
    /// other field keeps its first value.
    fn joins(self) -> bool {
        matches!(self, Field::Title | Field::Abstract)
    }
}

/// The elements on the way to a field. Everything else is skipped whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Root,
    Biblio,
    PubRef,
    PubDocId,
    AppRef,
    AppDocId,
    CpcList,
    MainCpc,
    Cpc,
    Parties,
    Applicants,
    Applicant,
    Addressbook,
    Inventors,
    Claims,
    /// A field's own element: text below it is captured.
    Capture(Field),
    /// Markup inside a captured field (`<i>`, `<b>`, `<p>`...).
    Inline,
}

/// What to do with a child element.
enum Step {
    Enter,
    Skip,
}

impl Node {
    /// The node a child element called `name` leads to.
    fn child(self, name: &str) -> Option<Node> {
        use Node::*;
        Some(match (self, name) {
            (Capture(_) | Inline, _) => Inline,
            (Root, "us-bibliographic-data-application") => Biblio,
            (Root, "abstract") => Capture(Field::Abstract),
            (Root, "claims") => Claims,
            (Biblio, "publication-reference") => PubRef,
            (Biblio, "application-reference") => AppRef,
            (Biblio, "classifications-cpc") => CpcList,
            (Biblio, "invention-title") => Capture(Field::Title),
            (Biblio, "us-parties" | "parties") => Parties,
            (PubRef, "document-id") => PubDocId,
            (PubDocId, "doc-number") => Capture(Field::PubNumber),
            (PubDocId, "kind") => Capture(Field::Kind),
            (PubDocId, "date") => Capture(Field::PubDate),
            (AppRef, "document-id") => AppDocId,
            (AppDocId, "doc-number") => Capture(Field::AppId),
            (AppDocId, "date") => Capture(Field::FilingDate),
            (CpcList, "main-cpc") => MainCpc,
            (MainCpc, "classification-cpc") => Cpc,
            (Cpc, "section") => Capture(Field::Section),
            (Cpc, "class") => Capture(Field::Class),
            (Cpc, "subclass") => Capture(Field::Subclass),
            (Cpc, "main-group") => Capture(Field::MainGroup),
            (Cpc, "subgroup") => Capture(Field::Subgroup),
            (Parties, "us-applicants" | "applicants") => Applicants,
            (Parties, "inventors") => Inventors,
            (Applicants, "us-applicant" | "applicant") => Applicant,
            (Applicant, "addressbook") => Addressbook,
            (Addressbook, "orgname") => Capture(Field::Orgname),
            (Addressbook, "first-name") => Capture(Field::FirstName),
            (Addressbook, "last-name") => Capture(Field::LastName),
            _ => return None,
        })
    }
}

/// Parses one record. `xml` is the record's full text (declaration and
/// DOCTYPE included), as the splitter returns it. Its UTF-8 is validated
/// once, by quick-xml's reader, which checks every event's bytes.
pub fn parse_record(xml: &[u8]) -> Result<AppRecord, ParseError> {
    if let Some(bad) = forbidden_char(xml) {
        return Err(ParseError {
            kind: Fault::ForbiddenChar,
            reason: bad,
            app_id: None,
        });
    }
    let mut p = Extractor::default();
    match p.run(xml) {
        Ok(()) => p.finish(xml.len()),
        Err((kind, reason)) => {
            let app_id = p.fields[Field::AppId as usize].as_str().trim();
            Err(ParseError {
                kind,
                reason,
                app_id: (!app_id.is_empty()).then(|| app_id.to_string()),
            })
        }
    }
}

/// The first character XML 1.0 forbids (C0 controls other than tab, LF and
/// CR; U+FFFE and U+FFFF), as a reason. Checked once per record, 64 bytes
/// at a time so the common case is a vectorised scan.
fn forbidden_char(xml: &[u8]) -> Option<String> {
    // A branch-free OR over the chunk, which the compiler vectorises;
    // 0xEF leads both U+FFFE and U+FFFF.
    let suspect = |acc: u8, &b: &u8| {
        let control = (b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r');
        acc | u8::from(control | (b == 0xEF))
    };
    for (c, chunk) in xml.chunks(64).enumerate() {
        if chunk.iter().fold(0, suspect) == 0 {
            continue;
        }
        for (k, &b) in chunk.iter().enumerate() {
            let at = c * 64 + k;
            if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') {
                return Some(format!(
                    "character U+{b:04X} at byte {at} is not allowed in XML (only tab, LF and CR among the control characters)"
                ));
            }
            if b == 0xEF && matches!(xml.get(at + 1..at + 3), Some([0xBF, 0xBE | 0xBF])) {
                return Some(format!(
                    "character U+FFF{:X} at byte {at} is not allowed in XML",
                    xml[at + 2] - 0xB0
                ));
            }
        }
    }
    None
}

/// A field's text: most fields are one text event, kept as a slice of
/// the input; only text in several pieces is copied.
#[derive(Debug, Default)]
enum Text<'a> {
    #[default]
    Empty,
    Borrowed(&'a str),
    Owned(String),
}

impl<'a> Text<'a> {
    fn push(&mut self, s: Cow<'a, str>) {
        *self = match (std::mem::take(self), s) {
            (Text::Empty, Cow::Borrowed(b)) => Text::Borrowed(b),
            (Text::Empty, Cow::Owned(o)) => Text::Owned(o),
            (Text::Borrowed(a), s) => Text::Owned([a, &s].concat()),
            (Text::Owned(mut o), s) => {
                o.push_str(&s);
                Text::Owned(o)
            }
        };
    }
    fn as_str(&self) -> &str {
        match self {
            Text::Empty => "",
            Text::Borrowed(s) => s,
            Text::Owned(s) => s,
        }
    }
    fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }
}

#[derive(Default)]
struct Extractor<'a> {
    /// Open elements below the root (the root is `Node::Root` at index 0).
    path: Vec<Node>,
    root_seen: bool,
    fields: [Text<'a>; N_FIELDS],
    /// The field text goes to, while inside its element.
    capture: Option<Field>,
    applicants: u32,
    applicant_inventors: i64,
    inventors: Option<i64>,
    cpcs: u32,
    claims: i64,
    appl_type: Option<String>,
    /// Scratch space for [`skip_subtree`].
    skip_stack: Vec<&'a [u8]>,
}

fn xml_err(r: &Reader<&[u8]>, e: quick_xml::Error) -> Failed {
    match e {
        quick_xml::Error::Encoding(_) => (
            Fault::Encoding,
            format!("invalid UTF-8 at byte {}", r.error_position()),
        ),
        e => (
            Fault::NotWellFormed,
            format!("XML error at byte {}: {e}", r.error_position()),
        ),
    }
}

impl<'a> Extractor<'a> {
    fn run(&mut self, xml: &'a [u8]) -> Result<(), Failed> {
        let mut reader = Reader::from_reader(xml);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.trim_text(false);
        loop {
            match reader.read_event().map_err(|e| xml_err(&reader, e))? {
                Event::Start(e) => {
                    if let Step::Skip = self.open(&e, &reader)? {
                        skip_subtree(&mut reader, e.name().0.as_bytes(), &mut self.skip_stack)?;
                    }
                }
                Event::Empty(e) => {
                    if let Step::Enter = self.open(&e, &reader)? {
                        self.close();
                    }
                }
                Event::End(_) => self.close(),
                Event::Text(t) => self.push_text(t.into_inner()),
                Event::CData(t) => self.push_text(t.into_inner()),
                Event::GeneralRef(r) if self.capture.is_some() => {
                    let c = resolve_ref(&r, &reader)?;
                    self.push_text(Cow::Owned(c.to_string()));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !self.path.is_empty() {
            let open: Vec<String> = self.path[1..].iter().map(|e| format!("{e:?}")).collect();
            return Err((
                Fault::Truncated,
                format!(
                    "record ends with elements still open (truncated?): us-patent-application{}{}",
                    if open.is_empty() { "" } else { " > " },
                    open.join(" > ")
                ),
            ));
        }
        if !self.root_seen {
            return Err((
                Fault::WrongRoot,
                "no <us-patent-application> element".into(),
            ));
        }
        Ok(())
    }

    fn push_text(&mut self, s: Cow<'a, str>) {
        if let Some(f) = self.capture {
            self.fields[f as usize].push(s);
        }
    }

    /// An element opens: enter it (pushing its node) or skip it.
    fn open(&mut self, e: &BytesStart, r: &Reader<&[u8]>) -> Result<Step, Failed> {
        let name = e.name().0;
        let Some(&parent) = self.path.last() else {
            if self.root_seen || name != "us-patent-application" {
                return Err((
                    Fault::WrongRoot,
                    format!(
                        "unexpected root element <{name}> at byte {}",
                        r.buffer_position()
                    ),
                ));
            }
            self.root_seen = true;
            self.path.push(Node::Root);
            return Ok(Step::Enter);
        };
        self.count(parent, name, e)?;
        let Some(node) = parent.child(name).filter(|n| self.wanted(*n)) else {
            return Ok(Step::Skip);
        };
        match node {
            Node::Capture(f) => {
                let buf = &mut self.fields[f as usize];
                if !buf.is_empty() {
                    buf.push(Cow::Borrowed(" "));
                }
                self.capture = Some(f);
            }
            Node::Inline if name == "p" && self.capture == Some(Field::Abstract) => {
                self.fields[Field::Abstract as usize].push(Cow::Borrowed(" "));
            }
            _ => {}
        }
        self.path.push(node);
        Ok(Step::Enter)
    }

    /// Counts the repeated elements (applicants, inventors, claims, CPC
    /// entries) as they open, and reads the attributes used.
    fn count(&mut self, parent: Node, name: &str, e: &BytesStart) -> Result<(), Failed> {
        match (parent, name) {
            (Node::Applicants, "us-applicant" | "applicant") => {
                self.applicants += 1;
                if attr(e, "app-type")?.as_deref() == Some("applicant-inventor") {
                    self.applicant_inventors += 1;
                }
            }
            (Node::Parties, "inventors") => {
                self.inventors.get_or_insert(0);
            }
            (Node::Inventors, "inventor") => *self.inventors.get_or_insert(0) += 1,
            (Node::Claims, "claim") => self.claims += 1,
            (Node::MainCpc, "classification-cpc") => self.cpcs += 1,
            (Node::Biblio, "application-reference") => {
                self.appl_type = attr(e, "appl-type")?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether an element on the way to a field is still needed: only the
    /// first applicant's and the first CPC entry's data are stored, and a
    /// single-valued field keeps its first value.
    fn wanted(&self, n: Node) -> bool {
        match n {
            Node::Applicant => self.applicants == 1,
            Node::Cpc => self.cpcs == 1,
            Node::Capture(f) => f.joins() || self.fields[f as usize].is_empty(),
            _ => true,
        }
    }

    fn close(&mut self) {
        if let Some(Node::Capture(_)) = self.path.pop() {
            self.capture = None;
        }
    }

    fn finish(mut self, xml_bytes: usize) -> Result<AppRecord, ParseError> {
        let app_id = self.get(Field::AppId).trim().to_string();
        let err = |kind: Fault, reason: String| ParseError {
            kind,
            reason,
            app_id: (!app_id.is_empty()).then(|| app_id.clone()),
        };
        for (f, name) in REQUIRED {
            if self.get(f).trim().is_empty() {
                let why = format!("missing required field {name}");
                return Err(err(Fault::MissingField, why));
            }
        }
        let date = |f: Field, name: &str| {
            iso_date(self.get(f)).ok_or_else(|| {
                let why = format!("invalid date '{}' in {name}", self.get(f).trim());
                err(Fault::InvalidDate, why)
            })
        };
        let pub_date = date(Field::PubDate, "publication-reference/document-id/date")?;
        let filing_date = date(Field::FilingDate, "application-reference/document-id/date")?;
        let cpc_main = self.cpc_main();
        let applicant = self.applicant();
        let take = |s: &mut Extractor, f: Field| collapse_ws(s.fields[f as usize].as_str());
        Ok(AppRecord {
            app_id: app_id.clone(),
            pub_number: take(&mut self, Field::PubNumber),
            kind: take(&mut self, Field::Kind),
            pub_date,
            filing_date,
            appl_type: self.appl_type.take(),
            title: take(&mut self, Field::Title),
            cpc_main,
            applicant,
            // An `<inventors>` list counts its entries; layouts without one
            // (v4.0-v4.2) name inventors as applicant-inventors.
            inventor_count: self.inventors.unwrap_or(self.applicant_inventors),
            claim_count: self.claims,
            abstract_text: take(&mut self, Field::Abstract),
            xml_bytes: xml_bytes as i64,
        })
    }

    fn get(&self, f: Field) -> &str {
        self.fields[f as usize].as_str()
    }

    /// "G06F 16/2455" from the first main CPC entry; None without CPC.
    fn cpc_main(&self) -> Option<String> {
        let part = |f: Field| self.get(f).trim();
        (!part(Field::Section).is_empty()).then(|| {
            format!(
                "{}{}{} {}/{}",
                part(Field::Section),
                part(Field::Class),
                part(Field::Subclass),
                part(Field::MainGroup),
                part(Field::Subgroup)
            )
        })
    }

    /// The first applicant's organisation, or else their name.
    fn applicant(&self) -> Option<String> {
        let org = collapse_ws(self.get(Field::Orgname));
        if !org.is_empty() {
            return Some(org);
        }
        let name = collapse_ws(&format!(
            "{} {}",
            self.get(Field::FirstName),
            self.get(Field::LastName)
        ));
        (!name.is_empty()).then_some(name)
    }
}

const REQUIRED: [(Field, &str); 6] = [
    (Field::AppId, "application-reference/document-id/doc-number"),
    (
        Field::PubNumber,
        "publication-reference/document-id/doc-number",
    ),
    (Field::Kind, "publication-reference/document-id/kind"),
    (Field::PubDate, "publication-reference/document-id/date"),
    (Field::FilingDate, "application-reference/document-id/date"),
    (Field::Title, "invention-title"),
];

/// The value of attribute `name`, entity references resolved.
fn attr(e: &BytesStart, name: &str) -> Result<Option<String>, Failed> {
    let bad = |why: String| (Fault::NotWellFormed, why);
    match e.try_get_attribute(name) {
        Ok(Some(a)) => a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| Some(v.into_owned()))
            .map_err(|err| bad(format!("bad {name} attribute: {err}"))),
        Ok(None) => Ok(None),
        Err(err) => Err(bad(format!("bad attributes on <{}>: {err}", e.name().0))),
    }
}

/// A character or predefined entity reference, resolved.
fn resolve_ref(r: &quick_xml::events::BytesRef, reader: &Reader<&[u8]>) -> Result<char, Failed> {
    let at = reader.buffer_position();
    match r.resolve_char_ref() {
        Ok(Some(c)) => Ok(c),
        Ok(None) => quick_xml::escape::resolve_predefined_entity(r)
            .and_then(|s| s.chars().next())
            .ok_or_else(|| {
                let why = format!("unknown entity &{}; at byte {at}", &**r);
                (Fault::NotWellFormed, why)
            }),
        Err(e) => Err((
            Fault::NotWellFormed,
            format!("bad character reference at byte {at}: {e}"),
        )),
    }
}

/// Moves the reader past the element just opened without tokenizing its
/// content (see [`skip_content`]). The reader still reads the end tag
/// itself, so its own check of end names stays in step.
fn skip_subtree<'a>(
    reader: &mut Reader<&'a [u8]>,
    name: &[u8],
    stack: &mut Vec<&'a [u8]>,
) -> Result<(), Failed> {
    let base = reader.buffer_position();
    let rest: &'a [u8] = reader.get_ref();
    let n = match skip_content(rest, name, stack) {
        Ok(Skipped::Close(at)) => at,
        // Truncated inside a skipped element: the caller reports the
        // elements still open.
        Ok(Skipped::Eof) => rest.len(),
        Err(SkipError::Encoding(at)) => {
            let why = format!("invalid UTF-8 at byte {}", base + at as u64);
            return Err((Fault::Encoding, why));
        }
        Err(SkipError::Markup(at, why)) => {
            let why = format!("XML error at byte {}: {why}", base + at as u64);
            return Err((Fault::NotWellFormed, why));
        }
    };
    std::io::BufRead::consume(&mut reader.stream(), n);
    // The closing end tag (or Eof), read here so the caller's path is
    // not popped for an element it never pushed.
    reader.read_event().map_err(|e| xml_err(reader, e))?;
    Ok(())
}

/// `YYYYMMDD` → `YYYY-MM-DD`, or None if it is not a calendar date.
pub fn iso_date(s: &str) -> Option<String> {
    let s = s.trim();
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: u32 = s[0..4].parse().ok()?;
    let m: u32 = s[4..6].parse().ok()?;
    let d: u32 = s[6..8].parse().ok()?;
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (y >= 1000 && (1..=days).contains(&d))
        .then(|| format!("{}-{}-{}", &s[0..4], &s[4..6], &s[6..8]))
}

/// True when `s` has no white space at its ends, none but single spaces
/// inside: already what [`collapse_ws`] makes of it.
fn collapsed(s: &str) -> bool {
    let b = s.as_bytes();
    let ws = |c: u8| c.is_ascii_whitespace();
    if b.first().is_some_and(|c| ws(*c)) || b.last().is_some_and(|c| ws(*c)) {
        return false;
    }
    !b.windows(2).any(|w| ws(w[0]) && (w[0] != b' ' || ws(w[1])))
}

/// Collapses runs of white space to one space and trims the ends, so text
/// split over lines or around inline markup compares equal everywhere.
fn collapse_ws(s: &str) -> String {
    if collapsed(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for w in s.split_ascii_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::generate::{GenOptions, Generator};

    const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE us-patent-application SYSTEM "x.dtd" [ ]>
<us-patent-application lang="EN">
<us-bibliographic-data-application lang="EN" country="US">
<publication-reference><document-id><country>US</country><doc-number>20230000001</doc-number><kind>A1</kind><date>20230105</date></document-id></publication-reference>
<application-reference appl-type="utility"><document-id><country>US</country><doc-number>17361234</doc-number><date>20210628</date></document-id></application-reference>
<priority-claims><priority-claim><document-id><doc-number>999</doc-number></document-id></priority-claim></priority-claims>
<classifications-cpc><main-cpc><classification-cpc><section>G</section><class>06</class><subclass>F</subclass><main-group>16</main-group><subgroup>2455</subgroup></classification-cpc></main-cpc>
<further-cpc><classification-cpc><section>H</section></classification-cpc></further-cpc></classifications-cpc>
<invention-title id="t">Fast <i>query</i>
 engine &amp; index</invention-title>
<us-parties><us-applicants>
<us-applicant sequence="00"><addressbook><last-name>Kim</last-name><first-name>Ana</first-name></addressbook></us-applicant>
<us-applicant sequence="01"><addressbook><orgname>Globex</orgname></addressbook></us-applicant>
</us-applicants><inventors><inventor/><inventor><addressbook/></inventor><inventor/></inventors></us-parties>
</us-bibliographic-data-application>
<abstract id="abstract"><p>First &#x2014; part.</p><p>Second part.</p></abstract>
<claims><claim><claim-text>1. A.</claim-text></claim><claim><claim-text>2. B.</claim-text></claim></claims>
</us-patent-application>
"#;

    #[test]
    fn extracts_every_field() {
        let r = parse_record(GOOD.as_bytes()).unwrap();
        assert_eq!(r.app_id, "17361234");
        assert_eq!(r.pub_number, "20230000001");
        assert_eq!(r.kind, "A1");
        assert_eq!(r.pub_date, "2023-01-05");
        assert_eq!(r.filing_date, "2021-06-28");
        assert_eq!(r.appl_type.as_deref(), Some("utility"));
        assert_eq!(r.title, "Fast query engine & index");
        assert_eq!(r.cpc_main.as_deref(), Some("G06F 16/2455"));
        assert_eq!(r.applicant.as_deref(), Some("Ana Kim"));
        assert_eq!(r.inventor_count, 3);
        assert_eq!(r.claim_count, 2);
        assert_eq!(r.abstract_text, "First \u{2014} part. Second part.");
        assert_eq!(r.xml_bytes, GOOD.len() as i64);
    }

    fn reason(xml: &str) -> String {
        parse_record(xml.as_bytes()).unwrap_err().reason
    }

    /// The kind of every fault, as callers branch on it (not its text).
    #[test]
    fn every_fault_has_its_kind() {
        let kind = |xml: &str| parse_record(xml.as_bytes()).unwrap_err().kind;
        let cases = [
            (
                GOOD.replace("<doc-number>17361234</doc-number>", ""),
                Fault::MissingField,
            ),
            (GOOD.replace("20230105", "20231345"), Fault::InvalidDate),
            (
                GOOD.replace("</invention-title>", "</invention-titel>"),
                Fault::NotWellFormed,
            ),
            (GOOD.replace("&amp; index", "& index"), Fault::NotWellFormed),
            (
                GOOD.replace("&amp; index", "&nbsp; index"),
                Fault::NotWellFormed,
            ),
            (
                GOOD.replace("\n</us-patent-application>\n", "\n"),
                Fault::Truncated,
            ),
            ("<?xml version=\"1.0\"?>\n<other/>".into(), Fault::WrongRoot),
            (format!("{GOOD}<us-patent-application/>"), Fault::WrongRoot),
            ("<?xml version=\"1.0\"?>".into(), Fault::WrongRoot),
            (GOOD.replace("Fast", "Fa\u{1b}st"), Fault::ForbiddenChar),
        ];
        for (xml, want) in cases {
            assert_eq!(kind(&xml), want, "{}", reason(&xml));
        }
        let bytes = |b: &[u8]| parse_record(b).unwrap_err().kind;
        assert_eq!(
            bytes(b"<us-patent-application>\xff</us-patent-application>"),
            Fault::Encoding
        );
        // Inside a subtree the parser skips unread (a description).
        let skipped = GOOD.replace("<abstract", "<description>caf\u{e9}</description><abstract");
        let mut raw = skipped.into_bytes();
        let at = raw
            .windows(2)
            .position(|w| w == "\u{e9}".as_bytes())
            .unwrap();
        raw[at] = 0xff;
        assert_eq!(bytes(&raw), Fault::Encoding);
    }

    #[test]
    fn rejects_with_a_reason() {
        assert!(
            reason(&GOOD.replace("<doc-number>17361234</doc-number>", ""))
                .contains("missing required field application-reference")
        );
        assert!(reason(&GOOD.replace("20230105", "20231345")).contains("invalid date '20231345'"));
        assert!(
            reason(&GOOD.replace("</invention-title>", "</invention-titel>"))
                .contains("XML error at byte")
        );
        assert!(reason(&GOOD.replace("&amp; index", "& index")).contains("at byte"));
        assert!(reason(&GOOD.replace("\n</us-patent-application>\n", "\n")).contains("still open"));
        assert!(reason("<?xml version=\"1.0\"?>\n<other/>").contains("unexpected root"));
        assert!(
            parse_record(b"<us-patent-application>\xff</us-patent-application>")
                .unwrap_err()
                .reason
                .contains("UTF-8")
        );
    }

    #[test]
    fn keeps_the_app_id_of_a_bad_record_when_it_has_one() {
        let e = parse_record(GOOD.replace("20230105", "2023").as_bytes()).unwrap_err();
        assert_eq!(e.app_id.as_deref(), Some("17361234"));
    }

    #[test]
    fn iso_dates() {
        assert_eq!(iso_date("20240229").as_deref(), Some("2024-02-29"));
        assert_eq!(iso_date("20230229"), None);
        assert_eq!(iso_date("2023010"), None);
        assert_eq!(iso_date("2023ab01"), None);
    }

    #[test]
    fn every_generated_clean_record_parses_and_every_defect_is_caught() {
        let mut g = Generator::new(GenOptions {
            records: 3000,
            malformed_rate: 0.1,
            ..Default::default()
        });
        let mut bad = 0;
        while let Some(r) = g.next_record() {
            match parse_record(r.xml.as_bytes()) {
                Ok(rec) => assert_eq!(rec.app_id, r.app_id),
                Err(_) => bad += 1,
            }
        }
        assert_eq!(bad, g.stats().malformed);
    }

    /// (file, app_id, pub_number, pub_date, filing_date, appl_type, title,
    /// cpc_main, applicant, inventors, claims, abstract start)
    type Expect = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        i64,
        i64,
        &'static str,
    );

    const LAYOUTS: [Expect; 8] = [
        (
            "realdata/US20050004437A1.xml",
            "10830857",
            "20050004437",
            "2005-01-06",
            "2004-04-23",
            "utility",
            "Simulation device for playful evaluation and display of blood sugar levels",
            None,
            "Heiner Kaufmann",
            2,
            10,
            "A simulation device for playful evaluation and display of blood sugar levels, including a display,",
        ),
        (
            "realdata/US20050004974A1.xml",
            "10687244",
            "20050004974",
            "2005-01-06",
            "2003-10-16",
            "utility",
            "Device model agent",
            None,
            "Naveen Sharma",
            12,
            21,
            "The Device Model Agent (DMA), the device side technology module",
        ),
        (
            "layouts/v41.xml",
            "11167001",
            "20060000101",
            "2006-01-05",
            "2005-06-24",
            "utility",
            "Packet routing with \u{201c}quoted\u{201d} labels",
            None,
            "Siobhan O\u{2019}Brien",
            3,
            2,
            "A router forwards labelled packets.",
        ),
        (
            "layouts/v42.xml",
            "11771002",
            "20080000202",
            "2008-01-03",
            "2007-06-29",
            "utility",
            "Battery cell with 2 electrodes",
            None,
            "Siobhan O\u{2019}Brien",
            3,
            2,
            "A battery cell has two electrodes.",
        ),
        (
            "layouts/v43.xml",
            "13535003",
            "20130000303",
            "2013-01-03",
            "2012-06-27",
            "utility",
            "Query planning for columnar stores",
            Some("G06F 16/2455"),
            "Columnar Labs, Inc.",
            2,
            3,
            "A planner orders scans. Costs are estimated per column.",
        ),
        (
            "layouts/v44.xml",
            "14300004",
            "20150000404",
            "2015-01-01",
            "2014-06-09",
            "utility",
            "Seat belt pretensioner",
            Some("B60R 22/4628"),
            "Lan Nguyen",
            2,
            3,
            "A planner orders scans.",
        ),
        (
            "layouts/v45.xml",
            "17366005",
            "20220000505",
            "2022-01-06",
            "2021-07-02",
            "design",
            "Lamp shade",
            Some("F21V 21/00"),
            "Soci\u{e9}t\u{e9} Lumi\u{e8}re S.A.",
            4,
            3,
            "A planner orders scans.",
        ),
        (
            "layouts/v46.xml",
            "17800006",
            "20230000606",
            "2023-01-05",
            "2022-06-30",
            "plant",
            "Apple tree named \u{2018}Crisp\u{2019}",
            None,
            "Columnar Labs, Inc.",
            1,
            3,
            "A planner orders scans.",
        ),
    ];

    fn fixture(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn every_layout_from_v40_to_v46_fills_every_column() {
        for (
            file,
            app_id,
            pub_number,
            pub_date,
            filing,
            appl,
            title,
            cpc,
            applicant,
            inventors,
            claims,
            abs,
        ) in LAYOUTS
        {
            let xml = fixture(file);
            let r = parse_record(&xml).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(r.app_id, app_id, "{file}");
            assert_eq!(r.pub_number, pub_number, "{file}");
            assert_eq!(r.kind, "A1", "{file}");
            assert_eq!(
                (r.pub_date.as_str(), r.filing_date.as_str()),
                (pub_date, filing),
                "{file}"
            );
            assert_eq!(r.appl_type.as_deref(), Some(appl), "{file}");
            assert_eq!(r.title, title, "{file}");
            assert_eq!(
                r.cpc_main.as_deref(),
                cpc,
                "{file}: no CPC must be NULL, not a guess"
            );
            assert_eq!(r.applicant.as_deref(), Some(applicant), "{file}");
            assert_eq!(r.inventor_count, inventors, "{file}");
            assert_eq!(r.claim_count, claims, "{file}");
            assert!(
                r.abstract_text.starts_with(abs),
                "{file}: {:?}",
                r.abstract_text
            );
            assert_eq!(r.xml_bytes, xml.len() as i64, "{file}");
        }
    }

    #[test]
    fn skipped_subtrees_are_still_checked_for_well_formedness() {
        let xml = String::from_utf8(fixture("realdata/US20050004974A1.xml")).unwrap();
        let broken = xml.replacen("</heading>", "</headin>", 1);
        assert!(
            reason(&broken).contains("XML error at byte"),
            "{}",
            reason(&broken)
        );
        // Unknown entities in text ingestlab does not read are no error
        // (USPTO files use entities their DTD declares)...
        let ok = xml.replacen("</heading>", "&nbsp;</heading>", 1);
        assert!(parse_record(ok.as_bytes()).is_ok());
        // ...but in text it stores, they are.
        let bad = GOOD.replace("Second part.", "Second &nbsp; part.");
        assert!(
            reason(&bad).contains("unknown entity &nbsp;"),
            "{}",
            reason(&bad)
        );
    }

    #[test]
    fn characters_xml_forbids_are_quarantined_with_their_position() {
        let nul = GOOD.replace("Second part.", "Second\0part.");
        let r = reason(&nul);
        assert!(
            r.contains("U+0000") && r.contains("not allowed in XML"),
            "{r}"
        );
        let at: usize = GOOD.find("Second part.").unwrap() + "Second".len();
        assert!(r.contains(&format!("at byte {at}")), "{r}");
        assert!(reason(&GOOD.replace("Fast", "Fa\u{1b}st")).contains("U+001B"));
        assert!(reason(&GOOD.replace("Fast", "Fa\u{ffff}st")).contains("U+FFFF"));
        // Tab, CR and LF are fine, and so is other non-ASCII text.
        assert!(parse_record(GOOD.replace("Fast", "Fa\tst\r\n\u{e9}\u{fe0f}").as_bytes()).is_ok());
    }

    #[test]
    fn text_after_the_root_element_is_ignored_but_a_second_root_is_not() {
        assert!(parse_record(format!("{GOOD}\u{feff}\n").as_bytes()).is_ok());
        assert!(reason(&format!("{GOOD}<us-patent-application/>")).contains("unexpected root"));
    }
}
