//! `aggregate`: group rows and compute aggregates per group.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{check_expression, check_output_name, ident_list, require_columns, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Aggregate;

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AggFn {
    /// Rows in the group, or non-null values of `column` when given.
    Count,
    CountDistinct,
    Sum,
    Mean,
    /// Median by linear interpolation (as pandas).
    Median,
    Min,
    Max,
    /// Sample standard deviation (ddof = 1, as pandas).
    Stddev,
    /// Sample variance (ddof = 1, as pandas).
    Variance,
}

/// One output aggregate: a function over a column, or a free SQL aggregate expression.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agg {
    #[serde(default, rename = "fn", skip_serializing_if = "Option::is_none")]
    pub func: Option<AggFn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub column: Option<String>,
    /// An SQL aggregate expression instead of `fn` and `column`, e.g. `sum(amount) FILTER (WHERE status = 'returned')`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "sql-expression"))]
    pub expr: Option<String>,
}

/// Parameters of `aggregate`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Grouping columns; empty gives one row for the whole input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns"))]
    pub group_by: Vec<String>,
    /// Output column name to aggregate.
    pub aggregates: IndexMap<String, Agg>,
}

fn agg_sql(cx: &CompileCx<'_>, a: &Agg) -> Result<String, Unsupported> {
    if let Some(e) = &a.expr {
        return Ok(format!("({e})"));
    }
    let col = a.column.as_deref().map(|c| cx.ident(c));
    let c = col.clone().unwrap_or_else(|| "*".into());
    let float = a.column.as_deref().and_then(|n| cx.schema("input").get(n).cloned()).is_some_and(|c| c.is_float());
    Ok(match a.func.unwrap_or(AggFn::Count) {
        AggFn::Count => format!("count({c})"),
        AggFn::CountDistinct => format!("count(DISTINCT {c})"),
        AggFn::Sum if float => cx.dialect.float_sum(&c),
        AggFn::Sum => format!("sum({c})"),
        AggFn::Mean if float => cx.dialect.float_mean(&c),
        AggFn::Mean => format!("avg({c})"),
        AggFn::Median => format!("quantile_cont({c}, 0.5)"),
        AggFn::Min => format!("min({c})"),
        AggFn::Max => format!("max({c})"),
        AggFn::Stddev => format!("stddev_samp({c})"),
        AggFn::Variance => format!("var_samp({c})"),
    })
}

impl Kind for Aggregate {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "aggregate",
            title: "Aggregate",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Groups rows by `group_by` and computes one row per group. Each aggregate is a function \
                   (count, count_distinct, sum, mean, median, min, max, stddev, variance) over a column, or \
                   an SQL aggregate expression. stddev and variance are sample statistics (ddof = 1), as in \
                   pandas; median interpolates linearly. Sums and means of floating-point columns are compensated \
                   (Kahan), which keeps them accurate and nearly always the same bits whatever order the \
                   threads finish in; integer and DECIMAL sums are exact, so aggregate those when re-runs \
                   must be byte-identical. Nulls are ignored by every function but `count` \
                   without a column.",
        }
    }

    fn example(&self) -> Value {
        json!({
            "group_by": ["customer_id"],
            "aggregates": {
                "orders": {"fn": "count"},
                "revenue": {"fn": "sum", "column": "amount"},
                "returned": {"expr": "count(*) FILTER (WHERE status = 'returned')"}
            }
        })
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = require_columns(cx, "input", &p.group_by, "group_by");
        if p.aggregates.is_empty() {
            cx.error("S027", "aggregates", "no aggregate given");
            ok = false;
        }
        let input = cx.input("input");
        let mut out: Vec<Column> = p.group_by.iter().filter_map(|g| input.get(g).cloned()).collect();
        for (name, a) in &p.aggregates {
            let path = format!("aggregates.{name}");
            ok &= check_output_name(cx, name, "aggregates");
            if p.group_by.contains(name) {
                cx.error("S026", &path, format!("'{name}' is also a grouping column"));
                ok = false;
            }
            match (&a.func, &a.column, &a.expr) {
                (None, None, Some(e)) => ok &= check_expression(cx, e, &format!("{path}.expr")),
                (Some(f), col, None) => {
                    if let Some(c) = col {
                        match cx.require_column("input", c, format!("{path}.column")) {
                            Some(c) if c.is_known() && !c.is_numeric()
                                && matches!(f, AggFn::Sum | AggFn::Mean | AggFn::Median | AggFn::Stddev | AggFn::Variance) =>
                            {
                                cx.error("S029", format!("{path}.column"), format!("column '{}' is {}, not numeric", c.name, c.ty));
                                ok = false;
                            }
                            Some(_) => {}
                            None => ok = false,
                        }
                    } else if !matches!(f, AggFn::Count) {
                        cx.error("S028", format!("{path}.column"), "this function needs a column");
                        ok = false;
                    }
                }
                _ => {
                    cx.error("S028", &path, "give either 'fn' (with 'column') or 'expr'");
                    ok = false;
                }
            }
            let ty = match a.func {
                Some(AggFn::Count | AggFn::CountDistinct) if a.expr.is_none() => "BIGINT",
                Some(AggFn::Mean | AggFn::Median | AggFn::Stddev | AggFn::Variance) if a.expr.is_none() => "DOUBLE",
                _ => crate::schema::UNKNOWN,
            };
            out.push(Column::new(name, ty));
        }
        ok.then(|| Schema::new(out))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let mut items: Vec<String> = p.group_by.iter().map(|g| cx.ident(g)).collect();
        for (n, a) in &p.aggregates {
            items.push(format!("{} AS {}", agg_sql(cx, a)?, cx.ident(n)));
        }
        let group = if p.group_by.is_empty() { String::new() } else { format!(" GROUP BY {}", ident_list(cx, &p.group_by)) };
        Ok(Compiled::Query(format!("SELECT {} FROM {}{group}", items.join(", "), cx.input("input"))))
    }
}
