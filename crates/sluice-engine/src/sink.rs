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
}

fn staging_path(target: &Path, tag: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    target.with_file_name(format!(".{name}.{tag}-{}.sluice-tmp", std::process::id()))
}

fn io<'a>(node: &str, path: &'a Path) -> impl Fn(std::io::Error) -> EngineError + 'a {
    let node = node.to_string();
    move |source| EngineError::Io { node: node.clone(), path: path.to_path_buf(), source }
}

/// Write the sink's rows to a staged file.
pub(crate) fn stage(conn: &Connection, node: &str, w: &SinkWrite) -> Result<Staged, EngineError> {
    let fail = |e: duckdb::Error| EngineError::Node { node: node.to_string(), message: clean_message(&e) };
    if let Some(dir) = w.path.parent() {
        fs::create_dir_all(dir).map_err(io(node, dir))?;
    }
    let d = DuckDb;
    let (tmp, rows) = match &w.target {
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
    Ok(Staged { node: node.to_string(), path: w.path.clone(), tmp, rows, write: w.clone(), committed: false })
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
        let body = if s.write.mode == WriteMode::Append && exists {
            format!("INSERT INTO {t} BY NAME {}", s.write.query)
        } else {
            format!("CREATE OR REPLACE TABLE {t} AS {}", s.write.query)
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
        fs::rename(tmp, &s.path).map_err(io(&s.node, &s.path))?;
        s.committed = true;
        on_event(&Event::OutputWritten { node: s.node.clone(), path: s.path.clone(), rows: s.rows });
    }
    Ok(())
}

/// Delete staged files that were not committed.
pub(crate) fn discard(staged: &[Staged]) {
    for s in staged {
        if let (Some(tmp), false) = (&s.tmp, s.committed) {
            let _ = fs::remove_file(tmp);
        }
    }
}
