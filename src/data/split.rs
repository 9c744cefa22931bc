//! Splits a file of concatenated XML records into byte ranges without loading
//! it: one streaming pass builds an index of (offset, length) per record, and
//! workers later read their own records with positioned reads.
//!
//! A record begins at a line that starts with an XML declaration (`<?xml`),
//! as in USPTO bulk files, or, in files without declarations, at a line that
//! starts with the root start tag. Splitting on line starts, not on parsed
//! XML, means a malformed record cannot swallow the records after it.

use anyhow::{Context, Result, bail};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The root element of one application record.
pub const ROOT_TAG: &[u8] = b"<us-patent-application";

/// Where one record lies in the input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSpan {
    pub offset: u64,
    pub len: u32,
}

/// The index of every record in a file.
#[derive(Debug, Clone)]
pub struct RecordIndex {
    pub spans: Vec<RecordSpan>,
    pub bytes: u64,
}

impl RecordIndex {
    pub fn len(&self) -> usize {
        self.spans.len()
    }
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

fn trim_start(line: &[u8]) -> &[u8] {
    let s = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let k = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    &s[k..]
}

/// Scans `path` once and returns the record index. Errors name the file:
/// missing, unreadable, not XML, or holding no application record.
pub fn index_file(path: &Path) -> Result<RecordIndex> {
    let file =
        File::open(path).with_context(|| format!("cannot open input file '{}'", path.display()))?;
    index_reader(BufReader::with_capacity(1 << 20, file))
        .with_context(|| format!("input file '{}'", path.display()))
}

/// The scanner behind [`index_file`], over any reader (tests use slices).
pub fn index_reader<R: Read>(mut reader: BufReader<R>) -> Result<RecordIndex> {
    let mut spans = Vec::new();
    let mut line = Vec::with_capacity(4096);
    let mut pos: u64 = 0;
    let mut start: Option<u64> = None;
    // Whether the current record already has its root start tag, and
    // whether this file marks records with declarations.
    let mut seen_root = false;
    let mut decl_mode: Option<bool> = None;
    let mut any_root = false;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).context("read error")?;
        if n == 0 {
            break;
        }
        let t = trim_start(&line);
        if decl_mode.is_none() && !t.is_empty() {
            if t[0] != b'<' {
                bail!("not an XML file (first character is not '<')");
            }
            decl_mode = Some(t.starts_with(b"<?xml"));
        }
        let is_decl = t.starts_with(b"<?xml");
        let is_root = t.starts_with(ROOT_TAG);
        let begins = match decl_mode {
            Some(true) => is_decl,
            // Without declarations, a second root start tag begins a new record.
            _ => is_root && (seen_root || start.is_none()),
        };
        if begins {
            if let Some(s) = start {
                spans.push(span(s, pos)?);
            }
            start = Some(pos);
            seen_root = false;
        }
        if is_root {
            seen_root = true;
            any_root = true;
            if start.is_none() {
                start = Some(pos);
            }
        }
        pos += n as u64;
    }
    if let Some(s) = start {
        spans.push(span(s, pos)?);
    }
    if spans.is_empty() || !any_root {
        bail!("no <us-patent-application> record found");
    }
    Ok(RecordIndex { spans, bytes: pos })
}

fn span(start: u64, end: u64) -> Result<RecordSpan> {
    let len = u32::try_from(end - start).context("a record is larger than 4 GiB")?;
    Ok(RecordSpan { offset: start, len })
}

/// Reads records by span with positioned reads, so many workers can share
/// one file handle without seeking.
pub struct RecordReader {
    file: File,
}

impl RecordReader {
    pub fn open(path: &Path) -> Result<Self> {
        Ok(RecordReader {
            file: File::open(path)
                .with_context(|| format!("cannot open input file '{}'", path.display()))?,
        })
    }

    /// Reads one record's bytes into `buf` (cleared first).
    pub fn read(&self, span: RecordSpan, buf: &mut Vec<u8>) -> Result<()> {
        use std::os::unix::fs::FileExt;
        buf.resize(span.len as usize, 0);
        self.file
            .read_exact_at(buf, span.offset)
            .context("reading a record from the input file")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(s: &str) -> Result<RecordIndex> {
        index_reader(BufReader::new(s.as_bytes()))
    }

    fn pieces(s: &str) -> Vec<String> {
        idx(s)
            .unwrap()
            .spans
            .iter()
            .map(|sp| s[sp.offset as usize..(sp.offset + sp.len as u64) as usize].to_string())
            .collect()
    }

    #[test]
    fn splits_on_declarations() {
        let s = "<?xml version=\"1.0\"?>\n<us-patent-application>\n<a/>\n</us-patent-application>\n<?xml version=\"1.0\"?>\n<us-patent-application>\n</us-patent-application>\n";
        let p = pieces(s);
        assert_eq!(p.len(), 2);
        assert!(p[0].starts_with("<?xml") && p[0].ends_with("</us-patent-application>\n"));
        assert_eq!(p.concat(), s);
    }

    #[test]
    fn truncated_record_does_not_swallow_the_next() {
        let s = "<?xml version=\"1.0\"?>\n<us-patent-application>\n<claims>\n<?xml version=\"1.0\"?>\n<us-patent-application>\n</us-patent-application>\n";
        assert_eq!(pieces(s).len(), 2);
    }

    #[test]
    fn splits_on_root_without_declarations() {
        let s = "<us-patent-application>\n</us-patent-application>\n<us-patent-application>\n</us-patent-application>\n";
        assert_eq!(pieces(s).len(), 2);
    }

    #[test]
    fn rejects_non_xml_and_empty() {
        assert!(
            idx("hello, world\n")
                .unwrap_err()
                .to_string()
                .contains("not an XML file")
        );
        assert!(
            idx("<root/>\n")
                .unwrap_err()
                .to_string()
                .contains("no <us-patent-application>")
        );
        assert!(idx("").is_err());
    }
}
