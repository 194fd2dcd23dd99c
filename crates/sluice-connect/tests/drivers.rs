//! The database drivers against real servers: the throwaway PostgreSQL and MariaDB of
//! `scripts/servers.sh` (which `scripts/test.sh` starts) and SQLite files made here. Each test
//! loads generated rows of mixed types (NULLs in every column, quotes, non-ASCII and empty text,
//! decimals, doubles, dates, times) into tables of its own, reads them back through a named
//! connection and compares every value with what was written, both rendered as text.
//!
//! The tests are in a module named `drivers`, so `cargo test -- drivers` runs them all.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Time64MicrosecondType, TimeUnit,
    TimestampMicrosecondType,
};
use sluice_connect::{database, Above, ColumnType, ConnectError, Connections, Database, RemoteColumn};
use sluice_core::remote::Relation;

const ROWS: i64 = 5_000;
const MICROS_PER_DAY: i64 = 86_400_000_000;

// ---------------------------------------------------------------------------------------------
// Servers and connections

/// A variable of the test servers' environment; its absence fails the test, saying what to do.
fn env(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| panic!("{var} is not set: start the test servers: scripts/servers.sh start DIR; source DIR/env"))
}

fn pg_server() -> (String, String) {
    (env("SLUICE_TEST_PG_URL"), env("SLUICE_TEST_PG_PASSWORD"))
}

fn mysql_server() -> (String, String) {
    (env("SLUICE_TEST_MYSQL_URL"), env("SLUICE_TEST_MYSQL_PASSWORD"))
}

/// Open connection `name` defined as a user would: `SLUICE_CONN_<NAME>_URL` and `_PASSWORD`,
/// beside an (absent) connections file.
fn connect(name: &str, url: &str, password: &str) -> Result<Box<dyn Database>, ConnectError> {
    let dir = tempfile::tempdir().unwrap();
    let upper = name.to_ascii_uppercase();
    let vars = vec![(format!("SLUICE_CONN_{upper}_URL"), url.to_string()), (format!("SLUICE_CONN_{upper}_PASSWORD"), password.to_string())];
    let conns = Connections::load_from(&dir.path().join("connections.json"), vars)?;
    database::open(&conns.resolve(name)?)
}

/// A table name no other test (nor another run at the same time) uses.
fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

fn pg_client() -> postgres::Client {
    let (url, password) = pg_server();
    let mut cfg: postgres::Config = url.parse().unwrap();
    cfg.password(password);
    cfg.connect(postgres::NoTls).unwrap()
}

fn mysql_client() -> mysql::Conn {
    let (url, password) = mysql_server();
    let opts = mysql::OptsBuilder::from_opts(mysql::Opts::from_url(&url).unwrap()).pass(Some(password)).prefer_socket(false);
    mysql::Conn::new(opts).unwrap()
}

fn table(name: &str) -> Relation {
    Relation::Table { schema: None, table: name.to_string() }
}

/// A TCP port of 127.0.0.1 nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------------
// Reading back, rendered as text

/// Every row of `rel` (above `above`), each value rendered by [`cell`], sorted by the first
/// column (a number); and the number of batches.
fn read(db: &mut dyn Database, rel: &Relation, above: Option<&Above>) -> (Vec<RemoteColumn>, Vec<Vec<String>>, usize) {
    let columns = db.columns(rel).unwrap();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut batches = 0;
    let n = db
        .fetch(rel, &columns, above, &mut |b| {
            batches += 1;
            assert_eq!(b.num_columns(), columns.len());
            for i in 0..b.num_rows() {
                rows.push(b.columns().iter().map(|a| cell(a, i)).collect());
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(n as usize, rows.len());
    rows.sort_by_key(|r| r[0].parse::<i64>().unwrap());
    (columns, rows, batches)
}

const NULL: &str = "∅";

fn cell(a: &ArrayRef, i: usize) -> String {
    if a.is_null(i) {
        return NULL.into();
    }
    match a.data_type() {
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).to_string(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Float32 => format!("{:?}", a.as_primitive::<Float32Type>().value(i)),
        DataType::Float64 => format!("{:?}", a.as_primitive::<Float64Type>().value(i)),
        DataType::Decimal128(_, s) => decimal_text(a.as_primitive::<Decimal128Type>().value(i), *s),
        DataType::Utf8 => a.as_string::<i32>().value(i).to_string(),
        DataType::Binary => hex(a.as_binary::<i32>().value(i)),
        DataType::Date32 => date_text(a.as_primitive::<Date32Type>().value(i).into()),
        DataType::Timestamp(TimeUnit::Microsecond, _) => ts_text(a.as_primitive::<TimestampMicrosecondType>().value(i)),
        DataType::Time64(TimeUnit::Microsecond) => time_text(a.as_primitive::<Time64MicrosecondType>().value(i)),
        other => panic!("unexpected Arrow type {other}"),
    }
}

fn decimal_text(v: i128, scale: i8) -> String {
    let digits = v.unsigned_abs().to_string();
    let sign = if v < 0 { "-" } else { "" };
    if scale <= 0 {
        return format!("{sign}{digits}");
    }
    let s = scale as usize;
    let digits = format!("{digits:0>width$}", width = s + 1);
    let (int, frac) = digits.split_at(digits.len() - s);
    format!("{sign}{int}.{frac}")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The civil date of a day count since 1970-01-01.
fn civil(days: i64) -> (i64, u32, u32) {
    sluice_core::civil::civil_date(days)
}

fn date_text(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn time_text(micros: i64) -> String {
    let s = micros / 1_000_000;
    format!("{:02}:{:02}:{:02}.{:06}", s / 3600, s / 60 % 60, s % 60, micros % 1_000_000)
}

fn ts_text(micros: i64) -> String {
    format!("{} {}", date_text(micros.div_euclid(MICROS_PER_DAY)), time_text(micros.rem_euclid(MICROS_PER_DAY)))
}

/// Expected and read rows side by side: every value, naming the row and column that differ.
fn assert_rows(what: &str, columns: &[RemoteColumn], expected: &[Vec<String>], actual: &[Vec<String>]) {
    assert_eq!(expected.len(), actual.len(), "{what}: row count");
    for (e, a) in expected.iter().zip(actual) {
        assert_eq!(e.len(), a.len(), "{what}: columns of row id {}", e[0]);
        for (k, (x, y)) in e.iter().zip(a).enumerate() {
            assert_eq!(x, y, "{what}: row id {}, column '{}'", e[0], columns[k].name);
        }
    }
}

/// More rows than one batch holds arrive in several, every row once.
const MANY: i64 = 40_000;

fn assert_batched(db: &mut dyn Database, rel: &Relation) {
    let (_, rows, batches) = read(db, rel, None);
    assert_eq!(batches, 2, "{MANY} rows come in two batches");
    let ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(ids, (1..=MANY).collect::<Vec<_>>());
}

/// `(1), (2), ... (MANY)`, for an INSERT.
fn many_values() -> String {
    (1..=MANY).map(|i| format!("({i})")).collect::<Vec<_>>().join(",")
}

fn types(columns: &[RemoteColumn]) -> Vec<(&str, ColumnType)> {
    columns.iter().map(|c| (c.name.as_str(), c.ty)).collect()
}

// ---------------------------------------------------------------------------------------------
// Generated rows

const NAMES: [&str; 11] = [
    "Ana",
    "Zoë \"Z\" Øster",
    "O'Brien, Pat",
    "李雷",
    "",
    "back\\slash",
    "tab\there\nnew line",
    "emoji 🎉",
    "  padded  ",
    "NULL",
    "100% _sure_",
];

/// One generated row; which of its values are NULL is [`Row::null`]'s choice.
struct Row {
    id: i64,
    r: u64,
    int: i64,
    cents: i64,
    ratio: f64,
    name: String,
    flag: bool,
    day: i64,
    at: i64,
    clock: i64,
    bytes: Vec<u8>,
}

impl Row {
    /// Column number `k` (1 to 16) of this row is NULL: about one row in 17 for each.
    fn null(&self, k: u64) -> bool {
        self.r % 17 == k
    }
}

fn rows(n: i64, seed: u64) -> Vec<Row> {
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    let mut next = move || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        x >> 17
    };
    (1..=n)
        .map(|id| {
            let r = next();
            let sign = if r % 3 == 0 { -1 } else { 1 };
            Row {
                id,
                r,
                int: sign * (next() % 2_000_000_000) as i64,
                cents: sign * (next() % 100_000_000_000) as i64,
                ratio: sign as f64 * (next() % 1_000_000_000) as f64 / 7.0,
                name: format!("{}{}", NAMES[(next() % NAMES.len() as u64) as usize], if id % 2 == 0 { format!(" {id}") } else { String::new() }),
                flag: next() % 2 == 0,
                // 1990-01-01 to about 2030.
                day: 7_305 + (next() % 14_600) as i64,
                // 2000-01-01 to about 2030, to the microsecond (TIMESTAMP ends in 2038).
                at: 946_684_800_000_000 + (next() % (30 * 365 * MICROS_PER_DAY as u64)) as i64,
                clock: (next() % MICROS_PER_DAY as u64) as i64,
                bytes: (0..(next() % 9)).map(|_| (next() % 256) as u8).collect(),
            }
        })
        .collect()
}

fn or_null(null: bool, v: impl FnOnce() -> String) -> String {
    if null {
        NULL.into()
    } else {
        v()
    }
}

/// Write `rows` into `table` in multi-row INSERTs of `values`, a row's SQL literals.
fn inserts(table: &str, columns: &str, rows: &[Row], values: impl Fn(&Row) -> String) -> Vec<String> {
    rows.chunks(500)
        .map(|chunk| {
            let v: Vec<String> = chunk.iter().map(|r| format!("({})", values(r))).collect();
            format!("INSERT INTO {table} ({columns}) VALUES {}", v.join(",\n"))
        })
        .collect()
}

fn lit_or_null(null: bool, v: impl FnOnce() -> String) -> String {
    if null {
        "NULL".into()
    } else {
        v()
    }
}

/// Test modules: `cargo test -- drivers` selects them all.
mod drivers {
    use super::*;

    // -----------------------------------------------------------------------------------------
    // PostgreSQL

    fn pg_str(s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    const PG_COLUMNS: &str = "id, small, num, amount, ratio, name, flag, day, at, atz, doc, uid, loose, tag, raw, clock";

    /// A table of every kind of PostgreSQL column the driver maps, with `n` generated rows.
    fn pg_table(client: &mut postgres::Client, n: i64) -> (String, Vec<Row>) {
        let t = unique("drivers_pg");
        client
            .batch_execute(&format!(
                "CREATE TABLE {t} (id bigint PRIMARY KEY, small smallint, num integer, amount numeric(12,2), ratio double precision, \
                 name text, flag boolean, day date, at timestamp, atz timestamptz, doc jsonb, uid uuid, loose numeric, \
                 tag varchar(40), raw bytea, clock time)"
            ))
            .unwrap();
        let data = rows(n, 7);
        for sql in inserts(&t, PG_COLUMNS, &data, |r| {
            [
                r.id.to_string(),
                lit_or_null(r.null(1), || (r.int % 30_000).to_string()),
                lit_or_null(r.null(2), || (r.int / 2).to_string()),
                lit_or_null(r.null(3), || decimal_text(r.cents.into(), 2)),
                lit_or_null(r.null(4), || format!("{:?}", r.ratio)),
                lit_or_null(r.null(5), || pg_str(&r.name)),
                lit_or_null(r.null(6), || r.flag.to_string()),
                lit_or_null(r.null(7), || pg_str(&date_text(r.day))),
                lit_or_null(r.null(8), || pg_str(&ts_text(r.at))),
                // Written with an offset of +02: read back in UTC.
                lit_or_null(r.null(9), || pg_str(&format!("{}+02", ts_text(r.at)))),
                lit_or_null(r.null(10), || pg_str(&format!("{{\"k\": {}}}", r.id))),
                lit_or_null(r.null(11), || pg_str(&format!("00000000-0000-4000-8000-{:012x}", r.id))),
                lit_or_null(r.null(12), || format!("{}.25", r.int)),
                lit_or_null(r.null(13), || pg_str(&r.name.chars().take(40).collect::<String>())),
                lit_or_null(r.null(14), || format!("'\\x{}'::bytea", hex(&r.bytes))),
                lit_or_null(r.null(15), || pg_str(&time_text(r.clock))),
            ]
            .join(", ")
        }) {
            client.batch_execute(&sql).unwrap();
        }
        (t, data)
    }

    fn pg_expected(r: &Row) -> Vec<String> {
        vec![
            r.id.to_string(),
            or_null(r.null(1), || (r.int % 30_000).to_string()),
            or_null(r.null(2), || (r.int / 2).to_string()),
            or_null(r.null(3), || decimal_text(r.cents.into(), 2)),
            or_null(r.null(4), || format!("{:?}", r.ratio)),
            or_null(r.null(5), || r.name.clone()),
            or_null(r.null(6), || r.flag.to_string()),
            or_null(r.null(7), || date_text(r.day)),
            or_null(r.null(8), || ts_text(r.at)),
            or_null(r.null(9), || ts_text(r.at - 2 * 3_600_000_000)),
            or_null(r.null(10), || format!("{{\"k\": {}}}", r.id)),
            or_null(r.null(11), || format!("00000000-0000-4000-8000-{:012x}", r.id)),
            or_null(r.null(12), || format!("{:?}", r.int as f64 + if r.int < 0 { -0.25 } else { 0.25 })),
            or_null(r.null(13), || r.name.chars().take(40).collect()),
            or_null(r.null(14), || hex(&r.bytes)),
            or_null(r.null(15), || time_text(r.clock)),
        ]
    }

    fn pg_connect() -> Box<dyn Database> {
        let (url, password) = pg_server();
        connect("pgtest", &url, &password).unwrap()
    }

    #[test]
    fn postgres_reads_every_value_as_written() {
        let mut client = pg_client();
        let (t, data) = pg_table(&mut client, ROWS);
        let mut db = pg_connect();
        assert!(db.version().unwrap().starts_with("PostgreSQL"));
        let (columns, actual, _) = read(db.as_mut(), &table(&t), None);
        let dec = |precision, scale| ColumnType::Decimal { precision, scale };
        assert_eq!(
            types(&columns),
            [
                ("id", ColumnType::Int64),
                ("small", ColumnType::Int16),
                ("num", ColumnType::Int32),
                ("amount", dec(12, 2)),
                ("ratio", ColumnType::Float64),
                ("name", ColumnType::Text),
                ("flag", ColumnType::Bool),
                ("day", ColumnType::Date),
                ("at", ColumnType::Timestamp),
                ("atz", ColumnType::TimestampTz),
                ("doc", ColumnType::Text),
                ("uid", ColumnType::Text),
                ("loose", ColumnType::Float64),
                ("tag", ColumnType::Text),
                ("raw", ColumnType::Bytes),
                ("clock", ColumnType::Time),
            ]
        );
        assert_eq!(columns[3].source_type, "numeric(12,2)");
        let expected: Vec<Vec<String>> = data.iter().map(pg_expected).collect();
        assert_rows(&t, &columns, &expected, &actual);
        // A query's columns and rows, through the same path.
        let q = Relation::Query(format!("SELECT id, name, doc FROM {t} WHERE id <= 100"));
        let (qc, qrows, _) = read(db.as_mut(), &q, None);
        assert_eq!(types(&qc), [("id", ColumnType::Int64), ("name", ColumnType::Text), ("doc", ColumnType::Text)]);
        assert_eq!(qrows.len(), 100);
        assert_eq!(qrows[41], [&expected[41][0], &expected[41][5], &expected[41][10]].map(String::clone));
    }

    #[test]
    fn postgres_reads_above_the_mark_probes_and_lists() {
        let mut client = pg_client();
        let (t, data) = pg_table(&mut client, 300);
        client.batch_execute(&format!("CREATE VIEW {t}_v AS SELECT id, name FROM {t}")).unwrap();
        let mut db = pg_connect();
        let rel = table(&t);
        let above = Above { column: "id".into(), mark: "250".into() };
        let (columns, rows, _) = read(db.as_mut(), &rel, Some(&above));
        let expected: Vec<Vec<String>> = data.iter().filter(|r| r.id > 250).map(pg_expected).collect();
        assert_rows(&t, &columns, &expected, &rows);
        // A timestamp cursor: the mark is compared as a timestamp, not as text.
        let mark = data[10].at;
        let above = Above { column: "at".into(), mark: ts_text(mark) };
        let (_, rows, _) = read(db.as_mut(), &rel, Some(&above));
        let expected: Vec<Vec<String>> = data.iter().filter(|r| !r.null(8) && r.at > mark).map(pg_expected).collect();
        assert_rows(&t, &columns, &expected, &rows);
        // Nothing above the mark: no rows, and one empty batch that carries the columns.
        let (_, rows, batches) = read(db.as_mut(), &rel, Some(&Above { column: "id".into(), mark: "1000000".into() }));
        assert_eq!((rows.len(), batches), (0, 1));

        let p0 = db.probe(&rel, "id").unwrap();
        assert_eq!(p0, "300 300");
        client.batch_execute(&format!("INSERT INTO {t} (id) VALUES (301)")).unwrap();
        let p1 = db.probe(&rel, "id").unwrap();
        client.batch_execute(&format!("DELETE FROM {t} WHERE id = 5")).unwrap();
        let p2 = db.probe(&rel, "id").unwrap();
        assert_eq!((p1.as_str(), p2.as_str()), ("301 301", "300 301"));

        let tables = db.tables().unwrap();
        let find = |name: &str| tables.iter().find(|x| x.name == name).map(|x| (x.schema.clone(), x.kind.clone()));
        assert_eq!(find(&t), Some((Some("public".into()), "table".into())));
        assert_eq!(find(&format!("{t}_v")), Some((Some("public".into()), "view".into())));

        client.batch_execute(&format!("CREATE TABLE {t}_many (id bigint); INSERT INTO {t}_many VALUES {}", many_values())).unwrap();
        assert_batched(db.as_mut(), &table(&format!("{t}_many")));
    }

    #[test]
    fn postgres_errors_name_the_connection_and_never_the_password() {
        let (url, _) = pg_server();
        let wrong = "Wr0ng-pg-S3cret";
        let e = connect("pgbad", &url, wrong).err().expect("a wrong password is refused");
        assert_eq!(e.code(), "N010", "{e}");
        let text = e.to_string();
        assert!(text.contains("connection 'pgbad'") && !text.contains(wrong), "{text}");

        let port = closed_port();
        let e = connect("pgdown", &format!("postgres://sluice@127.0.0.1:{port}/sluice_test"), "x").err().expect("nothing listens");
        assert_eq!(e.code(), "N010", "{e}");
        assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");

        let mut db = pg_connect();
        let e = db.columns(&table("no_such_table_anywhere")).unwrap_err();
        assert!(matches!(e, ConnectError::Missing { .. }) && e.code() == "N011", "{e}");
        assert!(e.to_string().contains("connection 'pgtest'"), "{e}");
    }

    // -----------------------------------------------------------------------------------------
    // MySQL / MariaDB

    fn my_str(s: &str) -> String {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
    }

    /// Text a latin1 column holds.
    fn latin1(s: &str) -> String {
        if s.chars().all(|c| (c as u32) < 256) {
            s.to_string()
        } else {
            "plain".into()
        }
    }

    const MY_COLUMNS: &str =
        "id, tiny, flag, small, usmall, mid, num, unum, big, ubig, amount, wide, f, ratio, name, legacy, body, kind, doc, raw, bin, day, at, ts, clock, yr, bits, pt";

    fn my_row_values(r: &Row) -> [String; 28] {
        let ubig = if r.id % 5 == 0 { u64::MAX } else { r.r };
        [
            r.id.to_string(),
            lit_or_null(r.null(1), || (r.int % 128).to_string()),
            lit_or_null(r.null(2), || i64::from(r.flag).to_string()),
            lit_or_null(r.null(3), || (r.int % 32_768).to_string()),
            lit_or_null(r.null(4), || if r.id % 7 == 0 { "65535".into() } else { (r.int.abs() % 65_536).to_string() }),
            lit_or_null(r.null(5), || (r.int % 8_388_608).to_string()),
            lit_or_null(r.null(6), || r.int.to_string()),
            lit_or_null(r.null(7), || if r.id % 7 == 1 { "4294967295".into() } else { r.int.abs().to_string() }),
            lit_or_null(r.null(8), || (r.int * 4_611_686).to_string()),
            lit_or_null(r.null(9), || ubig.to_string()),
            lit_or_null(r.null(10), || decimal_text(r.cents.into(), 2)),
            lit_or_null(r.null(11), || format!("{}.125", r.int)),
            lit_or_null(r.null(12), || format!("{:?}", (r.int % 10_000) as f32 / 4.0)),
            lit_or_null(r.null(13), || format!("{:?}", r.ratio)),
            lit_or_null(r.null(14), || my_str(&r.name)),
            lit_or_null(r.null(15), || my_str(&latin1(&r.name))),
            lit_or_null(r.null(16), || my_str(&format!("{}\n{}", r.name, r.name))),
            lit_or_null(r.null(1) && r.id % 2 == 0, || my_str(["a", "b", "c"][(r.r % 3) as usize])),
            lit_or_null(r.null(2) && r.id % 2 == 1, || my_str(&format!("{{\"k\": {}}}", r.id))),
            lit_or_null(r.null(3) && r.id % 2 == 0, || format!("X'{}'", hex(&r.bytes))),
            lit_or_null(r.null(4) && r.id % 2 == 1, || format!("X'{}'", hex(&r.bytes))),
            lit_or_null(r.null(5) && r.id % 2 == 0, || my_str(&date_text(r.day))),
            lit_or_null(r.null(6) && r.id % 2 == 1, || my_str(&ts_text(r.at))),
            // Written in a session at +02:00: stored, and read back, in UTC.
            lit_or_null(r.null(7) && r.id % 2 == 0, || my_str(&ts_text(r.at))),
            lit_or_null(r.null(8) && r.id % 2 == 1, || my_str(&time_text(r.clock))),
            lit_or_null(r.null(9) && r.id % 2 == 0, || (1901 + r.r % 255).to_string()),
            lit_or_null(r.null(10) && r.id % 2 == 1, || (r.r % 4096).to_string()),
            lit_or_null(r.null(11) && r.id % 2 == 0, || format!("POINT({}, 2)", r.id)),
        ]
    }

    fn my_expected(r: &Row) -> Vec<String> {
        let v = my_row_values(r);
        let ubig = if r.id % 5 == 0 { u64::MAX } else { r.r };
        let plain = |k: usize| if v[k] == "NULL" { NULL.to_string() } else { v[k].clone() };
        let text = |k: usize, s: String| if v[k] == "NULL" { NULL.to_string() } else { s };
        vec![
            plain(0),
            plain(1),
            plain(2),
            plain(3),
            plain(4),
            plain(5),
            plain(6),
            plain(7),
            plain(8),
            text(9, ubig.to_string()),
            plain(10),
            text(11, format!("{:?}", r.int as f64 + if r.int < 0 { -0.125 } else { 0.125 })),
            plain(12),
            plain(13),
            text(14, r.name.clone()),
            text(15, latin1(&r.name)),
            text(16, format!("{}\n{}", r.name, r.name)),
            text(17, ["a", "b", "c"][(r.r % 3) as usize].to_string()),
            text(18, format!("{{\"k\": {}}}", r.id)),
            text(19, hex(&r.bytes)),
            text(20, hex(&r.bytes)),
            text(21, date_text(r.day)),
            text(22, ts_text(r.at)),
            text(23, ts_text(r.at - 2 * 3_600_000_000)),
            text(24, time_text(r.clock)),
            plain(25),
            plain(26),
            text(27, format!("POINT({} 2)", r.id)),
        ]
    }

    fn my_table(client: &mut mysql::Conn, n: i64) -> (String, Vec<Row>) {
        use mysql::prelude::Queryable;
        let t = unique("drivers_my");
        client
            .query_drop(format!(
                "CREATE TABLE {t} (id BIGINT PRIMARY KEY, tiny TINYINT, flag TINYINT(1), small SMALLINT, usmall SMALLINT UNSIGNED, \
                 mid MEDIUMINT, num INT, unum INT UNSIGNED, big BIGINT, ubig BIGINT UNSIGNED, amount DECIMAL(12,2), \
                 wide DECIMAL(50,10), f FLOAT, ratio DOUBLE, name VARCHAR(100), legacy VARCHAR(100) CHARACTER SET latin1, \
                 body TEXT, kind ENUM('a','b','c'), doc JSON, raw VARBINARY(16), bin BLOB, day DATE, at DATETIME(6), \
                 ts TIMESTAMP(6) NULL, clock TIME(6), yr YEAR, bits BIT(12), pt POINT) DEFAULT CHARSET=utf8mb4"
            ))
            .unwrap();
        client.query_drop("SET time_zone = '+02:00'").unwrap();
        let data = rows(n, 11);
        for sql in inserts(&t, MY_COLUMNS, &data, |r| my_row_values(r).join(", ")) {
            client.query_drop(sql).unwrap();
        }
        (t, data)
    }

    fn my_connect() -> Box<dyn Database> {
        let (url, password) = mysql_server();
        connect("mytest", &url, &password).unwrap()
    }

    #[test]
    fn mysql_reads_every_value_as_written() {
        let mut client = mysql_client();
        let (t, data) = my_table(&mut client, ROWS);
        let mut db = my_connect();
        assert!(db.version().unwrap().starts_with("MariaDB "), "{}", db.version().unwrap());
        let (columns, actual, batches) = read(db.as_mut(), &table(&t), None);
        assert_eq!(batches, 1);
        let dec = |precision, scale| ColumnType::Decimal { precision, scale };
        use ColumnType::*;
        assert_eq!(
            types(&columns),
            [
                ("id", Int64),
                ("tiny", Int16),
                ("flag", Int16),
                ("small", Int16),
                ("usmall", Int32),
                ("mid", Int32),
                ("num", Int32),
                ("unum", Int64),
                ("big", Int64),
                ("ubig", dec(20, 0)),
                ("amount", dec(12, 2)),
                ("wide", Float64),
                ("f", Float32),
                ("ratio", Float64),
                ("name", Text),
                ("legacy", Text),
                ("body", Text),
                ("kind", Text),
                ("doc", Text),
                ("raw", Bytes),
                ("bin", Bytes),
                ("day", Date),
                ("at", Timestamp),
                ("ts", Timestamp),
                ("clock", Time),
                ("yr", Int16),
                ("bits", Int64),
                ("pt", Text),
            ]
        );
        assert_eq!(columns[2].source_type, "tinyint(1)");
        assert_eq!(columns[10].source_type, "decimal(12,2)");
        let expected: Vec<Vec<String>> = data.iter().map(my_expected).collect();
        assert_rows(&t, &columns, &expected, &actual);
        // A query: types from the result's metadata alone.
        let q = Relation::Query(format!("SELECT id, amount, ubig, amount * 2 AS twice, name FROM {t} WHERE id <= 100 -- comment"));
        let (qc, qrows, _) = read(db.as_mut(), &q, None);
        assert_eq!(types(&qc), [("id", Int64), ("amount", dec(12, 2)), ("ubig", dec(20, 0)), ("twice", dec(13, 2)), ("name", Text)]);
        assert_eq!(qrows.len(), 100);
        assert_eq!(qrows[41][1], expected[41][10]);
    }

    #[test]
    fn mysql_reads_above_the_mark_probes_and_lists() {
        use mysql::prelude::Queryable;
        let mut client = mysql_client();
        let (t, data) = my_table(&mut client, 300);
        client.query_drop(format!("CREATE VIEW {t}_v AS SELECT id, name FROM {t}")).unwrap();
        let mut db = my_connect();
        let rel = table(&t);
        let (columns, rows, _) = read(db.as_mut(), &rel, Some(&Above { column: "id".into(), mark: "250".into() }));
        let expected: Vec<Vec<String>> = data.iter().filter(|r| r.id > 250).map(my_expected).collect();
        assert_rows(&t, &columns, &expected, &rows);
        let mark = data[10].at;
        let (_, rows, _) = read(db.as_mut(), &rel, Some(&Above { column: "at".into(), mark: ts_text(mark) }));
        let expected: Vec<Vec<String>> = data.iter().filter(|r| !(r.null(6) && r.id % 2 == 1) && r.at > mark).map(my_expected).collect();
        assert_rows(&t, &columns, &expected, &rows);
        let (_, rows, batches) = read(db.as_mut(), &rel, Some(&Above { column: "id".into(), mark: "1000000".into() }));
        assert_eq!((rows.len(), batches), (0, 1));
        assert!(db.fetch(&rel, &columns, Some(&Above { column: "id".into(), mark: "1; DROP TABLE x".into() }), &mut |_| Ok(())).is_err());

        assert_eq!(db.probe(&rel, "id").unwrap(), "300 300");
        client.query_drop(format!("INSERT INTO {t} (id) VALUES (301)")).unwrap();
        let p1 = db.probe(&rel, "id").unwrap();
        client.query_drop(format!("DELETE FROM {t} WHERE id = 5")).unwrap();
        let p2 = db.probe(&rel, "id").unwrap();
        assert_eq!((p1.as_str(), p2.as_str()), ("301 301", "300 301"));

        let tables = db.tables().unwrap();
        let find = |name: &str| tables.iter().find(|x| x.name == name).map(|x| (x.schema.clone(), x.kind.clone()));
        assert_eq!(find(&t), Some((Some("sluice_test".into()), "table".into())));
        assert_eq!(find(&format!("{t}_v")), Some((Some("sluice_test".into()), "view".into())));

        client.query_drop(format!("CREATE TABLE {t}_many (id BIGINT); INSERT INTO {t}_many VALUES {}", many_values())).unwrap();
        assert_batched(db.as_mut(), &table(&format!("{t}_many")));
    }

    #[test]
    fn mysql_zero_dates_and_long_durations_fail_naming_row_and_column() {
        use mysql::prelude::Queryable;
        let mut client = mysql_client();
        let t = unique("drivers_my_bad");
        client
            .query_drop(format!(
                "CREATE TABLE {t} (id INT PRIMARY KEY, day DATE, span TIME); \
                 INSERT INTO {t} VALUES (1, '2024-01-31', '10:00:00'), (2, '0000-00-00', '10:00:00'), (3, '2024-02-01', '30:00:00')"
            ))
            .unwrap();
        let mut db = my_connect();
        let rel = table(&t);
        let columns = db.columns(&rel).unwrap();
        let e = db.fetch(&rel, &columns[..2], None, &mut |_| Ok(())).unwrap_err();
        assert_eq!(e.code(), "N012", "{e}");
        assert!(e.to_string().contains("row 2, column 'day'") && e.to_string().contains("zero date"), "{e}");
        let e = db.fetch(&rel, &[columns[0].clone(), columns[2].clone()], None, &mut |_| Ok(())).unwrap_err();
        assert!(e.to_string().contains("row 3, column 'span'") && e.to_string().contains("30:00:00"), "{e}");
        // The way out the message names: a query that turns zero dates into NULL.
        let q = Relation::Query(format!("SELECT id, NULLIF(day, 0) AS day FROM {t}"));
        let (_, rows, _) = read(db.as_mut(), &q, None);
        assert_eq!(rows[1], ["2", NULL]);
        // The connection is usable after a failed read (its transaction was ended).
        assert_eq!(db.probe(&rel, "id").unwrap(), "3 3");
    }

    #[test]
    fn mysql_errors_name_the_connection_and_never_the_password() {
        let (url, _) = mysql_server();
        let wrong = "Wr0ng-my-S3cret";
        let e = connect("mybad", &url, wrong).err().expect("a wrong password is refused");
        assert_eq!(e.code(), "N010", "{e}");
        let text = e.to_string();
        assert!(text.contains("connection 'mybad'") && !text.contains(wrong), "{text}");

        let port = closed_port();
        let e = connect("mydown", &format!("mysql://sluice@127.0.0.1:{port}/sluice_test"), "x").err().expect("nothing listens");
        assert_eq!(e.code(), "N010", "{e}");
        assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");

        let mut db = my_connect();
        let e = db.columns(&table("no_such_table_anywhere")).unwrap_err();
        assert!(matches!(e, ConnectError::Missing { .. }) && e.code() == "N011", "{e}");
        assert!(e.to_string().contains("connection 'mytest'"), "{e}");
        let e = db.columns(&Relation::Table { schema: Some("no_such_database".into()), table: "t".into() }).unwrap_err();
        assert_eq!(e.code(), "N011", "{e}");
    }

    // -----------------------------------------------------------------------------------------
    // SQLite

    /// The forms a date-time is stored in: text with a space or a `T`, a `Z` or an offset, or
    /// integer Unix seconds (whole seconds only). The second value is what it reads as.
    fn sqlite_at(r: &Row) -> (rusqlite::types::Value, i64) {
        use rusqlite::types::Value as V;
        let secs = r.at.div_euclid(1_000_000) * 1_000_000;
        match r.id % 5 {
            0 => (V::Text(ts_text(r.at)), r.at),
            1 => (V::Text(ts_text(r.at).replace(' ', "T")), r.at),
            2 => (V::Integer(secs / 1_000_000), secs),
            3 => (V::Text(format!("{}Z", ts_text(r.at).replace(' ', "T"))), r.at),
            _ => (V::Text(format!("{}+02:00", ts_text(r.at))), r.at - 2 * 3_600_000_000),
        }
    }

    /// `loose` has no declared type and only integers; `mixed` none and any value.
    fn sqlite_mixed(r: &Row) -> (rusqlite::types::Value, String) {
        use rusqlite::types::Value as V;
        match r.id % 3 {
            0 => (V::Integer(r.int), r.int.to_string()),
            1 => (V::Real(r.ratio), format!("{:?}", r.ratio)),
            _ => (V::Text(r.name.clone()), r.name.clone()),
        }
    }

    fn sqlite_file(dir: &Path, n: i64) -> (std::path::PathBuf, Vec<Row>) {
        use rusqlite::types::Value as V;
        let path = dir.join("shop.sqlite");
        let mut c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, n INT, amount DECIMAL(12,2), ratio REAL, name TEXT, flag BOOLEAN, \
             day DATE, at DATETIME, raw BLOB, loose, mixed, label VARCHAR(20), clock TIME);
             CREATE VIEW paid AS SELECT id, name FROM orders WHERE flag;",
        )
        .unwrap();
        let data = rows(n, 13);
        let tx = c.transaction().unwrap();
        {
            let mut ins = tx.prepare("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").unwrap();
            for r in &data {
                let v = |null: bool, v: V| if null { V::Null } else { v };
                // Amounts go in as reals, whole ones as integers, some as text: NUMERIC affinity
                // keeps each as SQLite likes, and every one must read back to the cent.
                let amount = match r.id % 3 {
                    0 => V::Real(r.cents as f64 / 100.0),
                    1 => V::Integer(r.cents / 100),
                    _ => V::Text(decimal_text(r.cents.into(), 2)),
                };
                ins.execute(rusqlite::params_from_iter([
                    V::Integer(r.id),
                    v(r.null(1), V::Integer(r.int)),
                    v(r.null(2), amount),
                    v(r.null(3), V::Real(r.ratio)),
                    v(r.null(4), V::Text(r.name.clone())),
                    v(r.null(5), V::Integer(r.flag.into())),
                    v(r.null(6), V::Text(date_text(r.day))),
                    v(r.null(7), sqlite_at(r).0),
                    v(r.null(8), V::Blob(r.bytes.clone())),
                    v(r.null(9), V::Integer(r.int / 3)),
                    v(r.null(10), sqlite_mixed(r).0),
                    v(r.null(11), V::Text(r.name.chars().take(20).collect())),
                    v(r.null(12), V::Text(time_text(r.clock))),
                ]))
                .unwrap();
            }
        }
        tx.commit().unwrap();
        (path, data)
    }

    fn sqlite_expected(r: &Row) -> Vec<String> {
        let amount = match r.id % 3 {
            1 => decimal_text(i128::from(r.cents / 100) * 100, 2),
            _ => decimal_text(r.cents.into(), 2),
        };
        vec![
            r.id.to_string(),
            or_null(r.null(1), || r.int.to_string()),
            or_null(r.null(2), || amount),
            or_null(r.null(3), || format!("{:?}", r.ratio)),
            or_null(r.null(4), || r.name.clone()),
            or_null(r.null(5), || r.flag.to_string()),
            or_null(r.null(6), || date_text(r.day)),
            or_null(r.null(7), || ts_text(sqlite_at(r).1)),
            or_null(r.null(8), || hex(&r.bytes)),
            or_null(r.null(9), || (r.int / 3).to_string()),
            or_null(r.null(10), || sqlite_mixed(r).1),
            or_null(r.null(11), || r.name.chars().take(20).collect()),
            or_null(r.null(12), || time_text(r.clock)),
        ]
    }

    #[test]
    fn sqlite_reads_every_value_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let (path, data) = sqlite_file(dir.path(), ROWS);
        let mut db = database::open_sqlite(&path).unwrap();
        assert!(db.version().unwrap().starts_with("SQLite 3."));
        let rel = table("orders");
        let (columns, actual, _) = read(db.as_mut(), &rel, None);
        use ColumnType::*;
        assert_eq!(
            types(&columns),
            [
                ("id", Int64),
                ("n", Int64),
                ("amount", Decimal { precision: 12, scale: 2 }),
                ("ratio", Float64),
                ("name", Text),
                ("flag", Bool),
                ("day", Date),
                ("at", Timestamp),
                ("raw", Bytes),
                ("loose", Int64),
                ("mixed", Text),
                ("label", Text),
                ("clock", Time),
            ]
        );
        let expected: Vec<Vec<String>> = data.iter().map(sqlite_expected).collect();
        assert_rows("orders", &columns, &expected, &actual);
        // A query's computed columns are typed by the values they hold.
        let q = Relation::Query("SELECT id, count(*) OVER () AS total, ratio * 2 AS twice, name || '!' AS shout, NULL AS blank FROM orders -- all".into());
        let (qc, qrows, _) = read(db.as_mut(), &q, None);
        assert_eq!(types(&qc), [("id", Int64), ("total", Int64), ("twice", Float64), ("shout", Text), ("blank", Text)]);
        assert_eq!(qrows.len() as i64, ROWS);
        assert_eq!(qrows[0][1], ROWS.to_string());
        let tables = db.tables().unwrap();
        let listed: Vec<(&str, &str)> = tables.iter().map(|t| (t.name.as_str(), t.kind.as_str())).collect();
        assert_eq!(listed, [("orders", "table"), ("paid", "view")]);
    }

    #[test]
    fn sqlite_reads_above_the_mark_and_probes() {
        let dir = tempfile::tempdir().unwrap();
        let (path, data) = sqlite_file(dir.path(), 300);
        let mut db = database::open_sqlite(&path).unwrap();
        let rel = table("orders");
        let (columns, rows, _) = read(db.as_mut(), &rel, Some(&Above { column: "id".into(), mark: "250".into() }));
        let expected: Vec<Vec<String>> = data.iter().filter(|r| r.id > 250).map(sqlite_expected).collect();
        assert_rows("orders", &columns, &expected, &rows);
        // Date-times in mixed forms compare as instants, not as text.
        for k in [10, 11, 12, 13, 14] {
            let mark = sqlite_at(&data[k]).1;
            let (_, rows, _) = read(db.as_mut(), &rel, Some(&Above { column: "at".into(), mark: ts_text(mark) }));
            let expected: Vec<Vec<String>> = data.iter().filter(|r| !r.null(7) && sqlite_at(r).1 > mark).map(sqlite_expected).collect();
            assert_rows(&format!("orders above {}", ts_text(mark)), &columns, &expected, &rows);
        }
        // The cursor need not be among the columns read.
        let mark = sqlite_at(&data[20]).1;
        let few = &columns[..2];
        let mut n = 0;
        db.fetch(&rel, few, Some(&Above { column: "at".into(), mark: ts_text(mark) }), &mut |b| {
            n += b.num_rows();
            Ok(())
        })
        .unwrap();
        assert_eq!(n, data.iter().filter(|r| !r.null(7) && sqlite_at(r).1 > mark).count());

        let p0 = db.probe(&rel, "id").unwrap();
        assert_eq!(p0, "300 300");
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer.execute("INSERT INTO orders (id) VALUES (301)", []).unwrap();
        let p1 = db.probe(&rel, "id").unwrap();
        writer.execute("DELETE FROM orders WHERE id = 5", []).unwrap();
        let p2 = db.probe(&rel, "id").unwrap();
        assert_eq!((p1.as_str(), p2.as_str()), ("301 301", "300 301"));

        writer.execute_batch(&format!("CREATE TABLE many (id INTEGER); INSERT INTO many VALUES {}", many_values())).unwrap();
        assert_batched(db.as_mut(), &table("many"));
    }

    #[test]
    fn sqlite_values_that_do_not_fit_fail_naming_row_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.sqlite");
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT, day DATE, amount DECIMAL(6,2));
             INSERT INTO t VALUES (1, 1, '2024-01-31', 1.5), (2, 'n/a', '2024-01-31', 2), (3, 3, '31/01/2024', 3), (4, 4, '2024-02-01', 1.005);",
        )
        .unwrap();
        let mut db = database::open_sqlite(&path).unwrap();
        let rel = table("t");
        let columns = db.columns(&rel).unwrap();
        let fails = |db: &mut Box<dyn Database>, cols: &[RemoteColumn]| db.fetch(&rel, cols, None, &mut |_| Ok(())).unwrap_err().to_string();
        let e = fails(&mut db, &columns[..2]);
        assert!(e.contains("row 2, column 'n'") && e.contains("'n/a'"), "{e}");
        let e = fails(&mut db, &[columns[0].clone(), columns[2].clone()]);
        assert!(e.contains("row 3, column 'day'") && e.contains("31/01/2024"), "{e}");
        let e = fails(&mut db, &[columns[0].clone(), columns[3].clone()]);
        assert!(e.contains("row 4, column 'amount'") && e.contains("1.005"), "{e}");
        assert!(e.starts_with(&format!("connection '{}'", path.display())), "{e}");
    }

    #[test]
    fn sqlite_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nowhere.sqlite");
        let e = database::open_sqlite(&missing).err().expect("no such file");
        assert_eq!(e.code(), "N011", "{e}");
        assert!(e.to_string().contains(&missing.display().to_string()), "{e}");
        let not_db = dir.path().join("notes.txt");
        std::fs::write(&not_db, "these are not the tables you are looking for, not by a long way at all").unwrap();
        assert!(database::open_sqlite(&not_db).is_err());
        let (path, _) = sqlite_file(dir.path(), 3);
        let mut db = database::open_sqlite(&path).unwrap();
        let e = db.columns(&table("no_such_table")).unwrap_err();
        assert!(matches!(e, ConnectError::Missing { .. }) && e.code() == "N011", "{e}");
        // A statement that is not a query is refused.
        let q = Relation::Query("DELETE FROM orders RETURNING id".into());
        assert!(db.columns(&q).is_err());
    }
}
