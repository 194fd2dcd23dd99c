//! `write_duckdb`: write rows to a table in a DuckDB database file, in one transaction.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{WriteMode, ONE_INPUT};
use super::sink::{check_sink, sink_query};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports, SinkTarget, SinkWrite};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct WriteDuckDb;

/// Parameters of `write_duckdb`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Database file, relative to the spec's folder; created when missing.
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: String,
    /// Table name (optionally `schema.table` is not supported: one name, quoted as given).
    pub table: String,
    #[serde(default)]
    pub mode: WriteMode,
    /// Columns that identify a row, for mode `merge` (e.g. `["order_id"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    /// Row order of the insert. Absent: sorted by all columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<Vec<super::SortKey>>,
}

impl Kind for WriteDuckDb {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "write_duckdb",
            title: "DuckDB table sink",
            category: Category::Sink,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: false,
            docs: "Writes the input to a table in a DuckDB database file. `overwrite` replaces the table, \
                   `append` inserts into it (columns matched by name), `merge` upserts by `key` (rows \
                   whose key comes again are replaced). The write is one transaction \
                   committed when the whole run has succeeded.",
        }
    }

    fn example(&self) -> Value {
        json!({"path": "out/warehouse.duckdb", "table": "customer_features"})
    }

    fn files(&self, p: &Params) -> Vec<crate::files::NodeFile> {
        vec![crate::files::NodeFile::write("path", &p.path).part(&p.table)]
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        if p.table.trim().is_empty() {
            cx.error("S024", "table", "table name is empty");
        }
        check_sink(cx, &p.path, p.order_by.as_deref());
        super::sink::check_merge_key(cx, p.mode, &p.key);
        None
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        Ok(Compiled::Write(SinkWrite {
            target: SinkTarget::DuckDbTable { table: p.table.clone() },
            path: super::resolve_path(cx.base_dir, &p.path),
            mode: p.mode,
            query: sink_query(cx, p.order_by.as_deref()),
            key: p.key.clone(),
            partition_by: vec![],
        }))
    }
}
