"""Executors run ASR tasks: a local pool of single-threaded worker processes, or Ray actors on a cluster.

The pipeline only sees ``Executor.transcribe_chunks``, which yields each chunk's result as it finishes,
so checkpoints are written as soon as a chunk is done and a killed job loses at most the chunks in flight.
On a small CPU several one-thread workers with their own model beat one multi-threaded worker, because
whisper's decoder loop is mostly serial.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Protocol

from replay.asr.transcribe import TranscribeOptions, transcribe_chunk
from replay.contracts import AudioChunk, Segment
from replay.settings import Settings


class Executor(Protocol):
    def transcribe_chunks(
        self, chunks: Sequence[AudioChunk], options: TranscribeOptions
    ) -> Iterator[tuple[AudioChunk, list[Segment]]]:
        """Lazily yield (chunk, segments) in completion order."""
        ...

    def close(self) -> None: ...

    def terminate(self) -> None:
        """Stop at once from another thread (the server stopping): work in flight is lost, and the
        ``transcribe_chunks`` being iterated raises."""
        ...


def _worker_init() -> None:
    # One thread per worker for every native library; parallelism comes from processes.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


class InlineExecutor:
    """Runs chunks in this process: for tests, tiny inputs, and debugging."""

    def transcribe_chunks(self, chunks: Sequence[AudioChunk], options: TranscribeOptions
                          ) -> Iterator[tuple[AudioChunk, list[Segment]]]:
        for chunk in chunks:
            yield chunk, transcribe_chunk(chunk, options)

    def close(self) -> None:
        pass

    def terminate(self) -> None:
        pass  # the chunk runs in the caller's thread: it stops at the next chunk, when progress is reported


class LocalPoolExecutor:
    """A pool of ``workers`` processes; each loads the model once and keeps it for later chunks."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        # spawn, not fork: CTranslate2 and OpenMP state do not survive fork safely.
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                         initializer=_worker_init)

    def transcribe_chunks(self, chunks: Sequence[AudioChunk], options: TranscribeOptions
                          ) -> Iterator[tuple[AudioChunk, list[Segment]]]:
        pending: dict[Future[list[Segment]], AudioChunk] = {
            self._pool.submit(transcribe_chunk, c, options): c for c in chunks
        }
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    chunk = pending.pop(fut)
                    yield chunk, fut.result()
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def terminate(self) -> None:
        # ProcessPoolExecutor gains terminate_workers() in Python 3.14; before it, its processes are private.
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            p.terminate()


def make_executor(settings: Settings) -> Executor:
    """The executor the settings ask for: Ray when an address is set, else the local pool."""
    if settings.ray_address:
        from replay.asr.ray_executor import RayExecutor  # imported lazily: Ray is an optional extra

        return RayExecutor(settings.ray_address, workers=settings.workers, num_cpus=settings.ray_cpus_per_worker,
                           num_gpus=settings.ray_gpus_per_worker)
    if settings.workers <= 1:
        return InlineExecutor()
    return LocalPoolExecutor(settings.workers)
