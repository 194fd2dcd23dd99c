//! Tauri's build step. The window embeds ../ui/dist at compile time; when the UI has not been
//! built yet, a page saying how to build it is embedded instead of failing the whole workspace.

fn main() {
    let dist = std::path::Path::new("../ui/dist");
    if !dist.join("index.html").exists() {
        let _ = std::fs::create_dir_all(dist);
        let _ = std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>Sluice</title><body style=\"font-family:sans-serif;padding:2em\">\
             <h1>The UI is not built</h1><p>Run <code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>, \
             then build the app again.</p></body>",
        );
    }
    tauri_build::build()
}
