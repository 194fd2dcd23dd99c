//! What the database sources (`read_postgres`, `read_mysql`, `read_sqlite`) share: a table or
//! a query, an incremental cursor pushed into the database's query, and deletes tracking by key.

use super::{CheckCx, CompileCx, Compiled};
use crate::dialect::Unsupported;
use crate::remote::{Driver, Relation, RemoteRead};

/// The params every database source has after its connection (or file): the same fields, with
/// the same docs, in each of their `Params` (written out, not flattened, so that a misspelt
/// param is still refused).
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub schema: Option<String>,
    pub table: Option<String>,
    pub query: Option<String>,
    pub cursor: Option<String>,
    pub key: Vec<String>,
    pub track_deletes: bool,
}

/// Defines a database source's `Params`: `$head` (its connection or file) and then the fields
/// of [`Read`].
macro_rules! database_params {
    ($(#[$meta:meta])* $head:ident) => {
        /// Parameters of this database source.
        #[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Params {
            $(#[$meta])*
            pub $head: String,
            /// The schema (PostgreSQL) or database (MySQL) of `table`; the connection's default
            /// when not given.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub schema: Option<String>,
            /// The table or view to read. Give either `table` or `query`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[schemars(extend("x-sluice-widget" = "table"))]
            pub table: Option<String>,
            /// One SELECT in the database's own SQL, run in a read-only transaction. Give either
            /// `table` or `query`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[schemars(extend("x-sluice-widget" = "sql-query"))]
            pub query: Option<String>,
            /// Read incrementally: a column that grows with every new or updated row (an
            /// `updated_at` time or an increasing id). A run that keeps a history asks the
            /// database only for the rows above the highest value the last successful run read
            /// (`WHERE cursor > mark`, run in the database); `--full-refresh` reads them all.
            /// Pair it with a `merge` sink keyed on the row's id.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub cursor: Option<String>,
            /// Columns identifying a row; needed by `track_deletes`.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub key: Vec<String>,
            /// Find the rows deleted at the source: each run compares the keys it finds with
            /// those of the last successful run (kept in the run history, keys only) and hands
            /// the deleted keys to the `merge` sinks below, which remove them. For tables
            /// without change tracking.
            #[serde(default, skip_serializing_if = "std::ops::Not::not")]
            pub track_deletes: bool,
        }

        impl Params {
            fn read(&self) -> super::database::Read {
                super::database::Read {
                    schema: self.schema.clone(),
                    table: self.table.clone(),
                    query: self.query.clone(),
                    cursor: self.cursor.clone(),
                    key: self.key.clone(),
                    track_deletes: self.track_deletes,
                }
            }
        }
    };
}
pub(crate) use database_params;

impl Read {
    /// Check the params; true when they can be read.
    pub fn check(&self, cx: &mut CheckCx<'_>) -> bool {
        let mut ok = true;
        match (&self.table, &self.query) {
            (Some(_), Some(_)) => {
                cx.error("S071", "query", "give either `table` or `query`, not both");
                ok = false;
            }
            (None, None) => {
                cx.error("S071", "table", "give the `table` to read, or a `query`");
                ok = false;
            }
            (Some(t), None) if t.trim().is_empty() => {
                cx.error("S071", "table", "table name is empty");
                ok = false;
            }
            (None, Some(q)) => ok &= super::common::check_query(cx, q, "query"),
            _ => {}
        }
        if self.schema.is_some() && self.query.is_some() {
            cx.error("S071", "schema", "`schema` goes with `table`; a query names its tables itself");
            ok = false;
        }
        ok & super::common::check_tracked_key(cx, self.track_deletes, &self.key)
    }

    /// The relation read.
    pub fn relation(&self) -> Relation {
        match (&self.table, &self.query) {
            (Some(t), _) => Relation::Table { schema: self.schema.clone(), table: t.clone() },
            (None, Some(q)) => Relation::Query(q.trim().trim_end_matches(';').trim().to_string()),
            (None, None) => Relation::Table { schema: None, table: String::new() },
        }
    }

    pub fn remote(&self, driver: Driver, connection: Option<&str>, path: Option<&str>) -> RemoteRead {
        RemoteRead {
            driver,
            connection: connection.map(str::to_string),
            path: path.map(str::to_string),
            relation: self.relation(),
            cursor: self.cursor.clone(),
            key: self.key.clone(),
            track_deletes: self.track_deletes,
        }
    }
}

/// A connection name must be one the user's connections can hold.
pub fn check_connection(cx: &mut CheckCx<'_>, name: &str) -> bool {
    if crate::remote::valid_connection_name(name) {
        return true;
    }
    cx.error(
        "S070",
        "connection",
        format!("'{name}' is not a connection name: letters, digits and _, starting with a letter (defined with `sluice connections add`)"),
    );
    false
}

/// The compiled query of a database source: its rows, as the engine fetched them (or as the
/// target project names the table).
pub fn compile(remote: &RemoteRead, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
    Ok(Compiled::Query(format!("SELECT * FROM {}", cx.dialect.read_remote(cx.node, remote)?)))
}
