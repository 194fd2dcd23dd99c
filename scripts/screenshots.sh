#!/usr/bin/env bash
# Screenshots of the desktop app under Xvfb for docs/screenshots: the sample pipeline after a run,
# a node's preview and profile, the failed checks of a run on the problem inputs, and the
# Connections panel browsing throwaway PostgreSQL and MariaDB servers, taken by the desktop
# end-to-end test, which drives the real app (tauri-driver, WebKitWebDriver); and the HTML run
# reports of a good and a failed run, taken by the report test in headless Chromium.
# Needs a built workspace and UI (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
sluice_tauri_driver
mkdir -p docs/screenshots
# The database servers the Connections screenshots browse, stopped however this ends.
SLUICE_SERVERS_DIR="$(mktemp -d -t sluice-servers.XXXXXX)"
trap 'scripts/servers.sh stop "$SLUICE_SERVERS_DIR" || true' EXIT
scripts/servers.sh start "$SLUICE_SERVERS_DIR"
source "$SLUICE_SERVERS_DIR/env"
(cd tests/e2e && npm ci --no-audit --no-fund >/dev/null && SLUICE_SCREENSHOTS="$PWD/../../docs/screenshots" node --test --test-concurrency=1 desktop.test.mjs report.test.mjs)
echo "screenshots in docs/screenshots"
