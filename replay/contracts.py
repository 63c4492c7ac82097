"""contracts: the typed records that flow between stages, their one JSON codec, and the 看点 id.

Each stage takes and returns these frozen, slotted dataclasses; no stage passes a ``dict`` bag to another.
Times are always seconds from the start of the recording (floats), never chunk-relative (timecode writes them).
``to_json`` / ``from_json`` turn any of them into JSON and back; ``highlight_id`` names a 看点.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What probe learned about one recording."""

    path: Path
    duration: float
    size_bytes: int
    format_name: str
    has_video: bool
    audio_codec: str | None
    audio_sample_rate: int | None
    audio_channels: int | None
    video_codec: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    rotation: int = 0
    start_time: float = 0.0


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """One piece of 16 kHz mono audio, cut at a silence, with its absolute offset."""

    index: int
    start: float
    end: float
    path: Path


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class Segment:
    """One utterance of the transcript, in simplified Chinese, with absolute times."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True, slots=True)
class Transcript:
    segments: tuple[Segment, ...]
    language: str = "zh"
    duration: float = 0.0
    model: str = ""


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One product of the room's product list (购物袋)."""

    sku_id: str
    title: str
    brand: str | None = None
    short_name: str | None = None
    aliases: tuple[str, ...] = ()
    price: float | None = None
    live_price: float | None = None
    link_no: int | None = None
    image: Path | None = None
    category: str | None = None
    url: str | None = None
    """The product's detail page (http/https, on an allowed host): the player's 去看看."""
    service_url: str | None = None
    """The shop's customer service page for it: the player's 问客服."""


@dataclass(frozen=True, slots=True)
class Catalog:
    items: tuple[CatalogItem, ...]

    def by_id(self) -> dict[str, CatalogItem]:
        return {i.sku_id: i for i in self.items}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observation that supports (or marks a boundary of) a 看点."""

    kind: str
    time: float
    text: str
    sku_id: str | None = None
    weight: float = 1.0
    source: Literal["speech", "visual"] = "speech"


@dataclass(frozen=True, slots=True)
class VisualEvent:
    """Something seen on screen at a time: a scene cut, an OCR'd card, a matched product image."""

    kind: Literal["scene_cut", "ocr", "image"]
    time: float
    text: str = ""
    sku_id: str | None = None
    score: float = 0.0
    frame_index: int | None = None
    box: tuple[float, float, float, float] | None = None
    """Where an OCR'd card is on screen: (x0, y0, x1, y1) as shares of the frame's width and height. Vertical
    clips keep it in their 9:16 window (media/reframe.py)."""


@dataclass(frozen=True, slots=True)
class VisualTrack:
    events: tuple[VisualEvent, ...]
    skipped_reason: str | None = None
    ocr_calls: int = 0
    frames_sampled: int = 0
    sharpness: tuple[tuple[float, float], ...] = ()
    """(time, variance of the Laplacian) of every sampled frame: thumbnails are chosen from these without
    decoding the video again."""


@dataclass(frozen=True, slots=True)
class Highlight:
    """One 看点: a stretch of the recording where the host explains one catalog product."""

    sku_id: str
    title: str
    start: float
    end: float
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    id: str = ""
    thumbnail: str | None = None
    kind: Literal["main", "return"] = "main"
    state: Literal["live", "final"] = "final"
    """final: settled, its id and start never change again; live: the explanation may still be going on (a
    stream being followed, replay/live), its end grows. An index of a finished recording has only final 看点."""
    edited: bool = False
    """An editor changed or added it (replay/edits): it keeps its id, and a re-index does not undo it."""


@dataclass(frozen=True, slots=True)
class HighlightIndex:
    """The 看点 index of one stream: the published contract (schemas/highlights.schema.json)."""

    stream_id: str
    duration: float
    highlights: tuple[Highlight, ...] = field(default_factory=tuple)
    state: Literal["live", "ending", "final"] = "final"
    """The stream's: live while it is being followed (the index so far), ending during its final pass, final
    once the index is finished."""

    @classmethod
    def of(cls, stream_id: str, duration: float, highlights: Iterable[Highlight]) -> HighlightIndex:
        """The index of freshly detected 看点: each gets its id (``highlight_id``)."""
        return cls(stream_id, duration, tuple(replace(h, id=highlight_id(stream_id, h.sku_id, h.start))
                                              for h in highlights))


def highlight_id(stream_id: str, sku_id: str, start: float) -> str:
    """The id of a 看点: ``h`` and 12 hex digits.

    Unique across streams, because the stream id is part of it, so two streams of the same recording never
    share one; stable across re-runs, because the same product starting at the same tenth of a second gets the
    same id. Safe in a URL and as a file name, whatever characters the SKU holds.
    """
    key = f"{stream_id}\x1f{sku_id}\x1f{start:.1f}"
    return "h" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a job is: the pipeline reports it, the job lifecycle records it, the CLI draws it."""

    stage: str
    fraction: float
    """Whole-job progress in 0..1."""
    eta: float | None = None
    """Seconds left, estimated from the elapsed time and progress so far."""
    message: str = ""


HIGHLIGHTS_SCHEMA = Path(__file__).resolve().parent / "schemas" / "highlights.schema.json"
"""The JSON Schema of ``to_json(HighlightIndex)``: the 看点 contract, published with the package."""


# --- the codec ------------------------------------------------------------------------------------
# Every record above (and every options dataclass) goes to JSON and back through these two functions: the
# database, the checkpoints, the API views, the CLI's files and the published schema all see one shape.


def to_json(obj: Any, compact: bool = False) -> Any:
    """A record (dataclass), tuple, list, dict or Path as plain JSON types.

    Records become objects keyed by field name; ``compact=True`` writes them as arrays of their field values
    in declaration order instead (the store keeps a transcript's words that way: a 6 h stream has ~150k).
    """
    fields_of = getattr(type(obj), "__dataclass_fields__", None)
    if fields_of is not None:
        if compact:
            return [to_json(getattr(obj, name), compact) for name in fields_of]
        return {name: to_json(getattr(obj, name), compact) for name in fields_of}
    if isinstance(obj, (list, tuple)):
        return [to_json(v, compact) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_json(v, compact) for k, v in obj.items()}
    if isinstance(obj, Path):
        return str(obj)
    return obj


def from_json(kind: Any, data: Any) -> Any:
    """Rebuild a value of type ``kind`` from its JSON: a record, ``tuple[Segment, ...]``, ``X | None``...

    Records are read from objects (unknown keys ignored, missing keys take the field default) or from the
    arrays ``to_json(compact=True)`` writes. Raises ValueError when the data does not fit the type.
    """
    try:
        return _decoder(kind)(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a valid {getattr(kind, '__name__', kind)}: {exc}") from exc


def fingerprint(obj: Any) -> str:
    """A short, stable hash of anything ``to_json`` takes (checkpoint keys): equal JSON, equal fingerprint."""
    text = json.dumps(to_json(obj), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _identity(v: Any) -> Any:
    return v


def _optional(inner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else inner(v)


@cache
def _decoder(kind: Any) -> Callable[[Any], Any]:
    """One decoding function per type, built once: decoding a long transcript is a loop of plain calls."""
    if dataclasses.is_dataclass(kind):
        hints = get_type_hints(kind)
        names = [f.name for f in dataclasses.fields(kind) if f.init]
        convs = [(name, _decoder(hints[name])) for name in names]

        def record(v: Any) -> Any:
            if isinstance(v, list):
                return kind(*(conv(x) for (_, conv), x in zip(convs, v, strict=False)))
            return kind(**{name: conv(v[name]) for name, conv in convs if name in v})

        return record
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        inner = _decoder(rest[0]) if len(rest) == 1 else _identity
        return _optional(inner) if len(rest) < len(args) else inner
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return lambda v: tuple(item(x) for x in v)
        items = [_decoder(a) for a in args]
        return lambda v: tuple(conv(x) for conv, x in zip(items, v, strict=True))
    if origin is list:
        item = _decoder(args[0]) if args else _identity
        return lambda v: [item(x) for x in v]
    if origin is dict:
        value = _decoder(args[1]) if args else _identity
        return lambda v: {k: value(x) for k, x in v.items()}
    if kind in (float, int, str, bool, Path):
        return kind
    return _identity  # Any, Literal[...] and plain JSON values pass as they are
