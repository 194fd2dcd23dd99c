//! End-to-end tests of database sources against a real PostgreSQL server, started by the test
//! script (`scripts/servers.sh`) as a throwaway cluster on a loopback port: the rows a source
//! reads equal the same rows read from a file, incremental reads are pushed into the database,
//! errors name the node and the connection, and the password appears nowhere a run writes.

use std::path::Path;
use std::process::{Command, Output};

mod support;
use support::{differing, files_under, text, write_spec};

/// The test server's URL (no password in it) and password.
fn server() -> (String, String) {
    match (std::env::var("SLUICE_TEST_PG_URL"), std::env::var("SLUICE_TEST_PG_PASSWORD")) {
        (Ok(u), Ok(p)) => (u, p),
        _ => panic!("no test PostgreSQL server: start one with `scripts/servers.sh start DIR; source DIR/env` (scripts/test.sh does)"),
    }
}

fn client() -> postgres::Client {
    let (url, password) = server();
    let mut cfg: postgres::Config = url.parse().unwrap();
    cfg.password(password);
    cfg.connect(postgres::NoTls).unwrap()
}

/// A schema of its own per test, so tests run side by side.
fn schema(client: &mut postgres::Client, name: &str) -> String {
    let s = format!("t_{name}_{}", std::process::id());
    client.batch_execute(&format!("DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}")).unwrap();
    s
}

/// Run `sluice` with the test server as connection `warehouse` (password from the environment,
/// as a user's CI would give it) and no connections file.
fn sluice(dir: &Path, args: &[&str]) -> Output {
    let (url, password) = server();
    Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .env("SLUICE_CONNECTIONS", dir.join("no-connections.json"))
        .env("SLUICE_CONN_WAREHOUSE_URL", url)
        .env("SLUICE_CONN_WAREHOUSE_PASSWORD", password)
        .output()
        .unwrap()
}

/// Deterministic orders with every kind of value a table holds: NULLs in every column but the
/// key, quotes, commas and non-ASCII text, decimals, dates and times.
fn orders_csv(n: u64, seed: u64) -> String {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut next = || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        x >> 33
    };
    let names = ["Ana", "Zoë \"Z\" Øster", "O'Brien, Pat", "李雷", "plain"];
    let statuses = ["placed", "shipped", "cancelled", "returned"];
    let mut out = String::from("id,customer,amount,qty,ratio,paid,ordered_on,updated_at,status\n");
    for id in 1..=n {
        let r = next();
        let null = |k: u64| r % 17 == k;
        let customer = if null(1) { String::new() } else { format!("\"{}\"", names[(r % 5) as usize].replace('"', "\"\"")) };
        let amount = if null(2) { String::new() } else { format!("{}.{:02}", next() % 100000, next() % 100) };
        let qty = if null(3) { String::new() } else { (next() % 40).to_string() };
        let ratio = if null(4) { String::new() } else { format!("{}", (next() % 1_000_000) as f64 / 7.0) };
        let paid = if null(5) { String::new() } else { (r % 2 == 0).to_string() };
        let day = next() % 365;
        let ordered = if null(6) { String::new() } else { format!("2025-{:02}-{:02}", 1 + day % 12, 1 + day % 28) };
        let updated = format!("2025-06-{:02} {:02}:{:02}:{:02}", 1 + id % 28, id % 24, next() % 60, next() % 60);
        let status = if null(7) { String::new() } else { statuses[(next() % 4) as usize].to_string() };
        out.push_str(&format!("{id},{customer},{amount},{qty},{ratio},{paid},{ordered},{updated},{status}\n"));
    }
    out
}

const TABLE: &str = "(id bigint PRIMARY KEY, customer text, amount numeric(12,2), qty integer, ratio double precision, \
                     paid boolean, ordered_on date, updated_at timestamp, status varchar(20))";

/// The CSV source reads the file with the table's types.
fn csv_types() -> serde_json::Value {
    serde_json::json!({"id": "BIGINT", "customer": "VARCHAR", "amount": "DECIMAL(12,2)", "qty": "INTEGER", "ratio": "DOUBLE",
        "paid": "BOOLEAN", "ordered_on": "DATE", "updated_at": "TIMESTAMP", "status": "VARCHAR"})
}

fn load(client: &mut postgres::Client, table: &str, csv: &str) {
    use std::io::Write;
    client.batch_execute(&format!("TRUNCATE {table}")).unwrap();
    let mut w = client.copy_in(&format!("COPY {table} FROM STDIN (FORMAT csv, HEADER true)")).unwrap();
    w.write_all(csv.as_bytes()).unwrap();
    w.finish().unwrap();
}

#[test]
fn a_postgres_source_reads_the_rows_a_file_holds() {
    let mut pg = client();
    let s = schema(&mut pg, "rows");
    pg.batch_execute(&format!("CREATE TABLE {s}.orders {TABLE}")).unwrap();
    let csv = orders_csv(5000, 1);
    load(&mut pg, &format!("{s}.orders"), &csv);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.csv"), &csv).unwrap();
    let spec = write_spec(dir.path(), "compare", &serde_json::json!({"version": 1, "name": "compare", "nodes": [
            {"id": "db", "kind": "read_postgres", "params": {"connection": "warehouse", "schema": s, "table": "orders"}},
            {"id": "file", "kind": "read_csv", "params": {"path": "orders.csv", "types": csv_types()}},
            {"id": "db_out", "kind": "write_parquet", "inputs": {"input": "db"}, "params": {"path": "out/db.parquet"}},
            {"id": "file_out", "kind": "write_parquet", "inputs": {"input": "file"}, "params": {"path": "out/file.parquet"}}
        ]}),
    );
    // Validation learns the columns from the database's catalog, before any row is read.
    let v = sluice(dir.path(), &["validate", &spec]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    let out = sluice(dir.path(), &["preview", &spec, "db", "--json", "--limit", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let preview: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let types: Vec<String> = preview["columns"].as_array().unwrap().iter().map(|c| c["type"].as_str().unwrap().to_string()).collect();
    assert_eq!(types, ["BIGINT", "VARCHAR", "DECIMAL(12,2)", "INTEGER", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP", "VARCHAR"], "{preview}");
    let run = sluice(dir.path(), &["run", &spec, "--no-cache"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(differing(&dir.path().join("out/db.parquet"), &dir.path().join("out/file.parquet")), (0, 5000));
    pg.batch_execute(&format!("DROP SCHEMA {s} CASCADE")).unwrap();
}

#[test]
fn database_errors_exit_1_naming_the_node_and_the_connection() {
    let mut pg = client();
    let s = schema(&mut pg, "errors");
    let (url, password) = server();
    let dir = tempfile::tempdir().unwrap();
    let spec = |table: &str| {
        write_spec(dir.path(), table, &serde_json::json!({"version": 1, "name": "errors", "nodes": [
                {"id": "orders", "kind": "read_postgres", "params": {"connection": "warehouse", "schema": s, "table": table}},
                {"id": "out", "kind": "write_parquet", "inputs": {"input": "orders"}, "params": {"path": "out.parquet"}}
            ]}),
        )
    };
    let run = |spec: &str, url: &str, password: &str| {
        Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(["run", spec, "--no-cache"])
            .env("SLUICE_CONNECTIONS", dir.path().join("none.json"))
            .env("SLUICE_CONN_WAREHOUSE_URL", url)
            .env("SLUICE_CONN_WAREHOUSE_PASSWORD", password)
            .output()
            .unwrap()
    };
    // A table that does not exist.
    let missing = spec("no_such_table");
    let out = run(&missing, &url, &password);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("orders") && err.contains("warehouse") && err.contains("no_such_table"), "{err}");
    // A wrong password: named, never printed.
    pg.batch_execute(&format!("CREATE TABLE {s}.t (id int)")).unwrap();
    let ok = spec("t");
    let wrong = "Wr0ng-pa55word-x";
    let out = run(&ok, &url, wrong);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("orders") && err.contains("warehouse") && err.contains("password authentication failed"), "{err}");
    assert!(!err.contains(wrong) && !err.contains(&password), "{err}");
    // A server that is not there.
    let mut dead: url::Url = url.parse().unwrap();
    dead.set_port(Some(free_port())).unwrap();
    let out = run(&ok, dead.as_str(), &password);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("orders") && err.contains("warehouse") && err.contains("cannot reach"), "{err}");
    assert!(!dir.path().join("out.parquet").exists());
    pg.batch_execute(&format!("DROP SCHEMA {s} CASCADE")).unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn the_password_is_nowhere_a_run_writes() {
    let mut pg = client();
    let s = schema(&mut pg, "secrets");
    pg.batch_execute(&format!("CREATE TABLE {s}.orders {TABLE}")).unwrap();
    load(&mut pg, &format!("{s}.orders"), &orders_csv(300, 7));
    let (_, password) = server();
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), "secrets", &serde_json::json!({"version": 1, "name": "secrets", "nodes": [
            {"id": "orders", "kind": "read_postgres", "params": {"connection": "warehouse", "schema": s, "table": "orders", "cursor": "updated_at"}},
            {"id": "shipped", "kind": "filter", "inputs": {"input": "orders"}, "params": {"predicate": "status = 'shipped'"}},
            {"id": "enough", "kind": "check_not_null", "inputs": {"input": "shipped"}, "params": {"columns": ["id"]}},
            {"id": "out", "kind": "write_parquet", "inputs": {"input": "enough"}, "params": {"path": "out/shipped.parquet"}},
            {"id": "back", "kind": "write_postgres", "inputs": {"input": "enough"}, "params": {"connection": "warehouse", "schema": s, "table": "shipped"}}
        ]}),
    );
    let report = dir.path().join("report.html").to_string_lossy().into_owned();
    let mut outputs = Vec::new();
    for args in [
        vec!["run", spec.as_str(), "--json", "--report", report.as_str()],
        vec!["run", spec.as_str()],
        vec!["preview", spec.as_str(), "orders", "--json"],
        vec!["profile", spec.as_str(), "orders", "--json"],
        vec!["runs", spec.as_str(), "--json"],
        vec!["sql", spec.as_str(), "shipped"],
        vec!["connections", "list", "--json"],
        vec!["connections", "test", "warehouse"],
    ] {
        let out = sluice(dir.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        outputs.push((format!("{args:?}"), [out.stdout, out.stderr].concat()));
    }
    // A failed run's messages too.
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["run", &spec])
        .env("SLUICE_CONNECTIONS", dir.path().join("none.json"))
        .env("SLUICE_CONN_WAREHOUSE_URL", format!("{}?application_name={password}", server().0))
        .env("SLUICE_CONN_WAREHOUSE_PASSWORD", format!("{password}x"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    outputs.push(("failed run".into(), [out.stdout, out.stderr].concat()));
    let written = files_under(dir.path());
    assert!(written.iter().any(|(p, _)| p.ends_with("history.duckdb")), "a history was kept");
    assert!(written.iter().any(|(p, _)| p.to_string_lossy().contains("cache")), "a cache was kept");
    for (what, bytes) in outputs.into_iter().chain(written.into_iter().map(|(p, b)| (p.display().to_string(), b))) {
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains(&password), "the password appears in {what}");
    }
    pg.batch_execute(&format!("DROP SCHEMA {s} CASCADE")).unwrap();
}

/// Orders after a day of changes: some updated (a later `updated_at`), some deleted, some new.
/// Returns the CSV and the ids updated, deleted and added.
fn changed_orders(csv: &str) -> (String, usize, usize, usize) {
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let header = lines.remove(0);
    let (mut updated, mut deleted) = (0, 0);
    let mut out = vec![header];
    for line in lines {
        let id: u64 = line.split(',').next().unwrap().parse().unwrap();
        if id % 50 == 0 {
            deleted += 1;
            continue;
        }
        if id % 30 == 0 {
            updated += 1;
            // The second to last field is updated_at; status is last.
            let mut f: Vec<&str> = line.rsplitn(3, ',').collect();
            f.reverse();
            out.push(format!("{},2025-07-01 12:00:00,returned", f[0]));
            continue;
        }
        out.push(line);
    }
    let more = orders_csv(1100, 9);
    let added = more.lines().skip(1001).count();
    for line in more.lines().skip(1001) {
        let mut f: Vec<&str> = line.rsplitn(3, ',').collect();
        f.reverse();
        out.push(format!("{},2025-07-02 08:00:00,{}", f[0], f[2]));
    }
    (out.join("\n") + "\n", updated, deleted, added)
}

fn parquet_from_csv(csv_path: &Path, parquet: &Path) {
    let engine = sluice_engine::Engine::new(&sluice_engine::Settings::default()).unwrap();
    let types: Vec<String> = csv_types().as_object().unwrap().iter().map(|(k, v)| format!("'{k}': '{}'", v.as_str().unwrap())).collect();
    engine
        .connection()
        .execute_batch(&format!(
            "COPY (SELECT * FROM read_csv('{}', types = {{{}}})) TO '{}' (FORMAT parquet)",
            csv_path.display(),
            types.join(", "),
            parquet.display()
        ))
        .unwrap();
}

/// Incremental runs with deletes tracked end with what a full refresh writes, in a Parquet file,
/// a DuckDB table and a PostgreSQL table; `source` is read_postgres or read_parquet.
fn incremental_with_deletes(source: &str) {
    let mut pg = client();
    let s = schema(&mut pg, &format!("inc_{source}"));
    pg.batch_execute(&format!("CREATE TABLE {s}.orders {TABLE}")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let first = orders_csv(1000, 3);
    let put = |pg: &mut postgres::Client, csv: &str| {
        std::fs::write(p.join("orders.csv"), csv).unwrap();
        match source {
            "read_postgres" => load(pg, &format!("{s}.orders"), csv),
            _ => parquet_from_csv(&p.join("orders.csv"), &p.join("orders.parquet")),
        }
    };
    put(&mut pg, &first);
    let read = match source {
        "read_postgres" => serde_json::json!({"connection": "warehouse", "schema": s, "table": "orders"}),
        _ => serde_json::json!({"path": "orders.parquet"}),
    };
    let mut params = read.as_object().unwrap().clone();
    params.insert("cursor".into(), "updated_at".into());
    params.insert("key".into(), serde_json::json!(["id"]));
    params.insert("track_deletes".into(), true.into());
    let spec = write_spec(p, "inc", &serde_json::json!({"version": 1, "name": "inc", "params": {"out": {"type": "string", "default": "inc"}},
            "nodes": [
            {"id": "orders", "kind": source, "params": params},
            {"id": "flat", "kind": "write_parquet", "inputs": {"input": "orders"}, "params": {"path": "${out}/orders.parquet", "mode": "merge", "key": ["id"]}},
            {"id": "table", "kind": "write_duckdb", "inputs": {"input": "orders"}, "params": {"path": "${out}/warehouse.duckdb", "table": "orders", "mode": "merge", "key": ["id"]}},
            {"id": "mirror", "kind": "write_postgres", "inputs": {"input": "orders"}, "params": {"connection": "warehouse", "schema": s, "table": "mirror_${out}", "mode": "merge", "key": ["id"]}}
        ]}),
    );
    let run = |extra: &[&str]| -> Vec<serde_json::Value> {
        let out = sluice(p, &[&["run", spec.as_str(), "--json"][..], extra].concat());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    let read_rows = |events: &[serde_json::Value]| events.iter().find(|e| e["event"] == "node_finished" && e["node"] == "orders").unwrap()["rows"].as_u64().unwrap();
    let deletes = |events: &[serde_json::Value]| events.iter().find(|e| e["event"] == "source_deletes").map(|e| e["deleted"].as_u64().unwrap());
    let first_run = run(&[]);
    assert_eq!((read_rows(&first_run), deletes(&first_run)), (1000, None));
    let (second, updated, deleted, added) = changed_orders(&first);
    put(&mut pg, &second);
    let second_run = run(&[]);
    assert_eq!(read_rows(&second_run), (updated + added) as u64, "only the rows above the mark are read");
    assert_eq!(deletes(&second_run), Some(deleted as u64));
    let full = run(&["--full-refresh", "--param", "out=full"]);
    assert_eq!(read_rows(&full), (1000 - deleted + added) as u64);
    // The Parquet outputs and the DuckDB tables are the same rows.
    assert_eq!(differing(&p.join("inc/orders.parquet"), &p.join("full/orders.parquet")), (0, (1000 - deleted + added) as i64));
    let engine = sluice_engine::Engine::new(&sluice_engine::Settings::default()).unwrap();
    let conn = engine.connection();
    conn.execute_batch(&format!(
        "ATTACH '{}' AS inc (READ_ONLY); ATTACH '{}' AS fresh (READ_ONLY);",
        p.join("inc/warehouse.duckdb").display(),
        p.join("full/warehouse.duckdb").display()
    ))
    .unwrap();
    let differ: i64 = conn
        .query_row("SELECT (SELECT count(*) FROM (FROM inc.orders EXCEPT ALL FROM fresh.orders)) + (SELECT count(*) FROM (FROM fresh.orders EXCEPT ALL FROM inc.orders))", [], |r| r.get(0))
        .unwrap();
    assert_eq!(differ, 0);
    // And so are the PostgreSQL tables; read from PostgreSQL, both equal the source table.
    let count = |pg: &mut postgres::Client, sql: String| -> i64 { pg.query_one(&sql, &[]).unwrap().get(0) };
    let two_way = |a: &str, b: &str| format!("SELECT (SELECT count(*) FROM (TABLE {a} EXCEPT ALL TABLE {b}) x) + (SELECT count(*) FROM (TABLE {b} EXCEPT ALL TABLE {a}) y)");
    assert_eq!(count(&mut pg, two_way(&format!("{s}.mirror_inc"), &format!("{s}.mirror_full"))), 0);
    if source == "read_postgres" {
        assert_eq!(count(&mut pg, two_way(&format!("{s}.mirror_inc"), &format!("{s}.orders"))), 0);
    }
    let mirrored: i64 = pg.query_one(&format!("SELECT count(*) FROM {s}.mirror_inc"), &[]).unwrap().get(0);
    assert_eq!(mirrored, (1000 - deleted + added) as i64);
    pg.batch_execute(&format!("DROP SCHEMA {s} CASCADE")).unwrap();
}

#[test]
fn incremental_postgres_reads_with_deletes_end_with_the_table_a_full_refresh_writes() {
    incremental_with_deletes("read_postgres");
}

#[test]
fn incremental_parquet_reads_with_deletes_end_with_the_table_a_full_refresh_writes() {
    incremental_with_deletes("read_parquet");
}

#[test]
fn a_database_source_is_reused_while_its_rows_stay_and_never_without_a_cursor() {
    let mut pg = client();
    let s = schema(&mut pg, "cache");
    pg.batch_execute(&format!("CREATE TABLE {s}.orders {TABLE}")).unwrap();
    load(&mut pg, &format!("{s}.orders"), &orders_csv(200, 5));
    let dir = tempfile::tempdir().unwrap();
    let spec = |name: &str, cursor: bool| {
        let mut params = serde_json::json!({"connection": "warehouse", "schema": s, "table": "orders"});
        if cursor {
            params["cursor"] = "id".into();
        }
        write_spec(dir.path(), name, &serde_json::json!({"version": 1, "name": name, "nodes": [
                {"id": "orders", "kind": "read_postgres", "params": params},
                {"id": "big", "kind": "filter", "inputs": {"input": "orders"}, "params": {"predicate": "qty > 20"}},
                {"id": "out", "kind": "write_parquet", "inputs": {"input": "big"}, "params": {"path": "out/${name}.parquet".replace("${name}", name)}}
            ]}),
        )
    };
    let cached = |spec: &str| -> (bool, u64) {
        // No history: every run reads every row, so only the cache decides what is computed.
        let out = sluice(dir.path(), &["run", spec, "--json", "--no-history"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let events: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let e = events.iter().find(|e| e["event"] == "node_finished" && e["node"] == "orders").unwrap();
        (e["cached"].as_bool().unwrap(), e["rows"].as_u64().unwrap())
    };
    let with = spec("with_cursor", true);
    assert_eq!(cached(&with), (false, 200));
    assert_eq!(cached(&with), (true, 200), "nothing changed: the rows are reused");
    pg.batch_execute(&format!("INSERT INTO {s}.orders (id, updated_at) VALUES (100000, now())")).unwrap();
    assert_eq!(cached(&with), (false, 201), "a new row changes the count and the cursor's top");
    pg.batch_execute(&format!("DELETE FROM {s}.orders WHERE id = 7")).unwrap();
    assert_eq!(cached(&with), (false, 200), "a deleted row changes the count");
    let without = spec("without_cursor", false);
    assert_eq!(cached(&without), (false, 200));
    assert_eq!(cached(&without), (false, 200), "without a cursor the changes cannot be seen: read every time");
    pg.batch_execute(&format!("DROP SCHEMA {s} CASCADE")).unwrap();
}

#[test]
fn a_failed_write_leaves_the_postgres_table_as_it_was() {
    let mut pg = client();
    let s = schema(&mut pg, "atomic");
    pg.batch_execute(&format!(
        "CREATE TABLE {s}.target (id bigint, name text, amount numeric(8,2)); INSERT INTO {s}.target VALUES (1, 'kept', 1.00), (2, 'kept too', 2.00)"
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The second batch of rows does not fit the table's numeric(8,2): the write fails half way.
    let mut csv = String::from("id,name,amount\n");
    for i in 0..50_000 {
        csv.push_str(&format!("{},row {i},{}\n", i + 10, if i == 49_999 { "12345678.5" } else { "3.25" }));
    }
    std::fs::write(dir.path().join("rows.csv"), csv).unwrap();
    let spec = write_spec(dir.path(), "atomic", &serde_json::json!({"version": 1, "name": "atomic", "nodes": [
            {"id": "rows", "kind": "read_csv", "params": {"path": "rows.csv"}},
            {"id": "back", "kind": "write_postgres", "inputs": {"input": "rows"}, "params": {"connection": "warehouse", "schema": s, "table": "target", "mode": "append"}},
            {"id": "file", "kind": "write_parquet", "inputs": {"input": "rows"}, "params": {"path": "out/rows.parquet"}}
        ]}),
    );
    let out = sluice(dir.path(), &["run", &spec]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("back") && err.contains("warehouse") && err.contains("numeric"), "{err}");
    let rows: Vec<(i64, String)> = pg.query(&format!("SELECT id, name FROM {s}.target ORDER BY id"), &[]).unwrap().iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(rows, vec![(1, "kept".to_string()), (2, "kept too".to_string())]);
    assert!(!dir.path().join("out/rows.parquet").exists(), "the other outputs are put back too");
    pg.batch_execute(&format!("DROP SCHEMA {s} CASCADE")).unwrap();
}
