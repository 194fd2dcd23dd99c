//! Spelling compiled SQL and descriptions into dbt's files: `ref()` in place of the relations of
//! upstream nodes, Jinja kept away from the SQL's own braces, and YAML scalars quoted.

/// The name a compiled node reads an upstream model by, until [`jinja_sql`] turns it into
/// `ref()`: a quoted identifier, so that it survives a dialect's translation of the statement.
const REF_PREFIX: &str = "__sluice_ref__";

/// What a compiled node names an upstream relation by (see [`REF_PREFIX`]).
pub fn ref_placeholder(model: &str) -> String {
    format!("\"{REF_PREFIX}{model}\"")
}

/// SQL with reference names made into `{{ ref('model') }}` (DuckDB quotes them with `"`, Spark
/// with backticks); the SQL between them is wrapped in `{% raw %}` where it holds something
/// Jinja would read (`{{`, `{%`, `{#`).
pub fn jinja_sql(sql: &str) -> String {
    let mut out = String::new();
    let mut rest = sql;
    loop {
        let next = ['"', '`'].iter().filter_map(|q| rest.find(&format!("{q}{REF_PREFIX}")).map(|i| (i, *q))).min();
        let Some((i, q)) = next else {
            push_raw(&mut out, rest);
            return out;
        };
        push_raw(&mut out, &rest[..i]);
        let after = &rest[i + 1 + REF_PREFIX.len()..];
        let end = after.find(q).unwrap_or(after.len());
        out.push_str(&format!("{{{{ ref('{}') }}}}", &after[..end]));
        rest = after.get(end + 1..).unwrap_or("");
    }
}

fn push_raw(out: &mut String, part: &str) {
    if part.contains("{{") || part.contains("{%") || part.contains("{#") {
        out.push_str("{% raw %}");
        out.push_str(part);
        out.push_str("{% endraw %}");
    } else {
        out.push_str(part);
    }
}

/// A YAML double-quoted scalar (JSON's string syntax is YAML's).
pub fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

/// A JSON value as a YAML flow value.
pub fn yaml_value(v: &serde_json::Value) -> String {
    v.to_string()
}

/// An id usable as a dbt model name and an unquoted table name: `-` becomes `_`.
pub fn model_name(id: &str) -> String {
    id.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_and_raw_blocks() {
        let sql = format!("SELECT '{{{{ x }}}}' AS s FROM {} JOIN `__sluice_ref__y`", ref_placeholder("x"));
        let j = jinja_sql(&sql);
        assert_eq!(j, "{% raw %}SELECT '{{ x }}' AS s FROM {% endraw %}{{ ref('x') }} JOIN {{ ref('y') }}");
        assert_eq!(jinja_sql("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn yaml_quoting() {
        assert_eq!(yaml_str("it's \"x\"\n"), "\"it's \\\"x\\\"\\n\"");
    }
}
