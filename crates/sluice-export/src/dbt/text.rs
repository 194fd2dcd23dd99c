//! Spelling compiled SQL and spec text into dbt's files, which dbt renders with Jinja: models,
//! tests, hooks, and the string values of schema.yml and of dbt_project.yml's vars.
//!
//! Nothing a spec says may run as Jinja there. Every `{` that could open a Jinja tag (`{{`, `{%`,
//! `{#`) is written as the expression `{{ '{' }}`, which renders to `{`; the rendered text is the
//! spec's text exactly, and no tag is ever opened by it (the closers `}}`, `%}` and `#}` are text
//! outside a tag). A `{% raw %}` block would not do: a `{% endraw %}` in the text ends it.
//! The project's own Jinja (`ref()`, `var()`, `config()`) is written only from placeholders that
//! carry a per-process random tag, so spec text cannot forge them.

use std::sync::OnceLock;

/// The random tag of this process's placeholders (see [`ref_placeholder`]).
fn nonce() -> &'static str {
    static NONCE: OnceLock<String> = OnceLock::new();
    NONCE.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        // RandomState is seeded from the operating system's randomness.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
        format!("{:016x}", h.finish())
    })
}

fn ref_prefix() -> String {
    format!("__sluice_ref_{}__", nonce())
}

/// What a compiled node names an upstream relation by, until [`jinja_sql`] turns it into
/// `{{ ref('model') }}`: a quoted identifier, so that it survives a dialect's translation of the
/// statement.
pub fn ref_placeholder(model: &str) -> String {
    format!("\"{}{model}\"", ref_prefix())
}

/// What stands for a source's file path in its SQL until [`jinja_sql`] writes it as
/// `{{ var('…') }}`.
pub fn var_placeholder() -> String {
    format!("__sluice_var_{}__", nonce())
}

/// Text that dbt's Jinja renders back to `text` and runs nothing: `{` written as `{{ '{' }}`
/// wherever it could start a tag, and also at the end, where the text may meet a tag of ours.
pub fn jinja_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' && matches!(chars.peek(), None | Some('{' | '%' | '#')) {
            out.push_str("{{ '{' }}");
        } else {
            out.push(c);
        }
    }
    out
}

/// SQL for a model, test or hook: reference placeholders made into `{{ ref('model') }}` (DuckDB
/// quotes them with `"`, Spark with backticks), the path placeholder into `{{ var('<var>') }}`,
/// and the rest neutralised with [`jinja_text`].
pub fn jinja_sql(sql: &str, var: Option<&str>) -> String {
    let prefix = ref_prefix();
    let var_mark = var_placeholder();
    let mut out = String::new();
    let mut rest = sql;
    loop {
        let refs = ['"', '`'].iter().filter_map(|q| rest.find(&format!("{q}{prefix}")).map(|i| (i, Some(*q))));
        let vars = var.and_then(|_| rest.find(&var_mark)).map(|i| (i, None));
        let Some((i, quote)) = refs.chain(vars).min_by_key(|(i, _)| *i) else {
            out.push_str(&jinja_text(rest));
            return out;
        };
        out.push_str(&jinja_text(&rest[..i]));
        match quote {
            Some(q) => {
                let after = &rest[i + 1 + prefix.len()..];
                let end = after.find(q).unwrap_or(after.len());
                // Model names are identifiers; the check keeps anything else out of the call.
                let name = &after[..end];
                assert!(is_identifier(name), "reference placeholders name models");
                out.push_str(&format!("{{{{ ref('{name}') }}}}"));
                rest = after.get(end + 1..).unwrap_or("");
            }
            None => {
                let name = var.expect("a var was asked for");
                assert!(is_identifier(name), "var names are identifiers");
                out.push_str(&format!("{{{{ var('{name}') }}}}"));
                rest = &rest[i + var_mark.len()..];
            }
        }
    }
}

/// One line of a SQL comment: line breaks (which would end the comment and make the rest SQL)
/// become spaces, and the text is neutralised.
pub fn sql_comment(text: &str) -> String {
    let line: String = text.chars().map(|c| if c.is_control() || c == '\u{2028}' || c == '\u{2029}' { ' ' } else { c }).collect();
    jinja_text(&line)
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A YAML double-quoted scalar that dbt does not render (JSON's string syntax is YAML's).
pub fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

/// A YAML double-quoted scalar that dbt renders with Jinja (descriptions, column names, test
/// arguments, vars): it renders to `s`.
pub fn yaml_text(s: &str) -> String {
    yaml_str(&jinja_text(s))
}

/// A JSON value as a YAML flow value that dbt renders (a test argument): strings neutralised.
pub fn yaml_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => yaml_text(s),
        serde_json::Value::Array(items) => format!("[{}]", items.iter().map(yaml_value).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// An id usable as a dbt model name and an unquoted table name: `-` becomes `_`.
pub fn model_name(id: &str) -> String {
    id.replace('-', "_")
}

/// A name SQL reads unquoted: a letter or `_`, then letters, digits and `_`.
pub fn plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A name made of spec text (a column), usable in a file name, a dbt test or seed name and
/// `ref()`: ASCII letters, digits and `_`.
pub fn safe_name(text: &str) -> String {
    let s: String = text.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Jinja would output for template `t` when its only tags are `{{ '{' }}` and
    /// `{{ ref('x') }}` (as `REF`); None when any other tag would open (which would run it).
    fn render(t: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = t;
        while let Some(i) = ["{{", "{%", "{#"].iter().filter_map(|o| rest.find(o)).min() {
            out.push_str(&rest[..i]);
            if let Some(r) = rest[i..].strip_prefix("{{ '{' }}") {
                out.push('{');
                rest = r;
            } else {
                rest = rest[i..].strip_prefix("{{ ref('x') }}")?;
                out.push_str("REF");
            }
        }
        out.push_str(rest);
        Some(out)
    }

    #[test]
    fn text_renders_back_and_opens_no_tag() {
        for s in [
            "{{ log(env_var('HOME'), info=True) }}",
            "'{% endraw %}{{ run_query('select 1') }}{% raw %}'",
            "{# comment #}",
            "{{{%%}}}{",
            "{",
            "a{-{{-",
            "}} %} #}",
            "plain",
        ] {
            let t = jinja_text(s);
            assert_eq!(render(&t).as_deref(), Some(s), "{s} as {t}");
            // Followed by a tag of ours, it still opens none of its own.
            assert_eq!(render(&format!("{t}{{{{ ref('x') }}}}")), Some(format!("{s}REF")), "{s}");
        }
        assert_eq!(jinja_text("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn refs_vars_and_neutralised_sql() {
        let sql = format!(
            "SELECT '{{{{ x }}}}{{% endraw %}}' AS s FROM {} JOIN `{}y` ON '{}'",
            ref_placeholder("x"),
            ref_prefix(),
            var_placeholder()
        );
        let j = jinja_sql(&sql, Some("x_path"));
        assert_eq!(
            j,
            "SELECT '{{ '{' }}{ x }}{{ '{' }}% endraw %}' AS s FROM {{ ref('x') }} JOIN {{ ref('y') }} ON '{{ var('x_path') }}'"
        );
        assert_eq!(jinja_sql("SELECT 1", None), "SELECT 1");
        // Spec text cannot name a placeholder: the tag is random.
        let forged = "SELECT '\"__sluice_ref__x'') }}{{ log(1) }}' AS s";
        assert_eq!(render(&jinja_sql(forged, None)).as_deref(), Some(forged));
    }

    #[test]
    fn comments_stay_one_line() {
        assert_eq!(sql_comment("a\nb\rc {{ x }}"), "a b c {{ '{' }}{ x }}");
    }

    #[test]
    fn yaml_quoting() {
        assert_eq!(yaml_str("it's \"x\"\n"), "\"it's \\\"x\\\"\\n\"");
        assert_eq!(yaml_text("{{ x }}"), "\"{{ '{' }}{ x }}\"");
        assert_eq!(yaml_value(&serde_json::json!(["{%", 1])), "[\"{{ '{' }}%\", 1]");
        assert_eq!(safe_name("Amount {{x}}/../"), "Amount___x______");
    }
}
