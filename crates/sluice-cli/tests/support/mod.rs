//! What the end-to-end tests of sources beyond local files share: specs written to a folder,
//! relations compared in DuckDB, and every file a run left, to look for secrets in.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// Write `spec` as `<name>.sluice.json` in `dir`; returns its path.
pub fn write_spec(dir: &Path, name: &str, spec: &serde_json::Value) -> String {
    let path = dir.join(format!("{name}.sluice.json"));
    std::fs::write(&path, serde_json::to_string_pretty(spec).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

/// Rows in one relation and not the other (both ways), and the first's row count, in DuckDB.
pub fn differing(a: &Path, b: &Path) -> (i64, i64) {
    let engine = sluice_engine::Engine::new(&sluice_engine::Settings::default()).unwrap();
    let conn = engine.connection();
    let (a, b) = (a.display(), b.display());
    conn.query_row(
        &format!(
            "SELECT (SELECT count(*) FROM (FROM '{a}' EXCEPT ALL FROM '{b}')) + (SELECT count(*) FROM (FROM '{b}' EXCEPT ALL FROM '{a}')), \
             (SELECT count(*) FROM '{a}')"
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// Every file under `dir`, as bytes.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// Whether `secret` is in any file under `dir`.
pub fn any_file_holds(dir: &Path, secret: &str) -> bool {
    files_under(dir).iter().any(|(_, b)| String::from_utf8_lossy(b).contains(secret))
}
