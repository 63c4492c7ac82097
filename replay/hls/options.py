"""options: the ``package`` settings group (REPLAY_PACKAGE__*, --set package.FIELD=VALUE)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

Codec = Literal["h264", "h265", "av1"]


def _items(value: Any) -> Any:
    """A list setting from the environment or --set: JSON ("[720, 360]") or commas ("720,360"; "" is empty)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        return json.loads(text)
    return [v.strip() for v in text.split(",") if v.strip()]


@dataclass(frozen=True, slots=True)
class PackageOptions:
    """How a recording is packaged into HLS (replay/hls). Every field is part of the package's key: changing
    one and packaging again starts the ladder over."""

    enabled: bool = False
    """Run packaging after indexing, as its own low-priority job (it never delays the 看点 index)."""
    keep_original: bool = True
    """Keep the original recording after packaging. False deletes it once every rendition is written; clips
    are then cut from the best rendition."""
    heights: Annotated[tuple[int, ...], BeforeValidator(_items)] = (720, 480, 360)
    """The ladder, by short side in pixels (720 is 1280x720 landscape, 720x1280 portrait). Rungs above the
    source are dropped; the source's own size is used when none fits."""
    extra_codecs: Annotated[tuple[Codec, ...], BeforeValidator(_items)] = ()
    """Extra renditions besides H.264, for players that can decode them: h265 (libx265), av1 (libsvtav1)."""
    ssim_target: float = 0.95
    """Each rendition gets the lowest rate whose worst sampled scene keeps this SSIM against the source
    (scaled to the rendition's size)."""
    crf_min: int = 18
    """Best quality the rate search may choose (x264/x265 CRF; AV1 adds 10)."""
    crf_max: int = 34
    """Lowest quality the rate search may choose, whatever SSIM says: sampled scenes are only a sample."""
    preset: str = "medium"
    """x264/x265 preset of the ladder (SVT-AV1 uses preset 8); slower is smaller at the same SSIM."""
    segment_seconds: float = 2.0
    """HLS segment length; every rendition has a keyframe at every multiple of it (aligned across the ladder)."""
    part_seconds: float = 120.0
    """Encoding is done and checkpointed in parts this long (a multiple of segment_seconds): a killed job
    redoes at most one part per rendition."""
    sample_scenes: int = 6
    """Scenes sampled, evenly through the recording, for the rate search."""
    sample_seconds: float = 2.0
    """Length of each sampled scene."""
    audio_kbps: int = 96
    """AAC bitrate of the renditions with a short side above 400 px."""
    audio_kbps_low: int = 64
    """AAC bitrate of the smaller renditions."""
