//! Spreadsheet files (xlsx, xlsm, xlsb, xls, ods) read through calamine: the cells of one sheet
//! as a relation, for `read_excel`.
//!
//! The cells read are the node's range, else every used cell of the sheet; the header row (the
//! range's first row, else the sheet's first row holding a value, or the row the node names)
//! names the columns, as pandas names them (see [`sluice_core::sheet::dedupe_names`]). Without a
//! range, columns with neither a name nor a value (a note beside the table, a title above it)
//! are left out. Rows whose cells are all empty are skipped, as pandas skips them.
//!
//! Each column is typed from all of its cells: whole numbers only → BIGINT (xlsx stores every
//! number as a double; pandas reads a whole one as an integer too), numbers → DOUBLE,
//! true/false → BOOLEAN, dates → DATE, or TIMESTAMP when one has a time of day, times of day
//! (no date) → TIME, durations → INTERVAL, anything else or a mix → VARCHAR, with every value
//! written as pandas' `str()` writes it (`3`, `2.5`, `1e-05`, `True`, `2024-01-31 00:00:00`), so
//! a mixed column reads as pandas' object column does. A column with no value at all is VARCHAR.
//! Empty cells (and empty strings) are NULL. A cell holding an error (`#DIV/0!`) fails the read
//! naming the sheet and the cell, or is NULL when the node says `cell_errors: null`.
//!
//! Every call opens the file again: calamine reads a sheet whole (there is no streaming), and a
//! run must see the file as it is now, not as the check before it saw it.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Range, Reader, Sheets};
use sluice_core::remote::Relation;
use sluice_core::sheet::{cell_name, column_letters, dedupe_names, CellErrors, Header, SheetRead, SheetRef};

use crate::batch::{days_from_civil, parse_decimal, BatchBuilder, ColumnType, RemoteColumn, Value, BATCH_ROWS};
use crate::database::{Above, BatchSink, Database, TableInfo};
use crate::ConnectError;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

pub struct Spreadsheet {
    path: PathBuf,
    /// The file, as messages name it.
    name: String,
}

/// A cell, as its column is typed from it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell<'a> {
    Empty,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(&'a str),
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since 1970-01-01 00:00:00.
    DateTime(i64),
    /// Microseconds since midnight.
    Time(i64),
    /// A length of time, in microseconds.
    Duration(i64),
    /// An error value, as the spreadsheet shows it (`#DIV/0!`).
    Error(&'static str),
}

/// The error values, as spreadsheets show them. A cell holding exactly one of them as text is
/// an error too: OpenDocument files keep errors as text, and typing one into Excel makes it one.
const ERRORS: &[&str] = &["#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#DATA!"];

/// The cells of a sheet a node reads.
struct Grid {
    sheet: String,
    cells: Range<Data>,
    /// Each column's name and the sheet column (0-based) it is read from.
    columns: Vec<(String, u32)>,
    /// The sheet rows (0-based) holding the rows read.
    rows: Vec<u32>,
}

impl Grid {
    fn cell(&self, row: u32, col: u32) -> &Data {
        self.cells.get_value((row, col)).unwrap_or(&Data::Empty)
    }

    /// `sheet 'Orders', cell C7 (column 'amount')`
    fn at(&self, row: u32, col: u32, column: &str) -> String {
        format!("sheet '{}', cell {} (column '{column}')", self.sheet, cell_name(row, col))
    }
}

impl Spreadsheet {
    pub fn open(path: &Path) -> Result<Self, ConnectError> {
        let name = path.display().to_string();
        let fail = |message: &str| ConnectError::Workbook { path: name.clone(), message: message.to_string() };
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(fail("no such file")),
            Err(e) => return Err(fail(&e.to_string())),
            Ok(m) if m.is_dir() => return Err(fail("a folder, not a spreadsheet file")),
            Ok(_) => {}
        }
        let s = Spreadsheet { path: path.to_path_buf(), name };
        // Opening reads the workbook's list of sheets: a file that is no spreadsheet fails here.
        s.workbook()?;
        Ok(s)
    }

    fn workbook(&self) -> Result<Sheets<BufReader<File>>, ConnectError> {
        open_workbook_auto(&self.path).map_err(|e| ConnectError::Workbook { path: self.name.clone(), message: format!("not a spreadsheet that can be read ({e})") })
    }

    fn cell_error(&self, message: String) -> ConnectError {
        ConnectError::Cell { path: self.name.clone(), message }
    }

    /// The sheet `read` names and its cells.
    fn sheet(&self, read: &SheetRead) -> Result<(String, Range<Data>), ConnectError> {
        let mut wb = self.workbook()?;
        let names = wb.sheet_names();
        let listed = || names.iter().enumerate().map(|(i, n)| format!("{i} '{n}'")).collect::<Vec<_>>().join(", ");
        let missing = |what: String| ConnectError::NoSheet { path: self.name.clone(), message: format!("{what}; its sheets are {}", listed()) };
        let sheet = match &read.sheet {
            None => names.first().cloned().ok_or_else(|| ConnectError::Workbook { path: self.name.clone(), message: "the workbook has no sheets".into() })?,
            Some(SheetRef::Index(i)) => names.get(*i as usize).cloned().ok_or_else(|| missing(format!("no sheet {i} (sheets are numbered from 0)")))?,
            Some(SheetRef::Name(n)) => match names.iter().find(|s| *s == n) {
                Some(s) => s.clone(),
                None => return Err(missing(format!("no sheet '{n}'"))),
            },
        };
        let cells = wb
            .worksheet_range(&sheet)
            .map_err(|e| ConnectError::Workbook { path: self.name.clone(), message: format!("reading sheet '{sheet}': {e}") })?;
        Ok((sheet, cells))
    }

    /// The columns and rows `read` names.
    fn grid(&self, read: &SheetRead) -> Result<Grid, ConnectError> {
        let (sheet, cells) = self.sheet(read)?;
        let (Some(start), Some(end)) = (cells.start(), cells.end()) else {
            return Err(self.cell_error(format!("sheet '{sheet}' holds no value")));
        };
        let range = read.range;
        let (first_row, first_col) = range.map(|r| (r.first_row, r.first_col)).unwrap_or(start);
        let last_row = range.and_then(|r| r.last_row).unwrap_or(end.0);
        let last_col = range.and_then(|r| r.last_col).unwrap_or(end.1);
        let header = match read.header {
            Header::None => None,
            Header::Row(h) => Some(h),
            Header::First => Some(first_row),
        };
        let mut grid = Grid { sheet, cells, columns: Vec::new(), rows: Vec::new() };
        let mut scratch = String::new();
        let first_data = header.map_or(first_row, |h| h + 1);
        // Rows past the last used one are empty: no need to look at them.
        grid.rows = (first_data..=last_row.min(end.0))
            .filter(|r| (first_col..=last_col).any(|c| !matches!(classify(grid.cell(*r, c)), Cell::Empty)))
            .collect();
        let mut names = Vec::new();
        for col in first_col..=last_col {
            let name = match header {
                Some(h) => match classify(grid.cell(h, col)) {
                    Cell::Empty => String::new(),
                    c => render(c, &mut scratch).to_string(),
                },
                None => column_letters(col),
            };
            let empty = name.is_empty() && grid.rows.iter().all(|r| matches!(classify(grid.cell(*r, col)), Cell::Empty));
            // A range names its columns; without one, a column with no name and no value is
            // no column of the table (a note beside it, a title above it).
            if range.is_none() && empty {
                continue;
            }
            names.push(name);
            grid.columns.push((String::new(), col));
        }
        if let Some(h) = header {
            if names.iter().all(String::is_empty) {
                return Err(self.cell_error(format!(
                    "row {} of sheet '{}' holds no column names: `header_row` names the row that does (0 for none)",
                    h + 1,
                    grid.sheet
                )));
            }
        }
        for ((name, _), n) in grid.columns.iter_mut().zip(dedupe_names(names)) {
            *name = n;
        }
        Ok(grid)
    }

    /// The type each column of `grid` is read as, and what its cells hold.
    fn types(&self, grid: &Grid, read: &SheetRead) -> Result<Vec<RemoteColumn>, ConnectError> {
        for (name, _) in &read.types {
            if !grid.columns.iter().any(|(n, _)| n == name) {
                let known: Vec<&str> = grid.columns.iter().map(|(n, _)| n.as_str()).collect();
                return Err(self.cell_error(format!("`types` names column '{name}', which sheet '{}' does not have (its columns: {})", grid.sheet, known.join(", "))));
            }
        }
        let mut out = Vec::with_capacity(grid.columns.len());
        for (name, col) in &grid.columns {
            let mut seen = Seen::default();
            for &row in &grid.rows {
                match classify(grid.cell(row, *col)) {
                    Cell::Error(e) if read.cell_errors == CellErrors::Fail => return Err(self.error_cell(grid, row, *col, name, e)),
                    c => seen.add(c),
                }
            }
            let inferred = seen.column_type();
            let ty = match read.types.iter().find(|(n, _)| n == name) {
                Some((_, t)) => column_type(t).ok_or_else(|| self.cell_error(format!("column '{name}' cannot be read as {t}")))?,
                None => inferred,
            };
            out.push(RemoteColumn { name: name.clone(), ty, source_type: seen.describe() });
        }
        Ok(out)
    }

    fn error_cell(&self, grid: &Grid, row: u32, col: u32, name: &str, e: &str) -> ConnectError {
        self.cell_error(format!("{} holds the error {e}: correct it in the sheet, or read error cells as NULL with `cell_errors: \"null\"`", grid.at(row, col, name)))
    }

    fn relation<'a>(&self, rel: &'a Relation) -> Result<&'a SheetRead, ConnectError> {
        match rel {
            Relation::Sheet(s) => Ok(s.as_ref()),
            other => Err(ConnectError::Invalid { name: self.name.clone(), message: format!("a spreadsheet holds sheets, not {}", other.describe()) }),
        }
    }
}

/// The kinds of cells a column holds.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    int: bool,
    float: bool,
    bool: bool,
    text: bool,
    date: bool,
    datetime: bool,
    time: bool,
    duration: bool,
}

impl Seen {
    fn add(&mut self, c: Cell<'_>) {
        match c {
            Cell::Empty | Cell::Error(_) => {}
            Cell::Int(_) => self.int = true,
            Cell::Float(_) => self.float = true,
            Cell::Bool(_) => self.bool = true,
            Cell::Text(_) => self.text = true,
            Cell::Date(_) => self.date = true,
            Cell::DateTime(_) => self.datetime = true,
            Cell::Time(_) => self.time = true,
            Cell::Duration(_) => self.duration = true,
        }
    }

    fn flags(&self) -> [(bool, &'static str); 8] {
        [
            (self.int, "whole numbers"),
            (self.float, "numbers"),
            (self.bool, "booleans"),
            (self.text, "text"),
            (self.date, "dates"),
            (self.datetime, "date-times"),
            (self.time, "times"),
            (self.duration, "durations"),
        ]
    }

    fn column_type(&self) -> ColumnType {
        let only = |allowed: &[bool]| self.flags().iter().filter(|(f, _)| *f).count() == allowed.iter().filter(|f| **f).count();
        let numbers = self.int || self.float;
        let dates = self.date || self.datetime;
        let spans = self.time || self.duration;
        if self.int && only(&[self.int]) {
            ColumnType::Int64
        } else if numbers && only(&[self.int, self.float]) {
            ColumnType::Float64
        } else if self.bool && only(&[self.bool]) {
            ColumnType::Bool
        } else if self.date && only(&[self.date]) {
            ColumnType::Date
        } else if dates && only(&[self.date, self.datetime]) {
            ColumnType::Timestamp
        } else if self.time && only(&[self.time]) {
            ColumnType::Time
        } else if spans && only(&[self.time, self.duration]) {
            ColumnType::Interval
        } else {
            ColumnType::Text
        }
    }

    /// `whole numbers, text`: what the cells held, as a column's source type.
    fn describe(&self) -> String {
        let kinds: Vec<&str> = self.flags().iter().filter(|(f, _)| *f).map(|(_, k)| *k).collect();
        if kinds.is_empty() {
            "empty".into()
        } else {
            kinds.join(", ")
        }
    }
}

/// The DuckDB type a `types` override names (spelt as sluice_core::sheet::override_type spells it).
fn column_type(t: &str) -> Option<ColumnType> {
    Some(match t {
        "BOOLEAN" => ColumnType::Bool,
        "SMALLINT" => ColumnType::Int16,
        "INTEGER" => ColumnType::Int32,
        "BIGINT" => ColumnType::Int64,
        "FLOAT" => ColumnType::Float32,
        "DOUBLE" => ColumnType::Float64,
        "VARCHAR" => ColumnType::Text,
        "DATE" => ColumnType::Date,
        "TIMESTAMP" => ColumnType::Timestamp,
        "TIME" => ColumnType::Time,
        "INTERVAL" => ColumnType::Interval,
        _ => {
            let (p, s) = t.strip_prefix("DECIMAL(")?.strip_suffix(')')?.split_once(',')?;
            let (precision, scale): (u8, u8) = (p.trim().parse().ok()?, s.trim().parse().ok()?);
            if !(1..=38).contains(&precision) || scale > precision {
                return None;
            }
            ColumnType::Decimal { precision, scale: scale as i8 }
        }
    })
}

/// The largest double below 2^63: a whole number at or above it has no BIGINT.
const I64_BOUND: f64 = 9_223_372_036_854_775_808.0;

/// What a cell holds (see the module's documentation).
fn classify(d: &Data) -> Cell<'_> {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.is_empty() => Cell::Empty,
        Data::String(s) if ERRORS.contains(&s.as_str()) => Cell::Error(ERRORS.iter().copied().find(|e| *e == s.as_str()).expect("found above")),
        Data::String(s) => Cell::Text(s),
        Data::Int(i) => Cell::Int(*i),
        // A whole number is an integer, as pandas reads it (xlsx keeps every number as a double).
        Data::Float(f) if f.fract() == 0.0 && f.abs() < I64_BOUND => Cell::Int(*f as i64),
        Data::Float(f) => Cell::Float(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::Error(e) => Cell::Error(match e {
            calamine::CellErrorType::Div0 => "#DIV/0!",
            calamine::CellErrorType::NA => "#N/A",
            calamine::CellErrorType::Name => "#NAME?",
            calamine::CellErrorType::Null => "#NULL!",
            calamine::CellErrorType::Num => "#NUM!",
            calamine::CellErrorType::Ref => "#REF!",
            calamine::CellErrorType::Value => "#VALUE!",
            calamine::CellErrorType::GettingData => "#DATA!",
        }),
        Data::DateTime(dt) if dt.is_duration() => Cell::Duration((dt.as_f64() * MICROS_PER_DAY as f64).round() as i64),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            let micros = ((i64::from(h) * 60 + i64::from(mi)) * 60 + i64::from(s)) * MICROS_PER_SECOND + i64::from(ms) * 1000;
            // A serial below 1 in the 1900 system has no date: Excel shows it as a time of day.
            if (0.0..1.0).contains(&dt.as_f64()) && y <= 1900 {
                return Cell::Time(micros);
            }
            let days = days_from_civil(i64::from(y), u32::from(mo), u32::from(d));
            if micros == 0 {
                Cell::Date(days as i32)
            } else {
                Cell::DateTime(days * MICROS_PER_DAY + micros)
            }
        }
        // OpenDocument writes dates and date-times as ISO text, and times of day as durations.
        Data::DateTimeIso(s) => match parse_datetime(s) {
            Some((days, None)) => Cell::Date(days),
            Some((days, Some(micros))) => Cell::DateTime(i64::from(days) * MICROS_PER_DAY + micros),
            None => parse_clock(s).map_or(Cell::Text(s), Cell::Time),
        },
        Data::DurationIso(s) => match parse_duration(s) {
            Some(m) if (0..MICROS_PER_DAY).contains(&m) => Cell::Time(m),
            Some(m) => Cell::Duration(m),
            None => Cell::Text(s),
        },
    }
}

/// `HH:MM[:SS[.fraction]]`: microseconds since midnight.
fn parse_clock(s: &str) -> Option<i64> {
    let mut parts = s.trim().split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec = match parts.next() {
        Some(x) => parse_seconds(x)?,
        None => 0,
    };
    if parts.next().is_some() || !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..60 * MICROS_PER_SECOND).contains(&sec) {
        return None;
    }
    Some((h * 60 + m) * 60 * MICROS_PER_SECOND + sec)
}

/// `SS[.fraction]` in microseconds (digits past the microsecond are dropped).
fn parse_seconds(s: &str) -> Option<i64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micros: i64 = format!("{:0<6}", &frac[..frac.len().min(6)]).parse().ok()?;
    Some(whole.parse::<i64>().ok()? * MICROS_PER_SECOND + micros)
}

/// `YYYY-MM-DD`, optionally with `T` or a space and a time of day: days since 1970-01-01, and
/// the time in microseconds when there is one (a time of 00:00:00 is still a date-time).
fn parse_datetime(s: &str) -> Option<(i32, Option<i64>)> {
    let s = s.trim();
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut p = date.split('-');
    let (y, m, d) = (p.next()?, p.next()?, p.next()?);
    if p.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[m as usize - 1] {
        return None;
    }
    let days = i32::try_from(days_from_civil(y, m, d)).ok()?;
    match time {
        None => Some((days, None)),
        Some(t) => Some((days, Some(parse_clock(t.trim_end_matches('Z'))?))),
    }
}

/// An ISO 8601 duration as OpenDocument writes it (`PT12H30M00S`, `-P1DT2H`): microseconds.
fn parse_duration(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let t = t.strip_prefix('P')?;
    let (days_part, time_part) = t.split_once('T').unwrap_or((t, ""));
    let mut total: i64 = 0;
    if !days_part.is_empty() {
        total += days_part.strip_suffix('D')?.parse::<i64>().ok()?.checked_mul(MICROS_PER_DAY)?;
    }
    let mut rest = time_part;
    for (unit, micros) in [('H', 3600 * MICROS_PER_SECOND), ('M', 60 * MICROS_PER_SECOND)] {
        if let Some(i) = rest.find(unit) {
            total += rest[..i].parse::<i64>().ok()?.checked_mul(micros)?;
            rest = &rest[i + 1..];
        }
    }
    if let Some(secs) = rest.strip_suffix('S') {
        total += parse_seconds(secs)?;
    } else if !rest.is_empty() {
        return None;
    }
    Some(if neg { -total } else { total })
}

/// A double as Python's `repr` writes it: the shortest digits that read back the same, fixed
/// from 1e-4 up to 1e16, else with an exponent of at least two digits (`1e-05`, `1.5e+16`).
fn python_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // `{:e}` gives the shortest round-trip digits: `1.5e-5`.
    let e = format!("{x:e}");
    let (mantissa, exp) = e.split_once('e').expect("LowerExp writes an exponent");
    let exp: i32 = exp.parse().expect("a decimal exponent");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let n = digits.len() as i32;
    let body = if (-4..16).contains(&exp) {
        if exp < 0 {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        } else if n <= exp + 1 {
            format!("{digits}{}.0", "0".repeat((exp + 1 - n) as usize))
        } else {
            format!("{}.{}", &digits[..=exp as usize], &digits[exp as usize + 1..])
        }
    } else {
        let frac = if n > 1 { format!(".{}", &digits[1..]) } else { String::new() };
        format!("{}{frac}e{}{:02}", &digits[..1], if exp < 0 { '-' } else { '+' }, exp.abs())
    };
    format!("{sign}{body}")
}

/// `H:MM:SS[.ffffff]`, as Python writes a time (hours padded to two digits) or a duration.
fn clock_text(micros: i64, pad_hours: bool) -> String {
    let (secs, frac) = (micros / MICROS_PER_SECOND, micros % MICROS_PER_SECOND);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let hours = if pad_hours { format!("{h:02}") } else { h.to_string() };
    let frac = if frac == 0 { String::new() } else { format!(".{frac:06}") };
    format!("{hours}:{m:02}:{s:02}{frac}")
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
fn date_text(days: i64) -> String {
    let (y, m, d) = sluice_core::civil::civil_date(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A cell as text, as pandas' `str()` writes the value it reads (see the module's documentation).
fn render<'a>(c: Cell<'a>, scratch: &'a mut String) -> &'a str {
    *scratch = match c {
        Cell::Empty => String::new(),
        Cell::Text(t) => return t,
        Cell::Int(i) => i.to_string(),
        // A whole double beyond BIGINT: all its digits, as Python's int() keeps them.
        Cell::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
        Cell::Float(f) => python_float(f),
        Cell::Bool(b) => if b { "True" } else { "False" }.to_string(),
        Cell::Date(d) => format!("{} 00:00:00", date_text(i64::from(d))),
        Cell::DateTime(m) => format!("{} {}", date_text(m.div_euclid(MICROS_PER_DAY)), clock_text(m.rem_euclid(MICROS_PER_DAY), true)),
        Cell::Time(m) => clock_text(m, true),
        Cell::Duration(m) => {
            let days = m.div_euclid(MICROS_PER_DAY);
            let clock = clock_text(m.rem_euclid(MICROS_PER_DAY), false);
            match days {
                0 => clock,
                1 | -1 => format!("{days} day, {clock}"),
                _ => format!("{days} days, {clock}"),
            }
        }
        Cell::Error(e) => e.to_string(),
    };
    scratch
}

/// A cell as a value of column type `ty`; the error says why it cannot be one.
fn decode<'a>(c: Cell<'a>, ty: ColumnType, scratch: &'a mut String) -> Result<Value<'a>, String> {
    let not = |what: &str| -> Result<Value<'a>, String> {
        let mut s = String::new();
        let shown = render(c, &mut s).to_string();
        Err(format!("{what} '{shown}' is not a {}", ty.duckdb()))
    };
    Ok(match (ty, c) {
        (_, Cell::Empty | Cell::Error(_)) => Value::Null,
        (ColumnType::Text, c) => Value::Text(render(c, scratch)),
        (ColumnType::Int16 | ColumnType::Int32 | ColumnType::Int64, Cell::Int(i)) => Value::Int(i),
        (ColumnType::Int16 | ColumnType::Int32 | ColumnType::Int64, Cell::Bool(b)) => Value::Int(i64::from(b)),
        (ColumnType::Int16 | ColumnType::Int32 | ColumnType::Int64, Cell::Text(t)) => match t.trim().parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => return not("the text"),
        },
        (ColumnType::Float32 | ColumnType::Float64, Cell::Int(i)) => Value::Int(i),
        (ColumnType::Float32 | ColumnType::Float64, Cell::Float(f)) => Value::Float(f),
        (ColumnType::Float32 | ColumnType::Float64, Cell::Text(t)) => match t.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Value::Float(f),
            _ => return not("the text"),
        },
        (ColumnType::Decimal { precision, scale }, Cell::Int(_) | Cell::Float(_) | Cell::Text(_)) => {
            let text = match c {
                // Rounded to the column's scale, as a cast rounds.
                Cell::Float(f) => format!("{f:.prec$}", prec = scale.max(0) as usize),
                Cell::Int(i) => i.to_string(),
                Cell::Text(t) => t.trim().to_string(),
                _ => unreachable!("matched above"),
            };
            match parse_decimal(&text, scale) {
                Some(d) if d.unsigned_abs() < 10u128.pow(u32::from(precision)) => Value::Decimal(d),
                _ => return not("the value"),
            }
        }
        (ColumnType::Bool, Cell::Bool(b)) => Value::Bool(b),
        (ColumnType::Bool, Cell::Int(i @ (0 | 1))) => Value::Bool(i == 1),
        (ColumnType::Bool, Cell::Text(t)) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Value::Bool(true),
            "false" | "0" | "no" => Value::Bool(false),
            _ => return not("the text"),
        },
        (ColumnType::Date, Cell::Date(d)) => Value::Date(d),
        // The date of a date-time, as a cast takes it.
        (ColumnType::Date, Cell::DateTime(m)) => Value::Date(m.div_euclid(MICROS_PER_DAY) as i32),
        (ColumnType::Date, Cell::Text(t)) => match parse_datetime(t) {
            Some((d, _)) => Value::Date(d),
            None => return not("the text"),
        },
        (ColumnType::Timestamp, Cell::Date(d)) => Value::Date(d),
        (ColumnType::Timestamp, Cell::DateTime(m)) => Value::Micros(m),
        (ColumnType::Timestamp, Cell::Text(t)) => match parse_datetime(t) {
            Some((d, time)) => Value::Micros(i64::from(d) * MICROS_PER_DAY + time.unwrap_or(0)),
            None => return not("the text"),
        },
        // A number in a date column is a serial day number of the 1900 date system (a date
        // whose cell lost its date format).
        (ColumnType::Date | ColumnType::Timestamp, Cell::Int(_) | Cell::Float(_)) => {
            let serial = match c {
                Cell::Int(i) => i as f64,
                Cell::Float(f) => f,
                _ => unreachable!("matched above"),
            };
            if !(1.0..2_958_466.0).contains(&serial) {
                return not("the number");
            }
            let dt = calamine::ExcelDateTime::new(serial, calamine::ExcelDateTimeType::DateTime, false);
            match (classify(&Data::DateTime(dt)), ty) {
                (Cell::Date(d), _) => Value::Date(d),
                (Cell::DateTime(m), ColumnType::Date) => Value::Date(m.div_euclid(MICROS_PER_DAY) as i32),
                (Cell::DateTime(m), _) => Value::Micros(m),
                _ => return not("the number"),
            }
        }
        (ColumnType::Time, Cell::Time(m)) => Value::TimeMicros(m),
        (ColumnType::Time, Cell::DateTime(m)) => Value::TimeMicros(m.rem_euclid(MICROS_PER_DAY)),
        (ColumnType::Time, Cell::Duration(m)) if (0..=MICROS_PER_DAY).contains(&m) => Value::TimeMicros(m),
        (ColumnType::Time, Cell::Text(t)) => match parse_clock(t) {
            Some(m) => Value::TimeMicros(m),
            None => return not("the text"),
        },
        (ColumnType::Interval, Cell::Duration(m) | Cell::Time(m)) => Value::DurationMicros(m),
        (ColumnType::Interval, Cell::Text(t)) => match parse_duration(t).or_else(|| parse_clock(t)) {
            Some(m) => Value::DurationMicros(m),
            None => return not("the text"),
        },
        (_, Cell::Int(_) | Cell::Float(_)) => return not("the number"),
        (_, Cell::Bool(_)) => return not("the boolean"),
        (_, Cell::Text(_)) => return not("the text"),
        (_, Cell::Date(_) | Cell::DateTime(_)) => return not("the date"),
        (_, Cell::Time(_)) => return not("the time"),
        (_, Cell::Duration(_)) => return not("the duration"),
    })
}

impl Database for Spreadsheet {
    fn version(&mut self) -> Result<String, ConnectError> {
        Ok(match self.workbook()? {
            Sheets::Xls(_) => "Excel 97-2003 workbook (xls)",
            Sheets::Xlsx(_) => "Excel workbook (xlsx)",
            Sheets::Xlsb(_) => "Excel binary workbook (xlsb)",
            Sheets::Ods(_) => "OpenDocument spreadsheet (ods)",
        }
        .to_string())
    }

    fn columns(&mut self, rel: &Relation) -> Result<Vec<RemoteColumn>, ConnectError> {
        let read = self.relation(rel)?;
        let grid = self.grid(read)?;
        let columns = self.types(&grid, read)?;
        // Every cell is tried as its column's type now, so that `validate` finds what a run
        // would stop at (a cell an override cannot read).
        let mut scratch = String::new();
        for (i, (name, col)) in grid.columns.iter().enumerate() {
            for &row in &grid.rows {
                decode(classify(grid.cell(row, *col)), columns[i].ty, &mut scratch).map_err(|m| self.cell_error(format!("{}: {m}", grid.at(row, *col, name))))?;
            }
        }
        Ok(columns)
    }

    fn fetch(&mut self, rel: &Relation, columns: &[RemoteColumn], above: Option<&Above>, out: &mut BatchSink<'_>) -> Result<u64, ConnectError> {
        let read = self.relation(rel)?;
        if let Some(a) = above {
            return Err(ConnectError::Read { name: self.name.clone(), message: format!("a spreadsheet is read whole: it has no incremental cursor ('{}')", a.column) });
        }
        let grid = self.grid(read)?;
        let mut picked = Vec::with_capacity(columns.len());
        for want in columns {
            match grid.columns.iter().find(|(n, _)| *n == want.name) {
                Some((_, col)) => picked.push(*col),
                None => return Err(self.cell_error(format!("sheet '{}' has no column '{}' any more", grid.sheet, want.name))),
            }
        }
        let mut b = BatchBuilder::new(columns);
        let mut total = 0u64;
        let mut scratch = String::new();
        for &row in &grid.rows {
            for (i, (want, col)) in columns.iter().zip(&picked).enumerate() {
                let cell = classify(grid.cell(row, *col));
                if let Cell::Error(e) = cell {
                    if read.cell_errors == CellErrors::Fail {
                        return Err(self.error_cell(&grid, row, *col, &want.name, e));
                    }
                }
                let v = decode(cell, want.ty, &mut scratch).map_err(|m| self.cell_error(format!("{}: {m}", grid.at(row, *col, &want.name))))?;
                b.push(i, v).map_err(|m| self.cell_error(format!("{}: {m}", grid.at(row, *col, &want.name))))?;
            }
            b.end_row();
            total += 1;
            if b.rows() >= BATCH_ROWS {
                out(b.finish()).map_err(|m| ConnectError::Read { name: self.name.clone(), message: m })?;
            }
        }
        // An empty result still hands over one (empty) batch: it carries the columns.
        if b.rows() > 0 || total == 0 {
            out(b.finish()).map_err(|m| ConnectError::Read { name: self.name.clone(), message: m })?;
        }
        Ok(total)
    }

    fn probe(&mut self, _rel: &Relation, _cursor: &str) -> Result<String, ConnectError> {
        // The file is the whole of what can change: its size and time of change.
        let m = std::fs::metadata(&self.path).map_err(|e| ConnectError::Workbook { path: self.name.clone(), message: e.to_string() })?;
        let modified = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
        Ok(format!("{} bytes, modified {modified}", m.len()))
    }

    fn tables(&mut self) -> Result<Vec<TableInfo>, ConnectError> {
        Ok(self.workbook()?.sheet_names().into_iter().map(|name| TableInfo { schema: None, name, kind: "sheet".into() }).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::sheet::parse_range;

    #[test]
    fn floats_are_written_as_python_writes_them() {
        let cases = [
            (2.5, "2.5"),
            (0.1, "0.1"),
            (-0.5, "-0.5"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (123.25, "123.25"),
            (1.5e16, "1.5e+16"),
            (1e22, "1e+22"),
            (9_007_199_254_740_993.5, "9007199254740994.0"),
            (1.0 / 3.0, "0.3333333333333333"),
            (-2.5e-7, "-2.5e-07"),
        ];
        for (x, want) in cases {
            assert_eq!(python_float(x), want, "{x}");
        }
    }

    #[test]
    fn cells_are_typed_as_pandas_reads_them() {
        assert_eq!(classify(&Data::Float(3.0)), Cell::Int(3));
        assert_eq!(classify(&Data::Float(-0.0)), Cell::Int(0));
        assert_eq!(classify(&Data::Float(2.5)), Cell::Float(2.5));
        assert_eq!(classify(&Data::Float(1e19)), Cell::Float(1e19));
        assert_eq!(classify(&Data::String(String::new())), Cell::Empty);
        let serial = |v: f64, kind| Data::DateTime(calamine::ExcelDateTime::new(v, kind, false));
        // 45322 is 2024-01-31 in the 1900 date system.
        let day = days_from_civil(2024, 1, 31) as i32;
        assert_eq!(classify(&serial(45_322.0, calamine::ExcelDateTimeType::DateTime)), Cell::Date(day));
        assert_eq!(classify(&serial(45_322.5, calamine::ExcelDateTimeType::DateTime)), Cell::DateTime(i64::from(day) * MICROS_PER_DAY + MICROS_PER_DAY / 2));
        assert_eq!(classify(&serial(0.25, calamine::ExcelDateTimeType::DateTime)), Cell::Time(6 * 3600 * MICROS_PER_SECOND));
        assert_eq!(classify(&serial(1.5, calamine::ExcelDateTimeType::TimeDelta)), Cell::Duration(36 * 3600 * MICROS_PER_SECOND));
        assert_eq!(classify(&Data::DateTimeIso("2024-01-31".into())), Cell::Date(day));
        assert_eq!(classify(&Data::DateTimeIso("2024-01-31T00:00:00".into())), Cell::DateTime(i64::from(day) * MICROS_PER_DAY));
        assert_eq!(classify(&Data::DurationIso("PT10H30M00S".into())), Cell::Time(37_800 * MICROS_PER_SECOND));
        assert_eq!(classify(&Data::DurationIso("P1DT2H".into())), Cell::Duration(26 * 3600 * MICROS_PER_SECOND));
        assert_eq!(parse_duration("-PT1H0M0.5S"), Some(-3_600_500_000));
        assert_eq!(parse_duration("PT1X"), None);
        assert_eq!(parse_datetime("2023-02-29"), None);
    }

    #[test]
    fn a_column_takes_the_type_that_holds_all_its_cells() {
        let ty = |cells: &[Cell<'_>]| {
            let mut s = Seen::default();
            cells.iter().for_each(|c| s.add(*c));
            s.column_type()
        };
        assert_eq!(ty(&[Cell::Int(1), Cell::Empty, Cell::Int(2)]), ColumnType::Int64);
        assert_eq!(ty(&[Cell::Int(1), Cell::Float(2.5)]), ColumnType::Float64);
        assert_eq!(ty(&[Cell::Bool(true), Cell::Empty]), ColumnType::Bool);
        assert_eq!(ty(&[Cell::Date(1), Cell::Date(2)]), ColumnType::Date);
        assert_eq!(ty(&[Cell::Date(1), Cell::DateTime(5)]), ColumnType::Timestamp);
        assert_eq!(ty(&[Cell::Time(1)]), ColumnType::Time);
        assert_eq!(ty(&[Cell::Time(1), Cell::Duration(2)]), ColumnType::Interval);
        assert_eq!(ty(&[Cell::Int(1), Cell::Text("x")]), ColumnType::Text);
        assert_eq!(ty(&[Cell::Int(1), Cell::Bool(true)]), ColumnType::Text);
        assert_eq!(ty(&[Cell::Date(1), Cell::Time(1)]), ColumnType::Text);
        assert_eq!(ty(&[Cell::Empty]), ColumnType::Text);
    }

    #[test]
    fn mixed_columns_read_as_pandas_writes_their_values() {
        let mut s = String::new();
        let text = |c: Cell<'_>| decode(c, ColumnType::Text, &mut String::new()).map(|v| format!("{v:?}"));
        assert_eq!(text(Cell::Int(3)).unwrap(), "Text(\"3\")");
        assert_eq!(decode(Cell::Float(2.5), ColumnType::Text, &mut s), Ok(Value::Text("2.5")));
        assert_eq!(decode(Cell::Float(1e20), ColumnType::Text, &mut s), Ok(Value::Text("100000000000000000000")));
        assert_eq!(decode(Cell::Bool(true), ColumnType::Text, &mut s), Ok(Value::Text("True")));
        assert_eq!(decode(Cell::Date(19_753), ColumnType::Text, &mut s), Ok(Value::Text("2024-01-31 00:00:00")));
        assert_eq!(decode(Cell::DateTime(90_000_500_000), ColumnType::Text, &mut s), Ok(Value::Text("1970-01-02 01:00:00.500000")));
        assert_eq!(decode(Cell::Time(3_600_000_000), ColumnType::Text, &mut s), Ok(Value::Text("01:00:00")));
        assert_eq!(decode(Cell::Duration(-3_600_000_000), ColumnType::Text, &mut s), Ok(Value::Text("-1 day, 23:00:00")));
        assert_eq!(decode(Cell::Duration(2 * MICROS_PER_DAY + 60_000_000), ColumnType::Text, &mut s), Ok(Value::Text("2 days, 0:01:00")));
    }

    #[test]
    fn overrides_cast_and_say_what_does_not_fit() {
        let mut s = String::new();
        let dec = ColumnType::Decimal { precision: 6, scale: 2 };
        assert_eq!(decode(Cell::Float(0.1 + 0.2), dec, &mut s), Ok(Value::Decimal(30)));
        assert_eq!(decode(Cell::Text(" 12.5 "), dec, &mut s), Ok(Value::Decimal(1250)));
        assert!(decode(Cell::Int(1_000_000), dec, &mut s).is_err());
        assert_eq!(decode(Cell::Text("42"), ColumnType::Int64, &mut s), Ok(Value::Int(42)));
        assert_eq!(decode(Cell::Text("n/a"), ColumnType::Int64, &mut s), Err("the text 'n/a' is not a BIGINT".into()));
        assert_eq!(decode(Cell::Float(2.5), ColumnType::Int64, &mut s), Err("the number '2.5' is not a BIGINT".into()));
        assert_eq!(decode(Cell::Int(45_322), ColumnType::Date, &mut s), Ok(Value::Date(19_753)));
        assert_eq!(decode(Cell::Text("2024-01-31 10:00"), ColumnType::Timestamp, &mut s), Ok(Value::Micros(19_753 * MICROS_PER_DAY + 36_000_000_000)));
        assert_eq!(decode(Cell::Text("yes"), ColumnType::Bool, &mut s), Ok(Value::Bool(true)));
        assert!(decode(Cell::Date(1), ColumnType::Float64, &mut s).unwrap_err().contains("'1970-01-02 00:00:00' is not a DOUBLE"));
        assert_eq!(column_type("DECIMAL(10,2)"), Some(ColumnType::Decimal { precision: 10, scale: 2 }));
        assert_eq!(column_type("JSON"), None);
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/spreadsheets").join(name)
    }

    fn sheet(sheet: Option<SheetRef>, header: Header, range: Option<&str>, types: &[(&str, &str)], cell_errors: CellErrors) -> Relation {
        Relation::Sheet(Box::new(SheetRead {
            sheet,
            range: range.map(|r| parse_range(r).unwrap()),
            header,
            types: types.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
            cell_errors,
        }))
    }

    fn rows(db: &mut Spreadsheet, rel: &Relation) -> (Vec<(String, String)>, Vec<Vec<String>>) {
        let columns = db.columns(rel).unwrap();
        let mut batches = Vec::new();
        db.fetch(rel, &columns, None, &mut |b| {
            batches.push(b);
            Ok(())
        })
        .unwrap();
        let mut out = Vec::new();
        for b in &batches {
            for r in 0..b.num_rows() {
                out.push(
                    b.columns()
                        .iter()
                        .map(|a| if a.is_null(r) { "NULL".to_string() } else { arrow::util::display::array_value_to_string(a, r).unwrap() })
                        .collect(),
                );
            }
        }
        (columns.into_iter().map(|c| (c.name, c.ty.duckdb())).collect(), out)
    }

    #[test]
    fn every_format_reads_the_same_table() {
        for file in ["mixed.xlsx", "mixed.xls", "mixed.ods"] {
            let mut db = Spreadsheet::open(&fixture(file)).unwrap();
            let rel = sheet(Some(SheetRef::Name("orders".into())), Header::First, None, &[], CellErrors::Fail);
            let (cols, data) = rows(&mut db, &rel);
            let want_cols = [
                ("id", "BIGINT"),
                ("amount", "DOUBLE"),
                ("paid", "BOOLEAN"),
                ("day", "DATE"),
                ("at", "TIMESTAMP"),
                ("note", "VARCHAR"),
                ("code", "VARCHAR"),
                ("name", "VARCHAR"),
                ("name.1", "VARCHAR"),
                ("Unnamed: 9", "BIGINT"),
            ];
            let cols: Vec<(&str, &str)> = cols.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            assert_eq!(cols, want_cols, "{file}");
            assert_eq!(data.len(), 4, "{file}: the empty row is skipped");
            assert_eq!(data[0], ["1", "12.5", "true", "2024-01-31", "2024-01-31T10:30:00", "first", "7", "Ann", "A", "10"], "{file}");
            assert_eq!(data[1][6], "x7", "{file}");
            assert_eq!(data[2][6], "2.5", "{file}");
            assert_eq!(data[3][1..3], ["NULL".to_string(), "NULL".to_string()], "{file}");
            assert_eq!(db.tables().unwrap().iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["orders", "report", "errors"], "{file}");
        }
    }

    #[test]
    fn a_header_below_a_title_and_a_range() {
        let mut db = Spreadsheet::open(&fixture("mixed.xlsx")).unwrap();
        let rel = sheet(Some(SheetRef::Index(1)), Header::Row(2), Some("B3:D6"), &[("qty", "DECIMAL(8,2)")], CellErrors::Fail);
        let (cols, data) = rows(&mut db, &rel);
        assert_eq!(cols, [("region".to_string(), "VARCHAR".to_string()), ("qty".into(), "DECIMAL(8,2)".into()), ("share".into(), "DOUBLE".into())]);
        assert_eq!(data, [["north", "3.00", "0.25"], ["south", "4.50", "0.75"], ["east", "NULL", "0.5"]]);
        let none = sheet(Some(SheetRef::Name("report".into())), Header::None, Some("B4:C5"), &[], CellErrors::Fail);
        let (cols, data) = rows(&mut db, &none);
        assert_eq!(cols.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["B", "C"]);
        assert_eq!(data, [["north", "3.0"], ["south", "4.5"]]);
    }

    #[test]
    fn errors_name_the_file_the_sheet_and_the_cell() {
        let mut db = Spreadsheet::open(&fixture("mixed.xlsx")).unwrap();
        let e = db.columns(&sheet(Some(SheetRef::Name("Orders ".into())), Header::First, None, &[], CellErrors::Fail)).unwrap_err();
        assert_eq!(e.code(), "N015");
        assert!(e.to_string().contains("no sheet 'Orders '; its sheets are 0 'orders', 1 'report', 2 'errors'"), "{e}");
        assert_eq!(db.columns(&sheet(Some(SheetRef::Index(3)), Header::First, None, &[], CellErrors::Fail)).unwrap_err().code(), "N015");
        let errors = sheet(Some(SheetRef::Name("errors".into())), Header::First, None, &[], CellErrors::Fail);
        let e = db.columns(&errors).unwrap_err();
        assert_eq!(e.code(), "N016");
        assert!(e.to_string().contains("sheet 'errors', cell B3 (column 'ratio') holds the error #DIV/0!"), "{e}");
        let lenient = sheet(Some(SheetRef::Name("errors".into())), Header::First, None, &[], CellErrors::Null);
        assert_eq!(rows(&mut db, &lenient).1, [["1", "0.5"], ["2", "NULL"], ["3", "NULL"]]);
        let bad = sheet(Some(SheetRef::Name("orders".into())), Header::First, None, &[("code", "BIGINT")], CellErrors::Fail);
        let e = db.columns(&bad).unwrap_err();
        assert!(e.to_string().contains("sheet 'orders', cell G3 (column 'code'): the text 'x7' is not a BIGINT"), "{e}");
        let empty_header = sheet(Some(SheetRef::Name("report".into())), Header::Row(1), None, &[], CellErrors::Fail);
        assert!(db.columns(&empty_header).unwrap_err().to_string().contains("row 2 of sheet 'report' holds no column names"));
        let unknown = sheet(None, Header::First, None, &[("nope", "VARCHAR")], CellErrors::Fail);
        assert!(db.columns(&unknown).unwrap_err().to_string().contains("`types` names column 'nope'"));
        let broken = fixture("not_a_workbook.xlsx");
        let e = Spreadsheet::open(&broken).err().expect("refused");
        assert_eq!(e.code(), "N014");
        assert!(e.to_string().starts_with(&format!("spreadsheet {}: not a spreadsheet", broken.display())), "{e}");
        assert_eq!(Spreadsheet::open(&fixture("missing.xlsx")).err().map(|e| e.code()), Some("N014"));
    }
}
