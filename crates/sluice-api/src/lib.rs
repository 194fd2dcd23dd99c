//! The desktop app's command layer: plain functions over the same core and engine the CLI uses.
//! The Tauri shell calls them from its commands; the browser bridge (`sluice-bridge`) serves them
//! over HTTP so the UI can be tested in a plain browser against the real engine.
//!
//! Requests and responses are JSON; errors cross the boundary as `{code, message, diagnostics}`.

pub mod bridge;
pub mod connections;
pub mod error;
pub mod files;
pub mod service;

pub use error::ApiError;
pub use service::Service;
