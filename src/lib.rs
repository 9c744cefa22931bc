//! ingestlab: a lab for parallel database ingestion experiments.
//!
//! The data's way, each layer importing only the ones before it:
//! `data` (generate, split, parse) → `backend` (SQLite, DuckDB) → `run`
//! (plan, pool, lock models, overhead, duplicate rule, verification) →
//! `scenario` (sweeps, facets) → `analysis` (statistics, speedup, fits,
//! comparisons) → `report` (exports) → `plot` (figures); `experiment`
//! runs sweeps, `sim` simulates them, `bench` measures throughput, and
//! `cli` (the only user of clap) sits on top. `choice`, `engine_build`,
//! `machine`, `refused` and `store` are leaves any layer may use. ARCHITECTURE.md has the map.

#![warn(missing_docs)]

pub mod analysis;
pub mod backend;
pub mod bench;
pub mod choice;
pub mod cli;
pub mod data;
pub mod engine_build;
pub mod experiment;
pub mod machine;
pub mod plot;
pub mod refused;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod store;
