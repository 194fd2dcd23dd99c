"""Check that the implementations of the feature pipeline wrote the same outputs.

    python bench/compare.py sluice=DIR sql=DIR pandas=DIR polars=DIR

Each DIR holds customer_features.parquet and monthly_category_revenue.csv; the first one is the
reference. All checksums are computed here, by one DuckDB connection reading every file, so
they are computed the same way for all. Per output: the row count, the column names and types,
and per column
  - integers, decimals, text, dates, times, booleans: the null count and an order-independent
    hash of the values' canonical text (the sum of their hashes), which must be equal;
  - floating-point columns: the null count, and the sum, sum of squares, min and max, which
    must agree within a relative tolerance of 1e-9 (the float values' hash is reported too:
    equal means bit-identical);
  - and the same hash over whole rows of the non-float columns, so that values cannot have
    moved between rows.
Then, as the sums of many floats would hide one value that is off, the float values row by row:
rows are matched on their non-float columns (unique in both outputs) and each float must be
within the same relative tolerance of the reference's.
Exits 1 naming the output, column and implementation of each difference.
"""
import math
import os
import sys

import duckdb

OUTPUTS = ["customer_features.parquet", "monthly_category_revenue.csv"]
REL_TOL = 1e-9
FLOAT_TYPES = {"FLOAT", "DOUBLE"}


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def relation(path):
    literal = "'" + path.replace("'", "''") + "'"
    return f"read_parquet({literal})" if path.endswith(".parquet") else f"read_csv({literal})"


def canonical_text(column, type_):
    """The text a value is hashed as: the same for equal values whatever the time unit."""
    c = quote(column)
    if type_.startswith("TIMESTAMP"):
        return f"strftime(CAST({c} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S.%f')"
    return f"CAST({c} AS VARCHAR)"


def checksums(con, path):
    """Row count, columns and per-column checksums of one output file."""
    rel = relation(path)
    columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()]
    parts = ["count(*)"]
    for name, type_ in columns:
        c = quote(name)
        parts.append(f"count(*) - count({c})")
        parts.append(f"sum(hash({canonical_text(name, type_)}))")
        if type_ in FLOAT_TYPES:
            parts += [f"sum({c})", f"sum({c} * {c})", f"min({c})", f"max({c})"]
    parts.append(f"sum(hash({row_key(columns)}))")
    values = list(con.execute(f"SELECT {', '.join(parts)} FROM {rel}").fetchone())
    result = {"rows": values.pop(0), "columns": columns, "checks": {}}
    for name, type_ in columns:
        checks = {"nulls": values.pop(0), "hash": values.pop(0)}
        if type_ in FLOAT_TYPES:
            checks.update(sum=values.pop(0), sum_of_squares=values.pop(0), min=values.pop(0), max=values.pop(0))
        result["checks"][name] = checks
    result["row_hash"] = values.pop(0)
    return result


def row_key(columns):
    """SQL text of a row's non-float columns, which identifies the row in these outputs."""
    exact = [canonical_text(n, t) for n, t in columns if t not in FLOAT_TYPES]
    return f"concat_ws(chr(31), {', '.join(f'coalesce({e}, chr(30))' for e in exact)})"


def float_values_by_row(con, ref_path, other_path, columns):
    """(column, what) for each float column whose values differ from the reference's in some row."""
    floats = [n for n, t in columns if t in FLOAT_TYPES]
    if not floats:
        return []
    key = row_key(columns)
    pick = ", ".join(quote(f) for f in floats)
    a = f"SELECT {key} AS __key, {pick} FROM {relation(ref_path)}"
    b = f"SELECT {key} AS __key, {pick} FROM {relation(other_path)}"
    unique = con.execute(f"SELECT count(*) = count(DISTINCT __key) FROM ({a})").fetchone()[0]
    if not unique:
        return [("(rows)", "rows are not unique on their non-float columns: float values not compared row by row")]
    parts = []
    for f in floats:
        x, y = f"a.{quote(f)}", f"b.{quote(f)}"
        same = (f"(({x} IS NULL AND {y} IS NULL) OR (isnan({x}) AND isnan({y})) "
                f"OR abs({x} - {y}) <= {REL_TOL} * greatest(abs({x}), abs({y})))")
        parts += [f"count(*) FILTER (WHERE NOT coalesce({same}, false))", f"max(abs({x} - {y}) / nullif(abs({x}), 0))"]
    values = con.execute(f"SELECT count(*), {', '.join(parts)} FROM ({a}) AS a JOIN ({b}) AS b USING (__key)").fetchone()
    found = [] if values[0] == con.execute(f"SELECT count(*) FROM ({a})").fetchone()[0] else [("(rows)", "rows do not match")]
    for i, f in enumerate(floats):
        bad, worst = values[1 + 2 * i], values[2 + 2 * i]
        if bad:
            found.append((f, f"{bad} values differ by more than {REL_TOL:g} (relative, at most {worst:.3g})"))
    return found


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0) or (math.isnan(a) and math.isnan(b))


def differences(ref, other):
    """(column, what) pairs where `other` does not agree with `ref`, and the float columns whose
    values are equal within the tolerance but not bit for bit."""
    if ref["rows"] != other["rows"]:
        return [("(rows)", f"{other['rows']} rows, not {ref['rows']}")], []
    if ref["columns"] != other["columns"]:
        return [("(columns)", f"{other['columns']}, not {ref['columns']}")], []
    found, inexact = [], []
    for name, type_ in ref["columns"]:
        a, b = ref["checks"][name], other["checks"][name]
        if a["nulls"] != b["nulls"]:
            found.append((name, f"{b['nulls']} nulls, not {a['nulls']}"))
        elif type_ in FLOAT_TYPES:
            for what in ("sum", "sum_of_squares", "min", "max"):
                if not close(a[what], b[what]):
                    found.append((name, f"{what} {b[what]!r}, not {a[what]!r}"))
            if a["hash"] != b["hash"]:
                inexact.append(name)
        elif a["hash"] != b["hash"]:
            found.append((name, "different values (hash of the values)"))
    if not found and ref["row_hash"] != other["row_hash"]:
        found.append(("(rows)", "the same values, but not in the same rows"))
    return found, inexact


def compare_output(con, output, folders):
    """Print how each implementation's `output` compares with the first's; False on a mismatch."""
    paths = {name: os.path.join(folder, output) for name, folder in folders.items()}
    sums = {name: checksums(con, path) for name, path in paths.items()}
    ref_name, *others = list(folders)
    ref = sums[ref_name]
    rows = ", ".join(f"{name} {s['rows']:,}" for name, s in sums.items())
    print(f"{output}: {len(ref['columns'])} columns; rows: {rows}")
    ok = True
    for name in others:
        found, inexact = differences(ref, sums[name])
        if not found:
            found = float_values_by_row(con, paths[ref_name], paths[name], ref["columns"])
        for column, what in found:
            print(f"  MISMATCH {name} vs {ref_name}: {output} column {column}: {what}")
        if found:
            ok = False
        elif inexact:
            print(f"  {name} agrees with {ref_name} (within {REL_TOL:g}, not bit-identical: {', '.join(inexact)})")
        else:
            print(f"  {name} agrees with {ref_name} (bit-identical)")
    return ok


def main(args):
    pairs = [a.split("=", 1) for a in args]
    if len(pairs) < 2 or any(len(p) != 2 for p in pairs):
        sys.exit(__doc__)
    con = duckdb.connect()
    results = [compare_output(con, output, dict(pairs)) for output in OUTPUTS]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
