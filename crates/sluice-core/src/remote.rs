//! Sources that read a database instead of files: what such a kind declares, so that the engine
//! can fetch its rows (through the driver of [`Driver`]) into a relation the compiled SQL reads,
//! and exporters can name the table in the target project.
//!
//! A spec names a connection, never what it is: host, user and password live in the user's
//! connections (outside the spec), and a run reaches only the connections its nodes name.
//!
//! An HTTP JSON API source (`read_http`) is read the same way: its [`Relation::Api`] says which
//! URL, how to page and how to type the records; the connection, when it names one, gives the
//! base URL and the credentials.

use serde::{Deserialize, Serialize};

/// What a connection (or a database file) reaches: a database, an object store or an HTTP
/// service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Driver {
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
    /// A SQLite database file (no connection: the file is the database).
    Sqlite,
    /// A spreadsheet file, xlsx, xls or ods (no connection: the file is read, `read_excel`).
    Spreadsheet,
    /// Amazon S3 and S3-compatible stores (`s3://`).
    S3,
    /// Google Cloud Storage (`gs://`).
    Gcs,
    /// Azure Blob Storage and Data Lake (`az://`, `abfss://`).
    Azure,
    /// An HTTP(S) service: files by URL and JSON APIs (`https://`).
    Http,
}

impl Driver {
    pub fn name(self) -> &'static str {
        match self {
            Driver::Postgres => "postgres",
            Driver::Mysql => "mysql",
            Driver::Sqlite => "sqlite",
            Driver::Spreadsheet => "spreadsheet",
            Driver::S3 => "s3",
            Driver::Gcs => "gcs",
            Driver::Azure => "azure",
            Driver::Http => "http",
        }
    }

    /// A database with tables (the drivers of the database source kinds).
    pub fn is_database(self) -> bool {
        matches!(self, Driver::Postgres | Driver::Mysql | Driver::Sqlite)
    }

    /// An object store (paths `s3://`, `gs://`, `az://` in file sources and sinks).
    pub fn is_object_store(self) -> bool {
        matches!(self, Driver::S3 | Driver::Gcs | Driver::Azure)
    }

    /// The driver a connection URL's (or an object path's) scheme names: `postgres://`,
    /// `postgresql://`, `mysql://`, `mariadb://`, `s3://`, `s3a://`, `gs://`, `gcs://`, `az://`,
    /// `azure://`, `abfss://`, `http://`, `https://`.
    pub fn from_scheme(scheme: &str) -> Option<Driver> {
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => Some(Driver::Postgres),
            "mysql" | "mariadb" => Some(Driver::Mysql),
            "sqlite" => Some(Driver::Sqlite),
            "s3" | "s3a" => Some(Driver::S3),
            "gs" | "gcs" => Some(Driver::Gcs),
            "az" | "azure" | "abfs" | "abfss" => Some(Driver::Azure),
            "http" | "https" => Some(Driver::Http),
            _ => None,
        }
    }
}

/// What a database source reads: a table, or the rows of one query.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    Table { schema: Option<String>, table: String },
    /// One SELECT in the database's own SQL (checked as one query, run read-only).
    Query(String),
    /// The records of an HTTP JSON API, page after page (`read_http`).
    Api(Box<ApiRead>),
    /// The cells of one sheet of a spreadsheet file (`read_excel`).
    Sheet(Box<crate::sheet::SheetRead>),
}

/// How an HTTP API source reaches its next page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Paging {
    /// One request.
    None,
    /// The next page's URL: at a JSON path of the body, or without one the response's
    /// `Link: <url>; rel="next"` header. No link ends the read.
    NextLink { path: Option<String> },
    /// A token at a JSON path of the body, sent back in query parameter `param`; no token (or
    /// an empty one) ends the read.
    Cursor { path: String, param: String },
    /// Page numbers in query parameter `param` from `start`; an empty page ends the read.
    Page { param: String, start: i64 },
}

/// The pages an HTTP API source reads at most without a `max_pages` of its own: an API that has
/// not ended by then fails the read.
pub const API_PAGE_LIMIT: u64 = 100_000;

/// What an HTTP API source reads, as its node declares it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ApiRead {
    /// The first page's URL (absolute).
    pub url: String,
    /// The JSON path of the records array in each page's body (empty: the body is the array).
    pub records: String,
    pub paging: Paging,
    /// Stop after this many pages (a deliberate cap).
    pub max_pages: Option<u64>,
    /// Retries of one request that failed for a reason that may pass (429, 5xx, no answer).
    pub max_retries: u32,
    /// The least time between two requests, from `max_requests_per_second` (0: no limit).
    pub min_interval_ms: u64,
    /// The most one request may take.
    pub timeout_secs: u64,
    /// Columns whose type is given rather than inferred (name, DuckDB type), in order.
    pub types: Vec<(String, String)>,
}

impl Relation {
    /// `schema.table`, or `query` for a query: for messages.
    pub fn describe(&self) -> String {
        match self {
            Relation::Table { schema: Some(s), table } => format!("{s}.{table}"),
            Relation::Table { schema: None, table } => table.clone(),
            Relation::Query(_) => "query".to_string(),
            Relation::Api(a) => a.url.clone(),
            Relation::Sheet(s) => s.describe(),
        }
    }
}

/// The DuckDB type an HTTP API source's `types` param names, spelt canonically (`bigint` is
/// `BIGINT`, `timestamptz` is `TIMESTAMP WITH TIME ZONE`); None for a type its values cannot be
/// read as.
pub fn api_column_type(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_uppercase();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let canonical = match t.as_str() {
        "BIGINT" | "INT8" | "LONG" => "BIGINT",
        "INTEGER" | "INT" | "INT4" => "INTEGER",
        "DOUBLE" | "FLOAT8" | "DOUBLE PRECISION" => "DOUBLE",
        "BOOLEAN" | "BOOL" => "BOOLEAN",
        "VARCHAR" | "TEXT" | "STRING" | "JSON" => "VARCHAR",
        "DATE" => "DATE",
        "TIMESTAMP" | "DATETIME" => "TIMESTAMP",
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => "TIMESTAMP WITH TIME ZONE",
        _ => {
            let inner = t.strip_prefix("DECIMAL(").or_else(|| t.strip_prefix("NUMERIC("))?.strip_suffix(')')?;
            let (p, s) = inner.split_once(',')?;
            let (p, s): (u8, u8) = (p.trim().parse().ok()?, s.trim().parse().ok()?);
            return (1..=38).contains(&p).then_some(()).filter(|_| s <= p).map(|_| format!("DECIMAL({p},{s})"));
        }
    };
    Some(canonical.to_string())
}

/// A database source, as its node declares it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RemoteRead {
    pub driver: Driver,
    /// The named connection (None for SQLite, which reads [`RemoteRead::path`]).
    pub connection: Option<String>,
    /// The file of a SQLite or spreadsheet source, as written in the spec.
    pub path: Option<String>,
    pub relation: Relation,
    /// Read incrementally above the last run's mark of this column: pushed into the database's
    /// query as `WHERE cursor > mark`.
    pub cursor: Option<String>,
    /// Columns identifying a row (for deletes tracking).
    pub key: Vec<String>,
    /// Compare the keys read with the last full read's, and hand the deleted ones to merge sinks.
    pub track_deletes: bool,
}

impl RemoteRead {
    /// What the source reads, for messages: `connection 'warehouse', table public.orders`.
    pub fn describe(&self) -> String {
        let what = match &self.relation {
            Relation::Table { .. } => format!("table {}", self.relation.describe()),
            Relation::Query(_) => "its query".to_string(),
            Relation::Api(a) => format!("URL {}", a.url),
            Relation::Sheet(s) => s.describe(),
        };
        match (&self.connection, &self.path) {
            (Some(c), _) => format!("connection '{c}', {what}"),
            (None, Some(p)) if self.driver == Driver::Spreadsheet => format!("spreadsheet {p}, {what}"),
            (None, Some(p)) => format!("SQLite file {p}, {what}"),
            (None, None) => what,
        }
    }
}

/// A valid connection name: letters, digits and `_`, starting with a letter (it is also the
/// middle of environment variable names, `SLUICE_CONN_<NAME>_URL`).
pub fn valid_connection_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && name.len() <= 64
}

/// The table the engine fetches database source `node`'s rows into, before its SQL runs.
pub fn fetched_table(node: &str) -> String {
    format!("__sluice_fetch_{node}")
}
