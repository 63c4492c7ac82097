"""The typed records that flow between stages.

Each stage takes and returns these frozen, slotted dataclasses; no stage passes a ``dict`` bag to another.
Times are always seconds from the start of the recording (floats), never chunk-relative.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal


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


@dataclass(frozen=True, slots=True)
class Catalog:
    items: tuple[CatalogItem, ...]

    def by_id(self) -> dict[str, CatalogItem]:
        return {i.sku_id: i for i in self.items}


EvidenceKind = Literal[
    "name", "alias", "brand", "fuzzy", "link_no", "price", "intro_cue", "outro_cue", "return_cue",
    "ocr", "image", "scene_cut",
]


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


@dataclass(frozen=True, slots=True)
class HighlightIndex:
    stream_id: str
    duration: float
    highlights: tuple[Highlight, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md highlight contract: {stream_id, duration, highlights: [...]}."""
        return to_jsonable(self)


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, tuples and Paths to plain JSON types."""
    if hasattr(obj, "__dataclass_fields__"):
        return {k: to_jsonable(v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def visual_track_from_json(data: dict[str, Any]) -> VisualTrack:
    """Rebuild a VisualTrack from its checkpointed JSON."""
    return VisualTrack(
        events=tuple(VisualEvent(**e) for e in data.get("events") or ()),
        skipped_reason=data.get("skipped_reason"),
        ocr_calls=int(data.get("ocr_calls", 0)),
        frames_sampled=int(data.get("frames_sampled", 0)),
        sharpness=tuple((float(t), float(s)) for t, s in data.get("sharpness") or ()),
    )
