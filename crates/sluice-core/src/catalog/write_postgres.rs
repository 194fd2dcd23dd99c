//! `write_postgres`: write rows to a PostgreSQL table through a named connection, in one
//! transaction committed when the whole run has succeeded.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{WriteMode, ONE_INPUT};
use super::sink::sink_query;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports, SinkTarget, SinkWrite};
use crate::dialect::Unsupported;
use crate::remote::Driver;
use crate::schema::Schema;

pub struct WritePostgres;

/// Parameters of `write_postgres`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The connection to write through, by name (defined outside the spec: `sluice connections
    /// add`, or `SLUICE_CONN_<NAME>_URL`).
    #[schemars(extend("x-sluice-widget" = "connection", "x-sluice-driver" = "postgres"))]
    pub connection: String,
    /// The table's schema; the connection's default (`public`) when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The table to write; created when missing, with the input's columns.
    #[schemars(extend("x-sluice-widget" = "table"))]
    pub table: String,
    #[serde(default)]
    pub mode: WriteMode,
    /// Columns that identify a row, for mode `merge` (e.g. `["order_id"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
}

impl Kind for WritePostgres {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "write_postgres",
            title: "PostgreSQL table sink",
            category: Category::Sink,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: false,
            docs: "Writes the input to a PostgreSQL table through a named connection. `overwrite` replaces \
                   the table's rows (keeping the table, its indexes and grants when its columns are the \
                   input's; otherwise the table is created again), `append` inserts (columns matched by \
                   name), `merge` upserts by `key` and removes the rows deleted at sources that track \
                   deletes. Rows are loaded with COPY; the whole write is one transaction, committed only \
                   when the run has succeeded, so a failed run leaves the table as it was.",
        }
    }

    fn example(&self) -> Value {
        json!({"connection": "warehouse", "schema": "analytics", "table": "customer_features", "mode": "merge", "key": ["customer_id"]})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        super::database::check_connection(cx, &p.connection);
        if p.table.trim().is_empty() {
            cx.error("S024", "table", "table name is empty");
        }
        super::sink::check_merge_key(cx, p.mode, &p.key);
        None
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        Ok(Compiled::Write(SinkWrite {
            target: SinkTarget::Database {
                driver: Driver::Postgres,
                connection: p.connection.clone(),
                schema: p.schema.clone(),
                table: p.table.clone(),
            },
            path: std::path::PathBuf::new(),
            mode: p.mode,
            query: sink_query(cx, Some(&[])),
            key: p.key.clone(),
            partition_by: vec![],
        }))
    }
}
