//! Sluice engine: runs checked plans on embedded, in-process DuckDB. The only crate that links DuckDB.
//!
//! ```text
//! Plan (sluice-core) ──compile each node (DuckDB dialect)──▶ CREATE TEMP TABLE per node, in order
//!                    ──sinks──▶ staged files beside their targets ──all nodes ok──▶ renamed into place
//!                    ──events──▶ a callback shared by the CLI and the app
//! ```
//! A failed or cancelled run deletes its staged files: earlier outputs stay as they were. A check
//! node that fails with severity error stops its downstream nodes; the rest of the graph runs.

pub mod cache;
pub mod cancel;
pub mod checks;
mod deletes;
pub mod describe;
pub mod error;
pub mod events;
pub mod fingerprint;
pub mod histogram;
pub mod history;
mod incremental;
mod objects;
pub mod load;
pub mod lockdown;
pub mod preview;
pub mod profile;
mod remote;
mod reuse;
pub mod run;
pub mod settings;
pub(crate) mod sink;
mod staging;
mod inspect;

pub use cache::Cache;
pub use cancel::CancelHandle;
pub use checks::{CheckResult, CheckStatus};
pub use error::EngineError;
pub use events::{Event, RunStatus};
pub use history::{CheckBaselines, History, Recorder};
pub use load::{check_text, load_plan, Loaded};
pub use preview::Table;
pub use run::{Engine, HistoryRef, OutputProfile, RunOptions, RunSummary};
pub use settings::Settings;
