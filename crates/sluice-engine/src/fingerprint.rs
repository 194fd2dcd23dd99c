//! Node fingerprints: a hash of everything a node's result depends on, so that a result computed
//! once can be reused until something it depends on changes.
//!
//! A node's fingerprint covers the build (a hash of the engine's and the core's sources: another
//! build may compile or judge differently), its kind, its resolved params, the SQL it compiles to
//! with each input named by the input's fingerprint (so an edit upstream changes every
//! fingerprint below it, and nothing else), the fitted state it applies, and for sources the identity of every file read (path, size,
//! modification time; the content's hash for small files, or for all files when asked) and the
//! incremental cursor's mark. Two fingerprints per node: `key` names the node's own work (a
//! check's verdict, a sink's write), `data` names the rows it passes on (a check passes its
//! input through, so the nodes below it do not depend on the check's rule).
//!
//! Some results must never be reused: SQL that reads the clock or draws random numbers, SQL
//! that reads files the fingerprint cannot see, checks that compare with earlier runs (in runs
//! that keep a history), sinks that append. Such a node gets a fingerprint no other run shares, so it and everything below
//! it run again.

use std::path::Path;
use std::time::UNIX_EPOCH;

use duckdb::{params, Connection};
use indexmap::IndexMap;
use serde_json::Value;
use sluice_core::catalog::check::Rule;
use sluice_core::catalog::check_drift::{DriftReference, DriftSpec};
use sluice_core::catalog::{Category, Compiled, WriteMode};
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::state::StateFile;
use sluice_core::Plan;

use crate::EngineError;

/// Files at most this large are fingerprinted by content, not only by size and time.
pub const CONTENT_HASH_BELOW: u64 = 8 << 20;

/// Bumped when the cache's layout or the meaning of a fingerprint changes.
const FORMAT: &str = "sluice-fingerprint-1";

/// A node's fingerprints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFingerprint {
    /// The node's own work: its rows, a check's verdict, a sink's write.
    pub key: String,
    /// The rows the node passes on (for a check, its input's).
    pub data: String,
    /// Why the node's result cannot be reused, when it cannot.
    pub volatile: Option<String>,
}

/// What the fingerprints of a run depend on beyond the plan.
pub struct Inputs<'a> {
    /// Fitted state applied instead of fitting.
    pub state: Option<&'a StateFile>,
    /// The incremental mark each source reads from (node id to mark text).
    pub marks: &'a IndexMap<String, String>,
    /// Hash the content of every input file, whatever its size.
    pub hash_content: bool,
    /// A full refresh: merge sinks replace their output.
    pub full_refresh: bool,
    /// The run reads and writes a run history: checks comparing with earlier runs then depend
    /// on the last run (without one they say "no baseline", every time).
    pub history: bool,
    /// For database sources with a cursor: what their database says about the rows (count and
    /// the cursor's highest value), node id to text.
    pub probes: &'a IndexMap<String, String>,
}

/// Fingerprint the nodes of `order` (inputs before consumers).
pub fn fingerprints(conn: &Connection, plan: &Plan, order: &[String], inputs: &Inputs<'_>) -> Result<IndexMap<String, NodeFingerprint>, EngineError> {
    let mut out: IndexMap<String, NodeFingerprint> = IndexMap::new();
    for id in order {
        let node = plan.node(id)?;
        let info = node.kind.info();
        // Inputs are named by their fingerprints, so the SQL text carries them.
        let rel = |up: &str| DuckDb.ident(&format!("__fp_{}", out.get(up).map(|f| f.data.as_str()).unwrap_or("?")));
        let state = inputs.state.and_then(|s| s.nodes.get(id)).map(|n| &n.state);
        let compiled = plan.compile_node_with(id, &DuckDb, &rel, state)?;
        let mut text = format!(
            "{FORMAT}\n{} {}\n{}\n{}\n{compiled:?}\n",
            env!("CARGO_PKG_VERSION"),
            env!("SLUICE_ENGINE_BUILD"),
            info.id,
            serde_json::to_string(&node.params).unwrap_or_default()
        );
        let mut volatile = volatile_sql(&compiled, info.category);
        if info.category == Category::Source {
            for f in source_files(conn, plan, id)? {
                text.push_str(&file_identity(conn, &f, inputs.hash_content));
                text.push('\n');
            }
            if let Some(mark) = inputs.marks.get(id) {
                text.push_str(&format!("cursor > {mark}\n"));
            }
            if let Some(read) = plan.declared.remotes.get(id).filter(|r| r.path.is_none()) {
                match inputs.probes.get(id) {
                    Some(p) => text.push_str(&format!("database rows {p}\n")),
                    None => {
                        volatile.get_or_insert_with(|| format!("reads {} without a cursor: its changes cannot be seen", read.describe()));
                    }
                }
            }
        }
        match &compiled {
            Compiled::Check(c) => {
                let history = matches!(
                    &c.rule,
                    Rule::ChangeFromPrevious { .. } | Rule::Drift(DriftSpec { reference: DriftReference::History { .. }, .. })
                );
                if history && inputs.history {
                    volatile.get_or_insert_with(|| "compares with earlier runs".into());
                } else if history {
                    text.push_str("no run history\n");
                }
            }
            Compiled::Write(w) if w.mode == WriteMode::Append => {
                volatile.get_or_insert_with(|| "appends on every run".into());
            }
            Compiled::Write(_) if inputs.full_refresh => text.push_str("full refresh\n"),
            _ => {}
        }
        if volatile.is_some() {
            // No later run shares this fingerprint.
            text.push_str(&format!("volatile {}\n", unique_token()));
        }
        let key = sha256(conn, &text)?;
        let data = match &compiled {
            // A check's rows are its input's rows: its verdict does not change them.
            Compiled::Check(c) => sha256(conn, &format!("{FORMAT}\npass through\n{}", c.pass_through))?,
            _ => key.clone(),
        };
        out.insert(id.clone(), NodeFingerprint { key, data, volatile });
    }
    Ok(out)
}

/// Why SQL compiled for a node cannot be reused: it reads the clock, draws random numbers or
/// reads files (outside a source, where the fingerprint cannot see which).
pub(crate) fn volatile_sql(compiled: &Compiled, category: Category) -> Option<String> {
    let text = match compiled {
        Compiled::Query(q) => q.to_lowercase(),
        Compiled::Write(w) => w.query.to_lowercase(),
        Compiled::Check(c) => format!("{}\n{:?}\n{:?}", c.metrics, c.failing, c.rule).to_lowercase(),
    };
    const CLOCK: [&str; 8] =
        ["now()", "current_date", "current_timestamp", "current_time", "localtimestamp", "today()", "get_current_time", "epoch_ms(now"];
    const RANDOM: [&str; 4] = ["random()", "uuid()", "gen_random_uuid", "setseed"];
    const FILES: [&str; 8] = ["read_csv", "read_parquet", "read_json", "read_text", "read_blob", "_scan(", "glob(", "getenv("];
    if let Some(f) = CLOCK.iter().find(|f| text.contains(*f)) {
        return Some(format!("reads the clock ({})", f.trim_end_matches('(')));
    }
    if let Some(f) = RANDOM.iter().find(|f| text.contains(*f)) {
        return Some(format!("draws random numbers ({f})"));
    }
    if category != Category::Source {
        if let Some(f) = FILES.iter().find(|f| text.contains(*f)) {
            return Some(format!("reads files in its SQL ({})", f.trim_end_matches('(')));
        }
    }
    None
}

/// The files a source node reads: its `path` param, globs expanded as the source reads them
/// (the connection is granted files, not patterns).
pub fn source_files(_conn: &Connection, plan: &Plan, id: &str) -> Result<Vec<String>, EngineError> {
    let node = plan.node(id)?;
    let Some(p) = node.params.get("path").and_then(Value::as_str) else { return Ok(vec![]) };
    let pattern = sluice_core::catalog::resolve_path(&plan.base_dir, p);
    Ok(sluice_core::files::expand(&pattern).iter().filter(|f| f.is_file()).map(|f| f.to_string_lossy().into_owned()).collect())
}

/// Path, size and modification time of a file, and its content's hash when small or asked.
fn file_identity(conn: &Connection, path: &str, hash_content: bool) -> String {
    let Ok(meta) = std::fs::metadata(path) else { return format!("{path} missing") };
    let modified = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_nanos()).unwrap_or(0);
    let mut id = format!("{path} {} {modified}", meta.len());
    if hash_content || meta.len() <= CONTENT_HASH_BELOW {
        if let Ok(h) = conn.query_row("SELECT sha256(content) FROM read_blob(?)", params![path], |r| r.get::<_, String>(0)) {
            id.push(' ');
            id.push_str(&h);
        }
    }
    id
}

/// The identity of an output on disk (a file, or a folder of partitions), to tell whether it
/// is still what a run wrote.
pub fn output_identity(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let stamp = |m: &std::fs::Metadata| {
        m.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_nanos()).unwrap_or(0)
    };
    if meta.is_file() {
        return Some(format!("{} {}", meta.len(), stamp(&meta)));
    }
    let mut files = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).ok()?.flatten() {
            let m = e.metadata().ok()?;
            if m.is_dir() {
                dirs.push(e.path());
            } else {
                files.push(format!("{} {} {}", e.path().strip_prefix(path).ok()?.display(), m.len(), stamp(&m)));
            }
        }
    }
    files.sort();
    Some(files.join("\n"))
}

fn sha256(conn: &Connection, text: &str) -> Result<String, EngineError> {
    conn.query_row("SELECT sha256(?)", params![text], |r| r.get::<_, String>(0))
        .map(|h| h[..32].to_string())
        .map_err(|e| EngineError::Database(crate::run::clean_message(&e)))
}

/// A token no other run produces.
fn unique_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}-{t}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}
