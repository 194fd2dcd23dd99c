//! Run history: every run, from the app or the CLI, recorded in a DuckDB file in a state folder
//! beside the spec (`.sluice/history.duckdb` by default). A run records its spec hash, params,
//! input file fingerprints, times, status, each node's rows and time, its check results, and the
//! column distributions drift checks without a reference input compare later runs with; later
//! runs read it (the row-count change and drift checks compare with the last successful run).
//!
//! Recording never fails a run: the caller reports a history error as a warning.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use duckdb::{params, Connection};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;
use sluice_core::catalog::check_drift::ColumnBaseline;
use sluice_core::Plan;
use std::collections::BTreeMap;

use crate::events::{Event, RunStatus};
use crate::run::clean_message;
use crate::EngineError;

/// The history file used for a spec when none is configured: `.sluice/history.duckdb` beside it.
pub fn default_dir(spec_path: &Path) -> PathBuf {
    let dir = spec_path.canonicalize().ok().and_then(|p| p.parent().map(Path::to_path_buf)).unwrap_or_default();
    dir.join(".sluice")
}

/// What the spec hash covers: everything but the layout, so moving a box keeps the hash.
pub fn spec_logic(spec: &sluice_core::Spec) -> Value {
    let mut v = serde_json::to_value(spec).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("layout");
    }
    v
}

/// A history file that could not be read, renamed so that a new store could start.
#[derive(Debug, Clone)]
pub struct SetAside {
    pub path: PathBuf,
    /// Its new name.
    pub aside: PathBuf,
    /// Why it could not be read.
    pub reason: String,
}

impl std::fmt::Display for SetAside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run history {} could not be read ({}): set aside as {}, a new history starts",
            self.path.display(),
            self.reason,
            self.aside.display()
        )
    }
}

impl SetAside {
    /// The warning code ([`crate::error::warning::HISTORY_SET_ASIDE`]).
    pub fn code(&self) -> &'static str {
        crate::error::warning::HISTORY_SET_ASIDE
    }
}

/// `YYYYmmdd-HHMMSS` in UTC.
fn timestamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = sluice_core::civil::civil_date(days);
    format!("{year:04}{month:02}{day:02}-{:02}{:02}{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The history store in `dir`.
#[derive(Debug, Clone)]
pub struct History {
    pub path: PathBuf,
}

/// What a run left in the history.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    pub run_id: String,
    pub pipeline: String,
    pub spec_path: String,
    /// SHA-256 of the spec's logic (nodes and params, not the layout).
    pub spec_hash: String,
    pub params: Value,
    /// Each source file: path, size in bytes and modification time (seconds since the epoch).
    pub inputs: Value,
    /// Milliseconds since the epoch.
    pub started_ms: i64,
    pub finished_ms: i64,
    pub status: String,
    /// `cli` or `app`.
    pub source: String,
    pub error: Option<String>,
    pub nodes: Vec<NodeRecord>,
    pub checks: Vec<Value>,
    /// Column distributions stored for later drift checks: node, column, baseline.
    #[serde(skip)]
    pub baselines: Vec<(String, String, ColumnBaseline)>,
    /// The mark each incremental source reached: node, cursor column, source identity, value.
    pub marks: Vec<(String, String, String, String)>,
}

/// One node of a recorded run.
#[derive(Debug, Clone, Serialize)]
pub struct NodeRecord {
    pub node: String,
    /// `done`, `cached` (reused from the result cache), `failed` or `skipped`.
    pub status: String,
    pub rows: Option<u64>,
    pub ms: Option<u64>,
}

/// Builds a [`RunRecord`] from a run's events, whatever way the run ends.
pub struct Recorder {
    record: RunRecord,
    nodes: IndexMap<String, NodeRecord>,
    /// How each incremental source reads (see [`source_identity`]).
    sources: IndexMap<String, String>,
}

/// What a mark is valid for: the source's params. A mark reached reading other files, or with
/// another cursor column, is not used.
pub fn source_identity(params: &Value) -> String {
    serde_json::to_string(params).unwrap_or_default()
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Recorder {
    /// Start recording a run of `plan` loaded from `spec_path`. `spec_logic` is the spec's
    /// nodes and params as JSON (hashed, so moving a box does not change the hash).
    pub fn new(conn: &Connection, plan: &Plan, spec_path: &Path, spec_logic: &Value, source: &str) -> Self {
        let text = serde_json::to_string(spec_logic).unwrap_or_default();
        let hash: String = conn.query_row("SELECT sha256(?)", params![text], |r| r.get(0)).unwrap_or_default();
        let run_id: String = conn
            .query_row(
                "SELECT strftime(now()::TIMESTAMP, '%Y%m%d-%H%M%S') || '-' || substr(md5(random()::VARCHAR), 1, 6)",
                [],
                |r| r.get(0),
            )
            .unwrap_or_else(|_| format!("run-{}", now_ms()));
        let record = RunRecord {
            run_id,
            pipeline: plan.name.clone(),
            spec_path: spec_path.canonicalize().unwrap_or(spec_path.to_path_buf()).to_string_lossy().to_string(),
            spec_hash: hash,
            params: serde_json::to_value(&plan.params).unwrap_or(Value::Null),
            inputs: input_fingerprints(conn, plan),
            started_ms: now_ms(),
            finished_ms: 0,
            status: "running".into(),
            source: source.into(),
            error: None,
            nodes: vec![],
            checks: vec![],
            baselines: vec![],
            marks: vec![],
        };
        let sources = plan.nodes.iter().map(|(id, n)| (id.clone(), source_identity(&n.params))).collect();
        Recorder { record, nodes: IndexMap::new(), sources }
    }

    pub fn run_id(&self) -> &str {
        &self.record.run_id
    }

    /// Take note of one run event.
    pub fn observe(&mut self, e: &Event) {
        match e {
            Event::NodeFinished { node, rows, ms, cached } => {
                let status = if *cached { "cached" } else { "done" };
                self.nodes.insert(node.clone(), NodeRecord { node: node.clone(), status: status.into(), rows: Some(*rows), ms: Some(*ms) });
            }
            Event::NodeFailed { node, error, .. } => {
                self.nodes.insert(node.clone(), NodeRecord { node: node.clone(), status: "failed".into(), rows: None, ms: None });
                self.record.error = Some(error.clone());
            }
            Event::NodeSkipped { node, .. } => {
                self.nodes.insert(node.clone(), NodeRecord { node: node.clone(), status: "skipped".into(), rows: None, ms: None });
            }
            Event::CheckFinished(c) => {
                self.record.checks.push(serde_json::to_value(c).unwrap_or(Value::Null));
                for (column, b) in c.baseline.iter().flatten() {
                    self.record.baselines.push((c.node.clone(), column.clone(), b.clone()));
                }
            }
            Event::SourceMark { node, column, value } => {
                let source = self.sources.get(node).cloned().unwrap_or_default();
                self.record.marks.push((node.clone(), column.clone(), source, value.clone()));
            }
            Event::RunFinished { status, .. } => {
                self.record.status = match status {
                    RunStatus::Success => "success",
                    RunStatus::Failed => "failed",
                    RunStatus::Cancelled => "cancelled",
                }
                .into();
            }
            _ => {}
        }
    }

    /// The record, once the run is over; `error` is the run's error when it did not finish.
    pub fn finish(mut self, error: Option<&EngineError>) -> RunRecord {
        self.record.finished_ms = now_ms();
        if let Some(e) = error {
            self.record.error.get_or_insert_with(|| e.to_string());
            if self.record.status == "running" {
                self.record.status = "failed".into();
            }
        }
        self.record.nodes = self.nodes.into_values().collect();
        self.record
    }
}

/// Size and modification time of every file the plan's sources read.
fn input_fingerprints(conn: &Connection, plan: &Plan) -> Value {
    let mut out = Vec::new();
    for (id, node) in &plan.nodes {
        if node.kind.info().category != sluice_core::catalog::Category::Source {
            continue;
        }
        let Some(p) = node.params.get("path").and_then(Value::as_str) else { continue };
        let pattern = sluice_core::catalog::resolve_path(&plan.base_dir, p).to_string_lossy().to_string();
        let files: Vec<String> = conn
            .prepare("SELECT file FROM glob(?) ORDER BY file")
            .and_then(|mut s| s.query_map(params![pattern], |r| r.get::<_, String>(0))?.collect())
            .unwrap_or_default();
        for f in files {
            let meta = std::fs::metadata(&f).ok();
            let modified = meta
                .as_ref()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_secs());
            out.push(serde_json::json!({"node": id, "path": f, "bytes": meta.map(|m| m.len()), "modified": modified}));
        }
    }
    Value::Array(out)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
INSERT OR IGNORE INTO meta VALUES ('schema_version', '1');
CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY, pipeline VARCHAR, spec_path VARCHAR, spec_hash VARCHAR,
  params JSON, inputs JSON, started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR,
  source VARCHAR, error VARCHAR);
CREATE TABLE IF NOT EXISTS node_runs (run_id VARCHAR, node VARCHAR, status VARCHAR, rows BIGINT, ms BIGINT);
CREATE TABLE IF NOT EXISTS check_results (run_id VARCHAR, node VARCHAR, result JSON);
CREATE TABLE IF NOT EXISTS column_baselines (run_id VARCHAR, node VARCHAR, column_name VARCHAR, baseline JSON);
CREATE TABLE IF NOT EXISTS cursor_marks (run_id VARCHAR, node VARCHAR, column_name VARCHAR, source VARCHAR, value VARCHAR);
CREATE TABLE IF NOT EXISTS source_keys (spec_path VARCHAR, node VARCHAR, source VARCHAR, key VARCHAR);
";

/// A run as listed by `sluice runs`.
#[derive(Debug, Clone, Serialize)]
pub struct RunListing {
    pub run_id: String,
    pub pipeline: String,
    pub started_at: String,
    pub ms: i64,
    pub status: String,
    pub source: String,
    pub failed_checks: i64,
}

impl History {
    pub fn in_dir(dir: &Path) -> Self {
        History { path: dir.join("history.duckdb") }
    }

    /// Set aside a history file that cannot be opened (0 bytes, not a DuckDB database, damaged):
    /// it is renamed `history.duckdb.broken-<YYYYmmdd-HHMMSS>` (its `.wal` too) and an empty store
    /// is made in its place, so that one damaged file does not fail every later run and listing.
    /// Returns what was set aside, for the caller to warn about. A file another process holds is
    /// not damaged and is left alone.
    pub fn recover(&self) -> Result<Option<SetAside>, EngineError> {
        let Ok(meta) = std::fs::metadata(&self.path) else { return Ok(None) };
        let reason = if meta.len() == 0 {
            "the file is empty (0 bytes)".to_string()
        } else {
            match Connection::open(&self.path).and_then(|c| c.execute_batch(SCHEMA).map(|()| c)) {
                Ok(_) => return Ok(None),
                Err(e) => {
                    let m = clean_message(&e);
                    if m.contains("Could not set lock") || m.contains("Conflicting lock") {
                        return Ok(None);
                    }
                    m
                }
            }
        };
        let err = |m: String| EngineError::History { path: self.path.clone(), message: m };
        let name = self.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let stamp = timestamp(SystemTime::now());
        let mut aside = self.path.with_file_name(format!("{name}.broken-{stamp}"));
        // Never over an earlier one set aside in the same second.
        for n in 1.. {
            if !aside.exists() {
                break;
            }
            aside = self.path.with_file_name(format!("{name}.broken-{stamp}-{n}"));
        }
        match std::fs::rename(&self.path, &aside) {
            Ok(()) => {}
            // Another run set it aside first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(err(format!("{reason}; setting it aside as {}: {e}", aside.display()))),
        }
        let wal = |p: &Path| PathBuf::from(format!("{}.wal", p.display()));
        if wal(&self.path).exists() {
            let _ = std::fs::rename(wal(&self.path), wal(&aside));
        }
        self.open(true)?;
        Ok(Some(SetAside { path: self.path.clone(), aside, reason }))
    }

    /// Open the store, waiting a little if another run holds it.
    fn open(&self, create: bool) -> Result<Connection, EngineError> {
        let err = |m: String| EngineError::History { path: self.path.clone(), message: m };
        if !create && !self.path.is_file() {
            return Err(err("no run history here yet".into()));
        }
        if let Some(d) = self.path.parent() {
            std::fs::create_dir_all(d).map_err(|e| err(e.to_string()))?;
        }
        let mut last = String::new();
        for _ in 0..20 {
            match Connection::open(&self.path) {
                Ok(c) => {
                    c.execute_batch(SCHEMA).map_err(|e| err(clean_message(&e)))?;
                    return Ok(c);
                }
                Err(e) => {
                    last = clean_message(&e);
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        Err(err(last))
    }

    /// Add a finished run.
    pub fn record(&self, r: &RunRecord) -> Result<(), EngineError> {
        let err = |e: duckdb::Error| EngineError::History { path: self.path.clone(), message: clean_message(&e) };
        let mut conn = self.open(true)?;
        let tx = conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, epoch_ms(?::BIGINT), epoch_ms(?::BIGINT), ?, ?, ?)",
            params![
                r.run_id,
                r.pipeline,
                r.spec_path,
                r.spec_hash,
                r.params.to_string(),
                r.inputs.to_string(),
                r.started_ms,
                r.finished_ms,
                r.status,
                r.source,
                r.error
            ],
        )
        .map_err(err)?;
        for n in &r.nodes {
            tx.execute(
                "INSERT INTO node_runs VALUES (?, ?, ?, ?, ?)",
                params![r.run_id, n.node, n.status, n.rows.map(|v| v as i64), n.ms.map(|v| v as i64)],
            )
            .map_err(err)?;
        }
        for c in &r.checks {
            let node = c.get("node").and_then(Value::as_str).unwrap_or_default();
            tx.execute("INSERT INTO check_results VALUES (?, ?, ?)", params![r.run_id, node, c.to_string()]).map_err(err)?;
        }
        for (node, column, b) in &r.baselines {
            let json = serde_json::to_string(b).unwrap_or_default();
            tx.execute("INSERT INTO column_baselines VALUES (?, ?, ?, ?)", params![r.run_id, node, column, json]).map_err(err)?;
        }
        for (node, column, source, value) in &r.marks {
            tx.execute("INSERT INTO cursor_marks VALUES (?, ?, ?, ?, ?)", params![r.run_id, node, column, source, value]).map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// The latest runs first, of the spec at `spec_path` when given.
    pub fn list(&self, spec_path: Option<&Path>, limit: usize) -> Result<Vec<RunListing>, EngineError> {
        let conn = self.open(false)?;
        let err = |e: duckdb::Error| EngineError::History { path: self.path.clone(), message: clean_message(&e) };
        let spec = spec_path.map(|p| p.canonicalize().unwrap_or(p.to_path_buf()).to_string_lossy().to_string());
        let mut stmt = conn
            .prepare(
                "SELECT r.run_id, r.pipeline, strftime(r.started_at, '%Y-%m-%d %H:%M:%S'),
                        epoch_ms(r.finished_at) - epoch_ms(r.started_at), r.status, r.source,
                        (SELECT count(*) FROM check_results c WHERE c.run_id = r.run_id AND c.result->>'status' = 'fail')
                 FROM runs r WHERE ?::VARCHAR IS NULL OR r.spec_path = ?::VARCHAR
                 ORDER BY r.started_at DESC, r.run_id DESC LIMIT ?",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![spec, spec, limit as i64], |r| {
                Ok(RunListing {
                    run_id: r.get(0)?,
                    pipeline: r.get(1)?,
                    started_at: r.get(2)?,
                    ms: r.get(3)?,
                    status: r.get(4)?,
                    source: r.get(5)?,
                    failed_checks: r.get(6)?,
                })
            })
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(rows)
    }

    /// One run with its nodes and check results, as JSON.
    pub fn show(&self, run_id: &str) -> Result<Value, EngineError> {
        let conn = self.open(false)?;
        let err = |e: duckdb::Error| EngineError::History { path: self.path.clone(), message: clean_message(&e) };
        let run: Option<String> = conn
            .query_row(
                "SELECT to_json(r)::VARCHAR FROM (SELECT run_id, pipeline, spec_path, spec_hash, params, inputs,
                        strftime(started_at, '%Y-%m-%d %H:%M:%S.%g') AS started_at,
                        strftime(finished_at, '%Y-%m-%d %H:%M:%S.%g') AS finished_at, status, source, error
                        FROM runs WHERE run_id = ?) r",
                params![run_id],
                |r| r.get(0),
            )
            .ok();
        let Some(run) = run else {
            return Err(EngineError::History { path: self.path.clone(), message: format!("no run '{run_id}'") });
        };
        let mut v: Value = serde_json::from_str(&run).unwrap_or(Value::Null);
        let nodes: String = conn
            .query_row(
                "SELECT COALESCE(json_group_array(json_object('node', node, 'status', status, 'rows', rows, 'ms', ms)), '[]')::VARCHAR
                 FROM (SELECT * FROM node_runs WHERE run_id = ? ORDER BY rowid)",
                params![run_id],
                |r| r.get(0),
            )
            .map_err(err)?;
        let checks: String = conn
            .query_row(
                "SELECT COALESCE(json_group_array(result), '[]')::VARCHAR FROM (SELECT * FROM check_results WHERE run_id = ? ORDER BY rowid)",
                params![run_id],
                |r| r.get(0),
            )
            .map_err(err)?;
        v["nodes"] = serde_json::from_str(&nodes).unwrap_or(Value::Null);
        v["checks"] = serde_json::from_str(&checks).unwrap_or(Value::Null);
        Ok(v)
    }
}

/// What the checks of a plan that compare with earlier runs would compare with now: the row
/// counts and the column distributions of the last successful run (or the run a drift check
/// names), by check node. Exports write them into the exported checks.
#[derive(Debug, Default)]
pub struct CheckBaselines {
    pub rows: IndexMap<String, u64>,
    pub columns: IndexMap<String, BTreeMap<String, ColumnBaseline>>,
}

impl CheckBaselines {
    /// Read them from `store` for the checks of `plan` (the spec at `spec_path`); none when
    /// there is no history yet.
    pub fn read(store: &History, plan: &Plan, spec_path: &Path) -> Result<Self, EngineError> {
        use sluice_core::catalog::check::Rule;
        use sluice_core::catalog::check_drift::DriftReference;
        use sluice_core::catalog::{Category, Compiled};
        let mut out = CheckBaselines::default();
        if !store.path.is_file() {
            return Ok(out);
        }
        let relation = |up: &str| sluice_core::dialect::Dialect::ident(&sluice_core::dialect::DuckDb, up);
        for id in &plan.order {
            if plan.nodes[id].kind.info().category != Category::Check {
                continue;
            }
            let Compiled::Check(check) = plan.compile_node(id, &sluice_core::dialect::DuckDb, &relation)? else { continue };
            match &check.rule {
                Rule::ChangeFromPrevious { .. } => {
                    if let Some((_, rows)) = store.last_success_rows(spec_path, id)? {
                        out.rows.insert(id.clone(), rows);
                    }
                }
                Rule::Drift(spec) => {
                    if let DriftReference::History { run } = &spec.reference {
                        if let Some((_, columns)) = store.drift_baseline(spec_path, id, run.as_deref())? {
                            out.columns.insert(id.clone(), columns);
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// Results of earlier runs, as checks read them.
impl History {
    /// Rows of `node` in the last successful run of the spec at `spec_path`.
    pub fn last_success_rows(&self, spec_path: &Path, node: &str) -> Result<Option<(String, u64)>, EngineError> {
        let conn = self.open(false)?;
        let spec = spec_path.canonicalize().unwrap_or(spec_path.to_path_buf()).to_string_lossy().to_string();
        let r = conn.query_row(
            "SELECT r.run_id, n.rows FROM runs r JOIN node_runs n USING (run_id)
             WHERE r.spec_path = ? AND r.status = 'success' AND n.node = ? AND n.rows IS NOT NULL
             ORDER BY r.started_at DESC LIMIT 1",
            params![spec, node],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)),
        );
        match r {
            Ok(v) => Ok(Some(v)),
            Err(duckdb::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(EngineError::History { path: self.path.clone(), message: clean_message(&e) }),
        }
    }

    /// The highest cursor value incremental source `node`, read as `source`, reached in the last
    /// successful run of the spec at `spec_path` that recorded one.
    pub fn cursor_mark(&self, spec_path: &Path, node: &str, source: &str) -> Result<Option<String>, EngineError> {
        let conn = self.open(false)?;
        let spec = spec_path.canonicalize().unwrap_or(spec_path.to_path_buf()).to_string_lossy().to_string();
        let r = conn.query_row(
            "SELECT m.value FROM runs r JOIN cursor_marks m USING (run_id)
             WHERE r.spec_path = ? AND r.status = 'success' AND m.node = ? AND m.source = ?
             ORDER BY r.started_at DESC LIMIT 1",
            params![spec, node, source],
            |r| r.get::<_, String>(0),
        );
        match r {
            Ok(v) => Ok(Some(v)),
            Err(duckdb::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(EngineError::History { path: self.path.clone(), message: clean_message(&e) }),
        }
    }

    /// The keys source `node` (read as `source`) held after the last successful run of the spec
    /// at `spec_path`, for deletes tracking; None when no run kept them.
    pub fn source_keys(&self, spec_path: &Path, node: &str, source: &str) -> Result<Option<Vec<String>>, EngineError> {
        if !self.path.is_file() {
            return Ok(None);
        }
        let conn = self.open(false)?;
        let err = |e: duckdb::Error| EngineError::History { path: self.path.clone(), message: clean_message(&e) };
        let spec = spec_path.canonicalize().unwrap_or(spec_path.to_path_buf()).to_string_lossy().to_string();
        let kept: i64 = conn
            .query_row("SELECT count(*) FROM source_keys WHERE spec_path = ? AND node = ? AND source = ?", params![spec, node, source], |r| r.get(0))
            .map_err(err)?;
        if kept == 0 {
            return Ok(None);
        }
        let mut stmt = conn.prepare("SELECT key FROM source_keys WHERE spec_path = ? AND node = ? AND source = ? AND key IS NOT NULL").map_err(err)?;
        let keys = stmt.query_map(params![spec, node, source], |r| r.get(0)).and_then(|rows| rows.collect()).map_err(err)?;
        Ok(Some(keys))
    }

    /// Keep `keys` as source `node`'s baseline (replacing the one before). An empty set is kept
    /// as one NULL row, so that "no keys" differs from "never kept".
    pub fn keep_source_keys(&self, spec_path: &Path, node: &str, source: &str, keys: &[String]) -> Result<(), EngineError> {
        let err = |e: duckdb::Error| EngineError::History { path: self.path.clone(), message: clean_message(&e) };
        let spec = spec_path.canonicalize().unwrap_or(spec_path.to_path_buf()).to_string_lossy().to_string();
        let mut conn = self.open(true)?;
        let tx = conn.transaction().map_err(err)?;
        tx.execute("DELETE FROM source_keys WHERE spec_path = ? AND node = ?", params![spec, node]).map_err(err)?;
        {
            let mut app = tx.appender("source_keys").map_err(err)?;
            if keys.is_empty() {
                app.append_row(params![spec, node, source, None::<String>]).map_err(err)?;
            }
            for k in keys {
                app.append_row(params![spec, node, source, k]).map_err(err)?;
            }
            app.flush().map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// The column distributions `node` stored in `run` (any status), or in the last successful
    /// run of the spec at `spec_path` that stored some.
    pub fn drift_baseline(
        &self,
        spec_path: &Path,
        node: &str,
        run: Option<&str>,
    ) -> Result<Option<(String, BTreeMap<String, ColumnBaseline>)>, EngineError> {
        let conn = self.open(false)?;
        let err = |m: String| EngineError::History { path: self.path.clone(), message: m };
        let spec = spec_path.canonicalize().unwrap_or(spec_path.to_path_buf()).to_string_lossy().to_string();
        let found = match run {
            Some(r) => conn.query_row(
                "SELECT run_id FROM column_baselines WHERE run_id = ? AND node = ? LIMIT 1",
                params![r, node],
                |r| r.get::<_, String>(0),
            ),
            None => conn.query_row(
                "SELECT r.run_id FROM runs r WHERE r.spec_path = ? AND r.status = 'success'
                   AND EXISTS (SELECT 1 FROM column_baselines b WHERE b.run_id = r.run_id AND b.node = ?)
                 ORDER BY r.started_at DESC LIMIT 1",
                params![spec, node],
                |r| r.get::<_, String>(0),
            ),
        };
        let run_id = match found {
            Ok(v) => v,
            Err(duckdb::Error::QueryReturnedNoRows) => return Ok(None),
            Err(e) => return Err(err(clean_message(&e))),
        };
        let mut stmt = conn
            .prepare("SELECT column_name, baseline::VARCHAR FROM column_baselines WHERE run_id = ? AND node = ?")
            .map_err(|e| err(clean_message(&e)))?;
        let rows = stmt
            .query_map(params![run_id, node], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| err(clean_message(&e)))?;
        let mut columns = BTreeMap::new();
        for (column, json) in rows {
            let b = serde_json::from_str(&json).map_err(|e| err(format!("baseline of '{node}.{column}' in run {run_id}: {e}")))?;
            columns.insert(column, b);
        }
        Ok(Some((run_id, columns)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_calendar_times() {
        assert_eq!(timestamp(UNIX_EPOCH), "19700101-000000");
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400 + 3_723)), "20000229-010203");
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(1_796_601_599)), "20261206-235959");
    }

    #[test]
    fn an_unreadable_history_is_set_aside_and_started_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = History::in_dir(dir.path());
        assert!(store.recover().unwrap().is_none(), "no file: nothing to do");
        store.open(true).unwrap();
        assert!(store.recover().unwrap().is_none(), "a good file stays");
        for bad in [&b""[..], b"not a database at all"] {
            std::fs::write(&store.path, bad).unwrap();
            let set = store.recover().unwrap().expect("set aside");
            assert_eq!(std::fs::read(&set.aside).unwrap(), bad);
            assert!(set.aside.file_name().unwrap().to_string_lossy().starts_with("history.duckdb.broken-"));
            assert!(store.list(None, 10).unwrap().is_empty());
            std::fs::remove_file(&set.aside).unwrap();
        }
    }
}
