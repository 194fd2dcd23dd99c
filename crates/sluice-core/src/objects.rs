//! Paths that name objects in a store (`s3://bucket/key`, `gs://`, `az://`, `abfss://`) or files
//! on a web server (`https://host/path`), as file sources and sinks may name them.
//!
//! The engine never lets DuckDB reach the network: it mirrors the objects a spec names into a
//! folder beside the spec (`.sluice/objects/<store>/<bucket>/<key>`), downloading only objects
//! that changed, and DuckDB reads the mirror like any declared file. A sink's finished file is
//! sent to the store in one piece after the run commits it locally. So the rest of the planner,
//! the grants and the fingerprints see ordinary files, and a spec reaches only the buckets and
//! URLs it names.

use std::path::{Path, PathBuf};

use crate::remote::Driver;

/// The folder, relative to the spec's, that mirrors the objects its nodes read and write.
pub const MIRROR_DIR: &str = ".sluice/objects";

/// An object path as a spec writes it, taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct ObjectPath {
    pub driver: Driver,
    /// The scheme as written (`s3`, `s3a`, `https`...).
    pub scheme: String,
    /// The bucket (S3, GCS), container (Azure) or `host[:port]` (HTTP).
    pub bucket: String,
    /// The Azure storage account of an `abfss://container@account.dfs.core.windows.net` path.
    pub account: Option<String>,
    /// The key (path inside the bucket), without a leading `/`; may hold a glob.
    pub key: String,
}

impl ObjectPath {
    /// Parse `text` when it names an object (`None` for a local path).
    pub fn parse(text: &str) -> Option<ObjectPath> {
        let (scheme, rest) = text.split_once("://")?;
        let driver = Driver::from_scheme(scheme).filter(|d| d.is_object_store() || *d == Driver::Http)?;
        let (authority, key) = rest.split_once('/').unwrap_or((rest, ""));
        let (bucket, account) = match authority.split_once('@') {
            // abfss://container@account.dfs.core.windows.net/path
            Some((container, host)) if driver == Driver::Azure => {
                (container.to_string(), Some(host.split('.').next().unwrap_or(host).to_string()))
            }
            _ => (authority.to_string(), None),
        };
        Some(ObjectPath { driver, scheme: scheme.to_ascii_lowercase(), bucket, account, key: key.to_string() })
    }

    /// The store's family, as the mirror names its folder: `s3`, `gs`, `az` or `http`.
    pub fn family(&self) -> &'static str {
        match self.driver {
            Driver::S3 => "s3",
            Driver::Gcs => "gs",
            Driver::Azure => "az",
            _ => "http",
        }
    }

    /// Whether the key holds a glob (the store lists the objects under its fixed prefix).
    pub fn is_glob(&self) -> bool {
        crate::files::is_glob(&self.key)
    }

    /// The part of the key before its first glob character, up to a `/`: what the store lists.
    pub fn list_prefix(&self) -> &str {
        let first = self.key.find(['*', '?', '[']).unwrap_or(self.key.len());
        match self.key[..first].rfind('/') {
            Some(i) => &self.key[..=i],
            None => "",
        }
    }

    /// The object's place in the mirror beside a spec in `base_dir`.
    pub fn mirror_path(&self, base_dir: &Path) -> PathBuf {
        let mut p = base_dir.join(MIRROR_DIR).join(self.family()).join(safe_component(&self.bucket));
        for part in self.key.split('/').filter(|s| !s.is_empty() && *s != "." && *s != "..") {
            p.push(part);
        }
        p
    }

    /// What the spec wrote, for messages.
    pub fn url(&self) -> String {
        match &self.account {
            Some(a) => format!("{}://{}@{a}/{}", self.scheme, self.bucket, self.key),
            None => format!("{}://{}/{}", self.scheme, self.bucket, self.key),
        }
    }
}

/// A bucket or host as one folder name (a port's `:` kept out of paths).
fn safe_component(s: &str) -> String {
    let cleaned: String = s.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        "_".to_string()
    } else {
        cleaned
    }
}

/// Whether `path`, as a spec writes it, names an object rather than a local file.
pub fn is_object(path: &str) -> bool {
    ObjectPath::parse(path).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_object_paths_apart() {
        let p = ObjectPath::parse("s3://lake/raw/orders/*.parquet").unwrap();
        assert_eq!((p.driver, p.bucket.as_str(), p.key.as_str()), (Driver::S3, "lake", "raw/orders/*.parquet"));
        assert!(p.is_glob());
        assert_eq!(p.list_prefix(), "raw/orders/");
        assert_eq!(p.mirror_path(Path::new("/w")), PathBuf::from("/w/.sluice/objects/s3/lake/raw/orders/*.parquet"));
        let a = ObjectPath::parse("abfss://data@acct.dfs.core.windows.net/x/y.csv").unwrap();
        assert_eq!((a.driver, a.bucket.as_str(), a.account.as_deref(), a.key.as_str()), (Driver::Azure, "data", Some("acct"), "x/y.csv"));
        let h = ObjectPath::parse("https://example.org:8443/files/a.csv").unwrap();
        assert_eq!(h.mirror_path(Path::new("/w")), PathBuf::from("/w/.sluice/objects/http/example.org_8443/files/a.csv"));
        assert_eq!(ObjectPath::parse("gs://b/k.json").unwrap().list_prefix(), "");
        assert!(ObjectPath::parse("data/orders.csv").is_none());
        assert!(ObjectPath::parse("postgres://h/db").is_none());
        // A key cannot climb out of its bucket's mirror folder.
        let sneaky = ObjectPath::parse("s3://b/../../etc/passwd").unwrap();
        assert_eq!(sneaky.mirror_path(Path::new("/w")), PathBuf::from("/w/.sluice/objects/s3/b/etc/passwd"));
        assert_eq!(ObjectPath::parse("s3://../k").unwrap().mirror_path(Path::new("/w")), PathBuf::from("/w/.sluice/objects/s3/_/k"));
    }
}
