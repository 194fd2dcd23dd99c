//! `window`: per-partition window functions: lag, lead, ranks and running aggregates.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{check_output_name, ident_list, literal, order_by_sql, require_columns, require_sort_keys, SortKey, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Window;

/// A window function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WinFn {
    RowNumber,
    Rank,
    DenseRank,
    /// Value of `column` `offset` rows before.
    Lag,
    /// Value of `column` `offset` rows after.
    Lead,
    RunningSum,
    RunningMean,
    RunningMin,
    RunningMax,
    /// Running count of non-null values of `column` (of rows, without a column).
    RunningCount,
}

impl WinFn {
    fn needs_column(self) -> bool {
        !matches!(self, WinFn::RowNumber | WinFn::Rank | WinFn::DenseRank | WinFn::RunningCount)
    }
    fn running(self) -> bool {
        matches!(self, WinFn::RunningSum | WinFn::RunningMean | WinFn::RunningMin | WinFn::RunningMax | WinFn::RunningCount)
    }
}

/// One output column.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WinCol {
    #[serde(rename = "fn")]
    pub func: WinFn,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub column: Option<String>,
    /// For lag and lead: how many rows away (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    /// For lag and lead: the value where there is no such row (default null).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// For running aggregates: the window holds this many rows ending at the current one
    /// (default: all rows from the start of the partition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u32>,
}

/// Parameters of `window`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns"))]
    pub partition_by: Vec<String>,
    /// Row order within a partition. Make it unique (add a tie-breaker) for deterministic results.
    pub order_by: Vec<SortKey>,
    /// Output column name to window function.
    pub columns: IndexMap<String, WinCol>,
}

impl Kind for Window {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "window",
            title: "Window functions",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Adds columns computed over ordered rows of each partition: row_number, rank, dense_rank, \
                   lag and lead by `offset` rows, and running sum, mean, min, max and count, over all rows \
                   so far or over the last `rows` rows. Rows keep their columns; new ones are appended.",
        }
    }

    fn example(&self) -> Value {
        json!({
            "partition_by": ["customer_id"],
            "order_by": [{"column": "ordered_at"}, {"column": "order_id"}],
            "columns": {
                "order_seq": {"fn": "row_number"},
                "prev_amount": {"fn": "lag", "column": "amount"},
                "amount_last3": {"fn": "running_mean", "column": "amount", "rows": 3}
            }
        })
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = require_columns(cx, "input", &p.partition_by, "partition_by")
            & require_sort_keys(cx, "input", &p.order_by, "order_by");
        if p.order_by.is_empty() {
            cx.error("S027", "order_by", "window functions need an order");
            ok = false;
        }
        if p.columns.is_empty() {
            cx.error("S027", "columns", "no column to compute");
            ok = false;
        }
        let mut s = cx.input("input");
        for (name, w) in &p.columns {
            let path = format!("columns.{name}");
            ok &= check_output_name(cx, name, "columns");
            if s.contains(name) {
                cx.error("S026", &path, format!("column '{name}' exists already"));
                ok = false;
            }
            match &w.column {
                Some(c) => ok &= cx.require_column("input", c, format!("{path}.column")).is_some(),
                None if w.func.needs_column() => {
                    cx.error("S028", format!("{path}.column"), "this function needs a column");
                    ok = false;
                }
                None => {}
            }
            if w.rows.is_some() && !w.func.running() {
                cx.error("S028", format!("{path}.rows"), "'rows' applies to running aggregates only");
                ok = false;
            }
            if w.rows == Some(0) {
                cx.error("S028", format!("{path}.rows"), "'rows' must be at least 1");
                ok = false;
            }
            if (w.offset.is_some() || w.default.is_some()) && !matches!(w.func, WinFn::Lag | WinFn::Lead) {
                cx.error("S028", &path, "'offset' and 'default' apply to lag and lead only");
                ok = false;
            }
            let ty = match w.func {
                WinFn::RowNumber | WinFn::Rank | WinFn::DenseRank | WinFn::RunningCount => "BIGINT",
                WinFn::RunningMean => "DOUBLE",
                _ => crate::schema::UNKNOWN,
            };
            s.columns.push(Column::new(name, ty));
        }
        ok.then_some(s)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let part = if p.partition_by.is_empty() { String::new() } else { format!("PARTITION BY {} ", ident_list(cx, &p.partition_by)) };
        let order = format!("ORDER BY {}", order_by_sql(cx, &p.order_by));
        let mut items = vec!["*".to_string()];
        for (name, w) in &p.columns {
            let col = w.column.as_deref().map(|c| cx.ident(c)).unwrap_or_else(|| "*".into());
            let frame = match w.rows {
                Some(n) => format!(" ROWS BETWEEN {} PRECEDING AND CURRENT ROW", n - 1),
                None => " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW".into(),
            };
            let f = match w.func {
                WinFn::RowNumber => "row_number()".to_string(),
                WinFn::Rank => "rank()".into(),
                WinFn::DenseRank => "dense_rank()".into(),
                WinFn::Lag | WinFn::Lead => {
                    let fname = if w.func == WinFn::Lag { "lag" } else { "lead" };
                    let def = w.default.as_ref().map(|d| format!(", {}", literal(cx, d))).unwrap_or_default();
                    format!("{fname}({col}, {}{def})", w.offset.unwrap_or(1))
                }
                WinFn::RunningSum => format!("sum({col})"),
                WinFn::RunningMean => format!("avg({col})"),
                WinFn::RunningMin => format!("min({col})"),
                WinFn::RunningMax => format!("max({col})"),
                WinFn::RunningCount => format!("count({col})"),
            };
            let frame = if w.func.running() { frame } else { String::new() };
            items.push(format!("{f} OVER ({part}{order}{frame}) AS {}", cx.ident(name)));
        }
        Ok(Compiled::Query(format!("SELECT {} FROM {}", items.join(", "), cx.input("input"))))
    }
}
