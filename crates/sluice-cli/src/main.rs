//! `sluice`: the headless runner. A thin layer over sluice-core and sluice-engine; the desktop app
//! calls the same functions.
//!
//! Exit codes: 0 success, 1 the run failed (data, files, cancelled), 2 invalid spec or usage. A
//! reader of stdout or stderr that goes away early changes none of them ([`stdio`]).

mod connections;
mod export;
mod junit;
mod output;
mod report;
mod stdio;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sluice_core::diagnostic::has_errors;
use sluice_core::dialect::DuckDb;
use sluice_core::spec::params::parse_overrides;
use sluice_engine::{load_plan, Cache, Engine, EngineError, Event, History, HistoryRef, Recorder, RunOptions, Settings};
use stdio::{errln, outln};

#[derive(Parser)]
#[command(name = "sluice", version, about = "Run and inspect Sluice pipeline specs (*.sluice.json)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct SpecArgs {
    /// The spec file.
    spec: PathBuf,
    /// Override a spec param: name=value (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Let sinks and the state file write in DIR, outside the spec's folder (repeatable; also
    /// SLUICE_ALLOW_WRITE, a `:`-separated list).
    #[arg(long = "allow-write", value_name = "DIR")]
    allow_write: Vec<PathBuf>,
}

impl SpecArgs {
    /// The engine settings from the environment, with this command's consent to write added.
    fn settings(&self) -> Settings {
        let mut s = Settings::from_env();
        s.allow_write.extend(self.allow_write.iter().cloned());
        s
    }
}

#[derive(clap::Args, Clone)]
struct HistoryArgs {
    /// Folder of the run history (default: SLUICE_HISTORY_DIR, else `.sluice` beside the spec).
    #[arg(long, value_name = "DIR")]
    history_dir: Option<PathBuf>,
}

impl HistoryArgs {
    fn dir(&self, spec: Option<&Path>) -> PathBuf {
        self.history_dir
            .clone()
            .or_else(|| std::env::var_os("SLUICE_HISTORY_DIR").map(PathBuf::from))
            .unwrap_or_else(|| spec.map(sluice_engine::history::default_dir).unwrap_or_else(|| PathBuf::from(".sluice")))
    }

    fn store(&self, spec: Option<&Path>) -> History {
        History::in_dir(&self.dir(spec))
    }
}

#[derive(clap::Args, Clone)]
struct CacheArgs {
    /// Compute every node, neither reading nor filling the result cache.
    #[arg(long)]
    no_cache: bool,
    /// Folder of the result cache (default: SLUICE_CACHE_DIR, else `cache` in the history folder).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

impl CacheArgs {
    fn dir(&self, history: &HistoryArgs, spec: &Path) -> PathBuf {
        self.cache_dir
            .clone()
            .or_else(|| std::env::var_os("SLUICE_CACHE_DIR").map(PathBuf::from))
            .unwrap_or_else(|| history.dir(Some(spec)).join("cache"))
    }

    /// The cache to use, or None with `--no-cache`.
    fn cache(&self, history: &HistoryArgs, spec: &Path) -> Option<Cache> {
        (!self.no_cache).then(|| Cache::in_dir(&self.dir(history, spec)))
    }
}

#[derive(Subcommand)]
enum RunsAction {
    /// One run: its params, input files, nodes and check results.
    Show {
        id: String,
        /// The spec whose folder holds the history.
        spec: Option<PathBuf>,
        #[command(flatten)]
        history: HistoryArgs,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline and write its outputs.
    Run {
        #[command(flatten)]
        spec: SpecArgs,
        /// One JSON object per event on stdout.
        #[arg(long)]
        json: bool,
        /// Run only what this node needs.
        #[arg(long)]
        node: Option<String>,
        /// DuckDB memory limit, e.g. 2GB (default: SLUICE_MEMORY_LIMIT or 80% of RAM).
        #[arg(long)]
        memory_limit: Option<String>,
        /// Worker threads (default: SLUICE_THREADS or one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Spill directory for larger-than-memory data (default: SLUICE_TEMP_DIR).
        #[arg(long)]
        temp_dir: Option<PathBuf>,
        /// Write the check results as JUnit XML, for CI gates.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Write a self-contained HTML report: summary, graph, checks with samples and drift
        /// charts, and a profile of every output with its distributions.
        #[arg(long, value_name = "FILE.html")]
        report: Option<PathBuf>,
        /// Apply the fitted state in FILE (a state file a training run wrote) instead of fitting
        /// the feature steps: serving computes the same features from the same raw rows.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        #[command(flatten)]
        history: HistoryArgs,
        /// Do not record this run in the run history.
        #[arg(long)]
        no_history: bool,
        #[command(flatten)]
        cache: CacheArgs,
        /// Read every row of incremental sources (their marks start again from this run) and
        /// replace the outputs of merge sinks instead of merging into them.
        #[arg(long)]
        full_refresh: bool,
    },
    /// Show the result cache of a spec (entries and size); `--clear` empties it.
    Cache {
        /// The spec whose folder locates the cache.
        spec: PathBuf,
        #[command(flatten)]
        history: HistoryArgs,
        #[command(flatten)]
        cache: CacheArgs,
        #[arg(long)]
        clear: bool,
    },
    /// List recorded runs (of SPEC when given), latest first; `runs show ID` shows one.
    #[command(args_conflicts_with_subcommands = true)]
    Runs {
        #[command(subcommand)]
        action: Option<RunsAction>,
        /// Only the runs of this spec; its folder also locates the history.
        spec: Option<PathBuf>,
        #[command(flatten)]
        history: HistoryArgs,
        /// How many runs to list.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Check a spec and print every diagnostic; exit 2 when any is an error.
    Validate {
        #[command(flatten)]
        spec: SpecArgs,
        #[arg(long)]
        json: bool,
    },
    /// Show the first rows of a node, computing only what it needs.
    Preview {
        #[command(flatten)]
        spec: SpecArgs,
        /// The node id.
        node: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        history: HistoryArgs,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Profile a node's output: per column nulls, distinct values, min, max, mean, std,
    /// quantiles, zeros, negatives and a histogram.
    Profile {
        #[command(flatten)]
        spec: SpecArgs,
        /// The node id.
        node: String,
        /// Profile a seeded sample of this many rows (labelled as sampled).
        #[arg(long, value_name = "N")]
        sample: Option<u64>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        history: HistoryArgs,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Print the SQL a node compiles to (its upstream nodes as CTEs).
    Sql {
        #[command(flatten)]
        spec: SpecArgs,
        node: String,
    },
    /// Export the pipeline to another engine.
    #[command(subcommand)]
    Export(ExportTarget),
    /// List every node kind with its parameters and docs.
    Catalog {
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of spec files.
    Schema,
    /// The named connections database sources read through (kept outside specs).
    #[command(subcommand)]
    Connections(connections::ConnectionsAction),
}

#[derive(Subcommand)]
enum ExportTarget {
    /// A dbt project: one model per node, checks as dbt tests, fitted state as constants.
    Dbt {
        #[command(flatten)]
        spec: SpecArgs,
        /// The project folder to write (created, or replaced when it holds an earlier export).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The SQL dialect of the models: duckdb (dbt-duckdb), spark (dbt-spark), snowflake
        /// (dbt-snowflake) or postgres (dbt-postgres, in the database the spec's sources read).
        #[arg(long, default_value = "duckdb", value_parser = ["duckdb", "spark", "snowflake", "postgres"])]
        dialect: String,
        /// Apply the fitted state in FILE (a training run's state file) as constants.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// Where the run history is, for checks that compare with the last successful run.
        #[command(flatten)]
        history: HistoryArgs,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e);
            if e.is_spec_fault() { 2 } else { 1 }
        }
    };
    // Output that could not be written (other than to a reader that went away) fails a command
    // that otherwise succeeded: what it printed is incomplete.
    match stdio::stdout_failure() {
        Some(source) if code == 0 => {
            output::print_error(&EngineError::Io { node: "output".into(), path: PathBuf::from("stdout"), source });
            ExitCode::from(1)
        }
        _ => ExitCode::from(code),
    }
}

/// Set aside a run history that cannot be read (and start a new one), reporting it as a warning.
fn recover_history(store: &History, warn: &mut dyn FnMut(Event)) -> Result<(), EngineError> {
    if let Some(set) = store.recover()? {
        warn(Event::Warning { node: None, code: set.code().into(), message: set.to_string() });
    }
    Ok(())
}

/// A warning outside a run, on stderr.
fn print_warning(e: &Event) {
    if let Event::Warning { code, message, .. } = e {
        errln!("warning[{code}]: {message}");
    }
}

fn overrides(a: &SpecArgs) -> Result<Vec<(String, String)>, EngineError> {
    Ok(parse_overrides(&a.params)?)
}

fn dispatch(cmd: Command) -> Result<u8, EngineError> {
    match cmd {
        Command::Connections(action) => Ok(connections::dispatch(action)),
        Command::Schema => {
            outln!("{}", serde_json::to_string_pretty(&sluice_core::spec::json_schema::spec_json_schema()).unwrap());
            Ok(0)
        }
        Command::Catalog { json } => {
            if json {
                outln!("{}", serde_json::to_string_pretty(&sluice_core::catalog::catalog_json()).unwrap());
            } else {
                output::print_catalog();
            }
            Ok(0)
        }
        Command::Validate { spec, json } => {
            let engine = Engine::new(&spec.settings())?;
            let loaded = load_plan(&engine, &spec.spec, &overrides(&spec)?)?;
            let errors = has_errors(&loaded.diagnostics);
            if json {
                let v = serde_json::json!({"valid": !errors, "diagnostics": loaded.diagnostics});
                outln!("{}", serde_json::to_string_pretty(&v).unwrap());
            } else {
                output::print_diagnostics(&loaded.diagnostics);
                if !errors {
                    outln!("{}: valid ({} nodes)", spec.spec.display(), loaded.plan.map(|p| p.nodes.len()).unwrap_or(0));
                }
            }
            // Spec errors win over data errors: a spec that is wrong is exit 2 even if a file is missing too.
            let spec_fault = loaded
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.fault == sluice_core::diagnostic::Fault::Spec);
            Ok(if spec_fault { 2 } else if errors { 1 } else { 0 })
        }
        Command::Run { spec, json, node, memory_limit, threads, temp_dir, junit, report, state, history, no_history, cache, full_refresh } => {
            let mut settings = spec.settings();
            settings.memory_limit = memory_limit.or(settings.memory_limit);
            settings.threads = threads.or(settings.threads);
            settings.temp_directory = temp_dir.or(settings.temp_directory);
            let mut engine = Engine::new(&settings)?;
            engine.set_cache(cache.cache(&history, &spec.spec));
            let loaded = load_plan(&engine, &spec.spec, &overrides(&spec)?)?;
            // The diagnostics are printed once: with the error that stops the run, or before it.
            let diagnostics = loaded.diagnostics.clone();
            let logic = loaded.spec.as_ref().map(sluice_engine::history::spec_logic);
            let spec_doc = loaded.spec.clone();
            if json {
                // Warnings (a CSV file with a header and no rows, ...) are events too.
                for d in loaded.diagnostics.iter().filter(|d| !d.is_error()) {
                    let w = Event::Warning { node: d.node.clone(), code: d.code.into(), message: d.message.clone() };
                    outln!("{}", serde_json::to_string(&w).unwrap());
                }
            }
            // A run up to a node needs only that node and what it reads to be valid.
            let planned = match &node {
                Some(t) => loaded.into_plan_for(t),
                None => loaded.into_plan(),
            };
            if !json && planned.is_ok() {
                output::print_diagnostics(&diagnostics);
            }
            let plan = match planned {
                Ok(p) => p,
                Err(EngineError::Invalid(d)) if json => {
                    outln!("{}", serde_json::json!({"event": "invalid", "diagnostics": d}));
                    return Err(EngineError::Invalid(d));
                }
                Err(e) => return Err(e),
            };
            let cancel = engine.cancel_handle();
            let _ = ctrlc::set_handler(move || cancel.cancel());
            let mut progress = output::Progress::new(json, std::io::stderr().is_terminal());
            let store = history.store(Some(&spec.spec));
            if !no_history {
                recover_history(&store, &mut |w| progress.event(&w))?;
            }
            let history_ref = (!no_history).then(|| HistoryRef { store: store.clone(), spec_path: spec.spec.clone() });
            let state = match &state {
                Some(file) => {
                    let order = match &node {
                        Some(t) => plan.order_for(t)?,
                        None => plan.order.clone(),
                    };
                    Some(std::sync::Arc::new(sluice_core::state::StateFile::read(file, &plan, &order)?))
                }
                None => None,
            };
            let opts = RunOptions { target: node, histograms: false, history: history_ref, profile_outputs: report.is_some(), state, full_refresh };
            let mut recorder = (!no_history)
                .then(|| Recorder::new(engine.connection(), &plan, &spec.spec, logic.as_ref().unwrap_or(&serde_json::Value::Null), "cli"));
            let run_id = recorder.as_ref().map(|r| r.run_id().to_string());
            let started_at: String = engine
                .connection()
                .query_row("SELECT strftime(now()::TIMESTAMP, '%Y-%m-%d %H:%M:%S')", [], |r| r.get(0))
                .unwrap_or_default();
            let mut log = report::ReportLog::default();
            let result = engine.run(&plan, &opts, &mut |e| {
                progress.event(e);
                log.observe(e);
                if let Some(r) = recorder.as_mut() {
                    r.observe(e);
                }
            });
            if let Some(file) = &report {
                let doc = report::document(&report::RunFacts {
                    plan: &plan,
                    spec: spec_doc.as_ref(),
                    spec_path: &spec.spec,
                    run_id: run_id.as_deref(),
                    started_at,
                    log: &log,
                    result: result.as_ref(),
                });
                report::write(file, &sluice_report::render(&doc))
                    .map_err(|source| EngineError::Io { node: "--report".into(), path: file.clone(), source })?;
                if !json {
                    errln!("report written to {}", file.display());
                }
            }
            if let Some(r) = recorder {
                let record = r.finish(result.as_ref().err());
                match store.record(&record) {
                    Ok(()) if !json => errln!("run {} recorded in {}", record.run_id, store.path.display()),
                    Ok(()) => {}
                    Err(e) => errln!("warning[{}]: {e}", e.code()),
                }
            }
            let summary = result?;
            if let Some(file) = junit {
                junit::write(&file, &plan.name, &summary)
                    .map_err(|source| EngineError::Io { node: "--junit".into(), path: file.clone(), source })?;
            }
            let failed: Vec<_> = summary.failed_checks().collect();
            if !json {
                for c in &failed {
                    errln!("error[{}]: check '{}' failed: {}", sluice_engine::error::CHECK_FAILED, c.node, c.message);
                }
            }
            Ok(if failed.is_empty() { 0 } else { 1 })
        }
        Command::Cache { spec, history, cache, clear } => {
            let dir = cache.dir(&history, &spec);
            let c = Cache::in_dir(&dir);
            if clear {
                c.clear().map_err(|source| EngineError::Io { node: "cache".into(), path: dir.clone(), source })?;
                outln!("cleared {}", dir.display());
            } else {
                let (entries, bytes) = c.usage();
                outln!("{}: {entries} entries, {} MB (bound {} MB)", dir.display(), bytes >> 20, c.max_bytes >> 20);
            }
            Ok(0)
        }
        Command::Runs { action: Some(RunsAction::Show { id, spec, history }), .. } => {
            let store = history.store(spec.as_deref());
            recover_history(&store, &mut |w| print_warning(&w))?;
            outln!("{}", serde_json::to_string_pretty(&store.show(&id)?).unwrap());
            Ok(0)
        }
        Command::Runs { action: None, spec, history, limit, json } => {
            let store = history.store(spec.as_deref());
            recover_history(&store, &mut |w| print_warning(&w))?;
            let runs = store.list(spec.as_deref(), limit)?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&runs).unwrap());
            } else {
                output::print_runs(&runs);
            }
            Ok(0)
        }
        Command::Profile { spec, node, sample, json, history, cache } => {
            let mut engine = Engine::new(&spec.settings())?;
            engine.set_cache(cache.cache(&history, &spec.spec));
            let plan = load_plan(&engine, &spec.spec, &overrides(&spec)?)?.into_plan_for(&node)?;
            let p = engine.profile(&plan, &node, sample)?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&p).unwrap());
            } else {
                output::print_profile(&p);
            }
            Ok(0)
        }
        Command::Preview { spec, node, limit, json, history, cache } => {
            let mut engine = Engine::new(&spec.settings())?;
            engine.set_cache(cache.cache(&history, &spec.spec));
            let plan = load_plan(&engine, &spec.spec, &overrides(&spec)?)?.into_plan_for(&node)?;
            let table = engine.preview(&plan, &node, limit)?;
            if json {
                outln!("{}", serde_json::to_string(&table).unwrap());
            } else {
                output::print_table(&table);
            }
            Ok(0)
        }
        Command::Export(ExportTarget::Dbt { spec, out, dialect, state, history }) => {
            let engine = Engine::new(&spec.settings())?;
            let loaded = load_plan(&engine, &spec.spec, &overrides(&spec)?)?;
            // A database source that cannot be reached here still exports (export::plan).
            let (shown, unreachable): (Vec<_>, Vec<_>) = loaded.diagnostics.iter().cloned().partition(|d| d.code != "D010");
            output::print_diagnostics(&shown);
            let spec_doc = loaded.spec.clone();
            let (plan, unreachable) = match export::plan(loaded) {
                Ok(p) => p,
                Err(e) => {
                    output::print_diagnostics(&unreachable);
                    return Err(e);
                }
            };
            output::print_diagnostics(&unreachable);
            let state = match &state {
                Some(file) => Some(sluice_core::state::StateFile::read(file, &plan, &plan.order)?),
                None => None,
            };
            // Checks that compare with earlier runs get what they would compare with now.
            let store = history.store(Some(&spec.spec));
            recover_history(&store, &mut |w| print_warning(&w))?;
            let baselines = sluice_engine::CheckBaselines::read(&store, &plan, &spec.spec)?;
            let target = sluice_export::dbt::Target::parse(&dialect).expect("clap checks the dialect");
            let opts = sluice_export::dbt::Options {
                target,
                state: state.as_ref(),
                baselines: baselines.rows,
                drift_baselines: baselines.columns,
                spec_path: &spec.spec,
                connections: export::connections(&plan),
            };
            let spec_doc = spec_doc.expect("a valid plan has a spec");
            let project = match sluice_export::dbt::export(&plan, &spec_doc, &opts).and_then(|p| p.write(&out).map(|_| p)) {
                Ok(p) => p,
                Err(e) => {
                    if let sluice_export::ExportError::Unsupported { nodes, .. } = &e {
                        output::print_diagnostics(nodes);
                    }
                    errln!("error[{}]: {e}", e.code());
                    return Ok(1);
                }
            };
            output::print_diagnostics(&project.notes);
            output::print_diagnostics(&project.warnings);
            let models = project.files.iter().filter(|(p, _)| p.starts_with("models") && p.extension().is_some_and(|e| e == "sql")).count();
            outln!(
                "{}: dbt project '{}' ({dialect}): {models} models, {} generic and {} singular tests{}",
                out.display(),
                project.name,
                project.generic_tests,
                project.singular_tests,
                if project.warnings.is_empty() { String::new() } else { format!(", {} check(s) left out", project.warnings.len()) }
            );
            Ok(0)
        }
        Command::Sql { spec, node } => {
            let engine = Engine::new(&spec.settings())?;
            let plan = load_plan(&engine, &spec.spec, &overrides(&spec)?)?.into_plan_for(&node)?;
            outln!("{}", plan.sql_for(&node, &DuckDb)?);
            Ok(0)
        }
    }
}
