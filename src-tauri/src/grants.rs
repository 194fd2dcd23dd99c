//! Which files a window may name. The web view sends paths as plain strings, so the shell accepts
//! one only when the user chose it in a dialog the shell showed, when the shell handed it out
//! itself (the spec opened at start, the recent files, the recovered document), or when it lies
//! in the folder of the document open in that window. Paths are compared after `..` and symlinks
//! are resolved, so neither leads outside what was granted. Grants last until the app closes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sluice_api::ApiError;

/// Why a path was refused.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// The path is none the user chose and not in the open document's folder.
    #[error("{}: the app only uses files chosen in a dialog, the open pipeline's file and files in its folder", .0.display())]
    NotGranted(PathBuf),
    /// The path cannot be resolved: a dangling symlink, `..` below a folder that does not
    /// exist, a file where a folder should be.
    #[error("{}: the path cannot be resolved: {reason}", .path.display())]
    Unresolvable { path: PathBuf, reason: String },
}

impl GrantError {
    /// The stable code the UI sees.
    pub fn code(&self) -> &'static str {
        match self {
            GrantError::NotGranted(_) => "A050",
            GrantError::Unresolvable { .. } => "A051",
        }
    }
}

impl From<GrantError> for ApiError {
    fn from(e: GrantError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

/// `path` as the file system will reach it: absolute, symlinks and `..` resolved. A tail that
/// does not exist yet (a file about to be saved, an export folder about to be made) is kept as
/// written, but without `..` (it could not be resolved) and not through a dangling symlink
/// (writing through it would land wherever it points).
pub fn resolve(path: &Path) -> Result<PathBuf, GrantError> {
    let unresolvable = |reason: String| GrantError::Unresolvable { path: path.to_path_buf(), reason };
    let abs = std::path::absolute(path).map_err(|e| unresolvable(e.to_string()))?;
    let mut existing = abs.as_path();
    let mut tail = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(mut real) => {
                real.extend(tail.iter().rev());
                return Ok(real);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if existing.symlink_metadata().is_ok() {
                    return Err(unresolvable(format!("{} is a symlink to nothing", existing.display())));
                }
                match (existing.parent(), existing.file_name()) {
                    (Some(parent), Some(name)) => {
                        tail.push(name.to_owned());
                        existing = parent;
                    }
                    _ => return Err(unresolvable("'..' below a folder that does not exist".into())),
                }
            }
            Err(e) => return Err(unresolvable(e.to_string())),
        }
    }
}

/// What one window may use. Everything is kept resolved.
#[derive(Debug, Default)]
pub struct Grants {
    files: HashSet<PathBuf>,
    folders: HashSet<PathBuf>,
    document: Option<PathBuf>,
}

impl Grants {
    /// A file the user chose (in a file dialog, or an output outside the spec's folder agreed to
    /// in the shell's confirmation), or one the shell handed out. A path that cannot be resolved
    /// grants nothing (using it would be refused anyway).
    pub fn grant_file(&mut self, path: &Path) {
        if let Ok(p) = resolve(path) {
            self.files.insert(p);
        }
    }

    /// A folder the user chose (an export's destination): everything inside it.
    pub fn grant_folder(&mut self, path: &Path) {
        if let Ok(p) = resolve(path) {
            self.folders.insert(p);
        }
    }

    /// The window's document is now `path` (it was opened or saved through [`Grants::check`]):
    /// its folder opens to the window, as relative paths in a spec are relative to it.
    pub fn set_document(&mut self, path: &Path) {
        if let Ok(p) = resolve(path) {
            self.document = Some(p);
        }
    }

    /// Split the outputs a document asks to write outside its folder into those this window may
    /// write and those the user has not agreed to yet.
    pub fn split_writes(&self, requested: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
        requested.iter().cloned().partition(|p| self.check(p).is_ok())
    }

    /// `path`, resolved, when this window may use it.
    pub fn check(&self, path: &Path) -> Result<PathBuf, GrantError> {
        let p = resolve(path)?;
        let in_document_folder = self.document.as_ref().and_then(|d| d.parent()).is_some_and(|dir| p.starts_with(dir));
        if in_document_folder || self.files.contains(&p) || self.folders.iter().any(|f| p.starts_with(f)) {
            Ok(p)
        } else {
            Err(GrantError::NotGranted(path.to_path_buf()))
        }
    }
}

/// The grants of every window, by label: one window's choices open nothing to another.
#[derive(Debug, Default)]
pub struct WindowGrants(Mutex<HashMap<String, Grants>>);

impl WindowGrants {
    pub fn with<T>(&self, window: &str, f: impl FnOnce(&mut Grants) -> T) -> T {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(all.entry(window.to_string()).or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A fresh folder (resolved) holding `project/spec.sluice.json` and a file outside it.
    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf, Grants) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let project = root.join("project");
        fs::create_dir_all(project.join("data")).unwrap();
        fs::write(project.join("spec.sluice.json"), "{}").unwrap();
        fs::write(root.join("secret.txt"), "x").unwrap();
        let mut g = Grants::default();
        g.set_document(&project.join("spec.sluice.json"));
        (tmp, root, project, g)
    }

    fn refused(g: &Grants, p: &Path) -> &'static str {
        g.check(p).expect_err(&p.display().to_string()).code()
    }

    #[test]
    fn a_file_chosen_in_a_dialog_is_granted_and_only_it() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        fs::write(root.join("chosen.json"), "{}").unwrap();
        fs::write(root.join("other.json"), "{}").unwrap();
        let mut g = Grants::default();
        assert_eq!(refused(&g, &root.join("chosen.json")), "A050");
        g.grant_file(&root.join("chosen.json"));
        assert_eq!(g.check(&root.join("chosen.json")).unwrap(), root.join("chosen.json"));
        // A file to be saved that does not exist yet, chosen in the save dialog.
        g.grant_file(&root.join("new.sluice.json"));
        assert_eq!(g.check(&root.join("new.sluice.json")).unwrap(), root.join("new.sluice.json"));
        // Choosing a file opens nothing beside it.
        assert_eq!(refused(&g, &root.join("other.json")), "A050");
    }

    #[test]
    fn files_in_the_document_folder_are_granted() {
        let (_tmp, _root, project, g) = setup();
        assert!(g.check(&project.join("spec.sluice.json")).is_ok());
        // A sibling, an existing file below, a file and a folder to be made.
        fs::write(project.join("other.sluice.json"), "{}").unwrap();
        assert!(g.check(&project.join("other.sluice.json")).is_ok());
        fs::write(project.join("data/in.csv"), "a\n").unwrap();
        assert!(g.check(&project.join("data/in.csv")).is_ok());
        assert_eq!(g.check(&project.join("copy.sluice.json")).unwrap(), project.join("copy.sluice.json"));
        assert_eq!(g.check(&project.join("dbt_spec/models")).unwrap(), project.join("dbt_spec/models"));
        // `..` that stays inside is fine.
        assert_eq!(g.check(&project.join("data/../other.sluice.json")).unwrap(), project.join("other.sluice.json"));
    }

    #[test]
    fn dot_dot_out_of_the_folder_is_refused() {
        let (_tmp, root, project, g) = setup();
        assert_eq!(refused(&g, &project.join("../secret.txt")), "A050");
        assert_eq!(refused(&g, &project.join("data/../../secret.txt")), "A050");
        assert_eq!(refused(&g, &project.join("../elsewhere.sluice.json")), "A050");
        // `..` below a folder that does not exist cannot be resolved, so it is refused too.
        assert_eq!(refused(&g, &project.join("missing/../../secret.txt")), "A051");
        assert!(root.join("secret.txt").is_file());
    }

    #[test]
    fn symlinks_out_of_the_folder_are_refused() {
        let (_tmp, root, project, g) = setup();
        fs::create_dir(root.join("outside")).unwrap();
        std::os::unix::fs::symlink(root.join("outside"), project.join("link")).unwrap();
        std::os::unix::fs::symlink(root.join("secret.txt"), project.join("secret-link.txt")).unwrap();
        std::os::unix::fs::symlink(root.join("outside/not-yet.json"), project.join("dangling.json")).unwrap();
        // Through a linked folder, to a file there or one to be made there.
        assert_eq!(refused(&g, &project.join("link/secret.txt")), "A050");
        assert_eq!(refused(&g, &project.join("link/new.sluice.json")), "A050");
        // A link to a file outside, and one to a file that does not exist yet.
        assert_eq!(refused(&g, &project.join("secret-link.txt")), "A050");
        assert_eq!(refused(&g, &project.join("dangling.json")), "A051");
        // A link that stays inside is followed.
        std::os::unix::fs::symlink(project.join("data"), project.join("data-link")).unwrap();
        assert!(g.check(&project.join("data-link/x.csv")).is_ok());
    }

    #[test]
    fn unrelated_paths_are_refused() {
        let (_tmp, root, _project, g) = setup();
        assert_eq!(refused(&g, &root.join("secret.txt")), "A050");
        assert_eq!(refused(&g, Path::new("/etc/passwd")), "A050");
        assert_eq!(refused(&g, Path::new("/")), "A050");
        // Nothing at all is granted before a document or a choice.
        assert_eq!(refused(&Grants::default(), &root.join("project/spec.sluice.json")), "A050");
        // A folder whose name starts like the document's folder is another folder.
        fs::create_dir(root.join("project-2")).unwrap();
        assert_eq!(refused(&g, &root.join("project-2/spec.sluice.json")), "A050");
    }

    #[test]
    fn a_chosen_folder_grants_what_is_inside() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let mut g = Grants::default();
        g.grant_folder(&root.join("dbt_out"));
        assert!(g.check(&root.join("dbt_out")).is_ok());
        assert!(g.check(&root.join("dbt_out/models/a.sql")).is_ok());
        fs::create_dir(root.join("dbt_out")).unwrap();
        assert!(g.check(&root.join("dbt_out/models")).is_ok());
        assert_eq!(refused(&g, &root.join("dbt_out/../x")), "A050");
    }

    #[test]
    fn the_document_moves_with_open_and_save() {
        let (_tmp, root, project, mut g) = setup();
        fs::create_dir(root.join("b")).unwrap();
        fs::write(root.join("b/b.sluice.json"), "{}").unwrap();
        g.set_document(&root.join("b/b.sluice.json"));
        assert!(g.check(&root.join("b/c.sluice.json")).is_ok());
        assert_eq!(refused(&g, &project.join("spec.sluice.json")), "A050");
    }

    #[test]
    fn only_granted_outputs_may_be_written() {
        let (_tmp, root, project, mut g) = setup();
        let inside = project.join("out/a.parquet");
        let agreed = root.join("exports/b.parquet");
        let other = root.join("elsewhere/c.parquet");
        g.grant_file(&agreed);
        let (ok, ask) = g.split_writes(&[inside.clone(), agreed.clone(), other.clone()]);
        assert_eq!(ok, vec![inside, agreed]);
        assert_eq!(ask, vec![other]);
    }

    #[test]
    fn windows_do_not_share_grants() {
        let (_tmp, _root, project, _g) = setup();
        let all = WindowGrants::default();
        all.with("main", |g| g.set_document(&project.join("spec.sluice.json")));
        assert!(all.with("main", |g| g.check(&project.join("x.json")).is_ok()));
        assert!(all.with("other", |g| g.check(&project.join("x.json")).is_err()));
    }

    #[test]
    fn refusals_reach_the_ui_with_their_code() {
        let e: ApiError = GrantError::NotGranted(PathBuf::from("/etc/passwd")).into();
        assert_eq!(e.code, "A050");
        assert!(e.message.starts_with("/etc/passwd: "), "{}", e.message);
    }
}
