#!/usr/bin/env bash
# Install what `make test-browser` needs that pip cannot: Debian's Chromium and ChromeDriver.
# Runs apt as root (directly, or through sudo). Does nothing when both are already installed.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install_browser: Chromium is missing and this user cannot run apt (not root, no sudo)." >&2
  echo "Install Debian's chromium and chromium-driver, or set CHROMIUM to a Chromium binary." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
dpkg-query -W -f='installed ${Package} ${Version}\n' chromium chromium-driver
