//! The real `sluice-bridge` binary answers only its own page: requests without the token, with a
//! wrong one, from a foreign host name or origin, with a non-JSON or oversized body are refused
//! before anything runs (a `save` to a canary path never writes it), and the page's own request
//! works. Non-loopback addresses are refused at start.

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
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("ui")).unwrap();
    std::fs::write(dir.path().join("ui/index.html"), "<!doctype html><title>Sluice</title>").unwrap();
    let mut child = Command::new(BIN)
        .args(["--addr", "127.0.0.1:0", "--ui"])
        .arg(dir.path().join("ui"))
        .env("SLUICE_STATE_DIR", dir.path().join("state"))
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
