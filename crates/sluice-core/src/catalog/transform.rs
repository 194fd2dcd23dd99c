//! `transform`: row-wise numeric transforms with fixed parameters: `log1p` and `clip`. Nothing is
//! fitted; for clipping at quantiles of the training rows see `winsorize`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{check_output_name, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Transform;

/// A row-wise function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Function {
    /// `ln(1 + x)`, accurate for small x as numpy's `log1p`; null for x ≤ −1.
    Log1p,
    /// `x` limited to [`min`, `max`], as numpy's `clip`.
    Clip,
}

/// One transform.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The numeric column to transform.
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "input"))]
    pub column: String,
    pub function: Function,
    /// Clip: the lower bound (absent: no lower bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Clip: the upper bound (absent: no upper bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Write the result to this new column and keep `column`; absent: replace `column` in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// Parameters of `transform`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The transforms, each computed from the input's columns (not from each other's results).
    pub steps: Vec<Step>,
}

/// `log1p(x)` in SQL for a DOUBLE expression `x` (a column reference: it is repeated).
///
/// `ln(u) * (x / (u - 1))` with `u = 1 + x` rounded (Goldberg's formula) is within a few ulps of
/// `log1p(x)` where `ln(1 + x)` would lose all digits of a small `x`; `u = 1` means `x` is below
/// half an ulp of 1, where `log1p(x) = x` to double precision. Infinity and NaN map to themselves.
pub fn log1p_sql(x: &str) -> String {
    format!(
        "CASE WHEN {x} > -1 THEN (CASE WHEN 1 + {x} = 1 OR isinf({x}) OR isnan({x}) THEN {x} \
         ELSE ln(1 + {x}) * ({x} / ((1 + {x}) - 1)) END) END"
    )
}

/// `x` limited to [lo, hi] for a DOUBLE expression `x` and bound expressions (a null bound is no
/// bound; a null `x` stays null). A CASE rather than greatest/least, which skip nulls.
pub fn clip_sql(x: &str, lo: Option<&str>, hi: Option<&str>) -> String {
    let mut whens = String::new();
    if let Some(lo) = lo {
        whens.push_str(&format!(" WHEN {x} < {lo} THEN {lo}"));
    }
    if let Some(hi) = hi {
        whens.push_str(&format!(" WHEN {x} > {hi} THEN {hi}"));
    }
    if whens.is_empty() {
        return x.to_string();
    }
    format!("CASE{whens} ELSE {x} END")
}

/// A finite f64 as an SQL DOUBLE literal that reads back to the same bits.
fn double(v: f64) -> String {
    format!("CAST('{v:?}' AS DOUBLE)")
}

impl Kind for Transform {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "transform",
            title: "Transform numbers",
            category: Category::Feature,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Applies a row-wise function to numeric columns, with fixed parameters (nothing is fitted). \
                   `log1p`: ln(1 + x), computed accurately for small x as numpy's `log1p`; x ≤ −1 gives null \
                   (numpy gives −inf at −1 and NaN below). `clip`: x limited to [`min`, `max`] as numpy's \
                   `clip` (give either bound or both; min must not exceed max). Nulls stay null; infinity and \
                   NaN pass through log1p unchanged, while clip ranks NaN above every number (as DuckDB \
                   orders floats), so a NaN becomes `max` (numpy keeps NaN). The result is DOUBLE, in place or in the new column \
                   `output`. Each step reads the input's columns, not another step's result: to clip and then \
                   take log1p, use two nodes. For bounds fitted on the training rows, use `winsorize`.",
        }
    }

    fn example(&self) -> Value {
        json!({"steps": [
            {"column": "amount", "function": "log1p", "output": "log_amount"},
            {"column": "discount", "function": "clip", "min": 0, "max": 0.5}
        ]})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        if p.steps.is_empty() {
            cx.error("S027", "steps", "no transform given");
            ok = false;
        }
        let input = cx.input("input");
        let mut out = input.clone();
        let mut written: Vec<String> = Vec::new();
        for (i, s) in p.steps.iter().enumerate() {
            let path = format!("steps[{i}]");
            match cx.require_column("input", &s.column, format!("{path}.column")) {
                Some(c) if c.is_known() && !c.is_numeric() => {
                    cx.error("S029", format!("{path}.column"), format!("column '{}' is {}, not numeric", s.column, c.ty));
                    ok = false;
                }
                Some(_) => {}
                None => ok = false,
            }
            match s.function {
                Function::Log1p => {
                    if s.min.is_some() || s.max.is_some() {
                        cx.error("S028", format!("{path}.min"), "min and max are for function 'clip'");
                        ok = false;
                    }
                }
                Function::Clip => {
                    for (name, b) in [("min", s.min), ("max", s.max)] {
                        if b.is_some_and(|v| !v.is_finite()) {
                            cx.error("S040", format!("{path}.{name}"), format!("{name} must be a finite number"));
                            ok = false;
                        }
                    }
                    match (s.min, s.max) {
                        (None, None) => {
                            cx.error("S042", format!("{path}.min"), "give min, max or both");
                            ok = false;
                        }
                        (Some(a), Some(b)) if a > b => {
                            cx.error("S044", format!("{path}.max"), format!("max {b} is below min {a}"));
                            ok = false;
                        }
                        _ => {}
                    }
                }
            }
            let name = match &s.output {
                Some(o) => {
                    if !check_output_name(cx, o, &format!("{path}.output")) {
                        ok = false;
                        continue;
                    }
                    if input.contains(o) {
                        cx.error("S026", format!("{path}.output"), format!("column '{o}' exists already; leave output out to replace it"));
                        ok = false;
                    }
                    o.clone()
                }
                None => s.column.clone(),
            };
            if written.contains(&name) {
                cx.error("S026", format!("{path}.output"), format!("two steps write column '{name}'"));
                ok = false;
            }
            written.push(name.clone());
            out.upsert(Column::new(name, "DOUBLE"));
        }
        ok.then_some(out)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let mut replace = Vec::new();
        let mut added = Vec::new();
        for s in &p.steps {
            let x = format!("CAST({} AS DOUBLE)", cx.ident(&s.column));
            let expr = match s.function {
                Function::Log1p => log1p_sql(&x),
                Function::Clip => {
                    let (lo, hi) = (s.min.map(double), s.max.map(double));
                    clip_sql(&x, lo.as_deref(), hi.as_deref())
                }
            };
            match &s.output {
                Some(o) => added.push(format!("{expr} AS {}", cx.ident(o))),
                None => replace.push((s.column.clone(), expr)),
            }
        }
        let mut items = vec![cx.dialect.select_replace(None, &cx.input_columns("input"), &replace)];
        items.extend(added);
        Ok(Compiled::Query(format!("SELECT {} FROM {}", items.join(", "), cx.input("input"))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::impute::testing::*;
    use super::*;

    fn input() -> Schema {
        schema(&[("amount", "DECIMAL(12,2)"), ("quantity", "INTEGER"), ("channel", "VARCHAR")])
    }

    #[test]
    fn schema_in_place_and_new_columns() {
        let (out, d) = check(
            &Transform,
            json!({"steps": [
                {"column": "amount", "function": "log1p", "output": "log_amount"},
                {"column": "quantity", "function": "clip", "min": 1, "max": 10}
            ]}),
            &input(),
        );
        assert!(d.is_empty(), "{d:?}");
        let got = cols(&out.unwrap());
        assert_eq!(
            got,
            [("amount", "DECIMAL(12,2)"), ("quantity", "DOUBLE"), ("channel", "VARCHAR"), ("log_amount", "DOUBLE")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn params_are_checked_with_their_paths() {
        let (out, d) = check(
            &Transform,
            json!({"steps": [
                {"column": "channel", "function": "log1p"},
                {"column": "amount", "function": "clip"},
                {"column": "amount", "function": "clip", "min": 5, "max": 1, "output": "quantity"},
                {"column": "amount", "function": "log1p", "max": 3, "output": "a"},
                {"column": "quantity", "function": "log1p", "output": "a"}
            ]}),
            &input(),
        );
        assert!(out.is_none());
        assert_eq!(
            codes(&d),
            vec![
                ("S029", "params.steps[0].column".to_string()),
                ("S042", "params.steps[1].min".to_string()),
                ("S044", "params.steps[2].max".to_string()),
                ("S026", "params.steps[2].output".to_string()),
                ("S028", "params.steps[3].min".to_string()),
                ("S026", "params.steps[4].output".to_string()),
            ]
        );
        let (_, d) = check(&Transform, json!({"steps": []}), &input());
        assert_eq!(codes(&d), vec![("S027", "params.steps".to_string())]);
        let (_, d) = check(&Transform, json!({"steps": [{"column": "amount", "function": "exp"}]}), &input());
        assert_eq!(codes(&d), vec![("S010", "params.steps[0].function".to_string())]);
    }

    #[test]
    fn sql_shape() {
        let sql = compile(
            &Transform,
            json!({"steps": [
                {"column": "amount", "function": "log1p", "output": "l"},
                {"column": "quantity", "function": "clip", "max": 10}
            ]}),
            &input(),
            None,
        );
        let x = "CAST(\"amount\" AS DOUBLE)";
        assert_eq!(
            sql,
            format!(
                "SELECT * REPLACE (CASE WHEN CAST(\"quantity\" AS DOUBLE) > CAST('10.0' AS DOUBLE) THEN CAST('10.0' AS DOUBLE) \
                 ELSE CAST(\"quantity\" AS DOUBLE) END AS \"quantity\"), {} AS \"l\" FROM \"src\"",
                log1p_sql(x)
            )
        );
        assert_eq!(clip_sql("x", Some("0"), Some("1")), "CASE WHEN x < 0 THEN 0 WHEN x > 1 THEN 1 ELSE x END");
        assert_eq!(double(0.1), "CAST('0.1' AS DOUBLE)");
    }
}
