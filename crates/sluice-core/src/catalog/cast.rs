//! `cast`: change column types, strictly or leniently.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{valid_type_name, ONE_INPUT};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Cast;

/// What to do with a value that does not convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Fail the run, naming the value.
    #[default]
    Fail,
    /// Turn the value into null.
    Null,
}

/// Parameters of `cast`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Column to target type, e.g. `{"amount": "DECIMAL(12,2)", "ordered_at": "TIMESTAMP"}`.
    #[schemars(extend("x-sluice-widget" = "column-types"))]
    pub columns: IndexMap<String, String>,
    /// `fail` stops the run on a value that does not convert; `null` turns it into null.
    #[serde(default)]
    pub on_error: OnError,
}

impl Kind for Cast {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "cast",
            title: "Cast types",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: true,
            docs: "Converts columns to other types. With `on_error: null`, values that do not convert \
                   (such as `N/A` in a number column) become null instead of failing the run.",
        }
    }

    fn example(&self) -> Value {
        json!({"columns": {"amount": "DOUBLE"}, "on_error": "null"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = !p.columns.is_empty();
        if !ok {
            cx.error("S027", "columns", "no column to cast");
        }
        let mut s = cx.input("input");
        for (col, ty) in &p.columns {
            ok &= cx.require_column("input", col, format!("columns.{col}")).is_some();
            if !valid_type_name(ty) {
                cx.error("S025", format!("columns.{col}"), format!("'{ty}' is not a SQL type name"));
                ok = false;
            }
            s.upsert(Column::new(col, ty.trim().to_uppercase()));
        }
        ok.then_some(s)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let f = match p.on_error {
            OnError::Fail => "CAST",
            OnError::Null => "TRY_CAST",
        };
        let r: Vec<(String, String)> =
            p.columns.iter().map(|(c, t)| (c.clone(), format!("{f}({} AS {})", cx.ident(c), t.trim()))).collect();
        Ok(Compiled::Query(format!("SELECT {} FROM {}", cx.dialect.select_replace(None, &cx.input_columns("input"), &r), cx.input("input"))))
    }
}
