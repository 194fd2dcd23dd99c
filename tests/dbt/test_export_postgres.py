"""`sluice export dbt --dialect postgres` against `sluice run`, on a PostgreSQL table.

A spec reads a table of generated rows with `read_postgres` (connection `warehouse`, given as
`SLUICE_CONN_WAREHOUSE_URL` and `SLUICE_CONN_WAREHOUSE_PASSWORD`), filters, derives, checks and
aggregates it, and writes two sinks. `sluice run` writes them as Parquet; the exported project,
built by dbt-postgres in another schema of the same database, has the same rows: the same values
(floats to the bit), the same NULLs. No file of the exported project holds the password. A DuckDB
export of the same spec reads the table as a dbt source too, with the connection defined when
exporting and without.

The server is the suite's throwaway one (scripts/servers.sh): SLUICE_TEST_PG_URL and
SLUICE_TEST_PG_PASSWORD name it.
"""

import datetime
import decimal
import json
import math
import os
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import psycopg2
import pytest

from conftest import DBT, SLUICE

ROWS = 3000


@pytest.fixture(scope="module")
def server() -> dict:
    url, password = os.environ.get("SLUICE_TEST_PG_URL"), os.environ.get("SLUICE_TEST_PG_PASSWORD")
    if not url or not password:
        pytest.fail(
            "no test PostgreSQL server: SLUICE_TEST_PG_URL and SLUICE_TEST_PG_PASSWORD are not set "
            "(start one with `scripts/servers.sh start DIR && source DIR/env`)"
        )
    u = urlparse(url)
    return {"url": url, "password": password, "host": u.hostname, "port": u.port or 5432, "user": u.username, "dbname": u.path.lstrip("/")}


def connect(server: dict):
    return psycopg2.connect(
        host=server["host"], port=server["port"], user=server["user"], password=server["password"], dbname=server["dbname"]
    )


@pytest.fixture()
def schemas(server: dict):
    """A schema holding the source table, and one for dbt's models; both dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    source, target = f"sluice_src_{tag}", f"sluice_dbt_{tag}"
    con = connect(server)
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {source}")
        # Deterministic rows: NULLs in several columns, text in mixed case and beyond ASCII,
        # exact decimals, doubles that do not add up exactly, times over two months.
        cur.execute(
            f"""
            CREATE TABLE {source}.orders AS
            SELECT i::bigint AS id,
                   CASE WHEN i % 17 = 0 THEN NULL ELSE 'cust_' || (i % 23) END AS customer,
                   (ARRAY['north', 'South', 'east', 'Wëst'])[1 + i % 4] AS region,
                   round((i * 7.31) % 500, 2)::numeric(12, 2) AS amount,
                   CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 0.1)::float8 / 3 END AS price,
                   (i % 9)::int AS qty,
                   timestamp '2025-01-01' + i * interval '37 minutes' AS ordered_at,
                   (i % 3 = 0) AS flag
            FROM generate_series(1, {ROWS}) AS i
            """
        )
    yield source, target
    with con.cursor() as cur:
        cur.execute(f"DROP SCHEMA IF EXISTS {source} CASCADE")
        cur.execute(f"DROP SCHEMA IF EXISTS {target} CASCADE")
    con.close()


def write_spec(folder: Path, source_schema: str) -> Path:
    spec = {
        "version": 1,
        "name": "warehouse orders",
        "nodes": [
            {"id": "orders", "kind": "read_postgres", "params": {"connection": "warehouse", "schema": source_schema, "table": "orders"}},
            {
                "id": "recent",
                "kind": "filter",
                "inputs": {"input": "orders"},
                "params": {"predicate": "qty > 0 AND ordered_at >= TIMESTAMP '2025-01-05 00:00:00'"},
            },
            {
                "id": "priced",
                "kind": "derive",
                "inputs": {"input": "recent"},
                "params": {
                    "columns": {
                        "total": "amount * qty",
                        # qty 1 divides by zero: Infinity, as in DuckDB.
                        "per_extra": "price / (qty - 1)",
                        "month": "date_trunc('month', ordered_at)",
                        "big": "amount > 250 AND flag",
                        "label": "lower(region) || '-' || coalesce(customer, '?')",
                    }
                },
            },
            {"id": "ids", "kind": "check_not_null", "inputs": {"input": "priced"}, "params": {"columns": ["id", "region"]}},
            {
                "id": "by_region",
                "kind": "aggregate",
                "inputs": {"input": "ids"},
                "params": {
                    "group_by": ["region", "customer", "month"],
                    "aggregates": {
                        "orders": {"fn": "count"},
                        "priced": {"fn": "count", "column": "price"},
                        "revenue": {"fn": "sum", "column": "total"},
                        "price_sum": {"fn": "sum", "column": "price"},
                        "price_mean": {"fn": "mean", "column": "price"},
                        "max_amount": {"fn": "max", "column": "amount"},
                        "median_qty": {"fn": "median", "column": "qty"},
                    },
                },
            },
            {"id": "write_rows", "kind": "write_parquet", "inputs": {"input": "ids"}, "params": {"path": "out/priced.parquet"}},
            {"id": "write_groups", "kind": "write_parquet", "inputs": {"input": "by_region"}, "params": {"path": "out/by_region.parquet"}},
        ],
    }
    path = folder / "orders.sluice.json"
    path.write_text(json.dumps(spec, indent=2))
    return path


def sluice_env(tmp_path: Path, server: dict | None) -> dict:
    """The environment sluice runs in: its own (empty) connections file, and the connection
    `warehouse` when `server` is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_CONN_")}
    env["SLUICE_CONNECTIONS"] = str(tmp_path / "connections.json")
    if server is not None:
        env["SLUICE_CONN_WAREHOUSE_URL"] = server["url"]
        env["SLUICE_CONN_WAREHOUSE_PASSWORD"] = server["password"]
    return env


def run(args: list, env: dict, cwd: Path | None = None) -> subprocess.CompletedProcess:
    p = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=900)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {p.returncode}:\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}")
    return p


def export(spec: Path, out: Path, dialect: str, env: dict) -> subprocess.CompletedProcess:
    return run([str(SLUICE), "export", "dbt", str(spec), "--out", str(out), "--dialect", dialect], env)


def files_holding(folder: Path, text: str) -> list[str]:
    needle = text.encode()
    return [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def key(v) -> tuple:
    """A sort key that does not depend on how each side typed a value."""
    if v is None:
        return (1, "")
    if isinstance(v, float) and math.isnan(v):
        return (0, "nan")
    if isinstance(v, decimal.Decimal):
        return (0, format(v.normalize(), "f"))
    if isinstance(v, (datetime.date, datetime.datetime)):
        return (0, v.isoformat())
    return (0, repr(v))


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, (decimal.Decimal, int)) and isinstance(b, (decimal.Decimal, int)):
        return decimal.Decimal(a) == decimal.Decimal(b)
    return a == b and type(a) is type(b)


def within_ulp(a, b) -> bool:
    """Equal, or neighbouring doubles."""
    if a is None or b is None or not (isinstance(a, float) and isinstance(b, float)):
        return same(a, b)
    return same(a, b) or abs(a - b) <= math.ulp(max(abs(a), abs(b)))


def assert_same_rows(ours: tuple, theirs: tuple, what: str, sums: frozenset = frozenset()) -> list:
    """The same rows in any order, every value the same; the columns in `sums` (compensated
    float sums and means) to the neighbouring double. Returns the rows, sluice's and dbt's, in
    one order."""
    (our_cols, our_rows), (their_cols, their_rows) = ours, theirs
    assert our_cols == their_cols, f"{what}: columns {our_cols} != {their_cols}"
    assert len(our_rows) == len(their_rows), f"{what}: {len(our_rows)} rows != {len(their_rows)}"
    exact = [c not in sums for c in our_cols]
    order = lambda r: [key(v) for v, e in zip(r, exact) if e]
    a, b = sorted(our_rows, key=order), sorted(their_rows, key=order)
    for i, (x, y) in enumerate(zip(a, b)):
        bad = [(c, u, v) for c, u, v in zip(our_cols, x, y) if not (same(u, v) if c not in sums else within_ulp(u, v))]
        assert not bad, f"{what}: row {i} differs in {bad[:4]}\nsluice: {x}\ndbt:    {y}"
    return list(zip(a, b))


def parquet_rows(path: Path) -> tuple:
    rel = duckdb.sql(f"SELECT * FROM read_parquet('{path}')")
    return rel.columns, rel.fetchall()


def table_rows(server: dict, schema: str, table: str) -> tuple:
    with connect(server) as con, con.cursor() as cur:
        cur.execute(f'SELECT * FROM "{schema}"."{table}"')
        return [d[0] for d in cur.description], cur.fetchall()


def test_postgres_export_builds_the_rows_sluice_writes(server: dict, schemas, tmp_path: Path):
    source, target = schemas
    spec = write_spec(tmp_path, source)
    env = sluice_env(tmp_path, server)
    run([str(SLUICE), "run", str(spec), "--no-cache"], env)

    project = tmp_path / "dbt-postgres"
    export(spec, project, "postgres", env)
    assert files_holding(project, server["password"]) == [], "the exported project holds the connection's password"
    sources_yml = (project / "models/sources.yml").read_text()
    assert "  - name: warehouse\n" in sources_yml and f'schema: "{source}"' in sources_yml, sources_yml
    assert "{{ source('warehouse', 'orders') }}" in (project / "models/orders.sql").read_text()
    profile = (project / "profiles.yml").read_text()
    assert f'host: "{server["host"]}"' in profile and f"port: {server['port']}" in profile, profile
    assert "{{ env_var('SLUICE_CONN_WAREHOUSE_PASSWORD', '') }}" in profile, profile

    dbt_env = dict(env, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1", SLUICE_DBT_SCHEMA=target)
    build = subprocess.run(
        [str(DBT), "build", "--profiles-dir", ".", "--project-dir", ".", "--no-use-colors"],
        cwd=project, capture_output=True, text=True, env=dbt_env, timeout=900,
    )
    assert build.returncode == 0, build.stdout[-6000:] + build.stderr[-3000:]
    rows = parquet_rows(tmp_path / "out/priced.parquet")
    assert_same_rows(rows, table_rows(server, target, "write_rows"), "write_rows")
    # Float sums: sluice's (DuckDB's Kahan sum) and dbt's (summed exactly, rounded once) are the
    # same double but where Kahan's is not the correctly rounded sum: then they are neighbours,
    # and dbt's is the correctly rounded sum of the rows sluice wrote.
    groups = assert_same_rows(
        parquet_rows(tmp_path / "out/by_region.parquet"),
        table_rows(server, target, "write_groups"),
        "write_groups",
        sums=frozenset({"price_sum", "price_mean"}),
    )
    cols = rows[0]
    prices: dict = {}
    for r in rows[1]:
        row = dict(zip(cols, r))
        if row["price"] is not None:
            prices.setdefault((row["region"], row["customer"], row["month"]), []).append(row["price"])
    for ours, theirs in groups:
        group, price_sum = theirs[:3], theirs[6]
        assert price_sum == (math.fsum(prices[group]) if group in prices else None), (group, price_sum)
        assert ours[6] == price_sum or abs(ours[6] - price_sum) <= math.ulp(price_sum)
    exactly = sum(1 for ours, theirs in groups if ours[6] == theirs[6])
    assert exactly >= 0.9 * len(groups), f"only {exactly} of {len(groups)} float sums are the same double"
    # dbt's own files (compiled SQL, logs, artifacts) do not hold it either.
    assert files_holding(project, server["password"]) == []


def test_duckdb_export_reads_the_table_as_a_dbt_source(server: dict, schemas, tmp_path: Path):
    source, _ = schemas
    spec = write_spec(tmp_path, source)

    # The connection defined when exporting: the profile attaches it as it is.
    project = tmp_path / "dbt-duckdb"
    export(spec, project, "duckdb", sluice_env(tmp_path, server))
    sources_yml = (project / "models/sources.yml").read_text()
    assert "  - name: warehouse\n    database: \"warehouse\"\n" in sources_yml, sources_yml
    assert f'    schema: "{source}"\n' in sources_yml and "      - name: orders\n" in sources_yml, sources_yml
    model = (project / "models/orders.sql").read_text()
    assert "FROM {{ source('warehouse', 'orders') }}" in model and 'CAST("amount" AS DECIMAL(12,2))' in model, model
    assert "{{ ref(" not in model
    profile = (project / "profiles.yml").read_text()
    assert "type: postgres\n          alias: warehouse\n          read_only: true" in profile, profile
    assert f"host='{server['host']}'" in profile and "env_var('SLUICE_CONN_WAREHOUSE_PASSWORD'" in profile, profile
    assert files_holding(project, server["password"]) == []

    # Not defined when exporting: the export goes on, and the profile and README say what to set.
    project = tmp_path / "dbt-duckdb-undefined"
    p = export(spec, project, "duckdb", sluice_env(tmp_path, None))
    assert "D010" in p.stderr, p.stderr
    assert "{{ source('warehouse', 'orders') }}" in (project / "models/orders.sql").read_text()
    profile = (project / "profiles.yml").read_text()
    assert "host='{{ env_var('SLUICE_CONN_WAREHOUSE_HOST') }}'" in profile, profile
    readme = (project / "README.md").read_text()
    assert "connection `warehouse` (postgres) was not defined when this project was exported" in readme, readme
    assert files_holding(project, server["password"]) == []
