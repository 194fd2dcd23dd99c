//! Writing an exported project: all files or none.
//!
//! The project is built in a staging folder beside the output and renamed into place, so a failed
//! export leaves the previous project as it was. A folder is replaced only when it is empty or
//! holds an earlier export (it has the marker file), never a user's other work.

use std::path::{Path, PathBuf};

use crate::ExportError;

/// The file that marks a folder as an export, and says what made it.
pub const MARKER: &str = ".sluice-export";

/// Write `files` (paths relative to `out`) as the whole content of `out`.
pub fn write_tree(out: &Path, files: &[(PathBuf, String)]) -> Result<(), ExportError> {
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Write { path, source }
    };
    if out.exists() {
        let ours = out.join(MARKER).is_file();
        let empty = std::fs::read_dir(out).map_err(werr(out))?.next().is_none();
        if !ours && !empty {
            return Err(ExportError::NotOurs { path: out.to_path_buf() });
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(werr(&parent))?;
    let stage = tempfile::Builder::new().prefix(".sluice-export-").tempdir_in(&parent).map_err(werr(&parent))?;
    for (rel, text) in files {
        // Names made from spec text never leave the project folder.
        if !rel.components().all(|c| matches!(c, std::path::Component::Normal(_))) {
            let source = std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a path inside the project");
            return Err(ExportError::Write { path: out.join(rel), source });
        }
        let path = stage.path().join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(werr(dir))?;
        }
        std::fs::write(&path, text).map_err(werr(&out.join(rel)))?;
    }
    // Swap: the old export moves aside, the new one moves in, the old one goes.
    let old = parent.join(format!(".sluice-export-old-{}", std::process::id()));
    if out.exists() {
        std::fs::rename(out, &old).map_err(werr(out))?;
    }
    let staged = stage.keep();
    if let Err(source) = std::fs::rename(&staged, out) {
        if old.exists() {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&staged);
        return Err(ExportError::Write { path: out.to_path_buf(), source });
    }
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(werr(&old))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_an_earlier_export_but_not_other_folders() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("project");
        let files = vec![(PathBuf::from(MARKER), "x".to_string()), (PathBuf::from("models/a.sql"), "select 1".to_string())];
        write_tree(&out, &files).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("models/a.sql")).unwrap(), "select 1");
        let again = vec![(PathBuf::from(MARKER), "x".to_string()), (PathBuf::from("models/b.sql"), "select 2".to_string())];
        write_tree(&out, &again).unwrap();
        assert!(!out.join("models/a.sql").exists(), "files of the earlier export are gone");
        assert!(out.join("models/b.sql").exists());

        let other = dir.path().join("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("notes.txt"), "mine").unwrap();
        let err = write_tree(&other, &again).unwrap_err();
        assert_eq!(err.code(), "X003");
        assert_eq!(std::fs::read_to_string(other.join("notes.txt")).unwrap(), "mine");
    }
}
