//! What the feature kinds share: the rows a stateful step fits on, and a fitted state written
//! back as SQL literals.
//!
//! A stateful step compiles to `SELECT … FROM input CROSS JOIN (state) AS __state`, where `state`
//! is one row of fitted parameters: its fit query itself when nothing was fitted yet (how `sluice
//! sql` shows it, and how an export to another engine computes it), or the numbers a run fitted,
//! as literals. Runs always fit first and apply the literals, so a training run and a run with
//! `--state` compute features from the very same numbers.

use serde_json::{Map, Value};

use super::{CheckCx, CompileCx};
use crate::schema::{Column, Schema};
use crate::dialect::Dialect;

/// The column a split step writes, which stateful steps below it fit on by default.
pub const SPLIT_COLUMN: &str = "split";
/// The value of [`SPLIT_COLUMN`] on training rows.
pub const TRAIN: &str = "train";

/// ` WHERE …` restricting `input` to the rows a stateful step fits on: `train_rows` when given,
/// else the rows a split step above marked as training rows, else every row.
pub fn train_filter(cx: &CompileCx<'_>, train_rows: Option<&str>) -> String {
    match train_rows {
        Some(p) if !p.trim().is_empty() => format!(" WHERE ({p})"),
        _ if cx.schema("input").contains(SPLIT_COLUMN) => {
            format!(" WHERE {} = {}", cx.ident(SPLIT_COLUMN), cx.string(TRAIN))
        }
        _ => String::new(),
    }
}

/// Check the `train_rows` predicate of a stateful kind.
pub fn check_train_rows(cx: &mut super::CheckCx<'_>, train_rows: Option<&str>) -> bool {
    match train_rows {
        Some(p) => super::common::check_expression(cx, p, "train_rows"),
        None => true,
    }
}

/// `<literal> AS "<name>", …` for every fitted parameter.
pub fn state_literals(d: &dyn Dialect, s: &Map<String, Value>) -> String {
    if s.is_empty() {
        return "1 AS __empty".into();
    }
    s.iter().map(|(k, v)| format!("{} AS {}", literal(d, v), d.ident(k))).collect::<Vec<_>>().join(", ")
}

/// A JSON value as an SQL literal of the type it was fitted with: integers as BIGINT, other
/// numbers as DOUBLE (written so they read back to the same bits), lists and structs as such.
pub fn literal(d: &dyn Dialect, v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Value::Number(n) if n.is_i64() || n.is_u64() => format!("CAST({n} AS BIGINT)"),
        // Rust prints the shortest text that parses back to the same f64.
        Value::Number(n) => format!("CAST({} AS DOUBLE)", d.string(&format!("{:?}", n.as_f64().unwrap_or(f64::NAN)))),
        Value::String(s) => d.string(s),
        Value::Array(items) => format!("[{}]", items.iter().map(|i| literal(d, i)).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => {
            let fields: Vec<String> = o.iter().map(|(k, v)| format!("{}: {}", d.string(k), literal(d, v))).collect();
            format!("{{{}}}", fields.join(", "))
        }
    }
}

/// The alias of the input in the SQL of steps that join their state row to it.
pub const INPUT_ALIAS: &str = "__in";

/// Check the `columns` a feature step rewrites and infer the output schema: each column is
/// replaced by its feature of type `ty`, or the encoding is added as `<column><suffix>`. `numeric` requires
/// numeric input columns.
pub fn check_outputs(
    cx: &mut CheckCx<'_>,
    columns: &[String],
    suffix: Option<&str>,
    ty: &str,
    numeric: bool,
    what: &str,
) -> Option<Schema> {
    let mut ok = true;
    if columns.is_empty() {
        cx.error("S027", "columns", format!("no column to {what}"));
        ok = false;
    }
    if suffix == Some("") {
        cx.error("S040", "suffix", "suffix is empty: leave it out to replace the columns");
        ok = false;
    }
    let suffix = suffix.filter(|s| !s.is_empty());
    let mut out = cx.input("input");
    for (i, col) in columns.iter().enumerate() {
        let path = format!("columns[{i}]");
        if columns[..i].contains(col) {
            cx.error("S026", &path, format!("column '{col}' is listed twice"));
            ok = false;
            continue;
        }
        match cx.require_column("input", col, &path) {
            Some(c) if numeric && c.is_known() && !c.is_numeric() => {
                cx.error("S029", &path, format!("column '{col}' is {}, not numeric", c.ty));
                ok = false;
            }
            Some(_) => match suffix {
                None => out.upsert(Column::new(col.clone(), ty)),
                Some(s) => {
                    let name = format!("{col}{s}");
                    // DuckDB's column names ignore case.
                    if out.columns.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
                        cx.error("S026", "suffix", format!("column '{name}' exists already; choose another suffix"));
                        ok = false;
                    }
                    out.columns.push(Column::new(name, ty));
                }
            },
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `SELECT … FROM input AS __in <joins>`: each column replaced by its expression, or the
/// expressions added as `<column><suffix>`.
pub fn assemble(cx: &CompileCx<'_>, exprs: &[(String, String)], suffix: Option<&str>, joins: &str) -> String {
    let select = match suffix {
        None => cx.dialect.select_replace(Some(INPUT_ALIAS), &cx.input_columns("input"), exprs),
        Some(sfx) => {
            let added: Vec<String> =
                exprs.iter().map(|(c, e)| format!("{e} AS {}", cx.ident(&format!("{c}{sfx}")))).collect();
            format!("{INPUT_ALIAS}.*, {}", added.join(", "))
        }
    };
    format!("SELECT {select} FROM {} AS {INPUT_ALIAS}{joins}", cx.input("input"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::DuckDb;
    use serde_json::json;

    #[test]
    fn literals_keep_types_and_bits() {
        let d = DuckDb;
        assert_eq!(literal(&d, &json!(3)), "CAST(3 AS BIGINT)");
        assert_eq!(literal(&d, &json!(0.1)), "CAST('0.1' AS DOUBLE)");
        let x = 1.0f64 / 3.0;
        let text = literal(&d, &json!(x));
        let inner = text.trim_start_matches("CAST('").trim_end_matches("' AS DOUBLE)");
        assert_eq!(inner.parse::<f64>().unwrap().to_bits(), x.to_bits());
        assert_eq!(literal(&d, &json!(["a", "b'c"])), "['a', 'b''c']");
        assert_eq!(literal(&d, &json!(null)), "NULL");
        let m = json!({"x.mean": 2.5, "n": 4}).as_object().unwrap().clone();
        assert_eq!(state_literals(&d, &m), "CAST('2.5' AS DOUBLE) AS \"x.mean\", CAST(4 AS BIGINT) AS \"n\"");
    }
}
