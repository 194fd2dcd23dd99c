//! One dbt model per node: the node's SQL from the catalog, its inputs as `ref()`; a database
//! source's model selects its dbt source ([`super::sources`]).

use indexmap::IndexMap;
use sluice_core::catalog::{Category, Compiled};
use sluice_core::dialect::Dialect;
use sluice_core::{CoreError, Diagnostic, Plan};

use super::text::{jinja_sql, jinja_text, model_name, ref_placeholder, sql_comment, var_placeholder};
use super::Options;
use crate::ExportError;

/// A model file.
pub struct Model {
    /// The node id.
    pub id: String,
    /// The dbt model name (the id with `-` as `_`).
    pub name: String,
    pub kind: &'static str,
    pub category: Category,
    /// The file's text.
    pub sql: String,
    /// Whether it applies a fitted state from a state file.
    pub applies_state: bool,
    /// For a source: the dbt var naming the file it reads, and the var's default in
    /// dbt_project.yml (the path the spec resolved to, or the file in the Snowflake stage).
    pub path_var: Option<(String, String)>,
    /// For a source: the file the spec resolved to on this machine.
    pub source_file: Option<String>,
    /// A database source, reading a dbt source.
    pub reads_database: bool,
}

/// Why a node did not export.
pub enum NodeError {
    /// The dialect cannot express it; the diagnostic names the node.
    Unsupported(Diagnostic),
    Core(CoreError),
}

/// Model name by node id; two ids that map to one name are refused.
pub fn model_names(plan: &Plan) -> Result<IndexMap<String, String>, ExportError> {
    let mut names: IndexMap<String, String> = IndexMap::new();
    let mut clashes = Vec::new();
    for id in &plan.order {
        let name = model_name(id);
        if let Some((other, _)) = names.iter().find(|(_, n)| **n == name) {
            clashes.push(
                Diagnostic::error("X010", format!("nodes '{other}' and '{id}' would both be dbt model '{name}'"))
                    .node(id)
                    .help("rename one of them: dbt model names cannot tell '-' from '_'"),
            );
        }
        names.insert(id.clone(), name);
    }
    if clashes.is_empty() {
        Ok(names)
    } else {
        Err(ExportError::Unsupported { dialect: "dbt", nodes: clashes })
    }
}

/// The model of node `id`.
pub fn model(
    plan: &Plan,
    id: &str,
    names: &IndexMap<String, String>,
    dialect: &dyn Dialect,
    opts: &Options<'_>,
) -> Result<Model, NodeError> {
    let node = plan.node(id).map_err(NodeError::Core)?;
    let info = node.kind.info();
    // Checks pass their input through: a model reads the rows where they are made (the nearest
    // node above that is not a check), so a check's tests run even when a check above it fails,
    // as in `sluice run`. Every other node also depends on the checks between, so that a failing
    // one skips it.
    let mut passed = Vec::new();
    let relation = |up: &str| {
        let (data, _) = through_checks(plan, up);
        ref_placeholder(names.get(&data).map(String::as_str).unwrap_or(&data))
    };
    if info.category != Category::Check {
        for up in node.inputs.values() {
            for c in through_checks(plan, up).1 {
                if !passed.contains(&c) {
                    passed.push(c);
                }
            }
        }
    }
    let state = opts.state.and_then(|s| s.nodes.get(id)).map(|n| &n.state);
    let compiled = plan.compile_node_with(id, dialect, &relation, state).map_err(|e| match e {
        CoreError::Compile { node, message } => NodeError::Unsupported(
            Diagnostic::error("X011", message).node(node),
        ),
        other => NodeError::Core(other),
    })?;
    // Statements the dialect needs run first (Spark's views over CSV files) become pre-hooks.
    let setup = dialect.take_setup();
    let (body, materialized) = match compiled {
        Compiled::Query(q) => (q, "table"),
        Compiled::Check(c) => (c.pass_through, "view"),
        Compiled::Write(w) => (w.query, "table"),
    };
    let mut header = format!("-- {} ({})", id, info.title);
    if info.category == Category::Sink {
        header.push_str(": the rows this sink writes");
    }
    if state.is_some() {
        header.push_str(&format!("\n-- applies the state fitted at {}", sql_comment(opts.state.map(|s| s.fitted_at.as_str()).unwrap_or(""))));
    } else if node.kind.stateful() {
        header.push_str("\n-- fits its parameters inline, over the training rows of its input");
    }
    for c in &passed {
        header.push_str(&format!("\n-- depends_on: {{{{ ref('{}') }}}}", names[c]));
    }
    // A source reads its file through a dbt var (`<model>_path`), so the project can be pointed
    // at the data where a cluster reads it: `dbt build --vars '{orders_path: s3a://...}'`.
    let path = (info.category == Category::Source)
        .then(|| node.params.get("path").and_then(serde_json::Value::as_str))
        .flatten()
        .map(|p| sluice_core::catalog::resolve_path(&plan.base_dir, p).to_string_lossy().to_string());
    let var = path.as_ref().map(|_| format!("{}_path", names[id]));
    // Snowflake reads files from a stage, not from this machine: the var's default is the file's
    // name in the stage the project's README says to put it in.
    // An object path (`s3://...`) is the var's default as written (Spark reads S3 as `s3a://`),
    // never the local mirror the engine reads it through.
    let object = (info.category == Category::Source)
        .then(|| node.params.get("path").and_then(serde_json::Value::as_str).and_then(sluice_core::objects::ObjectPath::parse))
        .flatten();
    let default = path.as_ref().map(|p| match (opts.target, &object) {
        (super::Target::Snowflake, _) => {
            let file = std::path::Path::new(p).file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
            format!("@{}/{file}", super::files::SNOWFLAKE_STAGE)
        }
        (super::Target::Spark, Some(o)) if o.driver == sluice_core::remote::Driver::S3 => {
            format!("s3a://{}", o.url().split_once("://").map(|(_, rest)| rest).unwrap_or_default())
        }
        (_, Some(o)) => o.url(),
        _ => p.clone(),
    });
    let literals: Vec<String> = path
        .as_ref()
        .map(|p| {
            vec![
                format!("'{}'", p.replace('\'', "''")),
                format!("`{}`", p.replace('`', "``")),
                sluice_core::dialect::spark_string(p),
                sluice_core::dialect::snowflake_string(p),
                // Unquoted, as Snowflake's COPY with a transformation names its stage location.
                p.clone(),
            ]
        })
        .unwrap_or_default();
    // Every spelling of the path the SQL holds, quoted ones first (the bare path is inside each
    // of them), becomes the var's placeholder, written as `{{ var(...) }}` by `jinja_sql`.
    let with_var = |text: &str| -> (String, bool) {
        let mut text = text.to_string();
        let mut used = false;
        if var.is_none() {
            return (text, used);
        }
        for lit in &literals {
            if text.contains(lit.as_str()) {
                let quote = lit.get(..1).filter(|q| *q == "'" || *q == "`").unwrap_or("");
                text = text.replace(lit.as_str(), &format!("{quote}{}{quote}", var_placeholder()));
                used = true;
            }
        }
        (text, used)
    };
    let mut uses_var = false;
    let config = if setup.is_empty() {
        format!("{{{{ config(materialized='{materialized}') }}}}")
    } else {
        let mut blocks = String::new();
        let mut names = Vec::new();
        for (i, statement) in setup.iter().enumerate() {
            let (statement, used) = with_var(statement);
            uses_var |= used;
            // dbt renders a hook's SQL when it runs it: the block keeps the hook as written, and
            // that one rendering gives the statement (and the var's value).
            // A raw block reads best; neutralised SQL opens no block, so it cannot end one (and
            // were it ever to, the hook is neutralised a second time instead).
            let hook = jinja_sql(&statement, var.as_deref());
            let kept = if hook.contains("{%") { jinja_text(&hook) } else { format!("{{% raw %}}{hook}{{% endraw %}}") };
            blocks.push_str(&format!("{{% set setup_{i} %}}{kept}{{% endset %}}\n"));
            names.push(format!("setup_{i}"));
        }
        format!("{blocks}{{{{ config(materialized='{materialized}', pre_hook=[{}]) }}}}", names.join(", "))
    };
    let (body, used) = with_var(body.trim());
    uses_var |= used;
    let body_sql = jinja_sql(&body, var.as_deref());
    let sql = format!("{header}\n{config}\n\n{body_sql}\n");
    Ok(Model {
        id: id.to_string(),
        name: names[id].clone(),
        kind: info.id,
        category: info.category,
        sql,
        applies_state: state.is_some(),
        path_var: var.zip(default).filter(|_| uses_var),
        // Shown to people (the README's PUT commands): without `dir/..`.
        source_file: path.map(|p| lexical_clean(std::path::Path::new(&p))),
        reads_database: false,
    })
}

/// The model of database source `id`, and a note when its columns were not known.
pub fn source_model(
    plan: &Plan,
    id: &str,
    names: &IndexMap<String, String>,
    sources: &super::sources::Sources,
    target: super::Target,
) -> Result<(Model, Option<Diagnostic>), NodeError> {
    let node = plan.node(id).map_err(NodeError::Core)?;
    let info = node.kind.info();
    let (sql, note) = super::sources::model_sql(plan, id, sources, target).map_err(NodeError::Unsupported)?;
    let model = Model {
        id: id.to_string(),
        name: names[id].clone(),
        kind: info.id,
        category: info.category,
        sql,
        applies_state: false,
        path_var: None,
        source_file: None,
        reads_database: true,
    };
    Ok((model, note))
}

/// The node whose rows `up` passes on (itself unless it is a check), and the checks in between,
/// nearest first.
pub fn through_checks(plan: &Plan, up: &str) -> (String, Vec<String>) {
    let mut id = up.to_string();
    let mut checks = Vec::new();
    while let Some(node) = plan.nodes.get(&id) {
        if node.kind.info().category != Category::Check {
            break;
        }
        let Some(input) = node.inputs.get("input") else { break };
        checks.push(id.clone());
        id = input.clone();
    }
    (id, checks)
}

/// A path with `.` and `name/..` taken out, as text (the file need not exist here).
fn lexical_clean(path: &std::path::Path) -> String {
    use std::path::Component;
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect::<std::path::PathBuf>().to_string_lossy().to_string()
}

#[cfg(test)]
mod unit {
    #[test]
    fn paths_are_cleaned_lexically() {
        assert_eq!(super::lexical_clean(std::path::Path::new("/a/b/../c/./d.csv")), "/a/c/d.csv");
        assert_eq!(super::lexical_clean(std::path::Path::new("../x.csv")), "../x.csv");
    }
}
