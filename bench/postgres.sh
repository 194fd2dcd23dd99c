#!/usr/bin/env bash
# Reading a PostgreSQL table into a Parquet file two ways, on a throwaway server
# (scripts/servers.sh, stopped on exit) and a table of ROWS rows × 10 columns of mixed types
# generated in PostgreSQL (bench/postgres.sql: deterministic, 5 % NULLs in every non-key column):
#   (A) `sluice run --no-cache --no-history` of read_postgres → write_parquet (release build);
#   (B) psql's `\copy (SELECT * FROM t) TO 'x.csv' CSV HEADER`, then Python duckdb reading the CSV
#       (the column types given) into Parquet, as one shell command.
# Both write zstd Parquet in the order the rows arrive. Runs the two in alternation RUNS times
# (bench/postgres.py), checks once that the two files hold the same rows (EXCEPT ALL both ways)
# and prints a markdown table (median, min and max wall time, CPU, peak RSS, ratio A/B), the
# COPY alone in binary and CSV form (psql to /dev/null), the machine and the versions.
#
#   bench/postgres.sh                       # 1M rows, 5 runs each
#   ROWS=100000 RUNS=1 bench/postgres.sh    # a quick check
#   SLUICE_BIN=path/to/sluice bench/postgres.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$BENCH_ROOT"
ROWS="${ROWS:-1000000}"
RUNS="${RUNS:-5}"

bench_venv
bench_release_build
bench_wait_for_sluice

# A short path (the servers' sockets live under it) that PostgreSQL's own user can pass through.
WORK=$(mktemp -d /tmp/sluice-pg-bench.XXXXXX)
chmod 711 "$WORK"
trap 'scripts/servers.sh stop "$WORK/servers" >/dev/null || true; rm -rf "$WORK"' EXIT
scripts/servers.sh start "$WORK/servers" >&2
source "$WORK/servers/env"
export PGPASSWORD="$SLUICE_TEST_PG_PASSWORD"

echo "generating $ROWS rows in PostgreSQL…" >&2
"$SLUICE_TEST_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -v rows="$ROWS" -d "$SLUICE_TEST_PG_URL" -f bench/postgres.sql >&2

"$BENCH_PY" bench/postgres.py bench --work "$WORK" --runs "$RUNS" --table bench_rows
