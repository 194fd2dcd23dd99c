//! The engine's error type, with stable codes.

use std::path::PathBuf;

use sluice_core::{CoreError, Diagnostic};

/// Errors raised while loading, running or previewing a pipeline.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The spec or a request is invalid (exit code 2).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Checking found errors; the diagnostics say where.
    #[error("{}", summary(.0))]
    Invalid(Vec<Diagnostic>),
    /// A node failed while running: the data or the SQL it met (exit code 1).
    #[error("node '{node}' failed: {message}")]
    Node { node: String, message: String },
    /// A file could not be written or moved.
    #[error("node '{node}': {path}: {source}")]
    Io { node: String, path: PathBuf, source: std::io::Error },
    /// Another process held a DuckDB sink file longer than the commit waits for it.
    #[error("node '{node}': {path} is locked by another process; gave up after waiting {waited_s} s ({message})")]
    Locked { node: String, path: PathBuf, waited_s: u64, message: String },
    /// A database source or sink could not reach, read or write its database; the message names
    /// the connection and never holds its password.
    #[error("node '{node}': {source}")]
    Connection { node: String, source: sluice_connect::ConnectError },
    /// The run was cancelled.
    #[error("run cancelled")]
    Cancelled,
    /// The run history could not be read or written.
    #[error("run history {path}: {message}")]
    History { path: PathBuf, message: String },
    /// DuckDB failed outside any node (opening, settings).
    #[error("database: {0}")]
    Database(String),
}

/// The code of a run that went through but a check of severity error failed (exit code 1).
pub const CHECK_FAILED: &str = "E600";

/// Codes of the warnings the engine reports (as [`crate::Event::Warning`] or to its callers):
/// the run goes on, but something the user should know about happened.
pub mod warning {
    /// The result cache could not be written (a full disk): the run went on without it.
    pub const CACHE_UNWRITABLE: &str = "W201";
    /// The run history could not be read: it was set aside and a new one started.
    pub const HISTORY_SET_ASIDE: &str = "W501";
    /// A source tracks deletes, but the run keeps no history to compare its keys with.
    pub const DELETES_WITHOUT_HISTORY: &str = "W502";
    /// A merge sink below a source that tracks deletes has a key without the source's key
    /// columns: the deletes cannot be matched to its rows.
    pub const DELETES_NOT_APPLIED: &str = "W503";
    /// A partitioned dataset below a source that tracks deletes keeps the deleted rows (its
    /// partitions are rewritten only where new rows fall).
    pub const DELETES_NOT_PARTITIONED: &str = "W504";
}

fn summary(d: &[Diagnostic]) -> String {
    let errors: Vec<String> = d.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    format!("{} error(s):\n  {}", errors.len(), errors.join("\n  "))
}

impl EngineError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Core(e) => e.code(),
            EngineError::Invalid(_) => "E100",
            EngineError::Node { .. } => "E200",
            EngineError::Io { .. } => "E201",
            EngineError::Locked { .. } => "E202",
            EngineError::Connection { source, .. } => source.code(),
            EngineError::Cancelled => "E300",
            EngineError::Database(_) => "E400",
            EngineError::History { .. } => "E500",
        }
    }

    /// True when the spec or the request is at fault (exit code 2), false when the data or the
    /// environment is (exit code 1).
    pub fn is_spec_fault(&self) -> bool {
        match self {
            EngineError::Core(_) => true,
            EngineError::Invalid(d) => d.iter().any(|d| d.is_error() && d.fault == sluice_core::diagnostic::Fault::Spec),
            _ => false,
        }
    }
}
