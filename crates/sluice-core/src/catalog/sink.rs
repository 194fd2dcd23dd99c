//! Parts shared by the sink kinds: path and order checks, and the query whose rows are written.

use super::common::{order_by_sql, require_columns, require_sort_keys, WriteMode};
use super::{CheckCx, CompileCx, SortKey};

/// Check `key` against the write mode: `merge` needs one, the other modes do not use it.
pub fn check_merge_key(cx: &mut CheckCx<'_>, mode: WriteMode, key: &[String]) {
    match mode {
        WriteMode::Merge if key.is_empty() => {
            cx.error("S048", "key", "mode 'merge' needs `key`: the columns that identify a row");
        }
        WriteMode::Merge => {
            require_columns(cx, "input", key, "key");
        }
        _ if !key.is_empty() => cx.error("S048", "key", "`key` is only used by mode 'merge'"),
        _ => {}
    }
}

pub fn check_sink(cx: &mut CheckCx<'_>, path: &str, order_by: Option<&[SortKey]>) {
    if path.trim().is_empty() {
        cx.error("S024", "path", "path is empty");
    } else if path.contains(['*', '?']) {
        cx.error("S024", "path", "an output path cannot be a glob");
    }
    if let Some(keys) = order_by {
        require_sort_keys(cx, "input", keys, "order_by");
    }
}

pub fn sink_query(cx: &CompileCx<'_>, order_by: Option<&[SortKey]>) -> String {
    let input = cx.input("input");
    match order_by {
        None => format!("SELECT * FROM {input} ORDER BY {}", cx.dialect.order_by_all(&cx.input_columns("input"))),
        Some([]) => format!("SELECT * FROM {input}"),
        Some(keys) => format!("SELECT * FROM {input} ORDER BY {}", order_by_sql(cx, keys)),
    }
}
