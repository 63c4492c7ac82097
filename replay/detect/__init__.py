"""detect: find per-SKU 看点 in a transcript (plus optional visual events) given the room's catalog.

    units (sentences; run-on cues cut where a learned model hears a sentence end, see breaks)
      -> evidence (catalog names, category words, link numbers, prices; on-screen cards)
      -> talk (is each unit product talk or chat with the room? a learned model)
      -> decode (Viterbi: which item is on, or none) -> boundaries (start/end from the structure of the talk)
      -> confidence -> Highlight list

Which product is on comes from catalog evidence; where its explanation starts and ends comes from the
structure of the talk (product talk vs chat, pauses), with cue phrases as weak priors. Visual events
(OCR'd product cards, image matches) add evidence for which item is on (see fusion: they never move a
boundary that speech sets), and scene cuts may move a start that had no spoken cue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from replay.contracts import Catalog, Evidence, Highlight, Transcript, VisualTrack
from replay.detect.boundaries import (
    Block,
    BoundaryOptions,
    absorb_mentions,
    build_blocks,
    join_same_product,
    snap_to_scene_cuts,
)
from replay.detect.decode import DecodeCosts, Run, runs, viterbi
from replay.detect.evidence import EvidenceWeights, add_evidence, reweigh
from replay.detect.fusion import add_visual
from replay.detect.openings import (
    call_before_opening,
    explain_pointed_items,
    leave_at_clear_openings,
    settle_tied_openings,
    take_over_openings,
)
from replay.detect.relabel import (
    absorb_asides,
    hand_back_mentions,
    keep_passing_mentions,
    keep_shared_words_with_item_on,
    own_price,
    past_mention,
)
from replay.detect.talk import score_units
from replay.detect.units import Unit, build_units

__all__ = ["BoundaryOptions", "ConfidenceWeights", "DetectOptions", "EvidenceWeights", "detect", "place_blocks"]


@dataclass(frozen=True, slots=True)
class ConfidenceWeights:
    """The logistic confidence of a 看点: bias + per unit of evidence, opening, link number, rival evidence."""

    bias: float = -2.0
    """Where the logistic starts: a block with no evidence at all."""
    specific: float = 0.8
    """Per unit of evidence that singles the item out (capped at 8)."""
    weak: float = 0.3
    """Per unit of evidence it shares with others (a price, a shared category word; capped at 3)."""
    opening: float = 1.0
    """Times the opening's strength (1 for an intro cue, else the learned opening probability)."""
    link: float = 0.5
    """When its link number was said."""
    rival: float = 0.5
    """Per unit by which another item's evidence inside the block exceeds its own (not an item the block took in
    as a mention of it: a parting word, a cross-sell)."""


@dataclass(frozen=True, slots=True)
class DetectOptions:
    """Knobs of the detector. Costs are in units of evidence weight (a spoken short name weighs 2.5)."""

    unit_pause: float = 0.3
    """A pause (seconds) between words this long starts a new unit; units are the decoder's time steps."""
    use_cues: bool = True
    """Use the cue phrase lists (replay/wordlists/cues_*.txt). Off, the detector works from catalog evidence
    and the structure of the talk alone (the cue ablation of tests/test_detect_generalise.py)."""
    switch_cost: float = 6.0
    """Cost of switching from one product to another without a cue; higher ignores stray mentions."""
    start_cost: float = 2.0
    """Cost of starting a product after a stretch of none (chat)."""
    end_cost: float = 3.0
    """Cost of leaving a product for none without an outro cue."""
    cue_bonus: float = 5.0
    """How much an intro or 返场 cue lowers the cost of entering a product."""
    cross_penalty: float = 3.0
    """Extra cost of entering a product on a unit with a cross-mention cue (跟刚才那个…搭配)."""
    other_penalty: float = 0.25
    """Fraction of other items' evidence subtracted from a state's emission."""
    outro_bonus: float = 0.5
    """Reward for moving to none right after an outro cue."""
    compare_penalty: float = 0.75
    """Evidence against an item the host compares the product in hand with (比一号便宜, 跟一号一样的米): one does not
    compare a product with itself, so the product in hand is another one, most often the one named last."""
    visual_weight: float = 1.5
    """Evidence weight of a visual event (OCR'd card or image match), times the event's score."""
    scene_snap: float = 3.0
    """A 看点 without a spoken intro cue may start at a scene cut at most this many seconds earlier."""
    min_confidence: float = 0.3
    """看点 below this confidence are dropped; 0 keeps every decoded block (for threshold sweeps)."""
    lead_in_confidence: float = 0.4
    """A 看点 that runs straight into another product's needs this much: below it, it is that one's lead-in."""
    max_evidence: int = 12
    """Evidence items kept per 看点 (strongest first), besides its boundary cues."""
    talk_model: str | None = None
    """Product-talk model file (see detect.talk); default: the one shipped in the package."""
    evidence: EvidenceWeights = field(default_factory=EvidenceWeights)
    """Weights of link numbers, prices and shared category words."""
    boundaries: BoundaryOptions = field(default_factory=BoundaryOptions)
    """How starts and ends are placed between explanations."""
    confidence: ConfidenceWeights = field(default_factory=ConfidenceWeights)
    """How a 看点's confidence is computed from its evidence."""


def _confidence(block: Block, units: list[Unit], c: ConfidenceWeights) -> float:
    """A logistic score of how well the block is supported; calibrated so that 0.5 is a sensible cut."""
    specific = weak = 0.0
    link = False
    others: dict[str, float] = {}
    said_at: dict[str, list[int]] = {}
    for k in range(block.start_unit, block.end_unit + 1):
        for h in units[k].hits:
            if h.sku_id == block.sku_id:
                if h.kind == "price" or h.shared > 1:
                    weak += h.weight
                else:
                    specific += h.weight
                link = link or h.kind == "link_no"
            elif h.sku_id not in block.mentions:  # a product it took in as a mention is no rival
                others[h.sku_id] = others.get(h.sku_id, 0.0) + h.weight
                if h.shared == 1 and h.kind != "price":
                    said_at.setdefault(h.sku_id, []).append(k)
    # Nor one named in a sentence or two and never again in the block (怕贵的朋友，檀香粉在十二号): pointed at in
    # passing, as a cross-sell is (see relabel.keep_passing_mentions). Named: by evidence it has alone, not a
    # size or a price it shares (五十克).
    for sku, at in said_at.items():
        if not any(past_mention(units, at[0], k) for k in at):
            others.pop(sku)
    other = max(others.values(), default=0.0)
    own = specific + weak
    opened = 1.0 if block.start_cue else units[block.start_unit].opening
    z = (c.bias + c.specific * min(specific, 8.0) + c.weak * min(weak, 3.0) + c.opening * opened
         + (c.link if link else 0.0) - c.rival * max(0.0, other - own))
    return 1.0 / (1.0 + math.exp(-z))


def _evidence(block: Block, units: list[Unit], keep: int) -> tuple[Evidence, ...]:
    hits = []
    for u in units[block.start_unit:block.end_unit + 1]:
        for h in u.hits:
            if h.sku_id == block.sku_id:
                hits.append(Evidence(kind=h.kind, time=round(h.time, 3), text=h.text, sku_id=h.sku_id,
                                     weight=round(h.weight, 3), source="visual" if h.source == "visual" else "speech"))
    hits.sort(key=lambda e: -e.weight)
    hits = sorted(hits[:keep], key=lambda e: e.time)
    cues = []
    if block.start_cue:
        kind = "return_cue" if units[block.start_unit].has("return") else "intro_cue"
        cues.append(Evidence(kind=kind, time=round(block.start, 3), text=block.start_cue, weight=1.0))
    if block.end_cue:
        cues.append(Evidence(kind="outro_cue", time=round(block.end, 3), text=block.end_cue, weight=1.0))
    return tuple(sorted(cues + hits, key=lambda e: e.time))


def _blocks(decoded: list[Run], units: list[Unit], o: DetectOptions, visual: VisualTrack | None) -> list[Block]:
    blocks = build_blocks(decoded, units, o.boundaries)
    if visual is not None:
        snap_to_scene_cuts(blocks, units, visual.events, o.scene_snap)
    return join_same_product(absorb_mentions(blocks, units, o.boundaries), o.boundaries.join_gap)


_LEAD_IN_RUN_S = 20.0  # the longest run that can be the lead-in of the product after it (seconds)


def place_blocks(decoded: list[Run], units: list[Unit], o: DetectOptions,
                 visual: VisualTrack | None = None) -> list[Block]:
    """The explanations of the decoded runs, with their starts and ends placed (see boundaries)."""
    blocks = _blocks(decoded, units, o, visual)
    # A run whose block is too weak to show (a title word of another item in the first product's lead-in)
    # must not cut the next explanation's opening short: place the starts again without it. Ends stay: the
    # weak run's talk is no more the previous explanation's than it was (often it is a product of its own
    # that the evidence could not confirm).
    # A weak run right before another item's run is that one's lead-in (a faint word said while the host leads
    # up to the product): it needs lead_in_confidence; a weak run on its own (a short 返场) only min_confidence.
    def blocks_of(r: Run) -> list[Block]:
        return [b for b in blocks if b.sku_id == r.sku_id and r.first <= b.first <= r.last]

    # (Not a lead-in to a run the block took in as a mention: that run is no explanation to lead into. Nor a run
    # longer than _LEAD_IN_RUN_S: a host leads up to a product in a sentence or three, and 40 s of talk about a
    # pen with few catalog words is the pen's explanation, whatever follows it.)
    # (Nor a run that says its item's own price, 大号的二十二块一个: a host prices what they explain, not a product
    # they lead up to another with.)
    def needed(k: int) -> float:
        r = decoded[k]
        leads_in = (k + 1 < len(decoded) and decoded[k + 1].first == r.last + 1 and bool(blocks_of(decoded[k + 1]))
                    and units[r.last].end - units[r.first].start <= _LEAD_IN_RUN_S
                    and not any(own_price(units[x], r.sku_id) for x in range(r.first, r.last + 1)))
        return max(o.min_confidence, o.lead_in_confidence) if leads_in and o.min_confidence > 0 else o.min_confidence

    # (Nor a run another block took in as its parting word, two sentences or more about another item: it is
    # placed, as part of that block, and placing the blocks again without it would end that block before it, at
    # a sentence that sounds like an opening. A one-sentence mention is left out and the ends placed again.)
    def taken_in(r: Run) -> bool:
        return any(r.sku_id in b.parting and b.start_unit <= r.first <= b.end_unit for b in blocks)

    weak = [r for k, r in enumerate(decoded)
            if not taken_in(r) and not any(_confidence(b, units, o.confidence) >= needed(k) for b in blocks_of(r))]
    if weak:
        ends = {(b.sku_id, b.first): (b.end_unit, b.end, b.end_cue) for b in blocks}
        mentions = {(b.sku_id, b.first): b.mentions for b in blocks}  # (a run it took in is not there any more)
        blocks = _blocks([r for r in decoded if r not in weak], units, o, visual)
        for b in blocks:
            b.mentions |= mentions.get((b.sku_id, b.first), set())
            if (b.sku_id, b.first) in ends and ends[b.sku_id, b.first][1] < b.end:
                b.end_unit, b.end, b.end_cue = ends[b.sku_id, b.first]
    return blocks


def detect(transcript: Transcript, catalog: Catalog, options: DetectOptions = DetectOptions(),
           visual: VisualTrack | None = None) -> list[Highlight]:
    """The 看点 of one stream, in time order, disjoint, each with confidence and evidence."""
    o = options
    units = build_units(transcript, o.unit_pause, use_cues=o.use_cues)
    add_evidence(units, catalog, o.evidence)
    score_units(units, o.talk_model)
    reweigh(units, o.evidence)
    if visual is not None:
        add_visual(units, visual, o.visual_weight)
    costs = DecodeCosts(o.switch_cost, o.start_cost, o.end_cost, o.cue_bonus, o.cross_penalty, o.other_penalty,
                        o.outro_bonus, o.compare_penalty)
    labels = viterbi(units, [i.sku_id for i in catalog.items], costs)
    labels = keep_passing_mentions(hand_back_mentions(absorb_asides(labels, units), units), units)
    labels = settle_tied_openings(leave_at_clear_openings(take_over_openings(labels, units), units), units)
    labels = call_before_opening(explain_pointed_items(labels, units), units)
    labels = keep_shared_words_with_item_on(labels, units)
    blocks = place_blocks(runs(labels, units), units, o, visual)
    titles = {i.sku_id: i.title for i in catalog.items}
    duration = transcript.duration or (units[-1].end if units else 0.0)
    out: list[Highlight] = []
    seen: set[str] = set()
    for b in blocks:
        conf = _confidence(b, units, o.confidence)
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
