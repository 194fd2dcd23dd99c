//! `sluice connections`: the user's named connections (list, add, remove, test, tables). What a
//! connection is lives here and in the environment, never in a spec; no command prints a
//! password.

use std::io::Read;

use clap::Subcommand;
use sluice_connect::{ConnectError, Connections, PasswordChoice, Secret};

use crate::stdio::{errln, outln};

#[derive(Subcommand)]
pub enum ConnectionsAction {
    /// List the connections (from the connections file and SLUICE_CONN_<NAME>_URL variables).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Connect and print the server's version.
    Test { name: String },
    /// List the tables and views a connection can read.
    Tables {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Add or change a connection in the connections file (written owner-only).
    Add {
        name: String,
        /// postgres://user@host:5432/database or mysql://user@host:3306/database
        /// (`?sslmode=require` for TLS on PostgreSQL).
        #[arg(long)]
        url: String,
        /// Read the password from the first line of stdin (never from the command line, where
        /// other users and the shell history would see it).
        #[arg(long)]
        password_stdin: bool,
        /// Keep the password in the OS keyring instead of the connections file.
        #[arg(long, requires = "password_stdin")]
        keyring: bool,
    },
    /// Remove a connection from the connections file (and its password from the keyring).
    Remove { name: String },
}

/// Run a connections command; the exit code.
pub fn dispatch(action: ConnectionsAction) -> u8 {
    match run(action) {
        Ok(code) => code,
        Err(e) => {
            errln!("error[{}]: {e}", e.code());
            match e {
                ConnectError::Unknown { .. } | ConnectError::Invalid { .. } => 2,
                _ => 1,
            }
        }
    }
}

fn run(action: ConnectionsAction) -> Result<u8, ConnectError> {
    let mut conns = Connections::load()?;
    match action {
        ConnectionsAction::List { json } => {
            let list = conns.list();
            if json {
                outln!("{}", serde_json::to_string_pretty(&serde_json::json!({"file": conns.path, "connections": list})).unwrap());
                return Ok(0);
            }
            if list.is_empty() {
                outln!("no connections ({} does not define any; add one with `sluice connections add NAME --url URL`)", conns.path.display());
            }
            for c in &list {
                let origin = match c.origin {
                    sluice_connect::store::Origin::File => "file",
                    sluice_connect::store::Origin::Env => "environment",
                };
                let password = serde_json::to_value(c.password).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                outln!("{:<16} {:<9} {}  (from {origin}, password: {password})", c.name, c.driver.name(), c.url);
            }
            Ok(0)
        }
        ConnectionsAction::Test { name } => {
            let resolved = conns.resolve(&name)?;
            let started = std::time::Instant::now();
            let version = sluice_connect::open(&resolved)?.version()?;
            outln!("{name}: ok in {} ms ({version})", started.elapsed().as_millis());
            Ok(0)
        }
        ConnectionsAction::Tables { name, json } => {
            let tables = sluice_connect::open(&conns.resolve(&name)?)?.tables()?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&tables).unwrap());
            } else {
                for t in &tables {
                    // An object's "schema" is its folder.
                    let full = match (&t.schema, t.kind.as_str()) {
                        (Some(s), "object") => format!("{s}/{}", t.name),
                        (Some(s), _) => format!("{s}.{}", t.name),
                        (None, _) => t.name.clone(),
                    };
                    outln!("{full:<40} {}", t.kind);
                }
            }
            Ok(0)
        }
        ConnectionsAction::Add { name, url, password_stdin, keyring } => {
            let choice = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_to_string(&mut line)
                    .map_err(|e| ConnectError::Invalid { name: name.clone(), message: format!("reading the password from stdin: {e}") })?;
                let password = Secret::new(line.lines().next().unwrap_or_default());
                if keyring {
                    PasswordChoice::Keyring(password)
                } else {
                    PasswordChoice::File(password)
                }
            } else {
                PasswordChoice::Keep
            };
            conns.save(&name, &url, choice)?;
            outln!("{name}: saved in {}", conns.path.display());
            Ok(0)
        }
        ConnectionsAction::Remove { name } => {
            if conns.remove(&name)? {
                outln!("{name}: removed from {}", conns.path.display());
                Ok(0)
            } else {
                errln!("error[N001]: connection '{name}' is not in {}", conns.path.display());
                Ok(2)
            }
        }
    }
}
