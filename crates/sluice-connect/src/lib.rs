//! Named connections and the database drivers behind the database sources and sinks (and the
//! HTTP JSON APIs `read_http` reads the same way, [`http`]).
//!
//! A spec names a connection (`"connection": "warehouse"`); what it is (driver, host, database,
//! user, password) lives in the user's connections ([`store`]), never in the spec. Drivers
//! ([`database::Database`]) read a table or query in bulk and hand the rows over as Arrow record
//! batches ([`batch`]), which the engine appends to DuckDB as they are. Secrets never reach a
//! message: every driver error goes through [`secret::redact`].

pub mod batch;
pub mod database;
mod error;
pub mod http;
mod mysql;
pub mod objects;
mod pg_write;
mod postgres;
pub mod secret;
mod sqlite;
mod spreadsheet;
pub mod store;

pub use batch::{ColumnType, RemoteColumn};
pub use database::{open, open_http, open_sqlite, Above, Database, TableInfo, TableWrite};
pub use database::open_spreadsheet;
pub use error::ConnectError;
pub use secret::Secret;
pub use store::{ConnectionInfo, Connections, PasswordChoice, Resolved};
