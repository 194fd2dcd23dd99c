//! The node catalog: the one place where a node kind is defined.
//!
//! Each kind is a file in this folder holding its id, category, ports, a typed parameter struct
//! (serde + JSON Schema, with `x-sluice-widget` hints for the property form), user docs, and three
//! functions: check the params against the input schemas while inferring the output schema, and
//! compile to SQL. [`registry`] lists them; everything else (CLI, app, docs, tests) reads it as data.

mod aggregate;
mod cast;
pub mod check;
mod check_accepted_values;
mod check_between;
pub mod check_drift;
mod check_duplicate_fraction;
mod check_freshness;
mod check_not_null;
mod check_null_fraction;
mod check_regex;
mod check_relationships;
mod check_row_count;
mod check_row_count_change;
mod check_schema;
mod check_sql;
mod check_unique;
mod common;
mod deduplicate;
pub mod feature;
mod derive;
mod fill_nulls;
mod filter;
mod join;
mod limit;
mod database;
mod read_csv;
mod read_excel;
mod read_mysql;
mod read_postgres;
mod read_sqlite;
mod read_http;
mod read_json;
mod read_parquet;
mod sample;
mod scale;
mod one_hot;
mod ordinal_encode;
mod frequency_encode;
mod target_encode;
mod hash_encode;
mod bin;
mod impute;
mod transform;
mod winsorize;
mod interact;
mod text_features;
mod rolling;
mod lag;
mod datetime_features;
mod point_in_time_join;
mod split;
mod select;
mod sink;
mod sort;
mod sql;
mod union;
mod window;
mod write_csv;
mod write_duckdb;
mod write_parquet;
mod write_postgres;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub use common::{SortKey, WriteMode};

use crate::diagnostic::Diagnostic;
use crate::dialect::{Dialect, Unsupported};
use crate::schema::{Column, Schema};
use crate::suggest::did_you_mean;

/// Where a kind sits in the palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Source,
    Transform,
    Feature,
    Check,
    Sink,
}

/// An input port.
#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub name: &'static str,
    pub doc: &'static str,
    /// The node works without this input (and behaves differently, as its docs say).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// The input ports of a kind.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Ports {
    /// Exactly these ports, each connected.
    Fixed { ports: &'static [Port] },
    /// Ports named by the user (e.g. table names in a SQL node), at least `min` of them.
    Named { min: usize, doc: &'static str },
}

/// Static facts about a kind.
#[derive(Debug, Clone, Serialize)]
pub struct KindInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub category: Category,
    pub inputs: Ports,
    /// Whether the kind has an output (sinks do not).
    pub output: bool,
    /// Markdown docs for users.
    pub docs: &'static str,
}

/// What a node compiles to.
#[derive(Debug, Clone, PartialEq)]
pub enum Compiled {
    /// A query producing the node's output relation.
    Query(String),
    /// A sink: write the rows of `query` to a target.
    Write(SinkWrite),
    /// A check: its input passes through; the check measures it.
    Check(check::CheckSql),
}

/// What a sink writes, where and how.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkWrite {
    pub target: SinkTarget,
    /// Absolute path of the file written (a DuckDB database file for tables; empty for a
    /// database reached through a connection).
    pub path: PathBuf,
    pub mode: WriteMode,
    /// The rows to write.
    pub query: String,
    /// Columns identifying a row, for `merge`.
    pub key: Vec<String>,
    /// Columns whose values name the partition folders (`month=2025-01/`) of a Parquet dataset;
    /// a run rewrites only the partitions its rows fall in.
    pub partition_by: Vec<String>,
}

/// The format of a sink's output.
#[derive(Debug, Clone, PartialEq)]
pub enum SinkTarget {
    Parquet { compression: String },
    Csv { delimiter: String, header: bool },
    DuckDbTable { table: String },
    /// A table in a database reached through a named connection (`path` is empty).
    Database { driver: crate::remote::Driver, connection: String, schema: Option<String>, table: String },
}

/// A check that is one of the tests every data tool knows by name, with the same pass/fail
/// semantics: exporters map it to the target's own test (dbt's generic tests). Null values are
/// ignored by all of them except [`StandardTest::NotNull`], as in the checks themselves.
#[derive(Debug, Clone, PartialEq)]
pub enum StandardTest {
    /// No null in any of these columns.
    NotNull { columns: Vec<String> },
    /// No two rows share a non-null value of `column`.
    Unique { column: String },
    /// Every non-null value of `column` is one of `values`.
    AcceptedValues { column: String, values: Vec<Value> },
    /// Every non-null value of `column` appears in `reference_column` of the `reference` input.
    Relationships { column: String, reference_column: String },
}

/// Context for checking params and inferring the output schema.
pub struct CheckCx<'a> {
    pub node: &'a str,
    /// Schema of each connected input port.
    pub inputs: IndexMap<String, Schema>,
    pub base_dir: &'a Path,
    pub diags: Vec<Diagnostic>,
}

impl CheckCx<'_> {
    /// The schema of input `port` (empty if not connected; port wiring is checked elsewhere).
    pub fn input(&self, port: &str) -> Schema {
        self.inputs.get(port).cloned().unwrap_or_default()
    }

    /// Record an error at parameter path `path` (relative to `params`).
    pub fn error(&mut self, code: &'static str, path: impl AsRef<str>, message: impl Into<String>) {
        let d = Diagnostic::error(code, message).node(self.node).path(format!("params.{}", path.as_ref()));
        self.diags.push(d);
    }

    /// Record a diagnostic as is, tagged with this node.
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d.node(self.node));
    }

    /// Check that `column` exists in `port`'s input; otherwise an error naming it and the closest names.
    pub fn require_column(&mut self, port: &str, column: &str, path: impl AsRef<str>) -> Option<Column> {
        let schema = self.input(port);
        if let Some(c) = schema.get(column) {
            return Some(c.clone());
        }
        let mut d = Diagnostic::error("S020", format!("column '{column}' does not exist in input '{port}'"))
            .node(self.node)
            .path(format!("params.{}", path.as_ref()));
        d = d.help(match did_you_mean(column, schema.names()) {
            Some(h) => h,
            None => format!("available: {}", schema.names().collect::<Vec<_>>().join(", ")),
        });
        self.diags.push(d);
        None
    }

    /// Resolve a path written in the spec against the spec's folder.
    pub fn resolve_path(&self, p: &str) -> PathBuf {
        resolve_path(self.base_dir, p)
    }
}

/// Resolve a path written in the spec against the spec's folder.
/// The result is normalised (no `.` or `..`): the engine's database is granted paths as text.
/// An object path (`s3://bucket/key`) resolves to its place in the spec's mirror (see
/// [`crate::objects`]).
pub fn resolve_path(base_dir: &Path, p: &str) -> PathBuf {
    if let Some(object) = crate::objects::ObjectPath::parse(p) {
        return crate::files::normalize(&object.mirror_path(base_dir));
    }
    let path = Path::new(p);
    crate::files::normalize(&if path.is_absolute() { path.to_path_buf() } else { base_dir.join(path) })
}

/// Context for compiling a node to SQL.
pub struct CompileCx<'a> {
    pub node: &'a str,
    /// SQL that names each input port's relation (a quoted table name or a parenthesised query).
    pub inputs: IndexMap<String, String>,
    /// Schema of each input port, as inferred.
    pub schemas: IndexMap<String, Schema>,
    pub dialect: &'a dyn Dialect,
    pub base_dir: &'a Path,
    /// The fitted state of a stateful kind, when it was fitted already (or loaded from a state
    /// file); without it the kind fits inline, in the same query.
    pub state: Option<&'a serde_json::Map<String, Value>>,
    /// The node's own output schema when it is known: sources compiled for another engine read
    /// their files with the columns and types DuckDB found.
    pub output: Option<&'a Schema>,
}

impl CompileCx<'_> {
    /// The one-row relation a stateful kind reads its fitted parameters from: the saved state as
    /// literals when there is one, else `fit` itself (the same numbers, computed in the query).
    pub fn state_relation(&self, fit: &str) -> String {
        match self.state {
            Some(s) => format!("(SELECT {})", crate::catalog::feature::state_literals(self.dialect, s)),
            None => format!("({fit})"),
        }
    }

    /// The relation of input `port`.
    pub fn input(&self, port: &str) -> &str {
        self.inputs.get(port).map(String::as_str).unwrap_or("(SELECT 1 WHERE false)")
    }
    pub fn schema(&self, port: &str) -> Schema {
        self.schemas.get(port).cloned().unwrap_or_default()
    }
    /// The node's own columns as (name, type), when known.
    pub fn output_columns(&self) -> Vec<(String, String)> {
        self.output.map(|s| s.columns.iter().map(|c| (c.name.clone(), c.ty.clone())).collect()).unwrap_or_default()
    }
    /// The column names of input `port`, in order.
    pub fn input_columns(&self, port: &str) -> Vec<String> {
        self.schemas.get(port).map(|s| s.names().map(str::to_string).collect()).unwrap_or_default()
    }
    pub fn ident(&self, name: &str) -> String {
        self.dialect.ident(name)
    }
    pub fn string(&self, s: &str) -> String {
        self.dialect.string(s)
    }
}

/// A node kind with typed params. Implemented once per file in this folder.
pub trait Kind: Send + Sync + 'static {
    type Params: DeserializeOwned + Serialize + JsonSchema;
    fn info(&self) -> KindInfo;
    /// Example params: shown in docs and used by tests.
    fn example(&self) -> Value;
    /// Check params against the inputs; return the output schema (columns may have type UNKNOWN
    /// where an SQL expression decides it), or None when it can only be learnt by describing the
    /// compiled SQL (sources) or when checking failed.
    fn check(&self, params: &Self::Params, cx: &mut CheckCx<'_>) -> Option<Schema>;
    fn compile(&self, params: &Self::Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported>;
    /// For stateful kinds (encoders, scalers, imputers, bins): the query, over the training rows
    /// of the inputs, that returns one row of fitted parameters. The engine runs it, keeps the
    /// row as the node's state, and compiles the node with it ([`CompileCx::state`]).
    fn fit(&self, _params: &Self::Params, _cx: &CompileCx<'_>) -> Result<Option<String>, Unsupported> {
        Ok(None)
    }
    /// Whether the kind fits state ([`Kind::fit`] returns a query).
    fn stateful(&self) -> bool {
        false
    }
    /// The dialects whose SQL this kind is spelt for, with the same results as DuckDB. A kind
    /// is added to a dialect only once every construct it writes goes through the [`Dialect`]
    /// or means the same there; compiling for any other dialect is refused, naming the kind.
    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb"]
    }
    /// For checks: the standard test these params amount to, when they amount to one exactly
    /// (e.g. a not-null check that allows no null). Other checks export as their own SQL.
    fn standard_test(&self, _params: &Self::Params) -> Option<StandardTest> {
        None
    }
    /// The files the node reads or writes (param name, access, path as written in the spec):
    /// a run is granted exactly these. Sources and sinks declare theirs; a kind that declares
    /// none can touch no file.
    fn files(&self, _params: &Self::Params) -> Vec<crate::files::NodeFile> {
        Vec::new()
    }
    /// For sources that read a database: what they read and through which connection. The
    /// engine fetches those rows before the node's SQL runs; a kind that declares none reaches
    /// no connection.
    fn remote(&self, _params: &Self::Params) -> Option<crate::remote::RemoteRead> {
        None
    }
    /// For sources that track deletes: the key columns identifying a row. Each run compares
    /// the keys the source holds with the last successful run's and hands the deleted ones to
    /// the merge sinks below.
    fn tracked_key(&self, _params: &Self::Params) -> Option<Vec<String>> {
        None
    }
}

/// The object-safe face of a [`Kind`], working on raw JSON params.
pub trait DynKind: Send + Sync {
    fn info(&self) -> KindInfo;
    fn params_schema(&self) -> Value;
    fn example(&self) -> Value;
    /// Parse params; errors carry the parameter path.
    fn parse_params(&self, node: &str, params: &Value) -> Result<(), Vec<Diagnostic>>;
    fn check(&self, params: &Value, cx: &mut CheckCx<'_>) -> Option<Schema>;
    fn compile(&self, params: &Value, cx: &CompileCx<'_>) -> Result<Compiled, crate::CoreError>;
    /// The fit query of a stateful kind (see [`Kind::fit`]); None for the others.
    fn fit(&self, params: &Value, cx: &CompileCx<'_>) -> Result<Option<String>, crate::CoreError>;
    fn stateful(&self) -> bool;
    /// See [`Kind::standard_test`]; None also for params that do not parse.
    fn standard_test(&self, params: &Value) -> Option<StandardTest>;
    /// See [`Kind::dialects`].
    fn dialects(&self) -> &'static [&'static str];
    /// See [`Kind::files`]; none for params that do not parse.
    fn files(&self, params: &Value) -> Vec<crate::files::NodeFile>;
    /// See [`Kind::remote`]; none for params that do not parse.
    fn remote(&self, params: &Value) -> Option<crate::remote::RemoteRead>;
    /// See [`Kind::tracked_key`]; none for params that do not parse.
    fn tracked_key(&self, params: &Value) -> Option<Vec<String>>;
}

impl<K: Kind> DynKind for K {
    fn info(&self) -> KindInfo {
        Kind::info(self)
    }
    fn params_schema(&self) -> Value {
        let mut s = schemars::generate::SchemaSettings::draft2020_12().into_generator();
        s.root_schema_for::<K::Params>().to_value()
    }
    fn example(&self) -> Value {
        Kind::example(self)
    }
    fn parse_params(&self, node: &str, params: &Value) -> Result<(), Vec<Diagnostic>> {
        typed::<K::Params>(node, params).map(|_| ())
    }
    fn check(&self, params: &Value, cx: &mut CheckCx<'_>) -> Option<Schema> {
        match typed::<K::Params>(cx.node, params) {
            Ok(p) => Kind::check(self, &p, cx),
            Err(d) => {
                cx.diags.extend(d);
                None
            }
        }
    }
    fn compile(&self, params: &Value, cx: &CompileCx<'_>) -> Result<Compiled, crate::CoreError> {
        let p = typed::<K::Params>(cx.node, params).map_err(|d| crate::CoreError::Invalid(d))?;
        supported_in(self, cx)?;
        let err = |e: Unsupported| crate::CoreError::Compile { node: cx.node.to_string(), message: e.to_string() };
        let finish = |sql: String| cx.dialect.finish(&sql).map_err(err);
        Ok(match Kind::compile(self, &p, cx).map_err(err)? {
            Compiled::Query(q) => Compiled::Query(finish(q)?),
            Compiled::Write(mut w) => {
                w.query = finish(w.query)?;
                Compiled::Write(w)
            }
            Compiled::Check(mut c) => {
                c.pass_through = finish(c.pass_through)?;
                c.metrics = finish(c.metrics)?;
                // Failing rows are samples for sluice's own reports; a dialect that cannot
                // spell them only loses the samples.
                c.failing = c.failing.and_then(|f| cx.dialect.finish(&f).ok());
                Compiled::Check(c)
            }
        })
    }
    fn fit(&self, params: &Value, cx: &CompileCx<'_>) -> Result<Option<String>, crate::CoreError> {
        let p = typed::<K::Params>(cx.node, params).map_err(|d| crate::CoreError::Invalid(d))?;
        supported_in(self, cx)?;
        let err = |e: Unsupported| crate::CoreError::Compile { node: cx.node.to_string(), message: e.to_string() };
        match Kind::fit(self, &p, cx).map_err(err)? {
            Some(q) => Ok(Some(cx.dialect.finish(&q).map_err(err)?)),
            None => Ok(None),
        }
    }
    fn stateful(&self) -> bool {
        Kind::stateful(self)
    }
    fn dialects(&self) -> &'static [&'static str] {
        Kind::dialects(self)
    }
    fn standard_test(&self, params: &Value) -> Option<StandardTest> {
        serde_json::from_value::<K::Params>(params.clone()).ok().and_then(|p| Kind::standard_test(self, &p))
    }
    fn files(&self, params: &Value) -> Vec<crate::files::NodeFile> {
        serde_json::from_value::<K::Params>(params.clone()).map(|p| Kind::files(self, &p)).unwrap_or_default()
    }
    fn remote(&self, params: &Value) -> Option<crate::remote::RemoteRead> {
        serde_json::from_value::<K::Params>(params.clone()).ok().and_then(|p| Kind::remote(self, &p))
    }
    fn tracked_key(&self, params: &Value) -> Option<Vec<String>> {
        serde_json::from_value::<K::Params>(params.clone()).ok().and_then(|p| Kind::tracked_key(self, &p))
    }
}

/// Refuse to compile a kind for a dialect it is not spelt for.
fn supported_in<K: Kind>(k: &K, cx: &CompileCx<'_>) -> Result<(), crate::CoreError> {
    let dialect = cx.dialect.name();
    if k.dialects().contains(&dialect) {
        return Ok(());
    }
    Err(crate::CoreError::Compile {
        node: cx.node.to_string(),
        message: format!("the {dialect} dialect cannot express the kind '{}' yet", k.info().id),
    })
}

fn typed<T: DeserializeOwned>(node: &str, params: &Value) -> Result<T, Vec<Diagnostic>> {
    serde_path_to_error::deserialize::<_, T>(params).map_err(|e| {
        let inner = e.path().to_string();
        let path = if inner == "." { "params".to_string() } else { format!("params.{inner}") };
        vec![Diagnostic::error("S010", format!("invalid parameter: {}", e.into_inner())).node(node).path(path)]
    })
}

/// Every kind, in palette order.
pub fn registry() -> &'static [&'static dyn DynKind] {
    static REG: OnceLock<Vec<&'static dyn DynKind>> = OnceLock::new();
    REG.get_or_init(|| {
        vec![
            &read_csv::ReadCsv,
            &read_parquet::ReadParquet,
            &read_json::ReadJson,
            &read_postgres::ReadPostgres,
            &read_mysql::ReadMysql,
            &read_sqlite::ReadSqlite,
            &read_http::ReadHttp,
            &read_excel::ReadExcel,
            &select::Select,
            &filter::Filter,
            &derive::Derive,
            &cast::Cast,
            &fill_nulls::FillNulls,
            &deduplicate::Deduplicate,
            &sort::Sort,
            &limit::Limit,
            &sample::Sample,
            &join::Join,
            &union::Union,
            &aggregate::Aggregate,
            &window::Window,
            &split::Split,
            &scale::Scale,
            &one_hot::OneHot,
            &ordinal_encode::OrdinalEncode,
            &frequency_encode::FrequencyEncode,
            &target_encode::TargetEncode,
            &hash_encode::HashEncode,
            &bin::Bin,
            &impute::Impute,
            &transform::Transform,
            &winsorize::Winsorize,
            &interact::Interact,
            &text_features::TextFeatures,
            &rolling::Rolling,
            &lag::Lag,
            &datetime_features::DatetimeFeatures,
            &point_in_time_join::PointInTimeJoin,
            &sql::Sql,
            &check_not_null::CheckNotNull,
            &check_unique::CheckUnique,
            &check_accepted_values::CheckAcceptedValues,
            &check_between::CheckBetween,
            &check_regex::CheckRegex,
            &check_null_fraction::CheckNullFraction,
            &check_row_count::CheckRowCount,
            &check_row_count_change::CheckRowCountChange,
            &check_sql::CheckSqlAssertion,
            &check_duplicate_fraction::CheckDuplicateFraction,
            &check_freshness::CheckFreshness,
            &check_relationships::CheckRelationships,
            &check_schema::CheckSchema,
            &check_drift::CheckDrift,
            &write_parquet::WriteParquet,
            &write_csv::WriteCsv,
            &write_duckdb::WriteDuckDb,
            &write_postgres::WritePostgres,
        ]
    })
}

/// The kind with this id.
pub fn lookup(id: &str) -> Option<&'static dyn DynKind> {
    registry().iter().copied().find(|k| k.info().id == id)
}

/// The catalog as data, for `sluice catalog --json`, the palette and the property forms.
pub fn catalog_json() -> Value {
    let kinds: Vec<Value> = registry()
        .iter()
        .map(|k| {
            let mut v = serde_json::to_value(k.info()).expect("kind info serialises");
            v["params_schema"] = k.params_schema();
            v["stateful"] = Value::Bool(k.stateful());
            v["dialects"] = serde_json::json!(k.dialects());
            v["example"] = k.example();
            v
        })
        .collect();
    serde_json::json!({ "version": crate::spec::SPEC_VERSION, "kinds": kinds })
}
