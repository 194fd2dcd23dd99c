//! `check_row_count_change`: the row count moved by at most a fraction since the last successful
//! run of the same spec (read from the run history).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{CheckSeverity, CheckSql, Rule};
use super::common::ONE_INPUT;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckRowCountChange;

/// Parameters of `check_row_count_change`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Largest accepted relative change, up or down, e.g. 0.2 for ±20%.
    #[schemars(range(min = 0.0))]
    pub max_change: f64,
    /// `error` stops everything downstream when the check fails; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
}

impl Kind for CheckRowCountChange {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_row_count_change",
            title: "Check: row count change",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and compares its row count with the same node's in the last \
                   successful run of this spec, from the run history: the relative change \
                   (rows − previous) / previous must lie within ±`max_change`. Without a history (a first \
                   run, a deleted store, an unsaved document) there is no baseline: the check reports a \
                   warning and the run goes on.",
        }
    }

    fn example(&self) -> Value {
        json!({"max_change": 0.2})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        if !(p.max_change >= 0.0 && p.max_change.is_finite()) {
            cx.error("S040", "max_change", format!("max_change is a fraction of 0 or more, not {}", p.max_change));
            return None;
        }
        Some(cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.input("input");
        Ok(Compiled::Check(CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT count(*) AS element_count, count(*) AS counted, 0 AS unexpected, \
                 CAST(count(*) AS DOUBLE) AS observed FROM {input}"
            ),
            failing: None,
            rule: Rule::ChangeFromPrevious { max_change: p.max_change },
            severity: p.severity,
            description: format!("row count within ±{}% of the last successful run", p.max_change * 100.0),
            samples: 0,
            threshold: None,
            findings: Vec::new(),
        }))
    }
}
