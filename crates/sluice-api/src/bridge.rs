//! The same commands over HTTP, so the UI can run in a plain browser against the real engine
//! (end-to-end tests in headless Chromium). `POST /api/<command>` with a JSON body; static files
//! of the built UI on every other path. Listens on loopback only and answers only its own page:
//! each start makes a token that only the printed URL carries (see `guard`).

mod guard;
mod http;
mod server;

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::files;
use crate::service::{Doc, Service};
use crate::ApiError;

pub use server::Bridge;

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

/// A connection by name, for the Connections panel's commands.
#[derive(Deserialize)]
struct ConnectionReq {
    name: String,
    /// `connection_save`: the URL (without its password).
    #[serde(default)]
    url: Option<String>,
    /// `connection_save`: a new password (empty: none); absent: keep the one kept now.
    #[serde(default)]
    password: Option<String>,
    /// `connection_save`: keep the password in the OS keyring rather than in the file.
    #[serde(default)]
    keyring: bool,
    /// `connection_columns`: the table and its schema.
    #[serde(default)]
    schema: Option<String>,
    #[serde(default)]
    table: Option<String>,
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
        "connections" => v(&service.connections()?),
        "connection_save" => {
            // A body that does not parse is refused without serde's words, which may quote a value.
            let req: ConnectionReq = serde_json::from_str(body)
                .map_err(|_| ApiError::new("A020", "bad request: connection_save takes {name, url, password?, keyring?}"))?;
            let url = req.url.ok_or_else(|| ApiError::new("A020", "bad request: connection_save needs a url"))?;
            v(&service.connection_save(&req.name, &url, req.password, req.keyring)?)
        }
        "connection_remove" => {
            service.connection_remove(&parse::<ConnectionReq>(body)?.name)?;
            Value::Null
        }
        "connection_test" => v(&service.connection_test(&parse::<ConnectionReq>(body)?.name)?),
        "connection_tables" => v(&service.connection_tables(&parse::<ConnectionReq>(body)?.name)?),
        "connection_columns" => {
            let req: ConnectionReq = parse(body)?;
            let table = req.table.ok_or_else(|| ApiError::new("A020", "bad request: connection_columns needs a table"))?;
            v(&service.connection_columns(&req.name, req.schema.as_deref(), &table)?)
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
