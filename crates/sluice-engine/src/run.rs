//! Running a plan: each node becomes a temp table in dependency order (a node read by several
//! consumers is computed once), sinks are staged and committed only when every node succeeded.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use duckdb::Connection;
use indexmap::IndexMap;
use serde::Serialize;
use sluice_core::catalog::{Category, Compiled, SinkTarget, SinkWrite, WriteMode};
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::state::{NodeState, StateFile};
use sluice_core::Plan;

use std::collections::HashSet;

use crate::cache::{now_ms, Cache, Entry, WrittenOutput};
use crate::cancel::CancelHandle;
use crate::fingerprint::{self, NodeFingerprint};
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
    /// Where node results are kept by fingerprint; None computes everything every time.
    cache: Option<Cache>,
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
    /// Ignore the incremental sources' marks and read every row; merge sinks replace their
    /// output instead of merging into it.
    pub full_refresh: bool,
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
    /// The output was already what this run would write, and was left as it was.
    pub cached: bool,
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
    /// Taken from the result cache, not computed.
    pub cached: bool,
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
    /// Fingerprints of the nodes run (empty without a cache).
    fingerprints: IndexMap<String, NodeFingerprint>,
    /// Cache entries attached to the connection (their aliases).
    attached: HashSet<String>,
    /// Cache entries this run read or wrote: eviction spares them.
    used: HashSet<String>,
    /// Sinks whose output is already what this run would write.
    current: Vec<(String, std::path::PathBuf)>,
    full_refresh: bool,
    /// The mark each incremental source reads above (node id to its value as text).
    marks: IndexMap<String, String>,
    /// What each node does given the cache (empty without one: every node computes).
    actions: IndexMap<String, Action>,
    /// The nodes of the run, in order.
    order: Vec<String>,
    /// The node a preview or profile looks at.
    wanted: Option<String>,
    /// The highest cursor value each incremental source has read (node id to column, value).
    new_marks: IndexMap<String, (String, String)>,
}

/// What a node does in a run with a cache.
#[derive(Clone)]
enum Action {
    /// Compute it (and keep what it gives in the cache).
    Compute,
    /// Its result is cached and nothing computed reads its rows: report it, compute nothing.
    Reuse(Entry),
    /// Its rows are cached and read by a node that computes: name them as its relation.
    Attach(Entry),
    /// A check whose verdict is cached and whose rows are read below: pass them through.
    Verdict(Entry),
}

/// Results of row-by-row steps with at most this many rows are kept in the cache too.
const SMALL_ROWS: u64 = 1_000_000;

/// Kinds whose rows are worth keeping in the cache whatever their size: reading files and the operations that
/// combine rows (joins, aggregates, windows, fits). Row-by-row steps (derive, filter, select,
/// …) are computed again from their cached input when needed: writing their rows would cost
/// more than recomputing them. Parquet sources are read again rather than copied.
fn persisted(kind: &str, category: Category) -> bool {
    const CHEAP: [&str; 15] = [
        "read_parquet", "derive", "filter", "select", "cast", "fill_nulls", "limit", "sample", "union", "transform",
        "interact", "text_features", "datetime_features", "hash_encode", "split",
    ];
    matches!(category, Category::Source | Category::Transform | Category::Feature) && !CHEAP.contains(&kind)
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
        Ok(Engine { conn, flag: Arc::new(AtomicBool::new(false)), running: Arc::new(AtomicBool::new(false)), cache: None })
    }

    /// Keep node results in `cache` and reuse them while their fingerprints hold (None: compute
    /// everything every time).
    pub fn set_cache(&mut self, cache: Option<Cache>) {
        self.cache = cache;
    }

    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    /// Fingerprint the nodes of `order`, when results are cached.
    fn fingerprint(
        &self,
        plan: &Plan,
        order: &[String],
        state: Option<&StateFile>,
        marks: &IndexMap<String, String>,
        full_refresh: bool,
        history: bool,
    ) -> Result<IndexMap<String, NodeFingerprint>, EngineError> {
        let Some(cache) = &self.cache else { return Ok(IndexMap::new()) };
        let inputs = fingerprint::Inputs { state, marks, hash_content: cache.hash_content, full_refresh, history };
        fingerprint::fingerprints(&self.conn, plan, order, &inputs)
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
        progress.full_refresh = opts.full_refresh;
        progress.order = order.clone();
        if !opts.full_refresh {
            progress.marks = cursor_marks(plan, &order, opts.history.as_ref());
        }
        progress.fingerprints = match self.fingerprint(plan, &order, opts.state.as_deref(), &progress.marks, opts.full_refresh, opts.history.is_some()) {
            Ok(f) => f,
            Err(e) => {
                self.running.store(false, Ordering::SeqCst);
                return Err(e);
            }
        };
        progress.actions = self.demand(plan, &order, &progress, None);
        let result = self.run_nodes(plan, &order, &mut staged, &mut progress, true, opts.histograms, on_event).and_then(|()| {
            if self.flag.load(Ordering::SeqCst) {
                return Err(EngineError::Cancelled);
            }
            sink::commit_all(&self.conn, &mut staged, on_event)
        });
        self.remember_outputs(&staged, &mut progress);
        // Marks advance only with a whole run that went through: a partial or failed run's rows
        // are read again next time.
        if result.is_ok() && opts.target.is_none() && !progress.checks.iter().any(CheckResult::blocks) {
            for (node, (column, value)) in &progress.new_marks {
                on_event(&Event::SourceMark { node: node.clone(), column: column.clone(), value: value.clone() });
            }
        }
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
                OutputProfile { node: s.node.clone(), path: s.path.clone(), rows: s.rows, profile, error, cached: false }
            })
            .collect();
        // Outputs left as they were (their sinks cached) are current too: profiled from the files.
        let mut written = written;
        for (node, path) in &progress.current {
            let rows = progress.nodes.get(node).map(|n| n.rows).unwrap_or(0);
            let profiled = opts.profile_outputs.then(|| match output_relation(plan, node) {
                Some(rel) => crate::profile::profile(&self.conn, node, &rel, None),
                None => Err(EngineError::Node { node: node.clone(), message: "a DuckDB table is not profiled from the file".into() }),
            });
            let (profile, error) = match profiled {
                Some(Ok(p)) => (Some(p), None),
                Some(Err(e)) => (None, Some(e.to_string())),
                None => (None, None),
            };
            written.push(OutputProfile { node: node.clone(), path: path.clone(), rows, profile, error, cached: true });
        }
        sink::discard(&staged);
        self.drop_tables(&order, &mut progress);
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
            outputs: staged.iter().map(|s| s.path.clone()).chain(progress.current.iter().map(|(_, p)| p.clone())).collect(),
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
            let outcome = self.run_node(plan, id, staged, progress);
            match outcome {
                Ok((rows, check, cached)) => {
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
                    if let Some(column) = cursor_of(plan, id) {
                        self.note_mark(id, &column, progress)?;
                    }
                    progress.nodes.insert(id.clone(), NodeResult { rows, ms, cached });
                    on_event(&Event::NodeFinished { node: id.clone(), rows, ms, cached });
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

    /// Run one node; returns its row count, for a check its result, and whether the result
    /// came from the cache.
    /// What each node of `order` does given the cache: reuse its result, or compute it. A node
    /// whose own result is cached is still made available (its rows attached from the cache,
    /// or computed when only their count was kept) when a node that computes reads it, or when
    /// it is `wanted` (the node a preview or profile looks at).
    fn demand(&self, plan: &Plan, order: &[String], progress: &Progress, wanted: Option<&str>) -> IndexMap<String, Action> {
        let Some(cache) = &self.cache else { return IndexMap::new() };
        let mut hits: IndexMap<&str, Entry> = IndexMap::new();
        for id in order {
            let (Some(fp), Ok(node)) = (progress.fingerprints.get(id), plan.node(id)) else { continue };
            if fp.volatile.is_some() {
                continue;
            }
            let info = node.kind.info();
            let hit = match info.category {
                Category::Check => cache.get(&fp.key, false).filter(|e| e.check.is_some()),
                Category::Sink => cache.get(&fp.key, false).filter(|e| {
                    e.output.as_ref().is_some_and(|o| fingerprint::output_identity(&o.path).as_deref() == Some(o.identity.as_str()))
                }),
                _ => cache.get(&fp.key, persisted(info.id, info.category)),
            };
            if let Some(e) = hit {
                hits.insert(id, e);
            }
        }
        // Backwards: whether a node's rows are needed depends on what reads them.
        let mut needs_inputs: IndexMap<&str, bool> = IndexMap::new();
        let mut actions: Vec<(String, Action)> = Vec::new();
        for id in order.iter().rev() {
            let Ok(node) = plan.node(id) else { continue };
            let info = node.kind.info();
            let provide = wanted == Some(id.as_str())
                || cursor_of(plan, id).is_some()
                || order.iter().any(|c| {
                    needs_inputs.get(c.as_str()).copied().unwrap_or(false)
                        && plan.nodes.get(c).is_some_and(|n| n.inputs.values().any(|u| u == id))
                });
            let action = match (hits.get(id.as_str()), info.category) {
                (None, _) => Action::Compute,
                (Some(e), Category::Check) if provide => Action::Verdict(e.clone()),
                (Some(e), Category::Source | Category::Transform | Category::Feature) if provide => {
                    let key = &progress.fingerprints[id.as_str()].key;
                    if cache.data_path(key).is_file() {
                        Action::Attach(e.clone())
                    } else {
                        Action::Compute
                    }
                }
                (Some(e), _) => Action::Reuse(e.clone()),
            };
            needs_inputs.insert(id, matches!(action, Action::Compute | Action::Verdict(_)));
            actions.push((id.clone(), action));
        }
        actions.into_iter().rev().collect()
    }

    /// Run one node; returns its row count, for a check its result, and whether the result
    /// came from the cache.
    fn run_node(&self, plan: &Plan, id: &str, staged: &mut Vec<Staged>, progress: &mut Progress) -> Result<(u64, Option<CheckResult>, bool), EngineError> {
        let fail = |e: duckdb::Error| EngineError::Node { node: id.to_string(), message: clean_message(&e) };
        let node = plan.node(id)?;
        let info = node.kind.info();
        let reusable = match (&self.cache, progress.fingerprints.get(id)) {
            (Some(cache), Some(fp)) if fp.volatile.is_none() => Some((cache, fp.key.clone())),
            _ => None,
        };
        let action = progress.actions.get(id).cloned().unwrap_or(Action::Compute);
        if let Some((cache, key)) = &reusable {
            match &action {
                Action::Compute => {}
                Action::Reuse(entry) | Action::Attach(entry) | Action::Verdict(entry) => {
                    progress.used.insert(key.clone());
                    if let (Some(s), None) = (&entry.state, &progress.states.applied) {
                        progress.states.fitted.insert(id.to_string(), s.clone());
                    }
                    let mut check = entry.check.clone();
                    if let Some(c) = check.as_mut() {
                        c.node = id.to_string();
                    }
                    match &action {
                        Action::Attach(_) => self.attach_cached(cache, key, id, progress)?,
                        Action::Verdict(_) => {
                            // The verdict is known; the rows pass through for the nodes below.
                            if let Compiled::Check(c) = plan.compile_node(id, &DuckDb, &relation)? {
                                self.conn
                                    .execute_batch(&format!("CREATE OR REPLACE TEMP VIEW {} AS {}", relation(id), c.pass_through))
                                    .map_err(fail)?;
                            }
                        }
                        _ => {}
                    }
                    if let Some(out) = &entry.output {
                        progress.current.push((id.to_string(), out.path.clone()));
                    }
                    return Ok((entry.rows, check, true));
                }
            }
        }
        let state = self.state_of(plan, id, &mut progress.states)?;
        match plan.compile_node_with(id, &DuckDb, &relation, state.as_ref())? {
            Compiled::Query(q) => {
                let persist = persisted(info.id, info.category);
                let q = match (cursor_of(plan, id), progress.marks.get(id)) {
                    (Some(column), Some(mark)) => {
                        let ty = node.schema.as_ref().and_then(|s| s.get(&column)).map(|c| c.ty.clone()).unwrap_or_else(|| "VARCHAR".into());
                        format!(
                            "SELECT * FROM ({q}) AS __incremental WHERE {} > CAST({} AS {ty})",
                            DuckDb.ident(&column),
                            DuckDb.string(mark)
                        )
                    }
                    _ => q,
                };
                if let Some((cache, key)) = reusable.as_ref().filter(|_| persist) {
                    if let Some(rows) = self.store_rows(cache, key, id, &q)? {
                        self.attach_cached(cache, key, id, progress)?;
                        let state = progress.states.fitted.get(id).cloned();
                        let entry = Entry { node: id.into(), kind: info.id.into(), rows, created_ms: now_ms(), state, ..Default::default() };
                        // An entry that cannot be described is simply not reused.
                        let _ = cache.put(key, &entry);
                        progress.used.insert(key.clone());
                        return Ok((rows, None, false));
                    }
                }
                // A row-by-row step read once below is a view: DuckDB runs it inside its reader's
                // query instead of writing its rows out first.
                let what = if self.inlinable(plan, id, &q, progress) { "VIEW" } else { "TABLE" };
                self.conn
                    .execute_batch(&format!("CREATE OR REPLACE TEMP {what} {} AS {q}", relation(id)))
                    .map_err(fail)?;
                let rows = self
                    .conn
                    .query_row(&format!("SELECT count(*) FROM {}", relation(id)), [], |r| r.get::<_, i64>(0))
                    .map_err(fail)? as u64;
                if let Some((cache, key)) = &reusable {
                    // Rows that are cheap to compute again are kept only when there are few of
                    // them; otherwise only their count (and fitted state), so that a run that
                    // does not read them need not compute them.
                    if rows <= SMALL_ROWS {
                        let _ = self.store_rows(cache, key, id, &format!("SELECT * FROM {}", relation(id)))?;
                    }
                    let state = progress.states.fitted.get(id).cloned();
                    let entry = Entry { node: id.into(), kind: info.id.into(), rows, created_ms: now_ms(), state, ..Default::default() };
                    let _ = cache.put(key, &entry);
                    progress.used.insert(key.clone());
                }
                Ok((rows, None, false))
            }
            Compiled::Check(c) => {
                // The input passes through unchanged: a view, not a copy.
                self.conn
                    .execute_batch(&format!("CREATE OR REPLACE TEMP VIEW {} AS {}", relation(id), c.pass_through))
                    .map_err(fail)?;
                let kind = info.id;
                const NO_HISTORY: &str = "runs of unsaved documents and previews keep no history";
                let history = progress.history.as_ref();
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
                if let Some((cache, key)) = &reusable {
                    let entry = Entry { node: id.into(), kind: kind.into(), rows: result.element_count, created_ms: now_ms(), check: Some(result.clone()), ..Default::default() };
                    let _ = cache.put(key, &entry);
                    progress.used.insert(key.clone());
                }
                Ok((result.element_count, Some(result), false))
            }
            Compiled::Write(w) => {
                let w = self.with_existing_rows(plan, id, w, progress.full_refresh)?;
                let mut s = sink::stage(&self.conn, id, &w, progress.full_refresh)?;
                s.cache_key = reusable.map(|(_, k)| k);
                let rows = s.rows;
                staged.push(s);
                Ok((rows, None, false))
            }
        }
    }

    /// The rows a sink writes, with the existing rows it keeps: appending to or merging into a
    /// Parquet file or a partitioned dataset rewrites it (existing rows first, matched by name;
    /// for a dataset only the partitions this run's rows fall in), merging into a CSV file too.
    /// Appends to CSV files and writes to DuckDB tables keep the rows in place instead.
    fn with_existing_rows(&self, plan: &Plan, id: &str, mut w: SinkWrite, full_refresh: bool) -> Result<SinkWrite, EngineError> {
        let node = plan.node(id)?;
        let Some(up) = node.inputs.get("input").cloned() else { return Ok(w) };
        let new = relation(&up);
        if w.mode == WriteMode::Merge {
            sink::check_unique_key(&self.conn, id, &new, &w.key)?;
            if full_refresh {
                w.mode = WriteMode::Overwrite;
            }
        }
        let d = DuckDb;
        let path = d.string(&w.path.to_string_lossy());
        let types = |schema: Option<&sluice_core::Schema>, only: Option<&[String]>| {
            let cols: Vec<String> = schema
                .map(|s| s.columns.iter().filter(|c| c.is_known() && only.is_none_or(|o| o.contains(&c.name))).map(|c| format!("{}: {}", d.string(&c.name), c.ty)).collect())
                .unwrap_or_default();
            format!("{{{}}}", cols.join(", "))
        };
        let schema = plan.nodes.get(&up).and_then(|n| n.schema.as_ref());
        let partitioned = !w.partition_by.is_empty();
        let existing = match (&w.target, w.mode) {
            (_, WriteMode::Overwrite) | (SinkTarget::DuckDbTable { .. }, _) | (SinkTarget::Csv { .. }, WriteMode::Append) => None,
            (SinkTarget::Parquet { .. }, _) if partitioned => w.path.is_dir().then(|| {
                let files = d.string(&w.path.join("**").join("*.parquet").to_string_lossy());
                format!(
                    "read_parquet({files}, hive_partitioning = true, union_by_name = true, hive_types = {})",
                    types(schema, Some(&w.partition_by))
                )
            }),
            (SinkTarget::Parquet { .. }, _) => w.path.is_file().then(|| format!("read_parquet({path})")),
            (SinkTarget::Csv { delimiter, header }, _) => w.path.is_file().then(|| {
                format!("read_csv({path}, header = {header}, delim = {}, types = {})", d.string(delimiter), types(schema, None))
            }),
        };
        let Some(existing) = existing else { return Ok(w) };
        let mut keep = Vec::new();
        if partitioned {
            keep.push(format!("EXISTS (SELECT 1 FROM {new} AS __p WHERE {})", sink::key_match(&w.partition_by, "__p", "__old")));
        }
        if w.mode == WriteMode::Merge {
            keep.push(format!("NOT EXISTS (SELECT 1 FROM {new} AS __n WHERE {})", sink::key_match(&w.key, "__n", "__old")));
        }
        let filter = if keep.is_empty() { String::new() } else { format!(" WHERE {}", keep.join(" AND ")) };
        let rel = format!("(SELECT __old.* FROM {existing} AS __old{filter} UNION ALL BY NAME SELECT * FROM {new})");
        let rel_of = |u: &str| if u == up { rel.clone() } else { relation(u) };
        match plan.compile_node(id, &d, &rel_of)? {
            Compiled::Write(mut w2) => {
                w2.mode = w.mode;
                Ok(w2)
            }
            _ => Ok(w),
        }
    }

    /// Note the highest cursor value incremental source `id` has read (its old mark when it
    /// read no row).
    fn note_mark(&self, id: &str, column: &str, progress: &mut Progress) -> Result<(), EngineError> {
        let top: Option<String> = self
            .conn
            .query_row(&format!("SELECT CAST(max({}) AS VARCHAR) FROM {}", DuckDb.ident(column), relation(id)), [], |r| r.get(0))
            .map_err(|e| EngineError::Node { node: id.to_string(), message: format!("cursor '{column}': {}", clean_message(&e)) })?;
        if let Some(value) = top.or_else(|| progress.marks.get(id).cloned()) {
            progress.new_marks.insert(id.to_string(), (column.to_string(), value));
        }
        Ok(())
    }

    /// Whether node `id`, compiled to `q`, can be a view rather than a table: a row-by-row step
    /// whose SQL gives the same rows each time it is read (no clock, no random numbers), read by
    /// exactly one node of the run that reads it once (not a check, whose rows pass on to more
    /// readers, nor a fitted step, which reads its input to fit and again to apply), and not the
    /// node a preview or profile looks at.
    fn inlinable(&self, plan: &Plan, id: &str, q: &str, progress: &Progress) -> bool {
        let Ok(node) = plan.node(id) else { return false };
        let info = node.kind.info();
        if persisted(info.id, info.category) || progress.wanted.as_deref() == Some(id) || cursor_of(plan, id).is_some() {
            return false;
        }
        if fingerprint::volatile_sql(&Compiled::Query(q.to_string()), Category::Transform).is_some() && info.id != "read_parquet" {
            return false;
        }
        let readers: Vec<&str> = progress
            .order
            .iter()
            .filter(|c| plan.nodes.get(*c).is_some_and(|n| n.inputs.values().any(|u| u == id)))
            .map(String::as_str)
            .collect();
        match readers.as_slice() {
            [one] => plan.nodes.get(*one).is_some_and(|n| {
                let k = n.kind.info();
                k.category != Category::Check && !n.kind.stateful() && n.inputs.values().filter(|u| *u == id).count() == 1
            }),
            _ => false,
        }
    }

    /// Compute `q` straight into a new cache entry for `key` (not yet named as the node's
    /// relation). None when the cache folder cannot be written (the node is then computed in
    /// memory as without a cache).
    fn store_rows(&self, cache: &Cache, key: &str, id: &str, q: &str) -> Result<Option<u64>, EngineError> {
        let Ok(tmp) = cache.data_staging(key) else { return Ok(None) };
        let alias = DuckDb.ident("__sluice_store");
        if self.conn.execute_batch(&format!("ATTACH {} AS {alias}", DuckDb.string(&tmp.to_string_lossy()))).is_err() {
            crate::cache::remove_database(&tmp);
            return Ok(None);
        }
        let written = self
            .conn
            .execute_batch(&format!("CREATE TABLE {alias}.t AS {q}"))
            .and_then(|()| self.conn.query_row(&format!("SELECT count(*) FROM {alias}.t"), [], |r| r.get::<_, i64>(0)));
        let detached = self.conn.execute_batch(&format!("DETACH {alias}"));
        let rows = match (written, detached) {
            (Ok(n), Ok(())) => n as u64,
            (Err(e), _) => {
                crate::cache::remove_database(&tmp);
                return Err(EngineError::Node { node: id.to_string(), message: clean_message(&e) });
            }
            (Ok(_), Err(_)) => {
                crate::cache::remove_database(&tmp);
                return Ok(None);
            }
        };
        if cache.commit_data(&tmp, key).is_err() {
            crate::cache::remove_database(&tmp);
            return Ok(None);
        }
        Ok(Some(rows))
    }

    /// Name the rows of cache entry `key` as node `id`'s relation.
    fn attach_cached(&self, cache: &Cache, key: &str, id: &str, progress: &mut Progress) -> Result<(), EngineError> {
        let fail = |e: duckdb::Error| EngineError::Node { node: id.to_string(), message: format!("reading its cached result: {}", clean_message(&e)) };
        let alias = format!("__sluice_cache_{key}");
        if !progress.attached.contains(&alias) {
            let path = cache.data_path(key);
            self.conn
                .execute_batch(&format!("ATTACH {} AS {} (READ_ONLY)", DuckDb.string(&path.to_string_lossy()), DuckDb.ident(&alias)))
                .map_err(fail)?;
            progress.attached.insert(alias.clone());
        }
        self.conn
            .execute_batch(&format!("CREATE OR REPLACE TEMP VIEW {} AS SELECT * FROM {}.t", relation(id), DuckDb.ident(&alias)))
            .map_err(fail)
    }

    /// After the sinks are committed: remember what each wrote, so that an unchanged sink is
    /// not written again while its output stays as it was; then keep the cache within bounds.
    fn remember_outputs(&self, staged: &[Staged], progress: &mut Progress) {
        let Some(cache) = &self.cache else { return };
        for s in staged.iter().filter(|s| s.committed) {
            let (Some(key), Some(identity)) = (&s.cache_key, fingerprint::output_identity(&s.path)) else { continue };
            let entry = Entry {
                node: s.node.clone(),
                kind: String::new(),
                rows: s.rows,
                created_ms: now_ms(),
                output: Some(WrittenOutput { path: s.path.clone(), identity }),
                ..Default::default()
            };
            let _ = cache.put(key, &entry);
            progress.used.insert(key.clone());
        }
        cache.evict(&progress.used);
    }

    fn drop_tables(&self, order: &[String], progress: &mut Progress) {
        for id in order {
            // Checks and cached results are views, the other nodes tables; dropping the wrong
            // type fails harmlessly.
            let _ = self.conn.execute_batch(&format!("DROP VIEW IF EXISTS {}", relation(id)));
            let _ = self.conn.execute_batch(&format!("DROP TABLE IF EXISTS {}", relation(id)));
        }
        for alias in progress.attached.drain() {
            let _ = self.conn.execute_batch(&format!("DETACH {}", DuckDb.ident(&alias)));
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
            .fingerprint(plan, &order, None, &IndexMap::new(), false, false)
            .and_then(|fp| {
                progress.fingerprints = fp;
                progress.order = order.clone();
                progress.wanted = Some(node.to_string());
                progress.actions = self.demand(plan, &order, &progress, Some(node));
                self.run_nodes(plan, &order, &mut staged, &mut progress, false, false, &mut |_| {})
            })
            .and_then(|()| f(&relation(node), progress.nodes[node].rows));
        self.drop_tables(&order, &mut progress);
        if let Some(cache) = &self.cache {
            cache.evict(&progress.used);
        }
        self.running.store(false, Ordering::SeqCst);
        r
    }

    /// Compute `node` (and what it needs) and return its first `limit` rows.
    pub fn preview(&self, plan: &Plan, node: &str, limit: usize) -> Result<crate::Table, EngineError> {
        self.with_node(plan, node, |rel, rows| crate::preview::fetch(&self.conn, node, rel, limit, rows))
    }
}

/// The rows of a sink's output as it is on disk (None for DuckDB tables).
fn output_relation(plan: &Plan, id: &str) -> Option<String> {
    let Ok(Compiled::Write(w)) = plan.compile_node(id, &DuckDb, &relation) else { return None };
    let d = DuckDb;
    let path = d.string(&w.path.to_string_lossy());
    match &w.target {
        SinkTarget::Parquet { .. } if !w.partition_by.is_empty() => Some(format!(
            "(SELECT * FROM read_parquet({}, hive_partitioning = true))",
            d.string(&w.path.join("**").join("*.parquet").to_string_lossy())
        )),
        SinkTarget::Parquet { .. } => Some(format!("(SELECT * FROM read_parquet({path}))")),
        SinkTarget::Csv { delimiter, header } => Some(format!("(SELECT * FROM read_csv({path}, header = {header}, delim = {}))", d.string(delimiter))),
        SinkTarget::DuckDbTable { .. } => None,
    }
}

/// The cursor column of an incremental source.
fn cursor_of(plan: &Plan, id: &str) -> Option<String> {
    let node = plan.nodes.get(id)?;
    if node.kind.info().category != Category::Source {
        return None;
    }
    node.params.get("cursor").and_then(|c| c.as_str()).map(str::to_string)
}

/// The mark each incremental source of `order` reads above: the highest cursor value the last
/// successful run of the spec read, when the source is still read the same way.
fn cursor_marks(plan: &Plan, order: &[String], history: Option<&HistoryRef>) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    let Some(h) = history.filter(|h| h.store.path.is_file()) else { return out };
    for id in order {
        if cursor_of(plan, id).is_none() {
            continue;
        }
        let source = crate::history::source_identity(&plan.nodes[id.as_str()].params);
        if let Ok(Some(mark)) = h.store.cursor_mark(&h.spec_path, id, &source) {
            out.insert(id.clone(), mark);
        }
    }
    out
}

/// The `path` param of a node, for error messages.
fn node_path(plan: &Plan, id: &str) -> String {
    plan.nodes
        .get(id)
        .and_then(|n| n.params.get("path").and_then(|p| p.as_str()))
        .map(|p| sluice_core::catalog::resolve_path(&plan.base_dir, p).to_string_lossy().to_string())
        .unwrap_or_default()
}
