//! A checked pipeline as a dbt project.
//!
//! Every node becomes one model named by its id, reading its inputs through `ref()`:
//! - sources read their files where the spec's files are (external reads), or, on Snowflake,
//!   load them from a stage into a temporary table first; database sources read the tables of
//!   dbt sources (`models/sources.yml`, [`sources`]), in a PostgreSQL project its own tables;
//! - transforms and feature steps are tables; a stateful step applies the fitted state of a
//!   training run (`--state`) as constants, or fits inline over its training rows as the engine
//!   does when no state is given;
//! - a check is a view of its input that downstream models read, carrying the check as dbt tests,
//!   so `dbt build` skips what is below a failing check and nothing else, as `sluice run` does;
//! - a sink is a table of the rows it writes.
//!
//! Checks that are one of dbt's generic tests (not_null, unique, accepted_values, relationships)
//! become those tests; the others become singular tests made of the check's own measuring SQL and
//! its pass rule. Checks that compare with an earlier run export with the baseline the run
//! history holds: a row count as a constant, column distributions as a seed and inline counts
//! from which the drift distances are computed in SQL ([`drift`]). What cannot be said in SQL
//! (p-value drift tests, drift against a reference input, a check without a recorded run) is
//! left out and named.

mod drift;
mod files;
mod models;
mod profile;
pub mod sources;
mod tests;
pub mod text;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use sluice_core::dialect::Dialect;
use sluice_core::state::StateFile;
use sluice_core::{Diagnostic, Plan, Spec};

use crate::ExportError;

/// The SQL dialect of the exported models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// dbt-duckdb: the engine `sluice run` uses.
    DuckDb,
    /// dbt-spark (Spark SQL), for Spark clusters and Databricks.
    Spark,
    /// dbt-snowflake: sources load from a stage.
    Snowflake,
    /// dbt-postgres: the project runs in the database its sources read.
    Postgres,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::DuckDb => "duckdb",
            Target::Spark => "spark",
            Target::Snowflake => "snowflake",
            Target::Postgres => "postgres",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        match s {
            "duckdb" => Some(Target::DuckDb),
            "spark" => Some(Target::Spark),
            "snowflake" => Some(Target::Snowflake),
            "postgres" => Some(Target::Postgres),
            _ => None,
        }
    }

    fn dialect(self) -> Box<dyn Dialect> {
        match self {
            Target::DuckDb => Box::new(sluice_core::dialect::PortableDuckDb),
            Target::Spark => Box::new(sluice_core::dialect::Translated::new(sluice_core::sql_translate::Target::Spark)),
            Target::Snowflake => Box::new(sluice_core::dialect::Translated::new(sluice_core::sql_translate::Target::Snowflake)),
            Target::Postgres => Box::new(sluice_core::dialect::Translated::new(sluice_core::sql_translate::Target::Postgres)),
        }
    }
}

/// What to export, and with what.
pub struct Options<'a> {
    pub target: Target,
    /// Fitted state of a training run: stateful steps apply it as constants.
    pub state: Option<&'a StateFile>,
    /// For checks that compare the row count with the last successful run: that run's rows,
    /// by check node id (from the run history).
    pub baselines: IndexMap<String, u64>,
    /// For drift checks against the run history: the column distributions of the run they
    /// compare with, by check node id.
    pub drift_baselines: IndexMap<String, std::collections::BTreeMap<String, sluice_core::catalog::check_drift::ColumnBaseline>>,
    /// Where the spec file is, said in the project's README.
    pub spec_path: &'a Path,
    /// The named connections the database sources read through, as defined when exporting (by
    /// name; one missing is read from environment variables when dbt runs).
    pub connections: IndexMap<String, sources::Connection>,
}

/// An exported project: its files, and what the export left out or changed, by node.
pub struct Project {
    /// Paths relative to the project folder.
    pub files: Vec<(PathBuf, String)>,
    pub warnings: Vec<Diagnostic>,
    /// What the export changed about a node without leaving it out (a database source that
    /// reads every row, or whose columns were not known).
    pub notes: Vec<Diagnostic>,
    /// The dbt project name.
    pub name: String,
    /// dbt's generic tests (in schema.yml) and the singular ones (in tests/).
    pub generic_tests: usize,
    pub singular_tests: usize,
}

impl Project {
    /// Write the project as the whole content of `out` (see [`crate::write`]).
    pub fn write(&self, out: &Path) -> Result<(), ExportError> {
        crate::write::write_tree(out, &self.files)
    }
}

/// Export `plan` (checked, with the schemas the engine inferred) as a dbt project.
pub fn export(plan: &Plan, spec: &Spec, opts: &Options<'_>) -> Result<Project, ExportError> {
    let dialect = opts.target.dialect();
    let name = project_name(&plan.name);
    let names = models::model_names(plan)?;
    let mut warnings = Vec::new();
    let sources = sources::plan_sources(plan, opts.target, &opts.connections);
    let mut unsupported = sources.unsupported.clone();
    let mut notes = sources.notes.clone();
    let mut exported = Vec::new();
    for id in &plan.order {
        if unsupported.iter().any(|d| d.node.as_deref() == Some(id.as_str())) {
            continue;
        }
        let m = if sources.reads.contains_key(id) {
            models::source_model(plan, id, &names, &sources, opts.target).map(|(m, note)| {
                notes.extend(note);
                m
            })
        } else {
            models::model(plan, id, &names, dialect.as_ref(), opts)
        };
        match m {
            Ok(m) => exported.push(m),
            Err(models::NodeError::Unsupported(d)) => unsupported.push(d),
            Err(models::NodeError::Core(e)) => return Err(e.into()),
        }
    }
    if !unsupported.is_empty() {
        return Err(ExportError::Unsupported { dialect: opts.target.name(), nodes: unsupported });
    }
    let mut checks = Vec::new();
    for id in &plan.order {
        match tests::check_tests(plan, id, &names, dialect.as_ref(), opts)? {
            tests::Outcome::NotACheck => {}
            tests::Outcome::Tests(t) => checks.push(t),
            tests::Outcome::LeftOut(d) => warnings.push(d),
        }
    }
    let descriptions: IndexMap<&str, &str> =
        spec.nodes.iter().filter(|n| !n.description.is_empty()).map(|n| (n.id.as_str(), n.description.as_str())).collect();
    let mut files = Vec::new();
    for m in &exported {
        files.push((PathBuf::from("models").join(format!("{}.sql", m.name)), m.sql.clone()));
    }
    for c in &checks {
        for s in &c.singular {
            files.push((PathBuf::from("tests").join(format!("{}.sql", s.name)), s.sql.clone()));
        }
        for s in &c.seeds {
            files.push((PathBuf::from("seeds").join(format!("{}.csv", s.name)), s.csv.clone()));
        }
    }
    let cx = files::Cx {
        plan,
        spec,
        name: &name,
        target: opts.target,
        models: &exported,
        checks: &checks,
        warnings: &warnings,
        notes: &notes,
        sources: &sources,
        descriptions: &descriptions,
        opts,
    };
    files.push((PathBuf::from("models/schema.yml"), files::schema_yml(&cx)));
    if !sources.tables.is_empty() {
        files.push((PathBuf::from("models/sources.yml"), sources::sources_yml(&sources)));
    }
    files.push((PathBuf::from("dbt_project.yml"), files::dbt_project_yml(&cx)));
    files.push((PathBuf::from("profiles.yml"), files::profiles_yml(&cx)));
    files.push((PathBuf::from("README.md"), files::readme(&cx)));
    files.push((PathBuf::from(".gitignore"), "target/\ndbt_packages/\nlogs/\n*.duckdb\nspark-warehouse/\nmetastore_db/\n".into()));
    files.push((PathBuf::from(crate::write::MARKER), format!("exported by sluice {} from {}\n", env!("CARGO_PKG_VERSION"), opts.spec_path.display())));
    let generic_tests = checks.iter().map(|c| c.generic.len()).sum();
    let singular_tests = checks.iter().map(|c| c.singular.len()).sum();
    Ok(Project { files, warnings, notes, name, generic_tests, singular_tests })
}

/// `customer features` → `customer_features`: dbt project names are lower-case identifiers.
fn project_name(pipeline: &str) -> String {
    let mut s: String =
        pipeline.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_matches('_').to_string();
    match s.chars().next() {
        None => "sluice_pipeline".into(),
        Some(c) if c.is_ascii_digit() => format!("p_{s}"),
        _ => s,
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use sluice_core::plan::{plan, DescribeError, Describer, PlanOptions};
    use sluice_core::schema::{Column, Schema};

    /// Binds every query to the same columns, one of them named like a Jinja expression.
    struct Fake;
    impl Describer for Fake {
        fn grant(&self, _declared: &sluice_core::files::Declared) -> Result<(), DescribeError> {
            Ok(())
        }
        fn describe(&self, _sql: &str) -> Result<Schema, DescribeError> {
            Ok(Schema::new(vec![Column::new("{{ c }}", "VARCHAR"), Column::new("id", "BIGINT")]))
        }
    }

    const SQL_ESCAPE: &str = r#"'{% endraw %}{{ log(env_var("HOME"), info=True) }}{% raw %}'"#;

    fn hostile() -> (Plan, Spec, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in {{ x }}.csv"), "id\n1\n").unwrap();
        let text = serde_json::json!({
            "version": 1,
            "name": "hostile {{ log('NAME', info=True) }}",
            "description": "{% endraw %}{{ env_var('HOME') }}",
            "nodes": [
                {"id": "src", "kind": "read_csv", "params": {"path": "in {{ x }}.csv"}, "description": "{{ log('DESC', info=True) }} {# c #}"},
                {"id": "big", "kind": "filter", "inputs": {"input": "src"}, "params": {"predicate": "\"{{ c }}\" <> '{% endraw %}{{ log(1) }}{% raw %}'"}},
                {"id": "d", "kind": "derive", "inputs": {"input": "big"}, "params": {"columns": {"{# n #}": "'{{ run_query(''select 1'') }}'"}}},
                {"id": "q", "kind": "sql", "inputs": {"input": "d"}, "params": {"query": format!("SELECT *, {SQL_ESCAPE} AS s FROM input")}},
                {"id": "nn", "kind": "check_not_null", "inputs": {"input": "q"}, "params": {"columns": ["{{ c }}", "id"]}},
                {"id": "av", "kind": "check_accepted_values", "inputs": {"input": "nn"}, "params": {"column": "{{ c }}", "values": ["{{ v }}", "{%"]}},
                {"id": "dup", "kind": "check_duplicate_fraction", "inputs": {"input": "av"}, "params": {"columns": ["{{ c }}"], "max": 0.5}},
                {"id": "out", "kind": "write_csv", "inputs": {"input": "dup"}, "params": {"path": "out.csv"}}
            ]
        })
        .to_string();
        let (spec, diags) = sluice_core::spec::parse(&text);
        assert!(diags.is_empty(), "{diags:?}");
        let spec = spec.unwrap();
        let (p, diags) = plan(&spec, dir.path(), &sluice_core::dialect::DuckDb, &PlanOptions { describer: Some(&Fake), ..Default::default() });
        assert!(!sluice_core::diagnostic::has_errors(&diags), "{diags:#?}");
        (p.unwrap(), spec, dir)
    }

    /// What dbt's Jinja would output for `t`, given the only tags an export may write; an error
    /// naming any other tag (which would run spec text). A set block's body is a hook's SQL, which
    /// dbt renders again when it runs it.
    fn render(t: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = t;
        while let Some(i) = ["{{", "{%", "{#"].iter().filter_map(|o| rest.find(o)).min() {
            out.push_str(&rest[..i]);
            let tag = &rest[i..];
            let close = if tag.starts_with("{{") { "}}" } else if tag.starts_with("{%") { "%}" } else { return Err(format!("a comment: {tag:.60}")) };
            let end = tag.find(close).ok_or_else(|| format!("an unclosed tag: {tag:.60}"))?;
            let inner = tag[2..end].trim();
            rest = &tag[end + 2..];
            let ident = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            match (close, inner) {
                ("}}", "'{'") => out.push('{'),
                ("}}", x) if x.starts_with("ref('") && x.ends_with("')") && ident(&x[5..x.len() - 2]) => out.push_str("REF"),
                ("}}", x) if x.starts_with("var('") && x.ends_with("')") && ident(&x[5..x.len() - 2]) => out.push_str("VAR"),
                ("}}", x) if x.starts_with("config(") && !x.contains(['{', '"']) || x.starts_with("config(severity=") => {}
                ("%}", "raw") => {
                    let end = rest.find("{% endraw %}").ok_or("an unclosed raw block")?;
                    out.push_str(&render(&rest[..end])?);
                    rest = &rest[end + "{% endraw %}".len()..];
                }
                ("%}", x) if x.starts_with("set setup_") || x == "endset" => {}
                _ => return Err(format!("the tag {:.80}", &tag[..end + 2])),
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    #[test]
    fn spec_text_runs_no_jinja_and_reads_as_written() {
        let (plan, spec, dir) = hostile();
        for target in [Target::DuckDb, Target::Spark, Target::Snowflake] {
            let opts = Options {
                target,
                state: None,
                baselines: IndexMap::new(),
                drift_baselines: IndexMap::new(),
                spec_path: &dir.path().join("s.sluice.json"),
                connections: IndexMap::new(),
            };
            let project = export(&plan, &spec, &opts).unwrap_or_else(|e| panic!("{target:?}: {e}"));
            let mut rendered = IndexMap::new();
            for (path, text) in &project.files {
                assert!(path.components().all(|c| matches!(c, std::path::Component::Normal(_))), "{}", path.display());
                let name = path.to_string_lossy().to_string();
                // The README is not read by dbt; the profile holds no spec text.
                if name == "README.md" || name == "profiles.yml" {
                    continue;
                }
                let r = render(text).unwrap_or_else(|e| panic!("{target:?} {name}: {e}\n{text}"));
                rendered.insert(name, r);
            }
            let q = &rendered["models/q.sql"];
            assert!(q.contains(SQL_ESCAPE), "{target:?}: {q}");
            let big = &rendered["models/big.sql"];
            assert!(big.contains("'{% endraw %}{{ log(1) }}{% raw %}'"), "{target:?}: {big}");
            let schema = &rendered["models/schema.yml"];
            assert!(schema.contains("{{ log('DESC', info=True) }} {# c #}"), "{schema}");
            assert!(schema.contains("- name: \"{{ c }}\"\n        quote: true"), "{schema}");
            assert!(schema.contains("values: [\"{{ v }}\", \"{%\"]"), "{schema}");
            assert!(rendered["dbt_project.yml"].contains("in {{ x }}.csv"), "{}", rendered["dbt_project.yml"]);
            assert!(rendered.keys().any(|k| k.starts_with("tests/dup")), "{:?}", rendered.keys());
        }
    }

    /// A spec reading a PostgreSQL table (and, when `query`, a query too), planned with columns.
    fn database_spec(query: bool) -> (Plan, Spec, tempfile::TempDir) {
        struct Described;
        impl Describer for Described {
            fn grant(&self, _declared: &sluice_core::files::Declared) -> Result<(), DescribeError> {
                Ok(())
            }
            fn prepare_remote(&self, _node: &str, _read: &sluice_core::remote::RemoteRead) -> Result<(), DescribeError> {
                Ok(())
            }
            fn describe(&self, _sql: &str) -> Result<Schema, DescribeError> {
                Ok(Schema::new(vec![Column::new("id", "BIGINT"), Column::new("Name", "VARCHAR"), Column::new("amount", "DECIMAL(12,2)")]))
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let mut nodes = vec![
            serde_json::json!({"id": "orders", "kind": "read_postgres", "params": {"connection": "warehouse", "schema": "sales", "table": "Order Lines"}}),
            serde_json::json!({"id": "big", "kind": "filter", "inputs": {"input": "orders"}, "params": {"predicate": "amount / 2 > 10"}}),
            serde_json::json!({"id": "out", "kind": "write_csv", "inputs": {"input": "big"}, "params": {"path": "out.csv"}}),
        ];
        if query {
            nodes.push(serde_json::json!({"id": "q", "kind": "read_postgres", "params": {"connection": "warehouse", "query": "SELECT 1 AS id /* {{ x }} */"}}));
        }
        let text = serde_json::json!({"version": 1, "name": "db", "nodes": nodes}).to_string();
        let (spec, diags) = sluice_core::spec::parse(&text);
        assert!(diags.is_empty(), "{diags:?}");
        let spec = spec.unwrap();
        let (p, diags) = plan(&spec, dir.path(), &sluice_core::dialect::DuckDb, &PlanOptions { describer: Some(&Described), ..Default::default() });
        assert!(!sluice_core::diagnostic::has_errors(&diags), "{diags:#?}");
        (p.unwrap(), spec, dir)
    }

    fn options(target: Target, spec_path: &Path, defined: bool) -> Options<'_> {
        let mut connections = IndexMap::new();
        if defined {
            let c = sources::Connection {
                driver: sluice_core::remote::Driver::Postgres,
                host: "db.internal".into(),
                port: Some(5433),
                database: "shop".into(),
                user: "ana".into(),
                sslmode: None,
            };
            connections.insert("warehouse".to_string(), c);
        }
        Options { target, state: None, baselines: IndexMap::new(), drift_baselines: IndexMap::new(), spec_path, connections }
    }

    fn file<'a>(project: &'a Project, name: &str) -> &'a str {
        project.files.iter().find(|(p, _)| p.to_string_lossy() == name).map(|(_, t)| t.as_str()).unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn database_sources_read_dbt_sources_with_the_types_sluice_read() {
        let (plan, spec, dir) = database_spec(true);
        let project = export(&plan, &spec, &options(Target::Postgres, &dir.path().join("s.sluice.json"), true)).unwrap();
        let sources = file(&project, "models/sources.yml");
        assert!(sources.contains("  - name: warehouse\n    database: \"shop\"\n    schema: \"sales\"\n"), "{sources}");
        assert!(sources.contains("      - name: order_lines\n        identifier: \"Order Lines\"\n"), "{sources}");
        let model = file(&project, "models/orders.sql");
        assert!(model.contains("SELECT CAST(\"id\" AS BIGINT) AS \"id\",\n       CAST(\"Name\" AS TEXT) COLLATE \"C\" AS \"Name\""), "{model}");
        assert!(model.contains("CAST(\"amount\" AS NUMERIC(12, 2)) AS \"amount\"\nFROM {{ source('warehouse', 'order_lines') }}"), "{model}");
        // The query is the model, in PostgreSQL's own SQL, its Jinja neutralised.
        let q = file(&project, "models/q.sql");
        assert!(q.contains("FROM (\nSELECT 1 AS id /* {{ '{' }}{ x }} */\n) AS \"__sluice_query\""), "{q}");
        assert!(file(&project, "models/big.sql").contains("CAST('Infinity' AS DOUBLE PRECISION)"));
        let profile = file(&project, "profiles.yml");
        assert!(profile.contains("      host: \"db.internal\"\n      port: 5433\n      user: \"ana\"\n      dbname: \"shop\"\n"), "{profile}");
        assert!(file(&project, "models/schema.yml").contains("- name: \"Name\"\n        quote: true"));

        // DuckDB attaches the connection; a query is not its database's SQL there.
        let e = export(&plan, &spec, &options(Target::DuckDb, &dir.path().join("s.sluice.json"), false)).err().expect("refused");
        let ExportError::Unsupported { nodes, .. } = e else { panic!("{e}") };
        assert_eq!(nodes.len(), 1);
        assert!(nodes[0].message.contains("only a dbt-postgres project runs a PostgreSQL query"), "{}", nodes[0].message);
        let (plan, spec, dir) = database_spec(false);
        let project = export(&plan, &spec, &options(Target::DuckDb, &dir.path().join("s.sluice.json"), false)).unwrap();
        assert!(file(&project, "models/sources.yml").contains("    database: \"warehouse\"\n"));
        assert!(file(&project, "models/orders.sql").contains("CAST(\"amount\" AS DECIMAL(12,2)) AS \"amount\"\nFROM {{ source('warehouse', 'order_lines') }}"));
        assert!(file(&project, "profiles.yml").contains("host='{{ env_var('SLUICE_CONN_WAREHOUSE_HOST') }}'"));
        assert!(file(&project, "README.md").contains("connection `warehouse` (postgres) was not defined when this project was exported"));

        // Spark and Snowflake read no database.
        let e = export(&plan, &spec, &options(Target::Spark, &dir.path().join("s.sluice.json"), true)).err().expect("refused");
        assert!(e.to_string().contains("orders"), "{e}");
    }

    #[test]
    fn project_names_are_identifiers() {
        assert_eq!(project_name("Customer features (v2)"), "customer_features_v2");
        assert_eq!(project_name("2025 orders"), "p_2025_orders");
        assert_eq!(project_name("—"), "sluice_pipeline");
    }
}
