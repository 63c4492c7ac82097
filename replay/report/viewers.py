"""viewers: what replay viewers did with each 看点 and each product, from the event counters (store/events.py).

Per 看点 and per SKU: plays, unique sessions, median watched share, completion rate and click-through to the
product page; per SKU next to the talk time the product got in the live (report/analytics.py); plays over
time since the replay went up; and which 看点 to cut into a short video next.

Watched share is known in quarters: a play reports the marks 25/50/75/100 % of the 看点 it passed (watched
time, not position: skipping ahead does not count). The median watched share is the median over plays of the
highest mark each reached (0 for none), so it is one of 0, 0.25, 0.5, 0.75 and 1.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from replay.contracts import Catalog, HighlightIndex
from replay.report.analytics import StreamAnalytics, stream_analytics
from replay.store import events
from replay.store.database import Database
from replay.store.events import MARKS, PLAY_SOURCES


@dataclass(frozen=True, slots=True)
class Watching:
    """The viewer figures of a set of plays (one 看点's, one product's or the whole stream's)."""

    plays: int = 0
    sessions: int = 0
    """Sessions (browser tabs) that played it at least once."""
    reached: tuple[int, ...] = (0, 0, 0, 0)
    """Plays that reached 25, 50, 75 and 100 % of the 看点."""
    median_share: float | None = None
    """Median over plays of the watched share (in quarters); None without plays."""
    completion_rate: float | None = None
    """Plays that reached 100 % / plays."""
    clicks: int = 0
    """Product-page (去看看) opens."""
    service_clicks: int = 0
    """Customer-service (问客服) opens."""
    click_through: float | None = None
    """clicks / plays; None without plays."""
    by_source: dict[str, int] = field(default_factory=dict)
    """Plays by how the 看点 came to play (dot, card, bag, search, link, next, seek, continue)."""


@dataclass(frozen=True, slots=True)
class HighlightViewers:
    id: str
    sku_id: str
    title: str
    start: float
    end: float
    kind: str
    watching: Watching
    cut_score: float
    """plays × completion rate (= completed plays): the 看点 to cut into a short video first."""


@dataclass(frozen=True, slots=True)
class SkuViewers:
    sku_id: str
    title: str
    talk_time: float
    """Seconds the host spent on it in the live (sum of its 看点)."""
    highlights: int
    watching: Watching


@dataclass(frozen=True, slots=True)
class PlaysOverTime:
    origin: float
    """Unix time the counting starts from: when the stream was registered, i.e. after the live ended."""
    bin_seconds: int
    plays: tuple[int, ...]
    """Plays per bin, the first bin starting at ``origin``."""


@dataclass(frozen=True, slots=True)
class ViewerAnalytics:
    stream_id: str
    total: Watching
    highlights: tuple[HighlightViewers, ...]
    """In the order of the stream."""
    skus: tuple[SkuViewers, ...]
    """In order of first mention, then listed products never explained but clicked."""
    plays_over_time: PlaysOverTime
    cut_next: tuple[str, ...]
    """看点 ids with plays, best first by cut_score (then plays, then median watched share)."""


_BINS = (60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400)
MAX_BINS = 120


def _median_share(plays: int, reached: tuple[int, ...]) -> float | None:
    """The median of the multiset {0 × (plays − r25), .25 × (r25 − r50), ..., 1 × r100}."""
    if plays <= 0:
        return None
    levels = [(0.0, plays - reached[0])] + [
        (m / 100, reached[i] - (reached[i + 1] if i + 1 < len(reached) else 0)) for i, m in enumerate(MARKS)]

    def at(k: int) -> float:
        for share, n in levels:
            if k < n:
                return share
            k -= n
        return levels[-1][0]

    return (at((plays - 1) // 2) + at(plays // 2)) / 2


def _watching(counts: Counter[str], sessions: int) -> Watching:
    plays = sum(counts[f"play:{s}"] for s in PLAY_SOURCES)
    reached, cap = [], plays
    for m in MARKS:  # a client can't reach 50 % on more plays than reached 25 %; clamp what it claims
        cap = min(cap, counts[f"progress:{m}"])
        reached.append(cap)
    clicks = counts["click:url"]
    return Watching(plays=plays, sessions=sessions, reached=tuple(reached),
                    median_share=_median_share(plays, tuple(reached)),
                    completion_rate=round(reached[-1] / plays, 4) if plays else None,
                    clicks=clicks, service_clicks=counts["click:service"],
                    click_through=round(clicks / plays, 4) if plays else None,
                    by_source={s: counts[f"play:{s}"] for s in PLAY_SOURCES if counts[f"play:{s}"]})


def plays_over_time(origin: float, now: float, by_minute: Iterable[tuple[int, int]]) -> PlaysOverTime:
    """Plays binned from ``origin`` to ``now`` with the smallest bin width that needs at most MAX_BINS bins."""
    rows = list(by_minute)
    end = max([now] + [(m + 1) * 60 for m, _ in rows])
    span = max(60.0, end - origin)
    width = next((b for b in _BINS if span / b <= MAX_BINS), _BINS[-1])
    plays = [0] * min(MAX_BINS, math.ceil(span / width))
    for minute, n in rows:
        plays[min(len(plays) - 1, max(0, int((minute * 60 - origin) // width)))] += n
    return PlaysOverTime(origin=origin, bin_seconds=width, plays=tuple(plays))


def viewer_analytics(index: HighlightIndex, catalog: Catalog, talk: StreamAnalytics,
                     totals: Iterable[tuple[str, str, str, int]], by_minute: Iterable[tuple[int, int]],
                     origin: float, now: float) -> ViewerAnalytics:
    """``totals``: (看点 id, SKU, metric, count) rows of store.events.totals; ``by_minute`` its plays_by_minute."""
    per_h: dict[str, Counter[str]] = defaultdict(Counter)
    per_sku: dict[str, Counter[str]] = defaultdict(Counter)
    stream: Counter[str] = Counter()
    for hid, sku, metric, n in totals:
        if hid:
            per_h[hid][metric] += n
        if sku:
            per_sku[sku][metric] += n
        stream[metric] += n
    highlights = tuple(
        HighlightViewers(id=h.id, sku_id=h.sku_id, title=h.title, start=h.start, end=h.end, kind=h.kind,
                         watching=(w := _watching(per_h[h.id], per_h[h.id]["sessions"])),
                         cut_score=float(w.reached[-1]))  # plays × completion rate, unrounded
        for h in index.highlights)
    titles = {i.sku_id: i.title for i in catalog.items}
    talk_of = {s.sku_id: s for s in talk.skus}
    order = [s.sku_id for s in talk.skus] + [i.sku_id for i in catalog.items
                                             if i.sku_id not in talk_of and per_sku.get(i.sku_id)]
    skus = tuple(SkuViewers(sku_id=sku, title=titles.get(sku) or talk_of[sku].title,
                            talk_time=talk_of[sku].talk_time if sku in talk_of else 0.0,
                            highlights=talk_of[sku].highlights if sku in talk_of else 0,
                            watching=_watching(per_sku[sku], per_sku[sku]["sku_sessions"]))
                 for sku in order)
    ranked = sorted((h for h in highlights if h.watching.plays),
                    key=lambda h: (-h.cut_score, -h.watching.plays, -(h.watching.median_share or 0.0), h.start))
    return ViewerAnalytics(stream_id=index.stream_id, total=_watching(stream, stream["stream_sessions"]),
                           highlights=highlights, skus=skus,
                           plays_over_time=plays_over_time(origin, now, by_minute),
                           cut_next=tuple(h.id for h in ranked))


def analytics_of(db: Database, stream_id: str, now: float | None = None) -> tuple[StreamAnalytics, ViewerAnalytics]:
    """The talk-time analytics and the viewer analytics of a stream, as stored now (NotFound for an unknown one)."""
    index, catalog = db.highlights(stream_id), db.catalog(stream_id)
    talk = stream_analytics(index, catalog)
    viewers = viewer_analytics(index, catalog, talk, events.totals(db.db, stream_id),
                               events.plays_by_minute(db.db, stream_id), db.stream(stream_id)["created_at"],
                               time.time() if now is None else now)
    return talk, viewers


CSV_COLUMNS = ("level", "id", "sku_id", "title", "start", "end", "talk_time", "plays", "sessions", "median_share",
               "completion_rate", "clicks", "service_clicks", "click_through", "cut_score", "cut_rank")


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.4g}" if isinstance(x, float) else str(x)


def viewer_csv(a: ViewerAnalytics) -> str:
    """One row per 看点 (level ``highlight``), then one per product (level ``sku``); empty cells where a figure
    has no value (no plays). Starts with a UTF-8 byte-order mark so spreadsheet programs read the Chinese."""
    rank = {hid: n for n, hid in enumerate(a.cut_next, 1)}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)

    def figures(x: Watching) -> list[str]:
        return [str(x.plays), str(x.sessions), _num(x.median_share), _num(x.completion_rate), str(x.clicks),
                str(x.service_clicks), _num(x.click_through)]

    for h in a.highlights:
        w.writerow(["highlight", h.id, h.sku_id, h.title, f"{h.start:.2f}", f"{h.end:.2f}", f"{h.end - h.start:.2f}",
                    *figures(h.watching), _num(h.cut_score), rank.get(h.id, "")])
    for s in a.skus:
        w.writerow(["sku", s.sku_id, s.sku_id, s.title, "", "", f"{s.talk_time:.2f}", *figures(s.watching), "", ""])
    return "\ufeff" + buf.getvalue()
