#!/usr/bin/env bash
# Run every test: the UI's unit tests, the Rust workspace (unit and end-to-end on real files),
# and the browser end-to-end test of the designer against the real engine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
sluice_build_ui
(cd ui && npm test)
cargo build --workspace   # the binaries the end-to-end tests drive
cargo test --workspace
if [ -f tests/e2e/package.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund && npm test)
fi
