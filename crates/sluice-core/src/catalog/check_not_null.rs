//! `check_not_null`: the listed columns hold no nulls (or at most `1 - mostly` of the rows do).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{check_common, default_mostly, default_samples, CheckSeverity, RowCheck, Rule};
use super::common::{require_columns, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, StandardTest, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckNotNull;

/// Parameters of `check_not_null`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Columns that must not be null. A row with a null in any of them is unexpected.
    #[schemars(extend("x-sluice-widget" = "columns"))]
    pub columns: Vec<String>,
    /// Fraction of rows that must pass (1 = every row).
    #[serde(default = "default_mostly")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub mostly: f64,
    /// `error` stops everything downstream when the check fails; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
    /// Failing rows kept as samples.
    #[serde(default = "default_samples")]
    pub samples: u32,
}

impl Kind for CheckNotNull {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_not_null",
            title: "Check: not null",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and checks that `columns` hold no nulls. A row with a null in any \
                   listed column is unexpected; every row counts in the denominator (Great Expectations' \
                   `expect_column_values_to_not_be_null`). With `mostly` below 1 the check passes while at \
                   least that fraction of rows is complete.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": ["customer_id", "amount"], "mostly": 0.99})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = require_columns(cx, "input", &p.columns, "columns");
        if p.columns.is_empty() {
            cx.error("S042", "columns", "name at least one column");
            ok = false;
        }
        ok &= check_common(cx, Some(p.mostly), p.samples);
        ok.then(|| cx.input("input"))
    }

    fn standard_test(&self, p: &Params) -> Option<StandardTest> {
        (p.mostly >= 1.0).then(|| StandardTest::NotNull { columns: p.columns.clone() })
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let nulls: Vec<String> = p.columns.iter().map(|c| format!("{} IS NULL", cx.ident(c))).collect();
        Ok(Compiled::Check(
            RowCheck {
                counted: "true".into(),
                unexpected: nulls.join(" OR "),
                rule: Rule::Mostly(p.mostly),
                severity: p.severity,
                description: format!("{} not null", p.columns.join(", ")),
                samples: p.samples,
                cx,
            }
            .build(),
        ))
    }
}
