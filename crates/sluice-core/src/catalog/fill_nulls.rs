//! `fill_nulls`: replace nulls per column with a constant or a statistic of the column.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{literal, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct FillNulls;

/// How nulls of one column are filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// The given `value`.
    Constant,
    /// The mean of the column's non-null values.
    Mean,
    /// The median (linear interpolation, as pandas).
    Median,
    /// The most frequent non-null value; ties go to the smallest value, as pandas' `mode()[0]`.
    Mode,
}

/// The fill rule for one column.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fill {
    pub strategy: Strategy,
    /// The constant, for `strategy: constant`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// Parameters of `fill_nulls`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Column to fill rule.
    #[schemars(extend("x-sluice-widget" = "column-map"))]
    pub columns: IndexMap<String, Fill>,
}

impl Kind for FillNulls {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "fill_nulls",
            title: "Fill nulls",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Replaces nulls per column: with a constant, or with the mean, median or mode of the \
                   column's non-null values in this node's input. Mean and median of an integer column \
                   give a DOUBLE column. For a fill fitted once and re-applied in serving, use the imputer \
                   feature step.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": {"amount": {"strategy": "median"}, "channel": {"strategy": "constant", "value": "unknown"}}})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = !p.columns.is_empty();
        if !ok {
            cx.error("S027", "columns", "no column to fill");
        }
        let mut s = cx.input("input");
        for (col, f) in &p.columns {
            let Some(c) = cx.require_column("input", col, format!("columns.{col}")) else {
                ok = false;
                continue;
            };
            match (f.strategy, &f.value) {
                (Strategy::Constant, None) => {
                    cx.error("S028", format!("columns.{col}.value"), "strategy 'constant' needs a value");
                    ok = false;
                }
                (Strategy::Constant, Some(v)) if v.is_array() || v.is_object() => {
                    cx.error("S028", format!("columns.{col}.value"), "value must be a string, number or boolean");
                    ok = false;
                }
                (Strategy::Mean | Strategy::Median, _) if c.is_known() && !c.is_numeric() => {
                    cx.error("S029", format!("columns.{col}.strategy"), format!("column '{col}' is {}, not numeric", c.ty));
                    ok = false;
                }
                (s2, Some(_)) if s2 != Strategy::Constant => {
                    cx.error("S028", format!("columns.{col}.value"), "value is only used with strategy 'constant'");
                    ok = false;
                }
                _ => {}
            }
            if matches!(f.strategy, Strategy::Mean | Strategy::Median) {
                s.upsert(Column::unknown(col));
            }
        }
        ok.then_some(s)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.input("input");
        let r: Vec<(String, String)> = p
            .columns
            .iter()
            .map(|(col, f)| {
                let c = cx.ident(col);
                let fill = match f.strategy {
                    Strategy::Constant => literal(cx, f.value.as_ref().unwrap_or(&Value::Null)),
                    Strategy::Mean => format!("(SELECT avg({c}) FROM {input})"),
                    Strategy::Median => format!("(SELECT quantile_cont({c}, 0.5) FROM {input})"),
                    Strategy::Mode => format!(
                        "(SELECT {c} FROM {input} WHERE {c} IS NOT NULL GROUP BY {c} ORDER BY count(*) DESC, {c} ASC LIMIT 1)"
                    ),
                };
                (col.clone(), format!("COALESCE({c}, {fill})"))
            })
            .collect();
        Ok(Compiled::Query(format!("SELECT {} FROM {input}", cx.dialect.select_replace(None, &cx.input_columns("input"), &r))))
    }
}
