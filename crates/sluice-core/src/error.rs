//! The core crate's error type. Every variant has a stable code that the CLI and the app show.

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;

/// Errors raised by the core crate.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The spec file could not be read.
    #[error("cannot read spec file {path}: {source}")]
    ReadSpec { path: PathBuf, source: std::io::Error },
    /// The spec is invalid; the diagnostics say where.
    #[error("the spec has {} error(s)", .0.iter().filter(|d| d.is_error()).count())]
    Invalid(Vec<Diagnostic>),
    /// A node id was asked for that the spec does not have.
    #[error("no node with id '{0}' in the spec")]
    UnknownNode(String),
    /// A node could not be compiled to SQL.
    #[error("node '{node}': {message}")]
    Compile { node: String, message: String },
    /// A `--param name=value` override was malformed or names no param.
    #[error("parameter override '{0}': {1}")]
    ParamOverride(String, String),
    /// A state file could not be read or does not fit the spec.
    #[error("state file {path}: {message}")]
    State { path: PathBuf, message: String },
}

impl CoreError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::ReadSpec { .. } => "C001",
            CoreError::Invalid(_) => "C002",
            CoreError::UnknownNode(_) => "C003",
            CoreError::Compile { .. } => "C004",
            CoreError::ParamOverride(..) => "C005",
            CoreError::State { .. } => "C006",
        }
    }
}
