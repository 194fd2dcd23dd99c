//! Column schemas as the engine sees them: ordered names with DuckDB logical type names.

use serde::{Deserialize, Serialize};

/// The type name used while a column's type is not known yet (before the describer has bound it).
pub const UNKNOWN: &str = "UNKNOWN";

/// One column of a relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// A logical type name such as `BIGINT`, `VARCHAR`, `DECIMAL(18,2)`, or [`UNKNOWN`].
    #[serde(rename = "type")]
    pub ty: String,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: impl Into<String>) -> Self {
        Column { name: name.into(), ty: ty.into() }
    }
    pub fn unknown(name: impl Into<String>) -> Self {
        Column::new(name, UNKNOWN)
    }
    pub fn is_known(&self) -> bool {
        self.ty != UNKNOWN
    }
    /// FLOAT or DOUBLE.
    pub fn is_float(&self) -> bool {
        matches!(self.ty.to_uppercase().as_str(), "FLOAT" | "DOUBLE" | "REAL" | "FLOAT4" | "FLOAT8")
    }
    /// Integer, floating point or decimal.
    pub fn is_numeric(&self) -> bool {
        let t = self.ty.to_uppercase();
        ["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
         "UHUGEINT", "FLOAT", "DOUBLE"]
            .contains(&t.as_str())
            || t.starts_with("DECIMAL")
    }
}

/// The ordered columns of a relation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Schema {
    pub columns: Vec<Column>,
}

impl Schema {
    pub fn new(columns: Vec<Column>) -> Self {
        Schema { columns }
    }
    pub fn get(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }
    pub fn is_fully_known(&self) -> bool {
        self.columns.iter().all(Column::is_known)
    }
    /// Replace a column of the same name in place, or append it.
    pub fn upsert(&mut self, col: Column) {
        match self.columns.iter_mut().find(|c| c.name == col.name) {
            Some(c) => *c = col,
            None => self.columns.push(col),
        }
    }
}
