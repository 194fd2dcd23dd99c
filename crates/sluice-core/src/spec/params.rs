//! Spec parameters: typed declarations, `--param name=value` overrides and `${name}` substitution.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::error::CoreError;

/// The type of a spec parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
}

/// A declared spec parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamDecl {
    #[serde(rename = "type")]
    pub ty: ParamType,
    /// The value used when no override is given; a param without default must be given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl ParamType {
    fn accepts(self, v: &Value) -> bool {
        match self {
            ParamType::String => v.is_string(),
            ParamType::Integer => v.is_i64() || v.is_u64(),
            ParamType::Number => v.is_number(),
            ParamType::Boolean => v.is_boolean(),
        }
    }
    fn parse(self, text: &str) -> Option<Value> {
        match self {
            ParamType::String => Some(Value::String(text.to_string())),
            ParamType::Integer => text.trim().parse::<i64>().ok().map(Value::from),
            ParamType::Number => text.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(Value::from),
            ParamType::Boolean => text.trim().parse::<bool>().ok().map(Value::from),
        }
    }
}

/// Split `name=value` overrides.
pub fn parse_overrides(raw: &[String]) -> Result<Vec<(String, String)>, CoreError> {
    raw.iter()
        .map(|r| match r.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(CoreError::ParamOverride(r.clone(), "expected name=value".into())),
        })
        .collect()
}

/// The value of every declared param: defaults, then overrides, each checked against its type.
pub fn resolve(
    decls: &IndexMap<String, ParamDecl>,
    overrides: &[(String, String)],
) -> (IndexMap<String, Value>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut values = IndexMap::new();
    for (name, decl) in decls {
        if let Some(d) = &decl.default {
            if decl.ty.accepts(d) {
                values.insert(name.clone(), d.clone());
            } else {
                diags.push(
                    Diagnostic::error("S030", format!("default of param '{name}' is not of type {:?}", decl.ty))
                        .path(format!("params.{name}.default")),
                );
            }
        }
    }
    for (name, text) in overrides {
        match decls.get(name) {
            None => diags.push(
                Diagnostic::error("S031", format!("--param '{name}' is not declared in the spec's params"))
                    .path("params")
                    .help(crate::suggest::did_you_mean(name, decls.keys().map(String::as_str)).unwrap_or_default()),
            ),
            Some(decl) => match decl.ty.parse(text) {
                Some(v) => {
                    values.insert(name.clone(), v);
                }
                None => diags.push(
                    Diagnostic::error("S032", format!("--param {name}={text}: not a valid {:?}", decl.ty))
                        .path(format!("params.{name}")),
                ),
            },
        }
    }
    for name in decls.keys() {
        if !values.contains_key(name) {
            diags.push(
                Diagnostic::error("S033", format!("param '{name}' has no default and no --param value"))
                    .path(format!("params.{name}")),
            );
        }
    }
    (values, diags)
}

/// Fill `${name}` placeholders in every string inside `value`. A string that is exactly one
/// placeholder takes the param's typed value (so `"limit": "${n}"` becomes a number); elsewhere the
/// value is spliced in as text. `$${` writes a literal `${`. Errors carry the JSON path.
pub fn substitute(value: &Value, params: &IndexMap<String, Value>, path: &str, errs: &mut Vec<(String, String)>) -> Value {
    match value {
        Value::String(s) => substitute_str(s, params, path, errs),
        Value::Array(items) => Value::Array(
            items.iter().enumerate().map(|(i, v)| substitute(v, params, &format!("{path}[{i}]"), errs)).collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter().map(|(k, v)| (k.clone(), substitute(v, params, &format!("{path}.{k}"), errs))).collect(),
        ),
        other => other.clone(),
    }
}

fn substitute_str(s: &str, params: &IndexMap<String, Value>, path: &str, errs: &mut Vec<(String, String)>) -> Value {
    if !s.contains("${") {
        return Value::String(s.to_string());
    }
    if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if !name.contains('}') && !s.starts_with("$${") {
            return match params.get(name) {
                Some(v) => v.clone(),
                None => {
                    errs.push((path.to_string(), unknown_param(name, params)));
                    Value::String(s.to_string())
                }
            };
        }
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        if i > 0 && rest[..i].ends_with('$') {
            out.push_str(&rest[..i - 1]);
            out.push_str("${");
            rest = &rest[i + 2..];
            continue;
        }
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find('}') {
            None => {
                errs.push((path.to_string(), "unterminated ${ placeholder".into()));
                out.push_str(&rest[i..]);
                rest = "";
            }
            Some(j) => {
                let name = &after[..j];
                match params.get(name) {
                    Some(Value::String(v)) => out.push_str(v),
                    Some(v) => out.push_str(&v.to_string()),
                    None => errs.push((path.to_string(), unknown_param(name, params))),
                }
                rest = &after[j + 1..];
            }
        }
    }
    out.push_str(rest);
    Value::String(out)
}

fn unknown_param(name: &str, params: &IndexMap<String, Value>) -> String {
    let mut m = format!("placeholder ${{{name}}} names no declared param");
    if let Some(h) = crate::suggest::did_you_mean(name, params.keys().map(String::as_str)) {
        m.push_str(&format!("; {h}"));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decls() -> IndexMap<String, ParamDecl> {
        serde_json::from_value(json!({
            "min_amount": {"type": "number", "default": 10},
            "region": {"type": "string", "default": "EU"},
            "n": {"type": "integer"}
        }))
        .unwrap()
    }

    #[test]
    fn overrides_are_typed_and_missing_defaults_reported() {
        let (v, d) = resolve(&decls(), &[]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "S033");
        assert_eq!(v["region"], json!("EU"));
        let (v, d) = resolve(&decls(), &[("n".into(), "5".into()), ("min_amount".into(), "2.5".into())]);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(v["n"], json!(5));
        let (_, d) = resolve(&decls(), &[("n".into(), "five".into()), ("nn".into(), "1".into())]);
        assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), vec!["S032", "S031", "S033"]);
    }

    #[test]
    fn substitution_keeps_types_and_splices_text() {
        let (v, _) = resolve(&decls(), &[("n".into(), "7".into())]);
        let mut errs = vec![];
        let out = substitute(
            &json!({"limit": "${n}", "where": "amount > ${min_amount} AND region = '${region}'", "lit": "$${n}"}),
            &v,
            "params",
            &mut errs,
        );
        assert!(errs.is_empty());
        assert_eq!(out, json!({"limit": 7, "where": "amount > 10 AND region = 'EU'", "lit": "${n}"}));
        substitute(&json!({"a": ["x ${nope}"]}), &v, "params", &mut errs);
        assert_eq!(errs[0].0, "params.a[0]");
        assert!(errs[0].1.contains("${nope}"));
    }
}
