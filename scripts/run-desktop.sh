#!/usr/bin/env bash
# Builds the desktop app when needed and starts it on $CMEDESK_DB (or the app data dir, where the
# app offers an empty database or the demo hospital on first start). Without a display it runs
# under Xvfb (nothing to see, but the app works, e.g. for a WebDriver session).
#   CMEDESK_PROFILE=debug  a faster first build than release
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${CMEDESK_PROFILE:-release}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
app="$target/$profile/cmedesk-desktop"

if [ ! -d ui/node_modules ]; then
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi
# The app embeds ui/dist at compile time: rebuild it when any UI source is newer.
if [ ! -f ui/dist/index.html ] || [ -n "$(find ui/src ui/index.html ui/package.json ui/vite.config.ts -newer ui/dist/index.html -print -quit)" ]; then
  (cd ui && npm run build --silent)
fi
flags=(--locked -p cmedesk-desktop)
[ "$profile" = release ] && flags+=(--release)
cargo build "${flags[@]}"

echo "CME Desk: ${CMEDESK_DB:-app data dir}"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: starting under Xvfb (xvfb-run)."
  exec xvfb-run -a -s "-screen 0 1440x900x24" "$app"
fi
exec "$app"
