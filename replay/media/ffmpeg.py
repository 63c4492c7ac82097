"""ffmpeg: the one backend through which replay runs ffmpeg and ffprobe.

The binaries are the system's, or the ffmpeg that imageio-ffmpeg ships. imageio-ffmpeg carries ffmpeg but no
ffprobe, so probe falls back to parsing ``ffmpeg -i`` only when no ffprobe exists; install Debian's ffmpeg
(scripts/install.sh does) for the full path.

- ``run``: one ffmpeg command to completion, with progress from ``-progress`` and the last stderr line in the
  error (cutting, thumbnails, audio extraction);
- ``probe_json``: ffprobe's description of a file (streams and format) as a dict;
- ``packets``: the (time, flags) of video packets from ffprobe, without decoding (keyframe scans).
Frame sampling (media.frames) streams raw pixels from a long-lived process and builds its own command line
from ``ffmpeg_path``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import ffmpeg

from replay.errors import FFmpegNotFound, MediaError, MediaOpenError, ReplayError

ProgressFn = Callable[[float], None]


@lru_cache(maxsize=1)
def ffmpeg_path() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # imageio-ffmpeg raises RuntimeError when its binary is absent
        raise FFmpegNotFound(
            "no ffmpeg binary found", hint="install it: `apt-get install ffmpeg` or `pip install imageio-ffmpeg`"
        ) from exc


@lru_cache(maxsize=1)
def ffprobe_path() -> str | None:
    return shutil.which("ffprobe")


def _last_line(text: str, default: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else default


def run(args: list[str], *, duration: float = 0.0, progress: ProgressFn | None = None,
        error: Callable[[str], ReplayError] | None = None) -> None:
    """Run ``ffmpeg -nostdin -hide_banner -loglevel error -y ARGS`` to completion.

    With ``progress`` and a ``duration`` (seconds of output), reports the share written so far from ffmpeg's
    ``-progress`` stream. On failure raises ``error(last stderr line)``, by default a MediaError.
    """
    cmd = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    if progress is not None:
        cmd += ["-progress", "pipe:1"]
    proc = subprocess.Popen([*cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    for line in proc.stdout:
        m = re.match(r"out_time_us=(\d+)", line)
        if m and progress and duration > 0:
            progress(min(1.0, int(m[1]) / 1e6 / duration))
    err = proc.stderr.read()
    if proc.wait() != 0:
        detail = _last_line(err, "ffmpeg failed")
        raise error(detail) if error else MediaError(f"ffmpeg failed: {detail}", hint="check the source file")


def probe_json(path: Path | str) -> dict:
    """ffprobe's streams and format of ``path``; MediaOpenError when it is not readable media."""
    path = Path(path)
    probe_bin = ffprobe_path()
    if probe_bin is None:
        return _probe_with_ffmpeg(path)
    try:
        return ffmpeg.probe(str(path), cmd=probe_bin)
    except ffmpeg.Error as exc:
        detail = _last_line((exc.stderr or b"").decode("utf-8", "replace"), "ffprobe failed")
        raise MediaOpenError(f"{path.name} is not a readable media file: {detail}",
                             hint="check that the file is a complete video or audio recording") from None


def _probe_with_ffmpeg(path: Path) -> dict:
    """Minimal ffprobe stand-in from `ffmpeg -i` output, for machines with only imageio-ffmpeg."""
    out = subprocess.run([ffmpeg_path(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    if "Invalid data" in out or "Stream #" not in out:
        raise MediaOpenError(f"{path.name} is not a readable media file", hint="check the file")
    m = re.search(r"Duration: (\d+):(\d+):(\d+\.\d+)", out)
    duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else 0.0
    streams = []
    for line in out.splitlines():
        if "Audio:" in line:
            codec = line.split("Audio:")[1].split()[0].strip(",")
            sr = re.search(r"(\d+) Hz", line)
            streams.append({"codec_type": "audio", "codec_name": codec, "sample_rate": sr[1] if sr else None,
                            "channels": 2 if "stereo" in line else 1})
        elif "Video:" in line:
            size = re.search(r" (\d{2,5})x(\d{2,5})", line)
            fps = re.search(r"([\d.]+) fps", line)
            streams.append({"codec_type": "video", "codec_name": line.split("Video:")[1].split()[0].strip(","),
                            "width": int(size[1]) if size else None, "height": int(size[2]) if size else None,
                            "avg_frame_rate": fps[1] if fps else None})
    return {"format": {"duration": duration, "format_name": "unknown"}, "streams": streams}


def packets(path: Path | str, interval: str) -> list[tuple[float, str]]:
    """(pts_time, flags) of the first video stream's packets in ffprobe's ``-read_intervals`` ``interval``.

    Reads packet headers only, so it costs a small fraction of decoding. Empty without ffprobe.
    """
    probe_bin = ffprobe_path()
    if probe_bin is None:
        return []
    out = subprocess.run([probe_bin, "-v", "error", "-select_streams", "v:0", "-read_intervals", interval,
                          "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=False).stdout
    found = []
    for line in out.splitlines():
        t, _, flags = line.partition(",")
        if t not in ("", "N/A"):
            found.append((float(t), flags))
    return found
