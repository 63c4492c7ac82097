"""ladder: the renditions one recording gets, each keeping the recording's shape.

A rung is named by its short side: "720" is 1280x720 for a landscape recording and 720x1280 for a portrait
one, so phones filming upright and cameras filming wide get the same ladder. Sizes are even (4:2:0 chroma)
and never larger than the source: upscaling costs bytes and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from replay.contracts import MediaInfo
from replay.errors import InputError
from replay.hls.options import Codec, PackageOptions

# Peak video rate allowed per rung (kbit/s): a ceiling for the VBV, so one busy scene cannot push a segment
# past what a phone on that rung's network can fetch. The CRF search picks the rate below it.
MAX_KBPS = {1080: 4500, 720: 2500, 480: 1200, 360: 700, 240: 400}

# What each codec needs: encoder, HLS segment type, CRF offset against x264's scale.
CODECS: dict[str, dict] = {
    "h264": {"encoder": "libx264", "segments": "mpegts", "crf_offset": 0},
    "h265": {"encoder": "libx265", "segments": "fmp4", "crf_offset": 2},
    "av1": {"encoder": "libsvtav1", "segments": "fmp4", "crf_offset": 10},
}


@dataclass(frozen=True, slots=True)
class Rung:
    """One rendition to encode."""

    name: str
    """Folder and id: ``720`` (H.264), ``720-h265``, ``720-av1``."""
    codec: Codec
    width: int
    height: int
    short_side: int
    max_kbps: int
    audio_kbps: int

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


def _even(x: float) -> int:
    return max(2, int(round(x / 2.0)) * 2)


def display_size(info: MediaInfo) -> tuple[int, int]:
    """The picture's size as shown: a 90/270° rotation flag swaps the coded width and height."""
    if not info.has_video or not info.width or not info.height:
        raise InputError(f"{info.path.name} has no video to package", hint="packaging is for video recordings")
    w, h = info.width, info.height
    return (h, w) if info.rotation in (90, 270) else (w, h)


def plan_ladder(info: MediaInfo, options: PackageOptions) -> tuple[Rung, ...]:
    """The rungs for ``info``: every height of ``options.heights`` that fits the source (the source's own
    size when none does), for H.264 and then for each extra codec; biggest first."""
    w, h = display_size(info)
    short = min(w, h)
    sides = sorted({s for s in options.heights if s <= short}, reverse=True) or [short - short % 2]
    rungs = []
    for codec in ("h264", *[c for c in options.extra_codecs if c != "h264"]):
        for side in sides:
            scale = side / short
            width, height = (_even(w * scale), side) if w >= h else (side, _even(h * scale))
            cap = next((k for s, k in sorted(MAX_KBPS.items()) if side <= s), max(MAX_KBPS.values()))
            rungs.append(Rung(name=str(side) if codec == "h264" else f"{side}-{codec}", codec=codec, width=width,
                              height=height, short_side=side, max_kbps=cap,
                              audio_kbps=options.audio_kbps if side > 400 else options.audio_kbps_low))
    return tuple(rungs)
