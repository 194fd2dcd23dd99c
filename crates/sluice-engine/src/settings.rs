//! Engine settings: memory limit, threads and the spill directory, so larger-than-memory data
//! spills to disk instead of failing.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// DuckDB settings applied to every connection the engine opens.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Settings {
    /// e.g. `"4GB"`; DuckDB's default is 80% of RAM.
    pub memory_limit: Option<String>,
    /// Worker threads; DuckDB's default is one per core.
    pub threads: Option<usize>,
    /// Where operators spill when over the memory limit.
    pub temp_directory: Option<PathBuf>,
    /// Folders outside the spec's own that its outputs and state file may be written to: the
    /// user's consent (`--allow-write DIR`, `SLUICE_ALLOW_WRITE` as a `:`-separated list).
    #[serde(default)]
    pub allow_write: Vec<PathBuf>,
}

impl Settings {
    /// Settings from `SLUICE_MEMORY_LIMIT`, `SLUICE_THREADS` and `SLUICE_TEMP_DIR`.
    pub fn from_env() -> Self {
        Settings {
            memory_limit: std::env::var("SLUICE_MEMORY_LIMIT").ok().filter(|s| !s.is_empty()),
            threads: std::env::var("SLUICE_THREADS").ok().and_then(|s| s.parse().ok()),
            temp_directory: std::env::var_os("SLUICE_TEMP_DIR").map(PathBuf::from),
            allow_write: std::env::var_os("SLUICE_ALLOW_WRITE")
                .map(|v| std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()).collect())
                .unwrap_or_default(),
        }
    }

    pub(crate) fn statements(&self) -> Vec<String> {
        let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
        let mut out = vec!["SET preserve_insertion_order = true".to_string()];
        if let Some(m) = &self.memory_limit {
            out.push(format!("SET memory_limit = {}", q(m)));
        }
        if let Some(t) = self.threads {
            out.push(format!("SET threads = {t}"));
        }
        if let Some(d) = &self.temp_directory {
            out.push(format!("SET temp_directory = {}", q(&d.to_string_lossy())));
        }
        out
    }
}
