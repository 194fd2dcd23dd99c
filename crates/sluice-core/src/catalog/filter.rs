//! `filter`: keep the rows for which an SQL predicate is true.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{check_expression, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct Filter;

/// Parameters of `filter`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// SQL predicate over the input's columns, e.g. `status = 'completed' AND amount > 0`.
    /// Rows where it is false or null are dropped.
    #[schemars(extend("x-sluice-widget" = "sql-expression"))]
    pub predicate: String,
}

impl Kind for Filter {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "filter",
            title: "Filter rows",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Keeps the rows for which `predicate` (an SQL boolean expression over the input's columns) \
                   is true. Rows where it is false or null are dropped. Quote column names with spaces in \
                   double quotes.",
        }
    }

    fn example(&self) -> Value {
        json!({"predicate": "status = 'completed' AND amount > 0"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        check_expression(cx, &p.predicate, "predicate").then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        Ok(Compiled::Query(format!("SELECT * FROM {} WHERE ({})", cx.input("input"), p.predicate)))
    }
}
