//! Files the app keeps: specs saved atomically in canonical form, the recent-files list, and the
//! autosaved recovery copy offered after a crash.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ApiError;

/// Where the app keeps its own state (`$SLUICE_STATE_DIR`, else `$XDG_STATE_HOME/sluice`, else
/// `~/.local/state/sluice`).
pub fn state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("SLUICE_STATE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(d).join("sluice");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/state/sluice")
}

/// Write `bytes` to `path` through a temp file and a rename: a crash never leaves half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let io = |e: std::io::Error| ApiError::new("A010", format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("sluice-save-tmp");
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// The spec in its canonical on-disk form (stable key order, two-space indent). Refuses a
/// document that is not a spec at all; a spec with node errors is still saved (work is never lost).
pub fn canonical_text(doc: &Value) -> Result<String, ApiError> {
    let (spec, diags) = sluice_core::spec::parse(&doc.to_string());
    match spec {
        Some(s) => Ok(s.to_pretty_json()),
        None => Err(ApiError { diagnostics: diags, ..ApiError::new("A011", "the document is not a spec") }),
    }
}

/// The recovery copy of unsaved work.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recovery {
    /// The spec as it was in the editor.
    pub spec: Value,
    /// The file it belongs to, if it was ever saved.
    pub path: Option<PathBuf>,
    /// Seconds since the Unix epoch.
    pub saved_at: u64,
}

fn recovery_path() -> PathBuf {
    state_dir().join("recovery.json")
}

pub fn autosave(spec: Value, path: Option<PathBuf>) -> Result<(), ApiError> {
    let saved_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let r = Recovery { spec, path, saved_at };
    write_atomic(&recovery_path(), serde_json::to_string(&r).unwrap().as_bytes())
}

pub fn recovery() -> Option<Recovery> {
    let text = std::fs::read_to_string(recovery_path()).ok()?;
    serde_json::from_str(&text).ok()
}

pub fn clear_recovery() -> Result<(), ApiError> {
    match std::fs::remove_file(recovery_path()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ApiError::new("A012", format!("recovery file: {e}"))),
    }
}

const MAX_RECENT: usize = 10;

pub fn recent_files() -> Vec<PathBuf> {
    std::fs::read_to_string(state_dir().join("recent.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Vec<PathBuf>>(&t).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.is_file())
        .collect()
}

pub fn add_recent(path: &Path) {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut list = recent_files();
    list.retain(|p| p != &path);
    list.insert(0, path);
    list.truncate(MAX_RECENT);
    let _ = write_atomic(&state_dir().join("recent.json"), serde_json::to_string_pretty(&list).unwrap().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn canonical_text_orders_keys_and_refuses_non_specs() {
        let doc = serde_json::json!({"nodes": [], "name": "x", "version": 1});
        assert_eq!(canonical_text(&doc).unwrap(), "{\n  \"version\": 1,\n  \"name\": \"x\",\n  \"nodes\": []\n}\n");
        assert_eq!(canonical_text(&serde_json::json!([1])).unwrap_err().code, "A011");
    }
}
