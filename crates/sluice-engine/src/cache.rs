//! The result cache: node results kept on disk by fingerprint, shared by the app and the CLI and
//! surviving restarts, so a re-run or a preview only computes the nodes an edit made dirty.
//!
//! One entry per fingerprint in the cache folder: `<key>.json` (rows, fitted state, a check's
//! verdict, or the identity of the file a sink wrote) and, for nodes with rows, `<key>.duckdb`
//! (the rows in a table `t`, exact types kept). Files are written beside their final name and
//! renamed, so a reader never sees half an entry. Reading an entry touches its `.json`: the
//! folder is kept under its size bound by deleting the least recently used entries first.
//! An entry with rows also keeps their column distributions once they are drawn.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sluice_core::state::NodeState;

use crate::checks::CheckResult;

/// Default bound of the cache folder.
pub const DEFAULT_MAX_BYTES: u64 = 5 << 30;

/// A cache folder and its size bound.
#[derive(Debug, Clone)]
pub struct Cache {
    pub dir: PathBuf,
    pub max_bytes: u64,
    /// Fingerprint input files by their content, whatever their size.
    pub hash_content: bool,
}

/// What an entry records.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Entry {
    pub node: String,
    pub kind: String,
    /// Rows of the node (rows written, for a sink).
    pub rows: u64,
    /// Milliseconds since the epoch.
    pub created_ms: u64,
    /// The state a stateful node fitted on its way to these rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<NodeState>,
    /// A check's verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckResult>,
    /// A sink's output and its identity on disk just after the write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<WrittenOutput>,
    /// The distributions of the rows' columns, once drawn: the same rows give the same
    /// distributions, so a preview or a re-run of a cached node need not scan them again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histograms: Option<Vec<crate::histogram::Histogram>>,
}

/// An output a sink wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WrittenOutput {
    pub path: PathBuf,
    pub identity: String,
}

impl Cache {
    /// The cache in `dir`: `SLUICE_CACHE_SIZE` (e.g. `2GB`) bounds it, `SLUICE_CACHE_HASH=content`
    /// fingerprints every input file by content.
    pub fn in_dir(dir: &Path) -> Self {
        let max_bytes = std::env::var("SLUICE_CACHE_SIZE").ok().and_then(|s| parse_size(&s)).unwrap_or(DEFAULT_MAX_BYTES);
        let hash_content = std::env::var("SLUICE_CACHE_HASH").is_ok_and(|v| v == "content");
        Cache { dir: dir.to_path_buf(), max_bytes, hash_content }
    }

    fn meta_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// Where the rows of entry `key` live.
    pub fn data_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.duckdb"))
    }

    /// A fresh file to write the rows of `key` into before [`Cache::commit_data`].
    pub fn data_staging(&self, key: &str) -> std::io::Result<PathBuf> {
        fs::create_dir_all(&self.dir)?;
        let p = self.dir.join(format!(".{key}.{}.duckdb.tmp", std::process::id()));
        remove_database(&p);
        Ok(p)
    }

    /// Move staged rows into place.
    pub fn commit_data(&self, staged: &Path, key: &str) -> std::io::Result<()> {
        let _ = fs::remove_file(wal(staged));
        fs::rename(staged, self.data_path(key))
    }

    /// The entry for `key`, when it is complete (its rows are there if it has rows), marked as
    /// just used.
    pub fn get(&self, key: &str, with_rows: bool) -> Option<Entry> {
        let meta = self.meta_path(key);
        let entry: Entry = serde_json::from_slice(&fs::read(&meta).ok()?).ok()?;
        if with_rows && !self.data_path(key).is_file() {
            return None;
        }
        if let Ok(f) = fs::File::options().append(true).open(&meta) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(entry)
    }

    /// Record entry `key` (after its rows, if any, are in place).
    pub fn put(&self, key: &str, entry: &Entry) -> std::io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(".{key}.{}.json.tmp", std::process::id()));
        fs::write(&tmp, serde_json::to_vec(entry).map_err(std::io::Error::other)?)?;
        fs::rename(&tmp, self.meta_path(key))
    }

    /// Delete the least recently used entries until the folder is within its bound, never
    /// those in `keep` (the run under way uses them).
    /// Files a killed process was writing (`.<key>.<pid>.duckdb.tmp`, its `.wal`,
    /// `.<key>.<pid>.json.tmp`) are deleted on the way.
    pub fn evict(&self, keep: &HashSet<String>) {
        let Ok(dir) = fs::read_dir(&self.dir) else { return };
        let mut entries: Vec<(SystemTime, String, u64)> = Vec::new();
        let mut total = 0u64;
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(pid) = staging_pid(&name) {
                if pid != std::process::id() && crate::staging::pid_alive(pid) == Some(false) {
                    let _ = fs::remove_file(e.path());
                }
                continue;
            }
            let Some(key) = name.strip_suffix(".json").filter(|k| !k.starts_with('.')) else { continue };
            let used = e.metadata().and_then(|m| m.modified()).unwrap_or(UNIX_EPOCH);
            let size = e.metadata().map(|m| m.len()).unwrap_or(0) + fs::metadata(self.data_path(key)).map(|m| m.len()).unwrap_or(0);
            total += size;
            entries.push((used, key.to_string(), size));
        }
        if total <= self.max_bytes {
            return;
        }
        entries.sort();
        for (_, key, size) in entries {
            if total <= self.max_bytes {
                break;
            }
            if keep.contains(&key) {
                continue;
            }
            // The description goes first: an entry without it is never read.
            let _ = fs::remove_file(self.meta_path(&key));
            remove_database(&self.data_path(&key));
            total = total.saturating_sub(size);
        }
    }

    /// Entries and bytes in the cache folder.
    pub fn usage(&self) -> (usize, u64) {
        let Ok(dir) = fs::read_dir(&self.dir) else { return (0, 0) };
        let mut n = 0;
        let mut bytes = 0;
        for e in dir.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".json") && !name.starts_with('.') {
                n += 1;
            }
            bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
        (n, bytes)
    }

    /// Delete every entry.
    pub fn clear(&self) -> std::io::Result<()> {
        match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// The pid in the name of a file being written into the cache folder.
fn staging_pid(name: &str) -> Option<u32> {
    let stem = name.strip_prefix('.')?;
    let stem = [".duckdb.tmp.wal", ".duckdb.tmp", ".json.tmp"].iter().find_map(|s| stem.strip_suffix(s))?;
    stem.rsplit_once('.')?.1.parse().ok()
}

fn wal(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".wal");
    PathBuf::from(s)
}

/// Delete a DuckDB file and its write-ahead log.
pub(crate) fn remove_database(p: &Path) {
    let _ = fs::remove_file(p);
    let _ = fs::remove_file(wal(p));
}

/// `512MB`, `5GB`, `1.5GiB`, or a number of bytes.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.trim().parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1u64,
        "kb" | "kib" | "k" => 1 << 10,
        "mb" | "mib" | "m" => 1 << 20,
        "gb" | "gib" | "g" => 1 << 30,
        "tb" | "tib" | "t" => 1 << 40,
        _ => return None,
    };
    (n >= 0.0).then(|| (n * mult as f64) as u64)
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("512MB"), Some(512 << 20));
        assert_eq!(parse_size("2 GB"), Some(2 << 30));
        assert_eq!(parse_size("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("lots"), None);
    }

    #[test]
    fn eviction_deletes_what_dead_processes_were_writing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache { dir: dir.path().to_path_buf(), max_bytes: u64::MAX, hash_content: false };
        // A pid above the kernel's limit never runs.
        let dead = [".k1.4194305.duckdb.tmp", ".k1.4194305.duckdb.tmp.wal", ".k2.4194305.json.tmp"];
        let mine = format!(".k3.{}.duckdb.tmp", std::process::id());
        for n in dead.iter().copied().chain([mine.as_str()]) {
            fs::write(dir.path().join(n), b"x").unwrap();
        }
        cache.put("k4", &Entry::default()).unwrap();
        cache.evict(&HashSet::new());
        if crate::staging::pid_alive(1).is_some() {
            assert!(dead.iter().all(|n| !dir.path().join(n).exists()));
        }
        assert!(dir.path().join(&mine).exists() && cache.get("k4", false).is_some());
    }

    #[test]
    fn eviction_drops_the_least_recently_used_first_and_spares_the_run_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache { dir: dir.path().to_path_buf(), max_bytes: u64::MAX, hash_content: false };
        for (i, key) in ["a", "b", "c"].iter().enumerate() {
            cache.put(key, &Entry { node: key.to_string(), ..Default::default() }).unwrap();
            fs::write(cache.data_path(key), vec![0u8; 1000]).unwrap();
            let t = SystemTime::now() - std::time::Duration::from_secs(100 - i as u64 * 10);
            fs::File::options().append(true).open(cache.meta_path(key)).unwrap().set_modified(t).unwrap();
        }
        // "a" is the oldest but was just read; "b" is now the least recently used.
        assert!(cache.get("a", true).is_some());
        let (_, bytes) = cache.usage();
        cache.max_bytes = bytes - 1;
        cache.evict(&HashSet::new());
        assert!(cache.get("b", true).is_none());
        assert!(cache.get("a", true).is_some() && cache.get("c", true).is_some());
        // Over the bound, but everything left is in use: nothing more goes.
        cache.max_bytes = 0;
        cache.evict(&["a".to_string(), "c".to_string()].into_iter().collect());
        assert!(cache.get("a", true).is_some() && cache.get("c", true).is_some());
        cache.evict(&HashSet::new());
        assert_eq!(cache.usage().0, 0);
    }
}
