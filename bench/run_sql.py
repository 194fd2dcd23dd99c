"""Run bench/pipeline.sql, the hand-written SQL of the feature pipeline, with Python duckdb.

    python bench/run_sql.py DATA_DIR OUT_DIR

${data} and ${out} in the script become DATA_DIR and OUT_DIR. Statements run one by one and
each result is fetched, so the check queries are computed (and their error() stops the script
with exit code 1, as a failed check of severity error stops `sluice run`).
"""
import os
import sys

import duckdb

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pipeline.sql")


def sql_string(value):
    """A path as the inside of a SQL string literal."""
    return value.replace("'", "''")


def main(data_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(SCRIPT, encoding="utf-8") as f:
        script = f.read()
    script = script.replace("${data}", sql_string(os.path.abspath(data_dir)))
    script = script.replace("${out}", sql_string(os.path.abspath(out_dir)))
    con = duckdb.connect()
    try:
        for statement in duckdb.extract_statements(script):
            con.execute(statement).fetchall()
    except duckdb.Error as e:
        sys.exit(f"pipeline.sql: {e}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
