//! Writing to PostgreSQL: the rows go through text `COPY` into a temporary table, then one
//! transaction replaces, appends to or merges into the target table (and removes the rows
//! deleted at tracked sources). Nothing is visible until the commit; any error rolls it back.

use std::io::Write as _;

use arrow::array::{Array, BinaryArray};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use sluice_core::catalog::WriteMode;

use crate::database::TableWrite;

/// The PostgreSQL type a DuckDB column is created as; text for types it has no equivalent of
/// (lists, structs, maps, intervals: their DuckDB text form).
pub fn pg_type(duckdb: &str) -> String {
    let t = duckdb.trim().to_ascii_uppercase();
    match t.as_str() {
        "BOOLEAN" => "boolean".into(),
        "TINYINT" | "SMALLINT" | "UTINYINT" => "smallint".into(),
        "INTEGER" | "USMALLINT" => "integer".into(),
        "BIGINT" | "UINTEGER" => "bigint".into(),
        "UBIGINT" => "numeric(20,0)".into(),
        "HUGEINT" => "numeric(38,0)".into(),
        "FLOAT" => "real".into(),
        "DOUBLE" => "double precision".into(),
        "VARCHAR" => "text".into(),
        "BLOB" => "bytea".into(),
        "DATE" => "date".into(),
        "TIMESTAMP" => "timestamp".into(),
        "TIMESTAMP WITH TIME ZONE" => "timestamptz".into(),
        "TIME" => "time".into(),
        "UUID" => "uuid".into(),
        _ if t.starts_with("DECIMAL(") => format!("numeric{}", &t["DECIMAL".len()..]),
        _ => "text".into(),
    }
}

pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The target as SQL.
pub fn target_sql(t: &TableWrite<'_>) -> String {
    match t.schema {
        Some(s) => format!("{}.{}", ident(s), ident(t.table)),
        None => ident(t.table),
    }
}

/// Append the rows of `batch` to `out` in COPY's text format.
pub fn copy_text(batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), String> {
    let opts = FormatOptions::default().with_null("\\N");
    let formatters: Vec<Option<ArrayFormatter<'_>>> = batch
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Binary => Ok(None),
            _ => ArrayFormatter::try_new(c.as_ref(), &opts).map(Some),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    for row in 0..batch.num_rows() {
        for (i, col) in batch.columns().iter().enumerate() {
            if i > 0 {
                out.push(b'\t');
            }
            if col.is_null(row) {
                out.extend_from_slice(b"\\N");
                continue;
            }
            match &formatters[i] {
                Some(f) => escape(&f.value(row).to_string(), out),
                None => {
                    let bytes = col.as_any().downcast_ref::<BinaryArray>().map(|a| a.value(row)).unwrap_or_default();
                    out.extend_from_slice(b"\\\\x");
                    for b in bytes {
                        write!(out, "{b:02x}").expect("writing to a Vec");
                    }
                }
            }
        }
        out.push(b'\n');
    }
    Ok(())
}

fn escape(text: &str, out: &mut Vec<u8>) {
    for b in text.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

/// The statements that apply the staged rows (in temp table `rows`) to the target.
pub fn apply_sql(t: &TableWrite<'_>, exists: bool, same_columns: bool) -> Vec<String> {
    let target = target_sql(t);
    let cols: Vec<String> = t.columns.iter().map(|(n, _)| ident(n)).collect();
    let cols = cols.join(", ");
    let create = format!(
        "CREATE TABLE {target} ({})",
        t.columns.iter().map(|(n, ty)| format!("{} {}", ident(n), pg_type(ty))).collect::<Vec<_>>().join(", ")
    );
    let insert = format!("INSERT INTO {target} ({cols}) SELECT {cols} FROM __sluice_rows");
    let mut out = Vec::new();
    match (t.mode, exists) {
        (WriteMode::Overwrite, true) if same_columns => out.push(format!("TRUNCATE {target}")),
        (WriteMode::Overwrite, true) => {
            out.push(format!("DROP TABLE {target}"));
            out.push(create);
        }
        (_, false) => out.push(create),
        _ => {}
    }
    if t.mode == WriteMode::Merge && exists {
        let on: Vec<String> = t.key.iter().map(|k| format!("{target}.{k} IS NOT DISTINCT FROM __n.{k}", k = ident(k))).collect();
        out.push(format!("DELETE FROM {target} USING __sluice_rows AS __n WHERE {}", on.join(" AND ")));
    }
    out.push(insert);
    if t.mode == WriteMode::Merge && exists {
        for (i, (key, _)) in t.deleted.iter().enumerate() {
            let on: Vec<String> = key.iter().map(|k| format!("{target}.{k} = __d.{k}", k = ident(k))).collect();
            out.push(format!("DELETE FROM {target} USING __sluice_deleted_{i} AS __d WHERE {}", on.join(" AND ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn types_map_to_postgres() {
        assert_eq!(pg_type("DECIMAL(12,2)"), "numeric(12,2)");
        assert_eq!(pg_type("TIMESTAMP WITH TIME ZONE"), "timestamptz");
        assert_eq!(pg_type("INTEGER[]"), "text");
    }

    #[test]
    fn copy_text_escapes_and_marks_nulls() {
        use arrow::array::{Int64Array, StringArray};
        use arrow::datatypes::{Field, Schema};
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true), Field::new("b", DataType::Utf8, true)]));
        let batch = RecordBatch::try_new(
            schema,
            vec![Arc::new(Int64Array::from(vec![Some(1), None])), Arc::new(StringArray::from(vec![Some("x\ty\\z\n"), None]))],
        )
        .unwrap();
        let mut out = Vec::new();
        copy_text(&batch, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "1\tx\\ty\\\\z\\n\n\\N\t\\N\n");
    }

    #[test]
    fn merge_replaces_keys_and_removes_deletes() {
        let cols = vec![("id".to_string(), "BIGINT".to_string()), ("v".to_string(), "DOUBLE".to_string())];
        let key = vec!["id".to_string()];
        let deleted = vec![(key.clone(), vec![])];
        let t = TableWrite { schema: Some("s"), table: "t", mode: WriteMode::Merge, key: &key, columns: &cols, deleted: &deleted };
        let sql = apply_sql(&t, true, true).join(";\n");
        assert!(sql.contains("DELETE FROM \"s\".\"t\" USING __sluice_rows"), "{sql}");
        assert!(sql.contains("DELETE FROM \"s\".\"t\" USING __sluice_deleted_0"), "{sql}");
        assert!(apply_sql(&t, false, false)[0].starts_with("CREATE TABLE \"s\".\"t\" (\"id\" bigint, \"v\" double precision)"));
    }
}
