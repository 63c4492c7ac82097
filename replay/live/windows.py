"""windows: where the next transcription window closes, at a pause, from the audio alone.

A window starts where the last one closed (``done``) and closes at the first pause after ``min_window``
seconds of audio; with no pause by ``max_window``, at the quietest moment. A pause is a run of ``pause``
seconds of frames quieter than the window's own level (a point between its 10th and 90th loudness percentile,
measured over its first ``min_window`` seconds, so background music raises the bar with it).

The cut depends on the audio only, never on how much of it has arrived: the level comes from a stretch that is
whole before any search starts, and a pause is taken as soon as it is ``pause`` long (cut in its middle), not
when it ends. So a recording followed at 1× and at 16× is cut into the same windows, and gives the same
transcript and the same 看点.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from replay.live.options import LiveOptions
from replay.media.audio import SAMPLE_RATE, load_pcm

FRAME = 0.05  # seconds per loudness frame


def _db(samples: np.ndarray) -> np.ndarray:
    n = int(FRAME * SAMPLE_RATE)
    frames = samples[: len(samples) // n * n].reshape(-1, n)
    return 10.0 * np.log10((frames.astype(np.float64) ** 2).mean(axis=1) + 1e-10)


def next_cut(pcm: Path, done: float, edge: float, options: LiveOptions, ended: bool = False) -> float | None:
    """Where the window starting at ``done`` closes, given audio up to ``edge``; None: wait for more audio.

    ``ended``: no more audio will come; what is left after the last full window is one last window.
    """
    left = edge - done
    if left <= 1e-3:
        return None
    if left < options.min_window:
        return edge if ended else None
    level = _db(load_pcm(pcm, done, done + options.min_window))
    if len(level) == 0:
        return edge if ended else None
    lo, hi = np.percentile(level, 10), np.percentile(level, 90)
    quiet_below = lo + 0.3 * (hi - lo)
    search_end = min(edge, done + options.max_window)
    tail = _db(load_pcm(pcm, done + options.min_window, search_end))
    need = max(1, int(round(options.pause / FRAME)))
    run = 0
    for i, v in enumerate(tail):
        run = run + 1 if v < quiet_below else 0
        if run == need:
            start = i - need + 1
            return round(done + options.min_window + (start + need / 2) * FRAME, 3)
    if edge >= done + options.max_window - 1e-6:
        if len(tail) == 0:
            return round(done + options.max_window, 3)
        k = max(1, int(0.5 / FRAME))
        smooth = np.convolve(tail, np.ones(k) / k, mode="same")
        return round(done + options.min_window + (int(np.argmin(smooth)) + 0.5) * FRAME, 3)
    return edge if ended else None
