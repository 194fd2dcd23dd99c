//! The state file: what a run fitted for each stateful node (categories, means and standard
//! deviations, bin edges, encodings), so that `sluice run --state FILE` computes the same
//! features from the same raw rows in serving as in training.
//!
//! Versioned JSON, one entry per node, with the kind and the params it was fitted with: applying
//! a state to a node whose kind or params changed since would silently skew the features, so it
//! is refused with the node named.

use std::path::Path;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{CoreError, Plan};

/// The state file format this build reads and writes.
pub const STATE_VERSION: u32 = 1;

/// A state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// Always [`STATE_VERSION`].
    pub sluice_state: u32,
    pub pipeline: String,
    /// When the state was fitted (the run's start, `YYYY-MM-DD HH:MM:SS`).
    pub fitted_at: String,
    /// Rows each node was fitted on, and what it fitted, by node id.
    pub nodes: IndexMap<String, NodeState>,
}

/// What one node fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeState {
    pub kind: String,
    /// The node's params (placeholders filled) when it was fitted.
    pub params: Value,
    /// The fitted parameters, by name (one row of the kind's fit query).
    pub state: Map<String, Value>,
}

impl StateFile {
    pub fn new(pipeline: &str, fitted_at: &str) -> Self {
        StateFile { sluice_state: STATE_VERSION, pipeline: pipeline.into(), fitted_at: fitted_at.into(), nodes: IndexMap::new() }
    }

    /// Read a state file and check that it holds a state for every stateful node of `plan` that
    /// `order` runs, fitted by the same kind with the same params.
    pub fn read(path: &Path, plan: &Plan, order: &[String]) -> Result<Self, CoreError> {
        let err = |message: String| CoreError::State { path: path.to_path_buf(), message };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let file: StateFile = serde_json::from_str(&text).map_err(|e| err(format!("not a Sluice state file: {e}")))?;
        if file.sluice_state != STATE_VERSION {
            return Err(err(format!("state format {} is not the one this build reads ({STATE_VERSION})", file.sluice_state)));
        }
        for id in order {
            let Some(node) = plan.nodes.get(id) else { continue };
            if !node.kind.stateful() {
                continue;
            }
            let kind = node.kind.info().id;
            let Some(saved) = file.nodes.get(id) else {
                return Err(err(format!("no fitted state for node '{id}' ({kind}); fit it with a run that writes this file")));
            };
            if saved.kind != kind {
                return Err(err(format!("node '{id}' was fitted as {}, it is {kind} now", saved.kind)));
            }
            if saved.params != node.params {
                return Err(err(format!(
                    "the params of node '{id}' changed since it was fitted ({}); refit it before applying",
                    changed_keys(&saved.params, &node.params).join(", ")
                )));
            }
        }
        Ok(file)
    }

    /// Write the file through a staged copy in the same folder, so a reader never sees half of it.
    pub fn write(&self, path: &Path) -> Result<(), CoreError> {
        let err = |message: String| CoreError::State { path: path.to_path_buf(), message };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| err(e.to_string()))? + "\n";
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        // A temporary file beside the target, renamed over it: dropped (deleted) on failure.
        let mut tmp = tempfile::Builder::new()
            .prefix(".state.")
            .suffix(".sluice-tmp")
            .tempfile_in(dir)
            .map_err(|e| err(e.to_string()))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(|e| err(e.to_string()))?;
        // Readable like the outputs beside it (a temporary file starts private).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644));
        }
        tmp.persist(path).map(|_| ()).map_err(|e| err(e.error.to_string()))
    }
}

/// The top-level params that differ, for messages.
fn changed_keys(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else { return vec!["params".into()] };
    let mut keys: Vec<String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).cloned().collect();
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_and_names_changed_params() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.json");
        let mut f = StateFile::new("p", "2026-01-01 00:00:00");
        let state = json!({"x.mean": 0.1, "x.std": 2.5}).as_object().unwrap().clone();
        f.nodes.insert("scale".into(), NodeState { kind: "scale".into(), params: json!({"columns": ["x"]}), state });
        f.write(&path).unwrap();
        let back: StateFile = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(back, f);
        assert_eq!(changed_keys(&json!({"a": 1, "b": 2}), &json!({"a": 1, "b": 3, "c": 0})), ["b", "c"]);
    }
}
