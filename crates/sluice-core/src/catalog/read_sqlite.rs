//! `read_sqlite`: read a table or query of a SQLite database file.

use serde_json::{json, Value};

use super::common::source_files;
use super::database::{compile, database_params};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::files::NodeFile;
use crate::remote::{Driver, RemoteRead};
use crate::schema::Schema;

pub struct ReadSqlite;

database_params!(
    /// The SQLite database file, relative to the spec's folder. It is opened read-only.
    #[schemars(extend("x-sluice-widget" = "path"))]
    path
);

impl Kind for ReadSqlite {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "read_sqlite",
            title: "SQLite source",
            category: Category::Source,
            inputs: Ports::Fixed { ports: &[] },
            output: true,
            docs: "Reads a table (or the rows of one query) of a SQLite database file, opened read-only. \
                   SQLite columns have affinities, not types: a column is read as the type its declaration \
                   names (INTEGER, REAL, TEXT, BLOB, NUMERIC, DATE, DATETIME/TIMESTAMP, BOOLEAN), and a \
                   value that does not fit the column's type fails the run naming the column and the row.",
        }
    }

    fn example(&self) -> Value {
        json!({"path": "shop.sqlite", "table": "orders"})
    }

    fn files(&self, p: &Params) -> Vec<NodeFile> {
        vec![NodeFile::read("path", &p.path)]
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        source_files(cx, &p.path);
        if p.schema.is_some() {
            cx.error("S071", "schema", "a SQLite file has no schemas: leave `schema` out");
        }
        p.read().check(cx);
        None
    }

    fn remote(&self, p: &Params) -> Option<RemoteRead> {
        Some(p.read().remote(Driver::Sqlite, None, Some(&p.path)))
    }

    fn tracked_key(&self, p: &Params) -> Option<Vec<String>> {
        p.track_deletes.then(|| p.key.clone())
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        compile(&p.read().remote(Driver::Sqlite, None, Some(&p.path)), cx)
    }
}
