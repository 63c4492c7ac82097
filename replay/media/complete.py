"""complete: does a recording's data reach the end its header announces?

A truncated upload (a dropped connection, a copy cut short) of an MP4 written with faststart keeps its
header whole: ffprobe reports the full duration, the type sniff passes, and indexing would silently cover
only the part that arrived while the player shows the whole length. Reading the packets of the last few
seconds tells: a complete file has them, a truncated one runs out of data early. One ffprobe seek near the
end, so it costs tens of milliseconds whatever the file's length; it works for any container ffprobe reads.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from replay.media.ffmpeg import ffprobe_path

TAIL_SECONDS = 3.0
"""How far before the announced end the read starts (ffprobe seeks to the keyframe before it)."""


def _packet_times(probe_bin: str, path: Path, interval: str) -> list[float]:
    out = subprocess.run([probe_bin, "-v", "error", "-read_intervals", interval, "-show_entries", "packet=pts_time",
                          "-of", "csv=p=0", str(path)], capture_output=True, text=True, timeout=120)
    times = []
    for line in out.stdout.splitlines():
        try:
            times.append(float(line.strip().strip(",")))
        except ValueError:
            continue  # N/A
    return times


def data_end(path: Path, duration: float) -> float | None:
    """Where the data is known to stop: the last packet's time when the last seconds can be read, else the
    time reading started from (the data stops before it); None when it cannot be told (no ffprobe, or a
    file without packet timestamps)."""
    probe_bin = ffprobe_path()
    if probe_bin is None:
        return None
    start = max(0.0, duration - TAIL_SECONDS)
    tail = _packet_times(probe_bin, path, f"{start:.3f}%")
    if tail:
        return max(tail)
    # Nothing at the end: a truncated file, or one whose packets carry no timestamps at all.
    return start if _packet_times(probe_bin, path, "%+#5") else None


def missing_seconds(path: Path, duration: float) -> float:
    """How many seconds before the announced end the data stops (0.0 for a complete file, or when unknown)."""
    end = data_end(path, duration)
    # A complete file's last packet starts within a frame or an audio packet of the end; 2 s is ample.
    return duration - end if end is not None and duration - end > 2.0 else 0.0
