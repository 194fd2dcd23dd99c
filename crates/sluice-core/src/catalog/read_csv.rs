//! `read_csv`: read delimited text files.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{compile_path, source_files, valid_type_name};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::{FileRead, Unsupported};
use crate::schema::Schema;

pub struct ReadCsv;

/// Parameters of `read_csv`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// File or glob (`data/*.csv`), relative to the spec's folder, or an object path (`s3://bucket/raw/*.csv`, `https://...`). Gzipped files (`.csv.gz`) are read as is.
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: String,
    /// The named connection an object path (`s3://`, `gs://`, `az://`, `https://`) is reached
    /// through; its credentials live in the user's connections, never in the spec. Public
    /// objects need none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-sluice-widget" = "connection"))]
    pub connection: Option<String>,
    /// Field delimiter; detected when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Whether the first line holds column names.
    #[serde(default = "yes")]
    pub header: bool,
    /// Column type overrides, e.g. `{"amount": "VARCHAR"}`; other columns are detected.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("x-sluice-widget" = "column-types"))]
    pub types: IndexMap<String, String>,
    /// Strings read as null, e.g. `["", "NA", "N/A"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nulls: Vec<String>,
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

fn yes() -> bool {
    true
}

impl Kind for ReadCsv {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "read_csv",
            title: "CSV source",
            category: Category::Source,
            inputs: Ports::Fixed { ports: &[] },
            output: true,
            docs: "Reads one CSV file or every file matching a glob. Delimiter, header and column types \
                   are detected from a sample of the file; set `delimiter`, `header` or `types` to override \
                   them. `nulls` lists the strings that mean a missing value.",
        }
    }

    fn example(&self) -> Value {
        json!({"path": "orders.csv", "nulls": ["", "N/A"], "types": {"amount": "VARCHAR"}})
    }

    fn files(&self, p: &Params) -> Vec<crate::files::NodeFile> {
        vec![crate::files::NodeFile::read("path", &p.path).via(p.connection.as_deref())]
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        super::common::check_object_path(cx, &p.path, p.connection.as_deref(), false);
        super::common::check_tracked_key(cx, p.track_deletes, &p.key);
        for (col, ty) in &p.types {
            if !valid_type_name(ty) {
                cx.error("S025", format!("types.{col}"), format!("'{ty}' is not a SQL type name"));
            }
        }
        if let Some(d) = &p.delimiter {
            if d.is_empty() {
                cx.error("S024", "delimiter", "delimiter is empty");
            }
        }
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
        let types: Vec<(String, String)> = p.types.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let columns = cx.output_columns();
        let read = cx.dialect.read_files(&FileRead::Csv {
            columns: &columns,
            paths: &paths,
            delimiter: p.delimiter.as_deref(),
            header: p.header,
            types: &types,
            nulls: &p.nulls,
        })?;
        Ok(Compiled::Query(format!("SELECT * FROM {read}")))
    }
}
