//! The user's named connections, for the designer's Connections panel: list, add or change,
//! remove, test, and browse a connection's tables and columns. The same library calls as
//! `sluice connections`; the connections file and the environment are read afresh at every
//! command, so edits made elsewhere show up. No answer and no error ever holds a password.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use serde::Serialize;
use sluice_connect::store::PasswordFrom;
use sluice_connect::{ConnectError, ConnectionInfo, Connections, PasswordChoice, Secret, TableInfo};
use sluice_core::remote::Relation;

use crate::{ApiError, Service};

/// The connections as the panel lists them.
#[derive(Debug, Serialize)]
pub struct ConnectionList {
    /// The connections file (`SLUICE_CONNECTIONS`, else the user's config folder).
    pub file: PathBuf,
    /// Whether the OS keyring can hold passwords (a desktop session with a Secret Service).
    pub keyring: bool,
    pub connections: Vec<ConnectionInfo>,
}

/// A connection that answered.
#[derive(Debug, Serialize)]
pub struct Tested {
    /// The server's name and version.
    pub version: String,
    /// How long connecting and asking took.
    pub ms: u64,
}

/// A column of a remote table.
#[derive(Debug, Serialize)]
pub struct RemoteColumnInfo {
    pub name: String,
    /// The DuckDB type its values are stored as.
    #[serde(rename = "type")]
    pub ty: String,
    /// The type as the database names it (`numeric(12,2)`, `jsonb`).
    pub source_type: String,
}

impl From<ConnectError> for ApiError {
    fn from(e: ConnectError) -> Self {
        // ConnectError's messages are redacted by the drivers: no password reaches them.
        ApiError::new(e.code(), e.to_string())
    }
}

/// How a save keeps the password: a new one typed (`Some`, empty: none at all), or the one kept
/// now (`None`), moved between the file and the keyring when `keyring` says so.
fn password_choice(conns: &Connections, name: &str, password: Option<String>, keyring: bool) -> Result<PasswordChoice, ConnectError> {
    if let Some(p) = password {
        return Ok(match (p.is_empty(), keyring) {
            (true, _) => PasswordChoice::None,
            (false, true) => PasswordChoice::Keyring(Secret::new(p)),
            (false, false) => PasswordChoice::File(Secret::new(p)),
        });
    }
    let now = match conns.info(name) {
        Ok(info) if info.origin == sluice_connect::store::Origin::File => info.password,
        _ => return Ok(PasswordChoice::Keep),
    };
    let moved = |c: &Connections| -> Result<Option<Secret>, ConnectError> { Ok(c.resolve(name)?.password) };
    Ok(match (now, keyring) {
        (PasswordFrom::File, true) => moved(conns)?.map(PasswordChoice::Keyring).unwrap_or(PasswordChoice::Keep),
        (PasswordFrom::Keyring, false) => moved(conns)?.map(PasswordChoice::File).unwrap_or(PasswordChoice::Keep),
        _ => PasswordChoice::Keep,
    })
}

/// Whether the OS keyring can be reached, asked once per process: the probe goes through D-Bus,
/// which can take a while to say no, and a session does not gain or lose its keyring.
fn keyring_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(sluice_connect::store::keyring_available)
}

impl Service {
    /// Every connection defined (the connections file and `SLUICE_CONN_<NAME>_URL`), the file,
    /// and whether the keyring can be used.
    pub fn connections(&self) -> Result<ConnectionList, ApiError> {
        let conns = Connections::load()?;
        Ok(ConnectionList { file: conns.path.clone(), keyring: keyring_available(), connections: conns.list() })
    }

    /// Add or change connection `name` in the connections file. `password`: a new password
    /// (empty: none), or `None` to keep the one kept now; `keyring`: keep it in the OS keyring
    /// rather than in the file (owner-only).
    pub fn connection_save(&self, name: &str, url: &str, password: Option<String>, keyring: bool) -> Result<ConnectionInfo, ApiError> {
        let mut conns = Connections::load()?;
        let choice = password_choice(&conns, name, password, keyring)?;
        conns.save(name, url, choice)?;
        Ok(conns.info(name)?)
    }

    /// Remove connection `name` from the connections file (and its password from the keyring).
    pub fn connection_remove(&self, name: &str) -> Result<(), ApiError> {
        let mut conns = Connections::load()?;
        if conns.remove(name)? {
            return Ok(());
        }
        let why = match conns.info(name) {
            Ok(_) => format!("it is defined by the environment (SLUICE_CONN_{}_URL), not by the file", name.to_ascii_uppercase()),
            Err(_) => "there is no such connection".to_string(),
        };
        Err(ApiError::new("N001", format!("connection '{name}' is not in {}: {why}", conns.path.display())))
    }

    /// Connect and ask the server's version.
    pub fn connection_test(&self, name: &str) -> Result<Tested, ApiError> {
        let resolved = Connections::load()?.resolve(name)?;
        let started = Instant::now();
        let version = sluice_connect::open(&resolved)?.version()?;
        Ok(Tested { version, ms: started.elapsed().as_millis() as u64 })
    }

    /// The tables and views the connection can read.
    pub fn connection_tables(&self, name: &str) -> Result<Vec<TableInfo>, ApiError> {
        let resolved = Connections::load()?.resolve(name)?;
        Ok(sluice_connect::open(&resolved)?.tables()?)
    }

    /// The columns of table `schema.table`, with the DuckDB type each is read as.
    pub fn connection_columns(&self, name: &str, schema: Option<&str>, table: &str) -> Result<Vec<RemoteColumnInfo>, ApiError> {
        let resolved = Connections::load()?.resolve(name)?;
        let rel = Relation::Table { schema: schema.filter(|s| !s.is_empty()).map(str::to_string), table: table.to_string() };
        let columns = sluice_connect::open(&resolved)?.columns(&rel)?;
        Ok(columns.into_iter().map(|c| RemoteColumnInfo { name: c.name, ty: c.ty.duckdb(), source_type: c.source_type }).collect())
    }
}
