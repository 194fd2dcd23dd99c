//! Table-driven end-to-end tests of every catalog kind, as data.
//!
//! Each directory `tests/kinds/<case>/` at the workspace root is one case:
//!
//! - `pipeline.sluice.json`: a small spec; its node `under_test` is the node of the kind under test.
//!   Sources read small files in the case directory (paths relative to it).
//! - `setup.sql` (optional): DuckDB statements run first, with `$CASE` replaced by the case
//!   directory, e.g. `COPY (...) TO '$CASE/part1.parquet'` to make binary inputs at test time.
//! - `setup.postgres.sql` / `setup.mysql.sql` (optional): statements run on the test PostgreSQL or
//!   MariaDB server (`scripts/servers.sh`, its env sourced) with `$UNIQUE` replaced by a name of
//!   the case's own (a PostgreSQL schema, created first and dropped after; a MySQL table prefix).
//!   The pipeline reads them through connections `kinds_pg` and `kinds_mysql`, and gets the name
//!   as param `unique`. `setup.sqlite.sql`: statements run on a new SQLite file `$CASE/db.sqlite`.
//!   A sink to a database (`write_postgres`) is read back from it for `expected.csv`.
//! - `http/` (optional): JSON files served on a loopback HTTP server for the case (`read_http`),
//!   whose base URL the pipeline gets as param `http`: a request for `/orders?page=2` is answered
//!   with `http/orders@page=2.json` (`http/orders.json` without a query), 404 when there is none.
//! - `expected.sql`: snapshot of `plan.sql_for("under_test", &DuckDb)`, with the case directory
//!   written `$CASE`. `UPDATE_SNAPSHOTS=1` rewrites it (and never any expected rows).
//! - `expected.csv`: the expected rows, written by hand. For a node with an output, its preview;
//!   for a sink, what it wrote, read back through DuckDB. The header line must equal the output
//!   column names. Unquoted `NULL` is a null; `"NULL"` (quoted) is the string. Values are rendered
//!   as strings: numbers as serde_json prints them, booleans `true`/`false`, nested values as
//!   their JSON text. Floating-point values (written with a `.` or an exponent) are compared to
//!   12 significant digits.
//! - `expected_file.txt` (optional, CSV sinks): the exact text of the written file.
//! - `expected.<node>.csv` (optional): expected rows of another node of the pipeline (unordered).
//! - `case.json` (optional): `{"ordered": true}` when row order matters (default: rows are
//!   compared as sorted lists); `{"params": {"k": "v"}}` as `--param k=v` overrides;
//!   `{"expected_count": N}` or `{"expected_count": [lo, hi]}` for kinds whose rows cannot be
//!   written by hand (sample): then the harness checks the count, that every output row is an
//!   input row, and that a second run gives the same rows; `{"duplicates_together": true}`
//!   also checks that identical input rows are all kept or all dropped;
//!   `{"expect_error": "text"}` when running the node must fail with a message containing `text`
//!   (then no expected rows are read); `{"types": {"col": "DECIMAL(10,2)"}}`: the DuckDB types of
//!   the named output columns (what a database source maps each column to), since the rows alone
//!   cannot tell `12.5` as DOUBLE from `12.50` as DECIMAL.
//!
//! - `expected_check.json` (check kinds, instead of `expected.csv`): the fields the check result
//!   must have, e.g. `{"status": "fail", "unexpected_count": 2, "unexpected_percent": 40.0}`
//!   (numbers compared to 1e-9, also inside arrays and objects such as `details`, whose objects
//!   are compared on the keys given; `"samples": N` is the number of sample rows). The harness also
//!   checks that the node passes its input through unchanged (its `input` port when it has several).
//!
//! Every case runs on a temporary copy of its directory, so outputs never land in the repo.
//! All failures are collected and reported together. `KINDS_CASE=name` runs the cases whose
//! directory name contains `name`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sluice_core::catalog::{registry, Compiled, SinkTarget};
use sluice_core::dialect::{Dialect, DuckDb};
use sluice_engine::{load_plan, Engine, RunOptions, Settings};

const UNDER_TEST: &str = "under_test";
const PREVIEW_LIMIT: usize = 1_000_000;
const SPEC: &str = "pipeline.sluice.json";

/// One value as compared: `None` is null.
type Cell = Option<String>;
type Row = Vec<Cell>;

/// Columns and rows of a relation.
#[derive(Debug, Clone, PartialEq)]
struct Rows {
    columns: Vec<String>,
    rows: Vec<Row>,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

fn kinds_dir() -> PathBuf {
    workspace_root().join("tests/kinds")
}

/// Case directories, sorted by name.
fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(kinds_dir())
        .expect("tests/kinds exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(SPEC).is_file())
        .collect();
    dirs.sort();
    dirs
}

fn case_name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().to_string()
}

// ---------------------------------------------------------------------------------------------
// case.json

#[derive(Debug, Default)]
struct CaseOpts {
    ordered: bool,
    params: Vec<(String, String)>,
    expected_count: Option<(u64, u64)>,
    duplicates_together: bool,
    expect_error: Option<String>,
    /// Output column name and its expected DuckDB type.
    types: Vec<(String, String)>,
}

fn read_case_opts(dir: &Path) -> Result<CaseOpts, String> {
    let path = dir.join("case.json");
    if !path.is_file() {
        return Ok(CaseOpts::default());
    }
    let text = fs::read_to_string(&path).map_err(|e| format!("case.json: {e}"))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("case.json: {e}"))?;
    let obj = v.as_object().ok_or("case.json: not an object")?;
    let mut o = CaseOpts::default();
    for (k, val) in obj {
        match k.as_str() {
            "ordered" => o.ordered = val.as_bool().ok_or("case.json: 'ordered' must be a boolean")?,
            "duplicates_together" => {
                o.duplicates_together = val.as_bool().ok_or("case.json: 'duplicates_together' must be a boolean")?
            }
            "expect_error" => {
                o.expect_error = Some(val.as_str().ok_or("case.json: 'expect_error' must be a string")?.to_string())
            }
            "params" => {
                let m = val.as_object().ok_or("case.json: 'params' must be an object")?;
                for (pk, pv) in m {
                    let text = match pv {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    o.params.push((pk.clone(), text));
                }
            }
            "expected_count" => {
                o.expected_count = Some(match val {
                    Value::Number(n) => {
                        let n = n.as_u64().ok_or("case.json: 'expected_count' must be a count")?;
                        (n, n)
                    }
                    Value::Array(a) if a.len() == 2 && a.iter().all(Value::is_u64) => {
                        (a[0].as_u64().unwrap(), a[1].as_u64().unwrap())
                    }
                    _ => return Err("case.json: 'expected_count' must be N or [lo, hi]".into()),
                })
            }
            "types" => {
                let m = val.as_object().ok_or("case.json: 'types' must be an object")?;
                for (col, ty) in m {
                    let ty = ty.as_str().ok_or("case.json: each of 'types' must be a type name")?;
                    o.types.push((col.clone(), ty.to_string()));
                }
            }
            other => return Err(format!("case.json: unknown key '{other}'")),
        }
    }
    Ok(o)
}

// ---------------------------------------------------------------------------------------------
// A small RFC 4180 CSV reader: quoted fields with "" escapes, commas and newlines inside quotes.

#[derive(Debug, Clone, PartialEq)]
struct Field {
    text: String,
    quoted: bool,
}

fn parse_csv(text: &str) -> Result<Vec<Vec<Field>>, String> {
    let mut records = Vec::new();
    let mut record: Vec<Field> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut in_quotes = false;
    // Whether the current record has begun (any character seen since the last line end).
    let mut started = false;
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                c => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c)
                }
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !quoted => {
                quoted = true;
                in_quotes = true;
                started = true;
            }
            '"' => return Err(format!("line {line}: stray quote")),
            ',' => {
                record.push(Field { text: std::mem::take(&mut field), quoted });
                quoted = false;
                started = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(Field { text: std::mem::take(&mut field), quoted });
                records.push(std::mem::take(&mut record));
                quoted = false;
                started = false;
                line += 1;
            }
            c => {
                if quoted {
                    return Err(format!("line {line}: text after a closing quote"));
                }
                field.push(c);
                started = true;
            }
        }
    }
    if in_quotes {
        return Err("unterminated quoted field".into());
    }
    if started {
        record.push(Field { text: field, quoted });
        records.push(record);
    }
    Ok(records)
}

/// Parse an expected-rows file.
fn read_expected(path: &Path) -> Result<Rows, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let records = parse_csv(&text).map_err(|e| format!("{}: {e}", file_label(path)))?;
    let mut it = records.into_iter();
    let header = it.next().ok_or_else(|| format!("{}: no header line", file_label(path)))?;
    let columns: Vec<String> = header.into_iter().map(|f| f.text).collect();
    let mut rows = Vec::new();
    for (i, r) in it.enumerate() {
        if r.len() != columns.len() {
            return Err(format!(
                "{}: row {} has {} fields, the header {}",
                file_label(path),
                i + 1,
                r.len(),
                columns.len()
            ));
        }
        rows.push(r.into_iter().map(|f| if !f.quoted && f.text == "NULL" { None } else { Some(f.text) }).collect());
    }
    Ok(Rows { columns, rows })
}

fn file_label(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Rendering and comparing rows

fn render(v: &Value) -> Cell {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

fn from_table(t: &sluice_engine::Table) -> Rows {
    Rows {
        columns: t.columns.iter().map(|c| c.name.clone()).collect(),
        rows: t.rows.iter().map(|r| r.iter().map(render).collect()).collect(),
    }
}

fn show_cell(c: &Cell) -> String {
    match c {
        None => "NULL".into(),
        Some(s) if s == "NULL" || s.is_empty() || s.contains([',', '"', '\n', '\r']) => {
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        Some(s) => s.clone(),
    }
}

fn show_row(r: &Row) -> String {
    r.iter().map(show_cell).collect::<Vec<_>>().join(",")
}

fn show_rows(rows: &[Row]) -> String {
    rows.iter().map(|r| format!("\n      {}", show_row(r))).collect()
}

/// Differences between expected and actual rows, or None when equal.
/// Floating-point cells (with a `.` or an exponent) to 12 significant digits, so that a value
/// computed in another order (or by hand) compares equal to the last few bits.
fn canonical(rows: &Rows) -> Rows {
    let cell = |c: &Cell| match c {
        Some(t) if t.contains(['.', 'e', 'E']) => match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(format!("{v:.11e}")),
            _ => c.clone(),
        },
        _ => c.clone(),
    };
    Rows { columns: rows.columns.clone(), rows: rows.rows.iter().map(|r| r.iter().map(cell).collect()).collect() }
}

fn compare(what: &str, expected: &Rows, actual: &Rows, ordered: bool) -> Option<String> {
    let (expected, actual) = (&canonical(expected), &canonical(actual));
    if expected.columns != actual.columns {
        return Some(format!(
            "{what}: columns differ\n    expected: {:?}\n    actual:   {:?}",
            expected.columns, actual.columns
        ));
    }
    if ordered {
        if expected.rows == actual.rows {
            return None;
        }
        let first = expected.rows.iter().zip(&actual.rows).position(|(e, a)| e != a).unwrap_or(expected.rows.len().min(actual.rows.len()));
        return Some(format!(
            "{what}: rows differ (in order) from row {}\n    expected ({}):{}\n    actual ({}):{}",
            first + 1,
            expected.rows.len(),
            show_rows(&expected.rows),
            actual.rows.len(),
            show_rows(&actual.rows)
        ));
    }
    let mut e = expected.rows.clone();
    let mut a = actual.rows.clone();
    e.sort();
    a.sort();
    if e == a {
        return None;
    }
    let (missing, extra) = multiset_diff(&e, &a);
    Some(format!(
        "{what}: rows differ (unordered)\n    expected but missing:{}\n    unexpected:{}\n    all actual rows ({}):{}",
        show_rows(&missing),
        show_rows(&extra),
        a.len(),
        show_rows(&a)
    ))
}

fn counts(rows: &[Row]) -> BTreeMap<Row, usize> {
    let mut m = BTreeMap::new();
    for r in rows {
        *m.entry(r.clone()).or_insert(0) += 1;
    }
    m
}

/// Rows of `e` not in `a`, and rows of `a` not in `e`, as multisets.
fn multiset_diff(e: &[Row], a: &[Row]) -> (Vec<Row>, Vec<Row>) {
    let (ce, ca) = (counts(e), counts(a));
    let mut missing = Vec::new();
    let mut extra = Vec::new();
    let keys: BTreeSet<&Row> = ce.keys().chain(ca.keys()).collect();
    for k in keys {
        let (ne, na) = (ce.get(k).copied().unwrap_or(0), ca.get(k).copied().unwrap_or(0));
        for _ in na..ne {
            missing.push(k.clone());
        }
        for _ in ne..na {
            extra.push(k.clone());
        }
    }
    (missing, extra)
}

// ---------------------------------------------------------------------------------------------
// DuckDB helpers

/// Columns and rows of `SELECT * FROM rel`, rendered like the engine's previews.
fn fetch(conn: &duckdb::Connection, rel: &str) -> Result<Rows, String> {
    let err = |e: duckdb::Error| format!("reading back {rel}: {e}");
    let mut stmt = conn.prepare(&format!("DESCRIBE SELECT * FROM {rel}")).map_err(err)?;
    let columns: Vec<String> =
        stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?.collect::<Result<_, _>>().map_err(err)?;
    let items: Vec<String> = columns.iter().map(|c| DuckDb.ident(c)).collect();
    let sql = format!("SELECT CAST(json_array({}) AS VARCHAR) FROM {rel}", items.join(", "));
    let mut stmt = conn.prepare(&sql).map_err(err)?;
    let texts: Vec<String> =
        stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?.collect::<Result<_, _>>().map_err(err)?;
    let rows = texts
        .iter()
        .map(|t| {
            serde_json::from_str::<Vec<Value>>(t).map(|vs| vs.iter().map(render).collect()).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<Row>, _>>()?;
    Ok(Rows { columns, rows })
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Running one case

fn run_case(src: &Path, update: bool) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(e) = run_case_inner(src, update, &mut problems) {
        problems.push(e);
    }
    problems
}

fn run_case_inner(src: &Path, update: bool, problems: &mut Vec<String>) -> Result<(), String> {
    let opts = read_case_opts(src)?;
    let tmp = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let dir = tmp.path().join("case");
    copy_dir(src, &dir).map_err(|e| format!("copying the case: {e}"))?;
    let dir = dir.canonicalize().map_err(|e| e.to_string())?;
    let dir_text = dir.to_string_lossy().to_string();

    let setup = dir.join("setup.sql");
    if setup.is_file() {
        let sql = fs::read_to_string(&setup).map_err(|e| e.to_string())?.replace("$CASE", &dir_text);
        let conn = duckdb::Connection::open_in_memory().map_err(|e| e.to_string())?;
        conn.execute_batch(&sql).map_err(|e| format!("setup.sql: {e}"))?;
    }

    let servers = Servers::setup(&dir, &case_name(src))?;
    let mut params = opts.params.clone();
    if let Some(u) = &servers.unique {
        params.push(("unique".into(), u.clone()));
    }
    if let Some(h) = &servers.http {
        params.push(("http".into(), h.base.clone()));
    }

    let engine = Engine::new(&Settings::default()).map_err(|e| e.to_string())?;
    let loaded = load_plan(&engine, &dir.join(SPEC), &params).map_err(|e| format!("loading: {e}"))?;
    let plan = loaded.into_plan().map_err(|e| format!("planning: {e}"))?;
    let node = plan.node(UNDER_TEST).map_err(|e| e.to_string())?;

    // SQL snapshot.
    let sql = plan.sql_for(UNDER_TEST, &DuckDb).map_err(|e| format!("sql_for: {e}"))?.replace(&dir_text, "$CASE");
    let sql = format!("{}\n", sql.trim_end());
    let snap = src.join("expected.sql");
    if update {
        if fs::read_to_string(&snap).ok().as_deref() != Some(sql.as_str()) {
            fs::write(&snap, &sql).map_err(|e| e.to_string())?;
        }
    } else {
        match fs::read_to_string(&snap) {
            Ok(text) if text == sql => {}
            Ok(text) => problems.push(format!(
                "expected.sql differs (UPDATE_SNAPSHOTS=1 rewrites it)\n    expected:\n{}\n    actual:\n{}",
                indent(&text),
                indent(&sql)
            )),
            Err(_) => problems.push("expected.sql is missing (UPDATE_SNAPSHOTS=1 writes it)".into()),
        }
    }

    if let Some(want) = &opts.expect_error {
        let outcome = if node.kind.info().output {
            engine.preview(&plan, UNDER_TEST, PREVIEW_LIMIT).map(|_| ())
        } else {
            engine.run(&plan, &RunOptions { target: Some(UNDER_TEST.into()), ..Default::default() }, &mut |_| {}).map(|_| ())
        };
        match outcome {
            Ok(()) => problems.push(format!("expected an error containing {want:?}, but the node ran")),
            Err(e) if !e.to_string().contains(want.as_str()) => {
                problems.push(format!("expected an error containing {want:?}, got: {e}"))
            }
            Err(_) => {}
        }
        return Ok(());
    }

    let expected_check = dir.join("expected_check.json");
    if expected_check.is_file() {
        return check_result(&engine, &plan, &expected_check, problems);
    }

    let expected_csv = dir.join("expected.csv");
    let expected_file = dir.join("expected_file.txt");
    if !expected_csv.is_file() && !expected_file.is_file() && opts.expected_count.is_none() {
        return Err("no expected.csv, expected_file.txt or expected_count".into());
    }

    if node.kind.info().output {
        let table = engine.preview(&plan, UNDER_TEST, PREVIEW_LIMIT).map_err(|e| format!("preview: {e}"))?;
        for (col, want) in &opts.types {
            match table.columns.iter().find(|c| &c.name == col) {
                Some(c) if c.ty == *want => {}
                Some(c) => problems.push(format!("column '{col}' is {}, expected {want}", c.ty)),
                None => problems.push(format!("case.json 'types': no output column '{col}'")),
            }
        }
        let actual = from_table(&table);
        if expected_csv.is_file() {
            let expected = read_expected(&expected_csv)?;
            if let Some(d) = compare("under_test", &expected, &actual, opts.ordered) {
                problems.push(d);
            }
        }
        if let Some((lo, hi)) = opts.expected_count {
            check_sample(&engine, &plan, &actual, lo, hi, opts.duplicates_together, problems)?;
        }
        if expected_file.is_file() {
            problems.push("expected_file.txt is for sinks only".into());
        }
    } else {
        if !opts.types.is_empty() {
            problems.push("case.json 'types' is for nodes with an output".into());
        }
        let Compiled::Write(w) = plan.compile_node(UNDER_TEST, &DuckDb, &|id| DuckDb.ident(id)).map_err(|e| e.to_string())?
        else {
            return Err("a sink compiled to a query".into());
        };
        engine
            .run(&plan, &RunOptions { target: Some(UNDER_TEST.into()), ..Default::default() }, &mut |_| {})
            .map_err(|e| format!("run: {e}"))?;
        if expected_csv.is_file() {
            let conn = duckdb::Connection::open_in_memory().map_err(|e| e.to_string())?;
            let path = DuckDb.string(&w.path.to_string_lossy());
            let rel = match &w.target {
                SinkTarget::Parquet { .. } => format!("read_parquet({path})"),
                SinkTarget::Csv { delimiter, header } => {
                    format!("read_csv({path}, delim = {}, header = {header})", DuckDb.string(delimiter))
                }
                SinkTarget::DuckDbTable { table } => {
                    conn.execute_batch(&format!("ATTACH {path} AS readback (READ_ONLY)")).map_err(|e| e.to_string())?;
                    format!("readback.{}", DuckDb.ident(table))
                }
                SinkTarget::Database { schema, table, .. } => {
                    // Read back as CSV through psql, then typed by DuckDB's sniffer like any CSV.
                    // psql writes NULL as an empty field and the empty string as `""`: keep the two apart.
                    let csv = dir.join("readback.csv");
                    let qualified = match schema {
                        Some(s) => format!("\"{s}\".\"{table}\""),
                        None => format!("\"{table}\""),
                    };
                    let text = psql(&format!("\\copy (SELECT * FROM {qualified} ORDER BY 1) TO STDOUT (FORMAT csv, HEADER true)"))?;
                    fs::write(&csv, text).map_err(|e| e.to_string())?;
                    format!("read_csv({}, allow_quoted_nulls = false)", DuckDb.string(&csv.to_string_lossy()))
                }
            };
            let actual = fetch(&conn, &rel)?;
            let expected = read_expected(&expected_csv)?;
            if let Some(d) = compare("output read back", &expected, &actual, opts.ordered) {
                problems.push(d);
            }
        }
        if expected_file.is_file() {
            let expected = fs::read_to_string(&expected_file).map_err(|e| e.to_string())?;
            let actual = fs::read_to_string(&w.path).map_err(|e| format!("{}: {e}", w.path.display()))?;
            if expected != actual {
                problems.push(format!(
                    "written file differs from expected_file.txt\n    expected:\n{}\n    actual:\n{}",
                    indent(&expected),
                    indent(&actual)
                ));
            }
        }
    }

    // Expected rows of other nodes: expected.<node>.csv.
    for e in fs::read_dir(&dir).map_err(|e| e.to_string())? {
        let name = e.map_err(|e| e.to_string())?.file_name().to_string_lossy().to_string();
        let Some(id) = name.strip_prefix("expected.").and_then(|n| n.strip_suffix(".csv")) else { continue };
        let expected = read_expected(&dir.join(&name))?;
        match engine.preview(&plan, id, PREVIEW_LIMIT) {
            Ok(t) => {
                if let Some(d) = compare(&format!("node {id}"), &expected, &from_table(&t), false) {
                    problems.push(d);
                }
            }
            Err(e) => problems.push(format!("preview of {id}: {e}")),
        }
    }
    Ok(())
}

/// Run a check node, compare its result with `expected_check.json`, and check that its output
/// is its input.
fn check_result(engine: &Engine, plan: &sluice_core::Plan, expected: &Path, problems: &mut Vec<String>) -> Result<(), String> {
    let want: serde_json::Map<String, Value> =
        serde_json::from_str(&fs::read_to_string(expected).map_err(|e| e.to_string())?).map_err(|e| format!("expected_check.json: {e}"))?;
    let summary = engine
        .run(plan, &RunOptions { target: Some(UNDER_TEST.into()), ..Default::default() }, &mut |_| {})
        .map_err(|e| format!("run: {e}"))?;
    let result = summary.checks.iter().find(|c| c.node == UNDER_TEST).ok_or("the node reported no check result")?;
    let got = serde_json::to_value(result).map_err(|e| e.to_string())?;
    for (field, w) in &want {
        let g = if field == "samples" {
            Value::from(result.samples.as_ref().map_or(0, |s| s.rows.len()))
        } else {
            got.get(field).cloned().unwrap_or(Value::Null)
        };
        if !json_close(w, &g) {
            problems.push(format!("check result field '{field}': expected {w}, got {g} ({})", result.message));
        }
    }
    // The port that passes through: `input` when the check has several (relationships), else the only one.
    let inputs = &plan.node(UNDER_TEST).map_err(|e| e.to_string())?.inputs;
    let up = inputs.get("input").or_else(|| inputs.values().next()).cloned().ok_or("no input")?;
    let input = from_table(&engine.preview(plan, &up, PREVIEW_LIMIT).map_err(|e| format!("preview of {up}: {e}"))?);
    let output = from_table(&engine.preview(plan, UNDER_TEST, PREVIEW_LIMIT).map_err(|e| format!("preview: {e}"))?);
    if let Some(d) = compare("pass-through (output vs input)", &input, &output, true) {
        problems.push(d);
    }
    Ok(())
}

/// JSON equality with numbers compared to 1e-9, recursively (arrays element by element, objects
/// on the expected keys only).
fn json_close(w: &Value, g: &Value) -> bool {
    match (w, g) {
        (Value::Number(_), Value::Number(_)) => (w.as_f64().unwrap() - g.as_f64().unwrap()).abs() <= 1e-9,
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_close(x, y)),
        (Value::Object(a), Value::Object(b)) => a.iter().all(|(k, x)| json_close(x, b.get(k).unwrap_or(&Value::Null))),
        _ => w == g,
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("      | {l}")).collect::<Vec<_>>().join("\n")
}

/// For kinds whose rows are random but reproducible: the count, rows drawn from the input,
/// the same rows on a second run, and optionally identical rows kept or dropped together.
fn check_sample(
    engine: &Engine,
    plan: &sluice_core::Plan,
    actual: &Rows,
    lo: u64,
    hi: u64,
    duplicates_together: bool,
    problems: &mut Vec<String>,
) -> Result<(), String> {
    let n = actual.rows.len() as u64;
    if n < lo || n > hi {
        problems.push(format!("expected between {lo} and {hi} rows, got {n}"));
    }
    let node = plan.node(UNDER_TEST).map_err(|e| e.to_string())?;
    let up = node.inputs.get("input").ok_or("expected_count needs a node with an 'input' port")?;
    let input = from_table(&engine.preview(plan, up, PREVIEW_LIMIT).map_err(|e| format!("preview of {up}: {e}"))?);
    if input.columns != actual.columns {
        problems.push(format!("columns differ from the input's: {:?} vs {:?}", actual.columns, input.columns));
    }
    let (_, not_in_input) = multiset_diff(&input.rows, &actual.rows);
    if !not_in_input.is_empty() {
        problems.push(format!("rows that are not input rows:{}", show_rows(&not_in_input)));
    }
    let again = from_table(&engine.preview(plan, UNDER_TEST, PREVIEW_LIMIT).map_err(|e| format!("second preview: {e}"))?);
    if let Some(d) = compare("second run", actual, &again, false) {
        problems.push(d);
    }
    if duplicates_together {
        let (ci, co) = (counts(&input.rows), counts(&actual.rows));
        let split: Vec<Row> = co.iter().filter(|(r, k)| ci.get(*r) != Some(k)).map(|(r, _)| r.clone()).collect();
        if !split.is_empty() {
            problems.push(format!("identical input rows kept only in part:{}", show_rows(&split)));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Database servers for the cases of database kinds.

fn test_env(var: &str) -> Result<String, String> {
    std::env::var(var).map_err(|_| format!("{var} is not set: start the test servers (`scripts/servers.sh start DIR; source DIR/env`)"))
}

/// Run SQL on the test PostgreSQL server through psql; its stdout.
fn psql(sql: &str) -> Result<String, String> {
    let url = test_env("SLUICE_TEST_PG_URL")?;
    let out = std::process::Command::new(Path::new(&test_env("SLUICE_TEST_PG_BIN")?).join("psql"))
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &url, "-c", sql])
        .env("PGPASSWORD", test_env("SLUICE_TEST_PG_PASSWORD")?)
        // timestamptz values read back in UTC, whatever the server's zone.
        .env("PGTZ", "UTC")
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if !out.status.success() {
        return Err(format!("psql: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Run SQL on the test MariaDB server through its client.
fn mariadb(sql: &str) -> Result<(), String> {
    let url: url_parts::Parts = url_parts::parse(&test_env("SLUICE_TEST_MYSQL_URL")?)?;
    let mut child = std::process::Command::new("mariadb")
        .args(["-h", &url.host, "-P", &url.port, "-u", &url.user, &url.database])
        .env("MYSQL_PWD", test_env("SLUICE_TEST_MYSQL_PASSWORD")?)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("mariadb: {e}"))?;
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), sql.as_bytes()).map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("mariadb: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(())
}

/// The parts of `scheme://user@host:port/database`.
mod url_parts {
    pub struct Parts {
        pub user: String,
        pub host: String,
        pub port: String,
        pub database: String,
    }
    pub fn parse(url: &str) -> Result<Parts, String> {
        let rest = url.split_once("://").map(|(_, r)| r).ok_or_else(|| format!("not a URL: {url}"))?;
        let (user, rest) = rest.split_once('@').ok_or_else(|| format!("no user in {url}"))?;
        let (hostport, database) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
        Ok(Parts { user: user.into(), host: host.into(), port: port.into(), database: database.split('?').next().unwrap_or("").into() })
    }
}

/// What a case set up on the servers; dropped when the case ends.
struct Servers {
    unique: Option<String>,
    pg_schema: Option<String>,
    http: Option<FileServer>,
}

/// The files of a folder over HTTP on loopback, as `http/` of a case says.
struct FileServer {
    base: String,
    addr: std::net::SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FileServer {
    fn start(root: PathBuf) -> Result<Self, String> {
        use std::io::{BufRead, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let Ok(read_half) = conn.try_clone() else { continue };
                let mut reader = std::io::BufReader::new(read_half);
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).map_or(true, |n| n == 0) || header.trim().is_empty() {
                        break;
                    }
                }
                let target = line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_string();
                let name = match target.split_once('?') {
                    Some((path, query)) => format!("{path}@{query}.json"),
                    None => format!("{target}.json"),
                };
                let (status, body) = match fs::read(root.join(&name)) {
                    Ok(b) if !name.contains("..") => ("200 OK", b),
                    _ => ("404 Not Found", br#"{"error": "not found"}"#.to_vec()),
                };
                let head = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = conn.write_all(head.as_bytes()).and_then(|()| conn.write_all(&body));
            }
        });
        Ok(FileServer { base: format!("http://{addr}"), addr, stop })
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the accepting thread, which then sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

impl Servers {
    fn setup(dir: &Path, case: &str) -> Result<Self, String> {
        let unique = format!("k_{}_{}", case.replace(|c: char| !c.is_ascii_alphanumeric(), "_"), std::process::id());
        let dir_text = dir.to_string_lossy().to_string();
        let mut s = Servers { unique: None, pg_schema: None, http: None };
        let read = |name: &str| -> Option<Result<String, String>> {
            let p = dir.join(name);
            p.is_file().then(|| fs::read_to_string(&p).map(|t| t.replace("$UNIQUE", &unique).replace("$CASE", &dir_text)).map_err(|e| e.to_string()))
        };
        let uses = |conn: &str| fs::read_to_string(dir.join(SPEC)).is_ok_and(|t| t.contains(conn));
        if uses("kinds_pg") {
            connections();
            psql(&format!("DROP SCHEMA IF EXISTS {unique} CASCADE; CREATE SCHEMA {unique}"))?;
            s.pg_schema = Some(unique.clone());
            s.unique = Some(unique.clone());
        }
        if let Some(sql) = read("setup.postgres.sql") {
            psql(&sql?).map_err(|e| format!("setup.postgres.sql: {e}"))?;
        }
        if uses("kinds_mysql") {
            connections();
            s.unique = Some(unique.clone());
        }
        if let Some(sql) = read("setup.mysql.sql") {
            mariadb(&sql?).map_err(|e| format!("setup.mysql.sql: {e}"))?;
        }
        if dir.join("http").is_dir() {
            s.http = Some(FileServer::start(dir.join("http"))?);
        }
        if let Some(sql) = read("setup.sqlite.sql") {
            let out = std::process::Command::new("python3")
                .args(["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()"])
                .arg(dir.join("db.sqlite"))
                .arg(sql?)
                .output()
                .map_err(|e| format!("python3: {e}"))?;
            if !out.status.success() {
                return Err(format!("setup.sqlite.sql: {}", String::from_utf8_lossy(&out.stderr)));
            }
        }
        Ok(s)
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        if let Some(schema) = &self.pg_schema {
            let _ = psql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

/// The test servers as connections `kinds_pg` and `kinds_mysql` (set once, before any engine
/// reads the connections), and no user connections file.
fn connections() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let vars = [
            ("SLUICE_CONN_KINDS_PG_URL", "SLUICE_TEST_PG_URL"),
            ("SLUICE_CONN_KINDS_PG_PASSWORD", "SLUICE_TEST_PG_PASSWORD"),
            ("SLUICE_CONN_KINDS_MYSQL_URL", "SLUICE_TEST_MYSQL_URL"),
            ("SLUICE_CONN_KINDS_MYSQL_PASSWORD", "SLUICE_TEST_MYSQL_PASSWORD"),
        ];
        for (to, from) in vars {
            if let Ok(v) = std::env::var(from) {
                std::env::set_var(to, v);
            }
        }
        std::env::set_var("SLUICE_CONNECTIONS", std::env::temp_dir().join("sluice-kinds-no-connections.json"));
    });
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn kinds_cases() {
    let update = std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1");
    let only = std::env::var("KINDS_CASE").ok().filter(|s| !s.is_empty());
    let dirs = case_dirs();
    assert!(!dirs.is_empty(), "no case under {}", kinds_dir().display());
    let mut failures = Vec::new();
    let mut ran = 0;
    for dir in &dirs {
        let name = case_name(dir);
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        ran += 1;
        for p in run_case(dir, update) {
            failures.push(format!("[{name}] {p}"));
        }
    }
    if !failures.is_empty() {
        panic!("{} problem(s) in {ran} case(s):\n\n{}\n", failures.len(), failures.join("\n\n"));
    }
}

/// The kind of the `under_test` node of a case.
fn kind_under_test(dir: &Path) -> Result<String, String> {
    let text = fs::read_to_string(dir.join(SPEC)).map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    v["nodes"]
        .as_array()
        .and_then(|ns| ns.iter().find(|n| n["id"] == UNDER_TEST))
        .and_then(|n| n["kind"].as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("no node '{UNDER_TEST}'"))
}

#[test]
fn every_kind_has_a_case() {
    let mut covered = BTreeSet::new();
    let mut bad = Vec::new();
    for dir in case_dirs() {
        match kind_under_test(&dir) {
            Ok(k) => {
                covered.insert(k);
            }
            Err(e) => bad.push(format!("{}: {e}", case_name(&dir))),
        }
    }
    assert!(bad.is_empty(), "cases without a readable '{UNDER_TEST}' node:\n  {}", bad.join("\n  "));
    let uncovered: Vec<&str> =
        registry().iter().map(|k| k.info().id).filter(|id| !covered.contains(*id)).collect();
    assert!(uncovered.is_empty(), "kinds with no case under tests/kinds: {}", uncovered.join(", "));
}

#[test]
fn csv_reader() {
    let r = parse_csv("a,\"b \"\"x\"\", y\"\n1,NULL\n\"NULL\",\"\"\r\n\"multi\nline\",z").unwrap();
    assert_eq!(r.len(), 4);
    assert_eq!(r[0][1].text, "b \"x\", y");
    assert!(!r[1][1].quoted && r[1][1].text == "NULL");
    assert!(r[2][0].quoted && r[2][0].text == "NULL");
    assert_eq!(r[2][1], Field { text: String::new(), quoted: true });
    assert_eq!(r[3][0].text, "multi\nline");
    assert!(parse_csv("a\"b\n").is_err());
    assert!(parse_csv("\"a").is_err());
}
