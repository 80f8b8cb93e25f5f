#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine, builds CME Desk, creates a demo database on first run,
# and starts the desktop app (scripts/run-desktop.sh; under Xvfb when there is no display). Without
# the desktop sources it falls back to a tour of the `cmedesk` command line on the demo database.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh

data="${XDG_DATA_HOME:-$HOME/.local/share}/cmedesk"
export CMEDESK_DB="${CMEDESK_DB:-$data/desk.db}"
cargo build --release --quiet -p cmedesk-cli
cmedesk=target/release/cmedesk
if [ ! -f "$CMEDESK_DB" ]; then
  echo "First run: creating the demo hospital in $CMEDESK_DB (admin / demo1234)"
  "$cmedesk" demo --password demo1234
fi

if [ -f src-tauri/Cargo.toml ] && [ -f scripts/run-desktop.sh ]; then
  exec bash scripts/run-desktop.sh
fi

export CMEDESK_PASSWORD="${CMEDESK_PASSWORD:-demo1234}"
tour() { printf '\n$ cmedesk %s\n' "$*"; "$cmedesk" "$@" | head -15; }
tour dept list
tour staff find 王
tour project list
tour id check 11010519491231002X 110105194912310021
tour audit-log --verify
