//! The app's commands. Each takes the editor's document (the spec as JSON, and the file it
//! belongs to, for relative paths) and answers with JSON-ready data.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sluice_core::diagnostic::has_errors;
use sluice_core::dialect::DuckDb;
use sluice_core::{Diagnostic, Schema};
use sluice_engine::history::RunListing;
use sluice_engine::profile::Profile;
use sluice_engine::{check_text, Cache, CancelHandle, Engine, Event, History, HistoryRef, Loaded, Recorder, RunOptions, RunSummary, Settings, Table};

use crate::files;
use crate::ApiError;

/// The editor's document.
#[derive(Debug, Clone, Deserialize)]
pub struct Doc {
    /// The spec, as JSON.
    pub spec: Value,
    /// The spec's file; relative paths resolve against its folder (the working folder when unsaved).
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// `--param` overrides.
    #[serde(default)]
    pub params: IndexMap<String, String>,
    /// Folders outside the spec's own that the user agreed its outputs may be written to (the
    /// designer asks before the first run of a spec that writes there).
    #[serde(default)]
    pub allow_write: Vec<PathBuf>,
}

/// What checking a document found.
#[derive(Debug, Serialize)]
pub struct CheckResponse {
    pub valid: bool,
    pub diagnostics: Vec<Diagnostic>,
    /// Each node's output columns, where known.
    pub schemas: IndexMap<String, Option<Schema>>,
    /// What the spec writes outside its own folder (sinks, the state file): the designer asks
    /// the user before the first run, and sends the paths agreed to as `allow_write`.
    pub outside_writes: Vec<OutsideWrite>,
}

/// An output outside the spec's folder.
#[derive(Debug, Serialize)]
pub struct OutsideWrite {
    /// The sink writing it; None for the state file.
    pub node: Option<String>,
    pub path: PathBuf,
    /// Whether the user has agreed to it (it is in `allow_write`).
    pub allowed: bool,
}

/// A file opened in the editor.
#[derive(Debug, Serialize)]
pub struct Opened {
    pub path: PathBuf,
    pub spec: Value,
    pub diagnostics: Vec<Diagnostic>,
}

/// What exporting a dbt project wrote.
#[derive(Debug, Serialize)]
pub struct ExportSummary {
    /// The project folder.
    pub out: PathBuf,
    /// The dbt project name.
    pub name: String,
    pub dialect: String,
    pub models: usize,
    /// dbt tests, generic and singular.
    pub tests: usize,
    /// Whether fitted feature steps apply the spec's state file as constants.
    pub applies_state: bool,
    /// Checks left out, each naming its node and why.
    pub left_out: Vec<Diagnostic>,
}

/// The commands, with the state they share (the run under way, to cancel it).
#[derive(Default)]
pub struct Service {
    running: Mutex<Option<CancelHandle>>,
}

fn base_dir(path: &Option<PathBuf>) -> PathBuf {
    path.as_ref()
        .and_then(|p| p.canonicalize().ok().or_else(|| Some(p.clone())))
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
}

fn engine() -> Result<Engine, ApiError> {
    Ok(Engine::new(&Settings::from_env())?)
}

/// An engine for `doc`, with the writes its user consented to.
fn doc_engine(doc: &Doc) -> Result<Engine, ApiError> {
    let mut settings = Settings::from_env();
    settings.allow_write.extend(doc.allow_write.iter().cloned());
    Ok(Engine::new(&settings)?)
}

/// An engine that keeps results in the document's cache: `SLUICE_CACHE_DIR`, else the CLI's
/// (`cache` in the history folder) for a saved document, else the user's cache folder. None
/// when `SLUICE_NO_CACHE` is set.
fn cached_engine(doc: &Doc) -> Result<Engine, ApiError> {
    let mut engine = doc_engine(doc)?;
    if std::env::var_os("SLUICE_NO_CACHE").is_none() {
        let dir = std::env::var_os("SLUICE_CACHE_DIR").map(PathBuf::from).unwrap_or_else(|| match doc.path.as_ref().filter(|p| p.is_file()) {
            Some(p) => history_dir(p).join("cache"),
            None => user_cache_dir().join("results"),
        });
        engine.set_cache(Some(Cache::in_dir(&dir)));
    }
    Ok(engine)
}

/// `$XDG_CACHE_HOME/sluice`, else `~/.cache/sluice`.
fn user_cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("sluice")
}

/// Where a saved spec's run history lives: `SLUICE_HISTORY_DIR`, else `.sluice` beside it.
fn history_dir(spec: &Path) -> PathBuf {
    std::env::var_os("SLUICE_HISTORY_DIR").map(PathBuf::from).unwrap_or_else(|| sluice_engine::history::default_dir(spec))
}

/// The plan's outputs outside its folder, and whether each was agreed to.
fn outside_writes(plan: &sluice_core::Plan, allowed: &[PathBuf]) -> Vec<OutsideWrite> {
    use sluice_core::files::is_within;
    let writes = plan.declared.writes().map(|w| (Some(w.node.clone()), w.path.clone()));
    writes
        .chain(plan.declared.state.clone().map(|s| (None, s)))
        .filter(|(_, p)| !is_within(p, &plan.base_dir))
        .map(|(node, path)| OutsideWrite { allowed: allowed.iter().any(|a| is_within(&path, a)), node, path })
        .collect()
}

fn check(engine: &Engine, doc: &Doc) -> Loaded {
    let overrides: Vec<(String, String)> = doc.params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let path = doc.path.clone().unwrap_or_else(|| PathBuf::from("untitled.sluice.json"));
    check_text(engine, &doc.spec.to_string(), &base_dir(&doc.path), &overrides, &path)
}

impl Service {
    pub fn new() -> Self {
        Self::default()
    }

    /// The node catalog, as `sluice catalog --json` prints it.
    pub fn catalog(&self) -> Value {
        sluice_core::catalog::catalog_json()
    }

    /// Check the document: diagnostics and every node's schema.
    pub fn check(&self, doc: &Doc) -> Result<CheckResponse, ApiError> {
        let engine = doc_engine(doc)?;
        let loaded = check(&engine, doc);
        let schemas = loaded
            .plan
            .as_ref()
            .map(|p| p.nodes.iter().map(|(id, n)| (id.clone(), n.schema.clone())).collect())
            .unwrap_or_default();
        let outside_writes = loaded.plan.as_ref().map(|p| outside_writes(p, &doc.allow_write)).unwrap_or_default();
        Ok(CheckResponse { valid: !has_errors(&loaded.diagnostics), diagnostics: loaded.diagnostics, schemas, outside_writes })
    }

    /// Run the document (or what `target` needs), reporting events as they happen. The whole
    /// document runs only when it has no error; a run up to `target` only needs `target` and what
    /// it reads to be valid.
    /// A saved document's runs go to the same history as the CLI's (`.sluice` beside the file,
    /// or `SLUICE_HISTORY_DIR`); an unsaved one has no place to keep them.
    pub fn run(&self, doc: &Doc, target: Option<String>, on_event: &mut dyn FnMut(&Event)) -> Result<RunSummary, ApiError> {
        let engine = cached_engine(doc)?;
        let loaded = check(&engine, doc);
        let logic = loaded.spec.as_ref().map(sluice_engine::history::spec_logic).unwrap_or(Value::Null);
        let plan = match &target {
            Some(t) => loaded.into_plan_for(t)?,
            None => loaded.into_plan()?,
        };
        let saved = doc.path.as_ref().filter(|p| p.is_file());
        let history = saved.map(|p| HistoryRef { store: History::in_dir(&history_dir(p)), spec_path: p.clone() });
        // A damaged history is set aside (and a new one started) rather than failing every run.
        if let Some(Ok(Some(set))) = history.as_ref().map(|h| h.store.recover()) {
            on_event(&Event::Warning { node: None, code: set.code().into(), message: set.to_string() });
        }
        let mut recorder = saved.map(|p| Recorder::new(engine.connection(), &plan, p, &logic, "app"));
        *self.running.lock().unwrap() = Some(engine.cancel_handle());
        let r = engine.run(&plan, &RunOptions { target, histograms: true, history: history.clone(), ..Default::default() }, &mut |e| {
            if let Some(rec) = recorder.as_mut() {
                rec.observe(e);
            }
            on_event(e);
        });
        *self.running.lock().unwrap() = None;
        if let (Some(rec), Some(h)) = (recorder, history) {
            // A history that cannot be written must not turn a good run into a failure.
            let _ = h.store.record(&rec.finish(r.as_ref().err()));
        }
        Ok(r?)
    }

    /// Cancel the run under way, if any. Returns whether there was one.
    pub fn cancel(&self) -> bool {
        match self.running.lock().unwrap().as_ref() {
            Some(h) => {
                h.cancel();
                true
            }
            None => false,
        }
    }

    /// The first `limit` rows of `node`, its column types and distributions. Like the profile
    /// and the SQL of a node, it needs only `node` and what it reads to be valid.
    pub fn preview(&self, doc: &Doc, node: &str, limit: usize) -> Result<Table, ApiError> {
        let engine = cached_engine(doc)?;
        let plan = check(&engine, doc).into_plan_for(node)?;
        *self.running.lock().unwrap() = Some(engine.cancel_handle());
        let r = engine.preview(&plan, node, limit);
        *self.running.lock().unwrap() = None;
        Ok(r?)
    }

    /// The profile of `node`'s output (of a seeded sample of `sample` rows when given).
    pub fn profile(&self, doc: &Doc, node: &str, sample: Option<u64>) -> Result<Profile, ApiError> {
        let engine = cached_engine(doc)?;
        let plan = check(&engine, doc).into_plan_for(node)?;
        *self.running.lock().unwrap() = Some(engine.cancel_handle());
        let r = engine.profile(&plan, node, sample);
        *self.running.lock().unwrap() = None;
        Ok(r?)
    }

    /// The recorded runs of the saved spec at `path`, latest first (none yet: an empty list).
    pub fn runs(&self, path: &Path, limit: usize) -> Result<Vec<RunListing>, ApiError> {
        let store = History::in_dir(&history_dir(path));
        if !store.path.is_file() {
            return Ok(vec![]);
        }
        store.recover()?;
        Ok(store.list(Some(path), limit)?)
    }

    /// One recorded run of the saved spec at `path`: params, input files, nodes and checks.
    pub fn run_detail(&self, path: &Path, run_id: &str) -> Result<Value, ApiError> {
        Ok(History::in_dir(&history_dir(path)).show(run_id)?)
    }

    /// The SQL `node` compiles to.
    pub fn sql(&self, doc: &Doc, node: &str) -> Result<String, ApiError> {
        let engine = doc_engine(doc)?;
        let plan = check(&engine, doc).into_plan_for(node)?;
        Ok(plan.sql_for(node, &DuckDb)?)
    }

    /// Open a spec file.
    pub fn open(&self, path: &Path) -> Result<Opened, ApiError> {
        let text = std::fs::read_to_string(path).map_err(|e| ApiError::new("A001", format!("{}: {e}", path.display())))?;
        let spec: Value = serde_json::from_str(&text)
            .map_err(|e| ApiError::new("A002", format!("{}: not valid JSON at line {}: {e}", path.display(), e.line())))?;
        let (_, diagnostics) = sluice_core::spec::parse(&text);
        files::add_recent(path);
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        Ok(Opened { path, spec, diagnostics })
    }

    /// Save the document to `path` in canonical form; returns the text written.
    pub fn save(&self, path: &Path, spec: &Value) -> Result<String, ApiError> {
        let text = files::canonical_text(spec)?;
        files::write_atomic(path, text.as_bytes())?;
        files::add_recent(path);
        files::clear_recovery()?;
        Ok(text)
    }

    /// Export the saved spec at `path` as a dbt project in `out` (`dialect`: duckdb or spark),
    /// as `sluice export dbt` does. Fitted steps apply the spec's state file when a training
    /// run wrote one; checks that compare with earlier runs use the spec's run history.
    pub fn export_dbt(&self, path: &Path, params: &IndexMap<String, String>, out: &Path, dialect: &str) -> Result<ExportSummary, ApiError> {
        let target = sluice_export::dbt::Target::parse(dialect)
            .ok_or_else(|| ApiError::new("A030", format!("unknown dialect '{dialect}' (duckdb, spark, snowflake or postgres)")))?;
        let engine = engine()?;
        let overrides: Vec<(String, String)> = params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let loaded = sluice_engine::load_plan(&engine, path, &overrides)?;
        let spec = loaded.spec.clone();
        let plan = loaded.into_plan()?;
        let spec = spec.ok_or_else(|| ApiError::new("A031", "the spec could not be read"))?;
        let state = match plan.state_path.as_ref().filter(|p| p.is_file()) {
            Some(file) => Some(sluice_core::state::StateFile::read(file, &plan, &plan.order)?),
            None => None,
        };
        let baselines = sluice_engine::CheckBaselines::read(&History::in_dir(&history_dir(path)), &plan, path)?;
        let opts = sluice_export::dbt::Options {
            target,
            state: state.as_ref(),
            baselines: baselines.rows,
            drift_baselines: baselines.columns,
            spec_path: path,
            connections: export_connections(&plan),
        };
        let project = sluice_export::dbt::export(&plan, &spec, &opts)?;
        project.write(out)?;
        let count = |dir: &str| project.files.iter().filter(|(p, _)| p.starts_with(dir) && p.extension().is_some_and(|e| e == "sql")).count();
        Ok(ExportSummary {
            out: out.to_path_buf(),
            name: project.name.clone(),
            dialect: target.name().to_string(),
            models: count("models"),
            tests: project.generic_tests + project.singular_tests,
            applies_state: state.is_some(),
            left_out: project.warnings,
        })
    }

    /// The command line that runs the saved spec headless.
    pub fn headless_command(&self, path: &Path, params: &IndexMap<String, String>) -> String {
        let q = |s: &str| {
            if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-=:".contains(c)) {
                s.to_string()
            } else {
                format!("'{}'", s.replace('\'', "'\\''"))
            }
        };
        let mut cmd = format!("sluice run {}", q(&path.to_string_lossy()));
        for (k, v) in params {
            cmd.push_str(&format!(" --param {}", q(&format!("{k}={v}"))));
        }
        cmd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headless_command_quotes_what_needs_it() {
        let s = Service::new();
        let mut p = IndexMap::new();
        p.insert("as_of".to_string(), "2025-07-01 00:00:00".to_string());
        assert_eq!(
            s.headless_command(Path::new("/data/my pipelines/a.sluice.json"), &p),
            "sluice run '/data/my pipelines/a.sluice.json' --param 'as_of=2025-07-01 00:00:00'"
        );
    }
}

/// The connections the plan's database sources name, as defined now (never a password), for an
/// exported project's profile; one that is not defined is read from the environment there.
fn export_connections(plan: &sluice_core::Plan) -> IndexMap<String, sluice_export::dbt::sources::Connection> {
    let mut out = IndexMap::new();
    let Ok(defined) = sluice_connect::Connections::load() else { return out };
    for name in plan.declared.remotes.values().filter_map(|r| r.connection.clone()) {
        if out.contains_key(&name) {
            continue;
        }
        if let Ok(i) = defined.info(&name) {
            let sslmode = i.url.split_once('?').and_then(|(_, q)| q.split('&').find_map(|kv| kv.strip_prefix("sslmode=").map(str::to_string)));
            let c = sluice_export::dbt::sources::Connection { driver: i.driver, host: i.host, port: i.port, database: i.database, user: i.user, sslmode };
            out.insert(name, c);
        }
    }
    out
}
