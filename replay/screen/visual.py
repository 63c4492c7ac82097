"""visual: on-screen product cards and product pictures → a VisualTrack of timed, SKU-keyed events.

Cost is what shapes this stage. Frames are sampled cheaply (keyframes only when the encoder puts them close
together, as live-streaming encoders do; otherwise a low fixed rate), and each sample is reduced to a 16×9
grid of cell brightnesses. A region goes to OCR only when its cells differ from what was last read there
AND have held still for one sample (cards are static; a moving host is not, and is never OCR'd) AND hold texture
(a recoloured background or the space a card left has no text to read). OCR results
are cached by perceptual hash, so a card shown again (返场) costs nothing. While a read card's cells stay
unchanged, the stage re-emits its event every ``hold_seconds`` without OCR, so the detector knows how long
the card stayed on screen.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from replay.contracts import Catalog, MediaInfo, VisualEvent, VisualTrack
from replay.errors import MediaOpenError
from replay.media.frames import Frame, FrameOptions, SceneDetector, find_scene_cuts, iter_frames
from replay.media.framestore import FrameKeeper
from replay.media.keyframes import median_gap
from replay.media.thumbnails import sharpness
from replay.screen.match import ImageMatcher, match_text, shared_names
from replay.screen.ocr import OcrEngine, OcrLine
from replay.screen.options import VisualOptions

GRID = (16, 9)  # cells across, down: about 40×40 source pixels each at 640×360
_MIN_PICTURE_CELLS = 4  # a region shorter than this (a banner strip, a ticker) holds no product picture


ProgressFn = Callable[[float], None]


@dataclass(slots=True)
class _Card:
    sku_id: str
    text: str
    score: float
    cells: tuple[int, int, int, int]  # gx0, gy0, gx1, gy1 (exclusive) in grid cells
    last_emit: float
    box: tuple[float, float, float, float] | None = None  # the card's text block, shares of the frame
    kind: Literal["ocr", "image"] = "ocr"  # "ocr": a read card; "image": a matched product picture (no text, no box)


@dataclass(slots=True)
class _State:
    ref: np.ndarray | None = None     # cell means as last read by OCR
    prev: np.ndarray | None = None    # cell means of the previous sample
    prev_time: float = 0.0
    ocr_times: deque = field(default_factory=deque)
    cards: list[_Card] = field(default_factory=list)
    events: list[VisualEvent] = field(default_factory=list)


def _sample_options(info: MediaInfo, options: VisualOptions) -> FrameOptions:
    width = min(options.analysis_width, (info.height if info.rotation in (90, 270) else info.width) or 640)
    mode = options.sample
    if mode == "auto":
        gap = median_gap(info)
        mode = "keyframes" if gap is not None and gap <= options.max_keyframe_gap else "fps"
    if mode == "keyframes":
        return FrameOptions(width=width, keyframes_only=True)
    return FrameOptions(width=width, fps=options.sample_fps)


CELL = 8  # change image pixels per grid cell: 128×72 keeps ~5 px strokes, so changed text shows


def _cells(image: np.ndarray) -> np.ndarray:
    """A 128×72 grey 'change image'. Comparing it, not cell means, catches new text on an unchanged card."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return cv2.resize(gray, (GRID[0] * CELL, GRID[1] * CELL), interpolation=cv2.INTER_AREA).astype(np.float32)


def _cell_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference per grid cell (GRID[1] × GRID[0])."""
    return np.abs(a - b).reshape(GRID[1], CELL, GRID[0], CELL).mean(axis=(1, 3))


def _cell_texture(a: np.ndarray) -> np.ndarray:
    """Grey-level standard deviation per grid cell: text and edges are high, a plain background is low."""
    return a.reshape(GRID[1], CELL, GRID[0], CELL).std(axis=(1, 3))


def _cell_pixels(mask: np.ndarray) -> np.ndarray:
    """A per-cell mask blown up to the change image's pixels."""
    return np.repeat(np.repeat(mask, CELL, axis=0), CELL, axis=1)


def _sub(img: np.ndarray, cells: tuple[int, int, int, int]) -> np.ndarray:
    gx0, gy0, gx1, gy1 = cells
    return img[gy0 * CELL: gy1 * CELL, gx0 * CELL: gx1 * CELL]


def _regions(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (gx0, gy0, gx1, gy1) of connected groups of changed cells, touching groups merged."""
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    boxes = []
    for i in range(1, n):
        x, y, w, h = stats[i, :4]
        # The dilation leaves one cell of margin around the change, so text at a box's edge is read whole.
        boxes.append((max(0, x), max(0, y), min(GRID[0], x + w), min(GRID[1], y + h)))
    return boxes


def _blocks(lines: tuple[OcrLine, ...]) -> list[list[OcrLine]]:
    """Group OCR lines into blocks: lines closer than about one line height belong to one block."""
    parent = list(range(len(lines)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(lines):
        for j in range(i + 1, len(lines)):
            b = lines[j]
            gap = max(a.box[3] - a.box[1], b.box[3] - b.box[1])
            if a.box[0] - gap <= b.box[2] and b.box[0] - gap <= a.box[2] \
                    and a.box[1] - gap <= b.box[3] and b.box[1] - gap <= a.box[3]:
                parent[find(i)] = find(j)
    groups: dict[int, list[OcrLine]] = {}
    for i, ln in enumerate(lines):
        groups.setdefault(find(i), []).append(ln)
    return list(groups.values())


def _crop(image: np.ndarray, cells: tuple[int, int, int, int]) -> np.ndarray:
    h, w = image.shape[:2]
    gx0, gy0, gx1, gy1 = cells
    return image[gy0 * h // GRID[1]: gy1 * h // GRID[1], gx0 * w // GRID[0]: gx1 * w // GRID[0]]


class _Analyser:
    def __init__(self, catalog: Catalog, options: VisualOptions, engine: OcrEngine) -> None:
        self.catalog = catalog
        self.options = options
        self.engine = engine
        self.images = ImageMatcher(catalog, min_score=options.min_image_score)
        self.shared = shared_names(catalog)  # once per stream, not once per card read
        self.state = _State()

    def _budget_ok(self, t: float) -> bool:
        q = self.state.ocr_times
        while q and q[0] < t - 60.0:
            q.popleft()
        return len(q) < self.options.max_ocr_per_minute

    def _read_region(self, frame: Frame, cells: tuple[int, int, int, int], t: float) -> None:
        crop = _crop(frame.image, cells)
        calls = self.engine.calls
        lines = self.engine.read(crop)
        if self.engine.calls > calls:
            self.state.ocr_times.append(frame.time)
        h, w = frame.image.shape[:2]
        ox, oy = cells[0] * w // GRID[0], cells[1] * h // GRID[1]
        # One region may hold several text blocks (a banner and a card): match each block on its own.
        named = False
        for block in _blocks(lines):
            text = " ".join(ln.text for ln in block)
            match = match_text(text, self.catalog, self.options.min_text_score, self.shared)
            if match is None:
                continue
            x0 = min(ln.box[0] for ln in block) + ox
            y0 = min(ln.box[1] for ln in block) + oy
            x1 = max(ln.box[2] for ln in block) + ox
            y1 = max(ln.box[3] for ln in block) + oy
            card_cells = (x0 * GRID[0] // w, y0 * GRID[1] // h,
                          min(GRID[0], -(-x1 * GRID[0] // w)), min(GRID[1], -(-y1 * GRID[1] // h)))
            box = (round(x0 / w, 3), round(y0 / h, 3), round(x1 / w, 3), round(y1 / h, 3))
            self.state.events.append(VisualEvent("ocr", round(t, 3), text, match.sku_id, match.score, frame.index,
                                                 box))
            self.state.cards.append(_Card(match.sku_id, text, match.score, card_cells, t, box))
            named = True
        # Pictures are searched only where no card text named a product, and only in regions tall enough
        # to hold one (not a banner strip): template matching costs as much as OCR on a large catalog, and a
        # read card already says which product is on.
        if self.images and not named and cells[3] - cells[1] >= _MIN_PICTURE_CELLS:
            found = self.images.match(crop)
            if found is not None:
                self.state.events.append(VisualEvent("image", round(t, 3), "", found[0], found[1], frame.index))
                # Followed like a card: the picture stays up while its region is unchanged, and so does the
                # evidence that the product is on (a picture matched once per shot would say so only once).
                self.state.cards.append(_Card(found[0], "", found[1], cells, t, None, "image"))

    def push(self, frame: Frame) -> None:
        st, opt = self.state, self.options
        cells = _cells(frame.image)
        if st.ref is None:
            st.ref = np.full_like(cells, -255.0)  # nothing read yet: every cell counts as changed
        if st.prev is not None:
            # Cards whose cells changed since they were read are gone; the rest are still on screen.
            alive = []
            for card in st.cards:
                diff = _cell_diff(cells, st.ref)[card.cells[1]:card.cells[3], card.cells[0]:card.cells[2]]
                if diff.size == 0 or diff.max() > opt.cell_threshold:
                    continue
                alive.append(card)
                if frame.time - card.last_emit >= opt.hold_seconds - 1e-6:
                    st.events.append(VisualEvent(card.kind, round(frame.time, 3), card.text, card.sku_id,
                                                 card.score, frame.index, card.box))
                    card.last_emit = frame.time
            st.cards = alive
            changed = _cell_diff(cells, st.ref) > opt.cell_threshold
            still = _cell_diff(cells, st.prev) <= opt.cell_threshold
            pending = changed & still
            if pending.any():
                flat = pending & (_cell_texture(cells) < opt.min_texture)
                px = _cell_pixels(flat)
                st.ref[px] = cells[px]  # seen: nothing there to read
                pending &= ~flat
            if pending.any() and self._budget_ok(frame.time):
                for box in _regions(pending):
                    gx0, gy0, gx1, gy1 = box
                    # A new reading replaces cards it overlaps.
                    st.cards = [c for c in st.cards if c.cells[2] <= gx0 or c.cells[0] >= gx1
                                or c.cells[3] <= gy0 or c.cells[1] >= gy1]
                    # The change was already visible at the previous sample: date the event from there.
                    self._read_region(frame, box, st.prev_time)
                    _sub(st.ref, box)[...] = _sub(cells, box)
        st.prev = cells
        st.prev_time = frame.time


def _refine_cut(info: MediaInfo, lo: float, hi: float, fallback: VisualEvent) -> VisualEvent:
    cuts = find_scene_cuts(iter_frames(info, FrameOptions(start=lo, end=hi + 1e-3)),
                           FrameOptions(min_scene_seconds=0.0))
    if not cuts:
        return fallback
    c = max(cuts, key=lambda c: c.score if c.kind == "content" else 255.0)
    return VisualEvent("scene_cut", round(c.time, 4), c.kind, None, c.score, c.frame_index)


def analyse(info: MediaInfo, catalog: Catalog, options: VisualOptions = VisualOptions(),
            progress: ProgressFn | None = None, engine: OcrEngine | None = None,
            keep_frames: Path | None = None) -> VisualTrack:
    """Scene cuts, OCR'd product cards and matched product pictures of one recording.

    Audio-only recordings return an empty track whose ``skipped_reason`` says why. ``engine`` lets a
    caller share one OCR model (and its cache) between streams. ``keep_frames``: a folder where the frames
    thumbnails are chosen from are kept (media/framestore.py), so the video is decoded only here.
    """
    if not info.has_video:
        return VisualTrack(events=(), skipped_reason="no video stream: the recording is audio-only")
    engine = engine or OcrEngine(threads=options.ocr_threads)
    frame_opts = _sample_options(info, options)
    analyser = _Analyser(catalog, options, engine)
    # Sampled frames are seconds apart: a shorter minimum scene would drop real cuts.
    detector = SceneDetector(FrameOptions(min_scene_seconds=0.0))
    cuts: list[tuple[float, VisualEvent]] = []
    sharp: list[tuple[float, float]] = []
    sampled = 0
    prev_time = 0.0
    keeper = FrameKeeper(keep_frames) if keep_frames is not None else None
    try:
        for frame in iter_frames(info, frame_opts):
            sampled += 1
            small = cv2.resize(frame.image, (64, 36), interpolation=cv2.INTER_AREA)
            cut = detector.push(Frame(frame.index, frame.time, small))
            if cut is not None:
                cuts.append((prev_time, VisualEvent("scene_cut", round(cut.time, 4), cut.kind, None, cut.score,
                                                    cut.frame_index)))
            analyser.push(frame)
            sharp.append((round(frame.time, 3), round(sharpness(cv2.resize(frame.image, (320, 180))), 1)))
            if keeper is not None:
                keeper.push(*sharp[-1], frame.image, analyser.state.events)
            prev_time = frame.time
            if progress is not None and info.duration > 0:
                progress(min(1.0, frame.time / info.duration))
    except MediaOpenError:
        if sampled == 0:
            raise
    if keeper is not None:
        keeper.close(analyser.state.events)
    events = list(analyser.state.events)
    for lo, ev in cuts:
        events.append(_refine_cut(info, lo, ev.time, ev) if options.frame_accurate_cuts else ev)
    events.sort(key=lambda e: (e.time, e.kind))
    if progress is not None:
        progress(1.0)
    return VisualTrack(events=tuple(events), ocr_calls=engine.calls, frames_sampled=sampled, sharpness=tuple(sharp))


def ocr_calls_per_hour(track: VisualTrack, info: MediaInfo) -> float:
    return track.ocr_calls / max(info.duration, 1e-9) * 3600.0


class SegmentAnalyser:
    """``analyse`` one piece of a recording at a time, for a recording that is still growing (replay/live).

    Push each new segment (its own MediaInfo, and where it starts on the recording's clock); the OCR state, the
    card cache and the scene detector carry over from one segment to the next, so a card that stays up across
    segments is read once, as ``analyse`` reads it once. Returns the segment's events and frame sharpness, times
    on the recording's clock.
    """

    def __init__(self, catalog: Catalog, options: VisualOptions = VisualOptions(),
                 engine: OcrEngine | None = None) -> None:
        self.options = options
        self.engine = engine or OcrEngine(threads=options.ocr_threads)
        self.analyser = _Analyser(catalog, options, self.engine)
        self.detector = SceneDetector(FrameOptions(min_scene_seconds=0.0))
        self.frame_options: FrameOptions | None = None
        self.frames = 0

    def push(self, info: MediaInfo, offset: float) -> tuple[list[VisualEvent], list[tuple[float, float]]]:
        if not info.has_video:
            return [], []
        if self.frame_options is None:  # keyframes or a fixed rate, decided on the first segment
            self.frame_options = _sample_options(info, self.options)
        first = len(self.analyser.state.events)
        cuts: list[VisualEvent] = []
        sharp: list[tuple[float, float]] = []
        shift = int(round(offset * (info.fps or 25.0)))
        try:
            for frame in iter_frames(info, self.frame_options):
                frame = Frame(frame.index + shift, frame.time + offset, frame.image)
                self.frames += 1
                small = cv2.resize(frame.image, (64, 36), interpolation=cv2.INTER_AREA)
                cut = self.detector.push(Frame(frame.index, frame.time, small))
                if cut is not None:
                    cuts.append(VisualEvent("scene_cut", round(cut.time, 4), cut.kind, None, cut.score, cut.frame_index))
                self.analyser.push(frame)
                sharp.append((round(frame.time, 3), round(sharpness(cv2.resize(frame.image, (320, 180))), 1)))
        except MediaOpenError:
            pass  # a segment whose picture does not decode still has its audio; its frames are simply missing
        events = sorted(self.analyser.state.events[first:] + cuts, key=lambda e: (e.time, e.kind))
        return events, sharp
