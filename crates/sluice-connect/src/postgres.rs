//! PostgreSQL: rows in bulk through binary `COPY ... TO STDOUT`, decoded straight into Arrow
//! builders; the catalog (`pg_attribute`) for columns and numeric precision; every read in one
//! read-only, repeatable-read transaction.

use std::time::Duration;

use postgres::binary_copy::BinaryCopyOutIter;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, Type};
use postgres::{Client, IsolationLevel};
use sluice_core::remote::Relation;

use crate::batch::{BatchBuilder, ColumnType, RemoteColumn, Value, BATCH_ROWS};
use crate::database::{above_literal, Above, BatchSink, Database, TableInfo, TableWrite};
use crate::pg_write;
use crate::secret::redact;
use crate::store::Resolved;
use crate::ConnectError;

/// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_DAYS: i32 = 10_957;
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

pub struct Postgres {
    client: Client,
    conn: Resolved,
}

impl Postgres {
    pub fn connect(conn: &Resolved) -> Result<Self, ConnectError> {
        let mut cfg = postgres::Config::new();
        cfg.host(conn.host())
            .port(conn.url.port().unwrap_or(5432))
            .user(&conn.user())
            .dbname(&conn.database())
            .application_name("sluice")
            .connect_timeout(Duration::from_secs(10));
        if let Some(p) = &conn.password {
            cfg.password(p.expose());
        }
        cfg.ssl_mode(match conn.option("sslmode").as_deref() {
            Some("disable") => postgres::config::SslMode::Disable,
            Some("require" | "verify-ca" | "verify-full") => postgres::config::SslMode::Require,
            _ => postgres::config::SslMode::Prefer,
        });
        // `require` encrypts without checking the certificate, as libpq does; `verify-*` checks it.
        let verify = matches!(conn.option("sslmode").as_deref(), Some("verify-ca" | "verify-full"));
        let tls = native_tls::TlsConnector::builder()
            .danger_accept_invalid_certs(!verify)
            .danger_accept_invalid_hostnames(conn.option("sslmode").as_deref() != Some("verify-full"))
            .build()
            .map_err(|e| ConnectError::Connect { name: conn.name.clone(), message: format!("TLS: {e}") })?;
        let client = cfg.connect(postgres_native_tls::MakeTlsConnector::new(tls)).map_err(|e| {
            let at = format!("{}:{}", conn.host(), conn.url.port().unwrap_or(5432));
            let message = match e.as_db_error() {
                Some(d) => d.message().to_string(),
                None => format!("cannot reach PostgreSQL at {at}: {e}"),
            };
            ConnectError::Connect { name: conn.name.clone(), message: redact(&message, conn.password.as_ref()) }
        })?;
        Ok(Postgres { client, conn: conn.clone() })
    }

    fn fail(&self, e: postgres::Error, what: &str) -> ConnectError {
        let name = self.conn.name.clone();
        let (message, code) = match e.as_db_error() {
            Some(d) => {
                let mut m = format!("{what}: {}", d.message());
                if let Some(h) = d.hint() {
                    m.push_str(&format!(" ({h})"));
                }
                (m, Some(d.code().clone()))
            }
            None => (format!("{what}: {e}"), None),
        };
        let message = redact(&message, self.conn.password.as_ref());
        match code {
            Some(c) if c == SqlState::UNDEFINED_TABLE || c == SqlState::INVALID_SCHEMA_NAME => ConnectError::Missing { name, message },
            Some(_) => ConnectError::Read { name, message },
            None => ConnectError::Connect { name, message },
        }
    }
}

fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn relation_sql(rel: &Relation) -> String {
    crate::database::relation_sql(rel, ident)
}

/// How a column travels: the type its values are decoded from on the wire, and the cast that
/// makes the server send it so.
#[derive(Clone, Copy)]
enum Wire {
    Bool,
    I16,
    I32,
    I64,
    F32,
    F64,
    Text,
    Bytes,
    Date,
    Ts,
    Time,
}

/// The column type, its wire form and the server-side cast for PostgreSQL type `ty`
/// (`typmod` from the catalog, when known).
fn map_type(ty: &Type, typmod: Option<i32>) -> (ColumnType, Wire, Option<&'static str>) {
    match *ty {
        Type::BOOL => (ColumnType::Bool, Wire::Bool, None),
        Type::INT2 => (ColumnType::Int16, Wire::I16, None),
        Type::INT4 => (ColumnType::Int32, Wire::I32, None),
        Type::INT8 => (ColumnType::Int64, Wire::I64, None),
        Type::OID => (ColumnType::Int64, Wire::I64, Some("int8")),
        Type::FLOAT4 => (ColumnType::Float32, Wire::F32, None),
        Type::FLOAT8 => (ColumnType::Float64, Wire::F64, None),
        Type::NUMERIC => match typmod.filter(|m| *m >= 4).map(|m| (((m - 4) >> 16) & 0xffff, (m - 4) & 0xffff)) {
            Some((p, s)) if (1..=38).contains(&p) && s <= p => {
                (ColumnType::Decimal { precision: p as u8, scale: s as i8 }, Wire::Text, Some("text"))
            }
            _ => (ColumnType::Float64, Wire::F64, Some("float8")),
        },
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => (ColumnType::Text, Wire::Text, None),
        Type::BYTEA => (ColumnType::Bytes, Wire::Bytes, None),
        Type::DATE => (ColumnType::Date, Wire::Date, None),
        Type::TIMESTAMP => (ColumnType::Timestamp, Wire::Ts, None),
        Type::TIMESTAMPTZ => (ColumnType::TimestampTz, Wire::Ts, None),
        Type::TIME => (ColumnType::Time, Wire::Time, None),
        // json, jsonb, uuid, arrays, intervals, enums, ranges, ...: their text form.
        _ => (ColumnType::Text, Wire::Text, Some("text")),
    }
}

fn wire_type(w: Wire) -> Type {
    match w {
        Wire::Bool => Type::BOOL,
        Wire::I16 => Type::INT2,
        Wire::I32 => Type::INT4,
        Wire::I64 => Type::INT8,
        Wire::F32 => Type::FLOAT4,
        Wire::F64 => Type::FLOAT8,
        Wire::Text => Type::TEXT,
        Wire::Bytes => Type::BYTEA,
        Wire::Date => Type::DATE,
        Wire::Ts => Type::TIMESTAMP,
        Wire::Time => Type::TIME,
    }
}

/// A date, timestamp or time as PostgreSQL sends it in binary: an offset from its epoch.
struct Raw(i64);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        match *ty {
            Type::DATE => {
                let d = i32::from_be_bytes(raw.try_into()?);
                if d == i32::MAX || d == i32::MIN {
                    return Err("an infinite date cannot be stored".into());
                }
                Ok(Raw(i64::from(d + PG_EPOCH_DAYS)))
            }
            _ => {
                let m = i64::from_be_bytes(raw.try_into()?);
                if *ty != Type::TIME && (m == i64::MAX || m == i64::MIN) {
                    return Err("an infinite timestamp cannot be stored".into());
                }
                if *ty == Type::TIME {
                    return Ok(Raw(m));
                }
                m.checked_add(PG_EPOCH_MICROS).map(Raw).ok_or_else(|| "a timestamp beyond what can be stored".into())
            }
        }
    }
    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::DATE | Type::TIMESTAMP | Type::TIMESTAMPTZ | Type::TIME)
    }
}

impl Postgres {
    /// Columns with their wire forms and casts.
    fn typed_columns(&mut self, rel: &Relation) -> Result<Vec<(RemoteColumn, Wire, Option<&'static str>)>, ConnectError> {
        let sql = format!("SELECT * FROM {} LIMIT 0", relation_sql(rel));
        let stmt = self.client.prepare(&sql).map_err(|e| self.fail(e, &format!("reading {}", rel.describe())))?;
        // A table's catalog has what a prepared statement does not: the type's full name
        // (`numeric(12,2)`, `character varying(20)`), shown as the column's source type.
        let mut catalog: Vec<(String, String, i32)> = Vec::new();
        if let Relation::Table { .. } = rel {
            let rows = self
                .client
                .query(
                    "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.atttypmod FROM pg_attribute a \
                     WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                    &[&relation_sql(rel)],
                )
                .map_err(|e| self.fail(e, &format!("reading the catalog of {}", rel.describe())))?;
            catalog = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
        }
        Ok(stmt
            .columns()
            .iter()
            .map(|c| {
                let cat = catalog.iter().find(|(n, _, _)| n == c.name());
                // The statement's own type modifier gives a query's numeric precision too.
                let typmod = Some(c.type_modifier()).filter(|m| *m >= 0).or(cat.map(|(_, _, m)| *m));
                let (ty, wire, cast) = map_type(c.type_(), typmod);
                let source_type = cat.map(|(_, t, _)| t.clone()).unwrap_or_else(|| c.type_().name().to_string());
                (RemoteColumn { name: c.name().to_string(), ty, source_type }, wire, cast)
            })
            .collect())
    }
}

impl Database for Postgres {
    fn version(&mut self) -> Result<String, ConnectError> {
        let row = self.client.query_one("SELECT version()", &[]).map_err(|e| self.fail(e, "asking the version"))?;
        Ok(row.get::<_, String>(0))
    }

    fn columns(&mut self, rel: &Relation) -> Result<Vec<RemoteColumn>, ConnectError> {
        Ok(self.typed_columns(rel)?.into_iter().map(|(c, _, _)| c).collect())
    }

    fn fetch(&mut self, rel: &Relation, columns: &[RemoteColumn], above: Option<&Above>, out: &mut BatchSink<'_>) -> Result<u64, ConnectError> {
        let all = self.typed_columns(rel)?;
        let mut wires = Vec::new();
        let mut select = Vec::new();
        for want in columns {
            let Some((c, wire, cast)) = all.iter().find(|(c, _, _)| c.name == want.name) else {
                return Err(ConnectError::Read { name: self.conn.name.clone(), message: format!("{} has no column '{}' any more", rel.describe(), want.name) });
            };
            if c.ty != want.ty {
                return Err(ConnectError::Read {
                    name: self.conn.name.clone(),
                    message: format!("column '{}' of {} changed type to {} since it was checked", c.name, rel.describe(), c.source_type),
                });
            }
            wires.push(*wire);
            select.push(match cast {
                Some(t) => format!("{}::{t}", ident(&c.name)),
                None => ident(&c.name),
            });
        }
        let mut sql = format!("SELECT {} FROM {}", select.join(", "), relation_sql(rel));
        if let Some(a) = above {
            let col = all.iter().find(|(c, _, _)| c.name == a.column).map(|(c, _, _)| c.ty);
            let literal = above_literal(&a.mark, col.is_some_and(ColumnType::is_numeric))
                .map_err(|m| ConnectError::Read { name: self.conn.name.clone(), message: m })?;
            sql.push_str(&format!(" WHERE {} > {literal}", ident(&a.column)));
        }
        let name = self.conn.name.clone();
        let password = self.conn.password.clone();
        let what = format!("reading {}", rel.describe());
        let map = |e: postgres::Error| {
            let message = match e.as_db_error() {
                Some(d) => format!("{what}: {}", d.message()),
                None => format!("{what}: {e}"),
            };
            ConnectError::Read { name: name.clone(), message: redact(&message, password.as_ref()) }
        };
        let mut tx = self.client.build_transaction().read_only(true).isolation_level(IsolationLevel::RepeatableRead).start().map_err(map)?;
        let reader = tx.copy_out(&format!("COPY ({sql}) TO STDOUT (FORMAT binary)")).map_err(map)?;
        let types: Vec<Type> = wires.iter().map(|w| wire_type(*w)).collect();
        let mut rows = BinaryCopyOutIter::new(reader, &types);
        let mut b = BatchBuilder::new(columns);
        let mut total = 0u64;
        let bad = |i: usize, row: u64, m: String| ConnectError::Read { name: name.clone(), message: format!("{what}: row {row}, column '{}': {m}", columns[i].name) };
        while let Some(row) = rows.next().map_err(map)? {
            for (i, w) in wires.iter().enumerate() {
                let v = match w {
                    Wire::Bool => row.try_get::<Option<bool>>(i).map(|v| v.map_or(Value::Null, Value::Bool)),
                    Wire::I16 => row.try_get::<Option<i16>>(i).map(|v| v.map_or(Value::Null, |x| Value::Int(x.into()))),
                    Wire::I32 => row.try_get::<Option<i32>>(i).map(|v| v.map_or(Value::Null, |x| Value::Int(x.into()))),
                    Wire::I64 => row.try_get::<Option<i64>>(i).map(|v| v.map_or(Value::Null, Value::Int)),
                    Wire::F32 => row.try_get::<Option<f32>>(i).map(|v| v.map_or(Value::Null, |x| Value::Float(x.into()))),
                    Wire::F64 => row.try_get::<Option<f64>>(i).map(|v| v.map_or(Value::Null, Value::Float)),
                    Wire::Text => row.try_get::<Option<&str>>(i).map(|v| v.map_or(Value::Null, Value::Text)),
                    Wire::Bytes => row.try_get::<Option<&[u8]>>(i).map(|v| v.map_or(Value::Null, Value::Bytes)),
                    Wire::Date => row.try_get::<Option<Raw>>(i).map(|v| v.map_or(Value::Null, |r| Value::Date(r.0 as i32))),
                    Wire::Ts => row.try_get::<Option<Raw>>(i).map(|v| v.map_or(Value::Null, |r| Value::Micros(r.0))),
                    Wire::Time => row.try_get::<Option<Raw>>(i).map(|v| v.map_or(Value::Null, |r| Value::TimeMicros(r.0))),
                }
                .map_err(|e| bad(i, total + 1, e.to_string()))?;
                b.push(i, v).map_err(|m| bad(i, total + 1, m))?;
            }
            b.end_row();
            total += 1;
            if b.rows() >= BATCH_ROWS {
                out(b.finish()).map_err(|m| ConnectError::Read { name: name.clone(), message: format!("{what}: {m}") })?;
            }
        }
        if b.rows() > 0 || total == 0 {
            out(b.finish()).map_err(|m| ConnectError::Read { name: name.clone(), message: format!("{what}: {m}") })?;
        }
        drop(rows);
        tx.commit().map_err(map)?;
        Ok(total)
    }

    fn probe(&mut self, rel: &Relation, cursor: &str) -> Result<String, ConnectError> {
        let sql = format!("SELECT count(*)::text || ' ' || coalesce(max({})::text, '') FROM {}", ident(cursor), relation_sql(rel));
        let row = self.client.query_one(&sql, &[]).map_err(|e| self.fail(e, &format!("probing {}", rel.describe())))?;
        Ok(row.get::<_, String>(0))
    }

    fn write(&mut self, t: &TableWrite<'_>, rows: &mut dyn Iterator<Item = arrow::record_batch::RecordBatch>) -> Result<u64, ConnectError> {
        use std::io::Write as _;
        let target = pg_write::target_sql(t);
        let name = self.conn.name.clone();
        let password = self.conn.password.clone();
        let what = format!("writing {target}");
        let fail = |message: String| ConnectError::Write { name: name.clone(), message: redact(&format!("{what}: {message}"), password.as_ref()) };
        let db = |e: postgres::Error| match e.as_db_error() {
            Some(d) => fail(d.message().to_string()),
            None => fail(e.to_string()),
        };
        let mut tx = self.client.transaction().map_err(db)?;
        let exists: bool = tx.query_one("SELECT to_regclass($1) IS NOT NULL", &[&target]).map_err(db)?.get(0);
        let same_columns = exists && {
            let rows = tx
                .query(
                    "SELECT attname::text FROM pg_attribute WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                    &[&target],
                )
                .map_err(db)?;
            let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
            names.iter().eq(t.columns.iter().map(|(n, _)| n))
        };
        let defs = |cols: &mut dyn Iterator<Item = &(String, String)>| {
            cols.map(|(n, ty)| format!("{} {}", pg_write::ident(n), pg_write::pg_type(ty))).collect::<Vec<_>>().join(", ")
        };
        let load = |tx: &mut postgres::Transaction<'_>, table: &str, columns: String, batches: &mut dyn Iterator<Item = arrow::record_batch::RecordBatch>| -> Result<u64, ConnectError> {
            tx.batch_execute(&format!("CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")).map_err(db)?;
            let mut w = tx.copy_in(&format!("COPY {table} FROM STDIN (FORMAT text)")).map_err(db)?;
            let mut buf = Vec::new();
            let mut n = 0u64;
            for batch in batches {
                buf.clear();
                pg_write::copy_text(&batch, &mut buf).map_err(&fail)?;
                w.write_all(&buf).map_err(|e| fail(e.to_string()))?;
                n += batch.num_rows() as u64;
            }
            w.finish().map_err(db)?;
            Ok(n)
        };
        let n = load(&mut tx, "__sluice_rows", defs(&mut t.columns.iter()), rows)?;
        for (i, (key, batches)) in t.deleted.iter().enumerate() {
            let cols: Vec<(String, String)> =
                key.iter().map(|k| t.columns.iter().find(|(n, _)| n == k).cloned().unwrap_or((k.clone(), "VARCHAR".into()))).collect();
            load(&mut tx, &format!("__sluice_deleted_{i}"), defs(&mut cols.iter()), &mut batches.iter().cloned())?;
        }
        for sql in pg_write::apply_sql(t, exists, same_columns) {
            tx.batch_execute(&sql).map_err(db)?;
        }
        tx.commit().map_err(db)?;
        Ok(n)
    }

    fn tables(&mut self) -> Result<Vec<TableInfo>, ConnectError> {
        let rows = self
            .client
            .query(
                "SELECT table_schema::text, table_name::text, CASE WHEN table_type = 'VIEW' THEN 'view' ELSE 'table' END \
                 FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') \
                 ORDER BY 1, 2",
                &[],
            )
            .map_err(|e| self.fail(e, "listing tables"))?;
        Ok(rows.iter().map(|r| TableInfo { schema: Some(r.get(0)), name: r.get(1), kind: r.get(2) }).collect())
    }
}
