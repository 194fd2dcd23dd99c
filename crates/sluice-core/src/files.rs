//! The files a spec declares: what its sources read, what its sinks and state file write.
//!
//! The engine grants a run exactly these files (and nothing else) on its database connection,
//! and writes that leave the spec's folder need the user's consent (`--allow-write DIR`). Paths
//! are made absolute and normalised here (`a/../b` becomes `b`), because the database compares
//! the text of a path with what it was granted; globs are expanded to the files they match.

use std::path::{Component, Path, PathBuf};

/// Whether a node reads or writes a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Read,
    Write,
}

/// A file a kind's params name (see [`crate::catalog::Kind::files`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFile {
    /// The param naming it.
    pub param: &'static str,
    pub access: Access,
    /// As written in the spec.
    pub path: String,
    /// The part of the file the node writes, when nodes can share it (a table of a database).
    pub part: Option<String>,
    /// The named connection an object path (`s3://...`) is reached through.
    pub connection: Option<String>,
}

impl NodeFile {
    pub fn read(param: &'static str, path: &str) -> Self {
        NodeFile { param, access: Access::Read, path: path.to_string(), part: None, connection: None }
    }
    pub fn write(param: &'static str, path: &str) -> Self {
        NodeFile { param, access: Access::Write, path: path.to_string(), part: None, connection: None }
    }
    /// Reached through connection `c` (for object paths).
    pub fn via(mut self, c: Option<&str>) -> Self {
        self.connection = c.map(str::to_string);
        self
    }
    /// Writes only `part` of the file (other nodes may write other parts).
    pub fn part(mut self, part: &str) -> Self {
        self.part = Some(part.to_string());
        self
    }
}

/// One file a node declares.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileUse {
    pub node: String,
    /// The param naming it (for diagnostics).
    pub param: String,
    pub access: Access,
    /// Absolute and normalised; for reads, each file a glob matches.
    pub path: PathBuf,
    /// See [`NodeFile::part`].
    pub part: Option<String>,
    /// A write inside the spec's folder or agreed to (`--allow-write`); reads are always. The
    /// engine grants only these, so a node run while another has errors cannot reach an output
    /// nobody agreed to.
    pub consented: bool,
}

/// Everything a plan declares.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Declared {
    pub files: Vec<FileUse>,
    /// The state file runs write, when the spec names one.
    pub state: Option<PathBuf>,
    /// The database sources (node id to what it reads): a run opens only their connections.
    #[serde(skip_serializing_if = "indexmap::IndexMap::is_empty")]
    pub remotes: indexmap::IndexMap<String, crate::remote::RemoteRead>,
    /// The objects (`s3://...`, `https://...`) nodes read and write through the mirror.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<ObjectUse>,
}

/// An object path a node declares: the engine mirrors it before the node reads it, or sends the
/// node's finished output to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObjectUse {
    pub node: String,
    /// The param naming it (for diagnostics).
    pub param: String,
    pub access: Access,
    pub object: crate::objects::ObjectPath,
    /// The named connection it is reached through; none for public objects and URLs.
    pub connection: Option<String>,
    /// Its place in the mirror (a glob for a glob).
    pub local: PathBuf,
    /// The mirror's folder beside the spec (see [`crate::objects::MIRROR_DIR`]).
    pub mirror: PathBuf,
}

impl Declared {
    pub fn reads(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().filter(|f| f.access == Access::Read).map(|f| f.path.as_path())
    }
    pub fn writes(&self) -> impl Iterator<Item = &FileUse> {
        self.files.iter().filter(|f| f.access == Access::Write)
    }
}

/// `path` without `.` and `..` components (lexically: the database sees the text).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether a path written in a spec is a glob.
pub fn is_glob(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

/// The files `pattern` names: itself when it is no glob, else every file it matches, sorted as
/// DuckDB sorts them. A glob that matches nothing gives nothing.
pub fn expand(pattern: &Path) -> Vec<PathBuf> {
    let pattern = normalize(pattern);
    let text = pattern.to_string_lossy();
    if !is_glob(&text) {
        return vec![pattern.clone()];
    }
    let mut found: Vec<PathBuf> = glob::glob(&text)
        .map(|g| g.filter_map(Result::ok).filter(|p| p.is_file()).map(|p| normalize(&p)).collect())
        .unwrap_or_default();
    found.sort();
    found
}

/// Where `path` really is: symlinks and `..` resolved through its nearest existing ancestor
/// (an output that does not exist yet is where its folder really is).
pub fn real_path(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) if parent != path => real_path(parent).join(name),
        _ => normalize(path),
    }
}

/// Whether `path` is `dir` or inside it, both taken where they really are.
pub fn is_within(path: &Path, dir: &Path) -> bool {
    real_path(path).starts_with(real_path(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_resolves() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("spec");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&spec).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        assert!(is_within(&spec.join("out/new.csv"), &spec));
        assert!(!is_within(&spec.join("../outside/x.csv"), &spec));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&outside, spec.join("link")).unwrap();
            assert!(!is_within(&spec.join("link/x.csv"), &spec), "a symlink out of the folder is outside");
            std::os::unix::fs::symlink(outside.join("dotfile"), spec.join("innocent.csv")).unwrap();
            std::fs::write(outside.join("dotfile"), "x").unwrap();
            assert!(!is_within(&spec.join("innocent.csv"), &spec));
        }
        let g = spec.join("g");
        std::fs::create_dir_all(&g).unwrap();
        std::fs::write(g.join("b.csv"), "x").unwrap();
        std::fs::write(g.join("a.csv"), "x").unwrap();
        std::fs::write(g.join("c.txt"), "x").unwrap();
        let found = expand(&spec.join("x/../g/*.csv"));
        assert_eq!(found, vec![g.join("a.csv"), g.join("b.csv")]);
    }
}
