"""Where the time of a run went (report/timing.py): overlapping stages and ASR workers add up to the wall time."""

from __future__ import annotations

import pytest

from replay.asr.executor import ChunkRun
from replay.contracts import HighlightIndex
from replay.pipeline import IndexResult, StageTiming
from replay.report.timing import markdown, where_time_went, worker_rows

T0 = 1_000_000.0  # epoch seconds at the start of the run


def _result() -> IndexResult:
    """A 100 s run: visual beside audio and transcription; two workers, one finishing 5 s before the other."""
    stages = (StageTiming("probe", 1.0, 0, False, 0.0, 1.0),
              StageTiming("audio", 4.0, 0, False, 1.0, 5.0),
              StageTiming("transcribe", 85.0, 0, False, 5.0, 90.0),
              StageTiming("visual", 29.0, 0, False, 1.0, 30.0),
              StageTiming("detect", 8.0, 0, False, 90.0, 98.0),
              StageTiming("thumbnails", 1.0, 0, False, 98.0, 99.0),
              StageTiming("store", 1.0, 0, False, 99.0, 100.0))
    runs = (ChunkRun(0, "w1", T0 + 6.0, T0 + 50.0, 2.0, 40.0, 900.0),
            ChunkRun(1, "w2", T0 + 6.0, T0 + 52.0, 2.0, 41.0, 900.0),
            ChunkRun(2, "w1", T0 + 50.0, T0 + 89.0, 0.0, 38.0, 800.0),
            ChunkRun(3, "w2", T0 + 52.0, T0 + 84.0, 0.0, 31.0, 700.0))
    return IndexResult("s", HighlightIndex("s", 3300.0), stages, 4, 0, runs, started=T0, seconds=100.0)


def test_the_rows_add_up_to_the_wall_time_and_name_what_ran_together() -> None:
    rows = {r.what: r.seconds for r in where_time_went(_result(), workers=2)}
    assert sum(rows.values()) == pytest.approx(100.0)
    assert rows["probe"] == pytest.approx(1.0)
    assert rows["audio + visual beside"] == pytest.approx(4.0)
    assert rows["transcribe (0 of 2 workers transcribing) + visual beside"] == pytest.approx(1.0)  # spawning
    assert rows["transcribe (0 of 2 workers transcribing, 2 loading the model) + visual beside"] == pytest.approx(2.0)
    assert rows["transcribe (2 of 2 workers transcribing) + visual beside"] == pytest.approx(22.0)
    assert rows["transcribe (2 of 2 workers transcribing)"] == pytest.approx(54.0)
    assert rows["transcribe (1 of 2 workers transcribing)"] == pytest.approx(5.0)  # the tail
    assert rows["transcribe (0 of 2 workers transcribing)"] == pytest.approx(1.0)  # merging, saving
    assert rows["detect"] == pytest.approx(8.0)


def test_worker_rows() -> None:
    w1, w2 = worker_rows(_result())
    assert (w1.worker, w1.chunks, w1.audio_seconds, w1.loading) == ("w1", 2, 1700.0, 2.0)
    assert w1.transcribing == pytest.approx(81.0) and w1.cpu_seconds == pytest.approx(78.0)
    assert w1.idle_start == pytest.approx(1.0) and w1.idle_end == pytest.approx(1.0)
    assert w2.idle_end == pytest.approx(6.0)


def test_markdown_has_both_tables() -> None:
    text = markdown(_result(), workers=2)
    assert "| audio + visual beside | 4.0 | 4.0% | 1.0 s |" in text
    assert "| w2 | 2 | 1600 | 2.0 | 76.0 | 72.0 | 1.0 | 6.0 |" in text
