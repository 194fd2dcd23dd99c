//! End-to-end tests of object paths against a real S3-compatible server (moto's server mode,
//! started on a loopback port by `scripts/servers.sh`) and a loopback web server: a glob of
//! objects reads the rows the same local files hold, a sink's output arrives whole in the
//! bucket, objects that change or go are seen by the next run, errors name the node and the
//! object, a failed upload leaves every earlier output as it was, and the secret key appears
//! nowhere a run writes. Objects are put and fetched here with curl, a client of its own.

use std::path::Path;
use std::process::{Command, Output};

mod support;
use support::{any_file_holds, differing, text, write_spec};

const SECRET: &str = "s3cr3t-key-Zq81";

/// The test server's endpoint and bucket.
fn server() -> (String, String) {
    match (std::env::var("SLUICE_TEST_S3_ENDPOINT"), std::env::var("SLUICE_TEST_S3_BUCKET")) {
        (Ok(e), Ok(b)) => (e, b),
        _ => panic!("no test S3 server: start one with `scripts/servers.sh start DIR; source DIR/env` (scripts/test.sh does)"),
    }
}

/// A key prefix of its own per test, so tests run side by side.
fn prefix(name: &str) -> String {
    format!("t-{name}-{}", std::process::id())
}

/// curl, signing its requests as S3 wants them (the server takes any key).
fn curl(args: &[&str]) -> Output {
    Command::new("curl")
        .args(["-sS", "--fail", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "testing:any"])
        .args(args)
        .output()
        .expect("curl runs")
}

fn put(key: &str, body: &[u8]) {
    let (endpoint, bucket) = server();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("body");
    std::fs::write(&f, body).unwrap();
    let out = curl(&["-X", "PUT", "-H", "Content-Type: application/octet-stream", "--data-binary", &format!("@{}", f.display()), &format!("{endpoint}/{bucket}/{key}")]);
    assert!(out.status.success(), "PUT {key}: {}", text(&out.stderr));
}

fn get(key: &str) -> Option<Vec<u8>> {
    let (endpoint, bucket) = server();
    let out = curl(&[&format!("{endpoint}/{bucket}/{key}")]);
    out.status.success().then_some(out.stdout)
}

fn delete(key: &str) {
    let (endpoint, bucket) = server();
    assert!(curl(&["-X", "DELETE", &format!("{endpoint}/{bucket}/{key}")]).status.success());
}

/// Run `sluice` with the test server as connection `lake` (key and secret from the
/// environment, as a user's CI would give them) and no connections file.
fn sluice(dir: &Path, args: &[&str]) -> Output {
    let (endpoint, bucket) = server();
    Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(args)
        .env("SLUICE_CONNECTIONS", dir.join("no-connections.json"))
        .env("SLUICE_CONN_LAKE_URL", format!("s3://{bucket}?region=us-east-1&key_id=testing&endpoint={endpoint}"))
        .env("SLUICE_CONN_LAKE_PASSWORD", SECRET)
        .output()
        .unwrap()
}

fn orders(from: u32, to: u32) -> String {
    let mut s = String::from("id,customer,amount,status\n");
    for i in from..to {
        s.push_str(&format!("{i},c{},{}.{:02},{}\n", i % 37, i * 7 % 1000, i % 100, ["placed", "shipped", "returned"][(i % 3) as usize]));
    }
    s
}

#[test]
fn a_glob_of_objects_reads_what_local_files_hold_and_a_sink_puts_one_whole_object() {
    let (_, bucket) = server();
    let p = prefix("glob");
    put(&format!("{p}/raw/orders_1.csv"), orders(0, 600).as_bytes());
    put(&format!("{p}/raw/orders_2.csv"), orders(600, 1000).as_bytes());
    put(&format!("{p}/raw/notes.txt"), b"not a csv");
    put(&format!("{p}/raw/old/orders_0.csv"), orders(5000, 5100).as_bytes());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("local")).unwrap();
    std::fs::write(dir.path().join("local/orders_1.csv"), orders(0, 600)).unwrap();
    std::fs::write(dir.path().join("local/orders_2.csv"), orders(600, 1000)).unwrap();
    let spec = write_spec(dir.path(), "lake", &serde_json::json!({"version": 1, "name": "lake", "nodes": [
            {"id": "remote", "kind": "read_csv", "params": {"path": format!("s3://{bucket}/{p}/raw/*.csv"), "connection": "lake"}},
            {"id": "local", "kind": "read_csv", "params": {"path": "local/*.csv"}},
            {"id": "shipped", "kind": "filter", "inputs": {"input": "remote"}, "params": {"predicate": "status <> 'returned'"}},
            {"id": "to_lake", "kind": "write_parquet", "inputs": {"input": "shipped"},
             "params": {"path": format!("s3://{bucket}/{p}/out/shipped.parquet"), "connection": "lake"}},
            {"id": "remote_out", "kind": "write_parquet", "inputs": {"input": "remote"}, "params": {"path": "out/remote.parquet"}},
            {"id": "local_out", "kind": "write_parquet", "inputs": {"input": "local"}, "params": {"path": "out/local.parquet"}}
        ]}),
    );
    let v = sluice(dir.path(), &["validate", &spec]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    let out = sluice(dir.path(), &["preview", &spec, "remote", "--json", "--limit", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let run = sluice(dir.path(), &["run", &spec]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    // Only the objects the glob names (not the .txt, not the folder below) are read.
    assert_eq!(differing(&dir.path().join("out/remote.parquet"), &dir.path().join("out/local.parquet")), (0, 1000));
    let sent = get(&format!("{p}/out/shipped.parquet")).expect("the sink's object is in the bucket");
    let fetched = dir.path().join("fetched.parquet");
    std::fs::write(&fetched, &sent).unwrap();
    let engine = sluice_engine::Engine::new(&sluice_engine::Settings::default()).unwrap();
    let (n, returned): (i64, i64) = engine
        .connection()
        .query_row(&format!("SELECT count(*), count(*) FILTER (status = 'returned') FROM '{}'", fetched.display()), [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((n, returned), (667, 0));

    // An object that changes and one that goes are seen by the next run; the mirror drops the
    // file of the object that went.
    put(&format!("{p}/raw/orders_2.csv"), orders(600, 700).as_bytes());
    delete(&format!("{p}/raw/orders_1.csv"));
    put(&format!("{p}/raw/orders_3.csv"), orders(2000, 2050).as_bytes());
    std::fs::remove_file(dir.path().join("local/orders_1.csv")).unwrap();
    std::fs::write(dir.path().join("local/orders_2.csv"), orders(600, 700)).unwrap();
    std::fs::write(dir.path().join("local/orders_3.csv"), orders(2000, 2050)).unwrap();
    let run = sluice(dir.path(), &["run", &spec]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert_eq!(differing(&dir.path().join("out/remote.parquet"), &dir.path().join("out/local.parquet")), (0, 150));
    let mirror = dir.path().join(".sluice/objects/s3").join(&bucket).join(&p).join("raw");
    assert!(!mirror.join("orders_1.csv").exists() && mirror.join("orders_3.csv").is_file());

    // The secret is nowhere a run writes: not the outputs, the history, the mirror, the spec.
    assert!(!any_file_holds(dir.path(), SECRET) && !text(&run.stdout).contains(SECRET) && !text(&run.stderr).contains(SECRET));
    for k in ["raw/orders_2.csv", "raw/orders_3.csv", "raw/notes.txt", "raw/old/orders_0.csv", "out/shipped.parquet"] {
        delete(&format!("{p}/{k}"));
    }
}

#[test]
fn object_errors_name_the_node_and_the_object_and_a_failed_upload_changes_nothing() {
    let (_, bucket) = server();
    let p = prefix("errors");
    put(&format!("{p}/in.csv"), orders(0, 50).as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let spec = |name: &str, source: &str, sink: &str| {
        write_spec(dir.path(), name, &serde_json::json!({"version": 1, "name": name, "nodes": [
                {"id": "orders", "kind": "read_csv", "params": {"path": source, "connection": "lake"}},
                {"id": "local_out", "kind": "write_csv", "inputs": {"input": "orders"}, "params": {"path": "out/orders.csv"}},
                {"id": "lake_out", "kind": "write_parquet", "inputs": {"input": "orders"}, "params": {"path": sink, "connection": "lake"}}
            ]}),
        )
    };
    let good = spec("good", &format!("s3://{bucket}/{p}/in.csv"), &format!("s3://{bucket}/{p}/out.parquet"));
    let run = sluice(dir.path(), &["run", &good]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let before = std::fs::read(dir.path().join("out/orders.csv")).unwrap();
    let object_before = get(&format!("{p}/out.parquet")).unwrap();

    // An object that is not there: exit 1, naming the node and the object.
    let missing = spec("missing", &format!("s3://{bucket}/{p}/nope.csv"), &format!("s3://{bucket}/{p}/out.parquet"));
    let out = sluice(dir.path(), &["run", &missing]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("orders") && err.contains(&format!("s3://{bucket}/{p}/nope.csv")) && err.contains("lake"), "{err}");

    // A sink into a bucket that does not exist fails at commit: the local output written before
    // it is put back, and the object of the last good run is untouched.
    put(&format!("{p}/in.csv"), orders(0, 80).as_bytes());
    let nowhere = spec("nowhere", &format!("s3://{bucket}/{p}/in.csv"), &format!("s3://no-such-bucket-{p}/out.parquet"));
    let out = Command::new(env!("CARGO_BIN_EXE_sluice"))
        .args(["run", &nowhere])
        .env("SLUICE_CONNECTIONS", dir.path().join("none.json"))
        .env("SLUICE_CONN_LAKE_URL", format!("s3://?region=us-east-1&key_id=testing&endpoint={}", server().0))
        .env("SLUICE_CONN_LAKE_PASSWORD", SECRET)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("lake_out") && err.contains("no-such-bucket"), "{err}");
    assert!(!err.contains(SECRET), "{err}");
    assert_eq!(std::fs::read(dir.path().join("out/orders.csv")).unwrap(), before, "the local output is as the last good run left it");
    assert_eq!(get(&format!("{p}/out.parquet")).unwrap(), object_before);

    // A connection limited to one bucket reaches no other.
    let other = spec("other", &format!("s3://another-bucket/{p}/in.csv"), &format!("s3://{bucket}/{p}/out.parquet"));
    let out = sluice(dir.path(), &["run", &other]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("orders") && err.contains(&format!("limited to bucket '{bucket}'")), "{err}");

    // A connection for a local path, and a glob of a web server, are spec errors (exit 2).
    let bad = write_spec(dir.path(), "bad", &serde_json::json!({"version": 1, "name": "bad", "nodes": [
            {"id": "a", "kind": "read_csv", "params": {"path": "local.csv", "connection": "lake"}},
            {"id": "b", "kind": "read_csv", "params": {"path": "https://example.org/files/*.csv"}}
        ]}),
    );
    let out = sluice(dir.path(), &["validate", &bad]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("S073") && err.contains("S074"), "{err}");
    for k in ["in.csv", "out.parquet"] {
        delete(&format!("{p}/{k}"));
    }
}

#[test]
fn a_file_on_a_web_server_is_read_with_the_token_of_its_connection_and_only_there() {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    let token = "tok-9f8e7d";
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, Option<String>)>::new()));
    let log = seen.clone();
    let body = orders(0, 120);
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let auth = req.headers().iter().find(|h| h.field.equiv("Authorization")).map(|h| h.value.to_string());
            log.lock().unwrap().push((req.url().to_string(), auth.clone()));
            let ok = auth.as_deref() == Some(&format!("Bearer {token}"));
            let resp = match (req.url(), ok) {
                ("/files/orders.csv", true) => tiny_http::Response::from_string(body.clone()).with_status_code(200),
                (_, false) => tiny_http::Response::from_string("no").with_status_code(401),
                _ => tiny_http::Response::from_string("missing").with_status_code(404),
            };
            let _ = req.respond(resp);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.csv"), orders(0, 120)).unwrap();
    let spec = |name: &str, url: &str| {
        write_spec(dir.path(), name, &serde_json::json!({"version": 1, "name": name, "nodes": [
                {"id": "web", "kind": "read_csv", "params": {"path": url, "connection": "web"}},
                {"id": "local", "kind": "read_csv", "params": {"path": "orders.csv"}},
                {"id": "web_out", "kind": "write_parquet", "inputs": {"input": "web"}, "params": {"path": "out/web.parquet"}},
                {"id": "local_out", "kind": "write_parquet", "inputs": {"input": "local"}, "params": {"path": "out/local.parquet"}}
            ]}),
        )
    };
    let run = |spec: &str| {
        Command::new(env!("CARGO_BIN_EXE_sluice"))
            .args(["run", spec])
            .env("SLUICE_CONNECTIONS", dir.path().join("none.json"))
            .env("SLUICE_CONN_WEB_URL", format!("http://127.0.0.1:{port}/files?auth=bearer"))
            .env("SLUICE_CONN_WEB_PASSWORD", token)
            .output()
            .unwrap()
    };
    let good = spec("web", &format!("http://127.0.0.1:{port}/files/orders.csv"));
    let out = run(&good);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(differing(&dir.path().join("out/web.parquet"), &dir.path().join("out/local.parquet")), (0, 120));
    // The token goes only to URLs under the connection's: another path is refused before any
    // request is sent.
    let asked = seen.lock().unwrap().len();
    let elsewhere = spec("elsewhere", &format!("http://127.0.0.1:{port}/private/orders.csv"));
    let out = run(&elsewhere);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("web") && err.contains("/private/orders.csv") && err.contains("not one"), "{err}");
    assert_eq!(seen.lock().unwrap().len(), asked, "no request went out");
    assert!(!err.contains(token) && !any_file_holds(dir.path(), token));
}
