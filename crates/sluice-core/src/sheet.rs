//! Spreadsheet sources (`read_excel`): which sheet, which cells, which row names the columns and
//! which columns get a type of the user's, as a node declares them. The driver in sluice-connect
//! reads the cells; this module only parses and names them, so that a bad range or type is a
//! spec error found by `validate`, before any file is opened.
//!
//! Rows and columns are 0-based here (as the driver counts cells) and shown the spreadsheet's
//! way in messages: column letters and 1-based row numbers (`C7`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Excel's limits (also above what ODS files hold): rows 1..=1,048,576, columns A..=XFD.
pub const MAX_ROWS: u32 = 1_048_576;
pub const MAX_COLUMNS: u32 = 16_384;

/// A sheet, by name or by 0-based position in the workbook.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SheetRef {
    /// The sheet's position, 0 for the first.
    Index(u32),
    /// The sheet's name, as its tab shows it.
    Name(String),
}

impl std::fmt::Display for SheetRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SheetRef::Index(i) => write!(f, "sheet {i}"),
            SheetRef::Name(n) => write!(f, "sheet '{n}'"),
        }
    }
}

/// A rectangle of cells, 0-based and inclusive; an open end runs to the sheet's last used row or
/// column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct CellRange {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: Option<u32>,
    pub last_col: Option<u32>,
}

/// Which row holds the column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Header {
    /// The first row of the cells read: the range's, else the sheet's first row that holds a value.
    First,
    /// This row (0-based, counted from the top of the sheet).
    Row(u32),
    /// No row: the columns are named by their letters (A, B, …).
    None,
}

/// What to do with a cell holding an error value (`#DIV/0!`, `#N/A`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CellErrors {
    /// Fail, naming the sheet and the cell.
    #[default]
    Fail,
    /// Read it as NULL (as pandas does).
    Null,
}

/// What a spreadsheet source reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SheetRead {
    /// None: the first sheet.
    pub sheet: Option<SheetRef>,
    /// None: every used cell of the sheet.
    pub range: Option<CellRange>,
    pub header: Header,
    /// Column name → DuckDB type, in the canonical spelling [`override_type`] gives.
    pub types: Vec<(String, String)>,
    pub cell_errors: CellErrors,
}

impl SheetRead {
    /// `sheet 'Orders'`, or `the first sheet`: for messages.
    pub fn describe(&self) -> String {
        match &self.sheet {
            Some(s) => s.to_string(),
            None => "the first sheet".to_string(),
        }
    }
}

/// `A` for 0, `Z` for 25, `AA` for 26.
pub fn column_letters(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// `C7` for row 6, column 2 (both 0-based).
pub fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col), row + 1)
}

/// A reference's column letters and row digits (`$` markers allowed): 0-based (column, row).
fn parse_ref(s: &str) -> Result<(Option<u32>, Option<u32>), String> {
    let t: String = s.trim().chars().filter(|c| *c != '$').collect();
    let split = t.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (letters, digits) = t.split_at(split);
    if letters.is_empty() && digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{s}' is not a cell (a column's letters and a row's number, as B2)"));
    }
    let col = if letters.is_empty() {
        None
    } else {
        let mut n: u32 = 0;
        for b in letters.to_ascii_uppercase().bytes() {
            n = n.saturating_mul(26).saturating_add(u32::from(b - b'A') + 1);
        }
        if n > MAX_COLUMNS {
            return Err(format!("column {letters} is beyond the last column a sheet has (XFD)"));
        }
        Some(n - 1)
    };
    let row = if digits.is_empty() {
        None
    } else {
        match digits.parse::<u32>() {
            Ok(r) if (1..=MAX_ROWS).contains(&r) => Some(r - 1),
            _ => return Err(format!("row {digits} is not a row of a sheet (1 to {MAX_ROWS})")),
        }
    };
    Ok((col, row))
}

/// An A1-style range: `B2:F100`; `B2:F` (to the last used row); `B:F` (whole columns); `B2`
/// (from that cell to the last used row and column).
pub fn parse_range(text: &str) -> Result<CellRange, String> {
    let t = text.trim();
    if t.contains('!') {
        return Err(format!("'{text}' names a sheet: give the sheet in `sheet` and only the cells here (B2:F100)"));
    }
    let (start, end) = match t.split_once(':') {
        Some((a, b)) => (a, Some(b)),
        None => (t, None),
    };
    let (c0, r0) = parse_ref(start)?;
    let Some(first_col) = c0 else {
        return Err(format!("'{start}' names no column: a range starts at a cell (B2) or a column (B)"));
    };
    let first_row = r0.unwrap_or(0);
    let (last_col, last_row) = match end {
        None => (None, None),
        Some(e) => {
            let (c1, r1) = parse_ref(e)?;
            if c1.is_none() {
                return Err(format!("'{e}' names no column: a range ends at a cell (F100) or a column (F)"));
            }
            if r0.is_none() && r1.is_some() {
                return Err(format!("'{text}' starts at a whole column and ends at a cell: write B1:F100"));
            }
            (c1, r1)
        }
    };
    if last_col.is_some_and(|c| c < first_col) || last_row.is_some_and(|r| r < first_row) {
        return Err(format!("'{text}' ends before it starts: write the top-left cell first (B2:F100)"));
    }
    Ok(CellRange { first_row, first_col, last_row, last_col })
}

/// The DuckDB types a column of a sheet can be given, in their canonical spelling; None for a
/// type the driver cannot fill from cells.
pub fn override_type(t: &str) -> Option<String> {
    let u = t.trim().to_ascii_uppercase();
    let base = u.split('(').next().unwrap_or("").trim();
    let canonical = match base {
        "BOOLEAN" | "BOOL" | "LOGICAL" => "BOOLEAN",
        "SMALLINT" | "INT2" | "SHORT" => "SMALLINT",
        "INTEGER" | "INT" | "INT4" | "SIGNED" => "INTEGER",
        "BIGINT" | "INT8" | "LONG" => "BIGINT",
        "FLOAT" | "FLOAT4" | "REAL" => "FLOAT",
        "DOUBLE" | "FLOAT8" => "DOUBLE",
        "VARCHAR" | "TEXT" | "STRING" | "CHAR" | "BPCHAR" => "VARCHAR",
        "DATE" => "DATE",
        "TIMESTAMP" | "DATETIME" => "TIMESTAMP",
        "TIME" => "TIME",
        "INTERVAL" => "INTERVAL",
        "DECIMAL" | "NUMERIC" => {
            let args = u.split_once('(').and_then(|(_, r)| r.strip_suffix(')'));
            let (p, s) = match args {
                None => (18, 3),
                Some(a) => {
                    let mut it = a.split(',').map(|n| n.trim().parse::<u8>());
                    match (it.next(), it.next(), it.next()) {
                        (Some(Ok(p)), None, None) => (p, 0),
                        (Some(Ok(p)), Some(Ok(s)), None) => (p, s),
                        _ => return None,
                    }
                }
            };
            return ((1..=38).contains(&p) && s <= p).then(|| format!("DECIMAL({p},{s})"));
        }
        _ => return None,
    };
    // Only DECIMAL takes arguments (VARCHAR(n) is VARCHAR, as DuckDB reads it).
    (!u.contains('(') || canonical == "VARCHAR").then(|| canonical.to_string())
}

/// Column names as pandas makes them from a header row: an empty name is `Unnamed: <position>`
/// and a repeated one gets `.1`, `.2`, … (skipping names the header already holds).
pub fn dedupe_names(names: Vec<String>) -> Vec<String> {
    let named: Vec<String> = names
        .into_iter()
        .enumerate()
        .map(|(i, n)| if n.is_empty() { format!("Unnamed: {i}") } else { n })
        .collect();
    // pandas' `_dedup_names`: each name counts how often it was seen; a repeat tries name.k
    // with the next count until a name not seen yet comes up.
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(named.len());
    for name in named {
        let mut col = name;
        let mut cur = counts.get(&col).copied().unwrap_or(0);
        while cur > 0 {
            counts.insert(col.clone(), cur + 1);
            col = format!("{col}.{cur}");
            cur = counts.get(&col).copied().unwrap_or(0);
        }
        counts.insert(col.clone(), cur + 1);
        out.push(col);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_count_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(16_383), "XFD");
        assert_eq!(cell_name(6, 2), "C7");
    }

    #[test]
    fn ranges_in_a1_notation() {
        let r = |first_row, first_col, last_row, last_col| CellRange { first_row, first_col, last_row, last_col };
        assert_eq!(parse_range("B2:F100"), Ok(r(1, 1, Some(99), Some(5))));
        assert_eq!(parse_range(" $b$2:$f$100 "), Ok(r(1, 1, Some(99), Some(5))));
        assert_eq!(parse_range("B2:F"), Ok(r(1, 1, None, Some(5))));
        assert_eq!(parse_range("B:F"), Ok(r(0, 1, None, Some(5))));
        assert_eq!(parse_range("C3"), Ok(r(2, 2, None, None)));
        assert_eq!(parse_range("AA10:XFD1048576"), Ok(r(9, 26, Some(1_048_575), Some(16_383))));
        for bad in ["", "2:5", "B2:5", "F2:B10", "B10:F2", "Sheet1!B2:F9", "B0:C3", "XFE1:XFE2", "B2:F9:G10", "B:F10", "B-2"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
        assert!(parse_range("Sheet1!A1").unwrap_err().contains("`sheet`"));
    }

    #[test]
    fn override_types_are_spelt_as_duckdb_spells_them() {
        assert_eq!(override_type("int").as_deref(), Some("INTEGER"));
        assert_eq!(override_type("varchar(20)").as_deref(), Some("VARCHAR"));
        assert_eq!(override_type("numeric(10, 2)").as_deref(), Some("DECIMAL(10,2)"));
        assert_eq!(override_type("DECIMAL").as_deref(), Some("DECIMAL(18,3)"));
        assert_eq!(override_type("datetime").as_deref(), Some("TIMESTAMP"));
        assert_eq!(override_type("DECIMAL(40,2)"), None);
        assert_eq!(override_type("BIGINT(3)"), None);
        assert_eq!(override_type("VARCHAR[]"), None);
        assert_eq!(override_type("JSON"), None);
    }

    #[test]
    fn header_names_are_deduplicated_as_pandas_does() {
        let n = |v: &[&str]| dedupe_names(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(n(&["a", "a", "b", "a"]), ["a", "a.1", "b", "a.2"]);
        assert_eq!(n(&["a", "a.1", "a"]), ["a", "a.1", "a.1.1"]);
        assert_eq!(n(&["x", "", "", "x"]), ["x", "Unnamed: 1", "Unnamed: 2", "x.1"]);
    }
}
