"""layer: corrections applied over what the detector and the ASR wrote (pure functions, no database).

An edit never changes the detector's rows. It is a record of what the editor did, replayed in order over the
detector's latest output whenever the 看点 or the transcript are read:

- a 看点 edit names the 看点 it takes away (``remove``, as they were when edited) and the 看点 it puts in their
  place (``add``): a move or a SKU change removes one and adds it back changed under the same id; a split
  removes one and adds two; a merge removes two and adds one; a delete only removes; an add only adds;
- a transcript edit names the segment (its index, times and text when edited) and the corrected text.

A re-transcription may cut the speech into other segments: the corrected text then replaces the characters
said within the edited line's times, in the segment that overlaps it most, and the rest of that segment stays.

Re-indexing writes new detector rows; the edits are replayed over them. A removed 看点 is found by its id, or,
when a newer detector moved it (its id follows its start), by the detector 看点 of the same SKU that overlaps it
most (IoU >= ``MATCH_IOU``). An added 看点 supersedes any detector 看点 of its SKU that it overlaps as much, so
an editor's fix is never shown twice. A segment is found by its index when its times still match, else by the
segment that overlaps it most.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from replay.contracts import Highlight, Segment
from replay.edits.align import char_spans, offset_map, retime

MATCH_IOU = 0.5
"""How much a detector 看点 must overlap an edited one (intersection over union) to be taken for it."""
SAME_TIME = 0.05
"""Seconds within which a segment's stored start and end still name the same segment."""

HIGHLIGHT_KINDS = ("update", "split", "merge", "delete", "add")
TEXT_KIND = "text"


@dataclass(frozen=True, slots=True)
class SegmentRef:
    """The segment a transcript edit corrects, as it was when edited."""

    idx: int
    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class Edit:
    """One correction, as stored (replay/edits/table.py) and listed by GET /streams/{id}/edits."""

    id: str
    stream_id: str
    seq: int
    """Order of the edits: they are replayed by it."""
    kind: str
    """update (start/end/SKU), split, merge, delete, add (a 看点), or text (a transcript segment)."""
    target: str
    """The 看点 id, or ``segment:IDX``."""
    editor: str
    created_at: float
    summary: str
    """What changed, for people: ``start 0:10.2 → 0:09.0``."""
    remove: tuple[Highlight, ...] = ()
    add: tuple[Highlight, ...] = ()
    segment: SegmentRef | None = None
    text: str | None = None
    reverted_at: float | None = None
    reverted_by: str | None = None

    @property
    def active(self) -> bool:
        return self.reverted_at is None

    def touches(self) -> set[str]:
        """The 看点 ids (or ``segment:IDX``) this edit reads or writes: a later edit touching one of them
        depends on it."""
        if self.kind == TEXT_KIND:
            return {self.target}
        return {h.id for h in self.remove} | {h.id for h in self.add}


def iou(a: Highlight, b: Highlight) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    if inter <= 0:
        return 0.0
    return inter / (max(a.end, b.end) - min(a.start, b.start))


def _find(current: Sequence[Highlight], old: Highlight) -> int | None:
    """The index in ``current`` of the 看点 ``old`` was: the same id, else the most-overlapping one of its SKU."""
    for n, h in enumerate(current):
        if h.id == old.id:
            return n
    best, best_iou = None, MATCH_IOU
    for n, h in enumerate(current):
        if h.sku_id == old.sku_id and not h.edited and (score := iou(h, old)) >= best_iou:
            best, best_iou = n, score
    return best


def apply_highlights(detected: Iterable[Highlight], edits: Iterable[Edit]) -> tuple[Highlight, ...]:
    """The corrected 看点: ``edits`` (active ones, in ``seq`` order) replayed over the detector's, by start."""
    current = list(detected)
    for e in sorted(edits, key=lambda x: x.seq):
        if not e.active or e.kind == TEXT_KIND:
            continue
        for old in e.remove:
            n = _find(current, old)
            if n is not None:
                current.pop(n)
        for new in e.add:
            current = [h for h in current
                       if h.id != new.id and not (not h.edited and h.sku_id == new.sku_id and iou(h, new) >= MATCH_IOU)]
            current.append(replace(new, edited=True))
    return tuple(sorted(current, key=lambda h: (h.start, h.end, h.id)))


def find_segment(segments: Sequence[Segment], ref: SegmentRef) -> int | None:
    """The index of the segment ``ref`` names: its own index while the times match, else the one that
    overlaps it most (a re-transcription may have cut the speech differently), else None."""
    if 0 <= ref.idx < len(segments):
        s = segments[ref.idx]
        if abs(s.start - ref.start) <= SAME_TIME and abs(s.end - ref.end) <= SAME_TIME:
            return ref.idx
    best, best_overlap = None, 0.0
    for n, s in enumerate(segments):
        overlap = min(s.end, ref.end) - max(s.start, ref.start)
        if overlap > best_overlap:
            best, best_overlap = n, overlap
    return best


def _splice(seg: Segment, ref: SegmentRef, text: str) -> str:
    """``seg``'s text with the characters said within ``ref``'s times replaced by ``text``: a re-transcription
    cut the speech differently, so the corrected line covers only part of this segment (or all of it)."""
    said, spans = char_spans(seg)
    if not seg.text or not spans:
        return text
    where = offset_map(seg.text, said)
    inside = [i for i in range(len(seg.text))
              if ref.start - SAME_TIME <= (spans[where[i]][0] + spans[where[i]][1]) / 2 <= ref.end + SAME_TIME]
    if not inside:
        return seg.text
    lo, hi = inside[0], inside[-1] + 1
    return seg.text[:lo] + text + seg.text[hi:]


def corrected_segments(segments: Sequence[Segment], edits: Iterable[Edit],
                       load: Callable[[int], Segment] | None = None) -> dict[int, Segment]:
    """Segment index -> the corrected segment (new text, re-timed words), edits applied in order.

    A segment still at its edited index and times takes the editor's text whole; one that a re-transcription
    cut differently takes it in place of the characters said within the edited line's times. ``load`` gives a
    segment with its words when ``segments`` were read without them (search reads only times and text)."""
    out: dict[int, Segment] = {}
    for e in sorted(edits, key=lambda x: x.seq):
        if not (e.active and e.kind == TEXT_KIND and e.segment is not None and e.text is not None):
            continue
        n = find_segment(segments, e.segment)
        if n is None:
            continue
        seg = out.get(n) or (load(n) if load else segments[n])
        same = n == e.segment.idx and abs(seg.start - e.segment.start) <= SAME_TIME \
            and abs(seg.end - e.segment.end) <= SAME_TIME
        text = e.text if same else _splice(seg, e.segment, e.text)
        if text != seg.text:
            out[n] = retime(seg, text)
    return out


def text_overrides(segments: Sequence[Segment], edits: Iterable[Edit],
                   load: Callable[[int], Segment] | None = None) -> dict[int, str]:
    """Segment index -> corrected text (see ``corrected_segments``)."""
    return {n: s.text for n, s in corrected_segments(segments, edits, load).items()}


def apply_text(segments: Sequence[Segment], edits: Iterable[Edit]) -> tuple[Segment, ...]:
    """The corrected segments: each corrected line with its new text and re-timed words (edits/align.py)."""
    fixes = corrected_segments(segments, edits)
    if not fixes:
        return tuple(segments)
    return tuple(fixes.get(n, s) for n, s in enumerate(segments))
