"""service: what an editor can do to a stream's 看点 and transcript. The API, ``replay edit`` and the editor page
all call these functions; each checks the request against the corrected index, stores one edit
(replay/edits/table.py) and returns the result.

- ``update``: move a 看点's start and/or end (snapped to the nearest word boundary unless ``snap=False``),
  and/or change its SKU (the title follows the catalog);
- ``split`` one 看点 in two at a time, ``merge`` two into one, ``delete`` one, ``add`` one;
- ``correct``: a transcript segment's text;
- ``revert``: undo an edit (kept in the list, marked reverted); an edit that a later one builds on is reverted
  after it.

The corrected 看点 never overlap, are at least ``min_length`` long and lie inside the recording; an edited 看点
keeps its id (a split's second half and an added 看点 get a new one, in the same ``h`` + 12 hex format).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from replay.contracts import Highlight, Segment, Word, from_json, highlight_id
from replay.edits import table
from replay.edits.align import Boundaries
from replay.edits.layer import TEXT_KIND, Edit, SegmentRef, corrected_segments, find_segment
from replay.errors import Conflict, InputError, NotFound
from replay.settings import Settings
from replay.store import search
from replay.store.database import Database

MAX_TEXT = 500
"""Longest corrected line, in characters."""


@dataclass(frozen=True, slots=True)
class EditRules:
    """How edits are checked and snapped (Settings: REPLAY_EDIT_SNAP_WINDOW, REPLAY_EDIT_MIN_LENGTH)."""

    snap_window: float = 1.5
    """An edge moves at most this many seconds to reach the nearest word boundary."""
    min_length: float = 1.0
    """Shortest 看点 an edit may leave, in seconds."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an edit did: the edit stored (None when nothing changed) and the 看点 or segment it left."""

    edit: Edit | None
    highlights: tuple[Highlight, ...] = ()
    segment: Segment | None = None
    segment_idx: int | None = None


@contextmanager
def _writing(db: Database) -> Iterator[None]:
    """One IMMEDIATE transaction: two editors saving at once are checked one after the other."""
    conn = db.db.conn
    if conn.in_transaction:
        conn.commit()
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def _t(x: float) -> str:
    return f"{x:.2f} s"


def _highlight(db: Database, stream_id: str, hid: str) -> tuple[Highlight, tuple[Highlight, ...]]:
    hs = db.highlights(stream_id).highlights
    h = next((x for x in hs if x.id == hid), None)
    if h is None:
        raise NotFound(f"stream {stream_id} has no 看点 {hid!r}", hint=f"see GET /streams/{stream_id}/highlights "
                       f"or `replay show {stream_id}`")
    return h, hs


def _title(db: Database, stream_id: str, sku_id: str) -> str:
    items = db.catalog(stream_id).items
    item = next((i for i in items if i.sku_id == sku_id), None)
    if item is None:
        listed = ", ".join(i.sku_id for i in items[:12]) + (", …" if len(items) > 12 else "")
        raise InputError(f"SKU {sku_id!r} is not in the catalog of stream {stream_id}",
                         hint=f"pick one of the listed products ({listed})")
    return item.title


def _near(db: Database, stream_id: str, times: list[float], window: float) -> list[Segment]:
    """The ASR's segments (with words) around ``times``: what an edge may snap to, without decoding the words
    of a whole 6-hour transcript for one drag. A corrected line keeps the times of its unchanged characters,
    so the ASR's word boundaries stand for it."""
    lo, hi = min(times) - window, max(times) + window
    rows = db.db.execute("select start, end, text, words from segments where stream_id = ? and end >= ? and start <= ?",
                         [stream_id, lo, hi]).fetchall()
    return [Segment(r[0], r[1], r[2], from_json(tuple[Word, ...], json.loads(r[3] or "[]"))) for r in rows]


def _snapped(db: Database, stream_id: str, start: float, end: float, snap: bool, rules: EditRules,
             others: tuple[Highlight, ...], moved: tuple[bool, bool] = (True, True)) -> tuple[float, float]:
    """The edges snapped to word boundaries; an edge stays as given where snapping would make the 看点 too
    short or push it into a neighbour (an edge dragged right up to the next 看点 stays there)."""
    if snap:
        b = Boundaries(_near(db, stream_id, [start, end], rules.snap_window))
        s = b.snap_start(start, rules.snap_window) if moved[0] else start
        e = b.snap_end(end, rules.snap_window) if moved[1] else end
        if any(o.end > s + 0.01 and o.end <= start + 0.01 for o in others):
            s = start
        if any(o.start < e - 0.01 and o.start >= end - 0.01 for o in others):
            e = end
        if e - s >= rules.min_length:
            start, end = s, e
    return round(start, 3), round(end, 3)


def _check(db: Database, stream_id: str, new: Highlight, others: tuple[Highlight, ...], rules: EditRules) -> None:
    duration = db.stream(stream_id)["duration"] or 0.0
    if new.start < 0 or (duration and new.end > duration + 0.01):
        raise InputError(f"{_t(new.start)}–{_t(new.end)} is outside the recording (0–{_t(duration)})",
                         hint="give times inside the recording")
    if new.end - new.start < rules.min_length:
        raise InputError(f"a 看点 must last at least {rules.min_length:g} s (got {_t(new.start)}–{_t(new.end)})",
                         hint="give an end after the start, or delete the 看点")
    for o in others:
        if min(o.end, new.end) - max(o.start, new.start) > 0.01:
            raise Conflict(f"{_t(new.start)}–{_t(new.end)} overlaps 看点 {o.id} ({o.title[:20]}, "
                           f"{_t(o.start)}–{_t(o.end)})",
                           hint=f"move that 看点's edge first, or merge the two (POST …/highlights/{o.id} "
                                '{"action": "merge", ...})')


def update(db: Database, stream_id: str, hid: str, editor: str, *, start: float | None = None,
           end: float | None = None, sku_id: str | None = None, snap: bool = True,
           rules: EditRules = EditRules()) -> Outcome:
    """Move a 看点's edges and/or change its SKU; it keeps its id."""
    if start is None and end is None and sku_id is None:
        raise InputError("nothing to change", hint="give start, end and/or sku_id")
    with _writing(db):
        old, hs = _highlight(db, stream_id, hid)
        others = tuple(h for h in hs if h.id != hid)
        new_start, new_end = _snapped(db, stream_id, old.start if start is None else start,
                                      old.end if end is None else end, snap, rules, others,
                                      (start is not None, end is not None))
        new = replace(old, start=new_start, end=new_end, edited=True)
        changes = []
        if (new.start, new.end) != (old.start, old.end):
            changes += [f"start {_t(old.start)} → {_t(new.start)}"] if new.start != old.start else []
            changes += [f"end {_t(old.end)} → {_t(new.end)}"] if new.end != old.end else []
        if sku_id is not None and sku_id != old.sku_id:
            new = replace(new, sku_id=sku_id, title=_title(db, stream_id, sku_id))
            changes.append(f"SKU {old.sku_id} → {sku_id}")
        if not changes:
            return Outcome(None, (old,))
        _check(db, stream_id, new, others, rules)
        edit = table.insert(db.db, stream_id, "update", hid, editor, "; ".join(changes), remove=(old,), add=(new,))
    return Outcome(edit, (new,))


def split(db: Database, stream_id: str, hid: str, editor: str, at: float, *, snap: bool = True,
          rules: EditRules = EditRules()) -> Outcome:
    """Cut a 看点 in two at ``at`` (snapped to a word start): the first half keeps the id."""
    with _writing(db):
        old, _ = _highlight(db, stream_id, hid)
        if snap:
            snapped = Boundaries(_near(db, stream_id, [at], rules.snap_window)).snap_start(at, rules.snap_window)
            if old.start + rules.min_length <= snapped <= old.end - rules.min_length:
                at = snapped
        at = round(at, 3)
        if not old.start + rules.min_length <= at <= old.end - rules.min_length:
            raise InputError(f"cannot split {_t(old.start)}–{_t(old.end)} at {_t(at)}",
                             hint=f"split at least {rules.min_length:g} s inside the 看点")
        first = replace(old, end=at, edited=True)
        second = replace(old, id=highlight_id(stream_id, old.sku_id, at), start=at, thumbnail=None, edited=True)
        edit = table.insert(db.db, stream_id, "split", hid, editor, f"split at {_t(at)} → {second.id}",
                            remove=(old,), add=(first, second))
    return Outcome(edit, (first, second))


def merge(db: Database, stream_id: str, hid: str, other_id: str, editor: str,
          rules: EditRules = EditRules()) -> Outcome:
    """Join two 看点 (and the gap between them) into one, with the first one's id and SKU."""
    if other_id == hid:
        raise InputError("cannot merge a 看点 with itself", hint="give the id of another 看点 in `with`")
    with _writing(db):
        a, hs = _highlight(db, stream_id, hid)
        b, _ = _highlight(db, stream_id, other_id)
        new = replace(a, start=min(a.start, b.start), end=max(a.end, b.end), edited=True,
                      evidence=a.evidence + b.evidence)
        _check(db, stream_id, new, tuple(h for h in hs if h.id not in (hid, other_id)), rules)
        edit = table.insert(db.db, stream_id, "merge", hid, editor, f"merged {other_id} ({b.sku_id}) into {hid}",
                            remove=(a, b), add=(new,))
    return Outcome(edit, (new,))


def delete(db: Database, stream_id: str, hid: str, editor: str) -> Outcome:
    """Remove a 看点 (the detector's row stays; revert the edit to bring it back)."""
    with _writing(db):
        old, _ = _highlight(db, stream_id, hid)
        edit = table.insert(db.db, stream_id, "delete", hid, editor,
                            f"deleted {old.sku_id} {_t(old.start)}–{_t(old.end)}", remove=(old,))
    return Outcome(edit, ())


def add(db: Database, stream_id: str, editor: str, sku_id: str, start: float, end: float, *, snap: bool = True,
        kind: str = "main", rules: EditRules = EditRules()) -> Outcome:
    """Add a 看点 the detector missed."""
    if kind not in ("main", "return"):
        raise InputError(f"bad kind {kind!r}", hint="use main or return (返场)")
    with _writing(db):
        title = _title(db, stream_id, sku_id)
        hs = db.highlights(stream_id).highlights
        s, e = _snapped(db, stream_id, start, end, snap, rules, hs)
        new = Highlight(sku_id=sku_id, title=title, start=s, end=e, confidence=1.0,
                        id=highlight_id(stream_id, sku_id, s), kind=kind, edited=True)  # type: ignore[arg-type]
        _check(db, stream_id, new, hs, rules)
        edit = table.insert(db.db, stream_id, "add", new.id, editor, f"added {sku_id} {_t(s)}–{_t(e)}", add=(new,))
    return Outcome(edit, (new,))


def correct(db: Database, stream_id: str, idx: int, text: str, editor: str) -> Outcome:
    """Correct the text of transcript segment ``idx`` (as GET /streams/{id}/transcript numbers them)."""
    text = " ".join(text.split())
    if not text:
        raise InputError("the corrected text is empty", hint="give the words the host said")
    if len(text) > MAX_TEXT:
        raise InputError(f"the corrected text has {len(text)} characters (at most {MAX_TEXT})",
                         hint="correct one subtitle line at a time")
    with _writing(db):
        segs = _lines(db, stream_id)
        if not 0 <= idx < len(segs):
            raise NotFound(f"stream {stream_id} has no transcript segment {idx}",
                           hint=f"segments are numbered 0–{len(segs) - 1} in GET /streams/{stream_id}/transcript")
        current = _corrected_line(db, stream_id, segs, idx)
        if text == current.text:
            return Outcome(None, segment=current, segment_idx=idx)
        ref = SegmentRef(idx=idx, start=segs[idx].start, end=segs[idx].end, text=segs[idx].text)
        edit = table.insert(db.db, stream_id, TEXT_KIND, f"segment:{idx}", editor,
                            f"line {idx}: {current.text[:40]} → {text[:40]}", segment=ref, text=text)
        fixed = _corrected_line(db, stream_id, segs, idx)
        search.set_segment_text(db.db, stream_id, idx, fixed.text)
    return Outcome(edit, segment=fixed, segment_idx=idx)


def _lines(db: Database, stream_id: str) -> list[Segment]:
    """The ASR's segments without their words (cheap even for 6 hours); 404 for an unknown stream."""
    db.stream(stream_id)
    return [Segment(r[0], r[1], r[2]) for r in db.db.execute(
        "select start, end, text from segments where stream_id = ? order by idx", [stream_id]).fetchall()]


def _with_words(db: Database, stream_id: str, segs: list[Segment]) -> Callable[[int], Segment]:
    def load(idx: int) -> Segment:
        (words,) = db.db.execute("select words from segments where stream_id = ? and idx = ?", [stream_id, idx]).fetchone()
        return replace(segs[idx], words=from_json(tuple[Word, ...], json.loads(words or "[]")))
    return load


def _corrected_line(db: Database, stream_id: str, segs: list[Segment], idx: int) -> Segment:
    """Segment ``idx`` as readers see it: with every active correction, its words re-timed."""
    load = _with_words(db, stream_id, segs)
    fixed = corrected_segments(segs, table.edits_of(db.db, stream_id, active_only=True), load)
    return fixed.get(idx) or load(idx)


def edits(db: Database, stream_id: str) -> list[Edit]:
    """Every edit of the stream, reverted ones included, oldest first."""
    db.stream(stream_id)  # 404 for an unknown stream
    return table.edits_of(db.db, stream_id)


def lines_now(db: Database, stream_id: str, edits: list[Edit]) -> dict[str, int | None]:
    """Edit id -> the index of the segment each text edit applies to now (a re-transcription may move it)."""
    text_edits = [e for e in edits if e.kind == TEXT_KIND and e.segment is not None]
    if not text_edits:
        return {}
    segs = _lines(db, stream_id)
    return {e.id: find_segment(segs, e.segment) for e in text_edits if e.segment is not None}


def revert(db: Database, stream_id: str, edit_id: str, editor: str) -> Edit:
    """Undo an edit. Refused while a later, active edit changed the same 看点 or line (revert that one first)."""
    with _writing(db):
        edit = table.get(db.db, stream_id, edit_id)
        if edit is None:
            raise NotFound(f"stream {stream_id} has no edit {edit_id!r}", hint=f"see GET /streams/{stream_id}/edits")
        if not edit.active:
            raise Conflict(f"edit {edit_id} was already reverted by {edit.reverted_by}",
                           hint="make the change again if it is wanted")
        later = [e for e in table.edits_of(db.db, stream_id, active_only=True)
                 if e.seq > edit.seq and e.touches() & edit.touches()]
        if later:
            raise Conflict(f"edit {later[-1].id} ({later[-1].summary}) builds on {edit_id}",
                           hint=f"revert {', '.join(e.id for e in reversed(later))} first")
        table.mark_reverted(db.db, edit_id, editor)
        if edit.kind == TEXT_KIND and edit.segment is not None:
            segs = _lines(db, stream_id)
            n = find_segment(segs, edit.segment)
            if n is not None:  # search finds the line as it reads now
                search.set_segment_text(db.db, stream_id, n, _corrected_line(db, stream_id, segs, n).text)
        done = table.get(db.db, stream_id, edit_id)
    assert done is not None
    return done



def rules_from(settings: Settings) -> EditRules:
    return EditRules(snap_window=settings.edit_snap_window, min_length=settings.edit_min_length)
