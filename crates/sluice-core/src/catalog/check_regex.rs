//! `check_regex`: a column's values match a regular expression.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::check::{check_common, default_mostly, default_samples, CheckSeverity, RowCheck, Rule};
use super::common::ONE_INPUT;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct CheckRegex;

/// Parameters of `check_regex`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Column to check (read as text).
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub column: String,
    /// Regular expression (RE2 syntax). It may match anywhere in the value: anchor it with `^...$`
    /// to require the whole value.
    pub pattern: String,
    /// Fraction of non-null values that must match (1 = all).
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

impl Kind for CheckRegex {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "check_regex",
            title: "Check: regex match",
            category: Category::Check,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Passes its input through and checks that `column`, read as text, matches `pattern`. As in \
                   Great Expectations' `expect_column_values_to_match_regex` the pattern may match anywhere \
                   in the value (search, not full match): anchor it with `^` and `$` to require the whole \
                   value. Nulls are left out of the denominator.",
        }
    }

    fn example(&self) -> Value {
        json!({"column": "email", "pattern": "^[^@ ]+@[^@ ]+\\.[a-z]{2,}$", "mostly": 0.95})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = cx.require_column("input", &p.column, "column").is_some();
        // The regex crate's syntax is close to RE2's; a pattern it rejects is almost surely wrong.
        if let Err(e) = regex::Regex::new(&p.pattern) {
            let first = e.to_string().lines().last().unwrap_or_default().trim().to_string();
            cx.error("S045", "pattern", format!("invalid regular expression: {first}"));
            ok = false;
        }
        ok &= check_common(cx, Some(p.mostly), p.samples);
        ok.then(|| cx.input("input"))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let col = cx.ident(&p.column);
        Ok(Compiled::Check(
            RowCheck {
                counted: format!("{col} IS NOT NULL"),
                unexpected: format!("NOT regexp_matches(CAST({col} AS VARCHAR), {})", cx.string(&p.pattern)),
                rule: Rule::Mostly(p.mostly),
                severity: p.severity,
                description: format!("{} matches /{}/", p.column, p.pattern),
                samples: p.samples,
                cx,
            }
            .build(),
        ))
    }
}
