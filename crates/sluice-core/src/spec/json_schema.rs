//! The JSON Schema of a spec file (`sluice schema`): the spec model, with each kind's params
//! schema attached to nodes of that kind, so editors validate params too.

use serde_json::{json, Value};

use super::Spec;
use crate::catalog::registry;

/// The JSON Schema (draft 2020-12) of `*.sluice.json` files.
pub fn spec_json_schema() -> Value {
    let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| s.inline_subschemas = true);
    let mut root = settings.clone().into_generator().root_schema_for::<Spec>().to_value();
    let rules: Vec<Value> = registry()
        .iter()
        .map(|k| {
            json!({
                "if": {"properties": {"kind": {"const": k.info().id}}, "required": ["kind"]},
                "then": {"properties": {"params": k.params_schema()}}
            })
        })
        .collect();
    let kinds: Vec<&str> = registry().iter().map(|k| k.info().id).collect();
    if let Some(node) = root.pointer_mut("/properties/nodes/items") {
        node["allOf"] = Value::Array(rules);
        node["properties"]["kind"]["enum"] = json!(kinds);
    }
    root["$id"] = json!("https://sluice.dev/schema/spec-v1.json");
    root["title"] = json!("Sluice pipeline spec, version 1");
    root
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn schema_lists_every_kind() {
        let s = spec_json_schema();
        let kinds = s.pointer("/properties/nodes/items/properties/kind/enum").unwrap().as_array().unwrap();
        assert_eq!(kinds.len(), registry().len());
        assert_eq!(s["properties"]["version"]["type"], "integer");
    }
}
