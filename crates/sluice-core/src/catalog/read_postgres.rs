//! `read_postgres`: read a PostgreSQL table or query through a named connection.

use serde_json::{json, Value};

use super::database::{check_connection, compile, database_params};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::remote::{Driver, RemoteRead};
use crate::schema::Schema;

pub struct ReadPostgres;

database_params!(
    /// The connection to read through, by name. What it is (host, database, user, password)
    /// lives outside the spec: `sluice connections add`, or `SLUICE_CONN_<NAME>_URL`.
    #[schemars(extend("x-sluice-widget" = "connection", "x-sluice-driver" = "postgres"))]
    connection
);

impl Kind for ReadPostgres {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "read_postgres",
            title: "PostgreSQL source",
            category: Category::Source,
            inputs: Ports::Fixed { ports: &[] },
            output: true,
            docs: "Reads a PostgreSQL table (or the rows of one query) through a named connection. Columns \
                   and types come from the database's catalog; rows move in bulk (binary COPY). Numeric \
                   columns with a precision become DECIMAL, without one DOUBLE; types DuckDB has no \
                   equivalent for (json, uuid, arrays, ranges, ...) arrive as text. The query runs in a \
                   read-only transaction.",
        }
    }

    fn example(&self) -> Value {
        json!({"connection": "warehouse", "schema": "public", "table": "orders"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        check_connection(cx, &p.connection);
        p.read().check(cx);
        None
    }

    /// An exported project reads the table as a dbt source: in DuckDB through the attached
    /// database, in PostgreSQL where it is.
    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "postgres"]
    }

    fn remote(&self, p: &Params) -> Option<RemoteRead> {
        Some(p.read().remote(Driver::Postgres, Some(&p.connection), None))
    }

    fn tracked_key(&self, p: &Params) -> Option<Vec<String>> {
        p.track_deletes.then(|| p.key.clone())
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        compile(&p.read().remote(Driver::Postgres, Some(&p.connection), None), cx)
    }
}
