"""closing: which 看点 of a followed recording are closed (final), on top of the detector's output.

The detector (replay.detect, unchanged) is run over the tail of the transcript: from the end of the last final
看点 (the *anchor*) to what is transcribed so far (``done``). Its 看点 are taken in time order, and one is
closed, and becomes final, when
- the 看点 after it has been going for ``settle`` seconds of transcribed speech (the next product opened and
  the host stayed on it), or
- ``moved_on`` seconds have been transcribed past its end with nothing after it (the talk moved on);
and every 看点 before it is final already: finality only ever grows from the front, so the anchor only moves
forward and a final 看点 is never looked at again. Its id, start and end are frozen as they were then.

The rest are live: the last one is the product being explained now; its end grows with each window.
``settle_all`` closes everything at the end of the stream.

Nothing here knows how the detector decides; it reads only the 看点 it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from replay.contracts import Highlight, highlight_id, to_json
from replay.live.options import LiveOptions


@dataclass(frozen=True, slots=True)
class Settled:
    """The index after one detection over the tail."""

    final: tuple[Highlight, ...]
    """Every final 看点, the earlier ones as they were frozen, in time order."""
    live: tuple[Highlight, ...]
    """The 看点 after the last final one, not settled yet."""
    anchor: float
    """Where the next detection over the tail starts."""

    @property
    def highlights(self) -> tuple[Highlight, ...]:
        return self.final + self.live


def _named(stream_id: str, h: Highlight, earlier: Sequence[Highlight], state: str) -> Highlight:
    """A tail 看点 with its contract id, its kind from the whole stream (返场 when its product came before) and
    its state."""
    kind = "return" if any(e.sku_id == h.sku_id for e in earlier) else "main"
    return replace(h, id=highlight_id(stream_id, h.sku_id, h.start), kind=kind, state=state)


CONTEXT = (60.0, 120.0)
"""How far before the anchor a detection over the tail looks back: at least the first, at most the second."""


def tail_start(final: Sequence[Highlight], anchor: float) -> float:
    """Where the transcript handed to the detector starts: a minute or more before the anchor, back to the last
    final 看点's start.

    The detector then sees the end of that explanation as the offline run sees it, in context, instead of taking
    its last words, alone at the start of a transcript, for a new 看点 of the same product."""
    if not final or final[-1].end < anchor - 1.0:
        return anchor  # the anchor moved on through talk with no 看点: nothing before it to look at
    return max(anchor - CONTEXT[1], min(final[-1].start, anchor - CONTEXT[0]), 0.0)


def beyond(found: Sequence[Highlight], final: Sequence[Highlight], anchor: float) -> list[Highlight]:
    """The detector's 看点 over the tail that are new: those that end after the anchor, starting there at the
    earliest. One that reaches back across the anchor with the last final 看点's product is that 看点 again: it is
    final, and stays as it was."""
    last = final[-1] if final else None
    out = []
    for h in sorted(found, key=lambda h: h.start):
        if h.end <= anchor + 0.5:
            continue
        if h.start < anchor - 0.5:
            if last is not None and h.sku_id == last.sku_id and h.start < last.end:
                continue
            h = replace(h, start=anchor)
        out.append(h)
    return out


def settle(stream_id: str, final: Sequence[Highlight], found: Sequence[Highlight], anchor: float, done: float,
           options: LiveOptions) -> Settled:
    """Split the detector's 看点 over the tail [anchor, done] into newly final ones and live ones."""
    final = list(final)
    found = sorted((h for h in found if h.end > anchor), key=lambda h: h.start)
    k = 0
    while k < len(found):
        h = found[k]
        nxt = found[k + 1] if k + 1 < len(found) else None
        opened_next = nxt is not None and done - max(nxt.start, h.end) >= options.settle
        moved_on = nxt is None and done - h.end >= options.moved_on
        if not (opened_next or moved_on):
            break
        final.append(_named(stream_id, h, final, "final"))
        k += 1
    live = []
    for h in found[k:]:
        live.append(_named(stream_id, h, final + live, "live"))
    new_anchor = final[-1].end if final else anchor
    if not live and done - new_anchor > options.quiet_anchor:
        # Nothing open for a long while (chat, a break): the next detection need not look that far back.
        new_anchor = done - options.quiet_anchor
    return Settled(final=tuple(final), live=tuple(live), anchor=max(anchor, new_anchor))


def settle_all(stream_id: str, final: Sequence[Highlight], found: Sequence[Highlight], anchor: float) -> Settled:
    """The end of the stream: every 看点 found over the last tail is final."""
    final = list(final)
    for h in sorted((h for h in found if h.end > anchor), key=lambda h: h.start):
        final.append(_named(stream_id, h, final, "final"))
    return Settled(final=tuple(final), live=(), anchor=final[-1].end if final else anchor)


def _brief(h: Highlight) -> dict[str, Any]:
    data = to_json(h)
    data.pop("evidence", None)
    return data


def changes(before: Settled | None, after: Settled) -> list[tuple[str, dict[str, Any]]]:
    """The events between two published indexes, in order: opened, updated, withdrawn, final.

    A 看点 that appears and closes between two looks is opened and then finalised, so a client always sees
    ``opened`` before ``final``. A live 看点 whose start moved has a new id: ``updated`` names the old one.
    """
    old_final = {h.id for h in before.final} if before else set()
    old_live = {h.id: h for h in before.live} if before else {}
    events: list[tuple[str, dict[str, Any]]] = []
    matched: set[str] = set()

    def predecessor(h: Highlight) -> Highlight | None:
        if h.id in old_live:
            return old_live[h.id]
        for p in old_live.values():  # the same product, overlapping: its start moved
            if p.id not in matched and p.sku_id == h.sku_id and p.start < h.end and h.start < p.end:
                return p
        return None

    for h in after.final:
        if h.id in old_final:
            continue
        p = predecessor(h)
        if p is None:
            events.append(("opened", _brief(replace(h, state="live"))))
        else:
            matched.add(p.id)
            if p.id != h.id:
                events.append(("updated", {**_brief(replace(h, state="live")), "previous_id": p.id}))
        events.append(("final", _brief(h)))
    for h in after.live:
        p = predecessor(h)
        if p is None:
            events.append(("opened", _brief(h)))
            continue
        matched.add(p.id)
        if p.id != h.id or abs(p.end - h.end) > 1e-6 or p.kind != h.kind:
            events.append(("updated", {**_brief(h), **({"previous_id": p.id} if p.id != h.id else {})}))
    for p in old_live.values():
        if p.id not in matched:
            events.append(("withdrawn", {"id": p.id, "sku_id": p.sku_id, "start": p.start}))
    return events
