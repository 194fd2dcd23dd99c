//! `check_row_count`: the input has between `min` and `max` rows.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{CheckSeverity, CheckSql, Rule};
use super::common::ONE_INPUT;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckRowCount;

/// Parameters of `check_row_count`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Fewest rows accepted; absent: no lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// Most rows accepted; absent: no upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// `error` stops everything downstream when the check fails; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
}

impl Kind for CheckRowCount {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_row_count",
            title: "Check: row count",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and checks that it has between `min` and `max` rows, both \
                   inclusive (Great Expectations' `expect_table_row_count_to_be_between`).",
        }
    }

    fn example(&self) -> Value {
        json!({"min": 1000})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        match (p.min, p.max) {
            (None, None) => {
                cx.error("S042", "min", "give min, max or both");
                ok = false;
            }
            (Some(a), Some(b)) if a > b => {
                cx.error("S044", "max", format!("max {b} is below min {a}"));
                ok = false;
            }
            _ => {}
        }
        ok.then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.input("input");
        let rule = Rule::Range { min: p.min.map(|v| v as f64), max: p.max.map(|v| v as f64), strict_min: false, strict_max: false };
        Ok(Compiled::Check(CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT count(*) AS element_count, count(*) AS counted, 0 AS unexpected, \
                 CAST(count(*) AS DOUBLE) AS observed FROM {input}"
            ),
            failing: None,
            description: format!("row count {}", rule.threshold()),
            rule,
            severity: p.severity,
            samples: 0,
            threshold: None,
            findings: Vec::new(),
        }))
    }
}
