//! The profile's side of database sources: the connection a dbt-postgres project runs in, the
//! databases a dbt-duckdb project attaches, and what the README says about them.
//!
//! No secret is ever written. Host, port, user and database come from the connection as it was
//! defined when exporting; the password is read when dbt runs, from the variable sluice reads it
//! from too (`SLUICE_CONN_<NAME>_PASSWORD`). A connection not defined when exporting is read from
//! variables for all of them (`SLUICE_CONN_<NAME>_HOST`, `_PORT`, `_USER`, `_DATABASE`), and the
//! README says so.

use sluice_core::remote::Driver;

use super::sources::{Connection, Database, Origin, Sources};
use super::text::{jinja_text, yaml_str, yaml_text};
use super::Target;

/// The connection a field of `db` comes from: its value when known, else its variable.
enum Field {
    Known(String),
    Env(String),
}

impl Field {
    /// As a YAML value dbt renders.
    fn yaml(&self) -> String {
        match self {
            Field::Known(v) => yaml_text(v),
            Field::Env(var) => yaml_str(&format!("{{{{ env_var('{var}') }}}}")),
        }
    }
}

fn info(db: &Database) -> Option<&Connection> {
    match &db.origin {
        Origin::Connection { info, .. } => info.as_ref(),
        Origin::Sqlite { .. } => None,
    }
}

fn fields(db: &Database) -> [(&'static str, Field); 4] {
    let env = db.env().unwrap_or_default();
    let f = |known: Option<String>, var: &str| match known {
        Some(v) => Field::Known(v),
        None => Field::Env(format!("{env}_{var}")),
    };
    let i = info(db);
    [
        ("host", f(i.map(|i| i.host.clone()), "HOST")),
        ("port", f(i.map(|i| i.port.unwrap_or(default_port(i.driver)).to_string()), "PORT")),
        ("user", f(i.map(|i| i.user.clone()), "USER")),
        ("dbname", f(i.map(|i| i.database.clone()), "DATABASE")),
    ]
}

fn default_port(driver: Driver) -> u16 {
    match driver {
        Driver::Mysql => 3306,
        _ => 5432,
    }
}

/// The Jinja that reads `db`'s password when dbt runs (empty when the variable is not set).
fn password(db: &Database) -> String {
    format!("{{{{ env_var('{}_PASSWORD', '') }}}}", db.env().unwrap_or_default())
}

/// A dbt-postgres profile in the database of the project's sources.
pub fn postgres(n: &str, sources: &Sources) -> String {
    let mut s = String::from("# An example profile. Run from this folder with `--profiles-dir .`, or copy it into ~/.dbt/profiles.yml.\n");
    let Some(db) = sources.databases.first() else {
        s.push_str(&format!(
            "# No source names a connection: say where the database is.\n{n}:\n  target: postgres\n  outputs:\n    postgres:\n      type: postgres\n      \
             host: \"{{{{ env_var('PGHOST', 'localhost') }}}}\"\n      port: \"{{{{ env_var('PGPORT', '5432') | as_number }}}}\"\n      \
             user: \"{{{{ env_var('PGUSER') }}}}\"\n      password: \"{{{{ env_var('PGPASSWORD', '') }}}}\"\n      dbname: \"{{{{ env_var('PGDATABASE') }}}}\"\n      \
             schema: \"{{{{ env_var('SLUICE_DBT_SCHEMA', '{n}') }}}}\"\n      threads: 4\n"
        ));
        return s;
    };
    let env = db.env().unwrap_or_default();
    match info(db) {
        Some(_) => s.push_str(&format!(
            "# The database of connection '{}', as it was defined when exporting; the password is read from\n# {env}_PASSWORD when dbt runs.\n",
            db.alias
        )),
        None => s.push_str(&format!(
            "# Connection '{}' was not defined when exporting: {env}_HOST, _PORT, _USER, _DATABASE and\n# _PASSWORD say where it is when dbt runs.\n",
            db.alias
        )),
    }
    s.push_str(&format!("{n}:\n  target: postgres\n  outputs:\n    postgres:\n      type: postgres\n"));
    for (key, field) in fields(db) {
        let value = match (key, &field) {
            ("port", Field::Known(p)) => p.clone(),
            ("port", Field::Env(var)) => yaml_str(&format!("{{{{ env_var('{var}', '5432') | as_number }}}}")),
            _ => field.yaml(),
        };
        s.push_str(&format!("      {key}: {value}\n"));
    }
    s.push_str(&format!("      password: {}\n", yaml_str(&password(db))));
    if let Some(mode) = info(db).and_then(|i| i.sslmode.clone()) {
        s.push_str(&format!("      sslmode: {}\n", yaml_text(&mode)));
    }
    s.push_str(&format!("      schema: \"{{{{ env_var('SLUICE_DBT_SCHEMA', '{n}') }}}}\"\n      threads: 4\n"));
    s
}

/// A value of a libpq (or DuckDB mysql) connection string: quoted, `\` and `'` escaped.
fn conninfo_value(v: &str) -> String {
    format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The connection string DuckDB attaches `db` with (Jinja dbt renders).
fn conninfo(db: &Database) -> String {
    let mut parts = Vec::new();
    let driver = match &db.origin {
        Origin::Connection { driver, .. } => *driver,
        Origin::Sqlite { path } => return jinja_text(path),
    };
    for (key, field) in fields(db) {
        let key = if driver == Driver::Mysql && key == "dbname" { "database" } else { key };
        let value = match field {
            Field::Known(v) => jinja_text(&conninfo_value(&v)),
            Field::Env(var) => format!("'{{{{ env_var('{var}') }}}}'"),
        };
        parts.push(format!("{key}={value}"));
    }
    let pw = format!(
        "{{{{ env_var('{}_PASSWORD', '') | replace('\\\\', '\\\\\\\\') | replace(\"'\", \"\\\\'\") }}}}",
        db.env().unwrap_or_default()
    );
    parts.push(format!("password='{pw}'"));
    if let Some(mode) = info(db).and_then(|i| i.sslmode.clone()) {
        parts.push(format!("sslmode={}", jinja_text(&conninfo_value(&mode))));
    }
    parts.join(" ")
}

/// The lines of a dbt-duckdb output that attach the sources' databases, read-only.
pub fn duckdb_attach(sources: &Sources) -> String {
    if sources.databases.is_empty() {
        return String::new();
    }
    let kind = |db: &Database| match &db.origin {
        Origin::Connection { driver: Driver::Mysql, .. } => "mysql",
        Origin::Connection { driver: Driver::Postgres, .. } => "postgres",
        _ => "sqlite",
    };
    let mut extensions: Vec<&str> = Vec::new();
    for db in &sources.databases {
        if !extensions.contains(&kind(db)) {
            extensions.push(kind(db));
        }
    }
    let mut s = format!("      extensions: [{}]\n      attach:\n", extensions.join(", "));
    for db in &sources.databases {
        s.push_str(&format!(
            "        - path: {}\n          type: {}\n          alias: {}\n          read_only: true\n",
            yaml_str(&conninfo(db)),
            kind(db),
            db.alias
        ));
    }
    s
}

/// The README's commands for a dbt-postgres project (inside its shell block).
pub fn postgres_readme(n: &str, sources: &Sources) -> String {
    let mut s = String::from("pip install \"dbt-core~=1.10.0\" \"dbt-postgres~=1.10.0\"\n");
    match sources.databases.first() {
        Some(db) => {
            let env = db.env().unwrap_or_default();
            if info(db).is_none() {
                s.push_str(&format!("export {env}_HOST=... {env}_PORT=5432 {env}_USER=... {env}_DATABASE=...\n"));
            }
            s.push_str(&format!("export {env}_PASSWORD=...\n"));
        }
        None => s.push_str("export PGHOST=... PGUSER=... PGPASSWORD=... PGDATABASE=...\n"),
    }
    s.push_str(&format!(
        "dbt build --profiles-dir .\n```\n\n\
         The models are tables in the schema `{n}` (or the one `SLUICE_DBT_SCHEMA` names) of the database the \
         sources read, next to them: PostgreSQL reads one database per connection. Every column name is quoted, \
         so the tables keep sluice's names; the sources' text columns are collated \"C\", so text sorts and \
         compares by its bytes, as in sluice.\n\n"
    ));
    s
}

/// The README's section on database sources: what each reads, through what, and what to set.
pub fn database_readme(target: Target, sources: &Sources) -> String {
    if sources.databases.is_empty() {
        return String::new();
    }
    let mut s = String::from("## Database sources\n\n");
    s.push_str(match target {
        Target::Postgres => "The database sources read their tables as dbt sources (`models/sources.yml`), where they are.\n\n",
        _ => "The database sources read their tables as dbt sources (`models/sources.yml`), in the databases \
              `profiles.yml` attaches read-only (DuckDB's postgres, mysql and sqlite extensions), each under its \
              connection's name.\n\n",
    });
    for db in &sources.databases {
        match &db.origin {
            Origin::Connection { name, driver, info } => {
                let env = db.env().unwrap_or_default();
                match info {
                    Some(i) => s.push_str(&format!(
                        "- connection `{name}` ({}): database `{}` on `{}` as `{}`, as it was defined when exporting; the password is read from `{env}_PASSWORD` when dbt runs\n",
                        driver.name(),
                        i.database,
                        i.host,
                        i.user
                    )),
                    None => s.push_str(&format!(
                        "- connection `{name}` ({}) was not defined when this project was exported: set `{env}_HOST`, `{env}_PORT`, \
                         `{env}_USER`, `{env}_DATABASE` and `{env}_PASSWORD` before `dbt build`\n",
                        driver.name()
                    )),
                }
            }
            Origin::Sqlite { path } => s.push_str(&format!("- SQLite file `{path}`, attached as `{}`\n", db.alias)),
        }
    }
    s.push('\n');
    for t in &sources.tables {
        s.push_str(&format!("- `source('{}', '{}')`: {}.{} (read by {})\n", t.source, t.name, t.schema, t.identifier, t.nodes.join(", ")));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(info: Option<Connection>) -> Database {
        Database { alias: "warehouse".into(), origin: Origin::Connection { name: "warehouse".into(), driver: Driver::Postgres, info } }
    }

    fn known() -> Connection {
        Connection {
            driver: Driver::Postgres,
            host: "db.internal".into(),
            port: Some(6543),
            database: "shop".into(),
            user: "ana".into(),
            sslmode: Some("require".into()),
        }
    }

    #[test]
    fn the_postgres_profile_names_the_connection_and_reads_the_password_when_dbt_runs() {
        let sources = Sources { databases: vec![db(Some(known()))], ..Default::default() };
        let p = postgres("shop_features", &sources);
        for line in [
            "      host: \"db.internal\"",
            "      port: 6543",
            "      user: \"ana\"",
            "      dbname: \"shop\"",
            "      password: \"{{ env_var('SLUICE_CONN_WAREHOUSE_PASSWORD', '') }}\"",
            "      sslmode: \"require\"",
            "      schema: \"{{ env_var('SLUICE_DBT_SCHEMA', 'shop_features') }}\"",
        ] {
            assert!(p.contains(line), "{line}\n{p}");
        }
        let p = postgres("shop_features", &Sources { databases: vec![db(None)], ..Default::default() });
        assert!(p.contains("host: \"{{ env_var('SLUICE_CONN_WAREHOUSE_HOST') }}\""), "{p}");
        assert!(p.contains("port: \"{{ env_var('SLUICE_CONN_WAREHOUSE_PORT', '5432') | as_number }}\""), "{p}");
        assert!(p.contains("dbname: \"{{ env_var('SLUICE_CONN_WAREHOUSE_DATABASE') }}\""), "{p}");
        assert!(p.contains("was not defined when exporting"), "{p}");
    }

    #[test]
    fn duckdb_attaches_each_database_read_only() {
        let mut odd = known();
        odd.user = "o'neil {{ x }}".into();
        let sources = Sources {
            databases: vec![db(Some(odd)), Database { alias: "sqlite_shop".into(), origin: Origin::Sqlite { path: "/d/shop.db".into() } }],
            ..Default::default()
        };
        let a = duckdb_attach(&sources);
        assert!(a.starts_with("      extensions: [postgres, sqlite]\n      attach:\n"), "{a}");
        assert!(a.contains("user='o\\\\'neil {{ '{' }}{ x }}'"), "{a}");
        assert!(a.contains("password='{{ env_var('SLUICE_CONN_WAREHOUSE_PASSWORD', '')"), "{a}");
        assert!(a.contains("          type: postgres\n          alias: warehouse\n          read_only: true\n"), "{a}");
        assert!(a.contains("        - path: \"/d/shop.db\"\n          type: sqlite\n          alias: sqlite_shop\n"), "{a}");
        let readme = database_readme(Target::DuckDb, &Sources { databases: vec![db(None)], ..Default::default() });
        assert!(readme.contains("was not defined when this project was exported: set `SLUICE_CONN_WAREHOUSE_HOST`"), "{readme}");
    }
}
