"""analytics: per-SKU figures of one stream for operators (talk time, 看点 count, first mention, coverage)."""

from __future__ import annotations

from dataclasses import dataclass

from replay.contracts import Catalog, HighlightIndex


@dataclass(frozen=True, slots=True)
class SkuStats:
    sku_id: str
    title: str
    talk_time: float
    """Sum of the durations of this SKU's 看点, in seconds."""
    highlights: int
    """Number of 看点 (a product explained, then brought back as 返场, counts twice)."""
    first_mention: float
    """Start of the earliest 看点, in seconds."""
    share: float
    """talk_time / stream duration (0 when the duration is unknown)."""
    live_price: float | None = None
    in_catalog: bool = True


@dataclass(frozen=True, slots=True)
class CatalogGap:
    sku_id: str
    title: str
    position: int
    """1-based position in the listed catalog."""


@dataclass(frozen=True, slots=True)
class StreamAnalytics:
    stream_id: str
    duration: float
    explained_time: float
    """Seconds covered by at least one 看点 (overlaps counted once)."""
    coverage: float
    """explained_time / duration."""
    skus: tuple[SkuStats, ...]
    """Explained products, in order of first mention."""
    never_explained: tuple[CatalogGap, ...]
    """Listed catalog products that no 看点 covers."""


def _union_length(spans: list[tuple[float, float]]) -> float:
    total, cur_start, cur_end = 0.0, None, None
    for s, e in sorted(spans):
        if cur_end is None or s > cur_end:
            if cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = s, e
        else:
            cur_end = max(cur_end, e)
    if cur_end is not None:
        total += cur_end - cur_start
    return total


def stream_analytics(index: HighlightIndex, catalog: Catalog) -> StreamAnalytics:
    by_id = catalog.by_id()
    talk: dict[str, float] = {}
    count: dict[str, int] = {}
    first: dict[str, float] = {}
    titles: dict[str, str] = {}
    for h in index.highlights:
        length = max(0.0, h.end - h.start)
        talk[h.sku_id] = talk.get(h.sku_id, 0.0) + length
        count[h.sku_id] = count.get(h.sku_id, 0) + 1
        first[h.sku_id] = min(first.get(h.sku_id, h.start), h.start)
        titles.setdefault(h.sku_id, h.title)
    duration = index.duration or 0.0
    skus = tuple(
        SkuStats(sku_id=sku, title=by_id[sku].title if sku in by_id else titles[sku], talk_time=round(talk[sku], 3),
                 highlights=count[sku], first_mention=first[sku],
                 share=round(talk[sku] / duration, 4) if duration > 0 else 0.0,
                 live_price=by_id[sku].live_price if sku in by_id else None, in_catalog=sku in by_id)
        for sku in sorted(first, key=lambda k: (first[k], k)))
    gaps = tuple(CatalogGap(sku_id=i.sku_id, title=i.title, position=n)
                 for n, i in enumerate(catalog.items, 1) if i.sku_id not in talk)
    explained = _union_length([(h.start, h.end) for h in index.highlights if h.end > h.start])
    return StreamAnalytics(stream_id=index.stream_id, duration=duration, explained_time=round(explained, 3),
                           coverage=round(explained / duration, 4) if duration > 0 else 0.0, skus=skus,
                           never_explained=gaps)
