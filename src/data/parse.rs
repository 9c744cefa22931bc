//! Extracts the `app_base` fields from one record's XML with quick-xml's
//! streaming reader. A record that is not well-formed, misses a required
//! field or holds an impossible date is returned as an error with its reason;
//! the caller quarantines it and the run goes on.

use super::record::AppRecord;
use quick_xml::Reader;
use quick_xml::events::Event;

/// Why a record was rejected. The text is what `app_errors.reason` stores.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ParseError {
    pub reason: String,
    /// The app_id when it could be read before the failure.
    pub app_id: Option<String>,
}

/// Elements the extractor cares about; everything else is `Other`. Comparing
/// small integers instead of strings keeps the path checks cheap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum El {
    Biblio,
    PubRef,
    AppRef,
    DocId,
    DocNumber,
    Kind,
    Date,
    MainCpc,
    ClassCpc,
    Section,
    Class,
    Subclass,
    MainGroup,
    Subgroup,
    Title,
    Applicant,
    Addressbook,
    Orgname,
    FirstName,
    LastName,
    Inventors,
    Inventor,
    Abstract,
    Claims,
    Claim,
    /// A paragraph: paragraphs of an abstract are joined with a space.
    P,
    Other,
}

fn element(name: &str) -> El {
    match name {
        "us-bibliographic-data-application" => El::Biblio,
        "publication-reference" => El::PubRef,
        "application-reference" => El::AppRef,
        "document-id" => El::DocId,
        "doc-number" => El::DocNumber,
        "kind" => El::Kind,
        "date" => El::Date,
        "main-cpc" => El::MainCpc,
        "classification-cpc" => El::ClassCpc,
        "section" => El::Section,
        "class" => El::Class,
        "subclass" => El::Subclass,
        "main-group" => El::MainGroup,
        "subgroup" => El::Subgroup,
        "invention-title" => El::Title,
        "us-applicant" | "applicant" => El::Applicant,
        "addressbook" => El::Addressbook,
        "orgname" => El::Orgname,
        "first-name" => El::FirstName,
        "last-name" => El::LastName,
        "inventors" => El::Inventors,
        "inventor" => El::Inventor,
        "abstract" => El::Abstract,
        "claims" => El::Claims,
        "claim" => El::Claim,
        "p" => El::P,
        _ => El::Other,
    }
}

/// The text fields being collected; `Field::None` means text is ignored.
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

/// Which field the element at the end of `path` feeds, if any. `path`
/// excludes the root element.
fn field_for(path: &[El], first_applicant: bool, first_cpc: bool) -> Option<Field> {
    use El::*;
    match path {
        [Biblio, PubRef, DocId, DocNumber] => Some(Field::PubNumber),
        [Biblio, PubRef, DocId, El::Kind] => Some(Field::Kind),
        [Biblio, PubRef, DocId, Date] => Some(Field::PubDate),
        [Biblio, AppRef, DocId, DocNumber] => Some(Field::AppId),
        [Biblio, AppRef, DocId, Date] => Some(Field::FilingDate),
        [Biblio, Other, MainCpc, ClassCpc, x] if first_cpc => match x {
            El::Section => Some(Field::Section),
            El::Class => Some(Field::Class),
            El::Subclass => Some(Field::Subclass),
            MainGroup => Some(Field::MainGroup),
            El::Subgroup => Some(Field::Subgroup),
            _ => None,
        },
        [Biblio, Title] => Some(Field::Title),
        [Biblio, Other, Other, Applicant, Addressbook, x] if first_applicant => match x {
            El::Orgname => Some(Field::Orgname),
            El::FirstName => Some(Field::FirstName),
            El::LastName => Some(Field::LastName),
            _ => None,
        },
        [El::Abstract] => Some(Field::Abstract),
        _ => None,
    }
}

/// Parses one record. `xml` is the record's full text (declaration and
/// DOCTYPE included), as the splitter returns it.
pub fn parse_record(xml: &[u8]) -> Result<AppRecord, ParseError> {
    let text = std::str::from_utf8(xml).map_err(|e| ParseError {
        reason: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        app_id: None,
    })?;
    let mut p = Extractor::default();
    let res = p.run(text);
    let app_id = p.get(Field::AppId);
    match res {
        Ok(()) => p.finish(xml.len()),
        Err(reason) => Err(ParseError {
            reason,
            app_id: (!app_id.is_empty()).then(|| app_id.to_string()),
        }),
    }
}

#[derive(Default)]
struct Extractor {
    /// Open elements below the root.
    path: Vec<El>,
    root_seen: bool,
    root_open: bool,
    fields: [String; N_FIELDS],
    /// The field being captured and the path depth where it started.
    capture: Option<(Field, usize)>,
    applicants: u32,
    cpcs: u32,
    inventors: i64,
    claims: i64,
    appl_type: Option<String>,
}

impl Extractor {
    fn get(&self, f: Field) -> &str {
        &self.fields[f as usize]
    }

    fn push_text(&mut self, s: &str) {
        if let Some((f, _)) = self.capture {
            self.fields[f as usize].push_str(s);
        }
    }

    fn run(&mut self, text: &str) -> Result<(), String> {
        let mut reader = Reader::from_str(text);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.trim_text(false);
        loop {
            let ev = reader
                .read_event()
                .map_err(|e| format!("XML error at byte {}: {e}", reader.buffer_position()))?;
            match ev {
                Event::Start(e) => {
                    if !self.root_open {
                        if self.root_seen || e.name().as_ref() != "us-patent-application" {
                            return Err(format!(
                                "unexpected root element <{}> at byte {}",
                                e.name().as_ref(),
                                reader.buffer_position()
                            ));
                        }
                        self.root_seen = true;
                        self.root_open = true;
                        continue;
                    }
                    let el = element(e.name().as_ref());
                    self.path.push(el);
                    self.on_open(el, &e)?;
                }
                Event::Empty(e) if self.root_open => {
                    let el = element(e.name().as_ref());
                    self.path.push(el);
                    self.on_open(el, &e)?;
                    self.on_close();
                }
                Event::Empty(e) => {
                    return Err(format!(
                        "unexpected root element <{}/> at byte {}",
                        e.name().as_ref(),
                        reader.buffer_position()
                    ));
                }
                Event::End(_) => {
                    if self.path.is_empty() {
                        self.root_open = false;
                    } else {
                        self.on_close();
                    }
                }
                Event::Text(t) if self.capture.is_some() => {
                    self.push_text(&t.xml10_content());
                }
                Event::CData(t) if self.capture.is_some() => {
                    self.push_text(&t.xml10_content());
                }
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => match quick_xml::escape::resolve_predefined_entity(&r) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(format!(
                                    "unknown entity &{}; at byte {}",
                                    &*r,
                                    reader.buffer_position()
                                ));
                            }
                        },
                        Err(e) => {
                            return Err(format!(
                                "bad character reference at byte {}: {e}",
                                reader.buffer_position()
                            ));
                        }
                    };
                    self.push_text(&resolved);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if self.root_open {
            let open: Vec<String> = self.path.iter().map(|e| format!("{e:?}")).collect();
            return Err(format!(
                "record ends with elements still open (truncated?): us-patent-application{}{}",
                if open.is_empty() { "" } else { " > " },
                open.join(" > ")
            ));
        }
        if !self.root_seen {
            return Err("no <us-patent-application> element".into());
        }
        Ok(())
    }

    fn on_open(&mut self, el: El, e: &quick_xml::events::BytesStart) -> Result<(), String> {
        use El::*;
        match self.path.as_slice() {
            [Biblio, AppRef] => {
                if let Ok(Some(a)) = e.try_get_attribute("appl-type") {
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| format!("bad appl-type attribute: {e}"))?;
                    self.appl_type = Some(v.into_owned());
                }
            }
            [Biblio, Other, Other, Applicant] => self.applicants += 1,
            [Biblio, Other, MainCpc, ClassCpc] => self.cpcs += 1,
            [Biblio, Other, Inventors, Inventor] => self.inventors += 1,
            [El::Claims, Claim] => self.claims += 1,
            _ => {}
        }
        if el == El::P
            && let Some((Field::Abstract, _)) = self.capture
        {
            let buf = &mut self.fields[Field::Abstract as usize];
            if !buf.is_empty() {
                buf.push(' ');
            }
        }
        if self.capture.is_none()
            && let Some(f) = field_for(&self.path, self.applicants == 1, self.cpcs == 1)
        {
            // Repeated elements (a second <p> in an abstract) are joined with
            // a space; a repeated single-valued field keeps its first value.
            let buf = &mut self.fields[f as usize];
            if f == Field::Abstract || f == Field::Title || buf.is_empty() {
                if !buf.is_empty() {
                    buf.push(' ');
                }
                self.capture = Some((f, self.path.len()));
            }
        }
        Ok(())
    }

    fn on_close(&mut self) {
        if let Some((_, depth)) = self.capture
            && depth == self.path.len()
        {
            self.capture = None;
        }
        self.path.pop();
    }

    fn finish(mut self, xml_bytes: usize) -> Result<AppRecord, ParseError> {
        let app_id = self.get(Field::AppId).trim().to_string();
        let err = |reason: String, app_id: &str| ParseError {
            reason,
            app_id: (!app_id.is_empty()).then(|| app_id.to_string()),
        };
        let required = [
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
        for (f, name) in required {
            if self.get(f).trim().is_empty() {
                return Err(err(format!("missing required field {name}"), &app_id));
            }
        }
        let pub_date = iso_date(self.get(Field::PubDate)).ok_or_else(|| {
            err(
                format!(
                    "invalid date '{}' in publication-reference/document-id/date",
                    self.get(Field::PubDate).trim()
                ),
                &app_id,
            )
        })?;
        let filing_date = iso_date(self.get(Field::FilingDate)).ok_or_else(|| {
            err(
                format!(
                    "invalid date '{}' in application-reference/document-id/date",
                    self.get(Field::FilingDate).trim()
                ),
                &app_id,
            )
        })?;
        let take =
            |s: &mut Extractor, f: Field| collapse_ws(&std::mem::take(&mut s.fields[f as usize]));
        let cpc_main = {
            let parts: Vec<String> = [
                Field::Section,
                Field::Class,
                Field::Subclass,
                Field::MainGroup,
                Field::Subgroup,
            ]
            .iter()
            .map(|f| self.get(*f).trim().to_string())
            .collect();
            (!parts[0].is_empty()).then(|| {
                format!(
                    "{}{}{} {}/{}",
                    parts[0], parts[1], parts[2], parts[3], parts[4]
                )
            })
        };
        let applicant = {
            let org = take(&mut self, Field::Orgname);
            if !org.is_empty() {
                Some(org)
            } else {
                let name = format!(
                    "{} {}",
                    take(&mut self, Field::FirstName),
                    take(&mut self, Field::LastName)
                );
                let name = name.trim().to_string();
                (!name.is_empty()).then_some(name)
            }
        };
        Ok(AppRecord {
            app_id,
            pub_number: take(&mut self, Field::PubNumber),
            kind: take(&mut self, Field::Kind),
            pub_date,
            filing_date,
            appl_type: self.appl_type.take(),
            title: take(&mut self, Field::Title),
            cpc_main,
            applicant,
            inventor_count: self.inventors,
            claim_count: self.claims,
            abstract_text: take(&mut self, Field::Abstract),
            xml_bytes: xml_bytes as i64,
        })
    }
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

/// Collapses runs of white space to one space and trims the ends, so text
/// split over lines or around inline markup compares equal everywhere.
fn collapse_ws(s: &str) -> String {
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
}
