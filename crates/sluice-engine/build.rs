//! Build identity for result fingerprints: a hash of the engine's and the core's source files, so
//! a build that computes anything differently (a kind's SQL, a check's verdict) never reuses a
//! result cached by another. The CLI and the app link the same engine and share its cache.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dirs = [here.join("src"), here.join("../sluice-core/src")];
    let mut files = Vec::new();
    for d in &dirs {
        println!("cargo:rerun-if-changed={}", d.display());
        sources(d, &mut files);
    }
    files.sort();
    let mut h = DefaultHasher::new();
    for f in &files {
        h.write(f.strip_prefix(&here).unwrap_or(f).to_string_lossy().as_bytes());
        h.write(&std::fs::read(f).unwrap_or_default());
    }
    println!("cargo:rustc-env=SLUICE_ENGINE_BUILD={:016x}", h.finish());
}
