//! Sinks write to staged files beside their targets; only when every node of the run succeeded
//! are they moved into place. A failed or cancelled run deletes the staged files, so earlier
//! outputs are never touched.
//!
//! Committing holds every DuckDB sink file's lock first (waiting a bounded time for another run
//! that holds it), then moves the staged files into place keeping the previous ones aside, then
//! writes the DuckDB tables, one transaction per file. When a table cannot be written, its
//! transaction is rolled back and the previous files are moved back: the run changes no output.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use duckdb::Connection;
use indexmap::IndexMap;
use sluice_core::catalog::{SinkTarget, SinkWrite, WriteMode};
use sluice_core::dialect::{Dialect, DuckDb};

use crate::events::Event;
use crate::run::clean_message;
use crate::staging;
use crate::staging::staging_path;
use crate::EngineError;

/// A sink's output, ready to commit.
pub(crate) struct Staged {
    pub node: String,
    pub path: PathBuf,
    /// The staged file (none for DuckDB tables, which are written at commit).
    pub tmp: Option<PathBuf>,
    pub rows: u64,
    pub write: SinkWrite,
    pub committed: bool,
    /// The fingerprint this write is remembered under once committed.
    pub cache_key: Option<String>,
    /// A partitioned dataset replaced as a whole (a full refresh or a new folder) rather than
    /// partition by partition.
    pub replace_all: bool,
    /// Rows deleted at tracked sources above a merge sink (key columns, table of deleted keys):
    /// a DuckDB table removes them at commit (files had them removed when staged).
    pub deletes: Vec<(Vec<String>, String)>,
    /// The object path (`s3://...`) the committed file is sent to, after the local commit.
    pub object: Option<sluice_core::files::ObjectUse>,
}

/// The table holding the rows a database sink sends at commit.
pub(crate) fn staged_rows(node: &str) -> String {
    DuckDb.ident(&format!("__sluice_sink_rows_{node}"))
}

/// Where the previous output at `target` waits while a commit may still be undone.
fn aside_path(target: &Path, node: &str, token: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    staging_path(&target.with_file_name(format!("{name}.old")), node, token)
}

fn io<'a>(node: &str, path: &'a Path) -> impl Fn(std::io::Error) -> EngineError + 'a {
    let node = node.to_string();
    move |source| EngineError::Io { node: node.clone(), path: path.to_path_buf(), source }
}

/// Write the sink's rows to a staged file (a staged folder of partitions for a partitioned
/// dataset; `full_refresh` replaces all of it, not only the partitions written). Staged files
/// that killed runs left in the target's folder are deleted first.
pub(crate) fn stage(conn: &Connection, node: &str, w: &SinkWrite, full_refresh: bool, token: &str) -> Result<Staged, EngineError> {
    let fail = |e: duckdb::Error| EngineError::Node { node: node.to_string(), message: clean_message(&e) };
    if let Some(dir) = w.path.parent() {
        fs::create_dir_all(dir).map_err(io(node, dir))?;
        staging::sweep(dir, false);
    }
    let d = DuckDb;
    let replace_all = full_refresh || !w.path.exists();
    let tmp = staging_path(&w.path, node, token);
    let (tmp, rows) = match &w.target {
        SinkTarget::Parquet { compression } if !w.partition_by.is_empty() => {
            if w.path.is_file() {
                return Err(EngineError::Node {
                    node: node.to_string(),
                    message: format!("{} is a file; with partition_by the output is a folder of partitions", w.path.display()),
                });
            }
            // Partitions are moved in one by one, their previous versions set aside inside.
            staging::sweep(&w.path, true);
            let _ = fs::remove_dir_all(&tmp);
            let rows = write_partitions(conn, &w.query, &w.partition_by, compression, &tmp).map_err(|e| {
                let _ = fs::remove_dir_all(&tmp);
                match e {
                    PartitionError::Db(e) => fail(e),
                    PartitionError::Io(e) => io(node, &tmp)(e),
                }
            })?;
            fs::create_dir_all(&tmp).map_err(io(node, &tmp))?;
            (Some(tmp), rows)
        }
        SinkTarget::Parquet { compression } => {
            let rows = conn
                .execute(&format!("COPY ({}) TO {} (FORMAT parquet, COMPRESSION {compression})", w.query, d.string(&tmp.to_string_lossy())), [])
                .map_err(|e| { let _ = fs::remove_file(&tmp); fail(e) })?;
            (Some(tmp), rows as u64)
        }
        SinkTarget::Csv { delimiter, header } => {
            let appending = w.mode == WriteMode::Append && w.path.is_file();
            let rows = conn
                .execute(
                    &format!(
                        "COPY ({}) TO {} (FORMAT csv, HEADER {}, DELIMITER {})",
                        w.query,
                        d.string(&tmp.to_string_lossy()),
                        *header && !appending,
                        d.string(delimiter)
                    ),
                    [],
                )
                .map_err(|e| { let _ = fs::remove_file(&tmp); fail(e) })?;
            if appending {
                // The new rows go after the existing ones in the same staged file.
                append_bytes(&w.path, &tmp).map_err(|e| { let _ = fs::remove_file(&tmp); io(node, &w.path)(e) })?;
            }
            (Some(tmp), rows as u64)
        }
        SinkTarget::Database { .. } => {
            // The rows wait in a table of their own until the commit sends them.
            conn.execute_batch(&format!("CREATE OR REPLACE TEMP TABLE {} AS {}", staged_rows(node), w.query)).map_err(fail)?;
            let rows = conn.query_row(&format!("SELECT count(*) FROM {}", staged_rows(node)), [], |r| r.get::<_, i64>(0)).map_err(fail)?;
            (None, rows as u64)
        }
        SinkTarget::DuckDbTable { .. } => {
            let rows = conn
                .query_row(&format!("SELECT count(*) FROM ({})", w.query), [], |r| r.get::<_, i64>(0))
                .map_err(fail)?;
            (None, rows as u64)
        }
    };
    // A table in a database has no file: it is named `connection:schema.table` instead.
    let path = match &w.target {
        SinkTarget::Database { connection, schema, table, .. } => {
            PathBuf::from(format!("{connection}:{}{table}", schema.as_ref().map(|s| format!("{s}.")).unwrap_or_default()))
        }
        _ => w.path.clone(),
    };
    Ok(Staged { node: node.to_string(), path, tmp, rows, write: w.clone(), committed: false, cache_key: None, replace_all, deletes: Vec::new(), object: None })
}

/// Rewrite `staged` (the new rows) as the existing bytes of `existing` (with a final newline)
/// followed by those rows.
fn append_bytes(existing: &Path, staged: &Path) -> std::io::Result<()> {
    let new_rows = fs::read(staged)?;
    let old = fs::read(existing)?;
    let mut f = fs::File::create(staged)?;
    f.write_all(&old)?;
    if !old.is_empty() && !old.ends_with(b"\n") {
        f.write_all(b"\n")?;
    }
    f.write_all(&new_rows)?;
    f.sync_all()
}

/// How long a commit waits for another process to release a DuckDB sink file:
/// `SLUICE_LOCK_TIMEOUT` seconds, 30 by default.
fn lock_timeout() -> Duration {
    let secs = std::env::var("SLUICE_LOCK_TIMEOUT").ok().and_then(|s| s.trim().parse::<f64>().ok()).filter(|s| *s >= 0.0);
    Duration::from_secs_f64(secs.unwrap_or(30.0))
}

/// DuckDB's message when another process holds a database file.
fn is_lock_conflict(message: &str) -> bool {
    message.contains("Could not set lock") || message.contains("Conflicting lock")
}

/// A DuckDB sink file attached for the commit, and the sinks writing to it.
struct Database {
    alias: String,
    path: PathBuf,
    /// The file did not exist before: a commit that fails deletes it again.
    created: bool,
    sinks: Vec<usize>,
}

/// A file or folder moved into place, and where its previous version waits.
struct Moved {
    target: PathBuf,
    aside: Option<PathBuf>,
    /// Folders made for it (new partitions' parents), deepest last.
    made: Vec<PathBuf>,
}

/// Commit every staged output (see the module doc). On error, every output is as it was, except
/// those the error says were written (when a second DuckDB file fails after a first committed).
///
/// Tables in databases reached through connections are written last, each in its own
/// transaction, and outputs at object paths are sent to their stores, by `write_remote`.
pub(crate) fn commit_all(
    conn: &Connection,
    staged: &mut [Staged],
    token: &str,
    write_remote: &dyn Fn(&Staged) -> Result<(), EngineError>,
    on_event: &mut dyn FnMut(&Event),
) -> Result<(), EngineError> {
    let mut dbs: IndexMap<PathBuf, Database> = IndexMap::new();
    for (i, s) in staged.iter().enumerate() {
        if let SinkTarget::DuckDbTable { .. } = s.write.target {
            let n = dbs.len();
            dbs.entry(s.path.clone())
                .or_insert_with(|| Database { alias: format!("__sluice_sink_{n}"), path: s.path.clone(), created: !s.path.exists(), sinks: vec![] })
                .sinks
                .push(i);
        }
    }
    let mut attached: Vec<&Database> = Vec::new();
    // Detach the files; on failure, files this commit created and did not write go again.
    let release = |attached: &[&Database], written: &[&Database]| {
        for db in attached {
            let _ = conn.execute_batch(&format!("DETACH {}", DuckDb.ident(&db.alias)));
            if db.created && !written.iter().any(|w| w.path == db.path) {
                crate::cache::remove_database(&db.path);
            }
        }
    };
    // 1. Hold every DuckDB file: nothing is changed yet if one stays locked.
    for db in dbs.values() {
        let node = &staged[db.sinks[0]].node;
        if let Err(e) = attach_waiting(conn, db, node) {
            release(&attached, &[]);
            return Err(e);
        }
        attached.push(db);
    }
    // 2. Move the staged files into place, the previous versions aside.
    let mut moved: Vec<Moved> = Vec::new();
    for s in staged.iter() {
        let Some(tmp) = &s.tmp else { continue };
        let r = if tmp.is_dir() && !s.replace_all {
            move_partitions(tmp, &s.path, &s.node, token, &mut moved)
        } else {
            move_aside_and_in(tmp, &s.path, &s.node, token, vec![], &mut moved)
        };
        if let Err(e) = r {
            let undone = undo(&moved);
            release(&attached, &[]);
            return Err(with_undo(io(&s.node, &s.path)(e), undone));
        }
    }
    // 3. The DuckDB tables, one transaction per file.
    let mut written_dbs: Vec<&Database> = Vec::new();
    for db in dbs.values() {
        if let Err(e) = write_tables(conn, db, staged) {
            let undone = undo(&moved);
            release(&attached, &written_dbs);
            let e = with_undo(e, undone);
            // Tables of files already committed stay written: say so, never "no output changed".
            let done: Vec<String> = written_dbs.iter().map(|d| d.path.display().to_string()).collect();
            for d in &written_dbs {
                for &i in &d.sinks {
                    staged[i].committed = true;
                    on_event(&Event::OutputWritten { node: staged[i].node.clone(), path: staged[i].path.clone(), rows: staged[i].rows });
                }
            }
            return Err(match (e, done.is_empty()) {
                (EngineError::Node { node, message }, false) => {
                    EngineError::Node { node, message: format!("{message} ({} had been written already)", done.join(", ")) }
                }
                (e, _) => e,
            });
        }
        written_dbs.push(db);
    }
    // 4. Tables in databases reached through connections, objects in stores.
    let mut written_remote: Vec<usize> = Vec::new();
    for (i, s) in staged.iter().enumerate() {
        if !matches!(s.write.target, SinkTarget::Database { .. }) && s.object.is_none() {
            continue;
        }
        if let Err(e) = write_remote(s) {
            let undone = undo(&moved);
            release(&attached, &written_dbs);
            let e = with_undo(e, undone);
            let mut done: Vec<String> = written_dbs.iter().map(|d| d.path.display().to_string()).collect();
            for d in &written_dbs {
                for &j in &d.sinks {
                    staged[j].committed = true;
                    on_event(&Event::OutputWritten { node: staged[j].node.clone(), path: staged[j].path.clone(), rows: staged[j].rows });
                }
            }
            for &j in &written_remote {
                staged[j].committed = true;
                done.push(match &staged[j].object {
                    Some(o) => o.object.url(),
                    None => format!("the table of '{}'", staged[j].node),
                });
                on_event(&Event::OutputWritten { node: staged[j].node.clone(), path: staged[j].path.clone(), rows: staged[j].rows });
            }
            return Err(match (e, done.is_empty()) {
                (EngineError::Node { node, message }, false) => {
                    EngineError::Node { node, message: format!("{message} ({} had been written already)", done.join(", ")) }
                }
                (e, _) => e,
            });
        }
        written_remote.push(i);
    }
    release(&attached, &written_dbs);
    for m in &moved {
        if let Some(a) = &m.aside {
            remove_any(a);
        }
    }
    for s in staged.iter_mut() {
        s.committed = true;
        on_event(&Event::OutputWritten { node: s.node.clone(), path: s.path.clone(), rows: s.rows });
    }
    Ok(())
}

/// Attach `db` read-write, retrying with backoff while another process holds its lock.
fn attach_waiting(conn: &Connection, db: &Database, node: &str) -> Result<(), EngineError> {
    let d = DuckDb;
    let sql = format!("ATTACH {} AS {}", d.string(&db.path.to_string_lossy()), d.ident(&db.alias));
    let limit = lock_timeout();
    let start = Instant::now();
    let mut pause = Duration::from_millis(50);
    loop {
        match conn.execute_batch(&sql) {
            Ok(()) => return Ok(()),
            Err(e) => {
                let message = clean_message(&e);
                if !is_lock_conflict(&message) {
                    return Err(EngineError::Node { node: node.to_string(), message });
                }
                if start.elapsed() >= limit {
                    return Err(EngineError::Locked { node: node.to_string(), path: db.path.clone(), waited_s: start.elapsed().as_secs(), message });
                }
                std::thread::sleep(pause.min(limit.saturating_sub(start.elapsed())));
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// Write every table of `db` in one transaction; rolled back on error.
fn write_tables(conn: &Connection, db: &Database, staged: &[Staged]) -> Result<(), EngineError> {
    let d = DuckDb;
    let alias = d.ident(&db.alias);
    let mut current = &staged[db.sinks[0]].node;
    let r = (|| -> Result<(), duckdb::Error> {
        conn.execute_batch("BEGIN")?;
        for &i in &db.sinks {
            let s = &staged[i];
            current = &s.node;
            let SinkTarget::DuckDbTable { table } = &s.write.target else { continue };
            let t = format!("{alias}.{}", d.ident(table));
            let exists: bool = conn.query_row(
                "SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
                [db.alias.clone(), table.clone()],
                |r| r.get(0),
            )?;
            let q = &s.write.query;
            let body = match s.write.mode {
                WriteMode::Append if exists => format!("INSERT INTO {t} BY NAME {q}"),
                // Rows whose key comes again go, then every new row is inserted.
                WriteMode::Merge if exists => {
                    let mut body = format!(
                        "DELETE FROM {t} WHERE EXISTS (SELECT 1 FROM ({q}) AS __new WHERE {}); INSERT INTO {t} BY NAME {q};",
                        key_match(&s.write.key, "__new", &t)
                    );
                    for (key, deleted) in &s.deletes {
                        body.push_str(&format!(" DELETE FROM {t} WHERE {} IN (SELECT key FROM {deleted});", crate::deletes::key_json(key, Some(&t))));
                    }
                    body
                }
                _ => format!("CREATE OR REPLACE TABLE {t} AS {q}"),
            };
            conn.execute_batch(&body)?;
        }
        conn.execute_batch("COMMIT")
    })();
    r.map_err(|e| {
        let _ = conn.execute_batch("ROLLBACK");
        EngineError::Node { node: current.clone(), message: format!("writing {}: {}", db.path.display(), clean_message(&e)) }
    })
}

/// Move `from` to `target`, the previous `target` (if any) set aside first.
fn move_aside_and_in(from: &Path, target: &Path, node: &str, token: &str, made: Vec<PathBuf>, moved: &mut Vec<Moved>) -> std::io::Result<()> {
    // A folder where a file goes (or the other way round) is not the previous output: it stays.
    if target.exists() && target.is_dir() != from.is_dir() {
        let what = if target.is_dir() { "a folder" } else { "a file" };
        return Err(std::io::Error::other(format!("{what} is in the way")));
    }
    let aside = target.exists().then(|| aside_path(target, node, token));
    if let Some(a) = &aside {
        remove_any(a);
        fs::rename(target, a)?;
    }
    if let Err(e) = fs::rename(from, target) {
        if let Some(a) = &aside {
            let _ = fs::rename(a, target);
        }
        return Err(e);
    }
    moved.push(Moved { target: target.to_path_buf(), aside, made });
    Ok(())
}

/// Move a staged folder of partitions into place partition by partition (each replaced by a
/// rename; partitions the run did not write stay as they are).
fn move_partitions(staged: &Path, target: &Path, node: &str, token: &str, moved: &mut Vec<Moved>) -> std::io::Result<()> {
    let mut leaves = Vec::new();
    let mut dirs = vec![staged.to_path_buf()];
    while let Some(d) = dirs.pop() {
        let mut has_files = false;
        for e in fs::read_dir(&d)?.flatten() {
            if e.file_type()?.is_dir() {
                dirs.push(e.path());
            } else {
                has_files = true;
            }
        }
        if has_files && d != staged {
            leaves.push(d);
        }
    }
    for leaf in leaves {
        let rel = leaf.strip_prefix(staged).map_err(std::io::Error::other)?;
        let dest = target.join(rel);
        let mut made = Vec::new();
        let mut p = dest.parent();
        while let Some(dir) = p.filter(|d| !d.exists()) {
            made.insert(0, dir.to_path_buf());
            p = dir.parent();
        }
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        move_aside_and_in(&leaf, &dest, node, token, made, moved)?;
    }
    fs::remove_dir_all(staged)
}

/// Put back what was moved, latest first. Returns the outputs that could not be restored.
fn undo(moved: &[Moved]) -> Vec<PathBuf> {
    let mut failed = Vec::new();
    for m in moved.iter().rev() {
        remove_any(&m.target);
        let back = match &m.aside {
            Some(a) => fs::rename(a, &m.target),
            None => Ok(()),
        };
        if back.is_err() {
            failed.push(m.target.clone());
        }
        for dir in m.made.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
    failed
}

fn with_undo(e: EngineError, failed: Vec<PathBuf>) -> EngineError {
    if failed.is_empty() {
        return e;
    }
    let list: Vec<String> = failed.iter().map(|p| p.display().to_string()).collect();
    let note = format!("; the previous version of {} could not be put back", list.join(", "));
    match e {
        EngineError::Node { node, message } => EngineError::Node { node, message: message + &note },
        EngineError::Io { node, path, source } => {
            EngineError::Io { node, path, source: std::io::Error::new(source.kind(), format!("{source}{note}")) }
        }
        other => other,
    }
}

fn remove_any(p: &Path) {
    if p.is_dir() {
        let _ = fs::remove_dir_all(p);
    } else {
        let _ = fs::remove_file(p);
    }
}

/// Delete staged files that were not committed.
pub(crate) fn discard(staged: &[Staged]) {
    for s in staged {
        if let (Some(tmp), false) = (&s.tmp, s.committed) {
            remove_any(tmp);
        }
    }
}

/// `a.k1 IS NOT DISTINCT FROM b.k1 AND …`: rows of `a` and `b` with the same key (nulls equal).
pub(crate) fn key_match(key: &[String], a: &str, b: &str) -> String {
    let d = DuckDb;
    let parts: Vec<String> = key.iter().map(|k| format!("{a}.{0} IS NOT DISTINCT FROM {b}.{0}", d.ident(k))).collect();
    if parts.is_empty() {
        "false".into()
    } else {
        parts.join(" AND ")
    }
}

/// Fail when `key` does not identify one row of `rel`: a merge would keep one of them at random.
pub(crate) fn check_unique_key(conn: &Connection, node: &str, rel: &str, key: &[String]) -> Result<(), EngineError> {
    let d = DuckDb;
    let cols: Vec<String> = key.iter().map(|k| d.ident(k)).collect();
    let fields: Vec<String> = key.iter().map(|k| format!("{} := {}", d.ident(k), d.ident(k))).collect();
    let sql = format!(
        "WITH __dup AS (SELECT {0} FROM {rel} GROUP BY {0} HAVING count(*) > 1) \
         SELECT count(*), CAST(any_value(struct_pack({1})) AS VARCHAR) FROM __dup",
        cols.join(", "),
        fields.join(", ")
    );
    let (n, example): (i64, Option<String>) = conn
        .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| EngineError::Node { node: node.to_string(), message: clean_message(&e) })?;
    if n > 0 {
        return Err(EngineError::Node {
            node: node.to_string(),
            message: format!(
                "merge key ({}) is not unique in the rows to write: {n} key(s) appear more than once, e.g. {}",
                key.join(", "),
                example.unwrap_or_default()
            ),
        });
    }
    Ok(())
}

enum PartitionError {
    Db(duckdb::Error),
    Io(std::io::Error),
}

impl From<duckdb::Error> for PartitionError {
    fn from(e: duckdb::Error) -> Self {
        PartitionError::Db(e)
    }
}

impl From<std::io::Error> for PartitionError {
    fn from(e: std::io::Error) -> Self {
        PartitionError::Io(e)
    }
}

/// Write the rows of `query` as Hive-style partition folders under `dir`, one file per
/// partition holding its rows in the query's order. (DuckDB's own partitioned writer does not
/// keep the row order, so two runs would write different bytes.)
fn write_partitions(conn: &Connection, query: &str, by: &[String], compression: &str, dir: &Path) -> Result<u64, PartitionError> {
    let d = DuckDb;
    let rows = d.ident("__sluice_partitioned");
    conn.execute_batch(&format!("CREATE OR REPLACE TEMP TABLE {rows} AS {query}")).map_err(PartitionError::Db)?;
    let result = (|| -> Result<u64, PartitionError> {
        let text: Vec<String> = by.iter().map(|c| format!("CAST({} AS VARCHAR)", d.ident(c))).collect();
        let values: Vec<Vec<Option<String>>> = conn
            .prepare(&format!("SELECT DISTINCT {} FROM {rows} ORDER BY ALL", text.join(", ")))?
            .query_map([], |r| (0..by.len()).map(|i| r.get::<_, Option<String>>(i)).collect())?
            .collect::<Result<_, _>>()?;
        let mut total = 0u64;
        let exclude: Vec<String> = by.iter().map(|c| d.ident(c)).collect();
        for part in values {
            let mut folder = dir.to_path_buf();
            let mut cond = Vec::new();
            for ((col, v), t) in by.iter().zip(&part).zip(&text) {
                folder.push(format!("{}={}", hive_escape(col), v.as_deref().map(hive_escape).unwrap_or_else(|| "__HIVE_DEFAULT_PARTITION__".into())));
                cond.push(match v {
                    Some(v) => format!("{t} = {}", d.string(v)),
                    None => format!("{t} IS NULL"),
                });
            }
            std::fs::create_dir_all(&folder)?;
            let file = folder.join("data_0.parquet");
            total += conn.execute(
                &format!(
                    "COPY (SELECT * EXCLUDE ({}) FROM {rows} WHERE {}) TO {} (FORMAT parquet, COMPRESSION {compression})",
                    exclude.join(", "),
                    cond.join(" AND "),
                    d.string(&file.to_string_lossy())
                ),
                [],
            )? as u64;
        }
        Ok(total)
    })();
    let _ = conn.execute_batch(&format!("DROP TABLE IF EXISTS {rows}"));
    result
}

/// A partition folder's name part as Hive writes it: everything but letters, digits and
/// `._-` percent-encoded, so that readers decode the value back.
fn hive_escape(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_names_are_hidden_beside_the_target_per_node_and_token() {
        let t = Path::new("/data/out/result.csv");
        assert_eq!(staging_path(t, "write_out", "42-1765000000000-0"), Path::new("/data/out/.result.csv.write_out.42-1765000000000-0.sluice-tmp"));
        assert_ne!(staging_path(t, "a", "1-2-3"), staging_path(t, "b", "1-2-3"));
        assert_ne!(staging_path(t, "a", "1-2-3"), staging_path(t, "a", "1-2-4"));
        let aside = aside_path(t, "a", "1-2-3");
        assert_eq!(aside, Path::new("/data/out/.result.csv.old.a.1-2-3.sluice-tmp"));
        assert_eq!(staging::pid_of(&aside.file_name().unwrap().to_string_lossy()), Some(1));
    }

    #[test]
    fn every_engine_has_a_token_of_its_own() {
        let a = crate::Engine::new(&crate::Settings::default()).unwrap();
        let b = crate::Engine::new(&crate::Settings::default()).unwrap();
        assert_ne!(a.run_token(), b.run_token());
        assert!(a.run_token().starts_with(&format!("{}-", std::process::id())), "{}", a.run_token());
    }
}
