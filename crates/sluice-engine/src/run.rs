//! Running a plan: each node becomes a temp table in dependency order (a node read by several
//! consumers is computed once), sinks are staged and committed only when every node succeeded.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use duckdb::Connection;
use indexmap::IndexMap;
use serde::Serialize;
use sluice_core::catalog::{Category, Compiled, SinkTarget, WriteMode};
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::state::{NodeState, StateFile};
use sluice_core::Plan;

use crate::cancel::CancelHandle;
use crate::checks::{self, Baseline, CheckResult};
use crate::history::History;
use sluice_core::catalog::check::Rule;
use sluice_core::catalog::check_drift::{DriftReference, DriftSpec};
use crate::events::{Event, RunStatus};
use crate::settings::Settings;
use crate::sink::{self, Staged};
use crate::EngineError;

/// An in-process DuckDB database that runs plans.
pub struct Engine {
    conn: Connection,
    flag: Arc<AtomicBool>,
    running: Arc<AtomicBool>,
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Run only what this node needs (itself and its upstream nodes).
    pub target: Option<String>,
    /// Send each node's column distributions as it finishes (the designer draws them on the
    /// node); off for headless runs, where nobody looks at them.
    pub histograms: bool,
    /// The run history that checks comparing with earlier runs read (and the spec it is for).
    pub history: Option<HistoryRef>,
    /// Profile every output written (for run reports).
    pub profile_outputs: bool,
    /// Apply this fitted state to the stateful nodes instead of fitting them (serving runs);
    /// such a run writes no state file.
    pub state: Option<Arc<StateFile>>,
}

/// An output the run wrote, with its profile when the run asked for one.
#[derive(Debug, Clone, Serialize)]
pub struct OutputProfile {
    /// The sink node.
    pub node: String,
    pub path: std::path::PathBuf,
    pub rows: u64,
    pub profile: Option<crate::profile::Profile>,
    /// Why there is no profile.
    pub error: Option<String>,
}

/// A spec's place in the run history.
#[derive(Debug, Clone)]
pub struct HistoryRef {
    pub store: History,
    pub spec_path: std::path::PathBuf,
}

impl HistoryRef {
    fn baseline_rows(&self, node: &str) -> Baseline {
        if !self.store.path.is_file() {
            return Baseline::Missing(format!("no run history at {}", self.store.path.display()));
        }
        match self.store.last_success_rows(&self.spec_path, node) {
            Ok(Some((run_id, rows))) => Baseline::Rows { run_id, rows },
            Ok(None) => Baseline::Missing("no earlier successful run".into()),
            Err(e) => Baseline::Missing(e.to_string()),
        }
    }

    /// The column baselines `node` stored in run `run` (or the last successful run).
    fn baseline_columns(&self, node: &str, run: Option<&str>) -> Baseline {
        if !self.store.path.is_file() {
            return Baseline::Missing(format!("no run history at {}", self.store.path.display()));
        }
        match self.store.drift_baseline(&self.spec_path, node, run) {
            Ok(Some((run_id, columns))) => Baseline::Columns { run_id, columns },
            Ok(None) => Baseline::Missing(match run {
                Some(r) => format!("run {r} stored no input of '{node}'"),
                None => "no earlier successful run stored this node's input".into(),
            }),
            Err(e) => Baseline::Missing(e.to_string()),
        }
    }
}

/// The outcome of one node.
#[derive(Debug, Clone, Serialize)]
pub struct NodeResult {
    pub rows: u64,
    pub ms: u64,
}

/// The outcome of a run that went through: `status` is `failed` when a check of severity error
/// failed (its downstream nodes are in `skipped`, the other branches ran and wrote their sinks).
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub status: RunStatus,
    pub nodes: IndexMap<String, NodeResult>,
    pub outputs: Vec<std::path::PathBuf>,
    pub checks: Vec<CheckResult>,
    /// Nodes not run because a check upstream failed.
    pub skipped: Vec<String>,
    pub ms: u64,
    /// The outputs written, profiled when [`RunOptions::profile_outputs`] asks for it.
    pub written: Vec<OutputProfile>,
    /// The state file written, when the spec names one and the run fitted its stateful nodes.
    pub state_written: Option<std::path::PathBuf>,
}

impl RunSummary {
    /// The checks that stopped part of the run.
    pub fn failed_checks(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.blocks())
    }
}

/// What running the nodes produced, before sinks are committed.
#[derive(Default)]
struct Progress {
    nodes: IndexMap<String, NodeResult>,
    checks: Vec<CheckResult>,
    /// Node id to the failed check that stopped it.
    blocked: IndexMap<String, String>,
    history: Option<HistoryRef>,
    states: States,
}

/// Fitted state: applied from a state file, or fitted by this run.
#[derive(Default)]
struct States {
    applied: Option<Arc<StateFile>>,
    fitted: IndexMap<String, NodeState>,
}

/// The temp table holding a node's output.
pub fn relation(id: &str) -> String {
    DuckDb.ident(&format!("__sluice_{id}"))
}

/// DuckDB's message without the noise of the wrapper.
pub fn clean_message(e: &duckdb::Error) -> String {
    match e {
        duckdb::Error::DuckDBFailure(_, Some(m)) => m.trim().to_string(),
        other => other.to_string(),
    }
}

impl Engine {
    /// Open an in-memory database with these settings.
    pub fn new(settings: &Settings) -> Result<Self, EngineError> {
        let conn = Connection::open_in_memory().map_err(|e| EngineError::Database(clean_message(&e)))?;
        if let Some(d) = &settings.temp_directory {
            std::fs::create_dir_all(d).map_err(|e| EngineError::Database(format!("temp directory {}: {e}", d.display())))?;
        }
        for s in settings.statements() {
            conn.execute_batch(&s).map_err(|e| EngineError::Database(format!("{s}: {}", clean_message(&e))))?;
        }
        Ok(Engine { conn, flag: Arc::new(AtomicBool::new(false)), running: Arc::new(AtomicBool::new(false)) })
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// A handle that cancels the run under way from another thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle { flag: self.flag.clone(), running: self.running.clone(), interrupt: self.conn.interrupt_handle() }
    }

    /// Run the plan (or the part `opts.target` needs), reporting events as they happen.
    pub fn run(&self, plan: &Plan, opts: &RunOptions, on_event: &mut dyn FnMut(&Event)) -> Result<RunSummary, EngineError> {
        self.flag.store(false, Ordering::SeqCst);
        self.running.store(true, Ordering::SeqCst);
        let start = Instant::now();
        let order = match &opts.target {
            Some(t) => plan.order_for(t)?,
            None => plan.order.clone(),
        };
        on_event(&Event::RunStarted { pipeline: plan.name.clone(), nodes: order.clone() });
        let mut staged: Vec<Staged> = Vec::new();
        let mut progress = Progress::default();
        progress.history = opts.history.clone();
        progress.states.applied = opts.state.clone();
        let result = self.run_nodes(plan, &order, &mut staged, &mut progress, true, opts.histograms, on_event).and_then(|()| {
            if self.flag.load(Ordering::SeqCst) {
                return Err(EngineError::Cancelled);
            }
            sink::commit_all(&self.conn, &mut staged, on_event)
        });
        // The state file goes with the outputs: only when every stateful node of the run was
        // fitted (none skipped below a failed check), so it never mixes two fits.
        let fitted_all = order.iter().all(|id| {
            plan.nodes.get(id).is_none_or(|n| !n.kind.stateful() || progress.states.fitted.contains_key(id))
        });
        let mut state_written = None;
        let result = result.and_then(|()| match &plan.state_path {
            Some(path) if opts.state.is_none() && !progress.states.fitted.is_empty() && fitted_all => {
                let fitted_at: String = self
                    .conn
                    .query_row("SELECT strftime(now()::TIMESTAMP, '%Y-%m-%d %H:%M:%S')", [], |r| r.get(0))
                    .unwrap_or_default();
                let mut file = StateFile::new(&plan.name, &fitted_at);
                file.nodes = std::mem::take(&mut progress.states.fitted);
                file.write(path)?;
                on_event(&Event::StateWritten { path: path.clone(), nodes: file.nodes.len() });
                state_written = Some(path.clone());
                Ok(())
            }
            _ => Ok(()),
        });
        // Profiled before the node tables go: the sinks' queries read them.
        let written: Vec<OutputProfile> = staged
            .iter()
            .filter(|s| s.committed)
            .map(|s| {
                let profiled = opts
                    .profile_outputs
                    .then(|| crate::profile::profile(&self.conn, &s.node, &format!("({})", s.write.query), None));
                let (profile, error) = match profiled {
                    Some(Ok(p)) => (Some(p), None),
                    Some(Err(e)) => (None, Some(e.to_string())),
                    None => (None, None),
                };
                OutputProfile { node: s.node.clone(), path: s.path.clone(), rows: s.rows, profile, error }
            })
            .collect();
        sink::discard(&staged);
        self.drop_tables(&order);
        self.running.store(false, Ordering::SeqCst);
        let ms = start.elapsed().as_millis() as u64;
        let status = match &result {
            Ok(()) if progress.checks.iter().any(CheckResult::blocks) => RunStatus::Failed,
            Ok(()) => RunStatus::Success,
            Err(EngineError::Cancelled) => RunStatus::Cancelled,
            Err(_) => RunStatus::Failed,
        };
        on_event(&Event::RunFinished { status, ms });
        let skipped: Vec<String> = progress.blocked.keys().filter(|id| !progress.nodes.contains_key(*id)).cloned().collect();
        result.map(|()| RunSummary {
            status,
            nodes: progress.nodes,
            outputs: staged.iter().map(|s| s.path.clone()).collect(),
            checks: progress.checks,
            skipped,
            ms,
            written,
            state_written,
        })
    }

    fn run_nodes(
        &self,
        plan: &Plan,
        order: &[String],
        staged: &mut Vec<Staged>,
        progress: &mut Progress,
        gate: bool,
        histograms: bool,
        on_event: &mut dyn FnMut(&Event),
    ) -> Result<(), EngineError> {
        for id in order {
            if self.flag.load(Ordering::SeqCst) {
                return Err(EngineError::Cancelled);
            }
            let node = plan.node(id)?;
            let info = node.kind.info();
            let blocked_by = node.inputs.values().find_map(|up| progress.blocked.get(up)).cloned();
            if let Some(check) = &blocked_by {
                // A check right below a failed check measures the same rows: it still runs, so one
                // run reports every failure at that point, but nothing below it does.
                let measures_same_rows = info.category == Category::Check
                    && node.inputs.values().all(|up| {
                        progress.nodes.contains_key(up)
                            && plan.nodes.get(up).is_some_and(|n| n.kind.info().category == Category::Check)
                    });
                if !measures_same_rows {
                    on_event(&Event::NodeSkipped { node: id.clone(), reason: format!("check '{check}' failed upstream") });
                    progress.blocked.insert(id.clone(), check.clone());
                    continue;
                }
            }
            on_event(&Event::NodeStarted { node: id.clone(), kind: info.id.to_string() });
            let t0 = Instant::now();
            let outcome = self.run_node(plan, id, staged, progress.history.as_ref(), &mut progress.states);
            match outcome {
                Ok((rows, check)) => {
                    let ms = t0.elapsed().as_millis() as u64;
                    if let Some(c) = check {
                        on_event(&Event::CheckFinished(c.clone()));
                        if gate && c.blocks() {
                            progress.blocked.insert(id.clone(), id.clone());
                        }
                        if let Some(check) = &blocked_by {
                            progress.blocked.entry(id.clone()).or_insert_with(|| check.clone());
                        }
                        progress.checks.push(c);
                    }
                    progress.nodes.insert(id.clone(), NodeResult { rows, ms });
                    on_event(&Event::NodeFinished { node: id.clone(), rows, ms });
                    if histograms && info.output {
                        // Best effort: a distribution that cannot be drawn never fails the run.
                        if let Ok(h) = crate::histogram::of_relation(&self.conn, id, &relation(id)) {
                            on_event(&Event::NodeHistograms { node: id.clone(), histograms: h });
                        }
                    }
                }
                Err(e) => {
                    let e = if self.flag.load(Ordering::SeqCst) { EngineError::Cancelled } else { e };
                    let e = match (e, info.category) {
                        (EngineError::Node { node, message }, Category::Source) => {
                            let path = node_path(plan, id);
                            if message.contains(&path) {
                                EngineError::Node { node, message }
                            } else {
                                EngineError::Node { node, message: format!("reading {path}: {message}") }
                            }
                        }
                        (e, _) => e,
                    };
                    on_event(&Event::NodeFailed { node: id.clone(), code: e.code().into(), error: e.to_string() });
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Run one node; returns its row count and, for a check, its result.
    fn run_node(
        &self,
        plan: &Plan,
        id: &str,
        staged: &mut Vec<Staged>,
        history: Option<&HistoryRef>,
        states: &mut States,
    ) -> Result<(u64, Option<CheckResult>), EngineError> {
        let fail = |e: duckdb::Error| EngineError::Node { node: id.to_string(), message: clean_message(&e) };
        let state = self.state_of(plan, id, states)?;
        match plan.compile_node_with(id, &DuckDb, &relation, state.as_ref())? {
            Compiled::Query(q) => {
                self.conn
                    .execute_batch(&format!("CREATE OR REPLACE TEMP TABLE {} AS {q}", relation(id)))
                    .map_err(fail)?;
                self.conn
                    .query_row(&format!("SELECT count(*) FROM {}", relation(id)), [], |r| r.get::<_, i64>(0))
                    .map(|n| (n as u64, None))
                    .map_err(fail)
            }
            Compiled::Check(c) => {
                // The input passes through unchanged: a view, not a copy.
                self.conn
                    .execute_batch(&format!("CREATE OR REPLACE TEMP VIEW {} AS {}", relation(id), c.pass_through))
                    .map_err(fail)?;
                let kind = plan.node(id)?.kind.info().id;
                const NO_HISTORY: &str = "runs of unsaved documents and previews keep no history";
                let baseline = match &c.rule {
                    Rule::ChangeFromPrevious { .. } => Some(match history {
                        Some(h) => h.baseline_rows(id),
                        None => Baseline::Missing(NO_HISTORY.into()),
                    }),
                    Rule::Drift(DriftSpec { reference: DriftReference::History { run }, .. }) => Some(match history {
                        Some(h) => h.baseline_columns(id, run.as_deref()),
                        None => Baseline::Missing(NO_HISTORY.into()),
                    }),
                    _ => None,
                };
                let result = checks::evaluate(&self.conn, id, kind, &c, baseline)?;
                Ok((result.element_count, Some(result)))
            }
            Compiled::Write(w) => {
                // Appending to Parquet rewrites the file: existing rows first, matched by name.
                let w = if w.mode == WriteMode::Append && matches!(w.target, SinkTarget::Parquet { .. }) && w.path.is_file() {
                    let existing = DuckDb.string(&w.path.to_string_lossy());
                    let rel = |up: &str| format!("(SELECT * FROM read_parquet({existing}) UNION ALL BY NAME SELECT * FROM {})", relation(up));
                    match plan.compile_node(id, &DuckDb, &rel)? {
                        Compiled::Write(w2) => w2,
                        _ => w,
                    }
                } else {
                    w
                };
                let s = sink::stage(&self.conn, id, &w)?;
                let rows = s.rows;
                staged.push(s);
                Ok((rows, None))
            }
        }
    }

    fn drop_tables(&self, order: &[String]) {
        for id in order {
            // Checks are views, the other nodes tables; dropping the wrong type fails harmlessly.
            let _ = self.conn.execute_batch(&format!("DROP VIEW IF EXISTS {}", relation(id)));
            let _ = self.conn.execute_batch(&format!("DROP TABLE IF EXISTS {}", relation(id)));
        }
    }

    /// The fitted parameters of a stateful node: from the applied state file, or fitted now on
    /// its inputs (and kept for the state file). None for other kinds.
    fn state_of(&self, plan: &Plan, id: &str, states: &mut States) -> Result<Option<serde_json::Map<String, serde_json::Value>>, EngineError> {
        let node = plan.node(id)?;
        if !node.kind.stateful() {
            return Ok(None);
        }
        if let Some(file) = &states.applied {
            // Checked against the plan when the file was read.
            return Ok(file.nodes.get(id).map(|n| n.state.clone()));
        }
        let Some(fit) = plan.fit_node(id, &DuckDb, &relation)? else { return Ok(None) };
        let fail = |m: String| EngineError::Node { node: id.to_string(), message: format!("fitting: {m}") };
        let json: String = self
            .conn
            .query_row(&format!("SELECT to_json(__fit)::VARCHAR FROM ({fit}) AS __fit"), [], |r| r.get(0))
            .map_err(|e| fail(clean_message(&e)))?;
        let state = match serde_json::from_str::<serde_json::Value>(&json) {
            Ok(serde_json::Value::Object(m)) => m,
            Ok(other) => return Err(fail(format!("the fit query returned {other}, not one row"))),
            Err(e) => return Err(fail(e.to_string())),
        };
        let params = node.params.clone();
        states.fitted.insert(id.to_string(), NodeState { kind: node.kind.info().id.to_string(), params, state: state.clone() });
        Ok(Some(state))
    }

    /// Compute `node` (and what it needs) and profile its output (a seeded sample of `sample`
    /// rows when given).
    pub fn profile(&self, plan: &Plan, node: &str, sample: Option<u64>) -> Result<crate::profile::Profile, EngineError> {
        self.with_node(plan, node, |rel, _| crate::profile::profile(&self.conn, node, rel, sample))
    }

    /// Compute `node` and what it needs, hand its relation and row count to `f`, then clean up.
    fn with_node<T>(&self, plan: &Plan, node: &str, f: impl FnOnce(&str, u64) -> Result<T, EngineError>) -> Result<T, EngineError> {
        let n = plan.node(node)?;
        if !n.kind.info().output {
            return Err(EngineError::Node { node: node.into(), message: "a sink has no rows of its own; look at its input".into() });
        }
        self.flag.store(false, Ordering::SeqCst);
        self.running.store(true, Ordering::SeqCst);
        let order = plan.order_for(node)?;
        let mut staged = Vec::new();
        // Below a failing check the data is still shown: that is how one finds out why.
        let mut progress = Progress::default();
        let r = self
            .run_nodes(plan, &order, &mut staged, &mut progress, false, false, &mut |_| {})
            .and_then(|()| f(&relation(node), progress.nodes[node].rows));
        self.drop_tables(&order);
        self.running.store(false, Ordering::SeqCst);
        r
    }

    /// Compute `node` (and what it needs) and return its first `limit` rows.
    pub fn preview(&self, plan: &Plan, node: &str, limit: usize) -> Result<crate::Table, EngineError> {
        self.with_node(plan, node, |rel, rows| crate::preview::fetch(&self.conn, node, rel, limit, rows))
    }
}

/// The `path` param of a node, for error messages.
fn node_path(plan: &Plan, id: &str) -> String {
    plan.nodes
        .get(id)
        .and_then(|n| n.params.get("path").and_then(|p| p.as_str()))
        .map(|p| sluice_core::catalog::resolve_path(&plan.base_dir, p).to_string_lossy().to_string())
        .unwrap_or_default()
}
