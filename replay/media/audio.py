"""audio: decode the recording to 16 kHz mono PCM on disk and cut it into chunks at silences.

The PCM goes to a raw file that workers memory-map, so a 6 h recording (about 690 MB of int16) never sits
whole in any process's RAM. Chunks are cut at the quietest moment near each chunk boundary, so no word is
split between two ASR tasks.

The plan (``plan``) is made so that the ASR workers finish together. A recording too short to give each worker
two chunks of ``tail_seconds`` gets equal chunks, one per worker. A longer one gets chunks that shrink towards
the end (guided self-scheduling): the left audio's share of twice the worker count first (never longer than the
even split's chunks), then shorter and shorter ones down to ``tail_seconds``, each handed to whichever worker is
free. Speech density differs from chunk to chunk, and
other work (the visual stage) shares the cores for a while, so equal chunks leave one worker idle for up to a
whole chunk at the end; with a shrinking tail it idles for at most about one short chunk.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from replay.contracts import AudioChunk, MediaInfo
from replay.errors import MediaOpenError
from replay.media import ffmpeg

SAMPLE_RATE = 16000


@dataclass(frozen=True, slots=True)
class AudioOptions:
    """How the audio is cut into ASR tasks."""

    chunk_seconds: float = 1800.0
    """Longest chunk handed to one ASR task."""
    search_seconds: float = 20.0
    """How far before a chunk boundary to look for a silence to cut at."""
    frame_seconds: float = 0.1
    """Energy frame used to find silences."""
    balance: int = 1
    """The ASR workers the plan is made for (see ``plan``): every worker gets work until the end."""
    tail_seconds: float = 120.0
    """Shortest chunk of a plan longer than one round: the chunks shrink towards the end down to this length,
    so the workers finish within about one such chunk of each other."""


def extract_pcm(info: MediaInfo, out_path: Path) -> Path:
    """Decode the first audio stream of ``info`` to raw s16le 16 kHz mono at ``out_path`` (atomically)."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".partial")
    try:
        ffmpeg.run(["-i", str(info.path), "-map", "0:a:0", "-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1",
                    "-ar", str(SAMPLE_RATE), str(tmp)],
                   error=lambda detail: MediaOpenError(f"could not decode the audio of {info.path.name}: {detail}",
                                                       hint="check that the recording is complete"))
    except MediaOpenError:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out_path)
    return out_path


def load_pcm(path: Path, start: float = 0.0, end: float | None = None) -> np.ndarray:
    """float32 samples in [-1, 1] for [start, end) of a raw PCM file, read through a memory map."""
    mm = np.memmap(path, dtype=np.int16, mode="r")
    a = max(0, int(start * SAMPLE_RATE))
    b = len(mm) if end is None else min(len(mm), int(end * SAMPLE_RATE))
    return mm[a:b].astype(np.float32) / 32768.0


def pcm_duration(path: Path) -> float:
    return path.stat().st_size / 2 / SAMPLE_RATE


def _quietest_time(path: Path, lo: float, hi: float, frame: float) -> float:
    samples = load_pcm(path, lo, hi)
    n = int(frame * SAMPLE_RATE)
    if len(samples) < n * 2:
        return hi
    frames = samples[: len(samples) // n * n].reshape(-1, n)
    energy = (frames**2).mean(axis=1)
    # Smooth over 0.5 s so a single quiet frame inside a word does not win.
    k = max(1, int(0.5 / frame))
    smooth = np.convolve(energy, np.ones(k) / k, mode="same")
    return lo + (int(np.argmin(smooth)) + 0.5) * frame


def balanced(options: AudioOptions, duration: float) -> AudioOptions:
    """Enough chunks to keep every worker busy, in whole rounds, none longer than ``chunk_seconds``.

    plan_chunks cuts each chunk at the quietest moment up to ``search_seconds`` before its nominal end, so
    the nominal length is the even share plus that slack; otherwise the cuts would leave a short extra
    chunk at the end that one worker runs alone while the others idle.
    """
    workers = max(1, options.balance)
    usable = max(30.0, options.chunk_seconds - options.search_seconds)
    n = max(workers, math.ceil(duration / usable))
    n = math.ceil(n / workers) * workers  # balanced rounds
    length = min(options.chunk_seconds, max(30.0, duration / n + options.search_seconds))
    return replace(options, chunk_seconds=length)


def guided(options: AudioOptions) -> Callable[[float], float]:
    """The nominal length of the next chunk, given the audio left: shrinking chunks for ``balance`` workers.

    A chunk takes the left audio's share of twice the worker count, capped at ``chunk_seconds`` and floored at
    ``tail_seconds``; what would remain after it, if shorter than ``tail_seconds``, joins it (or the two are
    halved, to stay under ``chunk_seconds``).
    """
    workers = max(1, options.balance)

    def length(left: float) -> float:
        n = min(options.chunk_seconds, max(options.tail_seconds, left / (2 * workers) + options.search_seconds))
        if left - n < options.tail_seconds:
            n = left if left <= options.chunk_seconds else left / 2 + options.search_seconds
        return n

    return length


def plan(pcm_path: Path, options: AudioOptions) -> Iterator[AudioChunk]:
    """The pipeline's chunks for ``options.balance`` workers: equal chunks (``balanced``) for a recording under
    two tails per worker, else shrinking ones (``guided``); see the module docstring. Lazy."""
    total = pcm_duration(pcm_path)
    even = balanced(options, total)
    # Equal chunks only when the recording is too short for a shrinking plan to give every worker two chunks of
    # at least the tail's length. Speech density differs between halves of one recording: on long1 (761 s) the
    # two equal chunks took 82 s and 38 s, and one worker sat idle for 45 s (docs/BENCHMARKS.md, stop 40).
    if options.balance <= 1 or total < 2 * options.balance * options.tail_seconds:
        return plan_chunks(pcm_path, even)
    # No chunk longer than the even split's: a worker's memory grows with its chunk (about 1.1 GB at 400 s of
    # audio, +0.26 MB per second beyond), and the visual stage now shares the machine's memory with them.
    return plan_chunks(pcm_path, even, length=guided(even))


def plan_chunks(pcm_path: Path, options: AudioOptions = AudioOptions(),
                length: Callable[[float], float] | None = None) -> Iterator[AudioChunk]:
    """Lazily yield chunks of at most ``chunk_seconds``, each ending at the quietest nearby moment.

    ``length`` gives each chunk's nominal length from the audio left (default: ``chunk_seconds`` each).
    """
    total = pcm_duration(pcm_path)
    start, index = 0.0, 0
    while start < total - 1e-6:
        nominal = min(options.chunk_seconds, length(total - start)) if length else options.chunk_seconds
        target = start + nominal
        if target >= total:
            end = total
        else:
            lo = max(start + nominal / 2, target - options.search_seconds)
            end = _quietest_time(pcm_path, lo, target, options.frame_seconds)
        yield AudioChunk(index=index, start=round(start, 3), end=round(end, 3), path=pcm_path)
        start, index = end, index + 1
