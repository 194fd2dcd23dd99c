//! The Sluice desktop app: a Tauri window over the bundled UI. Every command is a few lines over
//! `sluice_api::Service`, the same layer the browser bridge serves and the CLI's engine runs.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;
use sluice_api::service::{CheckResponse, Doc, Opened};
use sluice_api::{files, ApiError, Service};
use tauri::ipc::Channel;
use tauri::State;

type Svc<'a> = State<'a, Arc<Service>>;

fn doc(spec: Value, path: Option<PathBuf>, params: Option<IndexMap<String, String>>) -> Doc {
    Doc { spec, path, params: params.unwrap_or_default() }
}

/// Work that may take a while runs off the main thread, so the window stays responsive.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ApiError> + Send + 'static) -> Result<T, ApiError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new("A099", format!("internal error, this is a bug: {e}")))?
}

#[tauri::command]
fn catalog(svc: Svc<'_>) -> Value {
    svc.catalog()
}

#[tauri::command]
async fn check(svc: Svc<'_>, spec: Value, path: Option<PathBuf>, params: Option<IndexMap<String, String>>) -> Result<CheckResponse, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || svc.check(&doc(spec, path, params))).await
}

#[tauri::command]
async fn run(
    svc: Svc<'_>,
    spec: Value,
    path: Option<PathBuf>,
    params: Option<IndexMap<String, String>>,
    target: Option<String>,
    on_event: Channel<Value>,
) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || {
        let summary = svc.run(&doc(spec, path, params), target, &mut |e| {
            let _ = on_event.send(serde_json::to_value(e).unwrap_or(Value::Null));
        })?;
        Ok(serde_json::to_value(summary).unwrap_or(Value::Null))
    })
    .await
}

#[tauri::command]
fn cancel(svc: Svc<'_>) -> bool {
    svc.cancel()
}

#[tauri::command]
async fn preview(svc: Svc<'_>, spec: Value, path: Option<PathBuf>, params: Option<IndexMap<String, String>>, node: String, limit: Option<usize>) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || {
        let t = svc.preview(&doc(spec, path, params), &node, limit.unwrap_or(1000))?;
        Ok(serde_json::to_value(t).unwrap_or(Value::Null))
    })
    .await
}

#[tauri::command]
async fn profile(
    svc: Svc<'_>,
    spec: Value,
    path: Option<PathBuf>,
    params: Option<IndexMap<String, String>>,
    node: String,
    sample: Option<u64>,
) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || {
        let p = svc.profile(&doc(spec, path, params), &node, sample)?;
        Ok(serde_json::to_value(p).unwrap_or(Value::Null))
    })
    .await
}

#[tauri::command]
async fn runs(svc: Svc<'_>, path: PathBuf, limit: Option<usize>) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || Ok(serde_json::to_value(svc.runs(&path, limit.unwrap_or(50))?).unwrap_or(Value::Null))).await
}

#[tauri::command(rename_all = "snake_case")]
async fn run_detail(svc: Svc<'_>, path: PathBuf, run_id: String) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || svc.run_detail(&path, &run_id)).await
}

#[tauri::command]
async fn sql(svc: Svc<'_>, spec: Value, path: Option<PathBuf>, params: Option<IndexMap<String, String>>, node: String) -> Result<String, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || svc.sql(&doc(spec, path, params), &node)).await
}

#[tauri::command]
fn open(svc: Svc<'_>, path: PathBuf) -> Result<Opened, ApiError> {
    svc.open(&path)
}

#[tauri::command]
fn save(svc: Svc<'_>, path: PathBuf, spec: Value) -> Result<String, ApiError> {
    svc.save(&path, &spec)
}

#[tauri::command]
fn headless_command(svc: Svc<'_>, path: PathBuf, params: Option<IndexMap<String, String>>) -> String {
    svc.headless_command(&path, &params.unwrap_or_default())
}

#[tauri::command]
fn autosave(spec: Value, path: Option<PathBuf>) -> Result<(), ApiError> {
    files::autosave(spec, path)
}

#[tauri::command]
fn recovery() -> Option<files::Recovery> {
    files::recovery()
}

#[tauri::command]
fn clear_recovery() -> Result<(), ApiError> {
    files::clear_recovery()
}

#[tauri::command]
fn recent_files() -> Vec<PathBuf> {
    files::recent_files()
}

fn spec_filter(d: rfd::AsyncFileDialog) -> rfd::AsyncFileDialog {
    d.add_filter("Sluice pipeline", &["json"])
}

/// Pick a file: a pipeline spec (`purpose` "spec", the default) or an input data file ("data").
#[tauri::command]
async fn open_dialog(purpose: Option<String>) -> Option<PathBuf> {
    let d = rfd::AsyncFileDialog::new();
    let d = match purpose.as_deref() {
        Some("data") => d
            .set_title("Choose an input file")
            .add_filter("Data files", &["csv", "tsv", "txt", "gz", "parquet", "json", "ndjson", "jsonl"])
            .add_filter("All files", &["*"]),
        _ => spec_filter(d).set_title("Open pipeline"),
    };
    d.pick_file().await.map(|f| f.path().to_path_buf())
}

#[tauri::command(rename_all = "snake_case")]
async fn save_dialog(default_path: Option<PathBuf>) -> Option<PathBuf> {
    let mut d = spec_filter(rfd::AsyncFileDialog::new()).set_title("Save pipeline");
    if let Some(p) = default_path {
        if let Some(dir) = p.parent() {
            d = d.set_directory(dir);
        }
        if let Some(name) = p.file_name() {
            d = d.set_file_name(name.to_string_lossy());
        }
    }
    d.save_file().await.map(|f| f.path().to_path_buf())
}

/// Ask for the folder of an exported project.
#[tauri::command]
async fn folder_dialog(title: Option<String>) -> Option<PathBuf> {
    let d = rfd::AsyncFileDialog::new().set_title(title.unwrap_or_else(|| "Choose a folder".into()));
    d.pick_folder().await.map(|f| f.path().to_path_buf())
}

#[tauri::command]
async fn export_dbt(
    svc: Svc<'_>,
    path: PathBuf,
    params: Option<IndexMap<String, String>>,
    out: PathBuf,
    dialect: String,
) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || Ok(serde_json::to_value(svc.export_dbt(&path, &params.unwrap_or_default(), &out, &dialect)?).unwrap_or(Value::Null)))
        .await
}

/// The spec to open at start: the first command-line argument, else the most recent file, else
/// (on first launch from a checkout) the sample pipeline.
#[tauri::command]
fn initial_spec_path() -> Option<PathBuf> {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample_data/pipelines/customer_features.sluice.json");
    std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .and_then(|p| p.canonicalize().ok())
        .or_else(|| files::recent_files().into_iter().next())
        .or_else(|| sample.canonicalize().ok())
}

fn main() {
    tauri::Builder::default()
        .manage(Arc::new(Service::new()))
        .invoke_handler(tauri::generate_handler![
            catalog,
            check,
            run,
            cancel,
            preview,
            profile,
            runs,
            run_detail,
            sql,
            open,
            save,
            headless_command,
            export_dbt,
            folder_dialog,
            autosave,
            recovery,
            clear_recovery,
            recent_files,
            open_dialog,
            save_dialog,
            initial_spec_path
        ])
        .run(tauri::generate_context!())
        .expect("the Sluice window could not start");
}
