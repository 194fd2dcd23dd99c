//! `union`: stack the rows of several inputs, matching columns by name.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::schema::{Column, Schema};

pub struct Union;

/// Parameters of `union`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Drop duplicate rows from the result.
    #[serde(default)]
    pub distinct: bool,
}

impl Kind for Union {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "union",
            title: "Union by name",
            category: Category::Transform,
            inputs: Ports::Named { min: 2, doc: "inputs to stack, in port-name order" },
            output: true,
            docs: "Stacks the rows of two or more inputs. Columns are matched by name; a column missing \
                   from an input is null in its rows. Inputs are taken in the order of their port names.",
        }
    }

    fn example(&self) -> Value {
        json!({"distinct": false})
    }

    fn check(&self, _p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        let mut out = Schema::default();
        let mut ports: Vec<&String> = cx.inputs.keys().collect();
        ports.sort();
        for port in ports {
            for c in &cx.inputs[port].columns {
                match out.get(&c.name) {
                    None => out.columns.push(c.clone()),
                    Some(prev) if prev.ty != c.ty => out.upsert(Column::unknown(&c.name)),
                    Some(_) => {}
                }
            }
        }
        Some(out)
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let mut ports: Vec<&String> = cx.inputs.keys().collect();
        ports.sort();
        if !cx.dialect.supports_union_by_name() {
            return by_position(p, cx, &ports);
        }
        let op = if p.distinct { " UNION BY NAME " } else { " UNION ALL BY NAME " };
        let parts: Vec<String> = ports.iter().map(|p| format!("SELECT * FROM {}", cx.input(p))).collect();
        Ok(Compiled::Query(parts.join(op)))
    }
}

/// The union for dialects that match columns by position only: every input lists the output's
/// columns in order, cast to the output's type (the common type DuckDB chose), NULL where the
/// input lacks one, as `UNION BY NAME` does.
fn by_position(p: &Params, cx: &CompileCx<'_>, ports: &[&String]) -> Result<Compiled, Unsupported> {
    let Some(out) = cx.output.filter(|o| o.columns.iter().all(|c| c.is_known())) else {
        return Err(Unsupported { dialect: cx.dialect.name(), what: "a union whose column types are not known".into() });
    };
    let parts: Vec<String> = ports
        .iter()
        .map(|port| {
            let have = cx.schema(port);
            let items: Vec<String> = out
                .columns
                .iter()
                .map(|c| {
                    let value = if have.get(&c.name).is_some() { cx.ident(&c.name) } else { "NULL".to_string() };
                    format!("CAST({value} AS {}) AS {}", c.ty, cx.ident(&c.name))
                })
                .collect();
            format!("SELECT {} FROM {}", items.join(", "), cx.input(port))
        })
        .collect();
    Ok(Compiled::Query(parts.join(if p.distinct { " UNION " } else { " UNION ALL " })))
}
