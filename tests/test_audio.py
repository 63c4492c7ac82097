from __future__ import annotations

from pathlib import Path

import numpy as np

from replay.media.audio import SAMPLE_RATE, AudioOptions, extract_pcm, load_pcm, pcm_duration, plan_chunks
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
