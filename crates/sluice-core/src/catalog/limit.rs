//! `limit`: the first n rows, after an optional offset.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::ONE_INPUT;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct Limit;

/// Parameters of `limit`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Number of rows to keep.
    pub n: u64,
    /// Rows to skip first.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub offset: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Kind for Limit {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "limit",
            title: "Limit",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Keeps the first `n` rows after skipping `offset` rows. Put a sort before it: without \
                   one, which rows come first is not defined.",
        }
    }

    fn example(&self) -> Value {
        json!({"n": 100})
    }

    fn check(&self, _p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        Some(cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let off = if p.offset > 0 { format!(" OFFSET {}", p.offset) } else { String::new() };
        Ok(Compiled::Query(format!("SELECT * FROM {} LIMIT {}{off}", cx.input("input"), p.n)))
    }
}
