//! The bridge's listener: one thread per connection (so `cancel` reaches a run), every request
//! passed through the guard before anything is read or run, then a command, a run's event
//! stream, or a file of the built UI.

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::guard::{self, Guard, Refusal};
use super::http::{self, Head, ReadHead};
use super::{dispatch, parse, RunReq};
use crate::service::Service;
use crate::ApiError;

/// Connections served at once; more are answered 503 (a browser opens about six).
const MAX_CONNECTIONS: usize = 64;
/// How long a client may take to send a head or a body before the connection is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A bridge listening on loopback, with the token of this start.
pub struct Bridge {
    listener: TcpListener,
    ctx: Arc<Ctx>,
}

struct Ctx {
    guard: Guard,
    service: Service,
    ui: PathBuf,
    active: AtomicUsize,
}

impl Bridge {
    /// Listen on `addr` (loopback only; port 0 picks a free one) and serve the UI from `ui`.
    pub fn bind(addr: &str, ui: PathBuf) -> Result<Bridge, ApiError> {
        let sock = guard::loopback_addr(addr)?;
        let token = guard::new_token()?;
        let listener = TcpListener::bind(sock).map_err(|e| ApiError::new("A030", format!("cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr().map_err(|e| ApiError::new("A030", format!("cannot listen on {addr}: {e}")))?;
        let ctx = Ctx { guard: Guard::new(local, token), service: Service::new(), ui, active: AtomicUsize::new(0) };
        Ok(Bridge { listener, ctx: Arc::new(ctx) })
    }

    /// The page's URL with the token. The token is in the fragment, which a browser never sends
    /// in a request or a referrer: the page reads it and sends it as a header.
    pub fn url(&self) -> String {
        format!("http://{}/#token={}", self.ctx.guard.authority(), self.ctx.guard.token())
    }

    /// Serve until the process ends.
    pub fn serve(self) -> Result<(), ApiError> {
        for conn in self.listener.incoming() {
            let Ok(stream) = conn else { continue };
            let ctx = self.ctx.clone();
            let busy = ctx.active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS;
            std::thread::spawn(move || {
                let _slot = Slot(&ctx.active);
                connection(&ctx, stream, busy);
            });
        }
        Ok(())
    }
}

/// Gives a connection's place back when its thread ends, even by a panic.
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One request, then close (no keep-alive: every request goes through the checks afresh).
fn connection(ctx: &Ctx, stream: TcpStream, busy: bool) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let answered = match http::read_head(&mut reader) {
        Err(ReadHead::Closed) => return,
        Err(ReadHead::Refused(r)) => Err(r),
        Ok(_) if busy => Err(Refusal::Busy(MAX_CONNECTIONS)),
        Ok(head) => answer(ctx, &head, &mut reader, &stream),
    };
    if let Err(r) = answered {
        let status = r.status();
        let body = serde_json::to_vec(&ApiError::from(r)).unwrap_or_default();
        let _ = http::respond(&mut &stream, status, "application/json", &body, true);
    }
    http::close(&stream, &mut reader);
}

fn answer(ctx: &Ctx, head: &Head, reader: &mut BufReader<TcpStream>, stream: &TcpStream) -> Result<(), Refusal> {
    ctx.guard.admit(head)?;
    let path = head.path();
    let Some(cmd) = path.strip_prefix("/api/") else {
        if head.method != "GET" && head.method != "HEAD" {
            return Err(Refusal::Method("GET"));
        }
        static_file(&ctx.ui, path, head.method == "GET", stream);
        return Ok(());
    };
    let len = ctx.guard.admit_command(head)?;
    // Only now, with every check passed, is the body asked for and read.
    if head.one("expect")?.is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        let _ = http::write_continue(&mut &*stream);
    }
    let body = http::read_body(reader, len)?;
    let body = String::from_utf8(body).map_err(|_| Refusal::Malformed("the body is not UTF-8".into()))?;
    if cmd == "run_stream" {
        run_stream(&ctx.service, &body, stream);
        return Ok(());
    }
    let (status, value) = match dispatch(&ctx.service, cmd, &body) {
        Ok(v) => (200, v),
        Err(e) => (400, serde_json::to_value(e).unwrap_or(Value::Null)),
    };
    let _ = http::respond(&mut &*stream, status, "application/json", value.to_string().as_bytes(), true);
    Ok(())
}

/// `POST /api/run_stream`: the run's events as they happen, one JSON object per line, then a
/// last line `{"summary": ...}` or `{"error": ...}`.
fn run_stream(service: &Service, body: &str, stream: &TcpStream) {
    let req: RunReq = match parse(body) {
        Ok(r) => r,
        Err(e) => {
            let body = serde_json::to_vec(&e).unwrap_or_default();
            let _ = http::respond(&mut &*stream, 400, "application/json", &body, true);
            return;
        }
    };
    let mut out = stream;
    let _ = http::write_head(&mut out, 200, "application/x-ndjson", None).and_then(|_| out.flush());
    // A client that goes away does not stop the run (as in the app): the writes just fail.
    let mut line = |v: &Value| {
        let mut b = v.to_string().into_bytes();
        b.push(b'\n');
        let _ = out.write_all(&b).and_then(|_| out.flush());
    };
    let r = service.run(&req.doc, req.target, &mut |e| line(&serde_json::to_value(e).unwrap_or(Value::Null)));
    line(&match r {
        Ok(summary) => json!({"summary": summary}),
        Err(e) => json!({"error": e}),
    });
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// A file of the built UI; any other path is the app's page. These files hold no secret (the
/// token is only in the URL printed at start), so they need none.
fn static_file(ui: &Path, path: &str, with_body: bool, stream: &TcpStream) {
    let rel = path.trim_start_matches('/');
    let mut file = ui.join(if rel.is_empty() { "index.html" } else { rel });
    if rel.contains("..") || rel.contains('\\') || !file.is_file() {
        file = ui.join("index.html");
    }
    let _ = match std::fs::read(&file) {
        Ok(bytes) => http::respond(&mut &*stream, 200, content_type(&file), &bytes, with_body),
        Err(_) => http::respond(&mut &*stream, 404, "text/plain; charset=utf-8", b"the UI is not built (npm run build in ui/)", with_body),
    };
}
