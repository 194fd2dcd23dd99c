//! Sinks write to staged files beside their targets; only when every node of the run succeeded
//! are they renamed into place (DuckDB tables: written in one transaction at that point). A
//! failed or cancelled run deletes the staged files, so earlier outputs are never touched.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use duckdb::Connection;
use sluice_core::catalog::{SinkTarget, SinkWrite, WriteMode};
use sluice_core::dialect::{Dialect, DuckDb};

use crate::events::Event;
use crate::run::clean_message;
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
}

fn staging_path(target: &Path, tag: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    target.with_file_name(format!(".{name}.{tag}-{}.sluice-tmp", std::process::id()))
}

fn io<'a>(node: &str, path: &'a Path) -> impl Fn(std::io::Error) -> EngineError + 'a {
    let node = node.to_string();
    move |source| EngineError::Io { node: node.clone(), path: path.to_path_buf(), source }
}

/// Write the sink's rows to a staged file (a staged folder of partitions for a partitioned
/// dataset; `full_refresh` replaces all of it, not only the partitions written).
pub(crate) fn stage(conn: &Connection, node: &str, w: &SinkWrite, full_refresh: bool) -> Result<Staged, EngineError> {
    let fail = |e: duckdb::Error| EngineError::Node { node: node.to_string(), message: clean_message(&e) };
    if let Some(dir) = w.path.parent() {
        fs::create_dir_all(dir).map_err(io(node, dir))?;
    }
    let d = DuckDb;
    let replace_all = full_refresh || !w.path.exists();
    let (tmp, rows) = match &w.target {
        SinkTarget::Parquet { compression } if !w.partition_by.is_empty() => {
            if w.path.is_file() {
                return Err(EngineError::Node {
                    node: node.to_string(),
                    message: format!("{} is a file; with partition_by the output is a folder of partitions", w.path.display()),
                });
            }
            let tmp = staging_path(&w.path, "stage");
            let _ = fs::remove_dir_all(&tmp);
            let rows = write_partitions(conn, &w.query, &w.partition_by, compression, &tmp).map_err(|e| {
                let _ = fs::remove_dir_all(&tmp);
                match e {
                    PartitionError::Db(e) => fail(e),
                    PartitionError::Io(e) => io(node, &tmp)(e),
                }
            })?;
            fs::create_dir_all(&tmp).map_err(io(node, &tmp))?;
            (Some(tmp), rows as u64)
        }
        SinkTarget::Parquet { compression } => {
            let tmp = staging_path(&w.path, "stage");
            let rows = conn
                .execute(&format!("COPY ({}) TO {} (FORMAT parquet, COMPRESSION {compression})", w.query, d.string(&tmp.to_string_lossy())), [])
                .map_err(|e| { let _ = fs::remove_file(&tmp); fail(e) })?;
            (Some(tmp), rows as u64)
        }
        SinkTarget::Csv { delimiter, header } => {
            let tmp = staging_path(&w.path, "stage");
            let appending = w.mode == WriteMode::Append && w.path.is_file();
            let new_rows = if appending { staging_path(&w.path, "rows") } else { tmp.clone() };
            let rows = conn
                .execute(
                    &format!(
                        "COPY ({}) TO {} (FORMAT csv, HEADER {}, DELIMITER {})",
                        w.query,
                        d.string(&new_rows.to_string_lossy()),
                        *header && !appending,
                        d.string(delimiter)
                    ),
                    [],
                )
                .map_err(|e| { let _ = fs::remove_file(&new_rows); fail(e) })?;
            if appending {
                let r = append_bytes(&w.path, &new_rows, &tmp);
                let _ = fs::remove_file(&new_rows);
                r.map_err(|e| { let _ = fs::remove_file(&tmp); io(node, &w.path)(e) })?;
            }
            (Some(tmp), rows as u64)
        }
        SinkTarget::DuckDbTable { .. } => {
            let rows = conn
                .query_row(&format!("SELECT count(*) FROM ({})", w.query), [], |r| r.get::<_, i64>(0))
                .map_err(fail)?;
            (None, rows as u64)
        }
    };
    Ok(Staged { node: node.to_string(), path: w.path.clone(), tmp, rows, write: w.clone(), committed: false, cache_key: None, replace_all })
}

/// existing bytes (with a final newline) followed by the new rows, into `out`.
fn append_bytes(existing: &Path, new_rows: &Path, out: &Path) -> std::io::Result<()> {
    let mut f = fs::File::create(out)?;
    let old = fs::read(existing)?;
    f.write_all(&old)?;
    if !old.is_empty() && !old.ends_with(b"\n") {
        f.write_all(b"\n")?;
    }
    f.write_all(&fs::read(new_rows)?)?;
    f.sync_all()
}

/// Commit every staged output: DuckDB tables first (each in a transaction that can still fail
/// cleanly), then the renames, which replace each file atomically.
pub(crate) fn commit_all(conn: &Connection, staged: &mut [Staged], on_event: &mut dyn FnMut(&Event)) -> Result<(), EngineError> {
    for (i, s) in staged.iter_mut().enumerate() {
        let SinkTarget::DuckDbTable { table } = &s.write.target else { continue };
        let fail = |e: duckdb::Error| EngineError::Node { node: s.node.clone(), message: clean_message(&e) };
        let d = DuckDb;
        let alias = d.ident(&format!("__sluice_sink_{i}"));
        conn.execute_batch(&format!("ATTACH {} AS {alias}", d.string(&s.path.to_string_lossy()))).map_err(fail)?;
        let t = format!("{alias}.{}", d.ident(table));
        let exists: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
                [format!("__sluice_sink_{i}"), table.clone()],
                |r| r.get(0),
            )
            .map_err(fail)?;
        let q = &s.write.query;
        let body = match s.write.mode {
            WriteMode::Append if exists => format!("INSERT INTO {t} BY NAME {q}"),
            // Rows whose key comes again go, then every new row is inserted.
            WriteMode::Merge if exists => format!(
                "DELETE FROM {t} WHERE EXISTS (SELECT 1 FROM ({q}) AS __new WHERE {}); INSERT INTO {t} BY NAME {q}",
                key_match(&s.write.key, "__new", &t)
            ),
            _ => format!("CREATE OR REPLACE TABLE {t} AS {q}"),
        };
        let r = conn.execute_batch(&format!("BEGIN; {body}; COMMIT;"));
        if r.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        let _ = conn.execute_batch(&format!("DETACH {alias}"));
        r.map_err(fail)?;
        s.committed = true;
        on_event(&Event::OutputWritten { node: s.node.clone(), path: s.path.clone(), rows: s.rows });
    }
    for s in staged.iter_mut() {
        let Some(tmp) = &s.tmp else { continue };
        if tmp.is_dir() {
            commit_partitions(tmp, &s.path, s.replace_all).map_err(io(&s.node, &s.path))?;
        } else {
            fs::rename(tmp, &s.path).map_err(io(&s.node, &s.path))?;
        }
        s.committed = true;
        on_event(&Event::OutputWritten { node: s.node.clone(), path: s.path.clone(), rows: s.rows });
    }
    Ok(())
}

/// Delete staged files that were not committed.
pub(crate) fn discard(staged: &[Staged]) {
    for s in staged {
        if let (Some(tmp), false) = (&s.tmp, s.committed) {
            if tmp.is_dir() {
                let _ = fs::remove_dir_all(tmp);
            } else {
                let _ = fs::remove_file(tmp);
            }
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

/// Move a staged folder of partitions into place: as a whole, or partition by partition (each
/// replaced by a rename; partitions the run did not write stay as they are).
fn commit_partitions(staged: &Path, target: &Path, replace_all: bool) -> std::io::Result<()> {
    let old = |p: &Path| {
        let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        p.with_file_name(format!(".{name}.old-{}.sluice-tmp", std::process::id()))
    };
    if replace_all {
        let previous = old(target);
        let had = target.exists();
        if had {
            fs::rename(target, &previous)?;
        }
        fs::rename(staged, target)?;
        if had {
            fs::remove_dir_all(&previous)?;
        }
        return Ok(());
    }
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
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        let previous = old(&dest);
        let had = dest.exists();
        if had {
            fs::rename(&dest, &previous)?;
        }
        fs::rename(&leaf, &dest)?;
        if had {
            fs::remove_dir_all(&previous)?;
        }
    }
    fs::remove_dir_all(staged)
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
