//! The project's text files: dbt_project.yml, an example profiles.yml, schema.yml (model
//! descriptions, columns and generic tests) and a README saying how to run it. The parts about
//! database sources (the profile's connection, DuckDB's attached databases) are in [`profile`].

use indexmap::IndexMap;
use sluice_core::catalog::check::CheckSeverity;
use sluice_core::catalog::Category;
use sluice_core::{Diagnostic, Plan, Spec};

use super::models::Model;
use super::profile;
use super::sources::Sources;
use super::tests::CheckTests;
use super::text::{plain_identifier, yaml_text};
use super::{Options, Target};

/// The internal stage a Snowflake project's sources load their files from, unless their vars
/// say another place.
pub const SNOWFLAKE_STAGE: &str = "sluice_files";

/// What the files are written from.
pub struct Cx<'a> {
    pub plan: &'a Plan,
    pub spec: &'a Spec,
    pub name: &'a str,
    pub target: Target,
    pub models: &'a [Model],
    pub checks: &'a [CheckTests],
    pub warnings: &'a [Diagnostic],
    pub notes: &'a [Diagnostic],
    pub sources: &'a Sources,
    pub descriptions: &'a IndexMap<&'a str, &'a str>,
    pub opts: &'a Options<'a>,
}

pub fn dbt_project_yml(cx: &Cx<'_>) -> String {
    let mut s = format!(
        "# Exported by sluice from the pipeline {}.\nname: {}\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: {}\n\n\
         model-paths: [\"models\"]\ntest-paths: [\"tests\"]\nclean-targets: [\"target\"]\n\nmodels:\n  {}:\n    +materialized: table\n",
        // A comment, which dbt does not render; neutralised all the same, as all spec text here.
        yaml_text(&cx.plan.name),
        cx.name,
        cx.name,
        cx.name
    );
    if cx.target == Target::Spark {
        s.push_str("    +file_format: parquet\n");
    }
    let vars: Vec<&(String, String)> = cx.models.iter().filter_map(|m| m.path_var.as_ref()).collect();
    if !vars.is_empty() {
        // The files the sources read, as the spec resolved them; `--vars` points elsewhere.
        s.push_str("\nvars:\n");
        for (name, default) in vars {
            // dbt renders a var's value when a model reads it.
            s.push_str(&format!("  {name}: {}\n", yaml_text(default)));
        }
    }
    if cx.checks.iter().any(|c| !c.seeds.is_empty()) {
        // Baseline values of drift checks, read back as the doubles they were.
        s.push_str(&format!("\nseed-paths: [\"seeds\"]\nseeds:\n  {}:\n    +column_types:\n      value: double\n", cx.name));
        if cx.target == Target::Spark {
            s.push_str("    +file_format: parquet\n");
        }
    }
    s
}

pub fn profiles_yml(cx: &Cx<'_>) -> String {
    let n = cx.name;
    match cx.target {
        Target::DuckDb => format!(
            "# An example profile. Run from this folder with `--profiles-dir .`, or copy it into ~/.dbt/profiles.yml.\n\
             # The tables are written to one DuckDB file; SLUICE_DBT_DATABASE names another.\n\
             {n}:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n      \
             path: \"{{{{ env_var('SLUICE_DBT_DATABASE', 'target/{n}.duckdb') }}}}\"\n      threads: 2\n{}",
            profile::duckdb_attach(cx.sources)
        ),
        Target::Postgres => profile::postgres(n, cx.sources),
        Target::Snowflake => format!(
            "# An example profile. Run from this folder with `--profiles-dir .`, or copy it into ~/.dbt/profiles.yml.\n\
             # The account and credentials come from the environment; any dbt-snowflake authentication works.\n\
             {n}:\n  target: snowflake\n  outputs:\n    snowflake:\n      type: snowflake\n      \
             account: \"{{{{ env_var('SNOWFLAKE_ACCOUNT') }}}}\"\n      \
             user: \"{{{{ env_var('SNOWFLAKE_USER') }}}}\"\n      \
             password: \"{{{{ env_var('SNOWFLAKE_PASSWORD') }}}}\"\n      \
             role: \"{{{{ env_var('SNOWFLAKE_ROLE', 'SYSADMIN') }}}}\"\n      \
             warehouse: \"{{{{ env_var('SNOWFLAKE_WAREHOUSE', 'COMPUTE_WH') }}}}\"\n      \
             database: \"{{{{ env_var('SNOWFLAKE_DATABASE', 'SLUICE') }}}}\"\n      \
             schema: {n}\n      threads: 4\n"
        ),
        Target::Spark => format!(
            "# An example profile. Run from this folder with `--profiles-dir .`, or copy it into ~/.dbt/profiles.yml.\n\
             # `local` starts Spark inside dbt's process (pip install \"dbt-spark[session]\" pyspark; Java 17);\n\
             # `cluster` is the shape of a profile for a Spark Thrift server or Databricks SQL endpoint.\n\
             {n}:\n  target: local\n  outputs:\n    local:\n      type: spark\n      method: session\n      host: localhost\n      \
             schema: {n}\n      threads: 1\n      server_side_parameters:\n        spark.master: \"local[2]\"\n        \
             spark.sql.session.timeZone: \"UTC\"\n        \
             spark.sql.warehouse.dir: \"{{{{ env_var('SLUICE_DBT_WAREHOUSE', 'spark-warehouse') }}}}\"\n    \
             cluster:\n      type: spark\n      method: thrift\n      host: \"{{{{ env_var('SPARK_HOST', 'spark-thrift.example.internal') }}}}\"\n      \
             port: 10000\n      schema: {n}\n      threads: 4\n"
        ),
    }
}

pub fn schema_yml(cx: &Cx<'_>) -> String {
    let mut s = String::from("version: 2\n\nmodels:\n");
    for m in cx.models {
        let node = &cx.plan.nodes[&m.id];
        let info = node.kind.info();
        let description = match cx.descriptions.get(m.id.as_str()) {
            Some(d) => format!("{d} ({}, node '{}')", info.title, m.id),
            None => format!("{} (node '{}')", info.title, m.id),
        };
        // dbt renders every string here with Jinja (descriptions and tests later than the rest).
        s.push_str(&format!("  - name: {}\n    description: {}\n", m.name, yaml_text(&description)));
        s.push_str(&format!(
            "    config:\n      meta: {{sluice_node: {}, sluice_kind: {}}}\n",
            yaml_text(&m.id),
            info.id
        ));
        let check = cx.checks.iter().find(|c| c.id == m.id);
        let schema = if m.category == Category::Sink {
            node.inputs.values().next().and_then(|up| cx.plan.nodes.get(up)).and_then(|u| u.schema.clone())
        } else {
            node.schema.clone()
        };
        let Some(schema) = schema else { continue };
        if schema.columns.is_empty() {
            continue;
        }
        s.push_str("    columns:\n");
        for col in &schema.columns {
            s.push_str(&format!("      - name: {}\n", yaml_text(&col.name)));
            // The models quote every column name; Snowflake folds unquoted ones to upper case, and
            // a name that is not an identifier is not SQL unquoted (dbt's tests paste it in).
            if matches!(cx.target, Target::Snowflake | Target::Postgres) || !plain_identifier(&col.name) {
                s.push_str("        quote: true\n");
            }
            if col.is_known() {
                s.push_str(&format!("        description: {}\n", yaml_text(&format!("{} in sluice", col.ty))));
            }
            let tests: Vec<_> = check.iter().flat_map(|c| c.generic.iter().filter(|t| t.column == col.name).map(move |t| (c, t))).collect();
            if tests.is_empty() {
                continue;
            }
            s.push_str("        data_tests:\n");
            for (c, t) in tests {
                s.push_str(&format!("          - {}:\n              name: {}\n", t.test, t.name));
                if !t.arguments.is_empty() {
                    s.push_str("              arguments:\n");
                    for (k, v) in &t.arguments {
                        s.push_str(&format!("                {k}: {v}\n"));
                    }
                }
                let severity = if c.severity == CheckSeverity::Warn { "warn" } else { "error" };
                s.push_str(&format!(
                    "              config:\n                severity: {severity}\n                meta: {{sluice_check: {}}}\n",
                    yaml_text(&c.id)
                ));
            }
        }
    }
    s
}

/// The project's README. dbt never renders it (the project folder is not one of its docs
/// paths), so spec text is written as it is.
pub fn readme(cx: &Cx<'_>) -> String {
    let n = cx.name;
    let mut s = format!("# {}\n\n", cx.plan.name);
    if !cx.spec.description.is_empty() {
        s.push_str(&format!("{}\n\n", cx.spec.description));
    }
    s.push_str(&format!(
        "A dbt project exported by `sluice export dbt` from `{}`, in {} SQL. Each node of the \
         pipeline is one model named by its id; checks are views carrying dbt tests, so `dbt build` \
         skips what is below a failing check, as `sluice run` does.\n\n",
        cx.opts.spec_path.display(),
        match cx.target {
            Target::DuckDb => "DuckDB",
            Target::Spark => "Spark",
            Target::Snowflake => "Snowflake",
            Target::Postgres => "PostgreSQL",
        }
    ));
    s.push_str("## Run it\n\n```sh\n");
    match cx.target {
        Target::DuckDb => s.push_str(&format!(
            "pip install \"dbt-core~=1.10.0\" \"dbt-duckdb~=1.10.0\"\ndbt build --profiles-dir .\n```\n\n\
             The tables land in `target/{n}.duckdb` (or where `SLUICE_DBT_DATABASE` says).\n\n"
        )),
        Target::Snowflake => {
            // The stage lives in the project's schema, where the models' `@sluice_files/...`
            // resolve; SLUICE is the database profiles.yml names by default.
            let stage = format!("SLUICE.{n}.{SNOWFLAKE_STAGE}");
            s.push_str(&format!(
                "pip install \"dbt-core~=1.10.0\" dbt-snowflake\n\
                 export SNOWFLAKE_ACCOUNT=... SNOWFLAKE_USER=... SNOWFLAKE_PASSWORD=...\n\
                 # once, and whenever the data changes: the schema, a stage, the source files in it\n\
                 snowsql -q \"CREATE SCHEMA IF NOT EXISTS SLUICE.{n}; CREATE STAGE IF NOT EXISTS {stage}\"\n"
            ));
            for m in cx.models.iter().filter(|m| m.path_var.is_some()) {
                if let Some(local) = &m.source_file {
                    s.push_str(&format!(
                        "snowsql -q \"PUT 'file://{}' @{stage} AUTO_COMPRESS = FALSE OVERWRITE = TRUE\"\n",
                        local.replace('\'', "\\'")
                    ));
                }
            }
            s.push_str(
                "dbt build --profiles-dir .\n```\n\n\
                 The models and their tests run in the database and schema `profiles.yml` names (with another \
                 database, say it in the commands above too). Each source model loads its file from the stage \
                 into a temporary table (`COPY INTO`, in a pre-hook) with the types sluice read; one that loads \
                 no rows (its file is not in the stage) stops with an error. Every column name is quoted, so \
                 the tables keep sluice's names: query them as `\"amount\"`.\n\n",
            );
        }
        Target::Postgres => s.push_str(&profile::postgres_readme(n, cx.sources)),
        Target::Spark => s.push_str(
            "pip install \"dbt-core~=1.10.0\" \"dbt-spark[session]\" pyspark   # and Java 17\n\
             dbt build --profiles-dir .\n```\n\n\
             The `local` target runs Spark inside dbt's process with two cores; tables are Parquet under \
             `spark-warehouse/` (or where `SLUICE_DBT_WAREHOUSE` says).\n\n\
             ## On a Spark cluster or Databricks\n\n\
             Use an ordinary dbt-spark profile: the `cluster` target in `profiles.yml` is one for a Spark \
             Thrift server (`dbt build --profiles-dir . --target cluster`); for Databricks use dbt-databricks \
             with its own profile. The sources read the files at the paths below: put the data where the \
             cluster reads it (HDFS, S3, ABFS) and change the paths in the source models.\n\n",
        ),
    }
    s.push_str(&profile::database_readme(cx.target, cx.sources));
    let sources: Vec<&Model> = cx.models.iter().filter(|m| m.category == Category::Source && !m.reads_database).collect();
    if !sources.is_empty() {
        let example = match cx.target {
            Target::Snowflake => "@my_s3_stage/orders.csv.gz",
            _ => "s3a://bucket/orders.csv.gz",
        };
        s.push_str(&format!(
            "## Sources\n\nThe source models read the files the spec named, resolved when exporting, through \
             dbt vars (defaults in `dbt_project.yml`). Point them at the data where the engine reads it, e.g. \
             `dbt build --vars '{{orders_path: \"{example}\"}}'`:\n\n",
        ));
        for m in sources {
            match &m.path_var {
                Some((var, default)) => s.push_str(&format!("- `{var}` ({}, `models/{}.sql`): `{default}`\n", m.kind, m.name)),
                None => s.push_str(&format!("- `models/{}.sql` ({})\n", m.name, m.kind)),
            }
        }
        s.push('\n');
    }
    let fitted: Vec<&Model> = cx.models.iter().filter(|m| m.applies_state).collect();
    if !fitted.is_empty() {
        s.push_str("## Fitted state\n\nThese feature steps apply the state fitted by a training run, as constants, so the features are those the app computed:\n\n");
        for m in fitted {
            s.push_str(&format!("- `{}` ({})\n", m.name, m.kind));
        }
        s.push('\n');
    }
    if !cx.checks.is_empty() {
        s.push_str("## Checks\n\n| check | model | dbt test | severity |\n| --- | --- | --- | --- |\n");
        for c in cx.checks {
            let tests: Vec<String> = c
                .generic
                .iter()
                .map(|t| format!("`{}` on `{}`", t.test, t.column))
                .chain(c.singular.iter().map(|t| format!("`tests/{}.sql`", t.name)))
                .collect();
            let sev = if c.severity == CheckSeverity::Warn { "warn" } else { "error" };
            s.push_str(&format!("| {} | `{}` | {} | {sev} |\n", c.description.replace('|', "\\|"), c.model, tests.join(", ")));
        }
        s.push('\n');
    }
    if !cx.notes.is_empty() {
        s.push_str("## Notes\n\n");
        for w in cx.notes {
            s.push_str(&format!("- {}\n", w.message));
        }
        s.push('\n');
    }
    if !cx.warnings.is_empty() {
        s.push_str("## Left out\n\n");
        for w in cx.warnings {
            s.push_str(&format!("- {}\n", w.message));
        }
        s.push('\n');
    }
    s
}
