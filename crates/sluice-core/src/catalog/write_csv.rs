//! `write_csv`: write rows to a CSV file, atomically.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{WriteMode, ONE_INPUT};
use super::sink::{check_sink, sink_query};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports, SinkTarget, SinkWrite};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct WriteCsv;

/// Parameters of `write_csv`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Output file, relative to the spec's folder, or an object path (`s3://bucket/out/x.csv`), sent in one piece once the run succeeds.
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: String,
    /// The named connection an object path (`s3://`, `gs://`, `az://`, `https://`) is reached
    /// through; its credentials live in the user's connections, never in the spec. Public
    /// objects need none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "connection"))]
    pub connection: Option<String>,
    #[serde(default)]
    pub mode: WriteMode,
    /// Columns that identify a row, for mode `merge` (e.g. `["order_id"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    #[serde(default = "comma")]
    pub delimiter: String,
    /// Write a header line (not repeated when appending).
    #[serde(default = "yes")]
    pub header: bool,
    /// Row order of the file. Absent: sorted by all columns, so reruns give identical bytes.
    /// An empty list keeps the engine's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<Vec<super::SortKey>>,
}

fn comma() -> String {
    ",".into()
}
fn yes() -> bool {
    true
}

impl Kind for WriteCsv {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "write_csv",
            title: "CSV sink",
            category: Category::Sink,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: false,
            docs: "Writes the input to a CSV file, replaced atomically when the whole run has succeeded. \
                   `append` adds the rows after the existing ones without repeating the header; `merge` \
                   upserts by `key` (rows of the existing file whose key comes again are replaced).",
        }
    }

    fn example(&self) -> Value {
        json!({"path": "out/report.csv"})
    }

    fn files(&self, p: &Params) -> Vec<crate::files::NodeFile> {
        vec![crate::files::NodeFile::write("path", &p.path).via(p.connection.as_deref())]
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        super::common::check_object_path(cx, &p.path, p.connection.as_deref(), true);
        if p.delimiter.chars().count() != 1 {
            cx.error("S028", "delimiter", "delimiter must be one character");
        }
        check_sink(cx, &p.path, p.order_by.as_deref());
        super::sink::check_merge_key(cx, p.mode, &p.key);
        None
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        Ok(Compiled::Write(SinkWrite {
            target: SinkTarget::Csv { delimiter: p.delimiter.clone(), header: p.header },
            path: super::resolve_path(cx.base_dir, &p.path),
            mode: p.mode,
            query: sink_query(cx, p.order_by.as_deref()),
            key: p.key.clone(),
            partition_by: vec![],
        }))
    }
}
