"""frames: cheap frame sampling and scene-cut detection.

Frames come from one ffmpeg process that decodes, downscales and converts in C and pipes raw pixels; Python
never touches a full-resolution frame unless asked for one. Three sampling modes trade cost for density:
every frame (needed for frame-accurate cuts; at 64×36 the cost is the decode alone), a fixed rate (``fps``),
or keyframes only (``keyframes_only``: the decoder skips every other frame, about 5× cheaper again).

Times are seconds from the start of the recording, the same clock as audio: the container's start_time is
subtracted, so a file whose first frame is stamped 1.075 s yields a first frame at 0.0. Real presentation
times are used (``-copyts`` plus ffmpeg's showinfo filter), so variable-frame-rate files get true times.

Scene cuts combine two detectors in the manner of PySceneDetect (own code, no dependency):
content (mean HSV change between consecutive frames, for hard cuts) and threshold (mean brightness dips
under a floor, for fades through black; the cut goes in the middle of the dark stretch).
"""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from replay.contracts import MediaInfo
from replay.errors import MediaOpenError
from replay.media.ffmpeg import ffmpeg_path

_SHOWINFO = re.compile(r"Parsed_showinfo.*?\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:(-?[0-9.eE+-]+)")


@dataclass(frozen=True, slots=True)
class FrameOptions:
    """How frames are sampled, and how scene cuts are found in them."""

    width: int = 64
    """Output width in pixels (after rotation). Scene cuts need only 64; OCR wants the source width."""
    height: int | None = None
    """Output height; None keeps the display aspect ratio (rounded to an even number)."""
    color: Literal["bgr", "gray"] = "bgr"
    """Pixel format of Frame.image: 'bgr' (H×W×3 uint8, OpenCV order) or 'gray' (H×W uint8)."""
    fps: float | None = None
    """Sample rate in frames per second; None decodes and returns every frame (frame-accurate)."""
    keyframes_only: bool = False
    """Decode keyframes only (ffmpeg -skip_frame nokey). Spacing is the encoder's GOP (often 1–10 s)."""
    start: float = 0.0
    """First time to return, seconds from the recording's start (input seek: cost starts at the keyframe before)."""
    end: float | None = None
    """Stop after this time; None reads to the end."""
    content_threshold: float = 27.0
    """Mean HSV change (0–255) between consecutive frames that counts as a hard cut (PySceneDetect's default)."""
    fade_threshold: float = 12.0
    """Mean brightness (0–255) under which a frame counts as black, for fade-out/fade-in cuts."""
    min_scene_seconds: float = 0.45
    """Shortest scene: a cut closer than this to the previous one is ignored (flashes, fast pans)."""


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """One decoded, downscaled frame."""

    index: int
    """Decoded frame number in the stream when every frame is read from the start; otherwise
    the nominal number round(time × fps), which is exact for constant-frame-rate files."""
    time: float
    """Seconds from the start of the recording (presentation time)."""
    image: np.ndarray = field(repr=False)


@dataclass(frozen=True, slots=True)
class SceneCut:
    """A new scene begins at this frame."""

    frame_index: int
    time: float
    kind: Literal["content", "fade"]
    score: float
    """Content: the HSV change that triggered it. Fade: the darkest mean brightness of the dip."""


def output_size(info: MediaInfo, width: int, height: int | None = None) -> tuple[int, int]:
    """(w, h) of frames after ffmpeg's autorotation and scaling to ``width``."""
    src_w, src_h = info.width or 16, info.height or 9
    if info.rotation in (90, 270):
        src_w, src_h = src_h, src_w
    w = max(2, int(width))
    h = height if height is not None else max(2, int(round(w * src_h / src_w / 2)) * 2)
    return w, int(h)


def _ffmpeg_cmd(info: MediaInfo, options: FrameOptions, size: tuple[int, int]) -> list[str]:
    cmd = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "info", "-copyts"]
    if options.keyframes_only:
        cmd += ["-skip_frame", "nokey"]
    elif options.fps and info.fps and options.fps * 3 <= info.fps:
        # Sampling well below the source rate: frames that no other frame references (B-frames) need not
        # be decoded at all, which halves the decode cost; the sample lands on a neighbouring frame instead.
        cmd += ["-skip_frame", "noref"]
    if options.start > 0:
        # Input seek (before -i) jumps to the keyframe before `start`: cost is proportional to what is read.
        cmd += ["-ss", f"{options.start:.3f}"]
    cmd += ["-i", str(info.path), "-map", "0:v:0", "-an", "-sn", "-dn"]
    filters = []
    if options.fps:
        filters.append(f"fps={options.fps}")
    pix = "bgr24" if options.color == "bgr" else "gray"
    # 'area' averages source pixels: a fair thumbnail for change detection, with no aliasing shimmer.
    filters += [f"scale={size[0]}:{size[1]}:flags=area", f"format={pix}", "showinfo"]
    cmd += ["-vf", ",".join(filters), "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", pix, "pipe:1"]
    return cmd


def _pump_stderr(stream, times: queue.Queue, tail: list[str]) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace")
        m = _SHOWINFO.search(line)
        if m:
            times.put(float(m[3]))
        elif "config in" not in line and "config out" not in line:
            tail.append(line.rstrip())
            del tail[:-20]
    times.put(None)


def iter_frames(info: MediaInfo, options: FrameOptions = FrameOptions()) -> Iterator[Frame]:
    """Yield downscaled frames of ``info``'s video, lazily, one ffmpeg process per call.

    The generator holds one frame in memory at a time; closing it early (break) stops ffmpeg.
    Raises MediaOpenError if the file has no video stream or ffmpeg cannot decode it.
    """
    if not info.has_video:
        raise MediaOpenError(f"{info.path.name} has no video stream", hint="the visual stage needs a video recording")
    w, h = output_size(info, options.width, options.height)
    frame_bytes = w * h * (3 if options.color == "bgr" else 1)
    proc = subprocess.Popen(_ffmpeg_cmd(info, options, (w, h)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            bufsize=frame_bytes * 4)
    times: queue.Queue = queue.Queue()
    tail: list[str] = []
    # showinfo writes each frame's pts to stderr; a thread drains it so neither pipe can fill up and block.
    pump = threading.Thread(target=_pump_stderr, args=(proc.stderr, times, tail), daemon=True)
    pump.start()
    count = 0
    exact_index = options.fps is None and not options.keyframes_only and options.start <= 0
    try:
        while True:
            buf = proc.stdout.read(frame_bytes)
            if len(buf) < frame_bytes:
                break
            pts = times.get(timeout=60)
            if pts is None:
                break
            t = max(0.0, pts - info.start_time)
            shape = (h, w, 3) if options.color == "bgr" else (h, w)
            image = np.frombuffer(buf, np.uint8).reshape(shape)
            index = count if exact_index else int(round(t * (info.fps or 25.0)))
            count += 1
            # The decoder may hand back a frame just before an input seek point; the caller asked for >= start.
            if t < options.start - 1e-3:
                continue
            if options.end is not None and t > options.end + 1e-6:
                break
            yield Frame(index=index, time=t, image=image)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        pump.join(timeout=5)
    if proc.returncode not in (0, None, -9) and count == 0:
        raise MediaOpenError(f"could not decode the video of {info.path.name}: {tail[-1] if tail else 'ffmpeg failed'}",
                             hint="check that the recording is complete")


class SceneDetector:
    """Incremental scene-cut detector: push frames in time order, get cuts as they are decided.

    Works on any frame size; 64×36 BGR is plenty. With sampled frames (fps or keyframes) cuts are found
    at sample resolution, not frame-accurate.
    """

    def __init__(self, options: FrameOptions = FrameOptions()) -> None:
        self.options = options
        self._prev_hsv: np.ndarray | None = None
        self._last_cut_time: float | None = None
        self._dark_since: Frame | None = None
        self._darkest = 255.0
        self._prev_frame: Frame | None = None

    def _allowed(self, t: float) -> bool:
        return self._last_cut_time is None or t - self._last_cut_time >= self.options.min_scene_seconds - 1e-6

    def push(self, frame: Frame) -> SceneCut | None:
        import cv2

        img = frame.image
        if img.ndim == 2:
            img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV_FULL).astype(np.int16)
        brightness = float(img.mean())
        cut = None
        if self._last_cut_time is None:
            self._last_cut_time = frame.time  # the first frame starts scene 0; cuts are counted from it
        if self._prev_hsv is not None:
            # Mean over H, S and V of the absolute per-pixel change; hue wraps at 256 with COLOR_BGR2HSV_FULL.
            delta = np.abs(hsv - self._prev_hsv)
            delta[..., 0] = np.minimum(delta[..., 0], 256 - delta[..., 0])
            score = float(delta.mean())
            in_fade = self._dark_since is not None or brightness < self.options.fade_threshold
            if score >= self.options.content_threshold and not in_fade and self._allowed(frame.time):
                cut = SceneCut(frame.index, frame.time, "content", round(score, 2))
        if brightness < self.options.fade_threshold:
            if self._dark_since is None and self._prev_frame is not None:
                self._dark_since = frame
                self._darkest = brightness
            elif self._dark_since is not None:
                self._darkest = min(self._darkest, brightness)
        elif self._dark_since is not None:
            # Fade-in after a fade-out: the cut sits in the middle of the dark stretch.
            first_dark = self._dark_since
            mid = (first_dark.index + frame.index) // 2
            t_mid = first_dark.time + (frame.time - first_dark.time) * (
                (mid - first_dark.index) / max(1, frame.index - first_dark.index))
            self._dark_since = None
            if self._allowed(t_mid):
                cut = SceneCut(mid, round(t_mid, 4), "fade", round(self._darkest, 2))
        if cut is not None:
            self._last_cut_time = cut.time
        self._prev_hsv = hsv
        self._prev_frame = frame
        return cut


def find_scene_cuts(frames: Iterable[Frame], options: FrameOptions = FrameOptions()) -> list[SceneCut]:
    """Scene cuts in a stream of frames (in time order). Frame 0 is a scene start, not a cut."""
    det = SceneDetector(options)
    return [c for f in frames if (c := det.push(f)) is not None]


def detect_scene_cuts(info: MediaInfo, options: FrameOptions = FrameOptions()) -> list[SceneCut]:
    """Frame-accurate scene cuts of a video: decodes every frame at ``options.width`` (64 by default).

    The cost is one decode of the video; the detection itself is negligible at 64×36. Audio-only
    recordings have no cuts. Scene starts are [0] + [c.frame_index for c in cuts].
    """
    if not info.has_video:
        return []
    return find_scene_cuts(iter_frames(info, options), options)
