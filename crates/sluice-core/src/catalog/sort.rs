//! `sort`: order rows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{order_by_sql, require_sort_keys, SortKey, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct Sort;

/// Parameters of `sort`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Sort keys, most significant first.
    pub by: Vec<SortKey>,
}

impl Kind for Sort {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "sort",
            title: "Sort",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Orders rows by one or more columns, ascending or descending; nulls go last unless \
                   `nulls_first` is set.",
        }
    }

    fn example(&self) -> Value {
        json!({"by": [{"column": "amount", "descending": true}, {"column": "order_id"}]})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        if p.by.is_empty() {
            cx.error("S027", "by", "no sort key");
            return None;
        }
        require_sort_keys(cx, "input", &p.by, "by").then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        Ok(Compiled::Query(format!("SELECT * FROM {} ORDER BY {}", cx.input("input"), order_by_sql(cx, &p.by))))
    }
}
