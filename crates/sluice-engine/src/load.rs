//! Loading a spec file into a checked plan: read, parse, resolve params, check, infer schemas.

use std::path::{Path, PathBuf};

use sluice_core::diagnostic::has_errors;
use sluice_core::dialect::DuckDb;
use sluice_core::plan::{plan, PlanOptions};
use sluice_core::{CoreError, Diagnostic, Plan, Spec};

use crate::describe::DuckDescriber;
use crate::run::Engine;
use crate::EngineError;

/// A loaded spec: the plan when it is valid, and every diagnostic.
pub struct Loaded {
    pub spec: Option<Spec>,
    pub plan: Option<Plan>,
    pub diagnostics: Vec<Diagnostic>,
    pub path: PathBuf,
}

impl Loaded {
    /// The plan, or the diagnostics as an error.
    pub fn into_plan(self) -> Result<Plan, EngineError> {
        match self.plan {
            Some(p) if !has_errors(&self.diagnostics) => Ok(p),
            _ => Err(EngineError::Invalid(self.diagnostics)),
        }
    }
}

/// Read and check the spec at `path`. A file that cannot be read is an error; everything wrong
/// inside it is reported as diagnostics.
pub fn load_plan(engine: &Engine, path: &Path, overrides: &[(String, String)]) -> Result<Loaded, EngineError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| CoreError::ReadSpec { path: path.to_path_buf(), source })?;
    let base_dir = path
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(check_text(engine, &text, &base_dir, overrides, path))
}

/// Check spec text as if it were a file in `base_dir` (the app checks unsaved documents this way).
/// Unlike [`load_plan`], the plan is kept even when some nodes have errors, so that the schemas
/// that are known can be shown; [`Loaded::into_plan`] refuses it for running.
pub fn check_text(engine: &Engine, text: &str, base_dir: &Path, overrides: &[(String, String)], path: &Path) -> Loaded {
    let (spec, mut diags) = sluice_core::spec::parse(text);
    let Some(spec) = spec else {
        return Loaded { spec: None, plan: None, diagnostics: diags, path: path.to_path_buf() };
    };
    let describer = DuckDescriber(engine);
    let opts = PlanOptions { overrides: overrides.to_vec(), describer: Some(&describer), allow_write: engine.allow_write().to_vec() };
    let (mut plan, more) = plan(&spec, base_dir, &DuckDb, &opts);
    diags.extend(more);
    // What DuckDB's sniffer reads past silently in CSV files (empty files, ragged rows, ...).
    if let Some(p) = plan.as_mut() {
        let found = crate::inspect::csv_sources(p, &diags);
        p.warnings.extend(found.iter().filter(|d| !d.is_error()).cloned());
        diags.extend(found);
    }
    Loaded { spec: Some(spec), plan, diagnostics: diags, path: path.to_path_buf() }
}
