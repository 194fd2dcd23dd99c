//! Previews: a node's first rows as JSON-ready values, with column types.

use duckdb::Connection;
use serde::{Deserialize, Serialize};
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_core::Column;

use crate::run::clean_message;
use crate::EngineError;

/// Rows of a node, for display.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub columns: Vec<Column>,
    /// Each row's values in column order; DuckDB's JSON rendering (timestamps as strings,
    /// structs as objects, decimals as numbers).
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Rows in the node's whole output.
    pub total_rows: u64,
    /// Distribution of each column over the whole output.
    pub histograms: Vec<crate::histogram::Histogram>,
}

/// The first `limit` rows of relation `rel` and its distributions, drawn by `histograms` from
/// the columns (which may take them from the cache).
pub(crate) fn fetch(
    conn: &Connection,
    node: &str,
    rel: &str,
    limit: usize,
    total_rows: u64,
    histograms: impl FnOnce(&[Column]) -> Result<Vec<crate::histogram::Histogram>, EngineError>,
) -> Result<Table, EngineError> {
    let Rows { columns, rows } = rows(conn, node, &format!("SELECT * FROM {rel}"), limit)?;
    let histograms = histograms(&columns)?;
    Ok(Table { columns, rows, total_rows, histograms })
}

/// Some rows of a query, with their column types.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rows {
    pub columns: Vec<Column>,
    /// Each row's values in column order, rendered as in [`Table::rows`].
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// The first `limit` rows of `query`.
pub(crate) fn rows(conn: &Connection, node: &str, query: &str, limit: usize) -> Result<Rows, EngineError> {
    let fail = |e: duckdb::Error| EngineError::Node { node: node.to_string(), message: clean_message(&e) };
    let mut stmt = conn.prepare(&format!("DESCRIBE {query}")).map_err(fail)?;
    let columns: Vec<Column> = stmt
        .query_map([], |r| Ok(Column::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(fail)?
        .collect::<Result<_, _>>()
        .map_err(fail)?;
    if columns.is_empty() {
        return Ok(Rows { columns, rows: vec![] });
    }
    // A JSON array per row keeps column order and never clashes on names.
    let values: Vec<String> = columns.iter().map(|c| format!("__q.{}", DuckDb.ident(&c.name))).collect();
    let sql = format!("SELECT CAST(json_array({}) AS VARCHAR) FROM ({query}) AS __q LIMIT {limit}", values.join(", "));
    let mut stmt = conn.prepare(&sql).map_err(fail)?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(fail)?
        .map(|r| {
            let text = r.map_err(fail)?;
            serde_json::from_str::<Vec<serde_json::Value>>(&text)
                .map_err(|e| EngineError::Node { node: node.to_string(), message: format!("rows: {e}") })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rows { columns, rows })
}
