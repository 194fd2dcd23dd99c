//! `read_json`: read JSON arrays or newline-delimited JSON.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{compile_path, source_files};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::{FileRead, Unsupported};
use crate::schema::Schema;

pub struct ReadJson;

/// Layout of the JSON file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JsonFormat {
    /// Detect from the file.
    #[default]
    Auto,
    /// One object per line (NDJSON).
    NewlineDelimited,
    /// One top-level array of objects.
    Array,
}

/// Parameters of `read_json`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// File or glob, relative to the spec's folder, or an object path (`s3://`, `gs://`, `az://`, `https://`). Gzipped files (`.json.gz`, `.ndjson.gz`) are read as is.
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: String,
    /// The named connection an object path (`s3://`, `gs://`, `az://`, `https://`) is reached
    /// through; its credentials live in the user's connections, never in the spec. Public
    /// objects need none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "connection"))]
    pub connection: Option<String>,
    #[serde(default)]
    pub format: JsonFormat,
    /// Read incrementally: a column that grows with every new or updated row (an `updated_at`
    /// time or an increasing id). A run that keeps a history reads only the rows above the
    /// highest value the last successful run read; `--full-refresh` reads them all. Pair it with
    /// a `merge` sink keyed on the row's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl Kind for ReadJson {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "read_json",
            title: "JSON source",
            category: Category::Source,
            inputs: Ports::Fixed { ports: &[] },
            output: true,
            docs: "Reads JSON: newline-delimited objects (NDJSON) or one array of objects. Nested objects \
                   become STRUCT columns; field types are detected from a sample.",
        }
    }

    fn example(&self) -> Value {
        json!({"path": "events.ndjson.gz", "format": "newline_delimited"})
    }

    fn files(&self, p: &Params) -> Vec<crate::files::NodeFile> {
        vec![crate::files::NodeFile::read("path", &p.path).via(p.connection.as_deref())]
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        super::common::check_object_path(cx, &p.path, p.connection.as_deref(), false);
        source_files(cx, &p.path);
        None
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let paths = [compile_path(cx, &p.path)];
        let nd = match p.format {
            JsonFormat::Auto => None,
            JsonFormat::NewlineDelimited => Some(true),
            JsonFormat::Array => Some(false),
        };
        let read = cx.dialect.read_files(&FileRead::Json { paths: &paths, newline_delimited: nd })?;
        Ok(Compiled::Query(format!("SELECT * FROM {read}")))
    }
}
