//! Seeded mock data: records shaped like US patent-application publications
//! (the `us-patent-application` subset that `parse` reads), concatenated the
//! way USPTO bulk files are, each record with its own XML declaration.
//!
//! The same options and seed give a byte-identical file: the only source of
//! randomness is a ChaCha8 stream, whose output is fixed across platforms and
//! rand versions, and nothing iterates a hash map.

use anyhow::{Context, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::Path;

/// The root's `status` in generated records. Real files say PRODUCTION;
/// mock records say what they are, which is also how `generate`
/// recognises a file it wrote (and may replace).
pub const MOCK_STATUS: &str = "INGESTLAB-MOCK";

/// The largest text scale: records of about 1 MB (beyond it a record
/// generator allocates without bound).
pub const MAX_TEXT_SCALE: f64 = 1000.0;

/// What to generate. Rates are probabilities per record in [0, 1].
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct GenOptions {
    /// Records to write.
    pub records: u64,
    /// The generator's seed: the same options, the same bytes.
    pub seed: u64,
    /// Multiplies the amount of free text (abstract and claims); 1.0 gives a
    /// median record of about 2 KB.
    pub text_scale: f64,
    /// Fraction of records made malformed (not well-formed, a required
    /// field missing, a bad date).
    pub malformed_rate: f64,
    /// Fraction of records that repeat an earlier clean record's app_id.
    pub duplicate_rate: f64,
    /// Full-text records: a `<description>` (headings, paragraphs with
    /// figure references and entity references, a table) and `<drawings>`,
    /// as real USPTO records carry. The description is then most of a
    /// record's bytes (median about 20 KB, long tail to ~100 KB), as in the
    /// real documents (17 KB and 164 KB for the two in tests/data).
    #[serde(default)]
    pub full_text: bool,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            records: 1000,
            seed: 42,
            text_scale: 1.0,
            malformed_rate: 0.0,
            duplicate_rate: 0.0,
            full_text: false,
        }
    }
}

/// What was written, so callers (and tests) know exactly how many records
/// must end up quarantined.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq)]
pub struct GenStats {
    /// Records written.
    pub records: u64,
    /// Of which malformed.
    pub malformed: u64,
    /// Of which duplicates of an earlier clean record.
    pub duplicates: u64,
    /// Bytes of the records' XML.
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
    /// The application number it carries (a duplicate's is an earlier
    /// record's).
    pub app_id: String,
    /// The record's XML, one root element.
    pub xml: String,
    /// What was injected into it, if anything: the truth a test checks the
    /// quarantine against record by record.
    pub injected: Option<Injected>,
}

/// A bad record the generator injected on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// Not well-formed, or missing a required field, or a bad date.
    Malformed,
    /// Repeats the app_id of an earlier clean record.
    Duplicate,
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
    /// A generator of `opts`, at its first record.
    pub fn new(opts: GenOptions) -> Self {
        Generator {
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
            opts,
            next: 0,
            clean_ids: Vec::new(),
            stats: GenStats::default(),
        }
    }

    /// What it has generated so far.
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
        let mut injected = defect.map(|_| Injected::Malformed);
        let app_id = if defect.is_none()
            && dup_roll < self.opts.duplicate_rate
            && !self.clean_ids.is_empty()
        {
            self.stats.duplicates += 1;
            injected = Some(Injected::Duplicate);
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
        let xml = render(rng, i, app_id, defect, &self.opts);
        self.stats.records += 1;
        self.stats.bytes += xml.len() as u64;
        Some(GenRecord {
            app_id: app_id.to_string(),
            xml,
            injected,
        })
    }
}

/// Generates `opts` into `path`, naming the file on error.
pub fn write_file(opts: &GenOptions, path: &Path) -> Result<GenStats> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot create output file '{}'", path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let stats = Generator::new(*opts)
        .write_all(&mut w)
        .with_context(|| format!("writing '{}'", path.display()))?;
    w.flush()
        .with_context(|| format!("writing '{}'", path.display()))?;
    Ok(stats)
}

/// True when the file at `path` starts like one `generate` wrote.
pub fn is_generated(path: &Path) -> bool {
    let mut head = vec![0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    memchr::memmem::find(&head[..n], format!("status=\"{MOCK_STATUS}\"").as_bytes()).is_some()
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
/// number and dates), `app_id` the application number to write. The parts
/// are drawn in document order, so the random stream (and the file) stays
/// the same for the same seed.
fn render(
    rng: &mut ChaCha8Rng,
    i: u64,
    app_id: u32,
    defect: Option<Defect>,
    opts: &GenOptions,
) -> String {
    let mut x = String::with_capacity(2600);
    head(rng, &mut x, i, app_id, defect);
    cpc(rng, &mut x);
    title(rng, &mut x, defect);
    parties(rng, &mut x);
    let mut abs = String::new();
    let n = scaled(12 + rng.random_range(0..30usize), opts.text_scale);
    words(rng, n, &mut abs);
    x.push_str(&format!(
        "<abstract id=\"abstract\">\n<p id=\"p-0001\" num=\"0000\">{abs}.</p>\n</abstract>\n"
    ));
    if opts.full_text {
        full_text(rng, &mut x);
    }
    if matches!(defect, Some(Defect::Truncated)) {
        // Cut mid-record: the parser sees open elements at the end.
        x.push_str("<claims id=\"claims\">\n<claim id=\"CLM-00001\" num=\"00001\">\n<claim-text>1. A method compri\n");
        return x;
    }
    claims(rng, &mut x, opts.text_scale);
    x
}

/// The prolog, the root's start tag and the publication and application
/// references.
fn head(rng: &mut ChaCha8Rng, x: &mut String, i: u64, app_id: u32, defect: Option<Defect>) {
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
        "<us-patent-application lang=\"EN\" dtd-version=\"v4.6 2022-02-17\" file=\"US{pub_number}A1-{pub_date}.XML\" status=\"{MOCK_STATUS}\" id=\"us-patent-application\" country=\"US\" date-publ=\"{pub_date}\">\n"
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
}

/// CPC: most records carry one; a few have none (the column is nullable).
fn cpc(rng: &mut ChaCha8Rng, x: &mut String) {
    if rng.random_range(0..20u32) != 0 {
        let (s, c, sc) = CPC_SECTIONS[rng.random_range(0..CPC_SECTIONS.len())];
        x.push_str(&format!(
            "<classifications-cpc>\n<main-cpc>\n<classification-cpc>\n<cpc-version-indicator><date>20130101</date></cpc-version-indicator>\n<section>{s}</section>\n<class>{c}</class>\n<subclass>{sc}</subclass>\n<main-group>{}</main-group>\n<subgroup>{}</subgroup>\n</classification-cpc>\n</main-cpc>\n</classifications-cpc>\n",
            1 + rng.random_range(0..99u32),
            rng.random_range(0..10u32) * 100 + rng.random_range(0..100u32)
        ));
    }
}

fn title(rng: &mut ChaCha8Rng, x: &mut String, defect: Option<Defect>) {
    let mut title = String::new();
    let n = 3 + rng.random_range(0..8usize);
    words(rng, n, &mut title);
    x.push_str(&match defect {
        Some(Defect::MismatchedTag) => {
            format!("<invention-title id=\"d2e43\">{title}</invention-titel>\n")
        }
        Some(Defect::BareAmpersand) => {
            format!("<invention-title id=\"d2e43\">R & D {title}</invention-title>\n")
        }
        _ => format!("<invention-title id=\"d2e43\">{title}</invention-title>\n"),
    });
}

/// Applicants (organisations or people) and inventors, as v4.3+ has them.
fn parties(rng: &mut ChaCha8Rng, x: &mut String) {
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
}

/// Claim counts are skewed: most applications have a handful, a few many.
fn claims(rng: &mut ChaCha8Rng, x: &mut String, scale: f64) {
    x.push_str("<claims id=\"claims\">\n");
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
}

/// Drawings and a description shaped like a real one: headings, numbered
/// paragraphs with `<figref>`, `<b>` and entity references, a small table
/// and processing instructions. Paragraph counts are skewed (most records
/// have tens, a few hundreds), so sizes have a long tail.
fn full_text(rng: &mut ChaCha8Rng, x: &mut String) {
    let figures = 1 + rng.random_range(0..8u32);
    x.push_str("<drawings id=\"DRAWINGS\">\n");
    for f in 0..=figures {
        x.push_str(&format!(
            "<figure id=\"Fig-EMI-D{f:05}\" num=\"{f:05}\">\n<img id=\"EMI-D{f:05}\" he=\"{}mm\" wi=\"{}mm\" file=\"D{f:05}.TIF\" alt=\"embedded image\" img-content=\"drawing\" img-format=\"tif\"/>\n</figure>\n",
            80 + rng.random_range(0..150u32),
            100 + rng.random_range(0..60u32)
        ));
    }
    x.push_str("</drawings>\n<description id=\"description\">\n");
    // exp(N(3, 0.8)): median 20 paragraphs, 5% above ~75.
    let normal: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
    let paragraphs = (3.0 + 0.8 * normal).exp().round().clamp(3.0, 400.0) as u32;
    let headings = [
        "BACKGROUND",
        "SUMMARY",
        "BRIEF DESCRIPTION OF THE DRAWINGS",
        "DETAILED DESCRIPTION",
    ];
    for p in 0..paragraphs {
        if p % (paragraphs / 4).max(1) == 0 && (p / (paragraphs / 4).max(1)) < 4 {
            let h = headings[(p / (paragraphs / 4).max(1)) as usize];
            x.push_str(&format!(
                "<?BRFSUM description=\"{h}\" end=\"lead\"?>\n<heading id=\"h-{p:04}\" level=\"1\">{h}</heading>\n"
            ));
        }
        let mut text = String::new();
        let n = 40 + rng.random_range(0..80usize);
        words(rng, n, &mut text);
        let fig = 1 + rng.random_range(0..figures);
        x.push_str(&format!(
            "<p id=\"p-{:04}\" num=\"{:04}\">As shown in <figref idref=\"DRAWINGS\">FIG. {fig}</figref>, the <b>{}</b> &#x2014; {text} at 25&#xb0; C. &#x3c; 100 kPa.</p>\n",
            p + 2,
            p + 1,
            WORDS[rng.random_range(0..WORDS.len())]
        ));
        if p == paragraphs / 2 {
            x.push_str("<tables id=\"TABLE-US-00001\" num=\"00001\">\n<table frame=\"none\" colsep=\"0\" rowsep=\"0\">\n<tgroup align=\"left\" colsep=\"0\" rowsep=\"0\" cols=\"3\">\n<colspec colname=\"1\" colwidth=\"56pt\" align=\"left\"/>\n<colspec colname=\"2\" colwidth=\"56pt\" align=\"center\"/>\n<colspec colname=\"3\" colwidth=\"56pt\" align=\"center\"/>\n<tbody valign=\"top\">\n");
            for r in 0..3 + rng.random_range(0..12u32) {
                x.push_str(&format!(
                    "<row>\n<entry>Sample {r}</entry>\n<entry>{}</entry>\n<entry>{}.{}</entry>\n</row>\n",
                    rng.random_range(0..1000u32),
                    rng.random_range(0..100u32),
                    rng.random_range(0..10u32)
                ));
            }
            x.push_str("</tbody>\n</tgroup>\n</table>\n</tables>\n");
        }
    }
    x.push_str("<?BRFSUM description=\"end\" end=\"tail\"?>\n</description>\n");
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
        let (a, _) = gen_bytes(opts);
        let (b, _) = gen_bytes(opts);
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

    #[test]
    fn full_text_records_are_mostly_description_and_parse() {
        let mut g = Generator::new(GenOptions {
            records: 301,
            full_text: true,
            ..Default::default()
        });
        let recs: Vec<GenRecord> = std::iter::from_fn(|| g.next_record()).collect();
        let mut sizes: Vec<usize> = recs.iter().map(|r| r.xml.len()).collect();
        sizes.sort();
        assert!(
            (10_000..=40_000).contains(&sizes[150]),
            "median {}",
            sizes[150]
        );
        assert!(
            sizes[295] > 2 * sizes[150],
            "a long tail: {:?}",
            &sizes[290..]
        );
        let described: usize = recs
            .iter()
            .map(|r| r.xml.find("</description>").unwrap() - r.xml.find("<description").unwrap())
            .sum();
        assert!(
            described * 10 > sizes.iter().sum::<usize>() * 7,
            "description is most of the bytes"
        );
        for r in &recs {
            let p = crate::data::parse::parse_record(r.xml.as_bytes()).unwrap();
            assert_eq!(p.app_id, r.app_id);
        }
    }
}
