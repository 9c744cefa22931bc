//! Seeded mock data: records shaped like US patent-application publications
//! (the `us-patent-application` subset that `parse` reads), concatenated the
//! way USPTO bulk files are, each record with its own XML declaration.
//!
//! The same options and seed give a byte-identical file: the only source of
//! randomness is a ChaCha8 stream, whose output is fixed across platforms and
//! rand versions, and nothing iterates a hash map.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;

/// What to generate. Rates are probabilities per record in [0, 1].
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct GenOptions {
    pub records: u64,
    pub seed: u64,
    /// Multiplies the amount of free text (abstract and claims); 1.0 gives a
    /// median record of about 2 KB.
    pub text_scale: f64,
    pub malformed_rate: f64,
    pub duplicate_rate: f64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            records: 1000,
            seed: 42,
            text_scale: 1.0,
            malformed_rate: 0.0,
            duplicate_rate: 0.0,
        }
    }
}

/// What was written, so callers (and tests) know exactly how many records
/// must end up quarantined.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq)]
pub struct GenStats {
    pub records: u64,
    pub malformed: u64,
    pub duplicates: u64,
    pub bytes: u64,
}

/// The kinds of bad record `--malformed-rate` injects, each one a failure
/// seen in real bulk files.
#[derive(Debug, Clone, Copy)]
enum Defect {
    /// Cut off part-way: elements left open at the end of the record.
    Truncated,
    /// The application number (the primary key) is missing.
    MissingAppId,
    /// An end tag that does not match its start tag.
    MismatchedTag,
    /// A publication date that is not a calendar date.
    BadDate,
    /// A bare `&` in text, which is not well-formed XML.
    BareAmpersand,
}

const DEFECTS: [Defect; 5] = [
    Defect::Truncated,
    Defect::MissingAppId,
    Defect::MismatchedTag,
    Defect::BadDate,
    Defect::BareAmpersand,
];

/// One generated record: its app_id (for the staging table) and its XML.
pub struct GenRecord {
    pub app_id: String,
    pub xml: String,
}

/// Generates records one at a time so that a million of them never sit in
/// memory together.
pub struct Generator {
    opts: GenOptions,
    rng: ChaCha8Rng,
    next: u64,
    clean_ids: Vec<u32>,
    stats: GenStats,
}

impl Generator {
    pub fn new(opts: GenOptions) -> Self {
        Generator {
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
            opts,
            next: 0,
            clean_ids: Vec::new(),
            stats: GenStats::default(),
        }
    }

    pub fn stats(&self) -> &GenStats {
        &self.stats
    }

    /// Writes every record to `out` and returns the counts.
    pub fn write_all<W: Write>(mut self, out: &mut W) -> std::io::Result<GenStats> {
        while let Some(rec) = self.next_record() {
            out.write_all(rec.xml.as_bytes())?;
        }
        Ok(self.stats)
    }

    /// The next record, or None after `records` of them.
    pub fn next_record(&mut self) -> Option<GenRecord> {
        if self.next >= self.opts.records {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let rng = &mut self.rng;
        // Application numbers increase with small random gaps: unique and
        // realistic (USPTO serial numbers are 8 digits).
        let own_id = 16_000_000 + (i as u32) * 3 + rng.random_range(0..3u32);
        let roll: f64 = rng.random();
        let defect = if roll < self.opts.malformed_rate {
            Some(DEFECTS[rng.random_range(0..DEFECTS.len())])
        } else {
            None
        };
        let dup_roll: f64 = rng.random();
        let app_id = if defect.is_none()
            && dup_roll < self.opts.duplicate_rate
            && !self.clean_ids.is_empty()
        {
            self.stats.duplicates += 1;
            self.clean_ids[rng.random_range(0..self.clean_ids.len())]
        } else {
            if defect.is_none() {
                self.clean_ids.push(own_id);
            }
            own_id
        };
        if defect.is_some() {
            self.stats.malformed += 1;
        }
        let xml = render(rng, i, app_id, defect, self.opts.text_scale);
        self.stats.records += 1;
        self.stats.bytes += xml.len() as u64;
        Some(GenRecord {
            app_id: app_id.to_string(),
            xml,
        })
    }
}

const WORDS: &[&str] = &[
    "system",
    "method",
    "apparatus",
    "data",
    "signal",
    "device",
    "network",
    "layer",
    "module",
    "controller",
    "memory",
    "processor",
    "configured",
    "receive",
    "transmit",
    "first",
    "second",
    "plurality",
    "wherein",
    "based",
    "determining",
    "generating",
    "storing",
    "index",
    "query",
    "database",
    "record",
    "battery",
    "sensor",
    "vehicle",
    "light",
    "optical",
    "wireless",
    "antenna",
    "substrate",
    "semiconductor",
    "composition",
    "polymer",
    "compound",
    "cell",
    "protein",
    "sequence",
    "image",
    "display",
    "user",
    "interface",
    "value",
    "threshold",
    "circuit",
    "voltage",
    "current",
    "housing",
    "surface",
    "member",
    "portion",
    "assembly",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "for",
    "with",
    "by",
    "at",
    "from",
    "each",
    "one",
];
const ORGS: &[&str] = &[
    "Acme Corporation",
    "Globex Inc.",
    "Initech LLC",
    "Umbrella Technologies",
    "Stark Industries",
    "Wayne Enterprises",
    "Tyrell Corp.",
    "Cyberdyne Systems",
    "Hooli Inc.",
    "Soylent Co.",
];
const FIRST: &[&str] = &[
    "Jane", "John", "Wei", "Maria", "Ahmed", "Yuki", "Olga", "Pedro", "Ana", "Lars",
];
const LAST: &[&str] = &[
    "Smith", "Zhang", "Garcia", "Kim", "Müller", "Sato", "Ivanova", "Rossi", "Nguyen", "Berg",
];
const CPC_SECTIONS: &[(&str, &str, &str)] = &[
    ("G", "06", "F"),
    ("H", "04", "L"),
    ("A", "61", "K"),
    ("H", "01", "L"),
    ("G", "06", "N"),
    ("B", "60", "L"),
    ("C", "07", "D"),
    ("H", "04", "W"),
    ("G", "01", "N"),
    ("F", "16", "H"),
];
const APPL_TYPES: &[&str] = &[
    "utility", "utility", "utility", "utility", "design", "plant",
];

fn words(rng: &mut ChaCha8Rng, n: usize, out: &mut String) {
    for k in 0..n {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.random_range(0..WORDS.len())]);
    }
}

fn scaled(n: usize, scale: f64) -> usize {
    ((n as f64 * scale).round() as usize).max(1)
}

/// Renders one record. `i` is its position (for the unique publication
/// number and dates), `app_id` the application number to write.
fn render(rng: &mut ChaCha8Rng, i: u64, app_id: u32, defect: Option<Defect>, scale: f64) -> String {
    let mut x = String::with_capacity(2600);
    let year = 2015 + (i % 9) as u32;
    let pub_date = format!(
        "{year}{:02}{:02}",
        1 + rng.random_range(0..12u32),
        1 + rng.random_range(0..28u32)
    );
    let filing_date = format!(
        "{}{:02}{:02}",
        year - 1 - rng.random_range(0..3u32),
        1 + rng.random_range(0..12u32),
        1 + rng.random_range(0..28u32)
    );
    let pub_number = format!("{year}{:07}", i + 1);
    let pub_date = match defect {
        Some(Defect::BadDate) => format!("{year}1345"),
        _ => pub_date,
    };
    let appl_type = APPL_TYPES[rng.random_range(0..APPL_TYPES.len())];
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<!DOCTYPE us-patent-application SYSTEM \"us-patent-application-v46-2022-02-17.dtd\" [ ]>\n");
    x.push_str(&format!(
        "<us-patent-application lang=\"EN\" dtd-version=\"v4.6 2022-02-17\" file=\"US{pub_number}A1-{pub_date}.XML\" status=\"PRODUCTION\" id=\"us-patent-application\" country=\"US\" date-publ=\"{pub_date}\">\n"
    ));
    x.push_str("<us-bibliographic-data-application lang=\"EN\" country=\"US\">\n");
    x.push_str(&format!(
        "<publication-reference>\n<document-id>\n<country>US</country>\n<doc-number>{pub_number}</doc-number>\n<kind>A1</kind>\n<date>{pub_date}</date>\n</document-id>\n</publication-reference>\n"
    ));
    x.push_str(&format!(
        "<application-reference appl-type=\"{appl_type}\">\n<document-id>\n<country>US</country>\n"
    ));
    if !matches!(defect, Some(Defect::MissingAppId)) {
        x.push_str(&format!("<doc-number>{app_id}</doc-number>\n"));
    }
    x.push_str(&format!(
        "<date>{filing_date}</date>\n</document-id>\n</application-reference>\n"
    ));
    // CPC: most records carry one; a few have none (the column is nullable).
    if rng.random_range(0..20u32) != 0 {
        let (s, c, sc) = CPC_SECTIONS[rng.random_range(0..CPC_SECTIONS.len())];
        x.push_str(&format!(
            "<classifications-cpc>\n<main-cpc>\n<classification-cpc>\n<cpc-version-indicator><date>20130101</date></cpc-version-indicator>\n<section>{s}</section>\n<class>{c}</class>\n<subclass>{sc}</subclass>\n<main-group>{}</main-group>\n<subgroup>{}</subgroup>\n</classification-cpc>\n</main-cpc>\n</classifications-cpc>\n",
            1 + rng.random_range(0..99u32),
            rng.random_range(0..10u32) * 100 + rng.random_range(0..100u32)
        ));
    }
    let mut title = String::new();
    let n = 3 + rng.random_range(0..8usize);
    words(rng, n, &mut title);
    match defect {
        Some(Defect::MismatchedTag) => x.push_str(&format!(
            "<invention-title id=\"d2e43\">{title}</invention-titel>\n"
        )),
        Some(Defect::BareAmpersand) => x.push_str(&format!(
            "<invention-title id=\"d2e43\">R & D {title}</invention-title>\n"
        )),
        _ => x.push_str(&format!(
            "<invention-title id=\"d2e43\">{title}</invention-title>\n"
        )),
    }
    x.push_str("<us-parties>\n<us-applicants>\n");
    let n_applicants = 1 + rng.random_range(0..2usize);
    for k in 0..n_applicants {
        x.push_str(&format!(
            "<us-applicant sequence=\"{k:02}\" app-type=\"applicant\" designation=\"us-only\">\n<addressbook>\n"
        ));
        if rng.random_range(0..4u32) == 0 {
            x.push_str(&format!(
                "<last-name>{}</last-name>\n<first-name>{}</first-name>\n",
                LAST[rng.random_range(0..LAST.len())],
                FIRST[rng.random_range(0..FIRST.len())]
            ));
        } else {
            // Escaped text, as real files have (`&amp;` in company names).
            let org = ORGS[rng.random_range(0..ORGS.len())];
            let org = if rng.random_range(0..10u32) == 0 {
                format!("{org} &amp; Sons")
            } else {
                org.to_string()
            };
            x.push_str(&format!("<orgname>{org}</orgname>\n"));
        }
        x.push_str("<address>\n<city>Springfield</city>\n<country>US</country>\n</address>\n</addressbook>\n</us-applicant>\n");
    }
    x.push_str("</us-applicants>\n<inventors>\n");
    let n_inventors = 1 + rng.random_range(0..2usize);
    for k in 0..n_inventors {
        x.push_str(&format!(
            "<inventor sequence=\"{k:02}\" designation=\"us-only\">\n<addressbook>\n<last-name>{}</last-name>\n<first-name>{}</first-name>\n<address>\n<city>Springfield</city>\n<country>US</country>\n</address>\n</addressbook>\n</inventor>\n",
            LAST[rng.random_range(0..LAST.len())],
            FIRST[rng.random_range(0..FIRST.len())]
        ));
    }
    x.push_str("</inventors>\n</us-parties>\n</us-bibliographic-data-application>\n");
    let mut abs = String::new();
    let n = scaled(12 + rng.random_range(0..30usize), scale);
    words(rng, n, &mut abs);
    x.push_str(&format!(
        "<abstract id=\"abstract\">\n<p id=\"p-0001\" num=\"0000\">{abs}.</p>\n</abstract>\n"
    ));
    if matches!(defect, Some(Defect::Truncated)) {
        // Cut mid-record: the parser sees open elements at the end.
        x.push_str("<claims id=\"claims\">\n<claim id=\"CLM-00001\" num=\"00001\">\n<claim-text>1. A method compri\n");
        return x;
    }
    x.push_str("<claims id=\"claims\">\n");
    // Claim counts are skewed: most applications have a handful, a few many.
    let n_claims = 1
        + rng.random_range(0..3usize)
        + if rng.random_range(0..8u32) == 0 {
            rng.random_range(0..8usize)
        } else {
            0
        };
    for k in 1..=n_claims {
        let mut text = String::new();
        let n = scaled(4 + rng.random_range(0..10usize), scale);
        words(rng, n, &mut text);
        x.push_str(&format!(
            "<claim id=\"CLM-{k:05}\" num=\"{k:05}\">\n<claim-text>{k}. {text}.</claim-text>\n</claim>\n"
        ));
    }
    x.push_str("</claims>\n</us-patent-application>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen_bytes(opts: GenOptions) -> (Vec<u8>, GenStats) {
        let mut out = Vec::new();
        let stats = Generator::new(opts).write_all(&mut out).unwrap();
        (out, stats)
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let opts = GenOptions {
            records: 50,
            malformed_rate: 0.1,
            duplicate_rate: 0.1,
            ..Default::default()
        };
        let (a, _) = gen_bytes(opts.clone());
        let (b, _) = gen_bytes(opts.clone());
        assert_eq!(a, b);
        let (c, _) = gen_bytes(GenOptions { seed: 7, ..opts });
        assert_ne!(a, c);
    }

    #[test]
    fn median_record_is_about_two_kb_and_scales() {
        let median = |scale: f64| {
            let mut g = Generator::new(GenOptions {
                records: 401,
                text_scale: scale,
                ..Default::default()
            });
            let mut sizes: Vec<usize> = std::iter::from_fn(|| g.next_record())
                .map(|r| r.xml.len())
                .collect();
            sizes.sort();
            sizes[200]
        };
        let m1 = median(1.0);
        assert!((1500..=2700).contains(&m1), "median {m1}");
        assert!(
            median(8.0) * 10 > m1 * 18,
            "text_scale 8 should almost double a record"
        );
    }

    #[test]
    fn counts_what_it_injects() {
        let (_, s) = gen_bytes(GenOptions {
            records: 2000,
            malformed_rate: 0.05,
            duplicate_rate: 0.05,
            ..Default::default()
        });
        assert_eq!(s.records, 2000);
        assert!((50..=150).contains(&s.malformed), "{s:?}");
        assert!((50..=150).contains(&s.duplicates), "{s:?}");
    }
}
