//! `check_accepted_values`: a column holds only the listed values.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{check_common, default_mostly, default_samples, CheckSeverity, RowCheck, Rule};
use super::common::{literal, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, StandardTest, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckAcceptedValues;

/// Parameters of `check_accepted_values`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Column to check.
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub column: String,
    /// The values it may hold (strings, numbers or booleans).
    pub values: Vec<Value>,
    /// Fraction of non-null values that must be accepted (1 = all).
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

impl Kind for CheckAcceptedValues {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_accepted_values",
            title: "Check: accepted values",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and checks that `column` holds only `values` (Great Expectations' \
                   `expect_column_values_to_be_in_set`, dbt's `accepted_values`). Nulls are neither expected \
                   nor unexpected: they are left out of the denominator. A new category appearing in the data \
                   fails this check.",
        }
    }

    fn example(&self) -> Value {
        json!({"column": "status", "values": ["completed", "shipped", "returned", "cancelled"]})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = cx.require_column("input", &p.column, "column").is_some();
        if p.values.is_empty() {
            cx.error("S042", "values", "list at least one accepted value");
            ok = false;
        }
        for (i, v) in p.values.iter().enumerate() {
            if !(v.is_string() || v.is_number() || v.is_boolean()) {
                cx.error("S043", format!("values[{i}]"), "accepted values are strings, numbers or booleans");
                ok = false;
            }
        }
        ok &= check_common(cx, Some(p.mostly), p.samples);
        ok.then(|| cx.input("input"))
    }

    fn standard_test(&self, p: &Params) -> Option<StandardTest> {
        // A list mixing strings and numbers has no one quoting rule in the standard test.
        let strings = p.values.iter().filter(|v| v.is_string()).count();
        let uniform = strings == 0 || strings == p.values.len();
        (p.mostly >= 1.0 && uniform).then(|| StandardTest::AcceptedValues { column: p.column.clone(), values: p.values.clone() })
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let col = cx.ident(&p.column);
        let list: Vec<String> = p.values.iter().map(|v| literal(cx, v)).collect();
        let shown: Vec<String> = p.values.iter().map(|v| v.as_str().map(str::to_string).unwrap_or(v.to_string())).collect();
        Ok(Compiled::Check(
            RowCheck {
                counted: format!("{col} IS NOT NULL"),
                unexpected: format!("{col} NOT IN ({})", list.join(", ")),
                rule: Rule::Mostly(p.mostly),
                severity: p.severity,
                description: format!("{} in {{{}}}", p.column, shown.join(", ")),
                samples: p.samples,
                cx,
            }
            .build(),
        ))
    }
}
