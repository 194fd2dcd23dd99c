// The app commands the window may call. build.rs declares each in the app manifest (Tauri then
// generates the `allow-<command>` permission for it) and capabilities/default.json grants each
// to the main window; a command missing from either is refused. build.rs includes this file, so
// the manifest and the app read the same list. (Plain comments: an inner doc comment cannot be
// included.)

pub const COMMANDS: &[&str] = &[
    "catalog",
    "check",
    "run",
    "cancel",
    "preview",
    "profile",
    "runs",
    "run_detail",
    "sql",
    "connections",
    "connection_save",
    "connection_remove",
    "connection_test",
    "connection_tables",
    "connection_columns",
    "open",
    "save",
    "headless_command",
    "export_dbt",
    "autosave",
    "recovery",
    "clear_recovery",
    "recent_files",
    "open_dialog",
    "save_dialog",
    "folder_dialog",
    "initial_spec_path",
];
