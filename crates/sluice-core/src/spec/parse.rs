//! Parse a spec file and report every structural problem at once, not only the first.

use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{NodeSpec, ParamDecl, Position, Spec, SPEC_VERSION};
use crate::diagnostic::Diagnostic;
use crate::suggest::did_you_mean;

const TOP_KEYS: [&str; 7] = ["version", "name", "description", "params", "state", "nodes", "layout"];

/// Parse spec text. Returns the spec as far as it could be read (nodes that failed to parse are
/// left out) and every diagnostic found on the way.
pub fn parse(text: &str) -> (Option<Spec>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            diags.push(Diagnostic::error(
                "S001",
                format!("not valid JSON at line {}, column {}: {e}", e.line(), e.column()),
            ));
            return (None, diags);
        }
    };
    let Value::Object(obj) = root else {
        diags.push(Diagnostic::error("S001", "a spec must be a JSON object"));
        return (None, diags);
    };
    for key in obj.keys() {
        if !TOP_KEYS.contains(&key.as_str()) {
            let mut d = Diagnostic::error("S002", format!("unknown key '{key}' in the spec")).path(key.clone());
            if let Some(h) = did_you_mean(key, TOP_KEYS) {
                d = d.help(h);
            }
            diags.push(d);
        }
    }
    let version = match obj.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(SPEC_VERSION as u64) => SPEC_VERSION,
        Some(other) => {
            diags.push(
                Diagnostic::error("S003", format!("unsupported spec version {other}; this build reads version {SPEC_VERSION}"))
                    .path("version"),
            );
            SPEC_VERSION
        }
        None => {
            diags.push(Diagnostic::error("S003", "missing 'version' (use 1)").path("version"));
            SPEC_VERSION
        }
    };
    let name = match obj.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            diags.push(Diagnostic::error("S004", "'name' must be a string").path("name"));
            String::new()
        }
        None => {
            diags.push(Diagnostic::error("S004", "missing 'name'").path("name"));
            String::new()
        }
    };
    let description = match obj.get("description") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            diags.push(Diagnostic::error("S004", "'description' must be a string").path("description"));
            String::new()
        }
    };
    let params: IndexMap<String, ParamDecl> =
        typed(obj.get("params"), "params", None, &mut diags).unwrap_or_default();
    let state = match obj.get("state") {
        None => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(_) => {
            diags.push(Diagnostic::error("S004", "'state' must be a file path (a non-empty string)").path("state"));
            None
        }
    };

    let mut nodes = Vec::new();
    match obj.get("nodes") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let raw_id = item.get("id").and_then(Value::as_str).map(str::to_string);
                let path = format!("nodes[{i}]");
                if let Some(n) = typed::<NodeSpec>(Some(item), &path, raw_id.clone(), &mut diags) {
                    if !n.params.is_object() {
                        diags.push(
                            Diagnostic::error("S006", "'params' must be an object").node(&n.id).path("params"),
                        );
                        continue;
                    }
                    nodes.push(n);
                }
            }
        }
        Some(_) => diags.push(Diagnostic::error("S005", "'nodes' must be an array").path("nodes")),
        None => diags.push(Diagnostic::error("S005", "missing 'nodes'").path("nodes")),
    }
    let mut seen = std::collections::HashSet::new();
    for n in &nodes {
        if !valid_id(&n.id) {
            diags.push(
                Diagnostic::error(
                    "S008",
                    format!("node id '{}' must start with a letter or '_' and hold only letters, digits, '_' and '-'", n.id),
                )
                .node(&n.id)
                .path("id"),
            );
        }
        if !seen.insert(n.id.as_str()) {
            diags.push(Diagnostic::error("S007", format!("duplicate node id '{}'", n.id)).node(&n.id).path("id"));
        }
    }
    let layout: IndexMap<String, Position> = typed(obj.get("layout"), "layout", None, &mut diags).unwrap_or_default();
    for id in layout.keys() {
        if !seen.contains(id.as_str()) {
            diags.push(
                Diagnostic::warning("S009", format!("layout names node '{id}', which the spec does not have"))
                    .path(format!("layout.{id}")),
            );
        }
    }
    (Some(Spec { version, name, description, params, state, nodes, layout }), diags)
}

/// Whether `id` is a valid node id.
pub fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn typed<T: DeserializeOwned>(v: Option<&Value>, path: &str, node: Option<String>, diags: &mut Vec<Diagnostic>) -> Option<T> {
    let v = v?;
    match serde_path_to_error::deserialize::<_, T>(v) {
        Ok(t) => Some(t),
        Err(e) => {
            let inner = e.path().to_string();
            let full = if inner == "." { path.to_string() } else { format!("{path}.{inner}") };
            let (code, p) = match &node {
                // Inside a node, the path is relative to the node.
                Some(_) => ("S006", if inner == "." { String::new() } else { inner.clone() }),
                None => ("S005", full),
            };
            let mut d = Diagnostic::error(code, e.into_inner().to_string());
            if !p.is_empty() {
                d = d.path(p);
            }
            if let Some(n) = node {
                d = d.node(n);
            } else if path.starts_with("nodes") {
                d = d.path(path.to_string());
            }
            diags.push(d);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_all_structural_problems() {
        let text = r#"{
            "version": 1, "name": "t", "extra": 1,
            "nodes": [
                {"id": "a", "kind": "read_csv", "params": {"path": "x.csv"}},
                {"id": "a", "kind": "filter", "inputs": {"input": "a"}},
                {"id": "b", "kind": "filter", "input": {"input": "a"}},
                {"id": "9x", "kind": "filter"}
            ],
            "layout": {"a": {"x": 1, "y": 2}, "zzz": {"x": 0, "y": 0}}
        }"#;
        let (spec, diags) = parse(text);
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec!["S002", "S006", "S007", "S008", "S009"], "{diags:#?}");
        assert_eq!(diags[1].node.as_deref(), Some("b"));
        assert!(diags[1].message.contains("unknown field `input`"), "{}", diags[1].message);
        assert_eq!(spec.unwrap().nodes.len(), 3);
    }

    #[test]
    fn round_trips_with_stable_key_order() {
        let text = r#"{
  "version": 1,
  "name": "p",
  "nodes": [
    {
      "id": "src",
      "kind": "read_csv",
      "params": {
        "path": "a.csv"
      }
    }
  ],
  "layout": {
    "src": {
      "x": 10,
      "y": 20.5
    }
  }
}
"#;
        let (spec, diags) = parse(text);
        assert!(diags.is_empty());
        assert_eq!(spec.unwrap().to_pretty_json(), text);
    }

    #[test]
    fn bad_json_names_line() {
        let (_, d) = parse("{\n\"version\": 1,\n}");
        assert!(d[0].message.contains("line 3"), "{}", d[0].message);
    }

    /// The committed specs are in the form the app saves, so opening and saving one changes nothing.
    #[test]
    fn committed_specs_are_canonical() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample_data/pipelines");
        let mut n = 0;
        for e in std::fs::read_dir(root).unwrap().flatten() {
            if e.path().to_string_lossy().ends_with(".sluice.json") {
                let text = std::fs::read_to_string(e.path()).unwrap();
                let (spec, diags) = parse(&text);
                assert!(diags.is_empty(), "{}: {diags:?}", e.path().display());
                assert_eq!(spec.unwrap().to_pretty_json(), text, "{}", e.path().display());
                n += 1;
            }
        }
        assert!(n > 0);
    }
}
