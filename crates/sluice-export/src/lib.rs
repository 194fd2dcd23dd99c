//! Exporting a checked pipeline to engines beyond one machine.
//!
//! The export compiles every node with the same catalog and the same [`Dialect`] seam the engine
//! uses, so the SQL that leaves is the SQL that ran, spelt for the target. Today the target is a
//! dbt project ([`dbt`]) in DuckDB, Spark SQL, Snowflake or PostgreSQL. This crate needs no database: it reads a [`Plan`]
//! whose schemas the engine inferred.
//!
//! [`Dialect`]: sluice_core::dialect::Dialect
//! [`Plan`]: sluice_core::Plan

pub mod dbt;
mod error;
mod write;

pub use error::ExportError;
