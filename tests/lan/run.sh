#!/usr/bin/env bash
# Runs the LAN self-service browser tests: `cmedesk lan serve` on loopback, pages driven in
# Debian's headless Chromium through playwright-core (no browser download).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-../../target}"
cargo build --locked -q -p cmedesk-cli
npm ci --no-audit --no-fund --silent
node --test lan.test.mjs
