//! Tauri's build step. The window embeds ../ui/dist at compile time; when the UI has not been
//! built yet, a page saying how to build it is embedded instead of failing the whole workspace.
//! The app's commands are declared in the app manifest, so the window reaches only those its
//! capability (capabilities/default.json) grants one by one.

include!("src/command_names.rs");

fn main() {
    let dist = std::path::Path::new("../ui/dist");
    if !dist.join("index.html").exists() {
        let _ = std::fs::create_dir_all(dist);
        let _ = std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>Sluice</title><body>\
             <h1>The UI is not built</h1><p>Run <code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>, \
             then build the app again.</p></body>",
        );
    }
    println!("cargo:rerun-if-changed=src/command_names.rs");
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("{e:#}");
    }
}
