"""Executors run ASR tasks: a local pool of single-threaded worker processes, or Ray actors on a cluster.

The pipeline only sees ``Executor.transcribe_chunks``, which yields each chunk's result as it finishes,
so checkpoints are written as soon as a chunk is done and a killed job loses at most the chunks in flight.
On a small CPU several one-thread workers with their own model beat one multi-threaded worker, because
whisper's decoder loop is mostly serial.

Every executor also keeps a ``ChunkRun`` per chunk it ran (which worker, when, how long the model took to
load, the worker's CPU seconds), for the pipeline's account of where the time went (report/timing.py).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from replay.asr.transcribe import TranscribeOptions, load_model, transcribe_chunk
from replay.contracts import AudioChunk, Segment
from replay.settings import Settings


@dataclass(frozen=True, slots=True)
class ChunkRun:
    """How one chunk was run: by which worker, when (wall-clock epoch seconds), at what cost."""

    index: int
    worker: str
    """host:pid of the worker process."""
    started: float
    ended: float
    load_seconds: float
    """Part of the run spent loading the model (the worker's first chunk only)."""
    cpu_seconds: float
    """CPU time the worker process used for the chunk: below ended - started when it shared its core."""
    audio_seconds: float


def timed_transcribe(chunk: AudioChunk, options: TranscribeOptions) -> tuple[list[Segment], ChunkRun]:
    """transcribe_chunk, with its ChunkRun; runs in the worker."""
    started, cpu = time.time(), time.process_time()
    load_model(options)
    loaded = time.time()
    segments = transcribe_chunk(chunk, options)
    ended = time.time()
    return segments, ChunkRun(chunk.index, f"{socket.gethostname()}:{os.getpid()}", started, ended, loaded - started,
                              time.process_time() - cpu, chunk.end - chunk.start)


class Executor(Protocol):
    runs: list[ChunkRun]
    """A ChunkRun per chunk run so far, in completion order."""

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


def worker_init() -> None:
    """Set up a spawned ASR worker process (local pool here, the live follower's one worker)."""
    # One thread per worker for every native library; parallelism comes from processes.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True, name="parent-watch").start()


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """End this worker when the process that started it is gone. A parent killed with -9 (a crashed follower or
    server) cannot stop its pool, and the orphaned worker would keep its model and memory until the machine
    restarts; once orphaned, the worker's parent pid is no longer the one it started with."""
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(0)


class InlineExecutor:
    """Runs chunks in this process: for tests, tiny inputs, and debugging."""

    def __init__(self) -> None:
        self.runs: list[ChunkRun] = []

    def transcribe_chunks(self, chunks: Sequence[AudioChunk], options: TranscribeOptions
                          ) -> Iterator[tuple[AudioChunk, list[Segment]]]:
        for chunk in chunks:
            segments, run = timed_transcribe(chunk, options)
            self.runs.append(run)
            yield chunk, segments

    def close(self) -> None:
        pass

    def terminate(self) -> None:
        pass  # the chunk runs in the caller's thread: it stops at the next chunk, when progress is reported


class LocalPoolExecutor:
    """A pool of ``workers`` processes; each loads the model once and keeps it for later chunks.

    Chunks are queued in plan order and each goes to whichever worker is free first, so a plan whose chunks
    shrink towards the end (media/audio.py: plan) lets the workers finish together.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.runs: list[ChunkRun] = []
        # spawn, not fork: CTranslate2 and OpenMP state do not survive fork safely.
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                         initializer=worker_init)

    def transcribe_chunks(self, chunks: Sequence[AudioChunk], options: TranscribeOptions
                          ) -> Iterator[tuple[AudioChunk, list[Segment]]]:
        pending: dict[Future[tuple[list[Segment], ChunkRun]], AudioChunk] = {
            self._pool.submit(timed_transcribe, c, options): c for c in chunks
        }
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: pending[f].index):
                    chunk = pending.pop(fut)
                    segments, run = fut.result()
                    self.runs.append(run)
                    yield chunk, segments
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
