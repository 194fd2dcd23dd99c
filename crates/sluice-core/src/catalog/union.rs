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

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let mut ports: Vec<&String> = cx.inputs.keys().collect();
        ports.sort();
        let op = if p.distinct { " UNION BY NAME " } else { " UNION ALL BY NAME " };
        let parts: Vec<String> = ports.iter().map(|p| format!("SELECT * FROM {}", cx.input(p))).collect();
        Ok(Compiled::Query(parts.join(op)))
    }
}
