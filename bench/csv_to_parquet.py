"""(B)'s second step in bench/postgres.sh: the CSV psql exported, read by duckdb with the table's
column types, written to zstd Parquet.

    python bench/csv_to_parquet.py CSV PARQUET
"""
import sys

# The columns of bench/postgres.sql and the DuckDB types sluice reads them as, so that both
# Parquet files have the same schema.
COLUMNS = {
    "id": "BIGINT",
    "quantity": "INTEGER",
    "amount": "DECIMAL(12,2)",
    "score": "DOUBLE",
    "note": "VARCHAR",
    "status": "VARCHAR",
    "active": "BOOLEAN",
    "day": "DATE",
    "created_at": "TIMESTAMP",
    "updated_at": "TIMESTAMP WITH TIME ZONE",
}


def sql_string(s):
    return "'" + s.replace("'", "''") + "'"


def main(csv, parquet):
    import duckdb

    columns = "{" + ", ".join(f"{sql_string(n)}: {sql_string(t)}" for n, t in COLUMNS.items()) + "}"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_csv({sql_string(csv)}, header = true, columns = {columns})) "
        f"TO {sql_string(parquet)} (FORMAT parquet, COMPRESSION zstd)"
    )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
