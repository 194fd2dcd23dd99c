//! The dialect seam: everything that spells SQL differently between engines goes through [`Dialect`].
//!
//! Kinds never paste identifiers or literals into SQL as text: they call [`Dialect::ident`] and
//! [`Dialect::string`]. DuckDB is the engine that runs specs; other dialects (Spark SQL and
//! Snowflake for export, [`translated`]) implement the same trait and may refuse a construct with
//! [`Unsupported`].

mod translated;

pub use translated::{snowflake_string, spark_ident, spark_string, Translated};

/// A construct this dialect cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {dialect} dialect cannot express {what}")]
pub struct Unsupported {
    pub dialect: &'static str,
    pub what: String,
}

/// How a file is read by a source.
#[derive(Debug, Clone, PartialEq)]
pub enum FileRead<'a> {
    Csv {
        paths: &'a [String],
        delimiter: Option<&'a str>,
        header: bool,
        types: &'a [(String, String)],
        nulls: &'a [String],
        /// The columns DuckDB reads (name, type), when known: engines without DuckDB's type
        /// detection read the files with them.
        columns: &'a [(String, String)],
    },
    Parquet {
        paths: &'a [String],
        /// The columns DuckDB reads (name, type), when known (see `Csv`).
        columns: &'a [(String, String)],
    },
    Json { paths: &'a [String], newline_delimited: Option<bool> },
}

/// SQL spelling for one target engine.
pub trait Dialect: Send + Sync {
    fn name(&self) -> &'static str;

    /// A quoted identifier: `"a ""b"""`.
    fn ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
    /// A string literal: `'it''s'`.
    fn string(&self, value: &str) -> String {
        format!("'{}'", value.replace('\'', "''"))
    }
    /// A table function or relation that reads files.
    fn read_files(&self, read: &FileRead<'_>) -> Result<String, Unsupported>;
    /// The relation holding the rows database source `node` reads: the engine fetches them
    /// into a table of its own; an exported project names the table in its target database.
    fn read_remote(&self, node: &str, read: &crate::remote::RemoteRead) -> Result<String, Unsupported> {
        let _ = node;
        Err(Unsupported { dialect: self.name(), what: format!("a {} source ({})", read.driver.name(), read.describe()) })
    }
    /// A deterministic pseudo-random number in [0, 1) per row of relation alias `alias`, seeded.
    fn row_hash_unit(&self, alias: &str, seed: u64) -> Result<String, Unsupported>;
    /// Every column of a relation (`columns`, in order, of the relation aliased `qualifier` when
    /// given) with some replaced by expressions, keeping column order: the select list of
    /// `SELECT * FROM x` with replacements.
    fn select_replace(&self, qualifier: Option<&str>, columns: &[String], replacements: &[(String, String)]) -> String {
        let _ = columns;
        let star = match qualifier {
            Some(q) => format!("{q}.*"),
            None => "*".to_string(),
        };
        if replacements.is_empty() {
            return star;
        }
        let parts: Vec<String> =
            replacements.iter().map(|(col, expr)| format!("{expr} AS {}", self.ident(col))).collect();
        format!("{star} REPLACE ({})", parts.join(", "))
    }
    /// Does the dialect support `QUALIFY`?
    fn supports_qualify(&self) -> bool {
        true
    }
    /// Sum of a floating-point column. A parallel engine adds partial sums in whatever order the
    /// threads finish; a compensated sum makes the result (almost always) the correctly rounded
    /// one, so a re-run gives the same bits.
    fn float_sum(&self, expr: &str) -> String {
        format!("sum({expr})")
    }
    /// Mean of a floating-point column, compensated for the same reason as [`Dialect::float_sum`].
    fn float_mean(&self, expr: &str) -> String {
        format!("avg({expr})")
    }
    /// An ORDER BY list over every column (`columns`, in order), ascending, NULLs last.
    fn order_by_all(&self, columns: &[String]) -> String {
        let _ = columns;
        "ALL".to_string()
    }
    /// Every column of a relation but `excluded` (`columns`, in order, of the relation aliased
    /// `qualifier` when given).
    fn select_exclude(&self, qualifier: Option<&str>, columns: &[String], excluded: &[String]) -> String {
        let _ = columns;
        let star = match qualifier {
            Some(q) => format!("{q}.*"),
            None => "*".to_string(),
        };
        if excluded.is_empty() {
            return star;
        }
        let parts: Vec<String> = excluded.iter().map(|c| self.ident(c)).collect();
        format!("{star} EXCLUDE ({})", parts.join(", "))
    }
    /// Does the dialect have `ASOF` joins?
    fn supports_asof_join(&self) -> bool {
        true
    }
    /// Does the dialect have `UNION [ALL] BY NAME`?
    fn supports_union_by_name(&self) -> bool {
        true
    }
    /// A compiled statement (DuckDB SQL, with users' expressions in it) as this dialect's SQL.
    fn finish(&self, sql: &str) -> Result<String, Unsupported> {
        Ok(sql.to_string())
    }
    /// A DuckDB expression (e.g. a check's pass rule over its measures) as this dialect's.
    fn finish_expr(&self, sql: &str) -> Result<String, Unsupported> {
        Ok(sql.to_string())
    }
    /// Statements that must run before the queries compiled since the last call (e.g. Spark's
    /// temporary views over CSV files); taking them empties the list.
    fn take_setup(&self) -> Vec<String> {
        Vec::new()
    }
}

/// DuckDB, the engine that runs specs.
#[derive(Debug, Default, Clone, Copy)]
pub struct DuckDb;

impl DuckDb {
    fn list(&self, paths: &[String]) -> String {
        let items: Vec<String> = paths.iter().map(|p| self.string(p)).collect();
        format!("[{}]", items.join(", "))
    }

    /// The files a source reads, globs expanded: the engine's connection is granted files, not
    /// patterns. A glob that matches nothing stays, and reading it fails naming it.
    fn files(&self, paths: &[String]) -> String {
        let mut files = Vec::new();
        for p in paths {
            let found = crate::files::expand(std::path::Path::new(p));
            if found.is_empty() {
                files.push(p.clone());
            }
            files.extend(found.iter().map(|f| f.to_string_lossy().into_owned()));
        }
        self.list(&files)
    }

    /// `read_files`, with globs expanded (the engine) or kept as patterns (SQL that runs
    /// elsewhere, on whatever files match there).
    fn read(&self, read: &FileRead<'_>, expand: bool) -> String {
        let files = |paths: &[String]| if expand { self.files(paths) } else { self.list(paths) };
        match read {
            FileRead::Csv { paths, delimiter, header, types, nulls, .. } => {
                let mut args = vec![files(paths)];
                if let Some(d) = delimiter {
                    args.push(format!("delim = {}", self.string(d)));
                }
                args.push(format!("header = {header}"));
                if !types.is_empty() {
                    let t: Vec<String> =
                        types.iter().map(|(c, ty)| format!("{}: {}", self.string(c), self.string(ty))).collect();
                    args.push(format!("types = {{{}}}", t.join(", ")));
                }
                if !nulls.is_empty() {
                    args.push(format!("nullstr = {}", self.list(nulls)));
                }
                format!("read_csv({})", args.join(", "))
            }
            FileRead::Parquet { paths, .. } => format!("read_parquet({})", files(paths)),
            FileRead::Json { paths, newline_delimited } => {
                let mut args = vec![files(paths)];
                match newline_delimited {
                    Some(true) => args.push("format = 'newline_delimited'".into()),
                    Some(false) => args.push("format = 'array'".into()),
                    None => {}
                }
                format!("read_json({})", args.join(", "))
            }
        }
    }
}

/// DuckDB SQL that runs outside this engine (an exported dbt project): the same as [`DuckDb`],
/// but a source's glob stays a glob.
#[derive(Debug, Default, Clone, Copy)]
pub struct PortableDuckDb;

impl Dialect for PortableDuckDb {
    fn name(&self) -> &'static str {
        "duckdb"
    }
    fn read_files(&self, read: &FileRead<'_>) -> Result<String, Unsupported> {
        Ok(DuckDb.read(read, false))
    }
    fn float_sum(&self, expr: &str) -> String {
        DuckDb.float_sum(expr)
    }
    fn float_mean(&self, expr: &str) -> String {
        DuckDb.float_mean(expr)
    }
    fn row_hash_unit(&self, alias: &str, seed: u64) -> Result<String, Unsupported> {
        DuckDb.row_hash_unit(alias, seed)
    }
}

impl Dialect for DuckDb {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn read_files(&self, read: &FileRead<'_>) -> Result<String, Unsupported> {
        Ok(self.read(read, true))
    }

    fn read_remote(&self, node: &str, _read: &crate::remote::RemoteRead) -> Result<String, Unsupported> {
        Ok(self.ident(&crate::remote::fetched_table(node)))
    }

    fn float_sum(&self, expr: &str) -> String {
        format!("fsum({expr})")
    }
    fn float_mean(&self, expr: &str) -> String {
        format!("favg({expr})")
    }
    fn row_hash_unit(&self, alias: &str, seed: u64) -> Result<String, Unsupported> {
        // hash() of the whole row as a struct, mixed with the seed: the same rows are chosen
        // whatever the thread count or the physical order, unlike TABLESAMPLE.
        Ok(format!("(hash({}, {seed}::UBIGINT) % 1000000007) / 1000000007.0", self.ident(alias)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn quotes_identifiers_and_strings() {
        let d = DuckDb;
        assert_eq!(d.ident("order \"total\" €"), "\"order \"\"total\"\" €\"");
        assert_eq!(d.string("it's"), "'it''s'");
    }
}
