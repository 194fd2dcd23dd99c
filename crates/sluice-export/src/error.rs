//! The export crate's error type. Every variant has a stable code that the CLI shows.

use std::path::PathBuf;

use sluice_core::Diagnostic;

/// Errors raised while exporting.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Nodes the target dialect cannot express; each diagnostic names one.
    #[error("{} node(s) cannot be exported to {dialect}: {}", .nodes.len(), names(.nodes))]
    Unsupported { dialect: &'static str, nodes: Vec<Diagnostic> },
    /// The output folder could not be written.
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    /// The output folder holds files that are not an exported project; they are left alone.
    #[error("{path} exists and is not a project exported by sluice; choose an empty or new folder")]
    NotOurs { path: PathBuf },
    /// The plan could not be compiled.
    #[error(transparent)]
    Core(#[from] sluice_core::CoreError),
}

fn names(nodes: &[Diagnostic]) -> String {
    nodes.iter().filter_map(|d| d.node.clone()).collect::<Vec<_>>().join(", ")
}

impl ExportError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            ExportError::Unsupported { .. } => "X001",
            ExportError::Write { .. } => "X002",
            ExportError::NotOurs { .. } => "X003",
            ExportError::Core(e) => e.code(),
        }
    }
}
