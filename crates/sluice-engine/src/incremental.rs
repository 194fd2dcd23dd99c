//! Incremental loads: the cursor marks incremental sources read above, and the existing rows
//! that appending and merging sinks (and partitioned datasets) keep.

use indexmap::IndexMap;
use sluice_core::catalog::{Category, Compiled, SinkTarget, SinkWrite, WriteMode};
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::Plan;

use crate::run::{clean_message, relation, Engine, HistoryRef, Progress};
use crate::sink;
use crate::EngineError;

/// The cursor column of an incremental source.
pub(crate) fn cursor_of(plan: &Plan, id: &str) -> Option<String> {
    let node = plan.nodes.get(id)?;
    if node.kind.info().category != Category::Source {
        return None;
    }
    node.params.get("cursor").and_then(|c| c.as_str()).map(str::to_string)
}

/// The mark each incremental source of `order` reads above: the highest cursor value the last
/// successful run of the spec read, when the source is still read the same way.
pub(crate) fn cursor_marks(plan: &Plan, order: &[String], history: Option<&HistoryRef>) -> IndexMap<String, String> {
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

impl Engine {
    /// The rows a sink writes, with the existing rows it keeps: appending to or merging into a
    /// Parquet file or a partitioned dataset rewrites it (existing rows first, matched by name;
    /// for a dataset only the partitions this run's rows fall in), merging into a CSV file too.
    /// Appends to CSV files and writes to DuckDB tables keep the rows in place instead.
    ///
    /// `deletes` (key columns, table of deleted keys) are the rows deleted at tracked sources
    /// above a merge sink: the existing rows with those keys go too.
    pub(crate) fn with_existing_rows(&self, plan: &Plan, id: &str, mut w: SinkWrite, full_refresh: bool, deletes: &[(Vec<String>, String)]) -> Result<SinkWrite, EngineError> {
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
            (_, WriteMode::Overwrite) | (SinkTarget::DuckDbTable { .. } | SinkTarget::Database { .. }, _) | (SinkTarget::Csv { .. }, WriteMode::Append) => None,
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
            for (key, table) in deletes {
                keep.push(format!("NOT EXISTS (SELECT 1 FROM {table} AS __d WHERE __d.key = {})", crate::deletes::key_json(key, Some("__old"))));
            }
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
    pub(crate) fn note_mark(&self, id: &str, column: &str, progress: &mut Progress) -> Result<(), EngineError> {
        let top: Option<String> = self
            .conn
            .query_row(&format!("SELECT CAST(max({}) AS VARCHAR) FROM {}", DuckDb.ident(column), relation(id)), [], |r| r.get(0))
            .map_err(|e| EngineError::Node { node: id.to_string(), message: format!("cursor '{column}': {}", clean_message(&e)) })?;
        if let Some(value) = top.or_else(|| progress.marks.get(id).cloned()) {
            progress.new_marks.insert(id.to_string(), (column.to_string(), value));
        }
        Ok(())
    }
}
