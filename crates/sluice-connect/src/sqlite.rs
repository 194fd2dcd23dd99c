//! SQLite database files, opened read-only; every read in one transaction (one snapshot).
//!
//! SQLite columns have affinities, not types, so a column is read as the type its declaration
//! names, by SQLite's own affinity rules with the common names first:
//! BOOL… → BOOLEAN; DATE → DATE; DATETIME, TIMESTAMP → TIMESTAMP; TIME → TIME;
//! DECIMAL(p,s) and NUMERIC(p,s) with p ≤ 38 → DECIMAL(p,s); then …INT… → BIGINT;
//! …CHAR…, …CLOB…, …TEXT… → text; …BLOB… → BLOB; …REAL…, …FLOA…, …DOUB… → DOUBLE;
//! NUMERIC and DECIMAL without a precision → DOUBLE; any other name (JSON, UUID, …) → text.
//!
//! A column with no declared type (a query's computed column, or a table column declared
//! without one) takes the type of the values it holds, all of them looked at: only integers →
//! BIGINT, integers and reals → DOUBLE, only blobs → BLOB, anything else (text, a mix, no
//! values at all) → text. So the type does not hang on which row comes first.
//!
//! Dates and times are text ('2024-01-31', '2024-01-31 10:00:00', with 'T', fractional seconds
//! to the microsecond, and a 'Z' or ±HH:MM offset, which is turned into UTC as SQLite's date
//! functions do); a DATETIME or TIMESTAMP may also hold integer Unix seconds. A value that does
//! not fit its column's type fails the read naming the row and column: nothing is turned into
//! NULL.

use std::ffi::{CStr, CString};
use std::path::Path;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{ffi, Connection, ErrorCode, OpenFlags};
use sluice_core::remote::Relation;

use crate::batch::{days_from_civil, parse_decimal, BatchBuilder, ColumnType, RemoteColumn, Value, BATCH_ROWS};
use crate::database::{above_literal, Above, BatchSink, Database, TableInfo};
use crate::ConnectError;

/// How long a read waits for a writer's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const MICROS_PER_DAY: i64 = 86_400_000_000;
/// The source type shown for a column declared without one.
const UNTYPED: &str = "untyped";

pub struct Sqlite {
    conn: Connection,
    /// The file, named in messages as a connection is.
    name: String,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Self, ConnectError> {
        let name = path.display().to_string();
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConnectError::Missing { name, message: "no such SQLite database file".into() })
            }
            Err(e) => return Err(ConnectError::Connect { name, message: e.to_string() }),
            Ok(m) if m.is_dir() => return Err(ConnectError::Invalid { name, message: "a folder, not a SQLite database file".into() }),
            Ok(_) => {}
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| ConnectError::Connect { name: name.clone(), message: e.to_string() })?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| ConnectError::Connect { name: name.clone(), message: e.to_string() })?;
        let db = Sqlite { conn, name };
        // Any file opens; the first read tells whether it is a database.
        db.conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())).map_err(|e| db.fail(e, "opening the file"))?;
        Ok(db)
    }

    fn fail(&self, e: rusqlite::Error, what: &str) -> ConnectError {
        fail(&self.name, e, what)
    }
}

fn fail(name: &str, e: rusqlite::Error, what: &str) -> ConnectError {
    let name = name.to_string();
    let message = format!("{what}: {e}");
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => ConnectError::Invalid { name, message: format!("{what}: not a SQLite database") },
        // SQLite has no code of its own for a missing table: its message is the only sign.
        _ if message.contains("no such table") => ConnectError::Missing { name, message },
        _ => ConnectError::Read { name, message },
    }
}

fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn relation_sql(rel: &Relation) -> String {
    crate::database::relation_sql(rel, ident)
}

/// The column type a declared type names (see the module's documentation).
fn map_declared(decl: &str) -> ColumnType {
    let d = decl.trim().to_ascii_uppercase();
    let word = d.split(|c: char| c == '(' || c.is_whitespace()).next().unwrap_or("");
    match word {
        "BOOL" | "BOOLEAN" => return ColumnType::Bool,
        "DATE" => return ColumnType::Date,
        "DATETIME" | "TIMESTAMP" => return ColumnType::Timestamp,
        "TIME" => return ColumnType::Time,
        "DECIMAL" | "NUMERIC" => {
            let args = d.split_once('(').and_then(|(_, r)| r.split_once(')')).map(|(a, _)| a);
            let mut nums = args.into_iter().flat_map(|a| a.split(',')).map(|n| n.trim().parse::<u8>());
            return match (nums.next(), nums.next(), nums.next()) {
                (Some(Ok(p)), s, None) if (1..=38).contains(&p) => match s {
                    None => ColumnType::Decimal { precision: p, scale: 0 },
                    Some(Ok(s)) if s <= p => ColumnType::Decimal { precision: p, scale: s as i8 },
                    _ => ColumnType::Float64,
                },
                _ => ColumnType::Float64,
            };
        }
        _ => {}
    }
    // SQLite's affinity rules, in their order.
    if d.contains("INT") {
        ColumnType::Int64
    } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
        ColumnType::Text
    } else if d.contains("BLOB") {
        ColumnType::Bytes
    } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
        ColumnType::Float64
    } else {
        ColumnType::Text
    }
}

/// The declared type of each result column of `sql` (None for an expression or a column
/// declared without one), from the prepared statement: nothing runs. rusqlite shows declared
/// types only with a feature this build leaves out, so this asks SQLite directly.
fn declared_types(conn: &Connection, sql: &str) -> Result<Vec<Option<String>>, String> {
    let c_sql = CString::new(sql).map_err(|_| "the query holds a NUL character".to_string())?;
    // SAFETY: the connection stays open for the whole call and only this thread uses it (a
    // rusqlite Connection is not Sync); the statement is finalized before returning, and every
    // string read from it is copied while it is alive.
    unsafe {
        let db = conn.handle();
        let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        if ffi::sqlite3_prepare_v2(db, c_sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) != ffi::SQLITE_OK {
            return Err(CStr::from_ptr(ffi::sqlite3_errmsg(db)).to_string_lossy().into_owned());
        }
        if stmt.is_null() {
            return Ok(Vec::new());
        }
        let types = (0..ffi::sqlite3_column_count(stmt))
            .map(|i| {
                let p = ffi::sqlite3_column_decltype(stmt, i);
                (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned()).filter(|t| !t.trim().is_empty())
            })
            .collect();
        ffi::sqlite3_finalize(stmt);
        Ok(types)
    }
}

/// Storage classes seen in an undeclared column.
const SEEN_INT: u8 = 1;
const SEEN_REAL: u8 = 2;
const SEEN_TEXT: u8 = 4;
const SEEN_BLOB: u8 = 8;

/// The type that holds every value of an undeclared column, from the storage classes seen.
fn type_of_values(seen: u8) -> ColumnType {
    match seen {
        SEEN_INT => ColumnType::Int64,
        SEEN_REAL | 3 => ColumnType::Float64,
        SEEN_BLOB => ColumnType::Bytes,
        _ => ColumnType::Text,
    }
}

impl Sqlite {
    /// The relation's columns; `None` as the type of a column declared without one.
    fn declared_columns(&self, rel: &Relation) -> Result<Vec<(String, Option<String>)>, ConnectError> {
        let sql = format!("SELECT * FROM {} LIMIT 0", relation_sql(rel));
        let what = format!("reading {}", rel.describe());
        let stmt = self.conn.prepare(&sql).map_err(|e| self.fail(e, &what))?;
        let names: Vec<String> = stmt.column_names().map(String::from).collect();
        drop(stmt);
        let types = declared_types(&self.conn, &sql).map_err(|m| ConnectError::Read { name: self.name.clone(), message: format!("{what}: {m}") })?;
        Ok(names.into_iter().zip(types).collect())
    }

    /// Types for the columns declared without one, from every value they hold.
    fn types_of_values(&self, rel: &Relation, columns: &[(String, Option<String>)]) -> Result<Vec<ColumnType>, ConnectError> {
        let untyped: Vec<usize> = (0..columns.len()).filter(|i| columns[*i].1.is_none()).collect();
        let mut seen = vec![0u8; untyped.len()];
        if untyped.is_empty() {
            return Ok(Vec::new());
        }
        let what = format!("reading {}", rel.describe());
        let select: Vec<String> = untyped.iter().map(|i| ident(&columns[*i].0)).collect();
        let sql = format!("SELECT {} FROM {}", select.join(", "), relation_sql(rel));
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.fail(e, &what))?;
        let mut rows = stmt.query([]).map_err(|e| self.fail(e, &what))?;
        while let Some(row) = rows.next().map_err(|e| self.fail(e, &what))? {
            for (k, s) in seen.iter_mut().enumerate() {
                *s |= match row.get_ref(k).map_err(|e| self.fail(e, &what))? {
                    ValueRef::Null => 0,
                    ValueRef::Integer(_) => SEEN_INT,
                    ValueRef::Real(_) => SEEN_REAL,
                    ValueRef::Text(_) => SEEN_TEXT,
                    ValueRef::Blob(_) => SEEN_BLOB,
                };
            }
            // Once every column is text, no later value changes it.
            if seen.iter().all(|s| type_of_values(*s) == ColumnType::Text && *s != 0) {
                break;
            }
        }
        Ok(seen.into_iter().map(type_of_values).collect())
    }
}

/// Days in month `m` of year `y`.
fn month_days(y: i64, m: u32) -> u32 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A run of exactly `n` ASCII digits at the start of `s`, and the rest.
fn digits(s: &str, n: usize) -> Option<(u32, &str)> {
    let head = s.get(..n)?;
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((head.parse().ok()?, &s[n..]))
}

/// `YYYY-MM-DD` at the start of `s`: days since 1970-01-01, and the rest.
fn date_prefix(s: &str) -> Option<(i64, &str)> {
    let (y, r) = digits(s, 4)?;
    let (m, r) = digits(r.strip_prefix('-')?, 2)?;
    let (d, r) = digits(r.strip_prefix('-')?, 2)?;
    ((1..=12).contains(&m) && d >= 1 && d <= month_days(i64::from(y), m)).then(|| (days_from_civil(i64::from(y), m, d), r))
}

/// `HH:MM[:SS[.fraction]]` at the start of `s`: microseconds since midnight, and the rest.
/// Digits finer than a microsecond must be zeros: dropping them would change the value.
fn time_prefix(s: &str) -> Option<(i64, &str)> {
    let (h, r) = digits(s, 2)?;
    let (m, mut r) = digits(r.strip_prefix(':')?, 2)?;
    let mut sec = 0;
    let mut micros = 0i64;
    if let Some(rest) = r.strip_prefix(':') {
        let (sv, rest) = digits(rest, 2)?;
        sec = sv;
        r = rest;
        if let Some(rest) = r.strip_prefix('.') {
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            let (frac, rest) = rest.split_at(n);
            if n == 0 || frac.bytes().skip(6).any(|b| b != b'0') {
                return None;
            }
            micros = format!("{:0<6}", &frac[..n.min(6)]).parse().ok()?;
            r = rest;
        }
    }
    if h > 24 || m > 59 || sec > 59 || h == 24 && (m, sec, micros) != (0, 0, 0) {
        return None;
    }
    Some(((i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(sec)) * 1_000_000 + micros, r))
}

fn parse_date(t: &str) -> Option<i32> {
    match date_prefix(t.trim())? {
        (days, "") => i32::try_from(days).ok(),
        _ => None,
    }
}

fn parse_time(t: &str) -> Option<i64> {
    match time_prefix(t.trim())? {
        (micros, "") => Some(micros),
        _ => None,
    }
}

/// A date, or a date and time, with an optional `Z` or `±HH:MM` offset (turned into UTC):
/// microseconds since 1970-01-01 00:00:00.
fn parse_datetime(t: &str) -> Option<i64> {
    let (days, r) = date_prefix(t.trim())?;
    let (time, r) = match r.strip_prefix(['T', ' ']) {
        Some(r) => time_prefix(r)?,
        None => (0, r),
    };
    let offset = match r.trim_start() {
        "" | "Z" | "z" => 0,
        o => {
            let (sign, o) = match o.as_bytes()[0] {
                b'+' => (1, &o[1..]),
                b'-' => (-1, &o[1..]),
                _ => return None,
            };
            let (h, o) = digits(o, 2)?;
            let (m, o) = digits(o.strip_prefix(':').unwrap_or(o), 2)?;
            if !o.is_empty() || h > 14 || m > 59 {
                return None;
            }
            sign * (i64::from(h) * 60 + i64::from(m)) * 60_000_000
        }
    };
    Some(days * MICROS_PER_DAY + time - offset)
}

fn storage_class(v: &ValueRef<'_>) -> &'static str {
    match v {
        ValueRef::Null => "null",
        ValueRef::Integer(_) => "integer",
        ValueRef::Real(_) => "real",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "blob",
    }
}

fn utf8(b: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(b).map_err(|_| "the text is not valid UTF-8".to_string())
}

/// Whether decimal digits `v` (at any scale) fit a precision of `p` digits.
fn fits_precision(v: i128, p: u8) -> bool {
    v.unsigned_abs() < 10u128.pow(u32::from(p))
}

/// A stored value as column type `ty` wants it; `scratch` holds text made on the way.
fn decode<'a>(v: ValueRef<'a>, ty: ColumnType, scratch: &'a mut String) -> Result<Value<'a>, String> {
    let misfit = |v: &ValueRef<'_>| Err(format!("a {} value does not fit a {} column", storage_class(v), ty.duckdb()));
    Ok(match (ty, v) {
        (_, ValueRef::Null) => Value::Null,
        (ColumnType::Int16 | ColumnType::Int32 | ColumnType::Int64, ValueRef::Integer(x)) => Value::Int(x),
        (ColumnType::Float32 | ColumnType::Float64, ValueRef::Integer(x)) => {
            // Integers beyond 2^53 have no exact double.
            if x.unsigned_abs() > 1 << 53 {
                return Err(format!("{x} has no exact DOUBLE value"));
            }
            Value::Float(x as f64)
        }
        (ColumnType::Float32 | ColumnType::Float64, ValueRef::Real(x)) => Value::Float(x),
        (ColumnType::Decimal { precision, scale }, v @ (ValueRef::Integer(_) | ValueRef::Real(_) | ValueRef::Text(_))) => {
            let text = match v {
                ValueRef::Integer(x) => x.to_string(),
                // Display never uses an exponent; a real with more digits than the scale (as
                // 0.1 + 0.2 has) is refused rather than rounded.
                ValueRef::Real(x) => x.to_string(),
                ValueRef::Text(t) => utf8(t)?.to_string(),
                _ => unreachable!(),
            };
            match parse_decimal(&text, scale) {
                Some(d) if fits_precision(d, precision) => Value::Decimal(d),
                _ => return Err(format!("'{text}' is not a {}", ty.duckdb())),
            }
        }
        (ColumnType::Bool, ValueRef::Integer(x @ (0 | 1))) => Value::Bool(x == 1),
        (ColumnType::Bool, ValueRef::Text(t)) => match utf8(t)?.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => return Err(format!("'{other}' is not a boolean (0, 1, true or false)")),
        },
        (ColumnType::Bool, ValueRef::Integer(x)) => return Err(format!("{x} is not a boolean (0, 1, true or false)")),
        (ColumnType::Text, ValueRef::Text(t) | ValueRef::Blob(t)) => Value::Text(utf8(t)?),
        (ColumnType::Text, ValueRef::Integer(x)) => Value::Int(x),
        (ColumnType::Text, ValueRef::Real(x)) => {
            // Debug keeps the point of a whole number (1.0, not 1) and every digit.
            *scratch = format!("{x:?}");
            Value::Text(scratch)
        }
        (ColumnType::Bytes, ValueRef::Blob(b) | ValueRef::Text(b)) => Value::Bytes(b),
        (ColumnType::Date, ValueRef::Text(t)) => {
            let t = utf8(t)?;
            Value::Date(parse_date(t).ok_or_else(|| format!("'{t}' is not a date (YYYY-MM-DD)"))?)
        }
        (ColumnType::Timestamp | ColumnType::TimestampTz, ValueRef::Text(t)) => {
            let t = utf8(t)?;
            Value::Micros(parse_datetime(t).ok_or_else(|| format!("'{t}' is not a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff])"))?)
        }
        // Integers in a date-time column are Unix seconds (SQLite's 'unixepoch').
        (ColumnType::Timestamp | ColumnType::TimestampTz, ValueRef::Integer(x)) => {
            Value::Micros(x.checked_mul(1_000_000).ok_or_else(|| format!("{x} is out of range for Unix seconds"))?)
        }
        (ColumnType::Timestamp | ColumnType::TimestampTz, ValueRef::Real(x)) => {
            return Err(format!("the real {x} could be a Julian day or Unix seconds: store date-times as text or integer Unix seconds"))
        }
        (ColumnType::Time, ValueRef::Text(t)) => {
            let t = utf8(t)?;
            Value::TimeMicros(parse_time(t).ok_or_else(|| format!("'{t}' is not a time of day (HH:MM:SS[.ffffff])"))?)
        }
        (ColumnType::Int16 | ColumnType::Int32 | ColumnType::Int64, ValueRef::Text(t)) => {
            return Err(format!("'{}' is not an integer", String::from_utf8_lossy(t)))
        }
        (ColumnType::Int16 | ColumnType::Int32 | ColumnType::Int64, ValueRef::Real(x)) => return Err(format!("{x} is not an integer")),
        (_, v) => return misfit(&v),
    })
}

/// The incremental filter on a date, time or timestamp column. SQLite compares such text as
/// text, which goes wrong across formats ('2024-01-31T10:00' > '2024-01-31 11:00'), so rows
/// are first narrowed by SQLite's own reading of the value (to the millisecond, hence `>=`;
/// values it cannot read come through to fail or pass below), then compared exactly here.
struct Exact {
    /// The cursor's place among the selected columns.
    index: usize,
    ty: ColumnType,
    mark: i64,
}

fn is_temporal(ty: ColumnType) -> bool {
    matches!(ty, ColumnType::Date | ColumnType::Timestamp | ColumnType::TimestampTz | ColumnType::Time)
}

/// The mark as the number the cursor column's values decode to.
fn temporal_mark(ty: ColumnType, mark: &str) -> Option<i64> {
    match ty {
        ColumnType::Date => parse_date(mark).map(i64::from),
        ColumnType::Time => parse_time(mark),
        _ => parse_datetime(mark),
    }
}

fn temporal_key(v: Value<'_>) -> Option<i64> {
    match v {
        Value::Date(d) => Some(i64::from(d)),
        Value::Micros(m) | Value::TimeMicros(m) => Some(m),
        _ => None,
    }
}

impl Database for Sqlite {
    fn version(&mut self) -> Result<String, ConnectError> {
        Ok(format!("SQLite {}", rusqlite::version()))
    }

    fn columns(&mut self, rel: &Relation) -> Result<Vec<RemoteColumn>, ConnectError> {
        let declared = self.declared_columns(rel)?;
        let mut by_values = self.types_of_values(rel, &declared)?.into_iter();
        Ok(declared
            .into_iter()
            .map(|(name, decl)| match decl {
                Some(d) => RemoteColumn { name, ty: map_declared(&d), source_type: d },
                None => RemoteColumn { name, ty: by_values.next().unwrap_or(ColumnType::Text), source_type: UNTYPED.into() },
            })
            .collect())
    }

    fn fetch(&mut self, rel: &Relation, columns: &[RemoteColumn], above: Option<&Above>, out: &mut BatchSink<'_>) -> Result<u64, ConnectError> {
        let declared = self.declared_columns(rel)?;
        let name = self.name.clone();
        let what = format!("reading {}", rel.describe());
        let read = |m: String| ConnectError::Read { name: name.clone(), message: format!("{what}: {m}") };
        // Declared columns must still be what they were; undeclared ones are read as checked,
        // and a value that no longer fits fails below.
        let mut select = Vec::new();
        for want in columns {
            let Some((_, decl)) = declared.iter().find(|(n, _)| *n == want.name) else {
                return Err(read(format!("{} has no column '{}' any more", rel.describe(), want.name)));
            };
            if let Some(d) = decl.as_deref().filter(|d| map_declared(d) != want.ty) {
                return Err(read(format!("column '{}' of {} changed type to {d} since it was checked", want.name, rel.describe())));
            }
            select.push(ident(&want.name));
        }
        let mut filter = String::new();
        let mut exact = None;
        if let Some(a) = above {
            let requested = columns.iter().position(|c| c.name == a.column);
            let ty = match requested {
                Some(i) => Some(columns[i].ty),
                None => declared.iter().find(|(n, _)| *n == a.column).and_then(|(_, d)| d.as_deref().map(map_declared)),
            };
            let col = ident(&a.column);
            match ty.filter(|t| is_temporal(*t)) {
                Some(ty) => {
                    let mark = temporal_mark(ty, &a.mark).ok_or_else(|| read(format!("the incremental mark '{}' is not a {}", a.mark, ty.duckdb())))?;
                    let index = requested.unwrap_or_else(|| {
                        select.push(col.clone());
                        select.len() - 1
                    });
                    exact = Some(Exact { index, ty, mark });
                    let norm = |x: &str| format!("strftime('%Y-%m-%d %H:%M:%f', {x})");
                    let value = norm(&format!("CASE WHEN typeof({col}) = 'integer' THEN datetime({col}, 'unixepoch') ELSE {col} END"));
                    let lit = above_literal(&a.mark, false).map_err(&read)?;
                    filter = format!(" WHERE ({value} >= {} OR {col} IS NOT NULL AND {value} IS NULL)", norm(&lit));
                }
                None => {
                    let literal = above_literal(&a.mark, ty.is_some_and(ColumnType::is_numeric)).map_err(&read)?;
                    filter = format!(" WHERE {col} > {literal}");
                }
            }
        }
        let sql = format!("SELECT {} FROM {}{filter}", select.join(", "), relation_sql(rel));
        let sqlite_err = |e: rusqlite::Error| fail(&name, e, &what);
        // Deferred: the snapshot is taken at the first read, and held to the end.
        let tx = self.conn.transaction().map_err(sqlite_err)?;
        let mut stmt = tx.prepare(&sql).map_err(sqlite_err)?;
        let mut rows = stmt.query([]).map_err(sqlite_err)?;
        let mut b = BatchBuilder::new(columns);
        let mut total = 0u64;
        let bad = |i: usize, row: u64, m: String| read(format!("row {row}, column '{}': {m}", columns[i].name));
        let mut scratch = String::new();
        while let Some(row) = rows.next().map_err(sqlite_err)? {
            if let Some(x) = &exact {
                let v = row.get_ref(x.index).map_err(sqlite_err)?;
                let key = decode(v, x.ty, &mut scratch).ok().and_then(temporal_key);
                // A value that does not decode is kept, to fail with its row and column below
                // (when the cursor is not read, it fails here).
                match key {
                    Some(k) if k <= x.mark => continue,
                    None if matches!(v, ValueRef::Null) => continue,
                    None if x.index >= columns.len() => {
                        let m = decode(v, x.ty, &mut scratch).err().unwrap_or_default();
                        return Err(read(format!("row {}, column '{}': {m}", total + 1, above.map(|a| a.column.as_str()).unwrap_or(""))));
                    }
                    _ => {}
                }
            }
            for (i, c) in columns.iter().enumerate() {
                let v = row.get_ref(i).map_err(sqlite_err)?;
                let v = decode(v, c.ty, &mut scratch).map_err(|m| bad(i, total + 1, m))?;
                b.push(i, v).map_err(|m| bad(i, total + 1, m))?;
            }
            b.end_row();
            total += 1;
            if b.rows() >= BATCH_ROWS {
                out(b.finish()).map_err(&read)?;
            }
        }
        // An empty result still hands over one (empty) batch: it carries the columns.
        if b.rows() > 0 || total == 0 {
            out(b.finish()).map_err(&read)?;
        }
        drop(rows);
        drop(stmt);
        tx.commit().map_err(sqlite_err)?;
        Ok(total)
    }

    fn probe(&mut self, rel: &Relation, cursor: &str) -> Result<String, ConnectError> {
        let sql = format!("SELECT count(*) || ' ' || coalesce(max({}), '') FROM {}", ident(cursor), relation_sql(rel));
        self.conn.query_row(&sql, [], |r| r.get::<_, String>(0)).map_err(|e| self.fail(e, &format!("probing {}", rel.describe())))
    }

    fn tables(&mut self) -> Result<Vec<TableInfo>, ConnectError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
            .map_err(|e| self.fail(e, "listing tables"))?;
        let rows = stmt
            .query_map([], |r| Ok(TableInfo { schema: None, name: r.get(0)?, kind: r.get(1)? }))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>());
        rows.map_err(|e| fail(&self.name, e, "listing tables"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_follow_sqlite_affinity_with_common_names_first() {
        let cases = [
            ("INTEGER", ColumnType::Int64),
            ("UNSIGNED BIG INT", ColumnType::Int64),
            ("VARCHAR(20)", ColumnType::Text),
            ("DOUBLE PRECISION", ColumnType::Float64),
            ("DECIMAL(12,2)", ColumnType::Decimal { precision: 12, scale: 2 }),
            ("numeric(10)", ColumnType::Decimal { precision: 10, scale: 0 }),
            ("NUMERIC", ColumnType::Float64),
            ("DECIMAL(50,2)", ColumnType::Float64),
            ("BOOLEAN", ColumnType::Bool),
            ("DATE", ColumnType::Date),
            ("DATETIME", ColumnType::Timestamp),
            ("timestamp", ColumnType::Timestamp),
            ("BLOB", ColumnType::Bytes),
            ("JSON", ColumnType::Text),
        ];
        for (decl, ty) in cases {
            assert_eq!(map_declared(decl), ty, "{decl}");
        }
        assert_eq!(type_of_values(SEEN_INT | SEEN_REAL), ColumnType::Float64);
        assert_eq!(type_of_values(SEEN_INT | SEEN_TEXT), ColumnType::Text);
        assert_eq!(type_of_values(0), ColumnType::Text);
    }

    #[test]
    fn dates_and_times_are_read_in_their_common_text_forms() {
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-01-31 10:00"), None);
        let day = 19_753 * MICROS_PER_DAY; // 2024-01-31
        assert_eq!(parse_datetime("2024-01-31"), Some(day));
        assert_eq!(parse_datetime("2024-01-31 10:00"), Some(day + 36_000_000_000));
        assert_eq!(parse_datetime("2024-01-31T10:00:00.5"), Some(day + 36_000_500_000));
        assert_eq!(parse_datetime("2024-01-31 10:00:00.123456000"), Some(day + 36_000_123_456));
        assert_eq!(parse_datetime("2024-01-31 10:00:00.1234567"), None);
        assert_eq!(parse_datetime("2024-01-31T10:00:00+02:00"), Some(day + 28_800_000_000));
        assert_eq!(parse_datetime("2024-01-31 10:00:00Z"), Some(day + 36_000_000_000));
        assert_eq!(parse_datetime("yesterday"), None);
        assert_eq!(parse_time("24:00:00"), Some(MICROS_PER_DAY));
        assert_eq!(parse_time("24:00:01"), None);
        assert_eq!(parse_time("07:30"), Some(27_000_000_000));
    }

    #[test]
    fn values_that_do_not_fit_say_why() {
        let mut s = String::new();
        let dec = ColumnType::Decimal { precision: 4, scale: 2 };
        assert_eq!(decode(ValueRef::Real(12.5), dec, &mut s), Ok(Value::Decimal(1250)));
        assert!(decode(ValueRef::Real(0.1 + 0.2), dec, &mut s).is_err());
        assert!(decode(ValueRef::Integer(100), dec, &mut s).is_err());
        assert!(decode(ValueRef::Text(b"n/a"), ColumnType::Int64, &mut s).unwrap_err().contains("'n/a'"));
        assert!(decode(ValueRef::Integer(2), ColumnType::Bool, &mut s).is_err());
        assert_eq!(decode(ValueRef::Real(1.0), ColumnType::Text, &mut s), Ok(Value::Text("1.0")));
        assert!(decode(ValueRef::Blob(&[0xff]), ColumnType::Text, &mut s).is_err());
    }
}
