#!/usr/bin/env bash
# Run every test: the UI's unit tests, the Rust workspace (unit and end-to-end on real files),
# the reference tests (Sluice's numbers against pandas and scipy on the same data), the export
# tests (exported dbt projects built with dbt-duckdb, dbt-spark and dbt-snowflake on fakesnow
# against `sluice run`), and the end-to-end tests of the designer: in Chromium against the real
# engine, and the desktop app itself driven through tauri-driver under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
sluice_build_ui
(cd ui && npm test)
cargo build --workspace   # the binaries the end-to-end tests drive
# Throwaway PostgreSQL, MariaDB and S3 servers for the database and object storage tests, stopped however this ends.
sluice_servers_venv
SLUICE_SERVERS_DIR="$(mktemp -d -t sluice-servers.XXXXXX)"
trap 'scripts/servers.sh stop "$SLUICE_SERVERS_DIR" || true' EXIT
scripts/servers.sh start "$SLUICE_SERVERS_DIR"
source "$SLUICE_SERVERS_DIR/env"
cargo test --workspace
sluice_python_venv
"$SLUICE_VENV/bin/python" -m pytest -q -p no:cacheprovider tests/reference
sluice_dbt_venv
"$SLUICE_DBT_VENV/bin/python" -m pytest -q -p no:cacheprovider tests/dbt
sluice_tauri_driver
(cd tests/e2e && npm ci --no-audit --no-fund && npm test)
