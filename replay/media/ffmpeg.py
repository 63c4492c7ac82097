"""Find the ffmpeg and ffprobe binaries: the system's, or the ffmpeg that imageio-ffmpeg ships.

imageio-ffmpeg carries ffmpeg but no ffprobe, so probe falls back to parsing ``ffmpeg -i`` only when
no ffprobe exists; install Debian's ffmpeg (scripts/install.sh does) for the full path.
"""

from __future__ import annotations

import shutil
from functools import lru_cache

from replay.errors import FFmpegNotFound


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
