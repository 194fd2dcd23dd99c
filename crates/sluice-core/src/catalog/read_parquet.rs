//! `read_parquet`: read Parquet files.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{compile_path, source_files};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::{FileRead, Unsupported};
use crate::schema::Schema;

pub struct ReadParquet;

/// Parameters of `read_parquet`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// File or glob (`data/*.parquet`), relative to the spec's folder, or an object path (`s3://bucket/raw/*.parquet`, `gs://`, `az://`, `https://`).
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: String,
    /// The named connection an object path (`s3://`, `gs://`, `az://`, `https://`) is reached
    /// through; its credentials live in the user's connections, never in the spec. Public
    /// objects need none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "connection"))]
    pub connection: Option<String>,
    /// Read incrementally: a column that grows with every new or updated row (an `updated_at`
    /// time or an increasing id). A run that keeps a history reads only the rows above the
    /// highest value the last successful run read; `--full-refresh` reads them all. Pair it with
    /// a `merge` sink keyed on the row's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Columns identifying a row; needed by `track_deletes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    /// Find the rows deleted from the files: each run compares the keys the files hold with
    /// those of the last successful run (kept in the run history, keys only) and hands the
    /// deleted keys to the `merge` sinks below, which remove them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub track_deletes: bool,
}

impl Kind for ReadParquet {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "read_parquet",
            title: "Parquet source",
            category: Category::Source,
            inputs: Ports::Fixed { ports: &[] },
            output: true,
            docs: "Reads one Parquet file or every file matching a glob; files are combined by column name. \
                   Column names and types come from the files' metadata.",
        }
    }

    fn example(&self) -> Value {
        json!({"path": "customers.parquet"})
    }

    fn files(&self, p: &Params) -> Vec<crate::files::NodeFile> {
        vec![crate::files::NodeFile::read("path", &p.path).via(p.connection.as_deref())]
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        super::common::check_object_path(cx, &p.path, p.connection.as_deref(), false);
        super::common::check_tracked_key(cx, p.track_deletes, &p.key);
        source_files(cx, &p.path);
        None
    }

    fn dialects(&self) -> &'static [&'static str] {
        &["duckdb", "spark", "snowflake"]
    }

    fn tracked_key(&self, p: &Params) -> Option<Vec<String>> {
        p.track_deletes.then(|| p.key.clone())
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let paths = [compile_path(cx, &p.path)];
        let columns = cx.output_columns();
        Ok(Compiled::Query(format!("SELECT * FROM {}", cx.dialect.read_files(&FileRead::Parquet { paths: &paths, columns: &columns })?)))
    }
}
