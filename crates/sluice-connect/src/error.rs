//! The connections' error type, with stable codes (`N…`: named connections). Messages never hold a secret: a driver's
//! message goes through [`crate::secret::redact`] before it becomes one of these.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// No connection of this name in the connections file or the environment.
    #[error("connection '{name}' is not defined: add it with `sluice connections add {name} --url ...` or set SLUICE_CONN_{env}_URL")]
    Unknown { name: String, env: String },
    /// The connection's definition is unusable (a bad URL, an unknown scheme).
    #[error("connection '{name}': {message}")]
    Invalid { name: String, message: String },
    /// The connections file could not be read or written.
    #[error("connections file {path}: {message}")]
    File { path: PathBuf, message: String },
    /// The password is kept in the OS keyring, which could not be read.
    #[error("connection '{name}': the OS keyring holds no password for it or cannot be reached ({message}); set SLUICE_CONN_{env}_PASSWORD instead")]
    Keyring { name: String, env: String, message: String },
    /// The server could not be reached or refused the login.
    #[error("connection '{name}': {message}")]
    Connect { name: String, message: String },
    /// The table named does not exist (or the user cannot see it).
    #[error("connection '{name}': {message}")]
    Missing { name: String, message: String },
    /// Reading failed once connected: the query, a value that does not convert.
    #[error("connection '{name}': {message}")]
    Read { name: String, message: String },
    /// Writing to the database failed; its transaction was rolled back.
    #[error("connection '{name}': {message}")]
    Write { name: String, message: String },
    /// An HTTP API did not answer, or answered with an error status, past the retries.
    #[error("GET {url} (page {page}): {message}")]
    Api { url: String, page: u64, message: String },
    /// An HTTP API's page is not what the source reads: not JSON, no records at the path, a
    /// value that does not fit its column, a next page that repeats an earlier one.
    #[error("GET {url} (page {page}): {message}")]
    ApiData { url: String, page: u64, message: String },
    /// A URL an HTTP API source may not request: outside its connection's base URL (or, without
    /// a connection, on another host than the spec's URL). Nothing was sent to it.
    #[error("{url} (page {page}): refused: {message}")]
    ApiRefused { url: String, page: u64, message: String },
    /// A spreadsheet file that cannot be read as one: missing, unreadable, corrupt, or of a
    /// format the driver does not know.
    #[error("spreadsheet {path}: {message}")]
    Workbook { path: String, message: String },
    /// The sheet named is not in the workbook (the message lists those that are).
    #[error("spreadsheet {path}: {message}")]
    NoSheet { path: String, message: String },
    /// A cell does not hold what the node reads there: an error value (`#DIV/0!`), a value
    /// that is not its column's type, or an empty header row. The message names the sheet and
    /// the cell.
    #[error("spreadsheet {path}: {message}")]
    Cell { path: String, message: String },
}

impl ConnectError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            ConnectError::Unknown { .. } => "N001",
            ConnectError::Invalid { .. } => "N002",
            ConnectError::File { .. } => "N003",
            ConnectError::Keyring { .. } => "N004",
            ConnectError::Connect { .. } => "N010",
            ConnectError::Missing { .. } => "N011",
            ConnectError::Read { .. } => "N012",
            ConnectError::Write { .. } => "N013",
            ConnectError::Api { .. } => "N020",
            ConnectError::ApiData { .. } => "N021",
            ConnectError::ApiRefused { .. } => "N022",
            ConnectError::Workbook { .. } => "N014",
            ConnectError::NoSheet { .. } => "N015",
            ConnectError::Cell { .. } => "N016",
        }
    }
}
