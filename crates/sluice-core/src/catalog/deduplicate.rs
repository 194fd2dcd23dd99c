//! `deduplicate`: keep one row per key, the first or last by an order.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{ident_list, order_by_sql, require_columns, require_sort_keys, SortKey, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct Deduplicate;

/// Which row of a group survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    #[default]
    First,
    Last,
}

/// Parameters of `deduplicate`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Columns that identify a row; empty means all columns (exact duplicates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns"))]
    pub keys: Vec<String>,
    /// Order that decides which row is first; remaining ties are broken by all columns, so the
    /// result never depends on file order or thread count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_by: Vec<SortKey>,
    #[serde(default)]
    pub keep: Keep,
}

impl Kind for Deduplicate {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "deduplicate",
            title: "Deduplicate",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Keeps one row per distinct `keys` (all columns when empty): the first or the last by \
                   `order_by`. Ties in `order_by` are broken by the remaining columns, so the same input \
                   always gives the same rows.",
        }
    }

    fn example(&self) -> Value {
        json!({"keys": ["order_id"], "order_by": [{"column": "ordered_at"}], "keep": "last"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let ok = require_columns(cx, "input", &p.keys, "keys") & require_sort_keys(cx, "input", &p.order_by, "order_by");
        ok.then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.input("input");
        if p.keys.is_empty() {
            return Ok(Compiled::Query(format!("SELECT DISTINCT * FROM {input}")));
        }
        let mut keys: Vec<SortKey> = p.order_by.clone();
        if p.keep == Keep::Last {
            for k in &mut keys {
                k.descending = !k.descending;
                k.nulls_first = !k.nulls_first;
            }
        }
        let mut order = order_by_sql(cx, &keys);
        // Tie-break on every column for determinism; `last` reverses this part of the order too
        // (ASC NULLS LAST becomes DESC NULLS FIRST), so it is the last row of the whole order.
        let tie = if p.keep == Keep::Last { " DESC NULLS FIRST" } else { " ASC NULLS LAST" };
        let rest: Vec<String> = cx.schema("input").names().map(|c| format!("{}{tie}", cx.ident(c))).collect();
        if !rest.is_empty() {
            if !order.is_empty() {
                order.push_str(", ");
            }
            order.push_str(&rest.join(", "));
        }
        let over = format!("PARTITION BY {}{}", ident_list(cx, &p.keys), if order.is_empty() { String::new() } else { format!(" ORDER BY {order}") });
        if cx.dialect.supports_qualify() {
            return Ok(Compiled::Query(format!("SELECT * FROM {input} QUALIFY row_number() OVER ({over}) = 1")));
        }
        let cols = ident_list(cx, &cx.input_columns("input"));
        Ok(Compiled::Query(format!(
            "SELECT {cols} FROM (SELECT *, row_number() OVER ({over}) AS __row FROM {input}) AS __ranked WHERE __row = 1"
        )))
    }
}
