#!/usr/bin/env bash
# Time to profile a large node: `sluice profile` on ROWS generated orders (default 10 million),
# full (every row; above a million rows distinct counts are estimated and quantiles come from a
# seeded 100,000-row sample) and sampled (`--sample 100000`: every statistic of a sample), each
# RUNS times; prints the medians and the machine. The orders come from
# sluice-datagen, converted once to Parquet so the timing is the profile, not CSV parsing.
#
#   bench/profile.sh                 # 10M rows, 5 runs each
#   ROWS=1000000 RUNS=3 bench/profile.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$BENCH_ROOT"
bench_release_build
ROWS="${ROWS:-10000000}"
RUNS="${RUNS:-5}"
SAMPLE="${SAMPLE:-100000}"
WORK="${BENCH_DIR:-$HOME/.cache/sluice/bench}/orders-$ROWS"
mkdir -p "$WORK"

# The generator has no DuckDB in it: an optimised build of it alone is quick and separate.
if [ ! -f "$WORK/orders.parquet" ]; then
  env CARGO_TARGET_DIR="$HOME/.cache/sluice/target-datagen" \
    cargo build --release -q --manifest-path crates/sluice-datagen/Cargo.toml
  "$HOME/.cache/sluice/target-datagen/release/sluice-datagen" --out "$WORK/csv" --orders "$ROWS" --events 1000 >/dev/null
  cat > "$WORK/convert.sluice.json" <<JSON
{
  "version": 1,
  "name": "bench_convert",
  "nodes": [
    {"id": "orders", "kind": "read_csv", "params": {"path": "csv/orders.csv.gz", "types": {"amount": "VARCHAR", "ordered_at": "VARCHAR", "coupon_code": "VARCHAR"}, "nulls": ["", "N/A"]}},
    {"id": "parsed", "kind": "derive", "inputs": {"input": "orders"}, "params": {"columns": {
      "amount": "TRY_CAST(replace(amount, ',', '.') AS DECIMAL(12, 2))",
      "ordered_at": "COALESCE(try_strptime(ordered_at, '%Y-%m-%d %H:%M:%S'), try_strptime(ordered_at, '%Y/%m/%d %H:%M:%S'))"}}},
    {"id": "write", "kind": "write_parquet", "inputs": {"input": "parsed"}, "params": {"path": "orders.parquet"}}
  ]
}
JSON
  "$SLUICE_BIN" run "$WORK/convert.sluice.json" --no-history >/dev/null
fi
cat > "$WORK/profile.sluice.json" <<JSON
{
  "version": 1,
  "name": "bench_profile",
  "nodes": [{"id": "orders", "kind": "read_parquet", "params": {"path": "orders.parquet"}}]
}
JSON

median() { sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m}'; }
time_runs() {
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s.%N)
    "$SLUICE_BIN" profile "$WORK/profile.sluice.json" orders "$@" --json --no-cache >/dev/null
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
  done
}
rows=$("$SLUICE_BIN" profile "$WORK/profile.sluice.json" orders --sample 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"])')
cols=$("$SLUICE_BIN" profile "$WORK/profile.sluice.json" orders --sample 1 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["columns"]))')
# Alternate the two so both see the same machine load.
exact=(); sampled=()
for _ in $(seq "$RUNS"); do
  exact+=("$(RUNS=1 time_runs)")
  sampled+=("$(RUNS=1 time_runs --sample "$SAMPLE")")
done
me=$(printf '%s\n' "${exact[@]}" | median)
ms=$(printf '%s\n' "${sampled[@]}" | median)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "node: $rows rows x $cols columns (Parquet), $RUNS runs each, alternating"
echo "profile full:             median ${me} s   (runs: ${exact[*]})"
echo "profile --sample $SAMPLE: median ${ms} s   (runs: ${sampled[*]})"
echo "ratio full / sampled: $(echo "$me / $ms" | bc -l | xargs printf '%.1f')"
