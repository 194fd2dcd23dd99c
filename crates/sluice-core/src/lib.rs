//! Sluice core: the pipeline spec, the node catalog, validation, schema inference and SQL compilation.
//!
//! ```text
//! spec file ──parse──▶ Spec ──resolve params──▶ node params with ${..} filled
//!           ──validate (graph + per kind)──▶ Diagnostics tagged with node ids
//!           ──infer schemas (pure, or with a Describer for SQL expressions and files)──▶ Plan
//!           ──compile (through a Dialect)──▶ one SQL relation per node, a write plan per sink
//! ```
//!
//! Nothing here links a database: the engine crate supplies a [`plan::Describer`] that binds SQL
//! to learn result types, and runs the compiled SQL.

pub mod catalog;
pub mod civil;
pub mod diagnostic;
pub mod dialect;
pub mod error;
pub mod files;
pub mod graph;
pub mod json_path;
pub mod objects;
pub mod plan;
pub mod remote;
pub mod schema;
pub mod sheet;
pub mod sql_fragment;
pub mod sql_text;
pub mod sql_translate;
pub mod spec;
pub mod state;
pub mod stats;
pub mod suggest;

pub use diagnostic::{Diagnostic, Severity};
pub use error::CoreError;
pub use plan::{Plan, PlannedNode};
pub use schema::{Column, Schema};
pub use spec::Spec;
