"""fusion: add on-screen evidence (OCR'd product cards, matched product pictures) to the speech units.

The screen says *which* product is on; the host's words say *when* its explanation starts and ends. A card
goes up a few seconds after the host starts a product and stays up after the host has moved on, often into
the next product's introduction. So visual evidence is kept apart from speech evidence (``Unit.visual``,
not ``Unit.scores``): the decoder adds both, the boundary search follows speech only. And it is gated:
- it does not count in a unit where the host clearly names another product (the card lags the talk);
- it does not count between an outro cue (讲到这里) or a teaser (马上给大家上下一个) and the next
  introduction (the card lingers);
- it does not count far from any speech: a card shown during silence or music makes no 看点 alone.
"""

from __future__ import annotations

from bisect import bisect_right

from replay.contracts import VisualTrack
from replay.detect.units import Hit, Unit

VISUAL_KINDS = ("ocr", "image")
_NEAR_SPEECH_S = 3.0  # an event this far from every unit belongs to none


def _closed_units(units: list[Unit]) -> set[int]:
    """Units after an outro cue and before the next product starts (an intro/返场 cue or a named product)."""
    closed: set[int] = set()
    after_outro = False
    for u in units:
        if u.opens or u.names():
            after_outro = False
        if after_outro:
            closed.add(u.index)
        if u.closes:
            after_outro = True
    return closed


def _nearest(units: list[Unit], starts: list[float], t: float) -> Unit | None:
    """The unit holding time t, else the closer of its neighbours if within ``_NEAR_SPEECH_S``.

    Units are in time order and disjoint, so only the last unit starting at or before t and the next
    one can hold it or be nearest (``starts`` are the units' start times, for bisect).
    """
    i = bisect_right(starts, t)
    best, gap = None, _NEAR_SPEECH_S
    for u in units[max(0, i - 1):i + 1]:
        if u.start <= t <= u.end:
            return u
        d = min(abs(t - u.start), abs(t - u.end))
        if d <= gap:
            best, gap = u, d
    return best


def add_visual(units: list[Unit], visual: VisualTrack, weight: float) -> None:
    """Attach each OCR/image event to its unit as visual evidence, where the gates above let it count."""
    if not units:
        return
    closed = _closed_units(units)
    starts = [u.start for u in units]
    for ev in visual.events:
        if ev.kind not in VISUAL_KINDS or not ev.sku_id:
            continue
        u = _nearest(units, starts, ev.time)
        if u is None or u.index in closed:
            continue
        if u.names(other_than=ev.sku_id):
            continue
        w = weight * (ev.score if ev.score > 0 else 1.0)
        u.hits.append(Hit(ev.kind, ev.text, ev.sku_id, w, ev.time, source="visual"))
        u.visual[ev.sku_id] = u.visual.get(ev.sku_id, 0.0) + w
