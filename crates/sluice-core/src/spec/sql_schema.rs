//! Which params of a kind hold SQL, read from the `x-sluice-widget` hints its JSON Schema
//! declares (`sql-expression`, `sql-query`, `sql`, and the values of a `sql-expression-map`).
//! Placeholders in those params are filled as SQL literals, everywhere else as text.

use serde_json::Value;

/// A position in a kind's params schema, walked alongside the params' JSON.
#[derive(Clone, Copy)]
pub struct SchemaAt<'a> {
    root: &'a Value,
    node: &'a Value,
    /// The parent is a map whose values are SQL expressions.
    in_sql_map: bool,
}

impl<'a> SchemaAt<'a> {
    /// The top of a params schema.
    pub fn root(root: &'a Value) -> Self {
        SchemaAt { root, node: root, in_sql_map: false }
    }

    /// Whether a string here is SQL.
    pub fn is_sql(&self) -> bool {
        self.in_sql_map || self.widgets().any(|w| matches!(w, "sql-expression" | "sql-query" | "sql"))
    }

    /// The schema of `key` in an object here.
    pub fn field(&self, key: &str) -> Option<SchemaAt<'a>> {
        let sql_map = self.widgets().any(|w| w == "sql-expression-map");
        self.alternatives().find_map(|n| {
            let child = n.get("properties").and_then(|p| p.get(key)).or_else(|| n.get("additionalProperties").filter(|a| a.is_object()))?;
            Some(SchemaAt { root: self.root, node: child, in_sql_map: sql_map })
        })
    }

    /// The schema of an item of an array here.
    pub fn item(&self) -> Option<SchemaAt<'a>> {
        self.alternatives().find_map(|n| {
            let child = n.get("items").filter(|i| i.is_object())?;
            Some(SchemaAt { root: self.root, node: child, in_sql_map: false })
        })
    }

    fn widgets(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.alternatives().filter_map(|n| n.get("x-sluice-widget").and_then(Value::as_str))
    }

    /// This node with its `$ref` followed, and the branches of its `anyOf`/`oneOf`/`allOf`
    /// (how optional and nested structs appear), each resolved the same way, two levels deep.
    fn alternatives(&self) -> impl Iterator<Item = &'a Value> + '_ {
        let mut out = Vec::new();
        self.collect(self.node, 0, &mut out);
        out.into_iter()
    }

    fn collect(&self, node: &'a Value, depth: usize, out: &mut Vec<&'a Value>) {
        if depth > 4 {
            return;
        }
        out.push(node);
        if let Some(target) = node.get("$ref").and_then(Value::as_str).and_then(|r| self.resolve(r)) {
            self.collect(target, depth + 1, out);
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            for branch in node.get(key).and_then(Value::as_array).into_iter().flatten() {
                self.collect(branch, depth + 1, out);
            }
        }
    }

    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(pointer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::lookup;

    fn sql_at(kind: &str, path: &[&str]) -> bool {
        let schema = lookup(kind).unwrap().params_schema();
        let mut at = SchemaAt::root(&schema);
        for seg in path {
            at = if *seg == "[]" { at.item().unwrap() } else { at.field(seg).unwrap() };
        }
        at.is_sql()
    }

    #[test]
    fn finds_the_sql_params_of_kinds() {
        assert!(sql_at("filter", &["predicate"]));
        assert!(sql_at("sql", &["query"]));
        assert!(sql_at("check_sql", &["query"]));
        assert!(sql_at("derive", &["columns", "total"]));
        assert!(sql_at("aggregate", &["aggregates", "n", "expr"]));
        assert!(sql_at("scale", &["train_rows"]));
        assert!(!sql_at("read_csv", &["path"]));
        assert!(!sql_at("check_sql", &["description"]));
    }
}
