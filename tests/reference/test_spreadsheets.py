"""`read_excel` against `pandas.read_excel` on the same files (tests/fixtures/spreadsheets, written
by make.py): xlsx through openpyxl, xls through xlrd, ods through odf. Column names, the type each
column is read as and every value must agree.

pandas' types are taken as pandas itself narrows them (`convert_dtypes`): whole numbers are
BIGINT, other numbers DOUBLE, booleans BOOLEAN, text VARCHAR, date-times DATE when all fall at
midnight (else TIMESTAMP), and an object column mixing kinds is VARCHAR holding `str()` of each
value. Two documented differences: Sluice skips a row whose cells are all empty, where pandas
reads a row of NaN (pandas is told to skip that row here), and a column of booleans with an
empty cell stays BOOLEAN, where pandas turns its values into the floats 1.0 and 0.0 (they are
compared as booleans here)."""

import json
import math
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, SLUICE

FIXTURES = ROOT / "tests/fixtures/spreadsheets"
FORMATS = [("mixed.xlsx", "openpyxl"), ("mixed.xls", "xlrd"), ("mixed.ods", "odf")]


def preview(tmp_path: Path, file: str, params: dict) -> tuple[list[tuple[str, str]], list[list]]:
    """Sluice's columns (name, DuckDB type) and rows of a read_excel node over `file`."""
    shutil.copyfile(FIXTURES / file, tmp_path / file)
    spec = tmp_path / "sheet.sluice.json"
    node = {"id": "sheet", "kind": "read_excel", "params": {"path": file, **params}}
    spec.write_text(json.dumps({"version": 1, "name": "sheet", "nodes": [node]}))
    p = subprocess.run([str(SLUICE), "preview", str(spec), "sheet", "--json", "--limit", "1000"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    table = json.loads(p.stdout)
    return [(c["name"], c["type"]) for c in table["columns"]], table["rows"]


def pandas_type(s: pd.Series) -> str:
    narrowed = s.convert_dtypes()
    if pd.api.types.is_bool_dtype(narrowed):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(narrowed):
        return "BIGINT"
    if pd.api.types.is_float_dtype(narrowed):
        return "DOUBLE"
    if pd.api.types.is_datetime64_any_dtype(narrowed):
        values = s.dropna()
        return "DATE" if (values == values.dt.normalize()).all() else "TIMESTAMP"
    return "VARCHAR"


def same(got, want, ty: str) -> bool:
    if want is None or (not isinstance(want, str) and pd.isna(want)):
        return got is None
    if got is None:
        return False
    if ty == "DATE":
        return got == pd.Timestamp(want).date().isoformat()
    if ty == "TIMESTAMP":
        return got == str(pd.Timestamp(want))
    if ty == "VARCHAR":
        return got == str(want)
    if ty == "BOOLEAN":
        return got is bool(want)
    if ty == "BIGINT":
        return isinstance(got, int) and got == int(want)
    # DOUBLE: the same double.
    return isinstance(got, (int, float)) and not math.isnan(float(want)) and float(got) == float(want)


def assert_same_table(columns, rows, df: pd.DataFrame):
    assert [c for c, _ in columns] == [str(c) for c in df.columns]
    want_types = [pandas_type(df[c]) for c in df.columns]
    assert [t for _, t in columns] == want_types
    assert len(rows) == len(df)
    for i, (row, (_, want)) in enumerate(zip(rows, df.iterrows())):
        for (name, ty), got, w in zip(columns, row, want.tolist()):
            assert same(got, w, ty), f"row {i}, column {name}: sluice {got!r}, pandas {w!r}"


@pytest.mark.parametrize("file,engine", FORMATS)
def test_a_sheet_with_a_header_on_row_1(tmp_path, file, engine):
    columns, rows = preview(tmp_path, file, {"sheet": "orders"})
    # Sheet row 4 is empty: Sluice skips it (see the module's doc).
    df = pd.read_excel(FIXTURES / file, sheet_name="orders", engine=engine, skiprows=[3])
    # pandas read True, False, True and an empty cell as 1.0, 0.0, 1.0, NaN.
    assert df["paid"].dropna().tolist() == [1.0, 0.0, 1.0]
    df["paid"] = df["paid"].astype("boolean")
    assert_same_table(columns, rows, df)
    assert dict(columns) == {
        "id": "BIGINT",
        "amount": "DOUBLE",
        "paid": "BOOLEAN",
        "day": "DATE",
        "at": "TIMESTAMP",
        "note": "VARCHAR",
        "code": "VARCHAR",
        "name": "VARCHAR",
        "name.1": "VARCHAR",
        "Unnamed: 9": "BIGINT",
    }


@pytest.mark.parametrize("file,engine", FORMATS)
def test_a_table_below_a_title_read_through_a_range(tmp_path, file, engine):
    columns, rows = preview(tmp_path, file, {"sheet": "report", "header_row": 3, "range": "B3:F6"})
    df = pd.read_excel(FIXTURES / file, sheet_name="report", engine=engine, header=2, usecols="B:F", nrows=3)
    assert_same_table(columns, rows, df)
    assert [r[3] for r in rows] == ["101", "A-7", "2.5"]


@pytest.mark.parametrize("file,engine", FORMATS[:2])
def test_error_cells_read_as_null_like_pandas(tmp_path, file, engine):
    columns, rows = preview(tmp_path, file, {"sheet": "errors", "cell_errors": "null"})
    df = pd.read_excel(FIXTURES / file, sheet_name="errors", engine=engine)
    assert_same_table(columns, rows, df)


def test_an_error_cell_fails_naming_the_sheet_and_the_cell(tmp_path):
    shutil.copyfile(FIXTURES / "mixed.xlsx", tmp_path / "mixed.xlsx")
    spec = tmp_path / "sheet.sluice.json"
    node = {"id": "sheet", "kind": "read_excel", "params": {"path": "mixed.xlsx", "sheet": "errors"}}
    spec.write_text(json.dumps({"version": 1, "name": "sheet", "nodes": [node]}))
    p = subprocess.run([str(SLUICE), "preview", str(spec), "sheet", "--json"], capture_output=True, text=True)
    assert p.returncode == 1
    assert "sheet 'errors', cell B3 (column 'ratio') holds the error #DIV/0!" in p.stderr + p.stdout
