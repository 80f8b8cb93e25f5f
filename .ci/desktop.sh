#!/usr/bin/env bash
# The desktop app's CI step (run by scripts/test-all.sh): UI unit tests (Vitest), the UI build, the
# Tauri app build, then the WebDriver end-to-end test of the REAL built app under Xvfb
# (tauri-driver → WebKitWebDriver → cmedesk-desktop). Screenshots and figures land in
# $CMEDESK_ARTIFACTS (default /var/tmp/cmedesk-artifacts).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n--- desktop: %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }

target="${CARGO_TARGET_DIR:-$PWD/target}"
# Tools live outside the clone so warm runs skip the install; a cold run installs them.
tools="${CMEDESK_TOOLS:-/var/tmp/cmedesk-tools}"
export CMEDESK_ARTIFACTS="${CMEDESK_ARTIFACTS:-/var/tmp/cmedesk-artifacts}"

step "npm ci"
(cd ui && npm ci --no-audit --no-fund --loglevel=error)

step "Vitest (UI logic with mocked IPC)"
(cd ui && NO_COLOR=1 npx vitest run)

step "vite build (ui/dist, embedded by the app)"
(cd ui && npm run build --silent)

# CMEDESK_DESKTOP_PROFILE=release measures the shipped build (memory figures); CI stays on the
# debug build, whose dependencies the test build already compiled.
profile="${CMEDESK_DESKTOP_PROFILE:-debug}"
step "cargo build -p cmedesk-desktop ($profile; custom-protocol: serves ui/dist)"
if [ "$profile" = release ]; then cargo build --locked --release -p cmedesk-desktop; else cargo build --locked -p cmedesk-desktop; fi
app="$target/$profile/cmedesk-desktop"

step "cargo test -p cmedesk-desktop (capability grants exactly our commands, CSP)"
cargo test --locked -p cmedesk-desktop --lib

step "tauri-driver"
if [ ! -x "$tools/bin/tauri-driver" ]; then
  # The registry's newest tauri-driver is a 3.0 alpha: pin the 2.x line.
  cargo install --locked --quiet tauri-driver --version '^2' --root "$tools"
fi
command -v WebKitWebDriver >/dev/null || { echo "WebKitWebDriver missing: apt-get install webkit2gtk-driver" >&2; exit 1; }

step "WebDriver end-to-end on the real app (Xvfb)"
# Page flows CI runs: all of tests/desktop/steps/, in the order of steps/index.mjs (backup last:
# it restores a backup). CMEDESK_E2E_STEPS picks some of them while working on one.
export CMEDESK_E2E_STEPS="${CMEDESK_E2E_STEPS:-credits,sync,print,import,kiosk,backup}"
runner=()
[ -n "${DISPLAY:-}" ] || runner=(xvfb-run -a -s "-screen 0 1440x900x24")
"${runner[@]}" node tests/desktop/e2e.mjs "$app" "$tools/bin/tauri-driver"

step "desktop done"
