//! The real `sluice-bridge` binary answers only its own page: requests without the token, with a
//! wrong one, from a foreign host name or origin, with a non-JSON or oversized body are refused
//! before anything runs (a `save` to a canary path never writes it), and the page's own request
//! works. Non-loopback addresses are refused at start. The Connections panel's commands list,
//! save, remove, test and browse the user's connections (against the test PostgreSQL server of
//! `scripts/servers.sh`), and no answer holds a password.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_sluice-bridge");
const SPEC: &str = r#"{"version": 1, "name": "canary", "nodes": []}"#;

/// A bridge on a free port, with its UI and state in a temp folder; killed when dropped.
struct Running {
    child: Child,
    port: u16,
    token: String,
    url: String,
    dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Running {
    start_with(&[])
}

/// A bridge as [`start`] makes, its user's connections in `connections.json` of its temp folder,
/// with `env` set too.
fn start_with(env: &[(&str, &str)]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("ui")).unwrap();
    std::fs::write(dir.path().join("ui/index.html"), "<!doctype html><title>Sluice</title>").unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(["--addr", "127.0.0.1:0", "--ui"])
        .arg(dir.path().join("ui"))
        .env("SLUICE_STATE_DIR", dir.path().join("state"))
        .env("SLUICE_CONNECTIONS", dir.path().join("connections.json"));
    // The connections of the environment the tests run in are not the bridge's.
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SLUICE_CONN_")) {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    // sluice-bridge: http://127.0.0.1:PORT/#token=HEX (ui from DIR)
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("no URL in '{line}'")).to_string();
    let (base, token) = url.split_once("/#token=").unwrap_or_else(|| panic!("no token in '{url}'"));
    let port = base.rsplit(':').next().unwrap().parse().unwrap();
    assert_eq!(base, format!("http://127.0.0.1:{port}"));
    Running { child, port, token: token.to_string(), url, dir }
}

struct Answer {
    status: u16,
    head: String,
    body: String,
}

/// Send raw bytes, read the answer to the end (the bridge closes every connection).
fn send(port: u16, raw: &[u8]) -> Answer {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(raw).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no answer: '{text}'"));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Answer { status, head: head.to_string(), body: body.to_string() }
}

/// A command request as the page sends it; `headers` replace the page's own (an empty value drops one).
fn command(b: &Running, cmd: &str, body: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let host = format!("127.0.0.1:{}", b.port);
    let origin = format!("http://127.0.0.1:{}", b.port);
    let length = body.len().to_string();
    let mut h: Vec<(&str, &str)> = vec![
        ("Host", &host),
        ("Origin", &origin),
        ("X-Sluice-Token", &b.token),
        ("Content-Type", "application/json"),
        ("Content-Length", &length),
    ];
    for (name, value) in headers {
        h.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        if !value.is_empty() {
            h.push((name, value));
        }
    }
    let mut raw = format!("POST /api/{cmd} HTTP/1.1\r\n");
    for (k, v) in h {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str("\r\n");
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(body.as_bytes());
    raw
}

fn save_body(path: &Path) -> String {
    serde_json::json!({"path": path, "spec": serde_json::from_str::<serde_json::Value>(SPEC).unwrap()}).to_string()
}

fn code(a: &Answer) -> String {
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("{e}: '{}'", a.body));
    v["code"].as_str().unwrap_or_default().to_string()
}

#[test]
fn bridge_refuses_every_foreign_request_before_running_it_and_serves_its_page() {
    let b = start();
    let canary = |n: &str| -> PathBuf { b.dir.path().join(format!("canary-{n}.sluice.json")) };
    let save = |n: &str| save_body(&canary(n));
    let port = b.port;
    let mut wrong = b.token.clone();
    wrong.replace_range(..1, if wrong.starts_with('0') { "1" } else { "0" });

    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("no-token", command(&b, "save", &save("no-token"), &[("X-Sluice-Token", "")]), 401, "A060"),
        ("wrong-token", command(&b, "save", &save("wrong-token"), &[("X-Sluice-Token", &wrong)]), 401, "A060"),
        // A rebound DNS name: the browser sends its own name as Host (and no Origin for same-origin GETs).
        ("foreign-host", command(&b, "save", &save("foreign-host"), &[("Host", &format!("evil.example:{port}")), ("Origin", "")]), 403, "A061"),
        ("other-port", command(&b, "save", &save("other-port"), &[("Host", &format!("127.0.0.1:{}", port.wrapping_add(1)))]), 403, "A061"),
        ("foreign-origin", command(&b, "save", &save("foreign-origin"), &[("Origin", "https://evil.example")]), 403, "A062"),
        ("null-origin", command(&b, "save", &save("null-origin"), &[("Origin", "null")]), 403, "A062"),
        // What a foreign page can send without asking first (a "simple" request).
        ("text-plain", command(&b, "save", &save("text-plain"), &[("Content-Type", "text/plain;charset=UTF-8")]), 415, "A063"),
        ("form", command(&b, "save", &save("form"), &[("Content-Type", "application/x-www-form-urlencoded")]), 415, "A063"),
        ("no-type", command(&b, "save", &save("no-type"), &[("Content-Type", "")]), 415, "A063"),
        ("chunked", command(&b, "save", &save("chunked"), &[("Content-Length", ""), ("Transfer-Encoding", "chunked")]), 411, "A066"),
        ("get", {
            let mut r = command(&b, "save", "", &[]);
            r.splice(..5, b"GET ".iter().copied());
            r
        }, 405, "A022"),
    ];
    for (name, raw, status, want) in &cases {
        let a = send(port, raw);
        assert_eq!((a.status, code(&a).as_str()), (*status, *want), "{name}: {}", a.body);
        assert!(!a.head.to_ascii_lowercase().contains("access-control-"), "{name}: no CORS grant: {}", a.head);
    }

    // Over the body limit: refused from its length, and the refusal reaches the client.
    let mut big = save("oversized");
    big.push_str(&" ".repeat(16 * 1024 * 1024));
    let a = send(port, &command(&b, "save", &big, &[]));
    assert_eq!((a.status, code(&a).as_str()), (413, "A064"), "{}", a.body);
    // Over the header limit.
    let huge = "a".repeat(64 * 1024);
    let a = send(port, &command(&b, "save", &save("big-head"), &[("X-Padding", &huge)]));
    assert_eq!(a.status, 431, "{}", a.body);
    // A preflight from a foreign page is not granted.
    let a = send(port, format!("OPTIONS /api/save HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type,x-sluice-token\r\n\r\n").as_bytes());
    assert_eq!(a.status, 403);
    assert!(!a.head.to_ascii_lowercase().contains("access-control-"), "{}", a.head);
    // The page through a rebound name is refused too; on its own name it needs no token and holds none.
    let a = send(port, format!("GET / HTTP/1.1\r\nHost: evil.example:{port}\r\n\r\n").as_bytes());
    assert_eq!(a.status, 403);
    let a = send(port, format!("GET /?open=x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes());
    assert_eq!(a.status, 200);
    assert!(a.body.contains("<title>Sluice</title>") && !a.body.contains(&b.token));

    // The page's own request works (and loaded as localhost, too).
    let good = canary("good");
    let a = send(port, &command(&b, "save", &save_body(&good), &[]));
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(std::fs::read_to_string(&good).unwrap().contains("\"canary\""));
    let local = format!("localhost:{port}");
    let a = send(port, &command(&b, "open", &serde_json::json!({"path": good}).to_string(), &[("Host", &local), ("Origin", &format!("http://{local}"))]));
    assert_eq!(a.status, 200, "{}", a.body);

    // Nothing refused ran: no canary but the good one was written.
    let mut written: Vec<String> = std::fs::read_dir(b.dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).filter(|n| n.starts_with("canary")).collect();
    written.sort();
    assert_eq!(written, ["canary-good.sluice.json"]);
    assert!(b.url.contains("#token="));
}

#[test]
fn bridge_refusals_explain_what_to_do() {
    let b = start();
    let a = send(b.port, &command(&b, "catalog", "{}", &[("X-Sluice-Token", "")]));
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert!(v["message"].as_str().unwrap().contains("token from the URL it printed at start"), "{v}");
    let a = send(b.port, &command(&b, "catalog", "{}", &[]));
    assert_eq!(a.status, 200, "{}", a.body);
    // A new start makes a new token: the old one is refused.
    let again = start();
    assert_ne!(again.token, b.token);
    let a = send(again.port, &command(&again, "catalog", "{}", &[("X-Sluice-Token", &b.token)]));
    assert_eq!(a.status, 401);
    assert!(a.body.contains("new one at every start"), "{}", a.body);
}

#[test]
fn bridge_refuses_to_listen_beyond_loopback() {
    for addr in ["0.0.0.0:0", "[::]:0", "192.168.1.10:0", "example.com:8737"] {
        let out = Command::new(BIN).args(["--addr", addr, "--ui", "."]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{addr}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("A070") && err.contains("loopback only"), "{addr}: {err}");
        assert!(out.stdout.is_empty(), "{addr}: no URL printed");
    }
}

/// A command's answer: its status and its JSON body.
fn call(b: &Running, cmd: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let a = send(b.port, &command(b, cmd, &body.to_string(), &[]));
    let v = serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("{cmd}: {e}: '{}'", a.body));
    (a.status, v)
}

/// The test PostgreSQL server's URL (no password in it) and password.
fn pg_server() -> (String, String) {
    match (std::env::var("SLUICE_TEST_PG_URL"), std::env::var("SLUICE_TEST_PG_PASSWORD")) {
        (Ok(u), Ok(p)) => (u, p),
        _ => panic!(
            "no test PostgreSQL server (SLUICE_TEST_PG_URL and SLUICE_TEST_PG_PASSWORD are not set): \
             start one with `scripts/servers.sh start DIR; source DIR/env` (scripts/test.sh does)"
        ),
    }
}

#[test]
fn bridge_lists_saves_and_removes_connections_and_never_answers_with_a_password() {
    let b = start_with(&[("SLUICE_CONN_CRM_URL", "mysql://crm@10.0.0.5:3306/crm"), ("SLUICE_CONN_CRM_PASSWORD", "env-secret-1")]);
    let file = b.dir.path().join("connections.json");
    let (status, list) = call(&b, "connections", serde_json::json!({}));
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["file"], serde_json::json!(file));
    assert!(list["keyring"].is_boolean(), "{list}");
    let crm = &list["connections"][0];
    assert_eq!((crm["name"].as_str(), crm["driver"].as_str(), crm["origin"].as_str(), crm["password"].as_str()), (Some("crm"), Some("mysql"), Some("env"), Some("env")));
    assert_eq!((crm["host"].as_str(), crm["port"].as_u64(), crm["database"].as_str()), (Some("10.0.0.5"), Some(3306), Some("crm")));

    // Saved with a password: kept in the file (owner-only), never in an answer.
    let (status, saved) = call(&b, "connection_save", serde_json::json!({"name": "warehouse", "url": "postgres://ana@db.example:5433/shop", "password": "file-secret-2"}));
    assert_eq!(status, 200, "{saved}");
    assert_eq!((saved["name"].as_str(), saved["driver"].as_str(), saved["password"].as_str(), saved["origin"].as_str()), (Some("warehouse"), Some("postgres"), Some("file"), Some("file")));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("file-secret-2"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Saved again without a password: the one kept stays; with an empty one: none.
    let (status, kept) = call(&b, "connection_save", serde_json::json!({"name": "warehouse", "url": "postgres://ana@db.example:5434/shop"}));
    assert_eq!((status, kept["password"].as_str(), kept["port"].as_u64()), (200, Some("file"), Some(5434)), "{kept}");
    assert!(std::fs::read_to_string(&file).unwrap().contains("file-secret-2"));
    // A password written in the URL is taken out of it and kept like one given on its own.
    let (status, inline) = call(&b, "connection_save", serde_json::json!({"name": "staging", "url": "postgres://ana:url-secret-3@db.example/shop"}));
    assert_eq!((status, inline["password"].as_str()), (200, Some("file")), "{inline}");
    assert!(!inline["url"].as_str().unwrap().contains("url-secret-3"), "{inline}");
    let (_, none) = call(&b, "connection_save", serde_json::json!({"name": "staging", "url": "postgres://ana@db.example/shop", "password": ""}));
    assert_eq!(none["password"].as_str(), Some("none"), "{none}");

    let (_, list) = call(&b, "connections", serde_json::json!({}));
    let names: Vec<&str> = list["connections"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["warehouse", "staging", "crm"]);
    for secret in ["env-secret-1", "file-secret-2", "url-secret-3"] {
        assert!(!list.to_string().contains(secret), "{secret} in {list}");
    }

    // Mistakes are refused with the connection's code and say what to do.
    let (status, e) = call(&b, "connection_save", serde_json::json!({"name": "w", "url": "oracle://a@h/d", "password": "typed-secret-4"}));
    assert_eq!((status, e["code"].as_str()), (400, Some("N002")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("unknown scheme 'oracle'") && !e.to_string().contains("typed-secret-4"), "{e}");
    let (status, e) = call(&b, "connection_save", serde_json::json!({"name": "1bad", "url": "postgres://a@h/d"}));
    assert_eq!((status, e["code"].as_str()), (400, Some("N002")), "{e}");
    let (status, e) = call(&b, "connection_save", serde_json::json!({"name": "w", "url": "postgres://a@h/d", "password": 12345}));
    assert_eq!((status, e["code"].as_str()), (400, Some("A020")), "{e}");
    assert!(!e.to_string().contains("12345"), "a body that does not parse is not quoted back: {e}");
    let (status, e) = call(&b, "connection_test", serde_json::json!({"name": "nope"}));
    assert_eq!((status, e["code"].as_str()), (400, Some("N001")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("SLUICE_CONN_NOPE_URL"), "{e}");
    let (status, e) = call(&b, "connection_remove", serde_json::json!({"name": "crm"}));
    assert_eq!((status, e["code"].as_str()), (400, Some("N001")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("defined by the environment"), "{e}");

    // A server that does not answer: a connection error, without the password.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    call(&b, "connection_save", serde_json::json!({"name": "down", "url": format!("postgres://ana@127.0.0.1:{port}/shop"), "password": "down-secret-5"}));
    let (status, e) = call(&b, "connection_test", serde_json::json!({"name": "down"}));
    assert_eq!((status, e["code"].as_str()), (400, Some("N010")), "{e}");
    assert!(!e.to_string().contains("down-secret-5"), "{e}");
    let (status, e) = call(&b, "connection_tables", serde_json::json!({"name": "down"}));
    assert_eq!((status, e["code"].as_str()), (400, Some("N010")), "{e}");

    // Removed from the file; the environment's stays.
    let (status, _) = call(&b, "connection_remove", serde_json::json!({"name": "warehouse"}));
    assert_eq!(status, 200);
    let (_, list) = call(&b, "connections", serde_json::json!({}));
    let names: Vec<&str> = list["connections"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["staging", "down", "crm"]);
    assert!(!std::fs::read_to_string(&file).unwrap().contains("file-secret-2"));

    // The bridge's guards hold for these commands too: no token, nothing saved.
    let body = serde_json::json!({"name": "sneaky", "url": "postgres://a@h/d"}).to_string();
    let a = send(b.port, &command(&b, "connection_save", &body, &[("X-Sluice-Token", "")]));
    assert_eq!((a.status, code(&a).as_str()), (401, "A060"));
    let a = send(b.port, &command(&b, "connections", "{}", &[("Origin", "https://evil.example")]));
    assert_eq!((a.status, code(&a).as_str()), (403, "A062"));
    let a = send(b.port, &command(&b, "connection_save", &body, &[("Content-Type", "text/plain")]));
    assert_eq!((a.status, code(&a).as_str()), (415, "A063"));
    assert!(!std::fs::read_to_string(&file).unwrap().contains("sneaky"));
}

#[test]
fn bridge_tests_and_browses_a_postgres_connection() {
    let (url, password) = pg_server();
    let mut cfg: postgres::Config = url.parse().unwrap();
    cfg.password(&password);
    let mut client = cfg.connect(postgres::NoTls).unwrap();
    let schema = format!("bridge_{}", std::process::id());
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
             CREATE TABLE {schema}.customers (id bigint PRIMARY KEY, name text, balance numeric(12,2), seen timestamptz);
             CREATE VIEW {schema}.rich AS SELECT * FROM {schema}.customers WHERE balance > 1000;"
        ))
        .unwrap();

    let b = start();
    let (status, saved) = call(&b, "connection_save", serde_json::json!({"name": "pg", "url": url, "password": password}));
    assert_eq!(status, 200, "{saved}");
    let (status, tested) = call(&b, "connection_test", serde_json::json!({"name": "pg"}));
    assert_eq!(status, 200, "{tested}");
    assert!(tested["version"].as_str().unwrap().starts_with("PostgreSQL"), "{tested}");
    assert!(tested["ms"].is_u64(), "{tested}");

    let (status, tables) = call(&b, "connection_tables", serde_json::json!({"name": "pg"}));
    assert_eq!(status, 200, "{tables}");
    let ours: Vec<(&str, &str)> = tables
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["schema"] == schema.as_str())
        .map(|t| (t["name"].as_str().unwrap(), t["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(ours, [("customers", "table"), ("rich", "view")], "{tables}");

    let (status, columns) = call(&b, "connection_columns", serde_json::json!({"name": "pg", "schema": schema, "table": "customers"}));
    assert_eq!(status, 200, "{columns}");
    let cols: Vec<(&str, &str)> = columns.as_array().unwrap().iter().map(|c| (c["name"].as_str().unwrap(), c["type"].as_str().unwrap())).collect();
    assert_eq!(cols, [("id", "BIGINT"), ("name", "VARCHAR"), ("balance", "DECIMAL(12,2)"), ("seen", "TIMESTAMP WITH TIME ZONE")]);
    assert_eq!(columns[2]["source_type"].as_str(), Some("numeric(12,2)"), "{columns}");
    let (status, e) = call(&b, "connection_columns", serde_json::json!({"name": "pg", "schema": schema, "table": "nope"}));
    assert_eq!((status, e["code"].as_str()), (400, Some("N011")), "{e}");

    // A wrong password: refused by the server, and not quoted back.
    call(&b, "connection_save", serde_json::json!({"name": "pg", "url": url, "password": "wrong-password-6"}));
    let (status, e) = call(&b, "connection_test", serde_json::json!({"name": "pg"}));
    assert_eq!((status, e["code"].as_str()), (400, Some("N010")), "{e}");
    assert!(!e.to_string().contains("wrong-password-6"), "{e}");
    client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).unwrap();
}
