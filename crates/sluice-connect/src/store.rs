//! The user's named connections: a JSON file in the user's config folder (owner-only), and
//! environment variables that override it. A spec names a connection; only this module knows
//! what it is.
//!
//! ```json
//! { "warehouse": { "url": "postgres://analyst@db.internal:5432/shop", "keyring": true },
//!   "crm":       { "url": "mysql://crm@10.0.0.5/crm", "password": "..." } }
//! ```
//!
//! The password comes, in this order, from `SLUICE_CONN_<NAME>_PASSWORD`, the file's
//! `password`, the OS keyring (`"keyring": true`), or the URL itself. `SLUICE_CONN_<NAME>_URL`
//! defines (or overrides) a connection without the file. `SLUICE_CONNECTIONS` names another file.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use sluice_core::remote::{valid_connection_name, Driver};

use crate::secret::Secret;
use crate::ConnectError;

/// The keyring service name passwords are kept under (the user name is the connection's name).
const KEYRING_SERVICE: &str = "sluice";

/// One connection in the file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    keyring: bool,
}

/// Where a connection is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    File,
    Env,
}

/// Where a connection's password comes from (never the password itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordFrom {
    None,
    Env,
    File,
    Keyring,
    Url,
}

/// A connection as listed: everything but the secret.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionInfo {
    pub name: String,
    pub driver: Driver,
    /// The URL without its password.
    pub url: String,
    pub host: String,
    pub port: Option<u16>,
    pub database: String,
    pub user: String,
    pub origin: Origin,
    pub password: PasswordFrom,
}

/// A connection ready to open.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub name: String,
    pub driver: Driver,
    /// Without its password.
    pub url: url::Url,
    pub password: Option<Secret>,
}

impl Resolved {
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or("localhost")
    }
    pub fn user(&self) -> String {
        percent(self.url.username())
    }
    /// The database named by the URL's path (empty when none).
    pub fn database(&self) -> String {
        percent(self.url.path().trim_start_matches('/'))
    }
    /// A query parameter of the URL (`?sslmode=require`).
    pub fn option(&self, key: &str) -> Option<String> {
        self.url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
    }
}

fn percent(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// How a saved connection keeps its password.
#[derive(Debug, Clone)]
pub enum PasswordChoice {
    /// Leave the password as it is kept now.
    Keep,
    /// No password.
    None,
    /// In the connections file (owner-only).
    File(Secret),
    /// In the OS keyring.
    Keyring(Secret),
}

/// The user's connections.
#[derive(Debug, Clone)]
pub struct Connections {
    pub path: PathBuf,
    file: IndexMap<String, Entry>,
    /// Name (lowercase) to (URL, password) from the environment.
    env: IndexMap<String, (Option<String>, Option<String>)>,
}

/// The environment variable prefix of name `name`: `SLUICE_CONN_WAREHOUSE`.
pub fn env_name(name: &str) -> String {
    format!("SLUICE_CONN_{}", name.to_ascii_uppercase())
}

impl Connections {
    /// The connections file: `SLUICE_CONNECTIONS`, else `connections.json` in the user's config
    /// folder (`$XDG_CONFIG_HOME/sluice`, `~/.config/sluice`).
    pub fn default_path() -> PathBuf {
        if let Some(p) = std::env::var_os("SLUICE_CONNECTIONS").filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .unwrap_or_else(|| PathBuf::from("."));
        config.join("sluice").join("connections.json")
    }

    /// The connections of the default file and the process's environment.
    pub fn load() -> Result<Self, ConnectError> {
        Self::load_from(&Self::default_path(), std::env::vars())
    }

    /// The connections of `path` (none when it does not exist) and of `env`.
    pub fn load_from(path: &Path, env: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConnectError> {
        let fail = |message: String| ConnectError::File { path: path.to_path_buf(), message };
        let file: IndexMap<String, Entry> = match std::fs::read_to_string(path) {
            Ok(text) if text.trim().is_empty() => IndexMap::new(),
            Ok(text) => serde_json::from_str(&text).map_err(|e| fail(format!("not a connections file: {e}")))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => IndexMap::new(),
            Err(e) => return Err(fail(e.to_string())),
        };
        if file.values().any(|e| e.password.is_some()) && readable_by_others(path) {
            return Err(fail(format!("it holds passwords and others can read it: run `chmod 600 {}`", path.display())));
        }
        let mut vars: IndexMap<String, (Option<String>, Option<String>)> = IndexMap::new();
        for (k, v) in env {
            let Some(rest) = k.strip_prefix("SLUICE_CONN_") else { continue };
            if let Some(name) = rest.strip_suffix("_URL") {
                vars.entry(name.to_ascii_lowercase()).or_default().0 = Some(v);
            } else if let Some(name) = rest.strip_suffix("_PASSWORD") {
                vars.entry(name.to_ascii_lowercase()).or_default().1 = Some(v);
            }
        }
        Ok(Connections { path: path.to_path_buf(), file, env: vars })
    }

    /// Every connection defined, by name.
    pub fn list(&self) -> Vec<ConnectionInfo> {
        let mut names: Vec<String> = self.file.keys().cloned().collect();
        for (n, (url, _)) in &self.env {
            if url.is_some() && !names.iter().any(|m| m.eq_ignore_ascii_case(n)) {
                names.push(n.clone());
            }
        }
        names.iter().filter_map(|n| self.info(n).ok()).collect()
    }

    /// The connection `name`, listed (no secret).
    pub fn info(&self, name: &str) -> Result<ConnectionInfo, ConnectError> {
        let (url, origin, from) = self.definition(name)?;
        let parsed = parse_url(name, &url)?;
        let r = Resolved { name: name.to_string(), driver: parsed.0, url: parsed.1, password: None };
        Ok(ConnectionInfo {
            name: name.to_string(),
            driver: r.driver,
            url: r.url.to_string(),
            host: r.host().to_string(),
            port: r.url.port(),
            database: r.database(),
            user: r.user(),
            origin,
            password: match from {
                PasswordFrom::None if parsed.2.is_some() => PasswordFrom::Url,
                f => f,
            },
        })
    }

    /// URL text, where it is defined, and where its password comes from (before the URL's own).
    fn definition(&self, name: &str) -> Result<(String, Origin, PasswordFrom), ConnectError> {
        let env = self.env.get(&name.to_ascii_lowercase());
        let entry = self.file.get(name);
        let env_password = env.is_some_and(|e| e.1.is_some());
        let (url, origin) = match (env.and_then(|e| e.0.clone()), entry) {
            (Some(u), _) => (u, Origin::Env),
            (None, Some(e)) => (e.url.clone(), Origin::File),
            (None, None) => return Err(ConnectError::Unknown { name: name.to_string(), env: name.to_ascii_uppercase() }),
        };
        let from = if env_password {
            PasswordFrom::Env
        } else if entry.is_some_and(|e| e.password.is_some()) {
            PasswordFrom::File
        } else if entry.is_some_and(|e| e.keyring) {
            PasswordFrom::Keyring
        } else {
            PasswordFrom::None
        };
        Ok((url, origin, from))
    }

    /// The connection `name`, with its password, ready to open.
    pub fn resolve(&self, name: &str) -> Result<Resolved, ConnectError> {
        let (url, _, from) = self.definition(name)?;
        let (driver, url, inline) = parse_url(name, &url)?;
        let password = match from {
            PasswordFrom::Env => self.env.get(&name.to_ascii_lowercase()).and_then(|e| e.1.clone()).map(Secret::new),
            PasswordFrom::File => self.file.get(name).and_then(|e| e.password.clone()).map(Secret::new),
            PasswordFrom::Keyring => Some(keyring_get(name)?),
            PasswordFrom::None | PasswordFrom::Url => inline,
        };
        Ok(Resolved { name: name.to_string(), driver, url, password })
    }

    /// Add or change connection `name` in the file (written owner-only, atomically).
    pub fn save(&mut self, name: &str, url: &str, password: PasswordChoice) -> Result<(), ConnectError> {
        if !valid_connection_name(name) {
            return Err(ConnectError::Invalid {
                name: name.to_string(),
                message: "a connection name is letters, digits and _, starting with a letter".into(),
            });
        }
        let (_, clean, inline) = parse_url(name, url)?;
        let old = self.file.get(name).cloned().unwrap_or_default();
        let mut entry = Entry { url: clean.to_string(), password: None, keyring: false };
        let choice = match (password, inline) {
            // A password written into the URL is kept like one given on its own.
            (PasswordChoice::Keep | PasswordChoice::None, Some(p)) => PasswordChoice::File(p),
            (c, _) => c,
        };
        match choice {
            PasswordChoice::Keep => {
                entry.password = old.password;
                entry.keyring = old.keyring;
            }
            PasswordChoice::None => {}
            PasswordChoice::File(p) => entry.password = Some(p.expose().to_string()),
            PasswordChoice::Keyring(p) => {
                keyring_set(name, &p)?;
                entry.keyring = true;
            }
        }
        if old.keyring && !entry.keyring {
            let _ = keyring_delete(name);
        }
        self.file.insert(name.to_string(), entry);
        self.write()
    }

    /// Remove connection `name` from the file (and its keyring password); false when the file
    /// does not define it.
    pub fn remove(&mut self, name: &str) -> Result<bool, ConnectError> {
        let Some(old) = self.file.shift_remove(name) else { return Ok(false) };
        if old.keyring {
            let _ = keyring_delete(name);
        }
        self.write()?;
        Ok(true)
    }

    fn write(&self) -> Result<(), ConnectError> {
        let fail = |e: std::io::Error| ConnectError::File { path: self.path.clone(), message: e.to_string() };
        let dir = self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(fail)?;
        let text = serde_json::to_string_pretty(&self.file).expect("connections serialise") + "\n";
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
        // NamedTempFile is created owner-only (0600) on Unix; the rename keeps that mode.
        std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(fail)?;
        tmp.as_file().sync_all().map_err(fail)?;
        tmp.persist(&self.path).map_err(|e| fail(e.error))?;
        Ok(())
    }
}

/// The driver, the URL without its password, and the password the URL held.
fn parse_url(name: &str, text: &str) -> Result<(Driver, url::Url, Option<Secret>), ConnectError> {
    let invalid = |message: String| ConnectError::Invalid { name: name.to_string(), message };
    let mut url = url::Url::parse(text.trim()).map_err(|e| invalid(format!("not a URL ({e}): write it as postgres://user@host:5432/database")))?;
    let driver = Driver::from_scheme(url.scheme()).filter(|d| *d != Driver::Sqlite).ok_or_else(|| {
        invalid(format!("unknown scheme '{}': use postgres://, mysql://, s3://, gs://, az:// or https://", url.scheme()))
    })?;
    // An object store's connection may name no host: the provider's own endpoint is used.
    if !driver.is_object_store() && url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL names no host".into()));
    }
    let inline = url.password().map(|p| Secret::new(percent(p)));
    let _ = url.set_password(None);
    Ok((driver, url, inline))
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}

fn keyring_entry(name: &str) -> Result<keyring::Entry, ConnectError> {
    keyring::Entry::new(KEYRING_SERVICE, name).map_err(|e| keyring_error(name, e))
}

fn keyring_error(name: &str, e: keyring::Error) -> ConnectError {
    ConnectError::Keyring { name: name.to_string(), env: name.to_ascii_uppercase(), message: e.to_string() }
}

fn keyring_get(name: &str) -> Result<Secret, ConnectError> {
    keyring_entry(name)?.get_password().map(Secret::new).map_err(|e| keyring_error(name, e))
}

fn keyring_set(name: &str, password: &Secret) -> Result<(), ConnectError> {
    keyring_entry(name)?.set_password(password.expose()).map_err(|e| keyring_error(name, e))
}

fn keyring_delete(name: &str) -> Result<(), ConnectError> {
    keyring_entry(name)?.delete_credential().map_err(|e| keyring_error(name, e))
}

/// Whether the OS keyring can be reached (a desktop session with a Secret Service).
pub fn keyring_available() -> bool {
    keyring::Entry::new(KEYRING_SERVICE, "__sluice_probe").is_ok_and(|e| match e.get_password() {
        Ok(_) | Err(keyring::Error::NoEntry) => true,
        Err(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_environment_defines_and_overrides_connections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        let mut c = Connections::load_from(&path, env(&[])).unwrap();
        c.save("warehouse", "postgres://ana:s3cr%40t@db.example:5433/shop?sslmode=require", PasswordChoice::Keep).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("s3cr%40t") && text.contains("\"password\": \"s3cr@t\""), "{text}");
        let c = Connections::load_from(&path, env(&[("SLUICE_CONN_CRM_URL", "mysql://crm:pw@10.0.0.5/crm")])).unwrap();
        let names: Vec<String> = c.list().into_iter().map(|i| i.name).collect();
        assert_eq!(names, ["warehouse", "crm"]);
        let w = c.info("warehouse").unwrap();
        assert_eq!((w.host.as_str(), w.port, w.database.as_str(), w.user.as_str(), w.password), ("db.example", Some(5433), "shop", "ana", PasswordFrom::File));
        assert!(!w.url.contains("s3cr"), "{}", w.url);
        let r = c.resolve("crm").unwrap();
        assert_eq!((r.driver, r.password.as_ref().map(Secret::expose)), (Driver::Mysql, Some("pw")));
        assert_eq!(c.info("crm").unwrap().password, PasswordFrom::Url);
        let c = Connections::load_from(&path, env(&[("SLUICE_CONN_WAREHOUSE_PASSWORD", "other")])).unwrap();
        assert_eq!(c.resolve("warehouse").unwrap().password.unwrap().expose(), "other");
        let e = c.resolve("nope").unwrap_err();
        assert_eq!(e.code(), "N001");
        assert!(e.to_string().contains("SLUICE_CONN_NOPE_URL"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_of_passwords_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        let mut c = Connections::load_from(&path, env(&[])).unwrap();
        c.save("w", "postgres://a@h/d", PasswordChoice::File(Secret::new("pw"))).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Connections::load_from(&path, env(&[])).unwrap_err();
        assert!(e.to_string().contains("chmod 600"), "{e}");
    }

    #[test]
    fn bad_definitions_name_the_connection() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Connections::load_from(&dir.path().join("c.json"), env(&[])).unwrap();
        let e = c.save("w", "oracle://a@h/d", PasswordChoice::None).unwrap_err();
        assert!(e.to_string().contains("connection 'w': unknown scheme 'oracle'"), "{e}");
        assert!(c.save("1bad", "postgres://a@h/d", PasswordChoice::None).is_err());
    }
}
