//! Running a plan: each node becomes a temp table in dependency order (a node read by several
//! consumers is computed once), sinks are staged and committed only when every node succeeded.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use duckdb::Connection;
use indexmap::IndexMap;
use serde::Serialize;
use sluice_core::catalog::{Category, Compiled};
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::state::{NodeState, StateFile};
use sluice_core::Plan;

use std::collections::HashSet;

use crate::cache::{now_ms, Cache, Entry};
use crate::incremental::{cursor_marks, cursor_of};
use crate::reuse::{output_relation, persisted, Action, SMALL_ROWS};
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
    pub(crate) conn: Connection,
    flag: Arc<AtomicBool>,
    running: Arc<AtomicBool>,
    /// Where node results are kept by fingerprint; None computes everything every time.
    pub(crate) cache: Option<Cache>,
    /// Makes this engine's staging names its own (see [`crate::staging::staging_path`]).
    token: String,
    /// What the connection was locked to ([`Engine::lock`]); None until a spec is loaded.
    locked: std::sync::Mutex<Option<crate::lockdown::Grants>>,
    /// Folders outside the spec's own that its outputs may be written to (the user's consent).
    allow_write: Vec<std::path::PathBuf>,
    /// The databases the spec's sources read, opened on first use.
    pub(crate) remotes: crate::remote::Remotes,
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
pub(crate) struct Progress {
    pub(crate) nodes: IndexMap<String, NodeResult>,
    pub(crate) checks: Vec<CheckResult>,
    /// Node id to the failed check that stopped it.
    pub(crate) blocked: IndexMap<String, String>,
    pub(crate) history: Option<HistoryRef>,
    pub(crate) states: States,
    /// Fingerprints of the nodes run (empty without a cache).
    pub(crate) fingerprints: IndexMap<String, NodeFingerprint>,
    /// Cache entries attached to the connection (their aliases).
    pub(crate) attached: HashSet<String>,
    /// Cache entries this run read or wrote: eviction spares them.
    pub(crate) used: HashSet<String>,
    /// Sinks whose output is already what this run would write.
    pub(crate) current: Vec<(String, std::path::PathBuf)>,
    pub(crate) full_refresh: bool,
    /// The mark each incremental source reads above (node id to its value as text).
    pub(crate) marks: IndexMap<String, String>,
    /// What each node does given the cache (empty without one: every node computes).
    pub(crate) actions: IndexMap<String, Action>,
    /// The nodes of the run, in order.
    pub(crate) order: Vec<String>,
    /// The node a preview or profile looks at.
    pub(crate) wanted: Option<String>,
    /// Nodes whose relation exists now, in the order they were made.
    pub(crate) live: Vec<String>,
    /// Nodes whose relation is a view over their inputs (checks, inlined steps): reading them
    /// reads their inputs.
    pub(crate) views: HashSet<String>,
    /// Sinks whose query runs again after the nodes (DuckDB tables at commit, outputs profiled
    /// for a report): what they read stays until the end.
    pub(crate) late_readers: Vec<String>,
    /// The highest cursor value each incremental source has read (node id to column, value).
    pub(crate) new_marks: IndexMap<String, (String, String)>,
    /// Warnings met while running a node, sent with its outcome.
    pub(crate) warnings: Vec<Event>,
    /// The cache could not be written: the rest of the run keeps nothing in it.
    pub(crate) cache_unwritable: bool,
    /// Sources that track deletes and found their keys in this run.
    pub(crate) tracked: Vec<String>,
    /// Sources whose deleted keys are known (node id to its key columns).
    pub(crate) deletes: IndexMap<String, Vec<String>>,
}

/// Fitted state: applied from a state file, or fitted by this run.
#[derive(Default)]
pub(crate) struct States {
    pub(crate) applied: Option<Arc<StateFile>>,
    pub(crate) fitted: IndexMap<String, NodeState>,
}

/// The temp table holding a node's output.
pub fn relation(id: &str) -> String {
    DuckDb.ident(&format!("__sluice_{id}"))
}

/// DuckDB's message without the noise of the wrapper.
pub fn clean_message(e: &duckdb::Error) -> String {
    let m = match e {
        duckdb::Error::DuckDBFailure(_, Some(m)) => m.trim().to_string(),
        other => other.to_string(),
    };
    crate::lockdown::explain(m)
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
        Ok(Engine {
            conn,
            flag: Arc::new(AtomicBool::new(false)),
            running: Arc::new(AtomicBool::new(false)),
            cache: None,
            token: crate::staging::new_token(),
            locked: std::sync::Mutex::new(None),
            allow_write: settings.allow_write.clone(),
            remotes: Default::default(),
        })
    }

    /// Folders outside the spec's own its outputs may be written to ([`Settings::allow_write`]).
    pub fn allow_write(&self) -> &[std::path::PathBuf] {
        &self.allow_write
    }

    /// Lock the connection to the files `declared` names (and the cache): after this, no
    /// statement can read or write another file, attach a database, load an extension or change
    /// a setting. Locking again to the same files is a no-op; to other files, an error (an
    /// engine serves one spec).
    pub fn lock(&self, declared: &sluice_core::files::Declared) -> Result<(), EngineError> {
        let grants = crate::lockdown::Grants::for_spec(declared, &self.token, self.cache.as_ref().map(|c| c.dir.as_path()));
        let mut locked = self.locked.lock().unwrap_or_else(|e| e.into_inner());
        match &*locked {
            Some(g) if *g == grants => return Ok(()),
            Some(_) => return Err(EngineError::Database("this engine is locked to another spec's files: open a new one".into())),
            None => {}
        }
        if let Some(c) = &self.cache {
            // DuckDB grants folders that exist; the cache may not yet.
            let _ = std::fs::create_dir_all(&c.dir);
        }
        for s in grants.statements() {
            self.conn.execute_batch(&s).map_err(|e| EngineError::Database(format!("{s}: {}", clean_message(&e))))?;
        }
        *locked = Some(grants);
        Ok(())
    }

    /// Keep node results in `cache` and reuse them while their fingerprints hold (None: compute
    /// everything every time).
    pub fn set_cache(&mut self, cache: Option<Cache>) {
        self.cache = cache;
    }

    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    /// The token in this engine's staging names: `<pid>-<ms>-<n>`, unique across processes.
    pub fn run_token(&self) -> &str {
        &self.token
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
        let probes = self.probes(plan, order)?;
        let inputs = fingerprint::Inputs { state, marks, hash_content: cache.hash_content, full_refresh, history, probes: &probes };
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
        if let Err(e) = self.lock(&plan.declared) {
            self.running.store(false, Ordering::SeqCst);
            return Err(e);
        }
        on_event(&Event::RunStarted { pipeline: plan.name.clone(), nodes: order.clone() });
        let mut staged: Vec<Staged> = Vec::new();
        let mut progress = Progress::default();
        progress.history = opts.history.clone();
        progress.states.applied = opts.state.clone();
        progress.full_refresh = opts.full_refresh;
        progress.order = order.clone();
        progress.late_readers = order
            .iter()
            .filter(|id| {
                plan.nodes.get(*id).is_some_and(|n| {
                    n.kind.info().category == Category::Sink
                        && (opts.profile_outputs || matches!(plan.compile_node(id, &DuckDb, &relation), Ok(Compiled::Write(w)) if matches!(w.target, sluice_core::catalog::SinkTarget::DuckDbTable { .. })))
                })
            })
            .cloned()
            .collect();
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
            sink::commit_all(&self.conn, &mut staged, &self.token, &|s| self.write_remote(s), on_event)
        });
        self.remember_outputs(&staged, &mut progress);
        // Marks advance only with a whole run that went through: a partial or failed run's rows
        // are read again next time.
        if result.is_ok() && opts.target.is_none() && !progress.checks.iter().any(CheckResult::blocks) {
            for (node, (column, value)) in &progress.new_marks {
                on_event(&Event::SourceMark { node: node.clone(), column: column.clone(), value: value.clone() });
            }
        }
        // The keys of sources tracking deletes become the next run's baseline on the same terms.
        let result = match result {
            Ok(()) if opts.target.is_none() && !progress.checks.iter().any(CheckResult::blocks) => self.keep_keys(plan, &progress),
            r => r,
        };
        // The state file goes with the outputs: only when every stateful node of the run was
        // fitted (none skipped below a failed check), so it never mixes two fits.
        let fitted_all = order.iter().all(|id| {
            plan.nodes.get(id).is_none_or(|n| !n.kind.stateful() || progress.states.fitted.contains_key(id))
        });
        let mut state_written = None;
        let result = result.and_then(|()| match &plan.state_path {
            Some(path) if opts.state.is_none() && !progress.states.fitted.is_empty() && fitted_all => {
                // A state file that already holds these fits (a run that reused them from the
                // cache) keeps its time of fitting: it is not written again.
                let current = std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str::<StateFile>(&t).ok());
                if current.is_some_and(|f| f.pipeline == plan.name && f.nodes == progress.states.fitted) {
                    return Ok(());
                }
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
                    .then(|| {
                        let rel = format!("({})", s.write.query);
                        crate::profile::profile(&self.conn, &s.node, &rel, None, |c| crate::histogram::histograms(&self.conn, &s.node, &rel, c))
                    });
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
                Some(rel) => crate::profile::profile(&self.conn, node, &rel, None, |c| crate::histogram::histograms(&self.conn, node, &rel, c)),
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
        for (i, id) in order.iter().enumerate() {
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
            for w in progress.warnings.drain(..) {
                on_event(&w);
            }
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
                    // Every node with rows now has a relation, unless its cached result was
                    // reused without being read.
                    let has_relation = info.output && !matches!(progress.actions.get(id), Some(Action::Reuse(_)));
                    if has_relation {
                        progress.live.push(id.clone());
                    }
                    on_event(&Event::NodeFinished { node: id.clone(), rows, ms, cached });
                    // A reused result has no relation to draw from; the designer keeps the
                    // distributions it drew when the result was computed (the same rows).
                    if histograms && has_relation {
                        // Best effort: a distribution that cannot be drawn never fails the run.
                        let key = progress.fingerprints.get(id.as_str()).map(|f| f.key.clone()).unwrap_or_default();
                        if let Ok(h) = self.histograms(id, &key, &relation(id), None) {
                            on_event(&Event::NodeHistograms { node: id.clone(), histograms: h });
                        }
                    }
                    self.release(plan, &order[i + 1..], progress);
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
                            progress.views.insert(id.to_string());
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
        if let Some(read) = plan.declared.remotes.get(id) {
            self.fetch_remote(id, read, progress.marks.get(id).map(String::as_str))?;
        }
        let state = self.state_of(plan, id, &mut progress.states)?;
        let compiled = plan.compile_node_with(id, &DuckDb, &relation, state.as_ref())?;
        crate::lockdown::check_compiled(id, &compiled)?;
        match compiled {
            Compiled::Query(q) => {
                let persist = persisted(info.id, info.category);
                let full_query = q.clone();
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
                if let Some(key) = node.kind.tracked_key(&node.params) {
                    self.track_deletes(plan, id, &key, &full_query, progress)?;
                }
                if let Some((cache, key)) = reusable.as_ref().filter(|_| persist) {
                    if let Some(rows) = self.store_rows(cache, key, id, &q, progress)? {
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
                let inline = self.inlinable(plan, id, &q, progress);
                if inline {
                    progress.views.insert(id.to_string());
                }
                let what = if inline { "VIEW" } else { "TABLE" };
                self.conn
                    .execute_batch(&format!("CREATE OR REPLACE TEMP {what} {} AS {q}", relation(id)))
                    .map_err(fail)?;
                if !inline {
                    // A database source's fetched rows are in its table now.
                    self.drop_fetched(&[id.to_string()]);
                }
                let rows = self
                    .conn
                    .query_row(&format!("SELECT count(*) FROM {}", relation(id)), [], |r| r.get::<_, i64>(0))
                    .map_err(fail)? as u64;
                if let Some((cache, key)) = &reusable {
                    // Rows that are cheap to compute again are kept only when there are few of
                    // them; otherwise only their count (and fitted state), so that a run that
                    // does not read them need not compute them.
                    if rows <= SMALL_ROWS {
                        let _ = self.store_rows(cache, key, id, &format!("SELECT * FROM {}", relation(id)), progress)?;
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
                progress.views.insert(id.to_string());
                self.conn
                    .execute_batch(&format!("CREATE OR REPLACE TEMP VIEW {} AS {}", relation(id), c.pass_through))
                    .map_err(fail)?;
                let kind = info.id;
                const NO_HISTORY: &str = "this run keeps no history: a preview, an unsaved document or --no-history";
                let history = progress.history.as_ref();
                let baseline = match &c.rule {
                    Rule::ChangeFromPrevious { .. } => Some(match history {
                        Some(h) => h.baseline_rows(id),
                        None => Baseline::Unrecorded(NO_HISTORY.into()),
                    }),
                    Rule::Drift(DriftSpec { reference: DriftReference::History { run }, .. }) => Some(match history {
                        Some(h) => h.baseline_columns(id, run.as_deref()),
                        None => Baseline::Unrecorded(NO_HISTORY.into()),
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
                let deletes = match (&w.mode, progress.full_refresh) {
                    (sluice_core::catalog::WriteMode::Merge, false) if !w.partition_by.is_empty() && !progress.deletes.is_empty() => {
                        progress.warnings.push(Event::Warning {
                            node: Some(id.to_string()),
                            code: crate::error::warning::DELETES_NOT_PARTITIONED.into(),
                            message: "rows deleted at the sources stay in this partitioned dataset: run with --full-refresh to remove them".into(),
                        });
                        Vec::new()
                    }
                    (sluice_core::catalog::WriteMode::Merge, false) => self.deletes_for(plan, id, &w.key, progress),
                    _ => Vec::new(),
                };
                let w = self.with_existing_rows(plan, id, w, progress.full_refresh, &deletes)?;
                let mut s = sink::stage(&self.conn, id, &w, progress.full_refresh, &self.token)?;
                s.deletes = deletes;
                s.object = plan.declared.objects.iter().find(|o| o.node == *id && o.access == sluice_core::files::Access::Write).cloned();
                s.cache_key = reusable.map(|(_, k)| k);
                let rows = s.rows;
                staged.push(s);
                Ok((rows, None, false))
            }
        }
    }

    /// Drop the relations no node still to run (`rest`), no sink that reads again at the end
    /// and no preview needs: a run holds only what is still to be read, not every node's rows.
    fn release(&self, plan: &Plan, rest: &[String], progress: &mut Progress) {
        // Does `reader` read `r`, directly or through views?
        fn reads(plan: &Plan, reader: &str, r: &str, views: &HashSet<String>, depth: usize) -> bool {
            depth < 256
                && plan.nodes.get(reader).is_some_and(|n| {
                    n.inputs.values().any(|u| u == r || (views.contains(u) && reads(plan, u, r, views, depth + 1)))
                })
        }
        let mut keep = Vec::new();
        for r in &progress.live {
            let needed = progress.wanted.as_deref() == Some(r.as_str())
                || rest.iter().chain(progress.late_readers.iter()).any(|n| reads(plan, n, r, &progress.views, 0))
                || progress.wanted.as_deref().is_some_and(|w| progress.views.contains(w) && reads(plan, w, r, &progress.views, 0));
            if needed {
                keep.push(r.clone());
            } else {
                let _ = self.conn.execute_batch(&format!("DROP VIEW IF EXISTS {}", relation(r)));
                let _ = self.conn.execute_batch(&format!("DROP TABLE IF EXISTS {}", relation(r)));
            }
        }
        progress.live = keep;
    }

    fn drop_tables(&self, order: &[String], progress: &mut Progress) {
        self.drop_fetched(order);
        self.drop_key_tables(order);
        for id in order {
            let _ = self.conn.execute_batch(&format!("DROP TABLE IF EXISTS {}", sink::staged_rows(id)));
        }
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
        crate::lockdown::check_sql(id, &fit)?;
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
        self.with_node(plan, node, |rel, _, key| {
            crate::profile::profile(&self.conn, node, rel, sample, |columns| self.histograms(node, key, rel, Some(columns)))
        })
    }

    /// Compute `node` and what it needs, hand its relation and row count to `f`, then clean up.
    /// Compute `node` (and what it needs), then call `f` with its relation, its row count and its
    /// fingerprint.
    fn with_node<T>(&self, plan: &Plan, node: &str, f: impl FnOnce(&str, u64, &str) -> Result<T, EngineError>) -> Result<T, EngineError> {
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
            .and_then(|()| {
                let key = progress.fingerprints.get(node).map(|f| f.key.clone()).unwrap_or_default();
                f(&relation(node), progress.nodes[node].rows, &key)
            });
        self.drop_tables(&order, &mut progress);
        if let Some(cache) = &self.cache {
            cache.evict(&progress.used);
        }
        self.running.store(false, Ordering::SeqCst);
        r
    }

    /// Compute `node` (and what it needs) and return its first `limit` rows.
    pub fn preview(&self, plan: &Plan, node: &str, limit: usize) -> Result<crate::Table, EngineError> {
        self.with_node(plan, node, |rel, rows, key| {
            crate::preview::fetch(&self.conn, node, rel, limit, rows, |columns| self.histograms(node, key, rel, Some(columns)))
        })
    }

    /// The distributions of node `node`'s rows (relation `rel`): those its cache entry (`key`)
    /// keeps, else drawn and kept there for the next preview or run.
    fn histograms(&self, node: &str, key: &str, rel: &str, columns: Option<&[sluice_core::Column]>) -> Result<Vec<crate::histogram::Histogram>, EngineError> {
        let draw = || match columns {
            Some(c) => crate::histogram::histograms(&self.conn, node, rel, c),
            None => crate::histogram::of_relation(&self.conn, node, rel),
        };
        // Only an entry that holds these rows (not a check's verdict, whose rows are its input's).
        let Some((cache, mut entry)) = self.cache.as_ref().and_then(|c| Some((c, c.get(key, true)?))) else { return draw() };
        if let Some(h) = entry.histograms.take() {
            return Ok(h);
        }
        let h = draw()?;
        entry.histograms = Some(h.clone());
        // Best effort: a cache that cannot be written only costs the next scan.
        let _ = cache.put(key, &entry);
        Ok(h)
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
