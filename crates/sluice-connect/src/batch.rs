//! Rows into Arrow record batches: the column types a driver decodes into (each with the DuckDB
//! type it is stored as) and a builder that fills one batch column by column.

pub use sluice_core::civil::days_from_civil;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, DurationMicrosecondBuilder, Float32Builder, Float64Builder, Int16Builder,
    Int32Builder, Int64Builder, StringBuilder, Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use serde::Serialize;

/// Rows per batch handed to the engine.
pub const BATCH_ROWS: usize = 16 * 2048;

/// A column's type as it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ColumnType {
    Bool,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Decimal { precision: u8, scale: i8 },
    Text,
    Bytes,
    Date,
    Timestamp,
    /// A point in time, in UTC.
    TimestampTz,
    Time,
    /// A length of time (spreadsheet durations).
    Interval,
}

impl ColumnType {
    /// The DuckDB type the column is stored as.
    pub fn duckdb(self) -> String {
        match self {
            ColumnType::Bool => "BOOLEAN".into(),
            ColumnType::Int16 => "SMALLINT".into(),
            ColumnType::Int32 => "INTEGER".into(),
            ColumnType::Int64 => "BIGINT".into(),
            ColumnType::Float32 => "FLOAT".into(),
            ColumnType::Float64 => "DOUBLE".into(),
            ColumnType::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
            ColumnType::Text => "VARCHAR".into(),
            ColumnType::Bytes => "BLOB".into(),
            ColumnType::Date => "DATE".into(),
            ColumnType::Timestamp => "TIMESTAMP".into(),
            ColumnType::TimestampTz => "TIMESTAMP WITH TIME ZONE".into(),
            ColumnType::Time => "TIME".into(),
            ColumnType::Interval => "INTERVAL".into(),
        }
    }

    fn arrow(self) -> DataType {
        match self {
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Int16 => DataType::Int16,
            ColumnType::Int32 => DataType::Int32,
            ColumnType::Int64 => DataType::Int64,
            ColumnType::Float32 => DataType::Float32,
            ColumnType::Float64 => DataType::Float64,
            ColumnType::Decimal { precision, scale } => DataType::Decimal128(precision, scale),
            ColumnType::Text => DataType::Utf8,
            ColumnType::Bytes => DataType::Binary,
            ColumnType::Date => DataType::Date32,
            ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            ColumnType::TimestampTz => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            ColumnType::Time => DataType::Time64(TimeUnit::Microsecond),
            // DuckDB's appender turns an Arrow duration into an INTERVAL.
            ColumnType::Interval => DataType::Duration(TimeUnit::Microsecond),
        }
    }

    /// Whether a value of this type is written as a bare number in SQL.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            ColumnType::Int16 | ColumnType::Int32 | ColumnType::Int64 | ColumnType::Float32 | ColumnType::Float64 | ColumnType::Decimal { .. }
        )
    }
}

/// A column of a database relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteColumn {
    pub name: String,
    pub ty: ColumnType,
    /// The type as the database names it (`numeric(12,2)`, `jsonb`).
    pub source_type: String,
}

/// One value, decoded by a driver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A decimal's digits at the column's scale (12.30 at scale 2 is 1230).
    Decimal(i128),
    Text(&'a str),
    Bytes(&'a [u8]),
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since 1970-01-01 00:00:00 (UTC for time zone columns).
    Micros(i64),
    /// Microseconds since midnight.
    TimeMicros(i64),
    /// A length of time in microseconds.
    DurationMicros(i64),
}

enum Col {
    Bool(BooleanBuilder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Dec(Decimal128Builder, u8, i8),
    Text(StringBuilder),
    Bytes(BinaryBuilder),
    Date(Date32Builder),
    Ts(TimestampMicrosecondBuilder, bool),
    Time(Time64MicrosecondBuilder),
    Interval(DurationMicrosecondBuilder),
}

/// Builds record batches of a fixed set of columns.
pub struct BatchBuilder {
    schema: SchemaRef,
    types: Vec<ColumnType>,
    cols: Vec<Col>,
    rows: usize,
}

impl BatchBuilder {
    pub fn new(columns: &[RemoteColumn]) -> Self {
        let fields: Vec<Field> = columns.iter().map(|c| Field::new(&c.name, c.ty.arrow(), true)).collect();
        let types: Vec<ColumnType> = columns.iter().map(|c| c.ty).collect();
        let cols = types.iter().map(|t| new_col(*t)).collect();
        BatchBuilder { schema: Arc::new(Schema::new(fields)), types, cols, rows: 0 }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Append `v` to column `i`; an error says what did not fit.
    pub fn push(&mut self, i: usize, v: Value<'_>) -> Result<(), String> {
        let mismatch = |v: &Value<'_>, t: ColumnType| Err(format!("a {} value does not fit a {} column", value_kind(v), t.duckdb()));
        let ty = self.types[i];
        match (&mut self.cols[i], v) {
            (Col::Bool(b), Value::Null) => b.append_null(),
            (Col::I16(b), Value::Null) => b.append_null(),
            (Col::I32(b), Value::Null) => b.append_null(),
            (Col::I64(b), Value::Null) => b.append_null(),
            (Col::F32(b), Value::Null) => b.append_null(),
            (Col::F64(b), Value::Null) => b.append_null(),
            (Col::Dec(b, ..), Value::Null) => b.append_null(),
            (Col::Text(b), Value::Null) => b.append_null(),
            (Col::Bytes(b), Value::Null) => b.append_null(),
            (Col::Date(b), Value::Null) => b.append_null(),
            (Col::Ts(b, _), Value::Null) => b.append_null(),
            (Col::Time(b), Value::Null) => b.append_null(),
            (Col::Interval(b), Value::Null) => b.append_null(),
            (Col::Bool(b), Value::Bool(x)) => b.append_value(x),
            (Col::Bool(b), Value::Int(x)) if x == 0 || x == 1 => b.append_value(x == 1),
            (Col::I16(b), Value::Int(x)) => b.append_value(i16::try_from(x).map_err(|_| format!("{x} is out of range for SMALLINT"))?),
            (Col::I32(b), Value::Int(x)) => b.append_value(i32::try_from(x).map_err(|_| format!("{x} is out of range for INTEGER"))?),
            (Col::I64(b), Value::Int(x)) => b.append_value(x),
            (Col::I64(b), Value::Bool(x)) => b.append_value(x as i64),
            (Col::F32(b), Value::Float(x)) => b.append_value(x as f32),
            (Col::F32(b), Value::Int(x)) => b.append_value(exact_float(x)? as f32),
            (Col::F64(b), Value::Float(x)) => b.append_value(x),
            (Col::F64(b), Value::Int(x)) => b.append_value(exact_float(x)?),
            (Col::F64(b), Value::Text(t)) => b.append_value(t.trim().parse::<f64>().map_err(|_| format!("'{t}' is not a number"))?),
            (Col::Dec(b, p, _), Value::Decimal(x)) => b.append_value(fits(x, *p)?),
            (Col::Dec(b, p, s), Value::Int(x)) => b.append_value(fits(i128::from(x) * 10i128.pow(*s as u32), *p)?),
            (Col::Dec(b, p, s), Value::Text(t)) => {
                let d = parse_decimal(t, *s).ok_or_else(|| format!("'{t}' is not a DECIMAL({p},{s})"))?;
                b.append_value(fits(d, *p)?)
            }
            (Col::Text(b), Value::Text(t)) => b.append_value(t),
            (Col::Text(b), Value::Int(x)) => b.append_value(x.to_string()),
            (Col::Text(b), Value::Float(x)) => b.append_value(format!("{x:?}")),
            (Col::Text(b), Value::Bytes(x)) => b.append_value(std::str::from_utf8(x).map_err(|e| format!("text that is not UTF-8 ({e})"))?),
            (Col::Bytes(b), Value::Bytes(x)) => b.append_value(x),
            (Col::Bytes(b), Value::Text(t)) => b.append_value(t.as_bytes()),
            (Col::Date(b), Value::Date(d)) => b.append_value(d),
            (Col::Ts(b, _), Value::Micros(m)) => b.append_value(m),
            (Col::Ts(b, _), Value::Date(d)) => b.append_value(i64::from(d) * 86_400_000_000),
            (Col::Time(b), Value::TimeMicros(m)) => b.append_value(m),
            (Col::Interval(b), Value::DurationMicros(m)) => b.append_value(m),
            (_, v) => return mismatch(&v, ty),
        }
        Ok(())
    }

    /// Count the row whose columns were all pushed.
    pub fn end_row(&mut self) {
        self.rows += 1;
    }

    /// The rows pushed so far as a batch; the builder starts empty again.
    pub fn finish(&mut self) -> RecordBatch {
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Col::Bool(b) => Arc::new(b.finish()),
                    Col::I16(b) => Arc::new(b.finish()),
                    Col::I32(b) => Arc::new(b.finish()),
                    Col::I64(b) => Arc::new(b.finish()),
                    Col::F32(b) => Arc::new(b.finish()),
                    Col::F64(b) => Arc::new(b.finish()),
                    Col::Dec(b, p, s) => Arc::new(b.finish().with_precision_and_scale(*p, *s).expect("precision checked when the column was typed")),
                    Col::Text(b) => Arc::new(b.finish()),
                    Col::Bytes(b) => Arc::new(b.finish()),
                    Col::Date(b) => Arc::new(b.finish()),
                    Col::Ts(b, tz) => {
                        let a = b.finish();
                        Arc::new(if *tz { a.with_timezone("UTC") } else { a })
                    }
                    Col::Time(b) => Arc::new(b.finish()),
                    Col::Interval(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays).expect("builders match the schema")
    }
}

/// An integer as a float, refused when the float cannot hold it exactly.
fn exact_float(x: i64) -> Result<f64, String> {
    let f = x as f64;
    if f as i64 == x && x.unsigned_abs() <= 1 << 53 {
        Ok(f)
    } else {
        Err(format!("{x} cannot be stored exactly as a floating-point number"))
    }
}

/// A decimal's digits, refused when they need more than `precision` digits.
fn fits(digits: i128, precision: u8) -> Result<i128, String> {
    if digits.unsigned_abs() < 10u128.pow(u32::from(precision)) {
        Ok(digits)
    } else {
        Err(format!("a value of {} digits does not fit a DECIMAL of precision {precision}", digits.unsigned_abs().to_string().len()))
    }
}

fn new_col(t: ColumnType) -> Col {
    match t {
        ColumnType::Bool => Col::Bool(BooleanBuilder::new()),
        ColumnType::Int16 => Col::I16(Int16Builder::new()),
        ColumnType::Int32 => Col::I32(Int32Builder::new()),
        ColumnType::Int64 => Col::I64(Int64Builder::new()),
        ColumnType::Float32 => Col::F32(Float32Builder::new()),
        ColumnType::Float64 => Col::F64(Float64Builder::new()),
        ColumnType::Decimal { precision, scale } => Col::Dec(Decimal128Builder::new(), precision, scale),
        ColumnType::Text => Col::Text(StringBuilder::new()),
        ColumnType::Bytes => Col::Bytes(BinaryBuilder::new()),
        ColumnType::Date => Col::Date(Date32Builder::new()),
        ColumnType::Timestamp => Col::Ts(TimestampMicrosecondBuilder::new(), false),
        ColumnType::TimestampTz => Col::Ts(TimestampMicrosecondBuilder::new(), true),
        ColumnType::Time => Col::Time(Time64MicrosecondBuilder::new()),
        ColumnType::Interval => Col::Interval(DurationMicrosecondBuilder::new()),
    }
}

fn value_kind(v: &Value<'_>) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::Float(_) => "floating-point",
        Value::Decimal(_) => "decimal",
        Value::Text(_) => "text",
        Value::Bytes(_) => "binary",
        Value::Date(_) => "date",
        Value::Micros(_) => "timestamp",
        Value::TimeMicros(_) => "time",
        Value::DurationMicros(_) => "interval",
    }
}

/// `-12.3` at scale 2 is `-1230`; None for text that is not a decimal or has more digits
/// after the point than `scale` (which would round silently).
pub fn parse_decimal(text: &str, scale: i8) -> Option<i128> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale = scale.max(0) as usize;
    let frac = frac.trim_end_matches('0');
    if frac.len() > scale {
        return None;
    }
    let digits = format!("{int}{frac}{}", "0".repeat(scale - frac.len()));
    let v: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_every_digit() {
        assert_eq!(parse_decimal("12.3", 2), Some(1230));
        assert_eq!(parse_decimal("-0.05", 2), Some(-5));
        assert_eq!(parse_decimal("7", 0), Some(7));
        assert_eq!(parse_decimal("1.234", 2), None);
        assert_eq!(parse_decimal("1.230", 2), Some(123));
        assert_eq!(parse_decimal("abc", 2), None);
        assert_eq!(parse_decimal("12345678901234567890123456789012345678", 0), Some(12345678901234567890123456789012345678));
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 1, 1), 10_957);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }

    #[test]
    fn a_batch_holds_what_was_pushed() {
        let cols = vec![
            RemoteColumn { name: "id".into(), ty: ColumnType::Int64, source_type: "bigint".into() },
            RemoteColumn { name: "amount".into(), ty: ColumnType::Decimal { precision: 10, scale: 2 }, source_type: "numeric(10,2)".into() },
            RemoteColumn { name: "name".into(), ty: ColumnType::Text, source_type: "text".into() },
        ];
        let mut b = BatchBuilder::new(&cols);
        for (i, v) in [Value::Int(1), Value::Text("3.50"), Value::Text("a")].into_iter().enumerate() {
            b.push(i, v).unwrap();
        }
        b.end_row();
        for i in 0..3 {
            b.push(i, Value::Null).unwrap();
        }
        b.end_row();
        assert!(b.push(0, Value::Text("x")).unwrap_err().contains("BIGINT"));
        let batch = b.finish();
        assert_eq!((batch.num_rows(), batch.num_columns()), (2, 3));
        assert_eq!(b.rows(), 0);
    }
}
