//! `sluice run --report FILE.html`: the run's events, summary and output profiles gathered into
//! the document `sluice-report` renders, written atomically (a staged file renamed into place).
//!
//! The report is written for failed runs too: a run that stops on a broken node or a failed check
//! is the one people most need to read about.

use std::path::Path;

use indexmap::IndexMap;
use serde_json::{json, Value};
use sluice_core::{Plan, Spec};
use sluice_engine::{EngineError, Event, RunStatus, RunSummary};

/// What the events say about each node.
#[derive(Default)]
pub struct ReportLog {
    nodes: IndexMap<String, Value>,
    checks: IndexMap<String, String>,
    status: Option<RunStatus>,
    ms: u64,
}

impl ReportLog {
    pub fn observe(&mut self, e: &Event) {
        match e {
            Event::NodeFinished { node, rows, ms, cached } => {
                self.nodes.insert(node.clone(), json!({"status": "done", "rows": rows, "ms": ms, "cached": cached}));
            }
            Event::NodeFailed { node, error, .. } => {
                self.nodes.insert(node.clone(), json!({"status": "failed", "error": error}));
            }
            Event::NodeSkipped { node, reason } => {
                self.nodes.insert(node.clone(), json!({"status": "skipped", "reason": reason}));
            }
            Event::CheckFinished(c) => {
                let status = serde_json::to_value(c.status).unwrap_or(Value::Null);
                self.checks.insert(c.node.clone(), status.as_str().unwrap_or_default().to_string());
            }
            Event::RunFinished { status, ms } => {
                self.status = Some(*status);
                self.ms = *ms;
            }
            _ => {}
        }
    }
}

/// Everything the report shows about one run.
pub struct RunFacts<'a> {
    pub plan: &'a Plan,
    pub spec: Option<&'a Spec>,
    pub spec_path: &'a Path,
    pub run_id: Option<&'a str>,
    pub started_at: String,
    pub log: &'a ReportLog,
    pub result: Result<&'a RunSummary, &'a EngineError>,
}

/// The document `sluice_report::render` takes.
pub fn document(f: &RunFacts<'_>) -> Value {
    let layout = |id: &str| f.spec.and_then(|s| s.layout.get(id)).map(|p| (p.x, p.y));
    let nodes: Vec<Value> = f
        .plan
        .order
        .iter()
        .filter_map(|id| f.plan.nodes.get(id))
        .map(|n| {
            let info = n.kind.info();
            let state = f.log.nodes.get(&n.id);
            let field = |k: &str| state.and_then(|s| s.get(k)).cloned().unwrap_or(Value::Null);
            let mut v = json!({
                "id": n.id,
                "kind": info.id,
                "category": info.category,
                "status": state.and_then(|s| s.get("status")).and_then(Value::as_str).unwrap_or("not_run"),
                "rows": field("rows"),
                "ms": field("ms"),
                "cached": field("cached").as_bool().unwrap_or(false),
                "inputs": n.inputs,
            });
            if let Some((x, y)) = layout(&n.id) {
                v["x"] = json!(x);
                v["y"] = json!(y);
            }
            if let Some(c) = f.log.checks.get(&n.id) {
                v["check_status"] = json!(c);
            }
            if let Some(e) = state.and_then(|s| s.get("error")) {
                v["error"] = e.clone();
            }
            v
        })
        .collect();
    let status = match (&f.result, f.log.status) {
        (Ok(s), _) => s.status,
        (Err(_), Some(s)) => s,
        (Err(EngineError::Cancelled), None) => RunStatus::Cancelled,
        (Err(_), None) => RunStatus::Failed,
    };
    let (checks, outputs, ms) = match f.result {
        Ok(s) => (
            serde_json::to_value(&s.checks).unwrap_or(Value::Null),
            s.written
                .iter()
                .map(|o| json!({"node": o.node, "path": o.path, "rows": o.rows, "profile": o.profile, "error": o.error, "cached": o.cached}))
                .collect::<Vec<_>>(),
            s.ms,
        ),
        Err(_) => (json!([]), vec![], f.log.ms),
    };
    json!({
        "pipeline": f.plan.name,
        "run": {
            "run_id": f.run_id,
            "started_at": f.started_at,
            "ms": ms,
            "status": status,
            "params": f.plan.params,
            "spec_path": f.spec_path.canonicalize().unwrap_or(f.spec_path.to_path_buf()),
            "error": f.result.err().map(|e| e.to_string()),
        },
        "nodes": nodes,
        "checks": checks,
        "outputs": outputs,
    })
}

/// Write `html` to `path` through a staged file in the same folder, so a reader never sees half
/// a report and a failed write leaves the previous one.
pub fn write(path: &Path, html: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "report.html".into());
    let tmp = dir.join(format!(".{name}.{}.sluice-tmp", std::process::id()));
    std::fs::write(&tmp, html).and_then(|()| std::fs::rename(&tmp, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
