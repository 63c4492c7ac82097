"""align: where each character of a transcript line was said, and the word boundaries edits snap to.

Whisper gives word timings (a Chinese "word" is one or two characters); a segment imported from SRT has none,
and then its characters are spread evenly over the cue. A corrected line keeps the timings of the characters
it shares with the line whisper wrote (difflib's matching blocks); a replaced run of characters takes the span
of the run it replaces. So a subtitle cut from a corrected line, a search hit inside it, and an edge snapped to
it all use times that were heard, not guessed, wherever the text did not change.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from replay.contracts import Segment, Word

Span = tuple[float, float]
_WORD = re.compile(r"[A-Za-z0-9.%]+|\w|\W+")  # a Latin/digit run, one other letter (a Han character), the rest


def char_spans(seg: Segment) -> tuple[str, list[Span]]:
    """The text the segment's words spell, and the (start, end) of each of its characters."""
    if not seg.words:
        return seg.text, _spread(seg.start, seg.end, len(seg.text))
    text, spans = [], []
    for w in seg.words:
        text.append(w.text)
        spans += _spread(w.start, w.end, len(w.text))
    return "".join(text), spans


def _spread(start: float, end: float, n: int) -> list[Span]:
    if n <= 0:
        return []
    step = max(0.0, end - start) / n
    return [(start + k * step, start + (k + 1) * step) for k in range(n)]


def offset_map(a: str, b: str) -> list[int]:
    """For each character of ``a``, the index of the character of ``b`` it corresponds to (same text: itself;
    inside a replaced run: proportionally; a deleted character: the next kept one)."""
    if a == b:
        return list(range(len(a)))
    out = [0] * len(a)
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        for i in range(i1, i2):
            if op == "equal":
                out[i] = j1 + (i - i1)
            elif op == "replace":
                out[i] = j1 + (i - i1) * (j2 - j1) // (i2 - i1)
            else:  # delete: the character has no counterpart; point at what follows it
                out[i] = j1
    last = max(0, len(b) - 1)
    return [min(j, last) for j in out]


def time_at(seg: Segment, offset: int) -> float:
    """When the character at ``offset`` of ``seg.text`` was said (the start of its word)."""
    text, spans = char_spans(seg)
    if not spans or not seg.text:
        return seg.start
    j = offset_map(seg.text, text)[min(max(0, offset), len(seg.text) - 1)]
    return spans[j][0]


def retime(seg: Segment, new_text: str) -> Segment:
    """``seg`` with its text replaced by ``new_text``, and words re-timed so that unchanged characters keep
    the times they were heard at (see the module docstring)."""
    old, spans = char_spans(seg)
    if not spans:
        spans = _spread(seg.start, seg.end, max(1, len(old)))
    times: list[Span] = [(seg.start, seg.start)] * len(new_text)
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new_text, autojunk=False).get_opcodes():
        if op == "equal":
            times[j1:j2] = spans[i1:i2]
        elif op in ("replace", "insert"):
            lo = spans[i1][0] if i1 < len(spans) else spans[-1][1]
            hi = spans[i2 - 1][1] if op == "replace" else lo
            times[j1:j2] = _spread(lo, hi, j2 - j1) if hi > lo else [(lo, lo)] * (j2 - j1)
    words: list[Word] = []
    pos = 0
    for m in _WORD.finditer(new_text):
        piece, n = m.group(), len(m.group())
        span = (times[pos][0], times[pos + n - 1][1])
        pos += n
        if words and not re.search(r"\w", piece):  # spaces and punctuation join the word before them
            w = words[-1]
            words[-1] = Word(w.start, max(w.end, span[1]), w.text + piece, w.probability)
        else:
            words.append(Word(span[0], max(span[0], span[1]), piece, 1.0))
    return Segment(start=seg.start, end=seg.end, text=new_text, words=tuple(words), avg_logprob=seg.avg_logprob,
                   no_speech_prob=seg.no_speech_prob)


class Boundaries:
    """Where a 看点 edge may snap: word starts (for a start) and word ends (for an end), segment edges when a
    segment has no word timings."""

    def __init__(self, segments: Iterable[Segment]) -> None:
        starts, ends = set(), set()
        for s in segments:
            if s.words:
                starts.update(round(w.start, 3) for w in s.words if w.text.strip())
                ends.update(round(w.end, 3) for w in s.words if w.text.strip())
            starts.add(round(s.start, 3))
            ends.add(round(s.end, 3))
        self.starts, self.ends = sorted(starts), sorted(ends)

    def snap_start(self, t: float, window: float) -> float:
        return _nearest(self.starts, t, window)

    def snap_end(self, t: float, window: float) -> float:
        return _nearest(self.ends, t, window)


def _nearest(points: list[float], t: float, window: float) -> float:
    """The point nearest to ``t`` within ``window`` seconds, else ``t`` itself."""
    i = bisect.bisect_left(points, t)
    near = [p for p in points[max(0, i - 1): i + 1] if abs(p - t) <= window]
    return min(near, key=lambda p: abs(p - t)) if near else t
