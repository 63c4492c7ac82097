"""thumbnails: one picture per 看点, chosen where the product is on screen and the frame is sharpest.

The visual stage records the sharpness of every frame it samples (``VisualTrack.sharpness``) and keeps the
frames a thumbnail can be chosen from (media/framestore.py), so a thumbnail decodes no video: it is chosen
among the kept frames and written from one. Without them (the visual stage off, or its frames deleted) a
thumbnail is one ffmpeg seek from the keyframe before it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from replay.contracts import Highlight, MediaInfo, VisualTrack
from replay.errors import MediaOpenError
from replay.media import ffmpeg
from replay.media.frames import FrameOptions, iter_frames
from replay.media.framestore import SHOWING_SECONDS, kept_times, write_from_kept


@dataclass(frozen=True, slots=True)
class ThumbnailOptions:
    """How 看点 thumbnails are chosen and written."""

    width: int = 480
    """Width of the JPEG in pixels (height keeps the aspect ratio)."""
    candidates: int = 6
    """Frames decoded to choose from when the visual track recorded no sharpness (an older checkpoint)."""
    workers: int = 2
    """Thumbnails written at a time (each is one ffmpeg process)."""


def _frame_at(info: MediaInfo, t: float, width: int = 320) -> np.ndarray | None:
    for f in iter_frames(info, FrameOptions(width=width, start=max(0.0, t), end=t + 1.0)):
        return f.image
    return None


def sharpness(image: np.ndarray) -> float:
    """Variance of the Laplacian: high for crisp edges, low for blur or a soft, moving shot."""
    import cv2  # loaded on use: Settings holds ThumbnailOptions, and must not load OpenCV

    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def best_thumbnail_time(info: MediaInfo, start: float, end: float, track: VisualTrack | None = None,
                        sku_id: str | None = None, candidates: int = 6, kept: Collection[int] = ()) -> float:
    """The time in [start, end] that makes the best thumbnail for ``sku_id``.

    Prefers moments where the product's card or picture was seen (track events), and among those the
    sharpest frame; with no such evidence, the sharpest frame. When the visual stage recorded the sharpness
    of its sampled frames, nothing is decoded, and when it kept frames (``kept``: their times in ms) the
    choice is among those; otherwise ``candidates`` small frames are decoded by seeking, so the cost does not
    depend on the length of the recording.
    """
    end = min(end, info.duration)
    if end <= start or not info.has_video:
        return max(0.0, start)
    seen = sorted({e.time for e in (track.events if track else ())
                   if e.kind in ("ocr", "image") and (sku_id is None or e.sku_id == sku_id) and start <= e.time <= end})
    sampled = [(t, s) for t, s in (track.sharpness if track else ()) if start <= t <= end]
    if kept:
        sampled = [(t, s) for t, s in sampled if round(t * 1000) in kept] or sampled
    if sampled:
        # A card event is dated from the sample before the card settled: count the frames up to one hold
        # interval after it as showing the card.
        showing = [(t, s) for t, s in sampled if any(0.0 <= t - e <= SHOWING_SECONDS for e in seen)]
        return float(max(showing or sampled, key=lambda ts: ts[1])[0])
    if seen:
        times = [seen[round(i * (len(seen) - 1) / max(1, candidates - 1))] for i in range(min(candidates, len(seen)))]
        bonus = 1.0
    else:
        times = [start + (end - start) * (i + 0.5) / candidates for i in range(candidates)]
        bonus = 0.0
    best_t, best_s = times[0], -1.0
    for t in dict.fromkeys(times):
        img = _frame_at(info, t)
        if img is None:
            continue
        s = sharpness(img) * (1.0 + bonus)
        if s > best_s:
            best_t, best_s = t, s
    return float(best_t)


def write_thumbnail(info: MediaInfo, time: float, out_path: Path | str, width: int = 480) -> Path:
    """Write a JPEG of the frame at ``time`` (seconds from the recording's start), ``width`` px wide."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".partial.jpg")
    what = f"could not write a thumbnail of {info.path.name} at {time:.2f} s"
    # Input seek (-ss before -i) jumps to the keyframe before `time` and decodes only from there.
    ffmpeg.run(["-ss", f"{max(0.0, time):.3f}", "-i", str(info.path), "-frames:v", "1", "-vf", f"scale={int(width)}:-2",
                "-q:v", "3", str(tmp)], error=lambda detail: MediaOpenError(what, hint=detail))
    if not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise MediaOpenError(what, hint="is the time inside the recording?")
    tmp.replace(out_path)
    return out_path


def make_thumbnails(info: MediaInfo, highlights: list[Highlight], track: VisualTrack | None, out_dir: Path,
                    options: ThumbnailOptions = ThumbnailOptions(),
                    progress: Callable[[float], None] | None = None, frames: Path | None = None) -> list[Highlight]:
    """Write one thumbnail per 看点 to ``out_dir/ID.jpg`` and return the 看点 with ``thumbnail`` set to the
    file name. Recordings without video keep their 看点 as they are. ``frames``: the folder of frames the
    visual stage kept; a thumbnail is written from one of them when it can, else by seeking in the video."""
    if not info.has_video or not highlights:
        return highlights
    kept = kept_times(frames)
    full_width = info.height if info.rotation in (90, 270) else info.width

    def one(h: Highlight) -> Highlight:
        t = best_thumbnail_time(info, h.start, h.end, track, h.sku_id, options.candidates, kept)
        path = out_dir / f"{h.id}.jpg"
        source = kept.get(round(t * 1000))
        if source is None or not write_from_kept(source, path, options.width, full_width or options.width):
            write_thumbnail(info, t, path, options.width)
        return replace(h, thumbnail=path.name)

    # Each thumbnail is a kept frame resized, or else one ffmpeg seek-and-decode; a few run at a time.
    done = []
    with ThreadPoolExecutor(max_workers=options.workers) as pool:
        for n, h in enumerate(pool.map(one, highlights)):
            done.append(h)
            if progress is not None:
                progress((n + 1) / len(highlights))
    return done
