//! `join`: combine two inputs on key pairs (inner, left, right, full, semi, anti).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Port, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Join;

/// The join type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum How {
    #[default]
    Inner,
    Left,
    Right,
    Full,
    /// Left rows that have a match; left columns only.
    Semi,
    /// Left rows that have no match; left columns only.
    Anti,
}

/// A pair of key columns.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyPair {
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "left"))]
    pub left: String,
    #[schemars(extend("x-sluice-widget" = "column", "x-sluice-port" = "right"))]
    pub right: String,
}

/// Parameters of `join`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default)]
    pub how: How,
    /// Key pairs; rows match when every pair is equal (null keys never match).
    pub on: Vec<KeyPair>,
    /// Appended to right-hand column names that clash with left-hand ones.
    #[serde(default = "default_suffix")]
    pub suffix: String,
}

fn default_suffix() -> String {
    "_right".into()
}

const PORTS: &[Port] = &[
    Port { name: "left", doc: "the left-hand rows", optional: false },
    Port { name: "right", doc: "the right-hand rows", optional: false },
];

/// An output column: where it comes from and its name.
struct Out {
    expr: String,
    name: String,
    ty: String,
}

fn plan(p: &Params, left: &Schema, right: &Schema, cx_ident: &dyn Fn(&str) -> String) -> Result<Vec<Out>, String> {
    let shared: Vec<&str> = p.on.iter().filter(|k| k.left == k.right).map(|k| k.left.as_str()).collect();
    let mut out: Vec<Out> = left
        .columns
        .iter()
        .map(|c| {
            let expr = if shared.contains(&c.name.as_str()) {
                match p.how {
                    How::Right => format!("r.{}", cx_ident(&c.name)),
                    How::Full => format!("COALESCE(l.{0}, r.{0})", cx_ident(&c.name)),
                    _ => format!("l.{}", cx_ident(&c.name)),
                }
            } else {
                format!("l.{}", cx_ident(&c.name))
            };
            Out { expr, name: c.name.clone(), ty: c.ty.clone() }
        })
        .collect();
    if matches!(p.how, How::Semi | How::Anti) {
        return Ok(out);
    }
    for c in &right.columns {
        if shared.contains(&c.name.as_str()) {
            continue;
        }
        let mut name = c.name.clone();
        if out.iter().any(|o| o.name == name) {
            name = format!("{name}{}", p.suffix);
            if out.iter().any(|o| o.name == name) || right.contains(&name) {
                return Err(format!("column '{}' clashes even with suffix '{}'", c.name, p.suffix));
            }
        }
        out.push(Out { expr: format!("r.{}", cx_ident(&c.name)), name, ty: c.ty.clone() });
    }
    Ok(out)
}

impl Kind for Join {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "join",
            title: "Join",
            category: Category::Transform,
            inputs: Ports::Fixed { ports: PORTS },
            output: true,
            docs: "Joins `left` and `right` on key pairs. A key pair with the same name on both sides gives \
                   one output column (for a full join, whichever side is not null). Other right-hand \
                   columns whose names clash with left-hand ones get `suffix`. `semi` keeps the left rows \
                   that have a match and `anti` those that have none. Null keys never match.",
        }
    }

    fn example(&self) -> Value {
        json!({"how": "left", "on": [{"left": "customer_id", "right": "customer_id"}]})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut ok = true;
        if p.on.is_empty() {
            cx.error("S027", "on", "a join needs at least one key pair");
            ok = false;
        }
        for (i, k) in p.on.iter().enumerate() {
            let l = cx.require_column("left", &k.left, format!("on[{i}].left"));
            let r = cx.require_column("right", &k.right, format!("on[{i}].right"));
            if let (Some(l), Some(r)) = (l, r) {
                if l.is_known() && r.is_known() && l.is_numeric() != r.is_numeric() {
                    cx.error("S029", format!("on[{i}]"), format!("key types differ: {} and {}", l.ty, r.ty));
                    ok = false;
                }
            } else {
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        match plan(p, &cx.input("left"), &cx.input("right"), &|s| format!("\"{s}\"")) {
            Ok(out) => Some(Schema::new(out.into_iter().map(|o| Column::new(o.name, o.ty)).collect())),
            Err(m) => {
                cx.error("S026", "suffix", m);
                None
            }
        }
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let cond: Vec<String> =
            p.on.iter().map(|k| format!("l.{} = r.{}", cx.ident(&k.left), cx.ident(&k.right))).collect();
        let cond = cond.join(" AND ");
        let (left, right) = (cx.input("left"), cx.input("right"));
        let sql = match p.how {
            How::Semi => format!("SELECT l.* FROM {left} AS l WHERE EXISTS (SELECT 1 FROM {right} AS r WHERE {cond})"),
            How::Anti => format!("SELECT l.* FROM {left} AS l WHERE NOT EXISTS (SELECT 1 FROM {right} AS r WHERE {cond})"),
            how => {
                let out = plan(p, &cx.schema("left"), &cx.schema("right"), &|s| cx.ident(s))
                    .map_err(|m| Unsupported { dialect: cx.dialect.name(), what: m })?;
                let items: Vec<String> = out
                    .iter()
                    .map(|o| format!("{} AS {}", o.expr, cx.ident(&o.name)))
                    .collect();
                let j = match how {
                    How::Inner => "INNER JOIN",
                    How::Left => "LEFT JOIN",
                    How::Right => "RIGHT JOIN",
                    _ => "FULL OUTER JOIN",
                };
                format!("SELECT {} FROM {left} AS l {j} {right} AS r ON {cond}", items.join(", "))
            }
        };
        Ok(Compiled::Query(sql))
    }
}
