"""timecode: how replay writes and reads times. Every module formats and parses times here, nowhere else.

All times in replay are float seconds from the start of the recording (see contracts). Only the edges turn
them into text: a clock for people (``1:02:03``), and the HH:MM:SS.mmm stamps of WebVTT and SRT.
"""

from __future__ import annotations

import re

from replay.errors import TranscriptFormatError

_STAMP = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})")


def clock(seconds: float | None) -> str:
    """A clock for people: ``1:02:03``, or ``2:03`` under an hour; ``–`` when unknown. Fractions are cut."""
    if seconds is None:
        return "–"
    s = int(max(0.0, seconds))
    h, m, sec = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def stamp(seconds: float, sep: str = ".") -> str:
    """``HH:MM:SS.mmm`` (WebVTT), or ``HH:MM:SS,mmm`` with ``sep=","`` (SRT); negative times clamp to 0."""
    ms = int(round(max(0.0, seconds) * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def parse_stamp(value: str) -> float:
    """Seconds from an SRT or WebVTT stamp: ``HH:MM:SS,mmm``, ``HH:MM:SS.mmm`` or ``MM:SS.mmm``."""
    m = _STAMP.fullmatch(value.strip())
    if not m:
        raise TranscriptFormatError(f"bad timestamp {value!r}", hint="use HH:MM:SS,mmm (SRT) or HH:MM:SS.mmm (VTT)")
    h, mi, s, ms = m.groups()
    return int(h or 0) * 3600 + int(mi) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000
