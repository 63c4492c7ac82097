"""framestore: the few frames the visual stage keeps, so that thumbnails never decode the video again.

The visual stage decodes the whole video once. A 看点 thumbnail is the sharpest sampled frame of its span,
preferring frames that show the product's card (media/thumbnails.py: best_thumbnail_time). Keeping every
sampled frame would cost a JPEG per sample (5,400 for 3 hours); seeking back into the video for each
thumbnail decodes from the keyframe before it, up to hundreds of frames each. So the stage keeps, per
``WINDOW`` seconds of video, the sharpest frame and, for each product shown in it, the sharpest frame
showing it: what a thumbnail of any 看点 spanning that window is chosen from. Thumbnails are then chosen among
the kept frames (``kept_times``) and written from them (``write_from_kept``).

Frames are named by their time in milliseconds, the time the visual track records for them
(``VisualTrack.sharpness``), so the thumbnail stage finds them from the track alone.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from replay.contracts import VisualEvent

WINDOW = 10.0
"""Seconds of video per kept frame (and per kept frame of each product shown): a 看点 is longer than two."""
SHOWING_SECONDS = 2.5
"""A frame shows a product when a card or picture of it was seen at most this long before the frame: the
stage dates a card from the sample before it settled, and re-emits it every ``hold_seconds`` (2 s)."""
_QUALITY = 92


def frame_name(t: float) -> str:
    return f"{round(t * 1000):010d}.jpg"


def kept_times(folder: Path | None) -> dict[int, Path]:
    """The kept frames in ``folder``: {time in ms: file}."""
    if folder is None or not folder.is_dir():
        return {}
    return {int(p.stem): p for p in folder.glob("*.jpg") if p.stem.isdigit()}


def shows(t: float, events: Sequence[VisualEvent]) -> set[str]:
    """The products a frame at ``t`` shows: those with a card or picture seen up to SHOWING_SECONDS before."""
    return {e.sku_id for e in events if e.kind in ("ocr", "image") and e.sku_id and 0.0 <= t - e.time <= SHOWING_SECONDS}


class FrameKeeper:
    """Receives every sampled frame and keeps, as JPEGs, the ones a thumbnail can be chosen from.

    A window is decided once every event that can make its frames 'showing' is known: an event is dated at
    most one sample before the frame that reveals it, so frames wait ``SHOWING_SECONDS`` plus ``lag`` seconds.
    At most a window and that wait of frames are held (about 9 frames at one every 2 s).
    """

    def __init__(self, folder: Path, window: float = WINDOW, lag: float = 5.0) -> None:
        import cv2  # loaded on use: the pipeline module imports this one and must not load OpenCV

        self._cv2 = cv2
        self.folder = folder
        self.window = window
        self.lag = lag
        self.kept = 0
        self._held: list[tuple[float, float, np.ndarray]] = []
        # A fresh visual run replaces the frames of an earlier one (other options, another file at this path).
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)

    def push(self, t: float, sharpness: float, image: np.ndarray, events: Sequence[VisualEvent]) -> None:
        """One sampled frame (``image`` must not be modified afterwards); ``events``: the track so far."""
        self._held.append((t, sharpness, image))
        self._decide(t - SHOWING_SECONDS - self.lag, events)

    def close(self, events: Sequence[VisualEvent]) -> None:
        """Decide every window still open."""
        self._decide(float("inf"), events)

    def _decide(self, before: float, events: Sequence[VisualEvent]) -> None:
        """Keep the chosen frames of every window that ends before ``before``."""
        while self._held:
            w = int(self._held[0][0] // self.window)
            if (w + 1) * self.window > before:
                return
            frames = [f for f in self._held if int(f[0] // self.window) == w]
            self._held = [f for f in self._held if int(f[0] // self.window) != w]
            recent = _since(events, w * self.window - SHOWING_SECONDS)
            chosen = {max(frames, key=lambda f: f[1])[0]: None}
            by_sku: dict[str, tuple[float, float, np.ndarray]] = {}
            for f in frames:
                for sku in shows(f[0], recent):
                    if sku not in by_sku or f[1] > by_sku[sku][1]:
                        by_sku[sku] = f
            chosen.update({f[0]: None for f in by_sku.values()})
            for f in frames:
                if f[0] in chosen:
                    self._cv2.imwrite(str(self.folder / frame_name(f[0])), f[2],
                                      [self._cv2.IMWRITE_JPEG_QUALITY, _QUALITY])
                    self.kept += 1


def _since(events: Sequence[VisualEvent], t: float, disorder: float = 10.0) -> list[VisualEvent]:
    """The events at or after ``t``, read from the end: the track is in time order to within one sample."""
    out = []
    for e in reversed(events):
        if e.time < t - disorder:
            break
        if e.time >= t:
            out.append(e)
    return out


def write_from_kept(source: Path, out_path: Path, width: int, full_width: int) -> bool:
    """Write the thumbnail ``out_path`` at ``width`` from the kept frame ``source``; False when the kept frame
    is smaller than both ``width`` and the video (``full_width``): only a decode of the video can do better."""
    import cv2

    image = cv2.imread(str(source), cv2.IMREAD_COLOR)
    if image is None:
        return False
    h, w = image.shape[:2]
    if w < min(width, full_width):
        return False
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".partial.jpg")
    if w == width:
        shutil.copyfile(source, tmp)
    else:
        height = max(2, round(h * width / w / 2) * 2)  # even, as ffmpeg's scale=W:-2
        resized = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if w > width else cv2.INTER_CUBIC)
        cv2.imwrite(str(tmp), resized, [cv2.IMWRITE_JPEG_QUALITY, 90])
    tmp.replace(out_path)
    return True
