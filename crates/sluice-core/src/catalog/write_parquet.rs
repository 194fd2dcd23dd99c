//! `write_parquet`: write rows to a Parquet file, atomically.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{WriteMode, ONE_INPUT};
use super::sink::{check_sink, sink_query};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports, SinkTarget, SinkWrite};
use crate::dialect::Unsupported;
use crate::schema::Schema;

pub struct WriteParquet;

/// Parquet compression codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    #[default]
    Zstd,
    Snappy,
    Gzip,
    Uncompressed,
}

/// Parameters of `write_parquet`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Output file, relative to the spec's folder, or an object path (`s3://bucket/out/x.parquet`), sent in one piece once the run succeeds.
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
    #[serde(default)]
    pub compression: Compression,
    /// Write a dataset of partition folders named by these columns' values (`path/month=2025-01/…`)
    /// instead of one file; a run rewrites only the partitions its rows fall in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partition_by: Vec<String>,
    /// Row order of the file. Absent: sorted by all columns, so reruns give identical bytes.
    /// An empty list keeps the engine's order (fastest, not reproducible).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<Vec<super::SortKey>>,
}

impl Kind for WriteParquet {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "write_parquet",
            title: "Parquet sink",
            category: Category::Sink,
            inputs: Ports::Fixed { ports: ONE_INPUT },
            output: false,
            docs: "Writes the input to a Parquet file. The file is written beside the target and renamed \
                   into place when the whole run has succeeded, so a failed run leaves the previous file as \
                   it was. `append` adds rows to the existing file (columns matched by name); `merge` \
                   upserts by `key`: existing rows whose key comes again are replaced, the others kept. \
                   With `partition_by`, `path` is a folder of Hive-style partitions (`month=2025-01/`): a run \
                   replaces only the partitions its rows fall in (merged or appended to their existing \
                   rows in those modes) and leaves the others as they are; `--full-refresh` replaces the \
                   whole folder.",
        }
    }

    fn example(&self) -> Value {
        json!({"path": "out/customer_features.parquet"})
    }

    fn files(&self, p: &Params) -> Vec<crate::files::NodeFile> {
        vec![crate::files::NodeFile::write("path", &p.path).via(p.connection.as_deref())]
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        super::common::check_object_path(cx, &p.path, p.connection.as_deref(), true);
        check_sink(cx, &p.path, p.order_by.as_deref());
        if super::common::require_columns(cx, "input", &p.partition_by, "partition_by")
            && !p.partition_by.is_empty()
            && cx.input("input").names().all(|c| p.partition_by.iter().any(|k| k == c))
        {
            cx.error("S049", "partition_by", "every column would be a partition folder: leave at least one column in the files");
        }
        super::sink::check_merge_key(cx, p.mode, &p.key);
        None
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake", "postgres"]
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let compression = match p.compression {
            Compression::Zstd => "zstd",
            Compression::Snappy => "snappy",
            Compression::Gzip => "gzip",
            Compression::Uncompressed => "uncompressed",
        };
        Ok(Compiled::Write(SinkWrite {
            target: SinkTarget::Parquet { compression: compression.into() },
            path: super::resolve_path(cx.base_dir, &p.path),
            mode: p.mode,
            query: sink_query(cx, p.order_by.as_deref()),
            key: p.key.clone(),
            partition_by: p.partition_by.clone(),
        }))
    }
}
