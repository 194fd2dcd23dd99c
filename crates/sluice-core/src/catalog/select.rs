//! `select`: keep, drop, rename and reorder columns.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{require_columns, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Select;

/// Parameters of `select`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Columns to keep, in this order; empty keeps all columns in their order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns"))]
    pub keep: Vec<String>,
    /// Columns to leave out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-sluice-widget" = "columns"))]
    pub drop: Vec<String>,
    /// New names, old name to new name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("x-sluice-widget" = "column-rename"))]
    pub rename: IndexMap<String, String>,
}

impl Params {
    /// Output columns as (input column, output name).
    fn plan(&self, input: &Schema) -> Vec<(Column, String)> {
        let base: Vec<&Column> = if self.keep.is_empty() {
            input.columns.iter().collect()
        } else {
            self.keep.iter().filter_map(|k| input.get(k)).collect()
        };
        base.into_iter()
            .filter(|c| !self.drop.contains(&c.name))
            .map(|c| (c.clone(), self.rename.get(&c.name).cloned().unwrap_or_else(|| c.name.clone())))
            .collect()
    }
}

impl Kind for Select {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "select",
            title: "Select columns",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Keeps, drops, renames and reorders columns. With `keep`, the output has exactly those \
                   columns in that order; `drop` removes columns; `rename` maps old names to new ones.",
        }
    }

    fn example(&self) -> Value {
        json!({"keep": ["order_id", "customer_id", "amount"], "rename": {"amount": "order_amount"}})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = require_columns(cx, "input", &p.keep, "keep");
        ok &= require_columns(cx, "input", &p.drop, "drop");
        for (old, new) in &p.rename {
            ok &= cx.require_column("input", old, format!("rename.{old}")).is_some();
            if new.is_empty() {
                cx.error("S023", format!("rename.{old}"), "new name is empty");
                ok = false;
            }
        }
        let cols = p.plan(&cx.input("input"));
        let mut seen = std::collections::HashSet::new();
        for (_, name) in &cols {
            if !seen.insert(name.clone()) {
                cx.error("S026", "rename", format!("two output columns would be named '{name}'"));
                ok = false;
            }
        }
        if ok && cols.is_empty() {
            cx.error("S027", "keep", "no column would be left");
            ok = false;
        }
        ok.then(|| Schema::new(cols.into_iter().map(|(c, n)| Column::new(n, c.ty)).collect()))
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let items: Vec<String> = p
            .plan(&cx.schema("input"))
            .into_iter()
            .map(|(c, n)| if c.name == n { cx.ident(&n) } else { format!("{} AS {}", cx.ident(&c.name), cx.ident(&n)) })
            .collect();
        Ok(Compiled::Query(format!("SELECT {} FROM {}", items.join(", "), cx.input("input"))))
    }
}
