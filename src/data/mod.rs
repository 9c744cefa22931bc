//! The data's way in: generating mock records, splitting a file into
//! records, and parsing each record into a typed row.

pub mod fault;
pub mod generate;
pub mod parse;
pub mod record;
mod skip;
pub mod split;

pub use record::{AppRecord, Checksum, Quarantined};
