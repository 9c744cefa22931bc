//! Why a record was rejected: the kind of fault, for callers and tests
//! that branch on it, and the reason `app_errors.reason` stores.

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
