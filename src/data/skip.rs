//! Skips an element's content without tokenizing it into events.
//!
//! The parser reads a few dozen elements of a record and nothing of its
//! description, drawings, tables or claim texts, which are most of a real
//! record's bytes. Running those through quick-xml's event loop only to
//! count depth costs as much as parsing them. This scanner jumps from `<`
//! to `<` instead, and still checks what decides whether a record is
//! well-formed enough to trust: the skipped bytes are valid UTF-8, every
//! tag in them is closed by a matching end tag, and comments, CDATA
//! sections and processing instructions are terminated. It does not check
//! attribute syntax or entity names inside skipped content.

use memchr::{memchr, memchr3, memmem};

/// Where a skip ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Skipped {
    /// Offset of the `<` of the end tag that closes the skipped element.
    Close(usize),
    /// The input ended first (a truncated record): everything is skipped.
    Eof,
}

/// Why a skipped element's content is not XML, at an offset into `rest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipError {
    /// Bytes that are not UTF-8.
    Encoding(usize),
    /// Markup that is not well-formed, and what is wrong with it.
    Markup(usize, String),
}

/// Scans `rest` (what follows the start tag of an element named `name`)
/// up to the end tag that closes it. Errors carry an offset into `rest`.
/// `open` is scratch space for the names of nested elements, passed in so
/// a record's many skips share one allocation.
pub fn skip_content<'a>(
    rest: &'a [u8],
    name: &[u8],
    open: &mut Vec<&'a [u8]>,
) -> Result<Skipped, SkipError> {
    open.clear();
    let mut at = 0;
    let found = loop {
        let Some(lt) = memchr(b'<', &rest[at..]).map(|i| at + i) else {
            break Skipped::Eof;
        };
        let Some((next, tag)) = markup(rest, lt).map_err(|(at, why)| SkipError::Markup(at, why))?
        else {
            break Skipped::Eof;
        };
        match tag {
            Tag::Open(n) => open.push(n),
            Tag::Close(n) => match open.pop() {
                Some(o) if o == n => {}
                Some(o) => return Err(SkipError::Markup(lt, mismatch(o, n))),
                None if n == name => break Skipped::Close(lt),
                None => return Err(SkipError::Markup(lt, mismatch(name, n))),
            },
            Tag::Other => {}
        }
        at = next;
    };
    let end = match found {
        Skipped::Close(lt) => lt,
        Skipped::Eof => rest.len(),
    };
    std::str::from_utf8(&rest[..end]).map_err(|e| SkipError::Encoding(e.valid_up_to()))?;
    Ok(found)
}

fn mismatch(open: &[u8], close: &[u8]) -> String {
    format!(
        "ill-formed document: expected `</{}>`, but `</{}>` was found",
        String::from_utf8_lossy(open),
        String::from_utf8_lossy(close)
    )
}

enum Tag<'a> {
    Open(&'a [u8]),
    Close(&'a [u8]),
    /// An empty element, comment, CDATA section or processing instruction.
    Other,
}

/// The markup starting at `rest[lt] == b'<'`: its kind and the offset just
/// past it, or None when the input ends inside it.
fn markup(rest: &[u8], lt: usize) -> Result<Option<(usize, Tag<'_>)>, (usize, String)> {
    let m = &rest[lt..];
    let past =
        |pat: &[u8], from: usize| memmem::find(&m[from..], pat).map(|i| lt + from + i + pat.len());
    if m.starts_with(b"<!--") {
        return Ok(past(b"-->", 4).map(|e| (e, Tag::Other)));
    }
    if m.starts_with(b"<![CDATA[") {
        return Ok(past(b"]]>", 9).map(|e| (e, Tag::Other)));
    }
    if m.starts_with(b"<?") {
        return Ok(past(b"?>", 2).map(|e| (e, Tag::Other)));
    }
    if m.starts_with(b"<!") {
        return Err((lt, "markup declaration inside an element".into()));
    }
    let close = m.get(1) == Some(&b'/');
    let from = 1 + usize::from(close);
    let name_len = m[from..]
        .iter()
        .position(|&b| matches!(b, b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(m.len() - from);
    let name = &m[from..from + name_len];
    if name.is_empty() {
        return Err((lt, "a tag without a name".into()));
    }
    let Some(gt) = tag_end(m, from + name_len) else {
        return Ok(None);
    };
    let tag = match (close, m[gt - 1] == b'/') {
        (true, _) => Tag::Close(name),
        (false, true) => Tag::Other,
        (false, false) => Tag::Open(name),
    };
    Ok(Some((lt + gt + 1, tag)))
}

/// The offset of the `>` that ends a tag, looking past quoted attribute
/// values (which may hold `>`).
fn tag_end(m: &[u8], mut at: usize) -> Option<usize> {
    // Most tags end right after their name: no search needed.
    if m.get(at) == Some(&b'>') {
        return Some(at);
    }
    loop {
        let i = at + memchr3(b'>', b'"', b'\'', &m[at..])?;
        if m[i] == b'>' {
            return Some(i);
        }
        at = i + 1 + memchr(m[i], &m[i + 1..])? + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(s: &str) -> Result<Skipped, SkipError> {
        skip_content(s.as_bytes(), b"description", &mut Vec::new())
    }

    #[test]
    fn stops_at_the_matching_end_tag() {
        let s = r#"<p a="x>y" b='</description>'>t<br/><description>in</description></p><!-- </description> --><![CDATA[</description>]]><?pi </description>?></description><x/>"#;
        let end = s.rfind("</description>").unwrap();
        assert_eq!(skip(s), Ok(Skipped::Close(end)));
        assert_eq!(skip("</description>"), Ok(Skipped::Close(0)));
    }

    #[test]
    fn reports_mismatched_tags_and_bad_bytes() {
        assert_eq!(
            skip("<p><b></p></b></description>").unwrap_err(),
            SkipError::Markup(
                6,
                "ill-formed document: expected `</b>`, but `</p>` was found".into()
            )
        );
        assert!(matches!(
            skip("</claims>").unwrap_err(),
            SkipError::Markup(0, why) if why.contains("expected `</description>`")
        ));
        assert_eq!(
            skip_content(b"ok \xff</description>", b"description", &mut Vec::new()),
            Err(SkipError::Encoding(3))
        );
        assert!(skip("<!DOCTYPE x></description>").is_err());
        assert!(skip("< ></description>").is_err());
    }

    #[test]
    fn a_truncated_record_skips_to_the_end() {
        for s in ["<p>text", "<p a=\"x", "<!-- open", "<![CDATA[ open", "<p"] {
            assert_eq!(skip(s), Ok(Skipped::Eof), "{s}");
        }
    }

    /// Fixed-seed fuzz: wherever a generated full-text record is cut or
    /// altered, the skipper never panics and never reads past its input.
    #[test]
    fn never_panics_on_damaged_input() {
        use rand::{Rng, SeedableRng};
        let text = r#"<p id="p-1">A <b>bold</b> claim &amp; <table><row a='1'><entry>1</entry></row></table></p><!-- c --></description>"#;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..5000 {
            let mut b = text.as_bytes().to_vec();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..b.len());
                match rng.random_range(0..3) {
                    0 => b.truncate(i),
                    1 => b[i] = b"<>/\"'!?-[]x \xff"[rng.random_range(0..13)],
                    _ => {
                        b.remove(i);
                    }
                }
                if b.is_empty() {
                    break;
                }
            }
            if let Ok(Skipped::Close(at)) = skip_content(&b, b"description", &mut Vec::new()) {
                assert!(b[at..].starts_with(b"</description"));
            }
        }
    }
}
