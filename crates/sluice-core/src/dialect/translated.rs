//! Dialects of engines whose SQL is DuckDB's translated: Spark SQL (dbt-spark), Snowflake
//! (dbt-snowflake) and PostgreSQL (dbt-postgres), for exported projects.
//!
//! Kinds compile for them in two steps. First they write DuckDB SQL whose structure both engines
//! share: no `QUALIFY`, no `* REPLACE`/`* EXCLUDE`, no `ASOF` or `UNION BY NAME`, every column
//! listed where the input's schema decides. Then [`Dialect::finish`] translates the whole
//! statement ([`crate::sql_translate`]): quoting, literals, functions by an explicit list of
//! known meanings, NULL ordering, division. Anything the translation does not know is refused,
//! naming the construct.
//!
//! Files are read through statements run before the query ([`Dialect::take_setup`], written in
//! the engine's own SQL): Spark declares a temporary view over a CSV file and reads Parquet
//! directly; Snowflake loads a file from a stage into a temporary table with `COPY INTO`.
//! PostgreSQL reads no files: its projects read tables, through database sources.
//!
//! Compensated float sums and means (DuckDB's `fsum`/`favg`) are plain ones on Spark and
//! Snowflake; on PostgreSQL they are exact sums rounded once (see `sql_translate::postgres`).

use std::sync::Mutex;

use super::{Dialect, FileRead, Unsupported};
use crate::sql_translate::{type_name, Target};

/// The dialect of a [`Target`].
#[derive(Debug)]
pub struct Translated {
    target: Target,
    /// Statements the queries compiled so far need run first.
    setup: Mutex<Vec<String>>,
}

/// A Spark string literal.
pub fn spark_string(value: &str) -> String {
    // Spark joins adjacent literals ('a''b' is 'ab'), so quotes are escaped, not doubled.
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A Spark quoted identifier.
pub fn spark_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A Snowflake string literal: quotes doubled, and backslashes too, which Snowflake reads as
/// escapes.
pub fn snowflake_string(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// FNV-1a: a stable short name for a path.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

/// The statement that stops a Snowflake model whose source loaded no rows from `location` (a
/// literal): COPY INTO loads nothing, without an error, from a stage that lacks the file. The
/// cast of the message fails, and the error shows it.
fn empty_load_guard(table: &str, location: &str) -> String {
    format!(
        "SELECT CASE WHEN count(*) = 0 THEN CAST(CONCAT('sluice: no rows loaded from ', {location}, \
         ': is the file in the stage?') AS INTEGER) END FROM {table}"
    )
}

impl Translated {
    pub fn new(target: Target) -> Self {
        Translated { target, setup: Mutex::new(Vec::new()) }
    }

    fn unsupported(&self, what: impl Into<String>) -> Unsupported {
        Unsupported { dialect: self.target.name(), what: what.into() }
    }

    fn push_setup(&self, statement: String) {
        self.setup.lock().expect("setup lock").push(statement);
    }

    /// A CSV file: every column read as text (where the setup put it, `relation`), then cast to
    /// the type DuckDB found, with the source's extra null strings made NULL.
    fn read_csv(
        &self,
        paths: &[String],
        delimiter: Option<&str>,
        header: bool,
        nulls: &[String],
        columns: &[(String, String)],
    ) -> Result<String, Unsupported> {
        let [path] = paths else { return Err(self.unsupported("reading several CSV paths in one source")) };
        if columns.is_empty() {
            return Err(self.unsupported("reading a CSV file whose columns are not known"));
        }
        let name = format!("sluice_csv_{:016x}", fnv(path));
        let delimiter = delimiter.unwrap_or(",");
        match self.target {
            Target::Spark => {
                let decl: Vec<String> = columns.iter().map(|(c, _)| format!("{} STRING", spark_ident(c))).collect();
                let options = [
                    format!("path {}", spark_string(path)),
                    format!("header {}", spark_string(if header { "true" } else { "false" })),
                    format!("sep {}", spark_string(delimiter)),
                    // DuckDB's CSV dialect: quotes doubled inside quoted fields, fields may span
                    // lines, an empty field is null, spaces are kept.
                    "quote '\"'".to_string(),
                    "escape '\"'".to_string(),
                    "multiLine 'true'".to_string(),
                    "nullValue ''".to_string(),
                    "ignoreLeadingWhiteSpace 'false'".to_string(),
                    "ignoreTrailingWhiteSpace 'false'".to_string(),
                    "mode 'FAILFAST'".to_string(),
                ];
                self.push_setup(format!(
                    "CREATE OR REPLACE TEMPORARY VIEW {} ({}) USING csv OPTIONS ({})",
                    spark_ident(&name),
                    decl.join(", "),
                    options.join(", ")
                ));
            }
            Target::Snowflake => {
                let table = self.ident(&name);
                let decl: Vec<String> = columns.iter().map(|(c, _)| format!("{} VARCHAR", self.ident(c))).collect();
                // DuckDB's CSV dialect: quotes doubled inside quoted fields, a backslash is text,
                // an empty field is null, spaces kept; no other text is null unless the source
                // says so.
                let format = format!(
                    "TYPE = CSV FIELD_DELIMITER = {} SKIP_HEADER = {} FIELD_OPTIONALLY_ENCLOSED_BY = '\"' \
                     ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () COMPRESSION = AUTO",
                    snowflake_string(delimiter),
                    u8::from(header)
                );
                let location = snowflake_string(path);
                self.push_setup(format!("CREATE OR REPLACE TEMPORARY TABLE {table} ({})", decl.join(", ")));
                self.push_setup(format!("COPY INTO {table} FROM {location} FILE_FORMAT = ({format}) FORCE = TRUE"));
                self.push_setup(empty_load_guard(&table, &location));
            }
            Target::Postgres => return Err(self.unsupported("reading CSV files")),
        }
        // From here on DuckDB SQL, which [`Dialect::finish`] translates.
        let extra_nulls: Vec<String> = nulls.iter().filter(|n| !n.is_empty()).map(|n| self.string(n)).collect();
        let mut select = Vec::new();
        for (c, ty) in columns {
            let col = self.ident(c);
            let value = if extra_nulls.is_empty() {
                col.clone()
            } else {
                format!("CASE WHEN {col} IN ({}) THEN NULL ELSE {col} END", extra_nulls.join(", "))
            };
            // Checked here so that an unknown type is named with the file; the cast itself is
            // spelt by the translation.
            let text = matches!(type_name(self.target, ty)?.as_str(), "STRING" | "VARCHAR");
            let value = if text { value } else { format!("CAST({value} AS {ty})") };
            select.push(format!("{value} AS {col}"));
        }
        Ok(format!("(SELECT {} FROM {})", select.join(", "), self.ident(&name)))
    }

    /// Parquet files: Spark reads them as they are; Snowflake loads one file from a stage into a
    /// temporary table of the columns and types DuckDB found, each read by its name from the
    /// file's rows (a COPY with a transformation, whose stage location is written unquoted).
    fn read_parquet(&self, paths: &[String], columns: &[(String, String)]) -> Result<String, Unsupported> {
        if self.target == Target::Spark {
            let reads: Vec<String> = paths.iter().map(|p| format!("SELECT * FROM parquet.{}", self.ident(p))).collect();
            return Ok(format!("({})", reads.join(" UNION ALL ")));
        }
        let [path] = paths else { return Err(self.unsupported("reading several Parquet paths in one source")) };
        if path.contains(['*', '?', '[']) {
            return Err(self.unsupported(format!("reading the files a glob matches ({path}); name one file")));
        }
        let name = std::path::Path::new(path).file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err(self.unsupported(format!("a Parquet file name other than letters, digits, '.', '_' and '-' ({name})")));
        }
        if let Some((c, _)) = columns.iter().find(|(c, _)| c.contains('"')) {
            return Err(self.unsupported(format!("the Parquet column {c} (a double quote in its name)")));
        }
        if columns.is_empty() {
            return Err(self.unsupported("reading a Parquet file whose columns are not known"));
        }
        let table = self.ident(&format!("sluice_parquet_{:016x}", fnv(path)));
        let mut decl = Vec::new();
        let mut reads = Vec::new();
        for (c, ty) in columns {
            let ty = type_name(self.target, ty)?;
            decl.push(format!("{} {ty}", self.ident(c)));
            reads.push(format!("$1:\"{c}\"::{ty}"));
        }
        self.push_setup(format!("CREATE OR REPLACE TEMPORARY TABLE {table} ({})", decl.join(", ")));
        self.push_setup(format!(
            "COPY INTO {table} FROM (SELECT {} FROM {path}) FILE_FORMAT = (TYPE = PARQUET) FORCE = TRUE",
            reads.join(", ")
        ));
        self.push_setup(empty_load_guard(&table, &snowflake_string(path)));
        let select: Vec<String> = columns.iter().map(|(c, _)| self.ident(c)).collect();
        Ok(format!("(SELECT {} FROM {table})", select.join(", ")))
    }
}

impl Dialect for Translated {
    fn name(&self) -> &'static str {
        self.target.name()
    }

    fn read_files(&self, read: &FileRead<'_>) -> Result<String, Unsupported> {
        if self.target == Target::Postgres {
            return Err(self.unsupported("reading files (a PostgreSQL project reads tables: use a database source)"));
        }
        match read {
            FileRead::Csv { paths, delimiter, header, nulls, columns, .. } => {
                self.read_csv(paths, *delimiter, *header, nulls, columns)
            }
            FileRead::Parquet { paths, columns } => self.read_parquet(paths, columns),
            FileRead::Json { .. } => Err(self.unsupported("reading JSON files with DuckDB's type detection")),
        }
    }

    fn row_hash_unit(&self, _alias: &str, _seed: u64) -> Result<String, Unsupported> {
        // Another engine's hash functions differ from DuckDB's: they would choose other rows.
        Err(self.unsupported("choosing rows by DuckDB's row hash (the same rows as sluice run)"))
    }

    fn select_replace(&self, qualifier: Option<&str>, columns: &[String], replacements: &[(String, String)]) -> String {
        let prefix = qualifier.map(|q| format!("{q}.")).unwrap_or_default();
        if replacements.is_empty() {
            return format!("{prefix}*");
        }
        if columns.is_empty() {
            // Columns unknown (a plan checked without binding): keep the replacements visible so
            // the translation refuses the query rather than silently dropping them.
            let parts: Vec<String> = replacements.iter().map(|(c, e)| format!("{e} AS {}", self.ident(c))).collect();
            return format!("{prefix}* REPLACE ({})", parts.join(", "));
        }
        columns
            .iter()
            .map(|c| match replacements.iter().find(|(r, _)| r == c) {
                Some((_, expr)) => format!("{expr} AS {}", self.ident(c)),
                None => format!("{prefix}{}", self.ident(c)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn select_exclude(&self, qualifier: Option<&str>, columns: &[String], excluded: &[String]) -> String {
        let prefix = qualifier.map(|q| format!("{q}.")).unwrap_or_default();
        if columns.is_empty() {
            let parts: Vec<String> = excluded.iter().map(|c| self.ident(c)).collect();
            return format!("{prefix}* EXCLUDE ({})", parts.join(", "));
        }
        columns
            .iter()
            .filter(|c| !excluded.contains(c))
            .map(|c| format!("{prefix}{}", self.ident(c)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    // Snowflake has QUALIFY; the subquery the kinds write without it is one form for both.
    fn supports_qualify(&self) -> bool {
        false
    }

    fn supports_asof_join(&self) -> bool {
        false
    }

    fn supports_union_by_name(&self) -> bool {
        false
    }

    fn float_sum(&self, expr: &str) -> String {
        match self.target {
            Target::Postgres => format!("{}({expr})", crate::sql_translate::EXACT_SUM),
            _ => format!("sum({expr})"),
        }
    }

    fn float_mean(&self, expr: &str) -> String {
        match self.target {
            Target::Postgres => format!("{}({expr})", crate::sql_translate::EXACT_MEAN),
            _ => format!("avg({expr})"),
        }
    }

    fn order_by_all(&self, columns: &[String]) -> String {
        if columns.is_empty() && self.target == Target::Postgres {
            // Columns unknown (a source's database not reached): the translation refuses it,
            // saying so.
            return "ALL".to_string();
        }
        columns.iter().map(|c| format!("{} ASC NULLS LAST", self.ident(c))).collect::<Vec<_>>().join(", ")
    }

    fn finish(&self, sql: &str) -> Result<String, Unsupported> {
        crate::sql_translate::query_pretty(self.target, sql)
    }

    fn finish_expr(&self, sql: &str) -> Result<String, Unsupported> {
        crate::sql_translate::expr(self.target, sql)
    }

    fn take_setup(&self) -> Vec<String> {
        std::mem::take(&mut *self.setup.lock().expect("setup lock"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_quotes_with_backticks_and_backslashes() {
        assert_eq!(spark_ident("a`b"), "`a``b`");
        assert_eq!(spark_string("it's a \\ b"), "'it\\'s a \\\\ b'");
    }

    #[test]
    fn spark_reads_csv_through_a_view_of_text_columns() {
        let d = Translated::new(Target::Spark);
        let columns = [("id".to_string(), "BIGINT".to_string()), ("name".to_string(), "VARCHAR".to_string())];
        let paths = ["/d/o.csv".to_string()];
        let read = FileRead::Csv { paths: &paths, delimiter: None, header: true, types: &[], nulls: &[], columns: &columns };
        let view = format!("sluice_csv_{:016x}", fnv(&paths[0]));
        assert_eq!(d.read_files(&read).unwrap(), format!("(SELECT CAST(\"id\" AS BIGINT) AS \"id\", \"name\" AS \"name\" FROM \"{view}\")"));
        let setup = d.take_setup();
        assert_eq!(setup.len(), 1);
        assert!(setup[0].starts_with(&format!("CREATE OR REPLACE TEMPORARY VIEW `{view}` (`id` STRING, `name` STRING) USING csv")), "{}", setup[0]);
        assert!(d.read_files(&FileRead::Json { paths: &paths, newline_delimited: None }).unwrap_err().what.contains("JSON"));
    }

    #[test]
    fn snowflake_loads_csv_files_from_a_stage_into_text_columns() {
        let d = Translated::new(Target::Snowflake);
        let columns = [("id".to_string(), "BIGINT".to_string()), ("name".to_string(), "VARCHAR".to_string())];
        let paths = ["C:\\data\\it's.csv".to_string()];
        let read = FileRead::Csv { paths: &paths, delimiter: Some(";"), header: true, types: &[], nulls: &["NA".into()], columns: &columns };
        let sql = d.read_files(&read).unwrap();
        assert_eq!(
            sql,
            "(SELECT CAST(CASE WHEN \"id\" IN ('NA') THEN NULL ELSE \"id\" END AS BIGINT) AS \"id\", \
             CASE WHEN \"name\" IN ('NA') THEN NULL ELSE \"name\" END AS \"name\" FROM \"sluice_csv_7f4cbbc1b3e1c77d\")"
                .replace("7f4cbbc1b3e1c77d", &format!("{:016x}", fnv(&paths[0])))
        );
        let setup = d.take_setup();
        assert_eq!(setup.len(), 3);
        assert!(setup[0].starts_with("CREATE OR REPLACE TEMPORARY TABLE \"sluice_csv_"), "{}", setup[0]);
        assert!(setup[0].ends_with("(\"id\" VARCHAR, \"name\" VARCHAR)"), "{}", setup[0]);
        assert!(setup[1].contains("FROM 'C:\\\\data\\\\it''s.csv' FILE_FORMAT = (TYPE = CSV FIELD_DELIMITER = ';' SKIP_HEADER = 1"), "{}", setup[1]);
        // The guard names the file with the same literal, so the export's var replaces both.
        assert!(setup[2].contains("'sluice: no rows loaded from ', 'C:\\\\data\\\\it''s.csv', ': is the file"), "{}", setup[2]);
        assert!(d.take_setup().is_empty());
    }

    #[test]
    fn postgres_reads_no_files_and_sums_floats_exactly() {
        let d = Translated::new(Target::Postgres);
        let paths = ["x.parquet".to_string()];
        assert!(d.read_files(&FileRead::Parquet { paths: &paths, columns: &[] }).unwrap_err().what.contains("database source"));
        assert_eq!(d.float_sum("\"x\""), format!("{}(\"x\")", crate::sql_translate::EXACT_SUM));
        let sql = d.finish(&format!("SELECT {} AS s FROM t", d.float_mean("x"))).unwrap();
        assert!(sql.contains("float8send") && sql.contains("/ CAST(count(CAST(\"x\" AS DOUBLE PRECISION)) AS DOUBLE PRECISION)"), "{sql}");
        assert_eq!(d.name(), "postgres");
        assert!(!d.supports_qualify() && !d.supports_union_by_name());
        assert_eq!(d.order_by_all(&["a".into(), "b".into()]), "\"a\" ASC NULLS LAST, \"b\" ASC NULLS LAST");
        let unknown = d.finish(&format!("SELECT * FROM t ORDER BY {}", d.order_by_all(&[]))).unwrap_err();
        assert!(unknown.what.contains("the columns are not known"), "{}", unknown.what);
    }

    #[test]
    fn snowflake_loads_one_parquet_file_by_column_name() {
        let d = Translated::new(Target::Snowflake);
        let parquet = ["x.parquet".to_string()];
        let typed = [("at".to_string(), "TIMESTAMP".to_string()), ("n".to_string(), "DECIMAL(12,2)".to_string())];
        let sql = d.read_files(&FileRead::Parquet { paths: &parquet, columns: &typed }).unwrap();
        assert!(sql.starts_with("(SELECT \"at\", \"n\" FROM \"sluice_parquet_"), "{sql}");
        let setup = d.take_setup();
        assert!(setup[0].ends_with("(\"at\" TIMESTAMP_NTZ, \"n\" NUMBER(12, 2))"), "{}", setup[0]);
        assert!(
            setup[1].contains("FROM (SELECT $1:\"at\"::TIMESTAMP_NTZ, $1:\"n\"::NUMBER(12, 2) FROM x.parquet) FILE_FORMAT = (TYPE = PARQUET)"),
            "{}",
            setup[1]
        );
        let glob = ["part*.parquet".to_string()];
        assert!(d.read_files(&FileRead::Parquet { paths: &glob, columns: &typed }).unwrap_err().what.contains("glob"));
        assert!(d.row_hash_unit("t", 1).unwrap_err().what.contains("row hash"));
    }
}
