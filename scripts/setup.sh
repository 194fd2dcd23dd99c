#!/usr/bin/env bash
# Set up a fresh Debian 12 machine, build everything, and open the designer on the sample pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
sluice_apt_install
command -v cargo >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 1; }
sluice_build_ui
echo "building Sluice (the first build compiles DuckDB: about 30 minutes on 2 cores)…"
cargo build --workspace
"$SLUICE_BIN" run sample_data/pipelines/customer_features.sluice.json
echo
echo "CLI: $SLUICE_BIN    desktop app: $SLUICE_DESKTOP_BIN"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$SLUICE_DESKTOP_BIN" sample_data/pipelines/customer_features.sluice.json
else
  echo "no display: start the app later with $SLUICE_DESKTOP_BIN sample_data/pipelines/customer_features.sluice.json"
fi
