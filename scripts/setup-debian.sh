#!/usr/bin/env bash
# Installs what CME Desk needs to build, run and test on Debian 12 / Ubuntu 22.04+.
# Idempotent: packages already present are skipped, so warm runs cost seconds.
set -euo pipefail

packages=(
  build-essential pkg-config file curl
  # SQLCipher's vendored OpenSSL (openssl-src) is configured by perl and built by make.
  perl make
  # The desktop shell (Tauri v2 on WebKitGTK) and its end-to-end tests under Xvfb.
  libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  xvfb xauth webkit2gtk-driver
  # The e2e sees the native file dialog (浏览…) open and closes it with a key press.
  xdotool
  # Without a CJK font WebKit draws no Chinese at all, and PDFs have nothing to embed.
  fonts-wqy-microhei
  # The booklet tests check the fallback for rare name characters (𠮷, 䶮) with a second CJK font.
  fonts-noto-cjk
  # pdftotext / pdffonts / pdftoppm check the printed booklets.
  poppler-utils zbar-tools
  sqlite3
  # The desk key in the OS keyring: libdbus for the Secret Service client; the test runs a real
  # GNOME Keyring on a private session bus (dbus-run-session).
  libdbus-1-dev dbus-daemon gnome-keyring
  # The LAN self-service pages are driven in headless Chromium (playwright-core, no download).
  chromium
  # The exchange server's PostgreSQL storage is tested against a real server (tests start their own).
  postgresql
  # Spreadsheet tests read files written by other software: LibreOffice and openpyxl make them.
  libreoffice-calc-nogui python3-openpyxl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  cat >&2 <<'MSG'
setup: Rust is not installed. CME Desk needs Rust 1.95 or newer (edition 2024):
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y
then open a new shell (or `source ~/.cargo/env`) and run this command again.
MSG
  exit 1
fi
# The `python3` on PATH may not be Debian's (pyenv); make sure the one tests call has openpyxl.
if ! python3 -c 'import openpyxl' >/dev/null 2>&1; then
  python3 -m pip install --quiet openpyxl || { echo "setup: pip install openpyxl failed" >&2; exit 1; }
fi

rustup component add rustfmt clippy >/dev/null 2>&1 || true

if ! command -v node >/dev/null 2>&1; then
  echo "setup: Node.js 20+ and npm are needed for the desktop UI (apt-get install nodejs npm, or nodesource)" >&2
  exit 1
fi
