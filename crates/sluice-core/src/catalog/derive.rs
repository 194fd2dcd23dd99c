//! `derive`: add or replace columns computed by SQL expressions.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{check_expression, check_output_name, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Derive;

/// Parameters of `derive`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// New column name to SQL expression over the input's columns. A name that exists already is
    /// replaced in place; new names are appended in this order.
    #[schemars(extend("x-sluice-widget" = "sql-expression-map"))]
    pub columns: IndexMap<String, String>,
}

impl Kind for Derive {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "derive",
            title: "Derive columns",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Adds columns computed from SQL expressions over the input's columns, or replaces a \
                   column of the same name in place. Expressions see the input's columns, not each other.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": {"net_amount": "amount * (1 - discount)", "order_date": "CAST(ordered_at AS DATE)"}})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        if p.columns.is_empty() {
            cx.error("S027", "columns", "no column to derive");
            ok = false;
        }
        for (name, expr) in &p.columns {
            ok &= check_output_name(cx, name, "columns");
            ok &= check_expression(cx, expr, &format!("columns.{name}"));
        }
        let mut s = cx.input("input");
        for name in p.columns.keys() {
            s.upsert(Column::unknown(name));
        }
        ok.then_some(s)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let input = cx.schema("input");
        let (replace, add): (Vec<_>, Vec<_>) = p.columns.iter().partition(|(n, _)| input.contains(n));
        let replacements: Vec<(String, String)> =
            replace.into_iter().map(|(n, e)| (n.clone(), format!("({e})"))).collect();
        let mut items = vec![cx.dialect.select_replace(None, &cx.input_columns("input"), &replacements)];
        items.extend(add.into_iter().map(|(n, e)| format!("({e}) AS {}", cx.ident(n))));
        Ok(Compiled::Query(format!("SELECT {} FROM {}", items.join(", "), cx.input("input"))))
    }
}
