"""clips: cut a 看点 (or any time range) into a short video for editors, and export a whole stream.

Two cutting modes:
- accurate (default): re-encode, so the clip starts and ends on the requested frame;
- copy: stream-copy from the keyframe at or before the start. Fast and lossless, but the start moves back
  to that keyframe, so the clip reports the range it really holds.
Every clip is checked with ffprobe after writing: it must have audio and video and last as long as
the range it claims, within 0.2 s.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from replay.asr.transcript_io import to_srt, to_vtt
from replay.contracts import Highlight, MediaInfo, Segment
from replay.errors import InputError, MediaError
from replay.media import ffmpeg
from replay.media.keyframes import keyframe_before
from replay.media.probe import ProbeOptions, probe

CJK_FONT = "Noto Sans CJK SC"
TOLERANCE = 0.2


@dataclass(frozen=True, slots=True)
class ClipOptions:
    padding: float = 0.0
    """Seconds added before the start and after the end (clamped to the recording)."""
    mode: Literal["accurate", "copy"] = "accurate"
    """accurate re-encodes for frame-exact cuts; copy cuts at keyframes without re-encoding."""
    vertical: bool = False
    """9:16 output (720x1280): the frame fitted in the middle over a blurred fill, as short-video apps show."""
    subtitles: Literal["none", "burn", "sidecar", "both"] = "sidecar"
    """Burn the transcript into the picture, write an .srt and .vtt beside the clip, or both."""
    crf: int = 23
    """x264 quality when re-encoding (lower is better and bigger)."""
    preset: str = "veryfast"
    """x264 speed preset when re-encoding."""


@dataclass(frozen=True, slots=True)
class ClipResult:
    path: Path
    start: float
    """Start of the range the clip really holds, in seconds of the recording."""
    end: float
    duration: float
    """Duration measured by ffprobe on the written file."""
    subtitles: tuple[Path, ...] = ()
    sku_id: str | None = None
    title: str | None = None


ProgressFn = Callable[[float], None]


def stream_durations(path: Path) -> dict[str, float]:
    """Duration of the first video and audio stream. The container's duration can include an edit-list
    offset from B-frame reordering, which no player shows, so clips are judged by their streams."""
    info = ffmpeg.probe_json(path)
    out: dict[str, float] = {}
    for s in info.get("streams", []):
        kind = s.get("codec_type")
        if kind in ("video", "audio") and kind not in out and s.get("duration"):
            out[kind] = float(s["duration"])
    return out


def verify_clip(path: Path, length: float, need_audio: bool = True) -> float:
    """Check a written clip has video (and audio) lasting ``length`` within TOLERANCE; return its duration."""
    probe(path, ProbeOptions(require_audio=need_audio))
    durations = stream_durations(path)
    if "video" not in durations or (need_audio and "audio" not in durations):
        raise MediaError(f"the clip {path.name} lacks audio or video", hint="report this with the source file")
    for kind, d in durations.items():
        if abs(d - length) > TOLERANCE:
            raise MediaError(f"the clip {path.name}'s {kind} lasts {d:.2f} s, not the {length:.2f} s asked for",
                             hint="try mode=accurate")
    return durations["video"]


def _copy_cut(info: MediaInfo, start: float, length: float, tmp: Path, progress: ProgressFn | None) -> None:
    """Stream-copy from a keyframe. In copy mode ffmpeg's -t counts decode timestamps, so B-frame
    reordering adds frames at the end; video and audio are therefore cut separately (video shortened by the
    reorder delay) and muxed, all without re-encoding."""
    video_meta = next(s for s in ffmpeg.probe_json(info.path)["streams"]
                      if s.get("codec_type") == "video")
    delay = int(video_meta.get("has_b_frames") or 0) / (info.fps or 25.0)
    parts = tmp.with_name(tmp.stem + ".v.mp4"), tmp.with_name(tmp.stem + ".a.mka")
    try:
        _run_ffmpeg(["-ss", f"{start:.3f}", "-i", str(info.path), "-t", f"{length - delay:.3f}", "-map", "0:v:0",
                     "-c", "copy", str(parts[0])], length, None)
        inputs = ["-i", str(parts[0])]
        maps = ["-map", "0:v"]
        if info.audio_codec:
            _run_ffmpeg(["-ss", f"{start:.3f}", "-i", str(info.path), "-t", f"{length:.3f}", "-map", "0:a:0",
                         "-c", "copy", str(parts[1])], length, None)
            inputs += ["-i", str(parts[1])]
            maps += ["-map", "1:a"]
        _run_ffmpeg([*inputs, *maps, "-c", "copy", "-movflags", "+faststart", str(tmp)], length, progress)
    finally:
        for p in parts:
            p.unlink(missing_ok=True)


def _accurate_cut(info: MediaInfo, start: float, length: float, tmp: Path, out: Path, options: ClipOptions,
                  has_subs: bool, progress: ProgressFn | None) -> None:
    # Seek before -i (fast, to the keyframe before), then ffmpeg decodes and drops frames up to the exact start.
    args = ["-ss", f"{start:.3f}", "-i", str(info.path), "-t", f"{length:.3f}", "-map", "0:v:0", "-map", "0:a:0?"]
    filters = []
    if options.vertical:
        filters.append("split[a][b];[a]scale=720:1280:force_original_aspect_ratio=increase,crop=720:1280,"
                       "boxblur=20:2[bg];[b]scale=720:-2[fg];[bg][fg]overlay=(W-w)/2:(H-h)/2")
    if options.subtitles in ("burn", "both") and has_subs:
        style = f"FontName={CJK_FONT},FontSize={14 if options.vertical else 18},Outline=1,MarginV=40"
        filters.append(f"subtitles='{_escape_filter_path(out.with_suffix('.srt'))}':force_style='{style}'")
    if filters:
        args += ["-filter_complex" if options.vertical else "-vf", ",".join(filters)]
    args += ["-c:v", "libx264", "-preset", options.preset, "-crf", str(options.crf), "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(tmp)]
    _run_ffmpeg(args, length, progress)


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def _subtitle_segments(segments: list[Segment] | tuple[Segment, ...], start: float, end: float) -> list[Segment]:
    return [s for s in segments if s.end > start and s.start < end]


def _escape_filter_path(p: Path) -> str:
    return str(p).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")


def _run_ffmpeg(args: list[str], duration: float, progress: ProgressFn | None) -> None:
    ffmpeg.run(args, duration=duration, progress=progress, error=lambda detail: MediaError(
        f"ffmpeg could not cut the clip: {detail}", hint="check the source file and the clip options"))


def cut_clip(info: MediaInfo, start: float, end: float, out: Path, options: ClipOptions = ClipOptions(),
             segments: list[Segment] | tuple[Segment, ...] = (), progress: ProgressFn | None = None,
             sku_id: str | None = None, title: str | None = None) -> ClipResult:
    """Write [start, end) of the recording (plus padding) to ``out`` and verify it."""
    if not info.has_video:
        raise InputError("clips need a video stream; this recording is audio only", hint="use the transcript instead")
    if end <= start:
        raise InputError(f"clip end {end} is not after start {start}", hint="give start < end in seconds")
    start = max(0.0, start - options.padding)
    end = min(info.duration, end + options.padding)
    if end - start < 0.5:
        raise InputError("the clip is shorter than 0.5 s after clamping to the recording",
                         hint=f"the recording lasts {info.duration:.1f} s")
    if options.mode == "copy":
        if options.vertical or options.subtitles in ("burn", "both"):
            raise InputError("copy mode cannot change the picture (vertical or burned subtitles)",
                             hint="use mode=accurate for those")
        start = keyframe_before(info, start)
    out.parent.mkdir(parents=True, exist_ok=True)
    subs = _subtitle_segments(segments, start, end)
    sidecars: list[Path] = []
    if options.subtitles in ("sidecar", "both", "burn") and subs:
        srt = out.with_suffix(".srt")
        # libass does not break lines of CJK text (no spaces), so burned lines are wrapped here.
        burn_width = 14 if options.vertical else 26
        srt_subs = [replace(x, text=_wrap(x.text, burn_width)) for x in subs] if options.subtitles != "sidecar" else subs
        srt.write_text(to_srt(srt_subs, offset=start), encoding="utf-8")
        if options.subtitles != "burn":
            vtt = out.with_suffix(".vtt")
            vtt.write_text(to_vtt(subs, offset=start), encoding="utf-8")
            sidecars += [srt, vtt]
    length = end - start
    tmp = out.with_name(f".{out.stem}.partial{out.suffix}")
    try:
        if options.mode == "copy":
            _copy_cut(info, start, length, tmp, progress)
        else:
            _accurate_cut(info, start, length, tmp, out, options, bool(subs), progress)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    if options.subtitles == "burn":
        out.with_suffix(".srt").unlink(missing_ok=True)
    duration = verify_clip(out, length, need_audio=info.audio_codec is not None)
    if progress:
        progress(1.0)
    return ClipResult(path=out, start=round(start, 3), end=round(end, 3), duration=round(duration, 3),
                      subtitles=tuple(sidecars), sku_id=sku_id, title=title)


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", text).strip("_")[:40] or "clip"


def export_stream(info: MediaInfo, highlights: list[Highlight] | tuple[Highlight, ...], out_dir: Path,
                  options: ClipOptions = ClipOptions(), segments: list[Segment] | tuple[Segment, ...] = (),
                  progress: ProgressFn | None = None, stream_id: str = "") -> Path:
    """Write every 看点 as a clip plus ``index.json`` (SKU, title, times, files) for editing tools."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    total = sum(h.end - h.start for h in highlights) or 1.0
    done = 0.0
    for n, h in enumerate(highlights, 1):
        path = out_dir / f"{n:02d}_{_safe_name(h.sku_id)}_{_safe_name(h.title)}.mp4"

        def sub_progress(f: float, h: Highlight = h, done: float = done) -> None:
            if progress:
                progress(min(1.0, (done + f * (h.end - h.start)) / total))

        r = cut_clip(info, h.start, h.end, path, options, segments, sub_progress, sku_id=h.sku_id, title=h.title)
        done += h.end - h.start
        entries.append({"highlight_id": h.id, "sku_id": h.sku_id, "title": h.title, "start": r.start, "end": r.end,
                        "duration": r.duration, "confidence": h.confidence, "file": path.name,
                        "subtitles": [p.name for p in r.subtitles]})
    index = out_dir / "index.json"
    index.write_text(json.dumps({"stream_id": stream_id, "source": str(info.path), "clips": entries},
                                ensure_ascii=False, indent=1), encoding="utf-8")
    return index
