#!/bin/sh
# Install the headless browser the player test (tests/test_player_browser.py) drives through Playwright.
# Debian's chromium is used instead of `playwright install`: the test machines have no network at run time,
# so the browser comes from the distribution's package manager at setup time.
set -eu
if command -v chromium >/dev/null 2>&1; then
    echo "chromium already installed: $(chromium --version 2>/dev/null || true)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk
chromium --version
