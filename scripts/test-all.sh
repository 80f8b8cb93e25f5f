#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine and runs every check and test CME Desk has:
# formatting, clippy, the Rust test suites (unit, integration, CLI, kill -9 end-to-end), the
# TypeScript-bindings drift check, and the desktop app's UI and WebDriver tests when present.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { printf '\n=== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }

step "setup"
bash scripts/setup-debian.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

step "cargo test"
cargo test --locked --no-fail-fast

step "LAN self-service pages in headless Chromium"
bash tests/lan/run.sh

step "TypeScript bindings are up to date"
if [ -n "$(git status --porcelain -- ui/src/bindings)" ]; then
  git status --short -- ui/src/bindings
  echo "ui/src/bindings drifted from the Rust types: run cargo test and commit the result" >&2
  exit 1
fi

if [ -f .ci/desktop.sh ]; then
  step "desktop app: UI unit tests, build, WebDriver end-to-end"
  bash .ci/desktop.sh
fi

step "all tests passed"
