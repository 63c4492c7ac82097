from __future__ import annotations

from pathlib import Path

import numpy as np

from replay.media.audio import (
    SAMPLE_RATE,
    AudioOptions,
    balanced,
    extract_pcm,
    guided,
    load_pcm,
    pcm_duration,
    plan,
    plan_chunks,
)
from replay.media.probe import probe


def test_extract_is_16k_mono(av_file: Path, tmp_path: Path) -> None:
    pcm = extract_pcm(probe(av_file), tmp_path / "a.s16le")
    assert abs(pcm_duration(pcm) - 6.0) < 0.1
    samples = load_pcm(pcm)
    assert samples.dtype == np.float32 and samples.ndim == 1
    # The 440 Hz tone survives: the spectrum peaks there.
    spectrum = np.abs(np.fft.rfft(samples[:SAMPLE_RATE]))
    assert abs(np.argmax(spectrum) - 440) <= 2
    assert not (tmp_path / "a.partial").exists()


def test_load_window(av_file: Path, tmp_path: Path) -> None:
    pcm = extract_pcm(probe(av_file), tmp_path / "a.s16le")
    assert len(load_pcm(pcm, 1.0, 3.0)) == 2 * SAMPLE_RATE


def test_chunks_cut_in_silence_and_cover_everything(bursts_wav: Path, tmp_path: Path) -> None:
    pcm = extract_pcm(probe(bursts_wav), tmp_path / "b.s16le")
    chunks = list(plan_chunks(pcm, AudioOptions(chunk_seconds=10.2, search_seconds=3.0)))
    assert chunks[0].start == 0.0
    assert abs(chunks[-1].end - pcm_duration(pcm)) < 1e-3
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.end == b.start  # contiguous: nothing lost, nothing twice
    for c in chunks[:-1]:
        # Every cut lands inside a 9.5-10 s silence of its 10 s period.
        assert 9.45 <= c.end % 10 <= 10.05, c
        assert c.end - c.start <= 10.2 + 1e-6
    assert [c.index for c in chunks] == list(range(len(chunks)))


def _pcm_with_pauses(path: Path, seconds: float, period: float = 3.0) -> Path:
    """Raw 16 kHz PCM: noise with a 0.4 s pause every ``period`` seconds (a stand-in for speech)."""
    rng = np.random.default_rng(1)
    n = int(seconds * SAMPLE_RATE)
    samples = (rng.standard_normal(n) * 3000).astype(np.int16)
    t = np.arange(n) / SAMPLE_RATE
    samples[(t % period) > period - 0.4] = 0
    samples.tofile(path)
    return path


def test_one_round_plans_equal_chunks(tmp_path: Path) -> None:
    """A recording that one chunk per worker covers keeps the even split (the bench streams are such)."""
    pcm = _pcm_with_pauses(tmp_path / "a.s16le", 100.0)
    chunks = list(plan(pcm, AudioOptions(chunk_seconds=60.0, search_seconds=5.0, balance=2)))
    assert len(chunks) == 2
    assert chunks == list(plan_chunks(pcm, balanced(AudioOptions(chunk_seconds=60.0, search_seconds=5.0, balance=2),
                                                    100.0)))


def test_one_round_long_enough_for_two_tails_per_worker_shrinks_too(tmp_path: Path) -> None:
    """A 600 s recording fits one round of two 320 s chunks, but halves of one stream differ in speech density
    (long1's took 82 s and 38 s), so it gets shrinking chunks whichever worker is free takes; 400 s does not."""
    opts = AudioOptions(chunk_seconds=1800.0, search_seconds=5.0, balance=2, tail_seconds=100.0)
    long = [c.end - c.start for c in plan(_pcm_with_pauses(tmp_path / "c.s16le", 600.0), opts)]
    assert len(long) >= 4 and long[0] > long[-2] and abs(sum(long) - 600.0) < 1e-3, long
    assert len(list(plan(_pcm_with_pauses(tmp_path / "d.s16le", 390.0), opts))) == 2


def test_a_longer_plan_shrinks_towards_the_end(tmp_path: Path) -> None:
    pcm = _pcm_with_pauses(tmp_path / "b.s16le", 600.0)
    opts = AudioOptions(chunk_seconds=60.0, search_seconds=5.0, balance=2, tail_seconds=8.0)
    chunks = list(plan(pcm, opts))
    lengths = [c.end - c.start for c in chunks]
    assert chunks[0].start == 0.0 and abs(chunks[-1].end - 600.0) < 1e-3
    assert all(a.end == b.start for a, b in zip(chunks, chunks[1:], strict=False))
    even = balanced(opts, 600.0).chunk_seconds  # 55 s: 12 chunks in whole rounds of 2
    assert max(lengths) <= even + 1e-6  # never longer than the even split's chunks
    assert min(lengths[:4]) >= even - 5.0  # long chunks first
    # Short ones last: about the tail's length (a cut moves earlier by up to the search window, and a last
    # piece shorter than the tail joins the chunk before it).
    assert max(lengths[-4:]) <= 8.0 + 8.0 + 5.0 and min(lengths) >= 8.0 - 5.0
    # Never longer than an earlier chunk by more than those two effects.
    assert all(b <= min(lengths[:i + 1]) + 5.0 + 8.0 for i, b in enumerate(lengths[1:]))
    for c in chunks[:-1]:
        assert (c.end % 3.0) >= 2.6 - 0.1  # every cut lands in a pause


def _finish_spread(lengths: list[float], workers: int = 2) -> float:
    """Whichever worker is free takes the next chunk; a chunk costs its length times the speech density
    there, and worker 0 runs at 70% speed for the first 100 s (the visual stage shares its core)."""
    rng = np.random.default_rng(3)
    free = [0.0] * workers
    for length in lengths:
        w = int(np.argmin(free))
        cost = length * rng.uniform(0.8, 1.25) / 20.0  # ~20x real time per worker
        if w == 0 and free[w] < 100.0:
            cost /= 0.7
        free[w] += cost
    return max(free) - min(free)


def test_the_shrinking_plan_lets_the_workers_finish_together(tmp_path: Path) -> None:
    """On a 3-hour plan, the workers' finishing times differ by about one short chunk, not one long one."""
    total, opts = 10800.0, AudioOptions(balance=2)
    length, left, guided_lengths = guided(balanced(opts, total)), total, []
    while left > 1e-6:
        n = min(left, length(left))
        guided_lengths.append(n)
        left -= n
    equal = balanced(opts, total).chunk_seconds
    equal_lengths = [equal] * int(total // equal) + ([total % equal] if total % equal else [])
    assert max(guided_lengths) <= balanced(opts, total).chunk_seconds and len(guided_lengths) <= 24
    assert _finish_spread(guided_lengths) < 10.0
    assert _finish_spread(guided_lengths) < _finish_spread(equal_lengths) / 3
