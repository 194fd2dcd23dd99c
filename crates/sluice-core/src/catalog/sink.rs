//! Parts shared by the sink kinds: path and order checks, and the query whose rows are written.

use super::common::{order_by_sql, require_sort_keys};
use super::{CheckCx, CompileCx, SortKey};

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
        None => format!("SELECT * FROM {input} ORDER BY ALL"),
        Some([]) => format!("SELECT * FROM {input}"),
        Some(keys) => format!("SELECT * FROM {input} ORDER BY {}", order_by_sql(cx, keys)),
    }
}
