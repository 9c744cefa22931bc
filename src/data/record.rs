//! The typed application record that parsing produces and backends store,
//! plus the content checksum used to verify that the database holds exactly
//! what was parsed.

use xxhash_rust::xxh3::Xxh3;

/// One row of `app_base`. Dates are ISO `YYYY-MM-DD` strings so that both
/// engines store and return them the same way.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppRecord {
    /// The application number (`application-reference/document-id/doc-number`),
    /// the table's key.
    pub app_id: String,
    /// The publication number.
    pub pub_number: String,
    /// The publication kind code (A1, A2, A9...).
    pub kind: String,
    /// Publication date, `YYYY-MM-DD`.
    pub pub_date: String,
    /// Filing date of the application, `YYYY-MM-DD`.
    pub filing_date: String,
    /// The `appl-type` attribute of `application-reference` (utility,
    /// design...), when given.
    pub appl_type: Option<String>,
    /// The invention's title.
    pub title: String,
    /// The first main CPC classification ("G06F 16/2455"), when given.
    pub cpc_main: Option<String>,
    /// The first applicant's organisation, or else their name, when given.
    pub applicant: Option<String>,
    /// Inventors named (the applicant-inventors in layouts v4.0 to v4.2).
    pub inventor_count: i64,
    /// Claims.
    pub claim_count: i64,
    /// The abstract's text, whitespace collapsed (column `abstract`).
    pub abstract_text: String,
    /// Bytes of the record's XML in the input.
    pub xml_bytes: i64,
}

/// A record that could not be stored, with the reason (parse error with its
/// offset, missing field, duplicate app_id). `position` is the 0-based index
/// of the record in the input file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Quarantined {
    /// 0-based index of the record in the input file.
    pub position: u64,
    /// Its app_id, when one could be read.
    pub app_id: Option<String>,
    /// Why it was not stored.
    pub reason: String,
    /// The record's raw XML, as it was in the file (lossy UTF-8).
    pub xml: String,
}

/// The 13 `app_base` columns in insert order; both backends' read-back
/// selects them in this order.
pub const APP_BASE_COLUMNS: [&str; 13] = [
    "app_id",
    "pub_number",
    "kind",
    "pub_date",
    "filing_date",
    "appl_type",
    "title",
    "cpc_main",
    "applicant",
    "inventor_count",
    "claim_count",
    "abstract",
    "xml_bytes",
];

impl AppRecord {
    /// Hash of the row's content. NULL and empty text hash differently, so
    /// a backend that turns one into the other fails verification.
    pub fn content_hash(&self) -> u64 {
        let mut h = Xxh3::new();
        let text = |h: &mut Xxh3, s: &str| {
            h.update(&[1]);
            h.update(&(s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        let opt = |h: &mut Xxh3, s: &Option<String>| match s {
            Some(s) => text(h, s),
            None => h.update(&[0]),
        };
        text(&mut h, &self.app_id);
        text(&mut h, &self.pub_number);
        text(&mut h, &self.kind);
        text(&mut h, &self.pub_date);
        text(&mut h, &self.filing_date);
        opt(&mut h, &self.appl_type);
        text(&mut h, &self.title);
        opt(&mut h, &self.cpc_main);
        opt(&mut h, &self.applicant);
        h.update(&self.inventor_count.to_le_bytes());
        h.update(&self.claim_count.to_le_bytes());
        text(&mut h, &self.abstract_text);
        h.update(&self.xml_bytes.to_le_bytes());
        h.digest()
    }
}

/// An order-independent checksum over a set of rows: the wrapping sum of
/// their content hashes. Workers add their batches in any order and the
/// read-back adds rows in whatever order the engine returns them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checksum(pub u64);

impl Checksum {
    /// Adds one row.
    pub fn add(&mut self, rec: &AppRecord) {
        self.0 = self.0.wrapping_add(rec.content_hash());
    }
    /// Adds every row of another checksum.
    pub fn merge(&mut self, other: Checksum) {
        self.0 = self.0.wrapping_add(other.0);
    }
    /// Adds a quarantined record: its position, app_id and reason.
    pub fn add_error(&mut self, e: &Quarantined) {
        self.add_error_parts(e.position, e.app_id.as_deref(), &e.reason);
    }
    /// [`Checksum::add_error`] from the parts a read-back returns.
    pub fn add_error_parts(&mut self, position: u64, app_id: Option<&str>, reason: &str) {
        let mut h = Xxh3::new();
        h.update(&position.to_le_bytes());
        match app_id {
            Some(a) => {
                h.update(&[1]);
                h.update(&(a.len() as u64).to_le_bytes());
                h.update(a.as_bytes());
            }
            None => h.update(&[0]),
        }
        h.update(reason.as_bytes());
        self.0 = self.0.wrapping_add(h.digest());
    }
}

#[cfg(test)]
pub(crate) fn sample_record(app_id: &str) -> AppRecord {
    AppRecord {
        app_id: app_id.to_string(),
        pub_number: format!("US2023{app_id}A1"),
        kind: "A1".into(),
        pub_date: "2023-01-05".into(),
        filing_date: "2021-07-01".into(),
        appl_type: Some("utility".into()),
        title: "Widget".into(),
        cpc_main: Some("G06F 16/2455".into()),
        applicant: None,
        inventor_count: 2,
        claim_count: 3,
        abstract_text: "An abstract.".into(),
        xml_bytes: 1234,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_order_independent() {
        let (a, b) = (sample_record("1"), sample_record("2"));
        let mut x = Checksum::default();
        x.add(&a);
        x.add(&b);
        let mut y = Checksum::default();
        y.add(&b);
        y.add(&a);
        assert_eq!(x, y);
        assert_ne!(x, Checksum::default());
    }

    #[test]
    fn null_and_empty_hash_differently() {
        let a = sample_record("1");
        let mut b = a.clone();
        b.applicant = Some(String::new());
        assert_ne!(a.content_hash(), b.content_hash());
    }

    #[test]
    fn field_boundaries_matter() {
        let a = sample_record("1");
        let mut b = a.clone();
        b.kind = "A".into();
        b.pub_number.push('1');
        assert_ne!(a.content_hash(), b.content_hash());
    }
}
