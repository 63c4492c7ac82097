"""probe: validate a recording and describe it as a typed MediaInfo.

Bad input is refused here, before any expensive stage runs, with an error that names the problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from replay.contracts import MediaInfo
from replay.errors import MediaNotFound, MediaOpenError, MediaTooLarge, NoAudioStream, TruncatedMedia, ZeroDuration
from replay.media.complete import missing_seconds
from replay.media.ffmpeg import probe_json


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    require_audio: bool = True
    """Refuse files without an audio stream (the index is built from speech)."""
    max_duration: float = 12 * 3600.0
    """Longest recording accepted, in seconds."""
    max_bytes: int | None = None
    """Largest file accepted, in bytes; None for no limit."""
    check_end: bool = False
    """Read the last seconds too, refusing a file whose data stops before its announced end (a truncated
    upload whose header survived); one more ffprobe call."""


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
    data = probe_json(path)
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
    if options.check_end:
        missing = missing_seconds(path, duration)
        if missing:
            raise TruncatedMedia(f"{path.name} is cut short: its header announces {duration:.1f} s but the data "
                                 f"stops before {duration - missing + 0.05:.1f} s", hint="upload or copy the file again, whole")
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
