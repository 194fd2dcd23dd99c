//! The database connection locked to what the spec declares, before any of its SQL runs.
//!
//! DuckDB can read and write any file, attach databases, and install or load extensions. A spec
//! is shared like a document, so the connection that runs it gets exactly the files the spec
//! declares: its sources' files (globs expanded), its sinks' outputs with their staging files
//! (and a DuckDB sink's write-ahead log), the result cache and the spill folder. Everything else
//! is refused by DuckDB itself (`enable_external_access = false`), no extension is installed or
//! loaded on demand, community extensions are off, and the configuration is locked so no
//! statement can lift any of it. What the engine needs is compiled in (Parquet, JSON).
//!
//! Every statement the engine runs with users' SQL in it is first split by DuckDB's own parser
//! ([`one_statement`]): more than one statement never reaches `prepare`.

use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use sluice_core::files::Declared;

use crate::staging::staging_path;

/// The files and folders a connection is granted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub paths: Vec<PathBuf>,
    pub dirs: Vec<PathBuf>,
}

impl Grants {
    /// What a run of `declared` needs, with `token` naming this engine's staging files.
    pub fn for_spec(declared: &Declared, token: &str, cache_dir: Option<&Path>) -> Grants {
        let mut g = Grants::default();
        g.paths.extend(declared.reads().map(Path::to_path_buf));
        for w in declared.writes().filter(|w| w.consented) {
            let staged = staging_path(&w.path, &w.node, token);
            for p in [&w.path, &staged] {
                g.paths.push(p.clone());
                // What DuckDB itself grants a database file (DBConfig::AddAllowedDatabasePath):
                // reopening one whose log was not checkpointed needs the last two.
                for suffix in [".wal", ".wal.checkpoint", ".wal.recovery"] {
                    g.paths.push(with_suffix(p, suffix));
                }
            }
            // A partitioned Parquet output is a folder of files, staged as one.
            g.dirs.push(w.path.clone());
            g.dirs.push(staged);
        }
        if let Some(c) = cache_dir {
            g.dirs.push(c.to_path_buf());
        }
        g.paths.sort();
        g.paths.dedup();
        g
    }

    /// The statements that lock a connection to these grants. Run once, before any user SQL.
    pub(crate) fn statements(&self) -> Vec<String> {
        let list = |items: &[PathBuf], dir: bool| {
            let quoted: Vec<String> = items
                .iter()
                .map(|p| {
                    let mut t = p.to_string_lossy().into_owned();
                    if dir && !t.ends_with('/') {
                        t.push('/');
                    }
                    format!("'{}'", t.replace('\'', "''"))
                })
                .collect();
            format!("[{}]", quoted.join(", "))
        };
        let mut out = Vec::new();
        if !self.dirs.is_empty() {
            out.push(format!("SET allowed_directories = {}", list(&self.dirs, true)));
        }
        if !self.paths.is_empty() {
            out.push(format!("SET allowed_paths = {}", list(&self.paths, false)));
        }
        out.extend(
            [
                "SET enable_external_access = false",
                "SET autoinstall_known_extensions = false",
                "SET autoload_known_extensions = false",
                "SET allow_community_extensions = false",
                "SET lock_configuration = true",
            ]
            .map(String::from),
        );
        out
    }
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// DuckDB's refusal of an ungranted file, said in the spec's terms (the file stays named).
pub fn explain(message: String) -> String {
    const REFUSED: &str = "file system operations are disabled by configuration";
    if !message.contains(REFUSED) {
        return message;
    }
    let file = message.split('"').nth(1).unwrap_or("a file");
    format!(
        "{file} is not declared by the spec: a pipeline reads only its sources' files and writes only its sinks' outputs \
         (DuckDB: {})",
        message.lines().next().unwrap_or_default()
    )
}

/// Why a statement is refused before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// DuckDB's parser found this many statements.
    Statements(usize),
    /// DuckDB's parser could not split it (a syntax error, reported as such).
    Parse(String),
}

/// DuckDB's own split of `sql` into statements: exactly one, or a refusal. Runs on a private
/// in-memory database that holds nothing, so parsing can never execute anything.
pub fn one_statement(sql: &str) -> Result<(), Refusal> {
    use duckdb::ffi;
    struct Parser {
        /// Owns the database `con` belongs to: kept open as long as the connection is used.
        #[allow(dead_code)]
        db: ffi::duckdb_database,
        con: ffi::duckdb_connection,
    }
    // SAFETY: the handles are only used under the mutex below.
    unsafe impl Send for Parser {}
    static PARSER: OnceLock<Mutex<Option<Parser>>> = OnceLock::new();
    let parser = PARSER.get_or_init(|| {
        let mut db: ffi::duckdb_database = std::ptr::null_mut();
        let mut con: ffi::duckdb_connection = std::ptr::null_mut();
        // SAFETY: plain C API calls with out-pointers owned here.
        unsafe {
            if ffi::duckdb_open(std::ptr::null(), &mut db) != ffi::DuckDBSuccess {
                return Mutex::new(None);
            }
            if ffi::duckdb_connect(db, &mut con) != ffi::DuckDBSuccess {
                ffi::duckdb_close(&mut db);
                return Mutex::new(None);
            }
        }
        Mutex::new(Some(Parser { db, con }))
    });
    let guard = parser.lock().unwrap_or_else(|e| e.into_inner());
    let Some(p) = guard.as_ref() else { return Err(Refusal::Parse("DuckDB's parser could not be opened".into())) };
    let text = CString::new(sql).map_err(|_| Refusal::Parse("the SQL holds a NUL byte".into()))?;
    let mut extracted: ffi::duckdb_extracted_statements = std::ptr::null_mut();
    // SAFETY: `text` outlives the call; `extracted` is destroyed below on every path.
    let count = unsafe { ffi::duckdb_extract_statements(p.con, text.as_ptr(), &mut extracted) };
    let result = if count == 0 {
        // SAFETY: the error string belongs to `extracted`, copied before it is destroyed.
        let message = unsafe {
            let e = ffi::duckdb_extract_statements_error(extracted);
            if e.is_null() { "no statement".to_string() } else { CStr::from_ptr(e).to_string_lossy().into_owned() }
        };
        Err(Refusal::Parse(message))
    } else if count == 1 {
        Ok(())
    } else {
        Err(Refusal::Statements(count as usize))
    };
    // SAFETY: `extracted` came from duckdb_extract_statements.
    unsafe { ffi::duckdb_destroy_extracted(&mut extracted) };
    result
}

/// Refuse, naming the node, a compiled statement that DuckDB reads as more than one.
pub(crate) fn check_sql(node: &str, sql: &str) -> Result<(), crate::EngineError> {
    one_statement(sql).map_err(|r| crate::EngineError::Node {
        node: node.to_string(),
        message: match r {
            Refusal::Statements(n) => format!("its SQL is {n} statements, not one: refused before running"),
            Refusal::Parse(m) => m,
        },
    })
}

/// [`check_sql`] on every statement a node compiled to.
pub(crate) fn check_compiled(node: &str, compiled: &sluice_core::catalog::Compiled) -> Result<(), crate::EngineError> {
    use sluice_core::catalog::Compiled;
    match compiled {
        Compiled::Query(q) => check_sql(node, q),
        Compiled::Write(w) => check_sql(node, &w.query),
        Compiled::Check(c) => {
            check_sql(node, &c.pass_through)?;
            check_sql(node, &c.metrics)?;
            c.failing.as_deref().map_or(Ok(()), |f| check_sql(node, f))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duckdb::Connection;
    use sluice_core::files::{Access, FileUse};

    #[test]
    fn duckdb_splits_what_a_quote_in_a_comment_hides() {
        assert_eq!(one_statement("SELECT 1"), Ok(()));
        assert_eq!(one_statement("SELECT ';' -- x\n"), Ok(()));
        assert_eq!(one_statement("SELECT 1 /* ' */ ; COPY (SELECT 1) TO 'x'"), Err(Refusal::Statements(2)));
        assert!(matches!(one_statement("SELECT FROM WHERE ("), Err(Refusal::Parse(_))));
    }

    #[test]
    fn a_locked_connection_reads_only_what_is_declared() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("in.csv");
        let other = dir.path().join("secret.csv");
        std::fs::write(&ok, "a\n1\n").unwrap();
        std::fs::write(&other, "a\n2\n").unwrap();
        let out = dir.path().join("out.csv");
        let declared = Declared {
            files: vec![
                FileUse { node: "src".into(), param: "path".into(), access: Access::Read, path: ok.clone(), part: None, consented: true },
                FileUse { node: "sink".into(), param: "path".into(), access: Access::Write, path: out.clone(), part: None, consented: true },
            ],
            state: None,
            remotes: Default::default(),
            objects: Vec::new(),
        };
        let conn = Connection::open_in_memory().unwrap();
        for s in Grants::for_spec(&declared, "1-2-3", None).statements() {
            conn.execute_batch(&s).unwrap();
        }
        let read = |p: &Path| conn.query_row(&format!("SELECT count(*) FROM read_csv('{}')", p.display()), [], |r| r.get::<_, i64>(0));
        assert_eq!(read(&ok).unwrap(), 1);
        let e = read(&other).unwrap_err().to_string();
        assert!(e.contains("Permission Error"), "{e}");
        assert!(conn.execute_batch("SET enable_external_access = true").is_err());
        assert!(conn.execute_batch("LOAD httpfs").is_err());
        let staged = staging_path(&out, "sink", "1-2-3");
        conn.execute_batch(&format!("COPY (SELECT 1) TO '{}' (FORMAT csv)", staged.display())).unwrap();
        assert!(conn.execute_batch(&format!("COPY (SELECT 1) TO '{}' (FORMAT csv)", dir.path().join("x.csv").display())).is_err());
        assert!(!dir.path().join("x.csv").exists());
    }

    #[test]
    fn an_output_nobody_agreed_to_is_not_granted() {
        let out = PathBuf::from("/elsewhere/.profile");
        let declared = Declared {
            files: vec![FileUse { node: "sink".into(), param: "path".into(), access: Access::Write, path: out.clone(), part: None, consented: false }],
            state: None,
            remotes: Default::default(),
            objects: Vec::new(),
        };
        let g = Grants::for_spec(&declared, "1-2-3", None);
        assert!(!g.paths.contains(&out) && g.dirs.is_empty(), "{g:?}");
    }
}
