#!/usr/bin/env bash
# Preview latency of a leaf node of the benchmark pipeline (bench/specs.py: the sample feature
# pipeline on ROWS generated orders in Parquet): `sluice preview SPEC NODE --json` (its first 100
# rows and every column's histogram), timed from the process start to its exit, as the designer's
# preview goes through the same engine call.
#   - cold: --no-cache, every node the preview needs is computed (COLD_RUNS times);
#   - cached: the cache filled by one preview first, then RUNS previews reuse it.
# Prints the median and the 95th percentile of each.
#
#   bench/preview.sh                            # 10M rows, node feature_columns
#   ROWS=1000000 RUNS=10 NODE=per_customer bench/preview.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$BENCH_ROOT"
ROWS="${ROWS:-10000000}"
RUNS="${RUNS:-20}"
COLD_RUNS="${COLD_RUNS:-5}"
NODE="${NODE:-feature_columns}"
bench_pipeline preview

timed() {
  local t0 t1
  t0=$(date +%s.%N)
  "$SLUICE_BIN" preview "$SPEC" "$NODE" --limit 100 --json --history-dir "$WORK/history" "$@" >"$WORK/last.json"
  t1=$(date +%s.%N)
  echo "($t1 - $t0) * 1000" | bc -l
}
stats() {
  sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; p = a[int(0.95 * NR + 0.999)]; if (p == "") p = a[NR]; printf "%.0f | %.0f", m, p}'
}

cold=()
for _ in $(seq "$COLD_RUNS"); do cold+=("$(timed --no-cache)"); done
timed --cache-dir "$WORK/cache" >/dev/null
cached=()
for _ in $(seq "$RUNS"); do cached+=("$(timed --cache-dir "$WORK/cache")"); done
rows=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total_rows"])' "$WORK/last.json")

echo
echo "Preview of '$NODE' ($rows rows) at $ROWS orders: first 100 rows and every column's histogram"
echo
echo "| preview | runs | median ms | p95 ms |"
echo "|---|---:|---:|---:|"
echo "| cold (--no-cache) | $COLD_RUNS | $(printf '%s\n' "${cold[@]}" | stats) |"
echo "| with the cache | $RUNS | $(printf '%s\n' "${cached[@]}" | stats) |"
echo
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; sluice: $SLUICE_BIN"
