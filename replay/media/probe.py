"""probe: validate a recording and describe it as a typed MediaInfo.

Bad input is refused here, before any expensive stage runs, with an error that names the problem.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from replay.contracts import MediaInfo
from replay.errors import MediaNotFound, MediaOpenError, MediaTooLarge, NoAudioStream, ZeroDuration
from replay.media.ffmpeg import ffmpeg_path, ffprobe_path


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    require_audio: bool = True
    """Refuse files without an audio stream (the index is built from speech)."""
    max_duration: float = 12 * 3600.0
    """Longest recording accepted, in seconds."""
    max_bytes: int | None = None
    """Largest file accepted, in bytes; None for no limit."""


def _fps(rate: str | None) -> float | None:
    if not rate or rate in ("0/0", "0"):
        return None
    num, _, den = rate.partition("/")
    try:
        return float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return None


def _rotation(stream: dict) -> int:
    tags = stream.get("tags") or {}
    if "rotate" in tags:
        try:
            return int(float(tags["rotate"])) % 360
        except ValueError:
            return 0
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(-float(side["rotation"])) % 360
    return 0


def _run_ffprobe(path: Path) -> dict:
    probe_bin = ffprobe_path()
    if probe_bin is None:
        return _probe_with_ffmpeg(path)
    try:
        return ffmpeg.probe(str(path), cmd=probe_bin)
    except ffmpeg.Error as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise MediaOpenError(
            f"{path.name} is not a readable media file: {detail[-1] if detail else 'ffprobe failed'}",
            hint="check that the file is a complete video or audio recording",
        ) from None


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


def probe(path: Path | str, options: ProbeOptions = ProbeOptions()) -> MediaInfo:
    """Validate ``path`` and return its MediaInfo, or raise a typed MediaError."""
    path = Path(path)
    if not path.is_file():
        raise MediaNotFound(f"no such file: {path}", hint="check the path (relative paths are from the current folder)")
    size = path.stat().st_size
    if size == 0:
        raise MediaOpenError(f"{path.name} is empty (0 bytes)", hint="the upload or copy was probably cut short")
    if options.max_bytes is not None and size > options.max_bytes:
        raise MediaTooLarge(f"{path.name} is {size} bytes, over the limit of {options.max_bytes}",
                            hint="raise REPLAY_MAX_UPLOAD_BYTES or split the recording")
    data = _run_ffprobe(path)
    streams = data.get("streams") or []
    fmt = data.get("format") or {}
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    # Cover art in audio files shows up as a one-frame video stream; it is not a video.
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    if audio is None and video is None:
        raise MediaOpenError(f"{path.name} has no audio or video stream", hint="is this a media file?")
    duration = float(fmt.get("duration") or 0.0)
    if duration <= 0:
        for s in streams:
            duration = max(duration, float(s.get("duration") or 0.0))
    if duration <= 0:
        raise ZeroDuration(f"{path.name} has zero duration", hint="the recording is empty or its header is broken")
    if duration > options.max_duration:
        raise MediaTooLarge(f"{path.name} lasts {duration:.0f} s, over the limit of {options.max_duration:.0f} s",
                            hint="raise REPLAY_MAX_DURATION or split the recording")
    if audio is None and options.require_audio:
        raise NoAudioStream(f"{path.name} has no audio stream", hint="replay indexes speech; give a recording with sound")
    return MediaInfo(
        path=path.resolve(),
        duration=duration,
        size_bytes=size,
        format_name=str(fmt.get("format_name", "")),
        has_video=video is not None,
        audio_codec=audio.get("codec_name") if audio else None,
        audio_sample_rate=int(audio["sample_rate"]) if audio and audio.get("sample_rate") else None,
        audio_channels=int(audio["channels"]) if audio and audio.get("channels") else None,
        video_codec=video.get("codec_name") if video else None,
        width=int(video["width"]) if video and video.get("width") else None,
        height=int(video["height"]) if video and video.get("height") else None,
        fps=_fps(video.get("avg_frame_rate") or video.get("r_frame_rate")) if video else None,
        rotation=_rotation(video) if video else 0,
        start_time=float(fmt.get("start_time") or 0.0),
    )
