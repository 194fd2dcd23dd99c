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
    /// Output file, relative to the spec's folder.
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: String,
    #[serde(default)]
    pub mode: WriteMode,
    #[serde(default)]
    pub compression: Compression,
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
                   it was. `append` adds rows to the existing file (columns matched by name).",
        }
    }

    fn example(&self) -> Value {
        json!({"path": "out/customer_features.parquet"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        check_sink(cx, &p.path, p.order_by.as_deref());
        None
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
        }))
    }
}
