"""reframe: a 9:16 window that follows the host (and the product card) through a landscape clip.

Three steps, each its own function so each can be tested alone:
1. ``find_subjects`` samples the clip's frames (a few per second, downscaled) and finds the host in each:
   a frontal face (OpenCV's bundled Haar cascade), else an upper body (bundled cascade), else the largest
   moving foreground blob (MOG2 background subtraction), the last resort for hosts no detector knows.
   Nothing is downloaded: the cascades ship inside the opencv-python wheel.
2. ``plan_crop`` turns those sightings, plus the product cards the visual stage already read (their boxes are
   on the ``ocr`` events), into one window position per sample: the host's box inside the window, the card too
   when both fit, else the window pulled towards the card as far as the host allows. The path is smoothed
   offline (a centred Gaussian: no lag, since the whole clip is known) with a dead band, so a host who sways or
   a detector that wobbles by a few pixels does not make the picture jitter, then projected back so that the
   host stays inside the window at every sample.
3. ``crop_filter`` writes the path as ffmpeg ``sendcmd`` commands that move a ``crop`` filter frame by frame.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from replay.contracts import MediaInfo, VisualEvent
from replay.media.frames import FrameOptions, iter_frames, output_size

log = logging.getLogger("replay.reframe")

Reframe = Literal["auto", "pad", "center"]
Box = tuple[float, float, float, float]
"""(x0, y0, x1, y1) as shares of the frame's width and height."""


@dataclass(frozen=True, slots=True)
class ReframeOptions:
    """How ``--reframe auto`` finds the host and moves the window."""

    sample_fps: float = 3.0
    """Frames analysed per second of clip (detection runs on these; the window is interpolated between them)."""
    analysis_width: int = 480
    """Frames are downscaled to this width before detection (hosts fill a good part of the frame)."""
    smooth_seconds: float = 0.6
    """Standard deviation of the Gaussian that smooths the window's path."""
    dead_band: float = 0.03
    """Moves smaller than this share of the frame width are ignored (no jitter from a wobbling detector)."""
    card_hold: float = 2.5
    """A card read by the visual stage counts as on screen this many seconds around each of its events (the
    stage re-emits a card that stays unchanged every ``visual.hold_seconds``)."""


@dataclass(frozen=True, slots=True)
class Sighting:
    """The host in one analysed frame, or None where nothing was found."""

    time: float
    box: Box | None
    source: Literal["face", "body", "motion", "none"] = "none"


@dataclass(frozen=True, slots=True)
class CropPlan:
    """The window's left edge over time, in pixels of the (autorotated) source frame."""

    crop_w: int
    crop_h: int
    src_w: int
    src_h: int
    times: tuple[float, ...]
    """Seconds from the clip's start."""
    xs: tuple[int, ...]
    found: float
    """Share of analysed frames in which the host was found (0 when the window only followed cards or stayed
    centred)."""

    def x_at(self, t: float) -> float:
        return float(np.interp(t, self.times, self.xs)) if self.times else (self.src_w - self.crop_w) / 2


def window_size(src_w: int, src_h: int) -> tuple[int, int]:
    """The largest 9:16 window of a frame (even sizes, for 4:2:0 video)."""
    if src_w * 16 > src_h * 9:
        return int(src_h * 9 / 16) // 2 * 2, src_h // 2 * 2
    return src_w // 2 * 2, int(src_w * 16 / 9) // 2 * 2


# --- 1. finding the host ---------------------------------------------------------------------------
class _Detector:
    """Face, then upper body, then motion; cascades load once per detector."""

    def __init__(self) -> None:
        import cv2

        self.cv2 = cv2
        base = getattr(getattr(cv2, "data", None), "haarcascades", "")
        self.face = self._cascade(base, "haarcascade_frontalface_default.xml")
        self.body = self._cascade(base, "haarcascade_upperbody.xml")
        self.motion = cv2.createBackgroundSubtractorMOG2(history=60, varThreshold=32, detectShadows=False)

    def _cascade(self, base: str, name: str):  # noqa: ANN202
        if not base or not hasattr(self.cv2, "CascadeClassifier"):
            log.warning("OpenCV has no bundled %s (OpenCV 5 moved the cascades out); reframe uses motion only", name)
            return None
        c = self.cv2.CascadeClassifier(str(Path(base) / name))
        return None if c.empty() else c

    def __call__(self, image: np.ndarray) -> tuple[Box | None, str]:
        cv2 = self.cv2
        h, w = image.shape[:2]
        gray = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        fg = self.motion.apply(image)
        if self.face is not None:
            faces = self.face.detectMultiScale(gray, 1.15, 5, minSize=(h // 12, h // 12))
            if len(faces):
                x, y, fw, fh = max(faces, key=lambda f: f[2] * f[3])
                # A host is about two and a half face widths across the shoulders, below the face.
                cx = x + fw / 2
                return _norm((cx - 1.25 * fw, y - 0.3 * fh, cx + 1.25 * fw, min(h, y + 3.5 * fh)), w, h), "face"
        if self.body is not None:
            bodies = self.body.detectMultiScale(gray, 1.1, 4, minSize=(w // 6, h // 4))
            if len(bodies):
                x, y, bw, bh = max(bodies, key=lambda b: b[2] * b[3])
                return _norm((x, y, x + bw, y + bh), w, h), "body"
        return _motion_box(cv2, fg, w, h), "motion"


def _norm(b: tuple[float, float, float, float], w: int, h: int) -> Box:
    return (max(0.0, b[0] / w), max(0.0, b[1] / h), min(1.0, b[2] / w), min(1.0, b[3] / h))


def _motion_box(cv2, fg: np.ndarray, w: int, h: int) -> Box | None:  # noqa: ANN001
    """The largest moving blob, if it is the size of a person: not a ticker digit, not a whole-scene change,
    not wider than the 9:16 window could follow (a banner or a card sliding in)."""
    mask = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    if n <= 1:
        return None
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh, area = stats[i]
    if area < 0.01 * w * h or bw * bh > 0.5 * w * h or bw > 1.2 * window_size(w, h)[0]:
        return None
    return _norm((x, y, x + bw, y + bh), w, h)


def find_subjects(info: MediaInfo, start: float, end: float,
                  options: ReframeOptions = ReframeOptions()) -> list[Sighting]:
    """The host in frames sampled at ``options.sample_fps`` over [start, end), times relative to ``start``."""
    detect = _Detector()
    w = min(options.analysis_width, output_size(info, info.width or options.analysis_width)[0])
    frames = iter_frames(info, FrameOptions(width=w, fps=options.sample_fps, start=start, end=end))
    out = []
    for f in frames:
        box, source = detect(f.image)
        out.append(Sighting(round(f.time - start, 3), box, source if box else "none"))  # type: ignore[arg-type]
    return out


def card_boxes(events: Iterable[VisualEvent], start: float, end: float, hold: float) -> list[tuple[float, Box]]:
    """(time from the clip's start, box) of every card event near the clip."""
    return [(e.time - start, e.box) for e in events
            if e.kind == "ocr" and e.box is not None and start - hold <= e.time <= end + hold]


# --- 2. planning the window ------------------------------------------------------------------------
def _card_at(cards: Sequence[tuple[float, Box]], t: float, hold: float) -> Box | None:
    near = [(abs(ct - t), b) for ct, b in cards if abs(ct - t) <= hold]
    return min(near)[1] if near else None


def _overlap(a: Box, b: Box) -> float:
    """Share of box a that lies inside box b."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = (a[2] - a[0]) * (a[3] - a[1])
    return w * h / area if area > 0 else 0.0


def _target(subject: Box | None, card: Box | None, cw: float) -> tuple[float | None, float, float]:
    """(desired left edge, lowest, highest left edge that keeps the host inside), as shares of the width."""
    lo, hi = 0.0, 1.0 - cw
    if subject is None:
        return ((card[0] + card[2]) / 2 - cw / 2 if card else None), lo, hi
    sx0, sx1 = subject[0], subject[2]
    if sx1 - sx0 >= cw:  # wider than the window: keep its middle
        mid = (sx0 + sx1) / 2 - cw / 2
        return mid, mid, mid
    lo, hi = max(lo, sx1 - cw), min(hi, sx0)
    desired = (sx0 + sx1) / 2 - cw / 2
    if card is not None:
        ux0, ux1 = min(sx0, card[0]), max(sx1, card[2])
        desired = (ux0 + ux1) / 2 - cw / 2 if ux1 - ux0 <= cw else (card[0] + card[2]) / 2 - cw / 2
    return desired, lo, hi


def _gaussian(values: np.ndarray, sigma: float) -> np.ndarray:
    if sigma <= 0 or len(values) < 3:
        return values
    r = int(math.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    padded = np.pad(values, r, mode="edge")
    return np.convolve(padded, k, mode="valid")


def plan_crop(sightings: Sequence[Sighting], src_w: int, src_h: int, cards: Sequence[tuple[float, Box]] = (),
              options: ReframeOptions = ReframeOptions()) -> CropPlan:
    """The window's path: the host inside at every sample, cards pulled in where they fit, smoothed."""
    crop_w, crop_h = window_size(src_w, src_h)
    cw = crop_w / src_w
    times = [s.time for s in sightings]
    if not sightings or cw >= 1.0:
        x = (src_w - crop_w) // 2
        return CropPlan(crop_w, crop_h, src_w, src_h, tuple(times) or (0.0,), (x,) * max(1, len(times)), 0.0)
    targets = []
    hosts = 0
    for s in sightings:
        card = _card_at(cards, s.time, options.card_hold)
        host = s.box
        if s.source == "motion" and host is not None and card is not None and _overlap(host, card) > 0.5:
            host = None  # what moved was the card popping up, not the host
        hosts += host is not None
        targets.append(_target(host, card, cw))
    desired = np.array([np.nan if d is None else d for d, _, _ in targets], dtype=float)
    known = ~np.isnan(desired)
    if not known.any():
        desired[:] = (1.0 - cw) / 2
    else:  # gaps (no host, no card) hold the neighbours' position, linearly between them
        idx = np.arange(len(desired))
        desired = np.interp(idx, idx[known], desired[known])
    lo = np.array([t[1] for t in targets])
    hi = np.array([t[2] for t in targets])
    step = (times[-1] - times[0]) / max(1, len(times) - 1) if len(times) > 1 else 1.0
    path = np.clip(desired, lo, hi)
    # Dead band: hold still until the target has moved far enough, so small wobbles never reach the picture;
    # the Gaussian then turns the remaining steps into short glides.
    held = path.copy()
    for i in range(1, len(held)):
        held[i] = held[i - 1] if abs(path[i] - held[i - 1]) < options.dead_band else path[i]
    smooth = _gaussian(held, options.smooth_seconds / max(step, 1e-3))
    # The host outranks smoothness: project back inside the feasible range, then clamp to the frame.
    final = np.clip(np.clip(smooth, lo, hi), 0.0, 1.0 - cw)
    xs = tuple(int(round(v * src_w / 2)) * 2 for v in final)
    found = hosts / len(sightings)
    return CropPlan(crop_w, crop_h, src_w, src_h, tuple(times), xs, round(found, 3))


# --- 3. the ffmpeg side -----------------------------------------------------------------------------
def center_filter(src_w: int, src_h: int) -> str:
    crop_w, crop_h = window_size(src_w, src_h)
    return f"crop={crop_w}:{crop_h}:{(src_w - crop_w) // 2 // 2 * 2}:{(src_h - crop_h) // 2 // 2 * 2}"


def crop_filter(plan: CropPlan, commands: Path, fps: float, length: float) -> str:
    """A ``sendcmd`` + ``crop`` filter chain that moves the window once per output frame; the commands go to
    ``commands`` (a file: the chain itself stays short whatever the clip's length)."""
    lines = []
    last = None
    for n in range(int(math.ceil(length * fps)) + 1):
        t = n / fps
        x = int(round(plan.x_at(t) / 2)) * 2
        if x != last:
            lines.append(f"{t:.4f} crop@reframe x {x};")
            last = x
    commands.write_text("\n".join(lines) + "\n", encoding="utf-8")
    x0 = int(round(plan.x_at(0.0) / 2)) * 2
    y0 = (plan.src_h - plan.crop_h) // 2 // 2 * 2
    return (f"sendcmd=f='{escape_filter_path(commands)}',"
            f"crop@reframe=w={plan.crop_w}:h={plan.crop_h}:x={x0}:y={y0}")


def escape_filter_path(p: Path) -> str:
    """A path inside an ffmpeg filter argument (quotes, colons and backslashes escaped)."""
    return str(p).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
