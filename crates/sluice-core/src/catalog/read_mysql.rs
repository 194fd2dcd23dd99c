//! `read_mysql`: read a MySQL or MariaDB table or query through a named connection.

use serde_json::{json, Value};

use super::database::{check_connection, compile, database_params};
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::remote::{Driver, RemoteRead};
use crate::schema::Schema;

pub struct ReadMysql;

database_params!(
    /// The connection to read through, by name. What it is (host, database, user, password)
    /// lives outside the spec: `sluice connections add`, or `SLUICE_CONN_<NAME>_URL`.
    #[schemars(extend("x-sluice-widget" = "connection", "x-sluice-driver" = "mysql"))]
    connection
);

impl Kind for ReadMysql {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "read_mysql",
            title: "MySQL source",
            category: Category::Source,
            inputs: Ports::Fixed { ports: &[] },
            output: true,
            docs: "Reads a MySQL or MariaDB table (or the rows of one query) through a named connection. \
                   Columns and types come from the database's catalog; rows arrive in binary protocol \
                   batches. DECIMAL stays DECIMAL (up to 38 digits), DATETIME and TIMESTAMP become \
                   TIMESTAMP, TINYINT(1) stays an integer; JSON, ENUM, SET and spatial types arrive \
                   as text. The query runs in a read-only transaction.",
        }
    }

    fn example(&self) -> Value {
        json!({"connection": "shop", "table": "orders"})
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        check_connection(cx, &p.connection);
        p.read().check(cx);
        None
    }

    fn remote(&self, p: &Params) -> Option<RemoteRead> {
        Some(p.read().remote(Driver::Mysql, Some(&p.connection), None))
    }

    fn tracked_key(&self, p: &Params) -> Option<Vec<String>> {
        p.track_deletes.then(|| p.key.clone())
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        compile(&p.read().remote(Driver::Mysql, Some(&p.connection), None), cx)
    }
}
