//! JSON records into columns: the columns inferred from the first page (with the types a spec
//! gives), and each record's values pushed into a batch, refused with a message naming the
//! field when one does not fit its column.
//!
//! Inference: integers are BIGINT, other numbers DOUBLE (integers among them too), true/false
//! BOOLEAN, strings VARCHAR, objects and arrays VARCHAR holding their JSON text, a field whose
//! values differ in kind VARCHAR (each value's text), a field only ever null VARCHAR. Columns come
//! in the order their fields first appear. Later pages are not widened into: a value that does
//! not fit fails the read, and `types` names the type to read instead.

use serde_json::Value as Json;
use sluice_core::json_path::{self, Step};

use crate::batch::{days_from_civil, BatchBuilder, ColumnType, RemoteColumn, Value};

/// What the values of a field seen so far are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Null,
    Bool,
    Int,
    Float,
    Text,
    Json,
    Mixed,
}

impl Seen {
    fn of(v: &Json) -> Seen {
        match v {
            Json::Null => Seen::Null,
            Json::Bool(_) => Seen::Bool,
            Json::Number(n) if n.is_i64() => Seen::Int,
            Json::Number(_) => Seen::Float,
            Json::String(_) => Seen::Text,
            Json::Array(_) | Json::Object(_) => Seen::Json,
        }
    }

    fn and(self, other: Seen) -> Seen {
        match (self, other) {
            (a, b) if a == b => a,
            (Seen::Null, b) => b,
            (a, Seen::Null) => a,
            (Seen::Int, Seen::Float) | (Seen::Float, Seen::Int) => Seen::Float,
            _ => Seen::Mixed,
        }
    }

    fn column(self, name: &str) -> RemoteColumn {
        let (ty, source) = match self {
            Seen::Bool => (ColumnType::Bool, "boolean"),
            Seen::Int => (ColumnType::Int64, "integer"),
            Seen::Float => (ColumnType::Float64, "number"),
            Seen::Text => (ColumnType::Text, "string"),
            Seen::Json => (ColumnType::Text, "json"),
            Seen::Mixed => (ColumnType::Text, "mixed"),
            Seen::Null => (ColumnType::Text, "null"),
        };
        RemoteColumn { name: name.to_string(), ty, source_type: source.to_string() }
    }
}

/// The records array at `path` of a page's body.
pub(crate) fn records<'a>(body: &'a Json, path: &[Step], path_text: &str) -> Result<&'a [Json], String> {
    let shown = if path_text.trim().is_empty() { "the body".to_string() } else { format!("records path '{path_text}'") };
    match json_path::get(body, path) {
        Some(Json::Array(a)) => Ok(a),
        Some(other) => Err(format!("{shown} is {}, not an array of records", kind(other))),
        None => Err(format!("{shown} is not in the body (its keys: {})", keys(body))),
    }
}

/// The columns of the first page's records, with `types` (name, canonical DuckDB type) replacing
/// inferred types and adding the fields it names that the page lacks.
pub(crate) fn infer(records: &[Json], types: &[(String, String)]) -> Result<Vec<RemoteColumn>, String> {
    let mut seen: indexmap::IndexMap<String, Seen> = indexmap::IndexMap::new();
    for (i, r) in records.iter().enumerate() {
        let Json::Object(fields) = r else { return Err(format!("record {} is {}, not an object", i + 1, kind(r))) };
        for (k, v) in fields {
            let s = seen.entry(k.clone()).or_insert(Seen::Null);
            *s = s.and(Seen::of(v));
        }
    }
    let mut columns: Vec<RemoteColumn> = seen.iter().map(|(k, s)| s.column(k)).collect();
    for (name, ty) in types {
        let ty_of = column_type(ty).ok_or_else(|| format!("'{ty}' is not a type an API value is read as"))?;
        let given = RemoteColumn { name: name.clone(), ty: ty_of, source_type: "given".into() };
        match columns.iter_mut().find(|c| &c.name == name) {
            Some(c) => *c = given,
            None => columns.push(given),
        }
    }
    Ok(columns)
}

/// The column type of a canonical DuckDB type name (see `sluice_core::remote::api_column_type`).
fn column_type(canonical: &str) -> Option<ColumnType> {
    Some(match canonical {
        "BIGINT" => ColumnType::Int64,
        "INTEGER" => ColumnType::Int32,
        "DOUBLE" => ColumnType::Float64,
        "BOOLEAN" => ColumnType::Bool,
        "VARCHAR" => ColumnType::Text,
        "DATE" => ColumnType::Date,
        "TIMESTAMP" => ColumnType::Timestamp,
        "TIMESTAMP WITH TIME ZONE" => ColumnType::TimestampTz,
        other => {
            let canonical = sluice_core::remote::api_column_type(other)?;
            let (p, s) = canonical.strip_prefix("DECIMAL(")?.strip_suffix(')')?.split_once(',')?;
            ColumnType::Decimal { precision: p.parse().ok()?, scale: s.parse().ok()? }
        }
    })
}

/// Push record `r`'s values of `columns` into `b` (a missing field is NULL); an error names the
/// field and says what did not fit.
pub(crate) fn push(b: &mut BatchBuilder, columns: &[RemoteColumn], r: &Json) -> Result<(), String> {
    let Json::Object(fields) = r else { return Err(format!("the record is {}, not an object", kind(r))) };
    for (i, c) in columns.iter().enumerate() {
        let v = fields.get(&c.name).unwrap_or(&Json::Null);
        let text;
        let value = match (c.ty, v) {
            (_, Json::Null) => Value::Null,
            (ColumnType::Text, Json::String(s)) => Value::Text(s),
            (ColumnType::Text, other) => {
                text = other.to_string();
                Value::Text(&text)
            }
            (ColumnType::Bool, Json::Bool(x)) => Value::Bool(*x),
            (ColumnType::Bool, Json::String(s)) if s == "true" || s == "false" => Value::Bool(s == "true"),
            (ColumnType::Int64 | ColumnType::Int32 | ColumnType::Int16, Json::Number(n)) => match n.as_i64() {
                Some(x) => Value::Int(x),
                None => return Err(mismatch(c, v)),
            },
            (ColumnType::Int64 | ColumnType::Int32 | ColumnType::Int16, Json::String(s)) => match s.trim().parse::<i64>() {
                Ok(x) => Value::Int(x),
                Err(_) => return Err(mismatch(c, v)),
            },
            (ColumnType::Float64 | ColumnType::Float32, Json::Number(n)) => match n.as_i64() {
                Some(x) => Value::Int(x),
                None => Value::Float(n.as_f64().ok_or_else(|| mismatch(c, v))?),
            },
            (ColumnType::Float64 | ColumnType::Float32, Json::String(s)) => match s.trim().parse::<f64>() {
                Ok(x) => Value::Float(x),
                Err(_) => return Err(mismatch(c, v)),
            },
            (ColumnType::Decimal { .. }, Json::Number(n)) => {
                text = n.to_string();
                Value::Text(&text)
            }
            (ColumnType::Decimal { .. }, Json::String(s)) => Value::Text(s),
            (ColumnType::Date, Json::String(s)) => Value::Date(parse_date(s).ok_or_else(|| mismatch(c, v))?),
            (ColumnType::Timestamp | ColumnType::TimestampTz, Json::String(s)) => Value::Micros(parse_timestamp(s).ok_or_else(|| mismatch(c, v))?),
            _ => return Err(mismatch(c, v)),
        };
        b.push(i, value).map_err(|m| format!("field '{}': {m}", c.name))?;
    }
    b.end_row();
    Ok(())
}

fn mismatch(c: &RemoteColumn, v: &Json) -> String {
    let origin = if c.source_type == "given" { "given in `types`" } else { "inferred from the first page" };
    let mut shown = v.to_string();
    if shown.chars().count() > 60 {
        shown = format!("{}…", shown.chars().take(60).collect::<String>());
    }
    format!("field '{}': {} {shown} does not fit its {} column ({origin}); give the field's type in `types`", c.name, kind(v), c.ty.duckdb())
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_i64() => "an integer",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn keys(v: &Json) -> String {
    match v {
        Json::Object(m) if m.is_empty() => "none".into(),
        Json::Object(m) => m.keys().take(10).cloned().collect::<Vec<_>>().join(", "),
        other => format!("none: the body is {}", kind(other)),
    }
}

/// `2024-03-01` as days since 1970-01-01.
pub(crate) fn parse_date(s: &str) -> Option<i32> {
    let s = s.trim();
    let (y, rest) = s.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    if y.len() != 4 || m.len() != 2 || d.len() != 2 || !format!("{y}{m}{d}").bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d == 0 || d > days_in[m as usize - 1] {
        return None;
    }
    i32::try_from(days_from_civil(y, m, d)).ok()
}

/// `2024-03-01T12:30:00`, with `.fraction` (to microseconds) and `Z` or `±hh:mm` optional (a
/// space may stand for the `T`), as microseconds since 1970-01-01 00:00:00 UTC (a time without an
/// offset is taken as UTC).
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = (s.get(..10)?, s.get(10..)?);
    let days = i64::from(parse_date(date)?);
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t')).or_else(|| rest.strip_prefix(' '))?;
    let b = rest.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = rest.get(r)?;
        t.bytes().all(|c| c.is_ascii_digit()).then(|| t.parse().ok()).flatten()
    };
    let (h, mi, se) = (num(0..2)?, num(3..5)?, num(6..8)?);
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut tail = &rest[8..];
    let mut micros = 0i64;
    if let Some(f) = tail.strip_prefix('.') {
        let digits = f.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let frac = &f[..digits];
        let six: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
        micros = six.parse().ok()?;
        tail = &f[digits..];
    }
    let offset_secs = match tail {
        "" | "Z" | "z" => 0,
        t if t.len() == 6 && (t.starts_with('+') || t.starts_with('-')) && t.as_bytes()[3] == b':' => {
            let oh: i64 = t[1..3].parse().ok()?;
            let om: i64 = t[4..6].parse().ok()?;
            let o = oh * 3600 + om * 60;
            if t.starts_with('-') {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_secs;
    Some(secs * 1_000_000 + micros)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;
    use serde_json::json;

    fn names_types(cols: &[RemoteColumn]) -> Vec<(String, String)> {
        cols.iter().map(|c| (c.name.clone(), c.ty.duckdb())).collect()
    }

    #[test]
    fn the_first_page_decides_the_columns() {
        let page = json!([
            {"id": 1, "amount": 2, "name": "a", "ok": true, "tags": ["x"], "meta": {"k": 1}, "odd": 1, "blank": null},
            {"id": 2, "amount": 2.5, "name": null, "ok": false, "odd": "one", "late": 3}
        ]);
        let cols = infer(page.as_array().unwrap(), &[]).unwrap();
        let got = names_types(&cols);
        let want: Vec<(String, String)> = [
            ("id", "BIGINT"),
            ("amount", "DOUBLE"),
            ("name", "VARCHAR"),
            ("ok", "BOOLEAN"),
            ("tags", "VARCHAR"),
            ("meta", "VARCHAR"),
            ("odd", "VARCHAR"),
            ("blank", "VARCHAR"),
            ("late", "BIGINT"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
        assert_eq!(cols[4].source_type, "json");
        assert_eq!(cols[6].source_type, "mixed");
    }

    #[test]
    fn given_types_replace_and_add_columns() {
        let page = json!([{"id": "17", "at": "2024-03-01T10:00:00Z"}]);
        let types = vec![("id".to_string(), "BIGINT".to_string()), ("price".to_string(), "DECIMAL(10,2)".to_string())];
        let cols = infer(page.as_array().unwrap(), &types).unwrap();
        assert_eq!(
            names_types(&cols),
            [("id".to_string(), "BIGINT".to_string()), ("at".into(), "VARCHAR".into()), ("price".into(), "DECIMAL(10,2)".into())]
        );
        let mut b = BatchBuilder::new(&cols);
        push(&mut b, &cols, &json!({"id": "17", "at": "x", "price": 12.5})).unwrap();
        push(&mut b, &cols, &json!({"id": 18})).unwrap();
        let batch = b.finish();
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.column(2).null_count(), 1);
    }

    #[test]
    fn a_value_that_does_not_fit_names_its_field() {
        let cols = infer(json!([{"id": 1, "ok": true}]).as_array().unwrap(), &[]).unwrap();
        let mut b = BatchBuilder::new(&cols);
        let e = push(&mut b, &cols, &json!({"id": "seven", "ok": true})).unwrap_err();
        assert!(e.contains("field 'id': a string \"seven\" does not fit its BIGINT column (inferred from the first page)"), "{e}");
        let e = push(&mut b, &cols, &json!({"id": 1.5})).unwrap_err();
        assert!(e.contains("field 'id': a number 1.5"), "{e}");
        let e = push(&mut b, &cols, &json!({"id": 1, "ok": {"x": 1}})).unwrap_err();
        assert!(e.contains("field 'ok': an object"), "{e}");
        assert!(push(&mut b, &cols, &json!([1])).unwrap_err().contains("an array, not an object"));
        assert!(infer(json!([1, 2]).as_array().unwrap(), &[]).unwrap_err().contains("record 1 is an integer"));
    }

    #[test]
    fn records_are_found_at_their_path() {
        let body = json!({"data": {"items": [{"a": 1}]}, "meta": {}});
        let p = json_path::parse("data.items").unwrap();
        assert_eq!(records(&body, &p, "data.items").unwrap().len(), 1);
        let e = records(&body, &json_path::parse("data.rows").unwrap(), "data.rows").unwrap_err();
        assert_eq!(e, "records path 'data.rows' is not in the body (its keys: data, meta)");
        let e = records(&body, &[], "").unwrap_err();
        assert_eq!(e, "the body is an object, not an array of records");
    }

    #[test]
    fn dates_and_times_parse_exactly() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-1-01"), None);
        assert_eq!(parse_date("2024-+1-01"), None);
        assert_eq!(parse_timestamp("2024-01-0é:00:00:00"), None);
        assert_eq!(parse_timestamp("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(parse_timestamp("1970-01-01 00:00:01.5"), Some(1_500_000));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_timestamp("1970-01-01T00:00:00.1234567-00:30"), Some(1_800_123_456));
        assert_eq!(parse_timestamp("1970-01-01T24:00:00"), None);
        assert_eq!(parse_timestamp("1970-01-01T00:00:00 UTC"), None);
        assert_eq!(parse_timestamp("1970-01-01"), None);
    }
}
