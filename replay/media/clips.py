"""clips: cut a 看点 (or any time range) into a short video for editors, and export a whole stream.

Two cutting modes:
- accurate (default): re-encode, so the clip starts and ends on the requested frame;
- copy: stream-copy from the keyframe at or before the start. Fast and lossless, but the start moves back
  to that keyframe, so the clip reports the range it really holds (``start``; ``requested_start`` is the asked).
Every clip is written under a temporary name and checked with ffprobe before it takes the output name: it must
have audio and video lasting as long as the range it claims, within 0.2 s, so a failed clip leaves no file.

The clip's inputs are explicit: the transcript ``segments`` (subtitles, price check), the visual stage's card
``cards`` (reframing) and the ``catalog`` (price check). Callers read them with jobs/clip_inputs.py, the one
place that decides which transcript a clip uses. Subtitles are in media/clip_subs.py, the 9:16 window in
media/reframe.py, the price check in report/prices.py.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from replay.contracts import Catalog, Highlight, MediaInfo, Segment, VisualEvent
from replay.errors import InputError, MediaError
from replay.media import ffmpeg
from replay.media.clip_subs import SubtitlePosition, SubtitleStyle, clip_cues, layout, write_ass, write_sidecars
from replay.media.frames import output_size
from replay.media.keyframes import keyframe_before
from replay.media.probe import ProbeOptions, probe
from replay.media.reframe import (
    Reframe,
    ReframeOptions,
    card_boxes,
    center_filter,
    crop_filter,
    escape_filter_path,
    find_subjects,
    plan_crop,
)
from replay.report.prices import PriceFlag, check_prices

TOLERANCE = 0.2
VERTICAL = (720, 1280)


@dataclass(frozen=True, slots=True)
class ClipOptions:
    padding: float = 0.0
    """Seconds added before the start and after the end (clamped to the recording)."""
    mode: Literal["accurate", "copy"] = "accurate"
    """accurate re-encodes for frame-exact cuts; copy cuts at keyframes without re-encoding."""
    vertical: bool = False
    """9:16 output (720x1280) for short-video apps; ``reframe`` says how the landscape picture fills it."""
    reframe: Reframe = "auto"
    """How a vertical clip fills 9:16: auto (a window that follows the host and the product card), center (the
    middle of the frame), pad (the whole frame in a band over a blurred fill)."""
    subtitles: Literal["none", "burn", "sidecar", "both"] = "sidecar"
    """Burn the transcript into the picture, write an .srt and .vtt beside the clip, or both."""
    subtitle_position: SubtitlePosition = "above_band"
    """Where burned subtitles sit: above_band (clear of the lower fifth, where product cards are), bottom, top."""
    subtitle_size: float = 0.06
    """Burned subtitle font size as a share of the output frame's height."""
    crf: int = 23
    """x264 quality when re-encoding (lower is better and bigger)."""
    preset: str = "veryfast"
    """x264 speed preset when re-encoding."""
    reframe_options: ReframeOptions = field(default_factory=ReframeOptions)
    """How ``reframe=auto`` finds the host and smooths the window."""


@dataclass(frozen=True, slots=True)
class ClipResult:
    path: Path
    start: float
    """Start of the range the clip really holds, in seconds of the recording (in copy mode: the keyframe)."""
    end: float
    duration: float
    """Duration measured by ffprobe on the written file."""
    subtitles: tuple[Path, ...] = ()
    sku_id: str | None = None
    title: str | None = None
    requested_start: float | None = None
    """The start asked for (after padding); differs from ``start`` in copy mode."""
    price_flags: tuple[PriceFlag, ...] = ()
    """Prices said in the clip's subtitles that the catalog does not list for its SKU: check before publishing."""
    host_found: float | None = None
    """reframe=auto: share of analysed frames in which the host was found (None for other modes)."""


ProgressFn = Callable[[float], None]


def stream_info(path: Path) -> dict[str, dict[str, float]]:
    """Duration and start time of the first video and audio stream."""
    out: dict[str, dict[str, float]] = {}
    for s in ffmpeg.probe_json(path).get("streams", []):
        kind = s.get("codec_type")
        if kind in ("video", "audio") and kind not in out and s.get("duration"):
            out[kind] = {"duration": float(s["duration"]), "start": float(s.get("start_time") or 0.0)}
    return out


def stream_durations(path: Path) -> dict[str, float]:
    """Duration of the first video and audio stream. The container's duration can include an edit-list
    offset from B-frame reordering, which no player shows, so clips are judged by their streams."""
    return {k: v["duration"] for k, v in stream_info(path).items()}


def verify_clip(path: Path, length: float, need_audio: bool = True) -> float:
    """Check a written clip has video (and audio) lasting ``length`` within TOLERANCE, starting together;
    return its video duration."""
    probe(path, ProbeOptions(require_audio=need_audio))
    streams = stream_info(path)
    if "video" not in streams or (need_audio and "audio" not in streams):
        raise MediaError(f"the clip {path.name} lacks audio or video", hint="report this with the source file")
    for kind, s in streams.items():
        if abs(s["duration"] - length) > TOLERANCE:
            raise MediaError(f"the clip's {kind} lasts {s['duration']:.2f} s, not the {length:.2f} s asked for",
                             hint="try mode=accurate, and report this with the source file")
    if "audio" in streams and abs(streams["audio"]["start"] - streams["video"]["start"]) > TOLERANCE / 2:
        raise MediaError("the clip's audio and video do not start together", hint="try mode=accurate")
    return streams["video"]["duration"]


def _copy_cut(info: MediaInfo, start: float, length: float, tmp: Path, progress: ProgressFn | None) -> None:
    """Stream-copy from the keyframe at ``start``, video and audio cut separately, then muxed.

    - Video: in copy mode ffmpeg's -t counts decode timestamps, so B-frame reordering adds frames at the end;
      the video is cut shorter by the reorder delay. The seek is the keyframe's own time to the microsecond
      (ffprobe's precision): a time rounded below it would seek to the keyframe before, and one above it would
      give the keyframe a negative time, which the mp4 edit list then hides (the clip would open a frame late).
    - Audio: an input seek lands where the video's keyframe is *decoded* (earlier than shown, by the same
      reorder delay), so the audio would start early and run long. It is seeked a few seconds early on input,
      then cut on output at the keyframe's time, which drops every packet before it: the audio starts within
      one audio frame of the picture.
    """
    video_meta = next(s for s in ffmpeg.probe_json(info.path)["streams"] if s.get("codec_type") == "video")
    delay = int(video_meta.get("has_b_frames") or 0) / (info.fps or 25.0)
    parts = tmp.with_name(tmp.stem + ".v.mp4"), tmp.with_name(tmp.stem + ".a.mka")
    try:
        _run_ffmpeg(["-ss", f"{start:.6f}", "-i", str(info.path), "-t", f"{length - delay:.6f}",
                     "-map", "0:v:0", "-c", "copy", str(parts[0])], length, None)
        inputs = ["-i", str(parts[0])]
        maps = ["-map", "0:v"]
        if info.audio_codec:
            early = max(0.0, round(start - 5.0, 3))
            _run_ffmpeg(["-ss", f"{early:.3f}", "-i", str(info.path), "-ss", f"{start - early:.6f}",
                         "-t", f"{length:.6f}", "-map", "0:a:0", "-c", "copy", str(parts[1])], length, None)
            inputs += ["-i", str(parts[1])]
            maps += ["-map", "1:a"]
        _run_ffmpeg([*inputs, *maps, "-c", "copy", "-movflags", "+faststart", str(tmp)], length, progress)
    finally:
        for p in parts:
            p.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class _Picture:
    filters: str | None
    complex: bool
    size: tuple[int, int]
    host_found: float | None = None
    cards_top: float | None = None
    """Highest top edge of the cards on screen during the clip, as a share of the output height (subtitles keep
    above it); None when unknown or when the cards are not where the source had them (pad)."""


def _picture(info: MediaInfo, start: float, end: float, options: ClipOptions, cards: Sequence[VisualEvent],
             work: Path, progress: ProgressFn | None) -> _Picture:
    """The video filters for the clip's frame (vertical or not), and the output size."""
    src = output_size(info, info.width or 640)
    ro = options.reframe_options
    boxes = card_boxes(cards, start, end, ro.card_hold)
    top = min((b[1] for _, b in boxes), default=None)
    if not options.vertical:
        return _Picture(None, False, src, cards_top=top)
    w, h = VERTICAL
    if options.reframe == "pad":
        return _Picture(f"split[a][b];[a]scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},"
                        f"boxblur=20:2[bg];[b]scale={w}:-2[fg];[bg][fg]overlay=(W-w)/2:(H-h)/2", True, (w, h))
    if options.reframe == "center":
        return _Picture(f"{center_filter(*src)},scale={w}:{h}", False, (w, h), cards_top=top)
    sightings = find_subjects(info, start, end, ro)
    if progress:
        progress(0.2)
    plan = plan_crop(sightings, src[0], src[1], boxes, ro)
    chain = crop_filter(plan, work, info.fps or 25.0, end - start)
    return _Picture(f"{chain},scale={w}:{h}", False, (w, h), plan.found, top)


def _accurate_cut(info: MediaInfo, start: float, length: float, tmp: Path, picture: _Picture, ass: Path | None,
                  options: ClipOptions, progress: ProgressFn | None) -> None:
    # Seek before -i (fast, to the keyframe before), then ffmpeg decodes and drops frames up to the exact start.
    args = ["-ss", f"{start:.3f}", "-i", str(info.path), "-t", f"{length:.3f}", "-map", "0:v:0", "-map", "0:a:0?"]
    filters = [picture.filters] if picture.filters else []
    if ass is not None:
        filters.append(f"subtitles=f='{escape_filter_path(ass)}'")
    if filters:
        args += ["-filter_complex" if picture.complex else "-vf", ",".join(filters)]
    args += ["-c:v", "libx264", "-preset", options.preset, "-crf", str(options.crf), "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(tmp)]
    _run_ffmpeg(args, length, progress)


def _run_ffmpeg(args: list[str], duration: float, progress: ProgressFn | None) -> None:
    ffmpeg.run(args, duration=duration, progress=progress, error=lambda detail: MediaError(
        f"ffmpeg could not cut the clip: {detail}", hint="check the source file and the clip options"))


def cut_clip(info: MediaInfo, start: float, end: float, out: Path, options: ClipOptions = ClipOptions(),
             segments: Sequence[Segment] = (), progress: ProgressFn | None = None,
             sku_id: str | None = None, title: str | None = None, *, cards: Sequence[VisualEvent] = (),
             catalog: Catalog | None = None) -> ClipResult:
    """Write [start, end) of the recording (plus padding) to ``out`` and verify it.

    ``segments`` are the transcript the subtitles show (pass the editor's corrected lines to burn those),
    ``cards`` the visual stage's card events (their boxes steer ``reframe=auto``), and ``catalog`` turns on the
    price check of the subtitles against ``sku_id``'s prices. Nothing is left at ``out`` if anything fails.
    """
    if not info.has_video:
        raise InputError("clips need a video stream; this recording is audio only", hint="use the transcript instead")
    if end <= start:
        raise InputError(f"clip end {end} is not after start {start}", hint="give start < end in seconds")
    start = max(0.0, start - options.padding)
    end = min(info.duration, end + options.padding)
    if end - start < 0.5:
        raise InputError("the clip is shorter than 0.5 s after clamping to the recording",
                         hint=f"the recording lasts {info.duration:.1f} s")
    requested = start
    if options.mode == "copy":
        if options.vertical or options.subtitles in ("burn", "both"):
            raise InputError("copy mode cannot change the picture (vertical or burned subtitles)",
                             hint="use mode=accurate for those")
        start = keyframe_before(info, start)
    out.parent.mkdir(parents=True, exist_ok=True)
    cues = clip_cues(segments, start, end)
    flags = check_prices(cues, catalog, sku_id) if catalog is not None else ()
    length = end - start
    tmp = out.with_name(f".{out.stem}.partial{out.suffix}")
    work = [tmp.with_suffix(".ass"), tmp.with_suffix(".cmd")]
    try:
        if options.mode == "copy":
            _copy_cut(info, start, length, tmp, progress)
            host = None
        else:
            picture = _picture(info, start, end, options, cards, work[1], progress)
            ass = None
            if options.subtitles in ("burn", "both") and cues:
                style = SubtitleStyle(position=options.subtitle_position, size=options.subtitle_size)
                ass = write_ass(cues, start, work[0], layout(style, *picture.size, cards_top=picture.cards_top))
            base = 0.2 if picture.host_found is not None else 0.0
            _accurate_cut(info, start, length, tmp, picture, ass, options,
                          (lambda f: progress(base + (1 - base) * f)) if progress else None)
            host = picture.host_found
        duration = verify_clip(tmp, length, need_audio=info.audio_codec is not None)
        os.replace(tmp, out)
    finally:
        for p in (tmp, *work):
            p.unlink(missing_ok=True)
    sidecars = write_sidecars(cues, start, out) if options.subtitles in ("sidecar", "both") and cues else ()
    if progress:
        progress(1.0)
    return ClipResult(path=out, start=round(start, 3), end=round(end, 3), duration=round(duration, 3),
                      subtitles=tuple(sidecars), sku_id=sku_id, title=title, requested_start=round(requested, 3),
                      price_flags=flags, host_found=host)


def _safe_name(text: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", text).strip("_")[:40] or "clip"


def result_json(r: ClipResult) -> dict:
    """What the CLI's export index and the API's clip job report about a clip, besides its files."""
    return {"start": r.start, "end": r.end, "duration": r.duration, "requested_start": r.requested_start,
            "host_found": r.host_found,
            "price_flags": [{"time": f.time, "said": f.said, "text": f.text, "expected": list(f.expected)}
                            for f in r.price_flags]}


def export_stream(info: MediaInfo, highlights: Sequence[Highlight], out_dir: Path,
                  options: ClipOptions = ClipOptions(), segments: Sequence[Segment] = (),
                  progress: ProgressFn | None = None, stream_id: str = "", *, cards: Sequence[VisualEvent] = (),
                  catalog: Catalog | None = None) -> Path:
    """Write every 看点 as a clip plus ``index.json`` (SKU, title, times, files, price flags) for editing tools."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    total = sum(h.end - h.start for h in highlights) or 1.0
    done = 0.0
    for n, h in enumerate(highlights, 1):
        path = out_dir / f"{n:02d}_{_safe_name(h.sku_id)}_{_safe_name(h.title)}.mp4"

        def sub_progress(f: float, h: Highlight = h, done: float = done) -> None:
            if progress:
                progress(min(1.0, (done + f * (h.end - h.start)) / total))

        r = cut_clip(info, h.start, h.end, path, options, segments, sub_progress, sku_id=h.sku_id, title=h.title,
                     cards=cards, catalog=catalog)
        done += h.end - h.start
        entries.append({"highlight_id": h.id, "sku_id": h.sku_id, "title": h.title, **result_json(r),
                        "confidence": h.confidence, "file": path.name, "subtitles": [p.name for p in r.subtitles]})
    index = out_dir / "index.json"
    index.write_text(json.dumps({"stream_id": stream_id, "source": str(info.path), "clips": entries},
                                ensure_ascii=False, indent=1), encoding="utf-8")
    return index
