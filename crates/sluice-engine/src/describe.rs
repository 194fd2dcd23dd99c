//! Schema inference on DuckDB: bind a query with `DESCRIBE` (nothing runs; sources read only the
//! sample their sniffer needs).

use duckdb::Connection;
use sluice_core::plan::{DescribeError, Describer};
use sluice_core::{Column, Schema};

/// A [`Describer`] over a DuckDB connection.
pub struct DuckDescriber<'a>(pub &'a Connection);

impl Describer for DuckDescriber<'_> {
    fn describe(&self, sql: &str) -> Result<Schema, DescribeError> {
        let err = |e: duckdb::Error| {
            let message = crate::run::clean_message(&e);
            let data_fault = ["IO Error", "Invalid Input Error", "Conversion Error", "Invalid Error"]
                .iter()
                .any(|p| message.starts_with(p));
            DescribeError { message, data_fault }
        };
        let mut stmt = self.0.prepare(&format!("DESCRIBE {sql}")).map_err(err)?;
        let cols = stmt
            .query_map([], |r| Ok(Column::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(Schema::new(cols))
    }
}
