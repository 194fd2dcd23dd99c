//! `read_excel`: read the cells of one sheet of a spreadsheet file (xlsx, xlsm, xlsb, xls, ods).
//!
//! It is a source like the database sources: the engine has the spreadsheet driver
//! (sluice-connect) type the columns when the spec is checked and fetch the rows into the table
//! the compiled SQL reads, so previews, the cache, checks and exports treat it as they treat a
//! SQLite file. Its range, header row and types are checked here, before the file is opened.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::common::{check_tracked_key, source_files, valid_type_name};
use super::database::compile;
use super::{Category, CheckCx, CompileCx, Compiled, Kind, KindInfo, Ports};
use crate::dialect::Unsupported;
use crate::files::NodeFile;
use crate::remote::{Driver, Relation, RemoteRead};
use crate::schema::Schema;
use crate::sheet::{override_type, parse_range, CellErrors, Header, SheetRead, SheetRef};

pub struct ReadExcel;

/// The file name endings the driver reads.
const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Parameters of `read_excel`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The spreadsheet file (`.xlsx`, `.xlsm`, `.xlsb`, `.xls` or `.ods`), relative to the spec's
    /// folder.
    #[schemars(extend("x-sluice-widget" = "path"))]
    pub path: String,
    /// The sheet to read: its name (`"Orders"`) or its position (`0` for the first). Default:
    /// the first sheet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<SheetRef>,
    /// The row holding the column names, numbered as the spreadsheet shows it (`1` is the top
    /// row); rows above it are not read. `0`: no header row, the columns are named by their
    /// letters (`A`, `B`, …). Default: the first row of `range`, else the sheet's first row
    /// holding a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<u32>,
    /// Read only these cells: `B2:F100`, `B2:F` (down to the last row holding a value), `B:F`
    /// (whole columns) or `B2` (from that cell to the last row and column). Default: every cell
    /// holding a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// Column type overrides, e.g. `{"zip": "VARCHAR", "amount": "DECIMAL(10,2)"}`; other
    /// columns are typed from their cells. A cell that cannot be read as the type given fails
    /// the run naming the sheet, the cell and the column.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(extend("x-sluice-widget" = "column-types"))]
    pub types: IndexMap<String, String>,
    /// A cell holding an error (`#DIV/0!`, `#N/A`, …): `fail` (the default) stops naming the
    /// sheet and the cell; `null` reads it as NULL, as pandas does.
    #[serde(default, skip_serializing_if = "is_fail")]
    pub cell_errors: CellErrors,
    /// Columns identifying a row; needed by `track_deletes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    /// Find the rows deleted from the sheet: each run compares the keys it holds with those of
    /// the last successful run (kept in the run history, keys only) and hands the deleted keys to
    /// the `merge` sinks below, which remove them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub track_deletes: bool,
}

fn is_fail(e: &CellErrors) -> bool {
    *e == CellErrors::Fail
}

impl Params {
    /// What the driver reads; None when the range or a type does not parse (check says why).
    fn sheet_read(&self) -> Option<SheetRead> {
        let range = match &self.range {
            Some(r) => Some(parse_range(r).ok()?),
            None => None,
        };
        let header = match self.header_row {
            None => Header::First,
            Some(0) => Header::None,
            Some(n) => Header::Row(n - 1),
        };
        let types = self.types.iter().map(|(c, t)| Some((c.clone(), override_type(t)?))).collect::<Option<Vec<_>>>()?;
        Some(SheetRead { sheet: self.sheet.clone(), range, header, types, cell_errors: self.cell_errors })
    }

    fn remote(&self) -> Option<RemoteRead> {
        Some(RemoteRead {
            driver: Driver::Spreadsheet,
            connection: None,
            path: Some(self.path.clone()),
            relation: Relation::Sheet(Box::new(self.sheet_read()?)),
            cursor: None,
            key: self.key.clone(),
            track_deletes: self.track_deletes,
        })
    }
}

impl Kind for ReadExcel {
    type Params = Params;

    fn info(&self) -> KindInfo {
        KindInfo {
            id: "read_excel",
            title: "Spreadsheet source",
            category: Category::Source,
            inputs: Ports::Fixed { ports: &[] },
            output: true,
            docs: "Reads one sheet of a spreadsheet file: Excel (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`) or \
                   OpenDocument (`.ods`). `header_row` names the row holding the column names (as the \
                   spreadsheet numbers it; `0` for none: columns are named A, B, …) and `range` limits \
                   the cells read (`B2:F100`). Empty header cells are named `Unnamed: <position>` and a \
                   repeated name gets `.1`, `.2`, as pandas names them. Rows whose cells are all empty \
                   are skipped. Each column is typed from all of its cells: only whole numbers → BIGINT, \
                   numbers → DOUBLE, true/false → BOOLEAN, dates → DATE (TIMESTAMP when one has a time \
                   of day; TIME when none has a date), durations → INTERVAL, anything else or a mix → \
                   VARCHAR, with numbers written as pandas writes them (`3`, `2.5`, `1e-05`) and dates as \
                   `2024-01-31 00:00:00`. Empty cells are NULL; a cell holding an error (`#DIV/0!`) fails \
                   the read naming the sheet and the cell unless `cell_errors` is `null`. `types` \
                   overrides a column's type; a cell that cannot be read as it fails naming the cell.",
        }
    }

    fn example(&self) -> Value {
        json!({"path": "budget.xlsx", "sheet": "Orders", "header_row": 3, "range": "A3:F200", "types": {"zip": "VARCHAR"}})
    }

    fn files(&self, p: &Params) -> Vec<NodeFile> {
        vec![NodeFile::read("path", &p.path)]
    }

    fn check(&self, p: &Params, cx: &mut CheckCx<'_>) -> Option<Schema> {
        check_tracked_key(cx, p.track_deletes, &p.key);
        if crate::files::is_glob(&p.path) {
            cx.error("S076", "path", "a spreadsheet source reads one file: name it without * ? [");
            return None;
        }
        let ext = std::path::Path::new(&p.path).extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        if !p.path.trim().is_empty() && !EXTENSIONS.contains(&ext.as_str()) {
            cx.error("S076", "path", format!("'{}' is not a spreadsheet file: its name ends in {}", p.path, EXTENSIONS.iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(", ")));
        }
        if let Some(SheetRef::Name(n)) = &p.sheet {
            if n.is_empty() {
                cx.error("S076", "sheet", "the sheet's name is empty: leave `sheet` out to read the first sheet");
            }
        }
        let range = match &p.range {
            Some(r) => match parse_range(r) {
                Ok(range) => Some(range),
                Err(m) => {
                    cx.error("S076", "range", m);
                    None
                }
            },
            None => None,
        };
        if let (Some(h @ 1..), Some(r)) = (p.header_row, range) {
            let row = h - 1;
            if row < r.first_row || r.last_row.is_some_and(|l| row > l) {
                cx.error(
                    "S076",
                    "header_row",
                    format!("row {h} is outside range {}: the header row is one of the rows the range reads", p.range.as_deref().unwrap_or("")),
                );
            }
        }
        if p.header_row.is_some_and(|h| h > crate::sheet::MAX_ROWS) {
            cx.error("S076", "header_row", format!("a sheet has rows 1 to {}", crate::sheet::MAX_ROWS));
        }
        for (col, ty) in &p.types {
            if !valid_type_name(ty) {
                cx.error("S025", format!("types.{col}"), format!("'{ty}' is not a SQL type name"));
            } else if override_type(ty).is_none() {
                cx.error(
                    "S025",
                    format!("types.{col}"),
                    format!("a sheet's column cannot be read as {ty}: use BOOLEAN, SMALLINT, INTEGER, BIGINT, FLOAT, DOUBLE, DECIMAL(p,s), VARCHAR, DATE, TIMESTAMP, TIME or INTERVAL"),
                );
            }
        }
        source_files(cx, &p.path);
        None
    }

    fn remote(&self, p: &Params) -> Option<RemoteRead> {
        p.remote()
    }

    fn tracked_key(&self, p: &Params) -> Option<Vec<String>> {
        p.track_deletes.then(|| p.key.clone())
    }

    fn compile(&self, p: &Params, cx: &CompileCx<'_>) -> Result<Compiled, Unsupported> {
        let remote = p.remote().ok_or_else(|| Unsupported { dialect: cx.dialect.name(), what: "a spreadsheet source whose params do not check".into() })?;
        compile(&remote, cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::DynKind;

    fn diags(params: Value) -> Vec<(String, String)> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("book.xlsx"), b"x").unwrap();
        let mut cx = CheckCx { node: "n", inputs: IndexMap::new(), base_dir: dir.path(), diags: Vec::new() };
        DynKind::check(&ReadExcel, &params, &mut cx);
        cx.diags.iter().map(|d| (d.code.to_string(), d.path.clone().unwrap_or_default())).collect()
    }

    #[test]
    fn params_are_checked_before_the_file_is_opened() {
        assert!(diags(json!({"path": "book.xlsx", "sheet": 1, "header_row": 3, "range": "A3:F9", "types": {"a": "int"}})).is_empty());
        assert_eq!(diags(json!({"path": "book.xlsx", "range": "F9:A3"})), [("S076".to_string(), "params.range".to_string())]);
        assert_eq!(diags(json!({"path": "book.xlsx", "range": "A3:F9", "header_row": 2})), [("S076".into(), "params.header_row".into())]);
        assert_eq!(diags(json!({"path": "book.xlsx", "types": {"a": "JSON"}})), [("S025".into(), "params.types.a".into())]);
        assert_eq!(diags(json!({"path": "book.csv"}))[0], ("S076".into(), "params.path".into()));
        assert_eq!(diags(json!({"path": "missing.xlsx"})), [("D001".into(), "params.path".into())]);
        assert_eq!(diags(json!({"path": "book.xlsx", "header": 1}))[0].0, "S010");
    }

    #[test]
    fn the_driver_is_told_which_cells_and_names() {
        let p: Params = serde_json::from_value(json!({"path": "b.ods", "sheet": "Q1", "header_row": 0, "range": "B2:C", "types": {"x": "numeric(5,1)"}})).unwrap();
        let Some(RemoteRead { driver: Driver::Spreadsheet, relation: Relation::Sheet(s), .. }) = p.remote() else { panic!("a sheet") };
        assert_eq!(s.sheet, Some(SheetRef::Name("Q1".into())));
        assert_eq!(s.header, Header::None);
        assert_eq!(s.range.map(|r| (r.first_row, r.first_col, r.last_row, r.last_col)), Some((1, 1, None, Some(2))));
        assert_eq!(s.types, [("x".to_string(), "DECIMAL(5,1)".to_string())]);
        let p: Params = serde_json::from_value(json!({"path": "b.xlsx", "sheet": 2, "header_row": 4})).unwrap();
        let Some(Relation::Sheet(s)) = p.remote().map(|r| r.relation) else { panic!("a sheet") };
        assert_eq!((s.sheet, s.header), (Some(SheetRef::Index(2)), Header::Row(3)));
    }
}
