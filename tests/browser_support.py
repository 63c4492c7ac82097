"""Headless Chromium for the player tests and the screenshot script: Debian's chromium via Playwright.

The machine has no network: never run `playwright install`; scripts/install_browser.sh installs chromium.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("REPLAY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browser_available() -> str | None:
    """None when the browser test can run, else why not."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM}: run scripts/install_browser.sh"
    return None


def hls_player_available() -> str | None:
    """None when the player can play an HLS ladder in the browser, else why not: without hls.js the player
    quietly plays the original mp4, so an HLS test or timing would measure the mp4."""
    from replay.api.routes_hls import HLS_JS

    return browser_available() or (None if HLS_JS.is_file() else
                                   f"{HLS_JS} is missing: run scripts/install_hlsjs.sh (scripts/install.sh does)")


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
