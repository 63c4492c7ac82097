"""options: the visual stage's options, apart from the stage so that Settings can hold them without loading
OpenCV and the OCR model (the CLI and the API read Settings on every start).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class VisualOptions:
    """How the visual stage samples, when it runs OCR, and how it matches the catalog."""

    enabled: bool = True
    """Run the visual stage (scene cuts, OCR of product cards, picture matching). REPLAY_VISUAL=false turns it off."""
    sample: Literal["auto", "keyframes", "fps"] = "auto"
    """'keyframes', 'fps', or 'auto' (keyframes when they are at most max_keyframe_gap apart, else fps)."""
    sample_fps: float = 0.5
    """Sample rate in 'fps' mode. Product cards stay up for many seconds, so one frame every 2 s follows
    them; decode cost is the same at any rate, the per-frame work halves against 1 fps."""
    max_keyframe_gap: float = 2.5
    """Longest median keyframe spacing (s) for which keyframes alone are dense enough to follow cards."""
    analysis_width: int = 640
    """Width of the frames OCR sees; larger sources are downscaled by ffmpeg (card text stays legible)."""
    cell_threshold: float = 4.0
    """Mean absolute grey-level change (0–255) of a grid cell, on a 128×72 copy, that counts as 'changed'."""
    min_texture: float = 6.0
    """Grey-level standard deviation of a changed cell below which it holds nothing to read (a recoloured
    background, the empty space a card left): such cells are marked as seen without OCR."""
    hold_seconds: float = 2.0
    """While a read card stays unchanged, re-emit its event this often (no OCR)."""
    max_ocr_per_minute: int = 12
    """OCR budget: a region that changes more often (animations, a ticker) waits for the budget to refill."""
    min_text_score: float = 0.5
    """Lowest catalog-match score (0–1, see screen.match.score_item) that produces an 'ocr' event."""
    min_image_score: float = 0.8
    """Lowest normalised template-match correlation that produces an 'image' event."""
    frame_accurate_cuts: bool = False
    """Refine each sampled scene cut to its exact frame by decoding the gap between two samples."""
    ocr_threads: int | None = None
    """onnxruntime threads for OCR; None lets it use all cores."""
