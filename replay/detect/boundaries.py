"""Boundaries: turn decoded runs into 看点 whose start and end follow the host's words.

A 看点 starts at the first word of the host's introduction, which often comes before the product name
("好，接下来这一款是五号链接……" or "宝宝们看过来，……来了"), so the start is searched backwards from the first
evidence for an intro or 返场 cue, never past the previous explanation's last evidence. It ends with the last
word about the product: an outro cue (讲到这里, 看下一个) after the last evidence if one follows soon, else the
last unit with evidence or sales talk. Chat between explanations is left out; chat inside stays in.
"""

from __future__ import annotations

from dataclasses import dataclass

from replay.contracts import VisualEvent
from replay.detect.cues import CLOSING, CueHit
from replay.detect.decode import Run
from replay.detect.evidence import Unit
from replay.detect.fusion import VISUAL_KINDS

# An intro cue this far into its unit still starts the 看点 at the unit (宝宝们看过来, 好接下来).
_LEAD_IN_MAX_S = 2.0


@dataclass(slots=True)
class Block:
    sku_id: str
    first: int  # unit of the first evidence
    last: int  # unit of the last evidence
    start_unit: int
    end_unit: int
    start: float
    end: float
    start_cue: str | None = None
    end_cue: str | None = None


def evidence_span(run: Run, units: list[Unit]) -> tuple[int, int] | None:
    """First and last unit of the run that carry spoken evidence for its item.

    On-screen evidence lags the talk (see fusion), so it sets the span only of a run the host never named.
    """
    for source in ("scores", "visual"):
        ev = [u for u in range(run.first, run.last + 1) if getattr(units[u], source).get(run.sku_id, 0.0) > 0]
        if ev:
            return ev[0], ev[-1]
    return None


def _intro_time(unit: Unit, cue: CueHit | None, sku: str) -> float:
    """Where in a unit the introduction begins: a little before the cue or the product's first evidence.

    A 返场 cue comes mid-sentence (刚才好多宝宝说X没抢到，我们再给大家返场), and forms of address precede intro
    cues (宝宝们看过来), so up to ``_LEAD_IN_MAX_S`` before the earlier of the two belongs to the introduction,
    but never before the unit. When whisper ran the previous outro into the same unit, the introduction
    begins after that outro.
    """
    anchors = [t for k, _x, s, _w, t in unit.hits if s == sku and k not in VISUAL_KINDS]
    if cue is not None:
        anchors.append(unit.tokens[cue.first].start)
    anchor = min(anchors, default=unit.start)
    ends = [c.last for c in unit.cues if c.kind in CLOSING and unit.tokens[c.last].end <= anchor]
    floor = unit.tokens[min(max(ends) + 1, len(unit.tokens) - 1)].start if ends else unit.start
    return max(floor, min(anchor, max(floor, anchor - _LEAD_IN_MAX_S)))


def find_start(units: list[Unit], first: int, floor: int, lookback_s: float,
               sku: str) -> tuple[int, float, str | None]:
    """The unit and time where the introduction begins, and the cue that opened it (if any).

    ``floor`` is the lowest unit allowed (just after the previous explanation's last evidence).
    """
    limit_t = units[first].start - lookback_s
    for v in range(first, floor - 1, -1):
        unit = units[v]
        if unit.start < limit_t:
            break
        if v != first and unit.names():
            break  # another product's (or this one's earlier) evidence: the intro is not before it
        cue = min((c for c in unit.cues if c.kind in ("intro", "return")), key=lambda c: c.first, default=None)
        # An introduction cannot start before a closing cue (outro or teaser) of the previous product.
        outro_last = max((c.last for c in unit.cues if c.kind in CLOSING), default=-1)
        if cue is not None and cue.first > outro_last:
            return v, _intro_time(unit, cue, sku), cue.phrase
        if outro_last >= 0 and v != first:
            break  # the previous explanation closed here; the introduction cannot be earlier
    return first, _intro_time(units[first], None, sku), None


def find_end(units: list[Unit], last: int, ceiling: int, tail_s: float) -> tuple[int, float, str | None]:
    """The unit and time where the explanation ends; ``ceiling`` is the last unit allowed."""
    limit_t = units[last].end + tail_s
    for v in range(last, ceiling + 1):
        unit = units[v]
        if unit.start > limit_t:
            break
        if (v != last and unit.names()) or unit.has("signoff") or unit.has("teaser"):
            break  # another product, the stream's sign-off, or chat announcing the next product
        cue = next((c for c in unit.cues if c.kind == "outro"), None)
        if cue is not None:
            return v, unit.end, cue.phrase
    # No outro: keep the sales talk (price, link, stock) that directly follows the last evidence.
    v = last
    while v + 1 <= ceiling and units[v + 1].has("sales") and not units[v + 1].names() \
            and not units[v + 1].has("signoff") and not units[v + 1].has("teaser") \
            and units[v + 1].start <= limit_t and not (units[v + 1].has("intro") or units[v + 1].has("return")):
        v += 1
    return v, units[v].end, None


def build_blocks(runs: list[Run], units: list[Unit], lookback_s: float, tail_s: float) -> list[Block]:
    spans = [(r, evidence_span(r, units)) for r in runs]
    spans = [(r, s) for r, s in spans if s is not None]
    blocks: list[Block] = []
    for i, (run, (first, last)) in enumerate(spans):
        floor = spans[i - 1][1][1] + 1 if i > 0 else 0
        ceiling = spans[i + 1][1][0] - 1 if i + 1 < len(spans) else len(units) - 1
        su, st, scue = find_start(units, first, floor, lookback_s, run.sku_id)
        eu, et, ecue = find_end(units, last, ceiling, tail_s)
        blocks.append(Block(run.sku_id, first, last, su, eu, st, et, scue, ecue))
    return resolve_overlaps(blocks, units)


def resolve_overlaps(blocks: list[Block], units: list[Unit]) -> list[Block]:
    """Make 看点 disjoint: where an end runs past the next start, the earlier one ends before that start."""
    blocks.sort(key=lambda b: b.start)
    for prev, nxt in zip(blocks, blocks[1:], strict=False):
        if prev.end > nxt.start:
            cut = max(prev.last, min(prev.end_unit, nxt.start_unit - 1))
            if cut != prev.end_unit:
                prev.end_cue = None
            prev.end_unit = cut
            prev.end = min(units[cut].end, nxt.start)
    return [b for b in blocks if b.end > b.start]


def snap_to_scene_cuts(blocks: list[Block], units: list[Unit], events: tuple[VisualEvent, ...],
                       window_s: float) -> None:
    """A block opened without a spoken cue starts at a scene cut just before its first words, if any.

    The start moves to the first unit that begins at or after the cut, so it still lands on speech.
    """
    cuts = sorted(e.time for e in events if e.kind == "scene_cut")
    for b in blocks:
        if b.start_cue is not None or not cuts:
            continue
        near = [t for t in cuts if b.start - window_s <= t <= b.start]
        if not near:
            continue
        for v in range(b.start_unit, -1, -1):
            if units[v].start < near[0] or any(w > 0 for s, w in units[v].scores.items() if s != b.sku_id):
                break
            b.start_unit, b.start = v, units[v].start
