"""Short hand-written transcripts for the detector's tests (tests/test_detect_phenomena.py, test_detect_openings.py)."""

from __future__ import annotations

from replay.contracts import Catalog, Segment, Transcript
from replay.detect import detect
from replay.detect.evidence import add_evidence
from replay.detect.units import Unit, build_units


def srt(lines: list[str], rate: float = 5.0, gap: float = 0.5) -> tuple[Transcript, list[tuple[float, float]]]:
    """One subtitle cue per line at ``rate`` characters a second: the transcript and each line's (start, end)."""
    t, segs, spans = 1.0, [], []
    for line in lines:
        end = t + len(line) / rate
        segs.append(Segment(round(t, 3), round(end, 3), line))
        spans.append((t, end))
        t = end + gap
    return Transcript(tuple(segs), duration=round(t + 1, 3)), spans


def evidence_units(lines: list[str], catalog: Catalog) -> tuple[list[Unit], list[tuple[float, float]]]:
    """The lines as the detector's units with the catalog's evidence (no talk model), and each line's span."""
    tr, spans = srt(lines)
    units = build_units(tr, 0.3, use_cues=True)
    add_evidence(units, catalog)
    return units, spans


def detected(lines: list[str], catalog: Catalog) -> tuple[list[tuple[str, float, float]], list[tuple[float, float]]]:
    """The detector's 看点 on the lines (default options) as (sku_id, start, end), and each line's span."""
    tr, spans = srt(lines)
    return [(h.sku_id, h.start, h.end) for h in detect(tr, catalog)], spans


def kind_hits(unit: Unit, kind: str) -> list[str]:
    """The sku_ids of a unit's hits of one kind (spec, link_no, fuzzy…), in the order found."""
    return [h.sku_id for h in unit.hits if h.kind == kind]
