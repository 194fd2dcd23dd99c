//! Schema inference on DuckDB: bind a query with `DESCRIBE` (nothing runs; sources read only the
//! sample their sniffer needs).

use sluice_core::files::Declared;
use sluice_core::plan::{DescribeError, Describer};
use sluice_core::{Column, Schema};

/// A [`Describer`] over an engine's connection, locked to the spec's files before the first
/// describe.
pub struct DuckDescriber<'a>(pub &'a crate::Engine);

impl Describer for DuckDescriber<'_> {
    fn grant(&self, declared: &Declared) -> Result<(), DescribeError> {
        self.0.lock(declared).map_err(|e| DescribeError { message: e.to_string(), data_fault: false })
    }

    fn prepare_remote(&self, node: &str, read: &sluice_core::remote::RemoteRead) -> Result<(), DescribeError> {
        self.0.prepare_remote(node, read).map(|_| ()).map_err(|e| {
            // The diagnostic names the node itself.
            let message = match e {
                crate::EngineError::Connection { source, .. } => source.to_string(),
                crate::EngineError::Node { message, .. } => message,
                other => other.to_string(),
            };
            DescribeError { message, data_fault: true }
        })
    }

    fn mirror(&self, objects: &[sluice_core::files::ObjectUse]) -> Vec<(String, DescribeError)> {
        self.0
            .mirror_objects(objects)
            .into_iter()
            .map(|(node, e)| {
                let message = match e {
                    crate::EngineError::Connection { source, .. } => source.to_string(),
                    other => other.to_string(),
                };
                (node, DescribeError { message, data_fault: true })
            })
            .collect()
    }

    fn describe(&self, sql: &str) -> Result<Schema, DescribeError> {
        if let Err(r) = crate::lockdown::one_statement(sql) {
            let message = match r {
                crate::lockdown::Refusal::Statements(n) => format!("the SQL is {n} statements, not one: refused"),
                crate::lockdown::Refusal::Parse(m) => m,
            };
            return Err(DescribeError { message, data_fault: false });
        }
        let err = |e: duckdb::Error| {
            let message = crate::run::clean_message(&e);
            let data_fault = ["IO Error", "Invalid Input Error", "Conversion Error", "Invalid Error"]
                .iter()
                .any(|p| message.starts_with(p));
            DescribeError { message, data_fault }
        };
        let mut stmt = self.0.connection().prepare(&format!("DESCRIBE {sql}")).map_err(err)?;
        let cols = stmt
            .query_map([], |r| Ok(Column::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(Schema::new(cols))
    }
}
