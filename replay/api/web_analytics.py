"""web_analytics: the analytics page (replay/web/analytics.html), rendered on the server.

Talk time per product from the live, then what replay viewers did: totals, the plays-over-time chart (inline
SVG, report/charts.py), the 看点 to cut next with a clip button each (replay/web/analytics.js posts the clip
job), per-看点 and per-product tables. Every value from the database is escaped.
"""

from __future__ import annotations

import html

from replay.api import web
from replay.report.analytics import StreamAnalytics
from replay.report.charts import bin_label, plays_chart
from replay.report.viewers import ViewerAnalytics, Watching
from replay.timecode import clock

CUT_SHOWN = 10
"""How many 看点 the "cut next" list shows."""
SOURCES = {"dot": "进度条", "card": "看点卡片", "bag": "宝贝口袋", "search": "搜索", "link": "分享链接", "next": "上/下一个",
           "seek": "拖动", "continue": "连续播放"}


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.0f}%"


def _e(text: object) -> str:
    return html.escape(str(text))


def _bar(value: float, top: float, cls: str = "") -> str:
    return f'<span class="bar{cls}" style="width:{100 * value / (top or 1):.1f}%"></span>'


def _figures(w: Watching) -> str:
    return (f'<td class="n">{w.plays}</td><td class="n">{w.sessions}</td><td class="n">{_pct(w.median_share)}</td>'
            f'<td class="n">{_pct(w.completion_rate)}</td><td class="n">{w.clicks}</td>'
            f'<td class="n">{w.service_clicks}</td><td class="n">{_pct(w.click_through)}</td>')


def _talk_rows(a: StreamAnalytics) -> str:
    longest = max((s.talk_time for s in a.skus), default=0.0)
    return "".join(
        f'<tr><td>{_e(s.sku_id)}</td><td><a href="/streams/{_e(a.stream_id)}?sku={_e(s.sku_id)}">{_e(s.title)}</a></td>'
        f'<td class="n">{clock(s.talk_time)}</td><td>{_bar(s.talk_time, longest)}</td>'
        f'<td class="n">{s.highlights}</td><td class="n">{clock(s.first_mention)}</td>'
        f'<td class="n">{s.share * 100:.1f}%</td></tr>' for s in a.skus) or '<tr><td colspan="7">暂无看点</td></tr>'


def _cut_rows(v: ViewerAnalytics) -> str:
    by_id = {h.id: h for h in v.highlights}
    rows = []
    for rank, hid in enumerate(v.cut_next[:CUT_SHOWN], 1):
        h = by_id[hid]
        rows.append(
            f'<li data-hid="{_e(h.id)}"><span class="rank">{rank}</span><div class="what">'
            f'<a href="/streams/{_e(v.stream_id)}?t={h.start:.1f}">{_e(h.title)}{"（返场）" if h.kind == "return" else ""}</a>'
            f'<small>{clock(h.start)}–{clock(h.end)} · 播放 {h.watching.plays} × '
            f'完播率 {_pct(h.watching.completion_rate)} = {h.cut_score:.0f}</small></div>'
            f'<button type="button" class="clip" data-hid="{_e(h.id)}">剪成短视频</button>'
            f'<span class="clipstate" aria-live="polite"></span></li>')
    return "".join(rows) or '<li class="empty">还没有播放数据：观众在回放里看过看点后，这里按 播放 × 完播率 排出先剪哪个。</li>'


def _sources(w: Watching, shown: int = 3) -> str:
    """The entry points most plays came from, e.g. ``宝贝口袋 132 · 连续播放 65 · 进度条 61``; all of them on hover."""
    top = sorted(w.by_source.items(), key=lambda kv: -kv[1])
    text = " · ".join(f"{SOURCES.get(s, s)} {c}" for s, c in top)
    return f'<span title="{_e(text)}">{_e(" · ".join(f"{SOURCES.get(s, s)} {c}" for s, c in top[:shown]))}</span>'


def _highlight_rows(v: ViewerAnalytics) -> str:
    top = max((h.watching.plays for h in v.highlights), default=0)
    return "".join(
        f'<tr data-hid="{_e(h.id)}"><td class="n">{n}</td><td>{_e(h.title)}{"（返场）" if h.kind == "return" else ""}</td>'
        f'<td class="n">{clock(h.start)}–{clock(h.end)}</td><td>{_bar(h.watching.plays, top)}</td>{_figures(h.watching)}'
        f'<td class="src">{_sources(h.watching)}</td></tr>'
        for n, h in enumerate(v.highlights, 1)) or '<tr><td colspan="12">暂无看点</td></tr>'


def _sku_rows(v: ViewerAnalytics) -> str:
    talk_top = max((s.talk_time for s in v.skus), default=0.0)
    plays_top = max((s.watching.plays for s in v.skus), default=0)
    return "".join(
        f'<tr data-sku="{_e(s.sku_id)}"><td>{_e(s.title)} <small>{_e(s.sku_id)}</small></td>'
        f'<td class="n">{clock(s.talk_time)}</td><td class="pair">{_bar(s.talk_time, talk_top)}'
        f'{_bar(s.watching.plays, plays_top, " plays")}</td>{_figures(s.watching)}</tr>'
        for s in v.skus) or '<tr><td colspan="10">暂无数据</td></tr>'


def analytics_page(a: StreamAnalytics, v: ViewerAnalytics, title: str) -> str:
    gaps = "".join(f"<li>{g.position}. {_e(g.title)} <small>{_e(g.sku_id)}</small></li>"
                   for g in a.never_explained) or "<li>全部讲解过</li>"
    t = v.total
    return web._render(
        "analytics.html", title=_e(title), stream_id=_e(a.stream_id), duration=clock(a.duration),
        explained=clock(a.explained_time), coverage=f"{a.coverage * 100:.1f}%", rows=_talk_rows(a), gaps=gaps,
        n_skus=str(len(a.skus)), n_gaps=str(len(a.never_explained)),
        plays=str(t.plays), sessions=str(t.sessions), median=_pct(t.median_share), completion=_pct(t.completion_rate),
        clicks=str(t.clicks), service_clicks=str(t.service_clicks), ctr=_pct(t.click_through),
        chart=plays_chart(v.plays_over_time), chart_caption=_e(
            f"回放上线以来的播放次数（{bin_label(v.plays_over_time.bin_seconds)}一格），共 {t.plays} 次"),
        cut=_cut_rows(v), highlight_rows=_highlight_rows(v), sku_rows=_sku_rows(v))
