"""prices: check the prices said in a clip's subtitles against the catalog before the clip is published.

ASR mishears numbers (the host said 原价299, the subtitle says 原价29块), and a wrong price burned into a sales
clip is a real risk for the shop. Every price in the clip's cues (a number followed by 块/元/米, or right after
价 as in 到手价99) that matches neither the SKU's price, its live price nor the saving between the two is
flagged. Numbers are read by the lang layer (``replay.lang.numbers.spoken_numbers``), the one place that
parses spoken Chinese numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from replay.contracts import Catalog, Segment
from replay.lang.numbers import spoken_numbers
from replay.lang.text import tokenize


@dataclass(frozen=True, slots=True)
class PriceFlag:
    """A price in a subtitle that the catalog does not list for the clip's product."""

    time: float
    """Start of the cue, in seconds of the recording."""
    said: float
    text: str
    """The cue's text, for the editor to find and correct."""
    expected: tuple[float, ...]
    """The catalog's prices for the SKU (price, live price, saving), or every catalog price without a SKU."""
    sku_id: str | None = None


def _allowed(catalog: Catalog, sku_id: str | None) -> tuple[float, ...]:
    items = [i for i in catalog.items if i.sku_id == sku_id] if sku_id else list(catalog.items)
    prices: set[float] = set()
    for it in items:
        listed = [p for p in (it.price, it.live_price) if p is not None]
        prices.update(round(p, 2) for p in listed)
        if len(listed) == 2 and listed[0] != listed[1]:
            prices.add(round(abs(listed[0] - listed[1]), 2))  # 立省40: the saving is a catalog figure too
    return tuple(sorted(prices))


def check_prices(cues: Sequence[Segment], catalog: Catalog, sku_id: str | None = None) -> tuple[PriceFlag, ...]:
    """Prices in ``cues`` that match no catalog price of ``sku_id`` (of any product when None).

    Nothing is flagged when the catalog lists no price for the product: there is nothing to check against."""
    allowed = _allowed(catalog, sku_id)
    if not allowed:
        return ()
    flags = []
    for cue in cues:
        tokens = tokenize(cue.text)
        for n in spoken_numbers(tokens):
            after_jia = n.kind in ("plain", "bare") and n.first > 0 and tokens[n.first - 1] == "价"
            if n.kind != "price" and not after_jia:
                continue
            if not any(abs(n.value - p) < 0.005 for p in allowed):
                flags.append(PriceFlag(round(cue.start, 3), n.value, cue.text, allowed, sku_id))
    return tuple(flags)
