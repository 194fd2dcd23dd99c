//! The Sluice desktop app: a Tauri window over the bundled UI. Every command is a few lines over
//! `sluice_api::Service`, the same layer the browser bridge serves and the CLI's engine runs.
//! The shell adds what only it can decide: which files the window may name. The dialogs are the
//! shell's own, and every command that reads or writes a file takes only a path the window was
//! granted (see `grants`).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The command names build.rs declares in the app manifest; a test holds the capability to them.
#[cfg(test)]
mod command_names;
mod grants;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use grants::{Grants, WindowGrants};
use indexmap::IndexMap;
use serde_json::Value;
use sluice_api::service::{CheckResponse, Doc, Opened};
use sluice_api::{files, ApiError, Service};
use tauri::ipc::Channel;
use tauri::{Manager, State, Window};

type Svc<'a> = State<'a, Arc<Service>>;

/// Read or change the calling window's grants.
fn grants<T>(window: &Window, f: impl FnOnce(&mut Grants) -> T) -> T {
    window.state::<WindowGrants>().with(window.label(), f)
}

/// `path`, resolved, when the calling window may use it.
fn granted(window: &Window, path: &Path) -> Result<PathBuf, ApiError> {
    Ok(grants(window, |g| g.check(path))?)
}

/// The editor's document. Its path must be granted too: a run writes its history beside the
/// file, and relative paths in the spec resolve against its folder. Of the outputs outside that
/// folder the page says the user agreed to (`allow_write`), only those granted to the window
/// count: the page's word is not the user's (see [`confirm_writes`]).
fn doc(
    window: &Window,
    spec: Value,
    path: Option<PathBuf>,
    params: Option<IndexMap<String, String>>,
    allow_write: Option<Vec<PathBuf>>,
) -> Result<Doc, ApiError> {
    if let Some(p) = &path {
        granted(window, p)?;
    }
    let (allow_write, _) = grants(window, |g| g.split_writes(&allow_write.unwrap_or_default()));
    Ok(Doc { spec, path, params: params.unwrap_or_default(), allow_write })
}

/// Before a run: the outputs outside the spec's folder the page asks to write and the window was
/// not granted are put to the user in the shell's own dialog; those agreed to are granted until
/// the app closes.
async fn confirm_writes(window: &Window, requested: &[PathBuf]) {
    let (_, asked) = grants(window, |g| g.split_writes(requested));
    if asked.is_empty() {
        return;
    }
    let list = asked.iter().map(|p| format!("• {}", p.display())).collect::<Vec<_>>().join("\n");
    let answer = rfd::AsyncMessageDialog::new()
        .set_level(rfd::MessageLevel::Warning)
        .set_title("Write outside the pipeline folder?")
        .set_description(format!("The pipeline writes outside its own folder:\n{list}\n\nAllow it until Sluice closes?"))
        .set_buttons(rfd::MessageButtons::YesNo)
        .show()
        .await;
    if answer == rfd::MessageDialogResult::Yes {
        grants(window, |g| asked.iter().for_each(|p| g.grant_file(p)));
    }
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
async fn check(
    svc: Svc<'_>,
    window: Window,
    spec: Value,
    path: Option<PathBuf>,
    params: Option<IndexMap<String, String>>,
    allow_write: Option<Vec<PathBuf>>,
) -> Result<CheckResponse, ApiError> {
    let doc = doc(&window, spec, path, params, allow_write)?;
    let svc = svc.inner().clone();
    blocking(move || svc.check(&doc)).await
}

#[tauri::command]
async fn run(
    svc: Svc<'_>,
    window: Window,
    spec: Value,
    path: Option<PathBuf>,
    params: Option<IndexMap<String, String>>,
    target: Option<String>,
    allow_write: Option<Vec<PathBuf>>,
    on_event: Channel<Value>,
) -> Result<Value, ApiError> {
    if let Some(p) = &path {
        granted(&window, p)?;
    }
    if let Some(requested) = &allow_write {
        confirm_writes(&window, requested).await;
    }
    let doc = doc(&window, spec, path, params, allow_write)?;
    let svc = svc.inner().clone();
    blocking(move || {
        let summary = svc.run(&doc, target, &mut |e| {
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
async fn preview(
    svc: Svc<'_>,
    window: Window,
    spec: Value,
    path: Option<PathBuf>,
    params: Option<IndexMap<String, String>>,
    node: String,
    limit: Option<usize>,
    allow_write: Option<Vec<PathBuf>>,
) -> Result<Value, ApiError> {
    let doc = doc(&window, spec, path, params, allow_write)?;
    let svc = svc.inner().clone();
    blocking(move || {
        let t = svc.preview(&doc, &node, limit.unwrap_or(1000))?;
        Ok(serde_json::to_value(t).unwrap_or(Value::Null))
    })
    .await
}

#[tauri::command]
async fn profile(
    svc: Svc<'_>,
    window: Window,
    spec: Value,
    path: Option<PathBuf>,
    params: Option<IndexMap<String, String>>,
    node: String,
    sample: Option<u64>,
    allow_write: Option<Vec<PathBuf>>,
) -> Result<Value, ApiError> {
    let doc = doc(&window, spec, path, params, allow_write)?;
    let svc = svc.inner().clone();
    blocking(move || {
        let p = svc.profile(&doc, &node, sample)?;
        Ok(serde_json::to_value(p).unwrap_or(Value::Null))
    })
    .await
}

#[tauri::command]
async fn runs(svc: Svc<'_>, window: Window, path: PathBuf, limit: Option<usize>) -> Result<Value, ApiError> {
    granted(&window, &path)?;
    let svc = svc.inner().clone();
    blocking(move || Ok(serde_json::to_value(svc.runs(&path, limit.unwrap_or(50))?).unwrap_or(Value::Null))).await
}

#[tauri::command(rename_all = "snake_case")]
async fn run_detail(svc: Svc<'_>, window: Window, path: PathBuf, run_id: String) -> Result<Value, ApiError> {
    granted(&window, &path)?;
    let svc = svc.inner().clone();
    blocking(move || svc.run_detail(&path, &run_id)).await
}

#[tauri::command]
async fn sql(
    svc: Svc<'_>,
    window: Window,
    spec: Value,
    path: Option<PathBuf>,
    params: Option<IndexMap<String, String>>,
    node: String,
    allow_write: Option<Vec<PathBuf>>,
) -> Result<String, ApiError> {
    let doc = doc(&window, spec, path, params, allow_write)?;
    let svc = svc.inner().clone();
    blocking(move || svc.sql(&doc, &node)).await
}

/// The user's named connections (no passwords), the connections file, and whether the OS keyring
/// can hold passwords. Connections are the user's own, like the connections file of the CLI:
/// they need no grant, and no command ever hands a password back to the window.
#[tauri::command]
async fn connections(svc: Svc<'_>) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || Ok(serde_json::to_value(svc.connections()?).unwrap_or(Value::Null))).await
}

/// Add or change a connection; `password` absent keeps the one kept now.
#[tauri::command]
async fn connection_save(svc: Svc<'_>, name: String, url: String, password: Option<String>, keyring: Option<bool>) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || Ok(serde_json::to_value(svc.connection_save(&name, &url, password, keyring.unwrap_or(false))?).unwrap_or(Value::Null))).await
}

#[tauri::command]
async fn connection_remove(svc: Svc<'_>, name: String) -> Result<(), ApiError> {
    let svc = svc.inner().clone();
    blocking(move || svc.connection_remove(&name)).await
}

#[tauri::command]
async fn connection_test(svc: Svc<'_>, name: String) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || Ok(serde_json::to_value(svc.connection_test(&name)?).unwrap_or(Value::Null))).await
}

#[tauri::command]
async fn connection_tables(svc: Svc<'_>, name: String) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || Ok(serde_json::to_value(svc.connection_tables(&name)?).unwrap_or(Value::Null))).await
}

#[tauri::command]
async fn connection_columns(svc: Svc<'_>, name: String, schema: Option<String>, table: String) -> Result<Value, ApiError> {
    let svc = svc.inner().clone();
    blocking(move || Ok(serde_json::to_value(svc.connection_columns(&name, schema.as_deref(), &table)?).unwrap_or(Value::Null))).await
}

/// Open a granted spec; it becomes the window's document, and its folder opens to the window.
#[tauri::command]
fn open(svc: Svc<'_>, window: Window, path: PathBuf) -> Result<Opened, ApiError> {
    let opened = svc.open(&granted(&window, &path)?)?;
    grants(&window, |g| g.set_document(&opened.path));
    Ok(opened)
}

/// Save to a granted path; the file becomes the window's document.
#[tauri::command]
fn save(svc: Svc<'_>, window: Window, path: PathBuf, spec: Value) -> Result<String, ApiError> {
    let real = granted(&window, &path)?;
    let text = svc.save(&real, &spec)?;
    grants(&window, |g| g.set_document(&real));
    Ok(text)
}

/// Only formats a command line: it touches no file, so its path needs no grant.
#[tauri::command]
fn headless_command(svc: Svc<'_>, path: PathBuf, params: Option<IndexMap<String, String>>) -> String {
    svc.headless_command(&path, &params.unwrap_or_default())
}

/// Keep the recovery copy. Its path is granted again at the next start, so only a granted one
/// is kept.
#[tauri::command]
fn autosave(window: Window, spec: Value, path: Option<PathBuf>) -> Result<(), ApiError> {
    if let Some(p) = &path {
        granted(&window, p)?;
    }
    files::autosave(spec, path)
}

/// The recovery copy, its file granted so that it can be saved again.
#[tauri::command]
fn recovery(window: Window) -> Option<files::Recovery> {
    let r = files::recovery()?;
    if let Some(p) = &r.path {
        grants(&window, |g| g.grant_file(p));
    }
    Some(r)
}

#[tauri::command]
fn clear_recovery() -> Result<(), ApiError> {
    files::clear_recovery()
}

/// The recent files, granted: each was opened or saved through a grant before, and the UI
/// offers them to the user as a menu of choices.
#[tauri::command]
fn recent_files(window: Window) -> Vec<PathBuf> {
    let list = files::recent_files();
    grants(&window, |g| list.iter().for_each(|p| g.grant_file(p)));
    list
}

fn spec_filter(d: rfd::AsyncFileDialog) -> rfd::AsyncFileDialog {
    d.add_filter("Sluice pipeline", &["json"])
}

/// Pick a file: a pipeline spec (`purpose` "spec", the default) or an input data file ("data").
/// The file chosen is granted to the window.
#[tauri::command]
async fn open_dialog(window: Window, purpose: Option<String>) -> Option<PathBuf> {
    let d = rfd::AsyncFileDialog::new();
    let d = match purpose.as_deref() {
        Some("data") => d
            .set_title("Choose an input file")
            .add_filter("Data files", &["csv", "tsv", "txt", "gz", "parquet", "json", "ndjson", "jsonl"])
            .add_filter("All files", &["*"]),
        _ => spec_filter(d).set_title("Open pipeline"),
    };
    let picked = d.pick_file().await.map(|f| f.path().to_path_buf());
    picked.inspect(|p| grants(&window, |g| g.grant_file(p)))
}

/// Ask where to save; `default_path` only presets the dialog. The file chosen is granted.
#[tauri::command(rename_all = "snake_case")]
async fn save_dialog(window: Window, default_path: Option<PathBuf>) -> Option<PathBuf> {
    let mut d = spec_filter(rfd::AsyncFileDialog::new()).set_title("Save pipeline");
    if let Some(p) = default_path {
        if let Some(dir) = p.parent() {
            d = d.set_directory(dir);
        }
        if let Some(name) = p.file_name() {
            d = d.set_file_name(name.to_string_lossy());
        }
    }
    let picked = d.save_file().await.map(|f| f.path().to_path_buf());
    picked.inspect(|p| grants(&window, |g| g.grant_file(p)))
}

/// Ask for the folder of an exported project, starting where `default_path` (the suggested
/// folder, which may not exist yet) is. The folder chosen, and what is inside it, is granted.
#[tauri::command(rename_all = "snake_case")]
async fn folder_dialog(window: Window, title: Option<String>, default_path: Option<PathBuf>) -> Option<PathBuf> {
    let mut d = rfd::AsyncFileDialog::new().set_title(title.unwrap_or_else(|| "Choose a folder".into()));
    if let Some(dir) = default_path.as_deref().and_then(|p| p.ancestors().find(|a| a.is_dir())) {
        d = d.set_directory(dir);
    }
    let picked = d.pick_folder().await.map(|f| f.path().to_path_buf());
    picked.inspect(|p| grants(&window, |g| g.grant_folder(p)))
}

/// Export the granted spec at `path` into the granted folder `out`.
#[tauri::command]
async fn export_dbt(
    svc: Svc<'_>,
    window: Window,
    path: PathBuf,
    params: Option<IndexMap<String, String>>,
    out: PathBuf,
    dialect: String,
) -> Result<Value, ApiError> {
    granted(&window, &path)?;
    let out = granted(&window, &out)?;
    let svc = svc.inner().clone();
    blocking(move || Ok(serde_json::to_value(svc.export_dbt(&path, &params.unwrap_or_default(), &out, &dialect)?).unwrap_or(Value::Null)))
        .await
}

/// The spec to open at start: the first command-line argument, else the most recent file, else
/// (on first launch from a checkout) the sample pipeline. It is granted: the user named it.
#[tauri::command]
fn initial_spec_path(window: Window) -> Option<PathBuf> {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample_data/pipelines/customer_features.sluice.json");
    let path = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .and_then(|p| p.canonicalize().ok())
        .or_else(|| files::recent_files().into_iter().next())
        .or_else(|| sample.canonicalize().ok());
    path.inspect(|p| grants(&window, |g| g.grant_file(p)))
}

fn main() {
    tauri::Builder::default()
        .manage(Arc::new(Service::new()))
        .manage(WindowGrants::default())
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
            connections,
            connection_save,
            connection_remove,
            connection_test,
            connection_tables,
            connection_columns,
            open,
            save,
            headless_command,
            export_dbt,
            autosave,
            recovery,
            clear_recovery,
            recent_files,
            open_dialog,
            save_dialog,
            folder_dialog,
            initial_spec_path
        ])
        .run(tauri::generate_context!())
        .expect("the Sluice window could not start");
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::command_names::COMMANDS;

    /// The main window's capability grants each app command by name, and nothing else: no
    /// plugin or core permission, no wildcard, no other window.
    #[test]
    fn the_capability_grants_exactly_the_app_commands_to_the_main_window() {
        let cap: serde_json::Value = serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
        assert_eq!(cap["windows"], serde_json::json!(["main"]));
        assert!(cap.get("webviews").is_none() && cap.get("remote").is_none());
        let permissions = cap["permissions"].as_array().unwrap();
        let granted: BTreeSet<&str> = permissions.iter().map(|p| p.as_str().unwrap()).collect();
        let expected: Vec<String> = COMMANDS.iter().map(|c| format!("allow-{}", c.replace('_', "-"))).collect();
        assert_eq!(granted, expected.iter().map(String::as_str).collect::<BTreeSet<_>>());
        assert_eq!(permissions.len(), COMMANDS.len(), "each command once");
    }

    /// Everything the page loads comes from the app itself; no inline or evaluated script.
    #[test]
    fn the_content_security_policy_is_strict() {
        let conf: serde_json::Value = serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        let csp = &conf["app"]["security"]["csp"];
        assert_eq!(csp["default-src"], "'self'");
        assert_eq!(csp["script-src"], "'self'");
        assert_eq!(csp["connect-src"], "ipc: http://ipc.localhost");
        assert_eq!(csp["object-src"], "'none'");
        for (directive, sources) in csp.as_object().unwrap() {
            let sources = sources.as_str().unwrap();
            assert!(!sources.contains("unsafe-eval") && !sources.contains('*'), "{directive}: {sources}");
            // Nothing is fetched from the network; the IPC endpoint is the one URL.
            assert!(directive == "connect-src" || !sources.contains("http"), "{directive}: {sources}");
        }
        assert_eq!(conf["app"]["security"].get("dangerousDisableAssetCspModification"), None);
    }
}
