//! Reusing results: what each node does given the result cache (reuse, attach its cached rows,
//! or compute it), which results are worth keeping, how rows go into the cache and come back,
//! and which steps run inside their reader's query instead of being written out.

use indexmap::IndexMap;
use sluice_core::catalog::{Category, Compiled, SinkTarget};
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::Plan;

use crate::cache::{now_ms, Cache, Entry, WrittenOutput};
use crate::error::warning;
use crate::events::Event;
use crate::fingerprint;
use crate::incremental::cursor_of;
use crate::run::{clean_message, relation, Engine, Progress};
use crate::sink::Staged;
use crate::EngineError;

/// What a node does in a run with a cache.
#[derive(Clone)]
pub(crate) enum Action {
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
pub(crate) const SMALL_ROWS: u64 = 1_000_000;

/// Kinds whose rows are worth keeping in the cache whatever their size: reading files and the
/// operations that combine rows (joins, aggregates, windows, fits). Large results of row-by-row
/// steps (derive, filter, select, …) are computed again from their cached input when needed:
/// writing their rows would cost more than recomputing them. Parquet sources are read again
/// rather than copied.
pub(crate) fn persisted(kind: &str, category: Category) -> bool {
    const CHEAP: [&str; 15] = [
        "read_parquet", "derive", "filter", "select", "cast", "fill_nulls", "limit", "sample", "union", "transform",
        "interact", "text_features", "datetime_features", "hash_encode", "split",
    ];
    matches!(category, Category::Source | Category::Transform | Category::Feature) && !CHEAP.contains(&kind)
}

/// The rows of a sink's output as it is on disk (None for DuckDB tables).
pub(crate) fn output_relation(plan: &Plan, id: &str) -> Option<String> {
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
        SinkTarget::DuckDbTable { .. } | SinkTarget::Database { .. } => None,
    }
}

impl Engine {
    /// Run one node; returns its row count, for a check its result, and whether the result
    /// came from the cache.
    /// What each node of `order` does given the cache: reuse its result, or compute it. A node
    /// whose own result is cached is still made available (its rows attached from the cache,
    /// or computed when only their count was kept) when a node that computes reads it, or when
    /// it is `wanted` (the node a preview or profile looks at).
    pub(crate) fn demand(&self, plan: &Plan, order: &[String], progress: &Progress, wanted: Option<&str>) -> IndexMap<String, Action> {
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

    /// Whether node `id`, compiled to `q`, can be a view rather than a table: a row-by-row step
    /// (or, without a cache, a step that only adds columns) whose SQL gives the same rows each
    /// time it is read (no clock, no random numbers), read by
    /// exactly one node of the run that reads it once (not a check, whose rows pass on to more
    /// readers, nor a fitted step, which reads its input to fit and again to apply), and not the
    /// node a preview or profile looks at.
    pub(crate) fn inlinable(&self, plan: &Plan, id: &str, q: &str, progress: &Progress) -> bool {
        let Ok(node) = plan.node(id) else { return false };
        let info = node.kind.info();
        // Steps that only add columns (windows, lags, rolling aggregates) are costly to compute
        // but free to count as a view (DuckDB drops the unused window functions): without a
        // cache to keep their rows, their reader computes them.
        const ADD_COLUMNS: [&str; 3] = ["window", "lag", "rolling"];
        let kept_in_cache = self.cache.is_some() && persisted(info.id, info.category);
        let cheap_to_count = !persisted(info.id, info.category) || ADD_COLUMNS.contains(&info.id);
        if kept_in_cache || !cheap_to_count || progress.wanted.as_deref() == Some(id) || cursor_of(plan, id).is_some() {
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
    /// relation). None when the cache folder cannot be written (a full disk, a folder that cannot
    /// be made): the node is then computed in memory as without a cache, and so is the rest of
    /// the run, with a warning.
    pub(crate) fn store_rows(&self, cache: &Cache, key: &str, id: &str, q: &str, progress: &mut Progress) -> Result<Option<u64>, EngineError> {
        if progress.cache_unwritable {
            return Ok(None);
        }
        let mut unwritable = |reason: String| -> Result<Option<u64>, EngineError> {
            progress.cache_unwritable = true;
            progress.warnings.push(Event::Warning {
                node: Some(id.to_string()),
                code: warning::CACHE_UNWRITABLE.into(),
                message: format!(
                    "the result cache {} cannot be written ({reason}); this run goes on without keeping results in it",
                    cache.dir.display()
                ),
            });
            Ok(None)
        };
        let tmp = match cache.data_staging(key) {
            Ok(t) => t,
            Err(e) => return unwritable(e.to_string()),
        };
        let alias = DuckDb.ident("__sluice_store");
        if let Err(e) = self.conn.execute_batch(&format!("ATTACH {} AS {alias}", DuckDb.string(&tmp.to_string_lossy()))) {
            crate::cache::remove_database(&tmp);
            return unwritable(clean_message(&e));
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
                let message = clean_message(&e);
                // Writing the cache file failed, not the node's query: compute it in memory.
                if is_write_failure(&message, &tmp) {
                    return unwritable(message);
                }
                return Err(EngineError::Node { node: id.to_string(), message });
            }
            (Ok(_), Err(e)) => {
                crate::cache::remove_database(&tmp);
                return unwritable(clean_message(&e));
            }
        };
        if let Err(e) = cache.commit_data(&tmp, key) {
            crate::cache::remove_database(&tmp);
            return unwritable(e.to_string());
        }
        Ok(Some(rows))
    }

    /// Name the rows of cache entry `key` as node `id`'s relation.
    pub(crate) fn attach_cached(&self, cache: &Cache, key: &str, id: &str, progress: &mut Progress) -> Result<(), EngineError> {
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
    pub(crate) fn remember_outputs(&self, staged: &[Staged], progress: &mut Progress) {
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
}

/// Whether DuckDB's `message` is about writing the cache file `file` (or any file: a full disk),
/// rather than about the query that fills it.
fn is_write_failure(message: &str, file: &std::path::Path) -> bool {
    const DISK: [&str; 4] = ["No space left on device", "Disk quota exceeded", "Could not write file", "File too large"];
    (message.starts_with("IO Error") && message.contains(&*file.to_string_lossy())) || DISK.iter().any(|m| message.contains(m))
}
