//! Database sources (`read_postgres`, `read_mysql`, `read_sqlite`) as dbt sources.
//!
//! The tables they read are the tables of dbt sources in `models/sources.yml`: a source per
//! connection, named by it (and by the schema too, when one connection is read in several), each
//! table by the table's name. A source node's model selects its table with the column types
//! `sluice run` read, so that the models below compute what sluice computes:
//! - in a dbt-postgres project the connection's database is the project's own: the table is
//!   read where it is, its text collated "C" (DuckDB orders text by its bytes), and a source that
//!   reads a query runs the query itself;
//! - in a dbt-duckdb project the profile attaches each connection (or SQLite file) read-only,
//!   under the connection's name, through DuckDB's postgres, mysql and sqlite extensions.
//!
//! What cannot be read so is refused, naming the node: a query anywhere but in its own
//! database, another engine's source in a PostgreSQL project, two databases in one, an HTTP API.

use indexmap::IndexMap;
use sluice_core::remote::{Driver, Relation};
use sluice_core::{Diagnostic, Plan};

use super::text::{jinja_text, plain_identifier, safe_name, sql_comment, yaml_text};
use super::Target;

/// A named connection as it is defined when exporting: where it is, never its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub driver: Driver,
    pub host: String,
    pub port: Option<u16>,
    pub database: String,
    pub user: String,
    /// The URL's `sslmode`, when it says one.
    pub sslmode: Option<String>,
}

/// Where a database's rows are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A named connection; `info` is None when it was not defined when exporting.
    Connection { name: String, driver: Driver, info: Option<Connection> },
    /// A SQLite database file, as the spec resolved it.
    Sqlite { path: String },
}

/// A database the project reads: attached under `alias` (DuckDB), or the project's own
/// (PostgreSQL).
#[derive(Debug, Clone)]
pub struct Database {
    pub alias: String,
    pub origin: Origin,
}

impl Database {
    /// The prefix of the environment variables the profile reads this connection from.
    pub fn env(&self) -> Option<String> {
        match &self.origin {
            Origin::Connection { name, .. } => Some(format!("SLUICE_CONN_{}", name.to_ascii_uppercase())),
            Origin::Sqlite { .. } => None,
        }
    }
}

/// A table of a dbt source.
#[derive(Debug, Clone)]
pub struct Table {
    pub source: String,
    /// What dbt calls it (an identifier, used in `source()`).
    pub name: String,
    /// The table in the database.
    pub identifier: String,
    /// The database that holds it, in the target's terms; None for the project's own.
    pub database: Option<String>,
    pub schema: String,
    /// The nodes that read it.
    pub nodes: Vec<String>,
}

/// What a database source node reads in the project.
#[derive(Debug, Clone)]
pub enum Read {
    /// A table of [`Sources::tables`].
    Table(usize),
    /// The node's query, in its database's own SQL.
    Query(String),
}

/// The database sources of a plan, as the target reads them.
#[derive(Default)]
pub struct Sources {
    pub databases: Vec<Database>,
    pub tables: Vec<Table>,
    /// By node id: the database (in `databases`) and what is read from it.
    pub reads: IndexMap<String, (usize, Read)>,
    /// Nodes that cannot be read in the target.
    pub unsupported: Vec<Diagnostic>,
    /// What the export changed about a source (an incremental one reads every row).
    pub notes: Vec<Diagnostic>,
}

fn refuse(id: &str, message: String) -> Diagnostic {
    Diagnostic::error("X011", message).node(id)
}

/// The database sources of `plan`, for `target`, with the connections defined now.
pub fn plan_sources(plan: &Plan, target: Target, connections: &IndexMap<String, Connection>) -> Sources {
    let mut out = Sources::default();
    // The schemas each database is read in, with the source named for each.
    let mut named: Vec<Vec<(String, String)>> = Vec::new();
    for id in &plan.order {
        let Some(node) = plan.nodes.get(id) else { continue };
        let Some(read) = plan.declared.remotes.get(id).cloned().or_else(|| node.kind.remote(&node.params)) else { continue };
        let kind = node.kind.info().id;
        if let Relation::Api(api) = &read.relation {
            // dbt reads tables; nothing in a dbt project calls an HTTP API page by page.
            out.unsupported.push(refuse(
                id,
                format!("source '{id}' reads the HTTP API at {}: a dbt project cannot read an API; load its records into a table of the target and read that", api.url),
            ));
            continue;
        }
        if let Relation::Sheet(sheet) = &read.relation {
            // dbt reads tables; a spreadsheet's cells are typed by sluice's own reader.
            out.unsupported.push(refuse(
                id,
                format!(
                    "source '{id}' reads {} of spreadsheet {}: a dbt project cannot read a spreadsheet; save the sheet as CSV and read it with read_csv, or load it into a table of the target",
                    sheet.describe(),
                    read.path.as_deref().unwrap_or("")
                ),
            ));
            continue;
        }
        if !node.kind.dialects().contains(&target.name()) {
            let why = match target {
                Target::Postgres => " (a dbt-postgres project reads the tables of its own PostgreSQL database)".to_string(),
                _ => String::new(),
            };
            out.unsupported.push(refuse(id, format!("the {} dialect cannot express the kind '{kind}'{why}", target.name())));
            continue;
        }
        let origin = match (&read.connection, &read.path) {
            (Some(name), _) => Origin::Connection { name: name.clone(), driver: read.driver, info: connections.get(name).cloned() },
            (None, Some(path)) => Origin::Sqlite { path: path.clone() },
            (None, None) => {
                out.unsupported.push(refuse(id, "the source names no connection or file".into()));
                continue;
            }
        };
        if let Err(why) = same_database(target, &out.databases, &origin) {
            out.unsupported.push(refuse(id, why));
            continue;
        }
        let db = match out.databases.iter().position(|d| d.origin == origin) {
            Some(i) => i,
            None => {
                let alias = alias_for(&origin, &out.databases);
                out.databases.push(Database { alias, origin: origin.clone() });
                named.push(Vec::new());
                out.databases.len() - 1
            }
        };
        if read.cursor.is_some() || read.track_deletes {
            out.notes.push(
                Diagnostic::warning(
                    "X030",
                    format!("source '{id}' reads incrementally in sluice; its dbt model reads every row, as `sluice run --full-refresh` does"),
                )
                .node(id),
            );
        }
        let what = match &read.relation {
            Relation::Query(q) => {
                if !(target == Target::Postgres && read.driver == Driver::Postgres) {
                    out.unsupported.push(refuse(
                        id,
                        format!(
                            "source '{id}' reads a query in {}'s SQL: only a dbt-postgres project runs a PostgreSQL query; read a table or view instead",
                            read.driver.name()
                        ),
                    ));
                    continue;
                }
                Read::Query(q.clone())
            }
            Relation::Table { schema, table } => {
                let Some(schema) = schema.clone().or_else(|| default_schema(&origin)) else {
                    out.unsupported.push(refuse(
                        id,
                        format!("source '{id}': name its `schema` (the MySQL database): connection {} was not defined when exporting", describe(&origin)),
                    ));
                    continue;
                };
                let source = match named[db].iter().find(|(s, _)| *s == schema) {
                    Some((_, n)) => n.clone(),
                    None => {
                        let base = out.databases[db].alias.clone();
                        let n = if named[db].is_empty() { base } else { format!("{base}__{}", safe_name(&schema).to_lowercase()) };
                        named[db].push((schema.clone(), n.clone()));
                        n
                    }
                };
                let database = match (target, &origin) {
                    (Target::Postgres, Origin::Connection { info: Some(i), .. }) => Some(i.database.clone()),
                    (Target::Postgres, _) => None,
                    _ => Some(out.databases[db].alias.clone()),
                };
                let i = match out.tables.iter().position(|t| t.source == source && t.identifier == *table) {
                    Some(i) => i,
                    None => {
                        let name = table_name(table, out.tables.iter().filter(|t| t.source == source).map(|t| t.name.as_str()));
                        out.tables.push(Table { source, name, identifier: table.clone(), database, schema, nodes: Vec::new() });
                        out.tables.len() - 1
                    }
                };
                out.tables[i].nodes.push(id.clone());
                Read::Table(i)
            }
            Relation::Api(_) => continue,
            Relation::Sheet(_) => continue,
        };
        out.reads.insert(id.clone(), (db, what));
    }
    out
}

/// A PostgreSQL project reads one database: the first source's. Another connection is the same
/// database only when both are known and name the same server and database.
fn same_database(target: Target, databases: &[Database], origin: &Origin) -> Result<(), String> {
    let (Target::Postgres, Some(first)) = (target, databases.first()) else { return Ok(()) };
    if first.origin == *origin {
        return Ok(());
    }
    let place = |o: &Origin| match o {
        Origin::Connection { info: Some(i), .. } => Some((i.host.clone(), i.port.unwrap_or(5432), i.database.clone())),
        _ => None,
    };
    match (place(&first.origin), place(origin)) {
        (Some(a), Some(b)) if a == b => Ok(()),
        _ => Err(format!(
            "a dbt-postgres project reads one database, that of connection {}; connection {} {}",
            describe(&first.origin),
            describe(origin),
            if place(origin).is_some() && place(&first.origin).is_some() { "is another" } else { "cannot be told to be the same (define both when exporting)" }
        )),
    }
}

fn describe(origin: &Origin) -> String {
    match origin {
        Origin::Connection { name, .. } => format!("'{name}'"),
        Origin::Sqlite { path } => format!("(SQLite file {path})"),
    }
}

/// The schema a table without one is read in.
fn default_schema(origin: &Origin) -> Option<String> {
    match origin {
        Origin::Connection { driver: Driver::Postgres, .. } => Some("public".into()),
        Origin::Connection { driver: Driver::Mysql, info, .. } => info.as_ref().map(|i| i.database.clone()),
        Origin::Connection { driver: Driver::Sqlite, .. } | Origin::Sqlite { .. } => Some("main".into()),
        Origin::Connection { .. } => None,
    }
}

/// The name a database is attached (and its source named) by: the connection's name, or for a
/// SQLite file `sqlite_<file stem>`, numbered when two read alike.
fn alias_for(origin: &Origin, taken: &[Database]) -> String {
    let base = match origin {
        Origin::Connection { name, .. } => return name.clone(),
        Origin::Sqlite { path } => {
            let stem = std::path::Path::new(path).file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
            format!("sqlite_{}", safe_name(&stem).to_lowercase())
        }
    };
    let mut alias = base.clone();
    let mut n = 1;
    while taken.iter().any(|d| d.alias.eq_ignore_ascii_case(&alias)) {
        n += 1;
        alias = format!("{base}_{n}");
    }
    alias
}

/// The name dbt knows table `table` by in its source: the table's own when it is an identifier,
/// else made one (and numbered when two read alike).
fn table_name<'a>(table: &str, taken: impl Iterator<Item = &'a str> + Clone) -> String {
    let base = if plain_identifier(table) { table.to_string() } else { safe_name(table).to_lowercase() };
    let mut name = base.clone();
    let mut n = 1;
    while taken.clone().any(|t| t.eq_ignore_ascii_case(&name)) {
        n += 1;
        name = format!("{base}_{n}");
    }
    name
}

/// The text of source node `id`'s model: its table (or query) with the columns sluice read,
/// cast to the types sluice read them as.
pub fn model_sql(plan: &Plan, id: &str, sources: &Sources, target: Target) -> Result<(String, Option<Diagnostic>), Diagnostic> {
    let node = &plan.nodes[id];
    let (db, read) = &sources.reads[id];
    let ident = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut note = None;
    let columns = node.schema.as_ref().map(|s| s.columns.clone()).unwrap_or_default();
    let select = if columns.is_empty() {
        note = Some(
            Diagnostic::warning(
                "X031",
                format!("the columns of source '{id}' were not known when exporting (its database could not be reached): its model reads the table's own types"),
            )
            .node(id),
        );
        "*".to_string()
    } else {
        let mut items = Vec::new();
        for c in &columns {
            let col = ident(&c.name);
            let item = match target {
                Target::Postgres => {
                    let ty = sluice_core::sql_translate::type_name(sluice_core::sql_translate::Target::Postgres, &c.ty)
                        .map_err(|e| refuse(id, format!("column '{}' of source '{id}': {e}", c.name)))?;
                    // Text compares and sorts by its bytes, as in DuckDB.
                    let collate = if ty == "TEXT" { " COLLATE \"C\"" } else { "" };
                    format!("CAST({col} AS {ty}){collate} AS {col}")
                }
                _ => format!("CAST({col} AS {}) AS {col}", c.ty),
            };
            items.push(item);
        }
        items.join(",\n       ")
    };
    let database = &sources.databases[*db];
    let (from, what) = match read {
        Read::Table(t) => {
            let t = &sources.tables[*t];
            let what = format!("table {}.{} of {}", t.schema, t.identifier, describe(&database.origin));
            // Both names are identifiers (a connection name, a table name made one).
            (format!("{{{{ source('{}', '{}') }}}}", t.source, t.name), what)
        }
        Read::Query(q) => (format!("({}\n) AS \"__sluice_query\"", jinja_text(&format!("\n{q}"))), format!("a query through {}", describe(&database.origin))),
    };
    let info = node.kind.info();
    let sql = format!(
        "-- {id} ({}): {}, as a dbt source\n{{{{ config(materialized='table') }}}}\n\nSELECT {}\nFROM {from}\n",
        info.title,
        sql_comment(&what),
        jinja_text(&select),
    );
    Ok((sql, note))
}

/// `models/sources.yml`: each source with its database, schema and tables.
pub fn sources_yml(sources: &Sources) -> String {
    let mut s = String::from("version: 2\n\nsources:\n");
    let mut done: Vec<&str> = Vec::new();
    for t in &sources.tables {
        if done.contains(&t.source.as_str()) {
            continue;
        }
        done.push(&t.source);
        s.push_str(&format!("  - name: {}\n", t.source));
        if let Some(d) = &t.database {
            s.push_str(&format!("    database: {}\n", yaml_text(d)));
        }
        s.push_str(&format!("    schema: {}\n", yaml_text(&t.schema)));
        // Names are used as they are written, whatever their case.
        s.push_str("    quoting:\n      database: true\n      schema: true\n      identifier: true\n    tables:\n");
        for table in sources.tables.iter().filter(|x| x.source == t.source) {
            s.push_str(&format!("      - name: {}\n", table.name));
            if table.identifier != table.name {
                s.push_str(&format!("        identifier: {}\n", yaml_text(&table.identifier)));
            }
            let nodes: Vec<String> = table.nodes.iter().map(|n| format!("'{n}'")).collect();
            s.push_str(&format!("        description: {}\n", yaml_text(&format!("read by sluice node {}", nodes.join(", ")))));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_and_aliases_are_identifiers() {
        assert_eq!(table_name("orders", [].into_iter()), "orders");
        assert_eq!(table_name("Order Lines", ["order_lines"].into_iter()), "order_lines_2");
        let taken = [Database { alias: "sqlite_shop".into(), origin: Origin::Sqlite { path: "/a/shop.db".into() } }];
        assert_eq!(alias_for(&Origin::Sqlite { path: "/b/shop.db".into() }, &taken), "sqlite_shop_2");
        assert_eq!(default_schema(&Origin::Connection { name: "w".into(), driver: Driver::Postgres, info: None }).as_deref(), Some("public"));
        assert_eq!(default_schema(&Origin::Connection { name: "m".into(), driver: Driver::Mysql, info: None }), None);
    }

    #[test]
    fn sources_yml_groups_tables_by_source_and_neutralises_names() {
        let table = |source: &str, name: &str, identifier: &str, schema: &str, node: &str| Table {
            source: source.into(),
            name: name.into(),
            identifier: identifier.into(),
            database: Some("shop".into()),
            schema: schema.into(),
            nodes: vec![node.into()],
        };
        let sources = Sources {
            tables: vec![
                table("warehouse", "orders", "orders", "sales", "orders"),
                table("warehouse__crm", "contacts", "contacts", "crm", "contacts"),
                table("warehouse", "odd_name", "Odd {{ Name }}", "sales", "odd"),
            ],
            ..Default::default()
        };
        assert_eq!(
            sources_yml(&sources),
            "version: 2\n\nsources:\n\
             \x20 - name: warehouse\n    database: \"shop\"\n    schema: \"sales\"\n\
             \x20   quoting:\n      database: true\n      schema: true\n      identifier: true\n    tables:\n\
             \x20     - name: orders\n        description: \"read by sluice node 'orders'\"\n\
             \x20     - name: odd_name\n        identifier: \"Odd {{ '{' }}{ Name }}\"\n        description: \"read by sluice node 'odd'\"\n\
             \x20 - name: warehouse__crm\n    database: \"shop\"\n    schema: \"crm\"\n\
             \x20   quoting:\n      database: true\n      schema: true\n      identifier: true\n    tables:\n\
             \x20     - name: contacts\n        description: \"read by sluice node 'contacts'\"\n"
        );
    }

    #[test]
    fn a_postgres_project_reads_one_database() {
        let info = |db: &str| Connection {
            driver: Driver::Postgres,
            host: "db".into(),
            port: None,
            database: db.into(),
            user: "u".into(),
            sslmode: None,
        };
        let conn = |name: &str, i: Option<Connection>| Origin::Connection { name: name.into(), driver: Driver::Postgres, info: i };
        let first = [Database { alias: "a".into(), origin: conn("a", Some(info("shop"))) }];
        assert!(same_database(Target::Postgres, &first, &conn("b", Some(info("shop")))).is_ok());
        assert!(same_database(Target::Postgres, &first, &conn("b", Some(info("crm")))).unwrap_err().contains("is another"));
        assert!(same_database(Target::Postgres, &first, &conn("b", None)).unwrap_err().contains("cannot be told"));
        assert!(same_database(Target::DuckDb, &first, &conn("b", None)).is_ok());
    }
}
