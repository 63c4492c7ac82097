"""ocr: read on-screen text with rapidocr (PP-OCR ONNX models shipped inside its wheel), with a hash cache.

OCR is the visual stage's one expensive step (about 0.5 s for a product-card crop, 1–1.5 s for a 640×360
frame on 2 cores), so callers hand it only regions that changed, and this module never reads the same
picture twice: results are cached by a 64-bit difference hash, and near-identical crops (a few bits apart, the
same pixels in colour and the same text edges, e.g. the same card shown again) reuse the earlier result.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from replay.errors import ModelNotFound


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One line of text found in an image, with its box in that image's pixels."""

    text: str
    score: float
    box: tuple[int, int, int, int]
    """x0, y0, x1, y1."""


def dhash(image: np.ndarray) -> int:
    """64-bit difference hash: robust to scale, compression noise and small brightness shifts."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).flatten()
    return int(sum(1 << i for i, b in enumerate(bits) if b))


# Size of the colour copy a hash hit is verified on: large enough that a changed product name or
# picture covers whole blocks of it, small enough that 512 cached copies take ~28 MB.
_VERIFY_SIZE = (192, 96)
_VERIFY_BLOCK = 16
_PIXEL_CHANGE = 48  # a colour channel moving this much (0-255) is a real change, not compression noise
# Width of the edge map a hit is also verified on: text stays legible (a card's name is 6-10 px high in a
# whole 640-px frame halved), and 512 cached maps take ~29 MB.
_EDGE_WIDTH = 320
_EDGE_CHANGE = 0.006  # share of edge pixels with no counterpart: the same card re-encoded stays under 0.002


@dataclass(frozen=True, slots=True)
class Thumb:
    """What a cache hit is verified on: a small colour copy and an edge map of the text."""

    colour: np.ndarray
    edges: np.ndarray


def thumb(image: np.ndarray) -> Thumb:
    """The verification copy of a picture: the hash says 'looks alike', this says 'same card'."""
    colour = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    gray = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
    w = min(_EDGE_WIDTH, gray.shape[1])
    h = max(8, round(gray.shape[0] * w / gray.shape[1]))
    edges = cv2.Canny(cv2.resize(gray, (w, h), interpolation=cv2.INTER_AREA), 60, 120) > 0
    return Thumb(cv2.resize(colour, _VERIFY_SIZE, interpolation=cv2.INTER_AREA), edges)


def _edge_change(a: np.ndarray, b: np.ndarray) -> float:
    """Share of edge pixels of either map with no edge within one pixel in the other."""
    if a.shape != b.shape:
        return 1.0
    kernel = np.ones((3, 3), np.uint8)
    near_a = cv2.dilate(a.astype(np.uint8), kernel) > 0
    near_b = cv2.dilate(b.astype(np.uint8), kernel) > 0
    missing = int((a & ~near_b).sum() + (b & ~near_a).sum())
    return missing / max(1, int(a.sum() + b.sum()))


def same_picture(a: Thumb, b: Thumb, max_changed: float = 0.03, max_block: float = 0.5) -> bool:
    """Whether two ``thumb`` copies show the same thing.

    Two product cards of one layout hash alike and differ only in their name, price and picture: a few
    percent of the pixels, often in hue more than in brightness (an orange and a green picture are the same
    grey). So the check is in colour, counts pixels that changed clearly, and also looks for any one block
    that changed mostly (a new word), which a whole-image mean would dilute. Cards of one colour scheme that
    differ only in their text (a whole frame whose card says another name) pass that, so the text's edges
    must match too.
    """
    changed = (np.abs(a.colour.astype(np.int16) - b.colour.astype(np.int16)).max(axis=2) > _PIXEL_CHANGE)
    changed = changed.astype(np.float32)
    h, w = changed.shape
    blocks = changed.reshape(h // _VERIFY_BLOCK, _VERIFY_BLOCK, w // _VERIFY_BLOCK, _VERIFY_BLOCK).mean(axis=(1, 3))
    return (float(changed.mean()) <= max_changed and float(blocks.max()) <= max_block
            and _edge_change(a.edges, b.edges) <= _EDGE_CHANGE)


def _hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


class OcrEngine:
    """Lazy, cached wrapper around rapidocr.RapidOCR. Counts real model calls in ``calls``."""

    def __init__(self, max_side: int = 960, min_score: float = 0.6, cache_bits: int = 8,
                 threads: int | None = None) -> None:
        self.max_side = max_side
        self.min_score = min_score
        self.cache_bits = cache_bits
        self.threads = threads
        self.calls = 0
        self.cache_hits = 0
        self._cache: list[tuple[int, tuple[int, int], Thumb, tuple[OcrLine, ...]]] = []
        self._engine: Any = None
        self._lock = threading.Lock()

    def _model(self) -> Any:
        if self._engine is None:
            try:
                from rapidocr import RapidOCR
            except ImportError as exc:
                raise ModelNotFound("rapidocr is not installed", hint="reinstall replay: it depends on rapidocr") from exc
            params: dict[str, Any] = {
                "Global.log_level": "error",
                # Screen text is upright: the angle classifier only costs time.
                "Global.use_cls": False,
                # rapidocr's default scales the *short* side up to 736 px, which makes a small crop as
                # expensive as a whole frame; capping the long side makes cost follow the crop's area.
                "Det.limit_type": "max",
                "Det.limit_side_len": self.max_side,
            }
            if self.threads:
                params["EngineConfig.onnxruntime.intra_op_num_threads"] = self.threads
            self._engine = RapidOCR(params=params)
        return self._engine

    def _lookup(self, h: int, shape: tuple[int, int], small: Thumb) -> tuple[OcrLine, ...] | None:
        for ch, cshape, csmall, lines in self._cache:
            # Near hash and the same size within 10% (a hash ignores scale), then the colour pixel check.
            if _hamming(ch, h) <= self.cache_bits and abs(cshape[0] - shape[0]) <= 0.1 * shape[0] \
                    and abs(cshape[1] - shape[1]) <= 0.1 * shape[1] and same_picture(csmall, small):
                return lines
        return None

    def read(self, image: np.ndarray) -> tuple[OcrLine, ...]:
        """Text lines in a BGR image, best first by position (top to bottom, left to right)."""
        h = dhash(image)
        shape = image.shape[:2]
        small = thumb(image)
        with self._lock:
            hit = self._lookup(h, shape, small)
            if hit is not None:
                self.cache_hits += 1
                return hit
            result = self._model()(image)
            self.calls += 1
            lines = []
            for box, text, score in zip(result.boxes if result.boxes is not None else (),
                                        result.txts or (), result.scores or (), strict=False):
                if float(score) < self.min_score or not str(text).strip():
                    continue
                pts = np.asarray(box)
                lines.append(OcrLine(str(text).strip(), round(float(score), 3),
                                     (int(pts[:, 0].min()), int(pts[:, 1].min()),
                                      int(pts[:, 0].max()), int(pts[:, 1].max()))))
            lines.sort(key=lambda ln: (ln.box[1] // 8, ln.box[0]))
            out = tuple(lines)
            self._cache.append((h, shape, small, out))
            del self._cache[:-512]  # bounded: a 6 h stream must not grow it forever
            return out
