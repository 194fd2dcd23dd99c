//! Parameter types and SQL helpers shared by several kinds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CheckCx, CompileCx};
use crate::sql_fragment::FragmentKind;

/// One sort key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SortKey {
    /// Column to sort by.
    #[schemars(extend("x-sluice-widget" = "column"))]
    pub column: String,
    /// Largest first.
    #[serde(default, skip_serializing_if = "is_false")]
    pub descending: bool,
    /// Put nulls before other values (default: nulls last).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_first: bool,
}

/// How a sink treats an existing output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WriteMode {
    /// Replace the output.
    #[default]
    Overwrite,
    /// Add rows after the existing ones.
    Append,
    /// Upsert by the sink's `key`: existing rows whose key is among the new rows are replaced,
    /// the others kept, new keys added. Running it twice on the same rows changes nothing, so
    /// incremental runs end with the table a full refresh writes.
    Merge,
}

pub fn is_false(b: &bool) -> bool {
    !*b
}

/// Check a list of columns against input `port`; path is `param[i]`.
pub fn require_columns(cx: &mut CheckCx<'_>, port: &str, cols: &[String], param: &str) -> bool {
    let mut ok = true;
    for (i, c) in cols.iter().enumerate() {
        ok &= cx.require_column(port, c, format!("{param}[{i}]")).is_some();
    }
    ok
}

/// Check sort keys against input `port`.
pub fn require_sort_keys(cx: &mut CheckCx<'_>, port: &str, keys: &[SortKey], param: &str) -> bool {
    let mut ok = true;
    for (i, k) in keys.iter().enumerate() {
        ok &= cx.require_column(port, &k.column, format!("{param}[{i}].column")).is_some();
    }
    ok
}

/// `"a" DESC NULLS LAST, "b" ASC NULLS LAST`
pub fn order_by_sql(cx: &CompileCx<'_>, keys: &[SortKey]) -> String {
    keys.iter()
        .map(|k| {
            format!(
                "{} {} {}",
                cx.ident(&k.column),
                if k.descending { "DESC" } else { "ASC" },
                if k.nulls_first { "NULLS FIRST" } else { "NULLS LAST" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Quoted, comma-separated column list.
pub fn ident_list(cx: &CompileCx<'_>, cols: &[String]) -> String {
    cols.iter().map(|c| cx.ident(c)).collect::<Vec<_>>().join(", ")
}

/// A SQL type name we accept in params: letters, digits, spaces, `_`, optional `(p[, s])` and `[]`.
/// Types are the one thing spliced into SQL unquoted, so they are checked against this shape.
pub fn valid_type_name(t: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"^[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])*$").unwrap())
        .is_match(t.trim())
}

/// A user SQL fragment must be one expression that stays in its place in the compiled query
/// ([`crate::sql_fragment`]).
pub fn check_expression(cx: &mut CheckCx<'_>, expr: &str, path: &str) -> bool {
    check_fragment(cx, expr, path, FragmentKind::Expression)
}

/// A user query must be one SELECT ([`crate::sql_fragment`]); a trailing `;` is allowed.
pub fn check_query(cx: &mut CheckCx<'_>, query: &str, path: &str) -> bool {
    check_fragment(cx, query.trim().trim_end_matches(';'), path, FragmentKind::Query)
}

fn check_fragment(cx: &mut CheckCx<'_>, text: &str, path: &str, kind: FragmentKind) -> bool {
    match crate::sql_fragment::check(text, kind) {
        Ok(()) => true,
        Err(e) => {
            cx.error(e.code, path, e.message);
            false
        }
    }
}

/// Check that an output name is not empty.
pub fn check_output_name(cx: &mut CheckCx<'_>, name: &str, path: &str) -> bool {
    if name.is_empty() {
        cx.error("S023", path, "column name must not be empty");
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn type_names() {
        assert!(valid_type_name("DECIMAL(18, 2)"));
        assert!(valid_type_name("timestamp with time zone"));
        assert!(valid_type_name("VARCHAR[]"));
        assert!(!valid_type_name("INT); DROP TABLE x; --"));
    }
}

/// Resolve a source's file or glob against the spec folder and check that it names at least one
/// file. A missing file is the data's fault (exit code 1), not the spec's.
pub fn source_files(cx: &mut CheckCx<'_>, path: &str) -> Option<String> {
    if path.trim().is_empty() {
        cx.error("S024", "path", "path is empty");
        return None;
    }
    let full = cx.resolve_path(path);
    let text = full.to_string_lossy().to_string();
    let is_glob = path.contains(['*', '?', '[']);
    let object = crate::objects::ObjectPath::parse(path);
    let found = if is_glob {
        glob::glob(&text).map(|mut g| g.any(|e| e.map(|p| p.is_file()).unwrap_or(false))).unwrap_or(false)
    } else {
        full.is_file()
    };
    if !found {
        let message = match (&object, is_glob) {
            (Some(o), true) => format!("no object matches {}", o.url()),
            (Some(o), false) => format!("object not found: {}", o.url()),
            (None, true) => format!("no file matches: {text}"),
            (None, false) => format!("input file not found: {text}"),
        };
        cx.push(crate::Diagnostic::error("D001", message).path("params.path").data_fault());
        return None;
    }
    Some(text)
}

/// A file source's or sink's `connection` goes with an object path, and a web server's files are
/// named one by one (it cannot be listed) and only read.
pub fn check_object_path(cx: &mut CheckCx<'_>, path: &str, connection: Option<&str>, write: bool) {
    let object = crate::objects::ObjectPath::parse(path);
    if let Some(c) = connection {
        if object.is_none() {
            cx.error("S073", "connection", "a connection goes with an object path (s3://, gs://, az://, https://); this path is a local file");
        } else {
            super::database::check_connection(cx, c);
        }
    }
    let Some(o) = object else { return };
    if o.driver == crate::remote::Driver::Http {
        if write {
            cx.error("S074", "path", "a web server's files can be read, not written: write to an object store (s3://, gs://, az://)");
        } else if o.is_glob() {
            cx.error("S074", "path", "a web server cannot be listed: name each https:// file, or read an object store's glob");
        }
    }
    if o.bucket.is_empty() || o.key.trim_matches('/').is_empty() {
        cx.error("S074", "path", format!("{} names no object: write {}://bucket/path", o.url(), o.scheme));
    }
}

/// A source tracking deletes needs the key that identifies a row.
pub fn check_tracked_key(cx: &mut CheckCx<'_>, track_deletes: bool, key: &[String]) -> bool {
    if track_deletes && key.is_empty() {
        cx.error("S072", "track_deletes", "tracking deletes needs the `key` columns that identify a row");
        return false;
    }
    true
}

/// Compile-time path: the same resolution as [`source_files`], without the existence check.
pub fn compile_path(cx: &CompileCx<'_>, path: &str) -> String {
    super::resolve_path(cx.base_dir, path).to_string_lossy().to_string()
}

/// The single input port of most transforms.
pub const ONE_INPUT: &[super::Port] = &[super::Port { name: "input", doc: "the rows to work on", optional: false }];

/// A JSON scalar as an SQL literal (strings quoted through the dialect).
pub fn literal(cx: &CompileCx<'_>, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "NULL".into(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => cx.string(s),
        other => cx.string(&other.to_string()),
    }
}
