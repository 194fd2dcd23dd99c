//! `check_null_fraction`: at most a given fraction of a column is null.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{check_common, default_samples, CheckSeverity, CheckSql, Rule};
use super::common::ONE_INPUT;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckNullFraction;

/// Parameters of `check_null_fraction`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Column to check.
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub column: String,
    /// Largest accepted share of null values, between 0 and 1.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub max: f64,
    /// `error` stops everything downstream when the check fails; `warn` records it and goes on.
    #[serde(default)]
    pub severity: CheckSeverity,
    /// Rows with a null kept as samples.
    #[serde(default = "default_samples")]
    pub samples: u32,
}

impl Kind for CheckNullFraction {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_null_fraction",
            title: "Check: null fraction",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and checks that the share of null values in `column` (nulls / all \
                   rows) is at most `max` (Soda's `missing_percent`, as a fraction). An empty input has no \
                   share and fails.",
        }
    }

    fn example(&self) -> Value {
        json!({"column": "coupon_code", "max": 0.8})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = cx.require_column("input", &p.column, "column").is_some();
        if !(0.0..=1.0).contains(&p.max) {
            cx.error("S040", "max", format!("max is a fraction between 0 and 1, not {}", p.max));
            ok = false;
        }
        ok &= check_common(cx, None, p.samples);
        ok.then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.input("input");
        let col = cx.ident(&p.column);
        Ok(Compiled::Check(CheckSql {
            pass_through: format!("SELECT * FROM {input}"),
            metrics: format!(
                "SELECT count(*) AS element_count, count(*) AS counted, count(*) FILTER (WHERE {col} IS NULL) AS unexpected, \
                 CAST(count(*) FILTER (WHERE {col} IS NULL) AS DOUBLE) / NULLIF(count(*), 0) AS observed FROM {input}"
            ),
            failing: Some(format!("SELECT * FROM {input} WHERE {col} IS NULL")),
            rule: Rule::Range { min: None, max: Some(p.max), strict_min: false, strict_max: false },
            severity: p.severity,
            description: format!("null fraction of {} ≤ {}", p.column, p.max),
            samples: p.samples,
            threshold: None,
            findings: Vec::new(),
        }))
    }
}
