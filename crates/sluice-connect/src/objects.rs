//! Object stores (S3 and S3-compatible servers, Google Cloud Storage, Azure Blob) and files on
//! web servers, behind the object paths of file sources and sinks.
//!
//! A spec's object paths are mirrored into a folder beside it (see [`sluice_core::objects`]):
//! [`sync`] lists what a path (or glob) names and downloads only the objects whose ETag or size
//! changed since the mirror last saw them, removing mirrored files the store no longer holds;
//! [`send`] puts a sink's finished output in one request (a single PUT, or a multipart upload
//! that the store makes visible only once complete), so readers never see half an object.
//!
//! Credentials come from the named connection, never the spec. Its URL names the store and
//! optionally a bucket it is limited to; its options are the store's own settings:
//! - `s3://[bucket]?region=eu-west-1&key_id=AKIA...` (password: the secret access key;
//!   `endpoint=http://host:port` for S3-compatible servers);
//! - `gs://[bucket]` (password: a service account's JSON key, or `service_account=/path.json`);
//! - `az://[container]?account=NAME` (password: the account key);
//! - `https://host[/prefix]?auth=bearer` (password: the token sent to URLs under it).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use serde::{Deserialize, Serialize};
use sluice_core::files::ObjectUse;
use sluice_core::objects::ObjectPath;
use sluice_core::remote::Driver;

use crate::secret::{redact, Secret};
use crate::store::Resolved;
use crate::ConnectError;

/// Objects up to this size go in one PUT; larger ones in parts of this size.
const PART_SIZE: usize = 16 * 1024 * 1024;

/// An object as the store lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    pub etag: Option<String>,
    pub modified: std::time::SystemTime,
}

/// An open object store (one bucket, container or web server).
pub struct Store {
    /// The connection's name, or the URL's host without one: what messages name.
    name: String,
    /// `s3://bucket`: what messages put before a key.
    root: String,
    inner: Arc<dyn ObjectStore>,
    rt: tokio::runtime::Runtime,
    secret: Option<Secret>,
}

/// Open the store `object` lives in, through connection `conn` (none: anonymous access).
pub fn open_store(object: &ObjectPath, conn: Option<&Resolved>) -> Result<Store, ConnectError> {
    let name = conn.map(|c| c.name.clone()).unwrap_or_else(|| format!("{}://{}", object.scheme, object.bucket));
    let invalid = |message: String| ConnectError::Invalid { name: name.clone(), message };
    if let Some(c) = conn {
        if c.driver != object.driver {
            return Err(invalid(format!("it is a {} connection, and {} is in {}", c.driver.name(), object.url(), object.driver.name())));
        }
        // A connection that names a bucket (or URL prefix) reaches only that one.
        let scoped = c.url.host_str().unwrap_or("");
        if object.driver != Driver::Http && !scoped.is_empty() && scoped != object.bucket {
            return Err(invalid(format!("it is limited to bucket '{scoped}', and {} is in '{}'", object.url(), object.bucket)));
        }
        if object.driver == Driver::Http && !http_under(&c.url, object) {
            return Err(invalid(format!("its credentials are for URLs under {}, and {} is not one", c.url, object.url())));
        }
    }
    let options = options(object, conn).map_err(invalid)?;
    let secret = conn.and_then(|c| c.password.clone());
    let build = |e: object_store::Error| invalid(redact(&e.to_string(), secret.as_ref()));
    // A store that stays down fails the run within a minute, not after the client's default
    // ten retries over three minutes.
    let retry = object_store::RetryConfig { max_retries: 4, retry_timeout: std::time::Duration::from_secs(60), ..Default::default() };
    let inner: Arc<dyn ObjectStore> = match object.driver {
        Driver::Http => {
            let mut headers = reqwest::header::HeaderMap::new();
            if let (Some(c), Some(s)) = (conn, &secret) {
                match c.option("auth").as_deref() {
                    Some("bearer") | None => {
                        let v = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", s.expose())).map_err(|_| invalid("the token is not a header value".into()))?;
                        headers.insert(reqwest::header::AUTHORIZATION, v);
                    }
                    Some(other) => return Err(invalid(format!("auth '{other}' is not one of: bearer"))),
                }
            }
            let client = object_store::ClientOptions::new().with_default_headers(headers).with_allow_http(object.scheme == "http");
            let base = format!("{}://{}", object.scheme, object.bucket);
            Arc::new(object_store::http::HttpBuilder::new().with_url(base).with_client_options(client).with_retry(retry).build().map_err(build)?)
        }
        Driver::S3 => {
            let mut b = object_store::aws::AmazonS3Builder::new().with_bucket_name(&object.bucket).with_retry(retry);
            for (k, v) in options {
                b = b.with_config(k.parse().map_err(|e: object_store::Error| invalid(e.to_string()))?, v);
            }
            Arc::new(b.build().map_err(build)?)
        }
        Driver::Gcs => {
            let mut b = object_store::gcp::GoogleCloudStorageBuilder::new().with_bucket_name(&object.bucket).with_retry(retry);
            for (k, v) in options {
                b = b.with_config(k.parse().map_err(|e: object_store::Error| invalid(e.to_string()))?, v);
            }
            Arc::new(b.build().map_err(build)?)
        }
        Driver::Azure => {
            let mut b = object_store::azure::MicrosoftAzureBuilder::new().with_container_name(&object.bucket).with_retry(retry);
            for (k, v) in options {
                b = b.with_config(k.parse().map_err(|e: object_store::Error| invalid(e.to_string()))?, v);
            }
            Arc::new(b.build().map_err(build)?)
        }
        other => return Err(invalid(format!("{} is not an object store", other.name()))),
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| invalid(format!("cannot start its client: {e}")))?;
    let root = match &object.account {
        Some(a) => format!("{}://{}@{a}", object.scheme, object.bucket),
        None => format!("{}://{}", object.scheme, object.bucket),
    };
    Ok(Store { name, root, inner, rt, secret })
}

/// Whether the object's URL is under the HTTP connection's URL (same scheme, host, port and
/// path prefix): a token goes only where it belongs.
fn http_under(conn: &url::Url, object: &ObjectPath) -> bool {
    let Ok(target) = url::Url::parse(&object.url()) else { return false };
    let prefix = conn.path().trim_end_matches('/');
    conn.scheme() == target.scheme()
        && conn.host_str() == target.host_str()
        && conn.port_or_known_default() == target.port_or_known_default()
        && (target.path() == prefix || target.path().starts_with(&format!("{prefix}/")) || prefix.is_empty())
}

/// The store's settings from the connection: its URL options under the names the client knows,
/// checked (a misspelt option fails instead of being ignored), and its secret.
fn options(object: &ObjectPath, conn: Option<&Resolved>) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let Some(c) = conn else {
        if object.driver.is_object_store() {
            out.push(("skip_signature".into(), "true".into()));
        }
        if object.driver == Driver::Azure {
            if let Some(a) = &object.account {
                out.push(("azure_storage_account_name".into(), a.clone()));
            }
        }
        return Ok(out);
    };
    let known = |key: &str| -> bool {
        match object.driver {
            Driver::S3 => object_store::aws::AmazonS3ConfigKey::from_str(key).is_ok(),
            Driver::Gcs => object_store::gcp::GoogleConfigKey::from_str(key).is_ok(),
            Driver::Azure => object_store::azure::AzureConfigKey::from_str(key).is_ok(),
            _ => true,
        }
    };
    for (k, v) in c.url.query_pairs() {
        let key = match (object.driver, k.as_ref()) {
            (Driver::S3, "key_id") => "aws_access_key_id".to_string(),
            (Driver::Azure, "account") => "azure_storage_account_name".to_string(),
            (Driver::Gcs, "service_account") => "google_service_account".to_string(),
            (Driver::Http, _) => continue,
            (_, other) => other.to_ascii_lowercase(),
        };
        if !known(&key) {
            return Err(format!("'{k}' is not a setting of {} connections", object.driver.name()));
        }
        if key.ends_with("endpoint") && v.starts_with("http://") {
            out.push(("allow_http".into(), "true".into()));
        }
        out.push((key, v.into_owned()));
    }
    let user = c.user();
    if !user.is_empty() {
        match object.driver {
            Driver::S3 => out.push(("aws_access_key_id".into(), user)),
            Driver::Azure => out.push(("azure_storage_account_name".into(), user)),
            _ => {}
        }
    }
    if let (Driver::Azure, Some(a)) = (object.driver, &object.account) {
        if !out.iter().any(|(k, _)| k == "azure_storage_account_name") {
            out.push(("azure_storage_account_name".into(), a.clone()));
        }
    }
    if let Some(s) = &c.password {
        let key = match object.driver {
            Driver::S3 => "aws_secret_access_key",
            Driver::Gcs => "google_service_account_key",
            Driver::Azure => "azure_storage_account_key",
            _ => return Ok(out),
        };
        out.push((key.into(), s.expose().to_string()));
    } else if object.driver == Driver::S3 && !out.iter().any(|(k, _)| k == "aws_access_key_id") {
        // No key: the machine's own credentials (environment, profile, instance role).
        for (k, v) in std::env::vars() {
            if k.starts_with("AWS_") {
                if let Ok(key) = object_store::aws::AmazonS3ConfigKey::from_str(&k.to_ascii_lowercase()) {
                    out.push((key.as_ref().to_string(), v));
                }
            }
        }
    }
    Ok(out)
}

impl Store {
    fn fail(&self, what: &str, e: object_store::Error) -> ConnectError {
        let message = redact(&format!("{what}: {e}"), self.secret.as_ref());
        match e {
            object_store::Error::NotFound { .. } => ConnectError::Missing { name: self.name.clone(), message },
            _ => ConnectError::Read { name: self.name.clone(), message },
        }
    }

    /// Every object whose key starts with `prefix` (a folder, ending in `/`, or empty).
    pub fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, ConnectError> {
        let p = (!prefix.is_empty()).then(|| StorePath::from(prefix.trim_end_matches('/')));
        let found: Vec<object_store::ObjectMeta> =
            self.rt.block_on(self.inner.list(p.as_ref()).try_collect()).map_err(|e| self.fail(&format!("listing {}/{prefix}", self.root), e))?;
        let mut out: Vec<ObjectInfo> = found.into_iter().map(info).collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// The objects and folders directly under `prefix`, for browsing.
    pub fn browse(&self, prefix: &str) -> Result<(Vec<String>, Vec<ObjectInfo>), ConnectError> {
        let p = (!prefix.is_empty()).then(|| StorePath::from(prefix.trim_end_matches('/')));
        let r = self.rt.block_on(self.inner.list_with_delimiter(p.as_ref())).map_err(|e| self.fail(&format!("listing {}/{prefix}", self.root), e))?;
        let folders = r.common_prefixes.iter().map(|p| format!("{}/", p.as_ref())).collect();
        Ok((folders, r.objects.into_iter().map(info).collect()))
    }

    /// The object `key`, or None when the store has none.
    pub fn head(&self, key: &str) -> Result<Option<ObjectInfo>, ConnectError> {
        match self.rt.block_on(self.inner.head(&StorePath::from(key))) {
            Ok(m) => Ok(Some(info(m))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.fail(&format!("reading {}/{key}", self.root), e)),
        }
    }

    /// Download `object` to `dest`: into a file beside it first, moved in place once complete
    /// and given the object's time.
    pub fn download(&self, object: &ObjectInfo, dest: &Path) -> Result<(), ConnectError> {
        let io = |e: std::io::Error| ConnectError::Read { name: self.name.clone(), message: format!("writing {}: {e}", dest.display()) };
        let dir = dest.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut part = tempfile::Builder::new().prefix(".download-").tempfile_in(dir).map_err(io)?;
        self.rt
            .block_on(async {
                let got = self.inner.get(&StorePath::from(object.key.as_str())).await?;
                let mut stream = got.into_stream();
                while let Some(chunk) = stream.try_next().await? {
                    std::io::Write::write_all(part.as_file_mut(), &chunk).map_err(|e| object_store::Error::Generic { store: "mirror", source: Box::new(e) })?;
                }
                Ok::<(), object_store::Error>(())
            })
            .map_err(|e| self.fail(&format!("downloading {}/{}", self.root, object.key), e))?;
        part.as_file().set_modified(object.modified).map_err(io)?;
        part.persist(dest).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// Put file `src` at `key` in one piece: visible to readers only once it is whole.
    pub fn upload(&self, src: &Path, key: &str) -> Result<ObjectInfo, ConnectError> {
        let write = |message: String| ConnectError::Write { name: self.name.clone(), message: redact(&message, self.secret.as_ref()) };
        let bytes = std::fs::read(src).map_err(|e| write(format!("reading {}: {e}", src.display())))?;
        let path = StorePath::from(key);
        self.rt
            .block_on(async {
                if bytes.len() <= PART_SIZE {
                    self.inner.put(&path, PutPayload::from(bytes)).await?;
                } else {
                    let upload = self.inner.put_multipart(&path).await?;
                    let mut w = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
                    w.write(&bytes);
                    w.finish().await?;
                }
                Ok::<(), object_store::Error>(())
            })
            .map_err(|e| write(format!("uploading {}/{key}: {e}", self.root)))?;
        self.head(key)?.ok_or_else(|| write(format!("{}/{key} is not there after uploading it", self.root)))
    }

    /// Remove object `key`.
    pub fn delete(&self, key: &str) -> Result<(), ConnectError> {
        self.rt
            .block_on(self.inner.delete(&StorePath::from(key)))
            .map_err(|e| ConnectError::Write { name: self.name.clone(), message: format!("removing {}/{key}: {e}", self.root) })
    }
}

fn info(m: object_store::ObjectMeta) -> ObjectInfo {
    ObjectInfo { key: m.location.as_ref().to_string(), size: m.size, etag: m.e_tag, modified: m.last_modified.into() }
}

/// What the mirror last saw of each object (by `family/bucket/key`), to download only changes.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    objects: BTreeMap<String, Seen>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seen {
    etag: Option<String>,
    size: u64,
}

impl Index {
    fn path(mirror: &Path) -> PathBuf {
        mirror.join("index.json")
    }
    fn load(mirror: &Path) -> Index {
        std::fs::read(Self::path(mirror)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }
    fn save(&self, mirror: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(mirror)?;
        let mut f = tempfile::NamedTempFile::new_in(mirror)?;
        std::io::Write::write_all(&mut f, serde_json::to_string_pretty(self).unwrap_or_default().as_bytes())?;
        f.persist(Self::path(mirror)).map(|_| ()).map_err(|e| e.error)
    }
}

fn index_key(o: &ObjectPath, key: &str) -> String {
    format!("{}/{}/{}", o.family(), o.bucket, key)
}

/// The mirror folder of `u`'s bucket: its local path without the key's parts.
fn bucket_dir(u: &ObjectUse) -> PathBuf {
    let mut p = u.local.clone();
    for _ in u.object.key.split('/').filter(|s| !s.is_empty() && *s != "." && *s != "..") {
        p.pop();
    }
    p
}

/// How a sync went.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Synced {
    /// Objects the path names now.
    pub objects: usize,
    pub downloaded: usize,
    pub bytes: u64,
    /// Mirrored files removed because the store no longer holds them.
    pub removed: usize,
}

/// Bring the mirror of `u` up to date with `store`. A read of one object that is not there
/// fails; a sink's target that is not there yet is fine (it is written, not read).
pub fn sync(store: &Store, u: &ObjectUse) -> Result<Synced, ConnectError> {
    let o = &u.object;
    let read = u.access == sluice_core::files::Access::Read;
    let found: Vec<ObjectInfo> = if o.is_glob() {
        let pattern = glob::Pattern::new(&o.key)
            .map_err(|e| ConnectError::Invalid { name: store.name.clone(), message: format!("{} is not a valid glob: {e}", o.url()) })?;
        let opts = glob::MatchOptions { case_sensitive: true, require_literal_separator: true, require_literal_leading_dot: false };
        store.list(o.list_prefix())?.into_iter().filter(|i| pattern.matches_with(&i.key, opts)).collect()
    } else {
        let key = o.key.trim_start_matches('/');
        match store.head(key)? {
            Some(i) => vec![i],
            None if read => return Err(ConnectError::Missing { name: store.name.clone(), message: format!("{} does not exist", o.url()) }),
            None => vec![],
        }
    };
    let dir = bucket_dir(u);
    let mut index = Index::load(&u.mirror);
    let mut out = Synced { objects: found.len(), ..Synced::default() };
    let mut keep = HashSet::new();
    for i in &found {
        let local = dir.join(&i.key);
        if !local.starts_with(&dir) || i.key.split('/').any(|s| s == "..") {
            continue;
        }
        keep.insert(local.clone());
        let seen = Seen { etag: i.etag.clone(), size: i.size };
        let k = index_key(o, &i.key);
        let fresh = index.objects.get(&k) == Some(&seen) && std::fs::metadata(&local).is_ok_and(|m| m.len() == i.size);
        if !fresh {
            store.download(i, &local)?;
            out.downloaded += 1;
            out.bytes += i.size;
            index.objects.insert(k, seen);
        }
    }
    // Mirrored files the glob matches that the store no longer holds would be read as if they
    // were still there.
    if o.is_glob() {
        let pattern = u.local.to_string_lossy().into_owned();
        for stale in glob::glob(&pattern).into_iter().flatten().flatten().filter(|p| p.is_file() && !keep.contains(p)) {
            if std::fs::remove_file(&stale).is_ok() {
                out.removed += 1;
                if let Ok(rel) = stale.strip_prefix(&dir) {
                    index.objects.remove(&index_key(o, &rel.to_string_lossy()));
                }
            }
        }
    } else if found.is_empty() && u.local.is_file() {
        let _ = std::fs::remove_file(&u.local);
        index.objects.remove(&index_key(o, o.key.trim_start_matches('/')));
    }
    if out.downloaded + out.removed > 0 {
        index.save(&u.mirror).map_err(|e| ConnectError::Read { name: store.name.clone(), message: format!("mirror index in {}: {e}", u.mirror.display()) })?;
    }
    Ok(out)
}

/// Send a sink's committed output (its mirror file, or the folder of a partitioned output) to
/// the store; objects of an earlier partitioned output that this one no longer has are removed.
/// Returns the bytes sent.
pub fn send(store: &Store, u: &ObjectUse) -> Result<u64, ConnectError> {
    let o = &u.object;
    let key = o.key.trim_matches('/').to_string();
    let mut index = Index::load(&u.mirror);
    let mut bytes = 0;
    if u.local.is_dir() {
        let mut sent = HashSet::new();
        let mut files = Vec::new();
        walk(&u.local, &mut files);
        for f in files {
            let rel = f.strip_prefix(&u.local).unwrap_or(&f).to_string_lossy().replace('\\', "/");
            let k = format!("{key}/{rel}");
            let i = store.upload(&f, &k)?;
            bytes += i.size;
            index.objects.insert(index_key(o, &k), Seen { etag: i.etag, size: i.size });
            sent.insert(k);
        }
        for old in store.list(&format!("{key}/"))? {
            if !sent.contains(&old.key) {
                store.delete(&old.key)?;
                index.objects.remove(&index_key(o, &old.key));
            }
        }
    } else {
        let i = store.upload(&u.local, &key)?;
        bytes += i.size;
        index.objects.insert(index_key(o, &key), Seen { etag: i.etag, size: i.size });
    }
    index.save(&u.mirror).map_err(|e| ConnectError::Write { name: store.name.clone(), message: format!("mirror index in {}: {e}", u.mirror.display()) })?;
    Ok(bytes)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

/// An object store connection opened for testing and browsing (`sluice connections test`,
/// `tables`, the designer's browser): its bucket's objects are listed as its tables. Rows are
/// read by file sources naming object paths, not through this.
pub struct Bucket {
    store: Option<Store>,
    name: String,
    driver: Driver,
}

impl Bucket {
    pub fn open(conn: &Resolved) -> Result<Bucket, ConnectError> {
        let bucket = conn.url.host_str().unwrap_or("").to_string();
        let store = if bucket.is_empty() {
            None
        } else {
            let object = ObjectPath::parse(&format!("{}://{bucket}/", conn.url.scheme())).ok_or_else(|| ConnectError::Invalid {
                name: conn.name.clone(),
                message: format!("{} is not an object store", conn.url.scheme()),
            })?;
            Some(open_store(&object, Some(conn))?)
        };
        Ok(Bucket { store, name: conn.name.clone(), driver: conn.driver })
    }

    fn store(&self) -> Result<&Store, ConnectError> {
        self.store.as_ref().ok_or_else(|| ConnectError::Invalid {
            name: self.name.clone(),
            message: "it names no bucket to list: it reaches the buckets specs name (write the bucket in its URL to browse it)".into(),
        })
    }

    fn not_rows(&self) -> ConnectError {
        ConnectError::Invalid {
            name: self.name.clone(),
            message: format!("it is a {} connection: read its objects with read_csv, read_parquet or read_json and an object path", self.driver.name()),
        }
    }
}

impl crate::Database for Bucket {
    fn version(&mut self) -> Result<String, ConnectError> {
        let store = self.store()?;
        let (folders, objects) = store.browse("")?;
        Ok(format!("{}: {} folders and {} objects at the top", store.root, folders.len(), objects.len()))
    }
    fn columns(&mut self, _rel: &sluice_core::remote::Relation) -> Result<Vec<crate::RemoteColumn>, ConnectError> {
        Err(self.not_rows())
    }
    fn fetch(
        &mut self,
        _rel: &sluice_core::remote::Relation,
        _columns: &[crate::RemoteColumn],
        _above: Option<&crate::Above>,
        _out: &mut crate::database::BatchSink<'_>,
    ) -> Result<u64, ConnectError> {
        Err(self.not_rows())
    }
    fn probe(&mut self, _rel: &sluice_core::remote::Relation, _cursor: &str) -> Result<String, ConnectError> {
        Err(self.not_rows())
    }
    /// Every object of the bucket (its folder as the schema), for browsing.
    fn tables(&mut self) -> Result<Vec<crate::TableInfo>, ConnectError> {
        let store = self.store()?;
        Ok(store
            .list("")?
            .into_iter()
            .map(|o| {
                let (folder, name) = match o.key.rsplit_once('/') {
                    Some((f, n)) => (Some(f.to_string()), n.to_string()),
                    None => (None, o.key.clone()),
                };
                crate::TableInfo { schema: folder, name, kind: "object".into() }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_credentials_stay_under_their_url() {
        let conn = url::Url::parse("https://api.example.com/v1?auth=bearer").unwrap();
        let under = |u: &str| http_under(&conn, &ObjectPath::parse(u).unwrap());
        assert!(under("https://api.example.com/v1/files/a.csv"));
        assert!(!under("https://api.example.com/v10/a.csv"));
        assert!(!under("https://evil.example.com/v1/a.csv"));
        assert!(!under("http://api.example.com/v1/a.csv"));
        assert!(!under("https://api.example.com:8443/v1/a.csv"));
    }

    #[test]
    fn options_are_checked_and_named_as_the_client_knows_them() {
        let resolved = |u: &str, password: Option<&str>| Resolved {
            name: "lake".into(),
            driver: Driver::from_scheme(u.split(':').next().unwrap()).unwrap(),
            url: url::Url::parse(u).unwrap(),
            password: password.map(Secret::new),
        };
        let s3 = ObjectPath::parse("s3://b/k.csv").unwrap();
        let o = options(&s3, Some(&resolved("s3://b?region=eu-west-1&key_id=AK&endpoint=http://127.0.0.1:9", Some("sk")))).unwrap();
        for want in [("region", "eu-west-1"), ("aws_access_key_id", "AK"), ("endpoint", "http://127.0.0.1:9"), ("allow_http", "true"), ("aws_secret_access_key", "sk")] {
            assert!(o.iter().any(|(k, v)| k == want.0 && v == want.1), "{want:?} in {o:?}");
        }
        let e = options(&s3, Some(&resolved("s3://b?regoin=x", None))).unwrap_err();
        assert!(e.contains("'regoin' is not a setting"), "{e}");
        // Without a connection, an object store is read anonymously (public buckets).
        assert!(options(&s3, None).unwrap().iter().any(|(k, _)| k == "skip_signature"));
    }

    #[test]
    fn a_connection_reaches_only_its_bucket_and_its_kind_of_store() {
        let conn = Resolved { name: "lake".into(), driver: Driver::S3, url: url::Url::parse("s3://raw").unwrap(), password: None };
        let other = ObjectPath::parse("s3://secrets/k.csv").unwrap();
        let e = open_store(&other, Some(&conn)).err().unwrap().to_string();
        assert!(e.contains("limited to bucket 'raw'"), "{e}");
        let gs = ObjectPath::parse("gs://raw/k.csv").unwrap();
        let e = open_store(&gs, Some(&conn)).err().unwrap().to_string();
        assert!(e.contains("s3 connection"), "{e}");
    }
}
