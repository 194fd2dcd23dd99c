#!/usr/bin/env bash
# What the result cache saves: the benchmark pipeline (bench/specs.py: the sample feature
# pipeline on ROWS generated orders in Parquet) run in full with an empty cache, then re-run after
# an edit, each RUNS times, alternating; prints the medians and the ratios as a markdown table.
#   - full, empty cache: every node computed and stored in the cache;
#   - full, no cache (--no-cache): every node computed in memory, nothing stored;
#   - leaf edit: a param of one sink changed (write_monthly's delimiter): only that node runs;
#   - feature edit: the derive that computes the features changed: it and the two nodes below
#     it run, the rest is read back from the cache.
# Checks that compare with earlier runs (orders_volume, recent_drift) are measured on every run.
#
#   bench/cache.sh                      # 10M rows, 5 runs each
#   ROWS=1000000 RUNS=3 bench/cache.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$BENCH_ROOT"
ROWS="${ROWS:-10000000}"
RUNS="${RUNS:-5}"
bench_pipeline cache

# Set a node's param in the spec (value as JSON).
set_param() {
  python3 - "$SPEC" "$1" "$2" "$3" <<'PY'
import json, sys
path, node, param, value = sys.argv[1:]
spec = json.load(open(path))
for n in spec["nodes"]:
    if n["id"] == node:
        n["params"][param] = json.loads(value)
json.dump(spec, open(path, "w"), indent=2)
PY
}

# Edit the features node: return_rate of customers without orders alternates between null and 0.
toggle_return_rate() {
  python3 - "$SPEC" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
cols = next(n for n in spec["nodes"] if n["id"] == "features")["params"]["columns"]
e = cols["return_rate"]
cols["return_rate"] = e.replace(" ELSE 0 END", " END") if " ELSE 0 END" in e else e.replace(" END", " ELSE 0 END")
json.dump(spec, open(sys.argv[1], "w"), indent=2)
PY
}

# Seconds taken by one run; its node_finished events go to $WORK/last.jsonl.
timed_run() {
  local t0 t1
  t0=$(date +%s.%N)
  "$SLUICE_BIN" run "$SPEC" --no-history --cache-dir "$WORK/cache" --json "$@" >"$WORK/last.jsonl" 2>"$WORK/last.err" || {
    cat "$WORK/last.err" >&2
    return 1
  }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
computed() {
  python3 -c 'import json,sys; print(" ".join(e["node"] for e in map(json.loads, open(sys.argv[1])) if e.get("event") == "node_finished" and not e["cached"]))' "$WORK/last.jsonl"
}
median() { sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.2f", m}'; }

full=(); nocache=(); leaf=(); feature=()
delims=("," ";")
for i in $(seq "$RUNS"); do
  rm -rf "$WORK/cache"
  full+=("$(timed_run)")
  set_param write_monthly delimiter "\"${delims[$((i % 2))]}\""
  leaf+=("$(timed_run)")
  leaf_nodes="$(computed)"
  toggle_return_rate
  feature+=("$(timed_run)")
  feature_nodes="$(computed)"
  nocache+=("$(timed_run --no-cache)")
done

m_full=$(printf '%s\n' "${full[@]}" | median)
m_nocache=$(printf '%s\n' "${nocache[@]}" | median)
m_leaf=$(printf '%s\n' "${leaf[@]}" | median)
m_feature=$(printf '%s\n' "${feature[@]}" | median)
ratio() { echo "scale=4; $1 / $2" | bc -l | awk '{printf "%.3f", $1}'; }
echo
echo "Re-running after an edit: $ROWS orders, $RUNS runs each, medians (seconds)"
echo
echo "| run | median s | ratio to the full run |"
echo "|---|---:|---:|"
echo "| full run, empty cache (fills it) | $m_full | 1.000 |"
echo "| full run, --no-cache | $m_nocache | $(ratio "$m_nocache" "$m_full") |"
echo "| after a leaf edit (write_monthly) | $m_leaf | $(ratio "$m_leaf" "$m_full") |"
echo "| after a feature edit (features) | $m_feature | $(ratio "$m_feature" "$m_full") |"
echo
echo "computed after the leaf edit: $leaf_nodes"
echo "computed after the feature edit: $feature_nodes"
echo "cache: $(du -sh "$WORK/cache" | cut -f1) in $WORK/cache"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB; sluice: $SLUICE_BIN"
