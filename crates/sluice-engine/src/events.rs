//! Run events, reported through one callback that the CLI (terminal or `--json`) and the app share.

use std::path::PathBuf;

use serde::Serialize;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Success,
    Failed,
    Cancelled,
}

/// Something that happened during a run.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted { pipeline: String, nodes: Vec<String> },
    NodeStarted { node: String, kind: String },
    /// `cached`: the result was reused from an earlier run or preview, not computed.
    NodeFinished { node: String, rows: u64, ms: u64, cached: bool },
    NodeFailed { node: String, code: String, error: String },
    /// A check measured its input (sent before the check node's `node_finished`).
    CheckFinished(crate::checks::CheckResult),
    /// A node's column distributions (only when the run asks for them).
    NodeHistograms { node: String, histograms: Vec<crate::histogram::Histogram> },
    /// Not run: a check upstream failed with severity error.
    NodeSkipped { node: String, reason: String },
    OutputWritten { node: String, path: PathBuf, rows: u64 },
    /// An incremental source's new mark: the next run reads the rows above it.
    SourceMark { node: String, column: String, value: String },
    /// A source tracking deletes found `deleted` keys gone since the last successful run; the
    /// merge sinks below remove their rows.
    SourceDeletes { node: String, deleted: u64 },
    /// The fitted state of the run's stateful nodes, written to the spec's state file.
    StateWritten { path: PathBuf, nodes: usize },
    /// Something went wrong that the run could go on without (its code says what: see
    /// [`crate::error::warning`]), or bad input a source reads anyway.
    Warning { node: Option<String>, code: String, message: String },
    RunFinished { status: RunStatus, ms: u64 },
}
