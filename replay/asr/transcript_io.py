"""Read and write transcripts: our JSON, plus SRT and WebVTT from other ASR systems.

Platforms that already run their own ASR can hand replay a transcript and run only the detector.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from replay.contracts import Segment, Transcript, Word
from replay.errors import TranscriptFormatError
from replay.timecode import parse_stamp, stamp


def transcript_from_json(data: Any, source: str = "transcript") -> Transcript:
    """Accept our format ({segments:[{start,end,text,words?}]}) or a bare list of segments."""
    if isinstance(data, dict):
        segs = data.get("segments", data.get("utterances"))
        language = str(data.get("language", "zh"))
        duration = float(data.get("duration", 0.0) or 0.0)
        model = str(data.get("model", ""))
    else:
        segs, language, duration, model = data, "zh", 0.0, ""
    if not isinstance(segs, list):
        raise TranscriptFormatError(f"{source}: expected a list of segments under 'segments'",
                                    hint='give {"segments": [{"start": 0.0, "end": 2.5, "text": "..."}]}')
    out = []
    for n, s in enumerate(segs, 1):
        try:
            words = tuple(Word(start=float(w["start"]), end=float(w["end"]), text=str(w.get("text", w.get("word", ""))),
                               probability=float(w.get("probability", 1.0))) for w in s.get("words") or ())
            seg = Segment(start=float(s["start"]), end=float(s["end"]), text=str(s["text"]), words=words,
                          avg_logprob=float(s.get("avg_logprob", 0.0)), no_speech_prob=float(s.get("no_speech_prob", 0.0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise TranscriptFormatError(f"{source}: segment {n} is malformed ({exc!r})",
                                        hint="each segment needs numeric start, end and a text") from None
        if seg.end < seg.start:
            raise TranscriptFormatError(f"{source}: segment {n} ends before it starts", hint="check its times")
        out.append(seg)
    out.sort(key=lambda s: s.start)
    duration = duration or (out[-1].end if out else 0.0)
    return Transcript(segments=tuple(out), language=language, duration=duration, model=model)


def parse_cues(text: str, source: str = "subtitles") -> Transcript:
    """Parse SRT or WebVTT cues (cue settings and tags ignored)."""
    segs = []
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\ufeff", "").strip())
    for block in blocks:
        lines = [ln for ln in block.split("\n") if ln.strip()]
        idx = next((i for i, ln in enumerate(lines) if "-->" in ln), None)
        if idx is None:
            continue  # WEBVTT header, NOTE, STYLE or a bare counter
        left, _, right = lines[idx].partition("-->")
        start, end = parse_stamp(left), parse_stamp(right.strip().split()[0] if right.strip() else "")
        body = re.sub(r"<[^>]+>", "", "".join(lines[idx + 1:])).strip()
        if body:
            segs.append(Segment(start=start, end=end, text=body))
    if not segs:
        raise TranscriptFormatError(f"{source}: no cues found", hint="is this an SRT or VTT file?")
    segs.sort(key=lambda s: s.start)
    return Transcript(segments=tuple(segs), duration=segs[-1].end)


def read_transcript(path: Path) -> Transcript:
    """Load a transcript by extension: .json, .srt or .vtt."""
    path = Path(path)
    if not path.is_file():
        raise TranscriptFormatError(f"no such transcript file: {path}", hint="check the path")
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            return transcript_from_json(json.loads(text), source=path.name)
        except json.JSONDecodeError as exc:
            raise TranscriptFormatError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})",
                                        hint="fix the JSON") from None
    if suffix in (".srt", ".vtt"):
        return parse_cues(text, source=path.name)
    raise TranscriptFormatError(f"{path.name}: unknown transcript type {suffix!r}", hint="use .json, .srt or .vtt")


def to_srt(segments: list[Segment] | tuple[Segment, ...], offset: float = 0.0) -> str:
    lines = []
    for n, s in enumerate(segments, 1):
        lines += [str(n), f"{stamp(s.start - offset, ',')} --> {stamp(s.end - offset, ',')}",
                  s.text, ""]
    return "\n".join(lines)


def to_vtt(segments: list[Segment] | tuple[Segment, ...], offset: float = 0.0) -> str:
    lines = ["WEBVTT", ""]
    for s in segments:
        lines += [f"{stamp(s.start - offset)} --> {stamp(s.end - offset)}", s.text, ""]
    return "\n".join(lines)
