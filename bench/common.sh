# Shared settings of the pipeline benchmark (bench/data.sh, bench/run.sh, bench/spill.sh);
# sourced, not run.
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$HOME/.cache/sluice/bench}"
BENCH_VENV="${BENCH_VENV:-$HOME/.cache/sluice/bench-venv}"
BENCH_PY="$BENCH_VENV/bin/python"

# The sluice binary: SLUICE_BIN, else the release build (bench_release_build makes it).
SLUICE_TARGET="${CARGO_TARGET_DIR:-$HOME/.cache/sluice/target}"
SLUICE_BIN="${SLUICE_BIN:-$SLUICE_TARGET/release/sluice}"
export SLUICE_BIN

# Build the release CLI when SLUICE_BIN is that build (the first time, DuckDB's C++ is compiled
# again with the release profile: about 40 minutes on 2 cores).
bench_release_build() {
  if [ "$SLUICE_BIN" = "$SLUICE_TARGET/release/sluice" ]; then
    (cd "$BENCH_ROOT" && CARGO_TARGET_DIR="$SLUICE_TARGET" cargo build --release -q)
  fi
}

# The benchmark's own venv with the pinned duckdb, pandas and Polars (bench/requirements.txt),
# reinstalled when the pins change.
bench_venv() {
  local stamp="$BENCH_VENV/.requirements"
  if [ -x "$BENCH_PY" ] && cmp -s "$BENCH_ROOT/bench/requirements.txt" "$stamp"; then
    return 0
  fi
  [ -x "$BENCH_PY" ] || python3 -m venv "$BENCH_VENV"
  "$BENCH_PY" -m pip install -q --disable-pip-version-check -r "$BENCH_ROOT/bench/requirements.txt"
  cp "$BENCH_ROOT/bench/requirements.txt" "$stamp"
}

# The benchmark pipeline on ROWS orders in a fresh folder $BENCH_DIR/NAME-ROWS: makes the data
# when missing and the release CLI, and sets DATA, WORK and SPEC.
bench_pipeline() {
  local name="$1"
  bench/data.sh "$ROWS"
  DATA="$BENCH_DIR/data-$ROWS"
  WORK="$BENCH_DIR/$name-$ROWS"
  rm -rf "$WORK"
  mkdir -p "$WORK"
  SPEC="$WORK/pipeline.sluice.json"
  python3 bench/specs.py bench "$DATA" "$SPEC"
  bench_release_build
  bench_wait_for_sluice
}

# The binary is rebuilt from time to time and may be missing for a while: wait for it.
bench_wait_for_sluice() {
  local waited=0
  until [ -x "$SLUICE_BIN" ] && "$SLUICE_BIN" --version >/dev/null 2>&1; do
    if [ "$waited" -ge 1800 ]; then
      echo "no working sluice binary at $SLUICE_BIN (set SLUICE_BIN)" >&2
      return 1
    fi
    [ "$waited" -eq 0 ] && echo "waiting for $SLUICE_BIN…" >&2
    sleep 10
    waited=$((waited + 10))
  done
}

# Flags of every timed or converting `sluice run`: no run history, and no result cache where the
# binary has one (a cached node would be read back instead of computed).
bench_sluice_flags() {
  SLUICE_RUN_FLAGS=(--no-history)
  if "$SLUICE_BIN" run --help 2>/dev/null | grep -q -- '--no-cache'; then
    SLUICE_RUN_FLAGS+=(--no-cache)
  fi
}
