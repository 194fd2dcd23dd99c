//! `sql`: a free SQL query over named inputs.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::check_query;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct Sql;

/// Parameters of `sql`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// One SELECT query; each input port is a table of the same name.
    #[schemars(extend("x-sluice-widget" = "sql-query"))]
    pub query: String,
}

impl Kind for Sql {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "sql",
            title: "SQL query",
            category: Category::Transform,
            inputs: Ports::Named { min: 1, doc: "each port is a table of that name in the query" },
            output: true,
            docs: "Runs one SELECT query (DuckDB SQL). Each input port is visible as a table named after \
                   the port, e.g. with inputs `{\"orders\": \"clean_orders\"}` write `SELECT ... FROM orders`. \
                   Output columns come from binding the query.",
        }
    }

    fn example(&self) -> Value {
        json!({"query": "SELECT customer_id, count(*) AS orders FROM orders GROUP BY customer_id"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        if !check_query(cx, &p.query, "query") {
            return None;
        }
        // The output columns are learnt by binding the compiled query.
        None
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        // A port already named like its relation needs no alias (and aliasing it would be circular).
        let ctes: Vec<String> = cx
            .inputs
            .iter()
            .filter(|(port, rel)| **rel != cx.ident(port))
            .map(|(port, rel)| format!("{} AS (SELECT * FROM {rel})", cx.ident(port)))
            .collect();
        let q = p.query.trim().trim_end_matches(';').trim();
        if ctes.is_empty() {
            return Ok(Compiled::Query(format!("SELECT * FROM ({q})")));
        }
        Ok(Compiled::Query(format!("WITH {} SELECT * FROM ({q})", ctes.join(", "))))
    }
}
