//! The dialect seam: everything that spells SQL differently between engines goes through [`Dialect`].
//!
//! Kinds never paste identifiers or literals into SQL as text: they call [`Dialect::ident`] and
//! [`Dialect::string`]. DuckDB is the engine that runs specs; other dialects (Spark SQL for export)
//! implement the same trait and may refuse a construct with [`Unsupported`].

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
}

impl Dialect for DuckDb {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn read_files(&self, read: &FileRead<'_>) -> Result<String, Unsupported> {
        Ok(match read {
            FileRead::Csv { paths, delimiter, header, types, nulls, .. } => {
                let mut args = vec![self.list(paths)];
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
            FileRead::Parquet { paths, .. } => format!("read_parquet({})", self.list(paths)),
            FileRead::Json { paths, newline_delimited } => {
                let mut args = vec![self.list(paths)];
                match newline_delimited {
                    Some(true) => args.push("format = 'newline_delimited'".into()),
                    Some(false) => args.push("format = 'array'".into()),
                    None => {}
                }
                format!("read_json({})", args.join(", "))
            }
        })
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

/// Spark SQL, for projects exported to run on Spark (dbt-spark).
///
/// Kinds compile for Spark in two steps. First they write DuckDB SQL whose structure Spark
/// shares: no `QUALIFY`, no `* REPLACE`/`* EXCLUDE`, every column listed where the input's
/// schema decides, CSV files read through a temporary view ([`Dialect::take_setup`]). Then
/// [`Dialect::finish`] translates the whole statement ([`crate::sql_translate`]): quoting, literals,
/// functions by an explicit list of known meanings, NULL ordering, division. Anything the
/// translation does not know is refused, naming the construct.
#[derive(Debug, Default)]
pub struct Spark {
    /// Statements the queries compiled so far need run first.
    setup: std::sync::Mutex<Vec<String>>,
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

impl Spark {
    /// A CSV file as Spark reads it: a temporary view with every column as text (declared by
    /// [`Dialect::take_setup`], in Spark's own SQL), then each column cast to the type DuckDB
    /// found, with DuckDB's null strings made NULL.
    fn read_csv(
        &self,
        paths: &[String],
        delimiter: Option<&str>,
        header: bool,
        nulls: &[String],
        columns: &[(String, String)],
    ) -> Result<String, Unsupported> {
        let unsupported = |what: String| Unsupported { dialect: "spark", what };
        let [path] = paths else { return Err(unsupported("reading several CSV paths in one source".into())) };
        if columns.is_empty() {
            return Err(unsupported("reading a CSV file whose columns are not known".into()));
        }
        let view = format!("sluice_csv_{:016x}", fnv(path));
        let decl: Vec<String> = columns.iter().map(|(c, _)| format!("{} STRING", spark_ident(c))).collect();
        let options = [
            format!("path {}", spark_string(path)),
            format!("header {}", spark_string(if header { "true" } else { "false" })),
            format!("sep {}", spark_string(delimiter.unwrap_or(","))),
            // DuckDB's CSV dialect: quotes doubled inside quoted fields, fields may span lines,
            // an empty field is null, spaces are kept.
            "quote '\"'".to_string(),
            "escape '\"'".to_string(),
            "multiLine 'true'".to_string(),
            "nullValue ''".to_string(),
            "ignoreLeadingWhiteSpace 'false'".to_string(),
            "ignoreTrailingWhiteSpace 'false'".to_string(),
            "mode 'FAILFAST'".to_string(),
        ];
        self.setup.lock().expect("setup lock").push(format!(
            "CREATE OR REPLACE TEMPORARY VIEW {} ({}) USING csv OPTIONS ({})",
            spark_ident(&view),
            decl.join(", "),
            options.join(", ")
        ));
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
            let spark_ty = crate::sql_translate::type_name(crate::sql_translate::Target::Spark, ty)?;
            let value = if spark_ty == "STRING" { value } else { format!("CAST({value} AS {ty})") };
            select.push(format!("{value} AS {col}"));
        }
        Ok(format!("(SELECT {} FROM {})", select.join(", "), self.ident(&view)))
    }
}

/// FNV-1a: a stable short name for a path.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

impl Dialect for Spark {
    fn name(&self) -> &'static str {
        "spark"
    }

    fn read_files(&self, read: &FileRead<'_>) -> Result<String, Unsupported> {
        let unsupported = |what: &str| Unsupported { dialect: "spark", what: what.to_string() };
        match read {
            FileRead::Parquet { paths, .. } => {
                let reads: Vec<String> = paths.iter().map(|p| format!("SELECT * FROM parquet.{}", self.ident(p))).collect();
                Ok(format!("({})", reads.join(" UNION ALL ")))
            }
            FileRead::Csv { paths, delimiter, header, nulls, columns, .. } => {
                self.read_csv(paths, *delimiter, *header, nulls, columns)
            }
            FileRead::Json { .. } => Err(unsupported("reading JSON files with DuckDB's type detection")),
        }
    }

    fn row_hash_unit(&self, _alias: &str, _seed: u64) -> Result<String, Unsupported> {
        // Spark's hash functions differ from DuckDB's: another hash would choose other rows.
        Err(Unsupported { dialect: "spark", what: "choosing rows by DuckDB's row hash (the same rows as sluice run)".into() })
    }

    fn select_replace(&self, qualifier: Option<&str>, columns: &[String], replacements: &[(String, String)]) -> String {
        listed_replace(self, qualifier, columns, replacements)
    }

    fn select_exclude(&self, qualifier: Option<&str>, columns: &[String], excluded: &[String]) -> String {
        listed_exclude(self, qualifier, columns, excluded)
    }

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
        format!("sum({expr})")
    }
    fn float_mean(&self, expr: &str) -> String {
        format!("avg({expr})")
    }
    fn order_by_all(&self, columns: &[String]) -> String {
        listed_order_by(self, columns)
    }
    fn finish(&self, sql: &str) -> Result<String, Unsupported> {
        crate::sql_translate::query_pretty(crate::sql_translate::Target::Spark, sql)
    }
    fn finish_expr(&self, sql: &str) -> Result<String, Unsupported> {
        crate::sql_translate::expr(crate::sql_translate::Target::Spark, sql)
    }
    fn take_setup(&self) -> Vec<String> {
        std::mem::take(&mut *self.setup.lock().expect("setup lock"))
    }
}

/// `* REPLACE` for dialects without it: every column listed, the replaced ones as expressions.
fn listed_replace(d: &dyn Dialect, qualifier: Option<&str>, columns: &[String], replacements: &[(String, String)]) -> String {
    let prefix = qualifier.map(|q| format!("{q}.")).unwrap_or_default();
    if replacements.is_empty() {
        return format!("{prefix}*");
    }
    if columns.is_empty() {
        // Columns unknown (a plan checked without binding): keep the replacements visible so
        // the translation refuses the query rather than silently dropping them.
        let parts: Vec<String> = replacements.iter().map(|(c, e)| format!("{e} AS {}", d.ident(c))).collect();
        return format!("{prefix}* REPLACE ({})", parts.join(", "));
    }
    columns
        .iter()
        .map(|c| match replacements.iter().find(|(r, _)| r == c) {
            Some((_, expr)) => format!("{expr} AS {}", d.ident(c)),
            None => format!("{prefix}{}", d.ident(c)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `* EXCLUDE` for dialects without it: the other columns listed.
fn listed_exclude(d: &dyn Dialect, qualifier: Option<&str>, columns: &[String], excluded: &[String]) -> String {
    let prefix = qualifier.map(|q| format!("{q}.")).unwrap_or_default();
    if columns.is_empty() {
        let parts: Vec<String> = excluded.iter().map(|c| d.ident(c)).collect();
        return format!("{prefix}* EXCLUDE ({})", parts.join(", "));
    }
    columns
        .iter()
        .filter(|c| !excluded.contains(c))
        .map(|c| format!("{prefix}{}", d.ident(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `ORDER BY ALL` for dialects without it.
fn listed_order_by(d: &dyn Dialect, columns: &[String]) -> String {
    columns.iter().map(|c| format!("{} ASC NULLS LAST", d.ident(c))).collect::<Vec<_>>().join(", ")
}

/// A Snowflake string literal: quotes doubled, and backslashes too, which Snowflake reads as
/// escapes.
pub fn snowflake_string(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// Snowflake SQL, for projects exported to run on Snowflake (dbt-snowflake).
///
/// As for [`Spark`], kinds write DuckDB SQL of the structure both share, and [`Dialect::finish`]
/// translates it ([`crate::sql_translate`]), quoting every name, since Snowflake folds unquoted
/// ones to upper case. A file is read from a stage: a temporary table is loaded with `COPY INTO`
/// ([`Dialect::take_setup`]); for CSV its columns are text, each cast to the type DuckDB found,
/// for Parquet they have those types and are matched by name.
#[derive(Debug, Default)]
pub struct Snowflake {
    setup: std::sync::Mutex<Vec<String>>,
}

impl Snowflake {
    fn read_csv(
        &self,
        paths: &[String],
        delimiter: Option<&str>,
        header: bool,
        nulls: &[String],
        columns: &[(String, String)],
    ) -> Result<String, Unsupported> {
        let unsupported = |what: String| Unsupported { dialect: "snowflake", what };
        let [path] = paths else { return Err(unsupported("reading several CSV paths in one source".into())) };
        if columns.is_empty() {
            return Err(unsupported("reading a CSV file whose columns are not known".into()));
        }
        let table = self.ident(&format!("sluice_csv_{:016x}", fnv(path)));
        let decl: Vec<String> = columns.iter().map(|(c, _)| format!("{} VARCHAR", self.ident(c))).collect();
        // DuckDB's CSV dialect: quotes doubled inside quoted fields, a backslash is text, an
        // empty field is null, spaces kept; no other text is null unless the source says so.
        let format = format!(
            "TYPE = CSV FIELD_DELIMITER = {} SKIP_HEADER = {} FIELD_OPTIONALLY_ENCLOSED_BY = '\"' \
             ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () COMPRESSION = AUTO",
            snowflake_string(delimiter.unwrap_or(",")),
            u8::from(header)
        );
        // The setup runs as written (Snowflake's literals); the query below is DuckDB SQL that
        // [`Dialect::finish`] translates.
        let mut setup = self.setup.lock().expect("setup lock");
        setup.push(format!("CREATE OR REPLACE TEMPORARY TABLE {table} ({})", decl.join(", ")));
        setup.push(format!("COPY INTO {table} FROM {} FILE_FORMAT = ({format}) FORCE = TRUE", snowflake_string(path)));
        setup.push(empty_load_guard(&table));
        let extra_nulls: Vec<String> = nulls.iter().filter(|n| !n.is_empty()).map(|n| self.string(n)).collect();
        let mut select = Vec::new();
        for (c, ty) in columns {
            let col = self.ident(c);
            let value = if extra_nulls.is_empty() {
                col.clone()
            } else {
                format!("CASE WHEN {col} IN ({}) THEN NULL ELSE {col} END", extra_nulls.join(", "))
            };
            let sf_ty = crate::sql_translate::type_name(crate::sql_translate::Target::Snowflake, ty)?;
            let value = if sf_ty == "VARCHAR" { value } else { format!("CAST({value} AS {ty})") };
            select.push(format!("{value} AS {col}"));
        }
        Ok(format!("(SELECT {} FROM {table})", select.join(", ")))
    }
}

impl Snowflake {
    /// A Parquet file as Snowflake reads it: loaded from a stage into a temporary table of the
    /// columns and types DuckDB found, each read by its name from the file's rows (a COPY with a
    /// transformation, whose stage location is written without quotes).
    fn read_parquet(&self, paths: &[String], columns: &[(String, String)]) -> Result<String, Unsupported> {
        let unsupported = |what: String| Unsupported { dialect: "snowflake", what };
        let [path] = paths else { return Err(unsupported("reading several Parquet paths in one source".into())) };
        if path.contains(['*', '?', '[']) {
            return Err(unsupported(format!("reading the files a glob matches ({path}); name one file")));
        }
        let name = std::path::Path::new(path).file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err(unsupported(format!("a Parquet file name other than letters, digits, '.', '_' and '-' ({name})")));
        }
        if let Some((c, _)) = columns.iter().find(|(c, _)| c.contains('"')) {
            return Err(unsupported(format!("the Parquet column {c} (a double quote in its name)")));
        }
        if columns.is_empty() {
            return Err(unsupported("reading a Parquet file whose columns are not known".into()));
        }
        let table = self.ident(&format!("sluice_parquet_{:016x}", fnv(path)));
        let mut decl = Vec::new();
        for (c, ty) in columns {
            decl.push(format!("{} {}", self.ident(c), crate::sql_translate::type_name(crate::sql_translate::Target::Snowflake, ty)?));
        }
        let mut setup = self.setup.lock().expect("setup lock");
        setup.push(format!("CREATE OR REPLACE TEMPORARY TABLE {table} ({})", decl.join(", ")));
        let mut reads = Vec::new();
        for (c, ty) in columns {
            reads.push(format!("$1:\"{c}\"::{}", crate::sql_translate::type_name(crate::sql_translate::Target::Snowflake, ty)?));
        }
        setup.push(format!(
            "COPY INTO {table} FROM (SELECT {} FROM {path}) FILE_FORMAT = (TYPE = PARQUET) FORCE = TRUE",
            reads.join(", ")
        ));
        setup.push(empty_load_guard(&table));
        let select: Vec<String> = columns.iter().map(|(c, _)| self.ident(c)).collect();
        Ok(format!("(SELECT {} FROM {table})", select.join(", ")))
    }
}

/// COPY INTO loads nothing, without an error, from a stage that lacks the file: a source that
/// loaded no rows stops the model (a cast of the message fails, naming it).
fn empty_load_guard(table: &str) -> String {
    format!(
        "SELECT CASE WHEN count(*) = 0 THEN CAST({} AS INTEGER) END FROM {table}",
        snowflake_string("sluice: no rows loaded: is the source file in the stage?")
    )
}

impl Dialect for Snowflake {
    fn name(&self) -> &'static str {
        "snowflake"
    }
    fn read_files(&self, read: &FileRead<'_>) -> Result<String, Unsupported> {
        let unsupported = |what: &str| Unsupported { dialect: "snowflake", what: what.to_string() };
        match read {
            FileRead::Csv { paths, delimiter, header, nulls, columns, .. } => {
                self.read_csv(paths, *delimiter, *header, nulls, columns)
            }
            FileRead::Parquet { paths, columns } => self.read_parquet(paths, columns),
            FileRead::Json { .. } => Err(unsupported("reading JSON files with DuckDB's type detection")),
        }
    }
    fn row_hash_unit(&self, _alias: &str, _seed: u64) -> Result<String, Unsupported> {
        Err(Unsupported {
            dialect: "snowflake",
            what: "choosing rows by DuckDB's row hash (the same rows as sluice run)".into(),
        })
    }
    fn select_replace(&self, qualifier: Option<&str>, columns: &[String], replacements: &[(String, String)]) -> String {
        listed_replace(self, qualifier, columns, replacements)
    }
    fn select_exclude(&self, qualifier: Option<&str>, columns: &[String], excluded: &[String]) -> String {
        listed_exclude(self, qualifier, columns, excluded)
    }
    // Snowflake has QUALIFY; the subquery the kinds write without it is the form Spark checks.
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
        format!("sum({expr})")
    }
    fn float_mean(&self, expr: &str) -> String {
        format!("avg({expr})")
    }
    fn order_by_all(&self, columns: &[String]) -> String {
        listed_order_by(self, columns)
    }
    fn finish(&self, sql: &str) -> Result<String, Unsupported> {
        crate::sql_translate::query_pretty(crate::sql_translate::Target::Snowflake, sql)
    }
    fn finish_expr(&self, sql: &str) -> Result<String, Unsupported> {
        crate::sql_translate::expr(crate::sql_translate::Target::Snowflake, sql)
    }
    fn take_setup(&self) -> Vec<String> {
        std::mem::take(&mut *self.setup.lock().expect("setup lock"))
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

    #[test]
    fn spark_quotes_with_backticks_and_backslashes() {
        assert_eq!(spark_ident("a`b"), "`a``b`");
        assert_eq!(spark_string("it's a \\ b"), "'it\\'s a \\\\ b'");
    }

    #[test]
    fn snowflake_loads_csv_files_from_a_stage_into_text_columns() {
        let d = Snowflake::default();
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
        assert!(setup[2].contains("no rows loaded"), "{}", setup[2]);
        assert!(setup[0].starts_with("CREATE OR REPLACE TEMPORARY TABLE \"sluice_csv_"), "{}", setup[0]);
        assert!(setup[0].ends_with("(\"id\" VARCHAR, \"name\" VARCHAR)"), "{}", setup[0]);
        assert!(setup[1].contains("FROM 'C:\\\\data\\\\it''s.csv' FILE_FORMAT = (TYPE = CSV FIELD_DELIMITER = ';' SKIP_HEADER = 1"), "{}", setup[1]);
        assert!(d.take_setup().is_empty());
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
    }
}

