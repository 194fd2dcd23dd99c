//! Spelling compiled SQL and descriptions into dbt's files: `ref()` in place of the relations of
//! upstream nodes, Jinja kept away from the SQL's own braces, and YAML scalars quoted.

/// Marks a reference to a model inside compiled SQL; no SQL the catalog writes contains it.
const REF_MARK: char = '\u{1}';

/// What a compiled node names an upstream relation by, until [`jinja_sql`] turns it into `ref()`.
pub fn ref_placeholder(model: &str) -> String {
    format!("{REF_MARK}{model}{REF_MARK}")
}

/// SQL with placeholders made into `{{ ref('model') }}`; the SQL between them is wrapped in
/// `{% raw %}` where it holds something Jinja would read (`{{`, `{%`, `{#`), such as a struct
/// literal of a fitted state.
pub fn jinja_sql(sql: &str) -> String {
    let mut out = String::new();
    for (i, part) in sql.split(REF_MARK).enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("{{{{ ref('{part}') }}}}"));
        } else if part.contains("{{") || part.contains("{%") || part.contains("{#") {
            out.push_str("{% raw %}");
            out.push_str(part);
            out.push_str("{% endraw %}");
        } else {
            out.push_str(part);
        }
    }
    out
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
        let sql = format!("SELECT '{{{{ x }}}}' AS s FROM {} JOIN {}", ref_placeholder("x"), ref_placeholder("y"));
        let j = jinja_sql(&sql);
        assert_eq!(j, "{% raw %}SELECT '{{ x }}' AS s FROM {% endraw %}{{ ref('x') }} JOIN {{ ref('y') }}");
        assert_eq!(jinja_sql("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn yaml_quoting() {
        assert_eq!(yaml_str("it's \"x\"\n"), "\"it's \\\"x\\\"\\n\"");
    }
}
