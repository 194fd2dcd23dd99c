//! `check_between`: a column's values lie between a minimum and a maximum.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{check_common, default_mostly, default_samples, CheckSeverity, RowCheck, Rule};
use super::common::{is_false, literal, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckBetween;

/// Parameters of `check_between`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Column to check.
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub column: String,
    /// Smallest accepted value (a number, or a string such as a date); absent: no lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Value>,
    /// Largest accepted value; absent: no upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Value>,
    /// Exclude `min` itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict_min: bool,
    /// Exclude `max` itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict_max: bool,
    /// Fraction of non-null values that must lie in the range (1 = all).
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

impl Kind for CheckBetween {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_between",
            title: "Check: between",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and checks that `column` lies between `min` and `max`, inclusive \
                   unless `strict_min` / `strict_max` (Great Expectations' `expect_column_values_to_be_between`). \
                   Nulls are left out of the denominator. Bounds may be numbers or strings that the column's \
                   type reads, such as dates.",
        }
    }

    fn example(&self) -> Value {
        json!({"column": "amount", "min": 0, "max": 10000, "mostly": 0.99})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = cx.require_column("input", &p.column, "column").is_some();
        if p.min.is_none() && p.max.is_none() {
            cx.error("S042", "min", "give min, max or both");
            ok = false;
        }
        for (name, v) in [("min", &p.min), ("max", &p.max)] {
            if let Some(v) = v {
                if !(v.is_number() || v.is_string()) {
                    cx.error("S043", name, "a bound is a number or a string");
                    ok = false;
                }
            }
        }
        if let (Some(a), Some(b)) = (p.min.as_ref().and_then(Value::as_f64), p.max.as_ref().and_then(Value::as_f64)) {
            if a > b {
                cx.error("S044", "max", format!("max {b} is below min {a}"));
                ok = false;
            }
        }
        ok &= check_common(cx, Some(p.mostly), p.samples);
        ok.then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let col = cx.ident(&p.column);
        let mut bad = Vec::new();
        if let Some(v) = &p.min {
            bad.push(format!("{col} {} {}", if p.strict_min { "<=" } else { "<" }, literal(cx, v)));
        }
        if let Some(v) = &p.max {
            bad.push(format!("{col} {} {}", if p.strict_max { ">=" } else { ">" }, literal(cx, v)));
        }
        let show = |v: &Option<Value>, open: &str| match v {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => open.to_string(),
        };
        let description = format!(
            "{} in {}{}, {}{}",
            p.column,
            if p.strict_min { "(" } else { "[" },
            show(&p.min, "-∞"),
            show(&p.max, "∞"),
            if p.strict_max { ")" } else { "]" }
        );
        Ok(Compiled::Check(
            RowCheck {
                counted: format!("{col} IS NOT NULL"),
                unexpected: bad.join(" OR "),
                rule: Rule::Mostly(p.mostly),
                severity: p.severity,
                description,
                samples: p.samples,
                cx,
            }
            .build(),
        ))
    }
}
