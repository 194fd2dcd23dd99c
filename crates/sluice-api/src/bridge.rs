//! The same commands over HTTP, so the UI can run in a plain browser against the real engine
//! (end-to-end tests in headless Chromium). `POST /api/<command>` with a JSON body; static files
//! of the built UI on every other path. Binds to loopback only.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{json, Value};
use tiny_http::{Header, Method, Request, Response, Server};

use crate::files;
use crate::service::{Doc, Service};
use crate::ApiError;

#[derive(Deserialize)]
struct NodeReq {
    #[serde(flatten)]
    doc: Doc,
    node: String,
    #[serde(default = "default_limit")]
    limit: usize,
    /// Profile a sample of this many rows.
    #[serde(default)]
    sample: Option<u64>,
}

fn default_limit() -> usize {
    1000
}

#[derive(Deserialize)]
struct RunsReq {
    path: PathBuf,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    run_id: Option<String>,
}

#[derive(Deserialize)]
struct RunReq {
    #[serde(flatten)]
    doc: Doc,
    #[serde(default)]
    target: Option<String>,
}

#[derive(Deserialize)]
struct PathReq {
    path: PathBuf,
    #[serde(default)]
    spec: Value,
    #[serde(default)]
    params: IndexMap<String, String>,
}

#[derive(Deserialize)]
struct ExportReq {
    path: PathBuf,
    #[serde(default)]
    params: IndexMap<String, String>,
    out: PathBuf,
    dialect: String,
}

#[derive(Deserialize)]
struct AutosaveReq {
    spec: Value,
    #[serde(default)]
    path: Option<PathBuf>,
}

fn parse<T: for<'de> Deserialize<'de>>(body: &str) -> Result<T, ApiError> {
    serde_json::from_str(body).map_err(|e| ApiError::new("A020", format!("bad request: {e}")))
}

/// Answer one command.
pub fn dispatch(service: &Service, command: &str, body: &str) -> Result<Value, ApiError> {
    let v = |x: &dyn erased::Ser| x.to_value();
    Ok(match command {
        "catalog" => service.catalog(),
        "check" => v(&service.check(&parse::<Doc>(body)?)?),
        "run" => {
            let req: RunReq = parse(body)?;
            let mut events = vec![];
            let r = service.run(&req.doc, req.target, &mut |e| events.push(serde_json::to_value(e).unwrap()));
            match r {
                Ok(summary) => json!({"events": events, "summary": summary}),
                Err(e) => json!({"events": events, "error": e}),
            }
        }
        "cancel" => json!(service.cancel()),
        "preview" => {
            let req: NodeReq = parse(body)?;
            v(&service.preview(&req.doc, &req.node, req.limit)?)
        }
        "profile" => {
            let req: NodeReq = parse(body)?;
            v(&service.profile(&req.doc, &req.node, req.sample)?)
        }
        "runs" => {
            let req: RunsReq = parse(body)?;
            v(&service.runs(&req.path, req.limit.unwrap_or(50))?)
        }
        "run_detail" => {
            let req: RunsReq = parse(body)?;
            let id = req.run_id.ok_or_else(|| ApiError::new("A020", "bad request: run_detail needs a run_id"))?;
            service.run_detail(&req.path, &id)?
        }
        "sql" => {
            let req: NodeReq = parse(body)?;
            json!(service.sql(&req.doc, &req.node)?)
        }
        "open" => v(&service.open(&parse::<PathReq>(body)?.path)?),
        "save" => {
            let req: PathReq = parse(body)?;
            json!(service.save(&req.path, &req.spec)?)
        }
        "export_dbt" => {
            let req: ExportReq = parse(body)?;
            v(&service.export_dbt(&req.path, &req.params, &req.out, &req.dialect)?)
        }
        "headless_command" => {
            let req: PathReq = parse(body)?;
            json!(service.headless_command(&req.path, &req.params))
        }
        "autosave" => {
            let req: AutosaveReq = parse(body)?;
            files::autosave(req.spec, req.path)?;
            Value::Null
        }
        "recovery" => json!(files::recovery()),
        "clear_recovery" => {
            files::clear_recovery()?;
            Value::Null
        }
        "recent_files" => json!(files::recent_files()),
        other => return Err(ApiError::new("A021", format!("unknown command '{other}'"))),
    })
}

mod erased {
    pub trait Ser {
        fn to_value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn to_value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
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

/// A response body fed line by line from another thread.
struct Lines {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for Lines {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.buf.len() {
            match self.rx.recv() {
                Ok(line) => {
                    self.buf = line;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// `POST /api/run_stream`: the run's events as they happen, one JSON object per line, then a
/// last line `{"summary": ...}` or `{"error": ...}`.
fn run_stream(service: Arc<Service>, body: &str, req: Request) {
    let req_body: RunReq = match parse(body) {
        Ok(r) => r,
        Err(e) => {
            let _ = req.respond(Response::from_string(serde_json::to_string(&e).unwrap()).with_status_code(400));
            return;
        }
    };
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let line = |v: &Value| {
            let mut b = v.to_string().into_bytes();
            b.push(b'\n');
            b
        };
        let events = tx.clone();
        let r = service.run(&req_body.doc, req_body.target, &mut |e| {
            let _ = events.send(line(&serde_json::to_value(e).unwrap()));
        });
        let last = match r {
            Ok(summary) => json!({"summary": summary}),
            Err(e) => json!({"error": e}),
        };
        let _ = tx.send(line(&last));
    });
    let body = Lines { rx, buf: Vec::new(), pos: 0 };
    let resp = Response::new(
        tiny_http::StatusCode(200),
        vec![Header::from_bytes("Content-Type", "application/x-ndjson").unwrap()],
        body,
        None,
        None,
    );
    let _ = req.respond(resp);
}

fn handle(service: Arc<Service>, ui: &Path, mut req: Request) {
    let url = req.url().split('?').next().unwrap_or("/").to_string();
    if let Some(cmd) = url.strip_prefix("/api/") {
        let mut body = String::new();
        let _ = req.as_reader().read_to_string(&mut body);
        if cmd == "run_stream" && *req.method() == Method::Post {
            return run_stream(service, &body, req);
        }
        let (status, value) = if *req.method() != Method::Post {
            (405, json!({"code": "A022", "message": "use POST"}))
        } else {
            match dispatch(&service, cmd, &body) {
                Ok(v) => (200, v),
                Err(e) => (400, serde_json::to_value(e).unwrap()),
            }
        };
        let resp = Response::from_string(value.to_string())
            .with_status_code(status)
            .with_header(Header::from_bytes("Content-Type", "application/json").unwrap());
        let _ = req.respond(resp);
        return;
    }
    let rel = url.trim_start_matches('/');
    let mut file = ui.join(if rel.is_empty() { "index.html" } else { rel });
    if rel.contains("..") || !file.is_file() {
        file = ui.join("index.html");
    }
    match std::fs::read(&file) {
        Ok(bytes) => {
            let resp = Response::from_data(bytes).with_header(Header::from_bytes("Content-Type", content_type(&file)).unwrap());
            let _ = req.respond(resp);
        }
        Err(_) => {
            let _ = req.respond(Response::from_string("the UI is not built (npm run build in ui/)").with_status_code(404));
        }
    }
}

/// Serve until the process ends; each request on its own thread so `cancel` reaches a run.
pub fn serve(addr: &str, ui: PathBuf) -> Result<(), ApiError> {
    let server = Server::http(addr).map_err(|e| ApiError::new("A030", format!("cannot listen on {addr}: {e}")))?;
    let service = Arc::new(Service::new());
    let ui = Arc::new(ui);
    for req in server.incoming_requests() {
        let (service, ui) = (service.clone(), ui.clone());
        std::thread::spawn(move || handle(service, &ui, req));
    }
    Ok(())
}
