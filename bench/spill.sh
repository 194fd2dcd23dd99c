#!/usr/bin/env bash
# `sluice run` of the feature pipeline on more data than its memory limit: ROWS orders (default
# 50 million) under SLUICE_MEMORY_LIMIT (default 1GB), spilling to SLUICE_TEMP_DIR (default
# $BENCH_DIR/spill). Reports whether the run completed, its wall time, peak RSS and the peak
# size of the spill folder. With CHECK=1 (the default) the hand-written SQL floor runs too,
# without a limit, and bench/compare.py checks that the spilled run wrote the same outputs.
# sluice keeps every node's rows until the run ends, so the spill folder grows to several times
# the input (about 0.6 GB per million orders under a 200MB limit): mind the free disk space.
#
#   bench/spill.sh
#   ROWS=1000000 SLUICE_MEMORY_LIMIT=200MB bench/spill.sh    # a quick check
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$BENCH_ROOT"
ROWS="${ROWS:-50000000}"
RUNS="${RUNS:-1}"
CHECK="${CHECK:-1}"
LIMIT="${SLUICE_MEMORY_LIMIT:-1GB}"
SPILL="${SLUICE_TEMP_DIR:-$BENCH_DIR/spill}"

bench_venv
# The data is converted without the limit: only the timed run has it.
env -u SLUICE_MEMORY_LIMIT -u SLUICE_TEMP_DIR bench/data.sh "$ROWS" >&2
bench_release_build
bench_wait_for_sluice
rm -rf "$SPILL"
mkdir -p "$SPILL"
echo "spill folder $SPILL: $(df -h --output=avail "$SPILL" | tail -1 | tr -d ' ') free" >&2
impls=sluice
[ "$CHECK" = 1 ] && impls=sluice,sql
status=0
SLUICE_MEMORY_LIMIT="$LIMIT" SLUICE_TEMP_DIR="$SPILL" \
  "$BENCH_PY" bench/bench.py --data "$BENCH_DIR/data-$ROWS" --work "$BENCH_DIR/spill-runs-$ROWS" --runs "$RUNS" \
  --impls "$impls" --compare --watch "$SPILL" || status=$?
rm -rf "$SPILL"
if [ "$status" = 0 ]; then
  echo "spill run under $LIMIT: completed"
else
  echo "spill run under $LIMIT: did not complete (exit $status; see above)"
  exit 1
fi
