"""detect: find per-SKU 看点 in a transcript (plus optional visual events) given the room's catalog.

    evidence (units, per-item scores, cues) -> decode (Viterbi: item or none per unit)
      -> boundaries (intro/outro snapping, no overlaps) -> confidence -> Highlight list

Speech alone is enough; visual events (OCR'd product cards, image matches) add evidence for which item is on
(see fusion: they never move a boundary that speech sets), and scene cuts may move a start that had no
spoken cue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from replay.contracts import Catalog, Evidence, Highlight, Transcript, VisualTrack
from replay.detect.boundaries import Block, build_blocks, snap_to_scene_cuts
from replay.detect.decode import DecodeCosts, runs, viterbi
from replay.detect.evidence import Unit, build_units
from replay.detect.fusion import VISUAL_KINDS, add_visual

__all__ = ["DetectOptions", "detect"]

_NON_SPECIFIC = ("brand", "price")  # kinds that do not identify one item on their own


@dataclass(frozen=True, slots=True)
class DetectOptions:
    """Knobs of the detector. Costs are in units of evidence weight (a spoken short name weighs 2.5)."""

    unit_pause: float = 0.3
    """A pause (seconds) between words this long starts a new unit; units are the decoder's time steps."""
    switch_cost: float = 4.0
    """Cost of switching from one product to another without a cue; higher ignores stray mentions."""
    start_cost: float = 2.0
    """Cost of starting a product after a stretch of none (chat)."""
    end_cost: float = 3.0
    """Cost of leaving a product for none without an outro cue."""
    cue_bonus: float = 3.0
    """How much an intro or 返场 cue lowers the cost of entering a product."""
    cross_penalty: float = 3.0
    """Extra cost of entering a product on a unit with a cross-mention cue (跟刚才那个…搭配)."""
    other_penalty: float = 0.25
    """Fraction of other items' evidence subtracted from a state's emission."""
    outro_bonus: float = 0.5
    """Reward for moving to none right after an outro cue."""
    price_weight: float = 0.6
    """Evidence weight of a spoken price equal to an item's price or live price (split among sharers)."""
    visual_weight: float = 1.5
    """Evidence weight of a visual event (OCR'd card or image match), times the event's score."""
    lookback: float = 20.0
    """How far (seconds) before the first product evidence an intro cue may start the 看点."""
    tail: float = 25.0
    """How far (seconds) after the last product evidence an outro cue may end the 看点."""
    scene_snap: float = 3.0
    """A 看点 without a spoken intro cue may start at a scene cut at most this many seconds earlier."""
    min_confidence: float = 0.5
    """看点 below this confidence are dropped; 0 keeps every decoded block (for threshold sweeps)."""
    max_evidence: int = 12
    """Evidence items kept per 看点 (strongest first), besides its boundary cues."""


def _confidence(block: Block, units: list[Unit]) -> float:
    """A logistic score of how well the block is supported; calibrated so that 0.5 is a sensible cut."""
    specific = weak = other = 0.0
    link = False
    others: dict[str, float] = {}
    for u in units[block.start_unit:block.end_unit + 1]:
        for kind, _text, sku, w, _t in u.hits:
            if sku == block.sku_id:
                if kind in _NON_SPECIFIC:
                    weak += w
                else:
                    specific += w
                link = link or kind == "link_no"
            else:
                others[sku] = others.get(sku, 0.0) + w
    other = max(others.values(), default=0.0)
    own = specific + weak
    z = (-2.5 + 0.8 * min(specific, 8.0) + 0.3 * min(weak, 3.0) + (1.0 if block.start_cue else 0.0)
         + (0.5 if link else 0.0) - 0.5 * max(0.0, other - own))
    return 1.0 / (1.0 + math.exp(-z))


def _evidence(block: Block, units: list[Unit], keep: int) -> tuple[Evidence, ...]:
    hits = []
    for u in units[block.start_unit:block.end_unit + 1]:
        for kind, text, sku, w, t in u.hits:
            if sku == block.sku_id:
                source = "visual" if kind in VISUAL_KINDS else "speech"
                hits.append(Evidence(kind=kind, time=round(t, 3), text=text, sku_id=sku, weight=round(w, 3),
                                     source=source))
    hits.sort(key=lambda e: -e.weight)
    hits = sorted(hits[:keep], key=lambda e: e.time)
    cues = []
    if block.start_cue:
        kind = "return_cue" if block.start_cue and any(
            c.kind == "return" for c in units[block.start_unit].cues) else "intro_cue"
        cues.append(Evidence(kind=kind, time=round(block.start, 3), text=block.start_cue, weight=1.0))
    if block.end_cue:
        cues.append(Evidence(kind="outro_cue", time=round(block.end, 3), text=block.end_cue, weight=1.0))
    return tuple(sorted(cues + hits, key=lambda e: e.time))


def detect(transcript: Transcript, catalog: Catalog, options: DetectOptions = DetectOptions(),
           visual: VisualTrack | None = None) -> list[Highlight]:
    """The 看点 of one stream, in time order, disjoint, each with confidence and evidence."""
    o = options
    units = build_units(transcript, catalog, min_pause=o.unit_pause, price_weight=o.price_weight)
    if visual is not None:
        add_visual(units, visual, o.visual_weight)
    costs = DecodeCosts(o.switch_cost, o.start_cost, o.end_cost, o.cue_bonus, o.cross_penalty, o.other_penalty,
                        o.outro_bonus)
    labels = viterbi(units, [i.sku_id for i in catalog.items], costs)
    blocks = build_blocks(runs(labels, units), units, o.lookback, o.tail)
    if visual is not None:
        snap_to_scene_cuts(blocks, units, visual.events, o.scene_snap)
    titles = {i.sku_id: i.title for i in catalog.items}
    duration = transcript.duration or (units[-1].end if units else 0.0)
    out: list[Highlight] = []
    seen: set[str] = set()
    for b in blocks:
        conf = _confidence(b, units)
        if conf < o.min_confidence:
            continue
        start, end = max(0.0, b.start), min(b.end, duration) if duration else b.end
        if end <= start:
            continue
        kind = "return" if b.sku_id in seen else "main"
        seen.add(b.sku_id)
        out.append(Highlight(sku_id=b.sku_id, title=titles[b.sku_id], start=round(start, 3), end=round(end, 3),
                             confidence=round(conf, 4), evidence=_evidence(b, units, o.max_evidence),
                             kind=kind))
    return out
