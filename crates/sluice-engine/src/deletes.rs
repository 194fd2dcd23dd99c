//! Deletes at sources without change tracking. A source with a `key` and `track_deletes`
//! finds the keys it holds now (all of them, also when it reads incrementally), compares them
//! with the keys the last successful run kept in the run history, and keeps the deleted ones in
//! a table the merge sinks below read: each removes the rows with those keys. Keys are compared
//! as the JSON text of the key columns, the same rendering on every side.

use duckdb::params;
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::Plan;

use crate::error::warning;
use crate::events::Event;
use crate::run::{clean_message, Engine, Progress};
use crate::EngineError;

/// The table of the keys source `id` holds now.
pub(crate) fn keys_table(id: &str) -> String {
    DuckDb.ident(&format!("__sluice_keys_{id}"))
}

/// The table of the keys source `id` lost since the last successful run.
pub(crate) fn deleted_table(id: &str) -> String {
    DuckDb.ident(&format!("__sluice_deleted_{id}"))
}

/// `to_json({k1: alias.k1, ...})::VARCHAR`: a row's key as text.
pub(crate) fn key_json(key: &[String], alias: Option<&str>) -> String {
    let fields: Vec<String> = key
        .iter()
        .map(|k| {
            let col = match alias {
                Some(a) => format!("{a}.{}", DuckDb.ident(k)),
                None => DuckDb.ident(k),
            };
            format!("{} := {col}", DuckDb.ident(k))
        })
        .collect();
    format!("to_json(struct_pack({}))::VARCHAR", fields.join(", "))
}

impl Engine {
    /// After tracked source `id` ran (its rows from `full_query` when it read everything): its
    /// current keys, and those deleted since the last successful run.
    pub(crate) fn track_deletes(&self, plan: &Plan, id: &str, key: &[String], full_query: &str, progress: &mut Progress) -> Result<(), EngineError> {
        let fail = |e: duckdb::Error| EngineError::Node { node: id.to_string(), message: format!("tracking deletes: {}", clean_message(&e)) };
        let Some(history) = progress.history.clone() else {
            progress.warnings.push(Event::Warning {
                node: Some(id.to_string()),
                code: warning::DELETES_WITHOUT_HISTORY.into(),
                message: "deletes are not tracked: this run keeps no run history to compare the keys with".into(),
            });
            return Ok(());
        };
        // An incremental read of a database holds only the new rows: its keys are read apart.
        let remote = plan.declared.remotes.get(id).filter(|_| progress.marks.contains_key(id));
        let source = match remote {
            Some(read) => {
                self.fetch_keys(id, read, key)?;
                DuckDb.ident(&crate::remote::keys_fetch_table(id))
            }
            None => format!("({full_query})"),
        };
        self.conn
            .execute_batch(&format!("CREATE OR REPLACE TEMP TABLE {} AS SELECT DISTINCT {} AS key FROM {source} AS __s", keys_table(id), key_json(key, Some("__s"))))
            .map_err(fail)?;
        let identity = crate::history::source_identity(&plan.node(id)?.params);
        let previous = history.store.source_keys(&history.spec_path, id, &identity)?;
        progress.tracked.push(id.to_string());
        let Some(previous) = previous else { return Ok(()) };
        let prev = DuckDb.ident(&format!("__sluice_prev_keys_{id}"));
        self.conn.execute_batch(&format!("CREATE OR REPLACE TEMP TABLE {prev} (key VARCHAR)")).map_err(fail)?;
        {
            let mut app = self.conn.appender_to_catalog_and_db(&format!("__sluice_prev_keys_{id}"), "temp", "main").map_err(fail)?;
            for k in &previous {
                app.append_row(params![k]).map_err(fail)?;
            }
            app.flush().map_err(fail)?;
        }
        self.conn
            .execute_batch(&format!(
                "CREATE OR REPLACE TEMP TABLE {} AS SELECT key FROM {prev} EXCEPT SELECT key FROM {}; DROP TABLE {prev}",
                deleted_table(id),
                keys_table(id)
            ))
            .map_err(fail)?;
        let deleted: i64 = self.conn.query_row(&format!("SELECT count(*) FROM {}", deleted_table(id)), [], |r| r.get(0)).map_err(fail)?;
        progress.deletes.insert(id.to_string(), key.to_vec());
        progress.warnings.push(Event::SourceDeletes { node: id.to_string(), deleted: deleted as u64 });
        Ok(())
    }

    /// The deletes merge sink `sink` (keyed on `sink_key`) applies: for each tracked source
    /// above it, its key and deleted-keys table. Sources whose key is not within the sink's are
    /// named in a warning instead.
    pub(crate) fn deletes_for(&self, plan: &Plan, sink: &str, sink_key: &[String], progress: &mut Progress) -> Vec<(Vec<String>, String)> {
        let mut out = Vec::new();
        let Ok(above) = plan.order_for(sink) else { return out };
        for src in above {
            let Some(key) = progress.deletes.get(&src).cloned() else { continue };
            if key.iter().all(|k| sink_key.contains(k)) {
                out.push((key, deleted_table(&src)));
            } else {
                progress.warnings.push(Event::Warning {
                    node: Some(sink.to_string()),
                    code: warning::DELETES_NOT_APPLIED.into(),
                    message: format!("rows deleted at '{src}' stay: this sink's key ({}) does not hold its key ({})", sink_key.join(", "), key.join(", ")),
                });
            }
        }
        out
    }

    /// After a whole run went through: keep each tracked source's keys as the next run's
    /// baseline.
    pub(crate) fn keep_keys(&self, plan: &Plan, progress: &Progress) -> Result<(), EngineError> {
        let Some(history) = &progress.history else { return Ok(()) };
        for id in &progress.tracked {
            let mut stmt = self.conn.prepare(&format!("SELECT key FROM {}", keys_table(id))).map_err(|e| EngineError::Database(clean_message(&e)))?;
            let keys: Vec<String> = stmt
                .query_map([], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(|e| EngineError::Database(clean_message(&e)))?;
            let identity = crate::history::source_identity(&plan.node(id)?.params);
            history.store.keep_source_keys(&history.spec_path, id, &identity, &keys)?;
        }
        Ok(())
    }

    pub(crate) fn drop_key_tables(&self, order: &[String]) {
        for id in order {
            let _ = self.conn.execute_batch(&format!("DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {}", keys_table(id), deleted_table(id)));
        }
    }
}
