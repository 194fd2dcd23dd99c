#!/usr/bin/env bash
# Screenshots of the desktop app under Xvfb for docs/screenshots: the sample pipeline after a run,
# and one node's preview with its distributions. Needs a built workspace (scripts/setup.sh or
# cargo build --workspace) and Debian's xvfb, xdotool and imagemagick.
#   scripts/screenshots.sh [X,Y]...   (points to click before the preview shot: a node, then its
#                                     Preview button; read them off the first screenshot)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
out=docs/screenshots
mkdir -p "$out"
state=$(mktemp -d)
export DISPLAY=:91 WEBKIT_DISABLE_COMPOSITING_MODE=1 SLUICE_STATE_DIR="$state"
Xvfb :91 -screen 0 1600x1000x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $app $xvfb 2>/dev/null; rm -rf "$state"' EXIT
sleep 1
"$SLUICE_DESKTOP_BIN" sample_data/pipelines/customer_features.sluice.json &
app=$!
win=$(xdotool search --sync --name '^Sluice' | head -1)
xdotool windowsize "$win" 1600 1000 windowmove "$win" 0 0
sleep 6
xdotool windowactivate --sync "$win" 2>/dev/null || true
xdotool key --window "$win" ctrl+Return
sleep 15
import -window root "$out/designer-after-run.png"
if [ $# -ge 1 ]; then
  for point in "$@"; do
    xdotool mousemove "${point%,*}" "${point#*,}" click 1
    sleep 3
  done
  sleep 5
  import -window root "$out/designer-node-preview.png"
fi
echo "screenshots in $out"
