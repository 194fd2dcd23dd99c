#!/usr/bin/env bash
# The feature pipeline four ways on the same data: (a) `sluice run` on a copy of
# sample_data/pipelines/customer_features.sluice.json reading Parquet, (b) the same pipeline as
# one hand-written SQL script run by Python duckdb (bench/pipeline.sql, the floor), (c) pandas,
# (d) Polars. Makes the data if missing (bench/data.sh), runs the four in alternation RUNS times,
# checks once that they wrote the same outputs (bench/compare.py), and prints a markdown table
# (median wall time, peak RSS, ratio to sluice), the machine and the versions.
#
#   bench/run.sh                        # 10M orders, 5 runs each
#   ROWS=1000000 RUNS=1 bench/run.sh    # a quick check
#   SLUICE_BIN=path/to/sluice bench/run.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$BENCH_ROOT"
ROWS="${ROWS:-10000000}"
RUNS="${RUNS:-5}"

bench_venv
bench/data.sh "$ROWS" >&2
bench_release_build
bench_wait_for_sluice
"$BENCH_PY" bench/bench.py --data "$BENCH_DIR/data-$ROWS" --work "$BENCH_DIR/runs-$ROWS" --runs "$RUNS" --compare
