//! ingestlab: a lab for parallel database ingestion experiments.
//!
//! The data's way: `data` (generate, split, parse) → `backend` (SQLite,
//! DuckDB) → `run` (pool, lock models, overhead, measurement) →
//! `analysis` (statistics, speedup) → `report` (exports); `scenario` and
//! `experiment` drive whole sweeps, `bench` prints throughput figures.

pub mod analysis;
pub mod backend;
pub mod bench;
pub mod cli;
pub mod data;
pub mod experiment;
pub mod plot;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sim;
