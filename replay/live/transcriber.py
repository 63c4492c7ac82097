"""transcriber: the follower's ASR, one spawned worker process that keeps the model loaded.

The follower transcribes one window at a time, and its loop keeps looking at the source meanwhile, so the
window runs in a worker process (spawn, as the offline pool: CTranslate2 and OpenMP state do not survive fork).
The worker ends when the follower is gone, even after kill -9 (replay/asr/executor.py: worker_init).
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from replay.asr.executor import worker_init
from replay.contracts import AudioChunk, Segment


def warm(options: Any) -> None:
    """In the ASR worker: load the model before the first window needs it."""
    from replay.asr.transcribe import load_model

    load_model(options)


def transcribe_window(chunk: AudioChunk, options: Any) -> list[Segment]:
    """In the ASR worker: one window, its utterances with absolute times (none from before the window)."""
    from replay.asr.transcribe import transcribe_chunk

    return [s for s in transcribe_chunk(chunk, options) if s.end > chunk.start]


def asr_pool(options: Any) -> ProcessPoolExecutor:
    """One spawned ASR worker, already loading the model with ``options``."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"), initializer=worker_init)
    pool.submit(warm, options)
    return pool
