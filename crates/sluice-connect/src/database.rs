//! What every database driver does: describe a relation, stream its rows as record batches
//! (optionally only those above an incremental mark), tell when its rows can have changed, and
//! list its tables for browsing.

use arrow::record_batch::RecordBatch;
use serde::Serialize;
use sluice_core::catalog::WriteMode;
use sluice_core::remote::{Driver, Relation};

use crate::batch::RemoteColumn;
use crate::store::Resolved;
use crate::ConnectError;

/// Rows above an incremental mark: `column > mark`.
#[derive(Debug, Clone)]
pub struct Above {
    pub column: String,
    /// The last run's highest value, as text.
    pub mark: String,
}

/// A table or view, for browsing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableInfo {
    /// The schema (PostgreSQL) or database (MySQL); None for SQLite.
    pub schema: Option<String>,
    pub name: String,
    /// `table` or `view`.
    pub kind: String,
}

/// A write to a table: what a database sink sends at commit.
pub struct TableWrite<'a> {
    pub schema: Option<&'a str>,
    pub table: &'a str,
    pub mode: WriteMode,
    /// Columns identifying a row, for `merge`.
    pub key: &'a [String],
    /// The rows' columns: name and DuckDB type.
    pub columns: &'a [(String, String)],
    /// Keys deleted at tracked sources (key columns, their rows): a merge removes them.
    pub deleted: &'a [(Vec<String>, Vec<RecordBatch>)],
}

/// Receives the batches of a fetch; an error stops it.
pub type BatchSink<'a> = dyn FnMut(RecordBatch) -> Result<(), String> + 'a;

/// An open connection to one database.
pub trait Database: Send {
    /// The server's name and version, to show that the connection works.
    fn version(&mut self) -> Result<String, ConnectError>;
    /// The relation's columns, from the database's catalog (a query's without running it).
    fn columns(&mut self, rel: &Relation) -> Result<Vec<RemoteColumn>, ConnectError>;
    /// Stream `columns` of the relation's rows (those above `above` when given) to `out`, in
    /// one read-only transaction; returns the number of rows.
    fn fetch(&mut self, rel: &Relation, columns: &[RemoteColumn], above: Option<&Above>, out: &mut BatchSink<'_>) -> Result<u64, ConnectError>;
    /// Text that changes whenever rows above the cursor arrive or rows go: the row count and
    /// the cursor's highest value.
    fn probe(&mut self, rel: &Relation, cursor: &str) -> Result<String, ConnectError>;
    /// The tables and views the user can read.
    fn tables(&mut self) -> Result<Vec<TableInfo>, ConnectError>;
    /// Write `rows` to a table in one transaction (rolled back on any error); returns the
    /// number of rows written. Databases without a sink kind refuse.
    fn write(&mut self, target: &TableWrite<'_>, rows: &mut dyn Iterator<Item = RecordBatch>) -> Result<u64, ConnectError> {
        let _ = rows;
        Err(ConnectError::Write { name: String::new(), message: format!("writing to {} is not supported", target.table) })
    }
}

/// Open connection `conn` with its driver.
pub fn open(conn: &Resolved) -> Result<Box<dyn Database>, ConnectError> {
    match conn.driver {
        Driver::Postgres => Ok(Box::new(crate::postgres::Postgres::connect(conn)?)),
        Driver::Mysql => Ok(Box::new(crate::mysql::Mysql::connect(conn)?)),
        Driver::Sqlite => Err(ConnectError::Invalid { name: conn.name.clone(), message: "a SQLite database is a file, not a connection".into() }),
        Driver::Http => Ok(Box::new(crate::http::HttpApi::open(Some(conn))?)),
        Driver::S3 | Driver::Gcs | Driver::Azure => Ok(Box::new(crate::objects::Bucket::open(conn)?)),
        Driver::Spreadsheet => Err(ConnectError::Invalid { name: conn.name.clone(), message: "a spreadsheet is a file, not a connection".into() }),
    }
}

/// Open an HTTP JSON API through connection `conn`, or without credentials (None).
pub fn open_http(conn: Option<&Resolved>) -> Result<Box<dyn Database>, ConnectError> {
    Ok(Box::new(crate::http::HttpApi::open(conn)?))
}

/// Open a SQLite database file, read-only.
pub fn open_sqlite(path: &std::path::Path) -> Result<Box<dyn Database>, ConnectError> {
    Ok(Box::new(crate::sqlite::Sqlite::open(path)?))
}

/// Open a spreadsheet file (xlsx, xlsm, xlsb, xls, ods): its sheets are its tables.
pub fn open_spreadsheet(path: &std::path::Path) -> Result<Box<dyn Database>, ConnectError> {
    Ok(Box::new(crate::spreadsheet::Spreadsheet::open(path)?))
}

/// `column > mark` with the mark written as a literal of the column's type: a bare number for
/// numeric columns (checked to be one), a quoted string otherwise.
pub fn above_literal(mark: &str, numeric: bool) -> Result<String, String> {
    if numeric {
        let t = mark.trim();
        let ok = !t.is_empty() && t.parse::<f64>().is_ok() && t.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
        if ok {
            return Ok(t.to_string());
        }
        return Err(format!("the incremental mark '{mark}' is not a number"));
    }
    Ok(format!("'{}'", mark.replace('\'', "''")))
}

/// The relation as SQL, names quoted by the driver's `ident`: a table name, or the query as a
/// derived table on a line of its own (so that a trailing `-- comment` ends before the bracket).
pub fn relation_sql(rel: &Relation, ident: fn(&str) -> String) -> String {
    match rel {
        Relation::Table { schema: Some(s), table } => format!("{}.{}", ident(s), ident(table)),
        Relation::Table { schema: None, table } => ident(table),
        Relation::Query(q) => format!("({q}\n) AS {}", ident("__sluice_q")),
        // Only an HTTP API reads these; a database given one looks for a table of that name.
        Relation::Api(a) => ident(&a.url),
        // Only the spreadsheet driver reads a sheet; a database given one looks for a table.
        Relation::Sheet(s) => ident(&s.describe()),
    }
}
