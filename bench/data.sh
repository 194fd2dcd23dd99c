#!/usr/bin/env bash
# Inputs of the pipeline benchmark: N generated orders (with their exact duplicates and dirt),
# their customers and products, and sample_data/fx_rates.csv, as Parquet in
# $BENCH_DIR/data-N (default $HOME/.cache/sluice/bench/data-N). The CSV comes from sluice-datagen
# and is converted by `sluice run` with the sample pipeline's own source nodes, so the Parquet
# columns are what those nodes read: amount and ordered_at stay raw text. SHA256SUMS lists
# every file; it is written last, so a folder without it is incomplete and made again.
#
#   bench/data.sh 1000000            # makes data-1000000 unless it is there
#   bench/data.sh 1000000 --verify   # generates again elsewhere and compares the checksums
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$BENCH_ROOT"
N="${1:?usage: bench/data.sh N [--verify]}"
DATA="$BENCH_DIR/data-$N"

generate() {
  local dir="$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  # The generator has no DuckDB in it: an optimised build of it alone is quick and separate.
  env CARGO_TARGET_DIR="$HOME/.cache/sluice/target-datagen" \
    cargo build --release -q --manifest-path crates/sluice-datagen/Cargo.toml
  "$HOME/.cache/sluice/target-datagen/release/sluice-datagen" --out "$dir/csv" --orders "$N" --events 1000 >/dev/null
  python3 bench/specs.py convert "$dir"
  bench_release_build
  bench_wait_for_sluice
  bench_sluice_flags
  "$SLUICE_BIN" run "$dir/convert.sluice.json" "${SLUICE_RUN_FLAGS[@]}" >"$dir/convert.log" 2>&1 || {
    cat "$dir/convert.log" >&2
    return 1
  }
  (cd "$dir" && sha256sum csv/orders.csv.gz csv/customers.csv csv/products.csv orders.parquet customers.parquet \
    products.parquet fx_rates.parquet >SHA256SUMS.part)
  # Only the Parquet files are read from here on; the CSV's checksums stay in SHA256SUMS.
  rm -rf "$dir/csv" "$dir/convert.sluice.json" "$dir/convert.log" "$dir/.sluice"
  mv "$dir/SHA256SUMS.part" "$dir/SHA256SUMS"
}

if [ "${2:-}" = "--verify" ]; then
  [ -f "$DATA/SHA256SUMS" ] || generate "$DATA"
  again="$BENCH_DIR/verify-$N"
  generate "$again"
  if diff "$DATA/SHA256SUMS" "$again/SHA256SUMS"; then
    echo "data-$N: a second generation gives identical files:"
    cat "$DATA/SHA256SUMS"
    rm -rf "$again"
  else
    echo "data-$N: a second generation differs (kept in $again)" >&2
    exit 1
  fi
elif [ -f "$DATA/SHA256SUMS" ]; then
  echo "data ready: $DATA"
else
  echo "generating $N orders into $DATA…"
  generate "$DATA"
  echo "data ready: $DATA"
fi
