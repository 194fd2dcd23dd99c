//! Database sources in the engine. Before a describe, a source's columns (from its database's
//! catalog) become an empty table its compiled SQL reads; when it runs, its rows are fetched
//! into that table as Arrow record batches, appended to DuckDB as they are (no SQL text per
//! row). An incremental source asks the database only for the rows above its mark. HTTP API
//! sources (`read_http`) go the same way, through `sluice_connect::http`.
//!
//! Connections are opened once per engine and only for the connections the spec's nodes name:
//! the user's connection list is read, but a spec reaches nothing it does not name.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use sluice_connect::{Above, ConnectError, Connections, Database, RemoteColumn};
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::catalog::SinkTarget;
use sluice_core::remote::{fetched_table, Driver, RemoteRead};

use crate::run::{clean_message, Engine};
use crate::EngineError;

/// The open databases of an engine, by connection name (or SQLite file).
#[derive(Default)]
pub(crate) struct Remotes {
    connections: OnceLock<Result<Connections, String>>,
    open: Mutex<HashMap<String, Box<dyn Database>>>,
    /// Columns learnt per node (checked again when the rows are fetched).
    columns: Mutex<HashMap<String, Vec<RemoteColumn>>>,
    /// The open object stores, by connection (or anonymous) and bucket.
    pub(crate) stores: Mutex<HashMap<String, std::sync::Arc<sluice_connect::objects::Store>>>,
}

/// The table the keys of all of source `node`'s rows are fetched into, for deletes tracking.
pub(crate) fn keys_fetch_table(node: &str) -> String {
    format!("__sluice_fetch_keys_{node}")
}

fn key(read: &RemoteRead) -> String {
    match (&read.connection, &read.path) {
        (Some(c), _) => format!("conn:{c}"),
        (None, Some(p)) => format!("{}:{p}", read.driver.name()),
        // HTTP APIs read without a connection share one client (and its request pacing).
        (None, None) if read.driver == Driver::Http => "http:".to_string(),
        (None, None) => String::new(),
    }
}

impl Engine {
    /// The user's connections, read once per engine.
    pub(crate) fn connections(&self) -> Result<&Connections, EngineError> {
        self.remotes.connections.get_or_init(|| Connections::load().map_err(|e| e.to_string())).as_ref().map_err(|m| EngineError::Database(m.clone()))
    }

    /// Run `f` on the open database `read` goes through, opening it the first time.
    fn with_database<T>(&self, node: &str, read: &RemoteRead, f: impl FnOnce(&mut dyn Database) -> Result<T, ConnectError>) -> Result<T, EngineError> {
        let fail = |source: ConnectError| EngineError::Connection { node: node.to_string(), source };
        let k = key(read);
        let mut open = self.remotes.open.lock().unwrap_or_else(|e| e.into_inner());
        if !open.contains_key(&k) {
            let db = match (read.driver, &read.connection, &read.path) {
                (Driver::Sqlite, _, Some(path)) => sluice_connect::open_sqlite(Path::new(path)).map_err(fail)?,
                (Driver::Http, None, _) => sluice_connect::open_http(None).map_err(fail)?,
                (Driver::Spreadsheet, _, Some(path)) => sluice_connect::open_spreadsheet(Path::new(path)).map_err(fail)?,
                (_, Some(name), _) => {
                    let conns = self.connections()?;
                    let resolved = conns.resolve(name).map_err(fail)?;
                    if resolved.driver != read.driver {
                        return Err(fail(ConnectError::Invalid {
                            name: name.clone(),
                            message: format!("it is a {} connection, and this node reads {}", resolved.driver.name(), read.driver.name()),
                        }));
                    }
                    sluice_connect::open(&resolved).map_err(fail)?
                }
                _ => return Err(EngineError::Node { node: node.to_string(), message: "the source names no connection or file".into() }),
            };
            open.insert(k.clone(), db);
        }
        let db = open.get_mut(&k).expect("opened above");
        let r = f(db.as_mut());
        if matches!(r, Err(ConnectError::Connect { .. })) {
            // A connection that broke is opened again next time.
            open.remove(&k);
        }
        r.map_err(fail)
    }

    /// Learn source `node`'s columns from its database and make the empty table its SQL reads.
    pub(crate) fn prepare_remote(&self, node: &str, read: &RemoteRead) -> Result<Vec<RemoteColumn>, EngineError> {
        let columns = self.with_database(node, read, |db| db.columns(&read.relation))?;
        if columns.is_empty() {
            return Err(EngineError::Node { node: node.into(), message: format!("{} has no columns", read.describe()) });
        }
        let defs: Vec<String> = columns.iter().map(|c| format!("{} {}", DuckDb.ident(&c.name), c.ty.duckdb())).collect();
        let sql = format!("CREATE OR REPLACE TEMP TABLE {} ({})", DuckDb.ident(&fetched_table(node)), defs.join(", "));
        self.conn.execute_batch(&sql).map_err(|e| EngineError::Node { node: node.into(), message: clean_message(&e) })?;
        self.remotes.columns.lock().unwrap_or_else(|e| e.into_inner()).insert(node.to_string(), columns.clone());
        Ok(columns)
    }

    /// Fetch source `node`'s rows (above `mark` when given) into its table; returns the count.
    pub(crate) fn fetch_remote(&self, node: &str, read: &RemoteRead, mark: Option<&str>) -> Result<u64, EngineError> {
        let columns = self.prepare_remote(node, read)?;
        let above = match (&read.cursor, mark) {
            (Some(column), Some(m)) => Some(Above { column: column.clone(), mark: m.to_string() }),
            _ => None,
        };
        self.fetch_into(node, read, &columns, above.as_ref(), &fetched_table(node))
    }

    /// Fetch `columns` of the rows `read` names into existing table `table`. The driver reads
    /// and decodes on a thread of its own while this one appends the batches to DuckDB: the two
    /// halves of the work overlap instead of taking turns.
    fn fetch_into(&self, node: &str, read: &RemoteRead, columns: &[RemoteColumn], above: Option<&Above>, table: &str) -> Result<u64, EngineError> {
        let fail = |e: duckdb::Error| EngineError::Node { node: node.into(), message: clean_message(&e) };
        let mut appender = self.conn.appender_to_catalog_and_db(table, "temp", "main").map_err(fail)?;
        let rows = self.with_database(node, read, |db| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<duckdb::arrow::record_batch::RecordBatch>(4);
            std::thread::scope(|scope| {
                let reader = scope.spawn(move || {
                    db.fetch(&read.relation, columns, above, &mut |batch| tx.send(batch).map_err(|_| "the rows could not be stored".to_string()))
                });
                let mut appended: Result<(), String> = Ok(());
                for batch in rx.iter() {
                    if let Err(e) = appender.append_record_batch(batch) {
                        appended = Err(clean_message(&e));
                        // Dropping the receiver stops the reader at its next batch.
                        break;
                    }
                }
                drop(rx);
                let fetched = reader.join().unwrap_or_else(|_| {
                    Err(ConnectError::Read { name: read.connection.clone().unwrap_or_default(), message: "the reading thread failed".into() })
                });
                match appended {
                    Err(m) => Err(ConnectError::Read { name: read.connection.clone().or(read.path.clone()).unwrap_or_default(), message: m }),
                    Ok(()) => fetched,
                }
            })
        })?;
        appender.flush().map_err(fail)?;
        Ok(rows)
    }

    /// Fetch only the `key` columns of all of source `node`'s rows (an incremental run's fetch
    /// holds only the new ones) into [`keys_fetch_table`].
    pub(crate) fn fetch_keys(&self, node: &str, read: &RemoteRead, key: &[String]) -> Result<u64, EngineError> {
        let known = self.remotes.columns.lock().unwrap_or_else(|e| e.into_inner()).get(node).cloned().unwrap_or_default();
        let columns: Vec<RemoteColumn> = key.iter().filter_map(|k| known.iter().find(|c| &c.name == k).cloned()).collect();
        if columns.len() != key.len() {
            return Err(EngineError::Node { node: node.into(), message: format!("key ({}) is not among the columns read", key.join(", ")) });
        }
        let table = keys_fetch_table(node);
        let defs: Vec<String> = columns.iter().map(|c| format!("{} {}", DuckDb.ident(&c.name), c.ty.duckdb())).collect();
        let fail = |e: duckdb::Error| EngineError::Node { node: node.into(), message: clean_message(&e) };
        self.conn.execute_batch(&format!("CREATE OR REPLACE TEMP TABLE {} ({})", DuckDb.ident(&table), defs.join(", "))).map_err(fail)?;
        self.fetch_into(node, read, &columns, None, &table)
    }

    /// Text that changes when the rows of source `node` can have changed (with a cursor), for
    /// its fingerprint.
    pub(crate) fn probe_remote(&self, node: &str, read: &RemoteRead, cursor: &str) -> Result<String, EngineError> {
        self.with_database(node, read, |db| db.probe(&read.relation, cursor))
    }

    /// The probes of the database sources of `order` that have a cursor (see
    /// [`crate::fingerprint::Inputs::probes`]).
    pub(crate) fn probes(&self, plan: &sluice_core::Plan, order: &[String]) -> Result<indexmap::IndexMap<String, String>, EngineError> {
        let mut out = indexmap::IndexMap::new();
        for id in order {
            let Some(read) = plan.declared.remotes.get(id).filter(|r| r.path.is_none()) else { continue };
            if let Some(cursor) = &read.cursor {
                out.insert(id.clone(), self.probe_remote(id, read, cursor)?);
            }
        }
        Ok(out)
    }

    /// Send the rows staged for database sink `s` to its table, in one transaction of its
    /// database (with the rows deleted at tracked sources above it removed).
    pub(crate) fn write_remote(&self, s: &crate::sink::Staged) -> Result<(), EngineError> {
        if let Some(o) = &s.object {
            return self.send_object(o).map(|_| ());
        }
        let SinkTarget::Database { driver, connection, schema, table } = &s.write.target else { return Ok(()) };
        let node = s.node.as_str();
        let fail = |e: duckdb::Error| EngineError::Node { node: node.into(), message: clean_message(&e) };
        let rows_table = crate::sink::staged_rows(node);
        let columns: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare(&format!("DESCRIBE {rows_table}")).map_err(fail)?;
            let r = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(fail)?;
            r.collect::<Result<_, _>>().map_err(fail)?
        };
        let mut deleted = Vec::new();
        for (key, keys_table) in &s.deletes {
            let structure: Vec<String> = key
                .iter()
                .map(|k| {
                    let ty = columns.iter().find(|(n, _)| n == k).map(|(_, t)| t.as_str()).unwrap_or("VARCHAR");
                    format!("{}: {}", serde_json::Value::String(k.clone()), serde_json::Value::String(ty.to_string()))
                })
                .collect();
            let sql = format!("SELECT unnest(json_transform(key, {})) FROM {keys_table}", DuckDb.string(&format!("{{{}}}", structure.join(", "))));
            let mut stmt = self.conn.prepare(&sql).map_err(fail)?;
            let batches: Vec<_> = stmt.query_arrow([]).map_err(fail)?.collect();
            deleted.push((key.clone(), batches));
        }
        let mut stmt = self.conn.prepare(&format!("SELECT * FROM {rows_table}")).map_err(fail)?;
        let mut batches = stmt.query_arrow([]).map_err(fail)?;
        let target = sluice_connect::TableWrite {
            schema: schema.as_deref(),
            table,
            mode: s.write.mode,
            key: &s.write.key,
            columns: &columns,
            deleted: &deleted,
        };
        let read = RemoteRead {
            driver: *driver,
            connection: Some(connection.clone()),
            path: None,
            relation: sluice_core::remote::Relation::Table { schema: schema.clone(), table: table.clone() },
            cursor: None,
            key: vec![],
            track_deletes: false,
        };
        self.with_database(node, &read, |db| db.write(&target, &mut batches)).map(|_| ())
    }

    /// Drop the tables fetched for `nodes`.
    pub(crate) fn drop_fetched(&self, nodes: &[String]) {
        for id in nodes {
            let _ = self.conn.execute_batch(&format!("DROP TABLE IF EXISTS {}", DuckDb.ident(&fetched_table(id))));
            let _ = self.conn.execute_batch(&format!("DROP TABLE IF EXISTS {}", DuckDb.ident(&keys_fetch_table(id))));
        }
    }
}
