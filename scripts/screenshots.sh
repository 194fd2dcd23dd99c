#!/usr/bin/env bash
# Screenshots of the desktop app under Xvfb for docs/screenshots: the sample pipeline after a run,
# a node's preview and profile, and the failed checks of a run on the problem inputs. They are
# taken by the desktop end-to-end test, which drives the real app (tauri-driver, WebKitWebDriver).
# Needs a built workspace and UI (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
sluice_tauri_driver
mkdir -p docs/screenshots
(cd tests/e2e && npm ci --no-audit --no-fund >/dev/null && SLUICE_SCREENSHOTS="$PWD/../../docs/screenshots" node --test desktop.test.mjs)
echo "screenshots in docs/screenshots"
