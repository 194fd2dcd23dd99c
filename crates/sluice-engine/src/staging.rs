//! Staged files of runs: the token that makes each engine's staging names its own, and the sweep
//! that deletes what killed processes left behind. A staging name ends in
//! `.<token>.sluice-tmp` (see [`staging_path`]); the token starts with the pid of
//! the process that made it, so a leftover is recognised as stale when that process is gone.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What every staging name ends with.
pub(crate) const SUFFIX: &str = ".sluice-tmp";

/// The one place staging names are made: `<dir>/.<file name>.<node>.<token>.sluice-tmp`, hidden
/// beside `target`, its own to node `node` of the engine holding `token` (see
/// [`crate::Engine::run_token`]), so two sinks or two processes never share one. Files set aside
/// while committing are named from `<target>.old` the same way.
pub fn staging_path(target: &Path, node: &str, token: &str) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    target.with_file_name(format!(".{name}.{node}.{token}{}", SUFFIX))
}

/// Without `/proc` to tell whether a process lives, a leftover this old is taken to be stale.
const STALE_AGE: Duration = Duration::from_secs(24 * 3600);

/// A token no other engine, in this process or another, holds: `<pid>-<ms since epoch>-<n>`.
pub(crate) fn new_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    format!("{}-{ms}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The pid in a staging file name: the token's (`.x.node.<pid>-<ms>-<n>.sluice-tmp`), or the
/// one names of earlier versions ended with (`.x.stage-<pid>.sluice-tmp`).
pub(crate) fn pid_of(name: &str) -> Option<u32> {
    let stem = name.strip_prefix('.')?.strip_suffix(SUFFIX)?;
    let last = stem.rsplit('.').next()?;
    let parts: Vec<&str> = last.split('-').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [pid, ms, n] if digits(pid) && digits(ms) && digits(n) => pid.parse().ok(),
        [tag, pid] if !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_lowercase()) && digits(pid) => pid.parse().ok(),
        _ => None,
    }
}

/// Whether process `pid` still runs; None when this system cannot tell (no `/proc`).
pub(crate) fn pid_alive(pid: u32) -> Option<bool> {
    if !Path::new("/proc/self").exists() {
        return None;
    }
    Some(Path::new("/proc").join(pid.to_string()).exists())
}

/// Whether the staged file or folder `path` (named `name`, made by `pid`) was left by a process
/// that is gone: it is no longer running, or (where that cannot be told) the leftover is old.
fn is_stale(path: &Path, pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    match pid_alive(pid) {
        Some(alive) => !alive,
        None => fs::symlink_metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AGE),
    }
}

/// Delete the staged files and folders of dead processes in `dir`, and, with `deep`, in every
/// folder below it (partitioned datasets keep staged partitions inside). Best effort: a file that
/// cannot be deleted stays for the next sweep.
pub(crate) fn sweep(dir: &Path, deep: bool) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        match pid_of(&name) {
            Some(pid) if is_stale(&e.path(), pid) => {
                let _ = if is_dir { fs::remove_dir_all(e.path()) } else { fs::remove_file(e.path()) };
            }
            Some(_) => {}
            None if deep && is_dir => sweep(&e.path(), true),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_are_read_from_current_and_earlier_names() {
        assert_eq!(pid_of(".result.csv.write_out.4242-1765000000000-3.sluice-tmp"), Some(4242));
        assert_eq!(pid_of(".by_month.old.parts.17-1-0.sluice-tmp"), Some(17));
        assert_eq!(pid_of(".result.csv.stage-977.sluice-tmp"), Some(977));
        assert_eq!(pid_of("result.csv"), None);
        assert_eq!(pid_of(".result.csv.sluice-tmp"), None);
        assert_eq!(pid_of(".x.node.12-ab-3.sluice-tmp"), None);
        let t = new_token();
        assert_eq!(pid_of(&format!(".x.n.{t}{SUFFIX}")), Some(std::process::id()));
        assert_ne!(new_token(), t);
    }

    #[test]
    fn the_sweep_removes_leftovers_of_dead_processes_only() {
        let dir = tempfile::tempdir().unwrap();
        // A pid above the kernel's limit never runs.
        let dead = format!(".out.csv.write.{}-1-0{SUFFIX}", 4_194_305);
        let mine = format!(".out.csv.write.{}{SUFFIX}", new_token());
        let legacy_dir = format!(".parts.stage-{}{SUFFIX}", 4_194_306);
        fs::write(dir.path().join(&dead), b"x").unwrap();
        fs::write(dir.path().join(&mine), b"x").unwrap();
        fs::create_dir_all(dir.path().join(&legacy_dir).join("k=1")).unwrap();
        fs::create_dir_all(dir.path().join("parts/k=1")).unwrap();
        fs::write(dir.path().join("parts").join(&dead), b"x").unwrap();
        fs::write(dir.path().join("out.csv"), b"a\n").unwrap();
        sweep(dir.path(), false);
        if pid_alive(1).is_none() {
            return; // no /proc: only old leftovers go, and these are new
        }
        assert!(!dir.path().join(&dead).exists() && !dir.path().join(&legacy_dir).exists());
        assert!(dir.path().join(&mine).exists() && dir.path().join("out.csv").exists());
        assert!(dir.path().join("parts").join(&dead).exists(), "not deep");
        sweep(dir.path(), true);
        assert!(!dir.path().join("parts").join(&dead).exists());
    }
}
