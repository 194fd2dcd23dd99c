//! End-to-end tests of `read_http` against real HTTP servers the tests start on loopback: every
//! kind of paging, rate limits waited out, failures that name the URL and the page and leave the
//! outputs as they were, credentials checked by the server and found nowhere a run writes, and
//! next links and redirects to another host refused before anything is sent there.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod support;
use support::{files_under, text};

/// A request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    url: String,
    authorization: Option<String>,
    api_key: Option<String>,
    at: Instant,
}

/// An answer: status, extra headers, body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn ok(body: serde_json::Value) -> Answer {
    Answer { status: 200, headers: vec![], body: body.to_string() }
}

fn status(code: u16, headers: &[(&str, &str)], body: &str) -> Answer {
    Answer { status: code, headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), body: body.into() }
}

type Handler = Box<dyn Fn(&Seen, usize) -> Answer + Send + Sync>;

/// A JSON API on a loopback port, answering by `handler` (given the request and how many
/// requests for the same URL came before it) and keeping every request.
struct Api {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Api {
    fn start(handler: impl Fn(&Seen, usize) -> Answer + Send + Sync + 'static) -> Api {
        let handler: Handler = Box::new(handler);
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, log) = (server.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            for req in s.incoming_requests() {
                let header = |name: &'static str| req.headers().iter().find(|h| h.field.equiv(name)).map(|h| h.value.as_str().to_string());
                let r = Seen { url: req.url().to_string(), authorization: header("Authorization"), api_key: header("X-API-Key"), at: Instant::now() };
                let before = {
                    let mut l = log.lock().unwrap();
                    let n = l.iter().filter(|x: &&Seen| x.url == r.url).count();
                    l.push(r.clone());
                    n
                };
                let a = handler(&r, before);
                let mut resp = tiny_http::Response::from_string(a.body).with_status_code(a.status);
                resp = resp.with_header(tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap());
                for (k, v) in a.headers {
                    resp = resp.with_header(tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap());
                }
                let _ = req.respond(resp);
            }
        });
        Api { base: format!("http://127.0.0.1:{port}"), seen, server, thread: Some(thread) }
    }

    fn urls(&self) -> Vec<String> {
        self.seen.lock().unwrap().iter().map(|s| s.url.clone()).collect()
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `n` records from id `from`.
fn records(from: u64, n: u64) -> serde_json::Value {
    serde_json::Value::Array((from..from + n).map(|i| serde_json::json!({"id": i, "name": format!("n{i}")})).collect())
}

fn sluice(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sluice"));
    c.args(args).env("SLUICE_CONNECTIONS", dir.join("no-connections.json"));
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn write_spec(dir: &Path, nodes: serde_json::Value) -> String {
    support::write_spec(dir, "api", &serde_json::json!({"version": 1, "name": "api", "nodes": nodes}))
}

/// The ids a CSV output holds, sorted.
fn ids(path: &Path) -> Vec<u64> {
    let t = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = t.lines();
    assert_eq!(lines.next(), Some("id,name"), "{t}");
    let mut ids: Vec<u64> = lines.map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    ids.sort();
    ids
}

#[test]
fn next_links_cursors_and_page_numbers_read_every_page() {
    let api = Api::start(|r, _| {
        let (path, query) = r.url.split_once('?').unwrap_or((r.url.as_str(), ""));
        match (path, query) {
            // A next link in the body, relative to the page.
            ("/linked", "") => ok(serde_json::json!({"items": records(1, 2), "links": {"next": "/linked?after=2"}})),
            ("/linked", "after=2") => ok(serde_json::json!({"items": records(3, 2), "links": {"next": null}})),
            // A next link in the Link header.
            ("/headed", "") => Answer {
                status: 200,
                headers: vec![("Link".into(), "</headed?page=2>; rel=\"next\", </headed>; rel=\"first\"".into())],
                body: records(1, 3).to_string(),
            },
            ("/headed", "page=2") => ok(records(4, 2)),
            // A cursor token sent back as a query parameter (the URL's own kept).
            ("/cursor", "kind=a") => ok(serde_json::json!({"data": {"rows": records(1, 1)}, "meta": {"next": "tok 1"}})),
            ("/cursor", "kind=a&cursor=tok+1") => ok(serde_json::json!({"data": {"rows": records(2, 3)}, "meta": {"next": 42}})),
            ("/cursor", "kind=a&cursor=42") => ok(serde_json::json!({"data": {"rows": records(5, 1)}, "meta": {}})),
            // Page numbers from 0 until an empty page.
            ("/paged", "p=0") => ok(records(1, 2)),
            ("/paged", "p=1") => ok(records(3, 2)),
            ("/paged", "p=2") => ok(records(5, 2)),
            ("/paged", "p=3") => ok(serde_json::json!([])),
            // A cap: only 2 pages of an API that never ends.
            ("/endless", q) => {
                let n: u64 = q.strip_prefix("page=").unwrap().parse().unwrap();
                ok(records(n * 10, 1))
            }
            _ => status(404, &[], "{}"),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let b = &api.base;
    let spec = write_spec(
        dir.path(),
        serde_json::json!([
            {"id": "linked", "kind": "read_http", "params": {"url": format!("{b}/linked"), "records": "items", "pagination": "next_link", "next_path": "links.next"}},
            {"id": "headed", "kind": "read_http", "params": {"url": format!("{b}/headed"), "pagination": "next_link"}},
            {"id": "cursor", "kind": "read_http", "params": {"url": format!("{b}/cursor?kind=a"), "records": "$.data.rows", "pagination": "cursor", "cursor_path": "meta.next", "cursor_param": "cursor"}},
            {"id": "paged", "kind": "read_http", "params": {"url": format!("{b}/paged"), "pagination": "page", "page_param": "p", "page_start": 0}},
            {"id": "endless", "kind": "read_http", "params": {"url": format!("{b}/endless"), "pagination": "page", "max_pages": 2}},
            {"id": "w_linked", "kind": "write_csv", "inputs": {"input": "linked"}, "params": {"path": "out/linked.csv"}},
            {"id": "w_headed", "kind": "write_csv", "inputs": {"input": "headed"}, "params": {"path": "out/headed.csv"}},
            {"id": "w_cursor", "kind": "write_csv", "inputs": {"input": "cursor"}, "params": {"path": "out/cursor.csv"}},
            {"id": "w_paged", "kind": "write_csv", "inputs": {"input": "paged"}, "params": {"path": "out/paged.csv"}},
            {"id": "w_endless", "kind": "write_csv", "inputs": {"input": "endless"}, "params": {"path": "out/endless.csv"}}
        ]),
    );
    let out = sluice(dir.path(), &["run", &spec], &[]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let o = dir.path().join("out");
    assert_eq!(ids(&o.join("linked.csv")), [1, 2, 3, 4]);
    assert_eq!(ids(&o.join("headed.csv")), [1, 2, 3, 4, 5]);
    assert_eq!(ids(&o.join("cursor.csv")), [1, 2, 3, 4, 5]);
    assert_eq!(ids(&o.join("paged.csv")), [1, 2, 3, 4, 5, 6]);
    assert_eq!(ids(&o.join("endless.csv")), [10, 20]);
    let urls = api.urls();
    // The cursor's pages in order, after the first page's request(s) for the columns.
    let cursor: Vec<&str> = urls.iter().filter(|u| u.starts_with("/cursor")).map(String::as_str).collect();
    assert_eq!(cursor[cursor.len() - 3..], ["/cursor?kind=a", "/cursor?kind=a&cursor=tok+1", "/cursor?kind=a&cursor=42"], "{urls:?}");
    assert!(!urls.iter().any(|u| u == "/endless?page=3"), "max_pages stops the read: {urls:?}");
}

#[test]
fn rate_limits_are_waited_out_and_requests_paced() {
    let api = Api::start(|r, before| match r.url.as_str() {
        // Two refusals asking for a second's wait, then the page.
        "/limited" if before < 2 => status(429, &[("Retry-After", "1")], r#"{"error": "slow down"}"#),
        "/limited" => ok(records(1, 2)),
        // Unavailable once, its wait given as an HTTP date.
        "/busy" if before == 0 => {
            let at = httpdate_in(2);
            status(503, &[("Retry-After", at.as_str())], "busy")
        }
        "/busy" => ok(records(1, 1)),
        u if u.starts_with("/paced?page=") => {
            let n: u64 = u["/paced?page=".len()..].parse().unwrap();
            ok(if n <= 5 { records(n, 1) } else { serde_json::json!([]) })
        }
        _ => status(404, &[], "{}"),
    });
    let dir = tempfile::tempdir().unwrap();
    let b = &api.base;
    let spec = write_spec(
        dir.path(),
        serde_json::json!([
            {"id": "limited", "kind": "read_http", "params": {"url": format!("{b}/limited")}},
            {"id": "busy", "kind": "read_http", "params": {"url": format!("{b}/busy")}},
            {"id": "paced", "kind": "read_http", "params": {"url": format!("{b}/paced"), "pagination": "page", "max_requests_per_second": 4}},
            {"id": "w1", "kind": "write_csv", "inputs": {"input": "limited"}, "params": {"path": "out/limited.csv"}},
            {"id": "w2", "kind": "write_csv", "inputs": {"input": "busy"}, "params": {"path": "out/busy.csv"}},
            {"id": "w3", "kind": "write_csv", "inputs": {"input": "paced"}, "params": {"path": "out/paced.csv"}}
        ]),
    );
    let out = sluice(dir.path(), &["run", &spec], &[]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(ids(&dir.path().join("out/limited.csv")), [1, 2]);
    assert_eq!(ids(&dir.path().join("out/paced.csv")), [1, 2, 3, 4, 5]);
    let reqs = api.requests();
    let of = |u: &str| reqs.iter().filter(|r| r.url == u).cloned().collect::<Vec<_>>();
    let limited = of("/limited");
    // 429, 429, 200 for the columns; then 200 for the rows.
    assert!(limited.len() >= 3, "{limited:?}");
    for pair in limited[..3].windows(2) {
        // Waits are at least what Retry-After asked (sleeping can only be longer).
        assert!(pair[1].at - pair[0].at >= Duration::from_millis(950), "retried after {:?}", pair[1].at - pair[0].at);
    }
    let busy = of("/busy");
    assert!(busy.len() >= 2 && busy[1].at - busy[0].at >= Duration::from_millis(900), "{busy:?}");
    // At most 4 requests a second: the six requests that read the paced source's rows (pages 1
    // to 5 and the empty page 6) are each at least 250 ms after the one before (allowing for
    // clock granularity).
    let paced: Vec<Seen> = reqs.iter().filter(|r| r.url.starts_with("/paced")).cloned().collect();
    assert!(paced.len() >= 6, "{paced:?}");
    let rows = &paced[paced.len() - 6..];
    assert_eq!(rows[0].url, "/paced?page=1");
    assert_eq!(rows[5].url, "/paced?page=6");
    for pair in rows.windows(2) {
        assert!(pair[1].at - pair[0].at >= Duration::from_millis(240), "{:?} then {:?}: {:?} apart", pair[0].url, pair[1].url, pair[1].at - pair[0].at);
    }
}

/// An HTTP date `secs` seconds from now.
fn httpdate_in(secs: u64) -> String {
    // RFC 7231 IMF-fixdate, written by hand to need no date crate here.
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + secs;
    let days = t / 86_400;
    let (h, m, s) = ((t % 86_400) / 3600, (t % 3600) / 60, t % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (year, month, d) = sluice_core::civil::civil_date(days as i64);
    let name = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(month - 1) as usize];
    format!("{weekday}, {d:02} {name} {year} {h:02}:{m:02}:{s:02} GMT")
}

#[test]
fn a_failing_api_names_the_url_and_page_and_leaves_the_outputs() {
    let broken = Arc::new(std::sync::atomic::AtomicU8::new(0));
    let mode = broken.clone();
    let api = Api::start(move |r, _| match (mode.load(std::sync::atomic::Ordering::SeqCst), r.url.as_str()) {
        (_, "/orders?page=1") => ok(records(1, 2)),
        (0, "/orders?page=2") => ok(records(3, 2)),
        (1, "/orders?page=2") => status(500, &[], r#"{"error": "database on fire"}"#),
        (2, "/orders?page=2") => Answer { status: 200, headers: vec![], body: r#"[{"id": 3, "name": "n3"}, {"id": 4,"#.into() },
        (3, "/orders?page=2") => ok(serde_json::json!([{"id": "four", "name": "n4"}])),
        (4, "/orders?page=2") => ok(serde_json::json!({"rows": []})),
        (_, _) => ok(serde_json::json!([])),
    });
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        serde_json::json!([
            {"id": "orders", "kind": "read_http", "params": {"url": format!("{}/orders", api.base), "pagination": "page", "max_retries": 2}},
            {"id": "out", "kind": "write_csv", "inputs": {"input": "orders"}, "params": {"path": "out/orders.csv"}}
        ]),
    );
    let out = sluice(dir.path(), &["run", &spec], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = dir.path().join("out/orders.csv");
    let before = std::fs::read(&written).unwrap();
    assert_eq!(ids(&written), [1, 2, 3, 4]);
    let page2 = format!("{}/orders?page=2", api.base);
    let cases: [(u8, &[&str]); 4] = [
        (1, &["N020", "(page 2)", "500", "after 2 retries", "database on fire"]),
        (2, &["N021", "(page 2)", "not JSON"]),
        (3, &["N021", "(page 2)", "record 1", "field 'id'", "BIGINT", "give the field's type in `types`"]),
        (4, &["N021", "(page 2)", "the body is an object, not an array of records"]),
    ];
    for (mode, wanted) in cases {
        broken.store(mode, std::sync::atomic::Ordering::SeqCst);
        let asked = api.urls().iter().filter(|u| u.ends_with("page=2")).count();
        let out = sluice(dir.path(), &["run", &spec, "--json"], &[]);
        assert_eq!(out.status.code(), Some(1), "mode {mode}: {}", text(&out.stdout));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(all.contains(&page2), "mode {mode}: the URL is named: {all}");
        assert!(all.contains("orders"), "mode {mode}: the node is named: {all}");
        for w in wanted {
            assert!(all.contains(w), "mode {mode}: {w:?} missing from {all}");
        }
        // The output the last good run wrote is untouched.
        assert_eq!(std::fs::read(&written).unwrap(), before, "mode {mode}");
        if mode == 1 {
            // One request and two retries.
            assert_eq!(api.urls().iter().filter(|u| u.ends_with("page=2")).count() - asked, 3);
        }
    }
    assert!(!files_under(&dir.path().join("out")).iter().any(|(p, _)| p.to_string_lossy().contains("sluice-tmp")), "no staging file is left");
}

#[test]
fn credentials_reach_the_server_and_nothing_else() {
    const TOKEN: &str = "tok-3f9a-SECRET-b7c1";
    const PASSWORD: &str = "pa55-SECRET-word";
    let api = Api::start(|r, _| {
        let basic = format!("Basic {}", base64(&format!("ana:{PASSWORD}")));
        let prefix = r.url.split(['/', '?']).nth(1).unwrap_or("");
        let allowed = match prefix {
            "bearer" => r.authorization.as_deref() == Some(format!("Bearer {TOKEN}").as_str()),
            "basic" => r.authorization.as_deref() == Some(basic.as_str()),
            "key" => r.api_key.as_deref() == Some(TOKEN) && r.authorization.is_none(),
            _ => false,
        };
        if !allowed {
            status(401, &[], r#"{"error": "who are you?"}"#)
        } else if r.url == format!("/{prefix}/items") {
            ok(serde_json::json!({"data": records(1, 3)}))
        } else {
            status(404, &[], r#"{"error": "no such thing"}"#)
        }
    });
    let b = &api.base;
    let cases = [
        ("bearer", format!("{b}/bearer?auth=bearer"), TOKEN),
        ("basic", format!("http://ana@127.0.0.1:{}/basic?auth=basic", &b["http://127.0.0.1:".len()..]), PASSWORD),
        ("key", format!("{b}/key?auth=header&header=X-API-Key"), TOKEN),
    ];
    for (name, url, secret) in cases {
        let dir = tempfile::tempdir().unwrap();
        let spec = write_spec(
            dir.path(),
            serde_json::json!([
                {"id": "items", "kind": "read_http", "params": {"url": format!("{b}/{name}/items"), "connection": "api", "records": "data"}},
                {"id": "out", "kind": "write_csv", "inputs": {"input": "items"}, "params": {"path": "out/items.csv"}}
            ]),
        );
        let spec_text = std::fs::read_to_string(&spec).unwrap();
        let env = [("SLUICE_CONN_API_URL", url.as_str()), ("SLUICE_CONN_API_PASSWORD", secret)];
        let mut outputs = Vec::new();
        for args in [
            vec!["run", spec.as_str(), "--json"],
            vec!["preview", spec.as_str(), "items", "--json"],
            vec!["validate", spec.as_str()],
            vec!["connections", "list", "--json"],
            vec!["connections", "test", "api"],
        ] {
            let out = sluice(dir.path(), &args, &env);
            assert_eq!(out.status.code(), Some(0), "{name} {args:?}: {}{}", text(&out.stdout), text(&out.stderr));
            if args[1] == "test" {
                // The base URL itself is no API call: reached, the credentials taken, 404.
                assert!(text(&out.stdout).contains("answered 404"), "{name}: {}", text(&out.stdout));
            }
            outputs.push((format!("{name} {args:?}"), [out.stdout, out.stderr].concat()));
        }
        assert_eq!(ids(&dir.path().join("out/items.csv")), [1, 2, 3], "{name}");
        // A refused credential fails naming the URL and the status, not the credential.
        let wrong = format!("{secret}-wrong");
        let out = sluice(dir.path(), &["run", &spec], &[("SLUICE_CONN_API_URL", url.as_str()), ("SLUICE_CONN_API_PASSWORD", wrong.as_str())]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = text(&out.stderr);
        assert!(err.contains("401") && err.contains(&format!("{b}/{name}/items")), "{name}: {err}");
        assert!(!err.contains(&wrong), "{name}: {err}");
        outputs.push((format!("{name} refused"), [out.stdout, out.stderr].concat()));
        let out = sluice(dir.path(), &["connections", "test", "api"], &[("SLUICE_CONN_API_URL", url.as_str()), ("SLUICE_CONN_API_PASSWORD", wrong.as_str())]);
        assert_ne!(out.status.code(), Some(0), "{name}");
        assert!(text(&out.stderr).contains("refused the credentials (401"), "{name}: {}", text(&out.stderr));
        outputs.push((format!("{name} test refused"), [out.stdout, out.stderr].concat()));
        assert_eq!(std::fs::read_to_string(&spec).unwrap(), spec_text, "the spec is not rewritten");
        for (what, bytes) in outputs.into_iter().chain(files_under(dir.path()).into_iter().map(|(p, b)| (p.display().to_string(), b))) {
            let hay = String::from_utf8_lossy(&bytes);
            assert!(!hay.contains(secret), "the credential appears in {what}");
        }
    }
    // Every request went to one of the three connections' base URLs or below.
    let urls = api.urls();
    assert!(urls.iter().all(|u| ["bearer", "basic", "key"].contains(&u.split(['/', '?']).nth(1).unwrap_or(""))), "{urls:?}");
}

/// Standard base64, for the expected Basic header.
fn base64(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &c)| n | (u32::from(c) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn links_and_redirects_to_another_host_are_refused() {
    const TOKEN: &str = "tok-SECRET-elsewhere";
    let elsewhere = Api::start(|_, _| ok(records(100, 1)));
    let other = elsewhere.base.clone();
    let api = Api::start(move |r, _| match r.url.as_str() {
        "/v1/items" => ok(serde_json::json!({"data": records(1, 2), "next": format!("{other}/v1/items?page=2")})),
        "/v1/moved" => status(302, &[("Location", format!("{other}/v1/moved").as_str())], ""),
        "/v1/up" => ok(serde_json::json!({"data": records(1, 2), "next": "/admin/items"})),
        _ => status(404, &[], "{}"),
    });
    let b = &api.base;
    let env = [("SLUICE_CONN_API_URL", format!("{b}/v1?auth=bearer")), ("SLUICE_CONN_API_PASSWORD", TOKEN.to_string())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let cases = [
        ("/v1/items", "next_link", format!("{}/v1/items?page=2", elsewhere.base)),
        ("/v1/moved", "none", format!("{}/v1/moved", elsewhere.base)),
        ("/v1/up", "next_link", format!("{b}/admin/items")),
    ];
    for (path, pagination, refused) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut params = serde_json::json!({"url": format!("{b}{path}"), "connection": "api", "records": "data", "pagination": pagination});
        if pagination == "next_link" {
            params["next_path"] = "next".into();
        }
        let spec = write_spec(
            dir.path(),
            serde_json::json!([
                {"id": "items", "kind": "read_http", "params": params},
                {"id": "out", "kind": "write_csv", "inputs": {"input": "items"}, "params": {"path": "out/items.csv"}}
            ]),
        );
        let out = sluice(dir.path(), &["run", &spec], &env);
        assert_eq!(out.status.code(), Some(1), "{path}: {}", text(&out.stdout));
        let err = text(&out.stderr);
        assert!(err.contains("refused") && err.contains(&refused) && err.contains(&format!("{b}/v1")), "{path}: {err}");
        // The next link is met while the rows are read (the first page's check only learns
        // the columns); a redirect on the first request already when the spec is checked.
        if pagination == "next_link" {
            assert!(err.contains("N022") && err.contains("(page 2)"), "{path}: {err}");
        }
        assert!(!err.contains(TOKEN), "{err}");
        assert!(!dir.path().join("out/items.csv").exists(), "{path}");
    }
    assert!(elsewhere.requests().is_empty(), "nothing was sent to the other host: {:?}", elsewhere.urls());
    assert!(!api.urls().iter().any(|u| u.starts_with("/admin")), "nor outside the connection's base: {:?}", api.urls());
    // A source's own URL outside its connection's base is refused too, before any request.
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        serde_json::json!([{"id": "items", "kind": "read_http", "params": {"url": format!("{}/v1/items", elsewhere.base), "connection": "api"}}]),
    );
    let out = sluice(dir.path(), &["run", &spec], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("refused: it is not under"), "{}", text(&out.stderr));
    assert!(elsewhere.requests().is_empty());
}

#[test]
fn an_api_source_is_checked_and_not_exported() {
    let api = Api::start(|_, _| ok(serde_json::json!({"data": [{"id": 1, "at": "2025-01-02T03:04:05Z", "price": "12.50"}]})));
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        serde_json::json!([
            {"id": "items", "kind": "read_http", "params": {"url": format!("{}/items", api.base), "records": "data", "types": {"at": "TIMESTAMPTZ", "price": "DECIMAL(8,2)", "extra": "BIGINT"}}},
            {"id": "bad", "kind": "read_http", "params": {"url": "ftp://x/y", "pagination": "cursor", "page_param": "p", "types": {"n": "HUGEINT"}}}
        ]),
    );
    let out = sluice(dir.path(), &["validate", &spec, "--json"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let all = text(&out.stdout);
    for w in ["params.url", "params.cursor_path", "params.cursor_param", "params.page_param", "params.types.n", "S073"] {
        assert!(all.contains(w), "{w} missing: {all}");
    }
    let spec = write_spec(
        dir.path(),
        serde_json::json!([{"id": "items", "kind": "read_http", "params": {"url": format!("{}/items", api.base), "records": "data", "types": {"at": "TIMESTAMPTZ", "price": "DECIMAL(8,2)", "extra": "BIGINT"}}}]),
    );
    let out = sluice(dir.path(), &["preview", &spec, "items", "--json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let preview: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let types: Vec<String> = preview["columns"].as_array().unwrap().iter().map(|c| format!("{} {}", c["name"].as_str().unwrap(), c["type"].as_str().unwrap())).collect();
    assert_eq!(types, ["id BIGINT", "at TIMESTAMP WITH TIME ZONE", "price DECIMAL(8,2)", "extra BIGINT"]);
    let out = sluice(dir.path(), &["export", "dbt", &spec, "--out", &dir.path().join("dbt").to_string_lossy()], &[]);
    assert_ne!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(err.contains("items") && err.contains("HTTP API") && err.contains("X011"), "{err}");
}
