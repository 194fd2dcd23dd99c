//! Spec parameters: typed declarations, `--param name=value` overrides and `${name}` substitution.
//!
//! Params are values, not SQL text: in a param that holds SQL (see [`super::sql_schema`]) a
//! placeholder becomes a literal of the param's type (`'it''s'`, `10`, `TRUE`), or, inside a
//! quoted string or name, the value with its quotes escaped. Splicing SQL or a name is asked for
//! with the explicit types `sql` (one expression, checked like any SQL param) and `identifier`
//! (a quoted name).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::sql_schema::SchemaAt;
use crate::diagnostic::Diagnostic;
use crate::error::CoreError;
use crate::sql_text::SpanKind;

/// The type of a spec parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    /// A name spliced into SQL as a quoted identifier (`"my col"`).
    Identifier,
    /// An SQL expression spliced into SQL as it is; it must be one expression.
    Sql,
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
            ParamType::String | ParamType::Identifier | ParamType::Sql => v.is_string(),
            ParamType::Integer => v.is_i64() || v.is_u64(),
            ParamType::Number => v.is_number(),
            ParamType::Boolean => v.is_boolean(),
        }
    }
    fn parse(self, text: &str) -> Option<Value> {
        match self {
            ParamType::String | ParamType::Identifier | ParamType::Sql => Some(Value::String(text.to_string())),
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
    for (name, decl) in decls {
        if let (ParamType::Sql, Some(Value::String(text))) = (decl.ty, values.get(name)) {
            if let Err(e) = crate::sql_fragment::check(text, crate::sql_fragment::FragmentKind::Expression) {
                diags.push(Diagnostic::error(e.code, format!("param '{name}' (type sql): {}", e.message)).path(format!("params.{name}")));
                values.shift_remove(name);
                continue;
            }
        }
        if !values.contains_key(name) {
            diags.push(
                Diagnostic::error("S033", format!("param '{name}' has no default and no --param value"))
                    .path(format!("params.{name}")),
            );
        }
    }
    (values, diags)
}

/// The resolved params with their declared types: what substitution fills placeholders from.
pub struct Fill<'a> {
    pub values: &'a IndexMap<String, Value>,
    pub decls: &'a IndexMap<String, ParamDecl>,
}

/// Fill `${name}` placeholders in every string inside `value`. `schema` is the kind's params
/// schema at this place, when known: strings it marks as SQL get SQL literals. A plain-text
/// string that is exactly one placeholder takes the param's typed value (so `"limit": "${n}"`
/// becomes a number); elsewhere the value is spliced in as text. `$${` writes a literal `${`.
/// Errors carry the JSON path.
pub fn substitute(value: &Value, fill: &Fill<'_>, schema: Option<SchemaAt<'_>>, path: &str, errs: &mut Vec<(String, String)>) -> Value {
    match value {
        Value::String(s) if schema.is_some_and(|s| s.is_sql()) => substitute_sql(s, fill, path, errs),
        Value::String(s) => substitute_text(s, fill.values, path, errs),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| substitute(v, fill, schema.and_then(|s| s.item()), &format!("{path}[{i}]"), errs))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, fill, schema.and_then(|s| s.field(k)), &format!("{path}.{k}"), errs)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The placeholders of `s`: (start, end, name) by byte offsets, with `$${` escapes skipped; an
/// unterminated one is reported.
fn placeholders(s: &str, path: &str, errs: &mut Vec<(String, String)>) -> Vec<(usize, usize, Option<String>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find("${").map(|i| i + from) {
        if i > 0 && s.as_bytes()[i - 1] == b'$' {
            out.push((i - 1, i + 2, None)); // `$${`: a literal `${`
            from = i + 2;
            continue;
        }
        match s[i + 2..].find('}') {
            None => {
                errs.push((path.to_string(), "unterminated ${ placeholder".into()));
                break;
            }
            Some(j) => {
                out.push((i, i + 2 + j + 1, Some(s[i + 2..i + 2 + j].to_string())));
                from = i + 2 + j + 1;
            }
        }
    }
    out
}

fn substitute_text(s: &str, values: &IndexMap<String, Value>, path: &str, errs: &mut Vec<(String, String)>) -> Value {
    if !s.contains("${") {
        return Value::String(s.to_string());
    }
    if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if !name.contains('}') && !s.starts_with("$${") {
            return match values.get(name) {
                Some(v) => v.clone(),
                None => {
                    errs.push((path.to_string(), unknown_param(name, values)));
                    Value::String(s.to_string())
                }
            };
        }
    }
    let mut out = String::new();
    let mut last = 0;
    for (start, end, name) in placeholders(s, path, errs) {
        out.push_str(&s[last..start]);
        match name {
            None => out.push_str("${"),
            Some(name) => match values.get(&name) {
                Some(Value::String(v)) => out.push_str(v),
                Some(v) => out.push_str(&v.to_string()),
                None => {
                    errs.push((path.to_string(), unknown_param(&name, values)));
                    out.push_str(&s[start..end]);
                }
            },
        }
        last = end;
    }
    out.push_str(&s[last..]);
    Value::String(out)
}

/// Fill the placeholders of SQL text by where each stands: in code a literal of the param's
/// type, inside `'…'` or `"…"` the value with that quote doubled. Inside comments, `E'…'` and
/// dollar-quoted strings no escaping is safe, so a placeholder there is refused.
fn substitute_sql(s: &str, fill: &Fill<'_>, path: &str, errs: &mut Vec<(String, String)>) -> Value {
    if !s.contains("${") {
        return Value::String(s.to_string());
    }
    let spans = crate::sql_text::spans(s);
    let mut out = String::new();
    let mut last = 0;
    for (start, end, name) in placeholders(s, path, errs) {
        out.push_str(&s[last..start]);
        last = end;
        let Some(name) = name else {
            out.push_str("${");
            continue;
        };
        let Some(value) = fill.values.get(&name) else {
            errs.push((path.to_string(), unknown_param(&name, fill.values)));
            out.push_str(&s[start..end]);
            continue;
        };
        let ty = fill.decls.get(&name).map_or(ParamType::String, |d| d.ty);
        let text = match value {
            Value::String(v) => v.clone(),
            other => other.to_string(),
        };
        let span = spans.iter().find(|sp| sp.start <= start && start < sp.end).map_or(SpanKind::Code, |sp| sp.kind);
        match span {
            SpanKind::Code => out.push_str(&match (ty, value) {
                (ParamType::Sql, _) => format!("({text})"),
                (ParamType::Identifier, _) => format!("\"{}\"", text.replace('"', "\"\"")),
                (_, Value::String(v)) => format!("'{}'", v.replace('\'', "''")),
                (_, Value::Bool(b)) => if *b { "TRUE" } else { "FALSE" }.to_string(),
                (_, v) => v.to_string(),
            }),
            SpanKind::String => out.push_str(&text.replace('\'', "''")),
            SpanKind::Ident => out.push_str(&text.replace('"', "\"\"")),
            SpanKind::EscapeString | SpanKind::Dollar | SpanKind::LineComment | SpanKind::BlockComment => {
                errs.push((
                    path.to_string(),
                    format!("placeholder ${{{name}}} stands inside a comment, an E'…' or a $$-quoted string, where its value cannot be quoted safely: move it into plain SQL or a '…' string"),
                ));
                out.push_str(&s[start..end]);
            }
        }
    }
    out.push_str(&s[last..]);
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
        let d = decls();
        let (v, _) = resolve(&d, &[("n".into(), "7".into())]);
        let fill = Fill { values: &v, decls: &d };
        let mut errs = vec![];
        let out = substitute(
            &json!({"limit": "${n}", "where": "amount > ${min_amount} AND region = '${region}'", "lit": "$${n}"}),
            &fill,
            None,
            "params",
            &mut errs,
        );
        assert!(errs.is_empty());
        assert_eq!(out, json!({"limit": 7, "where": "amount > 10 AND region = 'EU'", "lit": "${n}"}));
        substitute(&json!({"a": ["x ${nope}"]}), &fill, None, "params", &mut errs);
        assert_eq!(errs[0].0, "params.a[0]");
        assert!(errs[0].1.contains("${nope}"));
    }

    fn filter_predicate(predicate: &str, region: &str) -> (Value, Vec<(String, String)>) {
        let mut d = decls();
        d.insert("col".into(), serde_json::from_value(json!({"type": "identifier", "default": "my \"col\""})).unwrap());
        let (v, diags) = resolve(&d, &[("n".into(), "7".into()), ("region".into(), region.into())]);
        assert!(diags.is_empty(), "{diags:?}");
        let schema = crate::catalog::lookup("filter").unwrap().params_schema();
        let mut errs = vec![];
        let out = substitute(
            &json!({"predicate": predicate}),
            &Fill { values: &v, decls: &d },
            Some(SchemaAt::root(&schema)),
            "params",
            &mut errs,
        );
        (out["predicate"].clone(), errs)
    }

    #[test]
    fn sql_params_get_literals_not_text() {
        let hostile = "x' OR 1=1; COPY (SELECT 1) TO '/tmp/owned' --";
        // In code: a quoted literal of the param's type.
        let (p, errs) = filter_predicate("region = ${region} AND amount > ${min_amount} AND n < ${n}", hostile);
        assert!(errs.is_empty());
        assert_eq!(p, json!("region = 'x'' OR 1=1; COPY (SELECT 1) TO ''/tmp/owned'' --' AND amount > 10 AND n < 7"));
        assert!(crate::sql_fragment::check(p.as_str().unwrap(), crate::sql_fragment::FragmentKind::Expression).is_ok());
        // Inside a quoted string: the value with its quotes doubled, so it stays one string.
        let (p, _) = filter_predicate("region = '${region}'", hostile);
        assert_eq!(p, json!("region = 'x'' OR 1=1; COPY (SELECT 1) TO ''/tmp/owned'' --'"));
        let (p, _) = filter_predicate("${col} IS NOT NULL", "EU");
        assert_eq!(p, json!("\"my \"\"col\"\"\" IS NOT NULL"));
        // A whole-string placeholder in SQL is still a literal, never raw SQL.
        let (p, _) = filter_predicate("${region}", "1=1");
        assert_eq!(p, json!("'1=1'"));
        // Where no quoting is safe, the placeholder is refused.
        let (_, errs) = filter_predicate("x = 1 /* ${region} */", "EU");
        assert!(errs[0].1.contains("inside a comment"), "{errs:?}");
    }

    #[test]
    fn sql_typed_params_must_be_one_expression() {
        let mut d = decls();
        d.insert("cond".into(), serde_json::from_value(json!({"type": "sql", "default": "amount > 0"})).unwrap());
        let (v, diags) = resolve(&d, &[("n".into(), "1".into())]);
        assert!(diags.is_empty());
        assert_eq!(v["cond"], json!("amount > 0"));
        let (_, diags) = resolve(&d, &[("n".into(), "1".into()), ("cond".into(), "1) ; ATTACH 'x' (".into())]);
        assert_eq!(diags[0].code, "S022");
        assert_eq!(diags[0].path.as_deref(), Some("params.cond"));
    }
}
