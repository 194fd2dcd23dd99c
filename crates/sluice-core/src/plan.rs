//! From a parsed spec to a checked plan: params resolved, kinds found, inputs wired, cycles
//! refused, every node's params checked and its output schema inferred, all diagnostics collected.
//! The plan then compiles any node to SQL through a [`Dialect`].

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value;

use crate::catalog::{lookup, CheckCx, CompileCx, Compiled, DynKind, Ports};
use crate::diagnostic::{has_errors, Diagnostic};
use crate::files::{Access, Declared, FileUse};
use crate::remote::RemoteRead;
use crate::dialect::Dialect;
use crate::graph::{self, Deps};
use crate::schema::Schema;
use crate::spec::sql_schema::SchemaAt;
use crate::spec::{params, Spec};
use crate::suggest::did_you_mean;
use crate::CoreError;

/// Why a describe failed: the message from the binder, and whether the data (a file) is at fault.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct DescribeError {
    pub message: String,
    pub data_fault: bool,
}

/// Learns the output columns of a query without running it (the engine binds it on DuckDB).
pub trait Describer {
    /// Before anything is described: the files the spec declares, the only ones a describe
    /// may touch (the engine locks its connection to them).
    fn grant(&self, declared: &Declared) -> Result<(), DescribeError>;
    fn describe(&self, sql: &str) -> Result<Schema, DescribeError>;
    /// Before database source `node` is described: learn its columns from the database's
    /// catalog and make the (empty) relation its SQL reads. An error names the connection.
    fn prepare_remote(&self, node: &str, read: &RemoteRead) -> Result<(), DescribeError> {
        let _ = node;
        Err(DescribeError { message: format!("cannot reach {} while checking", read.describe()), data_fault: true })
    }
    /// Before the files are declared: bring the mirror of the objects the nodes read up to date
    /// (see [`crate::objects`]), so that globs expand to what the store holds now. Returns the
    /// nodes whose objects could not be reached, with why. Without a describer the mirror is
    /// taken as it is.
    fn mirror(&self, objects: &[crate::files::ObjectUse]) -> Vec<(String, DescribeError)> {
        let _ = objects;
        Vec::new()
    }
}

/// A node after checking.
#[derive(Clone)]
pub struct PlannedNode {
    pub id: String,
    pub kind: &'static dyn DynKind,
    /// Port name to upstream node id.
    pub inputs: IndexMap<String, String>,
    /// Params with `${..}` placeholders filled.
    pub params: Value,
    /// Output schema, when known.
    pub schema: Option<Schema>,
}

impl std::fmt::Debug for PlannedNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlannedNode").field("id", &self.id).field("kind", &self.kind.info().id).finish()
    }
}

/// A checked pipeline, ready to compile.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    /// The spec's folder; relative paths resolve against it.
    pub base_dir: PathBuf,
    /// Node ids, inputs before consumers.
    pub order: Vec<String>,
    pub nodes: IndexMap<String, PlannedNode>,
    /// Resolved spec params.
    pub params: IndexMap<String, Value>,
    /// Warnings found while planning.
    pub warnings: Vec<Diagnostic>,
    /// Where runs write the fitted state of stateful nodes (the spec's `state`, resolved).
    pub state_path: Option<PathBuf>,
    /// The files the plan reads and writes: all a run of it is granted.
    pub declared: Declared,
}

/// Options for [`plan`].
#[derive(Default)]
pub struct PlanOptions<'a> {
    pub overrides: Vec<(String, String)>,
    pub describer: Option<&'a dyn Describer>,
    /// Folders outside the spec's own where its sinks and state file may write (the user's
    /// consent: `--allow-write DIR`).
    pub allow_write: Vec<PathBuf>,
}

/// Check a spec and infer every node's schema. Returns the plan unless the graph has a cycle (with
/// the schemas that could be inferred), and every diagnostic found. Never run a plan whose
/// diagnostics hold an error.
pub fn plan(spec: &Spec, base_dir: &Path, dialect: &dyn Dialect, opts: &PlanOptions<'_>) -> (Option<Plan>, Vec<Diagnostic>) {
    let (values, mut diags) = params::resolve(&spec.params, &opts.overrides);
    let ids: Vec<&str> = spec.nodes.iter().map(|n| n.id.as_str()).collect();
    let mut nodes: IndexMap<String, PlannedNode> = IndexMap::new();
    let mut deps: Deps = IndexMap::new();

    for n in &spec.nodes {
        if nodes.contains_key(&n.id) {
            continue; // duplicate ids are reported by the parser
        }
        let mut errs = Vec::new();
        // Placeholders in the params that hold SQL are filled as SQL literals: the kind's
        // schema says which those are.
        let schema = lookup(&n.kind).map(|k| k.params_schema());
        let fill = params::Fill { values: &values, decls: &spec.params };
        let resolved = params::substitute(&n.params, &fill, schema.as_ref().map(SchemaAt::root), "params", &mut errs);
        for (path, msg) in errs {
            diags.push(Diagnostic::error("S012", msg).node(&n.id).path(path));
        }
        // Wiring is checked whether or not the kind is known, so all problems show at once.
        let mut node_deps = Vec::new();
        for (port, up) in &n.inputs {
            if !ids.contains(&up.as_str()) {
                let mut d = Diagnostic::error("S015", format!("input '{port}' names node '{up}', which does not exist"))
                    .node(&n.id)
                    .path(format!("inputs.{port}"));
                if let Some(h) = did_you_mean(up, ids.iter().copied()) {
                    d = d.help(h);
                }
                diags.push(d);
            } else if up == &n.id {
                diags.push(Diagnostic::error("S017", format!("node '{up}' reads its own output")).node(&n.id).path(format!("inputs.{port}")));
            } else {
                node_deps.push(up.clone());
            }
        }
        deps.insert(n.id.clone(), node_deps);
        let Some(kind) = lookup(&n.kind) else {
            let mut d = Diagnostic::error("S011", format!("unknown node kind '{}'", n.kind)).node(&n.id).path("kind");
            if let Some(h) = did_you_mean(&n.kind, crate::catalog::registry().iter().map(|k| k.info().id)) {
                d = d.help(h);
            }
            diags.push(d);
            continue;
        };
        let info = kind.info();
        match &info.inputs {
            Ports::Fixed { ports } => {
                for p in ports.iter() {
                    if !p.optional && !n.inputs.contains_key(p.name) {
                        diags.push(
                            Diagnostic::error("S013", format!("missing input '{}' ({})", p.name, p.doc))
                                .node(&n.id)
                                .path(format!("inputs.{}", p.name)),
                        );
                    }
                }
                for port in n.inputs.keys() {
                    if !ports.iter().any(|p| p.name == port) {
                        let names: Vec<&str> = ports.iter().map(|p| p.name).collect();
                        let expected = if names.is_empty() { "none".to_string() } else { names.join(", ") };
                        diags.push(
                            Diagnostic::error("S014", format!("'{}' has no input port '{port}' (ports: {expected})", info.id))
                                .node(&n.id)
                                .path(format!("inputs.{port}")),
                        );
                    }
                }
            }
            Ports::Named { min, .. } => {
                if n.inputs.len() < *min {
                    diags.push(
                        Diagnostic::error("S013", format!("'{}' needs at least {min} input(s), has {}", info.id, n.inputs.len()))
                            .node(&n.id)
                            .path("inputs"),
                    );
                }
                for port in n.inputs.keys() {
                    if !crate::spec::parse::valid_id(port) {
                        diags.push(
                            Diagnostic::error("S014", format!("input port name '{port}' must be an identifier"))
                                .node(&n.id)
                                .path(format!("inputs.{port}")),
                        );
                    }
                }
            }
        }
        if let Err(d) = kind.parse_params(&n.id, &resolved) {
            diags.extend(d);
        }
        nodes.insert(
            n.id.clone(),
            PlannedNode { id: n.id.clone(), kind, inputs: n.inputs.clone(), params: resolved, schema: None },
        );
    }
    // Reading from a sink is a wiring error.
    for n in nodes.values() {
        for (port, up) in &n.inputs {
            if nodes.get(up).is_some_and(|u| !u.kind.info().output) {
                diags.push(
                    Diagnostic::error("S016", format!("input '{port}' reads node '{up}', a sink, which has no output"))
                        .node(&n.id)
                        .path(format!("inputs.{port}")),
                );
            }
        }
    }

    let (order, cyclic) = match graph::topo_order(&deps) {
        Ok(o) => (o, false),
        Err(cycles) => {
            let mut bad: std::collections::HashSet<String> = std::collections::HashSet::new();
            for c in &cycles {
                diags.push(
                    Diagnostic::error("S017", format!("cycle: {}", c.join(" --> ")))
                        .node(&c[0])
                        .path("inputs"),
                );
                bad.extend(c.iter().cloned());
            }
            // Check the rest of the graph anyway, so every other problem is reported too.
            loop {
                let rest: Deps = deps
                    .iter()
                    .filter(|(id, _)| !bad.contains(*id))
                    .map(|(id, ds)| (id.clone(), ds.iter().filter(|d| !bad.contains(*d)).cloned().collect()))
                    .collect();
                match graph::topo_order(&rest) {
                    Ok(o) => break (o, true),
                    Err(more) => bad.extend(more.into_iter().flatten()),
                }
            }
        }
    };

    let state_path = spec.state.as_ref().map(|s| {
        let mut errs = Vec::new();
        let fill = params::Fill { values: &values, decls: &spec.params };
        let filled = params::substitute(&Value::String(s.clone()), &fill, None, "state", &mut errs);
        for (path, message) in errs {
            diags.push(Diagnostic::error("S012", message).path(path));
        }
        let filled = match filled {
            Value::String(t) => t,
            other => other.to_string(),
        };
        crate::catalog::resolve_path(base_dir, &filled)
    });
    let objects = declared_objects(&nodes, base_dir);
    if let Some(desc) = opts.describer {
        for (node, e) in desc.mirror(&objects) {
            diags.push(Diagnostic::error("D011", e.message).data_fault().node(&node));
        }
    }
    let mut declared = declared_files(&nodes, base_dir, state_path.as_deref());
    declared.objects = objects;
    check_writes(&mut declared, base_dir, &opts.allow_write, &mut diags);
    // The describer touches files only once it holds the grants: a spec is contained from
    // its first describe on.
    let describer = match opts.describer {
        Some(desc) => match desc.grant(&declared) {
            Ok(()) => Some(desc),
            Err(e) => {
                diags.push(Diagnostic::error("S069", format!("could not lock the database to the spec's files: {}", e.message)));
                None
            }
        },
        None => None,
    };

    // Infer schemas in dependency order; a node whose inputs are unknown is not checked, so one
    // mistake does not cascade into diagnostics on every node below it.
    let failed_before = diags.iter().filter(|d| d.is_error()).map(|d| d.node.clone()).collect::<Vec<_>>();
    for id in &order {
        let Some(node) = nodes.get(id) else { continue };
        if failed_before.iter().any(|n| n.as_deref() == Some(id.as_str())) {
            continue;
        }
        let mut inputs = IndexMap::new();
        let mut complete = true;
        for (port, up) in &node.inputs {
            match nodes.get(up).and_then(|u| u.schema.clone()) {
                Some(s) => {
                    inputs.insert(port.clone(), s);
                }
                None => complete = false,
            }
        }
        if !complete {
            continue;
        }
        let mut cx = CheckCx { node: id, inputs: inputs.clone(), base_dir, diags: Vec::new() };
        let inferred = node.kind.check(&node.params, &mut cx);
        let ok = !has_errors(&cx.diags);
        diags.extend(cx.diags);
        if !ok || !node.kind.info().output {
            continue;
        }
        // A database source's columns come from its database: reaching it can fail on its own.
        if let (Some(desc), Some(remote)) = (describer, remote_of(node, base_dir)) {
            if let Err(e) = desc.prepare_remote(id, &remote) {
                diags.push(Diagnostic::error("D010", e.message).data_fault().node(id));
                continue;
            }
        }
        let schema = match describer {
            Some(desc) => describe_node(node, &inputs, base_dir, dialect, desc).map_err(|e| (e, node)),
            None => Ok(inferred),
        };
        match schema {
            Ok(s) => nodes[id].schema = s,
            Err((e, node)) => {
                let d = if e.data_fault {
                    Diagnostic::error("D002", e.message).data_fault()
                } else {
                    Diagnostic::error("S040", e.message)
                };
                diags.push(d.node(&node.id));
            }
        }
    }
    if cyclic {
        return (None, diags);
    }
    check_cursors(&nodes, &order, &mut diags);
    // The plan is returned even with node errors so that editors can show the schemas that are
    // known; callers refuse to run it when `diags` has errors.
    let warnings = diags.iter().filter(|d| !d.is_error()).cloned().collect();
    (Some(Plan { name: spec.name.clone(), base_dir: base_dir.to_path_buf(), order, nodes, params: values, warnings, state_path, declared }), diags)
}

/// What database source `node` reads, a SQLite file's path resolved against the spec's folder.
fn remote_of(node: &PlannedNode, base_dir: &Path) -> Option<RemoteRead> {
    let mut r = node.kind.remote(&node.params)?;
    r.path = r.path.map(|p| crate::catalog::resolve_path(base_dir, &p).to_string_lossy().into_owned());
    Some(r)
}

/// The object paths the nodes declare, with their places in the mirror.
fn declared_objects(nodes: &IndexMap<String, PlannedNode>, base_dir: &Path) -> Vec<crate::files::ObjectUse> {
    let mut out = Vec::new();
    for (id, node) in nodes {
        for f in node.kind.files(&node.params) {
            let Some(object) = crate::objects::ObjectPath::parse(&f.path) else { continue };
            // What the node's check refuses (a web server's glob or output) is never reached.
            if object.driver == crate::remote::Driver::Http && (object.is_glob() || f.access == Access::Write) {
                continue;
            }
            out.push(crate::files::ObjectUse {
                node: id.clone(),
                param: f.param.to_string(),
                access: f.access,
                local: crate::catalog::resolve_path(base_dir, &f.path),
                mirror: crate::files::normalize(&base_dir.join(crate::objects::MIRROR_DIR)),
                object,
                connection: f.connection.clone(),
            });
        }
    }
    out
}

/// The files the nodes declare, resolved against the spec's folder, globs expanded.
fn declared_files(nodes: &IndexMap<String, PlannedNode>, base_dir: &Path, state: Option<&Path>) -> Declared {
    let mut files = Vec::new();
    for (id, node) in nodes {
        for f in node.kind.files(&node.params) {
            let full = crate::catalog::resolve_path(base_dir, &f.path);
            let found = match f.access {
                Access::Read => crate::files::expand(&full),
                Access::Write => vec![full],
            };
            files.extend(found.into_iter().map(|path| FileUse {
                node: id.clone(),
                param: f.param.to_string(),
                access: f.access,
                path,
                part: f.part.clone(),
                consented: true,
            }));
        }
    }
    let remotes = nodes.iter().filter_map(|(id, n)| Some((id.clone(), remote_of(n, base_dir)?))).collect();
    Declared { files, state: state.map(Path::to_path_buf), remotes, objects: Vec::new() }
}

/// Writes need consent to leave the spec's folder, and two sinks never write one file.
fn check_writes(declared: &mut Declared, base_dir: &Path, allowed: &[PathBuf], diags: &mut Vec<Diagnostic>) {
    let consented = |p: &Path| crate::files::is_within(p, base_dir) || allowed.iter().any(|a| crate::files::is_within(p, a));
    for f in declared.files.iter_mut().filter(|f| f.access == Access::Write) {
        f.consented = consented(&f.path);
    }
    let mut seen: Vec<(PathBuf, &FileUse)> = Vec::new();
    for w in declared.writes() {
        let real = crate::files::real_path(&w.path);
        // Nodes may share a file only by writing different parts of it (tables of a database).
        let clash = seen.iter().find(|(p, o)| *p == real && (o.part.is_none() || w.part.is_none() || o.part == w.part)).map(|(_, o)| o.node.as_str());
        seen.push((real.clone(), w));
        if let Some(first) = clash {
            diags.push(
                Diagnostic::error("S068", format!("writes {}, which node '{first}' writes too: each output needs its own file", w.path.display()))
                    .node(&w.node)
                    .path(format!("params.{}", w.param)),
            );
        }
        if !w.consented {
            diags.push(
                Diagnostic::error("S067", match real == w.path {
                    true => format!("writes {}, outside the spec's folder", w.path.display()),
                    false => format!("writes {} (really {}), outside the spec's folder", w.path.display(), real.display()),
                })
                    .node(&w.node)
                    .path(format!("params.{}", w.param))
                    .help("allow it with --allow-write DIR (or SLUICE_ALLOW_WRITE), or write inside the spec's folder"),
            );
        }
    }
    if let Some(state) = &declared.state {
        if !consented(state) {
            diags.push(
                Diagnostic::error("S067", format!("the state file {} is outside the spec's folder", state.display()))
                    .path("state")
                    .help("allow it with --allow-write DIR (or SLUICE_ALLOW_WRITE), or keep it inside the spec's folder"),
            );
        }
    }
}

/// Kinds whose output depends on the whole table, not row by row: below an incremental source
/// they see only the rows read since the last run.
const WHOLE_TABLE: [&str; 11] =
    ["aggregate", "deduplicate", "window", "sort", "limit", "sample", "rolling", "lag", "split", "point_in_time_join", "sql"];

/// The `cursor` of incremental sources names a column they read, and what is below them is
/// warned about when it computes over the whole table.
fn check_cursors(nodes: &IndexMap<String, PlannedNode>, order: &[String], diags: &mut Vec<Diagnostic>) {
    // The key a source tracks deletes by is among its columns.
    for (id, node) in nodes {
        let (Some(key), Some(schema)) = (node.kind.tracked_key(&node.params), &node.schema) else { continue };
        for (i, k) in key.iter().enumerate() {
            if schema.get(k).is_none() {
                let names: Vec<&str> = schema.names().collect();
                let help = did_you_mean(k, names.iter().copied()).unwrap_or_else(|| format!("available: {}", names.join(", ")));
                diags.push(
                    Diagnostic::error("S020", format!("key column '{k}' is not among the columns read")).node(id).path(format!("params.key[{i}]")).help(help),
                );
            }
        }
    }
    for (id, node) in nodes {
        let Some(cursor) = node.params.get("cursor").and_then(Value::as_str) else { continue };
        if let Some(schema) = &node.schema {
            if schema.get(cursor).is_none() {
                let names: Vec<&str> = schema.names().collect();
                let mut d = Diagnostic::error("S020", format!("cursor column '{cursor}' is not among the columns read"))
                    .node(id)
                    .path("params.cursor");
                d = d.help(match did_you_mean(cursor, names.iter().copied()) {
                    Some(h) => h,
                    None => format!("available: {}", names.join(", ")),
                });
                diags.push(d);
            }
        }
        // Descendants in dependency order.
        let mut below: Vec<&str> = vec![id.as_str()];
        for other in order {
            let Some(n) = nodes.get(other) else { continue };
            if n.inputs.values().any(|up| below.contains(&up.as_str())) && !below.contains(&other.as_str()) {
                below.push(other);
                let kind = n.kind.info().id;
                if WHOLE_TABLE.contains(&kind) || n.kind.stateful() {
                    diags.push(
                        Diagnostic::warning(
                            "S050",
                            format!("'{other}' ({kind}) sees only the rows incremental source '{id}' reads since the last run, not the whole table"),
                        )
                        .node(other)
                        .help("run with --full-refresh, or read this source without a cursor, when it must see every row"),
                    );
                }
            }
        }
    }
}

/// Bind the node's SQL with its inputs replaced by empty relations of the inferred types.
fn describe_node(
    node: &PlannedNode,
    inputs: &IndexMap<String, Schema>,
    base_dir: &Path,
    dialect: &dyn Dialect,
    desc: &dyn Describer,
) -> Result<Option<Schema>, DescribeError> {
    let rels = inputs.iter().map(|(p, s)| (p.clone(), empty_relation(dialect, s))).collect();
    let cx = CompileCx { node: &node.id, inputs: rels, schemas: inputs.clone(), dialect, base_dir, state: None, output: None };
    let sql = match node.kind.compile(&node.params, &cx) {
        Ok(Compiled::Query(q)) => q,
        Ok(Compiled::Check(c)) => c.pass_through,
        Ok(Compiled::Write(_)) => return Ok(None),
        Err(e) => return Err(DescribeError { message: e.to_string(), data_fault: false }),
    };
    desc.describe(&sql).map(Some)
}

/// `(SELECT CAST(NULL AS T) AS "c", ... LIMIT 0)`: a typed relation with no rows.
pub fn empty_relation(dialect: &dyn Dialect, s: &Schema) -> String {
    if s.columns.is_empty() {
        return "(SELECT 1 AS \"?\" LIMIT 0)".into();
    }
    let cols: Vec<String> = s
        .columns
        .iter()
        .map(|c| {
            if c.is_known() {
                format!("CAST(NULL AS {}) AS {}", c.ty, dialect.ident(&c.name))
            } else {
                format!("NULL AS {}", dialect.ident(&c.name))
            }
        })
        .collect();
    format!("(SELECT {} LIMIT 0)", cols.join(", "))
}

impl Plan {
    pub fn node(&self, id: &str) -> Result<&PlannedNode, CoreError> {
        self.nodes.get(id).ok_or_else(|| CoreError::UnknownNode(id.to_string()))
    }

    /// The dependency graph.
    pub fn deps(&self) -> Deps {
        self.nodes.iter().map(|(id, n)| (id.clone(), n.inputs.values().cloned().collect())).collect()
    }

    /// Nodes needed to compute `target`, in dependency order.
    pub fn order_for(&self, target: &str) -> Result<Vec<String>, CoreError> {
        self.node(target)?;
        let need = graph::upstream(&self.deps(), target);
        Ok(self.order.iter().filter(|id| need.contains(*id)).cloned().collect())
    }

    /// Compile one node, its inputs named by `relation(upstream id)`.
    pub fn compile_node(&self, id: &str, dialect: &dyn Dialect, relation: &dyn Fn(&str) -> String) -> Result<Compiled, CoreError> {
        self.compile_node_with(id, dialect, relation, None)
    }

    /// [`Plan::compile_node`] for a stateful node with its fitted `state`.
    pub fn compile_node_with(
        &self,
        id: &str,
        dialect: &dyn Dialect,
        relation: &dyn Fn(&str) -> String,
        state: Option<&serde_json::Map<String, Value>>,
    ) -> Result<Compiled, CoreError> {
        let node = self.node(id)?;
        let cx = self.compile_cx(node, dialect, relation, state);
        node.kind.compile(&node.params, &cx)
    }

    /// The fit query of a stateful node over its inputs' relations; None for other kinds.
    pub fn fit_node(&self, id: &str, dialect: &dyn Dialect, relation: &dyn Fn(&str) -> String) -> Result<Option<String>, CoreError> {
        let node = self.node(id)?;
        let cx = self.compile_cx(node, dialect, relation, None);
        node.kind.fit(&node.params, &cx)
    }

    fn compile_cx<'a>(
        &'a self,
        node: &'a PlannedNode,
        dialect: &'a dyn Dialect,
        relation: &dyn Fn(&str) -> String,
        state: Option<&'a serde_json::Map<String, Value>>,
    ) -> CompileCx<'a> {
        let inputs = node.inputs.iter().map(|(p, up)| (p.clone(), relation(up))).collect();
        let schemas = node
            .inputs
            .iter()
            .map(|(p, up)| (p.clone(), self.nodes.get(up).and_then(|n| n.schema.clone()).unwrap_or_default()))
            .collect();
        CompileCx { node: &node.id, inputs, schemas, dialect, base_dir: &self.base_dir, state, output: node.schema.as_ref() }
    }

    /// One self-contained statement for `target`: its upstream nodes as CTEs named by node id.
    /// For a sink, the query of the rows it writes; for a check, the query that measures it.
    pub fn sql_for(&self, target: &str, dialect: &dyn Dialect) -> Result<String, CoreError> {
        let order = self.order_for(target)?;
        let rel = |id: &str| dialect.ident(id);
        let mut ctes = Vec::new();
        for id in &order[..order.len() - 1] {
            match self.compile_node(id, dialect, &rel)? {
                Compiled::Query(q) => ctes.push(format!("{} AS (\n  {q}\n)", dialect.ident(id))),
                Compiled::Check(c) => ctes.push(format!("{} AS (\n  {}\n)", dialect.ident(id), c.pass_through)),
                Compiled::Write(_) => {}
            }
        }
        let last = match self.compile_node(target, dialect, &rel)? {
            Compiled::Query(q) => q,
            Compiled::Write(w) => w.query,
            // A check's own SQL is its measurement; the failing rows follow as a comment.
            Compiled::Check(c) => match &c.failing {
                Some(f) => format!("{}\n-- failing rows:\n-- {}", c.metrics, f.replace('\n', "\n-- ")),
                None => c.metrics,
            },
        };
        if ctes.is_empty() {
            Ok(last)
        } else {
            Ok(format!("WITH {}\n{last}", ctes.join(",\n")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::DuckDb;

    /// Describes every source as (id BIGINT, amount DOUBLE) and refuses anything else, so the
    /// schemas downstream come from the kinds' own inference.
    struct Fake;
    impl Describer for Fake {
        fn grant(&self, _declared: &Declared) -> Result<(), DescribeError> {
            Ok(())
        }
        fn describe(&self, sql: &str) -> Result<Schema, DescribeError> {
            if sql.contains("read_csv") {
                Ok(Schema::new(vec![crate::Column::new("id", "BIGINT"), crate::Column::new("amount", "DOUBLE")]))
            } else {
                Err(DescribeError { message: "not described".into(), data_fault: false })
            }
        }
    }

    fn spec(nodes: serde_json::Value) -> (Spec, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "id,amount\n1,2\n").unwrap();
        let text = serde_json::json!({"version": 1, "name": "t", "nodes": nodes}).to_string();
        let (s, d) = crate::spec::parse(&text);
        assert!(d.is_empty(), "{d:?}");
        (s.unwrap(), dir)
    }

    #[test]
    fn without_a_describer_sources_are_unknown_and_nothing_below_is_flagged() {
        let (s, dir) = spec(serde_json::json!([
            {"id": "src", "kind": "read_csv", "params": {"path": "a.csv"}},
            {"id": "pick", "kind": "select", "inputs": {"input": "src"}, "params": {"keep": ["amuont"]}},
            {"id": "after", "kind": "select", "inputs": {"input": "pick"}, "params": {"keep": ["whatever"]}}
        ]));
        let (_, diags) = plan(&s, dir.path(), &DuckDb, &PlanOptions { describer: None, ..Default::default() });
        // Without a describer the source schema is unknown: nothing can be checked downstream.
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn describer_failures_become_node_diagnostics() {
        let (s, dir) = spec(serde_json::json!([
            {"id": "src", "kind": "read_csv", "params": {"path": "a.csv"}},
            {"id": "pick", "kind": "select", "inputs": {"input": "src"}, "params": {"keep": ["amuont"]}},
            {"id": "after", "kind": "filter", "inputs": {"input": "pick"}, "params": {"predicate": "x > 1"}},
            {"id": "ghost", "kind": "read_csv", "params": {"path": "missing.csv"}}
        ]));
        let (p, diags) = plan(&s, dir.path(), &DuckDb, &PlanOptions { describer: Some(&Fake), ..Default::default() });
        let summary: Vec<(&str, Option<&str>)> = diags.iter().map(|d| (d.code, d.node.as_deref())).collect();
        assert_eq!(summary, vec![("S020", Some("pick")), ("D001", Some("ghost"))], "{diags:#?}");
        assert_eq!(diags[0].help.as_deref(), Some("did you mean 'amount'?"));
        assert_eq!(diags[1].fault, crate::diagnostic::Fault::Data);
        let p = p.unwrap();
        assert_eq!(p.nodes["src"].schema.as_ref().unwrap().columns.len(), 2);
        assert!(p.nodes["after"].schema.is_none());
    }

    #[test]
    fn sql_for_chains_upstream_nodes_as_ctes() {
        let (s, dir) = spec(serde_json::json!([
            {"id": "src", "kind": "read_csv", "params": {"path": "a.csv"}},
            {"id": "big", "kind": "filter", "inputs": {"input": "src"}, "params": {"predicate": "amount > 1"}}
        ]));
        let (p, diags) = plan(&s, dir.path(), &DuckDb, &PlanOptions::default());
        assert!(diags.is_empty());
        let sql = p.unwrap().sql_for("big", &DuckDb).unwrap();
        assert!(sql.starts_with("WITH \"src\" AS (\n  SELECT * FROM read_csv(["), "{sql}");
        assert!(sql.ends_with("SELECT * FROM \"src\" WHERE (amount > 1)"), "{sql}");
    }
}
