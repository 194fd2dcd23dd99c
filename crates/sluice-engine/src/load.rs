//! Loading a spec file into a checked plan: read, parse, resolve params, check, infer schemas.

use std::path::{Path, PathBuf};

use sluice_core::diagnostic::has_errors;
use sluice_core::dialect::DuckDb;
use sluice_core::graph::upstream;
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
    /// The plan, or the diagnostics as an error: any error refuses it (a run of the whole spec).
    pub fn into_plan(self) -> Result<Plan, EngineError> {
        match self.plan {
            Some(p) if !has_errors(&self.diagnostics) => Ok(p),
            _ => Err(EngineError::Invalid(self.diagnostics)),
        }
    }

    /// The plan for computing `target` and what it reads (a preview, a profile, its SQL, a run up
    /// to it). Only errors in the way refuse it: those of `target`, of the nodes it reads from,
    /// and of the spec as a whole (no node); a mistake further down does not stop the nodes above
    /// it. The refusal carries the errors in the way. A `target` the spec does not have is left
    /// for the engine to name.
    pub fn into_plan_for(self, target: &str) -> Result<Plan, EngineError> {
        let Some(plan) = self.plan else { return Err(EngineError::Invalid(self.diagnostics)) };
        let needed = upstream(&plan.deps(), target);
        let in_the_way: Vec<Diagnostic> = self
            .diagnostics
            .into_iter()
            .filter(|d| d.is_error() && d.node.as_ref().is_none_or(|n| needed.contains(n)))
            .collect();
        if in_the_way.is_empty() {
            Ok(plan)
        } else {
            Err(EngineError::Invalid(in_the_way))
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
/// that are known can be shown; [`Loaded::into_plan`] refuses it for running, and
/// [`Loaded::into_plan_for`] for computing a node that an error is in the way of.
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
