"""web: the HTML pages (player, stream list; analytics: web_analytics.py). Plain HTML/CSS/JS from replay/web/.

The player page is a static shell: its script reads the stream id from the URL and fetches the JSON API,
so the page and any other client see exactly the same data. Server-side rendering is limited to escaping
a few values into templates with ``{{name}}`` slots.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import Any

from replay.timecode import clock

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


@lru_cache(maxsize=8)
def _template(name: str) -> str:
    return (WEB_DIR / name).read_text(encoding="utf-8")


def _render(name: str, **values: str) -> str:
    out = _template(name)
    for key, value in values.items():
        out = out.replace("{{" + key + "}}", value)
    return out


def player_page(title: str, packaged: bool = False) -> str:
    """``packaged``: the stream has an HLS ladder (issue 18), so the player loads hls.js; otherwise it plays the
    original and never fetches hls.js."""
    return _render("player.html", title=html.escape(title), package="1" if packaged else "0")


def editor_page(title: str) -> str:
    return _render("editor.html", title=html.escape(title))


_STATE = {"queued": "排队中", "running": "处理中", "done": "已完成", "failed": "失败", None: "–"}


def home_page(streams: list[dict[str, Any]]) -> str:
    rows = "".join(
        f'<li><a href="/streams/{html.escape(s["id"])}"><span class="t">{html.escape(s["title"] or s["id"])}</span>'
        f'<span class="m">时长 {clock(s["duration"])} · 看点 {s["n_highlights"]} 个 · '
        f'{_STATE.get(s["state"], s["state"])}</span></a>'
        f' <a class="a" href="/streams/{html.escape(s["id"])}/analytics.html">数据</a></li>'
        for s in streams) or '<li class="empty">还没有回放。用 POST /streams 登记一场直播录像。</li>'
    return _render("index.html", rows=rows)

