"""charts: the analytics page's plays-over-time chart as an SVG made on the server with pygal.

The SVG is put inline in the page: it needs no script, no CDN and no network, and prints and screenshots as it
shows. pygal's tooltip script, which it would load from a CDN, is switched off with ``js=[]``; the inline
block of settings that script would read is removed too.
"""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

from replay.report.viewers import PlaysOverTime

FONT = '"PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'
STYLE = Style(background="transparent", plot_background="#ffffff", foreground="#555", foreground_strong="#222",
              foreground_subtle="#eee", colors=("#ff5000",), font_family=FONT, label_font_size=12,
              major_label_font_size=12, value_font_size=11, tooltip_font_size=12, no_data_font_size=16,
              title_font_size=14, opacity=".9", opacity_hover="1", transition="0ms")

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)
_UNITS = ((86400, "天"), (3600, "小时"), (60, "分钟"))


def offset_label(seconds: float) -> str:
    """``+90 分钟`` style label of a time after the origin, in the largest unit that divides it."""
    if seconds <= 0:
        return "0"
    for size, word in _UNITS:
        if seconds % size == 0:
            return f"+{int(seconds // size)} {word}"
    return f"+{seconds / 60:.0f} 分钟"


def bin_label(bin_seconds: int) -> str:
    for size, word in _UNITS:
        if bin_seconds % size == 0:
            n = bin_seconds // size
            return f"每{'' if n == 1 else n}{word}"
    return f"每 {bin_seconds} 秒"


def plays_chart(p: PlaysOverTime) -> str:
    """A bar per bin of plays, the x axis in time since the replay went up; an SVG element as text."""
    chart = pygal.Bar(style=STYLE, js=[], disable_xml_declaration=True, show_legend=False, width=900, height=260,
                      margin=8, spacing=4, show_minor_x_labels=False, x_labels_major_count=7, truncate_label=-1,
                      show_y_guides=True, print_values=False, include_x_axis=True, min_scale=2, max_scale=6,
                      no_data_text="还没有播放", y_title="播放次数", x_title=f"回放上线后（{bin_label(p.bin_seconds)}）",
                      title=None)
    chart.x_labels = [offset_label(i * p.bin_seconds) for i in range(len(p.plays))]
    if any(p.plays):
        chart.add("播放", [{"value": n, "label": f"{offset_label(i * p.bin_seconds)} 起"} for i, n in enumerate(p.plays)])
    return _SCRIPT.sub("", chart.render(is_unicode=True))
