"""keyframes: where the video's keyframes are, from one ffprobe packet scan (no decoding).

Two places need them: the visual stage samples keyframes when the encoder puts them close together
(``median_gap``), and copy-mode clips start at the keyframe before the asked start (``keyframe_before``).
"""

from __future__ import annotations

import statistics

from replay.contracts import MediaInfo
from replay.media.ffmpeg import ffprobe_path, packets


def keyframe_times(info: MediaInfo, start: float = 0.0, end: float | None = None) -> list[float]:
    """Sorted keyframe times in [start, end] (seconds from the recording's start; None reads to the end).

    ffprobe's read intervals are in the container's clock, which starts at ``info.start_time``; a scan from the
    start reads a duration instead (``%+END``), which needs no seek.
    """
    if not info.has_video:
        return []
    if start <= 0:
        interval = f"%+{end}" if end is not None else "%"
    else:
        interval = f"{start + info.start_time}%" + (f"{end + info.start_time}" if end is not None else "")
    return sorted(t - info.start_time for t, flags in packets(info.path, interval) if "K" in flags)


def median_gap(info: MediaInfo, probe_seconds: float = 120.0) -> float | None:
    """Median spacing of keyframes over the first ``probe_seconds``; None with fewer than two."""
    keys = keyframe_times(info, 0.0, probe_seconds)
    if len(keys) < 2:
        return None
    return float(statistics.median(b - a for a, b in zip(keys, keys[1:], strict=False)))


def keyframe_before(info: MediaInfo, t: float, window: float = 20.0) -> float:
    """Time of the last keyframe at or before ``t``, looking back at most ``window`` seconds.

    Returns ``t`` itself for audio-only recordings or without ffprobe, and ``t - window`` when the window
    holds no keyframe.
    """
    if not info.has_video or ffprobe_path() is None:
        return t
    lo = max(0.0, t - window)
    keys = [k for k in keyframe_times(info, lo, t + 0.05) if k <= t + 1e-3]
    return keys[-1] if keys else lo
