//! Why data were rejected: a record's kind of fault (for callers and tests
//! that branch on it) with the reason `app_errors.reason` stores, and why a
//! file cannot be split into records at all.

/// What kind of fault made a record's rejection, for callers and tests
/// that branch on it (the reason's text says where and what exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Fault {
    /// A character XML 1.0 does not allow (U+0000, U+001B, U+FFFF...).
    ForbiddenChar,
    /// Bytes that are not UTF-8.
    Encoding,
    /// Markup that is not well-formed: a tag, an entity or character
    /// reference, an attribute.
    NotWellFormed,
    /// The record ends with elements still open (truncated).
    Truncated,
    /// No `<us-patent-application>` root, or a second or other root.
    WrongRoot,
    /// A required field is missing or empty.
    MissingField,
    /// A date that is not a valid YYYYMMDD.
    InvalidDate,
}

/// A fault and its reason, as the parser's steps return them.
pub(super) type Failed = (Fault, String);

/// Why a record was rejected. The text is what `app_errors.reason` stores.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ParseError {
    /// The kind of fault.
    pub kind: Fault,
    /// What was wrong, with the byte offset where the parser knows it.
    pub reason: String,
    /// The app_id when it could be read before the failure.
    pub app_id: Option<String>,
}

/// Why a file cannot be split into records (the splitter's refusals; a
/// read error stays an I/O error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not a file on disk (a pipe, a device, a folder).
    #[error(
        "input file '{0}' is not a regular file (ingestlab reads records by their position in the file, so it needs a file on disk, not a pipe or a device)"
    )]
    NotRegularFile(String),
    /// UTF-16 with a byte-order mark.
    #[error(
        "the file is UTF-16 (it starts with a UTF-16 byte-order mark); ingestlab reads UTF-8: convert it first, e.g. `iconv -f UTF-16 -t UTF-8 in.xml > out.xml`"
    )]
    Utf16Bom,
    /// UTF-16 without one (NUL bytes between the characters).
    #[error(
        "the file looks like UTF-16 without a byte-order mark (NUL bytes between the characters); ingestlab reads UTF-8: convert it first, e.g. `iconv -f UTF-16LE -t UTF-8 in.xml > out.xml`"
    )]
    Utf16NoBom,
    /// Its first character is not '<'.
    #[error("not an XML file (first character is not '<' but {0:?})")]
    NotXml(String),
    /// No `<us-patent-application>` root anywhere.
    #[error("no <us-patent-application> record found")]
    NoRecords,
}
