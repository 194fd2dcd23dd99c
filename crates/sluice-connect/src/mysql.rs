//! MySQL and MariaDB: rows through the binary protocol (a prepared statement, so numbers, dates
//! and times arrive typed rather than as text), decoded straight into Arrow builders; column
//! types from the result's metadata, with `information_schema.COLUMNS` adding a table's declared
//! type names; every read in one read-only, consistent-snapshot transaction.
//!
//! Types: TINYINT (TINYINT(1) too: it is a number to MySQL) and SMALLINT → SMALLINT, MEDIUMINT
//! and INT → INTEGER, BIGINT → BIGINT; unsigned types widen to the next type that holds them
//! (BIGINT UNSIGNED → DECIMAL(20,0)); YEAR → SMALLINT; BIT(n) → BIGINT (BIT(64) → DECIMAL(20,0));
//! DECIMAL up to 38 digits stays DECIMAL, wider → DOUBLE; DATETIME and TIMESTAMP → TIMESTAMP;
//! TIME → TIME (a duration outside 00:00–24:00 fails); CHAR, TEXT, ENUM, SET and JSON → text;
//! BINARY and BLOB → BLOB; spatial types → their WKT text; anything else → its text form.
//!
//! Zero dates ('0000-00-00', or a zero month or day) fail the read naming the row and column:
//! the server hands them out as they are (`NO_ZERO_DATE` only stops new ones being written), and
//! turning them into NULL, as some clients do, would lose data without a word. A query can do it
//! openly: `NULLIF(col, 0)`.

use std::time::Duration;

use mysql::consts::{ColumnFlags, ColumnType as MyType};
use mysql::prelude::Queryable;
use mysql::{Column, Conn, DriverError, OptsBuilder, Row, Value as MyValue};
use sluice_core::remote::Relation;

use crate::batch::{days_from_civil, BatchBuilder, ColumnType, RemoteColumn, Value, BATCH_ROWS};
use crate::database::{above_literal, Above, BatchSink, Database, TableInfo};
use crate::secret::redact;
use crate::store::Resolved;
use crate::ConnectError;

/// MySQL's number for the `binary` character set: such strings are bytes, not text.
const BINARY_CHARSET: u16 = 63;
/// Server errors: unknown database, table doesn't exist, and no right to read the table (which
/// MySQL also answers for a table that does not exist in a database the user cannot see).
const ER_BAD_DB: u16 = 1049;
const ER_NO_SUCH_TABLE: u16 = 1146;
const ER_TABLE_ACCESS_DENIED: u16 = 1142;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Mysql {
    conn: Conn,
    resolved: Resolved,
}

/// A driver error without the crate's `IoError { ... }` wrapping.
fn describe(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => m.message.clone(),
        mysql::Error::IoError(io) => io.to_string(),
        mysql::Error::DriverError(d) => d.to_string(),
        mysql::Error::CodecError(c) => c.to_string(),
        other => other.to_string(),
    }
}

fn server_code(e: &mysql::Error) -> Option<u16> {
    match e {
        mysql::Error::MySqlError(m) => Some(m.code),
        _ => None,
    }
}

impl Mysql {
    pub fn connect(conn: &Resolved) -> Result<Self, ConnectError> {
        let port = conn.url.port().unwrap_or(3306);
        let at = format!("{}:{port}", conn.host());
        // This build speaks to MySQL without TLS: a URL that asks for it is refused rather than
        // connected in the clear.
        let tls = conn.option("ssl-mode").or_else(|| conn.option("sslmode")).map(|m| m.to_ascii_lowercase().replace('-', "_"));
        if tls.as_deref().is_some_and(|m| !matches!(m, "disabled" | "disable" | "preferred" | "prefer")) {
            return Err(ConnectError::Invalid {
                name: conn.name.clone(),
                message: "TLS connections to MySQL are not supported: remove ssl-mode from the URL or reach the server through a tunnel".into(),
            });
        }
        let user = conn.user();
        let database = conn.database();
        let opts = OptsBuilder::new()
            .ip_or_hostname(Some(conn.host()))
            .tcp_port(port)
            .user((!user.is_empty()).then_some(user))
            .pass(conn.password.as_ref().map(|p| p.expose().to_string()))
            .db_name((!database.is_empty()).then_some(database))
            // Always TCP to the host named: a local socket could be another server.
            .prefer_socket(false)
            .tcp_connect_timeout(Some(CONNECT_TIMEOUT));
        let fail = |e: mysql::Error| {
            let message = match &e {
                mysql::Error::MySqlError(m) => m.message.clone(),
                mysql::Error::DriverError(DriverError::ConnectTimeout) => {
                    format!("cannot reach MySQL at {at}: no answer within {} s", CONNECT_TIMEOUT.as_secs())
                }
                mysql::Error::DriverError(DriverError::CouldNotConnect(Some((_, desc, _)))) => format!("cannot reach MySQL at {at}: {desc}"),
                e => format!("cannot reach MySQL at {at}: {}", describe(e)),
            };
            let message = redact(&message, conn.password.as_ref());
            let name = conn.name.clone();
            match server_code(&e) {
                Some(ER_BAD_DB) => ConnectError::Missing { name, message },
                _ => ConnectError::Connect { name, message },
            }
        };
        let mut c = Conn::new(opts).map_err(fail)?;
        // TIMESTAMP columns are stored in UTC and handed out in the session's time zone: with
        // the session in UTC they arrive as the instants they are, whatever the server's zone.
        c.query_drop("SET time_zone = '+00:00'").map_err(fail)?;
        Ok(Mysql { conn: c, resolved: conn.clone() })
    }

    fn error(&self, e: &mysql::Error, what: &str) -> ConnectError {
        let name = self.resolved.name.clone();
        let message = redact(&format!("{what}: {}", describe(e)), self.resolved.password.as_ref());
        match server_code(e) {
            Some(ER_BAD_DB | ER_NO_SUCH_TABLE | ER_TABLE_ACCESS_DENIED) => ConnectError::Missing { name, message },
            Some(_) => ConnectError::Read { name, message },
            None => ConnectError::Connect { name, message },
        }
    }

    fn read_error(&self, message: String) -> ConnectError {
        ConnectError::Read { name: self.resolved.name.clone(), message: redact(&message, self.resolved.password.as_ref()) }
    }
}

fn ident(s: &str) -> String {
    format!("`{}`", s.replace('`', "``"))
}

fn relation_sql(rel: &Relation) -> String {
    crate::database::relation_sql(rel, ident)
}

/// How a column is selected and its values decoded.
#[derive(Clone, Copy, PartialEq)]
enum Wire {
    /// As the binary protocol sends it.
    Plain,
    /// BIT(n): big-endian bytes, read as a number.
    Bit,
    /// Spatial: selected as its WKT text.
    Spatial,
    /// Anything else: selected as its text form.
    Cast,
}

/// A column's declared type from `information_schema.COLUMNS`: the full name and, for
/// DECIMAL, the precision and scale.
struct Declared {
    name: String,
    column_type: String,
    precision: Option<u64>,
    scale: Option<u64>,
}

/// The column type and wire form of result column `c` (`declared` when it is a table's).
fn map_column(c: &Column, declared: Option<&Declared>) -> (ColumnType, Wire) {
    let unsigned = c.flags().contains(ColumnFlags::UNSIGNED_FLAG);
    let binary = c.character_set() == BINARY_CHARSET && !c.flags().intersects(ColumnFlags::ENUM_FLAG | ColumnFlags::SET_FLAG);
    let plain = |t| (t, Wire::Plain);
    match c.column_type() {
        MyType::MYSQL_TYPE_TINY | MyType::MYSQL_TYPE_YEAR => plain(ColumnType::Int16),
        MyType::MYSQL_TYPE_SHORT => plain(if unsigned { ColumnType::Int32 } else { ColumnType::Int16 }),
        MyType::MYSQL_TYPE_INT24 => plain(ColumnType::Int32),
        MyType::MYSQL_TYPE_LONG => plain(if unsigned { ColumnType::Int64 } else { ColumnType::Int32 }),
        MyType::MYSQL_TYPE_LONGLONG if unsigned => plain(ColumnType::Decimal { precision: 20, scale: 0 }),
        MyType::MYSQL_TYPE_LONGLONG => plain(ColumnType::Int64),
        MyType::MYSQL_TYPE_FLOAT => plain(ColumnType::Float32),
        MyType::MYSQL_TYPE_DOUBLE => plain(ColumnType::Float64),
        MyType::MYSQL_TYPE_DECIMAL | MyType::MYSQL_TYPE_NEWDECIMAL => {
            let (p, s) = match declared.and_then(|d| Some((d.precision?, d.scale?))) {
                Some(ps) => ps,
                // The metadata's display length counts the point and the sign.
                None => {
                    let s = u64::from(c.decimals());
                    let len = u64::from(c.column_length());
                    (len.saturating_sub(u64::from(s > 0)).saturating_sub(u64::from(!unsigned && len > 0)), s)
                }
            };
            if (1..=38).contains(&p) && s <= p {
                plain(ColumnType::Decimal { precision: p as u8, scale: s as i8 })
            } else {
                plain(ColumnType::Float64)
            }
        }
        MyType::MYSQL_TYPE_DATE | MyType::MYSQL_TYPE_NEWDATE => plain(ColumnType::Date),
        MyType::MYSQL_TYPE_DATETIME | MyType::MYSQL_TYPE_DATETIME2 | MyType::MYSQL_TYPE_TIMESTAMP | MyType::MYSQL_TYPE_TIMESTAMP2 => {
            plain(ColumnType::Timestamp)
        }
        MyType::MYSQL_TYPE_TIME | MyType::MYSQL_TYPE_TIME2 => plain(ColumnType::Time),
        MyType::MYSQL_TYPE_BIT if c.column_length() >= 64 => (ColumnType::Decimal { precision: 20, scale: 0 }, Wire::Bit),
        MyType::MYSQL_TYPE_BIT => (ColumnType::Int64, Wire::Bit),
        MyType::MYSQL_TYPE_ENUM | MyType::MYSQL_TYPE_SET | MyType::MYSQL_TYPE_JSON | MyType::MYSQL_TYPE_NULL => plain(ColumnType::Text),
        MyType::MYSQL_TYPE_VARCHAR
        | MyType::MYSQL_TYPE_VAR_STRING
        | MyType::MYSQL_TYPE_STRING
        | MyType::MYSQL_TYPE_TINY_BLOB
        | MyType::MYSQL_TYPE_MEDIUM_BLOB
        | MyType::MYSQL_TYPE_LONG_BLOB
        | MyType::MYSQL_TYPE_BLOB => plain(if binary { ColumnType::Bytes } else { ColumnType::Text }),
        MyType::MYSQL_TYPE_GEOMETRY => (ColumnType::Text, Wire::Spatial),
        _ => (ColumnType::Text, Wire::Cast),
    }
}

/// A type name for a query's column, which has no declaration: `decimal(10,2)`, `int unsigned`.
fn metadata_type_name(c: &Column, ty: ColumnType) -> String {
    let base = format!("{:?}", c.column_type()).trim_start_matches("MYSQL_TYPE_").to_ascii_lowercase();
    let base = match ty {
        ColumnType::Decimal { precision, scale } if base.contains("decimal") => format!("decimal({precision},{scale})"),
        _ => base,
    };
    if c.flags().contains(ColumnFlags::UNSIGNED_FLAG) && !base.starts_with("decimal") {
        format!("{base} unsigned")
    } else {
        base
    }
}

/// A column as read: what it is, how it travels and the expression that selects it.
struct Typed {
    column: RemoteColumn,
    wire: Wire,
}

impl Typed {
    fn select(&self) -> String {
        let c = ident(&self.column.name);
        match self.wire {
            Wire::Plain | Wire::Bit => c,
            Wire::Spatial => format!("ST_AsText({c})"),
            Wire::Cast => format!("CAST({c} AS CHAR)"),
        }
    }
}

impl Mysql {
    fn typed_columns(&mut self, rel: &Relation) -> Result<Vec<Typed>, ConnectError> {
        let what = format!("reading {}", rel.describe());
        let sql = format!("SELECT * FROM {} LIMIT 0", relation_sql(rel));
        let columns = self.conn.query_iter(&sql).map(|result| result.columns().as_ref().to_vec());
        let columns: Vec<Column> = columns.map_err(|e| self.error(&e, &what))?;
        // A table's declaration has the type as it was written (`tinyint(1)`, `enum('a','b')`)
        // and DECIMAL's precision exactly.
        let mut declared: Vec<Declared> = Vec::new();
        if let Relation::Table { schema, table } = rel {
            let rows: Vec<Row> = self
                .conn
                .exec(
                    "SELECT COLUMN_NAME, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE FROM information_schema.COLUMNS \
                     WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                    (schema.as_deref(), table.as_str()),
                )
                .map_err(|e| self.error(&e, &format!("reading the catalog of {}", rel.describe())))?;
            for r in rows {
                let text = |i: usize| r.as_ref(i).map(value_text).unwrap_or_default();
                let number = |i: usize| text(i).parse::<u64>().ok();
                declared.push(Declared { name: text(0), column_type: text(1), precision: number(2), scale: number(3) });
            }
        }
        Ok(columns
            .iter()
            .map(|c| {
                let name = c.name_str().into_owned();
                let decl = declared.iter().find(|d| d.name == name);
                let (ty, wire) = map_column(c, decl);
                let source_type = decl.map(|d| d.column_type.clone()).unwrap_or_else(|| metadata_type_name(c, ty));
                Typed { column: RemoteColumn { name, ty, source_type }, wire }
            })
            .collect())
    }

    /// Run `sql` and hand its rows to `out` in batches; the transaction is the caller's.
    fn stream(&mut self, sql: &str, columns: &[RemoteColumn], wires: &[Wire], what: &str, out: &mut BatchSink<'_>) -> Result<u64, ConnectError> {
        let name = self.resolved.name.clone();
        let password = self.resolved.password.clone();
        let read = |m: String| ConnectError::Read { name: name.clone(), message: redact(&format!("{what}: {m}"), password.as_ref()) };
        let bad = |i: usize, row: u64, m: String| read(format!("row {row}, column '{}': {m}", columns[i].name));
        let result = self.conn.exec_iter(sql, ()).map_err(|e| read(describe(&e)))?;
        let mut b = BatchBuilder::new(columns);
        let mut total = 0u64;
        for row in result {
            let row = row.map_err(|e| read(describe(&e)))?;
            for (i, wire) in wires.iter().enumerate() {
                let raw = row.as_ref(i).unwrap_or(&MyValue::NULL);
                let v = decode(raw, columns[i].ty, *wire).map_err(|m| bad(i, total + 1, m))?;
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
        Ok(total)
    }
}

/// A value read as text (catalog strings, numbers).
fn value_text(v: &MyValue) -> String {
    match v {
        MyValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        MyValue::Int(x) => x.to_string(),
        MyValue::UInt(x) => x.to_string(),
        MyValue::NULL => String::new(),
        other => other.as_sql(true),
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

/// Days since 1970-01-01 of a date MySQL sends, refusing zero and impossible dates.
fn civil_days(y: u16, m: u8, d: u8) -> Result<i64, String> {
    if y == 0 && m == 0 && d == 0 {
        return Err("the zero date '0000-00-00' is not a date: a query can turn it into NULL with NULLIF(column, 0)".into());
    }
    if !(1..=12).contains(&m) || d == 0 || u32::from(d) > month_days(i64::from(y), u32::from(m)) {
        return Err(format!("'{y:04}-{m:02}-{d:02}' is not a date (a zero or out-of-range month or day)"));
    }
    Ok(days_from_civil(i64::from(y), u32::from(m), u32::from(d)))
}

/// A binary-protocol value as the column's type wants it.
fn decode(v: &MyValue, ty: ColumnType, wire: Wire) -> Result<Value<'_>, String> {
    Ok(match v {
        MyValue::NULL => Value::Null,
        MyValue::Int(x) => Value::Int(*x),
        MyValue::UInt(x) => match ty {
            ColumnType::Decimal { scale: 0, .. } => Value::Decimal(i128::from(*x)),
            _ => Value::Int(i64::try_from(*x).map_err(|_| format!("{x} is out of range for {}", ty.duckdb()))?),
        },
        MyValue::Float(x) => Value::Float(f64::from(*x)),
        MyValue::Double(x) => Value::Float(*x),
        MyValue::Bytes(b) if wire == Wire::Bit => {
            if b.len() > 8 {
                return Err(format!("a BIT value of {} bytes does not fit 64 bits", b.len()));
            }
            let n = b.iter().fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
            match ty {
                ColumnType::Decimal { .. } => Value::Decimal(i128::from(n)),
                _ => Value::Int(i64::try_from(n).map_err(|_| format!("{n} is out of range for BIGINT"))?),
            }
        }
        MyValue::Bytes(b) => match ty {
            ColumnType::Bytes => Value::Bytes(b),
            // Text, and DECIMAL's digits (which the builder parses, refusing extra digits).
            _ => Value::Text(std::str::from_utf8(b).map_err(|_| "the text is not valid UTF-8".to_string())?),
        },
        MyValue::Date(y, m, d, h, i, s, us) => {
            let days = civil_days(*y, *m, *d)?;
            match ty {
                ColumnType::Date => Value::Date(i32::try_from(days).map_err(|_| "the date is out of range".to_string())?),
                _ => Value::Micros(
                    days * 86_400_000_000 + (i64::from(*h) * 3600 + i64::from(*i) * 60 + i64::from(*s)) * 1_000_000 + i64::from(*us),
                ),
            }
        }
        MyValue::Time(neg, d, h, i, s, us) => {
            let micros = ((i64::from(*d) * 24 + i64::from(*h)) * 3600 + i64::from(*i) * 60 + i64::from(*s)) * 1_000_000 + i64::from(*us);
            if *neg && micros != 0 || micros > 86_400_000_000 {
                let sign = if *neg { "-" } else { "" };
                return Err(format!(
                    "{sign}{}:{i:02}:{s:02} is a duration, not a time of day (00:00 to 24:00)",
                    u64::from(*d) * 24 + u64::from(*h)
                ));
            }
            Value::TimeMicros(micros)
        }
    })
}

impl Database for Mysql {
    fn version(&mut self) -> Result<String, ConnectError> {
        let v: Option<String> = self.conn.query_first("SELECT VERSION()").map_err(|e| self.error(&e, "asking the version"))?;
        let v = v.unwrap_or_default();
        Ok(if v.to_ascii_lowercase().contains("mariadb") { format!("MariaDB {v}") } else { format!("MySQL {v}") })
    }

    fn columns(&mut self, rel: &Relation) -> Result<Vec<RemoteColumn>, ConnectError> {
        Ok(self.typed_columns(rel)?.into_iter().map(|t| t.column).collect())
    }

    fn fetch(&mut self, rel: &Relation, columns: &[RemoteColumn], above: Option<&Above>, out: &mut BatchSink<'_>) -> Result<u64, ConnectError> {
        let all = self.typed_columns(rel)?;
        let mut wires = Vec::new();
        let mut select = Vec::new();
        for want in columns {
            let Some(t) = all.iter().find(|t| t.column.name == want.name) else {
                return Err(self.read_error(format!("{} has no column '{}' any more", rel.describe(), want.name)));
            };
            if t.column.ty != want.ty {
                return Err(self.read_error(format!("column '{}' of {} changed type to {} since it was checked", want.name, rel.describe(), t.column.source_type)));
            }
            wires.push(t.wire);
            select.push(t.select());
        }
        let mut sql = format!("SELECT {} FROM {}", select.join(", "), relation_sql(rel));
        if let Some(a) = above {
            let numeric = all.iter().find(|t| t.column.name == a.column).is_some_and(|t| t.column.ty.is_numeric());
            let literal = above_literal(&a.mark, numeric).map_err(|m| self.read_error(m))?;
            sql.push_str(&format!(" WHERE {} > {literal}", ident(&a.column)));
        }
        let what = format!("reading {}", rel.describe());
        // One snapshot for the whole read; READ ONLY also keeps the query from writing.
        self.conn
            .query_drop("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .and_then(|_| self.conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"))
            .map_err(|e| self.error(&e, &what))?;
        let result = self.stream(&sql, columns, &wires, &what, out);
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = self.conn.query_drop(end);
        let total = result?;
        ended.map_err(|e| self.error(&e, &what))?;
        Ok(total)
    }

    fn probe(&mut self, rel: &Relation, cursor: &str) -> Result<String, ConnectError> {
        let sql = format!("SELECT CONCAT(COUNT(*), ' ', COALESCE(MAX({}), '')) FROM {}", ident(cursor), relation_sql(rel));
        let v: Option<MyValue> = self.conn.query_first(sql).map_err(|e| self.error(&e, &format!("probing {}", rel.describe())))?;
        Ok(v.as_ref().map(value_text).unwrap_or_default())
    }

    fn tables(&mut self) -> Result<Vec<TableInfo>, ConnectError> {
        // The connection's database; without one, every database but the server's own.
        let rows: Vec<(String, String, String)> = self
            .conn
            .query(
                "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES \
                 WHERE CASE WHEN DATABASE() IS NULL \
                   THEN TABLE_SCHEMA NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema') \
                   ELSE TABLE_SCHEMA = DATABASE() END \
                 ORDER BY TABLE_SCHEMA, TABLE_NAME",
            )
            .map_err(|e| self.error(&e, "listing tables"))?;
        Ok(rows
            .into_iter()
            .map(|(schema, name, kind)| TableInfo { schema: Some(schema), name, kind: if kind.contains("VIEW") { "view" } else { "table" }.into() })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_decode_or_say_why_not() {
        assert_eq!(decode(&MyValue::Date(2024, 2, 29, 0, 0, 0, 0), ColumnType::Date, Wire::Plain), Ok(Value::Date(19_782)));
        assert_eq!(
            decode(&MyValue::Date(1970, 1, 2, 1, 0, 0, 5), ColumnType::Timestamp, Wire::Plain),
            Ok(Value::Micros(86_400_000_000 + 3_600_000_000 + 5))
        );
        assert!(decode(&MyValue::Date(0, 0, 0, 0, 0, 0, 0), ColumnType::Date, Wire::Plain).unwrap_err().contains("zero date"));
        assert!(decode(&MyValue::Date(2023, 2, 29, 0, 0, 0, 0), ColumnType::Date, Wire::Plain).is_err());
        assert_eq!(decode(&MyValue::Time(false, 1, 0, 0, 0, 0), ColumnType::Time, Wire::Plain), Ok(Value::TimeMicros(86_400_000_000)));
        assert!(decode(&MyValue::Time(false, 1, 0, 0, 1, 0), ColumnType::Time, Wire::Plain).unwrap_err().contains("24:00:01"));
        assert!(decode(&MyValue::Time(true, 0, 1, 0, 0, 0), ColumnType::Time, Wire::Plain).is_err());
    }

    #[test]
    fn bits_and_unsigned_numbers_keep_their_value() {
        assert_eq!(decode(&MyValue::Bytes(vec![1, 0]), ColumnType::Int64, Wire::Bit), Ok(Value::Int(256)));
        let big = ColumnType::Decimal { precision: 20, scale: 0 };
        assert_eq!(decode(&MyValue::Bytes(vec![0xff; 8]), big, Wire::Bit), Ok(Value::Decimal(u64::MAX.into())));
        assert_eq!(decode(&MyValue::UInt(u64::MAX), big, Wire::Plain), Ok(Value::Decimal(u64::MAX.into())));
        assert!(decode(&MyValue::UInt(u64::MAX), ColumnType::Int64, Wire::Plain).is_err());
    }
}
